"""Star rating and performance points, computed by rosu-pp (the ``osukit[pp]`` extra).

rosu-pp is the maintained Rust implementation of osu!'s difficulty and
performance algorithms; osukit only maps its own inputs onto it: scores as the
API sends them (lazer or legacy shape, v1 or v2), msgspec models, replays,
[`Mods`][osukit.game.mods.Mods] in any spelling, and the ``.osu`` file as bytes,
text, a path or an already-parsed ``rosu_pp_py.Beatmap``:

```python
from osukit.game import difficulty, performance

stars = difficulty(osu_bytes, mods="HDDT").stars
pp = performance(score, osu_bytes).pp                     # the score as played
fc = performance(score, osu_bytes, full_combo=True).pp     # what if it were a full combo
pp98 = performance(None, osu_bytes, accuracy=98, mods="HR").pp
```

``rosu_pp_py`` is imported only when a calculation runs; without it
[`MissingExtraError`][osukit.MissingExtraError] (an `ImportError`) names the extra to install.

Lazer or stable rules (rosu-pp's ``lazer`` flag), unless ``lazer=`` is given:

1. where the score says it was set: stable for v1 scores, v2's legacy shape
   (``count_300`` statistics; except ``"type": "solo_score"``, see 2) and
   replays written by stable (version < 30000000); for v2's lazer shape,
   lazer when ``build_id`` is set, stable when it is null and
   ``legacy_score_id`` is set (an import from stable);
2. otherwise the mods: stable with Classic (``CL``, which osu! adds to every
   score imported from stable), else lazer.

A lazer play *with* ``CL`` (rule 1) is computed with lazer rules and the
``CL`` mod, which rosu-pp reads as classic slider accuracy, as osu! does.
"""

from __future__ import annotations

import functools
import importlib.metadata
import os
import sys
import warnings
from collections.abc import Mapping
from pathlib import Path
from typing import TYPE_CHECKING, Any

import msgspec

from osukit._exceptions import InvalidParameterError, MissingExtraError, OsukitError
from osukit._models import Model, dump
from osukit.enums import Ruleset

if TYPE_CHECKING:
    from osukit.game.mods import Mods
    from osukit.game.replay import Replay

__all__ = [
    "BeatmapError",
    "DifficultyResult",
    "HitCountWarning",
    "MissingExtraError",
    "PerformanceResult",
    "difficulty",
    "load_beatmap",
    "performance",
]

#: What ``beatmap`` may be: ``.osu`` bytes, ``.osu`` text or a path (``str``), a
#: ``PathLike``, or a ``rosu_pp_py.Beatmap``.
BeatmapSource = Any

_MODE_NAMES = {0: Ruleset.OSU, 1: Ruleset.TAIKO, 2: Ruleset.FRUITS, 3: Ruleset.MANIA}


class BeatmapError(OsukitError, ValueError):
    """A beatmap rosu-pp could not read, or could not convert to the ruleset asked for."""


def _rosu() -> Any:
    try:
        import rosu_pp_py
    except ImportError as exc:
        note = None
        if sys.version_info < (3, 11):
            note = "rosu-pp-py 4, which osukit uses, is published for Python 3.11 and newer only"
        raise MissingExtraError("pp calculation", "pp", note) from exc
    version = _rosu_version()
    if version is not None and not version.startswith("4."):
        raise MissingExtraError("pp calculation", "pp", f"rosu-pp-py {version} is installed; osukit needs 4.x")
    return rosu_pp_py


@functools.cache
def _rosu_version() -> str | None:
    try:
        return importlib.metadata.version("rosu-pp-py")
    except importlib.metadata.PackageNotFoundError:  # e.g. a build from source without metadata
        return None


# ----------------------------------------------------------------------------- results


