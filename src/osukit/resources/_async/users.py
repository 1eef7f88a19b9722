"""Users: profiles, scores, beatmapsets, activity, kudosu, friends."""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from ... import _constants as C
from ..._async.pagination import AsyncPaginator
from ...enums import Ruleset
from ...models.beatmaps import BeatmapPlaycount, Beatmapset
from ...models.scores import LegacyScore, Score
from ...models.users import Event, KudosuHistory, User, UserCompact, UserRelation
from ...pagination import OffsetStyle
from .. import users as R
from .._params import check_ids, check_limit, enum_value, ruleset_id_or_none, ruleset_or_none, user_key
from ._base import AsyncResource

__all__ = ["AsyncUsers"]


def _items(response: Any) -> Any:
    return response


class AsyncUsers(AsyncResource):
    """``client.users``: everything under ``/users`` and ``/me``."""

    async def me(self, mode: Ruleset | str | None = None) -> User:
        """The user the token acts for, with the statistics of ``mode`` (default: their main ruleset).

        Route: ``GET api/v2/me/{mode?}``. Scope: ``identify`` (a user token or a ``delegate`` token).
        """
        return await self._client._call(R.ME, path={"mode": ruleset_or_none(mode)})

    async def get(self, user: int | str, mode: Ruleset | str | None = None) -> User:
        """A user's profile by id (``2``) or username (``"peppy"`` or ``"@peppy"``).

        Route: ``GET api/v2/users/{user}/{mode?}``. Scope: ``public``.
        Raises [`NotFoundError`][osukit.NotFoundError] for an unknown user.
        """
        path_user, _ = user_key(user)
        return await self._client._call(
            R.GET_USER, path={"user": path_user, "mode": ruleset_or_none(mode)}
        )

    async def get_batch(self, ids: Iterable[int], *, include_variant_statistics: bool = False) -> list[UserCompact]:
        """Up to 50 users by id in one request (order as osu! returns it; unknown ids are left out).

        Route: ``GET api/v2/users``. Scope: ``public``. Costs one request per id
        (three with ``include_variant_statistics``) against the rate limit.
        """
        id_list = check_ids(ids)
        if not id_list:
            return []
        response = await self._client._call(
            R.GET_USERS,
            params={"ids": id_list, "include_variant_statistics": include_variant_statistics or None},
        )
        return list(response.users)

    async def get_many(
        self,
        ids: Iterable[int],
        *,
        include_variant_statistics: bool = False,
        concurrency: int = 4,
        progress: bool | None = False,
    ) -> list[UserCompact | None]:
        """Any number of users by id, in the order asked, ``None`` where a user does not exist.

        Runs as a bulk crawl ([`crawl`][osukit._async.client.AsyncClient.crawl]): duplicate ids are fetched once,
        the rest in chunks of 50 with up to ``concurrency`` requests in flight, every one through
        the client's rate limiter; ``progress=None`` shows a progress bar on a terminal.

        Route: ``GET api/v2/users`` (once per 50 ids). Scope: ``public``.
        """

        async def fetch(chunk: list[int]) -> list[UserCompact]:
            return await self.get_batch(chunk, include_variant_statistics=include_variant_statistics)

        return await self._get_many(fetch, ids, concurrency=concurrency, progress=progress, description="users")

    async def lookup(self, users: Iterable[int | str]) -> list[UserCompact]:
        """Up to 50 users by id or ``@username`` (strings are looked up as usernames).

        Route: ``GET api/v2/users/lookup``. Scope: ``public``.
        """
        keys = [user_key(u)[0] for u in check_ids(users, name="users")]
        if not keys:
            return []
        response = await self._client._call(R.LOOKUP_USERS, params={"ids": keys})
        return list(response.users)

    def scores(
        self,
        user: int,
        type: R.UserScoreType | str,
        *,
        mode: Ruleset | str | None = None,
        include_fails: bool = False,
        legacy_only: bool = False,
        limit: int | None = 100,
        cursor: int | None = None,
    ) -> AsyncPaginator[Score | LegacyScore]:
        """A user's ``best``, ``firsts``, ``recent`` or ``pinned`` scores, newest/best first.

        Iterate it (``async for score in …``) for scores one by one across pages
        (``limit=None``: all of them); ``.pages()`` gives pages with an offset cursor.
        ``recent`` is capped by osu-web at 100 results (and only covers 24 hours).
        Scores are [`Score`][osukit.models.scores.Score] (lazer shape) unless the client's
        ``api_version`` is below 20220705 ([`LegacyScore`][osukit.models.scores.LegacyScore]).

        Route: ``GET api/v2/users/{user}/scores/{type}``. Scope: ``public``.
        """
        kind = enum_value(type, R.UserScoreType, "type")
        check_limit(limit, low=0, high=10**9)
        path_user, _ = user_key(user) if not isinstance(user, int) else (str(user), None)
        cap = C.MAX_USER_LISTING_RESULTS if kind is R.UserScoreType.RECENT else None
        return self._client._paginate(
            R.USER_SCORES,
            path={"user": path_user, "type": kind},
            params={
                "mode": ruleset_or_none(mode),
                "include_fails": 1 if include_fails else None,
                "legacy_only": 1 if legacy_only else None,
            },
            style=OffsetStyle(_items, page_size=100, max_results=cap),
            limit=limit,
            cursor=cursor,
        )

    def beatmapsets(
        self,
        user: int,
        type: R.UserBeatmapsetType | str,
        *,
        limit: int | None = 100,
        cursor: int | None = None,
    ) -> AsyncPaginator[Beatmapset | BeatmapPlaycount]:
        """A user's beatmapsets of one kind (``favourite``, ``ranked``, ``most_played`` …).

        ``most_played`` yields [`BeatmapPlaycount`][osukit.models.beatmaps.BeatmapPlaycount] objects, the
        other kinds [`Beatmapset`][osukit.models.beatmaps.Beatmapset].

        Route: ``GET api/v2/users/{user}/beatmapsets/{type}``. Scope: ``public``.
        """
        kind = enum_value(type, R.UserBeatmapsetType, "type")
        check_limit(limit, low=0, high=10**9)
        model = R.USER_MOST_PLAYED_MODEL if kind is R.UserBeatmapsetType.MOST_PLAYED else list[Beatmapset]
        return self._client._paginate(
            R.USER_BEATMAPSETS,
            path={"user": user, "type": kind},
            style=OffsetStyle(_items, page_size=100),
            limit=limit,
            cursor=cursor,
            model=model,
        )

    def kudosu(self, user: int, *, limit: int | None = 100, cursor: int | None = None) -> AsyncPaginator[KudosuHistory]:
        """A user's kudosu history, newest first (osu-web caps it at 100 entries).

        Route: ``GET api/v2/users/{user}/kudosu``. Scope: ``public``.
        """
        check_limit(limit, low=0, high=C.MAX_USER_LISTING_RESULTS)
        return self._client._paginate(
            R.USER_KUDOSU,
            path={"user": user},
            style=OffsetStyle(_items, page_size=100, max_results=C.MAX_USER_LISTING_RESULTS),
            limit=limit,
            cursor=cursor,
        )

    def recent_activity(self, user: int, *, limit: int | None = 100, cursor: int | None = None) -> AsyncPaginator[Event]:
        """A user's recent activity (ranks, achievements, uploads …), newest first; at most 100.

        Route: ``GET api/v2/users/{user}/recent_activity``. Scope: ``public``.
        """
        check_limit(limit, low=0, high=C.MAX_USER_LISTING_RESULTS)
        return self._client._paginate(
            R.USER_RECENT_ACTIVITY,
            path={"user": user},
            style=OffsetStyle(_items, page_size=100, max_results=C.MAX_USER_LISTING_RESULTS),
            limit=limit,
            cursor=cursor,
        )

    async def beatmaps_passed(
        self,
        user: int,
        beatmapset_ids: Iterable[int],
        *,
        mode: Ruleset | str | None = None,
        exclude_converts: bool = False,
        is_legacy: bool | None = None,
        no_diff_reduction: bool = True,
    ) -> Any:
        """Which beatmaps of up to 50 beatmapsets the user has passed.

        Route: ``GET api/v2/users/{user}/beatmaps-passed``. Scope: ``public``.
        Costs one request per beatmapset id.
        """
        ids = check_ids(beatmapset_ids, name="beatmapset_ids")
        return await self._client._call(
            R.USER_BEATMAPS_PASSED,
            path={"user": user},
            params={
                "beatmapset_ids": ids,
                "ruleset_id": ruleset_id_or_none(mode),
                "exclude_converts": 1 if exclude_converts else None,
                "is_legacy": None if is_legacy is None else int(is_legacy),
                "no_diff_reduction": int(no_diff_reduction),
            },
        )

    async def favourite_beatmapset_ids(self) -> list[int]:
        """Ids of the beatmapsets the token's user has favourited.

        Route: ``GET api/v2/me/beatmapset-favourites``. Scope: ``identify``.
        """
        response = await self._client._call(R.FAVOURITE_BEATMAPSETS)
        return list(response.beatmapset_ids)

    async def friends(self) -> list[UserRelation] | list[User]:
        """The token's user's friends: [`UserRelation`][osukit.models.users.UserRelation] objects (``api_version``
        ≥ 20241022, the default) or plain users below that.

        Route: ``GET api/v2/friends``. Scope: ``friends.read``.
        """
        if self._client.api_version >= C.FRIEND_RELATIONS_API_VERSION:
            return await self._client._call(R.FRIENDS)
        return await self._client._call(R.FRIENDS, model=list[User])
