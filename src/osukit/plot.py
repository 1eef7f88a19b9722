"""Plots of profiles and scores with matplotlib (the ``osukit[plot]`` extra).

```python
from osukit import plot

user = osu.users.get("peppy")
plot.rank_history(user).savefig("rank.png")
plot.top_plays(list(osu.users.scores(user.id, "best", limit=100))).savefig("top.png")
plot.activity(user).savefig("activity.png")
```

Each function returns a `matplotlib.figure.Figure` drawn on the Agg
canvas. pyplot is not used, so nothing global changes (no backend switch, no
open-figure registry) and the functions are safe in threads and servers.
matplotlib is imported on the first call; without it they raise
[`osukit.MissingExtraError`][osukit.MissingExtraError]. Inputs may be osukit models or the plain
dicts the API sends.
"""

from __future__ import annotations

import datetime as _dt
from collections.abc import Iterable, Sequence
from typing import TYPE_CHECKING, Any

from ._exceptions import InvalidParameterError, MissingExtraError
from ._models import UNSET, Model, unknown_fields

if TYPE_CHECKING:
    from matplotlib.figure import Figure

__all__ = ["activity", "rank_history", "top_plays", "tracked_history"]

_FIGSIZE = (9.0, 4.8)
_ACCENT = "#ff66aa"  # osu! pink
_GRADE_COLOURS = {
    "XH": "#dcdcdc", "X": "#ffd700", "SH": "#9e9e9e", "S": "#ff9800",
    "A": "#4caf50", "B": "#2196f3", "C": "#9c27b0", "D": "#f44336", "F": "#555555",
}


def _require() -> Any:
    """Import matplotlib (raising [`MissingExtraError`][osukit.MissingExtraError] when it is not installed)."""
    try:
        import matplotlib
        from matplotlib.figure import Figure
    except ImportError as exc:
        raise MissingExtraError("plotting", "plot") from exc
    return matplotlib, Figure


def _get(obj: Any, name: str, default: Any = None) -> Any:
    if obj is None or obj is UNSET:
        return default
    value = obj.get(name) if isinstance(obj, dict) else getattr(obj, name, None)
    if value is None and isinstance(obj, Model):
        value = unknown_fields(obj).get(name)  # e.g. created_at of a legacy-shaped score
    return default if value is None or value is UNSET else value


def _new_figure() -> Figure:
    _, figure_cls = _require()
    from matplotlib.backends.backend_agg import FigureCanvasAgg

    fig: Figure = figure_cls(figsize=_FIGSIZE, layout="constrained")
    FigureCanvasAgg(fig)
    return fig


def _mdates() -> Any:
    import matplotlib.dates

    return matplotlib.dates


def _num(dates: Sequence[_dt.date]) -> Any:
    """Dates as matplotlib date numbers (what Axes methods are typed to take)."""
    return _mdates().date2num(list(dates))


def _style(ax: Any) -> None:
    ax.grid(True, which="major", alpha=0.3)
    ax.spines["top"].set_visible(False)
    ax.spines["right"].set_visible(False)


def _date_axis(ax: Any) -> None:
    mdates = _mdates()
    locator = mdates.AutoDateLocator(minticks=4, maxticks=9)
    ax.xaxis.set_major_locator(locator)
    ax.xaxis.set_major_formatter(mdates.ConciseDateFormatter(locator))


def _as_datetime(value: Any) -> _dt.datetime | None:
    if isinstance(value, _dt.datetime):
        return value if value.tzinfo is not None else value.replace(tzinfo=_dt.timezone.utc)
    if isinstance(value, _dt.date):
        return _dt.datetime(value.year, value.month, value.day, tzinfo=_dt.timezone.utc)
    if isinstance(value, str) and value:
        try:
            parsed = _dt.datetime.fromisoformat(value.replace("Z", "+00:00"))
        except ValueError:
            return None
        return parsed if parsed.tzinfo is not None else parsed.replace(tzinfo=_dt.timezone.utc)
    return None


def _mode_name(value: Any) -> str:
    raw = getattr(value, "value", value)
    return {"osu": "osu!", "taiko": "osu!taiko", "fruits": "osu!catch", "mania": "osu!mania"}.get(str(raw), str(raw))


