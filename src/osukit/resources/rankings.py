"""Ranking group: routes and parameter types (rankings, kudosu ranking, spotlights)."""

from __future__ import annotations

from .._route import route
from ..enums import OsuStrEnum
from ..models.rankings import CountryRankings, KudosuRanking, Rankings, SpotlightsResponse


class RankingType(OsuStrEnum):
    """Which ranking of ``GET /rankings/{mode}/{type}``."""

    CHARTS = "charts"
    COUNTRY = "country"
    PERFORMANCE = "performance"
    SCORE = "score"
    TEAM = "team"


RANKING_VARIANTS: dict[str, tuple[str, ...]] = {"mania": ("4k", "7k")}
"""Ranking variants per ruleset (osu-web ``Beatmap::VARIANTS``); ``all`` (or none) is the whole ruleset."""
BY_COUNTRY = frozenset({RankingType.PERFORMANCE, RankingType.SCORE})
"""The rankings ``country`` and ``variant`` filter (osu-web ``RankingController``: the ``global`` type,
by performance or by score)."""


class RankingFilter(OsuStrEnum):
    """``all`` players or only ``friends`` (needs a user token)."""

    ALL = "all"
    FRIENDS = "friends"


RANKINGS = route("GET", "api/v2/rankings/{mode}/{type}", scope="public", name="rankings.get", response=Rankings,
                 paginated="cursor_string")
COUNTRY_RANKINGS_MODEL = CountryRankings
KUDOSU = route("GET", "api/v2/rankings/kudosu", scope="public", name="rankings.kudosu", response=KudosuRanking,
               paginated="page")
SPOTLIGHTS = route("GET", "api/v2/spotlights", scope="public", name="rankings.spotlights",
                   response=SpotlightsResponse)
