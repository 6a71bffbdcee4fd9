"""Fair use of a space: who booked how many hours, aggregated in the database.

A booking counts as used when it is confirmed, or when someone checked into it whatever its
status says now; pending, cancelled, rejected and released (nobody came) bookings do not. Its
time is clipped to the period asked for, so a booking over the period's edge counts only inside.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from dataclasses import dataclass

from django.db.models import (
    DateTimeField,
    DurationField,
    ExpressionWrapper,
    F,
    Q,
    QuerySet,
    Sum,
    Value,
)
from django.db.models.functions import Greatest, Least

from community.bookings.models import Booking, BookingStatus, Space

USED = Q(status=BookingStatus.CONFIRMED) | Q(checked_in_at__isnull=False)


@dataclass(frozen=True)
class UsageRow:
    household_id: int
    unit_label: str
    minutes: int
    share: float  # of all the hours booked in the period, from 0 to 1

    @property
    def hours(self) -> float:
        return self.minutes / 60


def _clipped_duration(start: dt.datetime, end: dt.datetime) -> ExpressionWrapper:
    """least(end, period end) − greatest(start, period start), as an interval.

    Django turns the subtraction of two datetimes into an interval on PostgreSQL and into
    microseconds (django_timestamp_diff) on SQLite; Sum of either comes back as a timedelta.
    """
    return ExpressionWrapper(
        Least(F("end"), Value(end, output_field=DateTimeField()))
        - Greatest(F("start"), Value(start, output_field=DateTimeField())),
        output_field=DurationField(),
    )


def _used_bookings(*, space: Space, start: dt.datetime, end: dt.datetime) -> QuerySet[Booking]:
    return (
        Booking.objects.filter(space=space, start__lt=end, end__gt=start)
        .filter(USED)
        # Clear Booking's default ordering, or its columns would join the GROUP BY.
        .order_by()
    )


def _minutes(total: dt.timedelta | None) -> int:
    return int(total.total_seconds() // 60) if total else 0


def household_used_minutes(
    *,
    space: Space,
    start: dt.datetime,
    end: dt.datetime,
    household_ids: Iterable[int] | None = None,
) -> dict[int, int]:
    """Minutes each household used the space over [start, end); one query."""
    bookings = _used_bookings(space=space, start=start, end=end)
    if household_ids is not None:
        bookings = bookings.filter(household_id__in=list(household_ids))
    rows = bookings.values("household_id").annotate(total=Sum(_clipped_duration(start, end)))
    return {row["household_id"]: _minutes(row["total"]) for row in rows}


def space_usage(*, space: Space, start: dt.datetime, end: dt.datetime) -> list[UsageRow]:
    """Hours booked per household over [start, end), with its unit and share; one query.

    Sorted by hours, most first (then by unit, for a stable page).
    """
    rows = (
        _used_bookings(space=space, start=start, end=end)
        .values("household_id", "household__unit_label")
        .annotate(total=Sum(_clipped_duration(start, end)))
    )
    minutes = [
        (row["household_id"], row["household__unit_label"], _minutes(row["total"])) for row in rows
    ]
    everyone = sum(used for _id, _label, used in minutes)
    usage = [
        UsageRow(
            household_id=household_id,
            unit_label=label,
            minutes=used,
            share=used / everyone if everyone else 0.0,
        )
        for household_id, label, used in minutes
    ]
    return sorted(usage, key=lambda row: (-row.minutes, row.unit_label, row.household_id))
