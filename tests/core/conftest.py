"""Fixtures for core tests: a fake clock and a tiny scripted osu! server on MockTransport."""

from __future__ import annotations

import asyncio
import json
import threading
from collections.abc import Callable
from typing import Any

import httpx
import pytest

from osukit import Clock


class FakeClock(Clock):
    """Time that only moves when something sleeps: backoff and rate-limit tests run instantly."""

    def __init__(self, start: float = 1_700_000_000.0) -> None:
        self.now = start
        self.mono = 1000.0
        self.sleeps: list[float] = []
        self._lock = threading.Lock()

    def monotonic(self) -> float:
        return self.mono

    def time(self) -> float:
        return self.now

    def advance(self, seconds: float) -> None:
        with self._lock:
            self.now += seconds
            self.mono += seconds

    def sleep(self, seconds: float) -> None:
        if seconds > 0:
            self.sleeps.append(seconds)
            self.advance(seconds)

    async def asleep(self, seconds: float) -> None:
        if seconds > 0:
            self.sleeps.append(seconds)
            self.advance(seconds)
        await asyncio.sleep(0)


@pytest.fixture
def clock() -> FakeClock:
    return FakeClock()


class ScriptedServer:
    """Answers osu!-like requests from a handler; counts token requests; thread-safe."""

    def __init__(self, handler: Callable[[httpx.Request], httpx.Response] | None = None) -> None:
        self.handler = handler
        self.requests: list[httpx.Request] = []
        self.token_requests: list[dict[str, str]] = []
        self.token_counter = 0
        self.lock = threading.Lock()
        self.token_status: list[int] = []  # statuses to answer token requests with, in order

    def issue_token(self, request: httpx.Request) -> httpx.Response:
        form = dict(httpx.QueryParams(request.content.decode()))
        with self.lock:
            self.token_requests.append(form)
            status = self.token_status.pop(0) if self.token_status else 200
            self.token_counter += 1
            n = self.token_counter
        if status != 200:
            if status >= 500:
                return httpx.Response(status, json={"error": None})
            return httpx.Response(
                status,
                json={
                    "error": "invalid_grant",
                    "error_description": "The refresh token is invalid.",
                    "hint": "Token has been revoked",
                    "message": "The refresh token is invalid.",
                },
            )
        body: dict[str, Any] = {"token_type": "Bearer", "expires_in": 86400, "access_token": f"access-token-{n:04d}"}
        if form.get("grant_type") in ("authorization_code", "refresh_token"):
            body["refresh_token"] = f"refresh-token-{n:04d}"
        return httpx.Response(200, json=body)

    def __call__(self, request: httpx.Request) -> httpx.Response:
        with self.lock:
            self.requests.append(request)
        if request.url.path == "/oauth/token":
            return self.issue_token(request)
        if self.handler is not None:
            return self.handler(request)
        return httpx.Response(200, json={"ok": True, "path": request.url.path})

    def api_requests(self) -> list[httpx.Request]:
        return [r for r in self.requests if r.url.path != "/oauth/token"]


@pytest.fixture
def server() -> ScriptedServer:
    return ScriptedServer()


def json_response(status: int, body: Any, headers: dict[str, str] | None = None) -> httpx.Response:
    return httpx.Response(status, content=json.dumps(body).encode(), headers={"content-type": "application/json", **(headers or {})})
