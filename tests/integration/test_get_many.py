"""``get_many`` runs as a bulk crawl: order kept, duplicates fetched once, 50 ids a request."""

from __future__ import annotations

from typing import Any

from .conftest import Both


def _requests(emu: Any, route_part: str) -> int:
    return sum(n for route, n in emu.stats()["by_route"].items() if route_part in route)


def test_users_get_many_keeps_order_and_fetches_each_id_once(both: Both, osu_emulator: Any) -> None:
    users = [u["id"] for u in osu_emulator.dataset["users"]]
    missing = [900_000_000 + i for i in range(80)]  # enough unknown ids for several chunks
    wanted = (users + missing + users[::-1]) * 2  # duplicates on purpose
    unique = len(dict.fromkeys(wanted))
    assert unique > 100
    osu_emulator.reset_stats()
    sync_result, async_result = both.run(lambda c: c.users.get_many(wanted, concurrency=3))
    expected = [None if i in missing else i for i in wanted]
    for result in (sync_result, async_result):
        assert [u.id if u is not None else None for u in result] == expected
    # two crawls (sync, async) of ceil(unique / 50) requests each: no id fetched twice
    assert _requests(osu_emulator, "api/v2/users") == 2 * -(-unique // 50)


def test_beatmaps_get_many_in_order_with_missing(both: Both, osu_emulator: Any) -> None:
    first = osu_emulator.dataset["params"]["beatmap"]
    ids = [first, 999_999_999, first]
    s, a = both.run(lambda c: c.beatmaps.get_many(ids))
    for result in (s, a):
        assert [b.id if b is not None else None for b in result] == [first, None, first]


def test_get_many_of_nothing_makes_no_request(both: Both, osu_emulator: Any) -> None:
    osu_emulator.reset_stats()
    assert both.run(lambda c: c.users.get_many([])) == ([], [])
    assert osu_emulator.stats()["requests"] == 0
