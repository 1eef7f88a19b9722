"""Forum models: corpus round-trips and hand-written cases for what the corpus lacks."""

from __future__ import annotations

import json
from typing import Any

import pytest

from osukit._models import UNSET, dump, unknown_fields
from osukit.models.forums import (
    CreateForumTopicResponse,
    ForumPost,
    ForumsResponse,
    ForumTopic,
    ForumTopicListResponse,
    ForumTopicType,
    ForumTopicWithPosts,
    ForumWithTopics,
)
from tests._helpers import assert_lossless, corpus_bytes

CORPUS = [
    ("v2/create_forum_topic_200.json", CreateForumTopicResponse),
    ("v2/edit_forum_post_200.json", ForumPost),
    ("v2/get_forum_topic_200.json", ForumTopicWithPosts),
    ("v2/reply_forum_topic_200.json", ForumPost),
]


@pytest.mark.parametrize(("name", "tp"), CORPUS, ids=[c[0] for c in CORPUS])
def test_corpus_lossless(name: str, tp: Any) -> None:
    assert_lossless(corpus_bytes(name), tp)


def _b(value: Any) -> bytes:
    return json.dumps(value).encode()


TOPIC = {
    "created_at": "2026-07-04T00:48:01+00:00",
    "deleted_at": None,
    "first_post_id": 649,
    "forum_id": 74,
    "id": 521,
    "is_locked": False,
    "last_post_id": 649,
    "post_count": 1,
    "title": "Test topic",
    "type": "normal",
    "updated_at": "2026-07-04T00:48:01+00:00",
    "user_id": 664,
    "views": 0,
    "poll": None,
}

POLL = {
    "allow_vote_change": True,
    "ended_at": None,
    "hide_incomplete_results": False,
    "last_vote_at": "2026-07-05T10:00:00+00:00",
    "max_votes": 1,
    "options": [
        {"id": 1, "text": {"bbcode": "yes", "html": "yes"}, "vote_count": 3},
        {"id": 2, "text": {"bbcode": "[b]no[/b]", "html": "<strong>no</strong>"}},
    ],
    "started_at": "2026-07-04T00:48:01+00:00",
    "title": {"bbcode": "Question?", "html": "Question?"},
    "total_vote_count": 3,
}


def test_topic_from_corpus() -> None:
    obj = assert_lossless(corpus_bytes("v2/get_forum_topic_200.json"), ForumTopicWithPosts)
    assert obj.topic.type is ForumTopicType.NORMAL
    assert obj.topic.poll is None
    assert obj.search.sort == "id_asc"
    assert obj.cursor_string == "eyJpZCI6NTk4NTk4Mn0"
    assert all(p.body is not UNSET for p in obj.posts)


def test_topic_with_poll_hidden_vote_count() -> None:
    obj = assert_lossless(_b({**TOPIC, "type": "sticky", "poll": POLL}), ForumTopic)
    assert obj.type is ForumTopicType.STICKY
    assert obj.poll is not None and obj.poll is not UNSET
    assert obj.poll.options[0].vote_count == 3
    assert obj.poll.options[1].vote_count is UNSET
    assert obj.poll.ended_at is None
    assert obj.poll.title.html == "Question?"


def test_post_without_body() -> None:
    raw = json.loads(corpus_bytes("v2/edit_forum_post_200.json"))
    del raw["body"]
    obj = assert_lossless(_b(raw), ForumPost)
    assert obj.body is UNSET


def test_forums_listing_with_nested_subforums() -> None:
    raw = {
        "forums": [
            {
                "id": 1,
                "name": "osu!",
                "description": "",
                "subforums": [
                    {
                        "id": 2,
                        "name": "Help",
                        "description": "help",
                        "subforums": [{"id": 3, "name": "x", "description": "y", "subforums": []}],
                    },
                ],
            },
        ],
    }
    obj = assert_lossless(_b(raw), ForumsResponse)
    sub = obj.forums[0].subforums
    assert sub is not UNSET
    assert sub[0].subforums is not UNSET
    assert sub[0].subforums[0].id == 3


def test_forum_with_topics() -> None:
    raw = {
        "forum": {"id": 74, "name": "Test", "description": "d", "subforums": []},
        "topics": [TOPIC],
        "pinned_topics": [{**TOPIC, "id": 1, "type": "announcement"}],
    }
    obj = assert_lossless(_b(raw), ForumWithTopics)
    assert obj.pinned_topics[0].type is ForumTopicType.ANNOUNCEMENT


def test_topic_listing_last_page() -> None:
    obj = assert_lossless(
        _b({"topics": [TOPIC], "cursor": None, "cursor_string": None}), ForumTopicListResponse
    )
    assert obj.cursor is None
    assert obj.cursor_string is None
    obj = assert_lossless(
        _b({"topics": [], "cursor": {"id": 5}, "cursor_string": "abc"}), ForumTopicListResponse
    )
    assert obj.cursor == {"id": 5}


def test_topic_without_poll_key() -> None:
    raw = dict(TOPIC)
    del raw["poll"]
    obj = assert_lossless(_b(raw), ForumTopic)
    assert obj.poll is UNSET


def test_unknown_topic_type_and_field_tolerated() -> None:
    raw = {**TOPIC, "type": "global", "new_thing": 1}
    obj = assert_lossless(_b(raw), ForumTopic, strict=False)
    assert obj.type == "global"
    assert not obj.type.is_known
    assert unknown_fields(obj) == {"new_thing": 1}
    assert dump(obj)["new_thing"] == 1
