"""The emulator's ASGI app without sockets, for the sync client too.

``httpx.ASGITransport`` is async-only: it serves ``osukit.AsyncClient``. For
``osukit.Client`` wrap the app in [`SyncASGITransport`][osukit.emulator.asgi.SyncASGITransport], which runs it on
an event loop of its own in a background thread:

```python
from osukit.emulator import create_app
from osukit.emulator.asgi import SyncASGITransport

app = create_app(0)
world = app.state.emulator.world
with osukit.Client(client_id=world.client_id, client_secret=world.client_secret,
                   base_url="http://emulator", transport=SyncASGITransport(app), rate_limit=0) as osu:
    print(osu.users.get(2).username)
```
"""

from __future__ import annotations

import asyncio
import threading
from typing import Any

import httpx

__all__ = ["SyncASGITransport"]


class SyncASGITransport(httpx.BaseTransport):
    """An ``httpx`` transport for sync clients that calls an ASGI app in-process (no sockets)."""

    def __init__(self, app: Any) -> None:
        self._inner = httpx.ASGITransport(app=app)
        self._loop = asyncio.new_event_loop()
        self._thread = threading.Thread(target=self._loop.run_forever, name="osukit-asgi", daemon=True)
        self._thread.start()

    def handle_request(self, request: httpx.Request) -> httpx.Response:
        body = request.read()

        async def call() -> httpx.Response:
            forwarded = httpx.Request(request.method, request.url, headers=request.headers, content=body)
            response = await self._inner.handle_async_request(forwarded)
            content = await response.aread()
            return httpx.Response(response.status_code, headers=response.headers, content=content)

        return asyncio.run_coroutine_threadsafe(call(), self._loop).result()

    def close(self) -> None:
        if self._loop.is_running():
            self._loop.call_soon_threadsafe(self._loop.stop)
            self._thread.join(timeout=5)
