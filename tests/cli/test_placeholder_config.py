"""The CLI refuses placeholder credentials (the config example's ``client_secret = "…"``, a client id
that is not a number) with a clear error naming where the value came from."""

from __future__ import annotations

from pathlib import Path

from .conftest import Cli


def test_config_file_placeholders_are_refused(cli: Cli, tmp_path: Path) -> None:
    config = tmp_path / "config.toml"
    config.write_text('client_id = 12345\nclient_secret = "…"\n')
    r = cli("--config", str(config), "user", "2")
    assert r.code != 0 and "Traceback" not in r.err
    assert "client_secret" in r.err and "replace the placeholder" in r.err and str(config) in r.err


def test_env_and_option_placeholders_are_refused(cli: Cli) -> None:
    r = cli("user", "2", env={"OSU_CLIENT_ID": "your-client-id", "OSU_CLIENT_SECRET": "x"})
    assert r.code != 0 and "replace the placeholder" in r.err and "OSU_CLIENT_ID" in r.err
    r = cli("--client-id", "...", "--client-secret", "x", "user", "2")
    assert r.code != 0 and "replace the placeholder" in r.err and "--client-id" in r.err
