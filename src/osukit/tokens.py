"""OAuth tokens and where they are kept.

A [`Token`][osukit.Token] is what ``/oauth/token`` returned, with its expiry made
absolute. A token store is anything with ``load``/``save``/``delete`` (the
[`TokenStore`][osukit.TokenStore] protocol). osukit ships:

* [`MemoryTokenStore`][osukit.MemoryTokenStore] - a dict; gone when the process ends.
* [`FileTokenStore`][osukit.FileTokenStore] - one JSON file, replaced atomically, mode 0600
  (default location from platformdirs).
* [`SQLiteTokenStore`][osukit.SQLiteTokenStore] - a SQLite database (stdlib), mode 0600, safe
  for several processes on one machine.
* ``osukit.contrib.redis.RedisTokenStore`` - shared by many machines.

Tokens never appear in ``repr``; files holding them are created 0600 and a
group/world-readable one is fixed (with a warning) before it is read.
"""

from __future__ import annotations

import contextlib
import contextvars
import hashlib
import json
import os
import stat
import threading
import time
import warnings
from collections.abc import AsyncIterator, Iterator, Mapping
from pathlib import Path
from typing import TYPE_CHECKING, Any, Protocol, runtime_checkable

import msgspec

from ._constants import TOKEN_REFRESH_MARGIN
from ._exceptions import TokenStoreError
from ._files import (
    LockOpenError as _LockOpenError,
)
from ._files import (
    LockTimeout,
    NotRegularFile,
    afile_lock,
    atomic_write,
    file_lock,
    open_private,
    remove_stale_temps,
)
from ._redact import REDACTED
from ._secret import Secret, reveal

if TYPE_CHECKING:
    import sqlite3

__all__ = [
    "FileTokenStore",
    "MemoryTokenStore",
    "SQLiteTokenStore",
    "Token",
    "TokenStore",
    "default_token_path",
]


class Token(msgspec.Struct, frozen=True, kw_only=True):
    """An OAuth access token (and refresh token, for user tokens).

    ``expires_at`` is seconds since the epoch. ``scopes`` are the scopes that
    were granted. ``user_id`` is the resource owner when known (``None`` for a
    guest client-credentials token).
    """

    access_token: str
    token_type: str = "Bearer"
    expires_at: float
    refresh_token: str | None = None
    scopes: tuple[str, ...] = ()
    user_id: int | None = None

    def __post_init__(self) -> None:
        # Both tokens are kept as `Secret`s: plain ``str`` to use, ``'***'`` to any inspection
        # (rich.inspect, msgspec.structs.asdict, pprint, a debugger); registered for redaction too.
        msgspec.structs.force_setattr(self, "access_token", Secret(self.access_token))
        if self.refresh_token:
            msgspec.structs.force_setattr(self, "refresh_token", Secret(self.refresh_token))

    def __repr__(self) -> str:
        refresh = ", refresh_token=[redacted]" if self.refresh_token else ""
        return (
            f"Token(access_token=[redacted]{refresh}, expires_at={self.expires_at:.0f}, "
            f"scopes={self.scopes!r}, user_id={self.user_id!r})"
        )

    __str__ = __repr__

    def __rich_repr__(self) -> list[tuple[str, Any]]:
        """What ``rich`` pretty-printing shows (msgspec's own rich repr would show both tokens)."""
        fields: list[tuple[str, Any]] = [("access_token", REDACTED)]
        if self.refresh_token:
            fields.append(("refresh_token", REDACTED))
        fields += [("token_type", self.token_type), ("expires_at", self.expires_at), ("scopes", self.scopes),
                   ("user_id", self.user_id)]
        return fields

    def expires_in(self, now: float | None = None) -> float:
        """Seconds until expiry (negative when expired)."""
        return self.expires_at - (time.time() if now is None else now)

    def is_expired(self, now: float | None = None, margin: float = TOKEN_REFRESH_MARGIN) -> bool:
        """True when the token expires within ``margin`` seconds (refresh it first)."""
        return self.expires_in(now) <= margin

    def has_scope(self, scope: str) -> bool:
        """True when ``scope`` was granted (``*`` grants everything)."""
        return scope in self.scopes or "*" in self.scopes

    @classmethod
    def from_response(
        cls,
        body: Mapping[str, Any],
        *,
        now: float | None = None,
        requested_scopes: tuple[str, ...] = (),
        previous: Token | None = None,
    ) -> Token:
        """Build a token from an ``/oauth/token`` response body.

        osu! omits ``scope`` from the response; the requested scopes are used
        then. A refresh that returns no new refresh token keeps the old one.
        """
        try:
            access = body["access_token"]
            expires_in = float(body.get("expires_in", 86400))
        except (KeyError, TypeError, ValueError) as exc:
            raise TokenStoreError(f"token response lacks a usable access_token/expires_in ({exc})") from None
        if not isinstance(access, str) or not access:
            raise TokenStoreError("token response has an empty access_token")
        scope_value = body.get("scope")
        scopes = tuple(scope_value.split()) if isinstance(scope_value, str) and scope_value else requested_scopes
        if not scopes and previous is not None:
            scopes = previous.scopes
        refresh = body.get("refresh_token")
        if not isinstance(refresh, str) or not refresh:
            refresh = previous.refresh_token if previous is not None else None
        return cls(
            access_token=access,
            token_type=str(body.get("token_type", "Bearer")),
            expires_at=(time.time() if now is None else now) + expires_in,
            refresh_token=refresh,
            scopes=scopes,
            user_id=previous.user_id if previous is not None else None,
        )

    def to_dict(self) -> dict[str, Any]:
        """The token as JSON builtins (what the file and SQLite stores write)."""
        data: dict[str, Any] = msgspec.to_builtins(self, enc_hook=reveal)  # the tokens as plain text
        return data

    @classmethod
    def from_dict(cls, data: Any) -> Token:
        """The inverse of [`to_dict`][osukit.tokens.Token.to_dict]; raises [`TokenStoreError`][osukit.TokenStoreError] on a damaged record."""
        try:
            return msgspec.convert(data, cls)
        except msgspec.ValidationError as exc:
            raise TokenStoreError(f"stored token is damaged: {exc}") from None


