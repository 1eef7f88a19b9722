"""The game toolkit: mods, accuracy and grades, statistics, star rating and pp, replays.

Mods, accuracy and statistics are pure Python and imported eagerly; replays
and pp (rosu-pp-py, the ``osukit[pp]`` extra) load on first use.
"""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING, Any

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
    Mods,
    SettingInfo,
    UnknownModError,
    mod_info,
)
from .statistics import HitResult, to_lazer, to_legacy

if TYPE_CHECKING:
    from .performance import DifficultyResult, PerformanceResult, difficulty, performance
    from .replay import LazerReplayData, LifeBarPoint, Replay, ReplayError, ReplayFrame

__all__ = [
    "DifficultyAdjust",
    "DifficultyResult",
    "DuplicateModError",
    "Grade",
    "HitResult",
    "IncompatibleModsError",
    "InvalidModSettingError",
    "LazerReplayData",
    "LifeBarPoint",
    "Mod",
    "ModError",
    "ModInfo",
    "Mods",
    "PerformanceResult",
    "Replay",
    "ReplayError",
    "ReplayFrame",
    "SettingInfo",
    "UnknownModError",
    "accuracy",
    "difficulty",
    "grade",
    "lazer_accuracy",
    "lazer_grade",
    "legacy_accuracy",
    "legacy_grade",
    "mod_info",
    "performance",
    "statistics",
    "to_lazer",
    "to_legacy",
]

_LAZY = {
    "DifficultyResult": "performance",
    "PerformanceResult": "performance",
    "difficulty": "performance",
    "performance": "performance",
    "LazerReplayData": "replay",
    "LifeBarPoint": "replay",
    "Replay": "replay",
    "ReplayError": "replay",
    "ReplayFrame": "replay",
}


def __getattr__(name: str) -> Any:
    module = _LAZY.get(name)
    if module is None:
        raise AttributeError(f"module 'osukit.game' has no attribute {name!r}")
    value = getattr(importlib.import_module(f".{module}", __name__), name)
    globals()[name] = value
    return value
