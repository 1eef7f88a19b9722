"""Deep JSON, the whole kind: every parser osukit runs on outside data answers a typed error (or a
logged, skipped chat frame), never a bare ``RecursionError``.

Each parser gets every payload of ``PAYLOADS``: unterminated and balanced arrays and objects at
several depths, at the top level or inside an otherwise valid object.
"""

from __future__ import annotations

import asyncio
import json
import logging
import sqlite3
import threading
from collections.abc import Callable, Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

import pytest

import osukit
from osukit.game.replay import Replay, ReplayError, compress_frames
from osukit.realtime import NotificationEvent, RawEvent, parse_event

from .._figures import count

DEPTHS = (1_000, 20_000, 100_000, 400_000)


def _payloads() -> list[tuple[str, bytes]]:
    out: list[tuple[str, bytes]] = []
    for d in DEPTHS:
        out.append((f"open-array-{d}", b"[" * d))
        out.append((f"array-{d}", b"[" * d + b"]" * d))
        out.append((f"object-{d}", b'{"a":' * d + b"1" + b"}" * d))
        out.append((f"inside-error-{d}", b'{"error":' + b"[" * d + b"]" * d + b"}"))
    return out


PAYLOADS = _payloads()
IDS = [name for name, _ in PAYLOADS]
NO_RETRY = osukit.RetryPolicy(max_retries=0)


class _Deep(BaseHTTPRequestHandler):
    payload = b""
    status = 400

    def log_message(self, format: str, *args: Any) -> None:
        return

    def _answer(self) -> None:
        length = int(self.headers.get("content-length") or 0)
        self.rfile.read(length)
        server: Any = self.server
        status = server.statuses.get(self.path.split("?")[0], server.status)
        self.send_response(status)
        self.send_header("content-type", "application/json")
        self.send_header("content-length", str(len(server.payload)))
        self.end_headers()
        self.wfile.write(server.payload)

    do_GET = do_POST = _answer


@pytest.fixture(scope="module")
def deep_server() -> Iterator[Any]:
    server: Any = ThreadingHTTPServer(("127.0.0.1", 0), _Deep)
    server.payload = b""
    server.status = 400
    server.statuses = {}
    server.url = f"http://127.0.0.1:{server.server_address[1]}"
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield server
    server.shutdown()
    server.server_close()


def _expect_typed(call: Callable[[], Any], kinds: tuple[type[BaseException], ...] = (osukit.OsukitError,)) -> None:
    try:
        call()
    except RecursionError:  # pragma: no cover - the bug this file is about
        raise
    except kinds:
        count("deep JSON", "inputs refused with a typed error")
        return
    count("deep JSON", "inputs parsed without error")  # shallow enough to parse: fine too


@pytest.mark.parametrize(("name", "payload"), PAYLOADS, ids=IDS)
def test_http_parsers(deep_server: Any, name: str, payload: bytes) -> None:
    deep_server.payload = payload
    # v2 error bodies (400 and 500), the success body, the token endpoint (400 and 200), v1 errors
    for status in (400, 500, 200):
        deep_server.status = status
        static = osukit.Client(access_token="deep-json-token-01234", base_url=deep_server.url, rate_limit=0,
                               retry=NO_RETRY)
        _expect_typed(lambda c=static: c.users.get(2))  # type: ignore[misc]
        static.close()
        cc = osukit.Client(client_id=1, client_secret="deep-json-secret-0123", base_url=deep_server.url,
                           rate_limit=0, retry=NO_RETRY)
        _expect_typed(lambda c=cc: c.get_token())  # type: ignore[misc]
        cc.close()
        v1 = osukit.Client(api_key="deep-json-key-0123456", base_url=deep_server.url, rate_limit=0, retry=NO_RETRY)
        _expect_typed(lambda c=v1: c.legacy.get_user(2))  # type: ignore[misc]
        v1.close()


@pytest.mark.parametrize(("name", "payload"), PAYLOADS[::3], ids=IDS[::3])
def test_async_http_parsers(deep_server: Any, name: str, payload: bytes) -> None:
    deep_server.payload = payload
    deep_server.status = 400

    async def run() -> None:
        for backend in ("httpx", "aiohttp"):
            async with osukit.AsyncClient(access_token="deep-json-token-01234", base_url=deep_server.url,
                                          rate_limit=0, retry=NO_RETRY, http_backend=backend) as c:
                try:
                    await c.users.get(2)
                except osukit.OsukitError:
                    count("deep JSON", "inputs refused with a typed error")

    asyncio.run(run())


@pytest.mark.parametrize(("name", "payload"), PAYLOADS, ids=IDS)
def test_token_stores(tmp_path: Path, name: str, payload: bytes) -> None:
    file_path = tmp_path / "tokens.json"
    file_path.write_bytes(payload)
    file_path.chmod(0o600)
    _expect_typed(lambda: osukit.FileTokenStore(file_path).load("k"), (osukit.TokenStoreError,))
    # a record that is itself deep, inside a valid file
    file_path.write_bytes(b'{"k": ' + payload + b"}")
    _expect_typed(lambda: osukit.FileTokenStore(file_path).load("k"), (osukit.TokenStoreError,))
    db_path = tmp_path / "tokens.db"
    store = osukit.SQLiteTokenStore(db_path)
    with sqlite3.connect(db_path) as db:
        db.execute("INSERT OR REPLACE INTO osukit_tokens (key, token) VALUES (?, ?)", ("k", payload.decode()))
    _expect_typed(lambda: store.load("k"), (osukit.TokenStoreError,))
    # the memory store holds Token objects, never text: nothing to parse
    memory = osukit.MemoryTokenStore()
    memory.save("k", osukit.Token(access_token="memory-token-0123", expires_at=0.0))
    assert memory.load("k") is not None


