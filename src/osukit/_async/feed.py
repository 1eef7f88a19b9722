"""The live score feed (``client.scores.follow()``). Its synchronous twin (``osukit/_sync/feed.py``)
is generated from this file by ``scripts/unasync.py``; edit this one and re-run the script."""

from __future__ import annotations

import types
from collections.abc import AsyncIterator
from typing import TYPE_CHECKING, Any

from .._exceptions import APIError, InvalidParameterError
from ..contrib._crawl import CheckpointStore, as_checkpoint_store
from ..enums import Ruleset
from ..feeds import PAGE_SIZE, FeedGap, FeedPacer, FeedPosition, cursor_after, refusal_message
from ..models.scores import Score, ScoresResponse
from ..ratelimit import TokenBucket

if TYPE_CHECKING:
    from .client import AsyncClient

__all__ = ["AsyncScoreFeed"]


class AsyncScoreFeed:
    """Every new score, once, in order: a never-ending iterator over ``GET /api/v2/scores``.

    Made by ``client.scores.follow()``; use it as a context manager so that a score
    you have finished with counts as delivered even when you stop right after it:

    ```python
    async with osu.scores.follow(checkpoint="feed.json") as feed:
        async for item in feed:
            if isinstance(item, osukit.FeedGap):
                log.warning("lost scores between %s and %s", item.after_time, item.before_time)
                continue
            await handle(item)          # a Score
    ```

    **Delivery.** A score counts as delivered when you ask for the next item, or
    when the ``with`` block ends without an exception (a ``break``, a ``return``,
    `aclose`). A score whose handling raised is not: it comes first again
    when the feed resumes from the same checkpoint. Only a hard kill (SIGKILL, power
    loss) between handling a score and asking for the next can deliver that one
    score twice; compare ids (they only grow) if that matters to you.

    **Checkpoint.** ``checkpoint`` is a file path (a JSON file), or any store with
    ``load``/``save``/``delete`` (`osukit.contrib.sqlite.SqliteCheckpointStore`,
    `osukit.contrib.redis.RedisCheckpointStore`); the position is saved every
    ``checkpoint_every`` delivered scores, at each page's end and on close.
    Without one the feed starts at the newest score each time.

    **Resuming.** The position is "after the last delivered score" (a ``{"id": N}``
    cursor, `osukit.feeds.cursor_after`), wherever on its page that score stood, so
    a feed stopped after any score resumes at the next one.

    **Gaps.** Only when osu! refuses the cursor as too old (``422 "cursor is too
    old"``: the feed was stopped for too long) does the feed read the newest page
    instead; if scores may have been lost in between, it yields one
    `osukit.FeedGap` with the time range and osu!'s message, then carries on.

    **Pacing.** See `osukit.feeds.FeedPacer`; ``feed.pacer`` shows the
    current estimate and wait.
    """

    def __init__(
        self,
        client: AsyncClient,
        ruleset: Ruleset | None = None,
        *,
        checkpoint: Any = None,
        checkpoint_key: str | None = None,
        checkpoint_every: int = 1,
        backfill: bool = False,
        pacer: FeedPacer | None = None,
    ) -> None:
        if isinstance(checkpoint_every, bool) or not isinstance(checkpoint_every, int) or checkpoint_every < 1:
            raise InvalidParameterError(f"checkpoint_every must be a whole number >= 1, not {checkpoint_every!r}")
        if checkpoint_key is not None and (not isinstance(checkpoint_key, str) or not checkpoint_key):
            raise InvalidParameterError(f"checkpoint_key must be a non-empty string, not {checkpoint_key!r}")
        if pacer is not None and not isinstance(pacer, FeedPacer):
            raise InvalidParameterError(f"pacer must be an osukit.feeds.FeedPacer, not {type(pacer).__name__}")
        self._client = client
        self.ruleset = ruleset
        self._store: CheckpointStore | None = as_checkpoint_store(checkpoint)
        self.key = checkpoint_key or f"scores.follow:{ruleset.value if ruleset is not None else 'all'}"
        self.checkpoint_every = max(1, int(checkpoint_every))
        self.backfill = backfill
        self.pacer = pacer or FeedPacer()
        self.position = FeedPosition.from_state(self._store.load(self.key) if self._store is not None else None)
        self._pending: tuple[str | None, int, Any] | None = None
        self._unsaved = 0
        self._closed = False
        self.polls = 0
        self.delivered = 0
        self.gaps = 0
        self.refusals = 0

    def __repr__(self) -> str:
        return (f"{type(self).__name__}(ruleset={self.ruleset!r}, key={self.key!r}, last_id={self.position.last_id}, "
                f"delivered={self.delivered}, gaps={self.gaps})")

    # --- acknowledging ------------------------------------------------------------------------

    def _ack(self) -> None:
        """The item handed out last is done with: move the position past it."""
        if self._pending is None:
            return
        cursor, item_id, when = self._pending
        self._pending = None
        # After a score: the cursor right after it, wherever it stood on its page (the page's own
        # cursor points past its last score, and None would mean the newest page, not this one).
        self.position.cursor = cursor_after(item_id) if item_id >= 0 else cursor
        if item_id >= 0:
            self.position.last_id = item_id
            self.position.last_time = when
        self._unsaved += 1

    def _save(self) -> None:
        self._unsaved = 0
        if self._store is not None:
            self._store.save(self.key, self.position.to_state())

    async def _checkpoint(self) -> None:
        """Save the position; the async feed does it in a thread, so a file, SQLite or Redis store never
        blocks the event loop."""
        self._unsaved = 0
        if self._store is not None:
            await self._client._clock.arun_blocking(self._store.save, self.key, self.position.to_state())

    async def _acked(self) -> None:
        self._ack()
        if self._unsaved >= self.checkpoint_every:
            await self._checkpoint()

    def commit(self) -> None:
        """Count the item handed out last as delivered and save the position now."""
        self._ack()
        self._save()

    async def aclose(self) -> None:
        """Count the item handed out last as delivered, save the position and stop."""
        if self._closed:
            return
        self._closed = True
        self._ack()
        await self._checkpoint()

    async def __aenter__(self) -> AsyncScoreFeed:
        return self

    async def __aexit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: types.TracebackType | None,
    ) -> None:
        if exc_type is None:
            await self.aclose()
            return
        self._pending = None  # its handling failed: it comes again on resume
        self._closed = True
        await self._checkpoint()

    # --- polling ------------------------------------------------------------------------------

    async def _fetch(self, cursor: str | None) -> ScoresResponse:
        from ..resources import scores as R

        self.polls += 1
        params: dict[str, Any] = {"ruleset": self.ruleset}
        if cursor:
            params["cursor_string"] = cursor
        page: ScoresResponse = await self._client._call(R.LIST, params=params, model=ScoresResponse)
        return page

    def _wait(self, count: int) -> float:
        self.pacer.observe(count, self._client._clock.monotonic())
        limiter = self._client.rate_limiter
        per_minute = limiter.per_minute if isinstance(limiter, TokenBucket) else None
        info = self._client.last_response
        return self.pacer.next_interval(
            count,
            per_minute=per_minute,
            remaining=info.rate_limit_remaining if info is not None else None,
            limit=info.rate_limit if info is not None else None,
        )

    def __aiter__(self) -> AsyncIterator[Score | FeedGap]:
        return self._run()

    async def _run(self) -> AsyncIterator[Score | FeedGap]:
        pos = self.position
        if not pos.started and not self.backfill:
            head = await self._fetch(None)  # start at the newest score: only later ones are "new"
            if head.scores:
                pos.last_id = head.scores[-1].id
                pos.last_time = _ended(head.scores[-1])
            pos.cursor = _cursor(head)
            pos.started = True
            await self._checkpoint()
            await self._client._clock.asleep(self._wait(0))
        pos.started = True
        reported: int | None = None  # after_id of the gap with no score after it reported last
        while not self._closed:
            page_cursor = pos.cursor
            if page_cursor is None and pos.last_id is not None:
                page_cursor = cursor_after(pos.last_id)  # a checkpoint that kept no cursor: resume after last_id
            refusal: str | None = None
            try:
                page = await self._fetch(page_cursor)
            except APIError as exc:
                refusal = refusal_message(exc) if page_cursor is not None else None
                if refusal is None:
                    raise
                self.refusals += 1
                page = await self._fetch(None)
            gap: FeedGap | None = None
            if refusal is not None and pos.last_id is not None:
                # osu! refused the cursor and answered the newest page: anything between our last score and
                # that page's oldest may be gone. Only a refusal says so; a stop never does.
                first = page.scores[0] if page.scores else None
                if first is not None and first.id > pos.last_id:
                    gap = FeedGap(pos.last_id, pos.last_time, first.id, _ended(first), reason=refusal)
                elif first is None and reported != pos.last_id:
                    gap = FeedGap(pos.last_id, pos.last_time, None, None, reason=refusal)
                    reported = pos.last_id
            fresh = [s for s in page.scores if pos.last_id is None or s.id > pos.last_id]
            if gap is not None:
                self.gaps += 1
                # Once the gap is acknowledged the feed stands just before the first score after it.
                self._pending = (cursor_after(gap.before_id - 1) if gap.before_id is not None else None, -1, None)
                yield gap
                await self._acked()
            for score in fresh:
                self._pending = (None, score.id, _ended(score))
                self.delivered += 1
                yield score
                await self._acked()
            nxt = _cursor(page)
            if nxt is not None and nxt != pos.cursor:
                pos.cursor = nxt
                await self._checkpoint()
            elif self._unsaved:
                await self._checkpoint()
            await self._client._clock.asleep(self._wait(len(page.scores) if len(page.scores) >= PAGE_SIZE else len(fresh)))


def _cursor(page: ScoresResponse) -> str | None:
    value = page.cursor_string
    return value if isinstance(value, str) and value else None


def _ended(score: Score) -> Any:
    value = score.ended_at
    return None if not hasattr(value, "isoformat") else value
