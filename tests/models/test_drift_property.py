"""Property: any drift of a real response decodes in tolerant mode, dumps back to exactly the drifted JSON,
leaves every untouched field with its value and type, and makes ``strict=True`` name a drifted path.

Drift is generated from ``../shared/corpus``: unknown members injected into objects at any depth,
``null`` in fields, and values of another JSON type.
"""

from __future__ import annotations

import copy
import json
import re
from typing import Any, NamedTuple

import msgspec
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

import osukit
from osukit import _models
from osukit._route import Route
from osukit.routes import by_uri

from .._helpers import _norm, corpus_bytes, corpus_index
from .test_corpus_roundtrip import path_values

ROWS = [r for r in corpus_index() if r["status"] == "200" and r["route"] != "api/v2/artists"]

Path = tuple[Any, ...]


def _objects(value: Any, prefix: Path = ()) -> list[Path]:
    """Paths of the JSON objects a model decoded (lists sampled at their first 3 items)."""
    out: list[Path] = []
    if isinstance(value, msgspec.Struct):
        out.append(prefix)
        by_wire, _ = _models._struct_fields(type(value))
        for wire, (attr, _t, _r) in by_wire.items():
            out.extend(_objects(getattr(value, attr), (*prefix, wire)))
    elif isinstance(value, list):
        for i, v in enumerate(value[:3]):
            out.extend(_objects(v, (*prefix, i)))
    elif isinstance(value, dict):
        for k, v in value.items():
            out.extend(_objects(v, (*prefix, k)))
    return out


def _get(doc: Any, path: Path) -> Any:
    """The value at ``path``, or None when an earlier drift replaced something on the way."""
    for key in path:
        if isinstance(key, int) and isinstance(doc, list) and key < len(doc):
            doc = doc[key]
        elif isinstance(key, str) and isinstance(doc, dict) and key in doc:
            doc = doc[key]
        else:
            return None
    return doc


def _json_path(path: Path) -> str:
    return "$" + "".join(f"[{k}]" if isinstance(k, int) else f".{k}" for k in path)


def _other_type(value: Any, v1: bool) -> Any:
    """A value of another JSON type (v1 models read strings as numbers, so only null/array/object there)."""
    if v1:
        return [value] if not isinstance(value, list) else {"drift": value}
    if isinstance(value, str):
        return 12345
    if isinstance(value, bool) or isinstance(value, (int, float)):
        return "drifted"
    if isinstance(value, dict):
        return 1.5
    return {"drift": True}


@st.composite
def drift(draw: st.DrawFn, raw: Any, clean: Any, v1: bool) -> tuple[Any, set[Path], set[Path]]:
    """(drifted document, paths whose value changed, paths of injected members)."""
    doc = copy.deepcopy(raw)
    objects = _objects(clean)
    changed: set[Path] = set()
    injected: set[Path] = set()
    for obj_path in draw(st.lists(st.sampled_from(objects), min_size=1, max_size=4)):
        obj = _get(doc, obj_path)
        if not isinstance(obj, dict):
            continue  # replaced by an earlier drift
        name = draw(st.sampled_from(["brand_new", "new_thing", "x_added_2027"]))
        obj[name] = draw(st.one_of(st.none(), st.integers(), st.text(max_size=4), st.just({"nested": [1, 2]})))
        injected.add((*obj_path, name))
    for obj_path in draw(st.lists(st.sampled_from(objects), max_size=3)):
        obj = _get(doc, obj_path)
        if not isinstance(obj, dict) or not obj:
            continue
        key = draw(st.sampled_from(sorted(obj)))
        if (*obj_path, key) in injected:
            continue
        obj[key] = None if draw(st.booleans()) else _other_type(obj[key], v1)
        changed.add((*obj_path, key))
    # an injected member inside a value that was replaced afterwards is gone
    injected = {i for i in injected if not any(i[: len(c)] == c for c in changed)}
    return doc, changed, injected


def _touched(path: Path, changed: set[Path]) -> bool:
    return any(path[: len(c)] == c for c in changed)


def _same(clean: Any, drifted: Any, path: Path, changed: set[Path]) -> None:
    """Every field not under a changed path keeps its value and type."""
    if _touched(path, changed):
        return
    if isinstance(clean, msgspec.Struct):
        # the same model (a carrier or a learnt variant is a same-named subclass of it)
        model = _models._base_of(type(clean))
        assert isinstance(drifted, model) and _models._base_of(type(drifted)) is model, (path, type(drifted))
        by_wire, _ = _models._struct_fields(model)
        for wire, (attr, _t, _r) in by_wire.items():
            _same(getattr(clean, attr), getattr(drifted, attr), (*path, wire), changed)
    elif isinstance(clean, list):
        assert isinstance(drifted, list) and len(drifted) == len(clean), path
        for i, (a, b) in enumerate(zip(clean, drifted, strict=True)):
            _same(a, b, (*path, i), changed)
    elif isinstance(clean, dict):
        assert isinstance(drifted, dict), path
        for k in clean:
            _same(clean[k], drifted[k], (*path, k), changed)
    else:
        assert type(drifted) is type(clean), (path, clean, drifted)
        assert drifted == clean or (clean != clean and drifted != drifted), (path, clean, drifted)


