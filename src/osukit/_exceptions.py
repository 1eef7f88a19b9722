"""Every error osukit raises.

One status code maps to one class, and every class derives from
[`OsukitError`][osukit.OsukitError], so ``except osukit.OsukitError`` catches all of them:

```text
OsukitError
├── APIError                      osu! answered with an error status
│   ├── BadRequestError           400
│   ├── AuthenticationError       401 (also: v1 "Please provide a valid API key.")
│   │   └── OAuthError            /oauth/token refused (invalid_client, invalid_grant, …)
│   ├── ForbiddenError            403
│   │   └── MissingScopeError     the token lacks a scope (raised before any request when known)
│   ├── NotFoundError             404 (also: v1 "Replay not available.")
│   ├── ConflictError             409
│   ├── UnprocessableEntityError  422 (``form_error`` when osu-web sends one)
│   ├── RateLimitError            429 (``retry_after``)
│   ├── RedirectError             3xx osukit will not follow (another origin, not a GET, a loop); ``location``
│   └── ServerError               5xx
├── TransportError                no usable response: connection refused, reset, protocol errors
│   ├── TimeoutError              connect/read/write/pool timeout
│   │   └── DeadlineExceededError the call's overall deadline passed (retries and waits included)
│   ├── ResponseTooLargeError     the (decompressed) body passed ``max_response_size``
│   ├── MalformedResponseError    a 2xx body that is not JSON (cut short, a proxy's page), after the retries
│   └── RateLimiterUnavailable    the shared (Redis) rate limiter is unreachable and may not fall back
├── DecodeError                   the response did not match the model (route, JSON path, expected type)
├── NoProgressError               a listing stopped moving forward (a cursor came back, an id range stood still)
├── ConfigurationError            bad client settings (missing credentials, impossible scope set …)
│   ├── InvalidScopeError         a scope combination osu-web would refuse, caught before the request
│   ├── AmbiguousLoginError       several users are logged in with this application: which one? (``user_ids``)
│   └── InvalidParameterError     a bad argument (also a ``TypeError``): a value osu-web would reject
│                                 (limit out of range, > 50 ids …), caught before the request
├── ClientClosedError             a request on a client after ``close()``
│   └── EventLoopError            an AsyncClient used from a second running event loop
├── TokenStoreError               a token store (or another osukit file) could not be read or written safely
│   ├── CheckpointError           a crawl or score-feed checkpoint (file, SQLite, Redis) is unreadable or damaged
│   ├── TrackDatabaseError        an ``osukit.track`` database is missing, not one, or unreadable
│   └── CacheDatabaseError        a response-cache database (``SqliteCacheBackend``) is unreadable
├── MissingExtraError             an optional extra is not installed (also an ``ImportError``)
├── osukit.contrib.distributed.TaskFailed  a distributed crawl task's handler failed (delivered again)
├── osukit.contrib.distributed.SinkError   a results sink could not be opened or written (delivered again)
├── osukit.game.ModError          bad mods (also a ``ValueError``): UnknownModError, InvalidModSettingError,
│                                 IncompatibleModsError, DuplicateModError, ModNotFoundError (also a ``KeyError``)
├── osukit.game.BeatmapError      a beatmap rosu-pp cannot read or convert (also a ``ValueError``)
├── osukit.game.ReplayError       a malformed or truncated ``.osr`` replay (also a ``ValueError``)
├── osukit.tournament.TournamentError  the tournament toolkit: PoolError (a bad pool file, also a
│                                 ``ConfigurationError``), DraftError (a pick/ban the rules refuse;
│                                 ``reason``), RunnerError (the match runner or auto-host cannot go on)
└── RefereeError                  the referee hub (osukit.referee, osu-server-spectator ``/referee``)
    ├── RefereeHubError           a hub method failed; ``code`` is the hub's error code (None when it sent none)
    │   ├── UserRestrictedError (1), NotRefereeError (2), RoomNotJoinableError (3),
    │   │   RoomNotFoundError (4), UserNotInRoomError (5), BeatmapNotFoundError (6),
    │   │   IncorrectMatchTypeError (7), NoActiveCountdownError (8), InvalidRoomStateError (9),
    │   │   InvalidRulesetError (10), InvalidBeatmapRulesetError (11), InvalidModsError (12),
    │   │   FreestyleAllowedModsError (13), PlaylistItemNotFoundError (14), SelfOperationError (15),
    │   │   UserBannedError (16), InvalidRollError (17), NotHostError (18), UserNotConnectedError (19)
    │   └── RoomLimitReachedError osu-web refused another open room (4 per account, 50 for bots)
    ├── HubConnectionError        the hub could not be reached or the connection was refused
    │                             (also a ``TransportError``)
    │   └── ConnectionReplacedError a newer referee connection of the same account took over
    └── InvocationInterruptedError the connection dropped while a call was in flight; it may or may not
                                  have happened (also a ``TransportError``)
```

Messages, ``repr`` and ``str`` of these errors never contain a client secret,
an access or refresh token, or an API key: request URLs and bodies attached to
them are redacted first (see `osukit._redact.redact_url`).
"""

