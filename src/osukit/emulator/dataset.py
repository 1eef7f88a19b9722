"""The emulator's world: a deterministic dataset generated from a seed.

Everything is plain Python data (dicts and small records) in the shape the
renderers in [`osukit.emulator.render`][osukit.emulator.render] turn into osu-web's JSON. The same
seed always gives the same users, beatmaps, scores, chat, forums and the rest.
"""

from __future__ import annotations

import copy
import datetime as dt
import hashlib
import random
from dataclasses import dataclass, field
from typing import Any

from ..enums import Ruleset
from .osufile import MapShape

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


_BUILT: dict[int, World] = {}


def build(seed: int = 0) -> World:
    """Generate the world for ``seed`` (a fresh, independent copy on every call).

    Generating costs a few tenths of a second (the star ratings and pp come from rosu-pp); a process
    that builds the same seed again (many emulators in one test session, ``/_emulator/reset``) gets a
    deep copy of the first one, which is faster.
    """
    template = _BUILT.get(seed)
    if template is None:
        template = _BUILT[seed] = _generate(seed)
    return copy.deepcopy(template)


def _generate(seed: int) -> World:
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
    calc = _Calc()
    _beatmaps(w, rng, calc)
    _scores(w, rng, calc)
    _standings(w, rng)
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
            "stats": {}, "rank_histories": {}, "monthly_playcounts": [],  # filled in by _standings
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


_SET_COUNT = 84
TOP_100_PLAYERS = 10  # the first osu! players (in user order) each have 100 best scores
_VERSIONS = ["Easy", "Normal", "Hard", "Insane", "Expert"]
PP_STATUSES = ("ranked", "approved")
# (mods, weight) per ruleset: what players of each ruleset mostly play
_MOD_WEIGHTS: dict[str, list[tuple[tuple[str, ...], int]]] = {
    "osu": [((), 40), (("HD",), 25), (("HR",), 8), (("DT",), 10), (("HD", "DT"), 8), (("HD", "HR"), 6), (("NF",), 1),
            (("FL",), 1)],
    "taiko": [((), 60), (("HD",), 25), (("HR",), 10), (("DT",), 5)],
    "fruits": [((), 60), (("HD",), 25), (("HR",), 10), (("DT",), 5)],
    "mania": [((), 70), (("HD",), 20), (("NF",), 10)],
}


class _Calc:
    """Star ratings and pp from rosu-pp over the emulator's own ``.osu`` files (the ``pp`` extra).

    The inputs are mapped exactly as [`osukit.game.performance`][osukit.game.pp.performance] maps a score the API sends, so a
    client recomputing a score's pp from ``/osu/{id}`` gets the API's value. Without rosu-pp (Python
    3.10, or no ``pp`` extra) both are estimates and only counts and combos are exact.
    """

    def __init__(self) -> None:
        try:
            import rosu_pp_py
        except ImportError:
            self.rosu: Any = None
        else:
            self.rosu = rosu_pp_py
        self.maps: dict[int, Any] = {}
        self.attrs: dict[tuple[int, tuple[str, ...], bool], Any] = {}
        self.mods: dict[tuple[tuple[str, ...], Ruleset], Any] = {}
        self.popular: dict[int, list[tuple[str, ...]]] = {}

    def stars(self, b: dict[str, Any], text: str, shape: MapShape) -> float:
        if self.rosu is None:
            if b["mode"] == "mania":
                return round(0.4 + 0.12 * shape.density, 5)
            return round(0.8 + 0.011 * shape.spacing + 0.12 * shape.density, 5)
        bmap = self.maps[b["id"]] = self.rosu.Beatmap(content=text)
        attrs = self.attrs[(b["id"], (), True)] = self.rosu.Difficulty(mods=[], lazer=True).calculate(bmap)
        return round(float(attrs.stars), 5)

    def pp(self, b: dict[str, Any], score: dict[str, Any]) -> float:
        if self.rosu is None:
            factor = 1.12 if "DT" in score["mods"] else 1.06 if "HR" in score["mods"] else 1.0
            value: float = (b["difficulty_rating"] * factor) ** 2.4 * score["accuracy"] ** 6 * 9
            return round(value, 3)
        from ..game.pp import _coerce_mods, _hit_kwargs, _ScoreInput

        ruleset = Ruleset(b["mode"])
        mods_key = (tuple(score["mods"]), ruleset)
        mods = self.mods.get(mods_key)
        if mods is None:
            mods = self.mods[mods_key] = _coerce_mods([{"acronym": m} for m in score["mods"]], ruleset, strict=False)
        # as osukit.game.performance reads the API's score: a build id (lazer) unless imported from stable
        lazer = score["legacy_score_id"] is None
        key = (b["id"], mods_key[0], lazer)
        attrs = self.attrs.get(key)
        if attrs is None:
            attrs = self.attrs[key] = self.rosu.Difficulty(mods=mods.api, lazer=lazer).calculate(self.maps[b["id"]])
        inp = _ScoreInput(ruleset=ruleset, lazer_stats={k: v for k, v in score["statistics"].items() if v})
        kwargs: dict[str, Any] = {"mods": mods.api, "lazer": lazer, "combo": score["max_combo"]}
        kwargs.update({k: v for k, v in _hit_kwargs(inp, ruleset).items() if v is not None})
        if not lazer and ruleset is Ruleset.OSU and score["legacy_total_score"]:
            kwargs["legacy_total_score"] = score["legacy_total_score"]
        return round(float(self.rosu.Performance(**kwargs).calculate(attrs).pp), 3)


