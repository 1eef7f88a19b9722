"""Route descriptions: one object per osu! endpoint, shared by the clients, docs and checks."""

from __future__ import annotations

import enum
import re
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import quote

from ._constants import LAZER_SCORES_API_VERSION
from ._exceptions import InvalidParameterError
from ._models import decode as _decode

__all__ = ["Route", "registered_routes", "route"]

_PLACEHOLDER = re.compile(r"\{(\w+)(\?)?\}")

_REGISTRY: list[Route] = []


@dataclass(frozen=True, eq=False)
class Route:
    """One endpoint of the osu! API.

    Attributes:
        method: HTTP verb as osu-web lists it (``"PATCH|PUT"`` where it accepts several).
        uri: the path as spelled in osu-web's ``api_routes.json`` (``api/v2/users/{user}/{mode?}``).
        scope: the OAuth scope it needs (``public``, ``identify``, ``chat.read`` …), ``"any"`` for
            any valid token, or ``None`` when no token is needed (v1, token-optional GETs).
        name: the osukit method that calls it (``users.get``).
        response: the model type its body decodes to (``None`` for 204, ``bytes`` for files).
        paginated: the pagination style (``cursor_string``, ``cursor``, ``page``, ``offset``,
            ``id_range``) or ``None``.
        requires_user: the token must act as a user (authorization code or ``delegate``).
        bucket: the rate-limit bucket (``default``, or ``replay`` for replay downloads).
        api: ``"v2"`` or ``"v1"``.
    """

    method: str
    uri: str
    scope: str | None
    name: str
    response: Any = None
    paginated: str | None = None
    requires_user: bool = False
    bucket: str = "default"
    api: str = "v2"
    cost: Callable[[Mapping[str, Any]], int] | None = field(default=None, repr=False)
    legacy_response: Any = None
    """The model when ``x-api-version`` is below 20220705 (legacy-shaped scores), if it differs."""
    older_responses: tuple[tuple[int, Any], ...] = ()
    """Other version-dependent models: ``(version, model)`` pairs, ``model`` answering below ``version``
    (``GET /friends`` is plain users below 20241022). See ``osukit._constants`` for each version."""

    def response_for(self, api_version: int) -> Any:
        """The model this route's body decodes to at ``x-api-version`` ``api_version``."""
        for version, model in sorted(self.older_responses, key=lambda p: p[0]):
            if api_version < version:
                return model
        if self.legacy_response is not None and api_version < LAZER_SCORES_API_VERSION:
            return self.legacy_response
        return self.response

    @property
    def http_method(self) -> str:
        """The verb osukit sends (the last one listed, e.g. ``PUT`` for ``PATCH|PUT``)."""
        return self.method.split("|")[-1]

    @property
    def key(self) -> str:
        """``METHOD uri``: how errors and logs name the route."""
        return f"{self.method} {self.uri}"

    def path(self, values: Mapping[str, Any] | None = None) -> str:
        """The request path with placeholders filled (optional ``{x?}`` ones dropped when None)."""
        values = values or {}

        def fill(m: re.Match[str]) -> str:
            name, optional = m.group(1), m.group(2)
            value = values.get(name)
            if value is None:
                if optional:
                    return ""
                raise InvalidParameterError(f"route {self.uri} needs a value for {{{name}}}")
            text = value.value if isinstance(value, enum.Enum) else value
            return quote(str(text), safe="@/" if name == "path" else "@")

        path = _PLACEHOLDER.sub(fill, self.uri)
        path = re.sub(r"/+", "/", path).rstrip("/")
        return "/" + path

    def decode(self, body: bytes | str, *, strict: bool = False) -> Any:
        """Decode a response body of this route into its model."""
        if self.response is None:
            return None
        if self.response is bytes:
            return body if isinstance(body, bytes) else body.encode()
        return _decode(body, self.response, strict=strict, route=self.key, lax=self.api == "v1")

    def request_cost(self, params: Mapping[str, Any]) -> int:
        """How much of the rate-limit budget one call with ``params`` uses (osu-web's RequestCost)."""
        if self.cost is None:
            return 1
        return max(1, self.cost(params))


def route(
    method: str,
    uri: str,
    *,
    scope: str | None,
    name: str,
    response: Any = None,
    paginated: str | None = None,
    requires_user: bool = False,
    bucket: str = "default",
    api: str = "v2",
    cost: Callable[[Mapping[str, Any]], int] | None = None,
    legacy_response: Any = None,
    older_responses: tuple[tuple[int, Any], ...] = (),
) -> Route:
    """Create a [`Route`][osukit._route.Route] and register it in [`osukit.routes.ROUTES`][osukit.routes.ROUTES]."""
    r = Route(
        method=method,
        uri=uri,
        scope=scope,
        name=name,
        response=response,
        paginated=paginated,
        requires_user=requires_user,
        bucket=bucket,
        api=api,
        cost=cost,
        legacy_response=legacy_response,
        older_responses=older_responses,
    )
    _REGISTRY.append(r)
    return r


def registered_routes() -> tuple[Route, ...]:
    """Every route created so far, in definition order."""
    return tuple(_REGISTRY)
