"""An opt-in response cache: ``Client(cache=ResponseCache())``.

osu!'s advice to API users is to cache; beatmaps, beatmapsets and difficulty
attributes of ranked maps barely change. A fresh cached answer is served
without a request and **without taking a rate-limit slot**.

**Lifetimes** come from a per-route policy (`DEFAULT_TTL`, keyed by osukit
method name, ``fnmatch`` patterns allowed, the most specific match wins):

=============================================  ==================================================
route (osukit name)                            lifetime
=============================================  ==================================================
``beatmaps.get``, ``beatmaps.get_batch``,       1 day when every beatmap in the answer is ranked,
``beatmaps.lookup``, ``beatmapsets.get``,       approved or loved; 5 minutes otherwise (pending
``beatmapsets.lookup``, ``beatmaps.attributes`` and qualified maps still change)
``beatmaps.packs``, ``beatmaps.pack``           1 hour
``wiki.get``, ``news.*``, ``changelog.*``,      1 hour
``misc.seasonal_backgrounds``,
``rankings.spotlights``
``users.get``, ``users.get_many``,              1 minute
``users.lookup``, ``teams.get``
everything else (scores, feeds, chat, ``/me``,  not cached
rankings, multiplayer, events, writes …)
=============================================  ==================================================

Override with ``ResponseCache(ttl={"users.get": 600, "beatmaps.*": 0})`` (seconds;
0 turns a route off); your entries win over the defaults, and within each table an
exact name wins over the longest matching pattern. Only successful answers (2xx) are stored; errors never are.

**Keys** hold everything that changes the answer: method, path, query, JSON body
(``beatmaps.attributes`` is a POST), ``x-api-version``, the base URL, and, except
for the routes in `SHARED_ROUTES` whose answers are the same for every
viewer, who is asking (the token's user id; ``guest`` for a client-credentials
token; a hash of the token when its user is unknown). A user's answer is never
served to another user. Keys are SHA-256 hashes: no token is ever stored.

**Backends**: `MemoryCacheBackend` (default, LRU-bounded), `SqliteCacheBackend`
(a file, shared by processes) and `RedisCacheBackend` (shared by machines).
Lifetimes are checked against the client's clock (a fake clock in tests).

**From the async client** the same `ResponseCache` never blocks the event loop:
`ResponseCache.async_backend` picks an `AsyncCacheBackend` for its backend — the
memory one is called directly (no I/O), SQLite runs in a worker thread
(``asyncio.to_thread``), Redis talks through ``redis.asyncio`` (one connection pool
per event loop), and any other sync backend runs in a worker thread. A backend
with ``async def get/set/clear`` may also be given directly (async clients only).

**Counts**: ``cache.hits``, ``cache.misses``, ``cache.stores`` (entries the backend really
stored: none while Redis is down), ``cache.stats()``.

Why not hishel: see ``docs/cache.md``.
"""

from __future__ import annotations

import asyncio
import difflib
import fnmatch
import hashlib
import inspect
import json
import logging
import os
import re
import sqlite3
import threading
import time
import weakref
from collections import OrderedDict
from collections.abc import Mapping
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, Protocol, cast, runtime_checkable

from ._exceptions import CacheDatabaseError, ConfigurationError, InvalidParameterError, TransportError

if TYPE_CHECKING:
    from ._route import Route
    from ._transport import ResponseLike
    from .tokens import Token

__all__ = [
    "DEFAULT_TTL",
    "SHARED_ROUTES",
    "AsyncCacheBackend",
    "AsyncRedisCacheBackend",
    "CacheBackend",
    "CachedResponse",
    "MemoryCacheBackend",
    "RedisCacheBackend",
    "ResponseCache",
    "SqliteCacheBackend",
    "as_response_cache",
]

log = logging.getLogger("osukit.cache")

LONG = 86400.0
"""A day: ranked, approved and loved beatmaps and their attributes."""
SHORT = 300.0
"""Five minutes: beatmaps that can still change (pending, qualified, wip, graveyard)."""

_BEATMAPS = ("beatmaps.get", "beatmaps.get_batch", "beatmaps.lookup", "beatmapsets.get", "beatmapsets.lookup",
             "beatmaps.attributes")

DEFAULT_TTL: Mapping[str, float] = {
    **dict.fromkeys(_BEATMAPS, LONG),
    "beatmaps.packs": 3600.0,
    "beatmaps.pack": 3600.0,
    "wiki.get": 3600.0,
    "news.*": 3600.0,
    "changelog.*": 3600.0,
    "misc.seasonal_backgrounds": 3600.0,
    "rankings.spotlights": 3600.0,
    "users.get": 60.0,
    "users.get_many": 60.0,
    "users.lookup": 60.0,
    "teams.get": 60.0,
}
"""The default lifetimes in seconds (see the module docstring); anything not listed is not cached."""

