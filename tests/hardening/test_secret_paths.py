"""Secrets off every path: header-hostile tokens, third-party loggers at DEBUG, rich reprs, servers
that echo the request, hand-passed v1 keys, and the OAuth ``state`` of ``exchange_code``."""

from __future__ import annotations

import asyncio
import io
import json
import logging
import threading
import traceback
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

import pytest

import osukit
from osukit._redact import REDACTED_LOGGERS, redact_text
from osukit.emulator import Emulator

from .._figures import count
from .._helpers import secrets_restored

rich_pretty = pytest.importorskip("rich.pretty")


def _texts(exc: BaseException) -> str:
    parts = [str(exc), repr(exc), "".join(traceback.format_exception(exc))]
    for name in ("body", "headers", "message", "error_description", "hint", "url", "excerpt"):
        value = getattr(exc, name, None)
        if value is not None:
            parts.append(json.dumps(value, default=str))
    return "\n".join(parts)


# --- header-hostile tokens ---------------------------------------------------------------------

HOSTILE_TOKENS = [
    "emu-token-trailing-newline-abcdef\n",
    "emu-token-crlf-abcdef\r\nX-Injected: 1",
    " emu-token-leading-space-abcdef",
    "emu-token-nön-ascii-abcdéf",
    "emu-token-emoji-abcdef-\U0001f600",
    "emu-token-nul-abcdef\x00",
    "emu-token-tab-abcdef\t",
]


@pytest.mark.parametrize("token", HOSTILE_TOKENS, ids=lambda t: repr(t)[-12:])
def test_hostile_token_is_a_typed_error_without_the_token_sync(token: str) -> None:
    with Emulator(seed=0) as emu:
        client = osukit.Client(access_token=token, base_url=emu.base_url, rate_limit=0)
        with pytest.raises(osukit.ConfigurationError) as info:
            client.users.get(2)
        client.close()
    text = _texts(info.value)
    assert token not in text and token.strip() not in text and repr(token)[1:-1] not in text
    assert "access token" in str(info.value)
    count("secret paths", "hostile tokens tried")


@pytest.mark.parametrize("backend", ["httpx", "aiohttp"])
@pytest.mark.parametrize("token", HOSTILE_TOKENS[:4], ids=lambda t: repr(t)[-12:])
def test_hostile_token_is_a_typed_error_without_the_token_async(token: str, backend: str) -> None:
    with Emulator(seed=0) as emu:

        async def run() -> BaseException:
            async with osukit.AsyncClient(access_token=token, base_url=emu.base_url, rate_limit=0,
                                          http_backend=backend) as client:
                try:
                    await client.users.get(2)
                except osukit.OsukitError as exc:
                    return exc
            raise AssertionError("no error")

        exc = asyncio.run(run())
    assert isinstance(exc, osukit.ConfigurationError)
    assert token.strip() not in _texts(exc)


def test_hostile_header_passed_by_hand_is_a_typed_error() -> None:
    with Emulator(seed=0) as emu:
        client = osukit.Client(client_id=emu.client_id, client_secret=emu.client_secret,
                               base_url=emu.base_url, rate_limit=0)
        with pytest.raises(osukit.InvalidParameterError) as info:
            client.request("GET", "api/v2/users/2", headers={"X-Note": "caf\u00e9-value-123"})
        client.close()
    assert "caf" not in str(info.value)


def test_cli_does_not_print_a_token_read_with_its_newline(tmp_path: Path) -> None:
    from tests.cli.conftest import Cli, emu_env

    home = tmp_path / "home"
    home.mkdir()
    cli = Cli(home)
    token = "emu-cli-token-with-newline-0123456789\n"
    with Emulator(seed=0) as emu:
        env = {**emu_env(emu), "OSU_ACCESS_TOKEN": token}
        result = cli("--access-token", token, "user", "2", env=env)
    assert result.code != 0
    assert token.strip() not in result.out + result.err
    assert "access token" in result.err


# --- third-party loggers at DEBUG ---------------------------------------------------------------


class _Collect(logging.Handler):
    def __init__(self) -> None:
        super().__init__(logging.DEBUG)
        self.setFormatter(logging.Formatter("%(name)s %(message)s"))
        self.lines: list[str] = []

    def emit(self, record: logging.LogRecord) -> None:
        self.lines.append(self.format(record))


