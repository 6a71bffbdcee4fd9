"""A booking's life after it is made: approval, rejection, cancellation (one, or all of a
household's while it is away), and the waitlist promotion each freed slot triggers."""

import datetime as dt

import pytest
from django.core.exceptions import ValidationError

from common.validation import Conflict
from community.bookings.models import Booking, BookingStatus, WaitlistStatus
from community.bookings.services.bookings import (
    SlotTaken,
    booking_approve,
    booking_cancel,
    booking_create,
    booking_reject,
    bookings_cancel_for_household,
)
from community.bookings.services.waitlist import waitlist_join
from tests.community.factories import BookingFactory, SpaceFactory, local, open_daily
from tests.factories import HouseholdFactory, UserFactory, make_manager, make_resident_user

pytestmark = pytest.mark.django_db

NOW = dt.datetime(2025, 6, 2, 6, 0, tzinfo=dt.UTC)  # Monday 2 June 2025, 08:00 in Madrid


@pytest.fixture
def space():
    space = SpaceFactory(cancel_cutoff_minutes=24 * 60)
    open_daily(space)
    return space


@pytest.fixture
def household(space):
    return HouseholdFactory(project=space.project)


@pytest.fixture
def resident(household):
    return make_resident_user(household)


@pytest.fixture
def manager(space):
    return make_manager(space.project)


def june(space, day: int, hour: int, minute: int = 0) -> dt.datetime:
    return local(space, 2025, 6, day, hour, minute)


def book(space, household, day=5, hours=(10, 12), now=NOW) -> Booking:
    return booking_create(
        space=space,
        household=household,
        start=june(space, day, hours[0]),
        end=june(space, day, hours[1]),
        booked_by=None,
        now=now,
    )


# --- Cancelling --------------------------------------------------------------------------------


def test_a_member_cancels_before_the_cut_off(space, household, resident):
    booking = book(space, household)  # Thursday 10:00
    cancelled = booking_cancel(
        booking=booking, cancelled_by=resident, now=june(space, 4, 10)
    )  # exactly 24 h before
    assert cancelled.status == BookingStatus.CANCELLED
    assert cancelled.cancelled_at == june(space, 4, 10)
    booking.refresh_from_db()
    assert booking.status == BookingStatus.CANCELLED
    # The slot is free again.
    assert book(space, HouseholdFactory(project=space.project)).status == BookingStatus.CONFIRMED


def test_a_member_cannot_cancel_after_the_cut_off(space, household, resident):
    booking = book(space, household)
    with pytest.raises(ValidationError) as exc_info:
        booking_cancel(booking=booking, cancelled_by=resident, now=june(space, 4, 10, 1))
    assert exc_info.value.message_dict == {
        "start": [
            "Bookings of this space can be cancelled up to 24 hours before they start; "
            "please ask a manager."
        ]
    }
    booking.refresh_from_db()
    assert booking.status == BookingStatus.CONFIRMED


def test_a_manager_may_cancel_after_the_cut_off(space, household, manager):
    booking = book(space, household)
    cancelled = booking_cancel(
        booking=booking, cancelled_by=manager, now=june(space, 5, 11), by_manager=True
    )
    assert cancelled.status == BookingStatus.CANCELLED


def test_without_a_cut_off_a_member_may_cancel_until_the_start(household, resident):
    space = SpaceFactory(project=household.project, cancel_cutoff_minutes=0)
    booking = book(space, household)
    with pytest.raises(ValidationError) as exc_info:
        booking_cancel(booking=booking, cancelled_by=resident, now=june(space, 5, 10, 1))
    assert exc_info.value.message_dict == {
        "start": ["This booking has started; it can no longer be cancelled."]
    }
    assert booking_cancel(booking=booking, cancelled_by=resident, now=june(space, 5, 10))


@pytest.mark.parametrize("status", [BookingStatus.CANCELLED, BookingStatus.REJECTED])
def test_a_booking_no_longer_standing_cannot_be_cancelled(space, household, manager, status):
    booking = book(space, household)
    Booking.objects.filter(pk=booking.pk).update(status=status)
    with pytest.raises(Conflict):
        booking_cancel(booking=booking, cancelled_by=manager, now=NOW, by_manager=True)


def test_cancelling_twice_is_a_conflict_even_with_a_stale_object(space, household, resident):
    booking = book(space, household)
    stale = Booking.objects.get(pk=booking.pk)
    booking_cancel(booking=booking, cancelled_by=resident, now=NOW)
    with pytest.raises(Conflict) as exc_info:
        booking_cancel(booking=stale, cancelled_by=resident, now=NOW)
    assert "Cancelled" in exc_info.value.message


def test_cancelling_promotes_the_waitlist(space, household, resident):
    booking = book(space, household)
    waiting = HouseholdFactory(project=space.project)
    entry = waitlist_join(
        space=space,
        household=waiting,
        start=booking.start,
        end=booking.end,
        requested_by=None,
        now=NOW,
    )
    booking_cancel(booking=booking, cancelled_by=resident, now=NOW)
    entry.refresh_from_db()
    assert entry.status == WaitlistStatus.PROMOTED
    assert (entry.booking.household, entry.booking.status) == (waiting, BookingStatus.CONFIRMED)


# --- Approval --------------------------------------------------------------------------------


@pytest.fixture
def approval_space(space):
    space.requires_approval = True
    space.save()
    return space


def test_a_booking_of_a_space_that_needs_approval_is_pending_and_holds_the_slot(
    approval_space, household
):
    booking = book(approval_space, household)
    assert booking.status == BookingStatus.PENDING
    with pytest.raises(SlotTaken):
        book(approval_space, HouseholdFactory(project=approval_space.project))


