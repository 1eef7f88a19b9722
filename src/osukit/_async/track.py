"""History of users in SQLite (``osukit.track``). Its synchronous twin (``osukit/_sync/track.py``) is
generated from this file by ``scripts/unasync.py``; edit this one and re-run the script.

The SQL lives in `osukit._trackdb.TrackDB` (no network I/O). Every call into it goes through
``self._run``: in the async tracker that is a worker thread (``asyncio.to_thread``, by way of the
client's clock), so a slow disk or a database locked by another process never stops the event
loop; in the sync tracker it is a plain call.
"""

from __future__ import annotations

import asyncio
import datetime as _dt
import logging
import os
from collections.abc import Callable, Iterable
from typing import TYPE_CHECKING, Any, TypeVar

from .._duration import parse_duration
from .._exceptions import ConfigurationError, InvalidParameterError
from .._trackdb import SCHEMA_VERSION, Diff, Snapshot, Snapshots, TrackDB, _ts, _value
from ..enums import Ruleset

if TYPE_CHECKING:
    from matplotlib.figure import Figure

    from .client import AsyncClient

__all__ = ["AsyncTracker"]

T = TypeVar("T")
log = logging.getLogger("osukit.track")

UserRef = int | str
"""A user id, or a username (looked up with ``users.get``, as the CLI does)."""

_IS_ASYNC = True  # False in the sync twin, whose constructor opens (and migrates) the database


