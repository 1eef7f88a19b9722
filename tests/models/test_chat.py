"""Chat models: corpus round-trips and hand-written cases for what the corpus lacks."""

from __future__ import annotations

import json
from typing import Any

import pytest

from osukit._models import UNSET, decode, dump, unknown_fields
from osukit.models.chat import (
    ChatAckResponse,
    ChatChannel,
    ChatChannelType,
    ChatChannelWithUsers,
    ChatMessage,
    ChatMessagesResponse,
    ChatMessageType,
    ChatNewConversationResponse,
    ChatUpdatesResponse,
)
from tests._helpers import assert_lossless, corpus_bytes

CORPUS = [
    ("v2/create_chat_channel_200.json", ChatChannel),
    ("v2/get_channel_messages_200.json", list[ChatMessage]),
    ("v2/get_channels_200.json", list[ChatChannel]),
    ("v2/get_chat_ack_200.json", ChatAckResponse),
    ("v2/join_channel_200.json", ChatChannel),
    ("v2/send_message_200.json", ChatMessage),
]


@pytest.mark.parametrize(("name", "tp"), CORPUS, ids=[c[0] for c in CORPUS])
def test_corpus_lossless(name: str, tp: Any) -> None:
    assert_lossless(corpus_bytes(name), tp)


USER = {
    "avatar_url": "https://a.ppy.sh/2?1.png",
    "country_code": "AU",
    "default_group": "default",
    "id": 2,
    "is_active": True,
    "is_bot": False,
    "is_deleted": False,
    "is_online": True,
    "is_supporter": True,
    "last_visit": "2026-07-04T00:44:56+00:00",
    "pm_friends_only": False,
    "profile_colour": None,
    "username": "peppy",
}

CHANNEL = {
    "channel_id": 1337,
    "description": None,
    "icon": None,
    "message_length_limit": 450,
    "moderated": False,
    "name": "test channel",
    "type": "GROUP",
    "uuid": None,
}

MESSAGE = {
    "channel_id": 1337,
    "content": "i am a lazerface",
    "is_action": False,
    "message_id": 9150005004,
    "sender_id": 2,
    "timestamp": "2026-07-06T06:33:34Z",
    "type": "plain",
}


def _b(value: Any) -> bytes:
    return json.dumps(value).encode()


def test_channel_typed_fields() -> None:
    obj = assert_lossless(corpus_bytes("v2/join_channel_200.json"), ChatChannel)
    assert obj.type is ChatChannelType.PUBLIC
    assert obj.current_user_attributes is not UNSET
    assert obj.current_user_attributes.can_message is True
    assert obj.current_user_attributes.can_message_error is None
    assert obj.users == []
    assert obj.recent_messages is UNSET


def test_minimal_channel_has_no_includes() -> None:
    obj = assert_lossless(_b(CHANNEL), ChatChannel)
    assert obj.description is None
    assert obj.current_user_attributes is UNSET
    assert obj.last_message_id is UNSET
    assert obj.users is UNSET
    assert dump(obj) == CHANNEL


def test_message_with_uuid_and_action_type() -> None:
    raw = {**MESSAGE, "is_action": True, "type": "action", "uuid": "some-uuid-string"}
    obj = assert_lossless(_b(raw), ChatMessage)
    assert obj.uuid == "some-uuid-string"
    assert obj.type is ChatMessageType.ACTION
    assert obj.sender is UNSET
    assert obj.timestamp.tzinfo is not None


def test_message_without_uuid_omits_it() -> None:
    obj = assert_lossless(_b(MESSAGE), ChatMessage)
    assert obj.uuid is UNSET
    assert "uuid" not in dump(obj)


def test_new_conversation_response() -> None:
    raw = {
        "channel": {**CHANNEL, "type": "PM", "last_message_id": 9150005004, "users": [2, 3]},
        "message": {**MESSAGE, "sender": USER},
        "new_channel_id": 1337,
    }
    obj = assert_lossless(_b(raw), ChatNewConversationResponse)
    assert obj.channel.users == [2, 3]
    assert obj.message.sender is not UNSET
    assert obj.message.sender.username == "peppy"


def test_channel_with_users() -> None:
    raw = {
        "channel": {
            **CHANNEL,
            "current_user_attributes": {
                "can_list_users": True,
                "can_message": False,
                "can_message_error": "You cannot message this channel.",
                "last_read_id": None,
            },
            "last_message_id": None,
            "last_read_id": None,
            "users": [2],
        },
        "users": [USER],
    }
    obj = assert_lossless(_b(raw), ChatChannelWithUsers)
    assert obj.channel.current_user_attributes is not UNSET
    assert obj.channel.current_user_attributes.last_read_id is None
    assert obj.users[0].id == 2


def test_current_user_attributes_without_can_list_users() -> None:
    raw = {
        **CHANNEL,
        "current_user_attributes": {"can_message": True, "can_message_error": None, "last_read_id": 1},
    }
    obj = assert_lossless(_b(raw), ChatChannel)
    assert obj.current_user_attributes is not UNSET
    assert obj.current_user_attributes.can_list_users is UNSET


def test_updates_response_parts_are_optional() -> None:
    assert_lossless(b"{}", ChatUpdatesResponse)
    raw = {"presence": [CHANNEL], "silences": [{"id": 5, "user_id": 7}], "messages": []}
    obj = assert_lossless(_b(raw), ChatUpdatesResponse)
    assert obj.silences is not UNSET
    assert obj.silences[0].user_id == 7


def test_messages_return_object() -> None:
    obj = assert_lossless(_b({"messages": [MESSAGE], "users": [USER]}), ChatMessagesResponse)
    assert obj.messages[0].message_id == 9150005004


def test_unknown_channel_type_is_tolerated() -> None:
    obj = assert_lossless(_b({**CHANNEL, "type": "SOMETHING_NEW"}), ChatChannel)
    assert obj.type == "SOMETHING_NEW"
    assert not obj.type.is_known


def test_unknown_field_kept_in_tolerant_mode() -> None:
    raw = {**MESSAGE, "brand_new": {"x": 1}}
    obj = assert_lossless(_b(raw), ChatMessage, strict=False)
    assert unknown_fields(obj) == {"brand_new": {"x": 1}}
    assert dump(obj)["brand_new"] == {"x": 1}
    with pytest.raises(Exception, match="brand_new"):
        decode(_b(raw), ChatMessage, strict=True)
