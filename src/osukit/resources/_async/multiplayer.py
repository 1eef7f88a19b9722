"""Multiplayer: lazer rooms and playlists (``client.rooms``), stable matches (``client.matches``)."""

from __future__ import annotations

from ..._async.pagination import AsyncPaginator
from ...models.matches import LegacyMatchResponse, Match, MatchEvent, MatchResponse
from ...models.multiplayer import Room, RoomEvent, RoomEventsResponse, RoomLeaderboard
from ...models.scores import Score
from ...pagination import CursorStringStyle, IdRangeStyle
from .. import multiplayer as R
from .._params import check_limit, choice, enum_value
from ._base import AsyncResource

__all__ = ["AsyncMatches", "AsyncRooms"]


class AsyncRooms(AsyncResource):
    """``client.rooms``: multiplayer rooms and playlists (lazer)."""

    async def list(
        self,
        *,
        mode: R.RoomMode | str = R.RoomMode.ACTIVE,
        category: R.RoomCategory | str | None = None,
        type_group: str | None = None,
        season_id: int | None = None,
        sort: str | None = None,
        limit: int | None = None,
    ) -> list[Room]:
        """Rooms (compact: current playlist item and playlist stats).

        Route: ``GET api/v2/rooms``. Scope: ``public``.
        """
        check_limit(limit, low=1, high=250)
        return await self._client._call(
            R.ROOMS,
            params={
                "mode": enum_value(mode, R.RoomMode, "mode"),
                "category": enum_value(category, R.RoomCategory, "category") if category is not None else None,
                "type_group": choice(type_group, R.ROOM_TYPE_GROUPS, "type_group"),
                "season_id": season_id,
                "sort": choice(sort, R.ROOM_SORTS, "sort"),
                "limit": limit,
            },
        )

    async def get(self, room: int) -> Room:
        """A room with its playlist, host and recent participants.

        Route: ``GET api/v2/rooms/{room}``. Scope: ``public``.
        """
        return await self._client._call(R.ROOM, path={"room": room})

    async def leaderboard(self, room: int) -> RoomLeaderboard:
        """A room's leaderboard (aggregate scores) and the token user's standing.

        Route: ``GET api/v2/rooms/{room}/leaderboard``. Scope: ``public``.
        """
        return await self._client._call(R.ROOM_LEADERBOARD, path={"room": room})

    def events(self, room: int, *, limit: int | None = None, before: int | None = None) -> AsyncPaginator[RoomEvent]:
        """A room's event history, newest first, going back with ``before``.

        Route: ``GET api/v2/rooms/{room}/events``. Scope: ``public``. Paginated by id range.
        """
        check_limit(limit, low=0, high=10**9)
        return self._client._paginate(
            R.ROOM_EVENTS,
            path={"room": room},
            style=IdRangeStyle(_room_events, param="before", id_of=_event_id, page_size=100),
            limit=limit,
            cursor=before,
        )

    def playlist_scores(
        self,
        room: int,
        playlist: int,
        *,
        sort: R.PlaylistScoreSort | str = R.PlaylistScoreSort.SCORE_DESC,
        page_size: int = 50,
        limit: int | None = 50,
        cursor: str | None = None,
    ) -> AsyncPaginator[Score]:
        """Scores of one playlist item, best first.

        Route: ``GET api/v2/rooms/{room}/playlist/{playlist}/scores``. Scope: ``public``.
        Paginated by ``cursor_string``.
        """
        check_limit(page_size, low=1, high=50, name="page_size")
        check_limit(limit, low=0, high=10**9)
        return self._client._paginate(
            R.PLAYLIST_SCORES,
            path={"room": room, "playlist": playlist},
            params={"sort": enum_value(sort, R.PlaylistScoreSort, "sort"), "limit": page_size},
            style=CursorStringStyle(lambda r: r.scores),
            limit=limit,
            cursor=cursor,
        )


def _room_events(response: RoomEventsResponse) -> list[RoomEvent]:
    return list(response.events)


def _event_id(event: RoomEvent | MatchEvent) -> int:
    return event.id


class AsyncMatches(AsyncResource):
    """``client.matches``: stable (osu!) multiplayer matches."""

    def list(
        self,
        *,
        sort: R.MatchSort | str = R.MatchSort.ID_DESC,
        page_size: int = 50,
        limit: int | None = 50,
        cursor: str | None = None,
    ) -> AsyncPaginator[Match]:
        """Matches, newest first.

        Route: ``GET api/v2/matches``. Scope: ``public``. Paginated by ``cursor_string``.
        """
        check_limit(page_size, low=1, high=50, name="page_size")
        check_limit(limit, low=0, high=10**9)
        return self._client._paginate(
            R.MATCHES,
            params={"sort": enum_value(sort, R.MatchSort, "sort"), "limit": page_size},
            style=CursorStringStyle(lambda r: r.matches),
            limit=limit,
            cursor=cursor,
        )

    async def get(
        self, match: int, *, before: int | None = None, after: int | None = None, limit: int | None = None
    ) -> MatchResponse | LegacyMatchResponse:
        """A match with up to ``limit`` (≤ 101) events around ``before``/``after`` and their users.

        Game scores are new-format [`Score`][osukit.models.Score]s at ``x-api-version`` 20220705 and
        later (osukit's default), legacy-shaped below it (`LegacyMatchResponse`).

        Route: ``GET api/v2/matches/{match}``. Scope: ``public``.
        """
        check_limit(limit, low=1, high=101)
        return await self._client._call(
            R.MATCH, path={"match": match}, params={"before": before, "after": after, "limit": limit}
        )

    def events(self, match: int, *, limit: int | None = None, before: int | None = None) -> AsyncPaginator[MatchEvent]:
        """Every event of a match, newest page first, going back in history (101 per request).

        Route: ``GET api/v2/matches/{match}``. Scope: ``public``. Paginated by id range (``before``).
        """
        check_limit(limit, low=0, high=10**9)
        return self._client._paginate(
            R.MATCH,
            path={"match": match},
            style=IdRangeStyle(lambda r: r.events, param="before", id_of=_event_id, page_size=101),
            limit=limit,
            cursor=before,
        )
