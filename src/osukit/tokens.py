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
import json
import os
import stat
import threading
import time
import warnings
from collections.abc import Iterator, Mapping
from pathlib import Path
from typing import TYPE_CHECKING, Any, Protocol, runtime_checkable

import msgspec

from ._constants import TOKEN_REFRESH_MARGIN
from ._exceptions import TokenStoreError
from ._files import atomic_write
from ._redact import register_secret

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
        register_secret(self.access_token)
        register_secret(self.refresh_token)

    def __repr__(self) -> str:
        refresh = ", refresh_token=[redacted]" if self.refresh_token else ""
        return (
            f"Token(access_token=[redacted]{refresh}, expires_at={self.expires_at:.0f}, "
            f"scopes={self.scopes!r}, user_id={self.user_id!r})"
        )

    __str__ = __repr__

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
        return msgspec.to_builtins(self)  # type: ignore[no-any-return]

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


def _secure_existing(path: Path) -> None:
    """Make an existing secrets file owner-only, warning when it was not."""
    try:
        mode = stat.S_IMODE(path.stat().st_mode)
    except FileNotFoundError:
        return
    except OSError as exc:
        raise TokenStoreError(f"cannot inspect token file {path.name}: {exc.strerror}") from None
    if mode & 0o077:
        warnings.warn(
            f"token file {path} was readable by other users (mode {mode:o}); changed to 0600",
            stacklevel=3,
        )
        try:
            path.chmod(0o600)
        except OSError as exc:
            raise TokenStoreError(f"token file {path.name} is readable by others and cannot be fixed") from exc


class FileTokenStore:
    """Tokens in one JSON file, written atomically with mode 0600.

    Every save writes a temporary file beside the target and renames it over
    the old one, so a crash leaves either the old or the new content, never a
    torn file. A lock file serialises writers from several processes.
    """

    def __init__(self, path: str | os.PathLike[str] | None = None) -> None:
        self.path = Path(path) if path is not None else default_token_path()
        self._lock = threading.Lock()

    def __repr__(self) -> str:
        return f"FileTokenStore(path={str(self.path)!r})"

    @contextlib.contextmanager
    def _locked(self) -> Iterator[None]:
        with self._lock:
            self.path.parent.mkdir(parents=True, exist_ok=True, mode=0o700)
            lock_path = self.path.with_name(self.path.name + ".lock")
            fd = os.open(lock_path, os.O_RDWR | os.O_CREAT, 0o600)
            try:
                try:
                    import fcntl

                    fcntl.flock(fd, fcntl.LOCK_EX)
                except ImportError:  # pragma: no cover - Windows: the thread lock is all we have
                    pass
                yield
            finally:
                os.close(fd)

    def _read(self) -> dict[str, Any]:
        _secure_existing(self.path)
        try:
            raw = self.path.read_bytes()
        except FileNotFoundError:
            return {}
        except OSError as exc:
            raise TokenStoreError(f"cannot read token file {self.path.name}: {exc.strerror}") from None
        if not raw.strip():
            return {}
        try:
            data = json.loads(raw)
        except ValueError:
            raise TokenStoreError(
                f"token file {self.path} is not valid JSON; move it aside to start fresh"
            ) from None
        if not isinstance(data, dict):
            raise TokenStoreError(f"token file {self.path} does not hold a JSON object")
        return data

    def _write(self, data: dict[str, Any]) -> None:
        atomic_write(self.path, json.dumps(data, indent=1, sort_keys=True).encode(), mode=0o600)

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


class SQLiteTokenStore:
    """Tokens in a SQLite database (one row per key), mode 0600, safe across processes."""

    def __init__(self, path: str | os.PathLike[str]) -> None:
        self.path = Path(path)
        self._lock = threading.Lock()
        self.path.parent.mkdir(parents=True, exist_ok=True, mode=0o700)
        if not self.path.exists():
            fd = os.open(self.path, os.O_RDWR | os.O_CREAT, 0o600)
            os.close(fd)
        _secure_existing(self.path)
        with self._connect() as db:
            db.execute("CREATE TABLE IF NOT EXISTS osukit_tokens (key TEXT PRIMARY KEY, token TEXT NOT NULL)")

    def __repr__(self) -> str:
        return f"SQLiteTokenStore(path={str(self.path)!r})"

    @contextlib.contextmanager
    def _connect(self) -> Iterator[sqlite3.Connection]:
        import sqlite3

        try:
            db = sqlite3.connect(self.path, timeout=30, isolation_level=None)
        except sqlite3.Error as exc:
            raise TokenStoreError(f"cannot open token database {self.path.name}: {exc}") from None
        try:
            db.execute("BEGIN IMMEDIATE")
            yield db
            db.execute("COMMIT")
        except sqlite3.Error as exc:
            with contextlib.suppress(sqlite3.Error):
                db.execute("ROLLBACK")
            raise TokenStoreError(f"token database {self.path.name}: {exc}") from None
        finally:
            db.close()

    def load(self, key: str) -> Token | None:
        with self._lock, self._connect() as db:
            row = db.execute("SELECT token FROM osukit_tokens WHERE key = ?", (key,)).fetchone()
        if row is None:
            return None
        try:
            return Token.from_dict(json.loads(row[0]))
        except ValueError:
            raise TokenStoreError(f"stored token {key!r} is damaged") from None

    def save(self, key: str, token: Token) -> None:
        with self._lock, self._connect() as db:
            db.execute(
                "INSERT INTO osukit_tokens (key, token) VALUES (?, ?) "
                "ON CONFLICT(key) DO UPDATE SET token = excluded.token",
                (key, json.dumps(token.to_dict())),
            )

    def delete(self, key: str) -> None:
        with self._lock, self._connect() as db:
            db.execute("DELETE FROM osukit_tokens WHERE key = ?", (key,))

    def keys(self) -> list[str]:
        """Every key with a saved token."""
        with self._lock, self._connect() as db:
            return [r[0] for r in db.execute("SELECT key FROM osukit_tokens ORDER BY key")]
