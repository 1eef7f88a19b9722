"""The model engine: msgspec Structs that decode fast, tolerate drift and dump losslessly.

Three promises, and how they are kept:

* **Fast.** Responses decode in one pass of ``msgspec.json.decode`` into
  Structs. Every model forbids unknown fields, so that pass fails the moment
  osu! sends something new — and only then…
* **Tolerant.** …a second, slower pass walks the builtins, keeps every known
  field typed and parks unknown keys on the instance (``osukit_extra_``), so
  new fields never break decoding. With ``strict=True`` that pass raises
  [`DecodeError`][osukit.DecodeError] naming the route and JSON path instead.
* **Lossless.** `dump` gives back the JSON builtins as the API sent
  them: absent fields (``UNSET``) stay absent, ``null`` stays ``None``,
  unknown fields come back, datetimes come back as the same instant.

Fields that a route includes only sometimes are typed ``X | UnsetType`` and
default to [`UNSET`][osukit.UNSET], which is distinct from ``None`` (JSON ``null``).
"""

from __future__ import annotations

import datetime as _dt
import enum
import re
import types
import typing
from collections.abc import Callable, Mapping
from functools import lru_cache
from typing import Any, TypeVar, Union

import msgspec
from msgspec import UNSET, UnsetType

from ._exceptions import DecodeError, InvalidParameterError

__all__ = ["UNSET", "Model", "UnsetType", "decode", "dump", "is_set", "unknown_fields"]

T = TypeVar("T")

