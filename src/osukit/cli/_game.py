"""``osukit replay info``, ``osukit pp`` and ``osukit mods``: the game toolkit from the shell."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from ._errors import CliError, ExitCode
from ._render import emit_json, fmt, print_kv, print_table
from ._state import State

__all__ = ["mods_info", "pp", "replay_info"]


def _ruleset(mode: str | None) -> Any:
    if mode is None:
        return None
    from ..enums import Ruleset

    try:
        return Ruleset.parse(mode)
    except ValueError:
        raise CliError(f"unknown ruleset {mode!r}", "use osu, taiko, fruits (or catch) or mania", ExitCode.USAGE) from None


def _parse_mods(text: str, ruleset: Any) -> Any:
    from ..game.mods import ModError, Mods

    value: Any = text.strip()
    if value.startswith(("[", "{")):
        try:
            value = json.loads(value)
        except json.JSONDecodeError as exc:
            raise CliError(f"mods look like JSON but are not: {exc.msg}", None, ExitCode.USAGE) from None
        except RecursionError:
            raise CliError("mods look like JSON but are nested too deeply", None, ExitCode.USAGE) from None
        if isinstance(value, dict):
            value = [value]
    try:
        return Mods.parse(value, ruleset)
    except ModError as exc:
        raise CliError(f"bad mods {text!r}: {exc}", "e.g. HDDT, HD,DT, 72, or API JSON", ExitCode.USAGE) from None


def mods_info(text: str, *, mode: str | None, as_json: bool) -> None:
    """Print each mod's name, bit, type and incompatibilities, and the set's bitmask and speed."""
    rs = _ruleset(mode)
    mods = _parse_mods(text, rs)
    rows: list[dict[str, Any]] = []
    for mod in mods:
        info = mod.info(rs) or mod.info()
        rows.append({
            "acronym": mod.acronym,
            "name": info.name if info else mod.acronym,
            "type": info.type if info else None,
            "legacy_bit": info.legacy_bit if info else None,
            "incompatible": sorted(info.incompatible) if info else [],
            "settings": dict(mod.settings),
            "description": info.description if info else None,
        })
    summary = {
        "mods": mods.format(),
        "names": list(mods.names),
        "legacy": mods.legacy,
        "without_legacy_bit": list(mods.without_legacy_bit),
        "speed_rate": mods.speed_rate,
        "ruleset": rs.value if rs is not None else None,
        "api": mods.to_api(),
        "details": rows,
    }
    if as_json:
        emit_json(summary)
        return
    print_table(f"{mods.format()} ({', '.join(mods.names) or 'No Mod'})",
                ["acronym", "name", "type", "bit", "incompatible with"], (
        [r["acronym"], r["name"], fmt(r["type"]), fmt(r["legacy_bit"]), " ".join(r["incompatible"]) or "-"]
        for r in rows
    ))
    pairs = [
        ("bitmask", str(mods.legacy)),
        ("speed", f"{mods.speed_rate:g}x"),
        ("API JSON", json.dumps(mods.to_api())),
    ]
    if mods.without_legacy_bit:
        pairs.append(("no stable bit", " ".join(mods.without_legacy_bit)))
    print_kv(None, pairs)


def replay_info(path: Path, *, as_json: bool) -> None:
    """Print what an .osr file holds."""
    from ..game.accuracy import legacy_accuracy, legacy_grade
    from ..game.replay import Replay

    if not path.is_file():
        raise CliError(f"no such file: {path}", None, ExitCode.USAGE)
    from ..game.replay import ReplayError

    try:
        replay = Replay.from_file(path)
    except ReplayError as exc:
        raise CliError(f"{path} is not a readable osu! replay: {exc}", "pass an .osr file saved by osu!",
                       ExitCode.USAGE) from None
    counts = {
        "count_300": replay.count_300, "count_100": replay.count_100, "count_50": replay.count_50,
        "count_geki": replay.count_geki, "count_katu": replay.count_katu, "count_miss": replay.count_miss,
    }
    mods = replay.mods
    acc = legacy_accuracy(counts, replay.ruleset)
    try:
        rank: str | None = legacy_grade(counts, replay.ruleset, mods)
    except ValueError:
        rank = None
    duration = sum(max(f.w, 0) for f in replay.frames)
    summary = {
        "ruleset": replay.ruleset.value,
        "player": replay.username,
        "beatmap_md5": replay.beatmap_md5,
        "game_version": replay.game_version,
        "lazer": replay.is_lazer,
        "timestamp": replay.timestamp.isoformat(),
        "score_id": replay.score_id,
        "total_score": replay.total_score,
        "max_combo": replay.max_combo,
        "perfect": replay.perfect,
        "mods": mods.format(),
        "legacy_mods": replay.legacy_mods,
        "accuracy": acc,
        "grade": rank,
        **counts,
        "frames": len(replay.frames),
        "duration_ms": duration,
        "rng_seed": replay.rng_seed,
    }
    if as_json:
        emit_json(summary)
        return
    print_kv(f"replay {path.name}", [
        ("player", replay.username or "-"),
        ("ruleset", replay.ruleset.value),
        ("client", f"{'lazer' if replay.is_lazer else 'stable'} {replay.game_version}"),
        ("played", fmt(replay.timestamp)),
        ("beatmap md5", replay.beatmap_md5 or "-"),
        ("score", f"{replay.total_score:,}" + (f" (score id {replay.score_id})" if replay.score_id else "")),
        ("mods", f"{mods.format()} ({replay.legacy_mods})"),
        ("accuracy", f"{acc * 100:.2f}%" + (f"  grade {rank}" if rank else "")),
        ("combo", f"{replay.max_combo}x" + (" (perfect)" if replay.perfect else "")),
        ("judgements", f"300: {replay.count_300}  100: {replay.count_100}  50: {replay.count_50}  "
                       f"geki: {replay.count_geki}  katu: {replay.count_katu}  miss: {replay.count_miss}"),
        ("frames", f"{len(replay.frames):,} ({duration / 1000:.1f} s)"),
    ])


def _beatmap_bytes(state: State, beatmap: str) -> tuple[bytes, str]:
    path = Path(beatmap)
    if path.is_file():
        data = path.read_bytes()
        if not data.lstrip(b"\xef\xbb\xbf \t\r\n").startswith(b"osu file format v"):
            raise CliError(f"{path} is not a .osu beatmap file",
                           "pass a .osu file (they start with 'osu file format v…') or a numeric beatmap id",
                           ExitCode.USAGE)
        return data, str(path)
    if beatmap.strip().isdigit():
        from .._exceptions import NotFoundError

        ident = int(beatmap)
        with state.anonymous_client() as client:
            try:
                return client.legacy.beatmap_file(ident), f"beatmap {ident}"
            except NotFoundError:
                raise CliError(f"beatmap {ident} not found (404)", "check the id (a beatmap's, not a beatmapset's: "
                               "the number after # in a beatmap URL)", ExitCode.NOT_FOUND) from None
    raise CliError(f"no such file, and not a beatmap id: {beatmap}", "pass a .osu file or a numeric beatmap id",
                   ExitCode.USAGE)


def _used(hits: dict[str, int], key: str, asked: int | None, default: int) -> int:
    """What rosu-pp computed with (its score state): with misses and no ``--combo`` it takes the
    beatmap's maximum combo minus the misses, and it caps a combo the misses make impossible; else
    what was asked, else the default."""
    value = hits.get(key)
    if value is not None:
        return value
    return asked if asked is not None else default


def used_accuracy(result: Any) -> float:
    """The accuracy (percent) of the hit counts rosu-pp computed with (its score state), by osukit.game's
    accuracy functions: lazer osu! (without Classic) counts slider ends and large ticks as rosu-pp does;
    lazer mania weighs a PERFECT 305; the rest is stable's accuracy of the six counts."""
    from ..enums import Ruleset
    from ..game.accuracy import lazer_accuracy, legacy_accuracy

    h = result.hits
    rs = result.difficulty.ruleset
    counts = {"count_300": h.get("n300", 0), "count_100": h.get("n100", 0), "count_50": h.get("n50", 0),
              "count_miss": h.get("misses", 0), "count_geki": h.get("n_geki", 0), "count_katu": h.get("n_katu", 0)}
    attrs = result.difficulty.attributes
    if rs is Ruleset.OSU and result.lazer and h.get("slider_end_hits") is not None and attrs is not None:
        objects = counts["count_300"] + counts["count_100"] + counts["count_50"] + counts["count_miss"]
        ticks, ends = int(attrs.n_large_ticks), int(attrs.n_sliders)
        stats = {"great": counts["count_300"], "ok": counts["count_100"], "meh": counts["count_50"],
                 "miss": counts["count_miss"], "large_tick_hit": h.get("large_tick_hits", 0),
                 "slider_tail_hit": h["slider_end_hits"]}
        value = lazer_accuracy(stats, {"great": objects, "large_tick_hit": ticks, "slider_tail_hit": ends}, rs)
    else:
        value = legacy_accuracy(counts, rs, score_v2=rs is Ruleset.MANIA and result.lazer)
    return value * 100


