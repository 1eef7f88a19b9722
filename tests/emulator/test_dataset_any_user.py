"""``GET /_emulator/dataset`` works whoever the test user is (``POST /_emulator/config {"test_user_id": …}``),
and an emulator bug answers 500 with a message, not ``{"error": null}``."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import httpx
import pytest


@pytest.fixture
def emu(osu_emulator: Any) -> Iterator[Any]:
    original = osu_emulator.state.world.test_user_id
    yield osu_emulator
    osu_emulator.state.world.test_user_id = original


def _user_ids(emu: Any) -> list[int]:
    """The original test user, two users with forum posts and three without any."""
    w = emu.state.world
    posters = {p["user_id"] for p in w.posts.values()}
    with_posts = [u for u in w.users if u in posters and u != w.test_user_id][:2]
    without = [u for u in w.users if u not in posters][:3]
    assert len(with_posts) == 2 and len(without) == 3  # the data set has both kinds
    return [w.test_user_id, *with_posts, *without, 2] if 2 in w.users else [w.test_user_id, *with_posts, *without]


def test_the_dataset_view_works_for_any_test_user(emu: Any) -> None:
    w = emu.state.world
    posters = {p["user_id"] for p in w.posts.values()}
    with httpx.Client(base_url=emu.base_url, timeout=30) as http:
        for uid in _user_ids(emu):
            r = http.post("/_emulator/config", json={"test_user_id": uid})
            assert r.status_code == 200 and r.json()["test_user_id"] == uid
            r = http.get("/_emulator/dataset")
            assert r.status_code == 200, r.text
            data = r.json()
            params = data["params"]
            assert data["test_user_id"] == uid and params["user"] == uid
            assert params["topic"] in w.topics and params["forum"] == w.topics[params["topic"]]["forum_id"]
            if uid in posters:
                post = params["post"]
                assert w.posts[post]["user_id"] == uid and post in w.topics[params["topic"]]["post_ids"]
            else:
                assert params["post"] is None
            # The page the dataset names for the user answers.
            token = emu.mint_token(uid, ["public"])["access_token"]
            me = http.get(f"/api/v2/users/{params['user']}", headers={"Authorization": f"Bearer {token}"})
            assert me.status_code == 200 and me.json()["id"] == uid


@pytest.mark.parametrize("bad", [-5, 0, "2", True, None, 10**12])
def test_config_refuses_a_test_user_that_does_not_exist(emu: Any, bad: Any) -> None:
    before = emu.state.world.test_user_id
    r = httpx.post(f"{emu.base_url}/_emulator/config", json={"test_user_id": bad}, timeout=30)
    assert r.status_code == 422 and "test_user_id" in r.json()["error"]
    assert emu.state.world.test_user_id == before


def test_an_internal_error_says_what_broke(emu: Any, monkeypatch: pytest.MonkeyPatch) -> None:
    def broken() -> dict[str, Any]:
        raise StopIteration

    monkeypatch.setattr(emu.state, "dataset", broken)
    r = httpx.get(f"{emu.base_url}/_emulator/dataset", timeout=30)
    assert r.status_code == 500
    message = r.json()["error"]
    assert isinstance(message, str) and "StopIteration" in message and "/_emulator/dataset" in message
