"""The documentation site builds strictly, the routes page is current, and the migration tables
name methods that exist."""

from __future__ import annotations

import re
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[2]


def test_mkdocs_build_strict(tmp_path: Path) -> None:
    pytest.importorskip("mkdocs")
    pytest.importorskip("mkdocstrings")
    exe = shutil.which("mkdocs", path=str(Path(sys.executable).parent)) or shutil.which("mkdocs")
    cmd = [exe] if exe else [sys.executable, "-m", "mkdocs"]
    proc = subprocess.run([*cmd, "build", "--strict", "--site-dir", str(tmp_path / "site")], cwd=REPO,
                          capture_output=True, text=True, timeout=600, env={"NO_MKDOCS_2_WARNING": "1",
                                                                            "PATH": str(Path(sys.executable).parent)})
    assert proc.returncode == 0, proc.stdout + proc.stderr
    assert (tmp_path / "site" / "index.html").exists()
    assert (tmp_path / "site" / "reference" / "routes" / "index.html").exists()


def test_routes_reference_is_current() -> None:
    proc = subprocess.run([sys.executable, str(REPO / "scripts" / "gen_api_reference.py"), "--check"],
                          capture_output=True, text=True, timeout=120)
    assert proc.returncode == 0, proc.stderr


def test_routes_reference_has_one_row_per_route() -> None:
    from osukit.routes import ROUTES

    text = (REPO / "docs" / "reference" / "routes.md").read_text(encoding="utf-8")
    for route in ROUTES:
        assert f"`{route.uri}` | [`client.{route.name}`][" in text, route.key  # linked to its reference


def test_migration_tables_name_real_methods() -> None:
    import osukit

    missing = []
    with osukit.Client(client_id=1, client_secret="not-used", base_url="http://127.0.0.1:9") as client:
        for page in sorted((REPO / "docs" / "migration").glob("*.md")):
            for line in page.read_text(encoding="utf-8").splitlines():
                cells = line.split("|")
                if not line.startswith("|") or len(cells) < 3:
                    continue
                for dotted in re.findall(r"client\.([a-z_]+(?:\.[a-z_]+)*)\(", cells[2]):
                    obj: object = client
                    for part in dotted.split("."):
                        obj = getattr(obj, part, None)
                        if obj is None:
                            missing.append(f"{page.name}: client.{dotted}")
                            break
    assert not missing, "migration tables name methods osukit lacks:\n" + "\n".join(sorted(set(missing)))


def test_readme_quickstart_is_unchanged() -> None:
    text = (REPO / "README.md").read_text(encoding="utf-8")
    quick = text.split("## Quickstart", 1)[1].split("\n## ", 1)[0]
    assert quick.strip() == (
        "```\npip install -e '.[all]' && osukit demo\n```\n\n```\npip install -e '.[dev]' && python -m pytest\n```"
    )
