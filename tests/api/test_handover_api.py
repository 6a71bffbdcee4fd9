"""Handovers, maintenance notes, going away and cancelling a series through the API: the happy
paths, and how each wrong request is refused (400 on the field, 403, 404, 409).

The endpoints call the services with the real clock: bookings are placed around
``timezone.now()``.
"""

from __future__ import annotations

import datetime as dt

import pytest
from django.utils import timezone

from community.bookings.models import Booking, BookingStatus, HandoverReport, MaintenanceNote, Space
from tests.community.factories import BookingFactory, SpaceFactory, zone_of
from tests.community.fixtures import CHECKLIST, MINUTE
from tests.conftest import api_client_for
from tests.factories import HouseholdFactory, make_resident_user

pytestmark = pytest.mark.django_db

ALL_DONE = dict.fromkeys(CHECKLIST, True)


# --- Fixtures (the handover scene: tests/community/fixtures.py) -----------------------------


@pytest.fixture
def neighbour_client(neighbour_user):
    return api_client_for(neighbour_user)


def today(space: Space) -> dt.date:
    return timezone.now().astimezone(zone_of(space)).date()


# --- Handing over -------------------------------------------------------------------------


def test_the_household_hands_over(resident_client, side_a, leaving):
    response = resident_client.post(
        f"/api/v1/bookings/{leaving.pk}/handover/",
        {"checklist": {**ALL_DONE, "Lights off": False}, "comment": " Broom broken. "},
        format="json",
    )

    assert response.status_code == 201, response.json()
    body = response.json()
    report = HandoverReport.objects.get()
    assert body["id"] == report.pk
    assert body["booking"] == leaving.pk
    assert body["checklist"] == {**ALL_DONE, "Lights off": False}
    assert body["comment"] == "Broom broken."
    assert body["verdict"] == ""
    assert report.submitted_by == side_a.resident_user


@pytest.mark.parametrize(
    ("checklist", "message"),
    [
        ({"Dishes washed": True}, "Answer every item: Floor swept, Lights off."),
        ({**ALL_DONE, "Oven off": True}, "These are not on the space's checklist: Oven off."),
    ],
)
def test_a_checklist_that_does_not_match_the_spaces_is_refused(
    resident_client, leaving, checklist, message
):
    response = resident_client.post(
        f"/api/v1/bookings/{leaving.pk}/handover/", {"checklist": checklist}, format="json"
    )

    assert response.status_code == 400
    assert response.json() == {"checklist": [message]}
    assert not HandoverReport.objects.exists()


@pytest.mark.parametrize(
    "body",
    [
        {},
        {"checklist": ["Dishes washed"]},
        {"checklist": {**ALL_DONE, "Floor swept": "maybe"}},
        {"checklist": ALL_DONE, "comment": "x" * 2001},
    ],
)
def test_malformed_input_is_refused_on_its_field(resident_client, leaving, body):
    response = resident_client.post(f"/api/v1/bookings/{leaving.pk}/handover/", body, format="json")

    assert response.status_code == 400
    assert set(response.json()) <= {"checklist", "comment"}
    assert not HandoverReport.objects.exists()


def test_handing_over_before_the_start_is_refused(resident_client, side_a, space, now):
    booking = BookingFactory(space=space, household=side_a.household, start=now + 3 * 60 * MINUTE)

    response = resident_client.post(
        f"/api/v1/bookings/{booking.pk}/handover/", {"checklist": ALL_DONE}, format="json"
    )

    assert response.status_code == 400
    assert response.json() == {"start": ["The space can be handed over once the booking started."]}


def test_handing_over_twice_or_without_a_checklist_is_a_conflict(
    resident_client, side_a, leaving, report
):
    plain = BookingFactory(
        space=SpaceFactory(project=side_a.project),
        household=side_a.household,
        start=leaving.start,
        end=leaving.end,
    )

    twice = resident_client.post(
        f"/api/v1/bookings/{leaving.pk}/handover/", {"checklist": ALL_DONE}, format="json"
    )
    no_checklist = resident_client.post(
        f"/api/v1/bookings/{plain.pk}/handover/", {"checklist": {}}, format="json"
    )

    assert twice.status_code == 409
    assert twice.json()["detail"] == "This booking has been handed over already."
    assert no_checklist.status_code == 409
    assert HandoverReport.objects.count() == 1


def test_only_the_household_hands_over(
    manager_client, neighbour_client, side_a, side_b, leaving, following
):
    url = f"/api/v1/bookings/{leaving.pk}/handover/"
    body = {"checklist": ALL_DONE}

    assert neighbour_client.post(url, body, format="json").status_code == 404
    assert manager_client.post(url, body, format="json").status_code == 403
    assert api_client_for(side_b.manager).post(url, body, format="json").status_code == 404
    assert api_client_for(side_a.officer).post(url, body, format="json").status_code == 404
    assert not HandoverReport.objects.exists()


