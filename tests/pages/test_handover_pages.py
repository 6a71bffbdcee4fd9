"""The handover at check-out, the managers' maintenance notes, going away and cancelling the rest
of a series, as residents and managers see them.

The pages call the services with the real clock, so every booking here is placed relative to
``timezone.now()``: the leaving household's booking has started, the next one is about to.
"""

from __future__ import annotations

import datetime as dt
import json

import pytest

from community.bookings.models import (
    Booking,
    BookingStatus,
    HandoverReport,
    HandoverVerdict,
    MaintenanceNote,
    Space,
)
from community.bookings.services.handover import handover_review
from tests.community.factories import BookingFactory, BookingSeriesFactory, SpaceFactory, zone_of
from tests.community.fixtures import CHECKLIST, MINUTE
from tests.factories import HouseholdFactory, make_resident_user
from tests.pages.helpers import field_errors, html, shows

pytestmark = pytest.mark.django_db


# --- Helpers (the handover scene's fixtures: tests/community/fixtures.py) --------------------


def handover_data(done=(), comment="", items=CHECKLIST) -> dict:
    data = {"items": json.dumps(list(items)), "comment": comment}
    for index, item in enumerate(items):
        if item in done:
            data[f"item_{index}"] = "on"
    return data


def hx(client, url: str, data=None):
    return client.post(url, data or {}, HTTP_HX_REQUEST="true")


def local_date(space: Space, moment: dt.datetime) -> dt.date:
    return moment.astimezone(zone_of(space)).date()


def codes(client, pages) -> dict[str, int]:
    return {
        f"{method} {url}": (client.get(url) if method == "get" else client.post(url)).status_code
        for method, url in pages
    }


# --- Every page renders, in the language asked -------------------------------------------


@pytest.mark.parametrize("language", ["en", "fr"])
def test_the_pages_render_in_the_language_asked(
    request, side_a, space, leaving, following, report, neighbour_user, language
):
    browser = request.getfixturevalue("french_client" if language == "fr" else "client")
    series = BookingSeriesFactory(space=space, household=side_a.household)
    in_series = BookingFactory(
        space=space,
        household=side_a.household,
        start=leaving.start + dt.timedelta(days=7),
        series=series,
    )
    pages = {
        side_a.resident_user: [
            f"/bookings/{leaving.pk}/handover/",
            "/bookings/away/",
            f"/bookings/{in_series.pk}/cancel-series/",
            "/bookings/mine/",
        ],
        neighbour_user: [f"/handovers/{report.pk}/review/", "/bookings/mine/"],
        side_a.manager: [
            f"/projects/{side_a.project.pk}/maintenance/",
            f"/projects/{side_a.project.pk}/maintenance/?show=resolved",
            f"/handovers/{report.pk}/review/",
            "/",
        ],
    }
    for user, urls in pages.items():
        browser.force_login(user)
        for url in urls:
            response = browser.get(url)
            assert response.status_code == 200, url
            assert f'<html lang="{language}">' in html(response), url


def test_the_pages_need_a_sign_in(client, leaving, side_a):
    for url in (
        f"/bookings/{leaving.pk}/handover/",
        "/bookings/away/",
        f"/projects/{side_a.project.pk}/maintenance/",
    ):
        response = client.get(url)
        assert response.status_code == 302
        assert response.url.startswith("/accounts/login/")


# --- Handing over -------------------------------------------------------------------------


def test_my_bookings_offers_to_hand_over_once_the_booking_started(
    client, side_a, space, leaving, now
):
    later = BookingFactory(
        space=space, household=side_a.household, start=now + dt.timedelta(days=2)
    )
    plain = SpaceFactory(project=side_a.project, name="Laundry")
    no_checklist = BookingFactory(
        space=plain, household=side_a.household, start=now - 30 * MINUTE, end=now + 30 * MINUTE
    )
    client.force_login(side_a.resident_user)

    page = html(client.get("/bookings/mine/"))

    assert f'href="/bookings/{leaving.pk}/handover/">Hand over</a>' in page
    assert f"/bookings/{later.pk}/handover/" not in page  # not started yet
    assert f"/bookings/{no_checklist.pk}/handover/" not in page  # nothing to hand over


