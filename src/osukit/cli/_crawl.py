"""``osukit crawl``: resumable bulk crawls to JSON Lines on top of ``client.crawl``."""

from __future__ import annotations

import sys
from pathlib import Path
from typing import Any

from ..contrib._crawl import format_duration
from ._errors import CliError, ExitCode, check_choice
from ._render import plural
from ._state import State, resolve_attr

__all__ = ["estimate", "format_duration", "parse_ids", "run_crawl"]

KINDS = ("scores", "beatmapsets", "users", "beatmaps")


def parse_ids(spec: str) -> list[int]:
    """``A-B`` (inclusive), ``A,B,C``, or a file with one id per line."""
    path = Path(spec)
    if path.is_file():
        out = []
        for number, line in enumerate(path.read_text(encoding="utf-8").splitlines(), 1):
            text = line.split("#", 1)[0].strip()
            if not text:
                continue
            if not text.isdigit():
                raise CliError(f"{path}:{number}: not an id: {text!r}", None, ExitCode.USAGE)
            out.append(int(text))
        return out
    try:
        if "-" in spec:
            low, high = (int(p) for p in spec.split("-", 1))
            if low < 1 or high < low:
                raise ValueError
            return list(range(low, high + 1))
        return [int(p) for p in spec.split(",") if p.strip()]
    except ValueError:
        raise CliError(f"bad --ids {spec!r}", "use A-B, A,B,C or a file with one id per line", ExitCode.USAGE) from None


def _source(client: Any, kind: str, args: list[str], ids: str | None, mode: Any) -> tuple[Any, list[int] | None]:
    if kind == "scores":
        if not args:
            raise CliError("crawl scores needs a user", "osukit crawl scores USER [best|firsts|pinned|recent]",
                           ExitCode.USAGE)
        kind_arg = check_choice(args[1] if len(args) > 1 else "best", ("best", "firsts", "pinned", "recent"),
                                "score type")
        ref: int | str = int(args[0]) if args[0].isdigit() else args[0]
        uid = int(client.users.get(ref).id)
        return (lambda cursor: client.users.scores(uid, kind_arg, mode=mode, cursor=cursor, limit=None)), None
    if kind == "beatmapsets":
        search = resolve_attr(client, "beatmapsets.search")
        query = " ".join(args)
        extra: dict[str, Any] = {"mode": mode} if mode is not None else {}
        return (lambda cursor: search(query, cursor=cursor, limit=None, **extra)), None
    if kind in ("users", "beatmaps"):
        if not ids:
            raise CliError(f"crawl {kind} needs --ids", "e.g. --ids 1-10000", ExitCode.USAGE)
        fetch = client.users.get_batch if kind == "users" else client.beatmaps.get_batch
        return fetch, parse_ids(ids)
    raise CliError(f"unknown crawl kind {kind!r}", f"use one of: {', '.join(KINDS)}", ExitCode.USAGE)


def _chunk_cost(kind: str, chunk: int) -> int:
    """Rate-limit budget one request for ``chunk`` ids uses (osu-web's RequestCost for ``GET /users``)."""
    from ..resources import beatmaps as RB
    from ..resources import users as RU

    route = RU.GET_USERS if kind == "users" else RB.GET_MANY
    return route.request_cost({"ids": [0] * chunk})


def estimate(kind: str, remaining: int, *, chunk_size: int, per_minute: float | None, burst: int = 0) -> str:
    """One line saying what an id crawl of ``remaining`` ids costs and, at ``per_minute``, how long it takes."""
    if remaining <= 0:
        return f"crawling {kind}: nothing left to fetch"
    full, rest = divmod(remaining, chunk_size)
    requests = full + (1 if rest else 0)
    cost = full * _chunk_cost(kind, chunk_size) + (_chunk_cost(kind, rest) if rest else 0)
    head = (f"crawling {remaining:,} {kind.rstrip('s')} ids: {requests:,} request{'s' if requests != 1 else ''} "
            f"costing {cost:,} of the rate-limit budget")
    if not per_minute:
        return head + " (no client-side rate limit)"
    seconds = max(0.0, cost - burst) * 60.0 / per_minute
    # the first request waits until the budget covers its cost (a 50-id request costs more than the burst)
    first = max(0.0, _chunk_cost(kind, min(chunk_size, remaining)) - burst) * 60.0 / per_minute
    when = f"first results in ~{format_duration(first)}" if first >= 1 else "first results at once"
    return head + f"; at {per_minute:g}/min that takes about {format_duration(seconds)} ({when})"