def _path_matches(reported: str, candidates: set[Path]) -> bool:
    # msgspec spells a dict[str, X] key as [...]
    for c in candidates:
        parts = [re.escape(f"[{k}]") if isinstance(k, int) else r"(?:\." + re.escape(str(k)) + r"|\[\.\.\.\])"
                 for k in c]
        pattern = r"\$" + "".join(parts) + r"(?:[.\[].*)?"  # the drifted value or something inside it
        if re.fullmatch(pattern, reported):
            return True
    return False


def _has_objects(row: dict[str, str]) -> bool:
    route = by_uri(row["method"], row["route"])
    return bool(_objects(route.decode(corpus_bytes(row["file"]), path=path_values(row))))


# Captures of empty lists hold no object to drift (test_corpus_roundtrip covers them).
DRIFTABLE = [r for r in ROWS if _has_objects(r)]


class _Drifted(NamedTuple):
    route: Route[Any]
    path: dict[str, str]
    body: bytes
    clean: Any
    doc: Any
    changed: set[Path]
    injected: set[Path]
    drifted_body: bytes


def _drifted(row: dict[str, str], data: Any) -> _Drifted:
    """A corpus row's response (``body``, decoded: ``clean``) and a drift of it drawn by hypothesis."""
    route = by_uri(row["method"], row["route"])
    body = corpus_bytes(row["file"])
    path = path_values(row)
    clean = route.decode(body, path=path)
    doc, changed, injected = data.draw(drift(json.loads(body), clean, route.api == "v1"))
    return _Drifted(route, path, body, clean, doc, changed, injected, json.dumps(doc).encode())


@pytest.mark.parametrize("row", DRIFTABLE, ids=lambda r: r["file"])
@settings(max_examples=8, deadline=None, suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large])
@given(data=st.data())
def test_drifted_corpus_response_decodes_dumps_back_and_keeps_the_rest(row: dict[str, str], data: Any) -> None:
    route, path, _body, clean, doc, changed, injected, drifted_body = _drifted(row, data)
    v1 = route.api == "v1"

    decoded = route.decode(drifted_body, path=path)
    dumped = osukit.dump(decoded)
    if v1:
        assert dumped == doc
    else:
        assert _norm(dumped) == _norm(doc)
    _same(clean, decoded, (), changed | injected)

    try:
        route.decode(drifted_body, strict=True, path=path)
    except osukit.DecodeError as exc:
        assert exc.path is not None
        assert _path_matches(exc.path, changed | injected), (exc.path, changed, injected)
    else:
        # an unknown member in a model always fails strict mode; a changed value may still fit (null, optional)
        assert not injected, injected


def _same_extras(a: Any, b: Any, path: Path) -> None:
    """``a`` and ``b`` (the scoped decoding's and the learnt variant's) agree on every model, in every accessor."""
    if isinstance(a, msgspec.Struct):
        model = _models._base_of(type(a))
        assert _models._base_of(type(b)) is model, (path, type(b))
        assert osukit.unknown_fields(a) == osukit.unknown_fields(b), path
        assert osukit.drifted_fields(a) == osukit.drifted_fields(b), path
        assert a == b and b == a, path
        assert repr(a) == repr(b), path
        for attr, wire in _models._struct_fields(model)[1]:
            _same_extras(getattr(a, attr), getattr(b, attr), (*path, wire))
    elif isinstance(a, list):
        assert isinstance(b, list) and len(a) == len(b), path
        for i, (x, y) in enumerate(zip(a, b, strict=True)):
            _same_extras(x, y, (*path, i))
    elif isinstance(a, dict):
        assert isinstance(b, dict) and a.keys() == b.keys(), path
        for k in a:
            _same_extras(a[k], b[k], (*path, k))
    else:
        assert type(a) is type(b), (path, a, b)
        assert a == b or (a != a and b != b), (path, a, b)


@pytest.mark.parametrize("row", DRIFTABLE, ids=lambda r: r["file"])
@settings(max_examples=6, deadline=None, suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large])
@given(data=st.data())
def test_learnt_variant_decodes_a_drifted_response_as_the_scoped_decoding_does(
    row: dict[str, str], data: Any
) -> None:
    route, path, body, clean, doc, changed, injected, drifted_body = _drifted(row, data)
    v1 = route.api == "v1"
    for state in (_models._hot, _models._plans, _models._learnt, _models._variants):
        state.clear()  # what a fresh process knows: the first decoding is the scoped one

    scoped = route.decode(drifted_body, path=path)
    route.decode(drifted_body, path=path)  # learns the variant
    learnt = route.decode(drifted_body, path=path)  # through it, when msgspec can express it
    _same_extras(scoped, learnt, ())
    _same(clean, learnt, (), changed | injected)
    dumped = osukit.dump(learnt)
    if v1:
        assert dumped == doc
    else:
        assert _norm(dumped) == _norm(doc)
    # a clean response of the same route decodes through the variant to the same values
    _same(clean, route.decode(body, path=path), (), set())
