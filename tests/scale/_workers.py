"""Code that runs in worker processes (importable, so forkserver/spawn can start it)."""

from __future__ import annotations

import asyncio
import time
from typing import Any


def wait_until(t0: float) -> None:
    delay = t0 - time.time()
    if delay > 0:
        time.sleep(delay)


def reserve_slots(url: str, key: str, per_minute: float, burst: int, n: int, t0: float) -> list[float]:
    """Reserve ``n`` slots (no sleeping) and return their wall-clock times."""
    from osukit.contrib.redis import RedisRateLimiter

    limiter = RedisRateLimiter(url, key=key, per_minute=per_minute, burst=burst)
    wait_until(t0)
    out = []
    for _ in range(n):
        wait = limiter.reserve()
        out.append(time.time() + wait)
    return out


def acquire_times(
    url: str, key: str, per_minute: float, burst: int, n: int, t0: float
) -> list[tuple[float, float, float, float]]:
    """Acquire ``n`` times for real (sleeping). For each: (before the call, the granted slot's
    earliest and latest possible wall time, when acquire returned). Redis picks the slot from
    its own "now", which lies between the reserve round trip's two ends."""
    from osukit.contrib.redis import RedisRateLimiter

    limiter = RedisRateLimiter(url, key=key, per_minute=per_minute, burst=burst)
    window: list[float] = []
    real_reserve = limiter.reserve

    def reserve(*args: Any, **kwargs: Any) -> float:
        before = time.time()
        wait = real_reserve(*args, **kwargs)
        window[:] = [before + wait, time.time() + wait]
        return wait

    limiter.reserve = reserve  # type: ignore[method-assign]
    wait_until(t0)
    out = []
    for _ in range(n):
        before = time.time()
        limiter.acquire()
        out.append((before, window[0], window[1], time.time()))
    return out


def single_flight(redis_url: str, base_url: str, coroutines: int, t0: float) -> list[str]:
    """One process: ``coroutines`` concurrent callers over one expired token in the Redis store."""
    import osukit
    from osukit.contrib.redis import RedisTokenStore

    async def main() -> list[str]:
        store = RedisTokenStore(redis_url)
        async with osukit.AsyncClient(
            client_id=4242, client_secret="s3cret-s3cret", base_url=base_url, token_store=store,
            rate_limit=0, http_backend="httpx",
        ) as osu:
            wait_until(t0)
            tokens = await asyncio.gather(*(osu.get_token() for _ in range(coroutines)))
            await osu.request("GET", "api/v2/me")
            return [t.access_token for t in tokens]

    return asyncio.run(main())


def expired_token_key() -> str:
    from osukit.auth import ClientCredentials

    return ClientCredentials(4242, "s3cret-s3cret").store_key


def noop(*args: Any) -> None:
    return None
