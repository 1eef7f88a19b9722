"""The model engine: msgspec Structs that decode fast, tolerate drift and dump losslessly.

Four promises, and how they are kept:

* **Fast.** Responses decode in one pass of ``msgspec.json.decode`` into
  Structs. Every model forbids unknown fields, so that pass fails the moment
  osu! sends something new, and only then...
* **Tolerant.** ...the body is decoded once more, and only the sub-objects
  msgspec names in its error pay for Python (the *scoped* decoding): a list is
  split at the failing item, an object is decoded again with the failing
  member left as raw JSON, and that member alone is looked at. Unknown members
  are kept (`unknown_fields`); a value whose type does not match its field
  (``null`` for a non-optional field included) keeps its raw JSON value, in the
  attribute and in `drifted_fields`, and is logged once per route and JSON
  path as a WARNING on the ``osukit.models`` logger. Everything else stays
  typed. With ``strict=True`` the first unknown or mismatched member raises
  [`DecodeError`][osukit.DecodeError] naming the route and JSON path instead.
* **Drift costs almost nothing.** osu-web's drift is persistent: once a field
  is added, every response has it. So the scoped decoding notes, per
  (model, route), what it met at which JSON path, and from the second drifted
  response of a route on, decodes with a *learnt variant* of the route's
  type: at each learnt path (and nowhere else) the model is replaced by a
  subclass with the same name that has a field for each learnt unknown member
  and the learnt JSON types added to each drifted field (``int`` becomes
  ``int | None``...; a field msgspec cannot widen that way is decoded as
  ``Any`` and converted by the variant's ``__post_init__``). Such a response
  is again one typed msgspec pass. Drift somewhere new fails the variant's
  pass: the scoped decoding takes that response, warns, and the variant
  learns it. A variant is per route, so a route that has not warned about a
  path never accepts drift there silently (a dict field's values, whose paths
  name their keys, are checked by the hook for keys not warned about yet).
* **Lossless.** `dump` gives back the JSON builtins as the API sent
  them: absent fields (``UNSET``) stay absent, ``null`` stays ``None``,
  unknown fields and drifted values come back, datetimes come back as the
  same instant.

A model instance that carries unknown or drifted members is an instance of a
subclass of its model (same name, ``isinstance`` holds, equal to a plain
instance with the same fields, ``repr`` as the model's). From the scoped
decoding it is a *carrier* that keeps them outside the model's fields; from a
learnt variant, unknown members are fields of their own JSON name (so
``msgspec.to_builtins`` and ``asdict`` show them as sent) and drift is read
from the variant's class. `unknown_fields`, `drifted_fields`, `dump`,
equality, pickling and copying treat both alike (pickles and copies are
carriers), and no internal marker reaches a value users or the game toolkit
see. Plain instances carry no extra memory.

Fields that a route includes only sometimes are typed ``X | UnsetType`` and
default to [`UNSET`][osukit.UNSET], which is distinct from ``None`` (JSON ``null``).
"""

from __future__ import annotations

import copy
import datetime as _dt
import enum
import logging
import re
import threading
import types
import typing
from collections.abc import Callable, Mapping
from functools import cache, lru_cache
from typing import Any, NamedTuple, TypeVar, Union

import msgspec
from msgspec import UNSET, UnsetType

from ._exceptions import DecodeError, InvalidParameterError

__all__ = ["UNSET", "Model", "UnsetType", "decode", "drifted_fields", "dump", "is_set", "unknown_fields"]

T = TypeVar("T")

logger = logging.getLogger("osukit.models")

_UNKNOWN_KEY = "_osukit_unknown"
_DRIFT_KEY = "_osukit_drift"


class _ModelMeta(msgspec.StructMeta):
    """Makes every model keyword-only, so required and optional fields can come in any order."""

    def __new__(mcls, name: str, bases: tuple[type, ...], namespace: dict[str, Any], **kwargs: Any) -> Any:
        kwargs.setdefault("kw_only", True)
        return super().__new__(mcls, name, bases, namespace, **kwargs)


class Model(
    msgspec.Struct,
    metaclass=_ModelMeta,
    kw_only=True,
    omit_defaults=True,
    forbid_unknown_fields=True,
    repr_omit_defaults=True,
    gc=False,
):
    """Base of every osukit model.

    Field names are the API's own. A field typed ``X | UnsetType`` is one the
    route may leave out; test it with `osukit.is_set`. Members osu! sent
    that the model does not know are in `osukit.unknown_fields`; values
    whose type did not match their field are in `osukit.drifted_fields`.
    """


def is_set(value: object) -> bool:
    """True unless ``value`` is [`UNSET`][osukit.UNSET] (a field the response did not include)."""
    return value is not UNSET


def _side(obj: object, key: str) -> dict[str, Any]:
    state = getattr(obj, "__dict__", None)
    if not state:
        return {}
    found = state.get(key)
    return found if isinstance(found, dict) else {}


def unknown_fields(obj: object) -> dict[str, Any]:
    """The members osu! sent on ``obj`` that osukit does not model, as raw JSON (empty when none)."""
    variant: _VariantInfo | None = type(obj).__dict__.get("_osukit_variant")
    if variant is not None:
        return variant.unknown(obj)
    return dict(_side(obj, _UNKNOWN_KEY))


def drifted_fields(obj: object) -> dict[str, Any]:
    """The fields of ``obj`` whose value did not match their type, as ``{JSON name: raw JSON value}``.

    Tolerant decoding keeps such a value as osu! sent it (the attribute holds
    the same raw value, e.g. ``None`` for a ``null`` in a non-optional field)
    and `dump` writes it back unchanged. Empty when none.
    """
    variant: _VariantInfo | None = type(obj).__dict__.get("_osukit_variant")
    if variant is not None:
        return variant.drifted(obj)
    return dict(_side(obj, _DRIFT_KEY))


