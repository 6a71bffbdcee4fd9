"""The booking pages as residents and managers see them: spaces, the week, the booking form,
my bookings, the approval queue, space settings and the fair-use report."""

from __future__ import annotations

import datetime as dt
import re
from html import unescape
from urllib.parse import parse_qs, urlparse

import pytest
from django.utils import timezone

from community.bookings.models import (
    Booking,
    BookingStatus,
    Space,
    SpaceClosure,
    SpaceKind,
    WaitlistEntry,
    WaitlistStatus,
)
from community.bookings.services.bookings import booking_cancel
from tests.community.factories import BookingFactory, SpaceFactory, local, open_daily, zone_of
from tests.factories import HouseholdFactory
from tests.pages.helpers import field_errors, html, shows

pytestmark = pytest.mark.django_db


# --- Fixtures and helpers -----------------------------------------------------------------


@pytest.fixture
def space(side_a):
    space = SpaceFactory(project=side_a.project, name="Common room", capacity=12)
    open_daily(space, "08:00", "22:00")
    return space


@pytest.fixture
def other_space(side_b):
    """A space of another city's project: it does not exist for side A."""
    space = SpaceFactory(project=side_b.project, name="Sala de la otra ciudad")
    open_daily(space, "08:00", "22:00")
    return space


@pytest.fixture
def monday(space) -> dt.date:
    """Next week's Monday, where the space is: always ahead, always within the 60 days."""
    today = timezone.now().astimezone(zone_of(space)).date()
    return today + dt.timedelta(days=7 - today.weekday())


@pytest.fixture
def resident_client(client, side_a):
    client.force_login(side_a.resident_user)
    return client


@pytest.fixture
def manager_client(client, side_a):
    client.force_login(side_a.manager)
    return client


def at(space: Space, day: dt.date, hour: int, minute: int = 0) -> dt.datetime:
    return local(space, day.year, day.month, day.day, hour, minute)


def typed(moment: dt.datetime, space: Space) -> str:
    """How a ``datetime-local`` input sends the moment: the space's wall clock."""
    return moment.astimezone(zone_of(space)).strftime("%Y-%m-%dT%H:%M")


def booking_data(space: Space, start: dt.datetime, end: dt.datetime, **extra) -> dict:
    return {
        "start": typed(start, space),
        "end": typed(end, space),
        "attendees": "4",
        "note": "",
        "recurrence": "",
        "occurrences": "",
        "mode": "all_or_nothing",
        **extra,
    }


def book_links(page: str) -> list[str]:
    """The booking-form links of the free slots of a week page."""
    return [unescape(href) for href in re.findall(r'class="slot-button" href="([^"]+)"', page)]


def hx(client, method: str, url: str, data=None):
    send = client.get if method == "get" else client.post
    return send(url, data or {}, HTTP_HX_REQUEST="true")


# --- Every page, for its role, in English and in French ------------------------------------


def resident_pages(space: Space, monday: dt.date) -> list[str]:
    return [
        f"/projects/{space.project.pk}/spaces/",
        f"/spaces/{space.pk}/",
        f"/spaces/{space.pk}/?week={monday.isoformat()}",
        f"/spaces/{space.pk}/book/?start={monday}T10:00&end={monday}T11:00",
        "/bookings/mine/",
        "/",
    ]


def manager_pages(space: Space) -> list[str]:
    return [
        f"/projects/{space.project.pk}/spaces/",
        f"/spaces/{space.pk}/",
        f"/projects/{space.project.pk}/bookings/pending/",
        f"/projects/{space.project.pk}/spaces/new/",
        f"/spaces/{space.pk}/settings/",
        f"/spaces/{space.pk}/usage/",
        "/",
    ]


@pytest.mark.parametrize("language", ["en", "fr"])
def test_resident_pages_render_in_the_language_asked(request, side_a, space, monday, language):
    browser = request.getfixturevalue("french_client" if language == "fr" else "client")
    browser.force_login(side_a.resident_user)
    BookingFactory(space=space, household=side_a.household, start=at(space, monday, 10))

    for url in resident_pages(space, monday):
        response = browser.get(url)
        assert response.status_code == 200, url
        assert f'<html lang="{language}">' in html(response), url


@pytest.mark.parametrize("language", ["en", "fr"])
def test_manager_pages_render_in_the_language_asked(request, side_a, space, monday, language):
    browser = request.getfixturevalue("french_client" if language == "fr" else "client")
    browser.force_login(side_a.manager)
    BookingFactory(
        space=space,
        household=side_a.neighbour,
        start=at(space, monday, 10),
        status=BookingStatus.PENDING,
    )

    for url in manager_pages(space):
        response = browser.get(url)
        assert response.status_code == 200, url
        assert f'<html lang="{language}">' in html(response), url


def test_homes_link_to_the_booking_pages(client, side_a):
    client.force_login(side_a.resident_user)
    page = html(client.get("/"))
    assert f'href="/projects/{side_a.project.pk}/spaces/"' in page
    assert 'href="/bookings/mine/"' in page

    client.force_login(side_a.manager)
    page = html(client.get("/"))
    assert f'href="/projects/{side_a.project.pk}/spaces/"' in page
    assert f'href="/projects/{side_a.project.pk}/bookings/pending/"' in page
    assert "Households and residents" in page  # what was there stays


# --- The spaces of a project -------------------------------------------------------------


def test_rules_are_written_in_hours_and_the_form_states_the_cancellation_cut_off(
    resident_client, side_a, space, monday
):
    space.cancel_cutoff_minutes = 1440
    space.checkin_required = True
    space.checkin_grace_minutes = 90
    space.save()

    listing = html(resident_client.get(f"/projects/{side_a.project.pk}/spaces/"))
    assert "up to 24 hours before the start" in listing
    assert "required, within 90 minutes of the start" in listing
    assert "1440" not in listing

    form = html(
        resident_client.get(f"/spaces/{space.pk}/book/?start={monday}T10:00&end={monday}T11:00")
    )
    assert "A booking lasts 30 minutes to 4 hours." in form
    assert "You can cancel it up to 24 hours before the start; later, only a manager can." in form


def test_space_list_shows_kind_capacity_rules_and_opening_hours(resident_client, side_a, space):
    space.quota_week_minutes = 240
    space.fee_per_hour_cents = 250
    space.requires_approval = True
    space.save()
    SpaceFactory(project=side_a.project, name="Old shed", is_active=False)

    page = html(resident_client.get(f"/projects/{side_a.project.pk}/spaces/"))

    assert f'<a href="/spaces/{space.pk}/">Common room</a>' in page
    assert "Common room" in page and "up to 12 people" in page
    assert "30 minutes to 4 hours" in page
    assert "4 h per household" in page
    assert "€2.50 per hour" in page
    assert "A manager approves each booking" in page
    assert "Every day</span> 8 a.m.–10 p.m." in page
    assert "Old shed" not in page  # residents see the bookable spaces only


