"""Spaces, availability, bookings, waitlists and lottery windows through the API: what residents
and managers do, what they get back, and how each wrong request is refused."""

from __future__ import annotations

import datetime as dt
import json

import pytest
from django.utils import timezone

from community.bookings.models import (
    Booking,
    BookingRequest,
    BookingStatus,
    BookingWindow,
    Space,
    SpaceClosure,
    WaitlistEntry,
    WaitlistStatus,
    WindowStatus,
)
from community.bookings.services.lottery import booking_request_submit, booking_window_open
from members.models import RoleKind
from members.services import role_grant
from tests.api.factories import day_at
from tests.community.factories import (
    BookingFactory,
    SpaceFactory,
    WaitlistEntryFactory,
    close_space,
    open_daily,
)
from tests.conftest import api_client_for
from tests.factories import UserFactory

pytestmark = pytest.mark.django_db


def period(space: Space, days: int = 2, hour: int = 10, hours: int = 1) -> dict[str, str]:
    start = day_at(space, days, hour)
    return {"start": start.isoformat(), "end": (start + dt.timedelta(hours=hours)).isoformat()}


@pytest.fixture
def space(side_a) -> Space:
    return SpaceFactory(project=side_a.project, name="Common room")


@pytest.fixture
def neighbour_client(side_a):
    user = UserFactory()
    side_a.neighbour_resident.user = user
    side_a.neighbour_resident.save(update_fields=["user"])
    role_grant(user=user, kind=RoleKind.RESIDENT, project=side_a.project)
    return api_client_for(user)


# --- Spaces ----------------------------------------------------------------------------------


def test_a_resident_lists_the_spaces_of_their_project_with_opening_hours(
    side_a, space, resident_client
):
    open_daily(space, "08:00", "22:00", weekdays=[0, 1])
    open_daily(space, "22:00", "24:00", weekdays=[1])
    SpaceFactory(project=side_a.other_project, name="Elsewhere")

    response = resident_client.get("/api/v1/spaces/")

    assert response.status_code == 200
    body = response.json()
    assert [row["id"] for row in body["results"]] == [space.pk]
    row = body["results"][0]
    assert row["opening_hours"] == [
        {"weekday": 0, "opens": "08:00", "closes": "22:00"},
        {"weekday": 1, "opens": "08:00", "closes": "22:00"},
        {"weekday": 1, "opens": "22:00", "closes": "24:00"},
    ]
    assert row["time_zone"] == "Europe/Madrid"
    for rule in (
        "min_duration_minutes",
        "max_duration_minutes",
        "slot_minutes",
        "buffer_minutes",
        "advance_days",
        "quota_week_minutes",
        "quota_month_minutes",
        "requires_approval",
        "cancel_cutoff_minutes",
        "fee_per_hour_cents",
        "checkin_required",
        "units",
        "capacity",
    ):
        assert rule in row
    assert "feed_token" not in row
    assert resident_client.get(f"/api/v1/spaces/{space.pk}/").json() == row


def test_spaces_filter_by_project_kind_and_activity(side_a, space, manager_client):
    SpaceFactory(project=side_a.project, name="Laundry", kind="laundry", is_active=False)

    def names(query: str) -> list[str]:
        response = manager_client.get(f"/api/v1/spaces/?{query}")
        assert response.status_code == 200
        return [row["name"] for row in response.json()["results"]]

    assert names(f"project={side_a.project.pk}") == ["Common room", "Laundry"]
    assert names("kind=laundry") == ["Laundry"]
    assert names("is_active=true") == ["Common room"]
    assert manager_client.get("/api/v1/spaces/?project=abc").status_code == 400
    assert manager_client.get("/api/v1/spaces/?kind=castle").status_code == 400


def test_a_manager_creates_a_space_with_its_opening_hours(side_a, manager_client):
    response = manager_client.post(
        "/api/v1/spaces/",
        {
            "project": side_a.project.pk,
            "name": "Guest room",
            "kind": "guest_room",
            "capacity": 2,
            "max_duration_minutes": 3 * 24 * 60,
            "slot_minutes": 60,
            "quota_month_minutes": 6 * 24 * 60,
            "handover_checklist": ["Bed stripped", "Keys returned"],
            "opening_hours": [
                {"weekday": 0, "opens": "08:00", "closes": "12:00"},
                {"weekday": 0, "opens": "14:00", "closes": "24:00"},
            ],
        },
        format="json",
    )

    assert response.status_code == 201, response.content
    body = response.json()
    space = Space.objects.get(pk=body["id"])
    assert (space.project, space.name, space.capacity) == (side_a.project, "Guest room", 2)
    assert space.handover_checklist == ["Bed stripped", "Keys returned"]
    assert list(space.opening_hours.values_list("weekday", "opens_minute", "closes_minute")) == [
        (0, 480, 720),
        (0, 840, 1440),
    ]
    assert body["opening_hours"][1] == {"weekday": 0, "opens": "14:00", "closes": "24:00"}
    assert body["quota_month_minutes"] == 6 * 24 * 60


def test_a_manager_updates_a_space_and_replaces_its_opening_hours(space, manager_client):
    open_daily(space, "08:00", "22:00")

    response = manager_client.patch(
        f"/api/v1/spaces/{space.pk}/", {"buffer_minutes": 30}, format="json"
    )
    assert response.status_code == 200, response.content
    assert response.json()["buffer_minutes"] == 30
    assert space.opening_hours.count() == 7  # not given: kept

    response = manager_client.patch(
        f"/api/v1/spaces/{space.pk}/",
        {"opening_hours": [{"weekday": 5, "opens": "10:00", "closes": "18:00"}]},
        format="json",
    )
    assert response.status_code == 200, response.content
    assert response.json()["opening_hours"] == [{"weekday": 5, "opens": "10:00", "closes": "18:00"}]
    assert list(space.opening_hours.values_list("weekday", "opens_minute", "closes_minute")) == [
        (5, 600, 1080)
    ]

    response = manager_client.patch(
        f"/api/v1/spaces/{space.pk}/", {"opening_hours": []}, format="json"
    )
    assert response.status_code == 200
    assert response.json()["opening_hours"] == []  # open around the clock


