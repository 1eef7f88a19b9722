"""When to retry a request, and how long to wait first.

A [`RetryPolicy`][osukit.RetryPolicy] is a small immutable object; pass your own to a client
(``Client(retry=RetryPolicy(max_retries=5))``), ``retry=False`` to turn retries
off, or subclass it and override [`RetryPolicy.decide`][osukit.retry.RetryPolicy.decide]. Every decision is
logged at DEBUG on the ``osukit`` logger.
"""

from __future__ import annotations

import logging
import math
import random
from collections.abc import Collection
from dataclasses import dataclass, field
from typing import NamedTuple

import httpx

from ._constants import DEFAULT_MAX_RETRIES, INITIAL_RETRY_DELAY, MAX_RETRY_AFTER, MAX_RETRY_DELAY
from ._transport import ResponseLike

__all__ = ["RetryDecision", "RetryNotice", "RetryPolicy", "log_retry", "parse_retry_after", "retry_cause"]

logger = logging.getLogger("osukit.retry")

IDEMPOTENT_METHODS = frozenset({"GET", "HEAD", "OPTIONS", "PUT", "DELETE"})


class RetryDecision(NamedTuple):
    """What [`RetryPolicy.decide`][osukit.retry.RetryPolicy.decide] answered: retry or not, after how long, and why."""

    retry: bool
    delay: float
    reason: str


class RetryNotice(NamedTuple):
    """A retry about to happen, as the ``osukit_retry`` attribute of the INFO record the client logs on the
    ``osukit`` logger just before it waits ``delay`` seconds (the command line prints one line from it).

    ``cause`` says what went wrong in words (no URL query, no secret); ``attempt`` is the retry's number
    (1-based) of at most ``retries``."""

    cause: str
    attempt: int
    retries: int
    delay: float


def log_retry(log: logging.Logger, what: str, cause: str, attempt: int, retries: int, delay: float) -> None:
    """Log a retry about to happen at INFO on ``log``, with its `RetryNotice` as the record's
    ``osukit_retry`` attribute: the one place API calls and token requests say it (``what`` names the
    request, redacted; the command line prints one line from the notice)."""
    log.info("%s: %s; retry %d of %d in %.3gs", what, cause, attempt, retries, delay,
             extra={"osukit_retry": RetryNotice(cause, attempt, retries, delay)})


def _host(url: str) -> str:
    """``host[:port]`` of ``url``, without user info (never a secret)."""
    from urllib.parse import urlsplit

    try:
        parts = urlsplit(url)
        host = parts.hostname or "the server"
        return f"{host}:{parts.port}" if parts.port else host
    except ValueError:
        return "the server"


def _seconds(value: float) -> str:
    return f"{value:.0f} s" if value >= 9.95 else f"{value:.1f} s"


def retry_cause(url: str, *, error: BaseException | None = None, status: int | None = None,
                waited: float = 0.0, malformed: bool = False) -> str:
    """What made a request worth retrying, in words naming the server (``url``'s host) but no secret and no
    class name, as `failure_words` says the final error: ``no answer from osu.ppy.sh after 30 s``,
    ``could not connect to osu.ppy.sh``, ``the connection to osu.ppy.sh broke``, ``osu.ppy.sh answered 503``…
    The error's class (``ConnectError``, ``RemoteProtocolError``…) is logged at DEBUG on ``osukit.retry``."""
    host = _host(url)
    if error is not None:
        logger.debug("retry cause at %s: %s", host, type(error).__name__)
    if malformed:
        return f"{host} sent a broken answer"
    if status is not None:
        if status == 429:
            return f"{host} is rate limiting (429)"
        return f"{host} answered {status}"
    return _error_words(host, error, waited, "after")


FAILURE_PREFIXES = ("could not connect to ", "no free connection to ", "no answer from ", "the connection to ")
"""How `failure_words` begins: the CLI shows such a message as its whole error line."""


def failure_words(url: str, error: BaseException, waited: float) -> str:
    """Why a request failed for good, in words naming the server (no class name, no secret); the
    message of the final `TimeoutError` / `TransportError`: ``no answer from osu.ppy.sh within 5 s``,
    ``could not connect to osu.ppy.sh``, ``the connection to osu.ppy.sh broke`` (it was reached, then
    the connection dropped or the answer was cut)."""
    return _error_words(_host(url), error, waited, "within")


def _error_words(host: str, error: BaseException | None, waited: float, when: str) -> str:
    """A transport error in words: ``when`` is ``"after"`` (a retry's cause) or ``"within"`` (the final
    error, which also says how long a connect timeout waited)."""
    if isinstance(error, httpx.ConnectTimeout) and when == "within":
        return f"could not connect to {host} within {_seconds(waited)}"
    if isinstance(error, (httpx.ConnectError, httpx.ConnectTimeout)):
        return f"could not connect to {host}"
    if isinstance(error, httpx.PoolTimeout):
        return f"no free connection to {host} {when} {_seconds(waited)}"
    if isinstance(error, httpx.TimeoutException):
        return f"no answer from {host} {when} {_seconds(waited)}"
    return f"the connection to {host} broke"


