"""Run the reliability suites once and print their figures as the table in docs/reliability.md.

Run: python bench/figures.py [--out figures.json]

It runs ``pytest tests/chaos tests/hardening tests/game/test_mods.py tests/game/test_replay.py
tests/core/test_client_core.py`` with ``$OSUKIT_FIGURES`` set (see ``tests/conftest.py``), then
formats what the suites counted. The run fails (exit 1) if any test fails or a secret leaked.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
SUITES = [
    "tests/chaos",
    "tests/hardening",
    "tests/game/test_mods.py",
    "tests/game/test_replay.py",
    "tests/core/test_client_core.py",
    "tests/core/test_single_flight_sockets.py",
]


def _fmt(value: Any) -> str:
    if isinstance(value, dict):
        return ", ".join(f"{k} {v}" for k, v in value.items()) or "none"
    return str(value)


def main() -> int:
    parser = argparse.ArgumentParser()
    parser.add_argument("--out", help="also keep the raw figures (JSON) here")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        target = Path(args.out or Path(tmp) / "figures.json")
        env = {**os.environ, "OSUKIT_FIGURES": str(target)}
        started = time.perf_counter()
        proc = subprocess.run([sys.executable, "-m", "pytest", "-q", "-p", "no:cacheprovider", *SUITES],
                              cwd=ROOT, env=env, capture_output=True, text=True)
        elapsed = time.perf_counter() - started
        summary = [line for line in proc.stdout.splitlines() if " passed" in line or " failed" in line]
        figures: dict[str, dict[str, Any]] = json.loads(target.read_text()) if target.exists() else {}
    print(f"Python {platform.python_version()} on {platform.machine()}, {os.cpu_count()} CPUs; "
          f"`python bench/figures.py` ({elapsed:.0f} s): {summary[-1].strip('= ') if summary else 'no summary'}")
    print()
    print("| suite | figure | value |")
    print("|---|---|---|")
    for section in sorted(figures):
        for key, value in figures[section].items():
            print(f"| {section} | {key} | {_fmt(value)} |")
    if proc.returncode != 0:
        print(proc.stdout[-4000:], file=sys.stderr)
    return proc.returncode


if __name__ == "__main__":
    raise SystemExit(main())
