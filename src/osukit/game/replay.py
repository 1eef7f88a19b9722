"""Read and write osu! replays (``.osr`` files).

The format is the one osu!stable writes and osu!(lazer) still uses for
exported and server-stored replays. Field order, types and version gates follow
ppy/osu (``LegacyScoreEncoder`` / ``LegacyScoreDecoder``) and the osu! wiki page
"osr (file format)":

=====================  ==========================================================
type                   field
=====================  ==========================================================
byte                   ruleset (0 osu, 1 taiko, 2 fruits, 3 mania)
int32                  game version (``YYYYMMDD``; lazer writes ``30000000+``)
string                 beatmap MD5
string                 player name
string                 replay MD5
uint16 × 6             count 300 / 100 / 50 / geki / katu / miss
int32                  total score
uint16                 max combo
byte                   perfect (full combo) flag
int32                  legacy mods bitmask
string                 life bar graph (``time|hp,`` pairs)
int64                  timestamp in .NET ticks (100 ns since 0001-01-01 UTC)
int32 + bytes          LZMA ("alone" format) compressed frames ``w|x|y|z,``
int64 / int32 / none   online score id (int64 from 20140721, int32 from 20121008)
double                 target practice accuracy (stable only, when TP is set)
int32 + bytes          lazer extra data (version ≥ 30000001): LZMA-compressed
                       JSON of ``LegacyReplaySoloScoreInfo``
=====================  ==========================================================

Strings are a ``0x00`` byte (null) or a marker byte followed by a ULEB128 byte
length and UTF-8 text.

Reading never lets a low-level error escape: malformed or truncated input
raises [`ReplayError`][osukit.game.replay.ReplayError] (a `ValueError`) carrying the byte offset at
which the problem was found.
"""

from __future__ import annotations

import base64
import binascii
import enum
import lzma
import math
import os
import struct
from collections.abc import Mapping
from datetime import datetime, timedelta, timezone
from pathlib import Path
from typing import TYPE_CHECKING, Any, BinaryIO

import msgspec

from osukit._exceptions import InvalidParameterError, OsukitError
from osukit.enums import Ruleset

if TYPE_CHECKING:
    from osukit.game.mods import Mods

__all__ = [
    "CatchKeys",
    "LazerReplayData",
    "LifeBarPoint",
    "OsuKeys",
    "Replay",
    "ReplayError",
    "ReplayFrame",
    "TaikoKeys",
    "compress_frames",
    "decompress_frames",
    "format_frames",
    "parse_frames",
]

#: The ``w`` value of the frame that carries the RNG seed (``-12345|0|0|seed``).
RNG_SEED_MARKER = -12345
#: The first game version written by osu!(lazer).
FIRST_LAZER_VERSION = 30000000
#: Newest replay version written by osu!(lazer) at the time of writing (LATEST_VERSION).
LATEST_LAZER_VERSION = 30000019
_FIRST_EXTRA_DATA_VERSION = 30000001
_FIRST_INT64_SCORE_ID_VERSION = 20140721
_FIRST_INT32_SCORE_ID_VERSION = 20121008
_TARGET_PRACTICE = 1 << 23

#: Refuse to inflate one compressed block (frames, lazer data) beyond this many bytes: a defence
#: against LZMA bombs (a 30 KB block can claim gigabytes). Inflation is incremental, so memory
#: stays near this bound whatever the block claims. 32 MiB holds over a million frames (hours of
#: play); raise it (here, or per call with ``max_decompressed_size=``) for stranger files.
MAX_DECOMPRESSED_SIZE = 32 * 1024 * 1024
#: Refuse a frame stream with more frames than this (about 4.5 hours at 60 frames a second),
#: counted before any frame is built; per call with ``max_frames=``.
MAX_FRAMES = 1_000_000
_INFLATE_CHUNK = 1 << 20

_EPOCH = datetime(1, 1, 1, tzinfo=timezone.utc)
_MAX_TICKS = 3155378975999999999  # DateTime.MaxValue.Ticks
_STRING_MARKER = 0x0B

_U8 = struct.Struct("<B")
_U16 = struct.Struct("<H")
_I32 = struct.Struct("<i")
_U32 = struct.Struct("<I")
_I64 = struct.Struct("<q")
_F64 = struct.Struct("<d")
_COUNTS = struct.Struct("<6H")
_SCORE_BLOCK = struct.Struct("<iHBI")  # total score, max combo, perfect, mods

# Bytes a frame stream may contain for the fast (JSON-based) frame parser.
_FAST_FRAME_CHARS = b"0123456789-.eE+|,"


class ReplayError(OsukitError, ValueError):
    """A replay could not be read: malformed, truncated or inconsistent data.

    Attributes:
        offset: the byte offset (in the ``.osr`` data, or in the decompressed
            frame text for frame errors) where the problem was found.
    """

    def __init__(self, message: str, offset: int) -> None:
        self.offset = offset
        self.reason = message
        super().__init__(f"{message} (at byte offset {offset})")

    def __reduce__(self) -> tuple[Any, ...]:
        return (type(self), (self.reason, self.offset))


# --------------------------------------------------------------------------- keys


