"""Distributed crawl scaling and pp recompute throughput.

    python bench/bench_distributed.py [--seconds 15] [--skip-crawl] [--skip-pp]

1. Crawl scaling (real redis-server, the emulator, worker processes over loopback): 1/2/4/8
   workers against one shared budget (1200/min), then with per-token budgets (300/min per
   worker's token, under an app cap of 1200/min). Each point runs for ``--seconds`` and reports
   requests/min in the steady part, with the emulator's 429 count.
2. pp recompute (osukit.game.batch.performance_many) over the emulator's scores, replicated:
   scores/s with 1 process and with every core, and per core.
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from tests.scale._servers import RedisServer  # noqa: E402

ROUTE = "GET api/v2/beatmaps"


def crawl_point(redis_url: str, workers: int, budget: float, per_token: float | None, seconds: float,
                name: str) -> tuple[float, int]:
    from osukit.contrib.distributed import CrawlQueue, range_tasks
    from osukit.emulator import Emulator

    tmp = Path(tempfile.mkdtemp(prefix="osukit-bench-"))
    with Emulator(seed=0, rate_limit=int(per_token or budget)) as emu:
        queue = CrawlQueue(redis_url, name, visibility_timeout=30)
        queue.submit(range_tasks("beatmaps", 1_000_001, 1_000_000 + 50 * 2000))
        cfg = tmp / "cfg.json"
        cfg.write_text(json.dumps({
            "redis": redis_url, "name": name, "base_url": emu.base_url, "client_id": emu.client_id,
            "client_secret": emu.client_secret, "sink_kind": "jsonl", "sink": str(tmp / "out"), "budget": budget,
            "per_token": per_token, "visibility_timeout": 30, "poll": 0.5,
        }))
        procs = [subprocess.Popen([sys.executable, "-m", "tests.scale._dcrawl_worker", str(cfg), f"w{i}"], cwd=ROOT,
                                  stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL) for i in range(workers)]
        # Steady state: skip the start-up (imports, first token), then count for `seconds`.
        while emu.stats()["by_route"].get(ROUTE, 0) < 5:
            time.sleep(0.05)
        time.sleep(2.0)
        n0, t0 = emu.stats()["by_route"].get(ROUTE, 0), time.monotonic()
        time.sleep(seconds)
        n1, t1 = emu.stats()["by_route"].get(ROUTE, 0), time.monotonic()
        for p in procs:
            p.kill()
            p.wait()
        limited = int(emu.stats()["rate_limited"])
        queue.delete()
    return (n1 - n0) / (t1 - t0) * 60.0, limited


def bench_crawl(seconds: float) -> None:
    server = RedisServer()
    server.start()
    try:
        print("crawl scaling (requests/min in the steady part; emulator 429s)")
        print(f"{'workers':>8} {'one budget 1200/min':>22} {'per-token 300/min, cap 1200':>30}")
        for n in (1, 2, 4, 8):
            shared, l1 = crawl_point(server.url, n, 1200.0, None, seconds, f"s{n}")
            own, l2 = crawl_point(server.url, n, 1200.0, 300.0, seconds, f"t{n}")
            print(f"{n:>8} {shared:>14.0f} ({l1} x 429) {own:>22.0f} ({l2} x 429)")
    finally:
        server.close()


def bench_pp(copies: int) -> None:
    from osukit.emulator.dataset import build
    from osukit.emulator.osufile import osu_file
    from osukit.game.batch import performance_many

    world = build(0)
    maps = Path(tempfile.mkdtemp(prefix="osukit-maps-"))
    base = [{k: v for k, v in s.items() if k != "ended_at"} for s in world.scores.values()]
    for bid in {s["beatmap_id"] for s in base}:
        (maps / f"{bid}.osu").write_text(osu_file(world, bid), encoding="utf-8")
    scores = base * copies
    cores = os.cpu_count() or 1
    print(f"\npp recompute: {len(scores)} scores over {len({s['beatmap_id'] for s in base})} maps")
    rates = {}
    for processes in sorted({1, cores}):
        t0 = time.perf_counter()
        n = sum(1 for _ in performance_many(scores, maps, processes=processes, chunk_size=512))
        dt = time.perf_counter() - t0
        rates[processes] = n / dt
        print(f"  {processes} process(es): {n / dt:,.0f} scores/s ({n / dt / processes:,.0f} per core)")
    if cores > 1:
        print(f"  speed-up with {cores} processes: {rates[cores] / rates[1]:.2f}x")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--seconds", type=float, default=15.0)
    parser.add_argument("--copies", type=int, default=20, help="copies of the emulator's scores for the pp run")
    parser.add_argument("--skip-crawl", action="store_true")
    parser.add_argument("--skip-pp", action="store_true")
    args = parser.parse_args()
    if not args.skip_crawl:
        bench_crawl(args.seconds)
    if not args.skip_pp:
        bench_pp(args.copies)


if __name__ == "__main__":
    main()
