"""The emulator's world adds up: every ``.osu`` file matches its beatmap record (counts, max combo,
star rating), every score's pp is what rosu-pp computes from that file, and every user's rank, rank
history, play count, top plays and pp agree, in every ruleset."""

from __future__ import annotations

import hashlib
from collections.abc import Iterator
from typing import Any

import httpx
import pytest

import osukit
from osukit.emulator.dataset import RULESETS, TOP_100_PLAYERS, build, weighted_pp

pytestmark = pytest.mark.timeout(600)
ALL = ["public", "identify", "friends.read", "chat.read", "chat.write", "forum.write"]


@pytest.fixture(scope="module")
def emu() -> Iterator[Any]:
    from osukit.emulator import Emulator

    with Emulator(seed=0) as emulator:
        yield emulator


@pytest.fixture(scope="module")
def http(emu: Any) -> Iterator[httpx.Client]:
    token = emu.mint_token(user_id=emu.dataset["test_user_id"], scopes=ALL)["access_token"]
    with httpx.Client(base_url=emu.base_url, headers={"Authorization": f"Bearer {token}",
                                                      "x-api-version": "20250913"}, timeout=30) as client:
        yield client


@pytest.fixture(scope="module")
def files(emu: Any, http: httpx.Client) -> dict[int, bytes]:
    out = {}
    for bid in emu.state.world.beatmaps:
        r = http.get(f"/osu/{bid}")
        assert r.status_code == 200
        out[bid] = r.content
    return out


def _beatmaps(emu: Any, http: httpx.Client) -> list[dict[str, Any]]:
    ids = list(emu.state.world.beatmaps)
    out: list[dict[str, Any]] = []
    for i in range(0, len(ids), 50):
        r = http.get("/api/v2/beatmaps", params=[("ids[]", str(b)) for b in ids[i:i + 50]])
        out += r.json()["beatmaps"]
    assert sorted(b["id"] for b in out) == sorted(ids)
    return out


def test_every_beatmap_file_matches_its_record(emu: Any, http: httpx.Client, files: dict[int, bytes]) -> None:
    rosu = pytest.importorskip("rosu_pp_py")
    from osukit.game import difficulty

    for b in _beatmaps(emu, http):
        text = files[b["id"]]
        parsed = rosu.Beatmap(bytes=text)
        counts = (parsed.n_circles, parsed.n_sliders, parsed.n_spinners)
        assert counts == (b["count_circles"], b["count_sliders"], b["count_spinners"]), b["id"]
        assert ("osu", "taiko", "fruits", "mania")[int(parsed.mode)] == b["mode"]
        result = difficulty(text)
        assert result.max_combo == b["max_combo"], b["id"]
        assert result.stars == pytest.approx(b["difficulty_rating"], abs=1e-4), b["id"]
        assert b["checksum"] == hashlib.md5(text).hexdigest()
        assert (b["cs"], b["ar"], b["accuracy"], b["drain"]) == (parsed.cs, parsed.ar, parsed.od, parsed.hp)


def test_star_ratings_spread_like_a_real_catalogue(emu: Any) -> None:
    stars = sorted(b["difficulty_rating"] for b in emu.state.world.beatmaps.values() if b["mode"] == "osu")
    assert stars[0] < 2.5 and stars[-1] > 4.5


@pytest.mark.filterwarnings("error::osukit.game.pp.HitCountWarning")  # every score fits its beatmap
def test_every_score_is_what_its_beatmap_file_gives(emu: Any, files: dict[int, bytes]) -> None:
    rosu = pytest.importorskip("rosu_pp_py")
    from osukit.emulator import render as R
    from osukit.game import accuracy, grade, performance

    w = emu.state.world
    maps = {bid: rosu.Beatmap(bytes=text) for bid, text in files.items()}
    with_pp = 0
    for sid, s in w.scores.items():
        api = R.score(w, sid, R.LAZER_SCORES)
        assert accuracy(api) == pytest.approx(api["accuracy"], abs=1e-12), sid
        assert grade(api) == api["rank"], sid
        b = w.beatmaps[s["beatmap_id"]]
        judged = sum(v for k, v in s["statistics"].items() if k in ("great", "ok", "meh", "miss", "perfect", "good"))
        assert judged == s["maximum_statistics"].get("great", 0) + s["maximum_statistics"].get("perfect", 0)
        assert 1 <= api["max_combo"] <= b["max_combo"]
        if api["pp"] is None:
            assert not s["passed"] or b["status"] not in ("ranked", "approved")
            continue
        with_pp += 1
        result = performance(api, maps[s["beatmap_id"]])
        assert result.pp == pytest.approx(api["pp"], abs=2e-3), sid
        assert performance(api, maps[s["beatmap_id"]], full_combo=True).pp >= result.pp - 1e-6, sid
    assert with_pp > 1000


