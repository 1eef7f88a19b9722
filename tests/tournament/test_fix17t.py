"""Newcomer fixes on the tournament side: the plot legend, pool check problems, player chat replies."""

from __future__ import annotations

import contextlib
import json
import warnings
from pathlib import Path
from typing import Any

import pytest

from osukit.tournament import match_results
from tests._helpers import corpus_bytes


def test_plot_legend_covers_no_bar_on_a_short_match() -> None:
    pytest.importorskip("matplotlib")
    from osukit.tournament.plot import scores_per_map

    data = json.loads(corpus_bytes("v1/get_match_200.json"))
    # three games, the highest-scoring first: its bar reaches the top left corner of the axes
    games = sorted(data["games"], key=lambda g: -max(int(s["score"]) for s in g["scores"]) if g["scores"] else 0)
    data["games"] = [g for g in games if g["scores"]][:3]
    fig = scores_per_map(match_results(data))
    fig.canvas.draw()
    ax = fig.axes[0]
    renderer = fig.canvas.get_renderer()  # type: ignore[attr-defined]
    legend = ax.get_legend().get_window_extent(renderer)
    bars = [p.get_window_extent(renderer) for p in ax.patches]
    assert len(bars) == 6
    assert not any(legend.overlaps(b) for b in bars)
    assert fig.bbox.contains(legend.x1 - 1, legend.y1 - 1)  # still inside the saved figure



@pytest.mark.parametrize("keep", [0, 1], ids=["no-game", "aborted-only"])
def test_plot_with_no_labelled_bar_warns_nothing(keep: int) -> None:
    """A chart with no labelled artist (no game completed) gets no legend and no matplotlib warning."""
    pytest.importorskip("matplotlib")
    from osukit.tournament.plot import scores_per_map

    data = json.loads(corpus_bytes("v1/get_match_200.json"))
    data["games"] = [dict(g, scores=[]) for g in data["games"][:keep]]  # a game without scores: aborted
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        fig = scores_per_map(match_results(data))
        fig.canvas.draw()
    assert [str(w.message) for w in caught] == []
    assert fig.axes[0].get_legend() is None

A, B, REF = 2, 4, 1


async def test_ready_timer_with_nobody_ready_says_it_once_and_waits() -> None:
    import asyncio

    from osukit.tournament import pool_from_dict
    from osukit.tournament.runner import MatchRunner, TeamSpec

    from ._fake import FakeBackend, FakeRoom

    fake = FakeBackend()
    pool = pool_from_dict({"format": {"best_of": 1, "bans_per_team": 0, "tiebreaker": None, "ready_timer": 0.02,
                                      "team_size": 1}, "slots": {"NM1": 11}})
    runner = MatchRunner(fake, pool, TeamSpec("A", (A,)), TeamSpec("B", (B,)), referees=[REF])
    starts: list[int] = []
    real_start = fake.start_match

    async def start_match(room_id: int) -> None:
        starts.append(room_id)
        if not any(fake.rooms[room_id].users.values()):
            raise RuntimeError("unreachable: the runner must not start with nobody ready")
        await real_start(room_id)

    fake.start_match = start_match  # type: ignore[method-assign]
    fake.on_start = lambda room: fake.finish(room, {A: 5, B: 7})
    fake.on_chat = lambda room, text: fake.say(room, A, "!pick NM1") if "!pick one of" in text else None
    task = asyncio.create_task(runner.run())
    while not fake.rooms or not any("nobody is ready" in c for c in next(iter(fake.rooms.values())).chat):
        await asyncio.sleep(0.01)
    room: FakeRoom = next(iter(fake.rooms.values()))
    await asyncio.sleep(0.4)  # twenty timer periods
    nobody = [c for c in room.chat if "nobody is ready" in c]
    assert nobody == ["⏰ ready timer is up, but nobody is ready; waiting (referee: !start)"]
    assert not starts and not any("starting" in c or "StartMatch" in c for c in room.chat)
    fake.ready(room, A)  # a ready-up re-arms the timer, which then starts the map
    draft = await asyncio.wait_for(task, 30)
    assert draft.winner == "b" and len(starts) == 1
    assert "⏰ ready timer is up: starting" in room.chat


