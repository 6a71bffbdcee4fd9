"""Chart geometry is machine-read: however the reader's language writes numbers, every SVG
coordinate stays a plain decimal number (a comma would garble the chart)."""

import re

import pytest
from django.template.loader import render_to_string
from django.utils import translation

from common.charts import bar_chart, line_chart

COMMA_LANGUAGES = ["ca", "es", "fr", "de", "it", "nl", "sl", "hr", "nb", "ro", "hu", "el"]
NUMBER = r"-?\d+(?:\.\d+)?"
GEOMETRY = re.compile(r'\b(x|y|x1|x2|y1|y2|cx|cy|r|dy|width|height|viewBox|points)="([^"]*)"')


def line():
    return line_chart(
        labels=["Jan", "Feb", "Mar", "Apr"],
        series=[
            ("Households", "line-1", [10.5, None, 12.25, 13.125], ["10,5", "", "12,25", "13,1"]),
            ("Residents", "line-2", [20.75, 21.5, 22.125, 23.5], ["a", "b", "c", "d"]),
        ],
        y_text=lambda value: f"{value:.1f}",
        target=11.5,
    )


def bars():
    return bar_chart(
        rows=[("Project A", 0.4375, "43.8 %"), ("", 0.125, "12.5 %", "second"), ("B", None, "<10")],
        target=0.3,
    )


CHARTS = [
    ("common/_line_chart.html", {"chart": line(), "svg_class": "chart", "title": "Trend"}),
    (
        "common/_line_chart.html",
        {"chart": line(), "svg_class": "", "title": "", "dot_radius": "2.4"},
    ),
    ("common/_bar_chart.html", {"chart": bars(), "svg_class": "chart", "title": ""}),
    ("common/_bar_chart.html", {"chart": bars(), "svg_class": "", "title": "Compared"}),
    (
        "community/contributions/_line_chart.html",
        {"chart": line(), "title": "Trend", "legend": None},
    ),
    ("community/contributions/_bar_chart.html", {"chart": bars(), "title": "Histogram"}),
]


@pytest.mark.parametrize("language", COMMA_LANGUAGES)
@pytest.mark.parametrize(("template", "context"), CHARTS)
def test_every_chart_writes_its_geometry_as_plain_numbers(template, context, language):
    with translation.override(language):
        svg = render_to_string(template, context)
    attributes = GEOMETRY.findall(svg)
    assert len(attributes) > 10
    for name, value in attributes:
        if name == "points":
            pairs = value.split()
            assert pairs and all(re.fullmatch(f"{NUMBER},{NUMBER}", pair) for pair in pairs), value
        elif name == "viewBox":
            assert re.fullmatch(f"{NUMBER} {NUMBER} {NUMBER} {NUMBER}", value), value
        else:
            assert re.fullmatch(NUMBER, value), (name, value)
    # The numbers of the drawing are those of the geometry, to the last decimal.
    chart = context["chart"]
    assert f'viewBox="0 0 {chart.width} {chart.height}"' in svg
