"""Hit statistics: lazer's [`HitResult`][osukit.game.statistics.HitResult] names and conversions to and from stable's counts.

Stable (and API v1, and v2's legacy score shape) counts hits as ``count_300``,
``count_100``, ``count_50``, ``count_miss``, ``count_geki`` and ``count_katu``,
whose meaning depends on the ruleset. Lazer (v2's current score shape) names
every judgement (``great``, ``ok``, ``large_tick_hit``…). The mapping follows
ppy/osu ``osu.Game/Scoring/Legacy/ScoreInfoExtensions.cs``:

========  ============  =============  ==============  ===========  ==================  ===============
ruleset   count_300     count_100      count_50        count_miss   count_geki          count_katu
========  ============  =============  ==============  ===========  ==================  ===============
osu       great         ok             meh             miss         (none)              (none)
taiko     great         ok             (none)          miss         large_bonus         large_bonus
fruits    great         large_tick_hit small_tick_hit  miss [#]_    (none)              small_tick_miss
mania     great         ok             meh             miss         perfect             good
========  ============  =============  ==============  ===========  ==================  ===============

.. [#] going to stable, fruits' ``count_miss`` is ``miss + large_tick_miss`` (a
   missed droplet breaks combo like a missed fruit); coming back all of it is ``miss``.

For example:

```pycon
>>> to_lazer({"count_300": 392, "count_100": 11, "count_50": 0, "count_miss": 0}, "osu")
{'great': 392, 'ok': 11}
>>> to_legacy({"perfect": 425, "great": 97, "miss": 1}, "mania")["count_geki"]
425

```
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from .._exceptions import InvalidParameterError
from ..enums import OsuStrEnum, Ruleset

__all__ = [
    "LEGACY_KEYS",
    "HitResult",
    "base_score",
    "derive_maximum_statistics",
    "normalize_lazer",
    "normalize_legacy",
    "to_lazer",
    "to_legacy",
]


class HitResult(OsuStrEnum):
    """A judgement, spelled as lazer and API v2 spell statistics keys (ppy/osu ``HitResult``).

    Unknown names decode to pseudo-members (``.is_known`` False) whose predicates are all False.
    """

    NONE = "none"
    MISS = "miss"
    MEH = "meh"
    OK = "ok"
    GOOD = "good"
    GREAT = "great"
    PERFECT = "perfect"
    SMALL_TICK_MISS = "small_tick_miss"
    SMALL_TICK_HIT = "small_tick_hit"
    LARGE_TICK_MISS = "large_tick_miss"
    LARGE_TICK_HIT = "large_tick_hit"
    SMALL_BONUS = "small_bonus"
    LARGE_BONUS = "large_bonus"
    IGNORE_MISS = "ignore_miss"
    IGNORE_HIT = "ignore_hit"
    COMBO_BREAK = "combo_break"
    SLIDER_TAIL_HIT = "slider_tail_hit"
    LEGACY_COMBO_INCREASE = "legacy_combo_increase"

    @property
    def is_scorable(self) -> bool:
        """Counts towards score at all (everything but none/ignore_hit/ignore_miss)."""
        return self.value in _SCORABLE

    @property
    def is_bonus(self) -> bool:
        """small_bonus or large_bonus."""
        return self.value in ("small_bonus", "large_bonus")

    @property
    def is_tick(self) -> bool:
        """A tick judgement (small/large tick hit or miss, slider tail hit)."""
        return self.value in ("small_tick_miss", "small_tick_hit", "large_tick_miss", "large_tick_hit", "slider_tail_hit")

    @property
    def is_basic(self) -> bool:
        """A judgement of a whole object: miss, meh, ok, good, great, perfect."""
        return self.value in ("miss", "meh", "ok", "good", "great", "perfect")

    @property
    def affects_accuracy(self) -> bool:
        """Counts in lazer's accuracy: scorable, not bonus, not combo_break/legacy_combo_increase."""
        return self.is_scorable and not self.is_bonus and self.value not in ("combo_break", "legacy_combo_increase")

    @property
    def is_hit(self) -> bool:
        """A successful judgement (not none and not a miss of any kind)."""
        return self.is_known and self.value not in (
            "none", "ignore_miss", "miss", "small_tick_miss", "large_tick_miss", "combo_break",
        )

    @property
    def is_miss(self) -> bool:
        """A miss of any kind (miss, tick misses, ignore_miss, combo_break)."""
        return self.value in ("ignore_miss", "miss", "small_tick_miss", "large_tick_miss", "combo_break")


