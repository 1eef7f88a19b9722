"""Coverage: every third-party v2 route and every v1 endpoint has a typed method on both clients."""

from __future__ import annotations

import csv
import inspect

import pytest

import osukit
from osukit.routes import ROUTES, by_uri

from ._helpers import SHARED

with (SHARED / "routes-third-party.tsv").open(newline="") as fh:
    THIRD_PARTY = list(csv.DictReader(fh, delimiter="\t"))

V1 = ["api/get_beatmaps", "api/get_user", "api/get_scores", "api/get_user_best", "api/get_user_recent",
      "api/get_match", "api/get_replay"]


def _scope(text: str) -> str | None:
    return None if text.startswith("none") else text


@pytest.mark.parametrize("row", THIRD_PARTY, ids=lambda r: f"{r['methods']} {r['uri']}")
def test_every_third_party_route_is_covered(row: dict[str, str]) -> None:
    route = by_uri(row["methods"].split("|")[0], row["uri"])
    assert route.method == row["methods"]
    assert route.scope == _scope(row["scope"])


def test_all_80_third_party_routes() -> None:
    covered = {(r.method, r.uri) for r in ROUTES if r.api == "v2"}
    wanted = {(r["methods"], r["uri"]) for r in THIRD_PARTY}
    assert wanted <= covered, sorted(wanted - covered)


def test_v1_routes() -> None:
    uris = {r.uri for r in ROUTES if r.api == "v1"}
    assert set(V1) <= uris


def _resolve(client: object, name: str) -> object:
    obj = client
    for part in name.split("."):
        obj = getattr(obj, part)
    return obj


@pytest.mark.parametrize("route", [r for r in ROUTES if r.name != "revoke_token"], ids=lambda r: r.name)
def test_each_route_has_a_documented_method_on_both_clients(route: osukit.routes.Route) -> None:
    sync = osukit.Client(access_token="tok-tok-tok", api_key="key-key-key")
    asynchronous = osukit.AsyncClient(access_token="tok-tok-tok", api_key="key-key-key", http_backend="httpx")
    s = _resolve(sync, route.name)
    a = _resolve(asynchronous, route.name)
    assert callable(s) and callable(a)
    doc = inspect.getdoc(a) or ""
    assert route.uri in doc, f"{route.name}: docstring must name {route.uri}"
    assert inspect.signature(s).parameters.keys() == inspect.signature(a).parameters.keys()
    assert not any(p.kind is p.VAR_KEYWORD for p in inspect.signature(a).parameters.values()), "no **kwargs"


@pytest.mark.parametrize("uri", ["api/v2/friends", "/api/v2/friends", "https://osu.ppy.sh/api/v2/friends",
                                 "http://127.0.0.1:8000/api/v2/friends?foo=1", "/api/v2/friends#top"])
def test_by_uri_takes_a_leading_slash_and_full_urls(uri: str) -> None:
    assert by_uri("GET", uri).uri == "api/v2/friends"
    assert by_uri("get", uri).name == by_uri("GET", "api/v2/friends").name


def test_by_uri_keeps_optional_parameters_and_refuses_concrete_paths() -> None:
    assert by_uri("GET", "/api/v2/me/{mode?}").uri == "api/v2/me/{mode?}"
    assert by_uri("GET", "https://osu.ppy.sh/api/v2/me/{mode?}").uri == "api/v2/me/{mode?}"
    with pytest.raises(osukit.InvalidParameterError, match="no route"):
        by_uri("GET", "/api/v2/users/2")
