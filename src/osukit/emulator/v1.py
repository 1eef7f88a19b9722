"""API v1 (``/api/get_*``) over the same world: v1's string-typed fields and error bodies.

v1 rows are osu!stable (legacy) scores: their counts are the score's judgements in
stable's names (``to_legacy``), and their ``pp`` is by stable rules for those counts, as
[`osukit.game.performance`][osukit.game.pp.performance] computes it for the v1 row (a
score set on lazer is shown as stable would rate it; without rosu-pp the lazer value
stands in). ``accuracy(row, ruleset=…)`` of a v1 row equals the ``accuracy`` of the
same score in API v2's legacy shape: both come from the same counts.
"""

from __future__ import annotations

import base64
import datetime as dt
import functools
import lzma
from collections.abc import Callable
from typing import Any

from starlette.requests import Request

from ..game.mods import Mods
from ..game.statistics import to_legacy
from .dataset import STATUS_INT, World
from .osufile import osu_file

MODE_IDS = {"osu": 0, "taiko": 1, "fruits": 2, "mania": 3}


def _s(value: Any) -> str | None:
    if value is None:
        return None
    if isinstance(value, bool):
        return "1" if value else "0"
    if isinstance(value, dt.datetime):
        return value.astimezone(dt.timezone.utc).strftime("%Y-%m-%d %H:%M:%S")
    return str(value)


def _user_of(w: World, request: Request) -> int | None:
    u = request.query_params.get("u")
    if u is None:
        return None
    kind = request.query_params.get("type")
    if kind != "string" and u.isdigit() and int(u) in w.users:
        return int(u)
    if kind == "id":
        return None
    for uid, user in w.users.items():
        if user["username"].lower() == u.lower():
            return uid
    return None


def _mode(request: Request, default: int = 0) -> int:
    try:
        return int(request.query_params.get("m", default))
    except ValueError:
        return default


def _limit(request: Request, default: int, high: int) -> int:
    try:
        return max(1, min(high, int(request.query_params.get("limit", default))))
    except ValueError:
        return default


def _score(w: World, s: dict[str, Any], *, with_beatmap: bool, with_username: bool, with_pp: bool) -> dict[str, Any]:
    legacy = to_legacy(s["statistics"], s["ruleset"])
    out: dict[str, Any] = {}
    if with_beatmap:
        out["beatmap_id"] = _s(s["beatmap_id"])
    out["score_id"] = _s(s["legacy_score_id"] or s["id"])
    out["score"] = _s(s["legacy_total_score"])
    if with_username:
        out["username"] = w.users[s["user_id"]]["username"]
    out.update({"maxcombo": _s(s["max_combo"]), "count50": _s(legacy.get("count_50", 0)), "count100": _s(legacy.get("count_100", 0)),
                "count300": _s(legacy.get("count_300", 0)), "countmiss": _s(legacy.get("count_miss", 0)),
                "countkatu": _s(legacy.get("count_katu", 0)), "countgeki": _s(legacy.get("count_geki", 0)),
                "perfect": _s(s["is_perfect_combo"]), "enabled_mods": _s(Mods.parse(s["mods"]).legacy), "user_id": _s(s["user_id"]),
                "date": _s(s["ended_at"]), "rank": s["rank"]})
    if with_pp:
        out["pp"] = _s(stable_pp(w, s, out))
        out["replay_available"] = _s(s["has_replay"])
    return out


@functools.cache
def _stable_performance() -> Callable[..., Any] | None:
    """``osukit.game.pp.performance`` if the pp extra (rosu-pp) is installed, else ``None``; looked up once,
    not on every v1 row (a failed import is not cached by Python: it searches the path again)."""
    try:
        import rosu_pp_py  # noqa: F401

        from ..game.pp import performance
    except ImportError:
        return None
    return performance


def stable_pp(w: World, s: dict[str, Any], row: dict[str, Any] | None = None) -> float | None:
    """A score's pp by stable rules (what its v1 row shows); cached per score."""
    recorded: float | None = s["pp"]
    if recorded is None or s["legacy_score_id"] is not None:  # imported from stable: already by stable rules
        return recorded
    cache: dict[int, float] = w.__dict__.setdefault("_v1_stable_pp", {})
    value = cache.get(s["id"])
    if value is None:
        performance = _stable_performance()
        if performance is None:  # no pp extra: the lazer value stands in
            return recorded
        if row is None:
            row = _score(w, s, with_beatmap=True, with_username=False, with_pp=False)
        value = cache[s["id"]] = round(performance(row, osu_file(w, s["beatmap_id"]), ruleset=s["ruleset"]).pp, 3)
    return value


