"""The parts of bulk crawls that are the same for sync and async code (no I/O of the crawl itself).

``osukit/_async/crawl.py`` (and its generated sync twin) drive these:
checkpoint stores, the JSON Lines writer, the progress bar and the bounded,
order-keeping concurrent map (an async one and a threaded one, picked by name
by ``scripts/unasync.py``'s ``Async*`` rule).
"""

from __future__ import annotations

import asyncio
import json
import os
import sys
import threading
from collections import deque
from collections.abc import AsyncIterator, Awaitable, Callable, Iterable, Iterator, Sequence
from concurrent.futures import Future
from pathlib import Path
from typing import Any, Protocol, TypeVar, runtime_checkable

import msgspec

from .._exceptions import CheckpointError, ConfigurationError, InvalidParameterError, MissingExtraError
from .._files import atomic_write
from .._models import dump

__all__ = [
    "AsyncOrderedMap",
    "CheckpointStore",
    "FileCheckpoint",
    "JsonlWriter",
    "OrderedMap",
    "ProgressBar",
    "as_checkpoint_store",
    "format_duration",
    "rate_and_eta",
]

A = TypeVar("A")
R = TypeVar("R")


@runtime_checkable
class CheckpointStore(Protocol):
    """Where a crawl keeps its position: JSON-able dicts by key (like a token store holds tokens)."""

    def load(self, key: str) -> dict[str, Any] | None:
        """The state saved under ``key``, or None."""

    def save(self, key: str, state: dict[str, Any]) -> None:
        """Save ``state`` under ``key`` durably (replacing the old one)."""

    def delete(self, key: str) -> None:
        """Forget ``key``."""


class FileCheckpoint:
    """Crawl checkpoints in one JSON file (``{key: state}``), replaced atomically and fsync'ed."""

    def __init__(self, path: str | os.PathLike[str]) -> None:
        self.path = Path(path)
        self._lock = threading.Lock()

    def __repr__(self) -> str:
        return f"FileCheckpoint({str(self.path)!r})"

    def _read(self) -> dict[str, Any]:
        try:
            raw = self.path.read_bytes()
        except FileNotFoundError:
            return {}
        if not raw.strip():
            return {}
        try:
            data = json.loads(raw)
        except (ValueError, RecursionError):
            raise CheckpointError(f"checkpoint file {self.path} is not valid JSON") from None
        if not isinstance(data, dict):
            raise CheckpointError(f"checkpoint file {self.path} does not hold a JSON object")
        return data

    def _write(self, data: dict[str, Any]) -> None:
        self.path.parent.mkdir(parents=True, exist_ok=True)
        atomic_write(self.path, json.dumps(data, sort_keys=True).encode())

    def load(self, key: str) -> dict[str, Any] | None:
        with self._lock:
            state = self._read().get(key)
        return state if isinstance(state, dict) else None

    def save(self, key: str, state: dict[str, Any]) -> None:
        with self._lock:
            data = self._read()
            data[key] = state
            self._write(data)

    def delete(self, key: str) -> None:
        with self._lock:
            data = self._read()
            if data.pop(key, None) is not None:
                self._write(data)


def as_checkpoint_store(checkpoint: Any) -> CheckpointStore | None:
    """``None``, a path (→ [`FileCheckpoint`][osukit.contrib.checkpoints.FileCheckpoint]) or an object with ``load``/``save``/``delete``."""
    if checkpoint is None:
        return None
    if isinstance(checkpoint, (str, os.PathLike)):
        return FileCheckpoint(checkpoint)
    if isinstance(checkpoint, CheckpointStore):
        return checkpoint
    raise InvalidParameterError("checkpoint must be a file path or an object with load(key)/save(key, state)/delete(key)")


