"""The base of every async resource namespace (``client.users``, ``client.beatmaps`` …)."""

from __future__ import annotations

from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from ..._async.client import AsyncClient

__all__ = ["AsyncResource"]


class AsyncResource:
    """A group of endpoints bound to one client."""

    def __init__(self, client: AsyncClient) -> None:
        self._client = client

    def __repr__(self) -> str:
        return f"<{type(self).__name__} of {self._client!r}>"
