"""What the clients send and receive, and the optional aiohttp fast path for the async client.

The core builds a [`PreparedRequest`][osukit._transport.PreparedRequest] (no I/O) and reads any response
through the small [`ResponseLike`][osukit._transport.ResponseLike] surface, so the same request loop
runs over httpx (sync and async) or straight over aiohttp. The aiohttp path
skips httpx's request/response machinery, which costs more CPU than the
request itself on a small JSON GET (see ``bench/bench_core.py``); it is used
by ``AsyncClient`` when aiohttp is installed (``osukit[speed]``) and no custom
httpx client, transport or proxy was given.
"""

from __future__ import annotations

import contextlib
import math
import ssl
import threading
import time
import zlib
from builtins import TimeoutError as TimeoutError_
from collections.abc import Awaitable, Callable, Iterator, Mapping
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, Literal, Protocol, TypeVar
from urllib.parse import urlencode

import httpx

from ._exceptions import (
    ConfigurationError,
    EventLoopError,
    MissingExtraError,
    OsukitError,
    ResponseTooLargeError,
    TransportError,
)
from ._redact import redact_url

__all__ = [
    "AiohttpSender",
    "AsyncFastSender",
    "BufferedResponse",
    "FastSender",
    "Inflater",
    "PreparedRequest",
    "ResponseLike",
    "fast_async_sender",
    "fast_sync_sender",
]

HttpBackend = Literal["auto", "httpx", "aiohttp"]
if TYPE_CHECKING:
    import asyncio  # at run time each function imports it: ``import osukit`` does not load asyncio

    EventLoop = asyncio.AbstractEventLoop
else:
    EventLoop = Any


@dataclass(frozen=True)
class PreparedRequest:
    """A request ready to send: method, URL, query items, headers, body bytes."""

    method: str
    url: str
    query: list[tuple[str, Any]]
    headers: dict[str, str]
    content: bytes | None = None

    def to_httpx(self) -> httpx.Request:
        return httpx.Request(self.method, self.url, params=self.query, headers=self.headers, content=self.content)

    @property
    def full_url(self) -> str:
        """The URL with its query string (not redacted: pass it through ``redact_url``)."""
        if not self.query:
            return self.url
        return f"{self.url}?{urlencode(self.query, safe='[]@')}"


class RequestInfo(Protocol):
    """The request a response answers (method and URL)."""

    @property
    def method(self) -> str: ...

    @property
    def url(self) -> Any: ...


class ResponseLike(Protocol):
    """What the core reads from a response (``httpx.Response`` has all of it)."""

    @property
    def status_code(self) -> int: ...

    @property
    def headers(self) -> Mapping[str, str]: ...

    @property
    def content(self) -> bytes: ...

    @property
    def text(self) -> str: ...

    @property
    def reason_phrase(self) -> str: ...

    @property
    def request(self) -> Any: ...

    def json(self) -> Any: ...


@dataclass(frozen=True)
class _Request:
    method: str
    url: str


class BufferedResponse:
    """A fully read response (any backend), seen through the `ResponseLike` surface.

    ``content`` is already decoded (``Content-Encoding`` undone); ``headers`` are as sent.
    """

    __slots__ = ("content", "headers", "reason_phrase", "request", "status_code")

    def __init__(self, status: int, reason: str, headers: Mapping[str, str], content: bytes, request: _Request) -> None:
        self.status_code = status
        self.reason_phrase = reason
        self.headers = headers
        self.content = content
        self.request = request

    def __repr__(self) -> str:
        return f"<BufferedResponse [{self.status_code} {self.reason_phrase}]>"

    @property
    def text(self) -> str:
        return self.content.decode("utf-8", "replace")

    def json(self) -> Any:
        import json

        return json.loads(self.content)


AiohttpResponse = BufferedResponse  # the older name


ACCEPT_ENCODING = "gzip, deflate"
"""What osukit asks for: the encodings `Inflater` undoes with a bounded output."""


