"""The response cache from the async client: SQLite and Redis never block the event loop
(SQLite in a worker thread, Redis over redis.asyncio), hits still skip the server, and a
user's own sync backend runs in a thread."""

from __future__ import annotations

import asyncio
import threading
import time
from pathlib import Path
from typing import Any

import pytest

import osukit
from osukit.cache import (
    AsyncCacheBackend,
    AsyncRedisCacheBackend,
    MemoryCacheBackend,
    ResponseCache,
    SqliteCacheBackend,
)

from .conftest import LiveClock, redis_url, route_count


def _ranked(emu: Any) -> int:
    return next(b["id"] for b in emu.state.world.beatmaps.values() if b["status"] == "ranked")


def _aclient(emu: Any, cache: Any, clock: LiveClock | None = None, **kw: Any) -> osukit.AsyncClient:
    return osukit.AsyncClient(client_id=emu.client_id, client_secret=emu.client_secret, base_url=emu.base_url,
                              rate_limit=0, cache=cache, clock=clock or LiveClock(), **kw)


def _sync_calls_forbidden(backend: Any, monkeypatch: pytest.MonkeyPatch) -> None:
    """The sync backend's own methods may not run on the event loop's thread."""
    loop_thread = threading.get_ident()
    for name in ("get", "set", "clear"):
        original = getattr(backend, name)

        def guarded(*args: Any, _original: Any = original, _name: str = name) -> Any:
            assert threading.get_ident() != loop_thread, f"{_name} ran on the event loop"
            return _original(*args)

        monkeypatch.setattr(backend, name, guarded)


@pytest.mark.parametrize("kind", ["sqlite", "redis"])
def test_async_hits_skip_the_server_without_blocking_the_loop(live: Any, tmp_path: Path, kind: str,
                                                              request: pytest.FixtureRequest,
                                                              monkeypatch: pytest.MonkeyPatch) -> None:
    ranked = _ranked(live)
    backend: Any = SqliteCacheBackend(tmp_path / "c.db") if kind == "sqlite" else None
    if kind == "redis":
        from osukit.cache import RedisCacheBackend

        backend = RedisCacheBackend(redis_url(request))
    cache = ResponseCache(backend)
    clock = LiveClock()

    async def run() -> list[Any]:
        if kind == "sqlite":  # SQLite goes to a worker thread
            _sync_calls_forbidden(backend, monkeypatch)
        else:  # Redis goes through redis.asyncio: the sync client is not used at all
            for name in ("get", "set"):
                monkeypatch.setattr(backend._redis, name, lambda *a, **k: pytest.fail("sync Redis call"))
        async with _aclient(live, cache, clock) as osu:
            got = [await osu.beatmaps.get(ranked) for _ in range(5)]
            got += await asyncio.gather(*(osu.beatmaps.get(ranked) for _ in range(5)))
        return got

    live.reset_stats()
    got = asyncio.run(run())
    assert all(b == got[0] for b in got)
    assert route_count(live, "api/v2/beatmaps/{beatmap}") == 1
    assert cache.stats() == {"hits": 9, "misses": 1, "stores": 1}
    expected = AsyncRedisCacheBackend if kind == "redis" else type(SqliteCacheBackend(tmp_path / "c.db").for_async())
    assert isinstance(cache.async_backend, expected) and isinstance(cache.async_backend, AsyncCacheBackend)
    # a second event loop (a connection belongs to its loop), and lifetimes on the fake clock
    monkeypatch.undo()

    async def again() -> None:
        async with _aclient(live, cache, clock) as osu:
            await osu.beatmaps.get(ranked)
            clock.advance(86401)
            await osu.beatmaps.get(ranked)

    asyncio.run(again())
    assert route_count(live, "api/v2/beatmaps/{beatmap}") == 2
    assert cache.stats() == {"hits": 10, "misses": 2, "stores": 2}
    # the entries are the same ones a sync client reads
    with osukit.Client(client_id=live.client_id, client_secret=live.client_secret, base_url=live.base_url,
                       rate_limit=0, cache=cache, clock=clock) as sync_osu:
        sync_osu.beatmaps.get(ranked)
    assert route_count(live, "api/v2/beatmaps/{beatmap}") == 2


