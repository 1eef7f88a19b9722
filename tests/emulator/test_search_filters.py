"""The emulator's beatmapset search honours osu-web's query options (BeatmapsetQueryParser.php)."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest

import osukit
from osukit.emulator import Emulator
from osukit.emulator.search_query import parse


@pytest.fixture(scope="module")
def osu() -> Iterator[Any]:
    with Emulator(seed=0) as emu, osukit.Client(client_id=emu.client_id, client_secret=emu.client_secret,
                                                base_url=emu.base_url, rate_limit=0) as client:
        yield client


def _search(osu: Any, q: str, **kw: Any) -> list[Any]:
    return list(osu.beatmapsets.search(q, limit=None, **kw))


def test_parse_follows_osu_web() -> None:
    p = parse('stars>7 ar>=9 hp<5 status=ranked artist="dive star" length>1:30 hello')
    assert p.ranges["stars"] == {"gte": 7.005}
    assert p.ranges["ar"] == {"gte": 8.95} and p.ranges["dr"] == {"lte": 4.95}
    assert p.ranges["status"] == {"gte": 1, "lte": 1}
    assert p.ranges["length"] == {"gte": 90.5}
    assert p.texts == {"artist": ["dive star"]} and p.keywords == "hello"
    assert parse("status=lov").ranges["status"] == {"gte": 4, "lte": 4}  # prefix, as osu-web's statePrefixSearch
    assert parse("stars>abc").keywords == "stars>abc"  # not a number: left as a keyword, as osu-web does


@pytest.mark.parametrize(("query", "check"), [
    ("stars>5", lambda s: any(b.difficulty_rating > 5.005 for b in s.beatmaps)),
    ("stars<2", lambda s: any(b.difficulty_rating <= 1.995 for b in s.beatmaps)),
    ("ar>=9", lambda s: any(b.ar >= 8.95 for b in s.beatmaps)),
    ("cs=4 od=5", lambda s: any(abs(b.cs - 4) < 0.06 and abs(b.accuracy - 5) < 0.06 for b in s.beatmaps)),
    ("hp<=4", lambda s: any(b.drain <= 4.05 for b in s.beatmaps)),
    ("length<60", lambda s: any(b.total_length <= 59.5 for b in s.beatmaps)),
    ("bpm>=200", lambda s: any(b.bpm >= 199.99 for b in s.beatmaps)),
    ("status=loved", lambda s: str(s.status).lower().endswith("loved")),
])
def test_numeric_and_status_filters(osu: Any, query: str, check: Any) -> None:
    every = _search(osu, "", category="any")
    found = _search(osu, query, category="any")
    assert found, query
    assert all(check(s) for s in found)
    assert len(found) == sum(1 for s in every if check(s)), query


def test_text_filters_and_keywords(osu: Any) -> None:
    every = _search(osu, "", category="any")
    artist = every[0].artist
    found = _search(osu, f'artist="{artist}"', category="any")
    assert found and all(s.artist.lower() == artist.lower() or artist.lower() in s.artist.lower() for s in found)
    title = every[0].title.split()[0]
    assert all(title.lower() in s.title.lower() for s in _search(osu, f"title={title}", category="any"))
    creator = every[0].creator
    by = _search(osu, f"creator={creator}", category="any")
    assert by and all(creator.lower() in s.creator.lower() for s in by)
    assert _search(osu, "stars>7") == []  # the data set tops out near 6.1*
    assert len(_search(osu, "stars>5 status=ranked")) < len(_search(osu, "stars>5", category="any"))
