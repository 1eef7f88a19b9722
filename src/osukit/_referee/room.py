"""The live room model: what a referee sees of one room, kept up to date by the hub's events.

A ``Room`` starts from a ``RoomJoinedResponse`` (``MakeRoom`` / ``JoinRoom``) and every event
for its ``room_id`` is applied to it by the client *before* the event is handed to your code, so
inside an ``async for event in client`` loop or a handler ``client.rooms[event.room_id]`` already
shows the state after the event.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from .models import (
    CountdownStartedEvent,
    CountdownStoppedEvent,
    CountdownType,
    HubEvent,
    MatchAbortedEvent,
    MatchCompletedEvent,
    MatchStartedEvent,
    MatchStateChangedEvent,
    MatchTeam,
    MatchType,
    MatchUserStatus,
    Mod,
    Player,
    PlaylistItem,
    PlaylistItemAddedEvent,
    PlaylistItemChangedEvent,
    PlaylistItemRemovedEvent,
    RefereeAddedEvent,
    RefereeRemovedEvent,
    RollCompletedEvent,
    RoomJoinedResponse,
    RoomSettingsChangedEvent,
    Style,
    UserBannedEvent,
    UserJoinedEvent,
    UserKickedEvent,
    UserLeftEvent,
    UserModsChangedEvent,
    UserStatusChangedEvent,
    UserStyleChangedEvent,
    UserTeamChangedEvent,
)

__all__ = ["Countdown", "Room", "RoomUser"]


@dataclass
class RoomUser:
    """A player in a room."""

    user_id: int
    status: MatchUserStatus = MatchUserStatus.IDLE
    team: MatchTeam | None = None
    mods: list[Mod] = field(default_factory=list)
    style: Style = field(default_factory=Style)
    slot: int | None = None
    """Index of the player's slot (rooms with a participant limit), else None."""

    @classmethod
    def from_player(cls, p: Player) -> RoomUser:
        return cls(user_id=p.user_id, status=p.status, team=p.team, mods=list(p.mods), style=p.style)


@dataclass
class Countdown:
    """A running countdown: ``ends_at`` is on the client's monotonic clock."""

    countdown_id: int
    type: CountdownType
    ends_at: float

    def remaining(self, now: float) -> float:
        return max(0.0, self.ends_at - now)


