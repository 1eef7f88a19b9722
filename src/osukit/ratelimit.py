"""Client-side rate limiting: stay inside osu!'s budget instead of hitting 429s.

A limiter is anything with the [`RateLimiter`][osukit.RateLimiter] methods; the default is an
in-process [`TokenBucket`][osukit.TokenBucket] at 60 requests/minute (osu!'s terms of use)
with a small burst and a separate 10/minute bucket for replay downloads.
``osukit.contrib.redis`` provides one that many processes share.
"""

from __future__ import annotations

import threading
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Protocol, runtime_checkable

from ._clock import Clock
from ._constants import DEFAULT_BURST, DEFAULT_RATE_LIMIT, REPLAY_RATE_LIMIT, SERVER_RATE_LIMIT
from ._exceptions import InvalidParameterError
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


class NoRateLimit:
    """A limiter that never waits (for the emulator, tests, or your own throttling)."""

    def acquire(self, cost: int = 1, bucket: str = DEFAULT_BUCKET) -> None:
        return None

    async def aacquire(self, cost: int = 1, bucket: str = DEFAULT_BUCKET) -> None:
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


class TokenBucket:
    """A thread-safe token bucket shared by every request of one client (or pool).

    **Parameters**

    * **per_minute** - sustained requests per minute (default 60; osu-web allows up to 1200).
    * **burst** - requests that may go out back to back before the pace applies.
    * **replay_per_minute** - the separate replay-download bucket (osu-web: 10/minute).

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
        clock: Clock | None = None,
    ) -> None:
        if per_minute <= 0:
            raise InvalidParameterError("per_minute must be positive (use NoRateLimit() to disable limiting)")
        if per_minute > SERVER_RATE_LIMIT:
            raise InvalidParameterError(f"per_minute {per_minute} exceeds osu-web's limit of {SERVER_RATE_LIMIT}/min")
        if burst < 1:
            raise InvalidParameterError("burst must be at least 1")
        self.per_minute = per_minute
        self.burst = burst
        self.replay_per_minute = replay_per_minute
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

    def reserve(self, cost: int = 1, bucket: str = DEFAULT_BUCKET) -> float:
        """Take ``cost`` tokens now and return how long the caller must wait before sending."""
        if cost < 0:
            raise InvalidParameterError("cost must not be negative")
        with self._lock:
            b = self._bucket(bucket)
            now = self._clock.monotonic()
            b.tokens = min(b.capacity, b.tokens + (now - b.updated) * b.rate)
            b.updated = now
            b.tokens -= cost
            wait = -b.tokens / b.rate if b.tokens < 0 else 0.0
            wait = max(wait, b.blocked_until - now)
        if wait > 0:
            logger.debug("rate limiter: waiting %.3fs (bucket %s, cost %d)", wait, bucket, cost)
        return wait

    def acquire(self, cost: int = 1, bucket: str = DEFAULT_BUCKET) -> None:
        """Block until ``cost`` requests may be sent from ``bucket``."""
        wait = self.reserve(cost, bucket)
        if wait > 0:
            self._clock.sleep(wait)

    async def aacquire(self, cost: int = 1, bucket: str = DEFAULT_BUCKET) -> None:
        """Wait without blocking the event loop until ``cost`` requests may be sent."""
        wait = self.reserve(cost, bucket)
        if wait > 0:
            await self._clock.asleep(wait)

    def observe(self, headers: Mapping[str, str], bucket: str = DEFAULT_BUCKET) -> None:
        """Slow down when osu! says the budget is nearly spent, and honour ``Retry-After``."""
        from .retry import parse_retry_after

        remaining = headers.get("x-ratelimit-remaining")
        retry_after = parse_retry_after(headers.get("retry-after"))
        with self._lock:
            b = self._bucket(bucket)
            now = self._clock.monotonic()
            if remaining is not None:
                try:
                    left = float(remaining)
                except ValueError:
                    left = None
                if left is not None and left < b.tokens:
                    # The server's count is authoritative: never burst past what it has left.
                    b.tokens = max(left, 0.0)
                    b.updated = now
            if retry_after is not None and retry_after > 0:
                b.blocked_until = max(b.blocked_until, now + retry_after)
                logger.debug("rate limiter: server asked to wait %.1fs (bucket %s)", retry_after, bucket)


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
      process, a [RedisRateLimiter][osukit.contrib.redis.RedisRateLimiter] across machines).

    [ClientPool][osukit.ClientPool] builds these for you with ``per_user_rate_limit=``.
    """

    def __init__(self, token: RateLimiter, app: RateLimiter) -> None:
        self.token = token
        self.app = app

    def __repr__(self) -> str:
        return f"LayeredRateLimiter(token={self.token!r}, app={self.app!r})"

    def acquire(self, cost: int = 1, bucket: str = DEFAULT_BUCKET) -> None:
        """Wait for the token's budget, then for the application's."""
        self.token.acquire(cost, bucket)
        self.app.acquire(cost, bucket)

    async def aacquire(self, cost: int = 1, bucket: str = DEFAULT_BUCKET) -> None:
        """Wait (without blocking the event loop) for the token's budget, then the application's."""
        await self.token.aacquire(cost, bucket)
        await self.app.aacquire(cost, bucket)

    def observe(self, headers: Mapping[str, str], bucket: str = DEFAULT_BUCKET) -> None:
        """Pass the server's headers to the token's limiter (osu-web counts them per token)."""
        self.token.observe(headers, bucket)
