"""Keeps one valid token per grant, refreshing it single-flight.

Any number of concurrent callers that find the token expired cause exactly
one ``/oauth/token`` request: the first takes the lock and refreshes, the
rest wait on the lock and then find the new token (in memory or in the
store, where another process may have put it). A failed refresh leaves the
stored token untouched.

A store shared by several processes can offer a refresh lock per key (a
context manager, sync and async: see ``FileTokenStore.refresh_lock``); the
manager then holds that lock around the refresh as well, so N processes over
one expired token still make one token request.
"""

from __future__ import annotations

import json
from collections.abc import Callable

import httpx

from .._clock import Clock
from .._constants import DEFAULT_REQUEST_DEADLINE, DEFAULT_TIMEOUT, MAX_RESPONSE_SIZE
from .._exceptions import (
    AuthenticationError,
    ClientClosedError,
    MalformedResponseError,
    TimeoutError,
    TransportError,
)
from .._redact import logger, redact_url
from .._transport import as_httpx_response, asend_httpx
from .._waiting import AsyncStillWaiting
from ..auth import Grant, TokenFlow
from ..retry import RetryPolicy, failure_words, log_retry, retry_cause
from ..tokens import Token, TokenStore

__all__ = ["AsyncTokenManager"]


def _is_json_object(body: bytes) -> bool:
    try:
        return isinstance(json.loads(body), dict)
    except (ValueError, RecursionError):
        return False


