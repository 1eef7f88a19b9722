"""Bulk crawls: killed and resumed, every item exactly once; checkpoints, ordering, concurrency."""

from __future__ import annotations

import asyncio
import json
import os
import random
import signal
import subprocess
import sys
import threading
import time
from pathlib import Path
from typing import Any

import pytest

import osukit
from osukit._async.crawl import AsyncCrawler
from osukit.contrib._crawl import AsyncOrderedMap, FileCheckpoint, OrderedMap
from osukit.pagination import OffsetStyle

from ._servers import CountingServer

ROOT = Path(__file__).resolve().parents[2]


def run_killed(kind: str, base_url: str, tmp: Path, kills: int, seed: int, total: int = 10_000) -> dict[str, Any]:
    """Run the crawl in a subprocess, SIGKILL it ``kills`` times at random moments, then let it finish."""
    rng = random.Random(seed)
    ckpt, out = tmp / "crawl.ckpt", tmp / "out.jsonl"
    cmd = [sys.executable, "-m", "tests.scale._crawl_worker", kind, base_url, str(ckpt), str(out), str(total)]
    killed_mid_crawl = 0
    for _ in range(kills):
        proc = subprocess.Popen(cmd, cwd=ROOT, stdout=subprocess.PIPE, stderr=subprocess.PIPE)
        time.sleep(rng.uniform(0.6, 1.6))
        if proc.poll() is None:
            proc.send_signal(signal.SIGKILL)
            proc.wait()
            state = FileCheckpoint(ckpt).load("crawl")
            killed_mid_crawl += state is None or not state.get("done")
        else:
            proc.wait()
    final = subprocess.run(cmd, cwd=ROOT, capture_output=True, timeout=120)
    assert final.returncode == 0, final.stderr.decode()[-2000:]
    lines = out.read_bytes().splitlines()
    return {"lines": lines, "killed": killed_mid_crawl, "state": FileCheckpoint(ckpt).load("crawl")}


def duplicates(server: CountingServer, prefix: str) -> int:
    return sum(n - 1 for name, n in server.counts.items() if name.startswith(prefix))


@pytest.mark.parametrize("seed", [1])
def test_paginated_crawl_killed_three_times(tmp_path: Path, seed: int) -> None:
    with CountingServer(total_items=10_000, page_delay=0.015) as server:
        result = run_killed("pages", server.base_url, tmp_path, kills=3, seed=seed)
        refetched = duplicates(server, "page:")
    ids = [json.loads(line)["id"] for line in result["lines"]]
    assert len(ids) == 10_000 and sorted(ids) == list(range(10_000)), "lost or duplicated items"
    assert ids == list(range(10_000))  # in order, too
    assert result["killed"] >= 2, "the kills should land mid-crawl"
    assert result["state"]["done"] and result["state"]["items"] == 10_000
    # A committed page is never fetched again; only a page in flight at a kill is (at most one per kill).
    assert refetched <= 3


def test_id_crawl_with_concurrency_killed_three_times(tmp_path: Path) -> None:
    with CountingServer(page_delay=0.03) as server:
        result = run_killed("ids", server.base_url, tmp_path, kills=3, seed=7, total=10_000)
        refetched = duplicates(server, "chunk:")
    ids = [json.loads(line)["id"] for line in result["lines"]]
    expected = [i for i in range(1, 10_001) if i % 97 != 0]  # the fake API leaves some ids out
    assert ids == expected
    assert result["killed"] >= 2
    assert refetched <= 3 * 4  # at most `concurrency` chunks in flight per kill


def listing(osu: osukit.AsyncClient) -> Any:
    def factory(cursor: Any = None) -> osukit.AsyncPaginator[Any]:
        async def fetch(params: Any) -> Any:
            return await osu.request("GET", "api/v2/items", params=params)

        return osukit.AsyncPaginator(fetch, OffsetStyle(lambda r: r, page_size=100), cursor=cursor)

    return factory


async def test_streaming_resume_is_at_least_once_per_page(tmp_path: Path, api_server: CountingServer) -> None:
    api_server.total_items = 1000
    ckpt = tmp_path / "c.json"
    async with osukit.AsyncClient(access_token="t" * 20, base_url=api_server.base_url, rate_limit=0,
                                  http_backend="httpx") as osu:
        seen: list[int] = []
        async for item in osu.crawl(listing(osu), checkpoint=ckpt, progress=False):
            seen.append(item["id"])
            if len(seen) == 250:  # stop in the middle of the third page
                break
        crawl = osu.crawl(listing(osu), checkpoint=ckpt, progress=False)
        rest = [item["id"] async for item in crawl]
        assert rest[0] == 200  # pages 0 and 1 were committed; page 2 comes again
        assert sorted(set(seen + rest)) == list(range(1000))
        assert crawl.done
        assert [i async for i in osu.crawl(listing(osu), checkpoint=ckpt)] == []  # finished: nothing
        again = osu.crawl(listing(osu), checkpoint=ckpt)
        again.reset()
        assert await again.run() == 1000


