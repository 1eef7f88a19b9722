"""Star rating, pp and length of every pool slot under its mods, and the maps outside the rules.

For each slot: the beatmap (``GET /beatmaps/{beatmap}``) for its title, length and BPM, and
the difficulty with the slot's required mods, computed by rosu-pp (the ``osukit[pp]`` extra)
from the ``.osu`` file when it is installed, else asked from osu! with
``POST /beatmaps/{beatmap}/attributes``. Length and BPM follow the mods' rate (DT 1.5x,
HT 0.75x). rosu-pp also gives the pp of an SS (100%, full combo) with those mods:

```python
rows = await acheck_pool(client, load_pool("pool.toml"))
for row in rows:
    print(row.slot, row.stars, row.length, row.flags)
```
"""

from __future__ import annotations

from collections.abc import Callable, Generator, Sequence
from typing import TYPE_CHECKING, Any, Literal

import msgspec

from .._exceptions import MissingExtraError, OsukitError
from ..game.mods import Mods
from .pool import Mappool, PoolSlot

if TYPE_CHECKING:
    from .._async.client import AsyncClient
    from .._sync.client import Client

__all__ = ["SlotDifficulty", "acheck_pool", "check_pool", "flag"]


class SlotDifficulty(msgspec.Struct, kw_only=True):
    """A pool slot's difficulty under its required mods.

    Attributes:
        slot: the slot's name.
        beatmap_id: the beatmap.
        title: ``Artist - Title [Version]``.
        mods: the required mods (``"NFDT"``).
        stars: star rating with the mods.
        max_combo: maximum combo.
        length: drain length in seconds after the mods' rate (None when unknown).
        bpm: BPM after the mods' rate (None when unknown).
        pp: pp of an SS with the mods (rosu-pp only; None from ``beatmaps.attributes``).
        source: ``"rosu-pp"`` or ``"attributes"``.
        flags: what breaks the pool's rules (``"stars 7.12 > 6.50"``, ``"length 312s > 300s"``,
            ``"beatmap 1860433 not found"``).
        missing: the slot's beatmap does not exist (osu! answered 404); its numbers are then 0/None.
    """

    slot: str
    beatmap_id: int
    title: str | None
    mods: str
    stars: float
    max_combo: int
    length: float | None
    bpm: float | None
    pp: float | None
    source: Literal["rosu-pp", "attributes"]
    flags: list[str] = msgspec.field(default_factory=list)
    missing: bool = False


def flag(row: SlotDifficulty, star_range: Sequence[float] | None, max_length: float | None) -> list[str]:
    """The rules ``row`` breaks: outside ``star_range`` (``[min, max]``) or longer than ``max_length``."""
    out: list[str] = []
    if star_range is not None:
        low, high = float(star_range[0]), float(star_range[1])
        if row.stars < low:
            out.append(f"stars {row.stars:.2f} < {low:.2f}")
        if row.stars > high:
            out.append(f"stars {row.stars:.2f} > {high:.2f}")
    if max_length is not None and row.length is not None and row.length > max_length:
        out.append(f"length {row.length:.0f}s > {max_length:.0f}s")
    return out


def _use_rosu(prefer: str) -> bool:
    if prefer == "attributes":
        return False
    try:
        import rosu_pp_py  # noqa: F401
    except ImportError:
        if prefer == "rosu-pp":
            raise MissingExtraError("rosu-pp star ratings", "pp") from None
        return False
    return True


def _title(beatmap: Any) -> str | None:
    bset = getattr(beatmap, "beatmapset", None)
    artist, title = getattr(bset, "artist", None), getattr(bset, "title", None)
    version = getattr(beatmap, "version", None)
    if isinstance(artist, str) and isinstance(title, str):
        return f"{artist} - {title} [{version}]"
    return version if isinstance(version, str) else None


def _row(slot: PoolSlot, beatmap: Any, mods: Mods, stars: float, combo: int, pp: float | None,
         source: Literal["rosu-pp", "attributes"]) -> SlotDifficulty:
    rate = mods.speed_rate or 1.0
    drain = getattr(beatmap, "hit_length", None)
    bpm = getattr(beatmap, "bpm", None)
    return SlotDifficulty(
        slot=slot.name, beatmap_id=slot.beatmap_id, title=_title(beatmap), mods=str(mods), stars=float(stars),
        max_combo=int(combo), length=float(drain) / rate if isinstance(drain, (int, float)) else None,
        bpm=float(bpm) * rate if isinstance(bpm, (int, float)) else None, pp=pp, source=source,
    )