def parse_retry_after(value: str | None, *, now: float | None = None) -> float | None:
    """Seconds from a ``Retry-After`` header (delta-seconds, a float, or an HTTP date).

    Returns ``None`` for a missing or unusable value (garbage, ``inf``, ``nan``, an
    unparseable date) and ``0.0`` for a negative value or a date in the past. The value is
    not bounded here: limiters and `RetryPolicy` compare it with ``max_retry_after``.
    """
    if not value:
        return None
    value = value.strip()
    try:
        # osu-web sends integers; floats are accepted because proxies sometimes send them.
        seconds = float(value)
    except ValueError:
        from email.utils import parsedate_to_datetime

        try:
            when = parsedate_to_datetime(value)
        except (TypeError, ValueError, IndexError, OverflowError):
            return None
        if when is None:
            return None
        import time as _time

        try:
            seconds = when.timestamp() - (now if now is not None else _time.time())
        except (OverflowError, OSError, ValueError):
            return None
    if not math.isfinite(seconds):  # inf, nan: nothing a client can wait for
        return None
    return max(seconds, 0.0)


@dataclass(frozen=True)
class RetryPolicy:
    """Retry connection failures, timeouts, 429 and 502/503/504 with capped exponential backoff.

    **Parameters**

    * **max_retries** - retries after the first attempt (0 disables retrying).
    * **initial_delay** / **max_delay** - backoff starts at ``initial_delay`` and doubles, capped.
    * **jitter** - multiply each backoff by a random factor in [0.5, 1] so clients spread out.
    * **retry_statuses** - statuses worth another try.
    * **methods** - methods retried after a status or a broken connection; 429 (not processed)
      and connect errors (never sent) are retried for every method.
    * **max_retry_after** - a server ``Retry-After`` longer than this is not slept through.
    """

    max_retries: int = DEFAULT_MAX_RETRIES
    initial_delay: float = INITIAL_RETRY_DELAY
    max_delay: float = MAX_RETRY_DELAY
    jitter: bool = True
    retry_statuses: Collection[int] = field(default=frozenset({429, 502, 503, 504}))
    methods: Collection[str] = field(default=IDEMPOTENT_METHODS)
    max_retry_after: float = MAX_RETRY_AFTER

    def backoff(self, attempt: int) -> float:
        """The pause before retry number ``attempt`` (1-based) when the server gave no hint."""
        delay: float = min(self.max_delay, self.initial_delay * (2 ** max(attempt - 1, 0)))
        if self.jitter:
            delay *= 0.5 + random.random() / 2
        return delay

    def decide(
        self,
        attempt: int,
        method: str,
        *,
        response: ResponseLike | None = None,
        error: BaseException | None = None,
    ) -> RetryDecision:
        """Decide whether attempt number ``attempt`` (1-based) of a failed request should be retried."""
        if attempt > self.max_retries:
            return RetryDecision(False, 0.0, f"gave up after {self.max_retries} retries")
        method = method.upper()
        if response is not None:
            status = response.status_code
            if status not in self.retry_statuses:
                return RetryDecision(False, 0.0, f"status {status} is not retryable")
            if status != 429 and method not in self.methods:
                return RetryDecision(False, 0.0, f"{method} is not idempotent")
            hint = parse_retry_after(response.headers.get("retry-after"))
            if hint is not None:
                if hint > self.max_retry_after:
                    return RetryDecision(
                        False, hint, f"Retry-After {hint:.0f}s exceeds max_retry_after {self.max_retry_after:.0f}s"
                    )
                return RetryDecision(True, hint, f"status {status}, server asked to wait {hint:g}s")
            return RetryDecision(True, self.backoff(attempt), f"status {status}")
        if error is not None:
            if isinstance(error, (httpx.ConnectError, httpx.ConnectTimeout, httpx.PoolTimeout)):
                return RetryDecision(True, self.backoff(attempt), f"{type(error).__name__} (request not sent)")
            if isinstance(error, httpx.TransportError):
                if method not in self.methods:
                    return RetryDecision(False, 0.0, f"{type(error).__name__} on non-idempotent {method}")
                return RetryDecision(True, self.backoff(attempt), type(error).__name__)
            return RetryDecision(False, 0.0, f"{type(error).__name__} is not retryable")
        return RetryDecision(False, 0.0, "nothing to retry")


NO_RETRY = RetryPolicy(max_retries=0)
