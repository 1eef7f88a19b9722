"""Every osu! route osukit calls, as data: for docs, checks and tools.

``ROUTES`` is a tuple of [`Route`][osukit._route.Route] objects (method, uri as osu-web spells
it, scope, pagination style, response model, the osukit method name, and
``decode(body)``). Importing this module imports every resource group.
"""

from __future__ import annotations

import importlib
from typing import Any

from ._exceptions import InvalidParameterError
from ._route import Route, registered_routes

__all__ = ["ROUTES", "Route", "by_name", "by_uri"]

_GROUPS = (
    "users",
    "beatmaps",
    "beatmapsets",
    "scores",
    "rankings",
    "multiplayer",
    "discussions",
    "chat",
    "forums",
    "content",
    "home",
    "legacy",
)

for _group in _GROUPS:
    importlib.import_module(f".resources.{_group}", __package__)

ROUTES: tuple[Route[Any], ...] = registered_routes()


def by_uri(method: str, uri: str) -> Route[Any]:
    """The route with this method (any of ``PATCH|PUT``) and osu-web uri; [`InvalidParameterError`][osukit.InvalidParameterError] if none."""
    for r in ROUTES:
        if r.uri == uri and (method == r.method or method in r.method.split("|")):
            return r
    raise InvalidParameterError(f"no route {method} {uri}")


def by_name(name: str) -> Route[Any]:
    """The route behind an osukit method name (``users.get``); [`InvalidParameterError`][osukit.InvalidParameterError] if none."""
    for r in ROUTES:
        if r.name == name:
            return r
    raise InvalidParameterError(f"no osukit method named {name!r}")
