"""The part of the clients that does no I/O.

Configuration, building requests, encoding parameters the way osu-web reads
them, checking scopes, and turning error responses into exceptions live here;
:class:`osukit.AsyncClient` and its generated twin :class:`osukit.Client`
only send, sleep and decode.
"""

from __future__ import annotations

import datetime as _dt
import enum
import os
from collections.abc import Iterable, Mapping
from typing import Any
from urllib.parse import urlencode

import httpx
import msgspec

from . import _constants as C
from ._clock import Clock
from ._exceptions import (
    APIError,
    AuthenticationError,
    BadRequestError,
    ConfigurationError,
    MissingScopeError,
    NotFoundError,
    RateLimitError,
    error_class_for_status,
)
from ._redact import redact_url, register_secret
from ._route import Route
from ._transport import PreparedRequest, ResponseLike
from ._version import __version__
from .auth import ClientCredentials, Grant, StaticToken
from .ratelimit import NoRateLimit, RateLimiter, TokenBucket
from .retry import NO_RETRY, RetryPolicy, parse_retry_after
from .tokens import MemoryTokenStore, Token, TokenStore

__all__ = ["NOT_GIVEN", "BaseClient", "NotGiven", "ResponseInfo", "encode_params"]


class NotGiven:
    """The type of :data:`NOT_GIVEN`: "this argument was not passed" (distinct from ``None``)."""

    _instance: NotGiven | None = None

    def __new__(cls) -> NotGiven:
        if cls._instance is None:
            cls._instance = super().__new__(cls)
        return cls._instance

    def __bool__(self) -> bool:
        return False

    def __repr__(self) -> str:
        return "NOT_GIVEN"


NOT_GIVEN = NotGiven()


class ResponseInfo:
    """What the last response said about itself and the rate limit."""

    __slots__ = ("_response",)

    def __init__(self, response: ResponseLike) -> None:
        self._response = response

    def __repr__(self) -> str:
        return f"ResponseInfo(status_code={self.status_code}, method={self.method!r}, url={self.url!r})"

    @property
    def status_code(self) -> int:
        """The HTTP status."""
        return self._response.status_code

    @property
    def method(self) -> str:
        """The request method."""
        return str(self._response.request.method)

    @property
    def url(self) -> str:
        """The request URL, credentials redacted."""
        return redact_url(str(self._response.request.url))

    @property
    def headers(self) -> Mapping[str, str]:
        """The response headers (case-insensitive)."""
        return self._response.headers

    @property
    def rate_limit(self) -> int | None:
        """``X-RateLimit-Limit``: requests per minute the server allows this token."""
        return _int_header(self.headers, "x-ratelimit-limit")

    @property
    def rate_limit_remaining(self) -> int | None:
        """``X-RateLimit-Remaining``: requests left in the current minute."""
        return _int_header(self.headers, "x-ratelimit-remaining")


def _int_header(headers: Mapping[str, str], name: str) -> int | None:
    value = headers.get(name)
    try:
        return int(value) if value is not None else None
    except ValueError:
        return None


def _encode_scalar(value: Any) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, enum.Enum):
        return str(value.value)
    if isinstance(value, _dt.datetime):
        if value.tzinfo is None:
            value = value.replace(tzinfo=_dt.timezone.utc)
        return str(value.astimezone(_dt.timezone.utc).isoformat())
    if isinstance(value, _dt.date):
        return value.isoformat()
    to_param = getattr(value, "to_query_value", None)
    if to_param is not None:
        return str(to_param())  # a type osukit defines (e.g. Mods) that knows its query form
    return str(value)


def encode_params(params: Mapping[str, Any] | None) -> list[tuple[str, str | int | float | bool | None]]:
    """Query parameters as osu-web reads them.

    ``None`` and :data:`NOT_GIVEN` are dropped; lists become ``key[]=a&key[]=b``;
    dicts become ``key[sub]=v`` (the deprecated ``cursor`` object); booleans
    ``true``/``false``; enums their value; datetimes ISO 8601 in UTC.
    """
    out: list[tuple[str, str | int | float | bool | None]] = []
    if not params:
        return out
    for key, value in params.items():
        if value is None or value is NOT_GIVEN:
            continue
        if isinstance(value, Mapping):
            for sub, v in value.items():
                if v is not None:
                    out.append((f"{key}[{sub}]", _encode_scalar(v)))
        elif isinstance(value, (list, tuple, set, frozenset)) or _is_multi(value):
            name = key if key.endswith("[]") else f"{key}[]"
            out.extend((name, _encode_scalar(v)) for v in value)
        else:
            out.append((key, _encode_scalar(value)))
    return out


def _is_multi(value: Any) -> bool:
    return hasattr(value, "to_query_list")


