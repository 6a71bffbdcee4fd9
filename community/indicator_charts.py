"""The geometry of the indicator charts, drawn as inline SVG without a script: a line per scope
over months, and horizontal bars comparing projects. Pure: figures in, coordinates out. Every
chart is decoration (``aria-hidden``); the table of the same figures beside it is what screen
readers, printers and the curious read.

A suppressed or missing month breaks a line rather than joining its neighbours: a line drawn
across a hidden month would suggest a value there.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Sequence
from dataclasses import dataclass

WIDTH = 320  # the viewBox; the SVG scales to its container
HEIGHT = 170
LEFT, RIGHT, TOP, BOTTOM = 52.0, 312.0, 10.0, 146.0
MAX_MONTH_TICKS = 6


def nice_ceiling(value: float) -> float:
    """The smallest of 1, 2, 2.5 and 5 times a power of ten that is at least ``value``."""
    if value <= 0:
        return 1.0
    power = 10 ** math.floor(math.log10(value))
    for step in (1, 2, 2.5, 5, 10):
        if step * power >= value - 1e-12:
            return step * power
    return 10 * power  # pragma: no cover - the loop always returns


@dataclass(frozen=True)
class Point:
    x: float
    y: float
    text: str  # "March 2025: 23.4 %", the SVG title


@dataclass(frozen=True)
class ChartLine:
    label: str
    css: str
    segments: list[str]  # polyline "x,y x,y" runs between gaps
    points: list[Point]


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
    lines: list[ChartLine]
    y_ticks: list[Tick]
    x_ticks: list[Tick]
    target: float | None  # the y of a goal's target, if drawn

    @property
    def y_label_x(self) -> float:
        return self.left - 4

    @property
    def x_label_y(self) -> float:
        return self.bottom + 14


def line_chart(
    *,
    labels: Sequence[str],
    series: Sequence[tuple[str, str, Sequence[float | None], Sequence[str]]],
    y_text: Callable[[float], str],
    target: float | None = None,
    whole: bool = False,
) -> LineChart:
    """``labels`` name the months; ``series`` are ``(label, css class, values, texts)`` with a
    value None where the month has none. The y axis runs from 0 to the round number at or
    above the largest value (and the target), 1 when there is none; ``whole`` (counts) leaves
    out a middle tick that would not be a whole number."""
    values = [v for _l, _c, vals, _t in series for v in vals if v is not None]
    top_value = nice_ceiling(max([*values, target or 0.0, 0.0]))

    def y_of(value: float) -> float:
        return round(BOTTOM - (BOTTOM - TOP) * value / top_value, 1)

    count = len(labels)

    def x_of(index: int) -> float:
        if count <= 1:
            return round((LEFT + RIGHT) / 2, 1)
        return round(LEFT + (RIGHT - LEFT) * index / (count - 1), 1)

    lines = []
    for label, css, vals, texts in series:
        segments: list[str] = []
        run: list[str] = []
        points = []
        for index, value in enumerate(vals):
            if value is None:
                if run:
                    segments.append(" ".join(run))
                run = []
                continue
            point = Point(x_of(index), y_of(value), f"{labels[index]}: {texts[index]}")
            points.append(point)
            run.append(f"{point.x},{point.y}")
        if run:
            segments.append(" ".join(run))
        lines.append(ChartLine(label, css, segments, points))
    shares = (0, 0.5, 1) if not whole or (top_value / 2).is_integer() else (0, 1)
    y_ticks = [Tick(y_of(top_value * share), y_text(top_value * share)) for share in shares]
    every = max(1, math.ceil(count / MAX_MONTH_TICKS))
    x_ticks = [
        Tick(x_of(index), label)
        for index, label in enumerate(labels)
        if (count - 1 - index) % every == 0  # the latest month always has its label
    ]
    return LineChart(
        width=WIDTH,
        height=HEIGHT,
        left=LEFT,
        right=RIGHT,
        top=TOP,
        bottom=BOTTOM,
        lines=lines,
        y_ticks=y_ticks,
        x_ticks=x_ticks,
        target=None if target is None else y_of(target),
    )


@dataclass(frozen=True)
class Bar:
    label: str
    y: float
    width: float
    text: str
    text_x: float
    shown: bool  # False for a suppressed or missing figure: no bar, its mark as text


@dataclass(frozen=True)
class BarChart:
    width: int
    height: float
    label_width: float
    bar_height: float
    bars: list[Bar]
    target: float | None  # the x of a goal's target, if drawn

    @property
    def label_x(self) -> float:
        return self.label_width - 4

    @property
    def text_dy(self) -> float:
        return self.bar_height - 3


BAR_HEIGHT, BAR_GAP, LABEL_WIDTH, VALUE_ROOM = 14.0, 6.0, 110.0, 58.0
LABEL_CHARS = 18


def _short(label: str) -> str:
    return label if len(label) <= LABEL_CHARS else label[: LABEL_CHARS - 1] + "…"


def bar_chart(
    *,
    rows: Sequence[tuple[str, float | None, str]],
    target: float | None = None,
) -> BarChart:
    """One horizontal bar per row ``(label, value or None, text)``, on one scale from 0."""
    values = [value for _l, value, _t in rows if value is not None]
    top_value = nice_ceiling(max([*values, target or 0.0, 0.0]))
    room = WIDTH - LABEL_WIDTH - VALUE_ROOM
    bars = []
    for index, (label, value, text) in enumerate(rows):
        length = 0.0 if value is None else room * value / top_value
        bars.append(
            Bar(
                label=_short(label),
                y=round(index * (BAR_HEIGHT + BAR_GAP), 1),
                width=round(max(length, 1.0) if value else 0.0, 1),
                text=text,
                text_x=round(LABEL_WIDTH + length + 4, 1),
                shown=value is not None,
            )
        )
    return BarChart(
        width=WIDTH,
        height=max(len(rows), 1) * (BAR_HEIGHT + BAR_GAP),
        label_width=LABEL_WIDTH,
        bar_height=BAR_HEIGHT,
        bars=bars,
        target=None if target is None else round(LABEL_WIDTH + room * target / top_value, 1),
    )
