"""Every route on both clients against the emulator over sockets, with typed results."""

from __future__ import annotations

import json
from typing import Any

import pytest

import osukit
from osukit import models  # noqa: F401 - the models package must import
from osukit.routes import ROUTES

from .conftest import Both

P: dict[str, Any] = {}


@pytest.fixture(autouse=True)
def params(osu_emulator: Any) -> None:
    P.clear()
    P.update(osu_emulator.dataset["params"])
    P["bot"] = osu_emulator.dataset["bot_user_id"]


CALLS: dict[str, Any] = {
    "users.me": lambda c: c.users.me(),
    "users.get": lambda c: c.users.get(P["user"], "osu"),
    "users.get_many": lambda c: c.users.get_many([P["user"], 2, 999999999]),
    "users.lookup": lambda c: c.users.lookup([P["user"], "peppy"]),
    "users.kudosu": lambda c: c.users.kudosu(2, limit=None),
    "users.scores": lambda c: c.users.scores(2, "best", mode="osu", limit=None),
    "users.beatmapsets": lambda c: c.users.beatmapsets(2, "most_played", limit=7),
    "users.recent_activity": lambda c: c.users.recent_activity(2, limit=None),
    "users.beatmaps_passed": lambda c: c.users.beatmaps_passed(2, [P["beatmapset"]]),
    "users.favourite_beatmapset_ids": lambda c: c.users.favourite_beatmapset_ids(),
    "users.friends": lambda c: c.users.friends(),
    "beatmaps.lookup": lambda c: c.beatmaps.lookup(id=P["beatmap"]),
    "beatmaps.packs": lambda c: c.beatmaps.packs(limit=None),
    "beatmaps.pack": lambda c: c.beatmaps.pack(P["pack"]),
    "beatmaps.user_score": lambda c: c.beatmaps.user_score(P["beatmap"], _top_user(c)),
    "beatmaps.user_scores": lambda c: c.beatmaps.user_scores(P["beatmap"], _top_user(c)),
    "beatmaps.scores": lambda c: c.beatmaps.scores(P["beatmap"], limit=100),
    "beatmaps.solo_scores": lambda c: c.beatmaps.solo_scores(P["beatmap"]),
    "beatmaps.get_batch": lambda c: c.beatmaps.get_batch([P["beatmap"]]),
    "beatmaps.get": lambda c: c.beatmaps.get(P["beatmap"]),
    "beatmaps.attributes": lambda c: c.beatmaps.attributes(P["beatmap"], mods="DT"),
    "beatmapsets.search": lambda c: c.beatmapsets.search(limit=None),
    "beatmapsets.lookup": lambda c: c.beatmapsets.lookup(P["beatmap"]),
    "beatmapsets.get": lambda c: c.beatmapsets.get(P["beatmapset"]),
    "discussions.events": lambda c: c.discussions.events(limit=None),
    "discussions.posts": lambda c: c.discussions.posts(limit=None),
    "discussions.votes": lambda c: c.discussions.votes(limit=None),
    "discussions.list": lambda c: c.discussions.list(limit=None),
    "events.list": lambda c: c.events.list(limit=None),
    "scores.get": lambda c: c.scores.get(P["score"]),
    "scores.get_legacy": lambda c: c.scores.get_legacy("osu", P["score"]),
    "scores.download": lambda c: c.scores.download(_replay_score(c)),
    "scores.download_legacy": lambda c: c.scores.download_legacy(_replay_ruleset(), _replay_score(c)),
    "scores.recent": lambda c: c.scores.recent(limit=30),
    "rankings.get": lambda c: c.rankings.get("osu", "performance", limit=None),
    "rankings.kudosu": lambda c: c.rankings.kudosu(limit=None),
    "rankings.spotlights": lambda c: c.rankings.spotlights(),
    "rooms.list": lambda c: c.rooms.list(),
    "rooms.get": lambda c: c.rooms.get(P["room"]),
    "rooms.leaderboard": lambda c: c.rooms.leaderboard(P["room"]),
    "rooms.events": lambda c: c.rooms.events(P["room"]),
    "rooms.playlist_scores": lambda c: c.rooms.playlist_scores(P["room"], P["playlist"], limit=None),
    "matches.list": lambda c: c.matches.list(limit=None),
    "matches.get": lambda c: c.matches.get(P["match"]),
    "chat.ack": lambda c: c.chat.ack(),
    "chat.send_pm": lambda c: c.chat.send_pm(P["bot"], "hello there"),
    "chat.messages": lambda c: c.chat.messages(P["channel"], limit=None),
    "chat.send": lambda c: c.chat.send(P["channel"], "hi from the tests"),
    "chat.join": lambda c: c.chat.join(P["channel"], P["user"]),
    "chat.leave": lambda c: c.chat.leave(P["channel"] + 3, P["user"]),
    "chat.mark_as_read": lambda c: c.chat.mark_as_read(P["channel"], P["message"]),
    "chat.channels": lambda c: c.chat.channels(),
    "chat.create_pm_channel": lambda c: c.chat.create_pm_channel(P["bot"]),
    "chat.channel": lambda c: c.chat.channel(P["channel"]),
    "forums.lock_topic": lambda c: c.forums.lock_topic(_new_topic(c), True),
    "forums.pin_topic": lambda c: c.forums.pin_topic(P["topic"], "1"),
    "forums.reply": lambda c: c.forums.reply(P["topic"], "a reply"),
    "forums.topics": lambda c: c.forums.topics(limit=None),
    "forums.create_topic": lambda c: c.forums.create_topic(P["forum"], "New topic", "First post"),
    "forums.topic": lambda c: c.forums.topic(P["topic"]),
    "forums.edit_topic": lambda c: c.forums.edit_topic(P["topic"], "Renamed"),
    "forums.edit_post": lambda c: c.forums.edit_post(_my_post(c), "edited"),
    "forums.list": lambda c: c.forums.list(),
    "forums.get": lambda c: c.forums.get(P["forum"]),
    "comments.list": lambda c: c.comments.list(limit=None),
    "comments.get": lambda c: c.comments.get(P["comment"]),
    "news.list": lambda c: c.news.list(limit=None),
    "news.get": lambda c: c.news.get(P["news"]),
    "wiki.get": lambda c: c.wiki.get(P["path"], P["locale"]),
    "changelog.build": lambda c: c.changelog.build(P["stream"], P["build"]),
    "changelog.list": lambda c: c.changelog.list(),
    "changelog.lookup": lambda c: c.changelog.lookup(P["changelog"]),
    "misc.search": lambda c: c.misc.search("a"),
    "misc.tags": lambda c: c.misc.tags(),
    "misc.seasonal_backgrounds": lambda c: c.misc.seasonal_backgrounds(),
    "teams.get": lambda c: c.teams.get(P["team"], "osu"),
    "account.verify_session": lambda c: c.account.verify_session("12345678"),
    "account.verify_session_mail_fallback": lambda c: c.account.verify_session_mail_fallback(),
    "account.reissue_verification": lambda c: c.account.reissue_verification(),
    "legacy.get_beatmaps": lambda c: c.legacy.get_beatmaps(beatmapset_id=P["beatmapset"]),
    "legacy.get_user": lambda c: c.legacy.get_user(2),
    "legacy.get_scores": lambda c: c.legacy.get_scores(P["beatmap"]),
    "legacy.get_user_best": lambda c: c.legacy.get_user_best("peppy", limit=100),
    "legacy.get_user_recent": lambda c: c.legacy.get_user_recent(2),
    "legacy.get_match": lambda c: c.legacy.get_match(P["match"]),
    "legacy.get_replay": lambda c: c.legacy.get_replay(score_id=_replay_score(c)),
    "legacy.beatmap_file": lambda c: c.legacy.beatmap_file(P["beatmap"]),
}

