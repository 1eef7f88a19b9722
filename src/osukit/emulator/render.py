"""Turn the emulator's world into osu-web's JSON shapes (its transformers, route by route).

Each renderer follows one osu-web transformer (``beatmap_full`` is ``BeatmapTransformer``,
``user_compact`` is ``UserCompactTransformer`` and its includes …). Which fields and includes each
route sends, with the osu-web file and line behind each, is in ``scripts/data/osu_web_shapes.json``;
``tests/shapes`` checks every route's answer against it.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from typing import Any

from ..enums import Ruleset
from ..game.accuracy import accuracy as _accuracy
from ..game.statistics import to_legacy
from .dataset import BASE_TIME, STATUS_INT, World, iso, iso_z

LAZER_SCORES = 20220705
FRIEND_RELATIONS = 20241022
SESSION_VERIFICATION = 20250913
CARD_INCLUDES = ("country", "cover", "groups", "team")
"""``UserCompactTransformer::CARD_INCLUDES``."""
LIST_INCLUDES = (*CARD_INCLUDES, "statistics", "support_level")
"""``UserCompactTransformer::LIST_INCLUDES`` (``GET /friends``)."""
USER_PREFERENCES = {
    "audio_autoplay": False, "audio_muted": False, "audio_volume": 0.45, "beatmapset_card_size": "normal",
    "beatmapset_download": "all", "beatmapset_show_anime_cover": True, "beatmapset_show_nsfw": False,
    "beatmapset_title_show_original": False, "comments_show_deleted": False, "forum_posts_show_deleted": True,
    "legacy_score_only": False, "profile_cover_expanded": True, "scoring_mode": "standardised",
    "user_list_filter": "all", "user_list_sort": "last_visit", "user_list_view": "card",
}
"""``user_preferences`` on ``/me``: osu-web's ``UserProfileCustomization::DEFAULTS`` less ``comments_sort`` and
``extras_order`` (``UserCompactTransformer::includeUserPreferences``)."""


def user_compact(w: World, uid: int, *includes: str, mode: str | None = None) -> dict[str, Any]:
    u = w.users[uid]
    out: dict[str, Any] = {
        "avatar_url": f"https://a.ppy.sh/{uid}?1700000000.png",
        "country_code": u["country_code"],
        "default_group": u["default_group"],
        "id": uid,
        "is_active": True,
        "is_bot": u["is_bot"],
        "is_deleted": False,
        "is_online": u["is_online"],
        "is_supporter": u["is_supporter"],
        "last_visit": iso(u["last_visit"]),
        "pm_friends_only": False,
        "profile_colour": u["profile_colour"],
        "username": u["username"],
    }
    for inc in includes:
        if inc == "country":
            out["country"] = {"code": u["country_code"], "name": u["country_name"]}
        elif inc == "cover":
            out["cover"] = {"custom_url": None, "url": f"https://osu.ppy.sh/images/headers/profile-covers/c{1 + uid % 8}.jpg",
                            "id": str(1 + uid % 8)}
        elif inc == "groups":
            out["groups"] = list(u["groups"])
        elif inc == "team":
            out["team"] = team_compact(w, u["team_id"]) if u["team_id"] else None
        elif inc == "statistics":
            out["statistics"] = statistics(w, uid, mode or u["playmode"])
        elif inc == "statistics_rulesets":
            out["statistics_rulesets"] = {r: statistics(w, uid, r) for r in ("osu", "taiko", "fruits", "mania")}
        elif inc == "kudosu":
            out["kudosu"] = dict(u["kudosu"])
        elif inc == "support_level":
            out["support_level"] = 3 if u["is_supporter"] else 0
        elif inc == "global_rank":
            # UserCompactTransformer::includeGlobalRank
            out["global_rank"] = {"rank": u["stats"][mode or u["playmode"]].get("global_rank"),
                                  "ruleset_id": Ruleset(mode or u["playmode"]).id}
    return out


def team_compact(w: World, team_id: int) -> dict[str, Any]:
    t = w.teams[team_id]
    return {"flag_url": t["flag_url"], "id": t["id"], "name": t["name"], "short_name": t["short_name"]}


def statistics(w: World, uid: int, mode: str, *, with_user: bool = False) -> dict[str, Any]:
    s = dict(w.users[uid]["stats"][mode])
    if not with_user:
        s.pop("rank_change_since_30_days", None)
    else:
        s.pop("country_rank", None)
        s.pop("rank", None)
        s["user"] = user_compact(w, uid, "country", "cover", "team")
    return s


def user_full(w: World, uid: int, mode: str | None) -> dict[str, Any]:
    u = w.users[uid]
    mode = mode or u["playmode"]
    out = user_compact(w, uid)
    scores = [s for s in w.scores.values() if s["user_id"] == uid]
    out.update({
        "cover_url": f"https://assets.ppy.sh/user-profile-covers/{uid}/cover.jpeg",
        "discord": None, "has_supported": u["is_supporter"], "interests": None, "join_date": iso(u["join_date"]),
        "location": None, "max_blocks": 100, "max_friends": 500, "occupation": None, "playmode": u["playmode"],
        "playstyle": ["mouse", "keyboard"], "post_count": sum(1 for p in w.posts.values() if p["user_id"] == uid),
        "profile_hue": None, "profile_order": ["me", "recent_activity", "beatmaps", "historical", "kudosu", "top_ranks", "medals"],
        "title": None, "title_url": None, "twitter": None, "website": None,
        "country": {"code": u["country_code"], "name": u["country_name"]},
        "cover": {"custom_url": None, "url": f"https://osu.ppy.sh/images/headers/profile-covers/c{1 + uid % 8}.jpg", "id": str(1 + uid % 8)},
        "kudosu": dict(u["kudosu"]),
        "account_history": [], "active_tournament_banner": None, "active_tournament_banners": [], "badges": list(u["badges"]),
        "beatmap_playcounts_count": len({s["beatmap_id"] for s in scores}),
        "comments_count": sum(1 for c in w.comments.values() if c["user_id"] == uid),
        "current_season_stats": None,
        "current_user_attributes": {"has_blocked": False},
        "daily_challenge_user_stats": {"daily_streak_best": 3, "daily_streak_current": 0, "last_update": iso(BASE_TIME),
                                       "last_weekly_streak": iso(BASE_TIME), "playcount": 10, "top_10p_placements": 1,
                                       "top_50p_placements": 4, "user_id": uid, "weekly_streak_best": 2, "weekly_streak_current": 0},
        "favourite_beatmapset_count": len(w.favourites.get(uid, [])), "follower_count": uid % 5000,
        "graveyard_beatmapset_count": _set_count(w, uid, ("graveyard",)), "groups": list(u["groups"]),
        "guest_beatmapset_count": 0, "loved_beatmapset_count": _set_count(w, uid, ("loved",)), "mapping_follower_count": uid % 300,
        "matchmaking_stats": [{"first_placements": 0, "is_rating_provisional": True, "plays": 3, "pool_id": 3, "rank": 120,
                               "rank_percent": 0.5, "rating": 1500, "total_points": 30, "user_id": uid,
                               "pool": {"active": True, "id": 3, "name": "Season 1", "ruleset_id": 0, "type": "ranked_play", "variant_id": 0}}],
        "monthly_playcounts": [dict(m) for m in u["monthly_playcounts"]],
        "nominated_beatmapset_count": 0,
        "page": {"html": f"<div class='bbcode'>Hi, I am {u['username']}.</div>", "raw": f"Hi, I am {u['username']}."},
        "pending_beatmapset_count": _set_count(w, uid, ("pending", "wip")), "previous_usernames": list(u["previous_usernames"]),
        "rank_highest": _rank_highest(u["rank_histories"].get(mode)),
        "ranked_beatmapset_count": _set_count(w, uid, ("ranked", "approved")),
        "replays_watched_counts": [dict(m) for m in u.get("replays_watched_counts", [])],
        "scores_best_count": sum(1 for s in scores if s["best"]), "scores_first_count": 0,
        "scores_pinned_count": sum(1 for s in scores if s["pinned"]), "scores_recent_count": len(_recent(w, uid, None, False)),
        "statistics": statistics(w, uid, mode), "support_level": 3 if u["is_supporter"] else 0,
        "team": team_compact(w, u["team_id"]) if u["team_id"] else None,
        "user_achievements": [{"achieved_at": iso_z(BASE_TIME - dt.timedelta(days=i * 30)), "achievement_id": 300 + i} for i in range(4)],
        # osu-web sends null for a ruleset the user has no rank in (no RankHistory row)
        "rank_history": _rank_history(u["rank_histories"].get(mode), mode),
        "rankHistory": _rank_history(u["rank_histories"].get(mode), mode),
        "ranked_and_approved_beatmapset_count": _set_count(w, uid, ("ranked", "approved")),
        "unranked_beatmapset_count": _set_count(w, uid, ("pending", "wip")),
    })
    return out


def _rank_history(data: list[int] | None, mode: str) -> dict[str, Any] | None:
    return None if data is None else {"mode": mode, "data": list(data)}


def _rank_highest(data: list[int] | None) -> dict[str, Any] | None:
    if not data:
        return None
    best = min(data)
    days_ago = len(data) - 1 - data.index(best)
    return {"rank": best, "updated_at": iso_z(BASE_TIME - dt.timedelta(days=days_ago))}


def _set_count(w: World, uid: int, statuses: Iterable[str]) -> int:
    return sum(1 for s in w.beatmapsets.values() if s["creator_id"] == uid and s["status"] in statuses)


def _recent(w: World, uid: int, mode: str | None, include_fails: bool) -> list[dict[str, Any]]:
    cutoff = BASE_TIME - dt.timedelta(hours=24)
    out = [s for s in w.scores.values() if s["user_id"] == uid and s["ended_at"] >= cutoff
           and (mode is None or s["ruleset"] == mode) and (include_fails or s["passed"])]
    return sorted(out, key=lambda s: s["ended_at"], reverse=True)


def covers(set_id: int) -> dict[str, str]:
    base = f"https://assets.ppy.sh/beatmaps/{set_id}/covers"
    return {"cover": f"{base}/cover.jpg", "cover@2x": f"{base}/cover@2x.jpg", "card": f"{base}/card.jpg",
            "card@2x": f"{base}/card@2x.jpg", "list": f"{base}/list.jpg", "list@2x": f"{base}/list@2x.jpg",
            "slimcover": f"{base}/slimcover.jpg", "slimcover@2x": f"{base}/slimcover@2x.jpg"}


def beatmapset_compact(w: World, sid: int) -> dict[str, Any]:
    s = w.beatmapsets[sid]
    return {
        "anime_cover": False, "artist": s["artist"], "artist_unicode": s["artist"], "covers": covers(sid),
        "creator": w.users[s["creator_id"]]["username"], "favourite_count": s["favourite_count"], "genre_id": s["genre_id"],
        "hype": {"current": 3, "required": 5} if s["status"] in ("pending", "wip") else None,
        "id": sid, "language_id": s["language_id"], "nsfw": s["nsfw"], "offset": s["offset"], "play_count": s["play_count"],
        "preview_url": f"//b.ppy.sh/preview/{sid}.mp3", "source": s["source"], "spotlight": False, "status": s["status"],
        "title": s["title"], "title_unicode": s["title"], "track_id": s["track_id"], "user_id": s["creator_id"], "video": s["video"],
    }


def beatmapset_full(w: World, sid: int, *includes: str) -> dict[str, Any]:
    s = w.beatmapsets[sid]
    out = beatmapset_compact(w, sid)
    out.update({
        "bpm": s["bpm"], "can_be_hyped": s["status"] in ("pending", "wip"), "deleted_at": None, "discussion_enabled": True,
        "discussion_locked": False, "is_scoreable": s["status"] in ("ranked", "approved", "qualified", "loved"),
        "last_updated": iso(s["last_updated"]), "legacy_thread_url": f"https://osu.ppy.sh/community/forums/topics/{sid}",
        "nominations_summary": {"current": 2 if s["status"] in ("ranked", "qualified") else 0, "eligible_main_rulesets": ["osu"],
                                "required_meta": {"main_ruleset": 2, "non_main_ruleset": 1}},
        "ranked": STATUS_INT[s["status"]], "ranked_date": iso(s["ranked_date"]), "rating": s["rating"],
        "storyboard": s["storyboard"], "submitted_date": iso(s["submitted_date"]), "tags": s["tags"],
        "availability": {"download_disabled": False, "more_information": None},
    })
    for inc in includes:
        if inc == "beatmaps":
            out["beatmaps"] = [beatmap_full(w, b, "max_combo") for b in s["beatmap_ids"]]
        elif inc == "pack_tags":
            out["pack_tags"] = [p["tag"] for p in w.packs if sid in p["beatmapset_ids"]]
        elif inc == "show":
            out["beatmaps"] = [beatmap_full(w, b, "max_combo", "failtimes", "owners") for b in s["beatmap_ids"]]
            out["converts"] = [_convert(beatmap_full(w, b, "max_combo", "failtimes", "owners"), r)
                               for b in s["beatmap_ids"] if w.beatmaps[b]["mode"] == "osu" for r in ("taiko", "fruits", "mania")]
            out["current_nominations"] = []
            out["current_user_attributes"] = None
            out["description"] = {"description": f"<div>{s['title']} by {s['artist']}</div>"}
            out["genre"] = {"id": s["genre_id"], "name": "Video Game"}
            out["language"] = {"id": s["language_id"], "name": "English"}
            out["pack_tags"] = [p["tag"] for p in w.packs if sid in p["beatmapset_ids"]]
            out["ratings"] = list(s["ratings"])
            out["recent_favourites"] = []
            out["related_users"] = [user_compact(w, s["creator_id"])]
            out["related_tags"] = []
            out["user"] = user_compact(w, s["creator_id"])
            # BeatmapsetsController::showJson asks for version_count and beatmaps.current_user_*/top_tag_ids
            out["version_count"] = 1
            for b in out["beatmaps"]:
                b["current_user_playcount"] = 0
                b["current_user_tag_ids"] = []
                b["top_tag_ids"] = []
            for b in out["converts"]:
                b["top_tag_ids"] = []
    return out


def _convert(b: dict[str, Any], ruleset: str) -> dict[str, Any]:
    b = dict(b)
    b["mode"] = ruleset
    b["mode_int"] = Ruleset(ruleset).id
    b["convert"] = True
    return b


def beatmap_compact(w: World, bid: int) -> dict[str, Any]:
    b = w.beatmaps[bid]
    return {"beatmapset_id": b["beatmapset_id"], "difficulty_rating": b["difficulty_rating"], "id": bid, "lazer_only": False,
            "mode": b["mode"], "status": b["status"], "total_length": b["total_length"], "user_id": b["user_id"], "version": b["version"]}


def beatmap_full(w: World, bid: int, *includes: str) -> dict[str, Any]:
    b = w.beatmaps[bid]
    out = beatmap_compact(w, bid)
    out.update({"accuracy": b["accuracy"], "ar": b["ar"], "bpm": b["bpm"], "convert": b["convert"], "count_circles": b["count_circles"],
                "count_sliders": b["count_sliders"], "count_spinners": b["count_spinners"], "cs": b["cs"], "deleted_at": None,
                "drain": b["drain"], "hit_length": b["hit_length"], "is_scoreable": b["status"] in ("ranked", "approved", "qualified", "loved"),
                "last_updated": iso(b["last_updated"]), "mode_int": Ruleset(b["mode"]).id, "passcount": b["passcount"],
                "playcount": b["playcount"], "ranked": STATUS_INT[b["status"]], "url": f"https://osu.ppy.sh/beatmaps/{bid}",
                "checksum": b["checksum"]})
    for inc in includes:
        if inc == "max_combo":
            out["max_combo"] = b["max_combo"]
        elif inc == "failtimes":
            out["failtimes"] = {"fail": [(bid + i) % 7 for i in range(100)], "exit": [(bid + i) % 5 for i in range(100)]}
        elif inc == "owners":
            out["owners"] = [{"id": b["user_id"], "username": w.users[b["user_id"]]["username"]}]
        elif inc == "user":
            out["user"] = user_compact(w, b["user_id"])
        elif inc == "beatmapset":
            out["beatmapset"] = beatmapset_full(w, b["beatmapset_id"])
            out["beatmapset"]["ratings"] = list(w.beatmapsets[b["beatmapset_id"]]["ratings"])
        elif inc == "beatmapset_compact":
            out["beatmapset"] = beatmapset_compact(w, b["beatmapset_id"])
        elif inc == "current_user_playcount":
            out["current_user_playcount"] = 0
        elif inc == "current_user_tag_ids":
            out["current_user_tag_ids"] = []
        elif inc == "top_tag_ids":
            out["top_tag_ids"] = []
    return out


def score(w: World, sid: int, version: int, *includes: str, position: int | None = None) -> dict[str, Any]:
    s = w.scores[sid]
    if version >= LAZER_SCORES:
        stats = {k: v for k, v in s["statistics"].items() if v}
        out: dict[str, Any] = {
            "classic_total_score": s["legacy_total_score"], "preserve": True, "processed": True, "ranked": s["pp"] is not None,
            "maximum_statistics": dict(s["maximum_statistics"]), "mods": [{"acronym": m} for m in s["mods"]],
            "statistics": stats, "total_score_without_mods": s["total_score"], "beatmap_id": s["beatmap_id"],
            "best_id": None, "id": sid, "rank": s["rank"], "type": "solo_score", "user_id": s["user_id"], "accuracy": s["accuracy"],
            "build_id": None if s["legacy_score_id"] else 7000, "ended_at": iso_z(s["ended_at"]), "has_replay": s["has_replay"],
            "is_perfect_combo": s["is_perfect_combo"], "legacy_perfect": s["is_perfect_combo"],
            "legacy_score_id": s["legacy_score_id"], "legacy_total_score": s["legacy_total_score"] if s["legacy_score_id"] else 0,
            "max_combo": s["max_combo"], "passed": s["passed"], "pp": s["pp"], "ruleset_id": s["ruleset_id"],
            "started_at": None, "total_score": s["total_score"], "replay": s["has_replay"],
        }
    else:
        legacy = to_legacy(s["statistics"], s["ruleset"])
        stats = {k: legacy.get(k, 0) for k in ("count_100", "count_300", "count_50", "count_geki", "count_katu", "count_miss")}
        # the legacy shape's accuracy comes from its own counts, by stable rules (as API v1's row)
        legacy_acc = _accuracy({"ruleset_id": s["ruleset_id"], "mods": list(s["mods"]), "statistics": dict(stats)})
        if s["ruleset"] == "osu":
            stats["count_geki"] = None
            stats["count_katu"] = None
        out = {
            "accuracy": legacy_acc, "best_id": sid if s["best"] else None, "created_at": iso_z(s["ended_at"]), "id": s["legacy_score_id"] or sid,
            "max_combo": s["max_combo"], "mode": s["ruleset"], "mode_int": s["ruleset_id"], "mods": list(s["mods"]),
            "passed": s["passed"], "perfect": s["is_perfect_combo"], "pp": s["pp"], "rank": s["rank"], "replay": s["has_replay"],
            "score": s["legacy_total_score"], "statistics": stats, "type": "score_best_osu", "user_id": s["user_id"],
        }
    for inc in includes:
        if inc == "current_user_attributes":
            out["current_user_attributes"] = {"pin": {"is_pinned": True, "score_id": sid, "score_type": "solo_score"} if s["pinned"] else None}
        elif inc == "beatmap":
            out["beatmap"] = beatmap_full(w, s["beatmap_id"])
        elif inc == "beatmap_owners":
            out["beatmap"] = beatmap_full(w, s["beatmap_id"], "owners")
        elif inc == "beatmap_full":
            out["beatmap"] = beatmap_full(w, s["beatmap_id"], "max_combo", "owners", "user")
        elif inc == "beatmapset":
            out["beatmapset"] = beatmapset_compact(w, w.beatmaps[s["beatmap_id"]]["beatmapset_id"])
        elif inc == "user":
            out["user"] = user_compact(w, s["user_id"])
        elif inc == "user_full":
            out["user"] = user_compact(w, s["user_id"], "country", "cover", "groups", "team")
        elif inc == "user_leaderboard":
            out["user"] = user_compact(w, s["user_id"], "country", "cover", "team")
        elif inc == "weight":
            out["weight"] = {"percentage": round(100 * 0.95 ** (position or 0), 4), "pp": round((s["pp"] or 0) * 0.95 ** (position or 0), 4)}
        elif inc == "rank_global":
            out["rank_global"] = 1 + (sid % 1000)
        elif inc == "replay_views":
            out["replay_views"] = sid % 100
    return out


def chat_channel(w: World, cid: int, *includes: str, uid: int | None = None) -> dict[str, Any]:
    c = w.channels[cid]
    out: dict[str, Any] = {"channel_id": cid, "description": c["description"], "icon": c["icon"],
                           "message_length_limit": c["message_length_limit"], "moderated": c["moderated"], "name": c["name"],
                           "type": c["type"], "uuid": c["uuid"]}
    msgs = [m for m in w.messages if m["channel_id"] == cid]
    for inc in includes:
        if inc == "current_user_attributes":
            last = msgs[-1]["message_id"] if msgs else None
            out["current_user_attributes"] = {"can_list_users": True, "can_message": True, "can_message_error": None, "last_read_id": last}
            out["last_message_id"] = last
            out["last_read_id"] = last
        elif inc == "users":
            out["users"] = sorted(c["users"]) if c["type"] in ("PM", "ANNOUNCE") else []
        elif inc == "recent_messages":
            out["recent_messages"] = [chat_message(w, m, sender=True) for m in msgs[-50:]]
    return out


def chat_message(w: World, m: dict[str, Any], *, sender: bool = True) -> dict[str, Any]:
    out = {"channel_id": m["channel_id"], "content": m["content"], "is_action": m["is_action"], "message_id": m["message_id"],
           "sender_id": m["sender_id"], "timestamp": iso(m["timestamp"]), "type": m["type"]}
    if "uuid" in m:
        out["uuid"] = m["uuid"]
    if sender:
        out["sender"] = user_compact(w, m["sender_id"])
    return out


def forum_post(w: World, pid: int) -> dict[str, Any]:
    p = w.posts[pid]
    return {"created_at": iso(p["created_at"]), "deleted_at": None, "edited_at": iso(p["edited_at"]), "edited_by_id": p["edited_by_id"],
            "forum_id": p["forum_id"], "id": pid, "topic_id": p["topic_id"], "user_id": p["user_id"],
            "body": {"html": f"<div class='bbcode'>{p['raw']}</div>", "raw": p["raw"]}}


def forum_topic(w: World, tid: int) -> dict[str, Any]:
    t = w.topics[tid]
    return {"created_at": iso(t["created_at"]), "deleted_at": None, "first_post_id": t["post_ids"][0], "forum_id": t["forum_id"],
            "id": tid, "is_locked": t["is_locked"], "last_post_id": t["post_ids"][-1], "post_count": len(t["post_ids"]),
            "title": t["title"], "type": t["type"], "updated_at": iso(t["updated_at"]), "user_id": t["user_id"], "views": t["views"],
            "poll": None}


def forum(w: World, fid: int) -> dict[str, Any]:
    f = w.forums[fid]
    return {"id": fid, "name": f["name"], "description": f["description"], "subforums": []}


def comment(w: World, cid: int) -> dict[str, Any]:
    c = w.comments[cid]
    t = iso(c["created_at"])
    return {"id": cid, "parent_id": c["parent_id"], "user_id": c["user_id"], "pinned": c["pinned"], "replies_count": c["replies_count"],
            "votes_count": c["votes_count"], "commentable_type": c["commentable_type"], "commentable_id": c["commentable_id"],
            "legacy_name": c["legacy_name"], "created_at": t, "updated_at": t, "deleted_at": None, "edited_at": None,
            "edited_by_id": None, "message": c["message"], "message_html": f"<div class='osu-md'><p>{c['message']}</p></div>"}


def news_post(n: dict[str, Any], *, content: bool = False) -> dict[str, Any]:
    out = {"id": n["id"], "author": n["author"], "edit_url": f"https://github.com/ppy/osu-wiki/tree/master/news/{n['slug']}.md",
           "first_image": None, "first_image@2x": None, "published_at": iso(n["published_at"]), "updated_at": iso(n["updated_at"]),
           "slug": n["slug"], "title": n["title"]}
    if content:
        out["content"] = n["content"]
    else:
        out["preview"] = n["preview"]
    return out


def build_json(b: dict[str, Any], *, entries: bool = True) -> dict[str, Any]:
    out: dict[str, Any] = {"created_at": iso(b["created_at"]), "display_version": b["display_version"], "id": b["id"],
                           "users": b["users"], "version": b["version"], "youtube_id": b["youtube_id"],
                           "update_stream": dict(b["stream"])}
    if entries:
        out["changelog_entries"] = [
            {**{k: (iso(v) if isinstance(v, dt.datetime) else v) for k, v in e.items()},
             "github_user": {"display_name": "peppy", "github_url": "https://github.com/peppy", "github_username": "peppy",
                             "id": 1, "osu_username": "peppy", "user_id": 2, "user_url": "https://osu.ppy.sh/users/2"}}
            for e in b["entries"]
        ]
    return out


def room(w: World, rid: int, *, full: bool = True) -> dict[str, Any]:
    r = w.rooms[rid]
    out: dict[str, Any] = {k: (iso(v) if isinstance(v, dt.datetime) else v) for k, v in r.items()
                           if k != "playlist" and not k.startswith("_")}  # "_events": the hub's room events
    out["max_participants"] = None
    out["host"] = user_compact(w, r["user_id"], "country")
    out["recent_participants"] = [user_compact(w, u) for u in list(w.users)[:3]]
    if full:
        out["current_user_score"] = {"accuracy": 0.95, "attempts": 1, "completed": 1, "pp": 0, "room_id": rid, "total_score": 800000,
                                     "user_id": r["user_id"], "playlist_item_attempts": [{"attempts": 1, "id": r["playlist"][0]["id"]}]}
        out["playlist"] = [playlist_item(w, p) for p in r["playlist"]]
    else:
        out["current_playlist_item"] = playlist_item(w, r["playlist"][0])
        out["playlist_item_stats"] = {"count_active": sum(1 for p in r["playlist"] if not p["expired"]),
                                      "count_total": len(r["playlist"]), "ruleset_ids": sorted({p["ruleset_id"] for p in r["playlist"]})}
        out["difficulty_range"] = {"max": 6.0, "min": 2.0}
    return out


def playlist_item(w: World, p: dict[str, Any]) -> dict[str, Any]:
    out = {k: (iso(v) if isinstance(v, dt.datetime) else v) for k, v in p.items() if k != "score_ids"}
    b = beatmap_compact(w, p["beatmap_id"])
    b["beatmapset"] = beatmapset_compact(w, w.beatmaps[p["beatmap_id"]]["beatmapset_id"])
    b["checksum"] = w.beatmaps[p["beatmap_id"]]["checksum"]
    b["max_combo"] = w.beatmaps[p["beatmap_id"]]["max_combo"]
    out["beatmap"] = b
    return out


def event(w: World, e: dict[str, Any]) -> dict[str, Any]:
    u = w.users[e["user_id"]]
    b = w.beatmaps[e["beatmap_id"]]
    s = w.beatmapsets[e["beatmapset_id"]]
    out: dict[str, Any] = {"created_at": iso(e["created_at"]), "createdAt": iso(e["created_at"]), "id": e["id"], "type": e["type"]}
    user = {"username": u["username"], "url": f"/users/{e['user_id']}"}
    bmap = {"title": f"{s['artist']} - {s['title']} [{b['version']}]", "url": f"/b/{e['beatmap_id']}?m=0"}
    bset = {"title": f"{s['artist']} - {s['title']}", "url": f"/s/{e['beatmapset_id']}"}
    if e["type"] in ("rank", "rankLost"):
        out.update({"scoreRank": e["scoreRank"], "rank": e["rank"], "mode": e["mode"], "beatmap": bmap, "user": user})
    elif e["type"] == "achievement":
        out.update({"achievement": {"icon_url": "https://assets.ppy.sh/medals/web/all-secret-jackpot.png", "id": 55,
                                    "name": "Jackpot", "grouping": "Hush-Hush", "ordering": 0, "slug": "all-secret-jackpot",
                                    "description": "Get a score.", "mode": None, "instructions": None}, "user": user})
    elif e["type"] == "beatmapPlaycount":
        out.update({"beatmap": bmap, "count": e["count"]})
    else:
        out.update({"beatmapset": bset, "user": user})
    return out


def discussion(w: World, d: dict[str, Any]) -> dict[str, Any]:
    return {k: (iso(v) if isinstance(v, dt.datetime) else v) for k, v in d.items()}


def spotlight(s: dict[str, Any]) -> dict[str, Any]:
    return {"end_date": iso(s["end_date"]), "id": s["id"], "mode_specific": s["mode_specific"], "name": s["name"],
            "start_date": iso(s["start_date"]), "type": s["type"]}


def kudosu_entry(k: dict[str, Any]) -> dict[str, Any]:
    return dict(k)


def match_game_score(game: dict[str, Any], slot: int, user_id: int, total: int, version: int,
                     team: str | None = None) -> dict[str, Any]:
    """A stable match game score as osu-web's ``ScoreTransformer`` renders ``LegacyMatch\\Score``.

    At ``x-api-version`` ≥ 20220705 the new score format (osu-web b7ab85a882, 2025-05-15:
    ``app/Models/LegacyMatch/Score.php`` ``getData()`` maps the stable counts to lazer
    statistics per ruleset, ``enabled_mods`` to ``[{acronym, settings}]``; ``total_score`` and
    ``legacy_total_score`` are the stable score); below it ``ScoreTransformer::transformLegacy``.
    Both carry the ``match`` include (slot, team, pass) and ``current_user_attributes``. ``team``:
    the player's team when the game knows it (games the referee hub records: the team the player
    chose); the dataset's games alternate red and blue by slot.
    """
    counts = {"count300": 400, "count100": 20, "count50": 2, "countgeki": 90, "countkatu": 10, "countmiss": 3}
    mode = game["mode"]
    ruleset_id = Ruleset(mode).id
    extra = {"match": {"slot": slot, "team": team or ("blue" if slot % 2 else "red"), "pass": True},
             "current_user_attributes": {"pin": None}}
    if version < LAZER_SCORES:
        return {"accuracy": 0.95, "best_id": None, "created_at": iso(game["end_time"]), "id": None, "max_combo": 300,
                "mode": mode, "mode_int": ruleset_id, "mods": [], "passed": True, "perfect": False, "pp": None, "rank": "A",
                "replay": False, "score": total,
                "statistics": {"count_100": counts["count100"], "count_300": counts["count300"], "count_50": counts["count50"],
                               "count_geki": counts["countgeki"], "count_katu": counts["countkatu"], "count_miss": counts["countmiss"]},
                "type": "legacy_match_score", "user_id": user_id, **extra}
    statistics: dict[str, int] = {"miss": counts["countmiss"], "great": counts["count300"]}
    if mode == "osu":
        statistics.update(ok=counts["count100"], meh=counts["count50"])
    elif mode == "taiko":
        statistics.update(ok=counts["count100"])
    elif mode == "fruits":
        statistics.update(large_tick_hit=counts["count100"], small_tick_hit=counts["count50"], small_tick_miss=counts["countkatu"])
    else:
        statistics.update(perfect=counts["countgeki"], good=counts["countkatu"], ok=counts["count100"], meh=counts["count50"])
    score_id = game["id"] * 16 + slot
    return {"maximum_statistics": {}, "mods": [{"acronym": m, "settings": {}} for m in game["mods"]], "statistics": statistics,
            "beatmap_id": game["beatmap_id"], "best_id": None, "id": score_id, "rank": "A", "type": "legacy_match_score",
            "user_id": user_id, "accuracy": 0.95, "build_id": None, "ended_at": iso(game["end_time"]), "has_replay": False,
            "is_perfect_combo": False, "legacy_perfect": False, "legacy_score_id": score_id, "legacy_total_score": total,
            "max_combo": 300, "passed": True, "pp": None, "ruleset_id": ruleset_id, "started_at": None, "total_score": total,
            "replay": False, **extra}
