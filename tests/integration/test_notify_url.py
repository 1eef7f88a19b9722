"""The chat websocket follows base_url (the emulator's own /notify) unless notify_url is set, and an
unreachable one says so once instead of retrying in silence."""

from __future__ import annotations

import asyncio
import logging
import socket
from typing import Any

import pytest

import osukit
from osukit._base_client import notify_url_for
from osukit.realtime import ReconnectPolicy


def test_notify_url_follows_base_url(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("OSU_NOTIFY_URL", raising=False)
    monkeypatch.delenv("OSU_BASE_URL", raising=False)
    assert osukit.Client(rate_limit=0).notify_url == "wss://notify.ppy.sh"
    assert osukit.Client(base_url="http://127.0.0.1:9000", rate_limit=0).notify_url == "ws://127.0.0.1:9000/notify"
    assert osukit.Client(base_url="https://osu.example.org/", rate_limit=0).notify_url == \
        "wss://osu.example.org/notify"
    assert notify_url_for("https://osu.example.org/sub") == "wss://osu.example.org/sub/notify"
    assert osukit.Client(base_url="http://127.0.0.1:9000", notify_url="ws://10.0.0.1/ws",
                         rate_limit=0).notify_url == "ws://10.0.0.1/ws"
    monkeypatch.setenv("OSU_NOTIFY_URL", "wss://chat.example.org/")
    assert osukit.AsyncClient(base_url="http://127.0.0.1:9000", rate_limit=0).notify_url == "wss://chat.example.org/"
    with pytest.raises(osukit.ConfigurationError, match="ws://"):
        osukit.Client(notify_url="http://127.0.0.1/notify", rate_limit=0)


def test_chat_stream_reaches_the_emulator_without_being_told_where(osu_emulator: Any) -> None:
    token = osu_emulator.mint_token(osu_emulator.dataset["test_user_id"], ["chat.read", "public", "identify"])
    with osukit.Client(access_token=token["access_token"], base_url=osu_emulator.base_url, rate_limit=0) as osu:
        with osu.chat_stream() as stream:  # entering waits for connection.ready
            assert stream.connected
        assert repr(osu.chat_stream()) == f"ChatStream(url={osu_emulator.notify_url!r})"

    async def main() -> str:
        async with osukit.AsyncClient(access_token=token["access_token"], base_url=osu_emulator.base_url,
                                      rate_limit=0) as aosu, aosu.chat_stream() as astream:
            return astream.url

    assert asyncio.run(main()) == osu_emulator.notify_url


def test_an_unreachable_websocket_is_reported_once(caplog: pytest.LogCaptureFixture) -> None:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]  # closed again: nothing listens there
    policy = ReconnectPolicy(initial=0.01, maximum=0.01, jitter=0, max_attempts=4)

    async def main() -> None:
        async with osukit.AsyncClient(access_token="t", base_url=f"http://127.0.0.1:{port}", rate_limit=0) as osu:
            stream = osu.chat_stream(reconnect=policy, keepalive=None, catch_up=False)
            with pytest.raises(osukit.TransportError):
                async with stream:
                    pass

    with caplog.at_level(logging.INFO, logger="osukit"):
        asyncio.run(main())
    warnings = [r.getMessage() for r in caplog.records if r.levelno >= logging.WARNING]
    assert len(warnings) == 1, warnings
    assert f"cannot connect to ws://127.0.0.1:{port}/notify" in warnings[0] and "notify_url" in warnings[0]
    retries = [r for r in caplog.records if r.levelno == logging.INFO and "reconnecting" in r.getMessage()]
    assert len(retries) == 3
