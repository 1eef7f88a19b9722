"""The match runner over an in-memory room with scripted players: a full best of 5."""

from __future__ import annotations

import asyncio
import re
from pathlib import Path
from typing import Any

import pytest

from osukit.tournament import Draft, RunnerError, pool_from_dict
from osukit.tournament.runner import MatchRunner, TeamSpec

from ._fake import FakeBackend, FakeRoom

POOL = {
    "name": "Example Cup QF",
    "format": {"best_of": 5, "bans_per_team": 1, "first_ban": "b", "first_pick": "a", "always_mods": ["NF"],
               "pick_timer": 60, "ready_timer": 60, "abort_window": 60, "aborts_per_team": 1},
    "slots": {"NM1": 101, "NM2": 102, "HD1": 201, "HR1": 301, "DT1": 401, "FM1": 501, "TB": 901},
}
SLOT_OF = {101: "NM1", 102: "NM2", 201: "HD1", 301: "HR1", 401: "DT1", 501: "FM1", 901: "TB"}
A, B, REF = 2, 4, 1  # one player a team (team_size 1) and a referee

# What the scripted players score on each map (FM1's first attempt is aborted by B).
SCORES = {
    "DT1": {A: 512_345, B: 498_765},  # A
    "HR1": {A: 301_000, B: 350_500},  # B
    "NM1": {A: 640_200, B: 610_000},  # A: B disconnects before it, the runner is killed during it
    "FM1": {A: 420_000, B: 455_555},  # B, second attempt
    "TB": {A: 700_001, B: 699_999},   # A
}
PICKS = {"Pandas": ["DT1", "NM1"], "Whales": ["HR1", "FM1"]}
PROMPT = re.compile(r"— (Pandas|Whales): !(ban|pick) one of")


class Script:
    """Scripted players: captains answer the runner's prompts, everyone readies up, maps finish."""

    def __init__(self, fake: FakeBackend) -> None:
        self.fake = fake
        self.starts: dict[str, int] = {}
        self.present_at_start: list[tuple[str, list[int]]] = []
        self.nm1_started = asyncio.Event()
        self.picks = {k: list(v) for k, v in PICKS.items()}
        fake.on_chat = self.on_chat
        fake.on_map = self.on_map
        fake.on_start = self.on_start

    def on_chat(self, room: FakeRoom, text: str) -> None:
        m = PROMPT.search(text)
        if m is None:
            return
        team, kind = m.groups()
        player = A if team == "Pandas" else B
        if kind == "ban":
            if team == "Pandas":
                self.fake.say(room, player, "!ban TB")  # refused: the tiebreaker
                self.fake.say(room, B, "!ban NM1")      # refused: not B's turn
                self.fake.say(room, player, "!ban nm2")
            else:
                self.fake.say(room, player, "!ban HD1")
        else:
            self.fake.say(room, player, f"!pick {self.picks[team].pop(0)}")

    def on_map(self, room: FakeRoom) -> None:
        slot = SLOT_OF[room.item["beatmap_id"]]
        if slot == "NM1":
            # B drops out before readying, then comes back a moment later.
            self.fake.leave(room, B)
            self.fake.ready(room, A)
            loop = asyncio.get_running_loop()
            loop.call_later(0.05, self.fake.join, room, B)
            loop.call_later(0.1, self.fake.ready, room, B)
            return
        for uid in list(room.users):
            self.fake.ready(room, uid)

    def on_start(self, room: FakeRoom) -> None:
        slot = SLOT_OF[room.item["beatmap_id"]]
        self.starts[slot] = self.starts.get(slot, 0) + 1
        self.present_at_start.append((slot, sorted(room.users)))
        if slot == "FM1" and self.starts[slot] == 1:
            self.fake.say(room, B, "!abort")
            return
        if slot == "NM1":
            self.nm1_started.set()  # held: the test kills the runner while NM1 is played
            return
        self.fake.finish(room, SCORES[slot])


