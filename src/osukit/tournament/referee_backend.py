"""The match runner's and auto-host's room operations over the lazer referee hub.

`RefereeBackend` joins three osukit parts: [`osukit.referee.AsyncRefereeClient`][osukit.referee.AsyncRefereeClient]
(room operations and events), the chat API and [`osukit.bot.Bot`][osukit.bot.Bot] (the room's chat
channel, ``chat_channel_id``), and ``client.rooms.playlist_scores`` (the scores of a
finished item, from ``GET /rooms/{room}/playlist/{playlist}/scores``):

```python
client = osukit.AsyncClient(...)   # a token with multiplayer.write_manage, chat.read, chat.write
async with AsyncRefereeClient(client) as referee, RefereeBackend(referee, client) as backend:
    runner = MatchRunner(backend, pool, team_a, team_b, state_file="match.json")
    await runner.run()
```

The chat is read over the chat websocket, which on osu! accepts only tokens with
``chat.read`` (an authorization-code token of the bot account); pass ``chat_client=`` to
read and send the chat with another client than the one the hub uses.
The backend reads the referee client's events itself: do not iterate the client elsewhere
while it runs (register ``referee.on(...)`` handlers instead if you need them). Needs the
``referee`` extra.
"""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import Sequence
from typing import TYPE_CHECKING, Any

