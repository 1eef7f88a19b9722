"""The response cache against the emulator: hits never reach the server, lifetimes run on the fake
clock, users never share an entry, hits skip the rate limiter; memory, SQLite and Redis backends."""

from __future__ import annotations

import asyncio
from pathlib import Path
from typing import Any

import pytest

import osukit
from osukit.cache import (
    DEFAULT_TTL,
    MemoryCacheBackend,
    ResponseCache,
    SqliteCacheBackend,
    as_response_cache,
)
from osukit.ratelimit import TokenBucket

from .conftest import LiveClock, redis_url, route_count


def _backend(kind: str, tmp_path: Path, request: pytest.FixtureRequest) -> Any:
    if kind == "memory":
        return MemoryCacheBackend()
    if kind == "sqlite":
        return SqliteCacheBackend(tmp_path / "cache.db")
    url = redis_url(request)
    from osukit.cache import RedisCacheBackend

    return RedisCacheBackend(url)


def _client(emu: Any, clock: LiveClock, cache: Any, **kw: Any) -> osukit.Client:
    kw.setdefault("rate_limit", 0)
    return osukit.Client(client_id=emu.client_id, client_secret=emu.client_secret, base_url=emu.base_url,
                         clock=clock, cache=cache, **kw)


def _ranked_and_pending(emu: Any) -> tuple[int, int]:
    w = emu.state.world
    ranked = next(b["id"] for b in w.beatmaps.values() if b["status"] == "ranked")
    pending = next(b["id"] for b in w.beatmaps.values() if b["status"] in ("pending", "wip", "graveyard", "qualified"))
    return ranked, pending


@pytest.mark.parametrize("kind", ["memory", "sqlite", "redis"])
def test_hits_never_reach_the_server_and_expire_on_the_fake_clock(live: Any, tmp_path: Path, kind: str,
                                                                 request: pytest.FixtureRequest) -> None:
    clock = LiveClock()  # the emulator's world does not move here
    cache = ResponseCache(_backend(kind, tmp_path, request))
    ranked, pending = _ranked_and_pending(live)
    live.reset_stats()
    with _client(live, clock, cache) as osu:
        first = osu.beatmaps.get(ranked)
        for _ in range(5):
            assert osu.beatmaps.get(ranked) == first
        assert route_count(live, "api/v2/beatmaps/{beatmap}") == 1
        assert cache.stats() == {"hits": 5, "misses": 1, "stores": 1}
        osu.beatmaps.get(pending)
        osu.beatmaps.get(pending)
        assert route_count(live, "api/v2/beatmaps/{beatmap}") == 2
        # a pending map lives 5 minutes, a ranked one a day
        clock.advance(301)
        osu.beatmaps.get(pending)
        osu.beatmaps.get(ranked)
        assert route_count(live, "api/v2/beatmaps/{beatmap}") == 3
        clock.advance(86400)
        osu.beatmaps.get(ranked)
        assert route_count(live, "api/v2/beatmaps/{beatmap}") == 4
        # not cached: the live feed
        osu.scores.recent(limit=10).to_list()
        osu.scores.recent(limit=10).to_list()
        assert route_count(live, "api/v2/scores") == 2


def test_other_query_or_api_version_is_another_entry(live: Any) -> None:
    clock = LiveClock()
    cache = ResponseCache()
    ranked, _ = _ranked_and_pending(live)
    live.reset_stats()
    with _client(live, clock, cache) as osu:
        osu.beatmaps.get_many([ranked])
        osu.beatmaps.get_many([ranked])
        osu.beatmaps.get_many([ranked, ranked + 1])
        assert route_count(live, "api/v2/beatmaps") == 2
        osu.with_options(api_version=20220705).beatmaps.get(ranked)
        osu.beatmaps.get(ranked)
        assert route_count(live, "api/v2/beatmaps/{beatmap}") == 2


def test_two_users_never_share_a_user_scoped_entry(live: Any) -> None:
    clock = LiveClock()
    cache = ResponseCache(ttl={"users.me": 600})  # /me is not cached by default: turn it on
    users = [u["id"] for u in live.dataset["users"][3:5]]
    tokens = [live.mint_token(uid, ["identify", "public"]) for uid in users]
    live.reset_stats()
    clients = [osukit.Client(access_token=t["access_token"], base_url=live.base_url, rate_limit=0, clock=clock,
                             cache=cache) for t in tokens]
    try:
        me = [c.users.me() for c in clients]
        again = [c.users.me() for c in clients]
        profile = [c.users.get(users[0]) for c in clients]
    finally:
        for c in clients:
            c.close()
    assert [m.id for m in me] == users and [m.id for m in again] == users
    assert route_count(live, "api/v2/me/{mode?}") == 2  # one each; the second call of each was a hit
    assert cache.hits == 2
    assert route_count(live, "api/v2/users/{user}/{mode?}") == 2  # a user-scoped route: not shared either
    assert profile[0].id == profile[1].id == users[0]


