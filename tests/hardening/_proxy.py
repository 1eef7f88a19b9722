"""A recording forward HTTP proxy on loopback: notes each request line, forwards it, relays the answer."""

from __future__ import annotations

import socket
import socketserver
import threading
from typing import Any
from urllib.parse import urlsplit


def _read_head(sock: socket.socket) -> tuple[bytes, bytes]:
    data = b""
    while b"\r\n\r\n" not in data:
        part = sock.recv(65536)
        if not part:
            raise ConnectionError("closed before the end of the head")
        data += part
    head, rest = data.split(b"\r\n\r\n", 1)
    return head, rest


class _Handler(socketserver.BaseRequestHandler):
    server: RecordingProxy

    def handle(self) -> None:
        client: socket.socket = self.request
        client.settimeout(30)
        try:
            head, rest = _read_head(client)
        except (ConnectionError, OSError):
            return
        lines = head.decode("latin-1").split("\r\n")
        method, target, version = lines[0].split(" ", 2)
        with self.server.lock:
            self.server.lines.append(f"{method} {target} {version}")
        url = urlsplit(target)
        if not url.hostname:
            client.sendall(b"HTTP/1.1 400 Bad Request\r\nContent-Length: 0\r\nConnection: close\r\n\r\n")
            return
        headers = [h for h in lines[1:] if not h.lower().startswith(("connection:", "proxy-", "keep-alive:"))]
        length = 0
        for h in headers:
            if h.lower().startswith("content-length:"):
                length = int(h.split(":", 1)[1])
        body = rest
        while len(body) < length:
            part = client.recv(65536)
            if not part:
                break
            body += part
        path = url.path or "/"
        if url.query:
            path += "?" + url.query
        upstream = socket.create_connection((url.hostname, url.port or 80), timeout=30)
        try:
            upstream.sendall(
                f"{method} {path} {version}\r\n".encode("latin-1")
                + "".join(h + "\r\n" for h in headers).encode("latin-1")
                + b"Connection: close\r\n\r\n"
                + body
            )
            while True:
                part = upstream.recv(65536)
                if not part:
                    break
                client.sendall(part)
        finally:
            upstream.close()


class RecordingProxy(socketserver.ThreadingTCPServer):
    daemon_threads = True
    allow_reuse_address = True

    def __init__(self) -> None:
        super().__init__(("127.0.0.1", 0), _Handler)
        self.lines: list[str] = []
        self.lock = threading.Lock()
        self._thread = threading.Thread(target=self.serve_forever, daemon=True)

    @property
    def url(self) -> str:
        host, port = self.server_address[:2]
        return f"http://{host!s}:{port}"

    def __enter__(self) -> RecordingProxy:
        self._thread.start()
        return self

    def __exit__(self, *exc: Any) -> None:
        self.shutdown()
        self.server_close()
