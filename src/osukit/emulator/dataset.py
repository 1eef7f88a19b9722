"""The emulator's world: a deterministic dataset generated from a seed.

Everything is plain Python data (dicts and small records) in the shape the
renderers in :mod:`osukit.emulator.render` turn into osu-web's JSON. The same
seed always gives the same users, beatmaps, scores, chat, forums and the rest.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import random
from dataclasses import dataclass, field
from typing import Any

from ..enums import Ruleset
from ..game.accuracy import accuracy as _accuracy
from ..game.accuracy import grade as _grade

RULESETS = ("osu", "taiko", "fruits", "mania")
STATUSES = ("graveyard", "wip", "pending", "ranked", "approved", "qualified", "loved")
STATUS_INT = {"graveyard": -2, "wip": -1, "pending": 0, "ranked": 1, "approved": 2, "qualified": 3, "loved": 4}
COUNTRIES = [("AU", "Australia"), ("JP", "Japan"), ("US", "United States"), ("DE", "Germany"), ("KR", "South Korea"),
             ("FR", "France"), ("PL", "Poland"), ("BR", "Brazil"), ("CA", "Canada"), ("GB", "United Kingdom")]
SYLLABLES = ["ka", "ri", "to", "mo", "shi", "ne", "ra", "ze", "lu", "vi", "xo", "pe", "qu", "da", "fu", "yo"]
WORDS = ["Blue", "Zenith", "Night", "Sky", "Echo", "Freedom", "Dive", "Rain", "Star", "Heart", "Light", "Road",
         "Flame", "Dream", "Ocean", "Pulse", "Storm", "Moon", "Signal", "Crystal"]
BASE_TIME = dt.datetime(2026, 7, 1, 12, 0, 0, tzinfo=dt.timezone.utc)


def iso(t: dt.datetime | None) -> str | None:
    """osu-web's JSON time format."""
    return None if t is None else t.astimezone(dt.timezone.utc).isoformat()


def iso_z(t: dt.datetime | None) -> str | None:
    return None if t is None else t.astimezone(dt.timezone.utc).strftime("%Y-%m-%dT%H:%M:%SZ")


@dataclass
class World:
    """All emulator state (mutable: write routes change it)."""

    seed: int
    client_id: int
    client_secret: str
    api_key: str
    bot_user_id: int
    test_user_id: int
    users: dict[int, dict[str, Any]] = field(default_factory=dict)
    beatmapsets: dict[int, dict[str, Any]] = field(default_factory=dict)
    beatmaps: dict[int, dict[str, Any]] = field(default_factory=dict)
    scores: dict[int, dict[str, Any]] = field(default_factory=dict)
    channels: dict[int, dict[str, Any]] = field(default_factory=dict)
    messages: list[dict[str, Any]] = field(default_factory=list)
    forums: dict[int, dict[str, Any]] = field(default_factory=dict)
    topics: dict[int, dict[str, Any]] = field(default_factory=dict)
    posts: dict[int, dict[str, Any]] = field(default_factory=dict)
    comments: dict[int, dict[str, Any]] = field(default_factory=dict)
    news: list[dict[str, Any]] = field(default_factory=list)
    wiki: dict[tuple[str, str], dict[str, Any]] = field(default_factory=dict)
    builds: list[dict[str, Any]] = field(default_factory=list)
    streams: list[dict[str, Any]] = field(default_factory=list)
    matches: dict[int, dict[str, Any]] = field(default_factory=dict)
    rooms: dict[int, dict[str, Any]] = field(default_factory=dict)
    spotlights: list[dict[str, Any]] = field(default_factory=list)
    kudosu: dict[int, list[dict[str, Any]]] = field(default_factory=dict)
    events: list[dict[str, Any]] = field(default_factory=list)
    teams: dict[int, dict[str, Any]] = field(default_factory=dict)
    packs: list[dict[str, Any]] = field(default_factory=list)
    discussions: list[dict[str, Any]] = field(default_factory=list)
    discussion_posts: list[dict[str, Any]] = field(default_factory=list)
    discussion_votes: list[dict[str, Any]] = field(default_factory=list)
    beatmapset_events: list[dict[str, Any]] = field(default_factory=list)
    friends: dict[int, list[int]] = field(default_factory=dict)
    favourites: dict[int, list[int]] = field(default_factory=dict)
    tags: list[dict[str, Any]] = field(default_factory=list)
    next_id: dict[str, int] = field(default_factory=dict)

    def new_id(self, kind: str) -> int:
        value = self.next_id[kind] = self.next_id.get(kind, 10_000_000) + 1
        return value