SHARED_ROUTES = frozenset({
    "beatmaps.get", "beatmaps.get_batch", "beatmaps.lookup", "beatmaps.attributes", "beatmaps.packs", "beatmaps.pack",
    "wiki.get", "news.list", "news.get", "changelog.list", "changelog.build", "changelog.lookup",
    "misc.seasonal_backgrounds", "rankings.spotlights",
})
"""Routes whose answer does not depend on who asks: keyed without the token's user.
(``beatmapsets.get`` is not among them: it carries ``current_user_attributes``.)"""

_STABLE = {b"ranked", b"approved", b"loved"}
_STATUS = re.compile(rb'"status"\s*:\s*"(\w+)"')


@dataclass(frozen=True)
class _CachedRequest:
    method: str
    url: str


class CachedResponse:
    """A stored answer, seen through the same surface as a live response."""

    __slots__ = ("content", "headers", "reason_phrase", "request", "status_code")

    def __init__(self, status: int, headers: Mapping[str, str], content: bytes, method: str, url: str) -> None:
        self.status_code = status
        self.headers = dict(headers)
        self.content = content
        self.reason_phrase = "OK"
        self.request = _CachedRequest(method, url)

    @property
    def text(self) -> str:
        return self.content.decode("utf-8", "replace")

    def json(self) -> Any:
        return json.loads(self.content)


@runtime_checkable
class CacheBackend(Protocol):
    """Where entries live: bytes by key, each with an absolute expiry time (seconds since the epoch)."""

    def get(self, key: str, now: float) -> bytes | None:
        """The value stored under ``key`` if it has not expired at ``now``."""

    def set(self, key: str, value: bytes, expires_at: float, now: float) -> bool | None:
        """Store ``value`` under ``key`` until ``expires_at``; False when it was not stored (e.g. Redis
        is down and the backend goes on without it), so ``cache.stores`` counts only real stores."""

    def clear(self) -> None:
        """Forget every entry."""


@runtime_checkable
class AsyncCacheBackend(Protocol):
    """`CacheBackend` for the async client: the same three methods, awaited (they must not block the loop)."""

    async def get(self, key: str, now: float) -> bytes | None:
        """The value stored under ``key`` if it has not expired at ``now``."""

    async def set(self, key: str, value: bytes, expires_at: float, now: float) -> bool | None:
        """Store ``value`` under ``key`` until ``expires_at``; False when it was not stored."""

    async def clear(self) -> None:
        """Forget every entry."""


def _is_async_backend(backend: Any) -> bool:
    return inspect.iscoroutinefunction(getattr(backend, "get", None))


class _DirectAsync:
    """An in-memory backend seen as async: its calls take microseconds and do no I/O, so no thread."""

    def __init__(self, backend: CacheBackend) -> None:
        self.backend = backend

    def __repr__(self) -> str:
        return f"direct({self.backend!r})"

    async def get(self, key: str, now: float) -> bytes | None:
        return self.backend.get(key, now)

    async def set(self, key: str, value: bytes, expires_at: float, now: float) -> bool | None:
        return self.backend.set(key, value, expires_at, now)

    async def clear(self) -> None:
        self.backend.clear()


class _ThreadedAsync:
    """A sync backend (SQLite, or one of yours) seen as async: each call runs in a worker thread
    (``asyncio.to_thread``), so file I/O and network round trips do not stop the event loop."""

    def __init__(self, backend: CacheBackend) -> None:
        self.backend = backend

    def __repr__(self) -> str:
        return f"threaded({self.backend!r})"

    async def get(self, key: str, now: float) -> bytes | None:
        return await asyncio.to_thread(self.backend.get, key, now)

    async def set(self, key: str, value: bytes, expires_at: float, now: float) -> bool | None:
        return await asyncio.to_thread(self.backend.set, key, value, expires_at, now)

    async def clear(self) -> None:
        await asyncio.to_thread(self.backend.clear)


class _AsyncOnly:
    """Stands in for the sync backend of a cache built on an `AsyncCacheBackend`."""

    def __init__(self, backend: Any) -> None:
        self.backend = backend

    def __repr__(self) -> str:
        return repr(self.backend)

    def _refuse(self) -> ConfigurationError:
        return ConfigurationError(f"cache backend {type(self.backend).__name__} is asynchronous: "
                                  "use this ResponseCache with an AsyncClient, or give it a sync backend")

    def get(self, key: str, now: float) -> bytes | None:
        raise self._refuse()

    def set(self, key: str, value: bytes, expires_at: float, now: float) -> None:
        raise self._refuse()

    def clear(self) -> None:
        raise self._refuse()


