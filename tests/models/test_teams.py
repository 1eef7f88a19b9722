"""Team models: hand-written cases (the corpus has no team response)."""

from __future__ import annotations

import json
from typing import Any

from osukit._models import UNSET, unknown_fields
from osukit.models.teams import TeamExtended, TeamStatistics
from tests._helpers import assert_lossless


def _b(value: Any) -> bytes:
    return json.dumps(value).encode()


TEAM = {
    "flag_url": "https://assets.ppy.sh/teams/flag/1/b46f.png",
    "id": 1,
    "name": "example team",
    "short_name": "TEAM",
}


def _user(user_id: int, username: str) -> dict[str, Any]:
    return {
        "avatar_url": "https://osu.ppy.sh/images/layout/avatar-guest@2x.png",
        "country_code": "AU",
        "default_group": "default",
        "id": user_id,
        "is_active": True,
        "is_bot": False,
        "is_deleted": False,
        "is_online": False,
        "is_supporter": False,
        "last_visit": "2025-12-30T20:16:49+00:00",
        "pm_friends_only": False,
        "profile_colour": None,
        "username": username,
        "country": {"code": "AU", "name": "Australia"},
        "cover": {
            "custom_url": "https://assets.ppy.sh/teams/header/1/33e5.jpeg",
            "url": "https://assets.ppy.sh/teams/header/1/33e5.jpeg",
            "id": None,
        },
        "groups": [],
        "team": TEAM,
    }


TEAM_EXTENDED = {
    **TEAM,
    "cover_url": "https://assets.ppy.sh/teams/header/1/33e5.jpeg",
    "created_at": "2025-12-30T00:48:32+00:00",
    "default_ruleset_id": 0,
    "description": "[b]example description[/b]",
    "is_open": True,
    "empty_slots": 7,
    "leader": _user(1, "osuuser"),
    "members": [_user(2, "osuuser2")],
    "statistics": {
        "team_id": 1,
        "ruleset_id": 0,
        "play_count": 123,
        "ranked_score": 63742331,
        "performance": 54634,
    },
}


def test_team_extended() -> None:
    obj = assert_lossless(_b(TEAM_EXTENDED), TeamExtended)
    assert obj.short_name == "TEAM"
    assert obj.leader is not UNSET and obj.leader.username == "osuuser"
    assert obj.members is not UNSET and obj.members[0].id == 2
    assert obj.statistics is not UNSET
    assert obj.statistics.rank is UNSET
    assert obj.created_at.year == 2025


def test_team_extended_without_images_or_description() -> None:
    raw = {**TEAM_EXTENDED, "flag_url": None, "cover_url": None, "description": None, "members": []}
    obj = assert_lossless(_b(raw), TeamExtended)
    assert obj.flag_url is None and obj.description is None


def test_minimal_team_extended() -> None:
    raw = {
        k: v for k, v in TEAM_EXTENDED.items() if k not in ("empty_slots", "leader", "members", "statistics")
    }
    obj = assert_lossless(_b(raw), TeamExtended)
    assert obj.leader is UNSET and obj.statistics is UNSET


def test_team_statistics_ranking_entry() -> None:
    raw = {
        "team_id": 1,
        "ruleset_id": 3,
        "play_count": 10,
        "ranked_score": 20,
        "performance": 0,
        "rank": None,
        "member_count": 4,
        "team": TEAM,
    }
    obj = assert_lossless(_b(raw), TeamStatistics)
    assert obj.rank is None
    assert obj.member_count == 4
    assert obj.team is not UNSET and obj.team.id == 1


def test_unknown_field_tolerated() -> None:
    obj = assert_lossless(_b({**TEAM_EXTENDED, "channel_id": 9}), TeamExtended, strict=False)
    assert unknown_fields(obj) == {"channel_id": 9}
