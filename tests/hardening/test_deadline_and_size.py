"""Overall deadlines and the response-size cap on every backend (issue 16, Medium).

A loopback server trickles a body one byte a second for 10 s, or sends a gzip/deflate bomb
(256 MiB of zeros in ~250 KB). Every client (sync httpx, async aiohttp, async httpx) must end
the trickle at its deadline with a typed timeout error, and stop the bomb at
``max_response_size`` without buffering it.
Margins: the deadline is 1.5 s and the assertion allows 7 s (the trickle lasts 10 s), which
holds under 4x CPU oversubscription.
"""

from __future__ import annotations

import time
import tracemalloc

import pytest

import osukit
from osukit._transport import Inflater

from ._hostile_server import BACKENDS, HostileServer, bomb, call


@pytest.mark.parametrize("backend", BACKENDS)
def test_trickling_body_ends_at_the_call_deadline(hostile: HostileServer, backend: str) -> None:
    start = time.monotonic()
    with pytest.raises(osukit.DeadlineExceededError) as info:
        call(backend, hostile.url, "trickle", deadline=1.5)
    elapsed = time.monotonic() - start
    assert elapsed < 7, f"{backend}: {elapsed:.1f}s (the trickle lasts 10 s)"
    assert isinstance(info.value, osukit.TimeoutError)
    assert "deadline of 1.5s" in str(info.value)


@pytest.mark.parametrize("backend", BACKENDS)
def test_trickling_body_ends_at_the_request_deadline_without_retries(hostile: HostileServer, backend: str) -> None:
    start = time.monotonic()
    with pytest.raises(osukit.TimeoutError, match=r"^no answer from 127\.0\.0\.1:\d+ within [\d.]+ s \(GET "):
        call(backend, hostile.url, "trickle", request_deadline=1.5, retry=False)
    assert time.monotonic() - start < 7


@pytest.mark.parametrize("backend", ["aiohttp", "httpx"])
def test_trickling_headers_end_at_the_deadline_async(hostile: HostileServer, backend: str) -> None:
    start = time.monotonic()
    with pytest.raises(osukit.TimeoutError):
        call(backend, hostile.url, "trickle-headers", deadline=1.5)
    assert time.monotonic() - start < 7


@pytest.mark.parametrize("backend", BACKENDS)
def test_retries_stop_at_the_call_deadline(hostile: HostileServer, backend: str) -> None:
    # request_deadline 0.6 s per attempt, retries with backoff: the whole call still ends by ~2 s.
    start = time.monotonic()
    with pytest.raises(osukit.DeadlineExceededError):
        call(backend, hostile.url, "trickle", deadline=2.0, request_deadline=0.6,
             retry=osukit.RetryPolicy(max_retries=50, initial_delay=0.05, jitter=False))
    assert time.monotonic() - start < 7


@pytest.mark.parametrize("path", ["gzip-bomb", "deflate-bomb", "big-plain", "big-declared"])
@pytest.mark.parametrize("backend", BACKENDS)
def test_response_size_cap_stops_bombs(hostile: HostileServer, backend: str, path: str) -> None:
    bomb("gzip", hostile.bomb_size), bomb("deflate", hostile.bomb_size)  # built before measuring
    started = not tracemalloc.is_tracing()
    if started:
        tracemalloc.start()
    tracemalloc.reset_peak()
    base, _ = tracemalloc.get_traced_memory()
    try:
        with pytest.raises(osukit.ResponseTooLargeError, match="max_response_size") as info:
            call(backend, hostile.url, path, max_response_size=1 << 20, retry=False)
        _, peak = tracemalloc.get_traced_memory()
        peak -= base
    finally:
        if started:
            tracemalloc.stop()
    # 256 MiB inflated if buffered whole; the cap is 1 MiB (zlib works in ~64 KiB steps).
    assert peak < 24 << 20, f"{backend} {path}: peak {peak >> 20} MiB"
    assert isinstance(info.value, osukit.TransportError)
    assert info.value.method == "GET"


def test_default_cap_is_named_and_documented() -> None:
    from osukit import _constants as C

    assert C.MAX_RESPONSE_SIZE == 64 * 1024 * 1024
    client = osukit.Client(base_url="http://127.0.0.1:9")
    assert client.max_response_size == C.MAX_RESPONSE_SIZE
    assert client.deadline == C.DEFAULT_DEADLINE
    assert client.request_deadline == C.DEFAULT_REQUEST_DEADLINE
    client.close()
    for bad in (0, -1, float("nan"), "10"):
        with pytest.raises(osukit.ConfigurationError):
            osukit.Client(deadline=bad)  # type: ignore[arg-type]


@pytest.mark.parametrize("encoding", ["gzip", "deflate"])
def test_inflater_never_holds_more_than_the_limit(encoding: str) -> None:
    data = bomb(encoding, 64 << 20)
    inflater = Inflater(encoding, 100_000)
    with pytest.raises(osukit.ResponseTooLargeError):
        for i in range(0, len(data), 4096):
            inflater.feed(data[i : i + 4096])
            assert inflater.size <= 100_000


def test_inflater_round_trips_and_refuses_unknown_codings() -> None:
    import gzip
    import zlib

    payload = b'{"id": 1}' * 1000
    for encoding, body in (("gzip", gzip.compress(payload)), ("deflate", zlib.compress(payload)),
                           ("deflate", zlib.compress(payload)[2:-4]), ("identity", payload), (None, payload)):
        inflater = Inflater(encoding, 1 << 20)
        inflater.feed(body)
        assert inflater.finish() == payload, encoding
    with pytest.raises(osukit.TransportError, match="unsupported Content-Encoding"):
        Inflater("br", 1 << 20)
    with pytest.raises(osukit.TransportError, match="corrupt"):
        Inflater("gzip", 1 << 20).feed(b"not gzip at all")
