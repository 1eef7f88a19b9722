"""Tests for osukit.game.replay: the .osr reader/writer, frames, and fuzzing."""

from __future__ import annotations

import base64
import importlib.util
import json
import lzma
import pickle
import struct
from collections.abc import Callable
from datetime import datetime, timedelta, timezone
from pathlib import Path

import msgspec
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from osukit.enums import Ruleset
from osukit.game.replay import (
    CatchKeys,
    LazerReplayData,
    LifeBarPoint,
    OsuKeys,
    Replay,
    ReplayError,
    ReplayFrame,
    TaikoKeys,
    compress_frames,
    decompress_frames,
    format_frames,
    parse_frames,
)

from .._figures import count

REPO = Path(__file__).resolve().parents[2]
SHARED = REPO.parent / "shared"
V1_REPLAY = SHARED / "corpus" / "v1" / "get_replay_200.json"

HAS_MODS = importlib.util.find_spec("osukit.game.mods") is not None


# --------------------------------------------------------------------------- helpers


def _frames(n: int = 50, *, mania: bool = False) -> list[ReplayFrame]:
    out = []
    for i in range(n):
        x = float(i % 16) if mania else 100.0 + i * 1.25
        out.append(ReplayFrame(16 if i else 0, x, 200.5 - i if not mania else 0.0, (i % 4) * 5 % 32))
    return out


def _replay(ruleset: Ruleset = Ruleset.OSU, **overrides: object) -> Replay:
    fields: dict[str, object] = {
        "ruleset": ruleset,
        "game_version": 20240101,
        "beatmap_md5": "a" * 32,
        "username": "peppy ✓",
        "replay_md5": "b" * 32,
        "count_300": 300,
        "count_100": 12,
        "count_50": 3,
        "count_geki": 40,
        "count_katu": 7,
        "count_miss": 1,
        "total_score": 1_234_567,
        "max_combo": 456,
        "perfect": False,
        "legacy_mods": 72,
        "life_bar": [LifeBarPoint(0, 1.0), LifeBarPoint(2000, 0.875), LifeBarPoint(4000, 0.5)],
        "timestamp": datetime(2024, 2, 5, 16, 23, 28, 123456, tzinfo=timezone.utc),
        "frames": _frames(mania=ruleset is Ruleset.MANIA),
        "rng_seed": 56072,
        "score_id": 4580373803,
    }
    fields.update(overrides)
    replay = Replay(**fields)  # type: ignore[arg-type]
    # absolute times as a reader would compute them
    t = 0
    for f in replay.frames:
        t += f.w
        f.time = t
    return replay


def _lazer_extra() -> LazerReplayData:
    return LazerReplayData(
        online_id=2415910140,
        mods=[{"acronym": "DT", "settings": {"speed_change": 1.3}}, {"acronym": "HD"}],
        statistics={"great": 300, "ok": 12, "meh": 3, "miss": 1, "slider_tail_hit": 80},
        maximum_statistics={"great": 316, "slider_tail_hit": 82},
        client_version="2026.101.0-lazer",
        rank="A",
        user_id=2,
        total_score_without_mods=900_000,
        pauses=[1234, 5678],
        other={"some_future_key": [1, 2]},
    )


def _uleb(n: int) -> bytes:
    out = bytearray()
    while True:
        b = n & 0x7F
        n >>= 7
        out.append(b | (0x80 if n else 0))
        if not n:
            return bytes(out)


def _s(text: str) -> bytes:
    raw = text.encode()
    return b"\x0b" + _uleb(len(raw)) + raw


# ------------------------------------------------------------------ v1 corpus frames


