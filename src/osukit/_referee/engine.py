"""The connection engine behind the referee clients: token, connect, reconnect, rebuild, events.

``AsyncRefereeEngine`` owns the SignalR connection. When it drops (or the server goes quiet
past ``server_timeout``) it waits per ``osukit.realtime.ReconnectPolicy``, reconnects with a
token from the osukit client (a fresh one after an auth refusal), asks ``ListRooms`` which rooms
this account still referees, calls ``JoinRoom`` again for every room it was managing and resets
each ``~osukit.referee.Room`` from the answer. The event stream then gets one
``Reconnected`` (with the differences found, as synthesized events) and goes on; the drop
itself never surfaces as an error. Events the server sent while the rebuild ran are delivered
after the ``Reconnected`` event, each once.

``RefereeEngine`` is the same engine on a private event loop in a background thread, for the
sync ``osukit.referee.RefereeClient``.
"""

from __future__ import annotations

import asyncio
import contextlib
import queue
import threading
import time
from collections.abc import AsyncIterator, Iterator
from typing import Any

import httpx
import msgspec

from .._exceptions import (
    AuthenticationError,
    ClientClosedError,
    ConnectionReplacedError,
    HubConnectionError,
    InvocationInterruptedError,
    MissingScopeError,
    OsukitError,
    RefereeError,
)
from .._models import convert
from .._redact import logger
from ..auth import StaticToken, describe_grant, scope_remedy
from ..realtime import ReconnectPolicy, _backend_for
from ..tokens import Token
from .models import (
    EVENT_TYPES,
    CountdownStartedEvent,
    CountdownType,
    HubEvent,
    ListRoomsResponse,
    MatchAbortedEvent,
    MatchCompletedEvent,
    MatchStateChangedEvent,
    PlaylistItemAddedEvent,
    PlaylistItemChangedEvent,
    PlaylistItemRemovedEvent,
    PongEvent,
    RefereeRemovedEvent,
    RoomJoinedResponse,
    RoomSettingsChangedEvent,
    UserJoinedEvent,
    UserKickedEvent,
    UserLeftEvent,
    UserModsChangedEvent,
    UserStatusChangedEvent,
    UserStyleChangedEvent,
    UserTeamChangedEvent,
)
from .room import Room
from .signalr import REFEREE_SCOPE, AsyncHubConnection, ConnectionLost, HubInvocationError, hub_error

__all__ = [
    "DEFAULT_REFEREE_URL",
    "AsyncRefereeEngine",
    "RawHubEvent",
    "Reconnected",
    "RefereeEngine",
    "RefereeEvent",
    "RoomClosed",
    "RoomsMoved",
]

DEFAULT_REFEREE_URL = "https://spectator.ppy.sh/referee"

RETRY_SAFE = frozenset({"JoinRoom", "ListRooms", "ChangeRoomSettings", "EditCurrentPlaylistItem", "EditPlaylistItem",
                        "MoveUser", "SetLockState"})
"""Methods that are safe to send again after a reconnect when the connection dropped mid-call."""


class Reconnected(msgspec.Struct, frozen=True, kw_only=True):
    """The connection dropped and is back; every managed room was joined again and rebuilt.

    Attributes:
        attempts: connection attempts it took.
        downtime: seconds between the drop and the rebuilt rooms.
        rooms: the rooms joined again.
        lost_rooms: rooms this account no longer referees (closed, or referee removed meanwhile).
        changes: what changed in the rooms while disconnected, as the events that would have said so
            (already applied to the rooms).
    """

    attempts: int
    downtime: float
    rooms: list[int]
    lost_rooms: list[int]
    changes: list[HubEvent]


class RoomClosed(msgspec.Struct, frozen=True, kw_only=True):
    """A managed room went away: closed by this client or another referee, or the referee was
    removed (``reason``: ``"closed"``, ``"kicked"``, ``"referee_removed"``, ``"lost"``)."""

    room_id: int
    reason: str


