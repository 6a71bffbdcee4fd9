import datetime as dt

import pytest
from icalendar import Calendar

from community.bookings.calendars import booking_calendar, household_calendar, space_calendar
from community.bookings.models import BookingStatus, Space
from community.bookings.selectors.bookings import (
    bookings_for_household_feed,
    bookings_for_space_feed,
)
from community.bookings.services.spaces import household_feed_token_rotate, space_feed_token_rotate
from members.models import Household
from tests.community.factories import BookingFactory, SpaceFactory, local
from tests.factories import HouseholdFactory, ResidentFactory

pytestmark = pytest.mark.django_db

UTC = dt.UTC


@pytest.fixture
def space(side_a):
    return SpaceFactory(project=side_a.project, name="Sala comuna")


@pytest.fixture
def marta(side_a):
    household = HouseholdFactory(project=side_a.project, unit_label="Àtic Marta")
    ResidentFactory(household=household, first_name="Marta", last_name="Puigdomènech")
    return household


@pytest.fixture
def jordi(side_a):
    return HouseholdFactory(project=side_a.project, unit_label="Baixos Jordi")


def parse(feed: bytes) -> Calendar:
    assert isinstance(feed, bytes)
    return Calendar.from_ical(feed)


def events_by_uid(calendar: Calendar) -> dict[str, object]:
    return {str(event["UID"]): event for event in calendar.walk("VEVENT")}


def uid(booking) -> str:
    return f"booking-{booking.pk}@netco-commons"


def test_space_feed_lists_pending_and_confirmed_bookings_in_utc_without_households(
    space, marta, jordi
):
    now = local(space, 2025, 11, 1, 12, 0)
    confirmed = BookingFactory(
        space=space,
        household=marta,
        start=local(space, 2025, 11, 14, 19, 0),
        end=local(space, 2025, 11, 14, 21, 30),
        note="Aniversari de la Marta",
    )
    pending = BookingFactory(
        space=space,
        household=jordi,
        start=local(space, 2025, 11, 20, 10, 0),
        status=BookingStatus.PENDING,
    )
    BookingFactory(
        space=space,
        household=jordi,
        start=local(space, 2025, 11, 21, 10, 0),
        status=BookingStatus.CANCELLED,
    )
    BookingFactory(space=space, household=jordi, start=local(space, 2025, 9, 1, 10, 0))  # too old
    BookingFactory(space=SpaceFactory(project=space.project), start=confirmed.start)  # other space

    feed = space_calendar(space=space, bookings=bookings_for_space_feed(space, now=now), now=now)
    calendar = parse(feed)

    assert str(calendar["PRODID"]) == "-//NETCO Commons//EN"
    assert str(calendar["VERSION"]) == "2.0"
    assert str(calendar["X-WR-CALNAME"]) == f"{space.project.name} · Sala comuna"
    assert calendar.walk("VTIMEZONE") == []
    events = events_by_uid(calendar)
    assert set(events) == {uid(confirmed), uid(pending)}

    shown = events[uid(confirmed)]
    assert str(shown["SUMMARY"]) == "Booked"
    assert str(shown["STATUS"]) == "CONFIRMED"
    # 19:00 in Madrid in November (CET, UTC+1) is 18:00 UTC, written with Z.
    assert shown.decoded("DTSTART") == dt.datetime(2025, 11, 14, 18, 0, tzinfo=UTC)
    assert shown.decoded("DTEND") == dt.datetime(2025, 11, 14, 20, 30, tzinfo=UTC)
    assert b"DTSTART:20251114T180000Z" in feed
    assert "DTSTAMP" in shown

    tentative = events[uid(pending)]
    assert str(tentative["STATUS"]) == "TENTATIVE"
    assert str(tentative["SUMMARY"]) == "Booked (pending approval)"

    # Nothing in the shared feed says who booked.
    text = feed.decode()
    for identity in ("Marta", "Puigdomènech", "Àtic", "Jordi", "Baixos", "Aniversari"):
        assert identity not in text
    for event in events.values():
        assert "DESCRIPTION" not in event
        assert "ORGANIZER" not in event
        assert "ATTENDEE" not in event


