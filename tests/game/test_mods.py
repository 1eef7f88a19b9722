"""Tests for osukit.game.mods: parsing, formatting, the legacy bitmask, validation, msgspec, the generator."""

from __future__ import annotations

import doctest
import importlib
import importlib.util
import json
from pathlib import Path
from typing import Any

import msgspec
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from osukit.enums import Ruleset
from osukit.game._mod_data import MODS
from osukit.game.mods import (
    DuplicateModError,
    IncompatibleModsError,
    InvalidModSettingError,
    Mod,
    ModError,
    Mods,
    UnknownModError,
    mod_info,
    mods_dec_hook,
    mods_enc_hook,
)

from .._figures import count

# importlib, not "import ... as": osukit.game may re-export a function under the module's name
mods_module = importlib.import_module("osukit.game.mods")

REPO = Path(__file__).resolve().parents[2]
SHARED = REPO.parent / "shared"
MODS_JSON = SHARED / "osu-web" / "mods.json"
CORPUS = SHARED / "corpus"


# --- parsing ---------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "value",
    [
        "HDDT",
        "+HDDT",
        "HD,DT",
        "hd dt",
        "DT+HD",
        ["HD", "DT"],
        ("DT", "HD"),
        [{"acronym": "HD"}, {"acronym": "DT"}],
        [Mod("HD"), Mod("DT")],
        72,
        "72",
        Mods("HDDT"),
    ],
)
def test_parse_spellings_agree(value: Any) -> None:
    assert Mods.parse(value) == Mods.parse(["HD", "DT"])
    assert str(Mods.parse(value)) == "HDDT"


@pytest.mark.parametrize("value", ["NM", "", "+NM", "nomod", [], None, 0, "0"])
def test_nomod(value: Any) -> None:
    mods = Mods.parse(value)
    assert not mods and len(mods) == 0
    assert str(mods) == "NM"
    assert mods.legacy == 0
    assert mods.to_api() == []


def test_parse_with_settings() -> None:
    mods = Mods.parse([{"acronym": "DT", "settings": {"speed_change": 1.3}}, {"acronym": "HD"}], "osu")
    assert mods["DT"].settings == {"speed_change": 1.3}
    assert mods.speed_rate == pytest.approx(1.3)
    assert mods.to_api() == [{"acronym": "HD"}, {"acronym": "DT", "settings": {"speed_change": 1.3}}]


def test_multi_character_acronyms_split() -> None:
    assert Mods.parse("HDSV2").acronyms == ("HD", "SV2")
    assert Mods.parse("10K").acronyms == ("10K",)
    assert Mods.parse("4KFI", "mania").acronyms == ("4K", "FI")
    assert Mods.parse("V2").acronyms == ("SV2",)  # osu-web's legacy name for ScoreV2


def test_format_order_and_names() -> None:
    mods = Mods.parse("DTHRHD")
    assert str(mods) == "HDHRDT"  # bitmask order, as osu-web lists legacy mods
    assert mods.format(",") == "HD,HR,DT"
    assert mods.names == ("Hidden", "Hard Rock", "Double Time")
    assert mods.format(", ", long=True) == "Hidden, Hard Rock, Double Time"
    # mods without a legacy bit come after, in osu!'s mod-select order
    assert str(Mods.parse("CLDAHD", "osu")) == "HDDACL"
    assert repr(Mods("HDDT")) == "Mods('HDDT')"


# --- legacy bitmask --------------------------------------------------------------------------


def test_legacy_values_from_lazer_legacymods() -> None:
    assert Mods("NF").legacy == 1
    assert Mods("HD").legacy == 8
    assert Mods("HDHR").legacy == 24
    assert Mods("HDDT").legacy == 72
    assert Mods("NC").legacy == 64 | 512  # NC implies DT
    assert Mods("PF").legacy == 32 | 16384  # PF implies SD
    assert Mods("CN").legacy == 2048 | (1 << 22)  # Cinema implies Autoplay
    assert Mods("FL").legacy == 1024
    assert Mods("SV2").legacy == 1 << 29
    assert Mods("4K", "mania").legacy == 1 << 15
    assert Mods("DS", "mania").legacy == 1 << 25


