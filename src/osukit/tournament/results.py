"""Results of any match: one function, one output model.

`match_results` reads a stable match as API v2 sends it (``GET /matches/{match}``,
one response or several pages), as API v1 sends it (``get_match``), or a lazer room's
history (``GET /rooms/{room}/events``), as osukit models or as the plain JSON, and
gives a `MatchResults`: a table per map (players, scores, accuracy, mods,
winner) and a summary per player and team:

```python
results = match_results(osu.matches.get(105019274))
results.red_wins, results.blue_wins, results.winner   # 6, 4, 'red'
results.to_csv("match.csv"); results.to_json()
```

`fetch_results` / `afetch_results` fetch every page first.

How a map is won, as osu-web shows it (``resources/js/legacy-match/content.tsx``): in
team modes each team's total is the sum of its players' scores *that passed*, and the
higher total wins; in head-to-head the best score wins. Games that were aborted (no
end time, or no scores) are listed with ``aborted=True`` and count for nobody.
"""

from __future__ import annotations

import csv
import io
import os
from collections.abc import Callable, Generator, Iterable, Mapping, Sequence
from datetime import datetime
from pathlib import Path
from typing import TYPE_CHECKING, Any, Literal

import msgspec

from .._exceptions import InvalidParameterError
from .._models import UNSET, Model, unknown_fields
from ..game.accuracy import legacy_accuracy
from ..game.mods import ModError, Mods

if TYPE_CHECKING:
    from .._async.client import AsyncClient
    from .._sync.client import Client

__all__ = [
    "GameResult",
    "MatchResults",
    "PlayerResult",
    "PlayerScore",
    "afetch_results",
    "fetch_results",
    "match_results",
]

Source = Literal["matches", "v1", "room"]


class PlayerScore(msgspec.Struct, kw_only=True):
    """One player's score on one map.

    Attributes:
        user_id: the player.
        username: their name, when the response included the user.
        team: ``"red"``, ``"blue"`` or None (head-to-head).
        score: total score (lazer's ``total_score``, stable's ``score``).
        accuracy: 0-1.
        max_combo: highest combo (None when not sent).
        mods: the mods the player had, room mods included (``"HDHR"``, ``"NM"``).
        passed: whether the player passed.
        slot: the room slot (stable matches), when known.
    """

    user_id: int
    username: str | None
    team: str | None
    score: int
    accuracy: float
    max_combo: int | None
    mods: str
    passed: bool
    slot: int | None = None


class GameResult(msgspec.Struct, kw_only=True):
    """One map of the match.

    Attributes:
        index: 1-based position among the games (aborted ones included).
        id: the game id (stable) or playlist item id (lazer).
        beatmap_id: the beatmap.
        title: ``Artist - Title [Version]`` when the response included the beatmap.
        mods: the room's mods (``"NF"``, ``"HDDT"``, ``"NM"``).
        started_at, ended_at: when the game started and ended (None while it runs).
        scoring_type: ``score``, ``accuracy``, ``combo``, ``scorev2`` (stable) or None.
        team_type: ``head-to-head``, ``team-vs``, ``tag-coop``, ``tag-team-vs``.
        scores: the players' scores, best first.
        red_total, blue_total: the teams' totals (passed scores only) in team modes.
        winner: ``"red"``/``"blue"`` in team modes, the winner's user id as text in
            head-to-head, None when aborted or tied.
        aborted: True for a game with no end time or no scores.
    """

    index: int
    id: int
    beatmap_id: int
    title: str | None
    mods: str
    started_at: datetime | None
    ended_at: datetime | None
    scoring_type: str | None
    team_type: str
    scores: list[PlayerScore]
    red_total: int
    blue_total: int
    winner: str | None
    aborted: bool

    @property
    def is_team(self) -> bool:
        return self.team_type in ("team-vs", "tag-team-vs")


class PlayerResult(msgspec.Struct, kw_only=True):
    """A player's summary over the match (aborted games left out).

    Attributes:
        maps_played: maps with a score from the player.
        maps_won: maps their team (or they, in head-to-head) won while they played.
        total_score, average_score: over the maps played.
        average_accuracy: 0-1, over the maps played.
    """

    user_id: int
    username: str | None
    team: str | None
    maps_played: int
    maps_won: int
    total_score: int
    average_score: float
    average_accuracy: float


