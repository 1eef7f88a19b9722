"""``MissingScopeError`` raised before any request says so: which scope, which token, how to get one,
and no HTTP status (none was sent). After osu! (or the hub) answered 403 it does quote the status."""

from __future__ import annotations

from typing import Any

import pytest

import osukit
import osukit.referee as R
from osukit._route import Route
from osukit.cli._errors import explain

from .conftest import Env

CHAT_ROUTE = Route("GET", "api/v2/chat/channels", scope="chat.read", name="chat.channels", response=Any)
AS_USER = Route("GET", "api/v2/me", scope="public", name="me.public", response=Any, requires_user=True)


def _no_status(exc: osukit.MissingScopeError) -> str:
    text = str(exc)
    assert not text.startswith("403"), text
    assert "403" not in text and exc.requested is False
    assert "no request was sent" in text or "not connected" in text
    assert repr(exc).startswith("MissingScopeError(scope=")
    return text


async def test_referee_scope_check_names_scope_token_and_remedy(env: Env) -> None:
    chat_only = env.async_client(env.bot, ("delegate", "chat.write"))
    async with chat_only:
        with pytest.raises(osukit.MissingScopeError) as info:
            await R.AsyncRefereeClient(chat_only, base_url=env.emu.base_url).connect()
    text = _no_status(info.value)
    assert "'multiplayer.write_manage'" in text and "delegate chat.write" in text
    assert "StaticToken" in text  # which token
    assert "scopes=('delegate', 'multiplayer.write_manage')" in text and "authorization-code" in text
    assert "owns the OAuth application" in text
    shown = explain(info.value)
    assert "403" not in shown.title and shown.hint is None  # the remedy is in the line already


async def test_referee_scope_refused_by_the_hub_quotes_the_status(env: Env) -> None:
    lying = env.async_client(env.bot, ("delegate", "chat.write"), claimed=("delegate", "multiplayer.write_manage"))
    async with lying:
        with pytest.raises(osukit.MissingScopeError) as info:
            await R.AsyncRefereeClient(lying, base_url=env.emu.base_url).connect()
    assert info.value.requested is True and str(info.value).startswith("403:")


@pytest.mark.parametrize("sync", [False, True])
async def test_client_scope_check_before_a_request(env: Env, sync: bool) -> None:
    grant = osukit.StaticToken("t", scopes=["public"])
    if sync:
        with osukit.Client(base_url="http://127.0.0.1:9", rate_limit=0, grant=grant, retry=False) as client:
            with pytest.raises(osukit.MissingScopeError) as info:
                client._call(CHAT_ROUTE)
    else:
        async with osukit.AsyncClient(base_url="http://127.0.0.1:9", rate_limit=0, grant=grant, retry=False) as aclient:
            with pytest.raises(osukit.MissingScopeError) as info:
                await aclient._call(CHAT_ROUTE)
    text = _no_status(info.value)
    assert "chat.channels" in text and "'chat.read'" in text and "(it has: public)" in text
    assert "StaticToken" in text and "osukit login --scope public --scope chat.read" in text
    assert info.value.remedy and info.value.remedy in text


async def test_client_credentials_without_delegate_on_a_user_route(env: Env) -> None:
    async with osukit.AsyncClient(base_url=env.emu.base_url, rate_limit=0, client_id=env.emu.client_id,
                                  client_secret=env.emu.client_secret, scopes=("public",)) as client:
        with pytest.raises(osukit.MissingScopeError) as info:
            await client._call(AS_USER)
    text = _no_status(info.value)
    assert "acts as a user" in text and "client-credentials token" in text and "'delegate'" in text


def test_remedies_follow_osu_web_rules() -> None:
    from osukit.auth import scope_remedy

    assert "scopes=('delegate', 'chat.write')" in scope_remedy("chat.write")
    assert "owns the OAuth application" in scope_remedy("chat.read") and "delegate" not in scope_remedy("chat.read")
    assert scope_remedy("identify").startswith("an authorization-code login")
    assert "only client credentials" in scope_remedy("group_permissions")
