"""An emulated osu!(lazer) referee hub: ``/referee`` on osu-server-spectator, offline.

What it speaks (the parts of ASP.NET Core SignalR the hub uses):

* ``POST /referee/negotiate?negotiateVersion=1`` (bearer token; 401 without a valid user token,
  403 without the ``multiplayer.write_manage`` scope, like the hub's authorization policy), then
  the websocket ``/referee?id=<connectionToken>`` (``?access_token=`` works too), the JSON
  handshake ending in ``0x1E``, invocations (type 1) answered by completions (type 3), pings
  (type 6, every 15 s both ways) and close (type 7).
* The room rules of ``RefereeHub.cs`` (checks in the same order, the same ``Error N: …`` messages
  from ``ThrowHelper.cs``), the room caps of osu-web (4 open rooms per account, 50 for a bot
  account; ``number of simultaneously active rooms reached``), and the 30-minute rule: a room with
  no users for 30 minutes of the emulator's clock closes. Referees keep their association with a
  room across disconnects, and a disconnect makes them leave the room (``RefereeRemoved`` for the
  other referees, the owner's own disconnect included), as on the server (``RefereeHub.cs``
  ``OnDisconnectedAsync``: each refereed room is left and ``PostRefereeRemovedAsync`` sent, with the
  referee association kept).
* Each room gets a real chat channel (``type: MULTIPLAYER``) in the emulator's world, so the chat
  API sees it, and a ``/rooms/{room}`` entry; finished maps add scores there and a game to a
  ``/matches/{room}``-style record.

Scripted players and faults live under ``/_emulator/referee/`` (all ``POST`` with a JSON body,
except ``GET …/rooms/{room}``):

* ``players/{user_id}/connect`` / ``disconnect``: the user is (not) connected to multiplayer
  (``InvitePlayer`` needs it, error 19).
* ``players/{user_id}/join`` ``{"room_id": …, "slot": 3}`` (the slot is optional: first free one;
  a user already in another open room gets 409, as ``MultiplayerHub.JoinRoom`` refuses it), ``leave``, ``team`` ``{"team": "red"}``,
  ``slot`` ``{"slot": 2}``, ``mods`` ``{"mods": [{"acronym": "HD"}]}``, ``style``
  ``{"beatmap_id": …, "ruleset_id": …}``, ``ready``, ``idle``, ``spectate``,
  ``finish`` ``{"score": 812345, "accuracy": 0.97, "max_combo": 500, "passed": true}`` (the score's
  judgements, max combo, rank and accuracy then fit the beatmap: ``emulator/played.py``; without
  ``score``, the total is the standardised score that fits them, ``played.standardised_score``). Every
  answer names the user's room (``room_id``).
* ``clock`` ``{"advance": seconds}``: move the emulator's clock (the 30-minute rule).
* ``shutdown`` ``{"seconds": 60}``: a ``server_shutting_down`` countdown in every room; when it ends
  every room closes and every socket drops.
* ``emit`` ``{"room_id": …, "target": "UserJoined", "payload": {…}}``: send any event (a newer
  server's) to the room's referees.
* ``refuse`` ``{"on": true}`` (negotiate answers 503 until turned off), ``drop`` (close every
  referee socket now), ``drop_during`` ``{"method": "StartMatch",
  "apply": true}`` (the next call of that method is carried out, or not, and its socket dropped
  before the completion is sent), ``restrict`` ``{"user_id": …}``.
"""

from __future__ import annotations

import asyncio
import contextlib
import datetime as dt
import json
import logging
import random
import secrets
import time
import weakref
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import BaseRoute, Route, WebSocketRoute
from starlette.websockets import WebSocket, WebSocketDisconnect

from ..enums import Ruleset
from .played import finished_score

if TYPE_CHECKING:
    from .app import State, TokenRecord

__all__ = ["HUBS", "RefereeHub", "referee_routes"]

RS = "\x1e"
SCOPE = "multiplayer.write_manage"
ROOM_LIMIT = 4
ROOM_LIMIT_BOT = 50
ABANDON_SECONDS = 30 * 60
PING_INTERVAL = 15.0

ERRORS = {
    1: "User is restricted.", 2: "You are not a referee in the specified room.", 3: "You cannot join this room.",
    4: "The specified room does not exist.", 5: "The specified user is not in the room.",
    6: "The specified beatmap does not exist.", 7: "Cannot perform this operation with the current match type.",
    8: "No active match start countdown.", 9: "Cannot perform this operation in the current room state.",
    10: "Invalid ruleset.", 11: "Invalid beatmap and ruleset combination.", 12: "Invalid mods.",
    13: "Cannot specify allowed mods in freestyle.", 14: "The specified playlist item does not exist.",
    15: "Cannot perform this operation on self.", 16: "User is banned from room.",
    17: "Invalid roll. Max must be in [1, 100] range inclusive.", 18: "You are not the host of the room.",
    19: "The specified user is not connected to multiplayer.",
}


HUBS: weakref.WeakKeyDictionary[State, RefereeHub] = weakref.WeakKeyDictionary()
"""The hub of each emulator ``State`` (``HUBS[emu.state]``)."""


REPLACED_REASON = ("another referee hub connection of this account took over (the hub keeps one referee "
                   "connection per user)")


class HubError(Exception):
    """A hub exception: its message goes to the client as the completion's ``error``."""


def hub_error(code: int, details: str | None = None) -> HubError:
    message = ERRORS[code] + (f"\nDetails: {details}" if details else "")
    return HubError(f"Error {code}: {message}")


class ControlError(Exception):
    def __init__(self, status: int, message: str) -> None:
        super().__init__(message)
        self.status = status


@dataclass
class Conn:
    ws: WebSocket
    user_id: int
    lock: asyncio.Lock = field(default_factory=asyncio.Lock)
    open: bool = True


@dataclass
class HubRoom:
    room_id: int
    host_id: int
    channel_id: int
    name: str
    password: str
    max_participants: int | None
    type: str = "head_to_head"
    locked: bool = False
    slots: list[int | None] | None = None
    players: dict[int, dict[str, Any]] = field(default_factory=dict)
    referees: set[int] = field(default_factory=set)
    playlist: list[dict[str, Any]] = field(default_factory=list)
    current_item_id: int = 0
    state: str = "open"
    banned: set[int] = field(default_factory=set)
    invited: set[int] = field(default_factory=set)
    countdowns: dict[int, tuple[str, asyncio.Task[None] | None]] = field(default_factory=dict)
    empty_since: float | None = None
    closed: bool = False
    game: dict[str, Any] | None = None

    def item(self, item_id: int) -> dict[str, Any] | None:
        return next((i for i in self.playlist if i["id"] == item_id), None)

    @property
    def current(self) -> dict[str, Any]:
        found = self.item(self.current_item_id)
        assert found is not None
        return found


