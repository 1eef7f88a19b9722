"""API v1 (legacy): the seven ``/api/get_*`` endpoints and the ``.osu`` file download."""

from __future__ import annotations

import datetime as _dt
import hashlib
import os
from pathlib import Path
from typing import Any

from ..._files import atomic_write
from ..._redact import logger
from ...enums import Ruleset
from ...models.legacy import V1Beatmap, V1MatchResponse, V1Replay, V1Score, V1User
from .. import legacy as R
from .._params import InvalidParameterError, check_limit, check_range
from ._base import AsyncResource

__all__ = ["AsyncLegacy"]


class AsyncLegacy(AsyncResource):
    """``client.legacy``: API v1 with the API key (``api_key=`` or ``OSU_API_KEY``).

    Lists come back as lists (empty when nothing matches); the single-item
    calls ([`get_user`][osukit.resources._async.legacy.AsyncLegacy.get_user], [`get_match`][osukit.resources._async.legacy.AsyncLegacy.get_match], [`get_replay`][osukit.resources._async.legacy.AsyncLegacy.get_replay]) raise
    [`NotFoundError`][osukit.NotFoundError] instead of returning nothing. The key is
    sent as ``k`` and never appears in logs or errors.
    """

    async def get_beatmaps(
        self,
        *,
        since: _dt.datetime | _dt.date | None = None,
        beatmapset_id: int | None = None,
        beatmap_id: int | None = None,
        user: int | str | None = None,
        mode: Ruleset | str | int | None = None,
        include_converts: bool = False,
        md5: str | None = None,
        limit: int | None = None,
        mods: Any = None,
    ) -> list[V1Beatmap]:
        """Beatmaps matching the filters (at most 500; ``since`` walks ranked/loved maps by date).

        Route: ``GET api/get_beatmaps``. Needs the API key.
        """
        check_limit(limit, low=1, high=500)
        params: dict[str, Any] = {
            "since": R.since_param(since),
            "s": beatmapset_id,
            "b": beatmap_id,
            "m": R.mode_param(mode),
            "a": 1 if include_converts else None,
            "h": md5,
            "limit": limit,
            "mods": R.mods_param(mods),
        }
        if user is not None:
            params.update(R.user_params(user))
        return await self._client._call(R.GET_BEATMAPS, params=params)

    async def get_user(
        self, user: int | str, *, mode: Ruleset | str | int | None = None, event_days: int | None = None
    ) -> V1User:
        """A user by id (int) or name (str). Raises [`NotFoundError`][osukit.NotFoundError] when unknown.

        Route: ``GET api/get_user``. Needs the API key.
        """
        check_range(event_days, low=1, high=31, name="event_days")
        params = {**R.user_params(user), "m": R.mode_param(mode), "event_days": event_days}
        users: list[V1User] = await self._client._call(R.GET_USER, params=params)
        if not users:
            raise self._client._not_found(R.GET_USER, f"no user {user!r}")
        return users[0]

    async def get_scores(
        self,
        beatmap_id: int,
        *,
        user: int | str | None = None,
        mode: Ruleset | str | int | None = None,
        mods: Any = None,
        limit: int | None = None,
    ) -> list[V1Score]:
        """A beatmap's top scores (at most 100), optionally one user's.

        Route: ``GET api/get_scores``. Needs the API key.
        """
        check_limit(limit, low=1, high=100)
        params: dict[str, Any] = {"b": beatmap_id, "m": R.mode_param(mode), "mods": R.mods_param(mods),
                                  "limit": limit}
        if user is not None:
            params.update(R.user_params(user))
        return await self._client._call(R.GET_SCORES, params=params)

    async def get_user_best(
        self, user: int | str, *, mode: Ruleset | str | int | None = None, limit: int | None = None
    ) -> list[V1Score]:
        """A user's best scores (at most 100).

        Route: ``GET api/get_user_best``. Needs the API key.
        """
        check_limit(limit, low=1, high=100)
        params = {**R.user_params(user), "m": R.mode_param(mode), "limit": limit}
        return await self._client._call(R.GET_USER_BEST, params=params)

    async def get_user_recent(
        self, user: int | str, *, mode: Ruleset | str | int | None = None, limit: int | None = None
    ) -> list[V1Score]:
        """A user's plays of the last 24 hours (at most 50), failed ones included.

        Route: ``GET api/get_user_recent``. Needs the API key.
        """
        check_limit(limit, low=1, high=50)
        params = {**R.user_params(user), "m": R.mode_param(mode), "limit": limit}
        return await self._client._call(R.GET_USER_RECENT, params=params)

    async def get_match(self, match_id: int) -> V1MatchResponse:
        """A multiplayer match with its games and scores. Raises [`NotFoundError`][osukit.NotFoundError] when unknown.

        Route: ``GET api/get_match``. Needs the API key.
        """
        response: V1MatchResponse = await self._client._call(R.GET_MATCH, params={"mp": match_id})
        if isinstance(response.match, int):
            raise self._client._not_found(R.GET_MATCH, f"no match {match_id}")
        return response

    async def get_replay(
        self,
        *,
        score_id: int | None = None,
        beatmap_id: int | None = None,
        user: int | str | None = None,
        mode: Ruleset | str | int | None = None,
        mods: Any = None,
    ) -> V1Replay:
        """A replay's frames (``.data`` is the LZMA stream; ``osukit.game.Replay.frames_from_lzma``
        decodes it). Give ``score_id``, or ``beatmap_id`` and ``user``. Limited to 10 per minute
        (osukit's replay bucket). Raises [`NotFoundError`][osukit.NotFoundError] when not available.

        Route: ``GET api/get_replay``. Needs the API key.
        """
        if score_id is None and (beatmap_id is None or user is None):
            raise InvalidParameterError("give score_id, or beatmap_id and user")
        params: dict[str, Any] = {"s": score_id, "b": beatmap_id, "m": R.mode_param(mode), "mods": R.mods_param(mods)}
        if user is not None:
            params.update(R.user_params(user))
        return await self._client._call(R.GET_REPLAY, params=params)

    async def beatmap_file(
        self,
        beatmap_id: int,
        *,
        md5: str | None = None,
        cache_dir: str | os.PathLike[str] | None = None,
    ) -> bytes:
        """The beatmap's ``.osu`` file.

        With ``cache_dir`` the file is kept on disk as ``<beatmap_id>.osu`` and
        reused while its md5 matches ``md5`` (when given; otherwise while it
        exists). Route: ``GET osu/{beatmap}``. No key or token needed.

        Threads, tasks and processes may fill one cache entry at once: each writes its own
        temporary file and renames it over the entry. A cache directory that cannot be
        written is logged (warning) and the file is returned all the same.
        """
        if isinstance(beatmap_id, bool) or not isinstance(beatmap_id, int) or beatmap_id <= 0:
            raise InvalidParameterError("beatmap_id must be a positive int")
        path = Path(cache_dir) / f"{beatmap_id}.osu" if cache_dir is not None else None
        if path is not None:
            try:
                cached = path.read_bytes()
            except OSError:  # absent, removed meanwhile, or unreadable: fetch it again
                cached = None
            if cached is not None and (md5 is None or hashlib.md5(cached).hexdigest() == md5.lower()):
                return cached
        data: bytes = await self._client._call(R.BEATMAP_FILE, path={"beatmap": beatmap_id})
        if not data:
            raise self._client._not_found(R.BEATMAP_FILE, f"no .osu file for beatmap {beatmap_id}")
        if path is not None:
            # Any number of threads, tasks or processes may fill one entry at once: each writes its
            # own temporary file (unique name, same directory) and renames it over the entry, so
            # readers see the old file or a whole new one and no writer trips over another's file.
            try:
                path.parent.mkdir(parents=True, exist_ok=True)
                atomic_write(path, data, mode=0o644)
            except OSError as exc:  # a cache that cannot be written does not fail the download
                logger.warning("legacy.beatmap_file: could not cache %s (%s)", path, exc.strerror or exc)
        return data
