"""Beatmapset discussions, posts, votes and events (``client.discussions``); site events (``client.events``)."""

from __future__ import annotations

import datetime as _dt
from collections.abc import Iterable

from ..._async.pagination import AsyncPaginator
from ...models.discussions import (
    BeatmapsetDiscussion,
    BeatmapsetDiscussionPost,
    BeatmapsetDiscussionVote,
    BeatmapsetEvent,
)
from ...models.users import Event
from ...pagination import CursorStringStyle, PageStyle
from .. import discussions as R
from .._params import check_limit, choice, choices
from ._base import AsyncResource

__all__ = ["AsyncDiscussions", "AsyncEvents"]


class AsyncDiscussions(AsyncResource):
    """``client.discussions``: beatmapset modding threads, their posts and votes, and beatmapset events."""

    def list(
        self,
        *,
        beatmapset_id: int | None = None,
        beatmap_id: int | None = None,
        user: int | None = None,
        message_types: Iterable[str] = (),
        only_unresolved: bool = False,
        beatmapset_status: str | None = None,
        sort: str | None = None,
        page_size: int = 50,
        limit: int | None = 50,
        cursor: str | None = None,
    ) -> AsyncPaginator[BeatmapsetDiscussion]:
        """Discussions (modding threads), newest first.

        Route: ``GET api/v2/beatmapsets/discussions``. Scope: ``public``. Paginated by ``cursor_string``.
        """
        check_limit(page_size, low=1, high=50, name="page_size")
        check_limit(limit, low=0, high=10**9)
        return self._client._paginate(
            R.DISCUSSIONS,
            params={"beatmapset_id": beatmapset_id, "beatmap_id": beatmap_id, "user": user,
                    "message_types": choices(message_types, R.MESSAGE_TYPES, "message_types") or None,
                    "only_unresolved": only_unresolved or None,
                    "beatmapset_status": choice(beatmapset_status, R.BEATMAPSET_STATUSES, "beatmapset_status"),
                    "sort": choice(sort, R.ID_SORTS, "sort"), "limit": page_size},
            style=CursorStringStyle(lambda r: r.discussions),
            limit=limit,
            cursor=cursor,
        )

    def posts(
        self,
        *,
        discussion_id: int | None = None,
        user: int | None = None,
        types: Iterable[str] = (),
        sort: str | None = None,
        page_size: int = 50,
        limit: int | None = 50,
        cursor: str | None = None,
    ) -> AsyncPaginator[BeatmapsetDiscussionPost]:
        """Discussion posts, newest first.

        Route: ``GET api/v2/beatmapsets/discussions/posts``. Scope: ``public``. Paginated by ``cursor_string``.
        """
        check_limit(page_size, low=1, high=50, name="page_size")
        check_limit(limit, low=0, high=10**9)
        return self._client._paginate(
            R.POSTS,
            params={"beatmapset_discussion_id": discussion_id, "user": user,
                    "types": choices(types, R.POST_TYPES, "types") or None,
                    "sort": choice(sort, R.ID_SORTS, "sort"), "limit": page_size},
            style=CursorStringStyle(lambda r: r.posts),
            limit=limit,
            cursor=cursor,
        )

    def votes(
        self,
        *,
        discussion_id: int | None = None,
        receiver: int | None = None,
        user: int | None = None,
        score: int | None = None,
        sort: str | None = None,
        page_size: int = 50,
        limit: int | None = 50,
        cursor: str | None = None,
    ) -> AsyncPaginator[BeatmapsetDiscussionVote]:
        """Discussion votes, newest first.

        Route: ``GET api/v2/beatmapsets/discussions/votes``. Scope: ``public``. Paginated by ``cursor_string``.
        """
        check_limit(page_size, low=1, high=50, name="page_size")
        check_limit(limit, low=0, high=10**9)
        return self._client._paginate(
            R.VOTES,
            params={"beatmapset_discussion_id": discussion_id, "receiver": receiver, "user": user, "score": score,
                    "sort": choice(sort, R.ID_SORTS, "sort"), "limit": page_size},
            style=CursorStringStyle(lambda r: r.votes),
            limit=limit,
            cursor=cursor,
        )

    def events(
        self,
        *,
        user: int | None = None,
        beatmapset_id: int | None = None,
        types: Iterable[str] = (),
        min_date: _dt.date | None = None,
        max_date: _dt.date | None = None,
        page_size: int = 50,
        limit: int | None = 50,
        cursor: int | None = None,
    ) -> AsyncPaginator[BeatmapsetEvent]:
        """Beatmapset events (nominations, qualifications, kudosu, edits …), newest first.

        Route: ``GET api/v2/beatmapsets/events``. Scope: ``public``. Paginated by ``page``.
        """
        check_limit(page_size, low=1, high=50, name="page_size")
        check_limit(limit, low=0, high=10**9)
        return self._client._paginate(
            R.BEATMAPSET_EVENTS,
            params={"user": user, "beatmapset_id": beatmapset_id, "types": list(types) or None,
                    "min_date": min_date, "max_date": max_date},
            style=PageStyle(lambda r: r.events, page_size=page_size, limit_param="limit"),
            limit=limit,
            cursor=cursor,
        )


class AsyncEvents(AsyncResource):
    """``client.events``: the site-wide event feed (ranks, medals, uploads …)."""

    def list(self, *, sort: str | None = None, limit: int | None = 50, cursor: str | None = None) -> AsyncPaginator[Event]:
        """Recent site events, newest first (``sort="id_asc"`` for oldest first).

        Route: ``GET api/v2/events``. Scope: ``public``. Paginated by ``cursor_string``.
        """
        check_limit(limit, low=0, high=10**9)
        return self._client._paginate(
            R.EVENTS, params={"sort": choice(sort, R.ID_SORTS, "sort")}, style=CursorStringStyle(lambda r: r.events),
            limit=limit, cursor=cursor
        )
