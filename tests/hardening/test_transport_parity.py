"""Every backend honours the same transport configuration (issue 16, Transport and packaging):
environment proxies (HTTP_PROXY/NO_PROXY, trust_env), an explicit ``proxy=``, and TLS
(verify/cert); and one AsyncClient survives successive event loops cleanly."""

from __future__ import annotations

import asyncio
import gc
import logging
import socketserver
import ssl
import threading
import warnings
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest

import osukit

from ._proxy import RecordingProxy

BACKENDS = ["sync", "aiohttp", "httpx"]


@pytest.fixture
def proxy() -> Iterator[RecordingProxy]:
    with RecordingProxy() as p:
        yield p


@pytest.fixture
def clean_env(monkeypatch: pytest.MonkeyPatch) -> pytest.MonkeyPatch:
    for name in ("HTTP_PROXY", "HTTPS_PROXY", "ALL_PROXY", "NO_PROXY", "http_proxy", "https_proxy", "all_proxy",
                 "no_proxy"):
        monkeypatch.delenv(name, raising=False)
    return monkeypatch


def get_user(backend: str, emu: Any, **options: Any) -> int:
    user_id = emu.dataset["test_user_id"]
    kwargs: dict[str, Any] = {"client_id": emu.client_id, "client_secret": emu.client_secret,
                              "base_url": emu.base_url, "rate_limit": 0, **options}
    if backend == "sync":
        with osukit.Client(**kwargs) as osu:
            return osu.users.get(user_id).id

    async def run() -> int:
        async with osukit.AsyncClient(http_backend=backend, **kwargs) as osu:
            return (await osu.users.get(user_id)).id

    return asyncio.run(run())


def api_lines(proxy: RecordingProxy, emu: Any) -> list[str]:
    return [line for line in proxy.lines if line.split(" ")[1].startswith(emu.base_url + "/")]


@pytest.mark.parametrize("backend", BACKENDS)
def test_environment_proxy_is_used(backend: str, osu_emulator: Any, proxy: RecordingProxy,
                                   clean_env: pytest.MonkeyPatch) -> None:
    clean_env.setenv("HTTP_PROXY", proxy.url)
    assert get_user(backend, osu_emulator) == osu_emulator.dataset["test_user_id"]
    lines = api_lines(proxy, osu_emulator)
    user_id = osu_emulator.dataset["test_user_id"]
    assert any(line.startswith(f"GET {osu_emulator.base_url}/api/v2/users/{user_id}") for line in lines), lines
    assert any(line.startswith(f"POST {osu_emulator.base_url}/oauth/token") for line in lines), lines


@pytest.mark.parametrize("backend", BACKENDS)
def test_no_proxy_bypasses_the_environment_proxy(backend: str, osu_emulator: Any, proxy: RecordingProxy,
                                                 clean_env: pytest.MonkeyPatch) -> None:
    clean_env.setenv("HTTP_PROXY", proxy.url)
    clean_env.setenv("NO_PROXY", "127.0.0.1")
    assert get_user(backend, osu_emulator) == osu_emulator.dataset["test_user_id"]
    assert proxy.lines == []


@pytest.mark.parametrize("backend", BACKENDS)
def test_trust_env_false_ignores_the_environment(backend: str, osu_emulator: Any, proxy: RecordingProxy,
                                                 clean_env: pytest.MonkeyPatch) -> None:
    clean_env.setenv("HTTP_PROXY", proxy.url)
    assert get_user(backend, osu_emulator, trust_env=False) == osu_emulator.dataset["test_user_id"]
    assert proxy.lines == []


@pytest.mark.parametrize("backend", BACKENDS)
def test_explicit_proxy_is_used(backend: str, osu_emulator: Any, proxy: RecordingProxy,
                                clean_env: pytest.MonkeyPatch) -> None:
    assert get_user(backend, osu_emulator, proxy=proxy.url) == osu_emulator.dataset["test_user_id"]
    user_id = osu_emulator.dataset["test_user_id"]
    assert any(line.startswith(f"GET {osu_emulator.base_url}/api/v2/users/{user_id}")
               for line in api_lines(proxy, osu_emulator)), proxy.lines


def test_explicit_proxy_keeps_the_aiohttp_backend(clean_env: pytest.MonkeyPatch) -> None:
    from osukit._transport import AiohttpSender

    client = osukit.AsyncClient(access_token="t" * 20, proxy="http://127.0.0.1:9")
    assert isinstance(client._fast, AiohttpSender)
    asyncio.run(client.aclose())


# --- TLS ----------------------------------------------------------------------------------------


