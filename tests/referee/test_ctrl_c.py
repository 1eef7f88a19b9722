"""Ctrl-C on a script that calls ``referee.run()`` ends it cleanly: every task osukit started is cancelled
and awaited, the connection closed, and asyncio prints no warning ("Task was destroyed but it is pending!",
"Exception ignored …") on stderr. The script runs as a child against an emulator of this test."""

from __future__ import annotations

import subprocess
import sys
import textwrap
import time
from pathlib import Path
from typing import Any

import pytest

from tests._helpers import ctrl_c, sigint_default

from .conftest import Env

ASYNC_RUN = """
import asyncio, atexit, sys
import osukit
from osukit.referee import AsyncRefereeClient, MatchCompletedEvent

async def main() -> None:
    client = osukit.AsyncClient(base_url=sys.argv[1], rate_limit=0,
                                grant=osukit.StaticToken(sys.argv[2], scopes=["delegate", "multiplayer.write_manage"]))
    async with client:
        referee = AsyncRefereeClient(client, base_url=sys.argv[1])   # not a context manager, as in the docs
        atexit.register(lambda: print("connected at exit:", referee.connected, file=sys.stderr))

        @referee.on(MatchCompletedEvent)
        async def completed(event: MatchCompletedEvent) -> None:
            print("completed", flush=True)

        await referee.connect()
        room = await referee.make_room(beatmap_id=int(sys.argv[3]))
        print("ready", room.room_id, flush=True)
        await referee.run()                   # until Ctrl-C

asyncio.run(main())
"""

SYNC_RUN = """
import atexit, sys
import osukit
from osukit.referee import RefereeClient

client = osukit.Client(base_url=sys.argv[1], rate_limit=0,
                       grant=osukit.StaticToken(sys.argv[2], scopes=["delegate", "multiplayer.write_manage"]))
with client:
    referee = RefereeClient(client, base_url=sys.argv[1])
    atexit.register(lambda: print("connected at exit:", referee.connected, file=sys.stderr))
    room = referee.make_room(beatmap_id=int(sys.argv[3]))
    print("ready", room.room_id, flush=True)
    referee.run()                            # until Ctrl-C
"""


@pytest.mark.timeout(300)
@pytest.mark.parametrize("script", [ASYNC_RUN, SYNC_RUN], ids=["async", "sync"])
def test_ctrl_c_ends_run_without_asyncio_noise(env: Env, tmp_path: Path, script: str) -> None:
    path = tmp_path / "referee_run.py"
    path.write_text(textwrap.dedent(script), encoding="utf-8")
    token = env.token(env.bot)
    proc: subprocess.Popen[Any] = subprocess.Popen(
        [sys.executable, "-W", "default", str(path), env.emu.base_url, token, str(env.osu_beatmap)],
        stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, preexec_fn=sigint_default,
        cwd=Path(__file__).resolve().parents[2])
    try:
        line = proc.stdout.readline() if proc.stdout else ""
        assert line.startswith("ready"), (line, proc.stderr.read() if proc.stderr else "")
        room_id = int(line.split()[1])
        time.sleep(0.5)  # inside run(), waiting for events
        code, took = ctrl_c(proc, timeout=120)
        err = proc.stderr.read() if proc.stderr else ""
    finally:
        if proc.poll() is None:
            proc.kill()
            proc.wait(timeout=10)
    assert "connected at exit: False" in err, err  # run() closed the connection on its way out
    assert "Task was destroyed" not in err, err
    assert "Exception ignored" not in err, err
    assert "was never awaited" not in err, err
    assert "Unclosed" not in err and "unclosed" not in err, err
    assert code in (1, 130, -2), (code, err)  # KeyboardInterrupt, as Python ends on Ctrl-C
    assert took < 60, took
    # the connection was closed: the hub no longer counts one for the bot
    deadline = time.monotonic() + 30
    while env.bot in env.hub.conns:
        assert time.monotonic() < deadline
        time.sleep(0.1)
    assert room_id in env.hub.rooms  # the room stays open on the server (only the connection ended)