def test_opening_hours_are_summed_up_by_runs_of_days(resident_client, side_a):
    workshop = SpaceFactory(project=side_a.project, name="Workshop", kind=SpaceKind.WORKSHOP)
    open_daily(workshop, "08:00", "22:00", weekdays=range(5))
    open_daily(workshop, "10:00", "14:00", weekdays=[5])

    page = html(resident_client.get(f"/projects/{side_a.project.pk}/spaces/"))

    assert "Mon–Fri</span> 8 a.m.–10 p.m." in page
    assert "Sat</span> 10 a.m.–2 p.m." in page
    assert "Sun</span> closed" in page


def test_what_is_free_finds_the_spaces_free_then(resident_client, side_a, space, monday):
    guest_room = SpaceFactory(
        project=side_a.project, name="Guest room", kind=SpaceKind.GUEST_ROOM, capacity=2
    )
    BookingFactory(space=space, household=side_a.neighbour, start=at(space, monday, 10))
    query = {"start": f"{monday}T10:00", "end": f"{monday}T11:00"}

    response = hx(resident_client, "get", f"/projects/{side_a.project.pk}/spaces/", query)

    page = html(response)
    assert "<html" not in page
    assert "1 space is free then" in page
    assert f'<a href="/spaces/{guest_room.pk}/">Guest room</a>' in page
    assert f'<a href="/spaces/{space.pk}/">Common room</a>' not in page
    link = re.search(r'class="button" href="([^"]+)">Book Guest room', page).group(1)
    assert parse_qs(urlparse(unescape(link)).query) == {
        "start": [f"{monday}T10:00"],
        "end": [f"{monday}T11:00"],
    }

    by_kind = html(
        resident_client.get(
            f"/projects/{side_a.project.pk}/spaces/", {**query, "kind": "common_room"}
        )
    )
    assert "No space is free for all of that time." in by_kind


def test_what_is_free_refuses_an_end_before_the_start(resident_client, side_a, space, monday):
    response = resident_client.get(
        f"/projects/{side_a.project.pk}/spaces/",
        {"start": f"{monday}T11:00", "end": f"{monday}T10:00"},
    )

    assert field_errors(html(response), "end") == ["The end must come after the start."]


# --- The week of a space -----------------------------------------------------------------


def test_week_view_shows_busy_and_free_slots_and_links_the_weeks(
    resident_client, side_a, space, monday
):
    BookingFactory(
        space=space,
        household=side_a.neighbour,
        start=at(space, monday, 10),
        end=at(space, monday, 12),
    )
    BookingFactory(
        space=space, household=side_a.household, start=at(space, monday + dt.timedelta(1), 18)
    )

    response = resident_client.get(f"/spaces/{space.pk}/", {"week": monday.isoformat()})

    page = html(response)
    assert response.status_code == 200
    assert page.count('<section class="day') == 7
    assert '10 a.m.–noon</span>\n              <span class="slot-label">Booked' in page
    assert "Your booking" in page
    links = book_links(page)
    first = parse_qs(urlparse(links[0]).query)
    # Monday: free 8–10, busy 10–12, free 12–22; each free slot opens the form on the whole
    # interval, cut to the longest booking (240 minutes).
    assert first == {"start": [f"{monday}T08:00"], "end": [f"{monday}T10:00"]}
    second = parse_qs(urlparse(links[1]).query)
    assert second == {"start": [f"{monday}T12:00"], "end": [f"{monday}T16:00"]}
    assert f'href="/spaces/{space.pk}/?week={monday - dt.timedelta(7)}"' in page
    assert f'href="/spaces/{space.pk}/?week={monday + dt.timedelta(7)}"' in page
    assert f"/calendars/space/{space.feed_token}.ics" in page


def test_this_weeks_free_slots_start_on_the_grid_and_not_in_the_past(resident_client, space):
    now = timezone.now()

    this_week = html(resident_client.get(f"/spaces/{space.pk}/"))
    next_monday = re.search(r'href="/spaces/\d+/\?week=([\d-]+)" rel="next"', this_week).group(1)
    next_week = html(resident_client.get(f"/spaces/{space.pk}/?week={next_monday}"))

    starts = [
        dt.datetime.fromisoformat(parse_qs(urlparse(link).query)["start"][0]).replace(
            tzinfo=zone_of(space)
        )
        for link in book_links(this_week) + book_links(next_week)
    ]
    assert len(starts) >= 7
    assert all(start >= now and start.minute % 15 == 0 for start in starts)


def test_a_free_interval_over_midnight_is_booked_from_each_days_own_start(
    resident_client, side_a, monday
):
    laundry = SpaceFactory(project=side_a.project, name="Laundry")  # open around the clock

    page = html(resident_client.get(f"/spaces/{laundry.pk}/?week={monday}"))

    starts = [parse_qs(urlparse(link).query) for link in book_links(page)]
    tuesday = monday + dt.timedelta(days=1)
    assert len(starts) == 7
    assert starts[1] == {"start": [f"{tuesday}T00:00"], "end": [f"{tuesday}T04:00"]}


def test_residents_never_see_who_booked_but_managers_see_the_unit(client, side_a, space, monday):
    # A label no token or id on the page can contain by chance.
    side_a.neighbour.unit_label = "Neighbour-unit-QX"
    side_a.neighbour.save()
    BookingFactory(space=space, household=side_a.neighbour, start=at(space, monday, 10))
    url = f"/spaces/{space.pk}/?week={monday}"

    client.force_login(side_a.resident_user)
    resident_page = html(client.get(url))
    client.force_login(side_a.manager)
    manager_page = html(client.get(url))

    assert "Neighbour-unit-QX" not in resident_page
    assert "Neighbour" not in resident_page
    assert "Booked" in resident_page
    assert "Household Neighbour-unit-QX" in manager_page


def test_week_view_marks_closures_and_the_quota_used_up(resident_client, side_a, space, monday):
    space.quota_week_minutes = 60
    space.save()
    SpaceClosure.objects.create(
        space=space, start=at(space, monday, 8), end=at(space, monday, 22), reason="Painting"
    )
    BookingFactory(
        space=space, household=side_a.household, start=at(space, monday + dt.timedelta(1), 9)
    )

    page = html(resident_client.get(f"/spaces/{space.pk}/?week={monday}"))

    assert "Closed" in page
    assert "quota for this week is used up" in page
    assert "0 minutes of 1 hour left" in page
    assert book_links(page) == []


def test_a_manager_without_a_household_sees_the_week_but_no_booking_buttons(
    manager_client, space, monday
):
    page = html(manager_client.get(f"/spaces/{space.pk}/?week={monday}"))

    assert book_links(page) == []
    assert "Only the households of the project can book." in page