def test_v1_get_replay_content_decodes_to_frames() -> None:
    payload = json.loads(V1_REPLAY.read_text())
    frames, seed = Replay.frames_from_lzma(payload)
    assert seed == 56072
    assert len(frames) == 7333
    # stable's two leading frames at (256, -500), then a negative delta back to the start
    assert (frames[0].w, frames[0].x, frames[0].y) == (0, 256.0, -500.0)
    assert (frames[1].w, frames[2].w) == (14607, -14585)
    assert frames[2].time == 22
    assert frames[2].x == pytest.approx(361.603) and frames[2].y == pytest.approx(189.5999)
    assert frames[10].keys == 10 and frames[10].osu_keys == OsuKeys.M2 | OsuKeys.K2
    # absolute time is the running sum of deltas, monotonic after the preamble
    assert frames[-1].time == sum(f.w for f in frames)
    times = [f.time for f in frames[3:]]
    assert times == sorted(times)

    # same result from base64 text and from the raw LZMA bytes
    raw = base64.b64decode(payload["content"])
    assert Replay.frames_from_lzma(payload["content"]) == (frames, seed)
    assert Replay.frames_from_lzma(raw) == (frames, seed)
    # and our frame text reproduces osu!'s byte for byte
    assert format_frames(frames, seed) == lzma.decompress(raw, format=lzma.FORMAT_ALONE)


def test_playback_frames_follow_osu_reader() -> None:
    frames, seed = Replay.frames_from_lzma(json.loads(V1_REPLAY.read_text()))
    replay = _replay(frames=frames, rng_seed=seed)
    playback = replay.playback_frames()
    # the two (256, -500) preamble frames are gone, time never goes backwards
    assert len(playback) == len(frames) - 2
    assert (playback[0].x, playback[0].y, playback[0].time) == (frames[2].x, frames[2].y, 22)
    times = [f.time for f in playback]
    assert times == sorted(times)
    assert replay.frames == frames  # stored frames untouched
    assert replay.cursor_positions()[0] == (22, frames[2].x, frames[2].y)
    assert replay.cursor_positions(playback=False)[0] == (0, 256.0, -500.0)
    # a frame that goes back in time is skipped; stable's swapped first times are repaired
    raw = [
        ReplayFrame(500, 1, 1, 0),
        ReplayFrame(-400, 2, 2, 0),
        ReplayFrame(300, 3, 3, 0),
        ReplayFrame(-50, 4, 4, 0),
    ]
    t = 0
    for f in raw:
        t += f.w
        f.time = t
    assert [f.time for f in raw] == [500, 100, 400, 350]
    played = _replay(frames=raw).playback_frames()
    assert [(f.x, f.time) for f in played] == [(1.0, 0), (2.0, 500)]


def test_v1_frames_in_a_full_replay_round_trip(tmp_path: Path) -> None:
    frames, seed = Replay.frames_from_lzma(json.loads(V1_REPLAY.read_text()))
    replay = _replay(frames=frames, rng_seed=seed)
    path = tmp_path / "v1.osr"
    replay.write(path)
    back = Replay.parse(path)
    assert back == replay
    assert Replay.parse(str(path)) == replay
    with path.open("rb") as fh:
        assert Replay.parse(fh) == replay
    assert Replay.from_file(path).to_bytes() == path.read_bytes()


def test_frames_from_lzma_rejects_bad_input() -> None:
    with pytest.raises(ReplayError):
        Replay.frames_from_lzma({"content": "AAAA", "encoding": "base64"})
    with pytest.raises(ReplayError):
        Replay.frames_from_lzma({"encoding": "base64"})
    with pytest.raises(ReplayError):
        Replay.frames_from_lzma({"content": "x", "encoding": "hex"})
    assert Replay.frames_from_lzma(b"") == ([], None)


# ------------------------------------------------------------------------- round trip


@pytest.mark.parametrize("ruleset", list(Ruleset))
def test_round_trip_every_ruleset_is_equal_and_byte_identical(ruleset: Ruleset) -> None:
    replay = _replay(ruleset)
    data = replay.to_bytes()
    back = Replay.from_bytes(data)
    assert back == replay
    assert back.ruleset is ruleset
    assert back.timestamp.tzinfo is not None and back.timestamp.utcoffset() == timedelta(0)
    assert back.to_bytes() == data
    assert Replay.from_bytes(bytearray(data)) == replay
    assert Replay.from_bytes(memoryview(data)) == replay


