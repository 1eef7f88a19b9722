"""The emulator's live world: a virtual clock that makes new scores and changes users as it moves.

By default nothing moves on its own: tests (or ``POST /_emulator/live/advance``) push the
virtual clock forward, and the world changes as osu! would have meanwhile. A served
emulator can instead follow real time (``osukit emulator serve --live-scores 20``, or
``{"real_time": true}`` in ``POST /_emulator/live/config``): before each request the
virtual clock catches up with the real seconds gone by (times ``speed``), so
``osukit scores follow`` against it just works. The pytest fixture and ``Emulator()``
keep the still clock: tests move it themselves.

* new passing scores arrive at ``score_rate`` per virtual second (ids increasing,
  ``ended_at`` on the virtual clock), so ``GET /api/v2/scores`` has a feed to follow;
* at each virtual midnight every user plays a little: play count and time, grade
  counts and the month's play count grow, some users set new top plays, and the rank
  history moves on by a day.

Users' stories add up as in the generated world (``dataset._standings``): a score is a
user's best on its beatmap only if it beats their previous best there; ``statistics.pp``
is always ``Σ pp_i·0.95^i`` over the (at most 100) best scores, sorted (osu!'s weighting;
the emulator gives no bonus pp, so the tolerance is the 4-decimal rounding);
``hit_accuracy`` is their weighted accuracy; global and country ranks are positions in
pp order; each play counts in ``play_count`` and in that month's ``monthly_playcounts``.

``GET /api/v2/scores`` answers like osu-web's ``ScoresController::index``
(``app/Http/Controllers/ScoresController.php``): no cursor (or one it cannot read)
gives the newest 1,000 scores, oldest first; a cursor gives the next 1,000 after
it; an empty answer hands the same cursor back; and a cursor whose id is more than
``index_max_id_distance`` (osu-web's ``SCORE_INDEX_MAX_ID_DISTANCE``, default
10,000,000) behind the newest score is refused with ``422 {"error": "cursor is too
old"}`` (osu-web's ``abort(422, 'cursor is too old')``). ``POST /_emulator/live/expire``
makes every cursor issued so far too old, the newest included: a cursor carries only
a score id, so the newest one (``id == expired_up_to``) is refused until the emulator
hands that id out again in a later answer (then it is a fresh cursor).

Controls (JSON bodies):

* ``GET /_emulator/live`` - the virtual time, score rate, newest score id.
* ``POST /_emulator/live/config`` - ``{"score_rate": per_second, "max_id_distance": n,
  "user_drift": bool, "real_time": bool, "speed": virtual_seconds_per_real_second}``.
* ``POST /_emulator/live/advance`` - ``{"seconds": s}``: move the clock, making scores
  and daily user changes; answers how many scores were made.
* ``POST /_emulator/live/expire`` - refuse every cursor issued so far, the newest included.
"""

from __future__ import annotations

import datetime as dt
import random
import time
from typing import Any

from starlette.requests import Request
from starlette.responses import Response

from ..game.accuracy import accuracy as _accuracy
from ..game.accuracy import grade as _grade
from . import render as R
from .dataset import BASE_TIME, RULESETS, World, _score_stats, iso, weighted_pp

__all__ = ["Live", "live_of", "tick"]

DEFAULT_MAX_ID_DISTANCE = 10_000_000
"""osu-web ``config/osu.php`` ``scores.index_max_id_distance`` (env ``SCORE_INDEX_MAX_ID_DISTANCE``)."""
PAGE = 1000
"""``ScoresController::index`` returns at most 1,000 scores."""
_DAY = 86400.0


