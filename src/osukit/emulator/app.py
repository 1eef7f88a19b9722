"""The emulator's ASGI application: osu-web's routes, OAuth, rate limits, faults and test controls."""

from __future__ import annotations

import asyncio
import json
import logging
import math
import random
import re
import secrets
import time
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import parse_qsl, urlencode

from starlette.applications import Starlette
from starlette.requests import ClientDisconnect, Request
from starlette.responses import Response
from starlette.routing import Route, WebSocketRoute
from starlette.types import Receive, Scope, Send
from starlette.websockets import WebSocket, WebSocketDisconnect

from .._constants import SERVER_RATE_LIMIT
from .._exceptions import InvalidParameterError
from ..pagination import decode_cursor_string, encode_cursor_string
from .dataset import World, build

logger = logging.getLogger("osukit.emulator")

SCOPES = {"public", "identify", "friends.read", "chat.read", "chat.write", "chat.write_manage", "forum.write",
          "forum.write_manage", "delegate", "group_permissions", "multiplayer.write_manage"}
REQUIRE_DELEGATION = {"chat.write", "chat.write_manage", "delegate", "forum.write", "forum.write_manage",
                      "group_permissions", "multiplayer.write_manage"}
CC_ONLY = {"delegate", "forum.write_manage", "group_permissions"}
TOKEN_OPTIONAL_PREFIXES = ("api/v2/changelog", "api/v2/comments", "api/v2/news", "api/v2/seasonal-backgrounds", "api/v2/wiki")


def check_number(name: str, value: object, what: str, *, whole: bool = False, low: float = 0,
                 above_low: bool = False, high: float = math.inf) -> Any:
    """One numeric setting, checked: ``value`` itself if it is a number (an ``int`` with ``whole``) from
    ``low`` (excluded with ``above_low``) to ``high``. The one check behind every emulator setting.

    Raises:
        InvalidParameterError: ``"{name} must be {what}, not {value!r}"``.
    """
    if (isinstance(value, bool) or not isinstance(value, (int, float)) or (whole and not isinstance(value, int))
            or not ((value > low if above_low else value >= low) and value <= high)):
        raise InvalidParameterError(f"{name} must be {what}, not {value!r}")
    return value


def _whole(value: object) -> object:
    """``60.0`` (a JSON number written with a point) as ``60``; anything else unchanged."""
    return int(value) if isinstance(value, float) and value.is_integer() else value


def check_rate_limit(value: object) -> int | None:
    """A per-minute rate limit as the emulator keeps it: ``None`` or ``0`` mean off, as the client's
    ``rate_limit=0`` does.

    Raises:
        InvalidParameterError: a negative number, or not a whole number.
    """
    value = _whole(value)
    if value is None or (value == 0 and not isinstance(value, bool)):
        return None
    return int(check_number("rate_limit", value, "0 or null (off) or a positive whole number of requests per "
                            "minute", whole=True))


def check_token_lifetime(value: object, name: str = "token_lifetime") -> int:
    """A token lifetime in seconds (a positive whole number); ``name`` is the setting named in the error.

    Raises:
        InvalidParameterError: zero, negative, or not a whole number.
    """
    return int(check_number(name, _whole(value), "a positive whole number of seconds", whole=True, above_low=True))


class ApiError(Exception):
    def __init__(self, status: int, body: Any, headers: dict[str, str] | None = None) -> None:
        self.status = status
        self.body = body
        self.headers = headers or {}


def error(status: int, message: str | None) -> ApiError:
    return ApiError(status, {"error": message})


@dataclass
class TokenRecord:
    access_token: str
    user_id: int | None
    scopes: frozenset[str]
    expires_at: float
    client_id: int
    grant: str
    refresh_token: str | None = None
    revoked: bool = False
    verified: bool = True
    """Session verification state (osu-web ``Token::setVerifiedState``: only password-grant sessions start unverified)."""


@dataclass
class Faults:
    latency_ms: float = 0.0
    spike_rate: float = 0.0
    spike_ms: float = 1000.0
    error_rate: float = 0.0
    error_statuses: tuple[int, ...] = (500, 502, 503)
    rate_limit_rate: float = 0.0
    retry_after: int = 1
    drop_rate: float = 0.0
    truncate_rate: float = 0.0
    malformed_rate: float = 0.0
    path_prefix: str = ""
    seed: int = 0
    rng: random.Random = field(default_factory=random.Random)

    @classmethod
    def from_options(cls, options: dict[str, Any]) -> Faults:
        """Faults from ``set_faults`` keywords or a ``POST /_emulator/faults`` body.

        Raises:
            InvalidParameterError: an unknown fault name (a typo would otherwise inject nothing).
        """
        names = sorted(k for k in cls.__dataclass_fields__ if k != "rng")
        unknown = sorted(str(k) for k in options if k not in names)
        if unknown:
            raise InvalidParameterError(f"unknown fault option(s) {', '.join(unknown)}; known: {', '.join(names)}")
        known: dict[str, Any] = {k: _check_fault(k, v) for k, v in options.items()
                 if k in cls.__dataclass_fields__ and k != "rng"}
        faults = cls(**known)
        faults.rng = random.Random(faults.seed)
        return faults

    def describe(self) -> dict[str, Any]:
        """The faults set now, as ``GET /_emulator/faults`` answers: ``active``, and the options that
        differ from the defaults under ``global`` (no ``path_prefix``) or ``by_path_prefix`` (one prefix,
        as ``/api/v2/users``); ``{}`` where nothing is set."""
        default = Faults()
        changed = {name: list(value) if isinstance(value, tuple) else value
                   for name in sorted(self.__dataclass_fields__) if name not in ("rng", "path_prefix")
                   for value in [getattr(self, name)] if value != getattr(default, name)}
        prefix = self.path_prefix
        return {"active": self.active(), "global": {} if prefix else changed,
                "by_path_prefix": {f"/{prefix}": changed} if prefix and changed else {}}

    def active(self) -> bool:
        return any((self.latency_ms, self.spike_rate, self.error_rate, self.rate_limit_rate, self.drop_rate,
                    self.truncate_rate, self.malformed_rate))