class MemoryCacheBackend:
    """Entries in this process's memory, at most ``max_entries`` (least recently used go first)."""

    def __init__(self, max_entries: int = 10_000) -> None:
        if isinstance(max_entries, bool) or not isinstance(max_entries, int) or max_entries < 1:
            raise InvalidParameterError(f"max_entries must be a whole number >= 1, not {max_entries!r}")
        self.max_entries = max_entries
        self._data: OrderedDict[str, tuple[float, bytes]] = OrderedDict()
        self._lock = threading.Lock()

    def __repr__(self) -> str:
        return f"MemoryCacheBackend(entries={len(self._data)}, max_entries={self.max_entries})"

    def get(self, key: str, now: float) -> bytes | None:
        with self._lock:
            item = self._data.get(key)
            if item is None:
                return None
            if item[0] <= now:
                del self._data[key]
                return None
            self._data.move_to_end(key)
            return item[1]

    def set(self, key: str, value: bytes, expires_at: float, now: float) -> None:
        with self._lock:
            self._data[key] = (expires_at, value)
            self._data.move_to_end(key)
            while len(self._data) > self.max_entries:
                self._data.popitem(last=False)

    def clear(self) -> None:
        with self._lock:
            self._data.clear()

    def for_async(self) -> AsyncCacheBackend:
        """Itself, called directly (no I/O, nothing to move off the event loop)."""
        return _DirectAsync(self)


class SqliteCacheBackend:
    """Entries in a SQLite file (table ``osukit_cache``), WAL mode, shared by processes; a new file
    is created mode 0600. Expired rows are removed on read and every ``vacuum_every`` writes."""

    def __init__(self, path: str | os.PathLike[str], *, vacuum_every: int = 1000) -> None:
        if not isinstance(path, (str, os.PathLike)) or not os.fspath(path):
            raise InvalidParameterError(f"path must be a file path, not {path!r}")
        if isinstance(vacuum_every, bool) or not isinstance(vacuum_every, int) or vacuum_every < 0:
            raise InvalidParameterError(f"vacuum_every must be a whole number >= 0, not {vacuum_every!r}")
        self.path = os.fspath(path)
        self.vacuum_every = vacuum_every
        self._writes = 0
        self._lock = threading.Lock()
        try:
            if not os.path.exists(self.path):  # user-scoped answers may be cached: readable by you only
                os.close(os.open(self.path, os.O_RDWR | os.O_CREAT, 0o600))
            self._db = sqlite3.connect(self.path, timeout=30, isolation_level=None, check_same_thread=False)
            self._db.execute("PRAGMA journal_mode=WAL")
            self._db.execute("PRAGMA synchronous=NORMAL")
            self._db.execute("CREATE TABLE IF NOT EXISTS osukit_cache "
                             "(key TEXT PRIMARY KEY, expires_at REAL NOT NULL, value BLOB NOT NULL)")
        except (OSError, sqlite3.Error) as exc:
            raise CacheDatabaseError(f"cannot open cache database {os.path.basename(self.path)}: {exc}") from None

    def __repr__(self) -> str:
        return f"SqliteCacheBackend({self.path!r})"

    def _run(self, sql: str, args: tuple[Any, ...]) -> Any:
        try:
            with self._lock:
                return self._db.execute(sql, args).fetchone()
        except sqlite3.Error as exc:
            raise CacheDatabaseError(f"cache database {os.path.basename(self.path)}: {exc}") from None

    def get(self, key: str, now: float) -> bytes | None:
        row = self._run("SELECT expires_at, value FROM osukit_cache WHERE key = ?", (key,))
        if row is None:
            return None
        if row[0] <= now:
            self._run("DELETE FROM osukit_cache WHERE key = ? AND expires_at <= ?", (key, now))
            return None
        return bytes(row[1])

    def set(self, key: str, value: bytes, expires_at: float, now: float) -> None:
        self._run("INSERT INTO osukit_cache (key, expires_at, value) VALUES (?, ?, ?) ON CONFLICT(key) DO UPDATE "
                  "SET expires_at = excluded.expires_at, value = excluded.value", (key, expires_at, value))
        self._writes += 1
        if self.vacuum_every and self._writes % self.vacuum_every == 0:
            self._run("DELETE FROM osukit_cache WHERE expires_at <= ?", (now,))

    def clear(self) -> None:
        self._run("DELETE FROM osukit_cache", ())

    def close(self) -> None:
        with self._lock:
            self._db.close()

    def for_async(self) -> AsyncCacheBackend:
        """Itself, each call in a worker thread (``asyncio.to_thread``): SQLite does file I/O."""
        return _ThreadedAsync(self)


