"""Turning exceptions into one clear line, a hint, and an exit code.

Every [`osukit.OsukitError`][osukit.OsukitError] subclass has an entry in [`ERRORS`][osukit.cli._errors.ERRORS]; the
most specific class wins. ``--debug`` shows the traceback instead.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from urllib.parse import unquote, urlsplit

from .. import _exceptions as E
from ..retry import FAILURE_PREFIXES

__all__ = ["ERRORS", "CliError", "ExitCode", "Explained", "check_choice", "explain"]


class ExitCode:
    """Exit codes of the ``osukit`` command (documented in docs/cli.md)."""

    OK = 0
    ERROR = 1
    USAGE = 2
    CONFIG = 3
    AUTH = 4
    NOT_FOUND = 5
    RATE_LIMIT = 6
    NETWORK = 7
    SERVER = 8
    MISSING_EXTRA = 9
    INTERRUPTED = 130


class CliError(Exception):
    """An error the command line reports itself (bad input, a missing feature…)."""

    def __init__(self, message: str, hint: str | None = None, code: int = ExitCode.ERROR) -> None:
        super().__init__(message)
        self.message = message
        self.hint = hint
        self.code = code


def check_choice(value: str, choices: tuple[str, ...], what: str) -> str:
    """``value`` if it is one of ``choices``, else a usage error (exit 2) listing them, before any request.

    Raises:
        CliError: ``value`` is not one of ``choices``.
    """
    if value in choices:
        return value
    listed = ", ".join(choices[:-1]) + f" or {choices[-1]}" if len(choices) > 1 else choices[0]
    raise CliError(f"unknown {what} {value!r}", f"use {listed}", ExitCode.USAGE)


@dataclass(frozen=True)
class Explained:
    """What to print for an error."""

    title: str
    hint: str | None
    code: int


# class -> (short title, hint, exit code). Order does not matter: the MRO picks the most specific.
ERRORS: dict[type[BaseException], tuple[str, str | None, int]] = {
    E.OsukitError: ("osukit error", "run again with --debug for details", ExitCode.ERROR),
    E.APIError: ("osu! returned an error", "run again with --debug to see the request and response",
                 ExitCode.ERROR),
    E.BadRequestError: ("osu! could not understand the request (400)", "check the arguments", ExitCode.ERROR),
    E.AuthenticationError: (
        "not authenticated (401)",
        "check OSU_CLIENT_ID / OSU_CLIENT_SECRET, or run `osukit login` again",
        ExitCode.AUTH,
    ),
    E.OAuthError: (
        "osu! refused the credentials",
        "check the client id and secret of your OAuth application (osu! settings → OAuth)",
        ExitCode.AUTH,
    ),
    E.ForbiddenError: ("forbidden (403)", "the token may not do this (see `osukit whoami` for its scopes)",
                       ExitCode.AUTH),
    E.MissingScopeError: (
        "the token lacks a scope",
        "log in again with the scope: `osukit login --scope public --scope …` (name every scope you need: --scope replaces the default)",
        ExitCode.AUTH,
    ),
    E.NotFoundError: ("not found (404)", "check the id or name", ExitCode.NOT_FOUND),
    E.ConflictError: ("conflict (409)", "the object changed meanwhile; fetch it again and retry", ExitCode.ERROR),
    E.UnprocessableEntityError: ("osu! rejected a value (422)", "check the arguments", ExitCode.ERROR),
    E.RateLimitError: (
        "rate limited (429)",
        "wait a minute and try again; osu! asks for at most 60 requests per minute",
        ExitCode.RATE_LIMIT,
    ),
    E.RedirectError: ("the server redirected somewhere osukit will not follow",
                      "check --base-url (and the v1 prefix) against the server's real address", ExitCode.ERROR),
    E.ServerError: ("osu! failed (5xx)", "try again later", ExitCode.SERVER),
    E.TransportError: (
        "could not reach the server",
        "check the network and --base-url",
        ExitCode.NETWORK,
    ),
    E.TimeoutError: ("the request timed out",
                     "check the network and try again; a slow server may need more time: --timeout SECONDS",
                     ExitCode.NETWORK),
    E.DecodeError: (
        "osu!'s response did not match osukit's model",
        "please report it with --debug output at the osukit issue tracker",
        ExitCode.ERROR,
    ),
    E.ConfigurationError: ("configuration error", "check the setting or argument named above", ExitCode.CONFIG),
    E.AmbiguousLoginError: (
        "several users are logged in",
        "call client.login(user_id=...) with one of the listed user ids, or client.login(force=True) to log "
        "in anew",
        ExitCode.CONFIG,
    ),
    E.InvalidScopeError: (
        "osu! would refuse this scope combination",
        "see https://osu.ppy.sh/docs/#scopes and docs/authentication.md",
        ExitCode.CONFIG,
    ),
    E.ClientClosedError: ("the client was closed", "this is a bug in the command; please report it with --debug output",
                          ExitCode.ERROR),
    E.TokenStoreError: (
        "the token store could not be read or written",
        "run `osukit logout` (or remove the token file) and log in again",
        ExitCode.CONFIG,
    ),
    E.CheckpointError: (
        "the checkpoint could not be read or written",
        "delete or move the checkpoint (--checkpoint) to start over; it holds a position, not a login",
        ExitCode.CONFIG,
    ),
    E.TrackDatabaseError: (
        "the tracking database could not be used",
        "check --db: it must be a database made by `osukit track add` (it holds no login)",
        ExitCode.CONFIG,
    ),
    E.CacheDatabaseError: (
        "the response cache database could not be used",
        "delete the cache file or pass another path as cache= (it only holds cached answers)",
        ExitCode.CONFIG,
    ),
    E.MissingExtraError: ("an optional extra is missing", "pip install 'osukit[all]'", ExitCode.MISSING_EXTRA),
    E.InvalidParameterError: ("invalid argument", "see the command's --help", ExitCode.USAGE),
    E.DeadlineExceededError: (
        "the call took longer than its overall deadline",
        "the server is slow or trickling its answer; try again later, or allow more time with --timeout SECONDS",
        ExitCode.NETWORK,
    ),
    E.MalformedResponseError: (
        "the server sent a broken answer",
        "the answer was cut short or is not JSON: a network or server fault; try again later, and check --base-url",
        ExitCode.NETWORK,
    ),
    E.ResponseTooLargeError: (
        "the response was larger than allowed (max_response_size)",
        "this is not an answer osu! sends; check --base-url",
        ExitCode.NETWORK,
    ),
    E.NoProgressError: (
        "the listing stopped moving forward (the server sent a page or cursor again)",
        "the server is not paginating correctly; check --base-url or try again later",
        ExitCode.SERVER,
    ),
    E.EventLoopError: ("the client was used from two event loops at once",
                       "this is a bug in the command; please report it with --debug output", ExitCode.ERROR),
    E.RateLimiterUnavailable: (
        "the shared rate limiter (Redis) is unreachable",
        "check the Redis server, or let the limiter fall back (on_redis_error='fallback')",
        ExitCode.NETWORK,
    ),
    E.RefereeError: ("referee hub error", "run again with --debug for details", ExitCode.ERROR),
    E.RefereeHubError: ("the referee hub refused", "check the room id and the room's state", ExitCode.ERROR),
    E.RoomLimitReachedError: ("too many open rooms", "close a room first (4 per account, 50 for bot accounts)",
                              ExitCode.ERROR),
    E.HubConnectionError: ("could not reach the referee hub", "check the network and --spectator-url",
                           ExitCode.NETWORK),
    E.ConnectionReplacedError: ("the referee hub closed this connection",
                                "stop the other referee client of this account (e.g. `osukit referee watch`; "
                                "`osukit referee console` watches and acts on one connection), or use another "
                                "account", ExitCode.ERROR),
    E.InvocationInterruptedError: ("the connection dropped during the call",
                                   "it may or may not have happened: check the room, then retry", ExitCode.NETWORK),
}
_GLOBAL_VALUE_OPTIONS = ("--base-url", "--client-id", "--client-secret", "--api-key", "--access-token",
                         "--notify-url", "--v1-prefix", "--config", "--token-file", "--rate-limit")
_SECRET_OPTIONS = {"--client-secret": "OSU_CLIENT_SECRET", "--api-key": "OSU_API_KEY",
                   "--access-token": "OSU_ACCESS_TOKEN"}


def with_timeout(args: list[str], env: dict[str, str] | None = None) -> str:
    """The command the user ran as a full command line with a longer global ``--timeout`` (twice the
    current one: ``--timeout``, else ``OSUKIT_TIMEOUT``, else the 30 s default read timeout), put right
    after ``osukit`` where a global option goes: ``osukit --timeout 60 user 2``. A secret given as an
    option is written as its environment variable (``"$OSU_CLIENT_SECRET"``), never as itself."""
    import os
    import shlex

    environ = os.environ if env is None else env
    current: float | None = None
    rest: list[str] = []
    words = iter(args)
    in_globals = True  # global options come before the command's name; `login --timeout` is the login's own
    for word in words:
        name, eq, value = word.partition("=")
        if in_globals and name == "--timeout":
            value = value if eq else next(words, "")
            try:
                current = float(value)
            except ValueError:
                pass
            continue
        rest.append(word)
        if in_globals and not eq and word in _GLOBAL_VALUE_OPTIONS:
            rest.append(next(words, ""))
        elif not word.startswith("-"):
            in_globals = False
    if current is None:
        try:
            current = float(environ.get("OSUKIT_TIMEOUT", ""))
        except ValueError:
            current = None
    if current is None or not current > 0:
        current = 30.0
    parts = ["osukit", "--timeout", f"{current * 2:g}"]
    secret_next: str | None = None
    for word in rest:
        if secret_next is not None:
            parts.append(f'"${secret_next}"')
            secret_next = None
            continue
        name, eq, _ = word.partition("=")
        if name in _SECRET_OPTIONS:
            if eq:
                parts.append(f'{name}="${_SECRET_OPTIONS[name]}"')
            else:
                parts.append(word)
                secret_next = _SECRET_OPTIONS[name]
            continue
        parts.append(shlex.quote(word))
    return " ".join(parts)


CREDENTIALS_HINT = ("set OSU_CLIENT_ID and OSU_CLIENT_SECRET, pass --client-id/--client-secret, "
                    "or write them to the config file (`osukit config path`)")
USER_GRANT_HINT = ("log in again with `osukit login` (the login was revoked or has expired, or its authorization "
                   "code was already used)")
LOGIN_TIMEOUT_HINT = ("run `osukit login` again and approve osukit on the page it opens before the time is up "
                      "(more time: `osukit login --timeout SECONDS`); without a browser here, use "
                      "`osukit login --no-browser` and paste the URL the browser lands on")
_CREDENTIAL_WORDS = ("credential", "client id", "client_id", "client secret", "client_secret")
# One entry per referee hub error code (osu-server-spectator Hubs/Referee/ThrowHelper.cs).
_REFEREE_HINTS: dict[int, tuple[str, int]] = {
    1: ("the account is restricted", ExitCode.AUTH),
    2: ("the room may be closed or not yours; see `osukit referee list`", ExitCode.AUTH),
    3: ("the room cannot be joined (banned?)", ExitCode.AUTH),
    4: ("check the room id; the room may be closed", ExitCode.NOT_FOUND),
    5: ("check the user id; the user must be in the room", ExitCode.NOT_FOUND),
    6: ("check the beatmap (difficulty) id", ExitCode.NOT_FOUND),
    7: ("slots need a participant limit, teams need team versus", ExitCode.USAGE),
    8: ("no match start countdown is running", ExitCode.ERROR),
    9: ("not possible now (a match in progress, or none)", ExitCode.ERROR),
    10: ("rulesets are 0 osu, 1 taiko, 2 catch, 3 mania", ExitCode.USAGE),
    11: ("a converted beatmap must be an osu! beatmap", ExitCode.USAGE),
    12: ("check the mod acronyms and settings for the ruleset", ExitCode.USAGE),
    13: ("freestyle items cannot have allowed mods", ExitCode.USAGE),
    14: ("check the playlist item id", ExitCode.NOT_FOUND),
    15: ("this cannot target yourself", ExitCode.USAGE),
    16: ("the user is banned from the room", ExitCode.ERROR),
    17: ("roll maximum must be 1-100", ExitCode.USAGE),
    18: ("only the room's host may do this", ExitCode.AUTH),
    19: ("the user must be online in osu!(lazer) multiplayer", ExitCode.ERROR),
}
for _code, _cls in E.REFEREE_HUB_ERRORS.items():
    ERRORS[_cls] = (f"the referee hub refused (error {_code})", *_REFEREE_HINTS[_code])


def _lookup(exc: BaseException) -> tuple[str, str | None, int] | None:
    for cls in type(exc).__mro__:
        entry = ERRORS.get(cls)
        if entry is not None:
            return entry
    return None


_ROUTE_TAG = re.compile(r"\s*\[([\w.]+)\]$")
_GENERIC_404 = {"not found", "404 not found", ""}


def _not_found_line(exc: E.APIError) -> str | None:
    """``user 'nobody' not found (404) [users.get]`` from the request's path, when it names what was asked."""
    path = [unquote(p) for p in urlsplit(exc.url or "").path.split("/") if p]
    if "v2" in path:
        path = path[path.index("v2") + 1:]
    elif path[:1] == ["api"]:
        return None
    if len(path) < 2 or path[0] in ("me", "search", "seasonal-backgrounds"):
        return None
    if path[0] == "rankings" or path[1] == "lookup":
        return _query_not_found_line(exc, path)
    plural, ident = path[0], path[1].removeprefix("@")
    noun = {"matches": "match", "beatmapsets": "beatmapset", "news": "news post", "wiki": "wiki page"}.get(
        plural, plural[:-1] if plural.endswith("s") else plural)
    message = exc.message or ""
    tag = _ROUTE_TAG.search(message)
    said = _ROUTE_TAG.sub("", message).strip()
    route = f" [{tag.group(1)}]" if tag else ""
    shown = ident if ident.isdigit() else repr(ident)
    extra = f": {said}" if said.lower().rstrip(".") not in _GENERIC_404 and "couldn't be found" not in said else ""
    return f"{noun.replace('-', ' ')} {shown} not found (404){extra}{route}"