def _name(rng: random.Random) -> str:
    return "".join(rng.choice(SYLLABLES) for _ in range(rng.randint(2, 3))).capitalize() + rng.choice(["", "_", "-"]) + (
        str(rng.randint(1, 99)) if rng.random() < 0.4 else "")


def build(seed: int = 0) -> World:
    """Generate the world for ``seed``."""
    rng = random.Random(seed)
    w = World(
        seed=seed,
        client_id=1000 + seed % 1000,
        client_secret=hashlib.sha256(f"osukit-emulator-secret-{seed}".encode()).hexdigest()[:40],
        api_key=hashlib.sha256(f"osukit-emulator-v1-key-{seed}".encode()).hexdigest()[:40],
        bot_user_id=0,
        test_user_id=0,
    )
    _teams(w, rng)
    _users(w, rng)
    _beatmaps(w, rng)
    _scores(w, rng)
    _chat(w, rng)
    _forums(w, rng)
    _comments(w, rng)
    _news_wiki_changelog(w, rng)
    _multiplayer(w, rng)
    _misc(w, rng)
    return w


def _teams(w: World, rng: random.Random) -> None:
    for i in range(1, 5):
        w.teams[i] = {"id": i, "name": f"Team {WORDS[i]}", "short_name": WORDS[i][:4].upper(),
                      "flag_url": f"https://assets.ppy.sh/teams/flag/{i}/flag.png",
                      "created_at": iso(BASE_TIME - dt.timedelta(days=300 + i)), "description": f"We play {WORDS[i]}.",
                      "header_url": None, "is_open": i % 2 == 0, "leader_id": 0, "default_ruleset_id": 0,
                      "website": None, "members": []}


