"""docs/cli.md's referee, tournament and game-toolkit lines name real commands and run as written
against the emulator (the ids on the page are the emulator's)."""

from __future__ import annotations

import os
import re
import shlex
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest

from osukit.emulator import Emulator

pytest.importorskip("typer")
pytestmark = pytest.mark.timeout(600)

REPO = Path(__file__).resolve().parents[2]
PAGE = REPO / "docs" / "cli.md"
ROOM = "1234567"  # the page's stand-in for the room id `referee make` prints


def _lines() -> list[str]:
    out = []
    fenced = False
    for line in PAGE.read_text(encoding="utf-8").splitlines():
        if line.startswith("```"):
            fenced = not fenced
        elif fenced and line.startswith("osukit "):
            out.append(line.split(" #", 1)[0].strip())
    return out


@pytest.fixture(scope="module")
def emu() -> Iterator[Emulator]:
    with Emulator(seed=0) as e:
        yield e


def _cli(emu: Emulator, home: Path, args: list[str]) -> subprocess.CompletedProcess[str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith(("OSU_", "OSUKIT_"))}
    env.update({"HOME": str(home), "XDG_CONFIG_HOME": str(home / "config"), "XDG_DATA_HOME": str(home / "data"),
                "COLUMNS": "200", "NO_COLOR": "1", "OSU_BASE_URL": emu.base_url, "OSU_NOTIFY_URL": emu.notify_url,
                "OSU_CLIENT_ID": str(emu.client_id), "OSU_CLIENT_SECRET": emu.client_secret,
                "OSU_API_KEY": emu.api_key})
    return subprocess.run([sys.executable, "-m", "osukit.cli", *args], env=env, capture_output=True, text=True,
                          timeout=300, cwd=home)


def test_every_referee_command_on_the_page_exists() -> None:
    from osukit.cli._referee import referee_app

    known = {c.name for c in referee_app.registered_commands}
    text = PAGE.read_text(encoding="utf-8")
    named = set(re.findall(r"osukit referee ([a-z-]+)", text))
    for tail in re.findall(r"# !mp aborttimer; also ([a-z, -]+)$", text, re.M):  # "also kick, ban, lock, …"
        named |= {w.strip() for w in tail.split(",")}
    assert named and named <= known, sorted(named - known)
    assert "rooms" not in named


def test_the_room_and_toolkit_lines_run_against_the_emulator(emu: Emulator, tmp_path: Path) -> None:
    lines = _lines()
    make = next(x for x in lines if x.startswith("osukit referee make "))
    made = _cli(emu, tmp_path, shlex.split(make)[1:])
    assert made.returncode == 0, made.stderr
    room = made.stdout.split()[1]
    assert room.isdigit(), made.stdout
    httpx.post(f"{emu.base_url}/_emulator/referee/players/2/connect", json={}, timeout=30).raise_for_status()
    ran = 0
    for line in lines:
        words = shlex.split(line)[1:]
        if words[:1] == ["referee"] and words[1] in ("list", "invite", "roll"):
            result = _cli(emu, tmp_path, [room if w == ROOM else w for w in words])
        elif words[:2] == ["match", "results"]:
            result = _cli(emu, tmp_path, words)
        elif words[:2] == ["lobby", "autohost"]:
            result = _cli(emu, tmp_path, [*words, "--maps", "0"])
        elif words[:1] == ["pp"] and not words[1].endswith(".osu"):
            pytest.importorskip("rosu_pp_py")
            result = _cli(emu, tmp_path, words)
        else:
            continue
        assert result.returncode == 0, f"{line}: {result.stderr}"
        ran += 1
        if words[:2] == ["referee", "roll"]:
            assert re.search(rf"room {room}: rolled \d+ \(1-6\)", result.stdout), result.stdout
    assert ran >= 6
    assert _cli(emu, tmp_path, ["referee", "close", room]).returncode == 0
