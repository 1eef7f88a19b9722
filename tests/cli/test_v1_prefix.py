"""The API v1 prefix on the command line: ``--v1-prefix`` / ``OSU_V1_PREFIX`` / ``v1_prefix`` in the config
file, shown by ``osukit config show``, and passed to the clients the commands use."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

import osukit
from osukit.cli._state import State

from .conftest import Cli


def _shown(out: str) -> list[str]:
    return next(line.split() for line in out.splitlines() if line.split()[:1] == ["v1_prefix"])


def test_config_show_lists_v1_prefix_and_its_source(cli: Cli, tmp_path: Path) -> None:
    r = cli("config", "show")
    assert r.code == 0 and _shown(r.out)[1:] == ["api", "(default)"], r.out
    config = tmp_path / "config.toml"
    config.write_text('v1_prefix = "api/v1"\n', encoding="utf-8")
    r = cli("--config", str(config), "config", "show")
    assert r.code == 0 and _shown(r.out)[1:] == ["api/v1", "(config)"], r.out
    r = cli("--config", str(config), "config", "show", env={"OSU_V1_PREFIX": "v1"})
    assert _shown(r.out)[1:] == ["v1", "(env)"], r.out
    r = cli("--config", str(config), "--v1-prefix", "legacy/api", "config", "show", env={"OSU_V1_PREFIX": "v1"})
    assert _shown(r.out)[1:] == ["legacy/api", "(option)"], r.out


def test_the_global_option_is_documented_in_help(cli: Cli) -> None:
    r = cli("--help")
    assert r.code == 0 and "--v1-prefix" in r.out and "OSU_V1_PREFIX" in r.out


@pytest.fixture
def private(emu: Any, monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> Iterator[Any]:
    for key in ("OSU_V1_PREFIX", "OSU_BASE_URL", "OSU_API_KEY", "OSU_CLIENT_ID", "OSU_CLIENT_SECRET",
                "OSU_ACCESS_TOKEN"):
        monkeypatch.delenv(key, raising=False)
    monkeypatch.setenv("OSUKIT_CONFIG", str(tmp_path / "none.toml"))
    emu.configure_server(v1_prefix="api/v1")
    yield emu
    emu.configure_server()


def test_the_option_reaches_the_clients_commands_use(private: Any) -> None:
    emu = private
    uid = int(emu.dataset["test_user_id"])
    options = {"base_url": emu.base_url, "api_key": emu.api_key, "client_id": str(emu.client_id),
               "client_secret": emu.client_secret}
    state = State(options={**options, "v1_prefix": "api/v1"}, rate_limit=0)
    for client in (state.client(), state.anonymous_client()):
        with client:
            assert client.v1_prefix == "api/v1"
            assert client.legacy.get_user(uid).user_id == uid
    # Without it: osukit's default layout is not there, and the error says what to check.
    with State(options=options, rate_limit=0).anonymous_client() as plain, \
            pytest.raises(osukit.NotFoundError, match=r"check v1_prefix \(OSU_V1_PREFIX; the CLI's --v1-prefix\)"):
        plain.legacy.get_user(uid)
