"""Run the emulator: in a background thread (tests, the demo) or as a process (``osukit emulator serve``)."""

from __future__ import annotations

import argparse
import errno
import socket
import threading
import time
import types
from typing import Any

from .._exceptions import InvalidParameterError
from .app import Faults, ServerShape, State, check_number, check_rate_limit, create_app

__all__ = ["Emulator", "main"]


class Emulator:
    """The offline osu! API on a free loopback port, for as long as the ``with`` block lasts.

    Its live world stands still unless ``live_scores`` (new scores per second, the virtual
    clock then following real time at ``live_speed``) is given; tests move it with
    [advance][osukit.emulator.server.Emulator.advance].

    For example:

    ```python
    with Emulator(seed=0) as emu:
        client = osukit.Client(client_id=emu.client_id, client_secret=emu.client_secret,
                               base_url=emu.base_url, rate_limit=0)
        print(client.users.get(emu.dataset["test_user_id"]).username)
    ```
    """

    def __init__(self, seed: int = 0, *, rate_limit: int | None = None, host: str = "127.0.0.1", port: int = 0,
                 token_lifetime: int = 86400, ws_ping_interval: float = 20.0, live_scores: float | None = None,
                 live_speed: float = 1.0) -> None:
        self.app = create_app(seed, rate_limit=rate_limit, token_lifetime=token_lifetime)
        self.state: State = self.app.state.emulator
        if live_scores is not None:  # default: a still world, moved only by advance() (what tests want)
            from .live import serve_live

            serve_live(self.state, live_scores, speed=live_speed)
        self.host = host
        self._port = check_port(port)
        self._ws_ping_interval = ws_ping_interval
        self._server: Any = None
        self._thread: threading.Thread | None = None
        self._sock: socket.socket | None = None

    # --- lifecycle -------------------------------------------------------------------------

    def start(self) -> Emulator:
        """Start serving (returns once the server accepts connections)."""
        import uvicorn

        sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        # Accepted connections inherit it: a response written as headers then body must not wait for the
        # client's delayed ACK (about 40 ms a request on a kept-alive connection).
        sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
        sock.bind((self.host, self._port))
        self._sock = sock
        config = uvicorn.Config(self.app, log_level="warning", lifespan="off", access_log=False,
                                ws_ping_interval=self._ws_ping_interval, ws_ping_timeout=self._ws_ping_interval,
                                timeout_keep_alive=30)
        self._server = uvicorn.Server(config)
        self.state.server = self._server
        self._thread = threading.Thread(target=self._server.run, kwargs={"sockets": [sock]}, name="osukit-emulator", daemon=True)
        self._thread.start()
        deadline = time.monotonic() + 10
        while not self._server.started:
            if time.monotonic() > deadline or not self._thread.is_alive():
                raise RuntimeError("the osu! emulator did not start")
            time.sleep(0.005)
        return self

    def stop(self) -> None:
        """Stop serving and close the socket."""
        if self._server is not None:
            self._server.should_exit = True
        if self._thread is not None:
            self._thread.join(timeout=10)
        if self._sock is not None:
            self._sock.close()
        self._server = self._thread = self._sock = None

    def __enter__(self) -> Emulator:
        return self.start()

    def __exit__(self, exc_type: type[BaseException] | None, exc: BaseException | None, tb: types.TracebackType | None) -> None:
        self.stop()

    # --- addresses and credentials -----------------------------------------------------------

    @property
    def port(self) -> int:
        if self._sock is None:
            raise RuntimeError("the emulator is not running")
        return int(self._sock.getsockname()[1])

    @property
    def base_url(self) -> str:
        """``http://127.0.0.1:PORT``: pass it as ``base_url`` to a client."""
        return f"http://{self.host}:{self.port}"

    @property
    def notify_url(self) -> str:
        """The chat websocket (osu-notification-server's protocol)."""
        return f"ws://{self.host}:{self.port}/notify"

    @property
    def dataset(self) -> dict[str, Any]:
        """What ``GET /_emulator/dataset`` returns: client credentials, users, example route parameters."""
        return self.state.dataset()

    @property
    def client_id(self) -> int:
        return self.state.world.client_id

    @property
    def client_secret(self) -> str:
        return self.state.world.client_secret

    @property
    def api_key(self) -> str:
        return self.state.world.api_key

    # --- test controls ------------------------------------------------------------------------

    def mint_token(self, user_id: int | None = None, scopes: list[str] | tuple[str, ...] = ("public",), *,
                   expires_in: int | None = None, refresh: bool | None = None, verified: bool = True) -> dict[str, Any]:
        """A token response for ``user_id`` (None: a guest client-credentials token) without OAuth.

        ``verified=False`` gives a session that still needs verifying, as osu-web starts a password-grant
        (lazer) login; authorization-code and client-credentials tokens are always verified
        (``app/Models/OAuth/Token.php`` ``setVerifiedState``). ``POST /session/verify`` verifies it.
        """
        return self.state.mint(user_id, frozenset(scopes), "authorization_code" if user_id else "client_credentials",
                               expires_in=expires_in, refresh=bool(user_id is not None if refresh is None else refresh),
                               verified=verified)

    def set_faults(self, **faults: Any) -> None:
        """Inject faults: ``error_rate`` (share of ``error_statuses`` answers), ``rate_limit_rate`` (429 with
        ``retry_after``), ``drop_rate`` (connection closed without an answer), ``truncate_rate`` and
        ``malformed_rate`` (broken JSON bodies), ``latency_ms`` (added to every request, jittered),
        ``spike_rate`` (share of requests held ``spike_ms``), limited to paths under ``path_prefix``,
        reproducible from ``seed``. Rates are shares of requests, 0 to 1."""
        self.state.faults = Faults.from_options(faults)

    def clear_faults(self) -> None:
        self.state.faults = Faults()

    def stats(self) -> dict[str, Any]:
        """Requests by route, token requests by grant, 429s sent, faults injected."""
        return self.state.stats

    def reset_stats(self) -> None:
        self.state.reset_stats()

    def configure_server(self, *, v1_prefix: str = "api", legacy_v1_redirect: int | None = None,
                         trailing_slash_redirect: int | None = None, redirects: dict[str, str] | None = None) -> None:
        """Lay out URLs like a private server (no arguments: osu.ppy.sh's layout again).

        ``v1_prefix="api/v1"`` serves v1 at ``/api/v1/get_*`` (and 404s ``/api/get_*``, or redirects it
        with the ``legacy_v1_redirect`` status); ``trailing_slash_redirect=307`` (or 308) redirects every
        ``/api/…`` path to the same path with a trailing slash; ``redirects`` answers exact paths with a
        302 to the given Location. The same keys are accepted by ``POST /_emulator/config``."""
        self.state.shape = ServerShape.from_options({
            "v1_prefix": v1_prefix, "legacy_v1_redirect": legacy_v1_redirect,
            "trailing_slash_redirect": trailing_slash_redirect, "redirects": redirects or {},
        })
    # The live world moves on the server's own loop (over HTTP), never under a request in flight.
    def _live(self, what: str, body: dict[str, Any]) -> dict[str, Any]:
        import httpx
        response = httpx.post(f"{self.base_url}/_emulator/{what}", json=body, timeout=120)
        response.raise_for_status()
        data: dict[str, Any] = response.json()
        return data
    def live(self, **config: Any) -> dict[str, Any]:
        """Configure the live world (``score_rate`` per virtual second, ``max_id_distance``,
        ``user_drift``); see `osukit.emulator.live`. Returns its state."""
        return self._live("live/config", config)
    def advance(self, seconds: float) -> dict[str, Any]:
        """Move the live world's virtual clock: new scores, and user changes at each midnight."""
        return self._live("live/advance", {"seconds": seconds})
    def expire_cursors(self) -> dict[str, Any]:
        """Make every ``GET /scores`` cursor issued so far too old (``422 "cursor is too old"``)."""
        return self._live("live/expire", {})

    def configure(self, *, rate_limit: int | object | None = ..., token_lifetime: int | None = None) -> None:
        """Change the per-minute rate limit (None or 0: off) or the token lifetime (seconds) at runtime.

        Raises:
            InvalidParameterError: a negative rate limit, a token lifetime that is not a positive whole number.
        """
        self.state.configure(rate_limit=rate_limit, token_lifetime=... if token_lifetime is None else token_lifetime)