def test_a_score_through_the_client_recomputes_to_its_pp(emu: Any, files: dict[int, bytes]) -> None:
    pytest.importorskip("rosu_pp_py")
    from osukit.game import performance

    with osukit.Client(client_id=emu.client_id, client_secret=emu.client_secret, base_url=emu.base_url,
                       rate_limit=0) as osu:
        scores = list(osu.users.scores(emu.dataset["test_user_id"], "best", mode="osu", limit=20))
    assert scores
    for s in scores:
        assert performance(s, files[s.beatmap_id]).pp == pytest.approx(s.pp, abs=2e-3)


def _profiles(http: httpx.Client, uid: int) -> dict[str, dict[str, Any]]:
    out = {}
    for ruleset in RULESETS:
        r = http.get(f"/api/v2/users/{uid}/{ruleset}")
        assert r.status_code == 200
        out[ruleset] = r.json()
    return out


def _best(http: httpx.Client, uid: int, ruleset: str) -> list[dict[str, Any]]:
    r = http.get(f"/api/v2/users/{uid}/scores/best", params={"mode": ruleset, "limit": 100})
    assert r.status_code == 200
    return list(r.json())


def test_every_user_adds_up(emu: Any, http: httpx.Client) -> None:
    w = emu.state.world
    ranks: dict[str, dict[int, int]] = {r: {} for r in RULESETS}
    pps: dict[str, dict[int, float]] = {r: {} for r in RULESETS}
    for uid in w.users:
        profiles = _profiles(http, uid)
        play_counts = 0
        histories = []
        for ruleset, profile in profiles.items():
            st = profile["statistics"]
            best = _best(http, uid, ruleset)
            played = [s for s in w.scores.values() if s["user_id"] == uid and s["ruleset"] == ruleset]
            assert st["play_count"] >= len(played)
            play_counts += st["play_count"]
            assert len(best) <= 100
            assert [s["pp"] for s in best] == sorted((s["pp"] for s in best), reverse=True)
            assert len({s["beatmap_id"] for s in best}) == len(best)  # one best score per beatmap
            assert st["pp"] == pytest.approx(weighted_pp([s["pp"] for s in best]), abs=1e-3), (uid, ruleset)
            if not best:  # nobody is ranked without scores
                assert st["global_rank"] is None and not st["is_ranked"] and st["pp"] == 0, (uid, ruleset)
                assert profile["rank_history"] is None and profile["rank_highest"] is None
                continue
            weights = [0.95 ** i for i in range(len(best))]
            acc = sum(s["accuracy"] * wt for s, wt in zip(best, weights, strict=True)) / sum(weights)
            assert st["hit_accuracy"] == pytest.approx(acc * 100, abs=1e-4)
            assert st["is_ranked"] and st["global_rank"] >= 1
            history = profile["rank_history"]["data"]
            assert profile["rank_history"]["mode"] == ruleset and len(history) == 90
            assert history[-1] == st["global_rank"], (uid, ruleset)  # the profile's rank is the plot's "now"
            assert profile["rank_highest"]["rank"] == min(history)
            histories.append(history)
            ranks[ruleset][uid] = st["global_rank"]
            pps[ruleset][uid] = st["pp"]
        assert sum(m["count"] for m in profiles["osu"]["monthly_playcounts"]) == play_counts, uid
        assert len({tuple(h) for h in histories}) == len(histories), uid  # each ruleset's history differs
    for ruleset in RULESETS:
        ordered = sorted(pps[ruleset], key=lambda u: -pps[ruleset][u])
        assert [ranks[ruleset][u] for u in ordered] == list(range(1, len(ordered) + 1)), ruleset


