"""Multiplayer group: lazer rooms and stable matches (routes and parameter types)."""

from __future__ import annotations

from .._route import route
from ..enums import OsuStrEnum
from ..models.matches import LegacyMatchResponse, MatchesResponse, MatchResponse
from ..models.multiplayer import PlaylistScores, Room, RoomEventsResponse, RoomLeaderboard


class RoomMode(OsuStrEnum):
    """Which rooms ``GET /rooms`` lists."""

    ACTIVE = "active"
    ALL = "all"
    ENDED = "ended"
    PARTICIPATED = "participated"
    OWNED = "owned"


class RoomCategory(OsuStrEnum):
    """Kind of room."""

    NORMAL = "normal"
    SPOTLIGHT = "spotlight"
    FEATURED_ARTIST = "featured_artist"
    DAILY_CHALLENGE = "daily_challenge"
    REALTIME = "realtime"
    PLAYLISTS = "playlists"


class MatchSort(OsuStrEnum):
    """Order of the match listing."""

    ID_ASC = "id_asc"
    ID_DESC = "id_desc"


class PlaylistScoreSort(OsuStrEnum):
    """Order of a playlist item's scores."""

    SCORE_ASC = "score_asc"
    SCORE_DESC = "score_desc"


ROOM_LEADERBOARD = route("GET", "api/v2/rooms/{room}/leaderboard", scope="public", name="rooms.leaderboard",
                         response=RoomLeaderboard)
ROOM_EVENTS = route("GET", "api/v2/rooms/{room}/events", scope="public", name="rooms.events",
                    response=RoomEventsResponse, paginated="id_range")
PLAYLIST_SCORES = route("GET", "api/v2/rooms/{room}/playlist/{playlist}/scores", scope="public",
                        name="rooms.playlist_scores", response=PlaylistScores, paginated="cursor_string")
ROOM_TYPE_GROUPS = ("playlists", "ranked-play", "realtime")
"""``type_group`` of the room list (osu-web ``Multiplayer\\Room::TYPE_GROUPS``)."""
ROOM_SORTS = ("created", "ended")
"""``sort`` of the room list (osu-web ``Multiplayer\\Room::SORTS``)."""

ROOMS = route("GET", "api/v2/rooms", scope="public", name="rooms.list", response=list[Room])
ROOM = route("GET", "api/v2/rooms/{room}", scope="public", name="rooms.get", response=Room)
MATCHES = route("GET", "api/v2/matches", scope="public", name="matches.list", response=MatchesResponse,
                paginated="cursor_string")
MATCH = route("GET", "api/v2/matches/{match}", scope="public", name="matches.get", response=MatchResponse,
              paginated="id_range", legacy_response=LegacyMatchResponse)
