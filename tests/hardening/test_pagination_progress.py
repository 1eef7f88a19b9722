"""Pagination notices when it stops moving forward (issue 16, Low): an A/B cursor loop, an
id-range server ignoring ``since``/``until``, a page-number or offset server repeating its
page, and the chat catch-up over such a server all end with NoProgressError after a few
requests instead of paging for ever."""

from __future__ import annotations

import asyncio
import itertools
import logging
from collections.abc import Mapping
from typing import Any

import httpx
import pytest

import osukit
from osukit import AsyncPaginator, NoProgressError, Paginator
from osukit.pagination import (
    RECENT_CURSORS,
    CursorObjectStyle,
    CursorStringStyle,
    IdRangeStyle,
    OffsetStyle,
    PageStyle,
)


def items_of(response: Any) -> Any:
    return response["items"]


def page(ids: range | list[int], **extra: Any) -> dict[str, Any]:
    return {"items": [{"id": i} for i in ids], **extra}


class Server:
    """A fake listing: ``answer(params, n)`` gives the n-th response; counts requests."""

    def __init__(self, answer: Any) -> None:
        self.answer = answer
        self.calls: list[dict[str, Any]] = []

    def fetch(self, params: Mapping[str, Any]) -> Any:
        self.calls.append(dict(params))
        return self.answer(dict(params), len(self.calls))

    async def afetch(self, params: Mapping[str, Any]) -> Any:
        return self.fetch(params)


def run_both(make: Any, style: Any, **kw: Any) -> tuple[Server, Server]:
    sync_server = make()
    with pytest.raises(NoProgressError) as info:
        list(Paginator(sync_server.fetch, style, **kw))
    assert info.value.cursor is not None or "repeated" in str(info.value)
    async_server = make()

    async def run() -> None:
        with pytest.raises(NoProgressError):
            await asyncio.wait_for(AsyncPaginator(async_server.afetch, style, **kw).to_list(), 10)

    asyncio.run(run())
    return sync_server, async_server


def test_cursor_string_ab_loop() -> None:
    cycle = ["A", "B"]

    def make() -> Server:
        return Server(lambda p, n: page(range(n * 10, n * 10 + 10), cursor_string=cycle[n % 2]))

    for server in run_both(make, CursorStringStyle(items_of)):
        assert len(server.calls) <= 4, server.calls


def test_cursor_string_longer_loop() -> None:
    def make() -> Server:
        return Server(lambda p, n: page(range(n * 10, n * 10 + 10), cursor_string=f"c{n % 7}"))

    for server in run_both(make, CursorStringStyle(items_of)):
        assert len(server.calls) <= 9


def test_cursor_object_loop() -> None:
    def make() -> Server:
        return Server(lambda p, n: page(range(n * 10, n * 10 + 10), cursor={"id": n % 3, "at": "x"}))

    for server in run_both(make, CursorObjectStyle(items_of)):
        assert len(server.calls) <= 5


def test_cursor_loop_resumed_from_a_saved_cursor() -> None:
    # resuming at A (a saved cursor), a server that leads back to A is caught
    a, b = "eyJpZCI6MX0", "eyJpZCI6Mn0"  # osu-web cursor_strings: base64url of {"id":1} and {"id":2}

    def make() -> Server:
        return Server(lambda p, n: page(range(n * 10, n * 10 + 10), cursor_string=b if n == 1 else a))

    for server in run_both(make, CursorStringStyle(items_of), cursor=a):
        assert len(server.calls) == 2


def test_id_range_server_ignoring_until() -> None:
    def make() -> Server:
        return Server(lambda p, n: page(range(100, 150)))  # always the newest 50

    style = IdRangeStyle(items_of, param="until", id_of=lambda m: m["id"], page_size=50)
    for server in run_both(make, style):
        assert len(server.calls) == 2