class OsuKeys(enum.IntFlag):
    """Buttons held in an osu! frame (the ``z`` bitmask).

    ``K1`` is always sent together with ``M1`` and ``K2`` with ``M2``.
    """

    NONE = 0
    M1 = 1
    M2 = 2
    K1 = 4
    K2 = 8
    SMOKE = 16


class TaikoKeys(enum.IntFlag):
    """Drum hits held in an osu!taiko frame (the ``z`` bitmask).

    Centre hits are "don", rim hits are "kat".
    """

    NONE = 0
    LEFT_DON = 1
    LEFT_KAT = 2
    RIGHT_DON = 4
    RIGHT_KAT = 8


class CatchKeys(enum.IntFlag):
    """Buttons held in an osu!catch frame: only dashing is recorded (movement is ``x``)."""

    NONE = 0
    DASH = 1


# ------------------------------------------------------------------------- structs


class ReplayFrame(msgspec.Struct, array_like=True, gc=False):
    """One input frame of a replay.

    Attributes:
        w: milliseconds since the previous frame (may be negative in the first
            frames stable writes). This is what is written back to a file.
        x: cursor x (osu! playfield 0–512); the catcher position in osu!catch;
            the bitmask of held columns in osu!mania.
        y: cursor y (0–384); unused in taiko, catch and mania.
        keys: the raw ``z`` bitmask; read it per ruleset with [`osu_keys`][osukit.game.replay.ReplayFrame.osu_keys],
            [`taiko_keys`][osukit.game.replay.ReplayFrame.taiko_keys], [`dash`][osukit.game.replay.ReplayFrame.dash] or [`mania_columns`][osukit.game.replay.ReplayFrame.mania_columns].
        time: absolute time in ms (the running sum of ``w``, seed frame
            excluded), filled in when frames are parsed. Not written: ``w`` is.
    """

    w: int
    x: float
    y: float
    keys: int
    time: int = 0

    @property
    def osu_keys(self) -> OsuKeys:
        """The held osu! buttons (``M1``, ``M2``, ``K1``, ``K2``, ``SMOKE``)."""
        return OsuKeys(self.keys & 31)

    @property
    def taiko_keys(self) -> TaikoKeys:
        """The held osu!taiko drums (left/right don and kat)."""
        return TaikoKeys(self.keys & 15)

    @property
    def dash(self) -> bool:
        """Whether the catcher is dashing (osu!catch)."""
        return bool(self.keys & 1)

    @property
    def mania_columns(self) -> list[int]:
        """The held osu!mania columns, 0-based, from the bitmask stored in ``x``."""
        bits = int(self.x) if math.isfinite(self.x) and self.x > 0 else 0
        columns = []
        column = 0
        while bits:
            if bits & 1:
                columns.append(column)
            bits >>= 1
            column += 1
        return columns


class LifeBarPoint(msgspec.Struct, frozen=True, array_like=True):
    """One point of the life bar graph: ``hp`` (0–1) at ``time`` ms."""

    time: int
    hp: float


_EXTRA_FIELDS = (
    "online_id",
    "mods",
    "statistics",
    "maximum_statistics",
    "client_version",
    "rank",
    "user_id",
    "total_score_without_mods",
    "pauses",
)


class LazerReplayData(msgspec.Struct, kw_only=True):
    """The lazer extra data block of replays with version ≥ 30000001.

    Mirrors ppy/osu's ``LegacyReplaySoloScoreInfo``. Keys osu! may add later are
    kept in [`other`][osukit.game.replay.LazerReplayData.other] and written back.

    Attributes:
        online_id: the lazer (``solo_scores``) score id, -1 when none.
        mods: lazer mods as the API spells them
            (``[{"acronym": "DT", "settings": {"speed_change": 1.3}}]``).
        statistics: judgement counts by lazer name (``great``, ``ok``, ``miss`` …).
        maximum_statistics: the maximum possible judgement counts.
        client_version: the client build that set the score.
        rank: the grade (``"XH"``, ``"S"``, ``"A"`` …) or None.
        user_id: the player's user id, -1 when unknown.
        total_score_without_mods: the standardised score before mod multipliers.
        pauses: times (ms) at which the player paused.
        other: any keys this version of osukit does not know.
    """

    online_id: int = -1
    mods: list[dict[str, Any]] = msgspec.field(default_factory=list)
    statistics: dict[str, int] = msgspec.field(default_factory=dict)
    maximum_statistics: dict[str, int] = msgspec.field(default_factory=dict)
    client_version: str = ""
    rank: str | None = None
    user_id: int = -1
    total_score_without_mods: int | None = None
    pauses: list[int] = msgspec.field(default_factory=list)
    other: dict[str, Any] = msgspec.field(default_factory=dict)

    def to_json(self) -> bytes:
        """The JSON text stored (compressed) in the replay."""
        body: dict[str, Any] = {name: getattr(self, name) for name in _EXTRA_FIELDS}
        for key, value in self.other.items():
            body.setdefault(key, value)
        return msgspec.json.encode(body)

    @classmethod
    def from_json(cls, data: bytes | str) -> LazerReplayData:
        """Decode the JSON text of the extra data block.

        Raises:
            msgspec.DecodeError, msgspec.ValidationError: when it is not the
                expected JSON object (the replay reader turns these into
                [`ReplayError`][osukit.game.replay.ReplayError]).
        """
        try:
            raw = msgspec.json.decode(data)
        except RecursionError:
            raise msgspec.DecodeError("lazer replay data is nested too deeply") from None
        if not isinstance(raw, dict):
            raise msgspec.ValidationError("lazer replay data is not a JSON object")
        known = {k: v for k, v in raw.items() if k in _EXTRA_FIELDS}
        other = {k: v for k, v in raw.items() if k not in _EXTRA_FIELDS}
        # Newtonsoft writes null for absent optional values; treat it as the default.
        known = {k: v for k, v in known.items() if v is not None or k in ("rank", "total_score_without_mods")}
        result = msgspec.convert(known, cls)
        result.other = other
        return result