class Live:
    """The moving parts of one emulator world (see the module docstring)."""

    def __init__(self, world: World) -> None:
        self.world = world
        self.now = BASE_TIME
        self.score_rate = 0.0
        self.max_id_distance = DEFAULT_MAX_ID_DISTANCE
        self.expired_up_to = 0
        self._reissued = True  # has a cursor with id == expired_up_to been handed out since the expiry?
        self.user_drift = True
        self.real_time = False
        self.speed = 1.0
        self._anchor = 0.0  # time.monotonic() of the last catch-up (real-time mode)
        self.made = 0
        self._carry = 0.0
        self._rng = random.Random(world.seed * 7919 + 17)
        self._ranked = [b for b in world.beatmaps.values() if b["status"] in ("ranked", "approved")]
        self._users = [u for u in world.users if u != world.bot_user_id]  # the bot does not play
        self.max_id = max(world.scores) if world.scores else 4_000_000_000
        self._passed: list[int] | None = None
        self._seen = -1
        # (user, ruleset) -> {beatmap: best score id}; users whose pp and rank must be recomputed
        self._best: dict[tuple[int, str], dict[int, int]] = {}
        for sid, sc in world.scores.items():
            if sc["best"] and sc["pp"] is not None:
                self._best.setdefault((sc["user_id"], sc["ruleset"]), {})[sc["beatmap_id"]] = sid
        self._dirty: set[str] = set()

    # --- the clock ------------------------------------------------------------------------

    def follow_real_time(self, on: bool = True, *, speed: float | None = None) -> None:
        """Let the virtual clock follow real time (``speed`` virtual seconds per real second), or stop it."""
        if speed is not None:
            self.speed = speed
        if on and not self.real_time:
            self._anchor = time.monotonic()
        self.real_time = on

    def catch_up(self) -> int:
        """In real-time mode, move the virtual clock by the real time gone by since the last call.

        One call makes at most `CATCH_UP_SCORES` scores; the rest of the time gone by is kept for the
        next call (the clock lags real time instead). Making a score takes about a millisecond, and a
        request waits for its catch-up: without the cap, a busy machine that spaced requests out made
        each catch-up longer, until one outlasted the client's read timeout.
        """
        if not self.real_time:
            return 0
        now = time.monotonic()
        real = now - self._anchor
        if real <= 0:
            return 0
        elapsed = min(real * self.speed, 400 * _DAY)
        if self.score_rate > 0 and self.speed > 0:
            cap = CATCH_UP_SCORES / self.score_rate
            if elapsed > cap:
                self._anchor = now - (real - cap / self.speed)
                return self.advance(cap)
        self._anchor = now
        return self.advance(elapsed)

    def advance(self, seconds: float) -> int:
        """Move the virtual clock ``seconds`` forward; returns how many scores were made."""
        made = 0
        remaining = max(0.0, float(seconds))
        while remaining > 0:
            midnight = (self.now - BASE_TIME).total_seconds() // _DAY * _DAY + _DAY
            step = min(remaining, midnight - (self.now - BASE_TIME).total_seconds())
            made += self._scores_during(step)
            self.now += dt.timedelta(seconds=step)
            remaining -= step
            if (self.now - BASE_TIME).total_seconds() % _DAY == 0 and self.user_drift:
                self._new_day()
        for ruleset in sorted(self._dirty):
            self._rerank(ruleset)
        self._dirty.clear()
        return made

    def _scores_during(self, seconds: float) -> int:
        want = self._carry + self.score_rate * seconds
        count = int(want)
        self._carry = want - count
        start = self.now
        for k in range(count):
            at = start + dt.timedelta(seconds=seconds * (k + 1) / (count + 1))
            uid = self._rng.choice(self._users)
            self._make_score(uid, self._rng.choice(self._ranked), at, quality=0.5 + self._rng.random() * 0.5)
        return count

    def _make_score(self, uid: int, beatmap: dict[str, Any], at: dt.datetime, *, quality: float,
                    pp: float | None = None) -> int:
        w, rng = self.world, self._rng
        # One id sequence with the rest of the emulator (the referee hub records its games' scores
        # through `World.new_id`): the two once handed out the same ids.
        sid = max(self.max_id, w.next_id.get("score", 0)) + 1
        self.max_id = w.next_id["score"] = sid
        stats, maximum, combo = _score_stats(rng, beatmap, quality)
        raw = {"statistics": stats, "maximum_statistics": maximum, "ruleset_id": _RULESET_ID[beatmap["mode"]],
               "mods": [], "passed": True}
        acc = float(_accuracy(raw))
        total = int(1_000_000 * acc * (0.7 + 0.3 * rng.random()))
        if pp is None:
            pp = round(beatmap["difficulty_rating"] ** 2.4 * acc ** 6 * 9, 3)
        w.scores[sid] = {
            "id": sid, "user_id": uid, "beatmap_id": beatmap["id"], "ruleset": beatmap["mode"],
            "ruleset_id": _RULESET_ID[beatmap["mode"]], "mods": [], "statistics": stats, "maximum_statistics": maximum,
            "accuracy": acc, "rank": str(_grade(raw)), "total_score": total, "legacy_total_score": total * 2 // 3,
            "max_combo": combo, "passed": True, "pp": pp, "ended_at": at,
            "legacy_score_id": None, "has_replay": False, "pinned": False, "best": False,
            "is_perfect_combo": stats.get("miss", 0) == 0,
        }
        self._played(uid, beatmap["mode"], at, 1)
        self._consider_best(sid)
        self.made += 1
        if self._passed is not None and self._seen == len(w.scores) - 1:
            self._passed.append(sid)
            self._seen = len(w.scores)
        return sid

    # --- users' stories ----------------------------------------------------------------------

    def _consider_best(self, sid: int) -> None:
        """A new passing score becomes the user's best on its beatmap if it beats the one before."""
        w = self.world
        sc = w.scores[sid]
        if sc["pp"] is None:
            return
        bests = self._best.setdefault((sc["user_id"], sc["ruleset"]), {})
        old = bests.get(sc["beatmap_id"])
        if old is not None and (w.scores[old]["pp"] or 0) >= sc["pp"]:
            return
        if old is not None:
            w.scores[old]["best"] = False
        sc["best"] = True
        bests[sc["beatmap_id"]] = sid
        self._restate(sc["user_id"], sc["ruleset"])

    def top(self, uid: int, ruleset: str) -> list[dict[str, Any]]:
        """The user's best scores in a ruleset, highest pp first (at most 100 count)."""
        w = self.world
        return sorted((w.scores[i] for i in self._best.get((uid, ruleset), {}).values()),
                      key=lambda x: -(x["pp"] or 0))[:100]

    def _restate(self, uid: int, ruleset: str) -> None:
        """pp, accuracy and grade counts from the best scores (as ``dataset._standings``)."""
        s = self.world.users[uid]["stats"][ruleset]
        best = self.top(uid, ruleset)
        s["pp"] = weighted_pp([x["pp"] for x in best])
        weights = [0.95 ** i for i in range(len(best))]
        if best:
            acc = sum(x["accuracy"] * wt for x, wt in zip(best, weights, strict=True)) / sum(weights)
            s["hit_accuracy"], s["accuracy"] = round(acc * 100, 5), round(acc, 7)
        grades = {"X": "ss", "XH": "ssh", "S": "s", "SH": "sh", "A": "a"}
        counts = {"ss": 0, "ssh": 0, "s": 0, "sh": 0, "a": 0}
        for x in best:
            if x["rank"] in grades:
                counts[grades[x["rank"]]] += 1
        s["grade_counts"] = counts
        s["ranked_score"] = sum(x["total_score"] for x in best)
        s["is_ranked"] = bool(best)
        self._dirty.add(ruleset)

    def _played(self, uid: int, ruleset: str, at: dt.datetime, plays: int) -> None:
        """``plays`` more plays: play count and time, hits, scores, and the month's play count."""
        u = self.world.users[uid]
        s = u["stats"][ruleset]
        s["play_count"] += plays
        s["play_time"] += plays * 100
        s["total_hits"] += plays * 400
        s["count_300"] += plays * 360
        s["count_100"] += plays * 36
        s["count_50"] += plays * 4
        s["total_score"] += plays * 400_000
        self._month(u, at)
        u["monthly_playcounts"][-1]["count"] += plays

    @staticmethod
    def _month(u: dict[str, Any], at: dt.datetime) -> None:
        """The user's monthly series reach ``at``'s month (a month without plays counts 0)."""
        month = f"{at.year}-{at.month:02d}-01"
        for key in ("monthly_playcounts", "replays_watched_counts"):
            series = u.setdefault(key, [])
            if not series or series[-1]["start_date"] < month:
                series.append({"start_date": month, "count": 0})

    def _new_day(self) -> None:
        """Every user plays a little; some set new top plays (pp and ranks follow); rank histories move on."""
        w, rng = self.world, self._rng
        at = self.now - dt.timedelta(seconds=1)  # the day that just ended
        by_mode = {r: [b for b in self._ranked if b["mode"] == r] for r in RULESETS}
        for ruleset in RULESETS:
            pool = by_mode[ruleset]
            for uid in self._users:
                s = w.users[uid]["stats"][ruleset]
                plays = rng.randint(0, 25)
                if not plays or s.get("global_rank") is None:  # unranked in this ruleset: they stay so
                    continue
                self._played(uid, ruleset, at, plays)
                if pool and rng.random() < 0.7:  # one of the day's plays enters their top plays, mostly low
                    best = self.top(uid, ruleset)
                    low = best[-1]["pp"] if len(best) >= 100 else 0.6 * (best[-1]["pp"] if best else 100.0)
                    high = max(low, (best[0]["pp"] if best else 100.0) * 1.02)
                    when = at - dt.timedelta(seconds=rng.randint(60, 80_000))
                    played = self._best.get((uid, ruleset), {})
                    fresh = [b for b in pool if b["id"] not in played] or pool  # a map they had no best on
                    self._make_score(uid, rng.choice(fresh), when, quality=0.97,
                                     pp=round(low + (high - low) * rng.random() ** 3, 3))
        for uid in rng.sample(self._users, max(1, len(self._users) // 30)):  # a few new best-ever plays
            pool = by_mode["osu"]
            if not pool or w.users[uid]["stats"]["osu"].get("global_rank") is None:
                continue
            best = self.top(uid, "osu")
            top = best[0]["pp"] if best else 100.0
            when = self.now + dt.timedelta(seconds=rng.randint(1, 3600))
            self._make_score(uid, rng.choice(pool), when, quality=0.95, pp=round(top * rng.uniform(1.0, 1.15), 3))
        for u in w.users.values():  # every series ends at the world's "now"
            self._month(u, at)
        for ruleset in RULESETS:
            self._rerank(ruleset)
            for uid in self._users:  # the rank history moves on by a day: today's rank is its last entry
                u = w.users[uid]
                history = u["rank_histories"].get(ruleset)
                rank = u["stats"][ruleset].get("global_rank")
                if history is None and rank is None:
                    continue
                data = list(history) if history else [0] * 90
                u["rank_histories"][ruleset] = [*data[1:], rank or 0]
        self._dirty.clear()

    def _rerank(self, ruleset: str) -> None:
        """Global and country ranks: positions in pp order among the users with best scores."""
        w = self.world
        ranked = sorted((u for u in self._users if self._best.get((u, ruleset))),
                        key=lambda u: (-w.users[u]["stats"][ruleset]["pp"], u))
        country: dict[str, int] = {}
        for rank, uid in enumerate(ranked, 1):
            s = w.users[uid]["stats"][ruleset]
            code = w.users[uid]["country_code"]
            country[code] = country.get(code, 0) + 1
            s["global_rank"] = rank
            s["global_rank_percent"] = round(rank / len(ranked), 6)
            s["country_rank"] = country[code]
            s["rank"] = {"country": country[code]}

    # --- GET /api/v2/scores -----------------------------------------------------------------

    def passed_ids(self) -> list[int]:
        if self._passed is None or self._seen != len(self.world.scores):
            self._passed = sorted(sid for sid, s in self.world.scores.items() if s["passed"])
            self._seen = len(self.world.scores)
        return self._passed

    def index(self, ruleset: str | None, cursor: dict[str, Any] | None) -> tuple[int, dict[str, Any]]:
        """``ScoresController::index``: (status, body)."""
        w = self.world
        ids = self.passed_ids()
        newest = ids[-1] if ids else 0
        after: int | None = None
        if cursor is not None and "id" in cursor:
            try:
                after = int(cursor["id"])
            except (TypeError, ValueError):
                after = None
        if after is not None and (newest - after > self.max_id_distance or after < self.expired_up_to
                                  or (after == self.expired_up_to and not self._reissued)):
            return 422, {"error": "cursor is too old"}
        rulesets = ("osu", "taiko", "fruits", "mania")
        if ruleset is not None and ruleset not in rulesets:
            return 422, {"error": "invalid ruleset parameter"}
        picked: list[int] = []
        if after is None:  # the newest 1,000, reversed so the newest comes last
            for sid in reversed(ids):
                if ruleset is None or w.scores[sid]["ruleset"] == ruleset:
                    picked.append(sid)
                    if len(picked) == PAGE:
                        break
            picked.reverse()
        else:
            import bisect

            for sid in ids[bisect.bisect_right(ids, after):]:
                if ruleset is None or w.scores[sid]["ruleset"] == ruleset:
                    picked.append(sid)
                    if len(picked) == PAGE:
                        break
        if picked:
            cursor_out: dict[str, Any] | None = {"id": picked[-1]}
            if picked[-1] >= self.expired_up_to:
                self._reissued = True
        else:  # "return previous cursor if no result, assuming there's no new scores yet"
            cursor_out = {"id": after} if after is not None else None
        from ..pagination import encode_cursor_string

        return 200, {"scores": [R.score(w, sid, R.LAZER_SCORES, "current_user_attributes") for sid in picked],
                     "cursor_string": encode_cursor_string(cursor_out) if cursor_out else None}

    def describe(self) -> dict[str, Any]:
        return {"now": iso(self.now), "score_rate": self.score_rate, "max_id_distance": self.max_id_distance,
                "newest_score_id": self.max_id, "expired_up_to": self.expired_up_to, "made": self.made,
                "user_drift": self.user_drift, "real_time": self.real_time, "speed": self.speed}


_RULESET_ID = {"osu": 0, "taiko": 1, "fruits": 2, "mania": 3}


def live_of(state: Any) -> Live:
    """The `Live` of an emulator ``State`` (made on first use, remade after a reset)."""
    live: Live | None = getattr(state, "_live", None)
    if live is None or live.world is not state.world:
        old = live
        live = Live(state.world)
        if old is not None and old.real_time:  # a reset keeps a served world moving as it was told to
            live.score_rate = old.score_rate
            live.follow_real_time(speed=old.speed)
        setattr(state, "_live", live)  # noqa: B010 - State does not declare it: the live world is optional
    live.catch_up()
    return live


CATCH_UP_SCORES = 2000
"""Most scores one real-time catch-up (one request) makes (see `Live.catch_up`)."""


def tick(state: Any) -> None:
    """Before a request: a live world that follows real time catches up (nothing otherwise)."""
    live: Live | None = getattr(state, "_live", None)
    if live is not None and live.real_time:
        live_of(state)


def serve_live(state: Any, score_rate: float, *, speed: float = 1.0) -> Live:
    """Make a served emulator's world live: ``score_rate`` new scores per virtual second, the
    virtual clock following real time at ``speed`` (``osukit emulator serve --live-scores``)."""
    live = live_of(state)
    live.score_rate = score_rate
    live.follow_real_time(speed=speed)
    return live


async def control(state: Any, request: Request, what: str) -> Response:
    """``/_emulator/live…`` (see the module docstring)."""
    from .app import _control_body, _json, error

    live = live_of(state)
    if what == "live" and request.method == "GET":
        return _json(200, live.describe())
    if request.method != "POST":
        raise error(405, "Method Not Allowed")
    body = await _control_body(request)
    if what == "live/config":
        if "score_rate" in body:
            live.score_rate = _number(body["score_rate"], "score_rate", high=10_000.0)
        if "max_id_distance" in body:
            live.max_id_distance = int(_number(body["max_id_distance"], "max_id_distance", high=1e12))
        if "user_drift" in body:
            if not isinstance(body["user_drift"], bool):
                raise error(422, "user_drift must be true or false")
            live.user_drift = body["user_drift"]
        if "speed" in body:
            live.speed = _number(body["speed"], "speed", high=86400.0)
        if "real_time" in body:
            if not isinstance(body["real_time"], bool):
                raise error(422, "real_time must be true or false")
            live.follow_real_time(body["real_time"])
        return _json(200, live.describe())
    if what == "live/advance":
        seconds = _number(body.get("seconds", 0), "seconds", high=400 * _DAY)
        made = live.advance(seconds)
        return _json(200, {**live.describe(), "made_now": made})
    if what == "live/expire":
        ids = live.passed_ids()  # cursors carry passed scores' ids only
        live.expired_up_to = ids[-1] if ids else live.max_id
        live._reissued = False
        return _json(200, live.describe())
    raise error(404, "Not Found")


def _number(value: Any, name: str, *, high: float) -> float:
    from .._exceptions import InvalidParameterError
    from .app import check_number, error

    try:
        return float(check_number(name, value, f"a number in [0, {high:g}]", high=high))
    except InvalidParameterError as exc:
        raise error(422, str(exc)) from None
