"""The match runner against the emulated referee hub, with scripted players over HTTP and chat.

A full best of 5 in a 2v2 team-versus room: bans and picks typed by the players in the room's
chat (through the chat API; the runner reads them over the chat websocket with osukit.bot),
a refused ban, a player who disconnects before a map and comes back, an abort, the runner
(and its hub connection) killed in the middle of a map and resumed from its state file, and
a tiebreaker. Every score and winner must be the one the scripted players produced.
"""

from __future__ import annotations

import asyncio
import json
import re
from collections.abc import Iterator, Sequence
from pathlib import Path
from typing import Any

import httpx
import msgspec
import pytest

import osukit
import osukit.referee
from osukit.emulator import Emulator
from osukit.realtime import ReconnectPolicy
from osukit.tournament import pool_from_dict
from osukit.tournament.referee_backend import RefereeBackend
from osukit.tournament.runner import MatchRunner, TeamSpec

pytest.importorskip("websockets")

BOT_SCOPES = ["delegate", "multiplayer.write_manage", "chat.read", "chat.write", "chat.write_manage", "public"]
PROMPT = re.compile(r"— (Pandas|Whales): !(ban|pick) one of")


class Env:
    def __init__(self, emu: Emulator) -> None:
        self.emu = emu
        world = emu.state.world
        self.bot = world.bot_user_id
        others = [u for u in world.users if u not in (self.bot, world.test_user_id) and not world.users[u].get("is_bot")]
        self.a, self.b = others[0:2], others[2:4]
        self.referee = others[4]
        self.spare = others[5:]  # for tests that must not share players with a room still open
        maps = [b["id"] for b in world.beatmaps.values() if b["mode"] == "osu"]
        self.slots = dict(zip(["NM1", "NM2", "HD1", "HR1", "DT1", "FM1", "TB"], maps[:7], strict=True))
        self.slot_of = {v: k for k, v in self.slots.items()}
        self.http = httpx.AsyncClient(base_url=emu.base_url, timeout=30)

    def client(self, user_id: int, scopes: Sequence[str]) -> osukit.AsyncClient:
        token = self.emu.mint_token(user_id=user_id, scopes=list(scopes), refresh=False)["access_token"]
        return osukit.AsyncClient(base_url=self.emu.base_url, rate_limit=0,
                                  grant=osukit.StaticToken(str(token), scopes=list(scopes)))

    async def player(self, uid: int, action: str, **body: Any) -> Any:
        response = await self.http.post(f"/_emulator/referee/players/{uid}/{action}", json=body)
        assert response.status_code == 200, response.text
        return response.json()


@pytest.fixture(scope="module")
def emu() -> Iterator[Emulator]:
    with Emulator(seed=0) as e:
        yield e


SCORES: dict[str, list[int]] = {  # per slot: A1, A2, B1, B2
    "DT1": [512_345, 401_000, 498_765, 399_999],  # A 913,345 vs B 898,764
    "HR1": [301_000, 250_000, 350_500, 260_000],  # B
    "NM1": [640_200, 600_000, 610_000, 590_000],  # A (B2 drops before it; the runner is killed during it)
    "FM1": [420_000, 410_000, 455_555, 430_000],  # B (second attempt; the first is aborted by B1)
    "TB": [700_001, 650_000, 699_999, 640_000],   # A
}
PICKS = {"Pandas": ["DT1", "NM1"], "Whales": ["HR1", "FM1"]}


