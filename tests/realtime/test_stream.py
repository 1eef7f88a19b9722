"""AsyncChatStream / ChatStream against a fake notification server over loopback sockets."""

from __future__ import annotations

import asyncio
import itertools
import logging
import re
import threading
import time
from typing import Any

import pytest

import osukit
from osukit.auth import StaticToken
from osukit.realtime import (
    AsyncChatStream,
    ChannelJoinEvent,
    ChannelPartEvent,
    ChatEvent,
    ChatStream,
    ConnectionReady,
    LogoutEvent,
    MessageEvent,
    NotificationEvent,
    RawEvent,
    ReconnectPolicy,
    parse_event,
)

from .conftest import (
    BOT_ID,
    CHANNEL,
    FAST,
    OTHER_ID,
    FakeOsu,
    channel_json,
    make_async,
    make_sync,
    user,
    user_token,
    wait_for,
)


async def next_event(stream: AsyncChatStream, timeout: float = 5.0) -> ChatEvent:
    return await asyncio.wait_for(stream.__anext__(), timeout)


async def next_messages(stream: AsyncChatStream, timeout: float = 5.0) -> MessageEvent:
    while True:
        event = await next_event(stream, timeout)
        if isinstance(event, MessageEvent):
            return event


# --- protocol ---------------------------------------------------------------------------------


async def test_auth_header_ready_then_chat_start_and_typed_events(fake: FakeOsu) -> None:
    async with make_async(fake, app_name="rt-test") as client:
        async with client.chat_stream(url=fake.url, keepalive=None) as stream:
            ready = await next_event(stream)
            assert isinstance(ready, ConnectionReady) and ready.connection == 1 and not ready.reconnect
            await wait_for(lambda: len(fake.live_connections) == 1)
            conn = fake.connections[0]
            assert conn["auth"] == "Bearer access-token-0000"
            assert conn["commands"] == ["chat.start"]
            assert "osukit/" in conn["agent"] and "rt-test" in conn["agent"]

            sent = fake.post(CHANNEL, OTHER_ID, "hello")
            event = await next_event(stream)
            assert isinstance(event, MessageEvent) and not event.replayed
            assert [m.message_id for m in event.messages] == [sent["message_id"]]
            assert event.messages[0].content == "hello" and event.channel_id == CHANNEL
            assert event.users[0].id == OTHER_ID and event.sender(event.messages[0]) is event.users[0]

            join = {**channel_json(7), "current_user_attributes": {"can_message": True, "can_message_error": None,
                                                                   "last_read_id": None},
                    "last_message_id": 55, "users": []}
            fake.broadcast({"event": "chat.channel.join", "data": join})
            fake.broadcast({"event": "chat.channel.part", "data": join})
            fake.broadcast({"event": "new", "data": {"id": 1, "name": "forum_topic_reply"}})
            fake.broadcast({"event": "totally.new.event", "data": {"x": [1, 2]}})
            fake.broadcast({"event": "chat.message.new", "data": {"messages": "garbage"}})
            got = [await next_event(stream) for _ in range(5)]
            assert isinstance(got[0], ChannelJoinEvent) and got[0].channel.channel_id == 7
            assert got[0].channel.last_message_id == 55
            assert isinstance(got[1], ChannelPartEvent) and got[1].channel.channel_id == 7
            assert isinstance(got[2], NotificationEvent) and got[2].event == "new" and got[2].data["id"] == 1
            assert got[3] == RawEvent(event="totally.new.event", data={"x": [1, 2]})
            assert got[4] == RawEvent(event="chat.message.new", data={"messages": "garbage"})
        # leaving the block sent chat.end and closed the socket; iteration is over
        await wait_for(lambda: "chat.end" in fake.connections[0]["commands"])
        with pytest.raises(StopAsyncIteration):
            await stream.__anext__()


def test_parse_event_never_raises() -> None:
    assert isinstance(parse_event(b'{"event":"logout"}'), LogoutEvent)
    assert parse_event(b"not json") == RawEvent(event="", data="not json")
    assert parse_event('{"event":"read","ids":[1,2]}') == NotificationEvent(event="read", ids=[1, 2])
    assert parse_event('{"error":"something else"}') == RawEvent(event="error", data={"error": "something else"})
    assert type(parse_event('{"error":"authentication failed"}')).__name__ == "_AuthFailed"


# --- auth failures ----------------------------------------------------------------------------


