"""A fault's path_prefix matches with or without its leading slash; one that can never match is refused."""

from __future__ import annotations

import httpx
import pytest

from osukit import InvalidParameterError
from osukit.emulator import Emulator


@pytest.fixture(scope="module")
def emu() -> Emulator:
    with Emulator(seed=0) as e:
        yield e


def _status(emu: Emulator, path: str) -> int:
    token = emu.mint_token(2, ["identify", "public"])["access_token"]
    return httpx.get(f"{emu.base_url}{path}", headers={"Authorization": f"Bearer {token}"}).status_code


@pytest.mark.parametrize("prefix", ["/api/v2/users", "api/v2/users", " /api/v2/users", "http://x:1/api/v2/users"])
def test_prefix_forms_match_the_same_paths(emu: Emulator, prefix: str) -> None:
    r = httpx.post(f"{emu.base_url}/_emulator/faults",
                   json={"error_rate": 1.0, "error_statuses": [503], "path_prefix": prefix})
    try:
        assert r.json() == {"ok": True}
        assert _status(emu, "/api/v2/users/2") == 503
        assert _status(emu, "/api/v2/me") == 200
    finally:
        httpx.delete(f"{emu.base_url}/_emulator/faults")


def test_set_faults_normalises_too(emu: Emulator) -> None:
    emu.set_faults(error_rate=1.0, error_statuses=[502], path_prefix="/api/v2/users")
    try:
        assert emu.state.faults.path_prefix == "api/v2/users"
        assert _status(emu, "/api/v2/users/2") == 502
    finally:
        emu.clear_faults()


@pytest.mark.parametrize("prefix", ["users", "/v2/users", "/api/v2/users?mode=osu", "/_emulator/stats"])
def test_a_prefix_that_can_never_match_is_refused(emu: Emulator, prefix: str) -> None:
    r = httpx.post(f"{emu.base_url}/_emulator/faults", json={"error_rate": 1.0, "path_prefix": prefix})
    assert r.status_code == 422
    assert "can never match" in r.json()["error"]
    with pytest.raises(InvalidParameterError, match="can never match"):
        emu.set_faults(error_rate=1.0, path_prefix=prefix)
    assert _status(emu, "/api/v2/users/2") == 200


@pytest.mark.parametrize("prefix", ["", "/", "api", "/oauth/token", "osu/"])
def test_broad_prefixes_are_accepted(emu: Emulator, prefix: str) -> None:
    emu.set_faults(latency_ms=0, path_prefix=prefix)
    emu.clear_faults()


@pytest.mark.parametrize("port", [99999, 65536, -5, -1])
def test_emulator_refuses_a_port_out_of_range(port: int) -> None:
    with pytest.raises(InvalidParameterError, match="port must be 0 to 65535"):
        Emulator(port=port)


def test_get_faults_says_what_is_set(emu: Emulator) -> None:
    """GET /_emulator/faults answers the faults set now (global, or under their path_prefix), and changes
    nothing (it used to answer {"ok": true} and clear them: an empty POST body)."""
    url = f"{emu.base_url}/_emulator/faults"
    try:
        assert httpx.get(url).json() == {"active": False, "global": {}, "by_path_prefix": {}}
        httpx.post(url, json={"error_rate": 1.0, "error_statuses": [503], "path_prefix": "api/v2/users"})
        want = {"active": True, "global": {},
                "by_path_prefix": {"/api/v2/users": {"error_rate": 1.0, "error_statuses": [503]}}}
        assert httpx.get(url).json() == want
        assert httpx.get(url).json() == want  # still set
        assert _status(emu, "/api/v2/users/2") == 503
        emu.set_faults(latency_ms=5, seed=3)
        assert httpx.get(url).json() == {"active": True, "global": {"latency_ms": 5.0, "seed": 3},
                                         "by_path_prefix": {}}
    finally:
        httpx.delete(url)
    assert httpx.get(url).json() == {"active": False, "global": {}, "by_path_prefix": {}}
