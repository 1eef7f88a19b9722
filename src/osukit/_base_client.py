"""The part of the clients that does no I/O.

Configuration, building requests, encoding parameters the way osu-web reads
them, checking scopes, and turning error responses into exceptions live here;
[`osukit.AsyncClient`][osukit.AsyncClient] and its generated twin [`osukit.Client`][osukit.Client]
only send, sleep and decode.
"""

from __future__ import annotations

import datetime as _dt
import enum
import os
import re
from collections.abc import Iterable, Mapping
from typing import TYPE_CHECKING, Any
from urllib.parse import parse_qsl, urlencode, urljoin, urlsplit

import httpx
import msgspec

from . import _constants as C
from ._args import api_version_arg
from ._clock import Clock
from ._credentials import checked_client_id, checked_secret, secret_arg
from ._exceptions import (
    AmbiguousLoginError,
    APIError,
    AuthenticationError,
    BadRequestError,
    ConfigurationError,
    DeadlineExceededError,
    InvalidParameterError,
    MissingScopeError,
    NotFoundError,
    OsukitError,
    RateLimitError,
    RedirectError,
    error_class_for_status,
)
from ._redact import SENSITIVE_PARAMS, logger, redact_url, register_secret
from ._route import Route
from ._secret import Secret, secret
from ._transport import ACCEPT_ENCODING, PreparedRequest, ResponseLike
from ._version import __version__
from .auth import (
    ClientCredentials,
    Grant,
    StaticToken,
    UserToken,
    describe_grant,
    scope_remedy,
    stored_logins,
    user_store_key,
)
from .ratelimit import NoRateLimit, RateLimiter, TokenBucket
from .retry import NO_RETRY, RetryPolicy, parse_retry_after
from .tokens import MemoryTokenStore, Token, TokenStore

if TYPE_CHECKING:
    from .cache import ResponseCache

__all__ = ["NOT_GIVEN", "BaseClient", "NotGiven", "ResponseInfo", "encode_params", "notify_url_for"]

_TOKEN_CHARS = re.compile(r"[\x21-\x7e]+\Z")
BAD_TOKEN_MESSAGE = (
    "the access token holds a character an HTTP header cannot carry (a line end, a space or a "
    "non-ASCII character: was it read from a file with its newline?); value not shown"
)


def header_safe_token(token: str) -> bool:
    """Whether ``token`` can go in an ``Authorization`` header as is (visible ASCII, no spaces)."""
    return bool(_TOKEN_CHARS.match(token))


_HEADER_VALUE = re.compile(r"[\x21-\x7e](?:[\x20-\x7e]*[\x21-\x7e])?\Z")


def _register_passed_secrets(*sources: Mapping[str, Any] | None) -> None:
    """Credentials passed by hand (a v1 ``k`` in ``params``, a ``client_secret`` in ``data``, an
    ``Authorization`` header) become known secrets, redacted from logs and errors like ours."""
    for source in sources:
        for name, value in (source or {}).items():
            if not isinstance(name, str) or not isinstance(value, str):
                continue
            lowered = name.lower()
            if lowered == "authorization":
                register_secret(value.split(" ", 1)[-1])
            elif lowered in SENSITIVE_PARAMS:
                register_secret(value)


def _check_headers(headers: Mapping[str, str]) -> None:
    """Refuse header values HTTP cannot carry (a line end, surrounding spaces, non-ASCII) with a
    typed error that names the header but never quotes the value (it may be a token)."""
    for name, value in headers.items():
        if not isinstance(value, str) or value == "" or _HEADER_VALUE.match(value):
            continue
        if name.lower() == "authorization":
            raise ConfigurationError(BAD_TOKEN_MESSAGE)
        raise InvalidParameterError(
            f"header {name!r} holds a character an HTTP header cannot carry (a line end, surrounding "
            "spaces or a non-ASCII character); value not shown"
        )


class NotGiven:
    """The type of [`NOT_GIVEN`][osukit.NOT_GIVEN]: "this argument was not passed" (distinct from ``None``)."""

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

    ``None`` and [`NOT_GIVEN`][osukit.NOT_GIVEN] are dropped; lists become ``key[]=a&key[]=b``;
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


def build_seconds(value: float | None, default: float, name: str) -> float:
    """A positive number of seconds (``math.inf`` for none), ``None`` meaning the default."""
    if value is None:
        return default
    if isinstance(value, bool) or not isinstance(value, (int, float)) or not value > 0:
        raise ConfigurationError(f"{name} must be a positive number of seconds (math.inf for none), got {value!r}")
    return float(value)


