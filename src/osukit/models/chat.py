"""Chat: channels, messages, silences and the chat route wrappers.

Shapes follow osu-web's ``Chat\\ChannelTransformer``, ``Chat\\MessageTransformer``
and ``Chat\\UserSilenceTransformer`` and the ``Chat\\*`` controllers.
"""

from __future__ import annotations

from datetime import datetime

from msgspec import UNSET, UnsetType

from ..enums import OsuStrEnum
from .common import Model
from .users import UserCompact

__all__ = [
    "ChatAckResponse",
    "ChatChannel",
    "ChatChannelType",
    "ChatChannelUserAttributes",
    "ChatChannelWithUsers",
    "ChatMessage",
    "ChatMessageType",
    "ChatMessagesResponse",
    "ChatNewConversationResponse",
    "ChatUpdatesResponse",
    "UserSilence",
]


class ChatChannelType(OsuStrEnum):
    """Kind of chat channel (``ChatChannel.type``)."""

    PUBLIC = "PUBLIC"
    PRIVATE = "PRIVATE"
    MULTIPLAYER = "MULTIPLAYER"
    SPECTATOR = "SPECTATOR"
    TEMPORARY = "TEMPORARY"
    PM = "PM"
    GROUP = "GROUP"
    ANNOUNCE = "ANNOUNCE"
    TEAM = "TEAM"


class ChatMessageType(OsuStrEnum):
    """How a chat message is meant to be rendered (``ChatMessage.type``)."""

    ACTION = "action"
    MARKDOWN = "markdown"
    PLAIN = "plain"


class ChatMessage(Model):
    """One message in a chat channel.

    Returned by ``GET /chat/channels/{channel}/messages``, ``POST
    /chat/channels/{channel}/messages``, ``POST /chat/new`` and inside a
    channel's ``recent_messages``.
    """

    channel_id: int
    """``channel_id`` of the channel the message was sent to."""
    content: str
    """The message text."""
    is_action: bool
    """Whether this is an action (``/me dances``)."""
    message_id: int
    """Unique identifier of the message."""
    sender_id: int
    """``user_id`` of the sender."""
    timestamp: datetime
    """When the message was sent."""
    type: ChatMessageType
    """``action``, ``markdown`` (announcements) or ``plain``."""
    uuid: str | UnsetType | None = UNSET
    """Identifier the sending client attached to the message (null or absent when none was sent)."""
    sender: UserCompact | UnsetType = UNSET
    """The sender (included by most chat routes)."""


class ChatChannelUserAttributes(Model):
    """What the current user may do in a channel (``ChatChannel.current_user_attributes``)."""

    can_message: bool
    """Whether the current user may send messages to the channel."""
    can_message_error: str | None
    """Why the user may not send messages (``None`` when they may)."""
    last_read_id: int | None
    """``message_id`` of the last message the user has read."""
    can_list_users: bool | UnsetType = UNSET
    """Whether the current user may list the channel's users."""


class ChatChannel(Model):
    """A chat channel: public channel, PM, multiplayer room, announcement…

    Returned by ``GET /chat/channels`` (a list), ``POST /chat/channels``,
    ``PUT /chat/channels/{channel}/users/{user}``, inside ``GET
    /chat/channels/{channel}`` and ``POST /chat/new``, and in
    ``GET /chat/updates`` ``presence``.
    """

    channel_id: int
    """Unique identifier of the channel."""
    description: str | None
    """Channel description."""
    icon: str | None
    """URL of the channel's display icon (the other user's avatar for PMs)."""
    message_length_limit: int
    """Longest message the channel accepts, in characters."""
    moderated: bool
    """Users cannot send messages while this is true."""
    name: str
    """Display name of the channel."""
    type: ChatChannelType
    """Kind of channel."""
    uuid: str | None
    """Value from the creating request, relayed back to the sender."""
    current_user_attributes: ChatChannelUserAttributes | UnsetType = UNSET
    """What the current user may do in the channel (listing/join/presence responses)."""
    last_message_id: int | UnsetType | None = UNSET
    """``message_id`` of the last message in the channel."""
    last_read_id: int | UnsetType | None = UNSET
    """Deprecated: use ``current_user_attributes.last_read_id``."""
    recent_messages: list[ChatMessage] | UnsetType = UNSET
    """Deprecated: up to 50 most recent messages (``POST /chat/channels``)."""
    users: list[int] | UnsetType = UNSET
    """``user_id``s of the channel's members (empty for non-PM channels)."""


class UserSilence(Model):
    """A record that a user was silenced (``silences`` of ``POST /chat/ack`` and ``GET /chat/updates``)."""

    id: int
    """Id of this silence record; pass the highest as ``history_since``."""
    user_id: int
    """Id of the silenced user."""


class ChatAckResponse(Model):
    """Response of ``POST /chat/ack`` (chat keepalive)."""

    silences: list[UserSilence]
    """Users silenced since the given ``history_since``/``since``."""


class ChatUpdatesResponse(Model):
    """Response of ``GET /chat/updates``; which keys appear depends on ``includes[]``."""

    presence: list[ChatChannel] | UnsetType = UNSET
    """Channels the current user is in."""
    silences: list[UserSilence] | UnsetType = UNSET
    """Users silenced since ``history_since``/``since``."""
    messages: list[ChatMessage] | UnsetType = UNSET
    """Always empty (kept for old lazer clients)."""


class ChatNewConversationResponse(Model):
    """Response of ``POST /chat/new`` (start a PM)."""

    channel: ChatChannel
    """The PM channel (with ``last_message_id`` and ``users``)."""
    message: ChatMessage
    """The message that was sent (with ``sender``)."""
    new_channel_id: int
    """Deprecated: same as ``channel.channel_id``."""


class ChatChannelWithUsers(Model):
    """Response of ``GET /chat/channels/{channel}``."""

    channel: ChatChannel
    """The channel (with ``current_user_attributes``, ``last_read_id``, ``last_message_id``, ``users``)."""
    users: list[UserCompact]
    """Users visible in the channel (with the card includes: country, cover, groups, team)."""


class ChatMessagesResponse(Model):
    """Response of ``GET /chat/channels/{channel}/messages?return_object=1``.

    Without ``return_object`` the route returns a plain ``list[ChatMessage]``.
    """

    messages: list[ChatMessage]
    """Messages, oldest first (without ``sender``)."""
    users: list[UserCompact]
    """The senders of ``messages``."""
