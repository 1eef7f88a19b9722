"""A guard for the deep-JSON kind: every JSON parse in the package is inside a ``try`` that handles
``RecursionError`` (or is listed below with the reason it cannot nest).

A nesting deep enough to exhaust the stack makes ``json.loads`` and ``msgspec`` raise a bare
``RecursionError``; ``tests/hardening/test_deep_json.py`` feeds such payloads to every parser known
today, and this test makes a new parser fail until it handles them too.
"""

from __future__ import annotations

import ast
from pathlib import Path

SRC = Path(__file__).resolve().parents[2] / "src" / "osukit"

# (file relative to src/osukit, enclosing function): why a RecursionError cannot escape there
ALLOWED = {
    ("_transport.py", "json"): "the ResponseLike.json() method itself; its callers handle RecursionError",
    ("realtime.py", "_builtins"): "only called through _safe_builtins, which handles RecursionError",
    ("game/replay.py", "parse_frames"): "the text holds only digits and separators: nesting depth is 2",
    ("tokens.py", "load_json"): "the helper that turns RecursionError into TokenStoreError",
    ("cli/_config.py", "_scalar"): "decodes one quoted JSON string literal: it cannot nest",
    ("cache.py", "json"): "the ResponseLike.json() of a cached answer; its callers handle RecursionError",
    **{("_models.py", name): "only reached through _Scoped.top, which turns RecursionError into DecodeError"
       for name in ("dec", "slow", "items", "struct", "split_unknown")},
}
PARSERS = {"loads", "decode", "json"}


def _is_json_call(node: ast.Call) -> bool:
    func = node.func
    if not isinstance(func, ast.Attribute) or func.attr not in PARSERS:
        return False
    target = ast.unparse(func.value)
    if func.attr == "loads":
        return target in ("json", "tomllib")
    if func.attr == "json":
        return not node.args and target.endswith(("response", "resp", "r"))
    return (target in ("msgspec.json", "json") or target.lower().endswith("decoder")
            or target.startswith("_decoders("))


def _handles_recursion(handler: ast.ExceptHandler) -> bool:
    if handler.type is None:
        return True
    names = {ast.unparse(t) for t in (handler.type.elts if isinstance(handler.type, ast.Tuple) else [handler.type])}
    return bool(names & {"RecursionError", "Exception", "BaseException"})


def _unguarded(path: Path, root: Path = SRC) -> list[str]:
    tree = ast.parse(path.read_text(encoding="utf-8"))
    rel = path.relative_to(root).as_posix()
    found: list[str] = []

    def visit(node: ast.AST, guarded: bool, function: str) -> None:
        if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef)):
            function, guarded = node.name, False
        if isinstance(node, ast.Try):
            inner = guarded or any(_handles_recursion(h) for h in node.handlers)
            for child in node.body:
                visit(child, inner, function)
            for part in (*node.handlers, *node.orelse, *node.finalbody):
                visit(part, guarded, function)
            return
        if isinstance(node, ast.Call) and _is_json_call(node) and not guarded and (rel, function) not in ALLOWED:
            found.append(f"{rel}:{node.lineno} in {function}(): {ast.unparse(node)[:80]}")
        for child in ast.iter_child_nodes(node):
            visit(child, guarded, function)

    visit(tree, False, "<module>")
    return found


def test_every_json_parse_handles_deep_nesting() -> None:
    files = [p for p in SRC.rglob("*.py") if "_sync" not in p.parts and "emulator" not in p.parts]
    problems = [hit for path in sorted(files) for hit in _unguarded(path)]
    assert problems == [], "JSON parsed without handling RecursionError:\n" + "\n".join(problems)


def test_the_guard_sees_an_unguarded_parse(tmp_path: Path) -> None:
    probe = tmp_path / "probe.py"
    probe.write_text("import json, msgspec\n\ndef f(raw, response):\n    try:\n        json.loads(raw)\n"
                     "        msgspec.json.decode(raw)\n        response.json()\n    except ValueError:\n"
                     "        pass\n    try:\n        json.loads(raw)\n    except (ValueError, RecursionError):\n"
                     "        pass\n")
    assert len(_unguarded(probe, tmp_path)) == 3