class MatchResults(msgspec.Struct, kw_only=True):
    """A match's results, whatever it came from (see `match_results`).

    Attributes:
        source: ``matches`` (API v2 stable match), ``v1`` (``get_match``) or ``room`` (lazer).
        id: the match or room id.
        name: the match or room name.
        team_type: the team type of the last game.
        games: every game in order, aborted ones included.
        red_wins, blue_wins: maps won by each team (team modes).
        wins: maps won per winner key (``"red"``, ``"blue"`` or a user id as text).
        winner: the team (or user id as text) with the most map wins; None when tied.
        players: per-player summaries, by total score.
    """

    source: Source
    id: int
    name: str | None
    team_type: str
    games: list[GameResult]
    red_wins: int
    blue_wins: int
    wins: dict[str, int]
    winner: str | None
    players: list[PlayerResult]
    ended_at: datetime | None = None
    """When the match (or room) ended; None while it is open."""

    @property
    def played(self) -> list[GameResult]:
        """The games that were not aborted."""
        return [g for g in self.games if not g.aborted]

    def rows(self) -> list[dict[str, Any]]:
        """One row per score (the CSV's rows): game, map, player, team, score, accuracy, mods, winner."""
        rows: list[dict[str, Any]] = []
        for game in self.games:
            for s in game.scores:
                rows.append({
                    "game": game.index,
                    "game_id": game.id,
                    "beatmap_id": game.beatmap_id,
                    "title": game.title or "",
                    "room_mods": game.mods,
                    "aborted": game.aborted,
                    "user_id": s.user_id,
                    "username": s.username or "",
                    "team": s.team or "",
                    "score": s.score,
                    "accuracy": round(s.accuracy * 100, 4),
                    "max_combo": "" if s.max_combo is None else s.max_combo,
                    "mods": s.mods,
                    "passed": s.passed,
                    "map_winner": game.winner or "",
                    "red_total": game.red_total,
                    "blue_total": game.blue_total,
                })
        return rows

    def to_csv(self, path: str | os.PathLike[str] | None = None) -> str:
        """The per-score table as CSV (written to ``path`` when given); returns the text."""
        buf = io.StringIO()
        fields = ["game", "game_id", "beatmap_id", "title", "room_mods", "aborted", "user_id", "username", "team",
                  "score", "accuracy", "max_combo", "mods", "passed", "map_winner", "red_total", "blue_total"]
        writer = csv.DictWriter(buf, fieldnames=fields, lineterminator="\n")
        writer.writeheader()
        writer.writerows(self.rows())
        text = buf.getvalue()
        if path is not None:
            Path(path).write_text(text, encoding="utf-8")
        return text

    def to_json(self, path: str | os.PathLike[str] | None = None) -> bytes:
        """The whole model as JSON (written to ``path`` when given)."""
        data = msgspec.json.format(msgspec.json.encode(self), indent=2)
        if path is not None:
            Path(path).write_bytes(data)
        return data

    @classmethod
    def from_json(cls, data: bytes | str) -> MatchResults:
        """Read back what `to_json` wrote.

        Raises:
            TournamentError: ``data`` is not a saved `MatchResults` (or is nested too deeply to read).
        """
        try:
            return msgspec.json.decode(data, type=cls)
        except (msgspec.DecodeError, msgspec.ValidationError, RecursionError) as exc:
            from ._errors import TournamentError

            raise TournamentError(f"not saved match results: {exc}") from None


# --- reading the sources -----------------------------------------------------------------------


def _g(obj: Any, name: str, default: Any = None) -> Any:
    """A field of a model or dict (unmodelled fields of models included)."""
    if obj is None or obj is UNSET:
        return default
    if isinstance(obj, Mapping):
        value = obj.get(name)
    else:
        value = getattr(obj, name, None)
        if value is None and isinstance(obj, Model):
            value = unknown_fields(obj).get(name)
    return default if value is None or value is UNSET else value


def _int(value: Any, default: int = 0) -> int:
    if value is None or value is UNSET or isinstance(value, bool):
        return default
    try:
        return int(value)
    except (TypeError, ValueError):
        return default


def _dt(value: Any) -> datetime | None:
    if isinstance(value, datetime):
        return value
    if isinstance(value, str) and value:
        text = value.replace("Z", "+00:00").replace(" ", "T", 1)
        try:
            parsed = datetime.fromisoformat(text)
        except ValueError:
            return None
        if parsed.tzinfo is None:
            from datetime import timezone

            parsed = parsed.replace(tzinfo=timezone.utc)
        return parsed
    return None