async def test_jsonl_cut_back_to_the_checkpoint(tmp_path: Path, api_server: CountingServer) -> None:
    api_server.total_items = 300
    ckpt, out = tmp_path / "c.json", tmp_path / "o.jsonl"
    async with osukit.AsyncClient(access_token="t" * 20, base_url=api_server.base_url, rate_limit=0,
                                  http_backend="httpx") as osu:
        assert await osu.crawl(listing(osu), checkpoint=ckpt).to_jsonl(out) == 300
        state = FileCheckpoint(ckpt).load("crawl")
        assert state is not None and state["jsonl_bytes"] == out.stat().st_size
        # Pretend the last run died after writing half a page past its last checkpoint.
        state.update(done=False, cursor=200, items=200, jsonl_bytes=len(b"".join(out.read_bytes().splitlines(True)[:200])))
        FileCheckpoint(ckpt).save("crawl", state)
        with out.open("ab") as fh:
            fh.write(b'{"id": 999, "torn')
        assert await osu.crawl(listing(osu), checkpoint=ckpt).to_jsonl(out) == 100
        ids = [json.loads(line)["id"] for line in out.read_bytes().splitlines()]
        assert ids == list(range(300))
        out.write_bytes(b"")  # the output vanished: resuming would lose items
        state.update(done=False)
        FileCheckpoint(ckpt).save("crawl", state)
        with pytest.raises(ValueError, match="shorter"):
            await osu.crawl(listing(osu), checkpoint=ckpt).to_jsonl(out)


async def test_misuse_is_reported(tmp_path: Path, api_server: CountingServer) -> None:
    async with osukit.AsyncClient(access_token="t" * 20, base_url=api_server.base_url, rate_limit=0,
                                  http_backend="httpx") as osu:
        with pytest.raises(ValueError, match="limit=None"):
            await osu.crawl(
                lambda cursor: osukit.AsyncPaginator(osu.request, OffsetStyle(list), limit=100, cursor=cursor),
                progress=False,
            ).run()

        async def batch(ids: list[int]) -> list[dict[str, int]]:
            return [{"id": i} for i in ids]

        ckpt = tmp_path / "c.json"
        crawl = osu.crawl(batch, ids=[5, 6, 7, 8], chunk_size=2, checkpoint=ckpt, concurrency=1)
        async for _ in crawl:
            break
        async for _ in crawl:  # the first chunk is committed on asking for the next item
            pass
        assert crawl.done
        FileCheckpoint(ckpt).save("crawl", {"kind": "ids", "offset": 2, "last_id": 6, "done": False, "items": 2,
                                            "pages": 1})
        with pytest.raises(ValueError, match="ids differ"):
            await osu.crawl(batch, ids=[1, 2, 3, 4], chunk_size=2, checkpoint=ckpt).run()
        with pytest.raises(ValueError, match="another checkpoint_key"):
            await osu.crawl(listing(osu), checkpoint=ckpt).run()
        with pytest.raises(ValueError):
            osu.crawl(batch, ids=[1], chunk_size=51)


async def test_ordered_map_bounds_concurrency_and_keeps_order() -> None:
    in_flight = peak = 0

    async def fn(x: int) -> int:
        nonlocal in_flight, peak
        in_flight += 1
        peak = max(peak, in_flight)
        await asyncio.sleep(0.001 * ((x * 7) % 5))
        in_flight -= 1
        return x * x

    got = [r async for _, r in AsyncOrderedMap(fn, 4).run(range(40))]
    assert got == [x * x for x in range(40)] and peak == 4

    lock = threading.Lock()
    counters = {"now": 0, "peak": 0}

    def sfn(x: int) -> int:
        with lock:
            counters["now"] += 1
            counters["peak"] = max(counters["peak"], counters["now"])
        time.sleep(0.001 * ((x * 7) % 5))
        with lock:
            counters["now"] -= 1
        return x * x

    assert [r for _, r in OrderedMap(sfn, 3).run(range(30))] == [x * x for x in range(30)]
    assert counters["peak"] <= 3


async def test_id_crawl_goes_through_the_rate_limiter(api_server: CountingServer) -> None:
    limiter = osukit.TokenBucket(600, burst=2)  # 10 requests/s
    async with osukit.AsyncClient(access_token="t" * 20, base_url=api_server.base_url, rate_limit=limiter,
                                  http_backend="httpx") as osu:

        async def batch(ids: list[int]) -> Any:
            return (await osu.request("GET", "api/v2/users", params={"ids[]": ids}))["users"]

        start = time.monotonic()
        n = await osu.crawl(batch, ids=range(1, 501), chunk_size=50, concurrency=8, progress=False).run()
    assert n == 500 - 5  # 97, 194, 291, 388, 485 do not exist
    assert time.monotonic() - start >= (10 - 2) / 10 - 0.05  # 10 chunks, burst 2, then 0.1 s apart