class Inflater:
    """Undo ``Content-Encoding`` chunk by chunk and stop as soon as the output passes ``limit``.

    zlib is asked for at most ``limit - size + 1`` bytes per step, so a gzip bomb costs at
    most ``limit`` bytes of memory before [`ResponseTooLargeError`][osukit.ResponseTooLargeError].
    ``url`` is the request's, as sent: it is redacted only when an error names it (not once per response).
    """

    def __init__(self, encoding: str | None, limit: int, *, method: str = "", url: str = "") -> None:
        codings = [c.strip().lower() for c in (encoding or "").split(",")]
        codings = [c for c in codings if c and c != "identity"]
        self.limit = limit
        self.size = 0
        self._chunks: list[bytes] = []
        self._method = method
        self._url = url
        self._raw_fallback = False
        self._z: Any = None
        if len(codings) > 1 or (codings and codings[0] not in ("gzip", "x-gzip", "deflate")):
            raise TransportError(
                f"unsupported Content-Encoding {encoding!r} (osukit asks for {ACCEPT_ENCODING})", method=method,
                url=redact_url(url),
            )
        if codings:
            # 32 + MAX_WBITS: a gzip or zlib header, detected; raw deflate is tried if neither.
            self._z = zlib.decompressobj(32 + zlib.MAX_WBITS)
            self._raw_fallback = codings[0] == "deflate"

    def _too_large(self) -> ResponseTooLargeError:
        return ResponseTooLargeError(
            f"response body over max_response_size ({self.limit} bytes, counted after decompression)",
            method=self._method,
            url=redact_url(self._url),
        )

    def _add(self, out: bytes) -> None:
        if out:
            self.size += len(out)
            if self.size > self.limit:
                self._chunks.clear()
                raise self._too_large()
            self._chunks.append(out)

    def check_length(self, content_length: str | None) -> None:
        """Refuse at once a plain body whose ``Content-Length`` is already over the limit."""
        if self._z is None and content_length is not None:
            try:
                declared = int(content_length)
            except ValueError:
                return
            if declared > self.limit:
                raise self._too_large()

    def feed(self, data: bytes) -> None:
        if self._z is None:
            self._add(data)
            return
        buf = data
        while buf:
            if self._z.eof:  # trailing bytes after the stream (or a second gzip member): ignored
                return
            try:
                out = self._z.decompress(buf, self.limit - self.size + 1)
            except zlib.error as exc:
                if self._raw_fallback and self.size == 0:
                    self._raw_fallback = False
                    self._z = zlib.decompressobj(-zlib.MAX_WBITS)
                    continue
                raise TransportError(f"corrupt compressed body: {exc}", method=self._method,
                                     url=redact_url(self._url)) from None
            self._raw_fallback = False
            self._add(out)
            buf = self._z.unconsumed_tail

    def finish(self) -> bytes:
        if self._z is not None and not self._z.eof:
            self._add(self._z.flush())
        return b"".join(self._chunks)


def _budgeted_timeout(timeout: httpx.Timeout, budget: float) -> dict[str, float | None]:
    """``timeout`` with no phase longer than ``budget`` seconds (for one exchange)."""

    def cap(value: float | None) -> float | None:
        return budget if value is None else min(value, budget)

    return {
        "connect": cap(timeout.connect),
        "read": cap(timeout.read),
        "write": cap(timeout.write),
        "pool": cap(timeout.pool),
    }


def _late(budget: float) -> httpx.ReadTimeout:
    return httpx.ReadTimeout(f"the response did not finish within the request deadline ({budget:.3g}s)")


def _as_httpx_request(prepared: PreparedRequest | httpx.Request, timeout: httpx.Timeout, budget: float) -> httpx.Request:
    request = prepared.to_httpx() if isinstance(prepared, PreparedRequest) else prepared
    request.extensions = {**request.extensions, "timeout": _budgeted_timeout(timeout, budget)}
    return request


def as_httpx_response(response: BufferedResponse, request: httpx.Request) -> httpx.Response:
    """An ``httpx.Response`` holding an already decoded body (for code typed against httpx)."""
    headers = [(k, v) for k, v in response.headers.items() if k.lower() not in ("content-encoding", "content-length")]
    return httpx.Response(response.status_code, headers=headers, content=response.content, request=request)


