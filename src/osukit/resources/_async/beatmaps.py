"""Beatmaps: lookup, batches, leaderboards, difficulty attributes, packs."""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from ..._async.pagination import AsyncPaginator
from ...enums import Ruleset
from ...models.beatmaps import Beatmap, BeatmapAttributesResponse, BeatmapCompact, BeatmapPack
from ...models.scores import (
    BeatmapScores,
    BeatmapUserScore,
    BeatmapUserScores,
    LegacyBeatmapScores,
    LegacyBeatmapUserScore,
    LegacyBeatmapUserScores,
)
from ...pagination import CursorStringStyle
from .. import beatmaps as R
from .._params import InvalidParameterError, check_ids, check_limit, enum_value, ruleset_or_none
from ._base import AsyncResource

__all__ = ["AsyncBeatmaps"]


def _mods_list(mods: Any) -> list[str] | None:
    """``mods[]`` for leaderboards: acronyms (``NM`` for no mod)."""
    if mods is None:
        return None
    from ...game.mods import ModError, Mods

    try:
        parsed = Mods.parse(mods)
    except ModError as exc:
        raise InvalidParameterError(f"mods: {exc}") from None
    return list(parsed.acronyms) or ["NM"]


def _mods_body(mods: Any) -> Any:
    if mods is None:
        return None
    from ...game.mods import ModError, Mods

    try:
        return Mods.parse(mods).to_api()
    except ModError as exc:
        raise InvalidParameterError(f"mods: {exc}") from None