@pytest.mark.parametrize("auth_mode", ["message", "401"])
async def test_auth_failure_raises_after_one_fresh_token(fake: FakeOsu, auth_mode: str) -> None:
    fake.auth_mode = auth_mode
    async with make_async(fake) as client:
        stream = client.chat_stream(url=fake.url, keepalive=None, reconnect=FAST)
        started = time.monotonic()
        with pytest.raises(osukit.AuthenticationError) as info:
            await stream.start()
        assert time.monotonic() - started < 20  # "no retry storm"; the count below is the real proof
        assert "chat.read" in str(info.value)
        # one try with the token, one with a refreshed token, then give up: no retry storm
        assert [c["auth"] for c in fake.connections] == ["Bearer access-token-0000", "Bearer access-token-0001"]
        await asyncio.sleep(0.5)
        assert len(fake.connections) == 2
        with pytest.raises(osukit.AuthenticationError):
            await stream.__anext__()
        await stream.aclose()


async def test_auth_failure_with_static_token_is_not_retried(fake: FakeOsu) -> None:
    fake.auth_mode = "message"
    async with make_async(fake, grant=StaticToken("static-token-123456")) as client:
        with pytest.raises(osukit.AuthenticationError):
            async with client.chat_stream(url=fake.url, keepalive=None, reconnect=FAST):
                pass
        assert len(fake.connections) == 1


# --- reconnect, catch-up, exactly once --------------------------------------------------------


async def test_drop_reconnects_with_backoff_and_replays_missed_messages_once_in_order(fake: FakeOsu) -> None:
    policy = ReconnectPolicy(initial=0.4, maximum=2.0, jitter=0.25)
    async with make_async(fake) as client:
        async with client.chat_stream(url=fake.url, keepalive=None, reconnect=policy) as stream:
            assert isinstance(await next_event(stream), ConnectionReady)
            await wait_for(lambda: len(fake.live_connections) == 1)
            live1 = [fake.post(CHANNEL, OTHER_ID, f"m{i}")["message_id"] for i in range(3)]
            got: list[int] = []
            while len(got) < 3:
                got += [m.message_id for m in (await next_messages(stream)).messages]
            assert got == live1

            # While the bot is down: three messages nobody receives live.
            dropped_at = time.monotonic()
            fake.drop()
            await asyncio.sleep(0.05)
            missed = [fake.post(CHANNEL, OTHER_ID, f"missed{i}")["message_id"] for i in range(3)]
            # On the new connection, right after chat.start, one more message arrives live *before*
            # the REST catch-up runs; osu! also re-sends the last missed one (a duplicate).
            racing: list[int] = []

            def on_start(number: int) -> None:
                if number == 2:
                    threading.Thread(target=lambda: racing.append(fake.post(CHANNEL, OTHER_ID, "race")["message_id"])).start()

            fake.on_chat_start = on_start
            ready = await next_event(stream)
            assert isinstance(ready, ConnectionReady) and ready.connection == 2 and ready.reconnect
            assert time.monotonic() - dropped_at >= 0.4 * 0.75 - 0.01  # waited the backoff
            await wait_for(lambda: len(racing) == 1)
            fake.broadcast({"event": "chat.message.new",
                            "data": {"messages": [fake.messages[CHANNEL][-2]], "users": [user(OTHER_ID)]}})
            after = fake.post(CHANNEL, OTHER_ID, "after")["message_id"]

            events: list[MessageEvent] = []
            delivered: list[int] = []
            while after not in delivered:
                ev = await next_messages(stream)
                events.append(ev)
                delivered += [m.message_id for m in ev.messages]
            assert delivered == [*missed, racing[0], after]  # exactly once, in order
            replayed = [m.message_id for ev in events if ev.replayed for m in ev.messages]
            assert replayed[:3] == missed
            assert all(u.id == OTHER_ID for ev in events for u in ev.users)
            # chat.start re-sent on the new connection, and the catch-up asked since the last id seen
            assert fake.connections[1]["commands"][0] == "chat.start"
            since = [r.url.params.get("since") for r in fake.rest_requests if r.url.path.endswith("/messages")]
            assert str(live1[-1]) in since
            assert stream.last_message_ids[CHANNEL] == after
            assert stream.reconnects == 1
            # nothing more is pending
            with pytest.raises(asyncio.TimeoutError):
                await next_messages(stream, timeout=0.3)


async def test_watched_channel_is_caught_up_even_if_never_seen(fake: FakeOsu) -> None:
    fake.post(CHANNEL, OTHER_ID, "old", broadcast=False)
    async with make_async(fake) as client:
        async with client.chat_stream(url=fake.url, channels=[CHANNEL], keepalive=None, reconnect=FAST) as stream:
            assert isinstance(await next_event(stream), ConnectionReady)
            await wait_for(lambda: len(fake.live_connections) == 1)
            fake.drop()
            await asyncio.sleep(0.05)
            missed = fake.post(CHANNEL, OTHER_ID, "while down")["message_id"]
            ev = await next_messages(stream)
            assert ev.replayed and [m.message_id for m in ev.messages] == [missed]  # "old" is not replayed


