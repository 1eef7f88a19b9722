"""Refresh single-flight over real sockets: the emulator counts the token requests."""

from __future__ import annotations

import asyncio
import threading
from collections.abc import Iterator
from typing import Any

import pytest

import osukit
from osukit.emulator import Emulator

from .._figures import put


@pytest.fixture(scope="module")
def emu() -> Iterator[Any]:
    with Emulator(seed=0) as e:
        yield e


def _expired_grant(emu: Any) -> osukit.UserToken:
    t = emu.mint_token(emu.dataset["test_user_id"], ["public", "identify"])
    token = osukit.Token(access_token=t["access_token"], refresh_token=t["refresh_token"], expires_at=0.0,
                         scopes=("public", "identify"))
    return osukit.UserToken(emu.client_id, emu.client_secret, token)


def test_200_coroutines_over_an_expired_token_make_one_refresh(emu: Any) -> None:
    grant = _expired_grant(emu)
    emu.reset_stats()

    async def main() -> list[int]:
        async with osukit.AsyncClient(grant=grant, base_url=emu.base_url, rate_limit=0) as client:
            users = await asyncio.gather(*(client.users.me() for _ in range(200)))
            return [u.id for u in users]

    ids = asyncio.run(main())
    refreshes = emu.stats()["token_requests"]
    put("single-flight refresh over sockets", "200 coroutines: token requests", refreshes)
    assert ids == [emu.dataset["test_user_id"]] * 200
    assert refreshes == {"refresh_token": 1}


def test_20_threads_over_an_expired_token_make_one_refresh(emu: Any) -> None:
    grant = _expired_grant(emu)
    emu.reset_stats()
    barrier = threading.Barrier(20)
    errors: list[BaseException] = []
    seen: list[int] = []
    with osukit.Client(grant=grant, base_url=emu.base_url, rate_limit=0) as client:

        def worker() -> None:
            try:
                barrier.wait()
                for _ in range(5):
                    seen.append(client.users.me().id)
            except BaseException as exc:  # pragma: no cover - reported below
                errors.append(exc)

        threads = [threading.Thread(target=worker) for _ in range(20)]
        for t in threads:
            t.start()
        for t in threads:
            t.join()
    refreshes = emu.stats()["token_requests"]
    put("single-flight refresh over sockets", "20 threads: token requests", refreshes)
    assert not errors and len(seen) == 100
    assert refreshes == {"refresh_token": 1}
