"""Handlers for every third-party ``api/v2`` route, registered on import."""

from __future__ import annotations

import datetime as dt
from typing import Any

from starlette.requests import Request
from starlette.responses import Response

from ..enums import Ruleset
from ..pagination import encode_cursor_string
from . import render as R
from .app import (
    Ctx,
    api,
    bool_param,
    cursor_params,
    error,
    int_param,
    list_param,
    page_by_id_cursor,
    page_number_cursor,
    paginate_offset,
    push,
)
from .dataset import BASE_TIME, RULESETS, STATUS_INT, iso
from .search_query import matches as search_matches
from .search_query import parse as parse_search_query


def _user(ctx: Ctx, key: str = "user") -> int:
    raw = ctx.params[key]
    w = ctx.world
    by_name = raw.startswith("@") or ctx.request.query_params.get("key") == "username"
    if not by_name:
        try:
            uid = int(raw)
        except ValueError:
            by_name = True
        else:
            if uid in w.users:
                return uid
            if ctx.request.query_params.get("key") == "id":
                raise error(404, None)
    name = raw.lstrip("@").lower()
    for uid, u in w.users.items():
        if u["username"].lower() == name:
            return uid
    raise error(404, None)


def _int(ctx: Ctx, key: str) -> int:
    try:
        return int(ctx.params[key])
    except ValueError:
        raise error(404, "Not Found") from None


def _mode(ctx: Ctx, key: str = "mode", default: str | None = None) -> str | None:
    raw = ctx.params.get(key) or ctx.request.query_params.get(key)
    if raw is None or raw == "":
        return default
    if raw not in RULESETS:
        raise error(404, None) if key in ctx.params else error(422, f"invalid {key}")
    return raw


# --- users -------------------------------------------------------------------------------------

def _full_user(ctx: Ctx, uid: int, mode: str | None) -> dict[str, Any]:
    return R.user_full(ctx.world, uid, mode)


@api("GET", "api/v2/me/beatmapset-favourites", "identify", requires_user=True)
async def me_favourites(ctx: Ctx) -> Any:
    assert ctx.user_id is not None
    return {"beatmapset_ids": list(ctx.world.favourites.get(ctx.user_id, []))}


@api("GET", "api/v2/me/{mode?}", "identify", requires_user=True)
async def me(ctx: Ctx) -> Any:
    assert ctx.user_id is not None
    out = _full_user(ctx, ctx.user_id, _mode(ctx))
    verified = ctx.token is None or ctx.token.verified
    out["session_verified"] = verified
    out["is_restricted"] = False
    # UsersController::me asks for these on top of the profile includes (UserCompactTransformer)
    out["score_processing_notice_url"] = "https://osu.ppy.sh/home/news/2024-03-19-changes-to-score-processing"
    # UserCompactTransformer::includeSessionVerificationMethod: null once verified; else SessionVerification\State::getMethod:
    # "mail" below x-api-version 20250913 or without an authenticator, "totp" otherwise
    out["session_verification_method"] = None if verified else (
        "totp" if ctx.version >= R.SESSION_VERIFICATION and ctx.world.users[ctx.user_id].get("has_totp") else "mail")
    out["statistics_rulesets"] = R.user_compact(ctx.world, ctx.user_id, "statistics_rulesets")["statistics_rulesets"]
    out["user_preferences"] = dict(R.USER_PREFERENCES)
    return out


@api("GET", "api/v2/users/lookup", "public")
async def users_lookup(ctx: Ctx) -> Any:
    keys = list_param(ctx.request, "ids")
    if len(keys) > 50:
        raise error(422, "Too many ids")
    found = []
    for key in keys:
        ctx.params["user"] = key
        try:
            found.append(_user(ctx))
        except Exception:
            continue
    return {"users": [R.user_compact(ctx.world, u, "country", "cover", "global_rank", "groups", "team") for u in dict.fromkeys(found)]}


def _ids(request: Request, name: str = "ids") -> list[int]:
    raw = list_param(request, name)
    out = []
    for value in raw:
        try:
            out.append(int(value))
        except ValueError:
            continue
    return out


@api("GET", "api/v2/users", "public", cost=lambda r: max(1, len(list_param(r, "ids")) * (3 if bool_param(r, "include_variant_statistics") else 1)))
async def users_index(ctx: Ctx) -> Any:
    ids = _ids(ctx.request)
    if len(list_param(ctx.request, "ids")) > 50:
        raise error(422, "Too many ids")
    w = ctx.world
    return {"users": [R.user_compact(w, u, "country", "cover", "groups", "statistics_rulesets", "team") for u in ids if u in w.users]}


@api("GET", "api/v2/users/{user}/kudosu", "public")
async def user_kudosu(ctx: Ctx) -> Any:
    uid = _user(ctx)
    return paginate_offset(ctx.request, [R.kudosu_entry(k) for k in ctx.world.kudosu.get(uid, [])], cap=100)


def _user_scores(ctx: Ctx, uid: int, kind: str, mode: str) -> list[dict[str, Any]]:
    w = ctx.world
    scores = [s for s in w.scores.values() if s["user_id"] == uid and s["ruleset"] == mode]
    if kind == "best":
        best: dict[int, dict[str, Any]] = {}
        for s in scores:
            if s["best"] and (s["beatmap_id"] not in best or (s["pp"] or 0) > (best[s["beatmap_id"]]["pp"] or 0)):
                best[s["beatmap_id"]] = s
        return sorted(best.values(), key=lambda s: -(s["pp"] or 0))
    if kind == "firsts":
        tops: dict[int, dict[str, Any]] = {}
        for s in w.scores.values():
            if s["passed"] and (s["beatmap_id"] not in tops or s["total_score"] > tops[s["beatmap_id"]]["total_score"]):
                tops[s["beatmap_id"]] = s
        return sorted((s for s in tops.values() if s["user_id"] == uid and s["ruleset"] == mode), key=lambda s: s["ended_at"], reverse=True)
    if kind == "pinned":
        return [s for s in scores if s["pinned"]]
    if kind == "recent":
        cutoff = BASE_TIME - dt.timedelta(hours=24)
        fails = bool_param(ctx.request, "include_fails")
        return sorted((s for s in scores if s["ended_at"] >= cutoff and (fails or s["passed"])), key=lambda s: s["ended_at"], reverse=True)
    raise error(404, None)


@api("GET", "api/v2/users/{user}/scores/{type}", "public")
async def user_scores(ctx: Ctx) -> Any:
    uid = _user(ctx)
    kind = ctx.params["type"]
    if kind not in ("best", "firsts", "recent", "pinned"):
        raise error(404, None)
    mode = _mode(ctx, "mode", ctx.world.users[uid]["playmode"]) or "osu"
    scores = _user_scores(ctx, uid, kind, mode)
    offset = int_param(ctx.request, "offset", 0, low=0) or 0
    page = paginate_offset(ctx.request, scores, cap=100 if kind == "recent" else None)
    includes = ["current_user_attributes", "beatmap", "beatmapset", "user"]
    if kind == "best":
        includes.append("weight")
    return [R.score(ctx.world, s["id"], ctx.version, *includes, position=offset + i) for i, s in enumerate(page)]


@api("GET", "api/v2/users/{user}/beatmapsets/{type}", "public")
async def user_beatmapsets(ctx: Ctx) -> Any:
    uid = _user(ctx)
    w = ctx.world
    kind = ctx.params["type"]
    if kind == "most_played":
        counts: dict[int, int] = {}
        for s in w.scores.values():
            if s["user_id"] == uid:
                counts[s["beatmap_id"]] = counts.get(s["beatmap_id"], 0) + 1
        rows = sorted(counts.items(), key=lambda kv: (-kv[1], kv[0]))
        page = paginate_offset(ctx.request, rows)
        return [{"beatmap_id": b, "count": c, "beatmap": R.beatmap_compact(w, b),
                 "beatmapset": R.beatmapset_compact(w, w.beatmaps[b]["beatmapset_id"])} for b, c in page]
    statuses: dict[str, tuple[str, ...]] = {"graveyard": ("graveyard",), "loved": ("loved",), "pending": ("pending", "wip"), "ranked": ("ranked", "approved"),
                "guest": (), "nominated": (), "favourite": ()}
    if kind not in statuses:
        raise error(404, None)
    if kind == "favourite":
        sets = list(w.favourites.get(uid, []))
    else:
        sets = [sid for sid, s in w.beatmapsets.items() if s["creator_id"] == uid and s["status"] in statuses[kind]]
    return [R.beatmapset_full(w, sid, "beatmaps") for sid in paginate_offset(ctx.request, sets)]


