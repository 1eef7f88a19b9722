"""Core client behaviour on both clients: auth, refresh single-flight, retries, errors, scopes."""

from __future__ import annotations

import asyncio
import contextlib
import inspect
import logging
import threading
import time
from collections.abc import AsyncIterator, Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest

import osukit
from osukit._constants import DEFAULT_API_VERSION
from osukit._route import Route
from osukit.auth import UserToken
from osukit.tokens import MemoryTokenStore, Token

from .._helpers import run_in_threads
from .conftest import FakeClock, ScriptedServer, json_response

SECRET = "client-secret-XYZ-123456"
BASE = "https://osu.test"

CHAT_ROUTE = Route("GET", "api/v2/chat/channels", scope="chat.read", name="chat.channels", response=Any)
PUBLIC_ROUTE = Route("GET", "api/v2/things/{id}", scope="public", name="things.get", response=Any)
POST_ROUTE = Route("POST", "api/v2/things", scope="public", name="things.create", response=Any)


async def maybe(value: Any) -> Any:
    return await value if inspect.isawaitable(value) else value


async def close(mode: str, client: Any) -> None:
    """Close a client that `make` built (``aclose`` for the async one)."""
    await maybe(client.aclose() if mode == "async" else client.close())


def make(mode: str, server: ScriptedServer, clock: FakeClock, **kw: Any) -> Any:
    kw.setdefault("client_id", 1234)
    kw.setdefault("client_secret", SECRET)
    kw.setdefault("rate_limit", 0)
    if mode == "sync":
        return osukit.Client(base_url=BASE, transport=httpx.MockTransport(server), clock=clock, **kw)
    return osukit.AsyncClient(base_url=BASE, transport=httpx.MockTransport(server), clock=clock, **kw)


@pytest.fixture(params=["sync", "async"])
def mode(request: pytest.FixtureRequest) -> str:
    return str(request.param)


async def test_client_credentials_sends_token_version_and_agent(mode: str, server: ScriptedServer, clock: FakeClock) -> None:
    client = make(mode, server, clock, app_name="my-bot")
    assert await maybe(client.request("GET", "api/v2/things/1")) == {"ok": True, "path": "/api/v2/things/1"}
    assert await maybe(client.request("GET", "api/v2/things/2")) is not None
    assert len(server.token_requests) == 1
    form = server.token_requests[0]
    assert form["grant_type"] == "client_credentials" and form["scope"] == "public"
    req = server.api_requests()[0]
    assert req.headers["authorization"] == "Bearer access-token-0001"
    assert req.headers["x-api-version"] == str(osukit._constants.DEFAULT_API_VERSION)
    assert req.headers["user-agent"].startswith("osukit/") and "my-bot" in req.headers["user-agent"]
    await close(mode, client)
    with pytest.raises(osukit.ClientClosedError):
        await maybe(client.request("GET", "api/v2/things/3"))


async def test_refresh_before_expiry_and_on_401(mode: str, server: ScriptedServer, clock: FakeClock) -> None:
    calls = {"n": 0}

    def handler(request: httpx.Request) -> httpx.Response:
        calls["n"] += 1
        if request.headers["authorization"] == "Bearer access-token-0001" and calls["n"] == 2:
            return json_response(401, {"authentication": "basic"})
        return json_response(200, {"auth": request.headers["authorization"]})

    server.handler = handler
    client = make(mode, server, clock)
    assert (await maybe(client.request("GET", "api/v2/a")))["auth"] == "Bearer access-token-0001"
    # the server revokes the token: one 401, one new token, the request is retried once
    assert (await maybe(client.request("GET", "api/v2/a")))["auth"] == "Bearer access-token-0002"
    assert len(server.token_requests) == 2
    # close to expiry (inside the clock-skew margin): refreshed before sending
    clock.advance(86400 - 30)
    assert (await maybe(client.request("GET", "api/v2/a")))["auth"] == "Bearer access-token-0003"


