"""The task-engine recipes in docs/recipes run as written: Celery and dramatiq workers crawl the
emulator through the shared Redis rate limiter."""

from __future__ import annotations

import importlib.util
import os
import re
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest

from osukit.emulator import Emulator

from ._servers import in_ci

ROOT = Path(__file__).resolve().parents[2]
RECIPES = ROOT / "docs" / "recipes"
FENCE = re.compile(r'```python title="(?P<name>[\w.]+)"\n(?P<code>.*?)```', re.S)


def files_of(page: str) -> dict[str, str]:
    blocks = {m["name"]: m["code"] for m in FENCE.finditer((RECIPES / page).read_text(encoding="utf-8"))}
    assert blocks, f"no titled python blocks in {page}"
    return blocks


def need(module: str) -> None:
    if importlib.util.find_spec(module) is None:
        if in_ci():
            pytest.fail(f"{module} is not installed (.ci/run installs it for the recipe tests)")
        pytest.skip(f"{module} is not installed (pip install {module}); CI fails instead of skipping")


@pytest.fixture(scope="module")
def emu() -> Iterator[Emulator]:
    with Emulator(seed=0) as e:
        yield e


def run_recipe(page: str, worker_cmd: list[str], tmp_path: Path, emu: Emulator, redis_url: str) -> str:
    for name, code in files_of(page).items():
        (tmp_path / name).write_text(code, encoding="utf-8")
    env = {**os.environ, "REDIS_URL": redis_url, "OSU_CLIENT_ID": str(emu.client_id),
           "OSU_CLIENT_SECRET": emu.client_secret, "OSU_BASE_URL": emu.base_url,
           "PYTHONPATH": os.pathsep.join([str(tmp_path), os.environ.get("PYTHONPATH", "")])}
    worker = subprocess.Popen(worker_cmd, cwd=tmp_path, env=env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT)
    try:
        done = subprocess.run([sys.executable, "produce.py"], cwd=tmp_path, env=env, capture_output=True,
                              timeout=240, text=True)
    finally:
        worker.terminate()
        try:
            out, _ = worker.communicate(timeout=30)
        except subprocess.TimeoutExpired:
            worker.kill()
            out, _ = worker.communicate()
    assert done.returncode == 0, done.stderr[-3000:] + "\n--- worker ---\n" + out.decode(errors="replace")[-3000:]
    return done.stdout


def expected_line(emu: Emulator) -> str:
    found = sum(1 for b in emu.state.world.beatmaps if 1_000_001 <= b <= 1_000_500)
    assert found > 0
    return f"10 tasks, {found} beatmaps"


def test_celery_recipe(tmp_path: Path, emu: Emulator, redis_url: str) -> None:
    need("celery")
    cmd = [sys.executable, "-m", "celery", "-A", "tasks", "worker", "--pool", "solo", "--loglevel", "WARNING"]
    out = run_recipe("celery.md", cmd, tmp_path, emu, redis_url)
    assert out.strip().splitlines()[-1] == expected_line(emu)


def test_dramatiq_recipe(tmp_path: Path, emu: Emulator, redis_url: str) -> None:
    need("dramatiq")
    cmd = [sys.executable, "-m", "dramatiq", "tasks", "--processes", "1", "--threads", "2"]
    out = run_recipe("dramatiq.md", cmd, tmp_path, emu, redis_url)
    assert out.strip().splitlines()[-1] == expected_line(emu)
