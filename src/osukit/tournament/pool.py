"""Mappools and match formats, read from a TOML (or YAML) file.

A pool file names the match format and the slots; a slot is a beatmap id with
the mods it is played with:

```toml
name = "Example Cup 2026: Quarterfinals"

[format]
best_of = 5            # first to 3
bans_per_team = 1
first_ban = "b"        # "a" or "b": who bans first
first_pick = "a"       # who picks first
pick_timer = 90        # seconds to !pick / !ban
ready_timer = 120      # seconds to ready up after the map is set
abort_window = 30      # seconds after the start in which an abort replays the map
aborts_per_team = 1
star_range = [5.0, 6.8]   # for `osukit pool check`

[slots]
NM1 = 2719327                                  # the short form: the mods follow the name
NM2 = 3183042
HD1 = { beatmap_id = 2485113 }
HR1 = { beatmap_id = 1872396 }
DT1 = { beatmap_id = 129891 }
FM1 = { beatmap_id = 3099017, allowed_mods = ["HD", "HR", "EZ", "FL"] }
TB  = { beatmap_id = 4290541, freemod = true }
```

Mods follow the slot's letters unless given: ``NM`` none, ``HD``/``HR``/``DT``/``EZ``/
``FL``/``HT`` that mod, ``FM`` and ``TB`` free mod (HD, HR, EZ, FL allowed). Every slot
also gets the format's ``always_mods`` (e.g. ``["NF"]``, as many tournaments require).
YAML files (``.yaml``/``.yml``) hold the same structure and need PyYAML
(``pip install 'osukit[tournament]'``, which also brings tomli on Python 3.10).
"""

from __future__ import annotations

import os
import re
import sys
from collections.abc import Mapping
from pathlib import Path
from typing import Any, Literal

import msgspec

from ..enums import Ruleset
from ..game.mods import ModError, Mods
from ._errors import PoolError

__all__ = ["DEFAULT_FREE_MODS", "Mappool", "MatchFormat", "PoolSlot", "load_pool", "pool_from_dict"]

TeamKey = Literal["a", "b"]

DEFAULT_FREE_MODS: tuple[str, ...] = ("HD", "HR", "EZ", "FL")
"""Mods a free-mod slot allows when the file does not say."""

_PREFIX_MODS: dict[str, tuple[str, ...]] = {
    "NM": (),
    "HD": ("HD",),
    "HR": ("HR",),
    "DT": ("DT",),
    "NC": ("NC",),
    "EZ": ("EZ",),
    "FL": ("FL",),
    "HT": ("HT",),
}
_FREE_PREFIXES = ("FM", "TB")
_SLOT_NAME = re.compile(r"^[A-Za-z]+[0-9]*$")


class MatchFormat(msgspec.Struct, frozen=True, kw_only=True, forbid_unknown_fields=True):
    """How a match is played: length, bans, pick order, tiebreaker and timers.

    Attributes:
        best_of: maps in the longest possible match (odd); the first team to
            ``best_of // 2 + 1`` map wins takes the match.
        bans_per_team: bans each team makes before the first pick.
        first_ban: the team that bans first (``"a"`` or ``"b"``); bans alternate.
        first_pick: the team that picks first.
        pick_rule: ``"alternate"`` (teams take turns) or ``"loser"`` (the team that lost
            the last map picks next).
        tiebreaker: the slot played when both teams are one win short (None: no tiebreaker;
            then the match ends at ``best_of`` maps or goes on until a team has enough wins).
        team_size: players per team on each map.
        pick_timer: seconds a team has to pick or ban before the referee is told.
        ready_timer: seconds players have to ready up once the map is set; then the map
            starts with whoever is ready (or the runner waits for the referee, see the runner).
        abort_window: seconds after the start in which an abort replays the map.
        aborts_per_team: aborts each team may ask for in the match.
        always_mods: mods every slot requires on top of its own (``["NF"]``).
        win_condition: ``"score"`` (sum of the team's scores) or ``"accuracy"``.
        ruleset: ``osu``, ``taiko``, ``fruits`` or ``mania``.
        star_range: ``[min, max]`` star rating with the slot's mods, for pool checks.
        max_length: longest drain length in seconds (after rate mods), for pool checks.
    """

    best_of: int = 7
    bans_per_team: int = 1
    first_ban: TeamKey = "a"
    first_pick: TeamKey = "a"
    pick_rule: Literal["alternate", "loser"] = "alternate"
    tiebreaker: str | None = "TB"
    team_size: int = 1
    pick_timer: float = 120.0
    ready_timer: float = 120.0
    abort_window: float = 30.0
    aborts_per_team: int = 1
    always_mods: tuple[str, ...] = ()
    win_condition: Literal["score", "accuracy"] = "score"
    ruleset: str = "osu"
    star_range: tuple[float, float] | None = None
    max_length: float | None = None

    @property
    def wins_needed(self) -> int:
        """Map wins that take the match (``best_of // 2 + 1``)."""
        return self.best_of // 2 + 1


