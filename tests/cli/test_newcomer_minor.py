"""What a new user hit in the first hour, kind by kind: shown values that differ from the real ones,
wrong input that passed silently, raw errors, and an inconsistent API (issue 21, "Minor")."""

from __future__ import annotations

import asyncio
import os
import subprocess
import sys
import warnings
from pathlib import Path
from typing import Any

import httpx
import pytest

import osukit

from .conftest import OSU_STD, REPO, Cli, emu_env

pytestmark = pytest.mark.timeout(600)


@pytest.fixture
def ecli(cli: Cli, emu: Any) -> Cli:
    cli.env.update(emu_env(emu))
    cli.env["OSUKIT_RATE_LIMIT"] = "0"
    return cli


def _run(ecli: Cli, *args: str) -> Any:
    return ecli("--rate-limit", "0", *args)


# --- shown value != real value ---------------------------------------------------------------------


def test_serve_rate_limit_help_says_off_and_headers_are_sent_anyway(cli: Cli, emu: Any) -> None:
    r = cli("emulator", "serve", "--help")
    assert r.code == 0 and "default: off" in " ".join(r.out.split())
    assert "osu!'s" not in r.out.split("--rate-limit", 1)[1].split("--", 1)[0]
    token = emu.mint_token(user_id=2, scopes=["public"])["access_token"]
    headers = {"Authorization": f"Bearer {token}"}
    first = httpx.get(f"{emu.base_url}/api/v2/users/2", headers=headers)
    second = httpx.get(f"{emu.base_url}/api/v2/users/2", headers=headers)
    assert first.headers["X-RateLimit-Limit"] == "1200"  # osu-web's ceiling, as docs/testing.md says
    assert 0 <= int(second.headers["X-RateLimit-Remaining"]) < 1200
    for _ in range(3):
        assert httpx.get(f"{emu.base_url}/api/v2/users/2", headers=headers).status_code == 200  # never 429


def test_user_mode_shows_the_mode_asked_for(ecli: Cli) -> None:
    r = _run(ecli, "user", "2", "--mode", "mania")
    assert r.code == 0, r.err
    assert any(line.split()[:2] == ["mode", "mania"] for line in r.out.splitlines()), r.out
    r = _run(ecli, "user", "2")
    assert any(line.split()[:2] == ["mode", "osu"] for line in r.out.splitlines()), r.out


def test_match_and_room_tables_show_the_game_plain_ids_and_ruleset_names(ecli: Cli, emu: Any) -> None:
    p = emu.dataset["params"]
    world = emu.state.world
    r = _run(ecli, "match", str(p["match"]))
    assert r.code == 0, r.err
    game = [e["game"] for e in world.matches[p["match"]]["events"] if e["game"]][-1]  # the latest events are shown
    beatmap = world.beatmaps[game["beatmap_id"]]
    title = world.beatmapsets[beatmap["beatmapset_id"]]["title"]
    rows = [line for line in r.out.splitlines() if f"({beatmap['id']})" in line]
    assert rows and title in rows[0] and f"[{beatmap['version']}]" in rows[0] and game["mode"] in rows[0]
    assert world.matches[p["match"]]["name"] not in "".join(rows)  # the match name is the title, not the game
    assert f"{p['match']:,}" not in r.out and str(game["beatmap_id"]) in r.out
    r = _run(ecli, "room", str(p["room"]))
    assert r.code == 0, r.err
    item = world.rooms[p["room"]]["playlist"][0]
    row = next(line for line in r.out.splitlines() if str(item["id"]) in line)
    ruleset = world.beatmaps[item["beatmap_id"]]["mode"]
    assert ruleset in row and f" {item['ruleset_id']} " not in row and f"{item['beatmap_id']:,}" not in row


def test_rankings_charts_show_the_spotlight(ecli: Cli, emu: Any) -> None:
    spotlights = emu.state.world.spotlights
    r = _run(ecli, "rankings", "osu", "charts", "--limit", "3")
    assert r.code == 0, r.err
    assert f"charts: {spotlights[0]['name']}" in r.out and "ranked score" in r.out
    r = _run(ecli, "rankings", "osu", "charts", "--spotlight", str(spotlights[1]["id"]), "--limit", "3")
    assert r.code == 0 and f"charts: {spotlights[1]['name']}" in r.out
    assert _run(ecli, "rankings", "osu", "charts", "--spotlight", "1").code == 5
    assert _run(ecli, "rankings", "osu", "performance", "--spotlight", "1").code == 2