_FAULT_RATES = ("spike_rate", "error_rate", "rate_limit_rate", "drop_rate", "truncate_rate", "malformed_rate")


def _check_fault(name: str, value: Any) -> Any:
    """One fault option, checked: a wrong type or range is refused, never left to fail a request later.

    Raises:
        InvalidParameterError: the value does not fit the option.
    """
    if name in _FAULT_RATES:
        return float(check_number(name, value, "a share of requests from 0 to 1", high=1))
    if name in ("latency_ms", "spike_ms"):
        return float(check_number(name, value, "a number of milliseconds >= 0"))
    if name == "retry_after":
        return check_number(name, value, "a whole number of seconds >= 0", whole=True)
    if name == "seed":
        return check_number(name, value, "a whole number", whole=True, low=-math.inf)
    if name == "error_statuses":
        statuses = [value] if isinstance(value, int) else value
        if (not isinstance(statuses, (list, tuple)) or not statuses
                or not all(isinstance(v, int) and not isinstance(v, bool) and 400 <= v <= 599 for v in statuses)):
            raise InvalidParameterError(f"error_statuses must be a list of HTTP error statuses (400-599), not {value!r}")
        return tuple(statuses)
    if name == "path_prefix":
        return _fault_prefix(value)
    return value


_FAULT_ROOTS = ("api/", "oauth/", "osu/")  # where faults apply (Handler.inject)


def _fault_prefix(value: Any) -> str:
    """A fault's ``path_prefix`` as the handler compares it: without the leading ``/`` (``/api/v2/users``
    and ``api/v2/users`` are the same) and without a scheme and host (a full URL's path is taken).

    Raises:
        InvalidParameterError: not a string, or a prefix no faulted path can start with (outside
            ``/api/``, ``/oauth/`` and ``/osu/``, or with a query).
    """
    if not isinstance(value, str):
        raise InvalidParameterError(f"path_prefix must be a string, not {value!r}")
    prefix = value.strip()
    if prefix.startswith(("http://", "https://")):
        from urllib.parse import urlsplit

        prefix = urlsplit(prefix).path
    prefix = prefix.lstrip("/")
    if "?" in prefix or "#" in prefix or not (
            prefix.startswith(_FAULT_ROOTS) or any(root.startswith(prefix) for root in _FAULT_ROOTS)):
        raise InvalidParameterError(
            f"path_prefix {value!r} can never match: faults apply to paths under /api/, /oauth/ and /osu/ "
            "(e.g. /api/v2/users), without a query")
    return prefix


@dataclass
class ServerShape:
    """How the emulated server lays out its URLs: osu.ppy.sh's by default, or a private server's.

    * ``v1_prefix`` - where API v1 lives (``api`` → ``/api/get_user``; ``api/v1`` → ``/api/v1/get_user``,
      and ``/api/get_*`` is then 404 unless ``legacy_v1_redirect`` is set).
    * ``legacy_v1_redirect`` - a status (302, 301, 307…) redirecting ``/api/get_*`` to the prefix.
    * ``trailing_slash_redirect`` - a status (307 or 308) redirecting every ``/api/…`` path without a
      trailing slash to the same path with one, query kept, as a FastAPI server whose routes end in
      ``/`` does; the path with the slash is served.
    * ``redirects`` - exact paths (``api/v2/me``) answered with a 302 to the given Location.
    """

    v1_prefix: str = "api"
    legacy_v1_redirect: int | None = None
    trailing_slash_redirect: int | None = None
    redirects: dict[str, str] = field(default_factory=dict)

    @classmethod
    def from_options(cls, options: dict[str, Any]) -> ServerShape:
        prefix = str(options.get("v1_prefix") or "api").strip("/")
        statuses: dict[str, int | None] = {}
        for name in ("legacy_v1_redirect", "trailing_slash_redirect"):
            value = options.get(name)
            if value in (None, False, 0):
                statuses[name] = None
            elif isinstance(value, int) and not isinstance(value, bool) and 300 <= value < 400:
                statuses[name] = value
            else:
                raise error(422, f"{name} must be a 3xx status or null")
        redirects = options.get("redirects") or {}
        if not isinstance(redirects, dict) or not all(isinstance(v, str) for v in redirects.values()):
            raise error(422, "redirects must map paths to Location strings")
        return cls(prefix, statuses["legacy_v1_redirect"], statuses["trailing_slash_redirect"],
                   {str(k).lstrip("/"): v for k, v in redirects.items()})

    def to_dict(self) -> dict[str, Any]:
        return {"v1_prefix": self.v1_prefix, "legacy_v1_redirect": self.legacy_v1_redirect,
                "trailing_slash_redirect": self.trailing_slash_redirect, "redirects": dict(self.redirects)}

    def resolve(self, request: Request, path: str) -> tuple[str, Response | None]:
        """The osu.ppy.sh path this request means, or the redirect (or 404) this server answers."""
        query = request.url.query

        def moved(status: int, target: str) -> Response:
            return Response(status_code=status, headers={"location": "/" + target + ("?" + query if query else "")})

        if path in self.redirects:
            return path, Response(status_code=302, headers={"location": self.redirects[path]})
        if self.trailing_slash_redirect and path.startswith("api/"):
            if not path.endswith("/"):
                return path, moved(self.trailing_slash_redirect, path + "/")
            path = path.rstrip("/")
        if self.v1_prefix != "api":
            if path.startswith("api/get_"):
                if self.legacy_v1_redirect:
                    return path, moved(self.legacy_v1_redirect, f"{self.v1_prefix}/{path[len('api/'):]}")
                return path, _json(404, {"error": "Not Found"})
            if path.startswith(self.v1_prefix + "/get_"):
                path = "api/" + path[len(self.v1_prefix) + 1:]
        return path, None


