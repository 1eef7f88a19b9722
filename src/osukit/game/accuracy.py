"""Accuracy and grade (rank) of a score, by osu!'s own rules, for all four rulesets.

[`accuracy`][osukit.game.accuracy.accuracy] and [`grade`][osukit.game.accuracy.grade] take a score as the API sends it (a plain
dict) or as an osukit model (any ``msgspec.Struct``, or a Mapping) and pick the
rules from its shape:

* **stable rules** for scores in stable's shape: API v1 (``count300``,
  ``enabled_mods``) and API v2's legacy shape (``statistics.count_300``…,
  ``mode``). These follow osu-web ``app/Models/Traits/Scoreable.php``, which
  produces the ``accuracy`` and ``rank`` of that shape: osu! and taiko grade by
  the ratio of 300s, fruits and mania by accuracy, mania weights MAX and 300 the
  same, catch counts every fruit, droplet and tiny droplet alike, and HD, FL or
  FI turn S/SS silver (SH/XH).
* **lazer rules** for scores in lazer's shape (``statistics.great``…,
  ``maximum_statistics``, ``ruleset_id``), including stable scores imported into
  lazer (``legacy_score_id``): accuracy is the sum of the base scores of the
  judgements over their maximum (ppy/osu ``StandardisedScoreMigrationTools
  .ComputeAccuracy`` with each ruleset's ``GetBaseScoreForResult``: mania's
  PERFECT is 305, taiko's OK 150, catch counts ticks as 300), and the grade is
  ``ScoreProcessor.RankFromScore`` with the rulesets' overrides (a miss caps
  osu!/taiko at A, catch has its own cut-offs, mania gives SS without
  imperfect judgements) plus the mods' ``AdjustRank`` (HD, FL, and mania's FI
  and CO give silver).

A failed score (``passed`` false, v1 ``pass`` 0) has grade ``F``.

For example:

```pycon
>>> score = {"mode": "osu", "mods": ["HD", "DT"], "passed": True,
...          "statistics": {"count_300": 392, "count_100": 11, "count_50": 0, "count_miss": 0}}
>>> round(accuracy(score), 6), grade(score)
(0.981803, 'SH')

```
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any, Literal

import msgspec

from .._exceptions import InvalidParameterError
from .._models import Model, dump
from ..enums import Ruleset
from .mods import Mod, ModError, Mods
from .statistics import (
    HitResult,
    base_score,
    derive_maximum_statistics,
    normalize_lazer,
    normalize_legacy,
)

__all__ = [
    "Grade",
    "accuracy",
    "grade",
    "lazer_accuracy",
    "lazer_grade",
    "legacy_accuracy",
    "legacy_grade",
]

Grade = Literal["XH", "X", "SH", "S", "A", "B", "C", "D", "F"]
"""A grade as the API spells ``rank``: ``X`` is SS, ``XH``/``SH`` the silver (hidden/flashlight) ones."""

ModsArg = Mods | str | int | list[Any] | tuple[Any, ...] | None

# ppy/osu: ModHidden and ModFlashlight (every ruleset) implement AdjustRank; mania's Fade In and Cover
# derive from ModHidden (ManiaModWithPlayfieldCover).
_LAZER_SILVER = frozenset({"HD", "FL"})
_LAZER_SILVER_MANIA = frozenset({"HD", "FL", "FI", "CO"})
# osu-web Scoreable::shouldHaveHiddenRank.
_LEGACY_SILVER = frozenset({"HD", "FL", "FI"})


def _mods_of(mods: ModsArg) -> Mods:
    if isinstance(mods, Mods):
        return mods
    if mods is None:
        return Mods()
    if isinstance(mods, (list, tuple)):
        return Mods._from_json(list(mods))
    return Mods._from_json(mods)


def _silver(rank: Grade, silver: bool) -> Grade:
    if silver and rank == "X":
        return "XH"
    if silver and rank == "S":
        return "SH"
    return rank


# ----------------------------------------------------------------------------------------------
# Stable rules (osu-web Scoreable)


def _legacy_totals(c: Mapping[str, int], ruleset: Ruleset, score_v2: bool) -> tuple[float, float]:
    n300, n100, n50 = c["count_300"], c["count_100"], c["count_50"]
    miss, geki, katu = c["count_miss"], c["count_geki"], c["count_katu"]
    if ruleset is Ruleset.OSU:
        return n50 * 50 + n100 * 100 + n300 * 300, (n50 + n100 + n300 + miss) * 300
    if ruleset is Ruleset.TAIKO:
        return n100 * 150 + n300 * 300, (n100 + n300 + miss) * 300
    if ruleset is Ruleset.FRUITS:
        return n50 + n100 + n300, n50 + n100 + n300 + miss + katu
    objects = n50 + n100 + n300 + miss + katu + geki
    if score_v2:
        return n50 * 50 + n100 * 100 + katu * 200 + n300 * 300 + geki * 305, objects * 305
    return n50 * 50 + n100 * 100 + katu * 200 + (n300 + geki) * 300, objects * 300


def legacy_accuracy(stats: Mapping[str, Any], ruleset: Ruleset | str | int, *, score_v2: bool = False) -> float:
    """Stable's accuracy (0-1) from its six counts (v1 or v2 spelling); 1.0 when there are no hits.

    ``score_v2`` weights mania's MAX at 305 (a ScoreV2 match); osu-web does the same.

        >>> legacy_accuracy({"count_300": 624, "count_100": 48, "count_miss": 1}, "fruits")
        0.9985141158989599
    """
    hits, total = _legacy_totals(normalize_legacy(stats), Ruleset.parse(ruleset), score_v2)
    return 1.0 if total == 0 else hits / total


def legacy_grade(
    stats: Mapping[str, Any],
    ruleset: Ruleset | str | int,
    mods: ModsArg = None,
    *,
    passed: bool = True,
    score_v2: bool | None = None,
) -> Grade:
    """Stable's grade from its six counts, as osu-web recalculates ``rank`` for the legacy shape.

    osu!/taiko: SS for 100% 300s; S for over 90% 300s, at most 1% 50s (under 1%
    in taiko) and no miss; A for over 80% 300s without a miss or over 90%; B
    for over 70% without a miss or over 80%; C over 60%; else D. fruits: SS at
    100%, then S/A/B/C above 98/94/90/85%. mania: SS at 100%, then above
    95/90/80/70%. HD, FL or FI make S and SS silver. Not passed: F.

        >>> legacy_grade({"count_300": 392, "count_100": 11}, "osu", ["HD", "DT"])
        'SH'
    """
    rs = Ruleset.parse(ruleset)
    if not passed:
        return "F"
    m = _mods_of(mods)
    v2 = ("SV2" in m) if score_v2 is None else score_v2
    c = normalize_legacy(stats)
    hits, total = _legacy_totals(c, rs, v2)
    acc = 1.0 if total == 0 else hits / total
    silver = any(a in m for a in _LEGACY_SILVER)
    rank: Grade
    if rs in (Ruleset.OSU, Ruleset.TAIKO):
        count = total / 300
        r300 = 1.0 if total == 0 else c["count_300"] / count
        r50 = 1.0 if total == 0 else c["count_50"] / count
        few_50s = r50 <= 0.01 if rs is Ruleset.OSU else r50 < 0.01
        no_miss = c["count_miss"] == 0
        if r300 == 1.0:
            rank = "X"
        elif r300 > 0.9 and few_50s and no_miss:
            rank = "S"
        elif (r300 > 0.8 and no_miss) or r300 > 0.9:
            rank = "A"
        elif (r300 > 0.7 and no_miss) or r300 > 0.8:
            rank = "B"
        elif r300 > 0.6:
            rank = "C"
        else:
            rank = "D"
    else:
        cut = (0.98, 0.94, 0.9, 0.85) if rs is Ruleset.FRUITS else (0.95, 0.9, 0.8, 0.7)
        if acc == 1.0:
            rank = "X"
        elif acc > cut[0]:
            rank = "S"
        elif acc > cut[1]:
            rank = "A"
        elif acc > cut[2]:
            rank = "B"
        elif acc > cut[3]:
            rank = "C"
        else:
            rank = "D"
    return _silver(rank, silver)


# ----------------------------------------------------------------------------------------------
# Lazer rules (ppy/osu ScoreProcessor and the rulesets' overrides)


def lazer_accuracy(
    statistics: Mapping[str, Any],
    maximum_statistics: Mapping[str, Any] | None,
    ruleset: Ruleset | str | int,
) -> float:
    """Lazer's accuracy (0-1): base score of the judgements over the base score of their maximum.

    Only judgements that affect accuracy count (not bonus, ``ignore_*``,
    ``combo_break``, ``legacy_combo_increase``). Without ``maximum_statistics``
    they are estimated with [`derive_maximum_statistics`][osukit.game.statistics.derive_maximum_statistics].

        >>> lazer_accuracy({"great": 97, "perfect": 425, "miss": 1}, {"perfect": 523}, "mania")
        0.9950474876970817
    """
    rs = Ruleset.parse(ruleset)
    stats = normalize_lazer(statistics)
    maximum = normalize_lazer(maximum_statistics) if maximum_statistics else derive_maximum_statistics(stats, rs)

    def total(s: Mapping[str, int]) -> int:
        return sum(n * base_score(k, rs) for k, n in s.items() if HitResult(k).affects_accuracy)

    top = total(maximum)
    return 1.0 if top == 0 else total(stats) / top


def lazer_grade(
    statistics: Mapping[str, Any],
    maximum_statistics: Mapping[str, Any] | None,
    ruleset: Ruleset | str | int,
    mods: ModsArg = None,
    *,
    passed: bool = True,
) -> Grade:
    """Lazer's grade: ``RankFromScore`` on [`lazer_accuracy`][osukit.game.accuracy.lazer_accuracy], then the mods' rank adjustment.

    SS at 100%, else S/A/B/C at 95/90/80/70% or more (fruits: 98/94/90/85%);
    osu! and taiko drop S and SS to A on any miss; mania gives SS to an S
    without good/ok/meh/miss judgements; HD and FL (and mania's FI, CO) make S
    and SS silver. Not passed: F.

        >>> lazer_grade({"great": 97, "perfect": 425, "miss": 1}, {"perfect": 523}, "mania", [{"acronym": "4K"}])
        'S'
    """
    rs = Ruleset.parse(ruleset)
    if not passed:
        return "F"
    acc = lazer_accuracy(statistics, maximum_statistics, rs)
    stats = normalize_lazer(statistics)
    cut = (0.98, 0.94, 0.9, 0.85) if rs is Ruleset.FRUITS else (0.95, 0.9, 0.8, 0.7)
    rank: Grade
    if acc == 1.0:
        rank = "X"
    elif acc >= cut[0]:
        rank = "S"
    elif acc >= cut[1]:
        rank = "A"
    elif acc >= cut[2]:
        rank = "B"
    elif acc >= cut[3]:
        rank = "C"
    else:
        rank = "D"
    if rs in (Ruleset.OSU, Ruleset.TAIKO) and rank in ("S", "X") and stats.get("miss", 0) > 0:
        rank = "A"
    if rs is Ruleset.MANIA and rank == "S" and not any(stats.get(k, 0) for k in ("good", "ok", "meh", "miss")):
        rank = "X"
    m = _mods_of(mods)
    silver_mods = _LAZER_SILVER_MANIA if rs is Ruleset.MANIA else _LAZER_SILVER
    return _silver(rank, any(a in m for a in silver_mods))


# ----------------------------------------------------------------------------------------------
# Whole scores


@dataclass(frozen=True)
class _Score:
    legacy: bool
    ruleset: Ruleset
    statistics: Mapping[str, Any]
    maximum_statistics: Mapping[str, Any] | None
    mods: Mods
    passed: bool


def _enc_hook(obj: Any) -> Any:
    if isinstance(obj, Mods):
        return obj.to_json_value()
    if isinstance(obj, Mod):
        return obj.to_api()
    to_json = getattr(obj, "to_json_value", None)
    if callable(to_json):
        return to_json()
    return str(obj)


def _as_mapping(score: Any) -> Mapping[str, Any]:
    if isinstance(score, Model):
        # The score as osu! sent it: unknown members included, no internal state.
        data = dump(score)
        if not isinstance(data, dict):  # pragma: no cover - a model always dumps to an object
            raise InvalidParameterError(f"{type(score).__name__} is not a score")
        return data
    if isinstance(score, msgspec.Struct):
        built = msgspec.to_builtins(score, enc_hook=_enc_hook)
        if not isinstance(built, dict):
            raise InvalidParameterError(f"{type(score).__name__} is not a score")
        return built
    if isinstance(score, Mapping):
        return score
    raise InvalidParameterError(f"expected a score as a dict or an osukit model, not {type(score).__name__}")


def _ruleset_of(data: Mapping[str, Any], ruleset: Ruleset | str | int | None) -> Ruleset:
    if ruleset is not None:
        return Ruleset.parse(ruleset)
    for key in ("ruleset_id", "mode_int"):
        value = data.get(key)
        if isinstance(value, int) and not isinstance(value, bool):
            return Ruleset.from_id(value)
    for key in ("mode", "ruleset"):
        value = data.get(key)
        if isinstance(value, (str, int)) and not isinstance(value, bool):
            return Ruleset.parse(value)
    raise InvalidParameterError(
        "cannot tell the score's ruleset (no ruleset_id, mode_int or mode); pass ruleset=, "
        "e.g. the m= of a v1 request"
    )


def _truthy(value: Any) -> bool:
    if isinstance(value, str):
        return value.strip() not in ("", "0", "false", "False")
    return bool(value)


def _read(score: Any, ruleset: Ruleset | str | int | None) -> _Score:
    data = _as_mapping(score)
    rs = _ruleset_of(data, ruleset)
    passed = _truthy(data["passed"]) if "passed" in data else _truthy(data.get("pass", True))
    if data.get("rank") == "F":  # v1 get_user_recent has no pass flag; its failed plays say rank F (as pp reads it)
        passed = False
    if "count300" in data or "countmiss" in data:  # API v1
        mods = Mods._from_json(data.get("enabled_mods") or 0)
        return _Score(True, rs, data, None, mods, passed)
    stats = data.get("statistics")
    if not isinstance(stats, Mapping):
        raise InvalidParameterError("the score has no statistics")
    raw_mods = data.get("mods")
    try:
        mods = _mods_of(raw_mods if isinstance(raw_mods, (list, str, int)) else None)
    except ModError as exc:
        raise InvalidParameterError(f"cannot read the score's mods: {exc}") from exc
    legacy = any(str(k).startswith("count_") for k in stats)
    maximum = data.get("maximum_statistics")
    return _Score(legacy, rs, stats, maximum if isinstance(maximum, Mapping) else None, mods, passed)


def accuracy(score: Any, ruleset: Ruleset | str | int | None = None) -> float:
    """The accuracy (0-1) of a score, as the API computes its ``accuracy``.

    ``score`` is a dict as the API sends it (v1, v2 legacy shape or v2 lazer
    shape) or an osukit model. ``ruleset`` is only needed when the score does
    not say (v1 scores). Stable rules apply to stable-shaped scores, lazer rules
    to lazer-shaped ones (see the module docs).

        >>> accuracy({"ruleset_id": 3, "statistics": {"great": 97, "perfect": 425, "miss": 1},
        ...           "maximum_statistics": {"perfect": 523}})
        0.9950474876970817
    """
    s = _read(score, ruleset)
    if s.legacy:
        return legacy_accuracy(s.statistics, s.ruleset, score_v2="SV2" in s.mods and s.ruleset is Ruleset.MANIA)
    return lazer_accuracy(s.statistics, s.maximum_statistics, s.ruleset)


def grade(score: Any, ruleset: Ruleset | str | int | None = None, *, passed: bool | None = None) -> Grade:
    """The grade (``rank``) of a score: ``XH``, ``X``, ``SH``, ``S``, ``A``, ``B``, ``C``, ``D`` or ``F``.

    Failed scores are ``F``: the score's ``passed`` (v1: ``pass``) decides, and
    a ``rank`` of ``"F"`` (v1's ``get_user_recent`` rows carry no pass flag, only
    that rank) counts as failed too, as [`osukit.game.performance`][osukit.game.performance] reads
    it; ``passed`` given here overrides both.

        >>> grade({"mode": "mania", "mods": [], "passed": True, "statistics": {
        ...     "count_geki": 3245, "count_300": 1203, "count_katu": 202,
        ...     "count_100": 39, "count_50": 17, "count_miss": 51}})
        'S'
    """
    s = _read(score, ruleset)
    ok = s.passed if passed is None else passed
    if s.legacy:
        return legacy_grade(s.statistics, s.ruleset, s.mods, passed=ok)
    return lazer_grade(s.statistics, s.maximum_statistics, s.ruleset, s.mods, passed=ok)