class DifficultyResult(msgspec.Struct, frozen=True, kw_only=True):
    """The difficulty of a beatmap with given mods.

    Skill values are None where the ruleset has no such skill.

    Attributes:
        stars: the star rating.
        max_combo: the maximum combo.
        ruleset: the ruleset the difficulty was computed for.
        is_convert: True when the map was converted from osu! to ``ruleset``.
        mods: the mods as API JSON (``[{"acronym": "DT", "settings": {...}}]``).
        lazer: whether lazer rules were used (False: stable/classic).
        clock_rate: the playback rate applied (1.5 for DT, ``speed_change`` …).
        aim, speed, flashlight, slider_factor, speed_note_count: osu! skills.
        stamina, rhythm, color, reading: osu!taiko skills.
        ar, hp: approach rate and drain after mods (osu!).
        great_hit_window, ok_hit_window, meh_hit_window: hit windows in ms
            after mods, where rosu-pp gives them.
        n_circles, n_sliders, n_spinners: osu! object counts.
        n_fruits, n_droplets, n_tiny_droplets: osu!catch object counts.
        n_objects, n_hold_notes: osu!mania object counts.
        mania_keys: the key count for osu!mania (and mania converts).
        attributes: rosu-pp's ``DifficultyAttributes``, for everything else.
    """

    stars: float
    max_combo: int
    ruleset: Ruleset
    is_convert: bool
    mods: list[dict[str, Any]]
    lazer: bool
    clock_rate: float
    aim: float | None = None
    speed: float | None = None
    flashlight: float | None = None
    slider_factor: float | None = None
    speed_note_count: float | None = None
    stamina: float | None = None
    rhythm: float | None = None
    color: float | None = None
    reading: float | None = None
    ar: float | None = None
    hp: float | None = None
    great_hit_window: float | None = None
    ok_hit_window: float | None = None
    meh_hit_window: float | None = None
    n_circles: int | None = None
    n_sliders: int | None = None
    n_spinners: int | None = None
    n_fruits: int | None = None
    n_droplets: int | None = None
    n_tiny_droplets: int | None = None
    n_objects: int | None = None
    n_hold_notes: int | None = None
    mania_keys: int | None = None
    attributes: Any = None


class PerformanceResult(msgspec.Struct, frozen=True, kw_only=True):
    """The performance (pp) of a score, or of a what-if variation of it.

    Attributes:
        pp: total performance points.
        stars: the star rating with the score's mods.
        max_combo: the beatmap's maximum combo.
        pp_aim, pp_speed, pp_accuracy, pp_flashlight: osu! parts (taiko has
            ``pp_accuracy`` too).
        pp_difficulty: the strain part (osu!taiko, osu!mania).
        effective_miss_count: osu!'s scaled miss count.
        estimated_unstable_rate: rosu-pp's unstable rate estimate, when given.
        hits: the hit counts rosu-pp evaluated (after filling in what-ifs), in
            rosu-pp's names: ``n300``, ``n100``, ``n50``, ``n_geki``, ``n_katu``,
            ``misses``, ``combo``, ``large_tick_hits``, ``small_tick_hits``,
            ``slider_end_hits``.
        lazer: whether lazer rules were used.
        passed_objects: for a failed score (``"passed": false`` or rank
            ``F``), the objects it reached; difficulty and pp then cover only
            those (as rosu-pp does for partial plays). None otherwise.
        difficulty: the difficulty the pp was computed from.
        attributes: rosu-pp's ``PerformanceAttributes``, for everything else.
    """

    pp: float
    stars: float
    max_combo: int
    lazer: bool
    difficulty: DifficultyResult
    pp_aim: float | None = None
    pp_speed: float | None = None
    pp_accuracy: float | None = None
    pp_flashlight: float | None = None
    pp_difficulty: float | None = None
    effective_miss_count: float | None = None
    estimated_unstable_rate: float | None = None
    hits: dict[str, int] = msgspec.field(default_factory=dict)
    passed_objects: int | None = None
    attributes: Any = None


# ----------------------------------------------------------------------------- beatmaps


