"""Small valid ``.osu`` files (format v14) for the emulator's beatmaps."""

from __future__ import annotations

import random
from typing import Any

from .dataset import World

_MODE = {"osu": 0, "taiko": 1, "fruits": 2, "mania": 3}


def osu_file(w: World, beatmap_id: int) -> str:
    """The ``.osu`` text for a beatmap: circles, sliders (with repeats) and a spinner."""
    b: dict[str, Any] = w.beatmaps[beatmap_id]
    s = w.beatmapsets[b["beatmapset_id"]]
    rng = random.Random(beatmap_id)
    beat = 60000 / b["bpm"]
    mode = _MODE[b["mode"]]
    lines = [
        "osu file format v14", "", "[General]", "AudioFilename: audio.mp3", "AudioLeadIn: 0", "PreviewTime: -1", "Countdown: 0",
        "SampleSet: Normal", "StackLeniency: 0.7", f"Mode: {mode}", "LetterboxInBreaks: 0", "WidescreenStoryboard: 0", "",
        "[Metadata]", f"Title:{s['title']}", f"TitleUnicode:{s['title']}", f"Artist:{s['artist']}", f"ArtistUnicode:{s['artist']}",
        f"Creator:{w.users[s['creator_id']]['username']}", f"Version:{b['version']}", "Source:", f"Tags:{s['tags']}",
        f"BeatmapID:{beatmap_id}", f"BeatmapSetID:{s['id']}", "", "[Difficulty]", f"HPDrainRate:{b['drain']}",
        f"CircleSize:{b['cs']}", f"OverallDifficulty:{b['accuracy']}", f"ApproachRate:{b['ar']}", "SliderMultiplier:1.4",
        "SliderTickRate:1", "", "[Events]", "//Background and Video events", "//Break Periods", "", "[TimingPoints]",
        f"1000,{beat:.6f},4,2,1,60,1,0", "", "[HitObjects]",
    ]
    t = 1000.0
    count = min(120, b["count_circles"] // 4 + 8)
    for i in range(count):
        x, y = rng.randint(32, 480), rng.randint(32, 352)
        if mode == 3:
            keys = int(b["cs"])
            column = i % keys
            x = int((column + 0.5) * 512 / keys)
            lines.append(f"{x},192,{int(t)},1,0,0:0:0:0:")
        elif i % 5 == 4 and mode != 3:
            end_x = min(500, x + 100)
            lines.append(f"{x},{y},{int(t)},2,0,L|{end_x}:{y},{1 + i % 2},100")
            t += beat * (1 + i % 2)
        else:
            lines.append(f"{x},{y},{int(t)},{5 if i == 0 else 1},0,0:0:0:0:")
        t += beat / 2
    if mode != 3:
        lines.append(f"256,192,{int(t + beat)},12,0,{int(t + beat * 5)},0:0:0:0:")
    return "\n".join(lines) + "\n"
