"""Every real 200 response in the corpus decodes through its route (``osukit.routes``) and dumps back to the same JSON."""

from __future__ import annotations

import json

import pytest

import osukit
from osukit._route import score_shape
from osukit.models.beatmaps import BeatmapPlaycount
from osukit.models.scores import LegacyScore, Score
from osukit.routes import by_uri

from .._helpers import _first_difference, _norm, corpus_bytes, corpus_index

ROWS = [r for r in corpus_index() if r["status"] == "200" and r["route"] != "api/v2/artists"]


def path_values(row: dict[str, str]) -> dict[str, str]:
    """The path values a capture was taken with, as its INDEX note spells them (``type=most_played``)."""
    out: dict[str, str] = {}
    for part in row["note"].replace(",", " ").split():
        key, sep, value = part.partition("=")
        if sep:
            out[key] = value
    return out


def _scores(value: object) -> list[object]:
    if isinstance(value, (Score, LegacyScore)):
        return [value]
    if isinstance(value, list):
        return [s for v in value for s in _scores(v)]
    if isinstance(value, osukit.Model):
        return [s for name in ("scores", "score", "user_score") for s in _scores(getattr(value, name, None))]
    return []


@pytest.mark.parametrize("row", ROWS, ids=lambda r: r["file"])
def test_corpus_response_round_trips(row: dict[str, str]) -> None:
    body = corpus_bytes(row["file"])
    route = by_uri(row["method"], row["route"])
    decoded = route.decode(body, strict=True, path=path_values(row))
    raw = json.loads(body)
    dumped = osukit.dump(decoded)
    if route.api == "v1":
        assert dumped == raw
    else:
        assert _norm(dumped) == _norm(raw), _first_difference(_norm(raw), _norm(dumped))
    # A score lands in the model of its own shape, whatever the route's default is.
    shape = score_shape(raw)
    for score in _scores(decoded):
        assert isinstance(score, LegacyScore if shape == "legacy" else Score)


def test_most_played_decodes_play_counts_through_the_route() -> None:
    row = next(r for r in ROWS if "type=most_played" in r["note"])
    route = by_uri(row["method"], row["route"])
    decoded = route.decode(corpus_bytes(row["file"]), strict=True, path={"type": "most_played"})
    assert decoded and all(isinstance(p, BeatmapPlaycount) for p in decoded)
    assert route.model({"type": osukit.resources.users.UserBeatmapsetType.MOST_PLAYED}) == list[BeatmapPlaycount]
    assert route.model({"type": "ranked"}) == route.response
