"""Many users: one pool of connections, one limiter, tokens persisted through events."""

from __future__ import annotations

import asyncio

import httpx
import pytest

import osukit
from osukit import Token

from .conftest import FakeClock, ScriptedServer


def test_pool_shares_limiter_and_refreshes_per_user() -> None:
    server = ScriptedServer(lambda r: httpx.Response(200, json={"auth": r.headers["authorization"]}))
    clock = FakeClock()
    updates: list[tuple[int, str]] = []
    added: list[int] = []
    store = osukit.MemoryTokenStore()
    pool = osukit.ClientPool(client_id=5, client_secret="secret-abcdef", base_url="https://osu.test",
                             transport=httpx.MockTransport(server), clock=clock, token_store=store,
                             rate_limit=600, on_token_update=lambda uid, t: updates.append((uid, t.access_token)),
                             on_client_add=lambda uid, c: added.append(uid))
    with pool:
        for uid in (1, 2, 3):
            pool.add(Token(access_token=f"user-{uid}-token", refresh_token=f"user-{uid}-refresh",
                           expires_at=clock.time() + 3600, scopes=("identify", "public")), user_id=uid)
        assert added == [1, 2, 3] and len(pool) == 3
        assert pool.get(2).request("GET", "api/v2/me")["auth"] == "Bearer user-2-token"
        assert pool.get(1).rate_limiter is pool.get(3).rate_limiter
        clock.advance(3600)
        assert pool.get(2).request("GET", "api/v2/me")["auth"] == "Bearer access-token-0001"
        assert updates[-1] == (2, "access-token-0001")
        assert store.load(pool.key_for(2)).access_token == "access-token-0001"  # type: ignore[union-attr]
        assert server.token_requests[0]["refresh_token"] == "user-2-refresh"
        with pytest.raises(osukit.ConfigurationError):
            pool.get(99)
    # a new pool over the same store picks users back up
    pool2 = osukit.ClientPool(client_id=5, client_secret="secret-abcdef", base_url="https://osu.test",
                              transport=httpx.MockTransport(server), clock=clock, token_store=store, rate_limit=0)
    assert pool2.get(2).request("GET", "api/v2/me")["auth"] == "Bearer access-token-0001"
    pool2.close()


def test_async_pool() -> None:
    server = ScriptedServer(lambda r: httpx.Response(200, json={"auth": r.headers["authorization"]}))

    async def main() -> None:
        async with osukit.AsyncClientPool(client_id=5, client_secret="secret-abcdef", base_url="https://osu.test",
                                          transport=httpx.MockTransport(server), rate_limit=0) as pool:
            for uid in range(10):
                await pool.add(Token(access_token=f"user-{uid}-token", expires_at=2e10, user_id=uid))
            results = await asyncio.gather(*(pool.get(uid).request("GET", "api/v2/me") for uid in range(10)))
            assert [r["auth"] for r in results] == [f"Bearer user-{uid}-token" for uid in range(10)]

    asyncio.run(main())


def test_per_user_budgets_under_an_app_cap() -> None:
    """Each user's requests wait for their own bucket (osu-web throttles per token) and for the app cap."""
    server = ScriptedServer(lambda r: httpx.Response(200, json={"auth": r.headers["authorization"]}))
    clock = FakeClock()
    made: list[int] = []

    def own(uid: int) -> osukit.RateLimiter:
        made.append(uid)
        return osukit.TokenBucket(60, burst=1, clock=clock)  # 1 request/s per user

    pool = osukit.ClientPool(client_id=5, client_secret="secret-abcdef", base_url="https://osu.test",
                             transport=httpx.MockTransport(server), clock=clock,
                             rate_limit=osukit.TokenBucket(120, burst=1, clock=clock),  # 2/s for the whole app
                             per_user_rate_limit=own)
    with pool:
        for uid in (1, 2, 3):
            pool.add(Token(access_token=f"user-{uid}-token", expires_at=clock.time() + 3600,
                           scopes=("public",)), user_id=uid)
        limiter = pool.get(1).rate_limiter
        assert isinstance(limiter, osukit.LayeredRateLimiter) and limiter.app is pool.rate_limiter
        assert made == [1, 2, 3]
        start = clock.monotonic()
        for _ in range(4):  # one user alone: their own 1/s is the limit
            pool.get(1).request("GET", "api/v2/me")
        assert clock.monotonic() - start == pytest.approx(3.0)
        start = clock.monotonic()
        for _ in range(4):  # three users in turn: 12 requests at the app's 2/s
            for uid in (1, 2, 3):
                pool.get(uid).request("GET", "api/v2/me")
        assert clock.monotonic() - start == pytest.approx(6.0, abs=0.51)
    # A number gives every user an in-process bucket of that many requests per minute.
    with osukit.ClientPool(client_id=5, client_secret="s", base_url="https://osu.test", rate_limit=600,
                           per_user_rate_limit=30, transport=httpx.MockTransport(server), clock=clock) as p:
        p.add(Token(access_token="t", expires_at=clock.time() + 3600, scopes=("public",)), user_id=7)
        own_bucket = p.get(7).rate_limiter.token  # type: ignore[attr-defined]
        assert isinstance(own_bucket, osukit.TokenBucket) and own_bucket.per_minute == 30


@pytest.mark.parametrize("cls", [osukit.ClientPool, osukit.AsyncClientPool])
def test_pool_credentials_default_to_the_environment(cls: type, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("OSU_CLIENT_ID", "77")
    monkeypatch.setenv("OSU_CLIENT_SECRET", "env-secret-9f2c")
    pool = cls(base_url="https://osu.test")
    assert str(pool.client_id) == "77" and "env-secret-9f2c" not in repr(pool)
    assert cls(client_id=5, client_secret="given-secret-1a2b", base_url="https://osu.test").client_id == 5
    monkeypatch.delenv("OSU_CLIENT_SECRET")
    with pytest.raises(osukit.ConfigurationError, match="OSU_CLIENT_SECRET"):
        cls(base_url="https://osu.test")
