"""Every fenced Python example in README.md and docs/ runs, as pasted, against the emulator.

The blocks of one page run in order in one namespace (like a notebook), after a prelude that gives
the names the prose assumes: ``osukit``, ``osu`` (a sync client with a user token for the
documented test user), ``score`` (one of that user's best scores, with a replay, and ``play.osr`` its
replay file), ``user_id``, ``channel_id``, ``client_id``/``secret``, ``osu_emulator``, ``log`` and ``time``.
Every ``osukit.Client``/``AsyncClient`` a block makes talks to the emulator (the block's own, when it
starts one): its credentials and base URL are swapped for the emulator's (placeholders such as ``client_id=...`` included) and its
rate limit is off unless the block sets one. A block defining ``test_*`` functions has them called
with the emulator fixtures they name.

Markers, an HTML comment on the line before the fence:

* ``<!-- needs-account -->``: needs a real osu! account or a browser (OAuth login, a web app);
* ``<!-- runs-forever -->``: a loop that follows a live stream, or waits for players, until interrupted;
* ``<!-- needs-redis -->``: runs against a throwaway ``redis-server`` (its URL replaces
  ``redis://localhost:6379/0``); skipped where no ``redis-server`` is installed, except in CI.

On the referee and tournament pages (`ROOM_PAGES`) every block must also compile as a plain script (no
top-level ``await``: the pages wrap their coroutines in ``asyncio.run(main())``), the emulator's scripted
players 2, 124084, 131996 and 139824 play along (`ScriptedPlayers`: online in multiplayer, they join
the rooms they are invited to, ready up and finish each map), and a ``runs-forever`` block runs for
`FOREVER` seconds: it must get that far without an error (it stops at ``waiting for players`` or in
its event loop, as documented).

A fence with a title (```` ```toml title="pool.toml" ````) is a file the page's examples read: it is
written to the examples' working directory first.

Blocks that only include a file (``--8<-- "examples/…"``) are the examples, run by their own tests.
"""

from __future__ import annotations

import ast
import asyncio
import contextlib
import inspect
import logging
import os
import re
import threading
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

import osukit

REPO = Path(__file__).resolve().parents[2]
PAGES = [REPO / "README.md", *sorted((REPO / "docs").rglob("*.md"))]
MARKERS = ("<!-- needs-account -->", "<!-- runs-forever -->", "<!-- needs-redis -->")
TITLED = re.compile(r'^```\w+ title="([\w.-]+)"\n(.*?)^```', re.S | re.M)
ROOM_PAGES = {"docs/referee.md", "docs/tournament.md"}
FOREVER = 20.0
"""Seconds a ``runs-forever`` block of `ROOM_PAGES` runs before it counts as running as documented."""
PLAYERS = (2, 124084, 131996, 139824)
STANDALONE = ("docs/cache.md", "docs/feeds.md", "docs/tracking.md")
"""Pages whose every block must run pasted alone: each runs in a fresh namespace, without the prelude's names
(``score``, ``osu``…), so a name the page never defines is a NameError here as it is for a reader."""
ALL_SCOPES = ["identify", "public", "friends.read", "chat.read", "chat.write", "chat.write_manage", "forum.write"]


def blocks(page: Path) -> list[tuple[int, str, str | None]]:
    """``(line, code, marker)`` of each ```python block."""
    lines = page.read_text(encoding="utf-8").splitlines()
    out = []
    i = 0
    while i < len(lines):
        if lines[i].strip() == "```python":
            j = i + 1
            while lines[j].strip() != "```":
                j += 1
            before = next((line.strip() for line in reversed(lines[:i]) if line.strip()), "")
            out.append((i + 1, "\n".join(lines[i + 1:j]), before if before in MARKERS else None))
            i = j
        i += 1
    return out


def _runnable(page: Path) -> list[tuple[int, str, str | None]]:
    """The blocks of ``page`` that `test_page_examples_run` runs: unmarked, ``needs-redis``, and on
    `ROOM_PAGES` ``runs-forever`` (run for `FOREVER` seconds); not snippet includes."""
    name = str(page.relative_to(REPO))
    return [(line, code, marker) for line, code, marker in blocks(page)
            if (marker in (None, "<!-- needs-redis -->") or (name in ROOM_PAGES and marker == "<!-- runs-forever -->"))
            and not re.fullmatch(r'\s*--8<-- "[^"]+"\s*', code)]


RUNNABLE_PAGES = [page for page in PAGES if _runnable(page)]
"""Pages with an example to run (the others hold shell lines, tables and prose only, or examples
marked ``needs-account``/``runs-forever``, which `test_the_examples_are_found_and_markers_are_known`
keeps honest)."""