class ScriptedPlayers:
    """Wraps the backend: reacts to what the runner says and does the way players would."""

    def __init__(self, inner: RefereeBackend, env: Env, chats: dict[int, osukit.AsyncClient]) -> None:
        self.inner = inner
        self.env = env
        self.chats = chats
        self.picks = {k: list(v) for k, v in PICKS.items()}
        self.starts: dict[str, int] = {}
        self.nm1_playing = asyncio.Event()
        self.tasks: set[asyncio.Task[None]] = set()
        self.present_at_start: list[tuple[str, list[int]]] = []
        self.errors: list[BaseException] = []
        self.failed = asyncio.Event()

    def _check(self, task: asyncio.Task[None]) -> None:
        # A player's action that failed (e.g. a chat message refused with 403) must fail the test
        # at once, not leave the match waiting for an answer that never comes.
        error = None if task.cancelled() else task.exception()
        if error is not None:
            self.errors.append(error)
            self.failed.set()

    async def until(self, awaitable: Any, timeout: float) -> Any:
        """Await ``awaitable`` unless a scripted player's action fails first (then raise it)."""
        work = asyncio.ensure_future(awaitable)
        failed = asyncio.ensure_future(self.failed.wait())
        try:
            done, _ = await asyncio.wait({work, failed}, timeout=timeout, return_when=asyncio.FIRST_COMPLETED)
        finally:
            failed.cancel()
        if work in done:
            return work.result()
        work.cancel()
        if self.errors:
            raise AssertionError(f"a scripted player's action failed: {self.errors[0]!r}") from self.errors[0]
        raise asyncio.TimeoutError

    def __getattr__(self, name: str) -> Any:
        return getattr(self.inner, name)

    def _later(self, coro: Any) -> None:
        task = asyncio.ensure_future(coro)
        self.tasks.add(task)
        task.add_done_callback(self.tasks.discard)
        task.add_done_callback(self._check)

    async def _say(self, room_id: int, uid: int, text: str) -> None:
        channel = self.inner.referee.rooms[room_id].chat_channel_id
        await self.chats[uid].chat.send(channel, text)

    async def send(self, room_id: int, text: str) -> None:
        await self.inner.send(room_id, text)
        m = PROMPT.search(text)
        if m is None:
            return
        team, kind = m.groups()
        captain = self.env.a[0] if team == "Pandas" else self.env.b[0]

        async def answer() -> None:
            if kind == "ban" and team == "Pandas":
                await self._say(room_id, captain, "!ban TB")  # refused: the tiebreaker
                await self._say(room_id, captain, "!ban nm2")
            elif kind == "ban":
                await self._say(room_id, captain, "!ban HD1")
            else:
                await self._say(room_id, captain, f"!pick {self.picks[team].pop(0)}")

        self._later(answer())

    async def set_map(self, room_id: int, beatmap_id: int, *args: Any) -> int:
        item = await self.inner.set_map(room_id, beatmap_id, *args)
        slot = self.env.slot_of[beatmap_id]

        async def ready() -> None:
            everyone = [*self.env.a, *self.env.b]
            if slot == "NM1":
                dropper = self.env.b[1]
                await self.env.player(dropper, "leave")
                for uid in everyone[:3]:
                    await self.env.player(uid, "ready")
                await asyncio.sleep(0.2)
                await self.env.player(dropper, "join", room_id=room_id)
                await self.env.player(dropper, "ready")
                return
            for uid in everyone:
                await self.env.player(uid, "ready")

        self._later(ready())
        return item

    async def start_match(self, room_id: int) -> None:
        room = self.inner.referee.rooms[room_id]
        beatmap = room.current_item.beatmap_id if room.current_item is not None else None
        slot = self.env.slot_of.get(beatmap or 0, "?")
        await self.inner.start_match(room_id)
        self.starts[slot] = self.starts.get(slot, 0) + 1
        self.present_at_start.append((slot, sorted(u for u in room.users if u != self.env.bot)))
        if slot == "FM1" and self.starts[slot] == 1:
            self._later(self._say(room_id, self.env.b[0], "!abort"))
            return
        if slot == "NM1":
            self.nm1_playing.set()
            return
        self._later(self.finish(slot))

    async def finish(self, slot: str) -> None:
        for uid, score in zip([*self.env.a, *self.env.b], SCORES[slot], strict=True):
            await self.env.player(uid, "finish", score=score, accuracy=0.97)