# --- Booking through the form ------------------------------------------------------------


def test_booking_from_the_week_view_through_the_form(resident_client, side_a, space, monday):
    week = html(resident_client.get(f"/spaces/{space.pk}/?week={monday}"))
    link = book_links(week)[0]

    panel = hx(resident_client, "get", link)

    form = html(panel)
    assert "<html" not in form
    assert f'value="{monday}T08:00"' in form
    assert f'value="{monday}T12:00"' in form  # 8–22 free: the longest booking, 240 minutes
    response = hx(
        resident_client,
        "post",
        f"/spaces/{space.pk}/book/",
        booking_data(space, at(space, monday, 8), at(space, monday, 9), note="Book club"),
    )

    assert response.status_code == 200
    assert response["HX-Redirect"] == f"/spaces/{space.pk}/?week={monday}"
    booking = Booking.objects.get(space=space)
    assert booking.household == side_a.household
    assert booking.booked_by == side_a.resident_user
    assert booking.status == BookingStatus.CONFIRMED
    # 08:00 in Madrid, in UTC.
    assert booking.start == at(space, monday, 8).astimezone(dt.UTC)
    assert booking.attendees == 4
    assert booking.note == "Book club"
    followed = html(resident_client.get(response["HX-Redirect"]))
    assert "Booked: Common room, " in followed
    assert ", 8 a.m.–9 a.m." in followed
    assert "Your booking" in followed


def disclosure(page: str, name: str) -> tuple[str, str] | None:
    """The opening tag and the content of the form's ``<details class="name">``, if any."""
    found = re.search(rf'(<details class="{name}"[^>]*>)(.*?)</details>', page, re.DOTALL)
    return (found.group(1), found.group(2)) if found else None


def test_a_chosen_slot_is_a_sentence_with_its_times_and_options_behind_disclosures(
    resident_client, space, monday
):
    """A few keystrokes to "Book": the times and the optional fields are there, filled in and
    sent with the form, but folded away until asked for."""
    page = html(
        resident_client.get(f"/spaces/{space.pk}/book/?start={monday}T10:00&end={monday}T11:00")
    )

    weekday = monday.strftime("%A")
    assert re.search(rf'<p class="chosen-slot"><strong>{weekday} [^<]+, 10 a\.m\.–11 a\.m\.<', page)
    opening, times = disclosure(page, "change-time")
    assert opening == '<details class="change-time">'  # closed
    assert f'value="{monday}T10:00"' in times and f'value="{monday}T11:00"' in times
    opening, options = disclosure(page, "more-options")
    assert opening == '<details class="more-options">'
    assert 'name="note"' in options and 'name="recurrence"' in options
    # Between the heading and "Book": the time's disclosure, the people, the options.
    form = page[page.index('id="booking-form-heading"') : page.rindex(">Book</button>")]
    assert 'name="attendees"' in form and "</details>" in form


def test_without_a_chosen_slot_the_times_are_asked_first(resident_client, space):
    page = html(resident_client.get(f"/spaces/{space.pk}/book/"))

    assert "chosen-slot" not in page and disclosure(page, "change-time") is None
    assert 'name="start"' in page and 'name="end"' in page


def test_a_refused_time_is_shown_open_with_its_error_not_as_a_sentence(
    resident_client, space, monday
):
    page = html(
        resident_client.post(
            f"/spaces/{space.pk}/book/",
            booking_data(space, at(space, monday, 10), at(space, monday, 21)),
        )
    )

    assert "chosen-slot" not in page and disclosure(page, "change-time") is None
    assert field_errors(page, "end")
    assert re.search(r'<input[^>]*name="end"[^>]*aria-invalid="true"', page)


def test_a_refused_option_opens_the_options_and_keeps_the_chosen_slot(
    resident_client, space, monday
):
    page = html(
        resident_client.post(
            f"/spaces/{space.pk}/book/", {**series(space, monday, "free_only"), "occurrences": ""}
        )
    )

    assert '<p class="chosen-slot">' in page
    assert disclosure(page, "change-time")[0] == '<details class="change-time">'
    assert disclosure(page, "more-options")[0] == '<details class="more-options" open>'
    assert field_errors(page, "occurrences") == ["This field is required."]


def test_booking_without_javascript_redirects_to_the_week(resident_client, space, monday):
    response = resident_client.post(
        f"/spaces/{space.pk}/book/",
        booking_data(space, at(space, monday, 19), at(space, monday, 21)),
        follow=True,
    )

    assert response.redirect_chain == [(f"/spaces/{space.pk}/?week={monday}", 302)]
    assert Booking.objects.filter(space=space).count() == 1


def test_a_space_needing_approval_says_the_booking_is_requested(resident_client, space, monday):
    space.requires_approval = True
    space.save()

    response = resident_client.post(
        f"/spaces/{space.pk}/book/",
        booking_data(space, at(space, monday, 19), at(space, monday, 20)),
        follow=True,
    )

    assert shows(
        html(response),
        "A manager will approve or reject your booking.",
    )
    assert "Requested: Common room, " in html(response)
    assert Booking.objects.get(space=space).status == BookingStatus.PENDING


@pytest.mark.parametrize(
    ("hours", "field", "message"),
    [
        ((11, 10), "end", "The booking must end after it starts."),
        ((6, 7), "start", "The space is not open for all of this period."),
        ((10, 15), "end", "The longest booking is 4 hours."),
    ],
    ids=["end-before-start", "outside-opening-hours", "too-long"],
)
def test_bad_booking_shows_the_error_on_the_field_and_writes_nothing(
    resident_client, space, monday, hours, field, message
):
    start, end = hours

    response = hx(
        resident_client,
        "post",
        f"/spaces/{space.pk}/book/",
        booking_data(space, at(space, monday, start), at(space, monday, end)),
    )

    assert response.status_code == 200
    assert "HX-Redirect" not in response
    assert field_errors(html(response), field) == [message]
    assert not Booking.objects.exists()


def test_too_many_attendees_is_refused_on_its_field(resident_client, space, monday):
    response = resident_client.post(
        f"/spaces/{space.pk}/book/",
        booking_data(space, at(space, monday, 10), at(space, monday, 11), attendees="40"),
    )

    assert field_errors(html(response), "attendees") == ["This space holds 12 people at most."]
    assert not Booking.objects.exists()


