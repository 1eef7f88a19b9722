"""Checkpoints in SQLite: resumable crawls and score feeds (``checkpoint=SqliteCheckpointStore("osukit.db")``).

One connection per store, in WAL mode, so saving a position costs a small write
rather than a file rewrite; several processes may share the database file.
"""

from __future__ import annotations

import json
import os
import sqlite3
import threading
from pathlib import Path
from typing import Any

from .._exceptions import CheckpointError

__all__ = ["SqliteCheckpointStore"]


class SqliteCheckpointStore:
    """Crawl and feed checkpoints as JSON rows of one SQLite table (``osukit_checkpoints``).

    ``synchronous`` is SQLite's setting: ``"NORMAL"`` (default, WAL) keeps every
    saved position through a crash or kill of the process; ``"FULL"`` also through a
    power loss, at the cost of an fsync per save. Errors raise
    `osukit.CheckpointError` (a `TokenStoreError`).
    """

    def __init__(self, path: str | os.PathLike[str], *, synchronous: str = "NORMAL") -> None:
        if synchronous.upper() not in ("OFF", "NORMAL", "FULL", "EXTRA"):
            raise CheckpointError(f"unknown SQLite synchronous setting {synchronous!r}")
        self.path = Path(path)
        self._lock = threading.Lock()
        self.path.parent.mkdir(parents=True, exist_ok=True)
        try:
            self._db = sqlite3.connect(self.path, timeout=30, isolation_level=None, check_same_thread=False)
            self._db.execute("PRAGMA journal_mode=WAL")
            self._db.execute(f"PRAGMA synchronous={synchronous.upper()}")
            self._db.execute("CREATE TABLE IF NOT EXISTS osukit_checkpoints (key TEXT PRIMARY KEY, state TEXT NOT NULL)")
        except sqlite3.Error as exc:
            raise CheckpointError(f"cannot open checkpoint database {self.path.name}: {exc}") from None

    def __repr__(self) -> str:
        return f"SqliteCheckpointStore({str(self.path)!r})"

    def load(self, key: str) -> dict[str, Any] | None:
        """The state saved under ``key``, or None."""
        try:
            with self._lock:
                row = self._db.execute("SELECT state FROM osukit_checkpoints WHERE key = ?", (key,)).fetchone()
        except sqlite3.Error as exc:
            raise CheckpointError(f"checkpoint database {self.path.name}: {exc}") from None
        if row is None:
            return None
        try:
            state = json.loads(row[0])
        except (ValueError, RecursionError):
            raise CheckpointError(f"checkpoint {key!r} in {self.path.name} is damaged") from None
        return state if isinstance(state, dict) else None

    def save(self, key: str, state: dict[str, Any]) -> None:
        """Save ``state`` under ``key`` (replacing the old one) in one transaction."""
        try:
            with self._lock:
                self._db.execute(
                    "INSERT INTO osukit_checkpoints (key, state) VALUES (?, ?) "
                    "ON CONFLICT(key) DO UPDATE SET state = excluded.state",
                    (key, json.dumps(state, sort_keys=True)),
                )
        except sqlite3.Error as exc:
            raise CheckpointError(f"checkpoint database {self.path.name}: {exc}") from None

    def delete(self, key: str) -> None:
        """Forget ``key``."""
        try:
            with self._lock:
                self._db.execute("DELETE FROM osukit_checkpoints WHERE key = ?", (key,))
        except sqlite3.Error as exc:
            raise CheckpointError(f"checkpoint database {self.path.name}: {exc}") from None

    def close(self) -> None:
        """Close the connection."""
        with self._lock:
            self._db.close()
