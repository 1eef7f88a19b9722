"""What a new user hit in tracking, the response cache and the feed: each a typed error or the right
behaviour (schedule changes, missing users, read-only commands, cache name typos, Redis outages, plot axes)."""

from __future__ import annotations

import asyncio
import datetime as dt
import json
import logging
import os
import time
from pathlib import Path
from typing import Any

import pytest

import osukit
from osukit.cache import (
    AsyncRedisCacheBackend,
    MemoryCacheBackend,
    RedisCacheBackend,
    ResponseCache,
    SqliteCacheBackend,
    as_response_cache,
)
from osukit.cli._errors import explain
from osukit.feeds import FeedGap
from osukit.track import AsyncTracker, Diff, Snapshot, Snapshots, TopPlay, Tracker
from tests.cli.conftest import Cli, emu_env

from .conftest import LiveClock
from .test_track import Half, half  # noqa: F401  (the sync/async fixture)

HOUR = 3600.0


def _client(live: Any, clock: Any = None, **kw: Any) -> osukit.Client:
    return osukit.Client(client_id=live.client_id, client_secret=live.client_secret, base_url=live.base_url,
                         clock=clock or LiveClock(), rate_limit=0, **kw)


# --- 1. a changed interval applies at once --------------------------------------------------------


def test_a_changed_interval_applies_at_once(live: Any, tmp_path: Path, half: Half) -> None:  # noqa: F811
    clock = LiveClock()
    users = [u["id"] for u in live.dataset["users"][5:6]]
    path = tmp_path / "s.db"
    with half.client(live, clock) as osu, half.tracker(osu, path) as track:
        track.add(users)
        assert track.run_forever(HOUR, iterations=1) == 1  # --every 1h: ran at t0, next at t0+1h
        t0 = clock.time()
        assert track.due(HOUR) == pytest.approx(HOUR)
    clock.advance(3)  # Ctrl-C, restarted a few seconds later with --every 10s
    with half.client(live, clock) as osu, half.tracker(osu, path) as track:
        assert track.due("10s") == pytest.approx(7)  # last run + the new interval, not an hour
        assert track.next_run() == pytest.approx(t0 + 10)
        assert track.run_forever(10, iterations=3) == 3
        assert clock.time() == pytest.approx(t0 + 30)
        clock.advance(HOUR)
        assert track.due(HOUR * 2) == pytest.approx(HOUR)  # changed again: last run + 2h
        clock.advance(3 * HOUR)
        assert track.due(HOUR * 3) == 0  # last run + 3h is past: due now


def test_cli_run_every_says_when_and_recomputes(tmp_path: Path, live: Any) -> None:
    cli = Cli(_home(tmp_path))
    env = emu_env(live)
    db = str(tmp_path / "track.db")
    assert cli("track", "add", str(live.dataset["users"][5]["id"]), "--db", db, env=env).code == 0
    r = cli("track", "run", "--every", "1h", "--times", "1", "--db", db, env=env)
    assert r.code == 0 and "1 snapshot taken" in r.out, r.err
    started = time.monotonic()
    r = cli("track", "run", "--every", "2s", "--times", "3", "--db", db, env=env, timeout=120)
    assert r.code == 0, r.err
    assert time.monotonic() - started < 100  # not an hour
    assert "next snapshot at" in r.out and "(schedule kept in" in r.out and "Ctrl-C to stop" in r.out
    assert r.out.count("1 snapshot taken") == 3
    assert "snapshots taken" not in r.out  # "1 snapshot", not "1 snapshots"
    r = cli("track", "run", "--times", "2", "--db", db, env=env)
    assert r.code == 2 and "--times needs --every" in r.err


def _home(tmp_path: Path) -> Path:
    home = tmp_path / "home"
    home.mkdir(exist_ok=True)
    return home


# --- 2. bare built-in errors become typed ones --------------------------------------------------


