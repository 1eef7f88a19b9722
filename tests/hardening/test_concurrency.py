"""Concurrency: many coroutines and threads on one client, no leaks, no request after close, cancellation."""

from __future__ import annotations

import asyncio
import gc
import os
import threading
import time
from typing import Any

import pytest

import osukit
from osukit.emulator import Emulator

from .._figures import put


def _fds() -> int:
    return len(os.listdir("/proc/self/fd"))


def _settled(limit: int, seconds: float = 5.0) -> int:
    """The fd count once the in-process emulator has closed its side of the finished connections."""
    deadline = time.monotonic() + seconds
    while True:
        gc.collect()
        count = _fds()
        if count <= limit or time.monotonic() > deadline:
            return count
        time.sleep(0.05)


@pytest.fixture(scope="module")
def emu() -> Any:
    with Emulator(seed=0) as e:
        yield e


def test_two_thousand_coroutines_share_one_client(emu: Any) -> None:
    token = emu.mint_token(None, ["public"])["access_token"]
    before = _fds()

    async def main() -> list[int]:
        async with osukit.AsyncClient(base_url=emu.base_url, access_token=token, rate_limit=0) as client:
            users = await asyncio.gather(*(client.users.get(2) for _ in range(2000)))
            return [u.id for u in users]

    ids = asyncio.run(main())
    assert ids == [2] * 2000
    after = _settled(before + 1)
    put("concurrency: 2000 coroutines, one AsyncClient", "answers", len(ids))
    put("concurrency: 2000 coroutines, one AsyncClient", "fds before/after", f"{before}/{after}")
    assert after <= before + 1  # every connection was closed with the client


def test_dozens_of_threads_share_one_client_and_pool_of_users(emu: Any) -> None:
    before = _fds()
    pool = osukit.ClientPool(client_id=emu.client_id, client_secret=emu.client_secret, base_url=emu.base_url, rate_limit=0)
    users = list(emu.state.world.users)[:8]
    for uid in users:
        t = emu.mint_token(uid, ["public", "identify"])
        pool.add(osukit.Token(access_token=t["access_token"], refresh_token=t["refresh_token"], expires_at=time.time() + 3600,
                              scopes=("public", "identify")), user_id=uid)
    errors: list[BaseException] = []
    seen: list[int] = []
    lock = threading.Lock()

    def worker(n: int) -> None:
        try:
            for _ in range(10):
                uid = users[n % len(users)]
                me = pool.get(uid).users.me()
                with lock:
                    seen.append(me.id - uid)
        except BaseException as exc:  # pragma: no cover - reported below
            errors.append(exc)

    threads = [threading.Thread(target=worker, args=(n,)) for n in range(32)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    pool.close()
    after = _settled(before + 1)
    put("concurrency: 32 threads, ClientPool of 8 users", "answers", len(seen))
    put("concurrency: 32 threads, ClientPool of 8 users", "errors", len(errors))
    put("concurrency: 32 threads, ClientPool of 8 users", "fds before/after", f"{before}/{after}")
    assert not errors and len(seen) == 320 and set(seen) == {0}
    assert after <= before + 1


def test_no_request_after_close(emu: Any) -> None:
    token = emu.mint_token(None, ["public"])["access_token"]
    client = osukit.Client(base_url=emu.base_url, access_token=token, rate_limit=0)
    client.users.get(2)
    client.close()
    emu.reset_stats()
    with pytest.raises(osukit.ClientClosedError):
        client.users.get(2)
    put("concurrency: after close()", "requests sent", emu.stats()["requests"])
    assert emu.stats()["requests"] == 0


def test_cancelling_mid_retry_and_mid_refresh_leaves_the_client_usable(emu: Any) -> None:
    async def main() -> None:
        async with osukit.AsyncClient(client_id=emu.client_id, client_secret=emu.client_secret, base_url=emu.base_url,
                                      rate_limit=0, retry=osukit.RetryPolicy(max_retries=5, initial_delay=5, jitter=False)) as c:
            emu.set_faults(error_rate=1.0, error_statuses=[503], path_prefix="api/")
            task = asyncio.create_task(c.users.get(2))
            await asyncio.sleep(0.3)  # now sleeping before a retry
            task.cancel()
            with pytest.raises(asyncio.CancelledError):
                await task
            emu.clear_faults()
            assert (await c.users.get(2)).id == 2
            # cancel while a token refresh is in flight
            emu.set_faults(latency_ms=400, path_prefix="oauth/")
            c._tokens._token = None  # type: ignore[union-attr]
            c.token_store.delete(c._tokens.key)  # type: ignore[union-attr]
            task = asyncio.create_task(c.users.get(2))
            await asyncio.sleep(0.05)
            task.cancel()
            with pytest.raises(asyncio.CancelledError):
                await task
            emu.clear_faults()
            assert (await c.users.get(2)).id == 2

    asyncio.run(main())