def test_a_resident_cannot_create_or_change_a_space(side_a, space, resident_client):
    response = resident_client.post(
        "/api/v1/spaces/",
        {"project": side_a.project.pk, "name": "Mine", "kind": "workshop"},
        format="json",
    )
    assert response.status_code == 403
    response = resident_client.patch(
        f"/api/v1/spaces/{space.pk}/", {"requires_approval": True}, format="json"
    )
    assert response.status_code == 403
    assert Space.objects.count() == 1
    space.refresh_from_db()
    assert space.requires_approval is False


@pytest.mark.parametrize(
    ("payload", "field"),
    [
        ({"name": ""}, "name"),
        ({"name": "Common room"}, "name"),  # taken in this project
        ({"kind": "castle"}, "kind"),
        ({"units": 0}, "units"),
        ({"min_duration_minutes": 120, "max_duration_minutes": 60}, "max_duration_minutes"),
        ({"opening_hours": [{"weekday": 7, "opens": "08:00", "closes": "09:00"}]}, "opening_hours"),
        ({"opening_hours": [{"weekday": 1, "opens": "25:00", "closes": "26:00"}]}, "opening_hours"),
        ({"opening_hours": [{"weekday": 1, "opens": "8h", "closes": "9h"}]}, "opening_hours"),
        ({"opening_hours": [{"weekday": 1, "opens": "0²:00", "closes": "09:00"}]}, "opening_hours"),
        ({"opening_hours": [{"weekday": 1, "opens": 480, "closes": "24:01"}]}, "opening_hours"),
        ({"opening_hours": [{"weekday": 1, "opens": "12:00", "closes": "09:00"}]}, "opening_hours"),
        (
            {
                "opening_hours": [
                    {"weekday": 1, "opens": "08:00", "closes": "12:00"},
                    {"weekday": 1, "opens": "11:00", "closes": "13:00"},
                ]
            },
            "opening_hours",
        ),
        ({"opening_hours": "always"}, "opening_hours"),
        ({"handover_checklist": ["Keys", "Keys"]}, "handover_checklist"),
        ({"project": "abc"}, "project"),
    ],
)
def test_a_bad_space_answers_400_on_its_field(side_a, space, manager_client, payload, field):
    body = {"project": side_a.project.pk, "name": "Workshop", "kind": "workshop", **payload}

    response = manager_client.post("/api/v1/spaces/", body, format="json")

    assert response.status_code == 400, response.content
    assert field in response.json()
    assert Space.objects.count() == 1


def test_the_officer_sees_no_space(side_a, space, officer_client):
    response = officer_client.get("/api/v1/spaces/")
    assert response.status_code == 200
    assert response.json()["results"] == []
    assert officer_client.get(f"/api/v1/spaces/{space.pk}/").status_code == 404


def test_signed_out_callers_get_401(space, api_client):
    for url in (
        "/api/v1/spaces/",
        f"/api/v1/spaces/{space.pk}/availability/",
        "/api/v1/bookings/",
        "/api/v1/booking-windows/",
    ):
        assert api_client.get(url).status_code == 401, url
    assert api_client.post("/api/v1/bookings/", {}, format="json").status_code == 401


# --- Availability ----------------------------------------------------------------------------


def test_availability_shows_the_free_intervals_and_the_quota_left(side_a, space, resident_client):
    space.units = 2
    space.quota_week_minutes = 180
    space.save()
    taken = BookingFactory(
        space=space, household=side_a.neighbour, start=day_at(space, 2, 10), unit=1
    )
    BookingFactory(space=space, household=side_a.household, start=day_at(space, 2, 14), unit=1)
    query = {"start": day_at(space, 2, 9).isoformat(), "end": day_at(space, 2, 12).isoformat()}

    response = resident_client.get(f"/api/v1/spaces/{space.pk}/availability/", query)

    assert response.status_code == 200, response.content
    body = response.json()
    assert body["space"] == space.pk
    assert body["household"] == side_a.household.pk
    assert body["units"] == 2
    assert body["time_zone"] == "Europe/Madrid"
    counts = [(row["start"], row["end"], row["free_units"]) for row in body["intervals"]]

    def utc(moment: dt.datetime) -> str:
        return moment.astimezone(dt.UTC).isoformat().replace("+00:00", "Z")

    assert counts == [
        (utc(day_at(space, 2, 9)), utc(taken.start), 2),
        (utc(taken.start), utc(taken.end), 1),
        (utc(taken.end), utc(day_at(space, 2, 12)), 2),
    ]
    assert {row["bookable"] for row in body["intervals"]} == {True}
    assert {row["quota_left_minutes"] for row in body["intervals"]} == {120}
    assert [q["period"] for q in body["quota"]] == ["week"]
    assert body["quota"][0]["used_minutes"] == 60


def test_availability_marks_what_the_household_cannot_book(side_a, space, resident_client):
    space.quota_week_minutes = 60
    space.save()
    BookingFactory(space=space, household=side_a.household, start=day_at(space, 2, 14))
    query = {"start": day_at(space, 2, 8).isoformat(), "end": day_at(space, 2, 9).isoformat()}

    body = resident_client.get(f"/api/v1/spaces/{space.pk}/availability/", query).json()

    assert [row["blocked_reason"] for row in body["intervals"]] == ["quota_week"]
    assert body["intervals"][0]["bookable"] is False
    assert body["intervals"][0]["blocked_message"]


def test_a_manager_asks_availability_for_a_household_or_for_nobody(side_a, space, manager_client):
    space.quota_week_minutes = 120
    space.save()
    BookingFactory(space=space, household=side_a.neighbour, start=day_at(space, 2, 14))
    query = {"start": day_at(space, 2, 8).isoformat(), "end": day_at(space, 2, 9).isoformat()}
    url = f"/api/v1/spaces/{space.pk}/availability/"

    body = manager_client.get(url, query).json()
    assert body["household"] is None
    assert body["quota"] == []

    body = manager_client.get(url, {**query, "household": side_a.neighbour.pk}).json()
    assert body["household"] == side_a.neighbour.pk
    assert body["intervals"][0]["quota_left_minutes"] == 60

    response = manager_client.get(url, {**query, "household": side_a.other_household.pk})
    assert response.status_code == 400
    assert set(response.json()) == {"household"}