@contextlib.contextmanager
def _socket_errors(method: str, url: str) -> Iterator[None]:
    """What httpcore/anyio sometimes let through bare: a TLS failure (a refused client
    certificate shows up on the first read under TLS 1.3) is a final TransportError; any other
    socket error is a retryable ``httpx.ReadError``."""
    try:
        yield
    except OsukitError:
        raise
    except ssl.SSLError as exc:
        raise TransportError(f"TLS error: {getattr(exc, 'reason', None) or exc}", method=method, url=redact_url(url)) from None
    except OSError as exc:
        if isinstance(exc, TimeoutError_):
            raise httpx.ReadTimeout(str(exc) or "timed out") from exc
        raise httpx.ReadError(f"{type(exc).__name__}: {exc}") from exc


_H = TypeVar("_H", httpx.Client, httpx.AsyncClient)
_exchange_end = threading.local()
"""``end``: the ``time.monotonic()`` by which the exchange running in this thread must be over."""


def _left(exc: type[Exception], timeout: float | None) -> tuple[float | None, bool]:
    """``timeout`` cut to what is left of this thread's exchange deadline (none set: unchanged),
    and whether the deadline is what bounds it."""
    end: float | None = getattr(_exchange_end, "end", None)
    if end is None:
        return timeout, False
    left = end - time.monotonic()
    if left <= 0:
        raise exc(_late(getattr(_exchange_end, "budget", 0.0)).args[0])
    return (left, True) if timeout is None or left < timeout else (timeout, False)


@contextlib.contextmanager
def _deadline_timeouts(exc: type[Exception], capped: bool) -> Iterator[None]:
    """A timeout that the exchange deadline caused says so."""
    try:
        yield
    except exc:
        if capped:
            raise exc(_late(getattr(_exchange_end, "budget", 0.0)).args[0]) from None
        raise


class _DeadlineStream:
    """A sync httpcore network stream whose every read, write and TLS step ends by the exchange's
    deadline, so a server trickling the status line and headers a byte at a time (each read well
    inside the per-read timeout) is cut off at the deadline like a trickling body."""

    def __init__(self, inner: Any) -> None:
        self._inner = inner

    def read(self, max_bytes: int, timeout: float | None = None) -> bytes:
        import httpcore

        timeout, capped = _left(httpcore.ReadTimeout, timeout)
        with _deadline_timeouts(httpcore.ReadTimeout, capped):
            data: bytes = self._inner.read(max_bytes, timeout)
        return data

    def write(self, buffer: bytes, timeout: float | None = None) -> None:
        import httpcore

        timeout, capped = _left(httpcore.WriteTimeout, timeout)
        with _deadline_timeouts(httpcore.WriteTimeout, capped):
            self._inner.write(buffer, timeout)

    def close(self) -> None:
        self._inner.close()

    def start_tls(self, ssl_context: ssl.SSLContext, server_hostname: str | None = None,
                  timeout: float | None = None) -> _DeadlineStream:
        import httpcore

        timeout, capped = _left(httpcore.ConnectTimeout, timeout)
        with _deadline_timeouts(httpcore.ConnectTimeout, capped):
            return _DeadlineStream(self._inner.start_tls(ssl_context, server_hostname, timeout))

    def get_extra_info(self, info: str) -> Any:
        return self._inner.get_extra_info(info)


class _DeadlineBackend:
    """Wraps httpcore's sync network backend: every stream it opens is a `_DeadlineStream`."""

    def __init__(self, inner: Any) -> None:
        self._inner = inner

    def connect_tcp(self, host: str, port: int, timeout: float | None = None, local_address: str | None = None,
                    socket_options: Any = None) -> _DeadlineStream:
        import httpcore

        timeout, capped = _left(httpcore.ConnectTimeout, timeout)
        with _deadline_timeouts(httpcore.ConnectTimeout, capped):
            return _DeadlineStream(self._inner.connect_tcp(host, port, timeout, local_address, socket_options))

    def connect_unix_socket(self, path: str, timeout: float | None = None, socket_options: Any = None) -> _DeadlineStream:
        import httpcore

        timeout, capped = _left(httpcore.ConnectTimeout, timeout)
        with _deadline_timeouts(httpcore.ConnectTimeout, capped):
            return _DeadlineStream(self._inner.connect_unix_socket(path, timeout, socket_options))

    def sleep(self, seconds: float) -> None:
        self._inner.sleep(seconds)


