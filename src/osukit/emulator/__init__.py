"""An offline osu! API: a faithful emulator of osu.ppy.sh for tests, demos and your own test suite.

    from osukit.emulator import Emulator

    with Emulator(seed=0) as emu:
        with osukit.Client(client_id=emu.client_id, client_secret=emu.client_secret,
                           base_url=emu.base_url, rate_limit=0) as osu:
            ...

It serves every route a third-party token can call, API v1, ``.osu`` files,
OAuth (client credentials, authorization code with auto-approval, refresh,
revoke), osu-web's errors, pagination, ``x-api-version`` shapes and rate
limits, the chat websocket at ``/notify``, and test controls under
``/_emulator/`` (dataset, token minting, fault injection, statistics).
Needs the ``osukit[emulator]`` extra (starlette, uvicorn).
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from .._exceptions import MissingExtraError

if TYPE_CHECKING:
    from .app import create_app
    from .server import Emulator, main

__all__ = ["Emulator", "create_app", "main"]


def _missing(exc: ImportError) -> MissingExtraError:
    name = (exc.name or "").split(".")[0] or None
    return MissingExtraError("the osu! emulator", "emulator", f"missing: {name or exc}", missing=name)


def __getattr__(name: str) -> Any:
    """``Emulator``, ``create_app`` and ``main``, imported on first use (MissingExtraError without the extra)."""
    if name == "create_app":
        try:
            from .app import create_app
        except ModuleNotFoundError as exc:
            raise _missing(exc) from None
        return create_app
    if name in ("Emulator", "main"):
        try:
            from . import server
        except ModuleNotFoundError as exc:
            raise _missing(exc) from None
        return getattr(server, name)
    raise AttributeError(f"module 'osukit.emulator' has no attribute {name!r}")
