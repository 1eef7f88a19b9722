"""``osukit referee make/invite/start/abort/close/watch`` against the emulated hub (real subprocesses)."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

import pytest

from .conftest import Env

pytest.importorskip("typer")
pytestmark = pytest.mark.timeout(180)


def _env(env: Env, home: Path) -> dict[str, str]:
    out = {k: v for k, v in os.environ.items() if not k.startswith(("OSU_", "OSUKIT_"))}
    out.update({"HOME": str(home), "XDG_CONFIG_HOME": str(home / "config"), "XDG_DATA_HOME": str(home / "data"),
                "COLUMNS": "200", "NO_COLOR": "1", "OSU_BASE_URL": env.emu.base_url,
                "OSU_CLIENT_ID": str(env.emu.client_id), "OSU_CLIENT_SECRET": env.emu.client_secret})
    return out


def run(env: Env, home: Path, *args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, "-m", "osukit.cli", "referee", *args], env=_env(env, home),
                          capture_output=True, text=True, timeout=120, cwd=home)


def test_cli_make_invite_start_abort_watch_close(env: Env, tmp_path: Path) -> None:
    p1, p2 = env.players[:2]
    made = run(env, tmp_path, "make", str(env.osu_beatmap), "--name", "cli room", "--slots", "4", "--team-versus",
               "--password", "secret", "--json")
    assert made.returncode == 0, made.stderr
    room: dict[str, Any] = json.loads(made.stdout)
    rid = room["room_id"]
    assert room["type"] == "head_to_head" or room["type"] == "team_versus"
    assert env.room_state(rid)["password"] == "secret" and env.room_state(rid)["state"]["type"] == "team_versus"

    env.player(p1, "connect")
    invited = run(env, tmp_path, "invite", str(rid), str(p1))
    assert invited.returncode == 0 and f"invited {p1}" in invited.stdout
    offline = run(env, tmp_path, "invite", str(rid), str(p2))
    assert offline.returncode != 0 and "not connected to multiplayer" in offline.stderr + offline.stdout

    watcher = subprocess.Popen([sys.executable, "-m", "osukit.cli", "referee", "watch", str(rid), "--count", "3",
                                "--jsonl"], env=_env(env, tmp_path), stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                               text=True, cwd=tmp_path)
    try:
        assert watcher.stderr is not None
        assert "watching room(s)" in watcher.stderr.readline()
        deadline = time.monotonic() + 60
        while rid not in [r for r in env.hub.rooms if env.bot in env.hub.rooms[r].referees] and time.monotonic() < deadline:
            time.sleep(0.05)
        env.player(p1, "join", room_id=rid)
        env.player(p1, "ready")
        out, err = watcher.communicate(timeout=60)
    finally:
        watcher.kill()
    events = [json.loads(line) for line in out.splitlines()]
    assert [e["event"] for e in events] == ["UserJoined", "UserTeamChanged", "MatchStateChanged"], err
    assert events[0]["data"] == {"room_id": rid, "user_id": p1}

    started = run(env, tmp_path, "start", str(rid))
    assert started.returncode == 0 and "match started" in started.stdout
    assert env.room_state(rid)["state_name"] == "playing"
    aborted = run(env, tmp_path, "abort", str(rid))
    assert aborted.returncode == 0 and env.room_state(rid)["state_name"] == "open"
    again = run(env, tmp_path, "abort", str(rid))
    assert again.returncode != 0 and "current room state" in again.stderr + again.stdout
    closed = run(env, tmp_path, "close", str(rid))
    assert closed.returncode == 0 and env.room_state(rid)["closed"] is True


def test_cli_watch_times_out_quietly(env: Env, tmp_path: Path) -> None:
    made = run(env, tmp_path, "make", str(env.osu_beatmap), "--json")
    rid = json.loads(made.stdout)["room_id"]
    watched = run(env, tmp_path, "watch", str(rid), "--timeout", "1")
    assert watched.returncode == 0, watched.stderr
    run(env, tmp_path, "close", str(rid))


def test_cli_make_with_a_failing_invite_keeps_and_names_the_room(env: Env, tmp_path: Path) -> None:
    ok, offline, ok2 = env.players[3], env.players[4], env.players[5]
    env.player(ok, "connect")
    env.player(ok2, "connect")
    env.player(offline, "disconnect")
    made = run(env, tmp_path, "make", str(env.osu_beatmap), "--invite", str(ok), "--invite", str(offline),
               "--invite", str(ok2))
    assert made.returncode == 1, made.stderr
    first = made.stdout.splitlines()[0]
    assert first.startswith("room ")
    rid = int(first.split()[1])
    assert f"could not invite {offline}" in made.stderr and "not connected to multiplayer" in made.stderr
    assert f"osukit referee close {rid}" in made.stderr
    # the room is kept, the other invites were still sent
    assert f"invited {ok} to room {rid}" in made.stdout and f"invited {ok2} to room {rid}" in made.stdout
    assert not env.hub.rooms[rid].closed and env.hub.rooms[rid].invited >= {ok, ok2}

    as_json = run(env, tmp_path, "make", str(env.osu_beatmap), "--invite", str(offline), "--json")
    assert as_json.returncode == 1
    data = json.loads(as_json.stdout)
    assert data["failed"][0]["user_id"] == offline and not env.hub.rooms[data["room_id"]].closed
    for room_id in (rid, data["room_id"]):
        assert run(env, tmp_path, "close", str(room_id)).returncode == 0


def test_match_results_of_a_room_with_no_game_says_so(env: Env, tmp_path: Path) -> None:
    made = run(env, tmp_path, "make", str(env.osu_beatmap), "--json")
    rid = json.loads(made.stdout)["room_id"]
    try:
        shown = subprocess.run([sys.executable, "-m", "osukit.cli", "match", "results", f"room:{rid}"],
                               env=_env(env, tmp_path), capture_output=True, text=True, timeout=120, cwd=tmp_path)
        assert shown.returncode == 0, shown.stderr
        assert "no game was completed: no winner yet" in shown.stdout and "tie ({})" not in shown.stdout
    finally:
        run(env, tmp_path, "close", str(rid))


def test_match_results_plot_of_a_room_with_no_game_writes_no_chart(env: Env, tmp_path: Path) -> None:
    """``--csv F --plot F`` on a room with no completed game: the CSV is written, no empty chart; stderr says
    once that there is nothing to plot, with no matplotlib warning; exit 0 as for the table's 'no winner yet'."""
    pytest.importorskip("matplotlib")
    made = run(env, tmp_path, "make", str(env.osu_beatmap), "--json")
    rid = json.loads(made.stdout)["room_id"]
    try:
        shown = subprocess.run([sys.executable, "-m", "osukit.cli", "match", "results", f"room:{rid}", "--csv",
                                "m.csv", "--plot", "m.png"], env={**_env(env, tmp_path), "MPLBACKEND": "Agg"},
                               capture_output=True, text=True, timeout=120, cwd=tmp_path)
        assert shown.returncode == 0, shown.stderr
        assert "no game was completed: no winner yet" in shown.stdout
        assert not (tmp_path / "m.png").exists()
        assert (tmp_path / "m.csv").read_text().startswith("game,")
        assert shown.stderr.count("nothing to plot") == 1 and "m.png" in shown.stderr, shown.stderr
        assert "No artists" not in shown.stderr and "Warning" not in shown.stderr, shown.stderr
    finally:
        run(env, tmp_path, "close", str(rid))