def test_from_legacy_drops_implied_bits() -> None:
    assert Mods.from_legacy(64 | 512) == Mods("NC")
    assert Mods.from_legacy(512) == Mods("NC")
    assert Mods.from_legacy(32 | 16384) == Mods("PF")
    assert Mods.from_legacy(2048 | (1 << 22)) == Mods("CN")
    assert Mods.from_legacy("24") == Mods("HDHR")


def test_mods_without_legacy_bit_are_reported() -> None:
    mods = Mods.parse("HDDACL", "osu")
    assert mods.legacy == 8
    assert mods.without_legacy_bit == ("DA", "CL")
    assert Mods.parse("DC").without_legacy_bit == ("DC",)  # ppy/osu gives Daycore no bit
    assert Mods.parse("HDDT").without_legacy_bit == ()


def test_ruleset_specific_bits() -> None:
    # MR, RD have a bit only in mania (lazer's osu! Mirror/Random are new mods)
    assert Mods("MR", "mania").legacy == 1 << 30
    assert Mods("MR", "osu").legacy == 0
    assert Mods("MR", "osu").without_legacy_bit == ("MR",)
    assert Mods.from_legacy(1 << 30, "mania") == Mods("MR")
    with pytest.raises(UnknownModError):
        Mods.from_legacy(1 << 15, "osu")  # 4K is mania-only
    assert Mods.from_legacy(1 << 15) == Mods("4K")


@pytest.mark.parametrize("bits", [-1, 1 << 31, 1 << 40])
def test_from_legacy_rejects_unknown_bits(bits: int) -> None:
    with pytest.raises(UnknownModError):
        Mods.from_legacy(bits)


# --- validation ------------------------------------------------------------------------------


def test_unknown_acronym() -> None:
    with pytest.raises(UnknownModError, match="'XX'"):
        Mods.parse("HDXX")
    with pytest.raises(UnknownModError, match="'ZZ'"):
        Mods.parse(["HD", "ZZ"])
    with pytest.raises(UnknownModError, match="for osu") as info:
        Mods.parse("CS", "osu")  # Constant Speed exists in taiko and mania only
    assert info.value.acronym == "CS"
    assert Mods.parse("CS", "taiko").acronyms == ("CS",)


def test_invalid_settings() -> None:
    with pytest.raises(InvalidModSettingError, match="speed") as info:
        Mods.parse([{"acronym": "DT", "settings": {"speed": 1.2}}], "osu")
    assert info.value.setting == "speed"
    with pytest.raises(InvalidModSettingError, match="number"):
        Mods.parse([{"acronym": "DT", "settings": {"speed_change": "fast"}}])
    with pytest.raises(InvalidModSettingError, match="boolean"):
        Mods.parse([{"acronym": "DT", "settings": {"adjust_pitch": 1}}])
    with pytest.raises(InvalidModSettingError):
        Mods.parse([{"acronym": "DA", "settings": {"circle_size": 5}}], "mania")  # mania DA has no CS
    with pytest.raises(InvalidModSettingError):
        Mods.parse([{"acronym": "HD", "settings": [1, 2]}])


def test_incompatible_and_duplicate() -> None:
    with pytest.raises(IncompatibleModsError, match="EZ and HR") as info:
        Mods.parse("EZHR")
    assert set(info.value.pair) == {"EZ", "HR"}
    with pytest.raises(IncompatibleModsError):
        Mods.parse("HTDT", "taiko")
    with pytest.raises(IncompatibleModsError):
        Mods.parse("NCDT")
    with pytest.raises(DuplicateModError, match="HD"):
        Mods.parse("HDHD")


def test_errors_are_value_errors() -> None:
    for exc in (UnknownModError, InvalidModSettingError, IncompatibleModsError, DuplicateModError):
        assert issubclass(exc, ModError)
    assert issubclass(ModError, ValueError)


def test_validate_binds_ruleset() -> None:
    mods = Mods("DA")
    assert mods.ruleset is None
    bound = mods.validate("mania")
    assert bound.ruleset is Ruleset.MANIA and bound == mods
    with pytest.raises(UnknownModError):
        Mods("TD").validate("mania")


# --- value semantics -------------------------------------------------------------------------


