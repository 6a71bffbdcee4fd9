"""Who sees which spaces, bookings and windows: nothing of another project, whatever the method.

A space, booking, waitlist entry or window a user may not know of answers 404 (never 403), and a
write aimed at it changes nothing. City officers see no space, booking or window at all.
"""

from __future__ import annotations

import pytest

from community.bookings.models import (
    Booking,
    BookingRequest,
    BookingWindow,
    SpaceClosure,
    WaitlistEntry,
)
from members.models import Role, RoleKind
from members.services import role_grant, role_revoke
from tests.api.factories import Bookable, day_at
from tests.community.factories import BookingFactory
from tests.conftest import api_client_for
from tests.factories import UserFactory

pytestmark = pytest.mark.django_db

ROLES = ["resident_user", "manager", "officer"]


@pytest.fixture
def own(side_a) -> Bookable:
    return Bookable(side_a)


@pytest.fixture
def foreign(side_a, side_b) -> Bookable:
    return Bookable(side_b)


def state() -> tuple:
    """Everything a stray write could change."""
    return (
        sorted(Booking.objects.values_list("pk", "status", "checked_in_at", "decided_at")),
        sorted(WaitlistEntry.objects.values_list("pk", "status")),
        sorted(BookingWindow.objects.values_list("pk", "status", "seed")),
        BookingRequest.objects.count(),
        sorted(SpaceClosure.objects.values_list("pk", "start")),
    )


def reads(target: Bookable) -> list[str]:
    space, booking = target.space.pk, target.booking.pk
    query = "start=2030-01-01T00:00:00%2B00:00&end=2030-01-02T00:00:00%2B00:00"
    return [
        f"/api/v1/spaces/{space}/",
        f"/api/v1/spaces/{space}/availability/?{query}",
        f"/api/v1/spaces/{space}/usage/?{query}",
        f"/api/v1/spaces/{space}/closures/",
        f"/api/v1/bookings/{booking}/",
        f"/api/v1/bookings/{booking}/ics/",
        f"/api/v1/booking-windows/{target.window.pk}/",
    ]


def writes(target: Bookable) -> list[tuple[str, str, dict | None]]:
    space, booking, pending = target.space.pk, target.booking.pk, target.pending.pk
    window = target.window.pk
    return [
        ("patch", f"/api/v1/spaces/{space}/", {"name": "Hacked"}),
        ("post", f"/api/v1/spaces/{space}/closures/", target.period()),
        ("delete", f"/api/v1/spaces/{space}/closures/{target.closure.pk}/", None),
        ("post", f"/api/v1/bookings/{booking}/cancel/", None),
        ("post", f"/api/v1/bookings/{booking}/check-in/", None),
        ("post", f"/api/v1/bookings/{pending}/approve/", None),
        ("post", f"/api/v1/bookings/{pending}/reject/", {}),
        ("delete", f"/api/v1/bookings/waitlist/{target.entry.pk}/", None),
        ("post", f"/api/v1/booking-windows/{window}/request/", {"slot_indexes": [0]}),
        ("post", f"/api/v1/booking-windows/{window}/draw/", None),
    ]


def listed(client, url: str) -> set[int]:
    response = client.get(url)
    assert response.status_code == 200, url
    body = response.json()
    rows = body["results"] if isinstance(body, dict) else body
    return {row["id"] for row in rows}


# --- Across cities ---------------------------------------------------------------------------


@pytest.mark.parametrize("role", ROLES)
def test_another_projects_spaces_bookings_and_windows_answer_404(side_a, own, foreign, role):
    client = api_client_for(getattr(side_a, role))

    for url in reads(foreign):
        assert client.get(url).status_code == 404, url
    assert foreign.space.pk not in listed(client, "/api/v1/spaces/?page_size=500")
    assert not {foreign.booking.pk, foreign.pending.pk} & listed(
        client, "/api/v1/bookings/?page_size=500"
    )
    assert foreign.window.pk not in listed(client, "/api/v1/booking-windows/?page_size=500")
    assert foreign.entry.pk not in listed(client, "/api/v1/bookings/waitlist/?page_size=500")


@pytest.mark.parametrize("role", ROLES)
def test_writes_to_another_projects_objects_answer_404_and_change_nothing(
    side_a, own, foreign, role
):
    client = api_client_for(getattr(side_a, role))
    before = state()

    for method, url, payload in writes(foreign):
        response = getattr(client, method)(url, payload, format="json")
        assert response.status_code == 404, (url, response.status_code)

    assert state() == before
    foreign.space.refresh_from_db()
    assert foreign.space.name.startswith("Room of")


