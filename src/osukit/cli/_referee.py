"""``osukit referee …``: quick manual refereeing of osu!(lazer) multiplayer rooms (the referee hub).

The token needs ``multiplayer.write_manage``. Which credentials: one rule with ``match run`` and
``lobby autohost`` (`osukit.cli._hub`): ``--access-token``, else a stored ``osukit login`` that
carries the scope, else client credentials with ``delegate multiplayer.write_manage`` (acting as
the application's owner: its bot account), else the stored login.
"""

from __future__ import annotations

import queue
import sys
import threading
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from typing import Annotated, Any

import typer

from .._referee.address import SPECTATOR_ENV
from ._errors import CliError, ExitCode
from ._render import emit_json, say
from ._state import State

__all__ = ["referee_app"]

referee_app = typer.Typer(
    help="Referee osu!(lazer) multiplayer rooms through the referee hub (needs multiplayer.write_manage).",
    no_args_is_help=True,
)

HubOpt = Annotated[
    str | None,
    typer.Option("--spectator-url", help=f"The spectator server (default: ${SPECTATOR_ENV}, else derived from "
                                         "--base-url: osu.ppy.sh → https://spectator.ppy.sh, dev.ppy.sh → "
                                         "https://dev.ppy.sh/signalr, the emulator or another server → itself)."),
]
JsonOpt = Annotated[bool, typer.Option("--json", help="Print JSON.")]


def _state(ctx: typer.Context) -> State:
    obj = ctx.find_root().obj
    if not isinstance(obj, State):  # pragma: no cover - the root callback always sets it
        obj = State()
        ctx.find_root().obj = obj
    return obj


def hub_base(state: State, option: str | None) -> str:
    """Where the hub is: the option, ``$OSU_SPECTATOR_URL``, else derived from ``--base-url``
    (one rule with the Python clients: ``osukit._referee.address``)."""
    from .._referee.address import spectator_base_url

    return spectator_base_url(state.settings.base_url, option)


def hub_client(state: State) -> Any:
    """The sync client the ``referee`` commands use: the same account as ``match run`` and
    ``lobby autohost`` (one rule, `osukit.cli._hub.hub_credentials`)."""
    from .. import Client
    from ._hub import hub_credentials

    s = state.settings
    creds = hub_credentials(state, ("multiplayer.write_manage",))
    return Client(base_url=s.base_url, api_key=s.api_key, v1_prefix=s.v1_prefix, app_name="osukit-cli",
                  rate_limit=state.rate_limit, **state.timeouts(), **creds.hub)


@contextmanager
def referee(ctx: typer.Context, spectator_url: str | None) -> Iterator[Any]:
    from ..referee import RefereeClient

    state = _state(ctx)
    with hub_client(state) as client, RefereeClient(client, base_url=hub_base(state, spectator_url)) as ref:
        yield ref