@dataclass
class Bucket:
    tokens: float
    updated: float


class State:
    """Everything one emulator instance knows and counts."""

    def __init__(self, seed: int, rate_limit: int | None, token_lifetime: int = 86400, ws_ping_interval: float = 20.0) -> None:
        self.seed = seed
        self.world: World = build(seed)
        self.rate_limit = check_rate_limit(rate_limit)
        self.token_lifetime = check_token_lifetime(token_lifetime)
        self.ws_ping_interval = ws_ping_interval
        self.tokens: dict[str, TokenRecord] = {}
        self.refresh: dict[str, TokenRecord] = {}
        self.codes: dict[str, tuple[int, frozenset[str], str]] = {}
        self.buckets: dict[str, Bucket] = {}
        self.faults = Faults()
        self.shape = ServerShape()
        """URL layout (v1 prefix, redirects): osu.ppy.sh's unless configured like a private server's."""
        self.stats: dict[str, Any] = {}
        self.sockets: dict[int, set[WebSocket]] = {}
        self.chat_started: set[WebSocket] = set()
        self.stalled: set[WebSocket] = set()
        self.lost_on: set[WebSocket] = set()
        """Stalled connections that lost an event: they end when the stall does (see `stall_sockets`)."""
        self.server: Any = None
        """The uvicorn ``Server`` serving this state, when known (set by ``Emulator`` and ``main``);
        ``/_emulator/ws/stall`` needs it to reach the connections' transports."""
        self.reset_stats()

    def configure(self, *, rate_limit: object = ..., token_lifetime: object = ...) -> None:
        """Change the rate limit (``None`` or ``0``: off) and/or the token lifetime (``...``: unchanged),
        both checked before either changes. A new rate limit starts with full buckets.

        Raises:
            InvalidParameterError: a value [check_rate_limit][osukit.emulator.app.check_rate_limit] or
                [check_token_lifetime][osukit.emulator.app.check_token_lifetime] refuses.
        """
        limit = self.rate_limit if rate_limit is ... else check_rate_limit(rate_limit)
        lifetime = self.token_lifetime if token_lifetime is ... else check_token_lifetime(token_lifetime)
        if rate_limit is not ...:
            self.rate_limit = limit
            self.buckets.clear()
        self.token_lifetime = lifetime

    def reset_stats(self) -> None:
        self.stats = {"requests": 0, "by_route": {}, "token_requests": {}, "rate_limited": 0, "faults": {}, "websocket_events": 0}

    def count_fault(self, kind: str) -> None:
        self.stats["faults"][kind] = self.stats["faults"].get(kind, 0) + 1

    def stall_sockets(self, seconds: float) -> int:
        """Make every open websocket go silent for ``seconds`` (a half-open connection): the server
        stops reading, so the client's pings get no pong, and events meant for it are lost, as
        they would be on a dead link. Returns how many were stalled.

        When the stall ends, a connection that lost no event reads again (a link that came back in
        time). One that lost an event is reset instead: a live TCP connection never delivers later
        bytes after lost ones, so a stream that resumed past a gap would be a failure no real link
        shows, and a client could not tell it from silence. Its client reconnects and catches up."""
        connections = getattr(getattr(self.server, "server_state", None), "connections", None)
        if connections is None:
            raise error(501, "stalling websockets needs the emulator's own server (osukit.emulator.Emulator "
                             "or `osukit emulator serve`)")
        # uvicorn hands each connection's own scope dict to the app, so identity finds the transport.
        by_scope = {id(getattr(conn, "scope", None)): conn for conn in list(connections)}
        loop = asyncio.get_running_loop()
        count = 0
        for conns in list(self.sockets.values()):
            for ws in list(conns):
                transport = getattr(by_scope.get(id(ws.scope)), "transport", None)
                if transport is None or transport.is_closing() or ws in self.stalled:
                    continue
                transport.pause_reading()
                self.stalled.add(ws)
                self.count_fault("ws_stall")
                loop.call_later(seconds, self._unstall, ws, transport)
                count += 1
        return count

    def _unstall(self, ws: WebSocket, transport: Any) -> None:
        self.stalled.discard(ws)
        lost = ws in self.lost_on
        self.lost_on.discard(ws)
        if transport.is_closing():
            return
        if lost:
            for conns in self.sockets.values():
                conns.discard(ws)
            self.chat_started.discard(ws)
            transport.abort()  # a reset, as a dead link that lost data ends
        else:
            transport.resume_reading()

    def mint(self, user_id: int | None, scopes: frozenset[str], grant: str, *, expires_in: int | None = None,
             refresh: bool = False, verified: bool = True) -> dict[str, Any]:
        lifetime = self.token_lifetime if expires_in is None else expires_in
        record = TokenRecord(access_token="emu." + secrets.token_urlsafe(32), user_id=user_id, scopes=scopes,
                             expires_at=time.time() + lifetime, client_id=self.world.client_id, grant=grant,
                             verified=verified)
        body: dict[str, Any] = {"token_type": "Bearer", "expires_in": lifetime, "access_token": record.access_token}
        if refresh:
            record.refresh_token = "emur." + secrets.token_urlsafe(32)
            self.refresh[record.refresh_token] = record
            body["refresh_token"] = record.refresh_token
        self.tokens[record.access_token] = record
        return body

    def dataset(self) -> dict[str, Any]:
        w = self.world
        first_room = next(iter(w.rooms.values()))
        build0 = w.builds[2]
        # A forum post of the test user (to edit) and its topic; any test user (POST /_emulator/config
        # {"test_user_id": …}) works: one without posts gets the first topic and "post": null.
        own_post: int | None = None
        first_topic = next(iter(w.topics.values()))
        for topic in w.topics.values():
            own_post = next((pid for pid in topic["post_ids"] if w.posts[pid]["user_id"] == w.test_user_id), None)
            if own_post is not None:
                first_topic = topic
                break
        creator = next(iter(w.beatmapsets.values()))["creator_id"]
        first_map = next(iter(w.beatmaps))
        scorer = next(s["user_id"] for s in w.scores.values() if s["beatmap_id"] == first_map and s["passed"])
        return {
            "client": {"id": w.client_id, "secret": w.client_secret},
            "api_key": w.api_key,
            "bot_user_id": w.bot_user_id,
            "test_user_id": w.test_user_id,
            "users": [{"id": u["id"], "username": u["username"]} for u in list(w.users.values())[:40]],
            "params": {
                "user": w.test_user_id, "mode": "osu", "type": "best", "beatmap": next(iter(w.beatmaps)),
                "beatmapset": next(iter(w.beatmapsets)), "pack": w.packs[0]["tag"], "room": first_room["id"],
                "playlist": first_room["playlist"][0]["id"], "channel": 5, "message": w.messages[-1]["message_id"],
                "topic": first_topic["id"], "post": own_post, "forum": first_topic["forum_id"],
                "comment": next(iter(w.comments)), "news": w.news[1]["slug"], "locale": "en", "path": "Main_page",
                "stream": build0["stream"]["name"], "build": build0["version"], "changelog": build0["version"],
                "score": next(iter(w.scores)), "ruleset": "osu", "team": 1, "match": next(iter(w.matches)),
                "spotlight": w.spotlights[0]["id"],
            },
            # Where one name means different things on different routes, the value that resolves there.
            "route_params": {
                "api/v2/users/{user}/beatmapsets/{type}": {"user": creator, "type": "ranked"},
                "api/v2/rankings/{mode}/{type}": {"type": "performance"},
                "api/v2/beatmaps/{beatmap}/scores/users/{user}": {"user": scorer},
                "api/v2/beatmaps/{beatmap}/scores/users/{user}/all": {"user": scorer},
            },
        }


