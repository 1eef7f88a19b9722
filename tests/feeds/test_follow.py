"""``scores.follow()`` against the emulator's live world: exactly once, in order, across kills; gaps."""

from __future__ import annotations

import asyncio
import random
from pathlib import Path
from typing import Any

import pytest

import osukit
from osukit.contrib.sqlite import SqliteCheckpointStore
from osukit.feeds import FeedGap, FeedPacer, FeedPosition, is_cursor_refusal
from osukit.models.scores import Score

from .conftest import LiveClock, control, passed_ids, redis_url


def _client(emu: Any, clock: LiveClock, *, cls: Any = osukit.Client, **kw: Any) -> Any:
    return cls(client_id=emu.client_id, client_secret=emu.client_secret, base_url=emu.base_url, rate_limit=0,
               clock=clock, **kw)


def _expected_after(emu: Any, start: int, count: int) -> list[int]:
    ids = [i for i in passed_ids(emu) if i > start]
    return ids[:count]


def test_follow_yields_every_new_score_in_order(live: Any) -> None:
    control(live, "live/config", score_rate=30)
    clock = LiveClock(live.base_url)
    got: list[int] = []
    start = passed_ids(live)[-1]  # nothing new until the clock moves
    with _client(live, clock) as osu, osu.scores.follow() as feed:
        for item in feed:
            assert isinstance(item, Score)
            got.append(item.id)
            if len(got) == 2500:
                break
    assert got == _expected_after(live, start, 2500)
    assert feed.gaps == 0
    # the pace followed the volume: about target_batch scores per poll, waits >= osu-web's 5 s cache
    assert all(s >= 5.0 for s in clock.sleeps if s > 0)
    assert 2500 / 400 <= feed.polls <= 2500 / 100


def _store(kind: str, tmp_path: Path, url: str | None) -> Any:
    if kind == "file":
        return str(tmp_path / "feed.json")
    if kind == "sqlite":
        return SqliteCheckpointStore(tmp_path / "feed.db")
    from osukit.contrib.redis import RedisCheckpointStore

    return RedisCheckpointStore(url, prefix="test:feed:")


@pytest.mark.parametrize("kind", ["file", "sqlite", "redis"])
def test_kill_and_resume_delivers_10000_scores_exactly_once(live: Any, tmp_path: Path, kind: str,
                                                            request: pytest.FixtureRequest) -> None:
    store = _store(kind, tmp_path, redis_url(request) if kind == "redis" else None)
    control(live, "live/config", score_rate=60)
    clock = LiveClock(live.base_url)
    rng = random.Random(19)
    handled: list[int] = []
    start = passed_ids(live)[-1]
    runs = 0
    while len(handled) < 10_000:
        runs += 1
        stop_after = rng.randint(1, 1500)
        how = rng.choice(["break", "raise", "close"])
        with _client(live, clock) as osu:  # a new process, as far as the feed knows
            # A JSON file is fsync'ed on each save: save it every 50 scores (a stop still saves the exact position).
            feed = osu.scores.follow(checkpoint=store, checkpoint_every=50 if kind == "file" else 1)
            if how == "close":
                for n, item in enumerate(feed, 1):
                    assert isinstance(item, Score)
                    handled.append(item.id)
                    if n >= stop_after:
                        break
                feed.close()
                continue
            try:
                with feed:
                    for n, item in enumerate(feed, 1):
                        assert isinstance(item, Score)
                        if how == "raise" and n >= stop_after:
                            raise RuntimeError("the handler crashed")  # this score was not handled
                        handled.append(item.id)
                        if n >= stop_after:
                            break
            except RuntimeError:
                pass
    assert runs >= 8
    handled = handled[:10_000]
    assert len(set(handled)) == len(handled), "a score was delivered twice"
    assert handled == _expected_after(live, start, 10_000), "a score was skipped or out of order"


