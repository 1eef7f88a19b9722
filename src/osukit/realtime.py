"""Realtime chat over osu!'s notification websocket (osu-notification-server).

    async with client.chat_stream(channels=[5]) as stream:
        async for event in stream:
            if isinstance(event, osukit.realtime.MessageEvent):
                for message in event.messages:
                    print(message.sender_id, message.content)

What the stream does for you:

* **Auth.** ``Authorization: Bearer <token>`` on the upgrade request, the token coming from the
  client (refreshed single-flight like every other request).
* **Protocol.** Waits for ``connection.ready``, sends ``chat.start``, decodes events into typed
  structs ([`MessageEvent`][osukit.realtime.MessageEvent], [`ChannelJoinEvent`][osukit.realtime.ChannelJoinEvent], [`ChannelPartEvent`][osukit.realtime.ChannelPartEvent],
  [`NotificationEvent`][osukit.realtime.NotificationEvent], [`LogoutEvent`][osukit.realtime.LogoutEvent], [`VerifiedEvent`][osukit.realtime.VerifiedEvent]); anything else
  arrives as a [`RawEvent`][osukit.realtime.RawEvent], never as an error.
* **Liveness.** The server pings every 20 s; ``websockets`` answers in its own reader, and the
  stream drains the socket in a task of its own so nothing your code does in the loop body can
  stall the pong. ``POST /chat/ack`` runs about every 30 s (osu! stops public-channel events for
  clients that do not call it); ``keepalive=None`` turns it off.
* **Reconnects.** A dropped connection is reopened with capped exponential backoff and jitter
  ([`ReconnectPolicy`][osukit.realtime.ReconnectPolicy]), ``chat.start`` is sent again, and messages sent meanwhile are fetched
  over REST (``GET chat/channels/{id}/messages?since=<last id>``) for every channel seen so far
  and every watched channel. Each message is delivered exactly once and in order per channel:
  ids at or below the last delivered id of their channel are dropped.
* **Auth failures** (``{"error": "authentication failed"}`` or a 401/403 on the upgrade) are
  retried once with a fresh token when the grant can fetch one, then raise
  [`osukit.AuthenticationError`][osukit.AuthenticationError].
* **Token refresh.** Before the token expires (``token_refresh_margin``) the stream reconnects with
  a fresh one.

What osu! itself requires (osu-notification-server ``src/oauth-verifier.ts``, osu-web
``Token::validate``): the websocket accepts only tokens with the ``chat.read`` scope (or ``*``), and
``chat.read`` is never granted to client-credentials ``delegate`` tokens. So on osu! itself a bot
account's delegate token (``delegate chat.write chat.write_manage``) can *send* but cannot open the
websocket, call ``chat/ack`` or read message history; receiving chat needs an authorization-code
token with ``chat.read`` (which osu-web only grants when the authorizing user owns the OAuth
application, or the application's owner is a bot). The bundled emulator accepts delegate tokens
on the websocket; without ``chat.read`` the REST catch-up and the keepalive are then skipped (with
a warning), so messages sent while disconnected are lost.

Known limits: a channel the stream has never heard of (say a brand-new PM) that only gets messages
while the socket is down is not caught up, because listing a user's channels
(``GET chat/updates?includes[]=presence``) needs osu!lazer's ``*`` scope; and because delivery
drops ids at or below the last delivered one, a message osu! broadcasts out of id order within
one channel is dropped rather than delivered out of order.

The sync [`ChatStream`][osukit.ChatStream] runs the same code on a private event loop in a background thread.
"""

from __future__ import annotations

import asyncio
import contextlib
import queue
import random
import threading
from collections.abc import AsyncIterator, Callable, Iterable, Iterator, Mapping
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, ClassVar, Literal, Protocol, TypeAlias, TypeVar

import msgspec

from ._constants import DEFAULT_NOTIFY_URL, MAX_CATCH_UP_MESSAGES
from ._exceptions import (
    AuthenticationError,
    ClientClosedError,
    ConfigurationError,
    DecodeError,
    ForbiddenError,
    MissingExtraError,
    NotFoundError,
    OsukitError,
    TransportError,
)
from ._models import Model, decode, drifted_fields
from ._redact import logger
from .models.chat import ChatChannel, ChatMessage
from .models.users import UserCompact
from .tokens import Token

if TYPE_CHECKING:
    from websockets.asyncio.client import ClientConnection

    from ._async.client import AsyncClient
    from ._sync.client import Client

__all__ = [
    "AsyncChatStream",
    "ChannelJoinEvent",
    "ChannelPartEvent",
    "ChatEvent",
    "ChatStream",
    "ConnectionReady",
    "LogoutEvent",
    "MessageEvent",
    "NotificationEvent",
    "RawEvent",
    "ReconnectPolicy",
    "VerifiedEvent",
]

T = TypeVar("T")

AUTH_FAILED = "authentication failed"
DEFAULT_KEEPALIVE = 30.0
DEFAULT_TOKEN_REFRESH_MARGIN = 300.0
_REPLAY_CHUNK = 50
STABLE_CONNECTION = 10.0
"""Seconds a connection must last for the reconnect backoff to start over."""


# --- events ------------------------------------------------------------------------------------


class ConnectionReady(msgspec.Struct, frozen=True, kw_only=True):
    """The server accepted the connection (``connection.ready``) and ``chat.start`` was sent.

    Yielded once per connection, before any message of that connection (and before the messages
    fetched over REST after a reconnect).
    """

    event: ClassVar[str] = "connection.ready"
    connection: int
    """1 for the first connection, 2 after the first reconnect, …"""
    url: str
    """The websocket URL."""

    @property
    def reconnect(self) -> bool:
        """True for every connection after the first."""
        return self.connection > 1


