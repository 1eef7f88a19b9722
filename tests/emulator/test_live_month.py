"""An emulated month of the live world: every user's story adds up every day (issue 21).

For every user and ruleset, ``statistics.pp`` is osu!'s weighted sum ``Σ pp_i·0.95^i`` of their best
scores (at most 100, one per beatmap, highest first; the emulator gives no bonus pp, so the tolerance is
the rounding to 4 decimals), global ranks follow pp order, pp moves only with the best list, play counts
and monthly play counts grow together, and every per-user series ends at the emulator's "now"."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator
from typing import Any

import httpx
import pytest

from osukit.emulator.dataset import BASE_TIME, RULESETS, weighted_pp

pytestmark = pytest.mark.timeout(900)
DAY = 86400


@pytest.fixture(scope="module")
def emu() -> Iterator[Any]:
    from osukit.emulator import Emulator

    with Emulator(seed=0) as e:
        yield e


def _best(world: Any) -> dict[tuple[int, str], list[dict[str, Any]]]:
    out: dict[tuple[int, str], list[dict[str, Any]]] = {}
    for s in world.scores.values():
        if s["best"]:
            out.setdefault((s["user_id"], s["ruleset"]), []).append(s)
    return {k: sorted(v, key=lambda s: -s["pp"]) for k, v in out.items()}


def _month(at: dt.datetime) -> str:
    return f"{at.year}-{at.month:02d}-01"


def _check_world(world: Any, now: dt.datetime, *, at_midnight: bool) -> dict[tuple[int, str], tuple[float, frozenset[int], int]]:
    best = _best(world)
    state = {}
    for ruleset in RULESETS:
        ranked = []
        for uid, u in world.users.items():
            st = u["stats"][ruleset]
            mine = best.get((uid, ruleset), [])
            assert len({s["beatmap_id"] for s in mine}) == len(mine), (uid, ruleset)  # one best per beatmap
            assert st["pp"] == pytest.approx(weighted_pp([s["pp"] for s in mine[:100]]), abs=1e-3), (uid, ruleset)
            if mine:
                ranked.append(uid)
                assert st["global_rank"] is not None
                if at_midnight and u["rank_histories"].get(ruleset):
                    history = u["rank_histories"][ruleset]
                    assert len(history) == 90 and history[-1] == st["global_rank"], (uid, ruleset)
            state[(uid, ruleset)] = (st["pp"], frozenset(s["id"] for s in mine), st["play_count"])
        by_pp = sorted(ranked, key=lambda u: (-world.users[u]["stats"][ruleset]["pp"], u))
        assert [world.users[u]["stats"][ruleset]["global_rank"] for u in by_pp] == list(range(1, len(by_pp) + 1))
    for uid, u in world.users.items():
        plays = sum(u["stats"][r]["play_count"] for r in RULESETS)
        assert sum(m["count"] for m in u["monthly_playcounts"]) == plays, uid
        assert u["monthly_playcounts"][-1]["start_date"] == _month(now - dt.timedelta(seconds=1)), uid
        assert u["replays_watched_counts"][-1]["start_date"] == u["monthly_playcounts"][-1]["start_date"], uid
    return state


def test_an_emulated_month_adds_up_every_day(emu: Any) -> None:
    httpx.post(f"{emu.base_url}/_emulator/reset", timeout=30).raise_for_status()
    emu.live(score_rate=0.005)  # some new scores all day long (432 a day), besides the daily plays
    world = emu.state.world
    before = _check_world(world, BASE_TIME, at_midnight=False)
    moved_pp = 0
    new_tops = 0
    for day in range(1, 32):  # over a month boundary: 2026-07-01 12:00 + 31 days
        emu.advance(DAY)  # the world's "midnight" comes every day at the hour it started (BASE_TIME)
        now = BASE_TIME + dt.timedelta(days=day)
        after = _check_world(world, now, at_midnight=True)
        for key, (pp, tops, plays) in after.items():
            old_pp, old_tops, old_plays = before.get(key, (0.0, frozenset(), 0))
            if pp != old_pp:  # pp never moves without a change in the best list
                assert tops != old_tops, key
                moved_pp += 1
            assert pp >= old_pp, key  # bests are only ever beaten: pp never falls in the live world
            if tops - old_tops:
                new_tops += 1
                old_top_100 = sorted((world.scores[i]["pp"] for i in old_tops), reverse=True)[:100]
                floor = old_top_100[-1] if len(old_top_100) == 100 else 0.0
                old_maps = {world.scores[i]["beatmap_id"] for i in old_tops}
                if any(world.scores[i]["pp"] > floor + 1 and world.scores[i]["beatmap_id"] not in old_maps
                       for i in tops - old_tops):
                    assert pp > old_pp, key  # a play on a new map entering the top 100 (a 487 pp one too) adds pp
            assert plays >= old_plays
        before = after
    assert moved_pp > 200 and new_tops > 200
    assert emu.advance(0)["now"].startswith("2026-08-01")


def test_profiles_and_best_lists_agree_through_the_api(emu: Any) -> None:
    token = emu.mint_token(None, ["public"])["access_token"]
    world = emu.state.world
    users = sorted(world.users, key=lambda u: world.users[u]["stats"]["osu"]["global_rank"] or 10**9)[:12]
    with httpx.Client(base_url=emu.base_url, headers={"Authorization": f"Bearer {token}"}, timeout=60) as http:
        for uid in users:
            for ruleset in ("osu", "mania"):
                profile = http.get(f"/api/v2/users/{uid}/{ruleset}").json()
                best = http.get(f"/api/v2/users/{uid}/scores/best", params={"mode": ruleset, "limit": 100}).json()
                st = profile["statistics"]
                assert st["pp"] == pytest.approx(weighted_pp([s["pp"] for s in best]), abs=1e-3), (uid, ruleset)
                assert sum(m["count"] for m in profile["monthly_playcounts"]) >= st["play_count"]
                if profile["rank_history"]:
                    assert profile["rank_history"]["data"][-1] == st["global_rank"]


def test_the_generated_worlds_series_end_at_its_now() -> None:
    from osukit.emulator.dataset import build

    world = build(0)
    now = _month(BASE_TIME)
    for uid, u in world.users.items():
        plays = sum(u["stats"][r]["play_count"] for r in RULESETS)
        assert u["monthly_playcounts"][-1]["start_date"] == now, uid
        assert sum(m["count"] for m in u["monthly_playcounts"]) == plays, uid
        watched = sum(u["stats"][r]["replays_watched_by_others"] for r in RULESETS)
        assert u["replays_watched_counts"][-1]["start_date"] == now
        assert sum(m["count"] for m in u["replays_watched_counts"]) == watched, uid
        months = [m["start_date"] for m in u["monthly_playcounts"]]
        assert months == sorted(months) and len(set(months)) == len(months)
