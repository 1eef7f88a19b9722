"""CI check: osukit's models type every field osu-web's source says a third-party route returns.

Offline: reads the committed table ``scripts/data/osu_web_shapes.json`` (written by
``scripts/osu_web_shapes.py build`` from an osu-web snapshot). Exceptions, each with a
reason, live in ``tests/shapes/exceptions.tsv``.
"""

from __future__ import annotations

import pytest

from osukit._constants import DEFAULT_API_VERSION, FRIEND_RELATIONS_API_VERSION, LAZER_SCORES_API_VERSION

from .model_map import Finding, check_models, excepted, load_exceptions, load_table

TABLE = load_table()
EXCEPTIONS = load_exceptions()
VERSIONS = [DEFAULT_API_VERSION, FRIEND_RELATIONS_API_VERSION - 1, LAZER_SCORES_API_VERSION - 1]


def _open(findings: list[Finding]) -> list[Finding]:
    return [f for f in findings if not excepted(EXCEPTIONS, "model", f.route, f.path, f.transformer)]


def test_table_names_the_osu_web_commit() -> None:
    assert len(TABLE["osu_web_commit"] or "") == 40
    assert sum(1 for r in TABLE["routes"] if r["third_party"]) == 80


@pytest.mark.parametrize("version", VERSIONS)
def test_every_returned_field_is_typed(version: int) -> None:
    findings = _open(check_models(TABLE, version))
    assert not findings, f"x-api-version {version}: {len(findings)} fields osu-web returns are not typed right:\n" + "\n".join(
        map(str, findings))


def test_check_fails_on_a_missing_field_and_names_route_and_field() -> None:
    doctored = {**TABLE, "transformers": dict(TABLE["transformers"])}
    beatmap = dict(doctored["transformers"]["Beatmap"])
    beatmap["attributes"] = {**beatmap["attributes"], "brand_new_field": {"line": 1, "conditional": False}}
    doctored["transformers"]["Beatmap"] = beatmap
    text = "\n".join(map(str, _open(check_models(doctored))))
    assert "GET api/v2/beatmaps/{beatmap} :: brand_new_field: Beatmap has no field 'brand_new_field'" in text


def test_check_fails_on_wrong_optionality() -> None:
    doctored = {**TABLE, "transformers": dict(TABLE["transformers"])}
    user = dict(doctored["transformers"]["UserCompact"])
    user["ts"] = {**user["ts"], "fields": {**user["ts"]["fields"], "username": {"optional": False, "nullable": True}}}
    doctored["transformers"]["UserCompact"] = user
    text = "\n".join(map(str, _open(check_models(doctored))))
    assert "GET api/v2/users :: users[].username: UserCompact.username must allow null" in text


def test_every_exception_has_a_reason_and_is_used() -> None:
    assert all(reason.strip() for reason in EXCEPTIONS.values())
    used: set[tuple[str, str, str]] = set()
    for version in VERSIONS:
        for f in check_models(TABLE, version):
            for key in EXCEPTIONS:
                if key[0] in ("model", "both") and excepted({key: ""}, "model", f.route, f.path, f.transformer):
                    used.add(key)
    from .test_emulator_matches_osu_web import emulator_exception_keys

    stale = set(EXCEPTIONS) - used - emulator_exception_keys()
    assert not stale, f"exceptions that no longer match anything: {sorted(stale)}"


def test_check_fails_on_a_required_field_osu_web_may_leave_out() -> None:
    doctored = {**TABLE, "transformers": dict(TABLE["transformers"])}
    user = dict(doctored["transformers"]["UserCompact"])
    user["attributes"] = {**user["attributes"], "username": {**user["attributes"]["username"], "conditional": True}}
    doctored["transformers"]["UserCompact"] = user
    text = "\n".join(map(str, _open(check_models(doctored))))
    assert "GET api/v2/users :: users[].username: UserCompact.username is required but osu-web leaves it out" in text


def test_table_routes_and_scopes_match_the_shared_route_lists() -> None:
    import csv
    import json

    from .._helpers import SHARED

    shared = json.loads((SHARED / "osu-web" / "api_routes.json").read_text())
    assert {("|".join(m for m in r["methods"] if m != "HEAD"), r["uri"], tuple(r["scopes"])) for r in shared} == {
        (r["method"], r["uri"], tuple(r["scopes"])) for r in TABLE["routes"]}
    with (SHARED / "routes-third-party.tsv").open(newline="") as fh:
        third_party = {(row["methods"], row["uri"]) for row in csv.DictReader(fh, delimiter="\t")}
    assert third_party == {(r["method"], r["uri"]) for r in TABLE["routes"] if r["third_party"]}
