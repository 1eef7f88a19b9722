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


@pytest.fixture
def restore_secrets() -> Iterator[None]:
    saved, saved_values = set(_redact._secrets), set(_redact._registered)
    yield
    with _redact._secrets_lock:
        _redact._secrets.clear()
        _redact._secrets.update(saved)
        _redact._registered.clear()
        _redact._registered.update(saved_values)
        _redact._generation += 1


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
    outer, inner, late = "zz-outer-secret-8d1f", "zz-inner-secret-77aa", "zz-late-secret-51c0"
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
    with caplog.at_level(logging.ERROR, logger="asyncio"):
        cleaned = _finishes(lambda: redact_text(f"a {outer} b {late}"))
    assert cleaned == f"a {REDACTED} b {late}"  # ``late`` came after this call's generation was read
    assert redact_text(f"a {outer} b {late}") == f"a {REDACTED} b {REDACTED}"  # and is picked up on the next call
    logged = [r.getMessage() for r in caplog.records if r.name == "asyncio"]
    assert logged == [f"collected: token {REDACTED}"], logged  # the nested record was redacted, not left raw


def test_logging_while_a_registration_holds_the_writer_lock_does_not_deadlock(restore_secrets: None) -> None:
    secret = "zz-held-secret-0c3e"

    def under_the_lock() -> str:
        with _redact._secrets_lock:  # a registration the collector interrupted
            register_secret(secret)
            logging.getLogger("osukit").debug("x %s", secret)
            return redact_text(f"<{secret}>")

    assert _finishes(under_the_lock) == f"<{REDACTED}>"


def test_every_registered_secret_is_redacted_while_threads_register_and_log(restore_secrets: None) -> None:
    secrets = [f"zz-thread-{n:04d}-secret" for n in range(400)]
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
