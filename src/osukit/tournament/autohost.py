"""Auto-host rotation for public lobbies: a bot that keeps a room going on its own.

Players queue in the order they join; the first in the queue is the host and picks the next
map in chat; after each map the host goes to the back of the queue. Maps must follow the
lobby's rules (star rating range and length limits with the chosen mods, checked through
``POST /beatmaps/{beatmap}/attributes``). Players who leave drop out of the queue; after a
reconnect the queue is rebuilt from who is still in the room:

```python
host = AutoHost(backend, rules=MapRules(star_range=(4.0, 5.5), max_length=300),
                info=attributes_lookup(client), name="4-5.5* auto host")
await host.run()
```

Chat commands: ``!map <beatmap id or URL> [+MODS]`` (the host), ``!skip`` (the host passes;
others vote, and more than ``skip_ratio`` of the other players skip the host), ``!queue``,
``!info``. The map starts when every player is ready, or when the ready timer runs out with
at least one player ready.
"""

from __future__ import annotations

import asyncio
import contextlib
import re
from collections.abc import Awaitable, Callable, Sequence
from typing import TYPE_CHECKING

import msgspec

from .._clock import Clock
from .._exceptions import OsukitError
from .._redact import logger
from ..enums import Ruleset
from ..game.mods import ModError, Mods
from ._chat import beatmap_link, chat_safe, hub_sentence, room_page
from ._errors import RunnerError
from .room import (
    BackendLost,
    BackendReconnected,
    ChatLine,
    MapAborted,
    MapCompleted,
    MapStarted,
    PlayerJoined,
    PlayerLeft,
    RoomBackend,
    RoomGone,
)

if TYPE_CHECKING:
    from .._async.client import AsyncClient

__all__ = ["AutoHost", "MapInfo", "MapRules", "attributes_lookup"]


class MapRules(msgspec.Struct, frozen=True, kw_only=True):
    """What maps the lobby accepts.

    Attributes:
        star_range: ``(min, max)`` star rating with the chosen mods (None: any).
        min_length, max_length: drain length limits in seconds after rate mods (None: none).
        allowed_mods: mods a host may add (None: any valid combination).
        ruleset: the lobby's ruleset.
    """

    star_range: tuple[float, float] | None = None
    min_length: float | None = None
    max_length: float | None = None
    allowed_mods: tuple[str, ...] | None = None
    ruleset: str = "osu"

    def describe(self) -> str:
        parts = []
        if self.star_range is not None:
            parts.append(f"{self.star_range[0]:g}-{self.star_range[1]:g}*")
        if self.min_length is not None or self.max_length is not None:
            low = f"{self.min_length:g}s" if self.min_length is not None else "0s"
            high = f"{self.max_length:g}s" if self.max_length is not None else "any"
            parts.append(f"length {low}-{high}")
        if self.allowed_mods is not None:
            parts.append("mods " + ("".join(self.allowed_mods) or "NM only"))
        return ", ".join(parts) or "any map"


class MapInfo(msgspec.Struct, frozen=True, kw_only=True):
    """A beatmap as the rules see it: stars and length with the chosen mods."""

    beatmap_id: int
    stars: float
    length: float
    title: str | None = None


InfoLookup = Callable[[int, Mods], Awaitable[MapInfo]]


def attributes_lookup(client: AsyncClient, ruleset: str = "osu") -> InfoLookup:
    """Stars and length with mods from osu!: ``GET /beatmaps/{beatmap}`` and
    ``POST /beatmaps/{beatmap}/attributes`` (scope ``public``)."""

    async def lookup(beatmap_id: int, mods: Mods) -> MapInfo:
        beatmap = await client.beatmaps.get(beatmap_id)
        attrs = await client.beatmaps.attributes(beatmap_id, mods=mods, ruleset=ruleset)
        rate = mods.speed_rate or 1.0
        bset = getattr(beatmap, "beatmapset", None)
        title = f"{getattr(bset, 'artist', '?')} - {getattr(bset, 'title', '?')} [{beatmap.version}]"
        drain = beatmap.hit_length if isinstance(beatmap.hit_length, (int, float)) else beatmap.total_length
        return MapInfo(beatmap_id=beatmap_id, stars=attrs.attributes.star_rating, length=float(drain) / rate,
                       title=title)

    return lookup


