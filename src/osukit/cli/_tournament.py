"""``osukit match run|results``, ``osukit lobby autohost``, ``osukit pool check``: the tournament toolkit."""

from __future__ import annotations

import asyncio
import sys
from pathlib import Path
from typing import TYPE_CHECKING, Annotated, Any

import typer
from typer.core import TyperGroup

from ._errors import CliError, ExitCode, explain
from ._render import emit_json, fmt, length, print_table, say

if TYPE_CHECKING:
    from .. import AsyncClient
    from ._state import State

__all__ = ["register"]

class _MatchGroup(TyperGroup):
    """``osukit match ID`` (the match itself, as before) next to ``osukit match run|results``:
    a first argument that is not a sub-command means ``show``."""

    def parse_args(self, ctx: Any, args: list[str]) -> list[str]:
        if args and args[0] not in self.commands and not args[0].startswith("-"):
            args = ["show", *args]
        return super().parse_args(ctx, args)


match_app = typer.Typer(cls=_MatchGroup, no_args_is_help=True,
                        help="A stable match (osukit match ID); run a tournament match; any match's results.")
lobby_app = typer.Typer(help="Public lobbies: the auto-host bot.", no_args_is_help=True)
pool_app = typer.Typer(help="Mappools: star rating, pp and length of every slot under its mods.",
                       no_args_is_help=True)

REFEREE_SCOPES = ("public", "delegate", "multiplayer.write_manage", "chat.write", "chat.write_manage")


def register(app: typer.Typer) -> None:
    """Add ``match``, ``lobby`` and ``pool`` to the ``osukit`` app (after its commands are defined:
    the existing ``osukit match ID`` becomes ``osukit match show ID``, still callable as before)."""
    for info in list(app.registered_commands):
        if info.name == "match" and info.callback is not None:
            app.registered_commands.remove(info)
            match_app.command("show", help=info.help)(info.callback)
    app.add_typer(match_app, name="match")
    app.add_typer(lobby_app, name="lobby")
    app.add_typer(pool_app, name="pool")


def _state(ctx: typer.Context) -> State:
    from ._app import _state as state_of

    return state_of(ctx)


def _hub_clients(state: State, scopes: tuple[str, ...]) -> tuple[AsyncClient, AsyncClient, bool]:
    """``(hub client, REST client, can read chat)`` from the same settings as ``osukit referee …``
    (one rule, `osukit.cli._hub.hub_credentials`): the REST client is the hub client itself, or with
    client credentials a second token of the application carrying ``public`` (osu-web refuses
    ``delegate`` next to ``public``), which cannot read chat: then one warning says so here, and
    the room's chat is not listened to (no more warnings from the chat stream about the same
    missing scope)."""
    from .. import AsyncClient
    from ._hub import hub_credentials

    s = state.settings
    common: dict[str, Any] = {"base_url": s.base_url, "api_key": s.api_key, "v1_prefix": s.v1_prefix,
                              "app_name": "osukit-cli", "rate_limit": state.rate_limit,
                              **state.timeouts()}
    creds = hub_credentials(state, scopes)
    if creds.source == "client-credentials":
        # osu-web gives chat.read to authorization-code tokens only: it is not one of the scopes
        # ``delegate`` may carry (app/Models/OAuth/Token.php, SCOPES_REQUIRE_DELEGATION).
        import sys

        sys.stderr.write("osukit: warning: client credentials cannot read the room's chat (chat.read needs a "
                         "login of the bot account), so players' !pick/!ban/!map are not seen; run `osukit login "
                         "--scope public --scope chat.read --scope chat.write --scope multiplayer.write_manage` "
                         "(against the emulator too: add --no-browser)\n")
    hub = AsyncClient(**common, **creds.hub)
    return (hub, (AsyncClient(**common, **creds.rest) if creds.rest is not None else hub),
            creds.source != "client-credentials")


class _Hub:
    """``async with _Hub(state) as (hub client, REST client)``: both closed on the way out."""

    def __init__(self, state: State) -> None:
        hub, rest, self.listen_chat = _hub_clients(state, REFEREE_SCOPES)
        self.clients = (hub, rest)

    async def __aenter__(self) -> tuple[AsyncClient, AsyncClient]:
        return self.clients

    async def __aexit__(self, *exc: object) -> None:
        hub, rest = self.clients
        if rest is not hub:
            await rest.aclose()
        await hub.aclose()