def test_async_feed_cancelled_and_resumed_exactly_once(live: Any, tmp_path: Path) -> None:
    control(live, "live/config", score_rate=40)
    clock = LiveClock(live.base_url)
    store = SqliteCheckpointStore(tmp_path / "a.db")
    handled: list[int] = []

    async def run(limit: int) -> None:
        async with _client(live, clock, cls=osukit.AsyncClient) as osu:
            feed = osu.scores.follow(checkpoint=store)
            async with feed:
                async for item in feed:
                    assert isinstance(item, Score)
                    handled.append(item.id)
                    if len(handled) >= limit:
                        break

    async def cancelled() -> None:
        async with _client(live, clock, cls=osukit.AsyncClient) as osu:
            async with osu.scores.follow(checkpoint=store) as feed:
                async for item in feed:
                    assert isinstance(item, Score)
                    handled.append(item.id)
                    await asyncio.sleep(3600)  # cancelled while handling: the score *was* handled

    start = passed_ids(live)[-1]
    asyncio.run(run(700))

    async def cancel_soon() -> None:
        task = asyncio.ensure_future(cancelled())
        for _ in range(200):
            await asyncio.sleep(0.01)
            if len(handled) > 700:
                break
        task.cancel()
        with pytest.raises(asyncio.CancelledError):
            await task

    asyncio.run(cancel_soon())
    asyncio.run(run(3001))
    # A cancellation mid-handling ends the with block with an exception: that score comes again.
    assert len(handled) == 3001
    assert handled[701] == handled[700]
    del handled[701]
    assert handled == _expected_after(live, start, 3000)


def test_forced_cursor_expiry_gives_one_gap_and_the_feed_carries_on(live: Any, tmp_path: Path) -> None:
    control(live, "live/config", score_rate=20)
    clock = LiveClock(live.base_url)
    store = SqliteCheckpointStore(tmp_path / "gap.db")
    with _client(live, clock) as osu, osu.scores.follow(checkpoint=store) as feed:
        for n, item in enumerate(feed, 1):
            if n == 300:
                last = item
                break
    assert isinstance(last, Score)
    control(live, "live/expire")
    control(live, "live/advance", seconds=200)  # 4,000 more scores: more than one page, some are lost
    items, feed = _take(live, clock, store, 3000)
    gaps = [i for i in items if isinstance(i, FeedGap)]
    assert len(gaps) == 1 and items[0] is gaps[0]
    gap = gaps[0]
    assert gap.after_id == last.id and gap.after_time == last.ended_at
    scores = [i for i in items if isinstance(i, Score)]
    assert gap.before_id == scores[0].id and gap.before_time == scores[0].ended_at
    assert gap.seconds is not None and gap.seconds > 0
    ids = passed_ids(live)
    # it jumped to the newest page (the last 1,000 at the moment of the refusal) and went on from there
    assert scores[0].id > last.id
    assert [s.id for s in scores] == [i for i in ids if i >= scores[0].id][: len(scores)]
    assert feed.refusals == 1 and feed.gaps == 1


def _take(live: Any, clock: LiveClock, store: Any, count: int) -> tuple[list[Score | FeedGap], Any]:
    """The first ``count`` items (scores and gaps) a feed resumed from ``store`` yields, and the feed."""
    items: list[Score | FeedGap] = []
    with _client(live, clock) as osu, osu.scores.follow(checkpoint=store) as feed:
        for item in feed:
            items.append(item)
            if len(items) == count:
                break
    return items, feed


def _follow_to_the_head(live: Any, clock: LiveClock, store: Any) -> Score:
    """Follow until the newest score is delivered: the checkpoint then holds the newest cursor."""
    with _client(live, clock) as osu, osu.scores.follow(checkpoint=store) as feed:
        for item in feed:
            assert isinstance(item, Score)
            if item.id == passed_ids(live)[-1]:
                return item
    raise AssertionError("the feed ended")


def test_expiry_refuses_the_newest_cursor_too_one_gap_then_on(live: Any, tmp_path: Path) -> None:
    control(live, "live/config", score_rate=20)
    clock = LiveClock(live.base_url)
    store = SqliteCheckpointStore(tmp_path / "newest.db")
    last = _follow_to_the_head(live, clock, store)
    assert control(live, "live/expire")["expired_up_to"] == last.id  # the cursor just issued is expired too
    control(live, "live/advance", seconds=200)  # 4,000 more scores: more than one page, some are lost
    items, feed = _take(live, clock, store, 1500)
    gaps = [i for i in items if isinstance(i, FeedGap)]
    assert len(gaps) == 1 and items[0] is gaps[0] and gaps[0].after_id == last.id
    scores = [i for i in items if isinstance(i, Score)]
    assert gaps[0].before_id == scores[0].id > last.id
    assert [s.id for s in scores] == [i for i in passed_ids(live) if i >= scores[0].id][: len(scores)]
    assert feed.refusals == 1 and feed.gaps == 1