def test_immutable_hashable_order_free() -> None:
    a, b = Mods(["HD", "DT"]), Mods([{"acronym": "DT"}, {"acronym": "HD"}])
    assert a == b and hash(a) == hash(b)
    assert len({a, b}) == 1
    with pytest.raises(AttributeError):
        a._mods = ()
    with pytest.raises(AttributeError):
        Mod("HD")._acronym = "DT"
    assert Mods.parse([{"acronym": "DT", "settings": {"speed_change": 1.2}}]) != Mods("DT")


def test_contains_getitem_iter() -> None:
    mods = Mods.parse([{"acronym": "DA", "settings": {"approach_rate": 10}}, "HD"])
    assert "HD" in mods and "hd" in mods and "DT" not in mods
    assert Mod("HD") in mods
    assert [m.acronym for m in mods] == ["HD", "DA"]
    assert mods["DA"].settings == {"approach_rate": 10}
    assert mods.get("DT") is None
    with pytest.raises(KeyError):
        mods["DT"]


def test_add_and_subtract() -> None:
    mods = Mods("HDDT")
    assert mods + "HR" == Mods("HDHRDT")
    assert "HR" + mods == Mods("HDHRDT")
    assert mods - "HD" == Mods("DT")
    assert mods - ["HD", "DT"] == Mods()
    assert mods - "FL" == mods
    with pytest.raises(IncompatibleModsError):
        mods + "HT"
    slower_dt = [{"acronym": "DT", "settings": {"speed_change": 1.25}}]
    replaced = mods + slower_dt
    assert replaced.speed_rate == pytest.approx(1.25)


def test_typed_settings() -> None:
    assert Mods("DT").speed_rate == 1.5
    assert Mods("NC").speed_rate == 1.5
    assert Mods("HT").speed_rate == 0.75
    assert Mods("DC").speed_rate == 0.75
    assert Mods().speed_rate == 1.0
    assert Mods.parse([{"acronym": "HT", "settings": {"speed_change": 0.6}}]).speed_rate == pytest.approx(0.6)
    da = Mods.parse([{"acronym": "DA", "settings": {"circle_size": 4, "overall_difficulty": 9.5}}]).difficulty_adjust
    assert da is not None
    assert (da.circle_size, da.approach_rate, da.overall_difficulty, da.extended_limits) == (4.0, None, 9.5, False)
    assert Mods("HD").difficulty_adjust is None
    assert Mods("CL").classic and not Mods("HD").classic
    assert Mod("DT").get("speed_change") == 1.5
    assert Mod("FL").get("combo_based_size", "mania") is False
    assert Mod("FL").get("combo_based_size", "osu") is True
    assert mod_info("DT", "osu") is not None
    assert mod_info("XX") is None


# --- API JSON and msgspec --------------------------------------------------------------------


class _Score(msgspec.Struct):
    mods: Mods


def _roundtrip(raw: Any) -> Any:
    body = json.dumps({"mods": raw}).encode()
    obj = msgspec.json.decode(body, type=_Score, dec_hook=mods_dec_hook)
    return json.loads(msgspec.json.encode(obj, enc_hook=mods_enc_hook))["mods"]


@pytest.mark.parametrize(
    "raw",
    [
        ["HD", "DT"],
        ["DT", "HD"],  # order kept as sent
        [],
        [{"acronym": "DT"}],
        [{"acronym": "DT", "settings": {}}],  # an empty settings object stays
        [{"acronym": "DT", "settings": {"speed_change": 1.3}}, {"acronym": "CL"}],
        ["V2"],
        ["QQ"],  # a mod osukit does not know yet still decodes
    ],
)
def test_json_roundtrip_is_lossless(raw: Any) -> None:
    assert _roundtrip(raw) == raw


def test_to_json_value_of_built_mods() -> None:
    assert Mods("HDDT").to_json_value() == ["HD", "DT"]
    assert Mods([{"acronym": "HD"}]).to_json_value() == [{"acronym": "HD"}]
    assert (Mods._from_json(["HD"]) + "DT").to_json_value() == ["HD", "DT"]
    assert (Mods._from_json([{"acronym": "HD"}]) + "DT").to_json_value() == [{"acronym": "HD"}, {"acronym": "DT"}]
    assert Mods._from_json("72").to_json_value() == "72"


def test_from_json_rejects_garbage() -> None:
    with pytest.raises(ModError):
        Mods._from_json([1, 2])
    with pytest.raises(msgspec.ValidationError):
        msgspec.json.decode(b'{"mods": [3]}', type=_Score, dec_hook=mods_dec_hook)


