"""The examples run against the bundled emulator, offline, within a time bound."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

EXAMPLES = Path(__file__).resolve().parents[2] / "examples"


@pytest.mark.parametrize("args", [["echo_bot.py"], ["echo_bot.py", "--delegate"], ["channel_logger.py"]])
def test_example_runs_offline(args: list[str]) -> None:
    result = subprocess.run([sys.executable, str(EXAMPLES / args[0]), *args[1:], "--emulator", "--seconds", "3"],
                            capture_output=True, text=True, timeout=90)
    assert result.returncode == 0, result.stdout[-2000:] + result.stderr[-2000:]
    assert result.stdout.strip()