# --- helpers -----------------------------------------------------------------------------------

def _form(raw: bytes) -> dict[str, str]:
    try:
        return dict(parse_qsl(raw.decode("utf-8", "replace"), keep_blank_values=True, max_num_fields=200))
    except ValueError:
        raise error(422, "invalid form body") from None


def decode_cursor(text: str | None) -> dict[str, Any] | None:
    """A ``cursor_string``'s object, or None for anything else: osu-web's ``cursor_decode`` treats an
    unreadable cursor as none (the client's own check, `decode_cursor_string`, refuses it instead)."""
    if not text:
        return None
    try:
        return decode_cursor_string(text)
    except InvalidParameterError:
        return None


def int_param(request: Request, name: str, default: int | None = None, *, low: int | None = None, high: int | None = None) -> int | None:
    raw = request.query_params.get(name)
    if raw is None or raw == "":
        return default
    try:
        value = int(raw)
    except ValueError:
        raise error(422, f"invalid value for {name}") from None
    if low is not None and value < low:
        value = low
    if high is not None and value > high:
        value = high
    return value


def list_param(request: Request, name: str) -> list[str]:
    return request.query_params.getlist(f"{name}[]") or request.query_params.getlist(name)


def bool_param(request: Request, name: str) -> bool:
    return request.query_params.get(name, "").lower() in ("1", "true", "on", "yes")


def cursor_params(request: Request) -> dict[str, Any] | None:
    cur = decode_cursor(request.query_params.get("cursor_string"))
    if cur is not None:
        return cur
    obj = {k[7:-1]: v for k, v in request.query_params.items() if k.startswith("cursor[") and k.endswith("]")}
    return obj or None


def paginate_offset(request: Request, items: list[Any], *, default: int = 5, cap: int | None = None) -> list[Any]:
    limit = int_param(request, "limit", default, low=1, high=100) or default
    offset = int_param(request, "offset", 0, low=0) or 0
    end = offset + limit
    if cap is not None:
        end = min(end, cap)
    return items[offset:end]


def page_by_id_cursor(request: Request, items: list[dict[str, Any]], key: str, per_page: int) -> tuple[list[Any], str | None, dict[str, Any] | None]:
    cur = cursor_params(request)
    start = 0
    if cur is not None and key in cur:
        try:
            after = int(cur[key])
        except (TypeError, ValueError):
            after = None
        if after is not None:
            ids = [i[key] for i in items]
            start = next((n + 1 for n, v in enumerate(ids) if v == after), len(items))
    page = items[start:start + per_page]
    if start + per_page < len(items) and page:
        nxt = {key: page[-1][key]}
        return page, encode_cursor_string(nxt), nxt
    return page, None, None


def page_number_cursor(request: Request, items: list[Any], per_page: int) -> tuple[list[Any], int, bool]:
    cur = cursor_params(request) or {}
    page = int_param(request, "page", None, low=1)
    if page is None:
        try:
            page = max(1, int(cur.get("page", 1)))
        except (TypeError, ValueError):
            page = 1
    chunk = items[(page - 1) * per_page: page * per_page]
    return chunk, page, page * per_page < len(items)


