"""A revoked stored login: its reason once, and the hint to log in again (not to check the client secret)."""

from __future__ import annotations

import time
from typing import Any

import httpx

from osukit import OAuthError
from osukit.cli._errors import ExitCode, explain
from osukit.tokens import FileTokenStore, Token
from tests.cli.conftest import Cli, emu_env


def test_revoked_stored_login(cli: Cli, emu: Any) -> None:
    body = emu.mint_token(2, ["identify", "public"], refresh=True)
    r = httpx.delete(f"{emu.base_url}/api/v2/oauth/tokens/current",
                     headers={"Authorization": f"Bearer {body['access_token']}"})
    assert r.status_code == 204
    token_file = cli.home / "tokens.json"
    base = str(emu.base_url).rstrip("/")
    FileTokenStore(token_file).save(f"osukit-cli:{base}", Token.from_response(
        body, now=time.time(), requested_scopes=("identify", "public")))
    env = {**emu_env(emu), "OSUKIT_TOKEN_FILE": str(token_file)}
    r = cli("--rate-limit", "0", "whoami", env=env)
    assert r.code == ExitCode.AUTH, r.err
    assert r.err_lines[0].startswith("osukit: error: osu! refused the login: invalid_grant: ")
    assert r.err_lines[0].endswith("(Token has been revoked)")
    assert r.err.count("Token has been revoked") == 1
    assert r.err_lines[1].startswith("hint: log in again with `osukit login`")
    assert "secret" not in r.err_lines[1]


def test_invalid_client_keeps_the_credentials_hint() -> None:
    exc = OAuthError("invalid_client: Client authentication failed", status_code=401, error="invalid_client",
                     hint="bad secret", method="POST", url="https://osu.ppy.sh/oauth/token")
    info = explain(exc)
    assert info.title == "osu! refused the credentials: invalid_client: Client authentication failed (bad secret)"
    assert info.hint is not None and "client id and secret" in info.hint
