"""Shared plumbing for the examples: clients for osu! or for the bundled emulator."""

from __future__ import annotations

import argparse
import os
import sys
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from typing import Any

import osukit

USER_SCOPES = ["chat.read", "chat.write", "chat.write_manage", "identify", "public"]
BOT_SCOPES = ("delegate", "chat.write", "chat.write_manage")


def add_common_args(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--emulator", action="store_true", help="run against the bundled osu! emulator (no network)")
    parser.add_argument("--seconds", type=float, default=None, help="stop after this many seconds (default: until Ctrl-C)")
    parser.add_argument("--channel", type=int, action="append", default=[], help="channel id (repeatable)")
    parser.add_argument(
        "--login",
        action="store_true",
        help="osu!: log in in the browser (authorization code, needs OSU_REDIRECT_URI registered) "
        "instead of the bot account's delegate client-credentials token",
    )
    parser.add_argument("-v", "--verbose", action="store_true", help="log osukit's INFO lines")


@dataclass
class EmulatorSetup:
    """The emulator plus what an example needs from it."""

    emu: Any
    base_url: str
    notify_url: str
    bot_user_id: int
    other_user_id: int
    channel_id: int

    def user_client(self, user_id: int) -> osukit.AsyncClient:
        """An AsyncClient acting as ``user_id`` (like an authorization-code token with the chat scopes)."""
        token = self.emu.mint_token(user_id=user_id, scopes=USER_SCOPES)
        return osukit.AsyncClient(
            base_url=self.base_url,
            grant=osukit.StaticToken(token["access_token"], scopes=USER_SCOPES),
            rate_limit=0,
        )

    def delegate_client(self) -> osukit.AsyncClient:
        """An AsyncClient with the emulator app's delegate client-credentials token (a bot account)."""
        return osukit.AsyncClient(
            base_url=self.base_url,
            client_id=self.emu.client_id,
            client_secret=self.emu.client_secret,
            scopes=BOT_SCOPES,
            rate_limit=0,
        )


def _ids(emu: Any) -> tuple[int, int, int]:
    """(bot user id, another user id, a public channel id) from the emulator's dataset."""
    data = emu.dataset
    bot = _field(data, "bot_user_id")
    other = _field(data, "test_user_id")
    if not bot or not other:
        user_ids = [u for u in (_id(v, "id") for v in _values(_field(data, "users"))) if u is not None]
        if len(user_ids) < 2:
            raise SystemExit("the emulator's dataset has no two users to demo with")
        bot, other = user_ids[0], user_ids[1]
    public = [
        _id(c, "channel_id")
        for c in _values(_field(data, "channels"))
        if str(_field(c, "type") or "PUBLIC").upper() == "PUBLIC" and not _field(c, "moderated")
    ]
    channels = [c for c in public if c is not None]
    example = _field(_field(data, "params"), "channel")
    if not channels and example is not None:
        channels = [int(example)]  # the emulator's example channel (#osu)
    if not channels:
        raise SystemExit("the emulator's dataset has no open public channel to demo with")
    return int(bot), int(other), channels[0]


def _field(obj: Any, name: str) -> Any:
    if isinstance(obj, dict):
        return obj.get(name)
    return getattr(obj, name, None)


def _values(obj: Any) -> list[Any]:
    if obj is None:
        return []
    if isinstance(obj, dict):
        return list(obj.values())
    return list(obj)


def _id(obj: Any, name: str) -> int | None:
    if isinstance(obj, int):
        return obj
    value = _field(obj, name)
    if value is None and name != "id":
        value = _field(obj, "id")
    return int(value) if value is not None else None


@contextmanager
def emulator() -> Iterator[EmulatorSetup]:
    try:
        from osukit.emulator import Emulator
    except ImportError as exc:
        raise SystemExit(f"the emulator is not available ({exc}); pip install 'osukit[emulator]'") from None
    with Emulator(seed=0) as emu:
        bot_id, other_id, channel = _ids(emu)
        yield EmulatorSetup(emu, emu.base_url, emu.notify_url, bot_id, other_id, channel)


async def osu_client(login: bool) -> osukit.AsyncClient:
    """A client for osu! itself, from OSU_CLIENT_ID / OSU_CLIENT_SECRET."""
    if not os.environ.get("OSU_CLIENT_ID") or not os.environ.get("OSU_CLIENT_SECRET"):
        sys.exit("set OSU_CLIENT_ID and OSU_CLIENT_SECRET (or pass --emulator)")
    if not login:
        # A bot account's delegate token: it can send, but osu!'s websocket wants chat.read, which
        # delegate tokens cannot have (see osukit.realtime). Use --login to listen as a user.
        return osukit.AsyncClient(scopes=BOT_SCOPES)
    # A file token store remembers the login: only the first run opens the browser.
    client = osukit.AsyncClient(token_store=osukit.FileTokenStore())
    redirect = os.environ.get("OSU_REDIRECT_URI", "http://127.0.0.1:8080/callback")
    await client.login(redirect_uri=redirect, scopes=USER_SCOPES, on_url=lambda url: print("open:", url),
                       prompt=input)
    return client
