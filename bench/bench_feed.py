"""The live score feed: delivery latency (virtual time) and client CPU per 1,000 scores.

The emulator runs in its own process; its live world makes scores at ``--rate`` per
virtual second and moves only when the feed sleeps (a fake clock posts each wait to
``/_emulator/live/advance``), so latency is measured on the virtual clock the scores
are stamped with: delivery time minus ``ended_at``. CPU is this process's CPU time
spent in the feed (the advance calls excluded), per 1,000 scores delivered, as a
ratio to plainly paging through the same scores with ``scores.recent()`` (the
reference, measured in the same run): the feed's own cost is the difference.

Run: python bench/bench_feed.py [--scores 20000] [--rates 1,10,50]

Each rate runs twice: the position saved after every score (the default) and once a page.
"""

from __future__ import annotations

import argparse
import datetime as dt
import os
import socket
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path
from typing import Any

import httpx

import osukit
from osukit import Clock
from osukit.contrib.sqlite import SqliteCheckpointStore
from osukit.emulator.dataset import BASE_TIME


class RecordingStore(SqliteCheckpointStore):
    """Remembers the first cursor saved (the head the feed started at), for the reference run."""

    first_cursor: str | None = None

    def save(self, key: str, state: dict[str, Any]) -> None:
        if self.first_cursor is None and state.get("cursor"):
            self.first_cursor = state["cursor"]
        super().save(key, state)


class VirtualClock(Clock):
    """Time moves only on sleeps; each sleep moves the emulator's live world as far."""

    def __init__(self, base: str) -> None:
        self.base = base
        self.now = BASE_TIME.timestamp()
        self.mono = 0.0
        self.advance_cpu = 0.0
        self._lock = threading.Lock()

    def monotonic(self) -> float:
        return self.mono

    def time(self) -> float:
        return self.now

    def sleep(self, seconds: float) -> None:
        if seconds <= 0:
            return
        cpu = time.process_time()
        httpx.post(f"{self.base}/_emulator/live/advance", json={"seconds": seconds}, timeout=120).raise_for_status()
        self.advance_cpu += time.process_time() - cpu
        with self._lock:
            self.now += seconds
            self.mono += seconds


def start_emulator() -> tuple[subprocess.Popen[str], str, str, str]:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    proc = subprocess.Popen([sys.executable, "-m", "osukit.emulator", "--port", str(port), "--seed", "5"],
                            stdout=subprocess.PIPE, text=True)
    line = proc.stdout.readline() if proc.stdout else ""
    client_id = line.split("client_id=")[1].split()[0]
    secret = line.split("client_secret=")[1].split()[0]
    base = f"http://127.0.0.1:{port}"
    for _ in range(200):
        try:
            httpx.get(f"{base}/_emulator/live", timeout=5)
            break
        except httpx.TransportError:
            time.sleep(0.05)
    return proc, base, client_id, secret


def run(base: str, client_id: str, secret: str, rate: float, count: int, every: int) -> dict[str, float]:
    httpx.post(f"{base}/_emulator/reset", timeout=60).raise_for_status()
    httpx.post(f"{base}/_emulator/live/config", json={"score_rate": rate}, timeout=60).raise_for_status()
    clock = VirtualClock(base)
    latencies: list[float] = []
    with tempfile.TemporaryDirectory() as tmp:
        store = RecordingStore(Path(tmp) / "feed.db")
        with osukit.Client(client_id=client_id, client_secret=secret, base_url=base, rate_limit=0, clock=clock) as osu:
            osu.users.get(2)  # token and connection warm
            cpu0 = time.process_time()
            with osu.scores.follow(checkpoint=store, checkpoint_every=every) as feed:
                for n, score in enumerate(feed, 1):
                    assert isinstance(score, osukit.models.scores.Score)
                    ended = score.ended_at
                    assert isinstance(ended, dt.datetime)
                    latencies.append(clock.now - ended.timestamp())
                    if n >= count:
                        break
            feed_cpu = time.process_time() - cpu0 - clock.advance_cpu
            polls = feed.polls
            # The reference: page through the same scores again, no feed logic, no checkpoint.
            cpu1 = time.process_time()
            seen = 0
            for page in osu.scores.recent(limit=None, cursor=store.first_cursor).pages():
                seen += len(page.items)
                if seen >= count or not page.next_cursor:
                    break
            ref_cpu = (time.process_time() - cpu1) / max(seen, 1) * count
    latencies.sort()
    return {
        "rate": rate,
        "every": every,
        "polls": polls,
        "p50": statistics.median(latencies),
        "p95": latencies[int(len(latencies) * 0.95) - 1],
        "max": latencies[-1],
        "cpu_ms_per_1000": feed_cpu / count * 1000 * 1000,
        "ref_cpu_ms_per_1000": ref_cpu / count * 1000 * 1000,
    }


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--scores", type=int, default=20_000)
    parser.add_argument("--rates", default="1,10,50")
    args = parser.parse_args()
    proc, base, client_id, secret = start_emulator()
    try:
        print(f"{'scores/s':>9} {'ckpt every':>10} {'polls':>6} {'p50 s':>7} {'p95 s':>7} {'max s':>7} {'CPU ms/1000':>12} "
              f"{'paging ms/1000':>15} {'ratio':>6}")
        for rate, every in ((float(r), e) for r in args.rates.split(",") for e in (1, 1000)):
            count = args.scores if rate >= 10 else min(args.scores, 2000)
            r = run(base, client_id, secret, rate, count, every)
            print(f"{r['rate']:>9g} {r['every']:>10.0f} {r['polls']:>6.0f} {r['p50']:>7.1f} {r['p95']:>7.1f} {r['max']:>7.1f} "
                  f"{r['cpu_ms_per_1000']:>12.1f} {r['ref_cpu_ms_per_1000']:>15.1f} "
                  f"{r['cpu_ms_per_1000'] / r['ref_cpu_ms_per_1000']:>6.2f}")
    finally:
        proc.terminate()
        proc.wait()
    print(f"(python {sys.version.split()[0]}, {os.cpu_count()} CPUs; latency on the emulator's virtual clock, "
          "which does not model osu-web's 5 s answer cache)")


if __name__ == "__main__":
    main()