def _query_not_found_line(exc: E.APIError, path: list[str]) -> str:
    """A 404 on a route whose path names no object: a ranking (its spotlight, when one was asked for)
    or a lookup (by the query's keys)."""
    from urllib.parse import parse_qsl

    query = dict(parse_qsl(urlsplit(exc.url or "").query))
    route = _ROUTE_TAG.search(exc.message or "")
    tag = f" [{route.group(1)}]" if route else ""
    if path[0] == "rankings":
        if query.get("spotlight"):
            return f"spotlight {query['spotlight']} not found (404){tag}"
        return f"ranking {' '.join(path[1:])} not found (404){tag}"
    noun = {"beatmapsets": "beatmapset"}.get(path[0], path[0].rstrip("s"))
    asked = ", ".join(f"{k}={v}" for k, v in query.items() if k not in ("mode",)) or "the query"
    return f"no {noun} matches {asked} (404){tag}"


def _message(exc: BaseException) -> str:
    if isinstance(exc, E.APIError):
        return exc.message or str(exc)
    text = str(exc).strip()
    return text.splitlines()[0] if text else type(exc).__name__


def explain(exc: BaseException) -> Explained:
    """One line (``title: detail``), a hint, and the exit code for ``exc``."""
    if isinstance(exc, CliError):
        return Explained(exc.message, exc.hint, exc.code)
    if isinstance(exc, E.MissingExtraError):
        command = f"pip install 'osukit[{exc.extra}]'"
        # the message usually carries the command already: say it once
        return Explained(str(exc), None if command in str(exc) else command, ExitCode.MISSING_EXTRA)
    if isinstance(exc, E.OsukitError) and isinstance(exc, ValueError) and type(exc).__module__.startswith("osukit.game"):
        # bad mods, a file that is not a .osu beatmap, a damaged replay: the input's fault (docs/cli.md: exit 2)
        return Explained(_message(exc), None, ExitCode.USAGE)
    if type(exc).__name__ == "PoolError" and type(exc).__module__.startswith("osukit.tournament"):
        # a mistake in a pool/format file is bad input (exit 2), not missing credentials
        return Explained(f"pool file error: {_message(exc)}", "fix the pool file (its format, with an example: `python -m pydoc osukit.tournament.pool`)",
                         ExitCode.USAGE)
    if type(exc) is E.AuthenticationError and exc.status_code != 401 and not exc.url:
        # the login flow's own failures (osukit/oauth.py): no callback in time, a cancelled or refused
        # authorization, a bad pasted URL. No 401 came and the credentials are not at fault.
        if exc.status_code == 408:
            return Explained(f"the login timed out waiting for the browser: {exc.message}", LOGIN_TIMEOUT_HINT,
                             ExitCode.AUTH)
        return Explained(f"the login failed: {exc.message}",
                         "run `osukit login` again and approve osukit on the page it opens", ExitCode.AUTH)
    entry = _lookup(exc)
    if entry is not None:
        title, hint, code = entry
        detail = _message(exc)
        if isinstance(exc, E.RefereeHubError) and exc.code is not None:
            # the title already says "(error N)": the hub's message without its "Error N:" prefix
            detail = f"{exc.message} ({exc.method})" if exc.method else exc.message
        if isinstance(exc, E.RateLimitError) and exc.retry_after:
            hint = f"osu! asks to wait {exc.retry_after:.0f} s; try again then"
        if isinstance(exc, E.MissingScopeError):
            from ..auth import login_command

            hint = f"log in again with it: `{login_command(exc.scope)}`"
        if (type(exc) is E.ConfigurationError and exc.remedy is None
                and any(word in detail.lower() for word in _CREDENTIAL_WORDS)):
            hint = CREDENTIALS_HINT
        if isinstance(exc, E.OsukitError) and exc.remedy:
            hint = exc.remedy  # the raiser's advice for this very error beats the class's
            if exc.remedy in detail:
                hint = None  # the message already says it
        if isinstance(exc, E.OAuthError) and exc.hint and exc.hint not in detail:
            detail = f"{detail} ({exc.hint})"
        if isinstance(exc, E.OAuthError) and exc.error == "invalid_grant" and not exc.remedy:
            # the grant (a stored login's refresh token, an authorization code) was refused, not the
            # application's id and secret (those are `invalid_client`)
            title, hint = "osu! refused the login", USER_GRANT_HINT
        line = f"{title}: {detail}" if detail and detail != title else title
        if isinstance(exc, E.MalformedResponseError) or (
                type(exc) in (E.TimeoutError, E.TransportError) and detail.startswith(FAILURE_PREFIXES)):
            # already in words naming the server (retry.failure_words): "no answer from HOST within 5 s",
            # "the connection to HOST broke" (reached, then dropped: not "could not reach the server")
            line = detail
        if isinstance(exc, E.NotFoundError):
            line = _not_found_line(exc) or line
        return Explained(line, hint, code)
    if isinstance(exc, (ValueError, TypeError)):
        # bad mods, an unreadable .osu file, a damaged replay…
        return Explained(_message(exc), None, ExitCode.USAGE)
    if isinstance(exc, FileNotFoundError):
        return Explained(f"no such file: {exc.filename}", None, ExitCode.USAGE)
    if isinstance(exc, OSError):
        return Explained(f"{exc.strerror or exc}: {exc.filename or ''}".rstrip(": "), None, ExitCode.ERROR)
    return Explained(
        f"unexpected error: {type(exc).__name__}: {_message(exc)}",
        "run again with --debug for the traceback and report it",
        ExitCode.ERROR,
    )
