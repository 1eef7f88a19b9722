"""Tests for osukit.game.statistics: HitResult and the legacy <-> lazer conversions."""

from __future__ import annotations

import doctest
import importlib
import json
from pathlib import Path
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from osukit.game.accuracy import lazer_accuracy, legacy_accuracy
from osukit.game.statistics import (
    LEGACY_KEYS,
    HitResult,
    base_score,
    derive_maximum_statistics,
    normalize_legacy,
    to_lazer,
    to_legacy,
)

# importlib, not "import ... as": osukit.game may re-export a function under the module's name
statistics_module = importlib.import_module("osukit.game.statistics")

REPO = Path(__file__).resolve().parents[2]
SHARED = REPO.parent / "shared"
CORPUS = SHARED / "corpus"


def test_hit_result_predicates_follow_lazer() -> None:
    accuracy_results = {r.value for r in HitResult if r.affects_accuracy}
    assert accuracy_results == {
        "miss", "meh", "ok", "good", "great", "perfect", "small_tick_miss", "small_tick_hit",
        "large_tick_miss", "large_tick_hit", "slider_tail_hit",
    }
    assert HitResult("large_bonus").is_bonus and not HitResult("large_bonus").affects_accuracy
    assert HitResult("great").is_basic and HitResult("great").is_hit
    assert HitResult("combo_break").is_miss and not HitResult("combo_break").affects_accuracy
    assert HitResult("slider_tail_hit").is_tick
    future = HitResult("brand_new_result")
    assert not future.is_known and not future.affects_accuracy and not future.is_hit


def test_base_scores_per_ruleset() -> None:
    assert base_score("great", "osu") == 300
    assert base_score(HitResult.OK, "osu") == 100
    assert base_score("ok", "taiko") == 150
    assert base_score("perfect", "mania") == 305
    assert base_score("perfect", "osu") == 300
    assert base_score("small_tick_hit", "fruits") == 300
    assert base_score("small_tick_hit", "osu") == 10
    assert base_score("ignore_hit", "osu") == 0


def test_to_lazer_per_ruleset() -> None:
    counts = {"count_300": 6, "count_100": 5, "count_50": 4, "count_miss": 3, "count_geki": 2, "count_katu": 1}
    assert to_lazer(counts, "osu") == {"great": 6, "ok": 5, "meh": 4, "miss": 3}
    assert to_lazer(counts, "taiko") == {"great": 6, "ok": 5, "miss": 3, "large_bonus": 3}
    assert to_lazer(counts, "fruits") == {
        "great": 6, "large_tick_hit": 5, "small_tick_hit": 4, "small_tick_miss": 1, "miss": 3,
    }
    assert to_lazer(counts, "mania") == {"perfect": 2, "great": 6, "good": 1, "ok": 5, "meh": 4, "miss": 3}
    v1 = {"count300": "6", "count100": "5", "count50": "4", "countmiss": "3", "countgeki": "2", "countkatu": "1"}
    assert to_lazer(v1, "mania") == to_lazer(counts, "mania")
    assert to_lazer({"great": 3, "ok": 0}, "osu") == {"great": 3}


def test_to_legacy_per_ruleset() -> None:
    assert to_legacy({"great": 6, "ok": 5, "meh": 4, "miss": 3, "large_tick_hit": 9}, "osu") == {
        "count_300": 6, "count_100": 5, "count_50": 4, "count_miss": 3, "count_geki": 0, "count_katu": 0,
    }
    assert to_legacy({"great": 6, "ok": 5, "miss": 3, "large_bonus": 2}, "taiko")["count_geki"] == 2
    fruits = to_legacy({"great": 6, "large_tick_hit": 5, "small_tick_hit": 4, "small_tick_miss": 1,
                        "miss": 3, "large_tick_miss": 2}, "fruits")
    assert fruits == {"count_300": 6, "count_100": 5, "count_50": 4, "count_miss": 5, "count_geki": 0, "count_katu": 1}
    assert to_legacy({"count_300": "1"}, "osu")["count_300"] == 1


