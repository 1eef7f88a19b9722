"""`osukit pp` shows the combo and the accuracy rosu-pp computed with: with misses, never a full combo, and
never an accuracy the misses make unreachable."""

from __future__ import annotations

import json
from typing import Any

import pytest

from tests.cli.conftest import OSU_STD, Cli

pytest.importorskip("rosu_pp_py")


def _row(out: str, name: str = "play") -> str:
    (line,) = [line for line in out.splitlines() if line.startswith(name + " ")]
    return " ".join(line.split()[1:])


@pytest.mark.parametrize(("args", "play"), [
    ((), "117x/117x, 0 miss"),
    (("--misses", "2"), "115x/117x, 2 miss"),  # rosu-pp: the maximum combo minus the misses
    (("--misses", "2", "--combo", "100"), "100x/117x, 2 miss"),
    (("--misses", "2", "--combo", "117"), "115x/117x, 2 miss"),  # capped: 2 misses break the combo
])
def test_combo_shown_is_the_combo_used(cli: Cli, args: tuple[str, ...], play: str) -> None:
    r = cli("pp", str(OSU_STD), "--acc", "98.5", *args)
    assert r.code == 0, r.err
    assert _row(r.out) == play
    j = cli("pp", str(OSU_STD), "--acc", "98.5", *args, "--json")
    data = json.loads(j.out)
    assert f"{data['hits']['combo']}x/{data['max_combo']}x, {data['hits']['misses']} miss" in play


# The map: 80 circles, 12 sliders (12 ends, 12 large ticks), 1 spinner. Lazer osu! counts slider ends and
# ticks in the accuracy (as rosu-pp does), stable only the 93 objects: 2 misses cap stable at 91/93 = 97.85%.
@pytest.mark.parametrize(("args", "shown"), [
    (("--acc", "99", "--misses", "2"), "98.00% (99% asked; not reachable with 2 misses)"),
    (("--acc", "99", "--misses", "2", "--stable"), "97.85% (99% asked; not reachable with 2 misses)"),
    (("--acc", "99", "--misses", "1", "--stable"), "98.92% (99% asked; not reachable with 1 miss)"),
    (("--acc", "99"), "98.67% (99% asked; the nearest possible)"),  # 2 hundreds: 29660/30060
    (("--acc", "97.85", "--stable"), "97.85%"),  # 89 300s, 4 100s: exactly what was asked
    ((), "100.00%"),
    (("--acc", "50", "--misses", "2"), "49.93% (50% asked; the nearest possible)"),
])
def test_accuracy_shown_is_the_accuracy_used(cli: Cli, args: tuple[str, ...], shown: str) -> None:
    r = cli("pp", str(OSU_STD), *args)
    assert r.code == 0, r.err
    assert _row(r.out, "accuracy") == shown
    data = json.loads(cli("pp", str(OSU_STD), *args, "--json").out)
    assert f"{data['accuracy']:.2f}%" == shown.split()[0]


@pytest.mark.parametrize("ruleset", ["osu", "taiko", "fruits", "mania"])
@pytest.mark.parametrize("lazer", [True, False])
def test_used_accuracy_is_the_one_rosu_pp_aims_at(ruleset: str, lazer: bool) -> None:
    """Asking rosu-pp for the accuracy shown gives back the same judgements: the formula matches rosu-pp's."""
    from osukit.cli._game import used_accuracy
    from osukit.game import performance

    data = OSU_STD.read_bytes()
    for acc, misses in ((99, 0), (95, 3), (90, 1)):
        first = performance(None, data, accuracy=acc, misses=misses, ruleset=ruleset, lazer=lazer)
        again = performance(None, data, accuracy=used_accuracy(first), misses=misses, ruleset=ruleset, lazer=lazer)
        assert again.hits == first.hits


def test_mania_shows_no_combo(cli: Cli) -> None:
    """mania pp ignores the combo: `-m mania --combo 100` does not print ``0x/394x`` (the 0 rosu-pp keeps),
    and the JSON has no ``"combo": 0``."""
    r = cli("pp", str(OSU_STD), "-m", "mania", "--combo", "100")
    assert r.code == 0, r.err
    assert _row(r.out) == "combo n/a in mania, 0 miss"
    data = json.loads(cli("pp", str(OSU_STD), "-m", "mania", "--combo", "100", "--json").out)
    assert data["ruleset"] == "mania" and "combo" not in data["hits"]
    assert "combo" in json.loads(cli("pp", str(OSU_STD), "--json").out)["hits"]  # other rulesets keep it


def test_pp_json_names_the_file_or_the_id(cli: Cli) -> None:
    data = json.loads(cli("pp", str(OSU_STD), "--json").out)
    assert data["beatmap"] is None and data["file"] == str(OSU_STD)


def test_pp_of_an_id(cli: Cli, emu: Any) -> None:
    """The id as a number in --json; a missing beatmap is said as one (not ``osu N … [legacy.beatmap_file]``)."""
    from .conftest import emu_env

    cli.env.update(emu_env(emu))
    beatmap_id = next(b["id"] for b in emu.state.world.beatmaps.values() if b["mode"] == "osu")
    data = json.loads(cli("pp", str(beatmap_id), "--json").out)
    assert data["beatmap"] == beatmap_id and data["file"] is None
    r = cli("pp", "999999999")
    assert r.code == 5, (r.out, r.err)
    assert r.err.splitlines()[0] == "osukit: error: beatmap 999999999 not found (404)", r.err
    assert "legacy.beatmap_file" not in r.err


def test_usage_names_arguments_in_capitals(cli: Cli) -> None:
    assert cli("pp", "--help").out.splitlines()[0] == "Usage: osukit pp [OPTIONS] BEATMAP"
    assert cli("track", "add", "--help").out.splitlines()[0] == "Usage: osukit track add [OPTIONS] USERS..."
    assert "{" not in cli("user", "--help").out.splitlines()[0]
