"""The pick/ban state machine of a match: pure, serialisable, no I/O.

`Draft` knows whose turn it is, refuses picks and bans the rules do not
allow, records each map's result, and says when the match is over:

```python
draft = Draft.new(pool, team_a="Red Pandas", team_b="Blue Whales")
draft.next_step()            # Step(kind='ban', team='a')
draft.ban("a", "HD1")
draft.ban("b", "NM2")
draft.pick("a", "DT1")       # Step(kind='play', team='a', slot='DT1')
draft.record(512_000, 498_000)  # team a wins DT1
draft.to_json()              # save; Draft.from_json(...) resumes
```

Rules (from [`MatchFormat`][osukit.tournament.MatchFormat]): ``bans_per_team`` bans each,
alternating from ``first_ban``; then picks, alternating from ``first_pick`` (or, with
``pick_rule = "loser"``, the loser of the last map picks); a banned or played slot
cannot be picked, the tiebreaker is never picked or banned; at
``wins_needed - 1`` each the tiebreaker is played; the first team to ``wins_needed``
wins. A tied map is replayed. An abort inside the abort window replays the map and
counts against the team that asked, up to ``aborts_per_team``.
"""

from __future__ import annotations

from typing import Literal

import msgspec

from ._errors import DraftError
from .pool import Mappool, PoolSlot

__all__ = ["Ban", "Draft", "MapPlayed", "Step", "TeamKey", "other"]

TeamKey = Literal["a", "b"]
StepKind = Literal["ban", "pick", "play", "done"]


def other(team: TeamKey) -> TeamKey:
    """The other team."""
    return "b" if team == "a" else "a"


def _team(value: str) -> TeamKey:
    key = value.strip().lower()
    if key == "a":
        return "a"
    if key == "b":
        return "b"
    raise DraftError(f"unknown team {value!r} (expected 'a' or 'b')", reason="unknown_team")


class Ban(msgspec.Struct, frozen=True, kw_only=True):
    """A slot one team banned."""

    team: TeamKey
    slot: str


class MapPlayed(msgspec.Struct, kw_only=True):
    """A pick (or the tiebreaker) and, once played, its result.

    Attributes:
        slot: the slot's name.
        team: the team that picked it (None for the tiebreaker).
        score_a, score_b: the teams' results (total score, or accuracy in percent with
            ``win_condition = "accuracy"``); None until played.
        winner: the team that won the map; None until played.
        attempts: times the map was started (aborts and ties replay it).
    """

    slot: str
    team: TeamKey | None
    score_a: float | None = None
    score_b: float | None = None
    winner: TeamKey | None = None
    attempts: int = 0


class Step(msgspec.Struct, frozen=True, kw_only=True):
    """What the match waits for: ``ban``/``pick`` by ``team``, ``play`` of ``slot``, or ``done``."""

    kind: StepKind
    team: TeamKey | None = None
    slot: str | None = None


