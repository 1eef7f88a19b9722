"""Table titles read naturally and say their filter; a 404 names what was really not found."""

from __future__ import annotations

from typing import Any

import pytest

from osukit import NotFoundError
from osukit.cli._errors import explain
from tests.cli.conftest import Cli, emu_env


@pytest.mark.parametrize(("kind", "title"), [("best", "best scores of peppy"), ("recent", "recent scores of peppy"),
                                             ("firsts", "first-place scores of peppy"),
                                             ("pinned", "pinned scores of peppy")])
def test_score_titles(cli: Cli, emu: Any, kind: str, title: str) -> None:
    r = cli("--rate-limit", "0", "scores", "2", kind, "-n", "1", "--include-fails", env=emu_env(emu))
    assert r.code == 0, r.err
    assert r.out.splitlines()[0].strip() == title


def test_ranking_title_names_the_country(cli: Cli, emu: Any) -> None:
    env = emu_env(emu)
    r = cli("--rate-limit", "0", "rankings", "taiko", "performance", "--country", "au", "-n", "2", env=env)
    assert r.code == 0, r.err
    assert r.out.splitlines()[0].strip() == "taiko performance ranking in AU"
    r = cli("--rate-limit", "0", "rankings", "taiko", "score", "-n", "2", env=env)
    assert r.out.splitlines()[0].strip() == "taiko score ranking"


@pytest.mark.parametrize("kind", ["country", "charts"])
def test_country_only_for_performance_and_score(cli: Cli, kind: str) -> None:
    r = cli("rankings", "osu", kind, "--country", "AU")
    assert r.code == 2
    assert r.err_lines[0] == f"osukit: error: --country applies only to the performance and score rankings, not {kind}"


def test_unknown_spotlight(cli: Cli, emu: Any) -> None:
    r = cli("--rate-limit", "0", "rankings", "osu", "charts", "--spotlight", "99999", env=emu_env(emu))
    assert r.code == 5, r.err
    assert r.err_lines[0] == "osukit: error: spotlight 99999 not found (404) [rankings.get]"


@pytest.mark.parametrize(("url", "line"), [
    ("https://osu.ppy.sh/api/v2/rankings/osu/charts?spotlight=7", "spotlight 7 not found (404)"),
    ("https://osu.ppy.sh/api/v2/rankings/osu/performance", "ranking osu performance not found (404)"),
    ("https://osu.ppy.sh/api/v2/beatmaps/lookup?checksum=abc", "no beatmap matches checksum=abc (404)"),
    ("https://osu.ppy.sh/api/v2/beatmapsets/lookup?beatmap_id=5", "no beatmapset matches beatmap_id=5 (404)"),
    ("https://osu.ppy.sh/api/v2/users/2", "user 2 not found (404)"),
])
def test_not_found_lines(url: str, line: str) -> None:
    assert explain(NotFoundError("Not Found", status_code=404, method="GET", url=url)).title == line