def test_expiry_with_nothing_new_refuses_once_and_the_reissued_cursor_is_fresh(live: Any, tmp_path: Path) -> None:
    control(live, "live/config", score_rate=20)
    clock = LiveClock(live.base_url)
    store = SqliteCheckpointStore(tmp_path / "quiet.db")
    last = _follow_to_the_head(live, clock, store)
    control(live, "live/expire")
    with _client(live, clock) as osu:
        with pytest.raises(osukit.UnprocessableEntityError, match="cursor is too old"):
            osu.request("GET", "api/v2/scores", params={"cursor_string": _cursor_for(last.id)})
        got: list[Score | FeedGap] = []
        with osu.scores.follow(checkpoint=store) as feed:
            for item in feed:
                got.append(item)
                if len(got) == 300:
                    break
    assert not any(isinstance(i, FeedGap) for i in got)  # nothing was lost: the head still held our score
    assert [i.id for i in got if isinstance(i, Score)] == _expected_after(live, last.id, 300)
    assert feed.refusals == 1  # the head's cursor (the same id, handed out anew) is not refused again


def _cursor_for(score_id: int) -> str:
    from osukit.pagination import encode_cursor_string

    return encode_cursor_string({"id": score_id})


def test_cursor_too_far_behind_is_refused_like_osu_web(live: Any) -> None:
    control(live, "live/config", score_rate=10, max_id_distance=500)
    clock = LiveClock(live.base_url)
    with _client(live, clock) as osu:
        page = osu.scores.recent(limit=None).pages().__next__()
        cursor = page.next_cursor
        control(live, "live/advance", seconds=100)  # 1,000 new ids: the cursor is now too far behind
        with pytest.raises(osukit.UnprocessableEntityError) as info:
            osu.request("GET", "api/v2/scores", params={"cursor_string": cursor})
        assert is_cursor_refusal(info.value) and "cursor is too old" in str(info.value)
        # no cursor: the newest 1,000, oldest first
        head = osu.request("GET", "api/v2/scores")
        assert len(head["scores"]) == 1000 and head["scores"][-1]["id"] == passed_ids(live)[-1]
        assert [s["id"] for s in head["scores"]] == passed_ids(live)[-1000:]


def test_an_empty_poll_keeps_the_cursor(live: Any) -> None:
    clock = LiveClock(live.base_url)
    with _client(live, clock) as osu:
        head = osu.request("GET", "api/v2/scores")
        again = osu.request("GET", "api/v2/scores", params={"cursor_string": head["cursor_string"]})
    assert again == {"scores": [], "cursor_string": head["cursor_string"]}


def test_pacer_follows_volume_and_budget() -> None:
    p = FeedPacer()
    p.observe(0, 0.0)
    assert p.next_interval(1000) == 0.0  # behind: at once
    p.observe(100, 10.0)  # 10 scores/s
    assert p.next_interval(100) == pytest.approx(25.0)  # 250 / 10
    assert p.next_interval(100, per_minute=60) == pytest.approx(25.0)
    assert p.next_interval(100, per_minute=4) == pytest.approx(60.0)  # a quarter of 4/min: one per minute
    assert p.next_interval(100, remaining=5, limit=1200) == pytest.approx(50.0)  # others use the budget
    idle = FeedPacer()
    waits = [idle.next_interval(0) for _ in range(12)]
    assert waits == sorted(waits) and waits[-1] == 60.0 and waits[0] >= 5.0


def test_position_roundtrip_and_gap_json() -> None:
    import datetime as dt

    t = dt.datetime(2026, 7, 1, tzinfo=dt.timezone.utc)
    pos = FeedPosition("abc", 5, t, True)
    assert FeedPosition.from_state(pos.to_state()) == pos
    gap = FeedGap(1, t, 9, t + dt.timedelta(seconds=30))
    assert gap.seconds == 30 and gap.to_json()["type"] == "gap"
    assert osukit.FeedGap is FeedGap


def test_emulator_helpers_move_the_live_world(live: Any) -> None:
    before = passed_ids(live)[-1]
    state = live.live(score_rate=5)
    assert state["score_rate"] == 5 and state["newest_score_id"] == before
    moved = live.advance(10)
    assert moved["made_now"] == 50 and passed_ids(live)[-1] == before + 50
    assert live.expire_cursors()["expired_up_to"] == before + 50
    import httpx

    with pytest.raises(httpx.HTTPStatusError, match="422"):
        live.live(score_rate=-1)