@runtime_checkable
class TokenStore(Protocol):
    """Where tokens live between runs, keyed by a string (see `token_key`)."""

    def load(self, key: str) -> Token | None:
        """The token saved under ``key``, or None."""

    def save(self, key: str, token: Token) -> None:
        """Save ``token`` under ``key`` (replacing any old one)."""

    def delete(self, key: str) -> None:
        """Forget the token under ``key`` (no error when there is none)."""


class MemoryTokenStore:
    """Tokens in a dict: fast, per process, gone on exit."""

    def __init__(self) -> None:
        self._tokens: dict[str, Token] = {}
        self._lock = threading.Lock()

    def __repr__(self) -> str:
        return f"MemoryTokenStore(keys={sorted(self._tokens)!r})"

    def load(self, key: str) -> Token | None:
        with self._lock:
            return self._tokens.get(key)

    def save(self, key: str, token: Token) -> None:
        with self._lock:
            self._tokens[key] = token

    def delete(self, key: str) -> None:
        with self._lock:
            self._tokens.pop(key, None)

    def keys(self) -> list[str]:
        """Every key with a saved token."""
        with self._lock:
            return list(self._tokens)


def default_token_path() -> Path:
    """Where the default [`FileTokenStore`][osukit.FileTokenStore] keeps tokens (platformdirs' user data dir)."""
    import platformdirs

    return Path(platformdirs.user_data_dir("osukit", appauthor=False)) / "tokens.json"


def _not_regular(path: Path, kind: str) -> TokenStoreError:
    return TokenStoreError(
        f"token file {path} is {kind}; osukit neither follows nor changes it (a link's target is "
        "never chmod-ed or written): point the store at a regular file"
    )


def _secure_fd(path: Path, fd: int) -> None:
    """Make an open secrets file owner-only (through its descriptor), warning when it was not."""
    mode = stat.S_IMODE(os.fstat(fd).st_mode)
    if mode & 0o077:
        warnings.warn(
            f"token file {path} was readable by other users (mode {mode:o}); changed to 0600",
            stacklevel=4,
        )
        try:
            os.fchmod(fd, 0o600)
        except OSError as exc:
            raise TokenStoreError(f"token file {path.name} is readable by others and cannot be fixed") from exc