def build_size(value: int | None) -> int:
    if value is None:
        return C.MAX_RESPONSE_SIZE
    if isinstance(value, bool) or not isinstance(value, int) or value <= 0:
        raise ConfigurationError(f"max_response_size must be a positive number of bytes, got {value!r}")
    return value


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


MAX_REDIRECTS = 5
"""Same-origin redirects of one GET that osukit follows before raising `RedirectError`."""

_FOLLOWED_REDIRECTS = frozenset({301, 302, 303, 307, 308})


def _v1_prefix(value: str | None) -> str:
    prefix = (C.DEFAULT_V1_PREFIX if value is None else value).strip().strip("/")
    if not prefix or any(c in prefix for c in "?#") or ".." in prefix.split("/"):
        raise ConfigurationError(f"v1_prefix must be a URL path such as 'api' or 'api/v1', got {value!r}")
    return prefix


def notify_url_for(base_url: str, notify_url: str | None = None) -> str:
    """The chat websocket of a server: ``notify_url`` when given, else derived from ``base_url``.

    osu.ppy.sh's is [`DEFAULT_NOTIFY_URL`][osukit._constants.DEFAULT_NOTIFY_URL]; any other server (the emulator,
    a private server) gets ``ws(s)://<its host and path>/notify``.
    """
    if notify_url:
        if not notify_url.startswith(("ws://", "wss://")):
            raise ConfigurationError(f"notify_url must start with ws:// or wss://, got {notify_url!r}")
        return notify_url
    base = base_url.rstrip("/")
    if base == C.DEFAULT_BASE_URL:
        return C.DEFAULT_NOTIFY_URL
    scheme, _, rest = base.partition("://")
    return f"{'wss' if scheme == 'https' else 'ws'}://{rest}/notify"


def _origin(url: str) -> tuple[str, str, int | None]:
    parts = urlsplit(url)
    try:
        port = parts.port
    except ValueError:
        port = -1
    default = {"http": 80, "https": 443}.get(parts.scheme.lower())
    return parts.scheme.lower(), (parts.hostname or "").lower(), port if port is not None else default


_API_KEY = "your API v1 key (from https://osu.ppy.sh/home/account/edit#legacy-api)"


