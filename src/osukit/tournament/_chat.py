"""What the tournament bots may write in a room's chat: osu! links only, never an internal URL.

The bots' replies often quote an osukit error, and osukit errors name the request they come from
(``(GET http://127.0.0.1:8000/api/v2/beatmaps/5)``): fine in a log, wrong in front of players,
who must only ever see links to osu! itself. `chat_safe` drops request descriptions and every
URL whose host is not an osu! site; `beatmap_link` makes the short beatmap link players know
(``https://osu.ppy.sh/b/ID``).
"""

from __future__ import annotations

import re
from urllib.parse import urlsplit

from .._constants import DEFAULT_BASE_URL

__all__ = ["OSU_HOSTS", "beatmap_link", "beatmap_page", "chat_safe", "room_link", "room_page", "site_url"]

OSU_HOSTS = frozenset({"osu.ppy.sh", "lazer.ppy.sh", "dev.ppy.sh"})
"""The osu! sites whose links may appear in chat (production, lazer and the development server)."""

_REQUEST = re.compile(r"\s*\((?:GET|POST|PUT|PATCH|DELETE|HEAD|OPTIONS) [^)]*\)")
_URL = re.compile(r"(?:https?|wss?)://[^\s)\]>'\"]+")


def site_url(base_url: str | None) -> str:
    """The osu! site to link to: ``base_url`` when it is an osu! site, else ``https://osu.ppy.sh``
    (an emulator, a proxy or a private server is never shown to players)."""
    if base_url and _is_osu_site(base_url):
        return f"https://{urlsplit(base_url).hostname}"
    return DEFAULT_BASE_URL


def _is_osu_site(url: str) -> bool:
    """``https://`` on one of `OSU_HOSTS`, default port."""
    parts = urlsplit(url)
    return parts.scheme == "https" and (parts.hostname or "") in OSU_HOSTS and parts.port is None


def beatmap_link(site: str, beatmap_id: int) -> str:
    """``https://osu.ppy.sh/b/ID`` (osu-web redirects ``/b/`` to the beatmap's page)."""
    return f"{site_url(site)}/b/{int(beatmap_id)}"


def room_link(site: str, room_id: int) -> str:
    """A lazer room's page on the osu! site (``/multiplayer/rooms/ID``)."""
    return f"{site_url(site)}/multiplayer/rooms/{int(room_id)}"


def room_page(base_url: str, room_id: int) -> str:
    """The room's page on the site actually in use (the emulator's own address against the
    emulator), for the operator's console; chat uses `room_link`."""
    return f"{base_url.rstrip('/')}/multiplayer/rooms/{int(room_id)}"


def beatmap_page(base_url: str, beatmap_id: int) -> str:
    """The beatmap's short link on the site actually in use (the emulator's own address against the
    emulator), for the operator's console, as `room_page`; chat uses `beatmap_link`."""
    return f"{base_url.rstrip('/')}/b/{int(beatmap_id)}"


def chat_safe(text: str) -> str:
    """``text`` without request descriptions and without any URL that is not an osu! site's."""
    text = _REQUEST.sub("", text)
    text = _URL.sub(lambda m: m.group(0) if _is_osu_site(m.group(0)) else "", text)
    return re.sub(r"[ \t]{2,}", " ", text).strip()


def hub_sentence(exc: BaseException) -> str:
    """What a refusing hub said, for chat: its own sentence (``HubError.message``), without the
    "Error N:" code and method name that ``str(exc)`` adds, and without a closing full stop."""
    return str(getattr(exc, "message", "") or exc).rstrip(".")