from __future__ import annotations

import builtins
from collections.abc import Mapping
from typing import Any

from ._redact import redact_obj, redact_text

__all__ = [
    "APIError",
    "AmbiguousLoginError",
    "AuthenticationError",
    "BadRequestError",
    "BeatmapNotFoundError",
    "CacheDatabaseError",
    "CheckpointError",
    "ClientClosedError",
    "ConfigurationError",
    "ConflictError",
    "ConnectionReplacedError",
    "DeadlineExceededError",
    "DecodeError",
    "EventLoopError",
    "ForbiddenError",
    "FreestyleAllowedModsError",
    "HubConnectionError",
    "IncorrectMatchTypeError",
    "InvalidBeatmapRulesetError",
    "InvalidModsError",
    "InvalidParameterError",
    "InvalidRollError",
    "InvalidRoomStateError",
    "InvalidRulesetError",
    "InvalidScopeError",
    "InvocationInterruptedError",
    "MalformedResponseError",
    "MissingExtraError",
    "MissingScopeError",
    "NoActiveCountdownError",
    "NoProgressError",
    "NotFoundError",
    "NotHostError",
    "NotRefereeError",
    "OAuthError",
    "OsukitError",
    "PlaylistItemNotFoundError",
    "RateLimitError",
    "RateLimiterUnavailable",
    "RedirectError",
    "RefereeError",
    "RefereeHubError",
    "ResponseTooLargeError",
    "RoomLimitReachedError",
    "RoomNotFoundError",
    "RoomNotJoinableError",
    "SelfOperationError",
    "ServerError",
    "TimeoutError",
    "TokenStoreError",
    "TrackDatabaseError",
    "TransportError",
    "UnprocessableEntityError",
    "UserBannedError",
    "UserNotConnectedError",
    "UserNotInRoomError",
    "UserRestrictedError",
]


class OsukitError(Exception):
    """Base class of every error osukit raises.

    Its text is redacted against every secret osukit knows (see `osukit._redact`) when it is
    made, so a server echoing a request, or a library quoting a header, cannot leak one through it.
    """

    remedy: str | None = None
    """What to do about this particular error, when the raiser knows better than the class's
    general advice (the CLI prints it as the hint)."""

    def __init__(self, *args: Any, remedy: str | None = None) -> None:
        super().__init__(*(redact_text(a) if isinstance(a, str) else a for a in args))
        if remedy is not None:
            self.remedy = remedy


