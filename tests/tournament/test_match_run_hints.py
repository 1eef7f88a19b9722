"""What ``osukit match run`` prints for the people around the match: hints that work as printed."""

from __future__ import annotations

from pathlib import Path
from types import SimpleNamespace

import pytest

pytest.importorskip("typer")


def _printed(capsys: pytest.CaptureFixture[str], *, lobby: bool = False) -> str:
    from osukit.cli._tournament import _Progress, _resume_command

    progress = _Progress("http://127.0.0.1:9/", lobby=lobby,
                         resume=_resume_command(Path("cup.toml"), Path("qf.json")))
    progress.bot = SimpleNamespace(room_id=10000001)
    progress("room 10000001 made")
    return capsys.readouterr().out


def test_the_referee_watch_hint_is_for_another_referees_account(capsys: pytest.CaptureFixture[str]) -> None:
    """The hub keeps one referee connection per account: run with the runner's own credentials,
    ``osukit referee watch`` would take its connection over, so the line says whose account it is for."""
    out = _printed(capsys)
    line = next(x for x in out.splitlines() if "osukit referee watch 10000001" in x)
    assert line.strip().startswith("other referees (their own account, not this one"), line
    assert "one connection per account" in line


def test_the_invite_hint_gives_the_full_resume_command(capsys: pytest.CaptureFixture[str]) -> None:
    out = _printed(capsys)
    line = next(x for x in out.splitlines() if "osukit referee invite 10000001 USER_ID" in x)
    assert "then `osukit match run cup.toml --state qf.json --resume`" in line, line


def test_the_lobby_hint_is_unchanged(capsys: pytest.CaptureFixture[str]) -> None:
    out = _printed(capsys, lobby=True)
    assert "as the bot's account once the bot is stopped" in out and "--resume" not in out
