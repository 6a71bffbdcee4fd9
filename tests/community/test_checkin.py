import datetime as dt

import pytest
from django.core.exceptions import PermissionDenied, ValidationError

from common.validation import Conflict
from community.bookings.models import BookingStatus, WaitlistStatus
from community.bookings.services.checkin import booking_check_in, bookings_release_no_shows
from tests.community.factories import (
    BookingFactory,
    SpaceFactory,
    WaitlistEntryFactory,
    friday_evening,
    local,
)
from tests.concurrency.helpers import at_once
from tests.factories import make_resident_user

pytestmark = pytest.mark.django_db

MINUTE = dt.timedelta(minutes=1)


@pytest.fixture
def space(side_a):
    return SpaceFactory(project=side_a.project, checkin_required=True, checkin_grace_minutes=15)


@pytest.fixture
def booking(space, side_a):
    """Household 1A's confirmed evening in the common room, 19:00–21:00 in Madrid."""
    return friday_evening(space, side_a.household, booked_by=side_a.resident_user)


def field_errors(excinfo) -> dict:
    return excinfo.value.message_dict


# --- Check-in ----------------------------------------------------------------------------


def test_check_in_opens_fifteen_minutes_before_the_start(booking, side_a):
    with pytest.raises(ValidationError) as excinfo:
        booking_check_in(
            booking=booking, user=side_a.resident_user, now=booking.start - 16 * MINUTE
        )
    assert "start" in field_errors(excinfo)
    booking.refresh_from_db()
    assert booking.checked_in_at is None

    opened = booking.start - 15 * MINUTE
    booking_check_in(booking=booking, user=side_a.resident_user, now=opened)

    booking.refresh_from_db()
    assert booking.checked_in_at == opened


def test_check_in_during_the_booking_and_twice_keeps_the_first_time(booking, side_a):
    first = booking.start + 40 * MINUTE

    booking_check_in(booking=booking, user=side_a.resident_user, now=first)
    booking_check_in(booking=booking, user=side_a.resident_user, now=first + 5 * MINUTE)

    booking.refresh_from_db()
    assert booking.checked_in_at == first


def test_check_in_after_the_end_is_too_late(booking, side_a):
    with pytest.raises(ValidationError) as excinfo:
        booking_check_in(booking=booking, user=side_a.resident_user, now=booking.end)

    assert "start" in field_errors(excinfo)
    booking.refresh_from_db()
    assert booking.checked_in_at is None


def test_another_household_cannot_check_in(booking, side_a):
    neighbour = make_resident_user(side_a.neighbour)

    with pytest.raises(PermissionDenied):
        booking_check_in(booking=booking, user=neighbour, now=booking.start)
    with pytest.raises(PermissionDenied):
        booking_check_in(booking=booking, user=side_a.manager, now=booking.start)

    booking.refresh_from_db()
    assert booking.checked_in_at is None


@pytest.mark.parametrize(
    "status", [BookingStatus.PENDING, BookingStatus.CANCELLED, BookingStatus.RELEASED]
)
def test_only_a_confirmed_booking_can_be_checked_into(booking, side_a, status):
    booking.status = status
    booking.save()

    with pytest.raises(Conflict):
        booking_check_in(booking=booking, user=side_a.resident_user, now=booking.start)


# --- No-show release ---------------------------------------------------------------------


def test_a_no_show_is_released_after_the_grace_period_and_not_before(booking):
    assert bookings_release_no_shows(now=booking.start + 15 * MINUTE) == 0
    booking.refresh_from_db()
    assert booking.status == BookingStatus.CONFIRMED

    assert bookings_release_no_shows(now=booking.start + 16 * MINUTE) == 1
    booking.refresh_from_db()
    assert booking.status == BookingStatus.RELEASED

    # Running again finds nothing more to do.
    assert bookings_release_no_shows(now=booking.start + 20 * MINUTE) == 0


def test_a_checked_in_booking_is_not_released(booking, side_a):
    booking_check_in(booking=booking, user=side_a.resident_user, now=booking.start + 5 * MINUTE)

    assert bookings_release_no_shows(now=booking.start + 30 * MINUTE) == 0

    booking.refresh_from_db()
    assert booking.status == BookingStatus.CONFIRMED


def test_bookings_of_spaces_without_check_in_are_never_released(side_a):
    space = SpaceFactory(project=side_a.project, checkin_required=False)
    booking = friday_evening(space, side_a.household, until=(20, 0))

    assert bookings_release_no_shows(now=booking.start + 45 * MINUTE) == 0

    booking.refresh_from_db()
    assert booking.status == BookingStatus.CONFIRMED


def test_a_booking_that_is_over_stays_as_it_was(booking):
    # Nothing is left to free, and releasing it now would rewrite what happened.
    assert bookings_release_no_shows(now=booking.end + MINUTE) == 0

    booking.refresh_from_db()
    assert booking.status == BookingStatus.CONFIRMED


def test_each_space_has_its_own_grace_period(booking, side_a):
    patient = SpaceFactory(project=side_a.project, checkin_required=True, checkin_grace_minutes=60)
    other = BookingFactory(space=patient, household=side_a.household, start=booking.start)

    assert bookings_release_no_shows(now=booking.start + 30 * MINUTE) == 1

    booking.refresh_from_db()
    other.refresh_from_db()
    assert booking.status == BookingStatus.RELEASED
    assert other.status == BookingStatus.CONFIRMED


def test_the_rest_of_a_released_booking_goes_to_the_waiting_household(booking, side_a):
    now = booking.start + 20 * MINUTE
    waiting = WaitlistEntryFactory(
        space=booking.space,
        household=side_a.neighbour,
        start=local(booking.space, 2025, 11, 14, 20, 0),
        end=local(booking.space, 2025, 11, 14, 21, 0),
        created_at=booking.start - dt.timedelta(days=2),
    )
    # Wanted the whole evening, which has begun: it cannot be booked any more.
    too_late = WaitlistEntryFactory(
        space=booking.space,
        household=side_a.neighbour,
        start=booking.start,
        end=booking.end,
        created_at=booking.start - dt.timedelta(days=3),
    )

    assert bookings_release_no_shows(now=now) == 1

    waiting.refresh_from_db()
    too_late.refresh_from_db()
    assert waiting.status == WaitlistStatus.PROMOTED
    promoted = waiting.booking
    assert promoted.household == side_a.neighbour
    assert promoted.status == BookingStatus.CONFIRMED
    assert (promoted.start, promoted.end) == (waiting.start, waiting.end)
    assert too_late.status == WaitlistStatus.LAPSED


@pytest.mark.django_db(transaction=True)
def test_two_runs_at_once_release_a_no_show_once(side_a):
    space = SpaceFactory(project=side_a.project, checkin_required=True, checkin_grace_minutes=15)
    no_show = friday_evening(space, side_a.household, until=(20, 0))
    now = no_show.start + 20 * MINUTE

    results = at_once(lambda: bookings_release_no_shows(now=now))

    assert sorted(results) == [0, 1]
    no_show.refresh_from_db()
    assert no_show.status == BookingStatus.RELEASED
