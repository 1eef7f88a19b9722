"""Many users at once: one client per user, one connection pool and one rate limiter for all."""

from __future__ import annotations

import types
from collections.abc import Callable, Iterator
from typing import Any

import httpx

from .. import _constants as C
from .._base_client import _env, build_limiter
from .._clock import Clock
from .._credentials import checked_client_id, secret_arg
from .._exceptions import ConfigurationError
from .._transport import bound_by_deadline
from ..auth import UserToken
from ..ratelimit import LayeredRateLimiter, RateLimiter
from ..tokens import MemoryTokenStore, Token, TokenStore
from .client import AsyncClient

__all__ = ["AsyncClientPool"]


class AsyncClientPool:
    """Clients for many users of one OAuth application, keyed by user id.

    Every client shares one ``httpx`` connection pool, one rate limiter (so the
    application's budget is respected across users) and one token store.

    osu-web throttles each token on its own, so with ``per_user_rate_limit`` every user
    also gets a budget of their own *under* the shared one: a number (requests per
    minute, an in-process [TokenBucket][osukit.TokenBucket] per user) or a factory
    ``user_id -> RateLimiter`` (e.g. a ``RedisRateLimiter`` keyed by user, to share each
    user's budget across machines). Each user's client then waits for their own bucket
    and for ``rate_limit``, the application-wide cap
    ([LayeredRateLimiter][osukit.LayeredRateLimiter]). osu!'s terms of use allow 60
    requests per minute unless osu! has allowed you more: keep the cap there.
    ``on_token_update(user_id, token)`` fires whenever a user's token is issued
    or refreshed, so you can persist it; ``on_client_add(user_id, client)``
    when a user joins the pool. ``client_id`` and ``client_secret`` default to
    ``OSU_CLIENT_ID`` and ``OSU_CLIENT_SECRET``, as for a client; without either,
    [ConfigurationError][osukit.ConfigurationError].

    For example:

    ```python
    async with AsyncClientPool(client_id=1, client_secret="…", token_store=SQLiteTokenStore("t.db")) as pool:
        await pool.add(user_token)            # e.g. from client.login()
        me = await pool.get(user_id).users.me()
    ```
    """

    def __init__(
        self,
        *,
        client_id: int | str | None = None,
        client_secret: str | None = None,
        token_store: TokenStore | None = None,
        rate_limit: RateLimiter | int | float | None = None,
        per_user_rate_limit: float | Callable[[int], RateLimiter] | None = None,
        base_url: str | None = None,
        on_token_update: Callable[[int, Token], None] | None = None,
        on_client_add: Callable[[int, AsyncClient], None] | None = None,
        clock: Clock | None = None,
        transport: httpx.AsyncBaseTransport | None = None,
        **client_options: Any,
    ) -> None:
        where = f" of {type(self).__name__}"
        cid = checked_client_id(client_id if client_id is not None else _env("OSU_CLIENT_ID"), where=where)
        given = secret_arg(client_secret if client_secret is not None else _env("OSU_CLIENT_SECRET"),
                           where=where)  # '***' to any inspection
        if cid is None or given is None:
            raise ConfigurationError(f"{type(self).__name__} needs client_id and client_secret: pass them or set "
                                     "OSU_CLIENT_ID and OSU_CLIENT_SECRET (your OAuth application's, from "
                                     "https://osu.ppy.sh/home/account/edit#oauth)")
        self.client_id: int | str = cid
        self._secret = given
        self.token_store = token_store if token_store is not None else MemoryTokenStore()
        self._clock = clock or Clock()
        self.rate_limiter = build_limiter(rate_limit, self._clock)
        self.per_user_rate_limit = per_user_rate_limit
        self.base_url = base_url
        self.on_token_update = on_token_update
        self.on_client_add = on_client_add
        self._options = client_options
        self._http = bound_by_deadline(httpx.AsyncClient(
            transport=transport,
            follow_redirects=False,
            limits=httpx.Limits(max_connections=C.MAX_CONNECTIONS, max_keepalive_connections=C.MAX_CONNECTIONS),
        ))
        self._clients: dict[int, AsyncClient] = {}

    def __repr__(self) -> str:
        return f"{type(self).__name__}(client_id={self.client_id!r}, users={len(self._clients)})"

    def key_for(self, user_id: int) -> str:
        """The token store key of a user's token."""
        return f"{self.client_id}:user:{user_id}"

    def _token_updated(self, key: str, token: Token) -> None:
        if self.on_token_update is not None and token.user_id is not None:
            self.on_token_update(token.user_id, token)

    def limiter_for(self, user_id: int) -> RateLimiter:
        """The limiter a user's client uses: the shared one, or the user's own under it."""
        per_user = self.per_user_rate_limit
        if per_user is None:
            return self.rate_limiter
        own = per_user(user_id) if callable(per_user) else build_limiter(per_user, self._clock)
        return LayeredRateLimiter(own, self.rate_limiter)

    def _make(self, user_id: int, token: Token | None) -> AsyncClient:
        grant = UserToken(self.client_id, self._secret, token, key=self.key_for(user_id))
        client = AsyncClient(
            grant=grant,
            http_client=self._http,
            rate_limit=self.limiter_for(user_id),
            token_store=self.token_store,
            base_url=self.base_url,
            clock=self._clock,
            on_token_update=self._token_updated,
            **self._options,
        )
        self._clients[user_id] = client
        if self.on_client_add is not None:
            self.on_client_add(user_id, client)
        return client

    async def add(self, token: Token, user_id: int | None = None) -> AsyncClient:
        """Add (or replace) a user's token; returns that user's client.

        ``user_id`` defaults to ``token.user_id``; one of them is required.
        """
        uid = user_id if user_id is not None else token.user_id
        if uid is None:
            raise ConfigurationError("the token does not name its user: pass user_id=")
        if token.user_id != uid:
            token = Token(
                access_token=token.access_token,
                token_type=token.token_type,
                expires_at=token.expires_at,
                refresh_token=token.refresh_token,
                scopes=token.scopes,
                user_id=uid,
            )
        self.token_store.save(self.key_for(uid), token)
        client = self._make(uid, token)
        self._token_updated(self.key_for(uid), token)
        return client

    def get(self, user_id: int) -> AsyncClient:
        """The client of ``user_id``, loading their token from the store if needed.

        Raises [`ConfigurationError`][osukit.ConfigurationError] when no token is stored for the user.
        """
        client = self._clients.get(user_id)
        if client is not None:
            return client
        token = self.token_store.load(self.key_for(user_id))
        if token is None:
            raise ConfigurationError(f"no token stored for user {user_id}; add() one first")
        return self._make(user_id, token)

    def __contains__(self, user_id: object) -> bool:
        return user_id in self._clients

    def __iter__(self) -> Iterator[int]:
        return iter(list(self._clients))

    def __len__(self) -> int:
        return len(self._clients)

    async def remove(self, user_id: int, *, forget_token: bool = False) -> None:
        """Drop a user's client (and, with ``forget_token``, their stored token)."""
        self._clients.pop(user_id, None)
        if forget_token:
            self.token_store.delete(self.key_for(user_id))

    async def aclose(self) -> None:
        """Close every client and the shared connection pool."""
        for client in list(self._clients.values()):
            await client.aclose()
        self._clients.clear()
        await self._http.aclose()

    async def __aenter__(self) -> AsyncClientPool:
        return self

    async def __aexit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: types.TracebackType | None,
    ) -> None:
        await self.aclose()