def _room_help(base_url: str, room_id: int, *, lobby: bool = False, resume: str | None = None,
               best_of: int | None = None) -> None:
    """How to reach the room the bot runs: for players, referees and whoever watches. ``resume``:
    the full command that carries the match on (``osukit match run POOL --state FILE --resume``);
    ``best_of``: the pool's, passed on to the printed ``match results`` so it names a winner in time."""
    # `osukit referee …` acts as this bot's account (one rule, cli/_hub.py), and the hub keeps one
    # connection per account: such a command pushes the running bot out, so say when to run it,
    # and that `referee watch` is for the other referees' own accounts.
    again = f"`{resume}`" if resume else "`--resume`"
    who = "players: open the room from the lobby list in osu!(lazer)" if lobby else (
        "players: accept the invitation in osu!(lazer) (sent to those online; to invite again, stop this "
        f"runner with Ctrl-C, run `osukit referee invite {room_id} USER_ID`, then {again}: the hub keeps "
        "one connection per account)")
    say(f"  {who}")
    say(f"  other referees (their own account, not this one: the hub keeps one connection per account): "
        f"`osukit referee watch {room_id}` joins the room and its chat (their account must be a referee of "
        "the room: --referee)" if not lobby else
        f"  referees: `osukit referee watch {room_id}` as the bot's account once the bot is stopped (one hub "
        "connection per account); meanwhile the events page below")
    results = f"osukit match results room:{room_id}" + (f" --best-of {best_of}" if best_of else "")
    say(f"  watch: {base_url.rstrip('/')}/multiplayer/rooms/{room_id}/events; results: `{results}`")


class _Progress:
    """Prints the bot's progress lines, and how to reach its room once the room is known."""

    def __init__(self, base_url: str, *, lobby: bool = False, resume: str | None = None,
                 best_of: int | None = None) -> None:
        self.base_url = base_url
        self.lobby = lobby
        self.resume = resume
        self.best_of = best_of
        self.room_id: int | None = None
        self.bot: Any = None

    def __call__(self, line: str) -> None:
        if line.startswith("warning: "):  # the runner's warnings: on stderr, like every osukit warning
            sys.stderr.write(f"osukit: {line}\n")
            sys.stderr.flush()
            return
        say(line)
        room_id = getattr(self.bot, "room_id", None)
        if self.room_id is None and room_id is not None:
            self.room_id = int(room_id)
            _room_help(self.base_url, self.room_id, lobby=self.lobby, resume=self.resume, best_of=self.best_of)


def _team(text: str, which: str) -> Any:
    from ..tournament.runner import TeamSpec

    name, sep, ids = text.partition("=")
    try:
        players = tuple(int(p) for p in ids.split(",") if p.strip())
    except ValueError:
        players = ()
    if not sep or not name.strip() or not players:
        raise CliError(f"--team-{which} {text!r}: expected NAME=ID,ID (e.g. \"Pandas=2,3\")", code=ExitCode.USAGE)
    return TeamSpec(name.strip(), players)


# ------------------------------------------------------------------------------------------ pool


