"""The real ``osukit`` command against the emulator over loopback: queries, --json output, errors,
chat, crawls, plots and the demo."""

from __future__ import annotations

import json
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

import osukit

from .conftest import OSU_STD, Cli, authorize_url, emu_env, login_process, token_text

pytestmark = pytest.mark.timeout(600)

PNG = b"\x89PNG\r\n\x1a\n"


@pytest.fixture
def osu(emu: Any) -> Iterator[osukit.Client]:
    with osukit.Client(client_id=emu.client_id, client_secret=emu.client_secret, base_url=emu.base_url,
                       api_key=emu.api_key, rate_limit=0) as client:
        yield client


@pytest.fixture
def ecli(cli: Cli, emu: Any) -> Cli:
    cli.env.update(emu_env(emu))
    return cli


def _top_user(osu: osukit.Client) -> Any:
    row = next(iter(osu.rankings.get("osu", "performance", limit=1)))
    return row.user


def test_user_json_and_table(ecli: Cli, osu: osukit.Client) -> None:
    user = _top_user(osu)
    r = ecli("user", str(user.id), "--json")
    assert r.code == 0, r.err
    data = json.loads(r.out)
    assert data["id"] == user.id and data["username"] == user.username
    assert data == osukit.dump(osu.users.get(user.id))  # exactly what osukit.dump gives
    r = ecli("user", user.username)
    assert r.code == 0 and user.username in r.out and "pp" in r.out


def test_scores_jsonl_with_limit(ecli: Cli, osu: osukit.Client) -> None:
    user = _top_user(osu)
    available = len(list(osu.users.scores(user.id, "best", limit=None)))
    assert available >= 2
    r = ecli("scores", str(user.id), "best", "--limit", "7", "--jsonl")
    assert r.code == 0, r.err
    lines = [json.loads(line) for line in r.out.splitlines()]
    assert len(lines) == min(7, available) and all("pp" in s for s in lines)
    assert len(ecli("scores", str(user.id), "best", "--limit", "1", "--jsonl").out.splitlines()) == 1
    pps = [s["pp"] for s in lines]
    assert pps == sorted(pps, reverse=True)
    assert isinstance(json.loads(ecli("scores", str(user.id), "--limit", "2", "--json").out), list)
    table = ecli("scores", user.username, "best", "--limit", "3")
    assert table.code == 0 and "best scores of" in table.out


def test_beatmap_beatmapset_leaderboard_pp_by_id(ecli: Cli, osu: osukit.Client) -> None:
    user = _top_user(osu)
    score = next(iter(osu.users.scores(user.id, "best", limit=1)))
    beatmap_id = score.beatmap_id
    b = json.loads(ecli("beatmap", str(beatmap_id), "--json").out)
    assert b["id"] == beatmap_id
    s = json.loads(ecli("beatmapset", str(b["beatmapset_id"]), "--json").out)
    assert s["id"] == b["beatmapset_id"] and any(m["id"] == beatmap_id for m in s["beatmaps"])
    assert ecli("beatmapset", str(b["beatmapset_id"])).code == 0
    r = ecli("leaderboard", str(beatmap_id), "--limit", "5", "--jsonl")
    assert r.code == 0, r.err
    assert 1 <= len(r.out.splitlines()) <= 5
    pytest.importorskip("rosu_pp_py")
    r = ecli("pp", str(beatmap_id), "--mods", "HD", "--json")
    assert r.code == 0, r.err
    assert json.loads(r.out)["pp"] > 0


def test_search_rankings_match_room(ecli: Cli, osu: osukit.Client) -> None:
    pages = list(osu.beatmapsets.search("", limit=None).pages())
    assert len(pages) >= 2
    wanted = len(pages[0].items) + 1  # needs a second page
    r = ecli("search", "--limit", str(wanted), "--jsonl")
    assert r.code == 0, r.err
    first = [json.loads(line)["id"] for line in r.out.splitlines()]
    assert first == [s.id for p in pages for s in p.items][:wanted]
    cursor = r.err.split("more results: --cursor ", 1)[1].split()[0]
    r = ecli("search", "--cursor", cursor, "--limit", "3", "--jsonl")
    assert r.code == 0, r.err
    resumed = [json.loads(line)["id"] for line in r.out.splitlines()]
    assert resumed and not set(resumed) & set(first)
    r = ecli("rankings", "osu", "--limit", "5", "--jsonl")
    assert r.code == 0 and len(r.out.splitlines()) == 5
    assert ecli("rankings", "osu", "country", "--limit", "3").code == 0
    match = next(iter(osu.matches.list(limit=1)), None)
    if match is not None:
        r = ecli("match", str(match.id), "--json")
        assert r.code == 0, r.err
        assert json.loads(r.out)["match"]["id"] == match.id
        assert ecli("match", str(match.id)).code == 0
    rooms = osu.rooms.list()
    if rooms:
        r = ecli("room", str(rooms[0].id), "--json")
        assert r.code == 0 and json.loads(r.out)["id"] == rooms[0].id


