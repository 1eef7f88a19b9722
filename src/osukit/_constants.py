"""Every default osukit uses, named in one place."""

from __future__ import annotations

DEFAULT_BASE_URL = "https://osu.ppy.sh"
"""osu!'s production site; ``https://dev.ppy.sh`` or the emulator's URL are the usual alternatives."""

DEFAULT_NOTIFY_URL = "wss://notify.ppy.sh"
"""osu-notification-server (the chat websocket) of `DEFAULT_BASE_URL`. Another ``base_url``
gets ``ws(s)://<its host>/notify`` unless ``notify_url`` is set (the emulator serves it there)."""

DEFAULT_V1_PREFIX = "api"
"""Where API v1 lives under ``base_url``: ``api/get_user`` on osu.ppy.sh. Some private servers use
``api/v1`` (``v1_prefix=`` or ``OSU_V1_PREFIX``)."""

DEFAULT_API_VERSION = 20250913
"""``x-api-version`` sent with every v2 request: the newest dated version osu-web honours.

osu-web reads the header with ``api_version()`` (``app/helpers.php``; 0 when absent) and
compares it in three places (osu-web 3f5de518e8, listed in ``scripts/data/osu_web_shapes.json``):

* **20220705** — ``app/Transformers/ScoreTransformer.php`` (``api_version() < 20220705`` selects
  ``transformLegacy``): below it scores are legacy-shaped (``score``, ``mode``,
  ``statistics.count_*``, mods as acronyms); at and above it the new (lazer) format
  (``total_score``, ``ruleset_id``, ``statistics.great``…, mods as objects). Since osu-web
  b7ab85a882 (2025-05-15, "Use new score format for legacy match score") this includes the scores
  of stable match games on ``GET /matches/{match}`` (``app/Models/LegacyMatch/Score.php``).
  Routes that build ``new ScoreTransformer(false)`` (multiplayer playlist scores, ``GET /scores``,
  ``/beatmaps/{beatmap}/solo-scores``) answer the new format at every version.
* **20241022** — ``app/Http/Controllers/FriendsController.php`` (``api_version() >= 20241022``):
  ``GET /friends`` answers UserRelation objects (``target_id``, ``relation_type``, ``mutual``,
  ``target``); below it plain users.
* **20250913** — ``app/Libraries/SessionVerification/State.php`` (``api_version() < 20250913``):
  below it a session that still needs verifying is always verified by ``mail``; at and above it
  by ``totp`` when the user has an authenticator (``session_verification_method`` on ``/me``).

(``RoomsController::index`` also checks ``>= 99999999``, a placeholder no client sends.)
"""

DEFAULT_TIMEOUT = 30.0
"""Seconds for reading a response (and the overall default for writes and the pool)."""

DEFAULT_CONNECT_TIMEOUT = 10.0
"""Seconds to establish a connection."""

DEFAULT_DEADLINE = 300.0
"""Seconds one call may take in all: every attempt, backoff, ``Retry-After`` and rate-limiter
wait included. A wait that would pass it fails at once with ``DeadlineExceededError``."""

DEFAULT_REQUEST_DEADLINE = 120.0
"""Seconds one HTTP exchange may take from sending to the last body byte (``timeout`` bounds
each read; this bounds their sum, so a server trickling a byte a second cannot hold a call)."""

MAX_RESPONSE_SIZE = 64 * 1024 * 1024
"""Bytes a response body may have after decompression (64 MiB). Counted while reading, so a
gzip bomb stops there instead of being buffered; over it: ``ResponseTooLargeError``."""

DEFAULT_MAX_RETRIES = 3
"""Retries after the first attempt for retryable failures."""

INITIAL_RETRY_DELAY = 0.5
"""Seconds before the first retry; doubles each attempt (with jitter)."""

MAX_RETRY_DELAY = 30.0
"""Cap on a single computed backoff."""

MAX_RETRY_AFTER = 120.0
"""Cap on a server-sent ``Retry-After`` we are willing to sleep; longer waits raise RateLimitError."""

DEFAULT_RATE_LIMIT = 60
"""Requests per minute: osu!'s terms of use ask for at most 60."""

DEFAULT_BURST = 10
"""Requests that may go out at once before the per-minute pace applies."""

SERVER_RATE_LIMIT = 1200
"""osu-web's own throttle per token per minute; the most a limiter may be configured to."""

REPLAY_RATE_LIMIT = 10
"""Replay downloads per minute (osu-web's separate ``api-scores-download`` bucket)."""

TOKEN_REFRESH_MARGIN = 60.0
"""Seconds before expiry at which a token counts as expired (clock-skew margin)."""

MAX_IDS_PER_REQUEST = 50
"""osu-web's cap for ``ids[]`` batches (``/users``, ``/beatmaps``, ``/users/lookup``)."""

MAX_CONNECTIONS = 20
"""Connection pool size."""

LAZER_SCORES_API_VERSION = 20220705
"""At or above this ``x-api-version`` scores come in the lazer/solo shape (``Score``), below it
in the legacy shape (``LegacyScore``) — match game scores included (osu-web
``app/Transformers/ScoreTransformer.php``, ``app/Models/LegacyMatch/Score.php``)."""

FRIEND_RELATIONS_API_VERSION = 20241022
"""At or above this ``x-api-version`` ``GET /friends`` returns UserRelation objects
(osu-web ``app/Http/Controllers/FriendsController.php``)."""

SESSION_VERIFICATION_API_VERSION = 20250913
"""At or above this ``x-api-version`` osu-web may ask for TOTP session verification instead of
mail (``app/Libraries/SessionVerification/State.php``)."""

MAX_USER_LISTING_RESULTS = 100
"""osu-web's cap on offset+limit for ``scores/recent``, kudosu and recent_activity."""

MAX_CATCH_UP_MESSAGES = 10_000
"""Messages per channel the chat stream fetches over REST after a reconnect (a busy channel's
rest comes with the next catch-up); with the paginator's no-progress check this bounds what
a catch-up can grow to."""