class PoolSlot(msgspec.Struct, frozen=True, kw_only=True):
    """One slot of a mappool.

    Attributes:
        name: the slot's name as written in chat (``NM1``, ``HD2``, ``TB``), upper case.
        beatmap_id: the beatmap (difficulty) id.
        required_mods: acronyms every player must play with (``always_mods`` included).
        allowed_mods: acronyms players may add (free mod).
        freemod: whether players choose their own mods among ``allowed_mods``.
        note: free text from the file (mapper, artist …).
    """

    name: str
    beatmap_id: int
    required_mods: tuple[str, ...] = ()
    allowed_mods: tuple[str, ...] = ()
    freemod: bool = False
    note: str | None = None

    @property
    def category(self) -> str:
        """The letters of the name (``HD`` for ``HD2``)."""
        return re.sub(r"[0-9]+$", "", self.name)

    @property
    def mods(self) -> Mods:
        """The required mods as [`osukit.game.Mods`][osukit.game.Mods]."""
        return Mods.parse(list(self.required_mods))

    def label(self) -> str:
        """``NM1 (b/2719327, +NF)`` for messages."""
        mods = "+" + "".join(self.required_mods) if self.required_mods else ""
        free = " freemod" if self.freemod else ""
        return f"{self.name} (b/{self.beatmap_id}{', ' + mods if mods else ''}{free})"


class Mappool(msgspec.Struct, frozen=True, kw_only=True):
    """A named mappool with its match format. Build one with `load_pool` or directly."""

    name: str
    format: MatchFormat
    slots: tuple[PoolSlot, ...]

    def __post_init__(self) -> None:
        seen: set[str] = set()
        for slot in self.slots:
            if slot.name in seen:
                raise PoolError(f"slot {slot.name} appears twice in pool {self.name!r}")
            seen.add(slot.name)
        tb = self.format.tiebreaker
        if tb is not None and tb.upper() not in seen:
            raise PoolError(f"the format's tiebreaker slot {tb!r} is not in pool {self.name!r}")
        # Picks the longest match needs: both teams one win short of the match before the
        # tiebreaker (best_of - 1 maps), or best_of maps without one; bans remove 2 * bans_per_team.
        fmt = self.format
        needed = fmt.best_of - 1 if tb is not None else fmt.best_of
        pickable = sum(1 for slot in self.slots if tb is None or slot.name != tb.upper())
        if pickable - 2 * fmt.bans_per_team < needed:
            raise PoolError(
                f"pool {self.name!r} cannot fill a best of {fmt.best_of}: {pickable} pickable slot(s) minus "
                f"{2 * fmt.bans_per_team} ban(s) leave {pickable - 2 * fmt.bans_per_team} pick(s), and "
                f"{needed} are needed{' before the tiebreaker' if tb is not None else ''}: add "
                f"{needed - pickable + 2 * fmt.bans_per_team} slot(s), lower bans_per_team or best_of")

    def get(self, name: str) -> PoolSlot | None:
        """The slot called ``name`` (any case, ``nm1`` = ``NM1``), or None."""
        wanted = name.strip().upper()
        return next((s for s in self.slots if s.name == wanted), None)

    def __getitem__(self, name: str) -> PoolSlot:
        """The slot called ``name``; raises `PoolError` when there is none."""
        slot = self.get(name)
        if slot is None:
            raise PoolError(f"there is no slot {name!r} in pool {self.name!r}")
        return slot

    @property
    def tiebreaker(self) -> PoolSlot | None:
        """The tiebreaker slot, if the format has one."""
        return self.get(self.format.tiebreaker) if self.format.tiebreaker else None

    @property
    def pickable(self) -> tuple[PoolSlot, ...]:
        """Every slot but the tiebreaker."""
        tb = self.tiebreaker
        return tuple(s for s in self.slots if tb is None or s.name != tb.name)

    def to_dict(self) -> dict[str, Any]:
        """The pool as plain data (what `load_pool` reads back from TOML/YAML/JSON)."""
        return {
            "name": self.name,
            "format": msgspec.to_builtins(self.format),
            "slots": {s.name: _slot_dict(s) for s in self.slots},
        }