@pytest.mark.timeout(900)  # a loaded CI machine: the bot chats at 1 message/s and the match has ~40 steps
async def test_best_of_5_on_the_emulated_hub(emu: Emulator, tmp_path: Path) -> None:
    env = Env(emu)
    pool = pool_from_dict({
        "name": "Hub Cup QF",
        "format": {"best_of": 5, "bans_per_team": 1, "first_ban": "b", "first_pick": "a", "team_size": 2,
                   "pick_timer": 120, "ready_timer": 120, "abort_window": 120},
        "slots": {**{k: v for k, v in env.slots.items() if k != "FM1"}, "FM1": {"beatmap_id": env.slots["FM1"]}},
    })
    players = [*env.a, *env.b]
    for uid in players:
        await env.player(uid, "connect")
    chats = {uid: env.client(uid, ["chat.write", "public"]) for uid in players}
    state = tmp_path / "match.json"

    async def backend_for() -> tuple[osukit.AsyncClient, Any, RefereeBackend]:
        client = env.client(env.bot, BOT_SCOPES)
        referee = osukit.referee.AsyncRefereeClient(client, base_url=emu.base_url,
                                                    reconnect=ReconnectPolicy(initial=0.05, maximum=0.3))
        backend = RefereeBackend(referee, client, chat_url=emu.notify_url, bot_user_id=env.bot)
        await backend.connect()
        return client, referee, backend

    client, referee, backend = await backend_for()
    script = ScriptedPlayers(backend, env, chats)
    runner = MatchRunner(script, pool, TeamSpec("Pandas", tuple(env.a)), TeamSpec("Whales", tuple(env.b)),  # type: ignore[arg-type]
                         referees=[env.referee], state_file=state)
    task = asyncio.create_task(runner.run())
    room_id = await room_of(runner, task)
    # The players take a while to accept the invitation: the runner must not ask a captain to ban
    # before they are in the room (only then can they talk in its chat; else 403).
    await asyncio.sleep(3)
    for uid in players:
        await env.player(uid, "join", room_id=room_id)
    await script.until(script.nm1_playing.wait(), 400)

    # Kill the runner and its hub connection in the middle of NM1; the players finish it meanwhile.
    await _cancel(task)
    await _close(backend, referee, client)
    await script.finish("NM1")

    client, referee, backend = await backend_for()
    script.inner = backend
    resumed = MatchRunner.from_state(script, state, close_when_done=False)  # type: ignore[arg-type]
    draft = await script.until(resumed.run(), 400)

    assert draft.winner == "a" and draft.wins == {"a": 3, "b": 2}
    assert [(b.team, b.slot) for b in draft.bans] == [("b", "HD1"), ("a", "NM2")]
    expected = [("DT1", "a"), ("HR1", "b"), ("NM1", "a"), ("FM1", "b"), ("TB", "a")]
    assert [(m.slot, m.winner) for m in draft.maps] == expected
    for m in draft.maps:
        s = SCORES[m.slot]
        assert (m.score_a, m.score_b) == (s[0] + s[1], s[2] + s[3])
    assert [m.attempts for m in draft.maps] == [1, 1, 1, 2, 1]
    records = [(r.slot, {x["user_id"]: x["score"] for x in r.scores}) for r in resumed.state.records]
    assert records == [(slot, dict(zip(players, SCORES[slot], strict=True))) for slot, _ in expected]
    assert draft.aborts == {"b": 1}
    # Nobody started a map short of a player: NM1 started once B2 was back.
    assert all(users == sorted(players) for _, users in script.present_at_start)
    hub_room = backend.referee.rooms[room_id]
    assert hub_room.locked and hub_room.slots is not None and len(hub_room.slots) == 4  # one slot per player
    assert {uid: str(u.team.value if u.team else None) for uid, u in hub_room.users.items() if uid in players} == {
        **dict.fromkeys(env.a, "red"), **dict.fromkeys(env.b, "blue")}
    # The room's chat (read back through the chat API) has the refusal and the result.
    messages = [m async for m in _messages(client, hub_room.chat_channel_id)]
    text = "\n".join(messages)
    assert "❌ TB is the tiebreaker: it cannot be banned" in text
    assert "🏆 Pandas wins the match!" in text
    # The same match read back as results (the hub records each map as a game of /matches/{room}).
    from osukit.tournament import afetch_results

    results = await afetch_results(client, room_id)
    assert [g.beatmap_id for g in results.games] == [env.slots[slot] for slot, _ in expected]
    assert [{s.user_id: s.score for s in g.scores} for g in results.games] == [
        dict(zip(players, SCORES[slot], strict=True)) for slot, _ in expected]
    # And from the room's history (GET /rooms/{room}/events): the aborted FM1 attempt, then every
    # map with its winner by the team each player was in (A red, B blue).
    history = await afetch_results(client, f"room:{room_id}")
    assert [g.aborted for g in history.games] == [False, False, False, True, False, False]
    assert [(g.beatmap_id, g.winner) for g in history.played] == [
        (env.slots[slot], "red" if team == "a" else "blue") for slot, team in expected]
    assert [(g.red_total, g.blue_total) for g in history.played] == [
        (SCORES[slot][0] + SCORES[slot][1], SCORES[slot][2] + SCORES[slot][3]) for slot, _ in expected]
    assert (history.red_wins, history.blue_wins, history.winner) == (3, 2, "red")
    await _close(backend, referee, client, *chats.values(), env.http)


