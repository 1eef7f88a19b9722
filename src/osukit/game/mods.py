"""Game modifiers: one immutable [`Mods`][osukit.game.mods.Mods] type for lazer mods and the legacy bitmask.

A [`Mods`][osukit.game.mods.Mods] holds lazer mods (an acronym plus optional settings) and
converts both ways with stable's bitmask where a bit exists:

```pycon
>>> mods = Mods.parse("+HDDT")
>>> str(mods), mods.legacy
('HDDT', 72)
>>> Mods.from_legacy(576)             # NC's bit set together with DT's
Mods('NC')
>>> Mods.parse([{"acronym": "DT", "settings": {"speed_change": 1.3}}]).speed_rate
1.3
>>> Mods.parse("HDCL").without_legacy_bit
('CL',)

```

The mod table (acronyms, names, settings, incompatibilities per ruleset) is
generated from osu-web's ``mods.json`` by ``scripts/gen_mods.py``.

Errors are `ModError` (a `ValueError`): [`UnknownModError`][osukit.game.mods.UnknownModError],
[`InvalidModSettingError`][osukit.game.mods.InvalidModSettingError], [`IncompatibleModsError`][osukit.game.mods.IncompatibleModsError] and
[`DuplicateModError`][osukit.game.mods.DuplicateModError], each naming the problem.

Decoding API JSON is lossless: `Mods._from_json` remembers the form it
was given and [`Mods.to_json_value`][osukit.game.mods.Mods.to_json_value] returns exactly that form, so
``["HD", "DT"]`` stays a list of strings and ``[{"acronym": "DT"}]`` keeps its
key set.
"""

from __future__ import annotations

import copy
import math
import re
import reprlib
from collections.abc import Iterable, Iterator, Mapping
from dataclasses import dataclass
from types import MappingProxyType
from typing import Any, Literal, Union

from .._exceptions import OsukitError
from ..enums import Ruleset
from ._mod_data import LEGACY_IMPLIED, MODS, SOURCE_SHA256

__all__ = [
    "DifficultyAdjust",
    "DuplicateModError",
    "IncompatibleModsError",
    "InvalidModSettingError",
    "Mod",
    "ModError",
    "ModInfo",
    "ModNotFoundError",
    "Mods",
    "ModsLike",
    "SettingInfo",
    "UnknownModError",
    "mod_info",
    "mods_dec_hook",
    "mods_enc_hook",
]


# ----------------------------------------------------------------------------------------------
# Errors


class ModError(OsukitError, ValueError):
    """Base of every mod parsing or validation error (an [`OsukitError`][osukit.OsukitError] and a `ValueError`)."""


class UnknownModError(ModError):
    """An acronym (or legacy bit) that osu! does not define, for the ruleset if one was given.

    ``acronym`` holds the offending text, ``ruleset`` the ruleset checked against (or None).
    """

    def __init__(self, message: str, *, acronym: str | None = None, ruleset: Ruleset | None = None) -> None:
        super().__init__(message)
        self.acronym = acronym
        self.ruleset = ruleset


class InvalidModSettingError(ModError):
    """A setting name a mod does not have, or a value of the wrong type.

    ``acronym`` and ``setting`` name the mod and the setting.
    """

    def __init__(self, message: str, *, acronym: str, setting: str) -> None:
        super().__init__(message)
        self.acronym = acronym
        self.setting = setting


class IncompatibleModsError(ModError):
    """Two mods that osu! does not allow together (``pair`` holds both acronyms)."""

    def __init__(self, message: str, *, pair: tuple[str, str]) -> None:
        super().__init__(message)
        self.pair = pair


class ModNotFoundError(ModError, KeyError):
    """``mods[acronym]`` for a mod that is not there (also a `KeyError`; ``mods.get`` gives None)."""

    def __init__(self, message: str, *, acronym: str) -> None:
        super().__init__(message)
        self.acronym = acronym

    def __str__(self) -> str:  # KeyError would quote the message
        return str(self.args[0])


class DuplicateModError(ModError):
    """The same mod given twice (``acronym`` names it)."""

    def __init__(self, message: str, *, acronym: str) -> None:
        super().__init__(message)
        self.acronym = acronym


# ----------------------------------------------------------------------------------------------
# The generated table, indexed


@dataclass(frozen=True)
class SettingInfo:
    """One setting of a mod as osu! defines it.

    ``type`` is osu-web's: ``"number"``, ``"boolean"`` or ``"string"``. ``default``
    is osu!'s default where osukit knows it (``None`` otherwise, and for difficulty
    adjust values, where ``None`` means "use the beatmap's value").
    """

    name: str
    type: str
    default: float | int | bool | str | None


