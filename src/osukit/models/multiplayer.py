"""Multiplayer rooms (lazer): rooms, playlist items, leaderboards, events, playlist scores.

Follows osu-web's ``Multiplayer\\RoomTransformer``, ``PlaylistItemTransformer``,
``UserScoreAggregateTransformer`` and the rooms controllers.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from msgspec import UNSET, UnsetType

from .beatmaps import Beatmap, BeatmapCompact, Beatmapset
from .common import CursorObject, Model, Mods
from .scores import Score
from .users import UserCompact

__all__ = [
    "PlaylistItem",
    "PlaylistItemStats",
    "PlaylistScores",
    "Room",
    "RoomDifficultyRange",
    "RoomEvent",
    "RoomEventsResponse",
    "RoomLeaderboard",
    "RoomUserScore",
]


class PlaylistItem(Model):
    """A beatmap in a room's playlist with its required and allowed mods."""

    id: int
    room_id: int
    beatmap_id: int
    ruleset_id: int
    allowed_mods: Mods
    required_mods: Mods
    expired: bool
    owner_id: int
    created_at: datetime | UnsetType | None = UNSET
    freestyle: bool | UnsetType = UNSET
    playlist_order: int | UnsetType | None = UNSET
    played_at: datetime | UnsetType | None = UNSET
    beatmap: Beatmap | UnsetType = UNSET
    details: Any | UnsetType = UNSET
    scores: list[Score] | UnsetType = UNSET
    """``GET /rooms/{room}/events``: the item's scores (``PlaylistItemTransformer::includeScores``)."""


class PlaylistItemStats(Model):
    """Playlist summary of a compact room."""

    count_active: int
    count_total: int
    ruleset_ids: list[int]


class RoomDifficultyRange(Model):
    """Star range of a room's playlist."""

    max: float
    min: float


class RoomUserScore(Model):
    """A user's aggregate in a room (``UserScoreAggregateTransformer``)."""

    accuracy: float
    attempts: int
    completed: int
    pp: float
    room_id: int
    total_score: int
    user_id: int
    playlist_item_attempts: list[dict[str, int]] | UnsetType = UNSET
    position: int | UnsetType = UNSET
    user: UserCompact | UnsetType = UNSET


class Room(Model):
    """A multiplayer room or playlist (``GET /rooms``, ``GET /rooms/{room}``)."""

    id: int
    name: str
    category: str
    """``normal``, ``spotlight``, ``featured_artist``, ``daily_challenge``."""
    type: str
    """``playlists``, ``head_to_head``, ``team_versus``, ``matchmaking``."""
    user_id: int
    starts_at: datetime | None
    ends_at: datetime | None
    active: bool
    has_password: bool
    description: str | UnsetType | None = UNSET
    status: str | UnsetType = UNSET
    max_attempts: int | UnsetType | None = UNSET
    max_participants: int | UnsetType | None = UNSET
    participant_count: int | UnsetType = UNSET
    channel_id: int | UnsetType | None = UNSET
    queue_mode: str | UnsetType = UNSET
    auto_skip: bool | UnsetType = UNSET
    pinned: bool | UnsetType = UNSET
    current_playlist_item: PlaylistItem | UnsetType | None = UNSET
    current_user_score: RoomUserScore | UnsetType | None = UNSET
    difficulty_range: RoomDifficultyRange | UnsetType | None = UNSET
    host: UserCompact | UnsetType = UNSET
    playlist: list[PlaylistItem] | UnsetType = UNSET
    playlist_item_stats: PlaylistItemStats | UnsetType = UNSET
    recent_participants: list[UserCompact] | UnsetType = UNSET


class RoomLeaderboard(Model):
    """``GET /rooms/{room}/leaderboard``."""

    leaderboard: list[RoomUserScore]
    user_score: RoomUserScore | UnsetType | None = UNSET


class RoomEvent(Model):
    """An event in a room's history (join, part, game start …)."""

    id: int
    event_type: str
    created_at: datetime
    user_id: int | None
    playlist_item_id: int | UnsetType | None = UNSET
    detail: Any | UnsetType = UNSET


class RoomEventsResponse(Model):
    """``GET /rooms/{room}/events``."""

    beatmaps: list[BeatmapCompact]
    beatmapsets: list[Beatmapset]
    current_playlist_item_id: int | None
    events: list[RoomEvent]
    first_event_id: int | None
    last_event_id: int | None
    playlist_items: list[PlaylistItem]
    room: Room
    users: list[UserCompact]


class PlaylistScores(Model):
    """``GET /rooms/{room}/playlist/{playlist}/scores``."""

    scores: list[Score]
    params: dict[str, Any] | UnsetType = UNSET
    total: int | UnsetType = UNSET
    user_score: Score | UnsetType | None = UNSET
    cursor: CursorObject | UnsetType | None = UNSET
    cursor_string: str | UnsetType | None = UNSET
