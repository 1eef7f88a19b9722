"""Tests for osukit.game.pp (rosu-pp behind the ``pp`` extra).

The beatmaps in ``data/`` were written for these tests: an osu! map with
circles, a stream, sliders (linear, perfect-circle and bezier, with 0–2
repeats) and a spinner; a taiko map (dons, kats, finishers, a drumroll, a
swell); a catch map (fruits, juice streams, a banana shower); mania 4K and 7K
maps (notes, chords, holds); and two degenerate osu! maps (no objects, a
lone spinner). Converts are the osu! map computed as taiko, catch or mania.
"""

from __future__ import annotations

import os
import subprocess
import sys
from datetime import datetime, timezone
from pathlib import Path
from typing import Any

import msgspec
import pytest

import osukit
from osukit.enums import Ruleset
from osukit.game.pp import (
    BeatmapError,
    DifficultyResult,
    PerformanceResult,
    difficulty,
    load_beatmap,
    performance,
)
from osukit.game.replay import LazerReplayData, Replay

rosu = pytest.importorskip("rosu_pp_py")

REPO = Path(__file__).resolve().parents[2]
DATA = Path(__file__).resolve().parent / "data"
OSU = DATA / "osu_std.osu"
TAIKO = DATA / "taiko.osu"
CATCH = DATA / "catch.osu"
MANIA4 = DATA / "mania_4k.osu"
MANIA7 = DATA / "mania_7k.osu"
ALL_MAPS = [OSU, TAIKO, CATCH, MANIA4, MANIA7]


def _bytes(path: Path) -> bytes:
    return path.read_bytes()


# -------------------------------------------------------------------------- difficulty


@pytest.mark.parametrize(
    ("path", "ruleset"),
    [
        (OSU, Ruleset.OSU),
        (TAIKO, Ruleset.TAIKO),
        (CATCH, Ruleset.FRUITS),
        (MANIA4, Ruleset.MANIA),
        (MANIA7, Ruleset.MANIA),
    ],
)
def test_difficulty_basics_per_ruleset(path: Path, ruleset: Ruleset) -> None:
    d = difficulty(_bytes(path))
    assert isinstance(d, DifficultyResult)
    assert d.ruleset is ruleset and not d.is_convert
    assert d.stars > 0 and d.max_combo > 0
    assert d.lazer is True and d.clock_rate == 1.0 and d.mods == []
    assert d.attributes is not None and d.attributes.stars == d.stars
    if ruleset is Ruleset.OSU:
        assert d.aim and d.speed and d.n_circles == 80 and d.n_sliders == 12 and d.n_spinners == 1
    if ruleset is Ruleset.TAIKO:
        assert d.stamina and d.rhythm is not None and d.color is not None
    if ruleset is Ruleset.FRUITS:
        assert d.n_fruits and d.n_droplets and d.n_tiny_droplets
    if ruleset is Ruleset.MANIA:
        assert d.n_objects == 140 and d.n_hold_notes == 12


@pytest.mark.parametrize(("name", "combo"), [("empty.osu", 0), ("spinner_only.osu", 1)])
def test_degenerate_maps_do_not_break(name: str, combo: int) -> None:
    path = DATA / name
    d = difficulty(path)
    assert d.max_combo == combo and 0 <= d.stars < 1
    for kwargs in ({}, {"accuracy": 95}, {"full_combo": True}, {"misses": combo}):
        result = performance(None, path, **kwargs)
        assert 0 <= result.pp < 1
    with pytest.raises(osukit.InvalidParameterError, match="misses"):  # more misses than the map has objects
        performance(None, path, misses=combo + 1)
    for ruleset in ("taiko", "fruits", "mania"):
        assert difficulty(path, ruleset=ruleset).stars >= 0


def test_mania_key_counts() -> None:
    assert difficulty(MANIA4).mania_keys == 4
    assert difficulty(MANIA7).mania_keys == 7
    assert difficulty(OSU).mania_keys is None


@pytest.mark.parametrize("path", ALL_MAPS)
def test_dt_raises_and_ht_lowers_stars(path: Path) -> None:
    nm = difficulty(path).stars
    assert difficulty(path, "DT").stars > nm
    assert difficulty(path, "HT").stars < nm


