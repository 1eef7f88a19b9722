"""The typer application behind ``osukit``: global options, auth, queries, and the sub-commands."""

from __future__ import annotations

import os
import sys
import traceback
from collections.abc import Iterator
from pathlib import Path
from typing import Annotated, Any

import typer
from typer.core import TyperArgument

from .._constants import SERVER_RATE_LIMIT
from ._errors import CliError, ExitCode, check_choice, explain
from ._feeds import install as _feeds_install
from ._referee import referee_app
from ._render import emit_json, field, fmt, length, print_kv, print_table, say
from ._state import State, resolve_attr
from ._tournament import register as _register_tournament

__all__ = ["app", "run_app"]

app = typer.Typer(
    name="osukit",
    help="The osu! API from the command line: profiles, scores, beatmaps, chat, pp, replays, plots.",
    no_args_is_help=True,
    add_completion=False,
    pretty_exceptions_enable=False,
    rich_markup_mode=None,
    context_settings={"help_option_names": ["-h", "--help"]},
)
chat_app = typer.Typer(help="Chat: follow a channel over the websocket, or send a message.", no_args_is_help=True)
replay_app = typer.Typer(help="Replays (.osr files).", no_args_is_help=True)
plot_app = typer.Typer(help="Plots as PNG/SVG files (the osukit[plot] extra).", no_args_is_help=True)
emulator_app = typer.Typer(help="The offline osu! API emulator (the osukit[emulator] extra).", no_args_is_help=True)
config_app = typer.Typer(help="Where the config file is, and what osukit reads from it.", no_args_is_help=True)
app.add_typer(chat_app, name="chat")
app.add_typer(replay_app, name="replay")
app.add_typer(plot_app, name="plot")
app.add_typer(emulator_app, name="emulator")
app.add_typer(config_app, name="config")
app.add_typer(referee_app, name="referee")

JsonOpt = Annotated[bool, typer.Option("--json", help="Print the API objects as JSON (osukit.dump).")]
JsonlOpt = Annotated[bool, typer.Option("--jsonl", help="Print one JSON object per line (lists only).")]
LimitOpt = Annotated[int, typer.Option("--limit", "-n", min=1, help="How many items to fetch (pages as needed).")]
ModeOpt = Annotated[
    str | None, typer.Option("--mode", "-m", help="Ruleset: osu, taiko, fruits (catch) or mania.")
]


def _state(ctx: typer.Context) -> State:
    obj = ctx.find_root().obj
    if not isinstance(obj, State):  # pragma: no cover - the callback always sets it
        obj = State()
        ctx.find_root().obj = obj
    return obj


def _print_version(value: bool) -> None:
    if value:
        from .._version import __version__

        typer.echo(f"osukit {__version__}")
        raise typer.Exit()


@app.callback()
def _root(
    ctx: typer.Context,
    base_url: Annotated[
        str | None, typer.Option("--base-url", help="API site: https://osu.ppy.sh (default), https://dev.ppy.sh, "
                                 "or the emulator's URL. Env: OSU_BASE_URL.")
    ] = None,
    client_id: Annotated[str | None, typer.Option("--client-id", help="OAuth client id. Env: OSU_CLIENT_ID.")] = None,
    client_secret: Annotated[
        str | None, typer.Option("--client-secret", help="OAuth client secret. Env: OSU_CLIENT_SECRET.")
    ] = None,
    api_key: Annotated[str | None, typer.Option("--api-key", help="API v1 key. Env: OSU_API_KEY.")] = None,
    access_token: Annotated[
        str | None, typer.Option("--access-token", help="Use this bearer token as is. Env: OSU_ACCESS_TOKEN.")
    ] = None,
    notify_url: Annotated[
        str | None, typer.Option("--notify-url", help="Chat websocket (default wss://notify.ppy.sh). "
                                 "Env: OSU_NOTIFY_URL.")
    ] = None,
    v1_prefix: Annotated[
        str | None, typer.Option("--v1-prefix", help="Where API v1 lives under the site: api (osu.ppy.sh's "
                                 "api/get_*, the default) or e.g. api/v1 on a private server. Env: OSU_V1_PREFIX.")
    ] = None,
    config: Annotated[
        Path | None, typer.Option("--config", help="Config file (default: the platform config dir; env OSUKIT_CONFIG).")
    ] = None,
    token_file: Annotated[
        str | None, typer.Option("--token-file", help="Where `osukit login` keeps tokens. Env: OSUKIT_TOKEN_FILE.")
    ] = None,
    rate_limit: Annotated[
        float | None, typer.Option("--rate-limit", min=0, help="Requests per minute (default 60, osu!'s terms; "
                                   "0: no limit, e.g. for the emulator).")
    ] = None,
    timeout: Annotated[
        float | None, typer.Option("--timeout", min=0.001, metavar="SECONDS",
                                   help="Seconds each request waits for its answer before it is retried (default: "
                                   "30 s per read, 120 s per request; `login --timeout` is the browser wait). Env: OSUKIT_TIMEOUT.")
    ] = None,
    debug: Annotated[bool, typer.Option("--debug", help="Show tracebacks and HTTP debug logs.")] = False,
    version: Annotated[bool, typer.Option("--version", is_eager=True, callback=_print_version,
                                          help="Print osukit's version and exit.")] = False,
) -> None:
    """The osu! API from the command line."""
    if debug:
        import logging

        from .._redact import SecretFilter

        logging.basicConfig(level=logging.DEBUG, format="%(name)s: %(message)s")
        for handler in logging.getLogger().handlers:
            handler.addFilter(SecretFilter())
    else:
        from ._notices import install

        ctx.call_on_close(install())  # retries and slow answers: one line each on stderr (cli/_notices.py)
    if rate_limit is not None and rate_limit > SERVER_RATE_LIMIT:
        raise CliError(f"--rate-limit {rate_limit:g} is above osu!'s limit of {SERVER_RATE_LIMIT} requests/min",
                       f"use at most {SERVER_RATE_LIMIT} (osu! asks for 60), or 0 for no client-side limit",
                       ExitCode.USAGE)
    if config is not None and not config.exists():  # a file named on purpose: a typo must not mean "no config"
        raise CliError(f"the config file {config} (--config) does not exist",
                       "check the path, or leave out --config to use the default one (`osukit config path`)",
                       ExitCode.USAGE)
    ctx.obj = State(
        options={
            "base_url": base_url,
            "client_id": client_id,
            "client_secret": client_secret,
            "api_key": api_key,
            "access_token": access_token,
            "token_file": token_file,
            "notify_url": notify_url,
            "v1_prefix": v1_prefix,
            "timeout": timeout,
        },
        config_path=config,
        debug=debug,
        rate_limit=rate_limit,
    )


