"""The chaos workload: both clients page, batch, crawl and run a chat bot through injected faults;
figures come back.

Used by ``tests/chaos`` (short, in CI) and ``bench/bench_chaos.py`` (longer, by hand).
"""

from __future__ import annotations

import asyncio
import dataclasses
import json
import tempfile
import time
from collections import Counter
from pathlib import Path
from typing import Any

import httpx

import osukit
from osukit.bot import Bot, Context
from osukit.emulator import Emulator
from osukit.realtime import ReconnectPolicy
from osukit.retry import IDEMPOTENT_METHODS

FAULTS = {"error_rate": 0.08, "error_statuses": [500, 502, 503], "rate_limit_rate": 0.04, "retry_after": 0,
          "drop_rate": 0.03, "truncate_rate": 0.03, "malformed_rate": 0.02, "latency_ms": 0.0,
          "spike_rate": 0.02, "spike_ms": 600}

# A latency spike (600 ms) outlasts this read timeout, so spikes become client timeouts to retry.
TIMEOUT = httpx.Timeout(5.0, read=0.4)
CHAT_CHANNEL = 5
CHAT_MESSAGES = 12

# 500 is not retried by default (it usually means a bug); a tracker that wants to ride out
# flaky servers says so in its policy.
POLICY = osukit.RetryPolicy(max_retries=10, initial_delay=0.005, max_delay=0.05,
                            retry_statuses=frozenset({429, 500, 502, 503, 504}))
# The emulator injects status faults, 429s and drops *before* it handles a request, so the chat
# sender may retry its POSTs here (against osu! a retried send can post twice). Whatever the
# server stored is the truth the bot's deliveries are checked against.
SEND_POLICY = dataclasses.replace(POLICY, methods=IDEMPOTENT_METHODS | {"POST"})


async def _chat_bot_part(emu: Emulator, delivered: dict[str, list[int]], errors: Counter[str], *,
                         ws_faults: bool) -> list[int]:
    """A bot receives a burst of messages over the websocket while REST faults hit its catch-up
    requests and its connection is dropped once and stalled once. Returns the ids the server
    stored (the messages the bot must see, each once, in order)."""
    data = emu.dataset
    scopes = ["chat.read", "chat.write", "chat.write_manage", "identify", "public"]
    bot_token = emu.mint_token(data["bot_user_id"], scopes)["access_token"]
    sender_token = emu.mint_token(data["test_user_id"], scopes)["access_token"]
    common = {"base_url": emu.base_url, "rate_limit": 0, "timeout": TIMEOUT}
    async with osukit.AsyncClient(access_token=bot_token, retry=POLICY, **common) as bot_client, \
            osukit.AsyncClient(access_token=sender_token, retry=SEND_POLICY, **common) as sender, \
            httpx.AsyncClient(base_url=emu.base_url) as control:
        bot = Bot(bot_client, url=emu.notify_url, channels=[CHAT_CHANNEL], keepalive=None,
                  bot_user_id=data["bot_user_id"], reconnect=ReconnectPolicy(initial=0.05, maximum=0.5),
                  ping_interval=0.3, ping_timeout=0.3)
        received: list[int] = []

        @bot.on_message
        async def collect(ctx: Context) -> None:
            if ctx.channel_id == CHAT_CHANNEL and ctx.sender_id == data["test_user_id"]:
                received.append(ctx.message.message_id)

        runner = asyncio.create_task(bot.start())
        try:
            await bot.wait_ready(20)
            with_faults_from = max((m["message_id"] for m in emu.state.world.messages), default=0)
            for i in range(CHAT_MESSAGES):
                try:
                    await sender.chat.send(CHAT_CHANNEL, f"chaos {i}")
                except osukit.OsukitError as exc:
                    errors[f"chat send: {type(exc).__name__}"] += 1
                if ws_faults and i == CHAT_MESSAGES // 3:
                    await control.post("/_emulator/ws/drop")
                elif ws_faults and i == 2 * CHAT_MESSAGES // 3:
                    # Stall the bot's socket, not a gap: on a loaded machine the reconnect after the
                    # drop above may still be under way, so wait for a live socket first.
                    live_by = time.monotonic() + 20
                    while not any(emu.state.sockets.values()) and time.monotonic() < live_by:
                        await asyncio.sleep(0.05)
                    # 3 s: long enough that the bot's ping (0.3 s, timeout 0.3 s) finds the dead link and it
                    # reconnects and catches up even on a loaded machine; with 1 s the link could come back
                    # before a late ping timed out, and the events sent meanwhile were never asked for again.
                    await control.post("/_emulator/ws/stall", json={"seconds": 3.0})
            stored = [m["message_id"] for m in emu.state.world.messages
                      if m["message_id"] > with_faults_from and m["channel_id"] == CHAT_CHANNEL
                      and m["sender_id"] == data["test_user_id"]]
            deadline = time.monotonic() + 20
            while len(received) < len(stored) and time.monotonic() < deadline:
                await asyncio.sleep(0.05)
            await asyncio.sleep(0.1)  # a late duplicate would show up here
        finally:
            await bot.stop()
            await runner
        delivered["chat_bot"] += received
        return stored