class Draft(msgspec.Struct, kw_only=True):
    """The state of one match. Mutated by `ban`, `pick`, `record`, `abort`."""

    pool: Mappool
    team_a: str = "Team A"
    team_b: str = "Team B"
    bans: list[Ban] = msgspec.field(default_factory=list)
    maps: list[MapPlayed] = msgspec.field(default_factory=list)
    aborts: dict[str, int] = msgspec.field(default_factory=dict)
    forfeit: TeamKey | None = None
    """A team that forfeited (the other wins); set by `concede`."""

    @classmethod
    def new(cls, pool: Mappool, *, team_a: str = "Team A", team_b: str = "Team B") -> Draft:
        """A match that has not started."""
        return cls(pool=pool, team_a=team_a, team_b=team_b)

    # --- reading -----------------------------------------------------------------------------

    def name_of(self, team: TeamKey) -> str:
        return self.team_a if team == "a" else self.team_b

    @property
    def wins(self) -> dict[TeamKey, int]:
        """Map wins so far: ``{"a": 2, "b": 1}``."""
        out: dict[TeamKey, int] = {"a": 0, "b": 0}
        for m in self.maps:
            if m.winner is not None:
                out[m.winner] += 1
        return out

    @property
    def winner(self) -> TeamKey | None:
        """The team that won the match, or None while it goes on."""
        if self.forfeit is not None:
            return other(self.forfeit)
        need = self.pool.format.wins_needed
        for team, count in self.wins.items():
            if count >= need:
                return team
        played = [m for m in self.maps if m.winner is not None]
        if self.pool.format.tiebreaker is None and len(played) >= self.pool.format.best_of:
            a, b = self.wins["a"], self.wins["b"]
            if a != b:
                return "a" if a > b else "b"
        return None

    @property
    def pending(self) -> MapPlayed | None:
        """The map picked but not yet won (the one being played), if any."""
        return next((m for m in self.maps if m.winner is None), None)

    @property
    def used_slots(self) -> set[str]:
        """Slots that are banned or were picked."""
        return {b.slot for b in self.bans} | {m.slot for m in self.maps}

    @property
    def available(self) -> list[PoolSlot]:
        """Slots that can still be picked."""
        used = self.used_slots
        return [s for s in self.pool.pickable if s.name not in used]

    def _ban_order(self) -> list[TeamKey]:
        first = self.pool.format.first_ban
        return [first if i % 2 == 0 else other(first) for i in range(2 * self.pool.format.bans_per_team)]

    def _picker(self) -> TeamKey:
        fmt = self.pool.format
        picks = [m for m in self.maps if m.team is not None]
        if not picks:
            return fmt.first_pick
        if fmt.pick_rule == "loser":
            last = self.maps[-1]
            if last.winner is not None:
                return other(last.winner)
        return other(picks[-1].team) if picks[-1].team is not None else fmt.first_pick

    def next_step(self) -> Step:
        """What the match waits for now."""
        if self.winner is not None:
            return Step(kind="done", team=self.winner)
        pending = self.pending
        if pending is not None:
            return Step(kind="play", team=pending.team, slot=pending.slot)
        order = self._ban_order()
        if len(self.bans) < len(order):
            return Step(kind="ban", team=order[len(self.bans)])
        fmt = self.pool.format
        need = fmt.wins_needed
        wins = self.wins
        tb = self.pool.tiebreaker
        if tb is not None and wins["a"] == need - 1 and wins["b"] == need - 1:
            return Step(kind="play", team=None, slot=tb.name)
        if not self.available:
            # Pool exhausted (only with a pool the format check did not see): the tiebreaker is
            # played only at (wins_needed - 1) each, above; otherwise the referee settles the
            # match (concede()).
            return Step(kind="done", team=None)
        return Step(kind="pick", team=self._picker())

    # --- changing ----------------------------------------------------------------------------

    def _slot(self, name: str) -> PoolSlot:
        slot = self.pool.get(name)
        if slot is None:
            names = ", ".join(s.name for s in self.available) or "none"
            raise DraftError(f"there is no slot {name!r} in the pool (still available: {names})",
                             reason="unknown_slot")
        return slot

    def _check_turn(self, kind: StepKind, team: TeamKey, slot: PoolSlot) -> None:
        step = self.next_step()
        if step.kind == "done":
            raise DraftError("the match is over", reason="match_over")
        if step.kind != kind:
            now = f"{step.kind} of {step.slot}" if step.kind == "play" else f"a {step.kind}"
            raise DraftError(f"it is not time to {kind}: the match waits for {now}", reason="wrong_phase")
        if step.team != team:
            raise DraftError(
                f"it is {self.name_of(other(team))}'s turn to {kind}, not {self.name_of(team)}'s",
                reason="not_your_turn",
            )
        tb = self.pool.tiebreaker
        if tb is not None and slot.name == tb.name:
            raise DraftError(f"{slot.name} is the tiebreaker: it cannot be {kind}ned" if kind == "ban"
                             else f"{slot.name} is the tiebreaker: it cannot be picked", reason="tiebreaker_slot")
        if any(b.slot == slot.name for b in self.bans):
            raise DraftError(f"{slot.name} is banned", reason="banned")
        if any(m.slot == slot.name for m in self.maps):
            raise DraftError(f"{slot.name} was already picked", reason="already_picked")

    def ban(self, team: str, slot: str) -> Step:
        """``team`` bans ``slot``; returns the next step. Raises `DraftError` when refused."""
        key = _team(team)
        s = self._slot(slot)
        self._check_turn("ban", key, s)
        self.bans.append(Ban(team=key, slot=s.name))
        return self.next_step()

    def pick(self, team: str, slot: str) -> Step:
        """``team`` picks ``slot``; returns the next step (``play`` of that slot)."""
        key = _team(team)
        s = self._slot(slot)
        self._check_turn("pick", key, s)
        self.maps.append(MapPlayed(slot=s.name, team=key))
        return self.next_step()

    def start_map(self) -> MapPlayed:
        """The map to play now (adding the tiebreaker when it is due); counts an attempt."""
        step = self.next_step()
        if step.kind != "play" or step.slot is None:
            raise DraftError(f"no map to play: the match waits for {step.kind}", reason="no_pending_map")
        pending = self.pending
        if pending is None:  # the tiebreaker
            pending = MapPlayed(slot=step.slot, team=None)
            self.maps.append(pending)
        pending.attempts += 1
        return pending

    def record(self, score_a: float, score_b: float) -> Step:
        """The result of the map being played; a tie replays it. Returns the next step."""
        step = self.next_step()
        if step.kind != "play":
            raise DraftError(f"no map is being played: the match waits for {step.kind}", reason="no_pending_map")
        pending = self.pending
        if pending is None:
            pending = MapPlayed(slot=step.slot or "", team=None, attempts=1)
            self.maps.append(pending)
        if score_a != score_b:
            pending.score_a = score_a
            pending.score_b = score_b
            pending.winner = "a" if score_a > score_b else "b"
        return self.next_step()

    def abort(self, team: str) -> int:
        """Count an abort asked for by ``team`` (the map is replayed); returns the aborts it has left.

        Raises:
            DraftError: no map is being played, or the team has no aborts left (``abort_limit``).
        """
        key = _team(team)
        if self.next_step().kind != "play":
            raise DraftError("no map is being played", reason="no_pending_map")
        used = self.aborts.get(key, 0)
        limit = self.pool.format.aborts_per_team
        if used >= limit:
            raise DraftError(f"{self.name_of(key)} has no aborts left ({limit} per match)", reason="abort_limit")
        self.aborts[key] = used + 1
        return limit - used - 1

    def concede(self, team: str) -> None:
        """``team`` forfeits: the other team wins the match."""
        self.forfeit = _team(team)

    # --- saving ------------------------------------------------------------------------------

    def to_json(self) -> bytes:
        """The whole state as JSON (pool and format included)."""
        return msgspec.json.encode(self)

    @classmethod
    def from_json(cls, data: bytes | str) -> Draft:
        """A draft saved by `to_json`."""
        try:
            return msgspec.json.decode(data, type=cls)
        except (msgspec.DecodeError, msgspec.ValidationError, RecursionError) as exc:
            from ._errors import RunnerError

            raise RunnerError(f"not a saved match state: {exc}") from None

    def summary(self) -> str:
        """``Red Pandas 2 - 1 Blue Whales (next: pick by Blue Whales)``."""
        wins = self.wins
        step = self.next_step()
        if step.kind == "done":
            tail = f"winner: {self.name_of(step.team)}" if step.team else "over"
        elif step.kind == "play":
            tail = f"playing {step.slot}"
        else:
            tail = f"next: {step.kind} by {self.name_of(step.team or 'a')}"
        return f"{self.team_a} {wins['a']} - {wins['b']} {self.team_b} ({tail})"
