"""A small chat-bot layer on top of [`AsyncChatStream`][osukit.realtime.AsyncChatStream].

```python
import asyncio
import random

import osukit
from osukit.bot import Bot, Context


async def main() -> None:
    # Listen as the bot account: an authorization-code token with chat.read (osu! grants it when
    # the account owns the application); reply with the same client or, via `sender=`, with
    # the application's delegate token (`scopes=("delegate", "chat.write", "chat.write_manage")`).
    async with osukit.AsyncClient(client_id=..., client_secret=...) as client:
        await client.login(redirect_uri="http://127.0.0.1:8080/callback",
                           scopes=["chat.read", "chat.write", "chat.write_manage", "identify", "public"])
        bot = Bot(client, prefix="!", channels=[5])

        @bot.command("roll")
        async def roll(ctx: Context) -> None:
            await ctx.reply(f"{ctx.sender_name} rolls {random.randint(1, 100)}")

        await bot.start()  # until Ctrl-C or `await bot.stop()` from a handler


asyncio.run(main())
```

`bot.run()` does the same for a script that needs no `await` before starting: it runs the
bot on an event loop of its own and closes the bot's clients when it ends.

* Commands (``@bot.command("pp", "performance")``), every message (``@bot.on_message``) and any
  websocket event by name (``@bot.on_event("chat.channel.join")``, ``"*"`` for all). Handlers may be
  ``async def`` or plain functions; an exception in one is logged on the ``osukit`` logger and the
  bot goes on. One channel's messages are handled one at a time, in order; channels run
  concurrently. Plain functions run on the event loop: keep them short (or ``await
  asyncio.to_thread(...)`` from an async handler), since a blocked loop also delays the answers
  to the server's pings.
* The bot's own messages are ignored: its user id comes from ``bot_user_id=``, the token, or
  ``GET /me`` (needs ``identify``; a delegate token cannot call it, so osukit then learns the id from
  the first message the bot sends - pass ``bot_user_id=`` to be safe from the start).
* [`Context.reply`][osukit.bot.Context.reply] answers in the channel (``POST chat/channels/{id}/messages``) or, for a PM,
  to the sender (``POST chat/new``), through a token bucket per channel (default 1 message/s with a
  burst of 5).
* Messages fetched after a reconnect (``MessageEvent.replayed``) are handled like live ones, so a
  command sent while the bot was disconnected is still answered (``handle_replayed=False`` skips them).

**Which token.** Sending works with a bot account's client-credentials token
(``delegate chat.write chat.write_manage``) and with an authorization-code token carrying
``chat.write``. *Receiving* is another matter on osu! itself: osu-notification-server only accepts
tokens with ``chat.read`` (or ``*``), and osu-web never grants ``chat.read`` to a ``delegate``
token, so a delegate bot cannot open the websocket there; use an authorization-code token with
``chat.read chat.write chat.write_manage`` for a bot that listens (osu-web grants chat scopes to an
authorization-code token only when the authorizing user owns the OAuth application or the owner
is a bot account). The osukit emulator accepts delegate tokens on its websocket.
"""

from __future__ import annotations

import asyncio
import contextlib
import inspect
import signal
from collections.abc import Awaitable, Callable, Iterable
from typing import TYPE_CHECKING, Any, TypeVar

from ._exceptions import ConfigurationError, OsukitError
from ._redact import logger
from .models.chat import ChatChannelType, ChatMessage
from .models.users import UserCompact
from .ratelimit import TokenBucket
from .realtime import (
    AsyncChatStream,
    ChannelJoinEvent,
    ChannelPartEvent,
    ChatEvent,
    ConnectionReady,
    MessageEvent,
    _backend_for,
)

if TYPE_CHECKING:
    from ._async.client import AsyncClient
    from ._sync.client import Client

__all__ = ["Bot", "Context"]

F = TypeVar("F", bound=Callable[..., Any])
Handler = Callable[..., Any]