def test_errors_are_one_line_with_exit_codes(ecli: Cli, emu: Any) -> None:
    r = ecli("user", "999999999")
    assert r.code == 5
    assert r.err_lines[0].startswith("osukit: error: ") and "not found (404)" in r.err_lines[0]
    assert len(r.err_lines) == 2
    assert "Traceback" not in r.err
    r = ecli("beatmap", "999999999")
    assert r.code == 5
    r = ecli("user", "2", env={"OSU_CLIENT_SECRET": "wrong-secret"})
    assert r.code == 4 and len(r.err_lines) == 2 and "wrong-secret" not in r.err
    r = ecli("whoami", env={"OSU_ACCESS_TOKEN": "not-a-token"})
    assert r.code == 4 and "Traceback" not in r.err


def test_whoami_and_chat_send_tail(ecli: Cli, emu: Any, osu: osukit.Client) -> None:
    user = _top_user(osu)
    token = token_text(emu.mint_token(user_id=user.id, scopes=["identify", "public", "chat.read", "chat.write",
                                                                "chat.write_manage"]))
    env = {"OSU_ACCESS_TOKEN": token}
    me = json.loads(ecli("whoami", "--json", env=env).out)
    assert me["id"] == user.id
    with osukit.Client(access_token=token, base_url=emu.base_url, rate_limit=0) as chat_client:
        channels = chat_client.chat.channels()
        channel = next(c for c in channels if str(c.type).upper().endswith("PUBLIC"))
        try:
            chat_client.chat.join(channel.channel_id, user.id)
        except osukit.APIError:
            pass
    tail = subprocess.Popen(
        [sys.executable, "-m", "osukit.cli", "chat", "tail", str(channel.channel_id), "--count", "1", "--jsonl",
         "--timeout", "30"],
        env={**ecli.env, **env}, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
    )
    try:
        assert tail.stderr is not None
        connecting = tail.stderr.readline()
        assert f"connecting to the chat websocket at {emu.notify_url}" in connecting, connecting
        started = tail.stderr.readline()
        assert "following channel" in started, started + tail.stderr.read()
        r = ecli("chat", "send", str(channel.channel_id), "hello from the CLI test", "--json", env=env)
        assert r.code == 0, r.err
        out, err = tail.communicate(timeout=60)
    finally:
        tail.kill()
    assert tail.returncode == 0, err
    message = json.loads(out.splitlines()[0])
    assert message["content"] == "hello from the CLI test" and message["channel_id"] == channel.channel_id


def test_crawl_and_resume(ecli: Cli, tmp_path: Path) -> None:
    out = tmp_path / "users.jsonl"
    r = ecli("--rate-limit", "0", "crawl", "users", "--ids", "1-120", "--out", str(out), "--no-progress")
    assert r.code == 0, r.err
    first = out.read_text().splitlines()
    assert first and all(json.loads(line)["id"] <= 120 for line in first)
    ids = [json.loads(line)["id"] for line in first]
    assert len(ids) == len(set(ids))
    r = ecli("crawl", "users", "--ids", "1-120", "--out", str(out))
    assert r.code == 0 and "already complete" in r.err_lines[0]
    r = ecli("--rate-limit", "0", "crawl", "users", "--ids", "1-120", "--out", str(out), "--resume", "--no-progress")
    assert r.code == 0 and "already complete" in r.err and "wrote 0" not in r.err
    assert out.read_text().splitlines() == first
    r = ecli("--rate-limit", "0", "crawl", "users", "--ids", "1-120", "--out", str(out), "--restart",
             "--no-progress")
    assert r.code == 0 and out.read_text().splitlines() == first


def test_plot_commands(ecli: Cli, osu: osukit.Client, tmp_path: Path) -> None:
    pytest.importorskip("matplotlib")
    user = _top_user(osu)
    for kind in ("rank-history", "top-plays", "activity"):
        path = tmp_path / f"{kind}.png"
        r = ecli("plot", kind, str(user.id), "-o", str(path))
        assert r.code == 0, r.err
        assert path.read_bytes()[:8] == PNG


def test_demo_runs_offline_and_writes_plots(cli: Cli, tmp_path: Path) -> None:
    if not hasattr(pytest.importorskip("osukit.emulator"), "Emulator"):
        pytest.skip("osukit.emulator is not available in this build")
    out = tmp_path / "demo"
    started = time.monotonic()
    r = cli("demo", "--out", str(out), timeout=300)
    assert r.code == 0, r.out + r.err
    for step in ("1. Authenticate", "2. Fetch a user profile", "3. Top plays", "4. Search beatmapsets",
                 "5. Receive a chat message", "6. Plots"):
        assert step in r.out
    assert "received on" in r.out and "resumed: page 3" in r.out
    for name in ("rank-history.png", "top-plays.png", "activity.png"):
        assert (out / name).read_bytes()[:8] == PNG, name
    assert time.monotonic() - started < 300
    assert OSU_STD.exists()