def load_beatmap(beatmap: BeatmapSource) -> Any:
    """Parse a beatmap for rosu-pp (returns a ``rosu_pp_py.Beatmap``).

    Accepts ``.osu`` bytes, ``.osu`` text (a ``str`` that starts with
    ``osu file format`` or contains a newline), a path (``str`` or
    ``PathLike``), or an existing ``rosu_pp_py.Beatmap`` (returned as is).

    Raises:
        MissingExtraError: rosu-pp-py is not installed.
        BeatmapError: the path could not be read, or rosu-pp could not parse the file.
        InvalidParameterError: ``beatmap`` is none of the above.
    """
    rosu = _rosu()
    if isinstance(beatmap, rosu.Beatmap):
        return beatmap
    try:
        if isinstance(beatmap, (bytes, bytearray, memoryview)):
            return rosu.Beatmap(bytes=_checked(bytes(beatmap), "the data"))
        if isinstance(beatmap, str):
            head = beatmap.lstrip("\ufeff \t\r\n")[:32]
            if head.startswith("osu file format") or "\n" in beatmap:
                return rosu.Beatmap(bytes=_checked(beatmap.encode("utf-8"), "the text"))
            return rosu.Beatmap(bytes=_checked(_read_map(beatmap), beatmap))
        if isinstance(beatmap, os.PathLike):
            return rosu.Beatmap(bytes=_checked(_read_map(beatmap), os.fspath(beatmap)))
    except (rosu.ParseError, rosu.ArgsError) as exc:
        raise BeatmapError(f"could not parse the beatmap: {exc}") from None
    raise InvalidParameterError(
        f"beatmap must be .osu bytes, .osu text, a path or a rosu_pp_py.Beatmap, not {type(beatmap).__name__}"
    )


def _checked(data: bytes, source: str) -> bytes:
    """``data`` if it is a ``.osu`` file (every one starts with ``osu file format v``), else BeatmapError."""
    head = data.lstrip(b"\xef\xbb\xbf \t\r\n")[:17]
    if not head.startswith(b"osu file format v"):
        shown = head[:16].decode("utf-8", "replace")
        raise BeatmapError(f"{source} is not a .osu beatmap file (it starts with {shown!r}, "
                           "not 'osu file format v…')")
    return data


def _read_map(path: str | os.PathLike[str]) -> bytes:
    try:
        return Path(path).read_bytes()
    except OSError as exc:
        raise BeatmapError(f"could not read the beatmap file {os.fspath(path)!r}: {exc.strerror or exc}") from None


def _map_ruleset(rosu: Any, beatmap: Any) -> Ruleset:
    return _MODE_NAMES[int(beatmap.mode)]


def _game_mode(rosu: Any, ruleset: Ruleset) -> Any:
    return {
        Ruleset.OSU: rosu.GameMode.Osu,
        Ruleset.TAIKO: rosu.GameMode.Taiko,
        Ruleset.FRUITS: rosu.GameMode.Catch,
        Ruleset.MANIA: rosu.GameMode.Mania,
    }[ruleset]


def _prepare_map(
    rosu: Any, beatmap: BeatmapSource, ruleset: Ruleset | None, mods: Any
) -> tuple[Any, Ruleset]:
    bmap = load_beatmap(beatmap)
    native = _map_ruleset(rosu, bmap)
    if ruleset is None or ruleset is native:
        return bmap, native
    if native is not Ruleset.OSU:
        raise BeatmapError(
            f"a {native.value} beatmap cannot be converted to {ruleset.value} (only osu! maps convert)"
        )
    try:
        bmap.convert(_game_mode(rosu, ruleset), mods)
    except (rosu.ConvertError, rosu.ArgsError, rosu.ParseError) as exc:
        raise BeatmapError(f"could not convert the beatmap to {ruleset.value}: {exc}") from None
    return bmap, ruleset


# --------------------------------------------------------------------------------- mods


class _ModsInput(msgspec.Struct):
    api: list[dict[str, Any]] | Any  # what rosu gets
    classic: bool
    clock_rate: float


def _coerce_mods(value: Any, ruleset: Ruleset | None, *, strict: bool) -> _ModsInput:
    """Normalise any mods spelling to API JSON (for rosu) plus the Classic flag."""
    try:
        from osukit.game.mods import ModError, Mods
    except ImportError:  # pragma: no cover - only while the mods module is missing
        return _coerce_mods_fallback(value)
    mods: Mods
    if value is None:
        mods = Mods()
    elif isinstance(value, Mods):
        mods = value
    else:
        try:
            mods = Mods.parse(value, ruleset)
        except ModError:
            if strict or not isinstance(value, list):
                raise
            mods = Mods._from_json(value)  # tolerate mods this osukit does not know (API data)
    api = [_rosu_mod(m) for m in mods.to_api()]
    return _ModsInput(api, mods.classic, float(mods.speed_rate))


