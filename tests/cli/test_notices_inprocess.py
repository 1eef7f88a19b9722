"""The retry notices of an in-process run leave the `osukit` logger as they found it."""

from __future__ import annotations

import logging

import pytest

from osukit.cli._app import run_app
from osukit.cli._notices import NoticeHandler


def test_run_app_restores_the_logger(capsys: pytest.CaptureFixture[str]) -> None:
    log = logging.getLogger("osukit")
    before = (log.level, list(log.handlers))
    assert run_app(["mods", "HD"]) == 0
    assert (log.level, list(log.handlers)) == before
    assert not any(isinstance(h, NoticeHandler) for h in log.handlers)


def test_warnings_still_show(capsys: pytest.CaptureFixture[str]) -> None:
    from osukit.cli._notices import install
    from osukit.retry import RetryNotice

    uninstall = install()
    try:
        logging.getLogger("osukit").warning("could not read the stored logins: %s", "damaged")
        logging.getLogger("osukit").info("x", extra={"osukit_retry": RetryNotice("osu.ppy.sh answered 503", 2, 3, 4.0)})
        logging.getLogger("osukit").info("an info line stays quiet")
    finally:
        uninstall()
    assert capsys.readouterr().err.splitlines() == [
        "could not read the stored logins: damaged", "osukit: osu.ppy.sh answered 503; retrying in 4 s (2/3)…"]
