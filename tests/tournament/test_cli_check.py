"""`osukit pool check`, `osukit match results` and the argument errors of `match run` / `lobby autohost`;
the pool check's numbers against the emulator's beatmaps."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

import osukit
from osukit.cli._app import run_app
from osukit.game.mods import Mods
from osukit.tournament import pool_from_dict
from osukit.tournament.check import acheck_pool, check_pool, flag


def _maps(emu: Any) -> list[dict[str, Any]]:
    return [b for b in emu.state.world.beatmaps.values() if b["mode"] == "osu"][:3]


def _pool_file(tmp_path: Path, maps: list[dict[str, Any]], star_range: str = "[2.0, 5.0]") -> Path:
    path = tmp_path / "pool.toml"
    path.write_text(f'name = "Check Cup"\n[format]\nbest_of = 1\nbans_per_team = 0\ntiebreaker = "TB"\nstar_range = {star_range}\n'
                    f'[slots]\nNM1 = {maps[0]["id"]}\nDT1 = {maps[1]["id"]}\nTB = {maps[2]["id"]}\n')
    return path


def _cli(emu: Any, *args: str) -> list[str]:
    return ["--base-url", emu.base_url, "--client-id", str(emu.client_id), "--client-secret", emu.client_secret,
            *args]


@pytest.mark.parametrize("prefer", ["attributes", "rosu-pp"])
def test_check_pool_numbers(osu_emulator: Any, prefer: str) -> None:
    if prefer == "rosu-pp":
        pytest.importorskip("rosu_pp_py")
    maps = _maps(osu_emulator)
    pool = pool_from_dict({"format": {"best_of": 1, "bans_per_team": 0, "tiebreaker": None, "max_length": 150},
                           "slots": {"NM1": maps[0]["id"], "DT1": maps[1]["id"], "HT1": {"beatmap_id": maps[2]["id"],
                                                                                         "mods": ["HT"]}}})
    with osukit.Client(client_id=osu_emulator.client_id, client_secret=osu_emulator.client_secret,
                       base_url=osu_emulator.base_url, rate_limit=0) as client:
        rows = check_pool(client, pool, prefer=prefer, star_range=(0.0, 5.0))
        for row, raw, mods in zip(rows, maps, ["", "DT", "HT"], strict=True):
            assert row.source == prefer and row.mods == (mods or "NM")
            rate = Mods(mods).speed_rate or 1.0
            assert row.length == pytest.approx(raw["hit_length"] / rate)
            assert row.bpm == pytest.approx(raw["bpm"] * rate)
            if prefer == "attributes":
                expected = client.beatmaps.attributes(raw["id"], mods=mods or None, ruleset="osu").attributes
                assert row.pp is None
            else:
                from osukit.game import difficulty

                expected = difficulty(client.legacy.beatmap_file(raw["id"]), mods=mods or None)  # type: ignore[assignment]
                assert row.pp is not None and row.pp > 0
            stars = getattr(expected, "star_rating", getattr(expected, "stars", None))
            assert row.stars == pytest.approx(stars)
            assert row.flags == flag(row, (0.0, 5.0), 150)


async def test_acheck_pool_matches_check_pool(osu_emulator: Any) -> None:
    maps = _maps(osu_emulator)
    pool = pool_from_dict({"format": {"best_of": 1, "bans_per_team": 0, "tiebreaker": None}, "slots": {"HR1": maps[0]["id"]}})
    async with osukit.AsyncClient(client_id=osu_emulator.client_id, client_secret=osu_emulator.client_secret,
                                  base_url=osu_emulator.base_url, rate_limit=0) as client:
        rows = await acheck_pool(client, pool, prefer="attributes", star_range=(0, 0.5))
    assert rows[0].mods == "HR" and rows[0].flags == [f"stars {rows[0].stars:.2f} > 0.50"]


def test_flag_rules() -> None:
    from osukit.tournament.check import SlotDifficulty

    row = SlotDifficulty(slot="DT1", beatmap_id=1, title=None, mods="DT", stars=6.1, max_combo=1, length=301.0,
                         bpm=None, pp=None, source="attributes")
    assert flag(row, (4.0, 6.0), 300) == ["stars 6.10 > 6.00", "length 301s > 300s"]
    assert flag(row, (6.5, 7.0), None) == ["stars 6.10 < 6.50"]
    assert flag(row, None, None) == []


def test_cli_pool_check(osu_emulator: Any, tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    path = _pool_file(tmp_path, _maps(osu_emulator))
    code = run_app(_cli(osu_emulator, "pool", "check", str(path), "--source", "attributes", "--json"))
    rows = json.loads(capsys.readouterr().out)
    assert code == (1 if any(r["flags"] for r in rows) else 0)  # 1: a slot is outside the rules
    assert [r["slot"] for r in rows] == ["NM1", "DT1", "TB"]
    assert all(r["source"] == "attributes" for r in rows)
    flagged = [r["slot"] for r in rows if r["flags"]]
    assert flagged == [r["slot"] for r in rows if not 2.0 <= r["stars"] <= 5.0]
    assert run_app(_cli(osu_emulator, "pool", "check", str(path), "--source", "attributes", "--max", "0.1")) == 1
    out = capsys.readouterr().out
    assert "NM1" in out and "3 slot(s) outside the rules: NM1, DT1, TB" in out


def test_cli_match_results(osu_emulator: Any, tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    pytest.importorskip("matplotlib")
    args = ["match", "results", "https://osu.ppy.sh/community/matches/110000101", "--csv", str(tmp_path / "m.csv"),
            "--json-out", str(tmp_path / "m.json"), "--plot", str(tmp_path / "m.png"), "--costs", "dio"]
    assert run_app(_cli(osu_emulator, *args)) == 0
    out = capsys.readouterr().out
    games = [e["game"] for e in osu_emulator.state.world.matches[110_000_101]["events"] if e["game"]]
    red = sum(1 for g in games if sum(g["scores"][0::2]) > sum(g["scores"][1::2]))
    assert f"red {red} - {len(games) - red} blue" in out
    assert "match costs (dio)" in out
    assert (tmp_path / "m.csv").read_text().startswith("game,game_id,beatmap_id")
    assert json.loads((tmp_path / "m.json").read_text())["id"] == 110_000_101
    assert (tmp_path / "m.png").read_bytes()[:4] == b"\x89PNG"


@pytest.mark.parametrize(("args", "needle"), [
    (["match", "run", "POOL"], "--team-a and --team-b are needed"),
    (["match", "run", "POOL", "--team-a", "Pandas", "--team-b", "B=3"], "expected NAME=ID,ID"),
    (["match", "run", "POOL", "--resume", "--state", "nope.json"], "no saved match at nope.json"),
    (["lobby", "autohost"], "give --beatmap"),
    (["match", "results", "1", "--costs", "x"], "expected bathbot or dio"),
    (["pool", "check", "POOL", "--source", "x"], "expected auto, rosu-pp or attributes"),
])
def test_cli_usage_errors(tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str],
                          args: list[str], needle: str) -> None:
    pool = tmp_path / "pool.toml"
    pool.write_text("[format]\nbest_of = 1\nbans_per_team = 0\ntiebreaker = \"TB\"\n[slots]\nNM1 = 1\nTB = 2\n")
    monkeypatch.chdir(tmp_path)
    monkeypatch.setenv("OSU_ACCESS_TOKEN", "x")
    (tmp_path / "none.toml").write_text("")  # an empty config: a --config file that is missing is an error
    code = run_app(["--config", str(tmp_path / "none.toml"), *[str(pool) if a == "POOL" else a for a in args]])
    assert code == 2, capsys.readouterr()
    assert needle in capsys.readouterr().err


@pytest.mark.parametrize(("text", "needle"), [
    ("[slots]\nNM1 = 0\n", "beatmap_id must be a positive integer"),
    ("[format]\nbest_of = 4\n[slots]\nNM1 = 5\nTB = 6\n", "best_of must be odd"),
    ("[slots]\nNM1 = { beatmap_id = 5, colour = 1 }\n", "unknown key(s) colour"),
    ("[slots]\nNM1 = { beatmap_id = 5, mods = [\"EZ\", \"HR\"] }\n", "cannot be used together"),
])
def test_cli_bad_pool_file(tmp_path: Path, capsys: pytest.CaptureFixture[str], text: str, needle: str) -> None:
    pool = tmp_path / "pool.toml"
    pool.write_text(text)
    assert run_app(["pool", "check", str(pool)]) == 2  # bad input, not a credentials problem
    err = capsys.readouterr().err
    assert needle in err
    assert "OSU_CLIENT_ID" not in err and "credentials" not in err.lower()


def test_team_totals_never_in_exponent_form() -> None:
    from osukit.tournament.runner import _total

    assert _total(1_000_000.0) == "1,000,000"
    assert _total(2_345_678.0) == "2,345,678"
    assert _total(812345) == "812,345"
    assert _total(97.5) == "97.5"
    assert _total(98.1234) == "98.1234"


def test_cli_pool_check_fits_80_columns(osu_emulator: Any, tmp_path: Path, capsys: pytest.CaptureFixture[str],
                                        monkeypatch: pytest.MonkeyPatch) -> None:
    """At 80 columns every slot is one line: the id whole (no separators), numbers unwrapped, the
    title cut with "…", and why a slot is flagged written out below the table."""
    maps = [b for b in osu_emulator.state.world.beatmaps.values() if b["mode"] == "osu"][:7]
    slots = ["NM1", "NM2", "HD1", "HR1", "DT1", "FM1", "TB"]
    path = tmp_path / "pool.toml"
    path.write_text('name = "Check Cup"\n[format]\nbest_of = 3\nbans_per_team = 0\ntiebreaker = "TB"\n'
                    'star_range = [2.0, 5.0]\n[slots]\n' + "".join(f'{s} = {m["id"]}\n' for s, m in zip(slots, maps, strict=True)))
    monkeypatch.setenv("COLUMNS", "80")
    code = run_app(_cli(osu_emulator, "pool", "check", str(path), "--source", "attributes", "--max-length", "30"))
    out = capsys.readouterr().out
    assert code == 1, out  # some slots are outside the rules (asserted below): exit 1
    lines = out.splitlines()
    assert all(len(line.rstrip()) <= 80 for line in lines), out
    rows = {line.split()[0]: line for line in lines if line.split() and line.split()[0] in slots}
    assert list(rows) == slots, out  # one line per slot, in order
    with osukit.Client(client_id=osu_emulator.client_id, client_secret=osu_emulator.client_secret,
                       base_url=osu_emulator.base_url, rate_limit=0) as client:
        checked = check_pool(client, pool_from_dict({"format": {"best_of": 3, "bans_per_team": 0, "tiebreaker": "TB"},
                                                      "slots": {s: m["id"] for s, m in zip(slots, maps, strict=True)}}),
                             prefer="attributes", star_range=(2.0, 5.0), max_length=30)
    for row in checked:
        cells = rows[row.slot].split()
        assert cells[1] == str(row.beatmap_id) and cells[2] == row.mods and cells[3] == f"{row.stars:.2f}"
        assert ("FLAG" if row.flags else "ok") in cells
        if row.flags:
            assert f"  {row.slot}: {'; '.join(row.flags)}" in lines
    assert any(r.flags for r in checked) and any(not r.flags for r in checked)
    assert "…" in out  # the long titles are cut, not wrapped


def test_cli_pool_check_says_each_slot_as_it_goes(osu_emulator: Any, tmp_path: Path,
                                                   monkeypatch: pytest.MonkeyPatch) -> None:
    """A slow server (each request slowed) does not make `pool check` silent until the table: one line
    per slot on stderr (not a terminal), each written before the table; ``--no-progress``: none."""
    import io

    path = _pool_file(tmp_path, _maps(osu_emulator), star_range="[0.0, 99.0]")
    osu_emulator.set_faults(latency_ms=20)
    try:
        both = io.StringIO()
        monkeypatch.setattr("sys.stdout", both)
        monkeypatch.setattr("sys.stderr", both)
        assert run_app(_cli(osu_emulator, "pool", "check", str(path), "--source", "attributes")) == 0
        text = both.getvalue()
        slots = [line for line in text.splitlines() if line.startswith("checked slot ")]
        assert [s.split()[2] for s in slots] == ["NM1", "DT1", "TB"]
        assert slots[0].endswith("(1/3): beatmap " + str(_maps(osu_emulator)[0]["id"]) + " ok")
        assert text.index(slots[-1]) < text.index("Check Cup")  # before the table's title
        both.seek(0)
        both.truncate()
        assert run_app(_cli(osu_emulator, "pool", "check", str(path), "--source", "attributes",
                            "--no-progress")) == 0
        assert "checked slot" not in both.getvalue() and "Check Cup" in both.getvalue()
    finally:
        osu_emulator.clear_faults()


def test_pool_check_progress_on_a_terminal_is_a_bar_on_stderr(monkeypatch: pytest.MonkeyPatch,
                                                              capsys: pytest.CaptureFixture[str]) -> None:
    """On a terminal: a rich bar, drawn on stderr (stdout, with the table, may go to a file); no plain lines."""
    pytest.importorskip("rich")
    import io

    from osukit.cli._tournament import _slot_progress

    class Tty(io.StringIO):
        def isatty(self) -> bool:
            return True

    err = Tty()
    monkeypatch.setattr("sys.stderr", err)
    on_slot, close = _slot_progress(True, 2, "Cup")
    row = type("Row", (), {"slot": "NM1", "beatmap_id": 1, "missing": False, "flags": []})()
    on_slot(row)
    on_slot(row)
    close()
    assert "checking Cup" in err.getvalue() and "checked slot" not in err.getvalue()
    assert capsys.readouterr().out == ""
    assert _slot_progress(False, 2, "Cup")[0] is None