def _corpus_mod_lists() -> list[Any]:
    found: list[Any] = []

    def walk(node: Any) -> None:
        if isinstance(node, dict):
            for key, value in node.items():
                if key in ("mods", "required_mods", "allowed_mods") and isinstance(value, list):
                    found.append(value)
                walk(value)
        elif isinstance(node, list):
            for item in node:
                walk(item)

    for path in sorted(CORPUS.rglob("*.json")):
        try:
            walk(json.loads(path.read_bytes()))
        except ValueError:
            continue
    return found


def test_every_corpus_mod_list_roundtrips() -> None:
    lists = _corpus_mod_lists()
    assert len(lists) >= 60
    for raw in lists:
        assert _roundtrip(raw) == raw
        mods = Mods._from_json(raw)
        # every mod the API sent is one osu-web defines, so strict parsing accepts it too
        assert Mods.parse(raw) == mods


def test_corpus_v1_enabled_mods_match_v2_mods() -> None:
    """v1 and v2 list the same leaderboard: the bitmask and the acronyms must agree."""
    v1 = json.loads((CORPUS / "v1" / "get_beatmap_scores_200.json").read_bytes())
    v2 = json.loads((CORPUS / "v2" / "get_beatmap_scores_200.json").read_bytes())["scores"]
    by_id = {s["id"]: s for s in v2}
    checked = 0
    for s in v1:
        other = by_id.get(int(s["score_id"]))
        if other is None:
            continue
        assert Mods.from_legacy(int(s["enabled_mods"]), "osu") == Mods.parse(other["mods"], "osu")
        assert Mods.parse(other["mods"]).legacy == int(s["enabled_mods"])
        checked += 1
    assert checked >= 40


# --- hypothesis ------------------------------------------------------------------------------

@st.composite
def compatible_mods(draw: st.DrawFn, ruleset: str = "osu") -> Mods:
    rows = {row[0]: row for row in MODS[ruleset]}
    chosen: list[str] = []
    for acr in draw(st.lists(st.sampled_from(sorted(rows)), max_size=6, unique=True)):
        if all(acr not in rows[c][5] and c not in rows[acr][5] for c in chosen):
            chosen.append(acr)
    return Mods.parse(chosen, ruleset)


_RULESETS = st.sampled_from(["osu", "taiko", "fruits", "mania"])


@settings(max_examples=300, deadline=None)
@given(_RULESETS.flatmap(compatible_mods))
def test_format_parse_roundtrip(mods: Mods) -> None:
    rs = mods.ruleset
    assert Mods.parse(str(mods), rs) == mods
    assert Mods.parse(mods.format(","), rs) == mods
    assert Mods.parse(mods.format(" ").lower(), rs) == mods
    assert Mods.parse(mods.to_api(), rs) == mods
    assert Mods._from_json(mods.to_json_value()) == mods
    assert Mods.parse(mods) == mods


def test_every_pair_of_acronyms_splits_unambiguously() -> None:
    acronyms = sorted({row[0] for rows in MODS.values() for row in rows})
    for a in acronyms:
        for b in acronyms:
            assert mods_module._split_acronyms(a + b) == [a, b], (a, b)


def test_parse_keeps_the_json_form_of_mods() -> None:
    raw = [{"acronym": "DT", "settings": {}}]
    assert Mods.parse(Mods._from_json(raw), "osu").to_json_value() == raw


@settings(max_examples=200, deadline=None)
@given(_RULESETS.flatmap(compatible_mods))
def test_bitmask_roundtrip(mods: Mods) -> None:
    assert mods.ruleset is not None
    representable = mods - list(mods.without_legacy_bit)
    back = Mods.from_legacy(mods.legacy, mods.ruleset)
    assert back == representable
    assert back.legacy == mods.legacy


@settings(max_examples=300, deadline=None)
@given(st.integers(min_value=-(1 << 33), max_value=1 << 33))
def test_from_legacy_keeps_bits(bits: int) -> None:
    try:
        mods = Mods.from_legacy(bits)
    except ModError:
        return
    implied = 0
    if bits & 512:
        implied |= 64
    if bits & 16384:
        implied |= 32
    if bits & (1 << 22):
        implied |= 2048
    assert mods.legacy == bits | implied


