"""Fixtures shared by the model tests."""

from __future__ import annotations

import pytest

from osukit import _models


@pytest.fixture
def fresh_engine_state(monkeypatch: pytest.MonkeyPatch) -> None:
    """Each test sees the engine as a fresh process would (no warning given, nothing learnt)."""
    monkeypatch.setattr(_models, "_warned", set())
    monkeypatch.setattr(_models, "_hot", {})
    monkeypatch.setattr(_models, "_plans", {})
    monkeypatch.setattr(_models, "_learnt", {})
    monkeypatch.setattr(_models, "_variants", {})
