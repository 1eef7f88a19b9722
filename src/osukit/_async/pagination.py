"""The asynchronous paginator (the sync one is generated from this file)."""

from __future__ import annotations

from collections.abc import AsyncIterator, Awaitable, Callable, Mapping
from typing import Any, Generic, TypeVar

from .._exceptions import InvalidParameterError
from ..pagination import Page, ProgressCheck, Style

__all__ = ["AsyncPaginator", "PageFetch"]

T = TypeVar("T")
PageFetch = Callable[[Mapping[str, Any]], Awaitable[Any]]


class AsyncPaginator(Generic[T]):
    """A listing you can iterate item by item or page by page.

    ``async for score in paginator`` yields items across pages until ``limit``
    items were yielded (``None``: all of them). ``async for page in
    paginator.pages()`` yields [`Page`][osukit.Page] objects whose
    ``next_cursor`` you can save and pass back as ``cursor=`` to resume. No
    page is fetched twice, none is skipped, and no page is fetched beyond
    what ``limit`` needs.
    """

    def __init__(self, fetch: PageFetch, style: Style[T], *, limit: int | None = None, cursor: Any = None) -> None:
        if limit is not None and limit < 0:
            raise InvalidParameterError("limit must be None or a non-negative number")
        style.check_cursor(cursor)  # a mistyped cursor is an error, not silently the first page
        self._fetch = fetch
        self.style = style
        self.limit = limit
        self.start_cursor = cursor
        self.cursor: Any = cursor
        """The cursor of the next page not yet fetched (``None`` once the listing is exhausted)."""
        self.exhausted = False

    def __repr__(self) -> str:
        return f"{type(self).__name__}(style={self.style.name!r}, limit={self.limit!r})"

    def __aiter__(self) -> AsyncIterator[T]:
        return self._items()

    async def _items(self) -> AsyncIterator[T]:
        count = 0
        if self.limit == 0:
            return
        async for page in self.pages():
            for item in page.items:
                yield item
                count += 1
                if self.limit is not None and count >= self.limit:
                    return

    async def pages(self) -> AsyncIterator[Page[T]]:
        """Pages from the start cursor on, stopping when the listing (or ``limit``) is exhausted.

        An empty page is yielded only when the listing is empty from the start cursor: after a full page
        that turns out to be the last one, the empty answer that tells so is not yielded.

        Raises:
            NoProgressError: the listing stopped moving forward (see `ProgressCheck`).
        """
        cursor = self.start_cursor
        seen = 0
        progress = ProgressCheck(cursor)
        while True:
            remaining = None if self.limit is None else self.limit - seen
            if remaining is not None and remaining <= 0:
                return
            params = self.style.params(cursor, remaining)
            response = await self._fetch(params)
            items = self.style.items(response)
            next_cursor = self.style.next_cursor(response, items, cursor, params)
            if not items and seen and cursor is not None:
                # the previous (full) page was the last one: no empty page after a non-empty one
                self.cursor = None
                self.exhausted = True
                return
            progress.check(items, next_cursor)
            page: Page[T] = Page(items=items, response=response, cursor=cursor, next_cursor=next_cursor)
            self.cursor = next_cursor
            self.exhausted = next_cursor is None
            yield page
            seen += len(items)
            if next_cursor is None:
                return
            cursor = next_cursor

    async def first_page(self) -> Page[T]:
        """Only the first page."""
        async for page in self.pages():
            return page
        raise RuntimeError("pagination yielded no page")  # pragma: no cover

    async def to_list(self) -> list[T]:
        """Every item (up to ``limit``) in a list."""
        return [item async for item in self]