async def test_full_best_of_5_with_disconnect_kill_and_resume(tmp_path: Path) -> None:
    fake = FakeBackend()
    script = Script(fake)
    state = tmp_path / "match.json"
    pool = pool_from_dict(POOL)
    runner = MatchRunner(fake, pool, TeamSpec("Pandas", (A,)), TeamSpec("Whales", (B,)), referees=[REF],
                         state_file=state)
    task = asyncio.create_task(runner.run())
    await asyncio.wait_for(script.nm1_started.wait(), 60)
    task.cancel()  # the runner is killed in the middle of NM1
    with pytest.raises(asyncio.CancelledError):
        await task
    room = next(iter(fake.rooms.values()))
    saved = MatchRunner.from_state(fake, state)
    assert saved.state.map_key == "NM1#1" and saved.state.playing
    fake.finish(room, SCORES["NM1"])  # NM1 ends while no runner is watching

    fake.web_url = "http://127.0.0.1:8123"  # the site in use (an emulator)
    shown: list[str] = []
    resumed = MatchRunner.from_state(fake, state, close_when_done=True, progress=shown.append)
    draft = await asyncio.wait_for(resumed.run(), 60)
    # the operator's links are on the site in use, the room's and the beatmaps' alike
    started = [line for line in shown if line.startswith("map started: ")]
    assert started and all("http://127.0.0.1:8123/b/" in line for line in started), shown
    assert started[-1].startswith("map started: TB") and started[-1].endswith(" http://127.0.0.1:8123/b/901"), started
    assert not any("https://osu.ppy.sh" in line for line in shown), shown

    assert draft.winner == "a" and draft.wins == {"a": 3, "b": 2}
    assert [(b.team, b.slot) for b in draft.bans] == [("b", "HD1"), ("a", "NM2")]
    assert [(m.slot, m.team, m.score_a, m.score_b, m.winner, m.attempts) for m in draft.maps] == [
        ("DT1", "a", 512_345, 498_765, "a", 1),
        ("HR1", "b", 301_000, 350_500, "b", 1),
        ("NM1", "a", 640_200, 610_000, "a", 1),
        ("FM1", "b", 420_000, 455_555, "b", 2),
        ("TB", None, 700_001, 699_999, "a", 1),
    ]
    # Every score recorded is exactly the one the scripted players produced.
    assert [(r.slot, {s["user_id"]: s["score"] for s in r.scores}, r.winner) for r in resumed.state.records] == [
        (slot, SCORES[slot], w) for slot, w in [("DT1", "a"), ("HR1", "b"), ("NM1", "a"), ("FM1", "b"), ("TB", "a")]
    ]
    assert draft.aborts == {"b": 1}
    # The maps were set with their mods, FM1 twice (aborted once), the TB as free mod.
    maps = [c[1:] for c in fake.calls if c[0] == "set_map"]
    assert maps == [(401, ("NF", "DT"), False), (301, ("NF", "HR"), False), (101, ("NF",), False),
                    (501, ("NF",), True), (501, ("NF",), True), (901, ("NF",), True)]
    # NM1 did not start before B was back.
    assert ("NM1", [A, B]) in script.present_at_start
    assert all(users == [A, B] for _, users in script.present_at_start)
    # B was put back in blue when he came back; the room was locked and closed at the end.
    # (on joining, when the room opened, when he came back, when the resumed runner took the room)
    assert [c for c in fake.calls if c[0] == "move_user" and c[1] == B] == [("move_user", B, "blue")] * 4
    assert room.locked and room.closed and room.invited == [A, B]
    chat = "\n".join(room.chat)
    assert "❌ TB is the tiebreaker: it cannot be banned" in chat
    assert "❌ it is Pandas's turn to ban, not Whales's" in chat
    assert "Whales aborts (0 left)" in chat
    assert "🏆 Pandas wins the match! Pandas 3 - 2 Whales" in chat
    assert any("rejoined" in line for line in resumed.state.log)
    # The state on disk is the finished match.
    final = MatchRunner.from_state(fake, state)
    assert final.draft == draft and Draft.from_json(draft.to_json()).winner == "a"


async def test_pause_resume_and_referee_commands() -> None:
    fake = FakeBackend()
    pool = pool_from_dict({"format": {"best_of": 1, "bans_per_team": 0, "tiebreaker": None},
                           "slots": {"NM1": 11, "NM2": 12}})
    runner = MatchRunner(fake, pool, TeamSpec("A", (A,)), TeamSpec("B", (B,)), referees=[REF])
    task = asyncio.create_task(runner.run())
    while not fake.rooms or not next(iter(fake.rooms.values())).chat:
        await asyncio.sleep(0.01)
    room = next(iter(fake.rooms.values()))
    fake.say(room, REF, "!pause")
    fake.say(room, A, "!pick NM1")  # the pick is taken while paused; nothing is announced or started
    while not runner.draft.maps:
        await asyncio.sleep(0.01)
    await asyncio.sleep(0.05)
    assert not [c for c in fake.calls if c[0] == "set_map"] and runner.state.paused
    await runner.resume()  # Python API
    while not [c for c in fake.calls if c[0] == "set_map"]:
        await asyncio.sleep(0.01)
    fake.say(room, REF, "!start")  # start without waiting for ready
    while not room.in_match:
        await asyncio.sleep(0.01)
    fake.say(room, A, "!status")
    fake.say(room, REF, "!result 10 20")  # the referee settles the map by hand
    draft = await asyncio.wait_for(task, 30)
    assert draft.winner == "b" and draft.maps[0].score_b == 20
    assert "⏸ paused by the referee" in room.chat and "▶ resumed" in room.chat


