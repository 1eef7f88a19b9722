"""Forum group: routes and parameter types (``/forums``)."""

from __future__ import annotations

from .._route import route
from ..enums import OsuStrEnum
from ..models.forums import (
    CreateForumTopicResponse,
    ForumPost,
    ForumsResponse,
    ForumTopic,
    ForumTopicListResponse,
    ForumTopicWithPosts,
    ForumWithTopics,
)


class TopicSort(OsuStrEnum):
    """Order of a topic listing."""

    NEW = "new"
    OLD = "old"


class PostSort(OsuStrEnum):
    """Order of a topic's posts."""

    ID_ASC = "id_asc"
    ID_DESC = "id_desc"


class PinType(OsuStrEnum):
    """How a topic is pinned (``pin`` of ``POST forums/topics/{topic}/pin``)."""

    UNPIN = "0"
    PIN = "1"
    ANNOUNCE = "2"


LOCK = route("POST", "api/v2/forums/topics/{topic}/lock", scope="forum.write_manage", name="forums.lock_topic",
             response=None, requires_user=True)
PIN = route("POST", "api/v2/forums/topics/{topic}/pin", scope="forum.write_manage", name="forums.pin_topic",
            response=None, requires_user=True)
REPLY = route("POST", "api/v2/forums/topics/{topic}/reply", scope="forum.write", name="forums.reply",
              response=ForumPost, requires_user=True)
TOPICS = route("GET", "api/v2/forums/topics", scope="public", name="forums.topics",
               response=ForumTopicListResponse, paginated="cursor_string")
CREATE_TOPIC = route("POST", "api/v2/forums/topics", scope="forum.write", name="forums.create_topic",
                     response=CreateForumTopicResponse, requires_user=True)
TOPIC = route("GET", "api/v2/forums/topics/{topic}", scope="public", name="forums.topic",
              response=ForumTopicWithPosts, paginated="cursor_string")
EDIT_TOPIC = route("PATCH|PUT", "api/v2/forums/topics/{topic}", scope="forum.write", name="forums.edit_topic",
                   response=ForumTopic, requires_user=True)
EDIT_POST = route("PATCH|PUT", "api/v2/forums/posts/{post}", scope="forum.write", name="forums.edit_post",
                  response=ForumPost, requires_user=True)
FORUMS = route("GET", "api/v2/forums", scope="public", name="forums.list", response=ForumsResponse)
FORUM = route("GET", "api/v2/forums/{forum}", scope="public", name="forums.get", response=ForumWithTopics)
