"""``osukit scores follow --jsonl`` and ``osukit track add/run/show`` against the emulator."""

from __future__ import annotations

import json
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

import httpx
import pytest

from tests.cli.conftest import Cli, emu_env

from .conftest import control, passed_ids


@pytest.fixture
def cli(tmp_path: Path) -> Cli:
    home = tmp_path / "home"
    home.mkdir()
    return Cli(home)


def _follow(cli: Cli, live: Any, *args: str) -> list[dict[str, Any]]:
    """Run ``scores follow`` while the emulator's world moves (real time: the feed waits >= 5 s a poll)."""
    out_path, err_path = cli.home / "out.jsonl", cli.home / "err.txt"
    with out_path.open("w") as out, err_path.open("w") as err:  # files, not pipes: nothing blocks the writer
        proc = subprocess.Popen([sys.executable, "-m", "osukit.cli", "scores", "follow", "--jsonl", *args],
                                env={**cli.env, **emu_env(live)}, cwd=cli.home, stdout=out, stderr=err, text=True)
        deadline = time.monotonic() + 200
        try:
            while proc.poll() is None and time.monotonic() < deadline:
                httpx.post(f"{live.base_url}/_emulator/live/advance", json={"seconds": 2}, timeout=30)
                time.sleep(0.5)
            proc.wait(timeout=30)
        finally:
            if proc.poll() is None:
                proc.kill()
                proc.wait()
    assert proc.returncode == 0, err_path.read_text()
    return [json.loads(line) for line in out_path.read_text().splitlines()]


def test_scores_follow_jsonl_resumes_from_a_checkpoint(cli: Cli, live: Any) -> None:
    control(live, "live/config", score_rate=40)
    start = passed_ids(live)[-1]
    ckpt = cli.home / "feed.db"
    first = _follow(cli, live, "--count", "150", "--checkpoint", str(ckpt))
    second = _follow(cli, live, "--count", "150", "--checkpoint", str(ckpt))
    ids = [s["id"] for s in first + second]
    assert all("pp" in s and "user_id" in s for s in first)
    assert ids[0] > start  # it began at the newest score when it started (the world was already moving)
    assert ids == [i for i in passed_ids(live) if i >= ids[0]][:300]  # then every one, once, across the restart


def test_track_add_run_show(cli: Cli, live: Any, tmp_path: Path) -> None:
    pytest.importorskip("matplotlib")
    env = emu_env(live)
    user = live.dataset["users"][6]
    db = str(tmp_path / "t.db")
    r = cli("track", "add", str(user["id"]), user["username"] if False else str(live.dataset["users"][7]["id"]),
            "--db", db, env=env)
    assert r.code == 0, r.err
    for _ in range(3):
        r = cli("track", "run", "--db", db, env=env)
        assert r.code == 0 and "2 snapshots taken" in r.out, r.err
        control(live, "live/advance", seconds=86400)
    r = cli("track", "run", "--every", "1h", "--times", "1", "--db", db, env=env)
    assert r.code == 0, r.err
    png = tmp_path / "p.png"
    r = cli("track", "show", str(user["id"]), "--db", db, "--since", "1h", "--plot", str(png), env=env)
    assert r.code == 0, r.err
    assert user["username"] in r.out and "snapshots" in r.out and png.read_bytes()[:4] == b"\x89PNG"
    data = json.loads(cli("track", "show", str(user["id"]), "--db", db, "--json", env=env).out)
    assert len(data["series"]) == 4
    r = cli("track", "run", "--every", "1x", "--db", db, env=env)
    assert r.code == 2 and "bad duration" in r.err
