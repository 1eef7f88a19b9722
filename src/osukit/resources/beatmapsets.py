"""Beatmapsets group: routes and search parameters (``/beatmapsets``)."""

from __future__ import annotations

from .._route import route
from ..enums import OsuStrEnum
from ..models.beatmaps import Beatmapset, BeatmapsetSearchResponse


class SearchCategory(OsuStrEnum):
    """Status filter of the beatmap listing (``s``)."""

    ANY = "any"
    LEADERBOARD = "leaderboard"
    RANKED = "ranked"
    QUALIFIED = "qualified"
    LOVED = "loved"
    FAVOURITES = "favourites"
    PENDING = "pending"
    WIP = "wip"
    GRAVEYARD = "graveyard"
    MINE = "mine"


class SearchSort(OsuStrEnum):
    """Sort of the beatmap listing (``sort``)."""

    TITLE_ASC = "title_asc"
    TITLE_DESC = "title_desc"
    ARTIST_ASC = "artist_asc"
    ARTIST_DESC = "artist_desc"
    CREATOR_ASC = "creator_asc"
    CREATOR_DESC = "creator_desc"
    DIFFICULTY_ASC = "difficulty_asc"
    DIFFICULTY_DESC = "difficulty_desc"
    RANKED_ASC = "ranked_asc"
    RANKED_DESC = "ranked_desc"
    RATING_ASC = "rating_asc"
    RATING_DESC = "rating_desc"
    PLAYS_ASC = "plays_asc"
    PLAYS_DESC = "plays_desc"
    FAVOURITES_ASC = "favourites_asc"
    FAVOURITES_DESC = "favourites_desc"
    UPDATED_ASC = "updated_asc"
    UPDATED_DESC = "updated_desc"
    NOMINATIONS_ASC = "nominations_asc"
    NOMINATIONS_DESC = "nominations_desc"
    RELEVANCE_DESC = "relevance_desc"
    RELEVANCE_ASC = "relevance_asc"


SEARCH_EXTRAS = ("video", "storyboard")
SEARCH_GENERAL = ("recommended", "converts", "follows", "spotlights", "featured_artists")
SEARCH_PLAYED = ("any", "played", "unplayed")
SEARCH_RANKS = ("XH", "X", "SH", "S", "A", "B", "C", "D")
"""Values of the search's ``e``, ``c``, ``played`` and ``r`` (osu-web ``BeatmapsetSearchRequestParams``)."""

SEARCH = route("GET", "api/v2/beatmapsets/search", scope="public", name="beatmapsets.search",
               response=BeatmapsetSearchResponse, paginated="cursor_string")
LOOKUP = route("GET", "api/v2/beatmapsets/lookup", scope="public", name="beatmapsets.lookup", response=Beatmapset)
GET = route("GET", "api/v2/beatmapsets/{beatmapset}", scope="public", name="beatmapsets.get", response=Beatmapset)