def test_config_show_lists_notify_url(cli: Cli) -> None:
    r = cli("config", "show", env={"OSU_NOTIFY_URL": "ws://127.0.0.1:1/notify"})
    assert r.code == 0
    assert any(line.split()[:2] == ["notify_url", "ws://127.0.0.1:1/notify"] for line in r.out.splitlines()), r.out


# --- wrong input passes silently ------------------------------------------------------------------


def test_pp_of_a_file_that_is_not_a_beatmap_is_a_usage_error(cli: Cli) -> None:
    r = cli("pp", str(REPO / "README.md"))
    assert r.code == 2 and "is not a .osu beatmap file" in r.err_lines[0], r.err
    assert cli("pp", str(OSU_STD)).code == 0


def test_load_beatmap_refuses_what_is_not_an_osu_file() -> None:
    pytest.importorskip("rosu_pp_py")
    from osukit.game import BeatmapError, difficulty, load_beatmap

    text = (REPO / "README.md").read_text(encoding="utf-8")
    for source in (REPO / "README.md", str(REPO / "README.md"), text, text.encode()):
        with pytest.raises(BeatmapError, match=r"not a \.osu beatmap file"):
            load_beatmap(source)  # type: ignore[arg-type]
    assert difficulty(OSU_STD.read_bytes()).stars > 0
    assert difficulty("\ufeff" + OSU_STD.read_text(encoding="utf-8")).stars > 0