# --------------------------------------------------------------------------------------- helpers


def _mods_text(value: Any) -> str:
    if value is None:
        return "NM"
    fmt_fn = getattr(value, "format", None)
    if callable(fmt_fn) and not isinstance(value, str):
        return str(fmt_fn())
    if isinstance(value, str):
        return value or "NM"
    if isinstance(value, (list, tuple)):
        parts = [str(m.get("acronym", "?")) if isinstance(m, dict) else str(getattr(m, "acronym", m)) for m in value]
        return "".join(parts) or "NM"
    return str(value)


SCORE_TITLES = {"best": "best", "recent": "recent", "firsts": "first-place", "pinned": "pinned"}  # table titles
SCORE_TYPES = tuple(SCORE_TITLES)
# osu-web BeatmapsetSearchParams: the `s` (category) values
SEARCH_STATUSES = ("any", "leaderboard", "ranked", "qualified", "loved", "favourites", "pending", "wip", "graveyard",
                   "mine")


def _ruleset(mode: str | None) -> Any:
    if mode is None:
        return None
    from ..enums import Ruleset

    try:
        return Ruleset.parse(mode)
    except ValueError:
        raise CliError(f"unknown ruleset {mode!r}", "use osu, taiko, fruits (or catch) or mania", ExitCode.USAGE) from None


def _user_ref(user: str) -> int | str:
    text = user.strip()
    return int(text) if text.isdigit() else text


def _user_id(client: Any, user: str, mode: Any = None) -> tuple[int, Any]:
    ref = _user_ref(user)
    profile = client.users.get(ref, mode)
    return int(profile.id), profile


def _date(obj: Any) -> Any:
    value = field(obj, "ended_at") or field(obj, "created_at") or field(obj, "date")
    if isinstance(value, str):  # an unknown field of another response shape
        import datetime as _dt

        try:
            return _dt.datetime.fromisoformat(value.replace("Z", "+00:00"))
        except ValueError:
            return value
    return value


def _score_row(i: int, s: Any) -> list[Any]:
    bset = field(s, "beatmapset")
    bmap = field(s, "beatmap")
    title = f"{field(bset, 'artist', '?')} - {field(bset, 'title', '?')} [{field(bmap, 'version', '?')}]"
    acc = field(s, "accuracy")
    return [
        str(i),
        fmt(field(s, "pp")),
        f"{acc * 100:.2f}%" if isinstance(acc, (int, float)) else "-",
        _mods_text(field(s, "mods")),
        fmt(field(s, "rank")),
        fmt(field(s, "max_combo")),
        title,
        fmt(_date(s)),
    ]


SCORE_COLUMNS = ["#", "pp", "acc", "mods", "rank", "combo", "beatmap", "date"]


def _emit_list(items: list[Any], as_json: bool, as_jsonl: bool) -> bool:
    if as_jsonl:
        emit_json(items, lines=True)
        return True
    if as_json:
        emit_json(items)
        return True
    return False


def _take(paginator: Any, limit: int) -> list[Any]:
    out: list[Any] = []
    for item in paginator:
        out.append(item)
        if len(out) >= limit:
            break
    return out


# ------------------------------------------------------------------------------------------ auth