def _rosu_mod(mod: dict[str, Any]) -> dict[str, Any]:
    settings = mod.get("settings")
    if not settings:
        return {"acronym": mod["acronym"]}
    # rosu-pp takes bool / float / str setting values
    clean = {
        k: (float(v) if isinstance(v, int) and not isinstance(v, bool) else v) for k, v in settings.items()
    }
    return {"acronym": mod["acronym"], "settings": clean}


def _coerce_mods_fallback(value: Any) -> _ModsInput:  # pragma: no cover - see _coerce_mods
    if value is None:
        return _ModsInput([], False, 1.0)
    classic = False
    if isinstance(value, str):
        classic = "CL" in [value.upper()[i : i + 2] for i in range(0, len(value), 2)]
    elif isinstance(value, list):
        classic = any((m.get("acronym") if isinstance(m, Mapping) else m) == "CL" for m in value)
    return _ModsInput(value, classic, 1.0)


# -------------------------------------------------------------------------------- scores


class _ScoreInput(msgspec.Struct, kw_only=True):
    ruleset: Ruleset | None = None
    mods: Any = None
    set_on_lazer: bool | None = None  # None: the score does not say
    failed: bool = False
    counts: dict[str, int] = msgspec.field(default_factory=dict)  # legacy count_* names
    lazer_stats: dict[str, int] = msgspec.field(default_factory=dict)
    combo: int | None = None
    legacy_total_score: int | None = None


def _int_or_none(value: Any) -> int | None:
    if value is None or isinstance(value, bool):
        return None
    try:
        return int(value)
    except (TypeError, ValueError):
        return None


def _ruleset_of(data: Mapping[str, Any]) -> Ruleset | None:
    for key in ("ruleset_id", "mode_int", "mode", "ruleset"):
        value = data.get(key)
        if value is None:
            continue
        try:
            return Ruleset.parse(value)
        except ValueError:
            continue
    return None


def _enc_hook(obj: Any) -> Any:
    to_api = getattr(obj, "to_api", None)
    if callable(to_api):
        return to_api()
    raise NotImplementedError(f"cannot convert {type(obj).__name__}")


def _score_input(score: Any) -> _ScoreInput:
    """Read a score (dict, msgspec Struct or Replay) into one internal shape."""
    from osukit.game.replay import Replay
    from osukit.game.statistics import normalize_lazer, to_legacy

    if score is None:
        return _ScoreInput()
    if isinstance(score, Replay):
        return _replay_input(score)
    if isinstance(score, Model):
        score = dump(score)  # as osu! sent it, unknown members included
    elif isinstance(score, msgspec.Struct):
        score = msgspec.to_builtins(score, enc_hook=_enc_hook)
    if not isinstance(score, Mapping):
        raise InvalidParameterError(
            f"score must be a dict, a msgspec Struct, a Replay or None, not {type(score).__name__}"
        )
    ruleset = _ruleset_of(score)
    mods = score.get("mods")
    if mods is None and "enabled_mods" in score:  # API v1
        mods = _int_or_none(score.get("enabled_mods")) or 0
    stats = score.get("statistics")
    stats_map: Mapping[str, Any]
    if isinstance(stats, Mapping) and stats:
        stats_map = stats
    else:  # v1 keeps count300 … at the top level
        stats_map = {k: v for k, v in score.items() if isinstance(k, str) and k.startswith("count")}
    legacy_shape = any(isinstance(k, str) and k.startswith("count") for k in stats_map)
    counts = to_legacy(stats_map, ruleset or Ruleset.OSU) if legacy_shape else {}
    lazer_stats = {} if legacy_shape else normalize_lazer(stats_map)
    combo = _int_or_none(score.get("max_combo", score.get("maxcombo")))
    if legacy_shape:
        total = _int_or_none(score.get("score", score.get("legacy_total_score")))
    else:
        total = _int_or_none(score.get("legacy_total_score"))
    set_on_lazer: bool | None = None
    if legacy_shape:
        # v2's legacy shape also carries lazer scores ("solo_score"); let the mods decide those.
        set_on_lazer = None if score.get("type") == "solo_score" else False
    elif "build_id" in score or "legacy_score_id" in score:
        # lazer shape: a client build id means set on lazer; none plus a legacy id means imported from stable
        if score.get("build_id") is not None:
            set_on_lazer = True
        elif score.get("legacy_score_id") is not None:
            set_on_lazer = False
    failed = score.get("passed") is False or score.get("rank") == "F"
    return _ScoreInput(
        ruleset=ruleset,
        mods=mods,
        set_on_lazer=set_on_lazer,
        failed=failed,
        counts=counts,
        lazer_stats=lazer_stats,
        combo=combo,
        legacy_total_score=total if total else None,
    )