def test_tracker_accepts_names_single_ids_and_cli_durations(live: Any, tmp_path: Path, half: Half) -> None:  # noqa: F811
    clock = LiveClock()
    user = live.dataset["users"][5]
    with half.client(live, clock) as osu, half.tracker(osu, tmp_path / "n.db") as track:
        track.add([user["username"]])  # a name is looked up, as the CLI does
        track.add(int(live.dataset["users"][6]["id"]))  # a single id
        assert {u for u, _ in track.tracked()} == {user["id"], live.dataset["users"][6]["id"]}
        track.snapshot()
        clock.advance(86400)
        track.snapshot(user["username"], "osu")
        change = track.diff(user["id"], since="7d")
        assert change is not None and change.after.user_id == user["id"]
        assert track.diff(user["username"], since="12h") is not None
        assert len(track.history(user["username"])) == 2


BAD_TRACKER_CALLS: list[tuple[str, tuple[Any, ...], dict[str, Any]]] = [
    ("add", (2.5,), {}),
    ("add", ([None],), {}),
    ("add", ([2],), {"rulesets": ["chess"]}),
    ("add", ([2],), {"rulesets": 5.0}),
    ("add", ({"a": 1},), {}),
    ("remove", (object(),), {}),
    ("snapshot", ([True],), {}),
    ("history", (None,), {}),
    ("history", (2,), {"ruleset": "golf"}),
    ("latest", (3.5,), {}),
    ("diff", (2,), {"since": "7"}),
    ("diff", (2,), {"since": "7x"}),
    ("diff", (2,), {"since": [1]}),
    ("diff", (2,), {"since": "-1d"}),
    ("due", (0,), {}),
    ("due", ("soon",), {}),
    ("due", (10,), {"name": ""}),
    ("run_due", (-5,), {}),
    ("run_forever", (10,), {"iterations": 0}),
    ("run_forever", (10,), {"iterations": "3"}),
]


@pytest.mark.parametrize(("method", "args", "kwargs"), BAD_TRACKER_CALLS,
                         ids=[f"{m}-{i}" for i, (m, _, _) in enumerate(BAD_TRACKER_CALLS)])
def test_tracker_arguments_raise_typed_errors(live: Any, tmp_path: Path, half: Half, method: str,  # noqa: F811
                                              args: tuple[Any, ...], kwargs: dict[str, Any]) -> None:
    with half.client(live, LiveClock()) as osu, half.tracker(osu, tmp_path / "a.db") as track:
        with pytest.raises(osukit.InvalidParameterError):
            getattr(track, method)(*args, **kwargs)


@pytest.mark.parametrize("kwargs", [{"top": "5"}, {"top": True}, {"top": 0}, {"top": 201}])
def test_tracker_constructor_arguments(live: Any, tmp_path: Path, kwargs: dict[str, Any]) -> None:
    with _client(live) as osu:
        with pytest.raises(osukit.InvalidParameterError):
            Tracker(osu, tmp_path / "c.db", **kwargs)
        with pytest.raises(osukit.InvalidParameterError):
            Tracker(osu, 5, top=10)  # type: ignore[arg-type]


@pytest.mark.parametrize("value", ["latest", 1.5, True, "2025-09-13", -1, [20250913]])
def test_client_api_version_is_checked(value: Any) -> None:
    with pytest.raises(osukit.InvalidParameterError, match="YYYYMMDD"):
        osukit.Client(client_id=1, client_secret="x", api_version=value)


def test_client_api_version_accepts_digits() -> None:
    with osukit.Client(client_id=1, client_secret="x", api_version="20240101") as osu:
        assert osu.api_version == 20240101


