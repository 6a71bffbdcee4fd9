"""Exact figures written for the eye, in the reader's language: rounded half-even only here.

One way per kind, from the language's CLDR data (Babel): a number with its decimal sign and
grouping, a percentage with the language's percent pattern ("84.4%" in English, "84,4 %" in
French, "84,4%" in Hungarian), an amount with its currency as the language writes it, and a
month in a table or on a chart's axis ("Dec 2026", "déc. 2026", "2026. dec."). Dates and
times go through Django's formats: DATE_FORMAT in sentences, SHORT_DATE_FORMAT in tables.
What a machine reads (CSV, .ics, data attributes, SVG geometry) never comes here.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from decimal import ROUND_HALF_EVEN, Decimal
from fractions import Fraction
from functools import lru_cache

from babel import Locale
from babel.dates import format_skeleton
from babel.numbers import format_currency, parse_pattern
from django.utils.translation import get_language, ngettext, to_locale

SAMPLE = 50  # a number whose writing shows where a pattern puts its signs
_QUANTUM = {places: Decimal(1).scaleb(-places) for places in range(8)}


@dataclass(frozen=True)
class NumberSymbols:
    locale: Locale
    decimal: str
    group: str
    percent_prefix: str
    percent_suffix: str


@lru_cache(maxsize=64)
def _symbols_of(language: str) -> NumberSymbols:
    locale = Locale.parse(to_locale(language))
    pattern = parse_pattern(locale.percent_formats[None])
    prefix, _sample, suffix = pattern.apply(Decimal(SAMPLE) / 100, locale).partition(str(SAMPLE))
    symbols = locale.number_symbols["latn"]
    return NumberSymbols(locale, symbols["decimal"], symbols["group"], prefix, suffix)


def number_symbols() -> NumberSymbols:
    """The active language's decimal sign, grouping sign and where its percent pattern puts the
    percent sign (and the no-break space some languages put before it), read once."""
    return _symbols_of(get_language() or "en")


def as_fraction(value: object) -> Fraction:
    return Fraction(str(value)) if value not in (None, "") else Fraction(0)


def round_half_even(value: Fraction, places: int) -> Decimal:
    """Rounded half-even here, never cut off."""
    exact = Decimal(value.numerator) / Decimal(value.denominator)
    return exact.quantize(Decimal(1).scaleb(-places), rounding=ROUND_HALF_EVEN)


def decimal_text(number: Decimal) -> str:
    """A decimal as it is (its digits kept) with the language's signs: 1234.5 → "1,234.5" in
    English, "1 234,5" in French."""
    symbols = number_symbols()
    sign = "-" if number < 0 else ""
    whole, _point, fraction = format(abs(number), "f").partition(".")
    groups = []
    while len(whole) > 3:
        whole, groups = whole[:-3], [whole[-3:], *groups]
    text = symbols.group.join([whole, *groups])
    return f"{sign}{text}{symbols.decimal}{fraction}" if fraction else f"{sign}{text}"


def number_text(value: object, places: int = 2) -> str:
    """A weight or a count as a number: "3", or "1.5" / "1,5" for a split vote, rounded to
    ``places`` with no trailing zeros."""
    value = as_fraction(value)
    if value.denominator == 1:
        return decimal_text(Decimal(value.numerator))
    shown = round_half_even(value, places).normalize()
    return decimal_text(shown)


def percent_text(value: object, places: int = 1) -> str:
    """A share (0.844, "2/3", a Fraction) as a percentage in the language's pattern, with
    ``places`` decimals: "84.4%" in English, "84,4 %" in French (a no-break space, so that a
    narrow screen does not leave the sign alone on a line). Axis ticks use ``places=0``."""
    symbols = number_symbols()
    if isinstance(value, Decimal | int):  # exact already: no Fraction (a dashboard has many)
        percent = (Decimal(value) * 100).quantize(_QUANTUM[places], rounding=ROUND_HALF_EVEN)
    else:
        percent = round_half_even(as_fraction(value) * 100, places)
    return f"{symbols.percent_prefix}{decimal_text(percent)}{symbols.percent_suffix}"


def rate_text(percent: object) -> str:
    """A rate kept in percent (a scheme's "2.5", exact) in the language's percent pattern,
    every digit kept: "2.5%" in English, "2,5 %" in French."""
    symbols = number_symbols()
    digits = decimal_text(Decimal(str(percent)).normalize())
    return f"{symbols.percent_prefix}{digits}{symbols.percent_suffix}"


def money_text(cents: int | Decimal, currency: str = "EUR") -> str:
    """Integer cents in the language's way with its currency: "€1,234.50", "1 234,50 €"."""
    return format_currency(Decimal(cents) / 100, currency, locale=number_symbols().locale)


def short_month_text(month: dt.date) -> str:
    """A month heading a column of a series of months, or on a chart's axis: "Dec 2026",
    "déc. 2026", "2026. dec." (elsewhere, in sentences and in a table's cells, a month is
    ``YEAR_MONTH_FORMAT``: "December 2026")."""
    return _short_month(get_language() or "en", month.year, month.month)


@lru_cache(maxsize=1024)
def _short_month(language: str, year: int, month: int) -> str:
    return format_skeleton("yMMM", dt.date(year, month, 1), locale=_symbols_of(language).locale)


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
