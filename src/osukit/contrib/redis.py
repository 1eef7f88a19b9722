"""Scale out over Redis: one rate limit and one token for every process that shares a Redis.

Needs the ``redis`` extra (``pip install 'osukit[redis]'``); ``import osukit``
never imports Redis.

**RedisRateLimiter** - a token bucket kept in Redis, so any number of clients
(threads, processes, machines) that name the same ``key`` share one budget:

```python
from osukit.contrib.redis import RedisRateLimiter

limiter = RedisRateLimiter("redis://localhost:6379/0", key="myapp", per_minute=120)
client = osukit.Client(client_id=..., client_secret=..., rate_limit=limiter)
```

Each acquire is one round trip: a Lua script (run with ``EVALSHA``) refills the
bucket from the Redis server's own clock (``TIME``, so clients' clocks do not
matter), takes ``cost`` tokens and returns how long the caller must wait before
sending; the caller then sleeps through its [`Clock`][osukit.Clock]. Callers
*reserve* their slot, so they are served in arrival order and the long-run
rate never exceeds ``per_minute``: over any window of ``T`` seconds at most
``burst + per_minute * T / 60`` requests go out (plus ``cost - 1`` for a
request that costs more than one). Replay downloads use a separate bucket
(its own Redis key) at ``replay_per_minute`` with a burst of one.

When Redis cannot be reached (every Redis call has a socket timeout, so a
dead or unreachable Redis never hangs a request):

* ``on_redis_error="fallback"`` (the default) - the limiter logs one warning
  per outage on the ``osukit`` logger and carries on with a local, in-process
  token bucket at ``fallback_fraction`` (default 0.25) of the budget (and of
  the burst). It tries Redis again at most every ``retry_interval`` seconds
  (default 5) and goes back to it, with an info log line, as soon as Redis
  answers. Hand-over is careful in both directions: the local bucket starts
  only after the last slot this process had reserved in Redis (requests
  already queued there still go out at the shared pace), and on the way back
  the first Redis reservation also pays for the local slots still pending.
  With ``N`` processes the rate during an outage is at most ``N *
  fallback_fraction * per_minute``: keep ``N * fallback_fraction <= 1`` (the
  default is safe for up to four processes) so an outage never pushes you over
  the budget; with more processes, lower the fraction.
* ``on_redis_error="raise"`` - acquire raises [`RateLimiterUnavailable`][osukit.RateLimiterUnavailable]
  (a [`TransportError`][osukit.TransportError]), and no request is sent.

Redis itself runs without persistence in many setups: a restarted Redis starts
every bucket full, which allows one extra burst.

**RedisCheckpointStore** - where ``client.crawl(...)`` can keep its position
(instead of a local file).

**RedisTokenStore** - a [`TokenStore`][osukit.TokenStore] in Redis (values are
``Token.to_dict()`` JSON) with ``refresh_lock`` / ``arefresh_lock``: the token
managers hold that lock around a refresh, so N processes that find one token
expired make exactly one ``/oauth/token`` request.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import math
import threading
from collections import deque
from collections.abc import AsyncIterator, Callable, Iterator, Mapping
from typing import Any, Literal
from urllib.parse import urlsplit, urlunsplit

from .._clock import Clock
from .._constants import (
    DEFAULT_BURST,
    DEFAULT_RATE_LIMIT,
    MAX_RETRY_AFTER,
    REPLAY_RATE_LIMIT,
    SERVER_RATE_LIMIT,
)
from .._exceptions import (
    ConfigurationError,
    InvalidParameterError,
    MissingExtraError,
    RateLimiterUnavailable,
    TokenStoreError,
    TransportError,
)
from .._redact import logger
from ..ratelimit import DEFAULT_BUCKET, REPLAY_BUCKET, late_error, refused_error, server_wait
from ..tokens import Token, load_json

__all__ = ["RateLimiterUnavailable", "RedisCheckpointStore", "RedisRateLimiter", "RedisTokenStore"]

OnRedisError = Literal["fallback", "raise"]


def _import_redis(feature: str) -> Any:
    try:
        import redis
        import redis.asyncio
    except ImportError:
        raise MissingExtraError(feature, "redis") from None
    return redis


def _safe_url(url: str) -> str:
    """``url`` without its password (for messages and reprs)."""
    try:
        parts = urlsplit(url)
    except ValueError:
        return "redis://[unparseable url]"
    if parts.password is None:
        return url
    host = parts.hostname or ""
    if parts.port is not None:
        host = f"{host}:{parts.port}"
    user = f"{parts.username}:[redacted]@" if parts.username else "[redacted]@"
    return urlunsplit((parts.scheme, user + host, parts.path, parts.query, parts.fragment))


def _describe_client(client: Any) -> str:
    try:
        kw = client.connection_pool.connection_kwargs
        if "path" in kw:
            return f"unix://{kw['path']}"
        return f"redis://{kw.get('host', '?')}:{kw.get('port', '?')}/{kw.get('db', 0)}"
    except AttributeError:
        return repr(type(client).__name__)


class _Connections:
    """A sync Redis client and per-event-loop async clients, made from a URL or given."""

    def __init__(
        self,
        feature: str,
        redis: Any,
        async_redis: Any,
        socket_timeout: float,
    ) -> None:
        self.redis = _import_redis(feature)
        self.socket_timeout = socket_timeout
        self.url: str | None = None
        self._sync: Any = None
        self._async: Any = None
        self._async_loop: asyncio.AbstractEventLoop | None = None
        self._given_async = async_redis is not None
        self._lock = threading.Lock()
        if isinstance(redis, str):
            self.url = redis
        elif redis is None and async_redis is None:
            raise ConfigurationError("pass a Redis URL (redis://host:port/db) or a Redis client")
        elif redis is not None:
            if isinstance(redis, self.redis.asyncio.Redis):
                if async_redis is not None:
                    raise ConfigurationError("pass the async Redis client once (as async_redis=)")
                self._given_async = True
                async_redis = redis
            else:
                self._sync = redis
        self._async = async_redis
        self.where = _safe_url(self.url) if self.url else _describe_client(self._sync or self._async)

    def _kwargs(self, retry_cls: Any) -> dict[str, Any]:
        from redis.backoff import NoBackoff

        return {
            "socket_timeout": self.socket_timeout,
            "socket_connect_timeout": self.socket_timeout,
            # No hidden retries with backoff: one attempt, bounded by the socket timeout.
            "retry": retry_cls(NoBackoff(), 0),
            "retry_on_timeout": False,
        }

    def sync(self) -> Any:
        """The sync client (made from the URL on first use), or None when only an async one was given."""
        if self._sync is None and self.url is not None:
            with self._lock:
                if self._sync is None:
                    from redis.retry import Retry

                    self._sync = self.redis.Redis.from_url(self.url, **self._kwargs(Retry))
        return self._sync

    def async_(self) -> Any:
        """The async client for the running event loop, or None (then the sync one runs in a thread)."""
        if self._given_async:
            return self._async
        if self.url is None:
            return None
        loop = asyncio.get_running_loop()
        if self._async is None or self._async_loop is not loop:
            from redis.asyncio.retry import Retry

            # A redis.asyncio client belongs to the loop it first ran on: one per loop.
            self._async = self.redis.asyncio.Redis.from_url(self.url, **self._kwargs(Retry))
            self._async_loop = loop
        return self._async

    def errors(self) -> tuple[type[BaseException], ...]:
        return (self.redis.exceptions.RedisError, OSError, asyncio.TimeoutError)

    def close(self) -> None:
        """Close the sync client made from the URL (given clients are yours to close)."""
        if self.url is not None and self._sync is not None:
            self._sync.close()
            self._sync = None

    async def aclose(self) -> None:
        """Close the clients made from the URL (the async one must belong to the running loop)."""
        self.close()
        if self.url is not None and self._async is not None:
            client, self._async = self._async, None
            if self._async_loop is asyncio.get_running_loop():
                await client.aclose()


# KEYS[1]: the bucket (a hash: tokens, ts, refuse, asked). ARGV: rate (tokens/s), capacity, cost, mode
# ("acquire" | "observe"), remaining (-1: unknown), retry_after (0: none; already bounded by
# max_retry_after), and ARGV[7]: in acquire mode the caller's max_wait (-1: none), in observe mode
# the server's own Retry-After when it was over max_retry_after (0: it was not).
# State: at server time `ts` the bucket holds `tokens` (negative: reserved ahead). Acquire takes
# `cost` and returns the wait until the balance is back at zero; observe drains the bucket to the
# server's X-RateLimit-Remaining and blocks it for Retry-After. A Retry-After over the bound sets
# `refuse` instead: until then acquire returns "refused <left> <asked>" and takes nothing. A wait
# over max_wait returns "late <wait>" and takes nothing. Waits are returned as strings (Redis
# would truncate a Lua float to an integer). The key's TTL never outlives the bounded block.
_LUA = """
local rate = tonumber(ARGV[1])
local capacity = tonumber(ARGV[2])
local t = redis.call('TIME')
local now = tonumber(t[1]) + tonumber(t[2]) / 1000000
local state = redis.call('HMGET', KEYS[1], 'tokens', 'ts', 'refuse', 'asked')
local tokens = tonumber(state[1])
local ts = tonumber(state[2])
local refuse = tonumber(state[3]) or 0
local asked = tonumber(state[4]) or 0
if tokens == nil or ts == nil then
  tokens = capacity
  ts = now
