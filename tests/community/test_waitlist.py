"""The waitlist: joining only for a taken slot, leaving, promotion in order of arrival when the
slot frees up, lapsing when the rules no longer allow it, and the one e-mail that says so."""

import datetime as dt

import pytest
from django.core import mail
from django.core.exceptions import ValidationError

from common.validation import Conflict
from community.bookings.models import Booking, BookingStatus, WaitlistEntry, WaitlistStatus
from community.bookings.services.bookings import booking_cancel, booking_create
from community.bookings.services.waitlist import (
    waitlist_join,
    waitlist_lapse_past,
    waitlist_leave,
    waitlist_promote,
    waitlist_promoted_notify,
)
from community.bookings.tasks import waitlist_promoted_notify_task
from tests.community.factories import BookingFactory, SpaceFactory, local, open_daily
from tests.factories import HouseholdFactory, ResidentFactory, make_resident_user

pytestmark = pytest.mark.django_db

NOW = dt.datetime(2025, 6, 2, 6, 0, tzinfo=dt.UTC)  # Monday 2 June 2025, 08:00 in Madrid


@pytest.fixture
def space():
    space = SpaceFactory(name="Common room")
    open_daily(space)
    return space


def june(space, day: int, hour: int, minute: int = 0) -> dt.datetime:
    return local(space, 2025, 6, day, hour, minute)


@pytest.fixture
def taken(space) -> Booking:
    """Thursday 5 June, 18:00–20:00, booked by a neighbour."""
    return booking_create(
        space=space,
        household=HouseholdFactory(project=space.project),
        start=june(space, 5, 18),
        end=june(space, 5, 20),
        booked_by=None,
        now=NOW,
    )


def join(space, household, start, end, **kwargs) -> WaitlistEntry:
    kwargs.setdefault("now", NOW)
    kwargs.setdefault("requested_by", None)
    return waitlist_join(space=space, household=household, start=start, end=end, **kwargs)


def cancel(booking: Booking, now=NOW) -> Booking:
    return booking_cancel(booking=booking, cancelled_by=None, now=now, by_manager=True)


# --- Joining and leaving ---------------------------------------------------------------------


def test_a_household_joins_the_waitlist_of_a_taken_slot(space, taken):
    household = HouseholdFactory(project=space.project)
    user = make_resident_user(household)
    entry = join(space, household, taken.start, taken.end, requested_by=user, attendees=4)
    assert (entry.status, entry.requested_by, entry.attendees) == (
        WaitlistStatus.WAITING,
        user,
        4,
    )


def test_a_free_slot_is_to_be_booked_not_waited_for(space):
    household = HouseholdFactory(project=space.project)
    with pytest.raises(ValidationError) as exc_info:
        join(space, household, june(space, 5, 18), june(space, 5, 20))
    assert exc_info.value.message_dict == {
        "start": ["This slot is free: book it instead of waiting."]
    }
    assert not WaitlistEntry.objects.exists()


def test_a_slot_with_a_free_unit_is_free(taken):
    space = taken.space
    space.units = 2
    space.save()
    with pytest.raises(ValidationError):
        join(space, HouseholdFactory(project=space.project), taken.start, taken.end)


def test_a_slot_partly_taken_can_be_waited_for(space, taken):
    entry = join(
        space, HouseholdFactory(project=space.project), june(space, 5, 19), june(space, 5, 21)
    )
    assert entry.status == WaitlistStatus.WAITING


def test_one_waiting_entry_per_household_and_slot(space, taken):
    household = HouseholdFactory(project=space.project)
    join(space, household, taken.start, taken.end)
    with pytest.raises(ValidationError) as exc_info:
        join(space, household, taken.start, taken.end)
    assert exc_info.value.message_dict == {
        "start": ["Your household is already waiting for this slot."]
    }


def test_the_household_holding_the_slot_cannot_wait_for_it(space, taken):
    with pytest.raises(ValidationError) as exc_info:
        join(space, taken.household, taken.start, taken.end)
    assert list(exc_info.value.message_dict) == ["start"]


@pytest.mark.parametrize(
    ("change", "field"),
    [
        ({"attendees": 11}, "attendees"),
        ({"start_hour": 21}, "start"),  # 21:00–23:00: after closing
        ({"now": dt.datetime(2025, 6, 6, tzinfo=dt.UTC)}, "start"),  # in the past
    ],
    ids=["capacity", "opening-hours", "past"],
)
def test_joining_follows_the_booking_rules(space, taken, change, field):
    start_hour = change.pop("start_hour", 18)
    start = june(space, 5, start_hour)
    with pytest.raises(ValidationError) as exc_info:
        join(
            space,
            HouseholdFactory(project=space.project),
            start,
            start + dt.timedelta(hours=2),
            **change,
        )
    assert list(exc_info.value.message_dict) == [field]


