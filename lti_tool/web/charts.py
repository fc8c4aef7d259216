"""The score distribution as an SVG bar chart, computed here and drawn by a template.

Readable without colour: one series, every bar labelled with its count, both axes labelled, and
the same numbers in a table beside it. Only geometry here (no style attributes: the page's CSS
colours the bars).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from question_bank.analysis import ScoreBin

WIDTH, HEIGHT = 600, 260
LEFT, RIGHT, TOP, BOTTOM = 44, 10, 24, 46


@dataclass(frozen=True)
class Bar:
    x: float
    y: float
    width: float
    height: float
    count: int
    label: str
    label_x: float
    count_y: float


@dataclass(frozen=True)
class Chart:
    width: int
    height: int
    bars: list[Bar]
    ticks: list[tuple[float, int]]
    axis_y: float
    axis_x: float
    total: int

    @property
    def description(self) -> str:
        parts = [f"{bar.label}: {bar.count}" for bar in self.bars]
        return f"Attempts by score, {self.total} in all. " + "; ".join(parts) + "."


def score_chart(bins: Sequence[ScoreBin]) -> Chart:
    plot_w, plot_h = WIDTH - LEFT - RIGHT, HEIGHT - TOP - BOTTOM
    top = max((b.count for b in bins), default=0) or 1
    step = plot_w / max(len(bins), 1)
    bars = []
    for index, b in enumerate(bins):
        height = plot_h * b.count / top
        x = LEFT + index * step + step * 0.1
        y = TOP + plot_h - height
        bars.append(Bar(round(x, 1), round(y, 1), round(step * 0.8, 1), round(height, 1), b.count, f"{b.low}–{b.high}%",
                        round(LEFT + index * step + step / 2, 1), round(y - 6, 1)))
    ticks = sorted({0, top // 2, top})
    return Chart(WIDTH, HEIGHT, bars, [(round(TOP + plot_h - plot_h * t / top, 1), t) for t in ticks],
                 TOP + plot_h, LEFT, sum(b.count for b in bins))