class RoomsMoved(msgspec.Struct, frozen=True, kw_only=True):
    """The managed rooms were closed and made again on a new server instance (after
    ``server_shutting_down``): ``moved`` maps each old room id to its new one."""

    moved: dict[int, int]


class RawHubEvent(msgspec.Struct, frozen=True, kw_only=True):
    """A hub event osukit does not know (a newer server): the method name and its raw arguments."""

    hub_method: str
    arguments: list[Any]
    room_id: int | None = None


RefereeEvent = HubEvent | Reconnected | RoomClosed | RoomsMoved | RawHubEvent
"""What the event stream yields."""


class _End:
    def __init__(self, error: BaseException | None) -> None:
        self.error = error


class AsyncRefereeEngine:
    """The referee hub connection with reconnects and room tracking (see the module docstring)."""

    def __init__(
        self,
        client: Any,
        *,
        url: str | None = None,
        reconnect: ReconnectPolicy | None = ReconnectPolicy(initial=0.5, maximum=30.0),
        ping_interval: float = 15.0,
        server_timeout: float = 30.0,
        open_timeout: float = 10.0,
        user_id: int | None = None,
        strict: bool | None = None,
        on_server_shutdown: str = "notify",
    ) -> None:
        self._backend = _backend_for(client)
        self.url = (url or DEFAULT_REFEREE_URL).rstrip("/")
        self.reconnect_policy = reconnect
        self.ping_interval = ping_interval
        self.server_timeout = server_timeout
        self.open_timeout = open_timeout
        self.user_id = user_id
        self.strict = self._backend.strict if strict is None else strict
        self.rooms: dict[int, Room] = {}
        """Managed rooms by id (made or joined through this client and not closed)."""
        self.reconnects = 0
        self.shutdown_deadline: float | None = None
        """Monotonic time a ``server_shutting_down`` countdown ends at, once one was announced."""
        self._conn: AsyncHubConnection | None = None
        self._queue: asyncio.Queue[RefereeEvent | _End] = asyncio.Queue()
        self._connected = asyncio.Event()
        self._closing = False
        self._started = False
        self._rebuilding = False
        self._held: list[tuple[str, list[Any]]] = []
        self._supervisor: asyncio.Task[None] | None = None
        self._fatal: BaseException | None = None
        self._dead = asyncio.Event()
        self._probes: set[asyncio.Task[None]] = set()
        self._http: httpx.AsyncClient | None = None
        self.on_server_shutdown = on_server_shutdown
        self._mover: asyncio.Task[None] | None = None
        self._match_over = asyncio.Event()
        self._start_lock = asyncio.Lock()

    def __repr__(self) -> str:
        return f"AsyncRefereeEngine(url={self.url!r}, rooms={sorted(self.rooms)})"

    @property
    def connected(self) -> bool:
        return self._conn is not None and self._conn.open

    # --- lifecycle ----------------------------------------------------------------------------

    async def _token(self, stale: Token | None = None) -> Token:
        token = await self._backend.token()
        if stale is not None and token.access_token == stale.access_token and self._backend.can_refresh():
            token = await self._backend.fresh_token(stale)
        grant = getattr(getattr(self._backend, "client", None), "grant", None)
        unknown = isinstance(grant, StaticToken) and "*" in token.scopes  # a bare access token: the hub decides
        if REFEREE_SCOPE not in token.scopes and not unknown:
            raise MissingScopeError(
                f"the referee hub needs the '{REFEREE_SCOPE}' scope, which {describe_grant(grant)} lacks (it has: "
                f"{' '.join(token.scopes) or 'no scopes'}); not connected. Get a token with it: "
                f"{scope_remedy(REFEREE_SCOPE)}",
                scope=REFEREE_SCOPE, remedy=scope_remedy(REFEREE_SCOPE))
        if self.user_id is None and token.user_id is not None:
            self.user_id = token.user_id
        return token

    async def _connect(self, token: Token) -> AsyncHubConnection:
        if self._http is None:  # one HTTP client for every negotiate (building one costs ~10-20 ms)
            self._http = httpx.AsyncClient(timeout=self.open_timeout)
        conn = AsyncHubConnection(
            self.url, token.access_token, on_invocation=self._on_invocation, on_close=self._on_close,
            http=self._http, user_agent=self._backend.user_agent, ping_interval=self.ping_interval,
            server_timeout=self.server_timeout, open_timeout=self.open_timeout)
        await conn.start()
        return conn

    async def start(self) -> None:
        """Connect for the first time (errors raise here: refused token, missing scope, unreachable hub)."""
        if self._closing:
            raise ClientClosedError("this referee client is closed; create a new one")
        async with self._start_lock:  # concurrent first calls share one connection
            if self._started:
                return
            token = await self._token()
            try:
                self._conn = await self._connect(token)
            except AuthenticationError:
                if not self._backend.can_refresh():
                    raise
                self._conn = await self._connect(await self._token(stale=token))
            self._started = True
            self._connected.set()
            self._supervisor = asyncio.create_task(self._supervise())

    async def restart(self) -> None:
        """Drop the connection and connect afresh without rebuilding anything (to reach a new server
        instance after ``server_shutting_down``)."""
        if self._supervisor is not None:
            self._supervisor.cancel()
            with contextlib.suppress(BaseException):
                await self._supervisor
            self._supervisor = None
        if self._conn is not None:
            await self._conn.close()
        self._connected.clear()
        self._started = False
        self.shutdown_deadline = None
        await self.start()

    async def aclose(self) -> None:
        """Close the connection (rooms stay open on the server; see ``CloseRoom``)."""
        if self._closing:
            return
        self._closing = True
        if self._mover is not None:
            self._mover.cancel()
        if self._supervisor is not None:
            self._supervisor.cancel()
            with contextlib.suppress(BaseException):
                await self._supervisor
        if self._conn is not None:
            await self._conn.close()
        if self._http is not None:
            await self._http.aclose()
        self._connected.clear()
        self._queue.put_nowait(_End(None))

    # --- events -----------------------------------------------------------------------------------

    def _on_invocation(self, target: str, arguments: list[Any]) -> None:
        if self._rebuilding:
            self._held.append((target, arguments))
            return
        self._deliver(target, arguments)

    def _decode(self, target: str, arguments: list[Any]) -> RefereeEvent:
        tp = EVENT_TYPES.get(target)
        if tp is PongEvent and len(arguments) == 1 and isinstance(arguments[0], str):
            return PongEvent(message=arguments[0])  # Pong(string message)
        if tp is None or len(arguments) != 1:
            room_id = None
            if arguments and isinstance(arguments[0], dict) and isinstance(arguments[0].get("room_id"), int):
                room_id = arguments[0]["room_id"]
            return RawHubEvent(hub_method=target, arguments=arguments, room_id=room_id)
        try:  # fast path first (models forbid unknown fields), then the tolerant converter
            return msgspec.convert(arguments[0], tp)
        except msgspec.ValidationError:
            pass
        try:
            event: HubEvent = convert(arguments[0], tp, strict=self.strict, route=f"referee hub {target}")
        except OsukitError as exc:
            logger.warning("referee hub: could not decode %s: %s", target, exc)
            return RawHubEvent(hub_method=target, arguments=arguments)
        return event

    def _deliver(self, target: str, arguments: list[Any]) -> None:
        event = self._decode(target, arguments)
        self._queue.put_nowait(event)
        if isinstance(event, HubEvent):
            self._apply(event)

    def _apply(self, event: HubEvent) -> None:
        room_id = getattr(event, "room_id", None)
        room = self.rooms.get(room_id) if isinstance(room_id, int) else None
        if isinstance(event, CountdownStartedEvent) and event.type == CountdownType.SERVER_SHUTTING_DOWN:
            deadline = time.monotonic() + event.seconds
            if self.shutdown_deadline is None or deadline < self.shutdown_deadline:
                self.shutdown_deadline = deadline
            logger.warning("referee hub: this server instance shuts down in %.0fs; close the rooms and reconnect "
                           "to move to the new instance (osu-server-spectator referee-hub-api.md)", event.seconds)
            if self.on_server_shutdown == "move" and self._mover is None:
                self._mover = asyncio.get_running_loop().create_task(self._auto_move())
        if isinstance(event, (MatchCompletedEvent, MatchAbortedEvent)):
            self._match_over.set()
        if room is None:
            return
        was_player = getattr(event, "kicked_user_id", None) in room.users
        room.apply(event, time.monotonic())
        me = self.user_id
        target = event.kicked_user_id if isinstance(event, UserKickedEvent) else (
            event.user_id if isinstance(event, RefereeRemovedEvent) else None)
        if target is None:
            return
        reason = "kicked" if isinstance(event, UserKickedEvent) else "referee_removed"
        if me is not None:
            if target == me:
                self._forget(room.room_id, reason)
        elif not was_player:  # own id unknown: ask the hub whether we still referee the room
            task = asyncio.get_running_loop().create_task(self._probe(room.room_id, target, reason))
            self._probes.add(task)
            task.add_done_callback(self._probes.discard)

    async def _probe(self, room_id: int, target: int, reason: str) -> None:
        conn = self._conn
        if conn is None or not conn.open:
            return
        with contextlib.suppress(ConnectionLost, HubInvocationError, OsukitError):
            listed: ListRoomsResponse = convert(await conn.invoke("ListRooms", []), ListRoomsResponse)
            if room_id not in listed.room_ids and room_id in self.rooms:
                self.user_id = target
                self._forget(room_id, reason)

    def _forget(self, room_id: int, reason: str) -> None:
        room = self.rooms.pop(room_id, None)
        if room is not None:
            room.closed = True
            self._queue.put_nowait(RoomClosed(room_id=room_id, reason=reason))

    async def _auto_move(self) -> None:
        try:
            while any(room.in_match for room in self.rooms.values()):
                self._match_over.clear()
                await self._match_over.wait()
            await self.move_rooms()
        except asyncio.CancelledError:
            raise
        except Exception:
            logger.exception("referee hub: moving the rooms to the new server instance failed")
        finally:
            self._mover = None

    async def move_rooms(self) -> dict[int, int]:
        """Close every managed room, reconnect, make each again (settings, playlist, lock) and
        invite its players back; emit ``RoomsMoved``. Refused while a match is in progress."""
        from .._exceptions import InvalidRoomStateError, RefereeHubError

        busy = [room.room_id for room in self.rooms.values() if room.in_match]
        if busy:
            raise InvalidRoomStateError(f"a match is in progress in room(s) {busy}; move after it completes",
                                        method="move_to_new_instance")
        plans = []
        for room in list(self.rooms.values()):
            items = [i for i in room.playlist.values() if not i.was_played]
            if not items and room.current_item is not None:
                items = [room.current_item]
            plans.append((room, items, sorted(room.users)))
        for room, _, _ in plans:
            await self.invoke("CloseRoom", [room.room_id])
            self.room_closed(room.room_id)
        await self.restart()
        moved: dict[int, int] = {}
        for room, items, players in plans:
            first = items[0] if items else None
            raw = await self.invoke("MakeRoom", [{
                "ruleset_id": first.ruleset_id if first else 0, "beatmap_id": first.beatmap_id if first else 0,
                "name": room.name, "max_participants": room.max_participants or 0}])
            new = self.track(convert(raw, RoomJoinedResponse, strict=self.strict))
            rid = new.room_id
            await self.invoke("ChangeRoomSettings", [rid, {"password": room.password, "type": str(room.type)}])
            if first is not None and (first.required_mods or first.allowed_mods or first.freestyle):
                await self.invoke("EditCurrentPlaylistItem", [rid, msgspec.to_builtins({
                    "required_mods": first.required_mods, "allowed_mods": first.allowed_mods, "freestyle": first.freestyle})])
            for item in items[1:]:
                await self.invoke("AddPlaylistItem", [rid, msgspec.to_builtins({
                    "ruleset_id": item.ruleset_id, "beatmap_id": item.beatmap_id, "required_mods": item.required_mods,
                    "allowed_mods": item.allowed_mods, "freestyle": item.freestyle})])
            if room.locked:
                await self.invoke("SetLockState", [rid, {"locked": True}])
            for uid in players:
                try:
                    await self.invoke("InvitePlayer", [rid, uid])
                except RefereeHubError as exc:  # one player offline must not stop the move
                    logger.warning("referee hub: could not invite %d to the new room %d: %s", uid, rid, exc)
            moved[room.room_id] = rid
        self._queue.put_nowait(RoomsMoved(moved=moved))
        return moved

    def track(self, response: RoomJoinedResponse) -> Room:
        """Start managing the room of a ``MakeRoom`` / ``JoinRoom`` answer (reset if already known)."""
        room = self.rooms.get(response.room_id)
        if room is None:
            room = self.rooms[response.room_id] = Room.from_response(response)
        else:
            room.reset(response)
        if self.user_id is None and len(response.referees) == 1:
            self.user_id = response.referees[0].user_id
        return room

    def room_closed(self, room_id: int) -> None:
        """``CloseRoom`` succeeded."""
        self._forget(room_id, "closed")

    async def next_event(self) -> RefereeEvent:
        item = await self._queue.get()
        if isinstance(item, _End):
            self._queue.put_nowait(item)  # every later call ends too
            if item.error is not None:
                raise item.error
            raise StopAsyncIteration
        return item

    def __aiter__(self) -> AsyncIterator[RefereeEvent]:
        return self

    async def __anext__(self) -> RefereeEvent:
        return await self.next_event()

    # --- invoking -----------------------------------------------------------------------------------

    async def invoke(self, method: str, arguments: list[Any]) -> Any:
        """Invoke ``method``; wait for a reconnect first if one is under way.

        Raises the typed hub error, ``osukit.InvocationInterruptedError`` when the connection
        dropped mid-call (methods in ``RETRY_SAFE`` are sent once more after the reconnect instead),
        or ``osukit.ClientClosedError`` after ``aclose``.
        """
        if not self._started:
            await self.start()
        for attempt in range(2):
            if self._closing:
                raise ClientClosedError("this referee client is closed")
            if self._fatal is not None:
                raise self._fatal
            await self._wait_connected()
            conn = self._conn
            assert conn is not None
            try:
                return await conn.invoke(method, arguments)
            except HubInvocationError as exc:
                raise hub_error(exc.message, method) from None
            except ConnectionLost as exc:
                if method in RETRY_SAFE and attempt == 0 and not self._closing:
                    logger.info("referee hub: connection lost during %s; sending it again after the reconnect", method)
                    continue
                raise InvocationInterruptedError(
                    f"the connection to the referee hub dropped during {method} ({exc.reason}); it may or may not "
                    "have taken effect: check the room state after the reconnect", method="INVOKE", url=self.url) from None
        raise InvocationInterruptedError(f"{method} was interrupted twice", method="INVOKE", url=self.url)

    async def _wait_connected(self) -> None:
        while not self._connected.is_set():
            if self._closing:
                raise ClientClosedError("this referee client is closed")
            if self._fatal is not None:
                raise self._fatal
            waiter = asyncio.ensure_future(self._connected.wait())
            done_waiter = asyncio.ensure_future(self._dead.wait())
            try:
                await asyncio.wait({waiter, done_waiter}, return_when=asyncio.FIRST_COMPLETED)
            finally:
                waiter.cancel()
                done_waiter.cancel()

    # --- reconnecting -------------------------------------------------------------------------------

    def _on_close(self, lost: ConnectionLost) -> None:
        if not self._closing:
            logger.info("referee hub: connection lost (%s)", lost.reason)
        self._connected.clear()

    async def _supervise(self) -> None:
        try:
            while not self._closing:
                conn = self._conn
                assert conn is not None
                await conn.closed.wait()
                if self._closing:
                    return
                lost = conn.lost
                if lost is not None and not lost.allow_reconnect:
                    # The server said not to come back (e.g. a newer connection of this account took
                    # over): reconnecting would only push the other connection out in turn.
                    # Said once, by the error the event stream raises (INFO here: no second report).
                    if "another referee" in lost.reason.lower():
                        logger.info("referee hub: another referee connection of this account took over; "
                                    "not reconnecting")
                        raise ConnectionReplacedError("another referee connection of this account took over "
                                                      "(the hub keeps one per account)", url=self.url)
                    logger.info("referee hub: %s; not reconnecting", lost.reason)
                    raise HubConnectionError(f"referee hub: {lost.reason}", url=self.url)
                await self._reconnect()
        except asyncio.CancelledError:
            raise
        except BaseException as exc:
            error = exc if isinstance(exc, OsukitError) else RefereeError(f"referee hub: {type(exc).__name__}: {exc}")
            self._fatal = error
            self._dead.set()
            self._queue.put_nowait(_End(error))

    async def _reconnect(self) -> None:
        dropped_at = time.monotonic()
        failures = 0
        stale: Token | None = None
        while True:
            if failures:
                policy = self.reconnect_policy
                if policy is None or (policy.max_attempts is not None and failures > policy.max_attempts):
                    raise HubConnectionError(f"could not reconnect to the referee hub after {failures} attempt(s)",
                                             url=self.url)
                await asyncio.sleep(policy.delay(failures))
            elif self.reconnect_policy is None:
                raise HubConnectionError("the referee hub connection dropped (reconnecting is off)", url=self.url)
            failures += 1
            try:
                token = await self._token(stale)
                self._held.clear()  # events of an earlier, failed attempt
                self._rebuilding = True
                conn = await self._connect(token)
            except AuthenticationError as exc:
                self._rebuilding = False
                if stale is not None or not self._backend.can_refresh():
                    raise
                logger.info("referee hub: token refused on reconnect (%s); trying a fresh one", exc)
                stale = token
                continue
            except (HubConnectionError, OSError) as exc:
                self._rebuilding = False
                logger.info("referee hub: reconnect attempt %d failed: %s", failures, exc)
                continue
            try:
                rejoined, lost, changes = await self._rebuild(conn)
            except (ConnectionLost, HubInvocationError) as exc:
                self._rebuilding = False
                logger.info("referee hub: rebuild after reconnect failed (%s); retrying", exc)
                with contextlib.suppress(Exception):
                    await conn.close()
                continue
            self._conn = conn
            self.reconnects += 1
            self._queue.put_nowait(Reconnected(attempts=failures, downtime=time.monotonic() - dropped_at,
                                               rooms=rejoined, lost_rooms=lost, changes=changes))
            for room_id in lost:
                self._forget(room_id, "lost")
            held, self._held = self._held, []
            self._rebuilding = False
            for target, arguments in held:
                self._deliver(target, arguments)
            self._connected.set()
            return

    async def _rebuild(self, conn: AsyncHubConnection) -> tuple[list[int], list[int], list[HubEvent]]:
        listed: ListRoomsResponse = convert(await conn.invoke("ListRooms", []), ListRoomsResponse)
        still = set(listed.room_ids)
        rejoined: list[int] = []
        lost: list[int] = []
        changes: list[HubEvent] = []
        for room_id in sorted(self.rooms):
            if room_id not in still:
                lost.append(room_id)
                continue
            try:
                raw = await conn.invoke("JoinRoom", [room_id])
            except HubInvocationError as exc:
                logger.info("referee hub: could not rejoin room %d: %s", room_id, exc.message)
                lost.append(room_id)
                continue
            response: RoomJoinedResponse = convert(raw, RoomJoinedResponse, strict=self.strict)
            room = self.rooms[room_id]
            changes.extend(diff(room, response))
            room.reset(response)
            rejoined.append(room_id)
        return rejoined, lost, changes


