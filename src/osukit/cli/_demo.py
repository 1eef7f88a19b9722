"""``osukit demo``: an offline tour against the bundled emulator (no account, no network)."""

from __future__ import annotations

import contextlib
import time
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

from .._exceptions import MissingExtraError
from ._errors import CliError, ExitCode
from ._render import field, fmt, print_table, say

__all__ = ["run_demo"]

DEMO_MESSAGE = "hello from the osukit demo"


def escape(text: str) -> str:
    from rich.markup import escape as _escape

    return _escape(text)


def _step(number: int, title: str) -> None:
    say("")
    say(f"[bold magenta]{number}. {escape(title)}[/bold magenta]", markup=True)


def _code(text: str) -> None:
    say(f"   [dim]>>> {escape(text)}[/dim]", markup=True)


def _emulator_class() -> Any:
    """The emulator class, or the CliError saying which extra is missing (checked before the demo says
    anything, so a missing extra is the only line printed)."""
    try:
        from ..emulator import Emulator
    except ImportError as exc:
        name = getattr(exc, "missing", None) or (exc.name or "").split(".")[0]
        if isinstance(exc, MissingExtraError) or name in ("starlette", "uvicorn", "websockets"):
            what = f" (missing: {name})" if name else ""
            raise CliError(f"the demo needs the emulator's extra{what}",
                           "pip install 'osukit[quickstart]' (cli, emulator and pp)", ExitCode.MISSING_EXTRA) from None
        raise CliError("this osukit build has no osukit.emulator.Emulator yet",
                       "the demo needs the bundled emulator", ExitCode.ERROR) from None
    return Emulator


@contextlib.contextmanager
def _emulator(seed: int, emulator_class: Any = None) -> Iterator[Any]:
    with (emulator_class or _emulator_class())(seed=seed) as emu:
        yield emu


def _first_user_id(client: Any, emu: Any) -> int:
    rankings = getattr(client, "rankings", None)
    if rankings is not None and hasattr(rankings, "get"):
        for row in rankings.get("osu", "performance", limit=1):
            uid = field(row, "user.id")
            if uid is not None:
                return int(uid)
    users = field(emu.dataset, "users") or []
    if isinstance(users, dict):
        users = list(users.values())
    for user in users:
        uid = field(user, "id")
        if uid is not None:
            return int(uid)
    raise CliError("the emulator's data set has no users", None, ExitCode.ERROR)


def _token_text(token: Any) -> str:
    """The access token from what ``mint_token`` returns (a token response dict, a Token, or a string)."""
    if isinstance(token, dict):
        return str(token["access_token"])
    return str(getattr(token, "access_token", token))


def run_demo(out: Path, *, seed: int = 0) -> None:
    """Start the emulator in-process and walk through the main things osukit does."""
    from .. import Client

    emulator_class = _emulator_class()  # a missing extra first, before any output
    out.mkdir(parents=True, exist_ok=True)
    started = time.monotonic()
    say("[bold]osukit demo[/bold]: everything below talks to the bundled osu! API emulator on 127.0.0.1.",
        markup=True)
    with _emulator(seed, emulator_class) as emu:
        say(f"emulator running at {emu.base_url} (seed {seed})")

        _step(1, "Authenticate with the client-credentials grant")
        _code("osu = osukit.Client(client_id=..., client_secret=..., base_url=...)")
        with Client(client_id=emu.client_id, client_secret=emu.client_secret, base_url=emu.base_url,
                    api_key=emu.api_key, rate_limit=0, app_name="osukit-demo") as osu:
            token = osu.get_token()
            say(f"   token scopes: {' '.join(token.scopes) or '-'}; expires in {token.expires_in() / 3600:.0f} h")

            _step(2, "Fetch a user profile")
            uid = _first_user_id(osu, emu)
            _code(f"user = osu.users.get({uid})")
            user = osu.users.get(uid)
            st = field(user, "statistics")
            say(f"   {user.username} ({field(user, 'country_code', '?')}): {fmt(field(st, 'pp'))} pp, "
                f"global #{fmt(field(st, 'global_rank'))}, {fmt(field(st, 'play_count'))} plays")

            _step(3, "Top plays, with pp recomputed locally from the .osu files")
            _code("scores = list(osu.users.scores(user.id, 'best', limit=100))")
            scores = list(osu.users.scores(user.id, "best", limit=100))
            _top_plays(osu, scores[:5])

            _step(4, "Search beatmapsets, page by page with a resumable cursor")
            _search(osu)

            _step(5, "Receive a chat message over the websocket")
            _chat(emu, uid)

            _step(6, f"Plots into {out}")
            _plots(user, scores, out)
    say("")
    say(f"[bold green]done[/bold green] in {time.monotonic() - started:.1f} s; plots and files in "
        f"{escape(str(out))}/ (delete it when done). Next: `osukit --help`, and docs/index.md for the library.",
        markup=True)


