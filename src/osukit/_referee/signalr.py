"""A small ASP.NET Core SignalR client: negotiate, WebSockets transport, JSON hub protocol.

Only what osu!'s referee hub needs (osu-server-spectator removes the MessagePack protocol for it):

* ``POST {url}/negotiate?negotiateVersion=1`` with ``Authorization: Bearer …``; the answer's
  ``connectionToken`` goes on the websocket URL as ``?id=``. An Azure-style redirect answer
  (``url`` + ``accessToken``) is followed once.
* The handshake ``{"protocol":"json","version":1}`` + ``0x1E``; the server answers ``{}`` or
  ``{"error": …}``.
* Records end with the ``0x1E`` record separator. Message types: 1 invocation, 3 completion,
  6 ping, 7 close (types 2, 4, 5 are streaming, unused by the hub and ignored).
* Liveness: a ping every ``ping_interval`` (SignalR's default 15 s), and the connection counts as
  dead after ``server_timeout`` (default 30 s) without any message from the server.

Reconnecting is not done here (each ``AsyncHubConnection`` is one connection): the referee
engine decides when and how to reconnect and what to rebuild.
"""

from __future__ import annotations

import asyncio
import contextlib
import itertools
from collections.abc import Callable
from typing import TYPE_CHECKING, Any
from urllib.parse import urlencode, urlsplit, urlunsplit

import httpx
import msgspec

from .._exceptions import (
    AuthenticationError,
    HubConnectionError,
    MissingExtraError,
    MissingScopeError,
    RefereeHubError,
)
from .._secret import Secret

if TYPE_CHECKING:
    from websockets.asyncio.client import ClientConnection

__all__ = ["RS", "AsyncHubConnection", "ConnectionLost", "HubInvocationError"]

RS = "\x1e"
"""The record separator that ends every JSON hub protocol message."""

REFEREE_SCOPE = "multiplayer.write_manage"

INVOCATION, STREAM_ITEM, COMPLETION, STREAM_INVOCATION, CANCEL_INVOCATION, PING, CLOSE = 1, 2, 3, 4, 5, 6, 7

_PING_FRAME = '{"type":6}' + RS
_encoder = msgspec.json.Encoder()


class ConnectionLost(Exception):
    """The connection ended (internal; the engine turns it into a reconnect or an osukit error)."""

    def __init__(self, reason: str, *, allow_reconnect: bool = True) -> None:
        super().__init__(reason)
        self.reason = reason
        self.allow_reconnect = allow_reconnect


class HubInvocationError(Exception):
    """A completion carried an ``error`` (internal; mapped to ``osukit.RefereeHubError``)."""

    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message


def _websockets_client() -> Any:
    try:
        from websockets.asyncio import client as ws_client
    except ImportError:  # pragma: no cover - depends on the environment
        raise MissingExtraError("the referee hub (websockets>=13)", "referee") from None
    return ws_client


def ws_url(http_url: str, connection_token: str | None) -> str:
    """``http(s)://host/referee`` → ``ws(s)://host/referee?id=<token>``."""
    parts = urlsplit(http_url)
    scheme = {"http": "ws", "https": "wss"}.get(parts.scheme, parts.scheme)
    query = parts.query
    if connection_token:
        query = (query + "&" if query else "") + urlencode({"id": connection_token})
    return urlunsplit((scheme, parts.netloc, parts.path, query, ""))


def negotiate_url(http_url: str) -> str:
    parts = urlsplit(http_url)
    path = parts.path.rstrip("/") + "/negotiate"
    query = (parts.query + "&" if parts.query else "") + "negotiateVersion=1"
    return urlunsplit((parts.scheme, parts.netloc, path, query, ""))


