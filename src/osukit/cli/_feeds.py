"""``osukit scores follow`` (the live score feed) and ``osukit track add/run/show`` (history in SQLite).

Registered by `install`, called once from ``cli/_app.py``. ``osukit scores``
becomes a group whose default command is the old ``osukit scores USER [KIND]``
listing, so ``osukit scores peppy best`` keeps working beside ``osukit scores follow``.
"""

from __future__ import annotations

import datetime as _dt
from pathlib import Path
from typing import Annotated, Any

import typer
from typer.core import TyperGroup

from .._duration import parse_duration
from ._errors import CliError, ExitCode
from ._render import emit_json, fmt, print_kv, print_table, say

__all__ = ["install", "scores_app", "track_app"]


class _DefaultToList(TyperGroup):
    """A group that runs ``list`` when the first argument is not one of its commands."""

    def resolve_command(self, ctx: Any, args: list[str]) -> Any:
        if args and args[0] not in self.commands and not args[0].startswith("-"):
            args = ["list", *args]
        return super().resolve_command(ctx, args)


scores_app = typer.Typer(cls=_DefaultToList, no_args_is_help=False,
                         help="Scores: a user's listing (osukit scores USER [KIND]) or the live feed (follow).")
track_app = typer.Typer(no_args_is_help=True, help="Track users over time in SQLite: add, run (on a schedule), show.")

ModeOpt = Annotated[str | None, typer.Option("--mode", "-m", help="Ruleset: osu, taiko, fruits (catch) or mania.")]
DbOpt = Annotated[Path, typer.Option("--db", help="The tracking database (SQLite).")]


def _db(db: Path) -> str:
    """``--db FILE`` as it goes into a hinted command line (quoted for a shell when needed): every
    hint carries the option that chose the database, so the command runs as printed."""
    import shlex

    return f"--db {shlex.quote(str(db))}"


def _mode(mode: str | None) -> str:
    """`` --mode M`` for a hinted command line when the user gave one (else nothing)."""
    return f" --mode {mode}" if mode else ""


def _plural(n: int, word: str) -> str:
    return f"{n} {word}" if n == 1 else f"{n} {word}s"


def _state(ctx: typer.Context) -> Any:
    from ._app import _state as root_state

    return root_state(ctx)


def _ruleset(mode: str | None) -> Any:
    from ._app import _ruleset as parse

    return parse(mode)


def _checkpoint(path: Path | None) -> Any:
    if path is None:
        return None
    if path.suffix in (".db", ".sqlite", ".sqlite3"):
        from ..contrib.sqlite import SqliteCheckpointStore

        return SqliteCheckpointStore(path)
    return str(path)


@scores_app.command("follow")
def follow(
    ctx: typer.Context,
    mode: ModeOpt = None,
    as_jsonl: Annotated[bool, typer.Option("--jsonl", help="One JSON object per line: scores, and gaps as "
                                                           '{"type": "gap", …}.')] = False,
    checkpoint: Annotated[Path | None, typer.Option(
        "--checkpoint", help="Resume from and save the position here (.db/.sqlite: SQLite, else a JSON file).")] = None,
    count: Annotated[int | None, typer.Option("--count", "-n", min=1, help="Stop after this many scores.")] = None,
    backfill: Annotated[bool, typer.Option("--backfill", help="Start with the newest page, not after it.")] = False,
) -> None:
    """Stream every new score as it is set (GET /scores), each once, in order; resumable with --checkpoint."""
    import sys

    from ..feeds import FeedGap

    state = _state(ctx)
    delivered = [0]
    try:
        with state.client() as client, client.scores.follow(_ruleset(mode), checkpoint=_checkpoint(checkpoint),
                                                             backfill=backfill) as feed:
            what = "scores" if mode is None else f"{mode} scores"
            resuming = feed.position.cursor is not None or feed.position.last_id is not None
            if backfill and resuming:
                sys.stderr.write(f"osukit: --backfill ignored: the checkpoint {checkpoint} holds a position "
                                 f"(after score {feed.position.last_id}); resuming from there\n")
            start = (f" (after score {feed.position.last_id})" if resuming and feed.position.last_id is not None
                     else " (from the newest page)" if backfill and not resuming else "")
            sys.stderr.write(f"following new {what}{start}; Ctrl-C to stop\n")
            sys.stderr.flush()
            for item in feed:
                if isinstance(item, FeedGap):
                    if as_jsonl:
                        emit_json(item.to_json(), lines=True)
                    timed = item.seconds is not None  # both ends known, in order
                    since = item.after_time if timed else f"score {item.after_id}"
                    until = item.before_time if timed else (
                        f"score {item.before_id}" if item.before_id is not None else "the next score")
                    sys.stderr.write(f"osukit: scores may be missing between {since} and {until} "
                                     f"(osu! refused the saved cursor: {item.reason})\n")
                    continue
                delivered[0] += 1
                if as_jsonl:
                    emit_json(item, lines=True)
                else:
                    say(f"{item.id}  user {item.user_id}  beatmap {item.beatmap_id}  {fmt(item.pp)}pp  "
                        f"{item.rank}  {fmt(item.accuracy * 100)}%")
                if count is not None and delivered[0] >= count:
                    break
    except KeyboardInterrupt:
        seen = delivered[0]
        resume = (f"run the same command again to resume from {checkpoint}" if checkpoint is not None
                  else "pass --checkpoint FILE to be able to resume where you stop")
        sys.stderr.write(f"osukit: stopped after {seen} score{'' if seen == 1 else 's'}; {resume}\n")
        raise typer.Exit(130) from None


