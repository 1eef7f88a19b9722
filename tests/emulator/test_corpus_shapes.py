"""The emulator answers every corpus route with at least every key path osu.ppy.sh sent."""

from __future__ import annotations

import json
import re
from typing import Any

import httpx
import pytest

from .._helpers import corpus_bytes, corpus_index

ROWS = [r for r in corpus_index() if r["route"] != "api/v2/artists"]
ALL_SCOPES = "public identify friends.read chat.read chat.write chat.write_manage forum.write forum.write_manage"


def key_paths(value: Any, prefix: str = "$") -> set[str]:
    out = {prefix}
    if isinstance(value, dict):
        for k, v in value.items():
            out |= key_paths(v, f"{prefix}.{k}")
    elif isinstance(value, list):
        for item in value:
            out |= key_paths(item, f"{prefix}[]")
    return out


def nonnull_paths(value: Any, prefix: str = "$") -> set[str]:
    """Paths whose subtree the real response actually filled (null values need only their key)."""
    if value is None:
        return {prefix}
    return key_paths(value, prefix)


def _request(row: dict[str, str], params: dict[str, Any], emu: Any, status: str) -> tuple[str, str, dict[str, Any], Any]:
    uri = row["route"]
    values = dict(params)
    values.update(emu.dataset["route_params"].get(uri, {}))
    note = row["note"]
    m = re.search(r"type=(\w+)", note)
    if m:
        values["type"] = m.group(1)
    if "ruleset" in note and "fruits" in note:
        values["mode"] = "fruits"
    if status == "404":
        for key in ("user", "beatmap", "beatmapset", "room", "match", "topic", "channel", "score", "build", "changelog", "path"):
            values[key] = "999999999" if key != "path" else "No_such_page"
        if uri == "api/v2/rankings/{mode}/{type}":
            values["type"] = "no_such_ranking"
    query: dict[str, Any] = {}
    path = uri
    for name in re.findall(r"\{(\w+)\??\}", uri):
        path = path.replace("{" + name + "?}", str(values.get(name, ""))).replace("{" + name + "}", str(values[name]))
    path = path.rstrip("/")
    if uri == "api/v2/beatmaps/lookup":
        query["id"] = values["beatmap"] if status == "200" else 999999999
    if uri == "api/v2/beatmapsets/lookup":
        query["beatmap_id"] = values["beatmap"] if status == "200" else 999999999
    if uri == "api/v2/beatmaps":
        query["ids[]"] = [values["beatmap"]]
    if uri == "api/v2/users":
        query["ids[]"] = [values["user"]]
    if "scores/{type}" in uri:
        query["mode"] = "fruits" if "fruits" in row["file"] else "mania" if "mania" in row["file"] else "osu"
        query["include_fails"] = 1
        query["limit"] = 20
        values["user"] = 2
        path = path.replace(f"users/{params['user']}/", "users/2/") if status == "200" else path
    body: Any = None
    if row["method"] in ("POST", "PUT"):
        body = {"message": "hello", "body": "text", "forum_id": values["forum"], "title": "t", "type": "PM",
                "target_id": emu.dataset["bot_user_id"]}
        m = re.search(r"ruleset (\w+)", note)
        if m:
            body["ruleset"] = m.group(1)
    return row["method"], path, query, body


@pytest.mark.parametrize("row", ROWS, ids=lambda r: r["file"])
def test_emulator_has_every_key_path(row: dict[str, str], osu_emulator: Any) -> None:
    params = osu_emulator.dataset["params"]
    uid = osu_emulator.dataset["test_user_id"]
    token = osu_emulator.mint_token(uid, ALL_SCOPES.split())["access_token"]
    method, path, query, body = _request(row, params, osu_emulator, row["status"])
    real_raw = corpus_bytes(row["file"])
    legacy = b'"mode_int"' in real_raw or b'"count_300"' in real_raw
    headers = {"Authorization": f"Bearer {token}", "x-api-version": "0" if legacy else "20250913"}
    if row["route"].startswith("api/get_"):
        query = {"k": osu_emulator.api_key, "u": 2, "b": params["beatmap"], "mp": params["match"],
                 "s": next(s["id"] for s in osu_emulator.state.world.scores.values() if s["has_replay"] and s["legacy_score_id"] is None)}
        headers = {}
    response = httpx.request(method, f"{osu_emulator.base_url}/{path}", params=query, headers=headers,
                             json=body if method in ("POST", "PUT") else None)
    assert str(response.status_code) == row["status"], response.text[:300]
    if not real_raw.strip():
        assert not response.content.strip()
        return
    real = json.loads(real_raw)
    ours = response.json()
    missing = sorted(nonnull_paths(real) - key_paths(ours))
    # a path under a list the real response had items in, but ours is empty, is not a shape difference
    missing = [p for p in missing if not _under_empty_list(ours, p)]
    assert not missing, missing[:20]


def _under_empty_list(ours: Any, path: str) -> bool:
    parts = re.findall(r"\.([^.\[]+)|(\[\])", path)
    node: Any = ours
    for key, lst in parts:
        if lst:
            if not isinstance(node, list):
                return False
            if not node:
                return True
            node = node[0]
        else:
            if not isinstance(node, dict) or key not in node:
                return False
            node = node[key]
            if node is None:
                return True
    return False
