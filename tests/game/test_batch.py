"""pp for many scores over a process pool: the same numbers as one call at a time, in any order."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

pytest.importorskip("rosu_pp_py")

from osukit import InvalidParameterError
from osukit.emulator.dataset import build
from osukit.emulator.osufile import osu_file
from osukit.game import BeatmapError, performance
from osukit.game.batch import performance_many


def _world_scores(tmp_path: Path, n_maps: int = 6) -> tuple[list[dict[str, Any]], Path]:
    world = build(0)
    maps = tmp_path / "maps"
    maps.mkdir()
    chosen = [b for b in world.beatmaps if any(s["beatmap_id"] == b for s in world.scores.values())][:n_maps]
    for bid in chosen:
        (maps / f"{bid}.osu").write_text(osu_file(world, bid), encoding="utf-8")
    scores = [{k: v for k, v in s.items() if k != "ended_at"} for s in world.scores.values() if s["beatmap_id"] in chosen]
    return scores, maps


@pytest.mark.parametrize("processes", [1, 2])
def test_pool_gives_the_same_pp_as_one_call_at_a_time(tmp_path: Path, processes: int) -> None:
    scores, maps = _world_scores(tmp_path)
    scores.append({"beatmap_id": 999, "statistics": {"great": 1}, "ruleset_id": 0, "mods": []})  # no such map
    got = dict(performance_many(scores, maps, processes=processes, chunk_size=7))
    assert sorted(got) == list(range(len(scores)))
    assert isinstance(got[len(scores) - 1], BeatmapError)
    for i, score in enumerate(scores[:-1]):
        expected = performance(score, maps / f"{score['beatmap_id']}.osu")
        result = got[i]
        assert not isinstance(result, BeatmapError)
        assert (result.pp, result.stars, result.max_combo, result.lazer) == (
            expected.pp, expected.stars, expected.max_combo, expected.lazer), (i, score["id"])


def test_bad_arguments_are_typed(tmp_path: Path) -> None:
    with pytest.raises(InvalidParameterError, match="beatmap_id"):
        list(performance_many([{"statistics": {}}], tmp_path))
    with pytest.raises(InvalidParameterError):
        list(performance_many([], tmp_path, processes=0))
