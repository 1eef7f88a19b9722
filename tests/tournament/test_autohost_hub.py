"""The auto-host on the emulated referee hub: real room, real chat, scripted players over HTTP."""

from __future__ import annotations

import asyncio
import re
from typing import Any

import osukit
import osukit.referee
from osukit.emulator import Emulator
from osukit.realtime import ReconnectPolicy
from osukit.tournament.autohost import AutoHost, MapRules, attributes_lookup
from osukit.tournament.referee_backend import RefereeBackend

from .test_runner_hub import BOT_SCOPES, Env, emu, room_of  # noqa: F401 - the module-scoped emulator fixture

HOST = re.compile(r"^host: (\S+) — ")


class Lobby:
    def __init__(self, inner: RefereeBackend, env: Env, chats: dict[int, osukit.AsyncClient], players: list[int],
                 maps: list[int]) -> None:
        self.inner, self.env, self.chats, self.members, self.maps = inner, env, chats, players, maps
        self.played = 0
        self.tasks: set[asyncio.Task[None]] = set()

    def __getattr__(self, name: str) -> Any:
        return getattr(self.inner, name)

    def _later(self, coro: Any) -> None:
        task = asyncio.ensure_future(coro)
        self.tasks.add(task)
        task.add_done_callback(self.tasks.discard)

    async def send(self, room_id: int, text: str) -> None:
        await self.inner.send(room_id, text)
        m = HOST.match(text)
        if m is not None:  # the host is named by username
            host = next(u for u in self.members if self.env.emu.state.world.users[u]["username"] == m.group(1))
            channel = self.inner.referee.rooms[room_id].chat_channel_id
            self._later(self.chats[host].chat.send(channel, f"!map {self.maps[self.played]}"))

    async def set_map(self, room_id: int, *args: Any) -> int:
        item = await self.inner.set_map(room_id, *args)

        async def ready() -> None:
            for uid in list(self.inner.referee.rooms[room_id].users):
                if uid in self.members:
                    await self.env.player(uid, "ready")

        self._later(ready())
        return item

    async def start_match(self, room_id: int) -> None:
        await self.inner.start_match(room_id)
        self.played += 1
        playing = [u for u in self.inner.referee.rooms[room_id].users if u in self.members]

        async def finish() -> None:
            for n, uid in enumerate(playing):
                await self.env.player(uid, "finish", score=100_000 * (n + 1))
            if self.played == 2:
                await self.env.player(self.members[2], "leave")

        self._later(finish())


async def test_autohost_rotation_on_the_emulated_hub(emu: Emulator) -> None:  # noqa: F811
    env = Env(emu)
    players = [*env.a, env.b[0]]
    maps = list(env.slots.values())[:4]
    for uid in players:
        await env.player(uid, "connect")
    chats = {uid: env.client(uid, ["chat.write", "public"]) for uid in players}
    client = env.client(env.bot, BOT_SCOPES)
    referee = osukit.referee.AsyncRefereeClient(client, base_url=emu.base_url,
                                                reconnect=ReconnectPolicy(initial=0.05, maximum=0.3))
    backend = RefereeBackend(referee, client, chat_url=emu.notify_url, bot_user_id=env.bot)
    await backend.connect()
    lobby = Lobby(backend, env, chats, players, maps)
    bot = AutoHost(lobby, rules=MapRules(star_range=(0.0, 20.0)), info=attributes_lookup(client),  # type: ignore[arg-type]
                   first_beatmap_id=maps[0], name="hub auto host")
    task = asyncio.create_task(bot.run(maps=4))
    room_id = await room_of(bot, task)
    for uid in players:
        await env.player(uid, "join", room_id=room_id)
    await asyncio.wait_for(task, 120)
    p1, p2, _ = players
    assert bot.played == [(p1, maps[0]), (p2, maps[1]), (p1, maps[2]), (p2, maps[3])]
    assert bot.queue == [p1, p2]
    # The room's chat, read back through the chat API: players by username, only osu! links.
    channel = backend.referee.rooms[bot.room_id].chat_channel_id
    text = "\n".join([m.content async for m in client.chat.messages(channel, limit=200)])
    names = {uid: emu.state.world.users[uid]["username"] for uid in players}
    assert f"host: {names[p1]} — pick a map" in text and f"host: {names[p2]} — pick a map" in text
    assert "player " not in text
    assert f"https://osu.ppy.sh/b/{maps[0]}" in text
    assert "127.0.0.1" not in text and "http://" not in text
    await backend.aclose()
    await referee.aclose()
    await client.aclose()
    for c in chats.values():
        await c.aclose()
    await env.http.aclose()


async def test_a_bot_pushed_off_the_hub_stops_with_the_takeover_error(emu: Emulator) -> None:  # noqa: F811
    """The hub keeps one referee connection per account: when another connection of the bot's account
    takes over, the old one is not taken back, and the bot must stop (it used to wait for events that
    would never come, until Ctrl-C)."""
    env = Env(emu)
    client = env.client(env.bot, BOT_SCOPES)
    referee = osukit.referee.AsyncRefereeClient(client, base_url=emu.base_url,
                                                reconnect=ReconnectPolicy(initial=0.05, maximum=0.3))
    backend = RefereeBackend(referee, client, chat_url=emu.notify_url, bot_user_id=env.bot)
    await backend.connect()
    maps = list(env.slots.values())[:1]
    bot = AutoHost(backend, rules=MapRules(star_range=(0.0, 20.0)), info=attributes_lookup(client),
                   first_beatmap_id=maps[0], name="pushed off")
    task = asyncio.create_task(bot.run(maps=1))
    room_id = await room_of(bot, task)
    other = env.client(env.bot, BOT_SCOPES)
    async with osukit.referee.AsyncRefereeClient(other, base_url=emu.base_url) as second:
        await second.connect()  # the same account: the bot's connection is replaced
        try:
            await asyncio.wait_for(task, 60)
        except osukit.ConnectionReplacedError as exc:
            assert "took over" in str(exc)
        else:
            raise AssertionError("the bot carried on after its hub connection was replaced")
        await second.close_room(room_id)
    await backend.aclose()
    await referee.aclose()
    await client.aclose()
    await other.aclose()
    await env.http.aclose()