def check_port(port: Any) -> int:
    """``port`` if it is a TCP port number (0 to 65535; 0: any free port), by the emulator's one
    numeric check (`check_number`).

    Raises:
        InvalidParameterError: anything else (the socket layer would wrap 99999 to another port and
            call -5 an unknown service).
    """
    return int(check_number("port", port, "0 to 65535 (0: any free port)", whole=True, high=65535))


def _port_arg(text: str) -> int:
    try:
        return check_port(int(text))
    except (ValueError, InvalidParameterError):
        raise argparse.ArgumentTypeError(f"must be 0 to 65535 (0: any free port), not {text!r}") from None


def _bind(host: str, port: int) -> socket.socket:
    """A listening socket on ``host:port`` (0: any free port), or a ConfigurationError saying why not."""
    from .._exceptions import ConfigurationError

    try:
        infos = socket.getaddrinfo(host, port, type=socket.SOCK_STREAM)
    except socket.gaierror as exc:
        raise ConfigurationError(f"cannot listen on {host}:{port}: unknown host ({exc.strerror})") from None
    family, _, _, _, address = infos[0]
    sock = socket.socket(family, socket.SOCK_STREAM)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    try:
        sock.bind(address)
    except OSError as exc:
        sock.close()
        if exc.errno == errno.EADDRINUSE:
            raise ConfigurationError(
                f"cannot listen on {host}:{port}: the port is already in use (another emulator?); "
                "pick another with --port, or --port 0 for any free port",
                remedy="stop the other server, or pass another --port (--port 0: any free port)",
            ) from None
        raise ConfigurationError(f"cannot listen on {host}:{port}: {exc.strerror or exc}",
                                 remedy="check --host (an address of this machine) and --port") from None
    sock.listen(128)
    return sock


