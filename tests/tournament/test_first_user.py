"""A new user's first run of ``match run`` / ``lobby autohost`` / ``referee …`` against the emulator,
as real subprocesses with only the settings ``osukit emulator serve`` prints (client credentials):
Ctrl-C, which account acts, the links printed, a warning for players that do not exist."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from osukit.emulator import Emulator
from tests._helpers import ctrl_c, osukit_process

pytest.importorskip("typer")
pytest.importorskip("websockets")
pytestmark = pytest.mark.timeout(300)


@pytest.fixture(scope="module")
def emu() -> Iterator[Emulator]:
    with Emulator(seed=0) as e:
        yield e


def _env(emu: Emulator, home: Path) -> dict[str, str]:
    out = {k: v for k, v in os.environ.items() if not k.startswith(("OSU_", "OSUKIT_"))}
    out.update({"HOME": str(home), "XDG_CONFIG_HOME": str(home / "config"), "XDG_DATA_HOME": str(home / "data"),
                "COLUMNS": "200", "NO_COLOR": "1", "OSU_BASE_URL": emu.base_url, "OSU_NOTIFY_URL": emu.notify_url,
                "OSU_CLIENT_ID": str(emu.client_id), "OSU_CLIENT_SECRET": emu.client_secret,
                "PYTHONPATH": os.pathsep.join(p for p in (str(Path(__file__).resolve().parents[2] / "src"),
                                                          os.environ.get("PYTHONPATH", "")) if p)})
    return out


def cli(emu: Emulator, home: Path, *args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, "-m", "osukit.cli", *args], env=_env(emu, home), capture_output=True,
                          text=True, timeout=180, cwd=home)


def _players(emu: Emulator) -> list[int]:
    w = emu.state.world
    return [u for u in w.users if u not in (w.bot_user_id, w.test_user_id) and not w.users[u].get("is_bot")]


def _pool(emu: Emulator, home: Path) -> Path:
    maps = [b["id"] for b in emu.state.world.beatmaps.values() if b["mode"] == "osu"]
    path = home / "pool.json"
    path.write_text(json.dumps({"name": "First Cup", "format": {"best_of": 1, "bans_per_team": 0, "tiebreaker": None,
                                                                 "team_size": 1},
                                "slots": {"NM1": maps[0], "NM2": maps[1]}}))
    return path


def _read_until(stream: Any, text: str, timeout: float = 180) -> str:
    seen = ""
    deadline = time.monotonic() + timeout
    while text not in seen and time.monotonic() < deadline:
        line = stream.readline()
        if not line:
            break
        seen += line
    assert text in seen, seen
    return seen


def _room_in(out: str) -> int:
    line = next(x for x in out.splitlines() if " made: " in x)
    return int(line.split()[1])


def test_match_run_ctrl_c_then_the_printed_referee_command_works(emu: Emulator, tmp_path: Path) -> None:
    """Ctrl-C: ``osukit: interrupted`` and 130. The room it made belongs to the account every
    ``referee`` command acts as, so the printed ``osukit referee invite ROOM USER`` works as printed;
    the room link is the emulator's."""
    a, b = _players(emu)[:2]
    pool = _pool(emu, tmp_path)
    args = ["match", "run", str(pool), "--team-a", f"A={a}", "--team-b", f"B={b}", "--state", "m.json"]
    with osukit_process(args, env=_env(emu, tmp_path), cwd=tmp_path, stdout=subprocess.PIPE,
                        stderr=subprocess.PIPE, text=True) as proc:
        out = _read_until(proc.stdout, "waiting for players")
        code, _ = ctrl_c(proc, timeout=120)
        rest_out, err = proc.communicate(timeout=60)
    assert code == 130, out + rest_out + err
    assert err.rstrip().endswith("osukit: interrupted"), err
    room = _room_in(out)
    assert _left_open_line(pool, room) in err, err  # the room it leaves open, and both ways on
    assert "Traceback" not in err and "never retrieved" not in err, err
    # client credentials cannot read chat: one warning, with the login command, not three
    said = [line for line in (out + rest_out + err).splitlines() if "chat.read" in line]
    assert len(said) == 1 and "osukit login --scope public --scope chat.read" in said[0], said
    room = _room_in(out)
    assert f"{emu.base_url}/multiplayer/rooms/{room}" in out and "https://osu.ppy.sh/multiplayer" not in out
    printed = f"osukit referee invite {room} USER_ID"
    assert printed in out
    assert f"then `osukit match run {pool} --state m.json --resume`" in out, out
    assert f"other referees (their own account, not this one: the hub keeps one connection per account): " \
           f"`osukit referee watch {room}`" in out, out
    assert emu.state.world.rooms[room]["user_id"] == emu.state.world.bot_user_id
    requests_post(emu, f"/_emulator/referee/players/{a}/connect")
    invited = cli(emu, tmp_path, *printed.replace("USER_ID", str(a)).split()[1:])
    assert invited.returncode == 0, invited.stderr
    assert f"invited {a} to room {room}" in invited.stdout
    closed = cli(emu, tmp_path, "referee", "close", str(room))
    assert closed.returncode == 0, closed.stderr