def _secure_existing(path: Path) -> None:
    """Make an existing secrets file owner-only, warning when it was not. A symbolic link, a
    directory or any other non-regular file raises `TokenStoreError` and is left alone."""
    try:
        fd = open_private(path)
    except NotRegularFile as exc:
        raise _not_regular(path, exc.kind) from None
    except OSError as exc:
        raise TokenStoreError(f"cannot inspect token file {path.name}: {exc.strerror}") from None
    if fd is None:
        return
    try:
        _secure_fd(path, fd)
    finally:
        os.close(fd)


def _lock_name(path: Path, key: str) -> Path:
    digest = hashlib.sha256(key.encode("utf-8", "surrogatepass")).hexdigest()[:16]
    return path.with_name(f".{path.name}.refresh-{digest}.lock")


class FileTokenStore:
    """Tokens in one JSON file, written atomically with mode 0600.

    Every save writes a temporary file beside the target (created 0600, named
    ``.{name}.osukit-tmp-…``) and renames it over the old one, so a crash leaves either the old
    or the new content, never a torn file; a temporary file left by a writer killed mid-write
    is deleted the first time a store object takes the file's lock. A lock file (``{name}.lock``, an OS file
    lock) serialises writers from several processes.

    **Refresh across processes.** `refresh_lock` holds an OS file lock per key
    (``.{name}.refresh-<hash>.lock``) around a token refresh, so several processes sharing one
    file refresh a rotating user token once and the others read the new token: no
    ``invalid_grant``. The OS releases it when a holder dies. ``lock_wait`` (35 s) bounds the wait.

    **What it refuses.** A symbolic link, a directory or any non-regular file at ``path`` raises
    `TokenStoreError`: it is never chmod-ed, followed or replaced.
    """

    def __init__(self, path: str | os.PathLike[str] | None = None, *, lock_wait: float = 35.0) -> None:
        self.path = Path(path) if path is not None else default_token_path()
        self.lock_wait = lock_wait
        self._lock = threading.Lock()
        self._cleaned = False

    def __repr__(self) -> str:
        return f"FileTokenStore(path={str(self.path)!r})"

    def _lock_timeout(self, what: str) -> TokenStoreError:
        return TokenStoreError(
            f"waited {self.lock_wait:g}s for another process holding the {what} lock of {self.path.name}; "
            "giving up rather than refreshing twice"
        )

    def _lock_file(self, name: Path, locker: Any) -> Any:
        """Open ``locker`` (file_lock/afile_lock) on ``name``; directory and lock-file failures
        (a file where the directory should be, a symbolic link as the lock file …) are typed."""
        try:
            self.path.parent.mkdir(parents=True, exist_ok=True, mode=0o700)
            return locker(name, timeout=self.lock_wait)
        except OSError as exc:
            raise TokenStoreError(f"cannot lock token file {self.path.name}: {exc.strerror}") from None

    @contextlib.contextmanager
    def _locked(self) -> Iterator[None]:
        with self._lock:
            lock = self._lock_file(self.path.with_name(self.path.name + ".lock"), file_lock)
            try:
                with lock:
                    if not self._cleaned:  # once per store: temp files a killed writer left
                        remove_stale_temps(self.path)
                        self._cleaned = True
                    yield
            except LockTimeout:
                raise self._lock_timeout("file") from None
            except _LockOpenError as exc:
                raise TokenStoreError(f"cannot lock token file {self.path.name}: {exc}") from None

    @contextlib.contextmanager
    def refresh_lock(self, key: str) -> Iterator[None]:
        """Hold the cross-process refresh lock of ``key`` (an OS file lock; see the class docs)."""
        lock = self._lock_file(_lock_name(self.path, key), file_lock)
        try:
            with lock:
                yield
        except LockTimeout:
            raise self._lock_timeout("refresh") from None
        except _LockOpenError as exc:
            raise TokenStoreError(f"cannot lock token file {self.path.name}: {exc}") from None

    @contextlib.asynccontextmanager
    async def arefresh_lock(self, key: str) -> AsyncIterator[None]:
        """`refresh_lock` for async code (waits without blocking the event loop)."""
        lock = self._lock_file(_lock_name(self.path, key), afile_lock)
        try:
            async with lock:
                yield
        except LockTimeout:
            raise self._lock_timeout("refresh") from None
        except _LockOpenError as exc:
            raise TokenStoreError(f"cannot lock token file {self.path.name}: {exc}") from None

    def _read(self) -> dict[str, Any]:
        try:
            fd = open_private(self.path)
        except NotRegularFile as exc:
            raise _not_regular(self.path, exc.kind) from None
        except OSError as exc:
            raise TokenStoreError(f"cannot read token file {self.path.name}: {exc.strerror}") from None
        if fd is None:
            return {}
        try:
            _secure_fd(self.path, fd)
            with os.fdopen(fd, "rb", closefd=False) as fh:
                raw = fh.read()
        except OSError as exc:
            raise TokenStoreError(f"cannot read token file {self.path.name}: {exc.strerror}") from None
        finally:
            os.close(fd)
        if not raw.strip():
            return {}
        data = load_json(raw, f"token file {self.path}", "move it aside to start fresh")
        if not isinstance(data, dict):
            raise TokenStoreError(f"token file {self.path} does not hold a JSON object")
        return data

    def _write(self, data: dict[str, Any]) -> None:
        try:
            atomic_write(self.path, json.dumps(data, indent=1, sort_keys=True).encode(), mode=0o600)
        except OSError as exc:
            raise TokenStoreError(f"cannot write token file {self.path.name}: {exc.strerror}") from None

    def load(self, key: str) -> Token | None:
        with self._locked():
            record = self._read().get(key)
        return None if record is None else Token.from_dict(record)

    def save(self, key: str, token: Token) -> None:
        with self._locked():
            data = self._read()
            data[key] = token.to_dict()
            self._write(data)

    def delete(self, key: str) -> None:
        with self._locked():
            data = self._read()
            if data.pop(key, None) is not None:
                self._write(data)

    def keys(self) -> list[str]:
        """Every key with a saved token."""
        with self._locked():
            return list(self._read())


