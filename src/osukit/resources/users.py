"""Users group: routes and parameter types (``/users``, ``/me``, ``/friends``)."""

from __future__ import annotations

import enum
from collections.abc import Mapping
from typing import Any

from .._constants import FRIEND_RELATIONS_API_VERSION
from .._route import route
from ..enums import OsuStrEnum
from ..models.beatmaps import BeatmapPlaycount, Beatmapset, BeatmapsetCompact
from ..models.scores import LegacyScore, Score
from ..models.users import (
    BeatmapsPassedResponse,
    Event,
    FavouriteBeatmapsetsResponse,
    KudosuHistory,
    User,
    UserCompact,
    UserRelation,
    UsersResponse,
)

__all__ = ["UserBeatmapsetType", "UserScoreType"]


class UserScoreType(OsuStrEnum):
    """Which of a user's scores: ``best``, ``firsts``, ``recent`` or ``pinned``."""

    BEST = "best"
    FIRSTS = "firsts"
    RECENT = "recent"
    PINNED = "pinned"


class UserBeatmapsetType(OsuStrEnum):
    """Which of a user's beatmapsets."""

    FAVOURITE = "favourite"
    GRAVEYARD = "graveyard"
    GUEST = "guest"
    LOVED = "loved"
    MOST_PLAYED = "most_played"
    NOMINATED = "nominated"
    PENDING = "pending"
    RANKED = "ranked"
    # deprecated names osu-web still accepts (UsersController::beatmapsets): ranked and pending
    RANKED_AND_APPROVED = "ranked_and_approved"
    UNRANKED = "unranked"


def _ids_cost(params: Mapping[str, Any]) -> int:
    # osu-web RequestCost: one per id, three per id with include_variant_statistics.
    ids = params.get("ids") or ()
    per = 3 if params.get("include_variant_statistics") else 1
    return max(1, len(ids) * per)


def _passed_cost(params: Mapping[str, Any]) -> int:
    return max(1, len(params.get("beatmapset_ids") or ()))


ME = route("GET", "api/v2/me/{mode?}", scope="identify", name="users.me", response=User, requires_user=True)
GET_USER = route("GET", "api/v2/users/{user}/{mode?}", scope="public", name="users.get", response=User)
GET_USERS = route(
    "GET", "api/v2/users", scope="public", name="users.get_many", response=UsersResponse, cost=_ids_cost
)
LOOKUP_USERS = route("GET", "api/v2/users/lookup", scope="public", name="users.lookup", response=UsersResponse)
USER_KUDOSU = route(
    "GET", "api/v2/users/{user}/kudosu", scope="public", name="users.kudosu",
    response=list[KudosuHistory], paginated="offset",
)
USER_SCORES = route(
    "GET", "api/v2/users/{user}/scores/{type}", scope="public", name="users.scores",
    response=list[Score], paginated="offset", legacy_response=list[LegacyScore],
)
USER_MOST_PLAYED_MODEL = list[BeatmapPlaycount]


def _beatmapsets_model(path: Mapping[str, Any]) -> Any:
    """``most_played`` lists play counts (osu-web's BeatmapPlaycountTransformer), the other kinds beatmapsets."""
    kind = path.get("type")
    value = kind.value if isinstance(kind, enum.Enum) else kind
    return USER_MOST_PLAYED_MODEL if value == "most_played" else None


USER_BEATMAPSETS = route(
    "GET", "api/v2/users/{user}/beatmapsets/{type}", scope="public", name="users.beatmapsets",
    response=list[Beatmapset], paginated="offset", response_by=_beatmapsets_model,
)
USER_RECENT_ACTIVITY = route(
    "GET", "api/v2/users/{user}/recent_activity", scope="public", name="users.recent_activity",
    response=list[Event], paginated="offset",
)
USER_BEATMAPS_PASSED = route(
    "GET", "api/v2/users/{user}/beatmaps-passed", scope="public", name="users.beatmaps_passed",
    response=BeatmapsPassedResponse, cost=_passed_cost,
)
FAVOURITE_BEATMAPSETS = route(
    "GET", "api/v2/me/beatmapset-favourites", scope="identify", name="users.favourite_beatmapset_ids",
    response=FavouriteBeatmapsetsResponse, requires_user=True,
)
FRIENDS = route(
    "GET", "api/v2/friends", scope="friends.read", name="users.friends", response=list[UserRelation],
    requires_user=True, older_responses=((FRIEND_RELATIONS_API_VERSION, list[User]),),
)
FRIENDS_LEGACY_MODEL = list[User]

# Re-exported for the resource classes (keeps their imports to one module).
MODELS = (User, UserCompact, Beatmapset, BeatmapsetCompact, Score, LegacyScore)
