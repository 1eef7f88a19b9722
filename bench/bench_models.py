"""Model decoding speed and memory, against orjson/json on the same bytes, clean and drifted.

Run: python bench/bench_models.py

* clean: decoding every 200 response in ../shared/corpus through its route
  (``Route.decode``) vs ``orjson.loads`` on the same bytes (same run; median
  over 9 rounds of the two passes timed back to back);
* drifted: the same responses with drift injected, as osu-web's changes look
  to an old osukit: at a rate of 1 in 100 and 1 in 10 JSON objects (every
  depth), one of: an unknown member added, a member set to ``null``, a
  member's value changed to another JSON type. Timed twice: ``first`` decodes
  each response once in a fresh state (what a new process pays: nothing
  learnt, no learnt variant built yet), ``steady`` is later passes (a route
  that drifted the same way before decodes through its learnt variant, one
  typed msgspec pass);
* persistent drift: every object at depth 0 (the response or its list items)
  or 1 gains the same new member, as when osu-web adds a field;
* memory: 100,000 decoded scores held as models vs as the dicts
  ``json.loads`` returns (clean, and with 1 in 10 objects drifted).
"""

from __future__ import annotations

import copy
import csv
import gc
import json
import logging
import random
import statistics
import time
import tracemalloc
from pathlib import Path
from typing import Any

import orjson

import osukit
from osukit import _models
from osukit._route import Route
from osukit.routes import by_uri

ROOT = Path(__file__).resolve().parents[1]
CORPUS = ROOT.parent / "shared" / "corpus"

Item = tuple[Route[Any], bytes, dict[str, str]]


def _path_values(note: str) -> dict[str, str]:
    out: dict[str, str] = {}
    for part in note.replace(",", " ").split():
        key, sep, value = part.partition("=")
        if sep:
            out[key] = value
    return out


def load() -> list[Item]:
    out: list[Item] = []
    with (CORPUS / "INDEX.tsv").open(newline="") as fh:
        for row in csv.DictReader(fh, delimiter="\t"):
            if row["status"] != "200" or row["route"] == "api/v2/artists":
                continue
            body = (CORPUS / row["file"]).read_bytes()
            out.append((by_uri(row["method"], row["route"]), body, _path_values(row["note"])))
    return out


def _other_type(value: Any) -> Any:
    if isinstance(value, bool):
        return "true"
    if isinstance(value, (int, float)):
        return str(value)
    if isinstance(value, str):
        return 7
    if isinstance(value, dict):
        return 1.5
    if isinstance(value, list):
        return {"items": len(value)}
    return {"was": "null"}


def drift(value: Any, rate: float, rng: random.Random) -> Any:
    """A copy of a JSON document with 1 in ``1/rate`` objects drifted (at every depth)."""
    if isinstance(value, list):
        return [drift(v, rate, rng) for v in value]
    if not isinstance(value, dict):
        return value
    out = {k: drift(v, rate, rng) for k, v in value.items()}
    if rng.random() < rate:
        kind = rng.randrange(3)
        if kind == 0 or not out:
            out[f"added_in_2027_{rng.randrange(1000)}"] = rng.choice([1, "new", {"nested": [1, 2]}, None, [1.5]])
        else:
            key = rng.choice(sorted(out))
            out[key] = None if kind == 1 else _other_type(out[key])
    return out


def persistent(value: Any, depth: int, _at: int = 0) -> Any:
    """A copy where every object at ``depth`` gained the same new member (osu-web adding a field)."""
    if isinstance(value, list):
        return [persistent(v, depth, _at) for v in value]
    if not isinstance(value, dict):
        return value
    out = {k: persistent(v, depth, _at + 1) for k, v in value.items()}
    if _at == depth:
        out["added_in_2027"] = 1
    return out


def _fresh() -> None:
    """A new process's state: nothing learnt about drifting types yet."""
    _models._hot.clear()
    _models._plans.clear()
    _models._learnt.clear()
    _models._variants.clear()
    _models._variant_class.cache_clear()


def _pass_time(fn: Any, number: int) -> float:
    t = time.perf_counter()
    for _ in range(number):
        fn()
    return (time.perf_counter() - t) / number


