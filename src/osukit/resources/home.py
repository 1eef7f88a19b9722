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


SEARCH = route("GET", "api/v2/search", scope="public", name="misc.search", response=SearchResponse, paginated="page")
TAGS = route("GET", "api/v2/tags", scope="public", name="misc.tags", response=TagsResponse)
SEASONAL_BACKGROUNDS = route("GET", "api/v2/seasonal-backgrounds", scope=None, name="misc.seasonal_backgrounds",
                             response=SeasonalBackgroundsResponse)
TEAM = route("GET", "api/v2/teams/{team}/{ruleset?}", scope="public", name="teams.get", response=TeamExtended)
REVOKE_TOKEN = route("DELETE", "api/v2/oauth/tokens/current", scope="any", name="revoke_token", response=None)

# Session verification: only tokens that start unverified (osu!lazer's password grant) need it;
# authorization-code and client-credentials tokens are verified when issued.
SESSION_VERIFY = route("POST", "api/v2/session/verify", scope="any", name="account.verify_session", response=None)
SESSION_VERIFY_MAIL_FALLBACK = route("POST", "api/v2/session/verify/mail-fallback", scope="any",
                                     name="account.verify_session_mail_fallback", response=None)
SESSION_VERIFY_REISSUE = route("POST", "api/v2/session/verify/reissue", scope="any",
                               name="account.reissue_verification", response=None)
