"""The chaos workload, longer: fault-free vs ~20% faults, with the figures for docs/reliability.md.

Run: python bench/bench_chaos.py [--rounds 20]
"""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from tests.chaos.workload import FAULTS, run

from osukit.emulator import Emulator


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--rounds", type=int, default=20)
    args = parser.parse_args()
    with Emulator(seed=0) as emu:
        clean = run(emu, faults=None, rounds=args.rounds)
        chaos = run(emu, faults=FAULTS, rounds=args.rounds)
    print("| run | requests | faults injected | items expected | items delivered | exact | exceptions | seconds |")
    print("|---|---|---|---|---|---|---|---|")
    for name, r in (("fault-free", clean), ("chaos", chaos)):
        print(f"| {name} | {r['requests']} | {sum(r['faults'].values())} {json.dumps(r['faults'])} | "
              f"{sum(r['expected'].values())} | {sum(r['delivered'].values())} | {r['exact']} | {r['errors'] or 'none'} | {r['seconds']} |")
    print(f"wall time ratio chaos / fault-free: {chaos['seconds'] / clean['seconds']:.2f}x")


if __name__ == "__main__":
    main()
