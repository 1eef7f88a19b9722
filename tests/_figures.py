"""Figures the reliability suites report: counted while the tests run, printed at the end of the run
(and written as JSON to ``$OSUKIT_FIGURES`` when set). ``bench/figures.py`` turns them into the table
in ``docs/reliability.md``."""

from __future__ import annotations

from collections import defaultdict
from typing import Any

FIGURES: defaultdict[str, dict[str, Any]] = defaultdict(dict)


def count(section: str, key: str, n: int = 1) -> None:
    """Add ``n`` to a counter."""
    FIGURES[section][key] = FIGURES[section].get(key, 0) + n


def put(section: str, key: str, value: Any) -> None:
    """Record a value (the last one wins)."""
    FIGURES[section][key] = value