def _left_open_line(pool: Path, room: int) -> str:
    return (f"osukit: room {room} is still open: carry on with `osukit match run {pool} --state m.json --resume`, "
            f"or close it with `osukit referee close {room}`\n")


def test_match_run_stopped_by_sigterm_says_which_room_it_leaves_open(emu: Emulator, tmp_path: Path) -> None:
    """``timeout 120 osukit match run …`` running out, or a service manager stopping it, sends SIGTERM:
    that ended the runner without a word while its room stayed open. It now ends as Ctrl-C does."""
    a, b = _players(emu)[:2]
    pool = _pool(emu, tmp_path)
    args = ["match", "run", str(pool), "--team-a", f"A={a}", "--team-b", f"B={b}", "--state", "m.json"]
    with osukit_process(args, env=_env(emu, tmp_path), cwd=tmp_path, stdout=subprocess.PIPE,
                        stderr=subprocess.PIPE, text=True) as proc:
        out = _read_until(proc.stdout, "waiting for players")
        proc.terminate()
        code = proc.wait(timeout=120)
        _, err = proc.communicate(timeout=60)
    room = _room_in(out)
    assert code == 130, err
    assert err.endswith(_left_open_line(pool, room) + "osukit: interrupted\n"), err
    assert room in emu.state.world.rooms
    assert cli(emu, tmp_path, "referee", "close", str(room)).returncode == 0


def test_lobby_autohost_room_is_the_referee_commands_room(emu: Emulator, tmp_path: Path) -> None:
    """``lobby autohost`` works with the settings ``referee make`` works with (no login needed), and
    ``referee …`` commands act on the room it made; its link is the emulator's."""
    maps = [b["id"] for b in emu.state.world.beatmaps.values() if b["mode"] == "osu"]
    made = cli(emu, tmp_path, "lobby", "autohost", "--beatmap", str(maps[0]), "--name", "first lobby", "--maps", "0")
    assert made.returncode == 0, made.stderr
    room = _room_in(made.stdout)
    assert f"room {room} made: first lobby — {emu.base_url}/multiplayer/rooms/{room}" in made.stdout
    settings = cli(emu, tmp_path, "referee", "settings", str(room), "--name", "renamed lobby")
    assert settings.returncode == 0, settings.stderr
    from osukit.emulator.referee_hub import HUBS

    assert HUBS[emu.state].rooms[room].name == "renamed lobby"
    listed = cli(emu, tmp_path, "referee", "list", "--json")
    assert room in [r["room_id"] for r in json.loads(listed.stdout)]
    assert cli(emu, tmp_path, "referee", "close", str(room)).returncode == 0


def test_lobby_autohost_ctrl_c_says_interrupted(emu: Emulator, tmp_path: Path) -> None:
    maps = [b["id"] for b in emu.state.world.beatmaps.values() if b["mode"] == "osu"]
    args = ["lobby", "autohost", "--beatmap", str(maps[0]), "--name", "ctrl-c lobby"]
    with osukit_process(args, env=_env(emu, tmp_path), cwd=tmp_path, stdout=subprocess.PIPE,
                        stderr=subprocess.PIPE, text=True) as proc:
        out = _read_until(proc.stdout, " made: ")
        time.sleep(0.5)
        code, _ = ctrl_c(proc, timeout=120)
        rest_out, err = proc.communicate(timeout=60)
    assert code == 130, out + rest_out + err
    assert err.rstrip().endswith("osukit: interrupted"), err
    assert cli(emu, tmp_path, "referee", "close", str(_room_in(out))).returncode == 0


def requests_post(emu: Emulator, path: str) -> None:
    import httpx

    response = httpx.post(emu.base_url + path, timeout=30)
    assert response.status_code == 200, response.text


def test_match_run_warns_once_early_about_players_and_referees_that_do_not_exist(emu: Emulator, tmp_path: Path) -> None:
    """The ids of the docs' first example (players 3, 4, 5, referee 1) are no emulator users: the
    runner says so once, before it makes the room, instead of waiting silently forever."""
    users = emu.state.world.users
    a = _players(emu)[2]
    missing = [u for u in (3, 4, 5, 1) if u not in users]
    assert missing == [3, 4, 5, 1]
    pool = _pool(emu, tmp_path)
    args = ["match", "run", str(pool), "--team-a", f"Pandas={a},3", "--team-b", "Whales=4,5", "--referee", "1",
            "--state", "w.json"]
    # stderr (the warning, like every osukit warning) and stdout (progress) in one pipe, in the order written
    with osukit_process(args, env=_env(emu, tmp_path), cwd=tmp_path, stdout=subprocess.PIPE,
                        stderr=subprocess.STDOUT, text=True) as proc:
        out = _read_until(proc.stdout, "waiting for players")
        code, _ = ctrl_c(proc, timeout=120)
        rest, _err = proc.communicate(timeout=60)
    assert code == 130
    warnings = [x for x in (out + rest).splitlines() if "warning: no such user" in x]
    assert len(warnings) == 1, out + rest
    assert warnings[0] == (f"osukit: warning: no such user on {emu.base_url}: Pandas player 3, Whales player 4, "
                           "Whales player 5, referee 1; a player who does not exist never joins, so the match "
                           "would wait for them forever (check the ids in --team-a/--team-b/--referee)")
    lines = out.splitlines()
    assert lines.index(warnings[0]) < next(i for i, x in enumerate(lines) if " made: " in x)
    assert f"Pandas player {a}" not in warnings[0]
    assert cli(emu, tmp_path, "referee", "close", str(_room_in(out))).returncode == 0