@pytest.mark.parametrize("role", ["resident_user", "manager"])
def test_booking_or_waiting_in_another_projects_space_answers_400_on_the_space(
    side_a, side_b, own, foreign, role
):
    client = api_client_for(getattr(side_a, role))
    before = state()
    household = {"household": side_a.household.pk} if role == "manager" else {}
    payload = {"space": foreign.space.pk, **foreign.period(), **household}

    for url in ("/api/v1/bookings/", "/api/v1/bookings/waitlist/"):
        response = client.post(url, payload, format="json")
        assert response.status_code == 400, url
        assert "space" in response.json()
    response = client.post(
        "/api/v1/bookings/preview-series/",
        {**payload, "recurrence": "weekly", "occurrences": 2},
        format="json",
    )
    assert response.status_code == 400
    assert "space" in response.json()
    response = client.post(
        "/api/v1/booking-windows/",
        {
            "space": foreign.space.pk,
            "title": "Stolen",
            "slots": [foreign.period()],
            "closes_at": day_at(foreign.space, 3, 10).isoformat(),
        },
        format="json",
    )
    assert response.status_code == 400
    assert "space" in response.json()
    assert state() == before


def test_a_manager_cannot_book_another_citys_household_into_their_space(side_a, side_b, own):
    client = api_client_for(side_a.manager)
    response = client.post(
        "/api/v1/bookings/",
        {"space": own.space.pk, "household": side_b.household.pk, **own.period()},
        format="json",
    )
    assert response.status_code == 400
    assert set(response.json()) == {"household"}


def test_free_spaces_of_another_project_cannot_be_asked(side_a, side_b, own, foreign):
    client = api_client_for(side_a.resident_user)
    response = client.get("/api/v1/spaces/free/", {**own.period(), "project": side_b.project.pk})
    assert response.status_code == 400
    assert set(response.json()) == {"project"}
    assert listed(client, f"/api/v1/spaces/free/?{_query(own.period())}") == {own.space.pk}


def _query(period: dict[str, str]) -> str:
    return "&".join(f"{key}={value.replace('+', '%2B')}" for key, value in period.items())


# --- Within a city ---------------------------------------------------------------------------


def test_the_officer_sees_no_space_booking_or_window_of_their_city(side_a, own):
    client = api_client_for(side_a.officer)
    assert listed(client, "/api/v1/spaces/") == set()
    assert listed(client, "/api/v1/bookings/") == set()
    assert listed(client, "/api/v1/booking-windows/") == set()
    assert listed(client, "/api/v1/bookings/waitlist/") == set()
    for url in reads(own):
        assert client.get(url).status_code == 404, url
    before = state()
    for method, url, payload in writes(own):
        assert getattr(client, method)(url, payload, format="json").status_code == 404, url
    assert state() == before


def test_a_resident_sees_their_projects_spaces_but_only_their_households_bookings(
    side_a, own, resident_client
):
    neighbours = BookingFactory(
        space=own.space, household=side_a.neighbour, start=day_at(own.space, 6, 10)
    )
    assert listed(resident_client, "/api/v1/spaces/") == {own.space.pk}
    assert listed(resident_client, "/api/v1/bookings/") == {own.booking.pk, own.pending.pk}
    assert listed(resident_client, "/api/v1/booking-windows/") == {own.window.pk}
    # The neighbour's booking and waitlist entry are not the resident's to see or touch.
    for url in (
        f"/api/v1/bookings/{neighbours.pk}/",
        f"/api/v1/bookings/{neighbours.pk}/ics/",
    ):
        assert resident_client.get(url).status_code == 404, url
    before = state()
    assert resident_client.post(f"/api/v1/bookings/{neighbours.pk}/cancel/").status_code == 404
    response = resident_client.delete(f"/api/v1/bookings/waitlist/{own.entry.pk}/")
    assert response.status_code == 404
    assert state() == before


def test_the_manager_of_the_other_project_in_the_city_sees_nothing_of_this_one(side_a, own):
    other_manager = UserFactory(mfa=True)
    role_grant(user=other_manager, kind=RoleKind.MANAGER, project=side_a.other_project)
    client = api_client_for(other_manager)
    assert listed(client, "/api/v1/spaces/") == set()
    assert listed(client, "/api/v1/bookings/") == set()
    for url in reads(own):
        assert client.get(url).status_code == 404, url
    before = state()
    for method, url, payload in writes(own):
        assert getattr(client, method)(url, payload, format="json").status_code == 404, url
    assert state() == before


def test_a_revoked_resident_loses_the_spaces_and_bookings(side_a, own, resident_client):
    role_revoke(role=Role.objects.get(user=side_a.resident_user))
    assert listed(resident_client, "/api/v1/spaces/") == set()
    assert listed(resident_client, "/api/v1/bookings/") == set()
    assert resident_client.get(f"/api/v1/bookings/{own.booking.pk}/").status_code == 404
    response = resident_client.post(
        "/api/v1/bookings/", {"space": own.space.pk, **own.period()}, format="json"
    )
    assert response.status_code == 400
    assert "space" in response.json()
