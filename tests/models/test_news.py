"""News models: corpus round-trip and hand-written cases for what the corpus lacks."""

from __future__ import annotations

import json
from typing import Any

from osukit._models import UNSET, dump, unknown_fields
from osukit.models.news import NewsPost, NewsPostListResponse
from tests._helpers import assert_lossless, corpus_bytes


def _b(value: Any) -> bytes:
    return json.dumps(value).encode()


POST = {
    "id": 2,
    "author": "Mr Color",
    "edit_url": "https://github.com/ppy/osu-wiki/tree/master/news/2013/x.md",
    "first_image": None,
    "first_image@2x": None,
    "published_at": "2013-07-31T06:05:00+00:00",
    "updated_at": "2026-06-02T01:36:10+00:00",
    "slug": "2013-07-31-x",
    "title": "X",
}


def test_corpus_lossless() -> None:
    obj = assert_lossless(corpus_bytes("v2/get_news_post_200.json"), NewsPost)
    assert obj.content is not UNSET
    assert obj.navigation is not UNSET
    assert obj.navigation.newer is not UNSET
    assert obj.navigation.older is not UNSET
    assert obj.navigation.older.first_image_2x is not None
    assert obj.preview is UNSET


def test_at_2x_field_name_round_trips() -> None:
    raw = {**POST, "first_image": "https://i.ppy.sh/a.jpg", "first_image@2x": "https://i.ppy.sh/a@2x.jpg"}
    obj = assert_lossless(_b(raw), NewsPost)
    assert obj.first_image_2x == "https://i.ppy.sh/a@2x.jpg"
    assert dump(obj)["first_image@2x"] == "https://i.ppy.sh/a@2x.jpg"
    assert "first_image_2x" not in dump(obj)


def test_navigation_of_newest_post_has_only_older() -> None:
    obj = assert_lossless(_b({**POST, "content": "<p>x</p>", "navigation": {"older": POST}}), NewsPost)
    assert obj.navigation is not UNSET
    assert obj.navigation.newer is UNSET


def test_listing() -> None:
    raw = {
        "news_posts": [{**POST, "preview": "First paragraph."}],
        "news_sidebar": {"current_year": 2013, "news_posts": [POST], "years": [2026, 2013]},
        "search": {"limit": 12, "sort": "published_desc", "year": None},
        "cursor": {"published_at": "2013-07-31T06:05:00Z", "id": 2},
        "cursor_string": "eyJ9",
    }
    obj = assert_lossless(_b(raw), NewsPostListResponse)
    assert obj.news_posts[0].preview == "First paragraph."
    assert obj.news_sidebar.years == [2026, 2013]
    assert obj.search.year is None


def test_unknown_field_tolerated() -> None:
    obj = assert_lossless(_b({**POST, "tags": ["x"]}), NewsPost, strict=False)
    assert unknown_fields(obj) == {"tags": ["x"]}