class _Outage:
    """What a Redis cache backend does when Redis fails: with ``on_error="fallback"`` (the default) the
    call goes on without the cache (a miss; nothing stored), with one WARNING per outage, and Redis
    is not asked again for ``retry_after`` seconds; with ``on_error="raise"`` it raises."""

    def __init__(self, on_error: str, retry_after: float, where: str) -> None:
        if on_error not in ("fallback", "raise"):
            raise InvalidParameterError(f"on_error must be 'fallback' or 'raise', not {on_error!r}")
        if isinstance(retry_after, bool) or not isinstance(retry_after, (int, float)) or retry_after < 0:
            raise InvalidParameterError(f"retry_after must be a number of seconds >= 0, not {retry_after!r}")
        self.on_error = on_error
        self.retry_after = float(retry_after)
        self.where = where
        self.down_until: float | None = None
        self._lock = threading.Lock()

    def skip(self) -> bool:
        """True while the backend should not ask Redis (a recent failure, in fallback mode)."""
        return self.down_until is not None and time.monotonic() < self.down_until

    def failed(self, action: str, exc: BaseException) -> None:
        message = f"Redis cache at {self.where}: could not {action} ({type(exc).__name__})"
        if self.on_error == "raise":
            raise TransportError(message, remedy="check that Redis is running, or use on_error='fallback'") from None
        with self._lock:
            first = self.down_until is None
            self.down_until = time.monotonic() + self.retry_after
        if first:
            log.warning("%s; going on without the cache (asking Redis again every %gs)", message, self.retry_after)

    def ok(self) -> None:
        if self.down_until is not None:
            with self._lock:
                self.down_until = None
            log.warning("Redis cache at %s is back", self.where)


def _where(url: str | None) -> str:
    if url is None:
        return "(given client)"
    from ._redact import redact_url

    return redact_url(url)


class _RedisEntries:
    """What `RedisCacheBackend` and `AsyncRedisCacheBackend` share, all but the I/O: argument
    checks, where the server is (``_url``, None for a given client), the key (``{prefix}{key}``),
    the entry format (expiry as 16 ASCII bytes, then the value), outage handling and errors."""

    _client_kind = "redis.Redis"

    def __init__(self, redis: Any, prefix: Any, socket_timeout: Any, on_error: str, retry_after: float) -> None:
        if not isinstance(prefix, str):
            raise InvalidParameterError(f"prefix must be a string, not {type(prefix).__name__}")
        if isinstance(socket_timeout, bool) or not isinstance(socket_timeout, (int, float)) or socket_timeout <= 0:
            raise InvalidParameterError(f"socket_timeout must be a number of seconds > 0, not {socket_timeout!r}")
        try:
            import redis as redis_lib
        except ImportError:  # pragma: no cover - the extra is part of [dev]
            from ._exceptions import MissingExtraError

            raise MissingExtraError(type(self).__name__, "redis") from None
        self._url: str | None = None
        if redis is None or isinstance(redis, str):
            self._url = redis or "redis://127.0.0.1:6379/0"
        elif not hasattr(redis, "get"):
            raise InvalidParameterError(f"redis must be a URL or a {self._client_kind} client, "
                                        f"not {type(redis).__name__}")
        self._outage = _Outage(on_error, retry_after, _where(self._url))
        self._errors: tuple[type[BaseException], ...] = (redis_lib.RedisError, OSError)
        self.prefix = prefix
        self.socket_timeout = socket_timeout
        self.on_error = on_error
        self.retry_after = retry_after

    def __repr__(self) -> str:
        return f"{type(self).__name__}(prefix={self.prefix!r})"

    def _key(self, key: str) -> str:
        return self.prefix + key

    @staticmethod
    def _encode(value: bytes, expires_at: float, now: float) -> tuple[bytes, int]:
        """The stored bytes and the Redis expiry (milliseconds, at least 1) of an entry."""
        return f"{expires_at:016.3f}".encode()[:16] + value, max(1, int((expires_at - now) * 1000))

    @staticmethod
    def _decode(raw: bytes | None, now: float) -> bytes | None:
        """The value of a stored entry, or None when absent, damaged or expired at ``now``."""
        if raw is None or len(raw) < 16:
            return None
        expires_at = float(raw[:16].decode())
        return None if expires_at <= now else bytes(raw[16:])

    @staticmethod
    def _clear_failed(exc: BaseException) -> TransportError:
        return TransportError(f"Redis cache: could not clear ({type(exc).__name__})")