@dataclass(frozen=True)
class ModInfo:
    """What osu! says about one mod in one ruleset (from osu-web's ``mods.json``).

    For example:

    ```pycon
    >>> mod_info("DT", "osu").name
    'Double Time'

    ```
    """

    acronym: str
    name: str
    description: str
    type: str
    """``DifficultyReduction``, ``DifficultyIncrease``, ``Conversion``, ``Automation``, ``Fun`` or ``System``."""
    settings: Mapping[str, SettingInfo]
    incompatible: frozenset[str]
    legacy_bit: int | None
    """The stable bitmask value, or None when the mod has no legacy equivalent."""
    user_playable: bool
    ruleset: Ruleset


_BY_RULESET: dict[Ruleset, dict[str, ModInfo]] = {}
for _ruleset_name, _rows in MODS.items():
    _table: dict[str, ModInfo] = {}
    for _acr, _name, _desc, _type, _settings, _incompat, _bit, _playable in _rows:
        _table[_acr] = ModInfo(
            acronym=_acr,
            name=_name,
            description=_desc,
            type=_type,
            settings=MappingProxyType({s[0]: SettingInfo(s[0], s[1], s[2]) for s in _settings}),
            incompatible=frozenset(_incompat),
            legacy_bit=_bit,
            user_playable=_playable,
            ruleset=Ruleset(_ruleset_name),
        )
    _BY_RULESET[Ruleset(_ruleset_name)] = _table

#: Every acronym with the rulesets that define it, in osu's order first, then taiko, fruits, mania.
_ANY: dict[str, list[ModInfo]] = {}
for _table in _BY_RULESET.values():
    for _acr, _info in _table.items():
        _ANY.setdefault(_acr, []).append(_info)

#: Ruleset-agnostic bitmask (as osu-web stores it: MR, RD, FI and keys map to their bits).
_ANY_BITS: dict[str, int] = {}
for _acr, _infos in _ANY.items():
    for _info in _infos:
        if _info.legacy_bit is not None:
            _ANY_BITS.setdefault(_acr, _info.legacy_bit)
_BIT_TO_ACRONYM: dict[int, str] = {bit: acr for acr, bit in _ANY_BITS.items()}
_RULESET_BIT_TO_ACRONYM: dict[Ruleset, dict[int, str]] = {
    r: {info.legacy_bit: acr for acr, info in table.items() if info.legacy_bit is not None}
    for r, table in _BY_RULESET.items()
}

#: Display order without a ruleset: osu's mod-select order, then modes' own mods.
_ANY_ORDER: dict[str, int] = {acr: i for i, acr in enumerate(_ANY)}
_RULESET_ORDER: dict[Ruleset, dict[str, int]] = {r: {a: i for i, a in enumerate(t)} for r, t in _BY_RULESET.items()}

#: Pairs incompatible in every ruleset that has both mods (checked when no ruleset is known).
def _universal_incompatible() -> frozenset[frozenset[str]]:
    pairs: set[frozenset[str]] = set()
    for a in _ANY:
        for b in _ANY:
            if a >= b:
                continue
            shared = [t for t in _BY_RULESET.values() if a in t and b in t]
            if shared and all(b in t[a].incompatible or a in t[b].incompatible for t in shared):
                pairs.add(frozenset((a, b)))
    return frozenset(pairs)


_UNIVERSAL_INCOMPATIBLE = _universal_incompatible()

_ALIASES = {"V2": "SV2"}  # osu-web's legacy bitset calls ScoreV2 "V2"
_NOMOD = frozenset({"NM", "NOMOD", "NONE"})
_TOKENS = sorted({*_ANY, *_ALIASES}, key=len, reverse=True)
_MAX_TOKEN = max(len(t) for t in _TOKENS)
_TOKEN_SET = frozenset(_TOKENS)
_SEPARATORS = re.compile(r"[\s,+|/;]+")

#: Where the mod table came from (sha256 of the mods.json it was generated from).
MOD_TABLE_SHA256 = SOURCE_SHA256


def _canonical(acronym: str) -> str:
    up = acronym.strip().upper()
    return _ALIASES.get(up, up)


def mod_info(acronym: str, ruleset: Ruleset | str | int | None = None) -> ModInfo | None:
    """The [`ModInfo`][osukit.game.mods.ModInfo] for ``acronym`` in ``ruleset`` (any ruleset when None), or None if unknown.

    For example:

    ```pycon
    >>> mod_info("DA", "taiko").settings["scroll_speed"].type
    'number'
    >>> mod_info("XX") is None
    True

    ```
    """
    acr = _canonical(acronym)
    if ruleset is None:
        infos = _ANY.get(acr)
        return infos[0] if infos else None
    return _BY_RULESET[Ruleset.parse(ruleset)].get(acr)


# ----------------------------------------------------------------------------------------------
# One mod


def _freeze(value: Any) -> Any:
    if isinstance(value, Mapping):
        return tuple(sorted(((str(k), _freeze(v)) for k, v in value.items()), key=lambda kv: kv[0]))
    if isinstance(value, (list, tuple)):
        return tuple(_freeze(v) for v in value)
    return value