@pytest.fixture
def debug_root() -> Iterator[_Collect]:
    """A handler on the ROOT logger (as ``osukit --debug`` / ``basicConfig`` installs), every logger
    tree osukit drives at DEBUG."""
    handler = _Collect()
    root = logging.getLogger()
    old = root.level
    root.addHandler(handler)
    root.setLevel(logging.DEBUG)
    levels = {n: logging.getLogger(n).level for n in REDACTED_LOGGERS}
    for name in REDACTED_LOGGERS:
        logging.getLogger(name).setLevel(logging.DEBUG)
    try:
        yield handler
    finally:
        root.removeHandler(handler)
        root.setLevel(old)
        for name, level in levels.items():
            logging.getLogger(name).setLevel(level)


def test_websockets_debug_log_of_the_chat_stream_has_no_token(debug_root: _Collect) -> None:
    pytest.importorskip("websockets")
    with Emulator(seed=0) as emu:
        uid = emu.dataset["test_user_id"]
        scopes = ("public", "identify", "chat.read", "chat.write")
        token = emu.mint_token(uid, scopes)["access_token"]

        async def run() -> None:
            async with osukit.AsyncClient(base_url=emu.base_url, rate_limit=0,
                                          grant=osukit.StaticToken(token, scopes=scopes)) as client:
                async with client.chat_stream(url=emu.notify_url, keepalive=None) as stream:
                    await asyncio.wait_for(stream.__aiter__().__anext__(), 10)

        asyncio.run(run())
    blob = "\n".join(debug_root.lines)
    assert any(line.startswith("websockets") for line in debug_root.lines), "websockets did not log"
    assert "Authorization" in blob or "authorization" in blob  # the header line was logged ...
    assert token not in blob  # ... redacted
    count("secret paths", "third-party log lines checked", len(debug_root.lines))


def test_httpcore_and_httpx_debug_logs_have_no_secrets(debug_root: _Collect) -> None:
    with Emulator(seed=0) as emu:
        client = osukit.Client(client_id=emu.client_id, client_secret=emu.client_secret, api_key=emu.api_key,
                               base_url=emu.base_url, rate_limit=0)
        client.users.get(2)
        client.legacy.get_user(2)
        token = client.get_token().access_token
        client.close()
        secrets_ = [emu.client_secret, emu.api_key, token]
    blob = "\n".join(debug_root.lines)
    assert any(line.startswith("httpcore") for line in debug_root.lines)
    for secret in secrets_:
        assert secret not in blob


def test_child_logger_records_are_redacted_whatever_the_handler() -> None:
    osukit.Token(access_token="child-logger-secret-0123456789", expires_at=0.0)
    stream = io.StringIO()
    handler = logging.StreamHandler(stream)
    for name in ("websockets.client", "aiohttp.client", "redis.connection", "uvicorn.error", "hpack.table",
                 "websockets.some.future.child"):
        log = logging.getLogger(name)
        log.addHandler(handler)
        old = log.level
        log.setLevel(logging.DEBUG)
        try:
            log.debug("> Authorization: Bearer %s", "child-logger-secret-0123456789")
            try:
                raise RuntimeError("child-logger-secret-0123456789")
            except RuntimeError:
                log.exception("failed")
        finally:
            log.removeHandler(handler)
            log.setLevel(old)
    text = stream.getvalue()
    assert "Authorization: Bearer [redacted]" in text and "RuntimeError" in text
    assert "child-logger-secret" not in text


# --- rich reprs ------------------------------------------------------------------------------


def test_rich_pretty_printing_shows_no_secret(tmp_path: Path) -> None:
    from rich.console import Console

    token = osukit.Token(access_token="rich-access-0123456789", refresh_token="rich-refresh-0123456789",
                         expires_at=0.0, scopes=("public",))
    grant = osukit.UserToken(1, "rich-client-secret-0123", token)
    objects: list[Any] = [
        token, [token], {"token": token}, grant, osukit.ClientCredentials(1, "rich-client-secret-0123"),
        osukit.Client(client_id=1, client_secret="rich-client-secret-0123", api_key="rich-api-key-0123456"),
        osukit.Client(grant=grant), osukit.StaticToken("rich-access-0123456789"),
        osukit.FileTokenStore(tmp_path / "t.json"), osukit.SQLiteTokenStore(tmp_path / "t.db"),
        osukit.MemoryTokenStore(),
    ]
    out = io.StringIO()
    console = Console(file=out, width=200)
    for obj in objects:
        console.print(obj)
        out.write(rich_pretty.pretty_repr(obj))
    text = out.getvalue()
    assert "Token(" in text and "[redacted]" in text
    for secret in ("rich-access", "rich-refresh", "rich-client-secret", "rich-api-key"):
        assert secret not in text
    count("secret paths", "rich reprs checked", len(objects))