class _TLSHandler(socketserver.BaseRequestHandler):
    server: TLSServer

    def handle(self) -> None:
        try:
            conn = self.server.context.wrap_socket(self.request, server_side=True)
        except (ssl.SSLError, OSError):
            return  # the client refused our certificate (or had none): the point of some tests
        try:
            data = b""
            while b"\r\n\r\n" not in data:
                part = conn.recv(65536)
                if not part:
                    return
                data += part
            body = b'{"ok": true}'
            conn.sendall(b"HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nConnection: close\r\n"
                         + f"Content-Length: {len(body)}\r\n\r\n".encode() + body)
            conn.close()
        except (ssl.SSLError, OSError):
            pass


class TLSServer(socketserver.ThreadingTCPServer):
    daemon_threads = True

    def __init__(self, context: ssl.SSLContext) -> None:
        super().__init__(("127.0.0.1", 0), _TLSHandler)
        self.context = context
        self._thread = threading.Thread(target=self.serve_forever, daemon=True)
        self._thread.start()

    @property
    def url(self) -> str:
        return f"https://localhost:{self.server_address[1]}"

    def close(self) -> None:
        self.shutdown()
        self.server_close()


@pytest.fixture(scope="module")
def pki(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Any]:
    trustme = pytest.importorskip("trustme")
    ca = trustme.CA()
    server_cert = ca.issue_cert("localhost", "127.0.0.1")
    client_cert = ca.issue_cert("osukit-client@example.test")
    root = tmp_path_factory.mktemp("pki")
    ca_path = root / "ca.pem"
    ca.cert_pem.write_to_path(str(ca_path))
    client_path = root / "client.pem"
    client_cert.private_key_and_cert_chain_pem.write_to_path(str(client_path))
    plain = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
    server_cert.configure_cert(plain)
    mutual = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
    server_cert.configure_cert(mutual)
    ca.configure_trust(mutual)
    mutual.verify_mode = ssl.CERT_REQUIRED
    return {"ca": ca_path, "client": client_path, "plain": plain, "mutual": mutual}


def fetch(backend: str, base_url: str, **options: Any) -> Any:
    if backend == "sync":
        with osukit.Client(base_url=base_url, rate_limit=0, retry=False, **options) as osu:
            return osu.request("GET", "api/v2/anything")

    async def run() -> Any:
        async with osukit.AsyncClient(base_url=base_url, rate_limit=0, retry=False, http_backend=backend,
                                      **options) as osu:
            return await osu.request("GET", "api/v2/anything")

    return asyncio.run(run())


@pytest.mark.parametrize("backend", BACKENDS)
def test_tls_verify_settings(backend: str, pki: dict[str, Any], clean_env: pytest.MonkeyPatch) -> None:
    server = TLSServer(pki["plain"])
    try:
        with pytest.raises(osukit.TransportError):
            fetch(backend, server.url)  # an unknown CA is refused by default
        assert fetch(backend, server.url, verify=str(pki["ca"])) == {"ok": True}
        assert fetch(backend, server.url, verify=False) == {"ok": True}
        ctx = ssl.create_default_context(cafile=str(pki["ca"]))
        assert fetch(backend, server.url, verify=ctx) == {"ok": True}
    finally:
        server.close()


@pytest.mark.parametrize("backend", BACKENDS)
def test_tls_client_certificate(backend: str, pki: dict[str, Any], clean_env: pytest.MonkeyPatch) -> None:
    server = TLSServer(pki["mutual"])
    try:
        with pytest.raises(osukit.TransportError):
            fetch(backend, server.url, verify=str(pki["ca"]))  # no client certificate
        assert fetch(backend, server.url, verify=str(pki["ca"]), cert=str(pki["client"])) == {"ok": True}
    finally:
        server.close()


def test_tls_bad_settings_are_configuration_errors(tmp_path: Path) -> None:
    with pytest.raises(osukit.ConfigurationError):
        osukit.Client(verify=str(tmp_path / "missing.pem"))
    with pytest.raises(osukit.ConfigurationError):
        osukit.Client(cert=str(tmp_path / "missing.pem"))


# --- event loops --------------------------------------------------------------------------------