class APIError(OsukitError):
    """osu! answered with an error status.

    Attributes:
        status_code: the HTTP status.
        method: the request method.
        url: the request URL with credentials redacted.
        message: osu!'s ``error`` message when it sent one, else a description.
        body: the parsed JSON body (or ``None`` when it was not JSON).
        headers: the response headers (a plain dict, lower-case names).
    """

    status_code: int

    def __init__(
        self,
        message: str,
        *,
        status_code: int,
        method: str = "",
        url: str = "",
        body: Any = None,
        headers: Mapping[str, str] | None = None,
    ) -> None:
        self.message = redact_text(message)
        self.status_code = status_code
        self.method = method
        self.url = redact_text(url)
        self.body = redact_obj(body)
        self.headers: dict[str, str] = redact_obj(dict(headers or {}))
        where = f" ({method} {url})" if method else ""
        super().__init__(f"{status_code}: {message}{where}")

    def __repr__(self) -> str:
        return f"{type(self).__name__}(status_code={self.status_code}, message={self.message!r})"


class BadRequestError(APIError):
    """400: osu! could not understand the request."""


class AuthenticationError(APIError):
    """401: the token is missing, invalid, expired or revoked (or the v1 key is invalid)."""


class OAuthError(AuthenticationError):
    """``/oauth/token`` refused a grant.

    Carries osu-web's (league/oauth2-server's) fields: ``error``,
    ``error_description`` and ``hint``.
    """

    def __init__(
        self,
        message: str,
        *,
        status_code: int,
        error: str | None = None,
        error_description: str | None = None,
        hint: str | None = None,
        method: str = "",
        url: str = "",
        body: Any = None,
        headers: Mapping[str, str] | None = None,
    ) -> None:
        self.error = redact_text(error) if error else error
        self.error_description = redact_text(error_description) if error_description else error_description
        self.hint = redact_text(hint) if hint else hint
        super().__init__(
            message, status_code=status_code, method=method, url=url, body=body, headers=headers
        )


class ForbiddenError(APIError):
    """403: the token may not do this."""


class MissingScopeError(ForbiddenError):
    """The token lacks a scope the route needs.

    Raised before any request when osukit knows the route's scope and the
    token's scopes (then ``requested`` is False and the text names the scope, the token and
    how to get one that carries it, with no HTTP status: none was sent; ``status_code`` is
    the 403 osu! would answer), or after osu! answered 403 for the scope (``requested`` True,
    the text starts with ``403:``). ``scope`` names the missing one.
    """

    def __init__(self, message: str, *, scope: str, status_code: int = 403, remedy: str | None = None,
                 **kwargs: Any) -> None:
        self.scope = scope
        self.requested = bool(kwargs.get("method") or kwargs.get("url") or kwargs.get("headers"))
        super().__init__(message, status_code=status_code, **kwargs)
        if remedy is not None:
            self.remedy = remedy
        if not self.requested:
            self.args = (self.message,)  # no request was made: no status to quote

    def __repr__(self) -> str:
        return f"{type(self).__name__}(scope={self.scope!r}, requested={self.requested}, message={self.message!r})"


class NotFoundError(APIError):
    """404: no such user, beatmap, score …"""


class ConflictError(APIError):
    """409: the request conflicts with the current state."""


class UnprocessableEntityError(APIError):
    """422: osu! rejected a value; ``form_error`` holds per-field messages when sent."""

    @property
    def form_error(self) -> dict[str, Any] | None:
        """osu-web's ``form_error`` object (field → messages), when present."""
        if isinstance(self.body, dict):
            value = self.body.get("form_error")
            if isinstance(value, dict):
                return value
        return None


class RateLimitError(APIError):
    """429: the rate limit was hit and retries did not get past it.

    ``retry_after`` is the server's ``Retry-After`` in seconds, when it sent one.
    """

    def __init__(self, message: str, *, retry_after: float | None = None, **kwargs: Any) -> None:
        self.retry_after = retry_after
        super().__init__(message, **kwargs)


