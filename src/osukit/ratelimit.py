"""Client-side rate limiting: stay inside osu!'s budget instead of hitting 429s.

A limiter is anything with the [`RateLimiter`][osukit.RateLimiter] methods; the default is an
in-process [`TokenBucket`][osukit.TokenBucket] at 60 requests/minute (osu!'s terms of use)
with a small burst and a separate 10/minute bucket for replay downloads.
``osukit.contrib.redis`` provides one that many processes share.
"""

from __future__ import annotations

import math
import threading
import time
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Protocol, runtime_checkable

from ._clock import Clock
from ._constants import (
    DEFAULT_BURST,
    DEFAULT_RATE_LIMIT,
    MAX_RETRY_AFTER,
    REPLAY_RATE_LIMIT,
    SERVER_RATE_LIMIT,
)
from ._exceptions import DeadlineExceededError, InvalidParameterError, RateLimitError
from ._redact import logger

__all__ = ["LayeredRateLimiter", "NoRateLimit", "RateLimiter", "TokenBucket"]

DEFAULT_BUCKET = "default"
REPLAY_BUCKET = "replay"


@runtime_checkable
class RateLimiter(Protocol):
    """What a client needs from a rate limiter (sync and async halves of one budget)."""

    def acquire(self, cost: int = 1, bucket: str = DEFAULT_BUCKET) -> None:
        """Block until ``cost`` requests may be sent from ``bucket``."""

    async def aacquire(self, cost: int = 1, bucket: str = DEFAULT_BUCKET) -> None:
        """Wait (without blocking the event loop) until ``cost`` requests may be sent."""

    def observe(self, headers: Mapping[str, str], bucket: str = DEFAULT_BUCKET) -> None:
        """Learn from a response's ``X-RateLimit-*`` / ``Retry-After`` headers."""


def server_wait(retry_after: float | None, max_retry_after: float) -> tuple[float, float | None]:
    """Bound a ``Retry-After`` (already parsed; ``None`` when absent or unusable) for a limiter.

    Returns ``(block, refused)``: the seconds to block the bucket for (never more than
    ``max_retry_after``), and the server's value when it asked for longer than that (calls
    then fail at once with [`RateLimitError`][osukit.RateLimitError] during the bounded block instead
    of sleeping), else ``None``.
    """
    if retry_after is None or not retry_after > 0:
        return 0.0, None
    if retry_after > max_retry_after:
        return max_retry_after, retry_after
    return retry_after, None


def refused_error(asked: float, left: float, max_retry_after: float, bucket: str) -> RateLimitError:
    """The error a limiter raises while a too-long ``Retry-After`` is in force."""
    return RateLimitError(
        f"osu! asked to wait {asked:.0f}s (Retry-After), longer than max_retry_after "
        f"{max_retry_after:g}s: requests from bucket {bucket!r} fail at once for the next {left:.0f}s "
        f"instead of sleeping",
        retry_after=left,
        status_code=429,
    )


def late_error(wait: float, max_wait: float) -> DeadlineExceededError:
    """The error a limiter raises when its wait would outlast the caller's deadline."""
    return DeadlineExceededError(
        f"the rate limiter would wait {wait:.1f}s but only {max(max_wait, 0.0):.1f}s are left before the deadline"
    )


def acquire_kwargs(limiter: object, max_wait: float | None) -> dict[str, float]:
    """``{"max_wait": …}`` for limiters that take it (osukit's own), else nothing."""
    if max_wait is None or not getattr(limiter, "accepts_max_wait", False):
        return {}
    return {"max_wait": max_wait}


class NoRateLimit:
    """A limiter that never waits (for the emulator, tests, or your own throttling)."""

    accepts_max_wait = True

    def acquire(self, cost: int = 1, bucket: str = DEFAULT_BUCKET, *, max_wait: float | None = None) -> None:
        return None

    async def aacquire(self, cost: int = 1, bucket: str = DEFAULT_BUCKET, *, max_wait: float | None = None) -> None:
        return None

    def observe(self, headers: Mapping[str, str], bucket: str = DEFAULT_BUCKET) -> None:
        return None

    def __repr__(self) -> str:
        return "NoRateLimit()"


@dataclass
class _Bucket:
    rate: float  # tokens per second
    capacity: float
    tokens: float
    updated: float
    blocked_until: float = 0.0
    refused_until: float = 0.0  # a Retry-After over max_retry_after: fail at once until then
    refused_asked: float = 0.0


