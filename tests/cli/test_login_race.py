"""`osukit login --no-browser`: the browser's callback finishes the login even while the paste prompt
still waits on the terminal, and the token is saved."""

from __future__ import annotations

import json
import socket
import subprocess
import sys
from pathlib import Path
from typing import Any

import httpx

from .conftest import Cli, emu_env


def test_callback_finishes_a_no_browser_login_while_the_prompt_waits(cli: Cli, emu: Any, tmp_path: Path) -> None:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    token_file = tmp_path / "tokens.json"
    env = {**cli.env, **emu_env(emu), "OSUKIT_TOKEN_FILE": str(token_file)}
    proc = subprocess.Popen(
        [sys.executable, "-m", "osukit.cli", "login", "--no-browser", "--redirect-uri",
         f"http://127.0.0.1:{port}/callback", "--timeout", "60"],
        env=env, stdin=subprocess.PIPE, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
    )
    try:
        assert proc.stderr is not None
        url = ""
        for _ in range(20):
            line = proc.stderr.readline()
            if "/oauth/authorize?" in line:
                url = line.strip()
                break
        assert url, "login printed no authorize URL"
        # The "browser" on this machine: approve, follow osu!'s redirect to the callback server.
        page = httpx.get(url, follow_redirects=True, timeout=30)
        assert page.status_code == 200 and "Logged in" in page.text
        proc.wait(timeout=60)  # stdin stays open and empty: nobody pastes
        assert proc.stdout is not None
        out, err = proc.stdout.read(), proc.stderr.read()
    finally:
        proc.kill()
    assert proc.returncode == 0, err
    assert "Logged in" in out
    saved = json.loads(token_file.read_text())
    assert list(saved) == [f"osukit-cli:{emu.base_url}"]
    assert saved[f"osukit-cli:{emu.base_url}"]["user_id"] == emu.dataset["test_user_id"]
