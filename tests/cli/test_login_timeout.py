"""A login nobody approved in time says so, not `not authenticated (401)`."""

from __future__ import annotations

from typing import Any

import pytest

from osukit import AuthenticationError
from osukit.cli._errors import ExitCode, explain
from tests.cli.conftest import Cli, emu_env, free_port


def test_login_timeout_is_said_as_such(cli: Cli, emu: Any) -> None:
    port = free_port()
    r = cli("--rate-limit", "0", "login", "--no-browser", "--timeout", "1",
            "--redirect-uri", f"http://127.0.0.1:{port}/callback", env=emu_env(emu), input="")
    assert r.code == ExitCode.AUTH, r.err
    assert "osukit: error: the login timed out waiting for the browser: no OAuth callback at " \
           f"http://127.0.0.1:{port}/callback and no pasted URL within 1s" in r.err_lines
    assert r.err_lines[-1].startswith("hint: run `osukit login` again and approve osukit")
    assert "401" not in r.err and "OSU_CLIENT_SECRET" not in r.err


@pytest.mark.parametrize("message", ["the login was cancelled", "osu! refused the authorization: access_denied",
                                     "the redirect URL carries no authorization code"])
def test_other_login_failures_are_not_401(message: str) -> None:
    info = explain(AuthenticationError(message, status_code=400))
    assert info.title == f"the login failed: {message}"
    assert info.hint is not None and "osukit login" in info.hint and "CLIENT" not in info.hint
    assert info.code == ExitCode.AUTH


def test_a_real_401_keeps_its_title() -> None:
    info = explain(AuthenticationError("Unauthenticated.", status_code=401, method="GET",
                                       url="https://osu.ppy.sh/api/v2/me"))
    assert info.title.startswith("not authenticated (401)")
