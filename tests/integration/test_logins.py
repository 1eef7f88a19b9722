"""Logins over sockets against the emulator: two users through one app and one store keep separate
tokens, and a login is remembered by later clients built on the same store."""

from __future__ import annotations

import asyncio
import base64
import json
import threading
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest

import osukit
from osukit.auth import token_user_id, user_store_key


def _browser(url: str) -> None:
    """What a browser does: open the authorize page, follow osu!'s redirect to the callback."""
    threading.Thread(target=lambda: httpx.get(url, follow_redirects=True, timeout=30), daemon=True).start()


@pytest.fixture
def users(osu_emulator: Any) -> Iterator[tuple[int, int]]:
    """Two user ids; the emulator's authorize page approves as the first unless told otherwise."""
    original = osu_emulator.state.world.test_user_id
    other = next(u["id"] for u in osu_emulator.dataset["users"] if u["id"] != original)
    yield original, other
    osu_emulator.state.world.test_user_id = original
    osu_emulator.configure_server()


def _approve_as(emu: Any, user_id: int) -> None:
    r = httpx.post(f"{emu.base_url}/_emulator/config", json={"test_user_id": user_id}, timeout=10)
    assert r.status_code == 200


def _client(emu: Any, store: osukit.tokens.TokenStore, **kw: Any) -> osukit.Client:
    return osukit.Client(client_id=emu.client_id, client_secret=emu.client_secret, base_url=emu.base_url,
                         rate_limit=0, token_store=store, **kw)


def _login(client: osukit.Client, **kw: Any) -> osukit.Token:
    return client.login(redirect_uri="http://127.0.0.1:0/callback", open_browser=False, on_url=_browser,
                        timeout=60, **kw)


@pytest.mark.parametrize("layout", ["osu", "trailing-slash"])
def test_two_users_through_one_app_keep_separate_tokens(osu_emulator: Any, users: tuple[int, int],
                                                         tmp_path: Path, layout: str) -> None:
    a, b = users
    if layout == "trailing-slash":  # a private server: even the one GET /me that names the user is redirected
        osu_emulator.configure_server(trailing_slash_redirect=307)
    store = osukit.FileTokenStore(tmp_path / "tokens.json")
    with _client(osu_emulator, store) as first:
        token_a = _login(first)
        assert token_a.user_id == a and first.users.me().id == a
    _approve_as(osu_emulator, b)
    with _client(osu_emulator, store) as second:
        token_b = _login(second, force=True)
        assert token_b.user_id == b and second.users.me().id == b
    cid = osu_emulator.client_id
    assert sorted(store.keys()) == sorted([user_store_key(cid, a), user_store_key(cid, b)])
    assert store.load(user_store_key(cid, a)) == token_a
    assert store.load(user_store_key(cid, b)) == token_b
    # A client rebuilt from the store acts as the right person, each.
    for uid, token in ((a, token_a), (b, token_b)):
        grant = osukit.UserToken(cid, osu_emulator.client_secret, token)
        with osukit.Client(grant=grant, base_url=osu_emulator.base_url, rate_limit=0, token_store=store) as c:
            assert c.users.me().id == uid


def test_async_login_keys_by_user_too(osu_emulator: Any, users: tuple[int, int]) -> None:
    a, _ = users
    store = osukit.MemoryTokenStore()

    async def main() -> osukit.Token:
        async with osukit.AsyncClient(client_id=osu_emulator.client_id, client_secret=osu_emulator.client_secret,
                                      base_url=osu_emulator.base_url, rate_limit=0, token_store=store) as osu:
            token = await osu.login(redirect_uri="http://127.0.0.1:0/callback", open_browser=False,
                                    on_url=_browser, timeout=60)
            assert (await osu.users.me()).id == a
            return token

    token = asyncio.run(main())
    assert token.user_id == a
    assert store.keys() == [user_store_key(osu_emulator.client_id, a)]

    async def later_run() -> int:  # no login(): the stored one is used
        async with osukit.AsyncClient(client_id=osu_emulator.client_id, client_secret=osu_emulator.client_secret,
                                      base_url=osu_emulator.base_url, rate_limit=0, token_store=store) as osu:
            return (await osu.users.me()).id

    assert asyncio.run(later_run()) == a