async def test_a_refused_start_sends_no_raw_hub_text_to_players() -> None:
    import asyncio

    from osukit.tournament import RunnerError, pool_from_dict
    from osukit.tournament.runner import MatchRunner, TeamSpec

    from ._fake import FakeBackend

    fake = FakeBackend()
    pool = pool_from_dict({"format": {"best_of": 1, "bans_per_team": 0, "tiebreaker": None, "ready_timer": 60},
                           "slots": {"NM1": 11}})
    runner = MatchRunner(fake, pool, TeamSpec("A", (A,)), TeamSpec("B", (B,)), referees=[REF])
    real_start = fake.start_match
    refused: list[int] = []

    async def start_match(room_id: int) -> None:
        if not refused:
            refused.append(room_id)
            raise RunnerError("Error 9: Can't start match when no users are ready. (StartMatch)")
        await real_start(room_id)

    fake.start_match = start_match  # type: ignore[method-assign]
    fake.on_start = lambda room: fake.finish(room, {A: 9, B: 7})
    fake.on_map = lambda room: [fake.ready(room, uid) for uid in list(room.users)]

    def on_chat(room: object, text: str) -> None:
        if "!pick one of" in text:
            fake.say(room, A, "!pick NM1")  # type: ignore[arg-type]
        elif "did not start" in text:
            fake.say(room, REF, "!start")  # type: ignore[arg-type]

    fake.on_chat = on_chat
    draft = await asyncio.wait_for(runner.run(), 30)
    room = next(iter(fake.rooms.values()))
    assert draft.winner == "a" and refused
    assert "the room did not start the map; waiting for players to ready up (referee: !start)" in room.chat
    assert not any("Can't start" in c or "Error 9" in c or "StartMatch" in c for c in room.chat)
    assert any("Can't start" in line for line in runner.state.log)  # kept for the referee's log


async def test_player_pick_replies() -> None:
    import asyncio

    from osukit.tournament import pool_from_dict
    from osukit.tournament.runner import MatchRunner, TeamSpec

    from ._fake import FakeBackend

    fake = FakeBackend()
    pool = pool_from_dict({"format": {"best_of": 3, "bans_per_team": 1, "first_ban": "a", "first_pick": "a",
                                      "tiebreaker": "TB"},
                           "slots": {"NM1": 11, "NM2": 12, "HD1": 21, "HR1": 31, "TB": 91}})
    runner = MatchRunner(fake, pool, TeamSpec("A", (A,)), TeamSpec("B", (B,)), referees=[REF])
    task = asyncio.create_task(runner.run())
    while not fake.rooms or not any("!ban one of" in c for c in next(iter(fake.rooms.values())).chat):
        await asyncio.sleep(0.01)
    room = next(iter(fake.rooms.values()))
    fake.say(room, A, "!ban NM1")
    while not any("— B: !ban one of" in c for c in room.chat):
        await asyncio.sleep(0.01)
    fake.say(room, B, "!ban b HR1")  # a referee-only form typed by a player
    fake.say(room, B, "!ban HR9")  # an unknown slot
    while not any("HR9" in c for c in room.chat):
        await asyncio.sleep(0.01)
    assert "❌ only referees can ban for a team: type !ban HR1" in room.chat
    unknown = next(c for c in room.chat if "HR9" in c)
    assert unknown == "❌ there is no slot 'HR9' in the pool (still available: NM2, HD1, HR1)"
    assert not runner.draft.bans[1:]  # nothing was banned for B
    task.cancel()
    with contextlib.suppress(asyncio.CancelledError):
        await task


def test_pool_check_names_missing_beatmaps_checks_the_rest_and_exits_1(
        osu_emulator: Any, tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    from osukit.cli._app import run_app

    maps = [b for b in osu_emulator.state.world.beatmaps.values() if b["mode"] == "osu"][:2]
    path = tmp_path / "pool.toml"
    path.write_text(f'name = "Check Cup"\n[format]\nbest_of = 1\nbans_per_team = 0\ntiebreaker = "TB"\n'
                    f'star_range = [0.0, 99.0]\n[slots]\nNM1 = {maps[0]["id"]}\nHR2 = 1860433\nDT1 = 1860434\n'
                    f'TB = {maps[1]["id"]}\n')
    cli = ["--base-url", osu_emulator.base_url, "--client-id", str(osu_emulator.client_id), "--client-secret",
           osu_emulator.client_secret, "pool", "check", str(path), "--source", "attributes"]
    assert run_app(cli) == 1
    captured = capsys.readouterr()
    assert "slot HR2: beatmap 1860433 not found" in captured.out
    assert "slot DT1: beatmap 1860434 not found" in captured.out
    assert "TB" in captured.out and "outside the rules" not in captured.out  # the rest was checked, and is fine
    assert "Specified beatmap" not in captured.out + captured.err
    assert run_app([*cli, "--json"]) == 1
    rows = json.loads(capsys.readouterr().out)
    assert [(r["slot"], r["missing"]) for r in rows] == [("NM1", False), ("HR2", True), ("DT1", True), ("TB", False)]
    assert rows[1]["flags"] == ["beatmap 1860433 not found"] and rows[3]["stars"] > 0
    path.write_text(path.read_text().replace("HR2 = 1860433\nDT1 = 1860434\n", ""))
    assert run_app(cli) == 0


def test_bad_match_reference_message_reads_right() -> None:
    from osukit._exceptions import InvalidParameterError
    from osukit.tournament.results import _parse_ref

    with pytest.raises(InvalidParameterError, match=r"or an osu\.ppy\.sh/community/matches/ or /multiplayer/rooms/ URL"):
        _parse_ref("https://example.com/nope")