class RedirectError(APIError):
    """A redirect osukit does not follow.

    osukit follows a redirect of a ``GET`` (or ``HEAD``) to the same origin
    (scheme, host and port) as the request, such as a private server's
    trailing-slash 307/308, up to a few hops. Anything else is raised: a
    redirect to another origin (credentials never leave the configured server),
    of a request that is not a ``GET``, without a ``Location``, or one hop too
    many. ``location`` is where the server pointed (absolute, secrets redacted),
    or ``None`` when it sent no ``Location``.
    """

    def __init__(self, message: str, *, location: str | None, **kwargs: Any) -> None:
        self.location = location
        super().__init__(message, **kwargs)


class ServerError(APIError):
    """5xx: osu! failed; retried automatically for idempotent requests."""


class TransportError(OsukitError):
    """No usable response: the connection failed, was reset, or broke mid-body."""

    def __init__(self, message: str, *, method: str = "", url: str = "", remedy: str | None = None) -> None:
        self.method = method
        self.url = redact_text(url)
        where = f" ({method} {self.url})" if method else ""
        super().__init__(f"{message}{where}", remedy=remedy)


class TimeoutError(TransportError, builtins.TimeoutError):
    """The request timed out (connect, read, write or waiting for a pooled connection)."""


class DeadlineExceededError(TimeoutError):
    """The call's overall ``deadline`` passed: attempts, backoff and rate-limit waits together
    took (or would take) longer than allowed. A server trickling its answer ends here too."""


class ResponseTooLargeError(TransportError):
    """A response body grew past ``max_response_size`` bytes (counted after decompression, while
    reading, so a gzip bomb is stopped before it is buffered)."""


class MalformedResponseError(TransportError):
    """A successful answer whose body is not valid JSON (cut short mid-body, garbled, a proxy's HTML
    page), still so after the retries (idempotent requests) or at once (a POST). A network or server
    fault, not a mismatch with osukit's models: a body that *is* JSON but does not fit the model is a
    [`DecodeError`][osukit.DecodeError] instead (worth reporting)."""


class RateLimiterUnavailable(TransportError):
    """The shared (Redis) rate limiter could not be reached and ``on_redis_error="raise"``
    (see `osukit.contrib.redis.RedisRateLimiter`)."""


class DecodeError(OsukitError, ValueError):
    """The response did not match the model.

    Attributes:
        route: the route (e.g. ``GET api/v2/users/{user}/{mode?}``), when known.
        path: the JSON path of the offending value (``$.statistics.pp``), when known.
        expected: what the model expected there, when known.
        excerpt: a short excerpt of the body.
    """

    def __init__(
        self,
        message: str,
        *,
        route: str | None = None,
        path: str | None = None,
        expected: str | None = None,
        excerpt: str | None = None,
    ) -> None:
        self.route = route
        self.path = path
        self.expected = expected
        self.excerpt = redact_text(excerpt) if excerpt else excerpt
        parts = [message]
        if route:
            parts.append(f"route: {route}")
        if path:
            parts.append(f"at: {path}")
        if self.excerpt:
            parts.append(f"body starts: {self.excerpt!r}")
        super().__init__("; ".join(parts))


class NoProgressError(OsukitError):
    """A paginated listing (or the chat catch-up) stopped moving forward: a cursor seen before
    came back (an A/B loop), an id range did not advance (a server ignoring ``since``/``until``),
    or a page repeated the previous one. Raised instead of fetching the same pages for ever.

    Attributes:
        cursor: the cursor that would have been fetched again.
    """

    def __init__(self, message: str, *, cursor: Any = None) -> None:
        self.cursor = cursor
        super().__init__(message)


class ConfigurationError(OsukitError, ValueError):
    """The client was configured in a way that cannot work (missing credentials, bad values)."""


class InvalidScopeError(ConfigurationError):
    """A scope set osu-web would refuse for this grant; ``code`` is osu-web's reason."""

    def __init__(self, message: str, *, code: str) -> None:
        self.code = code
        super().__init__(f"{message} [{code}]")


