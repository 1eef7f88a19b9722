"""A server other than osu.ppy.sh, over sockets: the emulator laid out like a private server (v1 under
``api/v1``, trailing-slash redirects, a legacy 302), and redirects osukit must refuse."""

from __future__ import annotations

import asyncio
from collections.abc import Iterator
from typing import Any

import httpx
import pytest

import osukit
from osukit.models.legacy import V1User


@pytest.fixture
def emu(osu_emulator: Any) -> Iterator[Any]:
    yield osu_emulator
    osu_emulator.configure_server()


def _sync(emu: Any, **kw: Any) -> osukit.Client:
    return osukit.Client(client_id=emu.client_id, client_secret=emu.client_secret, api_key=emu.api_key,
                         base_url=emu.base_url, rate_limit=0, retry=False, **kw)


def _run_async(emu: Any, fn: Any, **kw: Any) -> Any:
    async def main() -> Any:
        async with osukit.AsyncClient(client_id=emu.client_id, client_secret=emu.client_secret,
                                      api_key=emu.api_key, base_url=emu.base_url, rate_limit=0, retry=False,
                                      **kw) as osu:
            return await fn(osu)

    return asyncio.run(main())


def _user(emu: Any) -> int:
    return int(emu.dataset["test_user_id"])


# --- the v1 prefix -------------------------------------------------------------------------------


def test_v1_under_a_configured_prefix(emu: Any, monkeypatch: pytest.MonkeyPatch) -> None:
    uid = _user(emu)
    emu.configure_server(v1_prefix="api/v1")
    with _sync(emu) as plain, pytest.raises(osukit.NotFoundError):
        plain.legacy.get_user(uid)  # osukit's default api/get_user is not there
    emu.reset_stats()
    with _sync(emu, v1_prefix="api/v1") as osu:
        assert osu.legacy.get_user(uid).user_id == uid
        # request() by hand: either spelling goes under the prefix, and v1 models decode leniently
        for path in ("api/v1/get_user", "api/get_user", "/api/v1/get_user"):
            users = osu.request("GET", path, params={"u": uid}, response_model=list[V1User])
            assert users[0].user_id == uid
    assert emu.stats()["by_route"]["GET api/get_user"] == 4
    monkeypatch.setenv("OSU_V1_PREFIX", "/api/v1/")
    with _sync(emu) as from_env:
        assert from_env.v1_prefix == "api/v1"
        assert from_env.legacy.get_user(uid).user_id == uid
    for backend in ("auto", "httpx"):
        got = _run_async(emu, lambda osu: osu.legacy.get_user(uid), v1_prefix="api/v1", http_backend=backend)
        assert got.user_id == uid


def test_bad_v1_prefix_is_a_configuration_error() -> None:
    for bad in ("", "/", "api?x", "api/../x"):
        with pytest.raises(osukit.ConfigurationError, match="v1_prefix"):
            osukit.Client(v1_prefix=bad, rate_limit=0)


def test_request_decodes_v1_models_leniently_on_osu_layout(emu: Any) -> None:
    uid = _user(emu)
    with _sync(emu) as osu:
        users = osu.request("GET", "api/get_user", params={"u": uid}, response_model=list[V1User])
    assert users[0].user_id == uid and isinstance(users[0].pp_raw, float)


# --- redirects that are followed --------------------------------------------------------------------


@pytest.mark.parametrize("status", [307, 308])
def test_trailing_slash_redirects_are_followed_with_credentials(emu: Any, status: int) -> None:
    uid = _user(emu)
    emu.configure_server(trailing_slash_redirect=status)
    emu.reset_stats()
    with _sync(emu) as osu:
        assert osu.users.get(uid).id == uid  # needs the token: it went along to the same origin
        assert [u.id for u in osu.users.get_batch([uid])] == [uid]  # the query survives the hop
        assert osu.legacy.get_user(uid).user_id == uid
    for backend in ("auto", "httpx"):
        got = _run_async(emu, lambda osu: osu.users.get(uid), http_backend=backend)
        assert got.id == uid
    assert emu.stats()["requests"] >= 2 * 5  # every call took two requests


def test_legacy_v1_302_is_followed(emu: Any) -> None:
    uid = _user(emu)
    emu.configure_server(v1_prefix="api/v1", legacy_v1_redirect=302)
    with _sync(emu) as osu:  # osukit's default prefix; the server sends it on
        assert osu.legacy.get_user(uid).user_id == uid
    assert _run_async(emu, lambda osu: osu.legacy.get_user(uid)).user_id == uid


# --- redirects that are refused ---------------------------------------------------------------------


