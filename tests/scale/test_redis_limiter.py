"""RedisRateLimiter against a real redis-server: atomic across threads and processes, buckets,
cost, Retry-After sharing, fallback and raise modes when Redis goes away."""

from __future__ import annotations

import asyncio
import itertools
import logging
import multiprocessing
import os
import signal
import subprocess
import sys
import threading
import time
from concurrent.futures import ThreadPoolExecutor
from typing import Any

import pytest

import osukit
from osukit.contrib.redis import RateLimiterUnavailable, RedisRateLimiter

from ._servers import CountingServer, RedisServer
from ._workers import acquire_times, reserve_slots

TOL = 0.05  # seconds of slack between the Redis server's clock and ours (same machine)
EPS = 0.01  # the script's 6-decimal answers and clock reads

# How these tests stay exact on an idle machine and never fail on a loaded one: Redis computes
# each wait from its own "now", somewhere inside the caller's [before, after] window. Every
# expected wait E (as if all calls happened at the reference call's instant) then bounds the
# real one from both sides: E - (after - reference_before) <= wait <= E. Time passing can only
# refill the bucket (a shorter wait), never lengthen one; on an idle machine the window is a
# few milliseconds wide, so the check is as tight as an exact comparison.


class Timed:
    """Wall-clock window of each call: ``t = Timed(); w = t(limiter.reserve)``."""

    def __init__(self) -> None:
        self.first: float | None = None
        self.after = 0.0

    def __call__(self, fn: Any, *args: Any, **kwargs: Any) -> float:
        before = time.time()
        if self.first is None:
            self.first = before
        result = fn(*args, **kwargs)
        self.after = time.time()
        return float(result or 0.0)

    def since_first(self) -> float:
        assert self.first is not None
        return self.after - self.first


def assert_wait(wait: float, expected: float, elapsed: float) -> None:
    """``wait`` is ``expected`` minus at most the ``elapsed`` seconds since the reference call."""
    assert expected - elapsed - EPS <= wait <= expected + EPS, (
        f"wait {wait:.4f}s, expected {expected:.4f}s (minus at most {elapsed:.4f}s that passed)")


def check_schedule(slots: list[float], start: float, per_minute: float, burst: int) -> None:
    """The k-th slot (0-based) may not come before ``start + (k + 1 - burst) / rate``."""
    rate = per_minute / 60.0
    for k, t in enumerate(sorted(slots)):
        earliest = start + (k + 1 - burst) / rate
        assert t >= earliest - TOL, f"slot {k} at +{t - start:.3f}s, before +{earliest - start:.3f}s"


def certainly_in_window(slots: list[tuple[float, float]], window: float) -> int:
    """The most slots whose whole [low, high] interval fits in one window of ``window`` seconds."""
    lows = sorted(slots)
    best = 0
    for start, _ in lows:
        best = max(best, sum(1 for lo, hi in lows if lo >= start and hi <= start + window))
    return best


def forkserver() -> multiprocessing.context.BaseContext:
    ctx = multiprocessing.get_context("forkserver")
    ctx.set_forkserver_preload(["tests.scale._workers", "osukit", "osukit.contrib.redis", "redis", "httpx"])
    return ctx


def test_burst_then_pace(redis_url: str) -> None:
    limiter = RedisRateLimiter(redis_url, key="pace", per_minute=600, burst=5)
    t = Timed()
    waits = []
    for k in range(10):
        waits.append(t(limiter.reserve))
        assert_wait(waits[-1], max(0, k + 1 - 5) * 0.1, t.since_first())
    assert waits[:5] == [0.0] * 5


