"""OAuth for API v2: the grants osu! offers, written once, without I/O.

Each grant object knows how to build its ``/oauth/token`` request and read
the answer; [`Grant.token_flow`][osukit.auth.Grant.token_flow] is a generator that yields the request
and receives the response, so the sync and async clients drive the same code
(the pattern of ``httpx.Auth.auth_flow``).

* [`ClientCredentials`][osukit.ClientCredentials] - an application token: ``public`` for reading,
  or a ``delegate`` bot token (``delegate chat.write …``) acting as the
  application's owner.
* [`AuthorizationCode`][osukit.AuthorizationCode] - a user token: [`AuthorizationCode.authorize_url`][osukit.auth.AuthorizationCode.authorize_url],
  then [`AuthorizationCode.exchange_flow`][osukit.auth.AuthorizationCode.exchange_flow] for the code the redirect
  brought back (see [`osukit.oauth`][osukit.oauth] for the local callback server).
* [`UserToken`][osukit.UserToken] - a user token you already have; refreshed with its
  refresh token when it expires.
* [`StaticToken`][osukit.StaticToken] - a bare access token; never refreshed.

Scopes are checked before any request with osu-web's own rules
(``Token::validate``): an impossible combination raises
[`InvalidScopeError`][osukit.InvalidScopeError] carrying osu-web's reason code.
"""

from __future__ import annotations

import base64
import binascii
import hmac
import json
import secrets
from collections.abc import Generator, Iterable, Mapping
from typing import Any
from urllib.parse import urlencode

import httpx
import msgspec

from ._credentials import checked_client_id, secret_arg
from ._exceptions import (
    AuthenticationError,
    ConfigurationError,
    InvalidScopeError,
    OAuthError,
    OsukitError,
    ServerError,
    error_class_for_status,
)
from ._redact import redact_url, register_secret
from .tokens import Token, TokenStore

__all__ = [
    "KNOWN_SCOPES",
    "AuthorizationCode",
    "ClientCredentials",
    "Grant",
    "StaticToken",
    "UserToken",
    "check_scopes",
    "describe_grant",
    "login_command",
    "new_state",
    "scope_remedy",
    "states_match",
    "stored_logins",
    "token_user_id",
    "user_store_key",
]

TokenFlow = Generator[httpx.Request, httpx.Response, Token]

KNOWN_SCOPES = frozenset(
    {
        "public",
        "identify",
        "friends.read",
        "chat.read",
        "chat.write",
        "chat.write_manage",
        "forum.write",
        "forum.write_manage",
        "delegate",
        "group_permissions",
        "multiplayer.write_manage",
    }
)
# osu-web app/Models/OAuth/Token.php
SCOPES_CLIENT_CREDENTIALS_ONLY = frozenset({"delegate", "forum.write_manage", "group_permissions"})
SCOPES_OWN_CLIENT = frozenset({"chat.read", "chat.write", "chat.write_manage", "multiplayer.write_manage"})
SCOPES_REQUIRE_DELEGATION = frozenset(
    {
        "chat.write",
        "chat.write_manage",
        "delegate",
        "forum.write",
        "forum.write_manage",
        "group_permissions",
        "multiplayer.write_manage",
    }
)


def _normalise_scopes(scopes: str | Iterable[str]) -> tuple[str, ...]:
    items = scopes.split() if isinstance(scopes, str) else list(scopes)
    out: list[str] = []
    for s in items:
        if not isinstance(s, str):
            raise ConfigurationError(f"scopes must be strings, got {type(s).__name__}")
        s = s.strip()
        if s and s not in out:
            out.append(s)
    return tuple(out)