def test_round_trip_lazer_replay_with_extra_block() -> None:
    replay = _replay(game_version=30000019, extra=_lazer_extra())
    data = replay.to_bytes()
    back = Replay.from_bytes(data)
    assert back == replay
    assert back.is_lazer
    assert back.extra is not None
    assert back.extra.other == {"some_future_key": [1, 2]}
    assert back.extra.mods[0] == {"acronym": "DT", "settings": {"speed_change": 1.3}}
    assert back.to_bytes() == data


def test_lazer_extra_block_layout_matches_osu() -> None:
    """The extra block is an int32 length + LZMA JSON with osu!'s key names, after the score id."""
    replay = _replay(game_version=30000001, extra=_lazer_extra(), frames=[], rng_seed=None)
    data = replay.to_bytes()
    # no frames: an empty byte array, then the int64 score id, then the block
    tail_start = data.index(struct.pack("<q", 4580373803))
    length = struct.unpack_from("<i", data, tail_start + 8)[0]
    blob = data[tail_start + 12 : tail_start + 12 + length]
    assert tail_start + 12 + length == len(data)
    body = json.loads(lzma.decompress(blob, format=lzma.FORMAT_ALONE))
    assert list(body)[:9] == [
        "online_id",
        "mods",
        "statistics",
        "maximum_statistics",
        "client_version",
        "rank",
        "user_id",
        "total_score_without_mods",
        "pauses",
    ]
    assert body["online_id"] == 2415910140 and body["rank"] == "A"


def test_lazer_extra_missing_and_null_values_take_defaults() -> None:
    extra = LazerReplayData.from_json(b'{"online_id": 5, "rank": null, "client_version": null}')
    assert extra.online_id == 5 and extra.rank is None and extra.client_version == ""
    assert extra.mods == [] and extra.statistics == {} and extra.user_id == -1


def test_handcrafted_stable_file_fields_in_osu_order() -> None:
    """A file built by hand from the wiki/ppy layout, independently of our writer."""
    frames_text = b"0|256|-500|0,10|100.5|200.25|5,-12345|0|0|777,"
    blob = lzma.compress(frames_text, format=lzma.FORMAT_ALONE)
    ticks = 637134336000000000  # 2020-01-01T00:00:00Z
    data = (
        bytes([1])
        + struct.pack("<i", 20150101)
        + _s("d41d8cd98f00b204e9800998ecf8427e")
        + _s("Cookiezi")
        + b"\x00"  # null replay md5
        + struct.pack("<6H", 1, 2, 3, 4, 5, 6)
        + struct.pack("<i", 999999)
        + struct.pack("<H", 321)
        + b"\x01"
        + struct.pack("<i", 8 | 16)
        + _s("100|1,2000|0.5,")
        + struct.pack("<q", ticks)
        + struct.pack("<i", len(blob))
        + blob
        + struct.pack("<q", 123456789012)
    )
    r = Replay.from_bytes(data)
    assert r.ruleset is Ruleset.TAIKO
    assert r.game_version == 20150101
    assert r.beatmap_md5 == "d41d8cd98f00b204e9800998ecf8427e"
    assert r.username == "Cookiezi" and r.replay_md5 == ""
    assert (r.count_300, r.count_100, r.count_50, r.count_geki, r.count_katu, r.count_miss) == (
        1,
        2,
        3,
        4,
        5,
        6,
    )
    assert (r.total_score, r.max_combo, r.perfect, r.legacy_mods) == (999999, 321, True, 24)
    assert r.life_bar == [LifeBarPoint(100, 1.0), LifeBarPoint(2000, 0.5)]
    assert r.timestamp == datetime(2020, 1, 1, tzinfo=timezone.utc)
    assert r.ticks == ticks
    assert r.rng_seed == 777
    assert r.frames == [ReplayFrame(0, 256.0, -500.0, 0, 0), ReplayFrame(10, 100.5, 200.25, 5, 10)]
    assert r.score_id == 123456789012
    assert r.target_practice_accuracy is None and r.extra is None