@app.command()
def login(
    ctx: typer.Context,
    scope: Annotated[
        list[str] | None, typer.Option("--scope", "-s", help="Scopes to ask for (repeatable; default: identify public).")
    ] = None,
    no_browser: Annotated[
        bool, typer.Option("--no-browser", help="Headless: print the URL and paste back the redirect URL.")
    ] = False,
    redirect_uri: Annotated[
        str | None, typer.Option("--redirect-uri", help="Must match the OAuth application's callback URL. "
                                 "Env: OSU_REDIRECT_URI. Default http://127.0.0.1:8080/callback.")
    ] = None,
    timeout: Annotated[float, typer.Option("--timeout", min=0.001, metavar="SECONDS",  # as the global --timeout
                                           help="Seconds to wait for the browser callback (the global --timeout is each API request's "
                                           "wait).")] = 300.0,
) -> None:
    """Log in as yourself (authorization code) and keep the token for later commands."""
    state = _state(ctx)
    s = state.settings
    if not (s.client_id and s.client_secret):
        raise CliError(
            "login needs an OAuth application: no client id/secret",
            "set OSU_CLIENT_ID and OSU_CLIENT_SECRET (osu! settings → OAuth → New OAuth Application)",
            ExitCode.CONFIG,
        )
    import threading

    from .. import Client
    from .._exceptions import AuthenticationError, TokenStoreError

    # osu! grants `identify` with every authorization code, and the login needs it (GET /me names
    # the user and keys the stored token): always ask for it.
    scopes = tuple(dict.fromkeys(("identify", *(scope or ("public",)))))
    redirect = redirect_uri or s.redirect_uri

    try:
        previous = state.stored_login()
    except TokenStoreError:  # a damaged token file: the new login replaces it
        previous = None
    if previous is not None:
        who = f"user {previous.user_id}" if previous.user_id is not None else "a user"
        say(f"Already logged in to {s.effective_base_url} as {who}; logging in again (the new login replaces it).")

    def show(url: str) -> None:
        sys.stderr.write(f"Open this URL to authorize osukit (waiting up to {timeout:.0f} s):\n\n  {url}\n\n")
        sys.stderr.flush()

    # The paste prompt runs on its own thread; the browser's callback may finish the login while it waits.
    screen = threading.Lock()
    prompt_pending = False  # the prompt is on screen and its line not ended by Enter
    finished = False  # the login is over: the prompt writes nothing more

    def prompt(text: str) -> str:
        nonlocal prompt_pending
        with screen:
            if finished:
                return ""
            sys.stderr.write(text)
            sys.stderr.flush()
            prompt_pending = True
        line = sys.stdin.readline()
        with screen:
            prompt_pending = False
            if not line:  # end of input: no Enter ended the prompt's line
                sys.stderr.write("\n")
        if not line:
            if not no_browser:
                raise EOFError  # the browser opened here may still call back: the wait goes on for it
            # --no-browser: the paste is how the login ends, and none can come any more: stop now
            raise CliError("stdin closed before a redirect URL was pasted (nothing can be pasted any more)",
                           "run it again where you can paste: approve osukit at the URL it prints, then paste the "
                           "address the browser lands on (or pipe that address into the command's stdin)",
                           ExitCode.AUTH)
        return line.strip()

    from ..tokens import MemoryTokenStore

    # The new token is kept in memory until the whole login succeeded (exchange and GET /me); only
    # then does it replace what the token file held, so a failed login never loses a working one.
    pending = MemoryTokenStore()
    with Client(client_id=s.client_id, client_secret=s.client_secret, base_url=s.base_url,
                token_store=pending, app_name="osukit-cli", rate_limit=state.rate_limit, **state.timeouts()) as client:
        try:
            client.login(redirect_uri=redirect, scopes=scopes, open_browser=not no_browser, prompt=prompt,
                         on_url=show, timeout=timeout, key=s.login_key, force=True)
        except AuthenticationError as exc:
            if no_browser and exc.status_code == 408 and not exc.url:  # the hint must not offer --no-browser
                raise CliError(f"the login timed out waiting for the browser: {exc.message}",
                               f"run `osukit login --no-browser --timeout {max(timeout * 2, 600):g}` again, approve "
                               "osukit at the URL it prints and paste the address the browser lands on in time",
                               ExitCode.AUTH) from None
            raise
        finally:
            with screen:
                finished = True
                if prompt_pending:  # the callback won (or the time ran out) while the prompt waited: end its line
                    sys.stderr.write("\n")
                    sys.stderr.flush()
        me = client.users.me()
    store = state.token_store()
    for key in pending.keys():
        token = pending.load(key)
        if token is not None:
            store.save(key, token)
    say(f"Logged in to {s.effective_base_url} as {me.username} (id {me.id}); "
        f"scopes: {' '.join(scopes)}")


@app.command()
def logout(ctx: typer.Context) -> None:
    """Revoke the stored login token and delete it."""
    state = _state(ctx)
    s = state.settings
    store = state.token_store()
    token = store.load(s.login_key)
    if token is None:
        say(f"Not logged in to {s.effective_base_url}; nothing to do.")
        return
    revoked = True
    try:
        with state.client(user=True) as client:
            client.revoke_token()
    except Exception as exc:  # the token may be expired already: still forget it
        revoked = False
        sys.stderr.write(f"osukit: could not revoke the token on the server ({explain(exc).title}); "
                         "deleting it locally anyway\n")
    store.delete(s.login_key)
    say(f"Logged out of {s.effective_base_url}" + (" (token revoked)." if revoked else "."))


@app.command()
def whoami(ctx: typer.Context, as_json: JsonOpt = False) -> None:
    """Who the stored login (or --access-token) acts as."""
    from ..auth import StaticToken

    with _state(ctx).client(user=True) as client:
        me = client.users.me()
        token = client.token
        static = isinstance(client.grant, StaticToken)
    if as_json:
        emit_json(me)
        return
    if static:
        scopes = "unknown (a bare --access-token)"
    else:
        scopes = " ".join(token.scopes) if token is not None else "-"
    print_kv(None, [
        ("user", f"{me.username} (id {me.id})"),
        ("country", field(me, "country_code", "-")),
        ("scopes", scopes),
        ("site", _state(ctx).settings.effective_base_url),
    ])


@config_app.command("path")
def config_path(ctx: typer.Context) -> None:
    """Print where the config file is (or would be)."""
    from ._config import default_config_path

    state = _state(ctx)
    print(state.config_path or default_config_path())  # noqa: T201


@config_app.command("show")
def config_show(ctx: typer.Context) -> None:
    """Show the settings osukit resolved, secrets hidden, and where each came from."""
    s = _state(ctx).settings
    secret = {"client_secret", "api_key", "access_token"}
    rows = []
    for key in ("client_id", "client_secret", "api_key", "access_token", "base_url", "v1_prefix", "notify_url",
                "redirect_uri", "token_file", "timeout"):
        value = getattr(s, key)
        if key == "v1_prefix" and value is None:
            from .._constants import DEFAULT_V1_PREFIX

            value = DEFAULT_V1_PREFIX
        shown = "-" if value is None else ("***" if key in secret else str(value))
        rows.append((key, f"{shown}  ({s.sources.get(key, 'default')})"))
    rows.append(("config file", str(s.config_path)))
    print_kv(None, rows)


# --------------------------------------------------------------------------------------- queries


@app.command()
def user(ctx: typer.Context, user: Annotated[str, typer.Argument(help="User id or name.")],
         mode: ModeOpt = None, as_json: JsonOpt = False) -> None:
    """A user's profile."""
    with _state(ctx).client() as client:
        u = client.users.get(_user_ref(user), _ruleset(mode))
    if as_json:
        emit_json(u)
        return
    st = field(u, "statistics")
    acc = field(st, "hit_accuracy")
    print_kv(f"{u.username} (id {u.id})", [
        ("country", f"{field(u, 'country.name', '-')} ({field(u, 'country_code', '-')})"),
        ("mode", fmt(_ruleset(mode) if mode is not None else field(u, "playmode"))),  # the statistics' ruleset
        ("pp", fmt(field(st, "pp"))),
        ("global rank", "#" + fmt(field(st, "global_rank")) if field(st, "global_rank") else "-"),
        ("country rank", "#" + fmt(field(st, "country_rank")) if field(st, "country_rank") else "-"),
        ("accuracy", f"{acc:.2f}%" if isinstance(acc, (int, float)) else "-"),
        ("play count", fmt(field(st, "play_count"))),
        ("play time", f"{field(st, 'play_time', 0) / 3600:,.0f} h" if field(st, "play_time") else "-"),
        ("level", fmt(field(st, "level.current"))),
        ("ranked score", fmt(field(st, "ranked_score"))),
        ("joined", fmt(field(u, "join_date"))),
        ("supporter", fmt(field(u, "is_supporter"))),
    ])


