"""When spaces are free. Reads only; a fixed number of queries per space, whatever the bookings."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable

from community.models import Booking, Space
from community.models.bookings import BLOCKING_STATUSES
from community.schedule import Interval, merge, opening_intervals, project_zone, subtract


def space_opening_rows(*, space: Space) -> list[tuple[int, int, int]]:
    return list(space.opening_hours.values_list("weekday", "opens_minute", "closes_minute"))


def space_closures(*, space: Space, start: dt.datetime, end: dt.datetime) -> list[Interval]:
    return list(space.closures.filter(start__lt=end, end__gt=start).values_list("start", "end"))


def space_blocking_periods(
    *, space: Space, start: dt.datetime, end: dt.datetime, exclude_booking_id: int | None = None
) -> list[tuple[int, dt.datetime, dt.datetime]]:
    """(unit, start, blocked_until) of every pending or confirmed booking touching the period."""
    bookings = Booking.objects.filter(
        space=space, status__in=BLOCKING_STATUSES, start__lt=end, blocked_until__gt=start
    )
    if exclude_booking_id is not None:
        bookings = bookings.exclude(pk=exclude_booking_id)
    return list(bookings.values_list("unit", "start", "blocked_until"))


def unit_free_intervals(
    *,
    open_intervals: list[Interval],
    blocking: Iterable[tuple[int, dt.datetime, dt.datetime]],
    unit: int,
    buffer: dt.timedelta,
) -> list[Interval]:
    """Where a new booking of one unit may lie: open, and clear of every blocking booking.

    A new booking [s, e) blocks [s, e + buffer); it fits beside an existing [b, u) when
    e + buffer <= b or s >= u, so the buffer is taken off the end of each free interval.
    """
    taken = [(start, until) for booked_unit, start, until in blocking if booked_unit == unit]
    free = subtract(open_intervals, taken)
    trimmed = []
    for start, end in free:
        followed_by_booking = any(booked_start == end for booked_start, _ in taken)
        end = end - buffer if followed_by_booking else end
        if end > start:
            trimmed.append((start, end))
    return trimmed


def space_free_intervals(*, space: Space, start: dt.datetime, end: dt.datetime) -> list[Interval]:
    """Periods in [start, end) where at least one unit of the space is free to book.

    Opening hours, closures, other bookings and buffers are respected; rules that depend on the
    household (quota, advance window) are the caller's.
    """
    zone = project_zone(space)
    open_now = subtract(
        opening_intervals(space_opening_rows(space=space), start, end, zone),
        space_closures(space=space, start=start, end=end),
    )
    blocking = space_blocking_periods(space=space, start=start, end=end)
    buffer = dt.timedelta(minutes=space.buffer_minutes)
    return merge(
        interval
        for unit in range(1, space.units + 1)
        for interval in unit_free_intervals(
            open_intervals=open_now, blocking=blocking, unit=unit, buffer=buffer
        )
    )