class _OsrSource:
    """What a parsed file looked like, so unchanged parts are written back byte for byte."""

    __slots__ = (
        "extra_blob",
        "extra_json",
        "frames_blob",
        "frames_text",
        "null_strings",
        "perfect_byte",
        "ticks",
        "trailing",
    )

    def __init__(self) -> None:
        self.frames_text: bytes | None = None
        self.frames_blob: bytes | None = None
        self.extra_json: bytes | None = None
        self.extra_blob: bytes | None = None
        self.null_strings: frozenset[str] = frozenset()
        self.perfect_byte = 0
        self.ticks = 0
        self.trailing = b""


class Replay(msgspec.Struct, kw_only=True, dict=True):
    """An osu! replay: the score header, the input frames and the lazer extras.

    Build one with [`parse`][osukit.game.replay.Replay.parse] (path, bytes or file-like data),
    [`from_bytes`][osukit.game.replay.Replay.from_bytes] or [`from_file`][osukit.game.replay.Replay.from_file]; write it with [`to_bytes`][osukit.game.replay.Replay.to_bytes] or
    [`write`][osukit.game.replay.Replay.write]. Writing then reading gives an equal replay, and a replay
    osukit wrote is written back byte for byte. A replay read from a file
    remembers the original compressed blocks, timestamp ticks and null strings,
    and reuses them while the frames / extra data are unchanged, so osu!stable
    files usually come back byte for byte too.

    Attributes:
        ruleset: the game mode.
        game_version: the client version (``YYYYMMDD``; lazer uses ``30000000+``).
        beatmap_md5: MD5 of the ``.osu`` file played.
        username: the player's name.
        replay_md5: the replay checksum stored by the client.
        count_300, count_100, count_50, count_geki, count_katu, count_miss:
            legacy judgement counts (their meaning depends on the ruleset).
        total_score: the score shown on the results screen.
        max_combo: the highest combo reached.
        perfect: the legacy full-combo flag.
        legacy_mods: the raw legacy mods bitmask (see [`mods`][osukit.game.replay.Replay.mods]).
        life_bar: the life bar graph.
        timestamp: when the score was set (aware, UTC). .NET ticks are kept to
            the microsecond.
        frames: the input frames as stored, without the RNG seed frame.
            Stable's leading ``(256, -500)`` frames and negative deltas are
            kept (osu! drops or clamps them when playing back), so writing
            gives the same frames back.
        rng_seed: the seed from the ``-12345|0|0|seed`` frame, or None.
        score_id: the online (legacy) score id; 0 when none; None when the
            game version predates the field.
        target_practice_accuracy: total accuracy of all hits (Target Practice,
            stable only), or None.
        extra: the lazer extra data block, or None for older replays.
    """

    ruleset: Ruleset
    game_version: int
    beatmap_md5: str = ""
    username: str = ""
    replay_md5: str = ""
    count_300: int = 0
    count_100: int = 0
    count_50: int = 0
    count_geki: int = 0
    count_katu: int = 0
    count_miss: int = 0
    total_score: int = 0
    max_combo: int = 0
    perfect: bool = False
    legacy_mods: int = 0
    life_bar: list[LifeBarPoint] = msgspec.field(default_factory=list)
    timestamp: datetime = _EPOCH
    frames: list[ReplayFrame] = msgspec.field(default_factory=list)
    rng_seed: int | None = None
    score_id: int | None = 0
    target_practice_accuracy: float | None = None
    extra: LazerReplayData | None = None

    def __post_init__(self) -> None:
        if not isinstance(self.ruleset, Ruleset) or not self.ruleset.is_known:
            try:
                self.ruleset = Ruleset.parse(self.ruleset)
            except ValueError:
                raise InvalidParameterError(f"unknown ruleset {self.ruleset!r}") from None

    def __repr__(self) -> str:
        return (
            f"Replay(ruleset={str(self.ruleset)!r}, username={self.username!r}, "
            f"beatmap_md5={self.beatmap_md5!r}, game_version={self.game_version}, "
            f"total_score={self.total_score}, max_combo={self.max_combo}, legacy_mods={self.legacy_mods}, "
            f"timestamp={self.timestamp.isoformat()!r}, frames=<{len(self.frames)} frames>, "
            f"score_id={self.score_id}, extra={'yes' if self.extra is not None else None})"
        )

    # ------------------------------------------------------------------ reading

    @classmethod
    def parse(
        cls,
        source: bytes | bytearray | memoryview | str | os.PathLike[str] | BinaryIO,
        *,
        max_decompressed_size: int | None = None,
        max_frames: int | None = None,
    ) -> Replay:
        """Read a replay from ``.osr`` bytes, a path (``str`` or ``PathLike``) or a binary file object.

        ``client.scores.download(...)`` returns ``.osr`` bytes that go straight
        in here.

        Memory is bounded whatever the file claims: each compressed block inflates to at most
        ``max_decompressed_size`` bytes (default `MAX_DECOMPRESSED_SIZE`, 32 MiB) and the
        frame stream may hold at most ``max_frames`` frames (default `MAX_FRAMES`,
        1,000,000); beyond either, `ReplayError` is raised before the memory is spent.

        Raises:
            ReplayError: the data is not a valid replay, or exceeds a limit.
            OSError: the file could not be read.
        """
        limits = {"max_decompressed_size": max_decompressed_size, "max_frames": max_frames}
        if isinstance(source, (bytes, bytearray, memoryview)):
            return cls.from_bytes(source, **limits)
        if isinstance(source, (str, os.PathLike)):
            return cls.from_file(source, **limits)
        data = source.read()
        if not isinstance(data, (bytes, bytearray)):
            raise InvalidParameterError("Replay.parse needs a binary file object (opened with 'rb')")
        return cls.from_bytes(data, **limits)

    @classmethod
    def from_file(
        cls, path: str | os.PathLike[str], *, max_decompressed_size: int | None = None, max_frames: int | None = None
    ) -> Replay:
        """Read a ``.osr`` file (limits as in `parse`).

        Raises:
            ReplayError: the file is not a valid replay, or exceeds a limit.
            OSError: the file could not be read.
        """
        return cls.from_bytes(
            Path(path).read_bytes(), max_decompressed_size=max_decompressed_size, max_frames=max_frames
        )

    @classmethod
    def from_bytes(
        cls, data: bytes | bytearray | memoryview, *, max_decompressed_size: int | None = None,
        max_frames: int | None = None,
    ) -> Replay:
        """Read a replay from the bytes of a ``.osr`` file (limits as in `parse`).

        Raises:
            ReplayError: the data is malformed or truncated (with the offset), or exceeds a limit.
        """
        return _read_replay(bytes(data), max_size=max_decompressed_size, max_frames=max_frames)

    @staticmethod
    def frames_from_lzma(
        data: bytes | bytearray | memoryview | str | Mapping[str, Any],
        *,
        max_decompressed_size: int | None = None,
        max_frames: int | None = None,
    ) -> tuple[list[ReplayFrame], int | None]:
        """Decode a compressed frame stream on its own, e.g. API v1 ``get_replay``.

        Accepts the raw LZMA bytes, their base64 text, or the v1 response itself
        (``{"content": "<base64>", "encoding": "base64"}``).

        Returns:
            ``(frames, rng_seed)``.

        Raises:
            ReplayError: the data is not a valid compressed frame stream.
        """
        raw: bytes
        if isinstance(data, Mapping):
            content = data.get("content")
            if not isinstance(content, (str, bytes)):
                raise ReplayError("the v1 replay response has no 'content'", 0)
            encoding = data.get("encoding", "base64")
            if encoding != "base64":
                raise ReplayError(f"unsupported v1 replay encoding {encoding!r}", 0)
            data = content
        if isinstance(data, str):
            try:
                raw = base64.b64decode(data, validate=False)
            except (binascii.Error, ValueError) as exc:
                raise ReplayError(f"invalid base64 replay content: {exc}", 0) from None
        else:
            raw = bytes(data)
        return parse_frames(decompress_frames(raw, max_size=max_decompressed_size), max_frames=max_frames)

    # ------------------------------------------------------------------ writing

    def to_bytes(self) -> bytes:
        """Encode this replay as ``.osr`` bytes.

        Raises:
            ValueError: a field does not fit its binary type (e.g. a count
                above 65535).
        """
        return _write_replay(self)

    def write(self, path: str | os.PathLike[str]) -> None:
        """Write this replay to a ``.osr`` file."""
        Path(path).write_bytes(self.to_bytes())

    # ------------------------------------------------------------------ helpers

    @property
    def mods(self) -> Mods:
        """The mods as a [`Mods`][osukit.game.mods.Mods].

        Lazer replays take them (with settings) from the extra data block;
        older replays from `legacy_mods` (no ``CL`` is added: a stable
        replay is a classic score by definition, see [`is_lazer`][osukit.game.replay.Replay.is_lazer]).
        Mods this osukit version does not know are kept as read rather than
        rejected; the unused bit 31 of the bitmask is ignored.

        Raises:
            osukit.game.mods.ModError: the bitmask is impossible (e.g. EZ with HR).
        """
        from osukit.game.mods import ModError, Mods

        if self.extra is not None and self.extra.mods:
            try:
                return Mods.parse(self.extra.mods, ruleset=self.ruleset)
            except ModError:
                return Mods._from_json(self.extra.mods)
        bits = self.legacy_mods & 0x7FFFFFFF  # bit 31 is no mod
        try:
            return Mods.from_legacy(bits, ruleset=self.ruleset)
        except ModError:
            return Mods.from_legacy(bits)

    @property
    def is_lazer(self) -> bool:
        """True when osu!(lazer) wrote this replay (version ≥ 30000000)."""
        return self.game_version >= FIRST_LAZER_VERSION

    @property
    def ticks(self) -> int:
        """`timestamp` as .NET ticks (100 ns units since 0001-01-01 UTC)."""
        return _datetime_to_ticks(self.timestamp)

    def playback_frames(self) -> list[ReplayFrame]:
        """The frames as osu! plays them back (copies; `frames` is left as stored).

        Like osu!'s replay reader: the first frames' times are repaired the way
        stable does, stable's two leading ``(256, -500)`` frames are dropped,
        and a frame earlier than the previous one is skipped (time never goes
        backwards). The early-beatmap-version timing offset is not applied
        (it needs the beatmap).
        """
        frames = [ReplayFrame(f.w, f.x, f.y, f.keys, f.time) for f in self.frames]
        if len(frames) >= 2 and frames[1].time < frames[0].time:
            frames[1].time = frames[0].time
            frames[0].time = 0
        if len(frames) >= 3 and frames[0].time > frames[2].time:
            frames[0].time = frames[1].time = frames[2].time
        if len(frames) >= 2 and (frames[1].x, frames[1].y) == (256.0, -500.0):
            del frames[1]
        if frames and (frames[0].x, frames[0].y) == (256.0, -500.0):
            del frames[0]
        out: list[ReplayFrame] = []
        for frame in frames:
            if out and frame.time < out[-1].time:
                continue
            out.append(frame)
        return out

    def cursor_positions(self, *, playback: bool = True) -> list[tuple[int, float, float]]:
        """``(time, x, y)`` per frame: the cursor path (osu!) or catcher path (catch).

        With ``playback`` (the default) the frames are [`playback_frames`][osukit.game.replay.Replay.playback_frames];
        otherwise every stored frame.
        """
        frames = self.playback_frames() if playback else self.frames
        return [(f.time, f.x, f.y) for f in frames]

    def key_states(self, *, playback: bool = True) -> list[tuple[int, Any]]:
        """``(time, keys)`` per frame, keys read for this replay's ruleset.

        Keys are `OsuKeys` (osu), `TaikoKeys` (taiko),
        `CatchKeys` (fruits) or a list of held columns (mania).
        ``playback`` as in [`cursor_positions`][osukit.game.replay.Replay.cursor_positions].
        """
        frames = self.playback_frames() if playback else self.frames
        if self.ruleset is Ruleset.MANIA:
            return [(f.time, f.mania_columns) for f in frames]
        if self.ruleset is Ruleset.TAIKO:
            return [(f.time, TaikoKeys(f.keys & 15)) for f in frames]
        if self.ruleset is Ruleset.FRUITS:
            return [(f.time, CatchKeys(f.keys & 1)) for f in frames]
        return [(f.time, OsuKeys(f.keys & 31)) for f in frames]


