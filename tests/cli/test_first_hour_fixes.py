"""A new user's first hour, second pass (issue 21 follow-up): each fix with a test that fails without it."""

from __future__ import annotations

import subprocess
import sys
from typing import Any

import pytest

import osukit
from osukit import _exceptions as E
from osukit.cli._errors import explain

from .conftest import Cli, emu_env, token_text

pytestmark = pytest.mark.timeout(600)

_NO_WEBSOCKETS = ("import sys\n"
                  "for name in [m for m in sys.modules if m.split('.')[0] == 'websockets'] + ['websockets']:\n"
                  "    sys.modules[name] = None\n")


@pytest.fixture
def ecli(cli: Cli, emu: Any) -> Cli:
    cli.env.update(emu_env(emu))
    cli.env["OSUKIT_RATE_LIMIT"] = "0"
    return cli


# --- 1. emulator --rate-limit 0 / negative ------------------------------------------------------------


def test_emulator_serve_refuses_a_negative_rate_limit(cli: Cli) -> None:
    r = cli("emulator", "serve", "--port", "0", "--rate-limit", "-1", timeout=60)
    assert r.code == 2, (r.out, r.err)
    assert "--rate-limit" in r.err and "Traceback" not in r.err


# --- 2. a missing extra: one line, no traceback -------------------------------------------------------


def test_chat_tail_without_the_realtime_extra_prints_one_line(cli: Cli, emu: Any) -> None:
    env = {**cli.env, **emu_env(emu)}
    env["OSU_ACCESS_TOKEN"] = token_text(emu.mint_token(user_id=emu.dataset["test_user_id"],
                                                        scopes=["identify", "public", "chat.read"]))
    code = _NO_WEBSOCKETS + "from osukit.cli import main\nmain(['chat', 'tail', '5', '--count', '1', '--timeout', '5'])\n"
    r = subprocess.run([sys.executable, "-c", code], env=env, capture_output=True, text=True, timeout=120)
    assert r.returncode == 9, r.stderr
    assert "Traceback" not in r.stderr and "crashed" not in r.stderr, r.stderr
    assert "osukit[realtime]" in r.stderr
    lines = [line for line in r.stderr.splitlines() if line.strip() and not line.startswith("connecting")]
    assert len(lines) <= 2, r.stderr


def test_chat_stream_without_the_extra_raises_at_once(emu: Any) -> None:
    code = _NO_WEBSOCKETS + (
        "import osukit\n"
        f"osu = osukit.Client(access_token='x', base_url={str(emu.base_url)!r}, rate_limit=0)\n"
        "try:\n"
        "    osu.chat_stream()\n"
        "except osukit.MissingExtraError as exc:\n"
        "    print('MissingExtraError', exc.extra)\n"
        "async def main():\n"
        f"    async with osukit.AsyncClient(access_token='x', base_url={str(emu.base_url)!r}, rate_limit=0) as a:\n"
        "        try:\n"
        "            a.chat_stream()\n"
        "        except osukit.MissingExtraError as exc:\n"
        "            print('MissingExtraError', exc.extra)\n"
        "import asyncio; asyncio.run(main())\n")
    r = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=120)
    assert r.stdout.split("\n")[:2] == ["MissingExtraError realtime", "MissingExtraError realtime"], (r.stdout, r.stderr)
    assert "Traceback" not in r.stderr and "crashed" not in r.stderr


# --- 3. the demo names the missing package and hints the lighter extra ---------------------------------


def test_demo_without_the_emulator_extra_names_the_package(cli: Cli) -> None:
    code = ("import sys\nsys.modules['starlette'] = None\n"
            "from osukit.cli import main\nmain(['demo', '--out', 'd'])\n")
    r = subprocess.run([sys.executable, "-c", code], env=cli.env, capture_output=True, text=True, timeout=120,
                       cwd=cli.home)
    assert r.returncode == 9, r.stderr
    assert "missing: starlette" in r.stderr and "None" not in r.stderr, r.stderr
    assert "osukit[quickstart]" in r.stderr and "osukit[all]" not in r.stderr


def test_emulator_missing_extra_error_names_the_package() -> None:
    code = ("import sys\nsys.modules['starlette'] = None\nimport osukit\n"
            "try:\n    from osukit.emulator import Emulator\n"
            "except osukit.MissingExtraError as exc:\n    print(exc.missing, '|', exc)\n")
    r = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=120)
    assert r.stdout.startswith("starlette |") and "missing: starlette" in r.stdout, (r.stdout, r.stderr)


# --- 4 / 17. referee error lines: each cause said once ----------------------------------------------


def test_referee_error_lines_say_their_cause_once() -> None:
    replaced = explain(E.ConnectionReplacedError(
        "referee hub: another referee hub connection of this account took over (the hub keeps one referee "
        "connection per account)", url="ws://x"))
    assert replaced.title.count("took over") == 1, replaced.title
    assert "second account" in (replaced.hint or "")
    bad_map = explain(E.REFEREE_HUB_ERRORS[6]("Beatmap not found", method="MakeRoom", code=6))
    assert bad_map.title.count("6") == 1 and "Error 6" not in bad_map.title, bad_map.title
    closed = explain(E.REFEREE_HUB_ERRORS[2]("You are not a referee", method="CloseRoom", code=2))
    assert "the room may already be closed" in closed.title


def test_missing_extra_error_keeps_its_message() -> None:
    exc = osukit.MissingExtraError("plotting", "plot")
    assert exc.missing is None and "osukit[plot]" in str(exc)
