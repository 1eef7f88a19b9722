"""Forums: forums, topics, posts; create, reply, edit, lock, pin."""

from __future__ import annotations

from collections.abc import Sequence

from ..._async.pagination import AsyncPaginator
from ...models.forums import (
    CreateForumTopicResponse,
    Forum,
    ForumPost,
    ForumTopic,
    ForumTopicWithPosts,
    ForumWithTopics,
)
from ...pagination import CursorStringStyle
from .. import forums as R
from .._params import InvalidParameterError, check_limit, enum_value
from ._base import AsyncResource

__all__ = ["AsyncForums"]


def _text(value: str, name: str) -> str:
    if not isinstance(value, str) or not value.strip():
        raise InvalidParameterError(f"{name} must be a non-empty string")
    return value


class AsyncForums(AsyncResource):
    """``client.forums``: read the forums; post with ``forum.write`` (delegate or user tokens)."""

    async def list(self) -> list[Forum]:
        """Top-level forums with their subforums.

        Route: ``GET api/v2/forums``. Scope: ``public``.
        """
        response = await self._client._call(R.FORUMS)
        return list(response.forums)

    async def get(self, forum: int) -> ForumWithTopics:
        """A forum with its first page of topics and its pinned topics.

        Route: ``GET api/v2/forums/{forum}``. Scope: ``public``.
        """
        return await self._client._call(R.FORUM, path={"forum": forum})

    def topics(
        self,
        *,
        forum_id: int | None = None,
        sort: R.TopicSort | str = R.TopicSort.NEW,
        limit: int | None = 50,
        page_size: int = 50,
        cursor: str | None = None,
    ) -> AsyncPaginator[ForumTopic]:
        """Topics, newest first by default, across every forum or one.

        Route: ``GET api/v2/forums/topics``. Scope: ``public``. Paginated by ``cursor_string``.
        """
        check_limit(page_size, low=1, high=50, name="page_size")
        check_limit(limit, low=0, high=10**9)
        return self._client._paginate(
            R.TOPICS,
            params={"forum_id": forum_id, "sort": enum_value(sort, R.TopicSort, "sort"), "limit": page_size},
            style=CursorStringStyle(lambda r: r.topics),
            limit=limit,
            cursor=cursor,
        )

    async def topic(
        self,
        topic: int,
        *,
        sort: R.PostSort | str = R.PostSort.ID_ASC,
        limit: int = 20,
        start: int | None = None,
        end: int | None = None,
        cursor_string: str | None = None,
    ) -> ForumTopicWithPosts:
        """A topic with one page of its posts (use [`posts`][osukit.resources._async.forums.AsyncForums.posts] to iterate them all).

        Route: ``GET api/v2/forums/topics/{topic}``. Scope: ``public``.
        """
        check_limit(limit, low=1, high=50)
        return await self._client._call(
            R.TOPIC,
            path={"topic": topic},
            params={"sort": enum_value(sort, R.PostSort, "sort"), "limit": limit, "start": start, "end": end,
                    "cursor_string": cursor_string},
        )

    def posts(
        self,
        topic: int,
        *,
        sort: R.PostSort | str = R.PostSort.ID_ASC,
        limit: int | None = None,
        page_size: int = 50,
        cursor: str | None = None,
    ) -> AsyncPaginator[ForumPost]:
        """Every post of a topic, in order, page by page.

        Route: ``GET api/v2/forums/topics/{topic}``. Scope: ``public``. Paginated by ``cursor_string``.
        """
        check_limit(page_size, low=1, high=50, name="page_size")
        return self._client._paginate(
            R.TOPIC,
            path={"topic": topic},
            params={"sort": enum_value(sort, R.PostSort, "sort"), "limit": page_size},
            style=CursorStringStyle(lambda r: r.posts),
            limit=limit,
            cursor=cursor,
        )

    async def create_topic(
        self,
        forum_id: int,
        title: str,
        body: str,
        *,
        poll_title: str | None = None,
        poll_options: Sequence[str] | None = None,
        poll_max_options: int = 1,
        poll_length_days: int = 0,
        poll_vote_change: bool = False,
        poll_hide_results: bool = False,
    ) -> CreateForumTopicResponse:
        """Create a topic (optionally with a poll).

        Route: ``POST api/v2/forums/topics``. Scope: ``forum.write``.
        """
        payload: dict[str, object] = {
            "forum_id": forum_id,
            "title": _text(title, "title"),
            "body": _text(body, "body"),
        }
        if poll_options is not None:
            if poll_title is None or len(poll_options) < 2:
                raise InvalidParameterError("a poll needs poll_title and at least two poll_options")
            payload["with_poll"] = True
            payload["forum_topic_poll"] = {
                "title": poll_title,
                "options": "\n".join(poll_options),
                "max_options": poll_max_options,
                "length_days": poll_length_days,
                "vote_change": poll_vote_change,
                "hide_results": poll_hide_results,
            }
        return await self._client._call(R.CREATE_TOPIC, json=payload)

    async def reply(self, topic: int, body: str) -> ForumPost:
        """Reply to a topic.

        Route: ``POST api/v2/forums/topics/{topic}/reply``. Scope: ``forum.write``.
        """
        return await self._client._call(
            R.REPLY, path={"topic": topic}, json={"body": _text(body, "body")}
        )

    async def edit_topic(self, topic: int, title: str) -> ForumTopic:
        """Rename a topic.

        Route: ``PATCH|PUT api/v2/forums/topics/{topic}``. Scope: ``forum.write``.
        """
        return await self._client._call(
            R.EDIT_TOPIC, path={"topic": topic}, json={"forum_topic": {"topic_title": _text(title, "title")}}
        )

    async def edit_post(self, post: int, body: str) -> ForumPost:
        """Replace a post's text.

        Route: ``PATCH|PUT api/v2/forums/posts/{post}``. Scope: ``forum.write``.
        """
        return await self._client._call(
            R.EDIT_POST, path={"post": post}, json={"body": _text(body, "body")}
        )

    async def lock_topic(self, topic: int, locked: bool = True) -> None:
        """Lock (or unlock) a topic.

        Route: ``POST api/v2/forums/topics/{topic}/lock``. Scope: ``forum.write_manage`` (delegate bots).
        """
        await self._client._call(R.LOCK, path={"topic": topic}, json={"lock": locked})

    async def pin_topic(self, topic: int, pin: R.PinType | str | int = R.PinType.PIN) -> None:
        """Pin, announce or unpin a topic.

        Route: ``POST api/v2/forums/topics/{topic}/pin``. Scope: ``forum.write_manage`` (delegate bots).
        """
        kind = enum_value(str(pin) if isinstance(pin, int) else pin, R.PinType, "pin")
        await self._client._call(R.PIN, path={"topic": topic}, json={"pin": int(kind.value)})
