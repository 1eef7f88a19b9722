"""Client CPU per request: osukit vs raw httpx / aiohttp, against one loopback server; import time.

Run: python bench/bench_core.py [--requests 2000]

A tiny ASGI app (uvicorn, in a subprocess) answers every GET with a small
osu!-like JSON user. Each client is timed with ``time.process_time()`` in this
process only, so server work does not count. Figures are ratios against the
raw library measured in the same run.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import socket
import statistics
import subprocess
import sys
import textwrap
import time
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]

SERVER = textwrap.dedent(
    """
    import json, sys, uvicorn
    BODY = json.dumps({
        "avatar_url": "https://a.ppy.sh/2?1657169614.png", "country_code": "AU", "default_group": "default",
        "id": 2, "is_active": True, "is_bot": False, "is_deleted": False, "is_online": False,
        "is_supporter": True, "last_visit": "2026-07-03T08:55:20+00:00", "pm_friends_only": False,
        "profile_colour": "#3366FF", "username": "peppy",
    }).encode()
    HEADERS = [(b"content-type", b"application/json"), (b"x-ratelimit-limit", b"1200"),
               (b"x-ratelimit-remaining", b"1199")]
    async def app(scope, receive, send):
        if scope["type"] != "http":
            return
        await send({"type": "http.response.start", "status": 200,
                    "headers": HEADERS + [(b"content-length", str(len(BODY)).encode())]})
        await send({"type": "http.response.body", "body": BODY})
    uvicorn.run(app, host="127.0.0.1", port=int(sys.argv[1]), log_level="error", access_log=False)
    """
)


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def cpu_per_request(fn: Any, n: int) -> float:
    fn(20)  # warm up connections and caches
    start = time.process_time()
    fn(n)
    return (time.process_time() - start) / n * 1000


def run_async(coro_fn: Any) -> Any:
    return lambda n: asyncio.run(coro_fn(n))


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--requests", type=int, default=2000)
    args = parser.parse_args()
    n = args.requests
    port = free_port()
    proc = subprocess.Popen([sys.executable, "-c", SERVER, str(port)])
    base = f"http://127.0.0.1:{port}"
    try:
        import httpx

        for _ in range(100):
            try:
                httpx.get(base + "/ready")
                break
            except httpx.TransportError:
                time.sleep(0.05)

        import osukit

        results: dict[str, float] = {}

        sync_http = httpx.Client()

        def raw_httpx_sync(k: int) -> None:
            for _ in range(k):
                sync_http.get(base + "/api/v2/users/2").json()

        results["httpx sync (raw)"] = cpu_per_request(raw_httpx_sync, n)

        sync_client = osukit.Client(access_token="bench-token-xxxxxx", base_url=base, rate_limit=0)

        def osukit_sync(k: int) -> None:
            for _ in range(k):
                sync_client.request("GET", "api/v2/users/2")

        results["osukit Client (sync)"] = cpu_per_request(osukit_sync, n)

        async def raw_httpx_async(k: int) -> None:
            async with httpx.AsyncClient() as c:
                for _ in range(k):
                    (await c.get(base + "/api/v2/users/2")).json()

        results["httpx async (raw)"] = cpu_per_request(run_async(raw_httpx_async), n)

        try:
            import aiohttp

            async def raw_aiohttp(k: int) -> None:
                async with aiohttp.ClientSession() as s:
                    for _ in range(k):
                        async with s.get(base + "/api/v2/users/2") as r:
                            await r.json()

            results["aiohttp (raw)"] = cpu_per_request(run_async(raw_aiohttp), n)
        except ImportError:
            pass

        async def osukit_async(k: int) -> None:
            async with osukit.AsyncClient(access_token="bench-token-xxxxxx", base_url=base, rate_limit=0) as c:
                for _ in range(k):
                    await c.request("GET", "api/v2/users/2")

        results["osukit AsyncClient (default: native aiohttp)"] = cpu_per_request(run_async(osukit_async), n)

        async def osukit_async_httpx(k: int) -> None:
            async with osukit.AsyncClient(access_token="bench-token-xxxxxx", base_url=base, rate_limit=0,
                                          http_backend="httpx") as c:
                for _ in range(k):
                    await c.request("GET", "api/v2/users/2")

        results["osukit AsyncClient (http_backend=httpx)"] = cpu_per_request(run_async(osukit_async_httpx), n)

        try:
            from httpx_aiohttp import AiohttpTransport

            async def osukit_async_aiohttp(k: int) -> None:
                async with osukit.AsyncClient(
                    access_token="bench-token-xxxxxx", base_url=base, rate_limit=0, transport=AiohttpTransport()
                ) as c:
                    for _ in range(k):
                        await c.request("GET", "api/v2/users/2")

            results["osukit AsyncClient (httpx-aiohttp transport)"] = cpu_per_request(run_async(osukit_async_aiohttp), n)
        except ImportError:
            pass
    finally:
        proc.terminate()
        proc.wait()

    def import_ms(stmt: str) -> float:
        times = []
        for _ in range(7):
            t = time.perf_counter()
            subprocess.run([sys.executable, "-c", stmt], check=True, env={**os.environ, "PYTHONDONTWRITEBYTECODE": "1"})
            times.append((time.perf_counter() - t) * 1000)
        return statistics.median(times)

    baseline = import_ms("pass")
    imports = {
        "import httpx": import_ms("import httpx") - baseline,
        "import osukit": import_ms("import osukit") - baseline,
        "import osukit; osukit.Client": import_ms("import osukit; osukit.Client") - baseline,
        "import aiohttp": import_ms("import aiohttp") - baseline,
    }

    print(f"client CPU per request over loopback ({n} requests each)")
    for name, ms in results.items():
        print(f"  {name:42s} {ms:7.3f} ms")
    ref_sync = results["httpx sync (raw)"]
    print(f"  ratio osukit sync / raw httpx sync:         {results['osukit Client (sync)'] / ref_sync:.2f}x")
    if "aiohttp (raw)" in results:
        ref = results["aiohttp (raw)"]
        for key in ("osukit AsyncClient (default: native aiohttp)", "osukit AsyncClient (http_backend=httpx)",
                    "osukit AsyncClient (httpx-aiohttp transport)"):
            if key in results:
                print(f"  ratio {key} / raw aiohttp: {results[key] / ref:.2f}x")
    print("import time (median of 7, interpreter start subtracted)")
    for name, ms in imports.items():
        print(f"  {name:32s} {ms:7.1f} ms")
    print(f"  ratio import osukit / import httpx: {imports['import osukit'] / imports['import httpx']:.2f}x")
    print(json.dumps({"cpu_ms": results, "import_ms": imports}))


if __name__ == "__main__":
    main()
