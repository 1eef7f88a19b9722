"""One crawl across many machines: tasks in a Redis Stream, workers in a consumer group.

Needs the ``redis`` extra (``pip install 'osukit[redis]'``). The work is distributed by
Redis Streams consumer groups, not by a scheduler of our own:

* a **producer** splits a source into tasks (`id_tasks`, `range_tasks`,
  `pair_tasks`, `partition_tasks`) and `CrawlQueue.submit` appends
  them to the stream with ``XADD``;
* **workers** on any machine (`Worker`) take tasks with ``XREADGROUP``, call
  osukit (give every worker's client the shared
  [RedisRateLimiter][osukit.contrib.redis.RedisRateLimiter] and
  [RedisTokenStore][osukit.contrib.redis.RedisTokenStore]), write the results to an
  idempotent sink, then ``XACK``;
* the tasks of a dead worker stay pending in the group, and any worker takes them over
  with ``XAUTOCLAIM`` once they have been idle for ``visibility_timeout`` seconds;
* a task delivered more than ``max_deliveries`` times goes to the dead-letter stream
  (``XADD`` to ``…:dead`` with the last error) and is acknowledged.

Delivery is at least once (a worker killed after writing and before ``XACK`` runs its
task again elsewhere); stored results are exactly once, because every sink is keyed:

* [JsonlSink][osukit.contrib.distributed.JsonlSink] - one JSON Lines file per worker,
  each task's rows followed by a commit line; [collect][osukit.contrib.distributed.collect]
  merges the files by task and keeps one committed copy of each;
* [SQLiteSink][osukit.contrib.distributed.SQLiteSink] and
  [PostgresSink][osukit.contrib.distributed.PostgresSink] (``psycopg``, the ``postgres``
  extra) - ``INSERT … ON CONFLICT DO UPDATE`` on the row's key.

Redis keys, for a crawl named ``NAME`` and the default prefix ``osukit:dcrawl:``:
``…NAME:tasks`` (the stream; group ``workers``), ``…NAME:dead`` (dead letters),
``…NAME:meta`` and ``…NAME:stats`` (hashes), ``…NAME:errors`` (last error per task)
and ``…NAME:minutes`` (rows and tasks done per 10-second bucket, for the rates in
[status][osukit.contrib.distributed.CrawlQueue.status]).

Rate limits: osu!'s terms of use allow **60 requests per minute** unless osu! has
allowed you more; osu-web throttles each token on its own
(``app/Http/Middleware/ThrottleRequests.php`` keys on the token). Share one
``RedisRateLimiter`` between all workers, or give each token its own budget under an
app-wide cap with [LayeredRateLimiter][osukit.LayeredRateLimiter].
"""

from __future__ import annotations

import contextlib
import dataclasses
import functools
import json
import os
import socket
import sqlite3
import threading
import time
from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Protocol, runtime_checkable

import msgspec

from .._exceptions import (
    AuthenticationError,
    ConfigurationError,
    InvalidParameterError,
    MissingExtraError,
    MissingScopeError,
    OsukitError,
    TransportError,
)
from .._models import dump
from .._redact import logger
from .redis import _Connections

__all__ = [
    "CrawlQueue",
    "CrawlStatus",
    "JsonlSink",
    "PostgresSink",
    "Row",
    "SQLiteSink",
    "Sink",
    "SinkError",
    "Task",
    "TaskFailed",
    "Worker",
    "collect",
    "default_handlers",
    "id_tasks",
    "pair_tasks",
    "partition_tasks",
    "range_tasks",
]

GROUP = "workers"
DEFAULT_VISIBILITY_TIMEOUT = 60.0
"""Seconds a delivered task may stay unacknowledged before another worker takes it over."""
DEFAULT_MAX_DELIVERIES = 5
"""Deliveries after which a failing task goes to the dead-letter stream."""
DEFAULT_POLL = 1.0
"""Seconds a worker blocks in ``XREADGROUP`` waiting for new tasks."""
REDIS_REMEDY = "check that Redis is running at that URL (--redis or OSUKIT_REDIS_URL)"
IDS_PER_TASK = 50
"""osu-web's bulk lookups (``GET /users``, ``GET /beatmaps``) take at most 50 ids."""


class TaskFailed(OsukitError):
    """A task's handler failed; the task stays pending and is delivered again."""


class SinkError(OsukitError):
    """A results sink (JSON Lines directory, SQLite file, PostgreSQL table) could not be opened or
    written; the task's rows were not stored, so the task stays pending and is delivered again."""


def _describe(exc: BaseException) -> str:
    """``exc``'s type and the first line of its message (a database driver's can run to many lines)."""
    first = str(exc).splitlines()[0] if str(exc) else ""
    return type(exc).__name__ + (f": {first}" if first else "")


