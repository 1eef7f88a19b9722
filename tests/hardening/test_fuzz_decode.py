"""Fuzzing model decoding with mutated real responses: a typed DecodeError or a value, nothing else."""

from __future__ import annotations

import json
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

import osukit
from osukit._models import decode
from osukit.routes import by_uri

from .._figures import count
from .._helpers import corpus_bytes, corpus_index

ROWS = [r for r in corpus_index() if r["status"] == "200" and r["route"] != "api/v2/artists"]


def _route_model(row: dict[str, str]) -> tuple[Any, bool]:
    route = by_uri(row["method"], row["route"])
    if route.legacy_response is not None and b'"mode_int"' in corpus_bytes(row["file"]):
        return route.legacy_response, False
    return route.response, route.api == "v1"


REPLACEMENTS = st.one_of(
    st.none(),
    st.booleans(),
    st.integers(min_value=-(2**70), max_value=2**70),
    st.floats(allow_nan=False, allow_infinity=False),
    st.text(max_size=20),
    st.lists(st.integers(), max_size=3),
    st.dictionaries(st.text(max_size=5), st.integers(), max_size=3),
)


def _paths(value: Any, prefix: tuple[Any, ...] = ()) -> list[tuple[Any, ...]]:
    out = [prefix]
    if isinstance(value, dict):
        for k, v in value.items():
            out.extend(_paths(v, (*prefix, k)))
    elif isinstance(value, list):
        for i, v in enumerate(value[:3]):
            out.extend(_paths(v, (*prefix, i)))
    return out


def _set(value: Any, path: tuple[Any, ...], new: Any, delete: bool) -> Any:
    if not path:
        return new
    parent = value
    for key in path[:-1]:
        parent = parent[key]
    if delete and isinstance(parent, dict):
        parent.pop(path[-1], None)
    else:
        parent[path[-1]] = new
    return value


def _check(body: bytes, model: Any, lax: bool) -> None:
    count("fuzzing: model decoding", "inputs")
    try:
        decode(body, model, lax=lax)
    except osukit.DecodeError:
        count("fuzzing: model decoding", "DecodeError")
    else:
        count("fuzzing: model decoding", "values")


@pytest.mark.parametrize("row", ROWS, ids=lambda r: r["file"])
@settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large])
@given(data=st.data())
def test_structural_mutations(row: dict[str, str], data: st.DataObject) -> None:
    model, lax = _route_model(row)
    raw = json.loads(corpus_bytes(row["file"]))
    paths = _paths(raw)
    path = data.draw(st.sampled_from(paths))
    mutated = _set(raw, path, data.draw(REPLACEMENTS), delete=data.draw(st.booleans()))
    _check(json.dumps(mutated).encode(), model, lax)


@pytest.mark.parametrize("row", ROWS[::4], ids=lambda r: r["file"])
@settings(max_examples=30, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(data=st.data())
def test_byte_mutations(row: dict[str, str], data: st.DataObject) -> None:
    model, lax = _route_model(row)
    body = bytearray(corpus_bytes(row["file"]))
    for _ in range(data.draw(st.integers(1, 8))):
        i = data.draw(st.integers(0, len(body) - 1))
        body[i] = data.draw(st.integers(0, 255))
    cut = data.draw(st.integers(0, len(body)))
    _check(bytes(body[:cut]), model, lax)


def test_pathological_inputs() -> None:
    model, lax = _route_model(ROWS[0])
    for body in (b"", b"null", b"[]", b"{}", b"\xff\xfe", b"[" * 100_000, b'{"a":' * 50_000,
                 b"1" * 10_000, b'"' + b"\\u0000" * 1000 + b'"'):
        _check(body, model, lax)