@api("GET", "api/v2/users/{user}/recent_activity", "public")
async def user_recent_activity(ctx: Ctx) -> Any:
    uid = _user(ctx)
    events = [R.event(ctx.world, e) for e in ctx.world.events if e["user_id"] == uid]
    return paginate_offset(ctx.request, events, cap=100)


@api("GET", "api/v2/users/{user}/beatmaps-passed", "public", cost=lambda r: max(1, len(list_param(r, "beatmapset_ids"))))
async def user_beatmaps_passed(ctx: Ctx) -> Any:
    uid = _user(ctx)
    set_ids = _ids(ctx.request, "beatmapset_ids")
    if len(set_ids) > 50:
        raise error(422, "Too many beatmapset_ids")
    w = ctx.world
    passed = {s["beatmap_id"] for s in w.scores.values() if s["user_id"] == uid and s["passed"]}
    return {"beatmaps_passed": [R.beatmap_compact(w, b) for sid in set_ids if sid in w.beatmapsets
                                for b in w.beatmapsets[sid]["beatmap_ids"] if b in passed]}


@api("GET", "api/v2/users/{user}/{mode?}", "public")
async def user_show(ctx: Ctx) -> Any:
    return _full_user(ctx, _user(ctx), _mode(ctx))


@api("GET", "api/v2/friends", "friends.read", requires_user=True)
async def friends(ctx: Ctx) -> Any:
    assert ctx.user_id is not None
    w = ctx.world
    ids = w.friends.get(ctx.user_id, [])
    if ctx.version >= R.FRIEND_RELATIONS:
        return [{"target_id": f, "relation_type": "friend", "mutual": ctx.user_id in w.friends.get(f, []),
                 "target": R.user_compact(w, f, *R.LIST_INCLUDES)} for f in ids]
    # FriendsController::index below 20241022: plain users with UserCompactTransformer::LIST_INCLUDES
    return [R.user_compact(w, f, *R.LIST_INCLUDES) for f in ids]


# --- beatmaps ----------------------------------------------------------------------------------

def _beatmap(ctx: Ctx, key: str = "beatmap") -> int:
    bid = _int(ctx, key)
    if bid not in ctx.world.beatmaps:
        raise error(404, "Specified beatmap couldn't be found.")
    return bid


@api("GET", "api/v2/beatmaps/lookup", "public")
async def beatmap_lookup(ctx: Ctx) -> Any:
    w = ctx.world
    q = ctx.request.query_params
    for b in w.beatmaps.values():
        if (q.get("id") and str(b["id"]) == q["id"]) or (q.get("checksum") and b["checksum"] == q["checksum"]) or (
                q.get("filename") and q["filename"] == f"{b['id']}.osu"):
            return R.beatmap_full(w, b["id"], "beatmapset", "current_user_playcount", "failtimes", "max_combo", "owners")
    raise error(404, "Specified beatmap couldn't be found.")


@api("GET", "api/v2/beatmaps/packs", "public")
async def packs(ctx: Ctx) -> Any:
    kind = ctx.request.query_params.get("type", "standard")
    items = [p for p in ctx.world.packs if p["type"] == kind]
    page, nxt, cur = page_by_id_cursor(ctx.request, [dict(p, pack_id=i) for i, p in enumerate(items)], "pack_id", 5)
    return {"beatmap_packs": [_pack(ctx, p, sets=False) for p in page], "cursor": cur, "cursor_string": nxt}


def _pack(ctx: Ctx, p: dict[str, Any], *, sets: bool) -> dict[str, Any]:
    out = {"author": p["author"], "date": iso(p["date"]), "name": p["name"], "no_diff_reduction": p["no_diff_reduction"],
           "ruleset_id": p["ruleset_id"], "tag": p["tag"], "url": p["url"]}
    if sets:
        out["beatmapsets"] = [R.beatmapset_full(ctx.world, s) for s in p["beatmapset_ids"]]
        out["user_completion_data"] = {"completed": False, "beatmapset_ids": []}
    return out


@api("GET", "api/v2/beatmaps/packs/{pack}", "public")
async def pack(ctx: Ctx) -> Any:
    for p in ctx.world.packs:
        if p["tag"] == ctx.params["pack"]:
            return _pack(ctx, p, sets=True)
    raise error(404, None)


def _leaderboard(ctx: Ctx, bid: int) -> list[dict[str, Any]]:
    w = ctx.world
    mode = ctx.request.query_params.get("mode") or w.beatmaps[bid]["mode"]
    mods = list_param(ctx.request, "mods")
    best: dict[int, dict[str, Any]] = {}
    for s in w.scores.values():
        if s["beatmap_id"] != bid or not s["passed"] or s["ruleset"] != mode:
            continue
        if mods and (sorted(s["mods"]) != sorted(m for m in mods if m != "NM")):
            continue
        if s["user_id"] not in best or s["total_score"] > best[s["user_id"]]["total_score"]:
            best[s["user_id"]] = s
    return sorted(best.values(), key=lambda s: -s["total_score"])


@api("GET", "api/v2/beatmaps/{beatmap}/scores/users/{user}/all", "public")
async def beatmap_user_scores(ctx: Ctx) -> Any:
    bid = _beatmap(ctx)
    uid = _user(ctx)
    scores = [s for s in ctx.world.scores.values() if s["beatmap_id"] == bid and s["user_id"] == uid]
    return {"scores": [R.score(ctx.world, s["id"], ctx.version, "current_user_attributes") for s in scores]}


@api("GET", "api/v2/beatmaps/{beatmap}/scores/users/{user}", "public")
async def beatmap_user_score(ctx: Ctx) -> Any:
    bid = _beatmap(ctx)
    uid = _user(ctx)
    board = _leaderboard(ctx, bid)
    for pos, s in enumerate(board, 1):
        if s["user_id"] == uid:
            return {"position": pos, "score": R.score(ctx.world, s["id"], ctx.version, "current_user_attributes", "beatmap_owners",
                                                      "user_leaderboard")}
    raise error(404, "Score not found")


async def _beatmap_scores(ctx: Ctx, version: int) -> Any:
    bid = _beatmap(ctx)
    limit = int_param(ctx.request, "limit", 50, low=1, high=100) or 50
    board = _leaderboard(ctx, bid)
    out: dict[str, Any] = {"score_count": len(board),
                           "scores": [R.score(ctx.world, s["id"], version, "current_user_attributes", "user_leaderboard") for s in board[:limit]]}
    if ctx.user_id is not None:
        mine = next(((p, s) for p, s in enumerate(board, 1) if s["user_id"] == ctx.user_id), None)
        out["user_score"] = None if mine is None else {"position": mine[0], "score": R.score(ctx.world, mine[1]["id"], version,
                                                                                              "current_user_attributes", "user_leaderboard")}
    return out


@api("GET", "api/v2/beatmaps/{beatmap}/scores", "public")
async def beatmap_scores(ctx: Ctx) -> Any:
    return await _beatmap_scores(ctx, ctx.version)


@api("GET", "api/v2/beatmaps/{beatmap}/solo-scores", "public")
async def beatmap_solo_scores(ctx: Ctx) -> Any:
    return await _beatmap_scores(ctx, R.LAZER_SCORES)


@api("GET", "api/v2/beatmaps", "public")
async def beatmaps_index(ctx: Ctx) -> Any:
    if len(list_param(ctx.request, "ids")) > 50:
        raise error(422, "Too many ids")
    w = ctx.world
    return {"beatmaps": [R.beatmap_full(w, b, "beatmapset", "current_user_playcount", "failtimes", "max_combo", "owners")
                         for b in _ids(ctx.request) if b in w.beatmaps]}


@api("GET", "api/v2/beatmaps/{beatmap}", "public")
async def beatmap_show(ctx: Ctx) -> Any:
    return R.beatmap_full(ctx.world, _beatmap(ctx), "beatmapset", "current_user_playcount", "failtimes", "max_combo", "owners")


