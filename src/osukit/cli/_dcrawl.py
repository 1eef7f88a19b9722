"""``osukit crawl``: single-machine crawls (``users``, ``beatmaps``, ``scores``, ``beatmapsets``) and
crawls split across machines on Redis Streams (``submit``, ``work``, ``status``, ``collect``)."""

from __future__ import annotations

import json
import os
import signal
import sys
import time
from pathlib import Path
from typing import Annotated, Any

import typer

from ._crawl import parse_ids, run_crawl
from ._errors import CliError, ExitCode
from ._render import plural, print_kv

__all__ = ["crawl_app"]

crawl_app = typer.Typer(
    help="Bulk crawls: on this machine (users, beatmaps, scores, beatmapsets) or split across machines "
         "through Redis (submit, work, status, collect; the osukit[redis] extra).",
    no_args_is_help=True,
)

OutOpt = Annotated[Path, typer.Option("--out", "-o", help="JSON Lines output file.")]
ModeOpt = Annotated[str | None, typer.Option("--mode", "-m", help="Ruleset: osu, taiko, fruits (catch) or mania.")]
ResumeOpt = Annotated[bool, typer.Option("--resume", help="Continue an interrupted crawl of the same --out.")]
RestartOpt = Annotated[bool, typer.Option("--restart", help="Forget the checkpoint and start over.")]
ConcOpt = Annotated[int, typer.Option("--concurrency", min=1, max=16, help="Id chunks in flight.")]
ProgressOpt = Annotated[bool, typer.Option("--progress/--no-progress", help="Show a progress bar.")]
IdsOpt = Annotated[str, typer.Option("--ids", help="An id range A-B (inclusive), A,B,C, or a file with one id a line.")]
RedisOpt = Annotated[str, typer.Option("--redis", envvar="OSUKIT_REDIS_URL",
                                       help="Redis URL shared by the producer and every worker. Env: OSUKIT_REDIS_URL.")]
NameOpt = Annotated[str, typer.Option("--name", help="The crawl's name (its Redis keys).")]


def _state(ctx: typer.Context) -> Any:
    from ._app import _state as state

    return state(ctx)


def _ruleset(mode: str | None) -> Any:
    from ._app import _ruleset as ruleset

    return ruleset(mode)


def _local(ctx: typer.Context, kind: str, args: list[str], out: Path, ids: str | None, mode: str | None,
           resume: bool, restart: bool, concurrency: int, progress: bool) -> None:
    run_crawl(_state(ctx), kind, args, out=out, ids=ids, mode=_ruleset(mode), resume=resume, restart=restart,
              concurrency=concurrency, progress=progress)


@crawl_app.command("users")
def crawl_users(ctx: typer.Context, ids: IdsOpt, out: OutOpt = Path("crawl.jsonl"), resume: ResumeOpt = False,
                restart: RestartOpt = False, concurrency: ConcOpt = 4, progress: ProgressOpt = True) -> None:
    """Users by id (50 a request; each id costs one request of the rate limit)."""
    _local(ctx, "users", [], out, ids, None, resume, restart, concurrency, progress)


@crawl_app.command("beatmaps")
def crawl_beatmaps(ctx: typer.Context, ids: IdsOpt, out: OutOpt = Path("crawl.jsonl"), resume: ResumeOpt = False,
                   restart: RestartOpt = False, concurrency: ConcOpt = 4, progress: ProgressOpt = True) -> None:
    """Beatmaps by id (50 a request)."""
    _local(ctx, "beatmaps", [], out, ids, None, resume, restart, concurrency, progress)


@crawl_app.command("scores")
def crawl_scores(
    ctx: typer.Context,
    user: Annotated[str, typer.Argument(help="User id or name.")],
    kind: Annotated[str, typer.Argument(help="best, firsts, pinned or recent.")] = "best",
    out: OutOpt = Path("crawl.jsonl"), mode: ModeOpt = None, resume: ResumeOpt = False, restart: RestartOpt = False,
    progress: ProgressOpt = True,
) -> None:
    """A user's scores of one kind, every page."""
    _local(ctx, "scores", [user, kind], out, None, mode, resume, restart, 1, progress)


@crawl_app.command("beatmapsets")
def crawl_beatmapsets(
    ctx: typer.Context,
    query: Annotated[list[str] | None, typer.Argument(help="Search words (none: every beatmapset).")] = None,
    out: OutOpt = Path("crawl.jsonl"), mode: ModeOpt = None, resume: ResumeOpt = False, restart: RestartOpt = False,
    progress: ProgressOpt = True,
) -> None:
    """Beatmapset search results, every page."""
    _local(ctx, "beatmapsets", list(query or []), out, None, mode, resume, restart, 1, progress)


# ------------------------------------------------------------------------------ across machines


def _queue(redis: str, name: str, visibility_timeout: float = 60.0, max_deliveries: int = 5) -> Any:
    from ..contrib.distributed import CrawlQueue

    return CrawlQueue(redis, name, visibility_timeout=visibility_timeout, max_deliveries=max_deliveries)