class AmbiguousLoginError(ConfigurationError):
    """Several users are logged in with this application in the token store, and nothing says which one
    to act as.

    Raised by ``login()`` without ``user_id`` (and without ``force=True``), and by a call that needs a
    user on a client built from client id/secret alone. ``user_ids`` lists the stored logins' users;
    choose one with ``client.login(user_id=...)``.
    """

    def __init__(self, message: str, *, user_ids: tuple[int | None, ...]) -> None:
        self.user_ids = user_ids
        super().__init__(message)


class InvalidParameterError(ConfigurationError, TypeError):
    """A bad argument to an osukit call: a value osu-web would reject (limit out of range, more
    than 50 ids, …), caught before the request, or a value or type osukit itself cannot use.
    Also a `ValueError` and a `TypeError`, so code catching those keeps working."""


class ClientClosedError(OsukitError, RuntimeError):
    """A request was made on a client that has been closed."""


class EventLoopError(ClientClosedError):
    """An ``AsyncClient`` was used from an event loop while another running loop still holds its
    connections (one client per loop or thread). A client used again after its first loop
    has finished (a second ``asyncio.run``) is not an error: it opens new connections."""


class TokenStoreError(OsukitError):
    """A token store (or a crawl checkpoint) could not be read or written safely.

    Files that hold no token raise one of its subclasses, each with advice of its own:
    `CheckpointError`, `TrackDatabaseError`, `CacheDatabaseError`."""


class CheckpointError(TokenStoreError):
    """A crawl or score-feed checkpoint (JSON file, SQLite or Redis) could not be read or written:
    delete or move it to start over (it holds no token)."""


class TrackDatabaseError(TokenStoreError):
    """An ``osukit.track`` database is missing (for a command that only reads it), is not a tracking
    database, or could not be read or written."""


class CacheDatabaseError(TokenStoreError):
    """The response cache's SQLite file (``SqliteCacheBackend``) could not be opened, read or written:
    delete it (it only holds cached answers) or pick another path."""


class MissingExtraError(OsukitError, ImportError):
    """An optional part of osukit needs an extra that is not installed.

    ``extra`` is the extra to install; ``missing`` the top-level package found missing, when known.
    """

    def __init__(self, feature: str, extra: str, note: str | None = None, *, missing: str | None = None) -> None:
        self.extra = extra
        self.missing = missing
        message = f"for {feature}, install the optional extra: pip install 'osukit[{extra}]'"
        super().__init__(f"{message} ({note})" if note else message)


_STATUS_ERRORS: dict[int, type[APIError]] = {
    400: BadRequestError,
    401: AuthenticationError,
    403: ForbiddenError,
    404: NotFoundError,
    409: ConflictError,
    422: UnprocessableEntityError,
    429: RateLimitError,
}


def error_class_for_status(status: int) -> type[APIError]:
    """The exception class for an HTTP status (one status → one class)."""
    if status >= 500:
        return ServerError
    return _STATUS_ERRORS.get(status, APIError)


# --- the referee hub (osukit.referee) ----------------------------------------------------------------

class RefereeError(OsukitError):
    """Base of the referee hub's errors (`osukit.referee`)."""


class RefereeHubError(RefereeError):
    """A referee hub method failed.

    Attributes:
        code: the hub's error code (``Error N: …``, osu-server-spectator
            ``Hubs/Referee/ThrowHelper.cs``), or None when the hub sent a message without one.
        method: the hub method that was invoked.
        message: the hub's message without the ``Error N:`` prefix.
    """

    code: int | None = None

    def __init__(self, message: str, *, method: str = "", code: int | None = None) -> None:
        self.message = message
        self.method = method
        if code is not None:
            self.code = code
        prefix = f"Error {self.code}: " if self.code is not None else ""
        where = f" ({method})" if method else ""
        super().__init__(f"{prefix}{message}{where}")

    def __repr__(self) -> str:
        return f"{type(self).__name__}(code={self.code}, message={self.message!r}, method={self.method!r})"


