"""Tournament and lobby toolkit: mappools, the pick/ban state machine, match results and
match costs, star ratings per pool slot, a match runner and an auto-host bot.

See the docs page "Running a tournament match". Everything here is importable without
extras; plots need ``osukit[plot]``, rosu-pp star ratings ``osukit[pp]``, YAML pools PyYAML.
"""

from __future__ import annotations

from ._errors import DraftError, PoolError, RunnerError, TournamentError
from .costs import MatchCost, match_costs
from .draft import Ban, Draft, MapPlayed, Step, other
from .pool import DEFAULT_FREE_MODS, Mappool, MatchFormat, PoolSlot, load_pool, pool_from_dict
from .results import (
    GameResult,
    MatchResults,
    PlayerResult,
    PlayerScore,
    afetch_results,
    fetch_results,
    match_results,
)

__all__ = [
    "DEFAULT_FREE_MODS",
    "Ban",
    "Draft",
    "DraftError",
    "GameResult",
    "MapPlayed",
    "Mappool",
    "MatchCost",
    "MatchFormat",
    "MatchResults",
    "PlayerResult",
    "PlayerScore",
    "PoolError",
    "PoolSlot",
    "RunnerError",
    "Step",
    "TournamentError",
    "afetch_results",
    "fetch_results",
    "load_pool",
    "match_costs",
    "match_results",
    "other",
    "pool_from_dict",
]
