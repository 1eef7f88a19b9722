"""Loopback servers for the scale-out tests and bench: redis-server, a token endpoint, a paged listing.

Used by tests/scale and bench/bench_scale.py; the HTTP servers are stdlib only so that
many worker processes can share one, and they count what they serve.
"""

from __future__ import annotations

import json
import os
import shutil
import socket
import subprocess
import tempfile
import threading
import time
from collections import deque
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any
from urllib.parse import parse_qs, urlsplit


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


class RedisServer:
    """A throwaway redis-server on a free loopback port (no persistence)."""

    def __init__(self) -> None:
        binary = shutil.which("redis-server")
        if binary is None:
            raise FileNotFoundError("redis-server")
        self.binary = binary
        self.port = free_port()
        self.dir = tempfile.mkdtemp(prefix="osukit-redis-")
        self.proc: subprocess.Popen[bytes] | None = None

    @property
    def url(self) -> str:
        return f"redis://127.0.0.1:{self.port}/0"

    def start(self) -> None:
        self.proc = subprocess.Popen(
            [self.binary, "--port", str(self.port), "--bind", "127.0.0.1", "--save", "", "--appendonly", "no",
             "--dir", self.dir, "--protected-mode", "no"],
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )
        deadline = time.monotonic() + 10
        while time.monotonic() < deadline:
            try:
                with socket.create_connection(("127.0.0.1", self.port), timeout=0.2) as s:
                    s.sendall(b"PING\r\n")
                    if s.recv(16).startswith(b"+PONG"):
                        return
            except OSError:
                time.sleep(0.02)
        raise RuntimeError(f"redis-server did not start on port {self.port}")

    def stop(self) -> None:
        if self.proc is not None:
            self.proc.terminate()
            try:
                self.proc.wait(5)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait(5)
            self.proc = None

    def close(self) -> None:
        self.stop()
        shutil.rmtree(self.dir, ignore_errors=True)


class _Handler(BaseHTTPRequestHandler):
    server: CountingServer
    protocol_version = "HTTP/1.1"

    def log_message(self, format: str, *args: Any) -> None:
        pass

    def _reply(self, status: int, body: Any, headers: dict[str, str] | None = None) -> None:
        data = json.dumps(body).encode()
        self.send_response(status)
        self.send_header("content-type", "application/json")
        self.send_header("content-length", str(len(data)))
        for k, v in (headers or {}).items():
            self.send_header(k, v)
        self.end_headers()
        self.wfile.write(data)

    def do_POST(self) -> None:
        length = int(self.headers.get("content-length") or 0)
        self.rfile.read(length)
        if urlsplit(self.path).path == "/oauth/token":
            n = self.server.count("token")
            time.sleep(self.server.token_delay)
            self._reply(200, {"token_type": "Bearer", "expires_in": 86400, "access_token": f"shared-token-{n:06d}"})
        else:
            self._reply(404, {"error": "not found"})

    def do_GET(self) -> None:
        parts = urlsplit(self.path)
        query = parse_qs(parts.query)
        srv = self.server
        verdict = srv.admit()
        if verdict is not None:
            srv.count("429")
            self._reply(429, {"error": "Too Many Attempts."}, verdict)
            return
        srv.count("api")
        srv.stamp()
        if srv.page_delay:
            time.sleep(srv.page_delay)
        if parts.path == "/api/v2/items":
            offset = int(query.get("offset", ["0"])[0])
            limit = int(query.get("limit", ["100"])[0])
            srv.count(f"page:{offset}")
            end = min(offset + limit, srv.total_items)
            self._reply(200, [{"id": i, "name": f"item-{i}"} for i in range(offset, end)])
        elif parts.path == "/api/v2/users":
            ids = [int(v) for v in query.get("ids[]", [])]
            srv.count(f"chunk:{ids[0] if ids else -1}")
            self._reply(200, {"users": [{"id": i, "username": f"user{i}"} for i in ids if i % 97 != 0]})
        elif parts.path == "/api/v2/me":
            self._reply(200, {"id": 2, "username": "peppy"})
        else:
            self._reply(200, {"ok": True})


class CountingServer(ThreadingHTTPServer):
    """A loopback osu!-like server: ``/oauth/token`` (counted), ``/api/v2/items?offset&limit``
    (a listing of ``total_items``), ``/api/v2/users?ids[]=`` (ids not divisible by 97 exist)."""

    daemon_threads = True

    def __init__(
        self,
        *,
        total_items: int = 10_000,
        page_delay: float = 0.0,
        token_delay: float = 0.05,
        rate_limit: int | None = None,
        window: float = 60.0,
    ) -> None:
        super().__init__(("127.0.0.1", 0), _Handler)
        self.rate_limit = rate_limit
        self.window = window
        self._admitted: deque[float] = deque()
        self.total_items = total_items
        self.page_delay = page_delay
        self.token_delay = token_delay
        self.counts: dict[str, int] = {}
        self.times: list[float] = []
        self._lock = threading.Lock()
        self._thread = threading.Thread(target=self.serve_forever, daemon=True)

    @property
    def base_url(self) -> str:
        return f"http://127.0.0.1:{self.server_address[1]}"

    def count(self, name: str) -> int:
        with self._lock:
            self.counts[name] = self.counts.get(name, 0) + 1
            return self.counts[name]

    def handle_error(self, request: Any, client_address: Any) -> None:
        # A client SIGKILLed mid-response (the crawl tests do that on purpose) is not news.
        import sys

        if not isinstance(sys.exc_info()[1], (BrokenPipeError, ConnectionResetError)):
            super().handle_error(request, client_address)

    def admit(self) -> dict[str, str] | None:
        """A strict sliding-window throttle (``rate_limit`` per ``window`` seconds): None when the
        request may pass, else the 429's headers."""
        if self.rate_limit is None:
            return None
        with self._lock:
            now = time.monotonic()
            while self._admitted and self._admitted[0] <= now - self.window:
                self._admitted.popleft()
            if len(self._admitted) >= self.rate_limit:
                retry = max(1, int(self._admitted[0] + self.window - now + 1))
                return {"retry-after": str(retry), "x-ratelimit-limit": str(self.rate_limit),
                        "x-ratelimit-remaining": "0"}
            self._admitted.append(now)
            return None

    def stamp(self) -> None:
        with self._lock:
            self.times.append(time.monotonic())

    def __enter__(self) -> CountingServer:
        self._thread.start()
        return self

    def __exit__(self, *exc: Any) -> None:
        self.shutdown()
        self.server_close()


def redis_available() -> bool:
    return shutil.which("redis-server") is not None


def in_ci() -> bool:
    return bool(os.environ.get("CI"))
