"""News: news posts and the news listing.

Shapes follow osu-web's ``NewsPostTransformer`` and ``NewsController``.
"""

from __future__ import annotations

from datetime import datetime

import msgspec
from msgspec import UNSET, UnsetType

from .common import CursorObject, Model

__all__ = [
    "NewsNavigation",
    "NewsPost",
    "NewsPostListResponse",
    "NewsSearch",
    "NewsSidebar",
]


class NewsPost(Model):
    """A news post.

    Returned by ``GET /news/{news}`` (with ``content`` and ``navigation``) and
    ``GET /news`` (``news_posts`` with ``preview``; ``news_sidebar.news_posts`` bare).
    """

    id: int
    """Unique identifier of the post."""
    author: str
    """Author of the post."""
    edit_url: str
    """Link to the post's source file on GitHub."""
    first_image: str | None
    """Link to the first image in the post."""
    first_image_2x: str | None = msgspec.field(name="first_image@2x")
    """Larger version of ``first_image`` (``first_image@2x`` in the API)."""
    published_at: datetime
    """When the post was published."""
    updated_at: datetime
    """When the post was last updated."""
    slug: str
    """File name without extension, used in URLs."""
    title: str
    """Title of the post."""
    content: str | UnsetType = UNSET
    """The post rendered as HTML (``GET /news/{news}``)."""
    navigation: NewsNavigation | UnsetType = UNSET
    """The neighbouring posts (``GET /news/{news}``)."""
    preview: str | UnsetType = UNSET
    """First paragraph of ``content`` as plain text (``GET /news``)."""


class NewsNavigation(Model):
    """The posts before and after a news post (``NewsPost.navigation``)."""

    newer: NewsPost | UnsetType = UNSET
    """The next (newer) post, if any."""
    older: NewsPost | UnsetType = UNSET
    """The previous (older) post, if any."""


class NewsSidebar(Model):
    """Sidebar data of the news listing (``NewsPostListResponse.news_sidebar``)."""

    current_year: int
    """The year the sidebar lists posts of."""
    news_posts: list[NewsPost]
    """All posts of ``current_year``."""
    years: list[int]
    """Every year that has posts, newest first."""


class NewsSearch(Model):
    """The effective parameters of a news listing."""

    limit: int
    """Maximum posts per page."""
    sort: str
    """Sort order (``published_desc``)."""
    year: int | None
    """Year filter (``None`` for all years)."""


class NewsPostListResponse(Model):
    """Response of ``GET /news``."""

    news_posts: list[NewsPost]
    """Posts of this page (with ``preview``)."""
    news_sidebar: NewsSidebar
    """Sidebar data: posts of the current year and the available years."""
    search: NewsSearch
    """The effective listing parameters."""
    cursor: CursorObject | UnsetType | None = UNSET
    """Deprecated cursor object for the next page (``None`` on the last page)."""
    cursor_string: str | UnsetType | None = UNSET
    """Cursor for the next page (``None`` on the last page)."""
