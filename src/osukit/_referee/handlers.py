"""Running a handler's result: awaited by the async client, run to completion by the sync one."""

from __future__ import annotations

import asyncio
import inspect
from typing import Any

__all__ = ["asettle", "settle"]


async def asettle(result: Any) -> None:
    """Await ``result`` when a handler returned an awaitable (an ``async def`` handler)."""
    if inspect.isawaitable(result):
        await result


def settle(result: Any) -> None:
    """The sync client's twin of ``asettle``: an ``async def`` handler runs on a short-lived loop in
    the calling thread."""
    if inspect.isawaitable(result):
        async def wait() -> None:
            await result

        asyncio.run(wait())
