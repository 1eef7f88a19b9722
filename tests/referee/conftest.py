"""Fixtures for the referee hub tests: one emulator per module, tokens, scripted players."""

from __future__ import annotations

import asyncio
import time
from collections.abc import Iterator
from typing import Any

import httpx
import pytest

import osukit
from osukit.emulator import Emulator
from osukit.emulator.referee_hub import HUBS, RefereeHub
from osukit.realtime import ReconnectPolicy

REFEREE_SCOPES = ("delegate", "multiplayer.write_manage")
FAST = ReconnectPolicy(initial=0.05, maximum=0.3, jitter=0.2)


class Env:
    def __init__(self, emu: Emulator) -> None:
        self.emu = emu
        self.world = emu.state.world
        self.bot = self.world.bot_user_id
        self.user = self.world.test_user_id
        others = [u for u in self.world.users if u not in (self.bot, self.user) and not self.world.users[u].get("is_bot")]
        self.players = others[:6]
        self.beatmaps = {b["mode"]: b["id"] for b in reversed(list(self.world.beatmaps.values()))}
        self.osu_beatmap = self.beatmaps["osu"]
        self.http = httpx.Client(base_url=emu.base_url, timeout=30)

    @property
    def hub(self) -> RefereeHub:
        return HUBS[self.emu.state]

    def token(self, user_id: int | None, scopes: tuple[str, ...] = REFEREE_SCOPES) -> str:
        return str(self.emu.mint_token(user_id=user_id, scopes=list(scopes), refresh=False)["access_token"])

    def async_client(self, user_id: int | None = None, scopes: tuple[str, ...] = REFEREE_SCOPES,
                     claimed: tuple[str, ...] | None = None) -> osukit.AsyncClient:
        uid = self.bot if user_id is None else user_id
        return osukit.AsyncClient(base_url=self.emu.base_url, rate_limit=0,
                                  grant=osukit.StaticToken(self.token(uid, scopes), scopes=list(claimed or scopes)))

    def sync_client(self, user_id: int | None = None, scopes: tuple[str, ...] = REFEREE_SCOPES) -> osukit.Client:
        uid = self.bot if user_id is None else user_id
        return osukit.Client(base_url=self.emu.base_url, rate_limit=0,
                             grant=osukit.StaticToken(self.token(uid, scopes), scopes=list(scopes)))

    def control(self, path: str, body: dict[str, Any] | None = None, *, expect: int = 200) -> Any:
        response = self.http.post(f"/_emulator/referee/{path}", json=body or {})
        assert response.status_code == expect, response.text
        return response.json()

    async def acontrol(self, path: str, body: dict[str, Any] | None = None, *, expect: int = 200) -> Any:
        return await asyncio.to_thread(self.control, path, body, expect=expect)

    def player(self, uid: int, action: str, expect: int = 200, **body: Any) -> Any:
        return self.control(f"players/{uid}/{action}", body, expect=expect)

    async def aplayer(self, uid: int, action: str, expect: int = 200, **body: Any) -> Any:
        return await asyncio.to_thread(self.player, uid, action, expect, **body)

    def room_state(self, room_id: int) -> Any:
        response = self.http.get(f"/_emulator/referee/rooms/{room_id}")
        assert response.status_code == 200, response.text
        return response.json()


@pytest.fixture(scope="module")
def env() -> Iterator[Env]:
    with Emulator(seed=0) as emu:
        e = Env(emu)
        yield e
        e.http.close()


async def wait_for(referee: Any, predicate: Any, timeout: float = 30.0) -> list[Any]:
    """Collect events until ``predicate(event)``; return them all (the matching one last)."""
    seen: list[Any] = []

    async def run() -> list[Any]:
        async for event in referee:
            seen.append(event)
            if predicate(event):
                return seen
        raise AssertionError(f"stream ended; saw {[type(e).__name__ for e in seen]}")

    try:
        return await asyncio.wait_for(run(), timeout)
    except asyncio.TimeoutError:
        raise AssertionError(f"timed out; saw {[type(e).__name__ for e in seen]}") from None


def until(predicate: Any, timeout: float = 30.0) -> None:
    deadline = time.monotonic() + timeout
    while not predicate():
        assert time.monotonic() < deadline, "condition not met in time"
        time.sleep(0.01)


class SyncAsAsync:
    """Drives a sync ``RefereeClient`` from async test code (each call in a worker thread), so one
    scenario checks both clients."""

    def __init__(self, client: Any) -> None:
        self._sync = client

    def __getattr__(self, name: str) -> Any:
        value = getattr(self._sync, name)
        if not callable(value):
            return value

        async def call(*args: Any, **kwargs: Any) -> Any:
            return await asyncio.to_thread(value, *args, **kwargs)

        return call

    async def __aenter__(self) -> SyncAsAsync:
        await asyncio.to_thread(self._sync.connect)
        return self

    async def __aexit__(self, *exc: object) -> None:
        await asyncio.to_thread(self._sync.close)

    def __aiter__(self) -> SyncAsAsync:
        return self

    async def __anext__(self) -> Any:
        def step() -> Any:
            try:
                return self._sync.next_event() if hasattr(self._sync, "next_event") else next(self._sync)
            except StopIteration:
                return StopAsyncIteration

        event = await asyncio.to_thread(step)
        if event is StopAsyncIteration:
            raise StopAsyncIteration
        return event


class Closing:
    """``async with`` for a sync osukit client (closes it on exit)."""

    def __init__(self, client: Any) -> None:
        self.client = client

    async def __aenter__(self) -> Any:
        return self.client

    async def __aexit__(self, *exc: object) -> None:
        self.client.close()