def test_a_taken_slot_shows_the_next_free_times_and_the_waitlist(
    resident_client, side_a, space, monday
):
    BookingFactory(
        space=space,
        household=side_a.neighbour,
        start=at(space, monday, 10),
        end=at(space, monday, 12),
    )

    response = hx(
        resident_client,
        "post",
        f"/spaces/{space.pk}/book/",
        booking_data(space, at(space, monday, 10), at(space, monday, 11)),
    )

    page = html(response)
    assert "This slot is already booked." in page
    assert "The next free times" in page
    links = [
        parse_qs(urlparse(unescape(href)).query)
        for href in re.findall(r'class="slot-button" href="([^"]+)"', page)
    ]
    # Free again from noon that Monday, then each next morning: an hour, as asked.
    assert links[0] == {"start": [f"{monday}T12:00"], "end": [f"{monday}T13:00"]}
    assert links[1]["start"] == [f"{monday + dt.timedelta(1)}T08:00"]
    assert "Join the waitlist" in page
    assert Booking.objects.filter(household=side_a.household).count() == 0

    joined = hx(
        resident_client,
        "post",
        f"/spaces/{space.pk}/waitlist/",
        {"start": f"{monday}T10:00", "end": f"{monday}T11:00", "attendees": "4"},
    )

    assert joined["HX-Redirect"] == f"/spaces/{space.pk}/?week={monday}"
    entry = WaitlistEntry.objects.get(space=space)
    assert entry.household == side_a.household
    assert entry.status == WaitlistStatus.WAITING
    assert entry.start == at(space, monday, 10).astimezone(dt.UTC)


def test_joining_the_waitlist_of_a_free_slot_is_refused(resident_client, space, monday):
    response = hx(
        resident_client,
        "post",
        f"/spaces/{space.pk}/waitlist/",
        {"start": f"{monday}T10:00", "end": f"{monday}T11:00", "attendees": "1"},
    )

    assert "This slot is free: book it instead of waiting." in html(response)
    assert not WaitlistEntry.objects.exists()


# --- Series ------------------------------------------------------------------------------


def series(space: Space, monday: dt.date, mode: str) -> dict:
    return booking_data(
        space,
        at(space, monday, 19),
        at(space, monday, 20),
        recurrence="weekly",
        occurrences="3",
        mode=mode,
    )


@pytest.fixture
def second_date_taken(side_a, space, monday):
    return BookingFactory(
        space=space, household=side_a.neighbour, start=at(space, monday + dt.timedelta(7), 19)
    )


def test_the_series_preview_lists_the_dates_that_conflict(
    resident_client, space, monday, second_date_taken
):
    response = hx(
        resident_client, "get", f"/spaces/{space.pk}/book/preview/", series(space, monday, "")
    )

    page = html(response)
    assert "<html" not in page
    assert "2 of 3 dates are free." in page
    assert page.count('class="free"') == 2
    assert page.count('class="conflict"') == 1
    assert "This slot is already booked." in page


def test_the_series_preview_without_javascript_stays_on_the_form(
    resident_client, space, monday, second_date_taken
):
    response = resident_client.post(
        f"/spaces/{space.pk}/book/", {**series(space, monday, "free_only"), "preview": "1"}
    )

    assert "2 of 3 dates are free." in html(response)
    assert not Booking.objects.filter(series__isnull=False).exists()


def test_a_series_books_only_the_free_dates_when_asked(
    resident_client, side_a, space, monday, second_date_taken
):
    response = resident_client.post(
        f"/spaces/{space.pk}/book/", series(space, monday, "free_only"), follow=True
    )

    booked = Booking.objects.filter(household=side_a.household).order_by("start")
    assert [b.start.astimezone(zone_of(space)).date() for b in booked] == [
        monday,
        monday + dt.timedelta(14),
    ]
    page = html(response)
    assert "Booked: 2 dates of Common room, the first on " in page
    assert "Not booked, as taken or refused:" in page


def test_an_all_or_nothing_series_with_a_taken_date_books_nothing(
    resident_client, side_a, space, monday, second_date_taken
):
    response = hx(
        resident_client,
        "post",
        f"/spaces/{space.pk}/book/",
        series(space, monday, "all_or_nothing"),
    )

    page = html(response)
    assert "Some dates cannot be booked; nothing was booked." in page
    assert page.count('class="conflict"') == 1
    assert not Booking.objects.filter(household=side_a.household).exists()


def test_a_series_without_a_number_of_dates_is_refused_on_that_field(
    resident_client, space, monday
):
    response = resident_client.post(
        f"/spaces/{space.pk}/book/", {**series(space, monday, "free_only"), "occurrences": ""}
    )

    assert field_errors(html(response), "occurrences") == ["This field is required."]
    assert not Booking.objects.exists()


# --- My bookings -------------------------------------------------------------------------


def test_my_bookings_lists_upcoming_and_past_with_calendar_links(
    resident_client, side_a, space, monday
):
    upcoming = BookingFactory(
        space=space, household=side_a.household, start=at(space, monday, 19), note="Choir"
    )
    past = BookingFactory(
        space=space,
        household=side_a.household,
        start=at(space, monday - dt.timedelta(14), 19),
    )
    neighbours = BookingFactory(space=space, household=side_a.neighbour, start=at(space, monday, 9))

    page = html(resident_client.get("/bookings/mine/"))

    assert f'id="booking-{upcoming.pk}"' in page
    assert f'id="booking-{past.pk}"' in page
    assert f'id="booking-{neighbours.pk}"' not in page
    assert page.index(f'id="booking-{upcoming.pk}"') < page.index("Past and cancelled</h2>")
    assert page.index("Past and cancelled</h2>") < page.index(f'id="booking-{past.pk}"')
    assert f'href="/bookings/{upcoming.pk}.ics"' in page
    assert f"/calendars/household/{side_a.household.feed_token}.ics" in page
    assert "Choir" in page
    assert page.count("Cancel booking") == 1  # the past one cannot be cancelled


def test_cancel_through_htmx_returns_the_row(resident_client, side_a, space, monday):
    booking = BookingFactory(space=space, household=side_a.household, start=at(space, monday, 19))

    response = hx(resident_client, "post", f"/bookings/{booking.pk}/cancel/")

    page = html(response)
    assert "<html" not in page
    assert page.startswith(
        f'<li class="card booking" id="booking-{booking.pk}" tabindex="-1" data-focus-after-swap>'
    )
    assert "Cancelled" in page
    assert "Cancel booking" not in page
    booking.refresh_from_db()
    assert booking.status == BookingStatus.CANCELLED


def test_cancel_within_the_cut_off_shows_why_in_the_row(resident_client, side_a, space):
    space.cancel_cutoff_minutes = 48 * 60
    space.save()
    soon = timezone.now().astimezone(zone_of(space)).replace(
        minute=0, second=0, microsecond=0
    ) + dt.timedelta(hours=2)
    booking = BookingFactory(space=space, household=side_a.household, start=soon)

    response = hx(resident_client, "post", f"/bookings/{booking.pk}/cancel/")

    assert "can be cancelled up to 48 hours before" in html(response)
    booking.refresh_from_db()
    assert booking.status == BookingStatus.CONFIRMED


