"""Redaction runs inside logging, and logging runs from anywhere: from a finalizer that the garbage
collector calls in the middle of compiling the secrets regex included (an unclosed asyncio transport
logs as it is collected). A lock on that path once deadlocked the whole-suite CI run against itself:
pytest-timeout's alarm then fired inside the same finalizer, was logged, and deadlocked again."""

from __future__ import annotations

import gc
import logging
import threading
from collections.abc import Callable, Iterator
from typing import Any

import pytest

from osukit import _redact
from osukit._redact import REDACTED, redact_text, register_secret

from .._helpers import secrets_restored


@pytest.fixture
def restore_secrets() -> Iterator[None]:
    with secrets_restored():
        yield


def _finishes(fn: Callable[[], Any], seconds: float = 30.0) -> Any:
    """``fn()`` in a thread; fail (instead of hanging the suite) when it has not returned in time."""
    out: list[Any] = []
    worker = threading.Thread(target=lambda: out.append(fn()), daemon=True)
    worker.start()
    worker.join(seconds)
    assert not worker.is_alive(), "deadlocked: redaction re-entered from inside itself never returned"
    return out[0]


class _LogsWhenCollected:
    def __init__(self, text: str) -> None:
        self.text = text
        self.cycle = self

    def __del__(self) -> None:
        logging.getLogger("asyncio").error("collected: %s", self.text)


def test_a_finalizer_that_logs_while_the_regex_compiles_does_not_deadlock(
        monkeypatch: pytest.MonkeyPatch, caplog: pytest.LogCaptureFixture, restore_secrets: None) -> None:
    outer, inner, late = "zz-outer-9c2e-8d1f", "zz-inner-4b0d-77aa", "zz-late-e61a-51c0"
    register_secret(outer)
    register_secret(inner)
    real = _redact._compile_forms
    calls = 0

    def compile_with_a_collection(forms: tuple[str, ...]) -> Any:
        nonlocal calls
        calls += 1
        if calls == 1:  # what the garbage collector did in the CI run: a finalizer logs mid-compile
            _LogsWhenCollected(f"token {inner}")
            gc.collect()
            register_secret(late)  # and one that registers a secret (the writer lock is re-entrant)
        return real(forms)

    monkeypatch.setattr(_redact, "_compile_forms", compile_with_a_collection)
    # The compiled path, whatever the suite registered before (past _REGEX_FORMS forms nothing compiles).
    monkeypatch.setattr(_redact, "_REGEX_FORMS", 10**9)
    with caplog.at_level(logging.ERROR, logger="asyncio"):
        cleaned = _finishes(lambda: redact_text(f"a {outer} b {late}"))
    assert outer not in cleaned and cleaned.startswith(f"a {REDACTED} b ")
    assert redact_text(f"a {outer} b {late}") == f"a {REDACTED} b {REDACTED}"  # ``late`` by the next call at the latest
    assert calls >= 1  # the finalizer really ran inside a compile
    # Only this test's record: the collection may also finalize other tests' garbage, which logs too.
    logged = [m for r in caplog.records if r.name == "asyncio" and (m := r.getMessage()).startswith("collected:")]
    assert logged == [f"collected: token {REDACTED}"], logged  # the nested record was redacted, not left raw


def test_logging_while_a_registration_holds_the_writer_lock_does_not_deadlock(restore_secrets: None) -> None:
    secret = "zz-held-5d7a-0c3e"

    def under_the_lock() -> str:
        with _redact._secrets_lock:  # a registration the collector interrupted
            register_secret(secret)
            logging.getLogger("osukit").debug("x %s", secret)
            return redact_text(f"<{secret}>")

    assert _finishes(under_the_lock) == f"<{REDACTED}>"


def test_every_registered_secret_is_redacted_while_threads_register_and_log(restore_secrets: None) -> None:
    secrets = [f"zz-thread-{n:04d}-f00d" for n in range(400)]
    barrier = threading.Barrier(4)
    leaks: list[str] = []

    def work(part: list[str]) -> None:
        barrier.wait()
        for value in part:
            register_secret(value)
            text = redact_text(f"[{value}]")  # registered before: never seen raw, whatever the others do
            if value in text:
                leaks.append(value)

    threads = [threading.Thread(target=work, args=(secrets[i::4],)) for i in range(4)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(60)
    assert not any(t.is_alive() for t in threads)
    assert leaks == []
    assert all(value not in redact_text(" ".join(secrets)) for value in secrets)


def test_thousands_of_secrets_are_each_redacted_and_overlaps_leave_nothing(restore_secrets: None) -> None:
    # A server holding many users' tokens registers thousands: past `_REGEX_FORMS` forms the lookup
    # goes through the window index instead of one alternation (6 ms a line at 5,000 forms).
    tokens = [f"zz{n:05d}-q7Lm0-tok" for n in range(3000)]
    for token in tokens:
        register_secret(token)
    assert len(_redact._secrets) > _redact._REGEX_FORMS
    line = " ".join(f"<{t}>" for t in tokens[::97])
    assert redact_text(line) == " ".join(f"<{REDACTED}>" for _ in tokens[::97])
    assert redact_text(f"a{tokens[5]}{tokens[5]}b") == f"a{REDACTED}b"  # adjacent: one cut
    # Two registered values that overlap in the text: neither leaves a part behind.
    first, second = "zzOVER-1234567", "4567-zzTAIL-89"
    register_secret(first)
    register_secret(second)
    assert redact_text("x zzOVER-1234567-zzTAIL-89 y") == f"x {REDACTED} y"
    assert redact_text(f"%{tokens[0]}%{tokens[-1]}") == f"%{REDACTED}%{REDACTED}"
    assert redact_text("nothing here at all") == "nothing here at all"
    assert redact_text("") == ""
    assert redact_text("short") == "short"
    # Quoted forms are registered too, and found the same way.
    odd = "zz spaced/secret+value"
    register_secret(odd)
    from urllib.parse import quote, quote_plus

    assert redact_text(f"q={quote(odd, safe='')}&r={quote_plus(odd)}") == f"q={REDACTED}&r={REDACTED}"
