"""Forums: forums, topics, posts, polls and the forum route wrappers.

Shapes follow osu-web's ``Forum\\ForumTransformer``, ``Forum\\TopicTransformer``,
``Forum\\PostTransformer``, ``Forum\\PollTransformer`` and
``Forum\\PollOptionTransformer`` and the ``Forum\\*`` controllers.
"""

from __future__ import annotations

from datetime import datetime

from msgspec import UNSET, UnsetType

from ..enums import OsuStrEnum
from .common import CursorObject, Model

__all__ = [
    "CreateForumTopicResponse",
    "Forum",
    "ForumPoll",
    "ForumPollOption",
    "ForumPost",
    "ForumPostBody",
    "ForumText",
    "ForumTopic",
    "ForumTopicListResponse",
    "ForumTopicPostsSearch",
    "ForumTopicType",
    "ForumTopicWithPosts",
    "ForumWithTopics",
    "ForumsResponse",
]


class ForumTopicType(OsuStrEnum):
    """Kind of forum topic (``ForumTopic.type``)."""

    NORMAL = "normal"
    STICKY = "sticky"
    ANNOUNCEMENT = "announcement"


class Forum(Model):
    """A forum (board), possibly with its subforums.

    Returned by ``GET /forums`` (``forums``) and ``GET /forums/{forum}`` (``forum``).
    """

    id: int
    """Unique identifier of the forum."""
    name: str
    """Name of the forum."""
    description: str
    """Description of the forum."""
    subforums: list[Forum] | UnsetType = UNSET
    """Child forums (up to two levels below the forum the route returned)."""


class ForumText(Model):
    """A piece of forum text in both source and rendered form (poll titles and options)."""

    bbcode: str
    """The BBCode source."""
    html: str
    """The rendered HTML."""


class ForumPollOption(Model):
    """One option of a topic poll."""

    id: int
    """Identifier of the option (unique only within its topic)."""
    text: ForumText
    """The option's text."""
    vote_count: int | UnsetType = UNSET
    """Votes for this option; absent while results are hidden until the poll ends."""


class ForumPoll(Model):
    """The poll attached to a forum topic (``ForumTopic.poll``)."""

    allow_vote_change: bool
    """Whether voters may change their vote."""
    ended_at: datetime | None
    """When voting ends (``None`` if the poll never ends)."""
    hide_incomplete_results: bool
    """Whether results are hidden until the poll ends."""
    last_vote_at: datetime | None
    """When the last vote was cast."""
    max_votes: int
    """How many options one user may vote for."""
    options: list[ForumPollOption]
    """The poll's options."""
    started_at: datetime
    """When the poll started."""
    title: ForumText
    """The poll's question."""
    total_vote_count: int
    """Total number of votes cast."""


class ForumPostBody(Model):
    """Content of a forum post (``ForumPost.body``)."""

    html: str
    """Post content rendered as HTML."""
    raw: str
    """Post content in BBCode."""


class ForumPost(Model):
    """A post in a forum topic.

    Returned by ``PUT /forums/posts/{post}``, ``POST /forums/topics/{topic}/reply``,
    ``GET /forums/topics/{topic}`` (``posts``) and ``POST /forums/topics`` (``post``).
    """

    created_at: datetime
    """When the post was made."""
    deleted_at: datetime | None
    """When the post was deleted (``None`` unless deleted)."""
    edited_at: datetime | None
    """When the post was last edited."""
    edited_by_id: int | None
    """``user_id`` of the last editor."""
    forum_id: int
    """Id of the forum the post's topic is in."""
    id: int
    """Unique identifier of the post."""
    topic_id: int
    """Id of the topic the post belongs to."""
    user_id: int
    """``user_id`` of the poster."""
    body: ForumPostBody | UnsetType = UNSET
    """Post content (included by every forum post route)."""


class ForumTopic(Model):
    """A forum topic (thread).

    Returned by ``GET /forums/topics`` (``topics``), ``GET /forums/{forum}``
    (``topics``, ``pinned_topics``), ``GET /forums/topics/{topic}`` (``topic``),
    ``PUT /forums/topics/{topic}`` and ``POST /forums/topics`` (``topic``).
    """

    created_at: datetime
    """When the topic was created."""
    deleted_at: datetime | None
    """When the topic was deleted (``None`` unless deleted)."""
    first_post_id: int
    """Id of the topic's first post."""
    forum_id: int
    """Id of the forum the topic is in."""
    id: int
    """Unique identifier of the topic."""
    is_locked: bool
    """Whether the topic is locked (no new replies)."""
    last_post_id: int
    """Id of the topic's latest post."""
    post_count: int
    """Number of posts in the topic."""
    title: str
    """Title of the topic."""
    type: ForumTopicType
    """``normal``, ``sticky`` or ``announcement``."""
    updated_at: datetime
    """Time of the latest post."""
    user_id: int
    """``user_id`` of the topic's author."""
    views: int
    """Number of views."""
    poll: ForumPoll | UnsetType | None = UNSET
    """The topic's poll (``None`` when it has none)."""


class ForumsResponse(Model):
    """Response of ``GET /forums``: top-level forums with two levels of subforums."""

    forums: list[Forum]
    """The top-level forums the current user can see."""


class ForumWithTopics(Model):
    """Response of ``GET /forums/{forum}``."""

    forum: Forum
    """The forum, with two levels of subforums."""
    topics: list[ForumTopic]
    """The first page of normal (unpinned) topics."""
    pinned_topics: list[ForumTopic]
    """Pinned topics (sticky and announcement)."""


class ForumTopicListResponse(Model):
    """Response of ``GET /forums/topics``."""

    topics: list[ForumTopic]
    """Topics of this page."""
    cursor: CursorObject | UnsetType | None = UNSET
    """Deprecated cursor object for the next page (``None`` on the last page)."""
    cursor_string: str | UnsetType | None = UNSET
    """Cursor for the next page (``None`` on the last page)."""


class ForumTopicPostsSearch(Model):
    """The effective listing parameters of ``GET /forums/topics/{topic}``."""

    limit: int
    """Maximum posts per page."""
    sort: str
    """``id_asc`` or ``id_desc``."""


class ForumTopicWithPosts(Model):
    """Response of ``GET /forums/topics/{topic}``: the topic and a page of its posts."""

    posts: list[ForumPost]
    """Posts of this page (with ``body``)."""
    search: ForumTopicPostsSearch
    """The effective ``limit`` and ``sort``."""
    topic: ForumTopic
    """The topic."""
    cursor: CursorObject | UnsetType | None = UNSET
    """Deprecated cursor object for the next page (``None`` on the last page)."""
    cursor_string: str | UnsetType | None = UNSET
    """Cursor for the next page (``None`` on the last page)."""


class CreateForumTopicResponse(Model):
    """Response of ``POST /forums/topics``."""

    topic: ForumTopic
    """The new topic."""
    post: ForumPost
    """The topic's first post (with ``body``)."""
