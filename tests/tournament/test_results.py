"""Results of any match: the corpus's real match, the v2 shapes, lazer room events, exports, fetching."""

from __future__ import annotations

import csv
import io
import itertools
import json
from pathlib import Path
from typing import Any

import pytest

import osukit
from osukit._models import decode
from osukit.models.legacy import V1MatchResponse
from osukit.models.matches import LegacyMatchResponse, MatchResponse
from osukit.models.multiplayer import RoomEventsResponse
from osukit.tournament import MatchResults, match_results
from osukit.tournament.results import _parse_ref
from tests._helpers import corpus_bytes

# OWC 2022 "(Russian Federation) VS (France)", match 105019274 (corpus v1/get_match_200.json).
# Checked by hand from the file: 12 games; games 6 and 9 have no end_time and no scores
# (aborted); v1 team 2 is red, team 1 blue; nobody failed, so every score counts.
OWC_TOTALS = [  # (red_total, blue_total, winner) per game, in order
    (2_491_246, 3_247_294, "blue"),
    (3_210_390, 2_440_116, "red"),
    (3_159_022, 2_414_067, "red"),
    (2_972_928, 3_062_344, "blue"),
    (1_712_084, 2_099_729, "blue"),
    (0, 0, None),
    (3_086_029, 2_609_183, "red"),
    (2_010_340, 2_523_770, "blue"),
    (0, 0, None),
    (3_312_888, 2_807_836, "red"),
    (2_623_024, 2_437_085, "red"),
    (2_481_773, 2_297_115, "red"),
]
# Game 1 by hand: red 891065 + 581663 + 524355 + 494163, blue 564782 + 773866 + 975615 + 933031.
assert 891_065 + 581_663 + 524_355 + 494_163 == 2_491_246
assert 564_782 + 773_866 + 975_615 + 933_031 == 3_247_294


@pytest.mark.parametrize("as_model", [False, True])
def test_corpus_real_match_winners_and_totals(as_model: bool) -> None:
    raw = corpus_bytes("v1/get_match_200.json")
    data = decode(raw, V1MatchResponse, lax=True) if as_model else json.loads(raw)
    results = match_results(data)
    assert results.source == "v1" and results.id == 105019274
    assert results.name == "OWC2022: (Russian Federation) VS (France)"
    assert [(g.red_total, g.blue_total, g.winner) for g in results.games] == OWC_TOTALS
    assert [g.index for g in results.games if g.aborted] == [6, 9]
    assert (results.red_wins, results.blue_wins, results.winner) == (6, 4, "red")
    assert results.team_type == "team-vs"
    game2 = results.games[1]
    assert game2.beatmap_id == 1072406 and game2.mods == "NFDT" and game2.scoring_type == "scorev2"
    top = game2.scores[0]
    assert (top.user_id, top.team, top.score, top.mods, top.slot) == (5199332, "red", 1_193_104, "NFDT", 3)
    # 5981005 on game 1: 964x300, 51x100, 1x50, 0 misses, HD-less NF: (964*300+51*100+50)/(1016*300)
    first = next(s for s in results.games[0].scores if s.user_id == 5981005)
    assert first.accuracy == pytest.approx((964 * 300 + 51 * 100 + 50) / (1016 * 300))
    assert first.mods == "NF" and first.max_combo == 1289 and first.passed
    # Per player: 5199332 played 9 of the 10 games.
    p = next(p for p in results.players if p.user_id == 5199332)
    assert (p.team, p.maps_played, p.maps_won) == ("red", 9, 6)
    assert sum(pl.total_score for pl in results.players) == sum(r + b for r, b, _ in OWC_TOTALS)


