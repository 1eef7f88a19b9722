"""``osukit emulator serve --live-scores RATE``: a served world whose clock follows real time, so
``osukit scores follow`` sees scores arrive; the pytest fixture and ``Emulator()`` stay still."""

from __future__ import annotations

import argparse
import json
import os
import re
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

import httpx
import pytest

import osukit
from osukit.emulator import Emulator
from osukit.emulator.server import parse_score_rate

REPO = Path(__file__).resolve().parents[2]


def _env(tmp_path: Path) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("OSU_")}
    env["PYTHONPATH"] = os.pathsep.join([str(REPO / "src"), env.get("PYTHONPATH", "")]).rstrip(os.pathsep)
    env["HOME"] = env["XDG_CONFIG_HOME"] = env["XDG_DATA_HOME"] = env["XDG_CACHE_HOME"] = str(tmp_path)
    return env


def _banner(proc: subprocess.Popen[str]) -> str:
    assert proc.stdout is not None
    lines = []
    deadline = time.monotonic() + 120
    while time.monotonic() < deadline:
        line = proc.stdout.readline()
        if not line:
            break
        lines.append(line)
        if line.startswith("Ctrl-C"):
            break
    return "".join(lines)


def test_serve_live_scores_then_scores_follow_just_works(tmp_path: Path) -> None:
    env = _env(tmp_path)
    serve = subprocess.Popen([sys.executable, "-m", "osukit.cli", "emulator", "serve", "--port", "0",
                              "--live-scores", "1200/min", "--seed", "3"],
                             env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    try:
        text = _banner(serve)
        assert "live scores: 20/s (1200/min) on a virtual clock following real time" in text, text
        assert "osukit scores follow" in text
        exports = dict(re.findall(r"^\s*export (OSU_\w+)=(\S+)$", text, re.M))
        follow = subprocess.run([sys.executable, "-m", "osukit.cli", "scores", "follow", "--jsonl", "-n", "30"],
                                env={**env, **exports}, capture_output=True, text=True, timeout=300)
        assert follow.returncode == 0, follow.stderr
        rows = [json.loads(line) for line in follow.stdout.splitlines() if line.strip()]
        scores = [r for r in rows if r.get("type") != "gap"]
        assert len(scores) == 30 and len(rows) == 30  # no gap: every new score, once, in order
        ids = [s["id"] for s in scores]
        assert ids == sorted(ids) and len(set(ids)) == 30
        ended = [s["ended_at"] for s in scores]
        assert ended == sorted(ended)
        state = httpx.get(f"{exports['OSU_BASE_URL']}/_emulator/live", timeout=30).json()
        assert state["real_time"] and state["score_rate"] == 20 and state["made"] >= 30
        assert state["newest_score_id"] >= ids[-1]
    finally:
        serve.terminate()
        serve.wait(timeout=30)


def test_serve_without_the_option_says_how_to_see_scores_arrive(tmp_path: Path) -> None:
    serve = subprocess.Popen([sys.executable, "-m", "osukit.emulator", "--port", "0"], env=_env(tmp_path),
                             stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    try:
        text = _banner(serve)
    finally:
        serve.terminate()
        serve.wait(timeout=30)
    assert "live scores: off" in text and "to see scores arrive, run with --live-scores 20" in text


def test_emulator_in_process_follows_real_time_only_when_asked() -> None:
    with Emulator(seed=3) as still, Emulator(seed=3, live_scores=50, live_speed=10) as moving:
        for emu in (still, moving):
            with osukit.Client(client_id=emu.client_id, client_secret=emu.client_secret, base_url=emu.base_url,
                               rate_limit=0) as osu:
                first = osu.request("GET", "api/v2/scores")["scores"][-1]["id"]
                time.sleep(0.3)
                later = osu.request("GET", "api/v2/scores")["scores"][-1]["id"]
            if emu is still:
                assert later == first  # the fixture's world: moved only by advance()
            else:
                assert later > first  # 0.3 s x10 x 50/s: about 150 new scores (timing-independent: > 0)
        assert not httpx.get(f"{still.base_url}/_emulator/live", timeout=30).json()["real_time"]


def test_the_pytest_fixture_world_is_still(osu_emulator: Any) -> None:
    state = httpx.get(f"{osu_emulator.base_url}/_emulator/live", timeout=30).json()
    assert state["score_rate"] == 0 and not state["real_time"]


@pytest.mark.parametrize(("text", "rate"), [("20", 20.0), ("20/s", 20.0), ("600/min", 10.0), ("1.5", 1.5)])
def test_rates(text: str, rate: float) -> None:
    assert parse_score_rate(text) == rate


@pytest.mark.parametrize("text", ["fast", "0", "-3", "20/h", "1e9"])
def test_bad_rates_are_refused(text: str) -> None:
    with pytest.raises(argparse.ArgumentTypeError):
        parse_score_rate(text)


def test_feeds_page_says_how_to_see_scores_before_its_first_example() -> None:
    text = (REPO / "docs" / "feeds.md").read_text(encoding="utf-8")
    first_example = text.index("```python")
    assert "To see scores arrive, run the emulator with `osukit emulator serve --live-scores 20`" in (
        text[:first_example])


def test_a_real_time_catch_up_is_bounded_and_keeps_the_rest() -> None:
    """A request waits for its catch-up (about a millisecond a score): one catch-up makes at most
    CATCH_UP_SCORES, and the time not yet made up is kept for the next ones, not dropped."""
    from osukit.emulator.live import CATCH_UP_SCORES, live_of

    with Emulator(seed=3, live_scores=50, live_speed=10) as emu:
        live = live_of(emu.state)
        live.follow_real_time(False)
        live.follow_real_time(True)
        live._anchor -= 10.0  # 10 s gone by: 10 x 10 x 50 = 5,000 scores due
        made = [live.catch_up() for _ in range(3)]
        assert made[0] == made[1] == CATCH_UP_SCORES
        # The 1,000 not made yet are kept (plus what came due while the first two ran), still capped.
        assert 5000 - 2 * CATCH_UP_SCORES <= made[2] <= CATCH_UP_SCORES


def test_live_scores_and_the_hubs_scores_share_one_id_sequence() -> None:
    """The referee hub records its games' scores through ``World.new_id("score")``; the live world made
    its own ids from its own counter, and the two once handed out the same ids (a feed then saw one id
    as two different scores)."""
    from osukit.emulator.live import live_of

    with Emulator(seed=3) as emu:
        live = live_of(emu.state)
        live.score_rate = 5
        hub_first = emu.state.world.new_id("score")  # a hub game finished before the live world moved
        live.advance(2.0)
        made = sorted(sid for sid in emu.state.world.scores if sid > hub_first)
        hub_next = emu.state.world.new_id("score")
        assert len(made) == 10 and made[0] > hub_first and hub_next > made[-1]