async def room_of(bot: Any, task: asyncio.Task[Any], timeout: float = 300) -> int:
    """The room a runner or auto-host made; fails (never hangs) if the bot stopped or took too long."""
    loop = asyncio.get_running_loop()
    deadline = loop.time() + timeout
    while bot.room_id is None:
        if task.done():
            task.result()  # raises what stopped the bot
            raise AssertionError("the bot returned before making its room")
        assert loop.time() < deadline, f"no room after {timeout}s"
        await asyncio.sleep(0.02)
    return int(bot.room_id)


async def _cancel(task: asyncio.Task[Any]) -> None:
    """Stop a bot's task (it must end cancelled)."""
    task.cancel()
    with pytest.raises(asyncio.CancelledError):
        await task


async def _close(*resources: Any) -> None:
    """``aclose()`` each, in order (backend before its hub client before the osukit client)."""
    for resource in resources:
        await resource.aclose()


async def _messages(client: osukit.AsyncClient, channel: int) -> Any:
    async for m in client.chat.messages(channel, limit=200):
        yield m.content


def _one_map_pool(env: Env) -> Any:
    return pool_from_dict({"name": "Drop Cup", "format": {"best_of": 1, "bans_per_team": 0, "tiebreaker": None,
                                                          "team_size": 1, "ready_timer": 120},
                           "slots": {"NM1": env.slots["NM1"], "NM2": env.slots["NM2"]}})


@pytest.mark.timeout(600)
async def test_hub_connection_drops_mid_map_and_the_result_is_not_lost(emu: Emulator) -> None:
    env = Env(emu)
    a, b = env.spare[0], env.spare[1]
    for uid in (a, b):
        await env.player(uid, "connect")
    chats = {uid: env.client(uid, ["chat.write", "public"]) for uid in (a, b)}
    client = env.client(env.bot, BOT_SCOPES)
    referee = osukit.referee.AsyncRefereeClient(client, base_url=emu.base_url,
                                                reconnect=ReconnectPolicy(initial=0.05, maximum=0.3))
    backend = RefereeBackend(referee, client, chat_url=emu.notify_url, bot_user_id=env.bot)
    await backend.connect()

    class Players:
        def __init__(self) -> None:
            self.tasks: set[asyncio.Task[None]] = set()

        def __getattr__(self, name: str) -> Any:
            return getattr(backend, name)

        def _later(self, coro: Any) -> None:
            task = asyncio.ensure_future(coro)
            self.tasks.add(task)
            task.add_done_callback(self.tasks.discard)

        async def send(self, room_id: int, text: str) -> None:
            await backend.send(room_id, text)
            if "— A: !pick one of" in text:
                channel = backend.referee.rooms[room_id].chat_channel_id
                self._later(chats[a].chat.send(channel, "!pick NM2"))

        async def set_map(self, room_id: int, *args: Any) -> int:
            item = await backend.set_map(room_id, *args)

            async def ready() -> None:
                for uid in (a, b):
                    await env.player(uid, "ready")

            self._later(ready())
            return item

        async def start_match(self, room_id: int) -> None:
            await backend.start_match(room_id)

            async def drop_then_finish() -> None:
                response = await env.http.post("/_emulator/referee/drop", json={})
                assert response.status_code == 200, response.text
                await env.player(a, "finish", score=300_000)
                await env.player(b, "finish", score=300_001)

            self._later(drop_then_finish())

    runner = MatchRunner(Players(), _one_map_pool(env), TeamSpec("A", (a,)), TeamSpec("B", (b,)))  # type: ignore[arg-type]
    task = asyncio.create_task(runner.run())
    for uid in (a, b):
        await env.player(uid, "join", room_id=await room_of(runner, task))
    draft = await asyncio.wait_for(task, 400)
    assert draft.winner == "b" and (draft.maps[0].score_a, draft.maps[0].score_b) == (300_000, 300_001)
    assert referee.reconnects >= 1
    await _close(backend, referee, client, *chats.values(), env.http)


