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
