"""Keep credentials out of URLs, messages, exception bodies and log lines.

Every secret osukit is given (client secret, API key, access and refresh tokens, authorization
codes) is registered here with `register_secret`, together with the forms it takes when a
library quotes it: stripped of surrounding whitespace, escaped as by ``repr`` of the ``str`` or the
``bytes`` (``b'Bearer abc\\n'``), and URL-encoded. `redact_text` replaces all of them, and a
few shapes that are secrets whoever wrote them (an ``Authorization`` header value, a
``client_secret=``/``access_token=``/``refresh_token=`` pair, a v1 ``k=`` query value).

Log records are redacted three ways, so that no handler and no logger below a named one is missed:

* a `SecretFilter` on ``osukit`` and on every third-party logger osukit drives, and on their
  known child loggers (`REDACTED_LOGGERS`), since a logger's filters do not see records of
  its children;
* a log record factory that redacts, as the record is made, every record of those logger trees
  (``websockets.client`` included, whatever handler the application attached);
* the CLI adds a `SecretFilter` to its own handler too.
"""

from __future__ import annotations

import logging
import re
import threading
from collections.abc import Callable, Mapping
from typing import Any
from urllib.parse import parse_qsl, quote, quote_plus, urlencode, urlsplit, urlunsplit

__all__ = [
    "REDACTED",
    "REDACTED_LOGGERS",
    "SENSITIVE_PARAMS",
    "SecretFilter",
    "install_log_redaction",
    "redact_obj",
    "redact_text",
    "redact_url",
    "register_secret",
]

REDACTED = "[redacted]"

SENSITIVE_PARAMS = frozenset(
    {"k", "access_token", "refresh_token", "client_secret", "code", "token", "api_key", "password"}
)

# Logger trees osukit drives (its transports, realtime, emulator, Redis): every record of these
# and of their children is redacted.
REDACTED_LOGGERS: tuple[str, ...] = (
    "osukit",
    "httpx",
    "httpcore",
    "h11",
    "h2",
    "hpack",
    "websockets",
    "aiohttp",
    "uvicorn",
    "starlette",
    "redis",
    "asyncio",
)
# Children that exist in those libraries today (a filter on a parent does not see them).
_KNOWN_CHILDREN: tuple[str, ...] = (
    "httpcore.connection",
    "httpcore.http11",
    "httpcore.http2",
    "httpcore.proxy",
    "httpcore.socks",
    "hpack.hpack",
    "hpack.table",
    "websockets.client",
    "websockets.server",
    "websockets.protocol",
    "aiohttp.access",
    "aiohttp.client",
    "aiohttp.internal",
    "aiohttp.server",
    "aiohttp.web",
    "aiohttp.websocket",
    "uvicorn.error",
    "uvicorn.access",
    "uvicorn.asgi",
    "redis.connection",
    "redis.client",
    "redis.cluster",
    "osukit.emulator",
)

# Shapes that hold a credential whoever registered it.
_NOT_DONE = r"(?!\[redacted\])"
_SHAPES = re.compile(
    r"(?i)(?P<pre>\bauthorization[\"']?\s*[:=,]\s*(?-i:b)?[\"']?(?:bearer|basic|token)\s+)"
    + _NOT_DONE + r"(?P<val>[^\s\"',;\]}]+)"
    r"|(?P<pre2>\b(?:client_secret|access_token|refresh_token|api_key|password)[\"']?\s*[:=]\s*[\"']?)"
    + _NOT_DONE + r"(?P<val2>[^\s\"'&,;}\]]+)"
    r"|(?P<pre3>[?&](?:k|code)=)" + _NOT_DONE + r"(?P<val3>[^\s&#\"']+)"
)

