"""Beatmaps and beatmapsets: compact and full forms, packs, difficulty attributes, search results.

Shapes follow osu-web's ``BeatmapCompactTransformer``/``BeatmapTransformer``,
``BeatmapsetCompactTransformer``/``BeatmapsetTransformer``,
``BeatmapPackTransformer`` and ``BeatmapDifficultyAttributesTransformer``.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

import msgspec
from msgspec import UNSET, UnsetType

from ..enums import BeatmapsetStatus, Ruleset
from .common import CursorObject, Model
from .users import UserCompact

__all__ = [
    "Beatmap",
    "BeatmapAttributesResponse",
    "BeatmapCompact",
    "BeatmapDifficultyAttributes",
    "BeatmapFailtimes",
    "BeatmapOwner",
    "BeatmapPack",
    "BeatmapPackCompletion",
    "BeatmapPacksResponse",
    "BeatmapPlaycount",
    "BeatmapsResponse",
    "Beatmapset",
    "BeatmapsetAvailability",
    "BeatmapsetCompact",
    "BeatmapsetCovers",
    "BeatmapsetDescription",
    "BeatmapsetGenre",
    "BeatmapsetHype",
    "BeatmapsetLanguage",
    "BeatmapsetNominationsSummary",
    "BeatmapsetSearchResponse",
]


class BeatmapOwner(Model):
    """A mapper credited for a difficulty (guest difficulties have several)."""

    id: int
    username: str


class BeatmapFailtimes(Model):
    """Where players fail or quit, in 100 buckets over the map's length."""

    fail: list[int] | UnsetType = UNSET
    exit: list[int] | UnsetType = UNSET


class BeatmapCompact(Model):
    """A difficulty as most routes embed it (``BeatmapCompactTransformer``)."""

    id: int
    beatmapset_id: int
    difficulty_rating: float
    """Star rating (nomod)."""
    mode: Ruleset
    status: BeatmapsetStatus
    total_length: int
    """Seconds, including breaks."""
    user_id: int
    """The mapper."""
    version: str
    """Difficulty name."""
    lazer_only: bool | UnsetType = UNSET
    beatmapset: Beatmapset | UnsetType | None = UNSET
    """The beatmapset (compact or full, depending on the route)."""
    checksum: str | UnsetType | None = UNSET
    """md5 of the ``.osu`` file."""
    current_user_playcount: int | UnsetType = UNSET
    current_user_tag_ids: list[int] | UnsetType = UNSET
    failtimes: BeatmapFailtimes | UnsetType = UNSET
    max_combo: int | UnsetType | None = UNSET
    owners: list[BeatmapOwner] | UnsetType = UNSET
    top_tag_ids: list[Any] | UnsetType = UNSET
    user: UserCompact | UnsetType = UNSET


class Beatmap(BeatmapCompact):
    """A full difficulty (``BeatmapTransformer``): ``GET /beatmaps/{beatmap}`` and friends."""

    accuracy: float | UnsetType = UNSET
    """Overall difficulty (OD)."""
    ar: float | UnsetType = UNSET
    """Approach rate."""
    bpm: float | UnsetType | None = UNSET
    convert: bool | UnsetType | None = UNSET
    """True when this is an osu! map converted to another ruleset (osu-web's TS type allows null)."""
    count_circles: int | UnsetType = UNSET
    count_sliders: int | UnsetType = UNSET
    count_spinners: int | UnsetType = UNSET
    cs: float | UnsetType = UNSET
    """Circle size (key count in mania)."""
    deleted_at: datetime | UnsetType | None = UNSET
    drain: float | UnsetType = UNSET
    """HP drain."""
    hit_length: int | UnsetType = UNSET
    """Seconds of drain time."""
    is_scoreable: bool | UnsetType = UNSET
    last_updated: datetime | UnsetType = UNSET
    mode_int: int | UnsetType = UNSET
    passcount: int | UnsetType = UNSET
    playcount: int | UnsetType = UNSET
    ranked: int | UnsetType = UNSET
    """Status as an integer (-2 graveyard … 4 loved)."""
    url: str | UnsetType = UNSET


