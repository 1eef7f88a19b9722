"""Bulk crawls that survive being killed: checkpointed, resumable, rate limited, streamed.

Made by ``client.crawl(...)``; the synchronous ``Crawler`` is generated from
this file by ``scripts/unasync.py``.
"""

from __future__ import annotations

import contextlib
import itertools
from collections.abc import AsyncIterator, Callable, Iterable, Sequence, Sized
from typing import Any, Generic, Literal, TypeVar

from .._clock import Clock
from .._constants import MAX_IDS_PER_REQUEST
from .._exceptions import ConfigurationError, InvalidParameterError
from ..contrib._crawl import AsyncOrderedMap, CheckpointStore, JsonlWriter, ProgressBar, as_checkpoint_store
from .pagination import AsyncPaginator

__all__ = ["AsyncCrawler"]

T = TypeVar("T")
_STATE_VERSION = 1


class AsyncCrawler(Generic[T]):
    """A crawl over a paginated listing or a list of ids, resumable from a checkpoint.

    Two kinds of source:

    * a **paginator factory** - a callable taking ``cursor=`` and returning a paginator
      (``lambda cursor: osu.users.scores(2, "best", cursor=cursor, limit=None)``). Pages
      are fetched one after another (each page's cursor comes from the previous one).
    * **ids** plus a **chunk fetcher** - ``ids=range(1, 100_001)`` and a callable taking a
      list of up to ``chunk_size`` ids (``osu.users.get_batch``). Up to ``concurrency``
      chunks are in flight at once; results come out in the order of the ids.

    Either way every request still goes through the client's rate limiter (which is
    what bounds throughput), and after each page or chunk the position is saved to the
    ``checkpoint`` (a JSON file, replaced atomically, or any object with
    ``load(key)``/``save(key, state)``/``delete(key)``, e.g.
    `osukit.contrib.redis.RedisCheckpointStore`). A new crawler with the same
    checkpoint starts where the last one stopped, without fetching a finished page again.

    Ways to consume it:

    * iterate it (``async for item in crawl``) - items as they arrive. A page's position
      is saved once you have taken all of its items and ask for the next one, so after a
      crash you see at most the page you were in the middle of again (at least once).
    * ``await crawl.to_jsonl(path)`` - append every item to a JSON Lines file, exactly
      once across kills: each page's lines are flushed and fsync'ed before the checkpoint
      records the file's new length, and a resumed crawl first cuts the file back to that
      length (dropping lines a killed run wrote after its last checkpoint).
    * ``await crawl.run()`` - fetch everything, discarding items (e.g. a side-effecting fetcher).

    A finished crawl's checkpoint says so (``done``); crawling again yields nothing until
    `reset`. ``progress`` shows a rich progress bar (``None``: only when stdout is a
    terminal; ``False``: never; ``"lines"``: a plain line on stderr every 15 s, for logs and pipes).
    """

    def __init__(
        self,
        source: Callable[..., Any],
        *,
        ids: Iterable[int] | None = None,
        chunk_size: int = MAX_IDS_PER_REQUEST,
        checkpoint: Any = None,
        checkpoint_key: str = "crawl",
        concurrency: int = 4,
        progress: bool | Literal["lines"] | None = None,
        description: str = "crawling",
        clock: Clock | None = None,
    ) -> None:
        if not callable(source):
            raise InvalidParameterError("source must be a paginator factory (cursor=...) or, with ids=, a chunk fetcher")
        if not 1 <= chunk_size <= MAX_IDS_PER_REQUEST:
            raise InvalidParameterError(f"chunk_size must be between 1 and {MAX_IDS_PER_REQUEST}")
        if concurrency < 1:
            raise InvalidParameterError("concurrency must be at least 1")
        self.source = source
        self.ids = ids
        self.kind = "ids" if ids is not None else "pages"
        self.chunk_size = chunk_size
        self.checkpoint: CheckpointStore | None = as_checkpoint_store(checkpoint)
        self.checkpoint_key = checkpoint_key
        self.concurrency = concurrency
        self.progress = progress
        self.description = description
        self._clock = clock or Clock()
        self.fetched_pages = 0
        """Pages (or id chunks) fetched by this crawler object (not counting earlier runs)."""
        self.state: dict[str, Any] = {}
        """The last committed position (what the checkpoint holds)."""

    def __repr__(self) -> str:
        return f"{type(self).__name__}(kind={self.kind!r}, checkpoint={self.checkpoint!r})"

    # --- state ------------------------------------------------------------------------------

    def _initial(self) -> dict[str, Any]:
        return {"version": _STATE_VERSION, "kind": self.kind, "done": False, "items": 0, "pages": 0,
                "cursor": None, "offset": 0, "last_id": None}

    def load_state(self) -> dict[str, Any]:
        """The saved position (a fresh one when there is no checkpoint or nothing saved)."""
        state = self._initial()
        if self.checkpoint is not None:
            saved = self.checkpoint.load(self.checkpoint_key)
            if saved:
                if saved.get("kind") != self.kind:
                    raise ConfigurationError(
                        f"checkpoint {self.checkpoint_key!r} belongs to a crawl over {saved.get('kind')}, "
                        f"not {self.kind}; use another checkpoint_key"
                    )
                state.update(saved)
        return state

    def _commit(self, state: dict[str, Any], jsonl_bytes: int | None = None) -> None:
        # Only to_jsonl records a file length: any other consumer clears it, so a later
        # to_jsonl never cuts a file back to a length from before this run.
        state = {**state, "jsonl_bytes": jsonl_bytes}
        self.state = state
        if self.checkpoint is not None:
            self.checkpoint.save(self.checkpoint_key, dict(state))

    def reset(self) -> None:
        """Forget the saved position: the next crawl starts from the beginning."""
        self.state = self._initial()
        if self.checkpoint is not None:
            self.checkpoint.delete(self.checkpoint_key)

    @property
    def done(self) -> bool:
        """True once the last committed state says the crawl finished."""
        return bool(self.state.get("done"))

    # --- sources ----------------------------------------------------------------------------

    async def _page_source(self, state: dict[str, Any]) -> AsyncIterator[tuple[Sequence[T], dict[str, Any]]]:
        paginator: AsyncPaginator[T] = self.source(cursor=state["cursor"])
        if not isinstance(paginator, AsyncPaginator):
            raise InvalidParameterError("the source must return a paginator (did you mean ids=...?)")
        if paginator.limit is not None:
            raise InvalidParameterError("a resumable crawl needs the paginator's limit=None (stop the crawl yourself instead)")
        async for page in paginator.pages():
            self.fetched_pages += 1
            nxt = {**state, "cursor": page.next_cursor, "done": page.next_cursor is None,
                   "items": state["items"] + len(page.items), "pages": state["pages"] + 1}
            yield page.items, nxt
            state = nxt
        if not state["done"]:  # pragma: no cover - a paginator always ends on next_cursor None
            yield (), {**state, "done": True}

    def _chunks(self, offset: int, last_id: Any) -> Iterable[tuple[int, list[int]]]:
        assert self.ids is not None
        it = iter(self.ids)
        if offset:
            skipped = list(itertools.islice(it, offset))
            if len(skipped) < offset or (last_id is not None and skipped[-1] != last_id):
                raise ConfigurationError(
                    "the ids differ from the checkpointed crawl's (the id at the saved offset changed); "
                    "use another checkpoint_key or reset()"
                )
        start = offset
        while True:
            chunk = list(itertools.islice(it, self.chunk_size))
            if not chunk:
                return
            yield start, chunk
            start += len(chunk)

    async def _fetch_chunk(self, job: tuple[int, list[int]]) -> Sequence[T]:
        result: Sequence[T] = await self.source(job[1])
        return result

    async def _id_source(self, state: dict[str, Any]) -> AsyncIterator[tuple[Sequence[T], dict[str, Any]]]:
        jobs = self._chunks(int(state["offset"]), state["last_id"])
        async for (start, chunk), items in AsyncOrderedMap(self._fetch_chunk, self.concurrency).run(jobs):
            self.fetched_pages += 1
            items = list(items) if items is not None else []
            nxt = {**state, "offset": start + len(chunk), "last_id": chunk[-1],
                   "items": state["items"] + len(items), "pages": state["pages"] + 1}
            yield items, nxt
            state = nxt
        yield (), {**state, "done": True}

    def _total(self) -> int | None:
        return len(self.ids) if isinstance(self.ids, Sized) else None

    async def _pages(self) -> AsyncIterator[tuple[Sequence[T], dict[str, Any]]]:
        state = self.load_state()
        self.state = state
        if state["done"]:
            return
        total = self._total()
        bar = ProgressBar(
            self.progress,
            total=total,
            done=int(state["offset"]) if self.kind == "ids" else int(state["items"]),
            description=self.description,
        )
        try:
            source = self._id_source(state) if self.kind == "ids" else self._page_source(state)
            async for items, nxt in source:
                yield items, nxt
                bar.advance(int(nxt["offset"]) - int(state["offset"]) if self.kind == "ids" else len(items))
                state = nxt
        finally:
            bar.close()

    # --- consumers --------------------------------------------------------------------------

    def __aiter__(self) -> AsyncIterator[T]:
        return self._items()

    async def _items(self) -> AsyncIterator[T]:
        async for items, nxt in self._pages():
            for item in items:
                yield item
            self._commit(nxt)

    async def pages(self) -> AsyncIterator[Sequence[T]]:
        """The items page by page (a page counts as done when you ask for the next one)."""
        async for items, nxt in self._pages():
            if items:
                yield items
            self._commit(nxt)

    async def run(self) -> int:
        """Fetch everything (checkpointing as usual) and return how many items this run got."""
        count = 0
        async for items, nxt in self._pages():
            count += len(items)
            self._commit(nxt)
        return count

    async def to_jsonl(self, path: Any) -> int:
        """Append every item to the JSON Lines file ``path``, exactly once across kills and
        resumes (see the class docs); returns how many lines this run wrote."""
        writer = JsonlWriter(path)
        count = 0
        committed: int | None = None
        try:
            saved = self.load_state()
            if saved.get("jsonl_bytes") is not None:
                committed = int(saved["jsonl_bytes"])
                writer.truncate_to(committed)
            elif not saved["done"] and self.checkpoint is not None:
                # Checkpoint the file's length before the first page, so a run killed before its first
                # checkpoint still leaves one (and a resume drops its partial lines).
                committed = writer.size
                self._commit(saved, jsonl_bytes=committed)
            async for items, nxt in self._pages():
                size = await self._clock.arun_blocking(writer.write_page, items)
                count += len(items)
                self._commit(nxt, jsonl_bytes=size)
                committed = size
        except BaseException:
            # Interrupted (Ctrl-C, cancelled, an error) between a page's write and its checkpoint: cut
            # the file back to what the checkpoint holds, so the file and the checkpoint agree at once.
            if committed is not None and self.checkpoint is not None:
                with contextlib.suppress(OSError, ConfigurationError):
                    writer.truncate_to(committed)
            raise
        finally:
            writer.close()
        return count

