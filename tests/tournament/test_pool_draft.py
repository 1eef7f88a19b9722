"""Mappool files and the pick/ban state machine."""

from __future__ import annotations

from pathlib import Path

import pytest

from osukit import ConfigurationError, OsukitError
from osukit.tournament import Draft, DraftError, PoolError, Step, load_pool, pool_from_dict
from osukit.tournament.draft import TeamKey

POOL_TOML = """
name = "Example Cup: Quarterfinals"

[format]
best_of = 5
bans_per_team = 1
first_ban = "b"
first_pick = "a"
always_mods = ["NF"]
star_range = [5.0, 6.5]

[slots]
NM1 = 101
NM2 = 102
HD1 = { beatmap_id = 201 }
HR1 = { beatmap_id = 301 }
DT1 = { beatmap_id = 401 }
FM1 = { beatmap_id = 501, allowed_mods = ["HD", "HR"] }
TB = { beatmap_id = 901, note = "the tiebreaker" }
"""


@pytest.fixture
def pool_file(tmp_path: Path) -> Path:
    path = tmp_path / "pool.toml"
    path.write_text(POOL_TOML, encoding="utf-8")
    return path


def test_pool_file_mods_follow_the_slot_names(pool_file: Path) -> None:
    pool = load_pool(pool_file)
    assert pool.name == "Example Cup: Quarterfinals"
    assert pool.format.best_of == 5 and pool.format.wins_needed == 3
    assert [s.name for s in pool.slots] == ["NM1", "NM2", "HD1", "HR1", "DT1", "FM1", "TB"]
    assert pool["nm1"].required_mods == ("NF",)
    assert pool["HD1"].required_mods == ("NF", "HD")
    assert pool["DT1"].required_mods == ("NF", "DT")
    assert pool["FM1"].freemod and pool["FM1"].allowed_mods == ("HD", "HR")
    assert pool["TB"].freemod and pool["TB"].allowed_mods == ("HD", "HR", "EZ", "FL")
    assert pool["TB"].note == "the tiebreaker"
    assert pool.tiebreaker is not None and pool.tiebreaker.name == "TB"
    assert [s.name for s in pool.pickable] == ["NM1", "NM2", "HD1", "HR1", "DT1", "FM1"]
    # The same pool as YAML and as JSON (round trip through to_dict).
    assert pool_from_dict(pool.to_dict()) == pool


def test_pool_yaml(tmp_path: Path) -> None:
    path = tmp_path / "pool.yaml"
    path.write_text("name: Y\nformat: {best_of: 1, bans_per_team: 0, tiebreaker: null}\nslots: {NM1: 5, HR1: {beatmap_id: 6}}\n")
    pool = load_pool(path)
    assert pool.format.tiebreaker is None and pool["HR1"].required_mods == ("HR",)


@pytest.mark.parametrize(
    ("text", "needle"),
    [
        ("[slots]\nNM1 = 0", "beatmap_id must be a positive integer"),
        ("[slots]\nXX1 = 5", "not implied by its name"),
        ("[slots]\nNM1 = { beatmap_id = 5, mods = [\"EZ\", \"HR\"] }", "cannot be used together"),
        ("[slots]\nNM1 = { beatmap_id = 5, colour = 1 }", "unknown key(s) colour"),
        ("[format]\nbest_of = 4\n[slots]\nNM1 = 5\nTB = 6", "best_of must be odd"),
        ("[format]\nbest_of = 3\n[slots]\nNM1 = 5", "tiebreaker slot 'TB' is not in pool"),
        ("[format]\nbans = 2\n[slots]\nTB = 5", "[format]"),
        ("slots = 3", "[slots] must name"),
        ("[slots\nNM1 = 5", "not valid TOML"),
    ],
)
def test_bad_pool_files_are_pool_errors(tmp_path: Path, text: str, needle: str) -> None:
    path = tmp_path / "bad.toml"
    path.write_text(text)
    with pytest.raises(PoolError) as info:
        load_pool(path)
    assert needle in str(info.value)
    assert isinstance(info.value, ConfigurationError) and isinstance(info.value, OsukitError)


def test_missing_pool_file(tmp_path: Path) -> None:
    with pytest.raises(PoolError, match="cannot read pool file"):
        load_pool(tmp_path / "nope.toml")


