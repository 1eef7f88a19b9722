"""Auto-host rotation: 10 maps, 5 players, joins, leaves, a host who leaves, a skip vote, map rules."""

from __future__ import annotations

import asyncio
import re
from typing import Any

import pytest

from osukit.game.mods import Mods
from osukit.tournament.autohost import AutoHost, MapInfo, MapRules

from ._fake import FakeBackend, FakeRoom

HOST = re.compile(r"^host: player (\d+) ")


async def fake_info(beatmap_id: int, mods: Mods) -> MapInfo:
    """Stars 4.0 + (id % 100) / 100 (x1.4 with DT), length 200s (/1.5 with DT)."""
    stars = 4.0 + (beatmap_id % 100) / 100
    rate = mods.speed_rate or 1.0
    return MapInfo(beatmap_id=beatmap_id, stars=stars * (1.4 if rate > 1 else 1.0), length=200 / rate,
                   title=f"map {beatmap_id}")


async def test_rotation_over_10_maps_with_joins_leaves_and_a_skip_vote() -> None:
    fake = FakeBackend()
    bot = AutoHost(fake, rules=MapRules(star_range=(4.0, 5.0), max_length=300), info=fake_info,
                   first_beatmap_id=1000, skip_ratio=0.5)
    announced: list[int] = []

    def on_chat(room: FakeRoom, text: str) -> None:
        if text.startswith("auto host:"):
            for uid in (1, 2, 3, 4, 5):
                fake.join(room, uid)
            return
        m = HOST.match(text)
        if m is None:
            return
        host = int(m.group(1))
        announced.append(host)
        done = len(bot.played)
        if done == 6 and host == 3:
            fake.leave(room, 3)  # the host leaves on his turn: the next one is host
        elif done == 8 and host == 1:
            for uid in (4, 2, 6):  # 3 of the 4 others vote: more than half
                fake.say(room, uid, "!skip")
        else:
            fake.say(room, host, f"!map {1000 + done}")

    def on_map(room: FakeRoom) -> None:
        for uid in list(room.users):
            fake.ready(room, uid)

    def on_start(room: FakeRoom) -> None:
        fake.finish(room, dict.fromkeys(room.users, 1000))
        played = len(bot.played) + 1
        if played == 2:
            fake.leave(room, 4)
        elif played == 3:
            fake.join(room, 6)
        elif played == 5:
            fake.join(room, 4)

    fake.on_chat, fake.on_map, fake.on_start = on_chat, on_map, on_start
    await asyncio.wait_for(bot.run(maps=10), 60)

    assert [h for h, _ in bot.played] == [1, 2, 3, 5, 1, 2, 6, 5, 4, 2]
    assert [b for _, b in bot.played] == [1000, 1001, 1002, 1003, 1004, 1005, 1006, 1007, 1008, 1009]
    assert bot.queue == [6, 5, 1, 4, 2]
    room = next(iter(fake.rooms.values()))
    assert "host skipped (3/4 votes)" in room.chat
    assert announced[:3] == [1, 2, 3]
    maps = [c[1] for c in fake.calls if c[0] == "set_map"]
    assert maps == [1000 + i for i in range(10)]


async def test_rules_commands_and_reconnect() -> None:
    fake = FakeBackend()
    bot = AutoHost(fake, rules=MapRules(star_range=(4.0, 5.0), max_length=180, allowed_mods=("HD", "DT")),
                   info=fake_info, first_beatmap_id=1000, ready_timer=0.05)
    task = asyncio.create_task(bot.run(maps=1))
    while not fake.rooms:
        await asyncio.sleep(0.01)
    room = next(iter(fake.rooms.values()))
    for uid in (7, 8, 9):
        fake.join(room, uid)
    fake.say(room, 8, "!map 1001")        # not the host
    fake.say(room, 7, "!map 1001")        # 200s > 180s
    fake.say(room, 7, "!map 1050 +HR")    # mod not allowed
    fake.say(room, 7, "!map 1080 +DT")    # 4.8 * 1.4 = 6.72*
    fake.say(room, 7, "!map https://osu.ppy.sh/beatmapsets/1#osu/1010 +DT")  # 5.6*? no: 4.1 * 1.4 = 5.74*
    fake.say(room, 7, "!map 1001 +HDDT")  # 4.01 * 1.4 = 5.61*: outside
    fake.say(room, 7, "!queue")
    while not room.chat or "queue: player 7, player 8, player 9" not in room.chat:
        await asyncio.sleep(0.01)
    # A reconnect: player 8 vanished meanwhile (no event), the queue is rebuilt from the room.
    room.users.pop(8)
    fake.reconnect(room)
    fake.say(room, 7, "!queue")
    while "queue: player 7, player 9" not in room.chat:
        await asyncio.sleep(0.01)
    bot.rules = MapRules(star_range=(4.0, 6.0), max_length=180, allowed_mods=("HD", "DT"))
    fake.say(room, 7, "!map 1001 +HDDT")  # 5.61*, 133s: fine
    fake.say(room, 9, "!info")
    while not any(line.startswith("map: map 1001 +HDDT") for line in room.chat):
        await asyncio.sleep(0.01)
    fake.ready(room, 9)  # only 9 ready: the ready timer starts the map anyway
    while not room.in_match:
        await asyncio.sleep(0.01)
    fake.finish(room, {9: 100})
    await asyncio.wait_for(task, 30)
    chat = "\n".join(room.chat)
    assert "❌ only the host (player 7) picks the map" in chat
    assert "❌ 200s is longer than 180s" in chat
    assert "❌ mods not allowed here: HR" in chat
    assert "❌ 6.72* is outside 4-5*" in chat
    assert "❌ 5.74* is outside 4-5*" in chat
    assert bot.played == [(7, 1001)] and bot.queue == [9, 7]
    assert ("set_map", 1001, ("HD", "DT"), False) in fake.calls


