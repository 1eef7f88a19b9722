"""The storage behind `osukit.track`: schema, migrations and every SQL statement, in one thread-safe
class (`TrackDB`) with no network I/O. `osukit.track.Tracker` calls it directly and
`osukit.track.AsyncTracker` in a worker thread (both generated from ``osukit/_async/track.py``)."""

from __future__ import annotations

import contextlib
import datetime as _dt
import math
import os
import sqlite3
import threading
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass, field
from typing import Any

from ._exceptions import ConfigurationError, TrackDatabaseError
from ._models import UNSET

__all__ = ["MIGRATIONS", "SCHEMA_VERSION", "Diff", "Snapshot", "Snapshots", "TopPlay", "TrackDB"]

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
    (3, [
        # When the last snapshot of a tracked pair found no such user (NULL: found, or not tried yet), so
        # ``track show`` can say so even when that run took no snapshot at all.
        "ALTER TABLE tracked ADD COLUMN missing_at REAL",
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

    def __str__(self) -> str:
        who = f"{self.username} ({self.user_id})" if self.username else f"user {self.user_id}"
        return (f"{who} {self.ruleset} at {self.taken_at:%Y-%m-%d %H:%M:%S}Z: {_num(self.pp, '.2f')}pp, "
                f"rank #{_num(self.global_rank, 'd')}, {len(self.top_plays)} top plays")

    def __repr__(self) -> str:
        return (f"Snapshot(id={self.id}, user_id={self.user_id}, ruleset={self.ruleset!r}, "
                f"taken_at={self.taken_at.isoformat()!r}, pp={self.pp!r}, global_rank={self.global_rank!r}, "
                f"top_plays=<{len(self.top_plays)}>)")


class Snapshots(list[Snapshot]):
    """What `osukit.track.Tracker.snapshot` returns: the snapshots taken (a list), and in
    ``missing`` the user ids osu! did not return (no such user, or restricted), which were skipped."""

    missing: list[int]

    def __init__(self, taken: Iterable[Snapshot] = (), missing: Iterable[int] = ()) -> None:
        super().__init__(taken)
        self.missing = list(missing)

    def __repr__(self) -> str:
        return f"Snapshots(taken={len(self)}, missing={self.missing!r})"


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

    def __str__(self) -> str:
        a, b = self.after, self.before
        who = f"{a.username} ({a.user_id})" if a.username else f"user {a.user_id}"
        return (f"{who} {a.ruleset} {b.taken_at:%Y-%m-%d %H:%M}Z → {a.taken_at:%Y-%m-%d %H:%M}Z: "
                f"pp {_num(self.pp_delta, '+.2f')}, rank {_num(self.rank_delta, '+d')}, "
                f"{len(self.new_top_plays)} new and {len(self.dropped_top_plays)} dropped top plays")

    def __repr__(self) -> str:
        return (f"Diff(user_id={self.after.user_id}, ruleset={self.after.ruleset!r}, "
                f"before={self.before.taken_at.isoformat()!r}, after={self.after.taken_at.isoformat()!r}, "
                f"pp_delta={self.pp_delta!r}, rank_delta={self.rank_delta!r}, "
                f"new_top_plays=<{len(self.new_top_plays)}>, dropped_top_plays=<{len(self.dropped_top_plays)}>)")


def _num(value: Any, spec: str) -> str:
    return "?" if value is None else format(value, spec)


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


_COLUMNS = ("id, user_id, ruleset, taken_at, username, pp, global_rank, country_rank, accuracy, play_count, "
            "play_time, ranked_score, total_score, grade_ss, grade_ssh, grade_s, grade_sh, grade_a")


class TrackDB:
    """One tracking database: opened (WAL mode) and migrated to `SCHEMA_VERSION` when made
    (so an open one is at `SCHEMA_VERSION`).

    Every method is synchronous, short and thread-safe (one lock around the connection), so
    the async tracker can run each in a worker thread. SQLite errors become
    `osukit.TrackDatabaseError`; a database from a newer osukit, `osukit.ConfigurationError`.
    """

    def __init__(self, path: str | os.PathLike[str], *, create: bool = True) -> None:
        self.path = os.fspath(path)
        self._lock = threading.Lock()
        if not create and not os.path.exists(self.path):
            raise TrackDatabaseError(f"no tracking database at {self.path}",
                                     remedy="check --db (nothing was created): `osukit track add USER… --db FILE` "
                                            "makes one")
        try:
            self._db = sqlite3.connect(self.path, timeout=30, isolation_level=None, check_same_thread=False)
            self._db.execute("PRAGMA journal_mode=WAL")
            self._db.execute("PRAGMA foreign_keys=ON")
        except sqlite3.Error as exc:
            with contextlib.suppress(AttributeError, sqlite3.Error):
                self._db.close()
            raise TrackDatabaseError(f"cannot open tracking database {self._name}: {exc}",
                                     remedy=f"{self.path} is not an osukit tracking database (SQLite); check the path"
                                     ) from None
        try:
            self.migrate()
        except BaseException:
            self._db.close()
            raise

    @property
    def _name(self) -> str:
        return os.path.basename(self.path)

    @contextlib.contextmanager
    def _locked(self) -> Iterator[sqlite3.Connection]:
        """The connection, held under the lock (every statement goes through here)."""
        with self._lock:
            yield self._db

    @contextlib.contextmanager
    def _transaction(self, failed: str | None = None) -> Iterator[sqlite3.Connection]:
        """The connection under the lock, inside one ``BEGIN IMMEDIATE`` … ``COMMIT`` (rolled back on
        a SQLite error, which becomes `osukit.TrackDatabaseError` led by ``failed``)."""
        with self._locked() as db:
            try:
                db.execute("BEGIN IMMEDIATE")
                yield db
                db.execute("COMMIT")
            except sqlite3.Error as exc:
                with contextlib.suppress(sqlite3.Error):
                    db.execute("ROLLBACK")
                raise TrackDatabaseError(f"{failed or f'tracking database {self._name}'}: {exc}") from None
            except BaseException:  # not left open on the shared connection (the next BEGIN would fail)
                with contextlib.suppress(sqlite3.Error):
                    db.execute("ROLLBACK")
                raise

    def close(self) -> None:
        with self._locked() as db:
            db.close()

    def schema_version(self) -> int:
        """``PRAGMA user_version``, read now."""
        return int(self._q("PRAGMA user_version")[0][0])

    def migrate(self) -> int:
        """Bring the schema up to `SCHEMA_VERSION`, one version per transaction; returns it."""
        current = self.schema_version()
        if current > SCHEMA_VERSION:
            raise ConfigurationError(f"{self._name} has tracking schema {current}; this osukit "
                                     f"knows up to {SCHEMA_VERSION}: upgrade osukit")
        for version, statements in MIGRATIONS:
            if version <= current:
                continue
            with self._transaction(f"tracking database migration to {version} failed") as db:
                for sql in statements:
                    db.execute(sql)
                db.execute(f"PRAGMA user_version = {int(version)}")
        return SCHEMA_VERSION

    def _q(self, sql: str, args: Sequence[Any] = ()) -> list[Any]:
        try:
            with self._locked() as db:
                return db.execute(sql, tuple(args)).fetchall()
        except sqlite3.Error as exc:
            raise TrackDatabaseError(f"tracking database {self._name}: {exc}") from None

    # --- what is tracked ------------------------------------------------------------------------

    def add(self, pairs: Iterable[tuple[int, str]], now: float) -> None:
        with self._transaction() as db:  # one transaction (one disk sync), not one per pair
            db.executemany("INSERT OR IGNORE INTO tracked (user_id, ruleset, added_at) VALUES (?, ?, ?)",
                           [(uid, ruleset, now) for uid, ruleset in pairs])

    def remove(self, users: Iterable[int]) -> None:
        with self._transaction() as db:
            db.executemany("DELETE FROM tracked WHERE user_id = ?", [(uid,) for uid in users])

    def tracked(self) -> list[tuple[int, str]]:
        return [(int(u), str(r)) for u, r in self._q("SELECT user_id, ruleset FROM tracked ORDER BY user_id, ruleset")]

    # --- snapshots ------------------------------------------------------------------------------

    def store(self, uid: int, ruleset: str, now: float, username: Any, stats: Any, plays: list[Any]) -> Snapshot:
        """Store one snapshot (statistics from ``stats``, top plays from ``plays``) in one transaction."""
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
        with self._transaction() as db:
            cur = db.execute(
                "INSERT INTO snapshots (user_id, ruleset, taken_at, username, pp, global_rank, country_rank, "
                "accuracy, play_count, play_time, ranked_score, total_score, grade_ss, grade_ssh, grade_s, "
                "grade_sh, grade_a) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)", row)
            sid = int(cur.lastrowid or 0)
            db.execute("UPDATE tracked SET missing_at = NULL WHERE user_id = ? AND ruleset = ?", (uid, ruleset))
            db.executemany(
                "INSERT INTO top_plays (snapshot_id, position, score_id, beatmap_id, pp, accuracy, grade, ended_at) "
                "VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
                [(sid, t.position, t.score_id, t.beatmap_id, t.pp, t.accuracy, t.grade, t.ended_at) for t in top])
        return _snapshot_from((sid, *row), top)

    def _top(self, snapshot_id: int) -> list[TopPlay]:
        return [TopPlay(*r) for r in self._q(
            "SELECT position, score_id, beatmap_id, pp, accuracy, grade, ended_at FROM top_plays "
            "WHERE snapshot_id = ? ORDER BY position", (snapshot_id,))]

    def history(self, user: int, ruleset: str, top_plays: bool) -> list[Snapshot]:
        rows = self._q(f"SELECT {_COLUMNS} FROM snapshots WHERE user_id = ? AND ruleset = ? ORDER BY taken_at, id",
                       (user, ruleset))
        tops: dict[int, list[TopPlay]] = {}
        if top_plays:  # every snapshot's top plays in one query, not one query per snapshot
            for sid, *play in self._q(
                    "SELECT t.snapshot_id, t.position, t.score_id, t.beatmap_id, t.pp, t.accuracy, t.grade, t.ended_at "
                    "FROM top_plays t JOIN snapshots s ON s.id = t.snapshot_id WHERE s.user_id = ? AND s.ruleset = ? "
                    "ORDER BY t.snapshot_id, t.position", (user, ruleset)):
                tops.setdefault(int(sid), []).append(TopPlay(*play))
        return [_snapshot_from(r, tops.get(int(r[0]), [])) for r in rows]

    def latest(self, user: int, ruleset: str) -> Snapshot | None:
        rows = self._q(f"SELECT {_COLUMNS} FROM snapshots WHERE user_id = ? AND ruleset = ? "
                       "ORDER BY taken_at DESC, id DESC LIMIT 1", (user, ruleset))
        return _snapshot_from(rows[0], self._top(int(rows[0][0]))) if rows else None

    def diff(self, user: int, cutoff: float, ruleset: str) -> Diff | None:
        rows = self._q(f"SELECT {_COLUMNS} FROM snapshots WHERE user_id = ? AND ruleset = ? AND taken_at <= ? "
                       "ORDER BY taken_at DESC, id DESC LIMIT 1", (user, ruleset, cutoff))
        if not rows:
            rows = self._q(f"SELECT {_COLUMNS} FROM snapshots WHERE user_id = ? AND ruleset = ? "
                           "ORDER BY taken_at, id LIMIT 1", (user, ruleset))
        after = self.latest(user, ruleset)
        if not rows or after is None or int(rows[0][0]) == after.id:
            return None
        before = _snapshot_from(rows[0], self._top(int(rows[0][0])))
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

    # --- schedule -------------------------------------------------------------------------------

    def due(self, every: float, name: str, now: float) -> float:
        """Seconds until the next run of schedule ``name`` (registered now when new). A changed
        interval applies at once: the next run becomes the last run plus the new interval (now,
        when that is past, or when it never ran)."""
        rows = self._q("SELECT every, next_run, last_run FROM schedule WHERE name = ?", (name,))
        if not rows:
            self._q("INSERT INTO schedule (name, every, next_run) VALUES (?, ?, ?)", (name, float(every), now))
            return 0.0
        old_every, nxt, last = float(rows[0][0]), float(rows[0][1]), rows[0][2]
        if old_every != float(every):
            nxt = max(now, float(last) + float(every)) if last is not None else now
            self._q("UPDATE schedule SET every = ?, next_run = ? WHERE name = ?", (float(every), nxt, name))
        return max(0.0, nxt - now)

    def missed(self, pairs: Iterable[tuple[int, str]], now: float) -> None:
        """Note that a run found no such user for these tracked pairs (a later snapshot clears it)."""
        with self._transaction() as db:
            db.executemany("UPDATE tracked SET missing_at = ? WHERE user_id = ? AND ruleset = ?",
                           [(now, uid, ruleset) for uid, ruleset in pairs])

    def missing_since(self, user: int, ruleset: str) -> float | None:
        """When the last run did not find ``user`` (``missing_at``), or None: found, or never looked for."""
        rows = self._q("SELECT missing_at FROM tracked WHERE user_id = ? AND ruleset = ?", (user, ruleset))
        return float(rows[0][0]) if rows and rows[0][0] is not None else None

    def never_found(self, user: int, ruleset: str) -> bool:
        """True when ``user`` is tracked in ``ruleset``, has no snapshot, and the last run did not find
        it (``missing_at``; for a database from before schema 3: a snapshot of anyone was taken since it
        was added): one query."""
        rows = self._q("SELECT (missing_at IS NOT NULL OR (SELECT MAX(taken_at) FROM snapshots) >= added_at) "
                       "AND NOT EXISTS (SELECT 1 FROM snapshots WHERE user_id = ? AND ruleset = ?) "
                       "FROM tracked WHERE user_id = ? AND ruleset = ?", (user, ruleset, user, ruleset))
        return bool(rows and rows[0][0])

    def ran(self, every: float, name: str, now: float) -> None:
        """Record a run at ``now`` and plan the next one ``every`` seconds after the planned time
        (skipping the missed ones)."""
        (planned,) = self._q("SELECT next_run FROM schedule WHERE name = ?", (name,))[0]
        nxt = float(planned)
        if nxt <= now:  # skip the missed runs at once (a week down with every=1s is 604,800 of them)
            nxt += (math.floor((now - nxt) / every) + 1) * every
        while nxt <= now:  # float rounding
            nxt += every
        self._q("UPDATE schedule SET next_run = ?, last_run = ?, runs = runs + 1 WHERE name = ?", (nxt, now, name))

    def schedule(self, name: str) -> dict[str, Any] | None:
        rows = self._q("SELECT every, next_run, last_run, runs FROM schedule WHERE name = ?", (name,))
        if not rows:
            return None
        every, next_run, last_run, runs = rows[0]
        return {"every": every, "next_run": next_run, "last_run": last_run, "runs": runs}


def _snapshot_from(r: Sequence[Any], top: list[TopPlay]) -> Snapshot:
    return Snapshot(
        id=int(r[0]), user_id=int(r[1]), ruleset=str(r[2]),
        taken_at=_dt.datetime.fromtimestamp(float(r[3]), _dt.timezone.utc), username=r[4], pp=r[5],
        global_rank=r[6], country_rank=r[7], accuracy=r[8], play_count=r[9], play_time=r[10],
        ranked_score=r[11], total_score=r[12],
        grade_counts={"ss": r[13], "ssh": r[14], "s": r[15], "sh": r[16], "a": r[17]}, top_plays=top)


def _iso(value: Any) -> str | None:
    if value is None:
        return None
    return value.isoformat() if hasattr(value, "isoformat") else str(value)