def diff(room: Room, response: RoomJoinedResponse) -> list[HubEvent]:
    """The events that turn ``room`` into the state of ``response`` (what was missed while away)."""
    rid = room.room_id
    out: list[HubEvent] = []
    new_players = {p.user_id: p for p in response.players}
    for uid in room.users.keys() - new_players.keys():
        out.append(UserLeftEvent(room_id=rid, user_id=uid))
    for uid, p in new_players.items():
        old = room.users.get(uid)
        if old is None:
            out.append(UserJoinedEvent(room_id=rid, user_id=uid))
        if old is None or old.status != p.status:
            out.append(UserStatusChangedEvent(room_id=rid, user_id=uid, status=p.status))
        if (old.team if old else None) != p.team:
            out.append(UserTeamChangedEvent(room_id=rid, user_id=uid, team=p.team))
        if (old.mods if old else []) != p.mods:
            out.append(UserModsChangedEvent(room_id=rid, user_id=uid, mods=list(p.mods)))
        if old is not None and old.style != p.style:
            out.append(UserStyleChangedEvent(room_id=rid, user_id=uid, beatmap_id=p.style.beatmap_id,
                                             ruleset_id=p.style.ruleset_id))
    new_items = {i.id: i for i in response.playlist}
    for item_id in room.playlist.keys() - new_items.keys():
        out.append(PlaylistItemRemovedEvent(room_id=rid, playlist_item_id=item_id))
    for item_id, item in new_items.items():
        old_item = room.playlist.get(item_id)
        if old_item is None:
            out.append(PlaylistItemAddedEvent(room_id=rid, playlist_item=item))
        elif old_item != item:
            out.append(PlaylistItemChangedEvent(room_id=rid, playlist_item=item))
    state = response.state
    if (state.type, state.locked, state.slots) != (room.type, room.locked, room.slots):
        out.append(MatchStateChangedEvent(room_id=rid, state=state))
    if (response.name, response.password) != (room.name, room.password):
        out.append(RoomSettingsChangedEvent(room_id=rid, name=response.name, password=response.password,
                                            type=state.type, playlist_item_id=room.current_item_id or 0,
                                            max_participants=len(state.slots) if state.slots is not None else None))
    return out


