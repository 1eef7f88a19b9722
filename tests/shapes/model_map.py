"""Join osu-web's shape table (scripts/data/osu_web_shapes.json) with osukit's routes and models.

For every third-party route the table lists what its controller returns
(``json_item``/``json_collection`` of a transformer with includes, under a
response key). Starting from the route's osukit response model, each of those
fields is looked up on the model by its JSON name, following includes into the
nested models. Used by the CI check and by ``scripts/osu_web_shapes.py diff``.
"""

from __future__ import annotations

import csv
import json
import sys
import types
import typing
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Union

import msgspec
from msgspec import UnsetType

REPO = Path(__file__).resolve().parents[2]
TABLE_PATH = REPO / "scripts" / "data" / "osu_web_shapes.json"
EXCEPTIONS_PATH = Path(__file__).with_name("exceptions.tsv")

sys.path.insert(0, str(REPO / "scripts"))
from osu_web_shapes import include_tree  # noqa: E402

from osukit._constants import DEFAULT_API_VERSION  # noqa: E402
from osukit.routes import ROUTES  # noqa: E402


def load_table() -> dict[str, Any]:
    result: dict[str, Any] = json.loads(TABLE_PATH.read_text())
    return result


def load_exceptions() -> dict[tuple[str, str, str], str]:
    """(check, route, path) -> reason; ``*`` as route matches every route."""
    out: dict[tuple[str, str, str], str] = {}
    with EXCEPTIONS_PATH.open(newline="") as fh:
        for row in csv.reader((line for line in fh if line.strip() and not line.startswith("#")), delimiter="\t"):
            check, route, path, reason = ([*row, "", "", "", ""])[:4]
            assert reason.strip(), f"exception without a reason: {row}"
            out[(check, route, path)] = reason
    return out


def excepted(exceptions: dict[tuple[str, str, str], str], check: str, route: str, path: str, transformer: str = "") -> bool:
    """Whether an exception covers ``path`` of ``route`` for ``check`` (``model`` or ``emulator``).

    An exception's path matches itself and every path under it; ``p*`` matches every path starting
    with ``p``; ``p@Transformer`` only the fields that transformer gives at or under ``p``. ``[]`` is
    ignored (the emulator check does not see lists).
    """
    path = path.replace("[]", "").lstrip(".")
    for (c, r, p) in exceptions:
        if c not in (check, "both") or r not in (route, "*"):
            continue
        p, _, only = p.replace("[]", "").lstrip(".").partition("@")
        if only and only != transformer:
            continue
        if p.endswith("*"):
            if path.startswith(p[:-1]):
                return True
        elif path == p or path.startswith(p + ".") or (only and (path.startswith(p) or not p)):
            return True
    return False


def _members(tp: Any) -> tuple[Any, ...]:
    origin = typing.get_origin(tp)
    if origin is Union or isinstance(tp, types.UnionType):
        return typing.get_args(tp)
    return (tp,)


@dataclass(frozen=True)
class Slot:
    """What a model field's type allows."""

    struct: type[msgspec.Struct] | None
    none: bool
    unset: bool
    is_list: bool
    is_any: bool


def slot(tp: Any) -> Slot:
    struct = None
    none = unset = is_list = is_any = False
    for m in _members(tp):
        if m is type(None):
            none = True
        elif m is UnsetType:
            unset = True
        elif m is Any:
            is_any = True
        else:
            origin = typing.get_origin(m)
            if origin in (list, tuple):
                is_list = True
                inner = typing.get_args(m)
                for im in _members(inner[0]) if inner else ():
                    if isinstance(im, type) and issubclass(im, msgspec.Struct):
                        struct = im
            elif isinstance(m, type) and issubclass(m, msgspec.Struct):
                struct = m
            elif origin is dict:
                is_any = True
    return Slot(struct, none, unset, is_list, is_any)


def fields_of(cls: type[msgspec.Struct]) -> dict[str, tuple[Any, bool]]:
    """JSON name -> (type, required) for a model class."""
    hints = typing.get_type_hints(cls)
    out: dict[str, tuple[Any, bool]] = {}
    for f in msgspec.structs.fields(cls):
        if f.name == "osukit_extra_":
            continue
        required = f.default is msgspec.NODEFAULT and f.default_factory is msgspec.NODEFAULT
        out[f.encode_name] = (hints.get(f.name, f.type), required)
    return out


def version_applies(condition: str | None, version: int) -> bool:
    if not condition:
        return True
    op, _, value = condition.partition(" ")
    v = int(value)
    return {">=": version >= v, "<": version < v, ">": version > v, "<=": version <= v}[op]


def osukit_route(method: str, uri: str) -> Any:
    for r in ROUTES:
        if r.uri == uri and r.method == method:
            return r
    return None


@dataclass
class Finding:
    route: str
    path: str
    """JSON path of the field, e.g. ``beatmapset.ratings`` or ``scores[].user.team``."""
    problem: str
    transformer: str = ""

    def __str__(self) -> str:
        return f"{self.route} :: {self.path}: {self.problem}"


def response_type(route: Any, version: int) -> Any:
    return route.response_for(version)


def third_party_routes(table: dict[str, Any]) -> list[dict[str, Any]]:
    return [r for r in table["routes"] if r["third_party"]]


