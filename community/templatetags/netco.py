"""Template filters for localised money, dates and lengths of time."""

from decimal import Decimal

from babel.numbers import format_currency
from django import template
from django.utils.translation import get_language, to_locale

from common.display import duration_text

register = template.Library()


@register.filter
def money(cents: int | None, currency: str = "EUR") -> str:
    """Format integer cents in the active language's convention, e.g. ``1 234,50 €``."""
    if cents is None:
        return "—"
    locale = to_locale(get_language() or "en")
    return format_currency(Decimal(cents) / 100, currency, locale=locale)


@register.filter
def duration(minutes: int | None) -> str:
    """A number of minutes in people's units: ``1440|duration`` is "24 hours"."""
    return "—" if minutes is None else duration_text(minutes)