# --- Reviewing ------------------------------------------------------------------------------


def test_the_next_household_confirms(neighbour_client, report, following):
    response = neighbour_client.post(
        f"/api/v1/handovers/{report.pk}/review/", {"verdict": "confirmed"}, format="json"
    )

    assert response.status_code == 200, response.json()
    assert response.json()["verdict"] == "confirmed"
    report.refresh_from_db()
    assert report.verdict_booking == following
    assert not MaintenanceNote.objects.exists()


def test_a_dispute_needs_a_comment(neighbour_client, report, following):
    response = neighbour_client.post(
        f"/api/v1/handovers/{report.pk}/review/",
        {"verdict": "disputed", "comment": "  "},
        format="json",
    )

    assert response.status_code == 400
    assert response.json() == {"comment": ["Say what was not as listed."]}
    report.refresh_from_db()
    assert report.verdict == ""


@pytest.mark.parametrize("body", [{}, {"verdict": "perhaps"}, {"verdict": None}])
def test_a_verdict_is_required(neighbour_client, report, following, body):
    response = neighbour_client.post(f"/api/v1/handovers/{report.pk}/review/", body, format="json")

    assert response.status_code == 400
    assert list(response.json()) == ["verdict"]


def test_reviewing_twice_is_a_conflict(neighbour_client, report, following):
    url = f"/api/v1/handovers/{report.pk}/review/"
    assert neighbour_client.post(url, {"verdict": "confirmed"}, format="json").status_code == 200

    response = neighbour_client.post(url, {"verdict": "disputed", "comment": "x"}, format="json")

    assert response.status_code == 409
    assert not MaintenanceNote.objects.exists()


def test_reviewing_too_early_is_refused(side_a, space, leaving, report):
    BookingFactory(
        space=space,
        household=side_a.neighbour,
        start=leaving.end + dt.timedelta(hours=5),
        end=leaving.end + dt.timedelta(hours=6),
    )
    client = api_client_for(make_resident_user(side_a.neighbour))

    response = client.post(
        f"/api/v1/handovers/{report.pk}/review/", {"verdict": "confirmed"}, format="json"
    )

    assert response.status_code == 400
    assert list(response.json()) == ["verdict"]


def test_only_the_next_household_reviews(
    resident_client, manager_client, side_a, side_b, report, following
):
    url = f"/api/v1/handovers/{report.pk}/review/"
    body = {"verdict": "confirmed"}
    third = api_client_for(make_resident_user(HouseholdFactory(project=side_a.project)))

    assert resident_client.post(url, body, format="json").status_code == 403  # the leaving one
    assert third.post(url, body, format="json").status_code == 403
    assert manager_client.post(url, body, format="json").status_code == 403
    assert api_client_for(side_b.resident_user).post(url, body, format="json").status_code == 404
    assert api_client_for(side_b.manager).post(url, body, format="json").status_code == 404
    report.refresh_from_db()
    assert report.verdict == ""


# --- Maintenance notes ----------------------------------------------------------------------


def test_a_dispute_reaches_the_managers_who_resolve_it(
    neighbour_client, manager_client, side_a, report, following
):
    response = neighbour_client.post(
        f"/api/v1/handovers/{report.pk}/review/",
        {"verdict": "disputed", "comment": "Sticky floor."},
        format="json",
    )
    assert response.status_code == 200

    listed = manager_client.get("/api/v1/maintenance-notes/").json()["results"]

    note = MaintenanceNote.objects.get()
    assert [row["id"] for row in listed] == [note.pk]
    row = listed[0]
    assert row["handover"] == report.pk
    assert row["project"] == side_a.project.pk
    assert row["space_name"] == "Sala comuna"
    assert row["resolved"] is False
    assert "Sticky floor." in row["text"]
    assert "Marked not done: Floor swept" in row["text"]

    response = manager_client.post(f"/api/v1/maintenance-notes/{note.pk}/resolve/")

    assert response.status_code == 200
    assert response.json()["resolved"] is True
    assert response.json()["resolved_by"] == side_a.manager.pk
    first = response.json()["resolved_at"]
    again = manager_client.post(f"/api/v1/maintenance-notes/{note.pk}/resolve/")
    assert again.json()["resolved_at"] == first  # resolving twice keeps the first


