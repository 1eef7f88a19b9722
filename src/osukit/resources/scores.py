"""Scores group: routes (``/scores``)."""

from __future__ import annotations

from .._route import route
from ..models.scores import LegacyScore, Score, ScoresResponse

DOWNLOAD = route("GET", "api/v2/scores/{score}/download", scope="public", name="scores.download",
                 response=bytes, bucket="replay")
DOWNLOAD_LEGACY = route("GET", "api/v2/scores/{ruleset}/{score}/download", scope="public",
                        name="scores.download_legacy", response=bytes, bucket="replay")
GET_LEGACY = route("GET", "api/v2/scores/{ruleset}/{score}", scope="public", name="scores.get_legacy",
                   response=Score, legacy_response=LegacyScore)
GET = route("GET", "api/v2/scores/{score}", scope="public", name="scores.get", response=Score,
            legacy_response=LegacyScore)
LIST = route("GET", "api/v2/scores", scope="public", name="scores.recent", response=ScoresResponse,
             paginated="cursor_string")
