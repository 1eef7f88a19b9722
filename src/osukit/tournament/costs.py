"""Match costs: one number per player for how much they carried a match.

Two formulas are in common use in the osu! tournament community; pick one with ``formula=``.

**``"bathbot"`` (the default)**: the formula of Bathbot's ``/matchcost`` command since its
2024 rewrite (github.com/MaxOhn/Bathbot, pull request #695; formula image
https://i.imgur.com/zuii7Oj.png, Desmos https://www.desmos.com/calculator/mm4tins990).
For a player with ``n`` scores in a match of ``N`` games:

```python
performance   = mean over their maps of (score / average score of everyone on that map) + 0.5
participation = 1.5 ** (((n - 1) / (N - 1)) ** 0.6)          (1 when N = 1)
mods          = 1 + 0.02 * (M - 2) when M > 2, else 1      (M: distinct mod combinations
                                                            played, NF left out)
tiebreaker    = min(0.5, 0.25 * score / average on the tiebreaker)  when the match is closed,
                had more than 4 games, the teams' map wins differ by exactly 1, and the
                player played the last game (team modes only); else 0
match cost    = performance * participation * mods + tiebreaker
```

**``"dio"``**: D I O's formula, the older community match cost (credited to the player D I O),
still what many tournament Discord bots compute (their ``!mc`` commands say "D I O's
formula"); there is no canonical page for it, and this follows it as those bots implement it:
scores are compared with the *median* of the map, and participation is a cube root against
the median number of maps played:

```python
match cost = (sum over their maps of score / median score of the map) / n
             * cbrt(n / median over players of maps played)
```

Both skip aborted games and zero scores; ``warmups`` and ``skip_last`` drop games at
either end, and ``ez_multiplier`` scales scores with EZ (as Bathbot's option does).
"""

from __future__ import annotations

import functools
import statistics
from typing import Literal

import msgspec

from .._exceptions import InvalidParameterError
from ..game.mods import ModError, Mods
from .results import GameResult, MatchResults

__all__ = ["MatchCost", "match_costs"]

Formula = Literal["bathbot", "dio"]

# Bathbot's constants (see the module docstring for the source).
FLAT_BONUS = 0.5
BASE_PARTICIPATION_BONUS = 1.5
EXP_PARTICIPATION_BONUS = 0.6
MOD_BONUS = 0.02
TIEBREAKER_FACTOR = 0.25
MAX_TIEBREAKER_BONUS = 0.5


class MatchCost(msgspec.Struct, kw_only=True):
    """A player's match cost and its parts.

    Attributes:
        cost: the match cost.
        maps_played: games counted for the player.
        average_score: their mean score over those games.
        performance: Bathbot: mean score ratio + 0.5; D I O: mean score/median ratio.
        participation: the participation factor (Bathbot) or cube-root factor (D I O).
        mods_bonus: Bathbot's mod-combination factor (1 for D I O).
        tiebreaker_bonus: Bathbot's tiebreaker bonus (0 for D I O).
    """

    user_id: int
    username: str | None
    team: str | None
    cost: float
    maps_played: int
    average_score: float
    performance: float
    participation: float
    mods_bonus: float = 1.0
    tiebreaker_bonus: float = 0.0


def _games(results: MatchResults, warmups: int, skip_last: int, ez_multiplier: float) -> list[GameResult]:
    if warmups < 0 or skip_last < 0:
        raise InvalidParameterError("warmups and skip_last must be >= 0")
    games = results.played
    games = games[warmups : len(games) - skip_last if skip_last else None]
    out: list[GameResult] = []
    for g in games:
        scores = []
        for s in g.scores:
            if s.score <= 0:
                continue
            if ez_multiplier != 1.0 and "EZ" in s.mods:
                s = msgspec.structs.replace(s, score=int(s.score * ez_multiplier))
            scores.append(s)
        if scores:
            out.append(msgspec.structs.replace(g, scores=scores))
    return out


