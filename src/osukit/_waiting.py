"""Said while one request waits long: ``still waiting for osu.ppy.sh (10 s)…``.

A retry is said as it happens (`osukit.retry.log_retry`); one attempt that takes long (a large
``timeout`` against a slow server) would be silent. While an attempt is in flight, a watchdog logs a
`WaitNotice` at INFO on the ``osukit`` logger (the record's ``osukit_wait``) once after
`STILL_WAITING_AFTER` seconds, then every `STILL_WAITING_EVERY` seconds until the answer comes. The
command line prints one line from each; a library user sees them only when they turn the ``osukit``
logger to INFO (at the default WARNING nothing is armed: no timer, no cost).

`StillWaiting` is the sync watchdog (a timer thread); `AsyncStillWaiting` the async one (the event
loop's ``call_later``). Both are plain context managers around one attempt, so the generated sync
client (scripts/unasync.py turns ``AsyncStillWaiting`` into ``StillWaiting``) uses the same line.
"""

from __future__ import annotations

import logging
import threading
import time
from typing import TYPE_CHECKING, Any, NamedTuple

if TYPE_CHECKING:
    import asyncio

__all__ = ["STILL_WAITING_AFTER", "STILL_WAITING_EVERY", "AsyncStillWaiting", "StillWaiting", "WaitNotice"]

STILL_WAITING_AFTER = 10.0
"""Seconds one attempt waits before the first "still waiting" notice (read at each attempt: tests lower it)."""

STILL_WAITING_EVERY = 30.0
"""Seconds between the later notices of the same attempt."""


class WaitNotice(NamedTuple):
    """One attempt still in flight: ``host`` (``host[:port]``, never a secret) has not answered for
    ``waited`` seconds. The ``osukit_wait`` attribute of the INFO record the watchdog logs."""

    host: str
    waited: float


class _Watchdog:
    def __init__(self, log: logging.Logger, what: object, url: str) -> None:
        self._log = log
        self._what = what
        self._url = url
        self._start = 0.0
        self._done = False
        self._armed = False

    def _begin(self) -> bool:
        if not self._log.isEnabledFor(logging.INFO):
            return False  # nobody would see it: arm nothing
        self._start = time.monotonic()
        self._armed = True
        return True

    def _say(self) -> None:
        from .retry import _host

        waited = time.monotonic() - self._start
        host = _host(self._url)
        self._log.info("%s: still waiting for %s after %.3gs", self._what, host, waited,
                       extra={"osukit_wait": WaitNotice(host, waited)})


class StillWaiting(_Watchdog):
    """The sync watchdog around one attempt (a daemon timer thread, only when INFO is enabled)."""

    def __init__(self, log: logging.Logger, what: object, url: str) -> None:
        super().__init__(log, what, url)
        self._lock = threading.Lock()
        self._timer: threading.Timer | None = None

    def _arm(self, delay: float) -> None:
        self._timer = threading.Timer(delay, self._fire)
        self._timer.daemon = True
        self._timer.start()

    def _fire(self) -> None:
        with self._lock:
            if self._done:
                return
            self._say()
            self._arm(STILL_WAITING_EVERY)

    def __enter__(self) -> StillWaiting:
        if self._begin():
            self._arm(STILL_WAITING_AFTER)
        return self

    def __exit__(self, *exc: object) -> None:
        if not self._armed:
            return
        with self._lock:
            self._done = True
            if self._timer is not None:
                self._timer.cancel()


class AsyncStillWaiting(_Watchdog):
    """The async watchdog around one attempt (``loop.call_later``, only when INFO is enabled)."""

    def __init__(self, log: logging.Logger, what: object, url: str) -> None:
        super().__init__(log, what, url)
        self._handle: Any = None
        self._loop: asyncio.AbstractEventLoop | None = None

    def _fire(self) -> None:
        if self._done or self._loop is None:
            return
        self._say()
        self._handle = self._loop.call_later(STILL_WAITING_EVERY, self._fire)

    def __enter__(self) -> AsyncStillWaiting:
        if self._begin():
            import asyncio  # here, not at import: the sync client never loads asyncio

            self._loop = asyncio.get_running_loop()
            self._handle = self._loop.call_later(STILL_WAITING_AFTER, self._fire)
        return self

    def __exit__(self, *exc: object) -> None:
        self._done = True
        if self._handle is not None:
            self._handle.cancel()