def test_a_resident_cannot_ask_for_the_neighbours_quota(side_a, space, resident_client):
    query = {**period(space), "household": side_a.neighbour.pk}
    response = resident_client.get(f"/api/v1/spaces/{space.pk}/availability/", query)
    assert response.status_code == 400
    assert set(response.json()) == {"household"}


@pytest.mark.parametrize(
    ("query", "field"),
    [
        ({}, "start"),
        ({"start": "2025-06-02T10:00:00+02:00"}, "end"),
        ({"start": "yesterday", "end": "2025-06-02T10:00:00+02:00"}, "start"),
        ({"start": "2025-06-02T10:00:00", "end": "2025-06-02T12:00:00"}, "start"),
        ({"start": "2025-06-02T10:00:00+02:00", "end": "2025-06-02T12:00:00"}, "end"),
        ({"start": "2025-06-02T10:00:00+02:00", "end": "2025-06-02T10:00:00+02:00"}, "end"),
        ({"start": "2025-06-02T10:00:00+02:00", "end": "2025-06-01T10:00:00+02:00"}, "end"),
        ({"start": "2025-06-01T00:00:00+02:00", "end": "2025-08-03T00:00:00+02:00"}, "end"),
        ({"start": "2025-13-01T00:00:00+02:00", "end": "2025-06-01T00:00:00+02:00"}, "start"),
        (
            {
                "start": "2025-06-01T00:00:00+02:00",
                "end": "2025-06-02T00:00:00+02:00",
                "household": "x",
            },
            "household",
        ),
    ],
)
def test_bad_availability_questions_answer_400_on_the_parameter(
    space, resident_client, query, field
):
    response = resident_client.get(f"/api/v1/spaces/{space.pk}/availability/", query)
    assert response.status_code == 400, response.content
    assert field in response.json()


def test_sixty_two_days_may_be_asked_at_once(space, resident_client):
    start = day_at(space, 1, 0)
    query = {"start": start.isoformat(), "end": (start + dt.timedelta(days=62)).isoformat()}
    response = resident_client.get(f"/api/v1/spaces/{space.pk}/availability/", query)
    assert response.status_code == 200


# --- Free spaces -----------------------------------------------------------------------------


def test_free_spaces_lists_the_spaces_with_a_unit_free_for_the_whole_period(
    side_a, space, resident_client
):
    guest = SpaceFactory(project=side_a.project, name="Guest room", kind="guest_room", capacity=2)
    workshop = SpaceFactory(project=side_a.project, name="Workshop", kind="workshop")
    open_daily(workshop, "08:00", "09:00")
    BookingFactory(space=space, household=side_a.neighbour, start=day_at(space, 2, 10))
    SpaceFactory(project=side_a.other_project, name="Elsewhere")

    response = resident_client.get("/api/v1/spaces/free/", period(space))

    assert response.status_code == 200, response.content
    assert [row["id"] for row in response.json()] == [guest.pk]
    assert "opening_hours" in response.json()[0]
    assert (
        resident_client.get("/api/v1/spaces/free/", {**period(space), "attendees": 3}).json() == []
    )
    response = resident_client.get("/api/v1/spaces/free/", {**period(space), "kind": "workshop"})
    assert response.json() == []


def test_free_spaces_needs_a_project_when_the_user_lives_nowhere(side_a, space, manager_client):
    response = manager_client.get("/api/v1/spaces/free/", period(space))
    assert response.status_code == 400
    assert set(response.json()) == {"project"}

    response = manager_client.get(
        "/api/v1/spaces/free/", {**period(space), "project": side_a.project.pk}
    )
    assert response.status_code == 200
    assert [row["id"] for row in response.json()] == [space.pk]


@pytest.mark.parametrize(
    ("extra", "field"),
    [({"kind": "castle"}, "kind"), ({"attendees": 0}, "attendees"), ({"project": "x"}, "project")],
)
def test_bad_free_space_questions_answer_400(space, resident_client, extra, field):
    response = resident_client.get("/api/v1/spaces/free/", {**period(space), **extra})
    assert response.status_code == 400
    assert field in response.json()


def test_the_officer_finds_no_free_space_in_the_city(side_a, space, officer_client):
    response = officer_client.get(
        "/api/v1/spaces/free/", {**period(space), "project": side_a.project.pk}
    )
    assert response.status_code == 400
    assert set(response.json()) == {"project"}


# --- Usage -----------------------------------------------------------------------------------


def test_usage_shows_hours_and_shares_by_unit(side_a, space, resident_client):
    BookingFactory(space=space, household=side_a.household, start=day_at(space, 2, 10))
    BookingFactory(space=space, household=side_a.household, start=day_at(space, 3, 10))
    BookingFactory(space=space, household=side_a.neighbour, start=day_at(space, 4, 10))
    BookingFactory(
        space=space,
        household=side_a.neighbour,
        start=day_at(space, 5, 10),
        status=BookingStatus.CANCELLED,
    )
    query = {"start": day_at(space, 1, 0).isoformat(), "end": day_at(space, 8, 0).isoformat()}

    response = resident_client.get(f"/api/v1/spaces/{space.pk}/usage/", query)

    assert response.status_code == 200, response.content
    assert response.json() == [
        {"unit_label": "1A", "minutes": 120, "hours": 2.0, "share": pytest.approx(2 / 3)},
        {"unit_label": "1B", "minutes": 60, "hours": 1.0, "share": pytest.approx(1 / 3)},
    ]
    text = json.dumps(response.json())
    assert side_a.resident.first_name not in text


def test_usage_refuses_a_bad_period(space, manager_client):
    response = manager_client.get(f"/api/v1/spaces/{space.pk}/usage/", {"start": "soon"})
    assert response.status_code == 400
    assert {"start", "end"} <= set(response.json())


# --- Closures --------------------------------------------------------------------------------


