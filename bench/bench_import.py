"""``import osukit`` in a core-only install, as a ratio against ``import httpx`` in the same venv.

Run: python bench/bench_import.py [--venv DIR] [--runs 21] [--keep]

Builds a fresh venv (``python -m venv``) and ``pip install``s this checkout with its core
dependencies only (httpx, msgspec, platformdirs: no extra), so nothing an extra brings
(rich, click, aiohttp …) can make either import slower or faster. Then it times
``import httpx`` and ``import osukit`` in fresh interpreters, alternating, and prints the
medians with the interpreter start subtracted, their ratio (wall time, and CPU time, which
another process's load does not inflate; also with ``osukit.Client`` and ``osukit.AsyncClient``
resolved, what a first call pays), and which non-core modules
``import osukit`` loaded (there must be none). pip needs PyPI (or its cache) for the
dependencies and the build backend; ``--venv DIR`` reuses a venv made by an earlier run.
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
import venv
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
EXTRA_MODULES = ("aiohttp", "rich", "click", "typer", "websockets", "uvicorn", "starlette", "redis", "rosu_pp_py",
                 "matplotlib", "pygments")


def python_in(env_dir: Path) -> Path:
    return env_dir / ("Scripts/python.exe" if os.name == "nt" else "bin/python")


def build(env_dir: Path) -> Path:
    py = python_in(env_dir)
    if py.exists():
        return py
    print(f"building a core-only venv in {env_dir} …", file=sys.stderr)
    venv.EnvBuilder(with_pip=True, clear=True).create(env_dir)
    subprocess.run([str(py), "-m", "pip", "install", "--quiet", "--disable-pip-version-check", str(ROOT)], check=True)
    return py


_CPU: dict[str, list[float]] = {}
"""CPU time (user + system) of each timed statement's interpreter, ms: steadier than wall time on
a loaded machine (another process's work does not count), so both ratios are printed."""


def _child_cpu() -> float:
    """Seconds of CPU used by finished child processes (``getrusage``: microseconds; ``os.times``,
    in 10 ms ticks, where there is no ``resource`` module; 0 on Windows)."""
    try:
        import resource
    except ImportError:
        t = os.times()
        return t.children_user + t.children_system
    usage = resource.getrusage(resource.RUSAGE_CHILDREN)
    return usage.ru_utime + usage.ru_stime


def time_import(py: Path, stmt: str) -> float:
    env = {k: v for k, v in os.environ.items() if k not in ("PYTHONPATH", "PYTHONHOME")}
    env["PYTHONDONTWRITEBYTECODE"] = "1"
    before = _child_cpu()
    start = time.perf_counter()
    subprocess.run([str(py), "-c", stmt], check=True, env=env, cwd=tempfile.gettempdir())
    wall = (time.perf_counter() - start) * 1000
    cpu = (_child_cpu() - before) * 1000
    _CPU.setdefault(stmt, []).append(cpu)
    return wall


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--venv", type=Path, help="venv directory (made if missing; kept)")
    parser.add_argument("--runs", type=int, default=21)
    parser.add_argument("--keep", action="store_true", help="keep the temporary venv")
    args = parser.parse_args()
    env_dir = args.venv or Path(tempfile.mkdtemp(prefix="osukit-core-venv-"))
    try:
        py = build(env_dir)
        env = {k: v for k, v in os.environ.items() if k not in ("PYTHONPATH", "PYTHONHOME")}
        installed = subprocess.run([str(py), "-m", "pip", "list", "--format=json", "--disable-pip-version-check"],
                                   check=True, capture_output=True, text=True, env=env).stdout
        names = sorted(p["name"].lower() for p in json.loads(installed))
        probe = f"import sys, osukit; print(','.join(m for m in {EXTRA_MODULES!r} if m in sys.modules))"
        loaded = subprocess.run([str(py), "-c", probe], check=True, capture_output=True, text=True, env=env,
                                cwd=tempfile.gettempdir()).stdout.strip()
        first_use = "import osukit; osukit.Client; osukit.AsyncClient"
        for stmt in ("import httpx", "import osukit"):
            time_import(py, stmt)  # warm the OS file cache
        _CPU.clear()
        base: list[float] = []
        httpx_ms: list[float] = []
        osukit_ms: list[float] = []
        for _ in range(args.runs):
            base.append(time_import(py, "pass"))
            httpx_ms.append(time_import(py, "import httpx"))
            osukit_ms.append(time_import(py, "import osukit"))
            time_import(py, first_use)
        b = statistics.median(base)
        h = statistics.median(httpx_ms) - b
        o = statistics.median(osukit_ms) - b
        print(f"core-only venv: {env_dir}")
        print(f"  installed: {', '.join(names)}")
        print(f"  non-core modules loaded by import osukit: {loaded or 'none'}")
        print(f"import time, median of {args.runs} fresh interpreters, interpreter start ({b:.1f} ms) subtracted")
        print(f"  import httpx   {h:7.1f} ms")
        print(f"  import osukit  {o:7.1f} ms")
        print(f"  ratio import osukit / import httpx: {o / h:.2f}x")
        cb = statistics.median(_CPU["pass"])
        if statistics.median(_CPU["import httpx"]) - cb <= 0:  # no child CPU times on this platform
            _CPU.update({k: [cb + 1.0] for k in _CPU if k != "pass"})
        ch = statistics.median(_CPU["import httpx"]) - cb
        co = statistics.median(_CPU["import osukit"]) - cb
        cf = statistics.median(_CPU[first_use]) - cb
        print(f"CPU time (user + system), same runs: httpx {ch:.1f} ms, osukit {co:.1f} ms, "
              f"ratio {co / ch:.2f}x; with osukit.Client and osukit.AsyncClient resolved {cf / ch:.2f}x")
        print(json.dumps({"httpx_ms": round(h, 2), "osukit_ms": round(o, 2), "ratio": round(o / h, 3),
                          "cpu_ratio": round(co / ch, 3), "cpu_ratio_first_use": round(cf / ch, 3),
                          "extras_loaded": loaded.split(",") if loaded else []}))
    finally:
        if args.venv is None and not args.keep:
            shutil.rmtree(env_dir, ignore_errors=True)


if __name__ == "__main__":
    main()