def _replay_input(replay: Replay) -> _ScoreInput:
    from osukit.game.statistics import normalize_lazer

    counts = {
        "count_300": replay.count_300,
        "count_100": replay.count_100,
        "count_50": replay.count_50,
        "count_geki": replay.count_geki,
        "count_katu": replay.count_katu,
        "count_miss": replay.count_miss,
    }
    if replay.extra is not None:
        lazer_stats = normalize_lazer(replay.extra.statistics)
        mods: Any = replay.extra.mods
    else:
        lazer_stats = {}
        mods = replay.legacy_mods & 0x7FFFFFFF  # bit 31 is no mod
    return _ScoreInput(
        ruleset=replay.ruleset,
        mods=mods,
        set_on_lazer=None if replay.is_lazer else False,
        counts=counts,
        lazer_stats=lazer_stats,
        combo=replay.max_combo,
        legacy_total_score=replay.total_score if not replay.is_lazer and replay.total_score else None,
    )


def _hit_kwargs(inp: _ScoreInput, ruleset: Ruleset) -> dict[str, int | None]:
    """rosu-pp's hit arguments for a score (None: let rosu-pp fill in)."""
    from osukit.game.statistics import to_legacy

    counts = inp.counts
    if inp.lazer_stats:
        counts = to_legacy(inp.lazer_stats, ruleset)
    if not counts:
        return {}
    out: dict[str, int | None] = {
        "n300": counts["count_300"],
        "n100": counts["count_100"],
        "n50": counts["count_50"],
        "misses": counts["count_miss"],
        "n_geki": counts["count_geki"],
        "n_katu": counts["count_katu"],
    }
    if ruleset is Ruleset.OSU and inp.lazer_stats:
        stats = inp.lazer_stats
        out["large_tick_hits"] = stats.get("large_tick_hit", 0)
        out["small_tick_hits"] = stats.get("small_tick_hit", 0)
        out["slider_end_hits"] = stats.get("slider_tail_hit", 0)
    return out


# ------------------------------------------------------------------------------ public


def _difficulty_result(
    attrs: Any, bmap: Any, ruleset: Ruleset, mods: _ModsInput, lazer: bool, clock_rate: float
) -> DifficultyResult:
    def opt(name: str) -> Any:
        return getattr(attrs, name, None)

    mania_keys = round(bmap.cs) if ruleset is Ruleset.MANIA else None
    return DifficultyResult(
        stars=float(attrs.stars),
        max_combo=int(attrs.max_combo),
        ruleset=ruleset,
        is_convert=bool(getattr(attrs, "is_convert", False)),
        mods=list(mods.api) if isinstance(mods.api, list) else [],
        lazer=lazer,
        clock_rate=clock_rate,
        aim=opt("aim"),
        speed=opt("speed"),
        flashlight=opt("flashlight"),
        slider_factor=opt("slider_factor"),
        speed_note_count=opt("speed_note_count"),
        stamina=opt("stamina"),
        rhythm=opt("rhythm"),
        color=opt("color"),
        reading=opt("reading"),
        ar=opt("ar"),
        hp=opt("hp"),
        great_hit_window=opt("great_hit_window"),
        ok_hit_window=opt("ok_hit_window"),
        meh_hit_window=opt("meh_hit_window"),
        n_circles=opt("n_circles"),
        n_sliders=opt("n_sliders"),
        n_spinners=opt("n_spinners"),
        n_fruits=opt("n_fruits"),
        n_droplets=opt("n_droplets"),
        n_tiny_droplets=opt("n_tiny_droplets"),
        n_objects=opt("n_objects") if ruleset is Ruleset.MANIA else None,
        n_hold_notes=opt("n_hold_notes"),
        mania_keys=mania_keys,
        attributes=attrs,
    )