def test_exports_csv_and_json(tmp_path: Any) -> None:
    results = match_results(json.loads(corpus_bytes("v1/get_match_200.json")))
    text = results.to_csv(tmp_path / "m.csv")
    rows = list(csv.DictReader(io.StringIO(text)))
    assert len(rows) == 80  # 10 games x 8 players
    assert rows[0]["game"] == "1" and rows[0]["username"] == "" and rows[0]["map_winner"] == "blue"
    assert (tmp_path / "m.csv").read_text() == text
    back = MatchResults.from_json(results.to_json(tmp_path / "m.json"))
    assert back == results


def _legacy_game(game_id: int, scores: list[tuple[int, str, int, bool]], *, lazer: bool) -> dict[str, Any]:
    out = []
    for slot, (uid, team, total, passed) in enumerate(scores):
        match = {"slot": slot, "team": team, "pass": passed}
        if lazer:  # the shape osu-web sends since 2025 at the default x-api-version
            out.append({"id": 9000 + slot, "accuracy": 0.97, "total_score": total, "legacy_total_score": 0,
                        "mods": [{"acronym": "NF"}], "passed": passed, "user_id": uid, "max_combo": 500,
                        "ruleset_id": 0, "type": "solo_score", "ended_at": "2026-01-01T00:05:00Z", "match": match,
                        "statistics": {"great": 300}, "rank": "A"})
        else:
            out.append({"id": None, "accuracy": 0.97, "score": total, "mods": ["NF"], "passed": passed,
                        "user_id": uid, "max_combo": 500, "mode": "osu", "mode_int": 0, "type": "legacy_match_score",
                        "match": match, "statistics": {"count_300": 300, "count_100": 0, "count_50": 0,
                                                       "count_geki": 0, "count_katu": 0, "count_miss": 0}})
    return {"id": game_id, "beatmap_id": 75, "start_time": "2026-01-01T00:00:00Z", "end_time": "2026-01-01T00:05:00Z",
            "mode": "osu", "mode_int": 0, "scoring_type": "scorev2", "team_type": "team-vs", "mods": ["HD"],
            "scores": out}


@pytest.mark.parametrize("lazer", [False, True])
def test_v2_match_both_score_shapes_failed_scores_do_not_count(lazer: bool) -> None:
    events: list[dict[str, Any]] = [
        {"id": 1, "detail": {"type": "match-created"}, "timestamp": "2026-01-01T00:00:00Z", "user_id": 1},
        {"id": 2, "detail": {"type": "other", "text": "m"}, "timestamp": "2026-01-01T00:00:00Z", "user_id": None,
         # red 500k + (failed 900k: not counted) = 500k; blue 400k + 300k = 700k: blue wins
         "game": _legacy_game(10, [(1, "red", 500_000, True), (2, "red", 900_000, False),
                                   (3, "blue", 400_000, True), (4, "blue", 300_000, True)], lazer=lazer)},
        {"id": 3, "detail": {"type": "other", "text": "m"}, "timestamp": "2026-01-01T00:06:00Z", "user_id": None,
         "game": _legacy_game(11, [(1, "red", 800_000, True), (3, "blue", 700_000, True)], lazer=lazer)},
    ]
    page_new = {"match": {"id": 77, "name": "T: (A) vs (B)", "start_time": "2026-01-01T00:00:00Z", "end_time": None},
                "events": events[1:], "users": [_user(1, "alice")], "first_event_id": 1,
                "latest_event_id": 3, "current_game_id": None}
    page_old = dict(page_new, events=events[:2], users=[_user(3, "carol")])
    # The lazer shape is what osu-web sends at x-api-version >= 20220705 (MatchResponse); the
    # legacy shape is what it sent before (LegacyMatchResponse). Both decode and give one result.
    model = MatchResponse if lazer else LegacyMatchResponse
    as_models: list[Any] = [decode(json.dumps(p).encode(), model) for p in (page_new, page_old)]
    for data in ([page_new, page_old], as_models):
        results = match_results(data)
        assert results.source == "matches" and results.id == 77
        assert [(g.red_total, g.blue_total, g.winner) for g in results.games] == [
            (500_000, 700_000, "blue"), (800_000, 700_000, "red")]
        assert (results.red_wins, results.blue_wins, results.winner) == (1, 1, None)
        top = results.games[0].scores[0]
        assert (top.user_id, top.score, top.passed, top.mods, top.username) == (2, 900_000, False, "NFHD", None)
        assert next(s for s in results.games[0].scores if s.user_id == 1).username == "alice"


