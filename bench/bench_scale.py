"""Scale-out figures: a shared Redis rate limit, distributed single-flight, crawls that get killed,
and Redis going away mid-run.

    python bench/bench_scale.py                   # everything, against the emulator when it exists
    python bench/bench_scale.py --target fake     # against a loopback fake server (tests/scale/_servers.py)
    python bench/bench_scale.py --only limiter --duration 60

Needs ``redis-server`` on PATH (a throwaway instance is started on a free loopback port)
and ``osukit[redis]``. Never contacts osu.ppy.sh.

Figures:

1. **shared limiter** - 4 worker processes x 4 threads, each process with its own
   ``Client(rate_limit=RedisRateLimiter(url, key=..., per_minute=120))``, hammer a server
   whose own limit is 120/min for ``--duration`` seconds. Reported: requests the server
   saw inside the window, 429s, the busiest 60 s, throughput as a share of the budget.
   A control run (``--control``) gives each process its own in-process TokenBucket at
   120/min instead - the thing the shared limiter replaces.
2. **single-flight** - 50 processes x 20 coroutines over one expired token in a
   RedisTokenStore: ``/oauth/token`` requests (and the same without the store's lock).
3. **crawl with kills** - 10,000 items, the crawl process SIGKILLed three times at random
   moments and restarted: items written, duplicates, pages fetched again.
4. **Redis outage** - as 1, but Redis is frozen (SIGSTOP: it neither answers nor refuses)
   for the middle third of the run: per-phase rates, 429s, the slowest request, the stored
   token afterwards.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import multiprocessing
import os
import random
import signal
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "src"))

from tests.scale._servers import CountingServer, RedisServer  # noqa: E402

BUDGET = 120  # requests per minute, shared
WORKERS = 4
THREADS = 4
ROUTE = "api/v2/users/2"


# --- targets ----------------------------------------------------------------------------------


class FakeTarget:
    """tests/scale/_servers.CountingServer with a strict sliding-window 120/min throttle."""

    name = "loopback fake server (strict sliding window)"
    client_id = 1
    client_secret = "fake-secret-value"
    route = ROUTE

    def __init__(self, rate_limit: int | None) -> None:
        self.server = CountingServer(rate_limit=rate_limit)
        self.server.__enter__()
        self.base_url = self.server.base_url

    def configure(self, rate_limit: int | None) -> None:
        self.server.rate_limit = rate_limit
        self.server._admitted.clear()

    def stats(self) -> dict[str, int]:
        c = self.server.counts
        return {"requests": c.get("api", 0), "429": c.get("429", 0), "token": c.get("token", 0)}

    def times(self) -> list[float] | None:
        return list(self.server.times)

    def close(self) -> None:
        self.server.__exit__()


class EmulatorTarget:
    """osukit.emulator.Emulator with its own throttle at 120/min (a per-token bucket)."""

    name = "osukit.emulator"

    def __init__(self, rate_limit: int | None) -> None:
        from osukit.emulator import Emulator

        self.emu = Emulator(seed=0, rate_limit=rate_limit)
        self.emu.__enter__()
        self.base_url = self.emu.base_url
        self.client_id = self.emu.client_id
        self.client_secret = self.emu.client_secret
        self.route = f"api/v2/users/{self.emu.dataset['test_user_id']}"

    def configure(self, rate_limit: int | None) -> None:
        self.emu.configure(rate_limit=rate_limit)

    def stats(self) -> dict[str, int]:
        raw = self.emu.stats()
        throttled = int(raw.get("rate_limited", 0))
        api = sum(raw.get("by_route", {}).values())  # counted before the throttle answers
        return {"requests": api - throttled, "429": throttled, "token": sum(raw.get("token_requests", {}).values())}

    def times(self) -> list[float] | None:
        return None

    def close(self) -> None:
        self.emu.__exit__(None, None, None)


def make_target(kind: str, rate_limit: int | None) -> Any:
    if kind in ("auto", "emulator"):
        try:
            return EmulatorTarget(rate_limit)
        except ImportError:
            if kind == "emulator":
                raise
            print("(osukit.emulator is not available: using the loopback fake server)")
    return FakeTarget(rate_limit)


# --- workers (run in their own processes) -------------------------------------------------------


def hammer(redis_url: str, base_url: str, client_id: Any, secret: str, start: float, until: float,
           shared: bool, burst: int, key: str, per_minute: float, route: str) -> dict[str, Any]:
    """One process: THREADS threads sending requests through one client until ``until``."""
    import logging

    import osukit
    from osukit.contrib.redis import RedisRateLimiter, RedisTokenStore

    logging.basicConfig(level=logging.WARNING, format=f"[worker {os.getpid()}] %(message)s")
    limiter: Any = (RedisRateLimiter(redis_url, key=key, per_minute=per_minute, burst=burst) if shared
                    else osukit.TokenBucket(per_minute, burst=burst))
    store = RedisTokenStore(redis_url, socket_timeout=1.0)
    sent: list[float] = []
    slowest = 0.0
    errors: dict[str, int] = {}
    lock = threading.Lock()
    with osukit.Client(client_id=client_id, client_secret=secret, base_url=base_url, rate_limit=limiter,
                       token_store=store, retry=0) as osu:
        osu.get_token()  # before the window: one /oauth/token request for all processes (shared store)
        time.sleep(max(0.0, start - time.time()))

        def loop() -> None:
            nonlocal slowest
            while time.time() < until:
                start = time.monotonic()
                try:
                    osu.request("GET", route)
                    err = None
                except osukit.NotFoundError:
                    err = None
                except osukit.OsukitError as exc:
                    err = type(exc).__name__
                took = time.monotonic() - start
                with lock:
                    slowest = max(slowest, took)
                    if err:
                        errors[err] = errors.get(err, 0) + 1
                    else:
                        sent.append(time.time())

        threads = [threading.Thread(target=loop) for _ in range(THREADS)]
        for t in threads:
            t.start()
        for t in threads:
            t.join()
    degraded = getattr(limiter, "outages", 0)
    return {"sent": sent, "slowest": slowest, "errors": errors, "outages": degraded}


def single_flight_worker(redis_url: str, base_url: str, client_id: Any, secret: str, t0: float,
                         locked: bool) -> int:
    import osukit
    from osukit.contrib.redis import RedisTokenStore

    store: Any = RedisTokenStore(redis_url)
    if not locked:
        class Unlocked(RedisTokenStore):
            refresh_lock = None  # type: ignore[assignment]
            arefresh_lock = None  # type: ignore[assignment]

        store = Unlocked(redis_url)

    async def main() -> int:
        async with osukit.AsyncClient(client_id=client_id, client_secret=secret, base_url=base_url,
                                      token_store=store, rate_limit=0, http_backend="httpx") as osu:
            await asyncio.sleep(max(0.0, t0 - time.time()))
            tokens = await asyncio.gather(*(osu.get_token() for _ in range(20)))
            return len({t.access_token for t in tokens})

    return asyncio.run(main())


# --- figures ----------------------------------------------------------------------------------


def busiest_window(times: list[float], window: float = 60.0) -> int:
    times = sorted(times)
    best = j = 0
    for i, t in enumerate(times):
        while times[j] <= t - window:
            j += 1
        best = max(best, i - j + 1)
    return best


def pool(n: int) -> Any:
    ctx = multiprocessing.get_context("forkserver")
    ctx.set_forkserver_preload(["osukit", "osukit.contrib.redis", "redis", "httpx"])
    return ctx.Pool(n)


def figure_limiter(redis: RedisServer, target: Any, duration: float, burst: int, shared: bool,
                   outage: bool = False, per_minute: float = BUDGET) -> dict[str, Any]:
    target.configure(BUDGET)
    key = f"bench-{time.time_ns()}"
    before = target.stats()
    seen_before = len(target.times() or [])
    start = time.time() + 4.0  # let the workers start and get their token
    until = start + duration
    args = [(redis.url, target.base_url, target.client_id, target.client_secret, start, until, shared, burst, key,
             per_minute, target.route)]
    with pool(WORKERS) as p:
        async_result = p.starmap_async(hammer, args * WORKERS)
        phases: list[tuple[str, float, float]] = []
        if outage:
            third = duration / 3
            time.sleep(max(0.0, start + third - time.time()))
            assert redis.proc is not None
            os.kill(redis.proc.pid, signal.SIGSTOP)
            time.sleep(max(0.0, start + 2 * third - time.time()))
            os.kill(redis.proc.pid, signal.SIGCONT)
            phases = [("before", start, start + third), ("redis frozen", start + third, start + 2 * third),
                      ("after", start + 2 * third, until)]
        time.sleep(max(0.0, until - time.time()))
        at_deadline = target.stats()
        results = async_result.get(timeout=duration + 120)
    after = target.stats()
    sent = sorted(t for r in results for t in r["sent"])
    server_times = target.times()
    in_window = at_deadline["requests"] - before["requests"]
    out: dict[str, Any] = {
        "shared": shared,
        "limiter_per_minute": per_minute,
        "server_limit_per_minute": BUDGET,
        "duration_s": duration,
        "burst": burst,
        "requests_in_window": in_window,
        "requests_total_incl_backlog": after["requests"] - before["requests"],
        "budget_for_window": BUDGET * duration / 60,
        "throughput_per_min": round(in_window / duration * 60, 1),
        "throughput_vs_budget_pct": round(100 * in_window / (BUDGET * duration / 60), 1),
        "http_429": after["429"] - before["429"],
        "token_requests": after["token"] - before["token"],
        "busiest_60s_client_side": busiest_window(sent, 60.0),
        "slowest_request_s": round(max(r["slowest"] for r in results), 2),
        "client_errors": {k: sum(r["errors"].get(k, 0) for r in results)
                          for k in {k for r in results for k in r["errors"]}},
    }
    if server_times is not None:
        out["busiest_60s_at_server"] = busiest_window(server_times[seen_before:], 60.0)
    if outage:
        from osukit.auth import ClientCredentials
        from osukit.contrib.redis import RedisTokenStore

        key = ClientCredentials(target.client_id, target.client_secret).store_key
        out["stored_token_kept"] = RedisTokenStore(redis.url).load(key) is not None
        out["outages_logged_per_process"] = [r["outages"] for r in results]
        out["phases_per_min"] = {
            name: round(sum(1 for t in sent if a <= t < b) / (b - a) * 60, 1) for name, a, b in phases
        }
    return out


def figure_single_flight(redis: RedisServer, target: Any, locked: bool) -> dict[str, Any]:
    import redis as redis_lib

    from osukit.auth import ClientCredentials
    from osukit.contrib.redis import RedisTokenStore
    from osukit.tokens import Token

    target.configure(None)
    redis_lib.Redis.from_url(redis.url).flushall()
    store = RedisTokenStore(redis.url)
    key = ClientCredentials(target.client_id, target.client_secret).store_key
    store.save(key, Token(access_token="expired-token-0000", expires_at=time.time() - 10, scopes=("public",)))
    before = target.stats()["token"]
    with pool(50) as p:
        p.map(time.sleep, [0.01] * 50, chunksize=1)
        t0 = time.time() + 1.0
        distinct = p.starmap(single_flight_worker,
                             [(redis.url, target.base_url, target.client_id, target.client_secret, t0, locked)] * 50,
                             chunksize=1)
    return {"processes": 50, "coroutines_each": 20, "refresh_lock": locked,
            "token_requests": target.stats()["token"] - before, "max_distinct_tokens_in_a_process": max(distinct)}


def figure_crawl(kills: int = 3, seed: int = 2026) -> dict[str, Any]:
    rng = random.Random(seed)
    with tempfile.TemporaryDirectory() as tmp, CountingServer(total_items=10_000, page_delay=0.015) as server:
        ckpt, out = Path(tmp) / "crawl.ckpt", Path(tmp) / "out.jsonl"
        cmd = [sys.executable, "-m", "tests.scale._crawl_worker", "pages", server.base_url, str(ckpt), str(out)]
        start = time.monotonic()
        killed = 0
        delays = []
        for _ in range(kills):
            proc = subprocess.Popen(cmd, cwd=ROOT, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
            delay = rng.uniform(0.6, 1.6)
            delays.append(round(delay, 2))
            time.sleep(delay)
            if proc.poll() is None:
                proc.send_signal(signal.SIGKILL)
                killed += 1
            proc.wait()
        subprocess.run(cmd, cwd=ROOT, check=True, capture_output=True)
        took = time.monotonic() - start
        ids = [json.loads(line)["id"] for line in out.read_bytes().splitlines()]
        pages = {k: v for k, v in server.counts.items() if k.startswith("page:")}
    return {
        "items_expected": 10_000,
        "lines_written": len(ids),
        "distinct_items": len(set(ids)),
        "in_order": ids == list(range(10_000)),
        "kills": killed,
        "kill_delays_s": delays,
        "pages": len(pages),
        "page_fetches": sum(pages.values()),
        "pages_fetched_again": sum(v - 1 for v in pages.values()),
        "wall_s": round(took, 1),
    }


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--target", choices=["auto", "emulator", "fake"], default="auto")
    parser.add_argument("--duration", type=float, default=60.0)
    parser.add_argument("--burst", type=int, default=1,
                        help="limiter burst (1: no more than 120 in any 60 s, what a strict 120/min server allows)")
    parser.add_argument("--per-minute", type=float, default=BUDGET,
                        help="the shared limiter's budget (the server's own limit stays 120/min)")
    parser.add_argument("--control", action="store_true", help="also run without the shared limiter")
    parser.add_argument("--only", choices=["limiter", "single-flight", "crawl", "outage"], action="append")
    args = parser.parse_args()
    only = set(args.only or ["limiter", "single-flight", "crawl", "outage"])
    redis = RedisServer()
    redis.start()
    target = make_target(args.target, BUDGET)
    print(f"target: {target.name}; redis-server on 127.0.0.1:{redis.port}")
    results: dict[str, Any] = {"target": target.name}
    try:
        if "limiter" in only:
            results["shared_limiter"] = r = figure_limiter(redis, target, args.duration, args.burst, shared=True,
                                                           per_minute=args.per_minute)
            print("shared limiter:", json.dumps(r))
            if args.control:
                results["control_unshared"] = r = figure_limiter(redis, target, min(args.duration, 20), args.burst,
                                                                 shared=False)
                print("control (4 separate TokenBuckets at 120/min):", json.dumps(r))
        if "single-flight" in only:
            results["single_flight"] = r = figure_single_flight(redis, target, locked=True)
            print("single-flight:", json.dumps(r))
            results["single_flight_without_lock"] = r = figure_single_flight(redis, target, locked=False)
            print("single-flight without the Redis lock (control):", json.dumps(r))
        if "crawl" in only:
            results["crawl_with_kills"] = r = figure_crawl()
            print("crawl with kills:", json.dumps(r))
        if "outage" in only:
            results["redis_outage"] = r = figure_limiter(redis, target, max(30.0, min(args.duration, 45.0)),
                                                         args.burst, shared=True, outage=True)
            print("redis frozen for the middle third:", json.dumps(r))
    finally:
        target.close()
        redis.close()
    print(json.dumps(results, indent=1))
    return 0


if __name__ == "__main__":
    sys.exit(main())