def _mods(value: Any) -> Mods:
    if isinstance(value, Mods):
        return value
    if value is None or value is UNSET:
        return Mods()
    try:
        if isinstance(value, (int, str)) and str(value).strip().isdigit():
            return Mods.from_legacy(int(value))
        return Mods._from_json(value)
    except ModError:
        return Mods()


_V1_TEAM = {0: None, 1: "blue", 2: "red"}
_V1_TEAM_TYPE = {0: "head-to-head", 1: "tag-coop", 2: "team-vs", 3: "tag-team-vs"}
_V1_SCORING = {0: "score", 1: "accuracy", 2: "combo", 3: "scorev2"}
_ROOM_TEAM_TYPE = {"head_to_head": "head-to-head", "team_versus": "team-vs", "playlists": "head-to-head",
                   "matchmaking": "head-to-head"}


def _team_name(value: Any) -> str | None:
    if isinstance(value, str):
        key = value.strip().lower()
        return key if key in ("red", "blue") else None
    if isinstance(value, int) and not isinstance(value, bool):
        return _V1_TEAM.get(value)
    return None


def _title(beatmap: Any) -> str | None:
    if beatmap is None:
        return None
    version = _g(beatmap, "version")
    bset = _g(beatmap, "beatmapset")
    artist, title = _g(bset, "artist"), _g(bset, "title")
    if artist and title:
        return f"{artist} - {title} [{version}]" if version else f"{artist} - {title}"
    return str(version) if version else None


def _score_value(score: Any) -> int:
    total = _g(score, "total_score")
    if total is None:
        total = _g(score, "score")
    return _int(total)


def _player_score(score: Any, room_mods: Mods, users: Mapping[int, str], team: str | None, ruleset: Any) -> PlayerScore:
    user_id = _int(_g(score, "user_id"))
    match = _g(score, "match") or {}
    own = _mods(_g(score, "mods", _g(score, "enabled_mods")))
    mods = own if not room_mods else (room_mods + own if own else room_mods)
    passed = _g(score, "passed")
    if passed is None:
        passed = _g(match, "pass", True)
    accuracy = _g(score, "accuracy")
    if accuracy is None:
        counts = {k: _int(_g(score, k)) for k in ("count300", "count100", "count50", "countmiss",
                                                    "countgeki", "countkatu")}
        accuracy = legacy_accuracy(counts, ruleset if ruleset is not None else 0)
    combo = _g(score, "max_combo")
    if combo is None:
        combo = _g(score, "maxcombo")
    slot = _g(match, "slot")
    if slot is None:
        slot = _g(score, "slot")
    return PlayerScore(
        user_id=user_id,
        username=users.get(user_id),
        team=team,
        score=_score_value(score),
        accuracy=float(accuracy),
        max_combo=None if combo is None else _int(combo),
        mods=str(mods),
        passed=bool(passed),
        slot=None if slot is None else _int(slot),
    )


def _decide(scores: list[PlayerScore], team_type: str, aborted: bool, win_on: str) -> tuple[int, int, str | None]:
    red = sum(s.score for s in scores if s.team == "red" and s.passed)
    blue = sum(s.score for s in scores if s.team == "blue" and s.passed)
    if aborted or not scores:
        return red, blue, None
    if team_type in ("team-vs", "tag-team-vs"):
        if win_on == "accuracy":
            def acc(team: str) -> float:
                mine = [s.accuracy for s in scores if s.team == team and s.passed]
                return sum(mine) / len(mine) if mine else 0.0

            a_red, a_blue = acc("red"), acc("blue")
            return red, blue, None if a_red == a_blue else ("red" if a_red > a_blue else "blue")
        return red, blue, None if red == blue else ("red" if red > blue else "blue")
    ranked = sorted(scores, key=lambda s: (s.passed, s.score), reverse=True)
    if len(ranked) > 1 and (ranked[0].passed, ranked[0].score) == (ranked[1].passed, ranked[1].score):
        return red, blue, None
    return red, blue, str(ranked[0].user_id)


