"""`osukit login` always asks for `identify`, and a failed login keeps the stored token."""

from __future__ import annotations

import json
import subprocess
from typing import Any

import httpx
import pytest

from .conftest import Cli, authorize_url, emu_env, login_process

pytestmark = pytest.mark.timeout(180)


@pytest.fixture
def ecli(cli: Cli, emu: Any) -> Cli:
    cli.env.update(emu_env(emu))
    return cli


def _login(ecli: Cli, *scopes: str, answer: Any, extra: tuple[str, ...] = ()) -> subprocess.CompletedProcess[str]:
    args = list(extra)
    for scope in scopes:
        args += ["--scope", scope]
    with login_process(ecli.env, *args) as proc:
        url, _ = authorize_url(proc.stderr)
        text = answer(url)
        out, err = proc.communicate(text + "\n" if text else "", timeout=60)
    return subprocess.CompletedProcess(proc.args, proc.returncode, out, err)


def _approve(url: str) -> str:
    response = httpx.get(url, follow_redirects=False, timeout=10)
    location = response.headers.get("location", "")
    assert "code=" in location, response.status_code
    return str(location)


def test_login_without_identify_adds_it_and_a_failed_login_keeps_the_stored_token(ecli: Cli) -> None:
    first = _login(ecli, "public", "chat.read", answer=_approve)
    assert first.returncode == 0, first.stderr
    assert "identify" in first.stdout and "chat.read" in first.stdout
    me = ecli("whoami", "--json")
    assert me.code == 0, me.err
    user_id = json.loads(me.out)["id"]

    # a login that fails (nothing pasted back) must not replace the working token
    failed = _login(ecli, "public", answer=lambda url: "", extra=("--timeout", "5"))
    assert failed.returncode != 0
    again = ecli("whoami", "--json")
    assert again.code == 0, again.err
    assert json.loads(again.out)["id"] == user_id
