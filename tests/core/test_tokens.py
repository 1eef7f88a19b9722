"""Token stores: round trips, file modes, crash safety."""

from __future__ import annotations

import json
import multiprocessing
import os
import signal
import stat
import time
from pathlib import Path

import pytest

from osukit import FileTokenStore, MemoryTokenStore, SQLiteTokenStore, Token, TokenStoreError

TOKEN = Token(access_token="acc-123456789", refresh_token="ref-987654321", expires_at=2e9, scopes=("public",), user_id=3)


def stores(tmp_path: Path) -> list[object]:
    return [MemoryTokenStore(), FileTokenStore(tmp_path / "t.json"), SQLiteTokenStore(tmp_path / "t.sqlite")]


def test_round_trip_every_store(tmp_path: Path) -> None:
    for store in stores(tmp_path):
        assert store.load("k") is None  # type: ignore[attr-defined]
        store.save("k", TOKEN)  # type: ignore[attr-defined]
        store.save("other", Token(access_token="zzz-zzzzzz", expires_at=1.0))  # type: ignore[attr-defined]
        assert store.load("k") == TOKEN  # type: ignore[attr-defined]
        store.delete("k")  # type: ignore[attr-defined]
        store.delete("k")  # type: ignore[attr-defined]
        assert store.load("k") is None  # type: ignore[attr-defined]
        assert store.load("other") is not None  # type: ignore[attr-defined]
        assert "acc-123456789" not in repr(store)


def test_files_are_created_0600(tmp_path: Path) -> None:
    FileTokenStore(tmp_path / "a" / "t.json").save("k", TOKEN)
    SQLiteTokenStore(tmp_path / "b" / "t.sqlite").save("k", TOKEN)
    for p in (tmp_path / "a" / "t.json", tmp_path / "b" / "t.sqlite"):
        assert stat.S_IMODE(p.stat().st_mode) == 0o600


def test_world_readable_file_is_fixed_with_warning(tmp_path: Path) -> None:
    path = tmp_path / "t.json"
    store = FileTokenStore(path)
    store.save("k", TOKEN)
    path.chmod(0o644)
    with pytest.warns(UserWarning, match="readable by other users"):
        assert store.load("k") == TOKEN
    assert stat.S_IMODE(path.stat().st_mode) == 0o600
    db = tmp_path / "t.sqlite"
    SQLiteTokenStore(db)
    db.chmod(0o640)
    with pytest.warns(UserWarning):
        SQLiteTokenStore(db)
    assert stat.S_IMODE(db.stat().st_mode) == 0o600


def test_damaged_files_raise_token_store_error(tmp_path: Path) -> None:
    path = tmp_path / "t.json"
    path.write_text("{not json")
    path.chmod(0o600)
    with pytest.raises(TokenStoreError, match="not valid JSON"):
        FileTokenStore(path).load("k")
    path.write_text(json.dumps({"k": {"access_token": 5}}))
    with pytest.raises(TokenStoreError, match="damaged"):
        FileTokenStore(path).load("k")


def test_token_repr_hides_secrets() -> None:
    text = repr(TOKEN) + str(TOKEN)
    assert "acc-123456789" not in text and "ref-987654321" not in text
    assert TOKEN.is_expired(now=2e9 - 10)
    assert not TOKEN.is_expired(now=0)


def _writer(path: str) -> None:  # pragma: no cover - runs in a child process
    store = FileTokenStore(path)
    i = 0
    while True:
        i += 1
        store.save("k", Token(access_token=f"token-{i:08d}" + "x" * 5000, expires_at=float(i)))


def test_killed_writer_leaves_old_or_new_token(tmp_path: Path) -> None:
    path = tmp_path / "t.json"
    FileTokenStore(path).save("k", Token(access_token="token-00000000", expires_at=0.0))
    # forkserver: fork() from a multi-threaded test process may deadlock (Python 3.12+ warns)
    ctx = multiprocessing.get_context("forkserver")
    for _ in range(5):
        seen = FileTokenStore(path).load("k")
        proc = ctx.Process(target=_writer, args=(str(path),))
        proc.start()
        deadline = time.monotonic() + 20
        while FileTokenStore(path).load("k") == seen and time.monotonic() < deadline:
            time.sleep(0.01)  # until the writer is really writing
        time.sleep(0.05)
        os.kill(proc.pid, signal.SIGKILL)
        proc.join()
        token = FileTokenStore(path).load("k")  # a torn file would raise here
        assert token is not None and token.access_token.startswith("token-")
    leftovers = [p for p in tmp_path.iterdir() if p.name.startswith(".t.json.")]
    # a killed writer may leave its temporary file behind, but never a torn target
    assert all(stat.S_IMODE(p.stat().st_mode) == 0o600 for p in leftovers)
