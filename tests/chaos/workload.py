"""The chaos workload: both clients page, batch and look up through injected faults; figures come back.

Used by ``tests/chaos`` (short, in CI) and ``bench/bench_chaos.py`` (longer, by hand).
"""

from __future__ import annotations

import asyncio
import time
from collections import Counter
from typing import Any

import osukit
from osukit.emulator import Emulator

FAULTS = {"error_rate": 0.08, "error_statuses": [500, 502, 503], "rate_limit_rate": 0.04, "retry_after": 0,
          "drop_rate": 0.03, "truncate_rate": 0.03, "malformed_rate": 0.02, "latency_ms": 0.0}

# 500 is not retried by default (it usually means a bug); a tracker that wants to ride out
# flaky servers says so in its policy.
POLICY = osukit.RetryPolicy(max_retries=10, initial_delay=0.005, max_delay=0.05,
                            retry_statuses=frozenset({429, 500, 502, 503, 504}))


def run(emu: Emulator, *, faults: dict[str, Any] | None, rounds: int = 1, seed: int = 7) -> dict[str, Any]:
    """Run the workload once; return what was expected, delivered, raised and counted."""
    emu.reset_stats()
    if faults:
        emu.set_faults(**faults, seed=seed)
    else:
        emu.clear_faults()
    world = emu.state.world
    expected = {
        "beatmapsets": sorted(world.beatmapsets),
        "posts": sorted(world.topics[next(iter(world.topics))]["post_ids"]),
        "users": sorted(world.users),
        "messages": sorted(m["message_id"] for m in world.messages if m["channel_id"] == 5),
    }
    delivered: dict[str, list[int]] = {k: [] for k in expected}
    errors: Counter[str] = Counter()
    kw = {"client_id": emu.client_id, "client_secret": emu.client_secret, "base_url": emu.base_url,
          "rate_limit": 0, "retry": POLICY}
    user_token = emu.mint_token(emu.dataset["test_user_id"], ["public", "identify", "chat.read"])["access_token"]
    start = time.perf_counter()
    for _ in range(rounds):
        with osukit.Client(**kw) as sync:
            try:
                delivered["beatmapsets"] += [b.id for b in sync.beatmapsets.search(category="any", limit=None)]
            except osukit.OsukitError as exc:
                errors[type(exc).__name__] += 1
            try:
                delivered["users"] += [u.id for u in sync.users.get_many(expected["users"]) if u is not None]
            except osukit.OsukitError as exc:
                errors[type(exc).__name__] += 1

        async def async_part() -> None:
            async with osukit.AsyncClient(**kw) as aio:
                try:
                    delivered["posts"].extend([p.id async for p in aio.forums.posts(next(iter(world.topics)), page_size=9)])
                except osukit.OsukitError as exc:
                    errors[type(exc).__name__] += 1
            async with osukit.AsyncClient(base_url=emu.base_url, access_token=user_token, rate_limit=0, retry=POLICY) as aio:
                try:
                    delivered["messages"].extend([m.message_id async for m in aio.chat.messages(5, limit=None)])
                except osukit.OsukitError as exc:
                    errors[type(exc).__name__] += 1

        asyncio.run(async_part())
    elapsed = time.perf_counter() - start
    stats = emu.stats()
    emu.clear_faults()
    return {
        "expected": {k: len(v) * rounds for k, v in expected.items()},
        "delivered": {k: len(v) for k, v in delivered.items()},
        "exact": all(sorted(delivered[k]) == sorted(expected[k] * rounds) for k in expected),
        "duplicates": {k: len(v) - len(set(v)) * 1 for k, v in delivered.items()} if rounds == 1 else {},
        "errors": dict(errors),
        "requests": stats["requests"],
        "faults": dict(stats["faults"]),
        "seconds": round(elapsed, 3),
    }
