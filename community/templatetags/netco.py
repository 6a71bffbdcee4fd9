"""Template filters for localised money and dates."""

from decimal import Decimal

from babel.numbers import format_currency
from django import template
from django.utils.translation import get_language, to_locale

register = template.Library()


@register.filter
def money(cents: int | None, currency: str = "EUR") -> str:
    """Format integer cents in the active language's convention, e.g. ``1 234,50 €``."""
    if cents is None:
        return "—"
    locale = to_locale(get_language() or "en")
    return format_currency(Decimal(cents) / 100, currency, locale=locale)
