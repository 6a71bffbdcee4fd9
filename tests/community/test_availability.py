"""What a household sees as free: opening hours, closures, buffers, units, quota, DST, queries."""

from __future__ import annotations

import datetime as dt
from zoneinfo import ZoneInfo

import pytest
from django.core.exceptions import ValidationError

from community.bookings.models import Booking, BookingStatus, Space, SpaceKind
from community.bookings.selectors.availability import (
    BlockedReason,
    space_availability,
    space_free_intervals,
    space_slot_runs,
    spaces_free,
)
from community.bookings.services.bookings import booking_create
from tests.community.factories import BookingFactory, SpaceFactory, close_space, local, open_daily
from tests.factories import HouseholdFactory, ProjectFactory

pytestmark = pytest.mark.django_db

HOUR = dt.timedelta(hours=1)


def fresh(space: Space) -> Space:
    """The space as a view would load it: with its project and city (for the time zone)."""
    return Space.objects.select_related("project__city").get(pk=space.pk)


def total(intervals) -> dt.timedelta:
    """Real time, in UTC: Python subtracts two times of one zone by their wall clocks."""
    return sum(
        (end.astimezone(dt.UTC) - start.astimezone(dt.UTC) for start, end in intervals),
        dt.timedelta(),
    )


@pytest.fixture
def project():
    return ProjectFactory()  # Europe/Madrid


@pytest.fixture
def household(project):
    return HouseholdFactory(project=project, unit_label="3B")


@pytest.fixture
def room(project):
    space = SpaceFactory(project=project, name="Common room")
    open_daily(space, "08:00", "22:00")
    return fresh(space)


def day(space, d: int, month: int = 12, year: int = 2026):
    """[local midnight, next local midnight) of a day."""
    start = local(space, year, month, d, 0, 0)
    end = local(space, *(dt.date(year, month, d) + dt.timedelta(days=1)).timetuple()[:3], 0, 0)
    return start, end


def before(space) -> dt.datetime:
    """A "now" well before the days the tests look at (Wednesday 2 December 2026)."""
    return local(space, 2026, 11, 30, 9, 0)


def test_free_time_follows_the_opening_hours(room, household):
    start, end = day(room, 2)
    availability = space_availability(
        space=room, start=start, end=end, household=household, now=before(room)
    )
    assert availability.free == [(local(room, 2026, 12, 2, 8, 0), local(room, 2026, 12, 2, 22, 0))]
    assert availability.bookable == availability.free
    assert [i.free_units for i in availability.intervals] == [1]
    assert availability.free == space_free_intervals(space=room, start=start, end=end)


def test_a_closure_is_not_free(room, household):
    close_space(room, local(room, 2026, 12, 2, 12, 0), local(room, 2026, 12, 2, 14, 0), "Painting")
    start, end = day(room, 2)
    availability = space_availability(space=room, start=start, end=end, now=before(room))
    assert availability.free == [
        (local(room, 2026, 12, 2, 8, 0), local(room, 2026, 12, 2, 12, 0)),
        (local(room, 2026, 12, 2, 14, 0), local(room, 2026, 12, 2, 22, 0)),
    ]


def test_the_buffer_trims_the_free_time_before_the_next_booking(project):
    space = SpaceFactory(project=project, buffer_minutes=30)
    open_daily(space, "08:00", "22:00")
    space = fresh(space)
    BookingFactory(
        space=space,
        start=local(space, 2026, 12, 2, 15, 0),
        end=local(space, 2026, 12, 2, 16, 0),
    )
    start, end = day(space, 2)
    free = space_availability(space=space, start=start, end=end, now=before(space)).free
    # A booking ending at 14:30 keeps its 30-minute buffer clear of the 15:00 booking; the one
    # before is followed by its own buffer until 16:30.
    assert free == [
        (local(space, 2026, 12, 2, 8, 0), local(space, 2026, 12, 2, 14, 30)),
        (local(space, 2026, 12, 2, 16, 30), local(space, 2026, 12, 2, 22, 0)),
    ]
    assert space_free_intervals(space=space, start=start, end=end) == free
    # And the service agrees at both edges.
    household = HouseholdFactory(project=project)
    with pytest.raises(Exception, match="already booked"):
        booking_create(
            space=space,
            household=household,
            start=local(space, 2026, 12, 2, 14, 0),
            end=local(space, 2026, 12, 2, 14, 45),
            booked_by=None,
            now=before(space),
        )
    booking_create(
        space=space,
        household=household,
        start=local(space, 2026, 12, 2, 14, 0),
        end=local(space, 2026, 12, 2, 14, 30),
        booked_by=None,
        now=before(space),
    )