class Mod:
    """One mod: an acronym plus its settings (immutable, hashable).

    ``settings`` holds only what was given; [`get`][osukit.game.mods.Mod.get] falls back to osu!'s
    default:

    ```pycon
    >>> dt = Mod("DT", {"speed_change": 1.3})
    >>> dt.settings["speed_change"], dt.get("adjust_pitch"), dt.name
    (1.3, False, 'Double Time')

    ```
    """

    __slots__ = ("_acronym", "_key", "_settings")

    _acronym: str
    _settings: Mapping[str, Any]
    _key: tuple[str, Any]

    def __init__(self, acronym: str, settings: Mapping[str, Any] | None = None) -> None:
        if not isinstance(acronym, str) or not acronym.strip():
            raise ModError(f"a mod acronym must be a non-empty string, not {acronym!r}")
        if settings is not None and not isinstance(settings, Mapping):
            raise InvalidModSettingError(
                f"settings of {acronym} must be an object, not {type(settings).__name__}",
                acronym=acronym,
                setting="",
            )
        acr = _canonical(acronym)
        frozen_settings = dict(settings or {})
        object.__setattr__(self, "_acronym", acr)
        object.__setattr__(self, "_settings", MappingProxyType(frozen_settings))
        object.__setattr__(self, "_key", (acr, _freeze(frozen_settings)))

    def __setattr__(self, name: str, value: object) -> None:
        raise AttributeError("Mod is immutable")

    def __reduce__(self) -> tuple[Any, ...]:  # pickling and copying: immutable, rebuilt from its parts
        return (Mod, (self._acronym, dict(self._settings)))

    def __copy__(self) -> Mod:
        return self

    def __deepcopy__(self, memo: dict[int, Any]) -> Mod:
        return self

    @property
    def acronym(self) -> str:
        """The acronym, upper-case (``"DT"``)."""
        return self._acronym

    @property
    def settings(self) -> Mapping[str, Any]:
        """The settings given for this mod (read-only; empty when none)."""
        return self._settings

    def info(self, ruleset: Ruleset | str | int | None = None) -> ModInfo | None:
        """osu!'s definition of this mod in ``ruleset`` (any ruleset when None), or None if unknown."""
        return mod_info(self._acronym, ruleset)

    @property
    def name(self) -> str:
        """The long name (``"Double Time"``); the acronym itself for a mod osukit does not know."""
        info = self.info()
        return info.name if info else self._acronym

    @property
    def legacy_bit(self) -> int | None:
        """The stable bitmask value of this mod (with implied bits, NC = DT|NC), or None."""
        bit = _ANY_BITS.get(self._acronym)
        if bit is None:
            return None
        implied = LEGACY_IMPLIED.get(self._acronym)
        return bit | (_ANY_BITS[implied] if implied else 0)

    def get(self, setting: str, ruleset: Ruleset | str | int | None = None) -> Any:
        """A setting's value, or osu!'s default when it was not given (None when unknown).

        For example:

        ```pycon
        >>> Mod("HT").get("speed_change")
        0.75

        ```
        """
        if setting in self._settings:
            return self._settings[setting]
        if ruleset is not None:
            info = self.info(ruleset)
            infos = [info] if info else []
        else:
            infos = _ANY.get(self._acronym, [])
        for info in infos:
            if setting in info.settings:
                return info.settings[setting].default
        return None

    def to_api(self) -> dict[str, Any]:
        """The mod as API v2 sends it: ``{"acronym": ..., "settings": {...}}``, settings only if any."""
        out: dict[str, Any] = {"acronym": self._acronym}
        if self._settings:
            out["settings"] = copy.deepcopy(dict(self._settings))
        return out

    def __eq__(self, other: object) -> bool:
        if isinstance(other, Mod):
            return self._key == other._key
        return NotImplemented

    def __hash__(self) -> int:
        return hash(self._key)

    def __repr__(self) -> str:
        if self._settings:
            return f"Mod({self._acronym!r}, {dict(self._settings)!r})"
        return f"Mod({self._acronym!r})"

    def __str__(self) -> str:
        return self._acronym


# ----------------------------------------------------------------------------------------------
# Typed settings


@dataclass(frozen=True)
class DifficultyAdjust:
    """The settings of Difficulty Adjust (``DA``); ``None`` means "the beatmap's own value"."""

    circle_size: float | None = None
    approach_rate: float | None = None
    overall_difficulty: float | None = None
    drain_rate: float | None = None
    scroll_speed: float | None = None
    """taiko only."""
    hard_rock_offsets: bool = False
    """fruits only ("Spicy Patterns")."""
    extended_limits: bool = False


# ----------------------------------------------------------------------------------------------
# Parsing


ModsLike = Union["Mods", Mod, str, int, Iterable[str | Mod | Mapping[str, Any]], Mapping[str, Any], None]
"""Anything [`Mods.parse`][osukit.game.mods.Mods.parse] accepts."""

_Form = Literal["api", "acronyms"]