def _slot_dict(slot: PoolSlot) -> dict[str, Any]:
    out: dict[str, Any] = {"beatmap_id": slot.beatmap_id, "mods": list(slot.required_mods)}
    if slot.freemod:
        out["freemod"] = True
        out["allowed_mods"] = list(slot.allowed_mods)
    if slot.note:
        out["note"] = slot.note
    return out


def _mod_list(value: Any, where: str, ruleset: Ruleset, *, together: bool = True) -> tuple[str, ...]:
    if isinstance(value, str):
        value = [value] if value.strip() else []
    if not isinstance(value, list) or not all(isinstance(v, str) for v in value):
        raise PoolError(f"{where}: mods must be a list of acronyms like [\"HD\", \"HR\"], not {value!r}")
    try:
        if not together:  # allowed mods: each must exist, pairs may clash (EZ and HR both allowed)
            return tuple(dict.fromkeys(a for v in value for a in Mods.parse(v, ruleset).acronyms))
        mods = Mods.parse(value, ruleset) if value else Mods()
    except ModError as exc:
        raise PoolError(f"{where}: {exc}") from None
    return tuple(mods.acronyms)


def _build_slot(name: str, raw: Any, fmt: MatchFormat, ruleset: Ruleset) -> PoolSlot:
    where = f"slot {name}"
    if not _SLOT_NAME.match(name):
        raise PoolError(f"{where}: a slot name is letters then an optional number (NM1, HD2, TB)")
    upper = name.upper()
    if isinstance(raw, bool) or not isinstance(raw, (int, Mapping)):
        raise PoolError(f"{where}: expected a beatmap id or a table with beatmap_id, not {raw!r}")
    table: dict[str, Any] = {"beatmap_id": raw} if isinstance(raw, int) else dict(raw)
    known = {"beatmap_id", "mods", "required_mods", "allowed_mods", "freemod", "note"}
    unknown = sorted(set(table) - known)
    if unknown:
        raise PoolError(f"{where}: unknown key(s) {', '.join(unknown)} (known: {', '.join(sorted(known))})")
    beatmap_id = table.get("beatmap_id")
    if isinstance(beatmap_id, bool) or not isinstance(beatmap_id, int) or beatmap_id <= 0:
        raise PoolError(f"{where}: beatmap_id must be a positive integer, not {beatmap_id!r}")
    category = re.sub(r"[0-9]+$", "", upper)
    free_default = category in _FREE_PREFIXES
    freemod = table.get("freemod", free_default or "allowed_mods" in table)
    if not isinstance(freemod, bool):
        raise PoolError(f"{where}: freemod must be true or false")
    if "mods" in table and "required_mods" in table:
        raise PoolError(f"{where}: give mods or required_mods, not both")
    if "mods" in table or "required_mods" in table:
        required = _mod_list(table.get("mods", table.get("required_mods")), where, ruleset)
    elif category in _PREFIX_MODS:
        required = _PREFIX_MODS[category]
    elif free_default:
        required = ()
    else:
        raise PoolError(f"{where}: the mods of a {category!r} slot are not implied by its name; give mods = [...]")
    allowed = _mod_list(table["allowed_mods"], where, ruleset, together=False) if "allowed_mods" in table else (
        DEFAULT_FREE_MODS if freemod else ()
    )
    required = _mod_list(list(dict.fromkeys((*required, *fmt.always_mods))), where, ruleset)
    note = table.get("note")
    if note is not None and not isinstance(note, str):
        raise PoolError(f"{where}: note must be text")
    return PoolSlot(name=upper, beatmap_id=beatmap_id, required_mods=required, allowed_mods=allowed,
                    freemod=freemod, note=note)


