"""How indicator figures are written and drawn: numbers in the reader's language, suppressed and
missing cells never as a number, charts that break at a hidden month."""

from __future__ import annotations

from decimal import Decimal

import pytest
from django.utils import translation

from common.charts import bar_chart, line_chart, nice_ceiling
from community.monitoring.models import IndicatorUnit
from community.monitoring.selectors.dashboards import Figure, json_number, plain_value
from community.templatetags.indicators import figure_cells, figure_text, value_text

SPACES = "\u00a0\u202f "


@pytest.mark.parametrize(
    ("language", "value", "unit", "expected"),
    [
        ("en", "0.3125", IndicatorUnit.SHARE, "31.2%"),  # half-even, one decimal
        ("en", "0.25", IndicatorUnit.SHARE, "25.0%"),
        ("fr", "0.3125", IndicatorUnit.SHARE, "31,2 %"),
        ("de", "0.5", IndicatorUnit.RATIO, "50,0 %"),
        ("en", "1234", IndicatorUnit.COUNT, "1,234"),
        ("fr", "1234", IndicatorUnit.COUNT, "1 234"),
        ("en", "17", IndicatorUnit.COUNT, "17"),
        ("en", "1.254", IndicatorUnit.NUMBER, "1.25"),
        ("es", "1.5", IndicatorUnit.NUMBER, "1,5"),
        ("en", "150000", IndicatorUnit.CENTS, "€1,500.00"),
        ("fr", "150000", IndicatorUnit.CENTS, "1 500,00 €"),
    ],
)
def test_values_are_written_in_the_readers_language(language, value, unit, expected):
    with translation.override(language):
        written = value_text(Decimal(value), unit, "EUR")
    normalised = "".join(" " if char in SPACES else char for char in written)
    assert normalised == expected


def test_a_hidden_or_missing_cell_never_shows_a_number():
    assert figure_text(Figure(None, True, "< 10", IndicatorUnit.COUNT)) == "< 10"
    assert figure_text(Figure(None, True, "", IndicatorUnit.SHARE)) == "—"
    assert figure_text(Figure(None, False, "", IndicatorUnit.SHARE)) == "·"
    assert figure_text(None) == "·"
    with translation.override("en"):
        cells = figure_cells(
            [Figure(Decimal("0.2"), unit=IndicatorUnit.SHARE), Figure(None, True, "< 10")],
            ["Share", "Households <b>"],
        )
    assert '<td class="num" data-label="Share">20.0%</td>' in cells
    assert 'data-label="Households &lt;b&gt;"' in cells
    assert "&lt; 10</span>" in cells


def test_machine_values_have_a_point_and_no_trailing_zeros():
    assert plain_value(Decimal("0.250000")) == "0.25"
    assert plain_value(Decimal("12.000000")) == "12"
    assert plain_value(Decimal("0.000000")) == "0"
    assert plain_value(None) == ""
    assert json_number(Decimal("12.000000")) == 12
    assert json_number(Decimal("0.312500")) == 0.3125
    assert json_number(None) is None


@pytest.mark.parametrize(
    ("value", "ceiling"),
    [(0, 1), (0.31, 0.5), (0.5, 0.5), (0.51, 1), (24, 25), (26, 50), (1234, 2000), (7, 10)],
)
def test_the_axis_ends_at_a_round_number(value, ceiling):
    assert nice_ceiling(value) == pytest.approx(ceiling)


def test_a_line_breaks_at_a_hidden_month_and_labels_the_latest():
    chart = line_chart(
        labels=[f"M{n}" for n in range(1, 9)],
        series=[("City", "line-1", [0.1, None, 0.2, 0.3, None, None, 0.25, 0.2], ["t"] * 8)],
        y_text=lambda value: f"{value:.0%}",
    )
    (line,) = chart.lines
    assert len(line.segments) == 3
    assert len(line.points) == 5
    assert [tick.text for tick in chart.y_ticks] == ["0%", "25%", "50%"]
    assert chart.x_ticks[-1].text == "M8"
    # Higher values are drawn higher: y grows downwards in SVG.
    assert line.points[2].y < line.points[0].y


def test_count_axes_have_whole_ticks_and_a_target_line():
    chart = line_chart(
        labels=["a", "b"],
        series=[("P", "line-1", [12.0, 24.0], ["12", "24"])],
        y_text=lambda value: f"{value:g}",
        target=20.0,
        whole=True,
    )
    assert [tick.text for tick in chart.y_ticks] == ["0", "25"]  # no 12.5
    assert chart.bottom > chart.target > chart.top


def test_bars_leave_out_hidden_figures():
    chart = bar_chart(rows=[("A", 0.25, "25%"), ("B", None, "—"), ("C", 0.5, "50%")])
    assert [bar.shown for bar in chart.bars] == [True, False, True]
    assert chart.bars[1].width == 0
    assert chart.bars[2].width == pytest.approx(2 * chart.bars[0].width, abs=0.2)