def _rosu(slot: PoolSlot, osu: bytes, mods: Mods, ruleset: str) -> tuple[float, int, float]:
    from ..game.pp import difficulty, performance

    diff = difficulty(osu, mods=mods, ruleset=ruleset)
    perf = performance(None, osu, mods=mods, accuracy=100, ruleset=ruleset)
    return diff.stars, diff.max_combo, perf.pp


_Need = tuple[str, int, Any]


def _plan(pool: Mappool, rosu: bool, star_range: Sequence[float] | None,
          max_length: float | None,
          on_slot: Callable[[SlotDifficulty], None] | None = None) -> Generator[_Need, Any, list[SlotDifficulty]]:
    """The checks, sans I/O: yields what to fetch, receives it (``None`` when it failed)."""
    rules = star_range if star_range is not None else pool.format.star_range
    longest = max_length if max_length is not None else pool.format.max_length
    rows: list[SlotDifficulty] = []
    for slot in pool.slots:
        mods = Mods.parse(list(slot.required_mods))
        beatmap = yield ("beatmap", slot.beatmap_id, None)
        if beatmap is None:  # 404: name the slot and go on with the rest of the pool
            rows.append(SlotDifficulty(slot=slot.name, beatmap_id=slot.beatmap_id, title=None, mods=str(mods),
                                       stars=0.0, max_combo=0, length=None, bpm=None, pp=None, source="attributes",
                                       flags=[f"beatmap {slot.beatmap_id} not found"], missing=True))
            if on_slot is not None:
                on_slot(rows[-1])
            continue
        row: SlotDifficulty | None = None
        if rosu:
            osu = yield ("osu", slot.beatmap_id, None)
            if osu is not None:
                try:
                    stars, combo, pp = _rosu(slot, osu, mods, pool.format.ruleset)
                except OsukitError:
                    pass
                else:
                    row = _row(slot, beatmap, mods, stars, combo, pp, "rosu-pp")
        if row is None:
            attrs = yield ("attributes", slot.beatmap_id, mods)
            row = _row(slot, beatmap, mods, attrs.attributes.star_rating, attrs.attributes.max_combo, None,
                       "attributes")
        row.flags = flag(row, rules, longest)
        rows.append(row)
        if on_slot is not None:
            on_slot(row)
    return rows


async def acheck_pool(client: AsyncClient, pool: Mappool, *, prefer: str = "auto",
                      star_range: Sequence[float] | None = None, max_length: float | None = None,
                      on_slot: Callable[[SlotDifficulty], None] | None = None) -> list[SlotDifficulty]:
    """Every slot's difficulty under its mods, flagged against the rules.

    A slot whose beatmap does not exist is not an error: its row has ``missing=True`` and the flag
    ``"beatmap N not found"``, and the rest of the pool is still checked.

    Routes: ``GET api/v2/beatmaps/{beatmap}``, then ``GET osu/{beatmap}`` (the ``.osu`` file, for
    rosu-pp) or ``POST api/v2/beatmaps/{beatmap}/attributes``. Scope: ``public``.

    Args:
        client: an ``AsyncClient``.
        pool: the pool (its ``format.star_range`` and ``format.max_length`` are the default rules).
        prefer: ``"auto"`` (rosu-pp when installed), ``"rosu-pp"`` or ``"attributes"``.
        star_range: ``[min, max]`` star rating (overrides the pool's).
        max_length: longest drain length in seconds after rate mods (overrides the pool's).
        on_slot: called with each slot's row as soon as that slot is checked (progress).

    Raises:
        MissingExtraError: ``prefer="rosu-pp"`` without rosu-pp-py.
    """
    from .._async.tournament import check_pool as run

    return await run(client, pool, prefer=prefer, star_range=star_range, max_length=max_length, on_slot=on_slot)


def check_pool(client: Client, pool: Mappool, *, prefer: str = "auto", star_range: Sequence[float] | None = None,
               max_length: float | None = None,
               on_slot: Callable[[SlotDifficulty], None] | None = None) -> list[SlotDifficulty]:
    """The sync form of `acheck_pool` (same arguments, a sync ``Client``)."""
    from .._sync.tournament import check_pool as run

    return run(client, pool, prefer=prefer, star_range=star_range, max_length=max_length, on_slot=on_slot)