class _VariantInfo(NamedTuple):
    """What a learnt variant adds to its model: where its unknown members and drifted values are."""

    extras: tuple[tuple[str, str], ...]
    """(attribute, JSON name) of each learnt unknown member."""
    typed: tuple[tuple[str, str, tuple[type, ...]], ...]
    """(attribute, JSON name, the Python types that mean drift) of each widened field."""
    converted: tuple[tuple[str, str, Any], ...]
    """(attribute, JSON name, declared type) of each field decoded as ``Any`` and converted by the hook."""
    strict: bool

    def unknown(self, obj: Any) -> dict[str, Any]:
        out: dict[str, Any] = {}
        for attr, wire in self.extras:
            value = getattr(obj, attr)
            if value is not UNSET:
                out[wire] = value
        return out

    def drifted(self, obj: Any) -> dict[str, Any]:
        out: dict[str, Any] = {}
        for attr, wire, kinds in self.typed:
            value = getattr(obj, attr)
            if type(value) in kinds:
                out[wire] = value
        for attr, wire, target in self.converted:
            value = getattr(obj, attr)
            if value is UNSET:
                continue
            try:  # the hook converted every value that fits (and it dumps back to one): one left as sent did not
                msgspec.convert(dump(value), target, strict=self.strict, dec_hook=_dec_hook)
            except msgspec.ValidationError:
                out[wire] = value
        return out


def _base_of(cls: type) -> type:
    """The model a carrier or learnt variant stands for (``cls`` itself for a model)."""
    base: type = cls.__dict__.get("_osukit_base", cls)
    return base


def _drift_methods(base: type) -> dict[str, Any]:
    """Equality, pickling and copying for a subclass of ``base`` that holds unknown or drifted members.

    Only ``base``'s own fields count (a learnt variant's extra fields stay out), and pickles and
    copies are carriers: what osu! sent survives without the variant class.
    """
    attrs = tuple(attr for attr, _ in _struct_fields(base)[1])

    def fields_of(obj: Any) -> dict[str, Any]:
        return {a: getattr(obj, a) for a in attrs}

    def state_of(obj: Any) -> dict[str, Any]:
        state = getattr(obj, "__dict__", None)
        if state:
            return dict(state)
        out: dict[str, Any] = {}
        unknown, drift = unknown_fields(obj), drifted_fields(obj)
        if unknown:
            out[_UNKNOWN_KEY] = unknown
        if drift:
            out[_DRIFT_KEY] = drift
        return out

    def __eq__(self: Any, other: object) -> bool:  # equal to a plain instance with the same fields
        if isinstance(other, base) and _base_of(type(other)) is base:
            return all(getattr(self, a) == getattr(other, a) for a in attrs)
        return NotImplemented

    def __reduce__(self: Any) -> tuple[Any, ...]:  # serialising and copying keep what osu! sent
        return (_rebuild_carrier, (base, fields_of(self), state_of(self)))

    def __copy__(self: Any) -> Any:
        return _rebuild_carrier(base, fields_of(self), state_of(self))

    def __deepcopy__(self: Any, memo: dict[int, Any]) -> Any:
        fields = copy.deepcopy(fields_of(self), memo)
        return _rebuild_carrier(base, fields, copy.deepcopy(state_of(self), memo))

    return {
        "__module__": base.__module__, "__qualname__": base.__qualname__, "__doc__": base.__doc__,
        "_osukit_base": base, "__eq__": __eq__, "__reduce__": __reduce__, "__copy__": __copy__,
        "__deepcopy__": __deepcopy__,
    }


@cache
def _carrier(cls: type) -> type:
    """The subclass of ``cls`` whose instances hold unknown and drifted members (a ``__dict__``)."""
    carrier: type = type(cls)(cls.__name__, (cls,), _drift_methods(cls), dict=True, gc=True)
    return carrier


def _rebuild_carrier(cls: type, fields: dict[str, Any], state: dict[str, Any]) -> Any:
    if not state:
        return cls(**fields)
    obj = _carrier(cls)(**fields)
    obj.__dict__.update(state)
    return obj


# --- hooks for custom leaf types -------------------------------------------------------------

_DecHook = Callable[[type, Any], Any]
_dec_hooks: dict[type, Callable[[Any], Any]] = {}


def register_type(cls: type[T], decode_fn: Callable[[Any], T]) -> None:
    """Teach the engine to build ``cls`` from its JSON value (used for ``Mods``, v1 strings…).

    ``cls`` must provide ``to_json_value()`` returning the JSON value it came from.
    """
    _dec_hooks[cls] = decode_fn
    _decoders.cache_clear()


def _dec_hook(tp: type, value: Any) -> Any:
    fn = _dec_hooks.get(tp)
    if fn is None:
        for base, f in _dec_hooks.items():
            if isinstance(tp, type) and issubclass(tp, base):
                fn = f
                break
    if fn is None:
        raise NotImplementedError(f"osukit cannot decode type {tp!r}")
    return fn(value)


@lru_cache(maxsize=512)
def _decoders(tp: Any, lax: bool = False) -> msgspec.json.Decoder[Any]:
    return msgspec.json.Decoder(tp, dec_hook=_dec_hook, strict=not lax)


# --- decoding ----------------------------------------------------------------------------------

_AT_RE = re.compile(r" - at `(?P<path>[^`]*)`$")
_EXPECTED_RE = re.compile(r"^Expected `(?P<exp>[^`]*)`")
_UNKNOWN_RE = re.compile(r"^Object contains unknown field `(?P<key>.*)`$", re.S)
_MISSING_RE = re.compile(r"^Object missing required field `(?P<key>.*)`$", re.S)
_TOKEN_RE = re.compile(r"^(?:\.(?P<key>[^.\[]*)|\[(?P<index>\d+|\.\.\.)\])")

_warned: set[tuple[str | None, str]] = set()

_HOT_LIFE = 32
"""How many decodings without drift a type that drifted keeps its learnt plan for."""
_hot: dict[tuple[Any, bool], int] = {}
"""Types (with ``lax``) that drifted lately -> decodings left before the typed first pass is tried again."""
_plans: dict[tuple[Any, bool], tuple[frozenset[str], bool]] = {}
"""Per model class: the members last left raw, and whether it had unknown members (the next decoding's plan)."""


def _cool(key: tuple[Any, bool]) -> None:
    left = _hot.get(key, 0) - 1
    if left <= 0:
        _hot.pop(key, None)
        _plans.pop(key, None)
    else:
        _hot[key] = left