def test_joining_follows_the_quota(space, taken):
    space.quota_week_minutes = 60
    space.save()
    with pytest.raises(ValidationError) as exc_info:
        join(space, HouseholdFactory(project=space.project), taken.start, taken.end)
    assert list(exc_info.value.message_dict) == ["end"]


def test_a_household_leaves_the_waitlist(space, taken):
    entry = join(space, HouseholdFactory(project=space.project), taken.start, taken.end)
    left = waitlist_leave(entry=entry)
    assert left.status == WaitlistStatus.CANCELLED
    with pytest.raises(Conflict):
        waitlist_leave(entry=entry)
    # Having left, the household may wait again, and leaving kept it out of promotion.
    again = join(space, entry.household, taken.start, taken.end)
    waitlist_leave(entry=again)
    cancel(taken)
    assert set(WaitlistEntry.objects.values_list("status", flat=True)) == {WaitlistStatus.CANCELLED}


# --- Promotion -------------------------------------------------------------------------------


def test_the_first_waiting_household_gets_the_slot_then_the_next(space, taken):
    first, second = HouseholdFactory.create_batch(2, project=space.project)
    first_entry = join(space, first, taken.start, taken.end)
    second_entry = join(space, second, taken.start, taken.end)

    cancel(taken)
    first_entry.refresh_from_db()
    second_entry.refresh_from_db()
    assert first_entry.status == WaitlistStatus.PROMOTED
    assert (first_entry.booking.household, first_entry.booking.start) == (first, taken.start)
    assert second_entry.status == WaitlistStatus.WAITING

    # The first household cancels in turn: the second one gets the slot.
    cancel(first_entry.booking)
    second_entry.refresh_from_db()
    assert second_entry.status == WaitlistStatus.PROMOTED
    assert second_entry.booking.household == second
    assert Booking.objects.filter(space=space, status__in=["pending", "confirmed"]).count() == 1


def test_promotion_follows_arrival_not_the_key(space, taken):
    early, late = HouseholdFactory.create_batch(2, project=space.project)
    late_entry = join(space, late, taken.start, taken.end)
    early_entry = join(space, early, taken.start, taken.end)
    WaitlistEntry.objects.filter(pk=early_entry.pk).update(
        created_at=late_entry.created_at - dt.timedelta(minutes=5)
    )
    cancel(taken)
    assert WaitlistEntry.objects.get(pk=early_entry.pk).status == WaitlistStatus.PROMOTED
    assert WaitlistEntry.objects.get(pk=late_entry.pk).status == WaitlistStatus.WAITING


def test_a_shorter_wait_inside_the_freed_slot_is_promoted_and_the_rest_stays_free(space, taken):
    household = HouseholdFactory(project=space.project)
    entry = join(space, household, june(space, 5, 18), june(space, 5, 19))
    promoted = cancel(taken) and WaitlistEntry.objects.get(pk=entry.pk)
    assert promoted.status == WaitlistStatus.PROMOTED
    assert promoted.booking.end == june(space, 5, 19)


def test_an_entry_still_partly_taken_keeps_waiting(space, taken):
    later = BookingFactory(space=space, start=june(space, 5, 20), end=june(space, 5, 21))
    entry = join(
        space, HouseholdFactory(project=space.project), june(space, 5, 19), june(space, 5, 21)
    )
    cancel(taken)
    entry.refresh_from_db()
    assert entry.status == WaitlistStatus.WAITING
    cancel(later)
    entry.refresh_from_db()
    assert entry.status == WaitlistStatus.PROMOTED


def test_an_entry_the_rules_now_refuse_lapses_and_the_next_one_gets_the_slot(space, taken):
    over_quota, next_in_line = HouseholdFactory.create_batch(2, project=space.project)
    lapsing = join(space, over_quota, taken.start, taken.end)
    waiting = join(space, next_in_line, taken.start, taken.end)
    # Meanwhile the first household used up a weekly quota the space now sets.
    space.quota_week_minutes = 120
    space.save()
    BookingFactory(
        space=space, household=over_quota, start=june(space, 3, 10), end=june(space, 3, 12)
    )

    cancel(taken)
    lapsing.refresh_from_db()
    waiting.refresh_from_db()
    assert (lapsing.status, lapsing.booking) == (WaitlistStatus.LAPSED, None)
    assert waiting.status == WaitlistStatus.PROMOTED


