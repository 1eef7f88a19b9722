"""The token-bucket limiter under a simulated clock."""

from __future__ import annotations

import asyncio
import threading

import pytest

from osukit import NoRateLimit, TokenBucket

from .conftest import FakeClock


@pytest.mark.parametrize("per_minute", [60, 120, 1200])
def test_sustained_rate_within_2_percent_and_never_above_bucket(per_minute: int) -> None:
    clock = FakeClock()
    burst = 10
    limiter = TokenBucket(per_minute, burst=burst, clock=clock)
    start = clock.monotonic()
    sent: list[float] = []
    # send for five simulated minutes
    while clock.monotonic() - start < 300:
        limiter.acquire()
        sent.append(clock.monotonic() - start)
    in_first_minute = [t for t in sent if t < 60]
    # never above the bucket: any 60 s window holds at most per_minute + burst
    j = 0
    for i, t in enumerate(sent):
        while sent[j] < t - 60:
            j += 1
        assert i - j + 1 <= per_minute + burst
    assert len(in_first_minute) <= per_minute + burst
    # sustained rate after the burst within 2% of the configuration
    steady = [t for t in sent if t >= 60]
    rate = (len(steady) - 1) / (steady[-1] - steady[0]) * 60
    assert abs(rate - per_minute) / per_minute < 0.02


def test_cost_takes_that_many_tokens() -> None:
    clock = FakeClock()
    limiter = TokenBucket(60, burst=10, clock=clock)
    limiter.acquire(10)  # the whole burst
    limiter.acquire(5)  # five more seconds at 1/s
    assert clock.sleeps == [pytest.approx(5.0)]


def test_replay_bucket_is_separate() -> None:
    clock = FakeClock()
    limiter = TokenBucket(1200, burst=50, replay_per_minute=10, clock=clock)
    limiter.acquire(bucket="replay")
    limiter.acquire(bucket="replay")
    assert clock.sleeps == [pytest.approx(6.0)]
    limiter.acquire()  # the default bucket is untouched
    assert len(clock.sleeps) == 1


def test_server_headers_slow_down_and_retry_after_blocks() -> None:
    clock = FakeClock()
    limiter = TokenBucket(60, burst=10, clock=clock)
    limiter.observe({"x-ratelimit-remaining": "0"})
    limiter.acquire()
    assert clock.sleeps == [pytest.approx(1.0)]
    limiter.observe({"retry-after": "30"})
    limiter.acquire()
    assert clock.sleeps[-1] == pytest.approx(30.0, abs=1.0)


def test_concurrent_threads_and_coroutines_share_the_budget() -> None:
    clock = FakeClock()
    limiter = TokenBucket(600, burst=5, clock=clock)
    waits: list[float] = []
    lock = threading.Lock()

    def worker() -> None:
        for _ in range(10):
            w = limiter.reserve()
            with lock:
                waits.append(w)

    threads = [threading.Thread(target=worker) for _ in range(8)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    # 80 reservations at 10/s after a burst of 5: the last waits (80-5)/10 s
    assert max(waits) == pytest.approx(7.5, abs=0.05)

    async def main() -> None:
        await asyncio.gather(*(limiter.aacquire() for _ in range(20)))

    asyncio.run(main())


def test_validation() -> None:
    with pytest.raises(ValueError):
        TokenBucket(0)
    with pytest.raises(ValueError, match="1200"):
        TokenBucket(5000)
    with pytest.raises(ValueError):
        TokenBucket(60, burst=0)
    assert repr(NoRateLimit()) == "NoRateLimit()"
    NoRateLimit().acquire(100)