def _handcrafted_lazer_file() -> bytes:
    """Shaped like osu!(lazer)'s output: no comma after the seed frame, indented JSON, null byte array."""
    frames_blob = lzma.compress(b"-1953|0|0|0,17|0|0|1,18|0|0|0,-12345|0|0|0", format=lzma.FORMAT_ALONE)
    extra_json = (
        b'{\n  "online_id": 258,\n  "mods": [],\n  "statistics": {\n    "ok": 8,\n    "great": 73\n  }\n}'
    )
    extra_blob = lzma.compress(extra_json, format=lzma.FORMAT_ALONE, preset=9)
    return (
        bytes([1])
        + struct.pack("<i", 30000004)
        + _s("cf6bfca7533b5a55e0336cc93e609f1c")
        + _s("spaceman")
        + _s("0123456789abcdef0123456789abcdef")
        + struct.pack("<6H", 73, 8, 0, 0, 0, 0)
        + struct.pack("<iHBI", 0, 81, 1, 0)
        + _s("")
        + struct.pack("<q", 638338843561098091)
        + struct.pack("<i", len(frames_blob))
        + frames_blob
        + struct.pack("<q", 0)
        + struct.pack("<i", len(extra_blob))
        + extra_blob
    )


def test_files_from_other_writers_are_rewritten_byte_for_byte() -> None:
    # stable-like: null string, sub-microsecond ticks, another LZMA encoder, a trailing byte
    frames_text = b"0|256|-500|0,10|100.5|200.25|5,-12345|0|0|777,"
    blob = lzma.compress(frames_text, format=lzma.FORMAT_ALONE, preset=1)
    data = (
        bytes([0])
        + struct.pack("<i", 20150101)
        + _s("x" * 32)
        + _s("Cookiezi")
        + b"\x00"
        + struct.pack("<6H", 1, 2, 3, 4, 5, 6)
        + struct.pack("<iHBI", 999999, 321, 1, 24)
        + _s("100|1,2000|0.5,")
        + struct.pack("<q", 637134336000000007)
        + struct.pack("<i", len(blob))
        + blob
        + struct.pack("<q", 123456789012)
        + b"\n"
    )
    replay = Replay.from_bytes(data)
    assert replay.to_bytes() == data
    lazer_file = _handcrafted_lazer_file()
    lazer = Replay.from_bytes(lazer_file)
    assert lazer.extra is not None and lazer.extra.online_id == 258 and lazer.rng_seed == 0
    assert lazer.to_bytes() == lazer_file
    # edits are written (the remembered blocks are only reused while unchanged)
    lazer.frames[1].keys = 0
    lazer.extra.statistics["miss"] = 1
    edited = Replay.from_bytes(lazer.to_bytes())
    assert edited.frames[1].keys == 0 and edited.extra is not None and edited.extra.statistics["miss"] == 1
    assert edited == lazer
    renamed = Replay.from_bytes(msgspec.structs.replace(replay, username="WhiteCat").to_bytes())
    assert renamed.username == "WhiteCat" and renamed.frames == replay.frames


def test_score_id_version_gates() -> None:
    old = _replay(game_version=20120101, score_id=None)
    assert Replay.from_bytes(old.to_bytes()).score_id is None
    mid = _replay(game_version=20130101, score_id=123456)
    data = mid.to_bytes()
    assert Replay.from_bytes(data).score_id == 123456
    # int32 score id: four bytes shorter than the int64 version
    assert len(_replay(game_version=20140721, score_id=123456).to_bytes()) == len(data) + 4


def test_target_practice_accuracy_only_for_stable() -> None:
    tp = 1 << 23
    stable = _replay(legacy_mods=tp, target_practice_accuracy=87.25)
    assert Replay.from_bytes(stable.to_bytes()).target_practice_accuracy == 87.25
    # lazer writes the TP bit but no double (ppy/osu LegacyScoreEncoder)
    lazer = _replay(game_version=30000019, legacy_mods=tp, extra=_lazer_extra())
    back = Replay.from_bytes(lazer.to_bytes())
    assert back.target_practice_accuracy is None and back.extra == lazer.extra


