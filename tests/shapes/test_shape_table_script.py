"""``scripts/osu_web_shapes.py build`` on a small made-up osu-web snapshot: a plain directory and a git directory."""

from __future__ import annotations

import json
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from .model_map import REPO

SCRIPT = REPO / "scripts" / "osu_web_shapes.py"

FILES = {
    "tests/api_routes.json": json.dumps([
        {"uri": "api/v2/widgets/{widget}", "methods": ["GET", "HEAD"], "controller": "App\\Http\\Controllers\\WidgetsController@show",
         "middlewares": [], "scopes": ["public"]},
        {"uri": "api/v2/widgets", "methods": ["GET", "HEAD"], "controller": "App\\Http\\Controllers\\WidgetsController@index",
         "middlewares": [], "scopes": ["public"]},
    ]),
    "app/Http/Controllers/WidgetsController.php": """<?php
namespace App\\Http\\Controllers;

use App\\Transformers\\WidgetTransformer;

class WidgetsController extends Controller
{
    const SHOW_INCLUDES = ['owner', 'parts.colour'];

    public function index()
    {
        if (api_version() >= 20300101) {
            return ['widgets' => json_collection($this->widgets(), new WidgetTransformer(), ['owner'])];
        }

        return json_collection($this->widgets(), new WidgetTransformer());
    }

    public function show($id)
    {
        return json_item(Widget::findOrFail($id), new WidgetTransformer(), static::SHOW_INCLUDES);
    }
}
""",
    "app/Transformers/WidgetTransformer.php": """<?php
namespace App\\Transformers;

class WidgetTransformer extends TransformerAbstract
{
    protected array $availableIncludes = ['owner', 'parts', 'secret'];
    protected array $defaultIncludes = ['parts'];
    protected $permissions = ['secret' => 'IsNotOAuth'];

    public function transform(Widget $widget)
    {
        $ret = [
            'id' => $widget->getKey(),
            'name' => $widget->name, // a comment, with a comma
            'size' => $widget->size,
        ];
        if ($widget->shiny) {
            $ret['shine'] = $widget->shine;
        }

        return $ret;
    }

    public function includeOwner(Widget $widget)
    {
        return $widget->owner === null
            ? $this->primitive(null)
            : $this->item($widget->owner, new UserCompactTransformer());
    }

    public function includeParts(Widget $widget)
    {
        return $this->collection($widget->parts, new Widget\\PartTransformer());
    }

    public function includeSecret(Widget $widget)
    {
        return $this->primitive($widget->secret);
    }
}
""",
    "app/Transformers/Widget/PartTransformer.php": """<?php
namespace App\\Transformers\\Widget;

use App\\Transformers\\TransformerAbstract;

class PartTransformer extends TransformerAbstract
{
    protected array $availableIncludes = ['colour'];

    public function transform(Part $part)
    {
        return ['part_id' => $part->id];
    }

    public function includeColour(Part $part)
    {
        if ($part->colour !== null) {
            return $this->primitive($part->colour);
        }
    }
}
""",
    "app/Transformers/UserCompactTransformer.php": """<?php
namespace App\\Transformers;

class UserCompactTransformer extends TransformerAbstract
{
    public function transform(User $user)
    {
        return ['id' => $user->user_id, 'username' => $user->username];
    }
}
""",
    "resources/js/interfaces/widget-json.ts": """
interface WidgetJsonAvailableIncludes {
  owner: UserJson | null;
  parts: PartJson[];
}

interface WidgetJsonDefaultAttributes {
  id: number;
  name: string | null;
  size: number;
}

type WidgetJson = WidgetJsonDefaultAttributes & Partial<WidgetJsonAvailableIncludes>;
export default WidgetJson;
""",
}


def _write(root: Path) -> None:
    for name, text in FILES.items():
        path = root / name
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text)


def _build(args: list[str], out: Path) -> dict[str, object]:
    run = subprocess.run([sys.executable, str(SCRIPT), "build", *args, "--out", str(out), "--third-party", "none"],
                         capture_output=True, text=True, cwd=REPO)
    assert run.returncode == 0, run.stderr
    result: dict[str, object] = json.loads(out.read_text())
    return result


def _check(table: dict[str, object]) -> None:
    transformers = table["transformers"]
    assert isinstance(transformers, dict)
    widget = transformers["Widget"]
    assert list(widget["attributes"]) == ["id", "name", "size", "shine"]
    assert widget["attributes"]["shine"]["conditional"] is True and widget["attributes"]["id"]["conditional"] is False
    assert widget["default_includes"] == ["parts"]
    assert widget["permissions"] == {"secret": "IsNotOAuth"}
    assert widget["includes"]["owner"] == {**widget["includes"]["owner"], "kind": "item", "transformer": "UserCompact",
                                           "nullable": True}
    assert widget["includes"]["parts"]["transformer"] == "Widget/Part"
    assert transformers["Widget/Part"]["includes"]["colour"]["may_be_absent"] is True
    assert widget["ts"]["fields"]["name"] == {"optional": False, "nullable": True}
    assert widget["ts"]["fields"]["owner"] == {"optional": True, "nullable": True}
    assert widget["ts"]["not_in_ts"] == ["shine"]
    routes = {r["uri"]: r for r in table["routes"]}  # type: ignore[union-attr]
    show = routes["api/v2/widgets/{widget}"]
    assert show["method"] == "GET" and show["scopes"] == ["public"] and show["third_party"] is True
    assert [(e["key"], e["transformer"], e["includes"]) for e in show["responses"]] == [
        (None, "Widget", ["owner", "parts.colour"])]
    index = routes["api/v2/widgets"]["responses"]
    assert [(e["key"], e.get("api_version")) for e in index] == [("widgets", ">= 20300101"), (None, "< 20300101")]
    assert table["api_versions"] == [{"file": "app/Http/Controllers/WidgetsController.php", "line": 12, "op": ">=",
                                      "version": 20300101, "code": "if (api_version() >= 20300101) {"}]


def test_build_from_a_plain_directory(tmp_path: Path) -> None:
    _write(tmp_path / "osu-web")
    table = _build([str(tmp_path / "osu-web")], tmp_path / "table.json")
    _check(table)


@pytest.mark.skipif(shutil.which("git") is None, reason="git is not installed")
def test_build_from_a_git_directory(tmp_path: Path) -> None:
    work = tmp_path / "osu-web"
    _write(work)
    git = ["git", "-C", str(work), "-c", "user.name=t", "-c", "user.email=t@example.invalid"]
    subprocess.run([*git, "init", "-q"], check=True)
    subprocess.run([*git, "add", "-A"], check=True)
    subprocess.run([*git, "commit", "-qm", "snapshot"], check=True)
    table = _build(["--git-dir", str(work / ".git")], tmp_path / "table.json")
    _check(table)
    assert isinstance(table["osu_web_commit"], str) and len(table["osu_web_commit"]) == 40
