"""Bare built-in exceptions, second pass: huge mod bitmask strings and racing ``.osu`` cache fills."""

from __future__ import annotations

import asyncio
import threading
from pathlib import Path
from typing import Any

import pytest

import osukit
from osukit.emulator import Emulator
from osukit.game import ModError, Mods

from .._figures import count

HUGE = ["9" * 4301, "1" * 5000, "0" * 10000 + "8", "4" * 21, "1" * 100_000, " " + "7" * 4400 + " "]


@pytest.mark.parametrize("text", HUGE, ids=lambda t: f"{len(t.strip())}-digits")
def test_huge_bitmask_strings_are_mod_errors(text: str) -> None:
    for call in (lambda: Mods.from_legacy(text), lambda: Mods(text), lambda: Mods.from_legacy(text, "osu")):
        try:
            mods = call()
        except ModError as exc:
            assert len(str(exc)) < 300  # the digits are not quoted back
            count("bare exceptions", "huge bitmask strings refused")
        else:  # leading zeros only: a real (small) bitmask
            assert text.strip().lstrip("0") == "8" and tuple(mods.acronyms) == ("HD",)


def test_bitmask_strings_that_fit_still_work() -> None:
    assert tuple(Mods.from_legacy("72").acronyms) == ("HD", "DT")
    assert tuple(Mods.from_legacy("000000000000000000000000072").acronyms) == ("HD", "DT")
    assert tuple(Mods("16416").acronyms) == ("PF",)


@pytest.fixture(scope="module")
def emu() -> Any:
    with Emulator(seed=0) as e:
        yield e


def _beatmap_id(emu: Any) -> int:
    return int(next(iter(emu.state.world.beatmaps)))


def test_threads_filling_one_osu_cache_entry(emu: Any, tmp_path: Path) -> None:
    bid = _beatmap_id(emu)
    threads_n, rounds = 16, 3
    errors: list[BaseException] = []
    results: list[bytes] = []
    with osukit.Client(base_url=emu.base_url, api_key=emu.api_key, rate_limit=0) as client:
        for r in range(rounds):
            cache = tmp_path / f"round{r}"
            barrier = threading.Barrier(threads_n)

            def fill(cache: Path = cache, barrier: threading.Barrier = barrier) -> None:
                try:
                    barrier.wait(30)
                    results.append(client.legacy.beatmap_file(bid, cache_dir=cache, md5="0" * 32))
                except BaseException as exc:
                    errors.append(exc)

            threads = [threading.Thread(target=fill) for _ in range(threads_n)]
            for t in threads:
                t.start()
            for t in threads:
                t.join(60)
            assert sorted(p.name for p in cache.iterdir()) == [f"{bid}.osu"]  # no temp file left
            assert (cache / f"{bid}.osu").read_bytes() == results[0]
    assert errors == []
    assert len(results) == threads_n * rounds and len(set(results)) == 1 and results[0]
    count("bare exceptions", "concurrent .osu cache fills", threads_n * rounds)


def test_tasks_filling_one_osu_cache_entry(emu: Any, tmp_path: Path) -> None:
    bid = _beatmap_id(emu)

    async def main() -> list[bytes]:
        async with osukit.AsyncClient(base_url=emu.base_url, api_key=emu.api_key, rate_limit=0) as client:
            return await asyncio.gather(*(client.legacy.beatmap_file(bid, cache_dir=tmp_path, md5="0" * 32)
                                          for _ in range(32)))

    results = asyncio.run(main())
    assert len(set(results)) == 1 and sorted(p.name for p in tmp_path.iterdir()) == [f"{bid}.osu"]


def test_unwritable_cache_still_returns_the_file(emu: Any, tmp_path: Path, caplog: pytest.LogCaptureFixture) -> None:
    bid = _beatmap_id(emu)
    blocker = tmp_path / "a-file"
    blocker.write_text("x")  # the cache "directory" is a file: mkdir fails
    with osukit.Client(base_url=emu.base_url, api_key=emu.api_key, rate_limit=0) as client:
        data = client.legacy.beatmap_file(bid, cache_dir=blocker / "cache")
        assert data
        # an entry that is a directory cannot be read or replaced: still the file
        (tmp_path / "c" / f"{bid}.osu").mkdir(parents=True)
        assert client.legacy.beatmap_file(bid, cache_dir=tmp_path / "c") == data
    assert any("could not cache" in r.getMessage() for r in caplog.records)