def test_many_threads_never_overbook(redis_url: str) -> None:
    per_minute, burst = 1200, 10
    limiter = RedisRateLimiter(redis_url, key="threads", per_minute=per_minute, burst=burst)
    start = time.time()

    def work(_: int) -> list[float]:
        out = []
        for _ in range(25):
            wait = limiter.reserve()
            # the clock read *after* the round trip: a thread descheduled before its call must
            # not make a correct slot look early (Redis computes the wait from its own "now")
            out.append(time.time() + wait)
        return out

    with ThreadPoolExecutor(16) as pool:
        slots = [t for chunk in pool.map(work, range(16)) for t in chunk]
    end = time.time()
    assert len(slots) == 400
    check_schedule(slots, start, per_minute, burst)
    # Nobody was double-booked: the last slot is where 400 sequential reservations put it (no
    # later than that after the last call; time spent reserving can only refill the bucket).
    assert max(slots) <= end + (400 - burst) / 20 + EPS


def test_processes_share_one_budget_reservations(redis_url: str) -> None:
    """4 processes x 100 reservations at 600/min: the combined schedule is exactly one bucket's."""
    per_minute, burst, n = 600, 10, 100
    ctx = forkserver()
    t0 = time.time() + 1.5
    with ctx.Pool(4) as pool:
        results = pool.starmap(reserve_slots, [(redis_url, "procs", per_minute, burst, n, t0)] * 4)
    end = time.time()
    slots = [t for r in results for t in r]
    assert len(slots) == 400
    check_schedule(slots, t0, per_minute, burst)
    assert max(slots) <= end + (400 - burst) / 10 + EPS  # one bucket's schedule, not four


def test_processes_real_clock_within_budget_plus_burst(redis_url: str) -> None:
    """4 processes acquiring for real (sleeping) at 1200/min: in any window of W seconds at most
    burst + rate * W requests are let through, and the combined rate is the budget."""
    per_minute, burst, n = 1200, 5, 20
    ctx = forkserver()
    t0 = time.time() + 1.5
    with ctx.Pool(4) as pool:
        results = pool.starmap(acquire_times, [(redis_url, "real", per_minute, burst, n, t0)] * 4)
    grants = sorted((g for r in results for g in r), key=lambda g: g[1])
    assert len(grants) == 80
    rate = per_minute / 60
    # Each acquire really slept until its slot: it returned no earlier than the slot Redis gave.
    for _, slot_low, _, returned in grants:
        assert returned >= slot_low - TOL
    # The grants (not the return times, which a busy machine can bunch up) respect the bucket:
    # any window of W seconds that certainly holds k slots has k <= burst + rate * W.
    for window in (0.5, 1.0, 2.0):
        assert certainly_in_window([(g[1], g[2]) for g in grants], window) <= burst + rate * window + 1
    # The k-th slot never comes early, and the returns follow (a loaded machine only delays them).
    check_schedule([g[2] for g in grants], t0, per_minute, burst)
    check_schedule([g[3] for g in grants], t0, per_minute, burst)
    # The combined pace is the budget: nobody waited longer than the whole queue of 80 takes.
    assert max(g[2] - g[0] for g in grants) <= (80 - burst) / rate + EPS


def test_replay_bucket_is_separate(redis_url: str) -> None:
    limiter = RedisRateLimiter(redis_url, key="replay", per_minute=600, burst=3, replay_per_minute=10)
    for _ in range(10):
        limiter.reserve()  # drain and overbook the default bucket
    t = Timed()
    assert t(limiter.reserve, bucket="replay") == 0.0  # untouched by the default bucket
    assert_wait(t(limiter.reserve, bucket="replay"), 6.0, t.since_first())  # 10/min, burst 1
    other = RedisRateLimiter(redis_url, key="replay", per_minute=600, burst=3, replay_per_minute=10)
    assert_wait(t(other.reserve, bucket="replay"), 12.0, t.since_first())  # shared across instances
    assert limiter.redis_key("replay") != limiter.redis_key("default")