def test_the_buffer_holds_before_a_booking_that_starts_after_closing_time(project):
    """A booking lying partly outside today's hours still needs its buffer kept clear."""
    space = SpaceFactory(project=project, buffer_minutes=30)
    open_daily(space, "08:00", "22:00")
    space = fresh(space)
    BookingFactory(
        space=space,
        start=local(space, 2026, 12, 2, 22, 0) + dt.timedelta(minutes=15),
        end=local(space, 2026, 12, 2, 23, 0),
    )
    start, end = day(space, 2)
    assert space_free_intervals(space=space, start=start, end=end) == [
        (local(space, 2026, 12, 2, 8, 0), local(space, 2026, 12, 2, 21, 45))
    ]


def test_back_to_back_bookings_leave_no_gap_and_the_next_one_fits(room, household):
    for hour in (10, 11):
        BookingFactory(
            space=room,
            start=local(room, 2026, 12, 2, hour, 0),
            end=local(room, 2026, 12, 2, hour + 1, 0),
        )
    start, end = day(room, 2)
    availability = space_availability(space=room, start=start, end=end, now=before(room))
    assert availability.free == [
        (local(room, 2026, 12, 2, 8, 0), local(room, 2026, 12, 2, 10, 0)),
        (local(room, 2026, 12, 2, 12, 0), local(room, 2026, 12, 2, 22, 0)),
    ]
    booking = booking_create(
        space=room,
        household=household,
        start=local(room, 2026, 12, 2, 12, 0),
        end=local(room, 2026, 12, 2, 13, 0),
        booked_by=None,
        now=before(room),
    )
    assert booking.status == BookingStatus.CONFIRMED


def test_several_units_show_how_many_are_free(project):
    space = SpaceFactory(project=project, name="Laundry", kind=SpaceKind.LAUNDRY, units=2)
    open_daily(space, "08:00", "22:00")
    space = fresh(space)
    BookingFactory(
        space=space,
        unit=1,
        start=local(space, 2026, 12, 2, 10, 0),
        end=local(space, 2026, 12, 2, 12, 0),
    )
    BookingFactory(
        space=space,
        unit=2,
        start=local(space, 2026, 12, 2, 11, 0),
        end=local(space, 2026, 12, 2, 13, 0),
    )
    start, end = day(space, 2)
    availability = space_availability(space=space, start=start, end=end, now=before(space))
    assert availability.units == 2
    assert [(i.start, i.end, i.free_units) for i in availability.intervals] == [
        (local(space, 2026, 12, 2, 8, 0), local(space, 2026, 12, 2, 10, 0), 2),
        (local(space, 2026, 12, 2, 10, 0), local(space, 2026, 12, 2, 11, 0), 1),
        (local(space, 2026, 12, 2, 12, 0), local(space, 2026, 12, 2, 13, 0), 1),
        (local(space, 2026, 12, 2, 13, 0), local(space, 2026, 12, 2, 22, 0), 2),
    ]
    assert availability.free == [
        (local(space, 2026, 12, 2, 8, 0), local(space, 2026, 12, 2, 11, 0)),
        (local(space, 2026, 12, 2, 12, 0), local(space, 2026, 12, 2, 22, 0)),
    ]


