"""The OAuth callback server under stray connections, resets and busy ports; the callback/paste race."""

from __future__ import annotations

import asyncio
import http.server
import logging
import socket
import threading
import time
from typing import Any
from urllib.parse import parse_qs, urlsplit

import httpx
import pytest

import osukit
from osukit.oauth import CallbackServer, wait_for_redirect

from .conftest import ScriptedServer

SECRET = "client-secret-XYZ-123456"


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def _state_of(url: str) -> str:
    return parse_qs(urlsplit(url).query)["state"][0]


def test_idle_connections_do_not_block_the_real_callback() -> None:
    port = free_port()
    with CallbackServer(f"http://127.0.0.1:{port}/cb", "st") as server:
        idle = [socket.create_connection(("127.0.0.1", port)) for _ in range(3)]
        half = socket.create_connection(("127.0.0.1", port))
        half.sendall(b"GET /cb?code=x")  # a request line that never ends
        try:
            ok = httpx.get(f"http://127.0.0.1:{port}/cb?code=real&state=st", timeout=30)
            assert ok.status_code == 200
            assert server.wait(timeout=30).code == "real"
        finally:
            for s in [*idle, half]:
                s.close()


def test_idle_connection_is_dropped_after_the_socket_timeout(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(CallbackServer, "connection_timeout", 0.3)
    port = free_port()
    with CallbackServer(f"http://127.0.0.1:{port}/cb", "st"):
        sock = socket.create_connection(("127.0.0.1", port))
        sock.settimeout(30)
        try:
            assert sock.recv(100) == b""  # the server closed the silent connection
        finally:
            sock.close()


def test_a_reset_before_the_page_is_written_still_completes_the_login(monkeypatch: pytest.MonkeyPatch) -> None:
    def reset(self: Any) -> None:
        raise ConnectionResetError(104, "Connection reset by peer")

    monkeypatch.setattr(http.server.BaseHTTPRequestHandler, "end_headers", reset)
    port = free_port()
    with CallbackServer(f"http://127.0.0.1:{port}/cb", "st") as server:
        with pytest.raises(httpx.HTTPError):
            httpx.get(f"http://127.0.0.1:{port}/cb?code=kept&state=st", timeout=30)
        assert server.wait(timeout=30).code == "kept"


def test_a_browser_that_hangs_up_without_reading_still_completes_the_login() -> None:
    port = free_port()
    with CallbackServer(f"http://127.0.0.1:{port}/cb", "st") as server:
        s = socket.create_connection(("127.0.0.1", port))
        s.sendall(b"GET /cb?code=gone&state=st HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n")
        s.close()
        assert server.wait(timeout=30).code == "gone"


def test_busy_port_is_a_configuration_error() -> None:
    with socket.socket() as holder:
        holder.bind(("127.0.0.1", 0))
        holder.listen()
        port = holder.getsockname()[1]
        with pytest.raises(osukit.ConfigurationError, match=rf"127\.0\.0\.1:{port}.*in use"):
            CallbackServer(f"http://127.0.0.1:{port}/cb", "st")


def test_port_zero_binds_a_free_port_and_says_so(caplog: pytest.LogCaptureFixture) -> None:
    with caplog.at_level(logging.WARNING, logger="osukit"), CallbackServer("http://127.0.0.1:0/cb", "st") as server:
        assert server.port not in (0, 80)
        assert server.redirect_uri == f"http://127.0.0.1:{server.port}/cb"
        assert httpx.get(f"{server.redirect_uri}?code=c&state=st", timeout=30).status_code == 200
        assert server.wait(timeout=30).code == "c"
    assert any("registered callback URL" in r.getMessage() for r in caplog.records)


def _browser(urls: list[str], code: str = "browser-code") -> None:
    """Waits for the authorize URL, then hits the callback as osu! would redirect the browser."""
    deadline = time.monotonic() + 30
    while not urls and time.monotonic() < deadline:
        time.sleep(0.01)
    q = parse_qs(urlsplit(urls[0]).query)
    target = f"{q['redirect_uri'][0]}?code={code}&state={q['state'][0]}"
    while time.monotonic() < deadline:
        try:
            httpx.get(target, timeout=10)
            return
        except httpx.ConnectError:
            time.sleep(0.02)


@pytest.mark.parametrize("mode", ["sync", "async"])
def test_callback_wins_while_the_paste_prompt_is_still_waiting(mode: str) -> None:
    server = ScriptedServer()
    store = osukit.MemoryTokenStore()
    port = free_port()
    urls: list[str] = []
    never = threading.Event()
    prompted: list[str] = []

    def prompt(text: str) -> str:  # a terminal nobody types into
        prompted.append(text)
        never.wait(60)
        return ""

    kw: dict[str, Any] = {"client_id": 77, "client_secret": SECRET, "base_url": "https://osu.test", "rate_limit": 0,
                          "transport": httpx.MockTransport(server), "token_store": store}
    browser = threading.Thread(target=_browser, args=(urls,))
    browser.start()
    try:
        login = {"redirect_uri": f"http://127.0.0.1:{port}/cb", "open_browser": False, "prompt": prompt,
                 "on_url": urls.append}
        if mode == "sync":
            with osukit.Client(**kw) as client:
                token = client.login(**login)
        else:
            async def main() -> osukit.Token:
                async with osukit.AsyncClient(**kw) as client:
                    return await client.login(**login)

            token = asyncio.run(main())
    finally:
        never.set()
        browser.join()
    assert server.token_requests[0]["code"] == "browser-code"
    assert prompted and "paste" in prompted[0].lower()
    assert store.keys() and store.load(store.keys()[0]) == token
    with pytest.raises(httpx.ConnectError):  # the callback server is gone
        httpx.get(f"http://127.0.0.1:{port}/cb", timeout=2)


def test_paste_wins_while_the_callback_server_listens() -> None:
    server = ScriptedServer()
    port = free_port()
    shown: list[str] = []

    def prompt(text: str) -> str:
        return f"http://127.0.0.1:{port}/cb?code=pasted&state={_state_of(shown[0])}"

    client = osukit.Client(client_id=77, client_secret=SECRET, base_url="https://osu.test", rate_limit=0,
                           transport=httpx.MockTransport(server))
    client.login(redirect_uri=f"http://127.0.0.1:{port}/cb", open_browser=False, prompt=prompt, on_url=shown.append)
    assert server.token_requests[0]["code"] == "pasted"


def test_a_prompt_at_end_of_input_leaves_the_callback() -> None:
    server = ScriptedServer()
    port = free_port()
    urls: list[str] = []

    def eof(text: str) -> str:
        raise EOFError

    browser = threading.Thread(target=_browser, args=(urls,))
    browser.start()
    client = osukit.Client(client_id=77, client_secret=SECRET, base_url="https://osu.test", rate_limit=0,
                           transport=httpx.MockTransport(server))
    try:
        client.login(redirect_uri=f"http://127.0.0.1:{port}/cb", open_browser=False, prompt=eof,
                     on_url=urls.append, timeout=60)
    finally:
        browser.join()
    assert server.token_requests[0]["code"] == "browser-code"


def test_wrong_pastes_are_asked_again_then_refused() -> None:
    port = free_port()
    asked: list[str] = []

    def prompt(text: str) -> str:
        asked.append(text)
        return f"http://127.0.0.1:{port}/cb?code=x&state=forged"

    with CallbackServer(f"http://127.0.0.1:{port}/cb", "st") as server, \
            pytest.raises(osukit.AuthenticationError, match="state"):
        wait_for_redirect(server, "st", prompt, timeout=60)
    assert len(asked) == 3 and "not accepted" in asked[1]


def test_login_without_a_browser_prints_the_url_and_does_not_wait_in_silence(
    capsys: pytest.CaptureFixture[str], caplog: pytest.LogCaptureFixture
) -> None:
    server = ScriptedServer()
    port = free_port()
    client = osukit.Client(client_id=77, client_secret=SECRET, base_url="https://osu.test", rate_limit=0,
                           transport=httpx.MockTransport(server))
    with caplog.at_level(logging.INFO, logger="osukit"), pytest.raises(osukit.AuthenticationError, match="within 1s"):
        client.login(redirect_uri=f"http://127.0.0.1:{port}/cb", open_browser=False, timeout=1)
    err = capsys.readouterr().err
    assert "https://osu.test/oauth/authorize?" in err and "client_id=77" in err
    assert any(f"127.0.0.1:{port}/cb" in r.getMessage() for r in caplog.records)


def test_login_with_port_zero_uses_the_bound_port_in_the_exchange() -> None:
    server = ScriptedServer()
    urls: list[str] = []
    browser = threading.Thread(target=_browser, args=(urls,))
    browser.start()
    client = osukit.Client(client_id=77, client_secret=SECRET, base_url="https://osu.test", rate_limit=0,
                           transport=httpx.MockTransport(server))
    try:
        client.login(redirect_uri="http://127.0.0.1:0/cb", open_browser=False, on_url=urls.append, timeout=60)
    finally:
        browser.join()
    sent = parse_qs(urlsplit(urls[0]).query)["redirect_uri"][0]
    assert not sent.startswith("http://127.0.0.1:0/")
    assert server.token_requests[0]["redirect_uri"] == sent


def test_login_with_the_callback_port_taken_and_no_prompt_is_a_configuration_error() -> None:
    client = osukit.Client(client_id=77, client_secret=SECRET, base_url="https://osu.test", rate_limit=0,
                           transport=httpx.MockTransport(ScriptedServer()))
    with socket.socket() as holder:
        holder.bind(("127.0.0.1", 0))
        holder.listen()
        port = holder.getsockname()[1]
        with pytest.raises(osukit.ConfigurationError, match="in use"):
            client.login(redirect_uri=f"http://127.0.0.1:{port}/cb", open_browser=False, on_url=lambda u: None)


@pytest.mark.parametrize("with_server", [True, False])
def test_a_refused_paste_is_asked_again_whether_or_not_the_callback_port_was_free(with_server: bool) -> None:
    """With the callback port taken there is no server, only the paste. A pasted non-URL used to end
    that login at once, while with a server it was asked for again: now both ask again."""
    port = free_port()
    answers = iter(["garbage", f"http://127.0.0.1:{port}/cb?code=the-code&state=st"])
    asked: list[str] = []

    def prompt(text: str) -> str:
        asked.append(text)
        return next(answers)

    if with_server:
        with CallbackServer(f"http://127.0.0.1:{port}/cb", "st") as server:
            result = wait_for_redirect(server, "st", prompt, timeout=60)
    else:
        result = wait_for_redirect(None, "st", prompt, timeout=60)
    assert result.code == "the-code"
    assert len(asked) == 2 and asked[1].startswith("That URL was not accepted (that is not a redirect URL")


def test_without_a_server_the_last_refused_paste_is_raised() -> None:
    asked: list[str] = []

    def prompt(text: str) -> str:
        asked.append(text)
        return "garbage"

    with pytest.raises(osukit.AuthenticationError, match="not a redirect URL"):
        wait_for_redirect(None, "st", prompt, timeout=60)
    assert len(asked) == 3
