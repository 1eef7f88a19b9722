"""``osukit.track`` over an emulated month of changing users: diffs, series, plot, schema, schedule.

Every test runs twice: with the sync `Tracker` and with the `AsyncTracker` (run on an event loop of
its own through `Half`, so that one test body checks both halves of the same generated code)."""

from __future__ import annotations

import asyncio
import contextlib
import datetime as dt
import inspect
import re
import sqlite3
import threading
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

import osukit
from osukit._trackdb import TrackDB
from osukit.track import MIGRATIONS, SCHEMA_VERSION, AsyncTracker, Tracker

from .conftest import LiveClock, control

DAY = 86400.0
HALVES = ["sync", "async"]


class Half:
    """The sync or the async tracker API, seen synchronously: an async call runs to completion on
    this half's own event loop (the same loop for a test's whole life, as an app would have)."""

    def __init__(self, kind: str) -> None:
        self.kind = kind
        self.loop = asyncio.new_event_loop() if kind == "async" else None

    def run(self, value: Any) -> Any:
        if inspect.isawaitable(value):
            assert self.loop is not None, "the sync tracker returned an awaitable"
            return self.loop.run_until_complete(_awaited(value))
        return value

    def client(self, emu: Any, clock: LiveClock, **kw: Any) -> Any:
        kw.setdefault("rate_limit", 0)
        kw.update(client_id=emu.client_id, client_secret=emu.client_secret, base_url=emu.base_url, clock=clock)
        if self.kind == "sync":
            return Proxy(osukit.Client(**kw), self)

        async def make() -> osukit.AsyncClient:
            return osukit.AsyncClient(**kw)

        return Proxy(self.run(make()), self)

    def tracker(self, osu: Any, path: Path, **kw: Any) -> Any:
        """A tracker, opened (the async one opens on entry; the sync one in its constructor)."""
        if self.kind == "sync":
            return Proxy(Tracker(osu.target, path, **kw), self)
        track = AsyncTracker(osu.target, path, **kw)
        self.run(track.__aenter__())
        return Proxy(track, self)

    def close(self) -> None:
        """Close the loop as ``asyncio.run`` does: cancel what is pending (the clients' close-with-the-loop
        guards among it) and let it finish first, so no task is destroyed pending in a later test's gc."""
        if self.loop is not None:
            pending = asyncio.all_tasks(self.loop)
            for task in pending:
                task.cancel()
            if pending:
                self.loop.run_until_complete(asyncio.gather(*pending, return_exceptions=True))
            self.loop.run_until_complete(self.loop.shutdown_asyncgens())
            self.loop.close()


async def _awaited(value: Any) -> Any:
    return await value


class Proxy:
    """Calls through to ``target``; an awaitable result is awaited on the half's loop."""

    def __init__(self, target: Any, half: Half) -> None:
        self.target = target
        self.half = half

    def __getattr__(self, name: str) -> Any:
        value = getattr(self.target, name)
        if not callable(value):
            return value

        def call(*args: Any, **kw: Any) -> Any:
            return self.half.run(value(*args, **kw))

        return call

    def __enter__(self) -> Proxy:
        if hasattr(self.target, "__aenter__"):
            self.half.run(self.target.__aenter__())
        else:
            self.target.__enter__()
        return self

    def __exit__(self, *exc: Any) -> None:
        if hasattr(self.target, "__aexit__"):
            self.half.run(self.target.__aexit__(*exc))
        else:
            self.target.__exit__(*exc)


@pytest.fixture(params=HALVES)
def half(request: pytest.FixtureRequest) -> Iterator[Half]:
    h = Half(request.param)
    yield h
    h.close()


@contextlib.contextmanager
def sql_threads() -> Iterator[set[int]]:
    """The threads every tracking-database statement ran on."""
    seen: set[int] = set()
    original = TrackDB._locked

    @contextlib.contextmanager
    def recording(self: TrackDB) -> Iterator[sqlite3.Connection]:
        seen.add(threading.get_ident())
        with original(self) as db:
            yield db

    with pytest.MonkeyPatch.context() as mp:
        mp.setattr(TrackDB, "_locked", recording)
        yield seen


@pytest.fixture(scope="module", params=HALVES)
def month(emu: Any, tmp_path_factory: pytest.TempPathFactory, request: pytest.FixtureRequest) -> Any:
    """Five users snapshotted once a day for 30 emulated days (the world changes each midnight)."""
    import httpx

    half = Half(request.param)
    live = emu
    httpx.post(f"{emu.base_url}/_emulator/reset", timeout=30).raise_for_status()
    tmp_path = tmp_path_factory.mktemp("track")
    control(live, "live/config", score_rate=0)
    clock = LiveClock(live.base_url)
    users = [u["id"] for u in live.dataset["users"][5:10]]
    osu = half.client(live, clock)
    with sql_threads() as threads:
        track = half.tracker(osu, tmp_path / "track.db", top=10)
        track.add(users)
        start = clock.time()
        for _ in range(31):
            track.snapshot()
            clock.sleep(DAY)  # the emulator's users play a day meanwhile
    if half.kind == "async":  # every statement ran in a worker thread, never on the event loop's
        assert threads and threading.get_ident() not in threads
    else:
        assert threads == {threading.get_ident()}
    yield live, track, users, clock, start
    track.aclose() if half.kind == "async" else track.close()
    osu.aclose() if half.kind == "async" else osu.close()
    half.close()


