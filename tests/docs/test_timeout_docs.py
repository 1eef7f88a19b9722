"""Where `--timeout` is documented, the docs and the help say that the global `--timeout` (30 s per API
request) and `login --timeout` (300 s for the browser) are two different waits."""

from __future__ import annotations

import re
from pathlib import Path

from typer.testing import CliRunner

from osukit.cli._app import app

DOCS = Path(__file__).resolve().parents[2] / "docs"


def _flat(text: str) -> str:
    return re.sub(r"\s+", " ", text)


def test_cli_docs_say_the_two_timeouts_are_different_waits() -> None:
    text = _flat((DOCS / "cli.md").read_text(encoding="utf-8"))
    assert ("The global `osukit --timeout` (before the command) and `osukit login --timeout` (after it) are two "
            "different waits, so both defaults are right") in text
    assert "30 s without a byte" in text and "(300 s)" in text
    # the login section and the settings table point at the other wait too
    assert "not the 30 s each API request waits for with the global `osukit --timeout`" in text
    assert "(not `login --timeout`: the browser wait, 300 s)" in text


def test_both_helps_name_the_other_timeout() -> None:
    runner = CliRunner()
    top = _flat(runner.invoke(app, ["--help"], env={"COLUMNS": "200"}).output)
    login = _flat(runner.invoke(app, ["login", "--help"], env={"COLUMNS": "200"}).output)
    assert "`login --timeout` is the browser wait" in top
    assert "the global --timeout is each API request's wait" in login