def test_ruleset_is_coerced_and_repr_is_short() -> None:
    replay = Replay(ruleset="mania", game_version=20240101, frames=_frames(1000))  # type: ignore[arg-type]
    assert replay.ruleset is Ruleset.MANIA
    assert Replay(ruleset=1, game_version=1).ruleset is Ruleset.TAIKO  # type: ignore[arg-type]
    assert "<1000 frames>" in repr(replay) and len(repr(replay)) < 400
    with pytest.raises(ValueError):
        Replay(ruleset="chess", game_version=1)  # type: ignore[arg-type]


def test_empty_replay_without_frames() -> None:
    replay = Replay(ruleset=Ruleset.OSU, game_version=20240101)
    back = Replay.from_bytes(replay.to_bytes())
    assert back == replay and back.frames == [] and back.rng_seed is None


def test_timestamp_ticks_and_naive_datetime_is_utc() -> None:
    naive = _replay(timestamp=datetime(2020, 1, 1))
    back = Replay.from_bytes(naive.to_bytes())
    assert back.timestamp == datetime(2020, 1, 1, tzinfo=timezone.utc)
    assert back.ticks == 637134336000000000


def test_writer_rejects_values_out_of_range() -> None:
    with pytest.raises(ValueError):
        _replay(count_300=70000).to_bytes()
    with pytest.raises(ValueError, match="non-finite"):
        _replay(frames=[ReplayFrame(1, float("nan"), 0.0, 0)]).to_bytes()


# ----------------------------------------------------------------------------- frames


def test_frame_keys_per_ruleset() -> None:
    f = ReplayFrame(16, 5.0, 0.0, 1 | 4 | 16)
    assert f.osu_keys == OsuKeys.M1 | OsuKeys.K1 | OsuKeys.SMOKE
    assert ReplayFrame(1, 0, 0, 1 | 8).taiko_keys == TaikoKeys.LEFT_DON | TaikoKeys.RIGHT_KAT
    assert ReplayFrame(1, 300.0, 0, 1).dash and not ReplayFrame(1, 300.0, 0, 0).dash
    assert ReplayFrame(1, float(0b1010001), 0, 0).mania_columns == [0, 4, 6]
    assert ReplayFrame(1, 0.0, 0, 0).mania_columns == []

    mania = _replay(Ruleset.MANIA, frames=[ReplayFrame(0, 5.0, 0, 0), ReplayFrame(10, 2.0, 0, 0)])
    assert mania.key_states() == [(0, [0, 2]), (10, [1])]
    catch = _replay(Ruleset.FRUITS, frames=[ReplayFrame(0, 250.0, 0, 1)])
    assert catch.key_states() == [(0, CatchKeys.DASH)]
    assert catch.cursor_positions() == [(0, 250.0, 0.0)]
    taiko = _replay(Ruleset.TAIKO, frames=[ReplayFrame(0, 0, 0, 2)])
    assert taiko.key_states() == [(0, TaikoKeys.LEFT_KAT)]
    osu = _replay(frames=[ReplayFrame(0, 1, 2, 10)])
    assert osu.key_states() == [(0, OsuKeys.M2 | OsuKeys.K2)]


def test_parse_frames_like_osu_reader() -> None:
    # fractional delta (old lazer), short pieces skipped, seed in the middle, whitespace
    text = b"16.6|1|2|0,bad,1|2,-12345|0|0|42, 10 |3.5|4|1,"
    frames, seed = parse_frames(text)
    assert seed == 42
    assert [(f.w, f.x, f.y, f.keys, f.time) for f in frames] == [(17, 1.0, 2.0, 0, 17), (10, 3.5, 4.0, 1, 27)]
    # exponent notation (what .NET may print) goes through the exact parser too
    assert parse_frames("1|1E-05|2|0")[0][0].x == pytest.approx(1e-05)
    assert parse_frames(b"") == ([], None)
    assert parse_frames(b",") == ([], None)


@pytest.mark.parametrize(
    "text",
    [b"1|x|2|0", b"1|nan|2|0", b"1|inf|2|0", b"a|1|2|0", b"1|1|2|1.5", "1|1|2|\u00e9".encode()],
)
def test_parse_frames_rejects_non_numbers_with_offset(text: bytes) -> None:
    with pytest.raises(ReplayError) as info:
        parse_frames(b"0|0|0|0," + text)
    assert info.value.offset == 8 or "ASCII" in str(info.value)
    assert "offset" in str(info.value)