class TokenBucket:
    """A thread-safe token bucket shared by every request of one client (or pool).

    **Parameters**

    * **per_minute** - sustained requests per minute (default 60; osu-web allows up to 1200).
    * **burst** - requests that may go out back to back before the pace applies.
    * **replay_per_minute** - the separate replay-download bucket (osu-web: 10/minute).
    * **max_retry_after** - the longest ``Retry-After`` the bucket will make requests sleep
      through (default `MAX_RETRY_AFTER`, 120 s). A longer one (a
      maintenance 503, a CDN 429, a hostile value such as ``1000000000`` or a date in 2099)
      blocks the bucket for only ``max_retry_after`` seconds, and during that time every
      request fails at once with [`RateLimitError`][osukit.RateLimitError] (the wait in its message)
      instead of sleeping. ``inf``, ``nan`` and unparseable values are ignored.

    Requests reserve their place under a lock and then sleep outside it, so
    concurrent callers are served in order and the long-run rate never exceeds
    ``per_minute``. A request costing more than one (``GET /users?ids[]=…``)
    takes that many tokens. When osu! reports few remaining requests
    (``X-RateLimit-Remaining``) the bucket is drained to match, and a
    ``Retry-After`` blocks the bucket until it passes.
    """

    def __init__(
        self,
        per_minute: float = DEFAULT_RATE_LIMIT,
        *,
        burst: int = DEFAULT_BURST,
        replay_per_minute: float = REPLAY_RATE_LIMIT,
        max_retry_after: float = MAX_RETRY_AFTER,
        clock: Clock | None = None,
    ) -> None:
        if not max_retry_after >= 0 or max_retry_after == float("inf"):
            raise InvalidParameterError("max_retry_after must be a finite number of seconds >= 0")
        if per_minute <= 0:
            raise InvalidParameterError("per_minute must be positive (use NoRateLimit() to disable limiting)")
        if per_minute > SERVER_RATE_LIMIT:
            raise InvalidParameterError(f"a rate limit of {per_minute:g} requests/min is above osu!'s limit of "
                                        f"{SERVER_RATE_LIMIT} requests/min")
        if burst < 1:
            raise InvalidParameterError("burst must be at least 1")
        self.per_minute = per_minute
        self.burst = burst
        self.replay_per_minute = replay_per_minute
        self.max_retry_after = float(max_retry_after)
        self._clock = clock or Clock()
        self._lock = threading.Lock()
        now = self._clock.monotonic()
        self._buckets = {
            DEFAULT_BUCKET: _Bucket(per_minute / 60.0, float(burst), float(burst), now),
            REPLAY_BUCKET: _Bucket(replay_per_minute / 60.0, 1.0, 1.0, now),
        }

    def __repr__(self) -> str:
        return f"TokenBucket(per_minute={self.per_minute:g}, burst={self.burst})"

    def _bucket(self, name: str) -> _Bucket:
        bucket = self._buckets.get(name)
        if bucket is None:
            now = self._clock.monotonic()
            bucket = self._buckets[name] = _Bucket(self.per_minute / 60.0, float(self.burst), float(self.burst), now)
        return bucket

    accepts_max_wait = True

    def reserve(self, cost: int = 1, bucket: str = DEFAULT_BUCKET, *, max_wait: float | None = None) -> float:
        """Take ``cost`` tokens now and return how long the caller must wait before sending.

        Raises:
            RateLimitError: a ``Retry-After`` longer than ``max_retry_after`` is in force.
            DeadlineExceededError: the wait would exceed ``max_wait`` (nothing is taken then).
        """
        if cost < 0:
            raise InvalidParameterError("cost must not be negative")
        with self._lock:
            b = self._bucket(bucket)
            now = self._clock.monotonic()
            if b.refused_until > now:
                raise refused_error(b.refused_asked, b.refused_until - now, self.max_retry_after, bucket)
            tokens = min(b.capacity, b.tokens + (now - b.updated) * b.rate) - cost
            wait = -tokens / b.rate if tokens < 0 else 0.0
            wait = max(wait, b.blocked_until - now)
            if max_wait is not None and wait > max_wait:
                raise late_error(wait, max_wait)
            b.tokens = tokens
            b.updated = now
        if wait > 0:
            logger.debug("rate limiter: waiting %.3fs (bucket %s, cost %d)", wait, bucket, cost)
        return wait

    def acquire(self, cost: int = 1, bucket: str = DEFAULT_BUCKET, *, max_wait: float | None = None) -> None:
        """Block until ``cost`` requests may be sent from ``bucket`` (errors: see `reserve`)."""
        wait = self.reserve(cost, bucket, max_wait=max_wait)
        if wait > 0:
            self._clock.sleep(wait)

    async def aacquire(self, cost: int = 1, bucket: str = DEFAULT_BUCKET, *, max_wait: float | None = None) -> None:
        """Wait without blocking the event loop until ``cost`` requests may be sent."""
        wait = self.reserve(cost, bucket, max_wait=max_wait)
        if wait > 0:
            await self._clock.asleep(wait)

    def observe(self, headers: Mapping[str, str], bucket: str = DEFAULT_BUCKET) -> None:
        """Slow down when osu! says the budget is nearly spent, and honour ``Retry-After``
        (bounded by ``max_retry_after``; see the class docs)."""
        from .retry import parse_retry_after

        remaining = headers.get("x-ratelimit-remaining")
        block, refused = server_wait(parse_retry_after(headers.get("retry-after")), self.max_retry_after)
        with self._lock:
            b = self._bucket(bucket)
            now = self._clock.monotonic()
            if remaining is not None:
                try:
                    left: float | None = float(remaining)
                except ValueError:
                    left = None
                if left is not None and math.isfinite(left) and left < b.tokens:
                    # The server's count is authoritative: never burst past what it has left.
                    b.tokens = max(left, 0.0)
                    b.updated = now
            if refused is not None:
                b.refused_until = max(b.refused_until, now + block)
                b.refused_asked = refused
                logger.warning(
                    "rate limiter: server asked to wait %.0fs (over max_retry_after %gs); bucket %s fails "
                    "fast for %gs", refused, self.max_retry_after, bucket, block,
                )
            elif block > 0:
                b.blocked_until = max(b.blocked_until, now + block)
                logger.debug("rate limiter: server asked to wait %.1fs (bucket %s)", block, bucket)


