"""Models for API v1 (``/api/get_*``): v1's strings become real types, and dump back exactly.

v1 sends every number as a string (``"72"``, ``"428.223"``), dates as
``"2024-02-05 16:23:28"`` (UTC, no zone), flags as ``"0"``/``"1"``. These
models decode them into ``int``, [`V1Float`][osukit.models.legacy.V1Float] (a ``float`` that remembers
its text), [`V1DateTime`][osukit.models.legacy.V1DateTime] (an aware UTC ``datetime``), ``bool``, and
enums; `osukit.dump` turns them back into the exact strings v1 sent.
``enabled_mods`` stays the v1 bitmask (an ``int``) with a ``.mods`` property
giving [`osukit.game.Mods`][osukit.game.mods.Mods].
"""

from __future__ import annotations

import datetime as _dt
import enum
from typing import TYPE_CHECKING, Any

import msgspec
from msgspec import UNSET, UnsetType

from .._models import Model, register_leaf_dumper, register_type
from ..enums import BeatmapsetStatus, OsuIntEnum, Ruleset

if TYPE_CHECKING:
    from ..game.mods import Mods

__all__ = [
    "LegacyApproval",
    "LegacyModel",
    "V1Beatmap",
    "V1DateTime",
    "V1Float",
    "V1Match",
    "V1MatchGame",
    "V1MatchInfo",
    "V1MatchResponse",
    "V1MatchScore",
    "V1Replay",
    "V1Score",
    "V1User",
    "V1UserEvent",
]

V1_DATE_FORMAT = "%Y-%m-%d %H:%M:%S"


class V1Float(float):
    """A float from v1 that remembers the text it came from (so ``"0"`` dumps as ``"0"``)."""

    raw: str

    def __new__(cls, raw: str | float) -> V1Float:
        value = super().__new__(cls, raw)
        value.raw = raw if isinstance(raw, str) else repr(float(raw))
        return value

    def to_json_value(self) -> str:
        return self.raw


class V1DateTime(_dt.datetime):
    """An aware UTC datetime parsed from v1's ``YYYY-MM-DD HH:MM:SS``."""

    @classmethod
    def parse(cls, raw: str) -> V1DateTime:
        if not (
            isinstance(raw, str) and len(raw) == 19 and raw[10] == " " and raw[4] == "-" and raw[7] == "-"
            and raw[13] == ":" and raw[16] == ":"
        ):
            raise ValueError(f"expected a v1 date YYYY-MM-DD HH:MM:SS, got {raw!r}")
        base = _dt.datetime.fromisoformat(raw)  # C-fast; the checks above keep it to v1's one format
        return cls(base.year, base.month, base.day, base.hour, base.minute, base.second, tzinfo=_dt.timezone.utc)

    def to_json_value(self) -> str:
        return self.astimezone(_dt.timezone.utc).strftime(V1_DATE_FORMAT)


register_type(V1Float, V1Float)
register_type(V1DateTime, V1DateTime.parse)


class LegacyApproval(OsuIntEnum):
    """v1's ``approved``: -2 graveyard, -1 WIP, 0 pending, 1 ranked, 2 approved, 3 qualified, 4 loved."""

    GRAVEYARD = -2
    WIP = -1
    PENDING = 0
    RANKED = 1
    APPROVED = 2
    QUALIFIED = 3
    LOVED = 4

    @property
    def status(self) -> BeatmapsetStatus:
        """The same status as v2 spells it."""
        return BeatmapsetStatus.from_legacy_id(int(self))


class LegacyModel(Model):
    """Base of the v1 models; `osukit.dump` writes their values back as v1's strings."""


def dump_v1_value(value: Any) -> Any:
    """One v1 leaf value back to the JSON v1 sent."""
    if value is None or (isinstance(value, str) and not isinstance(value, enum.Enum)):
        return value
    if isinstance(value, bool):
        return "1" if value else "0"
    to_json = getattr(value, "to_json_value", None)
    if to_json is not None:
        return to_json()
    if isinstance(value, enum.Enum):
        return str(value.value)
    if isinstance(value, int):
        return str(value)
    if isinstance(value, float):
        return repr(value)
    return value


register_leaf_dumper(LegacyModel, dump_v1_value)


class _HasMods(LegacyModel):
    enabled_mods: int | UnsetType | None = UNSET
    """The legacy mods bitmask (see [`mods`][osukit.models.legacy._HasMods.mods]); ``None`` in match games with room-wide mods."""

    @property
    def mods(self) -> Mods:
        """``enabled_mods`` as [`osukit.game.Mods`][osukit.game.mods.Mods]."""
        from ..game.mods import Mods

        bits = self.enabled_mods if isinstance(self.enabled_mods, int) else 0
        return Mods.from_legacy(bits)


