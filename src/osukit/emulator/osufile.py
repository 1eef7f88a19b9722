"""The emulator's ``.osu`` files (format v14), and what a beatmap record derives from them.

A beatmap's hit objects are generated from its record alone (id, ruleset, BPM,
difficulty settings), so the file served at ``/osu/{id}`` is always the one the
record was computed from: object counts, lengths and max combo are counted
here, and the star rating and score pp come from rosu-pp over this same text
(see [`osukit.emulator.dataset`][osukit.emulator.dataset]).

The patterns are simple on purpose, so every count is exact without a
difficulty calculator: osu! maps have circles, linear sliders shorter than one
slider tick (a head, repeats and a tail, no ticks) and a closing spinner; taiko
and catch maps have circles (taiko: dons and kats) and a closing spinner
(a swell or a banana shower, which give no combo); mania maps have notes.
"""

from __future__ import annotations

import math
import random
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from .dataset import World

__all__ = ["MapShape", "difficulty_attributes", "hit_objects", "osu_file", "record_text"]

_MODE = {"osu": 0, "taiko": 1, "fruits": 2, "mania": 3}
SLIDER_MULTIPLIER = 1.4
SLIDER_LENGTH = 100  # pixels: less than one tick distance (100 * 1.4 * SV 1 / tick rate 1), so no ticks


@dataclass(frozen=True)
class MapShape:
    """What a generated map contains (osu-web's beatmap counts, in its terms)."""

    count_circles: int
    count_sliders: int
    count_spinners: int
    max_combo: int
    large_ticks: int  # slider repeats (lazer judges them as large ticks)
    total_length: int  # seconds, first object to the end of the last
    hit_length: int  # seconds of play (no breaks in these maps)
    density: float  # objects per second (for the star-rating estimate without rosu-pp)
    spacing: float  # mean jump distance in osu!pixels


def _level(b: dict[str, Any]) -> int:
    """The difficulty's index in its set (Easy 0 … Expert 4), kept in its approach rate (5 + level)."""
    return max(0, min(4, int(b["ar"]) - 5))


def hit_objects(b: dict[str, Any]) -> tuple[list[str], MapShape]:
    """The ``[HitObjects]`` lines of beatmap record ``b`` and what they add up to."""
    rng = random.Random(int(b["id"]))
    mode = _MODE[b["mode"]]
    level = _level(b)
    beat = 60000 / float(b["bpm"])
    step = beat if level < 2 else beat / 2
    jump = 40.0 + 45.0 * level
    count = rng.randint(45, 75) + 25 * level
    lines: list[str] = []
    t = 1000.0
    x, y = 256.0, 192.0
    circles = sliders = spinners = combo = large_ticks = 0
    distance = 0.0
    span_ms = SLIDER_LENGTH / (100 * SLIDER_MULTIPLIER) * beat
    keys = int(b["cs"]) if mode == 3 else 0
    for i in range(count):
        if mode == 3:
            column = int(rng.random() * keys) if level else i % keys
            lines.append(f"{int((column + 0.5) * 512 / keys)},192,{int(t)},1,0,0:0:0:0:")
            circles += 1
            combo += 1
            t += step
            continue
        angle = rng.random() * 2 * math.pi
        nx = min(480.0, max(32.0, x + math.cos(angle) * jump))
        ny = min(352.0, max(32.0, y + math.sin(angle) * jump))
        distance += math.hypot(nx - x, ny - y)
        x, y = nx, ny
        new_combo = 4 if i % 8 == 0 else 0
        if mode == 0 and i % 5 == 4:
            spans = 1 + i % 2
            direction = 1 if x < 256 else -1
            lines.append(f"{int(x)},{int(y)},{int(t)},{2 | new_combo},0,L|{int(x) + direction * SLIDER_LENGTH}:{int(y)},"
                         f"{spans},{SLIDER_LENGTH}")
            sliders += 1
            combo += spans + 1  # head, repeats, tail
            large_ticks += spans - 1
            t += span_ms * spans + step
            continue
        hitsound = (2 if rng.random() < 0.4 else 0) if mode == 1 else 0  # taiko: whistle = kat
        lines.append(f"{int(x)},{int(y)},{int(t)},{1 | new_combo},{hitsound},0:0:0:0:")
        circles += 1
        combo += 1
        t += step
    end = t
    if mode != 3:
        start = int(t + beat)
        end = start + beat * 4
        lines.append(f"256,192,{start},12,0,{int(end)},0:0:0:0:")
        spinners += 1
        if mode == 0:
            combo += 1
    seconds = max(1, round((end - 1000) / 1000))
    shape = MapShape(count_circles=circles, count_sliders=sliders, count_spinners=spinners, max_combo=combo,
                     large_ticks=large_ticks, total_length=seconds, hit_length=seconds,
                     density=count / seconds, spacing=distance / max(1, count - 1) if mode != 3 else 0.0)
    return lines, shape