def test_hr_raises_and_ez_lowers_osu_stars() -> None:
    nm = difficulty(OSU).stars
    assert difficulty(OSU, "HR").stars > nm
    assert difficulty(OSU, "EZ").stars < nm
    assert difficulty(CATCH, "HR").stars > difficulty(CATCH).stars


@pytest.mark.parametrize("path", [OSU, TAIKO, CATCH, MANIA4])
def test_same_stars_for_every_mods_spelling(path: Path) -> None:
    from osukit.game.mods import Mods

    spellings: list[Any] = [
        "HDDT",
        "+HD,DT",
        72,
        ["HD", "DT"],
        [{"acronym": "HD"}, {"acronym": "DT"}],
        Mods.parse("HDDT"),
        [{"acronym": "HD"}, {"acronym": "DT", "settings": {"speed_change": 1.5}}],
    ]
    stars = {round(difficulty(path, m).stars, 9) for m in spellings}
    assert len(stars) == 1
    pps = {round(performance(None, path, mods=m, accuracy=97).pp, 9) for m in spellings}
    assert len(pps) == 1


def test_dt_speed_change_settings() -> None:
    dt = difficulty(OSU, "DT")
    same = difficulty(OSU, [{"acronym": "DT", "settings": {"speed_change": 1.5}}])
    slower = difficulty(OSU, [{"acronym": "DT", "settings": {"speed_change": 1.2}}])
    assert same.stars == dt.stars and dt.clock_rate == 1.5
    assert difficulty(OSU).stars < slower.stars < dt.stars
    assert slower.clock_rate == pytest.approx(1.2)
    assert slower.mods == [{"acronym": "DT", "settings": {"speed_change": 1.2}}]
    # an explicit clock rate wins over the mods
    assert difficulty(OSU, clock_rate=1.5).stars == pytest.approx(dt.stars)


def test_converts() -> None:
    for ruleset in ("taiko", "fruits", "mania"):
        d = difficulty(OSU, ruleset=ruleset)
        assert d.is_convert and d.ruleset is Ruleset.parse(ruleset) and d.stars > 0
    assert difficulty(OSU, ruleset="mania").mania_keys in range(1, 11)
    assert difficulty(OSU, ruleset="osu").is_convert is False
    # only osu! maps convert
    with pytest.raises(ValueError, match="cannot be converted"):
        difficulty(MANIA4, ruleset="osu")
    with pytest.raises(ValueError, match="cannot be converted"):
        difficulty(TAIKO, ruleset="mania")


def test_beatmap_sources_agree(tmp_path: Path) -> None:
    expected = difficulty(OSU).stars
    text = OSU.read_text()
    assert difficulty(OSU.read_bytes()).stars == expected
    assert difficulty(bytearray(OSU.read_bytes())).stars == expected
    assert difficulty(str(OSU)).stars == expected
    assert difficulty(text).stars == expected
    parsed = load_beatmap(OSU)
    assert isinstance(parsed, rosu.Beatmap)
    assert load_beatmap(parsed) is parsed
    assert difficulty(parsed).stars == expected
    with pytest.raises(BeatmapError, match=r"missing\.osu"):
        difficulty(tmp_path / "missing.osu")
    with pytest.raises(osukit.InvalidParameterError):
        difficulty(12345)
    with pytest.raises(TypeError):  # still a TypeError for code that catches those
        difficulty(12345)


def test_bad_mods_are_rejected() -> None:
    with pytest.raises(ValueError):
        difficulty(OSU, "ZZ")
    with pytest.raises(ValueError):
        difficulty(OSU, "EZHR")


def test_classic_mod_means_stable_rules() -> None:
    assert difficulty(OSU, "CL").lazer is False
    assert difficulty(OSU, "HD").lazer is True
    assert difficulty(OSU, "HD", lazer=False).lazer is False


# ------------------------------------------------------------------------- performance


