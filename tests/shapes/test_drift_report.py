"""``scripts/osu_web_shapes.py diff`` lists every kind of drift against the committed table."""

from __future__ import annotations

import copy
import json
import subprocess
import sys
from pathlib import Path

from .model_map import REPO, TABLE_PATH, load_table

SCRIPT = REPO / "scripts" / "osu_web_shapes.py"


def _doctored() -> dict[str, object]:
    new = copy.deepcopy(load_table())
    routes = new["routes"]
    assert isinstance(routes, list)
    routes.append({"method": "GET", "uri": "api/v2/brand-new", "scopes": ["public"], "controller": "X@y",
                   "third_party": True, "responses": []})
    routes[:] = [r for r in routes if r["uri"] != "api/v2/tags"]
    for r in routes:
        if r["uri"] == "api/v2/friends" and r["method"] == "GET":
            r["scopes"] = ["friends.read", "identify"]
    transformers = new["transformers"]
    assert isinstance(transformers, dict)
    transformers["BeatmapCompact"]["attributes"]["shiny_new_field"] = {"line": 1, "conditional": False}
    del transformers["BeatmapCompact"]["attributes"]["lazer_only"]
    return new


def test_diff_reports_each_kind(tmp_path: Path) -> None:
    newer = tmp_path / "newer.json"
    newer.write_text(json.dumps(_doctored()))
    out = subprocess.run([sys.executable, str(SCRIPT), "diff", str(newer), "--table", str(TABLE_PATH)],
                         capture_output=True, text=True, cwd=REPO)
    assert out.returncode == 1, out.stderr
    text = out.stdout
    assert "new route: GET api/v2/brand-new scopes=public (third-party)" in text
    assert "removed route: GET api/v2/tags" in text
    assert "scope change: GET api/v2/friends: friends.read -> friends.read,identify" in text
    assert "new field: BeatmapCompact.shiny_new_field (attribute) (not in osukit's models)" in text
    assert "removed field: BeatmapCompact.lazer_only (osukit still models it)" in text
    assert ("osukit model gap: GET api/v2/rooms/{room}/events :: beatmaps[].shiny_new_field: "
            "BeatmapCompact has no field 'shiny_new_field' (BeatmapCompact attribute, line 1)") in text
    assert "osukit model gap: GET api/v2/beatmaps/{beatmap} ::" not in text  # BeatmapTransformer's own attributes


def test_no_drift_against_itself() -> None:
    out = subprocess.run([sys.executable, str(SCRIPT), "diff", str(TABLE_PATH), "--table", str(TABLE_PATH)],
                         capture_output=True, text=True, cwd=REPO)
    assert out.returncode == 0, out.stdout + out.stderr
    assert ": 0 changes" in out.stdout


def _run(*args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, str(SCRIPT), *args], capture_output=True, text=True, cwd=REPO)


def test_input_errors_exit_2_with_one_clear_line(tmp_path: Path) -> None:
    (tmp_path / "empty").mkdir()
    (tmp_path / "bad.json").write_text("{not json")
    cases = {
        ("diff", str(tmp_path / "nonexistent")): "does not exist",
        ("diff", str(tmp_path / "empty")): "is not an osu-web checkout",
        ("diff", "--git-dir", str(tmp_path / "nowhere")): "does not exist",
        ("diff", "--git-dir", str(tmp_path / "empty")): "is not a git directory",
        ("build", "--git-dir", str(tmp_path / "nowhere"), "--out", str(tmp_path / "t.json")): "does not exist",
        ("diff", str(tmp_path / "bad.json"), "--table", str(TABLE_PATH)): "is not JSON",
        ("diff", str(TABLE_PATH), "--table", str(tmp_path / "missing.json")): "cannot read --table",
    }
    for args, message in cases.items():
        out = _run(*args)
        assert out.returncode == 2, (args, out.stdout, out.stderr)
        assert "Traceback" not in out.stderr and out.stderr.startswith("error: ") and message in out.stderr, args
    assert _run("diff").returncode == 2  # no snapshot given: argparse's usage error


def test_help_documents_the_exit_codes() -> None:
    out = _run("--help")
    assert out.returncode == 0
    assert "1 drift found" in out.stdout and "2 usage or input error" in out.stdout