def api_score_fields(s: dict[str, Any]) -> dict[str, Any]:
    """The fields of a score record that its pp depends on, as the API (lazer shape) sends them."""
    return {
        "ruleset_id": s["ruleset_id"], "mods": [{"acronym": m} for m in s["mods"]],
        "statistics": {k: v for k, v in s["statistics"].items() if v},
        "maximum_statistics": dict(s["maximum_statistics"]), "max_combo": s["max_combo"], "passed": s["passed"],
        "build_id": None if s["legacy_score_id"] else 7000, "legacy_score_id": s["legacy_score_id"],
        "legacy_total_score": s["legacy_total_score"] if s["legacy_score_id"] else 0, "type": "solo_score",
    }


def _beatmaps(w: World, rng: random.Random, calc: _Calc) -> None:
    from .osufile import hit_objects, record_text

    users = [u for u in w.users if u != w.bot_user_id]
    bid = 1_000_000
    for s in range(_SET_COUNT):
        sid = 300_000 + s * 1013
        status = STATUSES[s % len(STATUSES)] if s % 2 else "ranked"
        creator = users[s % len(users)]
        artist, title = f"{rng.choice(WORDS)} {rng.choice(WORDS)}", f"{rng.choice(WORDS)} {rng.choice(WORDS)}"
        submitted = BASE_TIME - dt.timedelta(days=400 + s * 11)
        ranked = submitted + dt.timedelta(days=30) if status in ("ranked", "approved", "loved", "qualified") else None
        bpm = rng.choice([120, 150, 175, 180, 200, 222])
        bset: dict[str, Any] = {
            "id": sid, "artist": artist, "title": title, "creator_id": creator, "status": status, "bpm": bpm,
            "submitted_date": submitted, "ranked_date": ranked, "last_updated": submitted + dt.timedelta(days=5),
            "favourite_count": rng.randint(0, 5000), "play_count": 0, "genre_id": rng.randint(1, 14),
            "language_id": rng.randint(1, 14), "tags": "osukit emulator " + title.lower(), "nsfw": s % 17 == 0,
            "video": s % 5 == 0, "storyboard": s % 7 == 0, "rating": round(rng.uniform(5, 10), 5),
            "offset": 0, "track_id": None, "source": "", "beatmap_ids": [], "ratings": [rng.randint(0, 50) for _ in range(11)],
        }
        w.beatmapsets[sid] = bset
        rulesets = [RULESETS[(s + k) % 4] for k in range(1 + s % 4)] if s % 3 else ["osu"] * (3 + s % 4)
        if status not in PP_STATUSES:  # maps without pp: fewer of them (each costs a difficulty calculation)
            rulesets = rulesets[:2]
        for k, ruleset in enumerate(rulesets):
            bid += rng.randint(1, 40)
            level = min(k, 4)
            beatmap: dict[str, Any] = {
                "id": bid, "beatmapset_id": sid, "mode": ruleset,
                "version": _VERSIONS[k] if k < len(_VERSIONS) else f"Extra {k - len(_VERSIONS) + 1}",
                "user_id": creator, "status": status, "bpm": bpm, "cs": 4 if ruleset != "mania" else rng.choice([4, 7]),
                "ar": 5 + level, "accuracy": 5 + level, "drain": 4 + level, "playcount": 0, "passcount": 0,
                "last_updated": bset["last_updated"], "convert": False,
            }
            objects, shape = hit_objects(beatmap)
            beatmap.update({"count_circles": shape.count_circles, "count_sliders": shape.count_sliders,
                            "count_spinners": shape.count_spinners, "max_combo": shape.max_combo,
                            "large_ticks": shape.large_ticks, "total_length": shape.total_length,
                            "hit_length": shape.hit_length})
            text = record_text(beatmap, bset, w.users[creator]["username"], objects)
            beatmap["checksum"] = hashlib.md5(text.encode()).hexdigest()
            beatmap["difficulty_rating"] = calc.stars(beatmap, text, shape)
            w.beatmaps[bid] = beatmap
            bset["beatmap_ids"].append(bid)
    w.tags = [{"id": i, "name": n, "ruleset_id": r, "description": f"Maps with {n}"} for i, (n, r) in
              enumerate([("streams", 0), ("jumps", 0), ("tech", None), ("farm", 0), ("ln", 3), ("jack", 3)], 1)]


