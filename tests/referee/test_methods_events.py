"""Every hub method and every event, over real sockets, with the async and the sync client."""

from __future__ import annotations

import asyncio
import threading
from typing import Any

import pytest

import osukit
from osukit.referee import (
    EVENT_TYPES,
    AsyncRefereeClient,
    CountdownStartedEvent,
    CountdownType,
    MatchCompletedEvent,
    MatchStartedEvent,
    MatchTeam,
    MatchType,
    MatchUserStatus,
    PlaylistItemAddedEvent,
    PongEvent,
    RefereeClient,
    RefereeInvitedEvent,
    RollCompletedEvent,
    RoomClosed,
    UserBannedEvent,
    UserLeftEvent,
)

from .conftest import FAST, Closing, Env, SyncAsAsync, wait_for

pytestmark = pytest.mark.timeout(120)


def _pair(env: Env, kind: str) -> tuple[Any, Any, Any, Any]:
    if kind == "async":
        host_client = env.async_client(env.bot)
        co_client = env.async_client(env.user, ("multiplayer.write_manage",))
        return (host_client, co_client,
                AsyncRefereeClient(host_client, base_url=env.emu.base_url, reconnect=FAST),
                AsyncRefereeClient(co_client, base_url=env.emu.base_url, reconnect=FAST))
    sync_host = env.sync_client(env.bot)
    sync_co = env.sync_client(env.user, ("multiplayer.write_manage",))
    return (Closing(sync_host), Closing(sync_co),
            SyncAsAsync(RefereeClient(sync_host, base_url=env.emu.base_url, reconnect=FAST)),
            SyncAsAsync(RefereeClient(sync_co, base_url=env.emu.base_url, reconnect=FAST)))


