"""A hint to log in with a scope names the whole scope set the command needs (`--scope` replaces the
default `public`, so `osukit login --scope chat.read` alone would lose it), in a command line the
`login` parser accepts."""

from __future__ import annotations

import re
from typing import Any

import typer

import osukit
from osukit.auth import login_command, scope_remedy
from osukit.cli._app import app
from osukit.cli._errors import explain
from tests.cli.conftest import Cli, emu_env, token_text


def _login_scopes(hint: str) -> list[str]:
    """The scopes of the `osukit login …` command line quoted in ``hint``, as the CLI parser reads them."""
    (line,) = re.findall(r"`(osukit login[^`]*)`", hint)
    args = line.split()[2:]
    group: Any = typer.main.get_command(app)
    login = group.commands["login"]
    ctx = login.make_context("login", args)  # raises click's UsageError on a line the parser refuses
    return list(ctx.params["scope"] or [])


def test_chat_tail_401_names_public_and_chat_read(cli: Cli, emu: Any) -> None:
    env = emu_env(emu)
    reader = token_text(emu.mint_token(user_id=emu.dataset["test_user_id"], scopes=["public", "chat.read"]))
    with osukit.Client(access_token=reader, base_url=emu.base_url, rate_limit=0) as osu:
        channel = next(c for c in osu.chat.channels() if str(c.type).upper().endswith("PUBLIC"))
    env["OSU_ACCESS_TOKEN"] = token_text(emu.mint_token(user_id=emu.dataset["test_user_id"],
                                                        scopes=["identify", "public"]))
    r = cli("chat", "tail", str(channel.channel_id), "--timeout", "1", env=env, timeout=120)
    assert r.code != 0
    (hint,) = [line for line in r.err.splitlines() if line.startswith("hint:")]
    assert "osukit login --scope public --scope chat.read" in hint
    assert set(_login_scopes(hint)) == {"public", "chat.read"}


def test_missing_scope_hint_keeps_public() -> None:
    for remedy in (None, scope_remedy("chat.write")):
        exc = osukit.MissingScopeError("needs chat.write", scope="chat.write", remedy=remedy)
        hint = explain(exc).hint or ""
        assert set(_login_scopes(hint)) == {"public", "chat.write"}, hint


def test_login_command() -> None:
    assert login_command("chat.read") == "osukit login --scope public --scope chat.read"
    assert login_command("public") == "osukit login --scope public"
    assert login_command("identify") == "osukit login --scope public"
    assert login_command("chat.read", "chat.write") == "osukit login --scope public --scope chat.read --scope chat.write"
    assert set(_login_scopes(f"`{login_command('friends.read')}`")) == {"public", "friends.read"}