def check_scopes(grant: str, scopes: str | Iterable[str]) -> tuple[str, ...]:
    """Validate ``scopes`` for ``grant`` (``client_credentials`` or ``authorization_code``).

    Returns the normalised scope tuple, or raises [`InvalidScopeError`][osukit.InvalidScopeError]
    with the same reason osu-web would give. Rules that depend on who owns the
    application (bot accounts, own client) cannot be checked locally and are
    left to the server.
    """
    result = _normalise_scopes(scopes)
    if not result:
        raise InvalidScopeError("at least one scope is required", code="missing_scope")
    if "*" in result:
        if len(result) > 1:
            raise InvalidScopeError("'*' cannot be combined with other scopes", code="all_scope_no_mixing")
        raise InvalidScopeError(
            "'*' is reserved for osu!'s own first-party clients", code="all_scope_no_client_owner"
        )
    unknown = [s for s in result if s not in KNOWN_SCOPES]
    if unknown:
        raise InvalidScopeError(f"unknown scope(s): {', '.join(unknown)}", code="invalid_scope")
    chosen = set(result)
    if grant == "client_credentials":
        needing = sorted(chosen & SCOPES_REQUIRE_DELEGATION)
        if needing and "delegate" not in chosen:
            raise InvalidScopeError(
                f"{', '.join(needing)} {'needs' if len(needing) == 1 else 'need'} 'delegate' with client credentials",
                code="delegate_required",
            )
        if "delegate" in chosen and chosen - SCOPES_REQUIRE_DELEGATION:
            raise InvalidScopeError(
                "a delegate token may only carry delegation scopes "
                f"(not {', '.join(sorted(chosen - SCOPES_REQUIRE_DELEGATION))})",
                code="delegate_invalid_combination",
            )
    elif grant == "authorization_code":
        bad = chosen & SCOPES_CLIENT_CREDENTIALS_ONLY
        if bad:
            raise InvalidScopeError(
                f"{', '.join(sorted(bad))} can only be granted to client credentials tokens",
                code="client_credentials_only",
            )
    else:
        raise ConfigurationError(f"unknown grant {grant!r}")
    return result


def login_command(*scopes: str) -> str:
    """The ``osukit login`` command line that asks for ``scopes`` *and* the default ``public``.

    A login replaces the stored token, and ``--scope`` replaces the default scopes (``identify`` is always
    asked for), so a hint naming one scope alone would lose ``public``, which most commands need.

        >>> login_command("chat.read")
        'osukit login --scope public --scope chat.read'
    """
    wanted = [s for s in dict.fromkeys(("public", *scopes)) if s != "identify"]
    return "osukit login" + "".join(f" --scope {s}" for s in wanted)


def scope_remedy(scope: str) -> str:
    """How to get a token that carries ``scope`` (osu-web's rules, ``app/Models/OAuth/Token.php``)."""
    if scope in SCOPES_CLIENT_CREDENTIALS_ONLY:
        extra = "" if scope == "delegate" else "'delegate', "
        return f"only client credentials can carry '{scope}': scopes=({extra}'{scope}')"
    login = f"an authorization-code login that asks for it (`{login_command(scope)}`, or scopes=(…, '{scope}'))"
    owner = " when the signed-in user owns the OAuth application" if scope in SCOPES_OWN_CLIENT else ""
    if scope in SCOPES_REQUIRE_DELEGATION:
        return (f"client credentials with 'delegate': scopes=('delegate', '{scope}') (the token acts as the "
                f"application's owner or its bot account), or {login}{owner}")
    if scope == "public":
        return "client credentials with scopes=('public',), or any login that asks for 'public'"
    return f"{login}{owner}"


def describe_grant(grant: object) -> str:
    """The token's origin in words, for error messages (no secret)."""
    if grant is None:
        return "the token"
    names = {"ClientCredentials": "the client-credentials token", "AuthorizationCode": "the authorization-code token",
             "UserToken": "the stored login's token", "StaticToken": "the access token given (StaticToken)"}
    return names.get(type(grant).__name__, f"the {type(grant).__name__} token")


def new_state() -> str:
    """A fresh unguessable OAuth ``state`` value."""
    return secrets.token_urlsafe(24)


def states_match(expected: str, received: str | None) -> bool:
    """Compare OAuth ``state`` values in constant time (a missing state never matches)."""
    if not received or not expected:
        return False
    return hmac.compare_digest(expected.encode(), received.encode())