BAD_CACHE_CALLS: list[tuple[Any, tuple[Any, ...], dict[str, Any]]] = [
    (ResponseCache, (5,), {}),
    (ResponseCache, ("memory",), {}),
    (ResponseCache, (), {"ttl": 5}),
    (ResponseCache, (), {"ttl": {"users.gett": 5}}),
    (ResponseCache, (), {"ttl": {"nothing.*": 5}}),
    (ResponseCache, (), {"ttl": {3: 5}}),
    (ResponseCache, (), {"ttl": {"users.get": "5"}}),
    (ResponseCache, (), {"ttl": {"users.get": -1}}),
    (ResponseCache, (), {"shared": "users.get"}),
    (ResponseCache, (), {"shared": {"beatmaps.gett"}}),
    (MemoryCacheBackend, ("many",), {}),
    (MemoryCacheBackend, (0,), {}),
    (SqliteCacheBackend, (5,), {}),
    (SqliteCacheBackend, ("",), {}),
    (SqliteCacheBackend, ("x.db",), {"vacuum_every": "often"}),
    (RedisCacheBackend, (5,), {}),
    (RedisCacheBackend, (None,), {"prefix": 5}),
    (RedisCacheBackend, (None,), {"socket_timeout": 0}),
    (RedisCacheBackend, (None,), {"on_error": "ignore"}),
    (RedisCacheBackend, (None,), {"retry_after": -1}),
    (AsyncRedisCacheBackend, (5,), {}),
    (AsyncRedisCacheBackend, (None,), {"on_error": "ignore"}),
    (as_response_cache, ("memroy",), {}),
    (as_response_cache, ("",), {}),
    (as_response_cache, ("cache",), {}),
    (as_response_cache, (3.5,), {}),
]


@pytest.mark.parametrize(("fn", "args", "kwargs"), BAD_CACHE_CALLS,
                         ids=[f"{f.__name__}-{i}" for i, (f, _, _) in enumerate(BAD_CACHE_CALLS)])
def test_cache_arguments_raise_typed_errors(tmp_path: Path, monkeypatch: pytest.MonkeyPatch, fn: Any,
                                            args: tuple[Any, ...], kwargs: dict[str, Any]) -> None:
    pytest.importorskip("redis")
    monkeypatch.chdir(tmp_path)
    with pytest.raises(osukit.InvalidParameterError):
        fn(*args, **kwargs)
    assert not (tmp_path / "x.db").exists()


BAD_FOLLOW_CALLS: list[dict[str, Any]] = [
    {"ruleset": "chess"},
    {"ruleset": 9},
    {"checkpoint": 5},
    {"checkpoint_every": "x"},
    {"checkpoint_every": 0},
    {"checkpoint_key": 5},
    {"pacer": 5},
]


@pytest.mark.parametrize("kwargs", [{"min_interval": "5"}, {"budget": -1}, {"target_batch": 0},
                                    {"min_interval": 10, "max_interval": 5}])
def test_feed_pacer_arguments(kwargs: dict[str, Any]) -> None:
    from osukit.feeds import FeedPacer

    with pytest.raises(osukit.InvalidParameterError):
        FeedPacer(**kwargs)


@pytest.mark.parametrize("kwargs", BAD_FOLLOW_CALLS)
def test_follow_arguments_raise_typed_errors(live: Any, kwargs: dict[str, Any]) -> None:
    with _client(live) as osu, pytest.raises(osukit.InvalidParameterError):
        osu.scores.follow(**kwargs)

    async def run() -> None:
        async with osukit.AsyncClient(client_id=live.client_id, client_secret=live.client_secret,
                                      base_url=live.base_url, rate_limit=0) as aosu:
            with pytest.raises(osukit.InvalidParameterError):
                aosu.scores.follow(**kwargs)

    asyncio.run(run())


# --- 3. a tracker refuses the other kind of client ------------------------------------------------