end
if now > ts then
  tokens = math.min(capacity, tokens + (now - ts) * rate)
  ts = now
end
local wait = 0
if ARGV[4] == 'acquire' then
  if refuse > now then
    return string.format('refused %.6f %.6f', refuse - now, asked)
  end
  local after = tokens - tonumber(ARGV[3])
  local ready = ts
  if after < 0 then ready = ts - after / rate end
  wait = math.max(0, ready - now)
  local max_wait = tonumber(ARGV[7])
  if max_wait >= 0 and wait > max_wait then
    return string.format('late %.6f', wait)
  end
  tokens = after
else
  local remaining = tonumber(ARGV[5])
  if remaining >= 0 and ts <= now and remaining < tokens then tokens = remaining end
  local retry_after = tonumber(ARGV[6])
  local too_long = tonumber(ARGV[7])
  if retry_after > 0 then
    if too_long > 0 then
      if now + retry_after > refuse then refuse = now + retry_after end
      asked = too_long
    else
      if tokens > 0 then tokens = 0 end
      if now + retry_after > ts then ts = now + retry_after end
    end
  end
end
redis.call('HSET', KEYS[1], 'tokens', string.format('%.6f', tokens), 'ts', string.format('%.6f', ts),
  'refuse', string.format('%.6f', refuse), 'asked', string.format('%.6f', asked))