def decode(
    data: bytes | str,
    tp: type[T] | Any,
    *,
    strict: bool = False,
    route: str | None = None,
    lax: bool = False,
    choose: Callable[[str, bytes | str], Any] | None = None,
) -> T:
    """Decode a JSON body into ``tp`` (a model, ``list[Model]``, ...).

    Unknown fields are kept and values of the wrong type kept raw
    (``strict=False``, see the module docs), or reported as a
    `DecodeError` naming the JSON path (``strict=True``). A body that is
    not JSON, or whose top-level value has the wrong type, raises
    `DecodeError`. ``lax=True`` accepts numbers and booleans sent as
    strings (API v1). ``choose``, given msgspec's error and the body when the
    first pass fails, may name another model that fits the body better (a
    score's legacy shape); given ``""`` as the error, it must answer cheaply
    from the bytes alone (``None`` when it cannot tell, and then the typed pass
    is tried first).
    """
    target: Any = tp
    if not strict:
        variant = _variants.get((target, lax, route))
        if variant is not None and (choose is None or choose("", data) == target):
            # This route drifted the same way before: one typed pass with what was learnt.
            try:
                learnt_result: T = variant.decode(data)
                return learnt_result
            except (msgspec.DecodeError, ValueError, TypeError, NotImplementedError, RecursionError):
                pass  # drift somewhere new (learnt below), or a broken body (reported below)
    if not strict and (target, lax) in _hot and (choose is None or choose("", data) == target):
        # This type drifted lately: go straight to the scoped decoding, with what it learnt.
        hot_result: T = _scoped(data, target, route, lax, None)
        return hot_result
    try:
        result: T = _decoders(target, lax).decode(data)
        return result
    except msgspec.ValidationError as exc:
        err = str(exc)
    except msgspec.DecodeError as exc:
        raise DecodeError(f"response is not valid JSON: {exc}", route=route, excerpt=_excerpt(data)) from None
    except RecursionError:
        raise DecodeError("response is nested too deeply", route=route, excerpt=_excerpt(data)) from None
    except (ValueError, TypeError, NotImplementedError) as exc:
        # UnicodeDecodeError (invalid UTF-8) is a ValueError too.
        raise DecodeError(f"response could not be decoded: {exc}", route=route, excerpt=_excerpt(data)) from None
    if choose is not None:
        chosen = choose(err, data)
        if chosen is not None and chosen != target:
            target = chosen
            try:
                chosen_result: T = _decoders(target, lax).decode(data)
                return chosen_result
            except msgspec.ValidationError as exc:
                err = str(exc)
            except RecursionError:
                raise DecodeError("response is nested too deeply", route=route, excerpt=_excerpt(data)) from None
    if strict:
        raise _strict_error(err, "$", target, route, _excerpt(data))
    converted: T = _scoped(data, target, route, lax, err)
    return converted


def _scoped(data: bytes | str, tp: Any, route: str | None, lax: bool, err: str | None) -> Any:
    """The scoped decoding of a body msgspec refused with ``err`` (see `_Scoped.slow`), and what it learnt kept."""
    scoped = _Scoped(route, lax, _excerpt(data))
    result = scoped.top(data.encode() if isinstance(data, str) else data, tp, err)
    _learn((tp, lax, route), scoped.learnt)
    return result


def _plain(data: bytes | str, route: str | None) -> Any:
    try:
        return msgspec.json.decode(data)
    except RecursionError:
        raise DecodeError("response is nested too deeply", route=route, excerpt=_excerpt(data)) from None
    except (msgspec.DecodeError, ValueError) as exc:
        raise DecodeError(f"response is not valid JSON: {exc}", route=route, excerpt=_excerpt(data)) from None


def convert(
    raw: Any,
    tp: type[T] | Any,
    *,
    strict: bool = False,
    route: str | None = None,
    excerpt: str | None = None,
    lax: bool = False,
) -> T:
    """Build ``tp`` from JSON builtins with the same rules as [`decode`][osukit._models.decode]."""
    try:
        data = msgspec.json.encode(raw)
    except (TypeError, ValueError, RecursionError) as exc:
        raise DecodeError(f"value is not JSON: {exc}", route=route, excerpt=excerpt) from None
    result: T = decode(data, tp, strict=strict, route=route, lax=lax)
    return result


def _excerpt(data: bytes | str, n: int = 120) -> str:
    if isinstance(data, bytes):
        return data[:n].decode("utf-8", "replace")
    return data[:n]


def unknown_member(err: str) -> str | None:
    """The member msgspec's error says is unknown, if that is what it says."""
    found = _UNKNOWN_RE.match(_split_error(err)[0])
    return found.group("key") if found is not None else None


def _split_error(err: str) -> tuple[str, str]:
    """msgspec's error text -> (message, path relative to the converted value, ``""`` for the value itself)."""
    m = _AT_RE.search(err)
    if m is None:
        return err, ""
    return err[: m.start()], m.group("path")[1:]


def _strict_error(err: str, base: str, tp: Any, route: str | None, excerpt: str | None) -> DecodeError:
    msg, rel = _split_error(err)
    path = base + rel
    unknown = _UNKNOWN_RE.match(msg)
    if unknown is not None:
        key = unknown.group("key")
        return DecodeError(
            f"unknown field {key!r} (osu! sent a field osukit does not know)",
            route=route, path=f"{path}.{key}", excerpt=excerpt,
        )
    missing = _MISSING_RE.match(msg)
    if missing is not None:
        key = missing.group("key")
        return DecodeError(f"missing required field {key!r}", route=route, path=f"{path}.{key}", excerpt=excerpt)
    e = _EXPECTED_RE.search(msg)
    return DecodeError(msg, route=route, path=path, expected=e.group("exp") if e else _tname(tp), excerpt=excerpt)


class _Drift(Exception):
    """A value whose JSON type does not fit its place (handled by the enclosing field or item)."""


class _Inexpressible(Exception):
    """What was learnt about a model cannot make a variant of it (an unknown member that cannot be a field)."""


class _Learnt:
    """What drifted at one JSON path: unknown members, JSON types that did not fit, missing members."""

    __slots__ = ("kinds", "missing", "unknown")

    def __init__(self) -> None:
        self.unknown: set[str] = set()
        self.kinds: set[str] = set()
        self.missing: set[str] = set()

    def merge(self, other: _Learnt) -> bool:
        """Add what ``other`` learnt; whether anything was new."""
        size = len(self.unknown) + len(self.kinds) + len(self.missing)
        self.unknown |= other.unknown
        self.kinds |= other.kinds
        self.missing |= other.missing
        return len(self.unknown) + len(self.kinds) + len(self.missing) != size


