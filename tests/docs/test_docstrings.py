"""Docstrings are Google style with Markdown, which mkdocstrings renders: no reStructuredText roles
(``:class:`X```), no ``Usage::`` literal-block markers (they show up raw in the API reference)."""

from __future__ import annotations

import ast
import re
from pathlib import Path

SRC = Path(__file__).resolve().parents[2] / "src" / "osukit"
ROLE = re.compile(r":(?:py:)?(?:class|meth|func|attr|mod|data|exc|obj|ref):`")
LITERAL = re.compile(r"::\s*$")


def _docstrings(path: Path) -> list[tuple[int, str]]:
    tree = ast.parse(path.read_text(encoding="utf-8"))
    out = []
    for node in ast.walk(tree):
        body = getattr(node, "body", None)
        if not isinstance(body, list):
            continue
        for stmt in body:
            if isinstance(stmt, ast.Expr) and isinstance(stmt.value, ast.Constant) and isinstance(stmt.value.value, str):
                out.append((stmt.lineno, stmt.value.value))
    return out


def test_no_rst_roles_or_literal_markers_in_docstrings() -> None:
    problems = []
    files = sorted(SRC.rglob("*.py"))
    assert len(files) > 50
    for path in files:
        for line, doc in _docstrings(path):
            for n, text in enumerate(doc.splitlines()):
                where = f"{path.relative_to(SRC.parent)}:{line + n}"
                if ROLE.search(text):
                    problems.append(f"{where}: role {text.strip()[:80]}")
                if "Usage::" in text or LITERAL.search(text):
                    problems.append(f"{where}: rst literal block {text.strip()[:80]}")
    assert not problems, "\n".join(problems[:50])


def test_the_checker_catches_what_it_should(tmp_path: Path) -> None:
    bad = tmp_path / "bad.py"
    bad.write_text('"""See :class:`Foo`.\n\nUsage::\n\n    foo()\n"""\n', encoding="utf-8")
    (doc,) = [d for _, d in _docstrings(bad)]
    assert ROLE.search(doc) and "Usage::" in doc
