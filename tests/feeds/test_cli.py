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


def test_scores_follow_backfill_count_3_twice_resumes_without_a_gap(cli: Cli, live: Any) -> None:
    """The first page (the newest, with --backfill) stopped after 3 scores: the next run carries on, no gap."""
    control(live, "live/config", score_rate=40)
    ckpt = cli.home / "feed.db"
    first = _follow(cli, live, "--backfill", "--count", "3", "--checkpoint", str(ckpt))
    control(live, "live/advance", seconds=60)  # 2,400 new scores: the newest page moved past the stop
    second = _follow(cli, live, "--backfill", "--count", "3", "--checkpoint", str(ckpt))
    err = (cli.home / "err.txt").read_text()
    assert [line["type"] for line in first + second] == ["solo_score"] * 6, "a gap line"
    ids = [s["id"] for s in first + second]
    assert ids == [i for i in passed_ids(live) if i >= ids[0]][:6]
    assert "may be missing" not in err and "refused" not in err
    assert "resuming from there" in err  # the second run says --backfill gave way to the checkpoint
    # ... and does not say it starts from the newest page after all: where it starts is the checkpoint's
    assert f"following new scores (after score {ids[2]}); Ctrl-C to stop" in err
    assert "(from the newest page)" not in err
    assert httpx.get(f"{live.base_url}/_emulator/live", timeout=30).json()["expired_up_to"] == 0


def test_scores_follow_reports_a_real_refusal_as_a_gap_in_osus_words(cli: Cli, live: Any) -> None:
    import re

    control(live, "live/config", score_rate=40)
    ckpt = cli.home / "feed.db"
    first = _follow(cli, live, "--backfill", "--count", "3", "--checkpoint", str(ckpt))
    control(live, "live/expire")  # osu! now refuses the saved cursor
    control(live, "live/advance", seconds=60)  # 2,400 new scores: the newest page does not reach back
    second = _follow(cli, live, "--count", "2", "--checkpoint", str(ckpt))
    err = (cli.home / "err.txt").read_text()
    gap = second[0]
    assert gap["type"] == "gap" and gap["reason"] == "cursor is too old" and gap["after_id"] == first[-1]["id"]
    assert [s["id"] for s in second[1:]] == [i for i in passed_ids(live) if i >= gap["before_id"]][:2]
    # the line docs/feeds.md quotes
    assert re.search(r"^osukit: scores may be missing between \S+ \S+ and \S+ \S+ \(osu! refused the saved "
                     r"cursor: cursor is too old\)$", err, re.M), err


def test_track_an_id_osu_does_not_return_says_so_on_add_run_and_show(cli: Cli, live: Any, tmp_path: Path) -> None:
    """docs/tracking.md: ``track add`` keeps the id (as Tracker.add does), ``track run`` prints ``user 124493 not
    found, skipped (no such user, or restricted)`` once, and ``track show 124493`` says the last run did not find
    it; ``track remove`` stops tracking it."""
    env = emu_env(live)
    known = live.dataset["users"][0]["id"]
    assert 124493 not in live.state.world.users
    db = str(tmp_path / "t.db")
    r = cli("track", "add", str(known), "124493", "--db", db, env=env)
    assert r.code == 0, r.err
    assert r.out.splitlines() == [
        f"user 124493 not found by osu! now (no such user, or restricted); tracking it anyway: each run skips it "
        f"until osu! returns it (osukit track remove 124493 --db {db} to stop)",
        f"tracking 2 user/ruleset pairs in {db}"]
    r = cli("track", "run", "--db", db, env=env)
    assert r.code == 0, r.err
    assert r.out.splitlines() == ["user 124493 not found, skipped (no such user, or restricted)", "1 snapshot taken"]
    assert "124493" not in r.err  # said once, not again as a log line
    r = cli("track", "show", "124493", "--db", db, env=env)
    assert r.code == 5, (r.out, r.err)  # ExitCode.NOT_FOUND
    assert ("osukit: error: no snapshots of 124493: user 124493 was not found by the last run (no such user, or "
            "restricted), so it was skipped") in r.err
    assert "track add" not in r.err
    assert cli("track", "show", str(known), "--db", db, env=env).code == 0
    r = cli("track", "remove", "124493", "--db", db, env=env)
    assert r.code == 0 and r.out.splitlines() == [f"tracking 1 user/ruleset pair in {db}"], (r.out, r.err)
    r = cli("track", "run", "--db", db, env=env)
    assert r.code == 0 and r.out.splitlines() == ["1 snapshot taken"], (r.out, r.err)
    r = cli("track", "show", "124493", "--db", db, env=env)
    assert r.code == 5 and "osukit track add 124493" in r.err  # not tracked any more: the hint is to add it


def test_track_show_says_not_found_when_the_run_found_nobody(cli: Cli, live: Any, tmp_path: Path) -> None:
    """The only tracked user is unknown: the run takes no snapshot at all, and show still says why."""
    env = emu_env(live)
    db = str(tmp_path / "t.db")
    assert cli("track", "add", "124493", "--db", db, env=env).code == 0
    r = cli("track", "show", "124493", "--db", db, env=env)
    assert r.code == 5 and "no snapshots of 124493 yet" in r.err, r.err  # no run yet: it says to run
    assert f"run `osukit track run --db {db}` first" in r.err
    r = cli("track", "run", "--db", db, env=env)
    assert r.code == 0 and r.out.splitlines() == ["user 124493 not found, skipped (no such user, or restricted)",
                                                  "0 snapshots taken"], (r.out, r.err)
    r = cli("track", "show", "124493", "--db", db, env=env)
    assert r.code == 5 and "user 124493 was not found by the last run" in r.err, r.err


def test_track_show_hints_carry_the_db_and_every_no_snapshots_is_exit_5(cli: Cli, live: Any, tmp_path: Path) -> None:
    """`track show 999 --db track.db` of an untracked user: the hint's second command carries ``--db`` too (as
    printed it would use the default database and leave a stray file); the mode goes along; exit 5 as for the
    user whom the last run did not find (docs/cli.md: every "no snapshots" is not found)."""
    import shlex

    env = emu_env(live)
    known = live.dataset["users"][0]["id"]
    db = str(tmp_path / "my track.db")
    assert cli("track", "add", str(known), "--db", db, env=env).code == 0
    r = cli("track", "show", "999", "--db", db, "-m", "mania", env=env)
    assert r.code == 5, (r.out, r.err)
    q = shlex.quote(db)
    assert f"osukit track add 999 --mode mania --db {q}, then osukit track run --db {q}" in r.err, r.err
    r = cli("track", "run", "--times", "2", "--db", db, env=env)
    assert r.code == 2 and f"--times 3 --db {q}" in r.err, r.err