_BASE_WEIGHTS: dict[str, dict[str, int]] = {}


def _lazer_accuracy(stats: dict[str, int], maximum: dict[str, int], ruleset: str) -> float:
    """[`osukit.game.accuracy.lazer_accuracy`][osukit.game.accuracy.lazer_accuracy] for the judgements the generator makes (a fast path;
    the tests check it against the real one for every score)."""
    weights = _BASE_WEIGHTS.get(ruleset)
    if weights is None:
        from ..game.statistics import HitResult, base_score

        rs = Ruleset(ruleset)
        names = ("great", "ok", "meh", "miss", "perfect", "good", "slider_tail_hit", "large_tick_hit", "ignore_hit",
                 "ignore_miss", "combo_break")
        weights = _BASE_WEIGHTS[ruleset] = {k: base_score(k, rs) if HitResult(k).affects_accuracy else 0 for k in names}
    top = sum(n * weights[k] for k, n in maximum.items())
    return 1.0 if top == 0 else sum(n * weights[k] for k, n in stats.items()) / top


def _lazer_grade(acc: float, stats: dict[str, int], ruleset: str, mods: list[str], passed: bool) -> str:
    """[`osukit.game.accuracy.lazer_grade`][osukit.game.accuracy.lazer_grade] for generated scores (checked against it by the tests)."""
    if not passed:
        return "F"
    cut = (0.98, 0.94, 0.9, 0.85) if ruleset == "fruits" else (0.95, 0.9, 0.8, 0.7)
    rank = "X" if acc == 1.0 else "S" if acc >= cut[0] else "A" if acc >= cut[1] else "B" if acc >= cut[2] else (
        "C" if acc >= cut[3] else "D")
    if ruleset in ("osu", "taiko") and rank in ("S", "X") and stats.get("miss", 0) > 0:
        rank = "A"
    if ruleset == "mania" and rank == "S" and not any(stats.get(k, 0) for k in ("good", "ok", "meh", "miss")):
        rank = "X"
    if rank in ("S", "X") and ("HD" in mods or "FL" in mods):
        rank += "H"
    return rank