def rank_history(user: Any, *, end: _dt.date | None = None) -> Figure:
    """The user's global rank over the last 90 days (``user.rank_history``), best rank at the top.

    ``end`` is the date of the last point (default: today, as osu! sends the
    history up to today). Days with rank 0 (inactive) are left out.

    Raises:
        MissingExtraError: matplotlib is not installed.
        ValueError: the user has no rank history (e.g. never ranked in this ruleset).
    """
    history = _get(user, "rank_history") or _get(user, "rankHistory")
    data: Sequence[Any] = _get(history, "data") or []
    points = [(i, int(r)) for i, r in enumerate(data) if isinstance(r, (int, float)) and r > 0]
    if not points:
        raise InvalidParameterError(f"{_get(user, 'username', 'this user')} has no rank history to plot")
    last = end or _dt.datetime.now(_dt.timezone.utc).date()
    n = len(data)
    dates = [last - _dt.timedelta(days=n - 1 - i) for i, _ in points]
    ranks = [r for _, r in points]

    fig = _new_figure()
    ax = fig.add_subplot()
    ax.plot(_num(dates), ranks, color=_ACCENT, linewidth=2, marker="o", markersize=2.5)
    ax.margins(x=0.02)
    _style(ax)
    _date_axis(ax)
    ax.yaxis.set_major_formatter(_rank_formatter())
    ax.set_ylabel("global rank")
    best = min(ranks)
    best_at = dates[ranks.index(best)]
    ax.plot(_num([best_at]), [best], linestyle="", marker="*", markersize=11, color="#f4b400", zorder=4)
    ax.text(0.99, 0.03, f"now #{ranks[-1]:,}   best #{best:,} ({best_at:%d %b})", transform=ax.transAxes,
            ha="right", va="bottom", fontsize=9, color="#333333",
            bbox={"boxstyle": "round,pad=0.4", "facecolor": "white", "edgecolor": "#dddddd"})
    worst = max(ranks)
    pad = max((worst - best) * 0.08, best * 0.05, 1.0)
    top = best - pad if best - pad >= 1 else 1 - min(pad, 1.0) * 0.6
    ax.set_ylim(worst + pad, top)  # inverted: the best rank at the top
    from matplotlib.ticker import MaxNLocator

    ticks = [t for t in MaxNLocator(nbins=7, integer=True).tick_values(best, worst) if 1 <= t <= worst + pad]
    if best == 1 and 1 not in ticks:
        ticks = [1.0, *ticks]
    ax.set_yticks(ticks)
    mode = _get(history, "mode") or _get(user, "playmode")
    username = _get(user, "username", "?")
    ax.set_title(f"Global rank of {username}" + (f" in {_mode_name(mode)}" if mode else "")
                 + f", {dates[0]:%d %b} – {dates[-1]:%d %b %Y}", loc="left")
    return fig


def _rank_formatter() -> Any:
    from matplotlib.ticker import FuncFormatter

    return FuncFormatter(lambda value, _pos: f"#{value:,.0f}" if value >= 1 else "")


def top_plays(scores: Iterable[Any], *, title: str | None = None) -> Figure:
    """Top plays: pp against the date set, marker size by accuracy, colour by grade.

    ``scores`` are scores as the API returns them (``users.scores(..., "best")``);
    those without pp (unranked, loved) are left out.

    Raises:
        MissingExtraError: matplotlib is not installed.
        ValueError: no score has both pp and a date.
    """
    rows: list[tuple[_dt.datetime, float, float, str]] = []
    for s in scores:
        pp = _get(s, "pp")
        when = _as_datetime(_get(s, "ended_at") or _get(s, "created_at") or _get(s, "date"))
        if not isinstance(pp, (int, float)) or when is None:
            continue
        acc = _get(s, "accuracy", 0.0)
        acc = float(acc) / 100 if isinstance(acc, (int, float)) and acc > 1 else float(acc or 0.0)
        grade = str(getattr(_get(s, "rank"), "value", _get(s, "rank", "")))
        rows.append((when, float(pp), acc, grade))
    if not rows:
        raise InvalidParameterError("no scores with pp and a date to plot")
    accs = [r[2] for r in rows]
    low, high = min(accs), max(accs)

    def size(acc: float) -> float:
        if high - low < 1e-9:
            return 80.0
        return 20.0 + 220.0 * (acc - low) / (high - low)

    fig = _new_figure()
    ax = fig.add_subplot()
    colours = [_GRADE_COLOURS.get(r[3], _ACCENT) for r in rows]
    ax.scatter(_num([r[0] for r in rows]), [r[1] for r in rows], s=[size(a) for a in accs], c=colours, alpha=0.75,
               edgecolors="#333333", linewidths=0.5, zorder=3)
    _style(ax)
    _date_axis(ax)
    ax.set_ylabel("pp")
    ax.set_xlabel("date set")
    # legends: accuracy (size) and grade (colour)
    from matplotlib.lines import Line2D

    marks = sorted({round(low, 4), round((low + high) / 2, 4), round(high, 4)})
    size_handles = [
        Line2D([], [], linestyle="", marker="o", markersize=max(size(a), 1) ** 0.5, markerfacecolor="#cccccc",
               markeredgecolor="#333333", label=f"{a * 100:.2f}%") for a in marks
    ]
    grades = [g for g in _GRADE_COLOURS if any(r[3] == g for r in rows)]
    grade_handles = [
        Line2D([], [], linestyle="", marker="o", markersize=7, markerfacecolor=_GRADE_COLOURS[g],
               markeredgecolor="#333333", label=g) for g in grades
    ]
    fig.legend(handles=size_handles, title="accuracy", loc="outside right upper", fontsize=8, title_fontsize=9,
               frameon=False, labelspacing=1.2)
    if grade_handles:
        fig.legend(handles=grade_handles, title="grade", loc="outside right lower", fontsize=8, title_fontsize=9,
                   frameon=False)
    top = max(r[1] for r in rows)
    bottom = min(r[1] for r in rows)
    pad = max((top - bottom) * 0.15, 5.0)
    ax.set_ylim(max(bottom - pad, 0), top + pad)
    ax.set_title(title or f"Top plays ({len(rows)} scores)", loc="left")
    return fig