def test_a_manager_closes_a_space_and_reopens_it(space, manager_client, resident_client):
    url = f"/api/v1/spaces/{space.pk}/closures/"
    response = manager_client.post(
        url, {**period(space, hours=4), "reason": "Painting"}, format="json"
    )
    assert response.status_code == 201, response.content
    closure = SpaceClosure.objects.get()
    assert (closure.space, closure.reason) == (space, "Painting")

    close_space(space, day_at(space, -3, 10), day_at(space, -2, 10), reason="Over")
    listed = resident_client.get(url)
    assert listed.status_code == 200
    assert [row["id"] for row in listed.json()] == [closure.pk]  # not the one that is over
    # The space is closed: booking there is refused on the start.
    response = resident_client.post(
        "/api/v1/bookings/", {"space": space.pk, **period(space)}, format="json"
    )
    assert response.status_code == 400
    assert "Painting" in response.json()["start"][0]

    assert resident_client.delete(f"{url}{closure.pk}/").status_code == 403
    assert manager_client.delete(f"{url}{closure.pk}/").status_code == 204
    assert not SpaceClosure.objects.filter(pk=closure.pk).exists()
    gone = manager_client.delete(f"{url}{closure.pk}/")
    assert gone.status_code == 404
    assert set(gone.json()) == {"detail"}  # said in JSON, as every other error


def test_a_resident_cannot_close_a_space_and_bad_closures_are_refused(
    space, resident_client, manager_client
):
    url = f"/api/v1/spaces/{space.pk}/closures/"
    assert resident_client.post(url, period(space), format="json").status_code == 403
    start = day_at(space, 2, 10)
    response = manager_client.post(
        url, {"start": start.isoformat(), "end": start.isoformat()}, format="json"
    )
    assert response.status_code == 400
    assert "end" in response.json()
    response = manager_client.post(url, {"start": "2025-06-01T10:00", "end": "x"}, format="json")
    assert response.status_code == 400
    assert {"start", "end"} <= set(response.json())
    assert not SpaceClosure.objects.exists()


# --- Bookings --------------------------------------------------------------------------------


def test_a_resident_books_a_free_slot_for_their_household(side_a, space, resident_client):
    slot = period(space)
    response = resident_client.post(
        "/api/v1/bookings/",
        {"space": space.pk, **slot, "attendees": 4, "note": "Birthday"},
        format="json",
    )

    assert response.status_code == 201, response.content
    booking = Booking.objects.get()
    body = response.json()
    assert body["id"] == booking.pk
    assert (booking.household, booking.booked_by) == (side_a.household, side_a.resident_user)
    assert (booking.attendees, booking.note, booking.status) == (4, "Birthday", "confirmed")
    assert body["household_unit"] == "1A"
    assert body["space_name"] == "Common room"
    assert body["status"] == "confirmed"
    assert dt.datetime.fromisoformat(body["start"]) == dt.datetime.fromisoformat(slot["start"])
    assert resident_client.get(f"/api/v1/bookings/{booking.pk}/").json() == body


def test_a_taken_slot_answers_409_with_the_next_free_times(side_a, space, resident_client):
    taken = BookingFactory(space=space, household=side_a.neighbour, start=day_at(space, 2, 10))

    response = resident_client.post(
        "/api/v1/bookings/", {"space": space.pk, **period(space)}, format="json"
    )

    assert response.status_code == 409
    body = response.json()
    assert body["detail"]
    assert dt.datetime.fromisoformat(body["next_free"][0]["start"]) == taken.end
    assert Booking.objects.count() == 1


def test_a_manager_books_for_a_household_and_must_say_which(side_a, space, manager_client):
    response = manager_client.post(
        "/api/v1/bookings/", {"space": space.pk, **period(space)}, format="json"
    )
    assert response.status_code == 400
    assert set(response.json()) == {"household"}

    response = manager_client.post(
        "/api/v1/bookings/",
        {"space": space.pk, "household": side_a.neighbour.pk, **period(space)},
        format="json",
    )
    assert response.status_code == 201, response.content
    booking = Booking.objects.get()
    assert (booking.household, booking.booked_by) == (side_a.neighbour, side_a.manager)

    response = manager_client.post(
        "/api/v1/bookings/",
        {"space": space.pk, "household": side_a.other_household.pk, **period(space, days=3)},
        format="json",
    )
    assert response.status_code == 400
    assert set(response.json()) == {"household"}


def test_a_resident_cannot_book_for_the_neighbours(side_a, space, resident_client):
    response = resident_client.post(
        "/api/v1/bookings/",
        {"space": space.pk, "household": side_a.neighbour.pk, **period(space)},
        format="json",
    )
    assert response.status_code == 400
    assert set(response.json()) == {"household"}
    assert not Booking.objects.exists()


@pytest.mark.parametrize(
    ("change", "fields"),
    [
        (lambda s, slot: {}, {"space", "start", "end"}),
        (lambda s, slot: {"space": s.pk, "start": slot["start"]}, {"end"}),
        (lambda s, slot: {"space": s.pk, "start": "garbage", "end": slot["end"]}, {"start"}),
        (lambda s, slot: {"space": s.pk, "start": 12, "end": slot["end"]}, {"start"}),
        (
            lambda s, slot: {"space": s.pk, "start": slot["start"][:19], "end": slot["end"][:19]},
            {"start", "end"},
        ),
        (lambda s, slot: {"space": s.pk, "start": slot["end"], "end": slot["start"]}, {"end"}),
        (lambda s, slot: {"space": "one", **slot}, {"space"}),
        (lambda s, slot: {"space": 10**9, **slot}, {"space"}),
        (lambda s, slot: {"space": s.pk, **slot, "attendees": 0}, {"attendees"}),
        (lambda s, slot: {"space": s.pk, **slot, "attendees": 11}, {"attendees"}),
        (lambda s, slot: {"space": s.pk, **slot, "attendees": "many"}, {"attendees"}),
        (lambda s, slot: {"space": s.pk, **slot, "note": "x" * 501}, {"note"}),
        (lambda s, slot: {"space": s.pk, **slot, "recurrence": "daily"}, {"recurrence"}),
        (lambda s, slot: {"space": s.pk, **slot, "occurrences": 0}, {"occurrences"}),
        (lambda s, slot: {"space": s.pk, **slot, "mode": "some"}, {"mode"}),
        (lambda s, slot: {"space": s.pk, **slot, "household": "me"}, {"household"}),
    ],
)
def test_bad_booking_requests_answer_400_on_their_fields(space, resident_client, change, fields):
    response = resident_client.post(
        "/api/v1/bookings/", change(space, period(space)), format="json"
    )
    assert response.status_code == 400, response.content
    assert set(response.json()) == fields
    assert not Booking.objects.exists()