class AsyncBeatmaps(AsyncResource):
    """``client.beatmaps``: beatmaps (difficulties), their leaderboards and attributes, and packs."""

    async def get(self, beatmap: int) -> Beatmap:
        """A beatmap with its beatmapset, failtimes and owners.

        Route: ``GET api/v2/beatmaps/{beatmap}``. Scope: ``public``.
        """
        return await self._client._call(R.GET, path={"beatmap": beatmap})

    async def lookup(self, *, id: int | None = None, checksum: str | None = None,
                     filename: str | None = None) -> Beatmap:
        """Find a beatmap by id, by the md5 ``checksum`` of its ``.osu`` file, or by filename.

        Route: ``GET api/v2/beatmaps/lookup``. Scope: ``public``.
        """
        if id is None and checksum is None and filename is None:
            raise InvalidParameterError("give id, checksum or filename")
        return await self._client._call(
            R.LOOKUP, params={"id": id, "checksum": checksum, "filename": filename}
        )

    async def get_batch(self, ids: Iterable[int]) -> list[BeatmapCompact]:
        """Up to 50 beatmaps by id in one request (unknown ids are left out).

        Route: ``GET api/v2/beatmaps``. Scope: ``public``.
        """
        id_list = check_ids(ids)
        if not id_list:
            return []
        response = await self._client._call(R.GET_MANY, params={"ids": id_list})
        return list(response.beatmaps)

    async def get_many(
        self, ids: Iterable[int], *, concurrency: int = 4, progress: bool | None = False
    ) -> list[BeatmapCompact | None]:
        """Any number of beatmaps by id, in the order asked, ``None`` where missing.

        Runs as a bulk crawl ([`crawl`][osukit._async.client.AsyncClient.crawl]): duplicate ids are fetched once,
        the rest in chunks of 50 with up to ``concurrency`` requests in flight, every one through
        the client's rate limiter; ``progress=None`` shows a progress bar on a terminal.

        Route: ``GET api/v2/beatmaps`` (once per 50 ids). Scope: ``public``.
        """
        return await self._get_many(self.get_batch, ids, concurrency=concurrency, progress=progress,
                                    description="beatmaps")

    async def scores(
        self,
        beatmap: int,
        *,
        mode: Ruleset | str | None = None,
        mods: Any = None,
        type: R.LeaderboardType | str = R.LeaderboardType.GLOBAL,
        limit: int | None = None,
        legacy_only: bool = False,
    ) -> BeatmapScores | LegacyBeatmapScores:
        """The beatmap's leaderboard (top 50 by default, at most 100) and the token user's score.

        Scores come in the lazer shape, or the legacy one when the server sends it (``api_version``
        below 20220705, or a server that ignores ``x-api-version``).

        ``mods`` filters the leaderboard (``"HDDT"``, ``["HD", "DT"]``, a bitmask, ``"NM"``…).

        Route: ``GET api/v2/beatmaps/{beatmap}/scores``. Scope: ``public``.
        """
        check_limit(limit, low=1, high=100)
        return await self._client._call(
            R.SCORES,
            path={"beatmap": beatmap},
            params={
                "mode": ruleset_or_none(mode),
                "mods": _mods_list(mods),
                "type": enum_value(type, R.LeaderboardType, "type"),
                "limit": limit,
                "legacy_only": 1 if legacy_only else None,
            },
        )

    async def solo_scores(
        self,
        beatmap: int,
        *,
        mode: Ruleset | str | None = None,
        mods: Any = None,
        type: R.LeaderboardType | str = R.LeaderboardType.GLOBAL,
        limit: int | None = None,
    ) -> BeatmapScores:
        """The beatmap's leaderboard in the lazer shape (deprecated by osu! on 2025-04-10; use [`scores`][osukit.resources._async.beatmaps.AsyncBeatmaps.scores]).

        Route: ``GET api/v2/beatmaps/{beatmap}/solo-scores``. Scope: ``public``.
        """
        check_limit(limit, low=1, high=100)
        return await self._client._call(
            R.SOLO_SCORES,
            path={"beatmap": beatmap},
            params={"mode": ruleset_or_none(mode), "mods": _mods_list(mods),
                    "type": enum_value(type, R.LeaderboardType, "type"), "limit": limit},
        )

    async def user_score(
        self,
        beatmap: int,
        user: int,
        *,
        mode: Ruleset | str | None = None,
        mods: Any = None,
        legacy_only: bool = False,
    ) -> BeatmapUserScore | LegacyBeatmapUserScore:
        """A user's best score on the beatmap, with its leaderboard position.

        Route: ``GET api/v2/beatmaps/{beatmap}/scores/users/{user}``. Scope: ``public``.
        """
        return await self._client._call(
            R.USER_SCORE,
            path={"beatmap": beatmap, "user": user},
            params={"mode": ruleset_or_none(mode), "mods": _mods_list(mods),
                    "legacy_only": 1 if legacy_only else None},
        )

    async def user_scores(
        self, beatmap: int, user: int, *, mode: Ruleset | str | None = None, legacy_only: bool = False
    ) -> BeatmapUserScores | LegacyBeatmapUserScores:
        """All of a user's scores on the beatmap.

        Route: ``GET api/v2/beatmaps/{beatmap}/scores/users/{user}/all``. Scope: ``public``.
        """
        ruleset = ruleset_or_none(mode)
        return await self._client._call(
            R.USER_SCORES,
            path={"beatmap": beatmap, "user": user},
            params={"ruleset": ruleset, "legacy_only": 1 if legacy_only else None},
        )

    async def attributes(
        self, beatmap: int, *, mods: Any = None, ruleset: Ruleset | str | None = None
    ) -> BeatmapAttributesResponse:
        """Difficulty attributes (star rating, max combo, per-ruleset values) with ``mods``.

        Route: ``POST api/v2/beatmaps/{beatmap}/attributes``. Scope: ``public``.
        """
        r = ruleset_or_none(ruleset)
        return await self._client._call(
            R.ATTRIBUTES,
            path={"beatmap": beatmap},
            json={"mods": _mods_body(mods), "ruleset": r.value if r is not None else None},
        )

    def packs(
        self,
        *,
        type: R.BeatmapPackType | str = R.BeatmapPackType.STANDARD,
        legacy_only: bool = False,
        limit: int | None = 100,
        cursor: str | None = None,
    ) -> AsyncPaginator[BeatmapPack]:
        """Beatmap packs of one type, newest first.

        Route: ``GET api/v2/beatmaps/packs``. Scope: ``public``. Paginated by ``cursor_string``.
        """
        check_limit(limit, low=0, high=10**9)
        return self._client._paginate(
            R.PACKS,
            params={"type": enum_value(type, R.BeatmapPackType, "type"), "legacy_only": 1 if legacy_only else None},
            style=CursorStringStyle(lambda r: r.beatmap_packs),
            limit=limit,
            cursor=cursor,
        )

    async def pack(self, pack: str, *, legacy_only: bool = False) -> BeatmapPack:
        """A beatmap pack by tag (``"S1"``, ``"T100"`` …) with its beatmapsets.

        Route: ``GET api/v2/beatmaps/packs/{pack}``. Scope: ``public``.
        """
        return await self._client._call(
            R.PACK, path={"pack": pack}, params={"legacy_only": 1 if legacy_only else None}
        )