# --- learnt variants ----------------------------------------------------------------------------

_VARIANT_ROUTES = 256
"""How many (type, lax, route) decodings keep what they learnt (oldest forgotten first)."""
_VARIANT_PATHS = 512
"""A decoding that drifted at more JSON paths than this is left to the scoped decoding."""
_LearnKey = tuple[Any, bool, "str | None"]
_learnt: dict[_LearnKey, dict[str, _Learnt]] = {}
"""Per (type, lax, route): every JSON path where drift was met (and warned about) so far."""
_variants: dict[_LearnKey, msgspec.json.Decoder[Any] | None] = {}
"""Per (type, lax, route): a decoder for the learnt variant of the type (see `_variant_decoder`),
``None`` when what was learnt cannot be expressed as one."""


_learning = threading.Lock()
"""Learning is rare (a response that drifted somewhere new): one thread at a time."""


def _learn(key: _LearnKey, found: dict[str, _Learnt]) -> None:
    """Keep what a scoped decoding met; from the second drifted response on, build the learnt variant."""
    if not found:
        return
    with _learning:
        _learn_locked(key, found)


def _learn_locked(key: _LearnKey, found: dict[str, _Learnt]) -> None:
    known = _learnt.get(key)
    if known is None:
        while len(_learnt) >= _VARIANT_ROUTES:
            oldest = next(iter(_learnt))
            _learnt.pop(oldest, None)
            _variants.pop(oldest, None)
        # Drift met once may be a one-off: the variant is built when the route drifts again.
        _learnt[key] = found
        return
    grew = False
    for path, learnt in found.items():
        mine = known.get(path)
        if mine is None:
            known[path] = learnt
            grew = True
        else:
            grew = mine.merge(learnt) or grew
    if not grew and key in _variants:
        return
    _variants[key] = _variant_decoder(key[0], key[1], key[2], known) if len(known) <= _VARIANT_PATHS else None


def _variant_decoder(
    tp: Any, lax: bool, route: str | None, learnt: dict[str, _Learnt]
) -> msgspec.json.Decoder[Any] | None:
    """A decoder for ``tp`` that accepts, at each learnt JSON path and nowhere else, what drifted there.

    Each model on a learnt path is replaced by a variant: a subclass (same name, ``isinstance``
    holds) with an extra field per learnt unknown member and the learnt JSON types added to its
    drifted fields. What its instances carry is read through the class's ``_osukit_variant``
    (`_VariantInfo`), so `unknown_fields`, `drifted_fields`, `dump`, equality, pickling
    and ``repr`` see no difference from a carrier. A dict field (whose values' paths name their keys) takes the
    JSON types learnt at any of its keys, and its model's ``__post_init__`` warns about a key
    not warned about yet. ``None`` when nothing learnt can be expressed.
    """
    prefixes: set[str] = set()
    for path in learnt:
        prefixes.add(path)
        prefixes.update(path[:i] for i, ch in enumerate(path) if ch in ".[")
    vt = _Vary(learnt, frozenset(prefixes), lax, route).vary(tp, "$")
    if vt is tp:
        return None
    try:
        return msgspec.json.Decoder(vt, dec_hook=_dec_hook, strict=not lax)
    except (TypeError, ValueError):
        return None


_KIND_TYPES: dict[str, tuple[type, Any]] = {
    "null": (type(None), type(None)),
    "boolean": (bool, bool),
    "integer": (int, int),
    "number": (float, float),
    "string": (str, str),
    "object": (dict, dict[str, Any]),
    "array": (list, list[Any]),
}
"""JSON type (as `_jtype` names it) -> (the Python type a drifted value has, the type that accepts it)."""


def _union(members: tuple[Any, ...]) -> Any:
    union: Any = Union
    return union[members]


