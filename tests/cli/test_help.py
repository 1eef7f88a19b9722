"""Every ``osukit`` command and subcommand answers ``--help`` (exit 0, its usage and its summary)."""

from __future__ import annotations

from typing import Any

import pytest

typer = pytest.importorskip("typer")

from typer.testing import CliRunner  # noqa: E402

from osukit.cli._app import app  # noqa: E402


def _commands(group: Any, path: tuple[str, ...] = ()) -> list[tuple[tuple[str, ...], Any]]:
    out = [(path, group)]
    for name, sub in sorted(getattr(group, "commands", {}).items()):
        out += _commands(sub, (*path, name))
    return out


COMMANDS = _commands(typer.main.get_command(app))


def test_every_command_is_listed() -> None:
    names = {" ".join(path) for path, _ in COMMANDS}
    for expected in ("login", "user", "scores", "crawl", "pp", "replay info", "emulator serve", "demo", "config show",
                     "chat tail", "rankings", "match", "room"):
        assert expected in names
    assert len(COMMANDS) >= 25


@pytest.mark.parametrize(("path", "command"), COMMANDS, ids=lambda v: " ".join(v) if isinstance(v, tuple) else "")
def test_help(path: tuple[str, ...], command: Any) -> None:
    result = CliRunner().invoke(app, [*path, "--help"], env={"COLUMNS": "200", "NO_COLOR": "1"})
    assert result.exit_code == 0, result.output
    text = " ".join(result.output.split())
    assert "Usage:" in text and ("osukit " + " ".join(path)).strip() in text.replace("root ", "osukit ")
    summary = (command.help or command.short_help or "").strip().splitlines()
    if path:
        assert summary and summary[0].strip(), f"osukit {' '.join(path)} has no help text"
        assert " ".join(summary[0].split())[:40] in text
