"""The query commands render real osu! responses (the shared corpus) as tables and JSON.

In-process: the command runs through ``run_app`` with its client talking to an
``httpx.MockTransport`` that answers from ``../shared/corpus``.
"""

from __future__ import annotations

import json
import re
from typing import Any

import httpx
import pytest

import osukit
from osukit.cli import _state
from osukit.cli._app import run_app

from .._helpers import CORPUS

pytestmark = pytest.mark.skipif(not CORPUS.is_dir(), reason="the shared corpus is not available")


def _load(name: str) -> Any:
    return json.loads((CORPUS / "v2" / name).read_text(encoding="utf-8"))


def _handler(request: httpx.Request) -> httpx.Response:
    path = request.url.path
    if path == "/oauth/token":
        return httpx.Response(200, json={"access_token": "t", "expires_in": 86400, "token_type": "Bearer"})
    routes: list[tuple[str, Any]] = [
        (r"/api/v2/users/404404(/\w+)?", (404, _load("get_user_404.json"))),
        (r"/api/v2/users/[^/]+/scores/best", _load("get_user_bests_200.json")),
        (r"/api/v2/users/[^/]+/scores/recent", _load("get_user_recents_200.json")),
        (r"/api/v2/users/[^/]+(/\w+)?", _load("get_user_200.json")),
        (r"/api/v2/beatmaps/\d+/scores", _load("get_beatmap_scores_200.json")),
        (r"/api/v2/beatmaps/\d+", _load("get_beatmap_200.json")),
        (r"/api/v2/beatmapsets/search", None),
        (r"/api/v2/beatmapsets/\d+", _load("search_beatmapsets_200.json")["beatmapsets"][0]),
        (r"/api/v2/rankings/\w+/\w+", _load("get_rankings_200.json")),
        (r"/api/v2/rooms/\d+", _load("get_multiplayer_room_200.json")),
    ]
    for pattern, body in routes:
        if re.fullmatch(pattern, path):
            if body is None:  # search: two pages
                page = _load("search_beatmapsets_200.json")
                if "cursor_string" in request.url.params:
                    page = {**page, "cursor_string": None, "cursor": None}
                return httpx.Response(200, json=page)
            if isinstance(body, tuple):
                return httpx.Response(body[0], json=body[1])
            return httpx.Response(200, json=body)
    return httpx.Response(404, json={"error": f"no corpus file for {path}"})


@pytest.fixture
def run(monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]) -> Any:
    def client(self: Any, **_: Any) -> osukit.Client:
        return osukit.Client(client_id=1, client_secret="s", base_url="https://osu.test", rate_limit=0,
                             retry=False, transport=httpx.MockTransport(_handler))

    monkeypatch.setattr(_state.State, "client", client)
    monkeypatch.setenv("COLUMNS", "200")

    def invoke(*args: str) -> tuple[int, str, str]:
        code = run_app(list(args))
        captured = capsys.readouterr()
        return code, captured.out, captured.err

    return invoke


def test_user_table_and_json(run: Any) -> None:
    user = _load("get_user_200.json")
    code, out, err = run("user", "2")
    assert code == 0, err
    assert user["username"] in out and "global rank" in out and "accuracy" in out
    code, out, _ = run("user", "2", "--json")
    assert json.loads(out) == osukit.dump(osukit.Client.__module__ and _decode_user(user))


def _decode_user(data: Any) -> Any:
    from osukit._models import decode
    from osukit.models.users import User

    return decode(json.dumps(data).encode(), User)


def test_scores_table(run: Any) -> None:
    code, out, err = run("scores", "2", "best", "--limit", "3")
    assert code == 0, err
    assert "best scores of" in out and "%" in out
    code, out, _ = run("scores", "2", "recent", "--limit", "2", "--jsonl")
    assert code == 0 and all(json.loads(line)["id"] for line in out.splitlines())


def test_beatmap_beatmapset_leaderboard_tables(run: Any) -> None:
    beatmap = _load("get_beatmap_200.json")
    code, out, err = run("beatmap", str(beatmap["id"]))
    assert code == 0, err
    assert beatmap["version"] in out and "CS / AR / OD / HP" in out
    code, out, err = run("beatmapset", "1")
    assert code == 0, err
    assert "difficulties" in out
    code, out, err = run("leaderboard", str(beatmap["id"]), "--limit", "5")
    assert code == 0, err
    assert "leaderboard of beatmap" in out


def test_search_pages_and_cursor_hint(run: Any) -> None:
    code, out, err = run("search", "--limit", "60", "--jsonl")
    assert code == 0, err
    assert len(out.splitlines()) == 60
    code, out, err = run("search", "--limit", "5")
    assert code == 0 and "more results: --cursor" in err


def test_rankings_and_room(run: Any) -> None:
    code, out, err = run("rankings", "osu", "--limit", "5")
    assert code == 0, err
    assert "performance ranking" in out
    code, out, err = run("room", "1")
    assert code == 0, err
    assert "host" in out


def test_not_found_is_one_line(run: Any) -> None:
    code, _, err = run("user", "404404")
    assert code == 5
    lines = err.strip().splitlines()
    assert len(lines) == 2 and lines[0].startswith("osukit: error: ") and "not found (404)" in lines[0]
