"""Doc examples that run until Ctrl-C end quietly: ``asyncio.run`` re-raises the
``KeyboardInterrupt`` (a long traceback in any asyncio script), so they catch it.

An example runs until Ctrl-C when its comment says so, or when the page marks it
``<!-- runs-forever -->`` (a runner that waits for players: "until a team wins" is no
promise that it ends soon)."""

from __future__ import annotations

import re
from pathlib import Path

DOCS = Path(__file__).resolve().parents[2] / "docs"
BLOCK = re.compile(r"(<!-- runs-forever -->\s*\n)?```python\n(.*?)```", re.S)


def _until_ctrl_c() -> list[tuple[str, str]]:
    return [(page.name, code) for page in sorted(DOCS.glob("*.md"))
            for marker, code in BLOCK.findall(page.read_text(encoding="utf-8"))
            if (marker or "until Ctrl-C" in code) and "asyncio.run(" in code]


def test_examples_that_run_until_ctrl_c_catch_keyboard_interrupt() -> None:
    found = _until_ctrl_c()
    assert {name for name, _ in found} >= {"referee.md", "tournament.md"}, found
    assert any("MatchRunner(" in code for _, code in found), "the MatchRunner example runs until Ctrl-C too"
    for name, code in found:
        run = code.rindex("asyncio.run(")
        assert re.search(r"try:\n\s+asyncio\.run\(main\(\)\)\nexcept KeyboardInterrupt:", code[run - 10:run + 80]), \
            f"{name}: an example that runs until Ctrl-C ends with a bare asyncio.run:\n{code}"


def test_delegate_examples_that_read_chat_say_they_cannot() -> None:
    """Client credentials with ``delegate`` never carry ``chat.read`` (osu-web
    ``Token::SCOPES_REQUIRE_DELEGATION``): an example whose bot reads the players' commands on such a
    token says in its comment that it cannot see them."""
    checked = 0
    for page in sorted(DOCS.glob("*.md")):
        for _, code in BLOCK.findall(page.read_text(encoding="utf-8")):
            if '"delegate"' in code and ("MatchRunner(" in code or "AutoHost(" in code):
                checked += 1
                assert "chat.read" in code and "never sees" in code, f"{page.name}: {code}"
                assert "the players pick in the room's chat" not in code
    assert checked >= 2