@dataclass
class Room:
    """One refereed room.

    Attributes:
        users: the players by user id (status, team, mods, style, slot).
        referees: user ids of the referees *joined* to the room.
        referee_ids: user ids known to hold referee privileges (joined or not).
        playlist: items by playlist item id, in playlist order (``order``, then id).
        current_item_id: the current playlist item (from ``RoomSettingsChanged``; before the first
            one, the first item not played yet).
        locked: players cannot change team or slot themselves.
        slots: per slot the user id in it, or None (the room has no participant limit).
        countdowns: the running countdowns by id (``match_start``, ``server_shutting_down``).
        in_match: a match is being played (from ``MatchStarted`` until it completes or is aborted).
        banned: user ids banned while this client watched.
        last_roll: the last ``RollCompleted``.
    """

    room_id: int
    chat_channel_id: int = 0
    name: str = ""
    password: str = ""
    type: MatchType = MatchType.HEAD_TO_HEAD
    max_participants: int | None = None
    locked: bool = False
    slots: list[int | None] | None = None
    users: dict[int, RoomUser] = field(default_factory=dict)
    referees: set[int] = field(default_factory=set)
    referee_ids: set[int] = field(default_factory=set)
    playlist: dict[int, PlaylistItem] = field(default_factory=dict)
    current_item_id: int | None = None
    countdowns: dict[int, Countdown] = field(default_factory=dict)
    in_match: bool = False
    banned: set[int] = field(default_factory=set)
    last_roll: RollCompletedEvent | None = None
    closed: bool = False

    @classmethod
    def from_response(cls, response: RoomJoinedResponse) -> Room:
        room = cls(room_id=response.room_id)
        room.reset(response)
        return room

    def reset(self, response: RoomJoinedResponse) -> None:
        """Replace the state with a fresh ``RoomJoinedResponse`` (keeps countdowns still running)."""
        self.chat_channel_id = response.chat_channel_id
        self.name = response.name
        self.password = response.password
        self.type = response.state.type
        self.locked = response.state.locked
        self.slots = list(response.state.slots) if response.state.slots is not None else None
        if self.slots is not None:
            self.max_participants = len(self.slots)
        self.users = {p.user_id: RoomUser.from_player(p) for p in response.players}
        self.referees = {r.user_id for r in response.referees}
        self.referee_ids |= self.referees
        self.playlist = {item.id: item for item in sorted(response.playlist, key=lambda i: (i.order, i.id))}
        if self.current_item_id not in self.playlist:
            self.current_item_id = None
        self.in_match = any(u.status == MatchUserStatus.PLAYING for u in self.users.values())
        self._place_slots()

    # --- derived ------------------------------------------------------------------------------

    @property
    def current_item(self) -> PlaylistItem | None:
        """The current playlist item."""
        if self.current_item_id is not None and self.current_item_id in self.playlist:
            return self.playlist[self.current_item_id]
        items = sorted(self.playlist.values(), key=lambda i: (i.order, i.id))
        unplayed = [i for i in items if not i.was_played]
        if unplayed:
            return unplayed[0]
        return items[-1] if items else None

    def players_with(self, status: MatchUserStatus) -> list[int]:
        """User ids of the players with ``status``."""
        return [u.user_id for u in self.users.values() if u.status == status]

    def team(self, team: MatchTeam) -> list[int]:
        """User ids of the players in ``team`` (team versus)."""
        return [u.user_id for u in self.users.values() if u.team == team]

    def _place_slots(self) -> None:
        for user in self.users.values():
            user.slot = None
        if self.slots is None:
            return
        for index, uid in enumerate(self.slots):
            if uid is not None and uid in self.users:
                self.users[uid].slot = index

    def _user(self, user_id: int) -> RoomUser:
        user = self.users.get(user_id)
        if user is None:
            user = self.users[user_id] = RoomUser(user_id=user_id)
        return user

    # --- events ---------------------------------------------------------------------------------

    def apply(self, event: HubEvent, now: float) -> None:
        """Apply one event of this room (``now`` is the client's monotonic time, for countdowns)."""
        if isinstance(event, UserJoinedEvent):
            if event.user_id in self.referee_ids:
                self.referees.add(event.user_id)
            else:
                self._user(event.user_id)
        elif isinstance(event, (UserLeftEvent, UserKickedEvent, UserBannedEvent)):
            uid = event.user_id if isinstance(event, UserLeftEvent) else (
                event.kicked_user_id if isinstance(event, UserKickedEvent) else event.banned_user_id)
            self.users.pop(uid, None)
            self.referees.discard(uid)
            if isinstance(event, UserBannedEvent):
                self.banned.add(uid)
            if self.slots is not None:
                self.slots = [None if s == uid else s for s in self.slots]
        elif isinstance(event, RefereeAddedEvent):
            self.referee_ids.add(event.user_id)  # joined only on its UserJoined
        elif isinstance(event, RefereeRemovedEvent):
            self.referees.discard(event.user_id)
        elif isinstance(event, RoomSettingsChangedEvent):
            self.name = event.name
            self.password = event.password
            self.type = event.type
            self.current_item_id = event.playlist_item_id or self.current_item_id
            self.max_participants = event.max_participants
        elif isinstance(event, MatchStateChangedEvent):
            self.type = event.state.type
            self.locked = event.state.locked
            self.slots = list(event.state.slots) if event.state.slots is not None else None
            self._place_slots()
        elif isinstance(event, (PlaylistItemAddedEvent, PlaylistItemChangedEvent)):
            item = event.playlist_item
            self.playlist[item.id] = item
            self.playlist = dict(sorted(self.playlist.items(), key=lambda kv: (kv[1].order, kv[1].id)))
        elif isinstance(event, PlaylistItemRemovedEvent):
            self.playlist.pop(event.playlist_item_id, None)
            if self.current_item_id == event.playlist_item_id:
                self.current_item_id = None
        elif isinstance(event, RollCompletedEvent):
            self.last_roll = event
        elif isinstance(event, UserStatusChangedEvent):
            self._user(event.user_id).status = event.status
        elif isinstance(event, UserModsChangedEvent):
            self._user(event.user_id).mods = list(event.mods)
        elif isinstance(event, UserStyleChangedEvent):
            self._user(event.user_id).style = Style(ruleset_id=event.ruleset_id, beatmap_id=event.beatmap_id)
        elif isinstance(event, UserTeamChangedEvent):
            self._user(event.user_id).team = event.team
        elif isinstance(event, CountdownStartedEvent):
            self.countdowns[event.countdown_id] = Countdown(event.countdown_id, event.type, now + event.seconds)
        elif isinstance(event, CountdownStoppedEvent):
            self.countdowns.pop(event.countdown_id, None)
        elif isinstance(event, MatchStartedEvent):
            self.in_match = True
            self.current_item_id = event.playlist_item_id
            for uid, team in (event.teams or {}).items():
                if uid in self.users:
                    self.users[uid].team = team
        elif isinstance(event, (MatchAbortedEvent, MatchCompletedEvent)):
            self.in_match = False

    def snapshot(self) -> dict[str, Any]:
        """A plain-dict view (for logs and the CLI)."""
        current = self.current_item
        return {
            "room_id": self.room_id, "name": self.name, "chat_channel_id": self.chat_channel_id,
            "type": str(self.type), "locked": self.locked, "slots": self.slots, "in_match": self.in_match,
            "current_item": None if current is None else {"id": current.id, "beatmap_id": current.beatmap_id,
                                                           "ruleset_id": current.ruleset_id},
            "users": {uid: {"status": str(u.status), "team": None if u.team is None else str(u.team), "slot": u.slot,
                            "mods": [m.acronym for m in u.mods]} for uid, u in self.users.items()},
            "referees": sorted(self.referees), "playlist": list(self.playlist),
            "countdowns": {cid: str(c.type) for cid, c in self.countdowns.items()},
        }