class V1Score(_HasMods):
    """A score from ``get_scores``, ``get_user_best`` or ``get_user_recent``."""

    score_id: int | UnsetType | None = UNSET
    """Score id (``None`` for unsubmitted recent plays)."""
    beatmap_id: int | UnsetType = UNSET
    """The beatmap (absent in ``get_scores``, where it is the requested one)."""
    score: int | UnsetType = UNSET
    """Total score."""
    username: str | UnsetType = UNSET
    """Player name (``get_scores`` only)."""
    maxcombo: int | UnsetType = UNSET
    """Highest combo."""
    count50: int | UnsetType = UNSET
    count100: int | UnsetType = UNSET
    count300: int | UnsetType = UNSET
    countmiss: int | UnsetType = UNSET
    countkatu: int | UnsetType = UNSET
    countgeki: int | UnsetType = UNSET
    perfect: bool | UnsetType = UNSET
    """Full combo (no misses, no slider breaks)."""
    user_id: int | UnsetType = UNSET
    """The player."""
    date: V1DateTime | UnsetType = UNSET
    """When it was set (UTC)."""
    rank: str | UnsetType = UNSET
    """Grade: XH, X, SH, S, A, B, C, D or F."""
    pp: V1Float | UnsetType | None = UNSET
    """Performance points (``None`` when not ranked)."""
    replay_available: bool | UnsetType = UNSET
    """Whether ``get_replay`` can return the replay."""


class V1UserEvent(LegacyModel):
    """An event on a v1 user profile (``events`` of ``get_user``)."""

    display_html: str | UnsetType = UNSET
    beatmap_id: int | UnsetType | None = UNSET
    beatmapset_id: int | UnsetType | None = UNSET
    date: V1DateTime | UnsetType = UNSET
    epicfactor: int | UnsetType = UNSET


class V1User(LegacyModel):
    """A user from ``get_user``."""

    user_id: int
    username: str
    join_date: V1DateTime | UnsetType = UNSET
    count300: int | UnsetType | None = UNSET
    count100: int | UnsetType | None = UNSET
    count50: int | UnsetType | None = UNSET
    playcount: int | UnsetType | None = UNSET
    ranked_score: int | UnsetType | None = UNSET
    total_score: int | UnsetType | None = UNSET
    pp_rank: int | UnsetType | None = UNSET
    level: V1Float | UnsetType | None = UNSET
    pp_raw: V1Float | UnsetType | None = UNSET
    accuracy: V1Float | UnsetType | None = UNSET
    """Accuracy in percent (``96.79``), unlike v2's 0–1."""
    count_rank_ss: int | UnsetType | None = UNSET
    count_rank_ssh: int | UnsetType | None = UNSET
    count_rank_s: int | UnsetType | None = UNSET
    count_rank_sh: int | UnsetType | None = UNSET
    count_rank_a: int | UnsetType | None = UNSET
    country: str | UnsetType | None = UNSET
    total_seconds_played: int | UnsetType | None = UNSET
    pp_country_rank: int | UnsetType | None = UNSET
    events: list[V1UserEvent] | UnsetType = UNSET