async def test_ready_timer_starts_without_everyone_ready() -> None:
    fake = FakeBackend()
    pool = pool_from_dict({"format": {"best_of": 1, "bans_per_team": 0, "tiebreaker": None, "ready_timer": 0.05,
                                      "team_size": 1}, "slots": {"NM1": 11}})
    runner = MatchRunner(fake, pool, TeamSpec("A", (A, 3)), TeamSpec("B", (B,)))

    def on_start(room: FakeRoom) -> None:
        fake.finish(room, {A: 5, B: 7})

    fake.on_start = on_start
    fake.on_map = lambda room: fake.ready(room, A)  # A readies up, 3 and B never do
    fake.on_chat = lambda room, text: fake.say(room, A, "!pick NM1") if "!pick one of" in text else None
    draft = await asyncio.wait_for(runner.run(), 30)
    assert draft.winner == "b"
    room = next(iter(fake.rooms.values()))
    assert "⏰ ready timer is up: starting" in room.chat


def test_bad_teams_and_state(tmp_path: Path) -> None:
    pool = pool_from_dict(POOL)
    with pytest.raises(RunnerError):
        MatchRunner(FakeBackend(), pool, TeamSpec("A", (1, 2)), TeamSpec("B", (2,)))
    with pytest.raises(RunnerError):
        MatchRunner.from_state(FakeBackend(), tmp_path / "missing.json")
    (tmp_path / "bad.json").write_text("{}")
    with pytest.raises(RunnerError):
        MatchRunner.from_state(FakeBackend(), tmp_path / "bad.json")


class FakeClock:
    """Monotonic time the test moves by hand (the runner's timers read it)."""

    def __init__(self) -> None:
        self.now = 1000.0

    def monotonic(self) -> float:
        return self.now


async def test_pick_timer_pings_the_referee_and_abort_rules() -> None:
    from osukit._clock import Clock

    fake = FakeBackend()
    pool = pool_from_dict({"format": {"best_of": 1, "bans_per_team": 0, "tiebreaker": None, "pick_timer": 0.02,
                                      "abort_window": 30, "aborts_per_team": 1}, "slots": {"NM1": 11, "NM2": 12}})
    clock = FakeClock()
    real = Clock()

    class Mixed(Clock):  # the pick timer on real (tiny) time, the abort window on the hand-moved clock
        def monotonic(self) -> float:
            return real.monotonic() + clock.now

    runner = MatchRunner(fake, pool, TeamSpec("A", (A,)), TeamSpec("B", (B,)), referees=[REF], clock=Mixed())
    task = asyncio.create_task(runner.run())
    while not fake.rooms:
        await asyncio.sleep(0.01)
    room = next(iter(fake.rooms.values()))
    while not any(line.startswith("⏰ time is up for A to pick") for line in room.chat):
        await asyncio.sleep(0.01)
    assert not runner.draft.maps  # nothing is decided for a team
    fake.say(room, 99, "!pick NM1")    # not a player: ignored
    fake.say(room, B, "!abort")        # nothing is played
    fake.say(room, REF, "!pick a NM2")  # the referee decides
    while not room.in_match:
        if not room.in_match and any(c[0] == "set_map" for c in fake.calls):
            for uid in list(room.users):
                if not room.users[uid]:
                    fake.ready(room, uid)
        await asyncio.sleep(0.01)
    clock.now += 31  # past the abort window
    fake.say(room, A, "!abort")
    while not any("aborts are allowed in the first 30s only" in line for line in room.chat):
        await asyncio.sleep(0.01)
    fake.finish(room, {A: 10, B: 9})
    draft = await asyncio.wait_for(task, 30)
    assert draft.winner == "a" and draft.maps[0].slot == "NM2" and draft.aborts == {}
    assert "❌ no map is being played" in room.chat


