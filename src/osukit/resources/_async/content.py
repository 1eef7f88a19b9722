"""Comments, news, wiki and changelog (no token needed)."""

from __future__ import annotations

from collections.abc import Iterable

from ..._async.pagination import AsyncPaginator
from ...models.changelog import Build, ChangelogListResponse
from ...models.comments import Comment, CommentableType, CommentBundle, CommentSort
from ...models.news import NewsPost
from ...models.wiki import WikiPage
from ...pagination import CursorObjectStyle, CursorStringStyle
from .. import content as R
from .._params import InvalidParameterError, check_limit, enum_value
from ._base import AsyncResource

__all__ = ["AsyncChangelog", "AsyncComments", "AsyncNews", "AsyncWiki"]


class AsyncComments(AsyncResource):
    """``client.comments``: comments on beatmapsets, news posts and changelog builds."""

    def list(
        self,
        *,
        commentable_type: CommentableType | str | None = None,
        commentable_id: int | None = None,
        parent_id: int | None = None,
        sort: CommentSort | str | None = None,
        after: int | None = None,
        limit: int | None = 50,
        cursor: dict[str, object] | None = None,
    ) -> AsyncPaginator[Comment]:
        """Comments (newest first by default), optionally of one commentable or one parent.

        Each page is a [`CommentBundle`][osukit.models.comments.CommentBundle]; iterate for the comments,
        or ``.pages()`` for bundles (users, included replies…).

        Route: ``GET api/v2/comments``. Scope: none (token optional). Paginated by the ``cursor`` object.
        """
        if (commentable_type is None) != (commentable_id is None):
            raise InvalidParameterError("give commentable_type and commentable_id together")
        check_limit(limit, low=0, high=10**9)
        return self._client._paginate(
            R.COMMENTS,
            params={
                "commentable_type": enum_value(commentable_type, CommentableType, "commentable_type")
                if commentable_type is not None else None,
                "commentable_id": commentable_id,
                "parent_id": parent_id,
                "sort": enum_value(sort, CommentSort, "sort") if sort is not None else None,
                "after": after,
            },
            style=CursorObjectStyle(lambda r: r.comments),
            limit=limit,
            cursor=cursor,
        )

    async def get(self, comment: int) -> CommentBundle:
        """A comment with its replies and users.

        Route: ``GET api/v2/comments/{comment}``. Scope: none (token optional).
        """
        return await self._client._call(R.COMMENT, path={"comment": comment})


class AsyncNews(AsyncResource):
    """``client.news``: osu! news posts."""

    def list(self, *, year: int | None = None, limit: int | None = 12, page_size: int = 12,
             cursor: str | None = None) -> AsyncPaginator[NewsPost]:
        """News posts, newest first (optionally of one year).

        Route: ``GET api/v2/news``. Scope: none (token optional). Paginated by ``cursor_string``.
        """
        check_limit(page_size, low=1, high=21, name="page_size")
        check_limit(limit, low=0, high=10**9)
        return self._client._paginate(
            R.NEWS,
            params={"year": year, "limit": page_size},
            style=CursorStringStyle(lambda r: r.news_posts),
            limit=limit,
            cursor=cursor,
        )

    async def get(self, news: int | str) -> NewsPost:
        """A news post by id or by slug (``"2024-01-01-new-year"``), with its content.

        Route: ``GET api/v2/news/{news}``. Scope: none (token optional).
        """
        key = "id" if isinstance(news, int) else None
        return await self._client._call(
            R.NEWS_POST, path={"news": news}, params={"key": key}
        )


class AsyncWiki(AsyncResource):
    """``client.wiki``: osu! wiki pages."""

    async def get(self, path: str, locale: str = "en") -> WikiPage:
        """A wiki page (``"Main_page"``, ``"Ranking_criteria/osu!"`` …) in ``locale``.

        Route: ``GET api/v2/wiki/{locale}/{path}``. Scope: none (token optional).
        """
        if not path or not isinstance(path, str):
            raise InvalidParameterError("path must be a non-empty wiki path")
        return await self._client._call(
            R.WIKI, path={"locale": locale, "path": path.strip("/")}
        )


class AsyncChangelog(AsyncResource):
    """``client.changelog``: builds and their changelog entries."""

    async def build(self, stream: str, build: str) -> Build:
        """One build of a stream (``"stable40"``, ``"20240101"``).

        Route: ``GET api/v2/changelog/{stream}/{build}``. Scope: none (token optional).
        """
        return await self._client._call(
            R.CHANGELOG_BUILD, path={"stream": stream, "build": build}
        )

    async def list(
        self,
        *,
        stream: str | None = None,
        from_version: str | None = None,
        to_version: str | None = None,
        max_id: int | None = None,
        message_formats: Iterable[R.ChangelogMessageFormat | str] = ("html", "markdown"),
    ) -> ChangelogListResponse:
        """Builds (21 at most), newest first, with the streams and search echo.

        Route: ``GET api/v2/changelog``. Scope: none (token optional).
        """
        formats = [enum_value(f, R.ChangelogMessageFormat, "message_formats") for f in message_formats]
        return await self._client._call(
            R.CHANGELOG,
            params={"stream": stream, "from": from_version, "to": to_version, "max_id": max_id,
                    "message_formats": formats},
        )

    async def lookup(self, changelog: str | int) -> Build:
        """A build by version (``"2024.101.0"``) or, given an int, by id.

        Route: ``GET api/v2/changelog/{changelog}``. Scope: none (token optional).
        """
        key = "id" if isinstance(changelog, int) else None
        return await self._client._call(
            R.CHANGELOG_LOOKUP, path={"changelog": changelog}, params={"key": key}
        )