class MessageEvent(msgspec.Struct, frozen=True, kw_only=True):
    """``chat.message.new``: new messages (usually one) and their senders.

    ``replayed`` is True for messages fetched over REST after a reconnect (they were sent while
    the socket was down); their ``users`` are the senders the REST response included.
    """

    event: ClassVar[str] = "chat.message.new"
    messages: list[ChatMessage]
    users: list[UserCompact] = msgspec.field(default_factory=list)
    replayed: bool = False

    @property
    def channel_id(self) -> int | None:
        """The channel of the (first) message."""
        return self.messages[0].channel_id if self.messages else None

    def sender(self, message: ChatMessage) -> UserCompact | None:
        """The sender of ``message``: from ``users``, else the message's own ``sender``."""
        for user in self.users:
            if user.id == message.sender_id:
                return user
        sender = message.sender
        return sender if isinstance(sender, UserCompact) else None


class ChannelJoinEvent(msgspec.Struct, frozen=True, kw_only=True):
    """``chat.channel.join``: the user joined ``channel`` (with ``current_user_attributes``,
    ``last_message_id`` and ``users``)."""

    event: ClassVar[str] = "chat.channel.join"
    channel: ChatChannel


class ChannelPartEvent(msgspec.Struct, frozen=True, kw_only=True):
    """``chat.channel.part``: the user left ``channel``."""

    event: ClassVar[str] = "chat.channel.part"
    channel: ChatChannel


class NotificationEvent(msgspec.Struct, frozen=True, kw_only=True):
    """A notification event: ``new`` (``data`` is a Notification), ``read`` (``data`` has
    ``notifications``, ``read_count``, ``timestamp``; old servers send top-level ``ids``) or
    ``delete``.

    osu-notification-server only forwards these to tokens with the ``*`` scope (osu!lazer), so
    third-party tokens normally never see them.
    """

    event: Literal["new", "read", "delete"]
    data: Any = None
    ids: list[int] | None = None


class LogoutEvent(msgspec.Struct, frozen=True, kw_only=True):
    """``logout``: the session was logged out; the server closes the socket and the stream ends
    after this event (it does not reconnect)."""

    event: ClassVar[str] = "logout"


class VerifiedEvent(msgspec.Struct, frozen=True, kw_only=True):
    """``verified``: the session was verified (events were held back until now)."""

    event: ClassVar[str] = "verified"


class RawEvent(msgspec.Struct, frozen=True, kw_only=True):
    """An event osukit does not model (or whose payload did not decode): the JSON as sent."""

    event: str
    data: Any = None


ChatEvent: TypeAlias = (
    ConnectionReady
    | MessageEvent
    | ChannelJoinEvent
    | ChannelPartEvent
    | NotificationEvent
    | LogoutEvent
    | VerifiedEvent
    | RawEvent
)
"""Everything a chat stream yields."""


# --- wire decoding -----------------------------------------------------------------------------


class _Head(msgspec.Struct):
    event: Any = None
    error: Any = None
    data: msgspec.Raw = msgspec.Raw()
    ids: Any = None


class _MessagePayload(Model):
    messages: list[ChatMessage]
    users: list[UserCompact] = msgspec.field(default_factory=list)


_head_decoder = msgspec.json.Decoder(_Head)


def _builtins(raw: msgspec.Raw) -> Any:
    return msgspec.json.decode(raw) if len(raw) else None


def parse_event(frame: str | bytes, *, strict: bool = False) -> ChatEvent | _AuthFailed:
    """Decode one websocket frame into an event (never raises: what does not fit is a RawEvent)."""
    try:
        head = _head_decoder.decode(frame)
    except RecursionError:
        logger.warning("chat stream: skipped a frame nested too deeply to decode (%d bytes)", len(frame))
        return RawEvent(event="", data=None)
    except (msgspec.DecodeError, msgspec.ValidationError):
        text = frame.decode("utf-8", "replace") if isinstance(frame, bytes) else frame
        if text.strip().lower() == AUTH_FAILED:  # very old servers answered in plain text
            return _AuthFailed()
        return RawEvent(event="", data=text)
    if head.event is None and head.error is not None:
        if isinstance(head.error, str) and head.error.lower() == AUTH_FAILED:
            return _AuthFailed()
        return RawEvent(event="error", data={"error": head.error})
    event = head.event if isinstance(head.event, str) else ""
    try:
        if event == "chat.message.new":
            payload: _MessagePayload = decode(bytes(head.data), _MessagePayload, strict=strict, route="websocket chat.message.new")
            if drifted_fields(payload):  # no list of messages to deliver (kept raw by tolerant decoding)
                raise DecodeError(f"chat.message.new without messages: {sorted(drifted_fields(payload))}")
            return MessageEvent(messages=payload.messages, users=payload.users)
        if event == "chat.channel.join":
            joined: ChatChannel = decode(bytes(head.data), ChatChannel, strict=strict, route=f"websocket {event}")
            return ChannelJoinEvent(channel=joined)
        if event == "chat.channel.part":
            parted: ChatChannel = decode(bytes(head.data), ChatChannel, strict=strict, route=f"websocket {event}")
            return ChannelPartEvent(channel=parted)
    except DecodeError as exc:
        logger.warning("chat stream: could not decode %s (%s); passing it on as a RawEvent", event, exc)
        return RawEvent(event=event, data=_safe_builtins(head.data))
    if event == "connection.ready":
        return ConnectionReady(connection=0, url="")
    if event == "new":
        return NotificationEvent(event="new", data=_safe_builtins(head.data))
    if event == "read":
        ids = head.ids if isinstance(head.ids, list) and all(isinstance(i, int) for i in head.ids) else None
        return NotificationEvent(event="read", data=_safe_builtins(head.data), ids=ids)
    if event == "delete":
        return NotificationEvent(event="delete", data=_safe_builtins(head.data))
    if event == "logout":
        return LogoutEvent()
    if event == "verified":
        return VerifiedEvent()
    return RawEvent(event=event, data=_safe_builtins(head.data))