# --- a server that echoes the request ---------------------------------------------------------


class _Echo(BaseHTTPRequestHandler):
    def log_message(self, format: str, *args: Any) -> None:
        return

    def _answer(self) -> None:
        length = int(self.headers.get("content-length") or 0)
        body = self.rfile.read(length).decode("utf-8", "replace")
        echo = {"path": self.path, "headers": dict(self.headers.items()), "body": body}
        text = json.dumps(echo)
        if self.path.startswith("/oauth/token"):
            payload: Any = {"error": "invalid_client", "error_description": f"you sent {body}",
                            "hint": text, "message": text}
            status = 401
        elif "/api/get_" in self.path:
            payload = {"error": f"bad request {text}"}
            status = 401
        else:
            payload = {"error": f"echo {text}", "echo": echo, "nested": [[[{"h": dict(self.headers.items())}]]]}
            status = 400
        data = json.dumps(payload).encode()
        self.send_response(status)
        self.send_header("content-type", "application/json")
        self.send_header("x-echo-auth", self.headers.get("authorization") or "-")
        self.send_header("content-length", str(len(data)))
        self.end_headers()
        self.wfile.write(data)

    do_GET = do_POST = _answer


@pytest.fixture
def echo_url() -> Iterator[str]:
    server = ThreadingHTTPServer(("127.0.0.1", 0), _Echo)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_address[1]}"
    finally:
        server.shutdown()
        server.server_close()


def test_echoing_server_puts_no_secret_in_errors(echo_url: str, debug_root: _Collect) -> None:
    secret, key, token = "echo-client-secret-01234", "echo-api-key-0123456", "echo-access-token-0123456"
    seen: list[str] = []
    no_retry = osukit.RetryPolicy(max_retries=0)
    # the token endpoint echoes the form body (client_secret) into error_description/hint/message
    cc = osukit.Client(client_id=1, client_secret=secret, base_url=echo_url, rate_limit=0, retry=no_retry)
    with pytest.raises(osukit.OAuthError) as oauth:
        cc.users.get(2)
    seen.append(_texts(oauth.value))
    assert oauth.value.error == "invalid_client"
    # a v2 error echoing the Authorization header in message, body, nested body and a header
    static = osukit.Client(access_token=token, base_url=echo_url, rate_limit=0, retry=no_retry)
    with pytest.raises(osukit.BadRequestError) as bad:
        static.users.get(2)
    seen.append(_texts(bad.value))
    assert "[redacted]" in json.dumps(bad.value.body)
    # v1 with the client's key, and v1 with a key passed by hand in params
    v1 = osukit.Client(api_key=key, base_url=echo_url, rate_limit=0, retry=no_retry)
    for call in (lambda: v1.legacy.get_user(2),
                 lambda: osukit.Client(base_url=echo_url, rate_limit=0, retry=no_retry).request(
                     "GET", "api/get_user", params={"u": 2, "k": "hand-passed-key-0123456"})):
        with pytest.raises(osukit.APIError) as v1err:
            call()
        seen.append(_texts(v1err.value))
    for c in (cc, static, v1):
        c.close()
    blob = "\n".join(seen + debug_root.lines)
    assert any("HTTP Request" in line for line in debug_root.lines)  # httpx's INFO line ran
    for s in (secret, key, token, "hand-passed-key-0123456"):
        assert s not in blob
    count("secret paths", "echo cases", 4)


def test_redact_text_catches_quoted_forms() -> None:
    raw = "quoted-form-secret-0123\n"
    osukit.Token(access_token=raw, expires_at=0.0)
    for text in (raw, repr(raw), repr(raw.encode()), "Illegal header value b'Bearer quoted-form-secret-0123\\n'",
                 "quoted-form-secret-0123%0A", "?a=1&k=zz-unregistered-9876&b=2",
                 '{"client_secret": "zz-unregistered-9876"}', "refresh_token=zz-unregistered-9876&x=1"):
        assert "quoted-form-secret" not in redact_text(text)
        assert "zz-unregistered" not in redact_text(text)


# --- exchange_code and the OAuth state -----------------------------------------------------------


