"""Writing indicator figures in the reader's language: shares as percentages, amounts in the
city's currency, counts and rates with the language's separators (Babel, CLDR data).

A suppressed cell shows "< k" for a small count and "—" otherwise, never a number; a month
without a published cell shows "·".

A dashboard writes a thousand figures or more: the language's symbols and percent pattern are
read from CLDR once per language (``common.display``), and a table row is written by one tag
rather than a few template nodes per cell.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from decimal import ROUND_HALF_EVEN, Decimal

from django import template
from django.utils import formats
from django.utils.html import escape
from django.utils.safestring import SafeString, mark_safe
from django.utils.translation import gettext as _

from common.display import decimal_text, money_text, percent_text
from community.monitoring.models import IndicatorUnit
from community.monitoring.selectors.dashboards import Figure, indicator_label, indicator_short_label

register = template.Library()

SUPPRESSED = "—"
MISSING = "·"
NUMBER_PLACES = Decimal("0.01")  # 1.25 bookings per household


def value_text(value: Decimal | float, unit: str, currency: str = "EUR") -> str:
    """A published value in the active language: 0.234 share → "23.4%" ("23,4 %" in French);
    123456 cents → "€1,234.56"; 12 → "12"; 1.25 bookings per household → "1.25"."""
    number = Decimal(str(value))
    if unit in (IndicatorUnit.SHARE, IndicatorUnit.RATIO):
        return percent_text(number)
    if unit == IndicatorUnit.CENTS:
        return money_text(number, currency)
    if unit == IndicatorUnit.COUNT:
        return decimal_text(number.quantize(Decimal(1), rounding=ROUND_HALF_EVEN))
    return decimal_text(number.quantize(NUMBER_PLACES, rounding=ROUND_HALF_EVEN).normalize())


def figure_text(figure: Figure | None) -> str:
    """What a cell says as plain text (charts' titles, tables)."""
    if figure is None or figure.missing:
        return MISSING
    if figure.suppressed:
        return figure.display or SUPPRESSED
    return value_text(figure.value, figure.unit, figure.currency)


def _figure_html(cell: Figure | None, titles: tuple[str, str]) -> str:
    """A cell's HTML; ``titles`` say why a month has no figure, and why one is hidden."""
    if cell is None or cell.missing:
        return f'<span class="fig-missing" title="{titles[0]}">{MISSING}</span>'
    if cell.suppressed:
        shown = escape(cell.display or SUPPRESSED)
        return f'<span class="fig-suppressed" title="{titles[1]}">{shown}</span>'
    return escape(value_text(cell.value, cell.unit, cell.currency))


def _titles() -> tuple[str, str]:
    return (
        escape(_("Not published for this month")),
        escape(_("Hidden: it would describe too few households")),
    )


@register.filter(name="figure_text")
def figure_text_filter(figure: Figure | None) -> str:
    return figure_text(figure)


@register.simple_tag
def figure(cell: Figure | None) -> SafeString:
    """A cell for a table: the value, or a marked "< k" / "—" that says why there is none."""
    return mark_safe(_figure_html(cell, _titles()))  # noqa: S308 - escaped in _figure_html


@register.simple_tag
def figure_cells(cells: Sequence[Figure | None], labels: Sequence[str]) -> SafeString:
    """A table row's cells, each labelled (``data-label``) for the phone layout."""
    titles = _titles()
    return mark_safe(  # noqa: S308 - every part is escaped
        "".join(
            f'<td class="num" data-label="{escape(label)}">{_figure_html(cell, titles)}</td>'
            for label, cell in zip(labels, cells, strict=True)
        )
    )


@register.filter
def indicator_name(code: str) -> str:
    return indicator_label(code)


@register.filter
def indicator_short_name(code: str) -> str:
    return indicator_short_label(code)


@register.filter
def month_label(month: dt.date | None) -> str:
    """A month in the language's words: "March 2025", "mars 2025"."""
    if month is None:
        return ""
    return formats.date_format(month, "YEAR_MONTH_FORMAT")


@register.filter
def month_value(month: dt.date | None) -> str:
    """A month as it goes into a link: 2025-03."""
    return "" if month is None else f"{month:%Y-%m}"


@register.filter
def quarter_label(start: dt.date) -> str:
    """A calendar quarter: "Q1 2025"."""
    return _("Q%(quarter)s %(year)s") % {"quarter": (start.month - 1) // 3 + 1, "year": start.year}


@register.filter
def quarter_value(start: dt.date) -> str:
    return f"{start.year}-Q{(start.month - 1) // 3 + 1}"
