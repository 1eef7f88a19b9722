"""Checks of client arguments that are not about a route (each bad value is a typed error)."""

from __future__ import annotations

from typing import Any

from . import _constants as C
from ._exceptions import InvalidParameterError

__all__ = ["api_version_arg"]


def api_version_arg(value: Any) -> int:
    """``api_version=``: None (osukit's default), or an osu-web API version as an int or digits (``20250913``,
    the ``YYYYMMDD`` form of the ``x-api-version`` header).

    Raises:
        InvalidParameterError: anything else (``"latest"``, a float, a bool, a date with dashes…).
    """
    if value is None:
        return C.DEFAULT_API_VERSION
    if isinstance(value, str) and value.strip().isdigit():
        value = int(value.strip())
    if isinstance(value, bool) or not isinstance(value, int) or value <= 0:
        raise InvalidParameterError(
            f"api_version must be None (osukit's default, {C.DEFAULT_API_VERSION}) or an osu-web API version "
            f"as YYYYMMDD digits, e.g. {C.DEFAULT_API_VERSION} or '{C.DEFAULT_API_VERSION}'; not {value!r}")
    return value