def _game(
    index: int,
    *,
    game_id: int,
    beatmap_id: int,
    beatmap: Any,
    room_mods: Mods,
    started: Any,
    ended: Any,
    scoring_type: str | None,
    team_type: str,
    raw_scores: Iterable[Any],
    users: Mapping[int, str],
    teams: Callable[[Any], str | None],
    ruleset: Any,
    aborted: bool,
    win_on: str,
) -> GameResult:
    scores = [_player_score(s, room_mods, users, teams(s), ruleset) for s in raw_scores]
    scores.sort(key=lambda s: s.score, reverse=True)
    aborted = aborted or not scores
    red, blue, winner = _decide(scores, team_type, aborted, win_on)
    return GameResult(
        index=index,
        id=game_id,
        beatmap_id=beatmap_id,
        title=_title(beatmap),
        mods=str(room_mods),
        started_at=_dt(started),
        ended_at=_dt(ended),
        scoring_type=scoring_type,
        team_type=team_type,
        scores=scores,
        red_total=red,
        blue_total=blue,
        winner=winner,
        aborted=aborted,
    )


def _teams_by(team_type: str, read: Callable[[Any], Any]) -> Callable[[Any], str | None]:
    """How to tell a score's team: ``read`` it in team modes, None in head-to-head."""

    def team(score: Any) -> str | None:
        return _team_name(read(score)) if team_type in ("team-vs", "tag-team-vs") else None

    return team


def _room_team(team_map: Mapping[str, Any]) -> Callable[[Any], Any]:
    def read(score: Any) -> Any:
        return team_map.get(str(_int(_g(score, "user_id"))))

    return read


def _users(raw: Iterable[Any]) -> dict[int, str]:
    return {_int(_g(u, "id")): str(_g(u, "username", "")) for u in raw if _g(u, "id") is not None}


def _from_v1(data: Any, win_on: str) -> tuple[int, str | None, list[GameResult], datetime | None]:
    info = _g(data, "match")
    if isinstance(info, int) or info is None:
        raise InvalidParameterError("get_match returned no match (\"match\": 0): the id is unknown")
    games: list[GameResult] = []
    for i, g in enumerate(_g(data, "games", []), start=1):
        team_type = _V1_TEAM_TYPE.get(_int(_g(g, "team_type")), "head-to-head")
        games.append(_game(
            i,
            game_id=_int(_g(g, "game_id")),
            beatmap_id=_int(_g(g, "beatmap_id")),
            beatmap=None,
            room_mods=_mods(_g(g, "mods", 0)),
            started=_g(g, "start_time"),
            ended=_g(g, "end_time"),
            scoring_type=_V1_SCORING.get(_int(_g(g, "scoring_type"), -1)),
            team_type=team_type,
            raw_scores=_g(g, "scores", []),
            users={},
            teams=_teams_by(team_type, lambda s: _int(_g(s, "team"))),
            ruleset=_int(_g(g, "play_mode")),
            aborted=_g(g, "end_time") is None,
            win_on=win_on,
        ))
    return _int(_g(info, "match_id")), _g(info, "name"), games, _dt(_g(info, "end_time"))


def _from_matches(pages: Sequence[Any], win_on: str) -> tuple[int, str | None, list[GameResult], datetime | None]:
    events: dict[int, Any] = {}
    users: dict[int, str] = {}
    match = None
    for page in pages:
        match = _g(page, "match") or match
        users.update(_users(_g(page, "users", [])))
        for e in _g(page, "events", []):
            events[_int(_g(e, "id"))] = e
    games: list[GameResult] = []
    index = 0
    for _, event in sorted(events.items()):
        g = _g(event, "game")
        if g is None:
            continue
        index += 1
        team_type = str(_g(g, "team_type", "head-to-head"))
        games.append(_game(
            index,
            game_id=_int(_g(g, "id")),
            beatmap_id=_int(_g(g, "beatmap_id")),
            beatmap=_g(g, "beatmap"),
            room_mods=_mods(_g(g, "mods")),
            started=_g(g, "start_time"),
            ended=_g(g, "end_time"),
            scoring_type=_g(g, "scoring_type"),
            team_type=team_type,
            raw_scores=_g(g, "scores", []),
            users=users,
            teams=_teams_by(team_type, lambda s: _g(_g(s, "match") or {}, "team")),
            ruleset=_g(g, "mode_int", 0),
            aborted=_g(g, "end_time") is None,
            win_on=win_on,
        ))
    return _int(_g(match, "id")), _g(match, "name"), games, _dt(_g(match, "end_time"))


