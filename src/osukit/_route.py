"""Route descriptions: one object per osu! endpoint, shared by the clients, docs and checks."""

from __future__ import annotations

import enum
import functools
import re
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import Any, Generic, TypeVar, overload
from urllib.parse import quote

import msgspec

from . import _constants as C
from ._exceptions import InvalidParameterError
from ._models import _struct_fields, unknown_member
from ._models import decode as _decode

__all__ = ["Route", "registered_routes", "route", "score_shape"]

_PLACEHOLDER = re.compile(r"\{(\w+)(\?)?\}")

_REGISTRY: list[Route[Any]] = []

T = TypeVar("T")
L = TypeVar("L")
T_co = TypeVar("T_co", covariant=True)

_SCORE_KEYS = ("scores", "score", "user_score")
_last_shape: dict[tuple[str, Any], Any] = {}


@functools.cache
def _shape_members() -> frozenset[str]:
    """Members only one of the two score shapes has (what a score of the other shape trips on)."""
    from .models.scores import LegacyScore, LegacyScoreStatistics, Score, ScoreStatistics

    lazer = set(_struct_fields(Score)[0]) | set(_struct_fields(ScoreStatistics)[0])
    legacy = set(_struct_fields(LegacyScore)[0]) | set(_struct_fields(LegacyScoreStatistics)[0])
    return frozenset(lazer ^ legacy)


def _plain_json(data: bytes | str) -> Any:
    try:
        return msgspec.json.decode(data)
    except (msgspec.DecodeError, ValueError, RecursionError):
        return None


def score_shape(raw: Any, _depth: int = 0) -> str | None:
    """``"lazer"`` or ``"legacy"``: the shape of the first score in a plain JSON body, ``None`` when it holds none.

    A score is an object with ``accuracy``; osu-web's ``ScoreTransformer`` gives the
    lazer shape ``ruleset_id``/``total_score``/``ended_at`` and the legacy shape
    ``mode_int``/``score``/``created_at``. Looks at top-level lists and the
    ``scores``/``score``/``user_score`` members only, so it costs a few lookups.
    """
    if isinstance(raw, dict):
        if "accuracy" in raw:
            if "ruleset_id" in raw or "total_score" in raw or "ended_at" in raw:
                return "lazer"
            if "mode_int" in raw or "score" in raw or "created_at" in raw:
                return "legacy"
        if _depth < 3:
            for key in _SCORE_KEYS:
                inner = raw.get(key)
                if isinstance(inner, (dict, list)):
                    found = score_shape(inner, _depth + 1)
                    if found is not None:
                        return found
    elif isinstance(raw, list) and raw and _depth < 3:
        return score_shape(raw[0], _depth + 1)
    return None