class AsyncTracker:
    """Snapshots of users kept in one SQLite file (see `osukit.track`).

    ```python
    async with osukit.AsyncClient(...) as osu, AsyncTracker(osu, "track.db") as track:
        await track.add([2, 124493])
        await track.snapshot()
        change = await track.diff(2, since=datetime.timedelta(days=7))
    ```

    The sync tracker opens (and migrates) the database in its constructor; the async tracker
    opens it when entered or on its first call, and runs every statement in a worker thread.

    `AsyncTracker` goes with `osukit.AsyncClient`, `Tracker` with `osukit.Client`; the other
    kind of client is refused.

    Args:
        client: an `osukit.AsyncClient` (its rate limiter paces every request; its clock
            stamps the snapshots).
        path: the database file (created, and migrated to `osukit.track.SCHEMA_VERSION`, on open).
        top: how many top plays to keep per snapshot (1-200; osu-web serves up to 200 ``best``).
        create: False to refuse a database that does not exist yet (instead of creating it), for
            code that only reads.

    Raises:
        InvalidParameterError: the wrong kind of client, or a bad ``path`` or ``top``.
        ConfigurationError: the database was written by a newer osukit (on open).
        TrackDatabaseError: the database is missing (with ``create=False``), is not a tracking
            database, or SQLite could not open or write it.
    """

    def __init__(self, client: AsyncClient, path: str | os.PathLike[str], *, top: int = 100,
                 create: bool = True) -> None:
        from .client import AsyncClient

        if not isinstance(client, AsyncClient):
            right = ("Async" if type(client).__name__.startswith("Async") else "") + "Tracker"
            raise InvalidParameterError(
                f"{type(self).__name__} needs an osukit.AsyncClient, not {type(client).__name__}"
                + (f": use osukit.track.{right} with it" if right != type(self).__name__ else ""))
        if not isinstance(path, (str, os.PathLike)) or not os.fspath(path):
            raise InvalidParameterError(f"path must be a database file path, not {path!r}")
        if isinstance(top, bool) or not isinstance(top, int) or not 1 <= top <= 200:
            raise InvalidParameterError(f"top must be a whole number from 1 to 200, not {top!r}")
        self.client = client
        self.path = os.fspath(path)
        self.top = top
        self.create = bool(create)
        self._db: TrackDB | None = None
        self._opening = asyncio.Lock()
        if not _IS_ASYNC:
            self._db = TrackDB(self.path, create=self.create)

    def __repr__(self) -> str:
        state = f"schema={SCHEMA_VERSION}" if self._db is not None else "not open"
        return f"{type(self).__name__}({self.path!r}, {state})"

    async def _run(self, fn: Callable[..., T], *args: Any) -> T:
        return await self.client._clock.arun_blocking(fn, *args)

    async def _conn(self) -> TrackDB:
        if self._db is None:
            async with self._opening:
                if self._db is None:
                    self._db = await self._run(lambda: TrackDB(self.path, create=self.create))
        return self._db

    async def aclose(self) -> None:
        """Close the database (not the client)."""
        if self._db is not None:
            await self._run(self._db.close)

    async def __aenter__(self) -> AsyncTracker:
        await self._conn()
        return self

    async def __aexit__(self, *exc: object) -> None:
        await self.aclose()

    # --- schema -------------------------------------------------------------------------------

    @property
    def schema_version(self) -> int:
        """The open database's schema version (``PRAGMA user_version`` after migrating: opening
        migrates to `osukit.track.SCHEMA_VERSION`, or refuses a newer database)."""
        if self._db is None:
            raise ConfigurationError("the tracking database is not open yet: use `async with` or await a method first")
        return SCHEMA_VERSION

    async def migrate(self) -> int:
        """Bring the schema up to `osukit.track.SCHEMA_VERSION` (done on open), one version per
        transaction; returns it."""
        db = await self._conn()
        return await self._run(db.migrate)

    # --- arguments -----------------------------------------------------------------------------

    async def _id(self, user: UserRef) -> int:
        if isinstance(user, bool) or not isinstance(user, (int, str)):
            raise InvalidParameterError(f"a user is an id (int) or a username (str), not {type(user).__name__}")
        if isinstance(user, int):
            return user
        if user.strip().isdigit():
            return int(user.strip())
        if not user.strip():
            raise InvalidParameterError("a username must not be empty")
        return int((await self.client.users.get(user.strip())).id)

    async def _ids(self, users: UserRef | Iterable[UserRef]) -> list[int]:
        if isinstance(users, (int, str)) and not isinstance(users, bool):
            users = [users]
        if isinstance(users, (bytes, dict)) or not isinstance(users, Iterable):
            raise InvalidParameterError(f"users must be an id, a username or a list of them, not {users!r}")
        return [await self._id(u) for u in users]

    @staticmethod
    def _rulesets(rulesets: Ruleset | str | int | Iterable[Ruleset | str | int]) -> list[str]:
        if isinstance(rulesets, (Ruleset, str, int)):
            rulesets = [rulesets]
        if not isinstance(rulesets, Iterable):
            raise InvalidParameterError(f"rulesets must be a ruleset or a list of them, not {rulesets!r}")
        names = [Ruleset.parse(r).value for r in rulesets]
        if not names:
            raise InvalidParameterError("rulesets must name at least one ruleset")
        return names

    @staticmethod
    def _ruleset(ruleset: Ruleset | str | int) -> str:
        return Ruleset.parse(ruleset).value

    def _cutoff(self, since: Any) -> float:
        if isinstance(since, str):
            since = _dt.timedelta(seconds=parse_duration(since))
        if isinstance(since, _dt.timedelta):
            return self.client._clock.time() - since.total_seconds()
        if isinstance(since, _dt.datetime):
            return _ts(since)
        if isinstance(since, (int, float)) and not isinstance(since, bool):
            return float(since)
        raise InvalidParameterError(
            f"since must be a duration like '7d' or '12h', a timedelta, a datetime or epoch seconds, not {since!r}")

    @staticmethod
    def _seconds(every: Any) -> float:
        if isinstance(every, str):
            return parse_duration(every)
        if isinstance(every, _dt.timedelta):
            every = every.total_seconds()
        if isinstance(every, bool) or not isinstance(every, (int, float)) or not every > 0:
            raise InvalidParameterError(f"every must be a positive number of seconds or a duration like '1h', "
                                        f"not {every!r}")
        return float(every)

    # --- what is tracked ------------------------------------------------------------------------

    async def add(self, users: UserRef | Iterable[UserRef],
                  rulesets: Ruleset | str | Iterable[Ruleset | str] = ("osu",)) -> None:
        """Track ``users`` in ``rulesets`` from now on (`snapshot` with no arguments takes them).

        ``users`` is an id, a username, or a list of them; names are looked up with
        ``users.get`` (``GET api/v2/users/{user}``), as the CLI does. ``rulesets`` is one
        ruleset or a list.

        Raises:
            InvalidParameterError: a user that is neither an id nor a name, or an unknown ruleset.
            NotFoundError: no user has that name.
        """
        names = self._rulesets(rulesets)
        pairs = [(uid, name) for uid in await self._ids(users) for name in names]
        db = await self._conn()
        await self._run(db.add, pairs, self.client._clock.time())

    async def remove(self, users: UserRef | Iterable[UserRef]) -> None:
        """Stop tracking ``users`` (ids or names; their history stays)."""
        ids = await self._ids(users)
        db = await self._conn()
        await self._run(db.remove, ids)

    async def tracked(self) -> list[tuple[int, str]]:
        """``(user_id, ruleset)`` pairs being tracked."""
        db = await self._conn()
        return await self._run(db.tracked)

    # --- snapshots ------------------------------------------------------------------------------

    async def snapshot(self, users: UserRef | Iterable[UserRef] | None = None,
                       rulesets: Ruleset | str | Iterable[Ruleset | str] = ("osu",)) -> Snapshots:
        """Fetch and store the statistics and top plays of ``users`` (ids or names) in ``rulesets``
        (default: everything added with `add`).

        Users osu! does not return (no such user, or restricted) are skipped: each gets a
        WARNING on the ``osukit.track`` logger and is listed in the result's ``missing``.

        Route: ``GET api/v2/users`` (50 ids a request) and ``GET api/v2/users/{user}/scores/best``
        (one per user and ruleset), through the client's rate limiter. Scope: ``public``.

        Returns:
            The snapshots taken (a list), with ``missing``: the user ids that were skipped.
        """
        db = await self._conn()
        if users is None:
            pairs = await self._run(db.tracked)
        else:
            names = self._rulesets(rulesets)
            pairs = [(u, r) for u in await self._ids(users) for r in names]
        if not pairs:
            return Snapshots()
        ids = list(dict.fromkeys(u for u, _ in pairs))
        profiles = dict(zip(ids, await self.client.users.get_many(ids), strict=True))
        now = self.client._clock.time()
        taken: list[Snapshot] = []
        missing = [uid for uid in ids if profiles.get(uid) is None]
        for uid in missing:
            log.warning("user %d not found, skipped (no such user, or restricted)", uid)
        if missing:
            gone = set(missing)
            await self._run(db.missed, [(u, r) for u, r in pairs if u in gone], now)
        for uid, ruleset in pairs:
            user = profiles.get(uid)
            if user is None:
                continue
            stats = _value(user, "statistics_rulesets", ruleset)
            plays = await self.client.users.scores(uid, "best", mode=ruleset, limit=self.top).to_list()
            taken.append(await self._run(db.store, uid, ruleset, now, _value(user, "username"), stats, plays))
        return Snapshots(taken, missing)

    async def history(self, user: UserRef, ruleset: Ruleset | str = "osu", *,
                      top_plays: bool = False) -> list[Snapshot]:
        """Every snapshot of ``user`` (id or name) in ``ruleset``, oldest first (with top plays if
        ``top_plays``)."""
        name = self._ruleset(ruleset)
        uid = await self._id(user)
        db = await self._conn()
        return await self._run(db.history, uid, name, bool(top_plays))

    async def latest(self, user: UserRef, ruleset: Ruleset | str = "osu") -> Snapshot | None:
        """The newest snapshot of ``user`` (id or name) in ``ruleset``, with its top plays."""
        name = self._ruleset(ruleset)
        uid = await self._id(user)
        db = await self._conn()
        return await self._run(db.latest, uid, name)

    async def diff(self, user: UserRef, *, since: _dt.datetime | _dt.timedelta | float | str,
                   ruleset: Ruleset | str = "osu") -> Diff | None:
        """What changed for ``user`` (id or name) between ``since`` and the newest snapshot.

        ``since`` is a duration back from the client clock's now (a timedelta, or a string
        like the CLI's ``"7d"``, ``"12h"``, ``"30m"``, ``"1h30m"``), a datetime, or seconds
        since the epoch. The "before" side is the last snapshot taken at or before ``since``
        (or the first one after it, when none is that old). None when there are fewer than
        two snapshots to compare.

        Raises:
            InvalidParameterError: ``since`` is none of these (a string without a unit too).
        """
        cutoff = self._cutoff(since)
        name = self._ruleset(ruleset)
        uid = await self._id(user)
        db = await self._conn()
        return await self._run(db.diff, uid, cutoff, name)

    async def never_found(self, user: UserRef, ruleset: Ruleset | str = "osu") -> bool:
        """True when ``user`` is tracked in ``ruleset``, has no snapshot, and the last run did not find
        them (osu! did not return the user: no such user, or restricted), even when that run took no
        snapshot of anyone."""
        name = self._ruleset(ruleset)
        uid = await self._id(user)
        db = await self._conn()
        return await self._run(db.never_found, uid, name)

    async def missing_since(self, user: UserRef, ruleset: Ruleset | str = "osu") -> _dt.datetime | None:
        """When the last run did not find ``user`` in ``ruleset`` (osu! did not return the user: no such
        user, or restricted), as a UTC datetime; None when it found them (or never looked). Their
        snapshots from before stay in the database; the next snapshot that finds them clears this."""
        name = self._ruleset(ruleset)
        uid = await self._id(user)
        db = await self._conn()
        when = await self._run(db.missing_since, uid, name)
        return None if when is None else _dt.datetime.fromtimestamp(when, _dt.timezone.utc)

    # --- plots ----------------------------------------------------------------------------------

    async def plot(self, user: UserRef, ruleset: Ruleset | str = "osu") -> Figure:
        """pp and global rank over time, from the stored snapshots (needs ``osukit[plot]``)."""
        from ..plot import tracked_history

        return tracked_history(await self.history(user, ruleset))

    # --- schedule -------------------------------------------------------------------------------

    async def due(self, every: float | str | _dt.timedelta, *, name: str = "default") -> float:
        """Seconds until the next scheduled snapshot (0: now). Registers the schedule on first use;
        its state lives in the database, so a restarted ``run --every`` keeps the same rhythm.

        ``every`` is seconds, a timedelta or a duration string (``"1h"``). A changed interval
        applies at once: the next snapshot is due the new interval after the last one (now,
        when that is already past).
        """
        seconds = self._seconds(every)
        if not isinstance(name, str) or not name:
            raise InvalidParameterError(f"name must be a non-empty string, not {name!r}")
        db = await self._conn()
        return await self._run(db.due, seconds, name, self.client._clock.time())

    async def run_due(self, every: float | str | _dt.timedelta, *, name: str = "default") -> Snapshots | None:
        """Take the scheduled snapshot if it is due (then plan the next one ``every`` seconds after the
        planned time, skipping missed ones); None when not due yet."""
        if await self.due(every, name=name) > 0:
            return None
        taken = await self.snapshot()
        db = await self._conn()
        await self._run(db.ran, self._seconds(every), name, self.client._clock.time())
        return taken

    async def run_forever(self, every: float | str | _dt.timedelta, *, name: str = "default",
                          iterations: int | None = None) -> int:
        """Take snapshots every ``every`` seconds, sleeping on the client's clock between them,
        until interrupted (or ``iterations`` snapshots); returns how many were taken."""
        if iterations is not None and (isinstance(iterations, bool) or not isinstance(iterations, int)
                                       or iterations < 1):
            raise InvalidParameterError(f"iterations must be a whole number >= 1 or None, not {iterations!r}")
        done = 0
        while iterations is None or done < iterations:
            wait = await self.due(every, name=name)
            if wait > 0:
                await self.client._clock.asleep(wait)
                continue
            await self.run_due(every, name=name)
            done += 1
        return done

    async def next_run(self, name: str = "default") -> float | None:
        """When the next scheduled snapshot is due (epoch seconds), or None with no schedule yet."""
        sched = await self.schedule(name)
        return None if sched is None else float(sched["next_run"])

    async def schedule(self, name: str = "default") -> dict[str, Any] | None:
        """The stored schedule: ``every``, ``next_run``, ``last_run`` (epoch seconds), ``runs``."""
        db = await self._conn()
        return await self._run(db.schedule, name)