# =============================================================================
# frames


def decompress_frames(
    data: bytes | bytearray | memoryview, *, offset: int = 0, max_size: int | None = None
) -> bytes:
    """Inflate an LZMA ("alone" format) block, as used for frames and lazer data.

    ``offset`` is only used in error messages (where the block starts in the file). The block is
    inflated a megabyte at a time and refused as soon as it passes ``max_size`` bytes (default
    `MAX_DECOMPRESSED_SIZE`), so memory stays bounded whatever the block claims; the LZMA
    dictionary is limited too (``memlimit``).

    Raises:
        ReplayError: the block is not valid LZMA, is truncated, or inflates beyond the limit.
    """
    limit = MAX_DECOMPRESSED_SIZE if max_size is None else max_size
    raw = bytes(data)
    if not raw:
        return b""
    if len(raw) < 13:
        raise ReplayError(f"LZMA block too short ({len(raw)} bytes, header needs 13)", offset)
    decompressor = lzma.LZMADecompressor(format=lzma.FORMAT_ALONE, memlimit=256 << 20)
    out = bytearray()
    pending = raw
    try:
        while not decompressor.eof:
            chunk = decompressor.decompress(pending, max_length=min(_INFLATE_CHUNK, limit + 1 - len(out)))
            pending = b""
            out += chunk
            if len(out) > limit:
                raise ReplayError(
                    f"LZMA data inflates beyond {limit} bytes (max_decompressed_size; raise it for a "
                    "legitimately huge replay)", offset
                )
            if not chunk and decompressor.needs_input:
                raise ReplayError("LZMA data is truncated", offset + len(raw))
    except (lzma.LZMAError, MemoryError, EOFError) as exc:
        raise ReplayError(f"invalid LZMA data: {exc}", offset) from None
    return bytes(out)


