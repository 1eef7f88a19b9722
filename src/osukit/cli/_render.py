"""Output: rich tables for people, ``osukit.dump`` JSON for programs."""

from __future__ import annotations

import datetime as _dt
import enum
import errno
import json
import os
import sys
from collections.abc import Iterable, Sequence
from typing import Any

from .._models import UNSET, Model, dump, unknown_fields

__all__ = ["emit_json", "field", "fmt", "length", "print_kv", "print_table", "say"]


def field(obj: Any, path: str, default: Any = None) -> Any:
    """``obj.a.b`` for models or ``obj["a"]["b"]`` for dicts; ``default`` when absent, None or UNSET."""
    cur = obj
    for part in path.split("."):
        if cur is None or cur is UNSET:
            return default
        if isinstance(cur, dict):
            cur = cur.get(part)
        else:
            value = getattr(cur, part, None)
            if value is None and isinstance(cur, Model):
                value = unknown_fields(cur).get(part)  # a field of another response shape
            cur = value
    return default if cur is None or cur is UNSET else cur


def length(seconds: Any) -> str:
    """``m:ss`` for a length in seconds."""
    if isinstance(seconds, bool) or not isinstance(seconds, (int, float)):
        return "-"
    total = int(seconds)
    return f"{total // 60}:{total % 60:02d}"


def plural(count: int, noun: str) -> str:
    """``1 user``, ``2 users``, ``1,000 beatmapsets`` (``noun`` in the plural, as the crawl kinds are)."""
    word = noun[:-1] if count == 1 and noun.endswith("s") else noun
    if count != 1 and not noun.endswith("s"):
        word = noun + "s"
    return f"{count:,} {word}"


def fmt(value: Any, *, digits: int = 2) -> str:
    """A cell: numbers with separators, floats rounded, dates as ``YYYY-MM-DD HH:MM``, enums by value."""
    if value is None or value is UNSET:
        return "-"
    if isinstance(value, bool):
        return "yes" if value else "no"
    if isinstance(value, int):
        return f"{value:,}"
    if isinstance(value, float):
        return f"{value:,.{digits}f}"
    if isinstance(value, _dt.datetime):
        return value.strftime("%Y-%m-%d %H:%M")
    if isinstance(value, _dt.date):
        return value.isoformat()
    if isinstance(value, enum.Enum):
        return str(value.value)
    return str(value)


def _jsonable(obj: Any) -> Any:
    data = dump(obj)
    return data


def _default(value: Any) -> Any:
    if isinstance(value, (_dt.datetime, _dt.date)):
        return value.isoformat()
    if isinstance(value, enum.Enum):
        return value.value
    if isinstance(value, (set, frozenset, tuple)):
        return list(value)
    if isinstance(value, bytes):
        return value.decode("utf-8", "replace")
    return str(value)


def emit_json(obj: Any, *, lines: bool = False) -> None:
    """Print ``osukit.dump(obj)`` as JSON (``lines``: one JSON document per item)."""
    out = sys.stdout
    if lines:
        items: Iterable[Any] = obj if isinstance(obj, (list, tuple)) else [obj]
        for item in items:
            out.write(json.dumps(_jsonable(item), ensure_ascii=False, default=_default) + "\n")
            out.flush()
        return
    out.write(json.dumps(_jsonable(obj), ensure_ascii=False, indent=2, default=_default) + "\n")
    out.flush()


def _console() -> Any:
    from rich.console import Console

    class _Console(Console):
        def on_broken_pipe(self) -> None:
            # rich exits 1 here; `osukit … | head` is not an error: raise what a print to the closed pipe
            # raises, so it takes the CLI's one closed-stdout path (run_app: exit 0 quietly)
            self.quiet = True
            raise BrokenPipeError(errno.EPIPE, os.strerror(errno.EPIPE))

    return _Console(soft_wrap=False, highlight=False)


def print_table(title: str | None, columns: Sequence[str], rows: Iterable[Sequence[Any]], *,
                right: Iterable[str] = (), truncate: Iterable[str] = (), compact: bool = False,
                empty: str = "nothing to show") -> None:
    """A rich table; ``right`` names the columns to right-align (numbers); with no rows, the title and
    ``empty`` (e.g. "no scores") instead of an empty table. Id columns are printed without separators.

    ``truncate`` names columns (long free text such as titles) that are cut with ``…`` to fit
    the terminal instead of wrapping over several lines; when any is given, every other column
    stays on one line. ``compact``: no outer box and lighter separators (fits 80 columns).
    """
    from rich import box
    from rich.table import Table
    from rich.text import Text

    aligned = set(right)
    cut = set(truncate)
    console = _console()
    if title:
        console.print(Text(title, style="bold"))
    table = Table(show_lines=False, box=box.SIMPLE_HEAD if compact else box.HEAVY_HEAD, pad_edge=not compact)
    for col in columns:
        if cut:
            # Only the truncated columns may shrink (rich narrows "wrapable" columns first); their
            # cells are single-line texts cut with an ellipsis.
            table.add_column(col, justify="right" if col in aligned else "left",
                             overflow="ellipsis" if col in cut else "fold", no_wrap=col not in cut,
                             min_width=8 if col in cut else None)
        else:
            table.add_column(col, justify="right" if col in aligned else "left", overflow="fold")
    names = list(columns)
    ids = [is_id_column(col) for col in columns]
    rows = list(rows)
    if not rows:
        console.print(Text(empty))
        return
    for row in rows:
        cells = []
        for i, v in enumerate(row):
            plain = i < len(ids) and ids[i]
            text = v if isinstance(v, str) else str(v) if plain and _is_int(v) else fmt(v)
            if i < len(names) and names[i] in cut:
                cells.append(Text(text, no_wrap=True, overflow="ellipsis"))
            else:
                cells.append(Text(text))
        table.add_row(*cells)
    console.print(table)


def _is_int(value: Any) -> bool:
    return isinstance(value, int) and not isinstance(value, bool)


_ID_COLUMNS = {"id", "beatmap", "beatmapset", "user", "room", "match", "channel"}


def is_id_column(name: str) -> bool:
    """Whether a column (or key) holds ids, printed plain (``1002103``, never ``1,002,103``)."""
    name = name.strip().lower()
    return name in _ID_COLUMNS or name.endswith((" id", "_id"))


def print_kv(title: str | None, pairs: Iterable[tuple[str, Any]]) -> None:
    """A two-column key/value table."""
    from rich.table import Table
    from rich.text import Text

    console = _console()
    if title:
        console.print(Text(title, style="bold"))
    table = Table(show_header=False, box=None, pad_edge=False)
    table.add_column(style="bold")
    table.add_column()
    for key, value in pairs:
        plain = is_id_column(key) and _is_int(value)
        table.add_row(Text(key), Text(value if isinstance(value, str) else str(value) if plain else fmt(value)))
    console.print(table)


def say(text: str, *, markup: bool = False) -> None:
    """A line of progress or status; ``markup=True`` reads rich markup (escape data put into it)."""
    _console().print(text, markup=markup, highlight=False, soft_wrap=True)
