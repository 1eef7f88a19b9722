"""Request, response and event models of osu!'s referee hub (``/referee`` on osu-server-spectator).

Names and JSON keys follow ``osu.Server.Spectator/Hubs/Referee/Models/**`` in ppy/osu-server-spectator
(the hub's documentation marks the contract *unstable*). Like every osukit model they are tolerant
(unknown keys are kept, never an error) and lossless (``osukit.dump`` gives back what was sent).
Enums accept values osukit does not know yet (pseudo-members, ``.is_known`` False).
"""

from __future__ import annotations

from typing import Any, ClassVar

import msgspec

from .._models import UNSET, Model, UnsetType
from ..enums import OsuStrEnum

__all__ = [
    "EVENT_TYPES",
    "AddPlaylistItemRequest",
    "ChangeRoomSettingsRequest",
    "CountdownStartedEvent",
    "CountdownStoppedEvent",
    "CountdownType",
    "EditCurrentPlaylistItemRequest",
    "EditPlaylistItemRequest",
    "HubEvent",
    "ListRoomsResponse",
    "MakeRoomRequest",
    "MatchAbortedEvent",
    "MatchCompletedEvent",
    "MatchStartedEvent",
    "MatchState",
    "MatchStateChangedEvent",
    "MatchTeam",
    "MatchType",
    "MatchUserStatus",
    "Mod",
    "MoveUserRequest",
    "Player",
    "PlaylistItem",
    "PlaylistItemAddedEvent",
    "PlaylistItemChangedEvent",
    "PlaylistItemRemovedEvent",
    "PongEvent",
    "Referee",
    "RefereeAddedEvent",
    "RefereeInvitedEvent",
    "RefereeRemovedEvent",
    "RemovePlaylistItemRequest",
    "RollCompletedEvent",
    "RollRequest",
    "RoomJoinedResponse",
    "RoomSettingsChangedEvent",
    "SetLockStateRequest",
    "StartGameplayRequest",
    "Style",
    "UserBannedEvent",
    "UserJoinedEvent",
    "UserKickedEvent",
    "UserLeftEvent",
    "UserModsChangedEvent",
    "UserStatusChangedEvent",
    "UserStyleChangedEvent",
    "UserTeamChangedEvent",
]


class MatchType(OsuStrEnum):
    """``Models/MatchType.cs``."""

    HEAD_TO_HEAD = "head_to_head"
    TEAM_VERSUS = "team_versus"


class MatchTeam(OsuStrEnum):
    """``Models/MatchTeam.cs``."""

    RED = "red"
    BLUE = "blue"


class MatchUserStatus(OsuStrEnum):
    """``Models/MatchUserStatus.cs``: a player's status as the hub shows it to referees."""

    IDLE = "idle"
    READY = "ready"
    PLAYING = "playing"
    FINISHED_PLAY = "finished_play"
    SPECTATING = "spectating"


class CountdownType(OsuStrEnum):
    """``Models/CountdownType.cs``."""

    MATCH_START = "match_start"
    SERVER_SHUTTING_DOWN = "server_shutting_down"


# --- shared pieces -------------------------------------------------------------------------------

class Mod(Model):
    """A mod with its settings (``Models/Mod.cs``); ``settings`` is left out for allowed (free) mods."""

    acronym: str
    settings: dict[str, Any] | UnsetType | None = UNSET


class Style(Model):
    """A player's freestyle choice (``Player.cs`` ``Style``)."""

    ruleset_id: int | None = None
    beatmap_id: int | None = None


class Player(Model):
    """A player in a room (``Events/Player.cs``)."""

    user_id: int
    status: MatchUserStatus = MatchUserStatus.IDLE
    style: Style = msgspec.field(default_factory=Style)
    mods: list[Mod] = msgspec.field(default_factory=list)
    team: MatchTeam | None = None


class Referee(Model):
    """A referee in a room (``Events/Referee.cs``)."""

    user_id: int


class PlaylistItem(Model):
    """A playlist item (``Events/PlaylistItem.cs``); ``id`` is the playlist item id."""

    id: int
    ruleset_id: int
    beatmap_id: int
    required_mods: list[Mod] = msgspec.field(default_factory=list)
    allowed_mods: list[Mod] = msgspec.field(default_factory=list)
    freestyle: bool = False
    was_played: bool = False
    order: int = 0


class MatchState(Model):
    """The match-type state of a room (``Events/MatchState.cs``).

    ``slots`` is None when the room has no participant limit; otherwise one entry per slot, the
    user id occupying it or None when it is free.
    """

    type: MatchType = MatchType.HEAD_TO_HEAD
    locked: bool = False
    slots: list[int | None] | None = None


# --- requests --------------------------------------------------------------------------------------

class MakeRoomRequest(Model):
    """``MakeRoom``: a new room playing ``beatmap_id`` in ``ruleset_id``.

    ``max_participants`` 0 means no limit (and no slots); 2-256 turns slots on.
    """

    ruleset_id: int
    beatmap_id: int
    name: str = ""
    max_participants: int = 0


