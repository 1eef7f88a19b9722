"""Snapshots and history of users in SQLite (osu!track-style): ``osukit.track``.

The API only tells "now"; a `Tracker` stores what it says over time:

```python
from osukit.track import Tracker

with osukit.Client(...) as osu:
    track = Tracker(osu, "track.db")
    track.snapshot([2, 124493])                 # statistics + top plays, per user and ruleset
    ...                                          # later (e.g. osukit track run --every 1h)
    change = track.diff(2, since=datetime.timedelta(days=7))
    print(change.pp_delta, change.rank_delta, [p.score_id for p in change.new_top_plays])
    track.plot(2).savefig("peppy.png")          # needs osukit[plot]
```

A snapshot holds, per user and ruleset: pp, global and country rank, accuracy,
play count and time, ranked and total score, grade counts (SS, SS+, S, S+, A) and
the top plays (``best`` scores: id, beatmap, pp, accuracy, grade, position).
Users come from ``GET /users`` (``users.get_many``: 50 a request, with
``statistics_rulesets``), top plays from ``GET /users/{user}/scores/best``; every
request goes through the client's rate limiter. Times are the client clock's.

The schema is versioned (``PRAGMA user_version``) and migrated forward in order
(`MIGRATIONS`) when a database is opened; a database from a newer osukit
is refused rather than damaged.
"""

from __future__ import annotations

import datetime as _dt
import os
import sqlite3
import threading
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from ._exceptions import ConfigurationError, InvalidParameterError, TokenStoreError
from ._models import UNSET
from .enums import Ruleset

if TYPE_CHECKING:
    from matplotlib.figure import Figure

    from ._sync.client import Client

__all__ = ["MIGRATIONS", "SCHEMA_VERSION", "Diff", "Snapshot", "TopPlay", "Tracker"]

MIGRATIONS: list[tuple[int, list[str]]] = [
    (1, [
        "CREATE TABLE tracked (user_id INTEGER NOT NULL, ruleset TEXT NOT NULL, added_at REAL NOT NULL, "
        "PRIMARY KEY (user_id, ruleset))",
        "CREATE TABLE snapshots (id INTEGER PRIMARY KEY AUTOINCREMENT, user_id INTEGER NOT NULL, "
        "ruleset TEXT NOT NULL, taken_at REAL NOT NULL, username TEXT, pp REAL, global_rank INTEGER, "
        "country_rank INTEGER, accuracy REAL, play_count INTEGER, play_time INTEGER, ranked_score INTEGER, "
        "total_score INTEGER, grade_ss INTEGER, grade_ssh INTEGER, grade_s INTEGER, grade_sh INTEGER, "
        "grade_a INTEGER)",
        "CREATE INDEX snapshots_by_user ON snapshots (user_id, ruleset, taken_at)",
        "CREATE TABLE top_plays (snapshot_id INTEGER NOT NULL REFERENCES snapshots(id) ON DELETE CASCADE, "
        "position INTEGER NOT NULL, score_id INTEGER NOT NULL, beatmap_id INTEGER, pp REAL, accuracy REAL, "
        "grade TEXT, ended_at TEXT, PRIMARY KEY (snapshot_id, position))",
    ]),
    (2, [
        # The schedule of ``osukit track run --every``: kept here so a restart carries on where it was.
        "CREATE TABLE schedule (name TEXT PRIMARY KEY, every REAL NOT NULL, next_run REAL NOT NULL, "
        "last_run REAL, runs INTEGER NOT NULL DEFAULT 0)",
    ]),
]
"""Schema versions and the statements that reach each from the one before."""
SCHEMA_VERSION = MIGRATIONS[-1][0]


@dataclass(frozen=True)
class TopPlay:
    """One of a user's top plays at snapshot time (``position`` 1 is the best)."""

    position: int
    score_id: int
    beatmap_id: int | None
    pp: float | None
    accuracy: float | None
    grade: str | None
    ended_at: str | None