def test_cancel_without_javascript_goes_back_to_my_bookings(resident_client, side_a, space, monday):
    booking = BookingFactory(space=space, household=side_a.household, start=at(space, monday, 19))

    response = resident_client.post(f"/bookings/{booking.pk}/cancel/", follow=True)

    assert response.redirect_chain == [("/bookings/mine/", 302)]
    assert "Booking cancelled." in html(response)


def test_check_in_when_it_applies(resident_client, side_a, space):
    space.checkin_required = True
    space.save()
    now = timezone.now()
    booking = BookingFactory(
        space=space,
        household=side_a.household,
        start=now - dt.timedelta(minutes=5),
        end=now + dt.timedelta(minutes=55),
    )
    later = BookingFactory(
        space=space, household=side_a.household, start=now + dt.timedelta(days=2)
    )

    page = html(resident_client.get("/bookings/mine/"))
    assert page.count("Check in</button>") == 1
    assert f'action="/bookings/{booking.pk}/check-in/"' in page
    assert f'action="/bookings/{later.pk}/check-in/"' not in page

    response = hx(resident_client, "post", f"/bookings/{booking.pk}/check-in/")

    assert "checked in" in html(response)
    booking.refresh_from_db()
    assert booking.checked_in_at is not None


def test_residents_cannot_cancel_or_download_the_neighbours_bookings(
    resident_client, side_a, space, monday
):
    booking = BookingFactory(space=space, household=side_a.neighbour, start=at(space, monday, 19))

    assert resident_client.post(f"/bookings/{booking.pk}/cancel/").status_code == 404
    assert resident_client.get(f"/bookings/{booking.pk}.ics").status_code == 404
    booking.refresh_from_db()
    assert booking.status == BookingStatus.CONFIRMED


# --- The approval queue ------------------------------------------------------------------


@pytest.fixture
def pending(side_a, space, monday):
    return BookingFactory(
        space=space,
        household=side_a.neighbour,
        start=at(space, monday, 19),
        status=BookingStatus.PENDING,
        note="Birthday",
    )


def test_the_queue_lists_pending_bookings_with_their_unit(manager_client, side_a, pending):
    BookingFactory(
        space=pending.space, household=side_a.household, start=pending.start + dt.timedelta(days=1)
    )

    page = html(manager_client.get(f"/projects/{side_a.project.pk}/bookings/pending/"))

    assert f'id="pending-{pending.pk}"' in page
    assert "Household 1B" in page
    assert "Birthday" in page
    assert page.count('class="card booking"') == 1  # the confirmed one is not waiting


def test_approve_through_htmx_returns_the_row(manager_client, side_a, pending):
    response = hx(manager_client, "post", f"/bookings/{pending.pk}/approve/")

    page = html(response)
    assert "<html" not in page
    assert page.startswith(
        f'<li class="card booking" id="pending-{pending.pk}" tabindex="-1" data-focus-after-swap>'
    )
    assert "Confirmed" in page
    assert "Approve</button>" not in page
    pending.refresh_from_db()
    assert pending.status == BookingStatus.CONFIRMED
    assert pending.decided_by == side_a.manager


def test_reject_through_htmx_returns_the_row(manager_client, side_a, pending):
    response = hx(manager_client, "post", f"/bookings/{pending.pk}/reject/", {"reason": "Works"})

    page = html(response)
    assert "<html" not in page
    assert "Rejected" in page
    pending.refresh_from_db()
    assert pending.status == BookingStatus.REJECTED


def test_deciding_twice_says_so_in_the_row(manager_client, pending):
    hx(manager_client, "post", f"/bookings/{pending.pk}/approve/")

    response = hx(manager_client, "post", f"/bookings/{pending.pk}/reject/")

    assert "Only a pending booking can be approved or rejected" in html(response)
    pending.refresh_from_db()
    assert pending.status == BookingStatus.CONFIRMED


# --- Space settings ----------------------------------------------------------------------


def settings_data(**changes) -> dict:
    data = {
        "name": "Common room",
        "kind": "common_room",
        "description": "",
        "capacity": "12",
        "units": "1",
        "is_active": "on",
        "min_duration_minutes": "30",
        "max_duration_minutes": "240",
        "slot_minutes": "15",
        "buffer_minutes": "0",
        "advance_days": "60",
        "quota_week_minutes": "",
        "quota_month_minutes": "",
        "cancel_cutoff_minutes": "0",
        "fee_per_hour_cents": "",
        "checkin_grace_minutes": "15",
        "reminder_minutes": "",
        "handover_checklist": "",
    }
    for day in range(7):
        data[f"opens_{day}"] = "08:00"
        data[f"closes_{day}"] = "22:00"
    data.update(changes)
    return {key: value for key, value in data.items() if value is not None}


def opening(space: Space) -> list[tuple[int, int, int]]:
    return list(space.opening_hours.values_list("weekday", "opens_minute", "closes_minute"))


def test_settings_show_the_rules_in_hours_and_money(manager_client, space):
    space.quota_week_minutes = 90
    space.fee_per_hour_cents = 1250
    space.save()

    page = html(manager_client.get(f"/spaces/{space.pk}/settings/"))

    assert 'name="quota_week_minutes" value="1.50"' in page
    assert 'name="fee_per_hour_cents" value="12.50"' in page
    assert 'name="opens_0" value="08:00"' in page


def test_manager_saves_rules_in_hours_and_money_and_the_opening_hours(manager_client, space):
    response = manager_client.post(
        f"/spaces/{space.pk}/settings/",
        settings_data(
            quota_week_minutes="4",
            quota_month_minutes="10.5",
            fee_per_hour_cents="2.50",
            requires_approval="on",
            handover_checklist="Floor swept\n\nDishes done\n",
            opens_5="10:00",
            closes_5="00:00",
            opens_6="",
            closes_6="",
        ),
    )

    assert response.status_code == 302
    space.refresh_from_db()
    assert space.quota_week_minutes == 240
    assert space.quota_month_minutes == 630
    assert space.fee_per_hour_cents == 250
    assert space.requires_approval
    assert space.handover_checklist == ["Floor swept", "Dishes done"]
    assert opening(space) == [(day, 480, 1320) for day in range(5)] + [(5, 600, 1440)]


def test_a_day_opening_twice_keeps_its_intervals_unless_it_is_changed(manager_client, space):
    space.opening_hours.filter(weekday__in=[0, 1]).delete()
    open_daily(space, "08:00", "12:00", weekdays=[0, 1])
    open_daily(space, "14:00", "18:00", weekdays=[0, 1])

    page = html(manager_client.get(f"/spaces/{space.pk}/settings/"))
    assert "On Monday, Tuesday the space opens several times a day." in page
    assert 'name="opens_0" value="08:00"' in page
    assert 'name="closes_0" value="18:00"' in page

    manager_client.post(
        f"/spaces/{space.pk}/settings/",
        settings_data(opens_0="08:00", closes_0="18:00", opens_1="09:00", closes_1="18:00"),
    )

    assert opening(space)[:3] == [(0, 480, 720), (0, 840, 1080), (1, 540, 1080)]