def _top_plays(osu: Any, scores: list[Any]) -> None:
    try:
        from ..game import performance

        performance_fn: Any = performance
        import rosu_pp_py  # noqa: F401
    except (ImportError, MissingExtraError):
        performance_fn = None
        say("   (pp extra not installed: showing osu!'s pp only; pip install 'osukit[pp]' to recompute)")
    rows = []
    gaps: list[float] = []
    for i, s in enumerate(scores, 1):
        beatmap_id = field(s, "beatmap_id") or field(s, "beatmap.id")
        local = "-"
        if performance_fn is not None and beatmap_id:
            osu_file = osu.legacy.beatmap_file(int(beatmap_id))
            mine = performance_fn(s, osu_file).pp
            local = f"{mine:.2f}"
            if isinstance(field(s, "pp"), (int, float)):
                gaps.append(abs(float(field(s, "pp")) - mine))
        bset, bmap = field(s, "beatmapset"), field(s, "beatmap")
        acc = field(s, "accuracy")
        rows.append([
            str(i),
            f"{field(bset, 'title', '?')} [{field(bmap, 'version', '?')}]",
            fmt(field(s, "mods")) if isinstance(field(s, "mods"), str) else _mods(field(s, "mods")),
            f"{acc * 100:.2f}%" if isinstance(acc, (int, float)) else "-",
            fmt(field(s, "pp")),
            local,
        ])
    if performance_fn is not None:
        _code("performance(score, osu.legacy.beatmap_file(score.beatmap_id)).pp")
        largest = f"; largest difference here {max(gaps):.3f}" if gaps else ""
        say("   [dim](the emulator's pp come from rosu-pp over the same .osu files, so the two columns agree within "
            f"0.01 pp, as they do against osu! itself; the last digit can differ by rounding{largest})[/dim]",
            markup=True)
    print_table(None, ["#", "beatmap", "mods", "acc", "pp (API)", "pp (osukit)"], rows,
                right=("#", "acc", "pp (API)", "pp (osukit)"))


def _mods(value: Any) -> str:
    fmt_fn = getattr(value, "format", None)
    if callable(fmt_fn):
        return str(fmt_fn())
    if isinstance(value, (list, tuple)):
        return "".join(str(field(m, "acronym") or m) for m in value) or "NM"
    return "NM"


def _search(osu: Any) -> None:
    search = getattr(getattr(osu, "beatmapsets", None), "search", None)
    if search is None:
        raise CliError("this osukit build has no client.beatmapsets.search yet", None, ExitCode.ERROR)
    _code("for page in osu.beatmapsets.search('', limit=None).pages(): ...")
    cursor: Any = None
    for number, page in enumerate(search("", limit=None).pages(), 1):
        titles = ", ".join(str(field(s, "title", "?")) for s in list(page.items)[:3])
        say(f"   page {number}: {len(page.items)} sets ({titles}, …); next cursor {str(page.next_cursor)[:24]}…"
            if page.next_cursor else f"   page {number}: {len(page.items)} sets; last page")
        cursor = page.next_cursor
        if number == 2 or cursor is None:
            break
    if cursor is not None:
        _code("osu.beatmapsets.search('', cursor=saved_cursor)  # resume later, even in another process")
        page = search("", cursor=cursor, limit=None).first_page()
        say(f"   resumed: page 3 has {len(page.items)} sets")


def _chat(emu: Any, uid: int) -> None:
    from .. import Client

    try:
        from ..realtime import MessageEvent
    except ImportError as exc:
        raise CliError(f"chat over the websocket is not available ({exc})", "pip install 'osukit[quickstart]'",
                       ExitCode.MISSING_EXTRA) from None
    token = _token_text(emu.mint_token(user_id=uid, scopes=["chat.read", "chat.write", "chat.write_manage"]))
    with Client(access_token=token, base_url=emu.base_url, rate_limit=0, app_name="osukit-demo") as chat_client:
        channels = chat_client.chat.channels()
        public = [c for c in channels if str(field(c, "type", "")).upper() == "PUBLIC"] or list(channels)
        if not public:
            raise CliError("the emulator has no chat channels", None, ExitCode.ERROR)
        channel = public[0]
        channel_id = int(channel.channel_id)
        with contextlib.suppress(Exception):
            chat_client.chat.join(channel_id, uid)
        _code(f"with osu.chat_stream(channels=[{channel_id}]) as stream: ...")
        with chat_client.chat_stream(channels=[channel_id], url=emu.notify_url) as stream:
            _code(f"osu.chat.send({channel_id}, {DEMO_MESSAGE!r})")
            chat_client.chat.send(channel_id, DEMO_MESSAGE)
            deadline = time.monotonic() + 15
            while time.monotonic() < deadline:
                event = stream.get(timeout=max(deadline - time.monotonic(), 0.1))
                if not isinstance(event, MessageEvent):
                    continue
                for message in event.messages:
                    if message.content == DEMO_MESSAGE:
                        sender = event.sender(message)
                        say(f"   received on {field(channel, 'name', channel_id)} from "
                            f"{field(sender, 'username', message.sender_id)}: {message.content!r}")
                        return
    raise CliError("the chat message did not arrive over the websocket within 15 s", None, ExitCode.ERROR)


def _plots(user: Any, scores: list[Any], out: Path) -> None:
    try:
        from .. import plot

        plot._require()
    except MissingExtraError:
        say("   (plot extra not installed: pip install 'osukit[plot]' for the plots)")
        return
    jobs: list[tuple[str, Callable[[], Any]]] = [
        ("rank-history.png", lambda: plot.rank_history(user)),
        ("top-plays.png", lambda: plot.top_plays(scores, title=f"Top plays of {user.username}")),
        ("activity.png", lambda: plot.activity(user)),
    ]
    for name, make in jobs:
        try:
            fig = make()
        except ValueError as exc:  # e.g. a user without rank history
            say(f"   skipped {name}: {exc}")
            continue
        path = out / name
        fig.savefig(path, dpi=120)
        say(f"   wrote {path}")