def test_the_household_hands_over_item_by_item(client, side_a, space, leaving):
    client.force_login(side_a.resident_user)
    url = f"/bookings/{leaving.pk}/handover/"

    page = html(client.get(url))
    for item in CHECKLIST:
        assert shows(page, item)
    assert page.count('type="checkbox"') == len(CHECKLIST)

    response = client.post(
        url, handover_data(done={"Dishes washed", "Lights off"}, comment=" Broom broken. ")
    )

    assert response.status_code == 302
    assert response.url == "/bookings/mine/"
    report = HandoverReport.objects.get(booking=leaving)
    assert report.checklist == {"Dishes washed": True, "Floor swept": False, "Lights off": True}
    assert report.comment == "Broom broken."
    assert report.submitted_by == side_a.resident_user
    page = html(client.get("/bookings/mine/"))
    assert f'href="/bookings/{leaving.pk}/handover/">Handed over</a>' in page
    page = html(client.get(url))
    assert "you handed the space over." in page
    assert 'type="checkbox"' not in page


def test_handing_over_before_the_start_is_refused_on_the_form(client, side_a, space, now):
    booking = BookingFactory(
        space=space, household=side_a.household, start=now + dt.timedelta(hours=3)
    )
    client.force_login(side_a.resident_user)
    url = f"/bookings/{booking.pk}/handover/"

    assert "once your booking has started" in html(client.get(url))
    response = client.post(url, handover_data(done=CHECKLIST))

    assert response.status_code == 200
    assert "The space can be handed over once the booking started." in html(response)
    assert not HandoverReport.objects.exists()


def test_a_checklist_changed_meanwhile_is_asked_again(client, side_a, space, leaving):
    client.force_login(side_a.resident_user)
    url = f"/bookings/{leaving.pk}/handover/"
    shown = html(client.get(url))
    assert shows(shown, "Floor swept")
    space.handover_checklist = ["Floor swept", "Windows closed"]
    space.save()

    response = client.post(url, handover_data(done={"Dishes washed", "Floor swept"}))

    page = html(response)
    assert response.status_code == 200
    assert "The checklist changed while you filled it in" in page
    assert "Windows closed" in page and "Dishes washed" not in page
    assert "checked" not in page  # shown again unticked
    assert not HandoverReport.objects.exists()

    response = client.post(
        url, handover_data(done={"Windows closed"}, items=["Floor swept", "Windows closed"])
    )
    assert response.status_code == 302
    assert HandoverReport.objects.get().checklist == {"Floor swept": False, "Windows closed": True}


def test_handing_over_twice_says_so(client, side_a, leaving, report):
    client.force_login(side_a.resident_user)

    response = client.post(f"/bookings/{leaving.pk}/handover/", handover_data(done=CHECKLIST))

    assert response.status_code == 200
    assert "This booking has been handed over already." in html(response)
    assert HandoverReport.objects.get().checklist["Floor swept"] is False


def test_a_cancelled_booking_has_no_form(client, side_a, leaving):
    leaving.status = BookingStatus.CANCELLED
    leaving.save()
    client.force_login(side_a.resident_user)

    page = html(client.get(f"/bookings/{leaving.pk}/handover/"))

    assert "Only a confirmed booking can be handed over." in page
    assert 'type="checkbox"' not in page


def test_only_the_household_hands_its_space_over(
    client, side_a, side_b, space, leaving, following, neighbour_user
):
    other_space = SpaceFactory(project=side_b.project, handover_checklist=CHECKLIST)
    elsewhere = BookingFactory(
        space=other_space, household=side_b.household, start=leaving.start, end=leaving.end
    )
    plain = BookingFactory(
        space=SpaceFactory(project=side_a.project),
        household=side_a.household,
        start=leaving.start,
        end=leaving.end,
    )

    client.force_login(neighbour_user)  # the booking of another household: not theirs to see
    assert client.get(f"/bookings/{leaving.pk}/handover/").status_code == 404
    assert client.post(f"/bookings/{leaving.pk}/handover/", handover_data()).status_code == 404
    client.force_login(side_a.manager)  # sees the booking, is not the household
    assert client.get(f"/bookings/{leaving.pk}/handover/").status_code == 403
    assert client.post(f"/bookings/{leaving.pk}/handover/", handover_data()).status_code == 403
    client.force_login(side_a.resident_user)
    assert client.get(f"/bookings/{elsewhere.pk}/handover/").status_code == 404
    assert client.get(f"/bookings/{plain.pk}/handover/").status_code == 404  # no checklist
    assert not HandoverReport.objects.exists()