def _from_room(pages: Sequence[Any], win_on: str) -> tuple[int, str | None, list[GameResult], datetime | None]:
    events: dict[int, Any] = {}
    items: dict[int, Any] = {}
    beatmaps: dict[int, Any] = {}
    sets: dict[int, Any] = {}
    users: dict[int, str] = {}
    room = None
    for page in pages:
        room = _g(page, "room") or room
        users.update(_users(_g(page, "users", [])))
        for e in _g(page, "events", []):
            events[_int(_g(e, "id"))] = e
        for item in _g(page, "playlist_items", []):
            items[_int(_g(item, "id"))] = item
        for b in _g(page, "beatmaps", []):
            beatmaps[_int(_g(b, "id"))] = b
        for s in _g(page, "beatmapsets", []):
            sets[_int(_g(s, "id"))] = s
    games: list[GameResult] = []
    index = 0
    for _, event in sorted(events.items()):
        kind = _g(event, "event_type")
        if kind not in ("game_completed", "game_aborted"):
            continue
        item = items.get(_int(_g(event, "playlist_item_id")))
        if item is None:
            continue
        index += 1
        details = _g(item, "details") or {}
        team_type = _ROOM_TEAM_TYPE.get(str(_g(details, "room_type", "head_to_head")), "head-to-head")
        team_map = {str(k): v for k, v in (_g(details, "teams") or {}).items()}
        beatmap = beatmaps.get(_int(_g(item, "beatmap_id")))
        if beatmap is not None and _g(beatmap, "beatmapset") is None:
            bset = sets.get(_int(_g(beatmap, "beatmapset_id")))
            beatmap = {"version": _g(beatmap, "version"), "beatmapset": bset}
        games.append(_game(
            index,
            game_id=_int(_g(item, "id")),
            beatmap_id=_int(_g(item, "beatmap_id")),
            beatmap=beatmap,
            room_mods=_mods(_g(item, "required_mods")),
            started=_g(details, "started_at"),
            ended=_g(item, "played_at") or _g(event, "created_at"),
            scoring_type=None,
            team_type=team_type,
            raw_scores=_g(item, "scores", []) if kind == "game_completed" else [],
            users=users,
            teams=_teams_by(team_type, _room_team(team_map)),
            ruleset=_g(item, "ruleset_id", 0),
            aborted=kind == "game_aborted",
            win_on=win_on,
        ))
    ended = None if _g(room, "active", True) else _dt(_g(room, "ends_at"))
    return _int(_g(room, "id")), _g(room, "name"), games, ended


def _kind(page: Any) -> Source:
    if _g(page, "playlist_items") is not None or _g(page, "room") is not None:
        return "room"
    if _g(page, "games") is not None or isinstance(_g(page, "match"), int) or _g(_g(page, "match"), "match_id"):
        return "v1"
    if _g(page, "events") is not None:
        return "matches"
    raise InvalidParameterError(
        "match_results takes GET /matches/{match}, v1 get_match or GET /rooms/{room}/events responses"
    )


def match_results(data: Any, *, win_condition: Literal["score", "accuracy"] = "score") -> MatchResults:
    """Results of a match from whatever the API sent.

    Args:
        data: a ``GET /matches/{match}`` response (``MatchResponse`` or its JSON) or a list
            of its pages; a v1 ``get_match`` response (``V1MatchResponse`` or JSON); or a
            ``GET /rooms/{room}/events`` response (``RoomEventsResponse``) or a list of pages.
            Match game scores may be in the legacy shape (``score``, ``match.team``) or the
            lazer shape (``total_score``) osu-web sends since 2025: both are read.
        win_condition: ``"score"`` (team totals of passed scores, as osu-web) or
            ``"accuracy"`` (the team's mean accuracy).

    Raises:
        InvalidParameterError: ``data`` is none of those (or a v1 response for an unknown match).
    """
    pages = list(data) if isinstance(data, (list, tuple)) else [data]
    if not pages:
        raise InvalidParameterError("match_results needs at least one response")
    kind = _kind(pages[0])
    if kind == "v1":
        match_id, name, games, ended = _from_v1(pages[0], win_condition)
    elif kind == "matches":
        match_id, name, games, ended = _from_matches(pages, win_condition)
    else:
        match_id, name, games, ended = _from_room(pages, win_condition)
    return _summarise(kind, match_id, name, games, ended)


