"""The time arithmetic of spaces (community/bookings/schedule.py), worked by hand: wall-clock
minutes to instants over both daylight-saving changes, the booking grid, opening hours across
midnight, calendar weeks and months as quota periods, and properties of the interval algebra.

The daylight-saving dates are the European Union's (Directive 2000/84/EC: the last Sundays of
March and October, at 01:00 UTC): in 2025, 30 March (Madrid skips 02:00–03:00 local) and
26 October (Madrid repeats 02:00–03:00 local).

Pure functions, so no database and no cache: plain pytest. A space is an unsaved model
instance, which is all the functions read.
"""

import datetime as dt
from zoneinfo import ZoneInfo

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from community.bookings.models import Space
from community.bookings.schedule import (
    MINUTES_PER_DAY,
    at_local_minute,
    clip,
    covers,
    local_days,
    local_midnight,
    merge,
    minutes_from_local_midnight,
    month_bounds,
    on_grid,
    opening_intervals,
    overlap_minutes,
    periods_touching,
    project_zone,
    quota_periods,
    subtract,
    week_bounds,
)
from members.models import City, HousingProject
from tests.properties import examples

# Hypothesis writes no example database into the working tree.
PROPERTY = settings(database=None, max_examples=examples(200), deadline=None)

MADRID = ZoneInfo("Europe/Madrid")
UTC = dt.UTC
SPRING = dt.date(2025, 3, 30)  # a Sunday: 23 hours in Madrid
AUTUMN = dt.date(2025, 10, 26)  # a Sunday: 25 hours in Madrid
MONDAY, TUESDAY, SUNDAY = 0, 1, 6


@pytest.fixture(autouse=True)
def _clean_cache():
    """Replaces the suite-wide fixture that clears Redis: these tests touch no cache."""
    yield


def utc(*args: int) -> dt.datetime:
    return dt.datetime(*args, tzinfo=UTC)


def space(zone: str = "Europe/Madrid", **rules) -> Space:
    return Space(project=HousingProject(city=City(time_zone=zone)), **rules)


def hm(text: str) -> int:
    hours, minutes = text.split(":")
    return int(hours) * 60 + int(minutes)


# --- Wall-clock minutes and instants ----------------------------------------------------------


def test_the_project_zone_is_its_citys():
    assert project_zone(space("America/New_York")) == ZoneInfo("America/New_York")


def test_local_midnight_is_in_the_zone():
    # 1 July: Madrid is on CEST, UTC+2.
    assert local_midnight(dt.date(2025, 7, 1), MADRID) == utc(2025, 6, 30, 22, 0)


def test_a_wall_clock_minute_becomes_its_instant_in_utc():
    moment = at_local_minute(dt.date(2025, 1, 15), hm("08:30"), MADRID)
    assert moment == utc(2025, 1, 15, 7, 30)
    assert moment.utcoffset() == dt.timedelta(0)


def test_the_last_minute_of_a_day_and_the_next_midnight():
    day = dt.date(2025, 1, 15)
    assert at_local_minute(day, MINUTES_PER_DAY - 1, MADRID) == utc(2025, 1, 15, 22, 59)
    assert MINUTES_PER_DAY == 1440
    midnight = at_local_minute(day, MINUTES_PER_DAY, MADRID)
    assert midnight == utc(2025, 1, 15, 23, 0)
    assert midnight.utcoffset() == dt.timedelta(0)


def test_minute_1440_on_the_short_spring_day_is_the_next_midnight():
    # 30 March 2025 has 23 hours in Madrid: 00:00 CET is 23:00 UTC the day before, and the next
    # midnight (CEST) is 22:00 UTC the same day.
    assert at_local_minute(SPRING, 0, MADRID) == utc(2025, 3, 29, 23, 0)
    assert at_local_minute(SPRING, MINUTES_PER_DAY, MADRID) == utc(2025, 3, 30, 22, 0)


def test_a_skipped_wall_clock_time_resolves_forwards():
    # 02:30 does not exist on 30 March 2025 in Madrid: read with the offset before the change
    # (CET, UTC+1) it is 01:30 UTC, which is 03:30 CEST.
    moment = at_local_minute(SPRING, hm("02:30"), MADRID)
    assert moment == utc(2025, 3, 30, 1, 30)
    assert moment.astimezone(MADRID).strftime("%H:%M") == "03:30"


def test_a_repeated_wall_clock_time_is_the_first_of_the_two():
    # 02:30 happens twice on 26 October 2025: first in CEST (00:30 UTC), then in CET.
    assert at_local_minute(AUTUMN, hm("02:30"), MADRID) == utc(2025, 10, 26, 0, 30)