def compress_frames(data: bytes) -> bytes:
    """Compress a block the way ``.osr`` files store it (LZMA "alone" format).

    The output is deterministic, so a replay osukit wrote is written back
    byte for byte.
    """
    if not data:
        return b""
    return lzma.compress(
        data,
        format=lzma.FORMAT_ALONE,
        filters=[{"id": lzma.FILTER_LZMA1, "preset": 6, "dict_size": 1 << 21}],
    )


def _fmt_float(value: float) -> str:
    value = float(value)
    if value.is_integer() and -1e15 < value < 1e15:
        return str(int(value))
    if not math.isfinite(value):
        raise InvalidParameterError(f"cannot write a non-finite number ({value!r}) to a replay")
    return repr(value)


def format_frames(frames: list[ReplayFrame], rng_seed: int | None = None) -> bytes:
    """The uncompressed frame text: ``w|x|y|z,`` for every frame, then the seed frame.

    Every frame (including the seed frame) ends with a comma, as osu!stable
    writes it. Whole numbers are written without a fraction (``256``), others
    in the shortest form that reads back exactly.

    Raises:
        ValueError: a coordinate is NaN or infinite.
    """
    fmt = _fmt_float
    parts = [f"{f.w}|{fmt(f.x)}|{fmt(f.y)}|{f.keys}," for f in frames]
    if rng_seed is not None:
        parts.append(f"{RNG_SEED_MARKER}|0|0|{rng_seed},")
    return "".join(parts).encode("ascii")


