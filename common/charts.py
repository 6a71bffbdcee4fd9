"""The geometry of every small chart drawn as inline SVG without a script: lines over months
(the indicator trends, affordability month by month) and horizontal bars (projects compared,
a histogram, two contribution schemes side by side). Pure: figures in, coordinates out. The
table of the same figures beside each chart is what screen readers, printers and the curious
read.

A suppressed or missing month breaks a line rather than joining its neighbours: a line drawn
across a hidden month would suggest a value there.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from fractions import Fraction

Number = int | float | Fraction

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
    series: Sequence[tuple[str, str, Sequence[Number | None], Sequence[str]]],
    y_text: Callable[[float], str],
    target: Number | None = None,
    whole: bool = False,
    max_ticks: int = MAX_MONTH_TICKS,
) -> LineChart:
    """``labels`` name the months; ``series`` are ``(label, css class, values, texts)`` with a
    value None where the month has none. The y axis runs from 0 to the round number at or
    above the largest value (and the target), 1 when there is none; ``whole`` (counts) leaves
    out a middle tick that would not be a whole number. At most ``max_ticks`` months are
    labelled: fewer leave room for a larger font."""
    values = [float(v) for _l, _c, vals, _t in series for v in vals if v is not None]
    target = None if target is None else float(target)
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
            point = Point(x_of(index), y_of(float(value)), f"{labels[index]}: {texts[index]}")
            points.append(point)
            run.append(f"{point.x},{point.y}")
        if run:
            segments.append(" ".join(run))
        lines.append(ChartLine(label, css, segments, points))
    shares = (0, 0.5, 1) if not whole or (top_value / 2).is_integer() else (0, 1)
    y_ticks = [Tick(y_of(top_value * share), y_text(top_value * share)) for share in shares]
    every = max(1, math.ceil(count / max_ticks))
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
    label: str  # shortened; "" for a bar that continues the row above's group
    group: str  # the full label of the bar's group, for titles
    y: float
    width: float
    text: str
    text_x: float
    shown: bool  # False for a suppressed or missing figure: no bar, its mark as text
    css: str = ""


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


BAR_HEIGHT, BAR_GAP, GROUP_GAP, LABEL_WIDTH, VALUE_ROOM = 14.0, 6.0, 2.0, 110.0, 58.0
LABEL_CHARS = 16  # what fits in LABEL_WIDTH at the chart font size


def _short(label: str, chars: int = LABEL_CHARS) -> str:
    return label if len(label) <= chars else label[: chars - 1] + "…"


def bar_chart(
    *,
    rows: Sequence[tuple[str, Number | None, str] | tuple[str, Number | None, str, str]],
    target: Number | None = None,
    value_room: float = VALUE_ROOM,
    label_width: float = LABEL_WIDTH,
    label_chars: int = LABEL_CHARS,
) -> BarChart:
    """One horizontal bar per row ``(label, value or None, text[, css class])``, on one scale
    from 0; a negative value draws no bar. A row labelled "" joins the row above in a group:
    its bar sits close under it, the group's label written once (two schemes per household).
    ``value_room`` keeps space on the right for the value text; ``label_width`` on the left
    for the labels, shortened to ``label_chars`` (fewer for a larger font)."""
    values = [float(row[1]) for row in rows if row[1] is not None]
    target = None if target is None else float(target)
    top_value = nice_ceiling(max([*values, target or 0.0, 0.0]))
    room = WIDTH - label_width - value_room
    bars = []
    y, group = 0.0, ""
    for index, (label, value, text, *css) in enumerate(rows):
        if index and label:
            y += BAR_GAP
        elif index:
            y += GROUP_GAP
        group = label or group
        number = None if value is None else float(value)
        length = 0.0 if number is None else room * max(number, 0.0) / top_value
        bars.append(
            Bar(
                label=_short(label, label_chars),
                group=group,
                y=round(y, 1),
                width=round(max(length, 1.0) if number and number > 0 else 0.0, 1),
                text=text,
                text_x=round(label_width + length + 4, 1),
                shown=number is not None,
                css=css[0] if css else "",
            )
        )
        y += BAR_HEIGHT
    return BarChart(
        width=WIDTH,
        height=round(y + BAR_GAP, 1) if rows else BAR_HEIGHT + BAR_GAP,
        label_width=label_width,
        bar_height=BAR_HEIGHT,
        bars=bars,
        target=None if target is None else round(label_width + room * target / top_value, 1),
    )
