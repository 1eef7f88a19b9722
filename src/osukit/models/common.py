"""Types shared by models of several API groups."""

from __future__ import annotations

from typing import Any

from msgspec import UNSET, UnsetType

from .._models import Model

__all__ = ["UNSET", "CursorObject", "Model", "ModsValue", "UnsetType"]

ModsValue = list[Any]
"""The JSON of a ``mods`` field: acronyms (``["HD"]``) or objects (``[{"acronym": "DT"}]``).

Replaced by :class:`osukit.game.Mods` once the mods module is wired in; model
authors annotate ``mods`` fields with this alias so that switch is one line.
"""

CursorObject = dict[str, Any]
"""osu-web's deprecated ``cursor`` object (pass it back as ``cursor[key]=value``)."""