@api("POST", "api/v2/beatmaps/{beatmap}/attributes", "public")
async def beatmap_attributes(ctx: Ctx) -> Any:
    bid = _beatmap(ctx)
    body = await ctx.body()
    b = ctx.world.beatmaps[bid]
    ruleset = body.get("ruleset") or (Ruleset.from_id(int(body["ruleset_id"])).value if body.get("ruleset_id") is not None else b["mode"])
    if ruleset not in RULESETS:
        raise error(422, "invalid ruleset")
    if b["mode"] != "osu" and ruleset != b["mode"]:
        raise error(422, "beatmap cannot be converted to this ruleset")
    mods = body.get("mods") or []
    from .osufile import difficulty_attributes

    exact = difficulty_attributes(ctx.world, bid, ruleset, mods)  # rosu-pp over the served .osu (the pp extra)
    if exact is not None:
        return {"attributes": exact}
    acronyms = {m.get("acronym") if isinstance(m, dict) else m for m in mods} if isinstance(mods, list) else set()
    factor = 1.4 if acronyms & {"DT", "NC"} else (0.75 if "HT" in acronyms else 1.0)
    stars = round(b["difficulty_rating"] * factor, 5)
    attrs: dict[str, Any] = {"star_rating": stars, "max_combo": b["max_combo"]}
    if ruleset == "osu":
        attrs.update({"aim_difficulty": round(stars * 0.5, 5), "aim_difficult_slider_count": 40.0, "speed_difficulty": round(stars * 0.45, 5),
                      "speed_note_count": 200.0, "slider_factor": 0.98, "aim_difficult_strain_count": 90.0, "speed_difficult_strain_count": 80.0})
    elif ruleset == "taiko":
        attrs["mono_stamina_factor"] = 0.1
    return {"attributes": attrs}


# --- beatmapsets --------------------------------------------------------------------------------

@api("GET", "api/v2/beatmapsets/search", "public")
async def beatmapset_search(ctx: Ctx) -> Any:
    w = ctx.world
    q = ctx.request.query_params
    query = (q.get("q") or "").lower()
    status = q.get("s") or "leaderboard"
    mode = q.get("m")
    allowed = {"leaderboard": ("ranked", "approved", "qualified", "loved"), "ranked": ("ranked", "approved"),
               "qualified": ("qualified",), "loved": ("loved",), "pending": ("pending",), "wip": ("wip",),
               "graveyard": ("graveyard",), "any": tuple(STATUS_INT), "favourites": tuple(STATUS_INT), "mine": tuple(STATUS_INT)}
    if status not in allowed:
        raise error(422, "invalid status")
    sets = []
    parsed = parse_search_query(query)  # osu-web's stars>7, ar>=9, status=ranked, artist=… (search_query.py)
    for sid, s in w.beatmapsets.items():
        if s["status"] not in allowed[status]:
            continue
        creator = str(w.users.get(s["creator_id"], {}).get("username", ""))
        if not search_matches(parsed, s, [w.beatmaps[b] for b in s["beatmap_ids"]], creator):
            continue
        if mode not in (None, "") and not any(str(Ruleset(w.beatmaps[b]["mode"]).id) == mode for b in s["beatmap_ids"]):
            continue
        sets.append({"id": sid})
    page, nxt, cur = page_by_id_cursor(ctx.request, sets, "id", 10)
    return {"beatmapsets": [R.beatmapset_full(w, s["id"], "beatmaps", "pack_tags") for s in page], "search": {"sort": q.get("sort", "ranked_desc")},
            "recommended_difficulty": 4.2, "error": None, "total": len(sets), "cursor": None if cur is None else {"_score": 1.0, **cur},
            "cursor_string": nxt}


@api("GET", "api/v2/beatmapsets/lookup", "public")
async def beatmapset_lookup(ctx: Ctx) -> Any:
    try:
        bid = int(ctx.request.query_params.get("beatmap_id", ""))
    except ValueError:
        raise error(404, None) from None
    if bid not in ctx.world.beatmaps:
        raise error(404, None)
    return R.beatmapset_full(ctx.world, ctx.world.beatmaps[bid]["beatmapset_id"], "show")


@api("GET", "api/v2/beatmapsets/events", "public")
async def beatmapset_events(ctx: Ctx) -> Any:
    w = ctx.world
    events = w.beatmapset_events
    q = ctx.request.query_params
    if q.get("beatmapset_id"):
        events = [e for e in events if str(e["beatmapset_id"]) == q["beatmapset_id"]]
    limit = int_param(ctx.request, "limit", 50, low=1, high=50) or 50
    page = int_param(ctx.request, "page", 1, low=1) or 1
    chunk = events[(page - 1) * limit: page * limit]
    by_id = {d["id"]: d for d in w.discussions}
    out = []
    for e in chunk:
        d = by_id.get(e["discussion_id"])
        bset = R.beatmapset_compact(w, e["beatmapset_id"])
        bset["user"] = R.user_compact(w, w.beatmapsets[e["beatmapset_id"]]["creator_id"])
        item = {"id": e["id"], "type": e["type"], "comment": None if e["comment"] is None else dict(e["comment"]),
                "created_at": iso(e["created_at"]),
                "user_id": e["user_id"], "beatmapset": bset}
        if d is not None:
            item["discussion"] = {**R.discussion(w, d), "starting_post": R.discussion(w, next(p for p in w.discussion_posts
                                                                                           if p["beatmapset_discussion_id"] == d["id"]))}
        out.append(item)
    users = sorted({e["user_id"] for e in chunk})
    return {"events": out, "reviewsConfig": {"max_blocks": 10}, "users": [R.user_compact(w, u, "groups") for u in users]}


def _discussion_page(ctx: Ctx, items: list[dict[str, Any]]) -> tuple[list[dict[str, Any]], dict[str, Any] | None, str | None]:
    cur = cursor_params(ctx.request) or {}
    try:
        limit = int(ctx.request.query_params.get("limit") or cur.get("limit") or 20)
        page = int(ctx.request.query_params.get("page") or cur.get("page") or 1)
    except ValueError:
        raise error(422, "invalid page") from None
    limit = max(1, min(limit, 50))
    page = max(1, page)
    chunk = items[(page - 1) * limit: page * limit]
    if page * limit < len(items):
        nxt = {"page": page + 1, "limit": limit}
        return chunk, nxt, encode_cursor_string(nxt)
    return chunk, None, None


@api("GET", "api/v2/beatmapsets/discussions/posts", "public")
async def discussion_posts(ctx: Ctx) -> Any:
    w = ctx.world
    posts = w.discussion_posts
    if ctx.request.query_params.get("beatmapset_discussion_id"):
        posts = [p for p in posts if str(p["beatmapset_discussion_id"]) == ctx.request.query_params["beatmapset_discussion_id"]]
    chunk, cur, nxt = _discussion_page(ctx, posts)
    dids = {p["beatmapset_discussion_id"] for p in chunk}
    discussions = [d for d in w.discussions if d["id"] in dids]
    sets = sorted({d["beatmapset_id"] for d in discussions})
    return {"beatmapsets": [R.beatmapset_compact(w, s) for s in sets], "discussions": [R.discussion(w, d) for d in discussions],
            "posts": [R.discussion(w, p) for p in chunk], "users": [R.user_compact(w, u) for u in sorted({p["user_id"] for p in chunk})],
            "cursor": cur, "cursor_string": nxt}


@api("GET", "api/v2/beatmapsets/discussions/votes", "public")
async def discussion_votes(ctx: Ctx) -> Any:
    w = ctx.world
    chunk, cur, nxt = _discussion_page(ctx, w.discussion_votes)
    dids = {v["beatmapset_discussion_id"] for v in chunk}
    return {"discussions": [R.discussion(w, d) for d in w.discussions if d["id"] in dids], "users":
            [R.user_compact(w, u, "groups") for u in sorted({v["user_id"] for v in chunk})],
            "votes": [R.discussion(w, v) for v in chunk], "cursor": cur, "cursor_string": nxt}


@api("GET", "api/v2/beatmapsets/discussions", "public")
async def discussions(ctx: Ctx) -> Any:
    w = ctx.world
    items = w.discussions
    q = ctx.request.query_params
    if q.get("beatmapset_id"):
        items = [d for d in items if str(d["beatmapset_id"]) == q["beatmapset_id"]]
    chunk, cur, nxt = _discussion_page(ctx, items)
    sets = sorted({d["beatmapset_id"] for d in chunk})
    beatmaps = sorted({d["beatmap_id"] for d in chunk if d["beatmap_id"]})
    # BeatmapsetDiscussionsBundle::toArray: full BeatmapTransformer / BeatmapsetTransformer (osu-web app/Libraries)
    return {"beatmaps": [R.beatmap_full(w, b) for b in beatmaps], "beatmapsets": [R.beatmapset_full(w, s) for s in sets],
            "discussions": [R.discussion(w, d) for d in chunk], "included_discussions": [],
            "reviews_config": {"max_blocks": 10}, "users": [R.user_compact(w, u, "groups") for u in sorted({d["user_id"] for d in chunk})],
            "cursor": cur, "cursor_string": nxt}


@api("GET", "api/v2/beatmapsets/{beatmapset}", "public")
async def beatmapset_show(ctx: Ctx) -> Any:
    sid = _int(ctx, "beatmapset")
    if sid not in ctx.world.beatmapsets:
        raise error(404, None)
    return R.beatmapset_full(ctx.world, sid, "show")


# --- scores --------------------------------------------------------------------------------------

