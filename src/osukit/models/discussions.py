"""Beatmapset discussions (modding), their posts and votes, and beatmapset events."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from msgspec import UNSET, UnsetType

from .beatmaps import Beatmap, BeatmapCompact, Beatmapset
from .common import CursorObject, Model
from .users import UserCompact

__all__ = [
    "BeatmapsetDiscussion",
    "BeatmapsetDiscussionPost",
    "BeatmapsetDiscussionVote",
    "BeatmapsetEvent",
    "BeatmapsetEventsResponse",
    "DiscussionPostsResponse",
    "DiscussionVotesResponse",
    "DiscussionsResponse",
]


class BeatmapsetDiscussionPost(Model):
    """A post in a discussion thread."""

    id: int
    beatmapset_discussion_id: int
    user_id: int
    message: str
    system: bool
    created_at: datetime
    updated_at: datetime | None
    deleted_at: datetime | None
    deleted_by_id: int | None
    last_editor_id: int | None


class BeatmapsetDiscussion(Model):
    """A modding thread (suggestion, problem, praise, hype …)."""

    id: int
    beatmapset_id: int
    beatmap_id: int | None
    user_id: int
    message_type: str
    parent_id: int | None
    timestamp: int | None
    """Position in the map (ms) for timeline discussions."""
    resolved: bool
    can_be_resolved: bool
    can_grant_kudosu: bool
    created_at: datetime
    updated_at: datetime | None
    deleted_at: datetime | None
    deleted_by_id: int | None
    last_post_at: datetime
    kudosu_denied: bool
    starting_post: BeatmapsetDiscussionPost | UnsetType = UNSET
    posts: list[BeatmapsetDiscussionPost] | UnsetType = UNSET
    votes: Any | UnsetType = UNSET
    current_user_attributes: Any | UnsetType = UNSET
    beatmap: BeatmapCompact | UnsetType | None = UNSET
    beatmapset: Beatmapset | UnsetType | None = UNSET


class BeatmapsetDiscussionVote(Model):
    """A vote on a discussion (+1 / -1)."""

    id: int
    beatmapset_discussion_id: int
    user_id: int
    score: int
    created_at: datetime
    updated_at: datetime | None


class DiscussionsResponse(Model):
    """``GET /beatmapsets/discussions``."""

    beatmaps: list[Beatmap]
    """Full beatmaps (``BeatmapTransformer`` in osu-web's ``BeatmapsetDiscussionsBundle``)."""
    discussions: list[BeatmapsetDiscussion]
    included_discussions: list[BeatmapsetDiscussion]
    users: list[UserCompact]
    beatmapsets: list[Beatmapset] | UnsetType = UNSET
    reviews_config: dict[str, Any] | UnsetType = UNSET
    cursor: CursorObject | UnsetType | None = UNSET
    cursor_string: str | UnsetType | None = UNSET


class DiscussionPostsResponse(Model):
    """``GET /beatmapsets/discussions/posts``."""

    beatmapsets: list[Beatmapset]
    discussions: list[BeatmapsetDiscussion]
    posts: list[BeatmapsetDiscussionPost]
    users: list[UserCompact]
    cursor: CursorObject | UnsetType | None = UNSET
    cursor_string: str | UnsetType | None = UNSET


class DiscussionVotesResponse(Model):
    """``GET /beatmapsets/discussions/votes``."""

    discussions: list[BeatmapsetDiscussion]
    users: list[UserCompact]
    votes: list[BeatmapsetDiscussionVote]
    cursor: CursorObject | UnsetType | None = UNSET
    cursor_string: str | UnsetType | None = UNSET


class BeatmapsetEvent(Model):
    """A change in a beatmapset's life (nominate, qualify, rank, kudosu, edits …)."""

    id: int
    type: str
    created_at: datetime
    user_id: int | None
    comment: dict[str, Any] | UnsetType | None = UNSET
    """Details depending on ``type`` (old/new values, discussion ids, votes …)."""
    beatmapset: Beatmapset | UnsetType | None = UNSET
    discussion: BeatmapsetDiscussion | UnsetType | None = UNSET


class BeatmapsetEventsResponse(Model, kw_only=True):
    """``GET /beatmapsets/events``."""

    events: list[BeatmapsetEvent]
    reviewsConfig: dict[str, Any] | UnsetType = UNSET
    users: list[UserCompact]