@referee_app.command("make")
def make(
    ctx: typer.Context,
    beatmap: Annotated[int, typer.Argument(help="Beatmap (difficulty) id.")],
    ruleset: Annotated[int, typer.Option("--ruleset", "-r", min=0, max=3, help="0 osu, 1 taiko, 2 catch, 3 mania.")] = 0,
    name: Annotated[str, typer.Option("--name", help="Room name.")] = "",
    slots: Annotated[int, typer.Option("--slots", min=0, max=256, help="Player slots (0: no limit).")] = 0,
    team_versus: Annotated[bool, typer.Option("--team-versus", help="Team versus instead of head to head.")] = False,
    password: Annotated[str | None, typer.Option("--password", help="Room password (default: random).")] = None,
    invite: Annotated[list[int] | None, typer.Option("--invite", help="Invite these user ids (repeat).")] = None,
    spectator_url: HubOpt = None,
    as_json: JsonOpt = False,
) -> None:
    """Make a room (!mp make) and print its id, chat channel and password.

    The room id is printed as soon as the room exists. A failed ``--invite`` (or settings change)
    does not close the room: every other invite is still sent, each failure is reported, the room
    is printed, and the command exits 1 naming the room (retry with ``osukit referee invite``, or
    ``osukit referee close`` it: an open room counts against the 4/50 open-room cap).
    """
    from ..referee import RefereeHubError

    with referee(ctx, spectator_url) as ref:
        room = ref.make_room(beatmap, ruleset_id=ruleset, name=name, max_participants=slots)
        if not as_json:
            say(f"room {room.room_id}  chat channel {room.chat_channel_id}  password {room.password or '(none)'}")
        failures: list[dict[str, Any]] = []
        if team_versus or password is not None:
            try:
                ref.change_room_settings(room.room_id, type="team_versus" if team_versus else None, password=password)
            except RefereeHubError as exc:
                failures.append({"settings": True, "error": str(exc)})
                typer.echo(f"room {room.room_id}: could not change its settings: {exc}", err=True)
            else:
                if password is not None and not as_json:
                    say(f"room {room.room_id}  password {password}")
        for uid in invite or []:
            try:
                ref.invite_player(room.room_id, uid)
            except RefereeHubError as exc:
                failures.append({"user_id": uid, "error": str(exc)})
                typer.echo(f"room {room.room_id}: could not invite {uid}: {exc}", err=True)
            else:
                if not as_json:
                    say(f"invited {uid} to room {room.room_id}")
        if as_json:
            emit_json(room.snapshot() | {"password": room.password, "failed": failures})
        if failures:
            raise CliError(f"room {room.room_id} was made but {len(failures)} step(s) failed (see above); "
                           "the room stays open",
                           f"retry with `osukit referee invite {room.room_id} USER`, or close it with "
                           f"`osukit referee close {room.room_id}` (open rooms count against the 4/50 cap)",
                           ExitCode.ERROR)


# One function per room action: the commands below and `referee console` both call them.


def _run(ctx: typer.Context, spectator_url: str | None, room: int, action: Callable[..., None], *args: Any,
         join: bool = False) -> None:
    """Connect, join the room when ``join`` (the hub wants the referee in it for that action), do ``action``."""
    with referee(ctx, spectator_url) as ref:
        if join:
            ref.join_room(room)
        action(ref, room, *args)


def _invite(ref: Any, room: int, *users: int) -> None:
    for uid in users:
        ref.invite_player(room, uid)
        say(f"invited {uid} to room {room}")


def _start(ref: Any, room: int, countdown: int | None = None) -> None:
    ref.start_match(room, countdown)
    say(f"room {room}: " + (f"match starts in {countdown}s" if countdown else "match started"))


def _abort(ref: Any, room: int) -> None:
    ref.abort_match(room)
    say(f"room {room}: match aborted")


def _close(ref: Any, room: int) -> None:
    ref.close_room(room)
    say(f"room {room} closed")


def _stop_countdown(ref: Any, room: int) -> None:
    ref.stop_match_countdown(room)
    say(f"room {room}: countdown stopped")


def _kick(ref: Any, room: int, *users: int) -> None:
    for uid in users:
        ref.kick_player(room, uid)
        say(f"room {room}: kicked {uid}")


def _ban(ref: Any, room: int, *users: int) -> None:
    for uid in users:
        ref.ban_user(room, uid)
        say(f"room {room}: banned {uid}")


def _lock(ref: Any, room: int, locked: bool) -> None:
    ref.set_lock_state(room, locked)
    say(f"room {room}: {'locked' if locked else 'unlocked'}")


def _roll(ref: Any, room: int, maximum: int | None, *, wait: float = 30.0) -> None:
    """Roll, then print the number: the hub answers the call empty and sends the result as a
    ``RollCompleted`` event (which updates ``rooms[room].last_roll``), so wait for it."""
    live = ref.rooms.get(room)
    before = live.last_roll if live is not None else None
    ref.roll(room, maximum)
    deadline = time.monotonic() + wait
    while time.monotonic() < deadline:
        live = ref.rooms.get(room)
        result = live.last_roll if live is not None else None
        if result is not None and result is not before:
            say(f"room {room}: rolled {result.result} (1-{result.max})")
            return
        time.sleep(0.02)
    raise CliError(f"room {room}: rolled, but the hub sent no RollCompleted within {wait:g} s",
                   f"`osukit referee watch {room}` shows the room's events", ExitCode.NETWORK)


def _add_referee(ref: Any, room: int, user: int) -> None:
    ref.add_referee(room, user)
    say(f"room {room}: {user} is a referee")


def _remove_referee(ref: Any, room: int, user: int) -> None:
    ref.remove_referee(room, user)
    say(f"room {room}: {user} is no longer a referee")