def walk(table: dict[str, Any], version: int = DEFAULT_API_VERSION) -> Iterator[tuple[str, str, type | None, str, dict[str, Any], Any]]:
    """(route key, json path, owning model, field, facts, field type or None when the model lacks it)."""
    for r in third_party_routes(table):
        route = osukit_route(r["method"], r["uri"])
        key = f"{r['method']} {r['uri']}"
        if route is None or route.response in (None, bytes):
            continue
        top = slot(response_type(route, version))
        for emit in r.get("responses", []):
            if not version_applies(emit.get("api_version"), version) or emit.get("html_only"):
                continue
            cls = top.struct
            prefix = "[]" if top.is_list else ""
            missing = False
            for part in (emit["key"] or "").split(".") if emit["key"] else []:
                if cls is None:
                    break
                fields = fields_of(cls)
                prefix = f"{prefix}.{part}" if prefix else part
                if part not in fields:
                    yield key, prefix, cls, part, {"kind": "response key", "line": emit["line"], "file": emit["file"]}, None
                    missing = True
                    break
                inner = slot(fields[part][0])
                cls = inner.struct
                if inner.is_list:
                    prefix += "[]"
            if missing or cls is None:
                continue
            yield from _walk_transformer(table, key, emit["transformer"], include_tree(emit["includes"]), cls, prefix, version,
                                         emit.get("transformer_args"))


def _walk_transformer(table: dict[str, Any], key: str, transformer: str, includes: dict[str, Any], cls: type,
                      prefix: str, version: int, args: str | None = None,
                      ) -> Iterator[tuple[str, str, type | None, str, dict[str, Any], Any]]:
    entry = table["transformers"].get(transformer)
    if entry is None:
        return
    fields = fields_of(cls)
    attributes = dict(entry["attributes"])
    for variant in entry.get("variants", {}).values():
        # ``new ScoreTransformer(false)``: the caller fixed the shape, whatever the version
        if (args in (None, "null") or args.startswith("$")) and version_applies(variant["api_version"], version):
            attributes = dict(variant["attributes"])
    ts = entry.get("ts", {}).get("fields", {})
    for name, facts in attributes.items():
        if name.startswith("..."):
            continue
        path = f"{prefix}.{name}" if prefix else name
        f = fields.get(name)
        yield key, path, cls, name, {**facts, "kind": "attribute", "transformer": transformer, "ts": ts.get(name)}, f
    wanted = dict(includes)
    for d in entry["default_includes"]:
        wanted.setdefault(d, {})
    for name, sub in sorted(wanted.items()):
        if entry["permissions"].get(name) == "IsNotOAuth":
            continue
        inc = entry["includes"].get(name)
        if inc is None:
            continue
        path = f"{prefix}.{name}" if prefix else name
        f = fields.get(name)
        yield key, path, cls, name, {**inc, "kind": "include", "transformer": transformer, "ts": ts.get(name)}, f
        if f is None:
            continue
        s = slot(f[0])
        if inc.get("attributes") and s.struct is not None:
            # an object built in the include method (``$this->primitive(['slot' => …])``)
            inner = fields_of(s.struct)
            sub_path = path + ("[]" if s.is_list else "")
            for attr in inc["attributes"]:
                yield (key, f"{sub_path}.{attr}", s.struct, attr,
                       {"kind": "attribute", "transformer": transformer, "line": inc["line"], "ts": None}, inner.get(attr))
        if not inc.get("transformer"):
            continue
        if s.struct is not None:
            yield from _walk_transformer(table, key, inc["transformer"], sub, s.struct, path + ("[]" if s.is_list else ""), version,
                                         inc.get("transformer_args"))


def check_models(table: dict[str, Any], version: int = DEFAULT_API_VERSION) -> list[Finding]:
    """Every field a third-party route returns is a model field with the right optionality."""
    findings: list[Finding] = []
    seen: set[str] = set()
    walked = list(walk(table, version))
    for key, path, cls, name, facts, f in walked:
        if f"{key} {path}" in seen:
            continue
        seen.add(f"{key} {path}")
        owner = getattr(cls, "__name__", "?")
        if f is None:
            findings.append(Finding(key, path, f"{owner} has no field {name!r} ({facts.get('transformer', '')} "
                                                f"{facts['kind']}, line {facts.get('line')})", facts.get("transformer", "")))
            continue
        tp, required = f
        s = slot(tp)
        ts = facts.get("ts") or {}
        if (ts.get("nullable") or facts.get("nullable")) and not (s.none or s.is_any):
            findings.append(Finding(key, path, f"{owner}.{name} must allow null (osu-web sends null)", facts["transformer"]))
        absent = facts.get("conditional") or facts.get("may_be_absent") or (
            facts["kind"] == "include" and cls is not None and not _always_included(walked, cls, name))
        if required and absent:
            findings.append(Finding(key, path, f"{owner}.{name} is required but osu-web leaves it out on some routes",
                                    facts["transformer"]))
    return findings


def _always_included(walked: list[Any], cls: type, name: str) -> bool:
    """Whether every place ``cls`` is decoded (route and JSON path) gets include ``name``."""
    contexts: dict[tuple[str, str], bool] = {}
    for key, path, owner, field, _facts, _f in walked:
        if owner is cls:
            parent = path.rsplit(".", 1)[0] if "." in path else ""
            contexts.setdefault((key, parent), False)
            if field == name:
                contexts[(key, parent)] = True
    return all(contexts.values())


def model_fields_by_transformer(table: dict[str, Any]) -> dict[str, set[str]]:
    """transformer -> the JSON names osukit's models type wherever that transformer is decoded."""
    out: dict[str, set[str]] = {}
    for _key, _path, cls, _name, facts, _f in walk(table):
        t = facts.get("transformer")
        if t and cls is not None:
            out.setdefault(t, set()).update(fields_of(cls))
    return out
