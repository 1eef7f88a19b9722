"""Tests for osukit.game.accuracy: every score in the shared corpus, plus each rule on its own."""

from __future__ import annotations

import doctest
import importlib
import json
from pathlib import Path
from typing import Any

import msgspec
import pytest

from osukit.game.accuracy import accuracy, grade, lazer_accuracy, lazer_grade, legacy_accuracy, legacy_grade
from osukit.game.mods import Mods, mods_enc_hook

# importlib, not "import ... as": osukit.game may re-export a function under the module's name
accuracy_module = importlib.import_module("osukit.game.accuracy")

REPO = Path(__file__).resolve().parents[2]
SHARED = REPO.parent / "shared"
CORPUS = SHARED / "corpus"


# --- the corpus ------------------------------------------------------------------------------


def _looks_like_score(node: dict[str, Any]) -> bool:
    if "count300" in node and "enabled_mods" in node:  # API v1 score (a v1 user has count300 but no mods)
        return True
    stats = node.get("statistics")
    # v2 score (legacy or lazer shape); a user's statistics object has a dict `rank` and no mods
    return isinstance(stats, dict) and "accuracy" in node and isinstance(node.get("rank"), str) and "mods" in node


def _corpus_scores() -> list[tuple[str, dict[str, Any]]]:
    found: list[tuple[str, dict[str, Any]]] = []

    def walk(node: Any, where: str) -> None:
        if isinstance(node, dict):
            if _looks_like_score(node):
                found.append((where, node))
            for key, value in node.items():
                walk(value, f"{where}.{key}")
        elif isinstance(node, list):
            for i, item in enumerate(node):
                walk(item, f"{where}[{i}]")

    for path in sorted(CORPUS.rglob("*.json")):
        try:
            body = json.loads(path.read_bytes())
        except ValueError:
            continue  # e.g. an HTML error page saved as .json
        walk(body, str(path.relative_to(CORPUS)))
    return found


SCORES = _corpus_scores()


def test_corpus_scores_reproduce_api_accuracy_and_rank() -> None:
    """Every score in ../shared/corpus: our accuracy and grade equal the API's.

    v1 scores carry no ruleset (the request's ``m`` decides; these are all
    ``m=0``) and no accuracy, so only their rank is compared. v1 ``get_match``
    scores have ``rank`` "0" (not a grade) and no accuracy: nothing to compare.
    v1 ``get_user_recent`` has failed plays (rank F) but no pass flag, so they
    are checked with ``passed=False`` and counted apart.
    """
    counts = {"v2 accuracy+rank": 0, "v1 rank": 0, "v1 failed (passed=False)": 0, "v1 match (no reference)": 0}
    for where, score in SCORES:
        if "count300" in score:  # v1
            if score["rank"] == "0":
                grade(score, "osu")  # computable, but the API gives nothing to compare with
                counts["v1 match (no reference)"] += 1
                continue
            if score["rank"] == "F" and "pass" not in score:
                assert grade(score, "osu", passed=False) == "F", where
                counts["v1 failed (passed=False)"] += 1
                continue
            assert grade(score, "osu") == score["rank"], where
            counts["v1 rank"] += 1
            continue
        assert accuracy(score) == pytest.approx(score["accuracy"], abs=1e-6), where
        assert grade(score) == score["rank"], where
        counts["v2 accuracy+rank"] += 1
    print(f"corpus scores checked: {counts}")  # shown with -s; see the report
    assert counts["v2 accuracy+rank"] >= 60
    assert counts["v1 rank"] >= 50
    assert len(SCORES) >= 190


def test_corpus_covers_all_shapes() -> None:
    shapes = set()
    for _, score in SCORES:
        if "count300" in score:
            shapes.add("v1")
        elif "maximum_statistics" in score:
            shapes.add(f"lazer-{score['ruleset_id']}")
        else:
            shapes.add(f"legacy-{score['mode']}")
    assert {"v1", "legacy-osu", "legacy-fruits", "legacy-mania", "lazer-3"} <= shapes


class Stats(msgspec.Struct, omit_defaults=True):
    count_300: int | None = None
    count_100: int | None = None
    count_50: int | None = None
    count_miss: int | None = None
    count_geki: int | None = None
    count_katu: int | None = None

class LegacyScore(msgspec.Struct):
    mode: str
    mode_int: int
    mods: Mods
    passed: bool
    rank: str
    accuracy: float
    statistics: Stats

class LazerScore(msgspec.Struct):
    ruleset_id: int
    mods: Mods
    passed: bool
    rank: str
    accuracy: float
    statistics: dict[str, int]
    maximum_statistics: dict[str, int]


