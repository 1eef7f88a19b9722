"""The game toolkit: mods, accuracy and grades, statistics, star rating and pp, replays.

Mods, accuracy and statistics are pure Python and imported eagerly; replays
and pp (rosu-pp-py, the ``osukit[pp]`` extra) load on first use.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from .._lazy import lazy_getattr
from . import statistics
from .accuracy import Grade, accuracy, grade, lazer_accuracy, lazer_grade, legacy_accuracy, legacy_grade
from .mods import (
    DifficultyAdjust,
    DuplicateModError,
    IncompatibleModsError,
    InvalidModSettingError,
    Mod,
    ModError,
    ModInfo,
    ModNotFoundError,
    Mods,
    SettingInfo,
    UnknownModError,
    mod_info,
)
from .statistics import HitResult, to_lazer, to_legacy

if TYPE_CHECKING:
    from .pp import (
        DifficultyResult,
        HitCountWarning,
        PerformanceResult,
        difficulty,
        load_beatmap,
        performance,
    )
    from .replay import (
        CatchKeys,
        LazerReplayData,
        LifeBarPoint,
        OsuKeys,
        Replay,
        ReplayError,
        ReplayFrame,
        TaikoKeys,
    )

__all__ = [
    "BeatmapError",
    "CatchKeys",
    "DifficultyAdjust",
    "DifficultyResult",
    "DuplicateModError",
    "Grade",
    "HitCountWarning",
    "HitResult",
    "IncompatibleModsError",
    "InvalidModSettingError",
    "LazerReplayData",
    "LifeBarPoint",
    "Mod",
    "ModError",
    "ModInfo",
    "ModNotFoundError",
    "Mods",
    "OsuKeys",
    "PerformanceResult",
    "Replay",
    "ReplayError",
    "ReplayFrame",
    "SettingInfo",
    "TaikoKeys",
    "UnknownModError",
    "accuracy",
    "difficulty",
    "grade",
    "lazer_accuracy",
    "lazer_grade",
    "legacy_accuracy",
    "legacy_grade",
    "load_beatmap",
    "mod_info",
    "performance",
    "statistics",
    "to_lazer",
    "to_legacy",
]

_LAZY = {
    "BeatmapError": "pp",
    "DifficultyResult": "pp",
    "HitCountWarning": "pp",
    "PerformanceResult": "pp",
    "difficulty": "pp",
    "performance": "pp",
    "LazerReplayData": "replay",
    "LifeBarPoint": "replay",
    "Replay": "replay",
    "ReplayError": "replay",
    "ReplayFrame": "replay",
    "OsuKeys": "replay",
    "TaikoKeys": "replay",
    "CatchKeys": "replay",
    "load_beatmap": "pp",
}

__getattr__ = lazy_getattr(__name__, globals(), _LAZY)
