"""Match costs: both formulas against examples computed by hand."""

from __future__ import annotations

import json
import statistics
from typing import Any

import pytest

import osukit
from osukit.tournament import match_costs, match_results
from tests._helpers import corpus_bytes


def _v1(games: list[tuple[int, list[tuple[int, int, int, int]]]], team_type: int = 2) -> dict[str, Any]:
    """A v1 get_match body: games of (room mods, [(user, team, score, mods bits)])."""
    out = []
    for i, (room_mods, scores) in enumerate(games):
        out.append({
            "game_id": str(100 + i), "beatmap_id": str(1000 + i), "start_time": "2026-01-01 00:00:00",
            "end_time": "2026-01-01 00:03:00", "play_mode": "0", "match_type": "0", "scoring_type": "3",
            "team_type": str(team_type), "mods": str(room_mods),
            "scores": [{"slot": str(n), "team": str(team), "user_id": str(uid), "score": str(score), "pass": "1",
                        "enabled_mods": str(bits), "count300": "100", "count100": "0", "count50": "0",
                        "countmiss": "0", "countgeki": "0", "countkatu": "0", "maxcombo": "100", "perfect": "0",
                        "rank": "0"} for n, (uid, team, score, bits) in enumerate(scores)],
        })
    return {"match": {"match_id": "1", "name": "hand", "start_time": "2026-01-01 00:00:00",
                      "end_time": "2026-01-01 01:00:00"}, "games": out}


RED, BLUE = 2, 1
NM, HD, HR, DT = 0, 8, 16, 64

# A 1v1 in team-vs, best of 5 that went to the tiebreaker: user 1 (red) wins 3-2.
# score ratios to the map average (both players' mean):
#   map 1: 600k/400k, avg 500k -> 1.2 / 0.8        (red)
#   map 2: 300k/500k, avg 400k -> 0.75 / 1.25      (blue)
#   map 3: 800k/200k, avg 500k -> 1.6 / 0.4        (red)
#   map 4: 450k/550k, avg 500k -> 0.9 / 1.1        (blue)
#   map 5 (TB): 700k/300k, avg 500k -> 1.4 / 0.6   (red)
ONE_V_ONE = _v1([
    (NM, [(1, RED, 600_000, NM), (2, BLUE, 400_000, NM)]),
    (HD, [(1, RED, 300_000, NM), (2, BLUE, 500_000, NM)]),
    (HR, [(1, RED, 800_000, NM), (2, BLUE, 200_000, NM)]),
    (DT, [(1, RED, 450_000, NM), (2, BLUE, 550_000, NM)]),
    (NM, [(1, RED, 700_000, HD), (2, BLUE, 300_000, HR)]),
])


def test_bathbot_formula_by_hand() -> None:
    results = match_results(ONE_V_ONE)
    assert (results.red_wins, results.blue_wins) == (3, 2)
    costs = {c.user_id: c for c in match_costs(results, formula="bathbot")}
    one, two = costs[1], costs[2]
    # user 1: mean ratio (1.2 + 0.75 + 1.6 + 0.9 + 1.4) / 5 = 1.17, + 0.5 flat = 1.67
    assert one.performance == pytest.approx(1.67)
    # played 5 of 5: 1.5 ** (1 ** 0.6) = 1.5
    assert one.participation == pytest.approx(1.5)
    # mod combinations NM, HD, HR, DT, HD (the TB) -> 4 distinct: 1 + 0.02 * (4 - 2) = 1.04
    assert one.mods_bonus == pytest.approx(1.04)
    # tiebreaker: 5 games (> 4), ended, wins 3-2: min(0.5, 0.25 * 1.4) = 0.35
    assert one.tiebreaker_bonus == pytest.approx(0.35)
    # 1.67 * 1.5 * 1.04 + 0.35 = 2.6052 + 0.35
    assert one.cost == pytest.approx(2.9552)
    # user 2: (0.8 + 1.25 + 0.4 + 1.1 + 0.6) / 5 = 0.83 -> 1.33; combos NM, HD, HR, DT, HR -> 4: 1.04;
    # TB 0.25 * 0.6 = 0.15; 1.33 * 1.5 * 1.04 + 0.15 = 2.0748 + 0.15
    assert two.cost == pytest.approx(2.2248)
    assert [c.user_id for c in match_costs(results)] == [1, 2]  # highest first; bathbot is the default


