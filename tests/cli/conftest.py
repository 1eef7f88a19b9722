"""Helpers for the CLI tests: run the real ``osukit`` command in a clean environment."""

from __future__ import annotations

import os
import socket
import subprocess
import sys
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import IO, Any

import pytest

from tests._helpers import osukit_process

REPO = Path(__file__).resolve().parents[2]
OSU_STD = REPO / "tests" / "game" / "data" / "osu_std.osu"


@dataclass
class Result:
    code: int
    out: str
    err: str

    @property
    def err_lines(self) -> list[str]:
        return [line for line in self.err.splitlines() if line.strip()]


def _clean_env(home: Path) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith(("OSU_", "OSUKIT_"))}
    env.update({
        "HOME": str(home),
        "XDG_CONFIG_HOME": str(home / "config"),
        "XDG_DATA_HOME": str(home / "data"),
        "XDG_CACHE_HOME": str(home / "cache"),
        "COLUMNS": "200",
        "NO_COLOR": "1",
        "PYTHONIOENCODING": "utf-8",
        "MPLBACKEND": "Agg",
    })
    return env


class Cli:
    """Runs ``python -m osukit.cli`` (the same entry point as the ``osukit`` script) in a subprocess."""

    def __init__(self, home: Path) -> None:
        self.home = home
        self.env = _clean_env(home)

    def __call__(self, *args: str, env: dict[str, str] | None = None, input: str | None = None,
                 timeout: float = 120, cwd: Path | None = None) -> Result:
        proc = subprocess.run(
            [sys.executable, "-m", "osukit.cli", *args],
            env={**self.env, **(env or {})},
            input=input,
            capture_output=True,
            text=True,
            timeout=timeout,
            cwd=cwd or self.home,
        )
        return Result(proc.returncode, proc.stdout, proc.stderr)


@pytest.fixture
def cli(tmp_path: Path) -> Cli:
    home = tmp_path / "home"
    home.mkdir()
    return Cli(home)


def _emulator_cls() -> Any:
    try:
        from osukit.emulator import Emulator
    except ImportError:
        return None
    return Emulator


@pytest.fixture
def emu(request: pytest.FixtureRequest) -> Iterator[Any]:
    """A running emulator: the plugin's ``osu_emulator`` fixture when it is registered, else our own."""
    try:
        yield request.getfixturevalue("osu_emulator")
        return
    except pytest.FixtureLookupError:
        pass
    cls = _emulator_cls()
    if cls is None:
        pytest.skip("osukit.emulator is not available in this build")
    with cls(seed=0) as emulator:
        yield emulator


def emu_env(emulator: Any) -> dict[str, str]:
    """Environment variables pointing the command at an emulator."""
    return {
        "OSU_BASE_URL": str(emulator.base_url),
        "OSU_CLIENT_ID": str(emulator.client_id),
        "OSU_CLIENT_SECRET": str(emulator.client_secret),
        "OSU_API_KEY": str(emulator.api_key),
        "OSU_NOTIFY_URL": str(emulator.notify_url),
    }


def token_text(token: Any) -> str:
    if isinstance(token, dict):
        return str(token["access_token"])
    return str(getattr(token, "access_token", token))


def free_port() -> int:
    """A loopback port free right now (for a login's ``--redirect-uri`` callback server)."""
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def login_process(env: dict[str, str], *args: str, merge_stderr: bool = False) -> Any:
    """``osukit login --no-browser *args`` with text pipes (stderr into stdout with ``merge_stderr``, as on
    a terminal); a context manager giving the `subprocess.Popen`, killed when the block ends."""
    return osukit_process(["login", "--no-browser", *args], env=env, stdin=subprocess.PIPE,
                          stdout=subprocess.PIPE, stderr=subprocess.STDOUT if merge_stderr else subprocess.PIPE,
                          text=True)


def authorize_url(pipe: IO[str] | None, *, lines: int = 10) -> tuple[str, list[str]]:
    """Read the login's output until its ``/oauth/authorize?`` URL (at most ``lines`` lines): the URL and
    the lines read. Fails the test when none came."""
    assert pipe is not None
    seen: list[str] = []
    for _ in range(lines):
        line = pipe.readline()
        seen.append(line)
        if "/oauth/authorize?" in line:
            return line.strip(), seen
    raise AssertionError("login printed no authorize URL")