def _lazer_osu(**extra: Any) -> dict[str, Any]:
    score: dict[str, Any] = {
        "ruleset_id": 0,
        "mods": [{"acronym": "HD"}, {"acronym": "CL"}],
        "statistics": {"great": 85, "ok": 5, "meh": 0, "miss": 3},
        "max_combo": 60,
        "legacy_total_score": 1234567,
        "type": "solo_score",
    }
    score.update(extra)
    return score


def _legacy_osu(**extra: Any) -> dict[str, Any]:
    score: dict[str, Any] = {
        "mode": "osu",
        "mode_int": 0,
        "mods": ["HD"],
        "statistics": {
            "count_300": 85,
            "count_100": 5,
            "count_50": 0,
            "count_miss": 3,
            "count_geki": None,
            "count_katu": None,
        },
        "max_combo": 60,
        "score": 1234567,
        "type": "score_best_osu",
    }
    score.update(extra)
    return score


def test_lazer_and_legacy_shapes_agree_with_classic() -> None:
    lazer = performance(_lazer_osu(), OSU)
    legacy = performance(_legacy_osu(), OSU)
    v1 = performance(
        {
            "count300": "85",
            "count100": "5",
            "count50": "0",
            "countmiss": "3",
            "countgeki": "0",
            "countkatu": "0",
            "maxcombo": "60",
            "enabled_mods": "8",
            "score": "1234567",
        },
        OSU,
    )
    assert isinstance(lazer, PerformanceResult)
    assert lazer.lazer is False and legacy.lazer is False and v1.lazer is False
    assert lazer.pp == pytest.approx(legacy.pp, rel=1e-12)
    assert v1.pp == pytest.approx(legacy.pp, rel=1e-12)
    assert lazer.hits["n300"] == 85 and lazer.hits["misses"] == 3 and lazer.hits["combo"] == 60
    assert lazer.pp > 0 and lazer.pp_aim and lazer.pp_speed and lazer.pp_accuracy is not None


def test_lazer_score_without_classic_uses_lazer_rules_and_ticks() -> None:
    stats = {"great": 85, "ok": 5, "miss": 3, "large_tick_hit": 10, "slider_tail_hit": 9}
    score = _lazer_osu(mods=[{"acronym": "HD"}], statistics=stats)
    result = performance(score, OSU)
    assert result.lazer is True
    assert result.hits["large_tick_hits"] == 10 and result.hits["slider_end_hits"] == 9
    # missing slider ends cost pp under lazer rules
    all_ends = performance(
        _lazer_osu(mods=[{"acronym": "HD"}], statistics={**stats, "slider_tail_hit": 12}), OSU
    )
    assert all_ends.pp > result.pp
    # a legacy-shaped lazer score ("solo_score") is not classic either
    assert performance(_legacy_osu(type="solo_score"), OSU).lazer is True


def test_where_the_score_was_set_decides_lazer_rules() -> None:
    stats = {"great": 85, "ok": 5, "miss": 3, "large_tick_hit": 20, "small_tick_hit": 8}
    # set on lazer with Classic: lazer rules, and rosu-pp reads CL as classic slider accuracy
    on_lazer = performance(_lazer_osu(statistics=stats, build_id=7434, legacy_score_id=None), OSU)
    assert on_lazer.lazer is True
    assert on_lazer.hits["large_tick_hits"] == 20 and on_lazer.hits["small_tick_hits"] == 8
    without_cl = performance(
        _lazer_osu(statistics=stats, build_id=7434, legacy_score_id=None, mods=[{"acronym": "HD"}]), OSU
    )
    assert without_cl.pp != on_lazer.pp
    # imported from stable (no build id, a legacy id): stable rules even without CL in the mods
    imported = _lazer_osu(mods=[{"acronym": "HD"}], build_id=None, legacy_score_id=4580373803)
    assert performance(imported, OSU).lazer is False
    assert performance(imported, OSU).pp == pytest.approx(performance(_legacy_osu(), OSU).pp, rel=1e-12)
    # explicit override
    assert performance(imported, OSU, lazer=True).lazer is True


