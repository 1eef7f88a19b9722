"""Per-run state: resolved settings and the clients commands use."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

from .._exceptions import ConfigurationError
from ._config import Settings
from ._errors import CliError, ExitCode

if TYPE_CHECKING:
    from .. import Client
    from ..tokens import FileTokenStore, Token

__all__ = ["State", "resolve_attr"]


def resolve_attr(obj: Any, dotted: str) -> Any:
    """``obj.a.b`` or a clear [`CliError`][osukit.cli._errors.CliError] naming what this osukit lacks."""
    cur = obj
    for part in dotted.split("."):
        nxt = getattr(cur, part, None)
        if nxt is None:
            raise CliError(
                f"this osukit build has no client.{dotted} yet",
                "upgrade osukit (this command needs a part of the client that is not written yet)",
                ExitCode.ERROR,
            )
        cur = nxt
    return cur


@dataclass
class State:
    """Options from the command line (global ones), turned into settings and clients on demand."""

    options: dict[str, Any] = field(default_factory=dict)
    config_path: Path | None = None
    debug: bool = False
    rate_limit: float | None = None
    _settings: Settings | None = None

    @property
    def settings(self) -> Settings:
        if self._settings is None:
            self._settings = Settings.resolve(self.options, config_path=self.config_path, debug=self.debug)
        return self._settings

    def timeouts(self) -> dict[str, Any]:
        """Client keywords for ``--timeout`` / ``OSUKIT_TIMEOUT`` / the config's ``timeout`` (none when unset)."""
        from ._config import timeout_kwargs

        return timeout_kwargs(self.settings.timeout_seconds)

    def token_store(self) -> FileTokenStore:
        from ..tokens import FileTokenStore

        return FileTokenStore(self.settings.token_file)

    def stored_login(self) -> Token | None:
        """The user token ``osukit login`` saved for this site, if any."""
        return self.token_store().load(self.settings.login_key)

    def client(self, *, user: bool = False, scopes: Iterable[str] | None = None, **kwargs: Any) -> Client:
        """A sync client.

        ``user=True``: the command needs a token acting as a user (``whoami``, chat):
        ``--access-token``, else the token from ``osukit login``. Otherwise:
        ``--access-token``, else client credentials, else the stored login.
        """
        from .. import Client
        from ..auth import UserToken

        s = self.settings
        common: dict[str, Any] = {"base_url": s.base_url, "api_key": s.api_key, "v1_prefix": s.v1_prefix,
                                  "app_name": "osukit-cli", "rate_limit": self.rate_limit, **self.timeouts(), **kwargs}
        if s.access_token:
            return Client(access_token=s.access_token, **common)
        has_app = bool(s.client_id and s.client_secret)
        if not user and has_app:
            return Client(client_id=s.client_id, client_secret=s.client_secret,
                          scopes=tuple(scopes) if scopes else None, **common)
        stored = self.stored_login()
        if stored is not None:
            grant = UserToken(s.client_id, s.client_secret, stored, key=s.login_key)
            return Client(grant=grant, token_store=self.token_store(), **common)
        if user:
            raise CliError(
                f"not logged in to {s.effective_base_url}",
                "run `osukit login` (or pass --access-token)",
                ExitCode.AUTH,
            )
        from ._errors import CREDENTIALS_HINT

        raise ConfigurationError(f"no credentials for {s.effective_base_url}", remedy=CREDENTIALS_HINT)

    def anonymous_client(self, **kwargs: Any) -> Client:
        """A client without OAuth (``.osu`` downloads, v1 with the API key)."""
        from .. import Client

        s = self.settings
        return Client(base_url=s.base_url, api_key=s.api_key, v1_prefix=s.v1_prefix, app_name="osukit-cli",
                      rate_limit=self.rate_limit, **{**self.timeouts(), **kwargs})
