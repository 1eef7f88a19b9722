"""Reconnect mid-match: the loop sees only Reconnected, rooms are rebuilt, nothing lost or duplicated."""

from __future__ import annotations

import asyncio
from typing import Any

import pytest

from osukit import referee as R

from .conftest import FAST, Closing, Env, SyncAsAsync, wait_for

pytestmark = pytest.mark.timeout(120)


def key(event: Any) -> tuple[Any, ...]:
    return (type(event).__name__, getattr(event, "user_id", None), str(getattr(event, "status", "")),
            getattr(event, "playlist_item_id", None))


@pytest.mark.parametrize("kind", ["async", "sync"])
async def test_reconnect_mid_match_rebuilds_without_loss_or_duplicates(env: Env, kind: str) -> None:
    p1, p2, p3 = env.players[:3]
    if kind == "async":
        client: Any = env.async_client(env.bot)
        referee: Any = R.AsyncRefereeClient(client, base_url=env.emu.base_url, reconnect=FAST)
    else:
        sync_client = env.sync_client(env.bot)
        client = Closing(sync_client)
        referee = SyncAsAsync(R.RefereeClient(sync_client, base_url=env.emu.base_url, reconnect=FAST))
    async with client, referee as ref:
        room = await ref.make_room(env.osu_beatmap, max_participants=4)
        rid = room.room_id
        for p in (p1, p2):
            await env.aplayer(p, "join", room_id=rid)
            await env.aplayer(p, "ready")
        await ref.start_match(rid)
        await wait_for(ref, lambda e: isinstance(e, R.MatchStartedEvent))
        assert room.in_match

        await env.acontrol("refuse", {"on": True})
        await env.acontrol("drop")
        # while the referee is away: p1 finishes, p3 joins
        await env.aplayer(p1, "finish", score=900000)
        await env.aplayer(p3, "join", room_id=rid)
        await asyncio.sleep(0.3)  # a few refused attempts (backoff)
        assert not ref.connected
        await env.acontrol("refuse", {"on": False})

        events = await wait_for(ref, lambda e: isinstance(e, R.Reconnected))
        assert [type(e).__name__ for e in events] == ["Reconnected"]  # the drop itself never surfaces
        back = events[0]
        assert back.rooms == [rid] and back.lost_rooms == [] and back.attempts >= 2 and back.downtime > 0
        changes = {key(c) for c in back.changes}
        assert ("UserStatusChangedEvent", p1, "finished_play", None) in changes
        assert ("UserJoinedEvent", p3, "", None) in changes
        assert room.users[p1].status == R.MatchUserStatus.FINISHED_PLAY and p3 in room.users and room.in_match
        assert ref.reconnects == 1

        # the match goes on and every later event arrives exactly once
        await env.aplayer(p2, "finish", score=800000)
        after = await wait_for(ref, lambda e: isinstance(e, R.RoomSettingsChangedEvent))
        keys = [key(e) for e in after]
        assert len(keys) == len(set(keys)), keys
        assert [type(e).__name__ for e in after].count("MatchCompletedEvent") == 1
        assert ("UserStatusChangedEvent", p2, "finished_play", None) in keys
        state = env.room_state(rid)
        assert {p["user_id"]: p["status"] for p in state["players"]} == {u.user_id: str(u.status) for u in room.users.values()}
        assert not room.in_match
        await ref.close_room(rid)


async def test_drop_during_an_invocation(env: Env) -> None:
    client = env.async_client(env.bot)
    async with client, R.AsyncRefereeClient(client, base_url=env.emu.base_url, reconnect=FAST) as ref:
        room = await ref.make_room(env.osu_beatmap)
        rid = room.room_id
        await env.aplayer(env.players[0], "join", room_id=rid)
        await env.aplayer(env.players[0], "ready")
        # not safe to repeat: the caller learns it may or may not have happened
        await env.acontrol("drop_during", {"method": "StartMatch", "apply": True})
        with pytest.raises(R.InvocationInterruptedError) as info:
            await ref.start_match(rid)
        assert "may or may not" in str(info.value)
        await wait_for(ref, lambda e: isinstance(e, R.Reconnected))
        assert room.in_match  # it did happen: the rebuilt room says so
        await ref.abort_match(rid)
        # safe to repeat: sent again after the reconnect, the caller sees nothing
        await env.acontrol("drop_during", {"method": "SetLockState", "apply": False})
        await ref.set_lock_state(rid, True)
        assert env.room_state(rid)["state"]["locked"] is True
        await ref.close_room(rid)
        assert ref.reconnects == 2


