"""Time arithmetic for spaces: opening hours, closures and quota periods, in the project's zone.

Everything is half-open [start, end) and timezone-aware. Local wall-clock rules (opening at 8:00,
a week from Monday) are turned into UTC instants day by day through ``zoneinfo``, so a period
that spans a daylight-saving change keeps its true length.
"""

from __future__ import annotations

import datetime as dt
import math
from collections.abc import Callable, Iterable, Sequence
from zoneinfo import ZoneInfo

Interval = tuple[dt.datetime, dt.datetime]

MINUTES_PER_DAY = 24 * 60


def project_zone(space) -> ZoneInfo:
    return ZoneInfo(space.project.city.time_zone)


def local_midnight(day: dt.date, zone: ZoneInfo) -> dt.datetime:
    return dt.datetime.combine(day, dt.time(0), tzinfo=zone)


def at_local_minute(day: dt.date, minute: int, zone: ZoneInfo) -> dt.datetime:
    """The instant of a wall-clock minute of a local day; minute 1440 is the next midnight.

    A wall-clock time skipped by a daylight-saving change resolves forwards (fold=0), as
    ``zoneinfo`` does.
    """
    if minute >= MINUTES_PER_DAY:
        return local_midnight(day + dt.timedelta(days=1), zone).astimezone(dt.UTC)
    naive = dt.datetime.combine(day, dt.time(minute // 60, minute % 60))
    return naive.replace(tzinfo=zone).astimezone(dt.UTC)


def on_grid(moment: dt.datetime, space, zone: ZoneInfo) -> dt.datetime:
    """The first moment at or after ``moment`` on the space's grid (counted from local
    midnight, as the booking rules count it)."""
    local = moment.astimezone(zone)
    minute = local.hour * 60 + local.minute + (1 if local.second or local.microsecond else 0)
    minute = math.ceil(minute / space.slot_minutes) * space.slot_minutes
    return at_local_minute(local.date(), minute, zone)


def local_days(start: dt.datetime, end: dt.datetime, zone: ZoneInfo) -> list[dt.date]:
    """Every local date that [start, end) touches."""
    first = start.astimezone(zone).date()
    last = (end - dt.timedelta(microseconds=1)).astimezone(zone).date()
    return [first + dt.timedelta(days=n) for n in range((last - first).days + 1)]


def merge(intervals: Iterable[Interval]) -> list[Interval]:
    """Sort and join overlapping or touching intervals."""
    merged: list[Interval] = []
    for start, end in sorted(intervals):
        if merged and start <= merged[-1][1]:
            if end > merged[-1][1]:
                merged[-1] = (merged[-1][0], end)
        else:
            merged.append((start, end))
    return merged


def subtract(intervals: Sequence[Interval], holes: Iterable[Interval]) -> list[Interval]:
    """The parts of ``intervals`` (merged, sorted) not covered by any hole."""
    result = list(intervals)
    for hole_start, hole_end in merge(holes):
        pieces: list[Interval] = []
        for start, end in result:
            if hole_end <= start or hole_start >= end:
                pieces.append((start, end))
                continue
            if start < hole_start:
                pieces.append((start, hole_start))
            if hole_end < end:
                pieces.append((hole_end, end))
        result = pieces
    return result


def clip(intervals: Iterable[Interval], start: dt.datetime, end: dt.datetime) -> list[Interval]:
    return [(max(s, start), min(e, end)) for s, e in intervals if s < end and e > start]


def covers(intervals: Sequence[Interval], start: dt.datetime, end: dt.datetime) -> bool:
    """Whether one merged interval holds all of [start, end)."""
    return any(s <= start and end <= e for s, e in merge(intervals))


def opening_intervals(
    hours: Sequence[tuple[int, int, int]], start: dt.datetime, end: dt.datetime, zone: ZoneInfo
) -> list[Interval]:
    """When a space is open within [start, end), merged across midnight.

    ``hours`` holds (weekday, opens_minute, closes_minute) rows; none means always open.
    """
    if not hours:
        return [(start, end)]
    by_weekday: dict[int, list[tuple[int, int]]] = {}
    for weekday, opens, closes in hours:
        by_weekday.setdefault(weekday, []).append((opens, closes))
    # One day more on each side: an interval of the day before may run past midnight.
    days = local_days(start - dt.timedelta(days=1), end + dt.timedelta(days=1), zone)
    intervals = [
        (at_local_minute(day, opens, zone), at_local_minute(day, closes, zone))
        for day in days
        for opens, closes in by_weekday.get(day.weekday(), ())
    ]
    return clip(merge(intervals), start, end)


def week_bounds(moment: dt.datetime, zone: ZoneInfo) -> Interval:
    """The local calendar week (Monday to Monday) that holds the moment."""
    day = moment.astimezone(zone).date()
    monday = day - dt.timedelta(days=day.weekday())
    return (
        local_midnight(monday, zone).astimezone(dt.UTC),
        local_midnight(monday + dt.timedelta(days=7), zone).astimezone(dt.UTC),
    )


def month_bounds(moment: dt.datetime, zone: ZoneInfo) -> Interval:
    """The local calendar month that holds the moment."""
    day = moment.astimezone(zone).date().replace(day=1)
    following = (day + dt.timedelta(days=32)).replace(day=1)
    return (
        local_midnight(day, zone).astimezone(dt.UTC),
        local_midnight(following, zone).astimezone(dt.UTC),
    )


def periods_touching(
    start: dt.datetime,
    end: dt.datetime,
    bounds: Callable[[dt.datetime, ZoneInfo], Interval],
    zone: ZoneInfo,
) -> list[Interval]:
    """The periods (``week_bounds``, ``month_bounds``) that [start, end) touches, in order."""
    periods = []
    moment = start
    while moment < end:
        period = bounds(moment, zone)
        periods.append(period)
        moment = period[1]
    return periods


def quota_periods(
    space, start: dt.datetime, end: dt.datetime
) -> list[tuple[str, int, list[Interval]]]:
    """("week" or "month", limit in minutes, [period, …]) for each quota the space sets, with
    the local weeks or months that [start, end) touches (a booking over a boundary counts in
    both)."""
    zone = project_zone(space)
    return [
        (name, limit, periods_touching(start, end, bounds, zone))
        for name, limit, bounds in (
            ("week", space.quota_week_minutes, week_bounds),
            ("month", space.quota_month_minutes, month_bounds),
        )
        if limit is not None
    ]


def overlap_minutes(a: Interval, b: Interval) -> int:
    seconds = (min(a[1], b[1]) - max(a[0], b[0])).total_seconds()
    return max(0, int(seconds // 60))


def minutes_from_local_midnight(moment: dt.datetime, zone: ZoneInfo) -> int:
    local = moment.astimezone(zone)
    return local.hour * 60 + local.minute