async def test_persistent_401_raises_authentication_error(mode: str, server: ScriptedServer, clock: FakeClock) -> None:
    server.handler = lambda r: json_response(401, {"authentication": "basic"})
    client = make(mode, server, clock)
    with pytest.raises(osukit.AuthenticationError) as info:
        await maybe(client.request("GET", "api/v2/a"))
    assert info.value.status_code == 401
    assert len(server.token_requests) == 2  # the first token, then exactly one renewal


async def test_revoked_refresh_token_keeps_stored_token(mode: str, server: ScriptedServer, clock: FakeClock) -> None:
    store = MemoryTokenStore()
    old = Token(access_token="old-access-token", refresh_token="old-refresh-token", expires_at=clock.time() - 10,
                scopes=("identify", "public"), user_id=7)
    grant = UserToken(1234, SECRET, old)
    store.save(grant.store_key, old)
    server.token_status = [400]
    client = make(mode, server, clock, grant=grant, token_store=store)
    with pytest.raises(osukit.OAuthError) as info:
        await maybe(client.request("GET", "api/v2/me"))
    assert isinstance(info.value, osukit.AuthenticationError)
    assert info.value.error == "invalid_grant" and info.value.hint == "Token has been revoked"
    assert store.load(grant.store_key) == old
    assert server.token_requests[0]["grant_type"] == "refresh_token"
    assert server.token_requests[0]["refresh_token"] == "old-refresh-token"


async def test_refresh_retries_server_errors(mode: str, server: ScriptedServer, clock: FakeClock) -> None:
    server.token_status = [503, 502]
    client = make(mode, server, clock)
    await maybe(client.request("GET", "api/v2/a"))
    assert len(server.token_requests) == 3
    assert len(clock.sleeps) == 2


def test_single_flight_200_coroutines(server: ScriptedServer) -> None:
    clock = FakeClock()

    async def main() -> None:
        async with make("async", server, clock) as client:
            await asyncio.gather(*(client.request("GET", f"api/v2/x/{i}") for i in range(200)))
            assert len(server.token_requests) == 1
            clock.advance(86400)  # every caller now holds an expired token
            await asyncio.gather(*(client.request("GET", f"api/v2/y/{i}") for i in range(200)))
            assert len(server.token_requests) == 2

    asyncio.run(main())
    assert len(server.api_requests()) == 400


def test_single_flight_20_threads(server: ScriptedServer) -> None:
    clock = FakeClock()
    with make("sync", server, clock) as client:

        def work() -> None:
            for i in range(5):
                client.request("GET", f"api/v2/x/{i}")

        errors = run_in_threads(20, work)
    assert not errors
    assert len(server.token_requests) == 1
    assert len(server.api_requests()) == 100


async def test_retry_on_503_then_success_with_backoff(mode: str, server: ScriptedServer, clock: FakeClock) -> None:
    statuses = [503, 502, 200]
    server.handler = lambda r: json_response(statuses.pop(0), {"error": None} if statuses else {"ok": 1})
    client = make(mode, server, clock, retry=osukit.RetryPolicy(max_retries=3, jitter=False, initial_delay=0.5))
    assert await maybe(client.request("GET", "api/v2/a")) == {"ok": 1}
    assert clock.sleeps == [0.5, 1.0]


async def test_retry_after_is_honoured(mode: str, server: ScriptedServer, clock: FakeClock) -> None:
    statuses = [429, 200]
    server.handler = lambda r: json_response(statuses.pop(0), {}, {"retry-after": "7"})
    client = make(mode, server, clock)
    await maybe(client.request("GET", "api/v2/a"))
    assert clock.sleeps == [7.0]


async def test_post_is_not_retried_on_503_but_is_on_429(mode: str, server: ScriptedServer, clock: FakeClock) -> None:
    server.handler = lambda r: json_response(503, {"error": None})
    client = make(mode, server, clock)
    with pytest.raises(osukit.ServerError):
        await maybe(client._call(POST_ROUTE, json={"a": 1}))
    assert len(server.api_requests()) == 1
    statuses = [429, 200]
    server.handler = lambda r: json_response(statuses.pop(0), {"ok": 2}, {"retry-after": "1"})
    assert await maybe(client._call(POST_ROUTE, json={"a": 1})) == {"ok": 2}