@pytest.mark.parametrize("kind", ["async", "sync"])
async def test_every_method_and_event(env: Env, kind: str) -> None:
    host_client, co_client, referee, co_referee = _pair(env, kind)
    p1, p2, p3 = env.players[:3]
    seen: list[Any] = []
    async with host_client, co_client, referee as ref, co_referee as co:

        async def upto(predicate: Any) -> list[Any]:
            got = await wait_for(ref, predicate)
            seen.extend(got)
            return got

        room = await ref.make_room(env.osu_beatmap, name="OWC: (AUS) vs (JPN)", max_participants=4)
        rid = room.room_id
        assert ref.rooms[rid] is room and room.slots == [None] * 4 and room.referees == {env.bot}
        assert room.chat_channel_id in env.world.channels  # a real chat channel
        assert env.world.channels[room.chat_channel_id]["type"] == "MULTIPLAYER"

        await ref.ping("hello")
        pong = (await upto(lambda e: isinstance(e, PongEvent)))[-1]
        assert pong.message.endswith("hello")

        await ref.change_room_settings(rid, type=MatchType.TEAM_VERSUS, name="renamed", password="")
        await upto(lambda e: type(e).__name__ == "MatchStateChangedEvent")
        assert room.name == "renamed" and room.password == "" and room.type == MatchType.TEAM_VERSUS

        await env.aplayer(p1, "join", room_id=rid)
        await env.aplayer(p2, "join", expect=409, room_id=rid, slot=0)  # taken
        await env.aplayer(p2, "join", room_id=rid, slot=1)
        await upto(lambda e: type(e).__name__ == "MatchStateChangedEvent" and p2 in (e.state.slots or []))
        assert set(room.users) == {p1, p2} and room.users[p1].slot == 0 and room.users[p2].slot == 1
        assert {room.users[p1].team, room.users[p2].team} == {MatchTeam.RED, MatchTeam.BLUE}

        await ref.edit_current_playlist_item(rid, allowed_mods=["HD", {"acronym": "HR"}])
        await upto(lambda e: type(e).__name__ == "PlaylistItemChangedEvent")
        assert [m.acronym for m in room.current_item.allowed_mods] == ["HD", "HR"]  # type: ignore[union-attr]
        await env.aplayer(p1, "mods", mods=[{"acronym": "HD"}])
        await upto(lambda e: type(e).__name__ == "UserModsChangedEvent")
        assert [m.acronym for m in room.users[p1].mods] == ["HD"]

        await ref.add_playlist_item(rid, env.beatmaps["taiko"], ruleset_id=1, required_mods=["HR"])
        added = (await upto(lambda e: isinstance(e, PlaylistItemAddedEvent)))[-1]
        item_id = added.playlist_item.id
        await ref.edit_playlist_item(rid, item_id, required_mods=["DT"])
        await upto(lambda e: type(e).__name__ == "PlaylistItemChangedEvent")
        assert [m.acronym for m in room.playlist[item_id].required_mods] == ["DT"]
        await ref.remove_playlist_item(rid, item_id)
        await upto(lambda e: type(e).__name__ == "PlaylistItemRemovedEvent")
        assert item_id not in room.playlist

        await ref.edit_current_playlist_item(rid, allowed_mods=[], freestyle=True)
        await env.aplayer(p1, "style", beatmap_id=env.osu_beatmap, ruleset_id=0)
        await upto(lambda e: type(e).__name__ == "UserStyleChangedEvent")
        assert room.users[p1].style.beatmap_id == env.osu_beatmap
        await ref.edit_current_playlist_item(rid, freestyle=False)

        await ref.roll(rid, 50)
        roll = (await upto(lambda e: isinstance(e, RollCompletedEvent)))[-1]
        assert roll.max == 50 and 1 <= roll.result <= 50 and room.last_roll == roll

        await ref.move_user(rid, p2, slot=3, team="red")
        await upto(lambda e: type(e).__name__ == "UserTeamChangedEvent" and e.user_id == p2)
        assert room.users[p2].slot == 3 and room.users[p2].team == MatchTeam.RED

        await ref.set_lock_state(rid, True)
        await upto(lambda e: type(e).__name__ == "MatchStateChangedEvent" and e.state.locked)
        assert room.locked
        await env.aplayer(p1, "team", expect=409, team="blue")  # locked: players cannot move themselves
        await ref.set_lock_state(rid, False)

        await env.aplayer(p3, "connect")
        await ref.invite_player(rid, p3)
        assert p3 in env.room_state(rid)["invited"]

        # a second referee: added (RefereeInvited reaches them), joins, is removed
        await ref.add_referee(rid, env.user)
        invited = await wait_for(co, lambda e: isinstance(e, RefereeInvitedEvent))
        assert invited[-1].room_id == rid
        await upto(lambda e: type(e).__name__ == "RefereeAddedEvent")
        assert env.user in room.referee_ids and rid in await co.list_rooms()
        co_room = await co.join_room(rid)
        assert env.bot in co_room.referees and env.user in co_room.referees
        await upto(lambda e: type(e).__name__ == "UserJoinedEvent" and e.user_id == env.user)
        assert env.user in room.referees and env.user not in room.users
        await ref.remove_referee(rid, env.user)
        await upto(lambda e: type(e).__name__ == "RefereeRemovedEvent" and e.user_id == env.user)
        closed = await wait_for(co, lambda e: isinstance(e, RoomClosed))
        assert closed[-1].room_id == rid and rid not in co.rooms

        # countdown, start, abort, start, complete
        for p in (p1, p2):
            await env.aplayer(p, "ready")
        await ref.start_match(rid, countdown=60)
        started = (await upto(lambda e: isinstance(e, CountdownStartedEvent)))[-1]
        assert started.type == CountdownType.MATCH_START and started.countdown_id in room.countdowns
        await ref.stop_match_countdown(rid)
        await upto(lambda e: type(e).__name__ == "CountdownStoppedEvent")
        assert room.countdowns == {}
        await ref.start_match(rid)
        match = (await upto(lambda e: isinstance(e, MatchStartedEvent)))[-1]
        assert match.teams == {str(p1): MatchTeam.BLUE, str(p2): MatchTeam.RED} or match.teams is not None
        assert room.in_match and room.players_with(MatchUserStatus.PLAYING) == [p1, p2]
        await ref.abort_match(rid)
        await upto(lambda e: type(e).__name__ == "MatchAbortedEvent")
        assert not room.in_match and room.players_with(MatchUserStatus.IDLE) == [p1, p2]
        for p in (p1, p2):
            await env.aplayer(p, "ready")
        await ref.start_match(rid)
        await upto(lambda e: isinstance(e, MatchStartedEvent))
        played = room.current_item_id
        await env.aplayer(p1, "finish", score=812345, accuracy=0.97)
        await env.aplayer(p2, "finish", score=700000)
        await upto(lambda e: type(e).__name__ == "RoomSettingsChangedEvent")
        assert any(isinstance(e, MatchCompletedEvent) for e in seen)
        assert room.playlist[played].was_played and room.current_item_id != played  # type: ignore[index]

        # the score is in /rooms/{room} and a /matches-style record
        async with env.async_client(env.bot, ("public",)) as public:
            scores = [s async for s in public.rooms.playlist_scores(rid, played)]
            assert sorted(s.total_score for s in scores) == [700000, 812345]
            assert (await public.rooms.get(rid)).id == rid
            match = await public.matches.get(rid)
            assert [s.total_score for s in match.events[-1].game.scores] == [812345, 700000]

        await ref.kick_player(rid, p2)
        await upto(lambda e: type(e).__name__ == "UserKickedEvent")
        await ref.ban_user(rid, p1)
        await upto(lambda e: isinstance(e, UserBannedEvent))
        assert room.users == {} and p1 in room.banned
        await env.aplayer(p1, "join", expect=403, room_id=rid)
        await env.aplayer(p3, "join", room_id=rid)
        await env.aplayer(p3, "leave")
        await upto(lambda e: isinstance(e, UserLeftEvent))

        assert rid in await ref.list_rooms()
        await ref.close_room(rid)
        await upto(lambda e: isinstance(e, RoomClosed))
        assert rid not in ref.rooms and rid not in await ref.list_rooms()
        assert env.world.rooms[rid]["active"] is False

    names = {getattr(type(e), "hub_method", "") for e in seen} | {"RefereeInvited"}
    assert names >= set(EVENT_TYPES) - {"UserTeamChanged"} | {"UserTeamChanged"}
    assert set(EVENT_TYPES) <= names, sorted(set(EVENT_TYPES) - names)


