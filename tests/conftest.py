"""Test-run wide hooks.

* **Secret scan.** Every log record of the whole run (every logger tree osukit drives, at DEBUG:
  osukit, httpx, httpcore, websockets, aiohttp, uvicorn, redis, hpack …),
  every test's captured stdout/stderr/log and every failure text is scanned for the emulator's
  client secrets and API keys and for every access/refresh token an emulator minted. A hit fails
  the run, naming the test.
* **Figures.** The reliability suites count what they do (``tests/_figures.py``); the counts are
  printed after the run and written as JSON to ``$OSUKIT_FIGURES`` when set.
"""

from __future__ import annotations

import faulthandler
import json
import logging
import os
import re
import traceback
from pathlib import Path
from typing import Any

import pytest

from ._figures import FIGURES, count, put
from ._helpers import SHARED

_NEEDS_SHARED = re.compile(r"\b(?:SHARED|CORPUS|CASES|corpus_bytes|corpus_index)\b|\.\./shared")
"""How a test module shows it reads ``../shared`` (the real osu! responses and users' failing inputs
kept beside the repository, not in it)."""
_LEFT_OUT: list[str] = []


def pytest_ignore_collect(collection_path: Path, config: pytest.Config) -> bool | None:
    """Without ``../shared`` (a fresh clone of the repository alone), the modules that read it are left
    out, and the summary says so; with ``OSUKIT_REQUIRE_SHARED=1`` (CI) the run stops instead."""
    if SHARED.is_dir() or collection_path.suffix != ".py" or not collection_path.name.startswith("test_"):
        return None
    try:
        text = collection_path.read_text(encoding="utf-8")
    except OSError:
        return None
    if _NEEDS_SHARED.search(text):
        _LEFT_OUT.append(collection_path.name)
        return True
    return None

# --- what counts as a secret -----------------------------------------------------------------

_STATIC: set[str] = set()  # emulator client secrets and API keys (few, checked as substrings)
_TOKENS: set[str] = set()  # every token minted (many, found by their shape, then looked up)
_TOKEN_SHAPE = re.compile(r"emur?\.[A-Za-z0-9_-]{20,}")
_HITS: list[str] = []


def _install_recorders() -> None:
    try:
        from osukit.emulator.app import State
    except ImportError:  # pragma: no cover - the emulator extra is part of [dev]
        return
    init, mint = State.__init__, State.mint

    def recording_init(self: Any, *args: Any, **kwargs: Any) -> None:
        init(self, *args, **kwargs)
        _STATIC.update((self.world.client_secret, self.world.api_key))

    def recording_mint(self: Any, *args: Any, **kwargs: Any) -> dict[str, Any]:
        body = mint(self, *args, **kwargs)
        _TOKENS.update(v for k, v in body.items() if k in ("access_token", "refresh_token"))
        return body

    State.__init__ = recording_init  # type: ignore[method-assign]
    State.mint = recording_mint  # type: ignore[method-assign]


def _scan(text: str, where: str) -> None:
    if not text:
        return
    count("secret scan", "texts scanned")
    count("secret scan", "characters scanned", len(text))
    for secret in _STATIC:
        if secret in text:
            _HITS.append(f"{where}: an emulator client secret or API key")
    for token in _TOKEN_SHAPE.findall(text):
        if token in _TOKENS:
            _HITS.append(f"{where}: a minted token")


class _ScanHandler(logging.Handler):
    def __init__(self) -> None:
        super().__init__(logging.DEBUG)
        self.setFormatter(logging.Formatter("%(name)s %(levelname)s %(message)s"))
        self.current = "(between tests)"

    def emit(self, record: logging.LogRecord) -> None:
        try:
            text = self.format(record)
        except Exception:  # a broken log call is the test's business, not the scan's
            text = str(record.msg)
        count("secret scan", "log records")
        _scan(text, f"log record of {self.current}")


_HANDLER = _ScanHandler()
def _loggers() -> tuple[str, ...]:
    from osukit._redact import REDACTED_LOGGERS

    return REDACTED_LOGGERS


_REAL_STDERR = 2
"""A copy of the terminal's stderr made before output capture (the watchdog's stacks must not go
to a capture file that dies with the process)."""


def pytest_configure(config: pytest.Config) -> None:
    global _REAL_STDERR
    _REAL_STDERR = os.dup(2)
    if os.environ.get("OSUKIT_REQUIRE_SHARED") and not SHARED.is_dir():
        raise pytest.UsageError(f"OSUKIT_REQUIRE_SHARED is set but {SHARED} (the real osu! responses and "
                                "users' cases beside the repository) is missing")
    _install_recorders()
    # Every logger tree osukit drives is raised to DEBUG, so the scan sees what a ``--debug`` user
    # would (websockets logs request headers there, httpcore the raw headers …).
    for name in _loggers():
        logger = logging.getLogger(name)
        logger.addHandler(_HANDLER)
        logger.setLevel(logging.DEBUG)


HANG_SECONDS = float(os.environ.get("OSUKIT_TEST_HANG_SECONDS", "900"))
"""A backstop under pytest-timeout (300 s per test): a test that has not ended after this long has
the stacks of every thread printed and the run ended, rather than eating CI's whole budget.
pytest-timeout's alarm alone is not enough: once, a thread deadlocked against itself inside a
finalizer, the alarm's exception was raised (and swallowed) there, and the run hung for good.
faulthandler's watchdog is a C thread, so it fires whatever the Python threads are doing."""


@pytest.hookimpl(hookwrapper=True)
def pytest_runtest_protocol(item: pytest.Item, nextitem: Any) -> Any:
    _HANDLER.current = item.nodeid
    faulthandler.dump_traceback_later(HANG_SECONDS, exit=True, file=_REAL_STDERR)
    try:
        yield
    finally:
        faulthandler.cancel_dump_traceback_later()
        _HANDLER.current = "(between tests)"


def pytest_runtest_logreport(report: pytest.TestReport) -> None:
    for title, content in report.sections:
        _scan(content, f"{report.nodeid} ({title})")
    if report.failed:
        _scan(report.longreprtext, f"{report.nodeid} (failure)")


def pytest_sessionfinish(session: pytest.Session, exitstatus: int) -> None:
    put("secret scan", "secrets known", len(_STATIC) + len(_TOKENS))
    put("secret scan", "leaks", len(_HITS))
    if _HITS and _TOKENS | _STATIC:
        session.exitstatus = pytest.ExitCode.TESTS_FAILED


def pytest_terminal_summary(terminalreporter: Any) -> None:
    if _LEFT_OUT:
        terminalreporter.section("left out")
        terminalreporter.write_line(
            f"{len(_LEFT_OUT)} test modules were not collected: they check osukit against real osu! responses "
            f"kept in {SHARED.name}/ beside the repository, which is not there ({', '.join(sorted(_LEFT_OUT))})")
    if _HITS:
        terminalreporter.section("SECRETS LEAKED", red=True)
        for hit in dict.fromkeys(_HITS):
            terminalreporter.write_line(hit)
    if not FIGURES:
        return
    terminalreporter.section("osukit reliability figures")
    for section in sorted(FIGURES):
        values = ", ".join(f"{k}={v}" for k, v in FIGURES[section].items())
        terminalreporter.write_line(f"{section}: {values}")
    target = os.environ.get("OSUKIT_FIGURES")
    if target:
        try:
            Path(target).write_text(json.dumps(FIGURES, indent=1, sort_keys=True, default=str))
        except OSError:
            terminalreporter.write_line("could not write $OSUKIT_FIGURES:\n" + traceback.format_exc())