def test_cost_is_honoured(redis_url: str) -> None:
    limiter = RedisRateLimiter(redis_url, key="cost", per_minute=600, burst=10)
    t = Timed()
    assert t(limiter.reserve, cost=10) == 0.0  # a full burst in one request (ids[] of 10)
    assert_wait(t(limiter.reserve, cost=1), 0.1, t.since_first())
    assert_wait(t(limiter.reserve, cost=5), 0.6, t.since_first())
    assert_wait(t(limiter.reserve, cost=0), 0.6, t.since_first())  # costs nothing, still waits its turn
    with pytest.raises(ValueError):
        limiter.reserve(cost=-1)


async def test_async_and_sync_share_the_bucket(redis_url: str) -> None:
    limiter = RedisRateLimiter(redis_url, key="mixed", per_minute=600, burst=2)
    first = time.time()
    assert await limiter.areserve() == 0.0
    assert limiter.reserve() == 0.0
    wait = await limiter.areserve()
    assert_wait(wait, 0.1, time.time() - first)

    async def slot() -> tuple[float, float]:
        before = time.time()
        wait = await limiter.areserve()
        return before + wait, time.time() + wait  # Redis's "now" lies between: the slot does too

    slots = sorted(await asyncio.gather(*(slot() for _ in range(10))))
    end = time.time()
    # 13 reservations from one burst-2 bucket at 10/s, async and sync alike: slot k (0-based,
    # counting the three above) is never before first + (k + 1 - 2) / 10, and no wait is
    # longer than the whole queue.
    check_schedule([hi for _, hi in slots], first, 600, 2 + 3)
    assert max(hi for _, hi in slots) <= end + (13 - 2) / 10 + EPS
    # and every two slots can be a tenth of a second apart (nobody shares a slot)
    for (lo1, hi1), (lo2, hi2) in itertools.combinations(slots, 2):
        assert max(hi2 - lo1, hi1 - lo2) >= 0.1 - EPS


def test_retry_after_and_remaining_are_shared(redis_url: str) -> None:
    a = RedisRateLimiter(redis_url, key="observe", per_minute=600, burst=10)
    b = RedisRateLimiter(redis_url, key="observe", per_minute=600, burst=10)
    a.observe({"x-ratelimit-remaining": "500"})  # plenty left: no Redis round trip, no change
    assert b.reserve() == 0.0
    t = Timed()
    t(a.observe, {"retry-after": "2"})
    assert_wait(t(b.reserve), 2.1, t.since_first())  # blocked, then paced from the block's end
    c = RedisRateLimiter(redis_url, key="observe2", per_minute=600, burst=10)
    t = Timed()
    t(c.observe, {"x-ratelimit-remaining": "1"})
    assert t(c.reserve) == 0.0
    assert_wait(t(c.reserve), 0.1, t.since_first())


def test_one_line_swap_into_a_client(redis_url: str, api_server: CountingServer) -> None:
    limiter = RedisRateLimiter(redis_url, key="client", per_minute=600, burst=3)
    with osukit.Client(access_token="x" * 24, base_url=api_server.base_url, rate_limit=limiter) as osu:
        assert osu.rate_limiter is limiter
        start = time.monotonic()
        for _ in range(6):
            osu.request("GET", "api/v2/me")
        assert time.monotonic() - start >= 0.28  # 3 free, then 0.1 s apart
    assert api_server.counts["api"] == 6


# --- Redis going away --------------------------------------------------------------------------