@pytest.mark.parametrize("backend", ["aiohttp", "httpx"])
def test_one_async_client_across_two_asyncio_runs(backend: str, osu_emulator: Any, clean_env: pytest.MonkeyPatch,
                                                  capfd: pytest.CaptureFixture[str],
                                                  caplog: pytest.LogCaptureFixture) -> None:
    user_id = osu_emulator.dataset["test_user_id"]
    osu = osukit.AsyncClient(client_id=osu_emulator.client_id, client_secret=osu_emulator.client_secret,
                             base_url=osu_emulator.base_url, rate_limit=0, http_backend=backend)

    async def use() -> int:
        return (await osu.users.get(user_id)).id

    with warnings.catch_warnings(), caplog.at_level(logging.DEBUG, logger="asyncio"):
        warnings.simplefilter("error")
        warnings.simplefilter("ignore", DeprecationWarning)  # third-party noise, not ours
        assert asyncio.run(use()) == user_id
        assert asyncio.run(use()) == user_id  # a new loop: new connections, same token

        async def finish() -> int:
            got = await use()
            await osu.aclose()
            return got

        assert asyncio.run(finish()) == user_id
        gc.collect()
    err = capfd.readouterr().err
    assert "Unclosed" not in err, err
    assert not [r for r in caplog.records if "Unclosed" in r.getMessage()]
    # one token for the three loops: the token manager followed the client
    assert osu_emulator.stats()["token_requests"] == {"client_credentials": 1}


@pytest.mark.parametrize("backend", ["aiohttp", "httpx"])
def test_aclose_on_a_hand_run_loop_leaves_nothing_pending(backend: str, osu_emulator: Any,
                                                          clean_env: pytest.MonkeyPatch,
                                                          caplog: pytest.LogCaptureFixture) -> None:
    """A loop run by hand (``run_until_complete``, as in tests and GUIs), not ``asyncio.run``: after
    ``await aclose()`` no task of osukit's is pending, so closing the loop destroys nothing pending
    (it did: the close-with-the-loop guard was cancelled but never run, and the garbage collector
    later logged "Task was destroyed but it is pending!")."""
    user_id = osu_emulator.dataset["test_user_id"]
    loop = asyncio.new_event_loop()
    try:
        osu = loop.run_until_complete(_make_async(osu_emulator, backend))
        assert loop.run_until_complete(osu.users.get(user_id)).id == user_id
        assert [t.get_name() for t in asyncio.all_tasks(loop)] == ["osukit: close connections with the event loop"]
        loop.run_until_complete(osu.aclose())
        assert [t for t in asyncio.all_tasks(loop) if not t.done()] == []
    finally:
        loop.close()
    with caplog.at_level(logging.ERROR, logger="asyncio"):
        del osu
        gc.collect()
    assert not [r for r in caplog.records if "destroyed but it is pending" in r.getMessage()]


def _guarded(log: list[str]) -> tuple[Any, asyncio.Event]:
    """A LoopGuard on the running loop whose closer logs its start and end and waits for an event."""
    from osukit._transport import LoopGuard

    release = asyncio.Event()

    async def closer() -> None:
        log.append("closing")
        try:
            await release.wait()
            log.append("closed")
        except asyncio.CancelledError:
            log.append("cut short")
            raise

    return LoopGuard(asyncio.get_running_loop(), closer), release


def test_a_guard_already_closing_is_waited_for_not_cut_short() -> None:
    """The loop's shutdown cancelled the guard and its closer is running when the owner's ``aclose``
    stops it: the owner waits for the close to finish instead of cancelling it halfway."""
    log: list[str] = []

    async def main() -> None:
        guard, release = _guarded(log)
        await asyncio.sleep(0)
        guard.task.cancel()  # what asyncio.run's shutdown does
        await asyncio.sleep(0)
        assert log == ["closing"]
        stopping = asyncio.create_task(guard.astop())
        await asyncio.sleep(0)
        release.set()
        await stopping
        assert guard.task.done()

    asyncio.run(main())
    assert log == ["closing", "closed"]


def test_a_guard_stopped_by_its_owner_on_its_loop_ends_without_closing() -> None:
    log: list[str] = []

    async def main() -> None:
        guard, _ = _guarded(log)
        await asyncio.sleep(0)
        await guard.astop()
        assert guard.task.done() and guard.task.cancelled()

    asyncio.run(main())
    assert log == []  # the owner closes itself


def test_a_guard_stopped_from_another_thread_closes_on_its_own_loop() -> None:
    log: list[str] = []
    loop = asyncio.new_event_loop()
    try:
        async def start() -> tuple[Any, asyncio.Event]:
            return _guarded(log)

        guard, release = loop.run_until_complete(start())
        loop.call_soon(release.set)
        stopper = threading.Thread(target=guard.stop)  # not thread-safe as task.cancel(): call_soon_threadsafe
        stopper.start()
        stopper.join(30)
        loop.run_until_complete(asyncio.wait([guard.task], timeout=30))
        assert guard.task.done()
    finally:
        loop.close()
    assert log == ["closing", "closed"]  # the closer ran on the guard's loop, to the end