def match_costs(
    results: MatchResults,
    *,
    formula: Formula = "bathbot",
    warmups: int = 0,
    skip_last: int = 0,
    ez_multiplier: float = 1.0,
) -> list[MatchCost]:
    """Every player's match cost, highest first.

    Args:
        results: from [`match_results`][osukit.tournament.match_results].
        formula: ``"bathbot"`` or ``"dio"`` (see the module docstring for both formulas and
            where they come from).
        warmups: games to leave out at the start.
        skip_last: games to leave out at the end.
        ez_multiplier: multiply scores with EZ by this (1.0: unchanged).

    Raises:
        InvalidParameterError: an unknown formula or negative counts.
    """
    if formula not in ("bathbot", "dio"):
        raise InvalidParameterError(f"unknown match cost formula {formula!r} (bathbot or dio)")
    games = _games(results, warmups, skip_last, ez_multiplier)
    if not games:
        return []
    per_user: dict[int, list[tuple[int, float, GameResult]]] = {}
    names: dict[int, tuple[str | None, str | None]] = {}
    for g in games:
        values = [s.score for s in g.scores]
        reference = statistics.fmean(values) if formula == "bathbot" else statistics.median(values)
        for s in g.scores:
            per_user.setdefault(s.user_id, []).append((s.score, s.score / reference, g))
            old = names.get(s.user_id, (None, None))
            names[s.user_id] = (old[0] or s.username, old[1] or s.team)
    costs = _bathbot(results, games, per_user, names) if formula == "bathbot" else _dio(per_user, names)
    costs.sort(key=lambda c: c.cost, reverse=True)
    return costs


def _bathbot(
    results: MatchResults,
    games: list[GameResult],
    per_user: dict[int, list[tuple[int, float, GameResult]]],
    names: dict[int, tuple[str | None, str | None]],
) -> list[MatchCost]:
    total = len(games)
    red = sum(1 for g in games if g.winner == "red")
    blue = sum(1 for g in games if g.winner == "blue")
    finished = results.ended_at is not None  # Bathbot: only a closed match has a tiebreaker
    tiebreaker = games[-1] if finished and total > 4 and red and blue and abs(red - blue) == 1 else None
    out: list[MatchCost] = []
    for uid, entries in per_user.items():
        n = len(entries)
        performance = statistics.fmean(r for _, r, _ in entries) + FLAT_BONUS
        exp = (n - 1) / (total - 1) if total > 1 else 0.0
        participation = BASE_PARTICIPATION_BONUS ** (exp**EXP_PARTICIPATION_BONUS)
        combos = {frozenset(m for m in _acronyms(s.mods) if m != "NF")
                  for g in games for s in g.scores if s.user_id == uid}
        mods_bonus = 1.0 + MOD_BONUS * (len(combos) - 2) if len(combos) > 2 else 1.0
        tb_bonus = 0.0
        if tiebreaker is not None and entries[-1][2] is tiebreaker:
            tb_bonus = min(MAX_TIEBREAKER_BONUS, TIEBREAKER_FACTOR * entries[-1][1])
        username, team = names[uid]
        out.append(MatchCost(
            user_id=uid, username=username, team=team,
            cost=performance * participation * mods_bonus + tb_bonus,
            maps_played=n, average_score=statistics.fmean(s for s, _, _ in entries),
            performance=performance, participation=participation, mods_bonus=mods_bonus,
            tiebreaker_bonus=tb_bonus,
        ))
    return out


def _dio(
    per_user: dict[int, list[tuple[int, float, GameResult]]],
    names: dict[int, tuple[str | None, str | None]],
) -> list[MatchCost]:
    lobby = statistics.median(len(e) for e in per_user.values())
    out: list[MatchCost] = []
    for uid, entries in per_user.items():
        n = len(entries)
        performance = sum(r for _, r, _ in entries) / n
        participation = (n / lobby) ** (1.0 / 3.0)
        username, team = names[uid]
        out.append(MatchCost(
            user_id=uid, username=username, team=team, cost=performance * participation, maps_played=n,
            average_score=statistics.fmean(s for s, _, _ in entries), performance=performance,
            participation=participation,
        ))
    return out


@functools.lru_cache(maxsize=256)
def _acronyms(mods: str) -> tuple[str, ...]:
    try:
        return Mods.parse(mods).acronyms
    except ModError:
        return (mods,)
