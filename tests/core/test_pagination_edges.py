"""Paginator edges: no empty trailing page after a full last page; a malformed start cursor is a typed
error before any request (osu-web's cursor_decode would silently answer the first page)."""

from __future__ import annotations

import asyncio
from collections.abc import Iterator
from typing import Any

import pytest

import osukit
from osukit.emulator import Emulator
from osukit.pagination import CursorStringStyle, OffsetStyle, PageStyle, decode_cursor_string


@pytest.fixture(scope="module")
def emu() -> Iterator[Emulator]:
    with Emulator(seed=0) as emulator:
        yield emulator


def _user_with_100_best(osu: Any, emu: Emulator) -> int:
    for user_id in [2, *emu.dataset.get("user_ids", [])]:
        if len(list(osu.users.scores(user_id, "best", limit=None))) == 100:
            return int(user_id)
    pytest.skip("no user with exactly 100 best scores in this data set")


def test_no_empty_trailing_page_sync_and_async(emu: Emulator) -> None:
    kw = {"client_id": emu.client_id, "client_secret": emu.client_secret, "base_url": emu.base_url, "rate_limit": 0}
    with osukit.Client(**kw) as osu:
        uid = _user_with_100_best(osu, emu)
        pages = [(len(p.items), p.next_cursor) for p in osu.users.scores(uid, "best", limit=None).pages()]
    assert pages and all(n for n, _ in pages), pages
    assert pages[-1][0] <= 100

    async def run() -> list[tuple[int, Any]]:
        async with osukit.AsyncClient(**kw) as aosu:
            return [(len(p.items), p.next_cursor) async for p in aosu.users.scores(uid, "best", limit=None).pages()]

    assert asyncio.run(run()) == pages


def test_a_listing_empty_from_the_start_still_gives_one_page() -> None:
    calls: list[Any] = []

    def fetch(params: Any) -> Any:
        calls.append(dict(params))
        return {"items": [1, 2]} if params["offset"] == 0 else {"items": []}

    style: OffsetStyle[Any] = OffsetStyle(lambda r: r["items"], page_size=2)
    pager = osukit.Paginator(fetch, style, limit=None)
    assert [list(p.items) for p in pager.pages()] == [[1, 2]]
    assert pager.exhausted and pager.cursor is None
    assert [list(p.items) for p in osukit.Paginator(fetch, style, cursor=2).pages()] == [[]]


@pytest.mark.parametrize("bad", ["bogus", "!!!", "WzEsMl0", "bnVsbA", " "])  # not base64, list, null
def test_a_malformed_cursor_string_is_refused_before_the_request(bad: str) -> None:
    def fetch(params: Any) -> Any:
        raise AssertionError("no request for a malformed cursor")

    with pytest.raises(osukit.InvalidParameterError, match="cursor_string"):
        osukit.Paginator(fetch, CursorStringStyle(lambda r: r["items"]), cursor=bad)
    with pytest.raises(osukit.InvalidParameterError, match="cursor_string"):
        osukit.AsyncPaginator(fetch, CursorStringStyle(lambda r: r["items"]), cursor=bad)


def test_other_styles_refuse_wrong_cursor_types() -> None:
    with pytest.raises(osukit.InvalidParameterError, match="offset"):
        osukit.Paginator(lambda p: {}, OffsetStyle(lambda r: r), cursor="x")
    with pytest.raises(osukit.InvalidParameterError, match="page"):
        osukit.Paginator(lambda p: {}, PageStyle(lambda r: r), cursor=0)
    assert decode_cursor_string("eyJpZCI6MX0") == {"id": 1}


def test_search_with_a_bogus_cursor_is_an_error(emu: Emulator) -> None:
    with osukit.Client(client_id=emu.client_id, client_secret=emu.client_secret, base_url=emu.base_url,
                       rate_limit=0) as osu:
        with pytest.raises(osukit.InvalidParameterError):
            osu.beatmapsets.search("", cursor="bogus")
        first = osu.beatmapsets.search("").first_page()
        resumed = osu.beatmapsets.search("", cursor=first.next_cursor).first_page()
        assert resumed.items and resumed.items[0].id != first.items[0].id
