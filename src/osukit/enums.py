"""Enumerations shared by models, parameters and the game toolkit.

Every enum here tolerates values osu! may add later: decoding an unknown value
yields a pseudo-member (``Ruleset("newmode")`` works, ``.is_known`` is False)
instead of failing, so a new value from osu-web never breaks a response.
"""

from __future__ import annotations

import enum
from typing import Any

from ._exceptions import InvalidParameterError

__all__ = [
    "BeatmapsetStatus",
    "OsuIntEnum",
    "OsuStrEnum",
    "Ruleset",
]


class OsuStrEnum(str, enum.Enum):
    """A string enum that accepts unknown values as pseudo-members."""

    @classmethod
    def _missing_(cls, value: object) -> Any:
        if not isinstance(value, str):
            return None
        pseudo = str.__new__(cls, value)
        pseudo._name_ = value.upper()
        pseudo._value_ = value
        return pseudo

    @property
    def is_known(self) -> bool:
        """True when this value is one osukit knows (not a pseudo-member)."""
        return self._name_ in type(self).__members__

    def __str__(self) -> str:
        return str(self.value)


class OsuIntEnum(int, enum.Enum):
    """An int enum that accepts unknown values as pseudo-members."""

    @classmethod
    def _missing_(cls, value: object) -> Any:
        if not isinstance(value, int) or isinstance(value, bool):
            return None
        pseudo = int.__new__(cls, value)
        pseudo._name_ = f"UNKNOWN_{value}"
        pseudo._value_ = value
        return pseudo

    @property
    def is_known(self) -> bool:
        """True when this value is one osukit knows (not a pseudo-member)."""
        return self._name_ in type(self).__members__


_RULESET_IDS = {"osu": 0, "taiko": 1, "fruits": 2, "mania": 3}
_RULESET_ALIASES = {
    "std": "osu", "standard": "osu", "0": "osu",
    "1": "taiko",
    "catch": "fruits", "ctb": "fruits", "2": "fruits",
    "3": "mania",
}


class Ruleset(OsuStrEnum):
    """A game mode, spelled as API v2 spells it (``osu``, ``taiko``, ``fruits``, ``mania``)."""

    OSU = "osu"
    TAIKO = "taiko"
    FRUITS = "fruits"
    MANIA = "mania"

    @property
    def id(self) -> int:
        """The numeric ruleset id (v1 ``m``, ``ruleset_id`` in v2 scores)."""
        return _RULESET_IDS[self.value]

    @classmethod
    def from_id(cls, ruleset_id: int) -> Ruleset:
        """The ruleset for a numeric id (0 osu, 1 taiko, 2 fruits, 3 mania)."""
        for name, rid in _RULESET_IDS.items():
            if rid == ruleset_id:
                return cls(name)
        raise InvalidParameterError(f"unknown ruleset id {ruleset_id!r} (expected 0-3)")

    @classmethod
    def parse(cls, value: Ruleset | str | int) -> Ruleset:
        """Accept a Ruleset, its name, a common alias (``std``, ``ctb``, ``catch``) or an id."""
        if isinstance(value, Ruleset):
            return value
        if isinstance(value, int) and not isinstance(value, bool):
            return cls.from_id(value)
        if isinstance(value, str):
            key = value.strip().lower()
            key = _RULESET_ALIASES.get(key, key)
            if key in _RULESET_IDS:
                return cls(key)
        raise InvalidParameterError(f"unknown ruleset {value!r} (expected osu, taiko, fruits or mania)")


class BeatmapsetStatus(OsuStrEnum):
    """Ranked status of a beatmap or beatmapset as v2 spells it."""

    GRAVEYARD = "graveyard"
    WIP = "wip"
    PENDING = "pending"
    RANKED = "ranked"
    APPROVED = "approved"
    QUALIFIED = "qualified"
    LOVED = "loved"

    @property
    def legacy_id(self) -> int:
        """The integer v1 uses in ``approved`` (-2 graveyard … 4 loved)."""
        return _STATUS_IDS[self.value]

    @classmethod
    def from_legacy_id(cls, value: int) -> BeatmapsetStatus:
        """The status for v1's ``approved`` integer."""
        for name, sid in _STATUS_IDS.items():
            if sid == value:
                return cls(name)
        raise InvalidParameterError(f"unknown beatmap status id {value!r} (expected -2..4)")


_STATUS_IDS = {
    "graveyard": -2, "wip": -1, "pending": 0, "ranked": 1, "approved": 2, "qualified": 3, "loved": 4,
}