def _safe_builtins(raw: msgspec.Raw) -> Any:
    try:
        return _builtins(raw)
    except msgspec.DecodeError:  # pragma: no cover - the head decoded, so the slice is JSON
        return None
    except RecursionError:
        logger.warning("chat stream: an event payload nested too deeply to decode (%d bytes) was dropped", len(raw))
        return None


class _AuthFailed:
    """The server's ``{"error": "authentication failed"}``."""


# --- reconnect policy --------------------------------------------------------------------------


@dataclass(frozen=True)
class ReconnectPolicy:
    """How long to wait before reconnecting.

    The n-th consecutive failed attempt waits ``initial * multiplier**(n-1)`` seconds, capped at
    ``maximum``, with up to ``jitter`` of it (a fraction) taken off at random so many clients do not
    reconnect in lockstep. ``max_attempts`` consecutive failures (``None``: never give up) end the
    stream with [`osukit.TransportError`][osukit.TransportError]. A connection that drops within 10 s of opening
    counts as another failure in a row; after a longer one the count starts over.
    """

    initial: float = 1.0
    maximum: float = 60.0
    multiplier: float = 2.0
    jitter: float = 0.5
    max_attempts: int | None = None

    def __post_init__(self) -> None:
        if self.initial < 0 or self.maximum < 0 or self.multiplier < 1 or not 0 <= self.jitter <= 1:
            raise ConfigurationError("ReconnectPolicy: delays must be >= 0, multiplier >= 1, jitter in [0, 1]")

    def delay(self, attempt: int, rng: Callable[[], float] = random.random) -> float:
        """Seconds to wait before attempt number ``attempt`` (1-based) after a failure."""
        base = min(self.maximum, self.initial * self.multiplier ** max(attempt - 1, 0))
        return base * (1.0 - self.jitter * rng())


# --- what the stream needs from a client -------------------------------------------------------


class _Backend(Protocol):
    """The few client calls the stream (and the bot) make; async over either client."""

    strict: bool
    user_agent: str

    def time(self) -> float: ...
    def can_refresh(self) -> bool: ...
    async def token(self) -> Token: ...
    async def fresh_token(self, stale: Token) -> Token: ...
    async def ack(self) -> None: ...
    async def messages_since(self, channel: int, since: int) -> list[ChatMessage]: ...
    async def latest_message_id(self, channel: int) -> int | None: ...
    async def send(self, channel: int, text: str) -> ChatMessage: ...
    async def send_pm(self, user_id: int, text: str) -> ChatMessage: ...
    async def join(self, channel: int, user_id: int) -> None: ...
    async def me_id(self) -> int | None: ...
    async def channel_type(self, channel: int) -> str | None: ...


class _AsyncBackend:
    def __init__(self, client: AsyncClient) -> None:
        self.client = client
        self.strict = client.strict
        self.user_agent = client._headers.get("User-Agent", "osukit")

    def time(self) -> float:
        return self.client._clock.time()

    def can_refresh(self) -> bool:
        tokens = self.client._tokens
        return tokens is not None and tokens.grant.can_fetch

    async def token(self) -> Token:
        return await self.client.get_token()

    async def fresh_token(self, stale: Token) -> Token:
        if self.client._tokens is None:
            raise ConfigurationError("this client has no OAuth credentials")
        return await self.client._tokens.invalidate(stale)

    async def ack(self) -> None:
        await self.client.chat.ack()

    async def messages_since(self, channel: int, since: int) -> list[ChatMessage]:
        return [m async for m in self.client.chat.messages(channel, since=since, limit=MAX_CATCH_UP_MESSAGES)]

    async def latest_message_id(self, channel: int) -> int | None:
        ids = [m.message_id async for m in self.client.chat.messages(channel, limit=1)]
        return max(ids) if ids else None

    async def send(self, channel: int, text: str) -> ChatMessage:
        return await self.client.chat.send(channel, text)

    async def send_pm(self, user_id: int, text: str) -> ChatMessage:
        return (await self.client.chat.send_pm(user_id, text)).message

    async def join(self, channel: int, user_id: int) -> None:
        await self.client.chat.join(channel, user_id)

    async def me_id(self) -> int | None:
        token = await self.client.get_token()
        if token.user_id is not None:
            return token.user_id
        if not token.has_scope("identify"):
            return None  # GET /me needs identify (delegate tokens cannot have it)
        return (await self.client.users.me()).id

    async def channel_type(self, channel: int) -> str | None:
        return (await self.client.chat.channel(channel)).channel.type.value