@settings(max_examples=150, deadline=None)
@given(
    st.lists(
        st.tuples(
            st.integers(-(2**31), 2**31 - 1),
            st.floats(allow_nan=False, allow_infinity=False, width=32),
            st.floats(allow_nan=False, allow_infinity=False),
            st.integers(0, 2**31 - 1),
        ),
        max_size=40,
    ),
    st.one_of(st.none(), st.integers(-(2**31), 2**31 - 1)),
)
def test_frames_text_round_trip_property(rows: list[tuple[int, float, float, int]], seed: int | None) -> None:
    frames = [ReplayFrame(w if w != -12345 else 0, x, y, k) for w, x, y, k in rows]
    back, back_seed = parse_frames(format_frames(frames, seed))
    assert back_seed == seed
    assert [(f.w, f.x, f.y, f.keys) for f in back] == [(f.w, f.x, f.y, f.keys) for f in frames]


def test_compress_is_deterministic_and_inverse() -> None:
    text = format_frames(_frames(500), 1)
    assert compress_frames(text) == compress_frames(text)
    assert decompress_frames(compress_frames(text)) == text
    assert compress_frames(b"") == b"" and decompress_frames(b"") == b""


# ----------------------------------------------------------------------------- errors


def test_replay_error_is_value_error_with_offset_and_pickles() -> None:
    err = ReplayError("boom", 12)
    assert isinstance(err, ValueError)
    assert err.offset == 12 and "12" in str(err)
    again = pickle.loads(pickle.dumps(err))
    assert again.offset == 12 and str(again) == str(err)


def test_every_truncation_raises_replay_error() -> None:
    data = _replay(game_version=30000019, extra=_lazer_extra(), frames=_frames(5)).to_bytes()
    for n in range(len(data)):
        with pytest.raises(ReplayError) as info:
            Replay.from_bytes(data[:n])
        assert 0 <= info.value.offset <= n


@pytest.mark.parametrize(
    ("mutate", "message"),
    [
        (lambda d: b"\x07" + d[1:], "ruleset"),
        (lambda d: d.replace(b"\x0b\x20" + b"a" * 32, b"\x0b\xff\xff\xff\xff\x7f" + b"a" * 32, 1), "claims"),
        (lambda d: d.replace(b"\x0b\x20" + b"a" * 32, b"\x0b\x20" + b"\xff" * 32, 1), "UTF-8"),
        (
            lambda d: d.replace(b"\x0b\x20" + b"a" * 32, b"\x0b\xff\xff\xff\xff\xff\x01" + b"a" * 32, 1),
            "too long",
        ),
    ],
)
def test_specific_corruptions(mutate: object, message: str) -> None:
    data = _replay().to_bytes()
    with pytest.raises(ReplayError, match=message):
        Replay.from_bytes(mutate(data))  # type: ignore[operator]


def test_absurd_lengths_and_bad_blocks() -> None:
    replay = _replay(frames=[], rng_seed=None, life_bar=[])
    base = replay.to_bytes()
    # negative timestamp ticks
    i = base.index(struct.pack("<q", replay.ticks))
    bad = base[:i] + struct.pack("<q", -1) + base[i + 8 :]
    with pytest.raises(ReplayError, match="timestamp"):
        Replay.from_bytes(bad)
    # a frames block claiming 2 GiB
    bad = base[: i + 8] + struct.pack("<i", 2**31 - 1) + base[i + 12 :]
    with pytest.raises(ReplayError, match="claims"):
        Replay.from_bytes(bad)
    # a frames block that is not LZMA
    junk = b"\xff" * 20
    bad = base[: i + 8] + struct.pack("<i", len(junk)) + junk + base[i + 12 :]
    with pytest.raises(ReplayError, match="LZMA"):
        Replay.from_bytes(bad)
    # frames that decompress to garbage
    blob = compress_frames(b"1|2|3|4,1|zz|3|4,")
    bad = base[: i + 8] + struct.pack("<i", len(blob)) + blob + base[i + 12 :]
    with pytest.raises(ReplayError, match="replay frames") as info:
        Replay.from_bytes(bad)
    assert info.value.offset == i + 12
    # lazer block that is not JSON
    lazer = _replay(game_version=30000019, frames=[], rng_seed=None, extra=None).to_bytes()
    blob = compress_frames(b"[1, 2")
    bad = lazer[:-4] + struct.pack("<i", len(blob)) + blob
    with pytest.raises(ReplayError, match="lazer"):
        Replay.from_bytes(bad)
    blob = compress_frames(b'{"online_id": "nope"}')
    with pytest.raises(ReplayError, match="lazer"):
        Replay.from_bytes(lazer[:-4] + struct.pack("<i", len(blob)) + blob)
    # life bar garbage
    for junk_hp in (b"zzzzz", b"inf00", b"1e999"):
        bad = _replay(frames=[]).to_bytes().replace(b"2000|0.875,", b"2000|" + junk_hp + b",")
        with pytest.raises(ReplayError, match="life bar"):
            Replay.from_bytes(bad)


