"""Newcomer fixes on the tournament side: the plot legend, pool check problems, player chat replies."""

from __future__ import annotations

import json

import pytest

from osukit.tournament import match_results
from tests._helpers import corpus_bytes


def test_plot_legend_covers_no_bar_on_a_short_match() -> None:
    pytest.importorskip("matplotlib")
    from osukit.tournament.plot import scores_per_map

    data = json.loads(corpus_bytes("v1/get_match_200.json"))
    # three games, the highest-scoring first: its bar reaches the top left corner of the axes
    games = sorted(data["games"], key=lambda g: -max(int(s["score"]) for s in g["scores"]) if g["scores"] else 0)
    data["games"] = [g for g in games if g["scores"]][:3]
    fig = scores_per_map(match_results(data))
    fig.canvas.draw()
    ax = fig.axes[0]
    renderer = fig.canvas.get_renderer()  # type: ignore[attr-defined]
    legend = ax.get_legend().get_window_extent(renderer)
    bars = [p.get_window_extent(renderer) for p in ax.patches]
    assert len(bars) == 6
    assert not any(legend.overlaps(b) for b in bars)
    assert fig.bbox.contains(legend.x1 - 1, legend.y1 - 1)  # still inside the saved figure
