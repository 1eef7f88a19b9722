"""RedisTokenStore: the store protocol, TTLs, failures as errors, and cross-process single-flight."""

from __future__ import annotations

import asyncio
import json
import multiprocessing
import threading
import time

import pytest

import osukit
from osukit.contrib.redis import RedisTokenStore
from osukit.tokens import Token

from ._servers import CountingServer, RedisServer
from ._workers import expired_token_key, single_flight


def tok(name: str = "abcdef-token", expires_in: float = 3600) -> Token:
    return Token(access_token=name, expires_at=time.time() + expires_in, refresh_token="refresh-abcdef",
                 scopes=("identify", "public"), user_id=2)


def test_round_trip(redis_url: str) -> None:
    import redis

    store = RedisTokenStore(redis_url, prefix="app1:")
    assert isinstance(store, osukit.TokenStore)
    assert store.load("k") is None
    token = tok()
    store.save("k", token)
    assert store.load("k") == token
    raw = redis.Redis.from_url(redis_url).get("app1:k")
    assert raw is not None and json.loads(raw) == json.loads(json.dumps(token.to_dict()))
    store.save("other", tok("second-token"))
    RedisTokenStore(redis_url, prefix="app2:").save("k", tok("third-token"))
    assert store.keys() == ["k", "other"]
    store.delete("k")
    store.delete("k")  # no error when absent
    assert store.load("k") is None
    assert store.keys() == ["other"]
    assert "abcdef" not in repr(store)


def test_ttl_never_shorter_than_the_token(redis_url: str) -> None:
    import redis

    client = redis.Redis.from_url(redis_url)
    store = RedisTokenStore(redis_url, ttl=60)
    store.save("long", tok(expires_in=86400))
    assert 86400 <= client.ttl("osukit:token:long") <= 86461
    store.save("short", tok(expires_in=10))
    assert 60 <= client.ttl("osukit:token:short") <= 71
    RedisTokenStore(redis_url).save("forever", tok())
    assert client.ttl("osukit:token:forever") == -1
    store.save("static", Token(access_token="static-token-x", expires_at=float("inf")))
    assert client.ttl("osukit:token:static") == -1
    assert store.load("static") is not None


def test_damaged_record_raises(redis_url: str) -> None:
    import redis

    redis.Redis.from_url(redis_url).set("osukit:token:bad", b"{not json")
    with pytest.raises(osukit.TokenStoreError):
        RedisTokenStore(redis_url).load("bad")


def test_failures_raise_token_store_error(own_redis: RedisServer) -> None:
    store = RedisTokenStore(own_redis.url, socket_timeout=0.3)
    store.save("k", tok())
    own_redis.stop()
    for call in (lambda: store.load("k"), lambda: store.save("k", tok()), lambda: store.delete("k"), store.keys):
        with pytest.raises(osukit.TokenStoreError, match="Redis token store"):
            call()
    with pytest.raises(osukit.TokenStoreError), store.refresh_lock("k"):
        pass


def test_refresh_lock_excludes_threads(redis_url: str) -> None:
    store = RedisTokenStore(redis_url)
    inside = 0
    overlaps = 0
    entered = 0
    guard = threading.Lock()

    def work() -> None:
        nonlocal inside, overlaps, entered
        with store.refresh_lock("k"):
            with guard:
                inside += 1
                entered += 1
                overlaps += inside > 1
            time.sleep(0.02)
            with guard:
                inside -= 1

    threads = [threading.Thread(target=work) for _ in range(8)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert entered == 8 and overlaps == 0


async def test_async_refresh_lock_excludes_coroutines_and_sync_holders(redis_url: str) -> None:
    store = RedisTokenStore(redis_url)
    order: list[str] = []

    async def work(i: int) -> None:
        async with store.arefresh_lock("k"):
            order.append(f"in{i}")
            await asyncio.sleep(0.02)
            order.append(f"out{i}")

    await asyncio.gather(*(work(i) for i in range(5)))
    assert all(order[j].startswith("in") and order[j + 1] == "out" + order[j][2:] for j in range(0, 10, 2))
    with store.refresh_lock("k"):  # a sync holder blocks async takers
        other = RedisTokenStore(redis_url, lock_wait=0.3)
        with pytest.raises(osukit.TokenStoreError, match="waited"):
            async with other.arefresh_lock("k"):
                pass


def test_lock_release_failure_is_logged(redis_url: str, caplog: pytest.LogCaptureFixture) -> None:
    store = RedisTokenStore(redis_url, lock_timeout=0.1)
    with store.refresh_lock("k"):
        time.sleep(0.25)  # the lock expires while held (a stuck refresh)
    assert any("could not release the refresh lock" in r.getMessage() for r in caplog.records)


def test_missing_extra_is_clear(monkeypatch: pytest.MonkeyPatch) -> None:
    import sys

    monkeypatch.setitem(sys.modules, "redis", None)
    with pytest.raises(osukit.MissingExtraError, match=r"Redis token store.*osukit\[redis\]"):
        RedisTokenStore("redis://127.0.0.1:1/0")


def test_distributed_single_flight(redis_url: str) -> None:
    """50 processes x 20 coroutines find one expired token in Redis: one /oauth/token request."""
    store = RedisTokenStore(redis_url)
    key = expired_token_key()
    store.save(key, Token(access_token="expired-token-0000", expires_at=time.time() - 10, scopes=("public",)))
    ctx = multiprocessing.get_context("forkserver")
    ctx.set_forkserver_preload(["tests.scale._workers", "osukit", "osukit.contrib.redis", "redis", "httpx"])
    with CountingServer(token_delay=0.2) as server:
        with ctx.Pool(50) as pool:
            # warm the pool so that every process is up before the common start time
            pool.map(time.sleep, [0.01] * 50, chunksize=1)
            t0 = time.time() + 1.0
            results = pool.starmap(single_flight, [(redis_url, server.base_url, 20, t0)] * 50, chunksize=1)
        hits = server.counts.get("token", 0)
        api = server.counts.get("api", 0)
    tokens = {t for r in results for t in r}
    assert hits == 1, f"{hits} token requests"
    assert tokens == {"shared-token-000001"}
    assert sum(len(r) for r in results) == 1000
    assert api == 50
    stored = store.load(key)
    assert stored is not None and stored.access_token == "shared-token-000001"