@crawl_app.command("submit")
def crawl_submit(
    kind: Annotated[str, typer.Argument(help="users or beatmaps (ids), or user_beatmap_score (--pairs FILE).")],
    redis: RedisOpt,
    name: NameOpt = "crawl",
    ids: Annotated[str | None, typer.Option("--ids", help="An id range A-B, A,B,C, or a file of ids.")] = None,
    pairs: Annotated[Path | None, typer.Option("--pairs", help="A file of 'USER BEATMAP' lines.")] = None,
    per_task: Annotated[int, typer.Option("--per-task", min=1, max=50, help="Ids per task (one request).")] = 50,
) -> None:
    """Split a crawl into tasks and put them on the Redis stream for the workers."""
    from ..contrib.distributed import id_tasks, pair_tasks

    if kind in ("users", "beatmaps"):
        if not ids:
            raise CliError(f"crawl submit {kind} needs --ids", "e.g. --ids 1-100000", ExitCode.USAGE)
        tasks = id_tasks(kind, parse_ids(ids), per_task=per_task)
    elif kind == "user_beatmap_score":
        if pairs is None:
            raise CliError("crawl submit user_beatmap_score needs --pairs FILE", None, ExitCode.USAGE)
        lines = [line.split() for line in pairs.read_text(encoding="utf-8").splitlines() if line.strip()]
        try:
            tasks = pair_tasks((int(u), int(b)) for u, b in lines)
        except ValueError:
            raise CliError(f"{pairs}: every line must be 'USER BEATMAP'", None, ExitCode.USAGE) from None
    else:
        raise CliError(f"unknown task kind {kind!r}", "use users, beatmaps or user_beatmap_score", ExitCode.USAGE)
    queue = _queue(redis, name)
    try:
        count = queue.submit(tasks, description=f"{kind} {ids or pairs}")
    finally:
        queue.close()
    sys.stderr.write(f"submitted {plural(count, 'tasks')} to crawl {name!r}; start workers with "
                     f"`osukit crawl work --redis URL --name {name} --out-dir DIR`\n")


@crawl_app.command("work")
def crawl_work(
    ctx: typer.Context,
    redis: RedisOpt,
    name: NameOpt = "crawl",
    out_dir: Annotated[Path, typer.Option("--out-dir", help="JSON Lines sink: one file per worker here.")] = Path(
        "crawl-out"),
    sqlite: Annotated[Path | None, typer.Option("--sqlite", help="Upsert rows into this SQLite file instead.")] = None,
    postgres: Annotated[str | None, typer.Option("--postgres", help="Upsert into PostgreSQL (libpq conninfo).")] = None,
    budget: Annotated[float, typer.Option("--budget", help="Requests per minute shared by every worker "
                                          "(osu!'s terms: 60 unless osu! allowed you more).")] = 60.0,
    visibility_timeout: Annotated[float, typer.Option("--visibility-timeout", help="Seconds before another "
                                                      "worker takes over an unacknowledged task.")] = 60.0,
    worker: Annotated[str | None, typer.Option("--worker", help="This worker's name (default host:pid).")] = None,
    wait: Annotated[bool, typer.Option("--wait", help="If the crawl was not submitted yet, wait for the "
                                       "submit instead of stopping with an error.")] = False,
) -> None:
    """Take tasks from the stream until the crawl is complete (Ctrl-C stops after the task in hand)."""
    from ..contrib.distributed import JsonlSink, PostgresSink, SQLiteSink, Worker
    from ..contrib.redis import RedisRateLimiter, RedisTokenStore

    queue = _queue(redis, name, visibility_timeout)
    if not wait:
        _must_exist(queue, "--wait")
    elif not queue.exists():
        sys.stderr.write(f"waiting for crawl {name!r} to be submitted (Ctrl-C stops)\n")
    limiter = RedisRateLimiter(redis, key=f"crawl:{name}", per_minute=budget)
    store = RedisTokenStore(redis)
    state = _state(ctx)
    worker_name = worker or f"{os.uname().nodename}:{os.getpid()}"
    sink: Any
    if postgres:
        sink = PostgresSink(postgres)
    elif sqlite is not None:
        sink = SQLiteSink(sqlite)
    else:
        sink = JsonlSink(out_dir, worker_name.replace(":", "-").replace("/", "-"))
    s = state.settings
    extra: dict[str, Any] = {"token_store": store} if (s.client_id and s.client_secret and not s.access_token) else {}
    with state.client(rate_limit=limiter, **extra) as client:
        w = Worker(queue, client, sink, name=worker_name)

        def stop(signum: int, frame: Any) -> None:
            sys.stderr.write("stopping after the task in hand (Ctrl-C again to quit at once)\n")
            w.stop()
            signal.signal(signal.SIGINT, signal.default_int_handler)

        signal.signal(signal.SIGINT, stop)
        try:
            done = w.run(wait_for_submit=wait)
        finally:
            sink.close()
            queue.close()
    sys.stderr.write(f"worker {worker_name}: {plural(done, 'tasks')} done\n")


