"""A plot of a match's scores per map (the ``osukit[plot]`` extra)."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from ..plot import _new_figure, _style
from .results import GameResult, MatchResults

if TYPE_CHECKING:
    from matplotlib.figure import Figure

__all__ = ["scores_per_map"]

_RED = "#e0445e"
_BLUE = "#3c8fe0"
_BASE_WIDTH = 6.4
"""Inches: the figure width up to ``_COMPACT`` maps (matplotlib's default)."""
_PER_MAP = 0.55
"""Inches per map beyond that, so the bars of a long match keep a readable width."""
_MAX_WIDTH = 60.0
_COMPACT = 8
"""Up to this many maps the labels stay horizontal on two lines (``1`` over ``NM``)."""


def _label(game: GameResult, compact: bool) -> str:
    mods = game.mods if len(game.mods) <= 8 else game.mods[:7] + "…"
    return f"{game.index}\n{mods}" if compact else f"{game.index} {mods}"


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
    8 maps, 0.55 inch per map beyond, at most 60), so a 20-map match keeps readable bars;
    head-to-head legends with many players go beside the axes. Returns a
    `matplotlib.figure.Figure` on the Agg canvas (no pyplot).

    Raises:
        MissingExtraError: matplotlib is not installed (``pip install 'osukit[plot]'``).
    """
    fig = _new_figure()
    games = results.played
    compact = len(games) <= _COMPACT
    width_in = min(_MAX_WIDTH, _BASE_WIDTH + _PER_MAP * max(0, len(games) - _COMPACT))
    fig.set_figwidth(width_in)
    ax = fig.add_subplot(1, 1, 1)
    labels = [_label(g, compact) for g in games]
    xs = list(range(len(games)))
    # Outside the axes, so it never covers a bar: right of a short match's axes; above a long match's
    # (its right end, in one row), where it costs no width the maps need.
    legend: dict[str, Any] = (
        {"loc": "upper left", "bbox_to_anchor": (1.01, 1.0), "borderaxespad": 0.0, "fontsize": 8, "frameon": False}
        if compact else
        {"loc": "lower right", "bbox_to_anchor": (1.0, 1.01), "borderaxespad": 0.0, "fontsize": 8, "frameon": False,
         "ncols": 2}
    )
    if games and all(g.is_team for g in games):
        width = 0.4
        ax.bar([x - width / 2 for x in xs], [g.red_total for g in games], width, label="red", color=_RED)
        ax.bar([x + width / 2 for x in xs], [g.blue_total for g in games], width, label="blue", color=_BLUE)
        for x, g in zip(xs, games, strict=True):
            if g.winner is not None:
                top = max(g.red_total, g.blue_total)
                ax.annotate("★", (x - width / 2 if g.winner == "red" else x + width / 2, top),
                            ha="center", va="bottom", fontsize=9)
    else:
        players = sorted({s.user_id: (s.username or str(s.user_id)) for g in games for s in g.scores}.items())
        width = 0.8 / max(len(players), 1)
        for i, (uid, name) in enumerate(players):
            values = [next((s.score for s in g.scores if s.user_id == uid), 0) for g in games]
            ax.bar([x - 0.4 + width * (i + 0.5) for x in xs], values, width, label=name)
        if len(players) > 4:
            legend = {"loc": "upper left", "bbox_to_anchor": (1.0, 1.0), "fontsize": 7, "frameon": False,
                      "ncols": 1 + len(players) // 16}
    if compact:
        ax.set_xticks(xs, labels)
    else:
        ax.set_xticks(xs, labels, rotation=45, ha="right", rotation_mode="anchor", fontsize=8)
    if xs:
        ax.set_xlim(-0.6, len(xs) - 0.4)
    from matplotlib.ticker import FuncFormatter

    ax.yaxis.set_major_formatter(FuncFormatter(_short))
    ax.set_xlabel("map (game and mods)")
    ax.set_ylabel("score")
    ax.set_title(title or results.name or f"match {results.id}")
    ax.legend(**legend)
    _style(ax)
    return fig