# --- the app ---------------------------------------------------------------------------------

Handler = Callable[["Ctx"], Awaitable[Any]]


@dataclass
class Ctx:
    request: Request
    state: State
    token: TokenRecord | None
    params: dict[str, str]

    @property
    def world(self) -> World:
        return self.state.world

    @property
    def version(self) -> int:
        try:
            return int(self.request.headers.get("x-api-version", "0"))
        except ValueError:
            return 0

    @property
    def user_id(self) -> int | None:
        return self.token.user_id if self.token else None

    async def body(self) -> dict[str, Any]:
        raw = await self.request.body()
        if not raw:
            return {}
        ctype = self.request.headers.get("content-type", "")
        if "json" in ctype:
            try:
                value = json.loads(raw)
            except ValueError:
                raise error(422, "invalid json body") from None
            return value if isinstance(value, dict) else {}
        return _form(raw)


@dataclass
class ApiRoute:
    methods: tuple[str, ...]
    uri: str
    regex: re.Pattern[str]
    handler: Handler
    scope: str | None
    requires_user: bool = False
    bucket: str = "default"
    cost: Callable[[Request], int] | None = None


def _compile(uri: str) -> re.Pattern[str]:
    pattern = re.escape(uri)
    pattern = re.sub(r"/\\\{(\w+)\\\?\\\}", r"(?:/(?P<\1>[^/]+))?", pattern)
    pattern = re.sub(r"\\\{path\\\}", r"(?P<path>.+)", pattern)
    pattern = re.sub(r"\\\{(\w+)\\\}", r"(?P<\1>[^/]+)", pattern)
    return re.compile("^" + pattern + "$")


ROUTES: list[ApiRoute] = []


def api(methods: str, uri: str, scope: str | None, *, requires_user: bool = False, bucket: str = "default",
        cost: Callable[[Request], int] | None = None) -> Callable[[Handler], Handler]:
    def deco(fn: Handler) -> Handler:
        ROUTES.append(ApiRoute(tuple(methods.split("|")), uri, _compile(uri), fn, scope, requires_user, bucket, cost))
        return fn
    return deco



def _json(status: int, body: Any, headers: dict[str, str] | None = None) -> Response:
    return Response(json.dumps(body, separators=(",", ":")).encode(), status_code=status, media_type="application/json",
                    headers=headers)


class _QuietDrops(logging.Filter):
    """uvicorn reports the connections the fault injector cuts on purpose; those are not errors."""

    def filter(self, record: logging.LogRecord) -> bool:
        text = record.getMessage() + " " + str(record.exc_info[1] if record.exc_info else "")
        # httptools' wording, then h11's
        return "shorter than Content-Length" not in text and "Too little data for declared Content-Length" not in text


logging.getLogger("uvicorn.error").addFilter(_QuietDrops())


class _DroppedResponse(Response):
    """Sends headers promising a body it never finishes: the client sees the connection break."""

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        await send({"type": "http.response.start", "status": 200,
                    "headers": [(b"content-type", b"application/json"), (b"content-length", b"4096")]})
        await send({"type": "http.response.body", "body": b'{"partial":', "more_body": False})