@pytest.mark.parametrize("count", [3, 30])
def test_handover_links_keep_my_bookings_in_constant_queries(
    client, side_a, space, leaving, now, count, django_assert_max_num_queries
):
    """Only a row inside its handover window reads its report: the past ones cost nothing."""
    for n in range(count):
        start = now - dt.timedelta(days=n + 2)
        BookingFactory(space=space, household=side_a.household, start=start)
        BookingFactory(space=space, household=side_a.household, start=now + dt.timedelta(n + 2))
    client.force_login(side_a.resident_user)
    client.get("/bookings/mine/")

    # my bookings' own queries (session, user, household, upcoming, past) and the one report
    with django_assert_max_num_queries(8):
        response = client.get("/bookings/mine/")

    assert html(response).count(">Hand over</a>") == 1


# --- Checking the handover ----------------------------------------------------------------


def test_the_next_household_checks_and_confirms(
    client, side_a, leaving, following, report, neighbour_user
):
    client.force_login(neighbour_user)

    page = html(client.get("/bookings/mine/"))
    assert f'href="/bookings/{following.pk}/handover/check/">Check the handover</a>' in page
    response = client.get(f"/bookings/{following.pk}/handover/check/")
    assert response.status_code == 302
    assert response.url == f"/handovers/{report.pk}/review/"

    page = html(client.get(response.url))
    assert "As the household before you reported it" in page
    assert side_a.household.unit_label not in page  # who was there before is not told
    assert "not done</span> Floor swept" in page
    # in the order of the space's checklist
    assert page.index("Dishes washed") < page.index("Floor swept") < page.index("Lights off")
    assert "The broom is broken." in page

    response = client.post(
        f"/handovers/{report.pk}/review/", {"verdict": HandoverVerdict.CONFIRMED, "comment": ""}
    )

    assert response.status_code == 302
    report.refresh_from_db()
    assert report.verdict == HandoverVerdict.CONFIRMED
    assert report.verdict_booking == following
    assert not MaintenanceNote.objects.exists()
    page = html(client.get(f"/handovers/{report.pk}/review/"))
    assert "Confirmed: left as listed" in page
    assert 'name="verdict"' not in page


def test_nothing_to_check_when_the_household_before_did_not_hand_over(
    client, leaving, following, neighbour_user
):
    client.force_login(neighbour_user)

    response = client.get(f"/bookings/{following.pk}/handover/check/")

    assert response.status_code == 200
    assert "has not handed the space over" in html(response)


def test_disputing_without_a_comment_is_a_form_error(client, report, neighbour_user, following):
    client.force_login(neighbour_user)

    response = client.post(
        f"/handovers/{report.pk}/review/", {"verdict": HandoverVerdict.DISPUTED, "comment": " "}
    )

    assert response.status_code == 200
    assert field_errors(html(response), "comment") == ["Say what was not as listed."]
    report.refresh_from_db()
    assert report.verdict == ""
    assert not MaintenanceNote.objects.exists()


def test_a_verdict_is_required(client, report, neighbour_user, following):
    client.force_login(neighbour_user)

    response = client.post(f"/handovers/{report.pk}/review/", {"comment": "fine"})

    assert field_errors(html(response), "verdict") == ["This field is required."]


def test_checking_too_early_is_refused_on_the_form(client, side_a, space, leaving, report):
    later = BookingFactory(
        space=space,
        household=side_a.neighbour,
        start=leaving.end + dt.timedelta(hours=5),
        end=leaving.end + dt.timedelta(hours=6),
    )
    user = make_resident_user(side_a.neighbour)
    client.force_login(user)

    page = html(client.get(f"/handovers/{report.pk}/review/"))
    assert "You can check the handover from" in page
    response = client.post(
        f"/handovers/{report.pk}/review/", {"verdict": HandoverVerdict.CONFIRMED}
    )

    assert field_errors(html(response), "verdict") == [
        "You can review the handover when your booking is about to start."
    ]
    assert f"/bookings/{later.pk}/handover/check/" not in html(client.get("/bookings/mine/"))