class _Vary:
    """Builds the learnt variant of a type, following the JSON paths of what was learnt."""

    __slots__ = ("dicts", "lax", "learnt", "prefixes", "route")

    def __init__(self, learnt: dict[str, _Learnt], prefixes: frozenset[str], lax: bool, route: str | None) -> None:
        self.learnt = learnt
        self.prefixes = prefixes
        self.lax = lax
        self.route = route
        self.dicts: dict[str, tuple[tuple[type, ...], Any]] = {}
        """Dict fields whose values were widened, by JSON path: (the types added, the values' type)."""

    def vary(self, tp: Any, path: str, field: bool = False) -> Any:
        if path not in self.prefixes:
            return tp
        k = _kind(tp)
        if k.kind == "struct":
            return self.struct(k.struct, path)
        if k.kind == "list":
            item, _added = self.widened(k.item, f"{path}[]")
            return tp if item is k.item else types.GenericAlias(list, (item,))
        if k.kind == "union":
            members = _union_members(tp) or ()
            varied = tuple(self.vary(m, path, field) for m in members)
            if all(a is b for a, b in zip(varied, members, strict=True)):
                return tp
            return _union(varied)
        if k.kind == "dict" and field:
            # Its values' paths name their keys: the types learnt at any key, checked by the model's hook.
            kinds: set[str] = set()
            head = f"{path}."
            for learnt_path, learnt in self.learnt.items():
                if learnt_path.startswith(head) and not any(ch in ".[" for ch in learnt_path[len(head):]):
                    kinds |= learnt.kinds
            if not kinds:
                return tp
            item, added, _left = self.widen(k.item, kinds)
            if not added:
                return tp
            args = typing.get_args(tp)
            self.dicts[path] = (added, k.item)
            return types.GenericAlias(dict, (args[0] if args else str, item))
        return tp  # a leaf, or a dict elsewhere than in a field (left to the scoped decoding)

    def widened(self, tp: Any, path: str, field: bool = False) -> tuple[Any, tuple[type, ...]]:
        """The variant of ``tp`` at ``path``, with the JSON types learnt there added; and those types.

        For a field whose learnt JSON types msgspec cannot tell apart from its type (a ``null``
        inside a ``dict[str, int]``, a string in an enum), ``(Any, ())``: its model's hook
        converts the value and keeps it raw when that fails.
        """
        varied = self.vary(tp, path, field)
        learnt = self.learnt.get(path)
        if learnt is None or not learnt.kinds:
            return varied, ()
        wide, added, left = self.widen(varied, learnt.kinds)
        if left and field and varied is tp and not _has_struct(tp):
            return Any, ()
        return wide, added

    def widen(self, varied: Any, kinds: set[str]) -> tuple[Any, tuple[type, ...], bool]:
        """``varied`` accepting the JSON ``kinds`` too, as far as msgspec can tell them apart.

        Returns it, the Python types added, and whether some kind could not be added.
        """
        members = _union_members(varied) or (varied,)
        have = {typing.get_origin(m) or m for m in members}
        wide = varied
        added: list[type] = []
        left = False
        for kind in sorted(kinds):
            py, accept = _KIND_TYPES.get(kind, (None, None))
            if py is None or py in have or (self.lax and py is str):
                left = True  # (API v1 sends numbers as strings: a str member would take them as they are)
                continue
            candidate = _union((wide, accept))
            try:
                msgspec.json.Decoder(candidate, dec_hook=_dec_hook)
            except (TypeError, ValueError):
                left = True  # msgspec cannot tell it apart from the field's type
                continue
            wide = candidate
            added.append(py)
        return wide, tuple(added), left

    def struct(self, cls: type, path: str) -> type:
        info = _struct_info(cls)
        learnt = self.learnt.get(path)
        missing = learnt.missing if learnt is not None else set()
        changes: list[tuple[str, str, Any, bool]] = []
        widened: list[tuple[str, str, tuple[type, ...], Any]] = []
        checks: list[tuple[str, str, tuple[type, ...], Any]] = []
        for wire, (attr, ftype, required) in info.by_wire.items():
            sub = f"{path}.{wire}"
            optional = required and wire in missing
            if sub not in self.prefixes and not optional:
                continue
            nt, added = self.widened(ftype, sub, field=True)
            if nt is ftype and not optional:
                continue
            if optional and nt is not Any:
                nt = _union((nt, UnsetType))
            changes.append((attr, wire, nt, optional))
            if added:
                widened.append((attr, wire, added, None))
            elif nt is Any:
                widened.append((attr, wire, (), ftype))
            if sub in self.dicts:
                checks.append((attr, sub, *self.dicts[sub]))
        unknown = tuple(sorted(learnt.unknown)) if learnt is not None else ()
        if not changes and not unknown:
            return cls
        try:
            return _variant_class(cls, tuple(changes), tuple(widened), unknown,
                                  (self.route, tuple(checks)) if checks else None, not self.lax)
        except (_Inexpressible, TypeError, ValueError):
            return cls


@lru_cache(maxsize=4096)
def _variant_class(
    base: type,
    changes: tuple[tuple[str, str, Any, bool], ...],
    widened: tuple[tuple[str, str, tuple[type, ...], Any], ...],
    unknown: tuple[str, ...],
    checks: tuple[str | None, tuple[tuple[str, str, tuple[type, ...], Any], ...]] | None,
    strict: bool,
) -> type:
    """The learnt variant of ``base``: fields retyped (``changes``), drift types noted, unknown members as fields.

    ``checks``: the route, and the dict fields whose values were widened (attribute, JSON path,
    types added, the values' type): a drifted value at a key not warned about yet is warned about.
    """
    ns = _drift_methods(base)
    annotations: dict[str, Any] = {}
    fields = {f.name: f for f in msgspec.structs.fields(base)}  # built once per variant class
    changed = {attr: (nt, optional) for attr, _wire, nt, optional in changes}
    # Every field is declared again with its resolved type, so msgspec does not evaluate the
    # model's postponed annotations once more for each new variant.
    for attr, f in fields.items():
        nt, optional = changed.get(attr, (f.type, False))
        annotations[attr] = nt
        if optional:
            ns[attr] = msgspec.field(default=UNSET, name=f.encode_name)
        elif f.default_factory is not msgspec.NODEFAULT:
            ns[attr] = msgspec.field(default_factory=f.default_factory, name=f.encode_name)
        elif f.default is not msgspec.NODEFAULT:
            ns[attr] = msgspec.field(default=f.default, name=f.encode_name)
        else:
            ns[attr] = msgspec.field(name=f.encode_name)
    extras: list[tuple[str, str]] = []
    for key in unknown:
        # A field under its own name: ``msgspec.to_builtins`` and ``asdict`` show it as osu! sent it.
        if not key.isidentifier() or key.startswith("__") or key in annotations or hasattr(base, key):
            raise _Inexpressible(key)  # left to the scoped decoding
        annotations[key] = Any
        ns[key] = msgspec.field(default=UNSET, name=key)
        extras.append((key, key))
    ns["__annotations__"] = annotations
    typed = tuple((attr, wire, kinds) for attr, wire, kinds, target in widened if target is None)
    converted = tuple((attr, wire, target) for attr, wire, _kinds, target in widened if target is not None)
    if extras or widened:
        ns["_osukit_variant"] = _VariantInfo(tuple(extras), typed, converted, strict)
        plain = base

        def __repr__(self: Any) -> str:  # the model's own repr: no unknown member among the fields
            return repr(plain(**{a: getattr(self, a) for a, _ in _struct_fields(plain)[1]}))

        def __rich_repr__(self: Any) -> Any:
            for a, _ in _struct_fields(plain)[1]:
                value = getattr(self, a)
                if value is not UNSET:
                    yield a, value

        ns["__repr__"] = __repr__
        ns["__rich_repr__"] = __rich_repr__
    if converted or checks is not None:
        ns["__post_init__"] = _variant_hook(converted, checks, strict)
    return type(base)(base.__name__, (base,), ns)


