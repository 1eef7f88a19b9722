"""Benchmark: osukit's ``.osr`` reader against osrparse on the same bytes, same run.

The replay is built from the real v1 ``get_replay`` capture in the shared corpus
(7,333 frames of a real play) wrapped in a stable-version ``.osr`` header, so
both parsers read exactly the same file, frames included.

Run (osrparse is a benchmark-only dependency)::

    pip install osrparse
    python bench/bench_replay.py [--repeat 30]

Prints the median time per parse for each library and the ratio
``osukit / osrparse`` (below 1.0 means osukit is faster).
"""

from __future__ import annotations

import argparse
import json
import statistics
import sys
import time
from collections.abc import Callable
from datetime import datetime, timezone
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
SHARED = REPO.parent / "shared"
sys.path.insert(0, str(REPO / "src"))

from osukit.enums import Ruleset  # noqa: E402
from osukit.game.replay import LifeBarPoint, Replay  # noqa: E402


def build_osr() -> bytes:
    """A stable-format .osr around the frames of the corpus v1 replay."""
    payload = json.loads((SHARED / "corpus" / "v1" / "get_replay_200.json").read_text())
    frames, seed = Replay.frames_from_lzma(payload)
    replay = Replay(
        ruleset=Ruleset.OSU,
        game_version=20240101,
        beatmap_md5="0" * 32,
        username="benchmark",
        replay_md5="1" * 32,
        count_300=638,
        count_100=84,
        count_50=17,
        count_geki=62,
        count_katu=36,
        count_miss=33,
        total_score=2286345,
        max_combo=132,
        legacy_mods=72,
        life_bar=[LifeBarPoint(t * 1000, 1.0) for t in range(0, 160, 2)],
        timestamp=datetime(2026, 7, 3, 10, 9, 35, tzinfo=timezone.utc),
        frames=frames,
        rng_seed=seed,
        score_id=4580373803,
    )
    return replay.to_bytes()


def timeit(fn: Callable[[], object], repeat: int) -> float:
    """Median wall time of ``fn`` over ``repeat`` runs (after one warm-up)."""
    fn()
    samples = []
    for _ in range(repeat):
        start = time.perf_counter()
        fn()
        samples.append(time.perf_counter() - start)
    return statistics.median(samples)


def main() -> None:
    """Run the benchmark and print the ratio."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeat", type=int, default=30)
    args = parser.parse_args()

    data = build_osr()
    ours = Replay.from_bytes(data)
    t_ours = timeit(lambda: Replay.from_bytes(data), args.repeat)
    print(f"replay: {len(data)} bytes, {len(ours.frames)} frames")
    print(f"osukit   Replay.from_bytes : {t_ours * 1000:8.3f} ms")

    try:
        import osrparse  # type: ignore[import-not-found,import-untyped,unused-ignore]
    except ImportError:
        print("osrparse not installed (pip install osrparse): no ratio")
        return
    theirs = osrparse.Replay.from_string(data)
    if len(theirs.replay_data) != len(ours.frames):
        print(f"note: osrparse saw {len(theirs.replay_data)} frames, osukit {len(ours.frames)}")
    t_theirs = timeit(lambda: osrparse.Replay.from_string(data), args.repeat)
    print(f"osrparse Replay.from_string: {t_theirs * 1000:8.3f} ms  (osrparse {osrparse.__version__})")
    print(f"ratio osukit/osrparse: {t_ours / t_theirs:.3f}  ({t_theirs / t_ours:.1f}x faster)")

    # Where our time goes: LZMA inflation is shared by every parser.
    from osukit.game.replay import compress_frames, decompress_frames, format_frames, parse_frames

    lzma_blob = compress_frames(format_frames(ours.frames, ours.rng_seed))
    text = decompress_frames(lzma_blob)
    t_inflate = timeit(lambda: decompress_frames(lzma_blob), args.repeat)
    t_frames = timeit(lambda: parse_frames(text), args.repeat)
    print(
        f"  of which LZMA inflate: {t_inflate * 1000:.3f} ms, frame text → frames: {t_frames * 1000:.3f} ms"
    )


if __name__ == "__main__":
    main()