class RefereeHub:
    """The hub's state: rooms, referee associations, connections, scripted players, faults."""

    def __init__(self, state: State) -> None:
        self.state = state
        self.clock_offset = 0.0
        self.rooms: dict[int, HubRoom] = {}
        self.associations: dict[int, set[int]] = {}
        self.conns: dict[int, Conn] = {}
        self.pending: dict[str, TokenRecord] = {}
        self.online: set[int] = set()
        self.invites: dict[int, list[int]] = {}  # user id -> rooms they were invited to, oldest first
        self.restricted: set[int] = set()
        self.drop_during: dict[str, bool] = {}
        self.refusing = False
        self.rng = random.Random(state.seed)
        self.stats: dict[str, int] = {"invocations": 0, "events": 0, "connections": 0, "dropped": 0}

    @property
    def world(self) -> Any:
        return self.state.world

    def now(self) -> float:
        """The emulator's clock (wall time plus what ``/_emulator/referee/clock`` advanced)."""
        return time.time() + self.clock_offset

    # --- auth and connections ---------------------------------------------------------------------

    def _token(self, request_headers: Any, query: Any) -> TokenRecord | None:
        auth = request_headers.get("authorization", "")
        text = auth[7:].strip() if auth[:7].lower() == "bearer " else query.get("access_token", "")
        record = self.state.tokens.get(text)
        if record is None or record.revoked or record.expires_at <= time.time() or record.user_id is None:
            return None
        return record

    async def negotiate(self, request: Request) -> Response:
        if self.refusing:
            self.state.count_fault("referee_refused")
            return Response(status_code=503)
        record = self._token(request.headers, request.query_params)
        if record is None:
            return Response(status_code=401, headers={"WWW-Authenticate": "Bearer"})
        if SCOPE not in record.scopes:
            return Response(status_code=403)
        token = secrets.token_urlsafe(16)
        self.pending[token] = record
        body: dict[str, Any] = {"negotiateVersion": 1, "connectionId": secrets.token_urlsafe(16), "connectionToken": token,
                                "availableTransports": [{"transport": "WebSockets", "transferFormats": ["Text", "Binary"]}]}
        if request.query_params.get("negotiateVersion") != "1":
            body = {"connectionId": token, "availableTransports": body["availableTransports"]}
        return JSONResponse(body)

    async def websocket(self, ws: WebSocket) -> None:
        token = ws.query_params.get("id")
        record = self.pending.pop(token, None) if token else self._token(ws.headers, ws.query_params)
        if record is not None and token and (header := self._token(ws.headers, ws.query_params)) is not None:
            record = header
        if record is None or SCOPE not in record.scopes:
            await ws.close(code=1008)
            return
        assert record.user_id is not None
        await ws.accept()
        try:
            handshake = await asyncio.wait_for(ws.receive_text(), 15)
        except (asyncio.TimeoutError, WebSocketDisconnect, RuntimeError):
            return
        first, _, rest = handshake.partition(RS)
        try:
            hello = json.loads(first)
        except ValueError:
            hello = {}
        if not isinstance(hello, dict) or hello.get("protocol") != "json":
            with contextlib.suppress(Exception):
                await ws.send_text(json.dumps({"error": f"The protocol '{hello.get('protocol') if isinstance(hello, dict) else None}' "
                                                        "is not supported."}) + RS)
                await ws.close()
            return
        await ws.send_text("{}" + RS)
        uid = record.user_id
        conn = Conn(ws, uid)
        older = self.conns.get(uid)
        self.conns[uid] = conn  # one referee state per user: events go to the newest connection
        if older is not None and older.open:
            await self._replace(older)
        self.associations.setdefault(uid, set())
        self.stats["connections"] += 1
        pinger = asyncio.create_task(self._pinger(conn))
        buffer = rest
        try:
            while conn.open:
                while RS in buffer:
                    record_text, _, buffer = buffer.partition(RS)
                    if record_text and not await self._message(conn, record_text):
                        return
                buffer += await ws.receive_text()
        except (WebSocketDisconnect, RuntimeError):
            pass
        finally:
            pinger.cancel()
            conn.open = False
            if self.conns.get(uid) is conn:
                del self.conns[uid]
                await self._disconnected(uid)

    async def _replace(self, older: Conn) -> None:
        """Close an older connection of a user who connected again.

        ``RefereeHub.OnConnectedAsync`` keeps ONE referee state (one connection id) per user: a new
        connection replaces it, so the older socket would stop hearing about its rooms. The real
        server does not tell the older socket; the emulator closes it with a SignalR close message
        saying why (``allowReconnect: false``), so a client never goes silent.
        """
        self.stats["replaced"] = self.stats.get("replaced", 0) + 1
        await self._send(older, {"type": 7, "error": REPLACED_REASON, "allowReconnect": False})
        older.open = False
        with contextlib.suppress(Exception):
            await older.ws.close(code=1000)

    async def _pinger(self, conn: Conn) -> None:
        with contextlib.suppress(Exception):
            while conn.open:
                await asyncio.sleep(PING_INTERVAL)
                await self._send(conn, {"type": 6})

    async def _send(self, conn: Conn, message: dict[str, Any]) -> None:
        if not conn.open:
            return
        text = json.dumps(message, separators=(",", ":")) + RS
        async with conn.lock:
            try:
                await conn.ws.send_text(text)
            except Exception:
                conn.open = False

    async def _message(self, conn: Conn, text: str) -> bool:
        try:
            msg = json.loads(text)
        except ValueError:
            return True
        if not isinstance(msg, dict):
            return True
        kind = msg.get("type")
        if kind == 7:
            conn.open = False
            return False
        if kind != 1:
            return True
        target = str(msg.get("target"))
        args = msg.get("arguments") or []
        invocation_id = msg.get("invocationId")
        self.stats["invocations"] += 1
        self.sweep()
        drop = target in self.drop_during
        apply = self.drop_during.pop(target, True)
        result: Any = None
        error: str | None = None
        if not drop or apply:
            try:
                handler = getattr(self, f"hub_{target}", None)
                if handler is None:
                    raise HubError(f"Method does not exist: {target}")
                result = await handler(conn.user_id, *args)
            except HubError as exc:
                error = str(exc)
            except TypeError:
                error = f"Invocation provides {len(args)} argument(s) but target expects a different number."
            except (KeyError, ValueError, AttributeError):
                error = f"An unexpected error occurred invoking '{target}' on the server."
            except Exception:  # a bug here must look like the server's opaque error, not kill the socket
                logging.getLogger("osukit.emulator").exception("emulated referee hub: %s failed", target)
                error = f"An unexpected error occurred invoking '{target}' on the server."
        if drop:
            self.stats["dropped"] += 1
            self.state.count_fault("referee_drop_during")
            conn.open = False
            with contextlib.suppress(Exception):
                await conn.ws.close(code=1011)
            return False
        if invocation_id is not None:
            completion: dict[str, Any] = {"type": 3, "invocationId": invocation_id}
            if error is not None:
                completion["error"] = error
            elif result is not None:
                completion["result"] = result
            await self._send(conn, completion)
        return True

    async def _disconnected(self, uid: int) -> None:
        for room_id in sorted(self.associations.get(uid, ())):
            room = self.rooms.get(room_id)
            if room is None or room.closed:
                continue
            if uid in room.referees:
                room.referees.discard(uid)
                self._touch(room)
                await self.emit(room, "UserLeft", {"room_id": room_id, "user_id": uid})
                await self.emit(room, "RefereeRemoved", {"room_id": room_id, "user_id": uid})

    async def drop_all(self) -> int:
        count = 0
        for conn in list(self.conns.values()):
            conn.open = False
            with contextlib.suppress(Exception):
                await conn.ws.close(code=1012)
            count += 1
        self.stats["dropped"] += count
        return count

    # --- events -------------------------------------------------------------------------------

    async def emit(self, room: HubRoom, target: str, payload: dict[str, Any], *, also: frozenset[int] | set[int] = frozenset()) -> None:
        for uid in sorted(room.referees | set(also)):
            conn = self.conns.get(uid)
            if conn is not None:
                self.stats["events"] += 1
                await self._send(conn, {"type": 1, "target": target, "arguments": [payload]})

    async def emit_to(self, uid: int, target: str, payload: Any) -> None:
        conn = self.conns.get(uid)
        if conn is not None:
            self.stats["events"] += 1
            await self._send(conn, {"type": 1, "target": target, "arguments": [payload]})

    # --- room helpers ---------------------------------------------------------------------------

    def _touch(self, room: HubRoom) -> None:
        empty = not room.players and not room.referees
        if empty and room.empty_since is None:
            room.empty_since = self.now()
        elif not empty:
            room.empty_since = None

    def _log(self, room: HubRoom, event_type: str, *, user_id: int | None = None, item_id: int | None = None,
             detail: dict[str, Any] | None = None) -> None:
        """Record a ``multiplayer_realtime_room_events`` row, as ``MultiplayerEventDispatcher`` does
        (osu-server-spectator): what ``GET /rooms/{room}/events`` serves. ``created_at`` is the
        emulator's clock at the moment it happens (ids and times only grow)."""
        wr = self.world.rooms.get(room.room_id)
        if wr is None:
            return
        wr.setdefault("_events", []).append({
            "id": self.world.new_id("realtime_room_event"), "event_type": event_type,
            "created_at": dt.datetime.fromtimestamp(self.now(), dt.timezone.utc), "user_id": user_id,
            "playlist_item_id": item_id, "event_detail": detail})

    def sweep(self) -> list[int]:
        """Close rooms left without users for 30 minutes (emulator clock); return their ids."""
        closed = []
        now = self.now()
        for room in list(self.rooms.values()):
            if not room.closed and room.empty_since is not None and now - room.empty_since >= ABANDON_SECONDS:
                self._close(room)
                closed.append(room.room_id)
        return closed

    def _close(self, room: HubRoom, by: int | None = None) -> None:
        room.closed = True
        self._log(room, "room_disbanded", user_id=by)
        for _, task in room.countdowns.values():
            if task is not None:
                task.cancel()
        room.countdowns.clear()
        for ids in self.associations.values():
            ids.discard(room.room_id)
        world_room = self.world.rooms.get(room.room_id)
        if world_room is not None:
            world_room["active"] = False
            world_room["ends_at"] = dt.datetime.fromtimestamp(self.now(), dt.timezone.utc)
        match = self.world.matches.get(room.room_id)
        if match is not None and match["end_time"] is None:
            match["end_time"] = dt.datetime.fromtimestamp(self.now(), dt.timezone.utc)
        self.world.channels.pop(room.channel_id, None)

    def _room(self, uid: int, room_id: int, *, referee: bool = True) -> HubRoom:
        if referee and room_id not in self.associations.get(uid, set()):
            raise hub_error(2)
        room = self.rooms.get(room_id)
        if room is None or room.closed:
            raise hub_error(4)
        return room

    def _restricted(self, uid: int) -> bool:
        return uid in self.restricted or bool(self.world.users.get(uid, {}).get("is_restricted"))

    def _room_json(self, room: HubRoom) -> dict[str, Any]:
        return {"room_id": room.room_id, "chat_channel_id": room.channel_id, "name": room.name, "password": room.password,
                "state": self._state_json(room), "playlist": [self._item_json(i) for i in room.playlist],
                "players": [self._player_json(uid, p) for uid, p in room.players.items()],
                "referees": [{"user_id": uid} for uid in sorted(room.referees)]}

    @staticmethod
    def _state_json(room: HubRoom) -> dict[str, Any]:
        return {"type": room.type, "locked": room.locked, "slots": None if room.slots is None else list(room.slots)}

    @staticmethod
    def _item_json(item: dict[str, Any]) -> dict[str, Any]:
        return {k: item[k] for k in ("id", "ruleset_id", "beatmap_id", "required_mods", "allowed_mods", "freestyle",
                                     "was_played", "order")}

    @staticmethod
    def _player_json(uid: int, p: dict[str, Any]) -> dict[str, Any]:
        return {"user_id": uid, "status": p["status"], "style": dict(p["style"]), "mods": list(p["mods"]), "team": p["team"]}

    def _validate_item(self, item: dict[str, Any]) -> None:
        beatmap = self.world.beatmaps.get(item["beatmap_id"])
        if beatmap is None:
            raise hub_error(6)
        ruleset = item["ruleset_id"]
        if not isinstance(ruleset, int) or not 0 <= ruleset <= 3:
            raise hub_error(10)
        mode = Ruleset(beatmap["mode"]).id
        if mode != 0 and ruleset != mode:
            raise hub_error(11)
        if item["freestyle"] and item["allowed_mods"]:
            raise hub_error(13)
        from ..game.mods import mod_info

        seen: set[str] = set()
        for mod in [*item["required_mods"], *item["allowed_mods"]]:
            acronym = str(mod.get("acronym", "")).upper()
            if mod_info(acronym, ruleset) is None:
                raise hub_error(12, f"{acronym} is not a valid mod for ruleset {ruleset}")
            if acronym in seen:
                raise hub_error(12, f"{acronym} is both required and allowed")
            seen.add(acronym)

    def _new_item(self, room: HubRoom, owner: int, beatmap_id: int, ruleset_id: int, required: list[Any],
                  allowed: list[Any], freestyle: bool) -> dict[str, Any]:
        item = {"id": self.world.new_id("playlist_item"), "ruleset_id": ruleset_id, "beatmap_id": beatmap_id,
                "required_mods": [_mod(m) for m in required], "allowed_mods": [_mod(m, settings=False) for m in allowed],
                "freestyle": bool(freestyle), "was_played": False,
                "order": max((i["order"] for i in room.playlist), default=-1) + 1, "owner_id": owner}
        return item

    def _world_item(self, room: HubRoom, item: dict[str, Any]) -> None:
        wr = self.world.rooms.get(room.room_id)
        if wr is None:
            return
        entry = next((p for p in wr["playlist"] if p["id"] == item["id"]), None)
        values = {"id": item["id"], "room_id": room.room_id, "beatmap_id": item["beatmap_id"], "ruleset_id": item["ruleset_id"],
                  "allowed_mods": item["allowed_mods"], "required_mods": item["required_mods"], "freestyle": item["freestyle"],
                  "expired": item["was_played"], "owner_id": item["owner_id"], "playlist_order": item["order"]}
        if entry is None:
            wr["playlist"].append({**values, "played_at": None, "created_at": dt.datetime.fromtimestamp(self.now(), dt.timezone.utc),
                                   "score_ids": []})
        else:
            entry.update(values)

    async def _unready_all(self, room: HubRoom) -> None:
        """``ServerMultiplayerRoom.unreadyAllUsers``: ready players go idle, the start countdown stops."""
        for pid, p in room.players.items():
            if p["status"] == "ready":
                p["status"] = "idle"
                await self.emit(room, "UserStatusChanged", {"room_id": room.room_id, "user_id": pid, "status": "idle"})
        await self._stop_countdowns(room, "match_start")

    async def _ensure_valid_mods(self, room: HubRoom) -> None:
        """``ensureAllUsersValidStyle``: drop free mods the current item no longer allows."""
        allowed = {m["acronym"] for m in room.current["allowed_mods"]}
        for pid, p in room.players.items():
            kept = [m for m in p["mods"] if m["acronym"] in allowed]
            if kept != p["mods"]:
                p["mods"] = kept
                await self.emit(room, "UserModsChanged", {"room_id": room.room_id, "user_id": pid, "mods": kept})

    async def _slots_changed(self, room: HubRoom) -> None:
        await self.emit(room, "MatchStateChanged", {"room_id": room.room_id, "state": self._state_json(room)})

    def _assign_team(self, room: HubRoom) -> str:
        red = sum(1 for p in room.players.values() if p["team"] == "red")
        blue = sum(1 for p in room.players.values() if p["team"] == "blue")
        return "red" if red <= blue else "blue"

    # --- hub methods (IRefereeHubServer) ---------------------------------------------------------------

    async def hub_Ping(self, uid: int, message: str) -> None:
        name = self.world.users.get(uid, {}).get("username", f"user {uid}")
        await self.emit_to(uid, "Pong", f"Hi {name}! Here's your message back: {message}")

    async def hub_MakeRoom(self, uid: int, request: dict[str, Any]) -> dict[str, Any]:
        if self._restricted(uid):
            raise hub_error(1)
        beatmap_id = int(request.get("beatmap_id") or 0)
        ruleset_id = int(request.get("ruleset_id") or 0)
        max_participants = int(request.get("max_participants") or 0)
        if max_participants == 1 or max_participants > 256:
            raise HubError("max_participants must be 0 or in [2, 256].")
        limit = ROOM_LIMIT_BOT if self.world.users.get(uid, {}).get("is_bot") else ROOM_LIMIT
        if sum(1 for r in self.rooms.values() if r.host_id == uid and not r.closed) >= limit:
            raise HubError("number of simultaneously active rooms reached")
        w = self.world
        room_id = w.new_id("multiplayer_room")
        channel_id = w.new_id("multiplayer_channel")
        name = str(request.get("name") or "")
        room = HubRoom(room_id=room_id, host_id=uid, channel_id=channel_id, name=name, password=str(secrets.token_hex(16)),
                       max_participants=max_participants or None,
                       slots=[None] * max_participants if max_participants else None)
        item = self._new_item(room, uid, beatmap_id, ruleset_id, [], [], False)
        self._validate_item(item)
        room.playlist.append(item)
        room.current_item_id = item["id"]
        self.rooms[room_id] = room
        now = dt.datetime.fromtimestamp(self.now(), dt.timezone.utc)
        w.channels[channel_id] = {"channel_id": channel_id, "name": f"#lazermp_{room_id}", "description": name, "type": "MULTIPLAYER",
                                  "moderated": False, "icon": None, "uuid": None, "message_length_limit": 450, "users": {uid}}
        w.rooms[room_id] = {"id": room_id, "name": name, "category": "normal", "type": "head_to_head", "status": "idle",
                            "user_id": uid, "starts_at": now, "ends_at": None, "active": True, "has_password": True,
                            "max_attempts": None, "participant_count": 0, "channel_id": channel_id, "queue_mode": "host_only",
                            "auto_skip": True, "pinned": False, "playlist": [], "description": None}
        w.matches[room_id] = {"id": room_id, "name": name, "start_time": now, "end_time": None,
                              "events": [{"id": w.new_id("match_event"), "type": "match-created", "timestamp": now,
                                          "user_id": uid, "game": None}]}
        self._world_item(room, item)
        self._log(room, "room_created", user_id=uid)
        self.associations.setdefault(uid, set()).add(room_id)
        room.referees.add(uid)
        return self._room_json(room)

    async def hub_JoinRoom(self, uid: int, room_id: int) -> dict[str, Any]:
        if self._restricted(uid):
            raise hub_error(1)
        room = self._room(uid, room_id)
        if uid in room.banned:
            raise hub_error(3)
        if uid not in room.referees:
            room.referees.add(uid)
            self._touch(room)
            others = room.referees - {uid}
            for other in sorted(others):
                await self.emit_to(other, "UserJoined", {"room_id": room_id, "user_id": uid})
        channel = self.world.channels.get(room.channel_id)
        if channel is not None:
            channel["users"].add(uid)
        return self._room_json(room)

    async def hub_CloseRoom(self, uid: int, room_id: int) -> None:
        room = self._room(uid, room_id)
        for pid in list(room.players):
            await self.emit(room, "UserKicked", {"room_id": room_id, "kicked_user_id": pid, "kicking_user_id": uid})
            del room.players[pid]
        for ref in sorted(room.referees - {uid}):
            await self.emit(room, "UserKicked", {"room_id": room_id, "kicked_user_id": ref, "kicking_user_id": uid})
            room.referees.discard(ref)
        room.referees.discard(uid)
        self._close(room, uid)

    async def hub_InvitePlayer(self, uid: int, room_id: int, user_id: int) -> None:
        room = self._room(uid, room_id)
        if user_id in room.banned:
            raise hub_error(16)
        if user_id not in self.online:
            raise hub_error(19)
        room.invited.add(user_id)
        rooms = self.invites.setdefault(user_id, [])
        if room_id in rooms:
            rooms.remove(room_id)
        rooms.append(room_id)

    async def _kick(self, room: HubRoom, target: int, by: int) -> None:
        await self.emit(room, "UserKicked", {"room_id": room.room_id, "kicked_user_id": target, "kicking_user_id": by})
        if target in room.players:
            self._log(room, "player_kicked", user_id=target)
        room.players.pop(target, None)
        room.referees.discard(target)
        if room.slots is not None and target in room.slots:
            room.slots = [None if s == target else s for s in room.slots]
            await self._slots_changed(room)
        self._touch(room)

    async def hub_KickPlayer(self, uid: int, room_id: int, user_id: int) -> None:
        room = self._room(uid, room_id)
        if user_id not in room.players and user_id not in room.referees:
            raise hub_error(5)
        await self._kick(room, user_id, uid)

    async def hub_BanUser(self, uid: int, room_id: int, user_id: int) -> None:
        room = self._room(uid, room_id)
        if user_id == uid:
            raise hub_error(15)
        room.banned.add(user_id)
        if user_id in room.players:
            await self._kick(room, user_id, uid)
        await self.emit(room, "UserBanned", {"room_id": room_id, "banned_user_id": user_id, "banning_user_id": uid})

    async def hub_AddReferee(self, uid: int, room_id: int, user_id: int) -> None:
        room = self.rooms.get(room_id)
        if room is None or room.closed:
            raise hub_error(4)
        if user_id == uid:
            raise hub_error(15)
        if uid != room.host_id:
            raise hub_error(18)
        if user_id in room.banned:
            raise hub_error(16)
        if self._restricted(user_id):
            raise hub_error(1)
        self.associations.setdefault(user_id, set()).add(room_id)
        await self.emit(room, "RefereeAdded", {"room_id": room_id, "user_id": user_id})
        await self.emit_to(user_id, "RefereeInvited", {"room_id": room_id})

    async def hub_RemoveReferee(self, uid: int, room_id: int, user_id: int) -> None:
        room = self.rooms.get(room_id)
        if room is None or room.closed:
            raise hub_error(4)
        if uid != room.host_id:
            raise hub_error(18)
        if user_id == uid:
            raise hub_error(15)
        if room_id not in self.associations.get(user_id, set()):
            raise hub_error(5)
        if user_id in room.referees:
            await self._kick(room, user_id, uid)
        self.associations[user_id].discard(room_id)
        await self.emit(room, "RefereeRemoved", {"room_id": room_id, "user_id": user_id}, also={user_id})

    async def hub_ListRooms(self, uid: int) -> dict[str, Any]:
        return {"room_ids": sorted(r for r in self.associations.get(uid, set()) if r in self.rooms and not self.rooms[r].closed)}

    def _settings_json(self, room: HubRoom) -> dict[str, Any]:
        return {"room_id": room.room_id, "name": room.name, "password": room.password, "type": room.type,
                "playlist_item_id": room.current_item_id, "max_participants": room.max_participants}

    async def hub_ChangeRoomSettings(self, uid: int, room_id: int, request: dict[str, Any]) -> None:
        room = self._room(uid, room_id)
        if room.state != "open":
            raise hub_error(9)
        new_type = request.get("type")
        if new_type is not None and new_type not in ("head_to_head", "team_versus"):
            raise HubError(f"The JSON value could not be converted: type {new_type!r}.")
        limit = request.get("max_participants")
        if limit is not None:
            limit = int(limit)
            if limit == 1 or limit > 128 or limit < 0:
                raise HubError("max_participants must be 0 or in [2, 128].")
            if limit and len(room.players) > limit:
                raise HubError("Cannot set the participant limit below the number of players in the room.")
        if request.get("name") is not None:
            room.name = str(request["name"])
        if request.get("password") is not None:
            room.password = str(request["password"])
        slots_changed = False
        if limit is not None:
            room.max_participants = limit or None
            if limit:
                occupied = [u for u in (room.slots or []) if u is not None] or list(room.players)
                room.slots = (occupied + [None] * limit)[:limit]
            else:
                room.slots = None
            slots_changed = True
        team_changes: list[int] = []
        if new_type is not None and new_type != room.type:
            slots_changed = True  # a new match type is a new match state
            room.type = new_type
            for pid, p in room.players.items():
                p["team"] = self._assign_team(room) if new_type == "team_versus" else None
                team_changes.append(pid)
        wr = self.world.rooms.get(room_id)
        if wr is not None:
            wr.update({"name": room.name, "type": room.type, "has_password": bool(room.password)})
        await self._unready_all(room)
        await self.emit(room, "RoomSettingsChanged", self._settings_json(room))
        if slots_changed or team_changes:
            await self._slots_changed(room)
        for pid in team_changes:
            await self.emit(room, "UserTeamChanged", {"room_id": room_id, "user_id": pid, "team": room.players[pid]["team"]})

    async def _edit_item(self, uid: int, room: HubRoom, old: dict[str, Any], request: dict[str, Any]) -> None:
        new_ruleset = request.get("ruleset_id")
        new_ruleset = old["ruleset_id"] if new_ruleset is None else int(new_ruleset)
        changed_ruleset = new_ruleset != old["ruleset_id"]
        required = request.get("required_mods")
        allowed = request.get("allowed_mods")
        new = dict(old)
        new["beatmap_id"] = int(request["beatmap_id"]) if request.get("beatmap_id") is not None else old["beatmap_id"]
        new["ruleset_id"] = new_ruleset
        new["required_mods"] = [] if changed_ruleset and required is None else (
            [_mod(m) for m in required] if required is not None else old["required_mods"])
        new["allowed_mods"] = [] if changed_ruleset and allowed is None else (
            [_mod(m, settings=False) for m in allowed] if allowed is not None else old["allowed_mods"])
        new["freestyle"] = bool(request["freestyle"]) if request.get("freestyle") is not None else old["freestyle"]
        self._validate_item(new)
        old.update(new)
        self._world_item(room, old)
        if old["id"] == room.current_item_id:
            await self._ensure_valid_mods(room)
            await self._unready_all(room)
        await self.emit(room, "PlaylistItemChanged", {"room_id": room.room_id, "playlist_item": self._item_json(old)})

    async def hub_EditCurrentPlaylistItem(self, uid: int, room_id: int, request: dict[str, Any]) -> None:
        room = self._room(uid, room_id)
        if room.state != "open":
            raise hub_error(9)
        await self._edit_item(uid, room, room.current, request)

    async def hub_AddPlaylistItem(self, uid: int, room_id: int, request: dict[str, Any]) -> None:
        room = self._room(uid, room_id)
        if int(request.get("beatmap_id") or 0) not in self.world.beatmaps:
            raise hub_error(6)
        item = self._new_item(room, uid, int(request["beatmap_id"]), int(request.get("ruleset_id") or 0),
                              list(request.get("required_mods") or []), list(request.get("allowed_mods") or []),
                              bool(request.get("freestyle")))
        self._validate_item(item)
        room.playlist.append(item)
        self._world_item(room, item)
        await self.emit(room, "PlaylistItemAdded", {"room_id": room_id, "playlist_item": self._item_json(item)})
        if room.current["was_played"]:
            room.current_item_id = item["id"]
            await self.emit(room, "RoomSettingsChanged", self._settings_json(room))

    async def hub_EditPlaylistItem(self, uid: int, room_id: int, request: dict[str, Any]) -> None:
        room = self._room(uid, room_id)
        item = room.item(int(request.get("playlist_item_id") or 0))
        if item is None:
            raise hub_error(14)
        if item["id"] == room.current_item_id and room.state != "open":
            raise hub_error(9)
        await self._edit_item(uid, room, item, request)

    async def hub_RemovePlaylistItem(self, uid: int, room_id: int, request: dict[str, Any]) -> None:
        room = self._room(uid, room_id)
        item = room.item(int(request.get("playlist_item_id") or 0))
        if item is None:
            raise hub_error(14)
        upcoming = [i for i in room.playlist if not i["was_played"]]
        if item["id"] == room.current_item_id:
            if len(upcoming) == 1 or room.state != "open":
                raise hub_error(9)
        room.playlist.remove(item)
        wr = self.world.rooms.get(room_id)
        if wr is not None:
            wr["playlist"] = [p for p in wr["playlist"] if p["id"] != item["id"]]
        await self.emit(room, "PlaylistItemRemoved", {"room_id": room_id, "playlist_item_id": item["id"]})
        if item["id"] == room.current_item_id:
            nxt = [i for i in room.playlist if not i["was_played"]]
            room.current_item_id = min(nxt, key=lambda i: (i["order"], i["id"]))["id"]
            await self.emit(room, "RoomSettingsChanged", self._settings_json(room))

    async def hub_Roll(self, uid: int, room_id: int, request: dict[str, Any] | None) -> None:
        room = self._room(uid, room_id)
        if uid not in room.referees and uid not in room.players:
            raise hub_error(5)
        top = 100 if not request or request.get("max") is None else int(request["max"])
        if not 1 <= top <= 100:
            raise hub_error(17)
        await self.emit(room, "RollCompleted", {"room_id": room_id, "user_id": uid, "max": top, "result": self.rng.randint(1, top)})

    async def hub_MoveUser(self, uid: int, room_id: int, request: dict[str, Any]) -> None:
        room = self._room(uid, room_id)
        target = int(request.get("user_id") or 0)
        if target not in room.players:
            raise hub_error(5)
        slot = request.get("slot")
        team = request.get("team")
        if slot is not None:
            if room.slots is None:
                raise hub_error(7)
            await self._move_slot(room, target, int(slot))
        if team is not None:
            if room.type != "team_versus":
                raise hub_error(7)
            if team not in ("red", "blue"):
                raise HubError(f"The JSON value could not be converted: team {team!r}.")
            room.players[target]["team"] = team
            await self.emit(room, "UserTeamChanged", {"room_id": room_id, "user_id": target, "team": team})

    async def _move_slot(self, room: HubRoom, target: int, slot: int) -> None:
        assert room.slots is not None
        if not 0 <= slot < len(room.slots):
            raise HubError("Invalid slot.")
        if room.slots[slot] not in (None, target):
            raise HubError("The slot is taken.")
        room.slots = [None if s == target else s for s in room.slots]
        room.slots[slot] = target
        await self._slots_changed(room)

    async def hub_SetLockState(self, uid: int, room_id: int, request: dict[str, Any]) -> None:
        room = self._room(uid, room_id)
        if uid not in room.referees:
            raise hub_error(5)
        room.locked = bool(request.get("locked"))
        await self._slots_changed(room)

    async def hub_StartMatch(self, uid: int, room_id: int, request: dict[str, Any]) -> None:
        room = self._room(uid, room_id)
        if room.state != "open":
            raise hub_error(9)
        seconds = (request or {}).get("countdown")
        if seconds is None:
            await self._start(room)
            return
        await self._stop_countdowns(room, "match_start")
        await self._countdown(room, "match_start", float(seconds), self._start)

    async def _countdown(self, room: HubRoom, kind: str, seconds: float, then: Any) -> None:
        cid = self.world.new_id("countdown")

        async def run() -> None:
            await asyncio.sleep(seconds)
            if room.countdowns.pop(cid, None) is None:
                return
            await self.emit(room, "CountdownStopped", {"room_id": room.room_id, "countdown_id": cid, "type": kind})
            with contextlib.suppress(HubError):
                await then(room)

        room.countdowns[cid] = (kind, asyncio.get_running_loop().create_task(run()))
        await self.emit(room, "CountdownStarted", {"room_id": room.room_id, "countdown_id": cid, "seconds": seconds, "type": kind})

    async def _stop_countdowns(self, room: HubRoom, kind: str) -> int:
        stopped = 0
        for cid, (k, task) in list(room.countdowns.items()):
            if k == kind:
                room.countdowns.pop(cid)
                if task is not None:
                    task.cancel()
                await self.emit(room, "CountdownStopped", {"room_id": room.room_id, "countdown_id": cid, "type": kind})
                stopped += 1
        return stopped

    async def _start(self, room: HubRoom) -> None:
        ready = [pid for pid, p in room.players.items() if p["status"] == "ready"]
        if not ready:
            raise HubError("Can't start match when no users are ready.")
        await self._stop_countdowns(room, "match_start")
        room.state = "playing"
        room.game = {"id": self.world.new_id("match_game"), "start_time": dt.datetime.fromtimestamp(self.now(), dt.timezone.utc),
                     "item_id": room.current_item_id, "players": ready, "scores": {}}
        wr = self.world.rooms.get(room.room_id)
        if wr is not None:
            wr["status"] = "playing"
        for pid in ready:
            room.players[pid]["status"] = "playing"
            await self.emit(room, "UserStatusChanged", {"room_id": room.room_id, "user_id": pid, "status": "playing"})
        teams = {str(pid): p["team"] for pid, p in room.players.items() if p["team"] is not None} if room.type == "team_versus" else None
        slots = {str(uid): i for i, uid in enumerate(room.slots) if uid is not None} if room.slots is not None else None
        room.game["teams"] = {int(k): v for k, v in (teams or {}).items()}
        room.game["slots"] = {int(k): v for k, v in (slots or {}).items()}
        # MatchStartedEventDetail: room_type, teams (the team each player is in now), slots
        self._log(room, "game_started", item_id=room.current_item_id,
                  detail={"room_type": room.type, "teams": teams, "slots": slots})
        await self.emit(room, "MatchStarted", {"room_id": room.room_id, "playlist_item_id": room.current_item_id,
                                               "type": room.type, "teams": teams, "slots": slots})

    async def hub_StopMatchCountdown(self, uid: int, room_id: int) -> None:
        room = self._room(uid, room_id)
        if not await self._stop_countdowns(room, "match_start"):
            raise hub_error(8)

    async def hub_AbortMatch(self, uid: int, room_id: int) -> None:
        room = self._room(uid, room_id)
        if room.state != "playing":
            raise hub_error(9)
        room.state = "open"
        room.game = None
        wr = self.world.rooms.get(room_id)
        if wr is not None:
            wr["status"] = "idle"
        for pid, p in room.players.items():
            if p["status"] in ("playing", "finished_play"):
                p["status"] = "idle"
                await self.emit(room, "UserStatusChanged", {"room_id": room_id, "user_id": pid, "status": "idle"})
        self._log(room, "game_aborted", item_id=room.current_item_id)
        await self.emit(room, "MatchAborted", {"room_id": room_id, "playlist_item_id": room.current_item_id})

    # --- scripted players ----------------------------------------------------------------------------

    def _player_room(self, uid: int) -> HubRoom:
        for room in self.rooms.values():
            if not room.closed and uid in room.players:
                return room
        raise ControlError(409, f"user {uid} is not in a room")

    PLAYER_ACTIONS = ("connect", "disconnect", "join", "leave", "team", "slot", "mods", "style", "ready", "idle",
                      "spectate", "finish")
    """The scripted players' actions (``POST /_emulator/referee/players/{user}/{action}``)."""

    def _invited_room(self, uid: int) -> HubRoom:
        """The open room ``uid`` was most recently invited to (a ``join`` without ``room_id``)."""
        for room_id in reversed(self.invites.get(uid, [])):
            room = self.rooms.get(room_id)
            if room is not None and not room.closed:
                return room
        raise ControlError(400, f"user {uid} has no invitation to an open room: give room_id")

    async def player(self, uid: int, action: str, body: dict[str, Any]) -> Any:
        if action not in self.PLAYER_ACTIONS:
            raise ControlError(404, f"unknown player action {action!r} (known: {', '.join(self.PLAYER_ACTIONS)})")
        if uid not in self.world.users:
            raise ControlError(404, f"no user {uid} in the emulator's world")
        if action == "connect":
            self.online.add(uid)
            return {"online": True}
        if action == "disconnect":
            self.online.discard(uid)
            with contextlib.suppress(ControlError):
                await self._leave(self._player_room(uid), uid)
            return {"online": False}
        if action == "join":
            if body.get("room_id") is None:
                room: HubRoom | None = self._invited_room(uid)
            else:
                room = self.rooms.get(int(body["room_id"]))
            if room is None or room.closed:
                raise ControlError(404, f"no such open room: {body.get('room_id')}")
            if uid in room.banned:
                raise ControlError(403, "the user is banned from the room")
            if uid in room.players:
                return {**self._player_json(uid, room.players[uid]), "room_id": room.room_id}
            elsewhere = next((r for r in self.rooms.values() if not r.closed and uid in r.players), None)
            if elsewhere is not None:
                # MultiplayerHub.JoinRoom: a user already in a room cannot join another one
                raise ControlError(409, f"Can't join a room when already in another room. "
                                        f"(user {uid} is in room {elsewhere.room_id}: leave it first)")
            if room.slots is not None and None not in room.slots:
                raise ControlError(409, "the room is full")
            wanted = body.get("slot")
            if wanted is not None and (room.slots is None or not 0 <= int(wanted) < len(room.slots)
                                       or room.slots[int(wanted)] is not None):
                raise ControlError(409, f"slot {wanted} is not free")
            self.online.add(uid)
            team = self._assign_team(room) if room.type == "team_versus" else None
            room.players[uid] = {"status": "idle", "team": team, "mods": [], "style": {"ruleset_id": None, "beatmap_id": None}}
            self._touch(room)
            channel = self.world.channels.get(room.channel_id)
            if channel is not None:
                channel["users"].add(uid)
            self._log(room, "player_joined", user_id=uid)
            match = self.world.matches.get(room.room_id)
            if match is not None:
                match["events"].append({"id": self.world.new_id("match_event"), "type": "player-joined",
                                        "timestamp": dt.datetime.fromtimestamp(self.now(), dt.timezone.utc), "user_id": uid, "game": None})
            wr = self.world.rooms.get(room.room_id)
            if wr is not None:
                wr["participant_count"] = wr.get("participant_count", 0) + 1
            await self.emit(room, "UserJoined", {"room_id": room.room_id, "user_id": uid})
            if team is not None:
                await self.emit(room, "UserTeamChanged", {"room_id": room.room_id, "user_id": uid, "team": team})
            if room.slots is not None:
                room.slots[room.slots.index(None) if wanted is None else int(wanted)] = uid
                await self._slots_changed(room)
            return {**self._player_json(uid, room.players[uid]), "room_id": room.room_id}
        room = self._player_room(uid)
        p = room.players[uid]
        rid = room.room_id
        if action == "leave":
            await self._leave(room, uid)
            return {"left": rid, "room_id": rid}
        if action == "team":
            if room.locked:
                raise ControlError(409, "the room is locked")
            if room.type != "team_versus" or body.get("team") not in ("red", "blue"):
                raise ControlError(422, "team must be red or blue in a team versus room")
            p["team"] = body["team"]
            await self.emit(room, "UserTeamChanged", {"room_id": rid, "user_id": uid, "team": p["team"]})
        elif action == "slot":
            if room.locked:
                raise ControlError(409, "the room is locked")
            if room.slots is None:
                raise ControlError(422, "the room has no slots")
            try:
                await self._move_slot(room, uid, int(body.get("slot", -1)))
            except HubError as exc:
                raise ControlError(409, str(exc)) from None
        elif action == "mods":
            mods = [_mod(m) for m in body.get("mods") or []]
            allowed = {m["acronym"] for m in room.current["allowed_mods"]}
            bad = [m["acronym"] for m in mods if m["acronym"] not in allowed]
            if bad:
                raise ControlError(422, f"not allowed by the current playlist item: {bad}")
            p["mods"] = mods
            await self.emit(room, "UserModsChanged", {"room_id": rid, "user_id": uid, "mods": mods})
        elif action == "style":
            if not room.current["freestyle"]:
                raise ControlError(422, "the current playlist item is not freestyle")
            p["style"] = {"ruleset_id": body.get("ruleset_id"), "beatmap_id": body.get("beatmap_id")}
            await self.emit(room, "UserStyleChanged", {"room_id": rid, "user_id": uid, **p["style"]})
        elif action in ("ready", "idle", "spectate"):
            if room.state != "open" and action != "spectate":
                raise ControlError(409, "a match is in progress")
            p["status"] = {"ready": "ready", "idle": "idle", "spectate": "spectating"}[action]
            await self.emit(room, "UserStatusChanged", {"room_id": rid, "user_id": uid, "status": p["status"]})
        else:  # finish (PLAYER_ACTIONS was checked first)
            if p["status"] != "playing" or room.game is None:
                raise ControlError(409, "the user is not playing")
            p["status"] = "finished_play"
            # without "score": the estimate that fits the accuracy and combo (played.standardised_score)
            room.game["scores"][uid] = {"total_score": None if body.get("score") is None else int(body["score"]),
                                        "accuracy": float(body.get("accuracy", 0.95)),
                                        "max_combo": None if body.get("max_combo") is None else int(body["max_combo"]),
                                        "passed": bool(body.get("passed", True)),
                                        "mods": list(p["mods"])}
            await self.emit(room, "UserStatusChanged", {"room_id": rid, "user_id": uid, "status": "finished_play"})
            if not any(q["status"] == "playing" for q in room.players.values()):
                await self._complete(room)
        return {**self._player_json(uid, p), "room_id": rid}

    async def _leave(self, room: HubRoom, uid: int) -> None:
        if room.players.pop(uid, None) is not None:
            self._log(room, "player_left", user_id=uid)
        await self.emit(room, "UserLeft", {"room_id": room.room_id, "user_id": uid})
        if room.slots is not None and uid in room.slots:
            room.slots = [None if s == uid else s for s in room.slots]
            await self._slots_changed(room)
        self._touch(room)
        if room.state == "playing" and not any(q["status"] == "playing" for q in room.players.values()):
            await self._complete(room)

    async def _complete(self, room: HubRoom) -> None:
        game = room.game
        room.state = "open"
        room.game = None
        item = room.current
        item["was_played"] = True
        if game is not None:
            self._record(room, item, game)
        self._log(room, "game_completed", item_id=item["id"])
        wr = self.world.rooms.get(room.room_id)
        if wr is not None:
            wr["status"] = "idle"
        await self.emit(room, "MatchCompleted", {"room_id": room.room_id, "playlist_item_id": item["id"]})
        for pid, p in room.players.items():
            if p["status"] == "finished_play":
                p["status"] = "idle"
                await self.emit(room, "UserStatusChanged", {"room_id": room.room_id, "user_id": pid, "status": "idle"})
        self._world_item(room, item)
        await self.emit(room, "PlaylistItemChanged", {"room_id": room.room_id, "playlist_item": self._item_json(item)})
        upcoming = sorted((i for i in room.playlist if not i["was_played"]), key=lambda i: (i["order"], i["id"]))
        if not upcoming:  # host-only queue: the played item comes back as a new one
            copy = self._new_item(room, room.host_id, item["beatmap_id"], item["ruleset_id"], item["required_mods"],
                                  item["allowed_mods"], item["freestyle"])
            room.playlist.append(copy)
            self._world_item(room, copy)
            await self.emit(room, "PlaylistItemAdded", {"room_id": room.room_id, "playlist_item": self._item_json(copy)})
            upcoming = [copy]
        room.current_item_id = upcoming[0]["id"]
        await self.emit(room, "RoomSettingsChanged", self._settings_json(room))

    def _record(self, room: HubRoom, item: dict[str, Any], game: dict[str, Any]) -> None:
        w = self.world
        end = dt.datetime.fromtimestamp(self.now(), dt.timezone.utc)
        template = next(iter(w.scores.values()))
        score_ids = []
        for uid, s in game["scores"].items():
            sid = w.new_id("score")
            mods = [m["acronym"] for m in [*item["required_mods"], *s["mods"]]]
            # judgements, combo and grade fit the beatmap and the accuracy asked for (emulator/played.py)
            played = finished_score(w.beatmaps.get(item["beatmap_id"], {}), item["ruleset_id"], accuracy=s["accuracy"],
                                    passed=s["passed"], mods=mods, max_combo=s["max_combo"])
            if s["total_score"] is None:  # finished without "score": the total that fits (match events too)
                s["total_score"] = played["total_score"]
            score = {**template, "id": sid, "user_id": uid, "beatmap_id": item["beatmap_id"], "ruleset_id": item["ruleset_id"],
                     "ruleset": Ruleset.from_id(item["ruleset_id"]).value, **played,
                     "total_score": s["total_score"], "passed": s["passed"], "mods": mods,
                     "ended_at": end, "pp": None, "best": None, "legacy_score_id": None, "legacy_total_score": 0, "pinned": False}
            w.scores[sid] = score
            score_ids.append(sid)
        wr = w.rooms.get(room.room_id)
        if wr is not None:
            entry = next((p for p in wr["playlist"] if p["id"] == item["id"]), None)
            if entry is not None:
                entry["score_ids"].extend(score_ids)
                entry["played_at"] = end
        match = w.matches.get(room.room_id)
        if match is not None:
            players = list(game["scores"])
            beatmap = w.beatmaps[item["beatmap_id"]]
            match["events"].append({"id": w.new_id("match_event"), "type": "other", "timestamp": end, "user_id": None,
                                    "game": {"id": game["id"], "beatmap_id": item["beatmap_id"], "mode": beatmap["mode"],
                                             "start_time": game["start_time"], "end_time": end, "scoring_type": "score",
                                             "team_type": "team-vs" if room.type == "team_versus" else "head-to-head",
                                             "mods": [m["acronym"] for m in item["required_mods"]], "players": players,
                                             "scores": [game["scores"][u]["total_score"] for u in players],
                                             # the team each player chose (or was moved to), not the slot's parity
                                             "teams": [game.get("teams", {}).get(u) for u in players],
                                             "slots": [game.get("slots", {}).get(u) for u in players]}})

    # --- test controls -------------------------------------------------------------------------------

    async def control(self, request: Request) -> Response:
        path = request.path_params.get("path", "")
        try:
            body: Any = {}
            if request.method == "POST":
                raw = await request.body()
                body = json.loads(raw or b"{}")
                if not isinstance(body, dict):
                    raise ControlError(400, "the body must be a JSON object")
            self.sweep()
            parts = path.strip("/").split("/")
            if parts[0] == "players" and len(parts) == 3 and request.method == "POST":
                return JSONResponse(await self.player(int(parts[1]), parts[2], body))
            if parts[0] == "rooms" and len(parts) == 2 and request.method == "GET":
                room = self.rooms.get(int(parts[1]))
                if room is None:
                    raise ControlError(404, "no such room")
                return JSONResponse({**self._room_json(room), "closed": room.closed, "host_id": room.host_id,
                                     "current_item_id": room.current_item_id, "state_name": room.state,
                                     "countdowns": {str(k): v[0] for k, v in room.countdowns.items()},
                                     "banned": sorted(room.banned), "invited": sorted(room.invited)})
            if path == "clock" and request.method == "POST":
                self.clock_offset += float(body.get("advance", 0))
                return JSONResponse({"now": self.now(), "closed": self.sweep()})
            if path == "drop" and request.method == "POST":
                return JSONResponse({"dropped": await self.drop_all()})
            if path == "drop_during" and request.method == "POST":
                self.drop_during[str(body["method"])] = bool(body.get("apply", True))
                return JSONResponse({"ok": True})
            if path == "refuse" and request.method == "POST":
                self.refusing = bool(body.get("on", True))
                return JSONResponse({"refusing": self.refusing})
            if path == "restrict" and request.method == "POST":
                self.restricted.add(int(body["user_id"]))
                return JSONResponse({"ok": True})
            if path == "shutdown" and request.method == "POST":
                seconds = float(body.get("seconds", 60))
                rooms = [r for r in self.rooms.values() if not r.closed]
                for room in rooms:
                    await self._countdown(room, "server_shutting_down", seconds, self._shut)
                return JSONResponse({"rooms": [r.room_id for r in rooms]})
            if path == "emit" and request.method == "POST":  # any event, e.g. one from a newer server
                room = self.rooms.get(int(body["room_id"]))
                if room is None:
                    raise ControlError(404, "no such room")
                await self.emit(room, str(body["target"]), body.get("payload") or {})
                return JSONResponse({"ok": True})
            if path == "stats" and request.method == "GET":
                return JSONResponse(self.stats)
            raise ControlError(404, f"unknown referee control {path!r}")
        except ControlError as exc:
            return JSONResponse({"error": str(exc)}, status_code=exc.status)
        except (KeyError, ValueError, TypeError) as exc:
            return JSONResponse({"error": f"bad request: {exc}"}, status_code=400)

    async def _shut(self, room: HubRoom) -> None:
        if not room.closed:
            self._close(room)
        if all(r.closed for r in self.rooms.values()):
            await self.drop_all()


def _mod(value: Any, *, settings: bool = True) -> dict[str, Any]:
    if isinstance(value, str):
        return {"acronym": value.upper()}
    if not isinstance(value, dict) or not isinstance(value.get("acronym"), str):
        raise HubError("Invalid mods.")
    out: dict[str, Any] = {"acronym": value["acronym"].upper()}
    if settings and value.get("settings"):
        out["settings"] = dict(value["settings"])
    return out


def referee_routes(state: State) -> list[BaseRoute]:
    """The hub's routes (mounted by ``create_app`` before the catch-all route)."""
    hub = HUBS[state] = RefereeHub(state)
    return [
        Route("/referee/negotiate", hub.negotiate, methods=["POST"]),
        WebSocketRoute("/referee", hub.websocket),
        Route("/_emulator/referee/{path:path}", hub.control, methods=["GET", "POST"]),
    ]
