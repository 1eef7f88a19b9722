"""What the match runner and the auto-host need from a multiplayer room: a small protocol.

`RoomBackend` is the handful of room operations both bots use (make or join the
room, invite, move players to teams, lock, set the map and mods, start, abort, read the
scores of a finished item, talk in the room's chat) and the events they react to,
already reduced to what matters (`RoomEvent`). `RefereeBackend` implements it
over [`osukit.referee.AsyncRefereeClient`][osukit.referee.AsyncRefereeClient] (the lazer referee hub) and the chat API;
tests use an in-memory fake. A backend handles one room at a time per bot.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Protocol, runtime_checkable

__all__ = [
    "BackendReconnected",
    "ChatLine",
    "ItemScore",
    "MapAborted",
    "MapCompleted",
    "MapStarted",
    "PlayerJoined",
    "PlayerLeft",
    "PlayerReady",
    "RoomBackend",
    "RoomEvent",
    "RoomGone",
    "RoomHandle",
]


@dataclass(frozen=True)
class RoomHandle:
    """A room the backend manages: its id and its chat channel."""

    room_id: int
    channel_id: int


@dataclass(frozen=True)
class ItemScore:
    """One player's result on a playlist item (what ``/rooms/{room}/playlist/{item}/scores`` lists)."""

    user_id: int
    score: int
    accuracy: float
    passed: bool = True
    mods: str = "NM"


@dataclass(frozen=True)
class PlayerJoined:
    user_id: int


@dataclass(frozen=True)
class PlayerLeft:
    user_id: int


@dataclass(frozen=True)
class PlayerReady:
    """A player's ready state changed (``ready`` False: idle again)."""

    user_id: int
    ready: bool


@dataclass(frozen=True)
class MapStarted:
    item_id: int


@dataclass(frozen=True)
class MapCompleted:
    item_id: int


@dataclass(frozen=True)
class MapAborted:
    item_id: int


@dataclass(frozen=True)
class ChatLine:
    """A message in the room's chat."""

    user_id: int
    text: str


@dataclass(frozen=True)
class RoomGone:
    """The room closed under the bot (another referee closed it, the abandon rule, the bot lost
    its referee rights); ``reason`` as the backend tells it."""

    reason: str


@dataclass(frozen=True)
class BackendReconnected:
    """The backend lost its connection and is back (the room was rejoined); state may have moved."""


@dataclass(frozen=True)
class BackendLost:
    """The backend's connection is gone for good and it will not reconnect (e.g. another referee
    connection of the same account took over: the hub keeps one per account); the bot stops with
    ``error``."""

    error: Exception


RoomEvent = (
    PlayerJoined | PlayerLeft | PlayerReady | MapStarted | MapCompleted | MapAborted | ChatLine | BackendReconnected
    | RoomGone | BackendLost
)


@runtime_checkable
class RoomBackend(Protocol):
    """The room operations of the match runner and the auto-host."""

    async def make_room(self, name: str, beatmap_id: int, ruleset_id: int, *, team_versus: bool,
                        max_participants: int = 0) -> RoomHandle:
        """Make a room (the bot is its referee) with a first map; ``max_participants`` slots (0: no limit)."""
        ...

    async def join_room(self, room_id: int) -> RoomHandle:
        """Take a room up again (after a restart)."""
        ...

    async def close_room(self, room_id: int) -> None: ...

    async def invite(self, room_id: int, user_id: int) -> None: ...

    async def add_referee(self, room_id: int, user_id: int) -> None:
        """Make another user a referee of the room (they can then join it, and its chat)."""
        ...

    async def move_user(self, room_id: int, user_id: int, team: str | None) -> None:
        """Put a player in ``"red"`` or ``"blue"``."""
        ...

    async def set_lock(self, room_id: int, locked: bool) -> None: ...

    async def set_map(
        self,
        room_id: int,
        beatmap_id: int,
        ruleset_id: int,
        required_mods: Sequence[str],
        allowed_mods: Sequence[str],
        freemod: bool,
    ) -> int:
        """Set the current item's map and mods (``freemod``: players choose among ``allowed_mods``);
        returns the current playlist item id."""
        ...

    async def start_match(self, room_id: int) -> None:
        """Start the map now (the players who are ready play it)."""
        ...

    async def abort_match(self, room_id: int) -> None: ...

    async def players(self, room_id: int) -> dict[int, bool]:
        """The players in the room and whether each is ready."""
        ...

    async def scores(self, room_id: int, item_id: int) -> list[ItemScore] | None:
        """The scores of a finished item, or None when it was not (or not yet) completed."""
        ...

    async def send(self, room_id: int, text: str) -> None:
        """Say something in the room's chat."""
        ...

    async def next_event(self, room_id: int) -> RoomEvent:
        """Wait for the room's next event."""
        ...