def test_rankings_list_the_ranked_users_by_pp(emu: Any, http: httpx.Client) -> None:
    w = emu.state.world
    for ruleset in RULESETS:
        rows: list[dict[str, Any]] = []
        page = 1
        while True:
            r = http.get(f"/api/v2/rankings/{ruleset}/performance", params={"page": page}).json()
            rows += r["ranking"]
            if not r["cursor"]:
                break
            page += 1
        assert [row["global_rank"] for row in rows] == list(range(1, len(rows) + 1))
        assert len(rows) == sum(1 for u in w.users.values() if u["stats"][ruleset]["is_ranked"])


def test_top_players_have_a_full_top_100(emu: Any, http: httpx.Client) -> None:
    top = http.get("/api/v2/rankings/osu/performance").json()["ranking"][:TOP_100_PLAYERS]
    for row in top[:5]:
        assert len(_best(http, row["user"]["id"], "osu")) == 100, row["user"]["id"]
    assert sum(len(_best(http, row["user"]["id"], "osu")) == 100 for row in top) >= 5
    for row in http.get("/api/v2/rankings/osu/performance").json()["ranking"][:50]:
        assert _best(http, row["user"]["id"], "osu"), row["user"]["id"]  # nobody ranked without scores


def test_the_documented_test_user_has_best_scores(emu: Any) -> None:
    uid = emu.dataset["test_user_id"]
    with osukit.Client(client_id=emu.client_id, client_secret=emu.client_secret, base_url=emu.base_url,
                       rate_limit=0) as osu:
        best = list(osu.users.scores(uid, "best", limit=100))
        user = osu.users.get(uid)
    assert best and max(s.pp or 0 for s in best) > 0
    assert user.statistics is not None and user.statistics.global_rank is not None


def test_the_world_is_the_same_for_a_seed_and_differs_between_seeds() -> None:
    a, b, c = build(5), build(5), build(6)
    key = [(s["beatmap_id"], s["pp"]) for s in a.scores.values()]
    assert key == [(s["beatmap_id"], s["pp"]) for s in b.scores.values()]
    assert key != [(s["beatmap_id"], s["pp"]) for s in c.scores.values()]


def test_without_rosu_pp_counts_stay_exact_and_ranks_still_agree(monkeypatch: pytest.MonkeyPatch) -> None:
    import sys

    from osukit.emulator import dataset

    monkeypatch.setitem(sys.modules, "rosu_pp_py", None)  # as on Python 3.10 or without the pp extra
    w = dataset._generate(11)
    assert all(b["difficulty_rating"] > 0 for b in w.beatmaps.values())
    for ruleset in RULESETS:
        ranked = sorted((u for u in w.users.values() if u["stats"][ruleset]["is_ranked"]),
                        key=lambda u: u["stats"][ruleset]["global_rank"])
        assert [u["stats"][ruleset]["pp"] for u in ranked] == sorted((u["stats"][ruleset]["pp"] for u in ranked),
                                                                     reverse=True)
        assert all(u["rank_histories"][ruleset][-1] == u["stats"][ruleset]["global_rank"] for u in ranked)


def test_difficulty_attributes_with_mods_match_the_file(emu: Any, http: httpx.Client, files: dict[int, bytes]) -> None:
    pytest.importorskip("rosu_pp_py")
    from osukit.game import difficulty

    w = emu.state.world
    osu_maps = [b for b in w.beatmaps.values() if b["mode"] == "osu"][:5]
    for b in [*osu_maps, *[b for b in w.beatmaps.values() if b["mode"] != "osu"][:3]]:
        for mods in ([], ["DT"], ["HR", "HD"], 16):
            r = http.post(f"/api/v2/beatmaps/{b['id']}/attributes", json={"mods": mods})
            assert r.status_code == 200, r.text
            attrs = r.json()["attributes"]
            expected = difficulty(files[b["id"]], mods=mods or None)
            assert attrs["star_rating"] == pytest.approx(expected.stars, abs=1e-9), (b["id"], mods)
            assert attrs["max_combo"] == expected.max_combo
            if mods == []:
                assert attrs["star_rating"] == pytest.approx(b["difficulty_rating"], abs=1e-4)
    converted = http.post(f"/api/v2/beatmaps/{osu_maps[0]['id']}/attributes", json={"ruleset": "taiko"}).json()
    assert converted["attributes"]["star_rating"] == pytest.approx(
        difficulty(files[osu_maps[0]["id"]], ruleset="taiko").stars, abs=1e-9)
