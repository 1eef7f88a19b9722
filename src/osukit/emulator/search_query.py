"""osu-web's beatmapset search query syntax (``stars>7 ar>=9 status=ranked artist=…``), for the emulator.

The grammar, the tolerances and which filters apply to a beatmap (any difficulty of the set must match
all of them) or to the set follow osu-web ``app/Libraries/Search/BeatmapsetQueryParser.php`` and
``BeatmapsetSearch.php``. Words left over are keywords, matched against artist, title, creator, tags
and source.
"""

from __future__ import annotations

import operator
import re
from dataclasses import dataclass, field
from typing import Any

from .dataset import STATUS_INT  # osu-web Beatmapset::STATES

__all__ = ["ParsedQuery", "matches", "parse"]

# osu-web's pattern: a word key, an operator (`:` `=` `>` `<` `>=` `<=` `>:` `<:`), a (quoted) value.
_OPTION = re.compile(r'\b(?P<key>\w+)(?P<op>(:|=|(>|<)(:|=)?))(?P<value>("{1,2})(?:\\"|.)*?\7|\S*)', re.IGNORECASE)


# key -> (beatmap record field, tolerance) for float ranges (osu-web: half the shown precision)
_FLOATS = {"stars": ("difficulty_rating", 0.005), "ar": ("ar", 0.05), "dr": ("drain", 0.05), "cs": ("cs", 0.05),
           "od": ("accuracy", 0.05), "bpm": ("bpm", 0.005)}
_ALIASES = {"star": "stars", "hp": "dr", "key": "keys", "submitted": "created"}
_INTS = {"circles": "count_circles", "sliders": "count_sliders", "keys": "cs", "status": "status",
         "favourites": "favourite_count"}
_TEXTS = ("creator", "difficulty", "artist", "source", "tag", "title")

Range = dict[str, float]


@dataclass
class ParsedQuery:
    """Keywords left after the options, and the options as osu-web's range dicts (``gte``/``lte``/…)."""

    keywords: str = ""
    ranges: dict[str, Range] = field(default_factory=dict)
    texts: dict[str, list[str]] = field(default_factory=dict)


def _float_range(op: str, value: str, tolerance: float) -> Range | None:
    try:
        number = float(value.replace(",", "."))
    except ValueError:
        return None
    return {"=": {"gte": number - tolerance, "lte": number + tolerance}, "<": {"lte": number - tolerance},
            "<=": {"lte": number + tolerance}, ">": {"gte": number + tolerance},
            ">=": {"gte": number - tolerance}}.get(op)


def _int_range(op: str, value: str | int | None) -> Range | None:
    if value is None:
        return None
    try:
        number = float(int(value))
    except ValueError:
        return None
    return {"=": {"gte": number, "lte": number}, "<": {"lt": number}, "<=": {"lte": number},
            ">": {"gt": number}, ">=": {"gte": number}}.get(op)


def _length_seconds(value: str) -> tuple[float, float] | None:
    """osu-web ``get_length_seconds``: ``90``, ``1:30``, ``1m30s``, ``2h`` → (seconds, smallest unit used)."""
    m = re.fullmatch(r"((?P<h>\d+):)?(?P<m>\d+):(?P<s>\d+)", value)
    if m:
        return int(m["h"] or 0) * 3600 + int(m["m"]) * 60 + int(m["s"]), 1.0
    m = re.fullmatch(r"((?P<h>\d+(\.\d+)?)h)?((?P<m>\d+(\.\d+)?)m)?((?P<s>\d+(\.\d+)?)s)?((?P<ms>\d+(\.\d+)?)ms)?", value)
    if m and value:
        scales = {"h": 3600.0, "m": 60.0, "s": 1.0, "ms": 0.001}
        used = [k for k in scales if m[k] is not None]
        return sum(float(m[k]) * scales[k] for k in used), min(scales[k] for k in used)
    if re.fullmatch(r"\d+(\.\d+)?", value):
        return float(value), 1.0
    return None


def _status(value: str) -> int | None:
    if not value:
        return None
    if value in STATUS_INT:
        return STATUS_INT[value]
    return next((number for name, number in STATUS_INT.items() if name.startswith(value)), None)


def parse(query: str) -> ParsedQuery:
    """Split ``query`` into osu-web's options and the remaining keywords."""
    parsed = ParsedQuery()

    def take(m: re.Match[str]) -> str:
        key = _ALIASES.get(m["key"].lower(), m["key"].lower())
        op = m["op"].replace(":", "=")
        value = m["value"]
        option: Range | None = None
        if key in _FLOATS:
            option = _float_range(op, value, _FLOATS[key][1])
        elif key == "length":
            length = _length_seconds(value)
            if length is not None:
                option = _float_range(op, str(length[0]), length[1] / 2)
        elif key == "status":
            option = _int_range(op, _status(value.lower()))
        elif key in _INTS:
            option = _int_range(op, value)
        elif key in _TEXTS:
            text = re.sub(r'^"(.*)"$', r"\1", value).replace('\\"', '"') if op == "=" else ""
            if text:
                parsed.texts.setdefault(key, []).append(text.lower())
                return ""
            return m[0]
        if option is None:
            return m[0]
        parsed.ranges[key] = option
        return ""

    parsed.keywords = _OPTION.sub(take, query or "").strip()
    return parsed


_COMPARE = {"gte": operator.ge, "gt": operator.gt, "lte": operator.le, "lt": operator.lt}


def _in(value: float, bounds: Range) -> bool:
    return all(_COMPARE[op](value, limit) for op, limit in bounds.items())


def _beatmap_ok(parsed: ParsedQuery, beatmap: dict[str, Any]) -> bool:
    for key, bounds in parsed.ranges.items():
        if key in _FLOATS:
            value: float = beatmap[_FLOATS[key][0]]
        elif key == "length":
            value = beatmap["total_length"]
        elif key == "status":
            value = STATUS_INT[beatmap["status"]]
        elif key == "keys":
            if beatmap["mode"] != "mania":
                return False
            value = beatmap["cs"]
        elif key in ("circles", "sliders"):
            value = beatmap[_INTS[key]]
        else:
            continue
        if not _in(float(value), bounds):
            return False
    for text in parsed.texts.get("difficulty", []):
        if text not in str(beatmap["version"]).lower():
            return False
    return True


def matches(parsed: ParsedQuery, beatmapset: dict[str, Any], beatmaps: list[dict[str, Any]], creator: str) -> bool:
    """Whether a beatmapset matches: its own filters, and one difficulty matching every beatmap filter."""
    fields = {"artist": beatmapset["artist"], "title": beatmapset["title"], "creator": creator,
              "source": beatmapset.get("source") or "", "tag": beatmapset.get("tags") or ""}
    for key, wanted in parsed.texts.items():
        if key in fields and not all(text in str(fields[key]).lower() for text in wanted):
            return False
    if "favourites" in parsed.ranges and not _in(float(beatmapset["favourite_count"]), parsed.ranges["favourites"]):
        return False
    if parsed.keywords:
        haystack = " ".join(str(v) for v in fields.values()).lower()
        if not all(word in haystack for word in parsed.keywords.lower().split()):
            return False
    return any(_beatmap_ok(parsed, b) for b in beatmaps)