def _summarise(source: Source, match_id: int, name: str | None, games: list[GameResult],
               ended: datetime | None) -> MatchResults:
    wins: dict[str, int] = {}
    for g in games:
        if g.winner is not None:
            wins[g.winner] = wins.get(g.winner, 0) + 1
    best = max(wins.values(), default=0)
    leaders = [k for k, v in wins.items() if v == best]
    players: dict[int, dict[str, Any]] = {}
    for g in games:
        if g.aborted:
            continue
        for s in g.scores:
            p = players.setdefault(s.user_id, {"username": s.username, "team": s.team, "n": 0, "won": 0,
                                               "total": 0, "acc": 0.0})
            p["n"] += 1
            p["total"] += s.score
            p["acc"] += s.accuracy
            p["team"] = p["team"] or s.team
            if g.winner is not None and g.winner in (s.team, str(s.user_id)):
                p["won"] += 1
    summaries = [
        PlayerResult(user_id=uid, username=p["username"], team=p["team"], maps_played=p["n"], maps_won=p["won"],
                     total_score=p["total"], average_score=p["total"] / p["n"], average_accuracy=p["acc"] / p["n"])
        for uid, p in players.items()
    ]
    summaries.sort(key=lambda p: p.total_score, reverse=True)
    return MatchResults(
        source=source,
        id=match_id,
        name=name,
        team_type=games[-1].team_type if games else "head-to-head",
        games=games,
        red_wins=wins.get("red", 0),
        blue_wins=wins.get("blue", 0),
        wins=wins,
        winner=leaders[0] if len(leaders) == 1 else None,
        players=summaries,
        ended_at=ended,
    )


# --- fetching ----------------------------------------------------------------------------------

_Request = tuple[str, int, dict[str, Any]]


def _pages(kind: Literal["match", "room"], ident: int) -> Generator[_Request, Any, list[Any]]:
    """Ask for pages newest first until the first event (sans-I/O; driven by the fetchers)."""
    pages: list[Any] = []
    params: dict[str, Any] = {"limit": 101}
    while True:
        page = yield (kind, ident, dict(params))
        pages.append(page)
        events = _g(page, "events", [])
        first = _g(page, "first_event_id")
        if not events or first is None:
            break
        oldest = min(_int(_g(e, "id")) for e in events)
        if oldest <= _int(first) or len(pages) > 1000:
            break
        params["before"] = oldest
    return pages


def _request(client: Any, req: _Request) -> Any:
    from ..resources import multiplayer as R

    kind, ident, params = req
    if kind == "match":
        return client._call(R.MATCH, path={"match": ident}, params=params)
    return client._call(R.ROOM_EVENTS, path={"room": ident}, params=params)


def _parse_ref(ref: int | str) -> tuple[Literal["match", "room"], int]:
    text = str(ref).strip().rstrip("/")
    kind: Literal["match", "room"] = "match"
    if "/rooms/" in text or "/multiplayer/rooms/" in text or text.startswith("room:"):
        kind = "room"
    head, _, tail = text.rpartition("/")
    tail = tail.removeprefix("room:").removeprefix("match:").split("#", 1)[0].split("?", 1)[0]
    url_ok = not head or head.endswith(("/community/matches", "/mp", "/multiplayer/rooms", "/rooms", "/matches"))
    if not tail.isdigit() or not url_ok:
        raise InvalidParameterError(
            f"{ref!r} is not a match or room: give an id, room:<id>, or an osu.ppy.sh/community/matches/ or "
            "/multiplayer/rooms/ URL"
        )
    return kind, int(tail)


def fetch_results(client: Client, ref: int | str, **options: Any) -> MatchResults:
    """Fetch every event of a stable match (an id or URL) or lazer room (``room:<id>`` or a
    ``/multiplayer/rooms/`` URL) and return `match_results` of them.

    Routes: ``GET api/v2/matches/{match}`` or ``GET api/v2/rooms/{room}/events`` (scope
    ``public``), 101 events per request, going back until the first event.

    Raises:
        InvalidParameterError: ``ref`` is neither a match nor a room.
        NotFoundError: no such match or room.
    """
    from .._sync.tournament import fetch_results as run

    return run(client, ref, **options)


async def afetch_results(client: AsyncClient, ref: int | str, **options: Any) -> MatchResults:
    """The async form of `fetch_results`."""
    from .._async.tournament import fetch_results as run

    return await run(client, ref, **options)
