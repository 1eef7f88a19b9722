"""Referee hub figures over loopback, against the emulated hub.

* Event latency: a scripted player's action (``POST /_emulator/referee/players/{id}/ready|idle``)
  to the ``UserStatusChanged`` event in the referee's ``async for`` loop; median and p95 for
  osukit's own SignalR layer and, as the reference measured in the same run, for pysignalr 1.3.3
  (the PyPI client used to check the emulator), plus a plain HTTP round trip to the emulator.
* Reconnect-to-rejoined: from dropping the referee's socket to the ``Reconnected`` event (every
  managed room joined again and rebuilt), with rooms under management.

Run: python bench/bench_referee.py [--samples 300] [--reconnects 30] [--rooms 4]
"""

from __future__ import annotations

import argparse
import asyncio
import statistics
import sys
import time
from pathlib import Path
from typing import Any

import httpx

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "src"))

import osukit
from osukit.emulator import Emulator
from osukit.referee import AsyncRefereeClient, Reconnected, ReconnectPolicy, UserStatusChangedEvent

SCOPES = ["delegate", "multiplayer.write_manage"]


def summary(values: list[float]) -> str:
    ms = sorted(v * 1000 for v in values)
    p95 = ms[min(len(ms) - 1, round(0.95 * (len(ms) - 1)))]
    return f"median {statistics.median(ms):.2f} ms, p95 {p95:.2f} ms (n={len(ms)})"


async def osukit_latency(emu: Emulator, http: httpx.AsyncClient, token: str, beatmap: int, player: int, n: int) -> list[float]:
    client = osukit.AsyncClient(base_url=emu.base_url, rate_limit=0, grant=osukit.StaticToken(token, scopes=SCOPES))
    out: list[float] = []
    async with client, AsyncRefereeClient(client, base_url=emu.base_url) as ref:
        room = await ref.make_room(beatmap)
        arrivals: asyncio.Queue[float] = asyncio.Queue()

        async def consume() -> None:  # the user's `async for` loop, timestamping each arrival
            async for event in ref:
                if isinstance(event, UserStatusChangedEvent) and event.user_id == player:
                    arrivals.put_nowait(time.perf_counter())

        consumer = asyncio.create_task(consume())
        await http.post(f"/_emulator/referee/players/{player}/join", json={"room_id": room.room_id})
        for i in range(n):
            action = "ready" if i % 2 == 0 else "idle"
            t0 = time.perf_counter()
            await http.post(f"/_emulator/referee/players/{player}/{action}", json={})
            out.append(await arrivals.get() - t0)
        consumer.cancel()
        await http.post(f"/_emulator/referee/players/{player}/leave", json={})
        await ref.close_room(room.room_id)
    return out


async def pysignalr_latency(emu: Emulator, http: httpx.AsyncClient, token: str, beatmap: int, player: int, n: int) -> list[float]:
    from pysignalr.client import SignalRClient

    client = SignalRClient(f"{emu.base_url}/referee", headers={"Authorization": f"Bearer {token}"})
    events: asyncio.Queue[float] = asyncio.Queue()
    opened = asyncio.Event()

    async def on_status(arguments: list[Any]) -> None:
        events.put_nowait(time.perf_counter())

    async def on_open() -> None:
        opened.set()

    async def on_error(message: Any) -> None:
        pass

    client.on("UserStatusChanged", on_status)
    client.on_open(on_open)
    client.on_error(on_error)
    task = asyncio.create_task(client.run())
    await opened.wait()
    done: asyncio.Future[Any] = asyncio.get_running_loop().create_future()

    async def made(message: Any) -> None:
        done.set_result(message.result)

    await client.send("MakeRoom", [{"ruleset_id": 0, "beatmap_id": beatmap}], on_invocation=made)
    room = await done
    await http.post(f"/_emulator/referee/players/{player}/join", json={"room_id": room["room_id"]})
    out: list[float] = []
    for i in range(n):
        action = "ready" if i % 2 == 0 else "idle"
        t0 = time.perf_counter()
        await http.post(f"/_emulator/referee/players/{player}/{action}", json={})
        out.append(await events.get() - t0)
    await http.post(f"/_emulator/referee/players/{player}/leave", json={})
    await client.send("CloseRoom", [room["room_id"]])
    task.cancel()
    return out


async def http_round_trip(http: httpx.AsyncClient, n: int) -> list[float]:
    out = []
    for _ in range(n):
        t0 = time.perf_counter()
        await http.get("/_emulator/referee/stats")
        out.append(time.perf_counter() - t0)
    return out


async def reconnects(emu: Emulator, http: httpx.AsyncClient, token: str, beatmap: int, n: int, rooms: int) -> tuple[list[float], list[float]]:
    client = osukit.AsyncClient(base_url=emu.base_url, rate_limit=0, grant=osukit.StaticToken(token, scopes=SCOPES))
    observed: list[float] = []
    downtime: list[float] = []
    policy = ReconnectPolicy(initial=0.05, maximum=1.0)
    async with client, AsyncRefereeClient(client, base_url=emu.base_url, reconnect=policy) as ref:
        made = [await ref.make_room(beatmap) for _ in range(rooms)]
        for _ in range(n):
            t0 = time.perf_counter()
            await http.post("/_emulator/referee/drop", json={})
            async for event in ref:
                if isinstance(event, Reconnected):
                    observed.append(time.perf_counter() - t0)
                    downtime.append(event.downtime)
                    assert len(event.rooms) == rooms
                    break
        for room in made:
            await ref.close_room(room.room_id)
    return observed, downtime


async def amain(args: argparse.Namespace) -> None:
    with Emulator(seed=0) as emu:
        world = emu.state.world
        bot = world.bot_user_id
        token = emu.mint_token(user_id=bot, scopes=SCOPES)["access_token"]
        beatmap = next(b["id"] for b in world.beatmaps.values() if b["mode"] == "osu")
        player = next(u for u in world.users if u not in (bot, world.test_user_id))
        async with httpx.AsyncClient(base_url=emu.base_url) as http:
            await http_round_trip(http, 50)  # warm up
            await osukit_latency(emu, http, token, beatmap, player, 20)
            ours = await osukit_latency(emu, http, token, beatmap, player, args.samples)
            ref = await pysignalr_latency(emu, http, token, beatmap, player, args.samples)
            rtt = await http_round_trip(http, args.samples)
            observed, downtime = await reconnects(emu, http, token, beatmap, args.reconnects, args.rooms)
    print(f"player action -> event, osukit.referee: {summary(ours)}")
    print(f"player action -> event, pysignalr 1.3.3 (reference): {summary(ref)}")
    print(f"HTTP round trip of a control request (the scripted action's own cost): {summary(rtt)}")
    print(f"median ratio osukit / pysignalr: {statistics.median(ours) / statistics.median(ref):.2f}x; "
          f"osukit / HTTP round trip: {statistics.median(ours) / statistics.median(rtt):.2f}x")
    print(f"drop -> Reconnected (all {args.rooms} rooms rejoined and rebuilt): {summary(observed)}")
    print(f"Reconnected.downtime as the client measured it: {summary(downtime)}")


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--samples", type=int, default=300)
    parser.add_argument("--reconnects", type=int, default=30)
    parser.add_argument("--rooms", type=int, default=4)
    asyncio.run(amain(parser.parse_args()))


if __name__ == "__main__":
    main()
