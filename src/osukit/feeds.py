"""The parts of the live score feed that do no I/O: the gap event, the feed's position and its pacing.

``client.scores.follow()`` (`osukit._async.feed.AsyncScoreFeed` and its
generated sync twin) drives these. See ``docs/feeds.md``.

Facts from osu-web (``app/Http/Controllers/ScoresController.php``, ``index``):

* ``GET /api/v2/scores`` answers at most 1,000 scores, oldest first, and a
  ``cursor_string`` pointing after the last one; with no new scores it hands the
  same cursor back.
* Without a cursor (or with one it cannot read) it answers the newest 1,000.
* The cursor is ``{"id": N}`` (``Score::SORTS['old']``, id ascending, in
  ``app/Models/Solo/Score.php``; ``cursor_encode`` in ``app/helpers.php`` makes the
  string): the page after it is the scores with an id above ``N``. So "after score
  ``N``" is a position osu! can resume from whatever page ``N`` came on
  (`cursor_after`).
* A cursor more than ``scores.index_max_id_distance`` ids (10,000,000 by default)
  behind the newest score is refused: ``422 {"error": "cursor is too old"}``.
* The answer is cached for 5 seconds, so polling faster than that only sees the
  same page again.
"""

from __future__ import annotations

import datetime as _dt
from dataclasses import dataclass, field
from typing import Any

from ._exceptions import APIError, InvalidParameterError
from .pagination import encode_cursor_string

__all__ = ["PAGE_SIZE", "FeedGap", "FeedPacer", "FeedPosition", "cursor_after", "is_cursor_refusal", "refusal_message"]

PAGE_SIZE = 1000
"""Scores per ``GET /scores`` answer (osu-web ``ScoresController::index``)."""
SERVER_CACHE_SECONDS = 5.0
"""osu-web caches each ``GET /scores`` answer this long: polling faster gains nothing."""


@dataclass(frozen=True)
class FeedGap:
    """Scores may have been lost: osu! refused the feed's cursor as too old and the feed jumped to the newest scores.

    Only a real refusal (``422``, see `is_cursor_refusal`) makes one; ``reason`` is
    osu-web's own message for it. Everything set after ``after_time`` (the last score delivered, id ``after_id``)
    and before ``before_time`` (the first score delivered after the jump, id
    ``before_id``) may be missing. Any of them is None when unknown (e.g. no score
    was delivered before the jump, or none has been set since).
    """

    after_id: int | None
    after_time: _dt.datetime | None
    before_id: int | None
    before_time: _dt.datetime | None
    reason: str = "cursor is too old"

    @property
    def seconds(self) -> float | None:
        """The length of the lost time range, when both ends are known and in order (scores are ordered
        by id, as osu! assigns them on submission; a score's ``ended_at`` may be earlier than that of
        the score before it, and then there is no time range to give)."""
        if self.after_time is None or self.before_time is None or self.before_time < self.after_time:
            return None
        return (self.before_time - self.after_time).total_seconds()

    def to_json(self) -> dict[str, Any]:
        """A JSON-able dict (``{"type": "gap", …}``), as ``osukit scores follow --jsonl`` prints it."""
        return {
            "type": "gap",
            "after_id": self.after_id,
            "after_time": self.after_time.isoformat() if self.after_time else None,
            "before_id": self.before_id,
            "before_time": self.before_time.isoformat() if self.before_time else None,
            "seconds": self.seconds,
            "reason": self.reason,
        }


@dataclass
class FeedPosition:
    """Where a feed stands, as kept in a checkpoint store.

    ``cursor`` is the ``cursor_string`` to read next: the one after the last score
    handed out *and acknowledged* (`cursor_after` of ``last_id``), wherever that
    score stood on its page, or the one osu! answered at the end of a page. None
    with a ``last_id`` (older checkpoints kept None while on the first page) means
    the same as `cursor_after` of ``last_id``; None without
    one means the newest page. ``last_id`` is the last score acknowledged (a score
    with an id up to it is never handed out again).
    """

    cursor: str | None = None
    last_id: int | None = None
    last_time: _dt.datetime | None = None
    started: bool = False

    def to_state(self) -> dict[str, Any]:
        return {
            "version": 1,
            "cursor": self.cursor,
            "last_id": self.last_id,
            "last_time": self.last_time.isoformat() if self.last_time else None,
            "started": self.started,
        }

    @classmethod
    def from_state(cls, state: dict[str, Any] | None) -> FeedPosition:
        if not state:
            return cls()
        last_time = state.get("last_time")
        return cls(
            cursor=state.get("cursor") if isinstance(state.get("cursor"), str) else None,
            last_id=state.get("last_id") if isinstance(state.get("last_id"), int) else None,
            last_time=_dt.datetime.fromisoformat(last_time) if isinstance(last_time, str) else None,
            started=bool(state.get("started", True)),
        )


