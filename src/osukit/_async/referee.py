"""Refereeing osu!(lazer) multiplayer rooms through the referee hub (asynchronous).

    import osukit
    from osukit.referee import AsyncRefereeClient, UserJoinedEvent

    client = osukit.AsyncClient(client_id=..., client_secret=...,
                                scopes=("delegate", "multiplayer.write_manage"))
    async with AsyncRefereeClient(client) as referee:
        room = await referee.make_room(beatmap_id=75, ruleset_id=0, name="OWC: (AUS) vs (JPN)")
        await referee.invite_player(room.room_id, 2)
        async for event in referee:
            if isinstance(event, UserJoinedEvent):
                print(referee.rooms[event.room_id].users)

The hub is ``/referee`` on osu-server-spectator (``https://spectator.ppy.sh/referee``), a SignalR
hub speaking the JSON protocol; its contract (``IRefereeHubServer`` / ``IRefereeHubClient``,
documented in ``osu.Server.Spectator.PublicAPIDocs/referee-hub-api.md``) is marked *unstable*.
The token comes from the osukit client (shared scopes, refresh and token store) and must carry
``multiplayer.write_manage``: ``osukit.MissingScopeError`` is raised before connecting when it
does not. Every hub error is a typed ``osukit.RefereeHubError`` subclass, one per code.
"""

from __future__ import annotations

from collections.abc import AsyncIterator, Callable, Iterable, Mapping
from typing import TYPE_CHECKING, Any, TypeVar

import msgspec

from .._exceptions import InvalidParameterError
from .._models import convert
from .._redact import logger
from .._referee.address import PRODUCTION_SPECTATOR_URL, spectator_base_url
from .._referee.engine import AsyncRefereeEngine, RefereeEvent
from .._referee.handlers import asettle
from .._referee.models import (
    EVENT_TYPES,
    AddPlaylistItemRequest,
    ChangeRoomSettingsRequest,
    EditCurrentPlaylistItemRequest,
    EditPlaylistItemRequest,
    ListRoomsResponse,
    MakeRoomRequest,
    MatchTeam,
    MatchType,
    Mod,
    MoveUserRequest,
    RemovePlaylistItemRequest,
    RollRequest,
    RoomJoinedResponse,
    SetLockStateRequest,
    StartGameplayRequest,
)
from .._referee.room import Room
from ..realtime import ReconnectPolicy

if TYPE_CHECKING:
    from .client import AsyncClient

__all__ = ["DEFAULT_SPECTATOR_URL", "AsyncRefereeClient"]

DEFAULT_SPECTATOR_URL = PRODUCTION_SPECTATOR_URL
HUB_PATH = "/referee"

F = TypeVar("F", bound=Callable[..., Any])
ModsLike = Iterable["Mod | str | Mapping[str, Any]"]


def _mods(value: ModsLike | None) -> list[Mod] | None:
    """Mods as the hub wants them: ``"HD"``, ``{"acronym": "DT", "settings": {...}}`` or ``Mod``."""
    if value is None:
        return None
    if isinstance(value, (str, bytes)):
        raise InvalidParameterError("mods must be a list of acronyms or Mod objects, not one string")
    out: list[Mod] = []
    for mod in value:
        if isinstance(mod, Mod):
            out.append(mod)
        elif isinstance(mod, str):
            out.append(Mod(acronym=mod))
        elif isinstance(mod, Mapping):
            out.append(convert(dict(mod), Mod))
        else:
            raise InvalidParameterError(f"not a mod: {mod!r}")
    return out


def _arg(request: msgspec.Struct) -> Any:
    return msgspec.to_builtins(request)


def _hub_url(client: AsyncClient, base_url: str | None) -> str:
    base = spectator_base_url(client.base_url, base_url)
    return base if base.endswith(HUB_PATH) else base + HUB_PATH


