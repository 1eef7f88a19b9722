"""A new user's first ``osukit referee …`` session: Ctrl-C on the long-running commands, ``roll``
prints the number, ``watch`` without rooms exits as documented, one credentials rule with the
tournament commands."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

import pytest

from tests._helpers import ctrl_c, osukit_process

from .conftest import Env
from .test_cli import _env, run

pytest.importorskip("typer")
pytestmark = pytest.mark.timeout(240)


def _made(env: Env, home: Path) -> int:
    made = run(env, home, "make", str(env.osu_beatmap), "--slots", "4", "--json")
    assert made.returncode == 0, made.stderr
    return int(json.loads(made.stdout)["room_id"])


def _interrupt(env: Env, home: Path, args: list[str], ready: str) -> tuple[int, str]:
    with osukit_process(args, env=_env(env, home), cwd=home, stdin=subprocess.PIPE, stdout=subprocess.PIPE,
                        stderr=subprocess.PIPE, text=True) as proc:
        assert proc.stderr is not None
        seen = ""
        while ready not in seen:
            line = proc.stderr.readline()
            if not line:
                break
            seen += line
        assert ready in seen, seen
        code, _ = ctrl_c(proc, timeout=120)
        _, err = proc.communicate(timeout=60)
    return code, seen + err


@pytest.mark.parametrize("command", ["watch", "console"])
def test_ctrl_c_on_watch_and_console_says_interrupted_and_exits_130(env: Env, tmp_path: Path, command: str) -> None:
    rid = _made(env, tmp_path)
    code, err = _interrupt(env, tmp_path, ["referee", command, str(rid)], "watching")
    assert code == 130, err
    assert err.rstrip().endswith("osukit: interrupted"), err
    assert "Traceback" not in err
    assert run(env, tmp_path, "close", str(rid)).returncode == 0


def test_roll_prints_the_number_rolled(env: Env, tmp_path: Path) -> None:
    rid = _made(env, tmp_path)
    rolled = run(env, tmp_path, "roll", str(rid), "6")
    assert rolled.returncode == 0, rolled.stderr
    line = rolled.stdout.strip().splitlines()[-1]
    assert line.startswith(f"room {rid}: rolled ") and line.endswith(" (1-6)"), line
    number = int(line.split("rolled ")[1].split()[0])
    assert 1 <= number <= 6
    assert run(env, tmp_path, "close", str(rid)).returncode == 0


def test_watch_without_rooms_exits_1_as_documented(env: Env, tmp_path: Path) -> None:
    token = env.token(env.user)  # an account that referees no room
    result = subprocess.run([sys.executable, "-m", "osukit.cli", "--access-token", token, "referee", "watch",
                             "--timeout", "30"],
                            env=_env(env, tmp_path), capture_output=True, text=True, timeout=120, cwd=tmp_path)
    assert result.returncode == 1, result.stderr
    assert "no room to watch" in result.stderr
    docs = (Path(__file__).resolve().parents[2] / "docs" / "referee.md").read_text(encoding="utf-8")
    assert "exits 1 with\n`no room to watch`" in docs or "exits 1 with `no room to watch`" in docs


def _use_home(monkeypatch: pytest.MonkeyPatch, env: Env, home: Path) -> None:
    for key in list(os.environ):
        if key.startswith(("OSU_", "OSUKIT_")):
            monkeypatch.delenv(key)
    for key, value in _env(env, home).items():
        monkeypatch.setenv(key, value)


def _stored_login(env: Env, scopes: tuple[str, ...]) -> None:
    """What ``osukit login --scope …`` leaves behind, as the test user."""
    from osukit.cli._state import State
    from osukit.tokens import Token

    minted: dict[str, Any] = env.emu.mint_token(user_id=env.user, scopes=list(scopes), refresh=True)
    state = State(options={})
    token = Token(access_token=str(minted["access_token"]), refresh_token=minted.get("refresh_token"),
                  expires_at=time.time() + 3600, scopes=scopes, user_id=env.user)
    state.token_store().save(state.settings.login_key, token)


def test_a_login_without_the_hub_scope_does_not_split_the_accounts(
        env: Env, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """A stored login without ``multiplayer.write_manage`` next to client credentials: every hub
    command (``referee …``, ``match run``, ``lobby autohost``) picks the client credentials (the
    room is the bot's); with the scope, every one picks the login."""
    from osukit.cli._hub import hub_credentials
    from osukit.cli._state import State

    _use_home(monkeypatch, env, tmp_path)
    referee_scopes = ("multiplayer.write_manage",)
    bot_scopes = ("public", "delegate", "multiplayer.write_manage", "chat.write", "chat.write_manage")
    _stored_login(env, ("identify", "public"))
    for scopes in (referee_scopes, bot_scopes):
        creds = hub_credentials(State(options={}), scopes)
        assert creds.source == "client-credentials"
        assert creds.hub["scopes"][0] == "delegate" and "public" not in creds.hub["scopes"]
        assert creds.rest is not None and creds.rest["scopes"] == ("public",)
    rid = _made(env, tmp_path)
    assert env.world.rooms[rid]["user_id"] == env.bot  # client credentials with delegate: the bot account
    assert run(env, tmp_path, "close", str(rid)).returncode == 0

    _stored_login(env, ("identify", "public", "chat.read", "multiplayer.write_manage"))
    for scopes in (referee_scopes, bot_scopes):
        creds = hub_credentials(State(options={}), scopes)
        assert creds.source == "login" and creds.rest is None
    rid = _made(env, tmp_path)
    assert env.world.rooms[rid]["user_id"] == env.user  # the login's account, for every hub command
    assert run(env, tmp_path, "close", str(rid)).returncode == 0