def test_series_follow_the_emulated_month(month: Any) -> None:
    live, track, users, _clock, start = month
    world = live.state.world
    for uid in users:
        series = track.history(uid)
        assert len(series) == 31
        assert [s.taken_at.timestamp() for s in series] == [start + k * DAY for k in range(31)]
        # the last snapshot is what the emulator holds now (nothing changed since the last midnight? one did)
        stats = world.users[uid]["stats"]["osu"]
        last = series[-1]
        assert last.play_count is not None and last.play_count <= stats["play_count"]
        assert last.username == world.users[uid]["username"]
        assert series[0].play_count is not None and last.play_count >= series[0].play_count
        assert len({s.pp for s in series}) > 10  # it really changed day by day
        assert set(last.grade_counts) == {"ss", "ssh", "s", "sh", "a"}


def test_diff_over_the_month_and_a_week(month: Any) -> None:
    _live, track, users, clock, start = month
    for uid in users:
        series = track.history(uid, top_plays=True)
        whole = track.diff(uid, since=start)
        assert whole is not None
        assert whole.before.id == series[0].id and whole.after.id == series[-1].id
        assert whole.pp_delta == pytest.approx(series[-1].pp - series[0].pp)
        assert whole.rank_delta == series[-1].global_rank - series[0].global_rank
        assert whole.play_count_delta is not None and whole.play_count_delta > 0
        first_ids = {p.score_id for p in series[0].top_plays}
        last_ids = {p.score_id for p in series[-1].top_plays}
        assert {p.score_id for p in whole.new_top_plays} == last_ids - first_ids
        assert {p.score_id for p in whole.dropped_top_plays} == first_ids - last_ids
        week = track.diff(uid, since=dt.timedelta(days=7))
        assert week is not None and week.before.taken_at.timestamp() <= clock.time() - 7 * DAY
        assert week.before.taken_at.timestamp() > clock.time() - 8 * DAY
    # over a month some tracked users set new top plays that pushed others out of the top 10
    changes = [track.diff(uid, since=start) for uid in users]
    assert any(c is not None and c.new_top_plays for c in changes)
    assert any(c is not None and c.dropped_top_plays for c in changes)


def test_plot_renders_a_png(month: Any, tmp_path: Path) -> None:
    pytest.importorskip("matplotlib")
    _, track, users, _, _ = month
    out = tmp_path / "history.png"
    track.plot(users[0]).savefig(out)
    assert out.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n" and out.stat().st_size > 10_000


def test_schema_is_versioned_and_migrates_forward(live: Any, tmp_path: Path, half: Half) -> None:
    path = tmp_path / "old.db"
    db = sqlite3.connect(path)
    for sql in MIGRATIONS[0][1]:  # a database made by the first schema
        db.execute(sql)
    db.execute("PRAGMA user_version = 1")
    db.execute("INSERT INTO tracked VALUES (2, 'osu', 0)")
    db.commit()
    db.close()
    with half.client(live, LiveClock()) as osu, half.tracker(osu, path) as track:
        assert track.schema_version == SCHEMA_VERSION == 3
        assert track.tracked() == [(2, "osu")]  # data kept
        assert track.schedule() is None
    db = sqlite3.connect(path)
    db.execute("PRAGMA user_version = 99")
    db.commit()
    db.close()
    with half.client(live, LiveClock()) as osu, pytest.raises(osukit.ConfigurationError, match="upgrade osukit"):
        half.tracker(osu, path)
    if half.kind == "async":  # nothing touched the file before it was entered or used
        track = AsyncTracker(osu.target, path)
        with pytest.raises(osukit.ConfigurationError, match="not open yet"):
            track.schema_version  # noqa: B018
        with pytest.raises(osukit.ConfigurationError, match="upgrade osukit"):
            half.run(track.tracked())


def test_run_every_survives_restarts(live: Any, tmp_path: Path, half: Half) -> None:
    clock = LiveClock()
    path = tmp_path / "sched.db"
    users = [u["id"] for u in live.dataset["users"][5:7]]
    with half.client(live, clock) as osu, half.tracker(osu, path) as track:
        track.add(users)
        t0 = clock.time()
        assert track.run_forever(3600, iterations=3) == 3  # at t0, t0+1h, t0+2h
        assert clock.time() == t0 + 7200
    clock.advance(1800)  # "restarted" half an hour later: the next run is still at t0+3h
    with half.client(live, clock) as osu, half.tracker(osu, path) as track:
        assert track.due(3600) == pytest.approx(1800)
        assert track.run_forever(3600, iterations=1) == 1
        assert clock.time() == t0 + 3 * 3600
        clock.advance(5 * 3600 + 60)  # down for five hours: one catch-up run, no burst of five
        assert track.run_due(3600) is not None
        assert track.run_due(3600) is None
        sched = track.schedule()
        assert sched is not None and sched["runs"] == 5 and sched["next_run"] == t0 + 9 * 3600
        assert len(track.history(users[0])) == 5


