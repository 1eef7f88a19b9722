"""Distributed crawls, the user report: a worker whose client cannot work stops instead of dead-lettering
the crawl, dead letters can be retried, crawls deleted, "retried" counts redeliveries, unknown crawls are
errors, and ``crawl status`` gives task rates (also in the first minute) and an ETA in tasks."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import threading
import time
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest

import osukit
from osukit import _exceptions as E
from osukit.cli._errors import explain
from osukit.contrib.distributed import (
    CrawlQueue,
    JsonlSink,
    Row,
    Task,
    Worker,
    collect,
    default_handlers,
    range_tasks,
    window_rate,
)
from osukit.emulator import Emulator

FIRST_BEATMAP = 1_000_001  # the emulator's beatmap ids start above a million


@pytest.fixture
def emu() -> Iterator[Emulator]:
    with Emulator(seed=0) as e:
        yield e


def _client(emu: Emulator, secret: str | None = None) -> osukit.Client:
    return osukit.Client(client_id=emu.client_id, client_secret=secret or emu.client_secret, base_url=emu.base_url,
                         rate_limit=0)


def _run(worker: Worker, timeout: float = 120) -> None:
    t = threading.Thread(target=worker.run)
    t.start()
    t.join(timeout)
    assert not t.is_alive(), "worker did not finish"


FATAL: list[Callable[[], BaseException]] = [
    lambda: E.ConfigurationError("no credentials"),
    lambda: E.AuthenticationError("Unauthenticated.", status_code=401),
    lambda: E.MissingScopeError("needs public", scope="public"),
    lambda: E.MissingExtraError("the handler", "pp"),
]


@pytest.mark.parametrize("make", FATAL, ids=["configuration", "authentication", "missing-scope", "missing-extra"])
def test_worker_errors_stop_the_worker_and_leave_the_task_pending(redis_url: str, emu: Emulator, tmp_path: Path,
                                                                  make: Callable[[], BaseException]) -> None:
    queue = CrawlQueue(redis_url, "fatal", visibility_timeout=600, max_deliveries=2)
    queue.submit(range_tasks("beatmaps", FIRST_BEATMAP, FIRST_BEATMAP + 99))
    calls: list[str] = []

    def broken(client: Any, task: Task) -> list[Row]:
        calls.append(task.id)
        raise make()

    sink = JsonlSink(tmp_path / "o", "w")
    with _client(emu) as client:
        bad = Worker(queue, client, sink, name="bad", poll=0.1, handlers={"beatmaps": broken})
        for _ in range(3):  # more runs than max_deliveries: a broken worker never dead-letters the task
            with pytest.raises(type(make())):
                bad.run()
        assert len(calls) == 3
        st = queue.status()
        assert st.dead == 0 and st.done == 0 and st.pending == 1 and st.retried == 0
        # a fixed worker takes the given-back task at once (not after the 600 s visibility timeout)
        good = Worker(queue, client, sink, name="good", poll=0.1)
        _run(good)
    sink.close()
    st = queue.status()
    assert st.complete and st.done == 2 and st.dead == 0 and good.processed == 2
    assert collect(tmp_path / "o", tmp_path / "all.jsonl")["rows"] == 100


def test_a_client_with_a_wrong_secret_stops_the_worker(redis_url: str, emu: Emulator, tmp_path: Path) -> None:
    queue = CrawlQueue(redis_url, "auth", visibility_timeout=600, max_deliveries=1)
    queue.submit(range_tasks("beatmaps", FIRST_BEATMAP, FIRST_BEATMAP + 9))
    sink = JsonlSink(tmp_path / "o", "w")
    with _client(emu, secret="wrong") as client:
        with pytest.raises(osukit.AuthenticationError):
            Worker(queue, client, sink, name="w", poll=0.1).run()
    assert queue.status().dead == 0 and queue.status().pending == 1
    sink.close()


def test_a_bad_task_argument_is_the_task_s_fault_and_is_dead_lettered(redis_url: str, emu: Emulator,
                                                                       tmp_path: Path) -> None:
    queue = CrawlQueue(redis_url, "badarg", visibility_timeout=0.2, max_deliveries=2)
    queue.submit([Task("x:1", "beatmaps", {"ids": []}), Task("x:2", "boom", {})])

    def boom(client: Any, task: Task) -> list[Row]:
        raise E.InvalidParameterError("ids must not be empty")

    sink = JsonlSink(tmp_path / "o", "w")
    with _client(emu) as client:
        _run(Worker(queue, client, sink, name="w", poll=0.1, handlers={**default_handlers(), "boom": boom}))
    sink.close()
    assert "x:2" in [d["id"] for d in queue.dead_letters()]


def test_retried_counts_redeliveries_and_dead_letters_can_be_requeued(redis_url: str, emu: Emulator,
                                                                       tmp_path: Path) -> None:
    queue = CrawlQueue(redis_url, "retry", visibility_timeout=0.2, max_deliveries=5)
    queue.submit([Task("a", "flaky", {}), Task("b", "flaky", {})])
    broken = True
    calls: list[str] = []

    def flaky(client: Any, task: Task) -> list[Row]:
        calls.append(task.id)
        if broken:
            raise RuntimeError("the handler broke")
        return [Row(f"flaky:{task.id}", {"id": task.id})]

    sink = JsonlSink(tmp_path / "o", "w")
    with _client(emu) as client:
        _run(Worker(queue, client, sink, name="w", poll=0.1, handlers={"flaky": flaky}))
        st = queue.status()
        assert sorted(calls) == ["a"] * 5 + ["b"] * 5
        assert st.complete and st.dead == 2 and st.retried == 8  # 2 tasks x 4 redeliveries
        broken = False
        assert queue.requeue_dead() == 2
        st = queue.status()
        assert st.dead == 0 and st.waiting == 2 and not st.complete and queue.dead_letters() == []
        _run(Worker(queue, client, sink, name="w2", poll=0.1, handlers={"flaky": flaky}))
    sink.close()
    st = queue.status()
    assert st.complete and st.done == 2 and st.dead == 0 and st.rows == 2
    assert queue.requeue_dead() == 0


def test_unknown_crawl_does_not_exist_and_the_worker_can_wait_for_it(redis_url: str, emu: Emulator,
                                                                     tmp_path: Path) -> None:
    queue = CrawlQueue(redis_url, "later")
    assert not queue.exists() and not queue.status().exists
    sink = JsonlSink(tmp_path / "o", "w")
    with _client(emu) as client:
        with pytest.raises(osukit.ConfigurationError, match="does not exist"):
            Worker(queue, client, sink, name="w", poll=0.1).run()
        waiting = Worker(queue, client, sink, name="w", poll=0.1)
        t = threading.Thread(target=lambda: waiting.run(wait_for_submit=True))
        t.start()
        time.sleep(0.5)
        assert t.is_alive()
        queue.submit(range_tasks("beatmaps", FIRST_BEATMAP, FIRST_BEATMAP + 99))
        t.join(120)
        assert not t.is_alive() and waiting.processed == 2
    sink.close()
    assert queue.exists() and queue.status().complete


def test_window_rate() -> None:
    assert window_rate({}, 1000.0, None) == 0.0
    # steady: the last 5 whole buckets and the current one (50 s at now=1000) hold 10 tasks each
    assert window_rate(dict.fromkeys(range(90, 101), 10), 1000.0, 0.0) == pytest.approx(60 * 60 / 50)
    # first minute: 9 tasks since the first ack 5 s ago is 108/min, not 0
    assert window_rate({99: 6, 100: 3}, 1000.0, 995.0) == pytest.approx(108.0)


def test_status_before_any_task_is_done_has_no_rate_and_no_eta(redis_url: str) -> None:
    queue = CrawlQueue(redis_url, "rate")
    queue.submit(range_tasks("beatmaps", FIRST_BEATMAP, FIRST_BEATMAP + 499))  # 10 tasks of 50 ids
    st = queue.status()
    assert st.tasks_per_minute == 0 and st.eta_seconds is None and st.left == 10 and st.as_dict()["eta_seconds"] is None
    queue.close()


def test_cli_status_rates_eta_and_json_agree(redis_url: str, emu: Emulator, tmp_path: Path) -> None:
    queue = CrawlQueue(redis_url, "eta")
    queue.submit(range_tasks("beatmaps", FIRST_BEATMAP, FIRST_BEATMAP + 499))  # 10 tasks of 50 ids
    sink = JsonlSink(tmp_path / "o", "w")
    with _client(emu) as client:
        w = Worker(queue, client, sink, name="w", poll=0.1)
        done = 0
        while done < 3:
            done += w.run_once()
        st = queue.status()
        assert st.done == 3 and st.rows == 150 and not st.complete
        # within the crawl's first minute the rate is known, in tasks and in rows
        assert st.tasks_per_minute > 0 and st.rate_per_minute == pytest.approx(st.tasks_per_minute * 50)
        assert st.eta_seconds == pytest.approx(7 / st.tasks_per_minute * 60)
        data = st.as_dict()
        assert data["left"] == 7 and data["eta_seconds"] == round(st.eta_seconds)
        _run(w)
    sink.close()
    env = _env(redis_url, emu, tmp_path)
    js = json.loads(_cli(env, tmp_path, "crawl", "status", "--name", "eta", "--json").stdout)
    table = _cli(env, tmp_path, "crawl", "status", "--name", "eta").stdout
    assert js["complete"] and js["done"] == 10 and js["tasks_per_minute"] > 0 and js["eta_seconds"] == 0
    # complete: the whole crawl's average, the same in the table and the JSON
    assert f"{js['tasks_per_minute']:,.1f} tasks/min, {js['rate_per_minute']:,.1f} rows/min" in table, table


def _env(redis_url: str, emu: Emulator, tmp_path: Path) -> dict[str, str]:
    return {**os.environ, "OSUKIT_REDIS_URL": redis_url, "OSU_CLIENT_ID": str(emu.client_id),
            "OSU_CLIENT_SECRET": emu.client_secret, "OSU_BASE_URL": emu.base_url,
            "OSUKIT_CONFIG": str(tmp_path / "none.toml"), "OSUKIT_TOKEN_FILE": str(tmp_path / "tokens.json")}


def _cli(env: dict[str, str], cwd: Path, *args: str, timeout: float = 120) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, "-m", "osukit.cli", *args], cwd=cwd, env=env, capture_output=True,
                          text=True, timeout=timeout)


def test_cli_unknown_crawl_retry_dead_and_delete(redis_url: str, emu: Emulator, tmp_path: Path) -> None:
    env = _env(redis_url, emu, tmp_path)
    r = _cli(env, tmp_path, "crawl", "status", "--name", "nonexistent")
    assert r.returncode == 5 and "crawl 'nonexistent' does not exist" in r.stderr, r.stderr
    r = _cli(env, tmp_path, "crawl", "status", "--name", "nonexistent", "--wait")
    assert r.returncode == 2 and "--wait needs --watch" in r.stderr
    r = _cli(env, tmp_path, "crawl", "work", "--name", "nonexistent", "--out-dir", "out")
    assert r.returncode == 5 and "does not exist" in r.stderr and "--wait" in r.stderr, r.stderr
    for cmd in (("retry-dead",), ("delete", "--yes")):
        r = _cli(env, tmp_path, "crawl", *cmd, "--name", "nonexistent")
        assert r.returncode == 5 and "does not exist" in r.stderr, r.stderr

    # work --wait and status --watch --wait wait for the submit
    worker = subprocess.Popen([sys.executable, "-m", "osukit.cli", "crawl", "work", "--name", "maps", "--wait",
                               "--budget", "1200", "--out-dir", "out", "--worker", "w1"], cwd=tmp_path, env=env,
                              stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    watcher = subprocess.Popen([sys.executable, "-m", "osukit.cli", "crawl", "status", "--name", "maps", "--watch",
                                "0.3", "--wait", "--json"], cwd=tmp_path, env=env,
                               stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    time.sleep(1.0)
    assert worker.poll() is None and watcher.poll() is None
    r = _cli(env, tmp_path, "crawl", "submit", "beatmaps", "--ids", f"{FIRST_BEATMAP}-{FIRST_BEATMAP + 99}",
             "--name", "maps")
    assert r.returncode == 0, r.stderr
    _, err = worker.communicate(timeout=180)
    assert worker.returncode == 0 and "waiting for crawl 'maps' to be submitted" in err and "2 tasks done" in err
    out, err = watcher.communicate(timeout=180)
    assert watcher.returncode == 0 and json.loads(out.splitlines()[-1])["complete"], err

    # resubmitting needs a delete; the hint says how
    r = _cli(env, tmp_path, "crawl", "submit", "beatmaps", "--ids", "1-5", "--name", "maps")
    assert r.returncode == 3 and "already submitted" in r.stderr
    assert "hint: `osukit crawl delete --name maps --yes`" in r.stderr and "OSU_CLIENT_ID" not in r.stderr
    assert explain(_submitted_twice(redis_url)).hint == (
        "`osukit crawl delete --name twice --yes` (CrawlQueue.delete()) removes it, or submit under another --name")

    # dead letters back on the stream
    queue = CrawlQueue(redis_url, "maps")
    queue.redis.xadd(queue.dead, {**Task("beatmaps:x", "beatmaps", {"ids": [FIRST_BEATMAP]}).fields(),
                                  "error": "RuntimeError: x", "deliveries": "5"})
    r = _cli(env, tmp_path, "crawl", "retry-dead", "--name", "maps")
    assert r.returncode == 0 and "put 1 dead-lettered tasks of crawl 'maps' back" in r.stderr, r.stderr
    assert queue.dead_letters() == [] and queue.status().waiting == 1

    r = _cli(env, tmp_path, "crawl", "delete", "--name", "maps")
    assert r.returncode == 2 and "pass --yes" in r.stderr and queue.exists()
    r = _cli(env, tmp_path, "crawl", "delete", "--name", "maps", "--yes")
    assert r.returncode == 0 and "deleted crawl 'maps'" in r.stderr and not queue.exists()
    r = _cli(env, tmp_path, "crawl", "submit", "beatmaps", "--ids", "1-5", "--name", "maps")
    assert r.returncode == 0, r.stderr
    queue.close()


def _submitted_twice(redis_url: str) -> BaseException:
    queue = CrawlQueue(redis_url, "twice")
    queue.submit([Task("t", "beatmaps", {"ids": [1]})])
    try:
        queue.submit([Task("t", "beatmaps", {"ids": [1]})])
    except osukit.ConfigurationError as exc:
        return exc
    finally:
        queue.close()
    raise AssertionError("the second submit was accepted")
