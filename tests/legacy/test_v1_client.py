"""API v1 on both clients against the emulator: typed results, errors, parameter checks."""

from __future__ import annotations

import asyncio
from typing import Any

import pytest

import osukit
from osukit.game import Replay


def test_v1_errors_and_validation(osu_emulator: Any) -> None:
    client = osukit.Client(base_url=osu_emulator.base_url, api_key=osu_emulator.api_key, rate_limit=0)
    assert client.legacy.get_user("peppy").user_id == 2
    with pytest.raises(osukit.NotFoundError):
        client.legacy.get_user(999999999)
    with pytest.raises(osukit.NotFoundError):
        client.legacy.get_match(1)
    with pytest.raises(osukit.NotFoundError):
        client.legacy.get_replay(score_id=1)
    assert client.legacy.get_scores(1) == []  # an unknown beatmap: an empty list, as v1 answers
    for bad in (lambda: client.legacy.get_user_best(2, limit=101), lambda: client.legacy.get_user_recent(2, limit=51),
                lambda: client.legacy.get_user(2, event_days=32), lambda: client.legacy.get_beatmaps(limit=501),
                lambda: client.legacy.get_scores(1, limit=0), lambda: client.legacy.get_replay()):
        with pytest.raises(osukit.ConfigurationError):
            bad()
    wrong = osukit.Client(base_url=osu_emulator.base_url, api_key="not-the-key-123", rate_limit=0)
    with pytest.raises(osukit.AuthenticationError, match="valid API key"):
        wrong.legacy.get_user(2)
    with pytest.raises(osukit.ConfigurationError, match="API key"):
        osukit.Client(base_url=osu_emulator.base_url, rate_limit=0).legacy.get_user(2)


def test_v1_replay_decodes_to_frames_and_osu_file_caches(osu_emulator: Any, tmp_path: Any) -> None:
    world = osu_emulator.state.world
    score = next(s for s in world.scores.values() if s["has_replay"])

    async def main() -> Any:
        async with osukit.AsyncClient(base_url=osu_emulator.base_url, api_key=osu_emulator.api_key, rate_limit=0) as c:
            replay = await c.legacy.get_replay(score_id=score["legacy_score_id"] or score["id"])
            first = await c.legacy.beatmap_file(score["beatmap_id"], cache_dir=tmp_path)
            second = await c.legacy.beatmap_file(score["beatmap_id"], cache_dir=tmp_path)
            return replay, first, second

    replay, first, second = asyncio.run(main())
    frames, seed = Replay.frames_from_lzma(replay.data)
    assert len(frames) >= 100 and seed == 1234
    assert first == second and first.startswith(b"osu file format v14")
    assert (tmp_path / f"{score['beatmap_id']}.osu").read_bytes() == first
