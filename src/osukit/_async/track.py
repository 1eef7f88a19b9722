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
import os
from collections.abc import Callable, Iterable
from typing import TYPE_CHECKING, Any, TypeVar

from .._exceptions import ConfigurationError, InvalidParameterError
from .._trackdb import Diff, Snapshot, TrackDB, _ts, _value
from ..enums import Ruleset

if TYPE_CHECKING:
    from matplotlib.figure import Figure

    from .client import AsyncClient

__all__ = ["AsyncTracker"]

T = TypeVar("T")

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

    Args:
        client: an `osukit.AsyncClient` (its rate limiter paces every request; its clock
            stamps the snapshots).
        path: the database file (created, and migrated to `osukit.track.SCHEMA_VERSION`, on open).
        top: how many top plays to keep per snapshot (1-200; osu-web serves up to 200 ``best``).

    Raises:
        InvalidParameterError: ``top`` out of range.
        ConfigurationError: the database was written by a newer osukit (on open).
        TokenStoreError: SQLite could not open or write the database.
    """

    def __init__(self, client: AsyncClient, path: str | os.PathLike[str], *, top: int = 100) -> None:
        if not 1 <= top <= 200:
            raise InvalidParameterError("top must be between 1 and 200")
        self.client = client
        self.path = os.fspath(path)
        self.top = top
        self._db: TrackDB | None = None
        self._opening = asyncio.Lock()
        if not _IS_ASYNC:
            self._db = TrackDB(self.path)

    def __repr__(self) -> str:
        state = f"schema={self._db.version}" if self._db is not None else "not open"
        return f"{type(self).__name__}({self.path!r}, {state})"

    async def _run(self, fn: Callable[..., T], *args: Any) -> T:
        return await self.client._clock.arun_blocking(fn, *args)

    async def _conn(self) -> TrackDB:
        if self._db is None:
            async with self._opening:
                if self._db is None:
                    self._db = await self._run(TrackDB, self.path)
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
        """The open database's schema version (``PRAGMA user_version`` after migrating)."""
        if self._db is None:
            raise ConfigurationError("the tracking database is not open yet: use `async with` or await a method first")
        return self._db.version

    async def migrate(self) -> int:
        """Bring the schema up to `osukit.track.SCHEMA_VERSION` (done on open), one version per
        transaction; returns it."""
        db = await self._conn()
        return await self._run(db.migrate)

    # --- what is tracked ------------------------------------------------------------------------

    async def add(self, users: Iterable[int], rulesets: Iterable[Ruleset | str] = ("osu",)) -> None:
        """Track ``users`` (ids) in ``rulesets`` from now on (`snapshot` with no arguments takes them)."""
        names = [Ruleset.parse(r).value for r in rulesets]
        pairs = [(int(uid), name) for uid in users for name in names]
        db = await self._conn()
        await self._run(db.add, pairs, self.client._clock.time())

    async def remove(self, users: Iterable[int]) -> None:
        """Stop tracking ``users`` (their history stays)."""
        db = await self._conn()
        await self._run(db.remove, [int(u) for u in users])

    async def tracked(self) -> list[tuple[int, str]]:
        """``(user_id, ruleset)`` pairs being tracked."""
        db = await self._conn()
        return await self._run(db.tracked)

    # --- snapshots ------------------------------------------------------------------------------

    async def snapshot(self, users: Iterable[int] | None = None,
                       rulesets: Iterable[Ruleset | str] = ("osu",)) -> list[Snapshot]:
        """Fetch and store the statistics and top plays of ``users`` (ids) in ``rulesets``
        (default: everything added with `add`). Users that do not exist are skipped.

        Routes: ``GET api/v2/users`` (50 ids a request) and ``GET api/v2/users/{user}/scores/best``
        (one per user and ruleset), through the client's rate limiter. Scope: ``public``.
        """
        db = await self._conn()
        if users is None:
            pairs = await self._run(db.tracked)
        else:
            names = [Ruleset.parse(r).value for r in rulesets]
            pairs = [(int(u), r) for u in users for r in names]
        if not pairs:
            return []
        ids = list(dict.fromkeys(u for u, _ in pairs))
        profiles = dict(zip(ids, await self.client.users.get_many(ids), strict=True))
        now = self.client._clock.time()
        taken: list[Snapshot] = []
        for uid, ruleset in pairs:
            user = profiles.get(uid)
            if user is None:
                continue
            stats = _value(user, "statistics_rulesets", ruleset)
            plays = await self.client.users.scores(uid, "best", mode=ruleset, limit=self.top).to_list()
            taken.append(await self._run(db.store, uid, ruleset, now, _value(user, "username"), stats, plays))
        return taken

    async def history(self, user: int, ruleset: Ruleset | str = "osu", *, top_plays: bool = False) -> list[Snapshot]:
        """Every snapshot of ``user`` in ``ruleset``, oldest first (with top plays if ``top_plays``)."""
        db = await self._conn()
        return await self._run(db.history, int(user), Ruleset.parse(ruleset).value, top_plays)

    async def latest(self, user: int, ruleset: Ruleset | str = "osu") -> Snapshot | None:
        """The newest snapshot of ``user`` in ``ruleset``, with its top plays."""
        db = await self._conn()
        return await self._run(db.latest, int(user), Ruleset.parse(ruleset).value)

    async def diff(self, user: int, *, since: _dt.datetime | _dt.timedelta | float,
                   ruleset: Ruleset | str = "osu") -> Diff | None:
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
        db = await self._conn()
        return await self._run(db.diff, int(user), cutoff, Ruleset.parse(ruleset).value)

    # --- plots ----------------------------------------------------------------------------------

    async def plot(self, user: int, ruleset: Ruleset | str = "osu") -> Figure:
        """pp and global rank over time, from the stored snapshots (needs ``osukit[plot]``)."""
        from ..plot import tracked_history

        return tracked_history(await self.history(user, ruleset))

    # --- schedule -------------------------------------------------------------------------------

    async def due(self, every: float, *, name: str = "default") -> float:
        """Seconds until the next scheduled snapshot (0: now). Registers the schedule on first use;
        its state lives in the database, so a restarted ``run --every`` keeps the same rhythm."""
        if every <= 0:
            raise InvalidParameterError("every must be a positive number of seconds")
        db = await self._conn()
        return await self._run(db.due, float(every), name, self.client._clock.time())

    async def run_due(self, every: float, *, name: str = "default") -> list[Snapshot] | None:
        """Take the scheduled snapshot if it is due (then plan the next one ``every`` seconds after the
        planned time, skipping missed ones); None when not due yet."""
        if await self.due(every, name=name) > 0:
            return None
        taken = await self.snapshot()
        db = await self._conn()
        await self._run(db.ran, float(every), name, self.client._clock.time())
        return taken

    async def run_forever(self, every: float, *, name: str = "default", iterations: int | None = None) -> int:
        """Take snapshots every ``every`` seconds, sleeping on the client's clock between them,
        until interrupted (or ``iterations`` snapshots); returns how many were taken."""
        done = 0
        while iterations is None or done < iterations:
            wait = await self.due(every, name=name)
            if wait > 0:
                await self.client._clock.asleep(wait)
                continue
            await self.run_due(every, name=name)
            done += 1
        return done

    async def schedule(self, name: str = "default") -> dict[str, Any] | None:
        """The stored schedule: ``every``, ``next_run``, ``last_run`` (epoch seconds), ``runs``."""
        db = await self._conn()
        return await self._run(db.schedule, name)