@dataclass(frozen=True, eq=False)
class Route(Generic[T_co]):
    """One endpoint of the osu! API; ``Route[User]`` decodes to ``User``.

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
    response_by: Callable[[Mapping[str, Any]], Any] | None = field(default=None, repr=False)
    """The model for some path values, when the shape depends on them (``None`` means `response`)."""

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

    def model(self, path: Mapping[str, Any] | None = None, api_version: int | None = None) -> Any:
        """The model a response decodes to, for these path values and ``x-api-version``.

        ``users/{user}/beatmapsets/most_played`` gives play counts, not beatmapsets;
        score routes give legacy-shaped scores below ``x-api-version`` 20220705.
        """
        if self.response_by is not None and path:
            chosen = self.response_by(path)
            if chosen is not None:
                return chosen
        if api_version is not None:
            for version, older in sorted(self.older_responses, key=lambda p: p[0]):
                if api_version < version:
                    return older
        if self.legacy_response is not None and api_version is not None and api_version < C.LAZER_SCORES_API_VERSION:
            return self.legacy_response
        return self.response

    def response_for(self, api_version: int) -> Any:
        """The model this route's body decodes to at ``x-api-version`` ``api_version`` (no path values)."""
        return self.model(None, api_version)

    def choose_shape(self, raw: Any) -> Any:
        """The model whose score shape fits this plain JSON body (``None`` when the route has one shape).

        Servers that ignore ``x-api-version`` send either shape; the body decides.
        """
        if self.legacy_response is None:
            return None
        shape = score_shape(raw)
        if shape == "legacy":
            return self.legacy_response
        if shape == "lazer":
            return self.response
        return None

    def decode(
        self,
        body: bytes | str,
        *,
        strict: bool = False,
        path: Mapping[str, Any] | None = None,
        api_version: int | None = None,
        model: Any = None,
    ) -> T_co:
        """Decode a response body of this route into its model.

        Args:
            body: the response body.
            strict: raise [`DecodeError`][osukit.DecodeError] on unknown fields or drifted values instead
                of keeping them (see [`osukit._models`][osukit._models]).
            path: the path values of the request (some routes' shape depends on them).
            api_version: the ``x-api-version`` sent; scores decode into the model of their own shape
                whatever the server honoured.
            model: decode into this model instead (``None``: the route's).
        """
        target = model if model is not None else self.model(path, api_version)
        choose: Callable[[str, bytes | str], Any] | None = None
        if self.legacy_response is not None and model is None:
            asked = target
            # The shape this route's server sent last time (servers that ignore x-api-version keep doing so).
            target = _last_shape.get((self.key, asked), asked)

            def choose(err: str, data: bytes | str) -> Any:
                if not err:
                    # A quick look at the bytes (ScoreTransformer): lazer scores carry "ended_at" and "ruleset_id",
                    # legacy ones "created_at" and neither of those; None when the bytes do not tell.
                    raw = data if isinstance(data, bytes) else data.encode()
                    if b'"ended_at"' in raw or b'"ruleset_id"' in raw:
                        return self.response
                    return self.legacy_response if b'"created_at"' in raw else None
                # Only a member of the other shape is worth reading the body for.
                if unknown_member(err) not in _shape_members():
                    return None
                chosen = self.choose_shape(_plain_json(data))
                if chosen is not None:
                    _last_shape[(self.key, asked)] = chosen
                return chosen

        if target is None:
            result: Any = None
        elif target is bytes:
            result = body if isinstance(body, bytes) else body.encode()
        elif target is str:
            result = body.decode() if isinstance(body, bytes) else body
        else:
            result = _decode(
                body, target, strict=strict, route=self.key, lax=self.api == "v1", choose=choose
            )
        typed: T_co = result
        return typed

    def request_cost(self, params: Mapping[str, Any]) -> int:
        """How much of the rate-limit budget one call with ``params`` uses (osu-web's RequestCost)."""
        if self.cost is None:
            return 1
        return max(1, self.cost(params))


@overload
def route(
    method: str, uri: str, *, scope: str | None, name: str, response: None = None, paginated: str | None = None,
    requires_user: bool = False, bucket: str = "default", api: str = "v2",
    cost: Callable[[Mapping[str, Any]], int] | None = None, legacy_response: None = None,
    response_by: Callable[[Mapping[str, Any]], Any] | None = None,
    older_responses: tuple[tuple[int, Any], ...] = (),
) -> Route[None]: ...
@overload
def route(
    method: str, uri: str, *, scope: str | None, name: str, response: type[T], paginated: str | None = None,
    requires_user: bool = False, bucket: str = "default", api: str = "v2",
    cost: Callable[[Mapping[str, Any]], int] | None = None, legacy_response: None = None,
    response_by: Callable[[Mapping[str, Any]], Any] | None = None,
    older_responses: tuple[tuple[int, Any], ...] = (),
) -> Route[T]: ...
@overload
def route(
    method: str, uri: str, *, scope: str | None, name: str, response: type[T], paginated: str | None = None,
    requires_user: bool = False, bucket: str = "default", api: str = "v2",
    cost: Callable[[Mapping[str, Any]], int] | None = None, legacy_response: type[L],
    response_by: Callable[[Mapping[str, Any]], Any] | None = None,
    older_responses: tuple[tuple[int, Any], ...] = (),
) -> Route[T | L]: ...
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
    response_by: Callable[[Mapping[str, Any]], Any] | None = None,
) -> Route[Any]:
    """Create a `Route` and register it in [`osukit.routes.ROUTES`][osukit.routes.ROUTES].

    The route is typed by its response model (``Route[User]``; ``Route[Score | LegacyScore]``
    with a ``legacy_response``), so the clients' calls are typed for checkers.
    """
    r: Route[Any] = Route(
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
        response_by=response_by,
    )
    _REGISTRY.append(r)
    return r


def registered_routes() -> tuple[Route[Any], ...]:
    """Every route created so far, in definition order."""
    return tuple(_REGISTRY)
