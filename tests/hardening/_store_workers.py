"""Worker-process code for the cross-process refresh tests (importable, so forkserver can run it)."""

from __future__ import annotations

import asyncio
import time
from typing import Any


def _store(kind: str, path: str) -> Any:
    import osukit

    return osukit.FileTokenStore(path) if kind == "file" else osukit.SQLiteTokenStore(path)


def refresh_calls(kind: str, path: str, base_url: str, client_id: int, secret: str, key: str,
                  calls: int, t0: float, use_async: bool) -> dict[str, Any]:
    """``calls`` sequential API calls (each may refresh the shared user token); returns what happened."""
    import osukit

    grant = osukit.UserToken(client_id, secret, scopes=("public", "identify"), key=key)
    out: dict[str, Any] = {"ok": 0, "errors": []}
    delay = t0 - time.time()
    if delay > 0:
        time.sleep(delay)
    if not use_async:
        with osukit.Client(grant=grant, base_url=base_url, rate_limit=0, token_store=_store(kind, path)) as osu:
            for _ in range(calls):
                try:
                    osu.users.me()
                    out["ok"] += 1
                except osukit.OsukitError as exc:
                    out["errors"].append(f"{type(exc).__name__}: {exc}")
        return out

    async def main() -> None:
        async with osukit.AsyncClient(grant=grant, base_url=base_url, rate_limit=0,
                                      token_store=_store(kind, path)) as osu:
            for _ in range(calls):
                try:
                    await osu.users.me()
                    out["ok"] += 1
                except osukit.OsukitError as exc:
                    out["errors"].append(f"{type(exc).__name__}: {exc}")

    asyncio.run(main())
    return out


def write_forever(path: str, ready: str) -> None:
    """Save tokens in a loop with a slow fsync, so a kill -9 lands mid-write (temp file present)."""
    import os
    from pathlib import Path

    import osukit

    real_fsync = os.fsync

    def slow_fsync(fd: int) -> None:
        Path(ready).touch()
        time.sleep(0.2)
        real_fsync(fd)

    os.fsync = slow_fsync
    store = osukit.FileTokenStore(path)
    i = 0
    while True:
        i += 1
        store.save("k", osukit.Token(access_token=f"killed-writer-token-{i:06d}", expires_at=time.time() + 60))
