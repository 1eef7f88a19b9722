"""CI check: the emulator's answer to every third-party route carries every field osu-web's source gives it.

Offline, over loopback, from the committed table ``scripts/data/osu_web_shapes.json``.
Fields osu-web sends only sometimes (a ``transform()`` branch, an include that
returns nothing) are not required; exceptions with reasons are in ``exceptions.tsv``.
"""

from __future__ import annotations

import re
from typing import Any

import httpx
import pytest

from osukit._constants import DEFAULT_API_VERSION

from .._figures import count
from .model_map import (
    excepted,
    include_tree,
    load_exceptions,
    load_table,
    third_party_routes,
    version_applies,
)

TABLE = load_table()
EXCEPTIONS = load_exceptions()
ALL_SCOPES = "public identify friends.read chat.read chat.write chat.write_manage forum.write forum.write_manage"
ROUTES = [r for r in third_party_routes(TABLE) if r["responses"] and r["method"] in ("GET", "POST", "PUT", "PATCH|PUT")]


def emulator_exception_keys() -> set[tuple[str, str, str]]:
    return {k for k in EXCEPTIONS if k[0] == "emulator"}


def expected(route: dict[str, Any], version: int) -> list[tuple[str, list[str], str]]:
    """(display path, key parts) of every field the table says this route always sends."""
    out: list[tuple[str, list[str], str]] = []
    for emit in route["responses"]:
        if not version_applies(emit.get("api_version"), version) or emit.get("conditional") or emit.get("html_only"):
            continue
        base = emit["key"].split(".") if emit["key"] else []
        _fields(emit["transformer"], include_tree(emit["includes"]), base, out, version, emit.get("transformer_args"))
    return out


def _fields(transformer: str, includes: dict[str, Any], base: list[str], out: list[tuple[str, list[str], str]], version: int,
            args: str | None) -> None:
    entry = TABLE["transformers"].get(transformer)
    if entry is None:
        return
    attributes = entry["attributes"]
    for variant in entry.get("variants", {}).values():
        if (args in (None, "null") or args.startswith("$")) and version_applies(variant["api_version"], version):
            attributes = variant["attributes"]
    for name, facts in attributes.items():
        if name.startswith("...") or facts.get("conditional"):
            continue
        out.append((".".join([*base, name]), [*base, name], transformer))
    wanted = dict(includes)
    for d in entry["default_includes"]:
        wanted.setdefault(d, {})
    for name, sub in sorted(wanted.items()):
        inc = entry["includes"].get(name)
        # a permission-gated include (IsNotOAuth, IsSpecialScope, BeatmapsetDescriptionEdit …) is not
        # sent to an ordinary third-party token; one whose method can return nothing may be absent
        if inc is None or name in entry["permissions"] or inc.get("may_be_absent"):
            continue
        out.append((".".join([*base, name]), [*base, name], transformer))
        for attr in inc.get("attributes", []):
            out.append((".".join([*base, name, attr]), [*base, name, attr], transformer))
        if inc.get("transformer"):
            _fields(inc["transformer"], sub, [*base, name], out, version, inc.get("transformer_args"))


def present(body: Any, parts: list[str]) -> bool:
    """Whether ``parts`` exists in ``body`` (every item of a list; null and empty lists end the walk)."""
    if body is None:
        return True
    if isinstance(body, list):
        return all(present(item, parts) for item in body)
    if not parts:
        return True
    if not isinstance(body, dict):
        return False
    if parts[0] not in body:
        return False
    return present(body[parts[0]], parts[1:])


def _excepted(route: str, path: str, transformer: str) -> bool:
    return excepted(EXCEPTIONS, "emulator", route, path, transformer)


def request(emu: Any, route: dict[str, Any]) -> tuple[str, str, dict[str, Any], Any]:
    uri = route["uri"]
    values: dict[str, Any] = dict(emu.dataset["params"])
    values.update(emu.dataset["route_params"].get(uri, {}))
    if uri == "api/v2/rankings/{mode}/{type}":
        values["type"] = "charts"  # the type with the most parts: ranking, spotlight, beatmapsets
    if uri == "api/v2/users/{user}/scores/{type}":
        scorer = next(s["user_id"] for s in emu.state.world.scores.values() if s["best"])
        values.update(user=scorer, type="best")
    path = uri
    for name in re.findall(r"\{(\w+)\??\}", uri):
        path = path.replace("{" + name + "?}", str(values.get(name, ""))).replace("{" + name + "}", str(values[name]))
    path = path.rstrip("/")
    query: dict[str, Any] = {}
    if uri == "api/v2/beatmaps/lookup":
        query["id"] = values["beatmap"]
    if uri == "api/v2/beatmapsets/lookup":
        query["beatmap_id"] = values["beatmap"]
    if uri == "api/v2/beatmaps":
        query["ids[]"] = [values["beatmap"]]
    if uri in ("api/v2/users", "api/v2/users/lookup"):
        query["ids[]"] = [values["user"]]
    method = route["method"].split("|")[-1]
    body: Any = None
    if method in ("POST", "PUT"):
        body = {"message": "hello", "body": "text", "forum_id": values["forum"], "title": "t", "type": "PM",
                "target_id": emu.dataset["bot_user_id"], "channel_id": values["channel"], "forum_topic": {"topic_title": "t"}}
    return method, path, query, body


@pytest.mark.parametrize("version", [DEFAULT_API_VERSION, 20241021, 20220704])
@pytest.mark.parametrize("route", ROUTES, ids=lambda r: f"{r['method']} {r['uri']}")
def test_emulator_sends_every_field(route: dict[str, Any], version: int, osu_emulator: Any) -> None:
    token = osu_emulator.mint_token(osu_emulator.dataset["test_user_id"], ALL_SCOPES.split())["access_token"]
    method, path, query, body = request(osu_emulator, route)
    response = httpx.request(method, f"{osu_emulator.base_url}/{path}", params=query, json=body,
                             headers={"Authorization": f"Bearer {token}", "x-api-version": str(version)})
    assert response.status_code < 300, f"{method} {path}: {response.status_code} {response.text[:300]}"
    data = response.json()
    key = f"{route['method']} {route['uri']}"
    fields = expected(route, version)
    sent = [shown for shown, parts, _t in fields if present(data, parts)]
    count("osu-web shapes (emulator)", "fields the table gives", len(fields))
    count("osu-web shapes (emulator)", "fields sent", len(sent))
    missing = [shown for shown, parts, transformer in fields
               if not _excepted(key, shown, transformer) and not present(data, parts)]
    assert not missing, f"{key} at x-api-version {version}: the emulator leaves out " + ", ".join(missing)
