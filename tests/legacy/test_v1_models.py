"""API v1 models: every real v1 response decodes into real types and dumps back exactly."""

from __future__ import annotations

import datetime as dt
import json

import pytest

import osukit
from osukit.models.legacy import V1DateTime, V1Float, V1MatchResponse, V1Score, V1User
from osukit.resources import legacy as R

from .._helpers import corpus_bytes, corpus_index

V1_ROWS = [row for row in corpus_index() if row["route"].startswith("api/get_")]
ROUTES = {r.uri: r for r in (R.GET_BEATMAPS, R.GET_USER, R.GET_SCORES, R.GET_USER_BEST, R.GET_USER_RECENT,
                             R.GET_MATCH, R.GET_REPLAY)}


@pytest.mark.parametrize("row", V1_ROWS, ids=lambda r: r["file"])
def test_v1_corpus_round_trips_exactly(row: dict[str, str]) -> None:
    body = corpus_bytes(row["file"])
    route = ROUTES[row["route"]]
    decoded = route.decode(body, strict=True)
    assert osukit.dump(decoded) == json.loads(body)  # exactly, strings and all


def test_v1_types_are_real() -> None:
    user: V1User = R.GET_USER.decode(corpus_bytes("v1/get_user_200.json"))[0]
    assert user.user_id == 2 and isinstance(user.user_id, int)
    assert user.join_date == dt.datetime(2007, 8, 28, 3, 9, 12, tzinfo=dt.timezone.utc)
    assert isinstance(user.join_date, V1DateTime)
    assert isinstance(user.pp_raw, V1Float) and user.pp_raw == pytest.approx(1188.36)
    scores: list[V1Score] = R.GET_SCORES.decode(corpus_bytes("v1/get_beatmap_scores_200.json"))
    top = scores[0]
    assert top.enabled_mods == 72 and str(top.mods) in ("HDDT", "DTHD")
    assert top.perfect is False and top.replay_available is True
    recent = R.GET_USER_RECENT.decode(corpus_bytes("v1/get_user_recents_200.json"))
    assert recent[0].score_id is None
    match: V1MatchResponse = R.GET_MATCH.decode(corpus_bytes("v1/get_match_200.json"))
    assert not isinstance(match.match, int)
    assert match.match.end_time is not None
    first = match.games[0].scores[0]  # type: ignore[index]
    assert first.passed is True and first.team == 2


def test_v1_float_keeps_its_text() -> None:
    assert V1Float("0").to_json_value() == "0"
    assert V1Float("96.79685974121094") == pytest.approx(96.79685974121094)
