"""Users: compact and full users, statistics, groups, badges, kudosu history, events.

Shapes follow osu-web's ``UserCompactTransformer`` (whose many optional
includes are ``UnsetType`` fields here), ``UserTransformer``,
``UserStatisticsTransformer``, ``KudosuHistoryTransformer`` and
``EventTransformer``.
"""

from __future__ import annotations

from datetime import date, datetime
from typing import Any

import msgspec
from msgspec import UNSET, UnsetType

from ..enums import OsuStrEnum, Ruleset
from .common import Model

__all__ = [
    "BeatmapsPassedResponse",
    "Country",
    "Cover",
    "DailyChallengeUserStats",
    "Event",
    "EventBeatmap",
    "EventBeatmapset",
    "EventType",
    "EventUser",
    "FavouriteBeatmapsetsResponse",
    "Group",
    "GroupDescription",
    "KudosuHistory",
    "KudosuHistoryGiver",
    "KudosuHistoryPost",
    "MatchmakingPool",
    "MatchmakingStats",
    "ProfilePage",
    "RankHighest",
    "RankHistory",
    "Team",
    "User",
    "UserAccountHistory",
    "UserAchievement",
    "UserBadge",
    "UserCompact",
    "UserCurrentAttributes",
    "UserGlobalRank",
    "UserGradeCounts",
    "UserGroup",
    "UserKudosu",
    "UserLevel",
    "UserMonthlyCount",
    "UserRelation",
    "UserStatistics",
    "UserStatisticsRank",
    "UserStatisticsRulesets",
    "UsersResponse",
]


class Country(Model):
    """A country (``country`` include)."""

    code: str
    """ISO 3166-1 alpha-2 code."""
    name: str
    """English name."""


class Cover(Model):
    """A user's profile cover."""

    custom_url: str | UnsetType | None = UNSET
    """URL of an uploaded cover, if any."""
    url: str | UnsetType | None = UNSET
    """URL of the cover shown."""
    id: str | int | UnsetType | None = UNSET
    """Id of a built-in cover, or null for a custom one."""


class Team(Model):
    """A team as shown on a user (``team`` include)."""

    id: int
    """Team id."""
    name: str
    """Full name."""
    short_name: str
    """Tag shown before usernames."""
    flag_url: str | None
    """URL of the team flag."""


class GroupDescription(Model):
    """A group's description (``description`` include of a group)."""

    html: str
    markdown: str


class Group(Model):
    """A user group (GMT, NAT, BN, …)."""

    id: int
    identifier: str
    """Short identifier (``gmt``, ``nat``, ``bng`` …)."""
    name: str
    short_name: str
    colour: str | None
    """Colour as ``#RRGGBB``."""
    has_listing: bool
    """Whether the group has a public member listing."""
    has_playmodes: bool
    """Whether membership is per ruleset."""
    is_probationary: bool
    """Whether it is a probationary group."""
    description: GroupDescription | UnsetType | None = UNSET
    """Description (only with the ``description`` include)."""


class UserGroup(Group):
    """A group a user belongs to, with the rulesets they are in it for."""

    playmodes: list[Ruleset] | UnsetType | None = UNSET
    """Rulesets of the membership (null when the group has no rulesets)."""


class UserBadge(Model, kw_only=True):
    """A profile badge (tournament wins, contributions …)."""

    awarded_at: datetime
    description: str
    image_url: str
    image_2x_url: str | UnsetType = msgspec.field(default=UNSET, name="image@2x_url")
    """The badge at twice the size (osu-web's key is ``image@2x_url``)."""
    url: str
    """Link target ("" when none)."""


class UserAccountHistory(Model):
    """A silence, restriction or note on the account."""

    id: int
    type: str
    """``note``, ``restriction``, ``silence`` or ``tournament_ban``."""
    timestamp: datetime
    length: int
    """Seconds."""
    permanent: bool
    description: str | UnsetType | None = UNSET
    supporting_url: str | UnsetType | None = UNSET
    actor: Any | UnsetType = UNSET
    """The moderator, when visible."""


class UserMonthlyCount(Model):
    """A month's play or replay-watch count."""

    start_date: date
    """First day of the month."""
    count: int


class UserAchievement(Model):
    """A medal the user unlocked."""

    achieved_at: datetime
    achievement_id: int


class RankHighest(Model):
    """The best global rank the user reached."""

    rank: int
    updated_at: datetime


class RankHistory(Model):
    """Global rank over the last 90 days (oldest first)."""

    mode: Ruleset
    data: list[int]