def timing(items: list[Item], rounds: int = 9, number: int = 5) -> tuple[float, float, float]:
    """(steady ratio, first-pass ratio, ms per pass) of Route.decode against orjson.loads.

    Each round times our pass and orjson's back to back, and the ratio is the
    median over the rounds: a loaded machine slows both sides of a round alike.
    """

    def ours() -> None:
        for route, body, path in items:
            route.decode(body, path=path)

    def reference() -> None:
        for _, body, _ in items:
            orjson.loads(body)

    def first() -> None:
        _fresh()
        ours()

    first_ratios = [_pass_time(first, 1) / _pass_time(reference, 1) for _ in range(rounds)]
    ours()
    steady: list[float] = []
    best = float("inf")
    for _ in range(rounds):
        t_ours = _pass_time(ours, number)
        steady.append(t_ours / _pass_time(reference, number))
        best = min(best, t_ours)
    return statistics.median(steady), statistics.median(first_ratios), best * 1000


def memory(body: bytes, route: Route[Any]) -> tuple[float, float]:
    raw = json.loads(body)
    reps = 100_000 // max(1, len(raw)) + 1

    def measure(make: Any) -> float:
        gc.collect()
        tracemalloc.start()
        held = [make() for _ in range(reps)]
        current, _ = tracemalloc.get_traced_memory()
        tracemalloc.stop()
        count = sum(len(h) for h in held)
        del held
        return current / count

    per_model = measure(lambda: route.decode(body))
    per_dict = measure(lambda: json.loads(body))
    return per_model, per_dict


def main() -> None:
    logging.getLogger("osukit.models").setLevel(logging.ERROR)  # drift warnings are the point here
    items = load()
    total = sum(len(b) for _, b, _ in items)
    print(f"{len(items)} corpus responses, {total / 1024:.0f} KiB")
    clean, clean_first, ms = timing(items)
    print(f"  clean:            {clean:5.2f}x orjson.loads (first pass {clean_first:.2f}x; {ms:.2f} ms)")
    results: dict[str, Any] = {"time_ratio": clean, "time_ratio_first": clean_first}
    for label, rate in (("1/100", 0.01), ("1/10", 0.1)):
        rng = random.Random(14)
        drifted = [
            (route, orjson.dumps(drift(orjson.loads(body), rate, rng)), path) for route, body, path in items
        ]
        ratio, first, ms = timing(drifted)
        changed = sum(1 for (_, a, _), (_, b, _) in zip(items, drifted, strict=True) if orjson.loads(a) != orjson.loads(b))
        print(f"  drifted {label:>5}:   {ratio:5.2f}x orjson.loads (first pass {first:.2f}x; {ms:.2f} ms;"
              f" {changed}/{len(items)} responses touched)")
        results[f"drift_{label}_ratio"] = ratio
        results[f"drift_{label}_ratio_first"] = first

    for depth in (0, 1):
        grown = [(route, orjson.dumps(persistent(orjson.loads(body), depth)), path) for route, body, path in items]
        ratio, first, ms = timing(grown)
        print(f"  new member in every object at depth {depth}: {ratio:5.2f}x orjson.loads (first pass {first:.2f}x)")
        results[f"persistent_depth{depth}_ratio"] = ratio

    route = by_uri("GET", "api/v2/users/{user}/scores/{type}")
    scores_body = (CORPUS / "v2" / "get_user_bests_200.json").read_bytes()
    per_model, per_dict = memory(scores_body, route)
    drifted_scores = orjson.dumps(drift(copy.deepcopy(orjson.loads(scores_body)), 0.1, random.Random(14)))
    per_drift_model, per_drift_dict = memory(drifted_scores, route)
    print("memory per score (100,000 scores):")
    print(f"  clean:        {per_model:8.0f} bytes vs {per_dict:8.0f} as dicts: {per_model / per_dict:.2f}x dicts")
    print(f"  drifted 1/10: {per_drift_model:8.0f} bytes vs {per_drift_dict:8.0f} as dicts:"
          f" {per_drift_model / per_drift_dict:.2f}x dicts")
    results.update(memory_ratio=per_model / per_dict, memory_ratio_drift=per_drift_model / per_drift_dict,
                   osukit_version=osukit.__version__)
    print(json.dumps(results))


if __name__ == "__main__":
    main()
