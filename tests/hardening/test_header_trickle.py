"""The total deadline holds while the status line and headers trickle in one byte every 0.3 s
(issue 16, "No overall deadline"): each read is well inside httpx's per-read timeout, so only the
total deadline can end the call. Every backend (sync httpx, async aiohttp, async httpx) must end
it at ``deadline`` with ``DeadlineExceededError`` (or, with ``request_deadline`` and no retries,
a ``TimeoutError`` naming the request deadline).

Margins: the deadline is 2 s, the assertion allows 10 s, the trickle lasts ~40 s.
"""

from __future__ import annotations

import time

import httpx
import pytest

import osukit
from osukit._transport import _DeadlineBackend, bound_by_deadline

from ._hostile_server import BACKENDS, HostileServer, call


def test_the_trickle_is_slower_than_the_margin() -> None:
    assert len(HostileServer.SLOW_HEAD) * HostileServer.HEAD_BYTE_GAP > 30


@pytest.mark.parametrize("backend", BACKENDS)
def test_header_trickle_ends_at_the_call_deadline(hostile: HostileServer, backend: str) -> None:
    start = time.monotonic()
    with pytest.raises(osukit.DeadlineExceededError) as info:
        call(backend, hostile.url, "trickle-head-bytes", deadline=2)
    elapsed = time.monotonic() - start
    assert elapsed < 10, f"{backend}: {elapsed:.1f}s (the trickle lasts ~40 s)"
    assert "deadline of 2s" in str(info.value)


@pytest.mark.parametrize("backend", BACKENDS)
def test_header_trickle_ends_at_the_request_deadline(hostile: HostileServer, backend: str) -> None:
    start = time.monotonic()
    with pytest.raises(osukit.TimeoutError, match=r"^no answer from 127\.0\.0\.1:\d+ within [\d.]+ s \(GET "):
        call(backend, hostile.url, "trickle-head-bytes", request_deadline=2, retry=False)
    assert time.monotonic() - start < 10


def test_header_trickle_sync_pool_and_proxy_mounts_are_bounded(hostile: HostileServer,
                                                               monkeypatch: pytest.MonkeyPatch) -> None:
    # the environment's proxies become httpx mounts: each gets the bounded backend too
    monkeypatch.setenv("HTTPS_PROXY", "http://127.0.0.1:9")
    with osukit.Client(base_url=hostile.url, rate_limit=0) as osu:
        http = osu._http
        pools = [http._transport, *http._mounts.values()]
        assert len(pools) >= 2
        assert all(isinstance(t._pool._network_backend, _DeadlineBackend) for t in pools
                   if isinstance(t, httpx.HTTPTransport))
    with osukit.ClientPool(client_id=1, client_secret="s", base_url=hostile.url, rate_limit=0) as pool:
        assert isinstance(pool._http._transport._pool._network_backend, _DeadlineBackend)
    # an async client is left alone (its exchange is cancelled as a whole)
    ahttp = httpx.AsyncClient()
    assert bound_by_deadline(ahttp) is ahttp


def test_a_fast_answer_after_a_bounded_exchange_is_unaffected(hostile: HostileServer) -> None:
    # the deadline is per exchange: a keep-alive connection reused later is not cut short
    with osukit.Client(base_url=hostile.url, rate_limit=0, deadline=2) as osu, pytest.raises(osukit.NotFoundError):
        osu.request("GET", "nothing-here")