def test_the_examples_are_found_and_markers_are_known() -> None:
    found = {str(page.relative_to(REPO)): len(blocks(page)) for page in PAGES}
    assert found["README.md"] >= 1 and found["docs/testing.md"] >= 3 and sum(found.values()) >= 25
    assert found["docs/cache.md"] >= 4  # run by test_page_examples_run, the Redis one against a throwaway server
    for page in STANDALONE:
        assert found[page] >= 1, f"{page} lists no example to run alone"
    ran = {str(page.relative_to(REPO)) for page in RUNNABLE_PAGES}
    assert {"README.md", "docs/index.md", "docs/testing.md", "docs/cache.md", "docs/feeds.md", "docs/tracking.md",
            "docs/referee.md", "docs/tournament.md"} <= ran, ran
    for page in PAGES:
        for number, line in enumerate(page.read_text(encoding="utf-8").splitlines(), 1):
            if line.strip().startswith("<!-- needs-") or line.strip().startswith("<!-- runs-"):
                assert line.strip() in MARKERS, f"{page}:{number}: unknown marker {line.strip()}"


@pytest.fixture(scope="module")
def redis_for_docs() -> Iterator[str]:
    from tests.scale._servers import RedisServer, in_ci, redis_available

    if not redis_available():
        if in_ci():
            pytest.fail("redis-server is not installed (CI must install it)")
        pytest.skip("redis-server is not installed; CI fails instead of skipping")
    server = RedisServer()
    server.start()
    yield server.url
    server.close()


@pytest.fixture(scope="module")
def emulator() -> Iterator[Any]:
    from osukit.emulator import Emulator

    with Emulator(seed=0) as emu:
        yield emu


def _redirect(emu: Any, cls: type, monkeypatch: pytest.MonkeyPatch) -> None:
    original = cls.__init__

    def __init__(self: Any, *args: Any, **kwargs: Any) -> None:
        wants_key = "api_key" in kwargs  # api_key=... (a placeholder) too
        kwargs = {k: v for k, v in kwargs.items() if v is not Ellipsis}
        # an example that starts its own emulator (``with Emulator() as emu``) talks to it
        custom = any(k in kwargs for k in ("transport", "http_client")) or str(
            kwargs.get("base_url", "")).startswith("http://127.0.0.1:")
        if not custom:
            kwargs["base_url"] = emu.base_url
            if "access_token" not in kwargs and "grant" not in kwargs:
                kwargs["client_id"], kwargs["client_secret"] = emu.client_id, emu.client_secret
            if wants_key:
                kwargs["api_key"] = emu.api_key
        kwargs.setdefault("rate_limit", 0)
        original(self, *(a for a in args if a is not Ellipsis), **kwargs)

    monkeypatch.setattr(cls, "__init__", __init__)


def _redirect_pool(emu: Any, cls: type, monkeypatch: pytest.MonkeyPatch) -> None:
    """A pool's placeholder credentials (``client_id=...``) become the emulator's, as for clients."""
    original = cls.__init__

    def __init__(self: Any, **kwargs: Any) -> None:
        if kwargs.get("client_id") is Ellipsis or kwargs.get("client_secret") is Ellipsis:
            kwargs.update(client_id=emu.client_id, client_secret=emu.client_secret)
        if "transport" not in kwargs:
            kwargs["base_url"] = emu.base_url
        original(self, **kwargs)

    monkeypatch.setattr(cls, "__init__", __init__)


class ScriptedPlayers:
    """Emulator players who play along with a page's examples: online in multiplayer (so they can be
    invited), they join the room they were last invited to, ready up whenever they are idle in an
    open room, and finish each map they play (``/_emulator/referee/players/…``, in a thread)."""

    def __init__(self, emu: Any, players: tuple[int, ...] = PLAYERS) -> None:
        import httpx

        self.http = httpx.Client(base_url=emu.base_url, timeout=30)
        self.players = players
        self.room: dict[int, int | None] = dict.fromkeys(players)
        self.stop = threading.Event()
        self.thread = threading.Thread(target=self._run, name="doc-players", daemon=True)

    def __enter__(self) -> ScriptedPlayers:
        for uid in self.players:
            self.http.post(f"/_emulator/referee/players/{uid}/connect", json={}).raise_for_status()
        self.thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self.stop.set()
        self.thread.join(timeout=30)
        for uid in self.players:
            with contextlib.suppress(Exception):
                self.http.post(f"/_emulator/referee/players/{uid}/disconnect", json={})
        self.http.close()

    def _post(self, uid: int, action: str, **body: Any) -> Any:
        response = self.http.post(f"/_emulator/referee/players/{uid}/{action}", json=body)
        return response.json() if response.status_code == 200 else None

    def _run(self) -> None:
        while not self.stop.wait(0.1):
            for uid in self.players:
                with contextlib.suppress(Exception):
                    self._step(uid)

    def _step(self, uid: int) -> None:
        room_id = self.room[uid]
        if room_id is None:
            joined = self._post(uid, "join")
            self.room[uid] = joined.get("room_id") if isinstance(joined, dict) else None
            return
        state = self.http.get(f"/_emulator/referee/rooms/{room_id}").json()
        me = next((p for p in state.get("players", []) if p["user_id"] == uid), None)
        if state.get("closed") or me is None:
            self.room[uid] = None
        elif me["status"] == "idle" and state.get("state_name") == "open":
            self._post(uid, "ready")
        elif me["status"] == "playing":
            self._post(uid, "finish", score=500_000 + uid % 100_000, accuracy=0.97, max_combo=400, passed=True)