def test_minutes_from_local_midnight():
    assert minutes_from_local_midnight(utc(2025, 1, 15, 7, 45), MADRID) == hm("08:45")
    assert minutes_from_local_midnight(utc(2025, 1, 15, 23, 0), MADRID) == 0


# --- The booking grid -----------------------------------------------------------------------


@pytest.mark.parametrize(
    "local, expected",
    [
        ("10:00:00", "10:00"),  # on the grid: unchanged
        ("10:07:00", "10:15"),
        ("10:15:00", "10:15"),
        ("10:15:01", "10:30"),  # a second past the grid is past it
        ("10:15:00.000001", "10:30"),  # and so is a microsecond
        ("10:16:00", "10:30"),
        ("10:29:59", "10:30"),
    ],
)
def test_on_grid_rounds_up_to_the_next_slot(local, expected):
    moment = dt.datetime.combine(dt.date(2025, 1, 15), dt.time.fromisoformat(local), MADRID)
    on = on_grid(moment, space(slot_minutes=15), MADRID)
    assert on.astimezone(MADRID) == dt.datetime.combine(
        dt.date(2025, 1, 15), dt.time.fromisoformat(expected), MADRID
    )


def test_on_grid_counts_hours_as_sixty_minutes_from_local_midnight():
    # A 40-minute grid from midnight: …, 09:20, 10:00, 10:40; 09:21 goes to 10:00.
    moment = dt.datetime(2025, 1, 15, 9, 21, tzinfo=MADRID)
    assert on_grid(moment, space(slot_minutes=40), MADRID) == utc(2025, 1, 15, 9, 0)


def test_on_grid_past_the_last_slot_of_the_day_is_the_next_midnight():
    moment = dt.datetime(2025, 1, 15, 23, 50, tzinfo=MADRID)
    assert on_grid(moment, space(slot_minutes=30), MADRID) == utc(2025, 1, 15, 23, 0)


# --- Local days -------------------------------------------------------------------------------


def test_local_days_are_the_dates_the_half_open_period_touches():
    start = dt.datetime(2025, 1, 15, 22, 0, tzinfo=MADRID)
    assert local_days(start, start + dt.timedelta(hours=2), MADRID) == [dt.date(2025, 1, 15)]
    assert local_days(start, start + dt.timedelta(hours=2, microseconds=1), MADRID) == [
        dt.date(2025, 1, 15),
        dt.date(2025, 1, 16),
    ]
    assert local_days(start, start + dt.timedelta(days=2), MADRID) == [
        dt.date(2025, 1, 15),
        dt.date(2025, 1, 16),
        dt.date(2025, 1, 17),
    ]


def test_local_days_are_local_not_utc():
    # 23:30 UTC on 15 January is 00:30 on the 16th in Madrid.
    assert local_days(utc(2025, 1, 15, 23, 30), utc(2025, 1, 16, 0, 30), MADRID) == [
        dt.date(2025, 1, 16)
    ]


# --- Interval algebra -------------------------------------------------------------------------


def h(hour: int, minute: int = 0) -> dt.datetime:
    return utc(2025, 1, 15, hour, minute)


def test_merge_sorts_and_joins_overlapping_and_touching_intervals():
    assert merge([(h(14), h(16)), (h(9), h(11)), (h(11), h(12)), (h(15), h(17))]) == [
        (h(9), h(12)),
        (h(14), h(17)),
    ]


def test_merge_keeps_an_interval_that_holds_the_next_one():
    assert merge([(h(9), h(17)), (h(10), h(11))]) == [(h(9), h(17))]


def test_merge_keeps_a_gap():
    assert merge([(h(9), h(10)), (h(10, 1), h(11))]) == [(h(9), h(10)), (h(10, 1), h(11))]


def test_subtract_cuts_holes_out():
    day = [(h(8), h(22))]
    assert subtract(day, [(h(12), h(13))]) == [(h(8), h(12)), (h(13), h(22))]
    # Holes at the edges, overlapping holes, a hole outside.
    assert subtract(day, [(h(7), h(9)), (h(21), h(23)), (h(10), h(11)), (h(10, 30), h(12))]) == [
        (h(9), h(10)),
        (h(12), h(21)),
    ]
    assert subtract(day, [(h(5), h(8)), (h(22), h(23))]) == day
    assert subtract(day, [(h(8), h(22))]) == []


def test_subtract_works_on_every_interval():
    assert subtract([(h(8), h(10)), (h(12), h(14))], [(h(9), h(13))]) == [
        (h(8), h(9)),
        (h(13), h(14)),
    ]


def test_clip_keeps_what_lies_within_the_bounds():
    intervals = [(h(6), h(9)), (h(10), h(11)), (h(12), h(20)), (h(20), h(21)), (h(5), h(8))]
    assert clip(intervals, h(8), h(20)) == [(h(8), h(9)), (h(10), h(11)), (h(12), h(20))]


