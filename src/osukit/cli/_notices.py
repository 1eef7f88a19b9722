"""What the command line says on stderr while it works: retries and slow answers (one line each), and
the client's warnings, without tracebacks or secrets.

One attempt that waits long is said too: the client's watchdog (`osukit._waiting`) logs a
`WaitNotice` (``record.osukit_wait``) after `STILL_WAITING_AFTER` seconds and then every
`STILL_WAITING_EVERY`; this handler prints ``osukit: still waiting for osu.ppy.sh (10 s)…``.

The client logs each retry it is about to make at INFO on the ``osukit`` logger with a
[`RetryNotice`][osukit.retry.RetryNotice] attached (``record.osukit_retry``); this handler prints
``osukit: no answer from osu.ppy.sh after 30 s; retrying (1/3)…`` from it. ``--debug`` shows the full
logs instead.
"""

from __future__ import annotations

import logging
import sys
from collections.abc import Callable

from ..retry import _seconds

__all__ = ["SAID_BY_COMMANDS", "NoticeHandler", "install"]


SAID_BY_COMMANDS = frozenset({"osukit.track"})
"""Loggers whose warnings the commands print themselves, in their own words on stdout (the tracker's
"user N not found, skipped" in ``osukit track …``): not said a second time on stderr."""


class NoticeHandler(logging.Handler):
    """Prints retry notices (one line each) and WARNING-or-worse records of the ``osukit`` logger to stderr.

    Warnings are printed as Python's last-resort handler would (the message alone): installing this
    handler keeps them visible.
    """

    def emit(self, record: logging.LogRecord) -> None:
        if record.name in SAID_BY_COMMANDS:
            return
        try:
            notice = getattr(record, "osukit_retry", None)
            if notice is not None:
                wait = f" in {notice.delay:.0f} s" if notice.delay >= 1.5 else ""
                line = f"osukit: {notice.cause}; retrying{wait} ({notice.attempt}/{notice.retries})…"
            elif (waiting := getattr(record, "osukit_wait", None)) is not None:
                line = f"osukit: still waiting for {waiting.host} ({_seconds(waiting.waited)})…"
            elif record.levelno >= logging.WARNING:
                line = record.getMessage()
            else:
                return
            stream = sys.stderr
            stream.write(line + "\n")
            stream.flush()
        except Exception:  # a logging handler never breaks the command
            self.handleError(record)


def install() -> Callable[[], None]:
    """Attach the notice handler to the ``osukit`` logger, with secrets redacted; returns the function
    that takes it off again and restores the logger's level (a command run inside another program, or a
    test, leaves the logging as it found it)."""
    from .._redact import SecretFilter

    log = logging.getLogger("osukit")
    if any(isinstance(h, NoticeHandler) for h in log.handlers):
        return lambda: None
    handler = NoticeHandler(logging.INFO)
    handler.addFilter(SecretFilter())
    level = log.level
    log.addHandler(handler)
    if log.getEffectiveLevel() > logging.INFO:
        log.setLevel(logging.INFO)

    def uninstall() -> None:
        log.removeHandler(handler)
        log.setLevel(level)

    return uninstall