@crawl_app.command("status")
def crawl_status(
    redis: RedisOpt,
    name: NameOpt = "crawl",
    as_json: Annotated[bool, typer.Option("--json", help="Print the status as JSON.")] = False,
    watch: Annotated[float, typer.Option("--watch", help="Refresh every N seconds until complete (0: once).")] = 0.0,
    wait: Annotated[bool, typer.Option("--wait", help="With --watch: if the crawl was not submitted yet, "
                                       "wait for it instead of stopping with an error.")] = False,
) -> None:
    """Progress, rate, ETA, workers, pending, retried and dead-lettered tasks.

    Rates are per minute over the last 60 s (since the first stored task during a crawl's first minute; the
    whole crawl's average once it is complete); the ETA is the tasks left at the task rate.
    """
    from ..contrib._crawl import format_duration

    if wait and not watch:
        raise CliError("--wait needs --watch N (how often to look)", None, ExitCode.USAGE)
    queue = _queue(redis, name)
    try:
        if not wait:
            _must_exist(queue, "--watch N --wait")
        while True:
            st = queue.status()
            if not st.exists:
                time.sleep(watch)
                continue
            if as_json:
                sys.stdout.write(json.dumps(st.as_dict()) + "\n")
            else:
                eta = "-" if st.eta_seconds is None else format_duration(st.eta_seconds)
                print_kv(None, [
                    ("crawl", st.name), ("tasks", f"{st.done}/{st.total} done" + (" (complete)" if st.complete else "")),
                    ("rows stored", str(st.rows)),
                    ("rate", f"{st.tasks_per_minute:,.1f} tasks/min, {st.rate_per_minute:,.1f} rows/min"),
                    ("ETA", eta),
                    ("pending", str(st.pending)), ("not yet delivered", str(st.waiting)),
                    ("retried", str(st.retried)), ("dead-lettered", str(st.dead)),
                    ("workers", ", ".join(f"{w} (idle {idle:.0f}s)" for w, idle in sorted(st.workers.items())) or "-"),
                ])
            if not watch or st.complete:
                break
            time.sleep(watch)
    finally:
        queue.close()


def _must_exist(queue: Any, flag: str | None) -> None:
    if not queue.exists():
        raise CliError(f"crawl {queue.name!r} does not exist (nothing was submitted under that name)",
                       f"check --name and --redis, or submit it with `osukit crawl submit ... --name {queue.name}`"
                       + (f" (or pass {flag} to wait for the submit)" if flag else ""), ExitCode.NOT_FOUND)


@crawl_app.command("retry-dead")
def crawl_retry_dead(redis: RedisOpt, name: NameOpt = "crawl") -> None:
    """Put the crawl's dead-lettered tasks back on the stream (after fixing what failed them)."""
    queue = _queue(redis, name)
    try:
        _must_exist(queue, None)
        moved = queue.requeue_dead()
    finally:
        queue.close()
    sys.stderr.write(f"put {moved} dead-lettered tasks of crawl {name!r} back on the stream"
                     + (f"; run `osukit crawl work --name {name}` to do them\n" if moved else "\n"))


@crawl_app.command("delete")
def crawl_delete(
    redis: RedisOpt,
    name: NameOpt = "crawl",
    yes: Annotated[bool, typer.Option("--yes", help="Really delete (tasks, dead letters and counters).")] = False,
) -> None:
    """Delete a crawl's Redis keys (needed before submitting the same --name again); stored rows stay."""
    queue = _queue(redis, name)
    try:
        if not queue.exists():
            raise CliError(f"crawl {name!r} does not exist (nothing was submitted under that name)",
                           "check --name and --redis", ExitCode.NOT_FOUND)
        if not yes:
            st = queue.status()
            raise CliError(f"this deletes crawl {name!r} ({st.done}/{st.total} tasks done, {st.dead} dead-lettered) "
                           "from Redis", "pass --yes to confirm", ExitCode.USAGE)
        queue.delete()
    finally:
        queue.close()
    sys.stderr.write(f"deleted crawl {name!r}\n")


@crawl_app.command("collect")
def crawl_collect(
    out_dir: Annotated[Path, typer.Option("--out-dir", help="The workers' JSON Lines directory.")] = Path("crawl-out"),
    out: OutOpt = Path("crawl.jsonl"),
) -> None:
    """Merge the workers' JSON Lines files: one line per row, each row once, ordered by key."""
    from ..contrib.distributed import collect

    if not out_dir.is_dir():
        raise CliError(f"{out_dir} is not a directory", "pass the --out-dir the workers wrote to", ExitCode.USAGE)
    counts = collect(out_dir, out)
    sys.stderr.write(f"wrote {plural(counts['rows'], 'rows')} of {plural(counts['tasks'], 'tasks')} to {out} "
                     f"({counts['duplicates']} re-run task copies and {counts['uncommitted']} partial ones left out)\n")