class UserKudosu(Model):
    """Kudosu totals."""

    available: int
    total: int


class ProfilePage(Model):
    """The user's "me!" page."""

    html: str
    raw: str


class UserCurrentAttributes(Model):
    """What the token's user sees of this user (blocking)."""

    has_blocked: bool | UnsetType = UNSET


class DailyChallengeUserStats(Model):
    """Daily challenge statistics."""

    daily_streak_best: int
    daily_streak_current: int
    last_update: datetime | None
    last_weekly_streak: datetime | None
    playcount: int
    top_10p_placements: int
    top_50p_placements: int
    user_id: int
    weekly_streak_best: int
    weekly_streak_current: int


class MatchmakingPool(Model):
    """A ranked-play matchmaking pool."""

    active: bool
    id: int
    name: str
    ruleset_id: int
    type: str
    variant_id: int


class MatchmakingStats(Model):
    """The user's standing in one matchmaking pool."""

    first_placements: int
    is_rating_provisional: bool
    plays: int
    pool_id: int
    rank: int | None
    rank_percent: float | None
    rating: int
    total_points: int
    user_id: int
    pool: MatchmakingPool | UnsetType = UNSET


class UserLevel(Model):
    """Level and progress to the next one (percent)."""

    current: int
    progress: int


class UserGradeCounts(Model):
    """Counts of SS, SS (silver), S, S (silver) and A grades."""

    ss: int
    ssh: int
    s: int
    sh: int
    a: int


class UserStatisticsRank(Model):
    """Country rank (deprecated container kept by osu-web)."""

    country: int | None


class UserStatistics(Model):
    """A user's statistics in one ruleset (``UserStatisticsTransformer``)."""

    count_100: int | UnsetType = UNSET
    count_300: int | UnsetType = UNSET
    count_50: int | UnsetType = UNSET
    count_miss: int | UnsetType = UNSET
    level: UserLevel | UnsetType = UNSET
    global_rank: int | UnsetType | None = UNSET
    """Global rank by pp (null when inactive or unranked)."""
    global_rank_percent: float | UnsetType | None = UNSET
    global_rank_exp: int | UnsetType | None = UNSET
    """Global rank by experimental pp, when enabled."""
    pp: float | UnsetType = UNSET
    """Performance points."""
    pp_exp: float | UnsetType = UNSET
    ranked_score: int | UnsetType = UNSET
    hit_accuracy: float | UnsetType = UNSET
    """Accuracy in percent (0–100)."""
    accuracy: float | UnsetType = UNSET
    """Accuracy as a fraction (0–1)."""
    play_count: int | UnsetType = UNSET
    play_time: int | UnsetType | None = UNSET
    """Seconds played."""
    total_score: int | UnsetType = UNSET
    total_hits: int | UnsetType = UNSET
    maximum_combo: int | UnsetType = UNSET
    replays_watched_by_others: int | UnsetType = UNSET
    is_ranked: bool | UnsetType = UNSET
    grade_counts: UserGradeCounts | UnsetType = UNSET
    country_rank: int | UnsetType | None = UNSET
    rank: UserStatisticsRank | UnsetType = UNSET
    rank_change_since_30_days: int | UnsetType | None = UNSET
    variants: list[Any] | UnsetType | None = UNSET
    """Per-variant (e.g. mania 4K/7K) ranks, with ``include_variant_statistics``."""
    user: UserCompact | UnsetType = UNSET
    """The user (rankings include it)."""


class UserStatisticsRulesets(Model):
    """Statistics in every ruleset (``statistics_rulesets`` include)."""

    osu: UserStatistics | UnsetType | None = UNSET
    taiko: UserStatistics | UnsetType | None = UNSET
    fruits: UserStatistics | UnsetType | None = UNSET
    mania: UserStatistics | UnsetType | None = UNSET


class UserGlobalRank(Model):
    """The ``global_rank`` include: a user's rank in one ruleset (``UserCompactTransformer::includeGlobalRank``)."""

    rank: int | None
    ruleset_id: int


