"""Token stores: single-flight refresh across processes (file and SQLite), no chmod through a link
or on a directory, no token-bearing temporary file surviving a ``kill -9``."""

from __future__ import annotations

import multiprocessing
import os
import signal
import subprocess
import sys
import threading
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

import osukit
from osukit.emulator import Emulator

from .._figures import count, put
from ._store_workers import refresh_calls

PROCESSES = 6
CALLS = 5
KEY = "shared-user"


@pytest.fixture(scope="module")
def pool() -> Iterator[Any]:
    ctx = multiprocessing.get_context("forkserver")
    ctx.set_forkserver_preload(["tests.hardening._store_workers", "osukit", "httpx"])
    with ctx.Pool(PROCESSES) as p:
        p.map(time.sleep, [0.01] * PROCESSES, chunksize=1)  # every worker up before the common start
        yield p


def _seed(kind: str, path: Path, emu: Any, expires_at: float) -> None:
    body = emu.mint_token(emu.dataset["test_user_id"], ["public", "identify"])
    store = osukit.FileTokenStore(path) if kind == "file" else osukit.SQLiteTokenStore(path)
    store.save(KEY, osukit.Token(access_token=body["access_token"], refresh_token=body["refresh_token"],
                                 expires_at=expires_at, scopes=("public", "identify")))


def _run(pool: Any, kind: str, path: Path, emu: Any, use_async: bool) -> list[dict[str, Any]]:
    t0 = time.time() + 0.5
    args = (kind, str(path), emu.base_url, emu.client_id, emu.client_secret, KEY, CALLS, t0, use_async)
    results: list[dict[str, Any]] = pool.starmap(refresh_calls, [args] * PROCESSES, chunksize=1)
    return results


@pytest.mark.parametrize("use_async", [False, True], ids=["sync", "async"])
@pytest.mark.parametrize("kind", ["file", "sqlite"])
def test_processes_refreshing_a_rotating_token_every_call(pool: Any, tmp_path: Path, kind: str,
                                                          use_async: bool) -> None:
    """Tokens live 30 s, under the 60 s refresh margin: every call wants a fresh token, and each refresh
    rotates the one refresh token (a refresh revokes the previous tokens, as on osu!). Serialised across
    processes, each refresh uses the newest refresh token: not one ``invalid_grant``, and every call
    answered. A process that finds a token another process has just got uses it instead of refreshing
    it away again, so there are at most as many refreshes as calls; a request whose token was rotated
    away in flight gets a 401 and is sent again with the newer token. (The exact count is checked by
    the next test.)"""
    path = tmp_path / ("tokens.json" if kind == "file" else "tokens.db")
    with Emulator(seed=0) as emu:
        emu.configure(token_lifetime=30)
        _seed(kind, path, emu, expires_at=0.0)
        emu.reset_stats()
        results = _run(pool, kind, path, emu, use_async)
        requests = emu.stats()["token_requests"]
    errors = [e for r in results for e in r["errors"]]
    assert errors == []
    assert sum(r["ok"] for r in results) == PROCESSES * CALLS
    assert set(requests) == {"refresh_token"} and 1 <= requests["refresh_token"] <= PROCESSES * CALLS + PROCESSES
    put("cross-process refresh", f"every call wants a refresh, {kind} {'async' if use_async else 'sync'}",
        f"{PROCESSES}x{CALLS} calls, {requests['refresh_token']} refreshes, 0 invalid_grant")
    count("cross-process refresh", "calls", PROCESSES * CALLS)


ROUNDS = 4


@pytest.mark.parametrize("use_async", [False, True], ids=["sync", "async"])
@pytest.mark.parametrize("kind", ["file", "sqlite"])
def test_rounds_of_processes_over_an_expired_token_make_one_refresh_each(
    pool: Any, tmp_path: Path, kind: str, use_async: bool
) -> None:
    """ROUNDS times: the stored token is marked expired, then PROCESSES fresh processes make CALLS
    calls each at the same moment. Exactly one token request per round (each rotating the refresh
    token the previous round obtained), and PROCESSES x CALLS answers per round."""
    path = tmp_path / ("tokens.json" if kind == "file" else "tokens.db")
    store = osukit.FileTokenStore(path) if kind == "file" else osukit.SQLiteTokenStore(path)
    with Emulator(seed=0) as emu:
        _seed(kind, path, emu, expires_at=0.0)
        emu.reset_stats()
        seen_refresh_tokens = set()
        for _ in range(ROUNDS):
            current = store.load(KEY)
            assert current is not None and current.refresh_token not in seen_refresh_tokens
            seen_refresh_tokens.add(current.refresh_token)
            store.save(KEY, osukit.Token(access_token=current.access_token, refresh_token=current.refresh_token,
                                         expires_at=0.0, scopes=current.scopes))
            results = _run(pool, kind, path, emu, use_async)
            assert [e for r in results for e in r["errors"]] == []
            assert sum(r["ok"] for r in results) == PROCESSES * CALLS
        stats = emu.stats()
    me = sum(n for route, n in stats["by_route"].items() if " api/v2/me" in route)
    assert stats["token_requests"] == {"refresh_token": ROUNDS}
    assert me == ROUNDS * PROCESSES * CALLS
    put("cross-process refresh", f"rounds over an expired token, {kind} {'async' if use_async else 'sync'}",
        f"{ROUNDS} rounds x {PROCESSES} processes x {CALLS} calls, {ROUNDS} refreshes, 0 invalid_grant")