@dataclass(frozen=True)
class Snapshot:
    """A user's statistics in one ruleset at ``taken_at`` (a UTC datetime)."""

    id: int
    user_id: int
    ruleset: str
    taken_at: _dt.datetime
    username: str | None
    pp: float | None
    global_rank: int | None
    country_rank: int | None
    accuracy: float | None
    """Percent (0-100), as the profile shows it."""
    play_count: int | None
    play_time: int | None
    """Seconds."""
    ranked_score: int | None
    total_score: int | None
    grade_counts: dict[str, int]
    """``ss``, ``ssh``, ``s``, ``sh``, ``a``."""
    top_plays: list[TopPlay] = field(default_factory=list)


@dataclass(frozen=True)
class Diff:
    """What changed between two snapshots of one user and ruleset (``after`` minus ``before``).

    A rank delta below zero is a climb (rank 100 → 90 is ``-10``).
    """

    before: Snapshot
    after: Snapshot
    pp_delta: float | None
    rank_delta: int | None
    country_rank_delta: int | None
    accuracy_delta: float | None
    play_count_delta: int | None
    play_time_delta: int | None
    new_top_plays: list[TopPlay]
    """In ``after``'s top plays, not in ``before``'s."""
    dropped_top_plays: list[TopPlay]
    """In ``before``'s top plays, gone from ``after``'s."""


def _delta(a: Any, b: Any) -> Any:
    return None if a is None or b is None else b - a


def _value(obj: Any, *names: str) -> Any:
    for name in names:
        if obj is None or obj is UNSET:
            return None
        obj = obj.get(name) if isinstance(obj, dict) else getattr(obj, name, None)
    return None if obj is UNSET else obj


def _ts(when: _dt.datetime | float) -> float:
    if isinstance(when, _dt.datetime):
        if when.tzinfo is None:
            when = when.replace(tzinfo=_dt.timezone.utc)
        return when.timestamp()
    return float(when)