class UserCompact(Model):
    """A user as most routes embed them (``UserCompactTransformer``), with optional includes."""

    id: int
    username: str
    avatar_url: str
    country_code: str
    default_group: str | UnsetType | None = UNSET
    is_active: bool | UnsetType = UNSET
    is_bot: bool | UnsetType = UNSET
    is_deleted: bool | UnsetType = UNSET
    is_online: bool | UnsetType = UNSET
    is_supporter: bool | UnsetType = UNSET
    last_visit: datetime | UnsetType | None = UNSET
    """Last seen (null when hidden)."""
    pm_friends_only: bool | UnsetType = UNSET
    profile_colour: str | UnsetType | None = UNSET

    # optional includes
    account_history: list[UserAccountHistory] | UnsetType = UNSET
    active_tournament_banner: Any | UnsetType | None = UNSET
    active_tournament_banners: list[Any] | UnsetType = UNSET
    badges: list[UserBadge] | UnsetType = UNSET
    beatmap_playcounts_count: int | UnsetType = UNSET
    blocks: list[Any] | UnsetType = UNSET
    comments_count: int | UnsetType = UNSET
    country: Country | UnsetType | None = UNSET
    cover: Cover | UnsetType = UNSET
    current_season_stats: Any | UnsetType | None = UNSET
    current_user_attributes: UserCurrentAttributes | UnsetType | None = UNSET
    """Null when osu-web answers without a logged-in user (a client-credentials token)."""
    daily_challenge_user_stats: DailyChallengeUserStats | UnsetType = UNSET
    favourite_beatmapset_count: int | UnsetType = UNSET
    follow_user_mapping: list[int] | UnsetType = UNSET
    follower_count: int | UnsetType = UNSET
    friends: list[Any] | UnsetType = UNSET
    graveyard_beatmapset_count: int | UnsetType = UNSET
    groups: list[UserGroup] | UnsetType = UNSET
    guest_beatmapset_count: int | UnsetType = UNSET
    is_restricted: bool | UnsetType | None = UNSET
    kudosu: UserKudosu | UnsetType = UNSET
    loved_beatmapset_count: int | UnsetType = UNSET
    mapping_follower_count: int | UnsetType = UNSET
    matchmaking_stats: list[MatchmakingStats] | UnsetType = UNSET
    monthly_playcounts: list[UserMonthlyCount] | UnsetType = UNSET
    nominated_beatmapset_count: int | UnsetType = UNSET
    page: ProfilePage | UnsetType = UNSET
    pending_beatmapset_count: int | UnsetType = UNSET
    previous_usernames: list[str] | UnsetType = UNSET
    rank_highest: RankHighest | UnsetType | None = UNSET
    rank_history: RankHistory | UnsetType | None = UNSET
    rankHistory: RankHistory | UnsetType | None = UNSET
    """Deprecated duplicate of ``rank_history`` that osu-web still sends."""
    ranked_and_approved_beatmapset_count: int | UnsetType = UNSET
    ranked_beatmapset_count: int | UnsetType = UNSET
    replays_watched_counts: list[UserMonthlyCount] | UnsetType = UNSET
    scores_best_count: int | UnsetType = UNSET
    scores_first_count: int | UnsetType = UNSET
    scores_pinned_count: int | UnsetType = UNSET
    scores_recent_count: int | UnsetType = UNSET
    session_verified: bool | UnsetType = UNSET
    statistics: UserStatistics | UnsetType | None = UNSET
    statistics_rulesets: UserStatisticsRulesets | UnsetType = UNSET
    support_level: int | UnsetType = UNSET
    team: Team | UnsetType | None = UNSET
    unranked_beatmapset_count: int | UnsetType = UNSET
    unread_pm_count: int | UnsetType = UNSET
    # -- fields read from osu-web's UserCompactTransformer (scripts/data/osu_web_shapes.json)
    global_rank: UserGlobalRank | UnsetType = UNSET
    """``GET /users/lookup``: the user's global rank in the requested ruleset."""
    score_processing_notice_url: str | UnsetType | None = UNSET
    """``GET /me``: where osu! explains delayed score processing (osu-web config)."""
    session_verification_method: str | UnsetType | None = UNSET
    """``GET /me``: ``mail`` or ``totp`` while the session still needs verifying, else null.

    Below ``x-api-version`` 20250913 osu-web always answers ``mail``
    (``app/Libraries/SessionVerification/State.php``).
    """
    user_achievements: list[UserAchievement] | UnsetType = UNSET
    user_preferences: dict[str, Any] | UnsetType = UNSET