def test_login_paste_flow_whoami_logout(ecli: Cli, emu: Any) -> None:
    import httpx

    with login_process(ecli.env, "--scope", "identify", "--scope", "public") as proc:
        url, _ = authorize_url(proc.stderr)
        answer = httpx.get(url, follow_redirects=False, timeout=10)
        location = answer.headers.get("location", "")
        if answer.status_code not in (301, 302, 303, 307) or "code=" not in location:
            pytest.skip(f"the emulator's /oauth/authorize does not auto-approve (status {answer.status_code})")
        out, err = proc.communicate(location + "\n", timeout=60)
    assert proc.returncode == 0, err
    assert "Logged in" in out
    me = ecli("whoami", "--json")
    assert me.code == 0, me.err
    assert isinstance(json.loads(me.out)["id"], int)
    r = ecli("logout")
    assert r.code == 0 and "Logged out" in r.out
    r = ecli("whoami")
    assert r.code == 4 and "not logged in" in r.err


def test_emulator_serve(cli: Cli) -> None:
    import re
    import socket

    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    proc = subprocess.Popen([sys.executable, "-m", "osukit.cli", "emulator", "serve", "--port", str(port), "--seed", "3"],
                            env=cli.env, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    try:
        assert proc.stdout is not None
        banner = proc.stdout.readline()
        found = re.search(r"client_id=(\S+) client_secret=(\S+)", banner)
        assert found, banner
        base = f"http://127.0.0.1:{port}"
        deadline = time.monotonic() + 20
        while True:
            r = cli("--base-url", base, "--client-id", found[1], "--client-secret", found[2], "--rate-limit", "0",
                    "user", "2", "--json")
            if r.code == 0 or time.monotonic() > deadline:
                break
            time.sleep(0.3)
        assert r.code == 0, r.err
        assert json.loads(r.out)["id"] == 2
    finally:
        proc.terminate()
        proc.wait(timeout=10)


def test_login_through_the_browser_callback(ecli: Cli, tmp_path: Path) -> None:
    """`osukit login` with a "browser" (the BROWSER variable) that follows osu!'s redirect to the
    one-shot callback server on 127.0.0.1."""
    import socket

    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    browser = tmp_path / "browser.py"
    browser.write_text(
        "import sys, httpx\n"
        "r = httpx.get(sys.argv[1], follow_redirects=True, timeout=20)\n"
        "sys.exit(0 if r.status_code == 200 else 1)\n"
    )
    env = {"BROWSER": f"{sys.executable} {browser} %s"}
    r = ecli("login", "--redirect-uri", f"http://127.0.0.1:{port}/callback", "--timeout", "60", env=env,
             input="", timeout=120)
    assert r.code == 0, r.err
    assert "Logged in" in r.out
    assert ecli("whoami").code == 0


def test_crawl_killed_then_resumed_matches_a_clean_run(ecli: Cli, emu: Any, tmp_path: Path) -> None:
    real = sorted(int(u["id"] if isinstance(u, dict) else u) for u in emu.dataset["users"])
    ids = sorted(set(real) | set(range(1, 300 - len(real) + 2)))[:300]
    id_file = tmp_path / "ids.txt"
    id_file.write_text("\n".join(map(str, ids)) + "\n")
    clean = tmp_path / "clean.jsonl"
    assert ecli("--rate-limit", "0", "crawl", "users", "--ids", str(id_file), "--out", str(clean),
                "--no-progress").code == 0
    out = tmp_path / "killed.jsonl"
    proc = subprocess.Popen(
        [sys.executable, "-m", "osukit.cli", "--rate-limit", "600", "crawl", "users", "--ids", str(id_file),
         "--out", str(out), "--no-progress"],
        env=ecli.env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
    )
    try:
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline and not (out.exists() and out.stat().st_size > 0):
            time.sleep(0.05)
        assert out.exists() and out.stat().st_size > 0
    finally:
        proc.kill()
        proc.wait(timeout=10)
    partial = out.read_text().count("\n")
    r = ecli("--rate-limit", "0", "crawl", "users", "--ids", str(id_file), "--out", str(out), "--resume",
             "--no-progress")
    assert r.code == 0, r.err
    assert out.read_text() == clean.read_text()  # nothing lost, nothing twice, same order
    assert 0 < partial < clean.read_text().count("\n")  # the kill did land mid-crawl