class UserRestrictedError(RefereeHubError):
    """Error 1: the user is restricted."""

    code = 1


class NotRefereeError(RefereeHubError):
    """Error 2: you are not a referee in the room."""

    code = 2


class RoomNotJoinableError(RefereeHubError):
    """Error 3: you cannot join this room."""

    code = 3


class RoomNotFoundError(RefereeHubError):
    """Error 4: the room does not exist."""

    code = 4


class UserNotInRoomError(RefereeHubError):
    """Error 5: the user is not in the room."""

    code = 5


class BeatmapNotFoundError(RefereeHubError):
    """Error 6: the beatmap does not exist."""

    code = 6


class IncorrectMatchTypeError(RefereeHubError):
    """Error 7: not possible with the room's match type."""

    code = 7


class NoActiveCountdownError(RefereeHubError):
    """Error 8: no match start countdown is running."""

    code = 8


class InvalidRoomStateError(RefereeHubError):
    """Error 9: not possible in the room's current state."""

    code = 9


class InvalidRulesetError(RefereeHubError):
    """Error 10: invalid ruleset."""

    code = 10


class InvalidBeatmapRulesetError(RefereeHubError):
    """Error 11: invalid beatmap and ruleset combination."""

    code = 11


class InvalidModsError(RefereeHubError):
    """Error 12: invalid mods (the message has details)."""

    code = 12


class FreestyleAllowedModsError(RefereeHubError):
    """Error 13: allowed mods cannot be set in freestyle."""

    code = 13


class PlaylistItemNotFoundError(RefereeHubError):
    """Error 14: the playlist item does not exist."""

    code = 14


class SelfOperationError(RefereeHubError):
    """Error 15: the operation cannot target yourself."""

    code = 15


class UserBannedError(RefereeHubError):
    """Error 16: the user is banned from the room."""

    code = 16


class InvalidRollError(RefereeHubError):
    """Error 17: invalid roll maximum."""

    code = 17


class NotHostError(RefereeHubError):
    """Error 18: you are not the host of the room."""

    code = 18


class UserNotConnectedError(RefereeHubError):
    """Error 19: the user is not connected to multiplayer."""

    code = 19


class RoomLimitReachedError(RefereeHubError):
    """osu-web refused another open room: 4 per account, 50 for bot accounts
    (``Room::assertHostRoomAllowance``, ``User::maxTournamentRooms``)."""


class HubConnectionError(RefereeError, TransportError):
    """The referee hub could not be reached, or refused the connection or the SignalR handshake."""


class ConnectionReplacedError(HubConnectionError):
    """The hub closed this connection because a newer referee connection of the same account took
    over: osu-server-spectator keeps one referee connection per user (``RefereeHub.OnConnectedAsync``
    replaces the user's ``RefereeClientState``). Reconnecting would only push the other one out, so
    osukit does not retry: use one referee connection per account (or another account)."""


class InvocationInterruptedError(RefereeError, TransportError):
    """The connection dropped while a hub method was in flight: the call may or may not have taken
    effect (read the room state, which is rebuilt after the reconnect, to find out)."""


REFEREE_HUB_ERRORS: dict[int, type[RefereeHubError]] = {
    int(cls.code or 0): cls
    for cls in (
        UserRestrictedError, NotRefereeError, RoomNotJoinableError, RoomNotFoundError, UserNotInRoomError,
        BeatmapNotFoundError, IncorrectMatchTypeError, NoActiveCountdownError, InvalidRoomStateError,
        InvalidRulesetError, InvalidBeatmapRulesetError, InvalidModsError, FreestyleAllowedModsError,
        PlaylistItemNotFoundError, SelfOperationError, UserBannedError, InvalidRollError, NotHostError,
        UserNotConnectedError,
    )
}
"""Hub error code → exception class."""
