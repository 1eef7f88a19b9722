"""Scores in both shapes osu! sends.

* [`Score`][osukit.models.scores.Score] - the lazer/solo shape (``x-api-version`` ≥ 20220705, osukit's
  default): ``total_score``, ``ruleset_id``, ``ended_at``, ``statistics`` with
  hit-result names, ``maximum_statistics``, ``mods`` as objects.
* [`LegacyScore`][osukit.models.scores.LegacyScore] - the legacy shape (below 20220705): ``score``,
  ``mode``, ``created_at``, ``statistics.count_*``, ``mods`` as acronyms.

Follows osu-web's ``ScoreTransformer`` (both branches).
"""

from __future__ import annotations

from collections.abc import Iterator
from datetime import datetime
from typing import Any

import msgspec
from msgspec import UNSET, UnsetType

from ..enums import Ruleset
from .beatmaps import Beatmap, BeatmapsetCompact
from .common import Model, Mods
from .users import UserCompact

__all__ = [
    "BeatmapScores",
    "BeatmapUserScore",
    "BeatmapUserScores",
    "LegacyBeatmapScores",
    "LegacyBeatmapUserScore",
    "LegacyBeatmapUserScores",
    "LegacyScore",
    "LegacyScoreStatistics",
    "Score",
    "ScoreCurrentUserAttributes",
    "ScoreMatch",
    "ScorePin",
    "ScoreStatistics",
    "ScoreWeight",
    "ScoresResponse",
]


class ScoreStatistics(Model):
    """Hit results of a lazer-shaped score (absent results were zero)."""

    miss: int | UnsetType = UNSET
    meh: int | UnsetType = UNSET
    ok: int | UnsetType = UNSET
    good: int | UnsetType = UNSET
    great: int | UnsetType = UNSET
    perfect: int | UnsetType = UNSET
    small_tick_miss: int | UnsetType = UNSET
    small_tick_hit: int | UnsetType = UNSET
    large_tick_miss: int | UnsetType = UNSET
    large_tick_hit: int | UnsetType = UNSET
    small_bonus: int | UnsetType = UNSET
    large_bonus: int | UnsetType = UNSET
    ignore_miss: int | UnsetType = UNSET
    ignore_hit: int | UnsetType = UNSET
    combo_break: int | UnsetType = UNSET
    slider_tail_hit: int | UnsetType = UNSET
    legacy_combo_increase: int | UnsetType = UNSET


class LegacyScoreStatistics(Model):
    """Hit counts of a legacy-shaped score (geki/katu are null outside taiko/mania/catch)."""

    count_50: int | None
    count_100: int | None
    count_300: int | None
    count_geki: int | None
    count_katu: int | None
    count_miss: int | None


class ScoreWeight(Model):
    """How much a top play counts toward total pp."""

    percentage: float
    pp: float


class ScorePin(Model):
    """Pinning state of one of the token's user's own scores (``Score/CurrentUserAttributesTransformer``)."""

    is_pinned: bool
    score_id: int
    score_type: str | UnsetType = UNSET
    """Older osu-web versions sent the score's type here."""


class ScoreMatch(Model):
    """The ``match`` include of a stable match game score: slot, team and whether the player passed."""

    slot: int
    team: str
    """``none``, ``blue`` or ``red``."""
    pass_: bool = msgspec.field(name="pass")


class ScoreCurrentUserAttributes(Model):
    """What the token's user sees of the score (pinning)."""

    pin: ScorePin | UnsetType | None = UNSET
    """Null unless the score is the token's user's own (and pinnable)."""


class _ScoreIncludes(Model):
    beatmap: Beatmap | UnsetType = UNSET
    beatmapset: BeatmapsetCompact | UnsetType = UNSET
    current_user_attributes: ScoreCurrentUserAttributes | UnsetType = UNSET
    match: ScoreMatch | UnsetType = UNSET
    """Multiplayer slot/team/pass (match scores)."""
    position: int | UnsetType | None = UNSET
    rank_country: int | UnsetType | None = UNSET
    rank_global: int | UnsetType | None = UNSET
    replay_views: int | UnsetType = UNSET
    scores_around: Any | UnsetType = UNSET
    user: UserCompact | UnsetType = UNSET
    weight: ScoreWeight | UnsetType | None = UNSET