def test_only_the_next_household_checks(client, side_a, side_b, space, leaving, following, report):
    third = HouseholdFactory(project=side_a.project)
    url = f"/handovers/{report.pk}/review/"
    data = {"verdict": HandoverVerdict.CONFIRMED}

    client.force_login(side_a.resident_user)  # the leaving household itself
    assert client.get(url).status_code == 403
    assert client.post(url, data).status_code == 403
    client.force_login(make_resident_user(third))  # a household of the project, not the next
    assert client.get(url).status_code == 403
    assert client.post(url, data).status_code == 403
    client.force_login(side_b.resident_user)  # another city
    assert client.get(url).status_code == 404
    client.force_login(side_b.manager)
    assert client.post(url, data).status_code == 404
    client.force_login(side_a.manager)  # reads it, does not review it
    assert client.get(url).status_code == 200
    assert client.post(url, data).status_code == 403
    client.force_login(side_a.resident_user)
    assert client.get(f"/bookings/{following.pk}/handover/check/").status_code == 404
    report.refresh_from_db()
    assert report.verdict == ""


# --- A dispute reaches the managers --------------------------------------------------------


def test_a_dispute_opens_a_note_the_manager_sees_and_resolves(
    client, side_a, space, leaving, following, report, neighbour_user
):
    client.force_login(neighbour_user)
    response = client.post(
        f"/handovers/{report.pk}/review/",
        {"verdict": HandoverVerdict.DISPUTED, "comment": "Floor sticky, lights on."},
    )
    assert response.status_code == 302
    note = MaintenanceNote.objects.get()
    assert note.handover == report

    client.force_login(side_a.manager)
    assert f'href="/projects/{side_a.project.pk}/maintenance/"' in html(client.get("/"))
    page = html(client.get(f"/projects/{side_a.project.pk}/maintenance/"))
    assert f'id="note-{note.pk}"' in page
    assert "Sala comuna" in page
    assert "Floor sticky, lights on." in page
    assert "Marked not done: Floor swept" in page
    assert f"From the handover of household {side_a.household.unit_label}" in page
    assert f"disputed by household {side_a.neighbour.unit_label}" in page
    assert f'href="/handovers/{report.pk}/review/"' in page
    created = note.created_at.astimezone(zone_of(space))
    assert f'datetime="{created.isoformat()}"' in page  # on the project's clock

    response = hx(client, f"/maintenance/{note.pk}/resolve/")

    row = html(response)
    assert row.startswith(
        f'<li class="card note" id="note-{note.pk}" tabindex="-1" data-focus-after-swap>'
    )
    assert "Resolved on" in row and "Mark as resolved" not in row
    note.refresh_from_db()
    assert note.resolved_by == side_a.manager
    page = html(client.get(f"/projects/{side_a.project.pk}/maintenance/"))
    assert f'id="note-{note.pk}"' not in page
    assert "No open maintenance note." in page
    page = html(client.get(f"/projects/{side_a.project.pk}/maintenance/?show=resolved"))
    assert f'id="note-{note.pk}"' in page


def test_resolving_without_javascript_goes_back_to_the_list(client, side_a, space):
    note = MaintenanceNote.objects.create(space=space, text="Tap drips")
    client.force_login(side_a.manager)

    response = client.post(f"/maintenance/{note.pk}/resolve/", follow=True)

    assert response.redirect_chain == [(f"/projects/{side_a.project.pk}/maintenance/", 302)]
    assert "Maintenance note resolved." in html(response)


def test_maintenance_notes_are_for_the_projects_managers(client, side_a, side_b, space):
    note = MaintenanceNote.objects.create(space=space, text="Tap drips")
    other = MaintenanceNote.objects.create(
        space=SpaceFactory(project=side_b.project), text="Door stuck"
    )
    url = f"/projects/{side_a.project.pk}/maintenance/"

    client.force_login(side_a.resident_user)
    assert client.get(url).status_code == 403
    assert client.post(f"/maintenance/{note.pk}/resolve/").status_code == 403
    client.force_login(side_a.officer)  # sees the project, not its spaces
    assert client.get(url).status_code == 403
    assert client.post(f"/maintenance/{note.pk}/resolve/").status_code == 404
    client.force_login(side_b.manager)
    assert client.get(url).status_code == 404
    assert client.post(f"/maintenance/{note.pk}/resolve/").status_code == 404
    client.force_login(side_a.manager)
    assert client.get(f"/projects/{side_b.project.pk}/maintenance/").status_code == 404
    assert client.post(f"/maintenance/{other.pk}/resolve/").status_code == 404
    assert "Door stuck" not in html(client.get(url))
    note.refresh_from_db()
    other.refresh_from_db()
    assert note.resolved_at is None and other.resolved_at is None


