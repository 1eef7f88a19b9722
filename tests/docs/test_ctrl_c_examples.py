"""Doc examples that run until Ctrl-C end quietly: ``asyncio.run`` re-raises the
``KeyboardInterrupt`` (a long traceback in any asyncio script), so they catch it."""

from __future__ import annotations

import re
from pathlib import Path

DOCS = Path(__file__).resolve().parents[2] / "docs"
BLOCK = re.compile(r"```python\n(.*?)```", re.S)


def _until_ctrl_c() -> list[tuple[str, str]]:
    return [(page.name, code) for page in sorted(DOCS.glob("*.md"))
            for code in BLOCK.findall(page.read_text(encoding="utf-8"))
            if "until Ctrl-C" in code and "asyncio.run(" in code]


def test_examples_that_run_until_ctrl_c_catch_keyboard_interrupt() -> None:
    found = _until_ctrl_c()
    assert {name for name, _ in found} >= {"referee.md", "tournament.md"}, found
    for name, code in found:
        run = code.rindex("asyncio.run(")
        assert re.search(r"try:\n\s+asyncio\.run\(main\(\)\)\nexcept KeyboardInterrupt:", code[run - 10:run + 80]), \
            f"{name}: an example that runs until Ctrl-C ends with a bare asyncio.run:\n{code}"
