"""A chat bot with two commands: ``!roll [max]`` and ``!echo <text>``.

Against the bundled emulator (no credentials, no network): the bot runs for N seconds while a
second user sends it commands over REST, then prints what happened::

    python examples/echo_bot.py --emulator --seconds 5
    python examples/echo_bot.py --emulator --seconds 5 --delegate   # replies via a delegate token

Against osu! (``OSU_CLIENT_ID`` / ``OSU_CLIENT_SECRET``)::

    python examples/echo_bot.py --channel 5 --login

Note: osu!'s websocket (and the emulator's) needs a token with ``chat.read``; a bot account's delegate
token (``delegate chat.write chat.write_manage``) cannot have it, so the bot listens with an
authorization-code token (``--login``: the application's owner) and may reply with the delegate
token (``Bot(..., sender=delegate_client)``; ``--delegate`` here). See ``osukit.realtime``.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import logging
import random
import sys
import time

from _common import add_common_args, emulator, osu_client

import osukit
from osukit.bot import Bot, Context


def make_bot(client: osukit.AsyncClient, **options: object) -> Bot:
    bot = Bot(client, prefix="!", **options)  # type: ignore[arg-type]

    @bot.command("roll")
    async def roll(ctx: Context) -> None:
        top = int(ctx.args[0]) if ctx.args and ctx.args[0].isdigit() else 100
        await ctx.reply(f"{ctx.sender_name} rolls {random.randint(1, max(top, 1))} point(s)")

    @bot.command("echo")
    async def echo(ctx: Context) -> None:
        if ctx.args:
            await ctx.reply(" ".join(ctx.args))

    @bot.on_message
    def show(ctx: Context) -> None:
        where = "PM" if ctx.is_pm else f"#{ctx.channel_id}"
        replay = " (replayed)" if ctx.event.replayed else ""
        print(f"  <- {where} {ctx.sender_name}: {ctx.content}{replay}")

    return bot


async def run_for(bot: Bot, seconds: float | None) -> None:
    task = asyncio.create_task(bot.start())
    try:
        if seconds is None:
            await task
            return
        await bot.wait_ready(15)
        await asyncio.sleep(seconds)
    finally:
        await bot.stop()
        await task


async def demo(seconds: float, delegate: bool) -> int:
    with emulator() as setup:
        print(f"emulator at {setup.base_url} (websocket {setup.notify_url}); channel {setup.channel_id}")
        bot_client = setup.user_client(setup.bot_user_id)
        sender = setup.delegate_client() if delegate else None
        other = setup.user_client(setup.other_user_id)
        async with bot_client, other, (sender or contextlib.nullcontext()):
            bot = make_bot(bot_client, url=setup.notify_url, channels=[setup.channel_id],
                           bot_user_id=setup.bot_user_id, sender=sender)
            task = asyncio.create_task(bot.start())
            await bot.wait_ready(15)
            started = time.monotonic()
            print(f"bot connected (user {bot.bot_user_id}{', replying with a delegate token' if delegate else ''}); "
                  f"user {setup.other_user_id} sends commands")
            with contextlib.suppress(osukit.APIError):  # already in the channel
                await other.chat.join(setup.channel_id, setup.other_user_id)
            sent = [await other.chat.send(setup.channel_id, text) for text in ("!roll 6", "!echo hello from osukit")]
            await asyncio.sleep(max(0.0, seconds - (time.monotonic() - started)))
            await bot.stop()
            await task
            replies = [
                m async for m in other.chat.messages(setup.channel_id, since=sent[0].message_id, limit=None)
                if m.sender_id != setup.other_user_id
            ]
        print(f"bot handled {bot.handled} message(s) and replied {len(replies)} time(s):")
        for reply in replies:
            print(f"  -> #{reply.channel_id} {reply.content}")
        ok = len(replies) >= 2
        print("OK" if ok else "FAILED: the bot did not answer both commands")
        return 0 if ok else 1


async def live(args: argparse.Namespace) -> int:
    client = await osu_client(args.login)
    async with client:
        bot = make_bot(client, channels=args.channel)
        print("bot starting; Ctrl-C to stop")
        try:
            await run_for(bot, args.seconds)
        except osukit.AuthenticationError as exc:
            print(f"the websocket refused the token: {exc}", file=sys.stderr)
            return 2
    return 0


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    add_common_args(parser)
    parser.add_argument("--delegate", action="store_true",
                        help="emulator: reply with the bot account's delegate client-credentials token")
    args = parser.parse_args()
    logging.basicConfig(level=logging.INFO if args.verbose else logging.WARNING, format="%(levelname)s %(name)s: %(message)s")
    try:
        if args.emulator:
            return asyncio.run(demo(args.seconds if args.seconds is not None else 5.0, args.delegate))
        return asyncio.run(live(args))
    except KeyboardInterrupt:
        return 0


if __name__ == "__main__":
    sys.exit(main())
