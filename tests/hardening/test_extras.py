"""Each extra holds what its code imports, and no more (issue 16, Transport and packaging)."""

from __future__ import annotations

import asyncio
import re
import sys
from pathlib import Path

import pytest

import osukit

ROOT = Path(__file__).resolve().parents[2]
# distribution name -> the module osukit's code imports from it
IMPORT_NAME = {"rosu-pp-py": "rosu_pp_py", "mkdocs-material": "material", "pymdown-extensions": "pymdownx",
               "pyyaml": "yaml"}
NOT_CODE = {"docs", "dev", "all", "quickstart"}  # tooling and aggregate extras: nothing under src imports them


def extras() -> dict[str, list[str]]:
    try:
        import tomllib
    except ImportError:  # pragma: no cover - Python 3.10
        tomllib = pytest.importorskip("tomli")
    data = tomllib.loads((ROOT / "pyproject.toml").read_text())
    out: dict[str, list[str]] = {}
    for extra, reqs in data["project"]["optional-dependencies"].items():
        out[extra] = [re.split(r"[<>=!~;\[ ]", r, maxsplit=1)[0].strip().lower() for r in reqs]
    return out


def source_text() -> str:
    return "\n".join(p.read_text() for p in (ROOT / "src/osukit").rglob("*.py"))


def test_every_package_of_a_code_extra_is_imported_by_osukit() -> None:
    text = source_text()
    for extra, names in extras().items():
        if extra in NOT_CODE:
            continue
        for name in names:
            module = IMPORT_NAME.get(name, name.replace("-", "_"))
            pattern = rf"^\s*(import {module}\b|from {module}\b)"
            assert re.search(pattern, text, re.MULTILINE), f"[{extra}] installs {name}, which nothing imports"


def test_speed_is_exactly_aiohttp() -> None:
    assert extras()["speed"] == ["aiohttp"]
    assert "httpx_aiohttp" not in source_text()


def test_aiohttp_backend_without_aiohttp_is_a_missing_extra(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setitem(sys.modules, "aiohttp", None)  # import aiohttp -> ImportError
    with pytest.raises(osukit.MissingExtraError, match=r"osukit\[speed\]"):
        osukit.AsyncClient(access_token="t" * 20, http_backend="aiohttp")
    client = osukit.AsyncClient(access_token="t" * 20)  # "auto": httpx instead
    assert client._fast is None
    asyncio.run(client.aclose())


def test_import_osukit_loads_no_extra() -> None:
    import subprocess

    probe = ("import sys, osukit; print(','.join(m for m in ('aiohttp','typer','rich','click','websockets',"
             "'uvicorn','starlette','redis','rosu_pp_py','matplotlib') if m in sys.modules))")
    out = subprocess.run([sys.executable, "-c", probe], capture_output=True, text=True, check=True).stdout.strip()
    # httpx itself imports click and rich for its own CLI when they are installed (httpx._main)
    assert set(filter(None, out.split(","))) <= {"click", "rich"}, out
