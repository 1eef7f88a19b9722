"""Pagination schemes osu-web uses, as small objects without I/O.

A *style* knows which query parameters fetch the page at a cursor, where the
items are in a response, and what the next cursor is. Cursors are plain JSON
values (a string, an object, a page number, an offset or an id), so a crawl
can save one and resume from it later with ``cursor=``.

The paginators that drive them are ``osukit.Paginator`` (sync) and
``osukit.AsyncPaginator`` (async): iterate them for items, or call
``.pages()`` for pages.
"""

from __future__ import annotations

import base64
import binascii
import json
from collections import deque
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any, Generic, TypeVar

from msgspec import UNSET

from ._exceptions import InvalidParameterError, NoProgressError

__all__ = [
    "CursorObjectStyle",
    "CursorStringStyle",
    "IdRangeStyle",
    "OffsetStyle",
    "Page",
    "PageStyle",
    "ProgressCheck",
    "Style",
]

RECENT_CURSORS = 1024
"""How many recent cursors a paginator remembers to notice one coming back (an A/B loop)."""

T = TypeVar("T")
Items = Callable[[Any], Sequence[T]]


@dataclass(frozen=True)
class Page(Generic[T]):
    """One page of a listing.

    Attributes:
        items: the page's items.
        response: the whole decoded response (for totals and side data such as ``users``).
        cursor: the cursor that fetched this page (``None`` for the first).
        next_cursor: the cursor of the next page, or ``None`` when this is the last.
    """

    items: Sequence[T]
    response: Any
    cursor: Any
    next_cursor: Any

    @property
    def has_next(self) -> bool:
        """True when another page follows."""
        return self.next_cursor is not None

    def __iter__(self) -> Any:
        return iter(self.items)

    def __len__(self) -> int:
        return len(self.items)


class Style(Generic[T]):
    """How one pagination scheme moves from page to page (subclass for new schemes)."""

    name = "custom"

    def __init__(self, items: Items[T]) -> None:
        self._items = items

    def items(self, response: Any) -> Sequence[T]:
        """The items of a decoded page."""
        found: Any = self._items(response)
        return () if found is None or found is UNSET else found

    def params(self, cursor: Any, remaining: int | None) -> dict[str, Any]:
        """Query parameters that fetch the page at ``cursor`` (None: the first page)."""
        raise NotImplementedError

    def next_cursor(self, response: Any, items: Sequence[T], cursor: Any, params: Mapping[str, Any]) -> Any:
        """The cursor of the page after this one, or None when there is none."""
        raise NotImplementedError

    def check_cursor(self, cursor: Any) -> None:
        """Refuse a start cursor this style could never have returned (called before any request).

        Raises:
            InvalidParameterError: the cursor has the wrong form.
        """


def encode_cursor_string(value: dict[str, Any]) -> str:
    """``value`` as a ``cursor_string``: base64url JSON without padding, byte for byte as osu-web's
    ``cursor_encode`` (``app/helpers.php``) writes it; `decode_cursor_string` reads it back."""
    return base64.urlsafe_b64encode(json.dumps(value, separators=(",", ":")).encode()).decode().rstrip("=")


def decode_cursor_string(cursor: str) -> dict[str, Any]:
    """A ``cursor_string``'s content: base64url (unpadded) JSON of an object, as osu-web's ``cursor_encode``
    writes it (``app/helpers.php``).

    osu-web's ``cursor_decode`` silently treats anything else as "no cursor" and answers the first page, so a
    mistyped cursor is caught here instead.

    Raises:
        InvalidParameterError: ``cursor`` is not such a string.
    """
    shown = repr(cursor[:40] + "…") if isinstance(cursor, str) and len(cursor) > 40 else repr(cursor)
    problem = f"{shown} is not a cursor_string osu! returned (base64url JSON of an object)"
    if not isinstance(cursor, str) or not cursor.strip():
        raise InvalidParameterError(problem)
    try:
        raw = base64.urlsafe_b64decode(cursor + "=" * (-len(cursor) % 4))
        value = json.loads(raw)
    except (binascii.Error, ValueError, RecursionError):  # RecursionError: a cursor nested too deeply
        raise InvalidParameterError(problem) from None
    if not isinstance(value, dict):
        raise InvalidParameterError(problem)
    return value


