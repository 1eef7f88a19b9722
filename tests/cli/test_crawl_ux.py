"""``osukit crawl`` tells what a crawl costs before starting, shows its rate and ETA, stops at once on
Ctrl-C with a way to resume, and says so when a crawl is already complete."""

from __future__ import annotations

import io
import json
import subprocess
import time
from pathlib import Path
from typing import Any

import pytest

from osukit.cli._crawl import estimate
from osukit.contrib._crawl import OrderedMap, ProgressBar, format_duration, rate_and_eta
from tests._helpers import ctrl_c, osukit_process

from .conftest import Cli, emu_env

pytestmark = pytest.mark.timeout(600)


@pytest.fixture
def ecli(cli: Cli, emu: Any) -> Cli:
    cli.env.update(emu_env(emu))
    return cli


def test_format_duration() -> None:
    assert format_duration(3.4) == "3 s"
    assert format_duration(250) == "4 min 10 s"
    assert format_duration(120) == "2 min"
    assert format_duration(99_990) == "27 h 46 min"
    assert format_duration(3 * 86400 + 4 * 3600 + 5) == "3 d 4 h"


def test_estimate_of_the_documented_100k_user_crawl() -> None:
    # GET /users costs one request per id (osu-web RequestCost): 100,000 ids at 60/min is about 28 hours.
    line = estimate("users", 100_000, chunk_size=50, per_minute=60, burst=10)
    assert "100,000 user ids" in line and "2,000 requests" in line and "costing 100,000" in line
    assert line.endswith("at 60/min that takes about 27 h 46 min (first results in ~40 s)")
    assert "3 requests costing 120" in estimate("users", 120, chunk_size=50, per_minute=None)
    assert "no client-side rate limit" in estimate("users", 120, chunk_size=50, per_minute=None)
    assert "1,200/min" not in estimate("users", 50, chunk_size=50, per_minute=1200)
    assert estimate("users", 50, chunk_size=50, per_minute=1200, burst=10).endswith("about 2 s (first results in ~2 s)")


def test_rate_and_eta_text() -> None:
    assert rate_and_eta(0, 5, 100) == "measuring rate…"
    assert rate_and_eta(100, 10, 900) == "10.0/s, ETA 1 min 30 s"
    assert rate_and_eta(50, 1000, None) == "3.00/min"  # a slow crawl is shown per minute
    assert rate_and_eta(50, 50, 99_950) == "1.0/s, ETA 27 h 45 min"


def test_progress_bar_shows_rate_and_eta() -> None:
    from rich.console import Console

    console = Console(file=io.StringIO(), width=160, force_terminal=False)
    bar = ProgressBar(True, total=1000, done=200, description="users", console=console)
    try:
        assert "measuring rate" in bar.render()
        time.sleep(0.05)
        bar.advance(50)
        text = bar.render()
    finally:
        bar.close()
    assert "250/1000" in text and "/s, ETA " in text, text


def test_ordered_map_abandons_waiting_calls_when_stopped() -> None:
    # A consumer that stops (Ctrl-C, break) must not wait for calls still sleeping in the rate limiter.
    def slow(x: int) -> int:
        if x > 0:
            time.sleep(60)
        return x

    started = time.monotonic()
    for arg, result in OrderedMap(slow, 4).run(range(10)):
        assert (arg, result) == (0, 0)
        break
    assert time.monotonic() - started < 30  # joined calls would take 60 s


def test_finished_crawl_says_already_complete(ecli: Cli, tmp_path: Path) -> None:
    out = tmp_path / "users.jsonl"
    r = ecli("--rate-limit", "0", "crawl", "users", "--ids", "1-120", "--out", str(out), "--no-progress")
    assert r.code == 0, r.err
    assert "crawling 120 user ids: 3 requests" in r.err and "no client-side rate limit" in r.err
    lines = out.read_text().splitlines()
    assert lines and f"wrote {len(lines)} user{'' if len(lines) == 1 else 's'} to" in r.err
    for extra in ((), ("--resume",)):
        r = ecli("--rate-limit", "0", "crawl", "users", "--ids", "1-120", "--out", str(out), "--no-progress", *extra)
        assert r.code == 0, r.err
        assert r.err_lines == [f"crawl already complete: {len(lines)} user{'' if len(lines) == 1 else 's'} in {out} "
                             "(pass --restart to crawl again)"]
    assert out.read_text().splitlines() == lines
    # other ids with the same --out is not "complete": it is the earlier crawl's checkpoint
    r = ecli("--rate-limit", "0", "crawl", "users", "--ids", "1-200", "--out", str(out), "--no-progress")
    assert r.code == 2 and "--restart" in r.err