class Context:
    """What a command or message handler receives."""

    def __init__(
        self,
        bot: Bot,
        message: ChatMessage,
        event: MessageEvent,
        *,
        is_pm: bool,
        command: str | None = None,
        args: list[str] | None = None,
    ) -> None:
        self.bot = bot
        self.message = message
        """The message (``content``, ``sender_id``, ``message_id``, ``timestamp`` …)."""
        self.event = event
        """The event the message came in (``replayed`` is True after a reconnect)."""
        self.channel_id = message.channel_id
        self.sender: UserCompact | None = event.sender(message)
        """The sender, when the event carried them."""
        self.is_pm = is_pm
        """True for a private message (replies go to the sender via ``chat/new``)."""
        self.command = command
        """The command name (without prefix) for command handlers, else None."""
        self.args: list[str] = args if args is not None else []
        """The words after the command."""

    def __repr__(self) -> str:
        return f"Context(channel_id={self.channel_id}, sender_id={self.sender_id}, command={self.command!r}, args={self.args!r})"

    @property
    def sender_id(self) -> int:
        return self.message.sender_id

    @property
    def sender_name(self) -> str:
        """The sender's username (or ``user <id>`` when the event did not include them)."""
        return self.sender.username if self.sender is not None else f"user {self.sender_id}"

    @property
    def content(self) -> str:
        return self.message.content

    async def reply(self, text: str) -> ChatMessage:
        """Answer in the same channel, or privately to the sender for a PM (rate limited per channel)."""
        if self.is_pm:
            return await self.bot.send_pm(self.sender_id, text)
        return await self.bot.send(self.channel_id, text)


