"""One attempt that waits long is not silence: the CLI says `osukit: still waiting for HOST (N s)…` after
`STILL_WAITING_AFTER` seconds and then every `STILL_WAITING_EVERY`; a fast call says nothing, and a
library user at the default WARNING level gets nothing new (no watchdog is even armed)."""

from __future__ import annotations

import asyncio
import itertools
import logging
import os
import re
from pathlib import Path
from typing import Any

import pytest

import osukit
from osukit import _waiting
from osukit.cli._app import run_app
from tests.cli.conftest import _clean_env, emu_env

WAIT = re.compile(r"^osukit: still waiting for (\S+) \((\d+(?:\.\d)?) s\)…$")


@pytest.fixture
def env(tmp_path: Path, emu: Any, monkeypatch: pytest.MonkeyPatch) -> Any:
    home = tmp_path / "home"
    home.mkdir()
    for key in list(os.environ):
        if key.startswith(("OSU_", "OSUKIT_")):
            monkeypatch.delenv(key)
    for key, value in {**_clean_env(home), **emu_env(emu)}.items():
        monkeypatch.setenv(key, value)
    monkeypatch.setattr(_waiting, "STILL_WAITING_AFTER", 0.3)
    monkeypatch.setattr(_waiting, "STILL_WAITING_EVERY", 0.6)
    # an access token: the only request is the slow API call itself
    monkeypatch.setenv("OSU_ACCESS_TOKEN", str(emu.mint_token(user_id=2, scopes=["public"])["access_token"]))
    yield emu
    emu.clear_faults()


def _host(emu: Any) -> str:
    return str(emu.base_url).split("://", 1)[1].rstrip("/")


def test_a_long_attempt_says_still_waiting(env: Any, capsys: pytest.CaptureFixture[str]) -> None:
    # 1.5 to 4.5 s for the answer (the emulator jitters latency 0.5x to 1.5x): well past 0.3 s, well
    # inside the 60 s timeout, so one attempt and no retry
    env.set_faults(latency_ms=3000, path_prefix="api/v2/users")
    code = run_app(["--rate-limit", "0", "--timeout", "60", "user", "2"])
    err = capsys.readouterr().err
    assert code == 0, err
    waits = [WAIT.match(line) for line in err.splitlines() if "still waiting" in line]
    assert waits and all(waits), err
    assert all(m.group(1) == _host(env) for m in waits if m)
    assert waits[0] and float(waits[0].group(2)) >= 0.3
    assert len(waits) <= 1 + 4.5 / 0.6 + 1  # spaced STILL_WAITING_EVERY apart, not a flood
    assert "retrying" not in err


def test_a_fast_call_says_nothing(env: Any, capsys: pytest.CaptureFixture[str]) -> None:
    code = run_app(["--rate-limit", "0", "user", "2"])
    err = capsys.readouterr().err
    assert code == 0, err
    assert "still waiting" not in err and err.strip() == "", err


def test_a_library_user_at_warning_gets_nothing(env: Any, caplog: pytest.LogCaptureFixture,
                                                 monkeypatch: pytest.MonkeyPatch) -> None:
    started: list[float] = []
    monkeypatch.setattr(_waiting.StillWaiting, "_arm", lambda self, delay: started.append(delay))
    env.set_faults(latency_ms=1000, path_prefix="api/v2/users")
    with caplog.at_level(logging.WARNING, logger="osukit"), osukit.Client(
            access_token=os.environ["OSU_ACCESS_TOKEN"], base_url=env.base_url, rate_limit=0) as osu:
        osu.users.get(2)
    assert not [r for r in caplog.records if hasattr(r, "osukit_wait")]
    assert started == []  # nothing armed at all


@pytest.mark.parametrize("sync", [True, False])
def test_the_library_logs_a_wait_notice_at_info(env: Any, caplog: pytest.LogCaptureFixture, sync: bool) -> None:
    env.set_faults(latency_ms=3000, path_prefix="api/v2/users")
    token = os.environ["OSU_ACCESS_TOKEN"]
    with caplog.at_level(logging.INFO, logger="osukit"):
        if sync:
            with osukit.Client(access_token=token, base_url=env.base_url, rate_limit=0, timeout=60) as osu:
                osu.users.get(2)
        else:
            async def run() -> None:
                async with osukit.AsyncClient(access_token=token, base_url=env.base_url, rate_limit=0,
                                              timeout=60) as aosu:
                    await aosu.users.get(2)

            asyncio.run(run())
    notices = [r.osukit_wait for r in caplog.records if hasattr(r, "osukit_wait")]
    assert notices and notices[0].host == _host(env) and notices[0].waited >= 0.3
    assert all(b.waited > a.waited for a, b in itertools.pairwise(notices))