def test_the_household_sees_its_quota_left_and_where_it_is_used_up(project, household):
    space = SpaceFactory(project=project, quota_week_minutes=120, quota_month_minutes=600)
    open_daily(space, "08:00", "22:00")
    space = fresh(space)
    now = before(space)
    # Monday 30 November: one hour used of this week's two.
    BookingFactory(
        space=space,
        household=household,
        start=local(space, 2026, 11, 30, 18, 0),
        end=local(space, 2026, 11, 30, 19, 0),
    )
    # Wednesday 2 to Wednesday 9 December: this week and the next.
    start, end = local(space, 2026, 12, 2, 0, 0), local(space, 2026, 12, 9, 0, 0)
    availability = space_availability(
        space=space, start=start, end=end, household=household, now=now
    )
    this_week = local(space, 2026, 12, 2, 12, 0)
    next_week = local(space, 2026, 12, 8, 12, 0)
    assert availability.quota_left_minutes("week", this_week) == 60
    assert availability.quota_left_minutes("week", next_week) == 120
    # November's quota is not touched by the range: only December is reported.
    assert availability.quota_left_minutes("month", this_week) == 600
    assert [(q.period, q.quota_left_minutes) for q in availability.quota] == [
        ("week", 60),
        ("week", 120),
        ("month", 600),
    ]
    assert availability.over_quota == []
    assert availability.bookable == availability.free
    assert {i.quota_left_minutes for i in availability.intervals} == {60, 120}

    # The second hour of the week used: the rest of this week is over quota, next week is not.
    BookingFactory(
        space=space,
        household=household,
        start=local(space, 2026, 12, 1, 18, 0),
        end=local(space, 2026, 12, 1, 19, 0),
    )
    availability = space_availability(
        space=space, start=start, end=end, household=household, now=now
    )
    assert availability.quota_left_minutes("week", this_week) == 0
    assert availability.over_quota == [
        (local(space, 2026, 12, day_, 8, 0), local(space, 2026, 12, day_, 22, 0))
        for day_ in (2, 3, 4, 5, 6)
    ]
    assert {i.blocked_reason for i in availability.intervals if not i.bookable} == {
        BlockedReason.QUOTA_WEEK
    }
    assert availability.bookable == [
        (local(space, 2026, 12, day_, 8, 0), local(space, 2026, 12, day_, 22, 0)) for day_ in (7, 8)
    ]
    # The service refuses what the selector marks, and the neighbours see everything bookable.
    with pytest.raises(ValidationError) as refused:
        booking_create(
            space=space,
            household=household,
            start=this_week,
            end=this_week + HOUR,
            booked_by=None,
            now=now,
        )
    assert "quota" in refused.value.message_dict["end"][0]
    neighbour = HouseholdFactory(project=project)
    theirs = space_availability(space=space, start=start, end=end, household=neighbour, now=now)
    assert theirs.over_quota == []
    assert theirs.bookable == theirs.free


def test_the_monthly_quota_marks_the_month(project, household):
    space = SpaceFactory(project=project, quota_month_minutes=60)
    space = fresh(space)
    BookingFactory(
        space=space,
        household=household,
        start=local(space, 2026, 12, 1, 10, 0),
        end=local(space, 2026, 12, 1, 11, 0),
    )
    start, end = local(space, 2026, 12, 31, 0, 0), local(space, 2027, 1, 2, 0, 0)
    availability = space_availability(
        space=space, start=start, end=end, household=household, now=before(space)
    )
    new_year = local(space, 2027, 1, 1, 0, 0)
    assert availability.over_quota == [(start, new_year)]
    assert availability.bookable == [(new_year, end)]
    assert availability.quota_left_minutes("month", new_year) == 60