@pytest.mark.parametrize(
    ("slot", "field"),
    [
        (lambda s: period(s, days=-1), "start"),  # in the past
        (lambda s: period(s, days=90), "start"),  # beyond the advance window
        (lambda s: period(s, hours=5), "end"),  # longer than 240 minutes
        (
            lambda s: {
                "start": day_at(s, 2, 10, 5).isoformat(),
                "end": day_at(s, 2, 11).isoformat(),
            },
            "start",
        ),  # off the 15-minute grid
    ],
)
def test_the_spaces_rules_answer_400_with_the_reason(space, resident_client, slot, field):
    response = resident_client.post(
        "/api/v1/bookings/", {"space": space.pk, **slot(space)}, format="json"
    )
    assert response.status_code == 400, response.content
    assert list(response.json()) == [field]
    assert response.json()[field][0]


def test_a_json_body_that_is_not_an_object_answers_400(space, resident_client):
    response = resident_client.post(
        "/api/v1/bookings/", json.dumps([1, 2]), content_type="application/json"
    )
    assert response.status_code == 400
    response = resident_client.post(
        "/api/v1/bookings/", "{not json", content_type="application/json"
    )
    assert response.status_code == 400


def test_bookings_list_filters(side_a, space, manager_client, resident_client):
    other = SpaceFactory(project=side_a.project, name="Workshop")
    mine = BookingFactory(space=space, household=side_a.household, start=day_at(space, 2, 10))
    theirs = BookingFactory(space=other, household=side_a.neighbour, start=day_at(space, 5, 10))
    cancelled = BookingFactory(
        space=space,
        household=side_a.neighbour,
        start=day_at(space, 3, 10),
        status=BookingStatus.CANCELLED,
    )

    def ids(client, query: str = "") -> list[int]:
        response = client.get(f"/api/v1/bookings/?{query}")
        assert response.status_code == 200, response.content
        return [row["id"] for row in response.json()["results"]]

    assert ids(manager_client) == [mine.pk, cancelled.pk, theirs.pk]
    assert ids(resident_client) == [mine.pk]
    assert ids(manager_client, f"space={other.pk}") == [theirs.pk]
    assert ids(manager_client, f"household={side_a.neighbour.pk}") == [cancelled.pk, theirs.pk]
    assert ids(manager_client, "status=cancelled") == [cancelled.pk]
    after = day_at(space, 3, 0).isoformat().replace("+", "%2B")
    before = day_at(space, 4, 0).isoformat().replace("+", "%2B")
    assert ids(manager_client, f"start_after={after}") == [cancelled.pk, theirs.pk]
    assert ids(manager_client, f"start_after={after}&start_before={before}") == [cancelled.pk]
    for bad in ("status=lost", "space=abc", "start_after=tomorrow", "household=1.5"):
        assert manager_client.get(f"/api/v1/bookings/?{bad}").status_code == 400, bad


def test_booking_filters_take_any_iso_offset_and_refuse_implausible_years(manager_client):
    # ISO 8601 allows offsets up to ±23:59; PostgreSQL takes none beyond ±15:59.
    far_east = manager_client.get("/api/v1/bookings/?start_before=2025-06-01T10:00:00%2B17:54")
    assert far_east.status_code == 200, far_east.content
    for bad in ("start_before=0435-03-31T16:08:40%2B17:54", "start_after=0001-01-01T00:00:00Z"):
        response = manager_client.get(f"/api/v1/bookings/?{bad}")
        assert response.status_code == 400, bad
        field = bad.split("=")[0]
        assert response.json() == {field: ["Give a date between the years 2000 and 2100."]}


# --- Approval, rejection, cancellation -------------------------------------------------------


@pytest.fixture
def pending(side_a, space, resident_client) -> Booking:
    space.requires_approval = True
    space.save()
    response = resident_client.post(
        "/api/v1/bookings/", {"space": space.pk, **period(space)}, format="json"
    )
    assert response.status_code == 201
    assert response.json()["status"] == "pending"
    return Booking.objects.get(pk=response.json()["id"])


def test_a_manager_approves_a_pending_booking(side_a, pending, manager_client):
    response = manager_client.post(f"/api/v1/bookings/{pending.pk}/approve/")
    assert response.status_code == 200, response.content
    assert response.json()["status"] == "confirmed"
    pending.refresh_from_db()
    assert (pending.status, pending.decided_by) == ("confirmed", side_a.manager)

    response = manager_client.post(f"/api/v1/bookings/{pending.pk}/approve/")
    assert response.status_code == 409
    assert manager_client.post(f"/api/v1/bookings/{pending.pk}/reject/").status_code == 409


def test_a_manager_rejects_a_pending_booking(pending, manager_client):
    response = manager_client.post(
        f"/api/v1/bookings/{pending.pk}/reject/", {"reason": "Private event"}, format="json"
    )
    assert response.status_code == 200, response.content
    assert response.json()["status"] == "rejected"
    response = manager_client.post(
        f"/api/v1/bookings/{pending.pk}/reject/", {"reason": "x" * 501}, format="json"
    )
    assert response.status_code == 400
    assert set(response.json()) == {"reason"}


def test_residents_cannot_approve_or_reject(pending, resident_client):
    assert resident_client.post(f"/api/v1/bookings/{pending.pk}/approve/").status_code == 403
    assert resident_client.post(f"/api/v1/bookings/{pending.pk}/reject/").status_code == 403
    pending.refresh_from_db()
    assert pending.status == "pending"


