"""One crawl across many worker processes on Redis Streams: killed workers, exactly-once storage,
one budget (or per-token budgets under an app cap), dead letters, every sink."""

from __future__ import annotations

import glob
import json
import os
import random
import shutil
import signal
import sqlite3
import subprocess
import sys
import tempfile
import threading
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

import osukit
from osukit.contrib.distributed import (
    CrawlQueue,
    JsonlSink,
    Row,
    SQLiteSink,
    Task,
    Worker,
    collect,
    id_tasks,
    pair_tasks,
    partition_tasks,
    range_tasks,
)
from osukit.emulator import Emulator

from ._servers import free_port, in_ci

ROOT = Path(__file__).resolve().parents[2]
ROUTE = "GET api/v2/beatmaps"


# ------------------------------------------------------------------------------- task splitting


def test_tasks_split_sources_into_stable_units() -> None:
    tasks = list(range_tasks("beatmaps", 1, 120))
    assert [t.id for t in tasks] == ["beatmaps:1-50", "beatmaps:51-100", "beatmaps:101-120"]
    assert tasks[2].args == {"ids": list(range(101, 121))}
    chunks = list(id_tasks("users", [5, 9, 2, 7], per_task=3))
    assert [t.args["ids"] for t in chunks] == [[5, 9, 2], [7]] and chunks[0].id == "users:5:2:3"
    assert [t.id for t in pair_tasks([(2, 75), (3, 75)])] == ["user_beatmap_score:2:75", "user_beatmap_score:3:75"]
    parts = list(partition_tasks([{"mode": "osu", "country": "JP"}, {"mode": "mania"}]))
    assert [p.id for p in parts] == ["rankings:country=JP,mode=osu", "rankings:mode=mania"]
    again = Task.from_fields({k.encode(): v.encode() for k, v in tasks[0].fields().items()})
    assert again == Task(tasks[0].id, "beatmaps", {"ids": list(range(1, 51))})
    with pytest.raises(osukit.InvalidParameterError):
        list(range_tasks("users", 5, 4))
    with pytest.raises(osukit.TransportError, match="malformed"):
        Task.from_fields({"id": "x", "kind": "users", "args": "[" * 100_000})


def test_collect_keeps_one_committed_copy_of_each_task(tmp_path: Path) -> None:
    a, b = JsonlSink(tmp_path / "out", "a"), JsonlSink(tmp_path / "out", "b")
    t1, t2, t3 = Task("t:1", "x"), Task("t:2", "x"), Task("t:3", "x")
    a.write(t1, [Row("k:1", {"v": 1}), Row("k:2", None)])
    b.write(t1, [Row("k:1", {"v": 1}), Row("k:2", None)])  # a re-delivered task that ran twice
    b.write(t2, [Row("k:10", 10)])
    a.close()
    b.close()
    with open(tmp_path / "out" / "a.jsonl", "ab") as fh:  # a worker killed mid-task: rows, no commit, torn line
        fh.write(b'{"task":"t:3","key":"k:30","value":30}\n{"task":"t:3","key":"k:3')
    counts = collect(tmp_path / "out", tmp_path / "all.jsonl")
    lines = [json.loads(line) for line in (tmp_path / "all.jsonl").read_text().splitlines()]
    assert lines == [{"key": "k:1", "value": {"v": 1}}, {"key": "k:2", "value": None}, {"key": "k:10", "value": 10}]
    assert counts == {"tasks": 2, "rows": 3, "duplicates": 1, "uncommitted": 1}
    assert t3.id not in {line["key"] for line in lines}


# ---------------------------------------------------------------------------- in-process workers


@pytest.fixture
def emu() -> Iterator[Emulator]:
    with Emulator(seed=0) as e:
        yield e


def _client(emu: Emulator, **kw: Any) -> osukit.Client:
    return osukit.Client(client_id=emu.client_id, client_secret=emu.client_secret, base_url=emu.base_url,
                         rate_limit=0, **kw)


def _run_threads(queue: CrawlQueue, emu: Emulator, sink: Any, n: int = 2, **kw: Any) -> list[Worker]:
    workers = [Worker(queue, _client(emu), sink, name=f"t{i}", poll=0.1, **kw) for i in range(n)]
    threads = [threading.Thread(target=w.run) for w in workers]
    for t in threads:
        t.start()
    for t in threads:
        t.join(120)
    assert not any(t.is_alive() for t in threads), "workers did not finish"
    for w in workers:
        w.client.close()
    return workers


