"""The asynchronous client. Its synchronous twin (``osukit/_sync/client.py``) is generated
from this file by ``scripts/unasync.py``; edit this one and re-run the script."""

from __future__ import annotations

import copy
import ssl
import threading
import types
from collections.abc import Callable, Iterable, Mapping
from functools import cached_property
from typing import TYPE_CHECKING, Any, Literal, TypeVar, overload

import httpx

from .. import _constants as C
from .._args import api_version_arg
from .._base_client import (
    NOT_GIVEN,
    BaseClient,
    NotGiven,
    build_retry,
    build_seconds,
    build_timeout,
    encode_body,
)
from .._clock import Clock
from .._exceptions import (
    AuthenticationError,
    ClientClosedError,
    ConfigurationError,
    DeadlineExceededError,
    DecodeError,
    EventLoopError,
    MalformedResponseError,
    RedirectError,
    TimeoutError,
    TransportError,
)
from .._models import decode
from .._redact import logger, redact_url
from .._route import Route
from .._transport import (
    AsyncFastSender,
    EventLoop,
    HttpBackend,
    LoopGuard,
    PreparedRequest,
    ResponseLike,
    asend_httpx,
    bound_by_deadline,
    build_ssl,
    current_event_loop,
    fast_async_sender,
)
from .._waiting import AsyncStillWaiting
from ..auth import AuthorizationCode, Grant
from ..pagination import Style
from ..ratelimit import RateLimiter, acquire_kwargs
from ..retry import RetryPolicy, failure_words, log_retry, retry_cause
from ..tokens import Token, TokenStore
from .pagination import AsyncPaginator, PageFetch
from .token_manager import AsyncTokenManager

if TYPE_CHECKING:
    from ..realtime import AsyncChatStream
    from ..resources._async.beatmaps import AsyncBeatmaps
    from ..resources._async.beatmapsets import AsyncBeatmapsets
    from ..resources._async.chat import AsyncChat
    from ..resources._async.content import AsyncChangelog, AsyncComments, AsyncNews, AsyncWiki
    from ..resources._async.discussions import AsyncDiscussions, AsyncEvents
    from ..resources._async.forums import AsyncForums
    from ..resources._async.home import AsyncAccount, AsyncMisc, AsyncTeams
    from ..resources._async.legacy import AsyncLegacy
    from ..resources._async.multiplayer import AsyncMatches, AsyncRooms
    from ..resources._async.rankings import AsyncRankings
    from ..resources._async.scores import AsyncScores
    from ..resources._async.users import AsyncUsers
    from .crawl import AsyncCrawler

__all__ = ["AsyncClient"]

T = TypeVar("T")
M = TypeVar("M")

MAX_401_RENEWALS = 8
"""Token renewals one call makes after 401s (see `AsyncClient._renew_after_401`)."""
_Parse = Callable[[ResponseLike], Any]


class _Redacted:
    """Formats a request's URL, redacted, only if a log line is actually emitted."""

    __slots__ = ("_request",)

    def __init__(self, request: PreparedRequest) -> None:
        self._request = request

    def __str__(self) -> str:
        return redact_url(self._request.full_url)