def test_redirect_to_another_origin_raises_with_its_location(emu: Any) -> None:
    elsewhere = "https://elsewhere.example/api/v2/me?k=leaked"
    emu.configure_server(redirects={"api/v2/users/2": elsewhere, "api/v2/users/3": emu.base_url.replace(
        "127.0.0.1", "localhost") + "/api/v2/users/3"})
    with _sync(emu) as osu:
        with pytest.raises(osukit.RedirectError) as caught:
            osu.users.get(2)
        assert caught.value.status_code == 302
        assert caught.value.location is not None and caught.value.location.startswith("https://elsewhere.example/")
        assert "elsewhere.example" in str(caught.value) and "another origin" in str(caught.value)
        assert "leaked" not in str(caught.value)
        with pytest.raises(osukit.RedirectError, match="another origin"):  # same port, other host name
            osu.users.get(3)
    with pytest.raises(osukit.RedirectError, match=r"elsewhere\.example"):
        _run_async(emu, lambda osu: osu.users.get(2))


def test_redirect_of_a_post_raises(emu: Any) -> None:
    emu.configure_server(trailing_slash_redirect=307)
    token = emu.mint_token(_user(emu), ["chat.read", "chat.write", "public", "identify"])["access_token"]
    with osukit.Client(access_token=token, base_url=emu.base_url, rate_limit=0, retry=False) as osu, \
            pytest.raises(osukit.RedirectError, match=r"POST \(307\).*GET requests only") as caught:
        osu.request("POST", "api/v2/chat/ack")
    assert caught.value.location == f"{emu.base_url}/api/v2/chat/ack/"


def test_redirect_loop_stops(emu: Any) -> None:
    emu.configure_server(redirects={"api/v2/users/2": "/api/v2/users/2"})
    with _sync(emu) as osu:
        osu.get_token()
        emu.reset_stats()
        with pytest.raises(osukit.RedirectError, match="more than 5 redirects"):
            osu.users.get(2)
    assert emu.stats()["requests"] == 6  # the call and five hops


def test_redirect_without_location_raises() -> None:
    def handler(request: httpx.Request) -> httpx.Response:
        return httpx.Response(307)

    with osukit.Client(access_token="t", base_url="https://osu.test", rate_limit=0,
                       transport=httpx.MockTransport(handler)) as osu, \
            pytest.raises(osukit.RedirectError, match="without a Location") as caught:
        osu.request("GET", "api/v2/me")
    assert caught.value.location is None


def test_server_layout_over_the_control_endpoint(emu: Any) -> None:
    uid = _user(emu)
    r = httpx.post(f"{emu.base_url}/_emulator/config", timeout=10,
                   json={"v1_prefix": "api/v1", "trailing_slash_redirect": 308})
    assert r.status_code == 200
    assert r.json()["v1_prefix"] == "api/v1" and r.json()["trailing_slash_redirect"] == 308
    raw = httpx.get(f"{emu.base_url}/api/v1/get_user?u={uid}&k={emu.api_key}", timeout=10)
    assert raw.status_code == 308 and raw.headers["location"] == f"/api/v1/get_user/?u={uid}&k={emu.api_key}"
    with _sync(emu, v1_prefix="api/v1") as osu:
        assert osu.legacy.get_user(uid).user_id == uid
    bad = httpx.post(f"{emu.base_url}/_emulator/config", json={"trailing_slash_redirect": 200}, timeout=10)
    assert bad.status_code == 422


def test_a_v1_404_hints_at_the_v1_prefix(emu: Any) -> None:
    """osu! answers 200 ``[]`` for a v1 lookup that finds nothing: a 404 on a v1 path means API v1 is not
    there, and the error says to check ``v1_prefix``; other 404s carry no such hint."""
    uid = _user(emu)
    emu.configure_server(v1_prefix="api/v1")
    hint = r"no API v1 endpoint at /api/get_user: check v1_prefix \(OSU_V1_PREFIX.*now 'api'"
    with _sync(emu) as plain:
        with pytest.raises(osukit.NotFoundError, match=hint) as caught:
            plain.legacy.get_user(uid)
        assert caught.value.status_code == 404 and "/api/get_user" in caught.value.url
        with pytest.raises(osukit.NotFoundError, match=r"get_scores: check v1_prefix"):
            plain.legacy.get_scores(emu.dataset["params"]["beatmap"])
        with pytest.raises(osukit.NotFoundError, match=hint):  # request() by hand too
            plain.request("GET", "api/get_user", params={"u": uid})
        with pytest.raises(osukit.NotFoundError) as v2:  # a v2 404 is about the object, not the layout
            plain.users.get(999_999_999)
        assert "v1_prefix" not in str(v2.value)
    with _sync(emu, v1_prefix="api/v2x") as wrong, pytest.raises(osukit.NotFoundError, match=r"now 'api/v2x'"):
        wrong.legacy.get_user(uid)

    async def fetch(osu: osukit.AsyncClient) -> Any:
        return await osu.legacy.get_user(uid)

    with pytest.raises(osukit.NotFoundError, match=hint):
        _run_async(emu, fetch)