def _user(uid: int, name: str) -> dict[str, Any]:
    return {"id": uid, "username": name, "avatar_url": "", "country_code": "AU", "default_group": "default",
            "is_active": True, "is_bot": False, "is_deleted": False, "is_online": False, "is_supporter": False,
            "last_visit": None, "pm_friends_only": False, "profile_colour": None}


ROOM_EVENTS: dict[str, Any] = {
    "beatmaps": [{"id": 75, "beatmapset_id": 8, "version": "Insane", "difficulty_rating": 5.1, "mode": "osu",
                  "status": "ranked", "total_length": 90, "user_id": 1, "checksum": None}],
    "beatmapsets": [],  # filled from the corpus below (a real beatmapset, renumbered)
    "current_playlist_item_id": 501,
    "events": [
        {"id": 1, "event_type": "room_created", "created_at": "2026-01-01T00:00:00Z", "user_id": 1,
         "playlist_item_id": None},
        {"id": 2, "event_type": "game_started", "created_at": "2026-01-01T00:01:00Z", "user_id": None,
         "playlist_item_id": 500},
        {"id": 3, "event_type": "game_completed", "created_at": "2026-01-01T00:03:00Z", "user_id": None,
         "playlist_item_id": 500},
        {"id": 4, "event_type": "game_started", "created_at": "2026-01-01T00:04:00Z", "user_id": None,
         "playlist_item_id": 501},
        {"id": 5, "event_type": "game_aborted", "created_at": "2026-01-01T00:04:30Z", "user_id": None,
         "playlist_item_id": 501},
    ],
    "first_event_id": 1,
    "last_event_id": 5,
    "playlist_items": [
        {"id": 500, "room_id": 9, "beatmap_id": 75, "ruleset_id": 0, "allowed_mods": [], "required_mods":
         [{"acronym": "HR"}], "expired": True, "owner_id": 1, "freestyle": False,
         "details": {"room_type": "team_versus", "teams": {"1": "red", "2": "blue", "3": "blue"},
                     "started_at": "2026-01-01T00:01:00Z"},
         "scores": [
             {"id": 71, "user_id": 1, "accuracy": 0.99, "total_score": 900_000, "passed": True, "mods": [],
              "max_combo": 400, "ruleset_id": 0, "type": "solo_score"},
             {"id": 72, "user_id": 2, "accuracy": 0.95, "total_score": 500_000, "passed": True, "mods": [],
              "max_combo": 300, "ruleset_id": 0, "type": "solo_score"},
             {"id": 73, "user_id": 3, "accuracy": 0.90, "total_score": 450_000, "passed": True,
              "mods": [{"acronym": "HD"}], "max_combo": 200, "ruleset_id": 0, "type": "solo_score"},
         ]},
        {"id": 501, "room_id": 9, "beatmap_id": 75, "ruleset_id": 0, "allowed_mods": [], "required_mods": [],
         "expired": False, "owner_id": 1, "details": {"room_type": "team_versus"}, "scores": []},
    ],
    "room": {"id": 9, "name": "OWC: lazer", "category": "normal", "type": "team_versus", "user_id": 1,
             "starts_at": "2026-01-01T00:00:00Z", "ends_at": None, "active": True, "has_password": False},
    "users": [_user(1, "alice"), _user(2, "bob"), _user(3, "carol")],
}


_SET = json.loads(corpus_bytes("v2/search_beatmapsets_200.json"))["beatmapsets"][0]
ROOM_EVENTS["beatmapsets"] = [dict(_SET, id=8, artist="Artist", title="Song")]