def _read_jsonl_ids(path: Path) -> list[int]:
    return [json.loads(line)["id"] for line in path.read_text().splitlines() if line.strip()]


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
        "messages": sorted(m["message_id"] for m in world.messages if m["channel_id"] == CHAT_CHANNEL),
        "crawl_users": sorted(world.users),
        "crawl_beatmapsets": sorted(world.beatmapsets),
    }
    delivered: dict[str, list[int]] = {k: [] for k in expected}
    errors: Counter[str] = Counter()
    kw = {"client_id": emu.client_id, "client_secret": emu.client_secret, "base_url": emu.base_url,
          "rate_limit": 0, "retry": POLICY, "timeout": TIMEOUT}
    chat_expected: list[int] = []
    delivered["chat_bot"] = []
    scratch = tempfile.TemporaryDirectory(prefix="osukit-chaos-")  # removed at the end (or when collected)
    workdir = Path(scratch.name)
    user_token = emu.mint_token(emu.dataset["test_user_id"], ["public", "identify", "chat.read"])["access_token"]
    start = time.perf_counter()
    expected_all: dict[str, list[int]] = {k: [] for k in expected}
    for _ in range(rounds):
        # chat history grows as the bot part posts: what a round must list is what is there now
        expected["messages"] = sorted(m["message_id"] for m in world.messages if m["channel_id"] == CHAT_CHANNEL)
        for k, v in expected.items():
            expected_all[k] += v
        with osukit.Client(**kw) as sync:
            try:
                delivered["beatmapsets"] += [b.id for b in sync.beatmapsets.search(category="any", limit=None)]
            except osukit.OsukitError as exc:
                errors[type(exc).__name__] += 1
            try:
                delivered["users"] += [u.id for u in sync.users.get_many(expected["users"]) if u is not None]
            except osukit.OsukitError as exc:
                errors[type(exc).__name__] += 1
            # a checkpointed crawl over ids (50 a request, 3 in flight) into a JSON Lines file
            out = workdir / f"users-{len(delivered['crawl_users'])}.jsonl"
            try:
                sync.crawl(sync.users.get_batch, ids=expected["crawl_users"], chunk_size=7, concurrency=3,
                           checkpoint=out.with_suffix(".ckpt"), progress=False).to_jsonl(out)
            except osukit.OsukitError as exc:
                errors[type(exc).__name__] += 1
            delivered["crawl_users"] += _read_jsonl_ids(out) if out.exists() else []

        async def async_part() -> None:
            async with osukit.AsyncClient(**kw) as aio:
                try:
                    delivered["posts"].extend([p.id async for p in aio.forums.posts(next(iter(world.topics)), page_size=9)])
                except osukit.OsukitError as exc:
                    errors[type(exc).__name__] += 1
                # a checkpointed crawl over a cursor-paginated listing
                out = workdir / f"sets-{len(delivered['crawl_beatmapsets'])}.jsonl"
                try:
                    await aio.crawl(lambda cursor: aio.beatmapsets.search(category="any", cursor=cursor, limit=None),
                                    checkpoint=out.with_suffix(".ckpt"), progress=False).to_jsonl(out)
                except osukit.OsukitError as exc:
                    errors[type(exc).__name__] += 1
                delivered["crawl_beatmapsets"] += _read_jsonl_ids(out) if out.exists() else []
            async with osukit.AsyncClient(base_url=emu.base_url, access_token=user_token, rate_limit=0, retry=POLICY,
                                          timeout=TIMEOUT) as aio:
                try:
                    delivered["messages"].extend([m.message_id async for m in aio.chat.messages(CHAT_CHANNEL, limit=None)])
                except osukit.OsukitError as exc:
                    errors[type(exc).__name__] += 1

        asyncio.run(async_part())
        chat_expected += asyncio.run(_chat_bot_part(emu, delivered, errors, ws_faults=bool(faults)))
    elapsed = time.perf_counter() - start
    scratch.cleanup()
    stats = emu.stats()
    emu.clear_faults()
    expected_all["chat_bot"] = chat_expected
    return {
        "expected": {k: len(v) for k, v in expected_all.items()},
        "delivered": {k: len(v) for k, v in delivered.items()},
        # listings: the same multiset (none lost, none twice); the bot: the same ids in the same order
        "exact": all(sorted(delivered[k]) == sorted(expected_all[k]) for k in expected)
        and delivered["chat_bot"] == chat_expected,
        "mismatch": _mismatch(delivered, expected_all, chat_expected),
        "errors": dict(errors),
        "requests": stats["requests"],
        "faults": dict(stats["faults"]),
        "seconds": round(elapsed, 3),
    }


def _mismatch(delivered: dict[str, list[Any]], expected: dict[str, list[Any]], chat: list[Any]) -> dict[str, Any]:
    """What differs, per part: ids lost, ids delivered twice or unasked (and the bot's order)."""
    from collections import Counter

    out: dict[str, Any] = {}
    for k, want in expected.items():
        got = Counter(delivered.get(k, []))
        exp = Counter(want)
        if got != exp:
            out[k] = {"lost": sorted((exp - got).elements())[:10], "extra": sorted((got - exp).elements())[:10]}
    if delivered.get("chat_bot") != chat and "chat_bot" not in out:
        out["chat_bot"] = {"order": [delivered.get("chat_bot", [])[:20], chat[:20]]}
    return out
