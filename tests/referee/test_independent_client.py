"""An independent SignalR client (pysignalr, from PyPI) against the emulated referee hub.

So the emulator is not only checked by osukit's own SignalR layer: every hub method is invoked and
every event received through pysignalr's negotiate, handshake, JSON protocol and completions.
"""

from __future__ import annotations

import asyncio
from typing import Any

import pytest

from osukit.referee import EVENT_TYPES

from .conftest import Env

pysignalr_client = pytest.importorskip("pysignalr.client")
pytestmark = pytest.mark.timeout(120)


class Independent:
    def __init__(self, url: str, token: str) -> None:
        self.client = pysignalr_client.SignalRClient(url, headers={"Authorization": f"Bearer {token}"},
                                                     access_token_factory=lambda: token, retry_count=1)
        self.events: asyncio.Queue[tuple[str, Any]] = asyncio.Queue()
        self.opened = asyncio.Event()
        for name in EVENT_TYPES:
            self.client.on(name, self._handler(name))
        self.client.on_open(self._on_open)
        self.client.on_error(self._on_error)
        self.task: asyncio.Task[None] | None = None

    def _handler(self, name: str) -> Any:
        async def handle(arguments: list[Any]) -> None:
            await self.events.put((name, arguments[0]))
        return handle

    async def _on_open(self) -> None:
        self.opened.set()

    async def _on_error(self, message: Any) -> None:
        pass  # delivered to the call's own callback too

    async def __aenter__(self) -> Independent:
        self.task = asyncio.create_task(self.client.run())
        await asyncio.wait_for(self.opened.wait(), 30)
        return self

    async def __aexit__(self, *exc: object) -> None:
        assert self.task is not None
        self.task.cancel()
        with pytest.raises((asyncio.CancelledError, Exception)):
            await self.task

    async def call(self, method: str, *arguments: Any) -> Any:
        done: asyncio.Future[Any] = asyncio.get_running_loop().create_future()

        async def completed(message: Any) -> None:
            done.set_result(message)

        await self.client.send(method, list(arguments), on_invocation=completed)
        message = await asyncio.wait_for(done, 30)
        if message.error:
            raise AssertionError(f"{method}: {message.error}")
        return message.result

    async def error(self, method: str, *arguments: Any) -> str:
        done: asyncio.Future[Any] = asyncio.get_running_loop().create_future()

        async def completed(message: Any) -> None:
            done.set_result(message)

        await self.client.send(method, list(arguments), on_invocation=completed)
        message = await asyncio.wait_for(done, 30)
        assert message.error, f"{method} did not fail"
        return str(message.error)

    async def until(self, event: str, /, **match: Any) -> Any:
        while True:
            got, payload = await asyncio.wait_for(self.events.get(), 30)
            self.seen.add(got)
            if got == event and all(payload.get(k) == v for k, v in match.items()):
                return payload

    seen: set[str] = set()


