"""Every public osukit exception is reachable as ``osukit.<Name>``, listed in ``osukit.__all__`` and drawn
in the exception tree of ``osukit._exceptions``."""

from __future__ import annotations

import importlib
import pkgutil
import subprocess
import sys

import osukit
from osukit import _exceptions


def _all_subclasses(cls: type) -> set[type]:
    out: set[type] = set()
    for sub in cls.__subclasses__():
        out.add(sub)
        out |= _all_subclasses(sub)
    return out


def _public(cls: type) -> bool:
    parts = [*cls.__module__.split("."), cls.__name__]
    return parts[0] == "osukit" and not cls.__name__.startswith("_") and "emulator" not in parts


def test_every_public_exception_is_exported_and_drawn() -> None:
    for info in pkgutil.walk_packages(osukit.__path__, "osukit."):
        if info.name.endswith("__main__") or ".emulator" in info.name:
            continue
        importlib.import_module(info.name)  # so every subclass exists
    errors = sorted((c for c in _all_subclasses(osukit.OsukitError) if _public(c)), key=lambda c: c.__name__)
    assert len(errors) >= 60
    tree = _exceptions.__doc__ or ""
    missing = [c.__name__ for c in errors if getattr(osukit, c.__name__, None) is not c]
    unlisted = [c.__name__ for c in errors if c.__name__ not in osukit.__all__]
    undrawn = [c.__name__ for c in errors if c.__name__ not in tree]
    assert (missing, unlisted, undrawn) == ([], [], [])
    for name in ("HubConnectionError", "ConnectionReplacedError", "InvocationInterruptedError", "NoActiveCountdownError",
                 "RoomLimitReachedError", "TaskFailed", "ModError", "PoolError", "ReplayError"):
        assert name in osukit.__all__


def test_lazy_error_exports_do_not_load_their_modules_at_import() -> None:
    probe = ("import sys, osukit; mods = ('osukit.game', 'osukit.tournament', 'osukit.contrib.distributed');"
             "print(','.join(m for m in mods if m in sys.modules)); print(osukit.TaskFailed.__module__)")
    out = subprocess.run([sys.executable, "-c", probe], capture_output=True, text=True, check=True).stdout.split()
    assert out == ["osukit.contrib.distributed"]  # nothing loaded by the import, loaded on first access