def token_user_id(access_token: str) -> int | None:
    """The user a token acts as, read from its ``sub`` claim, or None.

    osu! issues its access tokens as JWTs (Laravel Passport) whose ``sub`` is
    the resource owner's user id (empty for client-credentials tokens). Nothing
    is verified: the value only names where the token is stored. A token that
    is not a JWT (a private server's, the emulator's) gives None.
    """
    parts = access_token.split(".")
    if len(parts) != 3 or len(parts[1]) > 8192:
        return None
    try:
        payload = json.loads(base64.urlsafe_b64decode(parts[1] + "=" * (-len(parts[1]) % 4)))
    except (ValueError, binascii.Error, RecursionError):
        return None
    sub = payload.get("sub") if isinstance(payload, dict) else None
    if isinstance(sub, bool):
        return None
    if isinstance(sub, int) and sub > 0:
        return sub
    if isinstance(sub, str) and sub.isdigit() and 0 < len(sub) < 20 and int(sub) > 0:
        return int(sub)
    return None


def user_store_key(client_id: int | str | None, user_id: int | str | None) -> str:
    """The token-store key of one user's token for one application: ``{client_id}:user:{user_id}``.

    Two users who log in through the same application and store keep separate
    tokens. ``user_id`` None (a token whose owner could not be learnt) gives
    ``{client_id}:user:default``.
    """
    return f"{client_id}:user:{'default' if user_id is None else user_id}"


def stored_logins(store: TokenStore, client_id: int | str | None) -> dict[str, Token]:
    """Every user token saved for ``client_id`` in ``store`` (key → token).

    Needs a store that can list its keys (``keys()``, as every store osukit
    ships has); other stores give an empty dict. Damaged records are skipped.
    """
    lister = getattr(store, "keys", None)
    if client_id is None or lister is None:
        return {}
    prefix = user_store_key(client_id, "")
    found: dict[str, Token] = {}
    for key in lister():
        if not isinstance(key, str) or not key.startswith(prefix) or len(key) == len(prefix):
            continue
        try:
            token = store.load(key)
        except OsukitError:
            continue
        if token is not None:
            found[key] = token
    return found


def _token_endpoint(base_url: str) -> str:
    return base_url.rstrip("/") + "/oauth/token"


def _no_token_endpoint(url: str) -> ConfigurationError:
    """A 404 from ``/oauth/token``: osu-web always serves that route, so the base URL is wrong (not the
    client id or secret). The message names the URL tried (it holds no secret) and, when the base URL
    ends in an API path (``…/api``, ``…/api/v2``), the site root to use instead."""
    from urllib.parse import urlsplit, urlunsplit

    base = url.removesuffix("/oauth/token")
    suggestion = ""
    try:
        parts = urlsplit(base)
        segments = [p for p in parts.path.split("/") if p]
        if "api" in segments:
            root = "/".join(segments[: segments.index("api")])
            suggestion = urlunsplit((parts.scheme, parts.netloc, f"/{root}" if root else "", "", "")).rstrip("/")
    except ValueError:
        suggestion = ""
    instead = f"; try {suggestion}" if suggestion and suggestion != base else ""
    return ConfigurationError(
        f"no OAuth token endpoint at {url} (404): the base URL {base} is not an osu! site",
        remedy=f"set the base URL (base_url, --base-url, OSU_BASE_URL) to the site's root, without /api{instead}",
    )


def read_token_response(
    response: httpx.Response,
    *,
    now: float,
    requested_scopes: tuple[str, ...],
    previous: Token | None = None,
) -> Token:
    """Turn an ``/oauth/token`` response into a [`Token`][osukit.Token] or the matching error."""
    try:
        url = redact_url(str(response.request.url))
    except RuntimeError:  # a response built without a request
        url = ""
    try:
        body: Any = response.json()
    except (ValueError, RecursionError):  # not JSON, or nested deep enough to exhaust the stack
        body = None
    if response.status_code >= 400:
        if response.status_code >= 500:
            raise ServerError(
                "osu! failed while issuing a token", status_code=response.status_code, method="POST", url=url
            )
        if response.status_code == 404:
            raise _no_token_endpoint(url)
        if isinstance(body, dict) and ("error" in body or "message" in body):
            error = body.get("error") if isinstance(body.get("error"), str) else None
            desc = body.get("error_description") if isinstance(body.get("error_description"), str) else None
            hint = body.get("hint") if isinstance(body.get("hint"), str) else None
            message = desc or (body.get("message") if isinstance(body.get("message"), str) else None) or "token request refused"
            if error:
                message = f"{error}: {message}"
            if hint:
                message = f"{message} ({hint})"
            raise OAuthError(
                message,
                status_code=response.status_code,
                error=error,
                error_description=desc,
                hint=hint,
                method="POST",
                url=url,
                body=body,
                headers=response.headers,
            )
        cls = error_class_for_status(response.status_code)
        raise cls("token request refused", status_code=response.status_code, method="POST", url=url, body=body)
    if not isinstance(body, dict):
        raise AuthenticationError(
            "token endpoint answered with something that is not a token", status_code=response.status_code, url=url
        )
    return Token.from_response(body, now=now, requested_scopes=requested_scopes, previous=previous)