@app.command()
def scores(
    ctx: typer.Context,
    user: Annotated[str, typer.Argument(help="User id or name.")],
    kind: Annotated[str, typer.Argument(help="best, recent, firsts or pinned.")] = "best",
    mode: ModeOpt = None,
    limit: LimitOpt = 10,
    include_fails: Annotated[bool, typer.Option("--include-fails", help="recent: include failed plays.")] = False,
    as_json: JsonOpt = False,
    as_jsonl: JsonlOpt = False,
) -> None:
    """A user's best, recent, first-place or pinned scores."""
    check_choice(kind, SCORE_TYPES, "score type")
    rs = _ruleset(mode)
    with _state(ctx).client() as client:
        uid, profile = _user_id(client, user, rs)
        items = _take(client.users.scores(uid, kind, mode=rs, include_fails=include_fails, limit=limit), limit)
    if _emit_list(items, as_json, as_jsonl):
        return
    print_table(f"{SCORE_TITLES.get(kind, kind)} scores of {profile.username}", SCORE_COLUMNS,
                (_score_row(i, s) for i, s in enumerate(items, 1)), right=("#", "pp", "acc", "combo"), empty="no scores")


@app.command()
def beatmap(ctx: typer.Context, beatmap_id: Annotated[int, typer.Argument(help="Beatmap id.")],
            as_json: JsonOpt = False) -> None:
    """A beatmap (one difficulty)."""
    with _state(ctx).client() as client:
        b = client.beatmaps.get(beatmap_id)
    if as_json:
        emit_json(b)
        return
    bset = field(b, "beatmapset")
    print_kv(f"{field(bset, 'artist', '?')} - {field(bset, 'title', '?')} [{field(b, 'version', '?')}]", [
        ("id", f"{b.id} (set {field(b, 'beatmapset_id', '-')})"),
        ("mapper", fmt(field(bset, "creator"))),
        ("mode", fmt(field(b, "mode"))),
        ("status", fmt(field(b, "status"))),
        ("stars", fmt(field(b, "difficulty_rating"))),
        ("length", length(field(b, "total_length"))),
        ("bpm", fmt(field(b, "bpm"))),
        ("CS / AR / OD / HP", " / ".join(fmt(field(b, k), digits=1) for k in ("cs", "ar", "accuracy", "drain"))),
        ("max combo", fmt(field(b, "max_combo"))),
        ("objects", " / ".join(fmt(field(b, k)) for k in ("count_circles", "count_sliders", "count_spinners"))),
        ("plays", fmt(field(b, "playcount"))),
        ("url", fmt(field(b, "url"))),
    ])


def _beatmapset_rows(sets: list[Any]) -> Iterator[list[Any]]:
    for s in sets:
        maps = field(s, "beatmaps") or []
        yield [str(field(s, "id")), fmt(field(s, "artist")), fmt(field(s, "title")), fmt(field(s, "creator")),
               fmt(field(s, "status")), str(len(maps)), fmt(field(s, "play_count"))]


@app.command()
def beatmapset(ctx: typer.Context, beatmapset_id: Annotated[int, typer.Argument(help="Beatmapset id.")],
               as_json: JsonOpt = False) -> None:
    """A beatmapset with its difficulties."""
    with _state(ctx).client() as client:
        s = resolve_attr(client, "beatmapsets.get")(beatmapset_id)
    if as_json:
        emit_json(s)
        return
    print_kv(f"{field(s, 'artist', '?')} - {field(s, 'title', '?')} (id {field(s, 'id')})", [
        ("mapper", fmt(field(s, "creator"))),
        ("status", fmt(field(s, "status"))),
        ("ranked", fmt(field(s, "ranked_date"))),
        ("plays", fmt(field(s, "play_count"))),
        ("favourites", fmt(field(s, "favourite_count"))),
    ])
    maps = sorted(field(s, "beatmaps") or [], key=lambda b: (str(field(b, "mode")), field(b, "difficulty_rating", 0)))
    print_table("difficulties", ["id", "version", "mode", "stars", "length", "max combo"], (
        [str(field(b, "id")), fmt(field(b, "version")), fmt(field(b, "mode")), fmt(field(b, "difficulty_rating")),
         length(field(b, "total_length")), fmt(field(b, "max_combo"))] for b in maps
    ), right=("stars", "length", "max combo"))


