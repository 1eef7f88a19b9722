"""Types shared by models of several API groups."""

from __future__ import annotations

from typing import Any

from msgspec import UNSET, UnsetType

from .._models import Model, register_type
from ..game.mods import Mods

__all__ = ["UNSET", "CursorObject", "Model", "Mods", "ModsValue", "UnsetType"]

register_type(Mods, Mods._from_json)

ModsValue = Mods
"""A ``mods`` field: [`osukit.game.Mods`][osukit.game.mods.Mods], decoded from acronyms (``["HD"]``) or objects
(``[{"acronym": "DT"}]``) and dumped back in the form it came in."""

CursorObject = dict[str, Any]
"""osu-web's deprecated ``cursor`` object (pass it back as ``cursor[key]=value``)."""