@pytest.mark.parametrize("as_model", [False, True])
def test_lazer_room_events(as_model: bool) -> None:
    data = decode(json.dumps(ROOM_EVENTS).encode(), RoomEventsResponse) if as_model else ROOM_EVENTS
    results = match_results(data)
    assert results.source == "room" and (results.id, results.name) == (9, "OWC: lazer")
    game, aborted = results.games
    # red 900k vs blue 500k + 450k = 950k: blue wins.
    assert (game.red_total, game.blue_total, game.winner, game.aborted) == (900_000, 950_000, "blue", False)
    assert game.title == "Artist - Song [Insane]" and game.mods == "HR" and game.team_type == "team-vs"
    assert [(s.username, s.team, s.mods) for s in game.scores] == [
        ("alice", "red", "HR"), ("bob", "blue", "HR"), ("carol", "blue", "HDHR")]
    assert aborted.aborted and aborted.winner is None
    assert (results.red_wins, results.blue_wins, results.winner) == (0, 1, "blue")


def test_head_to_head_winner_is_a_user_and_bad_input() -> None:
    data = {"match": {"match_id": "5", "name": "h2h"}, "games": [{
        "game_id": "1", "beatmap_id": "2", "start_time": "2026-01-01 00:00:00", "end_time": "2026-01-01 00:02:00",
        "play_mode": "0", "scoring_type": "0", "team_type": "0", "mods": "0",
        "scores": [{"user_id": "7", "team": "0", "score": "100", "pass": "1", "enabled_mods": "0"},
                   {"user_id": "8", "team": "0", "score": "300", "pass": "1", "enabled_mods": "8"}]}]}
    results = match_results(data)
    assert results.games[0].winner == "8" and results.winner == "8" and results.games[0].scores[0].mods == "HD"
    with pytest.raises(osukit.InvalidParameterError):
        match_results({"match": 0})
    with pytest.raises(osukit.InvalidParameterError):
        match_results({"something": "else"})


@pytest.mark.parametrize(("ref", "expected"), [
    ("105019274", ("match", 105019274)),
    ("https://osu.ppy.sh/community/matches/105019274", ("match", 105019274)),
    ("https://osu.ppy.sh/mp/123/", ("match", 123)),
    ("room:9", ("room", 9)),
    ("https://osu.ppy.sh/multiplayer/rooms/1234567", ("room", 1234567)),
])
def test_refs(ref: str, expected: tuple[str, int]) -> None:
    assert _parse_ref(ref) == expected


def test_bad_ref() -> None:
    with pytest.raises(osukit.InvalidParameterError):
        _parse_ref("https://osu.ppy.sh/users/2")


def test_fetch_results_pages_through_the_emulated_match(osu_emulator: Any) -> None:
    from osukit.tournament import fetch_results

    match_id = 110_000_000  # 171 events: two pages of 101
    world_match = osu_emulator.state.world.matches[match_id]
    expected = []
    for e in world_match["events"]:
        g = e["game"]
        if g is None:
            continue
        red = sum(s for slot, s in enumerate(g["scores"]) if slot % 2 == 0)
        blue = sum(s for slot, s in enumerate(g["scores"]) if slot % 2 == 1)
        expected.append((red, blue, "red" if red > blue else "blue"))
    osu_emulator.reset_stats()
    with osukit.Client(client_id=osu_emulator.client_id, client_secret=osu_emulator.client_secret,
                       base_url=osu_emulator.base_url, rate_limit=0) as client:
        results = fetch_results(client, f"https://osu.ppy.sh/community/matches/{match_id}")
    assert [(g.red_total, g.blue_total, g.winner) for g in results.games] == expected
    assert len(expected) == 153
    assert results.red_wins == sum(1 for *_, w in expected if w == "red")


async def test_afetch_results(osu_emulator: Any) -> None:
    from osukit.tournament import afetch_results

    async with osukit.AsyncClient(client_id=osu_emulator.client_id, client_secret=osu_emulator.client_secret,
                                  base_url=osu_emulator.base_url, rate_limit=0) as client:
        results = await afetch_results(client, 110_000_101)
    assert results.id == 110_000_101 and len(results.games) == 7