class Grant:
    """Base of the OAuth grants: knows its client, scopes and how to (re)obtain a token."""

    grant_type: str = ""
    user_bound: bool = False
    """True when tokens act as a user (so ``identify``-scope routes work)."""

    def __init__(self, client_id: int | str | None, client_secret: str | None, scopes: tuple[str, ...]) -> None:
        client_id = checked_client_id(client_id, where=f" of {type(self).__name__}")
        self.client_id = str(client_id) if client_id is not None else None
        self.client_secret = secret_arg(client_secret, where=f" of {type(self).__name__}")  # '***' to any inspection
        self.scopes = scopes

    def __repr__(self) -> str:
        return f"{type(self).__name__}(client_id={self.client_id!r}, scopes={self.scopes!r})"

    @property
    def store_key(self) -> str:
        """The token store key this grant's token is saved under."""
        return f"{self.client_id}:{self.grant_type}:{' '.join(sorted(self.scopes))}"

    @property
    def can_fetch(self) -> bool:
        """Whether this grant can obtain a new token on its own (without user interaction)."""
        return False

    def initial_token(self) -> Token | None:
        """A token to start with before asking the store or the server."""
        return None

    def token_flow(self, base_url: str, current: Token | None, now: float) -> TokenFlow:
        """Yield the ``/oauth/token`` request and return the new token."""
        raise AuthenticationError(
            "the access token expired and this grant cannot obtain a new one", status_code=401
        )
        yield  # pragma: no cover - makes this a generator

    def _post(self, base_url: str, data: Mapping[str, str]) -> httpx.Request:
        return httpx.Request(
            "POST",
            _token_endpoint(base_url),
            data=dict(data),
            headers={"Accept": "application/json"},
        )

    def _require_credentials(self) -> tuple[str, str]:
        if not self.client_id or not self.client_secret:
            raise ConfigurationError(
                "client_id and client_secret are required (pass them or set OSU_CLIENT_ID / OSU_CLIENT_SECRET)"
            )
        return self.client_id, self.client_secret


class ClientCredentials(Grant):
    """An application token from the client-credentials grant.

    ``scopes`` defaults to ``("public",)``. For a bot account use
    ``("delegate", "chat.write", "chat.write_manage", "forum.write")`` and the
    token acts as the application's owner.
    """

    grant_type = "client_credentials"

    def __init__(
        self,
        client_id: int | str | None,
        client_secret: str | None,
        scopes: str | Iterable[str] = ("public",),
    ) -> None:
        super().__init__(client_id, client_secret, check_scopes("client_credentials", scopes))
        self.user_bound = "delegate" in self.scopes

    @property
    def can_fetch(self) -> bool:
        return True

    def token_flow(self, base_url: str, current: Token | None, now: float) -> TokenFlow:
        client_id, secret = self._require_credentials()
        request = self._post(
            base_url,
            {
                "client_id": client_id,
                "client_secret": secret,
                "grant_type": "client_credentials",
                "scope": " ".join(self.scopes),
            },
        )
        response = yield request
        return read_token_response(response, now=now, requested_scopes=self.scopes)


