"""Duration strings as the CLI and the tracker take them: ``90s``, ``30m``, ``1h``, ``7d``, ``2w``, ``1h30m``."""

from __future__ import annotations

import re

from ._exceptions import InvalidParameterError

__all__ = ["UNITS", "parse_duration"]

UNITS = {"s": 1, "m": 60, "h": 3600, "d": 86400, "w": 604800}
"""Seconds per unit letter."""

_ACCEPTED = "e.g. 90s, 30m, 12h, 7d, 2w or 1h30m (units: s, m, h, d, w)"


def parse_duration(text: str) -> float:
    """``"90s"``, ``"30m"``, ``"12h"``, ``"7d"``, ``"2w"``, ``"1h30m"`` → seconds.

    Raises:
        InvalidParameterError: not such a string, no unit (``"7"``: seven what?), or not above zero.
    """
    if not isinstance(text, str):
        raise InvalidParameterError(f"a duration must be a string like {_ACCEPTED}, not {type(text).__name__}")
    spec = text.strip().lower()
    if re.fullmatch(r"\d+(\.\d+)?", spec):
        raise InvalidParameterError(f"duration {text!r} has no unit: write {spec}s, {spec}m, {spec}h or {spec}d")
    parts = re.findall(r"(\d+(?:\.\d+)?)([smhdw])", spec)
    if not parts or "".join(n + u for n, u in parts) != spec:
        raise InvalidParameterError(f"bad duration {text!r}: use {_ACCEPTED}")
    seconds = sum(float(n) * UNITS[u] for n, u in parts)
    if seconds <= 0:
        raise InvalidParameterError(f"bad duration {text!r}: it must be more than zero")
    return seconds