class BeatmapsetCovers(Model):
    """Cover images in several sizes (keys as the API spells them)."""

    cover: str
    cover_2x: str = msgspec.field(name="cover@2x")
    card: str
    card_2x: str = msgspec.field(name="card@2x")
    list: str
    list_2x: str = msgspec.field(name="list@2x")
    slimcover: str
    slimcover_2x: str = msgspec.field(name="slimcover@2x")


class BeatmapsetDescription(Model):
    """A beatmapset's description (``BeatmapsetDescriptionTransformer``)."""

    description: str
    """HTML."""
    bbcode: str | UnsetType = UNSET
    """The source, only for users who may edit it."""


class BeatmapsetGenre(Model):
    """A beatmapset's genre (``GenreTransformer``)."""

    id: int | None
    name: str


class BeatmapsetLanguage(Model):
    """A beatmapset's language (``LanguageTransformer``)."""

    id: int | None
    name: str


class BeatmapsetHype(Model):
    """Hype progress of a pending beatmapset."""

    current: int
    required: int


class BeatmapsetAvailability(Model):
    """Whether the set can be downloaded, and why not."""

    download_disabled: bool
    more_information: str | None


class BeatmapsetNominationsSummary(Model):
    """Nomination progress."""

    current: int
    required: int | UnsetType = UNSET
    eligible_main_rulesets: list[Ruleset] | UnsetType | None = UNSET
    required_meta: dict[str, int] | UnsetType = UNSET


class BeatmapsetCompact(Model):
    """A beatmapset as most routes embed it (``BeatmapsetCompactTransformer``)."""

    id: int
    artist: str
    artist_unicode: str
    covers: BeatmapsetCovers
    creator: str
    favourite_count: int
    play_count: int
    preview_url: str
    source: str
    status: BeatmapsetStatus
    title: str
    title_unicode: str
    user_id: int
    video: bool
    anime_cover: bool | UnsetType = UNSET
    genre_id: int | UnsetType = UNSET
    hype: BeatmapsetHype | UnsetType | None = UNSET
    language_id: int | UnsetType = UNSET
    nsfw: bool | UnsetType = UNSET
    offset: int | UnsetType = UNSET
    spotlight: bool | UnsetType = UNSET
    track_id: int | UnsetType | None = UNSET
    # optional includes
    availability: BeatmapsetAvailability | UnsetType = UNSET
    beatmaps: list[Beatmap] | UnsetType = UNSET
    converts: list[Beatmap] | UnsetType = UNSET
    current_nominations: list[Any] | UnsetType = UNSET
    current_user_attributes: Any | UnsetType = UNSET
    description: BeatmapsetDescription | UnsetType = UNSET
    discussions: list[Any] | UnsetType = UNSET
    events: list[Any] | UnsetType = UNSET
    genre: BeatmapsetGenre | UnsetType = UNSET
    has_favourited: bool | UnsetType = UNSET
    language: BeatmapsetLanguage | UnsetType = UNSET
    nominations: Any | UnsetType = UNSET
    pack_tags: list[str] | UnsetType = UNSET
    ratings: list[int] | UnsetType = UNSET
    recent_favourites: list[UserCompact] | UnsetType = UNSET
    related_tags: list[Any] | UnsetType = UNSET
    related_users: list[UserCompact] | UnsetType = UNSET
    user: UserCompact | UnsetType = UNSET


