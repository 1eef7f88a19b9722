"""A results sink that cannot be opened or written raises ``SinkError`` (never a bare sqlite3/OSError)."""

from __future__ import annotations

import sqlite3
from pathlib import Path

import pytest

import osukit
from osukit.contrib.distributed import JsonlSink, Row, SinkError, SQLiteSink, Task


def test_sqlite_sink_on_a_directory(tmp_path: Path) -> None:
    with pytest.raises(SinkError, match=r"SQLite sink .*: OperationalError"):
        SQLiteSink(tmp_path)


def test_sqlite_sink_on_a_file_that_is_not_a_database(tmp_path: Path) -> None:
    path = tmp_path / "results.db"
    path.write_bytes(b"this is not a database, only words" * 100)
    with pytest.raises(SinkError, match="DatabaseError"):
        SQLiteSink(path)


def test_sqlite_sink_write_refused(tmp_path: Path) -> None:
    path = tmp_path / "results.db"
    sink = SQLiteSink(path, timeout=0.05)
    other = sqlite3.connect(path, isolation_level=None)
    other.execute("BEGIN EXCLUSIVE")  # another writer holds the file: the sink's transaction cannot start
    try:
        with pytest.raises(SinkError, match="locked"):
            sink.write(Task("t1", "users"), [Row("user:2", {"id": 2})])
    finally:
        other.execute("ROLLBACK")
        other.close()
    sink.write(Task("t1", "users"), [Row("user:2", {"id": 2})])  # the sink is usable afterwards
    sink.close()


def test_jsonl_sink_where_a_file_blocks_the_directory(tmp_path: Path) -> None:
    blocker = tmp_path / "out"
    blocker.write_text("a file, not a directory")
    with pytest.raises(SinkError, match="JSON Lines sink"):
        JsonlSink(blocker, worker="w1")


def test_sink_error_is_an_osukit_error() -> None:
    assert issubclass(SinkError, osukit.OsukitError)
    assert osukit.SinkError is SinkError
