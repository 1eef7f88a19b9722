"""API v1 (legacy, ``/api/get_*`` with an API key) and the ``.osu`` file download: routes and helpers."""

from __future__ import annotations

import datetime as _dt
from typing import Any

from .._route import route
from ..enums import Ruleset
from ..models.legacy import V1Beatmap, V1MatchResponse, V1Replay, V1Score, V1User
from ._params import InvalidParameterError, ruleset_or_none

GET_BEATMAPS = route("GET", "api/get_beatmaps", scope=None, name="legacy.get_beatmaps", response=list[V1Beatmap],
                     api="v1")
GET_USER = route("GET", "api/get_user", scope=None, name="legacy.get_user", response=list[V1User], api="v1")
GET_SCORES = route("GET", "api/get_scores", scope=None, name="legacy.get_scores", response=list[V1Score], api="v1")
GET_USER_BEST = route("GET", "api/get_user_best", scope=None, name="legacy.get_user_best", response=list[V1Score],
                      api="v1")
GET_USER_RECENT = route("GET", "api/get_user_recent", scope=None, name="legacy.get_user_recent",
                        response=list[V1Score], api="v1")
GET_MATCH = route("GET", "api/get_match", scope=None, name="legacy.get_match", response=V1MatchResponse, api="v1")
GET_REPLAY = route("GET", "api/get_replay", scope=None, name="legacy.get_replay", response=V1Replay, api="v1",
                   bucket="replay")
BEATMAP_FILE = route("GET", "osu/{beatmap}", scope=None, name="legacy.beatmap_file", response=bytes, api="file")


def user_params(user: int | str) -> dict[str, Any]:
    """``u`` and ``type`` for a user given as an id (int) or a name (str)."""
    if isinstance(user, bool) or not isinstance(user, (int, str)):
        raise InvalidParameterError("user must be an int id or a username")
    if isinstance(user, int):
        return {"u": user, "type": "id"}
    if not user.strip():
        raise InvalidParameterError("username must not be empty")
    return {"u": user.strip(), "type": "string"}


def mode_param(mode: Ruleset | str | int | None) -> int | None:
    """``m``: the ruleset id."""
    ruleset = ruleset_or_none(mode)
    return None if ruleset is None else ruleset.id


def mods_param(mods: Any) -> int | None:
    """``mods``: the legacy bitmask of anything [`osukit.game.Mods`][osukit.game.mods.Mods] parses."""
    if mods is None:
        return None
    from ..game.mods import ModError, Mods

    try:
        parsed = Mods.parse(mods)
    except ModError as exc:
        raise InvalidParameterError(f"mods: {exc}") from None
    if parsed.without_legacy_bit:
        raise InvalidParameterError(
            f"v1 only knows mods with a legacy bit; {', '.join(parsed.without_legacy_bit)} have none"
        )
    return parsed.legacy


def since_param(since: _dt.datetime | _dt.date | None) -> str | None:
    """``since``: a MySQL date in UTC."""
    if since is None:
        return None
    if isinstance(since, _dt.datetime):
        if since.tzinfo is not None:
            since = since.astimezone(_dt.timezone.utc)
        return since.strftime("%Y-%m-%d %H:%M:%S")
    return since.strftime("%Y-%m-%d")
