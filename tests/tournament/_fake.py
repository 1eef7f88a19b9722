"""An in-memory room backend with scripted players, for the runner and auto-host tests."""

from __future__ import annotations

import asyncio
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import Any

from osukit.tournament.room import (
    BackendReconnected,
    ChatLine,
    ItemScore,
    MapAborted,
    MapCompleted,
    MapStarted,
    PlayerJoined,
    PlayerLeft,
    PlayerReady,
    RoomEvent,
    RoomGone,
    RoomHandle,
)


@dataclass
class FakeRoom:
    room_id: int
    channel_id: int
    name: str
    users: dict[int, bool] = field(default_factory=dict)
    teams: dict[int, str | None] = field(default_factory=dict)
    locked: bool = False
    item_id: int = 0
    item: dict[str, Any] = field(default_factory=dict)
    in_match: bool = False
    completed: dict[int, list[ItemScore]] = field(default_factory=dict)
    chat: list[str] = field(default_factory=list)
    invited: list[int] = field(default_factory=list)
    closed: bool = False
    queue: asyncio.Queue[RoomEvent] = field(default_factory=asyncio.Queue)


class FakeBackend:
    """Rooms in memory. ``on_map`` / ``on_start`` / ``on_chat`` hooks let a test script players."""

    def __init__(self) -> None:
        self.rooms: dict[int, FakeRoom] = {}
        self._next_room = 5000
        self._next_item = 100
        self.calls: list[tuple[Any, ...]] = []
        self.on_map: Callable[[FakeRoom], None] | None = None
        self.on_start: Callable[[FakeRoom], None] | None = None
        self.on_chat: Callable[[FakeRoom, str], None] | None = None
        self.auto_join = True
        self.web_url = ""  # the site in use for the operator's links ("": osu! itself)

    # --- the protocol -----------------------------------------------------------------------

    async def make_room(self, name: str, beatmap_id: int, ruleset_id: int, *, team_versus: bool,
                        max_participants: int = 0) -> RoomHandle:
        self._next_room += 1
        room = FakeRoom(self._next_room, 90_000 + self._next_room, name)
        self._new_item(room, {"beatmap_id": beatmap_id, "ruleset_id": ruleset_id, "required": (), "allowed": (),
                              "freestyle": False})
        self.rooms[room.room_id] = room
        self.calls.append(("make_room", name, beatmap_id, team_versus))
        return RoomHandle(room.room_id, room.channel_id)

    async def join_room(self, room_id: int) -> RoomHandle:
        room = self.rooms[room_id]
        self.calls.append(("join_room", room_id))
        return RoomHandle(room.room_id, room.channel_id)

    async def close_room(self, room_id: int) -> None:
        self.rooms[room_id].closed = True
        self.calls.append(("close_room", room_id))

    async def invite(self, room_id: int, user_id: int) -> None:
        room = self.rooms[room_id]
        room.invited.append(user_id)
        if self.auto_join:  # scripted players accept invitations
            self.join(room, user_id)

    async def add_referee(self, room_id: int, user_id: int) -> None:
        self.calls.append(("add_referee", room_id, user_id))

    async def move_user(self, room_id: int, user_id: int, team: str | None) -> None:
        self.rooms[room_id].teams[user_id] = team
        self.calls.append(("move_user", user_id, team))

    async def set_lock(self, room_id: int, locked: bool) -> None:
        self.rooms[room_id].locked = locked

    async def set_map(self, room_id: int, beatmap_id: int, ruleset_id: int, required_mods: Sequence[str],
                      allowed_mods: Sequence[str], freemod: bool) -> int:
        room = self.rooms[room_id]
        assert not room.in_match
        room.item = {"beatmap_id": beatmap_id, "ruleset_id": ruleset_id, "required": tuple(required_mods),
                     "allowed": tuple(allowed_mods), "freestyle": freemod}
        self.calls.append(("set_map", beatmap_id, tuple(required_mods), freemod))
        if self.on_map is not None:
            self.on_map(room)
        return room.item_id

    async def start_match(self, room_id: int) -> None:
        room = self.rooms[room_id]
        assert not room.in_match, "started twice"
        room.in_match = True
        self.calls.append(("start", room.item_id, room.item["beatmap_id"]))
        room.queue.put_nowait(MapStarted(room.item_id))
        if self.on_start is not None:
            self.on_start(room)

    async def abort_match(self, room_id: int) -> None:
        room = self.rooms[room_id]
        assert room.in_match
        room.in_match = False
        for uid in room.users:
            room.users[uid] = False
        self.calls.append(("abort", room.item_id))
        room.queue.put_nowait(MapAborted(room.item_id))

    async def players(self, room_id: int) -> dict[int, bool]:
        return dict(self.rooms[room_id].users)

    async def scores(self, room_id: int, item_id: int) -> list[ItemScore] | None:
        return self.rooms[room_id].completed.get(item_id)

    async def send(self, room_id: int, text: str) -> None:
        room = self.rooms[room_id]
        room.chat.append(text)
        if self.on_chat is not None:
            self.on_chat(room, text)

    async def next_event(self, room_id: int) -> RoomEvent:
        return await self.rooms[room_id].queue.get()

    # --- scripted players and faults ----------------------------------------------------------

    def _new_item(self, room: FakeRoom, item: dict[str, Any]) -> None:
        self._next_item += 1
        room.item_id = self._next_item
        room.item = dict(item)

    def join(self, room: FakeRoom, user_id: int) -> None:
        room.users[user_id] = False
        room.teams.setdefault(user_id, None)
        room.queue.put_nowait(PlayerJoined(user_id))

    def leave(self, room: FakeRoom, user_id: int) -> None:
        room.users.pop(user_id, None)
        room.teams.pop(user_id, None)
        room.queue.put_nowait(PlayerLeft(user_id))

    def ready(self, room: FakeRoom, user_id: int, ready: bool = True) -> None:
        room.users[user_id] = ready
        room.queue.put_nowait(PlayerReady(user_id, ready))

    def say(self, room: FakeRoom, user_id: int, text: str) -> None:
        room.queue.put_nowait(ChatLine(user_id, text))

    def finish(self, room: FakeRoom, scores: dict[int, int], *, failed: Sequence[int] = ()) -> int:
        """The players in the match finish with these scores; like the hub, the item then expires and
        a copy becomes the current item. Returns the finished item's id."""
        assert room.in_match
        done = room.item_id
        room.completed[done] = [ItemScore(uid, score, 0.95, uid not in failed, "".join(room.item["required"]) or "NM")
                                for uid, score in scores.items()]
        room.in_match = False
        for uid in room.users:
            room.users[uid] = False
        self._new_item(room, room.item)
        room.queue.put_nowait(MapCompleted(done))
        return done

    def close_by_server(self, room: FakeRoom, reason: str = "closed") -> None:
        room.closed = True
        room.queue.put_nowait(RoomGone(reason))

    def reconnect(self, room: FakeRoom) -> None:
        room.queue.put_nowait(BackendReconnected())
