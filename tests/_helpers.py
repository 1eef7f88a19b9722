"""Helpers shared by tests: where the shared corpus lives, and the lossless check."""

from __future__ import annotations

import csv
import json
import signal
import subprocess
import sys
import threading
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from datetime import datetime
from pathlib import Path
from typing import Any

from osukit._models import decode, dump

REPO = Path(__file__).resolve().parents[1]
SHARED = REPO.parent / "shared"
CORPUS = SHARED / "corpus"


def corpus_index() -> list[dict[str, str]]:
    """Rows of corpus/INDEX.tsv (file, method, route, status, note)."""
    with (CORPUS / "INDEX.tsv").open(newline="") as fh:
        return list(csv.DictReader(fh, delimiter="\t"))


def corpus_bytes(name: str) -> bytes:
    return (CORPUS / name).read_bytes()


def _norm(value: Any) -> Any:
    """Normalise JSON for comparison: datetimes by instant, ints and floats by value."""
    if isinstance(value, dict):
        return {k: _norm(v) for k, v in value.items()}
    if isinstance(value, list):
        return [_norm(v) for v in value]
    if isinstance(value, str) and len(value) >= 19 and value[4:5] == "-" and value[10:11] in ("T", " "):
        try:
            dt = datetime.fromisoformat(value.replace("Z", "+00:00"))
        except ValueError:
            return value
        return ("datetime", dt.timestamp() if dt.tzinfo else dt.isoformat())
    if isinstance(value, bool):
        return value
    if isinstance(value, (int, float)):
        return float(value)
    return value


def assert_lossless(body: bytes, tp: Any, *, strict: bool = True) -> Any:
    """Decode ``body`` as ``tp``, dump it back and compare with the raw JSON.

    With ``strict=True`` (the default) every field must be modelled: an unknown
    field fails the test, so corpus tests prove coverage, not just tolerance.
    """
    obj = decode(body, tp, strict=strict)
    raw = json.loads(body)
    dumped = dump(obj)
    assert _norm(dumped) == _norm(raw), _first_difference(_norm(raw), _norm(dumped))
    return obj


def _first_difference(a: Any, b: Any, path: str = "$") -> str:
    if type(a) is not type(b):
        return f"{path}: {a!r} != {b!r}"
    if isinstance(a, dict):
        for k in a.keys() | b.keys():
            if k not in a or k not in b:
                return f"{path}.{k}: present in {'raw' if k in a else 'dump'} only"
            if a[k] != b[k]:
                return _first_difference(a[k], b[k], f"{path}.{k}")
    if isinstance(a, list):
        if len(a) != len(b):
            return f"{path}: length {len(a)} != {len(b)}"
        for i, (x, y) in enumerate(zip(a, b, strict=True)):
            if x != y:
                return _first_difference(x, y, f"{path}[{i}]")
    return f"{path}: {a!r} != {b!r}"


def run_in_threads(count: int, work: Callable[[], None]) -> list[BaseException]:
    """Run ``work`` in ``count`` threads released together; return what they raised."""
    barrier = threading.Barrier(count)
    errors: list[BaseException] = []

    def worker() -> None:
        try:
            barrier.wait()
            work()
        except BaseException as exc:  # reported to the caller
            errors.append(exc)

    threads = [threading.Thread(target=worker) for _ in range(count)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    return errors


def sigint_default() -> None:
    """``preexec_fn`` for a child that must see Ctrl-C: a shell starts background jobs (``cmd &``) with
    SIGINT ignored, children inherit that, and Python then installs no KeyboardInterrupt handler, so a
    test run in the background would see SIGINT do nothing."""
    signal.signal(signal.SIGINT, signal.SIG_DFL)


@contextmanager
def osukit_process(args: list[str], **popen: Any) -> Iterator[subprocess.Popen[Any]]:
    """``python -m osukit.cli *args`` as a child that sees Ctrl-C (`sigint_default`); ``popen`` goes to
    `subprocess.Popen`. The child is killed when the block ends if it still runs."""
    proc = subprocess.Popen([sys.executable, "-m", "osukit.cli", *args], preexec_fn=sigint_default, **popen)
    try:
        yield proc
    finally:
        if proc.poll() is None:
            proc.kill()
            proc.wait(timeout=10)


def ctrl_c(proc: subprocess.Popen[Any], *, timeout: float = 60) -> tuple[int, float]:
    """Press Ctrl-C once (SIGINT) and wait for the child: its exit code and the seconds it took to exit."""
    sent = time.monotonic()
    proc.send_signal(signal.SIGINT)
    code = proc.wait(timeout=timeout)
    return code, time.monotonic() - sent


@contextmanager
def secrets_restored() -> Iterator[None]:
    """Registered secrets as they were before the block, in every structure redaction reads: the
    forms, the registered values and the first-characters index (`osukit._redact._by_gram`, searched
    once more than 64 forms are known). Restoring the forms alone left a test's common word
    (``secret``) in the index, and every later test's text lost it (``client_[redacted]``)."""
    from osukit import _redact

    with _redact._secrets_lock:
        saved = set(_redact._secrets), set(_redact._registered), dict(_redact._by_gram)
    try:
        yield
    finally:
        with _redact._secrets_lock:
            _redact._by_gram.clear()
            _redact._by_gram.update(saved[2])
            _redact._secrets.clear()
            _redact._secrets.update(saved[0])
            _redact._registered.clear()
            _redact._registered.update(saved[1])
            _redact._generation += 1  # the small regex is compiled again from the restored forms