@pytest.mark.parametrize(
    ("path", "ruleset", "lazer_stats", "legacy_stats"),
    [
        (TAIKO, 1, {"great": 100, "ok": 8, "miss": 4}, {"count_300": 100, "count_100": 8, "count_miss": 4}),
        (
            CATCH,
            2,
            {
                "great": 60,
                "large_tick_hit": 15,
                "small_tick_hit": 30,
                "small_tick_miss": 2,
                "miss": 2,
                "large_tick_miss": 1,
            },
            {"count_300": 60, "count_100": 15, "count_50": 30, "count_katu": 2, "count_miss": 3},
        ),
        (
            MANIA4,
            3,
            {"perfect": 120, "great": 30, "good": 10, "ok": 5, "meh": 3, "miss": 4},
            {
                "count_geki": 120,
                "count_300": 30,
                "count_katu": 10,
                "count_100": 5,
                "count_50": 3,
                "count_miss": 4,
            },
        ),
    ],
)
def test_shapes_agree_for_other_rulesets(
    path: Path, ruleset: int, lazer_stats: dict[str, int], legacy_stats: dict[str, int]
) -> None:
    lazer = performance(
        {"ruleset_id": ruleset, "mods": [{"acronym": "CL"}], "statistics": lazer_stats, "max_combo": 50}, path
    )
    legacy = performance({"mode_int": ruleset, "mods": [], "statistics": legacy_stats, "max_combo": 50}, path)
    assert lazer.pp > 0
    assert lazer.pp == pytest.approx(legacy.pp, rel=1e-12)
    assert lazer.hits == legacy.hits


def test_full_combo_what_if() -> None:
    for score in (_legacy_osu(), _lazer_osu(), _lazer_osu(mods=[{"acronym": "HD"}])):
        actual = performance(score, OSU)
        fc = performance(score, OSU, full_combo=True)
        assert fc.pp >= actual.pp
        assert fc.hits["misses"] == 0 and fc.hits["combo"] == fc.max_combo
        assert fc.hits["n100"] == 5  # other judgements kept, misses become 300s
    for path in (TAIKO, CATCH, MANIA4):
        d = difficulty(path)
        score = {
            "mode_int": d.ruleset.id,
            "statistics": {"count_300": 60, "count_100": 5, "count_miss": 5},
            "max_combo": 20,
        }
        assert performance(score, path, full_combo=True).pp >= performance(score, path).pp
    with pytest.raises(ValueError, match="contradicts"):
        performance(_legacy_osu(), OSU, full_combo=True, misses=2)


@pytest.mark.parametrize("path", ALL_MAPS)
def test_accuracy_what_ifs_are_monotonic(path: Path) -> None:
    pps = [performance(None, path, accuracy=acc).pp for acc in (85, 90, 95, 98, 100)]
    assert pps == sorted(pps) and pps[0] < pps[-1]


def test_accuracy_as_fraction_and_bounds() -> None:
    assert performance(None, OSU, accuracy=0.98).pp == performance(None, OSU, accuracy=98).pp
    assert performance(None, OSU).pp == performance(None, OSU, accuracy=100).pp
    with pytest.raises(ValueError):
        performance(None, OSU, accuracy=101)
    # applied to a score: judgements regenerated, misses kept
    result = performance(_legacy_osu(), OSU, accuracy=95)
    assert result.hits["misses"] == 3


def test_miss_and_combo_what_ifs() -> None:
    pps = [performance(None, OSU, misses=m).pp for m in (0, 1, 3, 10)]
    assert pps == sorted(pps, reverse=True) and pps[0] > pps[-1]
    assert performance(_legacy_osu(), OSU, misses=0).pp > performance(_legacy_osu(), OSU).pp
    combos = [performance(None, OSU, combo=c).pp for c in (20, 60, 117)]
    assert combos == sorted(combos)
    assert performance(_legacy_osu(), OSU, combo=100).hits["combo"] == 100


def test_mods_override_and_dt_in_performance() -> None:
    base = performance(_legacy_osu(), OSU)
    dt = performance(_legacy_osu(), OSU, mods="HDDT")
    assert dt.pp > base.pp and dt.stars > base.stars
    assert dt.difficulty.clock_rate == 1.5