async def test_since_resumes_a_previous_run(fake: FakeOsu) -> None:
    first = fake.post(CHANNEL, OTHER_ID, "seen before", broadcast=False)["message_id"]
    second = fake.post(CHANNEL, OTHER_ID, "sent while the bot was off", broadcast=False)["message_id"]
    async with make_async(fake) as client:
        async with client.chat_stream(url=fake.url, since={CHANNEL: first}, keepalive=None) as stream:
            ev = await next_messages(stream)
            assert ev.replayed and [m.message_id for m in ev.messages] == [second]


async def test_reconnect_false_ends_the_stream_with_transport_error(fake: FakeOsu) -> None:
    async with make_async(fake) as client:
        async with client.chat_stream(url=fake.url, keepalive=None, reconnect=False) as stream:
            assert isinstance(await next_event(stream), ConnectionReady)
            await wait_for(lambda: len(fake.live_connections) == 1)
            fake.drop()
            with pytest.raises(osukit.TransportError):
                await next_event(stream)


async def test_unreachable_server_gives_up_after_max_attempts() -> None:
    fake = FakeOsu()  # not started: nothing listens on the port we pick
    import socket

    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    async with make_async(fake) as client:
        policy = ReconnectPolicy(initial=0.01, maximum=0.05, max_attempts=3)
        with pytest.raises(osukit.TransportError):
            async with client.chat_stream(url=f"ws://127.0.0.1:{port}/", keepalive=None, reconnect=policy):
                pass


async def test_flapping_server_is_backed_off_exponentially(fake: FakeOsu, caplog: pytest.LogCaptureFixture) -> None:
    caplog.set_level(logging.INFO, logger="osukit")
    fake.abort_first = 3  # accepted, then dropped right after chat.start, three times
    policy = ReconnectPolicy(initial=0.1, maximum=5.0, multiplier=2.0, jitter=0.0)
    async with make_async(fake) as client:
        async with client.chat_stream(url=fake.url, keepalive=None, reconnect=policy) as stream:
            times = []
            while len(times) < 4:
                event = await next_event(stream)
                if isinstance(event, ConnectionReady):
                    times.append(time.monotonic())
            gaps = [b - a for a, b in itertools.pairwise(times)]
            # 0.1, 0.2, 0.4 s: each short-lived connection counts as one more failure in a row. The
            # delays chosen are read from the log (exact); the clock only shows each was really
            # waited (a loaded machine can make a gap longer, never shorter).
            delays = [float(m.group(1)) for r in caplog.records
                      if (m := re.search(r"reconnecting in ([0-9.]+)s", r.getMessage()))]
            assert delays[:3] == [0.1, 0.2, 0.4], delays
            assert gaps[0] >= 0.09 and gaps[1] >= 0.19 and gaps[2] >= 0.39, gaps
            assert stream.reconnects == 3


def test_backoff_is_exponential_capped_and_jittered() -> None:
    p = ReconnectPolicy(initial=1.0, maximum=10.0, multiplier=2.0, jitter=0.5)
    assert [p.delay(n, rng=lambda: 0.0) for n in range(1, 7)] == [1, 2, 4, 8, 10, 10]
    assert p.delay(3, rng=lambda: 1.0) == 2.0
    with pytest.raises(osukit.ConfigurationError):
        ReconnectPolicy(jitter=2)


# --- token refresh, keepalive, pings ----------------------------------------------------------


async def test_reconnects_with_a_fresh_token_before_expiry(fake: FakeOsu) -> None:
    async with make_async(fake, grant=user_token(expires_in=400)) as client:
        async with client.chat_stream(url=fake.url, keepalive=None, token_refresh_margin=399.3) as stream:
            assert isinstance(await next_event(stream), ConnectionReady)
            ready = await next_event(stream, timeout=5)
            assert isinstance(ready, ConnectionReady) and ready.connection == 2
            assert [c["auth"] for c in fake.connections] == ["Bearer access-token-0000", "Bearer access-token-0001"]
            assert fake.token_requests == 1
            await wait_for(lambda: len(fake.live_connections) == 1)
            msg = fake.post(CHANNEL, OTHER_ID, "after refresh")
            assert (await next_messages(stream)).messages[0].message_id == msg["message_id"]


async def test_keepalive_acks_periodically_and_can_be_turned_off(fake: FakeOsu) -> None:
    async with make_async(fake) as client:
        async with client.chat_stream(url=fake.url, keepalive=0.1) as stream:
            await wait_for(lambda: fake.acks >= 3, timeout=3)
            assert stream.acks >= 3
    fake.acks = 0
    async with make_async(fake) as client:
        async with client.chat_stream(url=fake.url, keepalive=None):
            await asyncio.sleep(0.3)
    assert fake.acks == 0


