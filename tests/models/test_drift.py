"""Drift: responses osukit's models were not written for still decode, stay typed, and dump back as sent.

Covers issue 14: unknown members and type drift kept per field (``unknown_fields`` /
``drifted_fields``), one WARNING per route and JSON path, ``strict=True`` naming the path,
v1 rows whose every field is null, unknown judgements in the game toolkit, scores decoded
into the model of their own shape, and no internal marker anywhere users look.
"""

from __future__ import annotations

import copy
import json
import logging
import pickle
import sys
from pathlib import Path
from typing import Any

import httpx
import msgspec
import pytest

import osukit
from osukit._models import decode, drifted_fields, dump, unknown_fields
from osukit.game import accuracy, grade
from osukit.models.legacy import V1Score
from osukit.models.scores import LegacyScore, Score, ScoreStatistics
from osukit.routes import by_name, by_uri

from .._helpers import SHARED, _norm, corpus_bytes, corpus_index

CASE = SHARED / "cases" / "accuracy-unknown-judgement.json"
OSU_MAP = Path(__file__).resolve().parents[1] / "game" / "data" / "osu_std.osu"


# Each test sees the engine as a fresh process would (tests/models/conftest.py).
pytestmark = pytest.mark.usefixtures("fresh_engine_state")


def _serve(body: bytes, path: str) -> httpx.MockTransport:
    def handler(request: httpx.Request) -> httpx.Response:
        if request.url.path == "/oauth/token":
            return httpx.Response(200, json={"token_type": "Bearer", "expires_in": 86400, "access_token": "tok"})
        if request.url.path == path:
            return httpx.Response(200, content=body, headers={"content-type": "application/json"})
        return httpx.Response(404, json={"error": "not found"})

    return httpx.MockTransport(handler)


def _get_case_score() -> Any:
    body = CASE.read_bytes()
    with osukit.Client(
        client_id=1, client_secret="s" * 40, base_url="https://osu.test", rate_limit=0,
        transport=_serve(body, "/api/v2/scores/5000000001"),
    ) as osu:
        return osu.scores.get(5000000001)


# ------------------------------------------------------------------------------------------------
# The game toolkit takes every decoded score


def test_unknown_judgement_served_as_scores_get_gives_osu_accuracy_and_grade() -> None:
    score = _get_case_score()
    assert isinstance(score, Score)
    assert isinstance(score.statistics, ScoreStatistics)
    assert score.statistics.great == 99 and score.statistics.ok == 1
    assert unknown_fields(score.statistics) == {"brand_new_judgement": 3}
    assert accuracy(score) == pytest.approx(0.9933333333333333, abs=1e-12)
    assert accuracy(score) == pytest.approx(score.accuracy, abs=1e-12)
    assert grade(score) == "S"
    assert dump(score) == json.loads(CASE.read_bytes())


@pytest.mark.skipif(sys.version_info < (3, 11), reason="rosu-pp-py wheels start at Python 3.11")
def test_unknown_judgement_gives_the_same_pp_as_without_it() -> None:
    from osukit.game import performance

    score = _get_case_score()
    plain = json.loads(CASE.read_bytes())
    del plain["statistics"]["brand_new_judgement"]
    del plain["maximum_statistics"]["brand_new_judgement"]
    clean = decode(json.dumps(plain), Score, strict=True)
    with_unknown = performance(score, OSU_MAP.read_bytes())
    without = performance(clean, OSU_MAP.read_bytes())
    assert with_unknown.pp == without.pp
    assert with_unknown.pp > 0


def test_no_internal_marker_reaches_builtins_or_the_toolkit() -> None:
    score = _get_case_score()
    stats = msgspec.structs.asdict(score.statistics)
    assert "brand_new_judgement" not in stats
    assert not any(str(k).startswith(("$", "osukit")) for k in stats)
    text = msgspec.json.encode(score.statistics).decode()
    assert "osukit" not in text and "$" not in text
    assert "osukit" not in repr(score)


def test_v1_recent_row_with_rank_f_grades_f_like_pp_reads_it() -> None:
    route = by_name("legacy.get_user_recent")
    rows = json.loads(corpus_bytes("v1/get_user_recents_200.json"))
    row = dict(rows[0])
    row["rank"] = "F"
    decoded = route.decode(json.dumps([row]))
    assert isinstance(decoded[0], V1Score)
    assert grade(decoded[0], ruleset=0) == "F"
    assert grade(row, ruleset=0) == "F"
    row["rank"] = "A"
    assert grade(decode(json.dumps([row]), list[V1Score], lax=True)[0], ruleset=0) != "F"


# ------------------------------------------------------------------------------------------------
# Per-field tolerance


def test_null_and_wrong_types_keep_raw_values_and_the_rest_stays_typed(caplog: pytest.LogCaptureFixture) -> None:
    route = by_name("scores.get")
    raw = json.loads(CASE.read_bytes())
    raw["id"] = None  # non-optional field
    raw["weight"] = 0.5  # an object field sent as a number
    raw["passed"] = "yes"
    body = json.dumps(raw)
    with caplog.at_level(logging.WARNING, logger="osukit.models"):
        score = route.decode(body)
        route.decode(body)
    assert isinstance(score, Score)
    assert drifted_fields(score) == {"id": None, "weight": 0.5, "passed": "yes"}
    assert score.id is None and score.weight == 0.5 and score.passed == "yes"
    assert score.accuracy == pytest.approx(0.9933333333333333) and score.rank == "S" and score.ruleset_id == 0
    assert isinstance(score.statistics, ScoreStatistics) and score.statistics.great == 99
    assert dump(score) == raw
    warnings = [r.getMessage() for r in caplog.records if r.levelno == logging.WARNING]
    assert len(warnings) == 3, warnings  # one per (route, path), not one per response
    assert all(route.key in w for w in warnings)
    assert any("$.id" in w and "null" in w for w in warnings)
    assert any("$.weight" in w for w in warnings)


