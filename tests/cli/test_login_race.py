"""`osukit login --no-browser`: the browser's callback finishes the login even while the paste prompt
still waits on the terminal, and the token is saved."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import httpx

from .conftest import Cli, authorize_url, emu_env, free_port, login_process


def test_callback_finishes_a_no_browser_login_while_the_prompt_waits(cli: Cli, emu: Any, tmp_path: Path) -> None:
    token_file = tmp_path / "tokens.json"
    env = {**cli.env, **emu_env(emu), "OSUKIT_TOKEN_FILE": str(token_file)}
    with login_process(env, "--redirect-uri", f"http://127.0.0.1:{free_port()}/callback", "--timeout", "60") as proc:
        url, _ = authorize_url(proc.stderr, lines=20)
        # The "browser" on this machine: approve, follow osu!'s redirect to the callback server.
        page = httpx.get(url, follow_redirects=True, timeout=30)
        assert page.status_code == 200 and "Logged in" in page.text
        proc.wait(timeout=60)  # stdin stays open and empty: nobody pastes
        assert proc.stdout is not None and proc.stderr is not None
        out, err = proc.stdout.read(), proc.stderr.read()
    assert proc.returncode == 0, err
    assert "Logged in" in out
    saved = json.loads(token_file.read_text())
    assert list(saved) == [f"osukit-cli:{emu.base_url}"]
    assert saved[f"osukit-cli:{emu.base_url}"]["user_id"] == emu.dataset["test_user_id"]


def _login_on_one_terminal(cli: Cli, emu: Any, token_file: Path) -> str:
    """``osukit login --no-browser`` with stdout and stderr on one stream, as on a terminal; the browser
    approves while the paste prompt waits. Returns everything the command wrote."""
    env = {**cli.env, **emu_env(emu), "OSUKIT_TOKEN_FILE": str(token_file)}
    with login_process(env, "--redirect-uri", f"http://127.0.0.1:{free_port()}/callback", "--timeout", "60",
                       merge_stderr=True) as proc:
        url, seen = authorize_url(proc.stdout, lines=20)
        page = httpx.get(url, follow_redirects=True, timeout=30)
        assert page.status_code == 200
        proc.wait(timeout=60)
        assert proc.stdout is not None
        out = "".join(seen) + proc.stdout.read()
    assert proc.returncode == 0, out
    return out


def test_the_logged_in_line_starts_on_its_own_line_and_a_second_login_says_so(
        cli: Cli, emu: Any, tmp_path: Path) -> None:
    token_file = tmp_path / "tokens.json"
    user_id = emu.dataset["test_user_id"]
    first = _login_on_one_terminal(cli, emu, token_file)
    assert "waiting up to 60 s" in first
    assert "Already logged in" not in first
    lines = first.splitlines()
    assert any(line.startswith("Paste the URL") for line in lines), first  # the prompt was on screen
    assert any(line.startswith("Logged in to ") for line in lines), first
    assert not any("Paste the URL" in line and "Logged in" in line for line in lines), first
    second = _login_on_one_terminal(cli, emu, token_file)
    assert f"Already logged in to {emu.base_url} as user {user_id}; logging in again" in second
    assert second.index("Already logged in") < second.index("/oauth/authorize?") < second.index("Logged in to ")
    assert json.loads(token_file.read_text())[f"osukit-cli:{emu.base_url}"]["user_id"] == user_id
