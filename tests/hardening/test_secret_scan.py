"""The run-wide secret scan (``tests/conftest.py``) really catches leaks."""

from __future__ import annotations

import logging

from osukit.emulator import create_app

from .. import conftest as run


def test_the_scan_finds_a_minted_token_and_a_client_secret_anywhere() -> None:
    state = create_app(0).state.emulator
    token = state.mint(2, frozenset({"public"}), "authorization_code", refresh=True)
    before = len(run._HITS)
    try:
        run._scan(f"GET /api/v2/me Authorization: Bearer {token['access_token']}", "probe")
        run._scan(f"refresh_token={token['refresh_token']}", "probe")
        run._scan(f"client_secret={state.world.client_secret}", "probe")
        run._scan("Bearer emu.AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA", "probe")  # token-shaped, never minted: no hit
        assert len(run._HITS) == before + 3
        # straight to the run's handler: through the logger tree pytest would capture it for the report too
        record = logging.LogRecord("osukit.test", logging.DEBUG, __file__, 1, "a careless line: %s",
                                   (token["access_token"],), None)
        run._HANDLER.handle(record)
        assert len(run._HITS) == before + 4 and "log record" in run._HITS[-1]
    finally:
        del run._HITS[before:]  # these leaks were made on purpose
