"""`Secret`: a credential that is a plain ``str`` to every use and ``'***'`` to every inspection."""

from __future__ import annotations

from typing import Any

from ._redact import register_secret

__all__ = ["MASK", "Secret", "reveal"]

MASK = "***"


class Secret(str):
    """A credential (an access or refresh token, a client secret, an API key).

    It *is* a ``str`` (so ``token.access_token`` keeps working in headers, JSON, comparisons,
    f-strings and token stores, as before), but its ``repr`` is ``'***'``. Every generic
    inspection goes through ``repr``: ``repr`` and ``str`` of the objects holding it,
    ``rich.inspect``, ``rich.pretty``, ``pprint``, ``vars(obj)``, ``msgspec.structs.asdict``,
    ``dataclasses.asdict``, a debugger's variable view, so none of them show the value.
    `get_secret_value` (or ``str(secret)``) returns the plain text, on purpose.

    The value is also registered with the log and error redaction (`osukit._redact`).
    msgspec does not encode ``str`` subclasses: encode a [`Token`][osukit.Token] with its
    ``to_dict()`` (what the token stores do), or pass ``enc_hook=osukit.Secret.enc_hook``.
    """

    __slots__ = ()

    def __new__(cls, value: str) -> Secret:
        if isinstance(value, cls) and type(value) is cls:
            return value
        secret = super().__new__(cls, value)
        register_secret(str.__str__(secret))
        return secret

    def __repr__(self) -> str:
        return repr(MASK)

    def get_secret_value(self) -> str:
        """The plain text (a ``str``, not a `Secret`)."""
        return str.__str__(self)

    @staticmethod
    def enc_hook(obj: Any) -> Any:
        """An ``enc_hook`` for msgspec (``msgspec.json.encode(token, enc_hook=osukit.Secret.enc_hook)``):
        a `Secret` as its plain text."""
        return reveal(obj)

    def __reduce__(self) -> tuple[Any, ...]:
        return (Secret, (self.get_secret_value(),))

    def __copy__(self) -> Secret:
        return self

    def __deepcopy__(self, memo: Any) -> Secret:
        return self


def secret(value: str | None) -> str | None:
    """``value`` as a `Secret` (None and ``""`` stay as they are)."""
    if value is None or value == "":
        return value
    return Secret(value)


def reveal(obj: Any) -> Any:
    """An ``enc_hook`` for msgspec: a `Secret` as its plain text (anything else is refused)."""
    if isinstance(obj, Secret):
        return obj.get_secret_value()
    raise NotImplementedError(f"cannot encode {type(obj).__name__}")