class Score(_ScoreIncludes, kw_only=True):
    """A score in the lazer/solo shape (osukit's default ``x-api-version``)."""

    id: int
    accuracy: float
    """0–1."""
    beatmap_id: int | UnsetType = UNSET
    best_id: int | UnsetType | None = UNSET
    build_id: int | UnsetType | None = UNSET
    """lazer build it was set on (null for stable scores)."""
    classic_total_score: int | UnsetType = UNSET
    ended_at: datetime | UnsetType = UNSET
    has_replay: bool | UnsetType = UNSET
    is_perfect_combo: bool | UnsetType = UNSET
    legacy_perfect: bool | UnsetType | None = UNSET
    legacy_score_id: int | UnsetType | None = UNSET
    legacy_total_score: int | UnsetType | None = UNSET
    max_combo: int | UnsetType = UNSET
    maximum_statistics: ScoreStatistics | UnsetType = UNSET
    mods: Mods | UnsetType = UNSET
    passed: bool | UnsetType = UNSET
    playlist_item_id: int | UnsetType = UNSET
    pp: float | UnsetType | None = UNSET
    preserve: bool | UnsetType = UNSET
    processed: bool | UnsetType = UNSET
    rank: str | UnsetType = UNSET
    """Grade: XH, X, SH, S, A, B, C, D or F."""
    ranked: bool | UnsetType = UNSET
    replay: bool | UnsetType = UNSET
    """Deprecated alias of ``has_replay`` on multiplayer scores."""
    room_id: int | UnsetType = UNSET
    ruleset_id: int | UnsetType = UNSET
    solo_score_id: int | UnsetType = UNSET
    """The solo score behind a multiplayer score."""
    started_at: datetime | UnsetType | None = UNSET
    statistics: ScoreStatistics | UnsetType = UNSET
    total_score: int | UnsetType = UNSET
    total_score_without_mods: int | UnsetType = UNSET
    type: str | UnsetType = UNSET
    """``solo_score`` (or ``multiplayer_score``…)."""
    user_id: int | UnsetType = UNSET

    @property
    def ruleset(self) -> Ruleset | None:
        """``ruleset_id`` as a `Ruleset`."""
        return Ruleset.from_id(self.ruleset_id) if isinstance(self.ruleset_id, int) else None


class LegacyScore(_ScoreIncludes, kw_only=True):
    """A score in the legacy shape (``x-api-version`` below 20220705)."""

    id: int | None
    accuracy: float
    best_id: int | UnsetType | None = UNSET
    created_at: datetime | UnsetType = UNSET
    max_combo: int | UnsetType = UNSET
    mode: Ruleset | UnsetType = UNSET
    mode_int: int | UnsetType = UNSET
    mods: Mods | UnsetType = UNSET
    passed: bool | UnsetType = UNSET
    perfect: bool | UnsetType = UNSET
    pp: float | UnsetType | None = UNSET
    rank: str | UnsetType = UNSET
    replay: bool | UnsetType = UNSET
    score: int | UnsetType = UNSET
    statistics: LegacyScoreStatistics | UnsetType = UNSET
    type: str | UnsetType = UNSET
    user_id: int | UnsetType = UNSET


class BeatmapScores(Model):
    """A beatmap's leaderboard (``GET /beatmaps/{beatmap}/scores``)."""

    scores: list[Score]
    score_count: int | UnsetType = UNSET
    user_score: BeatmapUserScore | UnsetType | None = UNSET

    def __iter__(self) -> Iterator[Score]:
        """The scores, so the response iterates like ``users.scores()`` does."""
        return iter(self.scores)


class LegacyBeatmapScores(Model):
    """A beatmap's leaderboard with legacy-shaped scores."""

    scores: list[LegacyScore]
    score_count: int | UnsetType = UNSET
    user_score: LegacyBeatmapUserScore | UnsetType | None = UNSET

    def __iter__(self) -> Iterator[LegacyScore]:
        """The scores, so the response iterates like ``users.scores()`` does."""
        return iter(self.scores)


class BeatmapUserScore(Model):
    """A user's best score on a beatmap and its position."""

    position: int
    score: Score


class LegacyBeatmapUserScore(Model):
    """A user's best score on a beatmap and its position (legacy shape)."""

    position: int
    score: LegacyScore


class BeatmapUserScores(Model):
    """All of a user's scores on a beatmap."""

    scores: list[Score]

    def __iter__(self) -> Iterator[Score]:
        """The scores, so the response iterates like ``users.scores()`` does."""
        return iter(self.scores)


class LegacyBeatmapUserScores(Model):
    """All of a user's scores on a beatmap (legacy shape)."""

    scores: list[LegacyScore]

    def __iter__(self) -> Iterator[LegacyScore]:
        """The scores, so the response iterates like ``users.scores()`` does."""
        return iter(self.scores)


class ScoresResponse(Model):
    """``GET /scores``: new scores and the cursor to poll from next."""

    scores: list[Score]
    cursor_string: str | UnsetType | None = UNSET
    cursor: Any | UnsetType = UNSET