class _ThreadBackend:
    """The sync client, called from worker threads (its token manager and limiter are thread-safe)."""

    def __init__(self, client: Client) -> None:
        self.client = client
        self.strict = client.strict
        self.user_agent = client._headers.get("User-Agent", "osukit")

    async def _call(self, fn: Callable[..., T], *args: Any) -> T:
        return await asyncio.to_thread(fn, *args)

    def time(self) -> float:
        return self.client._clock.time()

    def can_refresh(self) -> bool:
        tokens = self.client._tokens
        return tokens is not None and tokens.grant.can_fetch

    async def token(self) -> Token:
        return await self._call(self.client.get_token)

    async def fresh_token(self, stale: Token) -> Token:
        tokens = self.client._tokens
        if tokens is None:
            raise ConfigurationError("this client has no OAuth credentials")
        return await self._call(tokens.invalidate, stale)

    async def ack(self) -> None:
        await self._call(self.client.chat.ack)

    async def messages_since(self, channel: int, since: int) -> list[ChatMessage]:
        return await self._call(
            lambda: list(self.client.chat.messages(channel, since=since, limit=MAX_CATCH_UP_MESSAGES))
        )

    async def latest_message_id(self, channel: int) -> int | None:
        ids = await self._call(lambda: [m.message_id for m in self.client.chat.messages(channel, limit=1)])
        return max(ids) if ids else None

    async def send(self, channel: int, text: str) -> ChatMessage:
        return await self._call(self.client.chat.send, channel, text)

    async def send_pm(self, user_id: int, text: str) -> ChatMessage:
        return (await self._call(self.client.chat.send_pm, user_id, text)).message

    async def join(self, channel: int, user_id: int) -> None:
        await self._call(self.client.chat.join, channel, user_id)

    async def me_id(self) -> int | None:
        token = await self._call(self.client.get_token)
        if token.user_id is not None:
            return token.user_id
        if not token.has_scope("identify"):
            return None
        return (await self._call(self.client.users.me)).id

    async def channel_type(self, channel: int) -> str | None:
        return (await self._call(self.client.chat.channel, channel)).channel.type.value


def _backend_for(client: Any) -> _Backend:
    from ._async.client import AsyncClient
    from ._sync.client import Client

    if isinstance(client, AsyncClient):
        return _AsyncBackend(client)
    if isinstance(client, Client):
        return _ThreadBackend(client)
    raise ConfigurationError(f"expected an osukit.AsyncClient or osukit.Client, got {type(client).__name__}")


def _websockets() -> Any:
    try:
        from websockets.asyncio import client as ws_client
    except ImportError:  # pragma: no cover - depends on the environment
        raise MissingExtraError("the chat websocket (websockets>=13)", "realtime") from None
    return ws_client


# --- the async stream --------------------------------------------------------------------------


class _End:
    __slots__ = ("error",)

    def __init__(self, error: BaseException | None) -> None:
        self.error = error


class _Closed(Exception):
    """The socket closed (internal)."""

    def __init__(self, reason: str, *, refresh: bool = False) -> None:
        super().__init__(reason)
        self.refresh = refresh


class _Fatal(Exception):
    def __init__(self, error: BaseException) -> None:
        super().__init__(str(error))
        self.error = error


