"""The commands that need no server: mods, pp on a local .osu, replay info, config, errors."""

from __future__ import annotations

import json
from datetime import datetime, timezone
from pathlib import Path

import pytest

from .conftest import OSU_STD, Cli


def test_help_lists_every_command(cli: Cli) -> None:
    r = cli("--help")
    assert r.code == 0
    for name in ("login", "logout", "whoami", "user", "scores", "beatmap", "beatmapset", "search", "rankings",
                 "leaderboard", "match", "room", "chat", "crawl", "replay", "pp", "mods", "emulator", "demo", "plot"):
        assert name in r.out


def test_mods_table_and_json(cli: Cli) -> None:
    r = cli("mods", "HDDT")
    assert r.code == 0, r.err
    assert "Hidden" in r.out and "Double Time" in r.out and "72" in r.out
    assert "NC" in r.out  # DT's incompatibilities are listed
    data = json.loads(cli("mods", "HDDT", "--json").out)
    assert data["legacy"] == 72 and data["mods"] == "HDDT" and data["speed_rate"] == 1.5
    assert {d["acronym"] for d in data["details"]} == {"HD", "DT"}
    assert "HT" in next(d for d in data["details"] if d["acronym"] == "DT")["incompatible"]
    assert json.loads(cli("mods", "72", "--json").out)["mods"] == "HDDT"
    assert json.loads(cli("mods", '[{"acronym": "DT", "settings": {"speed_change": 1.2}}]', "--json").out)[
        "speed_rate"] == pytest.approx(1.2)


def test_mods_errors_are_one_line(cli: Cli) -> None:
    r = cli("mods", "EZHR")
    assert r.code == 2
    assert r.err_lines[0] == "osukit: error: bad mods 'EZHR': EZ and HR cannot be used together"
    assert r.err_lines[1].startswith("hint: ")
    assert "Traceback" not in r.err
    r = cli("mods", "QQ", "--mode", "osu")
    assert r.code == 2 and "Traceback" not in r.err and len(r.err_lines) == 2


def test_pp_on_a_local_file(cli: Cli) -> None:
    pytest.importorskip("rosu_pp_py")
    r = cli("pp", str(OSU_STD), "--mods", "HDDT", "--acc", "98", "--misses", "1", "--json")
    assert r.code == 0, r.err
    data = json.loads(r.out)
    assert data["mods"] == "HDDT" and data["ruleset"] == "osu"
    assert data["pp"] > 0 and data["stars"] > 0
    nomod = json.loads(cli("pp", str(OSU_STD), "--json").out)
    assert data["stars"] > nomod["stars"]  # DT raises the star rating
    missed = json.loads(cli("pp", str(OSU_STD), "--misses", "3", "--combo", "50", "--json").out)
    assert missed["pp"] < nomod["pp"]
    stable = json.loads(cli("pp", str(OSU_STD), "--stable", "--json").out)
    assert stable["lazer"] is False and nomod["lazer"] is True
    table = cli("pp", str(OSU_STD), "--mods", "HR")
    assert table.code == 0 and "stars" in table.out and "pp" in table.out


def test_pp_errors(cli: Cli, tmp_path: Path) -> None:
    r = cli("pp", str(tmp_path / "missing.osu"))
    assert r.code == 2 and r.err_lines[0].startswith("osukit: error: no such file") and "Traceback" not in r.err
    r = cli("pp", str(OSU_STD), "--acc", "150")
    assert r.code == 2 and "--acc" in r.err_lines[0]


def test_replay_info(cli: Cli, tmp_path: Path) -> None:
    from osukit.enums import Ruleset
    from osukit.game.replay import Replay, ReplayFrame

    frames = [ReplayFrame(16 if i else 0, 100.0 + i, 200.0 - i, i % 4) for i in range(120)]
    replay = Replay(
        ruleset=Ruleset.OSU, game_version=20240101, beatmap_md5="a" * 32, username="tester",
        count_300=300, count_100=12, count_50=3, count_geki=40, count_katu=7, count_miss=1,
        total_score=1_234_567, max_combo=456, legacy_mods=72,
        timestamp=datetime(2024, 2, 5, 16, 23, 28, tzinfo=timezone.utc), frames=frames, score_id=42,
    )
    path = tmp_path / "play.osr"
    replay.write(path)
    r = cli("replay", "info", str(path))
    assert r.code == 0, r.err
    assert "tester" in r.out and "HDDT" in r.out and "1,234,567" in r.out and "456x" in r.out
    data = json.loads(cli("replay", "info", str(path), "--json").out)
    assert data["player"] == "tester" and data["mods"] == "HDDT" and data["frames"] == 120
    assert data["count_300"] == 300 and data["score_id"] == 42
    assert 0.9 < data["accuracy"] < 1.0 and data["grade"] in {"A", "SH", "S", "B"}
    bad = tmp_path / "bad.osr"
    bad.write_bytes(b"\x00\x01not a replay")
    r = cli("replay", "info", str(bad))
    assert r.code != 0 and len(r.err_lines) <= 2 and "Traceback" not in r.err