_FRAMES_DECODER = msgspec.json.Decoder(list[ReplayFrame])


def parse_frames(text: bytes | str, *, max_frames: int | None = None) -> tuple[list[ReplayFrame], int | None]:
    """Parse uncompressed frame text (``w|x|y|z,`` …) into frames and the RNG seed.

    Follows osu!'s reader: pieces with fewer than four fields are skipped, a
    fractional ``w`` is rounded, the ``-12345|0|0|seed`` frame becomes the
    seed. Absolute [`ReplayFrame.time`][osukit.game.replay.ReplayFrame.time] is the running sum of ``w``.

    At most ``max_frames`` pieces (default `MAX_FRAMES`) are accepted, counted before any
    frame is built.

    Raises:
        ReplayError: a field is not a number (offset into the text), or too many frames.
    """
    body = text.encode("utf-8", "surrogatepass") if isinstance(text, str) else bytes(text)
    if body.endswith(b","):
        body = body[:-1]
    if not body:
        return [], None
    limit = MAX_FRAMES if max_frames is None else max_frames
    pieces = body.count(b",") + 1
    if pieces > limit:
        raise ReplayError(f"the frame stream holds {pieces} frames, over max_frames={limit}", 0)
    frames: list[ReplayFrame] | None = None
    if not body.translate(None, _FAST_FRAME_CHARS):
        # Only digits, signs, dots, exponents and separators: the text is a JSON
        # array of arrays once the separators are swapped; msgspec builds the
        # frames in C. Anything it rejects goes through the exact parser below.
        try:
            wrapped = body.replace(b",", b"],[")
            wrapped = b"[[" + wrapped.replace(b"|", b",") + b"]]"
            frames = _FRAMES_DECODER.decode(wrapped)
            del wrapped
        except (msgspec.DecodeError, msgspec.ValidationError):
            frames = None
    if frames is None:
        frames = _parse_frames_slow(body)

    seed: int | None = None
    marker = b"-12345|"
    count = body.count(marker)
    if count == 1 and frames and frames[-1].w == RNG_SEED_MARKER:
        seed = frames.pop().keys
    elif count:
        kept = []
        for frame in frames:
            if frame.w == RNG_SEED_MARKER:
                seed = frame.keys
            else:
                kept.append(frame)
        frames = kept
    t = 0
    for frame in frames:
        t += frame.w
        frame.time = t
    return frames, seed


def _parse_frames_slow(body: bytes) -> list[ReplayFrame]:
    try:
        text = body.decode("ascii")
    except UnicodeDecodeError as exc:
        raise ReplayError("frame text is not ASCII", exc.start) from None
    frames: list[ReplayFrame] = []
    pos = 0
    for piece in text.split(","):
        fields = piece.split("|")
        if len(fields) >= 4:
            try:
                sw = fields[0].strip()
                try:
                    w = int(sw)
                except ValueError:
                    wf = float(sw)
                    if not math.isfinite(wf):
                        raise ValueError(sw) from None
                    w = round(wf)
                x = float(fields[1])
                y = float(fields[2])
                keys = int(fields[3])
                if not (math.isfinite(x) and math.isfinite(y)):
                    raise ValueError("non-finite coordinate")
            except (ValueError, OverflowError):
                raise ReplayError(f"invalid replay frame {piece[:60]!r}", pos) from None
            frames.append(ReplayFrame(w, x, y, keys))
        pos += len(piece) + 1
    return frames


# =============================================================================
# binary reader


