"""A tiny osu-notification-server + chat REST fake for the realtime tests.

The websocket side runs in a thread of its own (its own event loop), so both the async stream
(on pytest's loop) and the sync stream (on its private loop) talk to it over real loopback sockets.
The REST side is an ``httpx.MockTransport`` handler; posting a message stores it and broadcasts
``chat.message.new`` to every connection that sent ``chat.start``, like osu-web does.
"""

from __future__ import annotations

import asyncio
import json
import threading
import time
from collections.abc import Callable, Iterator
from datetime import datetime, timezone
from typing import Any

import httpx
import pytest
from websockets.asyncio.server import ServerConnection, serve
from websockets.http11 import Request, Response

import osukit
from osukit.auth import UserToken
from osukit.realtime import ReconnectPolicy
from osukit.tokens import Token

BOT_ID = 1000
OTHER_ID = 2
CHANNEL = 5
PM_CHANNEL = 99
BASE = "https://osu.test"
SCOPES = ("chat.read", "chat.write", "chat.write_manage", "identify", "public")


def user(uid: int) -> dict[str, Any]:
    return {"id": uid, "username": f"user{uid}", "avatar_url": "", "country_code": "AU"}


def channel_json(cid: int, kind: str = "PUBLIC") -> dict[str, Any]:
    return {
        "channel_id": cid,
        "description": None,
        "icon": None,
        "message_length_limit": 450,
        "moderated": False,
        "name": f"#chan{cid}" if kind != "PM" else "user2",
        "type": kind,
        "uuid": None,
    }


