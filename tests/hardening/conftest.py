"""Fixtures shared by the hardening tests."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from ._hostile_server import HostileServer


@pytest.fixture(scope="module")
def hostile() -> Iterator[HostileServer]:
    """A hostile HTTP server on loopback (see ``_hostile_server``), one per test module."""
    with HostileServer() as srv:
        yield srv
