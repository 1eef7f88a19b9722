"""Where the referee hub is: one rule for the Python clients and every CLI command.

1. an explicit ``base_url`` (``AsyncRefereeClient(client, base_url=…)``, ``--spectator-url``);
2. else ``$OSU_SPECTATOR_URL``;
3. else derived from the osukit client's ``base_url``:

   * ``https://osu.ppy.sh`` → ``https://spectator.ppy.sh`` (production);
   * ``https://dev.ppy.sh`` → ``https://dev.ppy.sh/signalr`` (osu!'s
     ``osu.Game/Online/DevelopmentEndpointConfiguration.cs`` puts the development server's hubs
     under ``{APIEndpointUrl}/signalr/…``);
   * any other ``*.ppy.sh`` host: refused with ``ConfigurationError`` (osukit does not guess
     where an unknown osu! server keeps its hubs, so a token never goes to the wrong one);
   * any other host (the osukit emulator, a private server) → that same ``base_url``: the
     server serves ``/referee`` itself.
"""

from __future__ import annotations

import os
from urllib.parse import urlsplit

from .._constants import DEFAULT_BASE_URL
from .._exceptions import ConfigurationError

__all__ = ["PRODUCTION_SPECTATOR_URL", "SPECTATOR_ENV", "spectator_base_url"]

SPECTATOR_ENV = "OSU_SPECTATOR_URL"
PRODUCTION_SPECTATOR_URL = "https://spectator.ppy.sh"
DEV_SPECTATOR_URL = "https://dev.ppy.sh/signalr"


def spectator_base_url(client_base_url: str | None, explicit: str | None = None) -> str:
    """The spectator server for a client on ``client_base_url`` (see the module docstring).

    Raises:
        ConfigurationError: the URL is not http(s), or the client is on an osu! host whose hub
            address is not documented (pass ``base_url`` / ``--spectator-url`` or set
            ``$OSU_SPECTATOR_URL``).
    """
    chosen = explicit or os.environ.get(SPECTATOR_ENV) or None
    if chosen:
        if not chosen.startswith(("http://", "https://")):
            raise ConfigurationError(f"the spectator server must be an http(s) URL, got {chosen!r}")
        return chosen.rstrip("/")
    base = (client_base_url or DEFAULT_BASE_URL).rstrip("/")
    host = (urlsplit(base).hostname or "").lower()
    if host == "osu.ppy.sh":
        return PRODUCTION_SPECTATOR_URL
    if host == "dev.ppy.sh":
        return DEV_SPECTATOR_URL
    if host == "ppy.sh" or host.endswith(".ppy.sh"):
        raise ConfigurationError(
            f"no known referee hub for the client's server {base!r}: pass base_url= (CLI: --spectator-url) "
            f"or set ${SPECTATOR_ENV}")
    return base