class UserToken(Grant):
    """A user's token (from the authorization-code grant), refreshed with its refresh token."""

    grant_type = "authorization_code"
    user_bound = True

    def __init__(
        self,
        client_id: int | str | None,
        client_secret: str | None,
        token: Token | None = None,
        *,
        scopes: str | Iterable[str] = ("identify", "public"),
        key: str | None = None,
    ) -> None:
        super().__init__(client_id, client_secret, _normalise_scopes(scopes) if token is None else token.scopes)
        self._token = token
        self._key = key

    @property
    def store_key(self) -> str:
        if self._key is not None:
            return self._key
        return user_store_key(self.client_id, self._token.user_id if self._token is not None else None)

    @property
    def can_fetch(self) -> bool:
        return self._token is not None and self._token.refresh_token is not None

    def initial_token(self) -> Token | None:
        return self._token

    def token_flow(self, base_url: str, current: Token | None, now: float) -> TokenFlow:
        token = current or self._token
        if token is None or not token.refresh_token:
            raise AuthenticationError(
                "the user token expired and there is no refresh token; the user must log in again",
                status_code=401,
            )
        client_id, secret = self._require_credentials()
        response = yield self._post(
            base_url,
            {
                "client_id": client_id,
                "client_secret": secret,
                "grant_type": "refresh_token",
                "refresh_token": token.refresh_token,
            },
        )
        new = read_token_response(response, now=now, requested_scopes=token.scopes, previous=token)
        self._token = new
        return new


class AuthorizationCode(UserToken):
    """The authorization-code grant: send the user to osu!, get a code back, exchange it.

    Use `osukit.oauth.login` (or ``client.login()``) for the whole dance
    with a local callback server; or do it by hand:

        grant = AuthorizationCode(client_id, secret, "http://127.0.0.1:8080/callback", ["public", "identify"])
        url = grant.authorize_url(base_url)   # send the user here
        # … the redirect brings back ?code=…&state=…
        token = client.exchange_code(grant, code, state=received_state)  # checks the state
    """

    def __init__(
        self,
        client_id: int | str | None,
        client_secret: str | None,
        redirect_uri: str,
        scopes: str | Iterable[str] = ("identify", "public"),
        *,
        state: str | None = None,
        key: str | None = None,
    ) -> None:
        checked = check_scopes("authorization_code", scopes)
        super().__init__(client_id, client_secret, None, scopes=checked, key=key)
        self.redirect_uri = redirect_uri
        self.state = state or new_state()

    def authorize_url(self, base_url: str) -> str:
        """The URL to send the user to (``/oauth/authorize`` with client, redirect, scopes and state)."""
        if not self.client_id:
            raise ConfigurationError("client_id is required for the authorization-code grant")
        query = urlencode(
            {
                "client_id": self.client_id,
                "redirect_uri": self.redirect_uri,
                "response_type": "code",
                "scope": " ".join(self.scopes),
                "state": self.state,
            }
        )
        return f"{base_url.rstrip('/')}/oauth/authorize?{query}"

    def check_state(self, received: str | None) -> None:
        """Raise [`AuthenticationError`][osukit.AuthenticationError] unless ``received`` is this grant's state."""
        if not states_match(self.state, received):
            raise AuthenticationError(
                "OAuth state mismatch: the callback did not come from this login attempt", status_code=400
            )

    def exchange_flow(self, base_url: str, code: str, now: float) -> TokenFlow:
        """Yield the code-for-token request and return the user's token."""
        if not code:
            raise AuthenticationError("the callback carried no authorization code", status_code=400)
        register_secret(code)
        client_id, secret = self._require_credentials()
        response = yield self._post(
            base_url,
            {
                "client_id": client_id,
                "client_secret": secret,
                "code": code,
                "grant_type": "authorization_code",
                "redirect_uri": self.redirect_uri,
            },
        )
        token = read_token_response(response, now=now, requested_scopes=self.scopes)
        owner = token_user_id(token.access_token)
        if owner is not None:
            token = msgspec.structs.replace(token, user_id=owner)
        self._token = token
        return token


class StaticToken(Grant):
    """A bare access token you obtained elsewhere; it is used as is and never refreshed."""

    grant_type = "static"

    def __init__(self, access_token: str, *, scopes: str | Iterable[str] = ("*",), user_bound: bool = True) -> None:
        super().__init__(None, None, _normalise_scopes(scopes))
        # the Token keeps access_token as a `Secret`, which registers it for redaction
        self._token = Token(access_token=access_token, expires_at=float("inf"), scopes=self.scopes)
        self.user_bound = user_bound

    @property
    def store_key(self) -> str:
        return f"static:{id(self)}"

    def initial_token(self) -> Token | None:
        return self._token