def test_unknown_users_are_skipped(live: Any, tmp_path: Path, half: Half) -> None:
    with half.client(live, LiveClock()) as osu, half.tracker(osu, tmp_path / "x.db") as track:
        taken = track.snapshot([live.dataset["users"][3]["id"], 999_999_999])
        assert len(taken) == 1 and taken[0].top_plays is not None
        assert track.diff(999_999_999, since=0) is None
        with pytest.raises(osukit.InvalidParameterError):
            (Tracker if half.kind == "sync" else AsyncTracker)(osu.target, tmp_path / "y.db", top=0)


def test_every_snapshot_request_goes_through_the_rate_limiter(live: Any, tmp_path: Path, half: Half) -> None:
    from osukit.ratelimit import NoRateLimit

    class Counting(NoRateLimit):
        def __init__(self) -> None:
            self.slots = 0

        def acquire(self, cost: int = 1, bucket: str = "default", **limits: Any) -> None:  # max_wait=…
            self.slots += cost

        async def aacquire(self, cost: int = 1, bucket: str = "default", **limits: Any) -> None:
            self.slots += cost

    limiter = Counting()
    users = [u["id"] for u in live.dataset["users"][3:6]]
    with half.client(live, LiveClock(), rate_limit=limiter) as osu, half.tracker(osu, tmp_path / "r.db", top=5) as track:
        live.reset_stats()
        taken = track.snapshot(users, ["osu", "taiko"])
    stats = live.stats()["by_route"]
    assert len(taken) == 6
    assert stats["GET api/v2/users"] == 1  # users.get_many: one request for all of them
    assert stats["GET api/v2/users/{user}/scores/{type}"] == 6  # users.scores: one per user and ruleset
    assert limiter.slots == 3 + 6  # GET /users costs one slot per id (osu-web's rate limit cost)


def test_async_tracker_waiting_on_a_locked_database_does_not_stop_the_loop(live: Any, tmp_path: Path) -> None:
    """Another process holds the write lock for a while: the async tracker waits in its worker thread
    and the event loop keeps running (a sync SQLite call on the loop would freeze it)."""
    path = tmp_path / "locked.db"
    users = [u["id"] for u in live.dataset["users"][5:7]]

    async def run() -> tuple[int, int, list[tuple[int, str]]]:
        ticks = 0
        stop = asyncio.Event()

        async def ticker() -> None:
            nonlocal ticks
            while not stop.is_set():
                ticks += 1
                await asyncio.sleep(0.005)

        async with osukit.AsyncClient(client_id=live.client_id, client_secret=live.client_secret,
                                      base_url=live.base_url, rate_limit=0, clock=LiveClock()) as osu, \
                AsyncTracker(osu, path) as track:
            other = sqlite3.connect(path, isolation_level=None, check_same_thread=False)
            other.execute("BEGIN IMMEDIATE")  # the other writer
            released = threading.Timer(0.6, lambda: other.execute("COMMIT"))
            task = asyncio.create_task(ticker())
            released.start()
            before = ticks
            await track.add(users)  # waits for the lock (sqlite busy timeout), off the loop
            during = ticks - before
            stop.set()
            await task
            released.join()
            other.close()
            return during, ticks, await track.tracked()

    during, _, tracked = asyncio.run(run())
    assert tracked == [(u, "osu") for u in sorted(users)]
    assert during >= 5, during  # the loop ran the ticker while add() waited ~0.6 s for the lock


def test_track_show_lists_the_dropped_top_plays_not_only_their_number(
        month: Any, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]) -> None:
    """``osukit track show`` said "dropped top plays: 2" and listed only the new ones; each dropped
    play is now listed too, at the position it had in the snapshot the change is counted from."""
    pytest.importorskip("typer")
    from osukit.cli._app import run_app
    from tests.cli.conftest import emu_env

    live, track, users, _clock, start = month
    for key, value in emu_env(live).items():
        monkeypatch.setenv(key, value)
    changed = next(c for c in (track.diff(uid, since=start) for uid in users) if c is not None and c.dropped_top_plays)
    uid = changed.after.user_id
    assert run_app(["track", "show", str(uid), "--db", str(track.path), "--since", "365d"]) == 0
    out = capsys.readouterr().out
    assert re.search(rf"^dropped top plays\s+{len(changed.dropped_top_plays)}\s*$", out, re.M), out
    base = f"{changed.before.taken_at:%Y-%m-%d %H:%M}Z"
    title = f"dropped top plays (# on {base})"
    assert title in out, out
    # the figures say since when they count: the snapshot compared with, not the --since asked for
    assert re.search(rf"^pp since {base}\s+[+-]", out, re.M) and f"rank since {base} (-: up)" in out, out
    assert "since 365d" not in out, out
    table = out[out.index(title):]
    for play in changed.dropped_top_plays:
        assert str(play.score_id) in table
    for play in changed.new_top_plays:
        assert str(play.score_id) not in table  # the new ones are in their own table, above