_BEATMAP = re.compile(r"(?:beatmaps/|#\w+/|^)(\d+)$")


def _beatmap_id(text: str) -> int | None:
    m = _BEATMAP.search(text.strip().rstrip("/"))
    return int(m.group(1)) if m else None


class AutoHost:
    """The auto-host bot; see the module docstring.

    Args:
        backend: the room operations (``RefereeBackend`` on the lazer hub).
        rules: the map rules.
        info: how to learn a map's stars and length with mods (`attributes_lookup`).
        name: the room's name.
        first_beatmap_id: the map the room is made with.
        room_id: take an existing room up instead of making one.
        skip_ratio: the share of the other players whose ``!skip`` skips the host.
        ready_timer: seconds after the map is set before it starts with whoever is ready.
        clock: a `osukit._clock.Clock`.
        progress: called with a line for the operator at each step (room made, host, map set,
            started, finished); the CLI prints them.
        usernames: how to learn players' names (default: the backend's ``usernames``, else
            ``player N``); chat names players by username.
        site_url: the osu! site for links in chat (default: the backend's ``site_url``, else
            ``https://osu.ppy.sh``); chat never carries another URL.
    """

    def __init__(
        self,
        backend: RoomBackend,
        *,
        rules: MapRules,
        info: InfoLookup,
        name: str = "osukit auto host",
        first_beatmap_id: int | None = None,
        room_id: int | None = None,
        skip_ratio: float = 0.5,
        ready_timer: float = 90.0,
        clock: Clock | None = None,
        progress: Callable[[str], None] | None = None,
        usernames: Callable[[Sequence[int]], Awaitable[dict[int, str]]] | None = None,
        site_url: str | None = None,
    ) -> None:
        self.backend = backend
        self.progress = progress
        self._lookup = usernames or getattr(backend, "usernames", None)
        self.site_url = site_url or str(getattr(backend, "site_url", "") or "https://osu.ppy.sh")
        # the operator's console links to the site in use (the emulator's own pages against it)
        self.web_url = str(getattr(backend, "web_url", "") or self.site_url)
        self._names: dict[int, str] = {}
        self.rules = rules
        self.info = info
        self.name = name
        self.first_beatmap_id = first_beatmap_id
        self.room_id = room_id
        self.skip_ratio = skip_ratio
        self.ready_timer = ready_timer
        self.clock = clock or Clock()
        self.queue: list[int] = []
        """User ids, the host first."""
        self.votes: set[int] = set()
        self.current: MapInfo | None = None
        self.current_mods: Mods = Mods()
        self.playing = False
        self.played: list[tuple[int | None, int | None]] = []
        """(host, beatmap id) of every map played, in order."""
        self._map_set_at: float | None = None
        self._stop = asyncio.Event()

    @property
    def host(self) -> int | None:
        """The player whose turn it is to pick."""
        return self.queue[0] if self.queue else None

    def stop(self) -> None:
        """Ask `run` to return."""
        self._stop.set()

    async def run(self, *, maps: int | None = None) -> None:
        """Keep the lobby going until `stop` (or ``maps`` maps have been played)."""
        if self.room_id is None:
            first = self.first_beatmap_id
            if first is None:
                from .._exceptions import ConfigurationError

                raise ConfigurationError("AutoHost needs first_beatmap_id or room_id")
            handle = await self.backend.make_room(self.name, first, Ruleset.parse(self.rules.ruleset).id,
                                                  team_versus=False)
            self.room_id = handle.room_id
            self._tell(f"room {self.room_id} made: {self.name} — {room_page(self.web_url, self.room_id)}")
        else:
            await self.backend.join_room(self.room_id)
            self._tell(f"room {self.room_id} taken up — {room_page(self.web_url, self.room_id)}")
        await self._rebuild()
        await self._say(f"auto host: {self.rules.describe()}. !map, !skip, !queue, !info")
        while not self._stop.is_set() and (maps is None or len(self.played) < maps):
            event = await self._next()
            if event is None:
                await self._timer()
                continue
            await self._handle(event)

    async def _next(self) -> object:
        assert self.room_id is not None
        timeout = None
        if self._map_set_at is not None and not self.playing:
            timeout = max(0.0, self._map_set_at + self.ready_timer - self.clock.monotonic())
        event_task = asyncio.ensure_future(self.backend.next_event(self.room_id))
        stop_task = asyncio.ensure_future(self._stop.wait())
        try:
            done, _ = await asyncio.wait({event_task, stop_task}, timeout=timeout,
                                         return_when=asyncio.FIRST_COMPLETED)
        finally:
            stop_task.cancel()
            if not event_task.done():
                event_task.cancel()
                with contextlib.suppress(asyncio.CancelledError):
                    await event_task
        return event_task.result() if event_task in done else None

    async def _rebuild(self) -> None:
        """Make the queue match who is in the room (after a start or a reconnect)."""
        assert self.room_id is not None
        present = await self.backend.players(self.room_id)
        before = self.host
        self.queue = [uid for uid in self.queue if uid in present] + sorted(u for u in present if u not in self.queue)
        self.votes &= set(self.queue)
        if self.host != before and self.host is not None:
            await self._announce_host()

    async def _handle(self, event: object) -> None:
        if isinstance(event, PlayerJoined):
            if event.user_id not in self.queue:
                self.queue.append(event.user_id)
                self._tell(f"{await self._who(event.user_id)} joined (queue: {await self._queue_text()})")
                if len(self.queue) == 1:
                    await self._announce_host()
        elif isinstance(event, PlayerLeft):
            if event.user_id in self.queue:
                self._tell(f"{await self._who(event.user_id)} left")
                was_host = event.user_id == self.host
                self.queue.remove(event.user_id)
                self.votes.discard(event.user_id)
                if was_host:
                    self.votes.clear()
                    if self.host is not None:
                        await self._announce_host()
        elif isinstance(event, ChatLine):
            await self._command(event.user_id, event.text)
        elif isinstance(event, MapStarted):
            self.playing = True
            self._tell(f"map started: {self._map_text()}")
        elif isinstance(event, MapCompleted):
            self.playing = False
            self.played.append((self.host, self.current.beatmap_id if self.current else None))
            self._tell(f"map {len(self.played)} finished: {self._map_text()}")
            self._map_set_at = None
            await self._rotate()
        elif isinstance(event, MapAborted):
            self.playing = False
            self._map_set_at = None
            self._tell("map aborted")
        elif isinstance(event, BackendReconnected):
            await self._rebuild()
        elif isinstance(event, BackendLost):
            raise event.error
        elif isinstance(event, RoomGone):
            raise RunnerError(f"the lobby's room {self.room_id} was closed ({event.reason})")
        if self._map_set_at is not None and not self.playing:
            await self._maybe_start(force=False)

    async def _rotate(self) -> None:
        if self.queue:
            self.queue.append(self.queue.pop(0))
        self.votes.clear()
        if self.host is not None:
            await self._announce_host()

    async def _who(self, user_id: int | None) -> str:
        """A player's username (looked up once), else ``player N``."""
        if user_id is None:
            return "nobody"
        if user_id not in self._names and self._lookup is not None:
            missing = [u for u in {user_id, *self.queue} if u not in self._names]
            try:
                self._names.update(await self._lookup(missing))
            except Exception as exc:  # names are a nicety: never stop the lobby for them
                logger.info("auto host: could not look up usernames: %s", exc)
            for uid in missing:
                self._names.setdefault(uid, f"player {uid}")
        return self._names.get(user_id, f"player {user_id}")

    async def _queue_text(self) -> str:
        return ", ".join([await self._who(u) for u in self.queue]) or "empty"

    def _map_text(self) -> str:
        if self.current is None:
            return "?"
        return f"{self.current.title or self.current.beatmap_id} +{self.current_mods}"

    def _tell(self, text: str) -> None:
        logger.info("auto host: %s", text)
        if self.progress is not None:
            self.progress(text)

    async def _announce_host(self) -> None:
        host = await self._who(self.host)
        self._tell(f"host: {host}")
        await self._say(f"host: {host} — pick a map with !map <beatmap id> [+MODS] ({self.rules.describe()})")

    async def _timer(self) -> None:
        if self._map_set_at is not None and not self.playing:
            await self._maybe_start(force=True)

    async def _maybe_start(self, *, force: bool) -> None:
        assert self.room_id is not None
        present = await self.backend.players(self.room_id)
        ready = [uid for uid, r in present.items() if r]
        if ready and (force or len(ready) == len(present)):
            self.playing = True
            try:
                await self.backend.start_match(self.room_id)
            except OsukitError as exc:
                self.playing = False
                logger.warning("auto host: could not start: %s", exc)
        elif force:
            self._map_set_at = self.clock.monotonic()  # nobody ready: wait another round

    async def _command(self, user_id: int, text: str) -> None:
        words = text.strip().split()
        if not words or not words[0].startswith("!"):
            return
        cmd, args = words[0][1:].lower(), words[1:]
        if cmd == "queue":
            await self._say("queue: " + await self._queue_text())
        elif cmd == "info":
            now = f"{self.current.title or self.current.beatmap_id} +{self.current_mods} ({self.current.stars:.2f}*, " \
                  f"{self.current.length:.0f}s)" if self.current else "no map yet"
            await self._say(f"map: {now}; host: {await self._who(self.host)}; rules: {self.rules.describe()}")
        elif cmd == "skip":
            await self._skip(user_id)
        elif cmd == "map":
            await self._pick(user_id, args)

    async def _skip(self, user_id: int) -> None:
        if self.playing or user_id not in self.queue:
            return
        if user_id == self.host:
            await self._say(f"{await self._who(user_id)} passes")
            await self._rotate()
            return
        self.votes.add(user_id)
        others = len(self.queue) - 1
        need = int(others * self.skip_ratio) + 1
        if len(self.votes) >= need:
            await self._say(f"host skipped ({len(self.votes)}/{others} votes)")
            await self._rotate()
        else:
            await self._say(f"skip vote: {len(self.votes)}/{need}")

    async def _pick(self, user_id: int, args: list[str]) -> None:
        assert self.room_id is not None
        if user_id != self.host:
            await self._say(f"❌ only the host ({await self._who(self.host)}) picks the map")
            return
        if self.playing:
            await self._say("❌ a map is being played")
            return
        beatmap_id = _beatmap_id(args[0]) if args else None
        if beatmap_id is None:
            await self._say("❌ usage: !map <beatmap id or URL> [+MODS]")
            return
        try:
            mods = Mods.parse(args[1].lstrip("+") if len(args) > 1 else "", self.rules.ruleset)
        except ModError as exc:
            await self._say(f"❌ {exc}")
            return
        if self.rules.allowed_mods is not None:
            bad = [a for a in mods.acronyms if a not in self.rules.allowed_mods]
            if bad:
                await self._say(f"❌ mods not allowed here: {''.join(bad)}")
                return
        try:
            info = await self.info(beatmap_id, mods)
        except OsukitError as exc:
            await self._say(f"❌ cannot use beatmap {beatmap_id}: {exc}")
            return
        problem = self._breaks_rules(info)
        if problem:
            await self._say(f"❌ {problem}")
            return
        try:
            await self.backend.set_map(self.room_id, beatmap_id, Ruleset.parse(self.rules.ruleset).id,
                                       mods.acronyms, (), False)
        except OsukitError as exc:
            await self._say(f"❌ the room refused beatmap {beatmap_id}: {hub_sentence(exc)}")
            return
        self.current, self.current_mods = info, mods
        self._map_set_at = self.clock.monotonic()
        self._tell(f"map set by {await self._who(user_id)}: {info.title or beatmap_id} +{mods} "
                   f"({info.stars:.2f}*, {info.length:.0f}s)")
        await self._say(f"next: {info.title or beatmap_id} +{mods} ({info.stars:.2f}*, {info.length:.0f}s) "
                        f"{beatmap_link(self.site_url, beatmap_id)} — ready up")

    def _breaks_rules(self, info: MapInfo) -> str | None:
        r = self.rules
        if r.star_range is not None and not r.star_range[0] <= info.stars <= r.star_range[1]:
            return f"{info.stars:.2f}* is outside {r.star_range[0]:g}-{r.star_range[1]:g}*"
        if r.max_length is not None and info.length > r.max_length:
            return f"{info.length:.0f}s is longer than {r.max_length:g}s"
        if r.min_length is not None and info.length < r.min_length:
            return f"{info.length:.0f}s is shorter than {r.min_length:g}s"
        return None

    async def _say(self, text: str) -> None:
        if self.room_id is None:
            return
        text = chat_safe(text)  # an error quoted to players never shows an internal URL
        if not text:
            return
        try:
            await self.backend.send(self.room_id, text)
        except Exception as exc:  # chat is best effort
            logger.warning("auto host: could not send to the room's chat: %s", exc)