def test_performance_warns_when_the_judgements_do_not_fit_the_beatmap() -> None:
    pytest.importorskip("rosu_pp_py")
    from osukit.game import HitCountWarning, difficulty, load_beatmap, performance

    d = difficulty(OSU_STD)
    objects = int(load_beatmap(OSU_STD).n_objects)
    fits = {"ruleset_id": 0, "statistics": {"great": objects - 1, "miss": 1}, "max_combo": d.max_combo // 2}
    with warnings.catch_warnings():
        warnings.simplefilter("error", HitCountWarning)
        performance(fits, OSU_STD)
        performance(None, OSU_STD, misses=3, combo=10)
    too_many = {"ruleset_id": 0, "statistics": {"great": objects * 6, "miss": 1}, "max_combo": d.max_combo * 6}
    with pytest.warns(HitCountWarning, match=r"n300 \d+ -> \d+.*combo"):
        performance(too_many, OSU_STD)


def test_unknown_fault_names_are_refused(emu: Any) -> None:
    with pytest.raises(osukit.InvalidParameterError, match=r"unknown fault option.*eror_rate"):
        emu.set_faults(eror_rate=0.5)
    r = httpx.post(f"{emu.base_url}/_emulator/faults", json={"eror_rate": 0.5})
    assert r.status_code == 422 and "eror_rate" in r.json()["error"]
    emu.set_faults(error_rate=0.0)
    emu.clear_faults()


def test_replay_info_on_a_non_replay_is_a_usage_error(cli: Cli, tmp_path: Path) -> None:
    r = cli("replay", "info", str(REPO / "README.md"))
    assert r.code == 2 and "is not a readable osu! replay" in r.err_lines[0], r.err
    empty = tmp_path / "empty.osr"
    empty.write_bytes(b"")
    assert cli("replay", "info", str(empty)).code == 2


# --- raw errors -----------------------------------------------------------------------------------


def test_emulator_without_its_extra_is_a_missing_extra_error() -> None:
    code = (
        "import sys\n"
        "sys.modules['starlette'] = None\n"
        "import osukit.emulator\n"
        "try:\n"
        "    from osukit.emulator import Emulator\n"
        "except osukit.MissingExtraError as exc:\n"
        "    print('MissingExtraError', exc)\n"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=120)
    assert out.returncode == 0, out.stderr
    assert out.stdout.startswith("MissingExtraError") and "osukit[emulator]" in out.stdout


def test_osu_emulator_app_serves_the_sync_client(osu_emulator_app: Any) -> None:
    from osukit.emulator.asgi import SyncASGITransport

    world = osu_emulator_app.state.emulator.world
    creds = {"client_id": world.client_id, "client_secret": world.client_secret, "base_url": "http://emulator",
             "rate_limit": 0}
    with pytest.raises(osukit.ConfigurationError, match="SyncASGITransport"):
        osukit.Client(transport=httpx.ASGITransport(app=osu_emulator_app), **creds)  # type: ignore[arg-type]
    with osukit.Client(transport=SyncASGITransport(osu_emulator_app), **creds) as osu:
        assert osu.users.get(2).username == "peppy"
        assert list(osu.users.scores(world.test_user_id, "best", limit=3))


async def test_osu_emulator_app_serves_the_async_client(osu_emulator_app: Any) -> None:
    world = osu_emulator_app.state.emulator.world
    async with osukit.AsyncClient(client_id=world.client_id, client_secret=world.client_secret,
                                  base_url="http://emulator", rate_limit=0,
                                  transport=httpx.ASGITransport(app=osu_emulator_app)) as osu:
        assert (await osu.users.get(2)).username == "peppy"


def test_bot_run_closes_its_clients(emu: Any) -> None:
    script = f"""
import asyncio, gc, os, osukit
from osukit.bot import Bot

client = osukit.AsyncClient(access_token=os.environ["BOT_TOKEN"], base_url={emu.base_url!r}, rate_limit=0)


class Quick(Bot):
    async def start(self) -> None:
        async def stop_when_ready() -> None:
            await self.wait_ready(60)
            await self.stop()

        task = asyncio.ensure_future(stop_when_ready())
        await super().start()
        await task


Quick(client, channels=[5], url={emu.notify_url!r}).run()
gc.collect()
print("closed" if client._closed else "open")
"""
    # the token goes by the environment, not the script: a timed-out run's report quotes the command line
    token = emu.mint_token(user_id=emu.dataset["bot_user_id"], scopes=["chat.read", "chat.write", "public", "identify"])
    out = subprocess.run([sys.executable, "-W", "error::ResourceWarning", "-c", script], capture_output=True,
                         text=True, timeout=180, env={**os.environ, "BOT_TOKEN": token["access_token"]})
    assert out.returncode == 0, out.stderr
    assert out.stdout.strip() == "closed"
    assert "Unclosed" not in out.stderr, out.stderr


# --- inconsistent API -----------------------------------------------------------------------------


def test_beatmap_leaderboards_iterate_like_user_scores(osu_emulator: Any) -> None:
    with osukit.Client(client_id=osu_emulator.client_id, client_secret=osu_emulator.client_secret,
                       base_url=osu_emulator.base_url, rate_limit=0) as osu:
        beatmap = osu_emulator.dataset["params"]["beatmap"]
        board = osu.beatmaps.scores(beatmap)
        assert [s.id for s in board] == [s.id for s in board.scores] and board.scores
        user = board.scores[0].user_id
        assert board.scores[0].id in [s.id for s in osu.beatmaps.user_scores(beatmap, user)]


def test_async_leaderboards_iterate_too(osu_emulator: Any) -> None:
    async def main() -> list[int]:
        async with osukit.AsyncClient(client_id=osu_emulator.client_id, client_secret=osu_emulator.client_secret,
                                      base_url=osu_emulator.base_url, rate_limit=0) as osu:
            return [s.id for s in await osu.beatmaps.scores(osu_emulator.dataset["params"]["beatmap"])]

    assert asyncio.run(main())


def test_subpackages_are_attributes_after_import_osukit() -> None:
    code = ("import osukit\n"
            "print(osukit.realtime.ChatStream.__name__, osukit.bot.Bot.__name__, osukit.game.performance.__name__,"
            " osukit.models.User.__name__)")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=120)
    assert out.returncode == 0, out.stderr
    assert out.stdout.split() == ["ChatStream", "Bot", "performance", "User"]
