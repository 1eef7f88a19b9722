"""The public surface: ``__all__`` sorted, complete and importable."""

from __future__ import annotations

import osukit


def test_all_is_sorted_and_importable() -> None:
    names = list(osukit.__all__)
    assert names == sorted(names, key=lambda n: (not n.isupper(), n)) or names == sorted(names)
    for name in names:
        assert getattr(osukit, name) is not None


def test_import_is_light() -> None:
    # (httpx itself imports rich and click for its own CLI when they are installed)
    import subprocess
    import sys

    out = subprocess.run([sys.executable, "-c", "import sys, osukit; print(','.join(m for m in ('rosu_pp_py','aiohttp','starlette','redis','matplotlib','typer','websockets','uvicorn') if m in sys.modules))"],
                         capture_output=True, text=True, check=True).stdout.strip()
    assert out == ""