def test_full_best_of_5_with_bans_picks_and_tiebreaker(pool_file: Path) -> None:
    draft = Draft.new(load_pool(pool_file), team_a="Pandas", team_b="Whales")
    assert draft.next_step() == Step(kind="ban", team="b")
    with pytest.raises(DraftError) as info:
        draft.ban("a", "HD1")
    assert info.value.reason == "not_your_turn"
    with pytest.raises(DraftError) as info:
        draft.pick("b", "HD1")
    assert info.value.reason == "wrong_phase"
    draft.ban("b", "HD1")
    with pytest.raises(DraftError) as info:
        draft.ban("a", "TB")
    assert info.value.reason == "tiebreaker_slot"
    with pytest.raises(DraftError) as info:
        draft.ban("a", "HD1")
    assert info.value.reason == "banned"
    with pytest.raises(DraftError) as info:
        draft.ban("a", "XX9")
    assert info.value.reason == "unknown_slot"
    assert draft.ban("a", "nm2") == Step(kind="pick", team="a")
    assert draft.pick("a", "DT1") == Step(kind="play", team="a", slot="DT1")
    with pytest.raises(DraftError) as info:
        draft.pick("b", "NM1")
    assert info.value.reason == "wrong_phase"
    assert draft.start_map().slot == "DT1"
    assert draft.record(500_000, 400_000) == Step(kind="pick", team="b")  # a 1-0
    draft.pick("b", "HR1")
    draft.start_map()
    assert draft.record(300_000, 300_000) == Step(kind="play", team="b", slot="HR1")  # a tie is replayed
    draft.start_map()
    assert draft.pending is not None and draft.pending.attempts == 2
    draft.record(300_000, 310_000)  # 1-1
    with pytest.raises(DraftError) as info:
        draft.pick("a", "DT1")
    assert info.value.reason == "already_picked"
    draft.pick("a", "NM1")
    draft.start_map()
    draft.record(1, 0)  # a 2-1
    draft.pick("b", "FM1")
    draft.start_map()
    assert draft.abort("b") == 0
    with pytest.raises(DraftError) as info:
        draft.abort("b")
    assert info.value.reason == "abort_limit"
    assert draft.record(10, 20) == Step(kind="play", team=None, slot="TB")  # 2-2: tiebreaker
    assert draft.summary() == "Pandas 2 - 2 Whales (playing TB)"
    saved = draft.to_json()
    resumed = Draft.from_json(saved)
    assert resumed == draft
    assert resumed.start_map().slot == "TB"
    assert resumed.record(700_000, 650_000) == Step(kind="done", team="a")
    assert resumed.winner == "a" and resumed.wins == {"a": 3, "b": 2}
    assert [(m.slot, m.team, m.winner) for m in resumed.maps] == [
        ("DT1", "a", "a"), ("HR1", "b", "b"), ("NM1", "a", "a"), ("FM1", "b", "b"), ("TB", None, "a"),
    ]
    with pytest.raises(DraftError) as info:
        resumed.pick("b", "NM1")
    assert info.value.reason == "match_over"


def test_loser_picks_rule_and_no_tiebreaker() -> None:
    pool = pool_from_dict({
        "format": {"best_of": 3, "bans_per_team": 0, "pick_rule": "loser", "tiebreaker": None},
        "slots": {"NM1": 1, "NM2": 2, "NM3": 3},
    })
    draft = Draft.new(pool)
    assert draft.next_step() == Step(kind="pick", team="a")
    draft.pick("a", "NM1")
    draft.record(1, 2)  # b wins: a (the loser) picks again
    assert draft.next_step() == Step(kind="pick", team="a")
    draft.pick("a", "NM2")
    draft.record(1, 2)
    assert draft.next_step() == Step(kind="done", team="b")


def test_concede_and_bad_team() -> None:
    pool = pool_from_dict({"format": {"best_of": 1, "bans_per_team": 0, "tiebreaker": None}, "slots": {"NM1": 1}})
    draft = Draft.new(pool)
    with pytest.raises(DraftError) as info:
        draft.pick("c", "NM1")
    assert info.value.reason == "unknown_team"
    draft.concede("b")
    assert draft.winner == "a"


def test_from_json_refuses_garbage() -> None:
    from osukit.tournament import RunnerError

    with pytest.raises(RunnerError):
        Draft.from_json(b'{"x": 1}')


def test_a_pool_too_small_for_its_format_is_refused(tmp_path: Path) -> None:
    # the example of the issue: 7 pickable slots, 1 ban each, best of 9 (8 picks needed before TB)
    slots = "".join(f"NM{i} = {i}\n" for i in range(1, 8)) + "TB = 99\n"
    path = tmp_path / "pool.toml"
    path.write_text("[format]\nbest_of = 9\nbans_per_team = 1\n[slots]\n" + slots)
    with pytest.raises(PoolError, match=r"cannot fill a best of 9: 7 pickable slot\(s\) minus 2 ban\(s\) leave 5"):
        load_pool(path)
    path.write_text("[format]\nbest_of = 7\nbans_per_team = 1\n[slots]\n" + slots + "NM8 = 8\n")
    assert load_pool(path).format.wins_needed == 4  # 8 - 2 = 6 picks: enough for 3-3 before TB


def _pick_and_play(draft: Draft, team: TeamKey, slot: str, score_a: int, score_b: int) -> None:
    draft.pick(team, slot)
    draft.start_map()
    draft.record(score_a, score_b)


def test_tiebreaker_only_at_one_short_each_and_never_early() -> None:
    pool = pool_from_dict({"format": {"best_of": 3, "bans_per_team": 0},
                           "slots": {"NM1": 1, "NM2": 2, "TB": 3}})
    draft = Draft.new(pool)
    _pick_and_play(draft, "a", "NM1", 2_000_000, 1)
    _pick_and_play(draft, "b", "NM2", 2_000_000, 1)  # a leads 2-0: match over, no tiebreaker
    assert draft.winner == "a" and [m.slot for m in draft.maps] == ["NM1", "NM2"]

    draft = Draft.new(pool)
    _pick_and_play(draft, "a", "NM1", 1, 2)
    _pick_and_play(draft, "b", "NM2", 2, 1)  # 1-1: the tiebreaker now
    assert draft.next_step().slot == "TB"
    draft.start_map()
    draft.record(5, 5)  # a tie replays it
    assert draft.next_step().slot == "TB"
    draft.start_map()
    draft.record(5, 6)
    assert draft.winner == "b" and [m.slot for m in draft.maps] == ["NM1", "NM2", "TB"]