def test_msgspec_struct_score_is_read_like_a_dict() -> None:
    class Stats(msgspec.Struct):
        count_300: int
        count_100: int
        count_50: int
        count_miss: int
        count_geki: int | None = None
        count_katu: int | None = None

    class Score(msgspec.Struct):
        mode_int: int
        mods: list[str]
        statistics: Stats
        max_combo: int
        score: int
        type: str

    struct_score = Score(0, ["HD"], Stats(85, 5, 0, 3), 60, 1234567, "score_best_osu")
    assert performance(struct_score, OSU).pp == performance(_legacy_osu(), OSU).pp


def _replay(**fields: Any) -> Replay:
    base: dict[str, Any] = {
        "ruleset": Ruleset.OSU,
        "game_version": 20240101,
        "count_300": 85,
        "count_100": 5,
        "count_miss": 3,
        "max_combo": 60,
        "legacy_mods": 8,
        "total_score": 1234567,
        "timestamp": datetime(2024, 1, 1, tzinfo=timezone.utc),
    }
    base.update(fields)
    return Replay(**base)


def test_replay_as_score() -> None:
    stable = _replay()
    assert performance(stable, OSU).pp == pytest.approx(performance(_legacy_osu(), OSU).pp, rel=1e-12)
    assert performance(stable, OSU).lazer is False
    lazer = _replay(
        game_version=30000019,
        extra=LazerReplayData(
            mods=[{"acronym": "HD"}], statistics={"great": 85, "ok": 5, "miss": 3, "slider_tail_hit": 12}
        ),
    )
    result = performance(lazer, OSU)
    assert result.lazer is True and result.hits["slider_end_hits"] == 12
    # and through the .osr bytes
    assert performance(Replay.from_bytes(stable.to_bytes()), OSU).pp == performance(stable, OSU).pp


def test_score_ruleset_converts_the_map() -> None:
    score = {"ruleset_id": 1, "statistics": {"great": 80, "ok": 5, "miss": 3}, "max_combo": 40, "mods": []}
    result = performance(score, OSU)
    assert result.difficulty.ruleset is Ruleset.TAIKO and result.difficulty.is_convert
    mania = performance(None, OSU, ruleset="mania", accuracy=96)
    assert mania.difficulty.is_convert and mania.pp_difficulty is not None


def test_failed_scores_count_only_the_objects_reached() -> None:
    stats = {"great": 40, "ok": 3, "miss": 2}
    failed = performance(
        {"ruleset_id": 0, "passed": False, "statistics": stats, "max_combo": 30, "mods": []}, OSU
    )
    passed = performance(
        {"ruleset_id": 0, "passed": True, "statistics": stats, "max_combo": 30, "mods": []}, OSU
    )
    assert failed.passed_objects == 45 and passed.passed_objects is None
    assert failed.difficulty.stars < passed.difficulty.stars and failed.pp < passed.pp
    assert failed.hits["n300"] == 40
    v1 = {
        "count300": "40",
        "count100": "3",
        "countmiss": "2",
        "maxcombo": "30",
        "enabled_mods": "0",
        "rank": "F",
    }
    assert performance(v1, OSU).passed_objects == 45
    # catch: fruits and droplets are objects, tiny droplets are not
    catch = {
        "ruleset_id": 2,
        "passed": False,
        "mods": [],
        "max_combo": 30,
        "statistics": {"great": 30, "large_tick_hit": 5, "small_tick_hit": 10, "miss": 1},
    }
    result = performance(catch, CATCH)
    assert result.passed_objects == 36 and result.difficulty.max_combo == 36


def test_bad_score_type() -> None:
    with pytest.raises(TypeError):
        performance(42, OSU)


# ------------------------------------------------------------------------ missing extra


def test_rosu_is_imported_lazily() -> None:
    code = (
        "import sys; import osukit.game.pp, osukit.game.replay; print('rosu_pp_py' in sys.modules)"
    )
    out = subprocess.run(
        [sys.executable, "-c", code],
        capture_output=True,
        text=True,
        check=True,
        env={**os.environ, "PYTHONPATH": str(REPO / "src")},
    )
    assert out.stdout.strip() == "False"