# ------------------------------------------------------------------------------------------- track


def _tracker(ctx: typer.Context, db: Path, *, create: bool = True) -> tuple[Any, Any]:
    from ..track import Tracker

    # The commands print the tracker's "not found, skipped" lines themselves; the CLI's notice handler
    # leaves its WARNINGs out (cli/_notices.py, SAID_BY_COMMANDS).
    client = _state(ctx).client()
    try:
        return client, Tracker(client, db, create=create)
    except BaseException:
        client.close()
        raise


def _user_ids(client: Any, users: list[str]) -> list[int]:
    ids = []
    for ref in users:
        ids.append(int(ref) if ref.isdigit() else int(client.users.get(ref).id))
    return ids


def _say_missing(missing: list[int]) -> None:
    for uid in missing:
        say(f"user {uid} not found, skipped (no such user, or restricted)")


@track_app.command("add")
def track_add(
    ctx: typer.Context,
    users: Annotated[list[str], typer.Argument(help="User ids or names.")],
    mode: ModeOpt = None,
    db: DbOpt = Path("osukit-track.db"),
) -> None:
    """Start tracking users (the next run snapshots them). An id osu! does not return now (no such user,
    or restricted) is tracked too, as Tracker.add does: each run says it skipped it until osu! returns it."""
    client, track = _tracker(ctx, db)
    with client, track:
        ids = list(dict.fromkeys(_user_ids(client, users)))
        found = client.users.get_many(ids)  # GET /users: one request for up to 50 ids
        for uid, user in zip(ids, found, strict=True):
            if user is None:
                say(f"user {uid} not found by osu! now (no such user, or restricted); tracking it anyway: "
                    f"each run skips it until osu! returns it (osukit track remove {uid} --db {db} to stop)")
        track.add(ids, [_ruleset(mode) or "osu"])
        say(f"tracking {_plural(len(track.tracked()), 'user/ruleset pair')} in {db}")


@track_app.command("remove")
def track_remove(
    ctx: typer.Context,
    users: Annotated[list[str], typer.Argument(help="User ids or names.")],
    db: DbOpt = Path("osukit-track.db"),
) -> None:
    """Stop tracking users (their snapshots stay)."""
    client, track = _tracker(ctx, db, create=False)
    with client, track:
        ids = list(dict.fromkeys(_user_ids(client, users)))
        before = {uid for uid, _ in track.tracked()}
        track.remove(ids)
        for uid in ids:
            if uid not in before:
                say(f"user {uid} was not tracked")
        say(f"tracking {_plural(len(track.tracked()), 'user/ruleset pair')} in {db}")


@track_app.command("run")
def track_run(
    ctx: typer.Context,
    every: Annotated[str | None, typer.Option("--every", help="Repeat at this interval (e.g. 1h); the schedule "
                                                              "is kept in the database across restarts.")] = None,
    db: DbOpt = Path("osukit-track.db"),
    times: Annotated[int | None, typer.Option("--times", min=1, help="With --every: stop after this many runs.")] = None,
) -> None:
    """Snapshot every tracked user now, or on a schedule with --every."""
    if times is not None and every is None:
        raise CliError("--times needs --every", f"osukit track run --every 1h --times 3 {_db(db)} (or leave out "
                       "--times for one run now)", ExitCode.USAGE)
    seconds = parse_duration(every) if every is not None else None
    client, track = _tracker(ctx, db)
    with client, track:
        if not track.tracked():
            raise CliError("nothing is tracked yet", f"osukit track add USER… {_db(db)}", ExitCode.USAGE)
        if seconds is None:
            taken = track.snapshot()
            _say_missing(taken.missing)
            say(f"{_plural(len(taken), 'snapshot')} taken")
            return
        clock = client._clock
        done = 0
        announced: float | None = None
        while times is None or done < times:
            wait = track.due(seconds)
            if wait > 0:
                due_at = clock.time() + wait
                if announced != due_at:
                    announced = due_at
                    when = _dt.datetime.fromtimestamp(due_at, _dt.timezone.utc)
                    say(f"next snapshot at {when:%H:%M:%S}Z (schedule kept in {db}); Ctrl-C to stop")
                clock.sleep(wait)
                continue
            taken = track.run_due(seconds)
            if taken is None:
                continue
            done += 1
            _say_missing(taken.missing)
            now = _dt.datetime.fromtimestamp(clock.time(), _dt.timezone.utc)
            say(f"{now:%Y-%m-%d %H:%M:%S}Z  {_plural(len(taken), 'snapshot')} taken")