def _variant_hook(
    converted: tuple[tuple[str, str, Any], ...],
    checks: tuple[str | None, tuple[tuple[str, str, tuple[type, ...], Any], ...]] | None,
    strict: bool,
) -> Callable[[Any], None]:
    """``__post_init__`` of a variant that has fields msgspec could not widen or dict fields to check.

    Converts each field decoded as ``Any`` to its declared type (left as sent when it does not
    fit: `drifted_fields` finds it), and warns about drifted values at dict keys not warned
    about yet. Most variants have neither, and no hook: their instances cost what the model's do.
    """
    route, dict_checks = checks if checks is not None else (None, ())

    def __post_init__(self: Any) -> None:
        for attr, path, kinds, item in dict_checks:
            values = getattr(self, attr)
            if type(values) is dict:
                for key, value in values.items():
                    if type(value) in kinds:
                        _warn(route, f"{path}.{key}", item, value)
        for attr, _wire, target in converted:
            value = getattr(self, attr)
            if value is not UNSET:
                try:
                    setattr(self, attr, msgspec.convert(value, target, strict=strict, dec_hook=_dec_hook))
                except msgspec.ValidationError:
                    pass  # kept as sent: drifted

    return __post_init__


class _Kind(NamedTuple):
    kind: str  # "leaf", "struct", "union", "list", "dict"
    struct: Any = None
    members: tuple[Any, ...] = ()  # union: (object member, array member)
    item: Any = None


@lru_cache(maxsize=2048)
def _kind(tp: Any) -> _Kind:
    if tp is Any or tp is object or not _has_struct(tp):
        return _Kind("leaf")
    if isinstance(tp, type) and issubclass(tp, msgspec.Struct):
        return _Kind("struct", struct=tp)
    members = _union_members(tp)
    if members is not None:
        obj_member: Any = None
        arr_member: Any = None
        for m in members:
            origin = typing.get_origin(m) or m
            if obj_member is None and (
                (isinstance(origin, type) and issubclass(origin, msgspec.Struct)) or origin in (dict, Mapping)
            ):
                obj_member = m
            elif arr_member is None and origin is list:
                arr_member = m
        return _Kind("union", members=(obj_member, arr_member))
    origin = typing.get_origin(tp)
    args = typing.get_args(tp)
    if origin is list:
        return _Kind("list", item=args[0] if args else Any)
    if origin in (dict, Mapping) or origin is typing.Mapping:
        return _Kind("dict", item=args[1] if len(args) == 2 else Any)
    return _Kind("leaf")


class _StructInfo(NamedTuple):
    by_wire: dict[str, tuple[str, Any, bool]]
    attrs: tuple[str, ...]
    required: tuple[str, ...]


@lru_cache(maxsize=1024)
def _struct_info(cls: type) -> _StructInfo:
    by_wire, order = _struct_fields(cls)
    attrs = tuple(attr for attr, _ in order)
    required = tuple(attr for attr, _t, req in by_wire.values() if req)
    return _StructInfo(by_wire, attrs, required)


_RAW_LIST = list[msgspec.Raw]
_RAW_DICT = dict[str, msgspec.Raw]


@lru_cache(maxsize=2048)
def _raw_twin(cls: type, raw_keys: frozenset[str], lax: bool) -> msgspec.json.Decoder[Any]:
    """A decoder for ``cls`` with every field optional and the members ``raw_keys`` left as raw JSON."""
    by_wire, order = _struct_fields(cls)
    fields: list[tuple[str, Any, Any]] = []
    rename: dict[str, str] = {}
    for attr, wire in order:
        ftype = msgspec.Raw if wire in raw_keys else by_wire[wire][1]
        fields.append((attr, Union[ftype, UnsetType], UNSET))  # noqa: UP007
        if attr != wire:
            rename[attr] = wire
    twin = msgspec.defstruct(cls.__name__, fields, kw_only=True, forbid_unknown_fields=True, rename=rename or None)
    return msgspec.json.Decoder(twin, dec_hook=_dec_hook, strict=not lax)


@lru_cache(maxsize=4096)
def _key_json(key: str) -> bytes:
    return msgspec.json.encode(key)


def _first_byte(data: Any) -> int:
    """The first byte of a JSON value that is not whitespace (0 when none)."""
    view = memoryview(data)
    for i in range(min(len(view), 64)):
        b = view[i]
        if b not in b" \t\r\n":
            return int(b)
    return 0