def _build_format(raw: Any) -> MatchFormat:
    if raw is None:
        raw = {}
    if not isinstance(raw, Mapping):
        raise PoolError("[format] must be a table")
    try:
        fmt = msgspec.convert(dict(raw), MatchFormat, strict=False)
    except msgspec.ValidationError as exc:
        raise PoolError(f"[format]: {exc}") from None
    if fmt.best_of < 1 or fmt.best_of % 2 == 0:
        raise PoolError(f"[format]: best_of must be odd and positive, not {fmt.best_of}")
    if fmt.bans_per_team < 0 or fmt.team_size < 1 or fmt.aborts_per_team < 0:
        raise PoolError("[format]: bans_per_team and aborts_per_team must be >= 0, team_size >= 1")
    for name in ("pick_timer", "ready_timer", "abort_window"):
        if getattr(fmt, name) < 0:
            raise PoolError(f"[format]: {name} must be >= 0 seconds")
    if fmt.star_range is not None and fmt.star_range[0] > fmt.star_range[1]:
        raise PoolError(f"[format]: star_range {list(fmt.star_range)} is empty")
    try:
        ruleset = Ruleset.parse(fmt.ruleset)
    except (ValueError, KeyError):
        raise PoolError(f"[format]: unknown ruleset {fmt.ruleset!r}") from None
    always = _mod_list(list(fmt.always_mods), "[format] always_mods", ruleset)
    tb = fmt.tiebreaker.upper() if fmt.tiebreaker else None
    return msgspec.structs.replace(fmt, always_mods=always, tiebreaker=tb, ruleset=ruleset.value)


def pool_from_dict(data: Mapping[str, Any], *, default_name: str = "pool") -> Mappool:
    """A `Mappool` from plain data (a parsed TOML/YAML/JSON document).

    Raises:
        PoolError: unknown keys, bad beatmap ids, unknown or incompatible mods, a missing
            tiebreaker slot, an even ``best_of`` …
    """
    if not isinstance(data, Mapping):
        raise PoolError("a pool file is a table with name, [format] and [slots]")
    unknown = sorted(set(data) - {"name", "format", "slots"})
    if unknown:
        raise PoolError(f"unknown top-level key(s): {', '.join(unknown)} (known: name, format, slots)")
    fmt = _build_format(data.get("format"))
    ruleset = Ruleset.parse(fmt.ruleset)
    raw_slots = data.get("slots")
    if not isinstance(raw_slots, Mapping) or not raw_slots:
        raise PoolError("[slots] must name at least one slot (NM1 = 123456)")
    slots = tuple(_build_slot(str(name), raw, fmt, ruleset) for name, raw in raw_slots.items())
    name = data.get("name", default_name)
    if not isinstance(name, str):
        raise PoolError("name must be text")
    return Mappool(name=name, format=fmt, slots=slots)


def _toml() -> Any:
    """``tomllib`` (3.11+) or ``tomli`` (the ``tournament`` extra on 3.10)."""
    if sys.version_info >= (3, 11):
        import tomllib

        return tomllib
    try:
        import tomli
    except ImportError:
        pass
    else:
        return tomli
    from .._exceptions import MissingExtraError

    raise MissingExtraError("TOML pool files on Python 3.10", "tournament")


def load_pool(source: str | os.PathLike[str]) -> Mappool:
    """Read a pool file: TOML (``.toml``), YAML (``.yaml``/``.yml``, needs PyYAML) or JSON (``.json``).

    Raises:
        PoolError: the file is missing, unreadable, not valid TOML/YAML/JSON, or its content
            is refused (see `pool_from_dict`).
        MissingExtraError: a YAML file without PyYAML installed.
    """
    path = Path(source)
    try:
        text = path.read_text(encoding="utf-8")
    except OSError as exc:
        raise PoolError(f"cannot read pool file {path}: {exc.strerror or exc}") from None
    suffix = path.suffix.lower()
    data: Any
    if suffix in (".yaml", ".yml"):
        try:
            import yaml
        except ImportError as exc:
            from .._exceptions import MissingExtraError

            raise MissingExtraError("YAML pool files", "tournament") from exc
        try:
            data = yaml.safe_load(text)
        except (yaml.YAMLError, RecursionError) as exc:
            raise PoolError(f"{path}: not valid YAML: {exc}") from None
    elif suffix == ".json":
        try:
            data = msgspec.json.decode(text)
        except (msgspec.DecodeError, RecursionError) as exc:
            raise PoolError(f"{path}: not valid JSON: {exc}") from None
    else:
        toml = _toml()
        try:
            data = toml.loads(text)
        except toml.TOMLDecodeError as exc:
            raise PoolError(f"{path}: not valid TOML: {exc}") from None
    return pool_from_dict(data, default_name=path.stem)