def load_json(raw: str | bytes, what: str, advice: str) -> Any:
    """``json.loads`` whose every failure, a nesting deep enough to exhaust the stack included,
    is a `TokenStoreError`."""
    try:
        return json.loads(raw)
    except (ValueError, RecursionError):
        raise TokenStoreError(f"{what} is not valid JSON (or is nested absurdly deep); {advice}") from None


_SQLITE_HELD: contextvars.ContextVar[tuple[tuple[str, sqlite3.Connection], ...]] = contextvars.ContextVar(
    "osukit_sqlite_refresh_locks", default=()
)


class SQLiteTokenStore:
    """Tokens in a SQLite database (one row per key), mode 0600, safe across processes.

    **Refresh across processes.** `refresh_lock` opens a write transaction
    (``BEGIN IMMEDIATE``) and holds it around a token refresh; loads and saves made inside it (in
    the same thread or task) go through that transaction, which commits when the lock is
    released. Several processes sharing one database therefore refresh a rotating user token
    once, and the others read the new token: no ``invalid_grant``. Reads elsewhere are not
    blocked; other writers wait (refreshes of different keys are serialised too). The database
    lock dies with its holder. ``lock_wait`` (35 s) bounds the wait.

    A symbolic link, a directory or any non-regular file at ``path`` raises `TokenStoreError`.
    """

    def __init__(self, path: str | os.PathLike[str], *, lock_wait: float = 35.0) -> None:
        self.path = Path(path)
        self.lock_wait = lock_wait
        self._lock = threading.Lock()
        self.path.parent.mkdir(parents=True, exist_ok=True, mode=0o700)
        _secure_existing(self.path)
        if not self.path.exists():
            try:
                fd = os.open(self.path, os.O_RDWR | os.O_CREAT | os.O_EXCL | getattr(os, "O_NOFOLLOW", 0), 0o600)
            except FileExistsError:
                _secure_existing(self.path)
            except OSError as exc:
                raise TokenStoreError(f"cannot create token database {self.path.name}: {exc.strerror}") from None
            else:
                os.close(fd)
        with self._connect(write=True) as db:
            db.execute("CREATE TABLE IF NOT EXISTS osukit_tokens (key TEXT PRIMARY KEY, token TEXT NOT NULL)")

    def __repr__(self) -> str:
        return f"SQLiteTokenStore(path={str(self.path)!r})"

    def _ident(self) -> str:
        return os.path.realpath(self.path)

    def _held(self) -> sqlite3.Connection | None:
        ident = self._ident()
        for name, db in _SQLITE_HELD.get():
            if name == ident:
                return db
        return None

    def _open(self, timeout: float) -> sqlite3.Connection:
        import sqlite3

        try:
            return sqlite3.connect(self.path, timeout=timeout, isolation_level=None, check_same_thread=False)
        except sqlite3.Error as exc:
            raise TokenStoreError(f"cannot open token database {self.path.name}: {exc}") from None

    @contextlib.contextmanager
    def _connect(self, *, write: bool) -> Iterator[sqlite3.Connection]:
        import sqlite3

        held = self._held()
        if held is not None:  # inside refresh_lock: its transaction
            try:
                yield held
            except sqlite3.Error as exc:
                raise TokenStoreError(f"token database {self.path.name}: {exc}") from None
            return
        db = self._open(self.lock_wait)
        try:
            if write:
                db.execute("BEGIN IMMEDIATE")
            yield db
            if write:
                db.execute("COMMIT")
        except sqlite3.Error as exc:
            with contextlib.suppress(sqlite3.Error):
                db.execute("ROLLBACK")
            raise TokenStoreError(f"token database {self.path.name}: {exc}") from None
        finally:
            db.close()

    def _begin(self) -> sqlite3.Connection:
        import sqlite3

        db = self._open(self.lock_wait)
        try:
            db.execute("BEGIN IMMEDIATE")
        except sqlite3.OperationalError as exc:
            db.close()
            if "locked" in str(exc) or "busy" in str(exc):
                raise TokenStoreError(
                    f"waited {self.lock_wait:g}s for another process holding the refresh lock of "
                    f"{self.path.name}; giving up rather than refreshing twice"
                ) from None
            raise TokenStoreError(f"token database {self.path.name}: {exc}") from None
        except sqlite3.Error as exc:
            db.close()
            raise TokenStoreError(f"token database {self.path.name}: {exc}") from None
        return db

    def _end(self, db: sqlite3.Connection, ok: bool) -> None:
        import sqlite3

        try:
            db.execute("COMMIT" if ok else "ROLLBACK")
        except sqlite3.Error as exc:
            with contextlib.suppress(sqlite3.Error):
                db.execute("ROLLBACK")
            if ok:
                raise TokenStoreError(f"token database {self.path.name}: could not commit ({exc})") from None
        finally:
            db.close()

    @contextlib.contextmanager
    def refresh_lock(self, key: str) -> Iterator[None]:
        """Hold the cross-process refresh lock (a ``BEGIN IMMEDIATE`` transaction; see the class docs).
        ``key`` is accepted for the protocol; the whole database is locked."""
        if self._held() is not None:
            yield
            return
        db = self._begin()
        reset = _SQLITE_HELD.set((*_SQLITE_HELD.get(), (self._ident(), db)))
        ok = False
        try:
            yield
            ok = True
        finally:
            _SQLITE_HELD.reset(reset)
            self._end(db, ok)

    @contextlib.asynccontextmanager
    async def arefresh_lock(self, key: str) -> AsyncIterator[None]:
        """`refresh_lock` for async code (the wait for the database lock runs in a thread)."""
        import asyncio

        if self._held() is not None:
            yield
            return
        db = await asyncio.to_thread(self._begin)
        reset = _SQLITE_HELD.set((*_SQLITE_HELD.get(), (self._ident(), db)))
        ok = False
        try:
            yield
            ok = True
        finally:
            _SQLITE_HELD.reset(reset)
            self._end(db, ok)

    def load(self, key: str) -> Token | None:
        with self._connect(write=False) as db:
            row = db.execute("SELECT token FROM osukit_tokens WHERE key = ?", (key,)).fetchone()
        if row is None:
            return None
        return Token.from_dict(load_json(row[0], f"stored token {key!r}", "delete it to start fresh"))

    def save(self, key: str, token: Token) -> None:
        with self._connect(write=True) as db:
            db.execute(
                "INSERT INTO osukit_tokens (key, token) VALUES (?, ?) "
                "ON CONFLICT(key) DO UPDATE SET token = excluded.token",
                (key, json.dumps(token.to_dict())),
            )

    def delete(self, key: str) -> None:
        with self._connect(write=True) as db:
            db.execute("DELETE FROM osukit_tokens WHERE key = ?", (key,))

    def keys(self) -> list[str]:
        """Every key with a saved token."""
        with self._connect(write=False) as db:
            return [r[0] for r in db.execute("SELECT key FROM osukit_tokens ORDER BY key")]