def test_plot_scores_per_map() -> None:
    pytest.importorskip("matplotlib")
    from osukit.tournament.plot import scores_per_map

    fig = scores_per_map(match_results(json.loads(corpus_bytes("v1/get_match_200.json"))))
    ax = fig.axes[0]
    assert len(ax.get_xticklabels()) > 8  # a long match: "index mods" labels, rotated
    assert [t.get_text() for t in ax.get_xticklabels()][:2] == ["1 NM", "2 NFDT"]
    heights = [round(p.get_height()) for p in ax.patches]
    assert heights[:2] == [2_491_246, 3_210_390]  # red bars first, games 1 and 2
    h2h = match_results(ROOM_EVENTS)
    assert scores_per_map(h2h).axes[0].get_title() == "OWC: lazer"


def _long_match(n: int) -> MatchResults:
    from osukit.tournament.results import GameResult, PlayerScore

    games = []
    for i in range(1, n + 1):
        red, blue = 500_000 + 1_000 * i, 700_000 - 1_000 * i
        scores = [PlayerScore(user_id=1, username="red1", team="red", score=red, accuracy=0.97, max_combo=None,
                              mods="HDHR", passed=True),
                  PlayerScore(user_id=2, username="blue1", team="blue", score=blue, accuracy=0.96, max_combo=None,
                              mods="HDHR", passed=True)]
        games.append(GameResult(index=i, id=i, beatmap_id=1000 + i, title=None, mods="HDHRDTFLSD" if i == 7 else "HD",
                                started_at=None, ended_at=None, scoring_type="score", team_type="team-vs",
                                scores=scores, red_total=red, blue_total=blue,
                                winner="red" if red > blue else "blue", aborted=False))
    return MatchResults(source="matches", id=77, name="Long Cup", team_type="team-vs", games=games, red_wins=0,
                        blue_wins=0, wins={}, winner=None, players=[])


def test_plot_of_a_20_map_match_is_readable(tmp_path: Path) -> None:
    pytest.importorskip("matplotlib")
    from osukit.tournament.plot import scores_per_map

    short = scores_per_map(_long_match(5))
    fig = scores_per_map(_long_match(20))
    ax = fig.axes[0]
    # One group (red and blue bar) per map, one tick per map, the labels rotated and the long mods cut.
    assert len(ax.patches) == 40 and len(ax.get_xticks()) == 20
    labels = [t.get_text() for t in ax.get_xticklabels()]
    assert labels[0] == "1 HD" and labels[6] == "7 HDHRDTF…" and labels[-1] == "20 HD"
    assert all(t.get_rotation() == 45 for t in ax.get_xticklabels())
    assert ax.get_xlabel() == "map (game and mods)" and ax.get_ylabel() == "score"
    assert ax.yaxis.get_major_formatter()(1_200_000, 0) == "1.2M"
    # The figure grows with the number of maps: each map keeps about the same width.
    assert short.get_figwidth() == pytest.approx(6.4)
    assert fig.get_figwidth() == pytest.approx(6.4 + 0.55 * 12)
    path = tmp_path / "long.png"
    fig.savefig(path, dpi=50)
    data = path.read_bytes()
    assert data[:8] == b"\x89PNG\r\n\x1a\n"
    width, height = int.from_bytes(data[16:20], "big"), int.from_bytes(data[20:24], "big")
    assert (width, height) == (round(fig.get_figwidth() * 50), round(fig.get_figheight() * 50))
    # No tick label overlaps the next one once drawn.
    fig.canvas.draw()
    boxes = [t.get_window_extent() for t in ax.get_xticklabels()]
    assert all(a.x0 < b.x0 for a, b in itertools.pairwise(boxes))
    assert all(b.x0 - a.x0 >= a.height * 0.9 for a, b in itertools.pairwise(boxes))
