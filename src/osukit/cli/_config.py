"""Where the command line finds credentials: options, then environment variables, then a config file.

The config file is ``platformdirs.user_config_dir("osukit")/config.toml`` (or the
path in ``OSUKIT_CONFIG`` / ``--config``) with flat ``key = "value"`` lines:

```toml
client_id = 12345
client_secret = "…"
api_key = "…"
base_url = "https://dev.ppy.sh"
redirect_uri = "http://127.0.0.1:8080/callback"
notify_url = "wss://notify.ppy.sh"
v1_prefix = "api/v1"
timeout = 60  # seconds each request waits for its answer (OSUKIT_TIMEOUT, --timeout)
```
"""

from __future__ import annotations

import importlib
import json
import math
import os
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from .._constants import DEFAULT_DEADLINE, DEFAULT_MAX_RETRIES
from .._exceptions import ConfigurationError

__all__ = ["DEFAULT_REDIRECT_URI", "Settings", "default_config_path", "parse_config", "read_config"]

DEFAULT_REDIRECT_URI = "http://127.0.0.1:8080/callback"

#: Config-file keys and the environment variables that override them.
KEYS: dict[str, str] = {
    "client_id": "OSU_CLIENT_ID",
    "client_secret": "OSU_CLIENT_SECRET",
    "api_key": "OSU_API_KEY",
    "base_url": "OSU_BASE_URL",
    "access_token": "OSU_ACCESS_TOKEN",
    "redirect_uri": "OSU_REDIRECT_URI",
    "notify_url": "OSU_NOTIFY_URL",
    "v1_prefix": "OSU_V1_PREFIX",
    "token_file": "OSUKIT_TOKEN_FILE",
    "timeout": "OSUKIT_TIMEOUT",
}


def default_config_path() -> Path:
    """``OSUKIT_CONFIG`` when set, else ``<user config dir>/osukit/config.toml``."""
    env = os.environ.get("OSUKIT_CONFIG")
    if env:
        return Path(env)
    import platformdirs

    return Path(platformdirs.user_config_dir("osukit", appauthor=False)) / "config.toml"


def _scalar(text: str, where: str) -> Any:
    text = text.strip()
    if text.startswith(("'", '"')):
        quote = text[0]
        end = text.find(quote, 1)
        if end < 0:
            raise ConfigurationError(f"{where}: unterminated string")
        value = text[1:end]
        rest = text[end + 1 :].strip()
        if rest and not rest.startswith("#"):
            raise ConfigurationError(f"{where}: unexpected text after the value")
        if quote == '"':
            try:
                value = json.loads(f'"{value}"')
            except ValueError:
                raise ConfigurationError(f"{where}: invalid escape in a quoted string") from None
        return value
    text = text.split("#", 1)[0].strip()
    if text in ("true", "false"):
        return text == "true"
    try:
        return int(text)
    except ValueError:
        raise ConfigurationError(f"{where}: values must be quoted strings, integers or booleans") from None


def parse_config(text: str, *, source: str = "config") -> dict[str, Any]:
    """Parse the config file: TOML through ``tomllib`` when it exists (3.11+), else a tiny
    parser for flat ``key = "value"`` / ``key = 123`` lines (all this file needs)."""
    try:
        tomllib: Any = importlib.import_module("tomllib")
    except ImportError:  # pragma: no cover - Python 3.10
        data: dict[str, Any] = {}
        for number, raw in enumerate(text.splitlines(), 1):
            line = raw.strip()
            if not line or line.startswith("#"):
                continue
            if line.startswith("["):
                raise ConfigurationError(f"{source}:{number}: tables are not supported; use top-level keys") from None
            key, sep, value = line.partition("=")
            if not sep:
                raise ConfigurationError(f"{source}:{number}: expected key = value") from None
            data[key.strip().strip('"')] = _scalar(value, f"{source}:{number}")
        return data
    try:
        loaded: dict[str, Any] = tomllib.loads(text)
    except tomllib.TOMLDecodeError as exc:
        raise ConfigurationError(f"{source}: not valid TOML ({exc})") from None
    except RecursionError:
        raise ConfigurationError(f"{source}: not valid TOML (nested too deeply)") from None
    return loaded


def read_config(path: Path) -> dict[str, Any]:
    """The config file's keys (empty when the file does not exist)."""
    try:
        text = path.read_text(encoding="utf-8")
    except FileNotFoundError:
        return {}
    except OSError as exc:
        raise ConfigurationError(f"cannot read the config file {path}: {exc.strerror}") from None
    data = parse_config(text, source=str(path))
    unknown = sorted(set(data) - set(KEYS))
    if unknown:
        raise ConfigurationError(f"{path}: unknown key(s) {', '.join(unknown)}; known: {', '.join(KEYS)}")
    return data


SECRET_KEYS = ("client_secret", "api_key", "access_token")