from .._exceptions import NotFoundError, OsukitError
from .._redact import logger
from ..game.mods import Mods
from ._errors import RunnerError
from .room import (
    BackendLost,
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

if TYPE_CHECKING:
    from .._async.client import AsyncClient
    from .._async.referee import AsyncRefereeClient
    from ..bot import Bot

__all__ = ["RefereeBackend"]


class RefereeBackend:
    """A [`RoomBackend`][osukit.tournament.room.RoomBackend] over the referee hub and the chat API.

    Args:
        referee: a connected (or connectable) ``AsyncRefereeClient``.
        client: the ``AsyncClient`` for REST (scores) and, unless ``chat_client`` is given, chat.
        chat_client: another client to read and send the room's chat with.
        listen_chat: read the room's chat (commands); False: the bots only talk.
        chat_url: the chat websocket (the emulator's ``notify_url`` in tests).
        bot_user_id: the bot's user id (so it ignores its own messages).
    """

    def __init__(
        self,
        referee: AsyncRefereeClient,
        client: AsyncClient,
        *,
        chat_client: AsyncClient | None = None,
        listen_chat: bool = True,
        chat_url: str | None = None,
        bot_user_id: int | None = None,
    ) -> None:
        self.referee = referee
        self.client = client
        self.chat_client = chat_client or client
        self.listen_chat = listen_chat
        self.chat_url = chat_url
        self.bot_user_id = bot_user_id
        self._queues: dict[int, asyncio.Queue[RoomEvent]] = {}
        self._channels: dict[int, int] = {}
        self._bots: dict[int, tuple[Bot, asyncio.Task[None]]] = {}
        self._pump: asyncio.Task[None] | None = None
        self._lost: OsukitError | None = None
        self._names: dict[int, str] = {}

    @property
    def site_url(self) -> str:
        """The osu! site for links in chat: the client's ``base_url`` when it is an osu! site, else
        ``https://osu.ppy.sh`` (an emulator's or a proxy's address is never shown to players)."""
        from ._chat import site_url

        return site_url(self.client.base_url)

    @property
    def web_url(self) -> str:
        """The site actually in use (the client's ``base_url``: the emulator's address against the
        emulator), for links printed to the operator; chat uses `site_url`."""
        return str(self.client.base_url).rstrip("/")

    async def _look_up(self, user_ids: Sequence[int], what: str) -> bool:
        """Learn the usernames of the ids not known yet (``GET /users?ids[]=``, 50 at a time through
        `users.get_many`; ids osu! does not return stay unknown). False when the lookup failed."""
        wanted = [int(u) for u in dict.fromkeys(user_ids) if int(u) not in self._names]
        if not wanted:
            return True
        try:
            found = await self.client.users.get_many(wanted)
        except OsukitError as exc:
            logger.info("referee backend: could not %s: %s", what, exc)
            return False
        for user in found:
            if user is not None:
                self._names[int(user.id)] = str(user.username)
        return True

    async def usernames(self, user_ids: Sequence[int]) -> dict[int, str]:
        """Usernames for user ids (``GET /users?ids[]=``, scope ``public``; cached). Users osu!
        does not return (or a failed lookup) are left out."""
        await self._look_up(user_ids, "look up usernames")
        return {int(u): self._names[int(u)] for u in user_ids if int(u) in self._names}

    async def unknown_users(self, user_ids: Sequence[int]) -> list[int] | None:
        """The ids among ``user_ids`` that are no osu! user (``GET /users?ids[]=`` leaves out ids
        that do not exist, and restricted users); None when the lookup itself failed (cannot tell)."""
        if not await self._look_up(user_ids, "check the user ids"):
            return None
        return [int(u) for u in dict.fromkeys(user_ids) if int(u) not in self._names]

    async def __aenter__(self) -> RefereeBackend:
        await self.connect()
        return self

    async def __aexit__(self, *exc_info: object) -> None:
        await self.aclose()

    async def connect(self) -> None:
        """Connect to the hub (if needed) and start reading its events."""
        await self.referee.connect()
        if self._pump is None:
            self._pump = asyncio.create_task(self._read_hub(), name="osukit-referee-backend")

    async def aclose(self) -> None:
        """Stop reading events and the chat bots (rooms stay open)."""
        for bot, task in self._bots.values():
            await bot.stop()
            with contextlib.suppress(Exception, asyncio.CancelledError):
                await asyncio.wait_for(task, 10)
        self._bots.clear()
        if self._pump is not None:
            self._pump.cancel()
            with contextlib.suppress(asyncio.CancelledError, Exception):
                await self._pump
            self._pump = None

    def _queue(self, room_id: int) -> asyncio.Queue[RoomEvent]:
        queue = self._queues.get(room_id)
        if queue is None:
            queue = self._queues[room_id] = asyncio.Queue()
            if self._lost is not None:
                queue.put_nowait(BackendLost(self._lost))
        return queue

    async def _read_hub(self) -> None:
        """Pass the hub's events on to the rooms' queues; when the connection is gone for good (the
        hub will not take it back, e.g. another connection of this account took over), every room's
        bot gets `BackendLost` and stops, instead of waiting for events that will never come."""
        try:
            await self._pass_events()
        except OsukitError as exc:
            self._lost = exc
            for queue in self._queues.values():
                queue.put_nowait(BackendLost(exc))

    async def _pass_events(self) -> None:
        from ..referee import (
            MatchAbortedEvent,
            MatchCompletedEvent,
            MatchStartedEvent,
            MatchUserStatus,
            Reconnected,
            RoomClosed,
            UserJoinedEvent,
            UserKickedEvent,
            UserLeftEvent,
            UserStatusChangedEvent,
        )

        async for event in self.referee:
            room_id = getattr(event, "room_id", None)
            if isinstance(event, Reconnected):
                for queue in self._queues.values():
                    queue.put_nowait(BackendReconnected())
                continue
            if room_id is None or room_id not in self._queues:
                continue
            queue = self._queues[room_id]
            if isinstance(event, RoomClosed):
                queue.put_nowait(RoomGone(event.reason))
            elif isinstance(event, UserJoinedEvent):
                room = self.referee.rooms.get(room_id)
                # a referee joining (through the hub) is not a player: no queue spot, no team
                if event.user_id != self._me() and (room is None or event.user_id not in room.referee_ids):
                    queue.put_nowait(PlayerJoined(event.user_id))
            elif isinstance(event, UserLeftEvent):
                queue.put_nowait(PlayerLeft(event.user_id))
            elif isinstance(event, UserKickedEvent):
                queue.put_nowait(PlayerLeft(event.kicked_user_id))
            elif isinstance(event, UserStatusChangedEvent):
                queue.put_nowait(PlayerReady(event.user_id, event.status == MatchUserStatus.READY))
            elif isinstance(event, MatchStartedEvent):
                queue.put_nowait(MapStarted(event.playlist_item_id))
            elif isinstance(event, MatchCompletedEvent):
                queue.put_nowait(MapCompleted(event.playlist_item_id))
            elif isinstance(event, MatchAbortedEvent):
                queue.put_nowait(MapAborted(event.playlist_item_id))

    def _me(self) -> int | None:
        return self.bot_user_id if self.bot_user_id is not None else self.referee.user_id

    async def _listen(self, room_id: int, channel_id: int) -> None:
        self._channels[room_id] = channel_id
        if not self.listen_chat or room_id in self._bots or not channel_id:
            return
        from ..bot import Bot, Context

        options: dict[str, Any] = {}
        if self.chat_url:
            options["url"] = self.chat_url
        bot = Bot(self.chat_client, channels=[channel_id], bot_user_id=self._me(), join=False,
                  handle_replayed=False, **options)
        queue = self._queue(room_id)

        @bot.on_message
        def heard(ctx: Context) -> None:
            if ctx.channel_id == channel_id:
                queue.put_nowait(ChatLine(ctx.sender_id, ctx.content))

        task = asyncio.create_task(bot.start(), name=f"osukit-room-chat-{room_id}")
        self._bots[room_id] = (bot, task)
        try:
            await bot.wait_ready(timeout=30)
        except (OsukitError, asyncio.TimeoutError) as exc:
            logger.warning("referee backend: the chat of room %d cannot be read: %s", room_id, exc)

    # --- RoomBackend ------------------------------------------------------------------------

    async def make_room(self, name: str, beatmap_id: int, ruleset_id: int, *, team_versus: bool,
                        max_participants: int = 0) -> RoomHandle:
        await self.connect()
        room = await self.referee.make_room(beatmap_id, ruleset_id=ruleset_id, name=name,
                                            max_participants=max_participants)
        self._queue(room.room_id)
        if team_versus:
            await self.referee.change_room_settings(room.room_id, type="team_versus")
        await self._listen(room.room_id, room.chat_channel_id)
        return RoomHandle(room.room_id, room.chat_channel_id)

    async def join_room(self, room_id: int) -> RoomHandle:
        await self.connect()
        self._queue(room_id)
        room = self.referee.rooms.get(room_id) or await self.referee.join_room(room_id)
        await self._listen(room_id, room.chat_channel_id)
        return RoomHandle(room_id, room.chat_channel_id)

    async def close_room(self, room_id: int) -> None:
        await self.referee.close_room(room_id)
        entry = self._bots.pop(room_id, None)
        if entry is not None:
            await entry[0].stop()

    async def invite(self, room_id: int, user_id: int) -> None:
        try:
            await self.referee.invite_player(room_id, user_id)
        except OsukitError as exc:  # not online: they can still join with the password
            logger.info("referee backend: could not invite %d: %s", user_id, exc)

    async def add_referee(self, room_id: int, user_id: int) -> None:
        """``AddReferee``: the user may then ``JoinRoom`` (``osukit referee watch ROOM``, or any
        referee hub client), which also puts them in the room's chat channel (osu-web adds whoever
        joins a lazer room to its ``#lazermp_`` channel): only then can they read and talk in it.
        Best effort: a refusal (not the room's host, a restricted user) is logged."""
        if user_id == self._me():
            return
        try:
            await self.referee.add_referee(room_id, user_id)
        except OsukitError as exc:
            logger.warning("referee backend: could not make %d a referee of room %d: %s", user_id, room_id, exc)

    async def move_user(self, room_id: int, user_id: int, team: str | None) -> None:
        room = self.referee.rooms.get(room_id)
        if room is not None and user_id in room.users and team is not None:
            current = room.users[user_id].team
            if current is not None and str(getattr(current, "value", current)) == team:
                return
        try:
            await self.referee.move_user(room_id, user_id, team=team)
        except OsukitError as exc:  # the player left meanwhile
            logger.info("referee backend: could not move %d to %s: %s", user_id, team, exc)

    async def set_lock(self, room_id: int, locked: bool) -> None:
        await self.referee.set_lock_state(room_id, locked)

    async def set_map(self, room_id: int, beatmap_id: int, ruleset_id: int, required_mods: Sequence[str],
                      allowed_mods: Sequence[str], freemod: bool) -> int:
        await self.referee.edit_current_playlist_item(
            room_id, beatmap_id=beatmap_id, ruleset_id=ruleset_id, required_mods=list(required_mods),
            allowed_mods=list(allowed_mods) if freemod else [], freestyle=False)
        room = self.referee.rooms.get(room_id)
        item = room.current_item if room is not None else None
        if item is None:
            raise RunnerError(f"room {room_id} has no current playlist item")
        return item.id

    async def start_match(self, room_id: int) -> None:
        await self.referee.start_match(room_id)

    async def abort_match(self, room_id: int) -> None:
        await self.referee.abort_match(room_id)

    async def players(self, room_id: int) -> dict[int, bool]:
        from ..referee import MatchUserStatus

        room = self.referee.rooms.get(room_id)
        if room is None:
            return {}
        me = self._me()
        return {uid: u.status == MatchUserStatus.READY for uid, u in room.users.items()
                if uid != me and uid not in room.referees}

    async def scores(self, room_id: int, item_id: int) -> list[ItemScore] | None:
        try:
            found = [s async for s in self.client.rooms.playlist_scores(room_id, item_id, limit=None)]
        except NotFoundError:
            return None
        if not found:
            return None
        out = []
        for s in found:
            mods = s.mods
            out.append(ItemScore(
                user_id=int(s.user_id) if isinstance(s.user_id, int) else 0,
                score=int(s.total_score) if isinstance(s.total_score, int) else 0,
                accuracy=float(s.accuracy),
                passed=bool(s.passed) if isinstance(s.passed, bool) else True,
                mods=str(mods) if isinstance(mods, Mods) else "NM",
            ))
        return out

    async def send(self, room_id: int, text: str) -> None:
        channel = self._channels.get(room_id)
        if channel is None:
            room = self.referee.rooms.get(room_id)
            channel = room.chat_channel_id if room is not None else None
        if not channel:
            return
        entry = self._bots.get(room_id)
        if entry is not None:
            await entry[0].send(channel, text)
        else:
            await self.chat_client.chat.send(channel, text)

    async def next_event(self, room_id: int) -> RoomEvent:
        return await self._queue(room_id).get()
