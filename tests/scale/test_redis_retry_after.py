"""RedisRateLimiter bounds what it shares from Retry-After (issue 16, High): the Redis key's TTL
is bounded, a too-long wait makes every process fail at once instead of sleeping, and
non-finite values are ignored. Sleeps go through a fake clock: nothing here waits for real."""

from __future__ import annotations

import asyncio
import datetime as dt
from email.utils import format_datetime

import pytest

import osukit
from osukit.contrib.redis import RedisRateLimiter

from ..core.conftest import FakeClock

DATE_2099 = format_datetime(dt.datetime(2099, 1, 1, tzinfo=dt.timezone.utc), usegmt=True)


def _ttl_ms(redis_url: str, key: str) -> int:
    import redis

    client = redis.Redis.from_url(redis_url)
    try:
        return int(client.pttl(key))
    finally:
        client.close()


@pytest.mark.parametrize("value", ["1000000000", DATE_2099, "3600"])
def test_huge_retry_after_is_bounded_in_redis_and_fails_fast_everywhere(redis_url: str, value: str) -> None:
    clock = FakeClock()
    first = RedisRateLimiter(redis_url, key="bomb", per_minute=600, burst=5, clock=clock)
    first.observe({"retry-after": value})
    # The TTL is bounded: max_retry_after (120 s) + a full refill (5 tokens at 10/s) + a minute.
    ttl = _ttl_ms(redis_url, first.redis_key())
    assert 0 < ttl <= (120 + 0.5 + 60) * 1000 + 1000, ttl
    # A fresh process (another limiter, another clock) fails at once instead of sleeping decades.
    fresh_clock = FakeClock()
    fresh = RedisRateLimiter(redis_url, key="bomb", per_minute=600, burst=5, clock=fresh_clock)
    with pytest.raises(osukit.RateLimitError, match="max_retry_after") as info:
        fresh.acquire()
    assert info.value.retry_after is not None and 0 < info.value.retry_after <= 120.5
    assert fresh_clock.sleeps == []

    async def run() -> None:
        with pytest.raises(osukit.RateLimitError):
            await asyncio.wait_for(fresh.aacquire(), 10)

    asyncio.run(run())
    assert fresh_clock.sleeps == []
    first.close()
    fresh.close()


@pytest.mark.parametrize("value", ["inf", "nan", "-inf", "garbage", "-5"])
def test_unusable_retry_after_changes_nothing_in_redis(redis_url: str, value: str) -> None:
    clock = FakeClock()
    limiter = RedisRateLimiter(redis_url, key="junk", per_minute=600, burst=5, clock=clock)
    limiter.observe({"retry-after": value})
    assert _ttl_ms(redis_url, limiter.redis_key()) == -2  # no key written at all
    limiter.acquire()

    async def run() -> None:
        await asyncio.wait_for(limiter.aacquire(), 10)

    asyncio.run(run())
    assert clock.sleeps == []
    limiter.close()


def test_retry_after_within_the_bound_is_shared_and_slept(redis_url: str) -> None:
    clock = FakeClock()
    a = RedisRateLimiter(redis_url, key="ok", per_minute=600, burst=5, clock=clock)
    a.observe({"retry-after": "30"})
    b_clock = FakeClock()
    b = RedisRateLimiter(redis_url, key="ok", per_minute=600, burst=5, clock=b_clock)
    b.acquire()
    assert len(b_clock.sleeps) == 1 and 29 < b_clock.sleeps[0] <= 30.5
    assert _ttl_ms(redis_url, a.redis_key()) <= (30 + 1 + 60) * 1000 + 1000
    a.close()
    b.close()


def test_max_wait_takes_nothing_when_it_would_be_late(redis_url: str) -> None:
    limiter = RedisRateLimiter(redis_url, key="late", per_minute=60, burst=1, clock=FakeClock())
    assert limiter.reserve() == 0.0
    with pytest.raises(osukit.DeadlineExceededError):
        limiter.reserve(max_wait=0.5)  # the next slot is ~1 s away
    # nothing was taken by the refused reservation: the next one is still ~1 s away, not ~2 s
    assert limiter.reserve() <= 1.05
    limiter.close()


def test_local_fallback_bounds_too(redis_url: str) -> None:
    clock = FakeClock()
    limiter = RedisRateLimiter("redis://127.0.0.1:1/0", key="down", per_minute=600, burst=4, clock=clock,
                               socket_timeout=0.2)
    limiter.observe({"retry-after": "1000000000"})
    with pytest.raises(osukit.RateLimitError):
        limiter.acquire()
    assert clock.sleeps == []
    limiter.close()