@pool_app.command("check")
def pool_check(
    ctx: typer.Context,
    file: Annotated[Path, typer.Argument(help="The pool file (TOML, YAML or JSON).")],
    min_stars: Annotated[float | None, typer.Option("--min", help="Lowest star rating (default: the pool's).")] = None,
    max_stars: Annotated[float | None, typer.Option("--max", help="Highest star rating (default: the pool's).")] = None,
    max_length: Annotated[
        float | None, typer.Option("--max-length", help="Longest drain length in seconds after rate mods.")
    ] = None,
    source: Annotated[str, typer.Option("--source", help="auto, rosu-pp or attributes.")] = "auto",
    as_json: Annotated[bool, typer.Option("--json", help="Print the rows as JSON.")] = False,
    progress: Annotated[bool, typer.Option("--progress/--no-progress",
                                           help="Show each slot as it is checked (on stderr).")] = True,
) -> None:
    """Star rating, SS pp and length of every slot under its mods; flags maps outside the rules.

    Every slot is checked, and every problem reported together. While it runs, a progress bar on a
    terminal, else one line per slot on stderr (``--no-progress``: none). Exit codes: 0 every slot is
    within the rules; 1 a slot is outside the rules (stars, length) or its beatmap does not
    exist (each named: ``slot HR2: beatmap 1860433 not found``); 2 the pool file is wrong.
    """
    from ..tournament import load_pool
    from ..tournament.check import check_pool

    if source not in ("auto", "rosu-pp", "attributes"):
        raise CliError(f"--source {source!r}: expected auto, rosu-pp or attributes", code=ExitCode.USAGE)
    pool = load_pool(file)
    rules = pool.format.star_range
    if min_stars is not None or max_stars is not None:
        low = min_stars if min_stars is not None else (rules[0] if rules else 0.0)
        high = max_stars if max_stars is not None else (rules[1] if rules else 99.0)
        rules = (low, high)
    state = _state(ctx)
    on_slot, done = _slot_progress(progress, len(pool.slots), pool.name)
    try:
        with state.client() as client:
            rows = check_pool(client, pool, prefer=source, star_range=rules, max_length=max_length, on_slot=on_slot)
    finally:
        done()
    if as_json:
        import msgspec

        emit_json([msgspec.to_builtins(r) for r in rows])
        if any(r.flags for r in rows):
            raise typer.Exit(ExitCode.ERROR)
        return
    # One line per slot at any width (80 columns included): ids without separators, numbers never
    # wrapped, the title cut with "…"; the reasons a slot is flagged go below the table.
    with_pp = any(r.pp is not None for r in rows)
    columns = ["slot", "beatmap", "mods", "stars", *(["pp (SS)"] if with_pp else []), "length", "bpm", "check",
               "title"]
    print_table(
        f"{pool.name} ({rows[0].source if rows else source})",
        columns,
        [[r.slot, str(r.beatmap_id), r.mods, "-" if r.missing else fmt(r.stars),
          *([fmt(r.pp, digits=0)] if with_pp else []), length(r.length), fmt(r.bpm, digits=0),
          "MISSING" if r.missing else "FLAG" if r.flags else "ok", r.title or "-"] for r in rows],
        right=["beatmap", "stars", "pp (SS)", "length", "bpm"],
        truncate=["title"],
        compact=True,
    )
    for r in rows:
        if r.missing:
            say(f"slot {r.slot}: beatmap {r.beatmap_id} not found")
    flagged = [r for r in rows if r.flags and not r.missing]
    for r in flagged:
        say(f"  {r.slot}: {'; '.join(r.flags)}")
    if flagged:
        say(f"{len(flagged)} slot(s) outside the rules: {', '.join(r.slot for r in flagged)}")
    if flagged or any(r.missing for r in rows):
        raise typer.Exit(ExitCode.ERROR)


def _slot_progress(enabled: bool, total: int, name: str) -> tuple[Any, Any]:
    """``(on_slot, close)`` for `pool_check`: a rich bar when stderr is a terminal, else one plain
    line per slot on stderr (like ``osukit crawl``), nothing with ``--no-progress``."""
    if not enabled:
        return None, lambda: None
    import importlib.util

    if sys.stderr.isatty() and importlib.util.find_spec("rich") is not None:  # without rich: the lines below
        from rich.console import Console

        from ..contrib._crawl import ProgressBar

        # on stderr, where it was asked for: the table on stdout may go to a file
        bar = ProgressBar(True, total=total, done=0, description=f"checking {name}", console=Console(stderr=True))
        return (lambda row: bar.advance(1)), bar.close
    count = [0]

    def line(row: Any) -> None:
        count[0] += 1
        state = "MISSING" if row.missing else "FLAG" if row.flags else "ok"
        sys.stderr.write(f"checked slot {row.slot} ({count[0]}/{total}): beatmap {row.beatmap_id} {state}\n")
        sys.stderr.flush()

    return line, lambda: None


# ----------------------------------------------------------------------------------------- match