def test_tracker_refuses_the_other_kind_of_client(live: Any, tmp_path: Path) -> None:
    with _client(live) as osu, pytest.raises(osukit.InvalidParameterError, match=r"osukit\.track\.Tracker"):
        AsyncTracker(osu, tmp_path / "t.db")  # type: ignore[arg-type]

    async def run() -> None:
        async with osukit.AsyncClient(client_id=live.client_id, client_secret=live.client_secret,
                                      base_url=live.base_url, rate_limit=0) as aosu:
            with pytest.raises(osukit.InvalidParameterError, match=r"osukit\.track\.AsyncTracker"):
                Tracker(aosu, tmp_path / "t.db")  # type: ignore[arg-type]

    asyncio.run(run())
    assert not (tmp_path / "t.db").exists()
    doc = Path(__file__).resolve().parents[2] / "docs" / "tracking.md"
    assert "AsyncTracker" in doc.read_text() and "AsyncClient" in doc.read_text()


# --- 4. each file kind has its own error and hint -------------------------------------------------


def test_non_token_files_get_their_own_errors(tmp_path: Path, live: Any) -> None:
    from osukit.contrib.checkpoints import FileCheckpoint, SqliteCheckpointStore

    garbage = tmp_path / "garbage.bin"
    garbage.write_bytes(b"this is not a database\x00" * 200)
    (tmp_path / "feed.json").write_text("{not json")
    cases: list[tuple[Any, type[Exception], str]] = [
        (lambda: FileCheckpoint(tmp_path / "feed.json").load("k"), osukit.CheckpointError, "checkpoint"),
        (lambda: SqliteCheckpointStore(garbage).load("k"), osukit.CheckpointError, "checkpoint"),
        (lambda: SqliteCacheBackend(garbage), osukit.CacheDatabaseError, "cache"),
        (lambda: Tracker(_client(live), garbage), osukit.TrackDatabaseError, "tracking database"),
    ]
    for call, cls, word in cases:
        with pytest.raises(cls) as info:
            call()
        assert isinstance(info.value, osukit.TokenStoreError)  # still caught by old code
        told = explain(info.value)
        assert word in told.title.lower(), told
        assert "logout" not in (told.hint or "") and "log in" not in (told.hint or ""), told
    with pytest.raises(osukit.InvalidParameterError):
        osukit.Client(client_id=1, client_secret="x", cache="")  # not "TokenStoreError: cannot open cache database"


def test_cli_garbage_db_and_checkpoint_hints(tmp_path: Path, live: Any) -> None:
    cli = Cli(_home(tmp_path))
    env = emu_env(live)
    garbage = tmp_path / "garbage.db"
    garbage.write_bytes(b"this is not a database\x00" * 200)
    r = cli("track", "show", "2", "--db", str(garbage), env=env)
    assert r.code != 0 and "tracking database" in r.err and "logout" not in r.err, r.err
    ckpt = tmp_path / "feed.json"
    ckpt.write_text("{damaged")
    r = cli("scores", "follow", "--count", "1", "--checkpoint", str(ckpt), env=env)
    assert r.code != 0 and "checkpoint" in r.err and "logout" not in r.err, r.err


# --- 5. users that do not exist -----------------------------------------------------------------


def test_missing_users_are_reported(live: Any, tmp_path: Path, half: Half,  # noqa: F811
                                    caplog: pytest.LogCaptureFixture) -> None:
    real = live.dataset["users"][5]["id"]
    with half.client(live, LiveClock()) as osu, half.tracker(osu, tmp_path / "m.db") as track:
        track.add([real, 999_999_991])
        with caplog.at_level(logging.WARNING, logger="osukit.track"):
            taken = track.snapshot()
        assert isinstance(taken, Snapshots) and len(taken) == 1 and taken.missing == [999_999_991]
        assert "user 999999991 not found, skipped" in caplog.text
        assert track.never_found(999_999_991) and not track.never_found(real)


