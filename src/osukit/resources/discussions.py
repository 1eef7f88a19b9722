"""Beatmapset discussions and events, and site events: routes and parameter types."""

from __future__ import annotations

from .._route import route
from ..models.discussions import (
    BeatmapsetEventsResponse,
    DiscussionPostsResponse,
    DiscussionsResponse,
    DiscussionVotesResponse,
)
from ..models.events import EventsResponse

MESSAGE_TYPES = ("suggestion", "problem", "mapper_note", "praise", "hype", "review")
"""Discussion ``message_types`` (osu-web ``BeatmapDiscussion::MESSAGE_TYPES``)."""
BEATMAPSET_STATUSES = ("all", "ranked", "qualified", "disqualified", "never_qualified")
"""``beatmapset_status`` (osu-web ``BeatmapDiscussion::VALID_BEATMAPSET_STATUSES``, and ``all``)."""
POST_TYPES = ("first", "reply", "system")
"""Discussion post ``types`` (osu-web ``BeatmapDiscussionPost::search``)."""
ID_SORTS = ("id_desc", "id_asc")
"""``sort`` of discussions, posts, votes and site events: newest or oldest first."""

BEATMAPSET_EVENTS = route("GET", "api/v2/beatmapsets/events", scope="public", name="discussions.events",
                          response=BeatmapsetEventsResponse, paginated="page")
POSTS = route("GET", "api/v2/beatmapsets/discussions/posts", scope="public", name="discussions.posts",
              response=DiscussionPostsResponse, paginated="cursor_string")
VOTES = route("GET", "api/v2/beatmapsets/discussions/votes", scope="public", name="discussions.votes",
              response=DiscussionVotesResponse, paginated="cursor_string")
DISCUSSIONS = route("GET", "api/v2/beatmapsets/discussions", scope="public", name="discussions.list",
                    response=DiscussionsResponse, paginated="cursor_string")
EVENTS = route("GET", "api/v2/events", scope="public", name="events.list", response=EventsResponse,
               paginated="cursor_string")
