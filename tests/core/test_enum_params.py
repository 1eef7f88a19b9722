"""A string parameter osu-web only knows in a few spellings is refused before any request, naming them."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from typing import Any

import pytest

import osukit
from osukit import InvalidParameterError
from osukit.emulator import Emulator


@pytest.fixture(scope="module")
def osu() -> Iterator[tuple[osukit.Client, Emulator]]:
    with Emulator(seed=0) as emu, osukit.Client(client_id=emu.client_id, client_secret=emu.client_secret,
                                                base_url=emu.base_url, rate_limit=0) as client:
        yield client, emu


CASES: list[tuple[Callable[[osukit.Client], Any], str]] = [
    (lambda c: c.users.scores(2, "bestt"), "type must be one of best, firsts, recent, pinned; got 'bestt'"),
    (lambda c: c.users.beatmapsets(2, "favourites"), "type must be one of favourite, graveyard"),
    (lambda c: c.rankings.get("osu", "perf"), "type must be one of charts, country, performance, score, team"),
    (lambda c: c.rankings.get("osu", filter="friend"), "filter must be one of all, friends; got 'friend'"),
    (lambda c: c.rankings.get("osu", variant="4k"), "variant must be all or one of 4k (mania), 7k (mania)"),
    (lambda c: c.rankings.get("mania", variant="5k"), "variant must be all or one of 4k (mania), 7k (mania)"),
    (lambda c: c.rankings.get("mania", "country", variant="4k"), "variant must be all or one of"),
    (lambda c: c.rankings.get("osu", "charts", country="AU"), "country filters only the performance and score"),
    (lambda c: c.beatmapsets.search(sort="plays"), "sort must be one of title_asc"),
    (lambda c: c.beatmapsets.search(played="yes"), "played must be one of any, played, unplayed; got 'yes'"),
    (lambda c: c.beatmapsets.search(extra=["video", "sb"]), "extra must be one of video, storyboard; got 'sb'"),
    (lambda c: c.beatmapsets.search(general=["recommend"]), "general must be one of recommended"),
    (lambda c: c.beatmapsets.search(rank=["ss"]), "rank must be one of XH, X, SH, S, A, B, C, D; got 'ss'"),
    (lambda c: c.discussions.list(sort="newest"), "sort must be one of id_desc, id_asc; got 'newest'"),
    (lambda c: c.discussions.list(message_types=["bug"]), "message_types must be one of suggestion, problem"),
    (lambda c: c.discussions.list(beatmapset_status="loved"), "beatmapset_status must be one of all, ranked"),
    (lambda c: c.discussions.posts(types=["firsts"]), "types must be one of first, reply, system"),
    (lambda c: c.discussions.votes(sort="id"), "sort must be one of id_desc, id_asc"),
    (lambda c: c.events.list(sort="desc"), "sort must be one of id_desc, id_asc"),
    (lambda c: c.rooms.list(type_group="playlist"), "type_group must be one of playlists, ranked-play, realtime"),
    (lambda c: c.rooms.list(sort="newest"), "sort must be one of created, ended; got 'newest'"),
]


@pytest.mark.parametrize(("call", "message"), CASES)
def test_refused_before_any_request(osu: tuple[osukit.Client, Emulator], call: Callable[[osukit.Client], Any],
                                    message: str) -> None:
    client, emu = osu
    emu.reset_stats()
    with pytest.raises(InvalidParameterError) as info:
        call(client)
    assert message in str(info.value)
    assert emu.stats()["requests"] == 0


def test_known_values_still_work(osu: tuple[osukit.Client, Emulator]) -> None:
    client, _ = osu
    assert len(list(client.users.scores(2, "best", limit=2))) == 2
    assert list(client.users.scores(2, osukit.resources.users.UserScoreType.FIRSTS, limit=1)) is not None
    client.users.beatmapsets(2, "ranked_and_approved", limit=1)  # a deprecated name osu-web still accepts
    assert list(client.rankings.get("osu", "score", country="AU", limit=1))
    client.rankings.get("mania", variant="4k", limit=1)
    client.beatmapsets.search(sort="creator_asc", played="any", extra=["video"], limit=1)