def _score_stats(rng: random.Random, b: dict[str, Any], quality: float) -> tuple[dict[str, int], dict[str, int], int]:
    """Judgements that fit beatmap ``b`` exactly (every object judged once), its maximum, and a max combo."""
    ruleset = b["mode"]
    objects = b["count_circles"] + b["count_sliders"] + b["count_spinners"] if ruleset == "osu" else b["count_circles"]
    misses = 0 if rng.random() < quality else rng.randint(1, max(1, int(objects * (1 - quality) * 0.1)) + 1)
    oks = min(objects - misses, int(objects * (1 - quality) * rng.uniform(0.3, 1.0)))
    mehs = min(objects - misses - oks, rng.randint(0, 2) if quality < 0.97 and ruleset in ("osu", "mania") else 0)
    greats = objects - misses - oks - mehs
    full = b["max_combo"]
    if ruleset == "osu":
        tails = b["count_sliders"] - min(b["count_sliders"], rng.randint(0, misses))
        ticks = b["large_ticks"] - min(b["large_ticks"], rng.randint(0, misses))
        stats = {"great": greats, "ok": oks, "meh": mehs, "miss": misses, "slider_tail_hit": tails, "large_tick_hit": ticks}
        maximum = {"great": objects, "slider_tail_hit": b["count_sliders"], "large_tick_hit": b["large_ticks"]}
        perfect = misses == 0 and tails == b["count_sliders"] and ticks == b["large_ticks"]
    elif ruleset == "taiko":
        stats, maximum, perfect = {"great": greats + mehs, "ok": oks, "miss": misses}, {"great": objects}, misses == 0
    elif ruleset == "fruits":
        stats, maximum, perfect = {"great": objects - misses, "miss": misses}, {"great": objects}, misses == 0
    else:
        perfects = int(greats * (0.6 + 0.35 * quality))
        bodies = objects // 10  # judged like hold-note bodies: no accuracy, no pp (as in imported stable scores)
        stats = {"perfect": perfects, "great": greats - perfects, "good": oks // 2, "ok": oks - oks // 2, "meh": mehs,
                 "miss": misses, "ignore_hit": bodies - min(bodies, misses), "ignore_miss": min(bodies, misses),
                 "combo_break": misses}
        maximum, perfect = {"perfect": objects, "ignore_hit": bodies}, misses == 0
    combo = full if perfect else rng.randint(max(1, full // 5), max(1, full - 1 - misses))
    return stats, {k: v for k, v in maximum.items() if v}, combo


def _add_score(w: World, rng: random.Random, calc: _Calc, uid: int, b: dict[str, Any], quality: float, *,
               best: bool, passed: bool = True, recent: bool = False) -> dict[str, Any]:
    sid = w.next_id["score"] = w.next_id.get("score", 4_000_000_000) + rng.randint(1, 999)
    stats, maximum, combo = _score_stats(rng, b, quality)
    stable = rng.random() < 0.3  # imported from osu!stable (legacy_score_id set, no build id)
    if stable:  # no mods: few mod combinations keep the difficulty calculations (one per map and mods) few
        chosen = []
    else:  # each map has its popular mods (one difficulty calculation each), as real leaderboards do
        popular = calc.popular.get(b["id"])
        if popular is None:
            mods, weights = zip(*_MOD_WEIGHTS[b["mode"]][1:], strict=True)
            popular = calc.popular[b["id"]] = [(), *rng.choices(mods, weights, k=2)]
        chosen = list(popular[0] if rng.random() < 0.45 else popular[1] if rng.random() < 0.6 else popular[2])
    ruleset_id = Ruleset(b["mode"]).id
    acc = _lazer_accuracy(stats, maximum, b["mode"])
    total = int(1_000_000 * (0.5 * combo / max(1, b["max_combo"]) + 0.5 * acc ** 5))
    hours = rng.randint(0, 20) if recent else rng.randint(24, 24 * 300)
    s: dict[str, Any] = {
        "id": sid, "user_id": uid, "beatmap_id": b["id"], "ruleset": b["mode"], "ruleset_id": ruleset_id,
        "mods": chosen, "statistics": stats, "maximum_statistics": maximum, "accuracy": acc, "rank": _lazer_grade(acc, stats, b["mode"], chosen, passed),
        "total_score": total, "legacy_total_score": total * 2 // 3, "max_combo": combo, "passed": passed, "pp": None,
        "ended_at": BASE_TIME - dt.timedelta(hours=hours, minutes=rng.randint(0, 59)),
        "legacy_score_id": sid - 3_000_000_000 if stable else None, "has_replay": rng.random() < 0.35,
        "pinned": False, "best": best and passed, "is_perfect_combo": combo == b["max_combo"],
    }
    if passed and b["status"] in PP_STATUSES:
        s["pp"] = calc.pp(b, s)
    w.scores[sid] = s
    return s


def _scores(w: World, rng: random.Random, calc: _Calc) -> None:
    """Each player's best scores (one per ranked beatmap), earlier tries, fails and plays of loved maps.

    The first player in each ruleset's order plays best; the top players of osu! have a full top 100.
    """
    users = [u for u in w.users if u != w.bot_user_id]
    first_map = next(iter(w.beatmaps.values()))
    for ruleset in RULESETS:
        maps = [b for b in w.beatmaps.values() if b["mode"] == ruleset and b["status"] in PP_STATUSES]
        if ruleset == "osu":
            order = users
        else:
            players = [u for u in users if w.users[u]["playmode"] == ruleset or rng.random() < 0.6]
            order = rng.sample(players, len(players))
        for position, uid in enumerate(order):
            if ruleset == "osu":
                n = min(len(maps), 100 if position < TOP_100_PLAYERS else max(2, 30 - (position - TOP_100_PLAYERS) // 2))
            else:
                n = min(len(maps), max(1, 10 - position // 5))
            quality = max(0.6, 0.995 - position * 0.004)
            chosen = rng.sample(maps, n)
            if first_map in maps and first_map not in chosen:
                chosen[-1] = first_map  # every player has a score on the first map: a long leaderboard
            bests = []
            for k, b in enumerate(chosen):
                q = min(1.0, max(0.5, quality + rng.uniform(-0.04, 0.04)))
                bests.append(_add_score(w, rng, calc, uid, b, q, best=True, recent=k == 0 and position < 40))
            for b_score in rng.sample(bests, min(len(bests), rng.randint(0, 3))):
                b = w.beatmaps[b_score["beatmap_id"]]
                other = _add_score(w, rng, calc, uid, b, max(0.5, quality - 0.1), best=False)
                if (other["pp"] or 0) > (b_score["pp"] or 0):  # the better one is the best
                    other["best"], b_score["best"] = True, False
            for _ in range(rng.randint(0, 2)):
                _add_score(w, rng, calc, uid, rng.choice(maps), quality, best=False, passed=False,
                           recent=rng.random() < 0.3)
    for b in w.beatmaps.values():
        if b["status"] in PP_STATUSES:
            continue
        for uid in rng.sample(users, rng.randint(0, 12) if b["status"] in ("loved", "qualified") else rng.randint(0, 2)):
            _add_score(w, rng, calc, uid, b, 0.6 + rng.random() * 0.4, best=False, passed=rng.random() > 0.05)
    for s in w.scores.values():  # a few pinned scores, among the best
        s["pinned"] = s["best"] and rng.random() < 0.03
    next(iter(w.scores.values()))["has_replay"] = True  # the example score (dataset params) has a replay
    counts: dict[int, list[int]] = {}
    for s in w.scores.values():
        c = counts.setdefault(s["beatmap_id"], [0, 0])
        c[0] += 1
        c[1] += 1 if s["passed"] else 0
    for b in w.beatmaps.values():
        plays, passes = counts.get(b["id"], [0, 0])
        b["passcount"] = passes * rng.randint(20, 200)
        b["playcount"] = b["passcount"] + (plays - passes + 1) * rng.randint(20, 400)
        w.beatmapsets[b["beatmapset_id"]]["play_count"] += b["playcount"]


def weighted_pp(pps: list[float]) -> float:
    """osu!'s total: the best scores' pp, sorted, weighted 0.95^i (i from 0)."""
    return round(sum(pp * 0.95 ** i for i, pp in enumerate(sorted(pps, reverse=True))), 4)


def _standings(w: World, rng: random.Random) -> None:
    """Every user's statistics per ruleset, derived from their scores (pp, rank, history, play counts)."""
    by_user: dict[tuple[int, str], list[dict[str, Any]]] = {}
    for s in w.scores.values():
        by_user.setdefault((s["user_id"], s["ruleset"]), []).append(s)
    grades = {"X": "ss", "XH": "ssh", "S": "s", "SH": "sh", "A": "a"}
    for ruleset in RULESETS:
        rows: dict[int, dict[str, Any]] = {}
        for uid in w.users:
            scores = by_user.get((uid, ruleset), [])
            best = sorted((s for s in scores if s["best"] and s["pp"] is not None), key=lambda s: -s["pp"])
            weights = [0.95 ** i for i in range(len(best))]
            acc = sum(s["accuracy"] * wt for s, wt in zip(best, weights, strict=True)) / sum(weights) if best else 0.0
            plays = len(scores) * rng.randint(3, 25)
            avg_objects = sum(s["maximum_statistics"].get("great", 0) + s["maximum_statistics"].get("perfect", 0)
                              for s in scores) // max(1, len(scores))
            hits = int(plays * avg_objects * 0.9)
            ranked_score = sum(s["total_score"] for s in best)
            total_score = ranked_score + plays * rng.randint(100_000, 400_000) if plays else 0
            grade_counts = {"ss": 0, "ssh": 0, "s": 0, "sh": 0, "a": 0}
            for s in best:
                if s["rank"] in grades:
                    grade_counts[grades[s["rank"]]] += 1
            rows[uid] = {
                "count_100": hits // 12, "count_300": hits - hits // 12 - hits // 60, "count_50": hits // 60,
                "count_miss": hits // 80,
                "level": {"current": min(120, 1 + int((total_score / 1_000_000) ** 0.5)), "progress": rng.randint(0, 99)},
                "global_rank": None, "global_rank_percent": None, "global_rank_exp": None,
                "pp": weighted_pp([s["pp"] for s in best]), "pp_exp": 0, "ranked_score": ranked_score,
                "hit_accuracy": round(acc * 100, 5), "accuracy": round(acc, 7), "play_count": plays,
                "play_time": plays * 100, "total_score": total_score, "total_hits": hits,
                "maximum_combo": max((s["max_combo"] for s in scores), default=0),
                "replays_watched_by_others": rng.randint(0, 50 * len(best)), "is_ranked": bool(best),
                "grade_counts": grade_counts, "country_rank": None, "rank": {"country": None},
                "rank_change_since_30_days": None,
            }
        ranked = sorted((u for u in rows if rows[u]["is_ranked"]), key=lambda u: (-rows[u]["pp"], u))
        country_seen: dict[str, int] = {}
        for position, uid in enumerate(ranked, 1):
            row = rows[uid]
            code = w.users[uid]["country_code"]
            country_seen[code] = country_seen.get(code, 0) + 1
            row.update({"global_rank": position, "global_rank_percent": round(position / len(ranked), 6),
                        "country_rank": country_seen[code], "rank": {"country": country_seen[code]}})
            history = [position]
            for _ in range(89):  # back in time, one day at a time; the last entry is today's rank
                history.append(max(1, history[-1] + int(rng.random() * 6) - 2 + (rng.random() < 0.3)))
            history.reverse()
            row["rank_change_since_30_days"] = history[-31] - position
            w.users[uid]["rank_histories"][ruleset] = history
        for uid, row in rows.items():
            w.users[uid]["stats"][ruleset] = row
            w.users[uid]["rank_histories"].setdefault(ruleset, None)
    for u in w.users.values():  # the monthly play counts add up to the play counts of every ruleset
        total = sum(u["stats"][r]["play_count"] for r in RULESETS)
        cuts = sorted(int(rng.random() * (total + 1)) for _ in range(17))
        parts = [b - a for a, b in zip([0, *cuts], [*cuts, total], strict=True)]
        u["monthly_playcounts"] = [{"start_date": start, "count": c} for start, c in zip(_MONTHS, parts, strict=True)]
        # replays of their scores watched by others, month by month over the same months: they add up to
        # statistics.replays_watched_by_others of every ruleset (split like the play counts, no rng draw)
        watched = sum(u["stats"][r]["replays_watched_by_others"] for r in RULESETS)
        shares = [watched * c // max(1, total) for c in parts]
        shares[-1] += watched - sum(shares)
        u["replays_watched_counts"] = [{"start_date": start, "count": c} for start, c in zip(_MONTHS, shares, strict=True)]


def _months(end: dt.datetime, n: int) -> list[str]:
    """The ``start_date`` of the ``n`` months up to ``end``'s month, oldest first."""
    index = end.year * 12 + end.month - 1
    return [f"{(index - k) // 12}-{(index - k) % 12 + 1:02d}-01" for k in range(n - 1, -1, -1)]


_MONTHS = _months(BASE_TIME, 18)
"""The months of every user's activity series: 18 of them, up to the emulator's "now" (``BASE_TIME``)."""


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
