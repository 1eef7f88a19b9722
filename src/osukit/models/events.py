"""Site-wide events (``GET /events``): the same event objects as a user's recent activity."""

from __future__ import annotations

from msgspec import UNSET, UnsetType

from .common import CursorObject, Model
from .users import Event

__all__ = ["Event", "EventsResponse"]


class EventsResponse(Model):
    """``GET /events``."""

    events: list[Event]
    cursor: CursorObject | UnsetType | None = UNSET
    cursor_string: str | UnsetType | None = UNSET
