"""Beatmaps group: routes and parameter types (``/beatmaps``, packs, leaderboards, attributes)."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from .._route import route
from ..enums import OsuStrEnum
from ..models.beatmaps import (
    Beatmap,
    BeatmapAttributesResponse,
    BeatmapPack,
    BeatmapPacksResponse,
    BeatmapsResponse,
)
from ..models.scores import (
    BeatmapScores,
    BeatmapUserScore,
    BeatmapUserScores,
    LegacyBeatmapScores,
    LegacyBeatmapUserScore,
    LegacyBeatmapUserScores,
)


class LeaderboardType(OsuStrEnum):
    """Which leaderboard of a beatmap (country, friend and team need a supporter user token)."""

    GLOBAL = "global"
    COUNTRY = "country"
    FRIEND = "friend"
    TEAM = "team"


class BeatmapPackType(OsuStrEnum):
    """Kind of beatmap pack."""

    STANDARD = "standard"
    FEATURED = "featured"
    TOURNAMENT = "tournament"
    LOVED = "loved"
    CHART = "chart"
    THEME = "theme"
    ARTIST = "artist"


def _ids_cost(params: Mapping[str, Any]) -> int:
    return 1


LOOKUP = route("GET", "api/v2/beatmaps/lookup", scope="public", name="beatmaps.lookup", response=Beatmap)
PACKS = route("GET", "api/v2/beatmaps/packs", scope="public", name="beatmaps.packs",
              response=BeatmapPacksResponse, paginated="cursor_string")
PACK = route("GET", "api/v2/beatmaps/packs/{pack}", scope="public", name="beatmaps.pack", response=BeatmapPack)
USER_SCORE = route("GET", "api/v2/beatmaps/{beatmap}/scores/users/{user}", scope="public",
                   name="beatmaps.user_score", response=BeatmapUserScore, legacy_response=LegacyBeatmapUserScore)
USER_SCORES = route("GET", "api/v2/beatmaps/{beatmap}/scores/users/{user}/all", scope="public",
                    name="beatmaps.user_scores", response=BeatmapUserScores,
                    legacy_response=LegacyBeatmapUserScores)
SCORES = route("GET", "api/v2/beatmaps/{beatmap}/scores", scope="public", name="beatmaps.scores",
               response=BeatmapScores, legacy_response=LegacyBeatmapScores)
SOLO_SCORES = route("GET", "api/v2/beatmaps/{beatmap}/solo-scores", scope="public", name="beatmaps.solo_scores",
                    response=BeatmapScores)
GET_MANY = route("GET", "api/v2/beatmaps", scope="public", name="beatmaps.get_batch", response=BeatmapsResponse)
GET = route("GET", "api/v2/beatmaps/{beatmap}", scope="public", name="beatmaps.get", response=Beatmap)
ATTRIBUTES = route("POST", "api/v2/beatmaps/{beatmap}/attributes", scope="public", name="beatmaps.attributes",
                   response=BeatmapAttributesResponse)
