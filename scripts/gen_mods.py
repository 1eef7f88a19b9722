"""Generate ``src/osukit/game/_mod_data.py`` from osu-web's mod definitions.

Source: ``../shared/osu-web/mods.json`` beside the repository, a copy of
ppy/osu-web ``database/mods.json`` (itself exported from ppy/osu by
``osu.Game`` tooling). It lists, per ruleset, every mod's acronym, name,
description, type, settings (name and type) and incompatible mods.

mods.json has neither legacy bitmask values nor setting defaults, so two small
hand tables below fill them in, each labelled with where its values come from.

Usage::

    python scripts/gen_mods.py            # rewrite the module
    python scripts/gen_mods.py --check    # exit 1 if the committed module is stale
    python scripts/gen_mods.py --source path/to/mods.json

Re-run it after updating ``mods.json`` when osu! adds or changes mods.
"""

from __future__ import annotations

import argparse
import hashlib
import json
import sys
from pathlib import Path
from typing import Any

REPO = Path(__file__).resolve().parents[1]
DEFAULT_SOURCE = REPO.parent / "shared" / "osu-web" / "mods.json"
TARGET = REPO / "src" / "osukit" / "game" / "_mod_data.py"

RULESET_NAMES = {0: "osu", 1: "taiko", 2: "fruits", 3: "mania"}

# --- Hand table 1: legacy bitmask values --------------------------------------------------
# Source: ppy/osu osu.Game/Beatmaps/Legacy/LegacyMods.cs (the values) and each ruleset's
# ConvertToLegacyMods / ConvertFromLegacyMods (which lazer mod maps to which bit):
# osu.Game/Rulesets/Ruleset.cs (shared mods), osu.Game.Rulesets.Osu/OsuRuleset.cs (AP, SO, TP, TD),
# osu.Game.Rulesets.Mania/ManiaRuleset.cs (keys, DS = KeyCoop, FI, MR, RD).
# Implied bits (NC also sets DT, PF also sets SD, CN also sets AT) come from the same methods.
LEGACY_BITS_ALL_RULESETS: dict[str, int] = {
    "NF": 1 << 0,  # NoFail
    "EZ": 1 << 1,  # Easy
    "HD": 1 << 3,  # Hidden
    "HR": 1 << 4,  # HardRock
    "SD": 1 << 5,  # SuddenDeath
    "DT": 1 << 6,  # DoubleTime
    "RX": 1 << 7,  # Relax
    "HT": 1 << 8,  # HalfTime
    "NC": 1 << 9,  # Nightcore
    "FL": 1 << 10,  # Flashlight
    "AT": 1 << 11,  # Autoplay
    "PF": 1 << 14,  # Perfect
    "CN": 1 << 22,  # Cinema
    "SV2": 1 << 29,  # ScoreV2
}
LEGACY_BITS_BY_RULESET: dict[str, dict[str, int]] = {
    "osu": {
        "TD": 1 << 2,  # TouchDevice
        "SO": 1 << 12,  # SpunOut
        "AP": 1 << 13,  # Autopilot
        "TP": 1 << 23,  # Target
    },
    "taiko": {},
    "fruits": {},
    "mania": {
        "4K": 1 << 15,
        "5K": 1 << 16,
        "6K": 1 << 17,
        "7K": 1 << 18,
        "8K": 1 << 19,
        "FI": 1 << 20,  # FadeIn
        "RD": 1 << 21,  # Random
        "9K": 1 << 24,
        "DS": 1 << 25,  # KeyCoop (lazer: Dual Stages)
        "1K": 1 << 26,
        "3K": 1 << 27,
        "2K": 1 << 28,
        "MR": 1 << 30,  # Mirror
    },
}
# A => B: setting mod A's bit also sets mod B's bit (ppy/osu Ruleset.ConvertToLegacyMods).
LEGACY_IMPLIED: dict[str, str] = {"NC": "DT", "PF": "SD", "CN": "AT"}

# --- Hand table 2: setting defaults ---------------------------------------------------------
# Source: ppy/osu, the Bindable defaults of each mod's [SettingSource] properties:
# osu.Game/Rulesets/Mods/ModDoubleTime.cs, ModNightcore.cs (1.5), ModHalfTime.cs, ModDaycore.cs (0.75),
# ModWindUp.cs (1 -> 1.5), ModWindDown.cs (1 -> 0.75), ModAdaptiveSpeed.cs (1), ModEasyWithExtraLives.cs (2),
# ModDifficultyAdjust.cs and the rulesets' *ModDifficultyAdjust.cs (null = use the beatmap's value),
# ModAccuracyChallenge.cs (0.9, AccuracyMode.MaximumAchievable), ModFlashlight.cs and each ruleset's
# *ModFlashlight.cs (size 1, combo-based size on except mania; osu follow delay 120),
# osu.Game.Rulesets.Osu/Mods/OsuModHidden.cs, OsuModClassic.cs (all true), OsuModMirror.cs (Horizontal).
# Only settings of mods that exist in mods.json for a ruleset are kept; anything not listed has no
# known default (None).
SETTING_DEFAULTS: dict[str, dict[str, Any]] = {
    "DT": {"speed_change": 1.5, "adjust_pitch": False},
    "NC": {"speed_change": 1.5},
    "HT": {"speed_change": 0.75, "adjust_pitch": False},
    "DC": {"speed_change": 0.75},
    "WU": {"initial_rate": 1.0, "final_rate": 1.5, "adjust_pitch": True},
    "WD": {"initial_rate": 1.0, "final_rate": 0.75, "adjust_pitch": True},
    "AS": {"initial_rate": 1.0, "adjust_pitch": True},
    "EZ": {"retries": 2},
    "DA": {
        "circle_size": None,
        "approach_rate": None,
        "overall_difficulty": None,
        "drain_rate": None,
        "scroll_speed": None,
        "hard_rock_offsets": False,
        "extended_limits": False,
    },
    "AC": {"minimum_accuracy": 0.9, "accuracy_judge_mode": "MaximumAchievable", "restart": False},
    "FL": {"size_multiplier": 1.0, "combo_based_size": True, "follow_delay": 120.0},
    "HD": {"only_fade_approach_circles": False},
    "CL": {
        "no_slider_head_accuracy": True,
        "classic_note_lock": True,
        "always_play_tail_sample": True,
        "fade_hit_circle_early": True,
        "classic_health": True,
    },
    "MR": {"reflection": "Horizontal"},
}
SETTING_DEFAULTS_BY_RULESET: dict[tuple[str, str], dict[str, Any]] = {
    ("mania", "FL"): {"combo_based_size": False},  # ManiaModFlashlight: new BindableBool()
}


