"""Legacy (stable) multiplayer matches: ``GET /matches`` and ``GET /matches/{match}``."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from msgspec import UNSET, UnsetType

from .beatmaps import Beatmap
from .common import CursorObject, Model, Mods
from .scores import LegacyScore, Score
from .users import UserCompact

__all__ = [
    "LegacyMatchEvent",
    "LegacyMatchGame",
    "LegacyMatchResponse",
    "Match",
    "MatchEvent",
    "MatchEventDetail",
    "MatchGame",
    "MatchResponse",
    "MatchesResponse",
]


class Match(Model):
    """A match (room) of stable multiplayer."""

    id: int
    name: str
    start_time: datetime
    end_time: datetime | None


class MatchGame(Model):
    """A map played in a match, with its scores."""

    id: int
    beatmap_id: int
    start_time: datetime
    end_time: datetime | None
    mode: str
    mode_int: int
    mods: Mods
    scoring_type: str
    team_type: str
    beatmap: Beatmap | UnsetType | None = UNSET
    scores: list[Score] | UnsetType = UNSET
    """The players' scores, new-format (lazer) at ``x-api-version`` ≥ 20220705, with ``match`` slot/team/pass.

    osu-web sends match game scores through ``ScoreTransformer`` like every other score since
    b7ab85a882 (2025-05-15): ``statistics`` as ``great``/``ok``/``meh``/``miss``, ``mods`` as
    objects, ``total_score`` and ``legacy_total_score`` (``app/Models/LegacyMatch/Score.php``).
    """
    match_id: int | UnsetType = UNSET
    """The match this game belongs to (``LegacyMatch/GameTransformer``)."""


class MatchEventDetail(Model):
    """What happened (``match-created``, ``player-joined``, ``other`` for a game …)."""

    type: str
    text: str | UnsetType | None = UNSET


class MatchEvent(Model):
    """One event of a match."""

    id: int
    detail: MatchEventDetail
    timestamp: datetime
    user_id: int | None
    game: MatchGame | UnsetType = UNSET


class MatchesResponse(Model):
    """``GET /matches``."""

    matches: list[Match]
    params: dict[str, Any]
    cursor: CursorObject | UnsetType | None = UNSET
    cursor_string: str | UnsetType | None = UNSET


class MatchResponse(Model):
    """``GET /matches/{match}``: the match, a window of events, and the users in them."""

    match: Match
    events: list[MatchEvent]
    users: list[UserCompact]
    first_event_id: int
    latest_event_id: int
    current_game_id: int | None




class LegacyMatchGame(Model):
    """A match game as sent below ``x-api-version`` 20220705: its scores in the legacy shape."""

    id: int
    beatmap_id: int
    start_time: datetime
    end_time: datetime | None
    mode: str
    mode_int: int
    mods: Mods
    scoring_type: str
    team_type: str
    beatmap: Beatmap | UnsetType | None = UNSET
    scores: list[LegacyScore] | UnsetType = UNSET
    """The players' scores (legacy shape: ``score``, ``statistics.count_*``, mods as acronyms)."""
    match_id: int | UnsetType = UNSET


class LegacyMatchEvent(Model):
    """A match event below ``x-api-version`` 20220705."""

    id: int
    detail: MatchEventDetail
    timestamp: datetime
    user_id: int | None
    game: LegacyMatchGame | UnsetType = UNSET


class LegacyMatchResponse(Model):
    """``GET /matches/{match}`` below ``x-api-version`` 20220705 (legacy-shaped scores)."""

    match: Match
    events: list[LegacyMatchEvent]
    users: list[UserCompact]
    first_event_id: int
    latest_event_id: int
    current_game_id: int | None
