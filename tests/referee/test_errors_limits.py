"""Hub errors 1-19 as typed exceptions, the 4/50 room caps, the 30-minute rule, scope refusal."""

from __future__ import annotations

import asyncio
from typing import Any

import httpx
import pytest

import osukit
from osukit import referee as R
from osukit.emulator import Emulator

from .conftest import FAST, Env

pytestmark = pytest.mark.timeout(180)


async def test_every_error_code_is_a_typed_exception(env: Env) -> None:
    host = env.async_client(env.bot)
    other = env.async_client(env.user, ("multiplayer.write_manage",))
    p1, p2 = env.players[:2]
    restricted = env.players[5]
    async with host, other, R.AsyncRefereeClient(host, base_url=env.emu.base_url, reconnect=FAST) as ref, \
            R.AsyncRefereeClient(other, base_url=env.emu.base_url, reconnect=FAST) as co:
        room = await ref.make_room(env.osu_beatmap)
        rid = room.room_id
        await env.aplayer(p1, "join", room_id=rid)
        await env.acontrol("restrict", {"user_id": restricted})

        async def expect(cls: type[R.RefereeHubError], call: Any) -> R.RefereeHubError:
            with pytest.raises(cls) as info:
                await call
            assert info.value.code == R.REFEREE_HUB_ERRORS.get(info.value.code or 0, R.RefereeHubError).code
            return info.value

        error = await expect(R.NotRefereeError, co.join_room(rid))                                    # 2
        assert error.code == 2 and error.method == "JoinRoom" and "not a referee" in str(error)
        await expect(R.RoomNotFoundError, ref.add_referee(999, env.user))                            # 4
        await expect(R.UserNotInRoomError, ref.kick_player(rid, p2))                                  # 5
        await expect(R.BeatmapNotFoundError, ref.make_room(1))                                        # 6
        await expect(R.IncorrectMatchTypeError, ref.move_user(rid, p1, slot=1))                       # 7 (no slots)
        await expect(R.IncorrectMatchTypeError, ref.move_user(rid, p1, team="red"))                   # 7 (head to head)
        await expect(R.NoActiveCountdownError, ref.stop_match_countdown(rid))                         # 8
        await expect(R.InvalidRoomStateError, ref.abort_match(rid))                                   # 9
        await expect(R.InvalidRulesetError, ref.edit_current_playlist_item(rid, ruleset_id=7))        # 10
        await expect(R.InvalidBeatmapRulesetError,
                     ref.edit_current_playlist_item(rid, beatmap_id=env.beatmaps["taiko"], ruleset_id=3))  # 11
        mods = await expect(R.InvalidModsError, ref.edit_current_playlist_item(rid, required_mods=["ZZ"]))  # 12
        assert "ZZ" in mods.message
        await expect(R.FreestyleAllowedModsError,
                     ref.edit_current_playlist_item(rid, freestyle=True, allowed_mods=["HD"]))      # 13
        await expect(R.PlaylistItemNotFoundError, ref.remove_playlist_item(rid, 1))                   # 14
        await expect(R.SelfOperationError, ref.ban_user(rid, env.bot))                               # 15
        await ref.ban_user(rid, p2)
        await expect(R.UserBannedError, ref.invite_player(rid, p2))                                   # 16
        await expect(R.InvalidRollError, ref.roll(rid, 500))                                          # 17
        await ref.add_referee(rid, env.user)
        await co.join_room(rid)
        await expect(R.NotHostError, co.add_referee(rid, p1))                                         # 18
        await expect(R.UserNotConnectedError, ref.invite_player(rid, env.players[4]))                 # 19
        await expect(R.UserRestrictedError, ref.add_referee(rid, restricted))                         # 1
        await ref.ban_user(rid, env.user)                                                             # a banned referee
        await expect(R.RoomNotJoinableError, co.join_room(rid))                                       # 3
        generic = await expect(R.RefereeHubError, ref.start_match(rid))  # no one ready: a message without a code
        assert generic.code is None and "ready" in generic.message
        await ref.close_room(rid)
    assert all(issubclass(cls, osukit.RefereeHubError) and issubclass(cls, osukit.OsukitError)
               for cls in R.REFEREE_HUB_ERRORS.values())
    assert sorted(R.REFEREE_HUB_ERRORS) == list(range(1, 20))


def test_room_caps_4_per_account_50_for_bots() -> None:
    with Emulator(seed=0) as emu:
        env = Env(emu)
        user_client = env.sync_client(env.user, ("multiplayer.write_manage",))
        bot_client = env.sync_client(env.bot)
        with user_client, bot_client, R.RefereeClient(user_client, base_url=emu.base_url) as user, \
                R.RefereeClient(bot_client, base_url=emu.base_url) as bot:
            rooms = [user.make_room(env.osu_beatmap).room_id for _ in range(4)]
            with pytest.raises(R.RoomLimitReachedError) as info:
                user.make_room(env.osu_beatmap)
            assert "simultaneously active rooms" in str(info.value) and info.value.code is None
            user.close_room(rooms[0])
            user.make_room(env.osu_beatmap)  # a closed room frees its place
            for _ in range(50):
                bot.make_room(env.osu_beatmap)
            with pytest.raises(R.RoomLimitReachedError):
                bot.make_room(env.osu_beatmap)
            assert len(bot.list_rooms()) == 50 and len(user.list_rooms()) == 4
        env.http.close()