@app.command()
def search(
    ctx: typer.Context,
    query: Annotated[str, typer.Argument(help="Search text (beatmapsets: osu!'s search syntax, e.g. 'stars>6').")] = "",
    kind: Annotated[str, typer.Option("--kind", "-k", help="beatmapsets, users or wiki.")] = "beatmapsets",
    mode: ModeOpt = None,
    status: Annotated[
        str | None, typer.Option("--status", help="beatmapsets: ranked, loved, qualified, pending, graveyard, any …")
    ] = None,
    limit: LimitOpt = 20,
    cursor: Annotated[str | None, typer.Option("--cursor", help="Resume a beatmapset search from this cursor.")] = None,
    as_json: JsonOpt = False,
    as_jsonl: JsonlOpt = False,
) -> None:
    """Search beatmapsets (paged with a cursor), or users and wiki pages."""
    check_choice(kind, ("beatmapsets", "users", "wiki"), "search kind")
    if status is not None:
        check_choice(status, SEARCH_STATUSES, "beatmapset status")
    state = _state(ctx)
    if kind in ("users", "wiki"):
        with state.client() as client:
            result = client.misc.search(query, mode="user" if kind == "users" else "wiki_page")
        part = field(result, "user" if kind == "users" else "wiki_page")
        found = list(field(part, "data") or [])[:limit]
        if _emit_list(found, as_json, as_jsonl):
            return
        if kind == "users":
            print_table(f"users matching {query!r} ({fmt(field(part, 'total'))} in all)", ["id", "username", "country"],
                        ([str(field(u, "id")), fmt(field(u, "username")), fmt(field(u, "country_code"))] for u in found), empty="no users match")
        else:
            print_table(f"wiki pages matching {query!r}", ["path", "title"],
                        ([fmt(field(w, "path")), fmt(field(w, "title"))] for w in found), empty="no wiki pages match")
        return
    kwargs: dict[str, Any] = {"limit": limit}
    if mode is not None:
        kwargs["mode"] = _ruleset(mode)
    if status is not None:
        kwargs["category"] = status
    if cursor is not None:
        kwargs["cursor"] = cursor
    items: list[Any] = []
    next_cursor: Any = None
    with state.client() as client:
        paginator = resolve_attr(client, "beatmapsets.search")(query, **kwargs)
        for page in paginator.pages():
            items.extend(page.items)
            next_cursor = page.next_cursor
            if len(items) >= limit:
                break
    items = items[:limit]
    if not _emit_list(items, as_json, as_jsonl):
        print_table(f"beatmapsets matching {query!r}" if query else "beatmapsets",
                    ["id", "artist", "title", "mapper", "status", "diffs", "plays"], _beatmapset_rows(items),
                    right=("diffs", "plays"), empty="no beatmapsets match")
    if next_cursor is not None:
        sys.stderr.write(f"more results: --cursor {next_cursor}\n")


@app.command()
def rankings(
    ctx: typer.Context,
    mode: Annotated[str, typer.Argument(help="Ruleset.")] = "osu",
    kind: Annotated[str, typer.Argument(help="performance, score, country or charts.")] = "performance",
    country: Annotated[
        str | None, typer.Option("--country", help="Two-letter country code (performance and score rankings).")
    ] = None,
    spotlight: Annotated[
        int | None, typer.Option("--spotlight", help="charts: the spotlight id (default: the latest).")
    ] = None,
    limit: LimitOpt = 50,
    as_json: JsonOpt = False,
    as_jsonl: JsonlOpt = False,
) -> None:
    """The performance, score, country or charts (spotlight) rankings of a ruleset."""
    check_choice(kind, ("performance", "score", "country", "charts"), "rankings type")
    rs = _ruleset(mode)
    kwargs: dict[str, Any] = {"limit": limit}
    if country:
        from ..resources.rankings import BY_COUNTRY

        if kind not in BY_COUNTRY:  # osu-web RankingController filters only these by country
            raise CliError(f"--country applies only to the performance and score rankings, not {kind}",
                           f"osukit rankings {mode} performance --country {country}", ExitCode.USAGE)
        kwargs["country"] = country.upper()
    if spotlight is not None:
        if kind != "charts":
            raise CliError("--spotlight applies only to the charts ranking", "osukit rankings osu charts --spotlight ID",
                           ExitCode.USAGE)
        kwargs["spotlight"] = spotlight
    spot: Any = None
    with _state(ctx).client() as client:
        paginator = resolve_attr(client, "rankings.get")(rs, kind, **kwargs)
        if kind == "charts":
            items = []
            for page in paginator.pages():
                spot = spot or field(page.response, "spotlight")
                items += list(page.items)
                if len(items) >= limit:
                    break
            items = items[:limit]
        else:
            items = _take(paginator, limit)
    if _emit_list(items, as_json, as_jsonl):
        return
    if kind == "charts":
        title = f"{rs} charts: {fmt(field(spot, 'name'))} (spotlight {field(spot, 'id')})" if spot else f"{rs} charts"
        print_table(title, ["#", "player", "country", "ranked score", "acc", "plays"], (
            [str(i), fmt(field(r, "user.username")), fmt(field(r, "user.country_code")), fmt(field(r, "ranked_score")),
             f"{field(r, 'hit_accuracy', 0):.2f}%", fmt(field(r, "play_count"))] for i, r in enumerate(items, 1)
        ), right=("#", "ranked score", "acc", "plays"), empty="no entries in this ranking")
        return
    if kind == "country":
        print_table(f"{rs} country ranking", ["#", "country", "pp", "active users", "plays"], (
            [str(i), fmt(field(c, "country.name") or field(c, "code")), fmt(field(c, "performance")),
             fmt(field(c, "active_users")), fmt(field(c, "play_count"))] for i, c in enumerate(items, 1)
        ), right=("#", "pp", "active users", "plays"), empty="no entries in this ranking")
        return
    where = f" in {country.upper()}" if country else ""
    print_table(f"{rs} {kind} ranking{where}", ["#", "player", "country", "pp", "acc", "plays", "ranked score"], (
        [str(i), fmt(field(r, "user.username")), fmt(field(r, "user.country_code")), fmt(field(r, "pp")),
         f"{field(r, 'hit_accuracy', 0):.2f}%", fmt(field(r, "play_count")), fmt(field(r, "ranked_score"))]
        for i, r in enumerate(items, 1)
    ), right=("#", "pp", "acc", "plays", "ranked score"), empty="no entries in this ranking")


@app.command()
def leaderboard(
    ctx: typer.Context,
    beatmap_id: Annotated[int, typer.Argument(help="Beatmap id.")],
    mode: ModeOpt = None,
    mods: Annotated[str | None, typer.Option("--mods", help="Only scores with these mods (e.g. HDDT).")] = None,
    limit: Annotated[int, typer.Option("--limit", "-n", min=1, max=100, help="How many scores (max 100).")] = 50,
    as_json: JsonOpt = False,
    as_jsonl: JsonlOpt = False,
) -> None:
    """A beatmap's global leaderboard."""
    kwargs: dict[str, Any] = {"limit": limit}
    if mode is not None:
        kwargs["mode"] = _ruleset(mode)
    if mods:
        kwargs["mods"] = mods
    with _state(ctx).client() as client:
        board = client.beatmaps.scores(beatmap_id, **kwargs)
    items = list(field(board, "scores") or [])[:limit]
    if _emit_list(items, as_json, as_jsonl):
        return
    print_table(f"leaderboard of beatmap {beatmap_id}", ["#", "player", "score", "acc", "combo", "mods", "pp", "date"], (
        [str(i), fmt(field(s, "user.username")), fmt(field(s, "total_score") or field(s, "score")),
         f"{field(s, 'accuracy', 0) * 100:.2f}%", fmt(field(s, "max_combo")), _mods_text(field(s, "mods")),
         fmt(field(s, "pp")), fmt(_date(s))] for i, s in enumerate(items, 1)
    ), right=("#", "score", "acc", "combo", "pp"), empty="no scores")