def _score_id(ctx: Ctx, legacy: bool) -> int:
    raw = _int(ctx, "score")
    w = ctx.world
    if legacy:
        if ctx.params.get("ruleset") not in RULESETS:
            raise error(404, None)
        for sid, s in w.scores.items():
            if s["legacy_score_id"] == raw or (s["legacy_score_id"] is None and sid == raw):
                return sid
        raise error(404, None)
    if raw not in w.scores:
        raise error(404, None)
    return raw


def _download(ctx: Ctx, sid: int) -> Response:
    from ..game.replay import Replay, ReplayFrame

    w = ctx.world
    s = w.scores[sid]
    if not s["has_replay"]:
        raise error(404, "Replay not available")
    b = w.beatmaps[s["beatmap_id"]]
    from ..game.statistics import to_legacy

    legacy = to_legacy(s["statistics"], s["ruleset"])
    from ..game.mods import Mods

    frames = [ReplayFrame(w=16 if i else 0, x=float(100 + i % 300), y=float(100 + (i * 7) % 200), keys=(i // 8) % 2) for i in range(200)]
    replay = Replay(ruleset=Ruleset(s["ruleset"]), game_version=20260101, beatmap_md5=b["checksum"], username=w.users[s["user_id"]]["username"],
                    replay_md5="0" * 32, count_300=legacy.get("count_300", 0), count_100=legacy.get("count_100", 0),
                    count_50=legacy.get("count_50", 0), count_geki=legacy.get("count_geki", 0), count_katu=legacy.get("count_katu", 0),
                    count_miss=legacy.get("count_miss", 0), total_score=s["legacy_total_score"], max_combo=s["max_combo"],
                    perfect=s["is_perfect_combo"], legacy_mods=Mods.parse(s["mods"]).legacy, timestamp=s["ended_at"],
                    frames=frames, rng_seed=1234, score_id=s["legacy_score_id"] or sid)
    return Response(replay.to_bytes(), media_type="application/x-osu-replay",
                    headers={"Content-Disposition": f'attachment; filename="replay-{s["ruleset"]}_{b["id"]}_{sid}.osr"'})


@api("GET", "api/v2/scores/{score}/download", "public", bucket="replay")
async def score_download(ctx: Ctx) -> Any:
    return _download(ctx, _score_id(ctx, legacy=False))


@api("GET", "api/v2/scores/{ruleset}/{score}/download", "public", bucket="replay")
async def score_download_legacy(ctx: Ctx) -> Any:
    return _download(ctx, _score_id(ctx, legacy=True))


@api("GET", "api/v2/scores/{ruleset}/{score}", "public")
async def score_show_legacy(ctx: Ctx) -> Any:
    return R.score(ctx.world, _score_id(ctx, legacy=True), ctx.version, "current_user_attributes", "beatmap_full", "beatmapset",
                   "rank_global", "user_full", "replay_views")


@api("GET", "api/v2/scores/{score}", "public")
async def score_show(ctx: Ctx) -> Any:
    return R.score(ctx.world, _score_id(ctx, legacy=False), ctx.version, "current_user_attributes", "beatmap_full", "beatmapset",
                   "rank_global", "user_full", "replay_views")


@api("GET", "api/v2/scores", "public")
async def scores_index(ctx: Ctx) -> Any:
    from .live import live_of  # the feed moves with the live world's virtual clock

    status, body = live_of(ctx.state).index(ctx.request.query_params.get("ruleset"), cursor_params(ctx.request))
    if status != 200:
        raise error(status, body["error"])
    return body


# --- chat ---------------------------------------------------------------------------------------

def _channel(ctx: Ctx) -> int:
    cid = _int(ctx, "channel")
    if cid not in ctx.world.channels:
        raise error(404, None)
    return cid


def _member(ctx: Ctx, cid: int) -> None:
    if ctx.user_id not in ctx.world.channels[cid]["users"]:
        raise error(403, "You are not in this channel.")


async def _post_message(ctx: Ctx, cid: int, content: str, is_action: bool, uuid_value: str | None = None) -> dict[str, Any]:
    w = ctx.world
    if not isinstance(content, str) or not content.strip():
        raise error(422, "message cannot be empty")
    if len(content) > w.channels[cid]["message_length_limit"]:
        raise error(422, "message too long")
    assert ctx.user_id is not None
    mid = w.new_id("message")
    m = {"message_id": mid, "channel_id": cid, "sender_id": ctx.user_id, "content": content, "is_action": bool(is_action),
         "timestamp": dt.datetime.now(dt.timezone.utc).replace(microsecond=0), "type": "action" if is_action else "plain"}
    if uuid_value:
        m["uuid"] = uuid_value
    w.messages.append(m)
    await push(ctx.state, set(w.channels[cid]["users"]), "chat.message.new",
               {"messages": [R.chat_message(w, m, sender=False)], "users": [R.user_compact(w, ctx.user_id)]})
    return m


@api("POST", "api/v2/chat/ack", "chat.read", requires_user=True)
async def chat_ack(ctx: Ctx) -> Any:
    return {"silences": []}


@api("POST", "api/v2/chat/new", "chat.write", requires_user=True)
async def chat_new(ctx: Ctx) -> Any:
    body = await ctx.body()
    w = ctx.world
    try:
        target = int(body["target_id"])
    except (KeyError, TypeError, ValueError):
        raise error(422, "target_id is required") from None
    if target not in w.users or target == ctx.user_id:
        raise error(422, "invalid target")
    assert ctx.user_id is not None
    cid = _pm_channel(ctx, target)
    m = await _post_message(ctx, cid, body.get("message", ""), bool(body.get("is_action")), body.get("uuid"))
    return {"channel": R.chat_channel(w, cid, "current_user_attributes", "users"), "message": R.chat_message(w, m),
            "new_channel_id": cid}


def _pm_channel(ctx: Ctx, target: int) -> int:
    w = ctx.world
    assert ctx.user_id is not None
    pair = {ctx.user_id, target}
    for cid, c in w.channels.items():
        if c["type"] == "PM" and c["users"] == pair:
            return cid
    cid = w.new_id("channel")
    w.channels[cid] = {"channel_id": cid, "name": f"#pm_{min(pair)}-{max(pair)}", "description": "", "type": "PM", "moderated": False,
                       "icon": None, "uuid": None, "message_length_limit": 450, "users": pair}
    return cid


@api("GET", "api/v2/chat/channels/{channel}/messages", "chat.read", requires_user=True)
async def chat_messages(ctx: Ctx) -> Any:
    cid = _channel(ctx)
    _member(ctx, cid)
    limit = int_param(ctx.request, "limit", 50, low=1, high=50) or 50
    since = int_param(ctx.request, "since")
    until = int_param(ctx.request, "until")
    msgs = [m for m in ctx.world.messages if m["channel_id"] == cid]
    if since is not None:
        msgs = [m for m in msgs if m["message_id"] > since][:limit]
    else:
        if until is not None:
            msgs = [m for m in msgs if m["message_id"] < until]
        msgs = msgs[-limit:]
    out = [R.chat_message(ctx.world, m) for m in msgs]
    if bool_param(ctx.request, "return_object"):
        users = sorted({m["sender_id"] for m in msgs})
        return {"messages": [R.chat_message(ctx.world, m, sender=False) for m in msgs], "users": [R.user_compact(ctx.world, u) for u in users]}
    return out


@api("POST", "api/v2/chat/channels/{channel}/messages", "chat.write", requires_user=True)
async def chat_send(ctx: Ctx) -> Any:
    cid = _channel(ctx)
    _member(ctx, cid)
    body = await ctx.body()
    m = await _post_message(ctx, cid, body.get("message", ""), bool(body.get("is_action")))
    return R.chat_message(ctx.world, m)


@api("PUT", "api/v2/chat/channels/{channel}/users/{user}", "chat.write_manage", requires_user=True)
async def chat_join(ctx: Ctx) -> Any:
    cid = _channel(ctx)
    uid = _user(ctx)
    if uid != ctx.user_id:
        raise error(403, "You can only join yourself.")
    c = ctx.world.channels[cid]
    if c["type"] != "PUBLIC":
        raise error(403, "You cannot join this channel.")
    c["users"].add(uid)
    out = R.chat_channel(ctx.world, cid, "current_user_attributes", "users")
    await push(ctx.state, {uid}, "chat.channel.join", out)
    return out


@api("DELETE", "api/v2/chat/channels/{channel}/users/{user}", "chat.write_manage", requires_user=True)
async def chat_leave(ctx: Ctx) -> Any:
    cid = _channel(ctx)
    uid = _user(ctx)
    if uid != ctx.user_id:
        raise error(403, "You can only leave yourself.")
    ctx.world.channels[cid]["users"].discard(uid)
    await push(ctx.state, {uid}, "chat.channel.part", R.chat_channel(ctx.world, cid, "current_user_attributes", "users"))
    return None


@api("PUT", "api/v2/chat/channels/{channel}/mark-as-read/{message}", "chat.read", requires_user=True)
async def chat_mark_read(ctx: Ctx) -> Any:
    cid = _channel(ctx)
    _member(ctx, cid)
    _int(ctx, "message")
    return None


@api("GET", "api/v2/chat/channels", "chat.read", requires_user=True)
async def chat_channels(ctx: Ctx) -> Any:
    return [R.chat_channel(ctx.world, cid) for cid, c in ctx.world.channels.items() if c["type"] == "PUBLIC"]


@api("POST", "api/v2/chat/channels", "chat.write_manage", requires_user=True)
async def chat_create(ctx: Ctx) -> Any:
    body = await ctx.body()
    w = ctx.world
    kind = body.get("type")
    if kind == "PM":
        try:
            target = int(body["target_id"])
        except (KeyError, TypeError, ValueError):
            raise error(422, "target_id is required") from None
        if target not in w.users:
            raise error(422, "invalid target")
        cid = _pm_channel(ctx, target)
        return R.chat_channel(w, cid, "recent_messages")
    if kind == "ANNOUNCE":
        targets = body.get("target_ids") or []
        channel = body.get("channel") or {}
        if not targets or not isinstance(channel, dict) or not channel.get("name"):
            raise error(422, "channel name and target_ids are required")
        assert ctx.user_id is not None
        cid = w.new_id("channel")
        w.channels[cid] = {"channel_id": cid, "name": str(channel["name"]), "description": str(channel.get("description", "")),
                           "type": "ANNOUNCE", "moderated": True, "icon": None, "uuid": None, "message_length_limit": 450,
                           "users": {ctx.user_id, *[int(t) for t in targets if int(t) in w.users]}}
        await _post_message(ctx, cid, body.get("message", "announcement"), False)
        return R.chat_channel(w, cid, "recent_messages")
    raise error(422, "type must be PM or ANNOUNCE")


@api("GET", "api/v2/chat/channels/{channel}", "chat.read", requires_user=True)
async def chat_channel(ctx: Ctx) -> Any:
    cid = _channel(ctx)
    _member(ctx, cid)
    c = ctx.world.channels[cid]
    return {"channel": R.chat_channel(ctx.world, cid, "current_user_attributes", "users"),
            "users": [R.user_compact(ctx.world, u) for u in sorted(c["users"])] if c["type"] in ("PM", "ANNOUNCE") else []}


# --- forums --------------------------------------------------------------------------------------

def _topic(ctx: Ctx) -> int:
    tid = _int(ctx, "topic")
    if tid not in ctx.world.topics:
        raise error(404, None)
    return tid


@api("POST", "api/v2/forums/topics/{topic}/lock", "forum.write_manage", requires_user=True)
async def topic_lock(ctx: Ctx) -> Any:
    tid = _topic(ctx)
    body = await ctx.body()
    ctx.world.topics[tid]["is_locked"] = body.get("lock", True) not in (False, 0, "0", "false")
    return None


@api("POST", "api/v2/forums/topics/{topic}/pin", "forum.write_manage", requires_user=True)
async def topic_pin(ctx: Ctx) -> Any:
    tid = _topic(ctx)
    body = await ctx.body()
    try:
        pin = int(body.get("pin", 1))
    except (TypeError, ValueError):
        raise error(422, "invalid pin") from None
    if pin not in (0, 1, 2):
        raise error(422, "invalid pin")
    ctx.world.topics[tid]["type"] = ["normal", "sticky", "announcement"][pin]
    return None


def _new_post(ctx: Ctx, tid: int, raw: str) -> int:
    if not isinstance(raw, str) or not raw.strip():
        raise error(422, "body cannot be empty")
    w = ctx.world
    t = w.topics[tid]
    if t["is_locked"]:
        raise error(403, "This topic is locked.")
    assert ctx.user_id is not None
    pid = w.new_id("post")
    now = dt.datetime.now(dt.timezone.utc).replace(microsecond=0)
    w.posts[pid] = {"id": pid, "topic_id": tid, "forum_id": t["forum_id"], "user_id": ctx.user_id, "created_at": now, "edited_at": None,
                    "edited_by_id": None, "raw": raw, "deleted_at": None}
    t["post_ids"].append(pid)
    t["updated_at"] = now
    return pid


@api("POST", "api/v2/forums/topics/{topic}/reply", "forum.write", requires_user=True)
async def topic_reply(ctx: Ctx) -> Any:
    tid = _topic(ctx)
    body = await ctx.body()
    return R.forum_post(ctx.world, _new_post(ctx, tid, body.get("body", "")))


@api("GET", "api/v2/forums/topics", "public")
async def topics_index(ctx: Ctx) -> Any:
    w = ctx.world
    fid = ctx.request.query_params.get("forum_id")
    topics = [{"id": t["id"]} for t in sorted(w.topics.values(), key=lambda t: t["updated_at"], reverse=True)
              if fid is None or str(t["forum_id"]) == fid]
    limit = int_param(ctx.request, "limit", 50, low=1, high=50) or 50
    page, nxt, cur = page_by_id_cursor(ctx.request, topics, "id", limit)
    return {"topics": [R.forum_topic(w, t["id"]) for t in page], "cursor": cur, "cursor_string": nxt}


@api("POST", "api/v2/forums/topics", "forum.write", requires_user=True)
async def topic_create(ctx: Ctx) -> Any:
    body = await ctx.body()
    w = ctx.world
    try:
        fid = int(body["forum_id"])
    except (KeyError, TypeError, ValueError):
        raise error(422, "forum_id is required") from None
    if fid not in w.forums:
        raise error(404, None)
    title = body.get("title")
    if not isinstance(title, str) or not title.strip():
        raise ApiError_form("title")
    assert ctx.user_id is not None
    tid = w.new_id("topic")
    now = dt.datetime.now(dt.timezone.utc).replace(microsecond=0)
    w.topics[tid] = {"id": tid, "forum_id": fid, "title": title, "user_id": ctx.user_id, "created_at": now, "updated_at": now,
                     "is_locked": False, "type": "normal", "views": 0, "post_ids": [], "pin": 0}
    pid = _new_post(ctx, tid, body.get("body", ""))
    return {"topic": R.forum_topic(w, tid), "post": R.forum_post(w, pid)}


def ApiError_form(field: str) -> Exception:
    from .app import ApiError

    return ApiError(422, {"error": f"{field} is required", "form_error": {field: [f"{field} is required"]}})


@api("GET", "api/v2/forums/topics/{topic}", "public")
async def topic_show(ctx: Ctx) -> Any:
    tid = _topic(ctx)
    w = ctx.world
    sort = ctx.request.query_params.get("sort", "id_asc")
    limit = int_param(ctx.request, "limit", 20, low=1, high=50) or 20
    posts = [{"id": p} for p in sorted(w.topics[tid]["post_ids"], reverse=sort == "id_desc")]
    page, nxt, cur = page_by_id_cursor(ctx.request, posts, "id", limit)
    return {"posts": [R.forum_post(w, p["id"]) for p in page], "search": {"limit": limit, "sort": sort},
            "topic": R.forum_topic(w, tid), "cursor": cur, "cursor_string": nxt}


@api("PATCH|PUT", "api/v2/forums/topics/{topic}", "forum.write", requires_user=True)
async def topic_edit(ctx: Ctx) -> Any:
    tid = _topic(ctx)
    body = await ctx.body()
    topic = body.get("forum_topic") if isinstance(body.get("forum_topic"), dict) else {}
    title = topic.get("topic_title") if topic else body.get("forum_topic[topic_title]")
    if not isinstance(title, str) or not title.strip():
        raise ApiError_form("topic_title")
    ctx.world.topics[tid]["title"] = title
    return R.forum_topic(ctx.world, tid)


@api("PATCH|PUT", "api/v2/forums/posts/{post}", "forum.write", requires_user=True)
async def post_edit(ctx: Ctx) -> Any:
    pid = _int(ctx, "post")
    w = ctx.world
    if pid not in w.posts:
        raise error(404, None)
    if w.posts[pid]["user_id"] != ctx.user_id:
        raise error(403, "You can only edit your own posts.")
    body = await ctx.body()
    raw = body.get("body")
    if not isinstance(raw, str) or not raw.strip():
        raise ApiError_form("body")
    w.posts[pid]["raw"] = raw
    w.posts[pid]["edited_at"] = dt.datetime.now(dt.timezone.utc).replace(microsecond=0)
    w.posts[pid]["edited_by_id"] = ctx.user_id
    return R.forum_post(w, pid)


@api("GET", "api/v2/forums", "public")
async def forums_index(ctx: Ctx) -> Any:
    return {"forums": [R.forum(ctx.world, f) for f in ctx.world.forums]}


@api("GET", "api/v2/forums/{forum}", "public")
async def forum_show(ctx: Ctx) -> Any:
    fid = _int(ctx, "forum")
    w = ctx.world
    if fid not in w.forums:
        raise error(404, None)
    topics = [t for t in w.topics.values() if t["forum_id"] == fid]
    return {"forum": R.forum(w, fid), "topics": [R.forum_topic(w, t["id"]) for t in topics if t["type"] == "normal"],
            "pinned_topics": [R.forum_topic(w, t["id"]) for t in topics if t["type"] != "normal"]}


# --- comments, news, wiki, changelog, misc --------------------------------------------------------

def _comment_bundle(ctx: Ctx, comments: list[int], *, has_more: bool, cursor: dict[str, Any] | None) -> dict[str, Any]:
    w = ctx.world
    included = [c for c in w.comments if w.comments[c]["parent_id"] in comments]
    users = sorted({w.comments[c]["user_id"] for c in comments + included})
    first = w.comments[comments[0]] if comments else None
    meta = []
    if first is not None:
        sid = first["commentable_id"]
        meta.append({"current_user_attributes": {"can_new_comment_reason": None}, "id": sid, "type": "beatmapset",
                     "title": w.beatmapsets[sid]["title"] if sid in w.beatmapsets else "", "url": f"https://osu.ppy.sh/beatmapsets/{sid}",
                     "owner_id": 2, "owner_title": "MAPPER", "locked": False})
    return {"comments": [R.comment(w, c) for c in comments], "has_more": has_more, "has_more_id": None,
            "included_comments": [R.comment(w, c) for c in included], "pinned_comments": [R.comment(w, c) for c in comments if w.comments[c]["pinned"]],
            "user_votes": [], "user_follow": False, "users": [R.user_compact(w, u) for u in users], "sort": "new", "cursor": cursor,
            "top_level_count": sum(1 for c in w.comments.values() if c["parent_id"] is None), "total": len(w.comments),
            "commentable_meta": meta}


@api("GET", "api/v2/comments", None)
async def comments_index(ctx: Ctx) -> Any:
    w = ctx.world
    q = ctx.request.query_params
    parent = q.get("parent_id")
    items = sorted((c for c in w.comments.values() if (str(c["parent_id"]) == parent if parent else c["parent_id"] is None)),
                   key=lambda c: (c["created_at"], c["id"]), reverse=True)
    cur = cursor_params(ctx.request)
    if cur and "id" in cur:
        try:
            cid = int(cur["id"])
        except (TypeError, ValueError):
            cid = None
        ids = [c["id"] for c in items]
        if cid in ids:
            items = items[ids.index(cid) + 1:]
    page = items[:20]
    nxt = {"created_at": iso(page[-1]["created_at"]), "id": page[-1]["id"]} if len(items) > 20 else None
    return _comment_bundle(ctx, [c["id"] for c in page], has_more=len(items) > 20, cursor=nxt)


@api("GET", "api/v2/comments/{comment}", None)
async def comment_show(ctx: Ctx) -> Any:
    cid = _int(ctx, "comment")
    if cid not in ctx.world.comments:
        raise error(404, None)
    return _comment_bundle(ctx, [cid], has_more=False, cursor=None)


@api("GET", "api/v2/news", None)
async def news_index(ctx: Ctx) -> Any:
    w = ctx.world
    limit = int_param(ctx.request, "limit", 12, low=1, high=21) or 12
    year = ctx.request.query_params.get("year")
    posts = [n for n in w.news if year is None or str(n["published_at"].year) == year]
    page, nxt, cur = page_by_id_cursor(ctx.request, posts, "id", limit)
    years = sorted({n["published_at"].year for n in w.news}, reverse=True)
    return {"news_posts": [R.news_post(n) for n in page], "news_sidebar": {"current_year": years[0], "years": years,
            "news_posts": [R.news_post(n) for n in w.news[:5]]}, "search": {"limit": limit, "sort": "published_desc", "year": int(year) if year and year.isdigit() else None},
            "cursor": None if cur is None else {"published_at": iso(page[-1]["published_at"]), "id": page[-1]["id"]},
            "cursor_string": nxt}


@api("GET", "api/v2/news/{news}", None)
async def news_show(ctx: Ctx) -> Any:
    w = ctx.world
    key = ctx.params["news"]
    by_id = ctx.request.query_params.get("key") == "id"
    for i, n in enumerate(w.news):
        if (by_id and str(n["id"]) == key) or (not by_id and n["slug"] == key):
            out = R.news_post(n, content=True)
            nav: dict[str, Any] = {}
            if i > 0:
                nav["newer"] = R.news_post(w.news[i - 1])
            if i + 1 < len(w.news):
                nav["older"] = R.news_post(w.news[i + 1])
            for side in nav.values():
                side.pop("preview", None)
            out["navigation"] = nav
            return out
    raise error(404, None)


@api("GET", "api/v2/wiki/{locale}/{path}", None)
async def wiki_show(ctx: Ctx) -> Any:
    page = ctx.world.wiki.get((ctx.params["locale"], ctx.params["path"]))
    if page is None:
        return Response(b"", status_code=404)
    return dict(page)


@api("GET", "api/v2/changelog/{stream}/{build}", None)
async def changelog_build(ctx: Ctx) -> Any:
    w = ctx.world
    for i, b in enumerate(w.builds):
        if b["stream"]["name"] == ctx.params["stream"] and b["version"] == ctx.params["build"]:
            return _build_with_versions(ctx, i)
    raise error(404, None)


def _build_with_versions(ctx: Ctx, i: int) -> dict[str, Any]:
    w = ctx.world
    b = w.builds[i]
    same = [n for n, x in enumerate(w.builds) if x["stream"] is b["stream"]]
    pos = same.index(i)
    out = R.build_json(b)
    versions: dict[str, Any] = {}
    if pos > 0:
        versions["next"] = R.build_json(w.builds[same[pos - 1]], entries=False)
    if pos + 1 < len(same):
        versions["previous"] = R.build_json(w.builds[same[pos + 1]], entries=False)
    out["versions"] = versions
    return out


@api("GET", "api/v2/changelog", None)
async def changelog_index(ctx: Ctx) -> Any:
    w = ctx.world
    stream = ctx.request.query_params.get("stream")
    max_id = int_param(ctx.request, "max_id")
    builds = [b for b in w.builds if (stream is None or b["stream"]["name"] == stream) and (max_id is None or b["id"] <= max_id)][:21]
    return {"builds": [R.build_json(b) for b in builds],
            "search": {"stream": stream, "from": None, "to": None, "max_id": max_id, "limit": 21},
            "streams": [{**s, "latest_build": R.build_json(next(b for b in w.builds if b["stream"] is s), entries=False),
                         "user_count": 100} for s in w.streams]}


@api("GET", "api/v2/changelog/{changelog}", None)
async def changelog_lookup(ctx: Ctx) -> Any:
    w = ctx.world
    key = ctx.params["changelog"]
    by_id = ctx.request.query_params.get("key") == "id"
    for i, b in enumerate(w.builds):
        if (by_id and str(b["id"]) == key) or (not by_id and b["version"] == key):
            return _build_with_versions(ctx, i)
    raise error(404, None)


@api("GET", "api/v2/seasonal-backgrounds", None)
async def seasonal_backgrounds(ctx: Ctx) -> Any:
    w = ctx.world
    users = list(w.users)[:3]
    return {"ends_at": iso(BASE_TIME + dt.timedelta(days=30)),
            "backgrounds": [{"url": f"https://assets.ppy.sh/seasonal/{i}.jpg", "user": R.user_compact(w, u)} for i, u in enumerate(users)]}


@api("GET", "api/v2/tags", "public")
async def tags(ctx: Ctx) -> Any:
    return {"tags": [dict(t) for t in ctx.world.tags]}


@api("GET", "api/v2/search", "public")
async def search(ctx: Ctx) -> Any:
    w = ctx.world
    q = ctx.request.query_params
    mode = q.get("mode", "all")
    if mode not in ("all", "user", "wiki_page"):
        raise error(422, "invalid mode")
    query = (q.get("query") or "").lower()
    page = int_param(ctx.request, "page", 1, low=1) or 1
    out: dict[str, Any] = {}
    if mode in ("all", "user"):
        users = [u for u in w.users if query in w.users[u]["username"].lower()][:100]
        out["user"] = {"data": [R.user_compact(w, u, "country", "cover", "groups", "team") for u in users[(page - 1) * 20: page * 20]],
                       "total": len(users)}
    if mode in ("all", "wiki_page"):
        pages = [p for (loc, _), p in w.wiki.items() if loc == "en" and query in p["title"].lower()]
        out["wiki_page"] = {"data": [dict(p) for p in pages[(page - 1) * 20: page * 20]], "total": len(pages)}
    return out


@api("GET", "api/v2/teams/{team}/{ruleset?}", "public")
async def team_show(ctx: Ctx) -> Any:
    w = ctx.world
    raw = ctx.params["team"]
    team = next((t for t in w.teams.values() if str(t["id"]) == raw or t["short_name"].lower() == raw.lower()), None)
    if team is None:
        raise error(404, None)
    ruleset = _mode(ctx, "ruleset", "osu") or "osu"
    members = team["members"]
    return {"flag_url": team["flag_url"], "id": team["id"], "name": team["name"], "short_name": team["short_name"],
            "cover_url": team["header_url"], "created_at": team["created_at"], "default_ruleset_id": team["default_ruleset_id"],
            "description": team["description"], "is_open": team["is_open"], "empty_slots": 8,
            "leader": R.user_compact(w, team["leader_id"], *R.CARD_INCLUDES),
            "members": [R.user_compact(w, u, *R.CARD_INCLUDES) for u in members],
            "statistics": {"team_id": team["id"], "ruleset_id": Ruleset(ruleset).id, "play_count": 1000 * len(members),
                           "ranked_score": 10**9, "performance": 5000, "rank": team["id"]}}


@api("GET", "api/v2/events", "public")
async def events_index(ctx: Ctx) -> Any:
    w = ctx.world
    items = sorted(w.events, key=lambda e: e["id"], reverse=ctx.request.query_params.get("sort") != "id_asc")
    cur = cursor_params(ctx.request) or {}
    if "event_id" in cur:
        try:
            last = int(cur["event_id"])
        except (TypeError, ValueError):
            last = None
        ids = [e["id"] for e in items]
        if last in ids:
            items = items[ids.index(last) + 1:]
    page = items[:50]
    nxt = {"event_id": page[-1]["id"]} if len(items) > 50 else None
    return {"events": [R.event(w, e) for e in page], "cursor": nxt, "cursor_string": encode_cursor_string(nxt) if nxt else None}


# --- rankings ------------------------------------------------------------------------------------

@api("GET", "api/v2/rankings/kudosu", "public")
async def rankings_kudosu(ctx: Ctx) -> Any:
    w = ctx.world
    ordered = sorted(w.users, key=lambda u: -w.users[u]["kudosu"]["total"])
    page = int_param(ctx.request, "page", 1, low=1) or 1
    return {"ranking": [R.user_compact(w, u, "kudosu") for u in ordered[(page - 1) * 50: page * 50]]}


@api("GET", "api/v2/rankings/{mode}/{type}", "public")
async def rankings(ctx: Ctx) -> Any:
    w = ctx.world
    mode = _mode(ctx, "mode") or "osu"
    kind = ctx.params["type"]
    if kind not in ("performance", "score", "country", "charts", "team"):
        raise error(404, None)
    if kind == "country":
        countries: dict[str, dict[str, Any]] = {}
        for u in w.users.values():
            c = countries.setdefault(u["country_code"], {"code": u["country_code"], "active_users": 0, "play_count": 0,
                                                           "ranked_score": 0, "performance": 0.0,
                                                           "country": {"code": u["country_code"], "name": u["country_name"]}})
            s = u["stats"][mode]
            c["active_users"] += 1
            c["play_count"] += s["play_count"]
            c["ranked_score"] += s["ranked_score"]
            c["performance"] = round(c["performance"] + s["pp"], 4)
        rows = sorted(countries.values(), key=lambda c: -c["performance"])
        chunk, page, more = page_number_cursor(ctx.request, rows, 50)
        return {"cursor": {"page": page + 1} if more else None, "cursor_string": encode_cursor_string({"page": page + 1}) if more else None,
                "ranking": chunk, "total": len(rows)}
    key = "ranked_score" if kind in ("score", "charts") else "pp"  # charts rank by score, like osu-web's spotlights
    spot: dict[str, Any] | None = None
    if kind == "charts":
        wanted = ctx.request.query_params.get("spotlight")
        spot = w.spotlights[0] if wanted is None else next((s for s in w.spotlights if str(s["id"]) == wanted), None)
        if spot is None:
            raise error(404, None)
    users = [u for u in w.users if ctx.request.query_params.get("country") in (None, w.users[u]["country_code"])
             and w.users[u]["stats"][mode]["is_ranked"]]  # osu-web ranks only users with ranked plays
    ordered = sorted(users, key=lambda u: -w.users[u]["stats"][mode][key])
    chunk, page, more = page_number_cursor(ctx.request, ordered, 50)
    out: dict[str, Any] = {"cursor": {"page": page + 1} if more else None,
                           "cursor_string": encode_cursor_string({"page": page + 1}) if more else None,
                           "ranking": [R.statistics(w, u, mode, with_user=True) for u in chunk], "total": len(ordered)}
    if spot is not None:
        out["spotlight"] = R.spotlight(spot) | {"participant_count": spot["participant_count"]}
        out["beatmapsets"] = [R.beatmapset_full(w, s, "beatmaps") for s in spot["beatmapset_ids"]]
    return out


@api("GET", "api/v2/spotlights", "public")
async def spotlights(ctx: Ctx) -> Any:
    return {"spotlights": [R.spotlight(s) for s in ctx.world.spotlights]}


# --- matches and rooms -------------------------------------------------------------------------

def _match_event(ctx: Ctx, match: dict[str, Any], e: dict[str, Any]) -> dict[str, Any]:
    w = ctx.world
    out: dict[str, Any] = {"id": e["id"], "detail": {"type": e["type"]}, "timestamp": iso(e["timestamp"]), "user_id": e["user_id"]}
    g = e["game"]
    if g is not None:
        out["detail"]["text"] = match["name"]
        teams = g.get("teams") or [None] * len(g["players"])
        slots = g.get("slots") or [None] * len(g["players"])
        head_to_head = g["team_type"] == "head-to-head" and "teams" in g
        scores = [R.match_game_score(g, i if slots[i] is None else slots[i], uid, total, ctx.version,
                                     team="none" if head_to_head else teams[i])
                  for i, (uid, total) in enumerate(zip(g["players"], g["scores"], strict=True))]
        out["game"] = {"beatmap_id": g["beatmap_id"], "id": g["id"], "match_id": match["id"], "start_time": iso(g["start_time"]), "end_time": iso(g["end_time"]),
                       "mode": g["mode"], "mode_int": Ruleset(g["mode"]).id, "scoring_type": g["scoring_type"], "team_type": g["team_type"],
                       "mods": list(g["mods"]), "beatmap": R.beatmap_full(w, g["beatmap_id"], "beatmapset_compact"), "scores": scores}
    return out


@api("GET", "api/v2/matches", "public")
async def matches_index(ctx: Ctx) -> Any:
    w = ctx.world
    limit = int_param(ctx.request, "limit", 50, low=1, high=50) or 50
    sort = ctx.request.query_params.get("sort", "id_desc")
    items = sorted(({"match_id": m} for m in w.matches), key=lambda x: x["match_id"], reverse=sort != "id_asc")
    page, nxt, cur = page_by_id_cursor(ctx.request, items, "match_id", limit)
    return {"matches": [{"id": p["match_id"], "start_time": iso(w.matches[p["match_id"]]["start_time"]),
                         "end_time": iso(w.matches[p["match_id"]]["end_time"]), "name": w.matches[p["match_id"]]["name"]} for p in page],
            "params": {"limit": limit, "sort": sort, "active": None}, "cursor": cur, "cursor_string": nxt}


@api("GET", "api/v2/matches/{match}", "public")
async def match_show(ctx: Ctx) -> Any:
    w = ctx.world
    mid = _int(ctx, "match")
    match = w.matches.get(mid)
    if match is None:
        raise error(404, None)
    limit = int_param(ctx.request, "limit", 100, low=1, high=101) or 100
    before = int_param(ctx.request, "before")
    after = int_param(ctx.request, "after")
    events = match["events"]
    if after is not None:
        events = [e for e in events if e["id"] > after][:limit]
    else:
        if before is not None:
            events = [e for e in events if e["id"] < before]
        events = events[-limit:]
    users = sorted({e["user_id"] for e in events if e["user_id"]} | {u for e in events if e["game"] for u in e["game"]["players"]})
    games = [e for e in match["events"] if e["game"]]
    return {"match": {"id": mid, "start_time": iso(match["start_time"]), "end_time": iso(match["end_time"]), "name": match["name"]},
            "events": [_match_event(ctx, match, e) for e in events], "users": [R.user_compact(w, u, "country") for u in users],
            "first_event_id": match["events"][0]["id"], "latest_event_id": match["events"][-1]["id"],
            "current_game_id": games[-1]["game"]["id"] if games and match["end_time"] is None else None}


def _room(ctx: Ctx) -> int:
    rid = _int(ctx, "room")
    if rid not in ctx.world.rooms:
        raise error(404, None)
    return rid


@api("GET", "api/v2/rooms/{room}/leaderboard", "public")
async def room_leaderboard(ctx: Ctx) -> Any:
    w = ctx.world
    rid = _room(ctx)
    totals: dict[int, dict[str, Any]] = {}
    for item in w.rooms[rid]["playlist"]:
        for sid in item["score_ids"]:
            s = w.scores[sid]
            agg = totals.setdefault(s["user_id"], {"accuracy": 0.0, "attempts": 0, "completed": 0, "pp": 0, "room_id": rid,
                                                   "total_score": 0, "user_id": s["user_id"]})
            agg["attempts"] += 1
            agg["completed"] += 1
            agg["total_score"] += s["total_score"]
            agg["accuracy"] = round(max(agg["accuracy"], s["accuracy"]), 6)
    board = sorted(totals.values(), key=lambda a: -a["total_score"])
    return {"leaderboard": [{**a, "user": R.user_compact(w, a["user_id"], "country", "cover", "team")} for a in board[:50]],
            "user_score": None}


@api("GET", "api/v2/rooms/{room}/events", "public")
async def room_events(ctx: Ctx) -> Any:
    """``RoomsController::events`` (osu-web): the room's ``multiplayer_realtime_room_events``.

    Rooms made on the emulated referee hub serve what happened in them (``room_created`` once,
    ``player_joined``/``left``/``kicked``, ``game_started`` with its ``event_detail`` — room type,
    the team each player was in, slots — ``game_aborted``, ``game_completed``, ``room_disbanded``),
    with the emulator's times. The dataset's rooms get a short made-up history: ``room_created``,
    then each playlist item started and completed in turn. ``limit`` (1-101, default 100),
    ``after`` (ascending) or ``before``; the page is always in ascending id order.
    """
    w = ctx.world
    rid = _room(ctx)
    r = w.rooms[rid]
    if "_events" in r:
        history = r["_events"]
    else:
        history = [{"id": 900, "event_type": "room_created", "created_at": r["starts_at"], "user_id": r["user_id"],
                    "playlist_item_id": None, "event_detail": None}]
        for n, p in enumerate(r["playlist"]):
            started = p["created_at"] if p["created_at"] >= r["starts_at"] else r["starts_at"] + dt.timedelta(minutes=5 * n + 1)
            ended = p["played_at"] or started + dt.timedelta(minutes=3)
            history.append({"id": 901 + 2 * n, "event_type": "game_started", "created_at": started, "user_id": None,
                            "playlist_item_id": p["id"], "event_detail": {"room_type": "head_to_head", "teams": None}})
            history.append({"id": 902 + 2 * n, "event_type": "game_completed", "created_at": ended, "user_id": None,
                            "playlist_item_id": p["id"], "event_detail": None})
    limit = int_param(ctx.request, "limit", 100, low=1, high=101) or 100
    after = int_param(ctx.request, "after")
    before = int_param(ctx.request, "before")
    if after is not None:
        events = [e for e in history if e["id"] > after][:limit]
    else:
        events = [e for e in history if before is None or e["id"] < before][-limit:]
    by_id = {p["id"]: p for p in r["playlist"]}
    item_ids = list(dict.fromkeys(e["playlist_item_id"] for e in events if e["playlist_item_id"] in by_id))
    items = [by_id[i] for i in item_ids]

    def details(p: dict[str, Any]) -> dict[str, Any]:
        # PlaylistItemTransformer::includeDetails: the item's game_started event_detail and time
        started = next((e for e in history if e["event_type"] == "game_started" and e["playlist_item_id"] == p["id"]), None)
        out = dict(started["event_detail"] or {}) if started is not None else {"room_type": "head_to_head"}
        out["started_at"] = iso(started["created_at"] if started is not None else p["created_at"])
        return out

    score_users = {w.scores[sid]["user_id"] for p in items for sid in p["score_ids"]}
    beatmap_ids = list(dict.fromkeys([p["beatmap_id"] for p in items]
                                     + [w.scores[sid]["beatmap_id"] for p in items for sid in p["score_ids"]]))
    set_ids = list(dict.fromkeys(w.beatmaps[b]["beatmapset_id"] for b in beatmap_ids))
    from .referee_hub import HUBS

    hub = HUBS.get(ctx.state)
    hub_room = hub.rooms.get(rid) if hub is not None else None
    current = hub_room.current_item_id if hub_room is not None else (r["playlist"][0]["id"] if r["playlist"] else None)
    return {"beatmaps": [R.beatmap_compact(w, b) for b in beatmap_ids],
            "beatmapsets": [R.beatmapset_compact(w, b) for b in set_ids],
            "current_playlist_item_id": current,
            "events": [{"created_at": iso(e["created_at"]), "event_type": e["event_type"], "id": e["id"],
                        "playlist_item_id": e["playlist_item_id"], "user_id": e["user_id"]} for e in events],
            "first_event_id": history[0]["id"] if history else 0, "last_event_id": history[-1]["id"] if history else 0,
            "playlist_items": [{**{k: (iso(v) if isinstance(v, dt.datetime) else v) for k, v in p.items() if k != "score_ids"},
                                # PlaylistItemTransformer::includeDetails / includeScores (ScoreTransformer(false))
                                "details": details(p),
                                "scores": [R.score(w, sid, R.LAZER_SCORES, "current_user_attributes") for sid in p["score_ids"]]}
                               for p in items],
            "room": R.room(w, rid, full=False),
            "users": [R.user_compact(w, u, "country") for u in
                      sorted({e["user_id"] for e in events if e["user_id"]} | score_users)]}


@api("GET", "api/v2/rooms/{room}/playlist/{playlist}/scores", "public")
async def playlist_scores(ctx: Ctx) -> Any:
    w = ctx.world
    rid = _room(ctx)
    pid = _int(ctx, "playlist")
    item = next((p for p in w.rooms[rid]["playlist"] if p["id"] == pid), None)
    if item is None:
        raise error(404, None)
    limit = int_param(ctx.request, "limit", 50, low=1, high=50) or 50
    sort = ctx.request.query_params.get("sort", "score_desc")
    ordered = sorted(item["score_ids"], key=lambda s: w.scores[s]["total_score"], reverse=sort != "score_asc")
    rows = [{"id": s} for s in ordered]
    page, nxt, cur = page_by_id_cursor(ctx.request, rows, "id", limit)
    scores = []
    for row in page:
        sc = R.score(w, row["id"], R.LAZER_SCORES, "current_user_attributes", "user_full")
        sc.update({"playlist_item_id": pid, "room_id": rid, "solo_score_id": row["id"]})
        sc["type"] = "multiplayer_score"
        scores.append(sc)
    return {"params": {"limit": limit, "sort": sort}, "scores": scores, "total": len(rows), "user_score": None,
            "cursor": cur, "cursor_string": nxt}


@api("GET", "api/v2/rooms", "public")
async def rooms_index(ctx: Ctx) -> Any:
    w = ctx.world
    mode = ctx.request.query_params.get("mode", "active")
    rooms = [rid for rid, r in w.rooms.items() if mode != "active" or r["active"]]
    return [R.room(w, rid, full=False) for rid in rooms]


@api("GET", "api/v2/rooms/{room}", "public")
async def room_show(ctx: Ctx) -> Any:
    return R.room(ctx.world, _room(ctx))


# --- session verification and token revocation ---------------------------------------------------

@api("POST", "api/v2/session/verify", "any")
async def session_verify(ctx: Ctx) -> Any:
    if ctx.token is not None:
        ctx.token.verified = True
    return None


@api("POST", "api/v2/session/verify/mail-fallback", "any")
async def session_verify_mail(ctx: Ctx) -> Any:
    return None


@api("POST", "api/v2/session/verify/reissue", "any")
async def session_verify_reissue(ctx: Ctx) -> Any:
    return None


@api("DELETE", "api/v2/oauth/tokens/current", "any")
async def revoke_current(ctx: Ctx) -> Any:
    assert ctx.token is not None
    ctx.token.revoked = True
    if ctx.token.refresh_token:
        ctx.state.refresh.pop(ctx.token.refresh_token, None)
    return None