_SCORABLE = frozenset({
    "miss", "meh", "ok", "good", "great", "perfect", "small_tick_miss", "small_tick_hit",
    "large_tick_miss", "large_tick_hit", "small_bonus", "large_bonus", "combo_break",
    "slider_tail_hit", "legacy_combo_increase",
})

# ppy/osu ScoreProcessor.GetBaseScoreForResult and the rulesets' overrides.
_BASE_SCORE: dict[str, int] = {
    "small_tick_hit": 10, "large_tick_hit": 30, "slider_tail_hit": 150, "meh": 50, "ok": 100,
    "good": 200, "great": 300, "perfect": 300, "small_bonus": 10, "large_bonus": 50,
}
_BASE_SCORE_BY_RULESET: dict[Ruleset, dict[str, int]] = {
    Ruleset.OSU: {},
    Ruleset.TAIKO: {"ok": 150},  # TaikoScoreProcessor
    Ruleset.FRUITS: {"great": 300, "large_tick_hit": 300, "small_tick_hit": 300, "large_bonus": 200},  # Catch
    Ruleset.MANIA: {"perfect": 305},  # ManiaScoreProcessor
}


def base_score(result: HitResult | str, ruleset: Ruleset | str | int) -> int:
    """The base score of one judgement in lazer's scoring for ``ruleset`` (0 for unknown results).

        >>> base_score("perfect", "mania"), base_score("ok", "taiko"), base_score("large_tick_hit", "fruits")
        (305, 150, 300)
    """
    rs = Ruleset.parse(ruleset)
    name = str(result.value if isinstance(result, HitResult) else result)
    override = _BASE_SCORE_BY_RULESET.get(rs, {})
    if name in override:
        return override[name]
    return _BASE_SCORE.get(name, 0)


#: The six stable count names as API v2 spells them.
LEGACY_KEYS: tuple[str, ...] = ("count_300", "count_100", "count_50", "count_miss", "count_geki", "count_katu")
_V1_KEYS = {
    "count300": "count_300", "count100": "count_100", "count50": "count_50",
    "countmiss": "count_miss", "countgeki": "count_geki", "countkatu": "count_katu",
}


def _as_int(value: Any, key: str) -> int:
    if value is None:
        return 0
    if isinstance(value, bool):
        raise InvalidParameterError(f"statistic {key!r} must be a count, not {value!r}")
    if isinstance(value, int):
        return value
    if isinstance(value, float) and value.is_integer():
        return int(value)
    if isinstance(value, str) and value.strip().lstrip("-").isdigit():
        return int(value)
    raise InvalidParameterError(f"statistic {key!r} must be a count, not {value!r}")


def normalize_legacy(stats: Mapping[str, Any]) -> dict[str, int]:
    """Stable counts under v2's names, from v2 (``count_300``) or v1 (``count300``, strings) spelling.

    ``null`` and missing counts become 0; other keys are ignored:

    ```pycon
    >>> normalize_legacy({"count300": "392", "countmiss": "0", "countgeki": None})
    {'count_300': 392, 'count_100': 0, 'count_50': 0, 'count_miss': 0, 'count_geki': 0, 'count_katu': 0}

    ```
    """
    out = dict.fromkeys(LEGACY_KEYS, 0)
    for key, value in stats.items():
        name = _V1_KEYS.get(key, key)
        if name in out:
            out[name] = _as_int(value, key)
    return out


_HIT_RESULT_NAMES = frozenset(r.value for r in HitResult)


def normalize_lazer(stats: Mapping[str, Any]) -> dict[str, int]:
    """Lazer statistics as ``{name: int}`` without zero entries (``null`` counts as 0).

    Judgements osukit does not know (osu! may add some) are left out, whatever
    their value: accuracy, grade and pp are computed from the judgements the
    ruleset scores, as osu! does with results it has no rule for:

    ```pycon
    >>> normalize_lazer({"great": 99, "ok": 1, "brand_new_judgement": 3})
    {'great': 99, 'ok': 1}

    ```
    """
    out: dict[str, int] = {}
    for key, value in stats.items():
        if key not in _HIT_RESULT_NAMES:
            continue
        n = _as_int(value, key)
        if n:
            out[str(key)] = n
    return out


def _is_legacy_shape(stats: Mapping[str, Any]) -> bool:
    return any(k in LEGACY_KEYS or k in _V1_KEYS for k in stats)