def test_a_slot_freed_after_its_start_lapses_the_waitlist(space, taken):
    entry = join(space, HouseholdFactory(project=space.project), taken.start, taken.end)
    cancel(taken, now=june(space, 5, 18, 30))  # a manager cancels after the start
    entry.refresh_from_db()
    assert entry.status == WaitlistStatus.LAPSED
    assert not Booking.objects.filter(household=entry.household).exists()


def test_promoting_a_slot_nobody_waits_for_books_nothing(space):
    assert waitlist_promote(space=space, start=june(space, 5, 18), end=june(space, 5, 20)) == []


def test_the_buffer_of_the_freed_booking_is_freed_too(space):
    space.buffer_minutes = 30
    space.save()
    taken = booking_create(
        space=space,
        household=HouseholdFactory(project=space.project),
        start=june(space, 5, 18),
        end=june(space, 5, 20),
        booked_by=None,
        now=NOW,
    )
    # 20:00–21:00 would need the period from 20:00, inside the buffer.
    entry = join(
        space, HouseholdFactory(project=space.project), june(space, 5, 20), june(space, 5, 21)
    )
    cancel(taken)
    entry.refresh_from_db()
    assert entry.status == WaitlistStatus.PROMOTED


# --- The notification ------------------------------------------------------------------------


def test_the_promoted_household_is_told_once_in_each_residents_language(
    space, taken, django_capture_on_commit_callbacks
):
    household = HouseholdFactory(project=space.project)
    english = make_resident_user(household, first_name="Ada", language="en")
    french = make_resident_user(household, first_name="Émile", language="fr")
    ResidentFactory(household=household, user=None)  # no account: nobody to write to
    entry = join(space, household, taken.start, taken.end, requested_by=english)

    with django_capture_on_commit_callbacks(execute=True) as callbacks:
        cancel(taken)
    assert len(callbacks) == 1

    by_recipient = {message.to[0]: message for message in mail.outbox}
    assert set(by_recipient) == {english.email, french.email}
    english_mail = by_recipient[english.email]
    assert "Common room" in english_mail.subject
    assert "Hello Ada," in english_mail.body
    # The local time of the space (18:00 in Madrid, 16:00 UTC), in each resident's language.
    assert "Thursday June 5, 2025, 6 p.m. – 8 p.m." in english_mail.body
    assert "jeudi 5 juin 2025, 18:00 – 20:00" in by_recipient[french.email].body
    entry.refresh_from_db()
    assert entry.notified_at is not None

    # A task run twice (a retry, a duplicate) sends nothing more.
    assert waitlist_promoted_notify_task.delay(entry.pk).get() == 0
    assert waitlist_promoted_notify(entry_id=entry.pk) == 0
    assert len(mail.outbox) == 2


def test_no_one_is_told_of_a_booking_cancelled_before_the_mail_went_out(space, taken):
    household = HouseholdFactory(project=space.project)
    make_resident_user(household)
    entry = join(space, household, taken.start, taken.end)
    cancel(taken)  # on-commit callbacks do not run in this test's transaction
    entry.refresh_from_db()
    cancel(entry.booking)
    assert waitlist_promoted_notify(entry_id=entry.pk) == 0
    assert mail.outbox == []


def test_the_promoted_booking_is_made_for_the_resident_who_asked(space, taken):
    household = HouseholdFactory(project=space.project)
    user = make_resident_user(household)
    entry = join(space, household, taken.start, taken.end, requested_by=user, attendees=3)
    cancel(taken)
    entry.refresh_from_db()
    booking = entry.booking
    assert (booking.booked_by, booking.attendees, booking.status) == (
        user,
        3,
        BookingStatus.CONFIRMED,
    )


def test_entries_whose_slot_began_without_being_freed_lapse_once(space, taken):
    later = booking_create(
        space=space,
        household=HouseholdFactory(project=space.project),
        start=june(space, 6, 18),
        end=june(space, 6, 20),
        booked_by=None,
        now=NOW,
    )
    past = join(space, HouseholdFactory(project=space.project), taken.start, taken.end)
    coming = join(space, HouseholdFactory(project=space.project), later.start, later.end)

    assert waitlist_lapse_past(now=june(space, 5, 18)) == 1
    assert waitlist_lapse_past(now=june(space, 5, 19)) == 0
    past.refresh_from_db()
    coming.refresh_from_db()
    assert (past.status, coming.status) == (WaitlistStatus.LAPSED, WaitlistStatus.WAITING)