def test_the_past_and_beyond_the_advance_window_cannot_be_booked(project, household):
    space = SpaceFactory(project=project, advance_days=3)
    open_daily(space, "08:00", "22:00")
    space = fresh(space)
    now = local(space, 2026, 12, 2, 12, 30)
    start, end = local(space, 2026, 12, 1, 0, 0), local(space, 2026, 12, 7, 0, 0)
    availability = space_availability(
        space=space, start=start, end=end, household=household, now=now
    )
    assert availability.bookable == [
        (now, local(space, 2026, 12, 2, 22, 0)),
        (local(space, 2026, 12, 3, 8, 0), local(space, 2026, 12, 3, 22, 0)),
        (local(space, 2026, 12, 4, 8, 0), local(space, 2026, 12, 4, 22, 0)),
        (local(space, 2026, 12, 5, 8, 0), local(space, 2026, 12, 5, 12, 30)),
    ]
    reasons = {(i.start, i.blocked_reason) for i in availability.intervals if not i.bookable}
    assert (local(space, 2026, 12, 1, 8, 0), BlockedReason.PAST) in reasons
    assert (local(space, 2026, 12, 2, 8, 0), BlockedReason.PAST) in reasons
    assert (local(space, 2026, 12, 5, 12, 30), BlockedReason.TOO_FAR_AHEAD) in reasons
    assert (local(space, 2026, 12, 6, 8, 0), BlockedReason.TOO_FAR_AHEAD) in reasons
    # Still free, whoever asks: the whole of each day's opening hours.
    assert len(availability.free) == 6


def test_an_inactive_space_is_free_but_not_bookable(room, household):
    Space.objects.filter(pk=room.pk).update(is_active=False)
    room = fresh(room)
    start, end = day(room, 2)
    availability = space_availability(
        space=room, start=start, end=end, household=household, now=before(room)
    )
    assert availability.bookable == []
    assert {i.blocked_reason for i in availability.intervals} == {BlockedReason.INACTIVE}


@pytest.mark.parametrize(
    ("date", "hours"),
    [
        (dt.date(2026, 10, 25), 25),  # clocks go back at 03:00 CEST
        (dt.date(2026, 3, 29), 23),  # clocks go forward at 02:00 CET
        (dt.date(2026, 10, 24), 24),
    ],
)
def test_a_daylight_saving_day_has_its_true_length(project, household, date, hours):
    space = fresh(SpaceFactory(project=project, advance_days=400))
    start, end = day(space, date.day, date.month, date.year)
    availability = space_availability(
        space=space, start=start, end=end, household=household, now=local(space, 2026, 1, 1, 0, 0)
    )
    assert availability.free == [(start, end)]
    assert total(availability.bookable) == dt.timedelta(hours=hours)


def test_opening_hours_on_the_autumn_daylight_saving_day(project):
    space = SpaceFactory(project=project)
    open_daily(space, "08:00", "22:00")
    space = fresh(space)
    for date in (dt.date(2026, 10, 24), dt.date(2026, 10, 25)):
        start, end = day(space, date.day, date.month, date.year)
        free = space_free_intervals(space=space, start=start, end=end)
        assert free == [
            (
                local(space, date.year, date.month, date.day, 8, 0),
                local(space, date.year, date.month, date.day, 22, 0),
            )
        ]
        assert total(free) == dt.timedelta(hours=14)
    # 08:00 is 06:00 UTC in summer time and 07:00 UTC after the change.
    assert local(space, 2026, 10, 24, 8, 0).astimezone(dt.UTC).hour == 6
    assert local(space, 2026, 10, 25, 8, 0).astimezone(dt.UTC).hour == 7


def test_a_night_booking_over_the_clock_change_takes_its_real_hours(project):
    space = fresh(SpaceFactory(project=project, max_duration_minutes=600))
    # 01:00 to 04:00 local on 25 October 2026 is four real hours (02:00–03:00 happens twice).
    booking = BookingFactory(
        space=space, start=local(space, 2026, 10, 25, 1, 0), end=local(space, 2026, 10, 25, 4, 0)
    )
    assert total([(booking.start, booking.end)]) == dt.timedelta(hours=4)
    start, end = day(space, 25, 10)
    free = space_free_intervals(space=space, start=start, end=end)
    assert free == [(start, booking.start), (booking.end, end)]
    assert total(free) == dt.timedelta(hours=21)