def _calc_difficulty(
    rosu: Any,
    beatmap: BeatmapSource,
    mods: _ModsInput,
    ruleset: Ruleset | None,
    lazer: bool,
    clock_rate: float | None,
    passed_objects: int | None = None,
) -> tuple[Any, DifficultyResult]:
    bmap, rs = _prepare_map(rosu, beatmap, ruleset, mods.api)
    kwargs: dict[str, Any] = {"mods": mods.api, "lazer": lazer}
    if clock_rate is not None:
        kwargs["clock_rate"] = float(clock_rate)
    if passed_objects is not None:
        kwargs["passed_objects"] = passed_objects
    try:
        attrs = rosu.Difficulty(**kwargs).calculate(bmap)
    except (rosu.ArgsError, rosu.ParseError) as exc:
        raise InvalidParameterError(f"rosu-pp rejected the difficulty arguments: {exc}") from None
    rate = float(clock_rate) if clock_rate is not None else mods.clock_rate
    return attrs, _difficulty_result(attrs, bmap, rs, mods, lazer, rate)


def difficulty(
    beatmap: BeatmapSource,
    mods: Any = None,
    ruleset: Ruleset | str | int | None = None,
    *,
    lazer: bool | None = None,
    clock_rate: float | None = None,
) -> DifficultyResult:
    """The star rating and difficulty attributes of a beatmap.

    Args:
        beatmap: ``.osu`` bytes, ``.osu`` text, a path, or a ``rosu_pp_py.Beatmap``
            (a rosu Beatmap object is converted in place when ``ruleset``
            differs from its mode).
        mods: any spelling [`Mods.parse`][osukit.game.mods.Mods.parse]
            accepts: ``"HDDT"``, a bitmask, acronyms, API JSON with settings
            (``[{"acronym": "DT", "settings": {"speed_change": 1.2}}]``), a ``Mods``.
        ruleset: compute for this ruleset, converting an osu! map (e.g.
            ``"taiko"`` or ``"mania"``); default: the map's own mode.
        lazer: lazer (True) or stable (False) rules; default: stable when the
            mods include Classic (``CL``), else lazer.
        clock_rate: override the playback rate the mods imply.

    Raises:
        MissingExtraError: the ``pp`` extra (rosu-pp-py) is not installed.
        ModError: bad mods.
        BeatmapError: an impossible conversion or an unreadable map.
        InvalidParameterError: arguments rosu-pp rejects.
    """
    rosu = _rosu()
    rs = Ruleset.parse(ruleset) if ruleset is not None else None
    mods_in = _coerce_mods(mods, rs, strict=True)
    use_lazer = (not mods_in.classic) if lazer is None else bool(lazer)
    _, result = _calc_difficulty(rosu, beatmap, mods_in, rs, use_lazer, clock_rate)
    return result


