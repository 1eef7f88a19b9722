"""``import osukit`` loads only what a first call needs (bench/bench_import.py measures the time):
asyncio, sqlite3, the response cache, the feeds, the pools and the optional parts' errors load
on first use, and every ``osukit.<Name>`` still resolves."""

from __future__ import annotations

import subprocess
import sys

import osukit

DEFERRED = ("asyncio", "sqlite3", "osukit.cache", "osukit.feeds", "osukit._async.pool", "osukit._sync.pool",
            "osukit.realtime", "osukit.game", "osukit.tournament", "osukit.contrib.distributed", "osukit._async.crawl")


def _loaded_after(stmt: str) -> list[str]:
    probe = f"import sys; {stmt}; print(','.join(m for m in {DEFERRED!r} if m in sys.modules))"
    out = subprocess.run([sys.executable, "-c", probe], capture_output=True, text=True, check=True).stdout.strip()
    return out.split(",") if out else []


def test_import_osukit_defers_what_it_does_not_need() -> None:
    assert _loaded_after("import osukit") == []


def test_deferred_names_load_on_first_use() -> None:
    assert "osukit.cache" in _loaded_after("import osukit; osukit.ResponseCache")
    assert "osukit._sync.pool" in _loaded_after("import osukit; osukit.ClientPool")
    assert "osukit.feeds" in _loaded_after("import osukit; osukit.FeedGap")
    # a sync call never needs asyncio; an async client gets it when it runs on a loop
    assert "asyncio" not in _loaded_after("import osukit; osukit.Client(base_url='http://127.0.0.1:9', access_token='t')")
    for name in ("ResponseCache", "ClientPool", "AsyncClientPool", "FeedGap", "AsyncCrawler", "ChatStream"):
        assert getattr(osukit, name).__name__ == name
    assert osukit.Client(base_url="http://127.0.0.1:9", cache=True).cache is not None