class _Scoped:
    """Decodes a body msgspec refused, re-decoding only the sub-objects its errors name.

    Works on bytes: a list is split into its items' raw JSON (``msgspec.Raw``, a
    scan that builds nothing) at the first refused item, an object is decoded
    again with the refused members left as raw JSON, and only those are looked
    at. Members msgspec accepts are decoded once more at most.
    """

    __slots__ = ("excerpt", "found", "lax", "learnt", "route")

    def __init__(self, route: str | None, lax: bool, excerpt: str | None) -> None:
        self.route = route
        self.lax = lax
        self.excerpt = excerpt
        self.found = 0
        """How many refusals were met so far (a type that drifted lately and meets none cools down)."""
        self.learnt: dict[str, _Learnt] = {}
        """What drifted, per JSON path (what a learnt variant of the response's type will accept)."""

    def learn(self, path: str) -> _Learnt:
        found = self.learnt.get(path)
        if found is None:
            found = self.learnt[path] = _Learnt()
        return found

    def drifted(self, value: Any, path: str, tp: Any) -> Any:
        """``value`` (raw JSON builtins), which does not fit ``tp`` at ``path``: warned about, and learnt."""
        _warn(self.route, path, tp, value)
        self.learn(path).kinds.add(_jtype(value))
        return value

    def top(self, data: bytes, tp: Any, err: str | None) -> Any:
        try:
            return self.slow(data, tp, "$", err)
        except _Drift:
            e = _EXPECTED_RE.search(err or "")
            try:
                got = _jtype(msgspec.json.decode(data))
            except RecursionError:
                raise DecodeError("response is nested too deeply", route=self.route, excerpt=self.excerpt) from None
            except (msgspec.DecodeError, ValueError) as exc:
                raise DecodeError(f"response is not valid JSON: {exc}", route=self.route,
                                  excerpt=self.excerpt) from None
            raise DecodeError(
                f"the response is {got}, not what the route returns",
                route=self.route, path="$", expected=e.group("exp") if e else _tname(tp), excerpt=self.excerpt,
            ) from None
        except RecursionError:
            raise DecodeError("response is nested too deeply", route=self.route, excerpt=self.excerpt) from None
        except msgspec.DecodeError as exc:
            raise DecodeError(f"response is not valid JSON: {exc}", route=self.route, excerpt=self.excerpt) from None
        except (TypeError, ValueError, NotImplementedError) as exc:
            raise DecodeError(f"response could not be decoded: {exc}", route=self.route,
                              excerpt=self.excerpt) from None

    def dec(self, data: Any, tp: Any, path: str) -> Any:
        if (tp, self.lax) in _hot:
            return self.slow(data, tp, path, None)
        try:
            return _decoders(tp, self.lax).decode(data)
        except msgspec.ValidationError as exc:
            err = str(exc)  # outside the except block: no frame <-> exception cycle keeps the body alive
        except (TypeError, ValueError, NotImplementedError):
            raise _Drift from None
        self.found += 1
        return self.slow(data, tp, path, err)

    def slow(self, data: Any, tp: Any, path: str, err: str | None) -> Any:
        """Decode what the typed pass refused with ``err`` (``None``: a type that drifted lately, not tried)."""
        k = _kind(tp)
        key = (tp, self.lax)
        if err is not None:
            if k.kind != "leaf":
                _hot[key] = _HOT_LIFE
        elif k.kind in ("struct", "list"):
            before = self.found
            result = self.slow(data, tp, path, "")  # "": decode with the plan, no refusal to start from
            if self.found == before:
                _cool(key)
            return result
        if k.kind == "struct":
            if _first_byte(data) != 0x7B:  # {
                raise _Drift
            return self.struct(data, k.struct, path, err or None)
        if k.kind == "union":
            first = _first_byte(data)
            member = k.members[0] if first == 0x7B else k.members[1] if first == 0x5B else None
            if member is None:
                if err is None:
                    try:  # e.g. null in an optional member: nothing drifted
                        return _decoders(tp, self.lax).decode(data)
                    except msgspec.ValidationError:
                        pass
                raise _Drift
            if err is None:
                _cool(key)
            return self.dec(data, member, path)
        if k.kind == "list":
            if _first_byte(data) != 0x5B:  # [
                raise _Drift
            return self.items(data, k.item, tp, path, err or None)
        if k.kind == "dict":
            if _first_byte(data) != 0x7B:
                raise _Drift
            out: dict[Any, Any] = {}
            for key, raw in _decoders(_RAW_DICT, self.lax).decode(data).items():
                sub = f"{path}.{key}"
                try:
                    out[key] = self.dec(raw, k.item, sub)
                except _Drift:
                    out[key] = self.drifted(msgspec.json.decode(raw), sub, k.item)
            return out
        raise _Drift

    def items(self, data: Any, item: Any, tp: Any, path: str, err: str | None) -> list[Any]:
        first = 0
        if err is not None:
            _msg, rel = _split_error(err)
            m = _TOKEN_RE.match(rel)
            first = int(m.group("index")) if m is not None and m.group("index") not in (None, "...") else 0
        raws = _decoders(_RAW_LIST, self.lax).decode(data)
        out: list[Any] = _decoders(tp, self.lax).decode(b"[" + b",".join(raws[:first]) + b"]") if first else []
        decoder = _decoders(item, self.lax)
        sub = f"{path}[]"  # paths name the place, not the item: one warning per place
        for i in range(first, len(raws)):
            raw = raws[i]
            # Items are always tried typed first: most of a drifting list's items do not drift.
            try:
                out.append(decoder.decode(raw))
                continue
            except msgspec.ValidationError as exc:
                item_err = str(exc)
            except (TypeError, ValueError, NotImplementedError):
                item_err = ""
            self.found += 1
            try:
                out.append(self.slow(raw, item, sub, item_err) if item_err else _raise_drift())
            except _Drift:
                out.append(self.drifted(msgspec.json.decode(raw), sub, item))
        return out

    def struct(self, data: Any, cls: Any, path: str, err: str | None) -> Any:
        info = _struct_info(cls)
        plan_key = (cls, self.lax)
        planned = _plans.get(plan_key) if err is None else None
        raw_keys: set[str] = set(planned[0]) if planned else set()
        unknown: dict[str, Any] = {}
        split = bool(planned and planned[1])
        body = data
        if split:
            body, unknown = self.split_unknown(data, info, path)
        if err is None:
            # A model that drifted lately: decode its twin with what was learnt, then see.
            try:
                twin = _raw_twin(cls, frozenset(raw_keys), self.lax).decode(body)
                err = ""
            except msgspec.ValidationError as exc:
                err = str(exc)
                self.found += 1
        while err:
            msg, rel = _split_error(err)
            if not rel:
                if _UNKNOWN_RE.match(msg) is not None and not split:
                    body, unknown = self.split_unknown(data, info, path)
                    split = True
                elif _MISSING_RE.match(msg) is None:
                    raise _Drift
            else:
                m = _TOKEN_RE.match(rel)
                key = m.group("key") if m is not None else None
                if key is None or key not in info.by_wire or key in raw_keys:
                    raise _Drift
                raw_keys.add(key)
            try:
                twin = _raw_twin(cls, frozenset(raw_keys), self.lax).decode(body)
                break
            except msgspec.ValidationError as exc:
                err = str(exc)
        _plans[plan_key] = (frozenset(raw_keys), bool(unknown))
        kwargs = {a: v for a, v in zip(info.attrs, msgspec.structs.astuple(twin), strict=True) if v is not UNSET}
        drift: dict[str, Any] = {}
        for wire in raw_keys:
            attr, ftype, _required = info.by_wire[wire]
            raw = kwargs.get(attr)
            if raw is None:  # absent: the error was about something else
                continue
            sub = f"{path}.{wire}"
            try:
                kwargs[attr] = self.dec(raw, ftype, sub)
            except _Drift:
                drift[wire] = kwargs[attr] = self.drifted(msgspec.json.decode(raw), sub, ftype)
        for attr in info.required:
            if attr not in kwargs:
                wire = next(w for w, spec in info.by_wire.items() if spec[0] == attr)
                _warn(self.route, f"{path}.{wire}", info.by_wire[wire][1], UNSET)
                self.learn(path).missing.add(wire)
                kwargs[attr] = UNSET
        if unknown:
            self.learn(path).unknown.update(unknown)
        if not unknown and not drift:
            return cls(**kwargs)
        self.found += 1
        obj = _carrier(cls)(**kwargs)
        state = obj.__dict__
        if unknown:
            state[_UNKNOWN_KEY] = unknown
        if drift:
            state[_DRIFT_KEY] = drift
        return obj

    def split_unknown(self, data: Any, info: _StructInfo, path: str) -> tuple[bytes, dict[str, Any]]:
        """The object's known members as JSON, and its unknown ones decoded (one scan, no per-key classes)."""
        members = _decoders(_RAW_DICT, self.lax).decode(data)
        known: list[bytes] = []
        unknown: dict[str, Any] = {}
        for key, raw in members.items():
            if key in info.by_wire:
                known.append(_key_json(key) + b":" + bytes(raw))
            else:
                unknown[key] = msgspec.json.decode(raw)
                _note_unknown(self.route, f"{path}.{key}")
        return b"{" + b",".join(known) + b"}", unknown