def performance(
    score: Any,
    beatmap: BeatmapSource,
    *,
    full_combo: bool = False,
    accuracy: float | None = None,
    misses: int | None = None,
    combo: int | None = None,
    mods: Any = None,
    ruleset: Ruleset | str | int | None = None,
    lazer: bool | None = None,
    clock_rate: float | None = None,
) -> PerformanceResult:
    """The pp of a score, or of a what-if (full combo, another accuracy or miss count).

    Args:
        score: the score as the API sends it (v2 lazer shape with ``great`` / ``ok`` …
            statistics, v2 legacy shape with ``count_300`` …, or a v1 score
            dict), a msgspec model of one, a [`Replay`][osukit.game.replay.Replay],
            or None to describe the play only with ``accuracy`` / ``misses`` /
            ``combo`` (None everywhere: an SS).
        beatmap: ``.osu`` bytes, ``.osu`` text, a path, or a ``rosu_pp_py.Beatmap``.
        full_combo: what if the score were a full combo: no misses, maximum
            combo, missed objects (and, in osu!, slider ticks and ends) counted
            as the best judgement; the other judgements are kept.
        accuracy: what if the accuracy were this (percent, 0–100; a value ≤ 1
            is read as a fraction, as the API gives it). Judgements are then
            generated by rosu-pp; misses and combo are kept.
        misses: what if the score had this many misses.
        combo: what if the maximum combo were this.
        mods: override the score's mods (any spelling ``Mods.parse`` accepts).
        ruleset: compute for this ruleset (converting an osu! map); default:
            the score's ruleset, else the map's.
        lazer: lazer (True) or stable (False) rules; default: see the module
            documentation (Classic mod, legacy-shaped score, stable replay).
        clock_rate: override the playback rate the mods imply.

    Raises:
        MissingExtraError: the ``pp`` extra (rosu-pp-py) is not installed.
        InvalidParameterError: contradictory arguments, a ``combo`` above the beatmap's maximum
            combo or more ``misses`` than it has objects, bad statistics, or a ``score`` or
            ``beatmap`` of an unsupported type.
        ModError: bad mods.
        BeatmapError: an impossible conversion or an unreadable map.
    """
    rosu = _rosu()
    if full_combo and misses:
        raise InvalidParameterError(f"full_combo=True contradicts misses={misses}")
    inp = _score_input(score)
    rs = Ruleset.parse(ruleset) if ruleset is not None else inp.ruleset
    if mods is not None:
        mods_in = _coerce_mods(mods, rs, strict=True)
    else:
        mods_in = _coerce_mods(inp.mods, rs, strict=False)
    if lazer is not None:
        use_lazer = bool(lazer)
    elif inp.set_on_lazer is not None:
        use_lazer = inp.set_on_lazer
    else:
        use_lazer = not mods_in.classic

    bmap = load_beatmap(beatmap)
    target = rs or _map_ruleset(rosu, bmap)
    hits = _hit_kwargs(inp, target)
    passed_objects = _passed_objects(hits, target) if inp.failed else None
    diff_attrs, diff = _calc_difficulty(rosu, bmap, mods_in, rs, use_lazer, clock_rate, passed_objects)

    kwargs: dict[str, Any] = {"mods": mods_in.api, "lazer": use_lazer}
    if clock_rate is not None:
        kwargs["clock_rate"] = float(clock_rate)
    if passed_objects is not None:
        kwargs["passed_objects"] = passed_objects
    if inp.combo is not None:
        hits["combo"] = inp.combo
    if inp.legacy_total_score is not None and not use_lazer and target is Ruleset.OSU:
        kwargs["legacy_total_score"] = inp.legacy_total_score

    if accuracy is not None:
        acc = float(accuracy)
        if acc <= 1.0:
            acc *= 100.0
        if not 0.0 <= acc <= 100.0:
            raise InvalidParameterError(f"accuracy must be between 0 and 100 (percent), not {accuracy!r}")
        kwargs["accuracy"] = acc
        for key in (
            "n300",
            "n100",
            "n50",
            "n_geki",
            "n_katu",
            "large_tick_hits",
            "small_tick_hits",
            "slider_end_hits",
        ):
            hits.pop(key, None)
    if misses is not None:
        if misses < 0:
            raise InvalidParameterError(f"misses must be >= 0, not {misses}")
        hits["misses"] = int(misses)
        _drop_best(hits, target)
    if full_combo:
        hits["misses"] = 0
        hits.pop("combo", None)
        _drop_best(hits, target)
        for key in ("large_tick_hits", "small_tick_hits", "slider_end_hits"):
            hits.pop(key, None)
    if combo is not None:
        if combo < 0:
            raise InvalidParameterError(f"combo must be >= 0, not {combo}")
        if combo > diff.max_combo:
            raise InvalidParameterError(f"combo {combo} is above this beatmap's maximum combo of {diff.max_combo}")
        hits["combo"] = int(combo)
    if misses is not None:
        objects = max(int(getattr(bmap, "n_objects", 0) or 0), diff.max_combo)
        if misses > objects:
            raise InvalidParameterError(f"{misses} misses is more than this beatmap's {objects} objects")
    kwargs.update({k: v for k, v in hits.items() if v is not None})

    try:
        attrs = rosu.Performance(**kwargs).calculate(diff_attrs)
    except (rosu.ArgsError, rosu.ParseError) as exc:
        raise InvalidParameterError(f"rosu-pp rejected the performance arguments: {exc}") from None

    state = getattr(attrs, "state", None)
    used: dict[str, int] = {}
    if state is not None:
        for name, attr in (
            ("n300", "n300"),
            ("n100", "n100"),
            ("n50", "n50"),
            ("n_geki", "n_geki"),
            ("n_katu", "n_katu"),
            ("misses", "misses"),
            ("combo", "max_combo"),
            ("large_tick_hits", "osu_large_tick_hits"),
            ("small_tick_hits", "osu_small_tick_hits"),
            ("slider_end_hits", "slider_end_hits"),
        ):
            value = getattr(state, attr, None)
            if value is not None:
                used[name] = int(value)

    # rosu-pp fills judgements a score leaves out, but cuts ones the map cannot hold: more objects than
    # it has, or a combo above its maximum, mean the score was set on another beatmap (or version).
    asked = {k for k, v in (("misses", misses), ("combo", combo)) if v is not None}
    changed = {k: (kwargs[k], used[k]) for k in _CHECKED_HITS
               if k in kwargs and k in used and k not in asked and used[k] < kwargs[k]}
    if "combo" in kwargs and "combo" not in asked and kwargs["combo"] > diff.max_combo:
        changed["combo"] = (kwargs["combo"], diff.max_combo)
    if changed:
        warnings.warn(HitCountWarning(
            "the score's judgements do not fit this beatmap, so rosu-pp cut them ("
            + ", ".join(f"{k} {a} -> {b}" for k, (a, b) in changed.items())
            + "); is it the beatmap the score was set on?"), stacklevel=2)

    def opt(name: str) -> Any:
        return getattr(attrs, name, None)

    return PerformanceResult(
        pp=float(attrs.pp),
        stars=diff.stars,
        max_combo=diff.max_combo,
        lazer=use_lazer,
        difficulty=diff,
        pp_aim=opt("pp_aim"),
        pp_speed=opt("pp_speed"),
        pp_accuracy=opt("pp_accuracy"),
        pp_flashlight=opt("pp_flashlight"),
        pp_difficulty=opt("pp_difficulty"),
        effective_miss_count=opt("effective_miss_count"),
        estimated_unstable_rate=opt("estimated_unstable_rate"),
        hits=used,
        passed_objects=passed_objects,
        attributes=attrs,
    )


