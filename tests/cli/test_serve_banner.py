"""`osukit emulator serve` tells the user where everything is (the real port, the websocket, lines to
paste) or why it cannot start; `osukit chat tail` finds the emulator's websocket from the base URL."""

from __future__ import annotations

import re
import socket
import subprocess
import sys
import time
from typing import Any

import osukit

from .conftest import Cli, emu_env, token_text


def _serve(cli: Cli, *args: str) -> subprocess.Popen[str]:
    return subprocess.Popen([sys.executable, "-m", "osukit.cli", "emulator", "serve", *args], env=cli.env,
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)


def test_serve_port_zero_prints_the_real_port_the_websocket_and_export_lines(cli: Cli) -> None:
    proc = _serve(cli, "--port", "0")
    try:
        assert proc.stdout is not None
        lines = [proc.stdout.readline() for _ in range(9)]
    finally:
        proc.terminate()
        proc.wait(timeout=20)
    text = "".join(lines)
    found = re.search(r"on http://127\.0\.0\.1:(\d+) ", lines[0])
    assert found, text
    port = int(found[1])
    assert port != 0
    assert f"ws://127.0.0.1:{port}/notify" in lines[1]
    exports = dict(re.findall(r"^\s*export (OSU_\w+)=(\S+)$", text, re.M))
    assert exports["OSU_BASE_URL"] == f"http://127.0.0.1:{port}"
    assert exports["OSU_NOTIFY_URL"] == f"ws://127.0.0.1:{port}/notify"
    assert {"OSU_CLIENT_ID", "OSU_CLIENT_SECRET", "OSU_API_KEY"} <= set(exports)
    # the pasted lines work: a command run with them reaches this emulator
    assert exports["OSU_CLIENT_ID"] in lines[0] and exports["OSU_CLIENT_SECRET"] in lines[0]


def test_serve_on_a_busy_port_is_a_clear_osukit_error(cli: Cli) -> None:
    with socket.socket() as holder:
        holder.bind(("127.0.0.1", 0))
        holder.listen()
        port = holder.getsockname()[1]
        r = cli("emulator", "serve", "--port", str(port), timeout=60)
        module = subprocess.run([sys.executable, "-m", "osukit.emulator", "--port", str(port)], env=cli.env,
                                capture_output=True, text=True, timeout=60)
    assert r.code != 0
    assert f"127.0.0.1:{port}" in r.err and "already in use" in r.err and "--port 0" in r.err
    assert "Errno" not in r.err and "Traceback" not in r.err
    assert module.returncode == 2 and "already in use" in module.stderr and "Traceback" not in module.stderr


def test_chat_tail_follows_the_base_url_to_the_emulator_websocket(cli: Cli, emu: Any) -> None:
    env = {k: v for k, v in emu_env(emu).items() if k != "OSU_NOTIFY_URL"}
    token = token_text(emu.mint_token(user_id=emu.dataset["test_user_id"],
                                      scopes=["identify", "public", "chat.read", "chat.write"]))
    env["OSU_ACCESS_TOKEN"] = token
    with osukit.Client(access_token=token, base_url=emu.base_url, rate_limit=0) as osu:
        channel = next(c for c in osu.chat.channels() if str(c.type).upper().endswith("PUBLIC"))
    started = time.monotonic()
    r = cli("chat", "tail", str(channel.channel_id), "--timeout", "1", env=env, timeout=120)
    assert r.code == 0, r.err
    assert f"connecting to the chat websocket at {emu.notify_url}" in r.err
    assert "following channel" in r.err
    assert time.monotonic() - started < 110


def test_chat_tail_says_once_when_the_websocket_is_unreachable(cli: Cli, emu: Any) -> None:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]  # closed again: nothing listens there
    env = {**cli.env, **emu_env(emu), "OSU_NOTIFY_URL": f"ws://127.0.0.1:{port}/notify"}
    env["OSU_ACCESS_TOKEN"] = token_text(emu.mint_token(user_id=emu.dataset["test_user_id"],
                                                        scopes=["identify", "public", "chat.read"]))
    proc = subprocess.Popen([sys.executable, "-m", "osukit.cli", "chat", "tail", "5", "--timeout", "1"], env=env,
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    try:
        assert proc.stderr is not None
        first, second = proc.stderr.readline(), proc.stderr.readline()
    finally:
        proc.kill()
        proc.wait(timeout=20)
    assert f"connecting to the chat websocket at ws://127.0.0.1:{port}/notify" in first
    assert f"cannot connect to ws://127.0.0.1:{port}/notify" in second and "OSU_NOTIFY_URL" in second
