"""A feed stopped after any score, on any page, resumes at the next one: no gap, no repeat, nothing skipped.

osu-web pages ``GET /scores`` by id, ascending; the cursor after a page ending with score ``N`` is
``{"id": N}`` (``ScoresController::index``, ``Score::SORTS['old']``, ``cursor_encode``), so "after the
last delivered score" is a position osu! resumes from whatever page that score was on. Only a real
refusal (``422 "cursor is too old"``) may make a gap.
"""

from __future__ import annotations

import asyncio
import base64
import json
from pathlib import Path
from typing import Any

import pytest

import osukit
from osukit.contrib.sqlite import SqliteCheckpointStore
from osukit.feeds import FeedGap, cursor_after
from osukit.models.scores import Score

from .conftest import LiveClock, control, passed_ids


def _client(emu: Any, clock: LiveClock, *, cls: Any = osukit.Client) -> Any:
    return cls(client_id=emu.client_id, client_secret=emu.client_secret, base_url=emu.base_url, rate_limit=0,
               clock=clock)


def _run_sync(emu: Any, clock: LiveClock, store: Any, stop: int) -> list[Score | FeedGap]:
    got: list[Score | FeedGap] = []
    with _client(emu, clock) as osu, osu.scores.follow(checkpoint=store, backfill=True) as feed:
        for item in feed:
            got.append(item)
            if len(got) == stop:
                break
    return got


def _run_async(emu: Any, clock: LiveClock, store: Any, stop: int) -> list[Score | FeedGap]:
    got: list[Score | FeedGap] = []

    async def run() -> None:
        async with _client(emu, clock, cls=osukit.AsyncClient) as osu:
            async with osu.scores.follow(checkpoint=store, backfill=True) as feed:
                async for item in feed:
                    got.append(item)
                    if len(got) == stop:
                        break

    asyncio.run(run())
    return got


RUNNERS = {"sync": _run_sync, "async": _run_async}


def test_cursor_after_is_osu_webs_cursor_for_a_page_ending_there(live: Any) -> None:
    raw = cursor_after(4_000_123)
    assert "=" not in raw
    assert json.loads(base64.urlsafe_b64decode(raw + "=" * (-len(raw) % 4))) == {"id": 4_000_123}
    clock = LiveClock(live.base_url)
    with _client(live, clock) as osu:  # the emulator's own cursor for a page that ends at a score is this string
        page = osu.request("GET", "api/v2/scores")
        assert page["cursor_string"] == cursor_after(page["scores"][-1]["id"])
        middle = page["scores"][500]["id"]
        after = osu.request("GET", "api/v2/scores", params={"cursor_string": cursor_after(middle)})
        assert [s["id"] for s in after["scores"]][:499] == [s["id"] for s in page["scores"][501:]]


@pytest.mark.parametrize("kind", ["sync", "async"])
@pytest.mark.parametrize("stop", [1, 2, 3])
def test_stopped_on_the_first_page_resumes_at_the_next_score(live: Any, tmp_path: Path, kind: str,
                                                             stop: int) -> None:
    """The newest page (backfill) is the first page: stop after 1, 2, 3 scores, resume, again and again,
    while osu! moves on between runs (1,500 new scores: the newest page no longer holds the stopping point)."""
    clock = LiveClock(live.base_url)
    store = SqliteCheckpointStore(tmp_path / "feed.db")
    head = passed_ids(live)[-1000:]  # the first page is exactly these: the world moves only when told
    control(live, "live/config", score_rate=50)
    got: list[Score | FeedGap] = []
    for _ in range(4):
        got += RUNNERS[kind](live, clock, store, stop)
        control(live, "live/advance", seconds=30)
    got += RUNNERS[kind](live, clock, store, 10)
    assert not [g for g in got if isinstance(g, FeedGap)], "a gap, though osu! refused nothing"
    assert [s.id for s in got] == head[: 4 * stop + 10]
    state = store.load("scores.follow:all")
    assert state["cursor"] == cursor_after(head[4 * stop + 9]) and state["last_id"] == head[4 * stop + 9]
    assert control(live, "live/config")["expired_up_to"] == 0  # osu! refused nothing


