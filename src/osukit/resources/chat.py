"""Chat group: routes (``/chat``)."""

from __future__ import annotations

from .._route import route
from ..models.chat import (
    ChatAckResponse,
    ChatChannel,
    ChatChannelWithUsers,
    ChatMessage,
    ChatNewConversationResponse,
)

MAX_MESSAGES_PER_PAGE = 50

ACK = route("POST", "api/v2/chat/ack", scope="chat.read", name="chat.ack", response=ChatAckResponse,
            requires_user=True)
NEW_CONVERSATION = route("POST", "api/v2/chat/new", scope="chat.write", name="chat.send_pm",
                         response=ChatNewConversationResponse, requires_user=True)
MESSAGES = route("GET", "api/v2/chat/channels/{channel}/messages", scope="chat.read", name="chat.messages",
                 response=list[ChatMessage], paginated="id_range", requires_user=True)
SEND = route("POST", "api/v2/chat/channels/{channel}/messages", scope="chat.write", name="chat.send",
             response=ChatMessage, requires_user=True)
JOIN = route("PUT", "api/v2/chat/channels/{channel}/users/{user}", scope="chat.write_manage", name="chat.join",
             response=ChatChannel, requires_user=True)
LEAVE = route("DELETE", "api/v2/chat/channels/{channel}/users/{user}", scope="chat.write_manage",
              name="chat.leave", response=None, requires_user=True)
MARK_AS_READ = route("PUT", "api/v2/chat/channels/{channel}/mark-as-read/{message}", scope="chat.read",
                     name="chat.mark_as_read", response=None, requires_user=True)
CHANNELS = route("GET", "api/v2/chat/channels", scope="chat.read", name="chat.channels",
                 response=list[ChatChannel], requires_user=True)
CREATE_CHANNEL = route("POST", "api/v2/chat/channels", scope="chat.write_manage", name="chat.create_pm_channel",
                       response=ChatChannel, requires_user=True)
CHANNEL = route("GET", "api/v2/chat/channels/{channel}", scope="chat.read", name="chat.channel",
                response=ChatChannelWithUsers, requires_user=True)