def test_sync_crawler_and_checkpoint_store_objects(api_server: CountingServer) -> None:
    class DictStore:
        def __init__(self) -> None:
            self.data: dict[str, dict[str, Any]] = {}

        def load(self, key: str) -> dict[str, Any] | None:
            return self.data.get(key)

        def save(self, key: str, state: dict[str, Any]) -> None:
            self.data[key] = json.loads(json.dumps(state))

        def delete(self, key: str) -> None:
            self.data.pop(key, None)

    store = DictStore()
    with osukit.Client(access_token="t" * 20, base_url=api_server.base_url, rate_limit=0) as osu:
        crawl = osu.crawl(lambda ids: osu.request("GET", "api/v2/users", params={"ids[]": ids})["users"],
                          ids=list(range(1, 201)), checkpoint=store, checkpoint_key="u", progress=False)
        assert type(crawl).__name__ == "Crawler"
        assert [u["id"] for u in crawl][:3] == [1, 2, 3]
    assert store.data["u"]["done"] and store.data["u"]["offset"] == 200 and store.data["u"]["last_id"] == 200
    assert not isinstance(crawl, AsyncCrawler)


def test_progress_is_off_without_a_terminal(capsys: pytest.CaptureFixture[str]) -> None:
    from osukit.contrib._crawl import ProgressBar

    bar = ProgressBar(None, total=10, done=0, description="x")
    assert not bar.enabled
    bar.close()


def test_file_checkpoint_is_atomic_json(tmp_path: Path) -> None:
    store = FileCheckpoint(tmp_path / "sub" / "c.json")
    store.save("a", {"cursor": {"page": 2}})
    store.save("b", {"offset": 5})
    assert json.loads((tmp_path / "sub" / "c.json").read_text()) == {"a": {"cursor": {"page": 2}}, "b": {"offset": 5}}
    store.delete("a")
    assert store.load("a") is None and store.load("b") == {"offset": 5}
    assert [p.name for p in (tmp_path / "sub").iterdir()] == ["c.json"]  # no temp files left behind
    assert os.stat(tmp_path / "sub" / "c.json").st_size > 0


async def test_redis_checkpoint_store(redis_url: str, api_server: CountingServer, tmp_path: Path) -> None:
    from osukit.contrib.redis import RedisCheckpointStore

    api_server.total_items = 250
    store = RedisCheckpointStore(redis_url, prefix="ck:")
    async with osukit.AsyncClient(access_token="t" * 20, base_url=api_server.base_url, rate_limit=0,
                                  http_backend="httpx") as osu:
        crawl = osu.crawl(listing(osu), checkpoint=store, checkpoint_key="items", progress=False)
        taken = 0
        async for _ in crawl.pages():
            taken += 1
            if taken == 2:  # the first page was committed when the second was asked for
                break
        state = store.load("items")
        assert state is not None and state["cursor"] == 100 and state["items"] == 100
        assert await osu.crawl(listing(osu), checkpoint=store, checkpoint_key="items").to_jsonl(
            tmp_path / "o.jsonl") == 150
    state = store.load("items")
    assert state is not None and state["done"] and state["items"] == 250
    store.delete("items")
    assert store.load("items") is None
    store.close()


class _InterruptingCheckpoint(FileCheckpoint):
    """A checkpoint whose ``after``-th save is interrupted (Ctrl-C between a page's write and its commit)."""

    def __init__(self, path: Path, after: int) -> None:
        super().__init__(path)
        self.saves = 0
        self.after = after

    def save(self, key: str, state: dict[str, Any]) -> None:
        self.saves += 1
        if self.saves == self.after:
            raise KeyboardInterrupt
        super().save(key, state)


async def test_interrupted_jsonl_agrees_with_its_checkpoint(tmp_path: Path, api_server: CountingServer) -> None:
    # The CLI says "interrupted: N users saved in FILE": FILE must hold exactly the N checkpointed lines then,
    # not the page written just before the interrupted commit.
    api_server.total_items = 500
    ckpt_path, out = tmp_path / "c.json", tmp_path / "o.jsonl"
    async with osukit.AsyncClient(access_token="t" * 20, base_url=api_server.base_url, rate_limit=0,
                                  http_backend="httpx") as osu:
        ckpt = _InterruptingCheckpoint(ckpt_path, after=4)  # 1: the file's length, 2-3: pages, 4: the third page
        with pytest.raises(KeyboardInterrupt):
            await osu.crawl(listing(osu), checkpoint=ckpt).to_jsonl(out)
        state = FileCheckpoint(ckpt_path).load("crawl")
        assert state is not None and state["items"] == 200
        assert out.stat().st_size == state["jsonl_bytes"]
        assert len(out.read_bytes().splitlines()) == 200
        assert await osu.crawl(listing(osu), checkpoint=ckpt_path).to_jsonl(out) == 300
        assert [json.loads(line)["id"] for line in out.read_bytes().splitlines()] == list(range(500))
