"""Lazy package attributes: a name is imported from its module on first use (keeps ``import osukit`` light)."""

from __future__ import annotations

import importlib
from collections.abc import Callable, Mapping
from typing import Any


def lazy_getattr(
    package: str, namespace: dict[str, Any], modules: Mapping[str, str], submodules: frozenset[str] = frozenset()
) -> Callable[[str], Any]:
    """A module ``__getattr__`` for ``package``: ``modules`` maps a name to the module it lives in.

    The first access imports ``.<module>`` relative to ``package`` and stores the value in
    ``namespace`` (the package's ``globals()``), so later accesses never come back here. A name in
    ``submodules`` is a subpackage, imported as it is.
    """

    def __getattr__(name: str) -> Any:
        if name in submodules:
            return importlib.import_module(f".{name}", package)
        module = modules.get(name)
        if module is None:
            raise AttributeError(f"module {package!r} has no attribute {name!r}")
        value = getattr(importlib.import_module(f".{module}", package), name)
        namespace[name] = value
        return value

    return __getattr__
