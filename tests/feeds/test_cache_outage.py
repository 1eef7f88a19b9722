"""Cache counts while Redis is down: ``stores`` counts only the entries Redis really took."""

from __future__ import annotations

import asyncio
from collections.abc import Iterator
from typing import Any

import pytest

import osukit
from osukit.cache import AsyncRedisCacheBackend, RedisCacheBackend, ResponseCache

from .conftest import LiveClock, route_count


@pytest.fixture
def redis_server() -> Iterator[Any]:
    pytest.importorskip("redis")
    from tests.scale._servers import RedisServer, redis_available

    if not redis_available():
        pytest.skip("redis-server is not installed")
    server = RedisServer()
    server.start()
    yield server
    server.close()


def _ranked(emu: Any, n: int) -> list[int]:
    w = emu.state.world
    return [b["id"] for b in w.beatmaps.values() if b["status"] == "ranked"][:n]


def _client(emu: Any, cache: ResponseCache, cls: Any = osukit.Client) -> Any:
    return cls(client_id=emu.client_id, client_secret=emu.client_secret, base_url=emu.base_url, rate_limit=0,
               clock=LiveClock(), cache=cache)


def test_stores_are_not_counted_while_redis_is_down_sync(live: Any, redis_server: Any) -> None:
    a, b, c = _ranked(live, 3)
    cache = ResponseCache(RedisCacheBackend(redis_server.url, retry_after=0, socket_timeout=2))
    live.reset_stats()
    with _client(live, cache) as osu:
        osu.beatmaps.get(a)
        assert cache.stats() == {"hits": 0, "misses": 1, "stores": 1}
        redis_server.stop()
        osu.beatmaps.get(b)  # a miss (Redis is down) and nothing stored
        osu.beatmaps.get(b)  # still down: a request again, still nothing stored
        assert cache.stats() == {"hits": 0, "misses": 3, "stores": 1}
        redis_server.start()  # back on the same port
        osu.beatmaps.get(c)
        osu.beatmaps.get(c)
    assert cache.stats() == {"hits": 1, "misses": 4, "stores": 2}
    assert route_count(live, "api/v2/beatmaps/{beatmap}") == 4


def test_stores_are_not_counted_while_redis_is_down_async(live: Any, redis_server: Any) -> None:
    a, b = _ranked(live, 2)
    url = redis_server.url
    cache = ResponseCache(AsyncRedisCacheBackend(url, retry_after=0, socket_timeout=2))

    async def run() -> None:
        async with _client(live, cache, osukit.AsyncClient) as osu:
            await osu.beatmaps.get(a)
            assert cache.stats() == {"hits": 0, "misses": 1, "stores": 1}
            redis_server.stop()
            await osu.beatmaps.get(b)
            await osu.beatmaps.get(b)

    asyncio.run(run())
    assert cache.stats() == {"hits": 0, "misses": 3, "stores": 1}


def test_a_redis_that_never_answered_stores_nothing(live: Any) -> None:
    pytest.importorskip("redis")
    from tests.scale._servers import free_port

    a, b = _ranked(live, 2)
    url = f"redis://127.0.0.1:{free_port()}/0"  # nothing listens there
    sync_cache = ResponseCache(RedisCacheBackend(url, socket_timeout=2))
    with _client(live, sync_cache) as osu:
        osu.beatmaps.get(a)
        osu.beatmaps.get(b)
    assert sync_cache.stats() == {"hits": 0, "misses": 2, "stores": 0}
    # the cache a redis:// URL makes, seen from the async client (redis.asyncio)
    url_cache = osukit.cache.as_response_cache(url)
    assert url_cache is not None

    async def run() -> None:
        async with _client(live, url_cache, osukit.AsyncClient) as osu:
            await osu.beatmaps.get(a)
            await osu.beatmaps.get(b)

    asyncio.run(run())
    assert url_cache.stats() == {"hits": 0, "misses": 2, "stores": 0}
