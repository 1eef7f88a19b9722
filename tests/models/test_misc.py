"""Misc models (seasonal backgrounds, tags, search, featured artist tracks)."""

from __future__ import annotations

import json
from typing import Any

from osukit._models import UNSET, unknown_fields
from osukit.models.misc import (
    ArtistTracksResponse,
    SearchResponse,
    SeasonalBackgroundsResponse,
    TagsResponse,
)
from tests._helpers import assert_lossless, corpus_bytes


def _b(value: Any) -> bytes:
    return json.dumps(value).encode()


USER = {
    "avatar_url": "https://a.ppy.sh/2?1.png",
    "country_code": "AU",
    "default_group": "default",
    "id": 2,
    "is_active": True,
    "is_bot": False,
    "is_deleted": False,
    "is_online": False,
    "is_supporter": True,
    "last_visit": None,
    "pm_friends_only": False,
    "profile_colour": "#3366FF",
    "username": "peppy",
}


def test_featured_artist_tracks_corpus_lossless() -> None:
    obj = assert_lossless(corpus_bytes("v2/get_featured_artists_200.json"), ArtistTracksResponse)
    assert obj.search.sort == "update_desc"
    assert obj.search.album is UNSET
    singles = [t for t in obj.artist_tracks if t.album is UNSET]
    assert singles and all(t.album_id is None for t in singles)
    assert all(t.artist is not UNSET for t in obj.artist_tracks)


def test_seasonal_backgrounds() -> None:
    raw = {
        "ends_at": "2026-09-01T00:00:00+00:00",
        "backgrounds": [{"url": "https://assets.ppy.sh/contests/1/a.jpg", "user": USER}],
    }
    obj = assert_lossless(_b(raw), SeasonalBackgroundsResponse)
    assert obj.backgrounds is not UNSET
    assert obj.backgrounds[0].user.username == "peppy"


def test_seasonal_backgrounds_without_contest_is_empty_object() -> None:
    obj = assert_lossless(b"{}", SeasonalBackgroundsResponse)
    assert obj.ends_at is UNSET
    assert obj.backgrounds is UNSET


def test_tags() -> None:
    raw = {
        "tags": [
            {"id": 1, "name": "gameplay/tech", "ruleset_id": None, "description": "Technical."},
            {"id": 2, "name": "style/clean", "ruleset_id": 0, "description": "Clean."},
        ],
    }
    obj = assert_lossless(_b(raw), TagsResponse)
    assert obj.tags[0].ruleset_id is None
    assert obj.tags[1].ruleset_id == 0


WIKI = {
    "available_locales": ["en"],
    "layout": "markdown_page",
    "locale": "en",
    "markdown": "# x",
    "path": "People/peppy",
    "subtitle": "People",
    "tags": [],
    "title": "peppy",
}


def test_search_all_modes() -> None:
    raw = {"user": {"data": [USER], "total": 1}, "wiki_page": {"data": [WIKI], "total": 12}}
    obj = assert_lossless(_b(raw), SearchResponse)
    assert obj.user is not UNSET and obj.wiki_page is not UNSET
    assert obj.user.data[0].id == 2
    assert obj.wiki_page.total == 12


def test_search_single_mode() -> None:
    obj = assert_lossless(_b({"wiki_page": {"data": [], "total": 0}}), SearchResponse)
    assert obj.user is UNSET
    assert_lossless(b"{}", SearchResponse)


def test_unknown_search_mode_tolerated() -> None:
    raw = {"user": {"data": [], "total": 0}, "forum_post": {"data": [], "total": 0}}
    obj = assert_lossless(_b(raw), SearchResponse, strict=False)
    assert unknown_fields(obj) == {"forum_post": {"data": [], "total": 0}}
