"""Calendar feeds over HTTP: the secret token is the key, a new link revokes the old one."""

from __future__ import annotations

import datetime as dt

import pytest
from icalendar import Calendar

from community.bookings.models import BookingStatus, Space
from members.models import Household
from tests.community.factories import BookingFactory, SpaceFactory, local, zone_of
from tests.pages.helpers import html

pytestmark = pytest.mark.django_db


@pytest.fixture
def space(side_a):
    return SpaceFactory(project=side_a.project, name="Common room")


@pytest.fixture
def day(space) -> dt.date:
    """Tomorrow where the space is: the feeds show upcoming bookings."""
    return (dt.datetime.now(dt.UTC) + dt.timedelta(days=1)).astimezone(zone_of(space)).date()


def at(space: Space, day: dt.date, hour: int) -> dt.datetime:
    return local(space, day.year, day.month, day.day, hour, 0)


def uid(booking) -> str:
    return f"booking-{booking.pk}@netco-commons"


def parse(response) -> Calendar:
    assert response.status_code == 200
    assert response["Content-Type"] == "text/calendar; charset=utf-8"
    return Calendar.from_ical(response.content)


def events(calendar: Calendar) -> dict[str, object]:
    return {str(event["UID"]): event for event in calendar.walk("VEVENT")}


def space_feed_url(space: Space) -> str:
    return f"/calendars/space/{space.feed_token}.ics"


def household_feed_url(household: Household) -> str:
    return f"/calendars/household/{household.feed_token}.ics"


# --- The space's feed --------------------------------------------------------------------


def test_space_feed_needs_no_sign_in_and_says_only_booked(client, side_a, space, day):
    ours = BookingFactory(space=space, household=side_a.household, start=at(space, day, 10))
    theirs = BookingFactory(
        space=space,
        household=side_a.neighbour,
        start=at(space, day, 12),
        status=BookingStatus.PENDING,
        note="Surprise party",
    )
    BookingFactory(
        space=space,
        household=side_a.neighbour,
        start=at(space, day, 15),
        status=BookingStatus.CANCELLED,
    )
    BookingFactory(space=SpaceFactory(project=side_a.project), start=at(space, day, 10))

    response = client.get(space_feed_url(space))

    shown = events(parse(response))
    assert set(shown) == {uid(ours), uid(theirs)}
    assert str(shown[uid(ours)]["SUMMARY"]) == "Booked"
    assert shown[uid(ours)].decoded("DTSTART") == at(space, day, 10).astimezone(dt.UTC)
    assert str(shown[uid(theirs)]["STATUS"]) == "TENTATIVE"
    text = response.content.decode()
    for identity in ("1A", "1B", "Neighbour", "Surprise party"):
        assert identity not in text


def test_an_unknown_space_token_is_not_found(client, space):
    assert client.get("/calendars/space/not-a-token.ics").status_code == 404
    assert client.get(f"/calendars/household/{space.feed_token}.ics").status_code == 404


def test_a_new_space_link_revokes_the_old_one(client, side_a, space):
    old = space_feed_url(space)
    client.force_login(side_a.manager)

    response = client.post(f"/spaces/{space.pk}/settings/feed/", follow=True)

    space.refresh_from_db()
    assert space_feed_url(space) != old
    assert space_feed_url(space) in html(response)
    client.logout()
    assert client.get(old).status_code == 404
    parse(client.get(space_feed_url(space)))


def test_residents_find_the_space_link_on_the_week_view(client, side_a, space):
    client.force_login(side_a.resident_user)

    page = html(client.get(f"/spaces/{space.pk}/"))

    assert f"http://testserver/calendars/space/{space.feed_token}.ics" in page


# --- The household's feed ----------------------------------------------------------------


def test_household_feed_shows_only_the_households_bookings(client, side_a, space, day):
    ours = BookingFactory(
        space=space, household=side_a.household, start=at(space, day, 10), note="Choir"
    )
    BookingFactory(space=space, household=side_a.neighbour, start=at(space, day, 12))

    shown = events(parse(client.get(household_feed_url(side_a.household))))

    assert set(shown) == {uid(ours)}
    assert str(shown[uid(ours)]["SUMMARY"]) == "Common room"
    assert str(shown[uid(ours)]["DESCRIPTION"]) == "Choir"


def test_a_new_household_link_from_my_bookings_revokes_the_old_one(client, side_a, space, day):
    ours = BookingFactory(space=space, household=side_a.household, start=at(space, day, 10))
    old = household_feed_url(side_a.household)
    client.force_login(side_a.resident_user)
    assert old in html(client.get("/bookings/mine/"))

    response = client.post("/bookings/mine/feed/", HTTP_HX_REQUEST="true")

    page = html(response)
    assert "<html" not in page
    assert "New calendar link made: the old one no longer works." in page
    side_a.household.refresh_from_db()
    new = household_feed_url(side_a.household)
    assert new != old
    assert f"http://testserver{new}" in page
    client.logout()
    assert client.get(old).status_code == 404
    assert set(events(parse(client.get(new)))) == {uid(ours)}


def test_a_new_household_link_without_javascript(client, side_a):
    client.force_login(side_a.resident_user)
    old = side_a.household.feed_token

    response = client.post("/bookings/mine/feed/", follow=True)

    assert response.redirect_chain == [("/bookings/mine/", 302)]
    side_a.household.refresh_from_db()
    assert side_a.household.feed_token != old


def test_a_user_without_household_has_no_household_link_to_renew(client, side_a):
    client.force_login(side_a.manager)

    assert client.post("/bookings/mine/feed/").status_code == 404


# --- One booking as a file ---------------------------------------------------------------


def test_a_booking_downloads_as_an_ics_attachment(client, side_a, space, day):
    booking = BookingFactory(space=space, household=side_a.household, start=at(space, day, 10))
    client.force_login(side_a.resident_user)

    response = client.get(f"/bookings/{booking.pk}.ics")

    assert response["Content-Disposition"] == f'attachment; filename="booking-{booking.pk}.ics"'
    event = parse(response).walk("VEVENT")[0]
    assert str(event["UID"]) == uid(booking)
    assert event.decoded("DTEND") == at(space, day, 11).astimezone(dt.UTC)


def test_managers_download_any_booking_of_their_project(client, side_a, space, day):
    booking = BookingFactory(space=space, household=side_a.neighbour, start=at(space, day, 10))
    client.force_login(side_a.manager)

    calendar = parse(client.get(f"/bookings/{booking.pk}.ics"))

    assert set(events(calendar)) == {uid(booking)}


def test_a_booking_file_needs_a_sign_in_and_the_right_household(client, side_a, space, day):
    booking = BookingFactory(space=space, household=side_a.neighbour, start=at(space, day, 10))

    anonymous = client.get(f"/bookings/{booking.pk}.ics")
    client.force_login(side_a.resident_user)
    neighbour = client.get(f"/bookings/{booking.pk}.ics")

    assert anonymous.status_code == 302
    assert neighbour.status_code == 404