@app.command("match")
def match_(ctx: typer.Context, match_id: Annotated[int, typer.Argument(help="Multiplayer match id (osu!stable).")],
           as_json: JsonOpt = False) -> None:
    """A multiplayer match (osu!stable) with its events."""
    with _state(ctx).client() as client:
        m = resolve_attr(client, "matches.get")(match_id)
    if as_json:
        emit_json(m)
        return
    info = field(m, "match")
    events = list(field(m, "events") or [])
    print_kv(f"{fmt(field(info, 'name'))} (match {match_id})", [
        ("started", fmt(field(info, "start_time"))),
        ("ended", fmt(field(info, "end_time"))),
        ("events", str(len(events))),
    ])
    users = {field(u, "id"): field(u, "username") for u in (field(m, "users") or [])}
    print_table("events", ["id", "time", "what", "user", "game"], (
        [_id(field(e, "id")), fmt(field(e, "timestamp")), "game" if field(e, "game") else fmt(field(e, "detail.type")),
         fmt(users.get(field(e, "user_id"), _id(field(e, "user_id")))), _game_text(field(e, "game"))] for e in events
    ), empty="no events")


@app.command()
def room(ctx: typer.Context, room_id: Annotated[int, typer.Argument(help="Multiplayer room id (osu!lazer).")],
         as_json: JsonOpt = False) -> None:
    """A multiplayer room or playlist (osu!lazer)."""
    with _state(ctx).client() as client:
        r = resolve_attr(client, "rooms.get")(room_id)
    if as_json:
        emit_json(r)
        return
    print_kv(f"{fmt(field(r, 'name'))} (room {room_id})", [
        ("host", fmt(field(r, "host.username"))),
        ("category", fmt(field(r, "category"))),
        ("type", fmt(field(r, "type"))),
        ("starts", fmt(field(r, "starts_at"))),
        ("ends", fmt(field(r, "ends_at"))),
        ("participants", fmt(field(r, "participant_count"))),
    ])
    items = list(field(r, "playlist") or [])
    if items:
        print_table("playlist", ["id", "beatmap", "ruleset", "mods", "expired"], (
            [_id(field(p, "id")), _beatmap_text(field(p, "beatmap"), field(p, "beatmap_id")),
             _ruleset_name(field(p, "ruleset_id")), _mods_text(field(p, "required_mods")), fmt(field(p, "expired"))]
            for p in items
        ), empty="no playlist items")


def _id(value: Any) -> str:
    """An id as osu! writes it: no thousands separators."""
    return "-" if value is None else str(value)


def _ruleset_name(value: Any) -> str:
    """``0`` → ``osu`` (a ruleset id or name as its name)."""
    if value is None:
        return "-"
    try:
        from ..enums import Ruleset

        return str(Ruleset.parse(value).value)
    except ValueError:
        return str(value)


def _beatmap_text(beatmap: Any, beatmap_id: Any) -> str:
    """``Artist - Title [Version] (id)`` when the beatmap came along, else the id."""
    title = field(beatmap, "beatmapset.title")
    if beatmap is None or not title:
        return _id(beatmap_id if beatmap is None else field(beatmap, "id", beatmap_id))
    version = field(beatmap, "version", "?")
    return f"{field(beatmap, 'beatmapset.artist', '?')} - {title} [{version}] ({_id(field(beatmap, 'id'))})"


def _game_text(game: Any) -> str:
    """A match game: the beatmap, ruleset, mods and how many scores."""
    if not game:
        return ""
    mods = _mods_text(field(game, "mods"))
    return (f"{_beatmap_text(field(game, 'beatmap'), field(game, 'beatmap_id'))}, {_ruleset_name(field(game, 'mode'))}"
            f", {mods}, {len(field(game, 'scores') or [])} scores")


# ----------------------------------------------------------------------------------------- chat


def _channel_id(client: Any, channel: str) -> int:
    text = channel.strip()
    if text.isdigit():
        return int(text)
    wanted = text if text.startswith("#") else f"#{text}"
    for ch in client.chat.channels():
        if str(field(ch, "name", "")).lower() == wanted.lower():
            return int(ch.channel_id)
    raise CliError(f"no joined or public channel named {wanted}", "use the channel id, or join it first",
                   ExitCode.NOT_FOUND)


@chat_app.command("send")
def chat_send(
    ctx: typer.Context,
    channel: Annotated[str, typer.Argument(help="Channel id or name (#osu).")],
    message: Annotated[str, typer.Argument(help="The message.")],
    action: Annotated[bool, typer.Option("--action", help="Send as /me.")] = False,
    as_json: JsonOpt = False,
) -> None:
    """Send a message to a channel."""
    with _state(ctx).client(user=True) as client:
        sent = client.chat.send(_channel_id(client, channel), message, is_action=action)
    if as_json:
        emit_json(sent)
        return
    say(f"sent message {field(sent, 'message_id', '?')} to channel {field(sent, 'channel_id', '?')}")


@chat_app.command("tail")
def chat_tail(
    ctx: typer.Context,
    channel: Annotated[str, typer.Argument(help="Channel id or name (#osu).")],
    count: Annotated[int | None, typer.Option("--count", "-n", min=1, help="Stop after this many messages.")] = None,
    timeout: Annotated[
        float | None, typer.Option("--timeout", help="Stop after this many seconds without a message.")
    ] = None,
    as_jsonl: JsonlOpt = False,
) -> None:
    """Print a channel's messages as they arrive (chat websocket; needs chat.read)."""
    from ._realtime import tail

    state = _state(ctx)
    with state.client(user=True) as client:
        channel_id = _channel_id(client, channel)
    tail(state, channel_id, count=count, timeout=timeout, as_jsonl=as_jsonl)


