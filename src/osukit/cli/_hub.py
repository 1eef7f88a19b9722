"""Which account the referee hub commands act as: ONE rule for ``osukit referee …``, ``match run``
and ``lobby autohost``.

A room belongs to the account that made it, and the hub answers "You are not a referee in the
specified room" (error 2) to any other account: so every command that talks to the hub must pick
the same credentials from the same settings, or the follow-up commands ``match run`` prints
(``osukit referee invite ROOM USER``) would act as another account. The rule, first match wins:

1. ``--access-token`` (``OSU_ACCESS_TOKEN``), taken as carrying the scopes the command needs;
2. the stored ``osukit login`` when it carries ``multiplayer.write_manage`` (the documented way to
   run a match: ``osukit login --scope … --scope multiplayer.write_manage``, which also gives the
   ``chat.read`` the match runner reads the room's chat with);
3. the application's client credentials with ``delegate`` (acting as the application's owner: the
   bot account on the emulator) — for the hub ``delegate multiplayer.write_manage`` plus the chat
   scopes the bots write with; osu-web lets ``delegate`` go only with scopes that require
   delegation (``Token::validate``), so REST reads (``public``) get a second client-credentials
   token of the same application;
4. the stored login without the scope (the hub client then says which scope is missing and how
   to get it);
5. nothing: a one-line error naming both ways.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from ._errors import CliError, ExitCode

if TYPE_CHECKING:
    from ._state import State

__all__ = ["HUB_SCOPE", "HubCredentials", "hub_credentials"]

HUB_SCOPE = "multiplayer.write_manage"
"""The scope the referee hub wants (osu-web ``Token::SCOPES_OWN_CLIENT``)."""


@dataclass(frozen=True)
class HubCredentials:
    """Client keyword arguments for the hub client, and for REST reads when they need another token."""

    source: str
    """``access-token``, ``login`` or ``client-credentials``."""
    hub: dict[str, Any]
    rest: dict[str, Any] | None = None
    """Keyword arguments of a second client for ``public`` reads (client credentials only)."""


def hub_credentials(state: State, hub_scopes: tuple[str, ...]) -> HubCredentials:
    """The credentials every hub command uses (the rule in this module's docstring).

    ``hub_scopes`` are what the command needs on the hub connection (``multiplayer.write_manage``,
    and for the bots ``chat.write``/``chat.write_manage``); ``delegate`` is added for client
    credentials. Raises `CliError` (exit 4) when no credentials are configured.
    """
    from ..auth import StaticToken, UserToken

    s = state.settings
    scopes = tuple(dict.fromkeys(hub_scopes))
    if s.access_token:
        # a bare token's scopes are unknown: take it as carrying what the command needs
        return HubCredentials("access-token", {"grant": StaticToken(s.access_token, scopes=scopes)})
    stored = state.stored_login()
    login: dict[str, Any] | None = None
    if stored is not None:
        login = {"grant": UserToken(s.client_id, s.client_secret, stored, key=s.login_key),
                 "token_store": state.token_store()}
        if HUB_SCOPE in stored.scopes:
            return HubCredentials("login", login)
    if s.client_id and s.client_secret:
        delegated = ("delegate", *(x for x in scopes if x not in ("delegate", "public")))
        app = {"client_id": s.client_id, "client_secret": s.client_secret}
        return HubCredentials("client-credentials", {**app, "scopes": delegated}, {**app, "scopes": ("public",)})
    if login is not None:
        return HubCredentials("login", login)
    raise CliError(f"no credentials for {s.effective_base_url}",
                   f"set OSU_CLIENT_ID/OSU_CLIENT_SECRET (client credentials with delegate {HUB_SCOPE}), "
                   f"or run `osukit login --scope public --scope {HUB_SCOPE}`, or pass --access-token",
                   ExitCode.AUTH)