class _Reader:
    __slots__ = ("data", "pos", "size")

    def __init__(self, data: bytes) -> None:
        self.data = data
        self.pos = 0
        self.size = len(data)

    def need(self, n: int, what: str) -> None:
        if self.size - self.pos < n:
            raise ReplayError(
                f"truncated replay: {what} needs {n} bytes, {self.size - self.pos} left", self.pos
            )

    def unpack(self, st: struct.Struct, what: str) -> tuple[Any, ...]:
        self.need(st.size, what)
        values = st.unpack_from(self.data, self.pos)
        self.pos += st.size
        return values

    def string(self, what: str, nulls: list[str] | None = None, name: str = "") -> str:
        start = self.pos
        self.need(1, what)
        marker = self.data[self.pos]
        self.pos += 1
        if marker == 0:
            if nulls is not None:
                nulls.append(name)
            return ""
        length = 0
        shift = 0
        while True:
            self.need(1, f"{what} length")
            byte = self.data[self.pos]
            self.pos += 1
            length |= (byte & 0x7F) << shift
            if not byte & 0x80:
                break
            shift += 7
            if shift >= 35:
                raise ReplayError(f"{what}: string length prefix is too long", start)
        if length > self.size - self.pos:
            raise ReplayError(
                f"truncated replay: {what} claims {length} bytes, {self.size - self.pos} left", start
            )
        raw = self.data[self.pos : self.pos + length]
        try:
            text = raw.decode("utf-8")
        except UnicodeDecodeError as exc:
            raise ReplayError(f"{what} is not valid UTF-8", self.pos + exc.start) from None
        self.pos += length
        return text

    def byte_array(self, what: str) -> tuple[bytes | None, int]:
        (length,) = self.unpack(_I32, f"{what} length")
        start = self.pos
        if length < 0:
            return None, start
        if length > self.size - self.pos:
            raise ReplayError(
                f"truncated replay: {what} claims {length} bytes, {self.size - self.pos} left", start - 4
            )
        raw = self.data[self.pos : self.pos + length]
        self.pos += length
        return raw, start