class AsyncClient(BaseClient):
    """An asynchronous osu! API client (v2, and v1 with an API key).

    For example:

    ```python
    async with osukit.AsyncClient(client_id=123, client_secret="…") as osu:
        user = await osu.users.get("peppy")
        async for score in osu.users.scores(user.id, "best", limit=None):
            print(score.pp)
    ```

    **Parameters** (all keyword-only; each falls back to an environment variable or a named default)

    * **client_id**, **client_secret** - OAuth application credentials (``OSU_CLIENT_ID``,
      ``OSU_CLIENT_SECRET``); with them the client uses the client-credentials grant.
    * **scopes** - scopes for that grant (default ``("public",)``; a bot uses
      ``("delegate", "chat.write", …)``).
    * **grant** - any `osukit.auth.Grant` instead (e.g. a [`UserToken`][osukit.UserToken]).
    * **access_token** - a bare token to use as is.
    * **api_key** - the legacy v1 key (``OSU_API_KEY``), for ``client.legacy``.
    * **base_url** - ``https://osu.ppy.sh`` (``OSU_BASE_URL``), ``https://dev.ppy.sh`` or the emulator.
    * **notify_url** - the chat websocket (``OSU_NOTIFY_URL``); by default it follows ``base_url``:
      ``wss://notify.ppy.sh`` for osu.ppy.sh, ``ws(s)://<host>/notify`` for another server (the emulator).
    * **v1_prefix** - where API v1 lives under ``base_url``: ``"api"`` (osu.ppy.sh's ``api/get_*``), or
      e.g. ``"api/v1"`` for a private server (``OSU_V1_PREFIX``).
    * **api_version** - the ``x-api-version`` header (default `DEFAULT_API_VERSION`).
    * **timeout** - seconds or an ``httpx.Timeout``: each connect, read and write (not their sum).
    * **deadline** - seconds one call may take in all, retries, backoff, ``Retry-After`` and
      rate-limiter waits included (default `DEFAULT_DEADLINE`, 300 s;
      ``math.inf`` for none). A wait that would pass it raises
      [`DeadlineExceededError`][osukit.DeadlineExceededError] at once instead of sleeping.
    * **request_deadline** - seconds one HTTP exchange may take from sending to the last
      body byte (default `DEFAULT_REQUEST_DEADLINE`, 120 s): a server
      trickling its answer is cut off there (and the request retried if the deadline allows).
    * **max_response_size** - bytes a response body may have after decompression (default
      `MAX_RESPONSE_SIZE`, 64 MiB); counted while reading, so a gzip
      bomb is stopped early: [`ResponseTooLargeError`][osukit.ResponseTooLargeError].
    * **retry** - a [`RetryPolicy`][osukit.RetryPolicy], a retry count, or ``False``.
    * **rate_limit** - requests per minute (default 60), a [`RateLimiter`][osukit.ratelimit.RateLimiter], or 0.
    * **token_store** - where tokens are kept (default in memory).
    * **user_agent** / **app_name** - the ``User-Agent`` (``osukit/<version> (app_name)``).
    * **http_client** - your own ``httpx.AsyncClient`` (connection pool, proxy, transport…).
    * **transport** - an ``httpx`` transport for the client osukit creates (tests: ``httpx.ASGITransport``).
    * **proxy** - a proxy URL for the client osukit creates (every backend). Without it,
      ``HTTP_PROXY``/``HTTPS_PROXY``/``ALL_PROXY``/``NO_PROXY`` apply unless ``trust_env=False``.
    * **verify** / **cert** - TLS: ``True`` (default), ``False``, a CA bundle path or an
      ``ssl.SSLContext``; ``cert`` a client certificate (PEM path, or ``(cert, key)``). Same on
      every backend.
    * **http_backend** - ``"auto"`` (aiohttp when installed, ``osukit[speed]``, and no custom httpx
      client or transport is given: about 2.5x less client CPU per request), ``"httpx"`` or
      ``"aiohttp"`` ([`MissingExtraError`][osukit.MissingExtraError] without aiohttp).

    One client may be used by successive event loops (``asyncio.run`` twice): it opens new
    connections on the new loop. Using it from two loops *running at the same time* raises
    [`EventLoopError`][osukit.EventLoopError].
    * **strict** - raise [`DecodeError`][osukit.DecodeError] when osu! sends fields osukit does not know.
    * **cache** - an opt-in response cache (`ResponseCache`, ``"memory"``, a
      SQLite path or a ``redis://`` URL); fresh hits skip the rate limiter. See ``docs/cache.md``.
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
        http_client: httpx.AsyncClient | None = None,
        transport: httpx.AsyncBaseTransport | None = None,
        proxy: str | None = None,
        http_backend: HttpBackend = "auto",
        clock: Clock | None = None,
        on_token_update: Callable[[str, Token], None] | None = None,
        cache: Any = None,
        deadline: float | None = None,
        request_deadline: float | None = None,
        max_response_size: int | None = None,
        verify: bool | str | ssl.SSLContext = True,
        cert: str | tuple[str, str] | None = None,
        trust_env: bool = True,
    ) -> None:
        super().__init__(
            client_id=client_id,
            client_secret=client_secret,
            scopes=scopes,
            grant=grant,
            access_token=access_token,
            api_key=api_key,
            base_url=base_url,
            notify_url=notify_url,
            v1_prefix=v1_prefix,
            api_version=api_version,
            timeout=timeout,
            retry=retry,
            rate_limit=rate_limit,
            token_store=token_store,
            user_agent=user_agent,
            app_name=app_name,
            headers=headers,
            strict=strict,
            clock=clock,
            cache=cache,
            deadline=deadline,
            request_deadline=request_deadline,
            max_response_size=max_response_size,
        )
        if http_client is not None and (transport is not None or proxy is not None):
            raise ConfigurationError("pass either http_client or transport/proxy, not both")
        if transport is not None and not isinstance(transport, httpx.AsyncBaseTransport):
            raise ConfigurationError(
                f"transport must be an httpx.AsyncBaseTransport, not {type(transport).__name__} (httpx.ASGITransport "
                "is async-only: for a sync client and an ASGI app such as the osu_emulator_app fixture, pass "
                "transport=osukit.emulator.asgi.SyncASGITransport(app))"
            )
        self._owns_http = http_client is None
        self._custom_transport = transport
        self._proxy = proxy
        self._ssl = build_ssl(verify, cert)
        self._trust_env = trust_env
        self._http = http_client or self._new_http()
        self._fast: AsyncFastSender | None = fast_async_sender(
            http_backend,
            self.timeout,
            C.MAX_CONNECTIONS,
            custom_http=http_client is not None or transport is not None,
            proxy=proxy,
            ssl_setting=self._ssl,
            trust_env=trust_env,
        )
        self._loop: EventLoop | None = None
        self._loop_guard: LoopGuard | None = None
        self._closed = False
        self._on_token_update = on_token_update
        self._tokens: AsyncTokenManager | None = None
        if self.grant is not None:
            self._tokens = self._manager_for(self.grant)

    def _manager_for(self, grant: Grant) -> AsyncTokenManager:
        return AsyncTokenManager(
            grant,
            self.token_store,
            base_url=self.base_url,
            http=self._http,
            clock=self._clock,
            retry=self.retry,
            on_token_update=self._tokens.on_token_update if self._tokens is not None else self._on_token_update,
            timeout=self.timeout,
            request_deadline=self.request_deadline,
            max_response_size=self.max_response_size,
        )

    def _new_http(self) -> httpx.AsyncClient:
        # (sync: every socket read and write also ends by the exchange's deadline, headers included)
        return bound_by_deadline(httpx.AsyncClient(
            transport=self._custom_transport,
            proxy=self._proxy,
            verify=self._ssl,
            trust_env=self._trust_env,
            timeout=self.timeout,
            follow_redirects=False,
            limits=httpx.Limits(max_connections=C.MAX_CONNECTIONS, max_keepalive_connections=C.MAX_CONNECTIONS),
        ))

    def _on_loop(self) -> None:
        """Follow the running event loop (async only): a client used again from a new loop after
        the previous one finished gets a new connection pool; two loops at once are an error."""
        loop = current_event_loop()
        if loop is None or loop is self._loop:
            return
        previous = self._loop
        if previous is not None and previous.is_running() and not previous.is_closed():
            raise EventLoopError(
                "this AsyncClient is in use on another running event loop; create one client per loop (or thread)"
            )
        if previous is not None and not self._owns_http:
            raise EventLoopError(
                "this AsyncClient sends through an httpx.AsyncClient it did not create (http_client=, a "
                "ClientPool or with_options) whose connections belong to an event loop that has finished; "
                "create that client inside the loop that uses it"
            )
        self._loop = loop
        if previous is not None:
            if self._owns_http:
                # The old pool was closed when its loop ended (see below); open a new one here.
                self._http = self._new_http()
            if self._tokens is not None:
                self._tokens.rebind(self._http)
        if self._owns_http:
            self._loop_guard = LoopGuard(loop, self._close_loop_connections)

    async def _close_loop_connections(self) -> None:
        """Close the connections of the loop that is ending (they cannot be used from another)."""
        await self._http.aclose()
        if self._fast is not None:
            await self._fast.aclose()

    # --- lifecycle --------------------------------------------------------------------------

    async def __aenter__(self) -> AsyncClient:
        return self

    async def __aexit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: types.TracebackType | None,
    ) -> None:
        await self.aclose()

    async def aclose(self) -> None:
        """Close the connection pool (when osukit created it). Later requests raise ClientClosedError."""
        if self._closed:
            return
        self._closed = True
        try:
            if self._owns_http:
                guard, self._loop_guard = self._loop_guard, None
                if guard is not None:
                    await guard.astop()
                loop = current_event_loop()
                if loop is None or self._loop is None or loop is self._loop:
                    await self._http.aclose()
                if self._fast is not None:
                    await self._fast.aclose()
        finally:
            await self._acache_release()  # [cache] let go of this loop's idle cache connections (osukit/cache.py)

    @property
    def is_closed(self) -> bool:
        """True after [`aclose`][osukit._async.client.AsyncClient.aclose]."""
        return self._closed

    def with_options(
        self,
        *,
        timeout: float | httpx.Timeout | NotGiven | None = NOT_GIVEN,
        retry: RetryPolicy | int | bool | NotGiven | None = NOT_GIVEN,
        api_version: int | NotGiven = NOT_GIVEN,
        strict: bool | NotGiven = NOT_GIVEN,
        headers: Mapping[str, str] | NotGiven = NOT_GIVEN,
        deadline: float | NotGiven = NOT_GIVEN,
    ) -> AsyncClient:
        """A view of this client with some options changed; it shares the connections,
        the token and the rate limiter, and closing it does not close this client.

        ``await osu.with_options(retry=False, timeout=5).users.get(2)``
        """
        clone = copy.copy(self)
        clone._owns_http = False
        for name in list(clone.__dict__):
            if isinstance(getattr(type(clone), name, None), cached_property):
                del clone.__dict__[name]
        if not isinstance(timeout, NotGiven):
            clone.timeout = build_timeout(timeout)
        if not isinstance(retry, NotGiven):
            clone.retry = build_retry(retry)
        if not isinstance(api_version, NotGiven):
            clone.api_version = api_version_arg(api_version)  # as checked at construction (osukit/_args.py)
        if not isinstance(strict, NotGiven):
            clone.strict = strict
        if not isinstance(deadline, NotGiven):
            clone.deadline = build_seconds(deadline, C.DEFAULT_DEADLINE, "deadline")
        if not isinstance(headers, NotGiven):
            clone._headers = {**self._headers, **headers}
        return clone

    # --- tokens -----------------------------------------------------------------------------

    @property
    def token(self) -> Token | None:
        """The current token in memory (may be expired), or None before the first request."""
        return self._tokens.current if self._tokens is not None else None

    async def get_token(self) -> Token:
        """A valid token, fetching or refreshing it when needed."""
        if self._tokens is None:
            raise ConfigurationError("this client has no OAuth credentials")
        return await self._tokens.get()

    async def exchange_code(self, grant: AuthorizationCode, code: str, state: str | None = None) -> Token:
        """Finish the authorization-code grant: check ``state``, trade ``code`` for a token, and make
        this client act as that user.

        ``state`` is the ``state`` query value the redirect brought back. A missing state (``None``
        or empty, e.g. ``request.args.get("state")`` on a forged redirect) fails exactly like a wrong
        one: `AuthenticationError` (400, "OAuth state mismatch"), before any request.
        That check is what stops a login CSRF.

        The token is saved in the token store under the user's own key
        (`osukit.auth.user_store_key`), so two users of one application keep
        separate tokens; the user id comes from the token's ``sub`` claim, or from
        one ``GET /api/v2/me`` when the server's tokens are not JWTs.
        """
        grant.check_state(state)
        flow = grant.exchange_flow(self.base_url, code, self._clock.time())
        manager = self._manager_for(grant)
        token = await manager._run(flow)
        if token.user_id is None:
            token = await self._identify(token)
            grant._token = token
        await manager.set(token)
        self._may_use_stored_login = False
        self.grant = grant
        self._tokens = manager
        return token

    async def _identify(self, token: Token) -> Token:
        """``token`` with ``user_id`` set from one ``GET /api/v2/me`` (unchanged when that fails)."""
        request = self._prepare("GET", "api/v2/me", token=token)
        hops = 0
        while True:
            await self.rate_limiter.aacquire(1, "default")
            try:
                response = await self._transmit(request)
            except httpx.HTTPError as exc:
                return self._with_user_id(token, None, type(exc).__name__)
            self.rate_limiter.observe(response.headers, "default")
            if not 300 <= response.status_code < 400 or response.status_code == 304:
                return self._with_user_id(token, response, f"HTTP {response.status_code}")
            try:  # a private server's trailing-slash redirect: followed like any GET's
                request = self._follow(request, self._redirect_target(request, response, hops))
            except RedirectError as exc:
                return self._with_user_id(token, None, exc.message)
            hops += 1

    def _adopt_login(self, grant: Grant) -> None:
        self._may_use_stored_login = False
        self.grant = grant
        self._tokens = self._manager_for(grant)

    async def login(
        self,
        *,
        redirect_uri: str = "http://127.0.0.1:8080/callback",
        scopes: str | Iterable[str] = ("identify", "public"),
        open_browser: bool = True,
        prompt: Callable[[str], str] | None = None,
        on_url: Callable[[str], None] | None = None,
        timeout: float = 300.0,
        key: str | None = None,
        user_id: int | None = None,
        force: bool = False,
    ) -> Token:
        """Log a user in with the authorization-code grant; this client then acts as that user.

        **A login is remembered.** When the token store already holds a usable
        token of this application with these scopes (one user, or ``user_id``'s),
        it is used and nothing is opened; pass ``force=True`` to log in again.
        Use a persistent store (``token_store=osukit.FileTokenStore()``) so later
        runs find it. When several users of this application are logged in in the
        store, ``login()`` without ``user_id`` (or ``key``) does not guess, and does
        not start a new login either: it raises ``AmbiguousLoginError`` naming
        their user ids; pass ``user_id=`` to choose one, or ``force=True`` to log
        someone in anew.

        Otherwise starts a one-shot callback server on 127.0.0.1 (``redirect_uri``
        must be registered in your OAuth application exactly), shows the authorize
        URL through ``on_url`` (default: printed to stderr), opens the browser
        unless ``open_browser=False``, and waits up to ``timeout`` seconds. With a
        ``prompt`` (e.g. ``input``), the user may instead paste the URL they were
        redirected to: whichever comes first, the callback or the paste, finishes
        the login. A ``redirect_uri`` that is not on loopback (or whose port is
        taken) leaves only the paste.

        Raises:
            AmbiguousLoginError: several users are logged in with this application in the token store and
                neither ``user_id``, ``key`` nor ``force=True`` was given.
            AuthenticationError: a wrong ``state``, osu! refused, or nothing arrived within ``timeout``.
            ConfigurationError: no client id/secret, or the callback port cannot be used and there is no
                ``prompt``.
        """
        from ..oauth import CallbackServer, print_login_url, wait_for_redirect
        from ..oauth import open_browser as _open

        grant = AuthorizationCode(self._client_id, self._client_secret, redirect_uri, scopes, key=key)
        if not force and key is None and user_id is None:
            ambiguous = self._ambiguous_login("login() was not told whom to log in")
            if ambiguous is not None:
                raise ambiguous
        if not force:
            remembered = self._remembered_login(grant.scopes, key=key, user_id=user_id)
            if remembered is not None:
                self._adopt_login(remembered)
                try:
                    return await self.get_token()
                except AuthenticationError as exc:
                    logger.warning("the stored login could not be refreshed (%s); logging in again", exc.message)
        server: CallbackServer | None = None
        try:
            server = CallbackServer(redirect_uri, grant.state)
        except ConfigurationError as exc:
            if prompt is None:
                raise
            logger.debug("no callback server: %s", exc)
            logger.warning("cannot listen for the callback at %s: paste the redirect URL when asked", redirect_uri)
        if server is not None and server.requested_port == 0:
            grant.redirect_uri = server.redirect_uri  # port 0: the port actually bound
        url = grant.authorize_url(self.base_url)
        stop = threading.Event()
        try:
            if server is not None:
                server.start()
            (on_url or print_login_url)(url)
            if open_browser:
                _open(url)
            if server is not None:
                logger.info("login: waiting up to %.0fs for the callback at %s", timeout, server.redirect_uri)
            result = await self._clock.arun_blocking(wait_for_redirect, server, grant.state, prompt, timeout, stop)
        finally:
            stop.set()
            if server is not None:
                server.close()
        if result.code is None:  # pragma: no cover - wait_for_redirect raises first
            raise ConfigurationError("no authorization code")
        return await self.exchange_code(grant, result.code, state=grant.state)  # state checked above

    async def revoke_token(self) -> None:
        """Revoke the current token (``DELETE /api/v2/oauth/tokens/current``, any scope) and forget it."""
        from ..resources.home import REVOKE_TOKEN

        await self._call(REVOKE_TOKEN)
        if self._tokens is not None:
            self._tokens.store.delete(self._tokens.key)
            self._tokens._token = None

    # --- requests ---------------------------------------------------------------------------

    def _ensure_open(self) -> None:
        if self._closed:
            raise ClientClosedError("this client is closed; create a new one")

    async def _renew_after_401(self, refused: Token, renewals: int) -> bool:
        """Whether a 401 for ``refused`` is worth renewing the token for: always the first time; again
        (up to `MAX_401_RENEWALS` in all) only when another holder of the token store has rotated the
        token since (osu! revokes a token when it is refreshed, so processes sharing one rotating token
        can refuse each other's in-flight requests). A refresh still in flight in another process is
        waited for first (`AsyncTokenManager.rotated_since`). A server that refuses a token it has just
        issued gets one renewal, not a loop."""
        if renewals == 0:
            return True
        if renewals >= MAX_401_RENEWALS or self._tokens is None:
            return False
        return await self._tokens.rotated_since(refused)

    async def _send(
        self,
        method: str,
        path: str,
        *,
        parse: _Parse,
        route: Route[Any] | None = None,
        params: Mapping[str, Any] | None = None,
        json: Any = None,
        data: Mapping[str, Any] | None = None,
        headers: Mapping[str, str] | None = None,
        cost: int = 1,
        bucket: str = "default",
        api: str = "v2",
    ) -> Any:
        """Send with rate limiting, auth, retries and refresh-on-401; return ``parse(response)``.

        Everything, attempts, backoff, ``Retry-After`` and rate-limiter waits, fits in ``deadline``.
        """
        self._ensure_open()
        self._on_loop()
        started = self._clock.monotonic()
        needs_token = self._needs_token(route) if route is not None else self.grant is not None and api == "v2"
        attempt = 0
        renewals = 0
        hops = 0
        followed: str | None = None  # a same-origin redirect's target, when one was followed
        while True:
            attempt += 1
            if self._clock.monotonic() - started >= self.deadline:
                raise self._deadline_error(f"after {attempt - 1} attempt(s)", method, self._url(path))
            token: Token | None = None
            if needs_token:
                if route is not None and self._may_use_stored_login:
                    # A client built from client id/secret alone: an earlier login() of this app may do.
                    remembered = self._stored_login_for(route)
                    if remembered is not None:
                        self._adopt_login(remembered)
                assert self._tokens is not None
                token = await self._tokens.get()
                if route is not None:
                    self._check_scope(route, token)
            # [cache] a fresh cached answer skips the rate limiter and the network (osukit/cache.py)
            cache_key = self._cache_key(route, method, path, params, json, token) if self.cache is not None else None
            cached = await self._acache_hit(cache_key, method, path) if cache_key is not None else None
            if cached is not None:
                return parse(cached)
            left = self.deadline - (self._clock.monotonic() - started)
            try:
                await self.rate_limiter.aacquire(cost, bucket, **acquire_kwargs(self.rate_limiter, left))
            except DeadlineExceededError as exc:
                raise self._deadline_error(str(exc), method, self._url(path)) from None
            self._ensure_open()
            request = self._prepare(
                method, path, params=params, json=json, data=data, headers=headers, token=token, api=api
            )
            if followed is not None:
                request = self._follow(request, followed)
            left = self.deadline - (self._clock.monotonic() - started)
            if left <= 0:
                raise self._deadline_error("waiting for the rate limiter", method, request.full_url)
            sent_at = self._clock.monotonic()
            try:
                response = await self._transmit(request, min(self.request_deadline, left))
            except httpx.HTTPError as exc:
                decision = self.retry.decide(attempt, method, error=exc)
                logger.debug("%s %s: %s; retry=%s (%s)", method, _Redacted(request), type(exc).__name__,
                             decision.retry, decision.reason)
                if not decision.retry:
                    words = failure_words(request.full_url, exc, self._clock.monotonic() - sent_at)
                    if self._clock.monotonic() - started >= self.deadline:
                        raise self._deadline_error(words, method, request.full_url) from None
                    cls = TimeoutError if isinstance(exc, httpx.TimeoutException) else TransportError
                    raise cls(words, method=method, url=redact_url(request.full_url)) from None
                await self._pause(decision.delay, started, method, request,
                                  retry_cause(request.full_url, error=exc, waited=self._clock.monotonic() - sent_at),
                                  attempt)
                continue
            self._remember(response)
            self._observe(response, bucket)
            status = response.status_code
            if 300 <= status < 400 and status != 304:
                followed = self._redirect_target(request, response, hops)
                hops += 1
                attempt -= 1
                logger.debug("%s %s: %d, following to the same origin", method, _Redacted(request), status)
                continue
            if status == 401 and token is not None and self._tokens is not None \
                    and self._tokens.grant.can_fetch and await self._renew_after_401(token, renewals):
                renewals += 1
                attempt -= 1
                logger.debug("%s %s: 401, renewing the token (%d)", method, _Redacted(request), renewals)
                await self._tokens.invalidate(token)
                continue
            if status < 300:
                try:
                    result = parse(response)
                    if cache_key is not None:  # [cache]
                        await self._acache_store(cache_key, route, response)
                    return result
                except DecodeError as exc:
                    if exc.path is not None or exc.expected is not None:
                        raise
                    # A truncated or garbled body: worth another try for idempotent requests.
                    decision = self.retry.decide(attempt, method, error=httpx.ReadError("malformed body"))
                    logger.debug("%s %s: malformed body; retry=%s (%s)", method, _Redacted(request),
                                 decision.retry, decision.reason)
                    if not decision.retry:
                        # Not JSON at all (cut short, garbled): a network or server fault, not a model
                        # mismatch; a body that is JSON but does not fit the model raised above.
                        raise MalformedResponseError(
                            f"{retry_cause(request.full_url, malformed=True)} (not valid JSON)",
                            method=method, url=request.full_url) from exc
                    await self._pause(decision.delay, started, method, request,
                                      retry_cause(request.full_url, malformed=True), attempt)
                    continue
            decision = self.retry.decide(attempt, method, response=response)
            logger.debug("%s %s: %d; retry=%s (%s)", method, _Redacted(request), status, decision.retry,
                         decision.reason)
            if not decision.retry:
                raise self._make_error(response, route)
            if decision.delay > self.deadline - (self._clock.monotonic() - started):
                # Waiting would outlast the call: the server's own answer says more than a timeout.
                raise self._make_error(response, route)
            await self._pause(decision.delay, started, method, request,
                              retry_cause(request.full_url, status=status), attempt)

    async def _pause(self, delay: float, started: float, method: str, request: PreparedRequest,
                     cause: str, attempt: int) -> None:
        """Sleep before a retry, or fail at once when the retry would start after the deadline.

        A retry that will happen is logged at INFO with a [`RetryNotice`][osukit.retry.RetryNotice] as the
        record's ``osukit_retry`` attribute (the command line prints it)."""
        left = self.deadline - (self._clock.monotonic() - started)
        if delay >= left:
            raise self._deadline_error(
                f"the next retry would start in {delay:.3g}s, {max(left, 0.0):.3g}s are left", method, request.full_url
            )
        log_retry(logger, f"{method} {_Redacted(request)}", cause, attempt, self.retry.max_retries, delay)
        await self._clock.asleep(delay)

    async def _transmit(self, request: PreparedRequest, budget: float = C.DEFAULT_REQUEST_DEADLINE) -> ResponseLike:
        """One HTTP exchange, fully read within ``budget`` seconds and ``max_response_size`` bytes
        (over aiohttp when the fast path is on, else httpx)."""
        try:
            with AsyncStillWaiting(logger, _Redacted(request), request.url):  # said on a long attempt (the host only)
                if self._fast is not None:
                    return await self._fast.send(request, budget=budget, max_size=self.max_response_size)
                return await asend_httpx(
                    self._http, request, timeout=self.timeout, budget=budget, max_size=self.max_response_size
                )
        except RuntimeError as exc:
            if isinstance(exc, ClientClosedError) or not self._closed:
                raise
            # httpx/aiohttp refuse to send on a pool that aclose() just closed.
            raise ClientClosedError("this client was closed while the request was being sent") from None

    def _parser(self, route: Route[Any], model: Any = NOT_GIVEN, path: Mapping[str, Any] | None = None) -> _Parse:
        explicit = None if isinstance(model, NotGiven) else model

        def parse(response: ResponseLike) -> Any:
            if route.api == "v1":
                error = self._v1_error(response, route)
                if error is not None:
                    raise error
            if response.status_code == 204:
                return None
            return route.decode(
                response.content, strict=self.strict, path=path, api_version=self.api_version, model=explicit
            )

        return parse

    @overload
    async def _call(
        self,
        route: Route[T],
        *,
        path: Mapping[str, Any] | None = None,
        params: Mapping[str, Any] | None = None,
        json: Mapping[str, Any] | None = None,
        model: NotGiven = NOT_GIVEN,
    ) -> T: ...

    @overload
    async def _call(
        self,
        route: Route[Any],
        *,
        path: Mapping[str, Any] | None = None,
        params: Mapping[str, Any] | None = None,
        json: Mapping[str, Any] | None = None,
        model: type[M],
    ) -> M: ...

    async def _call(
        self,
        route: Route[Any],
        *,
        path: Mapping[str, Any] | None = None,
        params: Mapping[str, Any] | None = None,
        json: Mapping[str, Any] | None = None,
        model: Any = NOT_GIVEN,
    ) -> Any:
        """Call ``route`` and decode its response (the one path every resource method takes).

        Typed by the route (``Route[User]`` gives ``User``), or by ``model`` when given.
        """
        if route.api == "v1":
            params = self._v1_params(params)
        return await self._send(
            route.http_method,
            self._v1_path(route.path(path)) if route.api == "v1" else route.path(path),
            parse=self._parser(route, model, path),
            route=route,
            params=params,
            json=encode_body(json),
            cost=route.request_cost(params or {}),
            bucket=route.bucket,
            api=route.api,
        )

    def _paginate(
        self,
        route: Route[Any],
        *,
        style: Style[T],
        path: Mapping[str, Any] | None = None,
        params: Mapping[str, Any] | None = None,
        limit: int | None = None,
        cursor: Any = None,
        model: Any = NOT_GIVEN,
    ) -> AsyncPaginator[T]:
        """A paginator over ``route`` (items one by one, or pages with a resumable cursor)."""
        route_path = self._v1_path(route.path(path)) if route.api == "v1" else route.path(path)
        base_params = dict(params or {})
        parser = self._parser(route, model, path)

        async def fetch(page_params: Mapping[str, Any]) -> Any:
            merged = {**base_params, **page_params}
            return await self._send(
                route.http_method,
                route_path,
                parse=parser,
                route=route,
                params=merged,
                cost=route.request_cost(merged),
                bucket=route.bucket,
                api=route.api,
            )

        fetcher: PageFetch = fetch
        return AsyncPaginator(fetcher, style, limit=limit, cursor=cursor)

    async def request(
        self,
        method: str,
        path: str,
        *,
        params: Mapping[str, Any] | None = None,
        json: Any = None,
        data: Mapping[str, Any] | None = None,
        headers: Mapping[str, str] | None = None,
        response_model: type[T] | None = None,
        authenticated: bool = True,
    ) -> Any:
        """Call any endpoint, wrapped or not: ``await osu.request("GET", "api/v2/me")``.

        Returns the decoded JSON (or ``response_model`` built from it), ``None``
        for 204. Rate limiting, auth, retries and errors work as for every
        other call. ``path`` is relative to ``base_url``; absolute URLs must
        point at ``base_url`` (credentials never go to another host).

        A v1 path (``api/get_*``, or under `v1_prefix`) is sent under
        `v1_prefix` with the API key, and ``response_model`` decodes it as
        leniently as ``client.legacy`` does (v1's numbers-as-strings). A GET that
        the server redirects to the same origin is followed; any other redirect
        raises [`RedirectError`][osukit.RedirectError] naming its ``Location``.
        """
        api = "v1" if self._is_v1_path(path) else "v2"

        def parse(response: ResponseLike) -> Any:
            if response.status_code == 204 or not response.content:
                return None
            if response_model is not None:
                return decode(response.content, response_model, strict=self.strict, route=f"{method} {path}",
                              lax=api == "v1")
            return decode(response.content, Any, route=f"{method} {path}")

        if api == "v1":
            path = self._v1_path(path)
            if self.api_key:
                params = {**(params or {}), "k": self.api_key}
        return await self._send(
            method.upper(),
            path,
            parse=parse,
            params=params,
            json=json,
            data=data,
            headers=headers,
            api=api if authenticated else "v1",
        )

    async def request_raw(
        self,
        method: str,
        path: str,
        *,
        params: Mapping[str, Any] | None = None,
        json: Any = None,
        headers: Mapping[str, str] | None = None,
    ) -> ResponseLike:
        """Like [`request`][osukit._async.client.AsyncClient.request] but returns the response (already read) untouched: ``status_code``,
        ``headers``, ``content``, ``json()``."""
        result: ResponseLike = await self._send(
            method.upper(), path, parse=lambda r: r, params=params, json=json, headers=headers
        )
        return result

    # --- resources --------------------------------------------------------------------------

    @cached_property
    def users(self) -> AsyncUsers:
        """Users: profiles, scores, beatmaps, activity, kudosu (``/users``, ``/me``)."""
        from ..resources._async.users import AsyncUsers

        return AsyncUsers(self)

    @cached_property
    def beatmaps(self) -> AsyncBeatmaps:
        """Beatmaps: lookup, batches, leaderboards, difficulty attributes, packs."""
        from ..resources._async.beatmaps import AsyncBeatmaps

        return AsyncBeatmaps(self)

    @cached_property
    def chat(self) -> AsyncChat:
        """Chat: channels, messages, PMs (``/chat``)."""
        from ..resources._async.chat import AsyncChat

        return AsyncChat(self)

    @cached_property
    def forums(self) -> AsyncForums:
        """Forums: topics and posts (``/forums``)."""
        from ..resources._async.forums import AsyncForums

        return AsyncForums(self)

    @cached_property
    def comments(self) -> AsyncComments:
        """Comments on beatmapsets, news and builds (``/comments``)."""
        from ..resources._async.content import AsyncComments

        return AsyncComments(self)

    @cached_property
    def news(self) -> AsyncNews:
        """News posts (``/news``)."""
        from ..resources._async.content import AsyncNews

        return AsyncNews(self)

    @cached_property
    def wiki(self) -> AsyncWiki:
        """Wiki pages (``/wiki``)."""
        from ..resources._async.content import AsyncWiki

        return AsyncWiki(self)

    @cached_property
    def changelog(self) -> AsyncChangelog:
        """Builds and changelog entries (``/changelog``)."""
        from ..resources._async.content import AsyncChangelog

        return AsyncChangelog(self)

    @cached_property
    def misc(self) -> AsyncMisc:
        """Search, tags and seasonal backgrounds."""
        from ..resources._async.home import AsyncMisc

        return AsyncMisc(self)

    @cached_property
    def teams(self) -> AsyncTeams:
        """Teams (``/teams``)."""
        from ..resources._async.home import AsyncTeams

        return AsyncTeams(self)

    @cached_property
    def legacy(self) -> AsyncLegacy:
        """API v1 (``/api/get_*``, needs ``api_key``) and the ``.osu`` file download."""
        from ..resources._async.legacy import AsyncLegacy

        return AsyncLegacy(self)

    @cached_property
    def scores(self) -> AsyncScores:
        """Scores by id, replay downloads, the new-scores feed (``/scores``)."""
        from ..resources._async.scores import AsyncScores

        return AsyncScores(self)

    # --- realtime ---------------------------------------------------------------------------

    def chat_stream(self, *, url: str | None = None, channels: Iterable[int] = (), **options: Any) -> AsyncChatStream:
        """A chat event stream over osu!'s notification websocket (needs ``osukit[realtime]``).

        ``url`` defaults to the client's `notify_url`, which follows ``base_url`` (so a client of
        the emulator reaches the emulator's websocket); ``channels`` are channel ids whose missed messages are fetched
        after a reconnect even before one of them was seen. Other options (``reconnect``,
        ``keepalive``, ``since``, ``token_refresh_margin`` …) are documented on the stream class:

        ```python
        async with osu.chat_stream(channels=[5]) as stream:
            async for event in stream:
                print(event)
        ```
        """
        from ..realtime import AsyncChatStream

        return AsyncChatStream(self, url=url, channels=channels, **options)

    # --- bulk crawls ------------------------------------------------------------------------

    def crawl(
        self,
        source: Callable[..., Any],
        *,
        ids: Iterable[int] | None = None,
        chunk_size: int = C.MAX_IDS_PER_REQUEST,
        checkpoint: Any = None,
        checkpoint_key: str = "crawl",
        concurrency: int = 4,
        progress: bool | Literal["lines"] | None = None,
    ) -> AsyncCrawler[Any]:
        """A resumable bulk crawl (see [`AsyncCrawler`][osukit.AsyncCrawler]).

        ``source`` is a paginator factory taking ``cursor=``:

        ```python
        crawl = osu.crawl(lambda cursor: osu.users.scores(2, "best", cursor=cursor, limit=None),
                          checkpoint="scores.ckpt")
        await crawl.to_jsonl("scores.jsonl")   # kill it and run again: no page twice
        ```

        or, with ``ids=``, a fetcher of up to ``chunk_size`` ids at a time
        (``osu.crawl(osu.users.get_batch, ids=range(1, 100_001))``), run with up to
        ``concurrency`` chunks in flight. Either way the client's rate limiter paces
        every request; ``checkpoint`` is a file path or a store with ``load``/``save``/``delete``.
        """
        from .crawl import AsyncCrawler

        return AsyncCrawler(
            source,
            ids=ids,
            chunk_size=chunk_size,
            checkpoint=checkpoint,
            checkpoint_key=checkpoint_key,
            concurrency=concurrency,
            progress=progress,
            clock=self._clock,
        )

    @cached_property
    def beatmapsets(self) -> AsyncBeatmapsets:
        """Beatmapsets: search, lookup, details (``/beatmapsets``)."""
        from ..resources._async.beatmapsets import AsyncBeatmapsets

        return AsyncBeatmapsets(self)

    @cached_property
    def account(self) -> AsyncAccount:
        """Session verification (only tokens issued unverified need it)."""
        from ..resources._async.home import AsyncAccount

        return AsyncAccount(self)

    @cached_property
    def rankings(self) -> AsyncRankings:
        """Rankings, the kudosu ranking, spotlights."""
        from ..resources._async.rankings import AsyncRankings

        return AsyncRankings(self)

    @cached_property
    def rooms(self) -> AsyncRooms:
        """Multiplayer rooms and playlists (lazer)."""
        from ..resources._async.multiplayer import AsyncRooms

        return AsyncRooms(self)

    @cached_property
    def matches(self) -> AsyncMatches:
        """Stable multiplayer matches (``/matches``)."""
        from ..resources._async.multiplayer import AsyncMatches

        return AsyncMatches(self)

    @cached_property
    def discussions(self) -> AsyncDiscussions:
        """Beatmapset discussions, posts, votes and events."""
        from ..resources._async.discussions import AsyncDiscussions

        return AsyncDiscussions(self)

    @cached_property
    def events(self) -> AsyncEvents:
        """The site-wide event feed (``/events``)."""
        from ..resources._async.discussions import AsyncEvents

        return AsyncEvents(self)
