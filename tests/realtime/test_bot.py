"""osukit.bot.Bot against the fake notification server + chat REST."""

from __future__ import annotations

import asyncio
import logging
import time
from typing import Any

import pytest

from osukit.auth import StaticToken
from osukit.bot import Bot, Context
from osukit.realtime import ChannelJoinEvent, ConnectionReady

from .conftest import (
    BOT_ID,
    CHANNEL,
    FAST,
    OTHER_ID,
    PM_CHANNEL,
    FakeOsu,
    channel_json,
    make_async,
    make_sync,
    wait_for,
)


def bot_replies(fake: FakeOsu, channel: int = CHANNEL) -> list[str]:
    return [m["content"] for m in fake.messages.get(channel, []) if m["sender_id"] == BOT_ID]


def build(client: Any, fake: FakeOsu, **kw: Any) -> Bot:
    kw.setdefault("channels", [CHANNEL])
    bot = Bot(client, url=fake.url, keepalive=None, reconnect=FAST, send_rate=20, **kw)
    seen: list[str] = []

    @bot.command("echo", "say")
    async def echo(ctx: Context) -> None:
        await ctx.reply(" ".join(ctx.args))

    @bot.command("roll")
    def roll(ctx: Context) -> Any:  # plain functions work too (returning a coroutine here)
        return ctx.reply(f"{ctx.sender_name} rolls 42")

    @bot.command("boom")
    async def boom(ctx: Context) -> None:
        raise RuntimeError("handler bug")

    @bot.on_message
    def log(ctx: Context) -> None:
        seen.append(ctx.content)

    bot.seen = seen  # type: ignore[attr-defined]
    return bot


async def test_bot_answers_commands_ignores_itself_and_survives_handler_errors(
    fake: FakeOsu, caplog: pytest.LogCaptureFixture
) -> None:
    async with make_async(fake) as client:
        bot = build(client, fake)
        joined: list[int] = []

        @bot.on_event("chat.channel.join")
        async def on_join(event: ChannelJoinEvent) -> None:
            joined.append(event.channel.channel_id)

        runner = asyncio.create_task(bot.start())
        await bot.wait_ready(5)
        assert bot.bot_user_id == BOT_ID  # from the token
        assert any(r.method == "PUT" and r.url.path == f"/api/v2/chat/channels/{CHANNEL}/users/{BOT_ID}"
                   for r in fake.rest_requests)
        await wait_for(lambda: len(fake.live_connections) == 1)
        with caplog.at_level(logging.ERROR, logger="osukit"):
            fake.post(CHANNEL, OTHER_ID, "!boom")
            fake.post(CHANNEL, OTHER_ID, "!roll")
            await wait_for(lambda: bot_replies(fake) == ["user2 rolls 42"])
            fake.post(CHANNEL, OTHER_ID, "!ECHO hello   world")
            await wait_for(lambda: len(bot_replies(fake)) == 2)
        assert bot_replies(fake) == ["user2 rolls 42", "hello world"]
        assert any("boom" in r.getMessage() and r.exc_info for r in caplog.records)
        # the bot's own replies came back over the socket and were not handled
        assert bot.seen == ["!boom", "!roll", "!ECHO hello   world"]  # type: ignore[attr-defined]

        fake.broadcast({"event": "chat.channel.join", "data": {**channel_json(77), "users": []}})
        await wait_for(lambda: joined == [77])

        # a PM is answered privately (POST chat/new with the sender as target)
        fake.post(PM_CHANNEL, OTHER_ID, "!say psst")
        await wait_for(lambda: bot_replies(fake, PM_CHANNEL) == ["psst"])
        pm = [r for r in fake.rest_requests if r.url.path == "/api/v2/chat/new"]
        assert len(pm) == 1 and b'"target_id":2' in pm[0].content

        await bot.stop()
        await asyncio.wait_for(runner, 5)
        assert not bot.stream.connected  # type: ignore[union-attr]