def test_manager_opens_a_space_around_the_clock(manager_client, space):
    manager_client.post(f"/spaces/{space.pk}/settings/", settings_data(always_open="on"))

    assert opening(space) == []


@pytest.mark.parametrize(
    ("changes", "field", "message"),
    [
        ({"closes_2": "07:00"}, "closes_2", "The space must close after it opens."),
        ({"opens_3": ""}, "opens_3", "Give the opening time too."),
        (
            {"min_duration_minutes": "120", "max_duration_minutes": "60"},
            "max_duration_minutes",
            "The maximum duration cannot be below the minimum.",
        ),
        (
            {f"{edge}_{day}": "" for edge in ("opens", "closes") for day in range(7)},
            "always_open",
            "Give the opening hours of at least one day, or tick “open around the clock”.",
        ),
    ],
    ids=["closes-before-opens", "half-a-day", "max-below-min", "never-open"],
)
def test_bad_settings_show_the_error_on_the_field(manager_client, space, changes, field, message):
    response = manager_client.post(f"/spaces/{space.pk}/settings/", settings_data(**changes))

    assert response.status_code == 200
    assert field_errors(html(response), field) == [message]
    space.refresh_from_db()
    assert space.max_duration_minutes == 240
    assert len(opening(space)) == 7


def test_manager_adds_and_removes_a_closure(manager_client, side_a, space, monday):
    booking = BookingFactory(space=space, household=side_a.neighbour, start=at(space, monday, 10))

    response = manager_client.post(
        f"/spaces/{space.pk}/closures/",
        {"start": f"{monday}T08:00", "end": f"{monday}T22:00", "reason": "Painting"},
        follow=True,
    )

    closure = SpaceClosure.objects.get(space=space)
    assert closure.start == at(space, monday, 8).astimezone(dt.UTC)
    page = html(response)
    assert "Painting" in page
    assert "Bookings during this closure:" in page
    assert f'action="/bookings/{booking.pk}/cancel/"' in page

    manager_client.post(f"/closures/{closure.pk}/delete/")

    assert not SpaceClosure.objects.exists()


def test_a_closure_ending_before_it_starts_is_refused_on_its_field(manager_client, space, monday):
    response = manager_client.post(
        f"/spaces/{space.pk}/closures/",
        {"start": f"{monday}T22:00", "end": f"{monday}T08:00", "reason": ""},
    )

    assert field_errors(html(response), "end") == ["A closure must end after it starts."]
    assert not SpaceClosure.objects.exists()


def test_a_manager_cancels_a_booking_inside_a_closure(manager_client, side_a, space, monday):
    booking = BookingFactory(space=space, household=side_a.neighbour, start=at(space, monday, 10))

    response = manager_client.post(
        f"/bookings/{booking.pk}/cancel/", {"next": f"/spaces/{space.pk}/settings/"}
    )

    assert response.url == f"/spaces/{space.pk}/settings/"
    booking.refresh_from_db()
    assert booking.status == BookingStatus.CANCELLED


def test_manager_creates_a_space(manager_client, side_a):
    response = manager_client.post(
        f"/projects/{side_a.project.pk}/spaces/new/",
        settings_data(name="Guest room", kind="guest_room", always_open="on"),
    )

    space = Space.objects.get(project=side_a.project, name="Guest room")
    assert response.url == f"/spaces/{space.pk}/settings/"
    assert space.kind == SpaceKind.GUEST_ROOM
    assert opening(space) == []


def test_a_second_space_with_the_same_name_is_refused_on_the_name(manager_client, side_a, space):
    response = manager_client.post(
        f"/projects/{side_a.project.pk}/spaces/new/", settings_data(always_open="on")
    )

    assert field_errors(html(response), "name") == [
        "This project already has a space with this name."
    ]
    assert Space.objects.filter(project=side_a.project).count() == 1


# --- Fair use ----------------------------------------------------------------------------


def test_residents_see_the_fair_use_report_of_their_spaces(resident_client, space):
    response = resident_client.get(f"/spaces/{space.pk}/usage/")
    assert response.status_code == 200


def test_usage_report_shows_hours_per_unit(manager_client, side_a, space):
    now = timezone.now()
    start = (now - dt.timedelta(days=10)).replace(minute=0, second=0, microsecond=0)
    BookingFactory(
        space=space, household=side_a.household, start=start, end=start + dt.timedelta(hours=3)
    )
    BookingFactory(
        space=space,
        household=side_a.neighbour,
        start=start + dt.timedelta(days=1),
        end=start + dt.timedelta(days=1, hours=1),
    )
    BookingFactory(  # more than three months ago: not counted
        space=space, household=side_a.neighbour, start=start - dt.timedelta(days=120)
    )

    page = html(manager_client.get(f"/spaces/{space.pk}/usage/"))

    rows = re.findall(
        r'<td data-label="Unit">([^<]+)</td>\s*<td data-label="Hours" class="num">([^<]+)</td>'
        r'\s*<td data-label="Share" class="num">([^<]+)</td>',
        page,
    )
    assert rows == [("1A", "3.0", "75 %"), ("1B", "1.0", "25 %")]
    assert '<rect width="100.00"' in page
    assert '<rect width="33.00"' in page


# --- Who may open what -------------------------------------------------------------------


def booking_pages_of(space: Space, booking: Booking) -> list[tuple[str, str]]:
    project = space.project
    return [
        ("get", f"/projects/{project.pk}/spaces/"),
        ("get", f"/projects/{project.pk}/spaces/new/"),
        ("get", f"/projects/{project.pk}/bookings/pending/"),
        ("get", f"/spaces/{space.pk}/"),
        ("get", f"/spaces/{space.pk}/book/"),
        ("post", f"/spaces/{space.pk}/book/"),
        ("get", f"/spaces/{space.pk}/book/preview/"),
        ("post", f"/spaces/{space.pk}/waitlist/"),
        ("get", f"/spaces/{space.pk}/settings/"),
        ("post", f"/spaces/{space.pk}/settings/"),
        ("post", f"/spaces/{space.pk}/settings/feed/"),
        ("post", f"/spaces/{space.pk}/closures/"),
        ("get", f"/spaces/{space.pk}/usage/"),
        ("get", f"/bookings/{booking.pk}.ics"),
        ("post", f"/bookings/{booking.pk}/cancel/"),
        ("post", f"/bookings/{booking.pk}/check-in/"),
        ("post", f"/bookings/{booking.pk}/approve/"),
        ("post", f"/bookings/{booking.pk}/reject/"),
    ]