def cursor_after(score_id: int) -> str:
    """The ``cursor_string`` of ``GET /scores`` whose next page starts right after score ``score_id``.

    osu-web pages the scores listing by id, ascending (``Score::SORTS['old']`` in
    ``app/Models/Solo/Score.php``), and its cursor for a page that ends with score
    ``N`` is ``{"id": N}``, base64url-encoded JSON without padding (``cursor_encode``
    in ``app/helpers.php``). This is that string, byte for byte, for a page that
    ended at ``score_id``: the feed saves it when it stops mid-page, so it resumes at
    the next score instead of re-reading the newest page.
    """
    return encode_cursor_string({"id": int(score_id)})


def refusal_message(exc: BaseException) -> str | None:
    """osu-web's ``error`` text when ``exc`` is a refusal of the cursor (`is_cursor_refusal`), else None."""
    if not is_cursor_refusal(exc):
        return None
    body = getattr(exc, "body", None)
    message = body.get("error") if isinstance(body, dict) else None
    return message if isinstance(message, str) else None


def is_cursor_refusal(exc: BaseException) -> bool:
    """True for osu-web's ``422 {"error": "cursor is too old"}``."""
    if not isinstance(exc, APIError) or exc.status_code != 422:
        return False
    body = exc.body
    message = body.get("error") if isinstance(body, dict) else None
    return isinstance(message, str) and "cursor" in message.lower()


@dataclass
class FeedPacer:
    """How long to wait before the next poll, from the feed's volume and the rate-limit budget.

    * A full page (1,000 scores) means the feed is behind: poll again at once
      (the client's rate limiter still paces it).
    * Otherwise wait until about ``target_batch`` new scores should be there, from
      a moving average of scores per second, but never less than ``min_interval``
      (osu-web caches the answer 5 seconds) nor less than this feed's share of the
      rate limit (``budget`` of the requests per minute), and never more than
      ``max_interval``.
    * While nothing comes in, the wait grows by half each poll up to ``max_interval``.
    * When ``X-RateLimit-Remaining`` falls under a tenth of ``X-RateLimit-Limit``
      (other work on the same token is using it), the wait doubles.
    """

    min_interval: float = SERVER_CACHE_SECONDS
    max_interval: float = 60.0
    target_batch: int = 250
    budget: float = 0.25
    rate: float | None = None
    """Scores per second, smoothed."""
    interval: float = SERVER_CACHE_SECONDS
    _last_poll: float | None = field(default=None, repr=False)

    def __post_init__(self) -> None:
        for name in ("min_interval", "max_interval", "budget"):
            value = getattr(self, name)
            if isinstance(value, bool) or not isinstance(value, (int, float)) or value < 0:
                raise InvalidParameterError(f"FeedPacer {name} must be a number >= 0, not {value!r}")
        if self.max_interval < self.min_interval:
            raise InvalidParameterError("FeedPacer max_interval must not be below min_interval")
        if isinstance(self.target_batch, bool) or not isinstance(self.target_batch, int) or self.target_batch < 1:
            raise InvalidParameterError(f"FeedPacer target_batch must be a whole number >= 1, not {self.target_batch!r}")

    def observe(self, count: int, now: float) -> None:
        """Record a poll at ``now`` (monotonic seconds) that brought ``count`` new scores."""
        if self._last_poll is not None:
            elapsed = now - self._last_poll
            if elapsed > 0 and count < PAGE_SIZE:
                sample = count / elapsed
                self.rate = sample if self.rate is None else 0.7 * self.rate + 0.3 * sample
        self._last_poll = now

    def next_interval(self, count: int, *, per_minute: float | None = None,
                      remaining: int | None = None, limit: int | None = None) -> float:
        """Seconds to wait after a poll that brought ``count`` scores."""
        if count >= PAGE_SIZE:
            self.interval = 0.0
            return 0.0
        floor = self.min_interval
        if per_minute and per_minute > 0 and self.budget > 0:
            floor = max(floor, 60.0 / (per_minute * self.budget))
        if count == 0 and (self.rate is None or self.rate <= 0):
            wait = max(floor, self.interval * 1.5)
        elif self.rate and self.rate > 0:
            wait = self.target_batch / self.rate
        else:
            wait = floor
        if remaining is not None and limit and remaining < limit / 10:
            wait *= 2
        self.interval = min(self.max_interval, max(floor, wait))
        return self.interval
