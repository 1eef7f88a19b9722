"""Durable, private file writes and cross-process file locks (token file store, crawl checkpoints).

* `atomic_write` writes a temporary file in the same directory, created 0600 with
  ``O_EXCL`` from the start (``tempfile.mkstemp``), under a recognisable name
  (``.{name}.osukit-tmp-XXXX``), fsyncs it and renames it over the target. A writer killed
  with ``kill -9`` can leave such a file behind: `remove_stale_temps` deletes them, and the
  token file store calls it under its lock on every open.
* `file_lock` / `afile_lock` hold an OS lock on a lock file: ``flock`` on POSIX,
  ``msvcrt.locking`` on Windows. The OS drops the lock when the holder dies, so a crashed process
  never blocks the others. Waiting is bounded (``timeout``) and polls without blocking an event
  loop. (The ``filelock`` package would do the same, but its 4.x wheel is over 1 MB of features
  osukit does not use; this is the 40 lines osukit needs.)
* `open_private` opens an existing secrets file without following a symbolic link and
  refuses anything that is not a regular file.
"""

from __future__ import annotations

import contextlib
import errno
import os
import stat
import sys
import tempfile
import time
from collections.abc import AsyncIterator, Iterator
from pathlib import Path

__all__ = ["TEMP_MARK", "LockOpenError", "LockTimeout", "afile_lock", "atomic_write", "file_lock", "open_private",
           "remove_stale_temps"]

TEMP_MARK = ".osukit-tmp-"
_NOFOLLOW = getattr(os, "O_NOFOLLOW", 0)
_NONBLOCK = getattr(os, "O_NONBLOCK", 0)


class LockTimeout(Exception):
    """The lock was not acquired within the timeout (callers turn it into their typed error)."""


class LockOpenError(Exception):
    """The lock file could not be opened (its ``strerror`` is the message)."""


class NotRegularFile(Exception):
    """The path is a symbolic link, a directory or another non-regular file (``kind`` says which)."""

    def __init__(self, kind: str) -> None:
        self.kind = kind
        super().__init__(kind)


def atomic_write(path: Path, payload: bytes, *, mode: int | None = None) -> None:
    """Replace ``path`` with ``payload`` so that a crash leaves the old file or the new one, never a
    mix: write a temporary file beside it (created 0600 with ``O_EXCL``; ``mode`` set before any
    byte is written), fsync it, rename it over ``path`` and fsync the directory. A symbolic link at
    ``path`` is replaced by the new file; its target is never written."""
    fd, tmp = tempfile.mkstemp(prefix=f".{path.name}{TEMP_MARK}", dir=path.parent)
    try:
        if mode is not None:
            os.fchmod(fd, mode)
        with os.fdopen(fd, "wb") as fh:
            fh.write(payload)
            fh.flush()
            os.fsync(fh.fileno())
        os.replace(tmp, path)
    except BaseException:
        with contextlib.suppress(OSError):
            os.unlink(tmp)
        raise
    _fsync_dir(path.parent)


def remove_stale_temps(path: Path) -> int:
    """Delete temporary files `atomic_write` left beside ``path`` (their writer died).

    Only call it while holding the lock every writer of ``path`` holds: then no live writer has
    a temporary file. Returns how many were removed."""
    removed = 0
    prefix = f".{path.name}{TEMP_MARK}"
    with contextlib.suppress(OSError):
        for entry in os.scandir(path.parent):
            if entry.name.startswith(prefix) and entry.is_file(follow_symlinks=False):
                with contextlib.suppress(OSError):
                    os.unlink(entry.path)
                    removed += 1
    return removed


def open_private(path: Path) -> int | None:
    """Open an existing secrets file for reading without following a symbolic link; ``None`` when
    it does not exist. Raises `NotRegularFile` for a link, a directory, a FIFO …"""
    try:
        st = os.lstat(path)
    except FileNotFoundError:
        return None
    if stat.S_ISLNK(st.st_mode):
        raise NotRegularFile("a symbolic link")
    if not stat.S_ISREG(st.st_mode):
        raise NotRegularFile("a directory" if stat.S_ISDIR(st.st_mode) else "not a regular file")
    try:
        fd = os.open(path, os.O_RDONLY | _NOFOLLOW | _NONBLOCK)
    except FileNotFoundError:
        return None
    except OSError as exc:
        if exc.errno in (errno.ELOOP, errno.EMLINK):
            raise NotRegularFile("a symbolic link") from None
        raise
    if not stat.S_ISREG(os.fstat(fd).st_mode):  # swapped between lstat and open
        os.close(fd)
        raise NotRegularFile("not a regular file")
    return fd


if sys.platform == "win32":  # pragma: no cover - exercised on Windows only
    import msvcrt

    def _try_lock(fd: int) -> bool:
        try:
            msvcrt.locking(fd, msvcrt.LK_NBLCK, 1)
        except OSError:
            return False
        return True

    def _unlock(fd: int) -> None:
        with contextlib.suppress(OSError):
            msvcrt.locking(fd, msvcrt.LK_UNLCK, 1)

else:
    import fcntl

    def _try_lock(fd: int) -> bool:
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            return False
        return True

    def _unlock(fd: int) -> None:
        with contextlib.suppress(OSError):
            fcntl.flock(fd, fcntl.LOCK_UN)


def _open_lock(path: Path) -> int:
    try:
        return os.open(path, os.O_RDWR | os.O_CREAT | _NOFOLLOW, 0o600)
    except OSError as exc:
        raise LockOpenError(exc.strerror or type(exc).__name__) from None


def _release(fd: int) -> None:
    _unlock(fd)
    os.close(fd)


@contextlib.contextmanager
def file_lock(path: Path, *, timeout: float, poll: float = 0.01) -> Iterator[None]:
    """Hold an exclusive OS lock on ``path`` (created 0600); `LockTimeout` after ``timeout`` s."""
    fd = _open_lock(path)
    try:
        deadline = time.monotonic() + timeout
        delay = poll / 4
        while not _try_lock(fd):
            if time.monotonic() >= deadline:
                raise LockTimeout(str(path))
            time.sleep(delay)
            delay = min(delay * 2, poll * 5)
        yield
    finally:
        _release(fd)


@contextlib.asynccontextmanager
async def afile_lock(path: Path, *, timeout: float, poll: float = 0.01) -> AsyncIterator[None]:
    """`file_lock` for async code: tries without blocking and waits with ``asyncio.sleep``."""
    fd = _open_lock(path)
    try:
        deadline = time.monotonic() + timeout
        delay = poll / 4
        while not _try_lock(fd):
            if time.monotonic() >= deadline:
                raise LockTimeout(str(path))
            import asyncio  # only async callers get here, with asyncio loaded

            await asyncio.sleep(delay)
            delay = min(delay * 2, poll * 5)
        yield
    finally:
        _release(fd)


def _fsync_dir(path: Path) -> None:
    """Make a rename in ``path`` durable (where the platform allows opening a directory)."""
    with contextlib.suppress(OSError, AttributeError):
        fd = os.open(path, os.O_RDONLY)
        try:
            os.fsync(fd)
        finally:
            os.close(fd)
