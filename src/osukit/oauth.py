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

import errno
import html
import sys
import threading
import time
import webbrowser
from collections.abc import Callable
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any
from urllib.parse import parse_qs, urlsplit

from ._exceptions import AuthenticationError, ConfigurationError
from ._redact import logger
from .auth import states_match

__all__ = [
    "CallbackResult",
    "CallbackServer",
    "open_browser",
    "parse_redirect",
    "print_login_url",
    "wait_for_redirect",
]

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
    if state is None and _first(query, "code") is None and _first(query, "error") is None:
        # e.g. "garbage", or the authorize URL itself: not the address osu! redirected to
        raise AuthenticationError(
            "that is not a redirect URL (it carries no code, state or error): paste the whole address the "
            "browser lands on after approving (the callback address, with its code and state)",
            status_code=400)
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

    Each connection is served on its own thread with a socket timeout
    (`connection_timeout` seconds), so an idle or slow connection (a
    browser's speculative preconnect, a port scanner) cannot hold up the real
    callback. The login completes as soon as a valid callback has been *read*:
    a browser that resets the connection before the page is written does not
    lose it.

    For example:

    ```python
    with CallbackServer("http://127.0.0.1:8080/callback", state) as server:
        webbrowser.open(authorize_url)
        result = server.wait(timeout=300)
    ```

    Raises:
        ConfigurationError: the redirect URI is not ``http://`` on ``127.0.0.1``/``localhost``,
            or its port is already taken (another program, or a login still running).

    A redirect URI with port ``0`` binds a free port; `redirect_uri` then
    names it, and osu! accepts it only if the application's registered callback
    URL is exactly that (the emulator accepts any).
    """

    connection_timeout: float = 10.0
    """Seconds a connection may stay silent before the server drops it."""

    def __init__(self, redirect_uri: str, state: str) -> None:
        parts = urlsplit(redirect_uri)
        if parts.scheme != "http" or parts.hostname not in _LOOPBACK_HOSTS:
            raise ConfigurationError(
                "the callback server only listens on loopback: use a redirect_uri like "
                "http://127.0.0.1:8080/callback (and register exactly that in your osu! OAuth app)"
            )
        try:
            requested_port = parts.port
        except ValueError:
            raise ConfigurationError(f"the redirect_uri has an invalid port: {redirect_uri!r}") from None
        self.path = parts.path or "/"
        self.host = parts.hostname or "127.0.0.1"
        self.requested_port = requested_port
        """The port the redirect URI names (None when it names none: 80); 0 binds a free one."""
        self.state = state
        self._result: CallbackResult | None = None
        self._done = threading.Event()
        self._lock = threading.Lock()
        server_self = self

        class Handler(BaseHTTPRequestHandler):
            timeout = self.connection_timeout  # per-connection socket timeout (StreamRequestHandler)

            def do_GET(self) -> None:
                server_self._handle(self)

            def log_message(self, format: str, *args: Any) -> None:
                return None  # the query holds the code: never log it

        port = 80 if requested_port is None else requested_port
        try:
            self._httpd = _QuietThreadingServer(("127.0.0.1", port), Handler)
        except OSError as exc:
            if exc.errno in (errno.EADDRINUSE, errno.EACCES):
                why = "is already in use" if exc.errno == errno.EADDRINUSE else "needs privileges to bind"
                raise ConfigurationError(
                    f"cannot listen for the OAuth callback on 127.0.0.1:{port}: the port {why}. "
                    "Close what holds it (another `osukit login`?), or use another redirect_uri port "
                    "registered in your osu! OAuth application"
                ) from None
            raise ConfigurationError(
                f"cannot listen for the OAuth callback on 127.0.0.1:{port}: {exc.strerror or exc}"
            ) from None
        self.port = int(self._httpd.server_address[1])
        self._thread = threading.Thread(target=self._serve, name="osukit-oauth-callback", daemon=True)
        if requested_port == 0:
            logger.warning(
                "OAuth callback: redirect_uri port 0 bound %s; osu! accepts it only if it is exactly "
                "your application's registered callback URL", self.redirect_uri,
            )

    def _serve(self) -> None:
        self._httpd.serve_forever(poll_interval=0.1)

    def _reply(self, handler: BaseHTTPRequestHandler, status: int, title: str, text: str) -> None:
        body = _PAGE.format(title=html.escape(title), text=html.escape(text)).encode()
        try:
            handler.send_response(status)
            handler.send_header("Content-Type", "text/html; charset=utf-8")
            handler.send_header("Content-Length", str(len(body)))
            handler.send_header("Cache-Control", "no-store")
            handler.send_header("Connection", "close")
            handler.end_headers()
            handler.wfile.write(body)
        except OSError:  # the browser went away first: the page is lost, nothing else is
            handler.close_connection = True

    def _handle(self, handler: BaseHTTPRequestHandler) -> None:
        handler.close_connection = True
        if urlsplit(handler.path).path != self.path:
            self._reply(handler, 404, "Not found", "This is not the login callback.")
            return
        with self._lock:
            if self._done.is_set():
                done = True
            else:
                done = False
                refusal = ""
                try:
                    result: CallbackResult | None = parse_redirect(handler.path, self.state)
                except AuthenticationError as exc:
                    result = None
                    refusal = exc.message
                if result is not None:
                    # Recorded before the page is written: a reset connection cannot lose the login.
                    self._result = result
                    self._done.set()
        if done:
            self._reply(handler, 410, "Already done", "This login has finished; you can close this tab.")
        elif result is None:
            self._reply(handler, 400, "Login not accepted", refusal)
        elif result.error:
            self._reply(handler, 400, "Login refused", result.error_description or result.error)
        else:
            self._reply(handler, 200, "Logged in", "osukit has your authorization. You can close this tab.")


    @property
    def redirect_uri(self) -> str:
        """The redirect URI the server answers (with the actual port)."""
        return f"http://{self.host}:{self.port}{self.path}"

    @property
    def done(self) -> bool:
        """True once a valid callback arrived (or the server was closed)."""
        return self._done.is_set()

    def __enter__(self) -> CallbackServer:
        self.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def start(self) -> None:
        """Start answering in a background thread (idempotent)."""
        if not self._thread.is_alive() and not self._done.is_set():
            self._thread.start()

    def close(self) -> None:
        """Stop listening (idempotent)."""
        self._done.set()
        if self._thread.is_alive():
            self._httpd.shutdown()
            self._thread.join(timeout=2)
        self._httpd.server_close()

    def wait(self, timeout: float = 300.0) -> CallbackResult:
        """Block until a valid callback arrives; raise [`AuthenticationError`][osukit.AuthenticationError] on timeout or refusal."""
        if not self._done.wait(timeout):
            raise AuthenticationError(f"no OAuth callback within {timeout:.0f}s", status_code=408)
        return _checked(self._result)


class _QuietThreadingServer(ThreadingHTTPServer):
    """One daemon thread per connection; a connection dropped mid-request is not worth a traceback."""

    daemon_threads = True

    def handle_error(self, request: Any, client_address: Any) -> None:
        return None


def _checked(result: CallbackResult | None) -> CallbackResult:
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

MAX_PASTES = 3
"""How many redirect URLs ``wait_for_redirect`` reads before giving up when each is refused."""

PASTE_PROMPT = "Paste the URL osu! redirected you to (or wait for the browser): "


def print_login_url(url: str) -> None:
    """The default ``on_url`` hook of ``login()``: print the authorize URL to stderr.

    Pass your own ``on_url`` (a log call, a chat message to the user…) to show it elsewhere.
    """
    if sys.stderr is None:  # no console (pythonw): the log is all there is
        logger.warning("to log in to osu!, open this URL in a browser: %s", url)
        return
    sys.stderr.write(f"To log in to osu!, open this URL in a browser:\n\n    {url}\n\n")
    sys.stderr.flush()


def wait_for_redirect(
    server: CallbackServer | None,
    state: str,
    prompt: PromptFn | None = None,
    timeout: float = 300.0,
    stop: threading.Event | None = None,
) -> CallbackResult:
    """Wait for the callback on ``server`` or a redirect URL typed at ``prompt``, whichever comes first.

    The prompt runs on a daemon thread, so a callback ends the wait even while
    the prompt is still blocked reading a terminal. A pasted URL with a wrong
    state is refused and asked for again; when the prompt raises ``EOFError`` (end of
    input, as ``input`` does) the wait goes on for the callback, and any other exception
    it raises ends the wait at once and is raised (a prompt that knows no URL can come
    any more: ``osukit login --no-browser`` with stdin closed). A URL that is refused (no
    code, a wrong state) is asked for again, up to `MAX_PASTES` times, with or without a server;
    without a server the paste is all there is, so its last refusal is raised. ``stop`` (set
    from another thread) abandons the wait.

    Raises:
        AuthenticationError: a wrong state (paste only), osu! refused, or nothing within ``timeout``.
    """
    if server is None and prompt is None:
        raise ConfigurationError("login needs a callback server or a prompt to paste the redirect URL into")
    pasted: list[CallbackResult] = []
    refused: list[AuthenticationError] = []
    paste_error: list[BaseException] = []
    paste_done = threading.Event()

    def read_paste() -> None:
        assert prompt is not None
        message = PASTE_PROMPT if server is not None else "Paste the URL osu! redirected you to: "
        try:
            for attempt in range(1, MAX_PASTES + 1):
                text = prompt(message)
                if server is not None and server.done:
                    return
                try:
                    pasted.append(parse_redirect(text, state))
                    return
                except AuthenticationError as exc:
                    if attempt == MAX_PASTES:
                        refused.append(exc)
                        return
                    message = f"That URL was not accepted ({exc.message}). Paste it again: "
        except BaseException as exc:  # handed to the waiting thread
            paste_error.append(exc)
        finally:
            paste_done.set()

    if prompt is not None:
        threading.Thread(target=read_paste, name="osukit-login-paste", daemon=True).start()
    deadline = time.monotonic() + timeout
    watching_paste = prompt is not None
    while True:
        if server is not None and server.done and not (stop is not None and stop.is_set()):
            return _checked(server._result)
        if watching_paste and paste_done.is_set():
            if pasted:
                return _checked(pasted[0])
            if refused:
                raise refused[-1]
            if server is None or (paste_error and not isinstance(paste_error[0], EOFError)):
                if paste_error:
                    raise paste_error[0]
                raise AuthenticationError("no valid redirect URL was pasted", status_code=400)
            logger.info("login: the paste prompt ended (%s); still waiting for the browser callback",
                        type(paste_error[0]).__name__ if paste_error else "no valid URL")
            watching_paste = False
        if stop is not None and stop.is_set():
            raise AuthenticationError("the login was cancelled", status_code=400)
        left = deadline - time.monotonic()
        if left <= 0:
            where = f" at {server.redirect_uri}" if server is not None else ""
            raise AuthenticationError(f"no OAuth callback{where} and no pasted URL within {timeout:.0f}s",
                                      status_code=408)
        paste_done.wait(min(0.05, left))
