"""Home group and small odds and ends: search, tags, seasonal backgrounds, teams, token revocation."""

from __future__ import annotations

from .._route import route
from ..enums import OsuStrEnum
from ..models.misc import SearchResponse, SeasonalBackgroundsResponse, TagsResponse
from ..models.teams import TeamExtended


class SearchMode(OsuStrEnum):
    """What ``GET /search`` looks for."""

    ALL = "all"
    USER = "user"
    WIKI_PAGE = "wiki_page"


SEARCH = route("GET", "api/v2/search", scope="public", name="search", response=SearchResponse, paginated="page")
TAGS = route("GET", "api/v2/tags", scope="public", name="misc.tags", response=TagsResponse)
SEASONAL_BACKGROUNDS = route("GET", "api/v2/seasonal-backgrounds", scope=None, name="misc.seasonal_backgrounds",
                             response=SeasonalBackgroundsResponse)
TEAM = route("GET", "api/v2/teams/{team}/{ruleset?}", scope="public", name="teams.get", response=TeamExtended)
REVOKE_TOKEN = route("DELETE", "api/v2/oauth/tokens/current", scope="any", name="revoke_token", response=None)