class Bot:
    """A command bot over the chat websocket.

    **Parameters**

    * **client** - an [`osukit.AsyncClient`][osukit.AsyncClient] (or a sync [`osukit.Client`][osukit.Client], called from worker
      threads).
    * **prefix** - what starts a command (default ``"!"``).
    * **channels** - channel ids to join at start (``PUT chat/channels/{id}/users/{me}``, scope
      ``chat.write_manage``) and to watch for missed messages.
    * **bot_user_id** - the bot's own user id (else from the token / ``GET /me`` / the first sent message).
    * **send_rate** / **send_burst** - messages per second per channel and the burst (1 and 5).
    * **join** - join ``channels`` at start (default True).
    * **handle_replayed** - run handlers for messages fetched after a reconnect (default True).
    * **sender** - another client to send replies with (e.g. the bot account's delegate
      client-credentials token, ``delegate chat.write``), while ``client`` listens; osu!'s websocket
      accepts only tokens with ``chat.read``, which a delegate token cannot carry. Default: ``client``.
    * **url** and other keyword options - passed to [`AsyncChatStream`][osukit.AsyncChatStream]
      (``reconnect``, ``keepalive``, ``since`` …).
    """

    def __init__(
        self,
        client: AsyncClient | Client,
        *,
        prefix: str = "!",
        channels: Iterable[int] = (),
        bot_user_id: int | None = None,
        send_rate: float = 1.0,
        send_burst: int = 5,
        join: bool = True,
        handle_replayed: bool = True,
        url: str | None = None,
        sender: AsyncClient | Client | None = None,
        **stream_options: Any,
    ) -> None:
        if not prefix:
            raise ConfigurationError("prefix must not be empty")
        self.client = client
        self._backend = _backend_for(client)
        self.sender = sender
        self._send_backend = self._backend if sender is None else _backend_for(sender)
        self.prefix = prefix
        self.channels = [int(c) for c in channels]
        self.bot_user_id = bot_user_id
        self.join = join
        self.handle_replayed = handle_replayed
        self.url = url
        self.stream_options = stream_options
        try:
            self.limiter = TokenBucket(send_rate * 60.0, burst=send_burst)
        except ValueError as exc:
            raise ConfigurationError(f"send_rate/send_burst: {exc}") from None
        self._commands: dict[str, Handler] = {}
        self._message_handlers: list[Handler] = []
        self._event_handlers: dict[str, list[Handler]] = {}
        self._channel_types: dict[int, str] = {}
        self._tasks: set[asyncio.Task[None]] = set()
        self._locks: dict[int, asyncio.Lock] = {}
        self._stop: asyncio.Event | None = None
        self._ready: asyncio.Event | None = None
        self._failure: BaseException | None = None
        self.stream: AsyncChatStream | None = None
        """The running stream (None before [`start`][osukit.bot.Bot.start])."""
        self.handled = 0
        """Messages dispatched to handlers so far."""

    def __repr__(self) -> str:
        return f"Bot(prefix={self.prefix!r}, channels={self.channels!r}, commands={sorted(self._commands)!r})"

    # --- registration -----------------------------------------------------------------------

    def command(self, name: str, *aliases: str) -> Callable[[F], F]:
        """Register a command handler: ``@bot.command("roll")`` answers ``!roll 100``."""
        names = [n.lower().removeprefix(self.prefix) for n in (name, *aliases)]
        if any(not n or any(c.isspace() for c in n) for n in names):
            raise ConfigurationError("command names must be single non-empty words")

        def decorator(fn: F) -> F:
            for n in names:
                self._commands[n] = fn
            return fn

        return decorator

    def on_message(self, fn: F) -> F:
        """Register a handler for every message from someone else (commands included)."""
        self._message_handlers.append(fn)
        return fn

    def on_event(self, name: str) -> Callable[[F], F]:
        """Register a handler for websocket events by name (``"chat.channel.join"``, ``"connection.ready"``,
        an unknown event's name, or ``"*"`` for every event); it receives the event object."""

        def decorator(fn: F) -> F:
            self._event_handlers.setdefault(name, []).append(fn)
            return fn

        return decorator

    @property
    def commands(self) -> list[str]:
        """The registered command names."""
        return sorted(self._commands)

    # --- sending ----------------------------------------------------------------------------

    async def send(self, channel: int, text: str) -> ChatMessage:
        """Send to a channel through the per-channel rate limit."""
        await self.limiter.aacquire(1, f"channel:{channel}")
        message = await self._send_backend.send(channel, text)
        self._learn_own_id(message)
        return message

    async def send_pm(self, user_id: int, text: str) -> ChatMessage:
        """Send a PM through the per-recipient rate limit."""
        await self.limiter.aacquire(1, f"pm:{user_id}")
        message = await self._send_backend.send_pm(user_id, text)
        self._learn_own_id(message)
        return message

    def _learn_own_id(self, message: ChatMessage) -> None:
        if self.bot_user_id is None:
            self.bot_user_id = message.sender_id
            logger.info("bot: learned its own user id (%d) from a sent message", message.sender_id)

    # --- lifecycle --------------------------------------------------------------------------

    async def wait_ready(self, timeout: float | None = None) -> None:
        """Wait until the bot's stream is connected (the first ``connection.ready``); raise what
        stopped [`start`][osukit.bot.Bot.start] if it failed first."""

        async def wait() -> None:
            while self._ready is None:  # noqa: ASYNC110 - the event is created by start(), on its loop
                await asyncio.sleep(0.01)
            await self._ready.wait()

        await asyncio.wait_for(wait(), timeout)
        if self._failure is not None:
            raise self._failure

    async def start(self) -> None:
        """Connect and handle events until [`stop`][osukit.bot.Bot.stop] (or the stream ends); then shut down cleanly."""
        self._stop = asyncio.Event()
        self._ready = asyncio.Event()
        self._failure = None
        self._locks = {}
        try:
            await self._start()
        except BaseException as exc:
            if not self._ready.is_set():
                self._failure = exc if isinstance(exc, Exception) else None
                self._ready.set()
            raise

    async def _start(self) -> None:
        assert self._stop is not None
        await self._resolve_own_id()
        if self.join:
            await self._join_channels()
        stream = AsyncChatStream(self.client, url=self.url, channels=self.channels, **self.stream_options)
        self.stream = stream
        consumer: asyncio.Task[None] | None = None
        try:
            await stream.start()
            consumer = asyncio.create_task(self._consume(stream), name="osukit-bot-consumer")
            stopper = asyncio.create_task(self._stop.wait())
            done, _ = await asyncio.wait({consumer, stopper}, return_when=asyncio.FIRST_COMPLETED)
            stopper.cancel()
            if consumer in done:
                consumer.result()  # re-raise a fatal stream error (e.g. AuthenticationError)
        finally:
            await stream.aclose()
            if consumer is not None and not consumer.done():
                consumer.cancel()
                with contextlib.suppress(asyncio.CancelledError):
                    await consumer
            await self._drain_handlers()
            logger.info("bot: stopped")

    async def stop(self) -> None:
        """Ask the bot to stop; [`start`][osukit.bot.Bot.start] returns once handlers in flight have finished."""
        if self._stop is not None:
            self._stop.set()

    def run(self) -> None:
        """Run the bot until Ctrl-C, SIGTERM or [`stop`][osukit.bot.Bot.stop] (blocking; for scripts).

        The event loop ends with it, so the async clients given to the bot (``client`` and
        ``sender``) are closed on the way out: their connections belong to that loop.
        """

        async def main() -> None:
            loop = asyncio.get_running_loop()
            with contextlib.suppress(NotImplementedError, RuntimeError, ValueError):
                loop.add_signal_handler(signal.SIGTERM, lambda: asyncio.ensure_future(self.stop()))
            try:
                await self.start()
            finally:
                for client in {id(c): c for c in (self.client, self.sender) if c is not None}.values():
                    aclose = getattr(client, "aclose", None)
                    if aclose is not None:
                        await aclose()

        with contextlib.suppress(KeyboardInterrupt):
            asyncio.run(main())

    async def _drain_handlers(self, timeout: float = 10.0) -> None:
        if self._tasks:
            _, pending = await asyncio.wait(set(self._tasks), timeout=timeout)
            for task in pending:
                task.cancel()

    async def _resolve_own_id(self) -> None:
        if self.bot_user_id is not None:
            return
        reason = "the token has no 'identify' scope for GET /me"
        try:
            self.bot_user_id = await self._backend.me_id()
        except OsukitError as exc:
            reason = str(exc)
        if self.bot_user_id is None:
            logger.warning(
                "bot: could not find its own user id (%s); pass bot_user_id= so it ignores its own "
                "messages from the start (it learns the id from its first sent message otherwise)",
                reason,
            )

    async def _join_channels(self) -> None:
        if not self.channels:
            return
        if self.bot_user_id is None:
            logger.warning("bot: not joining %s: its user id is unknown (pass bot_user_id=)", self.channels)
            return
        for channel in self.channels:
            try:
                await self._backend.join(channel, self.bot_user_id)
            except OsukitError as exc:
                logger.warning("bot: could not join channel %d: %s", channel, exc)

    # --- dispatch ---------------------------------------------------------------------------

    async def _consume(self, stream: AsyncChatStream) -> None:
        async for event in stream:
            if isinstance(event, ConnectionReady) and self._ready is not None:
                self._ready.set()
            self._dispatch(event)

    def _spawn(self, coro: Awaitable[None]) -> None:
        task: asyncio.Task[None] = asyncio.ensure_future(coro)
        self._tasks.add(task)
        task.add_done_callback(self._tasks.discard)

    def _dispatch(self, event: ChatEvent) -> None:
        if isinstance(event, (ChannelJoinEvent, ChannelPartEvent)):
            self._channel_types[event.channel.channel_id] = event.channel.type.value
        for handler in (*self._event_handlers.get(event.event, ()), *self._event_handlers.get("*", ())):
            self._spawn(self._call(handler, event, f"event handler for {event.event}"))
        if isinstance(event, MessageEvent) and (self.handle_replayed or not event.replayed):
            for message in event.messages:
                if self.bot_user_id is not None and message.sender_id == self.bot_user_id:
                    continue
                self._spawn(self._handle_message(message, event))

    async def _handle_message(self, message: ChatMessage, event: MessageEvent) -> None:
        # One channel's messages are handled one at a time, in order (tasks start in creation order
        # and the lock is FIFO); different channels run concurrently.
        lock = self._locks.get(message.channel_id)
        if lock is None:
            lock = self._locks[message.channel_id] = asyncio.Lock()
        async with lock:
            await self._handle_in_order(message, event)

    async def _handle_in_order(self, message: ChatMessage, event: MessageEvent) -> None:
        is_pm = await self._is_pm(message.channel_id)
        self.handled += 1
        base = Context(self, message, event, is_pm=is_pm)
        for handler in self._message_handlers:
            await self._call(handler, base, "message handler")
        text = message.content.strip()
        if not text.startswith(self.prefix) or message.is_action:
            return
        words = text[len(self.prefix) :].split()
        if not words:
            return
        command = self._commands.get(words[0].lower())
        if command is None:
            return
        ctx = Context(self, message, event, is_pm=is_pm, command=words[0].lower(), args=words[1:])
        await self._call(command, ctx, f"command {self.prefix}{ctx.command}")

    async def _call(self, handler: Handler, arg: Any, what: str) -> None:
        try:
            result = handler(arg)
            if inspect.isawaitable(result):
                await result
        except asyncio.CancelledError:
            raise
        except Exception:
            logger.exception("bot: %s (%s) failed", what, getattr(handler, "__name__", handler))

    async def _is_pm(self, channel: int) -> bool:
        kind = self._channel_types.get(channel)
        if kind is None:
            if channel in self.channels:
                kind = ChatChannelType.PUBLIC.value
            else:
                try:
                    kind = await self._backend.channel_type(channel) or ""
                except OsukitError as exc:
                    # Without chat.read (delegate tokens) the type cannot be looked up: a channel the
                    # bot was not told to watch is, for a bot, almost always a PM.
                    logger.debug("bot: channel %d's type unknown (%s); treating it as a PM", channel, exc)
                    kind = ChatChannelType.PM.value
            self._channel_types[channel] = kind
        return kind == ChatChannelType.PM.value