def test_missing_credentials_is_one_line_with_a_hint(cli: Cli) -> None:
    r = cli("user", "2")
    assert r.code == 3
    assert r.err_lines[0].startswith("osukit: error: configuration error: no credentials")
    assert "OSU_CLIENT_ID" in r.err_lines[1]
    assert "Traceback" not in r.err


def test_whoami_without_login(cli: Cli) -> None:
    r = cli("whoami")
    assert r.code == 4 and "not logged in" in r.err_lines[0] and "osukit login" in r.err_lines[1]


def test_login_without_an_application(cli: Cli) -> None:
    r = cli("login", "--no-browser")
    assert r.code == 3 and "OSU_CLIENT_ID" in r.err


def test_usage_errors_exit_2(cli: Cli) -> None:
    r = cli("scores")
    assert r.code == 2 and "Traceback" not in r.err
    r = cli("nonexistent-command")
    assert r.code == 2


def test_debug_shows_the_traceback(cli: Cli) -> None:
    r = cli("--debug", "mods", "EZHR")
    assert r.code == 2 and "Traceback" in r.err and "osukit: error:" in r.err


def test_config_file_and_precedence(cli: Cli, tmp_path: Path) -> None:
    config = tmp_path / "osukit.toml"
    config.write_text('client_id = 123\nclient_secret = "from-file"\nbase_url = "http://127.0.0.1:9"\n')
    config.chmod(0o600)  # it holds a secret (a readable one is warned about: tests/cli/test_config_file.py)
    r = cli("--config", str(config), "config", "show")
    assert r.code == 0, r.err
    assert "123" in r.out and "(config)" in r.out and "from-file" not in r.out  # secrets hidden
    r = cli("--config", str(config), "config", "show", env={"OSU_CLIENT_ID": "456"})
    assert "456  (env)" in r.out
    r = cli("--config", str(config), "--client-id", "789", "config", "show", env={"OSU_CLIENT_ID": "456"})
    assert "789  (option)" in r.out
    # the configured (unreachable) base URL is used: each token retry is said on its own line, then
    # one error line, exit 7
    r = cli("--config", str(config), "user", "2")
    errors = [line for line in r.err_lines if line.startswith("osukit: error:")]
    retries = [line for line in r.err_lines if "retrying" in line]
    assert r.code == 7 and len(errors) == 1 and errors[0] == (
        "osukit: error: could not connect to 127.0.0.1:9 (POST http://127.0.0.1:9/oauth/token)"), r.err
    assert len(retries) == 3 and all("127.0.0.1:9" in line for line in retries), r.err
    config.write_text("client_id = \n")
    r = cli("--config", str(config), "config", "show")
    assert r.code == 3 and len(r.err_lines) == 2
    config.write_text('unknown_key = "x"\n')
    r = cli("--config", str(config), "user", "2")
    assert r.code == 3 and "unknown key" in r.err_lines[0]


def test_config_path(cli: Cli) -> None:
    r = cli("config", "path")
    assert r.code == 0 and r.out.strip().endswith("config.toml") and str(cli.home) in r.out


def test_crawl_argument_errors(cli: Cli, tmp_path: Path) -> None:
    r = cli("--client-id", "1", "--client-secret", "x", "crawl", "users", "--out", str(tmp_path / "u.jsonl"))
    assert r.code == 2 and "--ids" in r.err_lines[0]
    r = cli("--client-id", "1", "--client-secret", "x", "crawl", "nothing", "--out", str(tmp_path / "n.jsonl"))
    assert r.code == 2 and "No such command 'nothing'" in r.err_lines[0]