def test_a_login_is_remembered_by_later_runs(osu_emulator: Any, users: tuple[int, int], tmp_path: Path) -> None:
    a, _ = users
    path = tmp_path / "tokens.json"
    with _client(osu_emulator, osukit.FileTokenStore(path)) as first_run:
        _login(first_run)
    # A later run without login(): the stored login is used for what needs a user.
    osu_emulator.reset_stats()
    with _client(osu_emulator, osukit.FileTokenStore(path)) as later:
        assert later.users.me().id == a
    assert osu_emulator.stats()["token_requests"] == {}  # not even an application token was needed
    # A later run that calls login() again: nothing is opened.
    opened: list[str] = []
    with _client(osu_emulator, osukit.FileTokenStore(path)) as later:
        token = later.login(open_browser=False, on_url=opened.append, timeout=5)
        assert opened == [] and token.user_id == a
        assert later.users.me().id == a
    # Scopes the stored login lacks need a new login.
    with _client(osu_emulator, osukit.FileTokenStore(path)) as later, \
            pytest.raises(osukit.AuthenticationError, match="within"):
        later.login(scopes=("identify", "public", "friends.read"), redirect_uri="http://127.0.0.1:0/cb",
                    open_browser=False, on_url=opened.append, timeout=0.5)
    assert len(opened) == 1


def test_an_expired_stored_login_is_refreshed_by_a_later_run(osu_emulator: Any, users: tuple[int, int]) -> None:
    a, _ = users
    store = osukit.MemoryTokenStore()
    with _client(osu_emulator, store) as first:
        token = _login(first)
    key = store.keys()[0]
    store.save(key, osukit.Token(access_token=token.access_token, expires_at=0, refresh_token=token.refresh_token,
                                 scopes=token.scopes, user_id=token.user_id))
    with _client(osu_emulator, store) as later:
        assert later.users.me().id == a
    refreshed = store.load(key)
    assert refreshed is not None and refreshed.access_token != token.access_token and refreshed.user_id == a


def test_two_stored_logins_need_a_choice(osu_emulator: Any, users: tuple[int, int]) -> None:
    a, b = users
    beatmap = osu_emulator.dataset["params"]["beatmap"]
    store = osukit.MemoryTokenStore()
    with _client(osu_emulator, store) as c:
        _login(c)
    _approve_as(osu_emulator, b)
    with _client(osu_emulator, store) as c:
        _login(c, force=True)
    with _client(osu_emulator, store) as later:
        assert later.beatmaps.get(beatmap).id  # public reads need no user
        with pytest.raises(osukit.AmbiguousLoginError, match=r"2 users .*login\(user_id=") as caught:
            later.users.me()
        assert caught.value.user_ids == tuple(sorted((a, b)))
        assert isinstance(caught.value, osukit.ConfigurationError)
        assert not isinstance(caught.value, osukit.APIError) and not str(caught.value).startswith("403")
    # login() with no user_id does not guess and does not start a new browser login either.
    opened: list[str] = []
    with _client(osu_emulator, store) as later:
        with pytest.raises(osukit.AmbiguousLoginError, match=r"2 users are logged in.*login\(user_id=\.\.\.\)"):
            later.login(on_url=opened.append, open_browser=False, timeout=5)
        assert opened == []
    with _client(osu_emulator, osukit.MemoryTokenStore()) as fresh:  # one store, one app: others do not count
        assert fresh._ambiguous_login("x") is None
    with _client(osu_emulator, store) as later:
        later.login(user_id=a, on_url=opened.append, open_browser=False, timeout=5)
        assert opened == [] and later.users.me().id == a
    # force=True logs in anew (here: b again) instead of raising.
    with _client(osu_emulator, store) as later:
        assert _login(later, force=True).user_id == b
        assert later.users.me().id == b