_emu: Any = None


def _top_user(c: Any) -> int:
    import httpx

    board = httpx.get(f"{_emu.base_url}/api/v2/beatmaps/{P['beatmap']}/scores",
                      headers={"Authorization": c._headers.get("Authorization", "") or f"Bearer {c.token.access_token}"}).json()
    return int(board["scores"][0]["user_id"])


def _replay_score(c: Any) -> int:
    world = _emu.state.world
    return next(s["id"] for s in world.scores.values() if s["has_replay"] and s["legacy_score_id"] is None)


def _replay_ruleset() -> str:
    world = _emu.state.world
    return next(s["ruleset"] for s in world.scores.values() if s["has_replay"] and s["legacy_score_id"] is None)


def _new_topic(c: Any) -> int:
    world = _emu.state.world
    return list(world.topics)[-1]


def _my_post(c: Any) -> int:
    world = _emu.state.world
    uid = P["user"]
    return next(pid for pid, p in reversed(list(world.posts.items())) if p["user_id"] == uid)


@pytest.mark.parametrize("route", [r for r in ROUTES if r.name != "revoke_token"], ids=lambda r: r.name)
def test_route_on_both_clients(route: Any, both: Both, osu_emulator: Any) -> None:
    global _emu
    _emu = osu_emulator
    if route.name == "forums.edit_post":
        both.run(lambda c: c.forums.reply(P["topic"], "mine"))
    s, a = both.run(CALLS[route.name])
    if route.response is None:
        assert s is None and a is None
        return
    assert type(s) is type(a)
    if isinstance(s, bytes):
        assert s and a
        return
    if (route.response is not bytes and not isinstance(s, list)) or s:
        sample = s[0] if isinstance(s, list) else s
        assert isinstance(sample, (osukit.Model, int)), type(sample)
    # both clients decode the same data the same way (ignoring values that change per call)
    if route.http_method == "GET" and route.name not in ("scores.recent",):
        assert json.dumps(osukit.dump(s), sort_keys=True, default=str) == json.dumps(osukit.dump(a), sort_keys=True, default=str)


def test_strict_mode_sees_no_unknown_fields(osu_emulator: Any, user_token: str) -> None:
    """Everything the emulator sends is modelled (strict decoding raises on any unknown field)."""
    global _emu
    _emu = osu_emulator
    P.update(osu_emulator.dataset["params"])
    P["bot"] = osu_emulator.dataset["bot_user_id"]
    client = osukit.Client(base_url=osu_emulator.base_url, rate_limit=0, access_token=user_token,
                           api_key=osu_emulator.api_key, strict=True)
    for name, call in CALLS.items():
        if name in ("forums.edit_post", "forums.lock_topic"):
            continue
        result = call(client)
        if isinstance(result, osukit.Paginator):
            list(result)


def test_legacy_scores_below_20220705(osu_emulator: Any, user_token: str) -> None:
    client = osukit.Client(base_url=osu_emulator.base_url, rate_limit=0, access_token=user_token, api_version=20220704)
    scores = list(client.users.scores(2, "best", mode="osu", limit=5))
    assert scores and all(isinstance(s, osukit.models.scores.LegacyScore) for s in scores)
    new = osukit.Client(base_url=osu_emulator.base_url, rate_limit=0, access_token=user_token)
    assert all(isinstance(s, osukit.models.scores.Score) for s in new.users.scores(2, "best", mode="osu", limit=5))
