"""``GET /rooms/{room}/events`` of a room played on the emulated referee hub follows osu-web and
what happened in the room (``RoomsController::events``, ``RealtimeRoomEventTransformer``,
``PlaylistItemTransformer::includeDetails``; rows written by osu-server-spectator's
``MultiplayerEventDispatcher``).

The room: a 2v2 team-versus room where the players pick their own team (not the one their slot's
parity would give), one map played, a second map aborted then played, a player who leaves.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator
from typing import Any

import httpx
import pytest

import osukit
import osukit.referee
from osukit.emulator import Emulator
from osukit.emulator.referee_hub import HUBS
from osukit.tournament import match_results

pytest.importorskip("websockets")

SCOPES = ["public", "delegate", "multiplayer.write_manage"]
SCORES = {0: [500_000, 400_000, 300_000, 200_000], 1: [10, 20, 30, 40]}


@pytest.fixture(scope="module")
def emu() -> Iterator[Emulator]:
    with Emulator(seed=0) as e:
        yield e


def _when(text: str) -> dt.datetime:
    return dt.datetime.fromisoformat(text.replace("Z", "+00:00"))


@pytest.mark.timeout(300)
async def test_events_of_a_played_hub_room(emu: Emulator) -> None:
    world = emu.state.world
    bot = world.bot_user_id
    players = [u for u in world.users if u not in (bot, world.test_user_id) and not world.users[u].get("is_bot")][:4]
    maps = [b["id"] for b in world.beatmaps.values() if b["mode"] == "osu"][:2]
    token = str(emu.mint_token(user_id=bot, scopes=SCOPES, refresh=False)["access_token"])
    http = httpx.AsyncClient(base_url=emu.base_url, timeout=30, headers={"Authorization": f"Bearer {token}"})

    async def player(uid: int, action: str, **body: Any) -> None:
        response = await http.post(f"/_emulator/referee/players/{uid}/{action}", json=body)
        assert response.status_code == 200, response.text

    client = osukit.AsyncClient(base_url=emu.base_url, rate_limit=0, grant=osukit.StaticToken(token, scopes=SCOPES))
    async with osukit.referee.AsyncRefereeClient(client, base_url=emu.base_url) as hub:
        room = await hub.make_room(maps[0], name="events", max_participants=4)
        rid = room.room_id
        await hub.change_room_settings(rid, type="team_versus")
        for uid in players:
            await player(uid, "join", room_id=rid)  # slots 0, 1, 2, 3
        # Their own choice: slots 0 and 1 play blue, 2 and 3 red (slot parity would say red, blue, red, blue).
        chosen = dict(zip(players, ["blue", "blue", "red", "red"], strict=True))
        for uid, team in chosen.items():
            await player(uid, "team", team=team)

        async def play(scores: list[int]) -> None:
            for uid in players:
                await player(uid, "ready")
            await hub.start_match(rid)
            for uid, score in zip(players, scores, strict=True):
                await player(uid, "finish", score=score)

        await play(SCORES[0])
        await hub.edit_current_playlist_item(rid, beatmap_id=maps[1])
        for uid in players:
            await player(uid, "ready")
        await hub.start_match(rid)
        await hub.abort_match(rid)
        await play(SCORES[1])
        await player(players[3], "leave")

        response = await http.get(f"/api/v2/rooms/{rid}/events")
        assert response.status_code == 200, response.text
        body = response.json()
    now = HUBS[emu.state].now()

    events = body["events"]
    kinds = [e["event_type"] for e in events]
    assert kinds.count("room_created") == 1 and kinds[0] == "room_created"
    assert events[0]["user_id"] == bot and events[0]["playlist_item_id"] is None
    assert kinds[1:5] == ["player_joined"] * 4 and [e["user_id"] for e in events[1:5]] == players
    assert kinds[5:] == ["game_started", "game_completed", "game_started", "game_aborted", "game_started",
                         "game_completed", "player_left"]
    assert events[-1]["user_id"] == players[3]
    # Ids grow, times never go back and none is ahead of the emulator's clock.
    ids = [e["id"] for e in events]
    assert ids == sorted(ids) and len(set(ids)) == len(ids)
    assert (body["first_event_id"], body["last_event_id"]) == (ids[0], ids[-1])
    times = [_when(e["created_at"]) for e in events]
    assert times == sorted(times)
    assert all(t.timestamp() <= now + 1e-3 for t in times)
    # One playlist item per map, the second one played twice (aborted, then completed).
    first, second = events[5]["playlist_item_id"], events[7]["playlist_item_id"]
    assert first != second
    assert [e["playlist_item_id"] for e in events[5:11]] == [first, first, second, second, second, second]
    items = {p["id"]: p for p in body["playlist_items"]}
    assert set(items) == {first, second}
    assert (items[first]["beatmap_id"], items[second]["beatmap_id"]) == (maps[0], maps[1])
    assert body["current_playlist_item_id"] not in (first, second)  # host-only queue: a new copy comes next
    for p in items.values():
        details = p["details"]
        assert details["room_type"] == "team_versus"
        assert details["teams"] == {str(uid): team for uid, team in chosen.items()}
        assert details["slots"] == {str(uid): slot for slot, uid in enumerate(players)}
        assert _when(details["started_at"]).timestamp() <= now + 1e-3
    assert {s["user_id"]: s["total_score"] for s in items[first]["scores"]} == dict(zip(players, SCORES[0], strict=True))
    assert {u["id"] for u in body["users"]} == {bot, *players}
    assert {b["id"] for b in body["beatmaps"]} == set(maps)
    assert "_events" not in body["room"]

    # The same room as results: teams from the players' choice.
    results = match_results(body)
    assert [g.aborted for g in results.games] == [False, True, False]
    played = results.played
    blue = [uid for uid, team in chosen.items() if team == "blue"]
    assert played[0].blue_total == sum(s for uid, s in zip(players, SCORES[0], strict=True) if uid in blue)
    assert (played[0].winner, played[1].winner) == ("blue", "red")

    # Paging: ``after`` pages ascend, ``before`` gives the ones before.
    async with httpx.AsyncClient(base_url=emu.base_url, timeout=30, headers={"Authorization": f"Bearer {token}"}) as h:
        page = (await h.get(f"/api/v2/rooms/{rid}/events", params={"after": ids[2], "limit": 3})).json()
        assert [e["id"] for e in page["events"]] == ids[3:6]
        page = (await h.get(f"/api/v2/rooms/{rid}/events", params={"before": ids[2]})).json()
        assert [e["id"] for e in page["events"]] == ids[:2]
        # The legacy-style record of the room (/matches/{room}) has the chosen teams too.
        match = (await h.get(f"/api/v2/matches/{rid}")).json()
    games = [e["game"] for e in match["events"] if e.get("game")]
    assert [{s["user_id"]: s["match"]["team"] for s in g["scores"]} for g in games] == [chosen, chosen]
    await http.aclose()
    await client.aclose()
