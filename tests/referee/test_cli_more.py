"""The rest of a quick manual referee's commands through the CLI (real subprocesses, emulated hub):
``stop-countdown``, ``lock``/``unlock``, ``settings``, ``map``, ``move``, ``roll``, ``kick``, ``ban``,
``add-referee``/``remove-referee`` and ``rooms``."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from .conftest import Env
from .test_cli import run

pytest.importorskip("typer")
pytestmark = pytest.mark.timeout(300)


def test_cli_stop_countdown_and_the_other_room_commands(env: Env, tmp_path: Path) -> None:
    p1, p2 = env.players[:2]
    made = run(env, tmp_path, "make", str(env.osu_beatmap), "--slots", "4", "--json")
    assert made.returncode == 0, made.stderr
    rid = json.loads(made.stdout)["room_id"]

    listed = run(env, tmp_path, "list", "--json")
    assert listed.returncode == 0 and rid in [r["room_id"] for r in json.loads(listed.stdout)]

    env.player(p1, "connect")
    assert run(env, tmp_path, "invite", str(rid), str(p1)).returncode == 0
    env.player(p1, "join", room_id=rid)

    # !mp start 60 then !mp aborttimer
    started = run(env, tmp_path, "start", str(rid), "--countdown", "60")
    assert started.returncode == 0, started.stderr
    assert list(env.room_state(rid)["countdowns"].values()) == ["match_start"]
    stopped = run(env, tmp_path, "stop-countdown", str(rid))
    assert stopped.returncode == 0, stopped.stderr
    assert f"room {rid}: countdown stopped" in stopped.stdout
    assert env.room_state(rid)["countdowns"] == {} and env.room_state(rid)["state_name"] == "open"
    again = run(env, tmp_path, "stop-countdown", str(rid))
    assert again.returncode != 0 and "No active match start countdown" in again.stderr + again.stdout

    assert run(env, tmp_path, "lock", str(rid)).returncode == 0
    assert env.room_state(rid)["state"]["locked"] is True
    assert run(env, tmp_path, "unlock", str(rid)).returncode == 0
    assert env.room_state(rid)["state"]["locked"] is False

    changed = run(env, tmp_path, "settings", str(rid), "--name", "renamed", "--type", "team_versus", "--password", "pw")
    assert changed.returncode == 0, changed.stderr
    state = env.room_state(rid)
    assert state["name"] == "renamed" and state["state"]["type"] == "team_versus" and state["password"] == "pw"
    bad = run(env, tmp_path, "settings", str(rid), "--type", "tag_coop")
    assert bad.returncode == 2 and "head_to_head or team_versus" in bad.stderr + bad.stdout

    moved = run(env, tmp_path, "move", str(rid), str(p1), "--team", "blue")
    assert moved.returncode == 0, moved.stderr
    assert [p["team"] for p in env.room_state(rid)["players"] if p["user_id"] == p1] == ["blue"]

    other = next(b["id"] for b in env.world.beatmaps.values() if b["mode"] == "osu" and b["id"] != env.osu_beatmap)
    mapped = run(env, tmp_path, "map", str(rid), str(other), "--mods", "HD,HR")
    assert mapped.returncode == 0, mapped.stderr
    state = env.room_state(rid)
    current = next(i for i in state["playlist"] if i["id"] == state["current_item_id"])
    assert current["beatmap_id"] == other
    assert [m["acronym"] for m in current["required_mods"]] == ["HD", "HR"]

    assert run(env, tmp_path, "roll", str(rid), "10").returncode == 0

    kicked = run(env, tmp_path, "kick", str(rid), str(p1))
    assert kicked.returncode == 0, kicked.stderr
    assert p1 not in [p["user_id"] for p in env.room_state(rid)["players"]]
    banned = run(env, tmp_path, "ban", str(rid), str(p2))
    assert banned.returncode == 0, banned.stderr
    assert p2 in env.room_state(rid)["banned"]

    added = run(env, tmp_path, "add-referee", str(rid), str(env.user))
    assert added.returncode == 0, added.stderr
    assert rid in env.hub.associations.get(env.user, set())  # a referee of the room (joins it when they want)
    removed = run(env, tmp_path, "remove-referee", str(rid), str(env.user))
    assert removed.returncode == 0, removed.stderr
    assert rid not in env.hub.associations.get(env.user, set())

    assert run(env, tmp_path, "close", str(rid)).returncode == 0
