"""Comment models: corpus round-trip and hand-written cases for what the corpus lacks."""

from __future__ import annotations

import json
from typing import Any

from osukit._models import UNSET, dump, unknown_fields
from osukit.models.comments import Comment, CommentableType, CommentBundle, CommentSort
from tests._helpers import assert_lossless, corpus_bytes


def _b(value: Any) -> bytes:
    return json.dumps(value).encode()


def test_corpus_lossless() -> None:
    obj = assert_lossless(corpus_bytes("v2/get_comments_200.json"), CommentBundle)
    assert obj.sort is CommentSort.NEW
    assert obj.total is not UNSET
    assert obj.cursor is not None
    deleted = obj.commentable_meta[-1]
    assert deleted.title == "Deleted Item"
    assert deleted.id is UNSET
    assert deleted.type is UNSET
    live = obj.commentable_meta[0]
    assert live.type is CommentableType.BEATMAPSET
    assert live.current_user_attributes is not UNSET
    assert obj.comments[0].commentable_type is CommentableType.BEATMAPSET


COMMENT = {
    "id": 276,
    "parent_id": None,
    "user_id": 1,
    "pinned": True,
    "replies_count": 0,
    "votes_count": 0,
    "commentable_type": "news_post",
    "commentable_id": 407,
    "legacy_name": None,
    "created_at": "2019-09-05T06:31:20+00:00",
    "updated_at": "2019-09-05T06:31:20+00:00",
    "deleted_at": None,
    "edited_at": None,
    "edited_by_id": None,
}

USER = {
    "avatar_url": "https://a.ppy.sh/2?1.png",
    "country_code": "AU",
    "default_group": "default",
    "id": 1,
    "is_active": True,
    "is_bot": False,
    "is_deleted": False,
    "is_online": False,
    "is_supporter": True,
    "last_visit": None,
    "pm_friends_only": False,
    "profile_colour": None,
    "username": "pippi",
}


def test_comment_without_message_permission() -> None:
    obj = assert_lossless(_b(COMMENT), Comment)
    assert obj.message is UNSET
    assert obj.message_html is UNSET
    assert obj.deleted_by_id is UNSET
    assert obj.user is UNSET


def test_comment_moderator_view_and_user_include() -> None:
    raw = {
        **COMMENT,
        "deleted_at": "2019-09-06T00:00:00+00:00",
        "deleted_by_id": 3,
        "message": None,
        "message_html": None,
        "user_id": None,
        "legacy_name": "old guest",
        "user": USER,
    }
    obj = assert_lossless(_b(raw), Comment)
    assert obj.deleted_by_id == 3
    assert obj.message is None
    assert obj.user is not UNSET


def test_reply_bundle_has_no_counts() -> None:
    raw = {
        "comments": [
            {
                **COMMENT,
                "parent_id": 100,
                "commentable_type": "build",
                "message": "m",
                "message_html": "<p>m</p>",
            }
        ],
        "has_more": False,
        "has_more_id": 100,
        "included_comments": [],
        "pinned_comments": [COMMENT],
        "user_votes": [276],
        "user_follow": True,
        "users": [USER],
        "sort": "top",
        "cursor": None,
        "commentable_meta": [
            {
                "current_user_attributes": {"can_new_comment_reason": "Comments are locked."},
                "id": 407,
                "type": "build",
                "title": "2026.624.0",
                "url": "https://osu.ppy.sh/home/changelog/lazer/2026.624.0",
                "owner_id": None,
                "owner_title": None,
                "locked": True,
            },
            {"title": "Deleted Item"},
        ],
    }
    obj = assert_lossless(_b(raw), CommentBundle)
    assert obj.top_level_count is UNSET
    assert obj.total is UNSET
    assert obj.cursor is None
    assert obj.sort is CommentSort.TOP
    assert obj.comments[0].commentable_type is CommentableType.BUILD
    assert obj.user is UNSET


def test_bundle_filtered_by_user() -> None:
    raw = {
        "comments": [],
        "has_more": False,
        "has_more_id": None,
        "included_comments": [],
        "pinned_comments": [],
        "user_votes": [],
        "user_follow": False,
        "users": [],
        "sort": "new",
        "cursor": None,
        "user": USER,
        "top_level_count": 0,
        "total": 0,
        "commentable_meta": [{"title": "Deleted Item"}],
    }
    obj = assert_lossless(_b(raw), CommentBundle)
    assert obj.user is not UNSET and obj.user is not None
    assert obj.user.username == "pippi"


def test_unknown_commentable_type_and_field() -> None:
    raw = {**COMMENT, "commentable_type": "wiki_page", "reactions": []}
    obj = assert_lossless(_b(raw), Comment, strict=False)
    assert not obj.commentable_type.is_known
    assert unknown_fields(obj) == {"reactions": []}
    assert dump(obj)["reactions"] == []
