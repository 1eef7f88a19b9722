"""Beatmapsets: search, lookup, details (discussions and events live in ``client.discussions``)."""

from __future__ import annotations

from collections.abc import Iterable

from ..._async.pagination import AsyncPaginator
from ...enums import Ruleset
from ...models.beatmaps import Beatmapset
from ...pagination import CursorStringStyle
from .. import beatmapsets as R
from .._params import check_limit, choice, choices, enum_value, ruleset_id_or_none
from ._base import AsyncResource

__all__ = ["AsyncBeatmapsets"]


class AsyncBeatmapsets(AsyncResource):
    """``client.beatmapsets``: the beatmap listing (search) and beatmapset details."""

    def search(
        self,
        query: str = "",
        *,
        mode: Ruleset | str | None = None,
        category: R.SearchCategory | str | None = None,
        sort: R.SearchSort | str | None = None,
        genre: int | None = None,
        language: int | None = None,
        nsfw: bool | None = None,
        extra: Iterable[str] = (),
        general: Iterable[str] = (),
        played: str | None = None,
        rank: Iterable[str] = (),
        limit: int | None = 50,
        cursor: str | None = None,
    ) -> AsyncPaginator[Beatmapset]:
        """Search the beatmap listing (50 sets per page), as on the website.

        ``extra`` takes ``video``/``storyboard``, ``general`` e.g. ``recommended``,
        ``converts``, ``follows``, ``spotlights``, ``featured_artists``; ``rank``
        grades (supporter only). Each page's ``response`` has ``total``.

        Route: ``GET api/v2/beatmapsets/search``. Scope: ``public``. Paginated by ``cursor_string``.
        """
        check_limit(limit, low=0, high=10**9)
        params = {
            "q": query or None,
            "m": ruleset_id_or_none(mode),
            "s": enum_value(category, R.SearchCategory, "category") if category is not None else None,
            "sort": enum_value(sort, R.SearchSort, "sort") if sort is not None else None,
            "g": genre,
            "l": language,
            "nsfw": None if nsfw is None else nsfw,
            # osu-web BeatmapsetSearchRequestParams AVAILABLE_EXTRAS / _GENERAL / _PLAYED / _RANKS
            "e": ".".join(choices(extra, R.SEARCH_EXTRAS, "extra")) or None,
            "c": ".".join(choices(general, R.SEARCH_GENERAL, "general")) or None,
            "played": choice(played, R.SEARCH_PLAYED, "played"),
            "r": ".".join(choices(rank, R.SEARCH_RANKS, "rank")) or None,
        }
        return self._client._paginate(
            R.SEARCH, params=params, style=CursorStringStyle(lambda resp: resp.beatmapsets), limit=limit, cursor=cursor
        )

    async def get(self, beatmapset: int) -> Beatmapset:
        """A beatmapset with its beatmaps, converts, description, nominations, ratings…

        Route: ``GET api/v2/beatmapsets/{beatmapset}``. Scope: ``public``.
        """
        return await self._client._call(R.GET, path={"beatmapset": beatmapset})

    async def lookup(self, beatmap_id: int) -> Beatmapset:
        """The beatmapset a beatmap belongs to.

        Route: ``GET api/v2/beatmapsets/lookup``. Scope: ``public``.
        """
        return await self._client._call(R.LOOKUP, params={"beatmap_id": beatmap_id})
