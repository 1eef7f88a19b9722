"""Run the emulator: in a background thread (tests, the demo) or as a process (``osukit emulator serve``)."""

from __future__ import annotations

import argparse
import socket
import threading
import time
import types
from typing import Any

from .app import Faults, State, create_app

__all__ = ["Emulator", "main"]


class Emulator:
    """The offline osu! API on a free loopback port, for as long as the ``with`` block lasts.

    Usage::

        with Emulator(seed=0) as emu:
            client = osukit.Client(client_id=emu.client_id, client_secret=emu.client_secret,
                                   base_url=emu.base_url, rate_limit=0)
            print(client.users.get(emu.dataset["test_user_id"]).username)
    """

    def __init__(self, seed: int = 0, *, rate_limit: int | None = None, host: str = "127.0.0.1", port: int = 0,
                 token_lifetime: int = 86400, ws_ping_interval: float = 20.0) -> None:
        self.app = create_app(seed, rate_limit=rate_limit, token_lifetime=token_lifetime)
        self.state: State = self.app.state.emulator
        self.host = host
        self._port = port
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
                   expires_in: int | None = None, refresh: bool | None = None) -> dict[str, Any]:
        """A token response for ``user_id`` (None: a guest client-credentials token) without OAuth."""
        return self.state.mint(user_id, frozenset(scopes), "authorization_code" if user_id else "client_credentials",
                               expires_in=expires_in, refresh=bool(user_id is not None if refresh is None else refresh))

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
        """Change the per-minute rate limit (None: off) or the token lifetime at runtime."""
        if rate_limit is not ...:
            self.state.rate_limit = rate_limit  # type: ignore[assignment]
            self.state.buckets.clear()
        if token_lifetime is not None:
            self.state.token_lifetime = token_lifetime


def main(argv: list[str] | None = None) -> int:
    """``osukit emulator serve``: run the emulator until interrupted."""
    parser = argparse.ArgumentParser(prog="osukit emulator serve", description="Run the offline osu! API emulator.")
    parser.add_argument("--host", default="127.0.0.1")
    parser.add_argument("--port", type=int, default=8000)
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--rate-limit", type=int, default=None, help="requests per minute per token (default: off)")
    args = parser.parse_args(argv)
    import uvicorn

    app = create_app(args.seed, rate_limit=args.rate_limit)
    state: State = app.state.emulator
    # The emulator's own test credentials (not secrets): printed so scripts can pick them up.
    print(f"osu! emulator on http://{args.host}:{args.port}  client_id={state.world.client_id} "  # noqa: T201
          f"client_secret={state.world.client_secret}  api_key={state.world.api_key}", flush=True)
    server = uvicorn.Server(uvicorn.Config(app, host=args.host, port=args.port, log_level="warning", lifespan="off"))
    state.server = server
    server.run()
    return 0
