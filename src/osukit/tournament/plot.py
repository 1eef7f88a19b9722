"""A plot of a match's scores per map (the ``osukit[plot]`` extra)."""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from ..plot import _new_figure, _style
from .results import GameResult, MatchResults

if TYPE_CHECKING:
    from matplotlib.figure import Figure

__all__ = ["MAX_SIZE_INCHES", "scores_per_map"]

_RED = "#e0445e"
_BLUE = "#3c8fe0"
_BASE_WIDTH = 6.4
"""Inches: the figure width up to ``_COMPACT`` maps (matplotlib's default)."""
_PER_MAP = 0.55
"""Inches per map beyond that, so the bars of a long match keep a readable width."""
_PER_ROW = 25
"""Maps per row: a longer match wraps onto more rows (same scale), so the figure never grows wider
than ``_BASE_WIDTH + _PER_MAP * (_PER_ROW - _COMPACT)`` inches (about 16)."""
_MAX_ROWS = 8
"""Rows at most; past ``_PER_ROW * _MAX_ROWS`` maps, consecutive games share a bar (their totals)."""
_ROW_HEIGHT = 2.8
"""Inches per row when the plot wraps (the first row also carries the title and legend)."""
_COMPACT = 8
"""Up to this many maps the labels stay horizontal on two lines (``1`` over ``NM``)."""
MAX_SIZE_INCHES = (_BASE_WIDTH + _PER_MAP * (_PER_ROW - _COMPACT), 1.6 + _ROW_HEIGHT * _MAX_ROWS)
"""The largest figure `scores_per_map` draws, whatever the match's length (width, height)."""


@dataclass
class _Bar:
    """One group of bars: a game, or consecutive games of a very long match added up."""

    label: str
    red: float = 0.0
    blue: float = 0.0
    red_maps: int = 0
    blue_maps: int = 0
    team: bool = True
    scores: dict[int, float] = field(default_factory=dict)

    @property
    def winner(self) -> str | None:
        if self.red_maps != self.blue_maps:
            return "red" if self.red_maps > self.blue_maps else "blue"
        return None


def _label(game: GameResult, compact: bool) -> str:
    mods = game.mods if len(game.mods) <= 8 else game.mods[:7] + "…"
    return f"{game.index}\n{mods}" if compact else f"{game.index} {mods}"


def _bars(games: list[GameResult], compact: bool) -> list[_Bar]:
    """One bar group per game, or per run of ``size`` games past ``_PER_ROW * _MAX_ROWS`` maps."""
    size = max(1, math.ceil(len(games) / (_PER_ROW * _MAX_ROWS)))
    out = []
    for start in range(0, len(games), size):
        chunk = games[start:start + size]
        label = _label(chunk[0], compact) if size == 1 else f"{chunk[0].index}-{chunk[-1].index}"
        bar = _Bar(label, team=all(g.is_team for g in chunk))
        for g in chunk:
            bar.red += g.red_total
            bar.blue += g.blue_total
            bar.red_maps += g.winner == "red"
            bar.blue_maps += g.winner == "blue"
            for sc in g.scores:
                bar.scores[sc.user_id] = bar.scores.get(sc.user_id, 0) + sc.score
        out.append(bar)
    return out


def _short(value: float, _pos: object = None) -> str:
    """``1.2M``, ``850k``, ``97``: score ticks that stay narrow."""
    if abs(value) >= 1_000_000:
        return f"{value / 1_000_000:.1f}M".replace(".0M", "M")
    if abs(value) >= 1_000:
        return f"{value / 1_000:.0f}k"
    return f"{value:g}"