class AsyncRefereeClient:
    """A referee connection to osu!'s referee hub.

    Args:
        client: the osukit client whose token is used (its grant must be able to carry
            ``multiplayer.write_manage``: client credentials with ``delegate``, or an authorization
            code for the owner of the OAuth application or a bot account).
        base_url: the spectator server; the hub is at ``{base_url}/referee``. Default:
            ``$OSU_SPECTATOR_URL``, else derived from ``client.base_url`` (osu.ppy.sh →
            ``https://spectator.ppy.sh``, dev.ppy.sh → ``https://dev.ppy.sh/signalr``, another
            osu! host → ``ConfigurationError``, any other host such as the emulator → that host).
        reconnect: backoff between reconnect attempts (None: a drop ends the client with
            ``osukit.HubConnectionError``).
        ping_interval: seconds between SignalR pings.
        server_timeout: seconds without any message from the hub before the connection counts
            as dead (the server pings every 15 s).
        open_timeout: seconds for negotiate, the websocket and the handshake.
        user_id: the referee's own user id, when the token does not say (learned from the first
            ``MakeRoom`` otherwise); used to notice being kicked or removed as referee.
        on_server_shutdown: ``"notify"`` (default: the event, a warning and ``shutdown_deadline``)
            or ``"move"`` (also ``move_to_new_instance`` as soon as no match is in progress).

    Events come two ways: iterate the client (``async for event in referee``), or register
    handlers with ``on`` and call ``run``. Each event is a model of
    ``osukit.referee`` (``UserJoinedEvent`` …), a ``osukit.referee.Reconnected`` after a
    dropped connection was restored, a ``osukit.referee.RoomClosed``, or a
    ``osukit.referee.RawHubEvent`` for a hub method osukit does not know.

    **Server shutdowns.** A ``CountdownStartedEvent`` of type ``server_shutting_down`` means the
    server instance is being replaced; the instance stays up for up to 6 hours, and the hub's
    documentation asks referees to close their rooms, disconnect and connect again to reach the
    new instance as soon as they can. The client logs a warning and sets
    ``shutdown_deadline``; ``move_to_new_instance`` does the switch when you decide to, or
    ``on_server_shutdown="move"`` does it as soon as no match is in progress.
    """

    def __init__(
        self,
        client: AsyncClient,
        *,
        base_url: str | None = None,
        reconnect: ReconnectPolicy | None = ReconnectPolicy(initial=0.5, maximum=30.0),
        ping_interval: float = 15.0,
        server_timeout: float = 30.0,
        open_timeout: float = 10.0,
        user_id: int | None = None,
        on_server_shutdown: str = "notify",
    ) -> None:
        if on_server_shutdown not in ("notify", "move"):
            raise InvalidParameterError("on_server_shutdown must be 'notify' or 'move'")
        if ping_interval <= 0 or server_timeout <= 0 or open_timeout <= 0:
            raise InvalidParameterError("ping_interval, server_timeout and open_timeout must be > 0")
        self.url = _hub_url(client, base_url)
        self._engine = AsyncRefereeEngine(
            client, url=self.url, reconnect=reconnect, ping_interval=ping_interval,
            server_timeout=server_timeout, open_timeout=open_timeout, user_id=user_id,
            on_server_shutdown=on_server_shutdown)
        self._handlers: dict[Any, list[Callable[..., Any]]] = {}

    def __repr__(self) -> str:
        return f"{type(self).__name__}(url={self.url!r}, rooms={sorted(self.rooms)})"

    # --- lifecycle ----------------------------------------------------------------------------

    async def connect(self) -> None:
        """Connect (entering ``async with`` does it; any method call does it on first use).

        Raises:
            MissingScopeError: the token lacks ``multiplayer.write_manage`` (checked before connecting).
            AuthenticationError: the hub refused the token.
            HubConnectionError: the hub could not be reached or refused the handshake.
        """
        await self._engine.start()

    async def aclose(self) -> None:
        """Disconnect. Rooms stay open on the server (close them with ``close_room``); the
        account stays their referee and can ``join_room`` again later."""
        await self._engine.aclose()

    async def __aenter__(self) -> AsyncRefereeClient:
        await self.connect()
        return self

    async def __aexit__(self, *exc_info: object) -> None:
        await self.aclose()

    @property
    def rooms(self) -> dict[int, Room]:
        """The managed rooms by id, kept up to date by the events."""
        return self._engine.rooms

    @property
    def connected(self) -> bool:
        """True while the connection is open (False during a reconnect)."""
        return self._engine.connected

    @property
    def user_id(self) -> int | None:
        """The referee's user id, when known."""
        return self._engine.user_id

    @property
    def reconnects(self) -> int:
        """How many times the connection was restored."""
        return self._engine.reconnects

    @property
    def shutdown_deadline(self) -> float | None:
        """``time.monotonic()`` at which the server instance announced it shuts down, if it did."""
        return self._engine.shutdown_deadline

    # --- events ---------------------------------------------------------------------------------

    def __aiter__(self) -> AsyncIterator[RefereeEvent]:
        return self

    async def __anext__(self) -> RefereeEvent:
        return await self._engine.next_event()

    def on(self, kind: type[Any] | str = "*") -> Callable[[F], F]:
        """Register a handler: ``@referee.on(UserJoinedEvent)``, ``@referee.on("UserJoined")``
        (the hub method name), or ``@referee.on()`` / ``"*"`` for every event.

        Handlers get the event; they may be plain or ``async`` functions. An exception in one is
        logged on the ``osukit`` logger and the others still run.
        """
        if isinstance(kind, str) and kind != "*" and kind not in EVENT_TYPES and kind not in (
                "Reconnected", "RoomClosed", "RoomsMoved", "RawHubEvent"):
            raise InvalidParameterError(f"unknown referee hub event {kind!r}; known: {sorted(EVENT_TYPES)}")

        def deco(fn: F) -> F:
            self._handlers.setdefault(kind, []).append(fn)
            return fn

        return deco

    def _handlers_for(self, event: RefereeEvent) -> list[Callable[..., Any]]:
        names = {type(event).__name__, getattr(type(event), "hub_method", None) or type(event).__name__}
        found: list[Callable[..., Any]] = []
        for kind, handlers in self._handlers.items():
            if kind == "*" or (isinstance(kind, str) and kind in names) or (isinstance(kind, type) and isinstance(event, kind)):
                found.extend(handlers)
        return found

    async def dispatch(self, event: RefereeEvent) -> None:
        """Run the handlers registered for ``event`` (what ``run`` does for each event)."""
        for handler in self._handlers_for(event):
            try:
                await asettle(handler(event))
            except Exception:
                logger.exception("referee handler %r failed on %s", handler, type(event).__name__)

    async def run(self) -> None:
        """Connect if needed and dispatch events to the handlers until ``aclose``.

        Ctrl-C (``KeyboardInterrupt``) or cancelling the task running it closes the client on the way
        out: the connection is closed and every task it started is cancelled and awaited, so the
        script ends without asyncio's "Task was destroyed but it is pending!".
        """
        try:
            await self.connect()
            async for event in self:
                await self.dispatch(event)
        except BaseException as exc:
            if not isinstance(exc, Exception):  # KeyboardInterrupt, SystemExit, cancellation
                await self.aclose()
            raise

    # --- hub methods (IRefereeHubServer) ------------------------------------------------------------

    async def _call(self, method: str, *arguments: Any) -> Any:
        return await self._engine.invoke(method, list(arguments))

    async def invoke(self, method: str, *arguments: Any) -> Any:
        """Invoke any hub method by name and return its raw JSON result (for methods newer than
        this osukit; the typed methods below are the usual way).

        ``arguments`` may be JSON builtins or osukit models (request models are encoded with their
        JSON names). Errors are the same typed exceptions as for the typed methods.
        """
        return await self._call(method, *(msgspec.to_builtins(a) if isinstance(a, msgspec.Struct) else a
                                          for a in arguments))

    async def _joined(self, raw: Any) -> Room:
        response: RoomJoinedResponse = convert(raw, RoomJoinedResponse, strict=self._engine.strict,
                                               route="referee hub RoomJoinedResponse")
        return self._engine.track(response)

    async def ping(self, message: str) -> None:
        """``Ping`` (obsolete, for testing): the hub answers with a ``PongEvent``."""
        await self._call("Ping", message)

    async def make_room(self, beatmap_id: int, *, ruleset_id: int = 0, name: str = "", max_participants: int = 0) -> Room:
        """``MakeRoom``: create a room (like ``!mp make``) and start managing it.

        The room gets a random password, head-to-head, host-only queue and auto skip. Args:
        ``max_participants`` 0 for no limit (no slots) or 2-256 for that many slots.

        Returns:
            The live ``Room`` (also in ``rooms``); ``chat_channel_id`` is its chat channel.

        Raises:
            RoomLimitReachedError: 4 open rooms already (50 for a bot account).
            BeatmapNotFoundError, InvalidRulesetError, UserRestrictedError: as the hub says.
        """
        request = MakeRoomRequest(ruleset_id=ruleset_id, beatmap_id=beatmap_id, name=name,
                                  max_participants=max_participants)
        return await self._joined(await self._call("MakeRoom", _arg(request)))

    async def join_room(self, room_id: int) -> Room:
        """``JoinRoom``: join a room this account referees (no password needed) and manage it.

        Raises:
            NotRefereeError: the account is not a referee of the room.
            RoomNotJoinableError: the room cannot be joined.
        """
        return await self._joined(await self._call("JoinRoom", room_id))

    async def close_room(self, room_id: int) -> None:
        """``CloseRoom`` (``!mp close``): kick everyone and close the room."""
        await self._call("CloseRoom", room_id)
        self._engine.room_closed(room_id)

    async def invite_player(self, room_id: int, user_id: int) -> None:
        """``InvitePlayer`` (``!mp invite``).

        Raises:
            UserBannedError: the user is banned from the room.
            UserNotConnectedError: the user is not connected to multiplayer.
        """
        await self._call("InvitePlayer", room_id, user_id)

    async def kick_player(self, room_id: int, user_id: int) -> None:
        """``KickPlayer`` (``!mp kick``). Raises ``UserNotInRoomError``."""
        await self._call("KickPlayer", room_id, user_id)

    async def ban_user(self, room_id: int, user_id: int) -> None:
        """``BanUser`` (``!mp ban``): kick and keep out. Raises ``SelfOperationError`` on yourself."""
        await self._call("BanUser", room_id, user_id)

    async def add_referee(self, room_id: int, user_id: int) -> None:
        """``AddReferee``: only the room's host may, and not on themselves (``NotHostError``,
        ``SelfOperationError``); the new referee then calls ``JoinRoom``."""
        await self._call("AddReferee", room_id, user_id)

    async def remove_referee(self, room_id: int, user_id: int) -> None:
        """``RemoveReferee``: host only; kicks the referee if joined."""
        await self._call("RemoveReferee", room_id, user_id)

    async def list_rooms(self) -> list[int]:
        """``ListRooms``: ids of every room this account referees (joined or not)."""
        response: ListRoomsResponse = convert(await self._call("ListRooms"), ListRoomsResponse)
        return list(response.room_ids)

    async def change_room_settings(self, room_id: int, *, name: str | None = None, password: str | None = None,
                                   type: MatchType | str | None = None, max_participants: int | None = None) -> None:
        """``ChangeRoomSettings`` (``!mp name``, ``!mp password``, ``!mp set``); None keeps a setting.

        ``password=""`` removes the password; ``max_participants=0`` removes the limit.
        Raises ``InvalidRoomStateError`` during a match.
        """
        request = ChangeRoomSettingsRequest(name=name, password=password,
                                            type=None if type is None else MatchType(type),
                                            max_participants=max_participants)
        await self._call("ChangeRoomSettings", room_id, _arg(request))

    async def edit_current_playlist_item(
        self, room_id: int, *, beatmap_id: int | None = None, ruleset_id: int | None = None,
        required_mods: ModsLike | None = None, allowed_mods: ModsLike | None = None, freestyle: bool | None = None,
    ) -> None:
        """``EditCurrentPlaylistItem`` (``!mp map``, ``!mp mods``); None keeps a field.

        Changing the ruleset without giving mods resets them. Raises ``BeatmapNotFoundError``,
        ``InvalidRulesetError``, ``InvalidBeatmapRulesetError``, ``InvalidModsError``,
        ``FreestyleAllowedModsError``, ``InvalidRoomStateError`` (during a match).
        """
        request = EditCurrentPlaylistItemRequest(ruleset_id=ruleset_id, beatmap_id=beatmap_id,
                                                 required_mods=_mods(required_mods), allowed_mods=_mods(allowed_mods),
                                                 freestyle=freestyle)
        await self._call("EditCurrentPlaylistItem", room_id, _arg(request))

    async def add_playlist_item(
        self, room_id: int, beatmap_id: int, *, ruleset_id: int = 0, required_mods: ModsLike = (),
        allowed_mods: ModsLike = (), freestyle: bool = False,
    ) -> None:
        """``AddPlaylistItem``: queue another item (the event ``PlaylistItemAdded`` gives its id)."""
        request = AddPlaylistItemRequest(ruleset_id=ruleset_id, beatmap_id=beatmap_id,
                                         required_mods=_mods(required_mods) or [], allowed_mods=_mods(allowed_mods) or [],
                                         freestyle=freestyle)
        await self._call("AddPlaylistItem", room_id, _arg(request))

    async def edit_playlist_item(
        self, room_id: int, playlist_item_id: int, *, beatmap_id: int | None = None, ruleset_id: int | None = None,
        required_mods: ModsLike | None = None, allowed_mods: ModsLike | None = None, freestyle: bool | None = None,
    ) -> None:
        """``EditPlaylistItem``; None keeps a field. Raises ``PlaylistItemNotFoundError``."""
        request = EditPlaylistItemRequest(playlist_item_id=playlist_item_id, ruleset_id=ruleset_id, beatmap_id=beatmap_id,
                                          required_mods=_mods(required_mods), allowed_mods=_mods(allowed_mods),
                                          freestyle=freestyle)
        await self._call("EditPlaylistItem", room_id, _arg(request))

    async def remove_playlist_item(self, room_id: int, playlist_item_id: int) -> None:
        """``RemovePlaylistItem``. The current item can go only while the room is open and another
        item is queued (else ``InvalidRoomStateError``)."""
        await self._call("RemovePlaylistItem", room_id, _arg(RemovePlaylistItemRequest(playlist_item_id=playlist_item_id)))

    async def roll(self, room_id: int, max: int | None = None) -> None:
        """``Roll`` (``!roll``): the result comes as ``RollCompletedEvent``. ``max`` defaults to 100;
        out of range raises ``InvalidRollError``."""
        await self._call("Roll", room_id, None if max is None else _arg(RollRequest(max=max)))

    async def move_user(self, room_id: int, user_id: int, *, slot: int | None = None,
                        team: MatchTeam | str | None = None) -> None:
        """``MoveUser`` (``!mp move``): to ``slot`` (rooms with slots) and/or ``team`` (team versus).

        Raises ``UserNotInRoomError``, ``IncorrectMatchTypeError`` (a slot without slots, a team
        outside team versus).
        """
        request = MoveUserRequest(user_id=user_id, slot=slot, team=None if team is None else MatchTeam(team))
        await self._call("MoveUser", room_id, _arg(request))

    async def set_lock_state(self, room_id: int, locked: bool) -> None:
        """``SetLockState`` (``!mp lock`` / ``!mp unlock``): a locked room stops players changing
        team or slot themselves."""
        await self._call("SetLockState", room_id, _arg(SetLockStateRequest(locked=locked)))

    async def start_match(self, room_id: int, countdown: int | None = None) -> None:
        """``StartMatch`` (``!mp start [seconds]``): now, or after ``countdown`` seconds (a
        ``match_start`` countdown). Raises ``InvalidRoomStateError`` when a match is on."""
        await self._call("StartMatch", room_id, _arg(StartGameplayRequest(countdown=countdown)))

    async def stop_match_countdown(self, room_id: int) -> None:
        """``StopMatchCountdown`` (``!mp aborttimer``). Raises ``NoActiveCountdownError``."""
        await self._call("StopMatchCountdown", room_id)

    async def abort_match(self, room_id: int) -> None:
        """``AbortMatch`` (``!mp abort``). Raises ``InvalidRoomStateError`` when no match is on."""
        await self._call("AbortMatch", room_id)

    # --- server shutdowns ------------------------------------------------------------------------

    async def move_to_new_instance(self) -> dict[int, int]:
        """Follow a ``server_shutting_down`` announcement as the hub's documentation asks: for every
        managed room (none may be mid-match), remember its settings, playlist and players, close it,
        reconnect (which reaches the new instance), make it again with the same name, type,
        password, slots, lock and playlist, and invite the players back. A ``RoomsMoved`` event
        follows. ``on_server_shutdown="move"`` does this by itself once no match is in progress.

        Returns:
            ``{old room id: new room id}``.

        Raises:
            InvalidRoomStateError: a room is mid-match (wait for ``MatchCompleted`` first).
        """
        return await self._engine.move_rooms()