async def test_pysignalr_drives_every_method_and_receives_every_event(env: Env) -> None:
    url = f"{env.emu.base_url}/referee"
    p1, p2, p3 = env.players[:3]
    Independent.seen = set()
    async with Independent(url, env.token(env.bot)) as host, Independent(url, env.token(env.user, ("multiplayer.write_manage",))) as co:
        await host.call("Ping", "hi")
        assert (await host.until("Pong")).endswith("hi")
        room = await host.call("MakeRoom", {"ruleset_id": 0, "beatmap_id": env.osu_beatmap, "name": "indep", "max_participants": 4})
        rid = room["room_id"]
        assert room["state"] == {"type": "head_to_head", "locked": False, "slots": [None] * 4}
        assert room["referees"] == [{"user_id": env.bot}] and room["chat_channel_id"] in env.world.channels
        assert "Error 4: The specified room does not exist." in await host.error("AddReferee", 12345, env.user)
        await host.call("ChangeRoomSettings", rid, {"type": "team_versus", "name": "renamed"})
        await host.until("RoomSettingsChanged", name="renamed")
        await host.until("MatchStateChanged", room_id=rid)
        for p in (p1, p2):
            await env.aplayer(p, "join", room_id=rid)
        await host.until("UserJoined", user_id=p2)
        await host.until("UserTeamChanged", user_id=p2)
        await host.call("EditCurrentPlaylistItem", rid, {"allowed_mods": [{"acronym": "HD"}]})
        await host.until("PlaylistItemChanged")
        await env.aplayer(p1, "mods", mods=["HD"])
        await host.until("UserModsChanged", user_id=p1)
        await host.call("AddPlaylistItem", rid, {"ruleset_id": 0, "beatmap_id": env.osu_beatmap, "freestyle": True})
        added = (await host.until("PlaylistItemAdded"))["playlist_item"]
        await host.call("EditPlaylistItem", rid, {"playlist_item_id": added["id"], "freestyle": False})
        await host.until("PlaylistItemChanged", room_id=rid)
        await host.call("RemovePlaylistItem", rid, {"playlist_item_id": added["id"]})
        await host.until("PlaylistItemRemoved", playlist_item_id=added["id"])
        await host.call("EditCurrentPlaylistItem", rid, {"allowed_mods": [], "freestyle": True})
        await env.aplayer(p1, "style", beatmap_id=env.osu_beatmap, ruleset_id=0)
        await host.until("UserStyleChanged", user_id=p1)
        await host.call("Roll", rid, None)
        assert (await host.until("RollCompleted"))["max"] == 100
        await host.call("MoveUser", rid, {"user_id": p2, "slot": 2, "team": "blue"})
        await host.until("UserTeamChanged", user_id=p2, team="blue")
        await host.call("SetLockState", rid, {"locked": True})
        await host.until("MatchStateChanged", state={"type": "team_versus", "locked": True, "slots": [p1, None, p2, None]})
        await env.aplayer(p3, "connect")
        await host.call("InvitePlayer", rid, p3)
        await host.call("AddReferee", rid, env.user)
        await host.until("RefereeAdded", user_id=env.user)
        assert (await co.until("RefereeInvited"))["room_id"] == rid
        assert (await co.call("ListRooms")) == {"room_ids": [rid]}
        await co.call("JoinRoom", rid)
        await host.until("UserJoined", user_id=env.user)
        await host.call("RemoveReferee", rid, env.user)
        await host.until("RefereeRemoved", user_id=env.user)
        for p in (p1, p2):
            await env.aplayer(p, "ready")
        await host.call("StartMatch", rid, {"countdown": 60})
        await host.until("CountdownStarted", type="match_start")
        await host.call("StopMatchCountdown", rid)
        await host.until("CountdownStopped", type="match_start")
        await host.call("StartMatch", rid, {})
        started = await host.until("MatchStarted")
        assert started["teams"] == {str(p1): "red", str(p2): "blue"} and started["slots"] == {str(p1): 0, str(p2): 2}
        await host.call("AbortMatch", rid)
        await host.until("MatchAborted")
        for p in (p1, p2):
            await env.aplayer(p, "ready")
        await host.call("StartMatch", rid, {})
        await host.until("UserStatusChanged", user_id=p2, status="playing")
        for p in (p1, p2):
            await env.aplayer(p, "finish", score=1000 * p)
        await host.until("MatchCompleted", room_id=rid)
        await host.call("KickPlayer", rid, p2)
        await host.until("UserKicked", kicked_user_id=p2)
        await host.call("BanUser", rid, p1)
        await host.until("UserBanned", banned_user_id=p1)
        await env.aplayer(p3, "join", room_id=rid)
        await env.aplayer(p3, "leave")
        await host.until("UserLeft", user_id=p3)
        await env.acontrol("shutdown", {"seconds": 0.2})
        await host.until("CountdownStarted", type="server_shutting_down")
        await host.until("CountdownStopped", type="server_shutting_down")
    missing = set(EVENT_TYPES) - Independent.seen - {"Pong"}
    assert not missing, missing


async def test_pysignalr_close_room_and_pong(env: Env) -> None:
    url = f"{env.emu.base_url}/referee"
    async with Independent(url, env.token(env.bot)) as host:
        await host.call("Ping", "marco")
        assert (await host.until("Pong")) == f"Hi {env.world.users[env.bot]['username']}! Here's your message back: marco"
        room = await host.call("MakeRoom", {"ruleset_id": 0, "beatmap_id": env.osu_beatmap})
        assert await host.call("CloseRoom", room["room_id"]) is None
        assert await host.call("ListRooms") == {"room_ids": []}


async def test_the_owners_disconnect_is_a_referee_removed_for_the_others_and_the_owner_may_rejoin(env: Env) -> None:
    """As osu-server-spectator's ``RefereeHub.OnDisconnectedAsync``: a referee whose connection
    closes leaves each refereed room (``UserLeft``, then ``RefereeRemoved`` for the others), the
    room's owner included, and keeps the association, so it may join again."""
    url = f"{env.emu.base_url}/referee"
    async with Independent(url, env.token(env.user, ("multiplayer.write_manage",))) as co:
        async with Independent(url, env.token(env.bot)) as host:
            room = await host.call("MakeRoom", {"ruleset_id": 0, "beatmap_id": env.osu_beatmap, "name": "owner",
                                                "max_participants": 2})
            rid = room["room_id"]
            await host.call("AddReferee", rid, env.user)
            await co.call("JoinRoom", rid)
            await host.until("UserJoined", user_id=env.user)
        left = await co.until("UserLeft", user_id=env.bot)
        removed = await co.until("RefereeRemoved", user_id=env.bot)
        assert left["room_id"] == removed["room_id"] == rid
        async with Independent(url, env.token(env.bot)) as host_again:
            joined = await host_again.call("JoinRoom", rid)
            assert joined["room_id"] == rid
            await co.until("UserJoined", user_id=env.bot)