def _split_acronyms(text: str) -> list[str]:
    """Split ``"HDDT"``, ``"+HD,DT"``, ``"HD DT"`` into acronyms (raises UnknownModError)."""
    out: list[str] = []
    for chunk in _SEPARATORS.split(text.upper()):
        if not chunk or chunk in _NOMOD:
            continue
        i = 0
        while i < len(chunk):
            for length in range(min(_MAX_TOKEN, len(chunk) - i), 1, -1):
                token = chunk[i : i + length]
                if token in _TOKEN_SET:
                    out.append(_ALIASES.get(token, token))
                    i += length
                    break
            else:
                bad = chunk[i : i + 2]
                raise UnknownModError(f"unknown mod {bad!r} in {text!r}", acronym=bad)
    return out


_MAX_BITMASK_DIGITS = 20  # legacy bitmasks are 32-bit; 20 digits leave room and stay cheap


def _bits_from_text(text: str) -> int:
    """A decimal bitmask string as an int; an absurdly long one (``int()`` refuses over 4,300
    digits with a bare ``ValueError``, and no mod bit is that high) is an `UnknownModError`."""
    digits = text.lstrip("0")
    if len(digits) > _MAX_BITMASK_DIGITS:
        raise UnknownModError(
            f"a legacy mod bitmask of {len(digits)} digits is far beyond any mod bit (they fit in 32 bits)"
        )
    return int(digits or "0")


def _mods_from_bits(bits: int, ruleset: Ruleset | None) -> list[Mod]:
    if bits < 0:
        raise UnknownModError(f"a legacy mod bitmask cannot be negative ({bits})")
    reverse = _RULESET_BIT_TO_ACRONYM[ruleset] if ruleset is not None else _BIT_TO_ACRONYM
    acronyms: list[str] = []
    rest = bits
    bit = 1
    while rest:
        if rest & bit:
            acr = reverse.get(bit)
            if acr is None:
                where = f" in {ruleset.value}" if ruleset is not None else ""
                raise UnknownModError(f"legacy mod bit {bit} (1 << {bit.bit_length() - 1}) has no mod{where}",
                                      acronym=None, ruleset=ruleset)
            acronyms.append(acr)
            rest &= ~bit
        bit <<= 1
    for implying, implied in LEGACY_IMPLIED.items():
        if implying in acronyms and implied in acronyms:
            acronyms.remove(implied)
    return [Mod(a) for a in acronyms]


def _mod_from_object(obj: Mapping[str, Any]) -> Mod:
    acronym = obj.get("acronym")
    if not isinstance(acronym, str) or not acronym.strip():
        raise ModError(f"a mod object needs a string 'acronym', got {obj!r}")
    extra = set(obj) - {"acronym", "settings"}
    if extra:
        raise ModError(f"unexpected key(s) {sorted(map(str, extra))} in mod object for {acronym}")
    settings = obj.get("settings")
    if settings is not None and not isinstance(settings, Mapping):
        raise InvalidModSettingError(
            f"settings of {acronym} must be an object, not {type(settings).__name__}",
            acronym=acronym,
            setting="",
        )
    return Mod(acronym, settings)


def _parse_items(value: Any, ruleset: Ruleset | None) -> tuple[list[Mod], _Form]:
    if value is None:
        return [], "api"
    if isinstance(value, Mods):
        return list(value), value._form
    if isinstance(value, Mod):
        return [value], "api"
    if isinstance(value, bool):
        raise ModError(f"cannot read mods from a bool ({value!r})")
    if isinstance(value, int):
        return _mods_from_bits(value, ruleset), "acronyms"
    if isinstance(value, str):
        text = value.strip()
        if text.isascii() and text.isdigit():
            return _mods_from_bits(_bits_from_text(text), ruleset), "acronyms"
        return [Mod(a) for a in _split_acronyms(text)], "acronyms"
    if isinstance(value, Mapping):
        return [_mod_from_object(value)], "api"
    if isinstance(value, (bytes, bytearray)):
        raise ModError("cannot read mods from bytes; decode them first")
    if isinstance(value, Iterable):
        mods: list[Mod] = []
        form: _Form = "acronyms"
        for item in value:
            if isinstance(item, Mod):
                mods.append(item)
                form = "api"
            elif isinstance(item, str):
                acr = _canonical(item)
                if acr not in _TOKEN_SET:
                    raise UnknownModError(f"unknown mod {item!r}", acronym=item, ruleset=ruleset)
                mods.append(Mod(acr))
            elif isinstance(item, Mapping):
                mods.append(_mod_from_object(item))
                form = "api"
            else:
                raise ModError(f"a mod must be an acronym string or an object, not {type(item).__name__}")
        return mods, form
    raise ModError(f"cannot read mods from {type(value).__name__}")


def _finite(value: float) -> bool:
    try:
        return math.isfinite(value)
    except OverflowError:  # an int too large for a float
        return False