class AsyncHubConnection:
    """One SignalR connection to a hub (JSON protocol over WebSockets).

    ``on_invocation(target, arguments)`` is called (synchronously, in order) for every
    server-to-client invocation; ``on_close(reason)`` once when the connection ends.
    """

    def __init__(
        self,
        url: str,
        access_token: str,
        *,
        on_invocation: Callable[[str, list[Any]], None],
        on_close: Callable[[ConnectionLost], None] | None = None,
        http: httpx.AsyncClient | None = None,
        user_agent: str | None = None,
        ping_interval: float = 15.0,
        server_timeout: float = 30.0,
        open_timeout: float = 10.0,
    ) -> None:
        self.url = url.rstrip("/")
        self._token = Secret(access_token)  # '***' to any inspection
        self._on_invocation = on_invocation
        self._on_close = on_close
        self._http = http
        self._user_agent = user_agent
        self.ping_interval = ping_interval
        self.server_timeout = server_timeout
        self.open_timeout = open_timeout
        self._ws: ClientConnection | None = None
        self._ids = itertools.count(1)
        self._pending: dict[str, asyncio.Future[Any]] = {}
        self._tasks: list[asyncio.Task[None]] = []
        self._lost: ConnectionLost | None = None
        self.connection_id: str | None = None
        self.closed = asyncio.Event()

    @property
    def lost(self) -> ConnectionLost | None:
        """Why the connection ended (None while it is open)."""
        return self._lost

    def __repr__(self) -> str:
        return f"AsyncHubConnection(url={self.url!r}, connection_id={self.connection_id!r})"

    @property
    def open(self) -> bool:
        return self._ws is not None and not self.closed.is_set()

    def _auth_headers(self, token: str) -> dict[str, str]:
        headers = {"Authorization": f"Bearer {token}"}
        if self._user_agent:
            headers["User-Agent"] = self._user_agent
        return headers

    # --- connecting -----------------------------------------------------------------------------

    async def _negotiate(self) -> tuple[str, str]:
        """POST negotiate; return (hub url, token to use) and set ``connection_id``."""
        url, token = self.url, self._token
        own = self._http is None
        http = self._http or httpx.AsyncClient(timeout=self.open_timeout)
        try:
            for _ in range(2):  # at most one redirect
                try:
                    response = await http.post(negotiate_url(url), headers=self._auth_headers(token))
                except httpx.HTTPError as exc:
                    raise HubConnectionError(f"referee hub negotiate failed: {type(exc).__name__}: {exc}",
                                             method="POST", url=negotiate_url(url)) from None
                status = response.status_code
                if status == 401:
                    raise AuthenticationError("the referee hub refused the token (401 on negotiate)",
                                              status_code=401, method="POST", url=negotiate_url(url))
                if status == 403:
                    raise MissingScopeError(
                        f"the referee hub refused the token (403 on negotiate): it needs the '{REFEREE_SCOPE}' scope",
                        scope=REFEREE_SCOPE, method="POST", url=negotiate_url(url))
                if status != 200:
                    raise HubConnectionError(f"referee hub negotiate answered HTTP {status}", method="POST",
                                             url=negotiate_url(url))
                try:
                    body = response.json()
                except (ValueError, RecursionError):
                    raise HubConnectionError("referee hub negotiate answered something that is not JSON",
                                             method="POST", url=negotiate_url(url)) from None
                if not isinstance(body, dict):
                    raise HubConnectionError("referee hub negotiate answered an unexpected body", url=url)
                if body.get("error"):
                    raise HubConnectionError(f"referee hub negotiate refused: {body['error']}", url=url)
                if body.get("url"):  # Azure SignalR style redirect
                    url = str(body["url"]).split("?")[0].rstrip("/")
                    token = Secret(str(body.get("accessToken") or token))
                    continue
                transports = body.get("availableTransports")
                if isinstance(transports, list) and transports and not any(
                        isinstance(t, dict) and t.get("transport") == "WebSockets" for t in transports):
                    raise HubConnectionError("the referee hub does not offer the WebSockets transport", url=url)
                self.connection_id = body.get("connectionId")
                conn_token = body.get("connectionToken") or body.get("connectionId")
                return ws_url(url, conn_token), token
            raise HubConnectionError("referee hub negotiate redirected more than once", url=url)
        finally:
            if own:
                await http.aclose()

    async def start(self) -> None:
        """Negotiate, open the websocket and finish the JSON handshake."""
        ws_client = _websockets_client()
        from websockets.exceptions import InvalidHandshake, InvalidStatus, WebSocketException

        target, token = await self._negotiate()
        try:
            ws: ClientConnection = await ws_client.connect(
                target, additional_headers=self._auth_headers(token), open_timeout=self.open_timeout,
                ping_interval=None, close_timeout=2.0, max_size=2**24,
            )
        except InvalidStatus as exc:
            status = exc.response.status_code
            if status == 401:
                raise AuthenticationError("the referee hub refused the token (401 on the websocket upgrade)",
                                          status_code=401) from None
            if status == 403:
                raise MissingScopeError(f"the referee hub needs the '{REFEREE_SCOPE}' scope (403 on the upgrade)",
                                        scope=REFEREE_SCOPE, method="GET", url=self.url) from None
            raise HubConnectionError(f"HTTP {status} on the referee hub websocket upgrade") from None
        except (OSError, asyncio.TimeoutError, InvalidHandshake, WebSocketException) as exc:
            raise HubConnectionError(f"could not open the referee hub websocket: {type(exc).__name__}: {exc}") from None
        try:
            await ws.send('{"protocol":"json","version":1}' + RS)
            raw = await asyncio.wait_for(ws.recv(), self.open_timeout)
        except (asyncio.TimeoutError, WebSocketException) as exc:
            with contextlib.suppress(Exception):
                await ws.close()
            raise HubConnectionError(f"no SignalR handshake answer from the referee hub ({type(exc).__name__})") from None
        text = raw.decode() if isinstance(raw, bytes) else raw
        first, _, rest = text.partition(RS)
        try:
            answer = msgspec.json.decode(first)
        except (msgspec.DecodeError, RecursionError):
            answer = {"error": f"unreadable handshake answer {first[:80]!r}"}
        if not isinstance(answer, dict) or answer.get("error"):
            with contextlib.suppress(Exception):
                await ws.close()
            err = answer.get("error") if isinstance(answer, dict) else answer
            raise HubConnectionError(f"the referee hub refused the SignalR handshake: {err}")
        self._ws = ws
        self._tasks = [asyncio.create_task(self._reader(ws, rest)), asyncio.create_task(self._pinger(ws))]

    # --- running ----------------------------------------------------------------------------------

    async def _reader(self, ws: ClientConnection, leftover: str) -> None:
        from websockets.exceptions import ConnectionClosed

        buffer = leftover
        lost = ConnectionLost("the connection closed")
        try:
            while True:
                while RS in buffer:
                    record, _, buffer = buffer.partition(RS)
                    if record:
                        stop = self._handle(record)
                        if stop is not None:
                            lost = stop
                            return
                try:
                    raw = await asyncio.wait_for(ws.recv(), self.server_timeout)
                except asyncio.TimeoutError:
                    lost = ConnectionLost(f"no message from the server for {self.server_timeout:g}s")
                    return
                buffer += raw.decode() if isinstance(raw, bytes) else raw
        except ConnectionClosed as exc:
            lost = ConnectionLost(f"the connection closed ({exc.rcvd.code if exc.rcvd else 'no close frame'})")
        except Exception as exc:  # never leave pending invocations hanging
            lost = ConnectionLost(f"reader failed: {type(exc).__name__}: {exc}")
        finally:
            self._finish(lost)
            with contextlib.suppress(Exception):
                await ws.close()

    def _handle(self, record: str) -> ConnectionLost | None:
        try:
            msg = msgspec.json.decode(record)
        except (msgspec.DecodeError, RecursionError):
            return None  # a record we cannot read is skipped, like unknown message types
        if not isinstance(msg, dict):
            return None
        kind = msg.get("type")
        if kind == INVOCATION:
            target = msg.get("target")
            args = msg.get("arguments")
            if isinstance(target, str):
                self._on_invocation(target, args if isinstance(args, list) else [])
        elif kind == COMPLETION:
            future = self._pending.pop(str(msg.get("invocationId")), None)
            if future is not None and not future.done():
                if msg.get("error") is not None:
                    future.set_exception(HubInvocationError(str(msg["error"])))
                else:
                    future.set_result(msg.get("result"))
        elif kind == CLOSE:
            error = msg.get("error")
            return ConnectionLost(f"the server closed the connection{': ' + str(error) if error else ''}",
                                  allow_reconnect=bool(msg.get("allowReconnect", error is None)))
        return None

    async def _pinger(self, ws: ClientConnection) -> None:
        with contextlib.suppress(Exception):
            while True:
                await asyncio.sleep(self.ping_interval)
                await ws.send(_PING_FRAME)

    def _finish(self, lost: ConnectionLost) -> None:
        if self.closed.is_set():
            return
        self._lost = lost
        self.closed.set()
        for task in self._tasks:
            if task is not asyncio.current_task():
                task.cancel()
        pending, self._pending = self._pending, {}
        for future in pending.values():
            if not future.done():
                future.set_exception(ConnectionLost(lost.reason, allow_reconnect=lost.allow_reconnect))
        if self._on_close is not None:
            self._on_close(lost)

    async def invoke(self, target: str, arguments: list[Any]) -> Any:
        """Invoke a hub method and wait for its completion; return its ``result``.

        Raises ``HubInvocationError`` for an error completion and ``ConnectionLost`` when the
        connection ends first.
        """
        if self._ws is None or self.closed.is_set():
            raise ConnectionLost(self._lost.reason if self._lost else "not connected")
        invocation_id = str(next(self._ids))
        future: asyncio.Future[Any] = asyncio.get_running_loop().create_future()
        self._pending[invocation_id] = future
        frame = _encoder.encode({"type": INVOCATION, "invocationId": invocation_id, "target": target,
                                 "arguments": arguments}).decode() + RS
        try:
            await self._ws.send(frame)
        except Exception as exc:
            self._pending.pop(invocation_id, None)
            raise ConnectionLost(f"send failed: {type(exc).__name__}") from None
        return await future

    async def close(self) -> None:
        """Send a close message and close the socket (idempotent)."""
        ws = self._ws
        if ws is not None and not self.closed.is_set():
            with contextlib.suppress(Exception):
                await ws.send('{"type":7}' + RS)
            with contextlib.suppress(Exception):
                await ws.close()
        self._finish(ConnectionLost("closed by the client", allow_reconnect=False))
        for task in self._tasks:
            task.cancel()
            with contextlib.suppress(BaseException):
                await task


def hub_error(message: str, method: str) -> RefereeHubError:
    """Map a completion's error text to the typed exception (``Error N: …`` → class for N)."""
    from .._exceptions import REFEREE_HUB_ERRORS, RoomLimitReachedError

    text = message
    # ASP.NET prefixes HubException messages: "An unexpected error occurred invoking 'X' on the server. HubException: …"
    marker = "HubException: "
    if marker in text:
        text = text.split(marker, 1)[1]
    if text.startswith("Error "):
        head, sep, rest = text[6:].partition(":")
        if sep and head.strip().isdigit():
            code = int(head.strip())
            cls = REFEREE_HUB_ERRORS.get(code, RefereeHubError)
            return cls(rest.strip(), method=method, code=code)
    if "simultaneously active rooms" in text:
        return RoomLimitReachedError(text, method=method)
    return RefereeHubError(text, method=method)
