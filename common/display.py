"""Exact figures written for the eye, in the reader's language: rounded half-even only here."""

from __future__ import annotations

from decimal import ROUND_HALF_EVEN, Decimal
from fractions import Fraction

from django.utils.formats import number_format
from django.utils.translation import ngettext


def as_fraction(value: object) -> Fraction:
    return Fraction(str(value)) if value not in (None, "") else Fraction(0)


def round_half_even(value: Fraction, places: int) -> Decimal:
    """Rounded half-even here: ``number_format`` would cut the digits off instead."""
    exact = Decimal(value.numerator) / Decimal(value.denominator)
    return exact.quantize(Decimal(1).scaleb(-places), rounding=ROUND_HALF_EVEN)


def number_text(value: object, places: int = 2) -> str:
    """A weight as a number: "3", or "1.5" / "1,5" for a split vote (localised)."""
    value = as_fraction(value)
    if value.denominator == 1:
        return str(value.numerator)
    shown = round_half_even(value, places).normalize()
    decimals = max(-shown.as_tuple().exponent, 0)
    return number_format(shown, decimal_pos=decimals, use_l10n=True)


def percent_text(value: object) -> str:
    """A share as a percentage with one decimal: "66,7 %" in French, "66.7 %" in English (a
    no-break space before the sign, so that a narrow screen does not leave it alone on a line)."""
    percent = round_half_even(as_fraction(value) * 100, 1)
    return f"{number_format(percent, decimal_pos=1, use_l10n=True)}\u00a0%"


MINUTES_PER_HOUR = 60
MINUTES_PER_DAY = 24 * MINUTES_PER_HOUR
HOURS_UP_TO = 48  # "48 hours" reads better than "2 days" for a notice period


def duration_text(minutes: int) -> str:
    """A length of time in the unit people use for it: "90 minutes", "24 hours", "3 days"
    (whole hours up to two days, whole days beyond; anything else in minutes)."""
    if minutes and minutes % MINUTES_PER_HOUR == 0 and minutes <= HOURS_UP_TO * MINUTES_PER_HOUR:
        hours = minutes // MINUTES_PER_HOUR
        return ngettext("%(count)s hour", "%(count)s hours", hours) % {"count": hours}
    if minutes and minutes % MINUTES_PER_DAY == 0:
        days = minutes // MINUTES_PER_DAY
        return ngettext("%(count)s day", "%(count)s days", days) % {"count": days}
    return ngettext("%(count)s minute", "%(count)s minutes", minutes) % {"count": minutes}