def _check_setting(mod: Mod, name: str, value: Any, infos: list[ModInfo]) -> None:
    candidates = [info.settings[name] for info in infos if name in info.settings]
    if not candidates:
        where = f" in {infos[0].ruleset.value}" if len(infos) == 1 else ""
        known = sorted({s for info in infos for s in info.settings})
        hint = f" (known: {', '.join(known)})" if known else " (it has no settings)"
        raise InvalidModSettingError(
            f"{mod.acronym} has no setting {name!r}{where}{hint}", acronym=mod.acronym, setting=name
        )
    kind = candidates[0].type
    ok: bool
    if kind == "number":
        ok = isinstance(value, (int, float)) and not isinstance(value, bool) and _finite(value)
    elif kind == "boolean":
        ok = isinstance(value, bool)
    elif kind == "string":
        ok = isinstance(value, str) or (isinstance(value, int) and not isinstance(value, bool))
    else:  # a type osu-web adds later: accept scalars
        ok = isinstance(value, (str, int, float, bool))
    if not ok:
        raise InvalidModSettingError(
            f"setting {name!r} of {mod.acronym} must be a {kind}, not {reprlib.repr(value)}",
            acronym=mod.acronym,
            setting=name,
        )


def _validate(mods: Iterable[Mod], ruleset: Ruleset | None) -> None:
    seen: set[str] = set()
    acronyms: list[str] = []
    for mod in mods:
        acr = mod.acronym
        if ruleset is not None:
            info = _BY_RULESET[ruleset].get(acr)
            if info is None:
                elsewhere = [i.ruleset.value for i in _ANY.get(acr, [])]
                hint = f" (it exists in {', '.join(elsewhere)})" if elsewhere else ""
                raise UnknownModError(f"unknown mod {acr!r} for {ruleset.value}{hint}", acronym=acr, ruleset=ruleset)
            infos = [info]
        else:
            infos = _ANY.get(acr, [])
            if not infos:
                raise UnknownModError(f"unknown mod {acr!r}", acronym=acr)
        if acr in seen:
            raise DuplicateModError(f"mod {acr} is given twice", acronym=acr)
        seen.add(acr)
        for name, value in mod.settings.items():
            _check_setting(mod, name, value, infos)
        acronyms.append(acr)
    for i, a in enumerate(acronyms):
        for b in acronyms[i + 1 :]:
            if ruleset is not None:
                clash = b in _BY_RULESET[ruleset][a].incompatible or a in _BY_RULESET[ruleset][b].incompatible
            else:
                clash = frozenset((a, b)) in _UNIVERSAL_INCOMPATIBLE
            if clash:
                where = f" in {ruleset.value}" if ruleset is not None else ""
                raise IncompatibleModsError(f"{a} and {b} cannot be used together{where}", pair=(a, b))


def _order_key(ruleset: Ruleset | None) -> Any:
    order = _RULESET_ORDER[ruleset] if ruleset is not None else _ANY_ORDER

    def key(mod: Mod) -> tuple[int, int, str]:
        bit = _ANY_BITS.get(mod.acronym)
        if bit is not None:
            return (0, bit, mod.acronym)
        pos = order.get(mod.acronym, _ANY_ORDER.get(mod.acronym))
        if pos is not None:
            return (1, pos, mod.acronym)
        return (2, 0, mod.acronym)

    return key


# ----------------------------------------------------------------------------------------------
# Mods


_INTERN_LIMIT = 4096
_INTERNED: dict[bytes, Mods] = {}


def _json_key(value: Any) -> bytes:
    """The JSON text of ``value`` (member order kept): the interning key. msgspec is ~20x faster than json here."""
    import msgspec

    return msgspec.json.encode(value)