class AsyncChatStream:
    """An async iterator of chat events over osu!'s notification websocket.

    Create it with [`osukit.AsyncClient.chat_stream`][osukit._async.client.AsyncClient.chat_stream] and use it as an async context manager:

    ```python
    async with client.chat_stream(channels=[5]) as stream:
        async for event in stream:
            ...
    ```

    Entering it waits for the first ``connection.ready`` (so a refused token raises
    [`AuthenticationError`][osukit.AuthenticationError] right there). Iteration ends after [`aclose`][osukit.realtime.AsyncChatStream.aclose] (or a
    ``logout`` event) and raises the error that ended the stream otherwise.

    **Options**

    * **client** - the [`osukit.AsyncClient`][osukit.AsyncClient] whose token, ``chat/ack`` and message history the
      stream uses (a sync [`osukit.Client`][osukit.Client] works too: it is called from worker threads).
    * **url** - the notification server (default: the client's ``notify_url``, which follows its
      ``base_url``: ``wss://notify.ppy.sh`` for osu.ppy.sh, ``ws(s)://<host>/notify`` for any other
      server such as the emulator).
    * **channels** - channel ids to watch: missed messages are fetched for them after a reconnect
      even before any of their messages was seen (the stream does not *join* them; see
      [`osukit.bot.Bot`][osukit.bot.Bot]).
    * **since** - ``{channel_id: last_message_id}`` from an earlier run (see [`last_message_ids`][osukit.realtime.AsyncChatStream.last_message_ids]):
      messages after those ids are fetched on connect, so a restarted bot misses nothing.
    * **reconnect** - a [`ReconnectPolicy`][osukit.realtime.ReconnectPolicy], or ``False`` to end the stream (raising
      [`TransportError`][osukit.TransportError]) on the first drop.
    * **keepalive** - seconds between ``POST /chat/ack`` calls (default 30; ``None`` turns it off).
    * **catch_up** - fetch missed messages over REST after a reconnect (default True).
    * **token_refresh_margin** - reconnect with a fresh token this many seconds before the current
      one expires (default 300).
    * **ping_interval** / **ping_timeout** - the client's own pings (``websockets``' defaults).
    * **open_timeout** - seconds for the handshake and for ``connection.ready``.
    """

    def __init__(
        self,
        client: AsyncClient | Client,
        *,
        url: str | None = None,
        channels: Iterable[int] = (),
        since: Mapping[int, int] | None = None,
        reconnect: ReconnectPolicy | bool = True,
        keepalive: float | None = DEFAULT_KEEPALIVE,
        catch_up: bool = True,
        token_refresh_margin: float = DEFAULT_TOKEN_REFRESH_MARGIN,
        ping_interval: float | None = 20.0,
        ping_timeout: float | None = 20.0,
        open_timeout: float = 10.0,
        max_size: int | None = 2**22,
    ) -> None:
        _websockets()  # a missing extra is said here, to the caller, not later from the background task
        self._backend: _Backend = _backend_for(client)
        self.url = url or getattr(client, "notify_url", None) or DEFAULT_NOTIFY_URL
        if not self.url.startswith(("ws://", "wss://")):
            raise ConfigurationError(f"the notification URL must start with ws:// or wss://, got {self.url!r}")
        if reconnect is True:
            self.reconnect_policy: ReconnectPolicy | None = ReconnectPolicy()
        elif reconnect is False:
            self.reconnect_policy = None
        else:
            self.reconnect_policy = reconnect
        if keepalive is not None and keepalive <= 0:
            raise ConfigurationError("keepalive must be a positive number of seconds or None")
        self.keepalive = keepalive
        self.catch_up = catch_up
        self.token_refresh_margin = token_refresh_margin
        self.ping_interval = ping_interval
        self.ping_timeout = ping_timeout
        self.open_timeout = open_timeout
        self.max_size = max_size
        self._watched: set[int] = {int(c) for c in channels}
        self._last: dict[int, int] = {int(k): int(v) for k, v in (since or {}).items()}
        self._tracked: set[int] = set(self._last) | self._watched
        self._events: asyncio.Queue[ChatEvent | _End] = asyncio.Queue()
        self._task: asyncio.Task[None] | None = None
        self._ready: asyncio.Future[None] | None = None
        self._ws: ClientConnection | None = None
        self._closing = False
        self._pending_first: list[ChatEvent] = []
        self._finished = False
        self._connections = 0
        self._warned_unreachable = False
        self._keepalive_disabled = False
        self._catch_up_disabled = False
        self.acks = 0
        """``POST /chat/ack`` calls made so far."""
        self.reconnects = 0
        """Connections opened after the first."""

    def __repr__(self) -> str:
        return f"{type(self).__name__}(url={self.url!r}, connected={self.connected})"

    # --- public state -----------------------------------------------------------------------

    @property
    def connected(self) -> bool:
        """True while a socket is open and ``chat.start`` was sent."""
        return self._ws is not None

    @property
    def last_message_ids(self) -> dict[int, int]:
        """``{channel_id: last delivered message_id}``: save it and pass it back as ``since=``."""
        return dict(self._last)

    def watch(self, channel: int) -> None:
        """Also catch up on ``channel`` after reconnects (as if it were passed in ``channels=``)."""
        self._watched.add(int(channel))
        self._tracked.add(int(channel))

    # --- lifecycle --------------------------------------------------------------------------

    async def __aenter__(self) -> AsyncChatStream:
        await self.start()
        return self

    async def __aexit__(self, *exc_info: object) -> None:
        await self.aclose()

    async def start(self) -> None:
        """Connect (once) and wait for the first ``connection.ready``; raise if that fails for good."""
        if self._task is None:
            if self._finished:
                raise ClientClosedError("this chat stream is closed; create a new one")
            loop = asyncio.get_running_loop()
            self._ready = loop.create_future()
            self._task = asyncio.create_task(self._supervise(), name="osukit-chat-stream")
        assert self._ready is not None
        await asyncio.shield(self._ready)

    async def aclose(self) -> None:
        """Send ``chat.end``, close the socket and end the iteration."""
        self._closing = True
        task, self._task = self._task, None
        ws = self._ws
        if ws is not None:
            with contextlib.suppress(Exception):
                await asyncio.wait_for(ws.send('{"event":"chat.end"}'), 1.0)
        if task is not None and not task.done():
            task.cancel()
            with contextlib.suppress(asyncio.CancelledError, Exception):
                await task
        if ws is not None:
            with contextlib.suppress(Exception):
                await asyncio.wait_for(ws.close(), 2.0)
        self._ws = None
        if not self._finished:
            self._finish(None)

    def _finish(self, error: BaseException | None) -> None:
        if self._finished:
            return
        self._finished = True
        self._events.put_nowait(_End(error))
        if self._ready is not None and not self._ready.done():
            if error is not None:
                self._ready.set_exception(error)
            else:
                self._ready.set_result(None)

    # --- iteration --------------------------------------------------------------------------

    def __aiter__(self) -> AsyncIterator[ChatEvent]:
        return self

    async def __anext__(self) -> ChatEvent:
        if self._task is None and not self._finished:
            await self.start()
        item = await self._events.get()
        if isinstance(item, _End):
            self._events.put_nowait(item)  # later calls end the same way
            if item.error is not None:
                raise item.error
            raise StopAsyncIteration
        return item

    # --- the connection loop ----------------------------------------------------------------

    async def _supervise(self) -> None:
        error: BaseException | None = None
        try:
            await self._run()
        except asyncio.CancelledError:
            raise
        except _Fatal as exc:
            error = exc.error
        except MissingExtraError as exc:  # a clear one-line error for the consumer; not a crash
            error = exc
        except BaseException as exc:  # a bug: surface it to the consumer rather than hang
            logger.exception("chat stream: crashed")
            error = exc
        finally:
            self._ws = None
            self._finish(error)

    async def _run(self) -> None:
        await self._baselines()
        failures = 0
        auth_failures = 0
        force_fresh: Token | None = None
        while not self._closing:
            try:
                token = await self._backend.token()
                if force_fresh is not None and token.access_token == force_fresh.access_token:
                    token = await self._backend.fresh_token(force_fresh)
                force_fresh = None
            except AuthenticationError as exc:
                raise _Fatal(exc) from None
            except OsukitError as exc:
                failures += 1
                await self._backoff(failures, f"could not get a token: {exc}")
                continue
            try:
                ws = await self._open(token)
            except _AuthRefused as exc:
                auth_failures += 1
                if auth_failures == 1 and self._backend.can_refresh():
                    logger.info("chat stream: %s; retrying once with a fresh token", exc)
                    force_fresh = token
                    continue
                raise _Fatal(self._auth_error(str(exc))) from None
            except _Closed as exc:
                failures += 1
                await self._backoff(failures, str(exc))
                continue
            auth_failures = 0
            opened = asyncio.get_running_loop().time()
            try:
                refresh = await self._serve(ws, token)
            except _Closed as exc:
                logger.info("chat stream: connection lost (%s)", exc)
                # A connection that dies young counts as one more failure in a row (a flapping server
                # is backed off from like an unreachable one); after a stable one, start over.
                lived = asyncio.get_running_loop().time() - opened
                failures = 1 if lived >= STABLE_CONNECTION else failures + 1
                await self._backoff(failures, str(exc))
                continue
            finally:
                self._ws = None
                with contextlib.suppress(Exception):
                    await asyncio.wait_for(ws.close(), 2.0)
            if refresh:
                force_fresh = token
            else:
                return  # logout

    def _auth_error(self, reason: str) -> AuthenticationError:
        return AuthenticationError(
            f"the notification server refused the token ({reason}); it needs a token with the "
            "'chat.read' scope (client-credentials 'delegate' tokens cannot have it)",
            status_code=401,
            url=self.url,
        )

    async def _backoff(self, failures: int, reason: str) -> None:
        policy = self.reconnect_policy
        if policy is None or (policy.max_attempts is not None and failures > policy.max_attempts):
            raise _Fatal(TransportError(f"chat websocket: {reason}", url=self.url))
        delay = policy.delay(failures)
        if self._connections == 0 and not self._warned_unreachable:
            # Said once, loudly: a wrong address otherwise looks like a silent hang.
            self._warned_unreachable = True
            logger.warning(
                "chat stream: cannot connect to %s (%s); retrying in the background. If that is the wrong "
                "address, pass notify_url= to the client (or set OSU_NOTIFY_URL)", self.url, reason,
            )
        else:
            logger.info("chat stream: %s; reconnecting in %.2fs (attempt %d)", reason, delay, failures)
        await asyncio.sleep(delay)

    async def _open(self, token: Token) -> ClientConnection:
        """Connect, wait for ``connection.ready`` (auth), send ``chat.start``."""
        ws_client = _websockets()
        from websockets.exceptions import InvalidHandshake, InvalidStatus, WebSocketException

        from ._base_client import BAD_TOKEN_MESSAGE, header_safe_token

        if not header_safe_token(token.access_token):
            raise _Fatal(ConfigurationError(BAD_TOKEN_MESSAGE))  # retrying cannot help
        headers = {
            "Authorization": f"{token.token_type or 'Bearer'} {token.access_token}",
        }
        try:
            ws: ClientConnection = await ws_client.connect(
                self.url,
                additional_headers=headers,
                user_agent_header=self._backend.user_agent,
                open_timeout=self.open_timeout,
                ping_interval=self.ping_interval,
                ping_timeout=self.ping_timeout,
                max_size=self.max_size,
                close_timeout=2.0,
            )
        except InvalidStatus as exc:
            status = exc.response.status_code
            if status in (401, 403):
                raise _AuthRefused(f"HTTP {status} on the websocket upgrade") from None
            raise _Closed(f"HTTP {status} on the websocket upgrade") from None
        except (OSError, asyncio.TimeoutError, InvalidHandshake, WebSocketException) as exc:
            raise _Closed(f"connect failed: {type(exc).__name__}: {exc}") from None
        try:
            first = await asyncio.wait_for(ws.recv(), self.open_timeout)
        except asyncio.TimeoutError:
            await ws.close()
            raise _Closed("no connection.ready within open_timeout") from None
        except WebSocketException as exc:
            raise _Closed(f"closed before connection.ready: {exc}") from None
        event = parse_event(first, strict=self._backend.strict)
        pending: list[ChatEvent] = []
        if isinstance(event, _AuthFailed):
            with contextlib.suppress(Exception):
                await ws.close()
            raise _AuthRefused("server answered 'authentication failed'")
        if not isinstance(event, ConnectionReady):
            pending.append(event)  # an older server without connection.ready
        try:
            await ws.send('{"event":"chat.start"}')
        except WebSocketException as exc:
            raise _Closed(f"closed before chat.start: {exc}") from None
        self._pending_first = pending
        return ws

    async def _serve(self, ws: ClientConnection, token: Token) -> bool:
        """Run one connection; return True to reconnect with a fresh token, False after a logout.

        Raises _Closed when the socket drops.
        """
        from websockets.exceptions import ConnectionClosed

        self._connections += 1
        if self._connections > 1:
            self.reconnects += 1
        self._ws = ws
        live: asyncio.Queue[ChatEvent | _AuthFailed | _Closed] = asyncio.Queue()
        for event in self._pending_first:
            live.put_nowait(event)
        self._pending_first = []

        async def reader() -> None:
            try:
                async for frame in ws:
                    live.put_nowait(parse_event(frame, strict=self._backend.strict))
                code = ws.close_code
                live.put_nowait(_Closed(f"closed by the server (code {code})"))
            except ConnectionClosed as exc:
                live.put_nowait(_Closed(f"connection closed ({exc})"))
            except Exception as exc:  # never die silently: the stream would stay "connected" and mute
                logger.warning("chat stream: the reader failed (%s); reconnecting", type(exc).__name__)
                live.put_nowait(_Closed(f"reader failed: {type(exc).__name__}"))

        tasks = [asyncio.create_task(reader(), name="osukit-chat-reader")]
        if self.keepalive is not None and not self._keepalive_disabled:
            tasks.append(asyncio.create_task(self._keepalive(), name="osukit-chat-keepalive"))
        refresh_in = self._refresh_delay(token)
        if refresh_in is not None:
            def refresh() -> None:
                live.put_nowait(_Closed("token refresh", refresh=True))

            handle = asyncio.get_running_loop().call_later(refresh_in, refresh)
        else:
            handle = None
        try:
            await self._emit(ConnectionReady(connection=self._connections, url=self.url))
            if self._ready is not None and not self._ready.done():
                self._ready.set_result(None)
            if self.catch_up and not self._catch_up_disabled:
                await self._replay()
            while True:
                item = await live.get()
                if isinstance(item, _Closed):
                    if item.refresh:
                        logger.info("chat stream: reconnecting with a fresh token before this one expires")
                        return True
                    raise item
                if isinstance(item, _AuthFailed):
                    raise _Closed("server answered 'authentication failed' on an open connection")
                if isinstance(item, ConnectionReady):
                    continue
                await self._deliver(item)
                if isinstance(item, LogoutEvent):
                    return False
        finally:
            if handle is not None:
                handle.cancel()
            for task in tasks:
                task.cancel()
            for task in tasks:
                with contextlib.suppress(asyncio.CancelledError, Exception):
                    await task

    def _refresh_delay(self, token: Token) -> float | None:
        if not self._backend.can_refresh() or token.expires_at == float("inf"):
            return None
        remaining = token.expires_at - self._backend.time()
        if remaining <= self.token_refresh_margin:
            logger.warning(
                "chat stream: the token expires in %.0fs, within token_refresh_margin; not scheduling a refresh",
                remaining,
            )
            return None
        return remaining - self.token_refresh_margin

    async def _keepalive(self) -> None:
        assert self.keepalive is not None
        while True:
            try:
                await self._backend.ack()
                self.acks += 1
            except (ForbiddenError, AuthenticationError) as exc:
                self._keepalive_disabled = True
                logger.warning(
                    "chat stream: chat keepalive (POST chat/ack) refused (%s); turning it off. "
                    "osu! stops public-channel events without it (PMs still arrive).",
                    exc,
                )
                return
            except OsukitError as exc:
                logger.debug("chat stream: keepalive failed: %s", exc)
            await asyncio.sleep(self.keepalive)

    # --- delivery, ordering, catch-up -------------------------------------------------------

    async def _emit(self, event: ChatEvent) -> None:
        self._events.put_nowait(event)

    def _fresh(self, messages: Iterable[ChatMessage]) -> list[ChatMessage]:
        """The messages not delivered yet, in id order per channel; updates the last ids."""
        out: list[ChatMessage] = []
        for message in sorted(messages, key=lambda m: m.message_id):
            channel = message.channel_id
            if message.message_id <= self._last.get(channel, -1):
                continue
            self._last[channel] = message.message_id
            self._tracked.add(channel)
            out.append(message)
        return out

    async def _deliver(self, event: ChatEvent) -> None:
        if isinstance(event, MessageEvent):
            fresh = self._fresh(event.messages)
            if not fresh:
                return
            if len(fresh) != len(event.messages):
                event = MessageEvent(messages=fresh, users=event.users, replayed=event.replayed)
        elif isinstance(event, ChannelJoinEvent):
            channel = event.channel.channel_id
            self._tracked.add(channel)
            last = event.channel.last_message_id
            if channel not in self._last and isinstance(last, int):
                self._last[channel] = last
        elif isinstance(event, ChannelPartEvent):
            channel = event.channel.channel_id
            if channel not in self._watched:
                self._tracked.discard(channel)
                self._last.pop(channel, None)
        await self._emit(event)

    async def _baselines(self) -> None:
        """Remember the newest message id of watched channels, so a reconnect can catch up."""
        if not self.catch_up:
            return
        for channel in sorted(self._watched - set(self._last)):
            try:
                latest = await self._backend.latest_message_id(channel)
            except (ForbiddenError, AuthenticationError) as exc:
                self._disable_catch_up(exc)
                return
            except OsukitError as exc:
                logger.warning("chat stream: could not read channel %d's newest message: %s", channel, exc)
                continue
            self._last[channel] = latest if latest is not None else 0

    def _disable_catch_up(self, exc: BaseException) -> None:
        if not self._catch_up_disabled:
            logger.warning(
                "chat stream: reading message history was refused (%s); messages sent while the "
                "websocket is down will not be fetched (reading history needs the 'chat.read' scope)",
                exc,
            )
        self._catch_up_disabled = True

    async def _replay(self) -> None:
        """Fetch, oldest first, what every tracked channel got since its last delivered message."""
        for channel in sorted(self._tracked):
            since = self._last.get(channel)
            if since is None:
                continue
            try:
                missed = await self._backend.messages_since(channel, since)
            except (ForbiddenError, AuthenticationError) as exc:
                if isinstance(exc, ForbiddenError) and not _is_scope_error(exc):
                    logger.warning("chat stream: no access to channel %d's history (%s)", channel, exc)
                    continue
                self._disable_catch_up(exc)
                return
            except NotFoundError:
                logger.info("chat stream: channel %d is gone; no longer tracking it", channel)
                self._tracked.discard(channel)
                continue
            except OsukitError as exc:
                logger.warning("chat stream: could not fetch channel %d's missed messages: %s", channel, exc)
                continue
            if len(missed) >= MAX_CATCH_UP_MESSAGES:
                logger.warning("chat stream: channel %d missed more than %d messages; only the oldest %d are "
                               "replayed (MAX_CATCH_UP_MESSAGES)", channel, len(missed), len(missed))
            fresh = self._fresh(missed)
            for start in range(0, len(fresh), _REPLAY_CHUNK):
                chunk = fresh[start : start + _REPLAY_CHUNK]
                await self._emit(MessageEvent(messages=chunk, users=_senders(chunk), replayed=True))
            if fresh:
                logger.info("chat stream: replayed %d missed message(s) in channel %d", len(fresh), channel)