@contextlib.contextmanager
def _sink_errors(where: str, errors: type[BaseException] | tuple[type[BaseException], ...]) -> Iterator[None]:
    """``errors`` (the storage library's) raised inside become a `SinkError` naming the sink ``where``."""
    try:
        yield
    except errors as exc:
        raise SinkError(f"{where}: {_describe(exc)}") from None


WORKER_FATAL: tuple[type[BaseException], ...] = (ConfigurationError, AuthenticationError, MissingScopeError,
                                                 MissingExtraError)
"""Errors of the worker, not of the task: they would fail the same way on every task, so
[Worker.run][osukit.contrib.distributed.Worker.run] stops and raises them instead of burning the
crawl into the dead-letter stream ([InvalidParameterError][osukit.InvalidParameterError], a bad task
argument, is the task's own fault and is retried as usual)."""
BUCKET_SECONDS = 10
"""Width of the buckets the rates in [CrawlStatus][osukit.contrib.distributed.CrawlStatus] are counted in."""
RATE_WINDOW = 60.0
"""Seconds of recent acknowledgements the rates are measured over."""


def _is_fatal(exc: BaseException) -> bool:
    return isinstance(exc, WORKER_FATAL) and not isinstance(exc, InvalidParameterError)


def window_rate(buckets: Mapping[int, int], now: float, first: float | None) -> float:
    """Per-minute rate of the counts in ``buckets`` (``{bucket: count}``, bucket = epoch seconds // 10) over
    the last minute, or since ``first`` (the first acknowledgement, epoch seconds) when that is more recent,
    so the rate is known during a crawl's first minute."""
    if first is None:
        return 0.0
    current = int(now // BUCKET_SECONDS)
    oldest = current - int(RATE_WINDOW // BUCKET_SECONDS) + 1  # 5 whole buckets and the current one
    start = max(oldest * BUCKET_SECONDS, first)
    span = max(now - start, 1.0)
    count = sum(n for b, n in buckets.items() if oldest <= b <= current)
    return count * 60.0 / span


# ------------------------------------------------------------------------------------- tasks


@dataclass(frozen=True)
class Task:
    """One unit of work: ``kind`` names the handler, ``args`` its JSON arguments.

    ``id`` must be unique in the crawl and stable (the sinks key results by it).
    """

    id: str
    kind: str
    args: Mapping[str, Any] = field(default_factory=dict)

    def fields(self) -> dict[str, str]:
        return {"id": self.id, "kind": self.kind, "args": json.dumps(dict(self.args), separators=(",", ":"))}

    @classmethod
    def from_fields(cls, fields: Mapping[Any, Any]) -> Task:
        def text(key: str) -> str:
            value = fields.get(key, fields.get(key.encode()))
            if isinstance(value, bytes):
                return value.decode()
            if value is None:
                raise TransportError(f"malformed crawl task (no {key!r} field): {dict(fields)!r}")
            return str(value)

        try:
            args = json.loads(text("args"))
        except (ValueError, RecursionError):
            raise TransportError("malformed crawl task: its args are not JSON") from None
        return cls(text("id"), text("kind"), args if isinstance(args, dict) else {})


def id_tasks(kind: str, ids: Iterable[int], *, per_task: int = IDS_PER_TASK) -> Iterator[Task]:
    """Tasks of up to ``per_task`` ids each (``kind`` ``"users"`` or ``"beatmaps"``)."""
    if per_task < 1:
        raise InvalidParameterError("per_task must be at least 1")
    chunk: list[int] = []
    for n in ids:
        chunk.append(int(n))
        if len(chunk) == per_task:
            yield Task(f"{kind}:{chunk[0]}:{chunk[-1]}:{len(chunk)}", kind, {"ids": chunk})
            chunk = []
    if chunk:
        yield Task(f"{kind}:{chunk[0]}:{chunk[-1]}:{len(chunk)}", kind, {"ids": chunk})


def range_tasks(kind: str, start: int, stop: int, *, per_task: int = IDS_PER_TASK) -> Iterator[Task]:
    """Tasks covering the ids ``start`` to ``stop`` inclusive, ``per_task`` at a time."""
    if stop < start:
        raise InvalidParameterError(f"empty id range {start}-{stop}")
    for low in range(start, stop + 1, per_task):
        high = min(stop, low + per_task - 1)
        yield Task(f"{kind}:{low}-{high}", kind, {"ids": list(range(low, high + 1))})


def pair_tasks(pairs: Iterable[tuple[int, int]], *, kind: str = "user_beatmap_score") -> Iterator[Task]:
    """One task per ``(user, beatmap)`` pair (``GET /beatmaps/{beatmap}/scores/users/{user}``)."""
    for user, beatmap in pairs:
        yield Task(f"{kind}:{int(user)}:{int(beatmap)}", kind, {"user": int(user), "beatmap": int(beatmap)})


def partition_tasks(partitions: Iterable[Mapping[str, Any]], *, kind: str = "rankings") -> Iterator[Task]:
    """One task per listing partition, e.g. ``{"mode": "osu", "country": "JP"}`` for rankings."""
    for part in partitions:
        key = ",".join(f"{k}={part[k]}" for k in sorted(part))
        yield Task(f"{kind}:{key}", kind, dict(part))


# ------------------------------------------------------------------------------------- sinks


@dataclass(frozen=True)
class Row:
    """One stored result: ``key`` is unique across the crawl (``"beatmap:75"``), ``value`` JSON-able
    (``None`` for an id that does not exist)."""

    key: str
    value: Any


@runtime_checkable
class Sink(Protocol):
    """Where workers store results. ``write`` must be idempotent per task and per row key."""

    def write(self, task: Task, rows: Sequence[Row]) -> None:
        """Store ``rows`` of ``task`` (called again with the same rows if the task is re-delivered)."""

    def close(self) -> None:
        """Release files or connections."""


def _json(value: Any) -> bytes:
    try:
        return msgspec.json.encode(value)
    except TypeError:
        return msgspec.json.encode(dump(value))


class JsonlSink:
    """One JSON Lines file per worker: ``{"task", "key", "value"}`` rows, then ``{"task", "commit": n}``.

    A worker killed in the middle of a task leaves rows without a commit line;
    [collect][osukit.contrib.distributed.collect] ignores those and keeps the first
    committed copy of every task, so the merged output holds each row once.

    ``worker`` names the file (``DIRECTORY/WORKER.jsonl``) and is the name a
    [Worker][osukit.contrib.distributed.Worker] given this sink (and no ``name``) reports
    to ``crawl status``.
    """

    def __init__(self, directory: str | os.PathLike[str], worker: str) -> None:
        self.worker = worker
        self.path = Path(directory) / f"{worker}.jsonl"
        with _sink_errors(f"JSON Lines sink {self.path}", OSError):
            self.path.parent.mkdir(parents=True, exist_ok=True)
            self._file = open(self.path, "ab")
        self._lock = threading.Lock()

    def __repr__(self) -> str:
        return f"JsonlSink({str(self.path)!r})"

    def write(self, task: Task, rows: Sequence[Row]) -> None:
        tid = task.id
        lines = [b'{"task":' + _json(tid) + b',"key":' + _json(r.key) + b',"value":' + _json(r.value) + b"}\n"
                 for r in rows]
        lines.append(b'{"task":' + _json(tid) + b',"commit":' + str(len(rows)).encode() + b"}\n")
        with self._lock, _sink_errors(f"JSON Lines sink {self.path}", OSError):
            self._file.write(b"".join(lines))
            self._file.flush()
            os.fsync(self._file.fileno())

    def close(self) -> None:
        self._file.close()


def collect(directory: str | os.PathLike[str], out: str | os.PathLike[str]) -> dict[str, int]:
    """Merge the worker files of a [JsonlSink][osukit.contrib.distributed.JsonlSink] directory.

    Writes one ``{"key", "value"}`` line per row of every committed task to ``out``, each
    row key once, ordered by key. Returns counts: ``tasks``, ``rows``, ``duplicates`` (task
    copies left out because a re-delivered task ran twice) and ``uncommitted`` (partial
    task copies of killed workers).
    """
    tasks: dict[str, list[tuple[str, Any]]] = {}
    duplicates = uncommitted = 0
    for path in sorted(Path(directory).glob("*.jsonl")):
        pending: dict[str, list[tuple[str, Any]]] = {}
        with open(path, "rb") as fh:
            for raw in fh:
                if not raw.endswith(b"\n"):
                    break  # a torn last line of a killed worker
                try:
                    rec = msgspec.json.decode(raw)
                except (msgspec.DecodeError, RecursionError):
                    continue
                if not isinstance(rec, dict):
                    continue
                tid = str(rec.get("task"))
                if "commit" in rec:
                    rows = pending.pop(tid, [])
                    if len(rows) != rec["commit"]:
                        uncommitted += 1
                        continue
                    if tid in tasks:
                        duplicates += 1
                    else:
                        tasks[tid] = rows
                else:
                    pending.setdefault(tid, []).append((rec["key"], rec["value"]))
        uncommitted += len(pending)
    rows_out: dict[str, Any] = {}
    for rows in tasks.values():
        for key, value in rows:
            rows_out.setdefault(key, value)
    tmp = Path(str(out) + ".tmp")
    with open(tmp, "wb") as fh:
        for key in sorted(rows_out, key=_natural):
            fh.write(b'{"key":' + _json(key) + b',"value":' + _json(rows_out[key]) + b"}\n")
    os.replace(tmp, out)
    return {"tasks": len(tasks), "rows": len(rows_out), "duplicates": duplicates, "uncommitted": uncommitted}


def _natural(key: str) -> tuple[Any, ...]:
    return tuple(int(p) if p.isdigit() else p for p in key.split(":"))


_UPSERT = "INSERT INTO {table} (key, task, value) VALUES ({p}, {p}, {p}) " \
          "ON CONFLICT (key) DO UPDATE SET task = excluded.task, value = excluded.value"


class SQLiteSink:
    """Rows upserted into a SQLite table ``(key PRIMARY KEY, task, value JSON)``; one transaction per task.

    Several worker processes on one machine may share the file (writes wait on
    SQLite's lock up to ``timeout`` seconds).
    """

    def __init__(self, path: str | os.PathLike[str], *, table: str = "results", timeout: float = 30.0) -> None:
        if not table.isidentifier():
            raise InvalidParameterError(f"table must be an identifier, not {table!r}")
        self.path = Path(path)
        self.table = table
        with _sink_errors(f"SQLite sink {self.path}", sqlite3.Error):
            self._db = sqlite3.connect(self.path, timeout=timeout, isolation_level=None, check_same_thread=False)
            self._db.execute("PRAGMA journal_mode=WAL")
            self._db.execute(
                f"CREATE TABLE IF NOT EXISTS {table} (key TEXT PRIMARY KEY, task TEXT NOT NULL, value TEXT)")
        self._sql = _UPSERT.format(table=table, p="?")
        self._lock = threading.Lock()

    def __repr__(self) -> str:
        return f"SQLiteSink({str(self.path)!r}, table={self.table!r})"

    def write(self, task: Task, rows: Sequence[Row]) -> None:
        data = [(r.key, task.id, _json(r.value).decode()) for r in rows]
        with self._lock, _sink_errors(f"SQLite sink {self.path}", sqlite3.Error):
            self._db.execute("BEGIN IMMEDIATE")
            try:
                self._db.executemany(self._sql, data)
            except BaseException:
                self._db.execute("ROLLBACK")
                raise
            self._db.execute("COMMIT")

    def close(self) -> None:
        self._db.close()


class PostgresSink:
    """Rows upserted into a PostgreSQL table with psycopg 3 (``pip install 'osukit[postgres]'``).

    ``conninfo`` is a libpq connection string (``postgresql://user@host/db``). The table
    ``(key TEXT PRIMARY KEY, task TEXT, value JSONB)`` is created when missing.
    """

    def __init__(self, conninfo: str, *, table: str = "results") -> None:
        try:
            import psycopg
        except ImportError:
            raise MissingExtraError("PostgresSink", "postgres") from None
        if not table.isidentifier():
            raise InvalidParameterError(f"table must be an identifier, not {table!r}")
        self.table = table
        try:
            self._conn = psycopg.connect(conninfo, autocommit=False)
            with self._conn.transaction():
                self._conn.execute(
                    f"CREATE TABLE IF NOT EXISTS {table} (key TEXT PRIMARY KEY, task TEXT NOT NULL, value JSONB)")
        except psycopg.Error as exc:  # the server could not be reached or refused the login: a transport error
            raise TransportError(f"PostgreSQL: {_describe(exc)}") from None
        self._sql = _UPSERT.format(table=table, p="%s")
        self._lock = threading.Lock()

    def __repr__(self) -> str:
        return f"PostgresSink(table={self.table!r})"

    def write(self, task: Task, rows: Sequence[Row]) -> None:
        data = [(r.key, task.id, _json(r.value).decode()) for r in rows]
        import psycopg

        with _sink_errors("PostgreSQL sink", psycopg.Error), self._lock, self._conn.transaction(), \
                self._conn.cursor() as cur:
            cur.executemany(self._sql, data)

    def close(self) -> None:
        self._conn.close()


# ----------------------------------------------------------------------------------- handlers

Handler = Callable[[Any, Task], Sequence[Row]]
"""``handler(client, task) -> rows``: does the task's API calls with an osukit client."""


def _ids_handler(resource: str, prefix: str) -> Handler:
    def handle(client: Any, task: Task) -> Sequence[Row]:
        ids = [int(i) for i in task.args["ids"]]
        found = {int(item.id): item for item in getattr(client, resource).get_batch(ids)}
        return [Row(f"{prefix}:{i}", dump(found[i]) if i in found else None) for i in ids]

    return handle


def _pair_handler(client: Any, task: Task) -> Sequence[Row]:
    from .._exceptions import NotFoundError

    user, beatmap = int(task.args["user"]), int(task.args["beatmap"])
    try:
        value = dump(client.beatmaps.user_score(beatmap, user))
    except NotFoundError:
        value = None
    return [Row(f"score:{user}:{beatmap}", value)]


def _rankings_handler(client: Any, task: Task) -> Sequence[Row]:
    args = dict(task.args)
    mode = args.pop("mode")
    kind = args.pop("type", "performance")
    limit = args.pop("limit", None)
    key = ",".join(f"{k}={v}" for k, v in sorted(task.args.items()))
    return [Row(f"rankings:{key}:{n}", dump(entry))
            for n, entry in enumerate(client.rankings.get(mode, kind, limit=limit, **args), 1)]


def default_handlers() -> dict[str, Handler]:
    """The built-in task kinds: ``users`` and ``beatmaps`` (ids, 50 a request; rows
    ``user:ID``/``beatmap:ID``, ``None`` where missing), ``user_beatmap_score``
    (``(user, beatmap)`` pairs) and ``rankings`` (a partition per task)."""
    return {
        "users": _ids_handler("users", "user"),
        "beatmaps": _ids_handler("beatmaps", "beatmap"),
        "user_beatmap_score": _pair_handler,
        "rankings": _rankings_handler,
    }


# -------------------------------------------------------------------------------------- queue


@dataclass(frozen=True)
class CrawlStatus:
    """A crawl's progress as Redis sees it (see [CrawlQueue.status][osukit.contrib.distributed.CrawlQueue.status])."""

    name: str
    total: int
    """Tasks submitted."""
    done: int
    """Tasks acknowledged after their results were stored."""
    rows: int
    """Rows stored (counting re-runs of a re-delivered task once)."""
    pending: int
    """Tasks delivered and not yet acknowledged."""
    waiting: int
    """Tasks not yet delivered to any worker."""
    retried: int
    """Deliveries beyond the first (failed or reclaimed tasks)."""
    dead: int
    """Tasks moved to the dead-letter stream."""
    workers: dict[str, float]
    """Each worker's seconds since it last read from the stream."""
    rate_per_minute: float
    """Rows stored per minute: over the last 60 s (since the first acknowledgement when that is more
    recent), or over the whole crawl once it is complete."""
    tasks_per_minute: float = 0.0
    """Tasks acknowledged per minute, measured like ``rate_per_minute``."""
    exists: bool = True
    """The crawl was submitted (its Redis keys exist)."""

    @property
    def complete(self) -> bool:
        """Every task submitted, delivered and acknowledged (stored or dead-lettered)."""
        return self.total > 0 and self.pending == 0 and self.waiting == 0

    @property
    def left(self) -> int:
        """Tasks neither stored nor dead-lettered yet."""
        return max(0, self.total - self.done - self.dead)

    @property
    def eta_seconds(self) -> float | None:
        """Seconds until the tasks left are done at ``tasks_per_minute`` (None while no rate is known)."""
        if self.complete or not self.left:
            return 0.0
        if self.tasks_per_minute <= 0:
            return None
        return self.left / self.tasks_per_minute * 60.0

    def as_dict(self) -> dict[str, Any]:
        """The status as JSON-able values (what ``osukit crawl status --json`` prints)."""
        return {"name": self.name, "total": self.total, "done": self.done, "rows": self.rows,
                "pending": self.pending, "waiting": self.waiting, "retried": self.retried, "dead": self.dead,
                "workers": self.workers, "rate_per_minute": round(self.rate_per_minute, 2),
                "tasks_per_minute": round(self.tasks_per_minute, 2), "left": self.left,
                "eta_seconds": None if self.eta_seconds is None else round(self.eta_seconds),
                "complete": self.complete, "exists": self.exists}


class CrawlQueue:
    """A named crawl in Redis: the task stream, its consumer group, dead letters and counters.

    **Parameters**

    * **redis** - a URL (``redis://host:6379/0``) or a ``redis.Redis`` client.
    * **name** - the crawl's name; every producer and worker of one crawl uses the same.
    * **visibility_timeout** - seconds before a delivered, unacknowledged task is taken
      over by another worker (default 60). Keep it above your slowest task.
    * **max_deliveries** - deliveries after which a task is dead-lettered (default 5).
    * **prefix** - prepended to the Redis keys (``osukit:dcrawl:``).

    Raises [ConfigurationError][osukit.ConfigurationError] for a bad URL and
    [TransportError][osukit.TransportError] when Redis cannot be reached.
    """

    def __init__(
        self,
        redis: Any,
        name: str,
        *,
        visibility_timeout: float = DEFAULT_VISIBILITY_TIMEOUT,
        max_deliveries: int = DEFAULT_MAX_DELIVERIES,
        prefix: str = "osukit:dcrawl:",
        socket_timeout: float = 10.0,
    ) -> None:
        if not name or any(c.isspace() for c in name):
            raise InvalidParameterError(f"crawl name must be a non-empty word, not {name!r}")
        if visibility_timeout <= 0:
            raise InvalidParameterError("visibility_timeout must be positive")
        if max_deliveries < 1:
            raise InvalidParameterError("max_deliveries must be at least 1")
        self._conn = _Connections("CrawlQueue", redis, None, socket_timeout)
        self.name = name
        self.visibility_timeout = visibility_timeout
        self.max_deliveries = max_deliveries
        base = f"{prefix}{name}:"
        self.stream, self.dead, self.meta = base + "tasks", base + "dead", base + "meta"
        self.stats, self.errors, self.minutes = base + "stats", base + "errors", base + "minutes"

    def __repr__(self) -> str:
        return f"CrawlQueue({self._conn.where!r}, {self.name!r})"

    @property
    def redis(self) -> Any:
        client = self._conn.sync()
        if client is None:
            raise ConfigurationError("CrawlQueue needs a sync Redis client or a URL")
        return client

    def _call(self, what: str, fn: Callable[[], Any]) -> Any:
        try:
            return fn()
        except self._conn.errors() as exc:
            raise TransportError(f"Redis at {self._conn.where}: {what} failed: {type(exc).__name__}: {exc}",
                                 remedy=REDIS_REMEDY) from None

    def _ensure_group(self) -> None:
        r = self.redis
        try:
            r.xgroup_create(self.stream, GROUP, id="0", mkstream=True)
        except self._conn.redis.exceptions.ResponseError as exc:
            if "BUSYGROUP" not in str(exc):
                raise

    def submit(self, tasks: Iterable[Task], *, description: str = "", batch: int = 1000) -> int:
        """Append ``tasks`` to the stream (``XADD``, pipelined ``batch`` at a time); returns how many.

        A crawl is submitted once: calling it again for a crawl that already has tasks raises
        [ConfigurationError][osukit.ConfigurationError] (use a new name, or
        [delete][osukit.contrib.distributed.CrawlQueue.delete] the old crawl first).
        """
        r = self.redis

        def run() -> int:
            if not r.hsetnx(self.meta, "submitting", socket.gethostname()):
                raise ConfigurationError(
                    f"crawl {self.name!r} was already submitted; delete it first or use another name",
                    remedy=f"`osukit crawl delete --name {self.name} --yes` (CrawlQueue.delete()) removes it, "
                           "or submit under another --name",
                )
            self._ensure_group()
            n = 0
            pipe = r.pipeline(transaction=False)
            for task in tasks:
                pipe.xadd(self.stream, task.fields())
                n += 1
                if n % batch == 0:
                    pipe.execute()
            pipe.hset(self.meta, mapping={"total": n, "description": description, "submitted_at": time.time()})
            pipe.execute()
            return n

        return int(self._call("submit", run))

    def delete(self) -> None:
        """Remove every key of this crawl (tasks, dead letters, counters); a crawl must be deleted
        before the same name can be submitted again."""
        self._call("delete", lambda: self.redis.delete(self.stream, self.dead, self.meta, self.stats, self.errors,
                                                       self.minutes))

    def exists(self) -> bool:
        """Whether this crawl was submitted (``submit`` writes its ``…:meta`` hash first)."""
        return bool(self._call("check the crawl", lambda: self.redis.exists(self.meta)))

    def requeue_dead(self) -> int:
        """Move every dead-lettered task back into the stream for the workers; returns how many.

        Each comes back as a new entry (its deliveries counted from one again); its last error is
        forgotten. Use it once the cause is fixed (a handler bug, a token without a scope...).
        """
        r = self.redis

        def run() -> int:
            moved = 0
            for entry_id, fields in r.xrange(self.dead):
                task = Task.from_fields(fields)
                pipe = r.pipeline(transaction=True)
                pipe.xadd(self.stream, task.fields())
                pipe.xdel(self.dead, entry_id)
                pipe.hincrby(self.stats, "dead", -1)
                pipe.hdel(self.errors, task.id)
                pipe.execute()
                moved += 1
            return moved

        return int(self._call("requeue dead letters", run))

    def status(self) -> CrawlStatus:
        """Progress, pending and dead-lettered tasks, workers and rate, read from Redis."""
        r = self.redis

        def run() -> CrawlStatus:
            meta = {k.decode(): v.decode() for k, v in r.hgetall(self.meta).items()}
            stats = {k.decode(): int(v) for k, v in r.hgetall(self.stats).items()}
            pending = waiting = 0
            workers: dict[str, float] = {}
            if r.exists(self.stream):
                for group in r.xinfo_groups(self.stream):
                    name = group["name"].decode() if isinstance(group["name"], bytes) else group["name"]
                    if name != GROUP:
                        continue
                    pending = int(group["pending"])
                    waiting = int(group.get("lag") or 0)
                for consumer in r.xinfo_consumers(self.stream, GROUP):
                    cname = consumer["name"].decode() if isinstance(consumer["name"], bytes) else consumer["name"]
                    workers[cname] = int(consumer.get("inactive", consumer["idle"])) / 1000.0
            rows: dict[int, int] = {}
            tasks: dict[int, int] = {}
            for k, v in r.hgetall(self.minutes).items():
                kind, _, bucket = k.decode().partition(":")
                if bucket.isdigit():
                    (rows if kind == "r" else tasks)[int(bucket)] = int(v)
            first = stats["first_ack_ms"] / 1000.0 if "first_ack_ms" in stats else None
            now = time.time()  # both rates over the same window
            st = CrawlStatus(
                name=self.name, total=int(meta.get("total", 0)), done=stats.get("done", 0),
                rows=stats.get("rows", 0), pending=pending, waiting=waiting, retried=stats.get("retried", 0),
                dead=int(r.xlen(self.dead)) if r.exists(self.dead) else 0, workers=workers,
                rate_per_minute=window_rate(rows, now, first),
                tasks_per_minute=window_rate(tasks, now, first), exists=bool(meta),
            )
            if st.complete and first is not None and "last_ack_ms" in stats:
                # Finished: the whole crawl's average, which does not decay to 0 as time passes.
                span = max(stats["last_ack_ms"] / 1000.0 - first, 1.0)
                st = dataclasses.replace(st, rate_per_minute=st.rows * 60.0 / span,
                                         tasks_per_minute=st.done * 60.0 / span)
            return st

        result: CrawlStatus = self._call("status", run)
        return result

    def dead_letters(self) -> list[dict[str, str]]:
        """The dead-lettered tasks with their last error (``id``, ``kind``, ``args``, ``error``, ``deliveries``)."""
        entries = self._call("read dead letters", lambda: self.redis.xrange(self.dead))
        return [{k.decode(): v.decode() for k, v in fields.items()} for _, fields in entries]

    def close(self) -> None:
        self._conn.close()


# ------------------------------------------------------------------------------------- worker


# KEYS: stream, stats, minutes, errors. ARGV: group, message id, rows, 10-second bucket, task id, now (ms).
_ACK_LUA = """
local n = redis.call('XACK', KEYS[1], ARGV[1], ARGV[2])
if n == 1 then
  redis.call('HINCRBY', KEYS[2], 'done', 1)
  redis.call('HINCRBY', KEYS[2], 'rows', tonumber(ARGV[3]))
  redis.call('HSETNX', KEYS[2], 'first_ack_ms', ARGV[6])
  redis.call('HSET', KEYS[2], 'last_ack_ms', ARGV[6])
  redis.call('HINCRBY', KEYS[3], 'r:' .. ARGV[4], tonumber(ARGV[3]))
  redis.call('HINCRBY', KEYS[3], 't:' .. ARGV[4], 1)
  redis.call('EXPIRE', KEYS[3], 604800)
  redis.call('HDEL', KEYS[4], ARGV[5])
end
return n
"""


class Worker:
    """Takes tasks of one crawl, runs them with an osukit client, stores the rows, acknowledges.

    **Parameters**

    * **queue** - the [CrawlQueue][osukit.contrib.distributed.CrawlQueue].
    * **client** - a sync [Client][osukit.Client]; give it the shared
      ``RedisRateLimiter`` (and ``RedisTokenStore``) so every worker spends one budget.
    * **sink** - where rows go (a `Sink`).
    * **name** - this worker's consumer name, shown by ``crawl status``; names must be
      unique. Default: the sink's ``worker`` name when it has one (`JsonlSink`), else ``host:pid``.
    * **handlers** - ``{kind: handler}``; defaults to [default_handlers][osukit.contrib.distributed.default_handlers].
    * **poll** - seconds to block waiting for tasks.

    [run][osukit.contrib.distributed.Worker.run] loops until the crawl is complete (or
    ``stop()``); a failing task is left pending, counted as retried when delivered again, and
    dead-lettered after ``max_deliveries``.
    """

    def __init__(
        self,
        queue: CrawlQueue,
        client: Any,
        sink: Sink,
        *,
        name: str | None = None,
        handlers: Mapping[str, Handler] | None = None,
        poll: float = DEFAULT_POLL,
        batch: int = 1,
    ) -> None:
        self.queue = queue
        self.client = client
        self.sink = sink
        sink_name = getattr(sink, "worker", None)
        self.name = name or (sink_name if isinstance(sink_name, str) and sink_name
                             else f"{socket.gethostname()}:{os.getpid()}")
        self.handlers = dict(handlers if handlers is not None else default_handlers())
        self.poll = poll
        self.batch = batch
        self._stop = threading.Event()
        self._ack: Any = None  # the ack script (EVALSHA), registered once per worker
        self.processed = 0

    def __repr__(self) -> str:
        return f"Worker({self.name!r}, {self.queue!r})"

    def stop(self) -> None:
        """Finish the task in hand, then return from ``run``."""
        self._stop.set()

    def _deliveries(self, message_id: Any) -> int:
        info = self.queue.redis.xpending_range(self.queue.stream, GROUP, min=message_id, max=message_id, count=1)
        return int(info[0]["times_delivered"]) if info else 1

    def _claim(self) -> list[tuple[Any, Any]]:
        q = self.queue
        result = q.redis.xautoclaim(q.stream, GROUP, self.name, min_idle_time=int(q.visibility_timeout * 1000),
                                    start_id="0-0", count=self.batch)
        messages: list[tuple[Any, Any]] = list(result[1])
        if messages:
            logger.info("crawl %s: worker %s took over %d stalled task(s)", q.name, self.name, len(messages))
        return messages

    def _read(self) -> list[tuple[Any, Any]]:
        q = self.queue
        reply = q.redis.xreadgroup(GROUP, self.name, {q.stream: ">"}, count=self.batch,
                                   block=max(1, int(self.poll * 1000)))
        return [m for _, messages in reply or [] for m in messages]

    def _process(self, message_id: Any, fields: Any) -> None:
        q, r = self.queue, self.queue.redis
        task = Task.from_fields(fields)
        deliveries = self._deliveries(message_id)
        if deliveries > q.max_deliveries:
            error = (r.hget(q.errors, task.id) or b"").decode() or "not acknowledged in time (worker died?)"
            pipe = r.pipeline()
            pipe.xadd(q.dead, {**task.fields(), "error": error, "deliveries": str(deliveries - 1)})
            pipe.xack(q.stream, GROUP, message_id)
            pipe.hincrby(q.stats, "dead", 1)
            pipe.execute()
            logger.warning("crawl %s: task %s dead-lettered after %d deliveries: %s",
                           q.name, task.id, deliveries - 1, error)
            return
        if deliveries > 1:
            r.hincrby(q.stats, "retried", 1)  # a redelivery that runs again (not the one that dead-letters)
        handler = self.handlers.get(task.kind)
        try:
            if handler is None:
                raise TaskFailed(f"no handler for task kind {task.kind!r}")
            rows = handler(self.client, task)
            self.sink.write(task, rows)
        except Exception as exc:
            if _is_fatal(exc):
                # This worker cannot do any task: give this one back as if it had not been delivered
                # (delivery count restored, idle long enough for another worker to claim it at once).
                r.xclaim(q.stream, GROUP, self.name, 0, [message_id], idle=int(q.visibility_timeout * 1000),
                         retrycount=max(0, deliveries - 1), justid=True)
                if deliveries > 1:
                    r.hincrby(q.stats, "retried", -1)
                logger.error("crawl %s: worker %s stops: %s: %s", q.name, self.name, type(exc).__name__, exc)
                raise
            # Left pending: another delivery (after the visibility timeout) tries again.
            message = f"{type(exc).__name__}: {exc}"
            r.hset(q.errors, task.id, message[:2000])
            logger.warning("crawl %s: task %s failed (delivery %d of %d): %s",
                           q.name, task.id, deliveries, q.max_deliveries, message)
            return
        # One atomic step: XACK, and count the task only if this XACK acknowledged it (a
        # re-delivered copy that also ran finds it acknowledged already and counts nothing).
        now = time.time()
        if self._ack is None:
            self._ack = r.register_script(_ACK_LUA)
        if int(self._ack(keys=[q.stream, q.stats, q.minutes, q.errors],
                   args=[GROUP, message_id, len(rows), int(now // BUCKET_SECONDS), task.id, int(now * 1000)])):
            self.processed += 1

    def run_once(self) -> int:
        """Take and run the tasks available now (stalled ones first); returns how many were taken."""
        q = self.queue

        def take() -> list[tuple[Any, Any]]:
            q._ensure_group()
            return self._claim() or self._read()

        messages = q._call("read tasks", take)
        for message_id, fields in messages:
            q._call("finish task", functools.partial(self._process, message_id, fields))
        return len(messages)

    def run(self, *, until_complete: bool = True, wait_for_submit: bool = False) -> int:
        """Work until the crawl is complete (or ``stop()``); returns the tasks this worker finished.

        Args:
            until_complete: return once every task is stored or dead-lettered (else keep polling).
            wait_for_submit: when the crawl was not submitted yet, wait for it (polling every ``poll``
                seconds) instead of raising.

        Raises:
            ConfigurationError: the crawl does not exist (nothing was submitted under its name) and
                ``wait_for_submit`` is false.
            ConfigurationError | AuthenticationError | MissingScopeError | MissingExtraError: the client
                cannot do any task (see `WORKER_FATAL`); the task in hand stays pending for another worker
                instead of being retried into the dead-letter stream.
            TransportError: Redis could not be reached.
        """
        q = self.queue
        while not q.exists():
            if not wait_for_submit:
                raise ConfigurationError(
                    f"crawl {q.name!r} does not exist (nothing was submitted under that name)",
                    remedy="submit it first (`osukit crawl submit ... --name NAME`), check --name, "
                           "or wait for the submit (`osukit crawl work --wait`)",
                )
            if self._stop.wait(self.poll):
                return self.processed
        while not self._stop.is_set():
            if self.run_once():
                continue
            if until_complete and self.queue.status().complete:
                break
        return self.processed