class AsyncTokenManager:
    """The token of one grant: cached, stored, refreshed once however many callers ask."""

    def __init__(
        self,
        grant: Grant,
        store: TokenStore,
        *,
        base_url: str,
        http: httpx.AsyncClient,
        clock: Clock,
        retry: RetryPolicy,
        on_token_update: Callable[[str, Token], None] | None = None,
        timeout: httpx.Timeout | None = None,
        request_deadline: float = DEFAULT_REQUEST_DEADLINE,
        max_response_size: int = MAX_RESPONSE_SIZE,
    ) -> None:
        self.grant = grant
        self.store = store
        self.base_url = base_url
        self._http = http
        self._clock = clock
        self._retry = retry
        # imported here, not at the top: ``import osukit`` stays without asyncio (bench/bench_import.py)
        import asyncio

        self._lock = asyncio.Lock()
        self._token: Token | None = grant.initial_token()
        self.on_token_update = on_token_update
        self._timeout = timeout if timeout is not None else httpx.Timeout(DEFAULT_TIMEOUT)
        self._request_deadline = request_deadline
        self._max_response_size = max_response_size

    def rebind(self, http: httpx.AsyncClient) -> None:
        """Use ``http`` from now on, with a fresh lock (the client moved to a new event loop)."""
        self._http = http
        import asyncio

        self._lock = asyncio.Lock()

    @property
    def key(self) -> str:
        """The store key of this grant's token."""
        return self.grant.store_key

    @property
    def current(self) -> Token | None:
        """The token in memory (possibly expired), without any I/O."""
        return self._token

    async def get(self) -> Token:
        """A token that is not about to expire."""
        token = self._token
        if token is not None and not token.is_expired(self._clock.time()):
            return token
        return await self._renew(stale=token, force=False)

    async def invalidate(self, stale: Token) -> Token:
        """The server refused ``stale`` (a 401): get a different token, refreshing if needed."""
        return await self._renew(stale=stale, force=True)

    async def rotated_since(self, refused: Token) -> bool:
        """Whether the store holds a token other than ``refused``, once any refresh in flight is done.

        A store shared by several processes (``arefresh_lock``) may be mid-refresh in another process:
        osu! has already revoked ``refused`` but the new token is not saved yet. Waiting for that
        holder's lock, then reading again, tells a token rotated away by another process (renew
        again) from one the server refuses outright (give up)."""
        stored = self.store.load(self.key)
        if stored is None or stored.access_token == refused.access_token:
            locker = getattr(self.store, "arefresh_lock", None)
            if locker is None:
                return False
            async with locker(self.key):
                stored = self.store.load(self.key)
        return stored is not None and stored.access_token != refused.access_token

    async def set(self, token: Token) -> None:
        """Adopt ``token`` (e.g. fresh from a login) and save it."""
        async with self._lock:
            self._adopt(token)

    def _adopt(self, token: Token) -> None:
        self._token = token
        self.store.save(self.key, token)
        if self.on_token_update is not None:
            self.on_token_update(self.key, token)

    def _usable(self, candidate: Token | None, stale: Token | None, force: bool, now: float) -> bool:
        if candidate is None:
            return False
        if stale is not None and candidate.access_token != stale.access_token:
            # Another holder of the store has renewed the token since we last looked: use theirs while
            # it is still valid, even inside the refresh margin. Refreshing it again would revoke it
            # under the holder that just got it (osu! revokes a token when it is refreshed), and
            # processes sharing one rotating token would keep refusing each other's requests.
            return not candidate.is_expired(now, margin=0.0)
        if force and stale is not None:
            return False  # the server refused this very token
        return not candidate.is_expired(now)

    async def _renew(self, *, stale: Token | None, force: bool) -> Token:
        async with self._lock:
            now = self._clock.time()
            if self._usable(self._token, stale, force, now):
                assert self._token is not None
                return self._token
            stored = self.store.load(self.key)
            if self._usable(stored, stale, force, now):
                assert stored is not None
                self._token = stored
                return stored
            if not self.grant.can_fetch and stale is None and self._token is None and stored is None:
                raise AuthenticationError(
                    "no token: log in first (authorization code) or configure client credentials",
                    status_code=401,
                )
            locker = getattr(self.store, "arefresh_lock", None)
            if locker is None:
                return await self._fetch(stored if stored is not None else self._token, now)
            # A shared store (Redis) serialises refreshes across processes too: whoever gets the
            # lock first refreshes; the others find its token in the store once they get the lock.
            async with locker(self.key):
                stored = self.store.load(self.key)
                if self._usable(stored, stale, force, now):
                    assert stored is not None
                    self._token = stored
                    return stored
                return await self._fetch(stored if stored is not None else self._token, self._clock.time())

    async def _fetch(self, base: Token | None, now: float) -> Token:
        logger.debug("token: requesting a new token for %s", self.grant)
        token = await self._run(self.grant.token_flow(self.base_url, base, now))
        self._adopt(token)
        return token

    async def _pause(self, delay: float, attempt: int, cause: str) -> None:
        """Sleep before a token request's retry, said as API calls say theirs (`osukit.retry.log_retry`)."""
        log_retry(logger, "token request", cause, attempt, self._retry.max_retries, delay)
        await self._clock.asleep(delay)

    async def _run(self, flow: TokenFlow) -> Token:
        """Drive a sans-I/O token flow, retrying server errors and timeouts."""
        request = next(flow)
        attempt = 0
        while True:
            attempt += 1
            sent_at = self._clock.monotonic()
            try:
                with AsyncStillWaiting(logger, "token request", str(request.url)):
                    buffered = await asend_httpx(
                        self._http,
                        request,
                        timeout=self._timeout,
                        budget=self._request_deadline,
                        max_size=self._max_response_size,
                    )
            except RuntimeError as exc:
                if not self._http.is_closed or isinstance(exc, ClientClosedError):
                    raise
                raise ClientClosedError("the client was closed during a token request") from None
            except httpx.HTTPError as exc:
                decision = self._retry.decide(attempt, "GET", error=exc)
                if not decision.retry:
                    cls = TimeoutError if isinstance(exc, httpx.TimeoutException) else TransportError
                    raise cls(
                        failure_words(str(request.url), exc, self._clock.monotonic() - sent_at),
                        method="POST",
                        url=redact_url(str(request.url)),
                    ) from None
                await self._pause(decision.delay, attempt, retry_cause(
                    str(request.url), error=exc, waited=self._clock.monotonic() - sent_at))
                continue
            response = as_httpx_response(buffered, request)
            if response.status_code >= 500 or response.status_code == 429:
                decision = self._retry.decide(attempt, "GET", response=response)
                if decision.retry:
                    await self._pause(decision.delay, attempt, retry_cause(str(request.url),
                                                                          status=response.status_code))
                    continue
            elif response.status_code == 200 and not _is_json_object(response.content):
                # A truncated or garbled token response is a transport fault, not a refusal.
                decision = self._retry.decide(attempt, "GET", error=httpx.ReadError("malformed token response"))
                if decision.retry:
                    await self._pause(decision.delay, attempt, retry_cause(str(request.url), malformed=True))
                    continue
                # still broken after the retries: a network or server fault, not refused credentials
                raise MalformedResponseError(f"{retry_cause(str(request.url), malformed=True)} (not a JSON object)",
                                             method="POST", url=redact_url(str(request.url))) from None
            try:
                flow.send(response)
            except StopIteration as stop:
                token: Token = stop.value
                return token
            raise RuntimeError("token flow yielded more than one request")  # pragma: no cover