def _field(obj: Any, name: str) -> Any:
    if isinstance(obj, Mapping):
        return obj.get(name)
    value = getattr(obj, name, None)
    return None if value is UNSET else value


def _check_count(cursor: Any, what: str, low: int) -> None:
    if cursor is None:
        return
    if isinstance(cursor, bool) or not isinstance(cursor, int) or cursor < low:
        raise InvalidParameterError(f"{cursor!r} is not a cursor of this listing (a {what}: a whole number >= {low})")


class CursorStringStyle(Style[T]):
    """``cursor_string``: an opaque string returned by each page and sent back for the next."""

    name = "cursor_string"

    def params(self, cursor: Any, remaining: int | None) -> dict[str, Any]:
        return {"cursor_string": cursor} if cursor else {}

    def check_cursor(self, cursor: Any) -> None:
        if cursor:
            decode_cursor_string(cursor)

    def next_cursor(self, response: Any, items: Sequence[T], cursor: Any, params: Mapping[str, Any]) -> Any:
        nxt = _field(response, "cursor_string")
        if not nxt or not items or nxt == cursor:
            return None
        return nxt


class CursorObjectStyle(Style[T]):
    """The deprecated ``cursor`` object, sent back as ``cursor[key]=value`` (comments)."""

    name = "cursor"

    def params(self, cursor: Any, remaining: int | None) -> dict[str, Any]:
        return {"cursor": dict(cursor)} if cursor else {}

    def check_cursor(self, cursor: Any) -> None:
        if cursor and not isinstance(cursor, Mapping):
            raise InvalidParameterError(f"{cursor!r} is not a cursor of this listing (a mapping, as osu! returns it)")

    def next_cursor(self, response: Any, items: Sequence[T], cursor: Any, params: Mapping[str, Any]) -> Any:
        nxt = _field(response, "cursor")
        if not isinstance(nxt, Mapping) or not nxt or not items or nxt == cursor:
            return None
        return dict(nxt)


class PageStyle(Style[T]):
    """``page=1, 2, …`` until a page comes back short or empty."""

    name = "page"

    def __init__(self, items: Items[T], *, page_size: int | None = None, limit_param: str | None = None) -> None:
        super().__init__(items)
        self.page_size = page_size
        self.limit_param = limit_param

    def check_cursor(self, cursor: Any) -> None:
        _check_count(cursor, "page number", 1)

    def params(self, cursor: Any, remaining: int | None) -> dict[str, Any]:
        out: dict[str, Any] = {"page": cursor or 1}
        if self.limit_param and self.page_size:
            out[self.limit_param] = self.page_size
        return out

    def next_cursor(self, response: Any, items: Sequence[T], cursor: Any, params: Mapping[str, Any]) -> Any:
        if not items or (self.page_size is not None and len(items) < self.page_size):
            return None
        return int(cursor or 1) + 1


class OffsetStyle(Style[T]):
    """``offset`` + ``limit`` (at most ``page_size`` per call, at most ``max_results`` in all)."""

    name = "offset"

    def __init__(self, items: Items[T], *, page_size: int = 100, max_results: int | None = None) -> None:
        super().__init__(items)
        self.page_size = page_size
        self.max_results = max_results

    def _size(self, offset: int, remaining: int | None) -> int:
        size = self.page_size
        if remaining is not None:
            size = min(size, remaining)
        if self.max_results is not None:
            size = min(size, self.max_results - offset)
        return max(size, 0)

    def check_cursor(self, cursor: Any) -> None:
        _check_count(cursor, "offset", 0)

    def params(self, cursor: Any, remaining: int | None) -> dict[str, Any]:
        offset = int(cursor or 0)
        return {"offset": offset, "limit": self._size(offset, remaining)}

    def next_cursor(self, response: Any, items: Sequence[T], cursor: Any, params: Mapping[str, Any]) -> Any:
        asked = int(params.get("limit", self.page_size))
        offset = int(cursor or 0) + len(items)
        if not items or len(items) < asked:
            return None
        if self.max_results is not None and offset >= self.max_results:
            return None
        return offset