class Beatmapset(BeatmapsetCompact):
    """A full beatmapset (``BeatmapsetTransformer``)."""

    bpm: float | UnsetType = UNSET
    can_be_hyped: bool | UnsetType = UNSET
    deleted_at: datetime | UnsetType | None = UNSET
    discussion_enabled: bool | UnsetType = UNSET
    """Deprecated: always true."""
    discussion_locked: bool | UnsetType = UNSET
    is_scoreable: bool | UnsetType = UNSET
    last_updated: datetime | UnsetType = UNSET
    legacy_thread_url: str | UnsetType | None = UNSET
    nominations_summary: BeatmapsetNominationsSummary | UnsetType = UNSET
    ranked: int | UnsetType = UNSET
    ranked_date: datetime | UnsetType | None = UNSET
    rating: float | UnsetType = UNSET
    storyboard: bool | UnsetType = UNSET
    submitted_date: datetime | UnsetType | None = UNSET
    tags: str | UnsetType = UNSET
    version_count: int | UnsetType = UNSET
    """``GET /beatmapsets/{beatmapset}``: how many versions (difficulty sets) the beatmapset has had."""


class BeatmapsetSearchResponse(Model):
    """``GET /beatmapsets/search``."""

    beatmapsets: list[Beatmapset]
    search: dict[str, Any] | UnsetType = UNSET
    """The search as osu! understood it (``sort`` …)."""
    recommended_difficulty: float | UnsetType | None = UNSET
    error: str | UnsetType | None = UNSET
    total: int | UnsetType = UNSET
    cursor: CursorObject | UnsetType | None = UNSET
    cursor_string: str | UnsetType | None = UNSET


class BeatmapPlaycount(Model):
    """A most-played entry (``GET /users/{user}/beatmapsets/most_played``)."""

    beatmap_id: int
    count: int
    beatmap: BeatmapCompact | UnsetType = UNSET
    beatmapset: BeatmapsetCompact | UnsetType = UNSET


class BeatmapsResponse(Model):
    """``GET /beatmaps``."""

    beatmaps: list[Beatmap]


class BeatmapDifficultyAttributes(Model):
    """Difficulty attributes; the per-ruleset fields appear only for that ruleset."""

    star_rating: float
    max_combo: int
    aim_difficulty: float | UnsetType = UNSET
    aim_difficult_slider_count: float | UnsetType = UNSET
    speed_difficulty: float | UnsetType = UNSET
    speed_note_count: float | UnsetType = UNSET
    slider_factor: float | UnsetType = UNSET
    aim_difficult_strain_count: float | UnsetType = UNSET
    speed_difficult_strain_count: float | UnsetType = UNSET
    flashlight_difficulty: float | UnsetType = UNSET
    approach_rate: float | UnsetType = UNSET
    overall_difficulty: float | UnsetType = UNSET
    stamina_difficulty: float | UnsetType = UNSET
    rhythm_difficulty: float | UnsetType = UNSET
    colour_difficulty: float | UnsetType = UNSET
    mono_stamina_factor: float | UnsetType = UNSET
    great_hit_window: float | UnsetType = UNSET
    ok_hit_window: float | UnsetType = UNSET
    meh_hit_window: float | UnsetType = UNSET


class BeatmapAttributesResponse(Model):
    """``POST /beatmaps/{beatmap}/attributes``."""

    attributes: BeatmapDifficultyAttributes


class BeatmapPackCompletion(Model):
    """Which sets of a pack the token's user has completed."""

    completed: bool
    beatmapset_ids: list[int]


class BeatmapPack(Model):
    """A beatmap pack (``BeatmapPackTransformer``)."""

    author: str
    date: datetime
    name: str
    no_diff_reduction: bool
    ruleset_id: int | None
    tag: str
    url: str
    beatmapsets: list[Beatmapset] | UnsetType = UNSET
    user_completion_data: BeatmapPackCompletion | UnsetType = UNSET


class BeatmapPacksResponse(Model):
    """``GET /beatmaps/packs``."""

    beatmap_packs: list[BeatmapPack]
    cursor: CursorObject | UnsetType | None = UNSET
    cursor_string: str | UnsetType | None = UNSET