class SlowBackend:
    """A user's own sync backend whose calls block for a while (a slow disk, a far server)."""

    def __init__(self, ticks: list[int]) -> None:
        self.inner = MemoryCacheBackend()
        self.ticks = ticks
        self.ticked_during: list[int] = []
        self.threads: set[int] = set()

    def _slow(self) -> None:
        self.threads.add(threading.get_ident())
        before = self.ticks[0]
        time.sleep(0.4)
        self.ticked_during.append(self.ticks[0] - before)

    def get(self, key: str, now: float) -> bytes | None:
        self._slow()
        return self.inner.get(key, now)

    def set(self, key: str, value: bytes, expires_at: float, now: float) -> None:
        self._slow()
        self.inner.set(key, value, expires_at, now)

    def clear(self) -> None:
        self.inner.clear()


def test_a_slow_sync_backend_runs_in_a_thread_and_the_loop_keeps_ticking(live: Any) -> None:
    ranked = _ranked(live)
    ticks = [0]
    slow = SlowBackend(ticks)
    cache = ResponseCache(slow)

    async def run() -> int:
        stop = asyncio.Event()

        async def ticker() -> None:
            while not stop.is_set():
                ticks[0] += 1
                await asyncio.sleep(0.005)

        task = asyncio.create_task(ticker())
        async with _aclient(live, cache) as osu:
            await osu.beatmaps.get(ranked)  # miss: get + set
            await osu.beatmaps.get(ranked)  # hit: get
        stop.set()
        await task
        return threading.get_ident()

    live.reset_stats()
    loop_thread = asyncio.run(run())
    assert cache.stats() == {"hits": 1, "misses": 1, "stores": 1}
    assert route_count(live, "api/v2/beatmaps/{beatmap}") == 1
    assert len(slow.ticked_during) == 3 and loop_thread not in slow.threads
    # each 0.4 s call let the ticker run (it would not tick at all with the loop blocked)
    assert all(n >= 2 for n in slow.ticked_during), slow.ticked_during


class AsyncOnlyBackend:
    """An `AsyncCacheBackend` of the user's own."""

    def __init__(self) -> None:
        self.data: dict[str, tuple[float, bytes]] = {}
        self.awaited = 0

    async def get(self, key: str, now: float) -> bytes | None:
        self.awaited += 1
        await asyncio.sleep(0)
        item = self.data.get(key)
        return item[1] if item and item[0] > now else None

    async def set(self, key: str, value: bytes, expires_at: float, now: float) -> None:
        self.awaited += 1
        self.data[key] = (expires_at, value)

    async def clear(self) -> None:
        self.data.clear()


def test_an_async_backend_serves_async_clients_and_refuses_sync_ones(live: Any) -> None:
    ranked = _ranked(live)
    backend = AsyncOnlyBackend()
    cache = ResponseCache(backend)
    assert cache.async_backend is backend

    async def run() -> None:
        async with _aclient(live, cache) as osu:
            for _ in range(3):
                await osu.beatmaps.get(ranked)
            await cache.aclear()

    live.reset_stats()
    asyncio.run(run())
    assert backend.awaited == 4 and cache.stats() == {"hits": 2, "misses": 1, "stores": 1}
    assert route_count(live, "api/v2/beatmaps/{beatmap}") == 1
    with osukit.Client(client_id=live.client_id, client_secret=live.client_secret, base_url=live.base_url,
                       rate_limit=0, cache=backend) as osu, pytest.raises(osukit.ConfigurationError, match="async"):
        osu.beatmaps.get(ranked)


def test_async_redis_backend_closes_its_idle_connections_with_the_client(live: Any,
                                                                        request: pytest.FixtureRequest) -> None:
    ranked = _ranked(live)
    backend = AsyncRedisCacheBackend(redis_url(request), prefix="t:")
    cache = ResponseCache(backend)

    async def run() -> tuple[int, int]:
        async with _aclient(live, cache) as osu:
            await osu.beatmaps.get(ranked)
            await osu.beatmaps.get(ranked)
            pool = backend._client().connection_pool
            opened = sum(c.is_connected for c in pool._available_connections)
        return opened, sum(c.is_connected for c in pool._available_connections)

    opened, after = asyncio.run(run())
    assert opened >= 1 and after == 0  # closed with the client: no "unclosed Connection" later
    assert cache.stats() == {"hits": 1, "misses": 1, "stores": 1}