def _bulk_bookings(space: Space, households, count: int) -> None:
    """``count`` bookings of 30 minutes in December 2026, alternating over the space's units
    and the households, each with its buffer (bulk_create skips the factory)."""
    buffer = dt.timedelta(minutes=space.buffer_minutes)
    first = local(space, 2026, 12, 1, 0, 0)
    step = dt.timedelta(days=31) * space.units / count
    bookings = []
    for n in range(count):
        unit = n % space.units + 1
        start = first + step * (n // space.units)
        start = start.replace(second=0, microsecond=0)
        end = start + dt.timedelta(minutes=30)
        bookings.append(
            Booking(
                space=space,
                unit=unit,
                household=households[n % len(households)],
                start=start,
                end=end,
                blocked_until=end + buffer,
                status=BookingStatus.CONFIRMED,
            )
        )
    Booking.objects.bulk_create(bookings)


@pytest.mark.parametrize("count", [5, 1000])
def test_availability_costs_the_same_queries_for_5_or_1000_bookings(
    project, household, count, django_assert_max_num_queries
):
    space = SpaceFactory(
        project=project,
        units=2,
        buffer_minutes=10,
        quota_week_minutes=600,
        quota_month_minutes=2400,
        advance_days=90,
    )
    open_daily(space, "07:00", "23:00")
    neighbours = [household, *HouseholdFactory.create_batch(3, project=project)]
    _bulk_bookings(space, neighbours, count)
    assert Booking.objects.filter(space=space).count() == count
    space = fresh(space)
    start, end = local(space, 2026, 12, 1, 0, 0), local(space, 2027, 1, 1, 0, 0)
    # Opening hours, closures, blocking bookings, the household's quota use, the slots held by
    # open lottery windows.
    with django_assert_max_num_queries(5):
        availability = space_availability(
            space=space, start=start, end=end, household=household, now=before(space)
        )
    assert availability.free
    assert availability.quota
    # Spaces, opening hours, closures, bookings, quota use.
    with django_assert_max_num_queries(5):
        spaces_free(
            project=project,
            start=local(space, 2026, 12, 2, 10, 0),
            end=local(space, 2026, 12, 2, 11, 0),
            household=household,
            now=before(space),
        )


# --- spaces_free ---------------------------------------------------------------------------------


@pytest.fixture
def guest_rooms(project):
    rules = {
        "kind": SpaceKind.GUEST_ROOM,
        "capacity": 2,
        "min_duration_minutes": 60,
        "max_duration_minutes": 3 * 24 * 60,
        "slot_minutes": 60,
        "buffer_minutes": 60,
    }
    return [
        fresh(SpaceFactory(project=project, name="Guest room A", **rules)),
        fresh(SpaceFactory(project=project, name="Guest room B", **rules)),
    ]


def nights(space):
    """Friday 4 December 15:00 to Sunday 6 December 11:00."""
    return local(space, 2026, 12, 4, 15, 0), local(space, 2026, 12, 6, 11, 0)


def test_spaces_free_finds_the_free_guest_room_and_not_the_booked_one(project, guest_rooms):
    room_a, room_b = guest_rooms
    start, end = nights(room_a)
    BookingFactory(space=room_a, start=start + dt.timedelta(days=1), end=end)
    assert spaces_free(
        project=project, start=start, end=end, kind=SpaceKind.GUEST_ROOM, now=before(room_a)
    ) == [room_b]


def test_spaces_free_respects_the_buffer_of_the_next_guest(project, guest_rooms):
    room_a, room_b = guest_rooms
    start, end = nights(room_a)
    # The next guest arrives at 11:30: room A needs an hour to be cleaned after 11:00.
    BookingFactory(space=room_a, start=end + dt.timedelta(minutes=30), end=end + 5 * HOUR)
    found = spaces_free(
        project=project, start=start, end=end, kind=SpaceKind.GUEST_ROOM, now=before(room_a)
    )
    assert found == [room_b]


def test_spaces_free_respects_kind_and_capacity(project, guest_rooms):
    room_a, room_b = guest_rooms
    hall = fresh(SpaceFactory(project=project, name="Hall", capacity=40, max_duration_minutes=3000))
    start, end = nights(room_a)
    now = before(room_a)
    assert spaces_free(project=project, start=start, end=end, now=now) == [room_a, room_b, hall]
    assert spaces_free(
        project=project, start=start, end=end, kind=SpaceKind.GUEST_ROOM, now=now
    ) == [room_a, room_b]
    assert spaces_free(project=project, start=start, end=end, attendees=3, now=now) == [hall]
    assert (
        spaces_free(
            project=project, start=start, end=end, kind=SpaceKind.GUEST_ROOM, attendees=3, now=now
        )
        == []
    )


def test_spaces_free_applies_each_spaces_rules(project, guest_rooms, household):
    room_a, room_b = guest_rooms
    start, end = nights(room_a)
    now = before(room_a)
    close_space(room_a, start - 2 * HOUR, start + HOUR, "New mattress")
    assert spaces_free(project=project, start=start, end=end, now=now) == [room_b]
    # Too long for the rooms' three nights at most; off their hourly grid; in the past.
    assert (
        spaces_free(project=project, start=start, end=start + dt.timedelta(days=4), now=now) == []
    )
    assert (
        spaces_free(project=project, start=start + dt.timedelta(minutes=30), end=end, now=now) == []
    )
    assert spaces_free(project=project, start=start, end=end, now=start + HOUR) == []
    # Opening hours: room B opens only in the daytime.
    open_daily(room_b, "08:00", "20:00")
    assert spaces_free(project=project, start=start, end=end, now=now) == []
    # A household over its monthly quota for the room finds nothing.
    Space.objects.filter(pk=room_b.pk).update(quota_month_minutes=120)
    room_b.opening_hours.all().delete()
    BookingFactory(
        space=room_b,
        household=household,
        start=local(room_b, 2026, 12, 1, 10, 0),
        end=local(room_b, 2026, 12, 1, 12, 0),
    )
    assert spaces_free(project=project, start=start, end=end, household=household, now=now) == []
    assert spaces_free(project=project, start=start, end=end, now=now) == [room_b]


def test_spaces_free_leaves_out_inactive_spaces_and_other_projects(project, guest_rooms):
    room_a, room_b = guest_rooms
    Space.objects.filter(pk=room_a.pk).update(is_active=False)
    elsewhere = fresh(SpaceFactory(kind=SpaceKind.GUEST_ROOM, max_duration_minutes=3000))
    start, end = nights(room_b)
    assert spaces_free(project=project, start=start, end=end, now=before(room_b)) == [room_b]
    assert spaces_free(project=elsewhere.project, start=start, end=end, now=before(room_b)) == [
        elsewhere
    ]


def test_spaces_free_finds_a_free_unit_of_a_shared_space(project):
    space = fresh(SpaceFactory(project=project, name="Bikes", units=2))
    start, end = local(space, 2026, 12, 2, 10, 0), local(space, 2026, 12, 2, 12, 0)
    BookingFactory(space=space, unit=1, start=start, end=end)
    assert spaces_free(project=project, start=start, end=end, now=before(space)) == [space]
    BookingFactory(space=space, unit=2, start=start + HOUR, end=end + HOUR)
    assert spaces_free(project=project, start=start, end=end, now=before(space)) == []


# --- A space of several units, slot by slot ---------------------------------------------------


@pytest.fixture
def laundry(project):
    """Three machines, open 8:00–13:00, booked an hour at least."""
    space = SpaceFactory(
        project=project, name="Laundry", kind=SpaceKind.LAUNDRY, units=3, min_duration_minutes=60
    )
    open_daily(space, "08:00", "13:00")
    return fresh(space)


def wash(space, unit: int, start_hour: int, end_hour: int, minute: int = 0, end_minute: int = 0):
    return BookingFactory(
        space=space,
        unit=unit,
        start=local(space, 2026, 12, 2, start_hour, minute),
        end=local(space, 2026, 12, 2, end_hour, end_minute),
    )


def runs_of(space):
    start, end = day(space, 2)
    slots = space_slot_runs(space=space, start=start, end=end, now=before(space))
    return [
        (run.start.astimezone(ZONE).strftime("%H:%M"), run.end.astimezone(ZONE).strftime("%H:%M"))
        + (run.free_units,)
        for run in slots.runs
    ]


ZONE = ZoneInfo("Europe/Madrid")


def test_each_slot_counts_the_machines_free_with_one_two_and_three_busy(laundry):
    wash(laundry, 1, 8, 11)  # one busy from 8, a second from 9, all three from 10
    wash(laundry, 2, 9, 11)
    wash(laundry, 3, 10, 11)

    assert runs_of(laundry) == [
        ("08:00", "09:00", 2),
        ("09:00", "10:00", 1),
        ("10:00", "11:00", 0),
        ("11:00", "13:00", 3),  # slots alike are one run
    ]


def test_a_gap_shorter_than_a_booking_is_no_free_machine(laundry):
    wash(laundry, 1, 8, 9, end_minute=30)  # machine 1 free 9:30–10:00 only: too short
    wash(laundry, 1, 10, 13)
    wash(laundry, 2, 8, 13)

    runs = runs_of(laundry)

    assert runs == [("08:00", "13:00", 1)]  # machine 3 the whole morning, never machine 1


def test_a_slot_that_a_booking_touches_is_not_free_on_that_machine(laundry):
    wash(laundry, 1, 9, 10, minute=15, end_minute=15)

    assert runs_of(laundry) == [
        ("08:00", "09:00", 3),
        ("09:00", "11:00", 2),  # 9:15–10:15 takes machine 1 from both slots
        ("11:00", "13:00", 3),
    ]


def test_the_booking_a_run_proposes_stays_on_one_free_machine(laundry):
    wash(laundry, 1, 8, 10)
    wash(laundry, 2, 8, 9)  # machine 2 free from 9, machine 3 all morning
    start, end = day(laundry, 2)

    runs = space_slot_runs(space=laundry, start=start, end=end, now=before(laundry)).runs

    assert runs[0].free_units == 1 and runs[0].book_until == local(laundry, 2026, 12, 2, 13, 0)


def test_the_slots_mark_what_the_household_may_not_book(laundry, household):
    laundry.advance_days = 2
    now = local(laundry, 2026, 11, 30, 11, 0)  # 2 December from 11:00 is too far ahead
    start, end = day(laundry, 2)

    runs = space_slot_runs(space=laundry, start=start, end=end, household=household, now=now).runs

    assert [(run.free_units, run.blocked_reason) for run in runs] == [
        (3, ""),
        (3, BlockedReason.TOO_FAR_AHEAD),
    ]


@pytest.mark.parametrize("count", [3, 90])
def test_the_slots_are_counted_in_a_constant_number_of_queries(
    laundry, household, count, django_assert_max_num_queries
):
    laundry.quota_week_minutes = 600
    laundry.save()
    for n in range(count):
        BookingFactory(
            space=laundry,
            unit=n % 3 + 1,
            start=local(laundry, 2026, 12, 1, 8, 0)
            + dt.timedelta(days=n // 15, minutes=60 * (n // 3 % 5)),
        )
    start, end = day(laundry, 1)
    end += dt.timedelta(days=6)

    # opening hours, closures, blocking bookings, the household's quota use, lottery windows
    with django_assert_max_num_queries(5):
        slots = space_slot_runs(
            space=laundry, start=start, end=end, household=household, now=before(laundry)
        )

    # all three machines busy: 8–9 on the first day; or the whole morning of six days
    assert sum(run.free_units == 0 for run in slots.runs) == max(1, count // 15)