def _png_size(path: Path) -> tuple[int, int]:
    data = path.read_bytes()
    assert data[:8] == b"\x89PNG\r\n\x1a\n"
    return int.from_bytes(data[16:20], "big"), int.from_bytes(data[20:24], "big")


def test_plot_of_the_153_game_match_stays_bounded_and_wraps(emu: Emulator, tmp_path: Path) -> None:
    """``match results 110000000 --plot`` (the emulator's 153-game match): rows of 25 maps, not one
    6000-pixel strip; any length stays within `MAX_SIZE_INCHES`."""
    pytest.importorskip("matplotlib")
    from osukit.tournament.plot import MAX_SIZE_INCHES, scores_per_map

    from .test_results import _long_match

    plotted = cli(emu, tmp_path, "match", "results", "110000000", "--plot", "m.png")
    assert plotted.returncode == 0, plotted.stderr
    width, height = _png_size(tmp_path / "m.png")
    assert width <= 1700 and height <= 2600, (width, height)  # the default 100 dpi
    assert width < 2 * height  # rows, not a strip (it was 6000 x 480)

    fig = scores_per_map(_long_match(153))
    assert len(fig.axes) == 7  # ceil(153 / 25) rows
    assert [len(ax.get_xticks()) for ax in fig.axes] == [25] * 6 + [3]
    assert {ax.get_xlim() for ax in fig.axes} == {(-0.6, 24.6)}  # one bar width in every row
    assert fig.axes[1].get_xticklabels()[0].get_text() == "26 HD"
    assert fig.axes[0].get_title() == "Long Cup" and fig.axes[-1].get_xlabel() == "map (game and mods)"
    assert fig.axes[3].get_shared_y_axes().joined(fig.axes[0], fig.axes[3])  # one score scale
    assert (fig.get_figwidth(), fig.get_figheight()) <= MAX_SIZE_INCHES

    huge = scores_per_map(_long_match(1000))  # past 200 maps: consecutive games share a bar
    assert (huge.get_figwidth(), huge.get_figheight()) == pytest.approx(MAX_SIZE_INCHES)
    assert sum(len(ax.get_xticks()) for ax in huge.axes) == 200
    assert [t.get_text() for t in huge.axes[0].get_xticklabels()][:2] == ["1-5", "6-10"]
    red = sum(p.get_height() for p in huge.axes[0].patches[:1])
    assert red == sum(500_000 + 1_000 * i for i in range(1, 6))  # the first bar: games 1-5 added up
    assert huge.axes[-1].get_xlabel() == "maps (games added up)"
    huge.savefig(tmp_path / "huge.png")
    w, h = _png_size(tmp_path / "huge.png")
    assert w <= MAX_SIZE_INCHES[0] * 100 + 1 and h <= MAX_SIZE_INCHES[1] * 100 + 1


def test_match_run_taken_over_says_how_to_resume(emu: Emulator, tmp_path: Path) -> None:
    """Another referee connection of the same account (here ``osukit referee list``) takes over from a
    running ``match run``: it exits 1 with the hub's line once and a hint to carry on with ``--resume``
    and the same ``--state``, which then works."""
    a, b = _players(emu)[:2]
    pool = _pool(emu, tmp_path)
    args = ["match", "run", str(pool), "--team-a", f"A={a}", "--team-b", f"B={b}", "--state", "m.json"]
    with osukit_process(args, env=_env(emu, tmp_path), cwd=tmp_path, stdout=subprocess.PIPE,
                        stderr=subprocess.PIPE, text=True) as proc:
        out = _read_until(proc.stdout, "waiting for players")
        other = cli(emu, tmp_path, "referee", "list")
        assert other.returncode == 0, other.stderr
        rest_out, err = proc.communicate(timeout=120)
        code = proc.returncode
    assert code == 1, out + rest_out + err
    assert (out + rest_out + err).count("took over") == 1, out + rest_out + err  # said once, not also on stdout
    assert "the referee hub closed this connection" in err, err
    assert f"osukit match run {pool} --state m.json --resume" in err, err
    room = _room_in(out)
    with osukit_process([*args[:3], "--state", "m.json", "--resume"], env=_env(emu, tmp_path), cwd=tmp_path,
                        stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True) as resumed:
        again = _read_until(resumed.stdout, "waiting for players")
        ctrl_c(resumed, timeout=120)
        resumed.communicate(timeout=60)
    assert str(room) in again
    cli(emu, tmp_path, "referee", "close", str(room))
