"""A Retry-After is bounded: what a limiter learns never freezes a client (issue 16, High).

Every example from the issue runs on the fake clock, so "blocks for decades" shows up as a
recorded sleep instead of a real one: the assertions say no sleep longer than the bound
ever happens and a too-long wait fails at once with a typed error.
"""

from __future__ import annotations

import asyncio
import datetime as dt
from email.utils import format_datetime

import httpx
import pytest

import osukit
from osukit import RateLimitError, TokenBucket
from osukit._constants import MAX_RETRY_AFTER
from osukit.ratelimit import server_wait
from osukit.retry import RetryPolicy, parse_retry_after

from ..core.conftest import FakeClock

DATE_2099 = format_datetime(dt.datetime(2099, 1, 1, tzinfo=dt.timezone.utc), usegmt=True)

# (header value, what parse_retry_after answers)
PARSED = [
    ("1000000000", 1e9),
    ("3600", 3600.0),
    ("2.5", 2.5),
    ("0", 0.0),
    ("-5", 0.0),
    ("inf", None),
    ("-inf", None),
    ("Infinity", None),
    ("nan", None),
    ("NaN", None),
    ("1e400", None),  # float overflow -> inf
    ("garbage", None),
    ("", None),
    ("   ", None),
    ("Wed, 32 Foo 2024 99:99:99 GMT", None),
    ("Mon, 01 Jan 0001 00:00:00 GMT", 0.0),  # a date in the past
]


@pytest.mark.parametrize(("value", "expected"), PARSED)
def test_parse_retry_after_ignores_what_cannot_be_waited_for(value: str, expected: float | None) -> None:
    assert parse_retry_after(value, now=1_700_000_000.0) == expected


def test_parse_retry_after_date_in_2099_is_decades() -> None:
    seconds = parse_retry_after(DATE_2099, now=1_700_000_000.0)
    assert seconds is not None and seconds > 70 * 365 * 86400


BOUNDED_INPUTS = ["1000000000", DATE_2099, "3600", "121", "1e300", "99999999999999999999"]


@pytest.mark.parametrize("value", BOUNDED_INPUTS)
def test_token_bucket_refuses_fast_instead_of_sleeping(value: str) -> None:
    clock = FakeClock()
    clock.now = 1_700_000_000.0
    bucket = TokenBucket(60, clock=clock)
    bucket.observe({"retry-after": value})
    with pytest.raises(RateLimitError) as info:
        bucket.acquire()
    assert clock.sleeps == []  # not one second slept
    assert "max_retry_after 120s" in str(info.value)
    assert "osu! asked to wait" in str(info.value)
    assert info.value.retry_after is not None and 0 < info.value.retry_after <= MAX_RETRY_AFTER
    # The block itself is bounded: once max_retry_after has passed, requests flow again.
    clock.advance(MAX_RETRY_AFTER + 0.001)
    bucket.acquire()
    assert all(s <= MAX_RETRY_AFTER for s in clock.sleeps)


def test_token_bucket_refusal_names_the_wait() -> None:
    clock = FakeClock()
    bucket = TokenBucket(60, clock=clock)
    bucket.observe({"retry-after": "1000000000"})
    with pytest.raises(RateLimitError, match="1000000000s"):
        bucket.acquire()


@pytest.mark.parametrize("value", ["inf", "-inf", "nan", "garbage", "-30", "1e400", ""])
def test_token_bucket_ignores_unusable_values_sync_and_async(value: str) -> None:
    clock = FakeClock()
    bucket = TokenBucket(60, clock=clock)
    bucket.observe({"retry-after": value})
    if value not in ("-30", ""):
        bucket.observe({"x-ratelimit-remaining": value})
    bucket.acquire()  # used to be a bare OverflowError for inf

    async def run() -> None:
        await asyncio.wait_for(bucket.aacquire(), 10)  # used to hang for inf

    asyncio.run(run())
    assert clock.sleeps == []


def test_token_bucket_honours_a_retry_after_within_the_bound() -> None:
    clock = FakeClock()
    bucket = TokenBucket(60, clock=clock)
    bucket.observe({"retry-after": "30"})
    bucket.acquire()
    assert clock.sleeps == [pytest.approx(30.0)]