@referee_app.command("invite")
def invite(
    ctx: typer.Context,
    room: Annotated[int, typer.Argument(help="Room id.")],
    users: Annotated[list[int], typer.Argument(help="User ids.")],
    spectator_url: HubOpt = None,
) -> None:
    """Invite players (!mp invite)."""
    _run(ctx, spectator_url, room, _invite, *users)


@referee_app.command("start")
def start(
    ctx: typer.Context,
    room: Annotated[int, typer.Argument(help="Room id.")],
    countdown: Annotated[int | None, typer.Option("--countdown", "-c", min=1, help="Seconds before gameplay.")] = None,
    spectator_url: HubOpt = None,
) -> None:
    """Start the match now or after a countdown (!mp start)."""
    _run(ctx, spectator_url, room, _start, countdown)


@referee_app.command("abort")
def abort(ctx: typer.Context, room: Annotated[int, typer.Argument(help="Room id.")], spectator_url: HubOpt = None) -> None:
    """Abort the match in progress (!mp abort)."""
    _run(ctx, spectator_url, room, _abort)


@referee_app.command("close")
def close(ctx: typer.Context, room: Annotated[int, typer.Argument(help="Room id.")], spectator_url: HubOpt = None) -> None:
    """Close the room (!mp close)."""
    _run(ctx, spectator_url, room, _close)


@referee_app.command("stop-countdown")
def stop_countdown(ctx: typer.Context, room: Annotated[int, typer.Argument(help="Room id.")],
                   spectator_url: HubOpt = None) -> None:
    """Stop the match start countdown (!mp aborttimer); exits 1 when none is running."""
    _run(ctx, spectator_url, room, _stop_countdown)


@referee_app.command("kick")
def kick(ctx: typer.Context, room: Annotated[int, typer.Argument(help="Room id.")],
         users: Annotated[list[int], typer.Argument(help="User ids.")], spectator_url: HubOpt = None) -> None:
    """Kick players out of the room (!mp kick); they may join again."""
    _run(ctx, spectator_url, room, _kick, *users)


@referee_app.command("ban")
def ban(ctx: typer.Context, room: Annotated[int, typer.Argument(help="Room id.")],
        users: Annotated[list[int], typer.Argument(help="User ids.")], spectator_url: HubOpt = None) -> None:
    """Kick players and keep them out of the room (!mp ban)."""
    _run(ctx, spectator_url, room, _ban, *users)


@referee_app.command("lock")
def lock(ctx: typer.Context, room: Annotated[int, typer.Argument(help="Room id.")], spectator_url: HubOpt = None) -> None:
    """Lock the room (!mp lock): players can no longer change team or slot themselves."""
    _run(ctx, spectator_url, room, _lock, True, join=True)


@referee_app.command("unlock")
def unlock(ctx: typer.Context, room: Annotated[int, typer.Argument(help="Room id.")], spectator_url: HubOpt = None) -> None:
    """Unlock the room (!mp unlock)."""
    _run(ctx, spectator_url, room, _lock, False, join=True)


@referee_app.command("settings")
def settings(
    ctx: typer.Context,
    room: Annotated[int, typer.Argument(help="Room id.")],
    name: Annotated[str | None, typer.Option("--name", help="Room name (!mp name).")] = None,
    password: Annotated[str | None, typer.Option("--password", help="Room password; \"\" removes it (!mp password).")] = None,
    match_type: Annotated[str | None, typer.Option("--type", help="head_to_head or team_versus (!mp set).")] = None,
    slots: Annotated[int | None, typer.Option("--slots", min=0, max=256, help="Player slots (0: no limit).")] = None,
    spectator_url: HubOpt = None,
) -> None:
    """Change the room's settings (!mp name / password / set); unset options keep their value."""
    if match_type is not None and match_type not in ("head_to_head", "team_versus"):
        raise CliError(f"unknown match type {match_type!r}", "use head_to_head or team_versus", ExitCode.USAGE)
    if name is None and password is None and match_type is None and slots is None:
        raise CliError("nothing to change", "give --name, --password, --type or --slots", ExitCode.USAGE)
    with referee(ctx, spectator_url) as ref:
        ref.change_room_settings(room, name=name, password=password, type=match_type, max_participants=slots)
        say(f"room {room}: settings changed")


