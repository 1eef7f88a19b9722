"""One rule for the hub address: explicit > $OSU_SPECTATOR_URL > derived from the client's base_url."""

from __future__ import annotations

import pytest

import osukit
from osukit import referee as R
from osukit._referee.address import spectator_base_url
from osukit.cli._config import Settings
from osukit.cli._referee import hub_base
from osukit.cli._state import State

from .conftest import Env

pytestmark = pytest.mark.timeout(120)


@pytest.fixture(autouse=True)
def _no_env(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("OSU_SPECTATOR_URL", raising=False)


@pytest.mark.parametrize(("client_base", "expected"), [
    ("https://osu.ppy.sh", "https://spectator.ppy.sh"),
    ("https://osu.ppy.sh/", "https://spectator.ppy.sh"),
    (None, "https://spectator.ppy.sh"),
    ("https://dev.ppy.sh", "https://dev.ppy.sh/signalr"),
    ("http://127.0.0.1:8123", "http://127.0.0.1:8123"),
    ("https://osu.example.org", "https://osu.example.org"),
])
def test_derived_from_the_client(client_base: str | None, expected: str) -> None:
    assert spectator_base_url(client_base) == expected


def test_unknown_osu_host_is_refused_not_guessed() -> None:
    with pytest.raises(osukit.ConfigurationError, match="OSU_SPECTATOR_URL"):
        spectator_base_url("https://lazer.ppy.sh")


def test_explicit_beats_env_beats_derived(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("OSU_SPECTATOR_URL", "https://env.example/")
    assert spectator_base_url("https://dev.ppy.sh") == "https://env.example"
    assert spectator_base_url("https://dev.ppy.sh", "https://explicit.example") == "https://explicit.example"
    # the env var also rescues an osu! host osukit does not know
    assert spectator_base_url("https://lazer.ppy.sh") == "https://env.example"
    with pytest.raises(osukit.ConfigurationError):
        spectator_base_url(None, "ftp://nope")


async def test_async_client_follows_the_client_base_url(monkeypatch: pytest.MonkeyPatch) -> None:
    dev = osukit.AsyncClient(base_url="https://dev.ppy.sh", grant=osukit.StaticToken("t", scopes=["public"]))
    async with dev:
        # a client on dev.ppy.sh never sends its token to the production hub
        assert R.AsyncRefereeClient(dev).url == "https://dev.ppy.sh/signalr/referee"
        monkeypatch.setenv("OSU_SPECTATOR_URL", "http://127.0.0.1:9")
        assert R.AsyncRefereeClient(dev).url == "http://127.0.0.1:9/referee"
        assert R.AsyncRefereeClient(dev, base_url="https://s.example").url == "https://s.example/referee"
    other = osukit.AsyncClient(base_url="https://lazer.ppy.sh", grant=osukit.StaticToken("t", scopes=["public"]))
    async with other:
        monkeypatch.delenv("OSU_SPECTATOR_URL")
        with pytest.raises(osukit.ConfigurationError):
            R.AsyncRefereeClient(other)


def test_sync_client_and_cli_use_the_same_rule(monkeypatch: pytest.MonkeyPatch) -> None:
    with osukit.Client(base_url="https://dev.ppy.sh", grant=osukit.StaticToken("t", scopes=["public"])) as dev:
        assert R.RefereeClient(dev).url == "https://dev.ppy.sh/signalr/referee"
    state = State(_settings=Settings(base_url="https://dev.ppy.sh"))
    assert hub_base(state, None) == "https://dev.ppy.sh/signalr"
    monkeypatch.setenv("OSU_SPECTATOR_URL", "http://127.0.0.1:9")
    assert hub_base(state, None) == "http://127.0.0.1:9"
    assert hub_base(state, "http://x.example") == "http://x.example"


async def test_no_base_url_reaches_the_emulator_of_the_client(env: Env) -> None:
    host = env.async_client(env.bot)
    async with host, R.AsyncRefereeClient(host) as ref:
        assert ref.url == env.emu.base_url.rstrip("/") + "/referee"
        room = await ref.make_room(env.osu_beatmap)
        assert room.room_id in await ref.list_rooms()
        await ref.close_room(room.room_id)