async def test_retries_exhausted_raise_typed_errors(mode: str, server: ScriptedServer, clock: FakeClock) -> None:
    server.handler = lambda r: json_response(503, {"error": None})
    client = make(mode, server, clock, retry=2)
    with pytest.raises(osukit.ServerError) as info:
        await maybe(client.request("GET", "api/v2/a"))
    assert info.value.status_code == 503
    assert len(server.api_requests()) == 3

    def boom(request: httpx.Request) -> httpx.Response:
        raise httpx.ConnectError("connection refused", request=request)

    server.handler = boom
    with pytest.raises(osukit.TransportError):
        await maybe(client.request("GET", "api/v2/a"))

    def slow(request: httpx.Request) -> httpx.Response:
        raise httpx.ReadTimeout("timed out", request=request)

    server.handler = slow
    with pytest.raises(osukit.TimeoutError) as tinfo:
        await maybe(client.request("GET", "api/v2/a"))
    assert isinstance(tinfo.value, TimeoutError)  # also the builtin


async def test_malformed_body_is_retried_for_get(mode: str, server: ScriptedServer, clock: FakeClock) -> None:
    bodies = [b'{"id": 1, "user', b'{"id": 1}']
    server.handler = lambda r: httpx.Response(200, content=bodies.pop(0), headers={"content-type": "application/json"})
    client = make(mode, server, clock)
    assert await maybe(client._call(PUBLIC_ROUTE, path={"id": 1})) == {"id": 1}


@pytest.mark.parametrize(
    ("status", "body", "cls"),
    [
        (400, {"error": "bad"}, osukit.BadRequestError),
        (403, {"error": "nope"}, osukit.ForbiddenError),
        (404, {"error": "Specified user couldn't be found."}, osukit.NotFoundError),
        (422, {"error": "invalid", "form_error": {"title": ["required"]}}, osukit.UnprocessableEntityError),
        (500, {"error": None}, osukit.ServerError),
    ],
)
async def test_status_errors(mode: str, server: ScriptedServer, clock: FakeClock, status: int, body: Any, cls: type) -> None:
    server.handler = lambda r: json_response(status, body)
    client = make(mode, server, clock, retry=False)
    with pytest.raises(cls) as info:
        await maybe(client._call(PUBLIC_ROUTE, path={"id": 5}))
    err = info.value
    assert err.status_code == status and err.body == body
    if body.get("error"):
        assert body["error"] in str(err)
    if status == 422:
        assert err.form_error == {"title": ["required"]}
    assert "things.get" in str(err)


async def test_scope_is_checked_before_any_request(mode: str, server: ScriptedServer, clock: FakeClock) -> None:
    client = make(mode, server, clock)
    with pytest.raises(osukit.MissingScopeError) as info:
        await maybe(client._call(CHAT_ROUTE))
    assert info.value.scope == "chat.read"
    assert "chat.read" in str(info.value)
    assert server.api_requests() == []


async def test_absolute_url_to_another_host_is_refused(mode: str, server: ScriptedServer, clock: FakeClock) -> None:
    client = make(mode, server, clock)
    with pytest.raises(osukit.ConfigurationError):
        await maybe(client.request("GET", "https://evil.example/steal"))
    assert await maybe(client.request("GET", f"{BASE}/api/v2/ok")) is not None
    assert all(r.url.host == "osu.test" for r in server.requests)


async def test_redirects_are_not_followed(mode: str, server: ScriptedServer, clock: FakeClock) -> None:
    server.handler = lambda r: httpx.Response(302, headers={"location": "https://evil.example/x"})
    client = make(mode, server, clock, retry=False)
    with pytest.raises(osukit.APIError):
        await maybe(client.request("GET", "api/v2/a"))
    assert all(r.url.host == "osu.test" for r in server.requests)