_EXTRA_ATTR = "osukit_extra_"


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
    route may leave out; test it with `osukit.is_set`.
    """

    osukit_extra_: dict[str, Any] | UnsetType = msgspec.field(default=UNSET, name="$osukit:extra$")
    """Fields osu! sent that this version of osukit does not know (kept for `dump`)."""


def is_set(value: object) -> bool:
    """True unless ``value`` is [`UNSET`][osukit.UNSET] (a field the response did not include)."""
    return value is not UNSET


def unknown_fields(obj: Model) -> dict[str, Any]:
    """The fields osu! sent on ``obj`` that osukit does not model (empty when none)."""
    extra = getattr(obj, _EXTRA_ATTR, UNSET)
    return dict(extra) if isinstance(extra, dict) else {}


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

_PATH_RE = re.compile(r" - at `(?P<path>[^`]*)`$")
_EXPECTED_RE = re.compile(r"^Expected `(?P<exp>[^`]*)`")


def decode(
    data: bytes | str,
    tp: type[T] | Any,
    *,
    strict: bool = False,
    route: str | None = None,
    lax: bool = False,
) -> T:
    """Decode a JSON body into ``tp`` (a model, ``list[Model]``, …).

    Unknown fields are kept (``strict=False``) or reported as a
    [`DecodeError`][osukit.DecodeError] naming the JSON path (``strict=True``). A body that is
    not JSON, or a value of the wrong type, raises [`DecodeError`][osukit.DecodeError].
    ``lax=True`` accepts numbers and booleans sent as strings (API v1).
    """
    try:
        target: Any = tp
        result: T = _decoders(target, lax).decode(data)
        return result
    except msgspec.ValidationError:
        pass
    except msgspec.DecodeError as exc:
        raise DecodeError(f"response is not valid JSON: {exc}", route=route, excerpt=_excerpt(data)) from None
    except RecursionError:
        raise DecodeError("response is nested too deeply", route=route, excerpt=_excerpt(data)) from None
    except (ValueError, TypeError, NotImplementedError) as exc:
        # UnicodeDecodeError (invalid UTF-8) is a ValueError too.
        raise DecodeError(f"response could not be decoded: {exc}", route=route, excerpt=_excerpt(data)) from None
    try:
        raw = msgspec.json.decode(data)
    except RecursionError:
        raise DecodeError("response is nested too deeply", route=route, excerpt=_excerpt(data)) from None
    except (msgspec.DecodeError, ValueError) as exc:
        raise DecodeError(f"response is not valid JSON: {exc}", route=route, excerpt=_excerpt(data)) from None
    converted: T = convert(raw, tp, strict=strict, route=route, excerpt=_excerpt(data), lax=lax)
    return converted


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
        result: T = _Converter(strict, lax).convert(raw, tp, "$")
        return result
    except _ConvertError as exc:
        raise DecodeError(exc.message, route=route, path=exc.path, expected=exc.expected, excerpt=excerpt) from None
    except RecursionError:
        raise DecodeError("response is nested too deeply", route=route, excerpt=excerpt) from None


def _excerpt(data: bytes | str, n: int = 120) -> str:
    if isinstance(data, bytes):
        return data[:n].decode("utf-8", "replace")
    return data[:n]


class _ConvertError(Exception):
    def __init__(self, message: str, path: str, expected: str | None = None) -> None:
        self.message = message
        self.path = path
        self.expected = expected
        super().__init__(message)


@lru_cache(maxsize=1024)
def _struct_fields(cls: type) -> tuple[dict[str, tuple[str, Any, bool]], tuple[tuple[str, str], ...]]:
    """(encode_name → (attr, type, required)), ((attr, encode_name) …) for a Struct class."""
    hints = typing.get_type_hints(cls, include_extras=False)
    by_wire: dict[str, tuple[str, Any, bool]] = {}
    order: list[tuple[str, str]] = []
    for f in msgspec.structs.fields(cls):
        if f.name == _EXTRA_ATTR:
            continue
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


class _Converter:
    def __init__(self, strict: bool, lax: bool = False) -> None:
        self.strict = strict
        self.lax = lax

    def convert(self, value: Any, tp: Any, path: str) -> Any:
        if tp is Any or tp is object:
            return value
        if not _has_struct(tp):
            return self._leaf(value, tp, path)
        if isinstance(tp, type) and issubclass(tp, msgspec.Struct):
            return self._struct(value, tp, path)
        members = _union_members(tp)
        if members is not None:
            return self._union(value, members, tp, path)
        origin = typing.get_origin(tp)
        args = typing.get_args(tp)
        if origin in (list, tuple, set, frozenset) or origin is typing.Sequence:
            if not isinstance(value, list):
                raise _ConvertError(f"expected an array, got {_jtype(value)}", path, _tname(tp))
            if origin is tuple and args and args[-1] is not Ellipsis:
                if len(args) != len(value):
                    raise _ConvertError(f"expected {len(args)} items, got {len(value)}", path, _tname(tp))
                return tuple(self.convert(v, a, f"{path}[{i}]") for i, (v, a) in enumerate(zip(value, args, strict=False)))
            item = args[0] if args else Any
            items = [self.convert(v, item, f"{path}[{i}]") for i, v in enumerate(value)]
            return items if origin is list else origin(items)
        if origin in (dict, Mapping) or origin is typing.Mapping:
            if not isinstance(value, dict):
                raise _ConvertError(f"expected an object, got {_jtype(value)}", path, _tname(tp))
            vt = args[1] if len(args) == 2 else Any
            return {k: self.convert(v, vt, f"{path}.{k}") for k, v in value.items()}
        return self._leaf(value, tp, path)

    def _struct(self, value: Any, cls: type[msgspec.Struct], path: str) -> Any:
        if not isinstance(value, dict):
            raise _ConvertError(f"expected an object, got {_jtype(value)}", path, cls.__name__)
        by_wire, _ = _struct_fields(cls)
        kwargs: dict[str, Any] = {}
        extra: dict[str, Any] = {}
        for key, v in value.items():
            spec = by_wire.get(key)
            if spec is None:
                if self.strict:
                    raise _ConvertError(
                        f"unknown field {key!r} on {cls.__name__} (osu! sent a field osukit does not know)",
                        f"{path}.{key}",
                    )
                extra[key] = v
                continue
            kwargs[spec[0]] = self.convert(v, spec[1], f"{path}.{key}")
        for key, (_attr, _t, required) in by_wire.items():
            if required and key not in value:
                raise _ConvertError(f"missing required field {key!r} on {cls.__name__}", f"{path}.{key}")
        try:
            obj = cls(**kwargs)
        except (TypeError, ValueError) as exc:  # pragma: no cover - defensive, checked above
            raise _ConvertError(str(exc), path, cls.__name__) from None
        if extra:
            setattr(obj, _EXTRA_ATTR, extra)
        return obj

    def _union(self, value: Any, members: tuple[Any, ...], tp: Any, path: str) -> Any:
        if value is None and type(None) in members:
            return None
        candidates = [m for m in members if m is not UnsetType and m is not type(None)]
        structy = [m for m in candidates if _has_struct(m)]
        plain = [m for m in candidates if not _has_struct(m)]
        for m in structy:
            origin = typing.get_origin(m) or m
            if isinstance(value, dict) and (
                (isinstance(origin, type) and issubclass(origin, msgspec.Struct)) or origin in (dict, Mapping)
            ):
                return self.convert(value, m, path)
            if isinstance(value, list) and origin in (list, tuple, set, frozenset):
                return self.convert(value, m, path)
        if plain:
            leaf = plain[0] if len(plain) == 1 else Union[tuple(plain)]  # noqa: UP007
            return self._leaf(value, leaf, path)
        raise _ConvertError(f"unexpected {_jtype(value)}", path, _tname(tp))

    def _leaf(self, value: Any, tp: Any, path: str) -> Any:
        try:
            return msgspec.convert(value, tp, dec_hook=_dec_hook, strict=not self.lax)
        except msgspec.ValidationError as exc:
            msg = str(exc)
            m = _PATH_RE.search(msg)
            sub = m.group("path")[1:] if m else ""
            e = _EXPECTED_RE.search(msg)
            raise _ConvertError(msg.split(" - at ")[0], path + sub, e.group("exp") if e else _tname(tp)) from None
        except (TypeError, ValueError, NotImplementedError) as exc:
            raise _ConvertError(str(exc), path, _tname(tp)) from None


def _jtype(value: Any) -> str:
    if value is None:
        return "null"
    return {dict: "object", list: "array", str: "string", bool: "boolean", int: "integer", float: "number"}.get(
        type(value), type(value).__name__
    )


def _tname(tp: Any) -> str:
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
    absent, ``None`` becomes ``null``, unknown fields come back, enums become
    their values, datetimes ISO 8601 strings (``+00:00``).
    """
    t = type(obj)
    if t in _PLAIN or obj is None:
        return obj
    if isinstance(obj, msgspec.Struct):
        cls: Any = t
        _, order = _struct_fields(cls)
        leaf = _leaf_dumper(cls)
        out: dict[str, Any] = {}
        for attr, wire in order:
            v = getattr(obj, attr)
            if v is UNSET:
                continue
            out[wire] = dump(v) if leaf is None or isinstance(v, (msgspec.Struct, list, dict)) else leaf(v)
        extra = getattr(obj, _EXTRA_ATTR, UNSET)
        if isinstance(extra, dict):
            out.update(extra)
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
