"""The geometry of the small charts drawn as inline SVG on the contributions pages: horizontal
bars (a histogram, two schemes side by side) and a line over months. Pure: numbers in,
coordinates out; the templates draw them and put the table of the same numbers beside each chart,
which is what screen readers and printers read.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass
from fractions import Fraction

Number = int | float | Fraction

WIDTH = 320  # the viewBox width; the SVG scales to its container


@dataclass(frozen=True)
class Bar:
    x: float
    y: float
    width: float
    height: float
    css: str
    text: str  # the value, written at the end of the bar
    text_x: float
    text_y: float


@dataclass(frozen=True)
class BarRow:
    label: str
    label_y: float
    bars: list[Bar]


@dataclass(frozen=True)
class BarChart:
    width: int
    height: float
    rows: list[BarRow]


def _round(value: float) -> float:
    return round(value, 1)


def bar_chart(
    rows: Sequence[tuple[str, Sequence[tuple[Number, str, str]]]],
    *,
    label_room: int = 64,
) -> BarChart:
    """Horizontal bars, each row a label over one bar per series: ``rows`` are
    ``(label, [(value, css class, value text), ...])``. Bars share one scale from 0 to the
    largest value; a negative value draws no bar. ``label_room`` keeps space on the right for
    the value text."""
    series = max((len(bars) for _label, bars in rows), default=1)
    bar_height, gap, label_height = 11, 2, 15
    row_height = label_height + series * (bar_height + gap) + 8
    largest = max((float(value) for _label, bars in rows for value, _c, _t in bars), default=0)
    room = WIDTH - label_room
    chart_rows = []
    for index, (label, bars) in enumerate(rows):
        top = index * row_height
        drawn = []
        for position, (value, css, text) in enumerate(bars):
            length = room * max(float(value), 0) / largest if largest > 0 else 0
            y = top + label_height + position * (bar_height + gap)
            drawn.append(
                Bar(
                    x=0,
                    y=_round(y),
                    width=_round(max(length, 1.0) if float(value) > 0 else 0),
                    height=bar_height,
                    css=css,
                    text=text,
                    text_x=_round(length + 4),
                    text_y=_round(y + bar_height - 2),
                )
            )
        chart_rows.append(BarRow(label=label, label_y=_round(top + label_height - 4), bars=drawn))
    return BarChart(width=WIDTH, height=max(len(rows) * row_height, row_height), rows=chart_rows)


@dataclass(frozen=True)
class Point:
    x: float
    y: float
    text: str


@dataclass(frozen=True)
class Line:
    css: str
    points: list[Point]  # the months with a value
    path: str  # the SVG polyline's points; a month without a value breaks nothing, it is skipped


@dataclass(frozen=True)
class Tick:
    position: float
    text: str


@dataclass(frozen=True)
class LineChart:
    width: int
    height: int
    left: float
    right: float
    top: float
    bottom: float
    lines: list[Line]
    y_ticks: list[Tick]
    x_ticks: list[Tick]
    threshold: float | None  # the y of the threshold line


def line_chart(
    labels: Sequence[str],
    series: Sequence[tuple[str, Sequence[Fraction | None], Sequence[str]]],
    *,
    threshold: Fraction | None = None,
    floor_top: Fraction = Fraction(1, 2),
    percent: str = "{} %",
) -> LineChart:
    """Shares over months: ``series`` are ``(css class, values, value texts)``, a value None
    where a month has none. The y axis runs from 0 to the largest value or ``floor_top`` (50 %
    by default, so that the 40 % threshold shows), rounded up to ten points; ``percent`` formats
    its ticks."""
    width, height = WIDTH, 190
    left, right, top, bottom = 36.0, float(width - 8), 10.0, float(height - 24)
    values = [float(v) for _c, vals, _t in series for v in vals if v is not None]
    top_value = max([float(floor_top), *values, float(threshold or 0)])
    top_value = math.ceil(top_value * 10 - 1e-9) / 10 or 0.1
    step = 0.1 if top_value <= 0.6 else 0.2

    def y_of(value: float) -> float:
        return _round(bottom - (bottom - top) * value / top_value)

    count = len(labels)

    def x_of(index: int) -> float:
        if count == 1:
            return _round((left + right) / 2)
        return _round(left + (right - left) * index / (count - 1))

    lines = []
    for css, vals, texts in series:
        points = [
            Point(x_of(index), y_of(float(value)), texts[index])
            for index, value in enumerate(vals)
            if value is not None
        ]
        lines.append(Line(css, points, " ".join(f"{p.x},{p.y}" for p in points)))
    y_ticks = []
    tick = 0.0
    while tick <= top_value + 1e-9:
        y_ticks.append(Tick(y_of(tick), percent.format(round(tick * 100))))
        tick += step
    every = max(1, math.ceil(count / 8))  # at most eight month labels
    x_ticks = [Tick(x_of(index), label) for index, label in enumerate(labels) if index % every == 0]
    return LineChart(
        width=width,
        height=height,
        left=left,
        right=right,
        top=top,
        bottom=bottom,
        lines=lines,
        y_ticks=y_ticks,
        x_ticks=x_ticks,
        threshold=None if threshold is None else y_of(float(threshold)),
    )