local full_in = (ts - now) + (capacity - tokens) / rate
if refuse - now > full_in then full_in = refuse - now end
redis.call('PEXPIRE', KEYS[1], math.ceil((full_in + 60) * 1000))
return string.format('%.6f', wait)
"""


class _LocalBucket:
    """The fallback's bucket: the Lua script's arithmetic, in process, with hand-over hooks."""

    def __init__(self, rate: float, capacity: float, now: float) -> None:
        self.rate = rate
        self.capacity = capacity
        self.tokens = capacity
        self.ts = now
        self.slots: deque[float] = deque()  # when each reservation made here may be sent
        self.refused_until = 0.0
        self.refused_asked = 0.0

    def _refill(self, now: float) -> None:
        if now > self.ts:
            self.tokens = min(self.capacity, self.tokens + (now - self.ts) * self.rate)
            self.ts = now

    def reserve(self, cost: int, now: float, max_wait: float | None, max_retry_after: float, bucket: str) -> float:
        self._refill(now)
        if self.refused_until > now:
            raise refused_error(self.refused_asked, self.refused_until - now, max_retry_after, bucket)
        after = self.tokens - cost
        ready = self.ts - after / self.rate if after < 0 else self.ts
        wait = max(0.0, ready - now)
        if max_wait is not None and wait > max_wait:
            raise late_error(wait, max_wait)
        self.tokens = after
        self.pending(now)  # forget slots already passed
        self.slots.append(now + wait)
        return wait

    def block_until(self, until: float, now: float) -> None:
        """Grant nothing before ``until`` (and no burst right after it)."""
        self._refill(now)
        if until > now:
            self.tokens = min(self.tokens, 0.0)
            self.ts = max(self.ts, until)

    def refuse_until(self, until: float, asked: float) -> None:
        """Fail at once (a Retry-After over the bound) until ``until``."""
        self.refused_until = max(self.refused_until, until)
        self.refused_asked = asked

    def drain_to(self, left: float, now: float) -> None:
        self._refill(now)
        if self.ts <= now and left < self.tokens:
            self.tokens = max(left, 0.0)

    def pending(self, now: float) -> int:
        """Reservations made here that have not reached their slot yet."""
        while self.slots and self.slots[0] <= now:
            self.slots.popleft()
        return len(self.slots)


class RedisRateLimiter:
    """A token bucket in Redis shared by every client that names the same ``key``.

    **Parameters**

    * **redis** - a URL (``redis://host:6379/0``; both a sync and an async client are
      made from it, with socket timeouts), a ``redis.Redis`` or a ``redis.asyncio.Redis``.
    * **async_redis** - an async client to use alongside a sync one. With only a sync
      client the async methods run it in a worker thread; with only an async client
      the sync methods cannot be used.
    * **key** - the shared budget's name (e.g. your application); required.
    * **per_minute**, **burst**, **replay_per_minute** - as for [`TokenBucket`][osukit.TokenBucket].
    * **on_redis_error** - ``"fallback"`` (default) or ``"raise"``; see the module docs.
    * **fallback_fraction** - the share of the budget the local fallback bucket allows (0.25).
    * **retry_interval** - seconds between attempts to get back to Redis during an outage.
    * **socket_timeout** - seconds for connecting to and hearing from Redis (clients made
      from a URL; configure your own clients' timeouts yourself).
    * **prefix** - prepended to Redis keys (``osukit:ratelimit:``).
    * **max_retry_after** - as for [`TokenBucket`][osukit.TokenBucket]: a ``Retry-After`` is shared
      through Redis bounded by this (default 120 s), and a longer one makes every process's
      requests fail at once with [`RateLimitError`][osukit.RateLimitError] for that bounded time.
    * **clock** - sleeping and local time (tests pass a fake one).

    The Redis keys are ``{prefix}{key}:{bucket}``; each expires once idle long enough
    to be full again (never later than ``max_retry_after`` plus a minute after the last
    ``Retry-After``), so nothing needs cleaning up.
    """

    def __init__(
        self,
        redis: Any = None,
        *,
        key: str,
        per_minute: float = DEFAULT_RATE_LIMIT,
        burst: int = DEFAULT_BURST,
        replay_per_minute: float = REPLAY_RATE_LIMIT,
        on_redis_error: OnRedisError = "fallback",
        fallback_fraction: float = 0.25,
        retry_interval: float = 5.0,
        socket_timeout: float = 1.0,
        prefix: str = "osukit:ratelimit:",
        async_redis: Any = None,
        max_retry_after: float = MAX_RETRY_AFTER,
        clock: Clock | None = None,
    ) -> None:
        if not max_retry_after >= 0 or max_retry_after == float("inf"):
            raise InvalidParameterError("max_retry_after must be a finite number of seconds >= 0")
        if not key:
            raise InvalidParameterError("key must name the shared budget")
        if per_minute <= 0:
            raise InvalidParameterError("per_minute must be positive (use NoRateLimit() to disable limiting)")
        if per_minute > SERVER_RATE_LIMIT:
            raise InvalidParameterError(f"a rate limit of {per_minute:g} requests/min is above osu!'s limit of "
                                        f"{SERVER_RATE_LIMIT} requests/min")
        if burst < 1:
            raise InvalidParameterError("burst must be at least 1")
        if replay_per_minute <= 0:
            raise InvalidParameterError("replay_per_minute must be positive")
        if on_redis_error not in ("fallback", "raise"):
            raise InvalidParameterError("on_redis_error must be 'fallback' or 'raise'")
        if not 0 < fallback_fraction <= 1:
            raise InvalidParameterError("fallback_fraction must be in (0, 1]")
        if socket_timeout <= 0:
            raise InvalidParameterError("socket_timeout must be positive")
        self._conn = _Connections("the Redis rate limiter", redis, async_redis, socket_timeout)
        self.key = key
        self.per_minute = per_minute
        self.burst = burst
        self.replay_per_minute = replay_per_minute
        self.on_redis_error: OnRedisError = on_redis_error
        self.fallback_fraction = fallback_fraction
        self.retry_interval = retry_interval
        self.socket_timeout = socket_timeout
        self.prefix = prefix
        self.max_retry_after = float(max_retry_after)
        self._clock = clock or Clock()
        self.fallback_per_minute = per_minute * fallback_fraction
        """The local rate while Redis is unreachable (``on_redis_error="fallback"``)."""
        self.fallback_burst = max(1, math.floor(burst * fallback_fraction))
        self._local: dict[str, _LocalBucket] = {}
        self._queue_end: dict[str, float] = {}  # the last slot this process got from Redis, per bucket
        self._state_lock = threading.Lock()
        self._degraded = False
        self._retry_at = 0.0
        self.outages = 0
        """How many times Redis became unreachable (each logged once)."""
        self._sync_script: Any = None
        self._async_scripts: dict[int, tuple[Any, Any]] = {}
        self._tasks: set[asyncio.Task[Any]] = set()

    def __repr__(self) -> str:
        return (
            f"RedisRateLimiter({self._conn.where!r}, key={self.key!r}, per_minute={self.per_minute:g}, "
            f"burst={self.burst}, on_redis_error={self.on_redis_error!r})"
        )

    @property
    def degraded(self) -> bool:
        """True while Redis is unreachable and the local fallback bucket is in use."""
        return self._degraded

    # --- plumbing ---------------------------------------------------------------------------

    def redis_key(self, bucket: str = DEFAULT_BUCKET) -> str:
        """The Redis key holding ``bucket``'s state."""
        return f"{self.prefix}{self.key}:{bucket}"

    def _args(
        self, bucket: str, cost: int, mode: str, remaining: float = -1, retry_after: float = 0, extra: float = -1
    ) -> list[Any]:
        if bucket == REPLAY_BUCKET:
            rate, capacity = self.replay_per_minute / 60.0, 1
        else:
            rate, capacity = self.per_minute / 60.0, self.burst
        return [repr(rate), capacity, cost, mode, repr(float(remaining)), repr(float(retry_after)), repr(float(extra))]

    def _wait_from(self, raw: Any, bucket: str, max_wait: float | None) -> float:
        """The script's answer: a wait, or the error for "refused …" / "late …"."""
        text = raw.decode() if isinstance(raw, bytes) else str(raw)
        if text.startswith("refused"):
            _, left, asked = text.split()
            raise refused_error(float(asked), float(left), self.max_retry_after, bucket)
        if text.startswith("late"):
            raise late_error(float(text.split()[1]), max_wait if max_wait is not None else 0.0)
        return float(text)

    def _local_bucket(self, bucket: str) -> _LocalBucket:
        lb = self._local.get(bucket)
        if lb is None:
            if bucket == REPLAY_BUCKET:
                rate, capacity = self.replay_per_minute * self.fallback_fraction / 60.0, 1.0
            else:
                rate, capacity = self.fallback_per_minute / 60.0, float(self.fallback_burst)
            lb = self._local[bucket] = _LocalBucket(rate, capacity, self._clock.monotonic())
        return lb

    def _local_reserve(self, cost: int, bucket: str, max_wait: float | None = None) -> float:
        with self._state_lock:
            return self._local_bucket(bucket).reserve(
                cost, self._clock.monotonic(), max_wait, self.max_retry_after, bucket
            )

    def _handback(self, bucket: str) -> int:
        """Local slots still pending (after an outage): the next Redis reservation pays for them."""
        lb = self._local.get(bucket)
        if lb is None or not lb.slots:
            return 0
        with self._state_lock:
            return lb.pending(self._clock.monotonic())

    def _granted(self, bucket: str, wait: float, handed_back: int) -> float:
        with self._state_lock:
            end = self._clock.monotonic() + wait
            if end > self._queue_end.get(bucket, 0.0):
                self._queue_end[bucket] = end
            if handed_back:
                self._local[bucket].slots.clear()
        self._succeeded()
        return wait

    def _use_redis(self) -> bool:
        if not self._degraded:
            return True
        return self._clock.monotonic() >= self._retry_at

    def _succeeded(self) -> None:
        if self._degraded:
            with self._state_lock:
                if self._degraded:
                    self._degraded = False
                    logger.info("rate limiter: Redis at %s answers again; back on the shared budget",
                                self._conn.where)

    def _failed(self, exc: BaseException) -> None:
        """Note an outage (warn once); raise in ``raise`` mode."""
        reason = f"{type(exc).__name__}: {exc}" if str(exc) else type(exc).__name__
        if self.on_redis_error == "raise":
            raise RateLimiterUnavailable(
                f"the Redis rate limiter at {self._conn.where} (key {self.key!r}) could not be reached "
                f"({reason}); the request was not sent. on_redis_error='fallback' would continue at "
                f"{self.fallback_fraction:g} of the budget instead"
            ) from None
        with self._state_lock:
            first = not self._degraded
            now = self._clock.monotonic()
            self._degraded = True
            self._retry_at = now + self.retry_interval
            if first:
                self.outages += 1
                # Requests already queued in Redis still go out at the shared pace: start after them.
                for name, end in self._queue_end.items():
                    self._local_bucket(name).block_until(end, now)
        if first:
            logger.warning(
                "rate limiter: Redis at %s is unreachable (%s); using a local bucket at %g/min "
                "(%g of the shared budget) until it answers again",
                self._conn.where, reason, self.fallback_per_minute, self.fallback_fraction,
            )
        else:
            logger.debug("rate limiter: Redis still unreachable (%s)", reason)

    def _sync_client(self) -> Any:
        client = self._conn.sync()
        if client is None:
            raise ConfigurationError(
                "this RedisRateLimiter only has an async Redis client; pass a URL or a sync client for "
                "the sync methods"
            )
        return client

    def _eval_sync(self, args: list[Any], bucket: str) -> Any:
        if self._sync_script is None:
            self._sync_script = self._sync_client().register_script(_LUA)
        return self._sync_script(keys=[self.redis_key(bucket)], args=args)

    async def _eval_async(self, args: list[Any], bucket: str) -> Any:
        client = self._conn.async_()
        if client is None:
            return await asyncio.to_thread(self._eval_sync, args, bucket)
        cached = self._async_scripts.get(id(client))
        if cached is None or cached[0] is not client:
            cached = (client, client.register_script(_LUA))
            self._async_scripts = {id(client): cached}
        script = cached[1]
        # Belt and braces: the socket timeouts bound each call, this bounds the whole exchange.
        result = await asyncio.wait_for(
            script(keys=[self.redis_key(bucket)], args=args), timeout=2 * self.socket_timeout + 1
        )
        return result

    # --- the RateLimiter protocol -------------------------------------------------------------

    accepts_max_wait = True

    def reserve(self, cost: int = 1, bucket: str = DEFAULT_BUCKET, *, max_wait: float | None = None) -> float:
        """Take ``cost`` tokens (one Redis round trip) and return the seconds to wait before sending.

        Raises:
            RateLimitError: a ``Retry-After`` over ``max_retry_after`` is in force (for every process).
            DeadlineExceededError: the wait would exceed ``max_wait`` (nothing is taken then).
        """
        if cost < 0:
            raise InvalidParameterError("cost must not be negative")
        if self._use_redis():
            extra = self._handback(bucket)
            args = self._args(bucket, cost + extra, "acquire", extra=-1 if max_wait is None else max(max_wait, 0.0))
            try:
                raw = self._eval_sync(args, bucket)
            except self._conn.errors() as exc:
                self._failed(exc)
            else:
                return self._granted(bucket, self._wait_from(raw, bucket, max_wait), extra)
        return self._local_reserve(cost, bucket, max_wait)

    async def areserve(self, cost: int = 1, bucket: str = DEFAULT_BUCKET, *, max_wait: float | None = None) -> float:
        """`reserve` without blocking the event loop."""
        if cost < 0:
            raise InvalidParameterError("cost must not be negative")
        if self._use_redis():
            extra = self._handback(bucket)
            args = self._args(bucket, cost + extra, "acquire", extra=-1 if max_wait is None else max(max_wait, 0.0))
            try:
                raw = await self._eval_async(args, bucket)
            except self._conn.errors() as exc:
                self._failed(exc)
            else:
                return self._granted(bucket, self._wait_from(raw, bucket, max_wait), extra)
        return self._local_reserve(cost, bucket, max_wait)

    def acquire(self, cost: int = 1, bucket: str = DEFAULT_BUCKET, *, max_wait: float | None = None) -> None:
        """Block until ``cost`` requests may be sent from ``bucket`` (errors: see `reserve`)."""
        wait = self.reserve(cost, bucket, max_wait=max_wait)
        if wait > 0:
            if wait > 1:
                logger.debug("rate limiter: waiting %.3fs (bucket %s, cost %d)", wait, bucket, cost)
            self._clock.sleep(wait)

    async def aacquire(self, cost: int = 1, bucket: str = DEFAULT_BUCKET, *, max_wait: float | None = None) -> None:
        """Wait, without blocking the event loop, until ``cost`` requests may be sent."""
        wait = await self.areserve(cost, bucket, max_wait=max_wait)
        if wait > 0:
            if wait > 1:
                logger.debug("rate limiter: waiting %.3fs (bucket %s, cost %d)", wait, bucket, cost)
            await self._clock.asleep(wait)

    def observe(self, headers: Mapping[str, str], bucket: str = DEFAULT_BUCKET) -> None:
        """Share what osu! said: drain the shared bucket to ``X-RateLimit-Remaining`` when that is
        below the burst, and block it for a ``Retry-After``.

        Costs a Redis round trip only when a header asks for a change (never on ordinary
        responses). Inside an event loop the update is sent in the background so the loop is
        not blocked. Errors are logged, never raised (the response is already there).
        """
        from ..retry import parse_retry_after

        remaining = headers.get("x-ratelimit-remaining")
        retry_after, refused = server_wait(parse_retry_after(headers.get("retry-after")), self.max_retry_after)
        left = -1.0
        if remaining is not None:
            try:
                left = max(float(remaining), 0.0)
            except ValueError:
                left = -1.0
            if not math.isfinite(left):
                left = -1.0
        capacity = 1 if bucket == REPLAY_BUCKET else self.burst
        if retry_after <= 0 and not 0 <= left < capacity:
            return
        with self._state_lock:  # the local bucket learns it too, for the next outage
            now = self._clock.monotonic()
            lb = self._local_bucket(bucket)
            if left >= 0:
                lb.drain_to(left, now)
            if refused is not None:
                lb.refuse_until(now + retry_after, refused)
            elif retry_after > 0:
                lb.block_until(now + retry_after, now)
                self._queue_end[bucket] = max(self._queue_end.get(bucket, 0.0), now + retry_after)
        if refused is not None:
            logger.warning(
                "rate limiter: server asked to wait %.0fs (over max_retry_after %gs); key %s bucket %s "
                "fails fast for %gs", refused, self.max_retry_after, self.key, bucket, retry_after,
            )
        if not self._use_redis():
            return
        args = self._args(bucket, 0, "observe", left, retry_after, refused or 0.0)
        try:
            asyncio.get_running_loop()
        except RuntimeError:
            try:
                self._eval_sync(args, bucket)
            except self._conn.errors() as exc:
                self._observe_failed(exc)
            return
        task = asyncio.ensure_future(self._aobserve(args, bucket))
        self._tasks.add(task)
        task.add_done_callback(self._tasks.discard)

    async def _aobserve(self, args: list[Any], bucket: str) -> None:
        try:
            await self._eval_async(args, bucket)
        except self._conn.errors() as exc:
            self._observe_failed(exc)

    def _observe_failed(self, exc: BaseException) -> None:
        if self.on_redis_error == "raise":
            logger.warning("rate limiter: could not share rate-limit headers through Redis (%s)",
                           type(exc).__name__)
            return
        self._failed(exc)

    def reset(self) -> None:
        """Forget the shared state (both buckets) in Redis; the next acquire starts with a full burst."""
        self._sync_client().delete(self.redis_key(DEFAULT_BUCKET), self.redis_key(REPLAY_BUCKET))

    def close(self) -> None:
        """Close the Redis connections this limiter made (clients you passed stay open)."""
        self._conn.close()

    async def aclose(self) -> None:
        """Close the Redis connections this limiter made, the async ones too."""
        self._sync_script = None
        self._async_scripts = {}
        await self._conn.aclose()


class RedisTokenStore:
    """Tokens in Redis, one string key per token (``{prefix}{key}``, ``Token.to_dict()`` JSON).

    **Parameters**

    * **redis** - a URL, a ``redis.Redis`` or a ``redis.asyncio.Redis`` (see
      `RedisRateLimiter`); ``async_redis`` adds an async client to a sync one.
      ``load``/``save``/``delete`` need the sync client (the store protocol is synchronous).
    * **prefix** - prepended to every key (``osukit:token:``).
    * **ttl** - when given, each token key expires after ``max(ttl, seconds until the
      token expires + 60)``: never before the token itself. ``None`` (default): keys persist.
    * **lock_timeout** - seconds after which a refresh lock held by a dead process expires (30).
    * **lock_wait** - seconds to wait for another process's refresh before giving up (35).
    * **socket_timeout** - seconds per Redis call for clients made from a URL (5).

    A Redis failure in ``load``/``save``/``delete``/``keys`` raises
    [`TokenStoreError`][osukit.TokenStoreError]: a token is never silently dropped. Failing to
    release a refresh lock (it expired, or Redis went away) is logged; the lock then
    expires on its own after ``lock_timeout``.
    """

    def __init__(
        self,
        redis: Any = None,
        *,
        prefix: str = "osukit:token:",
        ttl: float | None = None,
        lock_timeout: float = 30.0,
        lock_wait: float = 35.0,
        socket_timeout: float = 5.0,
        async_redis: Any = None,
    ) -> None:
        if ttl is not None and ttl <= 0:
            raise InvalidParameterError("ttl must be positive (or None for keys that never expire)")
        self._conn = _Connections("the Redis token store", redis, async_redis, socket_timeout)
        self.prefix = prefix
        self.lock_prefix = prefix.rstrip(":") + "-lock:"
        self.ttl = ttl
        self.lock_timeout = lock_timeout
        self.lock_wait = lock_wait

    def __repr__(self) -> str:
        return f"RedisTokenStore({self._conn.where!r}, prefix={self.prefix!r})"

    def close(self) -> None:
        """Close the Redis connections this store made (clients you passed stay open)."""
        self._conn.close()

    async def aclose(self) -> None:
        """Close the Redis connections this store made, the async ones too."""
        await self._conn.aclose()

    def _client(self) -> Any:
        client = self._conn.sync()
        if client is None:
            raise ConfigurationError("RedisTokenStore needs a sync Redis client (or a URL)")
        return client

    def _fail(self, action: str, key: str, exc: BaseException) -> TokenStoreError:
        return TokenStoreError(
            f"Redis token store at {self._conn.where}: could not {action} token {key!r} ({type(exc).__name__})"
        )

    def _expiry(self, token: Token) -> int | None:
        if self.ttl is None:
            return None
        left = token.expires_in()
        if not math.isfinite(left):
            return None
        return math.ceil(max(self.ttl, left + 60.0))

    def load(self, key: str) -> Token | None:
        try:
            raw = self._client().get(self.prefix + key)
        except self._conn.errors() as exc:
            raise self._fail("read", key, exc) from None
        if raw is None:
            return None
        data = load_json(raw, f"stored token {key!r}", "delete it to start fresh")
        return Token.from_dict(data)

    def save(self, key: str, token: Token) -> None:
        payload = json.dumps(token.to_dict())
        try:
            self._client().set(self.prefix + key, payload, ex=self._expiry(token))
        except self._conn.errors() as exc:
            raise self._fail("save", key, exc) from None

    def delete(self, key: str) -> None:
        try:
            self._client().delete(self.prefix + key)
        except self._conn.errors() as exc:
            raise self._fail("delete", key, exc) from None

    def keys(self) -> list[str]:
        """Every key with a saved token (without the prefix)."""
        try:
            found = list(self._client().scan_iter(match=self._glob_prefix() + "*", count=500))
        except self._conn.errors() as exc:
            raise self._fail("list", "*", exc) from None
        n = len(self.prefix)
        return sorted((k.decode() if isinstance(k, bytes) else str(k))[n:] for k in found)

    def _glob_prefix(self) -> str:
        return "".join("\\" + c if c in "*?[]\\" else c for c in self.prefix)

    # --- cross-process single-flight refresh ---------------------------------------------------

    def _lock_timeout_error(self, key: str) -> TokenStoreError:
        return TokenStoreError(
            f"waited {self.lock_wait:g}s for another process to refresh token {key!r} "
            "(Redis refresh lock); giving up rather than refreshing twice"
        )

    @contextlib.contextmanager
    def refresh_lock(self, key: str) -> Iterator[None]:
        """Hold the cross-process refresh lock of ``key`` (a Redis lock that expires after
        ``lock_timeout`` so a crashed holder cannot block the others for long)."""
        lock = self._client().lock(
            self.lock_prefix + key,
            timeout=self.lock_timeout,
            sleep=0.05,
            blocking_timeout=self.lock_wait,
            thread_local=False,
        )
        try:
            acquired = lock.acquire()
        except self._conn.errors() as exc:
            raise self._fail("lock", key, exc) from None
        if not acquired:
            raise self._lock_timeout_error(key)
        try:
            yield
        finally:
            try:
                lock.release()
            except self._conn.errors() as exc:
                logger.warning("token store: could not release the refresh lock of %r (%s); it expires "
                               "in at most %gs", key, type(exc).__name__, self.lock_timeout)

    @contextlib.asynccontextmanager
    async def arefresh_lock(self, key: str) -> AsyncIterator[None]:
        """[`refresh_lock`][osukit.contrib.redis.RedisTokenStore.refresh_lock] for async code (waits without blocking the event loop)."""
        client = self._conn.async_()
        if client is None:
            async with _in_thread(self.refresh_lock, key):
                yield
            return
        lock = client.lock(
            self.lock_prefix + key,
            timeout=self.lock_timeout,
            sleep=0.05,
            blocking_timeout=self.lock_wait,
            thread_local=False,
        )
        try:
            acquired = await lock.acquire()
        except self._conn.errors() as exc:
            raise self._fail("lock", key, exc) from None
        if not acquired:
            raise self._lock_timeout_error(key)
        try:
            yield
        finally:
            try:
                await lock.release()
            except self._conn.errors() as exc:
                logger.warning("token store: could not release the refresh lock of %r (%s); it expires "
                               "in at most %gs", key, type(exc).__name__, self.lock_timeout)


class RedisCheckpointStore:
    """Crawl checkpoints in Redis (``client.crawl(..., checkpoint=RedisCheckpointStore(url))``):
    JSON under ``{prefix}{key}``, so a crawl can resume on another machine.

    A Redis failure raises [`TransportError`][osukit.TransportError]: the crawl stops rather than
    carrying on without recording its progress.
    """

    def __init__(self, redis: Any = None, *, prefix: str = "osukit:crawl:", socket_timeout: float = 5.0) -> None:
        self._conn = _Connections("the Redis checkpoint store", redis, None, socket_timeout)
        self.prefix = prefix

    def __repr__(self) -> str:
        return f"RedisCheckpointStore({self._conn.where!r}, prefix={self.prefix!r})"

    def _client(self) -> Any:
        client = self._conn.sync()
        if client is None:
            raise ConfigurationError("RedisCheckpointStore needs a sync Redis client (or a URL)")
        return client

    def _fail(self, action: str, key: str, exc: BaseException) -> TransportError:
        return TransportError(
            f"Redis checkpoint store at {self._conn.where}: could not {action} {key!r} ({type(exc).__name__})",
            remedy="check that Redis is running at that URL",
        )

    def load(self, key: str) -> dict[str, Any] | None:
        try:
            raw = self._client().get(self.prefix + key)
        except self._conn.errors() as exc:
            raise self._fail("read", key, exc) from None
        if raw is None:
            return None
        state = load_json(raw, f"crawl checkpoint {key!r}", "delete it to start over")
        return state if isinstance(state, dict) else None

    def save(self, key: str, state: dict[str, Any]) -> None:
        try:
            self._client().set(self.prefix + key, json.dumps(state))
        except self._conn.errors() as exc:
            raise self._fail("save", key, exc) from None

    def delete(self, key: str) -> None:
        try:
            self._client().delete(self.prefix + key)
        except self._conn.errors() as exc:
            raise self._fail("delete", key, exc) from None

    def close(self) -> None:
        """Close the Redis connection this store made."""
        self._conn.close()


@contextlib.asynccontextmanager
async def _in_thread(factory: Callable[[str], contextlib.AbstractContextManager[None]], key: str) -> AsyncIterator[None]:
    """Enter and leave a blocking context manager in worker threads."""
    cm = factory(key)
    await asyncio.to_thread(cm.__enter__)
    try:
        yield
    except BaseException as exc:
        if not await asyncio.to_thread(cm.__exit__, type(exc), exc, exc.__traceback__):
            raise
    else:
        await asyncio.to_thread(cm.__exit__, None, None, None)
