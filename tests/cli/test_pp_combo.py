"""`osukit pp` shows the combo rosu-pp computed with: with misses, never a full combo."""

from __future__ import annotations

import json

import pytest

from tests.cli.conftest import OSU_STD, Cli

pytest.importorskip("rosu_pp_py")


def _play_line(out: str) -> str:
    (line,) = [line for line in out.splitlines() if line.startswith("play")]
    return " ".join(line.split()[1:])


@pytest.mark.parametrize(("args", "play"), [
    ((), "98.5% acc, 117x/117x, 0 miss"),
    (("--misses", "2"), "98.5% acc, 115x/117x, 2 miss"),  # rosu-pp: the maximum combo minus the misses
    (("--misses", "2", "--combo", "100"), "98.5% acc, 100x/117x, 2 miss"),
    (("--misses", "2", "--combo", "117"), "98.5% acc, 115x/117x, 2 miss"),  # capped: 2 misses break the combo
])
def test_combo_shown_is_the_combo_used(cli: Cli, args: tuple[str, ...], play: str) -> None:
    r = cli("pp", str(OSU_STD), "--acc", "98.5", *args)
    assert r.code == 0, r.err
    assert _play_line(r.out) == play
    j = cli("pp", str(OSU_STD), "--acc", "98.5", *args, "--json")
    data = json.loads(j.out)
    assert f"{data['hits']['combo']}x/{data['max_combo']}x, {data['hits']['misses']} miss" in play
