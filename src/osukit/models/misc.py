"""Small API groups: seasonal backgrounds, beatmap tags, site search and featured artist tracks.

Shapes follow osu-web's ``SeasonalBackgroundsController`` /
``SeasonalBackgroundTransformer``, ``TagsController`` / ``TagTransformer``,
``HomeController@search`` (``Libraries\\Search\\AllSearch``) and
``ArtistTracksController`` / ``ArtistTrack*Transformer``.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from msgspec import UNSET, UnsetType

from .common import CursorObject, Model
from .users import UserCompact
from .wiki import WikiPage

__all__ = [
    "Artist",
    "ArtistAlbum",
    "ArtistTrack",
    "ArtistTrackSearch",
    "ArtistTracksResponse",
    "SearchResponse",
    "SeasonalBackground",
    "SeasonalBackgroundsResponse",
    "Tag",
    "TagsResponse",
    "UserSearchResults",
    "WikiPageSearchResults",
]


class SeasonalBackground(Model):
    """A seasonal background of the game client (``SeasonalBackgroundsResponse.backgrounds``)."""

    url: str
    """URL of the image."""
    user: UserCompact
    """The artist."""


class SeasonalBackgroundsResponse(Model):
    """Response of ``GET /seasonal-backgrounds``.

    Both fields are absent (``{}``) when no seasonal contest is configured.
    """

    ends_at: datetime | UnsetType = UNSET
    """When the current set of backgrounds stops being shown."""
    backgrounds: list[SeasonalBackground] | UnsetType = UNSET
    """The backgrounds."""


class Tag(Model):
    """A user-assignable beatmap tag (``GET /tags``)."""

    id: int
    """Unique identifier of the tag."""
    name: str
    """Name of the tag (``gameplay/tech``…)."""
    ruleset_id: int | None
    """Ruleset the tag is limited to (``None`` for every ruleset)."""
    description: str
    """What the tag means."""


class TagsResponse(Model):
    """Response of ``GET /tags``."""

    tags: list[Tag]
    """Every tag."""


class UserSearchResults(Model):
    """The ``user`` part of a ``GET /search`` response."""

    data: list[UserCompact]
    """Matching users (only the first 100 results can be paged through)."""
    total: int
    """Total number of matches."""


class WikiPageSearchResults(Model):
    """The ``wiki_page`` part of a ``GET /search`` response."""

    data: list[WikiPage]
    """Matching wiki pages."""
    total: int
    """Total number of matches."""


class SearchResponse(Model):
    """Response of ``GET /search``; only the part(s) of the requested ``mode`` are present."""

    user: UserSearchResults | UnsetType = UNSET
    """User results (``mode`` ``all`` or ``user``)."""
    wiki_page: WikiPageSearchResults | UnsetType = UNSET
    """Wiki page results (``mode`` ``all`` or ``wiki_page``)."""


class Artist(Model):
    """A featured artist, as embedded in a track (``ArtistTrack.artist``)."""

    id: int
    """Unique identifier of the artist."""
    name: str
    """Name of the artist."""


class ArtistAlbum(Model):
    """An album of a featured artist (``ArtistTrack.album``)."""

    id: int
    """Unique identifier of the album."""
    artist_id: int | None
    """Id of the album's artist."""
    title: str
    """Title of the album."""
    title_romanized: str | None
    """Romanised title of the album."""
    genre: str
    """Genre of the album."""
    is_new: bool
    """Whether the album was added recently."""
    cover_url: str | None
    """URL of the album cover."""
    tracks: list[ArtistTrack] | UnsetType = UNSET
    """The album's tracks (only when requested)."""


class ArtistTrack(Model):
    """A featured artist track (``ArtistTracksResponse.artist_tracks``)."""

    album_id: int | None
    """Id of the track's album (``None`` for singles)."""
    artist_id: int | None
    """Id of the track's artist."""
    bpm: float
    """Tempo in beats per minute."""
    cover_url: str | None
    """URL of the cover image."""
    exclusive: bool
    """Whether the track is exclusive to osu!."""
    genre: str
    """Genre of the track."""
    id: int
    """Unique identifier of the track."""
    is_new: bool
    """Whether the track was added recently."""
    length: str
    """Length for display (``2:29``)."""
    osz: str
    """URL of the template beatmap (``.osz``)."""
    preview: str
    """URL of the audio preview."""
    title: str
    """Title of the track."""
    updated_at: datetime
    """When the track was last updated."""
    version: str | None
    """Version of the track (``Extended Mix``…)."""
    album: ArtistAlbum | UnsetType = UNSET
    """The track's album (absent for singles)."""
    artist: Artist | UnsetType = UNSET
    """The track's artist."""


class ArtistTrackSearch(Model):
    """The effective parameters of a featured artist track listing (only set ones are present)."""

    album: str | UnsetType = UNSET
    """Album filter."""
    artist: str | UnsetType = UNSET
    """Artist filter."""
    bpm: dict[str, Any] | UnsetType = UNSET
    """BPM comparator filter as given (``{"gte": ..., "lte": ...}``)."""
    exclusive_only: bool | UnsetType = UNSET
    """Whether only exclusive tracks are listed."""
    genre: str | UnsetType = UNSET
    """Genre filter."""
    is_default_sort: bool | UnsetType = UNSET
    """Whether ``sort`` is the default."""
    length: dict[str, Any] | UnsetType = UNSET
    """Length comparator filter as given."""
    query: str | UnsetType = UNSET
    """Free-text query."""
    sort: str | UnsetType = UNSET
    """Sort field and order (``update_desc``…)."""


class ArtistTracksResponse(Model):
    """Featured artist track listing (``/beatmaps/artists/tracks``; a website route, not an api/v2 one)."""

    artist_tracks: list[ArtistTrack]
    """Tracks of this page (with ``album`` and ``artist``)."""
    search: ArtistTrackSearch
    """The effective listing parameters."""
    cursor: CursorObject | UnsetType | None = UNSET
    """Deprecated cursor object for the next page (``None`` on the last page)."""
    cursor_string: str | UnsetType | None = UNSET
    """Cursor for the next page (``None`` on the last page)."""