def test_chat_safe_keeps_only_osu_links() -> None:
    from osukit.tournament._chat import beatmap_link, chat_safe, site_url

    assert site_url("https://osu.ppy.sh/") == "https://osu.ppy.sh"
    assert site_url("https://dev.ppy.sh") == "https://dev.ppy.sh"
    assert site_url("http://127.0.0.1:8123") == "https://osu.ppy.sh"  # an emulator is never linked
    assert site_url("https://osu.example.org") == "https://osu.ppy.sh"
    assert beatmap_link("http://127.0.0.1:8123", 75) == "https://osu.ppy.sh/b/75"
    text = ("404: Not found (GET http://127.0.0.1:8123/api/v2/beatmaps/5) see http://localhost:9/x and "
            "wss://127.0.0.1/referee; map https://osu.ppy.sh/b/5 on https://osu.ppy.sh:444/b/5")
    assert chat_safe(text) == "404: Not found see and map https://osu.ppy.sh/b/5 on"


async def test_replies_to_players_carry_no_internal_url_and_name_players() -> None:
    """An error quoted back to the host keeps its message but not the request's (loopback) URL; the
    next map comes with its osu! link; players are named by username."""
    from osukit._exceptions import NotFoundError

    async def info(beatmap_id: int, mods: Mods) -> MapInfo:
        if beatmap_id == 5:
            raise NotFoundError("Specified beatmap couldn't be found.", status_code=404, method="GET",
                                url="http://127.0.0.1:8123/api/v2/beatmaps/5")
        return MapInfo(beatmap_id=beatmap_id, stars=4.5, length=100, title="A - B [C]")

    async def usernames(ids: Any) -> dict[int, str]:
        return {uid: f"cookiezi{uid}" for uid in ids if uid != 9}  # 9: osu! does not know them

    fake = FakeBackend()
    lines: list[str] = []
    bot = AutoHost(fake, rules=MapRules(), info=info, first_beatmap_id=1, usernames=usernames,
                   site_url="http://127.0.0.1:8123", progress=lines.append)
    task = asyncio.create_task(bot.run(maps=1))
    while bot.room_id is None:
        await asyncio.sleep(0.01)
    room = fake.rooms[bot.room_id]
    fake.join(room, 7)
    fake.join(room, 9)
    while not any(line.startswith("host: cookiezi7 ") for line in room.chat):
        await asyncio.sleep(0.01)
    fake.say(room, 9, "!map 3")
    fake.say(room, 7, "!map 5")
    fake.say(room, 7, "!map 6")
    fake.say(room, 9, "!queue")
    while not any(line.startswith("next:") for line in room.chat) or not any("queue:" in x for x in room.chat):
        await asyncio.sleep(0.01)
    chat = "\n".join(room.chat)
    assert "❌ only the host (cookiezi7) picks the map" in chat
    assert "❌ cannot use beatmap 5: 404: Specified beatmap couldn't be found." in chat
    assert "next: A - B [C] +NM (4.50*, 100s) https://osu.ppy.sh/b/6 — ready up" in chat
    assert "queue: cookiezi7, player 9" in chat
    assert "127.0.0.1" not in chat and "http://" not in chat
    # the operator's console (not chat) links to the site in use
    assert lines[0] == f"room {bot.room_id} made: osukit auto host — http://127.0.0.1:8123/multiplayer/rooms/{bot.room_id}"
    assert "host: cookiezi7" in lines and "map set by cookiezi7: A - B [C] +NM (4.50*, 100s)" in lines
    task.cancel()
    with pytest.raises(asyncio.CancelledError):
        await task


async def test_a_map_the_room_refuses_is_said_in_the_hubs_own_words() -> None:
    from osukit import RefereeHubError

    class Refusing(FakeBackend):
        async def set_map(self, room_id: int, beatmap_id: int, ruleset_id: int, required_mods: Any,
                          allowed_mods: Any, freemod: bool) -> int:
            if beatmap_id == 1013:
                raise RefereeHubError("Beatmap does not exist or is not online.", method="EditCurrentPlaylistItem",
                                      code=5)
            return await super().set_map(room_id, beatmap_id, ruleset_id, required_mods, allowed_mods, freemod)

    fake = Refusing()
    bot = AutoHost(fake, rules=MapRules(star_range=(4.0, 5.0)), info=fake_info, first_beatmap_id=1000,
                   ready_timer=0.05)
    task = asyncio.create_task(bot.run(maps=1))
    while not fake.rooms:
        await asyncio.sleep(0.01)
    room = next(iter(fake.rooms.values()))
    fake.join(room, 7)
    fake.say(room, 7, "!map 1013")
    while not any("refused" in line for line in room.chat):
        await asyncio.sleep(0.01)
    task.cancel()
    with pytest.raises(asyncio.CancelledError):
        await task
    line = next(line for line in room.chat if "refused" in line)
    assert line == "❌ the room refused beatmap 1013: Beatmap does not exist or is not online", line