@match_app.command("results")
def match_results_cmd(
    ctx: typer.Context,
    ref: Annotated[str, typer.Argument(help="A match id or URL, or room:ID / a /multiplayer/rooms/ URL.")],
    csv_out: Annotated[Path | None, typer.Option("--csv", help="Write the per-score table as CSV.")] = None,
    json_out: Annotated[Path | None, typer.Option("--json-out", help="Write the results as JSON.")] = None,
    plot_out: Annotated[Path | None, typer.Option("--plot", help="Write a plot of the scores per map (PNG/SVG).")] = None,
    costs: Annotated[str, typer.Option("--costs", help="Match cost formula: bathbot or dio.")] = "bathbot",
    warmups: Annotated[int, typer.Option("--warmups", min=0, help="Games to leave out of match costs.")] = 0,
    as_json: Annotated[bool, typer.Option("--json", help="Print the results as JSON.")] = False,
    best_of: Annotated[int | None, typer.Option("--best-of", min=1, help="The match's best-of (odd): a side with "
                                                "more than half of it has won, even while the room is open.")] = None,
) -> None:
    """Per-map table, winners, totals and match costs of a stable match or a lazer room."""
    from ..tournament import fetch_results, match_costs

    if costs not in ("bathbot", "dio"):
        raise CliError(f"--costs {costs!r}: expected bathbot or dio", code=ExitCode.USAGE)
    if best_of is not None and best_of % 2 == 0:  # as a pool's [format] best_of (tournament/pool.py)
        raise CliError(f"--best-of {best_of}: a best-of is an odd number of maps", f"did you mean --best-of "
                       f"{best_of + 1} (first to {(best_of + 1) // 2 + 1})?", ExitCode.USAGE)
    with _state(ctx).client() as client:
        results = fetch_results(client, ref)
    if csv_out is not None:
        results.to_csv(csv_out)
    if json_out is not None:
        results.to_json(json_out)
    if plot_out is not None and not results.played:  # said once; no empty chart
        sys.stderr.write(f"osukit: nothing to plot: no game was completed ({plot_out} not written)\n")
    elif plot_out is not None:
        from ..tournament.plot import scores_per_map

        scores_per_map(results).savefig(plot_out)
    mc = match_costs(results, formula="dio" if costs == "dio" else "bathbot", warmups=warmups)
    if as_json:
        import msgspec

        emit_json({"results": msgspec.to_builtins(results), "match_costs": msgspec.to_builtins(mc)})
        return
    print_table(
        results.name or f"match {results.id}",
        ["#", "beatmap", "mods", "red", "blue", "winner", "players"],
        [[g.index, str(g.beatmap_id), g.mods, fmt(g.red_total) if g.is_team else "-",
          fmt(g.blue_total) if g.is_team else "-", "aborted" if g.aborted else (g.winner or "tie"), len(g.scores)]
         for g in results.games],
        right=["#", "beatmap", "red", "blue", "players"],
    )
    if not any(not g.aborted for g in results.games):
        say("no game was completed: no winner yet")
    else:
        say(_verdict(results, best_of))
    print_table(
        f"match costs ({costs})",
        ["player", "team", "maps", "avg score", "cost"],
        [[c.username or c.user_id, c.team or "-", c.maps_played, fmt(round(c.average_score)), fmt(c.cost, digits=3)]
         for c in mc],
        right=["maps", "avg score", "cost"],
    )


