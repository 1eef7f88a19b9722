"""A scripted player's ``finish`` gives a score that fits the beatmap: judgements over its hit objects
for the accuracy asked, a max combo within the beatmap's, the grade osukit.game gives."""

from __future__ import annotations

import pytest

from osukit.emulator.played import finished_score
from osukit.game import grade
from osukit.game.accuracy import lazer_accuracy
from osukit.referee import AsyncRefereeClient

from .conftest import FAST, Env, wait_for

pytestmark = pytest.mark.timeout(180)


async def test_finished_scores_fit_the_beatmap(env: Env) -> None:
    p1, p2 = env.players[2:4]
    beatmap = env.world.beatmaps[env.osu_beatmap]
    objects = beatmap["count_circles"] + beatmap["count_sliders"] + beatmap["count_spinners"]
    async with env.async_client(env.bot) as client, \
            AsyncRefereeClient(client, base_url=env.emu.base_url, reconnect=FAST) as ref:
        room = await ref.make_room(env.osu_beatmap, name="fitting scores")
        rid = room.room_id
        for uid in (p1, p2):
            await env.aplayer(uid, "join", room_id=rid)
            await env.aplayer(uid, "ready")
        await ref.start_match(rid)
        await wait_for(ref, lambda e: type(e).__name__ == "MatchStartedEvent")
        item = room.current_item_id
        await env.aplayer(p1, "finish", score=812_345, accuracy=0.97)
        await env.aplayer(p2, "finish", score=300_000, accuracy=0.1)
        await wait_for(ref, lambda e: type(e).__name__ == "MatchCompletedEvent")
        await ref.close_room(rid)
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