async def test_with_options_shares_token_and_limiter(mode: str, server: ScriptedServer, clock: FakeClock) -> None:
    client = make(mode, server, clock)
    other = client.with_options(api_version=20220704, retry=False)
    await maybe(client.request("GET", "api/v2/a"))
    await maybe(other.request("GET", "api/v2/b"))
    assert len(server.token_requests) == 1
    assert server.api_requests()[1].headers["x-api-version"] == "20220704"
    assert other.rate_limiter is client.rate_limiter
    await close(mode, other)
    assert await maybe(client.request("GET", "api/v2/c")) is not None


async def test_with_options_checks_api_version_as_the_constructor_does(mode: str, server: ScriptedServer,
                                                                        clock: FakeClock) -> None:
    client = make(mode, server, clock)
    assert client.with_options(api_version="20240101").api_version == 20240101
    assert client.with_options(api_version=None).api_version == DEFAULT_API_VERSION  # as at construction
    for value in ("latest", 1.5, True, "2025-09-13", -1):
        with pytest.raises(osukit.InvalidParameterError, match="YYYYMMDD"):
            client.with_options(api_version=value)


async def test_secrets_never_leak(mode: str, server: ScriptedServer, clock: FakeClock, caplog: pytest.LogCaptureFixture) -> None:
    caplog.set_level(logging.DEBUG)
    server.token_status = [400]
    client = make(mode, server, clock, api_key="v1-api-key-ABCDEFG")
    texts: list[str] = [repr(client), str(client.grant)]
    with pytest.raises(osukit.OAuthError) as info:
        await maybe(client.request("GET", "api/v2/a"))
    texts += [str(info.value), repr(info.value)]
    server.handler = lambda r: json_response(404, {"error": "gone"})
    with pytest.raises(osukit.NotFoundError) as info2:
        await maybe(client.request("GET", "api/get_user", params={"u": 2}))
    texts += [str(info2.value), repr(info2.value), info2.value.url]
    token = await maybe(client.get_token())
    texts += [repr(token), str(token), repr(client.last_response)]
    texts += [rec.getMessage() for rec in caplog.records]
    blob = "\n".join(texts)
    for secret in (SECRET, "v1-api-key-ABCDEFG", token.access_token):
        assert secret not in blob
    assert "k=%5Bredacted%5D" in info2.value.url or "k=[redacted]" in info2.value.url


async def test_invalid_scope_sets_are_refused_before_requests() -> None:
    from osukit.auth import check_scopes

    cases = {
        ("client_credentials", "chat.write"): "delegate_required",
        ("client_credentials", "delegate public"): "delegate_invalid_combination",
        ("client_credentials", "delegate chat.read"): "delegate_invalid_combination",
        ("client_credentials", "*"): "all_scope_no_client_owner",
        ("client_credentials", "* public"): "all_scope_no_mixing",
        ("authorization_code", "delegate"): "client_credentials_only",
        ("authorization_code", "forum.write_manage"): "client_credentials_only",
        ("client_credentials", ""): "missing_scope",
        ("client_credentials", "nonsense"): "invalid_scope",
    }
    for (grant, scopes), code in cases.items():
        with pytest.raises(osukit.InvalidScopeError) as info:
            check_scopes(grant, scopes)
        assert info.value.code == code, (grant, scopes)
    assert check_scopes("client_credentials", "delegate chat.write chat.write_manage forum.write") == (
        "delegate", "chat.write", "chat.write_manage", "forum.write")
    assert check_scopes("authorization_code", ["identify", "public", "chat.read"]) == ("identify", "public", "chat.read")
    with pytest.raises(osukit.InvalidScopeError):
        osukit.Client(client_id=1, client_secret="x" * 10, scopes=["delegate", "public"])