def test_max_retry_after_is_a_policy_value() -> None:
    clock = FakeClock()
    bucket = TokenBucket(60, clock=clock, max_retry_after=600)
    bucket.observe({"retry-after": "300"})
    bucket.acquire()
    assert clock.sleeps == [pytest.approx(300.0)]
    with pytest.raises(osukit.InvalidParameterError):
        TokenBucket(60, max_retry_after=float("inf"))
    with pytest.raises(osukit.InvalidParameterError):
        TokenBucket(60, max_retry_after=float("nan"))


def test_server_wait_bounds() -> None:
    assert server_wait(None, 120) == (0.0, None)
    assert server_wait(0.0, 120) == (0.0, None)
    assert server_wait(30.0, 120) == (30.0, None)
    assert server_wait(1e9, 120) == (120.0, 1e9)


def _answers(status: int, retry_after: str, seen: list[httpx.Request]) -> httpx.MockTransport:
    def handler(request: httpx.Request) -> httpx.Response:
        seen.append(request)
        return httpx.Response(status, json={"id": 1, "error": None} if status >= 400 else {"id": 1},
                              headers={"retry-after": retry_after})

    return httpx.MockTransport(handler)


def test_3600_on_a_200_does_not_block_the_next_call_sync() -> None:
    clock = FakeClock()
    seen: list[httpx.Request] = []
    with osukit.Client(access_token="t" * 20, base_url="https://osu.test", transport=_answers(200, "3600", seen),
                       clock=clock) as osu:
        for _ in range(5):
            osu.request("GET", "api/v2/me")
    assert len(seen) == 5
    assert all(s < 1.5 for s in clock.sleeps), clock.sleeps


def test_3600_on_a_200_does_not_block_the_next_call_async() -> None:
    clock = FakeClock()
    seen: list[httpx.Request] = []

    async def run() -> None:
        async with osukit.AsyncClient(access_token="t" * 20, base_url="https://osu.test",
                                      transport=_answers(200, "3600", seen), clock=clock) as osu:
            for _ in range(5):
                await asyncio.wait_for(osu.request("GET", "api/v2/me"), 10)

    asyncio.run(run())
    assert len(seen) == 5
    assert all(s < 1.5 for s in clock.sleeps), clock.sleeps


@pytest.mark.parametrize("value", ["1000000000", DATE_2099])
def test_429_with_a_huge_retry_after_fails_at_once_and_later_calls_too(value: str) -> None:
    clock = FakeClock()
    seen: list[httpx.Request] = []
    with osukit.Client(access_token="t" * 20, base_url="https://osu.test", transport=_answers(429, value, seen),
                       clock=clock) as osu:
        with pytest.raises(RateLimitError):
            osu.request("GET", "api/v2/me")
        assert len(seen) == 1
        with pytest.raises(RateLimitError, match="max_retry_after"):
            osu.request("GET", "api/v2/me")  # the limiter refuses at once, nothing is sent
        assert len(seen) == 1
        clock.advance(MAX_RETRY_AFTER + 1)
        with pytest.raises(RateLimitError):
            osu.request("GET", "api/v2/me")  # the server is asked again (bounded block is over)
        assert len(seen) == 2
    assert all(s <= MAX_RETRY_AFTER for s in clock.sleeps), clock.sleeps


@pytest.mark.parametrize("value", ["inf", "nan", "garbage"])
def test_429_with_an_unusable_retry_after_backs_off_normally(value: str) -> None:
    clock = FakeClock()
    seen: list[httpx.Request] = []

    async def run() -> None:
        async with osukit.AsyncClient(access_token="t" * 20, base_url="https://osu.test",
                                      transport=_answers(429, value, seen), clock=clock,
                                      retry=RetryPolicy(max_retries=2, jitter=False)) as osu:
            with pytest.raises(RateLimitError):
                await asyncio.wait_for(osu.request("GET", "api/v2/me"), 10)
            # and the next call is not frozen either
            with pytest.raises(RateLimitError):
                await asyncio.wait_for(osu.request("GET", "api/v2/me"), 10)

    asyncio.run(run())
    assert len(seen) == 6
    assert max(clock.sleeps) < 10, clock.sleeps


def test_maintenance_503_with_a_long_retry_after_is_not_slept_through() -> None:
    clock = FakeClock()
    seen: list[httpx.Request] = []
    with osukit.Client(access_token="t" * 20, base_url="https://osu.test", transport=_answers(503, "86400", seen),
                       clock=clock) as osu:
        with pytest.raises(osukit.ServerError):
            osu.request("GET", "api/v2/me")
        with pytest.raises(RateLimitError, match="86400s"):
            osu.request("GET", "api/v2/me")
    assert len(seen) == 1
    assert clock.sleeps == []