def _bounded_run(monkeypatch: pytest.MonkeyPatch) -> None:
    """``asyncio.run`` that stops a coroutine after `FOREVER` seconds (the example's own errors still fail)."""
    original = asyncio.run

    async def bounded(coro: Any) -> Any:
        try:
            return await asyncio.wait_for(coro, FOREVER)
        except asyncio.TimeoutError:
            return None

    monkeypatch.setattr(asyncio, "run", lambda coro, **kw: original(bounded(coro), **kw))


def _prelude(emu: Any, tmp: Path) -> dict[str, Any]:
    uid = emu.dataset["test_user_id"]
    token = emu.mint_token(user_id=uid, scopes=ALL_SCOPES)["access_token"]
    osu = osukit.Client(access_token=token, base_url=emu.base_url, rate_limit=0)
    world = emu.state.world
    best = list(osu.users.scores(uid, "best", mode="osu", limit=100))
    with_replay = [s for s in best if world.scores[s.id]["has_replay"] and world.scores[s.id]["legacy_score_id"] is None]
    score = with_replay[0] if with_replay else best[0]
    if with_replay:
        (tmp / "play.osr").write_bytes(osu.scores.download(score.id))
    return {"__name__": "__doc_example__", "osukit": osukit, "osu": osu, "score": score, "user_id": 2,
            "channel_id": 5, "client_id": emu.client_id, "secret": emu.client_secret, "osu_emulator": emu,
            "log": logging.getLogger("doc-example"), "time": time}


def _fixtures(emu: Any) -> dict[str, Any]:
    from osukit.emulator import create_app

    return {"osu_emulator": emu, "osu_emulator_app": create_app(0)}


def _run(code: str, ns: dict[str, Any], where: str, emu: Any) -> None:
    before = set(ns)
    compiled = compile(code, where, "exec", flags=ast.PyCF_ALLOW_TOP_LEVEL_AWAIT)
    if compiled.co_flags & inspect.CO_COROUTINE:
        asyncio.run(eval(compiled, ns))
    else:
        exec(compiled, ns)
    for name in sorted(set(ns) - before):
        fn = ns[name]
        if name.startswith("test_") and callable(fn):
            fixtures = _fixtures(emu)
            args = {p: fixtures[p] for p in inspect.signature(fn).parameters}
            result = fn(**args)
            if inspect.iscoroutine(result):
                asyncio.run(result)


@pytest.mark.timeout(600)
@pytest.mark.parametrize("page", RUNNABLE_PAGES, ids=lambda p: str(p.relative_to(REPO)))
def test_page_examples_run(page: Path, emulator: Any, tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
                           request: pytest.FixtureRequest) -> None:
    found = blocks(page)
    redis_url = None
    if any(marker == "<!-- needs-redis -->" for _, _, marker in found):
        redis_url = request.getfixturevalue("redis_for_docs")
    name = str(page.relative_to(REPO))
    runnable = [(line, code.replace("redis://localhost:6379/0", redis_url) if redis_url else code, marker)
                for line, code, marker in _runnable(page)]
    if name in ROOM_PAGES:
        for line, code, _ in found:  # as a script: no top-level await
            compile(code, f"{name}:{line}", "exec")
    assert runnable
    for file_name, content in TITLED.findall(page.read_text(encoding="utf-8")):
        (tmp_path / file_name).write_text(content, encoding="utf-8")
    monkeypatch.chdir(tmp_path)
    monkeypatch.setenv("MPLBACKEND", "Agg")
    for cls in (osukit.Client, osukit.AsyncClient):
        _redirect(emulator, cls, monkeypatch)
    for cls in (osukit.ClientPool, osukit.AsyncClientPool):
        _redirect_pool(emulator, cls, monkeypatch)
    ns = _prelude(emulator, tmp_path)
    prelude = ns
    standalone = name in STANDALONE
    players = contextlib.ExitStack()
    if name in ROOM_PAGES:
        players.enter_context(ScriptedPlayers(emulator))
    for line, code, marker in runnable:
        where = f"{page.relative_to(REPO)}:{line}"
        if standalone:
            ns = {"__name__": "__doc_example__"}
        forever = contextlib.ExitStack()
        if marker == "<!-- runs-forever -->":
            patch = forever.enter_context(pytest.MonkeyPatch.context())
            _bounded_run(patch)
        # An example written for a private server that serves v1 elsewhere: lay the emulator out like it.
        private = re.search(r'v1_prefix="([\w/]+)"', code)
        if private:
            emulator.configure_server(v1_prefix=private.group(1))
        try:
            _run(code, ns, where, emulator)
        except Exception as exc:  # the failing block's place, then the error
            raise AssertionError(f"the example at {where} failed: {type(exc).__name__}: {exc}") from exc
        finally:
            forever.close()
            if private:
                emulator.configure_server()
    players.close()
    with contextlib.suppress(Exception):
        prelude["osu"].close()
    os.chdir(REPO)


