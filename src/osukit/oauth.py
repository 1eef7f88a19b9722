"""The authorization-code login: a one-shot local callback server, or a pasted redirect URL.

[`CallbackServer`][osukit.oauth.CallbackServer] listens on ``127.0.0.1`` only (never on other
interfaces), answers exactly one callback whose ``state`` matches (compared
in constant time), shows the user a short page, and shuts down. Callbacks with
a wrong or missing state get a 400 page and are otherwise ignored, so a stray
or forged request cannot end or hijack the login.

``client.login(redirect_uri=...)`` drives the whole thing; this module holds
the parts without a client so they can be tested and reused.
"""

from __future__ import annotations

import html
import threading
import webbrowser
from collections.abc import Callable
from http.server import BaseHTTPRequestHandler, HTTPServer
from typing import Any
from urllib.parse import parse_qs, urlsplit

from ._exceptions import AuthenticationError, ConfigurationError
from .auth import states_match

__all__ = ["CallbackResult", "CallbackServer", "open_browser", "parse_redirect"]

_LOOPBACK_HOSTS = {"127.0.0.1", "localhost"}


class CallbackResult:
    """The ``code`` (or osu!'s ``error``) a valid callback carried."""

    def __init__(self, code: str | None, error: str | None = None, error_description: str | None = None) -> None:
        self.code = code
        self.error = error
        self.error_description = error_description

    def __repr__(self) -> str:
        return f"CallbackResult(code={'[redacted]' if self.code else None}, error={self.error!r})"


def _first(query: dict[str, list[str]], name: str) -> str | None:
    values = query.get(name)
    return values[0] if values else None


def parse_redirect(url: str, expected_state: str) -> CallbackResult:
    """Read ``code``/``state`` (or ``error``) from the URL osu! redirected to; check the state.

    Raises [`AuthenticationError`][osukit.AuthenticationError] when the state does not match or the
    URL carries neither a code nor an error.
    """
    try:
        query = parse_qs(urlsplit(url.strip()).query, keep_blank_values=True, max_num_fields=20)
    except ValueError:
        raise AuthenticationError("that is not a redirect URL", status_code=400) from None
    state = _first(query, "state")
    if not states_match(expected_state, state):
        raise AuthenticationError(
            "OAuth state mismatch: this redirect did not come from this login attempt", status_code=400
        )
    error = _first(query, "error")
    if error:
        desc = _first(query, "error_description")
        return CallbackResult(None, error, desc)
    code = _first(query, "code")
    if not code:
        raise AuthenticationError("the redirect URL carries no authorization code", status_code=400)
    return CallbackResult(code)


_PAGE = """<!doctype html><html><head><meta charset="utf-8"><title>osukit</title></head>
<body style="font-family:sans-serif;max-width:32em;margin:4em auto"><h1>{title}</h1><p>{text}</p></body></html>"""


class CallbackServer:
    """A one-shot HTTP server on 127.0.0.1 that waits for osu!'s OAuth redirect.

    For example:

    ```python
    with CallbackServer("http://127.0.0.1:8080/callback", state) as server:
        webbrowser.open(authorize_url)
        result = server.wait(timeout=300)
    ```
    """

    def __init__(self, redirect_uri: str, state: str) -> None:
        parts = urlsplit(redirect_uri)
        if parts.scheme != "http" or parts.hostname not in _LOOPBACK_HOSTS:
            raise ConfigurationError(
                "the callback server only listens on loopback: use a redirect_uri like "
                "http://127.0.0.1:8080/callback (and register exactly that in your osu! OAuth app)"
            )
        self.path = parts.path or "/"
        self.state = state
        self._result: CallbackResult | None = None
        self._done = threading.Event()
        server_self = self

        class Handler(BaseHTTPRequestHandler):
            def do_GET(self) -> None:
                server_self._handle(self)

            def log_message(self, format: str, *args: Any) -> None:
                return None  # the query holds the code: never log it

        self._httpd = HTTPServer(("127.0.0.1", parts.port or 80), Handler)
        self._httpd.timeout = 0.2
        self.port = self._httpd.server_address[1]
        self._thread = threading.Thread(target=self._serve, name="osukit-oauth-callback", daemon=True)

    def _serve(self) -> None:
        while not self._done.is_set():
            self._httpd.handle_request()

    def _reply(self, handler: BaseHTTPRequestHandler, status: int, title: str, text: str) -> None:
        body = _PAGE.format(title=html.escape(title), text=html.escape(text)).encode()
        handler.send_response(status)
        handler.send_header("Content-Type", "text/html; charset=utf-8")
        handler.send_header("Content-Length", str(len(body)))
        handler.send_header("Cache-Control", "no-store")
        handler.end_headers()
        handler.wfile.write(body)

    def _handle(self, handler: BaseHTTPRequestHandler) -> None:
        if self._done.is_set():
            self._reply(handler, 410, "Already done", "This login has finished; you can close this tab.")
            return
        if urlsplit(handler.path).path != self.path:
            self._reply(handler, 404, "Not found", "This is not the login callback.")
            return
        try:
            result = parse_redirect(handler.path, self.state)
        except AuthenticationError as exc:
            self._reply(handler, 400, "Login not accepted", exc.message)
            return
        self._result = result
        if result.error:
            self._reply(handler, 400, "Login refused", result.error_description or result.error)
        else:
            self._reply(handler, 200, "Logged in", "osukit has your authorization. You can close this tab.")
        self._done.set()

    @property
    def redirect_uri(self) -> str:
        """The redirect URI the server answers (with the actual port)."""
        return f"http://127.0.0.1:{self.port}{self.path}"

    def __enter__(self) -> CallbackServer:
        self._thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def close(self) -> None:
        """Stop listening (idempotent)."""
        self._done.set()
        if self._thread.is_alive():
            self._thread.join(timeout=2)
        self._httpd.server_close()

    def wait(self, timeout: float = 300.0) -> CallbackResult:
        """Block until a valid callback arrives; raise [`AuthenticationError`][osukit.AuthenticationError] on timeout or refusal."""
        if not self._done.wait(timeout):
            raise AuthenticationError(f"no OAuth callback within {timeout:.0f}s", status_code=408)
        result = self._result
        if result is None:
            raise AuthenticationError("the login was cancelled", status_code=400)
        if result.error:
            raise AuthenticationError(
                f"osu! refused the authorization: {result.error_description or result.error}", status_code=400
            )
        return result


def open_browser(url: str) -> bool:
    """Open ``url`` in a browser; False when there is none (headless machines)."""
    try:
        return bool(webbrowser.open(url))
    except webbrowser.Error:
        return False


PromptFn = Callable[[str], str]