@pytest.mark.parametrize("count", [3, 30])
def test_the_notes_list_runs_a_constant_number_of_queries(
    client, side_a, space, count, now, django_assert_max_num_queries
):
    households = [HouseholdFactory(project=side_a.project) for _ in range(3)]
    for n in range(count):
        start = now - dt.timedelta(days=n + 2)
        before = BookingFactory(space=space, household=households[n % 3], start=start)
        after = BookingFactory(
            space=space, household=households[(n + 1) % 3], start=start + 2 * 60 * MINUTE
        )
        handover = HandoverReport.objects.create(
            booking=before,
            checklist=dict.fromkeys(CHECKLIST, True),
            verdict=HandoverVerdict.DISPUTED,
            verdict_booking=after,
        )
        MaintenanceNote.objects.create(space=space, handover=handover, text=f"Note {n}")
    client.force_login(side_a.manager)
    url = f"/projects/{side_a.project.pk}/maintenance/"
    client.get(url)

    # session, user, the project, the manager check (2), the notes with spaces and households
    with django_assert_max_num_queries(8):
        response = client.get(url)

    page = html(response)
    assert page.count('class="card note"') == count
    assert page.count("disputed by household") == count


# --- Going away -----------------------------------------------------------------------------


def test_going_away_cancels_the_households_bookings_on_those_days(client, side_a, space, now):
    zone = zone_of(space)
    first = local_date(space, now) + dt.timedelta(days=10)

    def on(days: int, hour: int, household=side_a.household, where=space) -> Booking:
        day = first + dt.timedelta(days=days)
        start = dt.datetime.combine(day, dt.time(hour), tzinfo=zone)
        return BookingFactory(space=where, household=household, start=start)

    laundry = SpaceFactory(project=side_a.project, name="Laundry")
    inside = [on(0, 0), on(1, 12, where=laundry), on(2, 23)]  # the first and last days count
    pending = on(1, 18)
    pending.status = BookingStatus.PENDING
    pending.save()
    outside = [on(-1, 23), on(3, 0)]
    neighbours = on(1, 10, household=side_a.neighbour)
    client.force_login(side_a.resident_user)

    response = client.post(
        "/bookings/away/",
        {"start": first.isoformat(), "end": (first + dt.timedelta(days=2)).isoformat()},
        follow=True,
    )

    assert response.redirect_chain == [("/bookings/mine/", 302)]
    assert "4 bookings cancelled." in html(response)
    statuses = dict(Booking.objects.values_list("pk", "status"))
    assert {statuses[b.pk] for b in [*inside, pending]} == {BookingStatus.CANCELLED}
    assert {statuses[b.pk] for b in [*outside, neighbours]} == {BookingStatus.CONFIRMED}
    assert Booking.objects.get(pk=inside[0].pk).cancelled_by == side_a.resident_user


def test_going_away_keeps_the_bookings_too_close_to_their_start(client, side_a, space, now):
    space.cancel_cutoff_minutes = 48 * 60
    space.save()
    soon = BookingFactory(space=space, household=side_a.household, start=now + 3 * 60 * MINUTE)
    later = BookingFactory(space=space, household=side_a.household, start=now + dt.timedelta(3))
    client.force_login(side_a.resident_user)
    today = local_date(space, now)

    response = client.post(
        "/bookings/away/",
        {"start": today.isoformat(), "end": (today + dt.timedelta(days=5)).isoformat()},
        follow=True,
    )

    assert "1 booking cancelled." in html(response)
    soon.refresh_from_db()
    later.refresh_from_db()
    assert soon.status == BookingStatus.CONFIRMED
    assert later.status == BookingStatus.CANCELLED


def test_going_away_with_nothing_to_cancel_says_so(client, side_a, now, space):
    client.force_login(side_a.resident_user)
    day = local_date(space, now) + dt.timedelta(days=3)

    response = client.post(
        "/bookings/away/", {"start": day.isoformat(), "end": day.isoformat()}, follow=True
    )

    assert "You had no booking to cancel on those days." in html(response)


