"""The match runner: a bot that referees a whole tournament match in a multiplayer room.

It makes the room (or takes it up again) with a slot for each rostered player, invites both
teams, puts each player in their team's colour (team A red, team B blue) and locks the room; then, following the
[`Draft`][osukit.tournament.Draft], it asks for bans and picks in the room's chat
(``!ban HD1``, ``!pick NM2``, checked against the pool and the order), sets the map and
its mods, waits for the players to ready up (with the format's ready timer), starts the
map, reads the scores when it completes, keeps the score and stops at the win condition:

```python
runner = MatchRunner(backend, load_pool("pool.toml"),
                     TeamSpec("Pandas", (2, 3)), TeamSpec("Whales", (4, 5)),
                     referees=[1], state_file="match.json")
draft = await runner.run()        # returns when a team has won
draft.winner, draft.wins
```

Chat commands: players ``!ban SLOT``, ``!pick SLOT``, ``!abort`` (inside the abort window,
within the team's allowance), ``!status``; referees ``!pause``, ``!resume``, ``!pick a SLOT``
/ ``!ban b SLOT`` (for a team), ``!result A B`` (set the current map's result by hand),
``!start``, ``!abort``. From Python: `MatchRunner.pause`, `MatchRunner.resume`,
and the same operations as methods. While paused the runner starts nothing and announces
nothing, but still records maps that complete.

The state (room, draft, current map) is written to ``state_file`` after every step, so a
runner that was killed picks the match up where it was: ``MatchRunner.from_state(backend,
"match.json")`` rejoins the room and, if the map in play finished meanwhile, records it.
"""

from __future__ import annotations

import asyncio
import contextlib
import os
import tempfile
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from pathlib import Path

import msgspec

from .._clock import Clock
from .._exceptions import OsukitError
from .._redact import logger
from ._chat import beatmap_page, chat_safe, hub_sentence, room_page
from ._errors import DraftError, RunnerError
from .draft import Draft, Step, TeamKey
from .pool import Mappool
from .room import (
    BackendLost,
    BackendReconnected,
    ChatLine,
    ItemScore,
    MapAborted,
    MapCompleted,
    MapStarted,
    PlayerJoined,
    PlayerLeft,
    PlayerReady,
    RoomBackend,
    RoomGone,
)

__all__ = ["MapRecord", "MatchRunner", "RunnerState", "TeamSpec"]

COLOUR: dict[TeamKey, str] = {"a": "red", "b": "blue"}


@dataclass(frozen=True)
class TeamSpec:
    """A team: its name and its players' user ids (any of them may pick, ban and abort)."""

    name: str
    players: tuple[int, ...]

    def __post_init__(self) -> None:
        object.__setattr__(self, "players", tuple(int(p) for p in self.players))


class MapRecord(msgspec.Struct, kw_only=True):
    """A completed attempt at a map: the playlist item, each player's score, the team totals."""

    slot: str
    item_id: int
    scores: list[dict[str, object]]
    score_a: float
    score_b: float
    winner: TeamKey | None


class RunnerState(msgspec.Struct, kw_only=True):
    """What `MatchRunner` saves after every step."""

    version: int = 1
    draft: Draft
    team_a_players: list[int]
    team_b_players: list[int]
    referees: list[int] = msgspec.field(default_factory=list)
    room_id: int | None = None
    channel_id: int | None = None
    item_id: int | None = None
    """The playlist item set for the map in play (None between maps)."""
    map_key: str | None = None
    """``SLOT#attempt`` of the map that was set (so a restart does not set it twice)."""
    playing: bool = False
    paused: bool = False
    announced: str | None = None
    records: list[MapRecord] = msgspec.field(default_factory=list)
    log: list[str] = msgspec.field(default_factory=list)