def banner(host: str, port: int, state: State) -> str:
    """What ``osukit emulator serve`` prints: the addresses, the test credentials, and shell lines to paste."""
    shown = "127.0.0.1" if host in ("0.0.0.0", "") else ("[::1]" if host == "::" else host)
    base = f"http://{shown}:{port}"
    notify = f"ws://{shown}:{port}/notify"
    w = state.world
    # The emulator's own test credentials (not secrets): printed so scripts can pick them up.
    return (
        f"osu! emulator on {base}  client_id={w.client_id} client_secret={w.client_secret}  api_key={w.api_key}\n"
        f"chat websocket: {notify}\n"
        "To point osukit at it, paste into your shell:\n"
        f"  export OSU_BASE_URL={base}\n"
        f"  export OSU_NOTIFY_URL={notify}\n"
        f"  export OSU_CLIENT_ID={w.client_id}\n"
        f"  export OSU_CLIENT_SECRET={w.client_secret}\n"
        f"  export OSU_API_KEY={w.api_key}\n"
        f"{_live_line(state)}\n"
        "Ctrl-C to stop."
    )


def _live_line(state: State) -> str:
    live = getattr(state, "_live", None)
    if live is None or not live.real_time or not live.score_rate:
        return ("live scores: off (a still world: GET /api/v2/scores shows no new scores); "
                "to see scores arrive, run with --live-scores 20")
    speed = "" if live.speed == 1 else f" x{live.speed:g}"
    return (f"live scores: {live.score_rate:g}/s ({live.score_rate * 60:g}/min) on a virtual clock following "
            f"real time{speed}; follow them with: osukit scores follow --jsonl")


def parse_score_rate(text: str) -> float:
    """``--live-scores``: ``20``, ``20/s`` (per second) or ``600/min`` (per minute) -> scores per second."""
    value = text.strip().lower().replace(" ", "")
    per = 1.0
    for suffix, seconds in (("/min", 60.0), ("/m", 60.0), ("/s", 1.0), ("/sec", 1.0)):
        if value.endswith(suffix):
            value, per = value[: -len(suffix)], seconds
            break
    try:
        rate = float(value) / per
    except ValueError:
        raise argparse.ArgumentTypeError(f"{text!r} is not a rate: give scores per second (20, 20/s) "
                                         "or per minute (600/min)") from None
    if not 0 < rate <= 10_000:
        raise argparse.ArgumentTypeError(f"{text!r}: the rate must be above 0 and at most 10000 per second")
    return rate


def _rate_limit_arg(text: str) -> int | None:
    """``--rate-limit``: the emulator's own check (`check_rate_limit`), as an argparse error."""
    try:
        return check_rate_limit(int(text))
    except (ValueError, InvalidParameterError):
        raise argparse.ArgumentTypeError(f"must be 0 (off) or a positive whole number of requests per minute, "
                                         f"not {text!r}") from None


def main(argv: list[str] | None = None) -> int:
    """``osukit emulator serve``: run the emulator until interrupted.

    Raises:
        ConfigurationError: the address cannot be listened on (the port is taken, an unknown host).
    """
    parser = argparse.ArgumentParser(prog="osukit emulator serve", description="Run the offline osu! API emulator.")
    parser.add_argument("--host", default="127.0.0.1")
    parser.add_argument("--port", type=_port_arg, default=8000)
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--rate-limit", type=_rate_limit_arg, default=None, help="requests per minute per token before 429 (default or 0: off; X-RateLimit-* headers still count against 1200)")
    parser.add_argument("--live-scores", type=parse_score_rate, default=None, metavar="RATE",
                        help="make new scores at RATE per second (20, 20/s) or per minute (600/min), the virtual "
                             "clock following real time, so `osukit scores follow` sees scores arrive "
                             "(default: a still world)")
    parser.add_argument("--live-speed", type=float, default=1.0, metavar="X",
                        help="with --live-scores: virtual seconds per real second (default 1)")
    args = parser.parse_args(argv)
    if not 0 < args.live_speed <= 86400:
        parser.error("--live-speed must be in (0, 86400]")
    import uvicorn

    sock = _bind(args.host, args.port)
    app = create_app(args.seed, rate_limit=args.rate_limit)
    state: State = app.state.emulator
    if args.live_scores is not None:
        from .live import serve_live

        serve_live(state, args.live_scores, speed=args.live_speed)
    port = int(sock.getsockname()[1])
    print(banner(args.host, port, state), flush=True)  # noqa: T201
    server = uvicorn.Server(uvicorn.Config(app, log_level="warning", lifespan="off"))
    state.server = server
    try:
        server.run(sockets=[sock])
    finally:
        sock.close()
    return 0