def _accuracy_note(used: float, asked: float | None, hits: dict[str, int]) -> str:
    """``98.83%``, or ``98.83% (99% asked; …)`` when rosu-pp could not give the accuracy asked for: the
    misses make it unreachable (every other judgement is already the best), or it is the nearest the
    beatmap's judgement counts allow."""
    shown = f"{used:.2f}%"
    if asked is None or f"{asked:.2f}" == shown[:-1]:
        return shown
    misses = hits.get("misses", 0)
    capped = misses and used < asked and not any(hits.get(k, 0) for k in ("n100", "n50", "n_katu"))
    why = f"not reachable with {misses} miss{'es' if misses != 1 else ''}" if capped else "the nearest possible"
    return f"{shown} ({asked:g}% asked; {why})"


def pp(state: State, beatmap: str, *, mods: str | None, acc: float | None, combo: int | None,
       misses: int | None, mode: str | None, lazer: bool | None, as_json: bool) -> None:
    """Print star rating and pp for a play described by accuracy, combo, misses and mods."""
    from ..game import performance

    if acc is not None and not 0 <= acc <= 100:
        raise CliError(f"--acc must be a percentage from 0 to 100, not {acc:g}", None, ExitCode.USAGE)
    rs = _ruleset(mode)
    mod_set = _parse_mods(mods, rs) if mods else None
    data, label = _beatmap_bytes(state, beatmap)
    result = performance(None, data, accuracy=acc, combo=combo, misses=misses, mods=mod_set, ruleset=rs,
                         lazer=lazer)
    d = result.difficulty
    used_acc = used_accuracy(result)
    # mania pp ignores the combo (rosu-pp leaves it at 0): no combo is shown or put in the JSON for it
    no_combo = d.ruleset.value == "mania"
    hits = {k: v for k, v in dict(result.hits).items() if not (no_combo and k == "combo")}
    summary = {
        "beatmap": int(beatmap.strip()) if label.startswith("beatmap ") else None,
        "file": None if label.startswith("beatmap ") else label,
        "ruleset": d.ruleset.value,
        "mods": mod_set.format() if mod_set is not None else "NM",
        "lazer": result.lazer,
        "stars": result.stars,
        "pp": result.pp,
        "pp_aim": result.pp_aim,
        "pp_speed": result.pp_speed,
        "pp_accuracy": result.pp_accuracy,
        "pp_flashlight": result.pp_flashlight,
        "pp_difficulty": result.pp_difficulty,
        "max_combo": result.max_combo,
        "hits": hits,
        "accuracy": used_acc,
    }
    if as_json:
        emit_json(summary)
        return
    parts = [(name, value) for name, value in (
        ("aim", result.pp_aim), ("speed", result.pp_speed), ("accuracy", result.pp_accuracy),
        ("flashlight", result.pp_flashlight), ("difficulty", result.pp_difficulty)) if value is not None]
    print_kv(f"{label} +{summary['mods']}", [
        ("ruleset", f"{d.ruleset.value}" + (" (convert)" if d.is_convert else "")),
        ("stars", f"{result.stars:.2f}"),
        ("pp", f"{result.pp:.2f}"),
        ("pp parts", "  ".join(f"{n} {v:.1f}" for n, v in parts) or "-"),
        ("accuracy", _accuracy_note(used_acc, acc, result.hits)),
        ("play", ("combo n/a in mania" if no_combo else
                  f"{_used(result.hits, 'combo', combo, result.max_combo)}x/{result.max_combo}x")
                 + f", {_used(result.hits, 'misses', misses, 0)} miss"),
        ("rules", "lazer" if result.lazer else "stable (classic)"),
    ])
