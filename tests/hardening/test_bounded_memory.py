"""``.osr`` reading has bounded memory: a few kilobytes that inflate to hundreds of megabytes, or
claim millions of frames, are refused with a ReplayError while the process stays small.

Peak memory is measured in a fresh subprocess (``resource.getrusage``), parse only.
"""

from __future__ import annotations

import json
import lzma
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest

from osukit.game.replay import (
    MAX_DECOMPRESSED_SIZE,
    MAX_FRAMES,
    Replay,
    ReplayError,
    ReplayFrame,
    compress_frames,
)

from .._figures import put

resource = pytest.importorskip("resource")

# Whole-process peak RSS (interpreter and osukit included, ~40 MB). Before the fix a 34 KB file
# claiming 240 MB of frames peaked at 4.6 GB; the budget is 20x under that.
PEAK_BUDGET_MB = 230


def _lzma_stream(piece: bytes, repeat: int) -> bytes:
    """An LZMA "alone" block of ``piece * repeat`` built without holding the inflated text."""
    comp = lzma.LZMACompressor(format=lzma.FORMAT_ALONE,
                               filters=[{"id": lzma.FILTER_LZMA1, "preset": 1, "dict_size": 1 << 20}])
    chunk = piece * max(1, (1 << 20) // len(piece))
    per = len(chunk) // len(piece)
    out = [comp.compress(chunk) for _ in range(repeat // per)]
    out.append(comp.compress(piece * (repeat % per)))
    out.append(comp.flush())
    return b"".join(out)


def _claim_dictionary(block: bytes, size: int) -> bytes:
    """An LZMA "alone" block whose header (props, dict size, length) claims a ``size`` dictionary."""
    return block[:1] + size.to_bytes(4, "little") + block[5:]


def _with_frames_block(blob: bytes, version: int = 20240101) -> bytes:
    base = Replay(ruleset="osu", game_version=version).to_bytes()  # type: ignore[arg-type]
    at = len(base) - 8 - 4  # frames length (I32 0), then the I64 score id
    assert base[at : at + 4] == b"\x00\x00\x00\x00"
    return base[:at] + len(blob).to_bytes(4, "little") + blob + base[at + 4 :]


def _with_extra_block(blob: bytes) -> bytes:
    base = Replay(ruleset="osu", game_version=30000019).to_bytes()  # type: ignore[arg-type]
    assert base.endswith(b"\x00\x00\x00\x00")
    return base[:-4] + len(blob).to_bytes(4, "little") + blob


@pytest.fixture(scope="module")
def bombs(tmp_path_factory: pytest.TempPathFactory) -> Iterator[dict[str, Path]]:
    root = tmp_path_factory.mktemp("bombs")
    files = {
        # 240 MB of "0|0|0|0," frames (the example, scaled): the size limit stops it
        "frames-240MB": _with_frames_block(_lzma_stream(b"0|0|0|0,", 30_000_000)),
        # 24 MB, under the size limit, but 3 million frames: the frame limit stops it
        "frames-3M": _with_frames_block(_lzma_stream(b"0|0|0|0,", 3_000_000)),
        # the lazer extra-data block inflating to 256 MB of spaces
        "extra-256MB": _with_extra_block(_lzma_stream(b" ", 256 << 20)),
        # a header claiming a 1.5 GB dictionary (patched in: building it for real would take 1.5 GB)
        "huge-dictionary": _with_frames_block(_claim_dictionary(compress_frames(b"0|0|0|0," * 100), 1536 << 20)),
    }
    paths = {}
    for name, data in files.items():
        paths[name] = root / f"{name}.osr"
        paths[name].write_bytes(data)
    yield paths


_PROBE = r"""
import json, resource, sys
from pathlib import Path
from osukit.game.replay import Replay, ReplayError

def peak_mb():
    # VmHWM is this process image's own high-water mark; ru_maxrss (the fallback off Linux) can
    # carry the parent's peak across fork+exec.
    try:
        for line in Path("/proc/self/status").read_text().splitlines():
            if line.startswith("VmHWM:"):
                return int(line.split()[1]) / 1024
    except OSError:
        pass
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024

data = Path(sys.argv[1]).read_bytes()
before = peak_mb()
try:
    Replay.from_bytes(data)
    outcome = "parsed"
except ReplayError as exc:
    outcome = "ReplayError: " + str(exc)
print(json.dumps({"outcome": outcome, "peak_mb": peak_mb(), "before_mb": before, "size": len(data)}))
"""


@pytest.mark.parametrize("name", ["frames-240MB", "frames-3M", "extra-256MB", "huge-dictionary"])
def test_bombs_are_refused_with_small_peak_memory(bombs: dict[str, Path], name: str) -> None:
    proc = subprocess.run([sys.executable, "-c", _PROBE, str(bombs[name])], capture_output=True, text=True,
                          timeout=300, check=True)
    result = json.loads(proc.stdout)
    assert result["outcome"].startswith("ReplayError"), result
    assert result["peak_mb"] < PEAK_BUDGET_MB, result
    put("bounded .osr memory", f"{name} ({result['size'] // 1024} KB): process peak MB",
        f"{result['peak_mb']:.0f} (before parsing {result['before_mb']:.0f})")


def test_limits_are_configurable_and_typed() -> None:
    frames = [ReplayFrame(16, 1.0, 2.0, 1) for _ in range(50)]
    data = Replay(ruleset="osu", game_version=20240101, frames=frames).to_bytes()  # type: ignore[arg-type]
    assert len(Replay.from_bytes(data).frames) == 50
    with pytest.raises(ReplayError, match="max_frames=10"):
        Replay.from_bytes(data, max_frames=10)
    with pytest.raises(ReplayError, match="inflates beyond 100 bytes"):
        Replay.parse(data, max_decompressed_size=100)
    assert len(Replay.parse(data, max_frames=50).frames) == 50
    block = compress_frames(b"0|0|0|0," * 1000)
    with pytest.raises(ReplayError):
        Replay.frames_from_lzma(block, max_frames=999)
    assert len(Replay.frames_from_lzma(block)[0]) == 1000
    assert MAX_DECOMPRESSED_SIZE == 32 * 1024 * 1024 and MAX_FRAMES == 1_000_000


def test_truncated_block_is_still_reported() -> None:
    block = compress_frames(b"1|2|3|4," * 5000)
    with pytest.raises(ReplayError, match=r"truncated|invalid LZMA"):
        Replay.frames_from_lzma(block[: len(block) // 2])