async def test_abandoned_room_closes_after_30_minutes_of_emulator_clock(env: Env) -> None:
    client = env.async_client(env.bot)
    async with client:
        async with R.AsyncRefereeClient(client, base_url=env.emu.base_url) as ref:
            kept = await ref.make_room(env.osu_beatmap)
            left = await ref.make_room(env.osu_beatmap)
            await env.aplayer(env.players[0], "join", room_id=kept.room_id)
        # the referee disconnected: `left` is empty, `kept` still has a player
        await env.acontrol("clock", {"advance": 29 * 60})
        async with R.AsyncRefereeClient(client, base_url=env.emu.base_url) as ref:
            assert {kept.room_id, left.room_id} <= set(await ref.list_rooms())
        closed = (await env.acontrol("clock", {"advance": 61}))["closed"]
        assert closed == [left.room_id]
        async with R.AsyncRefereeClient(client, base_url=env.emu.base_url) as ref:
            rooms = await ref.list_rooms()
            assert left.room_id not in rooms and kept.room_id in rooms
            with pytest.raises(R.NotRefereeError):
                await ref.join_room(left.room_id)
            await ref.join_room(kept.room_id)
            await ref.close_room(kept.room_id)
        assert env.world.rooms[left.room_id]["active"] is False


async def test_scope_checked_before_connecting_and_by_the_hub(env: Env) -> None:
    before = env.hub.stats["connections"]
    chat_only = env.async_client(env.bot, ("delegate", "chat.write"))
    async with chat_only:
        ref = R.AsyncRefereeClient(chat_only, base_url=env.emu.base_url)
        with pytest.raises(osukit.MissingScopeError) as info:
            await ref.connect()
        assert info.value.scope == "multiplayer.write_manage"
        with pytest.raises(osukit.MissingScopeError):
            await ref.make_room(env.osu_beatmap)  # any call connects first, and checks first
    # a client that believes its token has the scope: the hub refuses it (403 on negotiate)
    lying = env.async_client(env.bot, ("delegate", "chat.write"), claimed=("delegate", "multiplayer.write_manage"))
    async with lying:
        with pytest.raises(osukit.MissingScopeError):
            await R.AsyncRefereeClient(lying, base_url=env.emu.base_url).connect()
    assert env.hub.stats["connections"] == before
    async with httpx.AsyncClient(base_url=env.emu.base_url) as http:
        assert (await http.post("/referee/negotiate?negotiateVersion=1")).status_code == 401
        token = env.token(env.bot, ("delegate", "chat.write"))
        denied = await http.post("/referee/negotiate?negotiateVersion=1", headers={"Authorization": f"Bearer {token}"})
        assert denied.status_code == 403
    bad = osukit.AsyncClient(base_url=env.emu.base_url, rate_limit=0,
                             grant=osukit.StaticToken("not-a-token", scopes=["multiplayer.write_manage"]))
    async with bad:
        with pytest.raises(osukit.AuthenticationError):
            await R.AsyncRefereeClient(bad, base_url=env.emu.base_url).connect()
    # the emulator's OAuth issues the scope for both grants
    async with osukit.AsyncClient(base_url=env.emu.base_url, client_id=env.emu.client_id, rate_limit=0,
                                  client_secret=env.emu.client_secret, scopes=["delegate", "multiplayer.write_manage"]) as cc:
        async with R.AsyncRefereeClient(cc, base_url=env.emu.base_url) as ref:
            room = await ref.make_room(env.osu_beatmap)
            assert ref.user_id == env.bot
            await ref.close_room(room.room_id)


def test_unreachable_hub_and_closed_client() -> None:
    client = osukit.Client(base_url="http://127.0.0.1:9", rate_limit=0,
                           grant=osukit.StaticToken("t", scopes=["multiplayer.write_manage"]))
    ref = R.RefereeClient(client, base_url="http://127.0.0.1:9", open_timeout=2)
    with pytest.raises(R.HubConnectionError) as info:
        ref.connect()
    assert isinstance(info.value, osukit.TransportError) and "t" not in str(info.value).split()
    with pytest.raises(R.HubConnectionError):
        ref.list_rooms()  # tries again
    ref.close()
    with pytest.raises(osukit.ClientClosedError):
        ref.list_rooms()
    with pytest.raises(osukit.InvalidParameterError):
        R.RefereeClient(client, ping_interval=0)


async def test_concurrent_first_calls_share_one_connection(env: Env) -> None:
    client = env.async_client(env.bot)
    before = env.hub.stats["connections"]
    async with client:
        ref = R.AsyncRefereeClient(client, base_url=env.emu.base_url)
        results = await asyncio.gather(*(ref.list_rooms() for _ in range(8)))
        assert all(r == results[0] for r in results)
        await ref.aclose()
        with pytest.raises(osukit.ClientClosedError):
            await ref.list_rooms()
    assert env.hub.stats["connections"] == before + 1