@pytest.mark.parametrize("kind", ["sync", "async"])
@pytest.mark.parametrize("into", [0, 1, 2, 3, 400])
def test_stopped_on_a_later_page_resumes_at_the_next_score(live: Any, tmp_path: Path, kind: str, into: int) -> None:
    """Stop ``into`` scores into the second page (0: right at the first page's end), then 1, 2, 3 more."""
    control(live, "live/config", score_rate=50)  # the feed's waits make new scores: a second page
    clock = LiveClock(live.base_url)
    store = SqliteCheckpointStore(tmp_path / "feed.db")
    start = passed_ids(live)[-1000]
    got = RUNNERS[kind](live, clock, store, 1000 + into)
    for stop in (1, 2, 3):
        got += RUNNERS[kind](live, clock, store, stop)
    assert not [g for g in got if isinstance(g, FeedGap)]
    assert [s.id for s in got] == [i for i in passed_ids(live) if i >= start][: 1000 + into + 6]


def test_a_checkpoint_without_a_cursor_resumes_after_its_last_id(live: Any, tmp_path: Path) -> None:
    """Checkpoints saved before the fix hold ``"cursor": null`` and the last score: they resume after it."""
    clock = LiveClock(live.base_url)
    store = SqliteCheckpointStore(tmp_path / "old.db")
    head = passed_ids(live)[-1000:]
    store.save("scores.follow:all", {"version": 1, "cursor": None, "last_id": head[2], "last_time": None,
                                     "started": True})
    control(live, "live/config", score_rate=50)
    control(live, "live/advance", seconds=40)  # 2,000 more: the newest page no longer reaches back to head[2]
    assert passed_ids(live)[-1000] > head[2]
    got = _run_sync(live, clock, store, 5)
    assert [s.id for s in got] == head[3:8]


def test_a_real_refusal_still_gives_one_gap_with_osus_reason(live: Any, tmp_path: Path) -> None:
    control(live, "live/config", score_rate=20)
    clock = LiveClock(live.base_url)
    store = SqliteCheckpointStore(tmp_path / "gap.db")
    first = _run_sync(live, clock, store, 2)
    control(live, "live/expire")
    control(live, "live/advance", seconds=200)  # 4,000 more: the newest page does not reach back
    with _client(live, clock) as osu, osu.scores.follow(checkpoint=store) as feed:
        items: list[Score | FeedGap] = []
        for item in feed:
            items.append(item)
            if len(items) == 3:
                break
    gap = items[0]
    assert isinstance(gap, FeedGap) and gap.reason == "cursor is too old" and gap.after_id == first[-1].id
    assert feed.refusals == 1 and feed.gaps == 1
    assert [s.id for s in items[1:]] == [i for i in passed_ids(live) if i >= gap.before_id][:2]
    # stopped right after the gap's scores: the next run goes on after them (the cursor is fresh again)
    again = _run_sync(live, clock, store, 2)
    assert [s.id for s in again] == [i for i in passed_ids(live) if i > items[-1].id][:2]


def test_a_gap_whose_ends_are_out_of_time_order_has_no_length() -> None:
    import datetime as dt

    from osukit.feeds import FeedGap

    later, earlier = dt.datetime(2026, 11, 30, 11, 17, 36, tzinfo=dt.timezone.utc), dt.datetime(2026, 7, 1, 12, 5, 10,
                                                                                              tzinfo=dt.timezone.utc)
    gap = FeedGap(after_id=4001932051, before_id=4001932070, after_time=later, before_time=earlier)
    assert gap.seconds is None and gap.to_json()["seconds"] is None
    assert FeedGap(after_id=1, before_id=2, after_time=earlier, before_time=later).seconds == (later - earlier).total_seconds()
