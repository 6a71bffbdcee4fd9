"""Daylight-saving changes: bookings last their true length, and a series keeps its local time
(the UTC time shifts) east and west of UTC, with no day lost or gained."""

import datetime as dt
from zoneinfo import ZoneInfo

import pytest
from django.core.exceptions import ValidationError

from community.bookings.models import Recurrence
from community.bookings.services.bookings import booking_create
from community.bookings.services.series import (
    SeriesMode,
    booking_series_create,
    booking_series_preview,
)
from tests.community.factories import SpaceFactory, open_daily
from tests.factories import CityFactory, HouseholdFactory, ProjectFactory, make_resident_user

pytestmark = pytest.mark.django_db

MADRID = ZoneInfo("Europe/Madrid")
BUCHAREST = ZoneInfo("Europe/Bucharest")
NEW_YORK = ZoneInfo("America/New_York")
SUNDAY = 6


def space_in(zone: ZoneInfo, **rules):
    city = CityFactory(
        slug=f"city-{zone.key.lower().replace('/', '-')}",
        time_zone=zone.key,
        country_code={"Europe/Madrid": "ES", "Europe/Bucharest": "RO"}.get(zone.key, "US"),
        currency={"Europe/Madrid": "EUR", "Europe/Bucharest": "RON"}.get(zone.key, "USD"),
    )
    return SpaceFactory(project=ProjectFactory(city=city), **rules)


# --- One booking over the change -------------------------------------------------------------


@pytest.fixture
def night_space():
    """Open on Sunday nights only, 00:00–06:00 local: the hours the clocks change in."""
    space = space_in(MADRID, fee_per_hour_cents=1000)
    open_daily(space, "00:00", "06:00", weekdays=[SUNDAY])
    return space


def test_a_two_hour_booking_over_the_october_change_lasts_two_hours(night_space):
    household = HouseholdFactory(project=night_space.project)
    # 26 October 2025: at 03:00 CEST the clocks go back to 02:00 CET. 01:00 CEST to the second
    # 02:00 (CET) reads one hour on the wall clock but lasts two.
    start = dt.datetime(2025, 10, 26, 1, 0, tzinfo=MADRID)
    end = dt.datetime(2025, 10, 26, 2, 0, fold=1, tzinfo=MADRID)
    booking = booking_create(
        space=night_space,
        household=household,
        start=start,
        end=end,
        booked_by=None,
        now=dt.datetime(2025, 10, 20, tzinfo=dt.UTC),
    )
    booking.refresh_from_db()
    assert booking.start == dt.datetime(2025, 10, 25, 23, 0, tzinfo=dt.UTC)
    assert booking.end == dt.datetime(2025, 10, 26, 1, 0, tzinfo=dt.UTC)
    assert booking.end - booking.start == dt.timedelta(hours=2)
    assert booking.duration_minutes == 120
    assert booking.fee_cents == 2000  # two hours paid, not one


def test_the_wall_clock_does_not_measure_a_booking_over_the_change(night_space):
    """01:00–03:00 on the wall clock that night is three hours: over a 150-minute maximum."""
    night_space.max_duration_minutes = 150
    night_space.save()
    with pytest.raises(ValidationError) as exc_info:
        booking_create(
            space=night_space,
            household=HouseholdFactory(project=night_space.project),
            start=dt.datetime(2025, 10, 26, 1, 0, tzinfo=MADRID),
            end=dt.datetime(2025, 10, 26, 3, 0, tzinfo=MADRID),
            booked_by=None,
            now=dt.datetime(2025, 10, 20, tzinfo=dt.UTC),
        )
    assert exc_info.value.message_dict == {"end": ["The longest booking is 150 minutes."]}


def test_a_booking_over_the_march_change_is_an_hour_shorter_than_the_wall_clock(night_space):
    """30 March 2025: 02:00 CET jumps to 03:00 CEST; 01:30–03:30 lasts one hour."""
    night_space.min_duration_minutes = 90
    night_space.save()
    household = HouseholdFactory(project=night_space.project)
    start = dt.datetime(2025, 3, 30, 1, 30, tzinfo=MADRID)
    now = dt.datetime(2025, 3, 20, tzinfo=dt.UTC)
    with pytest.raises(ValidationError) as exc_info:
        booking_create(
            space=night_space,
            household=household,
            start=start,
            end=dt.datetime(2025, 3, 30, 3, 30, tzinfo=MADRID),
            booked_by=None,
            now=now,
        )
    assert exc_info.value.message_dict == {"end": ["The shortest booking is 90 minutes."]}
    booking = booking_create(
        space=night_space,
        household=household,
        start=start,
        end=dt.datetime(2025, 3, 30, 4, 0, tzinfo=MADRID),
        booked_by=None,
        now=now,
    )
    assert booking.duration_minutes == 90