# ---------------------------------------------------------------------------------------- crawl


from ._dcrawl import crawl_app  # noqa: E402 (the crawl commands live in their own module)

app.add_typer(crawl_app, name="crawl")


# ----------------------------------------------------------------------------------------- game


@replay_app.command("info")
def replay_info(file: Annotated[Path, typer.Argument(help="An .osr file.")], as_json: JsonOpt = False) -> None:
    """What an .osr replay holds: player, map, judgements, mods, accuracy, frames."""
    from ._game import replay_info as show

    show(file, as_json=as_json)


@app.command()
def pp(
    ctx: typer.Context,
    beatmap: Annotated[str, typer.Argument(help="A .osu file, or a beatmap id (downloads the .osu file).")],
    mods: Annotated[str | None, typer.Option("--mods", help="Mods, e.g. HDDT or 72.")] = None,
    acc: Annotated[float | None, typer.Option("--acc", help="Accuracy in percent (default 100).")] = None,
    combo: Annotated[int | None, typer.Option(
        "--combo", min=0, help="Max combo, at most the map's (default: full combo). It changes pp only in osu! "
        "with misses or non-300 hits (a short combo counts as combo breaks) or with FL, and in catch; taiko and "
        "mania pp ignore it (osu!'s 2024 pp: no combo scaling for aim and speed).")] = None,
    misses: Annotated[int | None, typer.Option("--misses", min=0, help="Miss count.")] = None,
    mode: ModeOpt = None,
    stable: Annotated[bool, typer.Option("--stable", help="Stable (classic) rules instead of lazer's.")] = False,
    as_json: JsonOpt = False,
) -> None:
    """Star rating and pp of a beatmap for an accuracy, combo, misses and mods (the osukit[pp] extra)."""
    from ._game import pp as compute

    compute(_state(ctx), beatmap, mods=mods, acc=acc, combo=combo, misses=misses, mode=mode,
            lazer=False if stable else None, as_json=as_json)


@app.command("mods")
def mods_cmd(
    mods: Annotated[str, typer.Argument(help="Acronyms (HDDT, HD,DT), a bitmask (72) or API JSON.")],
    mode: ModeOpt = None,
    as_json: JsonOpt = False,
) -> None:
    """Explain mods: acronyms, names, legacy bitmask, incompatibilities."""
    from ._game import mods_info

    mods_info(mods, mode=mode, as_json=as_json)


# ------------------------------------------------------------------------------------- emulator


@emulator_app.command("serve")
def emulator_serve(
    host: Annotated[str, typer.Option("--host", help="Interface to listen on.")] = "127.0.0.1",
    port: Annotated[int, typer.Option("--port", help="Port, 0 to 65535 (0: any free port).")] = 8000,
    seed: Annotated[int, typer.Option("--seed", help="Seed of the generated data set.")] = 0,
    rate_limit: Annotated[
        int | None, typer.Option("--rate-limit", min=0, help="Requests per minute per token before 429 (default: off, as "
                                 "is 0; X-RateLimit-* headers then count against osu-web's 1200).")
    ] = None,
    live_scores: Annotated[
        str | None, typer.Option("--live-scores", metavar="RATE", help="New scores per second (20, 20/s) or per "
                                 "minute (600/min), on a virtual clock following real time: `scores follow` "
                                 "sees them arrive. Default: a still world.")
    ] = None,
    live_speed: Annotated[
        float, typer.Option("--live-speed", help="With --live-scores: virtual seconds per real second.")
    ] = 1.0,
) -> None:
    """Run the offline osu! API emulator (credentials are printed at start)."""
    try:
        from .. import emulator
        from .._exceptions import InvalidParameterError
        from ..emulator.server import check_port
    except ImportError as exc:
        raise CliError(f"the emulator is not available: {exc}", "pip install 'osukit[emulator]'",
                       ExitCode.MISSING_EXTRA) from None
    try:
        check_port(port)  # the socket layer would wrap 99999 and call -5 an unknown service
    except InvalidParameterError:
        raise CliError(f"--port {port} is not a TCP port", "use 1 to 65535, or 0 for any free port",
                       ExitCode.USAGE) from None
    entry = getattr(emulator, "main", None)
    if entry is None:
        raise CliError("this osukit build has no osukit.emulator.main yet", None, ExitCode.ERROR)
    argv = ["--host", host, "--port", str(port), "--seed", str(seed)]
    if rate_limit is not None:
        argv += ["--rate-limit", str(rate_limit)]
    if live_scores is not None:
        argv += ["--live-scores", live_scores, "--live-speed", str(live_speed)]
    code = entry(argv)
    if isinstance(code, int) and code:
        raise typer.Exit(code)


# ----------------------------------------------------------------------------------------- demo


@app.command()
def demo(
    out: Annotated[Path, typer.Option("--out", "-o", help="Directory for the plots.")] = Path("osukit-demo"),
    seed: Annotated[int, typer.Option("--seed", help="Emulator data seed.")] = 0,
) -> None:
    """Offline tour: start the emulator and walk through auth, profiles, pp, search, chat and plots."""
    from ._demo import run_demo

    run_demo(out, seed=seed)


# ---------------------------------------------------------------------------------------- plots


PlotOut = Annotated[Path | None, typer.Option("--output", "-o", help="Output file (.png, .svg, .pdf).")]


def _save(fig: Any, out: Path | None, default: str) -> None:
    path = out or Path(default)
    path.parent.mkdir(parents=True, exist_ok=True)
    fig.savefig(path, dpi=120)
    say(f"wrote {path}")