async def test_bot_answers_commands_sent_while_disconnected(fake: FakeOsu) -> None:
    async with make_async(fake) as client:
        bot = build(client, fake)
        runner = asyncio.create_task(bot.start())
        await bot.wait_ready(5)
        await wait_for(lambda: len(fake.live_connections) == 1)
        fake.drop()
        await asyncio.sleep(0.05)
        fake.post(CHANNEL, OTHER_ID, "!echo while you were away")
        await wait_for(lambda: bot_replies(fake) == ["while you were away"])
        await bot.stop()
        await runner


async def test_bot_rate_limits_per_channel(fake: FakeOsu) -> None:
    async with make_async(fake) as client:
        bot = Bot(client, url=fake.url, channels=[CHANNEL], keepalive=None, send_rate=10, send_burst=2)
        runner = asyncio.create_task(bot.start())
        await bot.wait_ready(5)
        started = time.monotonic()
        await asyncio.gather(*(bot.send(CHANNEL, f"n{i}") for i in range(5)))
        elapsed = time.monotonic() - started
        # burst of 2, then 3 more at 10/s: never faster (a loaded machine can only make it slower;
        # the upper bound just says "not stuck")
        assert 0.25 <= elapsed < 20
        # Channel 6 has its own bucket (checked on the limiter itself, not with a stopwatch, so a
        # busy machine cannot fail it).
        assert bot.limiter.reserve(50, f"channel:{CHANNEL}") >= 4.8  # channel 5 now ~5 s in debt
        assert bot.limiter.reserve(1, "channel:6") == 0.0  # channel 6 does not pay for it
        await bot.send(6, "another channel is not throttled by channel 5")
        assert bot_replies(fake, 6) == ["another channel is not throttled by channel 5"]
        await bot.stop()
        await runner


async def test_delegate_token_bot_learns_its_id_from_its_first_message(fake: FakeOsu) -> None:
    grant = StaticToken("delegate-token-abcdef", scopes=("delegate", "chat.write", "chat.write_manage"))
    async with make_async(fake, grant=grant) as client:
        bot = build(client, fake)
        runner = asyncio.create_task(bot.start())
        await bot.wait_ready(5)
        assert bot.bot_user_id is None  # /me needs identify: not callable with this token
        await wait_for(lambda: len(fake.live_connections) == 1)
        fake.post(CHANNEL, OTHER_ID, "!echo !echo loop?")
        await wait_for(lambda: bot_replies(fake) == ["!echo loop?"])
        assert bot.bot_user_id == BOT_ID
        await asyncio.sleep(0.3)
        assert bot_replies(fake) == ["!echo loop?"]  # its own "!echo loop?" was not answered
        await bot.stop()
        await runner


def test_bot_run_with_sync_client_stops_from_a_handler(fake: FakeOsu) -> None:
    with make_sync(fake) as client:
        bot = build(client, fake)

        @bot.command("quit")
        async def quit_(ctx: Context) -> None:
            await ctx.reply("bye")
            await ctx.bot.stop()

        @bot.on_event("connection.ready")
        def ready(event: ConnectionReady) -> None:
            import threading

            def later() -> None:
                deadline = time.monotonic() + 5
                while not fake.live_connections and time.monotonic() < deadline:
                    time.sleep(0.01)
                fake.post(CHANNEL, OTHER_ID, "!quit")

            threading.Thread(target=later, daemon=True).start()

        started = time.monotonic()
        bot.run()
        assert time.monotonic() - started < 10
        assert bot_replies(fake) == ["bye"]


async def test_bot_handles_one_channel_in_order(fake: FakeOsu) -> None:
    async with make_async(fake) as client:
        bot = Bot(client, url=fake.url, channels=[CHANNEL], keepalive=None)
        order: list[str] = []

        @bot.command("n")
        async def n(ctx: Context) -> None:
            await asyncio.sleep(0.15 if ctx.args[0] == "1" else 0)  # the first is slow
            order.append(ctx.args[0])

        runner = asyncio.create_task(bot.start())
        await bot.wait_ready(5)
        await wait_for(lambda: len(fake.live_connections) == 1)
        for i in ("1", "2", "3"):
            fake.post(CHANNEL, OTHER_ID, f"!n {i}")
        await wait_for(lambda: len(order) == 3)
        assert order == ["1", "2", "3"]
        await bot.stop()
        await runner