class RedisCacheBackend(_RedisEntries):
    """Entries in Redis under ``{prefix}{key}`` with a Redis expiry as a backstop (needs ``osukit[redis]``).

    The expiry osukit checks is stored with the value (so a fake clock works);
    Redis also drops the key ``expires_at - now`` seconds after it was written.

    **When Redis is down** (``on_error="fallback"``, the default) a read is a miss and a
    write is skipped: the API call goes on without the cache, one WARNING is logged on
    ``osukit.cache``, and Redis is asked again after ``retry_after`` seconds. With
    ``on_error="raise"`` every failure raises `osukit.TransportError`. `clear` always raises.

    Args:
        redis: a ``redis://``, ``rediss://`` or ``unix://`` URL (default ``redis://127.0.0.1:6379/0``),
            or a ``redis.Redis`` client.
        prefix: put before every key.
        socket_timeout: seconds, for clients made from a URL.
        on_error: ``"fallback"`` (go on without the cache) or ``"raise"``.
        retry_after: seconds to leave Redis alone after a failure (fallback mode).

    Raises:
        MissingExtraError: ``osukit[redis]`` is not installed.
        InvalidParameterError: a bad argument.
    """

    def __init__(self, redis: Any = None, *, prefix: str = "osukit:cache:", socket_timeout: float = 5.0,
                 on_error: str = "fallback", retry_after: float = 30.0) -> None:
        super().__init__(redis, prefix, socket_timeout, on_error, retry_after)
        if self._url is not None:
            import redis as redis_lib

            redis = redis_lib.Redis.from_url(self._url, socket_timeout=socket_timeout)
        self._redis = redis

    def get(self, key: str, now: float) -> bytes | None:
        if self._outage.skip():
            return None
        try:
            raw = self._redis.get(self._key(key))
        except self._errors as exc:
            self._outage.failed("read an entry", exc)
            return None
        self._outage.ok()
        return self._decode(raw, now)

    def set(self, key: str, value: bytes, expires_at: float, now: float) -> bool:
        """Store an entry; False (nothing stored) while Redis is unreachable and ``on_error="fallback"``."""
        if self._outage.skip():
            return False
        entry, ttl_ms = self._encode(value, expires_at, now)
        try:
            self._redis.set(self._key(key), entry, px=ttl_ms)
        except self._errors as exc:
            self._outage.failed("store an entry", exc)
            return False
        self._outage.ok()
        return True

    def clear(self) -> None:
        try:
            for key in self._redis.scan_iter(match=self._key("*")):
                self._redis.delete(key)
        except self._errors as exc:
            raise self._clear_failed(exc) from None

    def for_async(self) -> AsyncCacheBackend:
        """An `AsyncRedisCacheBackend` on the same server and prefix (``redis.asyncio``) when this
        backend was made from a URL; made from a client object, its calls run in a worker thread."""
        if self._url is None:
            return _ThreadedAsync(self)
        return AsyncRedisCacheBackend(self._url, prefix=self.prefix, socket_timeout=self.socket_timeout,
                                      on_error=self.on_error, retry_after=self.retry_after)