@pytest.mark.parametrize(
    ("days", "field", "message"),
    [
        ((5, 3), "end", "The last day cannot come before the first."),
        ((-10, -3), "end", "These days have passed."),
        ((1, 400), "end", "Choose at most 366 days at a time."),
        ((None, 3), "start", "This field is required."),
    ],
)
def test_going_away_refuses_wrong_days_on_their_field(
    client, side_a, space, now, days, field, message
):
    booking = BookingFactory(space=space, household=side_a.household, start=now + dt.timedelta(4))
    today = local_date(space, now)
    start, end = (
        "" if offset is None else (today + dt.timedelta(days=offset)).isoformat() for offset in days
    )
    client.force_login(side_a.resident_user)

    response = client.post("/bookings/away/", {"start": start, "end": end})

    assert response.status_code == 200
    assert field_errors(html(response), field) == [message]
    booking.refresh_from_db()
    assert booking.status == BookingStatus.CONFIRMED


def test_going_away_needs_a_household(client, side_a):
    client.force_login(side_a.manager)

    page = html(client.get("/bookings/away/"))

    assert "not linked to a household" in page
    assert 'name="start"' not in page


# --- The rest of a series -------------------------------------------------------------------


def test_cancelling_a_series_from_a_date_on(client, side_a, space, weekly):
    client.force_login(side_a.resident_user)
    url = f"/bookings/{weekly[1].pk}/cancel-series/"

    page = html(client.get("/bookings/mine/"))
    assert page.count("Cancel the series from this date on") == 4
    assert f'href="{url}"' in page
    page = html(client.get(url))
    assert "3 bookings will be cancelled." in page
    assert page.count('class="series-date"') == 3

    response = client.post(url, follow=True)

    assert response.redirect_chain == [("/bookings/mine/", 302)]
    assert "3 bookings of the series cancelled." in html(response)
    statuses = [Booking.objects.get(pk=b.pk).status for b in weekly]
    assert statuses == [BookingStatus.CONFIRMED] + [BookingStatus.CANCELLED] * 3


def test_the_series_cancel_shows_the_dates_that_stay(client, side_a, space, weekly):
    space.cancel_cutoff_minutes = 3 * 24 * 60
    space.save()
    client.force_login(side_a.resident_user)

    page = html(client.get(f"/bookings/{weekly[0].pk}/cancel-series/"))

    assert "stays: too close to its start" in page
    assert "3 bookings will be cancelled." in page
    client.post(f"/bookings/{weekly[0].pk}/cancel-series/")
    assert Booking.objects.get(pk=weekly[0].pk).status == BookingStatus.CONFIRMED
    assert Booking.objects.filter(status=BookingStatus.CANCELLED).count() == 3


def test_only_the_household_or_a_manager_cancels_a_series(
    client, side_a, side_b, space, weekly, neighbour_user
):
    single = BookingFactory(space=space, household=side_a.household, start=weekly[0].end)
    url = f"/bookings/{weekly[1].pk}/cancel-series/"

    client.force_login(neighbour_user)
    assert client.get(url).status_code == 404
    assert client.post(url).status_code == 404
    client.force_login(side_b.manager)
    assert client.post(url).status_code == 404
    client.force_login(side_a.resident_user)
    assert client.get(f"/bookings/{single.pk}/cancel-series/").status_code == 404
    assert not Booking.objects.filter(status=BookingStatus.CANCELLED).exists()

    client.force_login(side_a.manager)
    response = client.post(url, {"next": f"/projects/{side_a.project.pk}/spaces/"})
    assert response.url == f"/projects/{side_a.project.pk}/spaces/"
    assert Booking.objects.filter(status=BookingStatus.CANCELLED).count() == 3


# --- Reviewed through the services, shown on the pages --------------------------------------


def test_the_leaving_household_sees_the_verdict(
    client, side_a, leaving, following, report, neighbour_user
):
    handover_review(
        report=report, verdict=HandoverVerdict.DISPUTED, reviewer=neighbour_user, comment="Dirty"
    )
    client.force_login(side_a.resident_user)

    page = html(client.get(f"/bookings/{leaving.pk}/handover/"))

    assert "Disputed" in page