class JsonlWriter:
    """Appends pages of items as JSON Lines; each page is flushed and fsync'ed before it counts."""

    def __init__(self, path: str | os.PathLike[str]) -> None:
        self.path = Path(path)
        self.path.parent.mkdir(parents=True, exist_ok=True)
        self._fh = open(self.path, "ab")
        self.size = self._fh.tell()

    def truncate_to(self, size: int) -> None:
        """Drop what a killed run wrote after its last checkpoint (``size`` bytes were committed)."""
        current = os.fstat(self._fh.fileno()).st_size
        if current < size:
            raise ConfigurationError(
                f"{self.path} is shorter ({current} bytes) than the checkpoint records ({size} bytes); "
                "it was replaced or truncated, so resuming would lose items. Delete the checkpoint to start over"
            )
        if current > size:
            self._fh.truncate(size)
            self._fh.flush()
            os.fsync(self._fh.fileno())
        self._fh.seek(0, os.SEEK_END)
        self.size = size

    def write_page(self, items: Sequence[Any]) -> int:
        """Write ``items`` (one JSON document per line), flush and fsync; return the file's new size."""
        if items:
            self._fh.write(b"".join(msgspec.json.encode(dump(item)) + b"\n" for item in items))
            self._fh.flush()
            os.fsync(self._fh.fileno())
        self.size = self._fh.tell()
        return self.size

    def close(self) -> None:
        self._fh.close()


def format_duration(seconds: float) -> str:
    """``3 s``, ``4 min 10 s``, ``27 h 47 min``, ``3 d 4 h``: how long a crawl will take, for people."""
    seconds = max(0, round(seconds))
    if seconds < 60:
        return f"{seconds} s"
    minutes, sec = divmod(seconds, 60)
    if minutes < 60:
        return f"{minutes} min {sec} s" if sec else f"{minutes} min"
    hours, minutes = divmod(minutes, 60)
    if hours < 48:
        return f"{hours} h {minutes} min" if minutes else f"{hours} h"
    days, hours = divmod(hours, 24)
    return f"{days} d {hours} h" if hours else f"{days} d"


def rate_and_eta(done: float, elapsed: float, remaining: float | None) -> str:
    """``12.5/s, ETA 4 min 10 s`` from this run's progress (``measuring…`` before the first item)."""
    if done <= 0 or elapsed <= 0:
        return "measuring rate…"
    rate = done / elapsed
    text = f"{rate:,.1f}/s" if rate >= 0.1 else f"{rate * 60:,.2f}/min"
    if remaining is not None:
        text += f", ETA {format_duration(remaining / rate)}"
    return text


LINE_INTERVAL = 15.0
"""Seconds between two plain progress lines (``progress="lines"``)."""


class ProgressBar:
    """A rich progress bar, or nothing (``enabled=None``: only when stdout is a terminal), or with
    ``enabled="lines"`` plain progress lines on stderr every ``interval`` seconds (a log or a pipe).

    Besides done/total and the elapsed time it shows this run's rate and the time left at that rate
    (rich's own estimate needs several updates within 30 s, which a rate-limited crawl does not make).
    """

    def __init__(self, enabled: bool | str | None, *, total: int | None, done: int, description: str,
                 console: Any = None, interval: float = LINE_INTERVAL,
                 clock: Callable[[], float] | None = None) -> None:
        self._progress: Any = None
        self._task: Any = None
        self._lines: _LineProgress | None = None
        if enabled == "lines":
            self._lines = _LineProgress(total=total, done=done, description=description, interval=interval,
                                        clock=clock)
            return
        if enabled is None:
            enabled = sys.stdout.isatty()
            if enabled:
                try:
                    import rich  # noqa: F401
                except ImportError:
                    enabled = False
        if not enabled:
            return
        try:
            from rich.progress import (
                BarColumn,
                MofNCompleteColumn,
                Progress,
                ProgressColumn,
                Task,
                TextColumn,
                TimeElapsedColumn,
            )
            from rich.text import Text
        except ImportError:
            raise MissingExtraError("the crawl progress bar", "cli") from None

        class RateColumn(ProgressColumn):  # type: ignore[misc,unused-ignore]
            def render(self, task: Task) -> Text:
                remaining = None if task.total is None else max(0.0, task.total - task.completed)
                done = task.completed - float(task.fields.get("first", 0))
                return Text(rate_and_eta(done, task.elapsed or 0.0, remaining))

        columns = [TextColumn("{task.description}"), BarColumn(),
                   MofNCompleteColumn() if total is not None else TextColumn("{task.completed:,.0f}"),
                   TimeElapsedColumn(), RateColumn()]
        self._progress = Progress(*columns, console=console) if console is not None else Progress(*columns)
        self._progress.start()
        self._task = self._progress.add_task(description, total=total, completed=done, first=done)

    @property
    def enabled(self) -> bool:
        return self._progress is not None or self._lines is not None

    def advance(self, n: int) -> None:
        if self._progress is not None:
            self._progress.advance(self._task, n)
        if self._lines is not None:
            self._lines.advance(n)

    def render(self) -> str:
        """The bar's current line as plain text (for tests and logs); empty when disabled."""
        if self._progress is None:
            return ""
        console = self._progress.console
        with console.capture() as capture:
            console.print(self._progress.get_renderable())
        return str(capture.get())

    def close(self) -> None:
        if self._progress is not None:
            self._progress.stop()
            self._progress = None
        if self._lines is not None:
            self._lines.close()
            self._lines = None