# --- the sync facade -------------------------------------------------------------------------------

class RefereeEngine:
    """``AsyncRefereeEngine`` on a private event loop in a background thread."""

    def __init__(self, client: Any, **options: Any) -> None:
        self._client = client
        self._options = options
        self._loop: asyncio.AbstractEventLoop | None = None
        self._thread: threading.Thread | None = None
        self._engine: AsyncRefereeEngine | None = None
        self._events: queue.Queue[RefereeEvent | _End] = queue.Queue()
        self._ready = threading.Event()
        self._closed = False

    def __repr__(self) -> str:
        return f"RefereeEngine(url={self.url!r})"

    @property
    def url(self) -> str:
        return (self._options.get("url") or DEFAULT_REFEREE_URL).rstrip("/")

    @property
    def engine(self) -> AsyncRefereeEngine:
        if self._engine is None:
            raise RefereeError("the referee client is not connected yet")
        return self._engine

    @property
    def rooms(self) -> dict[int, Room]:
        return self._engine.rooms if self._engine is not None else {}

    @property
    def connected(self) -> bool:
        return self._engine is not None and self._engine.connected

    @property
    def user_id(self) -> int | None:
        return self._engine.user_id if self._engine is not None else self._options.get("user_id")

    @property
    def reconnects(self) -> int:
        return self._engine.reconnects if self._engine is not None else 0

    @property
    def shutdown_deadline(self) -> float | None:
        return self._engine.shutdown_deadline if self._engine is not None else None

    def _main(self) -> None:
        loop = asyncio.new_event_loop()
        self._loop = loop
        asyncio.set_event_loop(loop)
        self._engine = AsyncRefereeEngine(self._client, **self._options)
        self._ready.set()
        try:
            loop.run_forever()
        finally:
            # As asyncio.run does: cancel and await what is left, so no task is destroyed pending.
            pending = asyncio.all_tasks(loop)
            for task in pending:
                task.cancel()
            with contextlib.suppress(BaseException):
                loop.run_until_complete(asyncio.gather(*pending, return_exceptions=True))
            with contextlib.suppress(Exception):
                loop.run_until_complete(loop.shutdown_asyncgens())
            loop.close()

    def _run(self, coro: Any) -> Any:
        assert self._loop is not None
        return asyncio.run_coroutine_threadsafe(coro, self._loop).result()

    async def _pump(self) -> None:
        engine = self.engine
        while True:
            try:
                event = await engine.next_event()
            except StopAsyncIteration:
                self._events.put(_End(None))
                return
            except BaseException as exc:
                self._events.put(_End(exc))
                return
            self._events.put(event)

    def start(self) -> None:
        if self._closed:
            raise ClientClosedError("this referee client is closed; create a new one")
        if self._thread is None:
            self._thread = threading.Thread(target=self._main, name="osukit-referee", daemon=True)
            self._thread.start()
            self._ready.wait()
            try:
                self._run(self.engine.start())
            except BaseException:
                self._stop_thread()  # a later call tries again from scratch
                raise
            assert self._loop is not None
            asyncio.run_coroutine_threadsafe(self._pump(), self._loop)

    @property
    def strict(self) -> bool:
        return self.engine.strict

    def restart(self) -> None:
        self._run(self.engine.restart())

    def move_rooms(self) -> dict[int, int]:
        moved: dict[int, int] = self._run(self.engine.move_rooms())
        return moved

    def invoke(self, method: str, arguments: list[Any]) -> Any:
        self.start()
        return self._run(self.engine.invoke(method, arguments))

    def track(self, response: RoomJoinedResponse) -> Room:
        room: Room = self._call_soon(self.engine.track, response)
        return room

    def room_closed(self, room_id: int) -> None:
        self._call_soon(self.engine.room_closed, room_id)

    def _call_soon(self, fn: Any, *args: Any) -> Any:
        async def call() -> Any:
            return fn(*args)

        return self._run(call())

    def next_event(self) -> RefereeEvent:
        self.start()
        item = self._events.get()
        if isinstance(item, _End):
            self._events.put(item)
            if item.error is not None:
                raise item.error
            raise StopIteration
        return item

    def __iter__(self) -> Iterator[RefereeEvent]:
        return self

    def __next__(self) -> RefereeEvent:
        return self.next_event()

    def _stop_thread(self) -> None:
        loop = self._loop
        if loop is not None and self._engine is not None:
            with contextlib.suppress(Exception):
                asyncio.run_coroutine_threadsafe(self._engine.aclose(), loop).result(timeout=10)
            loop.call_soon_threadsafe(loop.stop)
        if self._thread is not None:
            self._thread.join(timeout=10)
        self._thread = self._loop = self._engine = None
        self._ready.clear()

    def close(self) -> None:
        if self._closed:
            return
        self._closed = True
        self._stop_thread()
        self._events.put(_End(None))