@referee_app.command("map")
def set_map(
    ctx: typer.Context,
    room: Annotated[int, typer.Argument(help="Room id.")],
    beatmap: Annotated[int | None, typer.Argument(help="Beatmap (difficulty) id (default: keep).")] = None,
    ruleset: Annotated[int | None, typer.Option("--ruleset", "-r", min=0, max=3, help="0 osu, 1 taiko, 2 catch, 3 mania.")] = None,
    mods: Annotated[str | None, typer.Option("--mods", help="Required mods as acronyms, e.g. HDHR (\"\": none) (!mp mods).")] = None,
    allowed: Annotated[str | None, typer.Option("--allowed-mods", help="Mods players may pick, e.g. HDHR (\"\": none).")] = None,
    freestyle: Annotated[bool | None, typer.Option("--freestyle/--no-freestyle", help="Players pick their own difficulty.")] = None,
    spectator_url: HubOpt = None,
) -> None:
    """Change the current playlist item (!mp map, !mp mods); unset options keep their value."""
    with referee(ctx, spectator_url) as ref:
        ref.edit_current_playlist_item(room, beatmap_id=beatmap, ruleset_id=ruleset, required_mods=_acronyms(mods),
                                       allowed_mods=_acronyms(allowed), freestyle=freestyle)
        say(f"room {room}: current item changed")


def _acronyms(text: str | None) -> list[str] | None:
    """``"HDHR"`` / ``"HD,HR"`` / ``"hd hr"`` → ``["HD", "HR"]`` (osukit's `Mods.parse`); None stays None (keep)."""
    from ..game.mods import ModError, Mods

    if text is None:
        return None
    try:
        return list(Mods.parse(text).acronyms)
    except ModError as exc:
        raise CliError(f"cannot read mods {text!r}: {exc}", "give mod acronyms, e.g. HDHR or HD,DT",
                       ExitCode.USAGE) from None


@referee_app.command("move")
def move(
    ctx: typer.Context,
    room: Annotated[int, typer.Argument(help="Room id.")],
    user: Annotated[int, typer.Argument(help="User id.")],
    slot: Annotated[int | None, typer.Option("--slot", min=0, help="Slot (rooms with slots).")] = None,
    team: Annotated[str | None, typer.Option("--team", help="red or blue (team versus).")] = None,
    spectator_url: HubOpt = None,
) -> None:
    """Move a player to a slot and/or team (!mp move, !mp team)."""
    if team is not None and team not in ("red", "blue"):
        raise CliError(f"unknown team {team!r}", "use red or blue", ExitCode.USAGE)
    if slot is None and team is None:
        raise CliError("nowhere to move to", "give --slot and/or --team", ExitCode.USAGE)
    with referee(ctx, spectator_url) as ref:
        ref.move_user(room, user, slot=slot, team=team)
        say(f"room {room}: moved {user}")


@referee_app.command("roll")
def roll(ctx: typer.Context, room: Annotated[int, typer.Argument(help="Room id.")],
         maximum: Annotated[int | None, typer.Argument(help="Highest number (default 100).")] = None,
         spectator_url: HubOpt = None) -> None:
    """Roll a number in the room (!roll) and print it (the hub's RollCompleted event)."""
    _run(ctx, spectator_url, room, _roll, maximum, join=True)


@referee_app.command("add-referee")
def add_referee(ctx: typer.Context, room: Annotated[int, typer.Argument(help="Room id.")],
                user: Annotated[int, typer.Argument(help="User id.")], spectator_url: HubOpt = None) -> None:
    """Make another user a referee of the room (!mp addref; the room's host only)."""
    _run(ctx, spectator_url, room, _add_referee, user)


@referee_app.command("remove-referee")
def remove_referee(ctx: typer.Context, room: Annotated[int, typer.Argument(help="Room id.")],
                   user: Annotated[int, typer.Argument(help="User id.")], spectator_url: HubOpt = None) -> None:
    """Take a referee off the room (!mp removeref; the room's host only)."""
    _run(ctx, spectator_url, room, _remove_referee, user)