def _limit_of(client: Any) -> tuple[float | None, int]:
    limiter = getattr(client, "rate_limiter", None)
    per_minute = getattr(limiter, "per_minute", None)
    return (float(per_minute) if per_minute else None), int(getattr(limiter, "burst", 0) or 0)


def _saved(checkpoint: Path, key: str) -> dict[str, Any] | None:
    from ..contrib._crawl import FileCheckpoint

    try:
        return FileCheckpoint(checkpoint).load(key)
    except Exception:  # an unreadable checkpoint is reported by the crawl itself
        return None


def _finished(saved: dict[str, Any] | None, id_spec: str | None) -> bool:
    """The checkpoint holds a finished crawl of the same ids (or the same listing)."""
    if not saved or not saved.get("done"):
        return False
    if saved.get("kind") != "ids":
        return True
    if id_spec is None:
        return False
    ids = parse_ids(id_spec)
    return bool(ids) and int(saved.get("offset") or 0) == len(ids) and saved.get("last_id") == ids[-1]


def run_crawl(state: State, kind: str, args: list[str], *, out: Path, ids: str | None, mode: Any, resume: bool,
              restart: bool, concurrency: int, progress: bool) -> None:
    """Crawl ``kind`` into ``out`` with a checkpoint next to it (``<out>.checkpoint.json``).

    Before starting, one line on stderr gives the cost and, at the client's rate limit, the time an id crawl
    takes. Ctrl-C stops at once (what was written stays; ``--resume`` continues), and running a finished
    crawl again says it is already complete.
    """
    if resume and restart:
        raise CliError("--resume and --restart contradict each other", None, ExitCode.USAGE)
    if kind not in KINDS:
        raise CliError(f"unknown crawl kind {kind!r}", f"use one of: {', '.join(KINDS)}", ExitCode.USAGE)
    checkpoint = out.with_name(out.name + ".checkpoint.json")
    key = f"{kind}:{' '.join(args)}"
    if checkpoint.exists() and not restart:
        saved = _saved(checkpoint, key)
        if _finished(saved, ids) and out.exists():
            assert saved is not None
            sys.stderr.write(f"crawl already complete: {plural(int(saved.get('items') or 0), kind)} in {out} "
                             "(pass --restart to crawl again)\n")
            return
        if not resume:
            raise CliError(f"{out} has a checkpoint from an unfinished crawl ({checkpoint.name})",
                           "pass --resume to continue it or --restart to start over", ExitCode.USAGE)
    if not checkpoint.exists() and out.exists() and out.stat().st_size and not restart:
        raise CliError(f"{out} exists and is not from a resumable crawl", "choose another --out or pass --restart",
                       ExitCode.USAGE)
    written = 0
    try:
        with state.client() as client:
            source, id_list = _source(client, kind, args, ids, mode)
            crawler = resolve_attr(client, "crawl")(
                source,
                ids=id_list,
                checkpoint=checkpoint,
                checkpoint_key=key,
                concurrency=concurrency,
                # a terminal gets the bar; a log or a pipe gets a plain line every 15 s
                progress=(None if sys.stderr.isatty() else "lines") if progress else False,
            )
            crawler.description = kind
            if restart:
                crawler.reset()
                out.unlink(missing_ok=True)
            if id_list is not None:
                start = int(crawler.load_state().get("offset") or 0)
                per_minute, burst = _limit_of(client)
                sys.stderr.write(estimate(kind, len(id_list) - start, chunk_size=crawler.chunk_size,
                                          per_minute=per_minute, burst=burst) + "\n")
                if per_minute:
                    sys.stderr.write("  (raise it with --rate-limit N, up to 1200/min if osu! allows your app; "
                                     "Ctrl-C stops, --resume continues)\n")
            sys.stderr.flush()
            written = crawler.to_jsonl(out)
    except KeyboardInterrupt:
        saved = _saved(checkpoint, key) or {}
        raise CliError(
            f"interrupted: {plural(int(saved.get('items') or 0), kind)} saved in {out}",
            "run the same command with --resume to continue where it stopped",
            ExitCode.INTERRUPTED,
        ) from None
    sys.stderr.write(f"wrote {plural(written, kind)} to {out}" + (" (resumed)" if resume else "") + "\n")