def test_async_login_with_two_stored_logins_needs_a_choice(osu_emulator: Any, users: tuple[int, int]) -> None:
    a, b = users
    cid = osu_emulator.client_id
    store = osukit.MemoryTokenStore()
    for uid in (a, b):
        store.save(user_store_key(cid, uid), osukit.Token(access_token=f"t{uid}", expires_at=2**40,
                                                          refresh_token="r", scopes=("identify", "public"),
                                                          user_id=uid))
    opened: list[str] = []

    async def main() -> None:
        async with osukit.AsyncClient(client_id=cid, client_secret=osu_emulator.client_secret,
                                      base_url=osu_emulator.base_url, rate_limit=0, token_store=store) as osu:
            with pytest.raises(osukit.AmbiguousLoginError) as caught:
                await osu.login(on_url=opened.append, open_browser=False, timeout=5)
            assert caught.value.user_ids == tuple(sorted((a, b)))

    asyncio.run(main())
    assert opened == []


def test_a_client_with_explicit_scopes_never_acts_as_a_stored_user(osu_emulator: Any, users: tuple[int, int]) -> None:
    store = osukit.MemoryTokenStore()
    with _client(osu_emulator, store) as c:
        _login(c)
    with _client(osu_emulator, store, scopes=("public",)) as app_only, pytest.raises(osukit.MissingScopeError):
        app_only.users.me()


def _jwt(claims: dict[str, Any]) -> str:
    def part(obj: Any) -> str:
        return base64.urlsafe_b64encode(json.dumps(obj).encode()).decode().rstrip("=")

    return f"{part({'typ': 'JWT', 'alg': 'RS256'})}.{part(claims)}.c2lnbmF0dXJl"


def test_token_user_id_reads_the_sub_claim() -> None:
    assert token_user_id(_jwt({"aud": "77", "sub": "1234", "scopes": ["identify"]})) == 1234
    assert token_user_id(_jwt({"aud": "77", "sub": "", "scopes": ["public"]})) is None  # client credentials
    assert token_user_id(_jwt({"sub": 99})) == 99
    assert token_user_id(_jwt({"sub": True})) is None
    assert token_user_id("emu.abcdef") is None
    assert token_user_id("a.!!!.c") is None
    assert token_user_id("a." + "W" * 10000 + ".c") is None
    deep = base64.urlsafe_b64encode(b"[" * 100000 + b"]" * 100000).decode()
    assert token_user_id(f"a.{deep}.c") is None


def test_a_jwt_token_is_keyed_by_its_sub_without_asking_me() -> None:
    requests: list[httpx.Request] = []
    access = _jwt({"aud": "77", "sub": "4321", "scopes": ["identify", "public"]})

    def handler(request: httpx.Request) -> httpx.Response:
        requests.append(request)
        if request.url.path == "/oauth/token":
            return httpx.Response(200, json={"token_type": "Bearer", "expires_in": 86400, "access_token": access,
                                             "refresh_token": "r1"})
        return httpx.Response(200, json={"id": 1})

    store = osukit.MemoryTokenStore()
    client = osukit.Client(client_id=77, client_secret="s3cret-s3cret", base_url="https://osu.test", rate_limit=0,
                           transport=httpx.MockTransport(handler), token_store=store)
    grant = osukit.AuthorizationCode(77, "s3cret-s3cret", "http://127.0.0.1:8080/cb")
    token = client.exchange_code(grant, "code", state=grant.state)
    assert token.user_id == 4321
    assert store.keys() == ["77:user:4321"]
    assert [r.url.path for r in requests] == ["/oauth/token"]
