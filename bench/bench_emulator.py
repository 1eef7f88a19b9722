"""Emulator startup time and small-GET throughput over loopback (rate limiting off).

Run: python bench/bench_emulator.py [--seconds 5] [--concurrency 32]
"""

from __future__ import annotations

import argparse
import asyncio
import time

import aiohttp

from osukit.emulator import Emulator


async def hammer(url: str, headers: dict[str, str], seconds: float, concurrency: int) -> int:
    done = 0
    deadline = time.perf_counter() + seconds
    async with aiohttp.ClientSession(headers=headers) as session:

        async def worker() -> None:
            nonlocal done
            while time.perf_counter() < deadline:
                async with session.get(url) as r:
                    await r.read()
                    assert r.status == 200
                done += 1

        await asyncio.gather(*(worker() for _ in range(concurrency)))
    return done


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--seconds", type=float, default=5.0)
    parser.add_argument("--concurrency", type=int, default=32)
    args = parser.parse_args()
    start = time.perf_counter()
    with Emulator(seed=0) as emu:
        import httpx

        httpx.get(emu.base_url + "/api/v2/changelog")
        startup = time.perf_counter() - start
    print(f"startup to first response (in-process): {startup:.3f} s")
    # Throughput: the server in its own process, so the load generator does not share its GIL.
    import socket
    import subprocess
    import sys

    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    proc = subprocess.Popen([sys.executable, "-m", "osukit.emulator", "--port", str(port)], stdout=subprocess.PIPE, text=True)
    try:
        import httpx

        line = proc.stdout.readline() if proc.stdout else ""
        secret = line.split("client_secret=")[1].split()[0]
        client_id = line.split("client_id=")[1].split()[0]
        base = f"http://127.0.0.1:{port}"
        for _ in range(200):
            try:
                token = httpx.post(f"{base}/oauth/token", data={"client_id": client_id, "client_secret": secret,
                                                                "grant_type": "client_credentials", "scope": "public"}).json()["access_token"]
                break
            except httpx.TransportError:
                time.sleep(0.05)
        url = f"{base}/api/v2/users/2/kudosu?limit=1"
        n = asyncio.run(hammer(url, {"Authorization": f"Bearer {token}"}, args.seconds, args.concurrency))
    finally:
        proc.terminate()
        proc.wait()
    print(f"small GETs: {n / args.seconds:.0f} requests/s ({n} in {args.seconds:.0f} s, {args.concurrency} concurrent)")


if __name__ == "__main__":
    main()