class IdRangeStyle(Style[T]):
    """Id ranges: each page asks for items older than the oldest seen (``until``/``before``/``max_id``),
    or newer than the newest seen (``since``/``after``)."""

    name = "id_range"

    def __init__(
        self,
        items: Items[T],
        *,
        param: str,
        id_of: Callable[[T], int],
        page_size: int,
        newer: bool = False,
        limit_param: str | None = "limit",
    ) -> None:
        super().__init__(items)
        self.param = param
        self.id_of = id_of
        self.page_size = page_size
        self.newer = newer
        self.limit_param = limit_param

    def params(self, cursor: Any, remaining: int | None) -> dict[str, Any]:
        out: dict[str, Any] = {}
        if cursor is not None:
            out[self.param] = cursor
        if self.limit_param:
            size = self.page_size if remaining is None else max(1, min(self.page_size, remaining))
            out[self.limit_param] = size
        return out

    def next_cursor(self, response: Any, items: Sequence[T], cursor: Any, params: Mapping[str, Any]) -> Any:
        if not items:
            return None
        if self.limit_param and len(items) < int(params.get(self.limit_param, self.page_size)):
            return None
        ids = [self.id_of(i) for i in items]
        nxt = max(ids) if self.newer else min(ids)
        if cursor is not None and (nxt <= cursor if self.newer else nxt >= cursor):
            side = "since/after" if self.newer else "until/before"
            raise NoProgressError(
                f"the id range did not move: {self.param}={cursor} answered a full page whose "
                f"{'newest' if self.newer else 'oldest'} id is {nxt} (the server ignores {side}?)",
                cursor=cursor,
            )
        return nxt


def _item_id(item: Any) -> Any:
    if isinstance(item, Mapping):
        return item.get("id")
    value = getattr(item, "id", None)
    return None if value is UNSET else value


class ProgressCheck:
    """Notices a listing that no longer moves forward (used by both paginators).

    A cursor seen among the last `RECENT_CURSORS` ones (an A/B loop, a server that
    ignores the cursor) or a page repeating the previous page's item ids raises
    [`NoProgressError`][osukit.NoProgressError] before the same pages are fetched again.
    """

    def __init__(self, start: Any) -> None:
        self._recent: deque[str] = deque(maxlen=RECENT_CURSORS)
        self._seen: set[str] = set()
        self._last_ids: tuple[Any, ...] | None = None
        if start is not None:
            self._remember(self._key(start))

    @staticmethod
    def _key(cursor: Any) -> str:
        return json.dumps(cursor, sort_keys=True, default=str)

    def _remember(self, key: str) -> None:
        if len(self._recent) == self._recent.maxlen:
            self._seen.discard(self._recent[0])
        self._recent.append(key)
        self._seen.add(key)

    def check(self, items: Sequence[Any], next_cursor: Any) -> None:
        """Call with each page's items and next cursor (``None`` at the end)."""
        ids = tuple(_item_id(i) for i in items)
        if ids and all(i is not None for i in ids):
            if ids == self._last_ids and next_cursor is not None:
                raise NoProgressError(
                    f"the listing repeated its previous page ({len(ids)} items, ids {ids[0]}…{ids[-1]}); "
                    "the server ignores the cursor?",
                    cursor=next_cursor,
                )
            self._last_ids = ids
        if next_cursor is None:
            return
        key = self._key(next_cursor)
        if key in self._seen:
            raise NoProgressError(
                f"the listing's cursor came back ({key[:120]}): fetching it again would loop for ever",
                cursor=next_cursor,
            )
        self._remember(key)
