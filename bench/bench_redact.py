"""Redaction cost per text as the number of registered secrets grows.

Run: python bench/bench_redact.py [--lines 3000]

`osukit._redact.redact_text` runs on every log record of the logger trees osukit drives, on
exception texts and on URLs. An application holding many users' tokens registers thousands of
secret forms. This prints, for a 250-character log line, the median time per call with 5, 64,
65, 500, 5,000 and 20,000 registered forms, and each as a ratio against 5 forms measured in the
same run; and, as the reference the design replaced, one alternation regex of 5,000 forms.

Goal: 5,000 forms cost at most 5x what 5 forms cost (one alternation of them all, the design
this replaced, costs about 190x), and registering them all takes under a second.
"""

from __future__ import annotations

import argparse
import re
import secrets
import statistics
import time

from osukit import _redact

LINE = ("GET https://osu.ppy.sh/api/v2/users/2/osu HTTP/1.1 200 OK authorization: Bearer [redacted] "
        "content-length: 1234 x-ratelimit-remaining: 1199 ")[:250].ljust(250, "x")


def reset() -> None:
    with _redact._secrets_lock:
        _redact._secrets.clear()
        _redact._registered.clear()
        _redact._by_gram.clear()
        _redact._generation += 1


def per_call(lines: int) -> float:
    samples = []
    for _ in range(5):
        start = time.perf_counter()
        for _ in range(lines):
            _redact.redact_text(LINE)
        samples.append((time.perf_counter() - start) / lines)
    return statistics.median(samples)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--lines", type=int, default=3000)
    args = parser.parse_args()
    rows: list[tuple[str, float]] = []
    for count in (5, 64, 65, 500, 5000, 20000):
        reset()
        start = time.perf_counter()
        for _ in range(count):
            _redact.register_secret(secrets.token_urlsafe(30))
        registered = time.perf_counter() - start
        rows.append((f"{count} forms (registered in {registered:.3f} s)", per_call(args.lines)))
    forms = [secrets.token_urlsafe(30) for _ in range(5000)]
    alternation = re.compile("|".join(re.escape(s) for s in forms))
    start = time.perf_counter()
    for _ in range(max(1, args.lines // 20)):
        alternation.sub(_redact.REDACTED, LINE)
    rows.append(("reference: one alternation of 5000 forms", (time.perf_counter() - start) / max(1, args.lines // 20)))
    base = rows[0][1]
    for name, seconds in rows:
        print(f"{name:48} {seconds * 1e6:9.1f} us/line  {seconds / base:7.1f}x")


if __name__ == "__main__":
    main()