_FUZZ_BASE = _replay(game_version=30000019, extra=_lazer_extra(), frames=_frames(20)).to_bytes()
_FUZZ_STABLE = _replay(legacy_mods=1 << 23, target_practice_accuracy=1.5, frames=_frames(20)).to_bytes()


def _read_or_replay_error(data: bytes) -> None:
    """Reading gives a replay or a ReplayError; whatever reads also writes and reads back."""
    count("fuzzing: .osr reading", "inputs")
    try:
        replay = Replay.from_bytes(data)
    except ReplayError as exc:
        assert isinstance(exc.offset, int)
        count("fuzzing: .osr reading", "ReplayError")
        return
    count("fuzzing: .osr reading", "replays")
    out = replay.to_bytes()
    assert out == data or Replay.from_bytes(out).to_bytes() == out


_FUZZ = settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])


@_FUZZ
@given(st.binary(max_size=400))
def test_fuzz_random_bytes(data: bytes) -> None:
    _read_or_replay_error(data)


@_FUZZ
@given(
    st.sampled_from([_FUZZ_BASE, _FUZZ_STABLE]),
    st.lists(st.tuples(st.integers(0, 10**6), st.integers(1, 255)), min_size=1, max_size=8),
)
def test_fuzz_byte_flips(base: bytes, flips: list[tuple[int, int]]) -> None:
    data = bytearray(base)
    for pos, xor in flips:
        data[pos % len(data)] ^= xor
    _read_or_replay_error(bytes(data))


@_FUZZ
@given(st.sampled_from([_FUZZ_BASE, _FUZZ_STABLE]), st.integers(0, 10**6), st.binary(max_size=30))
def test_fuzz_truncate_and_append(base: bytes, cut: int, tail: bytes) -> None:
    _read_or_replay_error(base[: cut % (len(base) + 1)] + tail)


@_FUZZ
@given(st.binary(max_size=200))
def test_fuzz_frame_text_and_lzma(data: bytes) -> None:
    fns: list[Callable[[bytes], object]] = [parse_frames, decompress_frames, Replay.frames_from_lzma]
    for fn in fns:
        try:
            fn(data)
        except ReplayError:
            pass


@_FUZZ
@given(st.text(max_size=200))
def test_fuzz_frames_from_base64_text(text: str) -> None:
    try:
        Replay.frames_from_lzma(text)
    except ReplayError:
        pass


# ------------------------------------------------------------------------------- mods


@pytest.mark.skipif(not HAS_MODS, reason="osukit.game.mods not written yet")
def test_mods_from_legacy_bits_and_from_lazer_block() -> None:
    stable = _replay(legacy_mods=72)
    assert stable.mods.legacy == 72
    lazer = _replay(game_version=30000019, legacy_mods=72, extra=_lazer_extra())
    api = lazer.mods.to_api()
    acronyms = {m["acronym"] for m in api}
    assert acronyms == {"DT", "HD"}
    dt = next(m for m in api if m["acronym"] == "DT")
    assert dt.get("settings", {}).get("speed_change") == 1.3