def test_corpus_scores_as_models() -> None:
    """The same scores decoded into msgspec Structs give the same results."""

    def dec_hook(tp: Any, obj: Any) -> Any:
        if tp is Mods:
            return Mods._from_json(obj)
        raise NotImplementedError

    n = 0
    for where, raw in SCORES:
        if "count300" in raw:
            continue
        tp: Any = LazerScore if "maximum_statistics" in raw else LegacyScore
        model = msgspec.convert(raw, tp, dec_hook=dec_hook)
        assert accuracy(model) == pytest.approx(raw["accuracy"], abs=1e-6), where
        assert grade(model) == raw["rank"], where
        n += 1
    assert n >= 60
    # and the Mods field encodes back as it came
    assert msgspec.to_builtins(model, enc_hook=mods_enc_hook)["mods"] == raw["mods"]


# --- stable rules ----------------------------------------------------------------------------


def _legacy(mode: str, mods: list[str] | None = None, passed: bool = True, **counts: int) -> dict[str, Any]:
    stats = {k: counts.get(k, 0) for k in ("count_300", "count_100", "count_50", "count_miss", "count_geki", "count_katu")}
    return {"mode": mode, "mods": mods or [], "passed": passed, "statistics": stats}


def test_legacy_osu_ratio_rules() -> None:
    assert grade(_legacy("osu", count_300=100)) == "X"
    assert grade(_legacy("osu", ["HD"], count_300=100)) == "XH"
    assert grade(_legacy("osu", ["FL"], count_300=95, count_100=5)) == "SH"
    # at most 1% 50s keeps S in osu! ...
    assert grade(_legacy("osu", count_300=95, count_100=4, count_50=1)) == "S"
    assert grade(_legacy("osu", count_300=95, count_100=3, count_50=2)) == "A"
    # ... a miss never does, even at 99% 300s
    assert grade(_legacy("osu", count_300=99, count_miss=1)) == "A"
    assert grade(_legacy("osu", count_300=85, count_100=15)) == "A"
    assert grade(_legacy("osu", count_300=85, count_100=14, count_miss=1)) == "B"
    assert grade(_legacy("osu", count_300=75, count_100=25)) == "B"
    assert grade(_legacy("osu", count_300=65, count_100=35)) == "C"
    assert grade(_legacy("osu", count_300=60, count_100=40)) == "D"
    assert accuracy(_legacy("osu", count_300=1, count_100=1, count_50=1, count_miss=1)) == pytest.approx(450 / 1200)


def test_legacy_taiko() -> None:
    score = _legacy("taiko", count_300=90, count_100=10, count_geki=30, count_katu=3)
    assert accuracy(score) == pytest.approx((90 * 300 + 10 * 150) / 30000)
    assert grade(score) == "A"  # 90% GREATs is not *over* 90%
    assert grade(_legacy("taiko", ["HD"], count_300=91, count_100=9)) == "SH"


def test_legacy_fruits_counts_every_catch() -> None:
    score = _legacy("fruits", count_300=624, count_100=48, count_50=100, count_katu=2, count_miss=1)
    assert accuracy(score) == pytest.approx(772 / 775)
    assert grade(_legacy("fruits", count_300=49, count_miss=1)) == "A"  # exactly 98% is not over 98%
    assert grade(_legacy("fruits", ["HD"], count_300=99, count_miss=1)) == "SH"


def test_legacy_mania_weights_max_like_300() -> None:
    score = _legacy("mania", count_geki=10, count_300=10)
    assert accuracy(score) == 1.0
    assert grade(score) == "X"
    assert grade(_legacy("mania", ["FI"], count_geki=10, count_300=10)) == "XH"
    v2 = _legacy("mania", ["SV2"], count_geki=10, count_300=10)
    assert accuracy(v2) == pytest.approx((3050 + 3000) / 6100)


def test_v1_shape() -> None:
    score = {"count300": "392", "count100": "11", "count50": "0", "countmiss": "0", "countkatu": "11",
             "countgeki": "165", "enabled_mods": "72", "rank": "SH"}
    assert grade(score, "osu") == "SH"
    assert accuracy(score, 0) == pytest.approx((392 * 300 + 11 * 100) / (403 * 300))
    assert grade({**score, "pass": "0"}, "osu") == "F"
    with pytest.raises(ValueError, match="ruleset"):
        grade(score)


def test_failed_is_f() -> None:
    assert grade(_legacy("osu", passed=False, count_300=100)) == "F"
    assert legacy_grade({"count_300": 1}, "osu", passed=False) == "F"


