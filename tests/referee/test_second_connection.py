"""A second referee connection of the same account: the hub keeps one per user, the older one is told."""

from __future__ import annotations

import asyncio

import pytest

from osukit import referee as R

from .conftest import FAST, Env, wait_for

pytestmark = pytest.mark.timeout(120)


async def test_a_newer_connection_replaces_the_older_which_gets_a_typed_error(env: Env) -> None:
    first_client, second_client = env.async_client(env.bot), env.async_client(env.bot)
    async with first_client, second_client:
        first = R.AsyncRefereeClient(first_client, base_url=env.emu.base_url, reconnect=FAST)
        await first.__aenter__()
        try:
            room = await first.make_room(env.osu_beatmap)
            async with R.AsyncRefereeClient(second_client, base_url=env.emu.base_url, reconnect=FAST) as second:
                # the older connection does not go silent: its event stream ends with a typed error
                with pytest.raises(R.ConnectionReplacedError, match="another referee connection of this account took over"):
                    await asyncio.wait_for(wait_for(first, lambda e: False), 30)
                # and it does not reconnect (that would push the newer one out in turn)
                assert first.reconnects == 0
                with pytest.raises(R.ConnectionReplacedError):
                    await first.list_rooms()
                # the newer connection takes over and hears the room's events
                await second.join_room(room.room_id)
                env.player(env.players[0], "connect")
                await second.invite_player(room.room_id, env.players[0])
                env.player(env.players[0], "join", room_id=room.room_id)
                events = await wait_for(second, lambda e: isinstance(e, R.UserJoinedEvent))
                assert events[-1].user_id == env.players[0]
            assert env.hub.stats["replaced"] >= 1
        finally:
            await first.__aexit__(None, None, None)


async def test_a_player_is_in_one_room_at_a_time_and_answers_name_the_room(env: Env) -> None:
    host = env.async_client(env.bot)
    uid = env.players[2]
    async with host, R.AsyncRefereeClient(host, base_url=env.emu.base_url, reconnect=FAST) as ref:
        first = await ref.make_room(env.osu_beatmap)
        second = await ref.make_room(env.osu_beatmap)
        joined = await env.acontrol(f"players/{uid}/join", {"room_id": first.room_id})
        assert joined["room_id"] == first.room_id
        refused = await env.acontrol(f"players/{uid}/join", {"room_id": second.room_id}, expect=409)
        assert "already in another room" in str(refused) and str(first.room_id) in str(refused)
        assert uid not in env.hub.rooms[second.room_id].players
        ready = await env.acontrol(f"players/{uid}/ready")
        assert ready["room_id"] == first.room_id and ready["status"] == "ready"
        left = await env.acontrol(f"players/{uid}/leave")
        assert left == {"left": first.room_id, "room_id": first.room_id}
        moved = await env.acontrol(f"players/{uid}/join", {"room_id": second.room_id})
        assert moved["room_id"] == second.room_id
        for room in (first, second):
            await ref.close_room(room.room_id)
