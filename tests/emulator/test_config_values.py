"""Every emulator config value: 0 means off where the client's does, a wrong value is a clear 4xx, never a 500."""

from __future__ import annotations

from collections.abc import Iterator

import httpx
import pytest

import osukit
from osukit.emulator import Emulator
from osukit.emulator.app import create_app


@pytest.fixture(scope="module")
def emu() -> Iterator[Emulator]:
    with Emulator(seed=0) as emulator:
        yield emulator


def _get_user(emu: Emulator) -> httpx.Response:
    token = emu.mint_token(user_id=2, scopes=["public"])["access_token"]
    return httpx.get(f"{emu.base_url}/api/v2/users/2", headers={"Authorization": f"Bearer {token}"})


def test_rate_limit_zero_is_off(emu: Emulator) -> None:
    r = httpx.post(f"{emu.base_url}/_emulator/config", json={"rate_limit": 0})
    assert r.status_code == 200 and r.json()["rate_limit"] is None
    for _ in range(3):
        assert _get_user(emu).status_code == 200
    emu.configure(rate_limit=0)
    assert _get_user(emu).status_code == 200
    emu.configure(rate_limit=None)
    with Emulator(seed=0, rate_limit=0) as other:
        assert _get_user(other).status_code == 200
    assert create_app(0, rate_limit=0).state.emulator.rate_limit is None


@pytest.mark.parametrize("body", [{"rate_limit": -1}, {"rate_limit": "abc"}, {"rate_limit": 1.5}, {"rate_limit": True},
                                  {"token_lifetime": 0}, {"token_lifetime": -5}, {"token_lifetime": "x"},
                                  {"token_lifetime": None}])
def test_wrong_config_values_are_refused_clearly(emu: Emulator, body: dict[str, object]) -> None:
    r = httpx.post(f"{emu.base_url}/_emulator/config", json=body)
    assert r.status_code == 400, r.text
    assert next(iter(body)) in r.json()["error"]
    assert _get_user(emu).status_code == 200  # nothing was changed


@pytest.mark.parametrize("body", [{"error_rate": "x"}, {"error_rate": 2}, {"drop_rate": -0.1}, {"latency_ms": -1},
                                  {"retry_after": "soon"}, {"error_statuses": [200]}, {"error_statuses": "500"},
                                  {"path_prefix": 5}, {"seed": "a"}, {"spike_ms": None}])
def test_wrong_fault_values_are_refused_clearly(emu: Emulator, body: dict[str, object]) -> None:
    r = httpx.post(f"{emu.base_url}/_emulator/faults", json=body)
    assert r.status_code == 422, r.text
    assert next(iter(body)) in r.json()["error"]
    assert _get_user(emu).status_code == 200
    with pytest.raises(osukit.InvalidParameterError):
        emu.set_faults(**body)


def test_library_refuses_negative_rate_limit_and_bad_lifetime(emu: Emulator) -> None:
    with pytest.raises(osukit.InvalidParameterError, match="rate_limit"):
        emu.configure(rate_limit=-1)
    with pytest.raises(osukit.InvalidParameterError, match="token_lifetime"):
        emu.configure(token_lifetime=0)
    with pytest.raises(osukit.InvalidParameterError, match="rate_limit"):
        create_app(0, rate_limit=-3)


@pytest.mark.parametrize(("path", "body"), [
    ("tokens", {"user_id": "two"}), ("tokens", {"scopes": "public"}), ("tokens", {"expires_in": -1}),
    ("live/config", {"user_drift": "no"}), ("live/config", {"score_rate": -1}), ("live/advance", {"seconds": "x"}),
    ("ws/stall", {"seconds": 0}),
])
def test_other_controls_refuse_wrong_values(emu: Emulator, path: str, body: dict[str, object]) -> None:
    r = httpx.post(f"{emu.base_url}/_emulator/{path}", json=body)
    assert 400 <= r.status_code < 500, (r.status_code, r.text)
    assert next(iter(body)) in r.json()["error"]