class _CloseTransport(httpx.AsyncBaseTransport):
    """Answers 200 {} (and a token); its ``aclose`` fails or blocks, as the test needs."""

    def __init__(self, *, fail: bool = False) -> None:
        self.fail = fail
        self.closing = asyncio.Event()
        self.closes = 0

    async def handle_async_request(self, request: httpx.Request) -> httpx.Response:
        if request.url.path.endswith("/oauth/token"):
            return httpx.Response(200, json={"access_token": "t" * 40, "expires_in": 86400, "token_type": "Bearer"})
        return httpx.Response(200, json={})

    async def aclose(self) -> None:
        self.closes += 1
        if self.fail:
            raise _CloseFailed("the transport could not close")
        self.closing.set()
        await asyncio.get_running_loop().create_future()  # blocks until cancelled


class _CloseFailed(Exception):
    pass


def _scripted(transport: httpx.AsyncBaseTransport) -> osukit.AsyncClient:
    return osukit.AsyncClient(client_id=1, client_secret="s" * 40, base_url="https://osu.test", rate_limit=0,
                              transport=transport)


def test_an_error_closing_the_transport_reaches_the_aclose_caller(caplog: pytest.LogCaptureFixture) -> None:
    """The owner closes, not the guard: the error of a failing close is raised by ``aclose`` (it was
    left on the guard task and logged later as "Task exception was never retrieved")."""
    transport = _CloseTransport(fail=True)

    async def use() -> None:
        osu = _scripted(transport)
        await osu.request("GET", "api/v2/me")
        with pytest.raises(_CloseFailed):
            await osu.aclose()

    with caplog.at_level(logging.ERROR, logger="asyncio"):
        asyncio.run(use())
        gc.collect()
    assert transport.closes == 1
    assert not [r for r in caplog.records if "never retrieved" in r.getMessage()]


def test_a_cancelled_aclose_still_lets_go_of_the_cache() -> None:
    transport = _CloseTransport()
    released: list[bool] = []

    async def use() -> None:
        osu = _scripted(transport)
        await osu.request("GET", "api/v2/me")

        async def release() -> None:
            released.append(True)

        osu._acache_release = release  # type: ignore[method-assign]
        closing = asyncio.create_task(osu.aclose())
        await transport.closing.wait()  # aclose is inside the transport's close
        closing.cancel()
        with pytest.raises(asyncio.CancelledError):
            await closing
        assert osu.is_closed

    asyncio.run(use())
    assert released == [True]


@pytest.mark.parametrize("backend", ["aiohttp", "httpx"])
def test_a_client_closed_by_a_task_cancelled_at_loop_shutdown_closes_cleanly(
        backend: str, osu_emulator: Any, clean_env: pytest.MonkeyPatch, capfd: pytest.CaptureFixture[str],
        caplog: pytest.LogCaptureFixture) -> None:
    """``asyncio.run`` ends while a task still holds ``async with client``: the loop's shutdown cancels
    that task and the client's guard together. Whichever runs first, the connections are closed once
    and whole: the task's ``aclose`` waits for a guard already closing instead of cancelling it again
    halfway through its close."""
    user_id = osu_emulator.dataset["test_user_id"]

    async def main() -> None:
        ready = asyncio.Event()

        async def holder() -> None:
            async with await _make_async(osu_emulator, backend) as osu:
                assert (await osu.users.get(user_id)).id == user_id
                ready.set()
                await asyncio.get_running_loop().create_future()  # until the loop's shutdown

        asyncio.get_running_loop().create_task(holder())
        await ready.wait()

    with warnings.catch_warnings(), caplog.at_level(logging.DEBUG, logger="asyncio"):
        warnings.simplefilter("error", ResourceWarning)
        for _ in range(5):
            asyncio.run(main())
            gc.collect()
    err = capfd.readouterr().err
    assert "Unclosed" not in err, err
    assert not [r for r in caplog.records if "Unclosed" in r.getMessage() or "destroyed" in r.getMessage()]


async def _make_async(emu: Any, backend: str) -> osukit.AsyncClient:
    return osukit.AsyncClient(client_id=emu.client_id, client_secret=emu.client_secret, base_url=emu.base_url,
                              rate_limit=0, http_backend=backend)


