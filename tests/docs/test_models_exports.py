"""Every model is importable from ``osukit.models`` (``from osukit.models import User``)."""

from __future__ import annotations

import importlib
import pkgutil

import msgspec

import osukit.models


def test_from_osukit_models_import_user() -> None:
    from osukit.models import Beatmap, Score, User
    from osukit.models.beatmaps import Beatmap as B
    from osukit.models.scores import Score as S
    from osukit.models.users import User as U

    assert (User, Score, Beatmap) == (U, S, B)


def test_every_model_of_every_module_is_re_exported() -> None:
    missing = []
    for info in pkgutil.iter_modules(osukit.models.__path__):
        module = importlib.import_module(f"osukit.models.{info.name}")
        for name in getattr(module, "__all__", []):
            if getattr(osukit.models, name, None) is not getattr(module, name):
                missing.append(f"{info.name}.{name}")
        structs = [n for n, v in vars(module).items() if isinstance(v, type) and issubclass(v, msgspec.Struct)
                   and v.__module__ == module.__name__ and not n.startswith("_")]
        missing += [f"{info.name}.{n} (not in its __all__)" for n in structs if n not in getattr(module, "__all__", [])]
    assert not missing, missing
    assert sorted(osukit.models.__all__[1:]) == osukit.models.__all__[1:]  # UNSET first, then sorted
    assert len(set(osukit.models.__all__)) == len(osukit.models.__all__)
    for name in osukit.models.__all__:
        assert getattr(osukit.models, name) is not None