def bound_by_deadline(http: _H) -> _H:
    """``http`` (an ``httpx.Client`` osukit made) with the total exchange deadline enforced on
    every socket read and write, headers included (`send_httpx` sets it).

    httpx's ``timeout`` bounds each read, so on its own a server sending its status line and
    headers one byte at a time holds the call for as long as it likes; the async client cancels
    the whole exchange instead. This wraps the network backend of each of the client's connection
    pools (the default transport and the proxy mounts). An ``httpx.AsyncClient``, or a transport
    osukit does not know, is returned unchanged.
    """
    if not isinstance(http, httpx.Client):
        return http
    transports = [getattr(http, "_transport", None), *getattr(http, "_mounts", {}).values()]
    for transport in transports:
        if not isinstance(transport, httpx.HTTPTransport):
            continue
        pool: Any = getattr(transport, "_pool", None)
        backend = getattr(pool, "_network_backend", None)
        if backend is not None and not isinstance(backend, _DeadlineBackend):
            pool._network_backend = _DeadlineBackend(backend)
    return http


def _already_read(response: httpx.Response, max_size: int, method: str, url: str) -> bytes:
    counter = Inflater(None, max_size, method=method, url=url)
    counter.feed(response.content)
    return counter.finish()


def send_httpx(
    http: httpx.Client,
    prepared: PreparedRequest | httpx.Request,
    *,
    timeout: httpx.Timeout,
    budget: float,
    max_size: int,
) -> BufferedResponse:
    """One exchange over httpx (sync), decoded with a size cap and ended after ``budget`` seconds.

    Each read also times out within ``budget``; the total is checked after every chunk, so a
    server trickling its body ends at the budget plus at most one read.
    """
    end = time.monotonic() + budget
    request = _as_httpx_request(prepared, timeout, budget)
    outer = getattr(_exchange_end, "end", None), getattr(_exchange_end, "budget", None)
    _exchange_end.end = end if math.isfinite(end) else None  # every socket read/write: see bound_by_deadline
    _exchange_end.budget = budget
    try:
        return _send_bounded(http, request, end, budget, max_size)
    finally:
        _exchange_end.end, _exchange_end.budget = outer


def _send_bounded(http: httpx.Client, request: httpx.Request, end: float, budget: float,
                  max_size: int) -> BufferedResponse:
    method = request.method
    with _socket_errors(method, str(request.url)):
        response = http.send(request, stream=True, follow_redirects=False)
    try:
        url = str(response.request.url)  # redacted by the errors that name it
        inflater = Inflater(response.headers.get("content-encoding"), max_size, method=method, url=url)
        inflater.check_length(response.headers.get("content-length"))
        try:
            with _socket_errors(method, url):
                for chunk in response.iter_raw():
                    inflater.feed(chunk)
                    if time.monotonic() > end:
                        raise _late(budget)
            body = inflater.finish()
        except httpx.StreamConsumed:  # a transport that hands over a read response (MockTransport)
            body = _already_read(response, max_size, method, url)
    finally:
        response.close()
    return BufferedResponse(
        response.status_code, response.reason_phrase, response.headers, body,
        _Request(method, str(response.request.url)),
    )