def _won_match_saved(emu: Emulator, tmp_path: Path) -> tuple[Env, int, Any, Path, str]:
    """A room on the emulated hub and a saved match that is already won in it: (env, room id, pool,
    state file, a bot token)."""
    from osukit.tournament import Draft
    from osukit.tournament.runner import RunnerState

    env = Env(emu)

    async def make() -> int:
        client = env.client(env.bot, BOT_SCOPES)
        async with osukit.referee.AsyncRefereeClient(client, base_url=emu.base_url) as hub:
            room = await hub.make_room(env.slots["NM1"], name="saved")
        await client.aclose()
        await env.http.aclose()
        return room.room_id

    room_id = asyncio.run(make())
    pool = _one_map_pool(env)
    draft = Draft.new(pool, team_a="A", team_b="B")
    draft.pick("a", "NM1")
    draft.start_map()
    draft.record(5, 3)
    state = RunnerState(draft=draft, team_a_players=[env.a[0]], team_b_players=[env.b[0]], room_id=room_id)
    path = tmp_path / "match.json"
    path.write_bytes(msgspec.json.encode(state))
    token = emu.mint_token(user_id=env.bot, scopes=BOT_SCOPES, refresh=False)["access_token"]
    (tmp_path / "pool.json").write_text(json.dumps(pool.to_dict()))
    return env, room_id, pool, path, str(token)