def encode_body(body: Mapping[str, Any] | None) -> dict[str, Any] | None:
    """A JSON body with NOT_GIVEN/None-valued keys dropped and enums/datetimes as JSON values."""
    if body is None:
        return None

    def conv(v: Any) -> Any:
        if isinstance(v, enum.Enum):
            return v.value
        if isinstance(v, _dt.datetime):
            return _encode_scalar(v)
        if isinstance(v, Mapping):
            return {k: conv(x) for k, x in v.items() if x is not NOT_GIVEN}
        if isinstance(v, (list, tuple)):
            return [conv(x) for x in v]
        to_json = getattr(v, "to_api", None)
        if to_json is not None:
            return to_json()
        return v

    return {k: conv(v) for k, v in body.items() if v is not NOT_GIVEN and v is not None}


def _env(name: str) -> str | None:
    value = os.environ.get(name)
    return value if value else None


def build_timeout(timeout: float | httpx.Timeout | None) -> httpx.Timeout:
    if isinstance(timeout, httpx.Timeout):
        return timeout
    if timeout is None:
        return httpx.Timeout(C.DEFAULT_TIMEOUT, connect=C.DEFAULT_CONNECT_TIMEOUT)
    return httpx.Timeout(timeout, connect=min(timeout, C.DEFAULT_CONNECT_TIMEOUT))


def build_retry(retry: RetryPolicy | int | bool | None) -> RetryPolicy:
    if isinstance(retry, RetryPolicy):
        return retry
    if retry is None or retry is True:
        return RetryPolicy()
    if retry is False:
        return NO_RETRY
    if isinstance(retry, int):
        if retry < 0:
            raise ConfigurationError("retry count must not be negative")
        return RetryPolicy(max_retries=retry)
    raise ConfigurationError(f"retry must be a RetryPolicy, an int or a bool, not {type(retry).__name__}")


def build_limiter(rate_limit: RateLimiter | int | float | None, clock: Clock) -> RateLimiter:
    if rate_limit is None:
        return TokenBucket(C.DEFAULT_RATE_LIMIT, clock=clock)
    if isinstance(rate_limit, (int, float)) and not isinstance(rate_limit, bool):
        if rate_limit <= 0:
            return NoRateLimit()
        return TokenBucket(rate_limit, clock=clock)
    if rate_limit is False:
        return NoRateLimit()
    if isinstance(rate_limit, RateLimiter):
        return rate_limit
    raise ConfigurationError("rate_limit must be requests per minute, a RateLimiter, or 0 to disable")


