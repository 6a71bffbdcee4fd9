import datetime as dt

import pytest
from django.core import mail
from django.utils import timezone

from community.bookings.models import Booking, BookingStatus
from community.bookings.services.reminders import booking_reminders_send
from community.bookings.tasks import booking_reminders_send_task, bookings_release_no_shows_task
from tests.community.factories import (
    BookingFactory,
    SpaceFactory,
    friday_evening,
    local,
    zone_of,
)
from tests.concurrency.helpers import at_once
from tests.factories import HouseholdFactory, ResidentFactory, make_resident_user
from tests.tasks.conftest import wait_for

pytestmark = pytest.mark.django_db

FRENCH_MONTHS = [
    "janvier",
    "février",
    "mars",
    "avril",
    "mai",
    "juin",
    "juillet",
    "août",
    "septembre",
    "octobre",
    "novembre",
    "décembre",
]


@pytest.fixture
def space(side_a):
    return SpaceFactory(project=side_a.project, name="Sala comuna", reminder_minutes=24 * 60)


@pytest.fixture
def booking(space, side_a):
    """Household 1A's evening on Friday 14 November 2025, 19:00–21:30 in Madrid."""
    return friday_evening(space, side_a.household, until=(21, 30), note="Sopar de veïns")


def test_each_resident_with_an_account_is_reminded_in_their_language(booking, side_a):
    french = make_resident_user(side_a.household, email="amelie@example.org", language="fr")
    ResidentFactory(household=side_a.household)  # a child without an account
    now = booking.start - dt.timedelta(hours=9)

    assert booking_reminders_send(now=now) == 2

    by_recipient = {message.to[0]: message for message in mail.outbox}
    assert set(by_recipient) == {side_a.resident_user.email, french.email}
    english = by_recipient[side_a.resident_user.email]
    assert "Sala comuna" in english.subject
    assert "Nov. 14, 2025" in english.body
    assert "7 p.m." in english.body
    assert "9:30 p.m." in english.body
    assert "Sopar de veïns" in english.body
    # Django's French formats: the date in words, the time on the 24-hour clock of Madrid.
    assert "14 novembre 2025" in by_recipient[french.email].body
    assert "19:00" in by_recipient[french.email].body
    assert "21:30" in by_recipient[french.email].body
    booking.refresh_from_db()
    assert booking.reminder_sent_at == now


def test_a_second_run_sends_nothing(booking):
    now = booking.start - dt.timedelta(hours=2)
    assert booking_reminders_send(now=now) == 1

    assert booking_reminders_send(now=now) == 0
    assert booking_reminders_send(now=now + dt.timedelta(hours=1)) == 0
    assert len(mail.outbox) == 1


def test_no_reminder_before_the_lead_time(booking):
    lead = dt.timedelta(minutes=booking.space.reminder_minutes)

    assert booking_reminders_send(now=booking.start - lead - dt.timedelta(minutes=1)) == 0
    assert mail.outbox == []
    booking.refresh_from_db()
    assert booking.reminder_sent_at is None

    # Exactly the lead time before the start, it is due.
    assert booking_reminders_send(now=booking.start - lead) == 1


def test_a_short_lead_time_is_the_spaces_own(side_a):
    laundry = SpaceFactory(project=side_a.project, reminder_minutes=30)
    washing = BookingFactory(
        space=laundry, household=side_a.household, start=local(laundry, 2025, 11, 14, 9, 0)
    )

    assert booking_reminders_send(now=washing.start - dt.timedelta(minutes=31)) == 0
    assert booking_reminders_send(now=washing.start - dt.timedelta(minutes=30)) == 1


@pytest.mark.parametrize(
    "status", [BookingStatus.PENDING, BookingStatus.CANCELLED, BookingStatus.REJECTED]
)
def test_only_confirmed_bookings_are_reminded(booking, status):
    booking.status = status
    booking.save()

    assert booking_reminders_send(now=booking.start - dt.timedelta(hours=1)) == 0
    assert mail.outbox == []


def test_no_reminder_for_a_space_without_one_nor_once_the_booking_started(booking, side_a):
    quiet = SpaceFactory(project=side_a.project, reminder_minutes=None)
    BookingFactory(space=quiet, household=side_a.household, start=booking.start)

    assert booking_reminders_send(now=booking.start) == 0
    assert booking_reminders_send(now=booking.start - dt.timedelta(hours=1)) == 1
    assert [message.to for message in mail.outbox] == [[side_a.resident_user.email]]


def test_a_household_without_accounts_is_marked_and_not_retried(space):
    household = HouseholdFactory(project=space.project)
    ResidentFactory(household=household)
    quiet = BookingFactory(space=space, household=household, start=local(space, 2025, 11, 14, 9))

    assert booking_reminders_send(now=quiet.start - dt.timedelta(hours=1)) == 0

    quiet.refresh_from_db()
    assert quiet.reminder_sent_at is not None


def test_reminders_are_sent_in_a_constant_number_of_queries(
    space, side_a, django_assert_max_num_queries
):
    for hour in range(8, 20):
        household = HouseholdFactory(project=space.project)
        make_resident_user(household)
        BookingFactory(space=space, household=household, start=local(space, 2025, 11, 14, hour))

    with django_assert_max_num_queries(8):
        sent = booking_reminders_send(now=local(space, 2025, 11, 14, 7, 0))

    assert sent == 12


@pytest.mark.django_db(transaction=True)
def test_two_runs_at_once_remind_a_booking_once(side_a):
    space = SpaceFactory(project=side_a.project, reminder_minutes=60)
    for hour in (9, 10, 11):
        household = HouseholdFactory(project=space.project)
        make_resident_user(household)
        BookingFactory(space=space, household=household, start=local(space, 2025, 11, 14, hour))
    now = local(space, 2025, 11, 14, 8, 30)

    results = at_once(lambda: booking_reminders_send(now=now))

    assert sum(results) == 1  # only the 9:00 booking is within the hour
    assert len(mail.outbox) == 1


@pytest.mark.django_db(transaction=True)
def test_worker_reminds_once_in_the_recipients_language(celery_worker, side_a):
    amelie = make_resident_user(side_a.neighbour, email="amelie@example.org", language="fr")
    space = SpaceFactory(project=side_a.project, reminder_minutes=120)
    start = (timezone.now() + dt.timedelta(hours=1)).replace(second=0, microsecond=0)
    booking = BookingFactory(space=space, household=side_a.neighbour, start=start)
    # The marker: a no-show in a check-in space, released by a task queued after the reminders.
    marker_space = SpaceFactory(project=side_a.project, checkin_required=True)
    marker = BookingFactory(
        space=marker_space,
        household=side_a.household,
        start=start - dt.timedelta(hours=2),
        end=start + dt.timedelta(hours=1),
    )

    booking_reminders_send_task.delay()
    booking_reminders_send_task.delay()  # a duplicate, as a retry or a second beat would queue
    bookings_release_no_shows_task.delay()

    # The solo worker runs the tasks in order: once the marker is released, both reminder
    # tasks have run.
    assert wait_for(lambda: Booking.objects.get(pk=marker.pk).status == BookingStatus.RELEASED)
    assert [message.to for message in mail.outbox] == [[amelie.email]]
    local_start = start.astimezone(zone_of(space))
    month = FRENCH_MONTHS[local_start.month - 1]
    assert f"{local_start.day} {month} {local_start.year}" in mail.outbox[0].body
    assert f"{local_start:%H:%M}" in mail.outbox[0].body
    assert Booking.objects.get(pk=booking.pk).reminder_sent_at is not None
