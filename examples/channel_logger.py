"""Log every chat message the user receives, one line each (optionally also as JSON lines).

Uses `osukit.realtime.AsyncChatStream` directly. It survives dropped connections: messages
sent while the socket was down are fetched over REST and logged once, in order (marked
``replayed``), and ``--state`` keeps the last message id per channel across runs.

Against the bundled emulator (a second user posts, the connection is dropped once meanwhile)::

    python examples/channel_logger.py --emulator --seconds 5

Against osu! (``OSU_CLIENT_ID`` / ``OSU_CLIENT_SECRET``; listening needs ``chat.read``, so ``--login``)::

    python examples/channel_logger.py --login --channel 5 --jsonl chat.jsonl --state chat-state.json
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import json
import logging
import sys
import time
from pathlib import Path
from typing import IO, Any

import httpx
from _common import add_common_args, emulator, osu_client

import osukit
from osukit.realtime import (
    AsyncChatStream,
    ChannelJoinEvent,
    ChannelPartEvent,
    ConnectionReady,
    MessageEvent,
    RawEvent,
    ReconnectPolicy,
)


class Logger:
    def __init__(self, jsonl: IO[str] | None = None) -> None:
        self.jsonl = jsonl
        self.messages = 0
        self.replayed = 0
        self.connections = 0

    def handle(self, event: Any) -> None:
        if isinstance(event, ConnectionReady):
            self.connections += 1
            print(f"[{time.strftime('%H:%M:%S')}] connected ({'reconnect' if event.reconnect else 'first connection'})")
        elif isinstance(event, MessageEvent):
            for message in event.messages:
                sender = event.sender(message)
                name = sender.username if sender is not None else str(message.sender_id)
                mark = " (replayed)" if event.replayed else ""
                stamp = message.timestamp.strftime("%H:%M:%S")
                print(f"[{stamp}] #{message.channel_id} <{name}> {message.content}{mark}")
                self.messages += 1
                self.replayed += event.replayed
                if self.jsonl is not None:
                    self.jsonl.write(json.dumps({
                        "message_id": message.message_id, "channel_id": message.channel_id,
                        "sender_id": message.sender_id, "sender": name, "content": message.content,
                        "timestamp": message.timestamp.isoformat(), "replayed": event.replayed,
                    }) + "\n")
                    self.jsonl.flush()
        elif isinstance(event, (ChannelJoinEvent, ChannelPartEvent)):
            verb = "joined" if isinstance(event, ChannelJoinEvent) else "left"
            print(f"[{time.strftime('%H:%M:%S')}] {verb} {event.channel.name} (#{event.channel.channel_id})")
        elif isinstance(event, RawEvent):
            print(f"[{time.strftime('%H:%M:%S')}] event {event.event!r}: {event.data!r}")


async def consume(stream: AsyncChatStream, log: Logger, seconds: float | None) -> None:
    async def loop() -> None:
        async for event in stream:
            log.handle(event)

    if seconds is None:
        await loop()
    else:
        with contextlib.suppress(asyncio.TimeoutError):
            await asyncio.wait_for(loop(), seconds)


async def demo(seconds: float) -> int:
    with emulator() as setup:
        print(f"emulator at {setup.base_url}; logging channel {setup.channel_id} as user {setup.bot_user_id}")
        listener = setup.user_client(setup.bot_user_id)
        poster = setup.user_client(setup.other_user_id)
        log = Logger()
        async with listener, poster:
            for client, uid in ((listener, setup.bot_user_id), (poster, setup.other_user_id)):
                with contextlib.suppress(osukit.APIError):
                    await client.chat.join(setup.channel_id, uid)
            stream = listener.chat_stream(url=setup.notify_url, channels=[setup.channel_id],
                                          reconnect=ReconnectPolicy(initial=0.2, maximum=2))
            async with stream:

                async def script() -> None:
                    await asyncio.sleep(0.2)
                    for i in range(3):
                        await poster.chat.send(setup.channel_id, f"live message {i + 1}")
                    await asyncio.sleep(0.3)
                    async with httpx.AsyncClient() as http:  # the emulator's hook: drop every websocket
                        await http.post(f"{setup.base_url}/_emulator/ws/drop")
                    for i in range(3):
                        await poster.chat.send(setup.channel_id, f"sent while the logger was offline {i + 1}")

                poster_task = asyncio.create_task(script())
                await consume(stream, log, seconds)
                await poster_task
        print(f"logged {log.messages} message(s), {log.replayed} of them fetched after the reconnect; "
              f"{log.connections} connection(s)")
        ok = log.messages == 6 and log.connections >= 2
        print("OK" if ok else "FAILED: expected 6 messages over 2 connections")
        return 0 if ok else 1


async def live(args: argparse.Namespace, since: dict[int, int], jsonl: IO[str] | None) -> int:
    state_path = Path(args.state) if args.state else None
    client = await osu_client(args.login)
    log = Logger(jsonl)
    try:
        async with client, client.chat_stream(channels=args.channel, since=since) as stream:
            try:
                await consume(stream, log, args.seconds)
            finally:
                if state_path is not None:
                    state_path.write_text(json.dumps(stream.last_message_ids))
    except osukit.AuthenticationError as exc:
        print(f"the websocket refused the token: {exc}", file=sys.stderr)
        return 2
    return 0


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    add_common_args(parser)
    parser.add_argument("--jsonl", help="also append each message as a JSON line to this file")
    parser.add_argument("--state", help="JSON file keeping the last message id per channel between runs")
    args = parser.parse_args()
    logging.basicConfig(level=logging.INFO if args.verbose else logging.WARNING, format="%(levelname)s %(name)s: %(message)s")
    try:
        if args.emulator:
            return asyncio.run(demo(args.seconds if args.seconds is not None else 5.0))
        since: dict[int, int] = {}
        if args.state and Path(args.state).exists():
            since = {int(k): int(v) for k, v in json.loads(Path(args.state).read_text()).items()}
        if not args.jsonl:
            return asyncio.run(live(args, since, None))
        with open(args.jsonl, "a", encoding="utf-8") as jsonl:
            return asyncio.run(live(args, since, jsonl))
    except KeyboardInterrupt:
        return 0


if __name__ == "__main__":
    sys.exit(main())