def test_covers_needs_one_merged_interval_to_hold_the_whole_period():
    intervals = [(h(10), h(12)), (h(8), h(10)), (h(13), h(14))]
    assert covers(intervals, h(8), h(12))
    assert covers(intervals, h(9), h(11))
    assert covers(intervals, h(13), h(14))
    assert not covers(intervals, h(11), h(13, 30))
    assert not covers(intervals, h(7, 59), h(9))
    assert not covers(intervals, h(13), h(14, 1))
    assert not covers([], h(8), h(9))


def test_overlap_minutes():
    assert overlap_minutes((h(8), h(10)), (h(9), h(12))) == 60
    assert overlap_minutes((h(9), h(12)), (h(8), h(10))) == 60
    assert overlap_minutes((h(8), h(10)), (h(10), h(12))) == 0
    assert overlap_minutes((h(8), h(9)), (h(10), h(12))) == 0  # apart: never negative
    # Whole minutes only: 90 seconds count as one minute.
    assert overlap_minutes((h(8), h(9)), (h(8, 58) + dt.timedelta(seconds=30), h(10))) == 1


moments = st.integers(min_value=0, max_value=48).map(lambda n: h(0) + dt.timedelta(minutes=30 * n))
intervals = st.lists(
    st.tuples(moments, moments).filter(lambda pair: pair[0] < pair[1]).map(tuple), max_size=6
)


def covered(pieces, probes) -> set:
    return {p for p in probes if any(s <= p < e for s, e in pieces)}


PROBES = [h(0) + dt.timedelta(minutes=15 * n) for n in range(97)]


@PROPERTY
@given(intervals)
def test_property_merge_covers_the_same_time_with_disjoint_sorted_intervals(pieces):
    merged = merge(pieces)
    assert covered(merged, PROBES) == covered(pieces, PROBES)
    assert all(a[1] < b[0] for a, b in zip(merged, merged[1:], strict=False))


@PROPERTY
@given(intervals, intervals)
def test_property_subtract_leaves_what_no_hole_covers(pieces, holes):
    rest = subtract(merge(pieces), holes)
    assert covered(rest, PROBES) == covered(pieces, PROBES) - covered(holes, PROBES)
    assert all(s < e for s, e in rest)


# --- Opening hours ----------------------------------------------------------------------------


def test_no_opening_hours_means_always_open():
    assert opening_intervals([], h(3), h(5), MADRID) == [(h(3), h(5))]


def test_opening_hours_of_each_weekday_within_the_period():
    # Wednesday 15 and Thursday 16 January 2025; open 08:00–12:00 and 14:00–18:00 on Wednesdays
    # only, 09:00–10:00 on Thursdays. Madrid is UTC+1.
    hours = [(2, hm("08:00"), hm("12:00")), (2, hm("14:00"), hm("18:00")), (3, 540, 600)]
    start, end = utc(2025, 1, 14, 23, 0), utc(2025, 1, 16, 23, 0)
    assert opening_intervals(hours, start, end, MADRID) == [
        (utc(2025, 1, 15, 7, 0), utc(2025, 1, 15, 11, 0)),
        (utc(2025, 1, 15, 13, 0), utc(2025, 1, 15, 17, 0)),
        (utc(2025, 1, 16, 8, 0), utc(2025, 1, 16, 9, 0)),
    ]


def test_opening_hours_are_clipped_to_the_period():
    hours = [(2, hm("08:00"), hm("12:00"))]
    assert opening_intervals(hours, utc(2025, 1, 15, 9, 0), utc(2025, 1, 15, 10, 0), MADRID) == [
        (utc(2025, 1, 15, 9, 0), utc(2025, 1, 15, 10, 0))
    ]


def test_opening_hours_join_across_midnight():
    # Open Monday 20:00–24:00 and Tuesday 00:00–02:00: one evening, from a period that starts
    # on Tuesday at 01:00 (the Monday row is still needed) and one that ends on Monday at 23:00
    # (the Tuesday row is not).
    hours = [(MONDAY, hm("20:00"), MINUTES_PER_DAY), (TUESDAY, 0, hm("02:00"))]
    monday = dt.date(2025, 1, 13)
    evening = (utc(2025, 1, 13, 19, 0), utc(2025, 1, 14, 1, 0))
    whole_week = opening_intervals(
        hours, local_midnight(monday, MADRID), local_midnight(dt.date(2025, 1, 20), MADRID), MADRID
    )
    assert whole_week == [evening]
    assert opening_intervals(hours, utc(2025, 1, 14, 0, 0), utc(2025, 1, 14, 3, 0), MADRID) == [
        (utc(2025, 1, 14, 0, 0), evening[1])
    ]
    assert opening_intervals(hours, utc(2025, 1, 13, 18, 0), utc(2025, 1, 13, 22, 0), MADRID) == [
        (evening[0], utc(2025, 1, 13, 22, 0))
    ]


