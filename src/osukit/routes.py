"""Every osu! route osukit calls, as data: for docs, checks and tools.

``ROUTES`` is a tuple of [`Route`][osukit._route.Route] objects (method, uri as osu-web spells
it, scope, pagination style, response model, the osukit method name, and
``decode(body)``). Importing this module imports every resource group.
"""

from __future__ import annotations

import importlib
import re
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
    """The route with this method and osu-web uri template.

    Args:
        method: ``GET``, ``POST``… in any case; a route osu-web declares as ``PATCH|PUT``
            answers to either.
        uri: the uri template as osu-web's ``routes/web.php`` spells it, e.g.
            ``api/v2/users/{user}/{mode?}``. A leading ``/`` is accepted
            (``/api/v2/friends``), and so is a full URL (``https://osu.ppy.sh/api/v2/friends``):
            only its path counts, the host and any ``?query`` or ``#fragment`` are ignored.
            Concrete paths (``api/v2/users/2``) are not matched against the templates.

    Raises:
        InvalidParameterError: no route has this method and uri.
    """
    path = re.sub(r"^[A-Za-z][A-Za-z0-9+.-]*://[^/]*", "", uri.strip())  # a full URL: its path
    path = re.sub(r"[?#](?![^{}]*\}).*$", "", path).lstrip("/")  # a query, not the `?` of `{mode?}`
    verb = method.strip().upper()
    for r in ROUTES:
        if r.uri == path and (verb == r.method or verb in r.method.split("|")):
            return r
    raise InvalidParameterError(f"no route {method} {uri}")


def by_name(name: str) -> Route[Any]:
    """The route behind an osukit method name (``users.get``); [`InvalidParameterError`][osukit.InvalidParameterError] if none."""
    for r in ROUTES:
        if r.name == name:
            return r
    raise InvalidParameterError(f"no osukit method named {name!r}")