async def test_keepalive_refused_is_logged_not_fatal(fake: FakeOsu, caplog: pytest.LogCaptureFixture) -> None:
    # a delegate-like token without chat.read: ack and history are refused client-side
    grant = StaticToken("delegate-token-123456", scopes=("delegate", "chat.write", "chat.write_manage"))
    async with make_async(fake, grant=grant) as client:
        with caplog.at_level(logging.WARNING, logger="osukit"):
            async with client.chat_stream(url=fake.url, channels=[CHANNEL], keepalive=0.1) as stream:
                assert isinstance(await next_event(stream), ConnectionReady)
                await wait_for(lambda: len(fake.live_connections) == 1)
                msg = fake.post(CHANNEL, OTHER_ID, "still delivered")
                assert (await next_messages(stream)).messages[0].message_id == msg["message_id"]
    assert fake.acks == 0
    assert any("keepalive" in r.message for r in caplog.records)
    assert any("chat.read" in r.message for r in caplog.records)


async def test_server_pings_are_answered_while_the_consumer_is_busy() -> None:
    # A ping every 0.3 s, each with a 2 s pong deadline: a client that did not answer while its consumer
    # is busy is dropped by 2.3 s, well inside the 4 s below, and one that answers late on a loaded
    # machine (CI runs with 2 CPU burners a core) still passes.
    fake = FakeOsu(server_ping_interval=0.3, server_ping_timeout=2.0)
    fake.start()
    try:
        async with make_async(fake) as client:
            async with client.chat_stream(url=fake.url, keepalive=None, ping_interval=None) as stream:
                assert isinstance(await next_event(stream), ConnectionReady)
                await wait_for(lambda: len(fake.live_connections) == 1)
                for i in range(40):  # events pile up unread while the consumer "works"
                    fake.post(CHANNEL, OTHER_ID, f"m{i}")
                await asyncio.sleep(4.0)  # about 13 server pings
                assert stream.reconnects == 0 and len(fake.connections) == 1
                got = 0
                while got < 40:
                    got += len((await next_messages(stream)).messages)
    finally:
        fake.stop()


async def test_logout_ends_the_stream(fake: FakeOsu) -> None:
    async with make_async(fake) as client:
        async with client.chat_stream(url=fake.url, keepalive=None) as stream:
            assert isinstance(await next_event(stream), ConnectionReady)
            await wait_for(lambda: len(fake.live_connections) == 1)
            fake.broadcast({"event": "logout"})
            assert isinstance(await next_event(stream), LogoutEvent)
            with pytest.raises(StopAsyncIteration):
                await next_event(stream)
        assert len(fake.connections) == 1


# --- the sync stream --------------------------------------------------------------------------


def test_sync_chat_stream_yields_the_same_events(fake: FakeOsu) -> None:
    with make_sync(fake) as client:
        stream = client.chat_stream(url=fake.url, keepalive=0.1, reconnect=FAST)
        assert isinstance(stream, ChatStream)
        with stream:
            first = next(stream)
            assert isinstance(first, ConnectionReady)
            deadline = time.monotonic() + 5
            while not fake.live_connections and time.monotonic() < deadline:
                time.sleep(0.01)
            sent = fake.post(CHANNEL, OTHER_ID, "sync hello")
            ev = next(stream)
            assert isinstance(ev, MessageEvent) and ev.messages[0].message_id == sent["message_id"]
            fake.drop()
            time.sleep(0.05)
            missed = fake.post(CHANNEL, OTHER_ID, "sync missed")
            events: list[Any] = []
            while not any(isinstance(e, MessageEvent) for e in events):
                events.append(stream.get(timeout=5))
            assert isinstance(events[0], ConnectionReady) and events[0].connection == 2
            assert events[-1].replayed and events[-1].messages[0].message_id == missed["message_id"]
            assert fake.acks >= 1
            assert stream.last_message_ids == {CHANNEL: missed["message_id"]}
        assert list(stream) == []  # closed: iteration ends
    assert fake.connections[0]["auth"] == "Bearer access-token-0000"


def test_sync_chat_stream_auth_failure(fake: FakeOsu) -> None:
    fake.auth_mode = "message"
    with make_sync(fake) as client, pytest.raises(osukit.AuthenticationError):
        with client.chat_stream(url=fake.url, keepalive=None):
            pass
    assert len(fake.connections) == 2


def test_bad_url_is_a_configuration_error(fake: FakeOsu) -> None:
    with make_sync(fake) as client, pytest.raises(osukit.ConfigurationError):
        client.chat_stream(url="https://notify.ppy.sh")
    assert BOT_ID  # silence unused import in some linters
