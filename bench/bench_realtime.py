"""End-to-end chat latency: REST send -> websocket event, over loopback, against the emulator.

Run: python bench/bench_realtime.py [--messages 200]

One user listens with :class:`osukit.realtime.AsyncChatStream`; another sends messages one at a
time with ``client.chat.send`` (``POST chat/channels/{id}/messages``). Each latency is the time
from just before the send call to the moment the stream yields the matching ``chat.message.new``
(matched by content; the event may arrive before the HTTP response, as on osu!). Prints median,
p95 and max. Both clients run in this process on one event loop with client-side rate limiting
off; the emulator runs in-process too, so the figure is osukit + emulator + loopback, not osu!.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import statistics
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "examples"))

from _common import emulator

from osukit.realtime import MessageEvent


def percentile(values: list[float], q: float) -> float:
    ordered = sorted(values)
    index = min(len(ordered) - 1, max(0, round(q * (len(ordered) - 1))))
    return ordered[index]


async def bench(n: int, warmup: int) -> dict[str, float]:
    with emulator() as setup:
        listener = setup.user_client(setup.bot_user_id)
        sender = setup.user_client(setup.other_user_id)
        async with listener, sender:
            for client, uid in ((listener, setup.bot_user_id), (sender, setup.other_user_id)):
                with contextlib.suppress(Exception):
                    await client.chat.join(setup.channel_id, uid)
            waiters: dict[str, asyncio.Future[float]] = {}
            async with listener.chat_stream(url=setup.notify_url, keepalive=None) as stream:

                async def consume() -> None:
                    async for event in stream:
                        if isinstance(event, MessageEvent):
                            now = time.perf_counter()
                            for message in event.messages:
                                waiter = waiters.pop(message.content, None)
                                if waiter is not None and not waiter.done():
                                    waiter.set_result(now)

                consumer = asyncio.create_task(consume())
                latencies: list[float] = []
                loop = asyncio.get_running_loop()
                for i in range(warmup + n):
                    text = f"bench {i} {time.time_ns()}"
                    waiter: asyncio.Future[float] = loop.create_future()
                    waiters[text] = waiter
                    started = time.perf_counter()
                    await sender.chat.send(setup.channel_id, text)
                    got = await asyncio.wait_for(waiter, 5)
                    if i >= warmup:
                        latencies.append((got - started) * 1000)
                consumer.cancel()
                with contextlib.suppress(asyncio.CancelledError):
                    await consumer
    return {
        "n": float(len(latencies)),
        "median": statistics.median(latencies),
        "p95": percentile(latencies, 0.95),
        "max": max(latencies),
        "min": min(latencies),
    }


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--messages", type=int, default=200)
    parser.add_argument("--warmup", type=int, default=10)
    args = parser.parse_args()
    result = asyncio.run(bench(args.messages, args.warmup))
    print(
        f"REST send -> websocket event, {int(result['n'])} messages over loopback (emulator): "
        f"median {result['median']:.2f} ms, p95 {result['p95']:.2f} ms, "
        f"min {result['min']:.2f} ms, max {result['max']:.2f} ms"
    )
    return 0


if __name__ == "__main__":
    sys.exit(main())
