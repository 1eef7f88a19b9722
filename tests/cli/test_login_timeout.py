"""A login nobody approved in time says so, not `not authenticated (401)`."""

from __future__ import annotations

from typing import Any

import pytest

from osukit import AuthenticationError
from osukit.cli._errors import ExitCode, explain
from tests.cli.conftest import Cli, emu_env, free_port, login_process


def test_login_timeout_is_said_as_such(cli: Cli, emu: Any) -> None:
    """stdin stays open and nobody pastes: the time runs out. In --no-browser mode the hint does not offer
    --no-browser as the way out (it is in use): it is the command again with more time."""
    port = free_port()
    env = {**cli.env, **emu_env(emu)}
    with login_process(env, "--timeout", "1", "--redirect-uri",
                       f"http://127.0.0.1:{port}/callback") as proc:
        proc.wait(timeout=90)
        assert proc.stderr is not None
        err = proc.stderr.read()
    lines = err.splitlines()
    assert proc.returncode == ExitCode.AUTH, err
    assert "osukit: error: the login timed out waiting for the browser: no OAuth callback at " \
           f"http://127.0.0.1:{port}/callback and no pasted URL within 1s" in lines
    assert lines[-1] == ("hint: run `osukit login --no-browser --timeout 600` again, approve osukit at the URL "
                         "it prints and paste the address the browser lands on in time"), err
    assert "without a browser here" not in err
    assert "401" not in err and "OSU_CLIENT_SECRET" not in err


def test_no_browser_login_stops_when_stdin_closes(cli: Cli, emu: Any) -> None:
    """--no-browser with stdin at its end: no URL can be pasted any more, so the login stops at once with
    a clear error, not after the whole --timeout (300 s here; the test allows 120 s for a loaded machine)."""
    port = free_port()
    r = cli("--rate-limit", "0", "login", "--no-browser", "--timeout", "300",
            "--redirect-uri", f"http://127.0.0.1:{port}/callback", env=emu_env(emu), input="", timeout=120)
    assert r.code == ExitCode.AUTH, r.err
    assert "osukit: error: stdin closed before a redirect URL was pasted (nothing can be pasted any more)" \
        in r.err_lines, r.err
    assert "--no-browser" not in r.err_lines[-1] and r.err_lines[-1].startswith("hint: run it again"), r.err
    assert "timed out" not in r.err


def test_pasted_text_that_is_no_url_is_said_as_such(cli: Cli, emu: Any) -> None:
    port = free_port()
    r = cli("--rate-limit", "0", "login", "--no-browser", "--timeout", "300",
            "--redirect-uri", f"http://127.0.0.1:{port}/callback", env=emu_env(emu), input="garbage\n", timeout=120)
    assert r.code == ExitCode.AUTH, r.err
    assert "That URL was not accepted (that is not a redirect URL (it carries no code, state or error)" in r.err
    assert "state mismatch" not in r.err


@pytest.mark.parametrize("text", ["garbage", "", "https://osu.ppy.sh/oauth/authorize?client_id=1&scope=public"])
def test_parse_redirect_of_no_redirect_url(text: str) -> None:
    from osukit.oauth import parse_redirect

    with pytest.raises(AuthenticationError, match="that is not a redirect URL") as info:
        parse_redirect(text, "expected")
    assert info.value.message.startswith("that is not a redirect URL (it carries no code, state or error)")
    with pytest.raises(AuthenticationError, match="state mismatch"):  # a redirect of another attempt
        parse_redirect("http://127.0.0.1:8080/callback?code=abc&state=other", "expected")


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