def answers(client, pages) -> dict[str, int]:
    return {
        f"{method} {url}": (client.get(url) if method == "get" else client.post(url)).status_code
        for method, url in pages
    }


@pytest.mark.parametrize("role", ["resident_user", "manager"])
def test_another_projects_spaces_and_bookings_do_not_exist(
    client, side_a, side_b, other_space, role
):
    booking = BookingFactory(space=other_space, household=side_b.household)
    closure = SpaceClosure.objects.create(space=other_space, start=booking.start, end=booking.end)
    client.force_login(getattr(side_a, role))

    pages = [*booking_pages_of(other_space, booking), ("post", f"/closures/{closure.pk}/delete/")]

    assert {page: code for page, code in answers(client, pages).items() if code != 404} == {}
    booking.refresh_from_db()
    assert booking.status == BookingStatus.CONFIRMED
    assert SpaceClosure.objects.filter(pk=closure.pk).exists()


def test_the_other_project_of_the_same_city_does_not_exist_for_its_non_members(client, side_a):
    space = SpaceFactory(project=side_a.other_project)
    booking = BookingFactory(space=space, household=side_a.other_household)

    for role in ("resident_user", "manager"):
        client.force_login(getattr(side_a, role))
        codes = answers(client, booking_pages_of(space, booking))
        assert {page: code for page, code in codes.items() if code != 404} == {}, role


def test_residents_may_not_open_the_managers_pages(resident_client, side_a, space, pending):
    closure = SpaceClosure.objects.create(space=space, start=pending.start, end=pending.end)
    pages = [
        ("get", f"/projects/{side_a.project.pk}/spaces/new/"),
        ("post", f"/projects/{side_a.project.pk}/spaces/new/"),
        ("get", f"/projects/{side_a.project.pk}/bookings/pending/"),
        ("get", f"/spaces/{space.pk}/settings/"),
        ("post", f"/spaces/{space.pk}/settings/"),
        ("post", f"/spaces/{space.pk}/settings/feed/"),
        ("post", f"/spaces/{space.pk}/closures/"),
        ("post", f"/closures/{closure.pk}/delete/"),
    ]
    own = BookingFactory(
        space=space,
        household=side_a.household,
        start=pending.start + dt.timedelta(days=1),
        status=BookingStatus.PENDING,
    )
    pages += [("post", f"/bookings/{own.pk}/approve/"), ("post", f"/bookings/{own.pk}/reject/")]

    assert {
        page: code for page, code in answers(resident_client, pages).items() if code != 403
    } == {}
    own.refresh_from_db()
    assert own.status == BookingStatus.PENDING
    assert SpaceClosure.objects.filter(pk=closure.pk).exists()


def test_city_officers_see_no_spaces(client, side_a, space):
    client.force_login(side_a.officer)

    assert client.get(f"/projects/{side_a.project.pk}/spaces/").status_code == 404
    assert client.get(f"/spaces/{space.pk}/").status_code == 404


def test_booking_pages_need_a_sign_in(client, space):
    response = client.get(f"/spaces/{space.pk}/")

    assert response.status_code == 302
    assert response.url.startswith("/accounts/login/")


# --- Queries ----------------------------------------------------------------------------
# Each page is read once before it is counted: the first request of a test also fills Django's
# content-type cache, which has nothing to do with the page.


