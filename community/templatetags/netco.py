"""Template filters for localised money, rates, months and lengths of time (one way each:
``common.display``)."""

import datetime as dt

from django import template

from common.display import duration_text, money_text, rate_text, short_month_text

register = template.Library()


@register.filter
def money(cents: int | None, currency: str = "EUR") -> str:
    """Format integer cents in the active language's convention, e.g. ``1 234,50 €``."""
    if cents is None:
        return "—"
    return money_text(cents, currency)


@register.filter
def duration(minutes: int | None) -> str:
    """A number of minutes in people's units: ``1440|duration`` is "24 hours"."""
    return "—" if minutes is None else duration_text(minutes)


@register.filter
def rate(percent: object) -> str:
    """A rate kept in percent ("2.5", a scheme's parameter) in the language's pattern, every
    digit kept: "2.5%", "2,5 %"."""
    return "—" if percent in (None, "") else rate_text(percent)


@register.filter
def short_month(month: dt.date | None) -> str:
    """A month in a table's head or a chart: "Dec 2026" ("December 2026" in sentences is
    ``month|date:"YEAR_MONTH_FORMAT"``)."""
    return "" if month is None else short_month_text(month)