# --- lazer rules -----------------------------------------------------------------------------


def _lazer(ruleset_id: int, stats: dict[str, int], maximum: dict[str, int] | None,
           mods: list[str] | None = None, passed: bool = True) -> dict[str, Any]:
    score: dict[str, Any] = {
        "ruleset_id": ruleset_id, "passed": passed, "statistics": stats,
        "mods": [{"acronym": m} for m in mods or []], "legacy_score_id": None,
    }
    if maximum is not None:
        score["maximum_statistics"] = maximum
    return score


def test_lazer_osu_counts_ticks_and_caps_misses_at_a() -> None:
    stats = {"great": 100, "large_tick_hit": 50, "slider_tail_hit": 20, "miss": 1, "small_bonus": 7}
    maximum = {"great": 101, "large_tick_hit": 50, "slider_tail_hit": 20, "small_bonus": 9}
    score = _lazer(0, stats, maximum)
    assert accuracy(score) == pytest.approx((30000 + 1500 + 3000) / (30300 + 1500 + 3000))
    assert grade(score) == "A"  # 99.1% but a miss
    assert grade(_lazer(0, {"great": 19, "ok": 1}, {"great": 20}, ["HD"])) == "SH"
    assert grade(_lazer(0, {"great": 20}, {"great": 20}, ["FL"])) == "XH"


def test_lazer_taiko_ok_is_worth_150_and_thresholds_are_inclusive() -> None:
    score = _lazer(1, {"great": 90, "ok": 10, "large_bonus": 5}, {"great": 100, "large_bonus": 5})
    assert accuracy(score) == pytest.approx(0.95)
    assert grade(score) == "S"  # lazer: 95% or more (stable's rule would give A here)


def test_lazer_fruits() -> None:
    score = _lazer(2, {"great": 49, "miss": 1}, {"great": 50})
    assert accuracy(score) == pytest.approx(0.98)
    assert grade(score) == "S"  # lazer: 98% or more
    ticks = _lazer(2, {"great": 10, "large_tick_hit": 5, "small_tick_hit": 5, "small_tick_miss": 1},
                   {"great": 10, "large_tick_hit": 5, "small_tick_hit": 6})
    assert accuracy(ticks) == pytest.approx(20 / 21)


def test_lazer_mania_perfect_is_305_and_ss_without_imperfect() -> None:
    score = _lazer(3, {"perfect": 2, "great": 2}, {"perfect": 4})
    assert accuracy(score) == pytest.approx((610 + 600) / 1220)
    assert grade(score) == "X"
    assert grade(_lazer(3, {"perfect": 2, "great": 2}, {"perfect": 4}, ["CO"])) == "XH"
    assert grade(_lazer(3, {"perfect": 95, "good": 5}, {"perfect": 100})) == "S"


def test_lazer_failed_is_f() -> None:
    assert grade(_lazer(0, {"great": 10}, {"great": 10}, passed=False)) == "F"
    assert grade(_lazer(0, {"great": 10}, {"great": 10}), passed=False) == "F"


def test_lazer_imported_stable_score_uses_lazer_rules() -> None:
    """Stable scores imported into lazer (legacy_score_id set, Classic added) are graded by lazer's rules."""
    score = _lazer(3, {"perfect": 3245, "great": 1203, "good": 202, "ok": 39, "meh": 17, "miss": 51},
                   {"perfect": 4757, "legacy_combo_increase": 840}, ["CL"])
    score["legacy_score_id"] = 661835712
    expected = (3245 * 305 + 1203 * 300 + 202 * 200 + 39 * 100 + 17 * 50) / (4757 * 305)
    assert accuracy(score) == pytest.approx(expected)
    assert grade(score) == "S"


def test_lazer_without_maximum_statistics_estimates_them() -> None:
    score = _lazer(0, {"great": 9, "ok": 1}, None)
    assert accuracy(score) == pytest.approx(2800 / 3000)
    assert lazer_accuracy({"great": 1}, None, "osu") == 1.0
    assert lazer_accuracy({}, {}, "osu") == 1.0
    assert lazer_grade({"great": 9, "miss": 1}, {"great": 10}, "osu") == "A"
    assert legacy_accuracy({}, "mania") == 1.0


def test_rejects_non_scores() -> None:
    with pytest.raises(TypeError):
        accuracy(42)
    with pytest.raises(ValueError, match="statistics"):
        accuracy({"mode": "osu"})


def test_docstring_examples() -> None:
    result = doctest.testmod(accuracy_module)
    assert result.failed == 0 and result.attempted > 5