_secrets: set[str] = set()
_registered: set[str] = set()
"""The values `register_secret` was given (their forms are in `_secrets`): a value registered again,
as a v1 ``k`` or a token read back from a store is on every request, costs one set lookup."""
_secrets_lock = threading.RLock()
"""Taken by writers only (`register_secret`). Re-entrant: a finalizer run by the garbage collector
in the middle of a registration may register a secret too."""
_GRAM = 6
"""Every form is at least this long (shorter values are not registered); forms are indexed by
their first `_GRAM` characters."""
_by_gram: dict[str, tuple[str, ...]] = {}
"""First `_GRAM` characters → the forms that start with them (tuples replaced whole, never changed)."""
_REGEX_FORMS = 64
"""Up to this many forms, one compiled alternation scans a text fastest (4 µs for a 250-character
log line with 5 forms); beyond it the alternation's cost grows with every form (6 ms with 5,000) and
so does its compile, while the `_by_gram` lookup stays near 60 µs whatever the count. A server that
holds many users' tokens, or this test suite, registers thousands."""
_generation = 0
"""Bumped each time `_secrets` grows."""
_compiled: tuple[int, re.Pattern[str] | None] = (0, None)
"""The `_generation` the small regex was compiled for, and that regex: one tuple, swapped whole.

Readers never take a lock. `redact_text` runs inside logging, and logging runs from anywhere,
from a finalizer the garbage collector calls in the middle of compiling this very regex included
(an unclosed asyncio transport logs as it is collected): a lock here once deadlocked a thread
against itself."""


def _variants(value: str) -> set[str]:
    found = {value, value.strip(), repr(value)[1:-1], quote(value, safe=""), quote_plus(value)}
    try:
        found.add(repr(value.encode("utf-8"))[2:-1])
    except UnicodeEncodeError:  # pragma: no cover - lone surrogates
        pass
    found.add(repr(value.encode("utf-8", "surrogatepass"))[2:-1])
    found.add(value.encode("ascii", "backslashreplace").decode("ascii"))
    stripped = value.strip()
    if stripped != value:
        found |= {repr(stripped)[1:-1], quote(stripped, safe=""), quote_plus(stripped)}
    return {v for v in found if len(v) >= 6}


def register_secret(value: str | None) -> None:
    """Remember a secret (and its quoted forms) so `redact_text` scrubs it wherever it appears."""
    global _generation
    if not isinstance(value, str) or value in _registered or len(value.strip()) < _GRAM:
        return
    forms = _variants(value)
    with _secrets_lock:
        _registered.add(value)
        new = forms - _secrets
        if not new:
            return
        for form in new:  # indexed before `_secrets` grows: a reader that sees the form finds it
            _by_gram[form[:_GRAM]] = (*_by_gram.get(form[:_GRAM], ()), form)
        _secrets.update(new)
        _generation += 1


def _compile_forms(forms: tuple[str, ...]) -> re.Pattern[str] | None:
    """One regex of ``forms``, longest first (a form that holds another is replaced whole)."""
    if not forms:
        return None
    return re.compile("|".join(re.escape(s) for s in sorted(forms, key=len, reverse=True)))


def _secret_pattern() -> re.Pattern[str] | None:
    """The regex of every registered form while there are at most `_REGEX_FORMS` of them, compiled
    again only after `register_secret` added one.

    Lock-free (see `_compiled`). The generation is read before the forms, so a regex is never
    labelled newer than the forms it was built from; two threads may compile the same regex once.
    """
    global _compiled
    built_for, pattern = _compiled
    generation = _generation
    if built_for == generation:
        return pattern
    try:
        forms = tuple(_secrets)
    except RuntimeError:  # another thread grew the set mid-copy: compiled on the next call
        return pattern
    pattern = _compile_forms(forms)
    _compiled = (generation, pattern)
    return pattern


def _redact_indexed(text: str) -> str:
    """``text`` with every registered form replaced, found through `_by_gram`: each `_GRAM`-character
    window of the text is looked up once, and only the forms that start with a window that is there
    are searched for. Overlapping occurrences are merged into one ``[redacted]``, so no part of
    either is left."""
    spans: list[tuple[int, int]] = []
    for window in {text[i:i + _GRAM] for i in range(len(text) - _GRAM + 1)}:
        for form in _by_gram.get(window, ()):
            start = text.find(form)
            while start != -1:
                spans.append((start, start + len(form)))
                start = text.find(form, start + 1)
    if not spans:
        return text
    spans.sort()
    out: list[str] = []
    done = 0
    cut_start, cut_end = spans[0]
    for start, end in spans[1:]:
        if start <= cut_end:
            cut_end = max(cut_end, end)
            continue
        out += (text[done:cut_start], REDACTED)
        done, (cut_start, cut_end) = cut_end, (start, end)
    out += (text[done:cut_start], REDACTED, text[cut_end:])
    return "".join(out)