def test_id_range_server_ignoring_since() -> None:
    def make() -> Server:
        return Server(lambda p, n: page(range(100, 150)))

    style = IdRangeStyle(items_of, param="since", id_of=lambda m: m["id"], page_size=50, newer=True)
    for server in run_both(make, style, cursor=10):
        assert len(server.calls) == 2


def test_page_number_server_repeating_its_page() -> None:
    def make() -> Server:
        return Server(lambda p, n: page(range(20)))

    for server in run_both(make, PageStyle(items_of, page_size=20)):
        assert len(server.calls) == 2


def test_offset_server_ignoring_offset() -> None:
    def make() -> Server:
        return Server(lambda p, n: page(range(100)))

    for server in run_both(make, OffsetStyle(items_of, page_size=100)):
        assert len(server.calls) == 2


def test_honest_listings_still_run_to_the_end() -> None:
    pages = {None: ("A", range(10)), "A": ("B", range(10, 20)), "B": ("C", range(20, 30)), "C": (None, range(30, 35))}

    def answer(p: dict[str, Any], n: int) -> Any:
        nxt, ids = pages[p.get("cursor_string")]
        return page(ids, cursor_string=nxt)

    got = list(Paginator(Server(answer).fetch, CursorStringStyle(items_of)))
    assert [i["id"] for i in got] == list(range(35))
    # a long honest listing: more pages than the remembered window, never a false alarm
    long_listing = Server(lambda p, n: page(range(n * 2, n * 2 + 2), cursor_string=f"c{n}" if n < 3 * RECENT_CURSORS else None))
    assert len(list(Paginator(long_listing.fetch, CursorStringStyle(items_of)))) == 2 * 3 * RECENT_CURSORS
    # items without ids are never compared
    same_items = Server(lambda p, n: {"items": [{"x": 1}] * 5, "cursor_string": f"c{n}" if n < 5 else None})
    assert len(list(Paginator(same_items.fetch, CursorStringStyle(items_of)))) == 25


def _chat_server(seen: list[httpx.Request]) -> httpx.MockTransport:
    counter = itertools.count()

    def handler(request: httpx.Request) -> httpx.Response:
        seen.append(request)
        next(counter)
        # a server that ignores since/until: always the newest 50 messages of channel 5
        return httpx.Response(200, json=[
            {"message_id": i, "channel_id": 5, "sender_id": 2, "timestamp": "2024-01-01T00:00:00+00:00",
             "type": "plain", "content": f"m{i}", "is_action": False}
            for i in range(1000, 1050)
        ])

    return httpx.MockTransport(handler)


@pytest.mark.parametrize("since", [None, 10])
def test_chat_messages_over_a_server_ignoring_since_and_until(since: int | None) -> None:
    seen: list[httpx.Request] = []
    with osukit.Client(access_token="t" * 20, base_url="https://osu.test", rate_limit=0,
                       transport=_chat_server(seen)) as osu:
        with pytest.raises(NoProgressError, match="did not move"):
            list(osu.chat.messages(5, since=since, limit=None))
    assert len(seen) == 2


def test_chat_catch_up_over_a_server_ignoring_since_ends(caplog: pytest.LogCaptureFixture) -> None:
    from osukit.realtime import AsyncChatStream, MessageEvent

    seen: list[httpx.Request] = []

    async def run() -> list[Any]:
        async with osukit.AsyncClient(access_token="t" * 20, base_url="https://osu.test", rate_limit=0,
                                      http_backend="httpx", transport=_chat_server(seen)) as osu:
            stream = AsyncChatStream(osu, channels=[5], since={5: 10})
            await asyncio.wait_for(stream._replay(), 10)
            events = []
            while not stream._events.empty():
                events.append(stream._events.get_nowait())
            return events

    with caplog.at_level(logging.WARNING, logger="osukit"):
        events = asyncio.run(run())
    assert len(seen) == 2
    assert events == [] or all(isinstance(e, MessageEvent) for e in events)
    assert any("did not move" in r.getMessage() for r in caplog.records), [r.getMessage() for r in caplog.records]