def test_cli_missing_user(tmp_path: Path, live: Any) -> None:
    cli = Cli(_home(tmp_path))
    env = emu_env(live)
    db = str(tmp_path / "t.db")
    real = live.dataset["users"][5]["id"]
    r = cli("track", "add", str(real), "999999992", "--db", db, env=env)
    # tracked anyway, as Tracker.add does (docs/tracking.md): runs then say they skipped it
    assert r.code == 0 and "user 999999992 not found by osu! now" in r.out and "2 user/ruleset pairs " in r.out, r.out
    # tracked by another tool (the library), then the user vanishes: run and show say so
    with _client(live, osukit.Clock()) as osu, Tracker(osu, db) as track:  # the CLI's clock: real time
        track.add([999_999_993])
    r = cli("track", "run", "--db", db, env=env)
    assert r.code == 0 and "user 999999993 not found, skipped" in r.out and "1 snapshot taken" in r.out, r.out
    assert "user 999999992 not found, skipped" in r.out
    r = cli("track", "show", "999999993", "--db", db, env=env)
    assert r.code != 0 and "not found by the last run" in r.err, r.err
    assert "track add" not in r.err  # not "do what you already did"


# --- 6. read-only commands do not create a database ------------------------------------------------


def test_show_refuses_a_missing_database(tmp_path: Path, live: Any) -> None:
    cli = Cli(_home(tmp_path))
    r = cli("track", "show", "2", "--db", "nope.db", env=emu_env(live), cwd=tmp_path)
    assert r.code != 0 and "no tracking database" in r.err, r.err
    assert not (tmp_path / "nope.db").exists() and not (tmp_path / "nope.db-wal").exists()
    with _client(live) as osu, pytest.raises(osukit.TrackDatabaseError):
        Tracker(osu, tmp_path / "nope.db", create=False)
    assert not (tmp_path / "nope.db").exists()


# --- 7. cache pitfalls ---------------------------------------------------------------------------


