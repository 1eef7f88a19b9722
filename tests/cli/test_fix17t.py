"""Newcomer fixes: ``osukit --version``, a short line when ``login --no-browser`` cannot listen."""

from __future__ import annotations

import socket
from typing import Any

import pytest

from osukit._version import __version__

from .conftest import Cli, emu_env

pytestmark = pytest.mark.timeout(180)


def test_version(cli: Cli) -> None:
    result = cli("--version")
    assert result.code == 0
    assert result.out.strip() == f"osukit {__version__}"


def test_login_no_browser_with_a_busy_port_says_one_short_line(cli: Cli, emu: Any) -> None:
    with socket.socket() as busy:
        busy.bind(("127.0.0.1", 0))
        busy.listen(1)
        port = busy.getsockname()[1]
        result = cli("login", "--no-browser", "--redirect-uri", f"http://127.0.0.1:{port}/callback",
                     env=emu_env(emu), input="")
    assert result.code != 0  # nothing was pasted
    lines = [line for line in result.err.splitlines() if "listen" in line]
    assert len(lines) == 1, result.err
    assert "paste the redirect URL" in lines[0] and len(lines[0]) < 120
    assert "Close what holds it" not in result.err
