"""``osukit chat tail``: print a channel's messages as the websocket delivers them."""

from __future__ import annotations

import contextlib
import sys
from collections.abc import Iterator
from typing import Any

from ._render import emit_json, field
from ._state import State, resolve_attr

__all__ = ["TAIL_SCOPES", "tail"]

# What `chat tail` needs: the websocket and the message history want chat.read; finding a channel by
# name and the rest of the CLI want public (identify comes with every login).
TAIL_SCOPES = ("public", "chat.read")


def _line(event: Any, message: Any) -> str:
    sender = event.sender(message) if hasattr(event, "sender") else None
    name = field(sender, "username") or f"user {field(message, 'sender_id', '?')}"
    when = field(message, "timestamp")
    stamp = when.strftime("%H:%M:%S") if hasattr(when, "strftime") else "--:--:--"
    text = str(field(message, "content", ""))
    if field(message, "is_action"):
        return f"[{stamp}] * {name} {text}"
    return f"[{stamp}] {name}: {text}"


@contextlib.contextmanager
def _scope_hint() -> Iterator[None]:
    """A 401 from the chat websocket names the whole scope set `chat tail` needs, not chat.read alone."""
    from .._exceptions import AuthenticationError
    from ..auth import login_command

    try:
        yield
    except AuthenticationError as exc:
        if exc.status_code == 401 and not exc.remedy:
            exc.remedy = (f"log in with every scope `osukit chat tail` needs (a login replaces the stored "
                          f"scopes): `{login_command(*TAIL_SCOPES)}`")
        raise


def tail(state: State, channel_id: int, *, count: int | None, timeout: float | None, as_jsonl: bool) -> None:
    """Follow ``channel_id`` until ``count`` messages, ``timeout`` seconds of silence, or Ctrl-C."""
    try:
        from ..realtime import MessageEvent
    except ImportError as exc:  # pragma: no cover - realtime is part of osukit
        from .._exceptions import MissingExtraError

        raise MissingExtraError("chat over the websocket", "realtime") from exc
    seen = 0
    with state.client(user=True) as client:
        opener = resolve_attr(client, "chat_stream")
        options: dict[str, Any] = {"channels": [channel_id]}
        if state.settings.notify_url:
            options["url"] = state.settings.notify_url
        url = options.get("url") or getattr(client, "notify_url", None)
        # Said before connecting: a wrong address is then visible at once (the stream also logs its
        # first failure, and keeps retrying).
        sys.stderr.write(f"connecting to the chat websocket at {url} (--notify-url / OSU_NOTIFY_URL to change)\n")
        sys.stderr.flush()
        with _scope_hint(), opener(**options) as stream:
            sys.stderr.write(f"following channel {channel_id}; Ctrl-C to stop\n")
            sys.stderr.flush()
            while count is None or seen < count:
                event = stream.get(timeout=timeout)
                if event is None:
                    break
                if not isinstance(event, MessageEvent):
                    continue
                for message in event.messages:
                    if field(message, "channel_id") != channel_id:
                        continue
                    if as_jsonl:
                        emit_json(message, lines=True)
                    else:
                        sys.stdout.write(_line(event, message) + "\n")
                        sys.stdout.flush()
                    seen += 1
                    if count is not None and seen >= count:
                        break
