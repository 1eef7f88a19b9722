"""Teams: the full team object of ``GET /teams/{team}/{ruleset?}`` and team statistics.

Shapes follow osu-web's ``TeamExtendedTransformer``, ``TeamTransformer``,
``TeamStatisticsTransformer`` and ``TeamsController@show``. The compact
[`Team`][osukit.models.users.Team] (as embedded in users) lives in ``users``.
"""

from __future__ import annotations

from datetime import datetime

from msgspec import UNSET, UnsetType

from .common import Model
from .users import Team, UserCompact

__all__ = ["TeamExtended", "TeamStatistics"]


class TeamStatistics(Model):
    """A team's gameplay statistics in one ruleset.

    Returned in ``TeamExtended.statistics`` (``GET /teams/{team}``) and as the
    ranking entries of ``GET /rankings/{mode}/team`` (with ``member_count`` and
    ``team``).
    """

    team_id: int
    """Id of the team."""
    ruleset_id: int
    """Ruleset of these statistics (0 osu, 1 taiko, 2 fruits, 3 mania)."""
    play_count: int
    """Sum of the members' play counts."""
    ranked_score: int
    """Sum of the members' ranked score."""
    performance: int
    """Team performance points."""
    rank: int | UnsetType | None = UNSET
    """Rank among teams in this ruleset (``None`` without performance; only when included)."""
    member_count: int | UnsetType = UNSET
    """Number of members (team rankings)."""
    team: Team | UnsetType = UNSET
    """The team (team rankings)."""


class TeamExtended(Model):
    """A team with its details, members and statistics (``GET /teams/{team}/{ruleset?}``)."""

    flag_url: str | None
    """URL of the team's flag (its profile picture)."""
    id: int
    """Unique identifier of the team."""
    name: str
    """Display name of the team."""
    short_name: str
    """Unique short name (tag) of the team, at most 4 characters."""
    cover_url: str | None
    """URL of the team's cover image."""
    created_at: datetime
    """When the team was created."""
    default_ruleset_id: int
    """The team's default ruleset (used when the route names none)."""
    description: str | None
    """The team's description (BBCode)."""
    is_open: bool
    """Whether the team accepts member applications."""
    empty_slots: int | UnsetType = UNSET
    """How many more members the team can take."""
    leader: UserCompact | UnsetType = UNSET
    """The team's owner (with the card includes)."""
    members: list[UserCompact] | UnsetType = UNSET
    """Members other than the leader (with the card includes)."""
    statistics: TeamStatistics | UnsetType = UNSET
    """Statistics in the requested (or default) ruleset."""