async def test_room_refusals_pause_or_retry() -> None:
    from osukit.tournament import RunnerError

    fake = FakeBackend()
    pool = pool_from_dict({"format": {"best_of": 3, "bans_per_team": 0, "tiebreaker": None, "ready_timer": 60},
                           "slots": {"NM1": 666, "NM2": 12, "NM3": 13}})
    runner = MatchRunner(fake, pool, TeamSpec("A", (A,)), TeamSpec("B", (B,)), referees=[REF])
    real_set_map, real_start = fake.set_map, fake.start_match
    refused_start = []

    async def set_map(room_id: int, beatmap_id: int, *args: Any) -> int:
        if beatmap_id == 666:
            raise RunnerError("the specified beatmap does not exist")
        return await real_set_map(room_id, beatmap_id, *args)

    async def start_match(room_id: int) -> None:
        if not refused_start:
            refused_start.append(room_id)
            raise RunnerError("Can't start match when no users are ready.")
        await real_start(room_id)

    fake.set_map, fake.start_match = set_map, start_match  # type: ignore[method-assign]
    picks = iter(["!pick NM1", "!pick NM2"])

    def on_chat(room: FakeRoom, text: str) -> None:
        if "!pick one of" in text:
            fake.say(room, A if "— A:" in text else B, next(picks))
        elif "the room refused NM1" in text:
            fake.say(room, REF, "!result 1 0")  # the referee settles NM1 by hand and resumes the bot
            fake.say(room, REF, "!resume")
        elif text.startswith("the room did not start"):
            for uid in list(room.users):
                fake.ready(room, uid, False)
                fake.ready(room, uid)

    def on_map(room: FakeRoom) -> None:
        for uid in list(room.users):
            fake.ready(room, uid)

    fake.on_chat, fake.on_map = on_chat, on_map
    fake.on_start = lambda room: fake.finish(room, {A: 100, B: 50})
    draft = await asyncio.wait_for(runner.run(), 30)
    assert draft.winner == "a" and [(m.slot, m.winner) for m in draft.maps] == [("NM1", "a"), ("NM2", "a")]
    room = next(iter(fake.rooms.values()))
    assert "⏸ paused by the referee" in room.chat and refused_start


async def test_room_closed_under_the_runner_and_the_autohost(tmp_path: Path) -> None:
    from osukit.tournament.autohost import AutoHost, MapInfo, MapRules

    fake = FakeBackend()
    runner = MatchRunner(fake, pool_from_dict(POOL), TeamSpec("A", (A,)), TeamSpec("B", (B,)),
                         state_file=tmp_path / "m.json")
    task = asyncio.create_task(runner.run())
    while not fake.rooms:
        await asyncio.sleep(0.01)
    fake.close_by_server(next(iter(fake.rooms.values())), "lost")
    with pytest.raises(RunnerError, match="was closed"):
        await asyncio.wait_for(task, 30)
    assert MatchRunner.from_state(fake, tmp_path / "m.json").state.log[-1] == "room closed (lost)"

    async def info(beatmap_id: int, mods: Any) -> MapInfo:
        return MapInfo(beatmap_id=beatmap_id, stars=1.0, length=1.0)

    bot = AutoHost(fake, rules=MapRules(), info=info, first_beatmap_id=1)
    task = asyncio.create_task(bot.run())
    while bot.room_id is None:
        await asyncio.sleep(0.01)
    fake.close_by_server(fake.rooms[bot.room_id])
    with pytest.raises(RunnerError, match="lobby's room"):
        await asyncio.wait_for(task, 30)


async def test_the_draft_waits_for_the_players_to_be_in_the_room() -> None:
    """Only players in the room can read its chat (and talk in it): no ban or pick is asked for
    before both teams are in, and a later one waits for the team whose turn it is."""
    fake = FakeBackend()
    fake.auto_join = False  # the players take their time to accept the invitations
    pool = pool_from_dict({"format": {"best_of": 3, "bans_per_team": 0, "first_pick": "a", "team_size": 2,
                                      "pick_timer": 60, "ready_timer": 60},
                           "slots": {"NM1": 11, "NM2": 12, "HD1": 13, "TB": 19}})
    runner = MatchRunner(fake, pool, TeamSpec("A", (2, 3)), TeamSpec("B", (4, 5)))
    task = asyncio.create_task(runner.run())
    while runner.room_id is None:
        await asyncio.sleep(0.01)
    room = fake.rooms[runner.room_id]

    async def settle() -> None:
        for _ in range(20):
            await asyncio.sleep(0)

    await settle()
    assert room.chat[-1] == "waiting for players: A (0/2 in the room), B (0/2 in the room)"
    for uid in (2, 3, 4):
        fake.join(room, uid)
        await settle()
    assert not any("!pick one of" in line for line in room.chat)
    assert room.chat[-1] == "waiting for players: B (1/2 in the room)"
    fake.join(room, 5)
    await settle()
    assert "— A: !pick one of" in room.chat[-1]
    fake.say(room, 2, "!pick NM1")
    await settle()
    for uid in (2, 3, 4, 5):
        fake.ready(room, uid)
    await settle()
    fake.finish(room, {2: 10, 3: 10, 4: 1, 5: 1})
    fake.leave(room, 4)
    fake.leave(room, 5)  # B's turn to pick, and nobody of B is in the room
    await settle()
    assert room.chat[-1] == "waiting for players: B (0/1 in the room)"
    assert not any("— B: !pick one of" in line for line in room.chat)
    fake.join(room, 5)
    await settle()
    assert "— B: !pick one of" in room.chat[-1]
    task.cancel()
    with pytest.raises(asyncio.CancelledError):
        await task
