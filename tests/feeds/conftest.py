"""Fixtures for the feed, tracking and cache tests: an emulator of their own whose live world
moves only when a fake clock sleeps (the feed's waits become virtual time on the server)."""

from __future__ import annotations

import asyncio
import threading
from collections.abc import Iterator
from typing import Any

import httpx
import pytest

from osukit import Clock


class LiveClock(Clock):
    """A fake clock; each sleep also moves the emulator's live world forward by as long."""

    def __init__(self, base_url: str | None = None, start: float = 1_800_000_000.0) -> None:
        self.base_url = base_url
        self.now = start
        self.mono = 1000.0
        self.slept = 0.0
        self.sleeps: list[float] = []
        self._lock = threading.Lock()

    def monotonic(self) -> float:
        return self.mono

    def time(self) -> float:
        return self.now

    def advance(self, seconds: float) -> None:
        with self._lock:
            self.now += seconds
            self.mono += seconds
            self.slept += seconds
        if self.base_url is not None and seconds > 0:
            r = httpx.post(f"{self.base_url}/_emulator/live/advance", json={"seconds": seconds}, timeout=60)
            r.raise_for_status()

    def sleep(self, seconds: float) -> None:
        self.sleeps.append(seconds)
        if seconds > 0:
            self.advance(seconds)

    async def asleep(self, seconds: float) -> None:
        self.sleeps.append(seconds)
        if seconds > 0:
            await asyncio.to_thread(self.advance, seconds)
        await asyncio.sleep(0)


@pytest.fixture(scope="module")
def emu() -> Iterator[Any]:
    from osukit.emulator import Emulator

    with Emulator(seed=3) as server:
        yield server


@pytest.fixture
def live(emu: Any) -> Iterator[Any]:
    """The module's emulator, its live world reset (fresh dataset, no score rate)."""
    httpx.post(f"{emu.base_url}/_emulator/reset", timeout=30).raise_for_status()
    yield emu


def control(emu: Any, what: str, **body: Any) -> dict[str, Any]:
    r = httpx.post(f"{emu.base_url}/_emulator/{what}", json=body, timeout=60)
    r.raise_for_status()
    return r.json() if r.content else {}


def passed_ids(emu: Any) -> list[int]:
    """Every passing score id the emulator holds, in order (read in-process)."""
    from osukit.emulator.live import live_of

    return list(live_of(emu.state).passed_ids())


def route_count(emu: Any, uri: str) -> int:
    """How many requests the emulator served for the osu-web route ``uri`` (any method)."""
    return sum(n for key, n in emu.stats()["by_route"].items() if key.endswith(" " + uri))


def redis_url(request: pytest.FixtureRequest) -> str:
    """The URL of a redis-server started for this test (stopped after it); skips without redis."""
    pytest.importorskip("redis")
    from tests.scale._servers import RedisServer, redis_available

    if not redis_available():
        pytest.skip("redis-server is not installed")
    server = RedisServer()
    server.start()
    request.addfinalizer(server.close)
    return server.url