def to_lazer(stats: Mapping[str, Any], ruleset: Ruleset | str | int) -> dict[str, int]:
    """Convert stable counts (v2 ``count_300`` or v1 ``count300`` spelling) to lazer statistics.

    Zero counts are left out, as lazer leaves them out. Statistics already in
    lazer's names are returned normalised:

    ```pycon
    >>> to_lazer({"count_300": 624, "count_100": 48, "count_katu": 2, "count_miss": 1}, "fruits")
    {'great': 624, 'large_tick_hit': 48, 'small_tick_miss': 2, 'miss': 1}
    >>> to_lazer({"count300": "10", "countgeki": "4", "countkatu": "1"}, "taiko")
    {'great': 10, 'large_bonus': 5}

    ```
    """
    rs = Ruleset.parse(ruleset)
    if not _is_legacy_shape(stats):
        return normalize_lazer(stats)
    c = normalize_legacy(stats)
    out: dict[str, int]
    if rs is Ruleset.OSU:
        out = {"great": c["count_300"], "ok": c["count_100"], "meh": c["count_50"], "miss": c["count_miss"]}
    elif rs is Ruleset.TAIKO:
        out = {"great": c["count_300"], "ok": c["count_100"], "miss": c["count_miss"],
               "large_bonus": c["count_geki"] + c["count_katu"]}
    elif rs is Ruleset.FRUITS:
        out = {"great": c["count_300"], "large_tick_hit": c["count_100"], "small_tick_hit": c["count_50"],
               "small_tick_miss": c["count_katu"], "miss": c["count_miss"]}
    else:
        out = {"perfect": c["count_geki"], "great": c["count_300"], "good": c["count_katu"],
               "ok": c["count_100"], "meh": c["count_50"], "miss": c["count_miss"]}
    return {k: v for k, v in out.items() if v}


def to_legacy(stats: Mapping[str, Any], ruleset: Ruleset | str | int) -> dict[str, int]:
    """Convert lazer statistics to stable's six counts (v2 spelling, all present, 0 when not applicable).

    Statistics already in stable's names (v1 or v2 spelling) are returned normalised:

    ```pycon
    >>> to_legacy({"great": 97, "perfect": 425, "miss": 1, "ignore_hit": 298}, "mania")
    {'count_300': 97, 'count_100': 0, 'count_50': 0, 'count_miss': 1, 'count_geki': 425, 'count_katu': 0}
    >>> to_legacy({"great": 10, "miss": 1, "large_tick_miss": 2}, "fruits")["count_miss"]
    3

    ```
    """
    rs = Ruleset.parse(ruleset)
    if _is_legacy_shape(stats):
        return normalize_legacy(stats)
    s = normalize_lazer(stats)
    g = s.get
    out = dict.fromkeys(LEGACY_KEYS, 0)
    out["count_300"] = g("great", 0)
    out["count_miss"] = g("miss", 0)
    if rs is Ruleset.OSU:
        out["count_100"], out["count_50"] = g("ok", 0), g("meh", 0)
    elif rs is Ruleset.TAIKO:
        out["count_100"], out["count_geki"] = g("ok", 0), g("large_bonus", 0)
    elif rs is Ruleset.FRUITS:
        out["count_100"], out["count_50"] = g("large_tick_hit", 0), g("small_tick_hit", 0)
        out["count_katu"] = g("small_tick_miss", 0)
        out["count_miss"] += g("large_tick_miss", 0)
    else:
        out["count_geki"], out["count_katu"] = g("perfect", 0), g("good", 0)
        out["count_100"], out["count_50"] = g("ok", 0), g("meh", 0)
    return out


def derive_maximum_statistics(stats: Mapping[str, Any], ruleset: Ruleset | str | int) -> dict[str, int]:
    """Estimate lazer's ``maximum_statistics`` from ``statistics`` when a score lacks them.

    Follows how osu! fills them for imported stable scores: every basic judgement
    counts as the ruleset's best one (``perfect`` in mania, else ``great``),
    tick hits and misses as tick hits. Exact for scores converted from stable;
    for lazer osu! scores a ``large_tick_miss`` may really be a missed slider
    tail, so prefer the score's own ``maximum_statistics``.
    """
    rs = Ruleset.parse(ruleset)
    best = "perfect" if rs is Ruleset.MANIA else "great"
    out: dict[str, int] = {}
    for key, n in normalize_lazer(stats).items():
        if key in ("large_tick_hit", "large_tick_miss"):
            target = "large_tick_hit"
        elif key in ("small_tick_hit", "small_tick_miss"):
            target = "small_tick_hit"
        elif key == "slider_tail_hit":
            target = "slider_tail_hit"
        elif key in ("miss", "meh", "ok", "good", "great", "perfect"):
            target = best
        else:
            continue
        out[target] = out.get(target, 0) + n
    return out