def fill_week(space: Space, monday: dt.date, households, count: int) -> None:
    """``count`` half-hour bookings over the week, spread across the households."""
    for n in range(count):
        day = monday + dt.timedelta(days=n % 7)
        start = at(space, day, 8) + dt.timedelta(minutes=30 * (n // 7))
        BookingFactory(
            space=space,
            household=households[n % len(households)],
            start=start,
            end=start + dt.timedelta(minutes=30),
        )


# Session, user, the request's savepoint and its release, the space and its opening hours, the
# manager check (2), the household; then opening hours, closures, blocking bookings and the
# household's quota use and the slots held by lottery windows (availability, whose closures the
# page shows), and the bookings shown.
WEEK_QUERIES = 15


@pytest.mark.parametrize("count", [3, 60])
@pytest.mark.parametrize("role", ["resident_user", "manager"])
def test_week_view_runs_a_constant_number_of_queries(
    client, side_a, space, monday, count, role, django_assert_max_num_queries
):
    space.quota_week_minutes = 100 * 60
    space.save()
    fill_week(space, monday, [side_a.household, side_a.neighbour], count)
    client.force_login(getattr(side_a, role))
    url = f"/spaces/{space.pk}/?week={monday}"
    client.get(url)

    with django_assert_max_num_queries(WEEK_QUERIES):
        response = client.get(url)

    assert response.status_code == 200
    page = html(response)
    assert page.count('class="slot booked"') + page.count('class="slot mine"') == count


def test_a_cancelled_booking_leaves_upcoming_and_its_calendar_link(
    resident_client, side_a, space, monday
):
    kept = BookingFactory(space=space, household=side_a.household, start=at(space, monday, 19))
    cancelled = BookingFactory(space=space, household=side_a.household, start=at(space, monday, 9))
    booking_cancel(booking=cancelled, cancelled_by=side_a.resident_user)

    page = html(resident_client.get("/bookings/mine/"))

    upcoming, past = page.split("Past and cancelled</h2>")
    assert f'id="booking-{kept.pk}"' in upcoming and f'id="booking-{cancelled.pk}"' in past
    assert f'href="/bookings/{kept.pk}.ics"' in page
    assert f'href="/bookings/{cancelled.pk}.ics"' not in page


def test_inside_the_cut_off_the_row_says_why_it_cannot_be_cancelled_and_whom_to_ask(
    resident_client, side_a, space
):
    space.cancel_cutoff_minutes = 1440
    space.save()
    soon = timezone.now() + dt.timedelta(hours=3)
    booking = BookingFactory(
        space=space, household=side_a.household, start=soon, end=soon + dt.timedelta(hours=1)
    )

    page = html(resident_client.get("/bookings/mine/"))

    row = page[page.index(f'id="booking-{booking.pk}"') :].split("</li>")[0]
    assert "Cancel booking" not in row
    assert (
        "Bookings of this space can be cancelled up to 24 hours before they start; "
        "please ask a manager." in row
    )


@pytest.mark.parametrize("count", [3, 60])
def test_my_bookings_runs_a_constant_number_of_queries(
    resident_client, side_a, space, monday, count, django_assert_max_num_queries
):
    laundry = SpaceFactory(project=side_a.project, name="Laundry")
    for n in range(count):
        where = space if n % 2 else laundry
        start = at(where, monday, 8) + dt.timedelta(days=n // 10, hours=n % 10)
        BookingFactory(space=where, household=side_a.household, start=start, fee_cents=100)
    resident_client.get("/bookings/mine/")

    # session, user, the household, upcoming and past bookings (with their spaces and cities)
    with django_assert_max_num_queries(7):
        response = resident_client.get("/bookings/mine/")

    page = html(response)
    assert page.count('class="card booking"') == count
    assert page.count("€1.00") == count


def test_the_approval_queue_runs_a_constant_number_of_queries(
    manager_client, side_a, space, monday, django_assert_max_num_queries
):
    households = [HouseholdFactory(project=side_a.project) for _ in range(5)]
    for n in range(30):
        start = at(space, monday + dt.timedelta(days=n % 7), 8 + n // 7)
        BookingFactory(
            space=space, household=households[n % 5], start=start, status=BookingStatus.PENDING
        )
    url = f"/projects/{side_a.project.pk}/bookings/pending/"
    manager_client.get(url)

    with django_assert_max_num_queries(8):
        response = manager_client.get(url)

    assert html(response).count('class="card booking"') == 30


# --- A laundry of several machines, slot by slot ---------------------------------------------


@pytest.fixture
def laundry(side_a):
    """Three machines, open 8:00–13:00, booked an hour at least."""
    space = SpaceFactory(
        project=side_a.project,
        name="Laundry",
        kind=SpaceKind.LAUNDRY,
        units=3,
        capacity=1,
        min_duration_minutes=60,
        max_duration_minutes=180,
    )
    open_daily(space, "08:00", "13:00")
    return space


def slot_lines(page: str, day: int = 0) -> list[str]:
    """The lines of one day of the week view, as text."""
    section = page.split('<section class="day')[day + 1].split("</section>")[0]
    items = re.findall(r'<li class="slot[^"]*">(.*?)</li>', section, re.S)
    return [" ".join(re.sub(r"<[^>]+>", " ", unescape(item)).split()) for item in items]


def test_a_laundrys_week_says_how_many_machines_are_free_in_each_slot(
    resident_client, side_a, laundry, monday
):
    neighbours = [HouseholdFactory(project=side_a.project) for _ in range(3)]
    for unit, (household, hour) in enumerate(zip(neighbours, (8, 9, 10), strict=True), start=1):
        BookingFactory(
            space=laundry,
            household=household,
            unit=unit,
            start=at(laundry, monday, hour),
            end=at(laundry, monday, 11),
        )
    BookingFactory(
        space=laundry,
        household=side_a.household,
        unit=1,
        start=at(laundry, monday, 12),
        end=at(laundry, monday, 13),
    )

    page = html(resident_client.get(f"/spaces/{laundry.pk}/?week={monday}"))

    assert slot_lines(page) == [
        "8 a.m.–9 a.m. 2 of 3 free · Book",
        "9 a.m.–10 a.m. 1 of 3 free · Book",
        "10 a.m.–11 a.m. 0 of 3 free",
        "11 a.m.–noon 3 of 3 free · Book",
        "noon–1 p.m. Your booking · unit 1 of the space",
        "noon–1 p.m. 2 of 3 free · Book",
    ]
    # The other households' bookings are in the counts, not listed one by one.
    assert "Booked" not in page
    assert slot_lines(page, day=1) == ["8 a.m.–1 p.m. 3 of 3 free · Book"]


def test_choosing_a_summed_up_slot_books_a_free_machine(resident_client, side_a, laundry, monday):
    for unit in (1, 2):
        BookingFactory(
            space=laundry,
            household=side_a.neighbour,
            unit=unit,
            start=at(laundry, monday, 8),
            end=at(laundry, monday, 10),
        )
    page = html(resident_client.get(f"/spaces/{laundry.pk}/?week={monday}"))
    link = book_links(page)[0]
    proposed = parse_qs(urlparse(link).query)

    form = html(resident_client.get(link))
    response = resident_client.post(
        f"/spaces/{laundry.pk}/book/",
        booking_data(
            laundry,
            at(laundry, monday, 8),
            at(laundry, monday, 10),
            attendees="1",
        ),
    )

    # Machine 3 is free all morning: the slot proposes from 8 as long as a booking may run.
    assert proposed == {"start": [f"{monday}T08:00"], "end": [f"{monday}T11:00"]}
    assert f'value="{monday}T08:00"' in form
    assert response.status_code == 302
    booking = Booking.objects.get(space=laundry, household=side_a.household)
    assert booking.unit == 3


def test_a_gap_too_short_to_book_is_not_listed(resident_client, side_a, space, monday):
    space.min_duration_minutes = 60
    space.save()
    for start, end in ((8, 12), (13, 22)):
        BookingFactory(
            space=space,
            household=side_a.neighbour,
            start=at(space, monday, start),
            end=at(space, monday, end, 30) if start == 8 else at(space, monday, end),
        )

    page = html(resident_client.get(f"/spaces/{space.pk}/?week={monday}"))

    # Free 12:30–13:00 only: half the shortest booking.
    assert "Too short to book" not in page
    assert [line.split(" ", 1)[0] for line in slot_lines(page)] == ["8", "1"]
    assert all("Free" not in line for line in slot_lines(page))


def test_a_laundrys_slots_in_a_sliver_are_not_free(resident_client, side_a, laundry, monday):
    for unit in (1, 2, 3):
        BookingFactory(
            space=laundry,
            household=side_a.neighbour,
            unit=unit,
            start=at(laundry, monday, 8),
            end=at(laundry, monday, 12, 30),
        )

    page = html(resident_client.get(f"/spaces/{laundry.pk}/?week={monday}"))

    # 12:30–13:00 fits no booking: the last slot, noon–1 p.m., has no machine free.
    assert slot_lines(page) == ["8 a.m.–1 p.m. 0 of 3 free"]
    assert "Too short to book" not in page


@pytest.mark.parametrize("count", [3, 60])
@pytest.mark.parametrize("role", ["resident_user", "manager"])
def test_a_laundrys_week_runs_a_constant_number_of_queries(
    client, side_a, laundry, monday, count, role, django_assert_max_num_queries
):
    laundry.quota_week_minutes = 100 * 60
    laundry.save()
    for n in range(count):
        day = monday + dt.timedelta(days=n % 7)
        start = at(laundry, day, 8) + dt.timedelta(minutes=60 * (n // 21))
        BookingFactory(
            space=laundry,
            household=[side_a.household, side_a.neighbour][n % 2],
            unit=n // 7 % 3 + 1,
            start=start,
            end=start + dt.timedelta(minutes=60),
        )
    client.force_login(getattr(side_a, role))
    url = f"/spaces/{laundry.pk}/?week={monday}"
    client.get(url)

    with django_assert_max_num_queries(WEEK_QUERIES):
        response = client.get(url)

    assert response.status_code == 200
    assert "of 3 free" in html(response)
