"""Fixtures for the scale-out tests: a real redis-server on a free loopback port.

Without a ``redis-server`` binary these tests skip, except in CI (``CI`` set), where
``.ci/run`` installs it and a missing binary is a failure.
"""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from ._servers import CountingServer, RedisServer, in_ci, redis_available

pytest.importorskip("redis")


@pytest.fixture(scope="session")
def redis_server() -> Iterator[RedisServer]:
    if not redis_available():
        if in_ci():
            pytest.fail("redis-server is not installed (CI must install it: apt-get install redis-server)")
        pytest.skip("redis-server is not installed (apt-get install redis-server); CI fails instead of skipping")
    server = RedisServer()
    server.start()
    yield server
    server.close()


@pytest.fixture
def redis_url(redis_server: RedisServer) -> Iterator[str]:
    import redis

    if redis_server.proc is None:  # a test stopped it: bring it back
        redis_server.start()
    client = redis.Redis.from_url(redis_server.url)
    client.flushall()
    client.close()
    yield redis_server.url


@pytest.fixture
def own_redis() -> Iterator[RedisServer]:
    """A redis-server of the test's own, which the test may stop and restart."""
    if not redis_available():
        if in_ci():
            pytest.fail("redis-server is not installed (CI must install it: apt-get install redis-server)")
        pytest.skip("redis-server is not installed (apt-get install redis-server); CI fails instead of skipping")
    server = RedisServer()
    server.start()
    yield server
    server.close()


@pytest.fixture
def api_server() -> Iterator[CountingServer]:
    with CountingServer() as srv:
        yield srv