class V1Beatmap(LegacyModel):
    """A beatmap from ``get_beatmaps``."""

    beatmap_id: int
    beatmapset_id: int | UnsetType = UNSET
    approved: LegacyApproval | UnsetType = UNSET
    """Ranked status (``.status`` gives v2's spelling)."""
    total_length: int | UnsetType = UNSET
    hit_length: int | UnsetType = UNSET
    version: str | UnsetType = UNSET
    file_md5: str | UnsetType = UNSET
    diff_size: V1Float | UnsetType = UNSET
    diff_overall: V1Float | UnsetType = UNSET
    diff_approach: V1Float | UnsetType = UNSET
    diff_drain: V1Float | UnsetType = UNSET
    mode: int | UnsetType = UNSET
    """Ruleset id (see [`ruleset`][osukit.models.legacy.V1Beatmap.ruleset])."""
    count_normal: int | UnsetType = UNSET
    count_slider: int | UnsetType = UNSET
    count_spinner: int | UnsetType = UNSET
    submit_date: V1DateTime | UnsetType | None = UNSET
    approved_date: V1DateTime | UnsetType | None = UNSET
    last_update: V1DateTime | UnsetType | None = UNSET
    artist: str | UnsetType = UNSET
    artist_unicode: str | UnsetType | None = UNSET
    title: str | UnsetType = UNSET
    title_unicode: str | UnsetType | None = UNSET
    creator: str | UnsetType = UNSET
    creator_id: int | UnsetType = UNSET
    bpm: V1Float | UnsetType | None = UNSET
    source: str | UnsetType = UNSET
    tags: str | UnsetType = UNSET
    genre_id: int | UnsetType = UNSET
    language_id: int | UnsetType = UNSET
    favourite_count: int | UnsetType = UNSET
    rating: V1Float | UnsetType = UNSET
    storyboard: bool | UnsetType = UNSET
    video: bool | UnsetType = UNSET
    download_unavailable: bool | UnsetType = UNSET
    audio_unavailable: bool | UnsetType = UNSET
    playcount: int | UnsetType = UNSET
    passcount: int | UnsetType = UNSET
    packs: str | UnsetType | None = UNSET
    max_combo: int | UnsetType | None = UNSET
    diff_aim: V1Float | UnsetType | None = UNSET
    diff_speed: V1Float | UnsetType | None = UNSET
    difficultyrating: V1Float | UnsetType = UNSET

    @property
    def ruleset(self) -> Ruleset | None:
        """``mode`` as a `Ruleset`."""
        return Ruleset.from_id(self.mode) if isinstance(self.mode, int) else None


class V1MatchInfo(LegacyModel):
    """The ``match`` part of ``get_match``."""

    match_id: int
    name: str | UnsetType = UNSET
    start_time: V1DateTime | UnsetType | None = UNSET
    end_time: V1DateTime | UnsetType | None = UNSET


class V1MatchScore(_HasMods):
    """One player's score in a game of a v1 match."""

    slot: int | UnsetType = UNSET
    team: int | UnsetType = UNSET
    """0 none, 1 blue, 2 red."""
    user_id: int | UnsetType = UNSET
    score: int | UnsetType = UNSET
    maxcombo: int | UnsetType = UNSET
    rank: str | UnsetType = UNSET
    """Unused by v1 matches (always ``"0"``)."""
    count50: int | UnsetType = UNSET
    count100: int | UnsetType = UNSET
    count300: int | UnsetType = UNSET
    countmiss: int | UnsetType = UNSET
    countgeki: int | UnsetType = UNSET
    countkatu: int | UnsetType = UNSET
    perfect: bool | UnsetType = UNSET
    passed: bool | UnsetType = msgspec.field(default=UNSET, name="pass")
    """Whether the player passed (v1's ``pass``, a Python keyword)."""


class V1MatchGame(LegacyModel, kw_only=True):
    """One game (map played) of a v1 match."""

    game_id: int
    start_time: V1DateTime | UnsetType | None = UNSET
    end_time: V1DateTime | UnsetType | None = UNSET
    beatmap_id: int | UnsetType = UNSET
    play_mode: int | UnsetType = UNSET
    match_type: int | UnsetType = UNSET
    scoring_type: int | UnsetType = UNSET
    """0 score, 1 accuracy, 2 combo, 3 score v2."""
    team_type: int | UnsetType = UNSET
    """0 head to head, 1 tag co-op, 2 team vs, 3 tag team vs."""
    mods: int | UnsetType | None = UNSET
    """The room's mods bitmask (see [`room_mods`][osukit.models.legacy.V1MatchGame.room_mods])."""
    scores: list[V1MatchScore] | UnsetType = UNSET

    @property
    def room_mods(self) -> Mods:
        """``mods`` as [`osukit.game.Mods`][osukit.game.mods.Mods]."""
        from ..game.mods import Mods

        return Mods.from_legacy(self.mods if isinstance(self.mods, int) else 0)


class V1MatchResponse(LegacyModel):
    """``get_match``: the match and its games (``match`` is ``0`` for an unknown id)."""

    match: V1MatchInfo | int
    games: list[V1MatchGame] | UnsetType = UNSET


V1Match = V1MatchResponse


class V1Replay(LegacyModel):
    """``get_replay``: base64 of the LZMA-compressed replay frames."""

    content: str
    encoding: str | UnsetType = UNSET

    @property
    def data(self) -> bytes:
        """The LZMA stream (base64-decoded ``content``)."""
        import base64
        import binascii

        try:
            return base64.b64decode(self.content, validate=False)
        except (binascii.Error, ValueError) as exc:
            from .._exceptions import DecodeError

            raise DecodeError(f"replay content is not base64: {exc}") from None