def test_the_household_cancels_and_a_second_cancel_is_a_conflict(side_a, space, resident_client):
    booking = BookingFactory(space=space, household=side_a.household, start=day_at(space, 2, 10))

    response = resident_client.post(f"/api/v1/bookings/{booking.pk}/cancel/")

    assert response.status_code == 200, response.content
    assert response.json()["status"] == "cancelled"
    booking.refresh_from_db()
    assert booking.status == BookingStatus.CANCELLED
    assert resident_client.post(f"/api/v1/bookings/{booking.pk}/cancel/").status_code == 409


def test_the_cut_off_binds_the_household_but_not_the_manager(
    side_a, space, resident_client, manager_client
):
    space.cancel_cutoff_minutes = 3 * 24 * 60
    space.save()
    booking = BookingFactory(space=space, household=side_a.household, start=day_at(space, 2, 10))

    response = resident_client.post(f"/api/v1/bookings/{booking.pk}/cancel/")
    assert response.status_code == 400
    assert set(response.json()) == {"start"}

    response = manager_client.post(f"/api/v1/bookings/{booking.pk}/cancel/")
    assert response.status_code == 200
    assert response.json()["status"] == "cancelled"


def test_a_cancellation_promotes_the_waitlist(side_a, space, resident_client):
    booking = BookingFactory(space=space, household=side_a.household, start=day_at(space, 2, 10))
    entry = WaitlistEntryFactory(
        space=space, household=side_a.neighbour, start=booking.start, end=booking.end
    )

    assert resident_client.post(f"/api/v1/bookings/{booking.pk}/cancel/").status_code == 200

    entry.refresh_from_db()
    assert entry.status == WaitlistStatus.PROMOTED
    assert entry.booking.household == side_a.neighbour


# --- Series ----------------------------------------------------------------------------------


def series_input(space, **extra) -> dict:
    return {
        "space": space.pk,
        **period(space),
        "recurrence": "weekly",
        "occurrences": 3,
        **extra,
    }


def test_a_series_is_booked_week_after_week(side_a, space, resident_client):
    response = resident_client.post("/api/v1/bookings/", series_input(space), format="json")

    assert response.status_code == 201, response.content
    body = response.json()
    assert (body["recurrence"], body["occurrences"], body["skipped"]) == ("weekly", 3, [])
    bookings = list(Booking.objects.order_by("start"))
    assert [b.pk for b in bookings] == [row["id"] for row in body["bookings"]]
    assert {b.series_id for b in bookings} == {body["series"]}
    assert [b.start for b in bookings] == [day_at(space, d, 10) for d in (2, 9, 16)]


def test_the_preview_tells_which_dates_are_free_and_why_not(side_a, space, resident_client):
    BookingFactory(space=space, household=side_a.neighbour, start=day_at(space, 9, 10))
    payload = series_input(space)
    del payload["space"]

    response = resident_client.post(
        "/api/v1/bookings/preview-series/", {"space": space.pk, **payload}, format="json"
    )

    assert response.status_code == 200, response.content
    rows = response.json()
    assert [(row["index"], row["free"], row["reason"]) for row in rows] == [
        (1, True, ""),
        (2, False, "slot_taken"),
        (3, True, ""),
    ]
    assert rows[1]["date"] == day_at(space, 9, 10).date().isoformat()
    assert rows[1]["message"]
    assert Booking.objects.count() == 1  # nothing booked


def test_a_series_over_a_taken_date_is_all_or_nothing_or_only_the_free_dates(
    side_a, space, resident_client
):
    BookingFactory(space=space, household=side_a.neighbour, start=day_at(space, 9, 10))

    response = resident_client.post("/api/v1/bookings/", series_input(space), format="json")
    assert response.status_code == 409
    assert [row["index"] for row in response.json()["conflicts"]] == [2]
    assert Booking.objects.count() == 1

    response = resident_client.post(
        "/api/v1/bookings/", series_input(space, mode="free_only"), format="json"
    )
    assert response.status_code == 201, response.content
    body = response.json()
    assert len(body["bookings"]) == 2
    assert [(row["index"], row["reason"]) for row in body["skipped"]] == [(2, "slot_taken")]


@pytest.mark.parametrize(
    ("extra", "field"),
    [
        ({"recurrence": None}, "recurrence"),
        ({"occurrences": 53}, "occurrences"),
        ({"occurrences": "three"}, "occurrences"),
        ({"recurrence": "yearly"}, "recurrence"),
        ({"start": "not a date"}, "start"),
    ],
)
def test_bad_series_previews_answer_400(space, resident_client, extra, field):
    payload = {key: value for key, value in {**series_input(space), **extra}.items() if value}
    response = resident_client.post("/api/v1/bookings/preview-series/", payload, format="json")
    assert response.status_code == 400, response.content
    assert field in response.json()


def test_a_null_recurrence_books_a_single_slot(space, resident_client):
    response = resident_client.post(
        "/api/v1/bookings/",
        {"space": space.pk, **period(space), "recurrence": None, "occurrences": None},
        format="json",
    )
    assert response.status_code == 201, response.content
    assert response.json()["series"] is None


def test_unsupported_methods_answer_405(side_a, space, manager_client):
    booking = BookingFactory(space=space, household=side_a.household, start=day_at(space, 2, 10))
    for method, url in [
        ("delete", f"/api/v1/spaces/{space.pk}/"),
        ("put", f"/api/v1/spaces/{space.pk}/"),
        ("patch", f"/api/v1/bookings/{booking.pk}/"),
        ("delete", f"/api/v1/bookings/{booking.pk}/"),
        ("get", f"/api/v1/bookings/{booking.pk}/cancel/"),
        ("get", "/api/v1/bookings/preview-series/"),
    ]:
        response = getattr(manager_client, method)(url, {}, format="json")
        assert response.status_code == 405, (method, url)
    assert Booking.objects.filter(pk=booking.pk, status="confirmed").exists()


def test_a_series_without_a_recurrence_answers_400(space, resident_client):
    response = resident_client.post(
        "/api/v1/bookings/", {"space": space.pk, **period(space), "occurrences": 3}, format="json"
    )
    assert response.status_code == 400
    assert set(response.json()) == {"recurrence"}


# --- Check-in and calendar -------------------------------------------------------------------