def test_sigkill_and_resume_repeats_at_most_the_score_in_hand(live: Any, tmp_path: Path) -> None:
    """Hard kills (SIGKILL) at random moments over 10,000 scores: nothing is lost or reordered; a kill
    can repeat only the one score being handled (its id is not above the last seen: easy to drop)."""
    import os
    import signal
    import subprocess
    import sys
    import time

    control(live, "live/config", score_rate=60)
    start = passed_ids(live)[-1]
    db, sink = tmp_path / "ckpt.db", tmp_path / "sink.txt"
    sink.touch()
    rng = random.Random(7)
    repo = Path(__file__).resolve().parents[2]
    env = {**os.environ, "PYTHONPATH": os.pathsep.join([str(repo / "src"), str(repo)])}
    kills = 0
    deadline = time.monotonic() + 240
    while len(sink.read_text().split()) < 10_000 and time.monotonic() < deadline:
        target = len(sink.read_text().split()) + rng.randint(300, 2500)
        proc = subprocess.Popen([sys.executable, "-m", "tests.feeds._follow_worker", live.base_url,
                                 str(live.client_id), live.client_secret, str(db), str(sink)],
                                cwd=repo, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
        try:
            while proc.poll() is None and len(sink.read_text().split()) < target and time.monotonic() < deadline:
                time.sleep(0.02)
            assert proc.poll() is None, proc.stderr.read().decode() if proc.stderr else ""
            proc.send_signal(signal.SIGKILL)
            kills += 1
        finally:
            if proc.poll() is None:
                proc.kill()
            proc.wait()
            if proc.stderr:
                proc.stderr.close()
    raw = [int(x) for x in sink.read_text().split()]
    assert len(raw) >= 10_000 and kills >= 4
    kept: list[int] = []
    for sid in raw:  # the documented dedupe: drop an id not above the last one seen
        if kept and sid <= kept[-1]:
            assert sid == kept[-1], "only the score in hand may come again"
            continue
        kept.append(sid)
    assert len(raw) - len(kept) <= kills
    assert kept == [i for i in passed_ids(live) if i > start][: len(kept)]


def test_follow_one_ruleset(live: Any, tmp_path: Path) -> None:
    control(live, "live/config", score_rate=30)
    clock = LiveClock(live.base_url)
    start = passed_ids(live)[-1]
    store = SqliteCheckpointStore(tmp_path / "r.db")
    got: list[Score] = []
    with _client(live, clock) as osu, osu.scores.follow("taiko", checkpoint=store) as feed:
        for item in feed:
            assert isinstance(item, Score)
            got.append(item)
            if len(got) == 300:
                break
    assert feed.key == "scores.follow:taiko" and store.load("scores.follow:taiko") is not None
    assert store.load("scores.follow:all") is None
    world = live.state.world
    expected = [i for i in passed_ids(live) if i > start and world.scores[i]["ruleset"] == "taiko"][:300]
    assert [s.id for s in got] == expected and all(s.ruleset_id == 1 for s in got)
    with _client(live, clock) as osu, pytest.raises(osukit.InvalidParameterError):
        osu.scores.follow("chess")


class _ThreadRecordingStore:
    """A checkpoint store that notes the thread of every save (and is slow, as a remote store can be)."""

    def __init__(self) -> None:
        self.states: dict[str, Any] = {}
        self.threads: list[int] = []

    def load(self, key: str) -> Any:
        return self.states.get(key)

    def save(self, key: str, state: Any) -> None:
        import threading
        import time

        self.threads.append(threading.get_ident())
        time.sleep(0.05)
        self.states[key] = state

    def delete(self, key: str) -> None:
        self.states.pop(key, None)


def test_async_feed_saves_its_checkpoint_off_the_event_loop(live: Any) -> None:
    import threading

    control(live, "live/config", score_rate=20)
    clock = LiveClock(live.base_url)
    store = _ThreadRecordingStore()
    got: list[int] = []

    async def run() -> int:
        loop_thread = threading.get_ident()
        async with _client(live, clock, cls=osukit.AsyncClient) as osu:
            async with osu.scores.follow(checkpoint=store) as feed:
                async for item in feed:
                    assert isinstance(item, Score)
                    got.append(item.id)
                    if len(got) >= 30:
                        break
        return loop_thread

    loop_thread = asyncio.run(run())
    assert len(store.threads) >= 30  # checkpoint_every=1: one save per score, and more
    assert loop_thread not in store.threads, "a checkpoint save blocked the event loop"
    assert store.states["scores.follow:all"]["last_id"] == got[-1]