class Emulated:
    """Routes every HTTP request (the API, OAuth, v1, files and test controls)."""

    def __init__(self, state: State) -> None:
        self.state = state

    async def handle(self, request: Request) -> Response:
        path = request.url.path.lstrip("/")
        st = self.state
        try:
            if path.startswith("_emulator/"):
                return await self.control(request, path[len("_emulator/"):])
            st.stats["requests"] += 1
            path, moved = st.shape.resolve(request, path)
            if moved is not None:
                return moved
            fault = await self.inject(path)
            if fault is not None:
                return fault
            _live_tick(st)  # a served live world following real time catches up (live.py)
            response = await self.route(request, path)
        except ApiError as exc:
            response = _json(exc.status, exc.body, exc.headers)
        except ClientDisconnect:  # the client gave up (e.g. timed out during a latency spike): nobody to answer
            return Response(status_code=499)
        except Exception as exc:  # a bug here must never look like a client mistake or crash the server
            logger.exception("emulator: internal error on %s %s", request.method, path)
            # osu-web hides a 5xx's reason ({"error": null}); the emulator is a test tool: say what broke.
            response = _json(500, {"error": f"emulator internal error on {request.method} /{path}: "
                                            f"{type(exc).__name__}: {str(exc)[:200]} (see the emulator log)"})
        return await self.corrupt(path, response)

    async def inject(self, path: str) -> Response | None:
        f = self.state.faults
        if not f.active() or not (path.startswith(("api/", "oauth/", "osu/")) and path.startswith(f.path_prefix)):
            return None
        if f.latency_ms:
            await asyncio.sleep(f.latency_ms / 1000 * (0.5 + f.rng.random()))
        if f.spike_rate and f.rng.random() < f.spike_rate:  # a latency spike: long enough to trip a client timeout
            self.state.count_fault("latency_spike")
            await asyncio.sleep(f.spike_ms / 1000)
        roll = f.rng.random()
        if roll < f.error_rate:
            status = f.rng.choice(f.error_statuses)
            self.state.count_fault(f"status_{status}")
            return _json(status, {"error": None})
        roll -= f.error_rate
        if roll < f.rate_limit_rate:
            self.state.count_fault("rate_limit")
            self.state.stats["rate_limited"] += 1
            return _json(429, {"error": "Too Many Attempts."}, {"Retry-After": str(f.retry_after), "X-RateLimit-Limit": "1200",
                                                               "X-RateLimit-Remaining": "0", "X-RateLimit-Reset": str(int(time.time()) + f.retry_after)})
        roll -= f.rate_limit_rate
        if roll < f.drop_rate:
            self.state.count_fault("drop")
            return _DroppedResponse()
        return None

    async def corrupt(self, path: str, response: Response) -> Response:
        f = self.state.faults
        if not (f.truncate_rate or f.malformed_rate) or not path.startswith(("api/", "oauth/")) or not path.startswith(f.path_prefix):
            return response
        if response.status_code != 200 or response.media_type != "application/json":
            return response
        body = bytes(response.body)
        roll = f.rng.random()
        if roll < f.truncate_rate and len(body) > 2:
            self.state.count_fault("truncated")
            return Response(body[: len(body) // 2], media_type="application/json", headers=_rate_headers_of(response))
        if roll - f.truncate_rate < f.malformed_rate and body:
            self.state.count_fault("malformed")
            return Response(b"<html>" + body[:20], media_type="application/json", headers=_rate_headers_of(response))
        return response

    async def route(self, request: Request, path: str) -> Response:
        st = self.state
        if path == "oauth/token":
            if request.method != "POST":
                raise error(405, "Method Not Allowed")
            return await self.oauth_token(request)
        if path == "oauth/authorize":
            return self.oauth_authorize(request)
        if path.startswith("api/get_"):
            from .v1 import handle_v1

            st.stats["by_route"][f"GET {path}"] = st.stats["by_route"].get(f"GET {path}", 0) + 1
            status, body = handle_v1(st, path[4:], request)
            return _json(status, body)
        if path.startswith("osu/"):
            from .osufile import osu_file

            try:
                bid = int(path[4:])
            except ValueError:
                return Response(b"", status_code=404)
            if bid not in st.world.beatmaps:
                return Response(b"", status_code=404)
            return Response(osu_file(st.world, bid).encode(), media_type="text/plain")
        matched_path = False
        for r in ROUTES:
            m = r.regex.match(path)
            if not m:
                continue
            matched_path = True
            if request.method not in r.methods and not (request.method == "HEAD" and "GET" in r.methods):
                continue
            return await self.call(request, r, {k: v for k, v in m.groupdict().items() if v is not None})
        if matched_path:
            raise error(405, "Method Not Allowed")
        raise error(404, "Not Found")

    async def call(self, request: Request, r: ApiRoute, params: dict[str, str]) -> Response:
        st = self.state
        key = f"{'|'.join(r.methods)} {r.uri}"
        st.stats["by_route"][key] = st.stats["by_route"].get(key, 0) + 1
        token = self.authenticate(request, r)
        headers = self.throttle(request, r, token)
        ctx = Ctx(request, st, token, params)
        result = await r.handler(ctx)
        if isinstance(result, Response):
            for k, v in headers.items():
                result.headers[k] = v
            return result
        if result is None:
            return Response(status_code=204, headers=headers)
        return _json(200, result, headers)

    def authenticate(self, request: Request, r: ApiRoute) -> TokenRecord | None:
        auth = request.headers.get("authorization", "")
        token: TokenRecord | None = None
        if auth[:7].lower() == "bearer ":
            token = self.state.tokens.get(auth[7:].strip())
            if token is None or token.revoked or token.expires_at <= time.time():
                raise ApiError(401, {"authentication": "basic"})
        if r.scope is None:
            return token
        if token is None:
            raise ApiError(401, {"authentication": "basic"})
        if r.scope != "any" and r.scope not in token.scopes and "*" not in token.scopes:
            raise error(403, "A required scope is not provided.")
        if r.requires_user and token.user_id is None:
            raise ApiError(401, {"authentication": "basic"})
        return token

    def throttle(self, request: Request, r: ApiRoute, token: TokenRecord | None) -> dict[str, str]:
        st = self.state
        limit = st.rate_limit
        if r.bucket == "replay":
            limit = 10
        enforce = limit is not None
        if limit is None:  # off: never 429, but the headers still count against osu-web's ceiling, as osu! sends them
            limit = SERVER_RATE_LIMIT
        ident = (token.access_token if token else (request.client.host if request.client else "anon")) + ":" + r.bucket
        now = time.monotonic()
        b = st.buckets.get(ident)
        if b is None:
            b = st.buckets[ident] = Bucket(float(limit), now)
        b.tokens = min(float(limit), b.tokens + (now - b.updated) * limit / 60.0)
        b.updated = now
        cost = r.cost(request) if r.cost else 1
        if b.tokens < cost and not enforce:
            b.tokens = float(limit)  # a new minute, as far as the headers tell
        if b.tokens < cost:
            wait = max(1, int((cost - b.tokens) / (limit / 60.0)) + 1)
            st.stats["rate_limited"] += 1
            raise ApiError(429, {"error": "Too Many Attempts."},
                           {"Retry-After": str(wait), "X-RateLimit-Limit": str(limit), "X-RateLimit-Remaining": "0",
                            "X-RateLimit-Reset": str(int(time.time()) + wait)})
        b.tokens -= cost
        return {"X-RateLimit-Limit": str(limit), "X-RateLimit-Remaining": str(int(b.tokens))}

    # --- OAuth ------------------------------------------------------------------------------

    async def oauth_token(self, request: Request) -> Response:
        st = self.state
        data = _form(await request.body())
        if not data and request.headers.get("content-type", "").startswith("application/json"):
            try:
                data = {k: str(v) for k, v in json.loads(await request.body()).items()}
            except (ValueError, AttributeError):
                data = {}
        grant = data.get("grant_type", "")
        st.stats["token_requests"][grant or "?"] = st.stats["token_requests"].get(grant or "?", 0) + 1
        if grant not in ("client_credentials", "authorization_code", "refresh_token"):
            return _oauth_error(400, "unsupported_grant_type", "The authorization grant type is not supported by the authorization server.",
                                "Check that all required parameters have been provided")
        if str(data.get("client_id")) != str(st.world.client_id) or data.get("client_secret") != st.world.client_secret:
            return _oauth_error(401, "invalid_client", "Client authentication failed", None)
        if grant == "client_credentials":
            scopes = frozenset((data.get("scope") or "").split())
            problem = _scope_problem("client_credentials", scopes)
            if problem:
                return _oauth_error(400, "invalid_scope", "The requested scope is invalid, unknown, or malformed", problem)
            owner = st.world.bot_user_id if "delegate" in scopes else None
            return _json(200, st.mint(owner, scopes, "client_credentials"))
        if grant == "authorization_code":
            code = data.get("code", "")
            entry = st.codes.pop(code, None)
            if entry is None or entry[2] != data.get("redirect_uri"):
                return _oauth_error(400, "invalid_grant", _INVALID_GRANT, "Authorization code has been revoked" if entry is None else "Invalid redirect URI")
            user_id, scopes, _ = entry
            return _json(200, st.mint(user_id, scopes | {"identify"}, "authorization_code", refresh=True))
        old = st.refresh.pop(data.get("refresh_token", ""), None)
        if old is None or old.revoked:
            return _oauth_error(400, "invalid_grant", _INVALID_GRANT, "Token has been revoked")
        old.revoked = True
        scopes = old.scopes
        if data.get("scope"):
            narrowed = frozenset(data["scope"].split())
            if not narrowed <= scopes:
                return _oauth_error(400, "invalid_scope", "The requested scope is invalid, unknown, or malformed", "Check the `scope` parameter")
            scopes = narrowed
        return _json(200, st.mint(old.user_id, scopes, "authorization_code", refresh=True))

    def oauth_authorize(self, request: Request) -> Response:
        st = self.state
        q = request.query_params
        if q.get("client_id") != str(st.world.client_id) or not q.get("redirect_uri") or q.get("response_type") != "code":
            return _json(400, {"error": "invalid_request", "error_description": "The request is missing a required parameter."})
        scopes = frozenset((q.get("scope") or "identify").split())
        problem = _scope_problem("authorization_code", scopes)
        redirect = q["redirect_uri"]
        sep = "&" if "?" in redirect else "?"
        if problem:
            return Response(status_code=302, headers={"location": redirect + sep + urlencode(
                {"error": "invalid_scope", "error_description": problem, "state": q.get("state", "")})})
        code = secrets.token_urlsafe(24)
        st.codes[code] = (st.world.test_user_id, scopes, redirect)
        params = {"code": code}
        if q.get("state") is not None:
            params["state"] = q["state"]
        return Response(status_code=302, headers={"location": redirect + sep + urlencode(params)})

    # --- test controls ----------------------------------------------------------------------

    async def control(self, request: Request, what: str) -> Response:
        st = self.state
        if what == "live" or what.startswith("live/"):  # the live world's virtual clock (live.py)
            from .live import control as live_control

            return await live_control(st, request, what)
        if what == "dataset" and request.method == "GET":
            return _json(200, st.dataset())
        if what == "tokens" and request.method == "POST":
            body = await _control_body(request)
            user_id, raw_scopes, lifetime = body.get("user_id"), body.get("scopes"), body.get("expires_in")
            if user_id is not None and (isinstance(user_id, bool) or not isinstance(user_id, int)):
                raise error(400, f"user_id must be a user id (a whole number) or null, not {user_id!r}")
            if raw_scopes is not None and (not isinstance(raw_scopes, list)
                                           or not all(isinstance(x, str) for x in raw_scopes)):
                raise error(400, f"scopes must be a list of scope names, not {raw_scopes!r}")
            if lifetime is not None:
                try:
                    check_token_lifetime(lifetime, "expires_in")
                except InvalidParameterError as exc:
                    raise error(400, str(exc)) from None
            scopes = frozenset(raw_scopes or ["public"])
            return _json(200, st.mint(user_id, scopes, "authorization_code" if user_id else "client_credentials",
                                      expires_in=body.get("expires_in"), refresh=bool(body.get("refresh", user_id is not None))))
        if what == "faults":
            if request.method == "DELETE":
                st.faults = Faults()
                return Response(status_code=204)
            if request.method == "GET":  # what is set now (a GET never changes the faults)
                return _json(200, st.faults.describe())
            try:
                st.faults = Faults.from_options(await _control_body(request))
            except InvalidParameterError as exc:
                return _json(422, {"error": str(exc)})
            return _json(200, {"ok": True})
        if what == "stats":
            if request.method == "DELETE":
                st.reset_stats()
                return Response(status_code=204)
            return _json(200, st.stats)
        if what == "config" and request.method == "POST":
            body = await _control_body(request)
            try:
                st.configure(**{k: body[k] for k in ("rate_limit", "token_lifetime") if k in body})
            except InvalidParameterError as exc:
                raise error(400, str(exc)) from None
            if "test_user_id" in body:
                uid = body["test_user_id"]
                if isinstance(uid, bool) or not isinstance(uid, int) or uid not in st.world.users:
                    raise error(422, "test_user_id must be the id of a user in the dataset (GET /_emulator/dataset "
                                     "lists some)")
                st.world.test_user_id = uid
            shape_keys = ("v1_prefix", "legacy_v1_redirect", "trailing_slash_redirect", "redirects")
            if any(k in body for k in shape_keys):
                st.shape = ServerShape.from_options({**st.shape.to_dict(),
                                                     **{k: body[k] for k in shape_keys if k in body}})
            return _json(200, {"rate_limit": st.rate_limit, "token_lifetime": st.token_lifetime,
                               "test_user_id": st.world.test_user_id, **st.shape.to_dict()})
        if what == "reset" and request.method == "POST":
            st.world = build(st.seed)
            st.reset_stats()
            return Response(status_code=204)
        if what == "ws/drop" and request.method == "POST":
            count = 0
            for conns in list(st.sockets.values()):
                for ws in list(conns):
                    count += 1
                    try:
                        await ws.close(code=1012)
                    except Exception:  # already gone
                        pass
            return _json(200, {"dropped": count})
        if what == "ws/stall" and request.method == "POST":
            body = await _control_body(request)
            seconds = body.get("seconds", 30)
            if isinstance(seconds, bool) or not isinstance(seconds, (int, float)) or not 0 < seconds <= 3600:
                raise error(422, "seconds must be a number in (0, 3600]")
            return _json(200, {"stalled": st.stall_sockets(float(seconds))})
        raise error(404, "Not Found")


async def _control_body(request: Request) -> Any:
    try:
        body = json.loads(await request.body() or b"{}")
    except ValueError:
        raise error(400, "the request body is not JSON") from None
    if not isinstance(body, dict):
        raise error(400, "the request body must be a JSON object")
    return body


def _rate_headers_of(response: Response) -> dict[str, str]:
    return {k: v for k, v in response.headers.items() if k.lower().startswith("x-ratelimit")}


_INVALID_GRANT = ("The provided authorization grant (e.g., authorization code, resource owner credentials) or refresh token is "
                  "invalid, expired, revoked, does not match the redirection URI used in the authorization request, or was "
                  "issued to another client.")


def _oauth_error(status: int, err: str, desc: str, hint: str | None) -> Response:
    body: dict[str, Any] = {"error": err, "error_description": desc}
    if hint:
        body["hint"] = hint
    body["message"] = desc
    return _json(status, body)


def _scope_problem(grant: str, scopes: frozenset[str]) -> str | None:
    if not scopes:
        return "Missing scope (missing_scope)"
    if "*" in scopes:
        return "'*' is not allowed (all_scope_no_client_owner)"
    unknown = scopes - SCOPES
    if unknown:
        return f"Unknown scope {sorted(unknown)[0]} (invalid_scope)"
    if grant == "client_credentials":
        if scopes & REQUIRE_DELEGATION and "delegate" not in scopes:
            return "delegate scope is required (delegate_required)"
        if "delegate" in scopes and scopes - REQUIRE_DELEGATION:
            return "invalid scope combination with delegate (delegate_invalid_combination)"
    elif scopes & CC_ONLY:
        return "scope is only valid for client_credentials (client_credentials_only)"
    return None


# --- websocket (osu-notification-server) ------------------------------------------------------

async def notify(ws: WebSocket) -> None:
    st: State = ws.app.state.emulator
    auth = ws.headers.get("authorization", "")
    token_text = auth[7:].strip() if auth[:7].lower() == "bearer " else ws.query_params.get("access_token", "")
    record = st.tokens.get(token_text)
    await ws.accept()
    ok = (record is not None and not record.revoked and record.expires_at > time.time() and record.user_id is not None
          and (record.scopes & {"chat.read", "*"}))  # like osu-notification-server: delegate tokens cannot listen
    if not ok:
        await ws.send_text(json.dumps({"error": "authentication failed"}))
        await ws.close(code=4001)
        return
    assert record is not None and record.user_id is not None
    uid = record.user_id
    st.sockets.setdefault(uid, set()).add(ws)
    try:
        await ws.send_text(json.dumps({"event": "connection.ready"}))
        while True:
            text = await ws.receive_text()
            try:
                msg = json.loads(text)
            except ValueError:
                continue
            event = msg.get("event") if isinstance(msg, dict) else None
            if event == "chat.start":
                st.chat_started.add(ws)
            elif event == "chat.end":
                st.chat_started.discard(ws)
    except (WebSocketDisconnect, RuntimeError):
        pass
    finally:
        st.sockets.get(uid, set()).discard(ws)
        st.chat_started.discard(ws)


async def push(st: State, user_ids: set[int], event: str, data: dict[str, Any]) -> None:
    """Send ``event`` to every chat-started connection of ``user_ids``."""
    text = json.dumps({"event": event, "data": data}, separators=(",", ":"))
    for uid in user_ids:
        for ws in list(st.sockets.get(uid, ())):
            if ws in st.stalled:  # a dead link: the event is lost (a client catches up over REST)
                st.count_fault("ws_event_lost")
                st.lost_on.add(ws)
                continue
            if ws in st.chat_started:
                try:
                    await ws.send_text(text)
                    st.stats["websocket_events"] += 1
                except Exception:  # the connection went away meanwhile
                    st.sockets.get(uid, set()).discard(ws)


def create_app(seed: int = 0, *, rate_limit: int | None = None, token_lifetime: int = 86400) -> Starlette:
    """The emulator as an ASGI app (serve it with uvicorn, or mount it with ``httpx.ASGITransport``)."""
    state = State(seed, rate_limit, token_lifetime)
    emulated = Emulated(state)
    methods = ["GET", "POST", "PUT", "PATCH", "DELETE", "HEAD", "OPTIONS"]
    app = Starlette(routes=[WebSocketRoute("/notify", notify), *referee_routes(state), Route("/{path:path}", emulated.handle, methods=methods)])
    app.state.emulator = state
    return app


# The handlers register themselves with @api when their module is imported.
from . import routes as _routes  # noqa: E402,F401
from .live import tick as _live_tick  # noqa: E402
from .referee_hub import referee_routes  # noqa: E402
