"""pp for many scores at once, on every core: a process pool over rosu-pp (the ``osukit[pp]`` extra).

Recomputing pp for stored scores is CPU work, unlike API crawls, so it scales with
processes, not with concurrency:

```python
from osukit.game.batch import performance_many

for index, result in performance_many(scores, "maps/", processes=8):
    print(scores[index]["id"], result.pp)
```

Scores are grouped by beatmap, so each worker parses a ``.osu`` file once per chunk.
Results come back as ``(index, result)`` pairs in the order chunks finish (``index``
is the score's position in the input); a score whose map is missing or broken gives a
`BeatmapError` as its result instead of stopping the batch.
The results carry every field of one [performance][osukit.game.performance] call but
rosu-pp's own ``attributes`` objects (``None``), which cannot leave a worker process.
"""

from __future__ import annotations

import functools
import os
from collections.abc import Iterable, Iterator, Mapping
from concurrent.futures import FIRST_COMPLETED, Future, ProcessPoolExecutor, wait
from multiprocessing import get_context
from pathlib import Path
from typing import Any

import msgspec

from .._exceptions import InvalidParameterError
from .._models import dump
from .pp import BeatmapError, PerformanceResult, load_beatmap, performance

__all__ = ["performance_many"]

DEFAULT_CHUNK = 256
"""Scores per task sent to a worker process."""

_Item = tuple[int, int, bytes]  # (index, beatmap id, score JSON)


def _beatmap_id(score: Mapping[str, Any]) -> int:
    bid = score.get("beatmap_id")
    if bid is None and isinstance(score.get("beatmap"), Mapping):
        bid = score["beatmap"].get("id")
    if bid is None:
        raise InvalidParameterError("a score needs beatmap_id (or beatmap.id) to find its map")
    return int(bid)


@functools.lru_cache(maxsize=64)
def _map(directory: str, beatmap_id: int) -> Any:
    return load_beatmap(Path(directory) / f"{beatmap_id}.osu")


def _run_chunk(items: list[_Item], directory: str, options: dict[str, Any]) -> list[tuple[int, Any]]:
    out: list[tuple[int, Any]] = []
    for index, beatmap_id, raw in items:
        try:
            result: Any = performance(msgspec.json.decode(raw), _map(directory, beatmap_id), **options)
            # rosu-pp's attribute objects cannot cross a process boundary: every field osukit
            # reads from them is already on the result.
            result = msgspec.structs.replace(
                result, attributes=None, difficulty=msgspec.structs.replace(result.difficulty, attributes=None))
        except RecursionError:
            result = BeatmapError("the score is nested too deeply to read")
        except BeatmapError as exc:
            result = exc
        out.append((index, result))
    return out


def performance_many(
    scores: Iterable[Any],
    beatmaps: str | os.PathLike[str],
    *,
    processes: int | None = None,
    chunk_size: int = DEFAULT_CHUNK,
    **options: Any,
) -> Iterator[tuple[int, PerformanceResult | BeatmapError]]:
    """The pp of every score, computed by a pool of ``processes`` worker processes.

    Args:
        scores: API scores (dicts or osukit models; v2 lazer or legacy shape, or v1 rows),
            each naming its map by ``beatmap_id`` or ``beatmap.id``.
        beatmaps: a directory of ``{beatmap_id}.osu`` files (such as the ``.osu`` cache of
            ``client.legacy.download_osu`` or the files of a crawl).
        processes: worker processes (default: ``os.cpu_count()``); ``1`` computes in this
            process, without a pool.
        chunk_size: scores per task (default 256); larger chunks amortise map parsing.
        **options: passed to [performance][osukit.game.performance] for every score
            (``full_combo=True``, ``lazer=False`` …).

    Yields:
        ``(index, result)`` as chunks finish: ``result`` is a
        [PerformanceResult][osukit.game.PerformanceResult], or a
        `BeatmapError` when the map is missing or unparsable.

    Raises:
        InvalidParameterError: a score names no beatmap, or ``processes``/``chunk_size`` < 1.
        MissingExtraError: rosu-pp-py is not installed.
    """
    if chunk_size < 1:
        raise InvalidParameterError("chunk_size must be at least 1")
    workers = processes if processes is not None else (os.cpu_count() or 1)
    if workers < 1:
        raise InvalidParameterError("processes must be at least 1")
    directory = os.fspath(beatmaps)
    items: list[_Item] = []
    for index, score in enumerate(scores):
        data = score if isinstance(score, Mapping) else dump(score)
        items.append((index, _beatmap_id(data), msgspec.json.encode(data)))
    items.sort(key=lambda item: item[1])  # one map per run of scores
    chunks = [items[i : i + chunk_size] for i in range(0, len(items), chunk_size)]
    if workers == 1:
        for chunk in chunks:
            yield from _run_chunk(chunk, directory, options)
        return
    # forkserver: no fork of a threaded parent (the client's threads, rosu's state).
    with ProcessPoolExecutor(max_workers=workers, mp_context=get_context("forkserver")) as pool:
        pending: set[Future[list[tuple[int, Any]]]] = set()
        queue = iter(chunks)
        for chunk in queue:
            pending.add(pool.submit(_run_chunk, chunk, directory, options))
            if len(pending) >= workers * 2:
                break
        while pending:
            done, pending = wait(pending, return_when=FIRST_COMPLETED)
            for future in done:
                yield from future.result()
                nxt = next(queue, None)
                if nxt is not None:
                    pending.add(pool.submit(_run_chunk, nxt, directory, options))
