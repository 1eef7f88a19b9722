"""Time, behind a small object so tests can replace it (a fake clock makes backoff tests instant)."""

from __future__ import annotations

import time
from collections.abc import Callable
from typing import Any, TypeVar

T = TypeVar("T")

__all__ = ["Clock", "SystemClock"]


class Clock:
    """Monotonic time and sleeping, sync and async. Subclass to fake time in tests."""

    def monotonic(self) -> float:
        """Seconds on a monotonic clock."""
        return time.monotonic()

    def time(self) -> float:
        """Seconds since the epoch (used for token expiry, which is stored)."""
        return time.time()

    def sleep(self, seconds: float) -> None:
        """Block for ``seconds``."""
        if seconds > 0:
            time.sleep(seconds)

    async def asleep(self, seconds: float) -> None:
        """Suspend for ``seconds``."""
        import asyncio

        await asyncio.sleep(max(seconds, 0))

    def run_blocking(self, fn: Callable[..., T], *args: Any) -> T:
        """Run a blocking function (the sync client simply calls it)."""
        return fn(*args)

    async def arun_blocking(self, fn: Callable[..., T], *args: Any) -> T:
        """Run a blocking function in a worker thread so the event loop keeps going."""
        import asyncio

        return await asyncio.to_thread(fn, *args)


SystemClock = Clock