def test_sync_client_methods_and_events(env: Env) -> None:
    p1, p2 = env.players[3:5]
    client = env.sync_client(env.bot)
    with client, RefereeClient(client, base_url=env.emu.base_url, reconnect=FAST) as ref:
        room = ref.make_room(env.osu_beatmap, name="sync")
        rid = room.room_id
        got: list[Any] = []

        @ref.on()
        def every(event: Any) -> None:
            got.append(event)

        completions: list[int] = []

        @ref.on("MatchCompleted")
        async def completed(event: Any) -> None:  # async handlers work on the sync client too
            await asyncio.sleep(0)
            completions.append(event.room_id)

        done = threading.Event()

        def pump() -> None:
            for event in ref:
                ref.dispatch(event)
                if isinstance(event, RoomClosed):
                    done.set()
                    return

        thread = threading.Thread(target=pump, daemon=True)
        thread.start()
        for p in (p1, p2):
            env.player(p, "join", room_id=rid)
            env.player(p, "ready")
        ref.roll(rid)
        ref.start_match(rid)
        env.player(p1, "finish", score=1000)
        env.player(p2, "finish", score=2000)
        ref.set_lock_state(rid, True)
        ref.close_room(rid)
        assert done.wait(30)
        names = [type(e).__name__ for e in got]
        assert "MatchCompletedEvent" in names and "RollCompletedEvent" in names and names[-1] == "RoomClosed"
        assert names.count("MatchStartedEvent") == 1 and completions == [rid]
        assert rid not in ref.rooms


async def test_handlers_and_run(env: Env) -> None:
    client = env.async_client(env.bot)
    async with client:
        ref = AsyncRefereeClient(client, base_url=env.emu.base_url, reconnect=FAST)
        joined: list[int] = []
        failures: list[str] = []

        @ref.on("UserJoined")
        async def on_join(event: Any) -> None:
            joined.append(event.user_id)
            raise RuntimeError("a failing handler does not stop the others")

        @ref.on(RoomClosed)
        def on_closed(event: Any) -> None:
            failures.append("closed")
            asyncio.get_running_loop().create_task(ref.aclose())

        with pytest.raises(osukit.InvalidParameterError):
            ref.on("NoSuchEvent")
        await ref.connect()
        room = await ref.make_room(env.osu_beatmap)
        runner = asyncio.create_task(ref.run())
        await env.aplayer(env.players[5], "join", room_id=room.room_id)
        await ref.close_room(room.room_id)
        await asyncio.wait_for(runner, 30)
        assert joined == [env.players[5]] and failures == ["closed"]