class _LineProgress:
    """Plain progress lines on stderr (for a log file or a pipe, where a bar cannot redraw): one at the
    start, one every ``interval`` seconds of progress, one at the end; each with done/total, rate and ETA."""

    def __init__(self, *, total: int | None, done: int, description: str, interval: float,
                 clock: Callable[[], float] | None) -> None:
        import time

        self._clock = clock or time.monotonic
        self.total = total
        self.first = self.done = done
        self.description = description
        self.interval = interval
        self.started = self._last = self._clock()
        self.lines: list[str] = []
        self._said = done  # ``done`` when the last line was written
        self._say()

    def _say(self) -> None:
        of = f"/{self.total:,}" if self.total is not None else ""
        share = f" ({self.done / self.total:.1%})" if self.total else ""
        remaining = None if self.total is None else max(0, self.total - self.done)
        rate = rate_and_eta(self.done - self.first, self._clock() - self.started, remaining)
        line = f"{self.description}: {self.done:,}{of} done{share}, {rate}"
        self.lines.append(line)
        self._said = self.done
        sys.stderr.write(line + "\n")
        sys.stderr.flush()

    def advance(self, n: int) -> None:
        self.done += n
        now = self._clock()
        if now - self._last >= self.interval:
            self._last = now
            self._say()

    def close(self) -> None:
        if self._said != self.done:  # the last line does not show the end yet
            self._say()


class AsyncOrderedMap:
    """``fn`` over inputs with at most ``concurrency`` calls in flight, results in input order."""

    def __init__(self, fn: Callable[[Any], Awaitable[Any]], concurrency: int) -> None:
        if concurrency < 1:
            raise InvalidParameterError("concurrency must be at least 1")
        self.fn = fn
        self.concurrency = concurrency

    async def run(self, inputs: Iterable[A]) -> AsyncIterator[tuple[A, Any]]:
        it = iter(inputs)
        window: deque[tuple[A, asyncio.Task[Any]]] = deque()
        try:
            while True:
                while len(window) < self.concurrency:
                    try:
                        arg = next(it)
                    except StopIteration:
                        break
                    window.append((arg, asyncio.ensure_future(self.fn(arg))))
                if not window:
                    return
                arg, task = window.popleft()
                yield arg, await task
        finally:
            for _, task in window:
                task.cancel()
            if window:
                await asyncio.gather(*(t for _, t in window), return_exceptions=True)


class OrderedMap:
    """The threaded twin of [`AsyncOrderedMap`][osukit.contrib._crawl.AsyncOrderedMap] (for the sync client).

    Each call runs in its own daemon thread: when the consumer stops early (Ctrl-C, an error, ``break``),
    calls still waiting for the rate limiter are abandoned instead of joined, so the program exits at
    once rather than after every in-flight request's wait (which at osu!'s budget can be minutes).
    """

    def __init__(self, fn: Callable[[Any], Any], concurrency: int) -> None:
        if concurrency < 1:
            raise InvalidParameterError("concurrency must be at least 1")
        self.fn = fn
        self.concurrency = concurrency

    def _start(self, arg: Any) -> Future[Any]:
        future: Future[Any] = Future()

        def work() -> None:
            if not future.set_running_or_notify_cancel():
                return
            try:
                future.set_result(self.fn(arg))
            except BaseException as exc:  # handed to the consumer by future.result()
                future.set_exception(exc)

        threading.Thread(target=work, name="osukit-crawl", daemon=True).start()
        return future

    def run(self, inputs: Iterable[A]) -> Iterator[tuple[A, Any]]:
        it = iter(inputs)
        window: deque[tuple[A, Future[Any]]] = deque()
        try:
            while True:
                while len(window) < self.concurrency:
                    try:
                        arg = next(it)
                    except StopIteration:
                        break
                    window.append((arg, self._start(arg)))
                if not window:
                    return
                arg, future = window.popleft()
                yield arg, future.result()
        finally:
            for _, future in window:
                future.cancel()