def test_bathbot_participation_and_no_tiebreaker() -> None:
    # 2v2, 5 maps, red wins 4-1 (no tiebreaker bonus: the wins differ by 3). User 5 (a substitute)
    # plays only map 5 and 4 (so 2 of 5 maps) in place of user 3.
    games = []
    for i in range(5):
        red3 = (5, RED, 500_000, NM) if i >= 3 else (3, RED, 500_000, NM)
        blue_score = 100_000 if i < 4 else 900_000
        games.append((NM, [(1, RED, 500_000, NM), red3, (2, BLUE, blue_score, NM), (4, BLUE, blue_score, NM)]))
    results = match_results(_v1(games))
    assert (results.red_wins, results.blue_wins) == (3 + 1, 1)
    costs = {c.user_id: c for c in match_costs(results)}
    sub = costs[5]
    # maps 4 and 5: averages (2*500k + 2*100k)/4 = 300k and (2*500k + 2*900k)/4 = 700k
    # ratios 500/300 and 500/700: mean = (5/3 + 5/7) / 2 = 1.190476..., + 0.5
    assert sub.performance == pytest.approx((5 / 3 + 5 / 7) / 2 + 0.5)
    # 2 of 5 maps: 1.5 ** (((2 - 1) / (5 - 1)) ** 0.6) = 1.5 ** (0.25 ** 0.6) = 1.5 ** 0.435275 = 1.193021
    assert sub.participation == pytest.approx(1.193021, abs=1e-6)
    assert sub.tiebreaker_bonus == 0.0 and sub.mods_bonus == 1.0
    assert sub.cost == pytest.approx(((5 / 3 + 5 / 7) / 2 + 0.5) * 1.193021, abs=1e-6)


# D I O: three players head-to-head, three maps; player 3 skips map 3.
#   map 1: 500k 300k 400k, median 400k -> 1.25, 0.75, 1.0
#   map 2: 600k 200k 300k, median 300k -> 2.0, 0.6667, 1.0
#   map 3: 100k 300k,      median 200k -> 0.5, 1.5
# maps played 3, 3, 2 -> median 3
H2H = _v1([
    (NM, [(1, 0, 500_000, NM), (2, 0, 300_000, NM), (3, 0, 400_000, NM)]),
    (NM, [(1, 0, 600_000, NM), (2, 0, 200_000, NM), (3, 0, 300_000, NM)]),
    (NM, [(1, 0, 100_000, NM), (2, 0, 300_000, NM)]),
], team_type=0)


def test_dio_formula_by_hand() -> None:
    costs = {c.user_id: c for c in match_costs(match_results(H2H), formula="dio")}
    # player 1: (1.25 + 2.0 + 0.5) / 3 = 1.25, * cbrt(3 / 3) = 1.25
    assert costs[1].cost == pytest.approx(1.25)
    # player 2: (0.75 + 2/3 + 1.5) / 3 = 0.972222...
    assert costs[2].cost == pytest.approx(0.9722222, abs=1e-6)
    # player 3: (1.0 + 1.0) / 2 = 1.0, * cbrt(2 / 3) = 0.873580
    assert costs[3].cost == pytest.approx(0.873580, abs=1e-6)
    assert costs[3].participation == pytest.approx((2 / 3) ** (1 / 3))
    assert costs[1].mods_bonus == 1.0 and costs[1].tiebreaker_bonus == 0.0


def test_options_and_errors() -> None:
    results = match_results(ONE_V_ONE)
    # Without the first two maps: 3 maps, ratios user 1: 1.6, 0.9, 1.4 -> mean 1.3; no TB (3 maps)
    c = {x.user_id: x for x in match_costs(results, warmups=2)}[1]
    assert c.performance == pytest.approx(1.3 + 0.5) and c.tiebreaker_bonus == 0.0 and c.maps_played == 3
    c = {x.user_id: x for x in match_costs(results, skip_last=4)}[1]
    assert c.maps_played == 1 and c.participation == 1.0
    # EZ multiplier: only EZ scores change
    assert match_costs(results, ez_multiplier=2.0) == match_costs(results)
    with pytest.raises(osukit.InvalidParameterError):
        match_costs(results, formula="flashlight")  # type: ignore[arg-type]
    with pytest.raises(osukit.InvalidParameterError):
        match_costs(results, warmups=-1)
    assert match_costs(results, warmups=10) == []


def test_corpus_match_costs_are_consistent() -> None:
    results = match_results(json.loads(corpus_bytes("v1/get_match_200.json")))
    costs = match_costs(results)
    assert len(costs) == 16  # 16 players took part (substitutions)
    # 5199332 (red) played 9 of the 10 games: participation 1.5 ** ((8 / 9) ** 0.6)
    c = next(x for x in costs if x.user_id == 5199332)
    assert c.participation == pytest.approx(1.5 ** ((8 / 9) ** 0.6))
    ratios = []
    for g in results.played:
        avg = statistics.fmean(s.score for s in g.scores)
        ratios += [s.score / avg for s in g.scores if s.user_id == 5199332]
    assert c.performance == pytest.approx(statistics.fmean(ratios) + 0.5)
    assert all(x.tiebreaker_bonus == 0.0 for x in costs)  # 6-4: no tiebreaker


def test_bathbot_tiebreaker_bonus_needs_a_closed_match() -> None:
    still_open = dict(ONE_V_ONE, match=dict(ONE_V_ONE["match"], end_time=None))
    results = match_results(still_open)
    assert results.ended_at is None
    one = {c.user_id: c for c in match_costs(results)}[1]
    assert one.tiebreaker_bonus == 0.0 and one.cost == pytest.approx(1.67 * 1.5 * 1.04)
    closed = match_results(json.loads(corpus_bytes("v1/get_match_200.json")))
    assert closed.ended_at is not None and closed.ended_at.isoformat() == "2022-11-12T18:11:45+00:00"