@track_app.command("show")
def track_show(
    ctx: typer.Context,
    user: Annotated[str, typer.Argument(help="User id or name.")],
    mode: ModeOpt = None,
    since: Annotated[str, typer.Option("--since", help="Compare with this long ago (e.g. 7d, 12h; a unit is "
                                                       "needed).")] = "7d",
    db: DbOpt = Path("osukit-track.db"),
    plot: Annotated[Path | None, typer.Option("--plot", help="Also draw pp and rank over time to this PNG/SVG.")] = None,
    as_json: Annotated[bool, typer.Option("--json", help="Print the series and the diff as JSON.")] = False,
) -> None:
    """A tracked user's change over --since, and the series (optionally plotted)."""
    window = parse_duration(since)
    client, track = _tracker(ctx, db, create=False)  # reading only: a missing database is refused, not made
    with client, track:
        uid = _user_ids(client, [user])[0]
        ruleset = _ruleset(mode) or "osu"
        series = track.history(uid, ruleset)
        if not series:
            if track.never_found(uid, ruleset):
                raise CliError(f"no snapshots of {user}: user {uid} was not found by the last run (no such user, "
                               "or restricted), so it was skipped",
                               f"the next `osukit track run {_db(db)}` tries again; `osukit track remove {uid} "
                               f"{_db(db)}` stops tracking it", ExitCode.NOT_FOUND)
            # Every "no snapshots" is exit 5 (not found: nothing is stored for this user), whatever the reason.
            if (uid, ruleset) in track.tracked():
                raise CliError(f"no snapshots of {user} yet", f"run `osukit track run {_db(db)}` first",
                               ExitCode.NOT_FOUND)
            raise CliError(f"no snapshots of {user}",
                           f"osukit track add {user}{_mode(mode)} {_db(db)}, then osukit track run {_db(db)}",
                           ExitCode.NOT_FOUND)
        change = track.diff(uid, since=_dt.timedelta(seconds=window), ruleset=ruleset)
        gone = track.missing_since(uid, ruleset)
        if plot is not None:
            track.plot(uid, ruleset).savefig(plot)
    if as_json:
        from dataclasses import asdict

        emit_json({"series": [asdict(s) for s in series], "diff": asdict(change) if change else None,
                   "missing_since": gone})
        return
    last = series[-1]
    if gone is not None:
        # the stored snapshots are still shown, but they stop before the run that no longer found the user
        say(f"user {uid} was not found by the last run ({gone:%Y-%m-%d %H:%M:%S}Z: no such user, or restricted); "
            f"showing the snapshots up to {last.taken_at:%Y-%m-%d %H:%M:%S}Z")
    pairs: list[tuple[str, Any]] = [("user", f"{last.username} ({uid})"), ("snapshots", len(series)),
                                    ("pp", fmt(last.pp)), ("rank", f"#{last.global_rank}"),
                                    ("country rank", f"#{last.country_rank}"), ("accuracy", f"{fmt(last.accuracy)}%"),
                                    ("play count", last.play_count)]
    tables: list[tuple[str, Any]] = []  # each listed, not only counted: new ones at their position now,
    if change is not None:                # dropped ones at the one they had
        # Since the snapshot compared with, not since --since: with none that old it is the oldest one
        # (Tracker.diff), which may be seconds old. A rank going down is a climb.
        base = f"{change.before.taken_at:%Y-%m-%d %H:%M}Z"
        pairs += [(f"pp since {base}", f"{change.pp_delta:+.2f}" if change.pp_delta is not None else "?"),
                  (f"rank since {base} (-: up)", f"{change.rank_delta:+d}" if change.rank_delta is not None else "?"),
                  ("new top plays", len(change.new_top_plays)), ("dropped top plays", len(change.dropped_top_plays))]
        tables = [("new top plays", change.new_top_plays),
                  (f"dropped top plays (# on {base})", change.dropped_top_plays)]
    print_kv(f"tracked: {last.username}", pairs)
    for title, plays in tables:
        if plays:
            print_table(title, ("#", "score", "beatmap", "pp", "grade"),
                        ((p.position, str(p.score_id), "-" if p.beatmap_id is None else str(p.beatmap_id), fmt(p.pp),
                          p.grade) for p in plays))
    if plot is not None:
        say(f"plot written to {plot}")


def install(app: typer.Typer) -> None:
    """Add ``scores follow`` (keeping ``scores USER [KIND]`` as the default ``scores list``) and ``track``."""
    for info in list(app.registered_commands):
        callback = info.callback
        if (info.name or (callback.__name__ if callback else "")) == "scores" and callback is not None:
            app.registered_commands.remove(info)
            scores_app.command("list", help=callback.__doc__)(callback)
            break
    app.add_typer(scores_app, name="scores")
    app.add_typer(track_app, name="track")
