"""Model decoding speed and memory, against orjson/json on the same bytes.

Run: python bench/bench_models.py

* time: decoding every 200 response in ../shared/corpus through its route's
  model vs ``orjson.loads`` on the same bytes (same run, best of 5);
* memory: 100,000 decoded scores held as models vs as the dicts ``json.loads`` returns.
"""

from __future__ import annotations

import csv
import gc
import json
import time
import tracemalloc
from pathlib import Path
from typing import Any

import orjson

import osukit
from osukit._models import decode
from osukit.routes import by_uri

ROOT = Path(__file__).resolve().parents[1]
CORPUS = ROOT.parent / "shared" / "corpus"


def load() -> list[tuple[bytes, Any, bool]]:
    out = []
    with (CORPUS / "INDEX.tsv").open(newline="") as fh:
        for row in csv.DictReader(fh, delimiter="\t"):
            if row["status"] != "200" or row["route"] == "api/v2/artists":
                continue
            body = (CORPUS / row["file"]).read_bytes()
            route = by_uri(row["method"], row["route"])
            model = route.response
            text = body.decode()
            if route.legacy_response is not None and ('"mode_int"' in text or '"count_300"' in text):
                model = route.legacy_response
            if "type=most_played" in row["note"]:
                from osukit.resources.users import USER_MOST_PLAYED_MODEL

                model = USER_MOST_PLAYED_MODEL
            out.append((body, model, route.api == "v1"))
    return out


def best_of(fn: Any, repeat: int = 5, number: int = 20) -> float:
    best = float("inf")
    for _ in range(repeat):
        t = time.perf_counter()
        for _ in range(number):
            fn()
        best = min(best, (time.perf_counter() - t) / number)
    return best


def main() -> None:
    items = load()
    total = sum(len(b) for b, _, _ in items)

    def ours() -> None:
        for body, model, lax in items:
            decode(body, model, lax=lax)

    def reference() -> None:
        for body, _, _ in items:
            orjson.loads(body)

    ours()
    t_ours = best_of(ours)
    t_ref = best_of(reference)
    print(f"{len(items)} corpus responses, {total / 1024:.0f} KiB")
    print(f"  osukit models: {t_ours * 1000:8.3f} ms")
    print(f"  orjson.loads:  {t_ref * 1000:8.3f} ms")
    print(f"  ratio: {t_ours / t_ref:.2f}x orjson.loads")

    scores_body = (CORPUS / "v2" / "get_user_bests_200.json").read_bytes()
    raw_scores = json.loads(scores_body)
    route = by_uri("GET", "api/v2/users/{user}/scores/{type}")
    model = route.legacy_response if '"mode_int"' in scores_body.decode() else route.response
    reps = 100_000 // len(raw_scores) + 1
    one_score_list = json.dumps(raw_scores).encode()

    def measure(make: Any) -> float:
        gc.collect()
        tracemalloc.start()
        held = [make() for _ in range(reps)]
        current, _ = tracemalloc.get_traced_memory()
        tracemalloc.stop()
        count = sum(len(h) for h in held)
        del held
        return current / count

    per_model = measure(lambda: decode(one_score_list, model))
    per_dict = measure(lambda: json.loads(one_score_list))
    print(f"memory per score ({reps * len(raw_scores)} scores):")
    print(f"  osukit model: {per_model:8.0f} bytes")
    print(f"  json dict:    {per_dict:8.0f} bytes")
    print(f"  ratio: {per_model / per_dict:.2f}x dicts")
    print(json.dumps({"time_ratio": t_ours / t_ref, "memory_ratio": per_model / per_dict,
                      "osukit_version": osukit.__version__}))


if __name__ == "__main__":
    main()