def test_times_in_summer_time_are_converted_to_utc(space, marta):
    booking = BookingFactory(
        space=space, household=marta, start=local(space, 2026, 7, 1, 10, 0)
    )  # CEST, UTC+2

    feed = booking_calendar(booking=booking)

    event = parse(feed).walk("VEVENT")[0]
    assert event.decoded("DTSTART") == dt.datetime(2026, 7, 1, 8, 0, tzinfo=UTC)
    assert event.decoded("DTEND") == dt.datetime(2026, 7, 1, 9, 0, tzinfo=UTC)
    assert b"DTEND:20260701T090000Z" in feed


def test_household_feed_shows_its_own_bookings_with_space_unit_and_note(space, marta, jordi):
    now = local(space, 2025, 11, 1, 12, 0)
    laundry = SpaceFactory(project=space.project, name="Bugaderia", units=3)
    own = BookingFactory(
        space=space, household=marta, start=local(space, 2025, 11, 14, 19, 0), note="Sopar"
    )
    washing = BookingFactory(
        space=laundry,
        household=marta,
        unit=2,
        start=local(space, 2025, 11, 15, 9, 0),
        status=BookingStatus.PENDING,
    )
    recent = BookingFactory(space=space, household=marta, start=local(space, 2025, 10, 10, 9, 0))
    BookingFactory(
        space=space,
        household=marta,
        start=local(space, 2025, 11, 16, 9, 0),
        status=BookingStatus.CANCELLED,
    )
    BookingFactory(space=space, household=jordi, start=local(space, 2025, 11, 17, 9, 0))

    calendar = parse(
        household_calendar(
            household=marta, bookings=bookings_for_household_feed(marta, now=now), now=now
        )
    )

    assert str(calendar["X-WR-CALNAME"]) == f"{space.project.name} · unit Àtic Marta · bookings"
    events = events_by_uid(calendar)
    assert set(events) == {uid(own), uid(washing), uid(recent)}
    assert str(events[uid(own)]["SUMMARY"]) == "Sala comuna"
    assert str(events[uid(own)]["DESCRIPTION"]) == "Sopar"
    assert str(events[uid(own)]["STATUS"]) == "CONFIRMED"
    assert str(events[uid(washing)]["SUMMARY"]) == "Bugaderia · unit 2 (pending approval)"
    assert str(events[uid(washing)]["STATUS"]) == "TENTATIVE"


def test_feeds_are_read_in_a_constant_number_of_queries(
    space, marta, django_assert_max_num_queries
):
    now = local(space, 2025, 11, 1, 12, 0)
    other = SpaceFactory(project=space.project)
    for day in range(1, 11):
        BookingFactory(space=space, household=marta, start=local(space, 2025, 11, day, 18, 0))
        BookingFactory(space=other, household=marta, start=local(space, 2025, 11, day, 9, 0))
    household = Household.objects.get(pk=marta.pk)
    fresh_space = Space.objects.select_related("project").get(pk=space.pk)

    with django_assert_max_num_queries(2):  # the household's project, then its bookings
        feed = household_calendar(
            household=household, bookings=bookings_for_household_feed(household, now=now)
        )
    assert len(parse(feed).walk("VEVENT")) == 20

    with django_assert_max_num_queries(1):
        feed = space_calendar(
            space=fresh_space, bookings=bookings_for_space_feed(fresh_space, now=now)
        )
    assert len(parse(feed).walk("VEVENT")) == 10


def test_a_cancelled_booking_comes_out_cancelled_in_its_own_calendar(space, marta):
    booking = BookingFactory(
        space=space,
        household=marta,
        start=local(space, 2025, 11, 14, 19, 0),
        status=BookingStatus.CANCELLED,
    )

    event = parse(booking_calendar(booking=booking)).walk("VEVENT")[0]

    assert str(event["UID"]) == uid(booking)
    assert str(event["STATUS"]) == "CANCELLED"


def test_rotating_the_space_token_revokes_the_old_one(space):
    old = space.feed_token

    space_feed_token_rotate(space=space)

    space.refresh_from_db()
    assert space.feed_token != old
    assert len(space.feed_token) >= 32
    assert not Space.objects.filter(feed_token=old).exists()


def test_rotating_the_household_token_revokes_the_old_one(marta):
    old = marta.feed_token

    household_feed_token_rotate(household=marta)

    marta.refresh_from_db()
    assert marta.feed_token != old
    assert not Household.objects.filter(feed_token=old).exists()