def test_shared_routes_are_shared_between_users(live: Any) -> None:
    clock = LiveClock()
    cache = ResponseCache()
    ranked, _ = _ranked_and_pending(live)
    tokens = [live.mint_token(u["id"], ["public"]) for u in live.dataset["users"][3:5]]
    live.reset_stats()
    for t in tokens:
        with osukit.Client(access_token=t["access_token"], base_url=live.base_url, rate_limit=0, clock=clock,
                           cache=cache) as osu:
            osu.beatmaps.get(ranked)
    assert route_count(live, "api/v2/beatmaps/{beatmap}") == 1


def test_hits_skip_the_rate_limiter(live: Any) -> None:
    clock = LiveClock()
    limiter = TokenBucket(60, burst=1, clock=clock)
    ranked, _ = _ranked_and_pending(live)
    with _client(live, clock, "memory", rate_limit=limiter) as osu:
        osu.beatmaps.get(ranked)
        before = clock.slept
        for _ in range(50):
            osu.beatmaps.get(ranked)
        assert clock.slept == before  # 50 answers, no slot waited for
        osu.beatmaps.get(ranked + 1 if ranked + 1 in live.state.world.beatmaps else _ranked_and_pending(live)[1])
        assert clock.slept > before  # a miss waits for its slot
    assert osu.cache is not None and osu.cache.hits == 50


def test_async_client_both_transports(live: Any) -> None:
    ranked, _ = _ranked_and_pending(live)

    async def run(backend: str) -> int:
        cache = ResponseCache()
        async with osukit.AsyncClient(client_id=live.client_id, client_secret=live.client_secret,
                                      base_url=live.base_url, rate_limit=0, cache=cache, http_backend=backend) as osu:
            for _ in range(4):
                await osu.beatmaps.get(ranked)
        return cache.hits

    live.reset_stats()
    assert asyncio.run(run("httpx")) == 3
    assert asyncio.run(run("aiohttp")) == 3
    assert route_count(live, "api/v2/beatmaps/{beatmap}") == 2


def test_errors_are_not_cached_and_policy_overrides(live: Any) -> None:
    clock = LiveClock()
    cache = ResponseCache(ttl={"beatmaps.*": 0, "users.get": 900})
    with _client(live, clock, cache) as osu:
        for _ in range(2):
            with pytest.raises(osukit.NotFoundError):
                osu.users.get(999_999_999)
        ranked, _ = _ranked_and_pending(live)
        osu.beatmaps.get(ranked)
        osu.beatmaps.get(ranked)
    assert cache.hits == 0 and cache.stores == 0


def test_policy_defaults_and_coercion(tmp_path: Path) -> None:
    from osukit._route import Route

    cache = ResponseCache()
    r = Route("GET", "api/v2/beatmaps/{beatmap}", "public", "beatmaps.get")
    assert cache.lifetime(r, b'{"status":"ranked"}') == 86400
    assert cache.lifetime(r, b'{"status":"pending"}') == 300
    assert cache.lifetime(Route("GET", "api/v2/news", None, "news.list")) == 3600  # a pattern
    assert cache.lifetime(Route("GET", "api/v2/scores", "public", "scores.recent")) == 0
    assert DEFAULT_TTL["users.get"] == 60
    assert as_response_cache(None) is None
    assert isinstance(as_response_cache("memory"), ResponseCache)
    sqlite_cache = as_response_cache(str(tmp_path / "c.db"))
    assert isinstance(sqlite_cache, ResponseCache) and isinstance(sqlite_cache.backend, SqliteCacheBackend)
    with pytest.raises(osukit.ConfigurationError):
        as_response_cache(42)
    with pytest.raises(osukit.ConfigurationError):
        ResponseCache(ttl={"users.get": -1})


def test_sqlite_cache_file_is_private(tmp_path: Path) -> None:
    path = tmp_path / "c.db"
    SqliteCacheBackend(path)
    assert path.stat().st_mode & 0o777 == 0o600
