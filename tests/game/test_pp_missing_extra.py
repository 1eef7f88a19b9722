"""Without rosu-pp-py (the ``pp`` extra; always the case on Python 3.10) pp calls say what to install."""

from __future__ import annotations

import sys
from pathlib import Path

import pytest

import osukit
from osukit.game.pp import MissingExtraError, difficulty, performance

OSU = Path(__file__).resolve().parent / "data" / "osu_std.osu"


def test_missing_extra_error(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setitem(sys.modules, "rosu_pp_py", None)  # makes `import rosu_pp_py` fail
    with pytest.raises(MissingExtraError) as info:
        difficulty(OSU)
    assert isinstance(info.value, ImportError) and isinstance(info.value, osukit.OsukitError)
    assert str(info.value).startswith("for pp calculation, install the optional extra: pip install 'osukit[pp]'")
    assert ("Python 3.11" in str(info.value)) == (sys.version_info < (3, 11))
    with pytest.raises(MissingExtraError):
        performance(None, OSU)


def test_an_incompatible_rosu_version_is_named(monkeypatch: pytest.MonkeyPatch) -> None:
    from osukit.game import pp

    monkeypatch.setattr(pp, "_rosu_version", lambda: "3.1.0")
    monkeypatch.setitem(sys.modules, "rosu_pp_py", type(sys)("rosu_pp_py"))  # importable, whatever it is
    with pytest.raises(MissingExtraError, match=r"rosu-pp-py 3\.1\.0 is installed; osukit needs 4\.x"):
        difficulty(OSU)