@pytest.mark.parametrize("kind", ["file", "sqlite"])
def test_refresh_lock_times_out_with_a_typed_error(tmp_path: Path, kind: str) -> None:
    path = tmp_path / ("tokens.json" if kind == "file" else "tokens.db")
    holder = osukit.FileTokenStore(path) if kind == "file" else osukit.SQLiteTokenStore(path)
    waiter = (osukit.FileTokenStore(path, lock_wait=0.2) if kind == "file"
              else osukit.SQLiteTokenStore(path, lock_wait=0.2))
    seen: list[BaseException | None] = []

    def wait() -> None:  # another thread: not the holder's context
        try:
            with waiter.refresh_lock(KEY):
                seen.append(None)
        except osukit.TokenStoreError as exc:
            seen.append(exc)
        assert waiter.load(KEY) is None  # a plain read is not blocked by a refresh in progress

    with holder.refresh_lock(KEY):
        t = threading.Thread(target=wait)
        t.start()
        t.join(60)
    assert len(seen) == 1 and isinstance(seen[0], osukit.TokenStoreError) and "waited" in str(seen[0])


# --- file permissions -----------------------------------------------------------------------


def test_directory_at_the_token_path_is_refused_and_not_chmoded(tmp_path: Path) -> None:
    target = tmp_path / "tokens.json"
    target.mkdir(mode=0o755)
    os.chmod(target, 0o755)
    for call in (lambda s: s.load("k"), lambda s: s.save("k", osukit.Token(access_token="dir-token-0123", expires_at=0.0)),
                 lambda s: s.keys()):
        with pytest.raises(osukit.TokenStoreError, match="a directory"):
            call(osukit.FileTokenStore(target))
    with pytest.raises(osukit.TokenStoreError, match="a directory"):
        osukit.SQLiteTokenStore(target)
    assert (target.stat().st_mode & 0o777) == 0o755


@pytest.mark.parametrize("kind", ["file", "sqlite"])
def test_symlink_is_refused_and_its_target_untouched(tmp_path: Path, kind: str) -> None:
    victim = tmp_path / "victim.txt"
    victim.write_text("not a token file")
    os.chmod(victim, 0o644)
    link = tmp_path / "tokens.json"
    link.symlink_to(victim)
    with pytest.raises(osukit.TokenStoreError, match="symbolic link"):
        if kind == "file":
            store = osukit.FileTokenStore(link)
            store.load("k")
        else:
            osukit.SQLiteTokenStore(link)
    if kind == "file":
        with pytest.raises(osukit.TokenStoreError, match="symbolic link"):
            osukit.FileTokenStore(link).save("k", osukit.Token(access_token="link-token-0123", expires_at=0.0))
    assert (victim.stat().st_mode & 0o777) == 0o644 and victim.read_text() == "not a token file"
    assert link.is_symlink()


def test_kill_9_mid_write_leaves_no_token_file_behind(tmp_path: Path) -> None:
    path = tmp_path / "tokens.json"
    ready = tmp_path / "ready"
    code = ("import sys; sys.path.insert(0, sys.argv[3]); from tests.hardening._store_workers import write_forever; "
            "write_forever(sys.argv[1], sys.argv[2])")
    repo = str(Path(__file__).resolve().parents[2])
    killed = 0
    for _ in range(3):
        ready.unlink(missing_ok=True)
        proc = subprocess.Popen([sys.executable, "-c", code, str(path), str(ready), repo])
        try:
            deadline = time.monotonic() + 60
            while not ready.exists():
                assert proc.poll() is None, "writer died"
                assert time.monotonic() < deadline, "writer never reached its fsync"
                time.sleep(0.01)
            temps = [p for p in tmp_path.iterdir() if ".osukit-tmp-" in p.name]
            assert temps, "no temporary file while writing"
            assert all((p.stat().st_mode & 0o077) == 0 for p in temps)  # 0600 from the start
            os.kill(proc.pid, signal.SIGKILL)
            proc.wait(30)
            killed += 1
        finally:
            if proc.poll() is None:
                proc.kill()
                proc.wait(30)
        assert [p for p in tmp_path.iterdir() if ".osukit-tmp-" in p.name], "kill -9 left nothing to clean"
        osukit.FileTokenStore(path).load("k")  # the next open cleans up
        assert [p.name for p in tmp_path.iterdir() if ".osukit-tmp-" in p.name] == []
    count("token files", "writers killed mid-write", killed)


def test_lock_file_problems_are_typed(tmp_path: Path) -> None:
    # a symbolic link planted as the lock file is not followed
    victim = tmp_path / "victim"
    victim.write_text("x")
    (tmp_path / "tokens.json.lock").symlink_to(victim)
    store = osukit.FileTokenStore(tmp_path / "tokens.json")
    with pytest.raises(osukit.TokenStoreError, match="cannot lock"):
        store.load("k")
    # a file where the directory should be
    blocker = tmp_path / "not-a-dir"
    blocker.write_text("x")
    inner = osukit.FileTokenStore(blocker / "tokens.json")
    for call in (lambda: inner.load("k"), lambda: inner.refresh_lock("k").__enter__()):
        with pytest.raises(osukit.TokenStoreError):
            call()
    assert victim.read_text() == "x"