def test_workers_store_every_id_once_in_sqlite(redis_url: str, emu: Emulator, tmp_path: Path) -> None:
    queue = CrawlQueue(redis_url, "sq", visibility_timeout=5)
    first = 1_000_001  # the emulator's beatmap ids start above a million
    assert queue.submit(range_tasks("beatmaps", first, first + 1999)) == 40
    with pytest.raises(osukit.ConfigurationError, match="already submitted"):
        queue.submit(range_tasks("beatmaps", 1, 10))
    sink = SQLiteSink(tmp_path / "r.db")
    workers = _run_threads(queue, emu, sink)
    sink.close()
    st = queue.status()
    assert st.complete and st.done == 40 and st.rows == 2000 and st.dead == 0 and st.pending == 0
    assert sum(w.processed for w in workers) == 40
    db = sqlite3.connect(tmp_path / "r.db")
    keys = [k for (k,) in db.execute("SELECT key FROM results")]
    assert len(keys) == 2000 and set(keys) == {f"beatmap:{i}" for i in range(first, first + 2000)}
    found = {json.loads(v)["id"] for (v,) in db.execute("SELECT value FROM results WHERE value != 'null'")}
    assert found == {i for i in range(first, first + 2000) if i in emu.state.world.beatmaps}
    assert found, "some ids exist in the emulator's world"
    queue.delete()


def test_the_jsonl_sinks_worker_name_is_what_status_shows(redis_url: str, emu: Emulator, tmp_path: Path) -> None:
    """``Worker(queue, osu, JsonlSink("out", worker="host-a-1"))``, as docs/distributed.md writes it."""
    queue = CrawlQueue(redis_url, "named", visibility_timeout=5)
    first = 1_000_001
    queue.submit(range_tasks("beatmaps", first, first + 99))
    sink = JsonlSink(tmp_path / "out", worker="host-a-1")
    with _client(emu) as osu:
        worker = Worker(queue, osu, sink, poll=0.1)
        assert worker.name == "host-a-1"
        worker.run()
    sink.close()
    st = queue.status()
    assert st.complete and list(st.workers) == ["host-a-1"]
    assert (tmp_path / "out" / "host-a-1.jsonl").is_file()
    # an explicit name still wins; a sink without a worker name keeps host:pid
    assert Worker(queue, None, sink, name="explicit").name == "explicit"
    assert Worker(queue, None, SQLiteSink(tmp_path / "x.db")).name.endswith(f":{os.getpid()}")
    queue.delete()


def test_failing_task_is_retried_then_dead_lettered_with_its_error(redis_url: str, emu: Emulator,
                                                                   tmp_path: Path) -> None:
    queue = CrawlQueue(redis_url, "dl", visibility_timeout=0.3, max_deliveries=3)
    queue.submit([Task("ok:1", "beatmaps", {"ids": [1, 2]}), Task("bad:1", "boom", {}),
                  Task("ok:2", "beatmaps", {"ids": [3]})])
    calls: list[str] = []

    def boom(client: Any, task: Task) -> list[Row]:
        calls.append(task.id)
        raise RuntimeError("the handler broke")

    from osukit.contrib.distributed import default_handlers

    sink = JsonlSink(tmp_path / "o", "w")
    _run_threads(queue, emu, sink, n=1, handlers={**default_handlers(), "boom": boom})
    sink.close()
    st = queue.status()
    assert st.complete and st.done == 2 and st.dead == 1 and st.retried >= 2
    assert calls == ["bad:1"] * 3
    dead = queue.dead_letters()
    assert [d["id"] for d in dead] == ["bad:1"] and dead[0]["error"] == "RuntimeError: the handler broke" and dead[0]["deliveries"] == "3"
    assert collect(tmp_path / "o", tmp_path / "all.jsonl")["rows"] == 3
    queue.delete()


def test_unknown_task_kind_is_dead_lettered(redis_url: str, emu: Emulator, tmp_path: Path) -> None:
    queue = CrawlQueue(redis_url, "uk", visibility_timeout=0.2, max_deliveries=1)
    queue.submit([Task("x:1", "nonsense", {})])
    sink = JsonlSink(tmp_path / "o", "w")
    _run_threads(queue, emu, sink, n=1)
    sink.close()
    assert "no handler for task kind 'nonsense'" in queue.dead_letters()[0]["error"]