async def test_room_closed_while_away_is_reported_lost(env: Env) -> None:
    host = env.async_client(env.bot)
    async with host, R.AsyncRefereeClient(host, base_url=env.emu.base_url, reconnect=FAST) as ref:
        gone = await ref.make_room(env.osu_beatmap)
        kept = await ref.make_room(env.osu_beatmap)
        await env.acontrol("refuse", {"on": True})
        await env.acontrol("drop")
        await env.acontrol("clock", {"advance": 31 * 60})  # both rooms were empty: the 30-minute rule closes them
        await env.acontrol("refuse", {"on": False})
        events = await wait_for(ref, lambda e: isinstance(e, R.Reconnected))
        assert sorted(events[-1].lost_rooms) == sorted([gone.room_id, kept.room_id])
        closed = await wait_for(ref, lambda e: isinstance(e, R.RoomClosed) and e.room_id == kept.room_id)
        assert {e.reason for e in closed if isinstance(e, R.RoomClosed)} == {"lost"}
        assert ref.rooms == {}


async def test_server_shutting_down_and_moving_to_the_new_instance(env: Env) -> None:
    p1 = env.players[5]
    client = env.async_client(env.bot)
    async with client, R.AsyncRefereeClient(client, base_url=env.emu.base_url, reconnect=FAST) as ref:
        room = await ref.make_room(env.osu_beatmap, name="finals", max_participants=8)
        await ref.change_room_settings(room.room_id, type="team_versus", password="pw")
        await ref.add_playlist_item(room.room_id, env.beatmaps["taiko"], ruleset_id=1)
        await ref.set_lock_state(room.room_id, True)
        await env.aplayer(p1, "join", room_id=room.room_id)
        await env.acontrol("shutdown", {"seconds": 600})
        started = await wait_for(ref, lambda e: isinstance(e, R.CountdownStartedEvent))
        assert started[-1].type == R.CountdownType.SERVER_SHUTTING_DOWN
        assert ref.shutdown_deadline is not None
        moved = await ref.move_to_new_instance()
        new_id = moved[room.room_id]
        assert list(ref.rooms) == [new_id] and ref.shutdown_deadline is None
        new = ref.rooms[new_id]
        assert (new.name, new.password, new.type, new.locked, len(new.slots or [])) == ("finals", "pw", R.MatchType.TEAM_VERSUS, True, 8)
        assert [(i.beatmap_id, i.ruleset_id) for i in new.playlist.values()] == [(env.osu_beatmap, 0), (env.beatmaps["taiko"], 1)]
        assert env.room_state(new_id)["invited"] == [p1]
        assert env.room_state(room.room_id)["closed"] is True
        events = await wait_for(ref, lambda e: isinstance(e, R.RoomsMoved))
        assert events[-1].moved == moved
        await ref.close_room(new_id)


async def test_server_shutting_down_moves_by_itself_after_the_match(env: Env) -> None:
    p1 = env.players[4]
    client = env.async_client(env.bot)
    async with client, R.AsyncRefereeClient(client, base_url=env.emu.base_url, reconnect=FAST,
                                            on_server_shutdown="move") as ref:
        room = await ref.make_room(env.osu_beatmap, name="auto")
        await env.aplayer(p1, "join", room_id=room.room_id)
        await env.aplayer(p1, "ready")
        await ref.start_match(room.room_id)
        await wait_for(ref, lambda e: isinstance(e, R.MatchStartedEvent))
        await env.acontrol("shutdown", {"seconds": 600})
        await wait_for(ref, lambda e: isinstance(e, R.CountdownStartedEvent))
        await asyncio.sleep(0.2)
        assert list(ref.rooms) == [room.room_id] and room.in_match  # never in the middle of a match
        await env.aplayer(p1, "finish", score=123)
        moved = (await wait_for(ref, lambda e: isinstance(e, R.RoomsMoved)))[-1].moved
        new_id = moved[room.room_id]
        assert list(ref.rooms) == [new_id] and ref.rooms[new_id].name == "auto"
        assert env.room_state(new_id)["invited"] == [p1]
        await ref.close_room(new_id)
    with pytest.raises(Exception, match="on_server_shutdown"):
        R.AsyncRefereeClient(client, on_server_shutdown="later")


async def test_a_silent_server_counts_as_dead_after_server_timeout(env: Env) -> None:
    client = env.async_client(env.bot)
    # the emulated hub pings every 15 s; a 0.5 s server_timeout makes every quiet moment a dead link
    async with client:
        async with R.AsyncRefereeClient(client, base_url=env.emu.base_url, reconnect=FAST, server_timeout=0.5) as ref:
            room = await ref.make_room(env.osu_beatmap)
            events = await wait_for(ref, lambda e: isinstance(e, R.Reconnected), timeout=30)
            assert events[-1].rooms == [room.room_id] and ref.reconnects >= 1
        async with R.AsyncRefereeClient(client, base_url=env.emu.base_url) as ref:
            await ref.join_room(room.room_id)
            await ref.close_room(room.room_id)