class ChangeRoomSettingsRequest(Model):
    """``ChangeRoomSettings``: None keeps a setting. ``password=""`` removes the password;
    ``max_participants=0`` removes the limit, 2-128 sets it."""

    name: str | None = None
    password: str | None = None
    type: MatchType | None = None
    max_participants: int | None = None


class _EditPlaylistItemParameters(Model):
    ruleset_id: int | None = None
    beatmap_id: int | None = None
    required_mods: list[Mod] | None = None
    allowed_mods: list[Mod] | None = None
    freestyle: bool | None = None


class EditCurrentPlaylistItemRequest(_EditPlaylistItemParameters):
    """``EditCurrentPlaylistItem``: None keeps a field. Changing the ruleset without giving mods
    resets the mods (``RefereeHub.applyUpdatesToPlaylistItem``)."""


class EditPlaylistItemRequest(_EditPlaylistItemParameters):
    """``EditPlaylistItem``: like ``EditCurrentPlaylistItemRequest`` for ``playlist_item_id``
    (required; 0 is never a real id)."""

    playlist_item_id: int = 0


class AddPlaylistItemRequest(Model):
    """``AddPlaylistItem``."""

    ruleset_id: int
    beatmap_id: int
    required_mods: list[Mod] = msgspec.field(default_factory=list)
    allowed_mods: list[Mod] = msgspec.field(default_factory=list)
    freestyle: bool = False


class RemovePlaylistItemRequest(Model):
    """``RemovePlaylistItem``."""

    playlist_item_id: int


class RollRequest(Model):
    """``Roll``: ``max`` in [2, 100] (the server's error 17 says [1, 100]); None means 100."""

    max: int | None = None


class MoveUserRequest(Model):
    """``MoveUser``: ``slot`` (rooms with slots) and/or ``team`` (team versus); None keeps it."""

    user_id: int
    slot: int | None = None
    team: MatchTeam | None = None


class SetLockStateRequest(Model):
    """``SetLockState``: a locked room stops players changing team or slot themselves."""

    locked: bool


class StartGameplayRequest(Model):
    """``StartMatch``: ``countdown`` seconds before gameplay; None starts now."""

    countdown: int | None = None


# --- responses -------------------------------------------------------------------------------------

class RoomJoinedResponse(Model):
    """What ``MakeRoom`` and ``JoinRoom`` return (``Responses/RoomJoinedResponse.cs``).

    ``chat_channel_id`` is the room's osu!web chat channel (read it with ``client.chat``).
    """

    room_id: int
    chat_channel_id: int = 0
    name: str = ""
    password: str = ""
    state: MatchState = msgspec.field(default_factory=MatchState)
    playlist: list[PlaylistItem] = msgspec.field(default_factory=list)
    players: list[Player] = msgspec.field(default_factory=list)
    referees: list[Referee] = msgspec.field(default_factory=list)


class ListRoomsResponse(Model):
    """What ``ListRooms`` returns: the rooms the caller referees."""

    room_ids: list[int] = msgspec.field(default_factory=list)


# --- events ------------------------------------------------------------------------------------------

class HubEvent(Model):
    """Base of the hub's events. ``hub_method`` is the ``IRefereeHubClient`` method that carries it."""

    hub_method: ClassVar[str] = ""


class PongEvent(HubEvent):
    """``Pong``: the answer to the obsolete test method ``Ping``."""

    hub_method: ClassVar[str] = "Pong"
    message: str = ""


class UserJoinedEvent(HubEvent):
    """``UserJoined``: a player or referee joined the room."""

    hub_method: ClassVar[str] = "UserJoined"
    room_id: int
    user_id: int


class UserLeftEvent(HubEvent):
    """``UserLeft``."""

    hub_method: ClassVar[str] = "UserLeft"
    room_id: int
    user_id: int


class UserKickedEvent(HubEvent):
    """``UserKicked``."""

    hub_method: ClassVar[str] = "UserKicked"
    room_id: int
    kicked_user_id: int
    kicking_user_id: int


class UserBannedEvent(HubEvent):
    """``UserBanned``."""

    hub_method: ClassVar[str] = "UserBanned"
    room_id: int
    banned_user_id: int
    banning_user_id: int


class RefereeAddedEvent(HubEvent):
    """``RefereeAdded``: the user may now referee (joining is a separate ``UserJoinedEvent``)."""

    hub_method: ClassVar[str] = "RefereeAdded"
    room_id: int
    user_id: int


class RefereeRemovedEvent(HubEvent):
    """``RefereeRemoved``: also sent when a referee's connection drops (they may rejoin)."""

    hub_method: ClassVar[str] = "RefereeRemoved"
    room_id: int
    user_id: int


class RefereeInvitedEvent(HubEvent):
    """``RefereeInvited``: sent only to the invited user."""

    hub_method: ClassVar[str] = "RefereeInvited"
    room_id: int