@pytest.fixture
def running(side_a, space) -> Booking:
    """A confirmed booking of the household that started within the last hour."""
    start = timezone.now().replace(minute=0, second=0, microsecond=0)
    return BookingFactory(
        space=space, household=side_a.household, start=start, end=start + dt.timedelta(hours=2)
    )


def test_a_household_member_checks_in(running, resident_client):
    response = resident_client.post(f"/api/v1/bookings/{running.pk}/check-in/")
    assert response.status_code == 200, response.content
    running.refresh_from_db()
    assert running.checked_in_at is not None
    assert response.json()["checked_in_at"] is not None
    # Twice keeps the first time.
    again = resident_client.post(f"/api/v1/bookings/{running.pk}/check-in/")
    assert again.json()["checked_in_at"] == response.json()["checked_in_at"]


def test_check_in_refusals(side_a, space, running, manager_client, resident_client):
    assert manager_client.post(f"/api/v1/bookings/{running.pk}/check-in/").status_code == 403
    later = BookingFactory(space=space, household=side_a.household, start=day_at(space, 2, 10))
    response = resident_client.post(f"/api/v1/bookings/{later.pk}/check-in/")
    assert response.status_code == 400
    assert set(response.json()) == {"start"}
    running.status = BookingStatus.PENDING
    running.save()
    assert resident_client.post(f"/api/v1/bookings/{running.pk}/check-in/").status_code == 409


def test_a_booking_downloads_as_an_icalendar_file(side_a, space, resident_client):
    booking = BookingFactory(
        space=space, household=side_a.household, start=day_at(space, 2, 10), note="Choir"
    )

    response = resident_client.get(f"/api/v1/bookings/{booking.pk}/ics/")

    assert response.status_code == 200
    assert response["Content-Type"].startswith("text/calendar")
    assert f'filename="booking-{booking.pk}.ics"' in response["Content-Disposition"]
    text = response.content.decode()
    assert text.startswith("BEGIN:VCALENDAR")
    assert f"UID:booking-{booking.pk}@" in text
    assert "Choir" in text

    asked_as_calendar = resident_client.get(
        f"/api/v1/bookings/{booking.pk}/ics/", HTTP_ACCEPT="text/calendar"
    )
    assert asked_as_calendar.status_code == 200
    missing = resident_client.get("/api/v1/bookings/999999/ics/", HTTP_ACCEPT="text/calendar")
    assert missing.status_code == 404


# --- Waitlist --------------------------------------------------------------------------------


def test_a_household_waits_for_a_taken_slot_and_leaves(side_a, space, resident_client):
    BookingFactory(space=space, household=side_a.neighbour, start=day_at(space, 2, 10))

    response = resident_client.post(
        "/api/v1/bookings/waitlist/", {"space": space.pk, **period(space)}, format="json"
    )

    assert response.status_code == 201, response.content
    entry = WaitlistEntry.objects.get()
    assert response.json()["id"] == entry.pk
    assert (entry.household, entry.requested_by) == (side_a.household, side_a.resident_user)
    listed = resident_client.get("/api/v1/bookings/waitlist/")
    assert [row["id"] for row in listed.json()["results"]] == [entry.pk]

    again = resident_client.post(
        "/api/v1/bookings/waitlist/", {"space": space.pk, **period(space)}, format="json"
    )
    assert again.status_code == 400
    assert "start" in again.json()

    assert resident_client.delete(f"/api/v1/bookings/waitlist/{entry.pk}/").status_code == 204
    entry.refresh_from_db()
    assert entry.status == WaitlistStatus.CANCELLED
    assert resident_client.delete(f"/api/v1/bookings/waitlist/{entry.pk}/").status_code == 409


def test_waiting_for_a_free_slot_is_refused(space, resident_client):
    response = resident_client.post(
        "/api/v1/bookings/waitlist/", {"space": space.pk, **period(space)}, format="json"
    )
    assert response.status_code == 400
    assert set(response.json()) == {"start"}
    response = resident_client.post("/api/v1/bookings/waitlist/", {}, format="json")
    assert response.status_code == 400
    assert {"space", "start", "end"} <= set(response.json())


def test_a_resident_cannot_take_the_neighbours_place_on_the_waitlist(
    side_a, space, resident_client, neighbour_client
):
    entry = WaitlistEntryFactory(space=space, household=side_a.neighbour)
    refused = resident_client.delete(f"/api/v1/bookings/waitlist/{entry.pk}/")
    assert refused.status_code == 404
    assert set(refused.json()) == {"detail"}  # said in JSON, as every other error
    assert resident_client.get("/api/v1/bookings/waitlist/").json()["results"] == []
    assert neighbour_client.delete(f"/api/v1/bookings/waitlist/{entry.pk}/").status_code == 204


# --- Lottery windows -------------------------------------------------------------------------


def window_input(target: Space, **extra) -> dict:
    return {
        "space": target.pk,
        "title": "Summer weekends",
        "slots": [period(target, days=10), period(target, days=10, hour=12)],
        "closes_at": day_at(target, 5, 12).isoformat(),
        **extra,
    }


@pytest.fixture
def window(side_a, space) -> BookingWindow:
    slots = [
        (day_at(space, 10, 10), day_at(space, 10, 11)),
        (day_at(space, 10, 12), day_at(space, 10, 13)),
    ]
    return booking_window_open(
        space=space,
        title="Summer",
        slots=slots,
        closes_at=day_at(space, 5, 12),
        created_by=side_a.manager,
    )


def close_requests(window: BookingWindow) -> None:
    """Let the window's closing time pass."""
    now = timezone.now()
    BookingWindow.objects.filter(pk=window.pk).update(
        opens_at=now - dt.timedelta(hours=2), closes_at=now - dt.timedelta(minutes=1)
    )


def test_a_manager_opens_a_lottery_window(side_a, space, manager_client, resident_client):
    response = manager_client.post("/api/v1/booking-windows/", window_input(space), format="json")

    assert response.status_code == 201, response.content
    window = BookingWindow.objects.get()
    body = response.json()
    assert body["id"] == window.pk
    assert (body["status"], body["result"], body["space_name"]) == ("open", None, "Common room")
    assert len(body["slots"]) == 2
    assert window.created_by == side_a.manager
    listed = resident_client.get("/api/v1/booking-windows/").json()["results"]
    assert [row["id"] for row in listed] == [window.pk]


