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
