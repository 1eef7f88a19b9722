"""pytest fixtures for testing your code against the offline osu! API.

Installed with osukit (a ``pytest11`` entry point), so in any project:

```python
def test_my_bot(osu_emulator):
    client = osukit.Client(client_id=osu_emulator.client_id, client_secret=osu_emulator.client_secret,
                           base_url=osu_emulator.base_url, rate_limit=0)
    assert client.users.get(osu_emulator.dataset["test_user_id"]).id
```

Fixtures: ``osu_emulator`` (a running [`Emulator`][osukit.emulator.server.Emulator],
shared by the session; faults and statistics are reset before each test) and
``osu_emulator_app`` (the ASGI app, without sockets: ``httpx.ASGITransport`` for the async client,
``osukit.emulator.asgi.SyncASGITransport`` for the sync one).
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest


@pytest.fixture(scope="session")
def _osu_emulator_session() -> Iterator[Any]:
    try:
        from osukit.emulator import Emulator
    except ImportError as exc:  # pragma: no cover - the extra is missing
        pytest.skip(f"osukit[emulator] is not installed: {exc}")
    with Emulator(seed=0) as emu:
        yield emu


@pytest.fixture
def osu_emulator(_osu_emulator_session: Any) -> Any:
    """A running osu! emulator (loopback); faults cleared and stats reset for each test."""
    emu = _osu_emulator_session
    emu.clear_faults()
    emu.configure(rate_limit=None)
    emu.configure_server()
    emu.reset_stats()
    return emu


@pytest.fixture
def osu_emulator_app() -> Any:
    """A fresh emulator ASGI app (seed 0): ``transport=httpx.ASGITransport(app=...)`` for ``AsyncClient``,
    ``transport=SyncASGITransport(...)`` (``osukit.emulator.asgi``) for ``Client``."""
    from osukit.emulator import create_app

    return create_app(0)