class _AuthRefused(Exception):
    pass


def _is_scope_error(exc: ForbiddenError) -> bool:
    from ._exceptions import MissingScopeError

    return isinstance(exc, MissingScopeError)


def _senders(messages: Iterable[ChatMessage]) -> list[UserCompact]:
    seen: dict[int, UserCompact] = {}
    for message in messages:
        sender = message.sender
        if isinstance(sender, UserCompact) and sender.id not in seen:
            seen[sender.id] = sender
    return list(seen.values())


# --- the sync stream ---------------------------------------------------------------------------


class ChatStream:
    """The synchronous chat stream: an iterator of the same events as [`AsyncChatStream`][osukit.AsyncChatStream].

    It runs an [`AsyncChatStream`][osukit.AsyncChatStream] on a private event loop in a background thread (calling
    the sync client from worker threads, so the token and rate limiter are shared) and hands
    events over through a queue:

    ```python
    with client.chat_stream(channels=[5]) as stream:
        for event in stream:
            ...
    ```

    Takes the same options as [`AsyncChatStream`][osukit.AsyncChatStream]. `close` (or leaving the ``with``
    block) stops it; it can be called from any thread.
    """

    def __init__(self, client: Client, *, url: str | None = None, channels: Iterable[int] = (), **options: Any) -> None:
        self._client = client
        self._options = options
        self._url = url
        self._channels = list(channels)
        AsyncChatStream(client, url=url, channels=self._channels, **options)  # validates the options now
        self._queue: queue.Queue[ChatEvent | _End] = queue.Queue()
        self._thread: threading.Thread | None = None
        self._loop: asyncio.AbstractEventLoop | None = None
        self._stream: AsyncChatStream | None = None
        self._stop_event: asyncio.Event | None = None
        self._started = threading.Event()
        self._start_error: BaseException | None = None
        self._done = False

    def __repr__(self) -> str:
        return f"{type(self).__name__}(url={self._url or getattr(self._client, 'notify_url', DEFAULT_NOTIFY_URL)!r})"

    def __enter__(self) -> ChatStream:
        self.start()
        return self

    def __exit__(self, *exc_info: object) -> None:
        self.close()

    @property
    def connected(self) -> bool:
        """True while the socket is open."""
        return self._stream is not None and self._stream.connected

    @property
    def last_message_ids(self) -> dict[int, int]:
        """``{channel_id: last delivered message_id}`` (pass back as ``since=``)."""
        return self._stream.last_message_ids if self._stream is not None else {}

    @property
    def stream(self) -> AsyncChatStream | None:
        """The async stream running in the background thread (read its counters, not its loop)."""
        return self._stream

    def start(self) -> None:
        """Start the background thread and wait for the first ``connection.ready``."""
        if self._thread is None:
            if self._done:
                raise ClientClosedError("this chat stream is closed; create a new one")
            self._thread = threading.Thread(target=self._main, name="osukit-chat-stream", daemon=True)
            self._thread.start()
        self._started.wait()
        if self._start_error is not None:
            raise self._start_error

    def _main(self) -> None:
        loop = asyncio.new_event_loop()
        self._loop = loop
        try:
            loop.run_until_complete(self._amain())
        finally:
            with contextlib.suppress(Exception):
                loop.run_until_complete(loop.shutdown_asyncgens())
            loop.close()

    async def _amain(self) -> None:
        stream = AsyncChatStream(self._client, url=self._url, channels=self._channels, **self._options)
        self._stream = stream
        self._stop_event = asyncio.Event()
        error: BaseException | None = None
        try:
            try:
                await stream.start()
            except BaseException as exc:
                self._start_error = exc
                return
            finally:
                self._started.set()

            async def pump() -> None:
                async for event in stream:
                    self._queue.put(event)

            pumping = asyncio.create_task(pump())
            stopping = asyncio.create_task(self._stop_event.wait())
            await asyncio.wait({pumping, stopping}, return_when=asyncio.FIRST_COMPLETED)
            stopping.cancel()
            if pumping.done():
                pumping.result()
            else:
                pumping.cancel()
        except BaseException as exc:
            error = exc if not isinstance(exc, asyncio.CancelledError) else None
        finally:
            await stream.aclose()
            self._queue.put(_End(error))

    def __iter__(self) -> Iterator[ChatEvent]:
        return self

    def __next__(self) -> ChatEvent:
        if self._thread is None and not self._done:
            self.start()
        item = self._queue.get()
        if isinstance(item, _End):
            self._queue.put(item)
            if item.error is not None:
                raise item.error
            raise StopIteration
        return item

    def get(self, timeout: float | None = None) -> ChatEvent | None:
        """The next event, waiting at most ``timeout`` seconds (``None`` on timeout or at the end)."""
        try:
            item = self._queue.get(timeout=timeout)
        except queue.Empty:
            return None
        if isinstance(item, _End):
            self._queue.put(item)
            if item.error is not None:
                raise item.error
            return None
        return item

    def close(self) -> None:
        """Stop the stream and its thread (idempotent; callable from any thread)."""
        self._done = True
        loop, stop, thread = self._loop, self._stop_event, self._thread
        if loop is not None and stop is not None:
            with contextlib.suppress(RuntimeError):  # the loop already ended
                loop.call_soon_threadsafe(stop.set)
        if thread is not None and thread is not threading.current_thread():
            thread.join(15)
