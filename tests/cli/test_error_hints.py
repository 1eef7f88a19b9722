"""Each error's hint is about that error: not the credentials hint for a busy port, an already submitted
crawl or an unreachable Redis."""

from __future__ import annotations

import socket
from collections.abc import Iterator

import pytest

from osukit import _exceptions as E
from osukit.cli._errors import CREDENTIALS_HINT, ExitCode, explain

from .conftest import Cli


@pytest.fixture
def busy_port() -> Iterator[int]:
    sock = socket.socket()
    sock.bind(("127.0.0.1", 0))
    sock.listen(1)
    yield int(sock.getsockname()[1])
    sock.close()


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def test_missing_credentials_get_the_credentials_hint(cli: Cli) -> None:
    r = cli("user", "2")
    assert r.code == ExitCode.CONFIG
    assert "no credentials for" in r.err and "hint: set OSU_CLIENT_ID and OSU_CLIENT_SECRET" in r.err
    # a ConfigurationError of some other library path that is about credentials still gets it
    assert explain(E.ConfigurationError("this client has no OAuth credentials")).hint == CREDENTIALS_HINT


def test_other_configuration_errors_do_not_mention_credentials() -> None:
    got = explain(E.ConfigurationError("pass either http_client or transport/proxy, not both"))
    assert got.code == ExitCode.CONFIG and "OSU_CLIENT_ID" not in (got.hint or "")
    got = explain(E.ConfigurationError("x", remedy="do this instead"))
    assert got.hint == "do this instead"
    # the remedy survives a subclass with its own constructor
    assert explain(E.TransportError("down", method="GET", url="u", remedy="look there")).hint == "look there"


def test_emulator_serve_on_a_busy_port_says_to_pick_another(cli: Cli, busy_port: int) -> None:
    r = cli("emulator", "serve", "--port", str(busy_port), timeout=120)
    assert r.code == ExitCode.CONFIG, r.err
    assert "the port is already in use" in r.err
    assert "OSU_CLIENT_ID" not in r.err and "hint: stop the other server, or pass another --port" in r.err


def test_unreachable_redis_points_at_the_redis_url(cli: Cli) -> None:
    pytest.importorskip("redis")
    r = cli("crawl", "status", "--redis", f"redis://127.0.0.1:{_free_port()}/0", "--name", "x")
    assert r.code == ExitCode.NETWORK, r.err
    assert "--base-url" not in r.err
    assert "hint: check that Redis is running at that URL (--redis or OSUKIT_REDIS_URL)" in r.err