def test_strict_names_the_path_of_unknown_and_drifted_members() -> None:
    route = by_name("scores.get")
    raw = json.loads(CASE.read_bytes())
    with pytest.raises(osukit.DecodeError) as info:
        route.decode(json.dumps(raw), strict=True)
    assert info.value.path == "$.statistics.brand_new_judgement"
    assert info.value.route == route.key
    del raw["statistics"]["brand_new_judgement"]
    del raw["maximum_statistics"]["brand_new_judgement"]
    raw["ruleset_id"] = None
    with pytest.raises(osukit.DecodeError) as info:
        route.decode(json.dumps(raw), strict=True)
    assert info.value.path == "$.ruleset_id"


def test_v1_list_keeps_every_row_when_one_row_is_all_null() -> None:
    route = by_uri("GET", "api/get_scores")
    rows = json.loads(corpus_bytes("v1/get_beatmap_scores_200.json"))
    assert len(rows) >= 2
    clean = route.decode(json.dumps(rows))
    rows[1] = dict.fromkeys(rows[1])
    drifted = route.decode(json.dumps(rows))
    assert len(drifted) == len(rows)
    assert drifted[0] == clean[0] and drifted[2:] == clean[2:]
    values = msgspec.structs.asdict(drifted[1])
    assert values and all(v is None for v in values.values() if v is not osukit.UNSET)
    assert drifted_fields(drifted[1])  # the non-optional ones, kept as sent
    assert dump(drifted) == rows


def test_a_row_that_is_not_an_object_keeps_its_place() -> None:
    body = json.dumps([{"id": 1, "accuracy": 1}, None, {"id": 2, "accuracy": 0.5, "new": 1}])
    scores = decode(body, list[Score])
    assert scores[1] is None and isinstance(scores[2], Score) and unknown_fields(scores[2]) == {"new": 1}
    assert dump(scores) == json.loads(body)


def test_drifted_instance_is_its_model_and_equal_to_a_plain_one() -> None:
    score = decode(b'{"id": 1, "accuracy": 1.0, "new": 2, "rank": 5}', Score)
    plain = Score(id=1, accuracy=1.0, rank=5)  # type: ignore[arg-type]  # the drifted value, as kept
    assert isinstance(score, Score) and type(score).__name__ == "Score"
    assert score == plain and plain == score
    assert unknown_fields(plain) == {} and drifted_fields(plain) == {}
    for copied in (pickle.loads(pickle.dumps(score)), copy.copy(score), copy.deepcopy(score)):
        assert copied == score
        assert unknown_fields(copied) == {"new": 2} and drifted_fields(copied) == {"rank": 5}
        assert dump(copied) == {"id": 1, "accuracy": 1.0, "new": 2, "rank": 5}


# ------------------------------------------------------------------------------------------------
# A score decodes into the model of its own shape


@pytest.mark.parametrize("api_version", [None, 20220704, 20240529])
def test_score_lands_in_the_model_of_its_shape_whatever_version_was_asked(api_version: int | None) -> None:
    legacy_row = next(r for r in corpus_index() if r["file"] == "v2/get_user_bests_200.json")
    route = by_uri(legacy_row["method"], legacy_row["route"])
    legacy = route.decode(corpus_bytes(legacy_row["file"]), api_version=api_version)
    assert legacy and all(isinstance(s, LegacyScore) for s in legacy)
    assert all(not unknown_fields(s) for s in legacy)
    lazer = route.decode(json.dumps([json.loads(CASE.read_bytes()) | {"brand_new_judgement": None}]),
                         api_version=api_version)
    assert isinstance(lazer[0], Score) and lazer[0].ruleset_id == 0


def test_legacy_scores_through_the_client_with_the_default_version() -> None:
    body = corpus_bytes("v2/get_user_bests_200.json")
    with osukit.Client(
        client_id=1, client_secret="s" * 40, base_url="https://osu.test", rate_limit=0,
        transport=_serve(body, "/api/v2/users/2/scores/best"),
    ) as osu:
        scores = list(osu.users.scores(2, "best", limit=3))
    assert scores and all(isinstance(s, LegacyScore) for s in scores)
    assert _norm(dump(scores)) == _norm(json.loads(body)[: len(scores)])


def test_a_drifting_route_still_switches_score_shape() -> None:
    route = by_uri("GET", "api/v2/users/{user}/scores/{type}")
    legacy_body = corpus_bytes("v2/get_user_bests_200.json")
    drifted = json.loads(legacy_body)
    drifted[0]["new_member"] = 1
    for _ in range(3):  # the legacy list drifts: the engine learns it
        assert isinstance(route.decode(json.dumps(drifted))[0], LegacyScore)
    lazer = route.decode(json.dumps([json.loads(CASE.read_bytes())]))
    assert isinstance(lazer[0], Score) and lazer[0].ruleset_id == 0
    assert not unknown_fields(lazer[0])
