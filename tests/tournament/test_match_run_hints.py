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


def test_the_runners_warnings_go_to_stderr_with_the_osukit_prefix(capsys: pytest.CaptureFixture[str]) -> None:
    """Every osukit warning on the command line reads ``osukit: warning: …`` on stderr; the
    runner's (a player id that does not exist) came out bare on stdout among the progress lines."""
    from osukit.cli._tournament import _Progress

    progress = _Progress("http://127.0.0.1:9/")
    progress("warning: no such user on http://127.0.0.1:9: Whales player 4; …")
    progress("» waiting for players")
    captured = capsys.readouterr()
    assert captured.err == "osukit: warning: no such user on http://127.0.0.1:9: Whales player 4; …\n"
    assert captured.out == "» waiting for players\n"


@pytest.mark.parametrize(("given", "meant"), [(4, "--best-of 5 (first to 3)"), (2, "--best-of 3 (first to 2)"),
                                              (10, "--best-of 11 (first to 6)")])
def test_an_even_best_of_is_a_usage_error_that_names_the_odd_one(
        given: int, meant: str, capsys: pytest.CaptureFixture[str]) -> None:
    """A best-of is odd, as a pool's ``[format] best_of``; ``--best-of 4`` was accepted and then
    named a winner at 3 of 4 maps. It fails before any request (the base URL is a closed port)."""
    from osukit.cli._app import run_app

    code = run_app(["--base-url", "http://127.0.0.1:9", "--access-token", "t" * 20,
                    "match", "results", "room:1", "--best-of", str(given)])
    err = capsys.readouterr().err
    assert code == 2, err
    assert f"osukit: error: --best-of {given}: a best-of is an odd number of maps" in err
    assert f"did you mean {meant}?" in err
    assert "connect" not in err  # no request was made


def test_pool_file_errors_point_at_a_format_reference_a_pip_user_has(tmp_path: Path,
                                                                    capsys: pytest.CaptureFixture[str]) -> None:
    """A pip install has no docs/ folder: the hint names the module whose help holds the format and
    an example, and that help really does hold them."""
    import pydoc

    from osukit.cli._app import run_app

    pool = tmp_path / "pool.toml"
    pool.write_text('name = "x"\n[format]\nbest_of = 4\n[slots]\nNM1 = 1\n')
    code = run_app(["--base-url", "http://127.0.0.1:9", "pool", "check", str(pool)])
    err = capsys.readouterr().err
    assert code == 2, err
    assert "best_of must be odd" in err
    assert "`python -m pydoc osukit.tournament.pool`" in err and "docs/" not in err
    import osukit.tournament.pool as module

    text = pydoc.render_doc(module, renderer=pydoc.plaintext)
    assert "[format]" in text and "best_of = 5" in text and "[slots]" in text
