"""API v1 rows are stable (legacy) scores: their accuracy and pp agree with osukit.game over the same
counts, and with the same score in API v2's legacy shape."""

from __future__ import annotations

import sys
from collections.abc import Iterator
from typing import Any

import httpx
import pytest

from osukit.game import accuracy, performance

RULESETS = {"osu": 0, "taiko": 1, "fruits": 2, "mania": 3}


@pytest.fixture(scope="module")
def emu() -> Iterator[Any]:
    from osukit.emulator import Emulator

    with Emulator(seed=0) as e:
        yield e


def _users(emu: Any, ruleset: str, n: int) -> list[int]:
    w = emu.state.world
    ranked = sorted((u for u in w.users if w.users[u]["stats"][ruleset].get("global_rank")),
                    key=lambda u: w.users[u]["stats"][ruleset]["global_rank"])
    return [*ranked[:2], *ranked[len(ranked) // 2: len(ranked) // 2 + 1], *ranked[-1:]][:n]


@pytest.mark.parametrize("ruleset", list(RULESETS))
def test_every_v1_best_row_agrees_with_v2_legacy_and_performance(emu: Any, ruleset: str) -> None:
    w = emu.state.world
    by_v1_id = {s["legacy_score_id"] or s["id"]: s for s in w.scores.values()}
    token = emu.mint_token(None, ["public"])["access_token"]
    checked = lazer_rows = 0
    with httpx.Client(base_url=emu.base_url, timeout=60) as http:
        for uid in _users(emu, ruleset, 4):
            rows = http.get("/api/get_user_best", params={"k": emu.api_key, "u": uid, "m": RULESETS[ruleset],
                                                          "limit": 100}).json()
            assert rows, uid
            pps = [float(r["pp"]) for r in rows]
            assert pps == sorted(pps, reverse=True)
            files: dict[str, bytes] = {}
            for row in rows:
                s = by_v1_id[int(row["score_id"])]
                v2 = http.get(f"/api/v2/scores/{s['id']}", headers={"Authorization": f"Bearer {token}",
                                                                      "x-api-version": "20220704"}).json()
                assert accuracy(row, ruleset=ruleset) == pytest.approx(v2["accuracy"], abs=1e-12)
                assert accuracy(row, ruleset=ruleset) == pytest.approx(accuracy(v2), abs=1e-12)
                lazer_rows += s["legacy_score_id"] is None
                if sys.version_info >= (3, 11):
                    pytest.importorskip("rosu_pp_py")
                    bid = row["beatmap_id"]
                    if bid not in files:
                        files[bid] = http.get(f"/osu/{bid}").content
                    assert float(row["pp"]) == pytest.approx(performance(row, files[bid], ruleset=ruleset).pp,
                                                             abs=0.002), (uid, row["score_id"])
                checked += 1
    assert checked >= 8 and lazer_rows, "scores set on lazer are among the v1 rows too"