async def asend_httpx(
    http: httpx.AsyncClient,
    prepared: PreparedRequest | httpx.Request,
    *,
    timeout: httpx.Timeout,
    budget: float,
    max_size: int,
) -> BufferedResponse:
    """`send_httpx` for ``httpx.AsyncClient``; the whole exchange is cancelled at ``budget``."""

    async def exchange() -> BufferedResponse:
        request = _as_httpx_request(prepared, timeout, budget)
        method = request.method
        response = await http.send(request, stream=True, follow_redirects=False)
        try:
            url = str(response.request.url)  # redacted by the errors that name it
            inflater = Inflater(response.headers.get("content-encoding"), max_size, method=method, url=url)
            inflater.check_length(response.headers.get("content-length"))
            try:
                async for chunk in response.aiter_raw():
                    inflater.feed(chunk)
                body = inflater.finish()
            except httpx.StreamConsumed:  # a transport that hands over a read response (MockTransport)
                body = _already_read(response, max_size, method, url)
        finally:
            await response.aclose()
        return BufferedResponse(
            response.status_code, response.reason_phrase, response.headers, body,
            _Request(method, str(response.request.url)),
        )

    import asyncio

    with _socket_errors(prepared.method, str(prepared.url)):
        if math.isinf(budget):
            return await exchange()
        try:
            return await asyncio.wait_for(exchange(), budget)
        except asyncio.TimeoutError:
            raise _late(budget) from None


def build_ssl(verify: bool | str | ssl.SSLContext, cert: str | tuple[str, str] | None) -> ssl.SSLContext | bool:
    """One TLS setting for every backend: ``True`` (system defaults), ``False`` (no checks), an
    ``ssl.SSLContext``, or a CA bundle path; ``cert`` adds a client certificate (a PEM path with
    the key in it, or ``(cert, key)``)."""
    if isinstance(verify, ssl.SSLContext):
        ctx = verify
    elif verify is True and cert is None:
        return True
    elif verify is False:
        if cert is None:
            return False
        ctx = ssl.create_default_context()
        ctx.check_hostname = False
        ctx.verify_mode = ssl.CERT_NONE
    elif isinstance(verify, str):
        import os

        if not os.path.exists(verify):
            raise ConfigurationError(f"verify: no CA bundle at {verify!r}")
        ctx = ssl.create_default_context(capath=verify) if os.path.isdir(verify) else ssl.create_default_context(
            cafile=verify
        )
    elif verify is True:
        try:
            import certifi

            ctx = ssl.create_default_context(cafile=certifi.where())
        except ImportError:  # pragma: no cover - httpx depends on certifi
            ctx = ssl.create_default_context()
    else:
        raise ConfigurationError("verify must be True, False, a CA bundle path or an ssl.SSLContext")
    if cert is not None:
        try:
            if isinstance(cert, tuple):
                ctx.load_cert_chain(cert[0], cert[1])
            else:
                ctx.load_cert_chain(cert)
        except (OSError, ssl.SSLError) as exc:
            raise ConfigurationError(f"cert: cannot load the client certificate ({exc})") from None
    return ctx


class LoopGuard:
    """A task that waits for ever on one event loop and, when the loop ends, closes its connections.

    ``asyncio.run`` (and ``asyncio.Runner``) cancel the tasks still pending before closing their
    loop; cancelled, the guard awaits ``closer()``, so ``closer`` runs on the loop its connections
    belong to: nothing is left open ("Unclosed client session") when the loop ends.

    The owner closing first ([`astop`][osukit._transport.LoopGuard.astop], from ``aclose``) ends the
    guard without running ``closer``: the owner closes, and sees any error of its own close. A
    guard already closing (the loop's shutdown got there first) is waited for, never cancelled
    again halfway through ``closer``.
    """

    def __init__(self, loop: asyncio.AbstractEventLoop, closer: Callable[[], Awaitable[Any]]) -> None:
        self._closer = closer
        self._stopped = False  # the owner closes: end without running closer
        self._closing = False  # closer is running: do not cancel it
        self.task = loop.create_task(self._run(loop), name="osukit: close connections with the event loop")

    async def _run(self, loop: asyncio.AbstractEventLoop) -> None:
        try:
            await loop.create_future()
        finally:
            if not self._stopped:
                self._closing = True
                await self._closer()

    def stop(self) -> None:
        """Cancel the guard from any thread; it still runs ``closer`` on its own loop (whose
        connections they are) when that loop runs again."""
        loop = self.task.get_loop()
        if self.task.done() or self._closing or loop.is_closed():
            return
        if loop is current_event_loop():
            self.task.cancel()
        else:  # another thread's loop, or one not running now
            loop.call_soon_threadsafe(self.task.cancel)

    async def astop(self) -> None:
        """End the guard for an owner about to close on this same loop: without ``closer`` (the owner
        closes and sees its own errors), and waited for, so a loop closed right after
        ``await client.aclose()`` (``loop.run_until_complete`` by hand, not ``asyncio.run``) finds
        nothing pending ("Task was destroyed but it is pending!"). From another loop: `stop`."""
        if self.task.get_loop() is not current_event_loop():
            self.stop()
            return
        self._stopped = True  # no effect on a closer already running: that one is waited for
        self.stop()
        if not self.task.done():
            import asyncio

            await asyncio.wait([self.task])
        if not self.task.cancelled():
            self.task.exception()  # retrieved: a failed closer is the owner's close to report