class RoomSettingsChangedEvent(HubEvent):
    """``RoomSettingsChanged``: ``playlist_item_id`` is the current playlist item."""

    hub_method: ClassVar[str] = "RoomSettingsChanged"
    room_id: int
    name: str = ""
    password: str = ""
    type: MatchType = MatchType.HEAD_TO_HEAD
    playlist_item_id: int = 0
    max_participants: int | None = None


class MatchStateChangedEvent(HubEvent):
    """``MatchStateChanged``: type, lock and slots."""

    hub_method: ClassVar[str] = "MatchStateChanged"
    room_id: int
    state: MatchState


class PlaylistItemAddedEvent(HubEvent):
    """``PlaylistItemAdded``."""

    hub_method: ClassVar[str] = "PlaylistItemAdded"
    room_id: int
    playlist_item: PlaylistItem


class PlaylistItemChangedEvent(HubEvent):
    """``PlaylistItemChanged``."""

    hub_method: ClassVar[str] = "PlaylistItemChanged"
    room_id: int
    playlist_item: PlaylistItem


class PlaylistItemRemovedEvent(HubEvent):
    """``PlaylistItemRemoved``."""

    hub_method: ClassVar[str] = "PlaylistItemRemoved"
    room_id: int
    playlist_item_id: int


class RollCompletedEvent(HubEvent):
    """``RollCompleted``: ``result`` in [1, ``max``]."""

    hub_method: ClassVar[str] = "RollCompleted"
    room_id: int
    user_id: int
    max: int
    result: int


class UserStatusChangedEvent(HubEvent):
    """``UserStatusChanged``."""

    hub_method: ClassVar[str] = "UserStatusChanged"
    room_id: int
    user_id: int
    status: MatchUserStatus


class UserModsChangedEvent(HubEvent):
    """``UserModsChanged``: the player's free mods (without the item's required mods)."""

    hub_method: ClassVar[str] = "UserModsChanged"
    room_id: int
    user_id: int
    mods: list[Mod] = msgspec.field(default_factory=list)


class UserStyleChangedEvent(HubEvent):
    """``UserStyleChanged`` (freestyle items)."""

    hub_method: ClassVar[str] = "UserStyleChanged"
    room_id: int
    user_id: int
    beatmap_id: int | None = None
    ruleset_id: int | None = None


class UserTeamChangedEvent(HubEvent):
    """``UserTeamChanged``."""

    hub_method: ClassVar[str] = "UserTeamChanged"
    room_id: int
    user_id: int
    team: MatchTeam | None = None


class CountdownStartedEvent(HubEvent):
    """``CountdownStarted``: ``seconds`` (fractional) until it completes.

    A ``server_shutting_down`` countdown means this server instance is going away: see
    ``osukit.referee.AsyncRefereeClient`` on shutdowns.
    """

    hub_method: ClassVar[str] = "CountdownStarted"
    room_id: int
    countdown_id: int
    seconds: float
    type: CountdownType


class CountdownStoppedEvent(HubEvent):
    """``CountdownStopped`` (completed or cancelled)."""

    hub_method: ClassVar[str] = "CountdownStopped"
    room_id: int
    countdown_id: int
    type: CountdownType


class MatchStartedEvent(HubEvent):
    """``MatchStarted``: ``teams`` and ``slots`` map user ids to team / slot (int keys like ``Room.users``;
    the JSON's string keys are converted)."""

    hub_method: ClassVar[str] = "MatchStarted"
    room_id: int
    playlist_item_id: int
    type: MatchType = MatchType.HEAD_TO_HEAD
    teams: dict[int, MatchTeam] | None = None
    slots: dict[int, int] | None = None


class MatchAbortedEvent(HubEvent):
    """``MatchAborted``."""

    hub_method: ClassVar[str] = "MatchAborted"
    room_id: int
    playlist_item_id: int


class MatchCompletedEvent(HubEvent):
    """``MatchCompleted``."""

    hub_method: ClassVar[str] = "MatchCompleted"
    room_id: int
    playlist_item_id: int


EVENT_TYPES: dict[str, type[HubEvent]] = {
    cls.hub_method: cls
    for cls in (
        PongEvent, UserJoinedEvent, UserLeftEvent, UserKickedEvent, UserBannedEvent, RefereeAddedEvent,
        RefereeRemovedEvent, RefereeInvitedEvent, RoomSettingsChangedEvent, MatchStateChangedEvent,
        PlaylistItemAddedEvent, PlaylistItemChangedEvent, PlaylistItemRemovedEvent, RollCompletedEvent,
        UserStatusChangedEvent, UserModsChangedEvent, UserStyleChangedEvent, UserTeamChangedEvent,
        CountdownStartedEvent, CountdownStoppedEvent, MatchStartedEvent, MatchAbortedEvent, MatchCompletedEvent,
    )
}
"""``IRefereeHubClient`` method name → event model (22 events and the obsolete ``Pong``)."""
