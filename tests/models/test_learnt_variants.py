"""Learnt variants (issue 14, "drift costs almost nothing"): a route that drifted the same way twice
decodes its next responses in one typed msgspec pass, and the result behaves exactly as the scoped
decoding's (``unknown_fields``, ``drifted_fields``, ``dump``, equality, pickling, ``repr``, warnings).

Whether a decoding went through the variant is told without a clock: the scoped decoding is made to
fail the test (``_Scoped.top`` replaced), and the engine's caches are looked at.
"""

from __future__ import annotations

import copy
import json
import logging
import pickle
from typing import Any

import msgspec
import pytest

import osukit
from osukit import _models
from osukit._models import UNSET, Model, UnsetType, decode, drifted_fields, dump, unknown_fields
from osukit.game import accuracy, grade
from osukit.models.legacy import V1Score
from osukit.models.scores import Score, ScoreStatistics
from osukit.routes import by_name, by_uri

from .._helpers import SHARED, corpus_bytes

CASE = SHARED / "cases" / "accuracy-unknown-judgement.json"


# Each test sees the engine as a fresh process would (tests/models/conftest.py).
pytestmark = pytest.mark.usefixtures("fresh_engine_state")


def _no_scoped_decoding(monkeypatch: pytest.MonkeyPatch) -> None:
    def refuse(*_args: Any) -> Any:
        raise AssertionError("the scoped decoding ran: the learnt variant was not used")

    monkeypatch.setattr(_models._Scoped, "top", refuse)


def _drifted_score() -> dict[str, Any]:
    raw = json.loads(CASE.read_bytes())  # statistics hold an unknown judgement
    raw["id"] = None  # null in a non-optional field
    raw["passed"] = "yes"  # another JSON type
    raw["added_in_2027"] = {"nested": [1, 2]}  # an unknown member at the top
    return raw


def _structs(value: Any, path: str = "$") -> list[tuple[str, Any]]:
    out: list[tuple[str, Any]] = []
    if isinstance(value, msgspec.Struct):
        out.append((path, value))
        for attr, wire in _models._struct_fields(_models._base_of(type(value)))[1]:
            out.extend(_structs(getattr(value, attr), f"{path}.{wire}"))
    elif isinstance(value, list):
        for i, v in enumerate(value):
            out.extend(_structs(v, f"{path}[{i}]"))
    return out


def _warnings(caplog: pytest.LogCaptureFixture) -> list[str]:
    return [r.getMessage() for r in caplog.records if r.levelno == logging.WARNING]