_json_scalars = st.none() | st.booleans() | st.integers() | st.floats(allow_nan=True) | st.text(max_size=8)
_json = st.recursive(
    _json_scalars,
    lambda inner: st.lists(inner, max_size=4) | st.dictionaries(st.text(max_size=8), inner, max_size=4),
    max_leaves=12,
)


@settings(max_examples=400, deadline=None)
@given(
    st.one_of(
        st.text(max_size=12),
        st.text(alphabet="HDTRNCEZFLPSV2K10MA+, ", max_size=12),
        st.integers(),
        st.lists(st.sampled_from(["HD", "DT", "HR", "NC", "XX", "EZ", "", "V2"]) | st.text(max_size=4), max_size=5),
        st.lists(
            st.fixed_dictionaries(
                {"acronym": st.sampled_from(["DT", "DA", "HD", "QQ"]) | st.text(max_size=3)},
                optional={"settings": _json},
            ),
            max_size=3,
        ),
        _json,
    ),
    st.sampled_from([None, "osu", "taiko", "fruits", "mania"]),
)
def test_parse_raises_only_mod_errors(value: Any, ruleset: str | None) -> None:
    count("fuzzing: mods parsing", "inputs")
    try:
        Mods.parse(value, ruleset)
    except ModError:
        count("fuzzing: mods parsing", "ModError")
    else:
        count("fuzzing: mods parsing", "mods")


# --- the generated table ---------------------------------------------------------------------


def _load_generator() -> Any:
    spec = importlib.util.spec_from_file_location("gen_mods", REPO / "scripts" / "gen_mods.py")
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def test_generated_module_is_current() -> None:
    gen = _load_generator()
    assert gen.main(["--check"]) == 0


def test_check_mode_detects_stale_module(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    gen = _load_generator()
    stale = tmp_path / "_mod_data.py"
    stale.write_text("# old\n")
    monkeypatch.setattr(gen, "TARGET", stale)
    monkeypatch.setattr(gen, "REPO", tmp_path)
    assert gen.main(["--check"]) == 1
    assert gen.main([]) == 0
    assert gen.main(["--check"]) == 0


def test_table_matches_mods_json() -> None:
    data = json.loads(MODS_JSON.read_bytes())
    names = {0: "osu", 1: "taiko", 2: "fruits", 3: "mania"}
    for entry in data:
        rows = {row[0]: row for row in MODS[names[entry["RulesetID"]]]}
        assert list(rows) == [m["Acronym"] for m in entry["Mods"]]
        for mod in entry["Mods"]:
            row = rows[mod["Acronym"]]
            assert row[1] == mod["Name"] and row[3] == mod["Type"]
            assert [(s[0], s[1]) for s in row[4]] == [(s["Name"], s["Type"]) for s in mod["Settings"]]
            assert set(row[5]) == set(mod["IncompatibleMods"]) - {mod["Acronym"]}


def test_docstring_examples() -> None:
    result = doctest.testmod(mods_module, optionflags=doctest.ELLIPSIS)
    assert result.failed == 0 and result.attempted > 10


def test_mods_pickle_and_copy_keep_everything() -> None:
    import copy
    import pickle

    from osukit.game.mods import Mod, Mods

    mods = Mods.parse([{"acronym": "DT", "settings": {"speed_change": 1.3}}, {"acronym": "HD"}])
    for other in (pickle.loads(pickle.dumps(mods)), copy.copy(mods), copy.deepcopy(mods)):
        assert other == mods and list(other) == list(mods) and other.to_json_value() == mods.to_json_value()
    dt = Mod("DT", {"speed_change": 1.3})
    assert pickle.loads(pickle.dumps(dt)) == dt and copy.deepcopy(dt) == dt


def test_a_decoded_score_with_mods_pickles_and_deep_copies() -> None:
    import copy
    import pickle

    from osukit.routes import by_name

    case = Path(__file__).resolve().parents[2].parent / "shared" / "cases" / "accuracy-unknown-judgement.json"
    raw = json.loads(case.read_bytes())
    raw["mods"] = [{"acronym": "HD"}, {"acronym": "DT", "settings": {"speed_change": 1.2}}]
    score = by_name("scores.get").decode(json.dumps(raw))
    assert len(score.mods) == 2
    for other in (pickle.loads(pickle.dumps(score)), copy.deepcopy(score)):
        assert other == score and other.mods == score.mods
