"""Secrets stay hidden from every generic inspection (issue 16, "Secrets reach a user's screen").

Every object that holds a credential (``Token``, the grants, the clients, the pools, the token
stores, the token managers, the referee hub connection, the chat streams) is rendered with
``repr``, ``str``, ``rich.inspect`` (public and ``all=True``), ``rich.pretty``, ``pprint``, the
rendering of ``vars(obj)`` / ``msgspec.structs.asdict(obj)``, and ``dataclasses``-style dicts;
no secret may appear. The credentials are ``osukit.Secret`` values: plain ``str`` to use, ``'***'``
to inspection, so ``token.access_token`` keeps working and the token stores keep their format.
"""

from __future__ import annotations

import asyncio
import copy
import io
import json
import pickle
import pprint
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import msgspec
import pytest

import osukit
from osukit._secret import Secret, reveal

from .._figures import count

rich = pytest.importorskip("rich")
from rich.console import Console  # noqa: E402
from rich.pretty import pretty_repr  # noqa: E402

ACCESS = "insp-access-0123456789abcdef"
REFRESH = "insp-refresh-0123456789abcdef"
CLIENT_SECRET = "insp-client-secret-0123456789"
API_KEY = "insp-api-key-0123456789abcdef"
HEADER_TOKEN = "insp-header-token-0123456789"
SECRETS = (ACCESS, REFRESH, CLIENT_SECRET, API_KEY, HEADER_TOKEN)
BASE = "http://127.0.0.1:9"


def renderings(obj: Any) -> Iterator[tuple[str, str]]:
    yield "repr", repr(obj)
    yield "str", str(obj)
    for all_ in (False, True):
        out = io.StringIO()
        rich.inspect(obj, console=Console(file=out, width=240), all=all_, private=all_, dunder=False)
        yield f"rich.inspect(all={all_})", out.getvalue()
    out = io.StringIO()
    Console(file=out, width=240).print(obj)
    yield "rich print", out.getvalue()
    yield "rich.pretty", pretty_repr(obj)
    yield "pprint", pprint.pformat(obj)
    if isinstance(obj, msgspec.Struct):
        yield "msgspec.structs.asdict", pprint.pformat(msgspec.structs.asdict(obj))
        yield "asdict rich", pretty_repr(msgspec.structs.asdict(obj))
    state = getattr(obj, "__dict__", None)
    if state is not None:
        yield "vars", pprint.pformat(vars(obj))
        yield "vars rich", pretty_repr(vars(obj))
        for name, value in vars(obj).items():  # one level down: what a debugger shows when expanded
            inner = getattr(value, "__dict__", None)
            if inner is not None and not isinstance(value, type):
                yield f"vars({name})", pprint.pformat(inner)
    yield "copy", repr(copy.deepcopy(obj)) if isinstance(obj, (osukit.Token, Secret)) else ""


def token() -> osukit.Token:
    return osukit.Token(access_token=ACCESS, refresh_token=REFRESH, expires_at=2e9, scopes=("public",), user_id=2)


def holders(tmp_path: Path) -> list[tuple[str, Any]]:
    tok = token()
    user = osukit.UserToken(1, CLIENT_SECRET, tok)
    memory = osukit.MemoryTokenStore()
    memory.save("k", tok)
    file_store = osukit.FileTokenStore(tmp_path / "tokens.json")
    file_store.save("k", tok)
    sqlite_store = osukit.SQLiteTokenStore(tmp_path / "tokens.db")
    sqlite_store.save("k", tok)
    client = osukit.Client(base_url=BASE, client_id=1, client_secret=CLIENT_SECRET, api_key=API_KEY)
    static_client = osukit.Client(base_url=BASE, access_token=ACCESS)
    header_client = osukit.Client(base_url=BASE, access_token=ACCESS, headers={"Authorization": f"Bearer {HEADER_TOKEN}"})
    aclient = osukit.AsyncClient(base_url=BASE, client_id=1, client_secret=CLIENT_SECRET, api_key=API_KEY)
    user_client = osukit.Client(base_url=BASE, grant=user, token_store=memory)
    pool = osukit.ClientPool(client_id=1, client_secret=CLIENT_SECRET, base_url=BASE)
    apool = osukit.AsyncClientPool(client_id=1, client_secret=CLIENT_SECRET, base_url=BASE)
    from osukit._referee.signalr import AsyncHubConnection

    async def _noop(*_: Any) -> None:
        return None

    hub = AsyncHubConnection(f"{BASE}/referee", ACCESS, on_invocation=_noop, on_close=_noop)
    from osukit.referee import AsyncRefereeClient, RefereeClient

    objects: list[tuple[str, Any]] = [
        ("Token", tok), ("Token without refresh", osukit.Token(access_token=ACCESS, expires_at=0.0)),
        ("ClientCredentials", osukit.ClientCredentials(1, CLIENT_SECRET)),
        ("AuthorizationCode", osukit.AuthorizationCode(1, CLIENT_SECRET, "http://127.0.0.1:8080/callback")),
        ("UserToken", user), ("StaticToken", osukit.StaticToken(ACCESS)),
        ("Client", client), ("Client(access_token)", static_client), ("Client(headers)", header_client),
        ("AsyncClient", aclient), ("Client(UserToken)", user_client),
        ("token manager", user_client._tokens), ("async token manager", aclient._tokens),
        ("ClientPool", pool), ("AsyncClientPool", apool),
        ("MemoryTokenStore", memory), ("FileTokenStore", file_store), ("SQLiteTokenStore", sqlite_store),
        ("AsyncHubConnection", hub),
        ("AsyncRefereeClient", AsyncRefereeClient(static_client_async(), base_url=BASE)),
        ("RefereeClient", RefereeClient(static_client, base_url=BASE)),
        ("ChatStream", osukit.ChatStream(static_client)),
        ("AsyncChatStream", osukit.AsyncChatStream(static_client_async())),
        ("Secret", Secret(ACCESS)),
    ]
    return objects