def _stats(rng: random.Random, rank: int, ruleset: str) -> dict[str, Any]:
    pp = round(max(0.0, 12000 / (1 + rank / 40) + rng.random() * 50), 4)
    plays = rng.randint(500, 60000)
    c300, c100, c50 = plays * 400, plays * 40, plays * 5
    acc = round(90 + rng.random() * 9.5, 5)
    return {
        "count_100": c100, "count_300": c300, "count_50": c50, "count_miss": plays * 10,
        "level": {"current": rng.randint(50, 110), "progress": rng.randint(0, 99)},
        "global_rank": rank, "global_rank_percent": round(rank / 30.0, 6), "global_rank_exp": None,
        "pp": pp, "pp_exp": 0, "ranked_score": plays * 150000, "hit_accuracy": acc, "accuracy": round(acc / 100, 7),
        "play_count": plays, "play_time": plays * 120, "total_score": plays * 400000, "total_hits": c300 + c100 + c50,
        "maximum_combo": rng.randint(800, 4000), "replays_watched_by_others": rng.randint(0, 5000), "is_ranked": True,
        "grade_counts": {"ss": rng.randint(0, 50), "ssh": rng.randint(0, 50), "s": rng.randint(0, 400),
                         "sh": rng.randint(0, 400), "a": rng.randint(0, 900)},
        "country_rank": max(1, rank // 3), "rank": {"country": max(1, rank // 3)},
        "rank_change_since_30_days": rng.randint(-20, 20),
    }


def _users(w: World, rng: random.Random) -> None:
    names: set[str] = set()
    for i in range(120):
        uid = 2 if i == 0 else 100_000 + i * 7919 + rng.randint(0, 500)
        name = "peppy" if i == 0 else _name(rng)
        while name.lower() in names:
            name = _name(rng)
        names.add(name.lower())
        code, cname = COUNTRIES[i % len(COUNTRIES)]
        team = w.teams[1 + i % 4] if i % 3 else None
        joined = BASE_TIME - dt.timedelta(days=300 + rng.randint(0, 5000))
        u: dict[str, Any] = {
            "id": uid, "username": name, "country_code": code, "country_name": cname,
            "is_bot": False, "is_supporter": rng.random() < 0.4, "is_online": rng.random() < 0.2,
            "last_visit": BASE_TIME - dt.timedelta(hours=rng.randint(1, 2000)), "join_date": joined,
            "playmode": RULESETS[i % 4] if i % 5 == 0 else "osu", "team_id": team["id"] if team else None,
            "profile_colour": None, "default_group": "default",
            "stats": {r: _stats(rng, 1 + i * 3 + k, r) for k, r in enumerate(RULESETS)},
            "rank_history": [max(1, 1 + i * 3 + rng.randint(-5, 50) - d // 3) for d in range(90)],
            "monthly_playcounts": [{"start_date": f"{2024 + m // 12}-{1 + m % 12:02d}-01", "count": rng.randint(0, 900)}
                                   for m in range(18)],
            "kudosu": {"available": rng.randint(0, 100), "total": rng.randint(100, 300)},
            "previous_usernames": [], "badges": [], "groups": [],
            # whether the user set up an authenticator app (osu-web's userTotpKey): decides session verification's method
            "has_totp": i % 2 == 0,
        }
        if team is not None:
            team["members"].append(uid)
            if team["leader_id"] == 0:
                team["leader_id"] = uid
        w.users[uid] = u
    ids = list(w.users)
    w.users[ids[0]]["groups"] = [{"colour": "#0066FF", "has_listing": False, "has_playmodes": False, "id": 33,
                                  "identifier": "ppy", "is_probationary": False, "name": "ppy", "short_name": "PPY",
                                  "playmodes": None}]
    w.bot_user_id = ids[1]
    w.users[w.bot_user_id]["is_bot"] = True
    w.users[w.bot_user_id]["username"] = "osukitBot"
    w.users[w.bot_user_id]["default_group"] = "bot"
    w.test_user_id = ids[2]
    for uid in ids:
        w.friends[uid] = [x for x in rng.sample(ids, 5) if x != uid]
        w.favourites[uid] = []
        w.kudosu[uid] = [
            {"id": 5000 + k + uid % 1000, "action": rng.choice(["give", "vote.give", "reset"]), "amount": rng.choice([1, 2, -1]),
             "model": "beatmap_discussion", "created_at": iso(BASE_TIME - dt.timedelta(days=k)),
             "giver": {"url": f"https://osu.ppy.sh/users/{ids[0]}", "username": "peppy"},
             "post": {"url": "https://osu.ppy.sh/beatmapsets/1/discussion", "title": "Blue Zenith"},
             "details": {"event": "give"}}
            for k in range(rng.randint(3, 130) if uid == ids[0] else rng.randint(0, 12))
        ]


def _beatmaps(w: World, rng: random.Random) -> None:
    users = list(w.users)
    bid = 1_000_000
    for s in range(45):
        sid = 300_000 + s * 1013
        status = STATUSES[s % len(STATUSES)]
        creator = users[s % len(users)]
        artist, title = f"{rng.choice(WORDS)} {rng.choice(WORDS)}", f"{rng.choice(WORDS)} {rng.choice(WORDS)}"
        submitted = BASE_TIME - dt.timedelta(days=400 + s * 11)
        ranked = submitted + dt.timedelta(days=30) if status in ("ranked", "approved", "loved", "qualified") else None
        bpm = rng.choice([120, 150, 175, 180, 200, 222])
        bset: dict[str, Any] = {
            "id": sid, "artist": artist, "title": title, "creator_id": creator, "status": status, "bpm": bpm,
            "submitted_date": submitted, "ranked_date": ranked, "last_updated": submitted + dt.timedelta(days=5),
            "favourite_count": rng.randint(0, 5000), "play_count": rng.randint(0, 10**6), "genre_id": rng.randint(1, 14),
            "language_id": rng.randint(1, 14), "tags": "osukit emulator " + title.lower(), "nsfw": s % 17 == 0,
            "video": s % 5 == 0, "storyboard": s % 7 == 0, "rating": round(rng.uniform(5, 10), 5),
            "offset": 0, "track_id": None, "source": "", "beatmap_ids": [], "ratings": [rng.randint(0, 50) for _ in range(11)],
        }
        w.beatmapsets[sid] = bset
        rulesets = [RULESETS[(s + k) % 4] for k in range(1 + s % 5)] if s % 3 else ["osu"] * (1 + s % 4)
        for k, ruleset in enumerate(rulesets):
            bid += rng.randint(1, 40)
            stars = round(1.5 + k * 1.3 + rng.random(), 5)
            cs = 4 if ruleset != "mania" else rng.choice([4, 7])
            circles, sliders, spinners = rng.randint(100, 900), rng.randint(50, 400), rng.randint(0, 3)
            beatmap = {
                "id": bid, "beatmapset_id": sid, "mode": ruleset, "version": f"{['Easy', 'Normal', 'Hard', 'Insane', 'Expert'][k % 5]}",
                "difficulty_rating": stars, "user_id": creator, "status": status, "total_length": rng.randint(60, 300),
                "hit_length": rng.randint(50, 280), "bpm": bpm, "cs": cs, "ar": min(10, 5 + k), "accuracy": min(10, 5 + k),
                "drain": min(10, 4 + k), "count_circles": circles, "count_sliders": sliders if ruleset != "mania" else 0,
                "count_spinners": spinners, "max_combo": circles + sliders * 3 + spinners,
                "playcount": rng.randint(0, 100000), "passcount": rng.randint(0, 50000), "last_updated": bset["last_updated"],
                "convert": False,
            }
            beatmap["checksum"] = hashlib.md5(f"{bid}".encode()).hexdigest()
            w.beatmaps[bid] = beatmap
            bset["beatmap_ids"].append(bid)
    w.tags = [{"id": i, "name": n, "ruleset_id": r, "description": f"Maps with {n}"} for i, (n, r) in
              enumerate([("streams", 0), ("jumps", 0), ("tech", None), ("farm", 0), ("ln", 3), ("jack", 3)], 1)]


def _score_stats(rng: random.Random, ruleset: str, objects: int, quality: float) -> tuple[dict[str, int], dict[str, int]]:
    misses = 0 if rng.random() < quality else rng.randint(1, 12)
    mehs = rng.randint(0, 3) if ruleset != "taiko" else 0
    oks = rng.randint(0, max(1, int(objects * (1 - quality) * 0.5)))
    greats = max(0, objects - misses - mehs - oks)
    if ruleset == "osu":
        return ({"great": greats, "ok": oks, "meh": mehs, "miss": misses},
                {"great": objects, "legacy_combo_increase": 0} if False else {"great": objects})
    if ruleset == "taiko":
        return ({"great": greats + mehs, "ok": oks, "miss": misses}, {"great": objects})
    if ruleset == "fruits":
        ticks = objects // 3
        return ({"great": greats + oks + mehs, "miss": misses, "large_tick_hit": ticks, "small_tick_hit": ticks,
                 "small_tick_miss": rng.randint(0, 2)}, {"great": objects, "large_tick_hit": ticks, "small_tick_hit": ticks + 2})
    perfect = int(greats * 0.8)
    holds = objects // 10
    return ({"perfect": perfect, "great": greats - perfect, "good": oks // 2, "ok": oks - oks // 2, "meh": mehs,
             "miss": misses, "ignore_hit": holds, "ignore_miss": 0 if misses else 1, "combo_break": misses},
            {"perfect": objects, "ignore_hit": holds})


def _scores(w: World, rng: random.Random) -> None:
    users = list(w.users)
    sid = 4_000_000_000
    mod_choices = [[], ["HD"], ["DT"], ["HD", "DT"], ["HR"], ["HD", "HR"], ["NF"], ["EZ"], ["FL"]]
    beatmaps = list(w.beatmaps.values())
    for n, beatmap in enumerate(beatmaps):
        first_mania = beatmap["mode"] == "mania" and not any(b["mode"] == "mania" for b in beatmaps[:n])
        count = 60 if n == 0 else 40 if first_mania else (
            rng.randint(3, 12) if beatmap["status"] in ("ranked", "approved", "loved") else rng.randint(0, 2))
        players = rng.sample(users, min(count, len(users))) if count <= len(users) else [rng.choice(users) for _ in range(count)]
        for k, uid in enumerate(players):
            sid += rng.randint(1, 999)
            objects = beatmap["count_circles"] + beatmap["count_sliders"] + beatmap["count_spinners"]
            stats, maximum = _score_stats(rng, beatmap["mode"], objects, 0.5 + rng.random() * 0.5)
            mods = rng.choice(mod_choices) if beatmap["mode"] != "mania" else rng.choice([[], ["HD"], ["NF"]])
            passed = rng.random() > 0.05
            ruleset_id = Ruleset(beatmap["mode"]).id
            raw = {"statistics": stats, "maximum_statistics": maximum, "ruleset_id": ruleset_id,
                   "mods": [{"acronym": m} for m in mods], "passed": passed}
            acc = float(_accuracy(raw))
            rank = str(_grade(raw))
            total = int(1_000_000 * acc * (0.7 + 0.3 * rng.random()))
            ended = BASE_TIME - dt.timedelta(hours=rng.randint(0, 24 * 300), minutes=rng.randint(0, 59))
            if k < 3 and n % 2 == 0:
                ended = BASE_TIME - dt.timedelta(hours=rng.randint(0, 20))
            ranked_map = beatmap["status"] in ("ranked", "approved")
            pp = round(beatmap["difficulty_rating"] ** 2.4 * acc ** 6 * 9, 3) if ranked_map and passed else None
            w.scores[sid] = {
                "id": sid, "user_id": uid, "beatmap_id": beatmap["id"], "ruleset": beatmap["mode"], "ruleset_id": ruleset_id,
                "mods": mods, "statistics": stats, "maximum_statistics": maximum, "accuracy": acc, "rank": rank,
                "total_score": total, "legacy_total_score": total * 2 // 3, "max_combo": rng.randint(50, beatmap["max_combo"]),
                "passed": passed, "pp": pp, "ended_at": ended, "legacy_score_id": sid - 3_000_000_000 if k % 2 else None,
                "has_replay": k % 3 == 0, "pinned": k == 0, "best": passed and ranked_map,
                "is_perfect_combo": stats.get("miss", 0) == 0,
            }


def _chat(w: World, rng: random.Random) -> None:
    users = list(w.users)
    defs = [("#osu", "The official osu! channel (english only)."), ("#lobby", "Multiplayer lobby discussion."),
            ("#help", "Get help with osu!."), ("#japanese", "Japanese community channel."),
            ("#announce", "Automated announcements.")]
    for i, (name, desc) in enumerate(defs):
        cid = 5 + i
        w.channels[cid] = {"channel_id": cid, "name": name, "description": desc, "type": "PUBLIC", "moderated": i == 4,
                           "icon": None, "uuid": None, "message_length_limit": 450, "users": set(users[:12]) | {w.bot_user_id, w.test_user_id}}
    mid = 3_000_000
    for n in range(160):
        mid += rng.randint(1, 30)
        cid = 5 if n < 130 else 5 + 1 + n % 3
        sender = rng.choice(users[:12])
        w.messages.append({"message_id": mid, "channel_id": cid, "sender_id": sender, "content": f"message {n}: {rng.choice(WORDS)}",
                           "is_action": n % 23 == 0, "timestamp": BASE_TIME - dt.timedelta(minutes=200 - n), "type": "plain"})
    w.next_id["message"] = mid
    w.next_id["channel"] = 1000


def _forums(w: World, rng: random.Random) -> None:
    users = list(w.users)
    for fid, name in [(2, "General Discussion"), (4, "Help"), (52, "Off-Topic"), (55, "Beatmaps")]:
        w.forums[fid] = {"id": fid, "name": name, "description": f"Talk about {name.lower()}.", "subforums": []}
    post_id = 9_000_000
    for t in range(12):
        tid = 1_500_000 + t * 37
        fid = list(w.forums)[t % 4]
        created = BASE_TIME - dt.timedelta(days=30 - t)
        topic: dict[str, Any] = {"id": tid, "forum_id": fid, "title": f"{rng.choice(WORDS)} {rng.choice(WORDS)} thread {t}",
                 "user_id": users[t % len(users)], "created_at": created, "updated_at": created, "is_locked": False,
                 "type": "normal", "views": rng.randint(0, 10000), "post_ids": [], "pin": 0}
        for p in range(70 if t == 0 else rng.randint(1, 8)):
            post_id += rng.randint(1, 9)
            w.posts[post_id] = {"id": post_id, "topic_id": tid, "forum_id": fid, "user_id": rng.choice(users),
                                "created_at": created + dt.timedelta(minutes=p), "edited_at": None, "edited_by_id": None,
                                "raw": f"Post {p} in topic {t}.", "deleted_at": None}
            topic["post_ids"].append(post_id)
        w.topics[tid] = topic
    first_topic = next(iter(w.topics.values()))
    w.posts[first_topic["post_ids"][1]]["user_id"] = w.test_user_id  # the test user has a post to edit
    w.next_id["post"] = post_id
    w.next_id["topic"] = 1_600_000


def _comments(w: World, rng: random.Random) -> None:
    users = list(w.users)
    cid = 2_000_000
    first_set = next(iter(w.beatmapsets))
    parents: list[int] = []
    for n in range(60):
        cid += rng.randint(1, 20)
        parent = rng.choice(parents) if parents and n % 4 == 3 else None
        w.comments[cid] = {"id": cid, "parent_id": parent, "user_id": rng.choice(users), "pinned": n == 0,
                           "replies_count": 0, "votes_count": rng.randint(0, 40), "commentable_type": "beatmapset",
                           "commentable_id": first_set, "legacy_name": None,
                           "created_at": BASE_TIME - dt.timedelta(hours=n * 5), "message": f"comment {n}: nice map"}
        if parent is None:
            parents.append(cid)
        else:
            w.comments[parent]["replies_count"] += 1


def _news_wiki_changelog(w: World, rng: random.Random) -> None:
    for n in range(30):
        published = BASE_TIME - dt.timedelta(days=n * 9)
        w.news.append({"id": 1500 - n, "author": rng.choice(["peppy", "Ephemeral", "Walavouchey"]),
                       "slug": f"{published:%Y-%m-%d}-news-{n}", "title": f"News {n}: {rng.choice(WORDS)}",
                       "published_at": published, "updated_at": published, "preview": f"Preview of news {n}.",
                       "content": f"<div><p>News post {n}.</p></div>"})
    for path, title in [("Main_page", "Main page"), ("Ranking_criteria", "Ranking criteria"), ("Beatmap", "Beatmap"),
                        ("osu!_Program_Files", "osu! Program Files")]:
        for locale in ("en", "ja"):
            w.wiki[(locale, path)] = {"path": path, "locale": locale, "title": title, "subtitle": None, "layout": "markdown_page",
                                      "markdown": f"# {title}\n\nThis is the {title} page.", "tags": ["osukit"],
                                      "available_locales": ["en", "ja"]}
    w.streams = [{"id": 5, "name": "stable40", "display_name": "Stable", "is_featured": True},
                 {"id": 7, "name": "lazer", "display_name": "Lazer", "is_featured": False}]
    for n in range(30):
        stream = w.streams[n % 2]
        created = BASE_TIME - dt.timedelta(days=n * 7)
        version = f"{created:%Y%m%d}" if stream["name"] == "stable40" else f"{created:%Y.%m%d}.0"
        w.builds.append({"id": 7000 - n, "version": version, "display_version": version, "created_at": created,
                         "users": rng.randint(0, 10**5), "youtube_id": None, "stream": stream,
                         "entries": [{"id": 30000 - n * 10 - e, "repository": "ppy/osu", "github_pull_request_id": 20000 + n * 10 + e,
                                      "github_url": f"https://github.com/ppy/osu/pull/{20000 + n * 10 + e}", "url": None,
                                      "type": rng.choice(["add", "fix", "misc"]), "category": "Gameplay", "title": f"Change {e}",
                                      "major": e == 0, "created_at": created, "message": f"Change {e} of build {n}.",
                                      "message_html": f"<p>Change {e} of build {n}.</p>"} for e in range(3)]})


def _multiplayer(w: World, rng: random.Random) -> None:
    users = list(w.users)
    beatmaps = list(w.beatmaps.values())
    for m in range(6):
        match_id = 110_000_000 + m * 101
        start = BASE_TIME - dt.timedelta(days=m, hours=3)
        events = []
        eid = 2_500_000_000 + m * 10000
        events.append({"id": eid, "type": "match-created", "timestamp": start, "user_id": users[m], "game": None})
        for g in range(170 if m == 0 else 8):
            eid += 1
            if g % 10 == 0:
                events.append({"id": eid, "type": "player-joined", "timestamp": start + dt.timedelta(minutes=g), "user_id": users[g % 8], "game": None})
                continue
            beatmap = rng.choice(beatmaps)
            players = users[:4]
            events.append({"id": eid, "type": "other", "timestamp": start + dt.timedelta(minutes=g), "user_id": None,
                           "game": {"id": 600_000_000 + m * 1000 + g, "beatmap_id": beatmap["id"], "mode": beatmap["mode"],
                                    "start_time": start + dt.timedelta(minutes=g), "end_time": start + dt.timedelta(minutes=g, seconds=150),
                                    "scoring_type": "scorev2", "team_type": "team-vs", "mods": ["NF"],
                                    "players": players, "scores": [rng.randint(200000, 1000000) for _ in players]}})
        w.matches[match_id] = {"id": match_id, "name": f"OWC: ({rng.choice(WORDS)}) vs ({rng.choice(WORDS)})",
                               "start_time": start, "end_time": None if m == 0 else start + dt.timedelta(hours=2), "events": events}
    score_ids = list(w.scores)
    for r in range(5):
        room_id = 1_200_000 + r * 3
        items = []
        mania = [b for b in beatmaps if b["mode"] == "mania"]
        for p in range(3):
            beatmap = mania[0] if (r, p) == (0, 0) and mania else beatmaps[(r * 3 + p) % len(beatmaps)]
            items.append({"id": 4_000_000 + r * 10 + p, "room_id": room_id, "beatmap_id": beatmap["id"],
                          "ruleset_id": Ruleset(beatmap["mode"]).id, "allowed_mods": [], "required_mods": [],
                          "freestyle": False, "expired": r > 2, "owner_id": users[r], "playlist_order": None,
                          "played_at": None, "created_at": BASE_TIME - dt.timedelta(days=r),
                          "score_ids": [s for s in score_ids if w.scores[s]["beatmap_id"] == beatmap["id"]][:60]})
        w.rooms[room_id] = {"id": room_id, "name": f"Playlist {r}: {rng.choice(WORDS)}", "category": "daily_challenge" if r == 0 else "normal",
                            "type": "playlists", "status": "idle", "user_id": users[r], "starts_at": BASE_TIME - dt.timedelta(days=r + 1),
                            "ends_at": BASE_TIME + dt.timedelta(days=3 - r), "active": r < 3, "has_password": False,
                            "max_attempts": None, "participant_count": rng.randint(1, 500), "channel_id": 9000 + r,
                            "queue_mode": "host_only", "auto_skip": False, "pinned": r == 0, "playlist": items,
                            "description": None}
    w.spotlights = [{"id": 270 + i, "name": f"Spotlight {i}: {WORDS[i]}", "type": ["monthly", "spotlight", "theme", "special", "bestof"][i % 5],
                     "start_date": BASE_TIME - dt.timedelta(days=60 * (i + 1)), "end_date": BASE_TIME - dt.timedelta(days=60 * i),
                     "mode_specific": i % 2 == 0, "participant_count": 100 + i,
                     "beatmapset_ids": list(w.beatmapsets)[i * 3: i * 3 + 3]} for i in range(8)]


def _misc(w: World, rng: random.Random) -> None:
    users = list(w.users)
    sets = list(w.beatmapsets)
    eid = 900_000_000
    for n in range(80):
        eid += rng.randint(1, 50)
        uid = w.test_user_id if n % 9 == 0 else rng.choice(users)
        kind = "rank" if n % 9 == 0 else rng.choice(["rank", "achievement", "beatmapsetUpload", "beatmapPlaycount", "rankLost"])
        w.events.append({"id": eid, "type": kind, "user_id": uid, "created_at": BASE_TIME - dt.timedelta(hours=n),
                         "beatmap_id": next(iter(w.beatmaps)), "beatmapset_id": sets[n % len(sets)], "rank": rng.randint(1, 50),
                         "mode": rng.choice(RULESETS), "scoreRank": rng.choice(["S", "A", "X"]), "count": 100 * (n + 1)})
    for n in range(8):
        w.packs.append({"tag": f"S{900 - n}", "name": f"Beatmap Pack #{900 - n}", "author": "osukit", "date": BASE_TIME - dt.timedelta(days=7 * n),
                        "no_diff_reduction": False, "ruleset_id": None, "url": f"https://packs.ppy.sh/S{900 - n}.zip",
                        "beatmapset_ids": sets[n * 4: n * 4 + 4], "type": "standard"})
    did = 4_400_000
    pid = 8_800_000
    for n in range(70):
        did += rng.randint(1, 9)
        sid = sets[n % 6]
        b = w.beatmapsets[sid]["beatmap_ids"][0]
        created = BASE_TIME - dt.timedelta(hours=n * 3)
        w.discussions.append({"id": did, "beatmapset_id": sid, "beatmap_id": b, "user_id": rng.choice(users), "deleted_by_id": None,
                              "message_type": rng.choice(["suggestion", "problem", "praise", "hype"]), "parent_id": None,
                              "timestamp": rng.randint(0, 200000) if n % 2 else None, "resolved": n % 3 == 0,
                              "can_be_resolved": True, "can_grant_kudosu": True, "created_at": created, "updated_at": created,
                              "deleted_at": None, "last_post_at": created, "kudosu_denied": False})
        for q in range(2):
            pid += rng.randint(1, 9)
            w.discussion_posts.append({"id": pid, "beatmapset_discussion_id": did, "user_id": rng.choice(users),
                                       "message": f"discussion {n} post {q}", "system": False, "created_at": created,
                                       "updated_at": created, "deleted_at": None, "deleted_by_id": None, "last_editor_id": None})
        w.discussion_votes.append({"id": 700_000 + n, "beatmapset_discussion_id": did, "user_id": rng.choice(users),
                                   "score": rng.choice([1, -1]), "created_at": created, "updated_at": created})
        kind = ["issue_resolve", "kudosu_gain", "language_edit", "beatmap_owner_change", "issue_reopen", "nsfw_toggle",
                "genre_edit", "rank", "nominate", "qualify"][n % 10]
        voter = rng.choice(users)
        comment: dict[str, Any] | None = {"beatmap_discussion_id": did, "beatmap_discussion_post_id": pid}
        if kind == "kudosu_gain":
            comment = {"beatmap_discussion_id": did, "beatmap_discussion_post_id": None,
                       "new_vote": {"user_id": voter, "score": 1}, "votes": [{"user_id": voter, "score": 1}]}
        elif kind in ("language_edit", "genre_edit"):
            comment = {"beatmap_discussion_id": None, "beatmap_discussion_post_id": None, "old": "Unspecified", "new": "English"}
        elif kind == "nsfw_toggle":
            comment = {"beatmap_discussion_id": None, "beatmap_discussion_post_id": None, "old": False, "new": True}
        elif kind == "beatmap_owner_change":
            owner = w.users[voter]["username"]
            comment = {"beatmap_discussion_id": None, "beatmap_discussion_post_id": None, "beatmap_id": b,
                       "beatmap_version": "Guest Extra", "new_user_id": voter, "new_user_username": owner,
                       "new_users": [{"id": voter, "username": owner}]}
        elif kind in ("rank", "nominate", "qualify"):
            comment = None
        w.beatmapset_events.append({"id": 3_300_000 + n, "type": kind, "comment": comment, "created_at": created,
                                    "user_id": rng.choice(users), "beatmapset_id": sid, "discussion_id": did})
    w.next_id["discussion"] = did
