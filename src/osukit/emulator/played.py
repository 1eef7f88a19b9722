"""A scripted player's finished score that fits the beatmap it was played on.

The emulated referee hub's ``players/{id}/finish`` control takes a score and an accuracy; the
score recorded for it gets judgement counts over the beatmap's hit objects (circles, sliders and
spinners in the emulator's world) that give that accuracy as closely as the object count
allows, a max combo no higher than the beatmap's, and the grade osukit.game gives those
judgements (lazer's ``RankFromScore`` with the mods' adjustment). A ``finish`` without ``score``
gets a total score that fits that accuracy and combo: `standardised_score`, an estimate of lazer's
standardised scoring."""

from __future__ import annotations

import itertools
import math
from collections.abc import Mapping, Sequence
from typing import Any

from ..enums import Ruleset
from ..game.accuracy import lazer_accuracy, lazer_grade
from ..game.statistics import base_score

__all__ = ["finished_score", "standardised_score"]

# Judgements from best to worst that a played object may get, per ruleset (lazer's HitResult names).
_LADDER: dict[Ruleset, tuple[str, ...]] = {
    Ruleset.OSU: ("great", "ok", "meh", "miss"),
    Ruleset.TAIKO: ("great", "ok", "miss"),
    Ruleset.FRUITS: ("great", "miss"),
    Ruleset.MANIA: ("perfect", "great", "good", "ok", "meh", "miss"),
}


# lazer's standardised scoring (ppy/osu ``osu.Game.Rulesets.*/Scoring/*ScoreProcessor.cs``,
# ``ComputeTotalScore``): up to 1,000,000 split into a combo portion and an accuracy portion, the latter
# weighted by a power of the accuracy, per ruleset: (combo portion, accuracy portion, exponent of accuracy;
# None: mania's ``2 + 2 * accuracy``).
_PORTIONS: dict[Ruleset, tuple[int, int, float | None]] = {
    Ruleset.OSU: (700_000, 300_000, 10.0),
    Ruleset.TAIKO: (250_000, 750_000, 3.6),
    Ruleset.FRUITS: (600_000, 400_000, 1.0),
    Ruleset.MANIA: (10_000, 990_000, None),
}


def standardised_score(ruleset: Ruleset | int | str, *, accuracy: float, combo_share: float) -> int:
    """An estimate of lazer's standardised total score (no bonus, no mod multiplier) of a finished play
    at ``accuracy`` (0-1) whose max combo is ``combo_share`` (0-1) of the beatmap's.

    lazer's total is ``COMBO * combo_progress + ACCURACY * accuracy ** k * accuracy_progress`` (osu!:
    700,000 + 300,000 with k = 10; taiko: 250,000 + 750,000, k = 3.6; catch: 600,000 + 400,000, k = 1;
    mania: 10,000 + 990,000, k = 2 + 2 * accuracy). A finished play judged every object
    (``accuracy_progress`` 1); ``combo_progress`` is taken as the max combo's share of the beatmap's,
    where lazer weights each hit by the combo it was made at (so a broken combo scores a little less
    there than here). A perfect play scores 1,000,000."""
    combo_part, accuracy_part, power = _PORTIONS[Ruleset.parse(ruleset)]
    acc = min(max(accuracy, 0.0), 1.0)
    share = min(max(combo_share, 0.0), 1.0)
    exponent = 2 + 2 * acc if power is None else power
    total: float = combo_part * share + accuracy_part * acc ** exponent
    return round(total)


def _judgements(objects: int, accuracy: float, ruleset: Ruleset) -> dict[str, int]:
    """Counts over ``objects`` of two neighbouring judgements whose accuracy is nearest ``accuracy``."""
    ladder = _LADDER[ruleset]
    top = base_score(ladder[0], ruleset)
    target = min(max(accuracy, 0.0), 1.0)
    for hi, lo in itertools.pairwise(ladder):
        w_hi, w_lo = base_score(hi, ruleset), base_score(lo, ruleset)
        if target * top >= w_lo or lo == ladder[-1]:
            # accuracy is linear in the number k of `lo` judgements: (w_hi (n - k) + w_lo k) / (top n)
            k = round(objects * (w_hi - target * top) / (w_hi - w_lo))
            k = min(max(k, 0), objects)
            return {name: count for name, count in ((hi, objects - k), (lo, k)) if count}
    return {ladder[0]: objects}  # not reached: the last pair ends at the miss


def finished_score(beatmap: Mapping[str, Any], ruleset_id: int, *, accuracy: float, passed: bool,
                   mods: Sequence[str], max_combo: int | None = None) -> dict[str, Any]:
    """``statistics``, ``maximum_statistics``, ``accuracy``, ``max_combo``, ``rank``,
    ``is_perfect_combo``, ``legacy_perfect`` and ``total_score`` (`standardised_score` of the accuracy
    and combo) of a score set on ``beatmap`` (a world beatmap) at about ``accuracy`` (0-1). ``max_combo``, when given, is kept but never above the beatmap's; by
    default it is the beatmap's max combo split evenly by the misses."""
    ruleset = Ruleset.from_id(ruleset_id)
    objects = max(1, sum(int(beatmap.get(k) or 0) for k in ("count_circles", "count_sliders", "count_spinners")))
    full_combo = int(beatmap.get("max_combo") or objects)
    statistics = _judgements(objects, accuracy, ruleset)
    maximum = {_LADDER[ruleset][0]: objects}
    misses = statistics.get("miss", 0)
    longest = full_combo if misses == 0 else math.ceil(max(full_combo - misses, 0) / (misses + 1))
    combo = min(max_combo, full_combo) if max_combo is not None else longest
    acronyms = [{"acronym": m} for m in mods]
    achieved = lazer_accuracy(statistics, maximum, ruleset)
    return {
        "statistics": statistics,
        "maximum_statistics": maximum,
        "accuracy": achieved,
        "max_combo": max(combo, 0),
        "rank": lazer_grade(statistics, maximum, ruleset, acronyms, passed=passed),
        "is_perfect_combo": combo >= full_combo,
        "legacy_perfect": combo >= full_combo,
        "total_score": standardised_score(ruleset, accuracy=achieved, combo_share=max(combo, 0) / full_combo),
    }
