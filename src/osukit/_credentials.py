"""Checks on the credentials a user gives osukit, made where they are taken (at construction).

Docs examples write ``client_id=...`` and ``client_secret="…"`` for "your value here".
Pasted as is, ``...`` (Python's ``Ellipsis``) used to be sent as the text ``Ellipsis`` and
end in a 401 from osu!; these checks refuse such placeholders, and values of the wrong
type, with a [`ConfigurationError`][osukit.ConfigurationError] that says what to replace.

osu! client ids are positive integers (the "Client ID" of an OAuth application on
https://osu.ppy.sh/home/account/edit#oauth); a string of digits is accepted too, as
environment variables and config files give them.
"""

from __future__ import annotations

from typing import Any

from ._exceptions import ConfigurationError
from ._secret import secret

__all__ = ["checked_client_id", "checked_secret", "secret_arg"]

OAUTH_PAGE = "https://osu.ppy.sh/home/account/edit#oauth"
_PLACEHOLDER_TEXTS = frozenset({"...", "…", "<client_id>", "<client_secret>", "<api_key>"})


def _placeholder(name: str, what: str, where: str) -> ConfigurationError:
    # The docs' examples write ``client_id=..., client_secret=...``: pasted as they are, the way out
    # that needs no editing is to leave both out (against the emulator, its printed export lines).
    env = (" (or leave client_id and client_secret out: a client then reads OSU_CLIENT_ID and "
           "OSU_CLIENT_SECRET, e.g. the export lines `osukit emulator serve` prints)"
           if name in ("client_id", "client_secret") and not where else "")
    return ConfigurationError(
        f"{name}{where} is a placeholder: replace the placeholder with {what}{env}",
        remedy=f"replace the placeholder {name} with {what}",
    )


def checked_client_id(value: Any, *, name: str = "client_id", where: str = "") -> int | str | None:
    """``value`` if it can be an osu! client id (None, a positive int or a string of digits).

    Raises:
        ConfigurationError: ``...`` or another placeholder, or a value of another type
            (the message says "replace the placeholder").
    """
    what = f"your OAuth application's client id (a number, from {OAUTH_PAGE})"
    if value is None:
        return None
    if value is Ellipsis or (isinstance(value, str) and value.strip() in _PLACEHOLDER_TEXTS):
        raise _placeholder(name, what, where)
    if isinstance(value, bool) or not isinstance(value, (int, str)):
        raise ConfigurationError(
            f"{name}{where} must be an int, got {type(value).__name__}: replace the placeholder with {what}",
            remedy=f"replace the placeholder {name} with {what}",
        )
    text = str(value).strip()
    if not text.isdigit() or int(text) <= 0:
        shown = "a negative number or 0" if text.lstrip("-").isdigit() else "not a number"
        raise ConfigurationError(f"{name}{where} is {shown}: replace the placeholder with {what}",
                                 remedy=f"replace the placeholder {name} with {what}")
    return value


def checked_secret(value: Any, *, name: str = "client_secret", what: str | None = None,
                   where: str = "") -> str | None:
    """``value`` if it can be a secret (None or a non-placeholder ``str``); the text never appears in errors.

    Raises:
        ConfigurationError: ``...``, ``"…"`` or another placeholder, or a value that is not a ``str``
            (the message says "replace the placeholder").
    """
    what = what or f"your OAuth application's client secret (from {OAUTH_PAGE})"
    if value is None:
        return None
    if value is Ellipsis or (isinstance(value, str) and value.strip() in _PLACEHOLDER_TEXTS):
        raise _placeholder(name, what, where)
    if not isinstance(value, str):
        raise ConfigurationError(
            f"{name}{where} must be a str, got {type(value).__name__}: replace the placeholder with {what}",
            remedy=f"replace the placeholder {name} with {what}",
        )
    return value


def secret_arg(value: Any, *, name: str = "client_secret", what: str | None = None, where: str = "") -> str | None:
    """A credential argument checked (`checked_secret`) and kept as a `Secret` (``'***'`` to any
    inspection; making it registers it for redaction); None and ``""`` stay as they are.

    Raises:
        ConfigurationError: as `checked_secret`.
    """
    return secret(checked_secret(value, name=name, what=what, where=where))