def test_fallback_when_redis_is_stopped_mid_run(own_redis: RedisServer, caplog: pytest.LogCaptureFixture) -> None:
    caplog.set_level(logging.DEBUG, logger="osukit")
    limiter = RedisRateLimiter(own_redis.url, key="fb", per_minute=1200, burst=8, retry_interval=0.3,
                               socket_timeout=0.3)
    assert limiter.reserve() == 0.0
    assert not limiter.degraded
    own_redis.stop()  # connection refused from now on
    start = time.monotonic()
    waits = [limiter.reserve() for _ in range(12)]
    elapsed = time.monotonic() - start
    assert elapsed < 10  # no hang (a refused connection fails at once; 10 s is for a loaded machine)
    assert limiter.degraded
    # Local bucket at 0.25 of the budget: 300/min (5/s), burst floor(8 * 0.25) = 2.
    assert waits[:2] == [0.0, 0.0]
    assert_wait(waits[-1], 10 / 5, elapsed)
    warnings = [r for r in caplog.records if r.levelno == logging.WARNING]
    assert len(warnings) == 1 and "unreachable" in warnings[0].getMessage()
    own_redis.start()  # same port, a fresh (full) shared bucket
    time.sleep(0.35)
    # Back on Redis; the first reservation also pays for the ~9 local slots still pending
    # (burst 8 at 20/s: a short wait instead of none).
    t = Timed()
    wait = t(limiter.reserve)
    assert not limiter.degraded
    assert 0.0 < wait < 0.3
    assert_wait(t(limiter.reserve), wait + 0.05, t.since_first())
    assert limiter.outages == 1


def test_hand_over_respects_requests_already_queued_in_redis(own_redis: RedisServer) -> None:
    """Slots reserved in Redis before the outage still go out: the local bucket starts after them."""
    limiter = RedisRateLimiter(own_redis.url, key="handover", per_minute=600, burst=2, socket_timeout=0.3)
    t = Timed()
    waits = [t(limiter.reserve) for _ in range(11)]
    last_before = time.monotonic()
    waits.append(t(limiter.reserve))  # the 12th: queued 1 s ahead in Redis
    last_after = time.monotonic()
    assert_wait(waits[-1], 1.0, t.since_first())
    # The limiter noted the end of its Redis queue at some instant of that last call.
    queue_end = (last_before + waits[-1], last_after + waits[-1])
    own_redis.stop()
    # 150/min locally: 0.4 s apart, no burst, starting after the Redis queue. The local bucket
    # runs on the monotonic clock: slot k lies in [before + wait, after + wait] of its call,
    # and must be queue_end + 0.4 k.
    for k in range(1, 4):
        before = time.monotonic()
        wait = limiter.reserve()
        after = time.monotonic()
        lo, hi = queue_end[0] + 0.4 * k, queue_end[1] + 0.4 * k
        assert before + wait - EPS <= hi and lo <= after + wait + EPS, (k, before + wait - queue_end[0])


def test_fallback_when_redis_hangs_does_not_hang_and_loses_no_token(own_redis: RedisServer) -> None:
    """SIGSTOP the server (it accepts nothing and answers nothing): every call gives up after the
    socket timeout, requests go on at the fallback rate, and the stored token survives."""
    from osukit.contrib.redis import RedisTokenStore
    from osukit.tokens import Token

    store = RedisTokenStore(own_redis.url, socket_timeout=0.3)
    token = Token(access_token="stored-token-abcdef", expires_at=time.time() + 3600, scopes=("public",))
    store.save("k", token)
    limiter = RedisRateLimiter(own_redis.url, key="hang", per_minute=600, burst=4, retry_interval=60,
                               socket_timeout=0.3)
    limiter.reserve()
    assert own_redis.proc is not None
    os.kill(own_redis.proc.pid, signal.SIGSTOP)
    try:
        start = time.monotonic()
        limiter.reserve()  # pays one socket timeout, then falls back
        assert time.monotonic() - start < 10  # not a hang (0.3 s socket timeout; 10 s for a loaded machine)
        assert limiter.degraded
        attempts: list[Any] = []
        real_eval = limiter._eval_sync

        def counting(*args: Any) -> Any:
            attempts.append(args)
            return real_eval(*args)

        limiter._eval_sync = counting  # type: ignore[method-assign]
        limiter.reserve()  # no Redis attempt until retry_interval passes
        assert attempts == []
        with pytest.raises(osukit.TokenStoreError):
            store.load("k")  # an error, never a silent "no token"
        with pytest.raises(osukit.TokenStoreError):
            store.save("k", token)
    finally:
        os.kill(own_redis.proc.pid, signal.SIGCONT)
    loaded = store.load("k")
    assert loaded is not None and loaded.access_token == "stored-token-abcdef"