@pytest.mark.parametrize("backend", ["aiohttp", "httpx"])
def test_two_running_loops_at_once_is_a_typed_error(backend: str, osu_emulator: Any,
                                                    clean_env: pytest.MonkeyPatch) -> None:
    user_id = osu_emulator.dataset["test_user_id"]

    async def main() -> None:
        async with osukit.AsyncClient(client_id=osu_emulator.client_id, client_secret=osu_emulator.client_secret,
                                      base_url=osu_emulator.base_url, rate_limit=0, http_backend=backend) as osu:
            await osu.users.get(user_id)

            def other_thread() -> None:
                asyncio.run(osu.users.get(user_id))

            with pytest.raises(osukit.EventLoopError, match="another running event loop"):
                await asyncio.to_thread(other_thread)
            assert (await osu.users.get(user_id)).id == user_id  # still fine on its own loop

    asyncio.run(main())
    assert issubclass(osukit.EventLoopError, osukit.OsukitError)


@pytest.mark.parametrize("backend", ["aiohttp", "httpx"])
def test_close_during_a_token_request_is_typed(backend: str, clean_env: pytest.MonkeyPatch) -> None:
    from ._hostile_server import HostileServer

    with HostileServer() as srv:
        srv.trickle_seconds = 3

        def slow_token(sock: Any, target: str) -> None:
            srv.routes["trickle"](sock, target)

        srv.routes["oauth/token"] = slow_token

        async def main() -> None:
            osu = osukit.AsyncClient(client_id=1, client_secret="s" * 40, base_url=srv.url, rate_limit=0,
                                     http_backend=backend)
            task = asyncio.ensure_future(osu.request("GET", "api/v2/me"))
            await asyncio.sleep(0.5)
            await osu.aclose()
            with pytest.raises(osukit.OsukitError) as info:
                await asyncio.wait_for(task, 10)
            assert not type(info.value).__module__.startswith(("httpx", "aiohttp", "builtins"))

        asyncio.run(main())


def test_close_during_a_token_request_is_typed_sync(clean_env: pytest.MonkeyPatch) -> None:
    from ._hostile_server import HostileServer

    with HostileServer() as srv:
        srv.trickle_seconds = 3
        srv.routes["oauth/token"] = srv.routes["trickle"]
        osu = osukit.Client(client_id=1, client_secret="s" * 40, base_url=srv.url, rate_limit=0)
        errors: list[BaseException] = []

        def call() -> None:
            try:
                osu.request("GET", "api/v2/me")
            except BaseException as exc:
                errors.append(exc)

        t = threading.Thread(target=call)
        t.start()
        threading.Event().wait(0.5)
        osu.close()
        t.join(15)
        assert not t.is_alive()
        assert errors and isinstance(errors[0], osukit.OsukitError), errors


@pytest.mark.parametrize("backend", ["sync", "httpx"])
@pytest.mark.parametrize("error", [ssl.SSLError(1, "TLSV13_ALERT_CERTIFICATE_REQUIRED"), ConnectionResetError(104, "reset")])
def test_bare_socket_errors_from_the_http_stack_are_typed(backend: str, error: OSError) -> None:
    # httpcore over anyio lets an ssl.SSLError through on the first read under TLS 1.3 (a server
    # refusing our client certificate); seen under load in test_tls_client_certificate.
    import httpx

    calls: list[int] = []

    def handler(request: httpx.Request) -> httpx.Response:
        calls.append(1)
        raise error

    options: dict[str, Any] = {"base_url": "https://osu.test", "rate_limit": 0, "transport": httpx.MockTransport(handler),
                               "retry": osukit.RetryPolicy(max_retries=2, initial_delay=0.01, jitter=False)}
    with pytest.raises(osukit.TransportError) as info:
        if backend == "sync":
            with osukit.Client(**options) as osu:
                osu.request("GET", "api/v2/me")
        else:
            async def run() -> None:
                async with osukit.AsyncClient(http_backend="httpx", **options) as osu:
                    await osu.request("GET", "api/v2/me")

            asyncio.run(run())
    assert type(info.value).__module__ == "osukit._exceptions"
    # a TLS failure is final; a reset connection is retried like any read error
    assert len(calls) == (1 if isinstance(error, ssl.SSLError) else 3)


def test_a_borrowed_http_client_on_a_new_loop_is_a_typed_error(osu_emulator: Any, clean_env: pytest.MonkeyPatch) -> None:
    import httpx

    user_id = osu_emulator.dataset["test_user_id"]
    http = httpx.AsyncClient()
    osu = osukit.AsyncClient(client_id=osu_emulator.client_id, client_secret=osu_emulator.client_secret,
                             base_url=osu_emulator.base_url, rate_limit=0, http_client=http)

    async def use() -> int:
        return (await osu.users.get(user_id)).id

    assert asyncio.run(use()) == user_id
    with pytest.raises(osukit.EventLoopError, match="did not create"):
        asyncio.run(use())  # was a bare RuntimeError("Event loop is closed") from deep in httpx
