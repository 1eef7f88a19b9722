"""The base of every async resource namespace (``client.users``, ``client.beatmaps`` …)."""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Iterable, Sequence
from typing import TYPE_CHECKING, Protocol, TypeVar

if TYPE_CHECKING:
    from ..._async.client import AsyncClient

__all__ = ["AsyncResource"]


class _HasId(Protocol):
    @property
    def id(self) -> int: ...


T = TypeVar("T", bound=_HasId)


class AsyncResource:
    """A group of endpoints bound to one client."""

    def __init__(self, client: AsyncClient) -> None:
        self._client = client

    def __repr__(self) -> str:
        return f"<{type(self).__name__} of {self._client!r}>"

    async def _get_many(
        self,
        fetch: Callable[[list[int]], Awaitable[Sequence[T]]],
        ids: Iterable[int],
        *,
        concurrency: int,
        progress: bool | None,
        description: str,
    ) -> list[T | None]:
        """``get_many`` for any batch route: a bulk crawl over the distinct ids (50 a request, up to
        ``concurrency`` in flight), answered in the order asked with ``None`` for what is missing."""
        wanted = list(ids)
        found: dict[int, T] = {}
        crawl = self._client.crawl(fetch, ids=list(dict.fromkeys(wanted)), concurrency=concurrency, progress=progress)
        crawl.description = description
        async for item in crawl:
            found[item.id] = item
        return [found.get(i) for i in wanted]