def test_the_notes_filter_by_resolved_and_project(manager_client, side_a, side_b, space):
    other_space = SpaceFactory(project=side_a.other_project)
    open_note = MaintenanceNote.objects.create(space=space, text="Tap drips")
    done = MaintenanceNote.objects.create(
        space=space, text="Door stuck", resolved_at=timezone.now()
    )
    MaintenanceNote.objects.create(space=other_space, text="Not theirs")
    MaintenanceNote.objects.create(space=SpaceFactory(project=side_b.project), text="Elsewhere")

    def ids(query: str) -> set[int]:
        response = manager_client.get(f"/api/v1/maintenance-notes/{query}")
        assert response.status_code == 200
        return {row["id"] for row in response.json()["results"]}

    assert ids("") == {open_note.pk, done.pk}
    assert ids("?resolved=false") == {open_note.pk}
    assert ids("?resolved=true") == {done.pk}
    assert ids(f"?project={side_a.project.pk}") == {open_note.pk, done.pk}
    assert ids(f"?project={side_b.project.pk}") == set()
    assert manager_client.get("/api/v1/maintenance-notes/?project=x").status_code == 400


def test_residents_see_no_notes_and_resolve_none(resident_client, side_a, side_b, space):
    note = MaintenanceNote.objects.create(space=space, text="Tap drips")
    other = MaintenanceNote.objects.create(
        space=SpaceFactory(project=side_b.project), text="Elsewhere"
    )

    assert resident_client.get("/api/v1/maintenance-notes/").json()["results"] == []
    assert resident_client.get(f"/api/v1/maintenance-notes/{note.pk}/").status_code == 404
    assert resident_client.post(f"/api/v1/maintenance-notes/{note.pk}/resolve/").status_code == 403
    manager_b = api_client_for(side_b.manager)
    assert manager_b.post(f"/api/v1/maintenance-notes/{note.pk}/resolve/").status_code == 404
    assert manager_b.get(f"/api/v1/maintenance-notes/{note.pk}/").status_code == 404
    officer = api_client_for(side_a.officer)
    assert officer.post(f"/api/v1/maintenance-notes/{note.pk}/resolve/").status_code == 404
    note.refresh_from_db()
    assert note.resolved_at is None
    assert other.pk not in {
        row["id"]
        for row in api_client_for(side_a.manager)
        .get("/api/v1/maintenance-notes/")
        .json()["results"]
    }


@pytest.mark.parametrize("count", [3, 30])
def test_the_notes_list_runs_a_constant_number_of_queries(
    manager_client, side_a, space, count, django_assert_max_num_queries
):
    for n in range(count):
        MaintenanceNote.objects.create(space=space, text=f"Note {n}")
    manager_client.get("/api/v1/maintenance-notes/")

    with django_assert_max_num_queries(6):
        response = manager_client.get("/api/v1/maintenance-notes/")

    assert response.json()["count"] == count


# --- Going away -----------------------------------------------------------------------------


def test_going_away_cancels_the_households_bookings_on_those_days(resident_client, side_a, space):
    zone = zone_of(space)
    first = today(space) + dt.timedelta(days=10)

    def on(days: int, hour: int, household=side_a.household) -> Booking:
        start = dt.datetime.combine(first + dt.timedelta(days=days), dt.time(hour), tzinfo=zone)
        return BookingFactory(space=space, household=household, start=start)

    inside = [on(0, 0), on(1, 12), on(2, 23)]
    outside = [on(-1, 23), on(3, 0), on(1, 9, household=side_a.neighbour)]

    response = resident_client.post(
        "/api/v1/bookings/cancel-away/",
        {"start": first.isoformat(), "end": (first + dt.timedelta(days=2)).isoformat()},
        format="json",
    )

    assert response.status_code == 200
    assert response.json() == {"cancelled": 3}
    statuses = dict(Booking.objects.values_list("pk", "status"))
    assert {statuses[b.pk] for b in inside} == {BookingStatus.CANCELLED}
    assert {statuses[b.pk] for b in outside} == {BookingStatus.CONFIRMED}


@pytest.mark.parametrize(
    ("days", "field"),
    [((5, 3), "end"), ((-10, -3), "end"), ((1, 400), "end"), ((None, 3), "start")],
)
def test_going_away_refuses_wrong_days(resident_client, side_a, space, days, field):
    booking = BookingFactory(
        space=space, household=side_a.household, start=timezone.now() + dt.timedelta(days=4)
    )
    body = {
        name: (today(space) + dt.timedelta(days=offset)).isoformat()
        for name, offset in zip(("start", "end"), days, strict=True)
        if offset is not None
    }

    response = resident_client.post("/api/v1/bookings/cancel-away/", body, format="json")

    assert response.status_code == 400
    assert list(response.json()) == [field]
    booking.refresh_from_db()
    assert booking.status == BookingStatus.CONFIRMED