def _ticks_to_datetime(ticks: int, offset: int) -> datetime:
    if ticks < 0 or ticks > _MAX_TICKS:
        raise ReplayError(f"timestamp ticks {ticks} out of range", offset)
    return _EPOCH + timedelta(microseconds=ticks // 10)


def _datetime_to_ticks(value: datetime) -> int:
    if value.tzinfo is None:
        value = value.replace(tzinfo=timezone.utc)
    delta = value - _EPOCH
    return (delta.days * 86_400 + delta.seconds) * 10_000_000 + delta.microseconds * 10


def _parse_life_bar(text: str, offset: int) -> list[LifeBarPoint]:
    points: list[LifeBarPoint] = []
    for piece in text.split(","):
        if not piece:
            continue
        fields = piece.split("|")
        if len(fields) < 2:
            continue
        try:
            st = fields[0].strip()
            try:
                time = int(st)
            except ValueError:
                tf = float(st)
                if not math.isfinite(tf):
                    raise ValueError(st) from None
                time = round(tf)
            hp = float(fields[1])
            if not math.isfinite(hp):
                raise ValueError(fields[1])
        except (ValueError, OverflowError):
            raise ReplayError(f"invalid life bar point {piece[:60]!r}", offset) from None
        points.append(LifeBarPoint(time, hp))
    return points


def _format_life_bar(points: list[LifeBarPoint]) -> str:
    return "".join(f"{p.time}|{_fmt_float(p.hp)}," for p in points)


def _read_replay(data: bytes, *, max_size: int | None = None, max_frames: int | None = None) -> Replay:
    r = _Reader(data)
    source = _OsrSource()
    nulls: list[str] = []
    (ruleset_id,) = r.unpack(_U8, "ruleset")
    try:
        ruleset = Ruleset.from_id(ruleset_id)
    except ValueError:
        raise ReplayError(f"unknown ruleset id {ruleset_id}", 0) from None
    (version,) = r.unpack(_I32, "game version")
    beatmap_md5 = r.string("beatmap MD5", nulls, "beatmap_md5")
    username = r.string("player name", nulls, "username")
    replay_md5 = r.string("replay MD5", nulls, "replay_md5")
    c300, c100, c50, geki, katu, miss = r.unpack(_COUNTS, "hit counts")
    total_score, max_combo, perfect, mods = r.unpack(_SCORE_BLOCK, "score, combo and mods")
    life_offset = r.pos
    life_bar = _parse_life_bar(r.string("life bar graph", nulls, "life_bar"), life_offset)
    ticks_offset = r.pos
    (ticks,) = r.unpack(_I64, "timestamp")
    timestamp = _ticks_to_datetime(ticks, ticks_offset)
    compressed, frames_offset = r.byte_array("replay frames")

    score_id: int | None = None
    if version >= _FIRST_INT64_SCORE_ID_VERSION:
        (score_id,) = r.unpack(_I64, "online score id")
    elif version >= _FIRST_INT32_SCORE_ID_VERSION:
        (score_id,) = r.unpack(_I32, "online score id")

    tp_accuracy: float | None = None
    if mods & _TARGET_PRACTICE and version < FIRST_LAZER_VERSION:
        (tp_accuracy,) = r.unpack(_F64, "target practice accuracy")

    extra: LazerReplayData | None = None
    if version >= _FIRST_EXTRA_DATA_VERSION:
        blob, extra_offset = r.byte_array("lazer score data")
        source.extra_blob = blob
        if blob:
            text = decompress_frames(blob, offset=extra_offset, max_size=max_size)
            try:
                extra = LazerReplayData.from_json(text)
            except (msgspec.DecodeError, msgspec.ValidationError) as exc:
                raise ReplayError(f"invalid lazer score data: {exc}", extra_offset) from None
            source.extra_json = extra.to_json()  # canonical form, to notice later edits

    frames: list[ReplayFrame] = []
    seed: int | None = None
    source.frames_blob = compressed
    if compressed:
        text = decompress_frames(compressed, offset=frames_offset, max_size=max_size)
        source.frames_text = text
        try:
            frames, seed = parse_frames(text, max_frames=max_frames)
        except ReplayError as exc:
            raise ReplayError(
                f"replay frames: {exc.reason} (at byte {exc.offset} of the decompressed text)", frames_offset
            ) from None

    replay = Replay(
        ruleset=ruleset,
        game_version=version,
        beatmap_md5=beatmap_md5,
        username=username,
        replay_md5=replay_md5,
        count_300=c300,
        count_100=c100,
        count_50=c50,
        count_geki=geki,
        count_katu=katu,
        count_miss=miss,
        total_score=total_score,
        max_combo=max_combo,
        perfect=bool(perfect),
        legacy_mods=mods,
        life_bar=life_bar,
        timestamp=timestamp,
        frames=frames,
        rng_seed=seed,
        score_id=score_id,
        target_practice_accuracy=tp_accuracy,
        extra=extra,
    )
    source.null_strings = frozenset(nulls)
    source.perfect_byte = perfect
    source.ticks = ticks
    source.trailing = data[r.pos :]  # osu! ignores bytes after the last field; keep them for rewriting
    replay.__dict__["_osr_source"] = source
    return replay


# =============================================================================
# binary writer


def _string(value: str | None) -> bytes:
    if value is None:
        return b"\x00"
    raw = value.encode("utf-8")
    n = len(raw)
    prefix = bytearray([_STRING_MARKER])
    while True:
        byte = n & 0x7F
        n >>= 7
        if n:
            prefix.append(byte | 0x80)
        else:
            prefix.append(byte)
            break
    return bytes(prefix) + raw


def _byte_array(value: bytes) -> bytes:
    return _I32.pack(len(value)) + value


def _write_replay(replay: Replay) -> bytes:
    version = replay.game_version
    source: _OsrSource | None = replay.__dict__.get("_osr_source")
    nulls = source.null_strings if source is not None else frozenset()

    def text(name: str, value: str) -> bytes:
        return b"\x00" if not value and name in nulls else _string(value)

    perfect = int(bool(replay.perfect))
    if source is not None and bool(source.perfect_byte) == bool(replay.perfect):
        perfect = source.perfect_byte
    ticks = _datetime_to_ticks(replay.timestamp)
    if source is not None and source.ticks // 10 == ticks // 10:
        ticks = source.ticks
    try:
        out = [
            _U8.pack(Ruleset.parse(replay.ruleset).id),
            _I32.pack(version),
            text("beatmap_md5", replay.beatmap_md5),
            text("username", replay.username),
            text("replay_md5", replay.replay_md5),
            _COUNTS.pack(
                replay.count_300,
                replay.count_100,
                replay.count_50,
                replay.count_geki,
                replay.count_katu,
                replay.count_miss,
            ),
            _SCORE_BLOCK.pack(replay.total_score, replay.max_combo, perfect, replay.legacy_mods),
            text("life_bar", _format_life_bar(replay.life_bar)),
            _I64.pack(ticks),
        ]
        if replay.frames or replay.rng_seed is not None:
            frames_text = format_frames(replay.frames, replay.rng_seed)
            # the original block decodes to the same frames if only the final comma differs
            if (
                source is not None
                and source.frames_blob
                and source.frames_text is not None
                and source.frames_text.rstrip(b",") == frames_text.rstrip(b",")
            ):
                out.append(_byte_array(source.frames_blob))
            else:
                out.append(_byte_array(compress_frames(frames_text)))
        elif source is not None and source.frames_blob is None:
            out.append(_I32.pack(-1))
        else:
            out.append(_I32.pack(0))
        if version >= _FIRST_INT64_SCORE_ID_VERSION:
            out.append(_I64.pack(replay.score_id or 0))
        elif version >= _FIRST_INT32_SCORE_ID_VERSION:
            out.append(_I32.pack(replay.score_id or 0))
        if replay.legacy_mods & _TARGET_PRACTICE and version < FIRST_LAZER_VERSION:
            out.append(_F64.pack(replay.target_practice_accuracy or 0.0))
        if version >= _FIRST_EXTRA_DATA_VERSION:
            if replay.extra is None:
                null = source is not None and source.extra_blob is None
                out.append(_I32.pack(-1 if null else 0))
            elif source is not None and source.extra_blob and source.extra_json == replay.extra.to_json():
                out.append(_byte_array(source.extra_blob))
            else:
                out.append(_byte_array(compress_frames(replay.extra.to_json())))
        if source is not None:
            out.append(source.trailing)
    except struct.error as exc:
        raise InvalidParameterError(f"cannot encode replay: {exc}") from None
    return b"".join(out)
