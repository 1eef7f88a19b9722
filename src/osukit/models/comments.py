"""Comments: comments, commentable metadata and the comment bundle every comment route returns.

Shapes follow osu-web's ``CommentTransformer``, ``CommentableMetaTransformer``
and ``Libraries\\CommentBundle``.
"""

from __future__ import annotations

from datetime import datetime

from msgspec import UNSET, UnsetType

from ..enums import OsuStrEnum
from .common import CursorObject, Model
from .users import UserCompact

__all__ = [
    "Comment",
    "CommentBundle",
    "CommentSort",
    "CommentableMeta",
    "CommentableMetaUserAttributes",
    "CommentableType",
]


class CommentableType(OsuStrEnum):
    """Kind of object comments can be attached to."""

    BEATMAPSET = "beatmapset"
    BUILD = "build"
    NEWS_POST = "news_post"


class CommentSort(OsuStrEnum):
    """Comment ordering (``CommentBundle.sort``)."""

    NEW = "new"
    OLD = "old"
    TOP = "top"


class Comment(Model):
    """A single comment on a beatmapset, changelog build or news post."""

    id: int
    """Unique identifier of the comment."""
    parent_id: int | None
    """Id of the comment this replies to (``None`` for top-level comments)."""
    user_id: int | None
    """``user_id`` of the poster (``None`` for some legacy comments)."""
    pinned: bool
    """Whether the comment is pinned."""
    replies_count: int
    """Number of replies."""
    votes_count: int
    """Number of upvotes."""
    commentable_type: CommentableType
    """Kind of object the comment is attached to."""
    commentable_id: int
    """Id of the object the comment is attached to."""
    legacy_name: str | None
    """Name shown on legacy (imported) comments."""
    created_at: datetime
    """When the comment was posted."""
    updated_at: datetime
    """When the comment was last updated."""
    deleted_at: datetime | None
    """When the comment was deleted (``None`` unless deleted)."""
    edited_at: datetime | None
    """When the comment was last edited."""
    edited_by_id: int | None
    """``user_id`` of the last editor."""
    deleted_by_id: int | UnsetType | None = UNSET
    """``user_id`` of who deleted the comment (only for moderators)."""
    message: str | UnsetType | None = UNSET
    """Markdown source (absent when the current user may not see the comment)."""
    message_html: str | UnsetType | None = UNSET
    """Rendered HTML (absent when the current user may not see the comment)."""
    user: UserCompact | UnsetType = UNSET
    """The poster (only when requested as an include)."""


class CommentableMetaUserAttributes(Model):
    """What the current user may do on a commentable (``CommentableMeta.current_user_attributes``)."""

    can_new_comment_reason: str | None
    """Why the current user may not comment (``None`` if they may)."""


class CommentableMeta(Model):
    """Metadata of an object comments are attached to.

    A deleted object has only ``title``; every other field is then unset.
    """

    title: str
    """Display title of the object."""
    current_user_attributes: CommentableMetaUserAttributes | UnsetType = UNSET
    """What the current user may do on the object."""
    id: int | UnsetType = UNSET
    """Id of the object."""
    type: CommentableType | UnsetType = UNSET
    """Kind of object."""
    url: str | UnsetType = UNSET
    """URL of the object."""
    owner_id: int | UnsetType | None = UNSET
    """``user_id`` of the owner (the mapper for beatmapsets)."""
    owner_title: str | UnsetType | None = UNSET
    """How the owner is labelled (``MAPPER`` for beatmapsets)."""
    locked: bool | UnsetType = UNSET
    """Whether new comments are disabled."""


class CommentBundle(Model):
    """Comments and related data.

    Returned by ``GET /comments``, ``GET /comments/{comment}`` and every comment
    write route (``POST /comments``, ``PUT``/``DELETE /comments/{comment}``,
    ``POST``/``DELETE /comments/{comment}/vote``).
    """

    comments: list[Comment]
    """Comments, ordered by ``sort``."""
    has_more: bool
    """Whether more comments or replies are available."""
    has_more_id: int | None
    """The ``parent_id`` the listing was filtered by (``None`` for all)."""
    included_comments: list[Comment]
    """Related comments: parents and nested replies."""
    pinned_comments: list[Comment]
    """Pinned comments of the commentable."""
    user_votes: list[int]
    """Ids of comments in the bundle the current user has upvoted."""
    user_follow: bool
    """Whether the current user watches the comment thread."""
    users: list[UserCompact]
    """Users related to the comments (posters and editors)."""
    sort: CommentSort
    """The effective sort."""
    cursor: CursorObject | None
    """Cursor for the next page (pass back as ``cursor[...]``; ``None`` on the last page)."""
    commentable_meta: list[CommentableMeta]
    """Metadata of the objects the comments are attached to (the last entry is for deleted objects)."""
    top_level_count: int | UnsetType = UNSET
    """Number of top-level comments (not returned for replies)."""
    total: int | UnsetType = UNSET
    """Total number of comments (not returned for replies)."""
    user: UserCompact | UnsetType | None = UNSET
    """The user comments were filtered by (only with ``user_id``)."""