def test_ctrl_c_stops_at_once_and_says_how_to_resume(ecli: Cli, tmp_path: Path) -> None:
    out = tmp_path / "users.jsonl"
    err = tmp_path / "stderr.txt"
    args = ["--rate-limit", "120", "crawl", "users", "--ids", "1-100000", "--out", str(out), "--no-progress"]
    with err.open("w") as fh, osukit_process(args, env=ecli.env, stdout=subprocess.DEVNULL, stderr=fh,
                                             cwd=ecli.home) as proc:
        deadline = time.monotonic() + 240
        while time.monotonic() < deadline and not (out.exists() and out.stat().st_size > 0):
            time.sleep(0.05)
        assert out.exists() and out.stat().st_size > 0, err.read_text()
        # at 120/min each further chunk of 50 ids waits 25 s in the rate limiter: 4 are in flight, so
        # joining them would take well over a minute, far from the bound below even on a loaded machine
        code, took = ctrl_c(proc)
    text = err.read_text()
    assert "crawling 100,000 user ids: 2,000 requests costing 100,000" in text
    assert "at 120/min that takes about 13 h 53 min" in text
    assert code == 130, text
    assert took < 30, (took, text)  # joining the 4 waiting requests takes 75-100 s
    saved = json.loads((tmp_path / "users.jsonl.checkpoint.json").read_text())["users:"]
    users = "user" if saved["items"] == 1 else "users"
    assert f"interrupted: {saved['items']:,} {users} saved in {out}" in text
    assert "run the same command with --resume" in text
    assert out.read_text().count("\n") == saved["items"]


def test_ctrl_c_at_the_default_rate_limit_then_resume_writes_every_id_once(ecli: Cli, tmp_path: Path) -> None:
    # The user report: at the default 60/min each 50-id chunk reserves 50 tokens, so the worker threads sleep
    # for minutes in the rate limiter; Ctrl-C must not join them.
    out = tmp_path / "users.jsonl"
    err = tmp_path / "stderr.txt"
    args = ["crawl", "users", "--ids", "1-300", "--out", str(out), "--no-progress"]
    with err.open("w") as fh, osukit_process(args, env=ecli.env, stdout=subprocess.DEVNULL, stderr=fh,
                                             cwd=ecli.home) as proc:
        deadline = time.monotonic() + 240
        while time.monotonic() < deadline and "Ctrl-C stops" not in err.read_text():
            time.sleep(0.05)
        assert "at 60/min" in err.read_text(), err.read_text()
        time.sleep(1.0)  # the worker threads are now asleep in the rate limiter
        code, took = ctrl_c(proc)
    text = err.read_text()
    assert code == 130, text
    assert took < 30, (took, text)  # the worker threads sleep for minutes: joining them would take that long
    assert "run the same command with --resume" in text
    r = ecli("--rate-limit", "0", "crawl", "users", "--ids", "1-300", "--out", str(out), "--no-progress", "--resume")
    assert r.code == 0, r.err
    fresh = tmp_path / "fresh.jsonl"
    r = ecli("--rate-limit", "0", "crawl", "users", "--ids", "1-300", "--out", str(fresh), "--no-progress")
    assert r.code == 0, r.err
    got = [json.loads(line)["id"] for line in out.read_text().splitlines()]
    want = [json.loads(line)["id"] for line in fresh.read_text().splitlines()]
    assert got and len(got) == len(set(got)) and sorted(got) == sorted(want)