def test_going_away_from_a_date_long_ago_is_no_server_error(resident_client, side_a, space):
    booking = BookingFactory(
        space=space, household=side_a.household, start=timezone.now() + dt.timedelta(days=4)
    )
    end = today(space) + dt.timedelta(days=5)

    response = resident_client.post(
        "/api/v1/bookings/cancel-away/",
        {"start": "0001-01-01", "end": end.isoformat()},
        format="json",
    )

    assert response.status_code == 400  # more than a year
    response = resident_client.post(
        "/api/v1/bookings/cancel-away/",
        {"start": (end - dt.timedelta(days=300)).isoformat(), "end": end.isoformat()},
        format="json",
    )
    assert response.json() == {"cancelled": 1}
    booking.refresh_from_db()
    assert booking.status == BookingStatus.CANCELLED


def test_going_away_is_for_a_household_of_ones_own(manager_client, side_a, side_b, space):
    day = (today(space) + dt.timedelta(days=3)).isoformat()

    response = manager_client.post(
        "/api/v1/bookings/cancel-away/", {"start": day, "end": day}, format="json"
    )
    assert response.status_code == 403

    resident = api_client_for(side_a.resident_user)
    response = resident.post(
        "/api/v1/bookings/cancel-away/",
        {"start": day, "end": day, "household": side_a.neighbour.pk},
        format="json",
    )
    assert response.status_code == 400
    assert list(response.json()) == ["household"]


# --- Cancelling a series from a date on ------------------------------------------------------


def test_a_series_is_cancelled_from_a_date_on(resident_client, space, weekly):
    from_date = weekly[1].start.astimezone(zone_of(space)).date()

    response = resident_client.post(
        f"/api/v1/booking-series/{weekly[0].series_id}/cancel-from/",
        {"date": from_date.isoformat()},
        format="json",
    )

    assert response.status_code == 200
    assert response.json() == {"cancelled": 3}
    statuses = [Booking.objects.get(pk=b.pk).status for b in weekly]
    assert statuses == [BookingStatus.CONFIRMED] + [BookingStatus.CANCELLED] * 3


def test_a_manager_cancels_a_series_within_the_cut_off(
    manager_client, resident_client, space, weekly
):
    space.cancel_cutoff_minutes = 3 * 24 * 60
    space.save()
    url = f"/api/v1/booking-series/{weekly[0].series_id}/cancel-from/"

    assert resident_client.post(url, {"date": "2000-01-01"}, format="json").json() == {
        "cancelled": 3
    }
    response = manager_client.post(url, {"date": "2000-01-01"}, format="json")

    assert response.json() == {"cancelled": 1}
    assert not Booking.objects.filter(status=BookingStatus.CONFIRMED).exists()


def test_cancelling_a_series_is_refused_to_others(neighbour_client, side_b, side_a, space, weekly):
    url = f"/api/v1/booking-series/{weekly[0].series_id}/cancel-from/"
    body = {"date": today(space).isoformat()}

    assert neighbour_client.post(url, body, format="json").status_code == 404
    assert api_client_for(side_b.manager).post(url, body, format="json").status_code == 404
    assert api_client_for(side_a.officer).post(url, body, format="json").status_code == 404
    resident = api_client_for(side_a.resident_user)
    bad = resident.post(url, {"date": "soon"}, format="json")
    assert bad.status_code == 400
    assert list(bad.json()) == ["date"]
    assert not Booking.objects.filter(status=BookingStatus.CANCELLED).exists()


# --- Anonymous requests, and the schema ---------------------------------------------------


def test_anonymous_requests_are_refused(api_client, leaving, report, space):
    note = MaintenanceNote.objects.create(space=space, text="Tap drips")
    requests = [
        ("post", f"/api/v1/bookings/{leaving.pk}/handover/"),
        ("post", f"/api/v1/handovers/{report.pk}/review/"),
        ("get", "/api/v1/maintenance-notes/"),
        ("post", f"/api/v1/maintenance-notes/{note.pk}/resolve/"),
        ("post", "/api/v1/bookings/cancel-away/"),
        ("post", f"/api/v1/booking-series/{leaving.pk}/cancel-from/"),
    ]
    for method, url in requests:
        assert getattr(api_client, method)(url).status_code == 401, url


def test_the_endpoints_are_in_the_schema(openapi_schema):
    paths = openapi_schema["paths"]
    for path in (
        "/api/v1/bookings/{id}/handover/",
        "/api/v1/handovers/{id}/review/",
        "/api/v1/maintenance-notes/{id}/resolve/",
        "/api/v1/bookings/cancel-away/",
        "/api/v1/booking-series/{id}/cancel-from/",
    ):
        assert "post" in paths[path], path
    assert "get" in paths["/api/v1/maintenance-notes/"]
