"""Fixtures: clients of both kinds talking to the emulator over loopback."""

from __future__ import annotations

import asyncio
import inspect
from collections.abc import Iterator
from typing import Any

import pytest

import osukit

ALL_SCOPES = ["public", "identify", "friends.read", "chat.read", "chat.write", "chat.write_manage", "forum.write",
              "forum.write_manage"]


class Both:
    """Runs the same call on the sync and the async client and returns both results."""

    def __init__(self, emu: Any, **kw: Any) -> None:
        self.emu = emu
        self.kw = kw
        self.loop = asyncio.new_event_loop()
        self.sync = osukit.Client(base_url=emu.base_url, rate_limit=0, **kw)
        self.aio = osukit.AsyncClient(base_url=emu.base_url, rate_limit=0, **kw)

    def run(self, fn: Any) -> tuple[Any, Any]:
        s = fn(self.sync)
        a = fn(self.aio)
        if isinstance(a, osukit.AsyncPaginator):
            a = self.loop.run_until_complete(a.to_list())
            s = list(s)
        elif inspect.isawaitable(a):
            a = self.loop.run_until_complete(a)
        return s, a

    def close(self) -> None:
        self.sync.close()
        self.loop.run_until_complete(self.aio.aclose())
        self.loop.close()


@pytest.fixture
def user_token(osu_emulator: Any) -> str:
    return str(osu_emulator.mint_token(osu_emulator.dataset["test_user_id"], ALL_SCOPES)["access_token"])


@pytest.fixture
def both(osu_emulator: Any, user_token: str) -> Iterator[Both]:
    b = Both(osu_emulator, access_token=user_token, api_key=osu_emulator.api_key)
    yield b
    b.close()