class BaseClient:
    """Configuration and request building shared by [`Client`][osukit.Client] and [`AsyncClient`][osukit.AsyncClient].

    See [`osukit.AsyncClient`][osukit.AsyncClient] for the parameters.
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
        notify_url: str | None = None,
        v1_prefix: str | None = None,
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
        cache: Any = None,
        deadline: float | None = None,
        request_deadline: float | None = None,
        max_response_size: int | None = None,
    ) -> None:
        self._clock = clock or Clock()
        self.cache: ResponseCache | None = None  # [cache] opt-in, see osukit/cache.py (imported only when used)
        if cache is not None and cache is not False:
            from .cache import as_response_cache

            self.cache = as_response_cache(cache)
        self.deadline = build_seconds(deadline, C.DEFAULT_DEADLINE, "deadline")
        self.request_deadline = build_seconds(request_deadline, C.DEFAULT_REQUEST_DEADLINE, "request_deadline")
        self.max_response_size = build_size(max_response_size)
        self.base_url = (base_url or _env("OSU_BASE_URL") or C.DEFAULT_BASE_URL).rstrip("/")
        if not self.base_url.startswith(("http://", "https://")):
            raise ConfigurationError(f"base_url must be an http(s) URL, got {self.base_url!r}")
        self.notify_url = notify_url_for(self.base_url, notify_url or _env("OSU_NOTIFY_URL"))
        """The chat websocket ``chat_stream()`` connects to (follows ``base_url`` unless set)."""
        self.v1_prefix = _v1_prefix(v1_prefix if v1_prefix is not None else _env("OSU_V1_PREFIX"))
        self.api_version = api_version_arg(api_version)  # a typed error for "latest" & co. (osukit/_args.py)
        self.timeout = build_timeout(timeout)
        self.retry = build_retry(retry)
        self.rate_limiter = build_limiter(rate_limit, self._clock)
        self.token_store: TokenStore = token_store if token_store is not None else MemoryTokenStore()
        self.strict = strict
        # credentials are `Secret`s: plain str to use, '***' to rich.inspect, vars(), pprint …
        # (a `Secret` is registered for redaction as it is made)
        self.api_key = secret_arg(api_key, name="api_key", what=_API_KEY) or secret(_env("OSU_API_KEY"))
        self._client_id = checked_client_id(client_id if client_id is not None else _env("OSU_CLIENT_ID"))
        self._client_secret = secret_arg(client_secret if client_secret is not None else _env("OSU_CLIENT_SECRET"))
        checked_secret(access_token, name="access_token", what="an OAuth access token (or leave access_token out)")
        self._may_use_stored_login = False
        """A client built from client id/secret alone may act as the user stored by an earlier ``login()``."""
        if grant is None:
            if access_token is not None:
                grant = StaticToken(access_token)
            else:
                if self._client_id is not None or self._client_secret is not None:
                    grant = ClientCredentials(
                        self._client_id, self._client_secret, scopes if scopes is not None else ("public",)
                    )
                    self._may_use_stored_login = scopes is None
        self.grant = grant
        agent = user_agent or f"osukit/{__version__}"
        if app_name:
            agent = f"{agent} ({app_name})"
        self._headers: dict[str, str] = {
            "Accept": "application/json",
            "Accept-Encoding": ACCEPT_ENCODING,
            "User-Agent": agent,
        }
        if headers:
            self._headers.update({k: Secret(v) if isinstance(v, str) and v and k.lower() == "authorization" else v
                                  for k, v in headers.items()})
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
            if not header_safe_token(token.access_token):
                raise ConfigurationError(BAD_TOKEN_MESSAGE)
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
        _check_headers(merged)
        _register_passed_secrets(params, data, headers)
        return PreparedRequest(method, self._url(path), encode_params(params), merged, content)

    def _v1_path(self, path: str) -> str:
        """``api/get_*`` moved under `v1_prefix` (``api/v1/get_user`` on servers that put v1 there)."""
        rel = path.lstrip("/")
        if rel.startswith("api/get_") and self.v1_prefix != C.DEFAULT_V1_PREFIX:
            return f"/{self.v1_prefix}/{rel[len('api/'):]}"
        return path

    def _is_v1_path(self, path: str) -> bool:
        """True for a v1 route's path (``api/get_*`` or ``{v1_prefix}/get_*``), relative or absolute."""
        rel = path[len(self.base_url):] if path.startswith(self.base_url + "/") else path
        rel = rel.lstrip("/")
        return rel.startswith(("api/get_", f"{self.v1_prefix}/get_"))

    def _redirect_target(self, request: PreparedRequest, response: ResponseLike, hops: int) -> str:
        """Where to follow a 3xx ``response`` to, or the `RedirectError` that says why not.

        Followed: 301/302/303/307/308 of a GET or HEAD to the same origin (scheme, host, port) as
        the request, at most `MAX_REDIRECTS` times per call. The request keeps its
        credentials, which is safe only because the origin is the same.
        """
        status = response.status_code
        method = request.method.upper()
        raw = response.headers.get("location")
        shown_from = redact_url(request.full_url)
        common: dict[str, Any] = {"status_code": status, "method": method, "url": shown_from,
                                  "headers": response.headers}
        if not raw:
            raise RedirectError(f"the server answered {status} without a Location header", location=None, **common)
        target = urljoin(request.full_url, raw.strip())
        shown = redact_url(target)
        if status not in _FOLLOWED_REDIRECTS:
            raise RedirectError(f"the server answered {status}, pointing at {shown}", location=shown, **common)
        if method not in ("GET", "HEAD"):
            raise RedirectError(
                f"the server redirected this {method} ({status}) to {shown}; osukit follows redirects of GET "
                "requests only: call the new address directly (a trailing slash, or base_url/v1_prefix)",
                location=shown, **common,
            )
        if _origin(target) != _origin(request.url):
            raise RedirectError(
                f"the server redirected ({status}) to another origin: {shown}; osukit does not follow it, so "
                "credentials never leave the configured server (point base_url there if it is yours)",
                location=shown, **common,
            )
        if hops >= MAX_REDIRECTS:
            raise RedirectError(f"more than {MAX_REDIRECTS} redirects; the last pointed at {shown}",
                                location=shown, **common)
        return target

    def _follow(self, request: PreparedRequest, target: str) -> PreparedRequest:
        """``request`` sent to the redirect ``target`` (its query taken from the Location, which is
        same-origin: the headers, credentials included, go along)."""
        parts = urlsplit(target)
        query: list[tuple[str, Any]] = list(parse_qsl(parts.query, keep_blank_values=True))
        return PreparedRequest(request.method, parts._replace(query="", fragment="").geturl(), query,
                               request.headers, request.content)

    def _check_scope(self, route: Route[Any], token: Token | None) -> None:
        """Refuse, without a request, a route whose scope the token is known to lack."""
        if route.scope is None or route.scope == "any" or token is None:
            return
        if isinstance(self.grant, StaticToken) and "*" in token.scopes:
            return
        if not token.has_scope(route.scope):
            raise MissingScopeError(
                f"{route.name} ({route.key}) needs the '{route.scope}' scope, which "
                f"{describe_grant(self.grant)} lacks (it has: {' '.join(token.scopes) or 'no scopes'}); "
                f"no request was sent. Get a token with it: {scope_remedy(route.scope)}",
                scope=route.scope, remedy=scope_remedy(route.scope),
            )
        if route.requires_user and self.grant is not None and not self.grant.user_bound:
            raise MissingScopeError(
                f"{route.name} ({route.key}) acts as a user, and {describe_grant(self.grant)} acts as no user "
                "(client credentials without 'delegate'); no request was sent. Use a token that acts as a user: "
                f"{scope_remedy(route.scope)}",
                scope="identify" if route.scope == "identify" else route.scope,
                remedy=scope_remedy(route.scope),
            )

    def _remembered_login(
        self, scopes: tuple[str, ...] = (), *, key: str | None = None, user_id: int | None = None
    ) -> UserToken | None:
        """A grant for a user token an earlier ``login()`` left in the token store, or None.

        With ``key``: the token under that key. Otherwise the one login of this
        application (``user_id``'s when given) that has ``scopes`` and is still
        valid or refreshable; None when there is none, or several to choose from.
        """
        wanted = set(scopes) - {"identify"}  # osu! grants identify with every authorization code

        def fits(token: Token) -> bool:
            if not wanted <= set(token.scopes) and "*" not in token.scopes:
                return False
            return token.refresh_token is not None or not token.is_expired(self._clock.time())

        try:
            if key is not None:
                token = self.token_store.load(key)
                found = {key: token} if token is not None else {}
            else:
                found = stored_logins(self.token_store, self._client_id)
        except OsukitError as exc:
            logger.warning("could not read the stored logins: %s", exc)
            return None
        if user_id is not None:
            found = {k: t for k, t in found.items() if t.user_id == user_id or k == user_store_key(self._client_id, user_id)}
        usable = {k: t for k, t in found.items() if fits(t)}
        if len(usable) != 1:
            return None
        ((found_key, token),) = usable.items()
        return UserToken(self._client_id, self._client_secret, token, key=found_key if key is not None else None)

    def _stored_login_for(self, route: Route[Any]) -> UserToken | None:
        """The stored login a user-only ``route`` should use on a client built from client id/secret
        alone, or None (then the call fails as it would have). Asked once per client.

        Raises:
            AmbiguousLoginError: several users are logged in with this application: which one is meant?
        """
        grant = self.grant
        if not self._may_use_stored_login or grant is None or grant.user_bound or route.scope in (None, "any"):
            return None
        if not route.requires_user and route.scope in grant.scopes:
            return None
        self._may_use_stored_login = False
        found = self._remembered_login()
        if found is not None:
            stored = found.initial_token()
            logger.info("acting as the user of the stored login (user %s)", stored.user_id if stored else None)
            return found
        ambiguous = self._ambiguous_login(f"{route.name} ({route.key}) acts as a user")
        if ambiguous is not None:
            raise ambiguous
        return None

    def _ambiguous_login(self, what: str) -> AmbiguousLoginError | None:
        """The error to raise when several users of this application are logged in in the token store
        and ``what`` needs one of them (None with one login or none)."""
        try:
            logins = stored_logins(self.token_store, self._client_id)
        except OsukitError as exc:
            logger.warning("could not read the stored logins: %s", exc)
            return None
        if len(logins) < 2:
            return None
        user_ids = tuple(sorted((t.user_id for t in logins.values()), key=lambda u: (u is None, u or 0)))
        ids = ", ".join(str(u) for u in user_ids)
        return AmbiguousLoginError(
            f"{what}, and {len(logins)} users are logged in with this application in the token store "
            f"(user ids {ids}): choose one with client.login(user_id=...), or log in anew with "
            "client.login(force=True)",
            user_ids=user_ids,
        )

    def _with_user_id(self, token: Token, response: ResponseLike | None, reason: str) -> Token:
        """``token`` with the ``id`` of a ``/me`` response as its ``user_id``."""
        user_id: Any = None
        if response is not None and response.status_code == 200:
            try:
                body = msgspec.json.decode(response.content)
            except (msgspec.DecodeError, RecursionError):
                body = None
            user_id = body.get("id") if isinstance(body, dict) else None
            reason = "no user id in the answer"
        if isinstance(user_id, int) and not isinstance(user_id, bool) and user_id > 0:
            return msgspec.structs.replace(token, user_id=user_id)
        logger.warning(
            "login: could not learn which user logged in (GET /api/v2/me: %s); the token is stored as "
            "user 'default', so a second user's login would replace it", reason,
        )
        return token

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
        except (ValueError, RecursionError):  # not JSON, or nested deep enough to exhaust the stack
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

    # --- [cache] the response cache (osukit/cache.py) -------------------------------------------

    def _cache_key(self, route: Route[Any] | None, method: str, path: str, params: Mapping[str, Any] | None,
                   body: Any, token: Token | None) -> str | None:
        if self.cache is None or route is None:
            return None
        user_bound = bool(self.grant is not None and self.grant.user_bound)
        return self.cache.key(route, method, path, params, body, self.api_version, self.base_url, token, user_bound)

    def _cache_hit(self, key: str | None, method: str, path: str) -> ResponseLike | None:
        if key is None or self.cache is None:
            return None
        return self.cache.get(key, self._clock.time(), method, self._url(path))

    def _cache_store(self, key: str | None, route: Route[Any] | None, response: ResponseLike) -> None:
        if key is not None and route is not None and self.cache is not None:
            self.cache.put(key, route, response, self._clock.time())

    def _cache_release(self) -> None:
        """Nothing to let go of: sync backends keep their connections for other clients."""

    # The async client's twins (scripts/unasync.py renames ``_acache_*`` to ``_cache_*``): the backend
    # is reached through ResponseCache.async_backend, which never blocks the event loop.

    async def _acache_hit(self, key: str | None, method: str, path: str) -> ResponseLike | None:
        if key is None or self.cache is None:
            return None
        return await self.cache.aget(key, self._clock.time(), method, self._url(path))

    async def _acache_store(self, key: str | None, route: Route[Any] | None, response: ResponseLike) -> None:
        if key is not None and route is not None and self.cache is not None:
            await self.cache.aput(key, route, response, self._clock.time())

    async def _acache_release(self) -> None:
        if self.cache is not None:
            await self.cache.arelease()

    # --- responses ------------------------------------------------------------------------------

    def _remember(self, response: ResponseLike) -> None:
        self._last_response = ResponseInfo(response)

    def _observe(self, response: ResponseLike, bucket: str) -> None:
        """Let the rate limiter learn from a response. ``Retry-After`` means something only on
        429 and 503 (RFC 9110 §10.2.3): on any other status it is not passed on, so a ``3600``
        on a 200 cannot block the client."""
        headers = response.headers
        if response.status_code not in (429, 503) and "retry-after" in headers:
            headers = {k.lower(): v for k, v in headers.items() if k.lower() != "retry-after"}
        self.rate_limiter.observe(headers, bucket)

    def _deadline_error(self, what: str, method: str, url: str) -> DeadlineExceededError:
        return DeadlineExceededError(
            f"deadline of {self.deadline:g}s for this call passed ({what}); attempts, backoff and rate-limit "
            "waits all count (deadline=)",
            method=method,
            url=redact_url(url),
        )

    @property
    def last_response(self) -> ResponseInfo | None:
        """Status, headers and rate-limit state of the most recent response."""
        return self._last_response

    def _v1_prefix_hint(self, url: str, route: Route[Any] | None) -> str:
        """For a 404 on an API v1 call: a hint that API v1 may live elsewhere on this server (a wrong
        `v1_prefix`), else ''. osu.ppy.sh answers 200 (``[]``) for a v1 lookup that finds nothing, so a
        404 there means no v1 endpoint at that address."""
        path = urlsplit(url).path
        last = path.rstrip("/").rsplit("/", 1)[-1]
        if not ((route is not None and route.api == "v1") or self._is_v1_path(path) or last.startswith("get_")):
            return ""
        return (f"; no API v1 endpoint at {path}: check v1_prefix (OSU_V1_PREFIX; the CLI's --v1-prefix), "
                f"now {self.v1_prefix!r}: osu.ppy.sh serves v1 under 'api', some private servers under 'api/v1'")

    def _make_error(self, response: ResponseLike, route: Route[Any] | None = None) -> APIError:
        status = response.status_code
        method = response.request.method
        url = redact_url(str(response.request.url))
        body: Any
        try:
            body = response.json()
        except (ValueError, RecursionError):  # not JSON, or nested deep enough to exhaust the stack
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
        if status == 404:
            message += self._v1_prefix_hint(str(response.request.url), route)
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
