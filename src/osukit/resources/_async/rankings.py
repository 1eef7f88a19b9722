"""Rankings, the kudosu ranking and spotlights."""

from __future__ import annotations

from typing import Any

from ..._async.pagination import AsyncPaginator
from ...enums import Ruleset
from ...models.rankings import Spotlight
from ...models.users import UserCompact
from ...pagination import CursorStringStyle, PageStyle
from .. import rankings as R
from .._params import InvalidParameterError, check_limit, enum_value, ruleset_or_none
from ._base import AsyncResource

__all__ = ["AsyncRankings"]


class AsyncRankings(AsyncResource):
    """``client.rankings``: performance/score/country/charts/team rankings, kudosu, spotlights."""

    def get(
        self,
        mode: Ruleset | str,
        type: R.RankingType | str = R.RankingType.PERFORMANCE,
        *,
        country: str | None = None,
        filter: R.RankingFilter | str = R.RankingFilter.ALL,
        spotlight: int | None = None,
        variant: str | None = None,
        limit: int | None = 50,
        cursor: str | None = None,
    ) -> AsyncPaginator[Any]:
        """A ranking, 50 entries per page: ``UserStatistics`` (with ``user``) for performance, score,
        charts and team; ``CountryStatistics`` for country. ``.pages()`` exposes ``total`` and, for
        charts, the spotlight and its beatmapsets.

        Route: ``GET api/v2/rankings/{mode}/{type}``. Scope: ``public``. Paginated by ``cursor_string``.
        """
        kind = enum_value(type, R.RankingType, "type")
        ruleset = ruleset_or_none(mode)
        if ruleset is None:
            raise InvalidParameterError("mode is required")
        if country is not None and kind not in R.BY_COUNTRY:
            raise InvalidParameterError("country filters only the performance and score rankings")
        if variant not in (None, "all") and (
                kind not in R.BY_COUNTRY or variant not in R.RANKING_VARIANTS.get(ruleset.value, ())):
            known = ", ".join(f"{v} ({m})" for m, vs in R.RANKING_VARIANTS.items() for v in vs)
            raise InvalidParameterError(f"variant must be all or one of {known} for the performance and score "
                                        f"rankings; got {variant!r} for {ruleset.value} {kind.value}")
        if spotlight is not None and kind is not R.RankingType.CHARTS:
            raise InvalidParameterError("spotlight applies only to the charts ranking")
        check_limit(limit, low=0, high=10**9)
        model = R.COUNTRY_RANKINGS_MODEL if kind is R.RankingType.COUNTRY else R.RANKINGS.response
        return self._client._paginate(
            R.RANKINGS,
            path={"mode": ruleset, "type": kind},
            params={
                "country": country,
                "filter": enum_value(filter, R.RankingFilter, "filter"),
                "spotlight": spotlight,
                "variant": variant,
            },
            style=CursorStringStyle(lambda r: r.ranking),
            limit=limit,
            cursor=cursor,
            model=model,
        )

    def kudosu(self, *, limit: int | None = 50, cursor: int | None = None) -> AsyncPaginator[UserCompact]:
        """Users by kudosu, 50 per page.

        Route: ``GET api/v2/rankings/kudosu``. Scope: ``public``. Paginated by ``page``.
        """
        check_limit(limit, low=0, high=10**9)
        return self._client._paginate(
            R.KUDOSU, style=PageStyle(lambda r: r.ranking, page_size=50), limit=limit, cursor=cursor
        )

    async def spotlights(self) -> list[Spotlight]:
        """Every spotlight (for the charts ranking).

        Route: ``GET api/v2/spotlights``. Scope: ``public``.
        """
        response = await self._client._call(R.SPOTLIGHTS)
        return list(response.spotlights)