def test_cache_typo_is_refused_and_paths_must_look_like_paths(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(tmp_path)
    with pytest.raises(osukit.InvalidParameterError, match="did you mean 'memory'"):
        as_response_cache("memroy")
    assert os.listdir(tmp_path) == []
    for ok in ("c.db", "c.sqlite", "./cache", str(tmp_path / "x")):
        assert isinstance(as_response_cache(ok), ResponseCache)
    assert isinstance(as_response_cache(tmp_path / "plain"), ResponseCache)  # a Path is always a file
    with pytest.raises(osukit.InvalidParameterError, match=r"did you mean 'users\.get'"):
        ResponseCache(ttl={"users.gett": 5})
    assert ResponseCache(ttl={"users.get": 5, "beatmaps.*": 0}).policy["users.get"] == 5


def test_a_stopped_redis_does_not_fail_the_api_call(live: Any, caplog: pytest.LogCaptureFixture) -> None:
    pytest.importorskip("redis")
    from tests.scale._servers import RedisServer, redis_available

    if not redis_available():
        pytest.skip("redis-server is not installed")
    server = RedisServer()
    server.start()
    try:
        backend = RedisCacheBackend(server.url, socket_timeout=2)
        uid = live.dataset["users"][5]["id"]
        with _client(live, cache=ResponseCache(backend)) as osu:
            osu.users.get(uid)
            osu.users.get(uid)
            assert osu.cache is not None and osu.cache.hits == 1
            server.stop()
            with caplog.at_level(logging.WARNING, logger="osukit.cache"):
                for _ in range(3):
                    assert osu.users.get(uid).id == uid  # no TransportError: the call goes on uncached
            warnings = [r for r in caplog.records if r.name == "osukit.cache"]
            assert len(warnings) == 1 and "going on without the cache" in warnings[0].getMessage()

        async def run() -> None:
            async with osukit.AsyncClient(client_id=live.client_id, client_secret=live.client_secret,
                                          base_url=live.base_url, rate_limit=0,
                                          cache=ResponseCache(AsyncRedisCacheBackend(server.url,
                                                                                     socket_timeout=2))) as aosu:
                assert (await aosu.users.get(uid)).id == uid

        asyncio.run(run())
        strict = RedisCacheBackend(server.url, socket_timeout=2, on_error="raise")
        with pytest.raises(osukit.TransportError):
            strict.get("k", 0)
    finally:
        server.close()
    doc = (Path(__file__).resolve().parents[2] / "docs" / "cache.md").read_text()
    assert "Redis is down" in doc or "Redis goes down" in doc


# --- 8. plot axes ---------------------------------------------------------------------------------


def _axes(snaps: list[Any]) -> tuple[list[str], list[str], float]:
    pytest.importorskip("matplotlib")
    import io

    import matplotlib

    matplotlib.use("Agg")
    from osukit.plot import tracked_history

    fig = tracked_history(snaps)
    fig.savefig(io.BytesIO(), format="png")
    ax, ax2 = fig.axes[0], fig.axes[1]
    lo, hi = ax.get_xlim()
    return ([t.get_text() for t in ax.get_xticklabels() if t.get_text()],
            [t.get_text() for t in ax2.get_yticklabels() if t.get_text()], hi - lo)


def _snap(i: int, when: dt.datetime, rank: int) -> Snapshot:
    return Snapshot(id=i, user_id=2, ruleset="osu", taken_at=when, username="peppy", pp=100.0 + i, global_rank=rank,
                    country_rank=1, accuracy=98.0, play_count=10, play_time=100, ranked_score=1, total_score=1,
                    grade_counts={})


@pytest.mark.parametrize("step", [60.0, 3600.0, 86400.0])
def test_plot_axes_constant_rank_and_dates(step: float) -> None:
    t0 = dt.datetime(2026, 11, 30, 4, 58, tzinfo=dt.timezone.utc)
    xs, ranks, _ = _axes([_snap(i, t0 + dt.timedelta(seconds=i * step), 8) for i in range(6)])
    assert len(ranks) == len(set(ranks)) >= 2, ranks  # not "#8" at every tick
    assert "#8" in ranks and all(r.startswith("#") and r[1:].replace(",", "").isdigit() for r in ranks)
    assert len(xs) == len(set(xs)) >= 2, xs  # no "30 / 04:58 / 30"


def test_plot_single_snapshot_is_a_point_in_a_small_window() -> None:
    xs, ranks, span_days = _axes([_snap(1, dt.datetime(2026, 11, 30, 4, 58, tzinfo=dt.timezone.utc), 8)])
    assert span_days <= 2  # not 2025-2029
    assert not any(x.startswith(("2025", "2027", "2028", "2029")) for x in xs), xs
    assert len(ranks) == len(set(ranks))


# --- 10. the JSONL gap line ----------------------------------------------------------------------


def test_gap_json_has_every_documented_field() -> None:
    a = dt.datetime(2026, 1, 1, tzinfo=dt.timezone.utc)
    gap = FeedGap(after_id=1, after_time=a, before_id=9, before_time=a + dt.timedelta(seconds=90))
    line = json.loads(json.dumps(gap.to_json()))
    doc = (Path(__file__).resolve().parents[2] / "docs" / "feeds.md").read_text()
    table = doc[doc.index("## Gaps"):doc.index("## Pacing")]
    import re

    fields = {f for cell in re.findall(r"^\| (`[^|]+) \|", table, re.M) for f in re.findall(r"`(\w+)`", cell)}
    assert {"after_id", "after_time", "before_id", "before_time", "seconds"} <= fields
    assert fields <= set(line) and line["type"] == "gap" and line["seconds"] == 90


# --- 11. nits -------------------------------------------------------------------------------------


def test_diff_and_snapshot_print_short() -> None:
    t0 = dt.datetime(2026, 11, 1, tzinfo=dt.timezone.utc)
    plays = [TopPlay(n, 1000 + n, 5, 100.0, 0.99, "S", None) for n in range(1, 101)]
    before = Snapshot(1, 2, "osu", t0, "peppy", 100.0, 90, 5, 98.0, 1, 1, 1, 1, {}, plays)
    after = Snapshot(2, 2, "osu", t0 + dt.timedelta(days=7), "peppy", 110.5, 80, 4, 98.0, 2, 2, 2, 2, {}, plays)
    change = Diff(before, after, 10.5, -10, -1, 0.0, 1, 1, plays[:2], [])
    for text in (str(change), repr(change), str(after), repr(after)):
        assert len(text) < 300 and "TopPlay(" not in text, text
    assert "+10.50" in str(change) and "-10" in str(change) and "peppy" in str(change)
    assert "peppy" in str(after) and "110.50pp" in str(after)


def test_cli_since_needs_a_unit_and_ids_are_plain(tmp_path: Path, live: Any) -> None:
    from types import SimpleNamespace as NS

    from osukit._trackdb import TrackDB

    cli = Cli(_home(tmp_path))
    env = emu_env(live)
    db = tmp_path / "t.db"
    user = live.dataset["users"][5]
    uid = int(user["id"])
    now = time.time()
    store = TrackDB(db)
    stats = {"pp": 1234.5, "global_rank": 12345, "country_rank": 1234, "hit_accuracy": 98.0, "play_count": 12345}
    old = [NS(id=1_000_001, beatmap_id=2_000_001, pp=300.0, accuracy=0.99, rank="S", ended_at=None)]
    new = [*old, NS(id=1_234_567, beatmap_id=2_345_678, pp=310.0, accuracy=0.98, rank="A", ended_at=None)]
    store.store(uid, "osu", now - 2 * 86400, user["username"], stats, old)
    store.store(uid, "osu", now - 60, user["username"], stats, new)
    store.close()
    r = cli("track", "show", str(uid), "--db", str(db), "--since", "7", env=env)
    assert r.code == 2 and "no unit" in r.err, r.err
    r = cli("track", "show", str(uid), "--db", str(db), "--since", "1d", env=env)
    assert r.code == 0, r.err
    assert "1234567" in r.out and "2345678" in r.out and f"({uid})" in r.out, r.out
    for plain in (uid, 1_234_567, 2_345_678):  # ids never get thousands separators
        assert f"{plain:,}" not in r.out or plain < 1000, r.out


def test_cli_follow_says_backfill_is_ignored(tmp_path: Path, live: Any) -> None:
    from osukit.contrib.checkpoints import FileCheckpoint

    cli = Cli(_home(tmp_path))
    ckpt = tmp_path / "feed.json"
    newest = max(s for s in __import__("tests.feeds.conftest", fromlist=["passed_ids"]).passed_ids(live))
    FileCheckpoint(ckpt).save("scores.follow:all", {"cursor": None, "last_id": newest - 1, "last_time": None})
    r = cli("scores", "follow", "--count", "1", "--backfill", "--checkpoint", str(ckpt), "--jsonl",
            env=emu_env(live), timeout=200)
    assert "--backfill ignored" in r.err, r.err
    assert "backfill" in (Path(__file__).resolve().parents[2] / "docs" / "feeds.md").read_text()


# --- 9. reference pages and links -----------------------------------------------------------------


def test_reference_pages_for_feeds_tracking_cache_and_checkpoints() -> None:
    root = Path(__file__).resolve().parents[2]
    nav = (root / "mkdocs.yml").read_text()
    wanted = {"track.md": "osukit._async.track.AsyncTracker", "feeds.md": "osukit.feeds",
              "cache.md": "osukit.cache", "sqlite.md": "osukit.contrib.sqlite",
              "checkpoints.md": "osukit.contrib.checkpoints.FileCheckpoint"}
    for page, target in wanted.items():
        text = (root / "docs" / "reference" / page).read_text()
        assert f"::: {target}" in text, page
        assert f"reference/{page}" in nav, page
    readme = (root / "README.md").read_text()
    for page in ("feeds.md", "tracking.md", "cache.md", "reliability.md"):
        assert f"(docs/{page})" in readme, page
    for page in ("feeds.md", "tracking.md", "cache.md"):
        assert "contrib._crawl" not in (root / "docs" / page).read_text(), page
    from osukit.contrib import checkpoints

    assert {"FileCheckpoint", "CheckpointStore", "SqliteCheckpointStore"} <= set(checkpoints.__all__)
