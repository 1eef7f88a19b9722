"""Chat: channels, messages, PMs, keepalive."""

from __future__ import annotations

import uuid as _uuid
from collections.abc import Iterable

from ..._async.pagination import AsyncPaginator
from ...models.chat import (
    ChatAckResponse,
    ChatChannel,
    ChatChannelWithUsers,
    ChatMessage,
    ChatNewConversationResponse,
)
from ...pagination import IdRangeStyle
from .. import chat as R
from .._params import InvalidParameterError, check_limit
from ._base import AsyncResource

__all__ = ["AsyncChat"]


def _message_id(message: ChatMessage) -> int:
    return message.message_id


def _check_text(message: str) -> str:
    if not isinstance(message, str) or not message.strip():
        raise InvalidParameterError("message must be a non-empty string")
    return message


class AsyncChat(AsyncResource):
    """``client.chat``: channels, messages and PMs (needs a user or ``delegate`` token)."""

    async def ack(self, *, since: int | None = None, history_since: int | None = None) -> ChatAckResponse:
        """Keep the chat session alive (osu! stops public-channel websocket events without it about
        every 30 s) and get silences since ``history_since``.

        Route: ``POST api/v2/chat/ack``. Scope: ``chat.read``.
        """
        return await self._client._call(
            R.ACK, json={"since": since, "history_since": history_since}
        )

    async def send_pm(
        self, user_id: int, message: str, *, is_action: bool = False, uuid: str | None = None
    ) -> ChatNewConversationResponse:
        """Send a private message, creating the PM channel when needed.

        Route: ``POST api/v2/chat/new``. Scope: ``chat.write``.
        """
        return await self._client._call(
            R.NEW_CONVERSATION,
            json={"target_id": user_id, "message": _check_text(message), "is_action": is_action,
                  "uuid": uuid or str(_uuid.uuid4())},
        )

    def messages(
        self,
        channel: int,
        *,
        limit: int | None = 50,
        until: int | None = None,
        since: int | None = None,
    ) -> AsyncPaginator[ChatMessage]:
        """A channel's messages, newest page first, going back in history (50 per request).

        With ``since=`` only messages after that id, oldest first, are listed
        (what a bot fetches after a reconnect). Each page's messages are in
        ascending id order.

        Route: ``GET api/v2/chat/channels/{channel}/messages``. Scope: ``chat.read``.
        """
        check_limit(limit, low=0, high=10**9)
        if since is not None:
            style = IdRangeStyle(lambda r: r, param="since", id_of=_message_id,
                                 page_size=R.MAX_MESSAGES_PER_PAGE, newer=True)
            cursor: int | None = since
        else:
            style = IdRangeStyle(lambda r: r, param="until", id_of=_message_id, page_size=R.MAX_MESSAGES_PER_PAGE)
            cursor = until
        return self._client._paginate(R.MESSAGES, path={"channel": channel}, style=style, limit=limit, cursor=cursor)

    async def send(self, channel: int, message: str, *, is_action: bool = False) -> ChatMessage:
        """Send a message to a channel.

        Route: ``POST api/v2/chat/channels/{channel}/messages``. Scope: ``chat.write``.
        """
        return await self._client._call(
            R.SEND, path={"channel": channel}, json={"message": _check_text(message), "is_action": is_action}
        )

    async def join(self, channel: int, user: int) -> ChatChannel:
        """Join ``user`` (the token's own user) to a public channel.

        Route: ``PUT api/v2/chat/channels/{channel}/users/{user}``. Scope: ``chat.write_manage``.
        """
        return await self._client._call(R.JOIN, path={"channel": channel, "user": user})

    async def leave(self, channel: int, user: int) -> None:
        """Leave a channel.

        Route: ``DELETE api/v2/chat/channels/{channel}/users/{user}``. Scope: ``chat.write_manage``.
        """
        await self._client._call(R.LEAVE, path={"channel": channel, "user": user})

    async def mark_as_read(self, channel: int, message: int) -> None:
        """Mark a channel read up to ``message``.

        Route: ``PUT api/v2/chat/channels/{channel}/mark-as-read/{message}``. Scope: ``chat.read``.
        """
        await self._client._call(R.MARK_AS_READ, path={"channel": channel, "message": message})

    async def channels(self) -> list[ChatChannel]:
        """The public channels one can join.

        Route: ``GET api/v2/chat/channels``. Scope: ``chat.read``.
        """
        return await self._client._call(R.CHANNELS)

    async def channel(self, channel: int) -> ChatChannelWithUsers:
        """A channel the user is in, with its users.

        Route: ``GET api/v2/chat/channels/{channel}``. Scope: ``chat.read``.
        """
        return await self._client._call(R.CHANNEL, path={"channel": channel})

    async def create_pm_channel(self, user_id: int) -> ChatChannel:
        """Open (or get) the PM channel with a user.

        Route: ``POST api/v2/chat/channels`` (``type=PM``). Scope: ``chat.write_manage``.
        """
        return await self._client._call(
            R.CREATE_CHANNEL, json={"type": "PM", "target_id": user_id}
        )

    async def create_announcement(
        self, name: str, description: str, message: str, target_ids: Iterable[int]
    ) -> ChatChannel:
        """Create an announcement channel to several users (needs the announce permission).

        Route: ``POST api/v2/chat/channels`` (``type=ANNOUNCE``). Scope: ``chat.write_manage``.
        """
        targets = list(target_ids)
        if not targets:
            raise InvalidParameterError("target_ids must name at least one user")
        return await self._client._call(
            R.CREATE_CHANNEL,
            json={"type": "ANNOUNCE", "channel": {"name": name, "description": description},
                  "message": _check_text(message), "target_ids": targets},
        )
