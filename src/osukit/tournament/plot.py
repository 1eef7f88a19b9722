"""A plot of a match's scores per map (the ``osukit[plot]`` extra)."""

from __future__ import annotations

from typing import TYPE_CHECKING

from ..plot import _new_figure, _style
from .results import MatchResults

if TYPE_CHECKING:
    from matplotlib.figure import Figure

__all__ = ["scores_per_map"]

_RED = "#e0445e"
_BLUE = "#3c8fe0"


def scores_per_map(results: MatchResults, *, title: str | None = None) -> Figure:
    """Bars of each team's total per map (team modes) or each player's score (head-to-head).

    Aborted games are left out; the x labels are ``1``, ``2`` … (the game's index) with the
    room mods. Returns a `matplotlib.figure.Figure` on the Agg canvas (no pyplot).

    Raises:
        MissingExtraError: matplotlib is not installed (``pip install 'osukit[plot]'``).
    """
    fig = _new_figure()
    ax = fig.add_subplot(1, 1, 1)
    games = results.played
    labels = [f"{g.index}\n{g.mods}" for g in games]
    xs = list(range(len(games)))
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
    ax.set_xticks(xs, labels)
    ax.set_ylabel("score")
    ax.set_title(title or results.name or f"match {results.id}")
    # outside the axes (right of them), so it never covers a bar
    ax.legend(loc="upper left", bbox_to_anchor=(1.01, 1.0), borderaxespad=0.0, fontsize=8, frameon=False)
    _style(ax)
    return fig