def activity(user: Any) -> Figure:
    """Monthly play counts (``user.monthly_playcounts``) as bars; months without plays show as 0.

    Raises:
        MissingExtraError: matplotlib is not installed.
        ValueError: the user has no monthly play counts.
    """
    entries = _get(user, "monthly_playcounts") or []
    counts: dict[_dt.date, int] = {}
    for e in entries:
        when = _as_datetime(_get(e, "start_date"))
        if when is None:
            continue
        month = _dt.date(when.year, when.month, 1)
        counts[month] = counts.get(month, 0) + int(_get(e, "count", 0))
    if not counts:
        raise InvalidParameterError(f"{_get(user, 'username', 'this user')} has no monthly play counts to plot")
    first, last = min(counts), max(counts)
    months: list[_dt.date] = []
    cur = first
    while cur <= last:
        months.append(cur)
        cur = _dt.date(cur.year + (cur.month == 12), cur.month % 12 + 1, 1)
    values = [counts.get(m, 0) for m in months]

    fig = _new_figure()
    ax = fig.add_subplot()
    ax.bar(_num(months), values, width=25, align="edge", color=_ACCENT, edgecolor="#b03070", linewidth=0.4, zorder=3)
    _style(ax)
    ax.grid(False, axis="x")
    _date_axis(ax)
    from matplotlib.ticker import FuncFormatter

    ax.yaxis.set_major_formatter(FuncFormatter(lambda v, _p: f"{v:,.0f}"))
    ax.set_ylabel("plays per month")
    peak = max(values)
    peak_month = months[values.index(peak)]
    ax.annotate(f"{peak:,} in {peak_month:%b %Y}", (float(_num([peak_month])[0]), peak), textcoords="offset points",
                xytext=(0, 4), ha="left", fontsize=9, color="#444444")
    ax.set_ylim(0, peak * 1.15 + 1)
    total = sum(values)
    ax.set_title(f"Monthly plays of {_get(user, 'username', '?')} ({total:,} plays, "
                 f"{months[0]:%b %Y} – {months[-1]:%b %Y})", loc="left")
    return fig


def tracked_history(snapshots: Sequence[Any]) -> Figure:
    """pp (left axis) and global rank (right axis, best at the top) over time, from
    `osukit.track.Tracker.history` snapshots (anything with ``taken_at``, ``pp``,
    ``global_rank``, ``username``, ``ruleset``).

    Raises:
        MissingExtraError: matplotlib is not installed.
        InvalidParameterError: fewer than one snapshot with a pp value.
    """
    points = [s for s in snapshots if _get(s, "pp") is not None and _as_datetime(_get(s, "taken_at")) is not None]
    if not points:
        raise InvalidParameterError("no snapshots with pp to plot")
    when = [w for w in (_as_datetime(_get(s, "taken_at")) for s in points) if w is not None]
    fig = _new_figure()
    ax = fig.add_subplot()
    ax.plot(_num(when), [float(_get(s, "pp")) for s in points], color=_ACCENT,
            linewidth=2, marker="o", markersize=2.5 if len(points) > 1 else 6, label="pp")
    ax.set_ylabel("pp", color=_ACCENT)
    _style(ax)
    if when[0] == when[-1]:  # one moment: a point in a one-day window, not a five-year axis
        ax.set_xlim(*_num([when[0] - _dt.timedelta(hours=12), when[0] + _dt.timedelta(hours=12)]))
    _date_axis(ax)
    ranked = [(w, int(_get(s, "global_rank"))) for w, s in zip(when, points, strict=True) if _get(s, "global_rank")]
    if ranked:
        from matplotlib.ticker import MaxNLocator

        ax2 = ax.twinx()
        ranks = [r for _, r in ranked]
        ax2.plot(_num([w for w, _ in ranked]), ranks, color="#2196f3", linewidth=1.5,
                 linestyle="--", marker="o" if len(ranked) == 1 else None, label="global rank")
        low, high = float(min(ranks)), float(max(ranks))
        if high - low < 4:  # a (nearly) constant rank: a few whole ranks around it, each shown once
            pad = (4 - (high - low)) / 2
            low, high = max(1.0, low - pad), high + pad
            ax2.set_ylim(low, high)
        ax2.yaxis.set_major_locator(MaxNLocator(nbins=6, integer=True, min_n_ticks=2))
        ax2.invert_yaxis()
        ax2.yaxis.set_major_formatter(_rank_formatter())
        ax2.set_ylabel("global rank", color="#2196f3")
        ax2.spines["top"].set_visible(False)
    first = points[0]
    ax.set_title(f"{_get(first, 'username', '?')} in {_mode_name(_get(first, 'ruleset', 'osu'))}: "
                 f"{len(points)} snapshots", loc="left")
    return fig