def _verdict(results: Any, best_of: int | None) -> str:
    """Who won — or, while the match goes on, who leads. A match is over when its room (or stable
    match) has ended (``ends_at`` set and ``active`` false, osu-web
    ``app/Transformers/Multiplayer/RoomTransformer.php``; ``end_time`` for a stable match), or
    when a side has won more than half of ``best_of``."""
    wins: dict[str, int] = results.wins
    over = results.ended_at is not None or (
        best_of is not None and max(wins.values(), default=0) >= best_of // 2 + 1)
    leader = results.winner
    if results.team_type in ("team-vs", "tag-team-vs"):
        score = f"red {results.red_wins} - {results.blue_wins} blue"
        if over:
            return f"{score}; winner: {leader or 'tie'}"
        if leader is None:
            return f"{score} (the match is not over)"
        other = results.blue_wins if leader == "red" else results.red_wins
        return f"{leader} leads {wins.get(leader, 0)} - {other} (the match is not over)"
    if over:
        return f"winner: {leader or 'tie'} ({wins})"
    if leader is None:
        return f"no one leads ({wins}) (the match is not over)"
    return f"{leader} leads ({wins}) (the match is not over)"


@match_app.command("run")
def match_run(
    ctx: typer.Context,
    pool_file: Annotated[Path, typer.Argument(help="The pool file (TOML, YAML or JSON) with its [format].")],
    team_a: Annotated[str | None, typer.Option("--team-a", help="NAME=ID,ID: team A (red), e.g. Pandas=2,3.")] = None,
    team_b: Annotated[str | None, typer.Option("--team-b", help="NAME=ID,ID: team B (blue).")] = None,
    referee: Annotated[list[int] | None, typer.Option("--referee", help="A referee's user id (repeatable).")] = None,
    state_file: Annotated[Path, typer.Option("--state", help="Where the match state is saved.")] = Path("match.json"),
    resume: Annotated[bool, typer.Option("--resume", help="Resume the match saved in --state.")] = False,
    spectator_url: Annotated[
        str | None, typer.Option("--spectator-url", help="The referee hub's server (default: $OSU_SPECTATOR_URL, else derived from --base-url, as for `osukit referee`).")
    ] = None,
    close: Annotated[bool, typer.Option("--close/--keep-open", help="Close the room when the match is won.")] = False,
) -> None:
    """Referee a match in a lazer room: bans and picks from chat, ready timer, score, win condition."""
    from ..tournament import load_pool
    from ..tournament.runner import MatchRunner

    state = _state(ctx)
    pool = load_pool(pool_file)
    if resume:
        if not state_file.exists():
            raise CliError(f"no saved match at {state_file}", "drop --resume to start a new match", ExitCode.USAGE)
    elif team_a is None or team_b is None:
        raise CliError("--team-a and --team-b are needed (or --resume)", code=ExitCode.USAGE)
    elif state_file.exists():
        raise CliError(f"{state_file} already holds a match", "pass --resume, or another --state", ExitCode.USAGE)
    teams = None if resume else (_team(team_a or "", "a"), _team(team_b or "", "b"))

    shown: list[_Progress] = []  # the runner's progress, for the room it leaves open when stopped
    stopped: list[bool] = []  # SIGTERM came

    async def main() -> Any:
        from ..referee import AsyncRefereeClient
        from ..tournament.referee_backend import RefereeBackend

        _cancel_on_sigterm(stopped)
        clients = _Hub(state)
        async with clients as (client, rest), AsyncRefereeClient(client, base_url=spectator_url) as hub, \
                RefereeBackend(hub, rest, chat_client=client, chat_url=state.settings.notify_url or None,
                               listen_chat=clients.listen_chat) as backend:
            progress = _Progress(client.base_url, resume=_resume_command(pool_file, state_file),
                                 best_of=pool.format.best_of)
            if teams is None:
                runner = MatchRunner.from_state(backend, state_file, close_when_done=close, progress=progress)
            else:
                runner = MatchRunner(backend, pool, teams[0], teams[1], referees=referee or [],
                                     state_file=state_file, close_when_done=close, progress=progress)
            progress.bot = runner
            shown.append(progress)
            return await runner.run(), runner.state.room_id

    from .._exceptions import ConnectionReplacedError

    try:
        draft, room_id = asyncio.run(main())
    except ConnectionReplacedError as exc:
        raise CliError(explain(exc).title, _takeover_hint(pool_file, state_file), ExitCode.ERROR) from exc
    except (KeyboardInterrupt, asyncio.CancelledError) as exc:
        if isinstance(exc, asyncio.CancelledError) and not stopped:
            raise
        _left_open(shown[0] if shown else None, _resume_command(pool_file, state_file))
        raise KeyboardInterrupt from None  # "osukit: interrupted", 130
    say(draft.summary())
    if not close and room_id is not None:
        say(f"room {room_id} is still open (--keep-open, the default): close it with "
            f"`osukit referee close {room_id}` when the players are done, or pass --close next time")


def _cancel_on_sigterm(stopped: list[bool]) -> None:
    """SIGTERM (``timeout``, a service manager, ``kill``) cancels the running task as Ctrl-C does in
    ``asyncio.run``: the runner unwinds inside the loop, and the caller, seeing ``stopped``, ends the
    command "interrupted". Where the loop cannot take signals (Windows, another thread) it does nothing."""
    import signal

    task = asyncio.current_task()
    if task is None:
        return

    def stop() -> None:
        stopped.append(True)
        task.cancel()

    try:
        asyncio.get_running_loop().add_signal_handler(signal.SIGTERM, stop)
    except (NotImplementedError, RuntimeError, ValueError):
        pass


def _left_open(progress: _Progress | None, resume: str) -> None:
    """On stderr, before "osukit: interrupted": the room a stopped runner leaves open, and the two
    ways on from there (the room is not closed: the match may carry on)."""
    room_id = None if progress is None else progress.room_id or getattr(progress.bot, "room_id", None)
    if room_id is None:
        return
    sys.stderr.write(f"osukit: room {room_id} is still open: carry on with `{resume}`, "
                     f"or close it with `osukit referee close {room_id}`\n")
    sys.stderr.flush()


def _resume_command(pool_file: Path, state_file: Path) -> str:
    """The command that carries on the match saved in ``state_file``."""
    return f"osukit match run {pool_file} --state {state_file} --resume"


def _takeover_hint(pool_file: Path, state_file: Path) -> str:
    """How to carry on after another referee connection of the account took over from ``match run``."""
    stop = "stop the other referee client of this account (`osukit referee watch`…), then "
    if state_file.exists():
        return f"{stop}carry on where the match stopped with `{_resume_command(pool_file, state_file)}`"
    return f"{stop}run the same `osukit match run` command again (no match was saved yet)"


# ----------------------------------------------------------------------------------------- lobby


@lobby_app.command("autohost")
def lobby_autohost(
    ctx: typer.Context,
    beatmap: Annotated[int | None, typer.Option("--beatmap", help="The first map (a new room).")] = None,
    room: Annotated[int | None, typer.Option("--room", help="Take up this room instead of making one.")] = None,
    name: Annotated[str, typer.Option("--name", help="The room's name.")] = "osukit auto host",
    min_stars: Annotated[float | None, typer.Option("--min", help="Lowest star rating with mods.")] = None,
    max_stars: Annotated[float | None, typer.Option("--max", help="Highest star rating with mods.")] = None,
    min_length: Annotated[float | None, typer.Option("--min-length", help="Shortest drain length (s).")] = None,
    max_length: Annotated[float | None, typer.Option("--max-length", help="Longest drain length (s).")] = None,
    mods: Annotated[str | None, typer.Option("--mods", help="Mods a host may add, e.g. HDHRDT (default any).")] = None,
    mode: Annotated[str, typer.Option("--mode", "-m", help="Ruleset.")] = "osu",
    skip_ratio: Annotated[float, typer.Option("--skip-ratio", help="Share of votes that skips the host.")] = 0.5,
    ready_timer: Annotated[float, typer.Option("--ready-timer", help="Seconds before starting with whoever is ready.")]
    = 90.0,
    spectator_url: Annotated[str | None, typer.Option("--spectator-url", help="The referee hub's server (default: $OSU_SPECTATOR_URL, else derived from --base-url).")] = None,
    maps: Annotated[int | None, typer.Option("--maps", min=0, help="Stop after this many maps (default: never).")] = None,
) -> None:
    """Keep a public lobby going: host rotation, skip votes, map rules (Ctrl-C to stop)."""
    from ..game.mods import Mods
    from ..tournament.autohost import AutoHost, MapRules, attributes_lookup

    if beatmap is None and room is None:
        raise CliError("give --beatmap (a new room) or --room (an existing one)", code=ExitCode.USAGE)
    star_range = None
    if min_stars is not None or max_stars is not None:
        star_range = (min_stars if min_stars is not None else 0.0, max_stars if max_stars is not None else 99.0)
    rules = MapRules(star_range=star_range, min_length=min_length, max_length=max_length, ruleset=mode,
                     allowed_mods=tuple(Mods.parse(mods).acronyms) if mods is not None else None)
    state = _state(ctx)

    async def main() -> None:
        from ..referee import AsyncRefereeClient
        from ..tournament.referee_backend import RefereeBackend

        clients = _Hub(state)
        async with clients as (client, rest), AsyncRefereeClient(client, base_url=spectator_url) as hub, \
                RefereeBackend(hub, rest, chat_client=client, chat_url=state.settings.notify_url or None,
                               listen_chat=clients.listen_chat) as backend:
            progress = _Progress(client.base_url, lobby=True)
            bot = AutoHost(backend, rules=rules, info=attributes_lookup(rest, mode), name=name,
                           first_beatmap_id=beatmap, room_id=room, skip_ratio=skip_ratio, ready_timer=ready_timer,
                           progress=progress)
            progress.bot = bot
            await bot.run(maps=maps)

    asyncio.run(main())