class Mods:
    """An immutable, hashable set of mods; equality ignores order and the form it was read from.

    Build one with [`parse`][osukit.game.mods.Mods.parse] (or the constructor, which is the same),
    [`from_legacy`][osukit.game.mods.Mods.from_legacy], or `_from_json` for API JSON:

    ```pycon
    >>> mods = Mods("HDDT")
    >>> "HD" in mods, mods.legacy, mods.speed_rate
    (True, 72, 1.5)
    >>> mods + "HR" == Mods.parse(["HR", "DT", "HD"])
    True
    >>> str(mods - "HD"), str(Mods())
    ('DT', 'NM')
    >>> mods.to_api()
    [{'acronym': 'HD'}, {'acronym': 'DT'}]

    ```

    Display order (``str``, iteration, [`to_api`][osukit.game.mods.Mods.to_api]): mods with a legacy bit in
    bitmask order, as osu-web lists them (``HDDT``, ``HDHR``), then the rest in
    osu!'s mod-select order.
    """

    __slots__ = ("_form", "_key", "_mods", "_raw", "_ruleset")

    _mods: tuple[Mod, ...]
    _ruleset: Ruleset | None
    _raw: Any
    _form: _Form
    _key: tuple[tuple[str, Any], ...]

    def __init__(self, value: ModsLike = None, ruleset: Ruleset | str | int | None = None) -> None:
        rs = Ruleset.parse(ruleset) if ruleset is not None else None
        mods, form = _parse_items(value, rs)
        _validate(mods, rs)
        self._init(mods, rs, value._raw if isinstance(value, Mods) else None, form)

    def _init(self, mods: Iterable[Mod], ruleset: Ruleset | None, raw: Any, form: _Form) -> None:
        ordered = tuple(sorted(mods, key=_order_key(ruleset)))
        object.__setattr__(self, "_mods", ordered)
        object.__setattr__(self, "_ruleset", ruleset)
        object.__setattr__(self, "_raw", raw)
        object.__setattr__(self, "_form", form)
        object.__setattr__(self, "_key", tuple(sorted((m._key for m in ordered), key=lambda k: (k[0], repr(k[1])))))

    @classmethod
    def _make(cls, mods: Iterable[Mod], ruleset: Ruleset | None, raw: Any = None, form: _Form = "api") -> Mods:
        self = cls.__new__(cls)
        self._init(mods, ruleset, raw, form)
        return self

    def __setattr__(self, name: str, value: object) -> None:
        raise AttributeError("Mods is immutable")

    def __reduce__(self) -> tuple[Any, ...]:  # pickling keeps the order, ruleset and the form osu! sent
        return (Mods._make, (self._mods, self._ruleset, self._raw, self._form))

    def __copy__(self) -> Mods:
        return self

    def __deepcopy__(self, memo: dict[int, Any]) -> Mods:
        return self

    # --- construction ---------------------------------------------------------------------

    @classmethod
    def parse(cls, value: ModsLike, ruleset: Ruleset | str | int | None = None) -> Mods:
        """Read mods from any common spelling and validate them.

        Accepts ``"HDDT"``, ``"+HDHR"``, ``"HD,DT"``, ``"HD DT"``, ``"NM"`` / ``""``,
        a decimal bitmask string (v1's ``"72"``), a bitmask int, a list of acronyms,
        a list of API mod objects (``[{"acronym": "DT", "settings": {...}}]``),
        [`Mod`][osukit.game.mods.Mod] objects, or another [`Mods`][osukit.game.mods.Mods].

        With ``ruleset`` every acronym must exist in that ruleset, settings must
        be ones it defines with values of the right type, and incompatible pairs
        are rejected. Without one, an acronym must exist in some ruleset and only
        pairs incompatible everywhere are rejected.

        Raises `ModError` (a ValueError) and nothing else on bad input:

        ```pycon
        >>> Mods.parse("HDDT", "osu")
        Mods('HDDT')
        >>> Mods.parse("EZHR")
        Traceback (most recent call last):
        ...
        osukit.game.mods.IncompatibleModsError: EZ and HR cannot be used together

        ```
        """
        return cls(value, ruleset)

    @classmethod
    def from_legacy(cls, bits: int | str, ruleset: Ruleset | str | int | None = None) -> Mods:
        """Mods for a stable bitmask (``enabled_mods``); NC drops its implied DT, PF its SD, CN its AT.

        Without ``ruleset`` the mania-only bits (keys, FI, RD, MR, DS) map as osu-web maps them.

            >>> Mods.from_legacy(72)
            Mods('HDDT')
            >>> Mods.from_legacy(16416)
            Mods('PF')
        """
        if isinstance(bits, bool) or not isinstance(bits, (int, str)):
            raise ModError(f"a legacy bitmask must be an int, not {type(bits).__name__}")
        if isinstance(bits, str):
            text = bits.strip()
            if not (text.isascii() and text.isdigit()):
                raise ModError(f"a legacy bitmask must be a decimal integer, not {bits!r:.60}")
            bits = _bits_from_text(text)
        rs = Ruleset.parse(ruleset) if ruleset is not None else None
        mods = _mods_from_bits(bits, rs)
        _validate(mods, rs)
        return cls._make(mods, rs, None, "acronyms")

    @classmethod
    def _from_json(cls, value: list[Any] | str | int) -> Mods:
        """Decode mods as the API sent them, never rejecting acronyms osukit does not know yet.

        Meant for a msgspec ``dec_hook``. The original form is remembered so that
        [`to_json_value`][osukit.game.mods.Mods.to_json_value] gives the same JSON back. Accepts a list of acronyms,
        a list of mod objects, or a v1 bitmask (int or decimal string).
        """
        if isinstance(value, (int, str)) and not isinstance(value, bool):
            mods, _ = _parse_items(value, None)
            return cls._make(mods, None, value, "acronyms")
        # Mods are immutable and responses repeat a handful of combinations: share one instance
        # per JSON form (a big saving when holding many scores; to_json_value copies on the way out).
        try:
            key = _json_key(value)
        except (TypeError, ValueError):
            key = None
        if key is not None:
            cached = _INTERNED.get(key)
            if cached is not None:
                return cached
        made = cls._from_json_uncached(value)
        if key is not None and len(_INTERNED) < _INTERN_LIMIT:
            _INTERNED[key] = made
        return made

    @classmethod
    def _from_json_uncached(cls, value: Any) -> Mods:
        if not isinstance(value, list):
            raise ModError(f"expected a list of mods, got {type(value).__name__}")
        items: list[Mod] = []
        form: _Form = "acronyms"
        for item in value:
            if isinstance(item, str):
                items.append(Mod(item))
            elif isinstance(item, Mapping) and isinstance(item.get("acronym"), str):
                settings = item.get("settings")
                items.append(Mod(item["acronym"], settings if isinstance(settings, Mapping) else None))
                form = "api"
            else:
                raise ModError(f"a mod must be an acronym string or an object with 'acronym', not {item!r}")
        return cls._make(items, None, copy.deepcopy(value), form)

    def to_json_value(self) -> Any:
        """The JSON value to send back: exactly what `_from_json` read, else the API form.

        For mods read from a list of acronyms (or a bitmask) and carrying no
        settings, that is a list of acronyms; otherwise [`to_api`][osukit.game.mods.Mods.to_api].
        """
        if self._raw is not None:
            return copy.deepcopy(self._raw)
        if self._form == "acronyms" and not any(m.settings for m in self._mods):
            return list(self.acronyms)
        return self.to_api()

    def validate(self, ruleset: Ruleset | str | int) -> Mods:
        """Check these mods against ``ruleset`` and return them bound to it (raises `ModError`).

        The result orders and names mods the way that ruleset does and uses its
        legacy bits; it remembers the same JSON form.

            >>> Mods("DA").validate("mania")
            Mods('DA')
        """
        rs = Ruleset.parse(ruleset)
        _validate(self._mods, rs)
        return self._make(self._mods, rs, self._raw, self._form)

    # --- views ----------------------------------------------------------------------------

    @property
    def ruleset(self) -> Ruleset | None:
        """The ruleset these mods were validated against, if any."""
        return self._ruleset

    @property
    def acronyms(self) -> tuple[str, ...]:
        """The acronyms in display order (``('HD', 'DT')``)."""
        return tuple(m.acronym for m in self._mods)

    @property
    def names(self) -> tuple[str, ...]:
        """The long names in display order (``('Hidden', 'Double Time')``)."""
        out = []
        for m in self._mods:
            info = m.info(self._ruleset) or m.info()
            out.append(info.name if info else m.acronym)
        return tuple(out)

    def format(self, sep: str = "", *, long: bool = False, nomod: str = "NM") -> str:
        """Acronyms (or long names with ``long=True``) joined by ``sep``; ``nomod`` when empty.

            >>> Mods("HDDT").format(",")
            'HD,DT'
            >>> Mods("HDDT").format(", ", long=True)
            'Hidden, Double Time'
        """
        parts = self.names if long else self.acronyms
        return sep.join(parts) if parts else nomod

    def to_api(self) -> list[dict[str, Any]]:
        """The mods as API v2 sends them: ``[{"acronym": "DT", "settings": {...}}]``, settings only if any."""
        return [m.to_api() for m in self._mods]

    @property
    def legacy(self) -> int:
        """The stable bitmask of the mods that have a bit (NC sets DT's too, PF SD's, CN AT's).

        Mods without a bit are left out; see [`without_legacy_bit`][osukit.game.mods.Mods.without_legacy_bit]. Bound to
        a ruleset ([`validate`][osukit.game.mods.Mods.validate], ``parse(..., ruleset)``) the ruleset's own
        bits apply (osu!'s lazer-only Mirror has none); unbound, mania's MR, RD,
        FI, DS and key bits apply everywhere, as osu-web stores them.
        """
        value = 0
        for m in self._mods:
            bit = self._bit(m.acronym)
            if bit is None:
                continue
            value |= bit
            implied = LEGACY_IMPLIED.get(m.acronym)
            if implied is not None:
                value |= self._bit(implied) or 0
        return value

    @property
    def without_legacy_bit(self) -> tuple[str, ...]:
        """Acronyms that [`legacy`][osukit.game.mods.Mods.legacy] cannot represent (e.g. ``CL``, ``DA``, ``DC``)."""
        return tuple(m.acronym for m in self._mods if self._bit(m.acronym) is None)

    def _bit(self, acronym: str) -> int | None:
        if self._ruleset is not None:
            info = _BY_RULESET[self._ruleset].get(acronym)
            return info.legacy_bit if info else None
        return _ANY_BITS.get(acronym)

    @property
    def speed_rate(self) -> float:
        """The playback rate the mods set: DT/NC 1.5 and HT/DC 0.75 unless ``speed_change`` says otherwise.

        Like osu!'s ``ModUtils.CalculateRateWithMods``, Wind Up/Down and Adaptive
        Speed count with their ``initial_rate``.

            >>> Mods("HT").speed_rate
            0.75
        """
        rate = 1.0
        for m in self._mods:
            name = "speed_change" if m.acronym in ("DT", "NC", "HT", "DC") else "initial_rate"
            if m.acronym not in ("DT", "NC", "HT", "DC", "WU", "WD", "AS"):
                continue
            value = m.get(name)
            if not (isinstance(value, (int, float)) and not isinstance(value, bool) and _finite(value)):
                value = Mod(m.acronym).get(name)  # a malformed value read leniently from JSON
            rate *= float(value)
        return rate

    @property
    def difficulty_adjust(self) -> DifficultyAdjust | None:
        """The Difficulty Adjust settings, or None without ``DA``.

            >>> Mods.parse([{"acronym": "DA", "settings": {"approach_rate": 11}}]).difficulty_adjust.approach_rate
            11.0
        """
        if "DA" not in self:
            return None
        s = self["DA"].settings

        def num(name: str) -> float | None:
            v = s.get(name)
            return float(v) if isinstance(v, (int, float)) and not isinstance(v, bool) else None

        return DifficultyAdjust(
            circle_size=num("circle_size"),
            approach_rate=num("approach_rate"),
            overall_difficulty=num("overall_difficulty"),
            drain_rate=num("drain_rate"),
            scroll_speed=num("scroll_speed"),
            hard_rock_offsets=bool(s.get("hard_rock_offsets", False)),
            extended_limits=bool(s.get("extended_limits", False)),
        )

    @property
    def classic(self) -> bool:
        """True when Classic (``CL``) is on; osu! adds it to every score imported from stable."""
        return "CL" in self

    # --- container protocol ---------------------------------------------------------------

    def __contains__(self, item: object) -> bool:
        if isinstance(item, Mod):
            return item in self._mods
        if isinstance(item, str):
            acr = _canonical(item)
            return any(m.acronym == acr for m in self._mods)
        return False

    def __getitem__(self, acronym: str) -> Mod:
        acr = _canonical(acronym)
        for m in self._mods:
            if m.acronym == acr:
                return m
        raise ModNotFoundError(f"{acronym!r} is not among these mods", acronym=acronym)

    def get(self, acronym: str) -> Mod | None:
        """The [`Mod`][osukit.game.mods.Mod] for ``acronym``, or None when absent."""
        try:
            return self[acronym]
        except KeyError:
            return None

    def __iter__(self) -> Iterator[Mod]:
        return iter(self._mods)

    def __len__(self) -> int:
        return len(self._mods)

    def __bool__(self) -> bool:
        return bool(self._mods)

    def __eq__(self, other: object) -> bool:
        if isinstance(other, Mods):
            return self._key == other._key
        return NotImplemented

    def __hash__(self) -> int:
        return hash(self._key)

    def __add__(self, other: ModsLike) -> Mods:
        """These mods plus ``other`` (a mod in both takes ``other``'s settings); validated."""
        added, _ = _parse_items(other, self._ruleset)
        replaced = {m.acronym for m in added}
        combined = [m for m in self._mods if m.acronym not in replaced] + added
        _validate(combined, self._ruleset)
        return self._make(combined, self._ruleset, None, self._form)

    def __radd__(self, other: ModsLike) -> Mods:
        return Mods(other, self._ruleset) + self

    def __sub__(self, other: ModsLike) -> Mods:
        """These mods without the acronyms in ``other`` (absent ones are ignored)."""
        removed = {m.acronym for m in _parse_items(other, self._ruleset)[0]}
        return self._make([m for m in self._mods if m.acronym not in removed], self._ruleset, None, self._form)

    def __repr__(self) -> str:
        if any(m.settings for m in self._mods):
            return f"Mods({self.to_api()!r})"
        return f"Mods({''.join(self.acronyms)!r})"

    def __str__(self) -> str:
        return self.format()


# ----------------------------------------------------------------------------------------------
# msgspec hooks


def mods_dec_hook(tp: Any, obj: Any) -> Any:
    """A msgspec ``dec_hook`` for [`Mods`][osukit.game.mods.Mods] fields (chain it in front of others).

        >>> import msgspec
        >>> msgspec.convert(["HD"], Mods, dec_hook=mods_dec_hook)
        Mods('HD')
    """
    if tp is Mods:
        try:
            return Mods._from_json(obj)
        except ModError as exc:  # msgspec turns ValueError/TypeError into ValidationError
            raise ValueError(str(exc)) from exc
    raise NotImplementedError(f"osukit.game.mods cannot decode {tp!r}")


def mods_enc_hook(obj: Any) -> Any:
    """A msgspec ``enc_hook`` that writes [`Mods`][osukit.game.mods.Mods] back as they were read ([`Mods.to_json_value`][osukit.game.mods.Mods.to_json_value])."""
    if isinstance(obj, Mods):
        return obj.to_json_value()
    if isinstance(obj, Mod):
        return obj.to_api()
    raise NotImplementedError(f"osukit.game.mods cannot encode {type(obj).__name__}")
