"""A scripted player's ``finish`` gives a score that fits the beatmap: judgements over its hit objects
for the accuracy asked, a max combo within the beatmap's, the grade osukit.game gives."""

from __future__ import annotations

from typing import Any

import pytest

from osukit.emulator.played import finished_score
from osukit.game import grade
from osukit.game.accuracy import lazer_accuracy
from osukit.referee import AsyncRefereeClient

from .conftest import FAST, Env, wait_for

pytestmark = pytest.mark.timeout(180)


async def _play(env: Env, name: str, finishes: dict[int, dict[str, Any]]) -> tuple[int, int | None]:
    """A room on the emulator's osu! beatmap where each player of ``finishes`` joins, readies, plays
    and finishes with that ``finish`` body; returns (room id, playlist item id) once it is closed."""
    async with env.async_client(env.bot) as client, \
            AsyncRefereeClient(client, base_url=env.emu.base_url, reconnect=FAST) as ref:
        room = await ref.make_room(env.osu_beatmap, name=name)
        rid = room.room_id
        for uid in finishes:
            await env.aplayer(uid, "join", room_id=rid)
            await env.aplayer(uid, "ready")
        await ref.start_match(rid)
        await wait_for(ref, lambda e: type(e).__name__ == "MatchStartedEvent")
        item = room.current_item_id
        for uid, body in finishes.items():
            await env.aplayer(uid, "finish", **body)
        await wait_for(ref, lambda e: type(e).__name__ == "MatchCompletedEvent")
        await ref.close_room(rid)
    return rid, item


async def test_finished_scores_fit_the_beatmap(env: Env) -> None:
    p1, p2 = env.players[2:4]
    beatmap = env.world.beatmaps[env.osu_beatmap]
    objects = beatmap["count_circles"] + beatmap["count_sliders"] + beatmap["count_spinners"]
    rid, item = await _play(env, "fitting scores", {p1: {"score": 812_345, "accuracy": 0.97},
                                                    p2: {"score": 300_000, "accuracy": 0.1}})
    async with env.async_client(env.bot, ("public",)) as public:
        scores = {s.user_id: s async for s in public.rooms.playlist_scores(rid, item)}
    raw = {uid: env.world.scores[scores[uid].id] for uid in (p1, p2)}
    for uid, asked in ((p1, 0.97), (p2, 0.1)):
        s = raw[uid]
        assert sum(s["statistics"].values()) == objects == sum(s["maximum_statistics"].values()), s["statistics"]
        assert abs(s["accuracy"] - asked) <= 1.5 / objects, (s["accuracy"], asked)
        assert s["accuracy"] == pytest.approx(lazer_accuracy(s["statistics"], s["maximum_statistics"], "osu"))
        assert 0 < s["max_combo"] <= beatmap["max_combo"]
        assert s["rank"] == grade(s, "osu") and scores[uid].rank == s["rank"]
        assert scores[uid].max_combo == s["max_combo"] and scores[uid].total_score == (812_345 if uid == p1 else 300_000)
    good = raw[p1]
    assert good["rank"] == "S" and good["statistics"].get("miss", 0) == 0  # 97%: oks, no miss, not an SS
    assert good["max_combo"] == beatmap["max_combo"] and good["is_perfect_combo"]
    bad = raw[p2]
    assert bad["rank"] == "D" and bad["statistics"].get("miss", 0) > 0  # 10%: misses break the combo
    assert bad["max_combo"] < beatmap["max_combo"] and not bad["is_perfect_combo"]


@pytest.mark.parametrize(("ruleset_id", "top"), [(0, "great"), (1, "great"), (2, "great"), (3, "perfect")])
def test_every_ruleset_gets_its_judgements(ruleset_id: int, top: str) -> None:
    beatmap = {"count_circles": 150, "count_sliders": 40, "count_spinners": 10, "max_combo": 157}
    for asked in (1.0, 0.97, 0.9, 0.5, 0.0):
        s = finished_score(beatmap, ruleset_id, accuracy=asked, passed=True, mods=["HD"], max_combo=None)
        assert sum(s["statistics"].values()) == 200 and s["maximum_statistics"] == {top: 200}
        assert abs(s["accuracy"] - asked) <= 0.02, (ruleset_id, asked, s)
        assert s["max_combo"] <= 157
    assert finished_score(beatmap, 0, accuracy=1.0, passed=True, mods=["HD"])["rank"] == "XH"
    assert finished_score(beatmap, 0, accuracy=0.97, passed=False, mods=[])["rank"] == "F"
    assert finished_score(beatmap, 0, accuracy=0.97, passed=True, mods=[], max_combo=300)["max_combo"] == 157


def test_standardised_score_shape() -> None:
    """lazer's standardised scoring shape (ppy/osu ``*ScoreProcessor.ComputeTotalScore``): a perfect play
    is 1,000,000 in every ruleset; osu!'s 700,000 combo + 300,000 * accuracy ** 10."""
    from osukit.emulator.played import standardised_score

    for ruleset in (0, 1, 2, 3):
        assert standardised_score(ruleset, accuracy=1.0, combo_share=1.0) == 1_000_000
        assert standardised_score(ruleset, accuracy=0.0, combo_share=0.0) == 0
        assert standardised_score(ruleset, accuracy=0.9, combo_share=0.5) < standardised_score(
            ruleset, accuracy=0.95, combo_share=0.5) < standardised_score(ruleset, accuracy=0.95, combo_share=1.0)
    assert standardised_score("osu", accuracy=0.97, combo_share=1.0) == round(700_000 + 300_000 * 0.97 ** 10)
    assert standardised_score("mania", accuracy=0.97, combo_share=1.0) == round(10_000 + 990_000 * 0.97 ** 3.94)
    assert standardised_score("taiko", accuracy=0.5, combo_share=0.5) == round(125_000 + 750_000 * 0.5 ** 3.6)
    assert standardised_score("fruits", accuracy=0.5, combo_share=0.25) == 150_000 + 200_000


async def test_a_finish_without_score_gets_the_total_that_fits(env: Env) -> None:
    """A scripted ``finish`` with no ``score`` (accuracy and combo only) records a total that fits them,
    not 0: a passed S play at 97% with the full combo is about 922,000 in lazer's standardised scoring;
    the legacy match (API v2 ``matches``) shows the same total."""
    from osukit.emulator.played import standardised_score

    p1, p2 = env.players[2:4]
    beatmap = env.world.beatmaps[env.osu_beatmap]
    rid, item = await _play(env, "scores without a total", {
        p1: {"accuracy": 0.97, "passed": True},
        p2: {"accuracy": 0.9, "max_combo": beatmap["max_combo"] // 2, "passed": True}})
    async with env.async_client(env.bot, ("public",)) as public:
        scores = {s.user_id: s async for s in public.rooms.playlist_scores(rid, item)}
    good, half = env.world.scores[scores[p1].id], env.world.scores[scores[p2].id]
    assert good["rank"] == "S" and good["passed"]
    expected = standardised_score("osu", accuracy=good["accuracy"], combo_share=1.0)
    assert scores[p1].total_score == good["total_score"] == expected and 900_000 < expected < 950_000
    assert half["total_score"] == standardised_score(
        "osu", accuracy=half["accuracy"], combo_share=half["max_combo"] / beatmap["max_combo"])
    assert 0 < half["total_score"] < good["total_score"]
    match = env.world.matches.get(rid)
    if match is not None:  # a room with a legacy match record shows the same totals
        game = match["events"][-1]["game"]
        assert dict(zip(game["players"], game["scores"], strict=True)) == {
            p1: good["total_score"], p2: half["total_score"]}