def current_event_loop() -> asyncio.AbstractEventLoop | None:
    """The running event loop, or ``None`` outside one."""
    import asyncio

    try:
        return asyncio.get_running_loop()
    except RuntimeError:
        return None


class AiohttpSender:
    """Sends `PreparedRequest` objects over one aiohttp session per event loop.

    Like httpx it honours ``HTTP_PROXY``/``HTTPS_PROXY``/``NO_PROXY`` (``trust_env``), an explicit
    ``proxy``, and the TLS setting from `build_ssl`. Used from a new event loop (a second
    ``asyncio.run``) after the first one closed, it drops the old session (its connections
    belonged to the dead loop) and opens a new one.
    """

    def __init__(
        self,
        timeout: httpx.Timeout,
        max_connections: int,
        *,
        proxy: str | None = None,
        ssl_setting: ssl.SSLContext | bool = True,
        trust_env: bool = True,
    ) -> None:
        import aiohttp

        self._aiohttp = aiohttp
        self._timeout = aiohttp.ClientTimeout(
            total=None,
            connect=timeout.connect,
            sock_connect=timeout.connect,
            sock_read=timeout.read,
        )
        self._max_connections = max_connections
        self._proxy = proxy
        self._ssl: ssl.SSLContext | bool = ssl_setting
        self._trust_env = trust_env
        self._session: Any = None
        self._loop: asyncio.AbstractEventLoop | None = None

    def _get_session(self) -> Any:
        import asyncio

        loop = asyncio.get_running_loop()
        if self._session is not None and self._loop is not loop:
            old_loop = self._loop
            if old_loop is not None and not old_loop.is_closed() and old_loop.is_running():
                raise EventLoopError(
                    "this AsyncClient is in use on another running event loop; use one client per loop "
                    "(or per thread)"
                )
            _abandon(self._session)
            self._session = None
        if self._session is None or self._session.closed:
            self._session = self._aiohttp.ClientSession(
                timeout=self._timeout,
                connector=self._aiohttp.TCPConnector(limit=self._max_connections, ssl=self._ssl),
                auto_decompress=False,
                raise_for_status=False,
                trust_env=self._trust_env,
            )
            self._loop = loop
        return self._session

    async def send(self, prepared: PreparedRequest, *, budget: float = math.inf, max_size: int = 2**62) -> BufferedResponse:
        aiohttp = self._aiohttp
        session = self._get_session()

        async def exchange() -> BufferedResponse:
            async with session.request(
                prepared.method,
                prepared.url,
                params=prepared.query or None,
                headers=prepared.headers,
                data=prepared.content,
                allow_redirects=False,
                proxy=self._proxy,
            ) as resp:
                inflater = Inflater(resp.headers.get("content-encoding"), max_size, method=prepared.method,
                                    url=str(resp.url))  # redacted by the errors that name it
                inflater.check_length(resp.headers.get("content-length"))
                async for chunk in resp.content.iter_chunked(65536):
                    inflater.feed(chunk)
                return BufferedResponse(
                    resp.status, resp.reason or "", resp.headers, inflater.finish(),
                    _Request(prepared.method, str(resp.url)),
                )

        import asyncio

        try:
            if math.isinf(budget):
                return await exchange()
            try:
                return await asyncio.wait_for(exchange(), budget)
            except asyncio.TimeoutError as exc:
                if isinstance(exc, aiohttp.ServerTimeoutError):
                    raise
                raise _late(budget) from None
        except aiohttp.ServerTimeoutError as exc:
            raise httpx.ReadTimeout(str(exc) or "read timed out") from exc
        except asyncio.TimeoutError as exc:
            raise httpx.ReadTimeout("timed out") from exc
        except aiohttp.ClientProxyConnectionError as exc:
            raise httpx.ProxyError(str(exc)) from exc
        except aiohttp.ClientConnectorError as exc:
            raise httpx.ConnectError(str(exc)) from exc
        except (aiohttp.ServerDisconnectedError, aiohttp.ClientPayloadError) as exc:
            raise httpx.RemoteProtocolError(str(exc) or type(exc).__name__) from exc
        except aiohttp.ClientError as exc:
            raise httpx.ReadError(str(exc) or type(exc).__name__) from exc
        except ssl.SSLError as exc:
            raise TransportError(
                f"TLS error: {getattr(exc, 'reason', None) or exc}", method=prepared.method, url=redact_url(prepared.url)
            ) from None
        except OSError as exc:
            raise httpx.ReadError(f"{type(exc).__name__}: {exc}") from exc

    async def aclose(self) -> None:
        session, self._session = self._session, None
        if session is None or session.closed:
            return
        import asyncio

        if self._loop is not asyncio.get_running_loop():
            _abandon(session)
            return
        await session.close()


