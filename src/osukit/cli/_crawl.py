"""``osukit crawl``: resumable bulk crawls to JSON Lines on top of ``client.crawl``."""

from __future__ import annotations

import sys
from pathlib import Path
from typing import Any

from ._errors import CliError, ExitCode
from ._state import State, resolve_attr

__all__ = ["parse_ids", "run_crawl"]

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
        kind_arg = args[1] if len(args) > 1 else "best"
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


def run_crawl(state: State, kind: str, args: list[str], *, out: Path, ids: str | None, mode: Any, resume: bool,
              restart: bool, concurrency: int, progress: bool) -> None:
    """Crawl ``kind`` into ``out`` with a checkpoint next to it (``<out>.checkpoint.json``)."""
    if resume and restart:
        raise CliError("--resume and --restart contradict each other", None, ExitCode.USAGE)
    checkpoint = out.with_name(out.name + ".checkpoint.json")
    if checkpoint.exists() and not (resume or restart):
        raise CliError(f"{out} has a checkpoint from an earlier crawl ({checkpoint.name})",
                       "pass --resume to continue it or --restart to start over", ExitCode.USAGE)
    if not checkpoint.exists() and out.exists() and out.stat().st_size and not restart:
        raise CliError(f"{out} exists and is not from a resumable crawl", "choose another --out or pass --restart",
                       ExitCode.USAGE)
    with state.client() as client:
        source, id_list = _source(client, kind, args, ids, mode)
        crawler = resolve_attr(client, "crawl")(
            source,
            ids=id_list,
            checkpoint=checkpoint,
            checkpoint_key=f"{kind}:{' '.join(args)}",
            concurrency=concurrency,
            progress=None if progress else False,
        )
        if restart:
            crawler.reset()
            out.unlink(missing_ok=True)
        written = crawler.to_jsonl(out)
    sys.stderr.write(f"wrote {written} {kind} to {out}" + (" (resumed)" if resume else "") + "\n")