_CHECKED_HITS = ("n300", "n100", "n50", "n_geki", "n_katu", "misses")


class HitCountWarning(UserWarning):
    """[`performance`][osukit.game.pp.performance] was given judgements or a combo that do not fit the beatmap (more objects than
    it has, a combo above its maximum…), and rosu-pp computed with corrected ones: usually the wrong
    beatmap, or another version of it."""


def _passed_objects(hits: dict[str, Any], ruleset: Ruleset) -> int | None:
    """How many objects a failed score judged (fruits and droplets in catch)."""
    keys: tuple[str, ...]
    if ruleset is Ruleset.MANIA:
        keys = ("n_geki", "n300", "n_katu", "n100", "n50", "misses")
    elif ruleset is Ruleset.OSU:
        keys = ("n300", "n100", "n50", "misses")
    else:  # taiko has no 50s; catch's n50 are tiny droplets, which are not objects
        keys = ("n300", "n100", "misses")
    total = sum(int(hits.get(k) or 0) for k in keys)
    return total or None


def _drop_best(hits: dict[str, Any], ruleset: Ruleset) -> None:
    """Let rosu-pp recount the best judgement (it fills the objects left over with it)."""
    if ruleset is Ruleset.MANIA:
        hits.pop("n_geki", None)
    elif ruleset is Ruleset.FRUITS:
        hits.pop("n300", None)
        hits.pop("n100", None)
    else:
        hits.pop("n300", None)
