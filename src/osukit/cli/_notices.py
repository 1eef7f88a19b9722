"""What the command line says on stderr while it works: retries and slow answers (one line each), and
the client's warnings, without tracebacks or secrets.

The client logs each retry it is about to make at INFO on the ``osukit`` logger with a
[`RetryNotice`][osukit.retry.RetryNotice] attached (``record.osukit_retry``); this handler prints
``osukit: no answer from osu.ppy.sh after 30 s; retrying (1/3)…`` from it. ``--debug`` shows the full
logs instead.
"""

from __future__ import annotations

import logging
import math
import sys
from collections.abc import Callable
from typing import Any

from .._constants import DEFAULT_DEADLINE, DEFAULT_MAX_RETRIES

__all__ = ["NoticeHandler", "install", "timeout_kwargs"]


class NoticeHandler(logging.Handler):
    """Prints retry notices (one line each) and WARNING-or-worse records of the ``osukit`` logger to stderr.

    Warnings are printed as Python's last-resort handler would (the message alone): installing this
    handler keeps them visible.
    """

    said_by_commands: set[str] = set()
    """Loggers whose warnings a command prints itself, in its own words (the tracker's "not found,
    skipped"): not said twice."""

    def emit(self, record: logging.LogRecord) -> None:
        if record.name in self.said_by_commands:
            return
        try:
            notice = getattr(record, "osukit_retry", None)
            if notice is not None:
                wait = f" in {notice.delay:.0f} s" if notice.delay >= 1.5 else ""
                line = f"osukit: {notice.cause}; retrying{wait} ({notice.attempt}/{notice.retries})…"
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


def timeout_kwargs(seconds: float | None) -> dict[str, Any]:
    """Client keywords for ``--timeout SECONDS``: each attempt waits at most ``seconds`` for its whole
    answer (read timeout and per-request deadline); the retries keep room (an overall deadline of at
    least one ``seconds`` per attempt, never below the default)."""
    if seconds is None:
        return {}
    overall = max(DEFAULT_DEADLINE, seconds * (DEFAULT_MAX_RETRIES + 1) + 60)
    return {"timeout": seconds, "request_deadline": seconds, "deadline": overall}


def parse_timeout(value: Any, where: str) -> float:
    """A ``timeout`` setting as seconds > 0.

    Raises:
        ConfigurationError: not a positive finite number.
    """
    from .._exceptions import ConfigurationError

    try:
        seconds = float(value)
    except (TypeError, ValueError):
        seconds = math.nan
    if not (math.isfinite(seconds) and seconds > 0):
        raise ConfigurationError(f"timeout{where} must be a number of seconds > 0, not {value!r}")
    return seconds
