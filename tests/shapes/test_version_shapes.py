"""Version-dependent shapes follow ``x-api-version`` (osu-web's ``api_version()`` checks)."""

from __future__ import annotations

import json
from typing import Any

import httpx
import pytest

import osukit
from osukit._constants import DEFAULT_API_VERSION
from osukit._models import decode
from osukit.models.matches import LegacyMatchResponse, MatchResponse
from osukit.models.scores import LegacyScore, Score
from osukit.routes import by_uri

from .._helpers import SHARED

CASE = SHARED / "cases" / "match-game-new-score-format.json"


def test_match_game_new_score_format_case_decodes_at_the_default_version() -> None:
    body = CASE.read_bytes()
    route = by_uri("GET", "api/v2/matches/{match}")
    model = route.response_for(DEFAULT_API_VERSION)
    assert model is MatchResponse
    match = decode(body, model, strict=True)
    games = [e.game for e in match.events if osukit.is_set(e.game)]
    assert len(games) == 1
    game = games[0]
    assert game.match_id == 123456789
    assert osukit.is_set(game.scores) and len(game.scores) == 1
    score = game.scores[0]
    assert isinstance(score, Score)
    assert score.statistics.great == 180 and score.statistics.ok == 12 and score.statistics.meh == 2 and score.statistics.miss == 1
    assert score.total_score == 512345 and score.legacy_total_score == 512345
    assert [m.acronym for m in score.mods] == ["HD"]
    assert score.type == "legacy_match_score"


def test_match_case_through_the_client(osu_emulator: Any) -> None:
    """``matches.get`` and ``matches.events()`` decode the case as served by a server."""
    body = json.loads(CASE.read_text())

    def handler(request: httpx.Request) -> httpx.Response:
        return httpx.Response(200, json=body)

    client = osukit.Client(access_token="tok-tok-tok", http_client=httpx.Client(transport=httpx.MockTransport(handler)))
    match = client.matches.get(123456789)
    assert all(isinstance(s, Score) for e in match.events if osukit.is_set(e.game) for s in e.game.scores)
    events = list(client.matches.events(123456789, limit=2))
    scores = [s for e in events if osukit.is_set(e.game) for s in e.game.scores]
    assert scores and all(isinstance(s, Score) and s.statistics.great == 180 for s in scores)


@pytest.mark.parametrize(("version", "lazer"), [(20250913, True), (20220705, True), (20220704, False), (0, False)])
def test_emulator_match_scores_follow_the_version(osu_emulator: Any, version: int, lazer: bool) -> None:
    mid = osu_emulator.dataset["params"]["match"]
    token = osu_emulator.mint_token(osu_emulator.dataset["test_user_id"], ["public"])["access_token"]
    r = httpx.get(f"{osu_emulator.base_url}/api/v2/matches/{mid}",
                  headers={"Authorization": f"Bearer {token}", "x-api-version": str(version)})
    model = by_uri("GET", "api/v2/matches/{match}").response_for(version)
    assert model is (MatchResponse if lazer else LegacyMatchResponse)
    match = decode(r.content, model, strict=True)
    scores = [s for e in match.events if osukit.is_set(e.game) for s in e.game.scores]
    assert scores
    assert all(isinstance(s, Score if lazer else LegacyScore) for s in scores)
    games = [e.game for e in match.events if osukit.is_set(e.game)]
    assert all(g.match_id == mid for g in games)
    if lazer:
        assert all(osukit.is_set(s.total_score) and osukit.is_set(s.statistics.great) for s in scores)
    else:
        assert all(osukit.is_set(s.score) and s.statistics.count_300 is not None for s in scores)


@pytest.mark.parametrize(("version", "relations"), [(20250913, True), (20241022, True), (20241021, False)])
def test_emulator_friends_follow_the_version(osu_emulator: Any, version: int, relations: bool) -> None:
    token = osu_emulator.mint_token(osu_emulator.dataset["test_user_id"], ["friends.read"])["access_token"]
    r = httpx.get(f"{osu_emulator.base_url}/api/v2/friends",
                  headers={"Authorization": f"Bearer {token}", "x-api-version": str(version)})
    body = r.json()
    assert body
    assert ("target" in body[0]) is relations
    decode(r.content, by_uri("GET", "api/v2/friends").response_for(version), strict=True)


@pytest.mark.parametrize(("version", "lazer"), [(20250913, True), (20220704, False)])
def test_emulator_scores_follow_the_version(osu_emulator: Any, version: int, lazer: bool) -> None:
    sid = osu_emulator.dataset["params"]["score"]
    token = osu_emulator.mint_token(osu_emulator.dataset["test_user_id"], ["public"])["access_token"]
    r = httpx.get(f"{osu_emulator.base_url}/api/v2/scores/{sid}",
                  headers={"Authorization": f"Bearer {token}", "x-api-version": str(version)})
    score = decode(r.content, by_uri("GET", "api/v2/scores/{score}").response_for(version), strict=True)
    assert isinstance(score, Score if lazer else LegacyScore)


def test_emulator_me_session_verification_fields(osu_emulator: Any) -> None:
    token = osu_emulator.mint_token(osu_emulator.dataset["test_user_id"], ["identify"])["access_token"]
    r = httpx.get(f"{osu_emulator.base_url}/api/v2/me", headers={"Authorization": f"Bearer {token}", "x-api-version": "20250913"})
    me = decode(r.content, by_uri("GET", "api/v2/me/{mode?}").response, strict=True)
    assert me.session_verified is True
    assert me.session_verification_method is None
    assert osukit.is_set(me.score_processing_notice_url) and osukit.is_set(me.statistics_rulesets)


@pytest.mark.parametrize(("version", "totp", "method"), [(20250913, True, "totp"), (20250912, True, "mail"),
                                                          (20250913, False, "mail"), (20250912, False, "mail")])
def test_emulator_session_verification_method_follows_the_version(osu_emulator: Any, version: int, totp: bool,
                                                                  method: str) -> None:
    """osu-web ``SessionVerification\\State::getMethod``: mail below 20250913 or without an authenticator."""
    uid = next(u["id"] for u in osu_emulator.state.world.users.values() if u["has_totp"] is totp)
    token = osu_emulator.mint_token(uid, ["identify"], verified=False)["access_token"]
    headers = {"Authorization": f"Bearer {token}", "x-api-version": str(version)}
    me = decode(httpx.get(f"{osu_emulator.base_url}/api/v2/me", headers=headers).content,
                by_uri("GET", "api/v2/me/{mode?}").response, strict=True)
    assert me.session_verified is False
    assert me.session_verification_method == method
    assert httpx.post(f"{osu_emulator.base_url}/api/v2/session/verify", headers=headers,
                      json={"verification_key": "12345678"}).status_code < 300
    me = decode(httpx.get(f"{osu_emulator.base_url}/api/v2/me", headers=headers).content,
                by_uri("GET", "api/v2/me/{mode?}").response, strict=True)
    assert me.session_verified is True and me.session_verification_method is None