class AsyncRedisCacheBackend(_RedisEntries):
    """`RedisCacheBackend` for the async client, over ``redis.asyncio`` (needs ``osukit[redis]``);
    same entry format, so sync and async clients share entries.

    Given a URL it keeps one ``redis.asyncio`` client per event loop (a connection belongs to the
    loop that opened it); given a ``redis.asyncio.Redis`` it uses that one.

    Args:
        redis: a ``redis://``, ``rediss://`` or ``unix://`` URL (default ``redis://127.0.0.1:6379/0``),
            or a ``redis.asyncio.Redis`` client (used on its own event loop only).
        prefix: put before every key, as in `RedisCacheBackend` (use the same one to share entries).
        socket_timeout: seconds, for clients made from a URL.
        on_error: ``"fallback"`` (default: with Redis down, go on without the cache, one WARNING)
            or ``"raise"``, as in `RedisCacheBackend`.
        retry_after: seconds to leave Redis alone after a failure (fallback mode).

    Raises:
        MissingExtraError: ``osukit[redis]`` is not installed.
        InvalidParameterError: a bad argument.
        TransportError: Redis failed on ``clear``, or on ``get``/``set`` with ``on_error="raise"``.
    """

    _client_kind = "redis.asyncio.Redis"

    def __init__(self, redis: Any = None, *, prefix: str = "osukit:cache:", socket_timeout: float = 5.0,
                 on_error: str = "fallback", retry_after: float = 30.0) -> None:
        super().__init__(redis, prefix, socket_timeout, on_error, retry_after)
        import redis.asyncio as redis_asyncio

        self._given: Any = redis if self._url is None else None
        self._redis_asyncio = redis_asyncio
        self._by_loop: weakref.WeakKeyDictionary[asyncio.AbstractEventLoop, Any] = weakref.WeakKeyDictionary()

    def _client(self) -> Any:
        if self._given is not None:
            return self._given
        loop = asyncio.get_running_loop()
        client = self._by_loop.get(loop)
        if client is None:
            for finished in [other for other in list(self._by_loop) if other.is_closed()]:
                self._by_loop.pop(finished, None)  # a loop that has ended: its client is no use
            client = self._redis_asyncio.Redis.from_url(self._url or "", socket_timeout=self.socket_timeout)
            self._by_loop[loop] = client
        return client

    async def get(self, key: str, now: float) -> bytes | None:
        if self._outage.skip():
            return None
        try:
            raw = await self._client().get(self._key(key))
        except self._errors as exc:
            self._outage.failed("read an entry", exc)
            return None
        self._outage.ok()
        return self._decode(raw, now)

    async def set(self, key: str, value: bytes, expires_at: float, now: float) -> bool:
        """Store an entry; False (nothing stored) while Redis is unreachable and ``on_error="fallback"``."""
        if self._outage.skip():
            return False
        entry, ttl_ms = self._encode(value, expires_at, now)
        try:
            await self._client().set(self._key(key), entry, px=ttl_ms)
        except self._errors as exc:
            self._outage.failed("store an entry", exc)
            return False
        self._outage.ok()
        return True

    async def clear(self) -> None:
        try:
            client = self._client()
            async for key in client.scan_iter(match=self._key("*")):
                await client.delete(key)
        except self._errors as exc:
            raise self._clear_failed(exc) from None

    async def release(self) -> None:
        """Close this event loop's idle connections (an `osukit.AsyncClient` does it when it closes;
        connections in use by another client stay, and the pool reconnects when needed)."""
        if self._given is not None:
            return
        try:
            loop = asyncio.get_running_loop()
        except RuntimeError:  # pragma: no cover - called from a coroutine
            return
        client = self._by_loop.get(loop)
        if client is not None:
            await client.connection_pool.disconnect(inuse_connections=False)


