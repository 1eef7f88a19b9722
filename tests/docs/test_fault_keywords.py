"""docs/testing.md lists every fault keyword `set_faults` / `POST /_emulator/faults` accepts, with the
right defaults: the table is checked against the emulator, so it cannot go stale."""

from __future__ import annotations

from pathlib import Path

import pytest

from osukit._exceptions import InvalidParameterError
from osukit.emulator.app import Faults

DOCS = Path(__file__).resolve().parents[2] / "docs"


def _table() -> dict[str, str]:
    text = (DOCS / "testing.md").read_text(encoding="utf-8")
    block = text.split("<!-- fault-keywords", 1)[1].split("<!-- /fault-keywords -->", 1)[0]
    rows = [row.split("|") for row in block.splitlines() if row.startswith("| `")]
    return {cells[1].strip().strip("`"): cells[2] for cells in rows}


def _accepted() -> list[str]:
    """The names the emulator accepts, as its refusal of an unknown one lists them."""
    with pytest.raises(InvalidParameterError) as info:
        Faults.from_options({"no_such_fault": 1})
    return str(info.value).split("known: ", 1)[1].split(", ")


def test_the_table_lists_exactly_the_keywords_the_emulator_accepts() -> None:
    assert sorted(_table()) == sorted(_accepted())


def test_the_table_gives_each_keyword_its_default() -> None:
    defaults = Faults()
    for name, column in _table().items():
        default = getattr(defaults, name)
        if isinstance(default, str):
            shown = f'`"{default}"`'
        elif isinstance(default, tuple):
            shown = f"`{list(default)}`"
        else:
            shown = f"{default:g}"
        assert f"({shown})" in column or f"({shown}: all)" in column, (name, column)