class BaseClient:
    """Configuration and request building shared by :class:`Client` and :class:`AsyncClient`.

    See :class:`osukit.AsyncClient` for the parameters.
    """

    def __init__(
        self,
        *,
        client_id: int | str | None = None,
        client_secret: str | None = None,
        scopes: str | Iterable[str] | None = None,
        grant: Grant | None = None,
        access_token: str | None = None,
        api_key: str | None = None,
        base_url: str | None = None,
        api_version: int | None = None,
        timeout: float | httpx.Timeout | None = None,
        retry: RetryPolicy | int | bool | None = None,
        rate_limit: RateLimiter | int | float | None = None,
        token_store: TokenStore | None = None,
        user_agent: str | None = None,
        app_name: str | None = None,
        headers: Mapping[str, str] | None = None,
        strict: bool = False,
        clock: Clock | None = None,
    ) -> None:
        self._clock = clock or Clock()
        self.base_url = (base_url or _env("OSU_BASE_URL") or C.DEFAULT_BASE_URL).rstrip("/")
        if not self.base_url.startswith(("http://", "https://")):
            raise ConfigurationError(f"base_url must be an http(s) URL, got {self.base_url!r}")
        self.api_version = C.DEFAULT_API_VERSION if api_version is None else int(api_version)
        self.timeout = build_timeout(timeout)
        self.retry = build_retry(retry)
        self.rate_limiter = build_limiter(rate_limit, self._clock)
        self.token_store: TokenStore = token_store if token_store is not None else MemoryTokenStore()
        self.strict = strict
        self.api_key = api_key or _env("OSU_API_KEY")
        register_secret(self.api_key)
        self._client_id = client_id if client_id is not None else _env("OSU_CLIENT_ID")
        self._client_secret = client_secret if client_secret is not None else _env("OSU_CLIENT_SECRET")
        register_secret(self._client_secret)
        if grant is None:
            if access_token is not None:
                grant = StaticToken(access_token)
            else:
                if self._client_id is not None or self._client_secret is not None:
                    grant = ClientCredentials(
                        self._client_id, self._client_secret, scopes if scopes is not None else ("public",)
                    )
        self.grant = grant
        agent = user_agent or f"osukit/{__version__}"
        if app_name:
            agent = f"{agent} ({app_name})"
        self._headers: dict[str, str] = {
            "Accept": "application/json",
            "User-Agent": agent,
        }
        if headers:
            self._headers.update(headers)
        self._last_response: ResponseInfo | None = None

    def __repr__(self) -> str:
        return f"{type(self).__name__}(base_url={self.base_url!r}, grant={self.grant!r})"

    # --- request building ---------------------------------------------------------------------

    def _url(self, path: str) -> str:
        if path.startswith(("http://", "https://")):
            if not path.startswith(self.base_url + "/"):
                raise ConfigurationError(
                    "absolute URLs must point at the configured base_url "
                    "(osukit never sends credentials to another host)"
                )
            return path
        return f"{self.base_url}/{path.lstrip('/')}"

    def _prepare(
        self,
        method: str,
        path: str,
        *,
        params: Mapping[str, Any] | None = None,
        json: Any = None,
        data: Mapping[str, Any] | None = None,
        headers: Mapping[str, str] | None = None,
        token: Token | None = None,
        api: str = "v2",
    ) -> PreparedRequest:
        merged = dict(self._headers)
        if api == "v2":
            merged["x-api-version"] = str(self.api_version)
        if token is not None:
            merged["Authorization"] = f"{token.token_type or 'Bearer'} {token.access_token}"
        content: bytes | None = None
        if json is not None:
            content = msgspec.json.encode(json)
            merged["Content-Type"] = "application/json"
        elif data is not None:
            content = urlencode(encode_params(data)).encode()
            merged["Content-Type"] = "application/x-www-form-urlencoded"
        if headers:
            merged.update(headers)
        return PreparedRequest(method, self._url(path), encode_params(params), merged, content)

    def _check_scope(self, route: Route[Any], token: Token | None) -> None:
        """Refuse, without a request, a route whose scope the token is known to lack."""
        if route.scope is None or route.scope == "any" or token is None:
            return
        if isinstance(self.grant, StaticToken) and "*" in token.scopes:
            return
        if not token.has_scope(route.scope):
            raise MissingScopeError(
                f"{route.name} ({route.key}) needs the '{route.scope}' scope; "
                f"this token has: {' '.join(token.scopes) or 'none'}",
                scope=route.scope,
            )
        if route.requires_user and self.grant is not None and not self.grant.user_bound:
            raise MissingScopeError(
                f"{route.name} ({route.key}) acts as a user: use an authorization-code token "
                "or a client-credentials token with 'delegate'",
                scope="identify" if route.scope == "identify" else route.scope,
            )

    def _needs_token(self, route: Route[Any] | None) -> bool:
        if route is not None and route.api != "v2":
            return False
        if route is not None and route.scope is None:
            # Token-optional routes still send a token when we have one configured.
            return self.grant is not None
        if self.grant is None:
            raise ConfigurationError(
                "this call needs OAuth credentials: pass client_id/client_secret "
                "(or set OSU_CLIENT_ID/OSU_CLIENT_SECRET), access_token=, or grant="
            )
        return True

    def _v1_params(self, params: Mapping[str, Any] | None) -> dict[str, Any]:
        if not self.api_key:
            raise ConfigurationError("API v1 needs an API key: pass api_key= or set OSU_API_KEY")
        return {**(params or {}), "k": self.api_key}

    def _not_found(self, route: Route[Any], message: str) -> NotFoundError:
        return NotFoundError(f"{message} [{route.name}]", status_code=404, method=route.http_method, url=route.uri)

    def _v1_error(self, response: ResponseLike, route: Route[Any]) -> APIError | None:
        """v1 answers errors as ``{"error": "..."}``, sometimes with status 200."""
        if not response.content.lstrip().startswith(b'{"error"'):
            return None
        try:
            body = response.json()
        except ValueError:
            return None
        message = body.get("error") if isinstance(body, dict) else None
        if not isinstance(message, str):
            return None
        lowered = message.lower()
        cls: type[APIError]
        if "api key" in lowered:
            cls, status = AuthenticationError, 401
        elif "not available" in lowered or "not found" in lowered:
            cls, status = NotFoundError, 404
        else:
            cls, status = BadRequestError, 400
        return cls(f"{message} [{route.name}]", status_code=status, method=route.http_method,
                   url=redact_url(str(response.request.url)), body=body)

    # --- responses ------------------------------------------------------------------------------

    def _remember(self, response: ResponseLike) -> None:
        self._last_response = ResponseInfo(response)

    @property
    def last_response(self) -> ResponseInfo | None:
        """Status, headers and rate-limit state of the most recent response."""
        return self._last_response

    def _make_error(self, response: ResponseLike, route: Route[Any] | None = None) -> APIError:
        status = response.status_code
        method = response.request.method
        url = redact_url(str(response.request.url))
        body: Any
        try:
            body = response.json()
        except ValueError:
            body = None
        message: str | None = None
        if isinstance(body, dict):
            err = body.get("error")
            if isinstance(err, str) and err:
                message = err
            elif isinstance(body.get("message"), str):
                message = body["message"]
            elif "authentication" in body:
                message = "the access token is missing, invalid, expired or revoked"
        if message is None:
            message = response.reason_phrase or f"HTTP {status}"
        if route is not None:
            message = f"{message} [{route.name}]"
        cls = error_class_for_status(status)
        kwargs: dict[str, Any] = {
            "status_code": status,
            "method": method,
            "url": url,
            "body": body,
            "headers": response.headers,
        }
        if cls is RateLimitError:
            return RateLimitError(message, retry_after=parse_retry_after(response.headers.get("retry-after")), **kwargs)
        if cls is MissingScopeError:  # pragma: no cover - 403 maps to ForbiddenError
            return cls(message, scope=route.scope if route and route.scope else "", **kwargs)
        return cls(message, **kwargs)