class ResponseCache:
    """The response cache a client consults before the rate limiter (see the module docstring).

    Args:
        backend: a `CacheBackend` (default: a new `MemoryCacheBackend`), or an
            `AsyncCacheBackend` (then only async clients may use this cache).
        ttl: lifetimes in seconds by osukit route name or ``fnmatch`` pattern, on top of
            `DEFAULT_TTL` (0 turns a route off).
        shared: route names keyed without the token's user, instead of `SHARED_ROUTES`.
            Only list routes whose answer really is the same for every viewer.

    One cache may serve several clients (even of different users): keys keep them apart.
    """

    def __init__(self, backend: CacheBackend | AsyncCacheBackend | None = None, *,
                 ttl: Mapping[str, float] | None = None, shared: frozenset[str] | set[str] | None = None) -> None:
        self._async_backend: AsyncCacheBackend | None = None
        sync: CacheBackend
        if backend is not None and not isinstance(backend, (CacheBackend, AsyncCacheBackend)):
            raise InvalidParameterError(f"backend must be a cache backend (get/set/clear), not {type(backend).__name__}"
                                        "; for a name, path or URL use Client(cache=...)")
        if ttl is not None and not isinstance(ttl, Mapping):
            raise InvalidParameterError(f"ttl must be a mapping of route names to seconds, not {type(ttl).__name__}")
        if shared is not None and (isinstance(shared, (str, bytes)) or not isinstance(shared, (set, frozenset, list,
                                                                                                 tuple))):
            raise InvalidParameterError(f"shared must be a set of route names, not {shared!r}")
        _check_route_names("ttl", (ttl or {}).keys())
        _check_route_names("shared", shared or ())
        if backend is None:
            sync = MemoryCacheBackend()
        elif _is_async_backend(backend):
            self._async_backend = cast(AsyncCacheBackend, backend)
            sync = _AsyncOnly(backend)
        else:
            sync = cast(CacheBackend, backend)
        self.backend: CacheBackend = sync
        self.overrides: dict[str, float] = dict(ttl or {})
        self.policy: dict[str, float] = {**DEFAULT_TTL, **self.overrides}
        for name, seconds in self.policy.items():
            if isinstance(seconds, bool) or not isinstance(seconds, (int, float)) or seconds < 0:
                raise InvalidParameterError(f"cache lifetime for {name!r} must be a number of seconds >= 0, "
                                            f"not {seconds!r}")
        self.shared = frozenset(SHARED_ROUTES if shared is None else shared)
        self._lifetimes: dict[str, float] = {}  # route name -> seconds before the body's statuses count
        self.hits = 0
        self.misses = 0
        self.stores = 0
        self._lock = threading.Lock()

    def __repr__(self) -> str:
        return f"ResponseCache({self.backend!r}, hits={self.hits}, misses={self.misses})"

    def stats(self) -> dict[str, int]:
        """``{"hits", "misses", "stores"}`` since this cache was made."""
        return {"hits": self.hits, "misses": self.misses, "stores": self.stores}

    def lifetime(self, route: Route[Any], content: bytes | None = None) -> float:
        """Seconds an answer of ``route`` (with body ``content``) stays fresh; 0: not cached."""
        name = route.name
        seconds = self._lifetimes.get(name)
        if seconds is None:  # first request of this route: look it up once (pattern scan), then remember
            found = _lookup(self.overrides, name)  # yours first, then the defaults
            if found is None:
                found = _lookup(DEFAULT_TTL, name)
            seconds = self._lifetimes[name] = float(found or 0.0)
        if seconds and content is not None and name in _BEATMAPS:
            statuses = set(_STATUS.findall(content))
            if statuses and not statuses <= _STABLE:
                seconds = min(seconds, SHORT)
        return float(seconds)

    def key(self, route: Route[Any], method: str, path: str, params: Mapping[str, Any] | None, body: Any,
            api_version: int, base_url: str, token: Token | None, user_bound: bool) -> str | None:
        """The entry key of a request, or None when ``route`` is not cached."""
        if self.lifetime(route) <= 0:
            return None
        from ._base_client import encode_params

        who = "shared"
        if route.name not in self.shared:
            if token is None:
                who = "anonymous"
            elif token.user_id is not None:
                who = f"user:{token.user_id}"
            elif not user_bound:
                who = "guest"
            else:
                who = "token:" + hashlib.sha256(token.access_token.encode()).hexdigest()
        parts = [method.upper(), base_url, path, json.dumps(sorted(encode_params(params)), separators=(",", ":")),
                 json.dumps(body, sort_keys=True, default=str) if body is not None else "", str(api_version), who]
        return hashlib.sha256("\x1f".join(parts).encode()).hexdigest()

    @property
    def async_backend(self) -> AsyncCacheBackend:
        """What an `osukit.AsyncClient` calls: the backend's own ``for_async()`` (memory: direct,
        SQLite: a worker thread, Redis: ``redis.asyncio``), a worker thread for any other sync
        backend, or the `AsyncCacheBackend` this cache was given."""
        if self._async_backend is None:
            for_async = getattr(self.backend, "for_async", None)
            chosen = for_async() if callable(for_async) else _ThreadedAsync(self.backend)
            with self._lock:
                if self._async_backend is None:
                    self._async_backend = chosen
        assert self._async_backend is not None
        return self._async_backend

    def _answer(self, raw: bytes | None, method: str, url: str) -> CachedResponse | None:
        if raw is None:
            with self._lock:
                self.misses += 1
            return None
        status = int(raw[:3])
        with self._lock:
            self.hits += 1
        return CachedResponse(status, {"content-type": "application/json", "x-osukit-cache": "hit"}, raw[3:], method, url)

    def _entry(self, route: Route[Any], response: ResponseLike) -> tuple[bytes, float] | None:
        if not 200 <= response.status_code < 300:
            return None
        seconds = self.lifetime(route, response.content)
        if seconds <= 0:
            return None
        return b"%03d" % response.status_code + response.content, seconds

    def _stored(self) -> None:
        with self._lock:
            self.stores += 1

    def get(self, key: str, now: float, method: str, url: str) -> CachedResponse | None:
        """A fresh entry as a response (counted as a hit), or None (a miss)."""
        return self._answer(self.backend.get(key, now), method, url)

    async def aget(self, key: str, now: float, method: str, url: str) -> CachedResponse | None:
        """`get` through `async_backend` (does not block the event loop)."""
        return self._answer(await self.async_backend.get(key, now), method, url)

    def put(self, key: str, route: Route[Any], response: ResponseLike, now: float) -> None:
        """Store a successful answer for its route's lifetime (counted in ``stores`` unless the backend
        says it stored nothing, as Redis does while it is down)."""
        entry = self._entry(route, response)
        if entry is not None and self.backend.set(key, entry[0], now + entry[1], now) is not False:
            self._stored()

    async def aput(self, key: str, route: Route[Any], response: ResponseLike, now: float) -> None:
        """`put` through `async_backend` (does not block the event loop)."""
        entry = self._entry(route, response)
        if entry is not None and await self.async_backend.set(key, entry[0], now + entry[1], now) is not False:
            self._stored()

    def clear(self) -> None:
        """Forget every entry (the counts stay)."""
        self.backend.clear()

    async def aclear(self) -> None:
        """`clear` through `async_backend`."""
        await self.async_backend.clear()

    async def arelease(self) -> None:
        """Let go of the current event loop's connections, if the async backend keeps any
        (an `osukit.AsyncClient` calls it when it closes)."""
        release = getattr(self._async_backend, "release", None)
        if release is not None and inspect.iscoroutinefunction(release):
            await release()