class Tracker:
    """Snapshots of users kept in one SQLite file (see the module docstring).

    Args:
        client: a sync `osukit.Client` (its rate limiter paces every request; its clock
            stamps the snapshots).
        path: the database file (created, and migrated to `SCHEMA_VERSION`, on open).
        top: how many top plays to keep per snapshot (1-200; osu-web serves up to 200 ``best``).
    """

    def __init__(self, client: Client, path: str | os.PathLike[str], *, top: int = 100) -> None:
        if not 1 <= top <= 200:
            raise InvalidParameterError("top must be between 1 and 200")
        self.client = client
        self.path = os.fspath(path)
        self.top = top
        self._lock = threading.Lock()
        try:
            self._db = sqlite3.connect(self.path, timeout=30, isolation_level=None, check_same_thread=False)
            self._db.execute("PRAGMA journal_mode=WAL")
            self._db.execute("PRAGMA foreign_keys=ON")
        except sqlite3.Error as exc:
            raise TokenStoreError(f"cannot open tracking database {os.path.basename(self.path)}: {exc}") from None
        self.migrate()

    def __repr__(self) -> str:
        return f"Tracker({self.path!r}, schema={self.schema_version})"

    def close(self) -> None:
        """Close the database (not the client)."""
        with self._lock:
            self._db.close()

    def __enter__(self) -> Tracker:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    # --- schema -------------------------------------------------------------------------------

    @property
    def schema_version(self) -> int:
        """The database's schema version (``PRAGMA user_version``)."""
        with self._lock:
            return int(self._db.execute("PRAGMA user_version").fetchone()[0])

    def migrate(self) -> int:
        """Bring the schema up to `SCHEMA_VERSION`, one version per transaction; returns it."""
        current = self.schema_version
        if current > SCHEMA_VERSION:
            raise ConfigurationError(f"{os.path.basename(self.path)} has tracking schema {current}; this osukit "
                                     f"knows up to {SCHEMA_VERSION}: upgrade osukit")
        for version, statements in MIGRATIONS:
            if version <= current:
                continue
            with self._lock:
                try:
                    self._db.execute("BEGIN IMMEDIATE")
                    for sql in statements:
                        self._db.execute(sql)
                    self._db.execute(f"PRAGMA user_version = {int(version)}")
                    self._db.execute("COMMIT")
                except sqlite3.Error as exc:
                    self._db.execute("ROLLBACK")
                    raise TokenStoreError(f"tracking database migration to {version} failed: {exc}") from None
        return SCHEMA_VERSION

    def _q(self, sql: str, args: Sequence[Any] = ()) -> list[Any]:
        try:
            with self._lock:
                return self._db.execute(sql, tuple(args)).fetchall()
        except sqlite3.Error as exc:
            raise TokenStoreError(f"tracking database {os.path.basename(self.path)}: {exc}") from None

    # --- what is tracked ------------------------------------------------------------------------

    def add(self, users: Iterable[int], rulesets: Iterable[Ruleset | str] = ("osu",)) -> None:
        """Track ``users`` (ids) in ``rulesets`` from now on (`snapshot` with no arguments takes them)."""
        now = self.client._clock.time()
        for uid in users:
            for ruleset in rulesets:
                self._q("INSERT OR IGNORE INTO tracked (user_id, ruleset, added_at) VALUES (?, ?, ?)",
                        (int(uid), Ruleset.parse(ruleset).value, now))

    def remove(self, users: Iterable[int]) -> None:
        """Stop tracking ``users`` (their history stays)."""
        for uid in users:
            self._q("DELETE FROM tracked WHERE user_id = ?", (int(uid),))

    def tracked(self) -> list[tuple[int, str]]:
        """``(user_id, ruleset)`` pairs being tracked."""
        return [(int(u), str(r)) for u, r in self._q("SELECT user_id, ruleset FROM tracked ORDER BY user_id, ruleset")]

    # --- snapshots ------------------------------------------------------------------------------

    def snapshot(self, users: Iterable[int] | None = None, rulesets: Iterable[Ruleset | str] = ("osu",)) -> list[Snapshot]:
        """Fetch and store the statistics and top plays of ``users`` (ids) in ``rulesets``
        (default: everything added with `add`). Users that do not exist are skipped.

        Routes: ``GET api/v2/users`` (50 ids a request) and ``GET api/v2/users/{user}/scores/best``
        (one per user and ruleset). Scope: ``public``.
        """
        if users is None:
            pairs = self.tracked()
        else:
            names = [Ruleset.parse(r).value for r in rulesets]
            pairs = [(int(u), r) for u in users for r in names]
        if not pairs:
            return []
        ids = list(dict.fromkeys(u for u, _ in pairs))
        profiles = dict(zip(ids, self.client.users.get_many(ids), strict=True))
        now = self.client._clock.time()
        taken: list[Snapshot] = []
        for uid, ruleset in pairs:
            user = profiles.get(uid)
            if user is None:
                continue
            stats = _value(user, "statistics_rulesets", ruleset)
            plays = self.client.users.scores(uid, "best", mode=ruleset, limit=self.top).to_list()
            taken.append(self._store(uid, ruleset, now, _value(user, "username"), stats, plays))
        return taken

    def _store(self, uid: int, ruleset: str, now: float, username: Any, stats: Any, plays: list[Any]) -> Snapshot:
        grades = {k: int(_value(stats, "grade_counts", k) or 0) for k in ("ss", "ssh", "s", "sh", "a")}
        country = _value(stats, "country_rank")
        if country is None:
            country = _value(stats, "rank", "country")
        row = (uid, ruleset, now, username, _value(stats, "pp"), _value(stats, "global_rank"), country,
               _value(stats, "hit_accuracy"), _value(stats, "play_count"), _value(stats, "play_time"),
               _value(stats, "ranked_score"), _value(stats, "total_score"),
               grades["ss"], grades["ssh"], grades["s"], grades["sh"], grades["a"])
        top = [TopPlay(n, int(p.id), _value(p, "beatmap_id"), _value(p, "pp"), _value(p, "accuracy"),
                       _value(p, "rank"), _iso(_value(p, "ended_at"))) for n, p in enumerate(plays, 1)]
        try:
            with self._lock:
                self._db.execute("BEGIN IMMEDIATE")
                cur = self._db.execute(
                    "INSERT INTO snapshots (user_id, ruleset, taken_at, username, pp, global_rank, country_rank, "
                    "accuracy, play_count, play_time, ranked_score, total_score, grade_ss, grade_ssh, grade_s, "
                    "grade_sh, grade_a) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)", row)
                sid = int(cur.lastrowid or 0)
                self._db.executemany(
                    "INSERT INTO top_plays (snapshot_id, position, score_id, beatmap_id, pp, accuracy, grade, ended_at) "
                    "VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
                    [(sid, t.position, t.score_id, t.beatmap_id, t.pp, t.accuracy, t.grade, t.ended_at) for t in top])
                self._db.execute("COMMIT")
        except sqlite3.Error as exc:
            with self._lock:
                self._db.execute("ROLLBACK")
            raise TokenStoreError(f"tracking database {os.path.basename(self.path)}: {exc}") from None
        return self._snapshot_from(( sid, *row), top)

    @staticmethod
    def _snapshot_from(r: Sequence[Any], top: list[TopPlay]) -> Snapshot:
        return Snapshot(
            id=int(r[0]), user_id=int(r[1]), ruleset=str(r[2]),
            taken_at=_dt.datetime.fromtimestamp(float(r[3]), _dt.timezone.utc), username=r[4], pp=r[5],
            global_rank=r[6], country_rank=r[7], accuracy=r[8], play_count=r[9], play_time=r[10],
            ranked_score=r[11], total_score=r[12],
            grade_counts={"ss": r[13], "ssh": r[14], "s": r[15], "sh": r[16], "a": r[17]}, top_plays=top)

    _COLUMNS = ("id, user_id, ruleset, taken_at, username, pp, global_rank, country_rank, accuracy, play_count, "
                "play_time, ranked_score, total_score, grade_ss, grade_ssh, grade_s, grade_sh, grade_a")

    def _top(self, snapshot_id: int) -> list[TopPlay]:
        return [TopPlay(*r) for r in self._q(
            "SELECT position, score_id, beatmap_id, pp, accuracy, grade, ended_at FROM top_plays "
            "WHERE snapshot_id = ? ORDER BY position", (snapshot_id,))]

    def history(self, user: int, ruleset: Ruleset | str = "osu", *, top_plays: bool = False) -> list[Snapshot]:
        """Every snapshot of ``user`` in ``ruleset``, oldest first (with top plays if ``top_plays``)."""
        rows = self._q(f"SELECT {self._COLUMNS} FROM snapshots WHERE user_id = ? AND ruleset = ? ORDER BY taken_at, id",
                       (int(user), Ruleset.parse(ruleset).value))
        return [self._snapshot_from(r, self._top(int(r[0])) if top_plays else []) for r in rows]

    def latest(self, user: int, ruleset: Ruleset | str = "osu") -> Snapshot | None:
        """The newest snapshot of ``user`` in ``ruleset``, with its top plays."""
        rows = self._q(f"SELECT {self._COLUMNS} FROM snapshots WHERE user_id = ? AND ruleset = ? "
                       "ORDER BY taken_at DESC, id DESC LIMIT 1", (int(user), Ruleset.parse(ruleset).value))
        return self._snapshot_from(rows[0], self._top(int(rows[0][0]))) if rows else None

    def diff(self, user: int, *, since: _dt.datetime | _dt.timedelta | float, ruleset: Ruleset | str = "osu") -> Diff | None:
        """What changed for ``user`` between ``since`` and the newest snapshot.

        ``since`` is a datetime, seconds since the epoch, or a timedelta back from the
        client clock's now. The "before" side is the last snapshot taken at or before
        ``since`` (or the first one after it, when none is that old). None when there
        are fewer than two snapshots to compare.
        """
        if isinstance(since, _dt.timedelta):
            cutoff = self.client._clock.time() - since.total_seconds()
        else:
            cutoff = _ts(since)
        rs = Ruleset.parse(ruleset).value
        rows = self._q(f"SELECT {self._COLUMNS} FROM snapshots WHERE user_id = ? AND ruleset = ? AND taken_at <= ? "
                       "ORDER BY taken_at DESC, id DESC LIMIT 1", (int(user), rs, cutoff))
        if not rows:
            rows = self._q(f"SELECT {self._COLUMNS} FROM snapshots WHERE user_id = ? AND ruleset = ? "
                           "ORDER BY taken_at, id LIMIT 1", (int(user), rs))
        after = self.latest(user, rs)
        if not rows or after is None or int(rows[0][0]) == after.id:
            return None
        before = self._snapshot_from(rows[0], self._top(int(rows[0][0])))
        old = {p.score_id: p for p in before.top_plays}
        new = {p.score_id: p for p in after.top_plays}
        return Diff(
            before=before, after=after,
            pp_delta=_delta(before.pp, after.pp), rank_delta=_delta(before.global_rank, after.global_rank),
            country_rank_delta=_delta(before.country_rank, after.country_rank),
            accuracy_delta=_delta(before.accuracy, after.accuracy),
            play_count_delta=_delta(before.play_count, after.play_count),
            play_time_delta=_delta(before.play_time, after.play_time),
            new_top_plays=[p for sid, p in new.items() if sid not in old],
            dropped_top_plays=[p for sid, p in old.items() if sid not in new],
        )

    # --- plots ----------------------------------------------------------------------------------

    def plot(self, user: int, ruleset: Ruleset | str = "osu") -> Figure:
        """pp and global rank over time, from the stored snapshots (needs ``osukit[plot]``)."""
        from .plot import tracked_history

        return tracked_history(self.history(user, ruleset))

    # --- schedule -------------------------------------------------------------------------------

    def due(self, every: float, *, name: str = "default") -> float:
        """Seconds until the next scheduled snapshot (0: now). Registers the schedule on first use;
        its state lives in the database, so a restarted ``run --every`` keeps the same rhythm."""
        if every <= 0:
            raise InvalidParameterError("every must be a positive number of seconds")
        now = self.client._clock.time()
        rows = self._q("SELECT next_run FROM schedule WHERE name = ?", (name,))
        if not rows:
            self._q("INSERT INTO schedule (name, every, next_run) VALUES (?, ?, ?)", (name, float(every), now))
            return 0.0
        self._q("UPDATE schedule SET every = ? WHERE name = ?", (float(every), name))
        return max(0.0, float(rows[0][0]) - now)

    def run_due(self, every: float, *, name: str = "default") -> list[Snapshot] | None:
        """Take the scheduled snapshot if it is due (then plan the next one ``every`` seconds after the
        planned time, skipping missed ones); None when not due yet."""
        if self.due(every, name=name) > 0:
            return None
        taken = self.snapshot()
        now = self.client._clock.time()
        (planned,) = self._q("SELECT next_run FROM schedule WHERE name = ?", (name,))[0]
        nxt = float(planned)
        while nxt <= now:
            nxt += every
        self._q("UPDATE schedule SET next_run = ?, last_run = ?, runs = runs + 1 WHERE name = ?", (nxt, now, name))
        return taken

    def run_forever(self, every: float, *, name: str = "default", iterations: int | None = None) -> int:
        """Take snapshots every ``every`` seconds, sleeping on the client's clock between them,
        until interrupted (or ``iterations`` snapshots); returns how many were taken."""
        done = 0
        while iterations is None or done < iterations:
            wait = self.due(every, name=name)
            if wait > 0:
                self.client._clock.sleep(wait)
                continue
            self.run_due(every, name=name)
            done += 1
        return done

    def schedule(self, name: str = "default") -> dict[str, Any] | None:
        """The stored schedule: ``every``, ``next_run``, ``last_run`` (epoch seconds), ``runs``."""
        rows = self._q("SELECT every, next_run, last_run, runs FROM schedule WHERE name = ?", (name,))
        if not rows:
            return None
        every, next_run, last_run, runs = rows[0]
        return {"every": every, "next_run": next_run, "last_run": last_run, "runs": runs}


def _iso(value: Any) -> str | None:
    if value is None:
        return None
    return value.isoformat() if hasattr(value, "isoformat") else str(value)