def _raise_drift() -> Any:
    raise _Drift


def _note_unknown(route: str | None, path: str) -> None:
    norm = path  # built with [] for list items
    if (route, norm) not in _warned:
        _warned.add((route, norm))
        logger.info("%s: osu! sent a field osukit does not know at %s (kept; see osukit.unknown_fields)",
                    route or "response", norm)


def _warn(route: str | None, path: str, tp: Any, value: Any) -> None:
    norm = path  # built with [] for list items
    if (route, norm) in _warned:
        return
    _warned.add((route, norm))
    got = "nothing (the field is missing)" if value is UNSET else _jtype(value)
    logger.warning(
        "%s: osu! sent %s at %s where osukit expects %s; kept as sent (see osukit.drifted_fields)",
        route or "response", got, norm, _tname(tp),
    )


@lru_cache(maxsize=1024)
def _struct_fields(cls: type) -> tuple[dict[str, tuple[str, Any, bool]], tuple[tuple[str, str], ...]]:
    """(encode_name -> (attr, type, required)), ((attr, encode_name) ...) for a Struct class."""
    hints = typing.get_type_hints(cls, include_extras=False)
    by_wire: dict[str, tuple[str, Any, bool]] = {}
    order: list[tuple[str, str]] = []
    for f in msgspec.structs.fields(cls):
        required = f.default is msgspec.NODEFAULT and f.default_factory is msgspec.NODEFAULT
        by_wire[f.encode_name] = (f.name, hints.get(f.name, f.type), required)
        order.append((f.name, f.encode_name))
    return by_wire, tuple(order)


@lru_cache(maxsize=2048)
def _has_struct(tp: Any) -> bool:
    """Whether a type mentions a Struct anywhere (so a plain msgspec.convert would drop extras)."""
    if isinstance(tp, type) and issubclass(tp, msgspec.Struct):
        return True
    return any(_has_struct(a) for a in typing.get_args(tp) if a is not Ellipsis)


def _union_members(tp: Any) -> tuple[Any, ...] | None:
    origin = typing.get_origin(tp)
    if origin is Union or (hasattr(types, "UnionType") and isinstance(tp, types.UnionType)):
        return typing.get_args(tp)
    return None


def _jtype(value: Any) -> str:
    if value is None:
        return "null"
    return {dict: "object", list: "array", str: "string", bool: "boolean", int: "integer", float: "number"}.get(
        type(value), type(value).__name__
    )


def _tname(tp: Any) -> str:
    members = _union_members(tp)
    if members is not None:
        return " | ".join("null" if m is type(None) else _tname(m) for m in members if m is not UnsetType)
    origin = typing.get_origin(tp)
    if origin is not None:
        return f"{_tname(origin)}[{', '.join(_tname(a) for a in typing.get_args(tp))}]"
    return getattr(tp, "__name__", None) or repr(tp)


# --- dumping -------------------------------------------------------------------------------------

_PLAIN = frozenset({str, int, float, bool})
_leaf_dumpers: dict[type, Callable[[Any], Any]] = {}


def register_leaf_dumper(base: type, fn: Callable[[Any], Any]) -> None:
    """Dump the leaf values of every Struct subclass of ``base`` with ``fn`` (API v1's strings)."""
    _leaf_dumpers[base] = fn
    _leaf_dumper.cache_clear()


@lru_cache(maxsize=1024)
def _leaf_dumper(cls: type) -> Callable[[Any], Any] | None:
    for base, fn in _leaf_dumpers.items():
        if issubclass(cls, base):
            return fn
    return None


def dump(obj: Any) -> Any:
    """The JSON builtins for ``obj``, exactly as the API sent them.

    Works on any model, list of models, or builtin. Absent fields stay
    absent, ``None`` becomes ``null``, unknown fields and drifted values come
    back as sent, enums become their values, datetimes ISO 8601 strings
    (``+00:00``).
    """
    t = type(obj)
    if t in _PLAIN or obj is None:
        return obj
    if isinstance(obj, msgspec.Struct):
        cls: Any = t
        variant: _VariantInfo | None = cls.__dict__.get("_osukit_variant")
        if variant is not None:
            cls = _base_of(cls)
        _, order = _struct_fields(cls)
        leaf = _leaf_dumper(cls)
        state = getattr(obj, "__dict__", None)
        drift = variant.drifted(obj) if variant is not None else _side(obj, _DRIFT_KEY) if state else {}
        out: dict[str, Any] = {}
        for attr, wire in order:
            if drift and wire in drift:
                out[wire] = drift[wire]
                continue
            v = getattr(obj, attr)
            if v is UNSET:
                continue
            out[wire] = dump(v) if leaf is None or isinstance(v, (msgspec.Struct, list, dict)) else leaf(v)
        if variant is not None:
            out.update(variant.unknown(obj))
        elif state:
            out.update(_side(obj, _UNKNOWN_KEY))
        return out
    to_json = getattr(obj, "to_json_value", None)
    if to_json is not None:
        return to_json()
    if isinstance(obj, enum.Enum):
        return obj.value
    if isinstance(obj, (str, int, float, bool)):
        return obj
    if isinstance(obj, (list, tuple)):
        return [dump(v) for v in obj]
    if isinstance(obj, dict):
        return {k: dump(v) for k, v in obj.items()}
    if isinstance(obj, enum.Enum):
        return obj.value
    if isinstance(obj, _dt.datetime):
        return obj.isoformat()
    if isinstance(obj, _dt.date):
        return obj.isoformat()
    if obj is UNSET:
        raise InvalidParameterError("UNSET cannot be dumped on its own")
    return msgspec.to_builtins(obj)