@pytest.mark.parametrize("state", [None, "", "wrong-state"])
def test_exchange_code_missing_state_fails_like_a_wrong_one(state: str | None) -> None:
    with Emulator(seed=0) as emu:
        emu.reset_stats()
        client = osukit.Client(client_id=emu.client_id, client_secret=emu.client_secret,
                               base_url=emu.base_url, rate_limit=0)
        grant = osukit.AuthorizationCode(emu.client_id, emu.client_secret, "http://127.0.0.1:9/cb")
        with pytest.raises(osukit.AuthenticationError, match="state mismatch") as info:
            client.exchange_code(grant, "some-code-0123456", state=state)
        assert info.value.status_code == 400
        assert client.token is None
        assert not emu.stats().get("token_requests")  # refused before any request
        client.close()

    async def aio() -> None:
        async with osukit.AsyncClient(client_id=1, client_secret="x" * 10, base_url="http://127.0.0.1:9") as ac:
            g = osukit.AuthorizationCode(1, "x" * 10, "http://127.0.0.1:9/cb")
            with pytest.raises(osukit.AuthenticationError, match="state mismatch"):
                await ac.exchange_code(g, "some-code-0123456", state=state)

    asyncio.run(aio())


def test_cli_debug_chat_tail_prints_no_token(tmp_path: Path) -> None:
    """``osukit --debug chat tail``: websockets logs the upgrade request's headers at DEBUG."""
    pytest.importorskip("websockets")
    from tests.cli.conftest import Cli, emu_env

    home = tmp_path / "home"
    home.mkdir()
    cli = Cli(home)
    with Emulator(seed=0) as emu:
        uid = emu.dataset["test_user_id"]
        token = emu.mint_token(uid, ["identify", "public", "chat.read", "chat.write"])["access_token"]
        with osukit.Client(access_token=token, base_url=emu.base_url, rate_limit=0) as client:
            channel = next(c for c in client.chat.channels() if str(c.type).upper().endswith("PUBLIC"))
        env = {**emu_env(emu), "OSU_ACCESS_TOKEN": token}
        result = cli("--debug", "chat", "tail", str(channel.channel_id), "--timeout", "2", env=env)
    blob = result.out + result.err
    assert "websockets" in blob and "Authorization" in blob  # the DEBUG header lines were printed ...
    assert token not in blob  # ... redacted
    assert emu.client_secret not in blob and emu.api_key not in blob


@pytest.mark.parametrize("token", HOSTILE_TOKENS[:4], ids=lambda t: repr(t)[-12:])
def test_hostile_token_fails_the_chat_stream_at_once(token: str) -> None:
    pytest.importorskip("websockets")
    with Emulator(seed=0) as emu:

        async def run() -> BaseException:
            async with osukit.AsyncClient(access_token=token, base_url=emu.base_url, rate_limit=0) as client:
                try:
                    async with client.chat_stream(url=emu.notify_url, keepalive=None, catch_up=False) as stream:
                        async for _ in stream:
                            pass
                except osukit.OsukitError as exc:
                    return exc
            raise AssertionError("the stream ended without an error")

        exc = asyncio.run(asyncio.wait_for(run(), 30))
    assert isinstance(exc, osukit.ConfigurationError), exc  # not retried as a connection failure
    assert token.strip() not in _texts(exc)


def test_a_registered_secret_that_is_a_common_word_does_not_hide_a_shape() -> None:
    # The whole-suite run registered the literal "secret" (a test's client_secret); it then turned
    # '"client_secret": "…"' into '"client_[redacted]": "…"' before the shape could match, and the value leaked.
    from osukit import _redact

    with secrets_restored():  # "secret" would be scrubbed from every later test's text
        _redact.register_secret("secret")
        for text in ('{"client_secret": "zz-unregistered-4321"}', "client_secret=zz-unregistered-4321&x=1",
                     '{"refresh_token": "zz-unregistered-4321"}'):
            assert "zz-unregistered" not in redact_text(text), redact_text(text)


@pytest.mark.parametrize("filler", [0, 65], ids=["one-regex", "indexed"])
def test_restoring_the_registered_secrets_leaves_nothing_of_the_blocks_own(filler: int) -> None:
    # A word registered inside the block (here one no other test registers) is redacted there and
    # nowhere after it, whether redaction runs one regex (few forms) or the first-characters index
    # (over 64 forms). Restoring the forms alone left it in the index for the rest of the run.
    from osukit import _redact

    word = "zz-block-only-word-5150"
    assert redact_text(word) == word
    with secrets_restored():
        for i in range(filler):
            _redact.register_secret(f"zz-filler-form-{i:04d}")
        _redact.register_secret(word)
        assert redact_text(word) == "[redacted]"
    assert redact_text(word) == word
    assert redact_text("zz-filler-form-0000") == "zz-filler-form-0000"