@pytest.mark.parametrize(
    ("extra", "field"),
    [
        ({"slots": []}, "slots"),
        ({"slots": [{"start": "x", "end": "y"}]}, "slots"),
        ({"closes_at": "2020-01-01T00:00:00+00:00"}, "closes_at"),
        ({"closes_at": "2020-01-01T00:00:00"}, "closes_at"),
        ({"title": ""}, "title"),
        ({"space": 10**9}, "space"),
    ],
)
def test_bad_windows_answer_400(space, manager_client, extra, field):
    response = manager_client.post(
        "/api/v1/booking-windows/", window_input(space, **extra), format="json"
    )
    assert response.status_code == 400, response.content
    assert field in response.json()
    assert not BookingWindow.objects.exists()


def test_a_resident_cannot_open_a_window(space, resident_client):
    response = resident_client.post("/api/v1/booking-windows/", window_input(space), format="json")
    assert response.status_code == 403
    assert not BookingWindow.objects.exists()


def test_a_household_requests_slots_by_preference(side_a, window, resident_client):
    url = f"/api/v1/booking-windows/{window.pk}/request/"
    response = resident_client.post(url, {"slot_indexes": [1, 0]}, format="json")
    assert response.status_code == 200, response.content
    request = BookingRequest.objects.get()
    assert (request.household, request.slot_indexes) == (side_a.household, [1, 0])

    response = resident_client.post(url, {"slot_indexes": [0]}, format="json")
    assert response.status_code == 200
    assert BookingRequest.objects.get().slot_indexes == [0]

    for bad in ([], [5], [0, 0], ["a"], "0"):
        response = resident_client.post(url, {"slot_indexes": bad}, format="json")
        assert response.status_code == 400, bad
        assert set(response.json()) == {"slot_indexes"}


def test_a_manager_requests_for_a_household_only(side_a, window, manager_client):
    url = f"/api/v1/booking-windows/{window.pk}/request/"
    response = manager_client.post(url, {"slot_indexes": [0]}, format="json")
    assert response.status_code == 400
    assert set(response.json()) == {"household"}
    response = manager_client.post(
        url, {"slot_indexes": [0], "household": side_a.neighbour.pk}, format="json"
    )
    assert response.status_code == 200
    assert BookingRequest.objects.get().household == side_a.neighbour


def test_the_draw_comes_after_the_close_is_published_by_unit_and_runs_once(
    side_a, window, resident_client, manager_client
):
    booking_request_submit(
        window=window, household=side_a.household, slot_indexes=[0, 1], requested_by=None
    )
    booking_request_submit(
        window=window, household=side_a.neighbour, slot_indexes=[0], requested_by=None
    )
    url = f"/api/v1/booking-windows/{window.pk}/draw/"
    assert manager_client.post(url).status_code == 409  # requests still open
    close_requests(window)
    late = resident_client.post(
        f"/api/v1/booking-windows/{window.pk}/request/", {"slot_indexes": [0]}, format="json"
    )
    assert late.status_code == 409
    assert resident_client.post(url).status_code == 403

    response = manager_client.post(url)

    assert response.status_code == 200, response.content
    body = response.json()
    assert body["status"] == WindowStatus.DRAWN
    result = body["result"]
    assert set(result["weights"]) == {"1A", "1B"}
    assert result["weights"]["1A"] == {
        "household": side_a.household.pk,
        "hours_12m": 0.0,
        "weight": 1.0,
    }
    assert sorted(result["order"]) == ["1A", "1B"]
    assert result["allocation"]["1"] == "1A"
    assert result["allocation"]["0"] in {"1A", "1B"}
    assert len(result["seed"]) >= 16
    text = json.dumps(body)
    for name in (side_a.resident.first_name, side_a.resident.last_name, "Neighbour"):
        assert name not in text
    assert Booking.objects.filter(space=window.space).count() == 2

    again = manager_client.post(url)
    assert again.status_code == 200
    assert again.json() == body
    assert Booking.objects.filter(space=window.space).count() == 2
    assert resident_client.get(f"/api/v1/booking-windows/{window.pk}/").json() == body


# --- Schema ----------------------------------------------------------------------------------


def test_the_bookings_endpoints_are_in_the_schema_without_warnings(openapi_schema):
    paths = openapi_schema["paths"]
    expected = {
        "/api/v1/spaces/": {"get", "post"},
        "/api/v1/spaces/{id}/": {"get", "patch"},
        "/api/v1/spaces/{id}/availability/": {"get"},
        "/api/v1/spaces/{id}/usage/": {"get"},
        "/api/v1/spaces/{id}/closures/": {"get", "post"},
        "/api/v1/spaces/{id}/closures/{closure_id}/": {"delete"},
        "/api/v1/spaces/free/": {"get"},
        "/api/v1/bookings/": {"get", "post"},
        "/api/v1/bookings/{id}/": {"get"},
        "/api/v1/bookings/{id}/cancel/": {"post"},
        "/api/v1/bookings/{id}/approve/": {"post"},
        "/api/v1/bookings/{id}/reject/": {"post"},
        "/api/v1/bookings/{id}/check-in/": {"post"},
        "/api/v1/bookings/{id}/ics/": {"get"},
        "/api/v1/bookings/preview-series/": {"post"},
        "/api/v1/bookings/waitlist/": {"get", "post"},
        "/api/v1/bookings/waitlist/{entry_id}/": {"delete"},
        "/api/v1/booking-windows/": {"get", "post"},
        "/api/v1/booking-windows/{id}/": {"get"},
        "/api/v1/booking-windows/{id}/request/": {"post"},
        "/api/v1/booking-windows/{id}/draw/": {"post"},
    }
    for path, methods in expected.items():
        assert set(paths[path]) == methods, path
    availability = paths["/api/v1/spaces/{id}/availability/"]["get"]
    assert {"start", "end", "household"} <= {p["name"] for p in availability["parameters"]}
    assert (
        "text/calendar" in paths["/api/v1/bookings/{id}/ics/"]["get"]["responses"]["200"]["content"]
    )