def test_queue_errors_are_typed() -> None:
    with pytest.raises(osukit.InvalidParameterError):
        CrawlQueue("redis://127.0.0.1:1/0", "has space")
    queue = CrawlQueue(f"redis://127.0.0.1:{free_port()}/0", "nobody", socket_timeout=0.5)
    with pytest.raises(osukit.TransportError, match="status failed"):
        queue.status()


# --------------------------------------------------------------------- PostgreSQL sink (real server)


def _pg_bin() -> Path | None:
    found = sorted(glob.glob("/usr/lib/postgresql/*/bin/initdb"))
    return Path(found[-1]).parent if found else None


@pytest.fixture(scope="module")
def postgres_dsn() -> Iterator[str]:
    pytest.importorskip("psycopg")
    bindir = _pg_bin()
    if bindir is None:
        if in_ci():
            pytest.fail("PostgreSQL is not installed (CI must install it: apt-get install postgresql)")
        pytest.skip("PostgreSQL is not installed (apt-get install postgresql); CI fails instead of skipping")
    data = Path(tempfile.mkdtemp(prefix="osukit-pg-"))
    port = free_port()
    run_as: list[str] = []
    if os.geteuid() == 0:  # initdb refuses to run as root
        shutil.chown(data, "postgres")
        run_as = ["runuser", "-u", "postgres", "--"]
    subprocess.run([*run_as, str(bindir / "initdb"), "-D", str(data / "db"), "-A", "trust", "-U", "osukit"],
                   check=True, capture_output=True)
    proc = subprocess.Popen([*run_as, str(bindir / "postgres"), "-D", str(data / "db"), "-p", str(port),
                             "-k", str(data), "-c", "listen_addresses=127.0.0.1", "-c", "fsync=off"],
                            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    dsn = f"postgresql://osukit@127.0.0.1:{port}/postgres"
    import psycopg

    deadline = time.monotonic() + 30
    while True:
        try:
            psycopg.connect(dsn, connect_timeout=1).close()
            break
        except psycopg.OperationalError:
            if time.monotonic() > deadline or proc.poll() is not None:
                proc.kill()
                raise
            time.sleep(0.2)
    yield dsn
    subprocess.run([*run_as, str(bindir / "pg_ctl"), "stop", "-D", str(data / "db"), "-m", "immediate"],
                   capture_output=True, timeout=60)
    try:
        proc.wait(30)
    except subprocess.TimeoutExpired:
        proc.kill()
    shutil.rmtree(data, ignore_errors=True)


def test_postgres_sink_upserts_each_row_once(redis_url: str, emu: Emulator, postgres_dsn: str) -> None:
    import psycopg

    from osukit.contrib.distributed import PostgresSink

    queue = CrawlQueue(redis_url, "pg", visibility_timeout=5)
    queue.submit(range_tasks("beatmaps", 1, 500))
    sink = PostgresSink(postgres_dsn, table="crawl_pg")
    sink.write(Task("beatmaps:1-50", "beatmaps"), [Row("beatmap:1", {"stale": True})])  # replaced by the real row
    _run_threads(queue, emu, sink)
    sink.close()
    with psycopg.connect(postgres_dsn) as conn:
        rows = conn.execute("SELECT key, value FROM crawl_pg").fetchall()
    assert len(rows) == 500 and len({k for k, _ in rows}) == 500
    assert all(v is None or "stale" not in v for _, v in rows)
    with pytest.raises(osukit.TransportError, match="PostgreSQL"):
        PostgresSink(f"postgresql://osukit@127.0.0.1:{free_port()}/postgres?connect_timeout=1")


# ------------------------------------------------------------- worker processes, kill -9, budgets


class Fleet:
    """Worker processes of one crawl, a sampler of the emulator's request count, and kills."""

    def __init__(self, emu: Emulator, redis_url: str, tmp: Path, *, name: str, budget: float,
                 per_token: float | None, visibility: float, poll: float = 0.5) -> None:
        self.emu = emu
        self.cfg = tmp / f"{name}.json"
        self.out = tmp / f"{name}-out"
        self.visibility, self.poll = visibility, poll
        self.cfg.write_text(json.dumps({
            "redis": redis_url, "name": name, "base_url": emu.base_url, "client_id": emu.client_id,
            "client_secret": emu.client_secret, "sink_kind": "jsonl", "sink": str(self.out), "budget": budget,
            "per_token": per_token, "visibility_timeout": visibility, "poll": poll,
        }))
        self.procs: dict[str, subprocess.Popen[bytes]] = {}
        self.samples: list[tuple[float, int]] = []
        self._sampling = True
        self._sampler = threading.Thread(target=self._sample, daemon=True)
        self._sampler.start()

    def _sample(self) -> None:
        while self._sampling:
            self.samples.append((time.monotonic(), self.emu.stats()["by_route"].get(ROUTE, 0)))
            time.sleep(0.1)

    def spawn(self, worker: str) -> None:
        self.procs[worker] = subprocess.Popen([sys.executable, "-m", "tests.scale._dcrawl_worker", str(self.cfg), worker],
                                              cwd=ROOT, stdout=subprocess.PIPE, stderr=subprocess.PIPE)

    def wait(self, timeout: float) -> None:
        deadline = time.monotonic() + timeout
        for name, proc in self.procs.items():
            if proc.returncode is not None:
                continue
            try:
                proc.wait(max(1.0, deadline - time.monotonic()))
            except subprocess.TimeoutExpired:
                for p in self.procs.values():
                    p.kill()
                raise AssertionError(f"worker {name} did not finish") from None
            assert proc.returncode == 0, proc.stderr.read().decode()[-3000:] if proc.stderr else name
        self._sampling = False
        self._sampler.join()

    def rate_per_minute(self, total: int) -> float:
        """Requests per minute between 5% and 95% of ``total`` (leaving out start-up and the last reclaims)."""
        lo = next(t for t, n in self.samples if n >= total * 0.05)
        hi = next(t for t, n in self.samples if n >= total * 0.95)
        return total * 0.9 / (hi - lo) * 60.0


def _pending_of(queue: CrawlQueue, consumer: str) -> int:
    for c in queue.redis.xinfo_consumers(queue.stream, "workers"):
        name = c["name"].decode() if isinstance(c["name"], bytes) else c["name"]
        if name == consumer:
            return int(c["pending"])
    return 0


@pytest.mark.slow
def test_100k_ids_four_workers_killed_at_random_one_budget(redis_url: str, tmp_path: Path) -> None:
    n_ids, budget, visibility = 100_000, 1200.0, 4.0
    tasks = n_ids // 50
    with Emulator(seed=0, rate_limit=int(budget)) as emu:
        queue = CrawlQueue(redis_url, "big", visibility_timeout=visibility)
        assert queue.submit(range_tasks("beatmaps", 1_000_001, 1_000_000 + n_ids)) == tasks
        fleet = Fleet(emu, redis_url, tmp_path, name="big", budget=budget, per_token=None, visibility=visibility)
        for i in range(4):
            fleet.spawn(f"w{i}")
        rng = random.Random(20)
        kills: list[tuple[str, float, int]] = []
        reclaim: list[float] = []
        while len(kills) < 4:
            time.sleep(rng.uniform(6, 12))
            live = [w for w, p in fleet.procs.items() if p.poll() is None]
            victim = rng.choice(live)
            fleet.procs[victim].send_signal(signal.SIGKILL)
            fleet.procs[victim].wait()
            killed_at = time.monotonic()
            held = _pending_of(queue, victim)
            kills.append((victim, killed_at, held))
            fleet.spawn(f"{victim}-r{len(kills)}")
            if held:
                while _pending_of(queue, victim) and time.monotonic() - killed_at < visibility + 30:
                    time.sleep(0.05)
                reclaim.append(time.monotonic() - killed_at)
        fleet.wait(timeout=600)
        stats = emu.stats()
        st = queue.status()
    counts = collect(fleet.out, tmp_path / "all.jsonl")
    keys = [json.loads(line)["key"] for line in (tmp_path / "all.jsonl").read_text().splitlines()]
    rate = fleet.rate_per_minute(tasks)
    print(f"\ndistributed crawl: {n_ids} ids, {tasks} tasks, 4 workers, {len(kills)} kill -9 "
          f"(tasks held at the kill: {[h for _, _, h in kills]}), requests={stats['by_route'][ROUTE]}, "
          f"429s={stats['rate_limited']}, rate={rate:.1f}/min vs budget {budget:.0f} "
          f"({rate / budget * 100:.1f}%), reclaim after kill: {[round(r, 2) for r in reclaim]} s "
          f"(visibility timeout {visibility} s), collect={counts}, retried={st.retried}")
    assert st.complete and st.done == tasks and st.dead == 0
    assert len(keys) == n_ids == len(set(keys)) == counts["rows"], "every id stored exactly once"
    assert stats["rate_limited"] == 0
    assert abs(rate / budget - 1) <= 0.05, f"aggregate rate {rate:.1f}/min is not within 5% of {budget}"
    assert stats["by_route"][ROUTE] <= tasks + len(kills), "only tasks in hand at a kill run again"
    # Reclaimed once idle for the visibility timeout, by the next worker loop (one poll), with slack for a
    # loaded machine.
    assert all(r <= visibility + fleet.poll + 3.0 for r in reclaim), reclaim


@pytest.mark.slow
def test_per_token_budgets_add_up_to_the_app_cap(redis_url: str, tmp_path: Path) -> None:
    n_ids, per_token, workers = 20_000, 300.0, 4
    cap = per_token * workers
    tasks = n_ids // 50
    # The emulator throttles each token at per_token (osu-web keys its limit on the token).
    with Emulator(seed=0, rate_limit=int(per_token)) as emu:
        queue = CrawlQueue(redis_url, "tok", visibility_timeout=10)
        queue.submit(range_tasks("beatmaps", 1_000_001, 1_000_000 + n_ids))
        fleet = Fleet(emu, redis_url, tmp_path, name="tok", budget=cap, per_token=per_token, visibility=10)
        for i in range(workers):
            fleet.spawn(f"w{i}")
        fleet.wait(timeout=300)
        stats = emu.stats()
        tokens = stats["token_requests"]
    rate = fleet.rate_per_minute(tasks)
    print(f"\nper-token budgets: {workers} tokens x {per_token:.0f}/min under an app cap of {cap:.0f}/min: "
          f"{rate:.1f}/min ({rate / cap * 100:.1f}% of the cap), 429s={stats['rate_limited']}, "
          f"token requests={tokens}")
    assert sum(tokens.values()) >= workers, "one token per worker"
    assert stats["rate_limited"] == 0
    assert abs(rate / cap - 1) <= 0.05
    assert collect(fleet.out, tmp_path / "all.jsonl")["rows"] == n_ids


# ----------------------------------------------------------------------------------------- CLI


def test_cli_submit_work_status_collect(redis_url: str, emu: Emulator, tmp_path: Path) -> None:
    env = {**os.environ, "OSUKIT_REDIS_URL": redis_url, "OSU_CLIENT_ID": str(emu.client_id),
           "OSU_CLIENT_SECRET": emu.client_secret, "OSU_BASE_URL": emu.base_url,
           "OSUKIT_CONFIG": str(tmp_path / "none.toml"), "OSUKIT_TOKEN_FILE": str(tmp_path / "tokens.json")}

    def cli(*args: str, timeout: float = 120) -> subprocess.CompletedProcess[str]:
        return subprocess.run([sys.executable, "-m", "osukit.cli", *args], cwd=tmp_path, env=env,
                              capture_output=True, text=True, timeout=timeout)

    r = cli("crawl", "submit", "beatmaps", "--ids", "1000001-1000500", "--name", "cli")
    assert r.returncode == 0 and "submitted 10 tasks" in r.stderr, r.stderr
    r = cli("crawl", "submit", "beatmaps", "--ids", "1-5", "--name", "cli")
    assert r.returncode != 0 and "already submitted" in r.stderr
    workers = [subprocess.Popen([sys.executable, "-m", "osukit.cli", "crawl", "work", "--name", "cli", "--budget", "1200",
                                 "--out-dir", "out", "--worker", f"cli-{i}"], cwd=tmp_path, env=env,
                                stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True) for i in range(2)]
    for w in workers:
        _, err = w.communicate(timeout=180)
        assert w.returncode == 0, err
    status = json.loads(cli("crawl", "status", "--name", "cli", "--json").stdout)
    assert status["complete"] and status["done"] == 10 and status["rows"] == 500 and status["dead"] == 0
    assert set(status["workers"]) <= {"cli-0", "cli-1"} and status["workers"]  # a fast worker may take every task
    r = cli("crawl", "status", "--name", "cli")
    assert r.returncode == 0 and "10/10 done (complete)" in r.stdout
    r = cli("crawl", "collect", "--out-dir", "out", "--out", "all.jsonl")
    assert r.returncode == 0 and "wrote 500 rows of 10 tasks" in r.stderr
    assert len((tmp_path / "all.jsonl").read_text().splitlines()) == 500