class User(UserCompact):
    """A full profile (``GET /users/{user}``, ``GET /me``): ``UserTransformer``."""

    cover_url: str | UnsetType | None = UNSET
    discord: str | UnsetType | None = UNSET
    has_supported: bool | UnsetType = UNSET
    interests: str | UnsetType | None = UNSET
    join_date: datetime | UnsetType = UNSET
    location: str | UnsetType | None = UNSET
    max_blocks: int | UnsetType = UNSET
    max_friends: int | UnsetType = UNSET
    occupation: str | UnsetType | None = UNSET
    playmode: Ruleset | UnsetType = UNSET
    """The user's main ruleset."""
    playstyle: list[str] | UnsetType | None = UNSET
    """``mouse``, ``keyboard``, ``tablet``, ``touch``."""
    post_count: int | UnsetType = UNSET
    profile_hue: int | UnsetType | None = UNSET
    profile_order: list[str] | UnsetType = UNSET
    title: str | UnsetType | None = UNSET
    title_url: str | UnsetType | None = UNSET
    twitter: str | UnsetType | None = UNSET
    website: str | UnsetType | None = UNSET


class UsersResponse(Model):
    """``GET /users`` and ``GET /users/lookup``."""

    users: list[UserCompact]


class RelationType(OsuStrEnum):
    """Kind of user relation."""

    FRIEND = "friend"
    BLOCK = "block"


class UserRelation(Model):
    """A friend (``GET /friends`` at ``x-api-version`` ≥ 20241022)."""

    target_id: int
    relation_type: RelationType
    mutual: bool
    target: UserCompact | UnsetType = UNSET


class KudosuHistoryGiver(Model):
    """Who gave or took the kudosu."""

    url: str
    username: str


class KudosuHistoryPost(Model):
    """The post the kudosu was for."""

    url: str | None
    title: str


class KudosuHistory(Model):
    """An entry of ``GET /users/{user}/kudosu``."""

    id: int
    action: str
    """``give``, ``vote.give``, ``reset``, ``vote.reset``, ``revoke``, ``vote.revoke``, ``recalculate.*``…"""
    amount: int
    model: str
    """Object type the exchange was for (``beatmapset_discussion`` …)."""
    created_at: datetime
    giver: KudosuHistoryGiver | None
    post: KudosuHistoryPost
    details: Any | UnsetType = UNSET


class EventType(OsuStrEnum):
    """Kind of recent-activity / site event."""

    ACHIEVEMENT = "achievement"
    BEATMAP_PLAYCOUNT = "beatmapPlaycount"
    BEATMAPSET_APPROVE = "beatmapsetApprove"
    BEATMAPSET_DELETE = "beatmapsetDelete"
    BEATMAPSET_REVIVE = "beatmapsetRevive"
    BEATMAPSET_UPDATE = "beatmapsetUpdate"
    BEATMAPSET_UPLOAD = "beatmapsetUpload"
    RANK = "rank"
    RANK_LOST = "rankLost"
    USER_SUPPORT_AGAIN = "userSupportAgain"
    USER_SUPPORT_FIRST = "userSupportFirst"
    USER_SUPPORT_GIFT = "userSupportGift"
    USERNAME_CHANGE = "usernameChange"


class EventBeatmap(Model):
    """The beatmap an event is about."""

    title: str
    url: str


class EventBeatmapset(Model):
    """The beatmapset an event is about."""

    title: str
    url: str


class EventUser(Model):
    """The user an event is about."""

    username: str
    url: str
    previousUsername: str | UnsetType = UNSET


class Event(Model, kw_only=True):
    """A recent-activity or site event (``EventTransformer``); which fields exist depends on ``type``."""

    created_at: datetime
    createdAt: datetime | UnsetType = UNSET
    """Deprecated duplicate of ``created_at`` that osu-web still sends."""
    id: int
    type: EventType
    achievement: Any | UnsetType = UNSET
    """The medal (``achievement``)."""
    approval: str | UnsetType = UNSET
    """``ranked``, ``approved``, ``qualified`` or ``loved`` (``beatmapsetApprove``)."""
    beatmap: EventBeatmap | UnsetType = UNSET
    beatmapset: EventBeatmapset | UnsetType = UNSET
    count: int | UnsetType = UNSET
    """Playcount reached (``beatmapPlaycount``)."""
    mode: Ruleset | UnsetType = UNSET
    rank: int | UnsetType = UNSET
    scoreRank: str | UnsetType = UNSET
    legacy_score_id: int | UnsetType | None = UNSET
    score_id: int | UnsetType | None = UNSET
    user: EventUser | UnsetType = UNSET


class BeatmapsPassedResponse(Model):
    """``GET /users/{user}/beatmaps-passed``: the passed beatmaps (compact)."""

    beatmaps_passed: list[Any]
    """The beatmaps of the given sets the user has passed (BeatmapCompact objects)."""


class FavouriteBeatmapsetsResponse(Model):
    """``GET /me/beatmapset-favourites``."""

    beatmapset_ids: list[int]
