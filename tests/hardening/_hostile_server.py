"""A tiny loopback HTTP server that misbehaves on purpose: trickles, gzip bombs, loops.

Runs in a thread; each connection is answered by a path handler and closed.
"""

from __future__ import annotations

import socket
import socketserver
import threading
import time
import zlib
from collections.abc import Callable
from typing import Any

_BOMB_CACHE: dict[tuple[str, int], bytes] = {}


def bomb(encoding: str, size: int) -> bytes:
    """``size`` zero bytes compressed (gzip or zlib-wrapped deflate), built in small steps."""
    key = (encoding, size)
    if key not in _BOMB_CACHE:
        wbits = 16 + zlib.MAX_WBITS if encoding == "gzip" else zlib.MAX_WBITS
        z = zlib.compressobj(9, zlib.DEFLATED, wbits)
        chunk = b"\0" * (1 << 20)
        out = [z.compress(chunk) for _ in range(size >> 20)]
        out.append(z.flush())
        _BOMB_CACHE[key] = b"".join(out)
    return _BOMB_CACHE[key]


class _Handler(socketserver.BaseRequestHandler):
    server: HostileServer

    def handle(self) -> None:
        sock: socket.socket = self.request
        sock.settimeout(30)
        data = b""
        while b"\r\n\r\n" not in data:
            part = sock.recv(65536)
            if not part:
                return
            data += part
        head = data.split(b"\r\n\r\n", 1)[0].decode("latin-1")
        request_line = head.split("\r\n", 1)[0]
        _, target, _ = request_line.split(" ", 2)
        path = target.split("?", 1)[0].lstrip("/")
        self.server.hits.append(target)
        handler = self.server.routes.get(path)
        try:
            if handler is None:
                sock.sendall(b"HTTP/1.1 404 Not Found\r\nContent-Length: 0\r\nConnection: close\r\n\r\n")
            else:
                handler(sock, target)
        except OSError:
            pass  # the client gave up: that is the point of most of these routes


class HostileServer(socketserver.ThreadingTCPServer):
    daemon_threads = True
    allow_reuse_address = True

    def __init__(self) -> None:
        super().__init__(("127.0.0.1", 0), _Handler)
        self.routes: dict[str, Callable[[socket.socket, str], None]] = {
            "trickle": self._trickle,
            "trickle-headers": self._trickle_headers,
            "trickle-head-bytes": self._trickle_head_bytes,
            "gzip-bomb": lambda s, t: self._compressed(s, "gzip"),
            "deflate-bomb": lambda s, t: self._compressed(s, "deflate"),
            "big-plain": self._big_plain,
            "big-declared": self._big_declared,
        }
        self.hits: list[str] = []
        self.trickle_seconds = 10
        self.bomb_size = 256 << 20
        self._thread = threading.Thread(target=self.serve_forever, daemon=True)

    @property
    def url(self) -> str:
        host, port = self.server_address[:2]
        return f"http://{host!s}:{port}"

    def __enter__(self) -> HostileServer:
        self._thread.start()
        return self

    def __exit__(self, *exc: Any) -> None:
        self.shutdown()
        self.server_close()

    def _trickle(self, sock: socket.socket, target: str) -> None:
        n = self.trickle_seconds
        sock.sendall(
            f"HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nContent-Length: {n + 2}\r\n"
            "Connection: close\r\n\r\n[".encode()
        )
        for _ in range(n):
            time.sleep(1)
            sock.sendall(b" ")
        sock.sendall(b"]")

    def _trickle_headers(self, sock: socket.socket, target: str) -> None:
        sock.sendall(b"HTTP/1.1 200 OK\r\n")
        for i in range(self.trickle_seconds):
            time.sleep(1)
            sock.sendall(f"X-Slow-{i}: a\r\n".encode())
        sock.sendall(b"Content-Length: 2\r\nConnection: close\r\n\r\n[]")

    HEAD_BYTE_GAP = 0.3
    SLOW_HEAD = (b"HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nX-Slow: " + b"a" * 60
                 + b"\r\nContent-Length: 2\r\nConnection: close\r\n\r\n")

    def _trickle_head_bytes(self, sock: socket.socket, target: str) -> None:
        """The status line and headers one byte every 0.3 s (~40 s in all), then ``[]``."""
        for i in range(len(self.SLOW_HEAD)):
            sock.sendall(self.SLOW_HEAD[i:i + 1])
            time.sleep(self.HEAD_BYTE_GAP)
        sock.sendall(b"[]")

    def _compressed(self, sock: socket.socket, encoding: str) -> None:
        body = bomb(encoding, self.bomb_size)
        sock.sendall(
            f"HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nContent-Encoding: {encoding}\r\n"
            f"Content-Length: {len(body)}\r\nConnection: close\r\n\r\n".encode()
        )
        sock.sendall(body)

    def _big_plain(self, sock: socket.socket, target: str) -> None:
        # No Content-Length: the size is only known by reading (chunked would do as well).
        sock.sendall(b"HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nConnection: close\r\n\r\n")
        chunk = b" " * (1 << 20)
        for _ in range(64):
            sock.sendall(chunk)

    def _big_declared(self, sock: socket.socket, target: str) -> None:
        sock.sendall(
            b"HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nContent-Length: 999999999999\r\n"
            b"Connection: close\r\n\r\n["
        )

BACKENDS = ["sync", "aiohttp", "httpx"]
"""The three transports every hostile-server test runs on: the sync client, and the async one on each backend."""


def call(backend: str, base_url: str, path: str, **options: Any) -> Any:
    """``GET path`` on ``base_url`` with a fresh client of ``backend`` (one of `BACKENDS`)."""
    import asyncio

    import osukit

    options.setdefault("rate_limit", 0)
    if backend == "sync":
        with osukit.Client(base_url=base_url, **options) as osu:
            return osu.request("GET", path)

    async def run() -> Any:
        async with osukit.AsyncClient(base_url=base_url, http_backend=backend, **options) as osu:
            return await osu.request("GET", path)

    return asyncio.run(run())