def describe(event: Any) -> str:
    """One line for an event: its hub method and its fields."""
    from .._models import dump

    name = getattr(type(event), "hub_method", "") or type(event).__name__
    data = dump(event) if hasattr(event, "__struct_fields__") else {}
    if not isinstance(data, dict):
        data = {}
    room = data.pop("room_id", None)
    if name == "Reconnected":
        data = {"rooms": data.get("rooms"), "lost_rooms": data.get("lost_rooms"), "changes": len(data.get("changes") or [])}
    parts = " ".join(f"{k}={v}" for k, v in data.items() if v is not None)
    where = f"room {room}: " if room is not None else ""
    return f"[{time.strftime('%H:%M:%S')}] {where}{name} {parts}".rstrip()


@referee_app.command("watch")
def watch(
    ctx: typer.Context,
    rooms: Annotated[list[int] | None, typer.Argument(help="Room ids (default: every room this account referees).")] = None,
    count: Annotated[int | None, typer.Option("--count", "-n", min=1, help="Stop after this many events.")] = None,
    timeout: Annotated[float | None, typer.Option("--timeout", help="Stop after this many seconds without an event.")] = None,
    as_jsonl: Annotated[bool, typer.Option("--jsonl", help="One JSON object per event.")] = False,
    spectator_url: HubOpt = None,
) -> None:
    """Join rooms and print their events live (Ctrl-C to stop).

    Watching only: this holds the account's one referee hub connection, so a second
    ``osukit referee start/abort/…`` of the same account would push it out. To watch and act
    at once, use ``osukit referee console ROOM``. Without room ids it watches every open room
    the account referees, and exits 1 when there is none (the hub sends nothing about rooms
    made later by another connection). ``--timeout N`` stops after N seconds without an event,
    saying so on stderr.
    """
    from .._models import dump

    with referee(ctx, spectator_url) as ref:
        targets = list(rooms or ref.list_rooms())
        if not targets:  # nothing was "not found" (no 404): exit 1, as the docs say
            raise CliError("no room to watch: this account referees no open room",
                           "make one (`osukit referee make BEATMAP`) or give room ids; "
                           "`osukit referee list` shows the account's rooms", ExitCode.ERROR)
        for room_id in targets:
            ref.join_room(room_id)
        until = f"stops after {timeout:g} s without an event" if timeout is not None else "Ctrl-C to stop"
        sys.stderr.write(f"watching room(s) {', '.join(map(str, targets))}; {until}\n")
        sys.stderr.flush()
        timed_out = threading.Event()
        last = [time.monotonic()]
        stop = threading.Event()
        if timeout is not None:
            def watchdog() -> None:
                while not stop.wait(0.1):
                    if time.monotonic() - last[0] > timeout:
                        timed_out.set()
                        ref.close()  # ends the iteration below
                        return

            threading.Thread(target=watchdog, daemon=True).start()
        seen = 0
        try:
            for event in ref:
                last[0] = time.monotonic()
                if as_jsonl:
                    payload = dump(event) if hasattr(event, "__struct_fields__") else {}
                    emit_json({"event": getattr(type(event), "hub_method", "") or type(event).__name__, "data": payload},
                              lines=True)
                else:
                    sys.stdout.write(describe(event) + "\n")
                    sys.stdout.flush()
                seen += 1
                if count is not None and seen >= count:
                    break
        except KeyboardInterrupt:  # Ctrl-C: like every long-running command, "osukit: interrupted" and 130
            raise typer.Exit(ExitCode.INTERRUPTED) from None
        finally:
            stop.set()
        if timed_out.is_set():
            sys.stderr.write(f"stopped after {timeout:g} s without an event ({seen} event(s) seen)\n")
            sys.stderr.flush()


@referee_app.command("list")
def list_rooms(ctx: typer.Context, spectator_url: HubOpt = None, as_json: JsonOpt = False) -> None:
    """Print the open rooms this account referees (ListRooms): id, name, type, users; then exit."""
    with referee(ctx, spectator_url) as ref:
        rows = []
        for room_id in ref.list_rooms():
            room = ref.join_room(room_id)
            rows.append({"room_id": room.room_id, "name": room.name, "type": str(getattr(room.type, "value", room.type)),
                         "users": sorted(room.users)})
    if as_json:
        emit_json(rows)
        return
    if not rows:
        say("this account referees no open room")
        return
    for row in rows:
        users = ", ".join(map(str, row["users"])) or "(none)"
        say(f"room {row['room_id']}  {row['type']}  {row['name']!r}  users: {users}")


