"""Parameter checks shared by the resource groups (raise before a request osu-web would refuse)."""

from __future__ import annotations

import enum
from collections.abc import Iterable
from typing import Any, TypeVar

from .._constants import MAX_IDS_PER_REQUEST
from .._exceptions import InvalidParameterError
from ..enums import Ruleset

__all__ = ["InvalidParameterError", "check_ids", "check_limit", "check_range", "enum_value", "ruleset_or_none", "user_key"]

E = TypeVar("E", bound=enum.Enum)


def check_limit(limit: int | None, *, low: int = 1, high: int, name: str = "limit") -> int | None:
    """``limit`` unless it is outside osu-web's accepted range."""
    if limit is None:
        return None
    if isinstance(limit, bool) or not isinstance(limit, int):
        raise InvalidParameterError(f"{name} must be an int, got {type(limit).__name__}")
    if not low <= limit <= high:
        raise InvalidParameterError(f"{name} must be between {low} and {high}, got {limit}")
    return limit


def check_range(value: int | None, *, low: int, high: int, name: str) -> int | None:
    """``value`` unless outside ``[low, high]``."""
    return check_limit(value, low=low, high=high, name=name)


def check_ids(ids: Iterable[Any], *, name: str = "ids", cap: int = MAX_IDS_PER_REQUEST) -> list[Any]:
    """A list of ids, refused when more than osu-web accepts in one request."""
    if isinstance(ids, (str, bytes)):
        raise InvalidParameterError(f"{name} must be a list of ids, not a single string")
    out = list(ids)
    if len(out) > cap:
        raise InvalidParameterError(
            f"{name} holds {len(out)} values; osu-web accepts at most {cap} per request (use get_many)"
        )
    return out


def enum_value(value: Any, cls: type[E], name: str) -> E:
    """``value`` as a member of ``cls`` (accepting the member or its value).

    Only the members osukit knows: the osu enums take unknown values as pseudo-members so that
    responses decode, but a request parameter with one (a typo, ``"bestt"``) would only reach osu!
    to be answered 404 or ignored.

    Raises:
        InvalidParameterError: ``value`` is not one of the members, before any request; the text lists them.
    """
    try:
        member = value if isinstance(value, cls) else cls(value)
    except ValueError:
        member = None
    if member is None or getattr(member, "is_known", True) is False:
        allowed = ", ".join(str(m.value) for m in cls)
        raise InvalidParameterError(f"{name} must be one of {allowed}; got {value!r}")
    return member


def choice(value: str | None, allowed: tuple[str, ...], name: str) -> str | None:
    """``value`` when it is one of ``allowed`` (None stays None): a string parameter osu-web only
    understands in a few spellings (and otherwise ignores, or answers 404/422).

    Raises:
        InvalidParameterError: another value, before any request; the text lists the allowed ones.
    """
    if value is None or value in allowed:
        return value
    raise InvalidParameterError(f"{name} must be one of {', '.join(allowed)}; got {value!r}")


def choices(values: Any, allowed: tuple[str, ...], name: str) -> list[str]:
    """Every item of ``values`` checked by `choice`, as a list.

    Raises:
        InvalidParameterError: an item that is not one of ``allowed``.
    """
    if isinstance(values, str):
        values = values.split(".") if "." in values else [values]
    return [str(choice(str(v), allowed, name)) for v in values]


def ruleset_id_or_none(value: Ruleset | str | int | None) -> int | None:
    """The numeric ruleset id (``ruleset_id``) from a name, alias or id (None stays None)."""
    ruleset = ruleset_or_none(value)
    return None if ruleset is None else ruleset.id


def ruleset_or_none(value: Ruleset | str | int | None) -> Ruleset | None:
    """A `Ruleset` from a name, alias or id (None stays None)."""
    if value is None:
        return None
    try:
        return Ruleset.parse(value)
    except ValueError as exc:
        raise InvalidParameterError(str(exc)) from None


def user_key(user: int | str) -> tuple[str, str | None]:
    """The ``{user}`` path value and ``key`` query for a user given as id, ``"@name"`` or name.

    An int is an id; ``"@name"`` and other strings are usernames (a numeric
    string such as ``"123"`` is sent as ``@123`` so it is never taken for an id).
    """
    if isinstance(user, bool):
        raise InvalidParameterError("user must be an int id or a username")
    if isinstance(user, int):
        if user <= 0:
            raise InvalidParameterError(f"user id must be positive, got {user}")
        return str(user), None
    if isinstance(user, str):
        name = user.strip()
        if not name:
            raise InvalidParameterError("username must not be empty")
        if name.startswith("@"):
            return name, None
        return "@" + name, None
    raise InvalidParameterError(f"user must be an int id or a username, got {type(user).__name__}")