def test_opening_hours_on_the_days_the_clocks_change():
    # Open 01:00–04:00 every Sunday: three hours of the wall clock, two on the spring day and
    # four on the autumn day.
    hours = [(SUNDAY, hm("01:00"), hm("04:00"))]
    for day, hours_open in ((SPRING, 2), (AUTUMN, 4)):
        start = local_midnight(day, MADRID)
        ((opens, closes),) = opening_intervals(hours, start, start + dt.timedelta(days=1), MADRID)
        assert closes - opens == dt.timedelta(hours=hours_open)


# --- Quota periods ----------------------------------------------------------------------------


def test_the_week_runs_monday_to_monday_in_local_time():
    # Sunday 19 January 2025, 23:30 in Madrid (22:30 UTC): the week of Monday 13 January.
    assert week_bounds(utc(2025, 1, 19, 22, 30), MADRID) == (
        utc(2025, 1, 12, 23, 0),
        utc(2025, 1, 19, 23, 0),
    )
    # Half an hour later it is Monday in Madrid, still Sunday in UTC.
    assert week_bounds(utc(2025, 1, 19, 23, 0), MADRID)[0] == utc(2025, 1, 19, 23, 0)


def test_the_week_of_the_spring_change_is_an_hour_short():
    start, end = week_bounds(dt.datetime(2025, 3, 27, 12, tzinfo=MADRID), MADRID)
    assert (start, end) == (utc(2025, 3, 23, 23, 0), utc(2025, 3, 30, 22, 0))
    assert end - start == dt.timedelta(hours=7 * 24 - 1)
    assert start.utcoffset() == end.utcoffset() == dt.timedelta(0)


def test_the_month_is_the_local_calendar_month():
    # 31 January 2025, 23:30 in Madrid is 22:30 UTC: still January.
    start, end = month_bounds(utc(2025, 1, 31, 22, 30), MADRID)
    assert (start, end) == (utc(2024, 12, 31, 23, 0), utc(2025, 1, 31, 23, 0))
    assert start.utcoffset() == end.utcoffset() == dt.timedelta(0)
    # February 2024 had 29 days; March 2025 has 31 days and loses an hour.
    assert month_bounds(utc(2024, 2, 10), MADRID) == (
        utc(2024, 1, 31, 23, 0),
        utc(2024, 2, 29, 23, 0),
    )
    start, end = month_bounds(utc(2025, 3, 31, 12), MADRID)
    assert (start, end) == (utc(2025, 2, 28, 23, 0), utc(2025, 3, 31, 22, 0))
    assert end - start == dt.timedelta(days=31, hours=-1)


def test_periods_touching_lists_every_period_in_order():
    # Sunday 19 January 22:00 to Tuesday 4 February 2025 10:00 (Madrid): four weeks, two months.
    start = dt.datetime(2025, 1, 19, 22, tzinfo=MADRID)
    end = dt.datetime(2025, 2, 4, 10, tzinfo=MADRID)
    weeks = periods_touching(start, end, week_bounds, MADRID)
    assert [period[0].astimezone(MADRID).date() for period in weeks] == [
        dt.date(2025, 1, 13),
        dt.date(2025, 1, 20),
        dt.date(2025, 1, 27),
        dt.date(2025, 2, 3),
    ]
    months = periods_touching(start, end, month_bounds, MADRID)
    assert [period[0].astimezone(MADRID).date() for period in months] == [
        dt.date(2025, 1, 1),
        dt.date(2025, 2, 1),
    ]
    # A period that ends where the week ends touches only that week.
    monday = local_midnight(dt.date(2025, 1, 20), MADRID)
    assert periods_touching(start, monday, week_bounds, MADRID) == [week_bounds(start, MADRID)]
    assert periods_touching(start, start, week_bounds, MADRID) == []


def test_quota_periods_name_each_quota_the_space_sets():
    start = dt.datetime(2025, 1, 31, 20, tzinfo=MADRID)
    end = dt.datetime(2025, 2, 1, 2, tzinfo=MADRID)  # over the end of January, within one week
    both = space(quota_week_minutes=240, quota_month_minutes=600)
    assert quota_periods(both, start, end) == [
        ("week", 240, [week_bounds(start, MADRID)]),
        ("month", 600, [month_bounds(start, MADRID), month_bounds(end, MADRID)]),
    ]
    assert quota_periods(space(quota_month_minutes=0), start, end) == [
        ("month", 0, [month_bounds(start, MADRID), month_bounds(end, MADRID)])
    ]
    assert quota_periods(space(), start, end) == []