def handle_v1(st: Any, endpoint: str, request: Request) -> tuple[int, Any]:
    w: World = st.world
    if request.query_params.get("k") != w.api_key:
        return 401, {"error": "Please provide a valid API key."}
    mode = _mode(request)
    if endpoint == "get_user":
        uid = _user_of(w, request)
        if uid is None:
            return 200, []
        u = w.users[uid]
        ruleset = list(MODE_IDS)[mode] if 0 <= mode <= 3 else "osu"
        s = u["stats"][ruleset]
        return 200, [{"user_id": _s(uid), "username": u["username"], "join_date": _s(u["join_date"]), "count300": _s(s["count_300"]),
                      "count100": _s(s["count_100"]), "count50": _s(s["count_50"]), "playcount": _s(s["play_count"]),
                      "ranked_score": _s(s["ranked_score"]), "total_score": _s(s["total_score"]), "pp_rank": _s(s["global_rank"] or 0),
                      "level": _s(s["level"]["current"] + s["level"]["progress"] / 100), "pp_raw": _s(s["pp"]),
                      "accuracy": _s(s["hit_accuracy"]), "count_rank_ss": _s(s["grade_counts"]["ss"]),
                      "count_rank_ssh": _s(s["grade_counts"]["ssh"]), "count_rank_s": _s(s["grade_counts"]["s"]),
                      "count_rank_sh": _s(s["grade_counts"]["sh"]), "count_rank_a": _s(s["grade_counts"]["a"]),
                      "country": u["country_code"], "total_seconds_played": _s(s["play_time"]), "pp_country_rank": _s(s["country_rank"] or 0),
                      "events": []}]
    if endpoint in ("get_user_best", "get_user_recent"):
        uid = _user_of(w, request)
        if uid is None:
            return 200, []
        ruleset = list(MODE_IDS)[mode] if 0 <= mode <= 3 else "osu"
        scores = [s for s in w.scores.values() if s["user_id"] == uid and s["ruleset"] == ruleset]
        if endpoint == "get_user_best":
            scores = sorted((s for s in scores if s["best"]), key=lambda s: -(stable_pp(w, s) or 0))[:_limit(request, 10, 100)]
            return 200, [_score(w, s, with_beatmap=True, with_username=False, with_pp=True) for s in scores]
        scores = sorted(scores, key=lambda s: s["ended_at"], reverse=True)[:_limit(request, 10, 50)]
        return 200, [_score(w, s, with_beatmap=True, with_username=False, with_pp=False) for s in scores]
    if endpoint == "get_scores":
        try:
            bid = int(request.query_params.get("b", ""))
        except ValueError:
            return 200, []
        if bid not in w.beatmaps:
            return 200, []
        scores = sorted((s for s in w.scores.values() if s["beatmap_id"] == bid and s["passed"]), key=lambda s: -s["total_score"])
        uid = _user_of(w, request)
        if request.query_params.get("u") is not None:
            scores = [s for s in scores if s["user_id"] == uid]
        return 200, [_score(w, s, with_beatmap=False, with_username=True, with_pp=True) for s in scores[:_limit(request, 50, 100)]]
    if endpoint == "get_beatmaps":
        q = request.query_params
        out = []
        for b in w.beatmaps.values():
            bset = w.beatmapsets[b["beatmapset_id"]]
            if q.get("b") and str(b["id"]) != q["b"]:
                continue
            if q.get("s") and str(b["beatmapset_id"]) != q["s"]:
                continue
            if q.get("h") and b["checksum"] != q["h"]:
                continue
            if q.get("m") and str(MODE_IDS[b["mode"]]) != q["m"]:
                continue
            if q.get("u") and str(bset["creator_id"]) != q["u"] and w.users[bset["creator_id"]]["username"] != q["u"]:
                continue
            out.append({"beatmapset_id": _s(b["beatmapset_id"]), "beatmap_id": _s(b["id"]), "approved": _s(STATUS_INT[b["status"]]),
                        "total_length": _s(b["total_length"]), "hit_length": _s(b["hit_length"]), "version": b["version"],
                        "file_md5": b["checksum"], "diff_size": _s(b["cs"]), "diff_overall": _s(b["accuracy"]),
                        "diff_approach": _s(b["ar"]), "diff_drain": _s(b["drain"]), "mode": _s(MODE_IDS[b["mode"]]),
                        "count_normal": _s(b["count_circles"]), "count_slider": _s(b["count_sliders"]),
                        "count_spinner": _s(b["count_spinners"]), "submit_date": _s(bset["submitted_date"]),
                        "approved_date": _s(bset["ranked_date"]), "last_update": _s(b["last_updated"]), "artist": bset["artist"],
                        "artist_unicode": bset["artist"], "title": bset["title"], "title_unicode": bset["title"],
                        "creator": w.users[bset["creator_id"]]["username"], "creator_id": _s(bset["creator_id"]), "bpm": _s(b["bpm"]),
                        "source": bset["source"], "tags": bset["tags"], "genre_id": _s(bset["genre_id"]),
                        "language_id": _s(bset["language_id"]), "favourite_count": _s(bset["favourite_count"]),
                        "rating": _s(bset["rating"]), "storyboard": _s(bset["storyboard"]), "video": _s(bset["video"]),
                        "download_unavailable": "0", "audio_unavailable": "0", "playcount": _s(b["playcount"]),
                        "passcount": _s(b["passcount"]), "packs": None, "max_combo": _s(b["max_combo"]),
                        "diff_aim": _s(round(b["difficulty_rating"] / 2, 4)), "diff_speed": _s(round(b["difficulty_rating"] / 2, 4)),
                        "difficultyrating": _s(b["difficulty_rating"])})
        return 200, out[:_limit(request, 500, 500)]
    if endpoint == "get_match":
        try:
            mid = int(request.query_params.get("mp", ""))
        except ValueError:
            mid = 0
        match = w.matches.get(mid)
        if match is None:
            return 200, {"match": 0, "games": []}
        games = []
        for e in match["events"]:
            g = e["game"]
            if g is None:
                continue
            games.append({"game_id": _s(g["id"]), "start_time": _s(g["start_time"]), "end_time": _s(g["end_time"]),
                          "beatmap_id": _s(g["beatmap_id"]), "play_mode": _s(MODE_IDS[g["mode"]]), "match_type": "0",
                          "scoring_type": "3", "team_type": "2", "mods": _s(Mods.parse(g["mods"]).legacy),
                          "scores": [{"slot": _s(i), "team": _s(1 + i % 2), "user_id": _s(uid), "score": _s(total), "maxcombo": "300",
                                      "rank": "0", "count50": "2", "count100": "20", "count300": "400", "countmiss": "3",
                                      "countgeki": "90", "countkatu": "10", "perfect": "0", "pass": "1", "enabled_mods": None}
                                     for i, (uid, total) in enumerate(zip(g["players"], g["scores"], strict=True))]})
        return 200, {"match": {"match_id": _s(mid), "name": match["name"], "start_time": _s(match["start_time"]),
                               "end_time": _s(match["end_time"])}, "games": games}
    if endpoint == "get_replay":
        q = request.query_params
        score = None
        if q.get("s"):
            score = next((s for s in w.scores.values() if str(s["legacy_score_id"] or s["id"]) == q["s"]), None)
        elif q.get("b") and q.get("u"):
            uid = _user_of(w, request)
            score = next((s for s in w.scores.values() if str(s["beatmap_id"]) == q["b"] and s["user_id"] == uid), None)
        if score is None or not score["has_replay"]:
            return 200, {"error": "Replay not available."}
        frames = ",".join(f"{16 if i else 0}|{100 + i % 300}|{100 + (i * 7) % 200}|{(i // 8) % 2}" for i in range(200)) + ",-12345|0|0|1234,"
        data = lzma.compress(frames.encode(), format=lzma.FORMAT_ALONE)
        return 200, {"content": base64.b64encode(data).decode(), "encoding": "base64"}
    return 404, {"error": "Unknown endpoint."}
