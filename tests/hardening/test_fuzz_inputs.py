"""Fuzzing the OAuth callback parser and the emulator's request parsing."""

from __future__ import annotations

import asyncio
from typing import Any

import httpx
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

import osukit
from osukit.emulator import create_app
from osukit.oauth import parse_redirect

from .._figures import count

APP = create_app(0)
TOKEN = APP.state.emulator.mint(None, frozenset({"public"}), "client_credentials")["access_token"]


@settings(max_examples=300, deadline=None)
@given(st.text(max_size=300), st.text(max_size=20))
def test_callback_parsing_raises_only_authentication_errors(url: str, state: str) -> None:
    try:
        parse_redirect(url, state or "s")
    except osukit.AuthenticationError:
        count("fuzzing: OAuth callback", "AuthenticationError")
    count("fuzzing: OAuth callback", "inputs")


@settings(max_examples=100, deadline=None)
@given(st.text(alphabet=st.characters(min_codepoint=32, max_codepoint=0x10FFFF, blacklist_categories=("Cs",)), max_size=40))
def test_callback_with_hostile_state_values(value: str) -> None:
    try:
        parse_redirect(f"http://127.0.0.1/cb?code=c&state={value}", "expected")
    except osukit.AuthenticationError:
        count("fuzzing: OAuth callback", "AuthenticationError")
    count("fuzzing: OAuth callback", "inputs")


SEGMENTS = st.sampled_from(["api", "v2", "users", "2", "scores", "best", "beatmaps", "lookup", "chat", "channels", "5",
                            "messages", "rankings", "osu", "performance", "forums", "topics", "%00", "..", "-1",
                            "99999999999999999999", "@peppy", "get_user", "oauth", "token", "_emulator", "stats"])
QUERY = st.dictionaries(st.sampled_from(["limit", "offset", "cursor_string", "cursor[id]", "ids[]", "mode", "page",
                                         "since", "until", "k", "type", "key", "sort"]),
                        st.one_of(st.text(max_size=12), st.integers(-10**20, 10**20).map(str)), max_size=5)


@settings(max_examples=250, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.lists(SEGMENTS, min_size=1, max_size=6), QUERY, st.sampled_from(["GET", "POST", "PUT", "DELETE", "PATCH"]),
       st.binary(max_size=64))
def test_emulator_never_answers_500_to_client_mistakes(parts: list[str], query: dict[str, str], method: str, body: bytes) -> None:
    async def call() -> int:
        async with httpx.AsyncClient(transport=httpx.ASGITransport(app=APP), base_url="http://emu") as http:
            r = await http.request(method, "/" + "/".join(parts), params=query, content=body,
                                   headers={"Authorization": f"Bearer {TOKEN}", "Content-Type": "application/json"})
            return r.status_code

    status: Any = asyncio.run(call())
    count("fuzzing: emulator requests", "requests")
    count("fuzzing: emulator requests", f"status {status // 100}xx")
    assert status < 500, (method, parts, query)