class FakeOsu:
    """osu-notification-server + osu-web chat, in memory."""

    def __init__(self, *, auth_mode: str = "ok", server_ping_interval: float | None = None,
                 server_ping_timeout: float | None = None) -> None:
        self.auth_mode = auth_mode  # "ok" | "message" (error frame) | "401" (refuse the upgrade)
        self.valid_tokens: set[str] | None = None  # None: every token is accepted
        self.server_ping_interval = server_ping_interval
        # how long the server waits for each pong (default: one ping interval)
        self.server_ping_timeout = server_ping_interval if server_ping_timeout is None else server_ping_timeout
        self.connections: list[dict[str, Any]] = []  # {"auth":..., "commands": [...], "ws": ...}
        self.messages: dict[int, list[dict[str, Any]]] = {}
        self.channel_types: dict[int, str] = {CHANNEL: "PUBLIC", PM_CHANNEL: "PM"}
        self.next_id = 100
        self.acks = 0
        self.rest_requests: list[httpx.Request] = []
        self.token_requests = 0
        self.expires_in = 86400
        self.on_chat_start: Callable[[int], None] | None = None  # called with the connection number
        self.abort_first = 0  # abort this many connections right after their chat.start (a flapping server)
        self.lock = threading.RLock()
        self._loop: asyncio.AbstractEventLoop | None = None
        self._thread: threading.Thread | None = None
        self._stop: asyncio.Event | None = None
        self.port = 0

    # --- websocket server -------------------------------------------------------------------

    @property
    def url(self) -> str:
        return f"ws://127.0.0.1:{self.port}/"

    def start(self) -> None:
        started = threading.Event()

        def main() -> None:
            loop = asyncio.new_event_loop()
            self._loop = loop

            async def run() -> None:
                self._stop = asyncio.Event()
                async with serve(
                    self._handler,
                    "127.0.0.1",
                    0,
                    process_request=self._process_request,
                    ping_interval=self.server_ping_interval,
                    ping_timeout=self.server_ping_timeout,
                ) as server:
                    self.port = next(iter(server.sockets)).getsockname()[1]
                    started.set()
                    await self._stop.wait()

            loop.run_until_complete(run())
            loop.close()

        self._thread = threading.Thread(target=main, daemon=True)
        self._thread.start()
        started.wait(5)

    def stop(self) -> None:
        if self._loop is not None and self._stop is not None:
            self._loop.call_soon_threadsafe(self._stop.set)
        if self._thread is not None:
            self._thread.join(5)

    def _token_ok(self, auth: str | None) -> bool:
        if auth is None or not auth.startswith("Bearer "):
            return False
        return self.valid_tokens is None or auth.removeprefix("Bearer ") in self.valid_tokens

    def _process_request(self, connection: ServerConnection, request: Request) -> Response | None:
        auth = request.headers.get("Authorization")
        if self.auth_mode == "401" or (self.valid_tokens is not None and not self._token_ok(auth)
                                        and self.auth_mode == "401-bad"):
            with self.lock:
                self.connections.append({"auth": auth, "commands": [], "ws": None, "rejected": True})
            return connection.respond(401, "Unauthorized\n")
        return None

    async def _handler(self, ws: ServerConnection) -> None:
        auth = ws.request.headers.get("Authorization") if ws.request is not None else None
        conn: dict[str, Any] = {"auth": auth, "commands": [], "ws": ws, "chat": False, "agent": None}
        if ws.request is not None:
            conn["agent"] = ws.request.headers.get("User-Agent")
        with self.lock:
            self.connections.append(conn)
            number = len(self.connections)
        if self.auth_mode == "message" or not self._token_ok(auth):
            await ws.send(json.dumps({"error": "authentication failed"}))
            ws.transport.abort()  # the real server terminate()s
            return
        await ws.send(json.dumps({"event": "connection.ready"}))
        try:
            async for raw in ws:
                data = json.loads(raw)
                conn["commands"].append(data.get("event"))
                if data.get("event") == "chat.start":
                    conn["chat"] = True
                    if self.on_chat_start is not None:
                        self.on_chat_start(number)
                    if number <= self.abort_first:
                        conn["chat"] = False
                        ws.transport.abort()
                elif data.get("event") == "chat.end":
                    conn["chat"] = False
        except Exception:
            pass
        finally:
            conn["chat"] = False

    def _run(self, coro: Any) -> Any:
        assert self._loop is not None
        return asyncio.run_coroutine_threadsafe(coro, self._loop).result(5)

    def broadcast(self, payload: dict[str, Any]) -> int:
        """Send an event to every chat-active connection; returns how many got it."""
        text = json.dumps(payload)

        async def send() -> int:
            n = 0
            for conn in list(self.connections):
                ws = conn.get("ws")
                if ws is not None and conn.get("chat"):
                    try:
                        await ws.send(text)
                        n += 1
                    except Exception:
                        pass
            return n

        if self._loop is not None and threading.current_thread() is not self._thread:
            return int(self._run(send()))
        raise RuntimeError("broadcast from the server thread")  # pragma: no cover

    def drop(self) -> None:
        """Abort every open connection (like a network failure or a server restart)."""

        async def drop() -> None:
            for conn in self.connections:
                ws = conn.get("ws")
                if ws is not None:
                    conn["chat"] = False
                    ws.transport.abort()

        self._run(drop())

    @property
    def live_connections(self) -> list[dict[str, Any]]:
        return [c for c in self.connections if c.get("chat")]

    # --- chat state -------------------------------------------------------------------------

    def post(self, channel: int, sender: int, content: str, *, broadcast: bool = True) -> dict[str, Any]:
        with self.lock:
            self.next_id += 1
            msg = {
                "channel_id": channel,
                "content": content,
                "is_action": False,
                "message_id": self.next_id,
                "sender_id": sender,
                "timestamp": datetime.now(timezone.utc).isoformat(),
                "type": "plain",
            }
            self.messages.setdefault(channel, []).append(msg)
        if broadcast:
            self.broadcast({"event": "chat.message.new", "data": {"messages": [msg], "users": [user(sender)]}})
        return msg

    # --- REST (httpx.MockTransport handler) -------------------------------------------------

    def rest(self, request: httpx.Request) -> httpx.Response:
        with self.lock:
            self.rest_requests.append(request)
        path = request.url.path
        if path == "/oauth/token":
            with self.lock:
                self.token_requests += 1
                n = self.token_requests
            return httpx.Response(200, json={"token_type": "Bearer", "expires_in": self.expires_in,
                                             "access_token": f"access-token-{n:04d}",
                                             "refresh_token": f"refresh-{n:04d}"})
        parts = path.strip("/").split("/")
        if parts[:3] != ["api", "v2", "chat"] and path != "/api/v2/me":
            return httpx.Response(404, json={"error": "not found"})
        if path == "/api/v2/me":
            return httpx.Response(200, json=user(BOT_ID))
        if path == "/api/v2/chat/ack":
            with self.lock:
                self.acks += 1
            return httpx.Response(200, json={"silences": []})
        if path == "/api/v2/chat/new":
            body = json.loads(request.content)
            msg = self.post(PM_CHANNEL, BOT_ID, body["message"])
            return httpx.Response(200, json={"channel": channel_json(PM_CHANNEL, "PM"), "message": msg,
                                             "new_channel_id": PM_CHANNEL})
        if len(parts) >= 5 and parts[3] == "channels":
            cid = int(parts[4])
            if len(parts) == 5 and request.method == "GET":
                return httpx.Response(200, json={"channel": channel_json(cid, self.channel_types.get(cid, "PUBLIC")),
                                                 "users": [user(OTHER_ID)]})
            if len(parts) == 7 and parts[5] == "users" and request.method == "PUT":
                return httpx.Response(200, json=channel_json(cid))
            if len(parts) == 6 and parts[5] == "messages":
                if request.method == "POST":
                    body = json.loads(request.content)
                    return httpx.Response(200, json={**self.post(cid, BOT_ID, body["message"]), "sender": user(BOT_ID)})
                params = request.url.params
                limit = int(params.get("limit", 50))
                with self.lock:
                    msgs = list(self.messages.get(cid, []))
                if "since" in params:
                    since = int(params["since"])
                    out = [m for m in msgs if m["message_id"] > since][:limit]
                else:
                    until = int(params["until"]) if "until" in params else None
                    older = [m for m in msgs if until is None or m["message_id"] < until]
                    out = older[-limit:]
                return httpx.Response(200, json=[{**m, "sender": user(m["sender_id"])} for m in out])
        return httpx.Response(404, json={"error": "not found"})


def user_token(expires_in: float = 86400, access: str = "access-token-0000") -> UserToken:
    token = Token(access_token=access, expires_at=time.time() + expires_in, refresh_token="refresh-0000",
                  scopes=SCOPES, user_id=BOT_ID)
    return UserToken(1, "secret-abcdef", token=token)


@pytest.fixture
def fake() -> Iterator[FakeOsu]:
    server = FakeOsu()
    server.start()
    yield server
    server.stop()


def make_async(fake: FakeOsu, **kw: Any) -> osukit.AsyncClient:
    kw.setdefault("grant", user_token())
    return osukit.AsyncClient(base_url=BASE, transport=httpx.MockTransport(fake.rest), rate_limit=0, **kw)


def make_sync(fake: FakeOsu, **kw: Any) -> osukit.Client:
    kw.setdefault("grant", user_token())
    return osukit.Client(base_url=BASE, transport=httpx.MockTransport(fake.rest), rate_limit=0, **kw)


FAST = ReconnectPolicy(initial=0.2, maximum=1.0, jitter=0.5)


async def wait_for(predicate: Callable[[], bool], timeout: float = 5.0) -> None:
    deadline = time.monotonic() + timeout
    while not predicate():
        if time.monotonic() > deadline:
            raise AssertionError("condition not met in time")
        await asyncio.sleep(0.01)
