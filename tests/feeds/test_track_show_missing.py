"""`osukit track show` of a user with snapshots whom the last `track run` did not find says so (the
snapshots stop before that run), and `Tracker.missing_since` gives the time of that run."""

from __future__ import annotations

import datetime as dt
import json
import time
from pathlib import Path
from typing import Any

import osukit
from osukit._trackdb import TrackDB
from osukit.track import Tracker
from tests.cli.conftest import Cli, emu_env

GONE = 999_999_995  # no such user in the emulator's data set


def _seed(db: Path, taken_at: float) -> None:
    """A snapshot of GONE from when osu! still had them (as a run back then stored it)."""
    store = TrackDB(db)
    try:
        store.add([(GONE, "osu")], taken_at - 60)
        store.store(GONE, "osu", taken_at, "vanished", {"pp": 1234.5, "global_rank": 777, "country_rank": 12,
                                                         "hit_accuracy": 98.1, "play_count": 4321}, [])
    finally:
        store.close()


def test_show_says_the_last_run_did_not_find_the_user(tmp_path: Path, live: Any) -> None:
    home = tmp_path / "home"
    home.mkdir()
    cli = Cli(home)
    env = emu_env(live)
    db = tmp_path / "t.db"
    before = time.time() - 3 * 86400
    _seed(db, before)
    real = live.dataset["users"][5]["id"]
    assert cli("track", "add", str(real), "--db", str(db), env=env).code == 0
    r = cli("track", "run", "--db", str(db), env=env)
    assert r.code == 0 and f"user {GONE} not found, skipped" in r.out, r.out

    r = cli("track", "show", str(GONE), "--db", str(db), env=env)
    assert r.code == 0, r.err
    (line,) = [x for x in r.out.splitlines() if "was not found by the last run" in x]
    taken = dt.datetime.fromtimestamp(before, dt.timezone.utc)
    assert line.startswith(f"user {GONE} was not found by the last run (")
    assert line.endswith(f"showing the snapshots up to {taken:%Y-%m-%d %H:%M:%S}Z")
    assert "vanished" in r.out and "#777" in r.out  # the stored snapshot is shown

    j = json.loads(cli("track", "show", str(GONE), "--db", str(db), "--json", env=env).out)
    assert j["missing_since"] is not None and len(j["series"]) == 1

    # a user the last run found: nothing of the kind
    r = cli("track", "show", str(real), "--db", str(db), env=env)
    assert r.code == 0 and "not found" not in r.out, r.out
    assert json.loads(cli("track", "show", str(real), "--db", str(db), "--json", env=env).out)["missing_since"] is None

    with osukit.Client(client_id=live.client_id, client_secret=live.client_secret, base_url=live.base_url,
                       rate_limit=0) as osu, Tracker(osu, db) as track:
        gone = track.missing_since(GONE)
        assert gone is not None and gone.tzinfo is not None
        assert taken < gone <= dt.datetime.now(dt.timezone.utc) + dt.timedelta(minutes=5)
        assert track.missing_since(real) is None
        assert not track.never_found(GONE)  # it has snapshots: found before, missing now