CONSOLE_HELP = """commands (one per line):
  start [SECONDS]    start the match, now or after a countdown
  abort              abort the match in progress
  stop-countdown     stop the match start countdown
  invite USER        invite a player (they must be connected to multiplayer)
  kick USER          kick a player
  lock / unlock      lock or unlock slots and teams
  map ID [MODS]      set the current beatmap and required mods (e.g. map 1001075 HDHR)
  close              close the room and quit
  help               this list
  quit               stop (the room stays open)"""


def _console_command(ref: Any, room: int, line: str) -> bool:
    """Run one console line; False when the console should stop."""
    words = line.split()
    if not words:
        return True
    name, args = words[0].lower(), words[1:]

    def number(index: int, what: str) -> int:
        if len(args) <= index or not args[index].isdigit():
            raise CliError(f"{name}: give {what}", "type help for the commands", ExitCode.USAGE)
        return int(args[index])

    if name in ("quit", "exit"):
        return False
    if name == "help":
        say(CONSOLE_HELP)
    elif name == "start":
        _start(ref, room, number(0, "a countdown in seconds") if args else None)
    elif name == "abort":
        _abort(ref, room)
    elif name == "stop-countdown":
        _stop_countdown(ref, room)
    elif name == "invite":
        _invite(ref, room, number(0, "a user id"))
    elif name == "kick":
        _kick(ref, room, number(0, "a user id"))
    elif name in ("lock", "unlock"):
        _lock(ref, room, name == "lock")
    elif name == "map":
        beatmap = number(0, "a beatmap id")
        mods = _acronyms(" ".join(args[1:])) or []
        ref.edit_current_playlist_item(room, beatmap_id=beatmap, required_mods=mods)
        say(f"room {room}: map {beatmap}" + (f" +{''.join(mods)}" if mods else ""))
    elif name == "close":
        _close(ref, room)
        return False
    else:
        raise CliError(f"unknown command {name!r}", "type help for the commands", ExitCode.USAGE)
    return True


@referee_app.command("console")
def console(
    ctx: typer.Context,
    room: Annotated[int, typer.Argument(help="Room id.")],
    spectator_url: HubOpt = None,
) -> None:
    """Watch a room and act on it on ONE hub connection: events print live, commands are read
    from stdin (``start [s]``, ``abort``, ``stop-countdown``, ``invite U``, ``kick U``, ``lock``,
    ``unlock``, ``map ID [MODS]``, ``close``, ``help``, ``quit``).

    The hub keeps one referee connection per account, so ``referee watch`` in one shell and
    ``referee start`` in another push each other out: this is the way to do both. A refused
    command prints the hub's error and the console goes on; end of input or ``quit`` stops it
    (the room stays open), ``close`` closes the room and stops.
    """
    from ..referee import RefereeHubError
    from ._errors import explain

    with referee(ctx, spectator_url) as ref:
        ref.join_room(room)
        sys.stderr.write(f"room {room}: watching; type commands (help lists them), quit or Ctrl-D to stop\n")
        sys.stderr.flush()
        failure: list[BaseException] = []
        lines: queue.Queue[str | None] = queue.Queue()

        def pump() -> None:
            try:
                for event in ref:
                    sys.stdout.write(describe(event) + "\n")
                    sys.stdout.flush()
            except Exception as exc:  # the connection is gone (e.g. taken over): the main loop reports it
                failure.append(exc)
            lines.put(None)

        def read() -> None:
            for line in sys.stdin:
                lines.put(line)
            lines.put(None)

        threading.Thread(target=pump, name="osukit-referee-console", daemon=True).start()
        threading.Thread(target=read, name="osukit-referee-console-stdin", daemon=True).start()
        try:
            while (line := lines.get()) is not None:
                try:
                    if not _console_command(ref, room, line):
                        break
                except (CliError, RefereeHubError) as exc:
                    if failure:
                        break
                    explained = explain(exc)
                    sys.stderr.write(f"error: {explained.title}\n")
                    sys.stderr.flush()
        except KeyboardInterrupt:  # Ctrl-C: "osukit: interrupted" and 130 (the room stays open)
            raise typer.Exit(ExitCode.INTERRUPTED) from None
        if failure:
            raise failure[0]