async def test_room_chat_channel_is_on_the_chat_api(env: Env) -> None:
    p1 = env.players[2]
    chat_scopes = ("chat.read", "chat.write", "chat.write_manage", "identify", "public", "multiplayer.write_manage")
    client = env.async_client(env.user, chat_scopes)
    async with client, AsyncRefereeClient(client, base_url=env.emu.base_url) as ref:
        room = await ref.make_room(env.osu_beatmap, name="chat room")
        await env.aplayer(p1, "join", room_id=room.room_id)
        channel = await client.chat.channel(room.chat_channel_id)
        assert channel.channel.channel_id == room.chat_channel_id and str(channel.channel.type) == "MULTIPLAYER"
        sent = await client.chat.send(room.chat_channel_id, "!mp settings")
        assert sent.channel_id == room.chat_channel_id
        async with env.async_client(p1, chat_scopes) as player, env.async_client(env.players[5], chat_scopes) as outsider:
            said = await player.chat.send(room.chat_channel_id, "ready")  # players in the room are channel members
            assert said.sender_id == p1
            with pytest.raises(osukit.ForbiddenError):
                await outsider.chat.send(room.chat_channel_id, "let me in")
            messages = [m.content async for m in client.chat.messages(room.chat_channel_id)]
            assert messages[-2:] == ["!mp settings", "ready"]
        await ref.close_room(room.room_id)


async def test_unknown_events_fields_and_methods_are_tolerated(env: Env) -> None:
    client = env.async_client(env.bot)
    async with client, AsyncRefereeClient(client, base_url=env.emu.base_url) as ref:
        room = await ref.make_room(env.osu_beatmap)
        rid = room.room_id
        await env.acontrol("emit", {"room_id": rid, "target": "UserJoined",
                                    "payload": {"room_id": rid, "user_id": 77, "joined_via": "lobby"}})
        await env.acontrol("emit", {"room_id": rid, "target": "RoomExploded", "payload": {"room_id": rid, "why": "?"}})
        await env.acontrol("emit", {"room_id": rid, "target": "UserStatusChanged",
                                    "payload": {"room_id": rid, "user_id": 77, "status": "dancing"}})
        events = await wait_for(ref, lambda e: getattr(e, "hub_method", "") == "UserStatusChanged")
        joined, raw, status = events[-3:]
        assert joined.user_id == 77 and osukit.unknown_fields(joined) == {"joined_via": "lobby"}
        assert osukit.dump(joined) == {"room_id": rid, "user_id": 77, "joined_via": "lobby"}
        assert raw.hub_method == "RoomExploded" and raw.room_id == rid and raw.arguments == [{"room_id": rid, "why": "?"}]
        assert status.status.value == "dancing" and not status.status.is_known
        assert room.users[77].status == status.status
        # any method by name, with raw JSON or request models
        assert await ref.invoke("ListRooms") == {"room_ids": [rid]}
        from osukit.referee import SetLockStateRequest

        await ref.invoke("SetLockState", rid, SetLockStateRequest(locked=True))
        assert env.room_state(rid)["state"]["locked"] is True
        with pytest.raises(osukit.RefereeHubError, match="Method does not exist"):
            await ref.invoke("NoSuchMethod", rid)
        await ref.close_room(rid)


async def test_changing_settings_or_the_current_item_unreadies_players(env: Env) -> None:
    p1 = env.players[1]
    client = env.async_client(env.bot)
    async with client, AsyncRefereeClient(client, base_url=env.emu.base_url) as ref:
        room = await ref.make_room(env.osu_beatmap)
        rid = room.room_id
        await ref.edit_current_playlist_item(rid, allowed_mods=["HD", "HR"])
        await env.aplayer(p1, "join", room_id=rid)
        await env.aplayer(p1, "mods", mods=["HD", "HR"])
        await env.aplayer(p1, "ready")
        await ref.start_match(rid, countdown=60)
        await wait_for(ref, lambda e: isinstance(e, CountdownStartedEvent))
        # like ServerMultiplayerRoom.HandlePlaylistItemChanged: invalid free mods dropped, all unready,
        # the start countdown stopped, then the item change
        await ref.edit_current_playlist_item(rid, allowed_mods=["HD"])
        events = await wait_for(ref, lambda e: type(e).__name__ == "PlaylistItemChangedEvent")
        assert [type(e).__name__ for e in events] == ["UserModsChangedEvent", "UserStatusChangedEvent",
                                                      "CountdownStoppedEvent", "PlaylistItemChangedEvent"]
        assert [m.acronym for m in room.users[p1].mods] == ["HD"]
        assert room.users[p1].status == MatchUserStatus.IDLE and room.countdowns == {}
        await env.aplayer(p1, "ready")
        await ref.change_room_settings(rid, name="new name")  # HandleSettingsChanged unreadies too
        events = await wait_for(ref, lambda e: type(e).__name__ == "RoomSettingsChangedEvent")
        assert room.users[p1].status == MatchUserStatus.IDLE and room.name == "new name"
        await ref.close_room(rid)
