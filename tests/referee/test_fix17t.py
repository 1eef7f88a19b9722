"""Newcomer fixes: ``referee console`` (watch and act on one connection), ``referee list``, error
lines said once, ``watch`` without rooms or with ``--timeout``, scripted-player actions, int keys."""

from __future__ import annotations

import json
import queue
import subprocess
import sys
import threading
import time
from pathlib import Path
from typing import IO

import msgspec
import pytest

from osukit._exceptions import BeatmapNotFoundError
from osukit.referee import MatchStartedEvent

from .conftest import Env
from .test_cli import _env, run

pytest.importorskip("typer")
pytestmark = pytest.mark.timeout(180)


class Console:
    """``osukit referee console ROOM`` in a subprocess, fed line by line."""

    def __init__(self, env: Env, home: Path, room: int, *extra: str) -> None:
        self.proc = subprocess.Popen([sys.executable, "-m", "osukit.cli", *extra, "referee", "console", str(room)],
                                     env=_env(env, home), stdin=subprocess.PIPE, stdout=subprocess.PIPE,
                                     stderr=subprocess.PIPE, text=True, cwd=home)
        self.out: queue.Queue[str] = queue.Queue()
        self.err: queue.Queue[str] = queue.Queue()
        for stream, sink in ((self.proc.stdout, self.out), (self.proc.stderr, self.err)):
            threading.Thread(target=self._read, args=(stream, sink), daemon=True).start()

    @staticmethod
    def _read(stream: IO[str] | None, sink: queue.Queue[str]) -> None:
        assert stream is not None
        for line in stream:
            sink.put(line.rstrip("\n"))

    def send(self, line: str) -> None:
        assert self.proc.stdin is not None
        self.proc.stdin.write(line + "\n")
        self.proc.stdin.flush()

    def expect(self, text: str, *, err: bool = False, timeout: float = 60) -> str:
        source = self.err if err else self.out
        deadline = time.monotonic() + timeout
        seen = []
        while time.monotonic() < deadline:
            try:
                line = source.get(timeout=0.2)
            except queue.Empty:
                continue
            seen.append(line)
            if text in line:
                return line
        raise AssertionError(f"{text!r} not seen; got {seen}")


def _made(env: Env, home: Path) -> int:
    made = run(env, home, "make", str(env.osu_beatmap), "--slots", "4", "--json")
    assert made.returncode == 0, made.stderr
    return int(json.loads(made.stdout)["room_id"])


def test_console_watches_and_acts_on_one_connection(env: Env, tmp_path: Path) -> None:
    p1 = env.players[0]
    rid = _made(env, tmp_path)
    env.player(p1, "connect")
    console = Console(env, tmp_path, rid)
    try:
        console.expect("watching", err=True)
        console.send("invite " + str(p1))
        console.expect(f"invited {p1} to room {rid}")
        env.player(p1, "join")  # no room_id: the room it was invited to
        console.expect("UserJoined")
        env.player(p1, "ready")
        console.expect("UserStatusChanged")
        console.send("start 30")
        console.expect("CountdownStarted")
        console.send("stop-countdown")
        console.expect("CountdownStopped")
        console.send("start")
        console.expect("MatchStarted")
        console.send("abort")
        console.expect("MatchAborted")
        console.send("lock")
        console.expect(f"room {rid}: locked")
        console.send("frobnicate")
        assert "unknown command 'frobnicate'" in console.expect("error:", err=True)
        console.send("map 999999999 HDHR")
        line = console.expect("error:", err=True)
        assert "the referee hub refused (error 6): The specified beatmap does not exist." in line
        assert "Error 6" not in line
        console.send("help")
        console.expect("stop-countdown")
        assert env.hub.rooms[rid].locked and not env.hub.rooms[rid].closed
        console.send("close")
        console.expect(f"room {rid} closed")
        assert console.proc.wait(timeout=60) == 0
    finally:
        console.proc.kill()
    assert env.hub.rooms[rid].closed


def test_console_taken_over_says_it_once(env: Env, tmp_path: Path) -> None:
    rid = _made(env, tmp_path)
    console = Console(env, tmp_path, rid)
    try:
        console.expect("watching", err=True)
        listed = run(env, tmp_path, "list")  # the same account: it takes the connection over
        assert listed.returncode == 0, listed.stderr
        assert console.proc.wait(timeout=60) == 1
        line = console.expect("closed this connection", err=True)
        assert line.count("took over") == 1 and "referee hub:" not in line
        assert "the referee hub closed this connection: another referee connection" in line
    finally:
        console.proc.kill()
    assert run(env, tmp_path, "close", str(rid)).returncode == 0


def test_list_and_closed_or_unknown_room_hint(env: Env, tmp_path: Path) -> None:
    rid = _made(env, tmp_path)
    listed = run(env, tmp_path, "list")
    assert listed.returncode == 0 and f"room {rid}  head_to_head" in listed.stdout
    as_json = json.loads(run(env, tmp_path, "list", "--json").stdout)
    assert rid in [r["room_id"] for r in as_json]
    assert run(env, tmp_path, "close", str(rid)).returncode == 0
    assert rid not in [r["room_id"] for r in json.loads(run(env, tmp_path, "list", "--json").stdout)]
    for args in (("close", str(rid)), ("start", "999")):
        result = run(env, tmp_path, *args)
        assert result.returncode != 0
        # the hub's answer (the real server checks the referee first: error 2), said once, and a hint that ends
        assert "the referee hub refused (error 2): You are not a referee in the specified room." in result.stderr
        assert "Error 2" not in result.stderr
        assert "osukit referee list" in result.stderr and "referee watch" not in result.stderr


def test_watch_without_rooms_fails_and_timeout_says_so(env: Env, tmp_path: Path) -> None:
    token = env.token(env.user)  # an account with no rooms
    nothing = subprocess.run(
        [sys.executable, "-m", "osukit.cli", "--access-token", token, "referee", "watch", "--timeout", "30"],
        env=_env(env, tmp_path), capture_output=True, text=True, timeout=120, cwd=tmp_path)
    assert nothing.returncode == 1, nothing.stderr  # no 404: exit 1 (docs/referee.md, docs/cli.md)
    assert "no room to watch" in nothing.stderr and "(none)" not in nothing.stderr
    rid = _made(env, tmp_path)
    watched = run(env, tmp_path, "watch", str(rid), "--timeout", "1")
    assert watched.returncode == 0, watched.stderr
    assert "Ctrl-C" not in watched.stderr
    assert "stopped after 1 s without an event" in watched.stderr
    run(env, tmp_path, "close", str(rid))


def test_scripted_player_unknown_action_and_join_without_room(env: Env) -> None:
    uid = env.players[5]
    response = env.http.post(f"/_emulator/referee/players/{uid}/frobnicate", json={})
    assert response.status_code == 404
    assert "unknown player action 'frobnicate' (known: connect, disconnect, join" in response.json()["error"]
    fresh = env.players[4]
    env.player(fresh, "disconnect")
    answer = env.player(fresh, "join", expect=400)
    assert "give room_id" in answer["error"]


def test_match_started_teams_have_int_keys() -> None:
    event = msgspec.json.decode(b'{"room_id": 1, "playlist_item_id": 2, "type": "team_versus", '
                                b'"teams": {"2": "red", "7": "blue"}, "slots": {"2": 0}}', type=MatchStartedEvent)
    assert event.teams == {2: "red", 7: "blue"} and event.slots == {2: 0}
    assert str(BeatmapNotFoundError("The specified beatmap does not exist.", method="X")).count("Error 6") == 1