class MatchRunner:
    """Runs one match; see the module docstring.

    Args:
        backend: the room operations (`RefereeBackend` for the
            lazer referee hub).
        pool: the mappool and its format.
        team_a: team A (plays red).
        team_b: team B (plays blue).
        referees: user ids allowed to ``!pause``, ``!resume`` and act for a team.
        state_file: where to save the state after every step (None: not saved).
        room_name: the room's name (default ``POOL: (A) vs (B)``).
        close_when_done: close the room when the match is won.
        clock: a `osukit._clock.Clock` (tests pass a fake one).
        progress: called with a line for the operator at each step: the room (its id and page),
            what the bot says in chat (``» …``: bans, picks, results, the score), maps started,
            players joining and leaving. The CLI prints them.
        site_url: the osu! site for links (default: the backend's ``site_url``, else
            ``https://osu.ppy.sh``). Chat never carries another URL: errors quoted to players
            lose their request URLs.
    """

    def __init__(
        self,
        backend: RoomBackend,
        pool: Mappool,
        team_a: TeamSpec,
        team_b: TeamSpec,
        *,
        referees: Iterable[int] = (),
        state_file: str | os.PathLike[str] | None = None,
        room_name: str | None = None,
        close_when_done: bool = False,
        clock: Clock | None = None,
        progress: Callable[[str], None] | None = None,
        site_url: str | None = None,
    ) -> None:
        overlap = set(team_a.players) & set(team_b.players)
        if overlap:
            raise RunnerError(f"players {sorted(overlap)} are in both teams")
        self.backend = backend
        self.pool = pool
        self.team_a = team_a
        self.team_b = team_b
        self.state_file = Path(state_file) if state_file is not None else None
        self.room_name = room_name or f"{pool.name}: ({team_a.name}) vs ({team_b.name})"
        self.close_when_done = close_when_done
        self.clock = clock or Clock()
        self.progress = progress
        self.site_url = site_url or str(getattr(backend, "site_url", "") or "https://osu.ppy.sh")
        # the operator's console links to the site in use (the emulator's own pages against it)
        self.web_url = str(getattr(backend, "web_url", "") or self.site_url)
        self.state = RunnerState(
            draft=Draft.new(pool, team_a=team_a.name, team_b=team_b.name),
            team_a_players=list(team_a.players),
            team_b_players=list(team_b.players),
            referees=[int(r) for r in referees],
        )
        self._deadline: float | None = None
        self._waiting = False  # "nobody is ready" was said: the ready timer waits for a ready-up
        self._started_at: float | None = None
        self._changed = asyncio.Event()
        self._outbox: asyncio.Queue[str] | None = None

    # --- resuming ---------------------------------------------------------------------------

    @classmethod
    def from_state(
        cls, backend: RoomBackend, state_file: str | os.PathLike[str], *, clock: Clock | None = None,
        close_when_done: bool = False, progress: Callable[[str], None] | None = None, site_url: str | None = None,
    ) -> MatchRunner:
        """A runner for the match saved in ``state_file`` (it rejoins the room on `run`).

        Raises:
            RunnerError: the file is missing or is not a saved match.
        """
        path = Path(state_file)
        try:
            data = path.read_bytes()
        except OSError as exc:
            raise RunnerError(f"cannot read match state {path}: {exc.strerror or exc}") from None
        try:
            state = msgspec.json.decode(data, type=RunnerState)
        except (msgspec.DecodeError, msgspec.ValidationError, RecursionError) as exc:
            raise RunnerError(f"{path} is not a saved match state: {exc}") from None
        draft = state.draft
        runner = cls(
            backend, draft.pool, TeamSpec(draft.team_a, tuple(state.team_a_players)),
            TeamSpec(draft.team_b, tuple(state.team_b_players)), referees=state.referees, state_file=path,
            close_when_done=close_when_done, clock=clock, progress=progress, site_url=site_url,
        )
        runner.state = state
        return runner

    def save(self) -> None:
        """Write the state to ``state_file`` (atomically: a crash leaves the old or the new file)."""
        if self.state_file is None:
            return
        data = msgspec.json.encode(self.state)
        self.state_file.parent.mkdir(parents=True, exist_ok=True)
        fd, tmp = tempfile.mkstemp(prefix=".osukit-match-", dir=self.state_file.parent)
        try:
            with os.fdopen(fd, "wb") as fh:
                fh.write(data)
                fh.flush()
                os.fsync(fh.fileno())
            os.replace(tmp, self.state_file)
        except BaseException:
            with contextlib.suppress(OSError):
                os.unlink(tmp)
            raise

    # --- reading ----------------------------------------------------------------------------

    @property
    def draft(self) -> Draft:
        """The match's draft (bans, picks, results)."""
        return self.state.draft

    @property
    def room_id(self) -> int | None:
        return self.state.room_id

    def team_of(self, user_id: int) -> TeamKey | None:
        """The team a player belongs to (None for others)."""
        if user_id in self.state.team_a_players:
            return "a"
        if user_id in self.state.team_b_players:
            return "b"
        return None

    def _roster(self, team: TeamKey) -> list[int]:
        return self.state.team_a_players if team == "a" else self.state.team_b_players

    def _name(self, team: TeamKey | None) -> str:
        return self.draft.name_of(team) if team is not None else "nobody"

    # --- Python API takeover ------------------------------------------------------------------

    async def pause(self) -> None:
        """Stop acting (no announcements, no starts) until `resume`; results are still recorded."""
        self.state.paused = True
        self._deadline = None
        self.save()
        await self._say("⏸ paused by the referee")
        self._changed.set()

    async def resume(self) -> None:
        """Act again after `pause`."""
        self.state.paused = False
        self.state.announced = None
        self.save()
        await self._say("▶ resumed")
        self._changed.set()

    async def ban(self, team: str, slot: str) -> Step:
        """Ban for a team (as a referee would). Raises `DraftError` when the rules refuse it."""
        step = self.draft.ban(team, slot)
        self._note(f"ban {team} {slot.upper()}")
        self.state.announced = None
        self.save()
        await self._say(f"{self._name(_key(team))} bans {slot.upper()}")
        self._changed.set()
        return step

    async def pick(self, team: str, slot: str) -> Step:
        """Pick for a team (as a referee would). Raises `DraftError` when the rules refuse it."""
        step = self.draft.pick(team, slot)
        self._note(f"pick {team} {slot.upper()}")
        self.state.announced = None
        self.save()
        if self.state.paused:  # else the map's announcement says who picked it (one message less)
            await self._say(f"{self._name(_key(team))} picks {slot.upper()}")
        self._changed.set()
        return step

    async def set_result(self, score_a: float, score_b: float) -> Step:
        """Record the map in play by hand (e.g. after a disconnection the referee settles)."""
        step = self.draft.record(score_a, score_b)
        self._after_map()
        self.save()
        await self._say(self.draft.summary())
        self._changed.set()
        return step

    # --- running ----------------------------------------------------------------------------

    async def run(self) -> Draft:
        """Run the match until a team wins; returns the draft.

        Raises:
            RunnerError: the backend failed in a way the runner cannot get over.
        """
        # Chat goes out through its own task: osu! rate-limits chat (about a message a second), and
        # the room's operations must not wait behind the announcements.
        self._outbox = asyncio.Queue()
        sender = asyncio.create_task(self._send_loop(self._outbox), name="osukit-runner-chat")
        try:
            await self._check_users()
            await self._open()
            while True:
                await self._advance()
                if self.draft.next_step().kind == "done":
                    break
                event = await self._next_event()
                if event is None:
                    await self._on_timeout()
                else:
                    await self._handle(event)
            await self._finish()
            await self._outbox.join()  # the last messages (the winner) are sent before returning
        finally:
            self._outbox = None
            sender.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await sender
        return self.draft

    async def _send_loop(self, outbox: asyncio.Queue[str]) -> None:
        while True:
            text = await outbox.get()
            try:
                await self._send_now(text)
            finally:
                outbox.task_done()

    async def _check_users(self) -> None:
        """Warn once, before the room is made, about rostered players and referees that are no
        osu! user (a typo, or another server's ids): the runner would otherwise wait for them at
        ``waiting for players`` forever. Only with a backend that can tell (``unknown_users``)."""
        check = getattr(self.backend, "unknown_users", None)
        st = self.state
        roles: dict[int, str] = {}
        for label, ids in ((f"{self.draft.team_a} player", st.team_a_players),
                           (f"{self.draft.team_b} player", st.team_b_players), ("referee", st.referees)):
            for uid in ids:
                roles.setdefault(int(uid), f"{label} {uid}")
        if check is None or not roles:
            return
        try:
            unknown = await check(list(roles))
        except Exception as exc:  # a check, not a step of the match
            logger.info("match runner: could not check the user ids: %s", exc)
            return
        if unknown:
            line = (f"warning: no such user on {self.web_url}: {', '.join(roles[u] for u in unknown)}; "
                    "a player who does not exist never joins, so the match would wait for them forever "
                    "(check the ids in --team-a/--team-b/--referee)")
            self._note(line, show=line)

    async def _open(self) -> None:
        st = self.state
        if st.room_id is None:
            first = self.pool.slots[0]
            roster = len(st.team_a_players) + len(st.team_b_players)
            handle = await self.backend.make_room(self.room_name, first.beatmap_id, _ruleset_id(self.pool),
                                                  team_versus=True, max_participants=max(roster, 2))
            st.room_id, st.channel_id = handle.room_id, handle.channel_id
            self._note(f"room {handle.room_id} made", show=f"room {handle.room_id} made: {self.room_name} — "
                                                           f"{room_page(self.web_url, handle.room_id)}")
            self.save()
            for uid in (*st.team_a_players, *st.team_b_players):
                await self.backend.invite(handle.room_id, uid)
            await self._add_referees()
            await self.backend.set_lock(handle.room_id, True)
            await self._say(f"{self.room_name}: best of {self.pool.format.best_of}. "
                            f"{self.draft.team_a} is red, {self.draft.team_b} is blue.")
        else:
            handle = await self.backend.join_room(st.room_id)
            st.channel_id = handle.channel_id
            await self._add_referees()  # again: a new bot connection, or referees added to the state
            self._note(f"room {st.room_id} rejoined", show=f"room {st.room_id} rejoined: {self.draft.summary()} — "
                                                           f"{room_page(self.web_url, st.room_id)}")
            st.announced = None
            self.save()
            await self._say(f"back: {self.draft.summary()}")
            await self._catch_up()
        present = await self.backend.players(self._room())
        for uid in present:
            await self._place(uid)

    async def _add_referees(self) -> None:
        """Make the match's referees referees of the room, so they can join it and its chat."""
        add = getattr(self.backend, "add_referee", None)  # backends written before add_referee
        if add is None:
            return
        for uid in self.state.referees:
            try:
                await add(self._room(), uid)
            except OsukitError as exc:
                logger.warning("match runner: could not make %d a referee: %s", uid, exc)

    async def _catch_up(self) -> None:
        """After a restart or reconnect: record the map in play if it finished meanwhile."""
        st = self.state
        if st.item_id is None or st.map_key is None:
            return
        scores = await self.backend.scores(self._room(), st.item_id)
        if scores is not None:
            await self._completed(st.item_id, scores)

    async def _finish(self) -> None:
        st = self.state
        winner = self.draft.winner
        key = "done"
        if st.announced != key:
            st.announced = key
            self.save()
            await self._say(f"🏆 {self._name(winner)} wins the match! {self.draft.summary()}")
        if self.close_when_done and st.room_id is not None:
            if self._outbox is not None:
                await self._outbox.join()  # say who won before the room (and its channel) goes
            await self.backend.close_room(st.room_id)

    def _room(self) -> int:
        if self.state.room_id is None:  # pragma: no cover - run() opens the room first
            raise RunnerError("the runner has no room yet")
        return self.state.room_id

    async def _next_event(self) -> object:
        timeout = None
        if self._deadline is not None:
            timeout = max(0.0, self._deadline - self.clock.monotonic())
        event_task = asyncio.ensure_future(self.backend.next_event(self._room()))
        changed_task = asyncio.ensure_future(self._changed.wait())
        try:
            done, _ = await asyncio.wait({event_task, changed_task}, timeout=timeout,
                                         return_when=asyncio.FIRST_COMPLETED)
        finally:
            changed_task.cancel()
            if not event_task.done():
                # Never leave a reader behind: it would take the next event from whoever reads next.
                event_task.cancel()
                with contextlib.suppress(asyncio.CancelledError):
                    await event_task
        if event_task in done:
            return event_task.result()
        if changed_task in done:
            self._changed.clear()
            return _NOTHING  # a Python API call changed something: advance again
        return None

    async def _advance(self) -> None:
        st = self.state
        if st.paused:
            return
        step = self.draft.next_step()
        if step.kind in ("ban", "pick"):
            if await self._wait_for_players(step.team or "a"):
                return
            key = f"{step.kind}:{step.team}:{len(self.draft.bans)}:{len(self.draft.maps)}"
            if st.announced != key:
                st.announced = key
                self.save()
                names = " ".join(s.name for s in self.draft.available)
                team = step.team or "a"
                self._deadline = self.clock.monotonic() + self.pool.format.pick_timer
                await self._say(f"{self.draft.summary()} — {self._name(team)}: !{step.kind} one of {names} "
                                f"({self.pool.format.pick_timer:g}s)")
            return
        if step.kind != "play" or step.slot is None:
            return
        if st.map_key is None or not st.map_key.startswith(f"{step.slot}#"):
            slot = self.pool[step.slot]
            try:
                item_id = await self.backend.set_map(
                    self._room(), slot.beatmap_id, _ruleset_id(self.pool), slot.required_mods,
                    slot.allowed_mods if slot.freemod else (), slot.freemod)
            except OsukitError as exc:
                # The room refused the map (an unknown beatmap, a mod it rejects…): a referee decides.
                self._note(f"map {slot.name} refused: {exc}")
                await self._say(f"❌ the room refused {slot.label()}: {hub_sentence(exc)}. Referee: fix it and !resume")
                await self.pause()
                return
            played = self.draft.start_map()
            st.item_id = item_id
            st.map_key = f"{slot.name}#{played.attempts}"
            st.playing = False
            st.announced = st.map_key
            self._note(f"map {st.map_key} set (item {st.item_id})")
            self.save()
            self._deadline = self.clock.monotonic() + self.pool.format.ready_timer
            self._waiting = False
            who = f"{self._name(played.team)} picks" if played.team is not None else "tiebreaker:"
            await self._say(f"{who} {slot.label()} — ready up ({self.pool.format.ready_timer:g}s)")
            return
        if not st.playing:
            await self._maybe_start(force=False)

    async def _wait_for_players(self, team: TeamKey) -> bool:
        """True (and say so once) while the players who must answer a ban or pick are not in the room.

        A prompt is only useful to players who can read the room's chat, and only players in
        the room can talk in it (osu! adds them to the channel when they join): the draft
        starts once both teams have ``team_size`` players in the room, and every later
        ban or pick waits for at least one player of the team whose turn it is. A referee can
        still act for a team meanwhile (``!ban a SLOT``, ``!pick b SLOT``, `ban`, `pick`).
        """
        present = await self.backend.players(self._room())
        teams: tuple[TeamKey, TeamKey] = ("a", "b")
        counts = {t: sum(1 for uid in present if self.team_of(uid) == t) for t in teams}
        d = self.draft
        first = not d.bans and not d.maps and d.pending is None
        need = {t: min(self.pool.format.team_size if first else int(t == team), len(self._roster(t))) for t in teams}
        short = [t for t in teams if counts[t] < need[t]]
        if not short:
            return False
        key = "wait:" + ",".join(f"{t}{counts[t]}" for t in short)
        if self.state.announced != key:
            self.state.announced = key
            self._deadline = None
            self.save()
            waiting = ", ".join(f"{self._name(t)} ({counts[t]}/{need[t]} in the room)" for t in short)
            await self._say(f"waiting for players: {waiting}")
        return True

    def _enough_players(self, present: dict[int, bool]) -> bool:
        size = self.pool.format.team_size
        return all(sum(1 for uid in present if self.team_of(uid) == t) >= size for t in ("a", "b"))

    async def _maybe_start(self, *, force: bool) -> None:
        present = await self.backend.players(self._room())
        players = {uid: ready for uid, ready in present.items() if self.team_of(uid) is not None}
        if not self._enough_players(players):
            if force:
                self._deadline = self.clock.monotonic() + self.pool.format.ready_timer
                await self._say("ready timer is up, but a team is short of players: waiting for them")
            return
        if force or all(players.values()):
            await self._start()

    async def _start(self) -> None:
        st = self.state
        st.playing = True
        self._deadline = None
        self._started_at = self.clock.monotonic()
        self.save()
        try:
            await self.backend.start_match(self._room())
        except OsukitError as exc:  # e.g. nobody is ready: wait for the players or a referee's !start
            st.playing = False
            self._started_at = None
            self._deadline = None  # no retry every period: a ready-up or a referee's !start starts it
            self._waiting = True
            self._note(f"map {st.map_key} could not start: {exc}")
            self.save()
            # the hub's raw text means nothing to players: one clear sentence for the referee
            await self._say("the room did not start the map; waiting for players to ready up (referee: !start)")
            return
        self._waiting = False
        slot = self.pool[st.map_key.split("#")[0]] if st.map_key else None
        self._note(f"map {st.map_key} started", show=f"map started: {slot.label()} {beatmap_page(self.web_url, slot.beatmap_id)}"
                   if slot is not None else None)

    async def _on_timeout(self) -> None:
        self._deadline = None
        if self.state.paused:
            return
        step = self.draft.next_step()
        if step.kind in ("ban", "pick"):
            await self._say(f"⏰ time is up for {self._name(step.team)} to {step.kind}: referee, decide "
                            f"(!{step.kind} {step.team} SLOT) or wait")
        elif step.kind == "play" and not self.state.playing:
            present = await self.backend.players(self._room())
            if not any(ready for uid, ready in present.items() if self.team_of(uid) is not None):
                # Starting would fail, and retrying every period would only repeat it: say it once
                # and wait for a ready-up (which re-arms the timer) or a referee's !start.
                if not self._waiting:
                    self._waiting = True
                    await self._say("⏰ ready timer is up, but nobody is ready; waiting (referee: !start)")
                return
            await self._say("⏰ ready timer is up: starting")
            await self._maybe_start(force=True)

    async def _handle(self, event: object) -> None:
        if event is _NOTHING:
            return
        if isinstance(event, ChatLine):
            await self._command(event.user_id, event.text)
        elif isinstance(event, PlayerJoined):
            self._note(f"user {event.user_id} joined", show=f"user {event.user_id} joined"
                       + (f" ({self._name(self.team_of(event.user_id))})" if self.team_of(event.user_id) else ""))
            await self._place(event.user_id)
        elif isinstance(event, PlayerLeft):
            self._note(f"user {event.user_id} left", show=f"user {event.user_id} left")
            self.save()
        elif isinstance(event, PlayerReady):
            # _advance checks readiness; a ready-up after "nobody is ready" re-arms the ready timer
            if event.ready and self._waiting and self._deadline is None and not self.state.playing:
                self._waiting = False
                self._deadline = self.clock.monotonic() + self.pool.format.ready_timer
        elif isinstance(event, MapStarted):
            # One map at a time in the room: the item that started is the one in play (the hub may
            # have replaced the current item since set_map).
            if self.state.map_key is not None:
                if not self.state.playing:  # started by hand by a referee
                    self.state.playing = True
                    self._started_at = self.clock.monotonic()
                self.state.item_id = event.item_id
                self.save()
        elif isinstance(event, MapCompleted):
            if self.state.map_key is not None and (self.state.playing or event.item_id == self.state.item_id):
                scores = await self.backend.scores(self._room(), event.item_id)
                await self._completed(event.item_id, scores or [])
        elif isinstance(event, MapAborted):
            if self.state.map_key is not None and (self.state.playing or event.item_id == self.state.item_id):
                self._note(f"map {self.state.map_key} aborted", show=f"map {self.state.map_key} aborted")
                self.state.map_key = None  # set again: a new attempt
                self.state.playing = False
                self.state.item_id = None
                self.save()
                await self._say("map aborted: it will be replayed")
        elif isinstance(event, BackendReconnected):
            self._note("backend reconnected")
            await self._catch_up()
        elif isinstance(event, BackendLost):
            # Logged, not shown: the error is raised, and whoever runs the runner says it (the CLI
            # once, with its hint); showing it too printed the same sentence twice.
            self._note(f"stopped: {event.error}")
            self.save()
            raise event.error
        elif isinstance(event, RoomGone):
            self._note(f"room closed ({event.reason})", show=f"room closed ({event.reason})")
            self.save()
            raise RunnerError(f"room {self.state.room_id} was closed ({event.reason}); the match state is in "
                              f"{self.state_file or 'memory only'}")

    async def _place(self, user_id: int) -> None:
        team = self.team_of(user_id)
        if team is not None:
            await self.backend.move_user(self._room(), user_id, COLOUR[team])

    async def _completed(self, item_id: int, scores: Sequence[ItemScore]) -> None:
        fmt = self.pool.format
        totals: dict[TeamKey, float] = {}
        for team in ("a", "b"):
            mine = [s for s in scores if self.team_of(s.user_id) == team and s.passed]
            if fmt.win_condition == "accuracy":
                totals[team] = round(sum(s.accuracy for s in mine) / len(mine) * 100, 4) if mine else 0.0
            else:
                totals[team] = float(sum(s.score for s in mine))
        pending = self.draft.pending
        slot = pending.slot if pending is not None else (self.draft.next_step().slot or "?")
        self.draft.record(totals["a"], totals["b"])
        winner = pending.winner if pending is not None else None  # None: a tie, the map is replayed
        self.state.records.append(MapRecord(
            slot=slot, item_id=item_id,
            scores=[{"user_id": s.user_id, "score": s.score, "accuracy": s.accuracy, "passed": s.passed,
                     "mods": s.mods} for s in scores],
            score_a=totals["a"], score_b=totals["b"], winner=winner,
        ))
        self._after_map()
        self._note(f"{slot}: {_total(totals['a'])} - {_total(totals['b'])}")
        self.save()
        if winner is None:
            await self._say(f"{slot}: a tie ({_total(totals['a'])} each) — the map is replayed")
        else:
            await self._say(f"{slot}: {self._name(winner)} wins ({_total(totals['a'])} - {_total(totals['b'])}). "
                            f"{self.draft.summary()}")

    def _after_map(self) -> None:
        self.state.item_id = None
        self.state.map_key = None
        self.state.playing = False
        self.state.announced = None
        self._started_at = None

    # --- chat -------------------------------------------------------------------------------

    async def _command(self, user_id: int, text: str) -> None:
        words = text.strip().split()
        if not words or not words[0].startswith("!"):
            return
        cmd, args = words[0][1:].lower(), words[1:]
        is_ref = user_id in self.state.referees
        team = self.team_of(user_id)
        try:
            if cmd in ("pick", "ban") and args:
                if is_ref and len(args) == 2:
                    acting, slot = args[0].lower(), args[1]
                elif team is not None and len(args) == 1:
                    acting, slot = team, args[0]
                elif len(args) == 2 and team is not None:
                    await self._say(f"❌ only referees can {cmd} for a team: type !{cmd} {args[-1]}")
                    return
                else:
                    return
                await (self.pick(acting, slot) if cmd == "pick" else self.ban(acting, slot))
            elif cmd == "abort":
                await self._abort(user_id, team, is_ref)
            elif cmd == "pause" and is_ref:
                await self.pause()
            elif cmd == "resume" and is_ref:
                await self.resume()
            elif cmd == "start" and is_ref and self.state.map_key is not None and not self.state.playing:
                await self._start()
            elif cmd == "result" and is_ref and len(args) == 2:
                await self.set_result(float(args[0]), float(args[1]))
            elif cmd == "status":
                await self._say(self.draft.summary())
        except DraftError as exc:
            await self._say(f"❌ {exc}")
        except ValueError:
            await self._say("❌ usage: !result SCORE_A SCORE_B")

    async def _abort(self, user_id: int, team: TeamKey | None, is_ref: bool) -> None:
        st = self.state
        if not st.playing:
            await self._say("❌ no map is being played")
            return
        if not is_ref:
            if team is None:
                return
            window = self.pool.format.abort_window
            if self._started_at is not None and self.clock.monotonic() - self._started_at > window:
                await self._say(f"❌ aborts are allowed in the first {window:g}s only")
                return
            left = self.draft.abort(team)
            self.save()
            await self._say(f"{self._name(team)} aborts ({left} left)")
        await self.backend.abort_match(self._room())

    async def _say(self, text: str) -> None:
        text = chat_safe(text)  # e.g. an error quoted from the API: no request URL in front of players
        if not text:
            return
        self._show(f"» {text}")
        if self._outbox is not None:
            self._outbox.put_nowait(text)
        else:
            await self._send_now(text)

    async def _send_now(self, text: str) -> None:
        if self.state.room_id is None:
            logger.info("match runner: %s", text)
            return
        try:
            await self.backend.send(self.state.room_id, text)
        except Exception as exc:  # chat is best effort: the match goes on
            logger.warning("match runner: could not send to the room's chat: %s", exc)

    def _note(self, text: str, *, show: str | None = None) -> None:
        self.state.log.append(text)
        logger.info("match runner: %s", text)
        if show is not None:
            self._show(show)

    def _show(self, line: str) -> None:
        if self.progress is not None:
            try:
                self.progress(line)
            except Exception as exc:  # the operator's display must not stop the match
                logger.warning("match runner: progress callback failed: %s", exc)


_NOTHING = object()


def _ruleset_id(pool: Mappool) -> int:
    from ..enums import Ruleset

    return Ruleset.parse(pool.format.ruleset).id


def _key(team: str) -> TeamKey | None:
    key = team.strip().lower()
    return "a" if key == "a" else "b" if key == "b" else None


def _total(value: float) -> str:
    """A team total for chat and the log: ``1,234,567`` for scores, ``97.5`` for accuracy (never ``1e+06``)."""
    if float(value).is_integer():
        return f"{int(value):,}"
    return f"{value:,.4f}".rstrip("0").rstrip(".")