async def test_async_client_keeps_going_when_redis_dies(own_redis: RedisServer, api_server: CountingServer) -> None:
    limiter = RedisRateLimiter(own_redis.url, key="aclient", per_minute=1200, burst=4, socket_timeout=0.3)
    async with osukit.AsyncClient(access_token="x" * 24, base_url=api_server.base_url, rate_limit=limiter,
                                  http_backend="httpx") as osu:
        await osu.request("GET", "api/v2/me")
        own_redis.stop()
        start = time.monotonic()
        for _ in range(3):
            await osu.request("GET", "api/v2/me")
        assert time.monotonic() - start < 15  # no hang (refused connections fail at once)
        assert limiter.degraded
    assert api_server.counts["api"] == 4


def test_raise_mode(own_redis: RedisServer, api_server: CountingServer) -> None:
    limiter = RedisRateLimiter(own_redis.url, key="raise", on_redis_error="raise", socket_timeout=0.3)
    limiter.acquire()
    own_redis.stop()
    with pytest.raises(RateLimiterUnavailable) as info:
        limiter.acquire()
    assert isinstance(info.value, osukit.TransportError)
    assert "could not be reached" in str(info.value) and "not sent" in str(info.value)
    with osukit.Client(access_token="x" * 24, base_url=api_server.base_url, rate_limit=limiter, retry=False) as osu:
        with pytest.raises(RateLimiterUnavailable):
            osu.request("GET", "api/v2/me")
    assert api_server.counts.get("api", 0) == 0

    async def go() -> None:
        with pytest.raises(RateLimiterUnavailable):
            await limiter.aacquire()

    asyncio.run(go())


def test_password_never_shown() -> None:
    limiter = RedisRateLimiter("redis://user:hunter2-secret@127.0.0.1:1/0", key="x")
    assert "hunter2" not in repr(limiter)


def test_import_osukit_does_not_need_redis() -> None:
    code = "import sys, osukit; osukit.Client; assert 'redis' not in sys.modules, 'redis imported'"
    subprocess.run([sys.executable, "-c", code], check=True)


def test_missing_extra_is_clear(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setitem(sys.modules, "redis", None)
    with pytest.raises(osukit.MissingExtraError) as info:
        RedisRateLimiter("redis://127.0.0.1:1/0", key="x")
    assert "Redis rate limiter" in str(info.value) and "osukit[redis]" in str(info.value)
    assert isinstance(info.value, ImportError)


def test_validation() -> None:
    with pytest.raises(ValueError):
        RedisRateLimiter("redis://127.0.0.1:1/0", key="x", per_minute=5000)
    with pytest.raises(ValueError):
        RedisRateLimiter("redis://127.0.0.1:1/0", key="x", on_redis_error="ignore")  # type: ignore[arg-type]
    with pytest.raises(ValueError):
        RedisRateLimiter("redis://127.0.0.1:1/0", key="")
    assert isinstance(RedisRateLimiter("redis://127.0.0.1:1/0", key="x"), osukit.RateLimiter)


def test_threads_during_outage_are_thread_safe(own_redis: RedisServer) -> None:
    limiter = RedisRateLimiter(own_redis.url, key="tfb", per_minute=1200, burst=8, socket_timeout=0.3)
    own_redis.stop()
    barrier = threading.Barrier(8)

    def work() -> float:
        barrier.wait()
        return max(limiter.reserve() for _ in range(5))

    start = time.monotonic()
    with ThreadPoolExecutor(8) as pool:
        waits = list(pool.map(lambda _: work(), range(8)))
    # 40 reservations on the local 300/min, burst-2 bucket: the last one waits (40 - 2) / 5 s.
    assert_wait(max(waits), 38 / 5, time.monotonic() - start)
    assert limiter.outages == 1