def test_second_drifted_response_builds_the_variant_and_the_next_ones_use_it(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    route = by_name("scores.get")
    body = json.dumps(_drifted_score())
    key = (Score, False, route.key)
    route.decode(body)
    assert key in _models._learnt and key not in _models._variants  # drift seen once may be a one-off
    route.decode(body)
    assert _models._variants.get(key) is not None
    _no_scoped_decoding(monkeypatch)
    score = route.decode(body)
    assert isinstance(score, Score) and type(score) is not Score and type(score).__name__ == "Score"
    assert "_osukit_variant" in type(score).__dict__
    assert isinstance(score.statistics, ScoreStatistics) and "_osukit_variant" in type(score.statistics).__dict__


def test_variant_instances_behave_exactly_like_the_scoped_decodings(monkeypatch: pytest.MonkeyPatch) -> None:
    route = by_name("scores.get")
    raw = _drifted_score()
    body = json.dumps(raw)
    carrier = route.decode(body)
    route.decode(body)
    _no_scoped_decoding(monkeypatch)
    variant = route.decode(body)

    assert unknown_fields(variant) == {"added_in_2027": {"nested": [1, 2]}}
    assert unknown_fields(variant.statistics) == {"brand_new_judgement": 3}
    assert drifted_fields(variant) == {"id": None, "passed": "yes"}
    assert variant.id is None and variant.passed == "yes" and variant.statistics.great == 99
    for (path_a, a), (path_b, b) in zip(_structs(carrier), _structs(variant), strict=True):
        assert path_a == path_b
        assert unknown_fields(a) == unknown_fields(b), path_a
        assert drifted_fields(a) == drifted_fields(b), path_a
        assert a == b and b == a, path_a
    assert dump(variant) == raw == dump(carrier)
    assert repr(variant) == repr(carrier)
    assert "added_in_2027" not in repr(variant) and "brand_new_judgement" not in repr(variant)

    plain = Score(**{attr: getattr(variant, attr) for attr, _ in _models._struct_fields(Score)[1]})
    assert type(plain) is Score
    assert variant == plain and plain == variant
    for copied in (pickle.loads(pickle.dumps(variant)), copy.copy(variant), copy.deepcopy(variant)):
        assert isinstance(copied, Score) and copied == variant
        assert unknown_fields(copied) == unknown_fields(variant)
        assert drifted_fields(copied) == drifted_fields(variant)
        assert unknown_fields(copied.statistics) == {"brand_new_judgement": 3}
        assert dump(copied) == raw


def test_variant_instances_reach_the_game_toolkit_and_builtins_without_markers(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    route = by_name("scores.get")
    body = CASE.read_bytes()
    route.decode(body)
    route.decode(body)
    _no_scoped_decoding(monkeypatch)
    score = route.decode(body)
    assert "_osukit_variant" in type(score.statistics).__dict__
    assert accuracy(score) == pytest.approx(0.9933333333333333, abs=1e-12)
    assert grade(score) == "S"
    assert dump(score) == json.loads(body)
    # A variant keeps a learnt unknown member in a field of its own name: builtins show it as osu! sent it,
    # and nothing of osukit's own.
    for built in (msgspec.structs.asdict(score.statistics), msgspec.to_builtins(score.statistics)):
        assert not any(str(k).startswith(("$", "osukit", "_")) for k in built)
        assert built.get("brand_new_judgement") == 3
    text = msgspec.json.encode(score.statistics).decode()
    assert "osukit" not in text and "$" not in text
    assert "osukit" not in repr(score) and "brand_new_judgement" not in repr(score)


def test_new_drift_elsewhere_after_a_variant_warns_once_is_kept_and_is_learnt(
    monkeypatch: pytest.MonkeyPatch, caplog: pytest.LogCaptureFixture,
) -> None:
    route = by_name("scores.get")
    raw = _drifted_score()
    with caplog.at_level(logging.WARNING, logger="osukit.models"):
        route.decode(json.dumps(raw))
        route.decode(json.dumps(raw))
        assert len(_warnings(caplog)) == 2  # $.id and $.passed
        more = dict(raw, rank=7, accuracy="high")  # drift at two places the variant does not accept
        for _ in range(3):
            score = route.decode(json.dumps(more))
            assert drifted_fields(score) == {"id": None, "passed": "yes", "rank": 7, "accuracy": "high"}
            assert dump(score) == more
    warnings = _warnings(caplog)
    assert len(warnings) == 4, warnings
    assert sum("$.rank" in w for w in warnings) == 1 and sum("$.accuracy" in w for w in warnings) == 1
    _no_scoped_decoding(monkeypatch)  # learnt: now the variant takes both shapes of the response
    with caplog.at_level(logging.WARNING, logger="osukit.models"):
        assert dump(route.decode(json.dumps(more))) == more
        assert drifted_fields(route.decode(json.dumps(raw))) == {"id": None, "passed": "yes"}
    assert len(_warnings(caplog)) == 4


def test_a_route_that_has_not_warned_yet_warns(caplog: pytest.LogCaptureFixture) -> None:
    body = json.dumps(_drifted_score())
    with caplog.at_level(logging.WARNING, logger="osukit.models"):
        for _ in range(3):
            decode(body, Score, route="GET first")
        assert _models._variants.get((Score, False, "GET first")) is not None
        first = len(_warnings(caplog))
        score = decode(body, Score, route="GET second")
    warnings = _warnings(caplog)[first:]
    assert first == 2 and len(warnings) == 2, warnings
    assert all("GET second" in w for w in warnings)
    assert drifted_fields(score) == {"id": None, "passed": "yes"}


def test_strict_mode_ignores_what_was_learnt() -> None:
    route = by_name("scores.get")
    body = json.dumps(_drifted_score())
    for _ in range(3):
        route.decode(body)
    with pytest.raises(osukit.DecodeError) as info:
        route.decode(body, strict=True)
    assert info.value.path is not None and info.value.path.startswith("$.")


class _Inner(Model):
    n: int


class _Outer(Model):
    by_key: dict[str, _Inner]
    counts: dict[str, int] | UnsetType = UNSET
    label: str | UnsetType = UNSET


def test_dict_values_drifting_at_a_new_key_still_warn(
    monkeypatch: pytest.MonkeyPatch, caplog: pytest.LogCaptureFixture,
) -> None:
    first = {"by_key": {"a": None, "b": {"n": 1}}, "counts": {"x": 1, "y": None}}
    with caplog.at_level(logging.WARNING, logger="osukit.models"):
        for _ in range(2):
            out = decode(json.dumps(first), _Outer, route="GET dicts")
        assert out.by_key["a"] is None and out.by_key["b"] == _Inner(n=1)
        assert drifted_fields(out) == {"counts": {"x": 1, "y": None}}  # a dict of leaves drifts whole
        warned = len(_warnings(caplog))
        assert warned == 2
        _no_scoped_decoding(monkeypatch)
        second = {"by_key": {"a": {"n": 2}, "c": None}, "counts": {"x": 3}}
        out = decode(json.dumps(second), _Outer, route="GET dicts")
        assert out.by_key["a"] == _Inner(n=2) and out.by_key["c"] is None
        assert out.counts == {"x": 3} and drifted_fields(out) == {}
        assert dump(out) == second
        assert dump(decode(json.dumps(first), _Outer, route="GET dicts")) == first
    warnings = _warnings(caplog)[warned:]
    assert len(warnings) == 1 and "$.by_key.c" in warnings[0], warnings


def test_v1_rows_through_the_variant_stay_typed_and_dump_back(monkeypatch: pytest.MonkeyPatch) -> None:
    route = by_uri("GET", "api/get_scores")
    rows = json.loads(corpus_bytes("v1/get_beatmap_scores_200.json"))
    clean = route.decode(json.dumps(rows))
    rows[1] = dict.fromkeys(rows[1])
    rows[0] = dict(rows[0], added_in_2027="1")
    body = json.dumps(rows)
    carrier = route.decode(body)
    route.decode(body)
    _no_scoped_decoding(monkeypatch)
    variant = route.decode(body)
    assert all(isinstance(row, V1Score) for row in variant)
    assert variant == carrier and variant[2:] == clean[2:] and variant[0] == clean[0]
    for a, b in zip(carrier, variant, strict=True):
        assert unknown_fields(a) == unknown_fields(b) and drifted_fields(a) == drifted_fields(b)
        for attr, _ in _models._struct_fields(V1Score)[1]:
            assert type(getattr(a, attr)) is type(getattr(b, attr)), attr
    assert unknown_fields(variant[0]) == {"added_in_2027": "1"}
    assert drifted_fields(variant[1])
    assert dump(variant) == rows


def test_what_is_learnt_stays_bounded(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(_models, "_VARIANT_ROUTES", 2)
    body = json.dumps(_drifted_score())
    for route in ("GET a", "GET b", "GET c"):
        for _ in range(2):
            decode(body, Score, route=route)
    assert len(_models._learnt) <= 2 and set(_models._variants) <= set(_models._learnt)
    assert (Score, False, "GET c") in _models._variants

    monkeypatch.setattr(_models, "_VARIANT_PATHS", 1)  # more drifting paths than that: the scoped decoding only
    for _ in range(3):
        score = decode(body, Score, route="GET d")
    assert _models._variants[(Score, False, "GET d")] is None
    assert drifted_fields(score) == {"id": None, "passed": "yes"} and dump(score) == _drifted_score()


def test_an_unknown_member_that_cannot_be_a_field_is_left_to_the_scoped_decoding() -> None:
    body = b'{"id": 1, "accuracy": 1.0, "new-thing": 1, "__dunder": 2, "to_json": 3}'
    for _ in range(3):
        score = decode(body, Score, route="GET odd")
        assert unknown_fields(score) == {"new-thing": 1, "__dunder": 2, "to_json": 3}
        assert dump(score) == json.loads(body)
    assert _models._variants[(Score, False, "GET odd")] is None