def test_missing_credentials_is_a_clear_error(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("OSU_CLIENT_ID", raising=False)
    monkeypatch.delenv("OSU_CLIENT_SECRET", raising=False)
    client = osukit.Client(base_url=BASE, transport=httpx.MockTransport(lambda r: httpx.Response(200)))
    with pytest.raises(osukit.ConfigurationError, match="OSU_CLIENT_ID"):
        client._call(PUBLIC_ROUTE, path={"id": 1})


def test_environment_configuration(monkeypatch: pytest.MonkeyPatch, server: ScriptedServer) -> None:
    monkeypatch.setenv("OSU_CLIENT_ID", "99")
    monkeypatch.setenv("OSU_CLIENT_SECRET", SECRET)
    monkeypatch.setenv("OSU_BASE_URL", "http://127.0.0.1:9")
    monkeypatch.setenv("OSU_API_KEY", "env-api-key-123456")
    client = osukit.Client(transport=httpx.MockTransport(server), rate_limit=0)
    assert client.base_url == "http://127.0.0.1:9"
    assert client.api_key == "env-api-key-123456"
    client.request("GET", "api/v2/a")
    assert server.token_requests[0]["client_id"] == "99"


def _rotating_server(store_holder: dict[str, Any]) -> ScriptedServer:
    """The first call's token is refused; the renewed one is refused too, because "another process"
    sharing the store refreshed (and so revoked) it meanwhile, as osu! does on a refresh."""
    state = {"calls": 0}

    def handler(request: httpx.Request) -> httpx.Response:
        state["calls"] += 1
        auth = request.headers["authorization"]
        if state["calls"] == 1:
            return httpx.Response(401, json={"authentication": "basic"})
        if state["calls"] == 2:
            client = store_holder["client"]
            client._tokens.store.save(client._tokens.key, osukit.Token(
                access_token="rotated-by-another-process", expires_at=time.time() + 3600))
            return httpx.Response(401, json={"authentication": "basic"})
        if auth == "Bearer rotated-by-another-process":
            return httpx.Response(200, json={"ok": True})
        return httpx.Response(401, json={"authentication": "basic"})

    return ScriptedServer(handler)


def test_a_token_rotated_by_another_holder_of_the_store_is_picked_up_after_a_second_401() -> None:
    holder: dict[str, Any] = {}
    server = _rotating_server(holder)
    with osukit.Client(client_id=5, client_secret="secret-abcdef", base_url="https://osu.test",
                       transport=httpx.MockTransport(server), rate_limit=0) as client:
        holder["client"] = client
        assert client.request("GET", "api/v2/me") == {"ok": True}
    assert len(server.token_requests) == 2  # the first token, one renewal; the third came from the store


def test_a_server_refusing_every_token_gets_one_renewal_not_a_loop() -> None:
    server = ScriptedServer(lambda r: httpx.Response(401, json={"authentication": "basic"}))
    with osukit.Client(client_id=5, client_secret="secret-abcdef", base_url="https://osu.test",
                       transport=httpx.MockTransport(server), rate_limit=0) as client:
        with pytest.raises(osukit.AuthenticationError):
            client.request("GET", "api/v2/me")
    assert len(server.token_requests) == 2 and len(server.api_requests()) == 2


class _MidRefreshStore(MemoryTokenStore):
    """A shared store whose other holder is mid-refresh: osu! has revoked the stored token, the new one
    is not saved yet. Taking the refresh lock waits for that holder, who saves its token and lets go."""

    def __init__(self) -> None:
        super().__init__()
        self.in_flight = False
        self.lock_takers = 0
        self.key = ""  # the client's token key, set once the client exists

    def _wait_for_the_other_holder(self) -> None:
        self.lock_takers += 1
        if self.in_flight:
            self.in_flight = False
            self.save(self.key, Token(access_token="saved-after-the-lock", expires_at=time.time() + 3600))

    @contextlib.contextmanager
    def refresh_lock(self, key: str) -> Iterator[None]:
        self._wait_for_the_other_holder()
        yield

    @contextlib.asynccontextmanager
    async def arefresh_lock(self, key: str) -> AsyncIterator[None]:
        self._wait_for_the_other_holder()
        yield


async def test_a_refresh_in_flight_in_another_process_is_waited_for_before_giving_up(mode: str) -> None:
    """Run 12 of #16: the renewed token is refused because another process has just refreshed it, and
    that process has not saved its new token yet, so the store still holds the refused one. The client
    waits for the store's refresh lock and reads again instead of raising AuthenticationError."""
    store = _MidRefreshStore()

    def handler(request: httpx.Request) -> httpx.Response:
        auth = request.headers["authorization"]
        if auth == "Bearer saved-after-the-lock":
            return httpx.Response(200, json={"ok": True})
        if len(server.api_requests()) == 2:  # the renewed token: rotated away, its successor in flight
            store.in_flight = True
        return httpx.Response(401, json={"authentication": "basic"})

    server = ScriptedServer(handler)
    client = make(mode, server, FakeClock(), token_store=store)
    store.key = client._tokens.key
    try:
        assert await maybe(client.request("GET", "api/v2/me")) == {"ok": True}
    finally:
        await close(mode, client)
    assert len(server.token_requests) == 2  # the first token and one renewal; the third is the other's
    assert [r.headers["authorization"] for r in server.api_requests()][-1] == "Bearer saved-after-the-lock"


async def test_a_store_with_a_lock_and_a_server_refusing_every_token_still_gets_one_renewal(mode: str) -> None:
    """The lock is taken, nobody else holds it, the store still holds the refused token: give up."""
    store = _MidRefreshStore()
    server = ScriptedServer(lambda r: httpx.Response(401, json={"authentication": "basic"}))
    client = make(mode, server, FakeClock(), token_store=store)
    store.key = client._tokens.key
    try:
        with pytest.raises(osukit.AuthenticationError):
            await maybe(client.request("GET", "api/v2/me"))
    finally:
        await close(mode, client)
    assert len(server.token_requests) == 2 and len(server.api_requests()) == 2
    # the first token and the renewal (each under the lock), then the wait before giving up
    assert store.lock_takers == 3


@pytest.mark.parametrize("kind", ["file", "sqlite"])
async def test_a_real_store_lock_held_by_another_refresher_is_waited_for(tmp_path: Path, kind: str,
                                                                         mode: str) -> None:
    """The same race with a real cross-process lock: another holder (a thread with its own store object
    on the same file) holds the refresh lock while its refresh is "in flight", and saves the rotated
    token only half a second after the client's renewed token was refused."""
    path = tmp_path / ("tokens.json" if kind == "file" else "tokens.db")

    def open_store() -> Any:
        return osukit.FileTokenStore(path) if kind == "file" else osukit.SQLiteTokenStore(path)

    holding = threading.Event()
    holders: list[threading.Thread] = []

    def other_refresher(key: str) -> None:
        other = open_store()
        with other.refresh_lock(key):
            holding.set()
            time.sleep(0.5)
            other.save(key, Token(access_token="saved-after-the-lock", expires_at=time.time() + 3600))

    def handler(request: httpx.Request) -> httpx.Response:
        if request.headers["authorization"] == "Bearer saved-after-the-lock":
            return httpx.Response(200, json={"ok": True})
        if len(server.api_requests()) == 2:
            thread = threading.Thread(target=other_refresher, args=(client._tokens.key,))
            holders.append(thread)
            thread.start()
            assert holding.wait(30)
        return httpx.Response(401, json={"authentication": "basic"})

    server = ScriptedServer(handler)
    cls = osukit.Client if mode == "sync" else osukit.AsyncClient
    client = cls(client_id=5, client_secret="secret-abcdef", base_url="https://osu.test",
                 transport=httpx.MockTransport(server), rate_limit=0, token_store=open_store())
    try:
        assert await maybe(client.request("GET", "api/v2/me")) == {"ok": True}
    finally:
        await close(mode, client)
    for thread in holders:
        thread.join(30)
    assert len(server.token_requests) == 2