def test_a_manager_approves_a_pending_booking(approval_space, household, manager):
    booking = book(approval_space, household)
    approved = booking_approve(booking=booking, decided_by=manager, now=NOW)
    booking.refresh_from_db()
    assert booking.status == BookingStatus.CONFIRMED
    assert (booking.decided_by, booking.decided_at) == (manager, NOW)
    assert approved.status == BookingStatus.CONFIRMED
    with pytest.raises(Conflict):
        booking_approve(booking=booking, decided_by=manager)
    with pytest.raises(Conflict):
        booking_reject(booking=booking, decided_by=manager)


def test_a_confirmed_booking_cannot_be_approved_or_rejected(space, household, manager):
    booking = book(space, household)
    with pytest.raises(Conflict):
        booking_approve(booking=booking, decided_by=manager)
    with pytest.raises(Conflict):
        booking_reject(booking=booking, decided_by=manager)


def test_rejecting_frees_the_slot_for_the_waitlist(approval_space, household, manager):
    booking = book(approval_space, household)
    waiting = HouseholdFactory(project=approval_space.project)
    entry = waitlist_join(
        space=approval_space,
        household=waiting,
        start=booking.start,
        end=booking.end,
        requested_by=None,
        now=NOW,
    )
    rejected = booking_reject(booking=booking, decided_by=manager, reason="Private event", now=NOW)
    assert rejected.status == BookingStatus.REJECTED
    assert rejected.decided_by == manager
    entry.refresh_from_db()
    assert entry.status == WaitlistStatus.PROMOTED
    # The promoted booking of a space that needs approval waits for a manager too.
    assert entry.booking.status == BookingStatus.PENDING
    with pytest.raises(Conflict):
        booking_reject(booking=booking, decided_by=manager)


def test_a_rejection_reason_is_bounded(approval_space, household, manager):
    booking = book(approval_space, household)
    with pytest.raises(ValidationError) as exc_info:
        booking_reject(booking=booking, decided_by=manager, reason="x" * 501)
    assert list(exc_info.value.message_dict) == ["reason"]


# --- Going away ------------------------------------------------------------------------------


def test_a_household_going_away_cancels_its_bookings_of_that_period(space, household, resident):
    laundry = SpaceFactory(project=space.project, cancel_cutoff_minutes=0, units=2)
    open_daily(laundry)
    before = book(space, household, day=3)
    during = [book(space, household, day=9), book(laundry, household, day=10, hours=(8, 9))]
    after = book(space, household, day=20)
    neighbours = book(space, HouseholdFactory(project=space.project), day=12)
    waiting = HouseholdFactory(project=space.project)
    entry = waitlist_join(
        space=space,
        household=waiting,
        start=during[0].start,
        end=during[0].end,
        requested_by=None,
        now=NOW,
    )

    count = bookings_cancel_for_household(
        household=household,
        start=june(space, 7, 0),
        end=june(space, 15, 0),
        cancelled_by=resident,
        now=NOW,
    )

    assert count == 2
    statuses = dict(Booking.objects.values_list("pk", "status"))
    assert [statuses[b.pk] for b in during] == [BookingStatus.CANCELLED] * 2
    assert {statuses[b.pk] for b in (before, after, neighbours)} == {BookingStatus.CONFIRMED}
    entry.refresh_from_db()
    assert entry.status == WaitlistStatus.PROMOTED


def test_going_away_leaves_bookings_within_the_cut_off_unless_a_manager_does_it(
    space, household, resident, manager
):
    soon = book(space, household, day=3)  # within 24 h of now
    later = book(space, household, day=5)
    now = june(space, 2, 12)
    period = {"household": household, "start": june(space, 2, 0), "end": june(space, 8, 0)}
    assert bookings_cancel_for_household(**period, cancelled_by=resident, now=now) == 1
    soon.refresh_from_db()
    later.refresh_from_db()
    assert (soon.status, later.status) == (BookingStatus.CONFIRMED, BookingStatus.CANCELLED)
    assert (
        bookings_cancel_for_household(**period, cancelled_by=manager, now=now, by_manager=True) == 1
    )
    soon.refresh_from_db()
    assert soon.status == BookingStatus.CANCELLED


def test_going_away_with_nothing_booked_cancels_nothing(space, household, resident):
    count = bookings_cancel_for_household(
        household=household,
        start=june(space, 7, 0),
        end=june(space, 15, 0),
        cancelled_by=resident,
        now=NOW,
    )
    assert count == 0


def test_going_away_needs_a_real_period(space, household, resident):
    with pytest.raises(ValidationError) as exc_info:
        bookings_cancel_for_household(
            household=household,
            start=june(space, 15, 0),
            end=june(space, 7, 0),
            cancelled_by=resident,
            now=NOW,
        )
    assert list(exc_info.value.message_dict) == ["end"]


def test_the_rejection_reason_and_who_cancelled_are_kept():
    space = SpaceFactory(requires_approval=True)
    pending = BookingFactory(space=space, status="pending")
    manager = UserFactory()
    booking_reject(booking=pending, decided_by=manager, reason="The room is being painted")
    pending.refresh_from_db()
    assert (pending.status, pending.decision_note) == ("rejected", "The room is being painted")

    confirmed = BookingFactory(space=space, status="confirmed")
    booking_cancel(booking=confirmed, cancelled_by=manager, by_manager=True)
    confirmed.refresh_from_db()
    assert (confirmed.status, confirmed.cancelled_by) == ("cancelled", manager)
