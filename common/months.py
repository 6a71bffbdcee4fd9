"""Calendar months as dates: a month is the date of its first day."""

from __future__ import annotations

import calendar
import datetime as dt


def first_of_month(day: dt.date) -> dt.date:
    return day.replace(day=1)


def last_of_month(day: dt.date) -> dt.date:
    return day.replace(day=calendar.monthrange(day.year, day.month)[1])


def add_months(day: dt.date, months: int) -> dt.date:
    """The same day ``months`` later (earlier when negative), or the month's last day where
    the month is shorter: 31 January + 1 month is 28 or 29 February."""
    year, month_index = divmod(day.year * 12 + day.month - 1 + months, 12)
    first = dt.date(year, month_index + 1, 1)
    return first.replace(day=min(day.day, last_of_month(first).day))


def months_ending(month: dt.date, count: int) -> list[dt.date]:
    """``count`` months up to and including ``month``, the oldest first."""
    return [add_months(month, offset) for offset in range(1 - count, 1)]


def quarter_of(month: dt.date) -> dt.date:
    """The first month of the calendar quarter that holds ``month``."""
    return dt.date(month.year, 3 * ((month.month - 1) // 3) + 1, 1)