_counts = st.integers(min_value=0, max_value=5000)


@settings(max_examples=200, deadline=None)
@given(st.sampled_from(["osu", "taiko", "fruits", "mania"]), st.fixed_dictionaries(dict.fromkeys(LEGACY_KEYS, _counts)))
def test_legacy_lazer_roundtrip(ruleset: str, counts: dict[str, int]) -> None:
    expected = dict(counts)
    if ruleset == "osu":  # stable's combo-end geki/katu have no lazer judgement
        expected["count_geki"] = expected["count_katu"] = 0
    elif ruleset == "taiko":  # both become large_bonus; 50s do not exist
        expected["count_geki"] += expected["count_katu"]
        expected["count_katu"] = expected["count_50"] = 0
    elif ruleset == "fruits":
        expected["count_geki"] = 0
    assert to_legacy(to_lazer(counts, ruleset), ruleset) == expected


@settings(max_examples=200, deadline=None)
@given(st.sampled_from(["osu", "taiko", "fruits"]), st.fixed_dictionaries(dict.fromkeys(LEGACY_KEYS, _counts)))
def test_lazer_and_stable_accuracy_agree_outside_mania(ruleset: str, counts: dict[str, int]) -> None:
    """osu!, taiko and catch weights match between stable and lazer when no ticks are involved."""
    if ruleset == "taiko":
        counts["count_50"] = 0
    lazer = to_lazer(counts, ruleset)
    got = lazer_accuracy(lazer, derive_maximum_statistics(lazer, ruleset), ruleset)
    assert got == pytest.approx(legacy_accuracy(counts, ruleset), abs=1e-12)


def _legacy_corpus_scores() -> list[dict[str, Any]]:
    found: list[dict[str, Any]] = []

    def walk(node: Any) -> None:
        if isinstance(node, dict):
            stats = node.get("statistics")
            if isinstance(stats, dict) and "count_300" in stats and "mode" in node and "accuracy" in node:
                found.append(node)
            for value in node.values():
                walk(value)
        elif isinstance(node, list):
            for item in node:
                walk(item)

    for path in sorted(CORPUS.glob("v2/*.json")):
        try:
            walk(json.loads(path.read_bytes()))
        except ValueError:
            continue
    return found


def test_corpus_legacy_statistics_convert() -> None:
    """Every legacy-shaped corpus score converts to lazer and back, and lazer accuracy agrees outside mania."""
    scores = _legacy_corpus_scores()
    assert len(scores) >= 60
    for score in scores:
        stats, mode = score["statistics"], score["mode"]
        lazer = to_lazer(stats, mode)
        if mode != "mania":
            acc = lazer_accuracy(lazer, derive_maximum_statistics(lazer, mode), mode)
            assert acc == pytest.approx(score["accuracy"], abs=1e-9)
        assert to_legacy(lazer, mode)["count_300"] == normalize_legacy(stats)["count_300"]


def test_derive_maximum_statistics() -> None:
    got = derive_maximum_statistics({"great": 5, "ok": 2, "miss": 1, "large_tick_miss": 1, "large_tick_hit": 3,
                                     "small_tick_miss": 2, "small_tick_hit": 4, "large_bonus": 9}, "fruits")
    assert got == {"great": 8, "large_tick_hit": 4, "small_tick_hit": 6}
    assert derive_maximum_statistics({"great": 5, "good": 1}, "mania") == {"perfect": 6}


def test_bad_counts() -> None:
    with pytest.raises(ValueError):
        normalize_legacy({"count_300": "many"})
    with pytest.raises(ValueError):
        to_lazer({"count_300": True}, "osu")


def test_docstring_examples() -> None:
    result = doctest.testmod(statistics_module)
    assert result.failed == 0 and result.attempted > 5