def scores_per_map(results: MatchResults, *, title: str | None = None) -> Figure:
    """Bars of each team's total per map (team modes) or each player's score (head-to-head).

    One group of bars per map. Aborted games are left out; the x labels are the game's
    index and the room mods (``1`` over ``NM`` for up to 8 maps, else ``12 HDHR`` rotated 45°
    and long mod lists cut). The figure grows wider with the number of maps (6.4 inches up to
    8 maps, 0.55 inch per map beyond) up to 25 maps; a longer match wraps onto rows of 25 maps
    on one score scale, and past 8 rows (200 maps) consecutive games share a bar (their totals,
    labelled ``12-13``; the star marks the team that won more of them), so the figure is never
    larger than `MAX_SIZE_INCHES` (about 16 × 24 inches). Head-to-head legends with many
    players go beside the axes. Returns a `matplotlib.figure.Figure` on the Agg canvas (no
    pyplot).

    Raises:
        MissingExtraError: matplotlib is not installed (``pip install 'osukit[plot]'``).
    """
    fig = _new_figure()
    games = results.played
    compact = len(games) <= _COMPACT
    bars = _bars(games, compact)
    rows = max(1, math.ceil(len(bars) / _PER_ROW))
    per_row = min(len(bars), _PER_ROW)
    fig.set_figwidth(_BASE_WIDTH + _PER_MAP * max(0, per_row - _COMPACT))
    if rows > 1:
        fig.set_figheight(1.6 + _ROW_HEIGHT * rows)
    team = bool(bars) and all(b.team for b in bars)
    players = sorted({s.user_id: (s.username or str(s.user_id)) for g in games for s in g.scores}.items())
    # Outside the axes, so it never covers a bar: right of a short match's axes; above a long match's
    # (its right end, in one row), where it costs no width the maps need.
    legend: dict[str, Any] = (
        {"loc": "upper left", "bbox_to_anchor": (1.01, 1.0), "borderaxespad": 0.0, "fontsize": 8, "frameon": False}
        if compact else
        {"loc": "lower right", "bbox_to_anchor": (1.0, 1.01), "borderaxespad": 0.0, "fontsize": 8, "frameon": False,
         "ncols": 2}
    )
    if not team and len(players) > 4:
        legend = {"loc": "upper left", "bbox_to_anchor": (1.0, 1.0), "fontsize": 7, "frameon": False,
                  "ncols": 1 + len(players) // 16}
    from matplotlib.ticker import FuncFormatter

    first: Any = None
    for row in range(rows):
        ax = fig.add_subplot(rows, 1, row + 1, sharey=first)
        first = first or ax
        chunk = bars[row * _PER_ROW:(row + 1) * _PER_ROW]
        xs = list(range(len(chunk)))
        if team:
            width = 0.4
            ax.bar([x - width / 2 for x in xs], [b.red for b in chunk], width, label="red", color=_RED)
            ax.bar([x + width / 2 for x in xs], [b.blue for b in chunk], width, label="blue", color=_BLUE)
            for x, b in zip(xs, chunk, strict=True):
                if b.winner is not None:
                    ax.annotate("★", (x - width / 2 if b.winner == "red" else x + width / 2, max(b.red, b.blue)),
                                ha="center", va="bottom", fontsize=9)
        else:
            width = 0.8 / max(len(players), 1)
            for i, (uid, name) in enumerate(players):
                ax.bar([x - 0.4 + width * (i + 0.5) for x in xs], [b.scores.get(uid, 0) for b in chunk], width,
                       label=name)
        labels = [b.label for b in chunk]
        if compact:
            ax.set_xticks(xs, labels)
        else:
            ax.set_xticks(xs, labels, rotation=45, ha="right", rotation_mode="anchor", fontsize=8)
        if xs:  # every row on the same x scale as the first, so bars keep one width
            ax.set_xlim(-0.6, (per_row if rows > 1 else len(xs)) - 0.4)
        ax.yaxis.set_major_formatter(FuncFormatter(_short))
        ax.set_ylabel("score")
        if row == rows - 1:
            ax.set_xlabel("map (game and mods)" if len(bars) == len(games) else "maps (games added up)")
        _style(ax)
    first.set_title(title or results.name or f"match {results.id}")
    _legend(first, **legend)
    return fig


def _legend(ax: Any, **options: Any) -> None:
    """``ax.legend(**options)`` when the axes hold a labelled artist; none otherwise (matplotlib would
    warn "No artists with labels found to put in legend" and draw an empty box)."""
    handles, labels = ax.get_legend_handles_labels()
    if handles:
        ax.legend(handles, labels, **options)
