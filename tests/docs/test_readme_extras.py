"""The README lists every extra pyproject.toml defines (but the test-only `dev`), and says what `all` holds."""

from __future__ import annotations

import re
import sys
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[2]

pytestmark = pytest.mark.skipif(sys.version_info < (3, 11), reason="tomllib")


def _extras() -> dict[str, list[str]]:
    import tomllib

    data = tomllib.loads((REPO / "pyproject.toml").read_text(encoding="utf-8"))
    extras: dict[str, list[str]] = data["project"]["optional-dependencies"]
    return extras


def test_readme_lists_every_extra() -> None:
    readme = (REPO / "README.md").read_text(encoding="utf-8")
    listed = set(re.findall(r"^\| `([a-z-]+)` \|", readme, flags=re.M))
    assert listed == set(_extras()) - {"dev"}


def test_readme_says_what_all_holds() -> None:
    (spec,) = _extras()["all"]
    inside = set(spec.split("[", 1)[1].rstrip("]").split(","))
    left_out = set(_extras()) - inside - {"all", "dev", "quickstart"}
    readme = (REPO / "README.md").read_text(encoding="utf-8")
    row = re.search(r"^\| `all` \| (.*) \|$", readme, flags=re.M)
    assert row is not None
    said = set(re.findall(r"`([a-z-]+)`", row.group(1)))
    assert said == left_out, f"the `all` row should name what it leaves out: {sorted(left_out)}"
