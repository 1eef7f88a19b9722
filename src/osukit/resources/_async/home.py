"""Search, tags, seasonal backgrounds and teams."""

from __future__ import annotations

from ...enums import Ruleset
from ...models.misc import SearchResponse, SeasonalBackgroundsResponse, Tag
from ...models.teams import TeamExtended
from .. import home as R
from .._params import InvalidParameterError, check_range, enum_value, ruleset_or_none
from ._base import AsyncResource

__all__ = ["AsyncAccount", "AsyncMisc", "AsyncTeams"]


class AsyncMisc(AsyncResource):
    """``client.misc``: site-wide search, beatmap tags, seasonal backgrounds."""

    async def search(self, query: str, *, mode: R.SearchMode | str = R.SearchMode.ALL, page: int = 1) -> SearchResponse:
        """Search users and wiki pages (osu! returns 20 per page; users only up to the first 100).

        Route: ``GET api/v2/search``. Scope: ``public``.
        """
        if not isinstance(query, str):
            raise InvalidParameterError("query must be a string")
        check_range(page, low=1, high=10**6, name="page")
        return await self._client._call(
            R.SEARCH, params={"query": query, "mode": enum_value(mode, R.SearchMode, "mode"), "page": page}
        )

    async def tags(self) -> list[Tag]:
        """Every user-assignable beatmap tag.

        Route: ``GET api/v2/tags``. Scope: ``public``.
        """
        response = await self._client._call(R.TAGS)
        return list(response.tags)

    async def seasonal_backgrounds(self) -> SeasonalBackgroundsResponse:
        """The current season's menu backgrounds and when the season ends.

        Route: ``GET api/v2/seasonal-backgrounds``. Scope: none (token optional).
        """
        return await self._client._call(R.SEASONAL_BACKGROUNDS)


class AsyncTeams(AsyncResource):
    """``client.teams``: osu! teams."""

    async def get(self, team: int | str, ruleset: Ruleset | str | None = None) -> TeamExtended:
        """A team by id or short name, with its statistics in ``ruleset``.

        Route: ``GET api/v2/teams/{team}/{ruleset?}``. Scope: ``public``.
        """
        return await self._client._call(
            R.TEAM, path={"team": team, "ruleset": ruleset_or_none(ruleset)}
        )


class AsyncAccount(AsyncResource):
    """``client.account``: session verification.

    osu! marks authorization-code and client-credentials tokens verified when
    it issues them, so third-party applications never need these; they exist
    for completeness (and for tokens that start unverified).
    """

    async def verify_session(self, verification_key: str) -> None:
        """Verify the session with the code osu! e-mailed (or a TOTP code).

        Route: ``POST api/v2/session/verify``. Scope: any valid token.
        """
        if not verification_key or not isinstance(verification_key, str):
            raise InvalidParameterError("verification_key must be the code osu! sent")
        await self._client._call(R.SESSION_VERIFY, json={"verification_key": verification_key})

    async def verify_session_mail_fallback(self) -> None:
        """Switch verification from TOTP to an e-mailed code.

        Route: ``POST api/v2/session/verify/mail-fallback``. Scope: any valid token.
        """
        await self._client._call(R.SESSION_VERIFY_MAIL_FALLBACK)

    async def reissue_verification(self) -> None:
        """Send a new verification e-mail (osu! allows 3 per 5 minutes).

        Route: ``POST api/v2/session/verify/reissue``. Scope: any valid token.
        """
        await self._client._call(R.SESSION_VERIFY_REISSUE)