def _abandon(session: Any) -> None:
    """Forget a session whose event loop is gone: close its sockets without awaiting anything."""
    connector = getattr(session, "_connector", None)
    if connector is None:
        return
    try:
        for protos in list(getattr(connector, "_conns", {}).values()):
            for proto, _ in protos:
                transport = getattr(proto, "transport", None)
                if transport is not None:
                    try:
                        transport.abort()
                    except RuntimeError:  # its loop is closed: the socket is closed with it
                        sock = transport.get_extra_info("socket")
                        if sock is not None:
                            sock.close()
        connector._conns.clear()
        connector._closed = True
    except Exception:
        pass
    session._connector = None


class AsyncFastSender(Protocol):
    """An async sender that bypasses httpx (the aiohttp fast path)."""

    async def send(self, prepared: PreparedRequest, *, budget: float = ..., max_size: int = ...) -> ResponseLike: ...

    async def aclose(self) -> None: ...


class FastSender(Protocol):
    """The sync counterpart of [`AsyncFastSender`][osukit._transport.AsyncFastSender] (no implementation ships: sync uses httpx)."""

    def send(self, prepared: PreparedRequest, *, budget: float = ..., max_size: int = ...) -> ResponseLike: ...

    def close(self) -> None: ...


def fast_async_sender(
    backend: HttpBackend,
    timeout: httpx.Timeout,
    max_connections: int,
    *,
    custom_http: bool,
    proxy: str | None = None,
    ssl_setting: ssl.SSLContext | bool = True,
    trust_env: bool = True,
) -> AsyncFastSender | None:
    """The aiohttp sender when ``backend`` asks for it (or ``auto`` and aiohttp is installed).

    ``custom_http`` (your own ``http_client`` or ``transport``) keeps the httpx path: those
    are httpx objects.
    """
    if backend == "httpx":
        return None
    if custom_http:
        if backend == "aiohttp":
            raise ConfigurationError("http_backend='aiohttp' cannot be combined with http_client or transport")
        return None
    try:
        return AiohttpSender(timeout, max_connections, proxy=proxy, ssl_setting=ssl_setting, trust_env=trust_env)
    except ImportError:
        if backend == "aiohttp":
            raise MissingExtraError(
                "http_backend='aiohttp'", "speed", "or leave http_backend='auto' to fall back to httpx"
            ) from None
        return None


def fast_sync_sender(
    backend: HttpBackend,
    timeout: httpx.Timeout,
    max_connections: int,
    *,
    custom_http: bool,
    proxy: str | None = None,
    ssl_setting: ssl.SSLContext | bool = True,
    trust_env: bool = True,
) -> FastSender | None:
    """The sync client always sends through httpx (already within a few percent of raw httpx)."""
    if backend == "aiohttp":
        raise ConfigurationError("http_backend='aiohttp' is for AsyncClient; the sync client uses httpx")
    return None