class LayeredRateLimiter:
    """A token's own budget under an application-wide cap: a request waits for both.

    osu-web throttles each token on its own (``app/Http/Middleware/ThrottleRequests.php``
    keys the limit on the OAuth token), so an application that many users have
    authorised gets each user's budget. Give every user's client a ``LayeredRateLimiter``
    of that user's bucket and one shared cap for the application, and fan-out across users
    stays inside the policy you choose. osu!'s terms of use allow **60 requests per
    minute** unless osu! has allowed you more; the cap is where you keep to that.

    **Parameters**

    * **token** - this token's (or user's) limiter; it also learns from the responses'
      ``X-RateLimit-*`` and ``Retry-After`` headers, which osu-web counts per token.
    * **app** - the limiter every token shares (a [TokenBucket][osukit.TokenBucket] in one
      process, a `RedisRateLimiter` across machines).

    [ClientPool][osukit.ClientPool] builds these for you with ``per_user_rate_limit=``.
    """

    def __init__(self, token: RateLimiter, app: RateLimiter) -> None:
        self.token = token
        self.app = app

    def __repr__(self) -> str:
        return f"LayeredRateLimiter(token={self.token!r}, app={self.app!r})"

    accepts_max_wait = True

    def acquire(self, cost: int = 1, bucket: str = DEFAULT_BUCKET, *, max_wait: float | None = None) -> None:
        """Wait for the token's budget, then for the application's (both within ``max_wait`` seconds).

        Raises:
            DeadlineExceededError: the two waits together would pass ``max_wait``.
        """
        start = time.monotonic()
        self.token.acquire(cost, bucket, **acquire_kwargs(self.token, max_wait))
        left = None if max_wait is None else max_wait - (time.monotonic() - start)
        self.app.acquire(cost, bucket, **acquire_kwargs(self.app, left))

    async def aacquire(self, cost: int = 1, bucket: str = DEFAULT_BUCKET, *, max_wait: float | None = None) -> None:
        """Wait (without blocking the event loop) for the token's budget, then the application's."""
        start = time.monotonic()
        await self.token.aacquire(cost, bucket, **acquire_kwargs(self.token, max_wait))
        left = None if max_wait is None else max_wait - (time.monotonic() - start)
        await self.app.aacquire(cost, bucket, **acquire_kwargs(self.app, left))

    def observe(self, headers: Mapping[str, str], bucket: str = DEFAULT_BUCKET) -> None:
        """Pass the server's headers to the token's limiter (osu-web counts them per token)."""
        self.token.observe(headers, bucket)
