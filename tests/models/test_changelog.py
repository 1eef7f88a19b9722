"""Changelog models: corpus round-trips and hand-written cases for what the corpus lacks."""

from __future__ import annotations

import json
from typing import Any

import pytest

from osukit._models import UNSET, dump, unknown_fields
from osukit.models.changelog import (
    Build,
    ChangelogEntry,
    ChangelogEntryType,
    ChangelogListResponse,
)
from tests._helpers import assert_lossless, corpus_bytes

CORPUS = [
    ("v2/get_changelog_build_200.json", Build),
    ("v2/lookup_changelog_build_200.json", Build),
]


@pytest.mark.parametrize(("name", "tp"), CORPUS, ids=[c[0] for c in CORPUS])
def test_corpus_lossless(name: str, tp: Any) -> None:
    assert_lossless(corpus_bytes(name), tp)


def _b(value: Any) -> bytes:
    return json.dumps(value).encode()


STREAM = {"id": 7, "name": "lazer", "display_name": "Lazer", "is_featured": False}
BUILD = {
    "created_at": "2026-06-24T05:36:41+00:00",
    "display_version": "2026.624.0",
    "id": 8801,
    "users": 4883,
    "version": "2026.624.0",
    "youtube_id": None,
    "update_stream": STREAM,
}
PLACEHOLDER = {
    "id": None,
    "repository": None,
    "github_pull_request_id": None,
    "github_url": None,
    "url": None,
    "type": None,
    "category": None,
    "title": "Various minor changes",
    "major": False,
    "created_at": "1970-01-01T00:00:00+00:00",
    "github_user": {
        "display_name": "peppy",
        "github_url": "https://github.com/peppy",
        "github_username": "peppy",
        "id": None,
        "osu_username": None,
        "user_id": None,
        "user_url": None,
    },
    "message": None,
    "message_html": None,
}


def test_build_fields() -> None:
    obj = assert_lossless(corpus_bytes("v2/lookup_changelog_build_200.json"), Build)
    assert obj.update_stream is not UNSET and obj.update_stream is not None
    assert obj.update_stream.name == "lazer"
    assert obj.versions is not UNSET
    assert obj.versions.next is UNSET
    assert obj.versions.previous is not UNSET
    assert obj.changelog_entries is not UNSET
    assert obj.changelog_entries[0].type is ChangelogEntryType.FIX


def test_placeholder_entry() -> None:
    obj = assert_lossless(_b(PLACEHOLDER), ChangelogEntry)
    assert obj.id is None
    assert obj.type is None
    assert obj.github_user is not UNSET
    assert obj.github_user.id is None


def test_entry_with_one_message_format() -> None:
    raw = dict(PLACEHOLDER)
    del raw["message"]
    del raw["github_user"]
    obj = assert_lossless(_b(raw), ChangelogEntry)
    assert obj.message is UNSET
    assert obj.message_html is None
    assert obj.github_user is UNSET


def test_build_with_empty_versions_and_null_stream() -> None:
    obj = assert_lossless(_b({**BUILD, "update_stream": None, "versions": {}}), Build)
    assert obj.update_stream is None
    assert obj.versions is not UNSET
    assert obj.versions.next is UNSET and obj.versions.previous is UNSET


def test_listing() -> None:
    raw = {
        "streams": [{**STREAM, "latest_build": BUILD, "user_count": 4883}],
        "builds": [{**BUILD, "changelog_entries": [{**PLACEHOLDER, "type": "add"}]}],
        "search": {"stream": None, "from": None, "to": "2026.624.0", "max_id": None, "limit": 21},
    }
    obj = assert_lossless(_b(raw), ChangelogListResponse)
    assert obj.search.from_ is None
    assert obj.search.to == "2026.624.0"
    assert dump(obj.search)["from"] is None
    assert obj.streams[0].latest_build is not UNSET
    builds_entries = obj.builds[0].changelog_entries
    assert builds_entries is not UNSET
    assert builds_entries[0].type is ChangelogEntryType.ADD


def test_unknown_entry_type_and_field_tolerated() -> None:
    raw = {**PLACEHOLDER, "type": "security", "labels": ["x"]}
    obj = assert_lossless(_b(raw), ChangelogEntry, strict=False)
    assert obj.type is not None and not obj.type.is_known
    assert unknown_fields(obj) == {"labels": ["x"]}