def _check_route_names(arg: str, names: Any) -> None:
    """Refuse names that are no osukit route (and patterns that match none), with close matches."""
    from .routes import ROUTES

    known = sorted({r.name for r in ROUTES})
    for name in names:
        if not isinstance(name, str):
            raise InvalidParameterError(f"{arg}: route names are strings like 'users.get', not {name!r}")
        if any(c in name for c in "*?["):
            if not any(fnmatch.fnmatchcase(k, name) for k in known):
                raise InvalidParameterError(f"{arg}: the pattern {name!r} matches no osukit route")
            continue
        if name not in known:
            close = difflib.get_close_matches(name, known, n=3)
            hint = f"; did you mean {', '.join(repr(c) for c in close)}?" if close else ""
            raise InvalidParameterError(f"{arg}: {name!r} is not an osukit route name{hint} "
                                        "(the names are the client's methods, listed in docs/reference/routes.md)")


def _lookup(table: Mapping[str, float], name: str) -> float | None:
    """The exact entry for ``name``, else the longest matching pattern's."""
    if name in table:
        return table[name]
    matches = [(len(p), s) for p, s in table.items() if any(c in p for c in "*?[") and fnmatch.fnmatchcase(name, p)]
    return max(matches)[1] if matches else None


_SQLITE_SUFFIXES = (".db", ".sqlite", ".sqlite3")
_ACCEPTED = ("None, True or 'memory', a SQLite file path (ending in .db, .sqlite or .sqlite3, or with a "
             "directory part, e.g. './cache'), a redis://, rediss:// or unix:// URL, a cache backend, or a ResponseCache")


def as_response_cache(cache: Any) -> ResponseCache | None:
    """``None``, ``True``/``"memory"`` (in memory), a SQLite path, a ``redis://`` URL,
    a `CacheBackend`, an `AsyncCacheBackend` (async clients only) or a `ResponseCache`.

    A string names a SQLite file only when it looks like one: a ``.db``/``.sqlite``/``.sqlite3``
    suffix or a directory part (``./cache``); any other bare word (``"memroy"``) is refused
    rather than made into a file. A `pathlib.Path` is always a file.

    Raises:
        InvalidParameterError: none of these (the message lists what is accepted).
    """
    if cache is None or cache is False:
        return None
    if isinstance(cache, ResponseCache):
        return cache
    if cache is True or cache == "memory":
        return ResponseCache()
    if isinstance(cache, str) and cache.startswith(("redis://", "rediss://", "unix://")):
        return ResponseCache(RedisCacheBackend(cache))
    if isinstance(cache, str):
        looks_like_path = cache.lower().endswith(_SQLITE_SUFFIXES) or "/" in cache or os.sep in cache
        if not cache.strip() or not looks_like_path:
            close = difflib.get_close_matches(cache, ["memory"], n=1)
            hint = " (did you mean 'memory'?)" if close else ""
            raise InvalidParameterError(f"cache={cache!r} is not a cache{hint}: use {_ACCEPTED}")
        return ResponseCache(SqliteCacheBackend(cache))
    if isinstance(cache, os.PathLike):
        return ResponseCache(SqliteCacheBackend(cache))
    if isinstance(cache, (CacheBackend, AsyncCacheBackend)):
        return ResponseCache(cache)
    raise InvalidParameterError(f"cache must be {_ACCEPTED}; not {type(cache).__name__}")
