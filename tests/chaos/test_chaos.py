"""Chaos: faults at ~20% of requests; every item arrives exactly once, only typed errors, figures reported."""

from __future__ import annotations

from typing import Any

from osukit.emulator import Emulator

from .._figures import put
from .workload import FAULTS, run


def test_items_survive_faults_exactly_once() -> None:
    with Emulator(seed=0) as emu:
        clean = run(emu, faults=None, rounds=4)
        chaos = run(emu, faults=FAULTS, rounds=4)
    print("\nfault-free:", clean)
    print("chaos:     ", chaos)
    for name, result in (("chaos: fault-free run", clean), ("chaos: faults injected", chaos)):
        for key in ("requests", "faults", "expected", "delivered", "exact", "errors", "seconds"):
            put(name, key, result[key])
    put("chaos: faults injected", "wall time vs fault-free", f"{chaos['seconds'] / clean['seconds']:.2f}x")
    assert clean["exact"] and not clean["errors"]
    injected = sum(chaos["faults"].values())
    assert injected >= 10, chaos["faults"]  # the faults really happened
    for kind in ("drop", "truncated", "rate_limit", "latency_spike", "ws_stall", "ws_event_lost"):
        assert chaos["faults"].get(kind), (kind, chaos["faults"])
    assert all(chaos["expected"].values()), chaos["expected"]  # every part of the workload had work
    assert chaos["errors"] == {}, chaos["errors"]
    assert chaos["exact"], chaos["mismatch"]
    assert chaos["delivered"] == chaos["expected"]  # none lost, none duplicated (multiset equality above)


def test_exhausted_retries_raise_only_typed_errors() -> None:
    import osukit

    with Emulator(seed=0) as emu:
        emu.set_faults(error_rate=1.0, error_statuses=[503])
        client = osukit.Client(client_id=emu.client_id, client_secret=emu.client_secret, base_url=emu.base_url,
                               rate_limit=0, retry=osukit.RetryPolicy(max_retries=2, initial_delay=0.001))
        errors: list[Any] = []
        for call in (lambda: client.users.get(2), lambda: list(client.beatmapsets.search(limit=None))):
            try:
                call()
            except osukit.OsukitError as exc:
                errors.append(exc)
        assert len(errors) == 2 and all(isinstance(e, osukit.ServerError) for e in errors)
        emu.set_faults(drop_rate=1.0)
        try:
            client.request("GET", "api/v2/changelog")
        except osukit.TransportError:
            pass
        else:  # pragma: no cover
            raise AssertionError("a dropped connection must raise TransportError once retries are spent")
