"""Rankings and spotlights (``GET /rankings/...``, ``GET /spotlights``)."""

from __future__ import annotations

from datetime import datetime

from msgspec import UNSET, UnsetType

from .beatmaps import Beatmapset
from .common import CursorObject, Model
from .users import Country, UserCompact, UserStatistics

__all__ = ["CountryRankings", "CountryStatistics", "KudosuRanking", "Rankings", "Spotlight", "SpotlightsResponse"]


class CountryStatistics(Model):
    """A country's entry in the country ranking."""

    code: str
    active_users: int
    play_count: int
    ranked_score: int
    performance: float
    country: Country | UnsetType = UNSET


class Spotlight(Model):
    """A spotlight (seasonal chart)."""

    id: int
    name: str
    type: str
    """``monthly``, ``spotlight``, ``theme``, ``special`` or ``bestof``."""
    start_date: datetime
    end_date: datetime
    mode_specific: bool
    participant_count: int | UnsetType | None = UNSET


class Rankings(Model):
    """``GET /rankings/{mode}/{type}``: a page of the performance, score, charts or team ranking
    (``UserStatistics`` entries with their ``user``)."""

    ranking: list[UserStatistics]
    cursor: CursorObject | UnsetType | None = UNSET
    cursor_string: str | UnsetType | None = UNSET
    total: int | UnsetType = UNSET
    beatmapsets: list[Beatmapset] | UnsetType = UNSET
    """The spotlight's beatmapsets (charts)."""
    spotlight: Spotlight | UnsetType = UNSET


class CountryRankings(Model):
    """``GET /rankings/{mode}/country``: a page of the country ranking."""

    ranking: list[CountryStatistics]
    cursor: CursorObject | UnsetType | None = UNSET
    cursor_string: str | UnsetType | None = UNSET
    total: int | UnsetType = UNSET


class SpotlightsResponse(Model):
    """``GET /spotlights``."""

    spotlights: list[Spotlight]


class KudosuRanking(Model):
    """``GET /rankings/kudosu``: users with their ``kudosu``."""

    ranking: list[UserCompact]