def test_cli_match_run_resumes_a_saved_match(emu: Emulator, tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    """`osukit match run --resume` over the hub: rejoins the saved room, sees the match is won, closes it."""
    from osukit.cli._app import run_app

    _env, room_id, pool, path, token = _won_match_saved(emu, tmp_path)
    code = run_app(["--base-url", emu.base_url, "--access-token", token, "--notify-url", emu.notify_url,
                    "match", "run", str(tmp_path / "pool.json"), "--resume", "--state", str(path),
                    "--spectator-url", emu.base_url, "--close"])
    assert code == 0
    hub_room = emu.state.world.rooms.get(room_id)
    assert hub_room is not None and not hub_room.get("active", True)
    # What the operator sees: the room, how to reach it, what the bot says.
    out = capsys.readouterr().out
    assert "still open" not in out
    assert f"room {room_id} rejoined: A 1 - 0 B" in out
    assert f"{emu.base_url}/multiplayer/rooms/{room_id}" in out
    assert f"other referees (their own account, not this one: the hub keeps one connection per account): `osukit referee watch {room_id}` joins the room and its chat" in out
    assert f"{emu.base_url}/multiplayer/rooms/{room_id}/events" in out
    # the printed results command carries the pool's best-of, so it names the winner as soon as one is
    # decided (not only when the room closes; tests/referee/test_results_not_over.py), and it runs as printed
    printed = f"osukit match results room:{room_id} --best-of {pool.format.best_of}"
    assert f"`{printed}`" in out
    assert "» back: A 1 - 0 B" in out and "» 🏆 A wins the match!" in out
    assert run_app(["--base-url", emu.base_url, "--access-token", token, *printed.split()[1:]]) == 0


def test_cli_match_run_without_close_says_the_room_is_still_open_and_how_to_close_it(
        emu: Emulator, tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    """Without --close (the default) the won match's room stays open for the players; the command
    used to end on the score alone, leaving an open room nobody was told about."""
    from osukit.cli._app import run_app

    _env, room_id, _pool, path, token = _won_match_saved(emu, tmp_path)
    base = ["--base-url", emu.base_url, "--access-token", token, "--notify-url", emu.notify_url]
    code = run_app([*base, "match", "run", str(tmp_path / "pool.json"), "--resume", "--state", str(path),
                    "--spectator-url", emu.base_url])
    assert code == 0
    hub_room = emu.state.world.rooms.get(room_id)
    assert hub_room is not None and hub_room.get("active", True)
    lines = capsys.readouterr().out.splitlines()
    assert lines[-1] == (f"room {room_id} is still open (--keep-open, the default): close it with "
                         f"`osukit referee close {room_id}` when the players are done, or pass --close next time")
    assert lines[-2] == "A 1 - 0 B (winner: A)"
    # and the command it names closes the room, as printed
    printed = f"osukit referee close {room_id}"
    assert run_app([*base, *printed.split()[1:]]) == 0
    assert not emu.state.world.rooms[room_id].get("active", True)


def test_cli_lobby_autohost_prints_its_room(emu: Emulator, capsys: pytest.CaptureFixture[str]) -> None:
    from osukit.cli._app import run_app

    env = Env(emu)
    token = emu.mint_token(user_id=env.bot, scopes=BOT_SCOPES, refresh=False)["access_token"]
    code = run_app(["--base-url", emu.base_url, "--access-token", str(token), "--notify-url", emu.notify_url,
                    "lobby", "autohost", "--beatmap", str(env.slots["NM1"]), "--name", "cli lobby",
                    "--spectator-url", emu.base_url, "--maps", "0"])
    out = capsys.readouterr().out
    assert code == 0, out
    room_id = max(r for r, v in emu.state.world.rooms.items() if v["name"] == "cli lobby")
    assert f"room {room_id} made: cli lobby — {emu.base_url}/multiplayer/rooms/{room_id}" in out
    assert f"`osukit referee watch {room_id}`" in out and f"`osukit match results room:{room_id}`" in out


@pytest.mark.timeout(600)
async def test_a_referee_given_to_the_runner_can_join_the_room_and_its_chat(emu: Emulator) -> None:
    """``referees=[…]`` (``osukit match run --referee``): the runner makes them referees of the room
    (``AddReferee``), so they can join it through the hub, which puts them in the room's chat: they
    read it and their ``!pause`` reaches the runner. A referee in the room is not a player."""
    env = Env(emu)
    a, b, ref = env.spare[2], env.spare[3], env.spare[4]
    for uid in (a, b):
        await env.player(uid, "connect")
    client = env.client(env.bot, BOT_SCOPES)
    referee = osukit.referee.AsyncRefereeClient(client, base_url=emu.base_url)
    backend = RefereeBackend(referee, client, chat_url=emu.notify_url, bot_user_id=env.bot)
    await backend.connect()
    runner = MatchRunner(backend, _one_map_pool(env), TeamSpec("A", (a,)), TeamSpec("B", (b,)), referees=[ref])
    task = asyncio.create_task(runner.run())
    room_id = await room_of(runner, task)
    for uid in (a, b):
        await env.player(uid, "join", room_id=room_id)

    ref_client = env.client(ref, ["public", "multiplayer.write_manage", "chat.read", "chat.write"])
    # Bounded: a step that never ends fails with its traceback instead of hanging the run.
    async with asyncio.timeout(300), osukit.referee.AsyncRefereeClient(ref_client, base_url=emu.base_url) as ref_hub:
        for _ in range(400):  # the runner adds its referees right after making the room
            if room_id in await ref_hub.list_rooms():
                break
            await asyncio.sleep(0.05)
        room = await ref_hub.join_room(room_id)  # NotRefereeError if the runner had not added them
        assert room.chat_channel_id == backend.referee.rooms[room_id].chat_channel_id
        for _ in range(400):  # the prompt for A's pick, read through the chat API
            texts = [m async for m in _messages(ref_client, room.chat_channel_id)]
            if any("— A: !pick one of" in m for m in texts):
                break
            await asyncio.sleep(0.05)
        else:
            raise AssertionError("the referee never read the runner's prompt")
        await ref_client.chat.send(room.chat_channel_id, "!pause")
        for _ in range(400):
            if runner.state.paused:
                break
            await asyncio.sleep(0.05)
        assert runner.state.paused, task.exception() if task.done() else "the runner never heard !pause"
        assert await backend.players(room_id) == {a: False, b: False}  # the referee is not a player
    await _cancel(task)
    await _close(backend, referee, client, ref_client, env.http)
