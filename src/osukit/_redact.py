"""Keep credentials out of URLs, messages and log lines."""

from __future__ import annotations

import logging
import re
import threading
from urllib.parse import parse_qsl, urlencode, urlsplit, urlunsplit

__all__ = ["REDACTED", "SecretFilter", "redact_text", "redact_url", "register_secret"]

REDACTED = "[redacted]"

_SENSITIVE_PARAMS = frozenset(
    {"k", "access_token", "refresh_token", "client_secret", "code", "token", "api_key", "password"}
)

_secrets: set[str] = set()
_secrets_lock = threading.Lock()
_secret_re: re.Pattern[str] | None = None


def register_secret(value: str | None) -> None:
    """Remember a secret so [`redact_text`][osukit._redact.redact_text] scrubs it wherever it appears."""
    global _secret_re
    if not value or len(value) < 6:
        return
    with _secrets_lock:
        if value in _secrets:
            return
        _secrets.add(value)
        _secret_re = re.compile("|".join(re.escape(s) for s in sorted(_secrets, key=len, reverse=True)))


def redact_text(text: str) -> str:
    """``text`` with every registered secret replaced by ``[redacted]``."""
    pattern = _secret_re
    if pattern is None or not text:
        return text
    return pattern.sub(REDACTED, text)


def redact_url(url: str) -> str:
    """``url`` with credential-bearing query values (``k``, ``access_token``, ``code`` …) redacted."""
    try:
        parts = urlsplit(url)
    except ValueError:
        return redact_text(url)
    if not parts.query:
        return redact_text(url)
    pairs = parse_qsl(parts.query, keep_blank_values=True)
    cleaned = [(k, REDACTED if k.lower() in _SENSITIVE_PARAMS else v) for k, v in pairs]
    query = urlencode(cleaned, safe="[]")
    return redact_text(urlunsplit((parts.scheme, parts.netloc, parts.path, query, parts.fragment)))


class SecretFilter(logging.Filter):
    """A logging filter that scrubs registered secrets from records (installed on osukit's loggers)."""

    def filter(self, record: logging.LogRecord) -> bool:
        if _secret_re is not None:
            try:
                message = record.getMessage()
            except Exception:  # pragma: no cover - a broken format string is not ours to fix
                return True
            cleaned = redact_text(message)
            if cleaned != message:
                record.msg = cleaned
                record.args = None
        return True


logger = logging.getLogger("osukit")
logger.addFilter(SecretFilter())
# httpx logs every request URL at INFO; v1 URLs carry the API key in ``k``.
logging.getLogger("httpx").addFilter(SecretFilter())
