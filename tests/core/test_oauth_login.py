"""Authorization-code login: the loopback callback server, state checks, the paste flow, exchange."""

from __future__ import annotations

import asyncio
import socket
import threading
import time
from urllib.parse import parse_qs, urlsplit

import httpx
import pytest

import osukit
from osukit.oauth import CallbackServer, parse_redirect

from .conftest import FakeClock, ScriptedServer

SECRET = "client-secret-XYZ-123456"


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def test_callback_server_rejects_bad_state_then_accepts_good() -> None:
    port = free_port()
    with CallbackServer(f"http://127.0.0.1:{port}/cb", "expected-state") as server:
        assert server._httpd.server_address[0] == "127.0.0.1"
        base = f"http://127.0.0.1:{port}"
        assert httpx.get(f"{base}/cb?code=abc&state=wrong").status_code == 400
        assert httpx.get(f"{base}/cb?code=abc").status_code == 400
        assert httpx.get(f"{base}/elsewhere?code=abc&state=expected-state").status_code == 404
        ok = httpx.get(f"{base}/cb?code=the-code&state=expected-state")
        assert ok.status_code == 200 and "Logged in" in ok.text
        result = server.wait(timeout=5)
        assert result.code == "the-code"
        assert "the-code" not in repr(result)
    # single use: the server is gone afterwards
    with pytest.raises(httpx.ConnectError):
        httpx.get(f"{base}/cb?code=again&state=expected-state", timeout=1)


def test_callback_server_refuses_non_loopback_and_reports_denial() -> None:
    with pytest.raises(osukit.ConfigurationError):
        CallbackServer("http://0.0.0.0:8080/cb", "s")
    with pytest.raises(osukit.ConfigurationError):
        CallbackServer("https://example.com/cb", "s")
    port = free_port()
    with CallbackServer(f"http://localhost:{port}/cb", "st") as server:
        httpx.get(f"http://127.0.0.1:{port}/cb?error=access_denied&error_description=denied&state=st")
        with pytest.raises(osukit.AuthenticationError, match="denied"):
            server.wait(timeout=5)
    port = free_port()
    with CallbackServer(f"http://127.0.0.1:{port}/cb", "st") as server, pytest.raises(osukit.AuthenticationError):
        server.wait(timeout=0.2)


def test_parse_redirect() -> None:
    assert parse_redirect("http://127.0.0.1/cb?code=c1&state=s1", "s1").code == "c1"
    with pytest.raises(osukit.AuthenticationError, match="state"):
        parse_redirect("http://127.0.0.1/cb?code=c1&state=s2", "s1")
    with pytest.raises(osukit.AuthenticationError, match="state"):
        parse_redirect("http://127.0.0.1/cb?code=c1", "s1")
    with pytest.raises(osukit.AuthenticationError, match="no authorization code"):
        parse_redirect("http://127.0.0.1/cb?state=s1", "s1")
    with pytest.raises(osukit.AuthenticationError):
        parse_redirect("::::", "s1")


def _simulate_browser(urls: list[str], port: int, path: str = "/cb") -> None:
    for _ in range(200):
        if urls:
            break
        time.sleep(0.01)
    q = parse_qs(urlsplit(urls[0]).query)
    state = q["state"][0]
    assert q["redirect_uri"][0] == f"http://127.0.0.1:{port}{path}"
    assert q["response_type"][0] == "code"
    for _ in range(100):
        try:
            httpx.get(f"http://127.0.0.1:{port}{path}?code=bad&state=forged")
            httpx.get(f"http://127.0.0.1:{port}{path}?code=good-code&state={state}")
            return
        except httpx.ConnectError:
            time.sleep(0.02)


@pytest.mark.parametrize("mode", ["sync", "async"])
def test_login_with_callback_then_refresh(mode: str) -> None:
    server = ScriptedServer()
    clock = FakeClock()
    port = free_port()
    urls: list[str] = []
    kw = {"client_id": 77, "client_secret": SECRET, "base_url": "https://osu.test", "rate_limit": 0,
              "transport": httpx.MockTransport(server), "clock": clock}
    browser = threading.Thread(target=_simulate_browser, args=(urls, port))
    browser.start()
    if mode == "sync":
        with osukit.Client(**kw) as client:  # type: ignore[arg-type]
            token = client.login(redirect_uri=f"http://127.0.0.1:{port}/cb", open_browser=False,
                                 on_url=urls.append, scopes=["identify", "public", "chat.read"])
            client.request("GET", "api/v2/me")
            clock.advance(86400)
            client.request("GET", "api/v2/me")
    else:
        async def main() -> osukit.Token:
            async with osukit.AsyncClient(**kw) as client:  # type: ignore[arg-type]
                tok = await client.login(redirect_uri=f"http://127.0.0.1:{port}/cb", open_browser=False,
                                         on_url=urls.append, scopes=["identify", "public", "chat.read"])
                await client.request("GET", "api/v2/me")
                clock.advance(86400)
                await client.request("GET", "api/v2/me")
                return tok

        token = asyncio.run(main())
    browser.join()
    assert token.refresh_token == "refresh-token-0001"
    assert token.scopes == ("identify", "public", "chat.read")
    exchange, refresh = server.token_requests
    assert exchange["grant_type"] == "authorization_code" and exchange["code"] == "good-code"
    assert exchange["redirect_uri"] == f"http://127.0.0.1:{port}/cb"
    assert refresh["grant_type"] == "refresh_token" and refresh["refresh_token"] == "refresh-token-0001"
    auths = [r.headers["authorization"] for r in server.api_requests()]
    # The first is the one GET /me that learns whose token it is (these tokens are not JWTs).
    assert auths == ["Bearer access-token-0001", "Bearer access-token-0001", "Bearer access-token-0002"]
    assert server.api_requests()[0].url.path == "/api/v2/me"


def test_login_paste_flow() -> None:
    server = ScriptedServer()
    shown: list[str] = []

    def prompt(message: str) -> str:
        state = parse_qs(urlsplit(shown[0]).query)["state"][0]
        return f"http://127.0.0.1:8080/callback?code=pasted-code&state={state}"

    client = osukit.Client(client_id=77, client_secret=SECRET, base_url="https://osu.test", rate_limit=0,
                           transport=httpx.MockTransport(server))
    token = client.login(open_browser=False, prompt=prompt, on_url=shown.append)
    assert token.access_token == "access-token-0001"
    assert server.token_requests[0]["code"] == "pasted-code"
    with pytest.raises(osukit.AuthenticationError, match="state"):
        client.login(open_browser=False, prompt=lambda m: "http://127.0.0.1:8080/callback?code=x&state=forged",
                     on_url=shown.append, force=True)