def _text(b: dict[str, Any], *, title: str, artist: str, creator: str, tags: str,
          objects: list[str] | None = None) -> str:
    beat = 60000 / float(b["bpm"])
    if objects is None:
        objects, _ = hit_objects(b)
    lines = [
        "osu file format v14", "", "[General]", "AudioFilename: audio.mp3", "AudioLeadIn: 0", "PreviewTime: -1",
        "Countdown: 0", "SampleSet: Normal", "StackLeniency: 0.7", f"Mode: {_MODE[b['mode']]}", "LetterboxInBreaks: 0",
        "WidescreenStoryboard: 0", "",
        "[Metadata]", f"Title:{title}", f"TitleUnicode:{title}", f"Artist:{artist}", f"ArtistUnicode:{artist}",
        f"Creator:{creator}", f"Version:{b['version']}", "Source:", f"Tags:{tags}",
        f"BeatmapID:{b['id']}", f"BeatmapSetID:{b['beatmapset_id']}", "", "[Difficulty]", f"HPDrainRate:{b['drain']}",
        f"CircleSize:{b['cs']}", f"OverallDifficulty:{b['accuracy']}", f"ApproachRate:{b['ar']}",
        f"SliderMultiplier:{SLIDER_MULTIPLIER}", "SliderTickRate:1", "", "[Events]", "//Background and Video events",
        "//Break Periods", "", "[TimingPoints]", f"1000,{beat:.6f},4,2,1,60,1,0", "", "[HitObjects]", *objects,
    ]
    return "\n".join(lines) + "\n"


def record_text(b: dict[str, Any], s: dict[str, Any], creator: str, objects: list[str] | None = None) -> str:
    """The ``.osu`` text of beatmap record ``b`` in beatmapset record ``s`` (``objects``: its
    [`hit_objects`][osukit.emulator.osufile.hit_objects] lines, when already made)."""
    return _text(b, title=s["title"], artist=s["artist"], creator=creator, tags=s["tags"], objects=objects)


def osu_file(w: World, beatmap_id: int) -> str:
    """The ``.osu`` text the emulator serves for a beatmap (the one its record was computed from)."""
    b: dict[str, Any] = w.beatmaps[beatmap_id]
    s = w.beatmapsets[b["beatmapset_id"]]
    return record_text(b, s, w.users[s["creator_id"]]["username"])


def difficulty_attributes(w: World, beatmap_id: int, ruleset: str, mods: Any) -> dict[str, Any] | None:
    """``POST /beatmaps/{id}/attributes`` computed by rosu-pp over the served file, in osu-web's names
    (None without the ``pp`` extra: the route then estimates from the record)."""
    try:
        import rosu_pp_py  # noqa: F401

        from ..game.pp import difficulty
    except ImportError:
        return None
    from ..game.mods import ModError

    try:
        result = difficulty(osu_file(w, beatmap_id), mods=mods or None, ruleset=ruleset)
    except (ModError, ValueError):
        return None
    attrs = result.attributes
    out: dict[str, Any] = {"star_rating": result.stars, "max_combo": result.max_combo}
    if ruleset == "osu":
        out.update({
            "aim_difficulty": result.aim, "speed_difficulty": result.speed, "slider_factor": result.slider_factor,
            "speed_note_count": result.speed_note_count,
            "aim_difficult_slider_count": getattr(attrs, "aim_difficult_slider_count", None),
            "aim_difficult_strain_count": getattr(attrs, "aim_difficult_strain_count", None),
            "speed_difficult_strain_count": getattr(attrs, "speed_difficult_strain_count", None),
        })
        if result.flashlight:
            out["flashlight_difficulty"] = result.flashlight
    elif ruleset == "taiko":
        out["mono_stamina_factor"] = getattr(attrs, "mono_stamina_factor", None)
    return out
