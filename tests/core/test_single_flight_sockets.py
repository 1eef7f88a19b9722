"""Refresh single-flight over real sockets: the emulator counts the token requests."""

from __future__ import annotations

import asyncio
from collections.abc import Iterator
from typing import Any

import pytest

import osukit
from osukit.emulator import Emulator

from .._figures import put
from .._helpers import run_in_threads


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
    seen: list[int] = []
    with osukit.Client(grant=grant, base_url=emu.base_url, rate_limit=0) as client:

        def work() -> None:
            for _ in range(5):
                seen.append(client.users.me().id)

        errors = run_in_threads(20, work)
    refreshes = emu.stats()["token_requests"]
    put("single-flight refresh over sockets", "20 threads: token requests", refreshes)
    assert not errors and len(seen) == 100
    assert refreshes == {"refresh_token": 1}
