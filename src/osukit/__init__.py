"""osukit: the complete, fast, typed Python toolkit for the osu! web API.

    import osukit

    with osukit.Client(client_id=..., client_secret=...) as osu:
        print(osu.users.get("peppy").statistics.pp)

Sync ([`Client`][osukit.Client]) and async ([`AsyncClient`][osukit.AsyncClient]) clients share one
surface; the sync one is generated from the async source.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from ._async.client import AsyncClient
from ._async.pagination import AsyncPaginator
from ._async.pool import AsyncClientPool
from ._base_client import NOT_GIVEN, NotGiven, ResponseInfo
from ._clock import Clock
from ._exceptions import (
    AmbiguousLoginError,
    APIError,
    AuthenticationError,
    BadRequestError,
    CacheDatabaseError,
    CheckpointError,
    ClientClosedError,
    ConfigurationError,
    ConflictError,
    DeadlineExceededError,
    DecodeError,
    EventLoopError,
    ForbiddenError,
    InvalidParameterError,
    InvalidScopeError,
    MissingExtraError,
    MissingScopeError,
    NoProgressError,
    NotFoundError,
    OAuthError,
    OsukitError,
    RateLimitError,
    RateLimiterUnavailable,
    RedirectError,
    RefereeError,
    RefereeHubError,
    ResponseTooLargeError,
    ServerError,
    TimeoutError,
    TokenStoreError,
    TrackDatabaseError,
    TransportError,
    UnprocessableEntityError,
)
from ._models import UNSET, Model, UnsetType, drifted_fields, dump, is_set, unknown_fields
from ._sync.client import Client
from ._sync.pagination import Paginator
from ._sync.pool import ClientPool
from ._version import __version__
from .auth import AuthorizationCode, ClientCredentials, StaticToken, UserToken
from .cache import ResponseCache
from .enums import BeatmapsetStatus, Ruleset
from .feeds import FeedGap
from .pagination import Page
from .ratelimit import LayeredRateLimiter, NoRateLimit, RateLimiter, TokenBucket
from .retry import RetryPolicy
from .tokens import FileTokenStore, MemoryTokenStore, SQLiteTokenStore, Token, TokenStore

if TYPE_CHECKING:
    from ._async.crawl import AsyncCrawler
    from ._sync.crawl import Crawler
    from .realtime import AsyncChatStream, ChatStream

__all__ = [
    "NOT_GIVEN",
    "UNSET",
    "APIError",
    "AmbiguousLoginError",
    "AsyncChatStream",
    "AsyncClient",
    "AsyncClientPool",
    "AsyncCrawler",
    "AsyncPaginator",
    "AuthenticationError",
    "AuthorizationCode",
    "BadRequestError",
    "BeatmapsetStatus",
    "CacheDatabaseError",
    "ChatStream",
    "CheckpointError",
    "Client",
    "ClientClosedError",
    "ClientCredentials",
    "ClientPool",
    "Clock",
    "ConfigurationError",
    "ConflictError",
    "Crawler",
    "DeadlineExceededError",
    "DecodeError",
    "EventLoopError",
    "FeedGap",
    "FileTokenStore",
    "ForbiddenError",
    "InvalidParameterError",
    "InvalidScopeError",
    "LayeredRateLimiter",
    "MemoryTokenStore",
    "MissingExtraError",
    "MissingScopeError",
    "Model",
    "NoProgressError",
    "NoRateLimit",
    "NotFoundError",
    "NotGiven",
    "OAuthError",
    "OsukitError",
    "Page",
    "Paginator",
    "RateLimitError",
    "RateLimiter",
    "RateLimiterUnavailable",
    "RedirectError",
    "RefereeError",
    "RefereeHubError",
    "ResponseCache",
    "ResponseInfo",
    "ResponseTooLargeError",
    "RetryPolicy",
    "Ruleset",
    "SQLiteTokenStore",
    "ServerError",
    "StaticToken",
    "TimeoutError",
    "Token",
    "TokenBucket",
    "TokenStore",
    "TokenStoreError",
    "TrackDatabaseError",
    "TransportError",
    "UnprocessableEntityError",
    "UnsetType",
    "UserToken",
    "__version__",
    "drifted_fields",
    "dump",
    "is_set",
    "unknown_fields",
]

_LAZY = {
    "AsyncChatStream": "realtime",
    "ChatStream": "realtime",
    "AsyncCrawler": "_async.crawl",
    "Crawler": "_sync.crawl",
}


# Subpackages loaded on first attribute access (``osukit.realtime.ChatStream`` works after ``import osukit``).
_SUBMODULES = frozenset({"bot", "contrib", "emulator", "game", "models", "plot", "realtime", "resources", "routes"})


def __getattr__(name: str) -> Any:
    # The realtime stream and the crawlers pull in more modules: loaded on first use to keep ``import osukit`` light.
    import importlib

    if name in _SUBMODULES:
        return importlib.import_module(f".{name}", __name__)
    module = _LAZY.get(name)
    if module is None:
        raise AttributeError(f"module 'osukit' has no attribute {name!r}")
    value = getattr(importlib.import_module(f".{module}", __name__), name)
    globals()[name] = value
    return value
