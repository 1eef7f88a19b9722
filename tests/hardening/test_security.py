"""Security pass: no secret leaks anywhere a test run can see, safe defaults, no dangerous calls on data."""

from __future__ import annotations

import asyncio
import logging
import re
import ssl
import traceback
from pathlib import Path
from typing import Any

import httpx
import pytest

import osukit
from osukit.emulator import Emulator

SRC = Path(__file__).resolve().parents[2] / "src" / "osukit"


def test_secrets_never_reach_logs_reprs_errors_or_tracebacks(caplog: pytest.LogCaptureFixture, tmp_path: Path) -> None:
    caplog.set_level(logging.DEBUG)
    seen: list[str] = []
    with Emulator(seed=0) as emu:
        store = osukit.FileTokenStore(tmp_path / "tokens.json")
        client = osukit.Client(client_id=emu.client_id, client_secret=emu.client_secret, api_key=emu.api_key,
                               base_url=emu.base_url, rate_limit=0, token_store=store,
                               retry=osukit.RetryPolicy(max_retries=1, initial_delay=0.001))
        client.users.get(2)
        client.legacy.get_user(2)
        token = client.get_token()
        secrets_ = [emu.client_secret, emu.api_key, token.access_token]
        seen += [repr(client), repr(client.grant), repr(token), str(token), repr(store), repr(client.last_response)]
        emu.set_faults(error_rate=1.0, error_statuses=[503])
        for call in (lambda: client.users.get(2), lambda: client.legacy.get_user(2), lambda: client.legacy.get_replay(score_id=1)):
            try:
                call()
            except osukit.OsukitError as exc:
                seen += [str(exc), repr(exc), "".join(traceback.format_exception(exc)), str(getattr(exc, "url", ""))]
        emu.clear_faults()
        bad = osukit.Client(client_id=emu.client_id, client_secret="wrong-secret-123456", api_key="wrong-key-123456",
                            base_url=emu.base_url, rate_limit=0)
        for call in (lambda: bad.users.get(2), lambda: bad.legacy.get_user(2)):
            try:
                call()
            except osukit.OsukitError as exc:
                seen += [str(exc), repr(exc), "".join(traceback.format_exception(exc))]
        secrets_ += ["wrong-secret-123456", "wrong-key-123456"]
        # a refresh-token login, too
        user = emu.mint_token(emu.dataset["test_user_id"], ["public", "identify"])
        grant = osukit.UserToken(emu.client_id, emu.client_secret,
                                 osukit.Token(access_token=user["access_token"], refresh_token=user["refresh_token"],
                                              expires_at=0.0, scopes=("public", "identify")))
        refreshed = osukit.Client(grant=grant, base_url=emu.base_url, rate_limit=0)
        refreshed.users.me()
        secrets_ += [user["access_token"], user["refresh_token"], refreshed.token.access_token]  # type: ignore[union-attr]
        seen.append(repr(refreshed.token))
    seen += [r.getMessage() for r in caplog.records]
    blob = "\n".join(seen)
    assert len(caplog.records) > 5  # DEBUG logging really ran (retries, token requests …)
    for secret in secrets_:
        assert secret not in blob, "a secret leaked"
    text = (tmp_path / "tokens.json").read_text()
    assert (tmp_path / "tokens.json").stat().st_mode & 0o077 == 0 and "access_token" in text


def test_tls_verification_is_on_by_default() -> None:
    client = osukit.Client(access_token="t" * 10)
    transport: Any = client._http._transport
    ctx: ssl.SSLContext = transport._pool._ssl_context
    assert ctx.verify_mode == ssl.CERT_REQUIRED and ctx.check_hostname
    client.close()

    async def aio() -> None:
        c = osukit.AsyncClient(access_token="t" * 10, http_backend="httpx")
        t: Any = c._http._transport
        assert t._pool._ssl_context.verify_mode == ssl.CERT_REQUIRED
        await c.aclose()

    asyncio.run(aio())
    assert "ssl=False" not in (SRC / "_transport.py").read_text()


def test_no_dangerous_calls_in_the_package() -> None:
    banned = re.compile(r"\bpickle\b|\beval\(|\bexec\(|shell\s*=\s*True|os\.system\(|yaml\.load\(|marshal\.loads")
    hits = [f"{p.relative_to(SRC)}:{n}" for p in SRC.rglob("*.py") for n, line in enumerate(p.read_text().splitlines(), 1)
            if banned.search(line) and not line.lstrip().startswith("#")]
    assert hits == []


def test_authorization_never_goes_to_another_host() -> None:
    hits: list[str] = []

    def handler(request: httpx.Request) -> httpx.Response:
        hits.append(f"{request.url.host} {request.headers.get('authorization')}")
        return httpx.Response(301, headers={"location": "https://evil.example/steal"})

    client = osukit.Client(access_token="static-token-123", base_url="https://osu.test", rate_limit=0, retry=False,
                           transport=httpx.MockTransport(handler))
    with pytest.raises(osukit.APIError):
        client.request("GET", "api/v2/me")
    with pytest.raises(osukit.ConfigurationError):
        client.request("GET", "https://evil.example/api/v2/me")
    assert all(h.startswith("osu.test ") for h in hits)
