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

import asyncio
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any, Literal, Protocol
from urllib.parse import urlencode

import httpx

from ._exceptions import ConfigurationError

__all__ = [
    "AiohttpSender",
    "AsyncFastSender",
    "FastSender",
    "PreparedRequest",
    "ResponseLike",
    "fast_async_sender",
    "fast_sync_sender",
]

HttpBackend = Literal["auto", "httpx", "aiohttp"]


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


class AiohttpResponse:
    """A fully read aiohttp response, seen through the [`ResponseLike`][osukit._transport.ResponseLike] surface."""

    __slots__ = ("content", "headers", "reason_phrase", "request", "status_code")

    def __init__(self, status: int, reason: str, headers: Mapping[str, str], content: bytes, request: _Request) -> None:
        self.status_code = status
        self.reason_phrase = reason
        self.headers = headers
        self.content = content
        self.request = request

    @property
    def text(self) -> str:
        return self.content.decode("utf-8", "replace")

    def json(self) -> Any:
        import json

        return json.loads(self.content)


class AiohttpSender:
    """Sends [`PreparedRequest`][osukit._transport.PreparedRequest] objects over one aiohttp session (created on first use)."""

    def __init__(self, timeout: httpx.Timeout, max_connections: int) -> None:
        import aiohttp

        self._aiohttp = aiohttp
        self._timeout = aiohttp.ClientTimeout(
            total=None,
            connect=timeout.connect,
            sock_connect=timeout.connect,
            sock_read=timeout.read,
        )
        self._max_connections = max_connections
        self._session: Any = None
        self._loop: asyncio.AbstractEventLoop | None = None

    def _get_session(self) -> Any:
        loop = asyncio.get_running_loop()
        if self._session is None or self._session.closed or self._loop is not loop:
            self._session = self._aiohttp.ClientSession(
                timeout=self._timeout,
                connector=self._aiohttp.TCPConnector(limit=self._max_connections),
                auto_decompress=True,
                raise_for_status=False,
            )
            self._loop = loop
        return self._session

    async def send(self, prepared: PreparedRequest) -> AiohttpResponse:
        aiohttp = self._aiohttp
        session = self._get_session()
        try:
            async with session.request(
                prepared.method,
                prepared.url,
                params=prepared.query or None,
                headers=prepared.headers,
                data=prepared.content,
                allow_redirects=False,
            ) as resp:
                body = await resp.read()
                return AiohttpResponse(
                    resp.status, resp.reason or "", resp.headers, body, _Request(prepared.method, str(resp.url))
                )
        except aiohttp.ServerTimeoutError as exc:
            raise httpx.ReadTimeout(str(exc) or "read timed out") from exc
        except asyncio.TimeoutError as exc:
            raise httpx.ReadTimeout("timed out") from exc
        except aiohttp.ClientConnectorError as exc:
            raise httpx.ConnectError(str(exc)) from exc
        except (aiohttp.ServerDisconnectedError, aiohttp.ClientPayloadError) as exc:
            raise httpx.RemoteProtocolError(str(exc) or type(exc).__name__) from exc
        except aiohttp.ClientError as exc:
            raise httpx.ReadError(str(exc) or type(exc).__name__) from exc

    async def aclose(self) -> None:
        if self._session is not None and not self._session.closed:
            await self._session.close()
        self._session = None


class AsyncFastSender(Protocol):
    """An async sender that bypasses httpx (the aiohttp fast path)."""

    async def send(self, prepared: PreparedRequest) -> ResponseLike: ...

    async def aclose(self) -> None: ...


class FastSender(Protocol):
    """The sync counterpart of [`AsyncFastSender`][osukit._transport.AsyncFastSender] (no implementation ships: sync uses httpx)."""

    def send(self, prepared: PreparedRequest) -> ResponseLike: ...

    def close(self) -> None: ...


def fast_async_sender(
    backend: HttpBackend, timeout: httpx.Timeout, max_connections: int, *, custom_http: bool
) -> AsyncFastSender | None:
    """The aiohttp sender when ``backend`` asks for it (or ``auto`` and aiohttp is installed)."""
    if backend == "httpx":
        return None
    if custom_http:
        if backend == "aiohttp":
            raise ConfigurationError("http_backend='aiohttp' cannot be combined with http_client, transport or proxy")
        return None
    try:
        return AiohttpSender(timeout, max_connections)
    except ImportError:
        if backend == "aiohttp":
            raise ConfigurationError("http_backend='aiohttp' needs aiohttp: pip install 'osukit[speed]'") from None
        return None


def fast_sync_sender(
    backend: HttpBackend, timeout: httpx.Timeout, max_connections: int, *, custom_http: bool
) -> FastSender | None:
    """The sync client always sends through httpx (already within a few percent of raw httpx)."""
    if backend == "aiohttp":
        raise ConfigurationError("http_backend='aiohttp' is for AsyncClient; the sync client uses httpx")
    return None
