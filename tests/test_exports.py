"""The public surface: ``__all__`` sorted, complete and importable."""

from __future__ import annotations

import osukit


def test_all_is_sorted_and_importable() -> None:
    names = list(osukit.__all__)
    assert names == sorted(names, key=lambda n: (not n.isupper(), n)) or names == sorted(names)
    for name in names:
        assert getattr(osukit, name) is not None


def test_import_is_light() -> None:
    # (httpx itself imports rich and click for its own CLI when they are installed)
    import subprocess
    import sys

    out = subprocess.run([sys.executable, "-c", "import sys, osukit; print(','.join(m for m in ('rosu_pp_py','aiohttp','starlette','redis','matplotlib','typer','websockets','uvicorn') if m in sys.modules))"],
                         capture_output=True, text=True, check=True).stdout.strip()
    assert out == ""


def test_every_exception_is_an_osukit_error_and_drawn_in_the_tree() -> None:
    from osukit import _exceptions, game
    from osukit.contrib.redis import RateLimiterUnavailable

    tree = _exceptions.__doc__ or ""
    exported = [getattr(osukit, n) for n in osukit.__all__]
    errors = [e for e in exported if isinstance(e, type) and issubclass(e, BaseException)]
    errors += [game.ModError, game.ReplayError]
    assert len(errors) > 20
    for error in errors:
        assert issubclass(error, osukit.OsukitError), error
        assert error.__name__ in tree, f"{error.__name__} is missing from the exception tree"
    assert RateLimiterUnavailable is osukit.RateLimiterUnavailable
    assert issubclass(game.UnknownModError, ValueError)


def test_crawlers_are_exported_lazily() -> None:
    assert osukit.AsyncCrawler.__name__ == "AsyncCrawler"
    assert osukit.Crawler.__name__ == "Crawler"


def test_no_bare_builtin_errors_for_bad_input() -> None:
    """A user's bad input surfaces as an osukit error; the only builtin raises left are internal
    invariants and errors that the surrounding code catches and re-raises typed."""
    import re
    from pathlib import Path

    src = Path(osukit.__file__).parent
    allowed = {
        # caught right below and re-raised as ReplayError / DecodeError / a CLI usage error
        "game/replay.py": 4, "models/legacy.py": 1, "cli/_crawl.py": 1,
        # msgspec's decode hook must raise ValueError (it becomes a DecodeError)
        "game/mods.py": 1,
    }
    bare = re.compile(r"raise (ValueError|TypeError|KeyError|IndexError)\b")  # AttributeError: Python protocol
    found: dict[str, int] = {}
    for path in src.rglob("*.py"):
        rel = path.relative_to(src).as_posix()
        if rel.startswith(("_sync/", "resources/_sync/", "emulator/")):
            continue
        n = len(bare.findall(path.read_text()))
        if n:
            found[rel] = n
    assert found == allowed


def test_typed_errors_stay_compatible_with_builtin_catches() -> None:
    from osukit.game import BeatmapError, ModNotFoundError, Mods
    from osukit.routes import by_name

    assert issubclass(osukit.InvalidParameterError, ValueError)
    assert issubclass(osukit.InvalidParameterError, TypeError)
    assert issubclass(BeatmapError, ValueError)
    try:
        Mods.parse("HDDT")["HR"]
    except KeyError as exc:
        assert isinstance(exc, ModNotFoundError) and "HR" in str(exc)
    try:
        by_name("users.nope")
    except osukit.InvalidParameterError as exc:
        assert "users.nope" in str(exc)
    try:
        osukit.TokenBucket(0)
    except osukit.InvalidParameterError:
        pass
    else:  # pragma: no cover
        raise AssertionError("a zero rate must be refused")