# --- A weekly series over the change ---------------------------------------------------------

# (zone, first Thursday, UTC offset in hours of each of six weekly dates)
SERIES_CASES = [
    pytest.param(BUCHAREST, dt.date(2025, 3, 13), [2, 2, 2, 3, 3, 3], id="bucharest-march"),
    pytest.param(BUCHAREST, dt.date(2025, 10, 9), [3, 3, 3, 2, 2, 2], id="bucharest-october"),
    pytest.param(NEW_YORK, dt.date(2025, 2, 20), [-5, -5, -5, -4, -4, -4], id="new-york-march"),
    pytest.param(NEW_YORK, dt.date(2025, 10, 16), [-4, -4, -4, -5, -5, -5], id="new-york-nov"),
]


@pytest.mark.parametrize(("zone", "first", "offsets"), SERIES_CASES)
def test_a_weekly_series_keeps_its_local_time_over_the_change(zone, first, offsets):
    space = space_in(zone)
    open_daily(space)  # 08:00–22:00 local
    household = HouseholdFactory(project=space.project)
    user = make_resident_user(household)
    start = dt.datetime.combine(first, dt.time(19, 0), tzinfo=zone)
    args = {
        "space": space,
        "household": household,
        "start": start,
        "end": start + dt.timedelta(hours=2),
        "recurrence": Recurrence.WEEKLY,
        "occurrences": 6,
        "now": dt.datetime.combine(first, dt.time(0), tzinfo=dt.UTC) - dt.timedelta(days=1),
    }
    expected_dates = [first + dt.timedelta(weeks=n) for n in range(6)]
    # 19:00 local is 19 - offset in UTC; west of UTC that is past midnight, on the next UTC day.
    expected_starts = [
        dt.datetime.combine(day, dt.time(0), tzinfo=dt.UTC) + dt.timedelta(hours=19 - offset)
        for day, offset in zip(expected_dates, offsets, strict=True)
    ]

    previews = booking_series_preview(**args)
    assert [p.date for p in previews] == expected_dates
    assert all(p.free for p in previews), [p.message for p in previews if not p.free]
    assert [p.start for p in previews] == expected_starts
    assert len({p.start.hour for p in previews}) == 2  # the UTC time shifts once

    _series, created, skipped = booking_series_create(
        **args, booked_by=user, mode=SeriesMode.ALL_OR_NOTHING
    )
    assert skipped == []
    for booking, day in zip(created, expected_dates, strict=True):
        booking.refresh_from_db()
        local_start = booking.start.astimezone(zone)
        local_end = booking.end.astimezone(zone)
        assert (local_start.date(), local_start.time()) == (day, dt.time(19, 0))
        assert (local_end.date(), local_end.time()) == (day, dt.time(21, 0))
        assert local_start.weekday() == 3  # Thursday, every time
        assert booking.end - booking.start == dt.timedelta(hours=2)
    assert [b.start for b in created] == expected_starts


def test_a_series_at_a_skipped_local_time_falls_just_after_the_gap():
    """Weekly at 02:30 in Madrid: on 30 March 2025 02:30 does not exist; it becomes 03:30."""
    space = space_in(MADRID)  # open around the clock
    household = HouseholdFactory(project=space.project)
    start = dt.datetime(2025, 3, 23, 2, 30, tzinfo=MADRID)
    previews = booking_series_preview(
        space=space,
        household=household,
        start=start,
        end=start + dt.timedelta(hours=1),
        recurrence=Recurrence.WEEKLY,
        occurrences=3,
        now=dt.datetime(2025, 3, 1, tzinfo=dt.UTC),
    )
    assert [p.date for p in previews] == [
        dt.date(2025, 3, 23),
        dt.date(2025, 3, 30),
        dt.date(2025, 4, 6),
    ]
    assert [p.start.astimezone(MADRID).time() for p in previews] == [
        dt.time(2, 30),
        dt.time(3, 30),
        dt.time(2, 30),
    ]
    assert all(p.end - p.start == dt.timedelta(hours=1) for p in previews)