@plot_app.command("rank-history")
def plot_rank_history(ctx: typer.Context, user: Annotated[str, typer.Argument(help="User id or name.")],
                      mode: ModeOpt = None, output: PlotOut = None) -> None:
    """Global rank over the last 90 days."""
    from .. import plot

    plot._require()
    with _state(ctx).client() as client:
        profile = client.users.get(_user_ref(user), _ruleset(mode))
    _save(plot.rank_history(profile), output, f"rank-history-{profile.id}.png")


@plot_app.command("top-plays")
def plot_top_plays(ctx: typer.Context, user: Annotated[str, typer.Argument(help="User id or name.")],
                   mode: ModeOpt = None, limit: LimitOpt = 100, output: PlotOut = None) -> None:
    """Top plays: pp against date, marker size by accuracy."""
    from .. import plot

    plot._require()
    rs = _ruleset(mode)
    with _state(ctx).client() as client:
        uid, profile = _user_id(client, user, rs)
        items = _take(client.users.scores(uid, "best", mode=rs, limit=limit), limit)
    _save(plot.top_plays(items, title=f"Top plays of {profile.username}"), output, f"top-plays-{uid}.png")


@plot_app.command("activity")
def plot_activity(ctx: typer.Context, user: Annotated[str, typer.Argument(help="User id or name.")],
                  output: PlotOut = None) -> None:
    """Monthly play counts."""
    from .. import plot

    plot._require()
    with _state(ctx).client() as client:
        profile = client.users.get(_user_ref(user))
    _save(plot.activity(profile), output, f"activity-{profile.id}.png")


# ----------------------------------------------------------------------------------------- run


def _report(exc: BaseException, args: list[str] | None = None) -> int:
    info = explain(exc)
    sys.stderr.write(f"osukit: error: {info.title}\n")
    hint = info.hint
    if hint and args is not None and "--timeout SECONDS" in hint:  # the command as run, with more time
        from ._errors import with_timeout

        hint = hint.replace("--timeout SECONDS", f"`{with_timeout(args)}`")
    if hint:
        sys.stderr.write(f"hint: {hint}\n")
    sys.stderr.flush()
    return info.code


def _stdout_pipe_closed() -> bool:
    """Whether click met a closed stdout pipe (it then wraps stdout in its PacifyFlushWrapper and exits 1):
    `osukit … | head -1` is not an error, so the CLI exits 0 quietly."""
    if type(sys.stdout).__name__.lstrip("_") != "PacifyFlushWrapper":  # typer's name, or click >= 8.2's
        return False
    try:
        devnull = os.open(os.devnull, os.O_WRONLY)
        os.dup2(devnull, sys.__stdout__.fileno() if sys.__stdout__ is not None else 1)
    except OSError:
        pass
    return True


def _report_usage(exc: Any) -> int:
    """A click usage error as one line plus the help hint (instead of click's usage block)."""
    message = exc.format_message() if hasattr(exc, "format_message") else str(exc)
    if type(exc).__name__ == "NoArgsIsHelpError":  # a bare `osukit` or `osukit chat`: show the help
        sys.stdout.write(message.rstrip() + "\n")
        return ExitCode.OK
    ctx = getattr(exc, "ctx", None)
    path = getattr(ctx, "command_path", None) or "osukit"
    sys.stderr.write(f"osukit: error: {message}\nhint: see `{path} --help`\n")
    sys.stderr.flush()
    code = getattr(exc, "exit_code", ExitCode.USAGE)
    return int(code) if isinstance(code, int) else int(ExitCode.USAGE)


def _click() -> Any:
    """The click typer runs on: its vendored copy (typer >= 0.2x) or the click package."""
    try:
        from typer import _click as vendored  # type: ignore[attr-defined,unused-ignore]
    except ImportError:
        import click

        return click
    return vendored


_register_tournament(app)  # osukit match run|results|ID, lobby, pool (after `osukit match ID` is defined)
_feeds_install(app)  # osukit scores follow, osukit track … (cli/_feeds.py)


class _PlainArgument(TyperArgument):
    """A typer argument whose usage piece is its name in capitals (``BEATMAP``), not ``{beatmap}``."""

    def get_usage_pieces(self, ctx: Any) -> list[str]:
        name = self.metavar or (self.name or "").upper()
        name = name if self.required else f"[{name}]"
        return [name + ("..." if self.nargs != 1 else "")]


def _plain_usage(command: Any) -> None:
    """Usage lines name each argument in capitals as a placeholder (``osukit pp [OPTIONS] BEATMAP``), not in
    typer's braces (``{beatmap}``), which read as something to type as is."""
    for param in getattr(command, "params", []):
        if type(param) is TyperArgument:
            param.__class__ = _PlainArgument
    for sub in getattr(command, "commands", {}).values():
        _plain_usage(sub)


def run_app(args: list[str]) -> int:
    """Run the app without click's own exit handling, so every error goes through [`_report`][osukit.cli._app._report]."""
    debug = "--debug" in args or os.environ.get("OSUKIT_DEBUG") == "1"
    click = _click()
    exits = tuple({typer.Exit, *[c for c in (getattr(click.exceptions, "Exit", None),) if c is not None]})
    aborts = tuple({typer.Abort, *[c for c in (getattr(click.exceptions, "Abort", None),) if c is not None]})
    usage: type[Exception] = click.exceptions.ClickException
    command = typer.main.get_command(app)
    _plain_usage(command)
    try:
        result = command.main(args=args, prog_name="osukit", standalone_mode=False)
        if result == ExitCode.INTERRUPTED:
            # typer turns Ctrl-C into Exit(130), which click returns without a word
            sys.stderr.write("osukit: interrupted\n")
        return result if isinstance(result, int) else 0
    except exits as exc:
        return int(getattr(exc, "exit_code", 0))
    except (*aborts, KeyboardInterrupt):  # click's Abort is how it passes on a Ctrl-C
        sys.stderr.write("osukit: interrupted\n")
        return ExitCode.INTERRUPTED
    except usage as exc:
        return _report_usage(exc)
    except SystemExit as exc:
        if _stdout_pipe_closed():
            return ExitCode.OK
        return exc.code if isinstance(exc.code, int) else (0 if exc.code is None else 1)
    except Exception as exc:
        if debug:
            traceback.print_exc()
        return _report(exc, args)