def exposed_secrets(path: Path, values: dict[str, Any]) -> tuple[list[str], int]:
    """The secret keys ``values`` (read from ``path``) holds when the file is readable by its group or
    by others (POSIX permissions), and the file's mode; no keys when it is private (0600) or holds no
    secret. One ``stat``."""
    held = [key for key in SECRET_KEYS if values.get(key)]
    if not held or os.name != "posix":
        return [], 0
    try:
        mode = path.stat().st_mode & 0o777
    except OSError:
        return [], 0
    return (held, mode) if mode & 0o044 else ([], mode)


def warn_if_exposed(path: Path, values: dict[str, Any]) -> None:
    """One line on stderr when the config file holds a secret others can read, with the ``chmod`` to run."""
    held, mode = exposed_secrets(path, values)
    if held:
        import shlex
        import sys

        sys.stderr.write(f"osukit: warning: {path} holds {' and '.join(held)} and is readable by others "
                         f"(mode {mode:o}); make it private: chmod 600 {shlex.quote(str(path))}\n")
        sys.stderr.flush()


@dataclass
class Settings:
    """The resolved settings of one ``osukit`` run."""

    client_id: str | None = None
    client_secret: str | None = None
    api_key: str | None = None
    base_url: str | None = None
    access_token: str | None = None
    redirect_uri: str = DEFAULT_REDIRECT_URI
    notify_url: str | None = None
    v1_prefix: str | None = None
    """Where API v1 lives under the site (``api`` on osu.ppy.sh, e.g. ``api/v1`` on a private server)."""
    token_file: str | None = None
    timeout: str | None = None
    """Seconds each request waits for its answer (``--timeout``; checked by `timeout_seconds`)."""
    debug: bool = False
    config_path: Path | None = None
    sources: dict[str, str] = field(default_factory=dict)
    """Where each value came from (``option``, ``env``, ``config``)."""

    @classmethod
    def resolve(cls, options: dict[str, Any], *, config_path: Path | None = None, debug: bool = False) -> Settings:
        """Options win over environment variables, which win over the config file."""
        path = config_path or default_config_path()
        file_values = read_config(path)
        warn_if_exposed(path, file_values)
        settings = cls(debug=debug, config_path=path)
        for key, env in KEYS.items():
            value: Any = options.get(key)
            source = "option"
            if value is None or value == "":
                value, source = os.environ.get(env) or None, "env"
            if value is None:
                value, source = file_values.get(key), "config"
            if value is None:
                continue
            setattr(settings, key, str(value))
            settings.sources[key] = source
        settings._check_credentials()
        return settings

    def _check_credentials(self) -> None:
        """Placeholders (``client_secret = "…"`` as in the example file) or a client id that is not a
        number: a ConfigurationError naming where the value came from."""
        from .._credentials import checked_client_id, checked_secret

        where = {"option": " (--{key} option)", "env": " (environment variable {env})",
                 "config": f" (in {self.config_path})"}

        def _where(key: str) -> str:
            return where[self.sources[key]].format(key=key.replace("_", "-"), env=KEYS[key])

        if self.timeout is not None:
            parse_timeout(self.timeout, _where("timeout"))
        if self.client_id is not None:
            checked_client_id(self.client_id, where=_where("client_id"))
        for key, what in (("client_secret", None), ("api_key", "your API v1 key"),
                          ("access_token", "an OAuth access token")):
            value = getattr(self, key)
            if value is not None:
                checked_secret(value, name=key, what=what, where=_where(key))

    @property
    def timeout_seconds(self) -> float | None:
        """``timeout`` as seconds, or None when not set."""
        return None if self.timeout is None else parse_timeout(self.timeout, "")

    @property
    def effective_base_url(self) -> str:
        from .._constants import DEFAULT_BASE_URL

        return (self.base_url or DEFAULT_BASE_URL).rstrip("/")

    @property
    def login_key(self) -> str:
        """The token-store key ``osukit login`` saves the user's token under (one per site)."""
        return f"osukit-cli:{self.effective_base_url}"


def timeout_kwargs(seconds: float | None) -> dict[str, Any]:
    """Client keywords for ``--timeout SECONDS``: each attempt waits at most ``seconds`` for its whole
    answer (read timeout and per-request deadline); the retries keep room (an overall deadline of at
    least one ``seconds`` per attempt, never below the default)."""
    if seconds is None:
        return {}
    overall = max(DEFAULT_DEADLINE, seconds * (DEFAULT_MAX_RETRIES + 1) + 60)
    return {"timeout": seconds, "request_deadline": seconds, "deadline": overall}


def parse_timeout(value: Any, where: str) -> float:
    """A ``timeout`` setting as seconds > 0.

    Raises:
        ConfigurationError: not a positive finite number.
    """
    try:
        seconds = float(value)
    except (TypeError, ValueError):
        seconds = math.nan
    if not (math.isfinite(seconds) and seconds > 0):
        raise ConfigurationError(f"timeout{where} must be a number of seconds > 0, not {value!r}")
    return seconds