def static_client_async() -> osukit.AsyncClient:
    return osukit.AsyncClient(base_url=BASE, access_token=ACCESS, api_key=API_KEY)


def test_no_generic_inspection_shows_a_secret(tmp_path: Path) -> None:
    checked = 0
    leaks: list[str] = []
    for name, obj in holders(tmp_path):
        for how, text in renderings(obj):
            if name == "Secret" and how in ("str", "rich print"):
                continue  # printing the secret itself prints it: str() is the way to use the value
            checked += 1
            for value in SECRETS:
                if value in text:
                    leaks.append(f"{name} via {how}: {value}")
    assert leaks == []
    count("secret paths", "inspections of secret holders", checked)


def test_secrets_stay_plain_strings_to_use(tmp_path: Path) -> None:
    tok = token()
    assert tok.access_token == ACCESS and isinstance(tok.access_token, str)
    assert f"Bearer {tok.access_token}" == f"Bearer {ACCESS}"
    assert isinstance(tok.access_token, Secret) and tok.access_token.get_secret_value() == ACCESS
    assert type(tok.access_token.get_secret_value()) is str and repr(tok.access_token) == "'***'"
    assert json.dumps(tok.access_token) == json.dumps(ACCESS)
    # token stores: the file format is unchanged (plain JSON strings), and round trips
    assert tok.to_dict()["access_token"] == ACCESS and type(tok.to_dict()["access_token"]) is str
    assert msgspec.json.encode(tok, enc_hook=reveal) == msgspec.json.encode(tok.to_dict())
    store = osukit.FileTokenStore(tmp_path / "t.json")
    store.save("k", tok)
    on_disk = json.loads((tmp_path / "t.json").read_text())
    assert ACCESS in json.dumps(on_disk) and REFRESH in json.dumps(on_disk)
    assert store.load("k") == tok and isinstance(store.load("k").refresh_token, Secret)  # type: ignore[union-attr]
    decoded = msgspec.json.decode(msgspec.json.encode(tok.to_dict()), type=osukit.Token)
    assert decoded == tok and isinstance(decoded.access_token, Secret)
    assert pickle.loads(pickle.dumps(tok)) == tok
    assert msgspec.structs.replace(tok, user_id=3).access_token == ACCESS
    grant = osukit.ClientCredentials(1, CLIENT_SECRET)
    assert grant.client_secret == CLIENT_SECRET and repr(grant.client_secret) == "'***'"
    client = osukit.Client(base_url=BASE, api_key=API_KEY)
    assert client.api_key == API_KEY


def test_credentials_still_reach_the_server() -> None:
    from osukit.emulator import Emulator

    with Emulator(seed=0) as emu:
        with osukit.Client(base_url=emu.base_url, client_id=emu.client_id, client_secret=emu.client_secret,
                           api_key=emu.api_key, rate_limit=0) as osu:
            assert osu.users.get(2).id == 2
            assert isinstance(osu._tokens.grant.client_secret, Secret)  # type: ignore[union-attr]

        async def run() -> int:
            async with osukit.AsyncClient(base_url=emu.base_url, client_id=emu.client_id,
                                          client_secret=emu.client_secret, rate_limit=0) as aosu:
                return (await aosu.users.get(2)).id

        assert asyncio.run(run()) == 2