def test_testing_page_without_pytest_runs_as_pasted() -> None:
    text = (REPO / "docs" / "testing.md").read_text(encoding="utf-8")
    section = text.split("## Without pytest", 1)[1].split("\n## ", 1)[0]
    code = section.split("```python", 1)[1].split("```", 1)[0]
    assert "import osukit" in code and "rate_limit=0" in code  # the redirect above is not needed for it


def test_testing_page_app_fixture_example_runs_under_pytest_as_pasted(tmp_path: Path) -> None:
    """The ASGI fixture example, pasted into a test file and run by pytest in a project with no pytest
    settings (pytest-asyncio in its default strict mode), as a user would: both tests pass, none skipped."""
    import subprocess
    import sys

    text = (REPO / "docs" / "testing.md").read_text(encoding="utf-8")
    code = next(c for _, c, _ in blocks(REPO / "docs" / "testing.md") if "async def test_async" in c)
    assert "pytest-asyncio" in text and "@pytest.mark.asyncio" in code
    (tmp_path / "test_emulator_app.py").write_text(code, encoding="utf-8")
    proc = subprocess.run([sys.executable, "-m", "pytest", "test_emulator_app.py", "-q", "-p", "no:cacheprovider",
                           "-p", "no:randomly", "-rs"], cwd=tmp_path, capture_output=True, text=True, timeout=300)
    assert proc.returncode == 0, proc.stdout + proc.stderr
    assert "2 passed" in proc.stdout and "skipped" not in proc.stdout, proc.stdout


def test_game_page_documents_ruleset_for_v1_scores() -> None:
    """game.md says accuracy/grade take v1 scores: it must show the ``ruleset=`` they need, in code that runs."""
    game = next(code for _, code, marker in blocks(REPO / "docs" / "game.md")
                if "get_user_best" in code and marker is None)
    assert "accuracy(row, ruleset=" in game and "grade(row, ruleset=" in game
    from osukit.game import accuracy

    with pytest.raises(osukit.InvalidParameterError, match="pass ruleset="):
        accuracy({"count300": "10", "count100": "0", "count50": "0", "countmiss": "0", "countkatu": "0",
                  "countgeki": "0"})


def test_referee_page_first_example_runs_as_pasted_and_prints_what_the_page_shows(tmp_path: Path) -> None:
    """The first example of docs/referee.md, pasted into a file and run as a script (no redirect, no scripted
    players of this module: its own emulator and its own player steps), prints the lines the page shows
    after it. Without its players' ``connect`` step the invitation fails (error 19); without ``join`` or
    ``ready`` nothing happens and the script never ends."""
    import subprocess
    import sys

    page = (REPO / "docs" / "referee.md").read_text(encoding="utf-8")
    code = blocks(REPO / "docs" / "referee.md")[0][1]
    assert 'player(user_id, "connect")' in code and "with Emulator() as emu" in code
    shown = page.split(code, 1)[1].split("```text\n", 1)[1].split("```", 1)[0]
    (tmp_path / "first.py").write_text(code, encoding="utf-8")
    env = {**os.environ, "PYTHONPATH": os.pathsep.join(filter(None, (str(REPO / "src"), os.environ.get("PYTHONPATH"))))}
    env = {k: v for k, v in env.items() if not k.startswith(("OSU_", "OSUKIT_"))}
    proc = subprocess.run([sys.executable, "first.py"], cwd=tmp_path, env=env, capture_output=True, text=True,
                          timeout=300)
    assert proc.returncode == 0, proc.stderr
    assert proc.stdout == shown, (proc.stdout, shown)