def test_redis_token_store(tmp_path: Path) -> None:
    pytest.importorskip("redis")
    from tests.scale._servers import RedisServer, in_ci, redis_available

    if not redis_available():
        if in_ci():
            pytest.fail("redis-server is not installed")
        pytest.skip("redis-server is not installed")
    import redis

    from osukit.contrib.redis import RedisCheckpointStore, RedisTokenStore

    server = RedisServer()
    server.start()
    try:
        raw = redis.Redis.from_url(server.url)
        store = RedisTokenStore(server.url)
        checkpoints = RedisCheckpointStore(server.url)
        for _, payload in PAYLOADS:
            raw.set("osukit:token:k", payload)
            raw.set("osukit:crawl:k", payload)
            _expect_typed(lambda: store.load("k"), (osukit.TokenStoreError,))
            _expect_typed(lambda: checkpoints.load("k"), (osukit.TokenStoreError,))
        store.close()
        checkpoints.close()
        raw.close()
    finally:
        server.close()


@pytest.mark.parametrize(("name", "payload"), PAYLOADS, ids=IDS)
def test_osr_lazer_extra_data(name: str, payload: bytes) -> None:
    base = Replay(ruleset="osu", game_version=30000019).to_bytes()  # type: ignore[arg-type]
    assert base.endswith(b"\x00\x00\x00\x00")  # the empty extra-data block comes last
    blob = compress_frames(payload)
    osr = base[:-4] + len(blob).to_bytes(4, "little") + blob
    _expect_typed(lambda: Replay.from_bytes(osr), (ReplayError,))


def test_crawl_checkpoint_file(tmp_path: Path) -> None:
    from osukit.contrib._crawl import FileCheckpoint

    for _, payload in PAYLOADS:
        path = tmp_path / "checkpoint.json"
        path.write_bytes(payload)
        _expect_typed(lambda p=path: FileCheckpoint(p).load("k"))  # type: ignore[misc]


# --- chat websocket frames ---------------------------------------------------------------------


@pytest.mark.parametrize(("name", "payload"), PAYLOADS, ids=IDS)
def test_parse_event_never_raises(name: str, payload: bytes, caplog: pytest.LogCaptureFixture) -> None:
    for frame in (payload, b'{"event":"new","data":' + payload + b"}",
                  b'{"event":"chat.message.new","data":' + payload + b"}", b'{"event":' + payload + b"}"):
        event = parse_event(frame)
        assert isinstance(event, (RawEvent, NotificationEvent))
        count("deep JSON", "websocket frames parsed")


def test_a_deep_frame_does_not_silence_the_chat_stream(caplog: pytest.LogCaptureFixture) -> None:
    pytest.importorskip("websockets")
    from websockets.asyncio.server import serve

    caplog.set_level(logging.WARNING, logger="osukit")
    deep = b"[" * 100_000
    nested_payload = b'{"event":"new","data":' + b"[" * 100_000 + b"]" * 100_000 + b"}"

    async def handler(ws: Any) -> None:
        await ws.send('{"event":"connection.ready"}')
        await ws.recv()  # chat.start
        await ws.send(deep)
        await ws.send(nested_payload)
        await ws.send(json.dumps({"event": "new", "data": {"id": 7, "name": "after the deep frames"}}))
        await ws.wait_closed()

    async def run() -> list[Any]:
        async with serve(handler, "127.0.0.1", 0, max_size=None) as server:
            port = next(iter(server.sockets)).getsockname()[1]
            async with osukit.AsyncClient(access_token="deep-frame-token-0123", base_url="http://127.0.0.1:9",
                                          rate_limit=0) as client:
                async with client.chat_stream(url=f"ws://127.0.0.1:{port}", keepalive=None, catch_up=False) as stream:
                    seen: list[Any] = []

                    async def collect() -> None:
                        async for event in stream:
                            seen.append(event)
                            if isinstance(event, NotificationEvent) and isinstance(event.data, dict):
                                return

                    await asyncio.wait_for(collect(), 30)
                    return seen

    seen = asyncio.run(run())
    last = seen[-1]
    assert isinstance(last, NotificationEvent) and last.data == {"id": 7, "name": "after the deep frames"}
    # both deep frames came through as RawEvents (the nested one with a warning); the stream went on
    assert sum(isinstance(e, RawEvent) for e in seen) == 2
    assert any("nested too deeply" in r.getMessage() for r in caplog.records)


@pytest.mark.parametrize("depth", DEPTHS)
def test_cli_config_file(depth: int) -> None:
    from osukit.cli._config import parse_config

    for text in ("client_id = " + "[" * depth, "client_id = " + "[" * depth + "]" * depth,
                 "client_id = " + "{a = " * depth + "1" + "}" * depth):
        _expect_typed(lambda t=text: parse_config(t))  # type: ignore[misc]


@pytest.mark.parametrize(("name", "payload"), PAYLOADS[::2], ids=IDS[::2])
def test_cli_mods_argument(name: str, payload: bytes) -> None:
    from osukit.cli._errors import CliError
    from osukit.cli._game import _parse_mods
    from osukit.game import ModError

    _expect_typed(lambda: _parse_mods(payload.decode(), None), (CliError, ModError))
