"""``osukit match results room:ID`` while the match goes on: who leads, not a winner; a closed room
(or a side past half of ``--best-of``) gets ``winner:``."""

from __future__ import annotations

import asyncio

import pytest

from osukit.referee import AsyncRefereeClient, MatchType

from .conftest import FAST, Env, wait_for

pytest.importorskip("typer")
pytestmark = pytest.mark.timeout(180)


def _results(env: Env, capsys: pytest.CaptureFixture[str], rid: int, *extra: str) -> str:
    from osukit.cli._app import run_app

    capsys.readouterr()
    code = run_app(["--base-url", env.emu.base_url, "--access-token", env.token(env.bot, ("public",)),
                    "match", "results", f"room:{rid}", *extra])
    out = capsys.readouterr().out
    assert code == 0, out
    return out


async def test_one_map_of_a_best_of_7_is_a_lead_not_a_win(env: Env, capsys: pytest.CaptureFixture[str]) -> None:
    red, blue = env.players[4:6]
    async with env.async_client(env.bot) as client, \
            AsyncRefereeClient(client, base_url=env.emu.base_url, reconnect=FAST) as ref:
        room = await ref.make_room(env.osu_beatmap, name="results: not over", max_participants=4)
        rid = room.room_id
        await ref.change_room_settings(rid, type=MatchType.TEAM_VERSUS)
        await wait_for(ref, lambda e: type(e).__name__ == "MatchStateChangedEvent")
        for uid, slot, team in ((red, 0, "red"), (blue, 1, "blue")):
            await env.aplayer(uid, "join", room_id=rid, slot=slot)
            await ref.move_user(rid, uid, slot=slot, team=team)
            await wait_for(ref, lambda e, u=uid: type(e).__name__ == "UserTeamChangedEvent" and e.user_id == u)
        for uid in (red, blue):
            await env.aplayer(uid, "ready")
        await ref.start_match(rid)
        await wait_for(ref, lambda e: type(e).__name__ == "MatchStartedEvent")
        await env.aplayer(red, "finish", score=500_000)
        await env.aplayer(blue, "finish", score=900_000)
        await wait_for(ref, lambda e: type(e).__name__ == "MatchCompletedEvent")

        out = await asyncio.to_thread(_results, env, capsys, rid)
        assert "blue leads 1 - 0 (the match is not over)" in out, out
        assert "winner:" not in out, out
        assert "blue leads 1 - 0" in await asyncio.to_thread(_results, env, capsys, rid, "--best-of", "7")
        decided = await asyncio.to_thread(_results, env, capsys, rid, "--best-of", "1")
        assert "red 0 - 1 blue; winner: blue" in decided, decided

        await ref.close_room(rid)
        await wait_for(ref, lambda e: type(e).__name__ == "RoomClosed")
    closed = await asyncio.to_thread(_results, env, capsys, rid)
    assert "red 0 - 1 blue; winner: blue" in closed and "leads" not in closed, closed
