"""Scores: single scores, replays, and the feed of newly submitted scores."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from ..._async.pagination import AsyncPaginator
from ...enums import Ruleset
from ...models.scores import LegacyScore, Score
from ...pagination import CursorStringStyle
from .. import scores as R
from .._params import check_limit, ruleset_or_none
from ._base import AsyncResource

if TYPE_CHECKING:
    from ..._async.feed import AsyncScoreFeed
    from ...feeds import FeedPacer

__all__ = ["AsyncScores"]


def _require_ruleset(ruleset: Ruleset | str | int) -> Ruleset:
    r = ruleset_or_none(ruleset)
    assert r is not None
    return r


class AsyncScores(AsyncResource):
    """``client.scores``: scores by id, replay downloads and the new-scores feed."""

    async def get(self, score: int) -> Score | LegacyScore:
        """A score by its (lazer) id.

        Route: ``GET api/v2/scores/{score}``. Scope: ``public``.
        """
        return await self._client._call(R.GET, path={"score": score})

    async def get_legacy(self, ruleset: Ruleset | str | int, score: int) -> Score | LegacyScore:
        """A score by ruleset and its legacy (stable) score id.

        Route: ``GET api/v2/scores/{ruleset}/{score}``. Scope: ``public``.
        """
        return await self._client._call(
            R.GET_LEGACY, path={"ruleset": _require_ruleset(ruleset), "score": score}
        )

    async def download(self, score: int) -> bytes:
        """The score's replay as ``.osr`` bytes (read it with [`osukit.game.Replay`][osukit.game.replay.Replay]).

        Limited by osu! to 10 per minute: osukit's replay bucket paces it.
        Route: ``GET api/v2/scores/{score}/download``. Scope: ``public``.
        """
        data: bytes = await self._client._call(R.DOWNLOAD, path={"score": score})
        return data

    async def download_legacy(self, ruleset: Ruleset | str | int, score: int) -> bytes:
        """A stable score's replay (by ruleset and legacy score id) as ``.osr`` bytes.

        Route: ``GET api/v2/scores/{ruleset}/{score}/download``. Scope: ``public``.
        """
        data: bytes = await self._client._call(
            R.DOWNLOAD_LEGACY, path={"ruleset": _require_ruleset(ruleset), "score": score}
        )
        return data

    def recent(
        self,
        *,
        ruleset: Ruleset | str | int | None = None,
        limit: int | None = 1000,
        cursor: str | None = None,
    ) -> AsyncPaginator[Score]:
        """Newly submitted passing scores, oldest first, from ``cursor`` on (the last 24 hours).

        Keep ``paginator.cursor`` (or a page's ``next_cursor``) to poll again later
        from where you stopped; osu! answers 422 for a cursor that is too old.

        Route: ``GET api/v2/scores``. Scope: ``public``. Paginated by ``cursor_string``.
        """
        check_limit(limit, low=0, high=10**9)
        return self._client._paginate(
            R.LIST,
            params={"ruleset": ruleset_or_none(ruleset)},
            style=CursorStringStyle(lambda r: r.scores),
            limit=limit,
            cursor=cursor,
        )

    def follow(
        self,
        ruleset: Ruleset | str | int | None = None,
        *,
        checkpoint: Any = None,
        checkpoint_key: str | None = None,
        checkpoint_every: int = 1,
        backfill: bool = False,
        pacer: FeedPacer | None = None,
    ) -> AsyncScoreFeed:
        """Every new passing score, exactly once and in order, for as long as you iterate.

        A never-ending iterator of `osukit.models.scores.Score` and, when osu!
        refused a cursor that fell too far behind, one `osukit.FeedGap` with the
        time range that may be lost. ``checkpoint`` (a file path or a checkpoint store:
        file, SQLite, Redis) makes it resume where it stopped; ``checkpoint_key`` names
        the position in the store (default ``scores.follow:<ruleset or all>``). Without a
        saved position it starts at the newest score (``backfill=True``: with the newest
        page). Polls as often as the feed's volume needs within a quarter of the rate
        limit (``pacer``, a `osukit.feeds.FeedPacer`). Details: ``docs/feeds.md``.

        Route: ``GET api/v2/scores``. Scope: ``public``.

        Raises:
            InvalidParameterError: an unknown ruleset or a bad checkpoint argument.
            APIError: any refusal other than a too-old cursor (which becomes a ``FeedGap``).
        """
        from ..._async.feed import AsyncScoreFeed

        return AsyncScoreFeed(
            self._client,
            ruleset_or_none(ruleset),
            checkpoint=checkpoint,
            checkpoint_key=checkpoint_key,
            checkpoint_every=checkpoint_every,
            backfill=backfill,
            pacer=pacer,
        )