def _source_digest(raw: bytes) -> str:
    return hashlib.sha256(raw).hexdigest()


def build(raw: bytes, source_label: str) -> str:
    """Render the generated module for the mods.json bytes ``raw``."""
    data = json.loads(raw)
    by_ruleset: dict[str, list[tuple[Any, ...]]] = {}
    for entry in sorted(data, key=lambda e: e["RulesetID"]):
        ruleset = RULESET_NAMES[entry["RulesetID"]]
        bits = {**LEGACY_BITS_ALL_RULESETS, **LEGACY_BITS_BY_RULESET[ruleset]}
        rows: list[tuple[Any, ...]] = []
        for mod in entry["Mods"]:
            acronym = mod["Acronym"]
            defaults = {**SETTING_DEFAULTS.get(acronym, {}), **SETTING_DEFAULTS_BY_RULESET.get((ruleset, acronym), {})}
            settings = tuple(
                (s["Name"], s["Type"], defaults.get(s["Name"])) for s in mod["Settings"]
            )
            incompatible = tuple(sorted(a for a in set(mod["IncompatibleMods"]) if a != acronym))
            rows.append(
                (
                    acronym,
                    mod["Name"],
                    mod["Description"],
                    mod["Type"],
                    settings,
                    incompatible,
                    bits.get(acronym),
                    bool(mod["UserPlayable"]),
                )
            )
        by_ruleset[ruleset] = rows

    out: list[str] = [
        '"""Mod table for osukit.game.mods. GENERATED by scripts/gen_mods.py; do not edit.',
        "",
        f"Source: {source_label} (ppy/osu-web database/mods.json),",
        f"sha256 {_source_digest(raw)}.",
        "Legacy bits and setting defaults come from the hand tables in scripts/gen_mods.py (ppy/osu).",
        '"""',
        "",
        "from __future__ import annotations",
        "",
        "from typing import Final",
        "",
        f"SOURCE_SHA256: Final = {_source_digest(raw)!r}",
        "",
        "#: One row per mod: (acronym, name, description, type, settings, incompatible, legacy_bit, user_playable);",
        "#: settings are (name, type, default) with type one of 'number', 'boolean', 'string'.",
        "ModRow = tuple[",
        "    str, str, str, str, tuple[tuple[str, str, float | int | bool | str | None], ...], tuple[str, ...],",
        "    int | None, bool,",
        "]",
        "",
        "MODS: Final[dict[str, tuple[ModRow, ...]]] = {",
    ]
    for ruleset, rows in by_ruleset.items():
        out.append(f"    {ruleset!r}: (")
        for row in rows:
            out.append(f"        {row!r},")
        out.append("    ),")
    out.append("}")
    out.append("")
    implied = ", ".join(f"{k!r}: {v!r}" for k, v in LEGACY_IMPLIED.items())
    out.append("#: Setting mod A's legacy bit also sets mod B's (ppy/osu Ruleset.ConvertToLegacyMods).")
    out.append(f"LEGACY_IMPLIED: Final[dict[str, str]] = {{{implied}}}")
    out.append("")
    return "\n".join(out)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else None)
    parser.add_argument("--source", type=Path, default=DEFAULT_SOURCE, help="path to osu-web's mods.json")
    parser.add_argument("--check", action="store_true", help="exit 1 if the committed module is stale")
    args = parser.parse_args(argv)

    raw = args.source.read_bytes()
    label = "../shared/osu-web/mods.json" if args.source.resolve() == DEFAULT_SOURCE.resolve() else str(args.source)
    text = build(raw, label)
    if args.check:
        current = TARGET.read_text(encoding="utf-8") if TARGET.exists() else ""
        if current != text:
            print(f"{TARGET.relative_to(REPO)} is stale; run: python scripts/gen_mods.py", file=sys.stderr)
            return 1
        print(f"{TARGET.relative_to(REPO)} is up to date")
        return 0
    TARGET.parent.mkdir(parents=True, exist_ok=True)
    TARGET.write_text(text, encoding="utf-8")
    print(f"wrote {TARGET.relative_to(REPO)} from {label}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
