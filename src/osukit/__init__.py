"""osukit: the complete, fast, typed Python toolkit for the osu! web API.

    import osukit

    with osukit.Client(client_id=..., client_secret=...) as osu:
        print(osu.users.get("peppy").statistics.pp)

Sync ([`Client`][osukit.Client]) and async ([`AsyncClient`][osukit.AsyncClient]) clients share one
surface; the sync one is generated from the async source.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from ._async.client import AsyncClient
from ._async.pagination import AsyncPaginator
from ._base_client import NOT_GIVEN, NotGiven, ResponseInfo
from ._clock import Clock
from ._exceptions import (
    AmbiguousLoginError,
    APIError,
    AuthenticationError,
    BadRequestError,
    BeatmapNotFoundError,
    CacheDatabaseError,
    CheckpointError,
    ClientClosedError,
    ConfigurationError,
    ConflictError,
    ConnectionReplacedError,
    DeadlineExceededError,
    DecodeError,
    EventLoopError,
    ForbiddenError,
    FreestyleAllowedModsError,
    HubConnectionError,
    IncorrectMatchTypeError,
    InvalidBeatmapRulesetError,
    InvalidModsError,
    InvalidParameterError,
    InvalidRollError,
    InvalidRoomStateError,
    InvalidRulesetError,
    InvalidScopeError,
    InvocationInterruptedError,
    MalformedResponseError,
    MissingExtraError,
    MissingScopeError,
    NoActiveCountdownError,
    NoProgressError,
    NotFoundError,
    NotHostError,
    NotRefereeError,
    OAuthError,
    OsukitError,
    PlaylistItemNotFoundError,
    RateLimitError,
    RateLimiterUnavailable,
    RedirectError,
    RefereeError,
    RefereeHubError,
    ResponseTooLargeError,
    RoomLimitReachedError,
    RoomNotFoundError,
    RoomNotJoinableError,
    SelfOperationError,
    ServerError,
    TimeoutError,
    TokenStoreError,
    TrackDatabaseError,
    TransportError,
    UnprocessableEntityError,
    UserBannedError,
    UserNotConnectedError,
    UserNotInRoomError,
    UserRestrictedError,
)
from ._lazy import lazy_getattr
from ._models import UNSET, Model, UnsetType, drifted_fields, dump, is_set, unknown_fields
from ._secret import Secret
from ._sync.client import Client
from ._sync.pagination import Paginator
from ._version import __version__
from .auth import AuthorizationCode, ClientCredentials, StaticToken, UserToken
from .enums import BeatmapsetStatus, Ruleset
from .pagination import Page
from .ratelimit import LayeredRateLimiter, NoRateLimit, RateLimiter, TokenBucket
from .retry import RetryPolicy
from .tokens import FileTokenStore, MemoryTokenStore, SQLiteTokenStore, Token, TokenStore

if TYPE_CHECKING:
    from ._async.crawl import AsyncCrawler
    from ._async.pool import AsyncClientPool
    from ._sync.crawl import Crawler
    from ._sync.pool import ClientPool
    from .cache import ResponseCache
    from .contrib.distributed import SinkError, TaskFailed
    from .feeds import FeedGap
    from .game.mods import (
        DuplicateModError,
        IncompatibleModsError,
        InvalidModSettingError,
        ModError,
        ModNotFoundError,
        UnknownModError,
    )
    from .game.pp import BeatmapError
    from .game.replay import ReplayError
    from .realtime import AsyncChatStream, ChatStream
    from .tournament._errors import DraftError, PoolError, RunnerError, TournamentError

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
    "BeatmapError",
    "BeatmapNotFoundError",
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
    "ConnectionReplacedError",
    "Crawler",
    "DeadlineExceededError",
    "DecodeError",
    "DraftError",
    "DuplicateModError",
    "EventLoopError",
    "FeedGap",
    "FileTokenStore",
    "ForbiddenError",
    "FreestyleAllowedModsError",
    "HubConnectionError",
    "IncompatibleModsError",
    "IncorrectMatchTypeError",
    "InvalidBeatmapRulesetError",
    "InvalidModSettingError",
    "InvalidModsError",
    "InvalidParameterError",
    "InvalidRollError",
    "InvalidRoomStateError",
    "InvalidRulesetError",
    "InvalidScopeError",
    "InvocationInterruptedError",
    "LayeredRateLimiter",
    "MalformedResponseError",
    "MemoryTokenStore",
    "MissingExtraError",
    "MissingScopeError",
    "ModError",
    "ModNotFoundError",
    "Model",
    "NoActiveCountdownError",
    "NoProgressError",
    "NoRateLimit",
    "NotFoundError",
    "NotGiven",
    "NotHostError",
    "NotRefereeError",
    "OAuthError",
    "OsukitError",
    "Page",
    "Paginator",
    "PlaylistItemNotFoundError",
    "PoolError",
    "RateLimitError",
    "RateLimiter",
    "RateLimiterUnavailable",
    "RedirectError",
    "RefereeError",
    "RefereeHubError",
    "ReplayError",
    "ResponseCache",
    "ResponseInfo",
    "ResponseTooLargeError",
    "RetryPolicy",
    "RoomLimitReachedError",
    "RoomNotFoundError",
    "RoomNotJoinableError",
    "Ruleset",
    "RunnerError",
    "SQLiteTokenStore",
    "Secret",
    "SelfOperationError",
    "ServerError",
    "SinkError",
    "StaticToken",
    "TaskFailed",
    "TimeoutError",
    "Token",
    "TokenBucket",
    "TokenStore",
    "TokenStoreError",
    "TournamentError",
    "TrackDatabaseError",
    "TransportError",
    "UnknownModError",
    "UnprocessableEntityError",
    "UnsetType",
    "UserBannedError",
    "UserNotConnectedError",
    "UserNotInRoomError",
    "UserRestrictedError",
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
    "AsyncClientPool": "_async.pool",
    "ClientPool": "_sync.pool",
    "ResponseCache": "cache",
    "FeedGap": "feeds",
    # errors of the optional parts, importable from the top like every other osukit error
    "ModError": "game.mods",
    "UnknownModError": "game.mods",
    "InvalidModSettingError": "game.mods",
    "IncompatibleModsError": "game.mods",
    "ModNotFoundError": "game.mods",
    "DuplicateModError": "game.mods",
    "BeatmapError": "game.pp",
    "ReplayError": "game.replay",
    "TournamentError": "tournament._errors",
    "PoolError": "tournament._errors",
    "DraftError": "tournament._errors",
    "RunnerError": "tournament._errors",
    "SinkError": "contrib.distributed",
    "TaskFailed": "contrib.distributed",
}


# Subpackages loaded on first attribute access (``osukit.realtime.ChatStream`` works after ``import osukit``).
_SUBMODULES = frozenset({"bot", "contrib", "emulator", "game", "models", "plot", "realtime", "resources", "routes"})

# The realtime stream, the crawlers, the pools, the response cache and the optional parts' errors pull in
# more modules: loaded on first use to keep ``import osukit`` light (bench/bench_import.py).
__getattr__ = lazy_getattr(__name__, globals(), _LAZY, _SUBMODULES)
