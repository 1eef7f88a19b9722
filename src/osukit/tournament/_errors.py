"""The tournament toolkit's errors, all under [`osukit.OsukitError`][osukit.OsukitError]."""

from __future__ import annotations

from .._exceptions import ConfigurationError, OsukitError

__all__ = ["DraftError", "PoolError", "RunnerError", "TournamentError"]


class TournamentError(OsukitError):
    """Base class of the tournament toolkit's errors."""


class PoolError(TournamentError, ConfigurationError):
    """A mappool or format file that cannot be used (bad TOML/YAML, unknown key, bad slot, bad value).

    Also a [`osukit.ConfigurationError`][osukit.ConfigurationError] (and so a ``ValueError``).
    """


class DraftError(TournamentError):
    """A pick, ban or result the match's rules refuse.

    ``reason`` is a stable code a bot can switch on: ``unknown_slot``, ``not_your_turn``,
    ``wrong_phase``, ``banned``, ``already_picked``, ``tiebreaker_slot``, ``match_over``,
    ``no_pending_map``, ``abort_limit``, ``unknown_team``.
    """

    def __init__(self, message: str, *, reason: str) -> None:
        self.reason = reason
        super().__init__(message)


class RunnerError(TournamentError):
    """The match runner or the auto-host cannot go on (the room closed, a state file from another match …)."""