def _shape_sub(match: re.Match[str]) -> str:
    for pre in ("pre", "pre2", "pre3"):
        if match.group(pre) is not None:
            return match.group(pre) + REDACTED
    return REDACTED  # pragma: no cover


def redact_text(text: str) -> str:
    """``text`` with every registered secret, and every credential-shaped value, replaced by ``[redacted]``."""
    if not text:
        return text
    # Shapes first: a registered secret that is also a common word ("secret") must not break the
    # "client_secret": "…" shape before it is seen.
    text = _SHAPES.sub(_shape_sub, text)
    if len(_secrets) > _REGEX_FORMS:
        return _redact_indexed(text)
    pattern = _secret_pattern()
    if pattern is not None:
        text = pattern.sub(REDACTED, text)
    return text


def redact_obj(value: Any, _depth: int = 0) -> Any:
    """``value`` (a parsed JSON body, headers …) with every string redacted; containers are copied.

    Deeper than 64 levels the rest is dropped (``[redacted]``): a body that deep is hostile anyway.
    """
    if isinstance(value, str):
        return redact_text(value)
    if _depth > 64:
        return REDACTED
    if isinstance(value, Mapping):
        return {redact_obj(k, _depth + 1) if isinstance(k, str) else k: redact_obj(v, _depth + 1)
                for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        items = [redact_obj(v, _depth + 1) for v in value]
        return items if isinstance(value, list) else tuple(items)
    if isinstance(value, bytes):
        return redact_text(value.decode("utf-8", "replace")).encode()
    return value


def redact_url(url: str) -> str:
    """``url`` with credential-bearing query values (``k``, ``access_token``, ``code`` …) redacted."""
    try:
        parts = urlsplit(url)
    except ValueError:
        return redact_text(url)
    if not parts.query:
        return redact_text(url)
    pairs = parse_qsl(parts.query, keep_blank_values=True)
    cleaned = [(k, REDACTED if k.lower() in SENSITIVE_PARAMS else v) for k, v in pairs]
    query = urlencode(cleaned, safe="[]")
    return redact_text(urlunsplit((parts.scheme, parts.netloc, parts.path, query, parts.fragment)))


def _redact_record(record: logging.LogRecord) -> None:
    if getattr(record, "_osukit_redacted", False):
        return
    record._osukit_redacted = True
    try:
        message = record.getMessage()
    except Exception:  # a broken format string: keep what can be kept, redacted
        message = str(record.msg)
    cleaned = redact_text(message)
    if cleaned != message:  # only then is the template replaced by the redacted text
        record.msg = cleaned
        record.args = None
    if record.exc_info and record.exc_info[1] is not None and not record.exc_text:
        # Handlers format tracebacks later, from ``exc_text`` when it is set: format (and redact) it
        # now. ``exc_info`` stays for code that inspects the exception itself.
        record.exc_text = redact_text(logging.Formatter().formatException(record.exc_info))


class SecretFilter(logging.Filter):
    """A logging filter that scrubs secrets from records (message, arguments and traceback).

    osukit installs it on its own loggers and on the third-party ones it drives; add it to your
    own handlers for belt and braces: ``handler.addFilter(osukit.SecretFilter())``.
    """

    def filter(self, record: logging.LogRecord) -> bool:
        _redact_record(record)
        return True


def _in_tree(name: str) -> bool:
    for root in REDACTED_LOGGERS:
        if name == root or name.startswith(root + "."):
            return True
    return False


_factory_installed = False


def install_log_redaction() -> None:
    """Put `SecretFilter` on every logger of `REDACTED_LOGGERS` (and known children),
    and chain a record factory that redacts records of those trees as they are made. Idempotent."""
    global _factory_installed
    for name in (*REDACTED_LOGGERS, *_KNOWN_CHILDREN):
        log = logging.getLogger(name)
        if not any(isinstance(f, SecretFilter) for f in log.filters):
            log.addFilter(SecretFilter())
    if _factory_installed:
        return
    _factory_installed = True
    previous: Callable[..., logging.LogRecord] = logging.getLogRecordFactory()

    def factory(*args: Any, **kwargs: Any) -> logging.LogRecord:
        record = previous(*args, **kwargs)
        if _in_tree(record.name):
            _redact_record(record)
        return record

    logging.setLogRecordFactory(factory)


logger = logging.getLogger("osukit")
install_log_redaction()
