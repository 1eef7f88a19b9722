"""Changelog: builds, changelog entries, update streams and the changelog listing.

Shapes follow osu-web's ``BuildTransformer``, ``ChangelogEntryTransformer``,
``GithubUserTransformer``, ``UpdateStreamTransformer`` and ``ChangelogController``.
"""

from __future__ import annotations

from datetime import datetime

import msgspec
from msgspec import UNSET, UnsetType

from ..enums import OsuStrEnum
from .common import Model

__all__ = [
    "Build",
    "BuildVersions",
    "ChangelogEntry",
    "ChangelogEntryType",
    "ChangelogListResponse",
    "ChangelogSearch",
    "GithubUser",
    "UpdateStream",
]


class ChangelogEntryType(OsuStrEnum):
    """Kind of change (``ChangelogEntry.type``)."""

    ADD = "add"
    FIX = "fix"
    MISC = "misc"


class GithubUser(Model):
    """The GitHub account credited for a changelog entry (``ChangelogEntry.github_user``).

    Entries without a GitHub user get a placeholder whose ids are ``None``.
    """

    display_name: str
    """Name to display (the osu! username when linked, else the GitHub username)."""
    github_url: str | None
    """URL of the GitHub profile."""
    github_username: str | None
    """GitHub username."""
    id: int | None
    """Id of the GitHub user record."""
    osu_username: str | None
    """Username of the linked osu! account."""
    user_id: int | None
    """``user_id`` of the linked osu! account."""
    user_url: str | None
    """URL of the linked osu! profile."""


class ChangelogEntry(Model):
    """One change listed in a build's changelog (``Build.changelog_entries``).

    A build without entries gets one generated placeholder whose ids are ``None``.
    """

    id: int | None
    """Unique identifier of the entry (``None`` for legacy and placeholder entries)."""
    repository: str | None
    """GitHub repository (``ppy/osu``)."""
    github_pull_request_id: int | None
    """Number of the pull request."""
    github_url: str | None
    """URL of the pull request."""
    url: str | None
    """Link for entries without a pull request."""
    type: ChangelogEntryType | None
    """``add``, ``fix`` or ``misc``."""
    category: str | None
    """Category of the change (``Editor``, ``Code Quality``…)."""
    title: str | None
    """Title of the change."""
    major: bool
    """Whether the change is highlighted as major."""
    created_at: datetime | None
    """When the change was made."""
    github_user: GithubUser | UnsetType = UNSET
    """Who made the change."""
    message: str | UnsetType | None = UNSET
    """Entry message in Markdown (``message_formats[]=markdown``; both formats by default)."""
    message_html: str | UnsetType | None = UNSET
    """Entry message in HTML (``message_formats[]=html``; both formats by default)."""


class UpdateStream(Model):
    """A release stream of the game (``lazer``, ``stable40``, ``cuttingedge``…)."""

    id: int
    """Unique identifier of the stream."""
    name: str
    """Name of the stream, as used in URLs."""
    display_name: str | None
    """Display name of the stream."""
    is_featured: bool
    """Whether the stream is featured."""
    latest_build: Build | UnsetType | None = UNSET
    """Latest build of the stream (``GET /changelog`` ``streams``)."""
    user_count: int | UnsetType = UNSET
    """Number of users on the stream (``GET /changelog`` ``streams``)."""


class BuildVersions(Model):
    """The builds before and after a build in its stream (``Build.versions``)."""

    next: Build | UnsetType = UNSET
    """The next (newer) build, if any."""
    previous: Build | UnsetType = UNSET
    """The previous (older) build, if any."""


class Build(Model):
    """A released build of the game.

    Returned by ``GET /changelog/{stream}/{build}`` and ``GET /changelog/{changelog}``
    (with ``changelog_entries`` and ``versions``), ``GET /changelog`` (``builds``) and
    in ``UpdateStream.latest_build``.
    """

    created_at: datetime
    """When the build was released."""
    display_version: str
    """Version as displayed."""
    id: int
    """Unique identifier of the build."""
    users: int
    """Number of users currently on this build."""
    version: str | None
    """Version string."""
    youtube_id: str | None
    """Id of a YouTube video showcasing the build."""
    update_stream: UpdateStream | UnsetType | None = UNSET
    """The build's stream (always included; ``None`` only for orphaned builds)."""
    changelog_entries: list[ChangelogEntry] | UnsetType = UNSET
    """Changes in this build (build routes and the listing)."""
    versions: BuildVersions | UnsetType = UNSET
    """The neighbouring builds (build routes)."""


class ChangelogSearch(Model):
    """The effective parameters of ``GET /changelog`` (``ChangelogListResponse.search``)."""

    stream: str | None
    """Stream filter."""
    from_: str | None = msgspec.field(name="from")
    """Lowest version included (``from`` in the API)."""
    to: str | None
    """Highest version included."""
    max_id: int | None
    """Highest build id included."""
    limit: int
    """Maximum number of builds (21)."""


class ChangelogListResponse(Model):
    """Response of ``GET /changelog``."""

    builds: list[Build]
    """Builds, newest first (with ``changelog_entries``)."""
    search: ChangelogSearch
    """The effective listing parameters."""
    streams: list[UpdateStream]
    """Every update stream (with ``latest_build`` and ``user_count``)."""
