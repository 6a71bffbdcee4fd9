"""The bookings endpoints read in a fixed number of queries, however many bookings there are.

Each test measures a small case, then asserts that a hundred times more rows cost no more
queries; a ceiling on the small case catches a constant but bloated count as well.
"""

from __future__ import annotations

import datetime as dt
import itertools

import pytest
from django.utils import timezone

from community.bookings.models import Booking, BookingStatus, BookingWindow, Space
from community.bookings.services.lottery import booking_request_submit, booking_window_open
from tests.community.factories import SpaceFactory, close_space, open_daily, zone_of
from tests.conftest import api_client_for
from tests.factories import HouseholdFactory

pytestmark = pytest.mark.django_db

SMALL = 3
MANY = 300
# A page: a count, a select (and the opening hours' prefetch), and the savepoint pair of
# ATOMIC_REQUESTS.
LIST_CEILING = 5
# Availability: the space (and its opening hours), the asking household, then the selector's
# opening hours, closures, blocking bookings and quota use, and the savepoint pair.
AVAILABILITY_CEILING = 10  # with the slots held by open lottery windows

_serial = itertools.count()


def month_start(space: Space) -> dt.datetime:
    """Local midnight, a day from now: a month from here is within the advance window."""
    zone = zone_of(space)
    day = timezone.now().astimezone(zone).date() + dt.timedelta(days=1)
    return dt.datetime.combine(day, dt.time(0), tzinfo=zone)


def add_bookings(space: Space, households: list, n: int, *, units: int = 1) -> None:
    """``n`` one-hour bookings, back to back on each unit, after the ones already there."""
    already = Booking.objects.filter(space=space).count()
    first = month_start(space)
    rows = []
    for index in range(already, already + n):
        start = first + dt.timedelta(hours=index // units)
        rows.append(
            Booking(
                space=space,
                unit=index % units + 1,
                household=households[index % len(households)],
                start=start,
                end=start + dt.timedelta(hours=1),
                blocked_until=start + dt.timedelta(hours=1),
                status=BookingStatus.PENDING if index % 7 == 0 else BookingStatus.CONFIRMED,
                note=f"booking {index}",
            )
        )
    Booking.objects.bulk_create(rows)


@pytest.fixture
def space(side_a) -> Space:
    space = SpaceFactory(project=side_a.project, name="Common room", units=2)
    open_daily(space, "00:00", "24:00")
    return space


@pytest.fixture
def households(side_a) -> list:
    return [
        side_a.household,
        side_a.neighbour,
        *HouseholdFactory.create_batch(3, project=side_a.project),
    ]


@pytest.mark.parametrize("role", ["manager", "resident_user"])
def test_the_bookings_list_runs_a_constant_number_of_queries(
    side_a, space, households, role, django_assert_max_num_queries
):
    client = api_client_for(getattr(side_a, role))
    client.get("/api/v1/bookings/")  # warm per-process caches (content types)
    # The resident sees only their own household's: give them every booking then.
    mine = [side_a.household] if role == "resident_user" else households

    add_bookings(space, mine, SMALL, units=2)
    with django_assert_max_num_queries(LIST_CEILING) as small:
        response = client.get("/api/v1/bookings/")
    assert response.status_code == 200
    assert response.json()["count"] == SMALL
    bound = len(small)

    add_bookings(space, mine, MANY, units=2)
    with django_assert_max_num_queries(bound):
        response = client.get("/api/v1/bookings/?page_size=500")
    assert response.status_code == 200
    assert len(response.json()["results"]) == SMALL + MANY
    with django_assert_max_num_queries(bound):
        response = client.get(f"/api/v1/bookings/?space={space.pk}&status=confirmed")
    assert response.status_code == 200


@pytest.mark.parametrize("role", ["manager", "resident_user"])
def test_the_spaces_list_runs_a_constant_number_of_queries(
    side_a, households, role, django_assert_max_num_queries
):
    client = api_client_for(getattr(side_a, role))
    client.get("/api/v1/spaces/")

    def add_spaces(n: int) -> None:
        for _ in range(n):
            space = SpaceFactory(project=side_a.project, name=f"Room {next(_serial)}", units=2)
            open_daily(space, "08:00", "22:00")
            close_space(space, month_start(space), month_start(space) + dt.timedelta(days=1))
            add_bookings(space, households, SMALL * 10, units=2)

    add_spaces(SMALL)
    with django_assert_max_num_queries(LIST_CEILING) as small:
        response = client.get("/api/v1/spaces/")
    assert response.status_code == 200
    assert response.json()["count"] == SMALL
    bound = len(small)

    add_spaces(MANY // 10)
    first = Space.objects.filter(project=side_a.project).order_by("pk").first()
    add_bookings(first, households, MANY, units=2)
    with django_assert_max_num_queries(bound):
        response = client.get("/api/v1/spaces/?page_size=500")
    assert response.status_code == 200
    assert response.json()["count"] == SMALL + MANY // 10
    assert all(len(row["opening_hours"]) == 7 for row in response.json()["results"])


def test_the_booking_windows_list_runs_a_constant_number_of_queries(
    side_a, space, households, django_assert_max_num_queries
):
    client = api_client_for(side_a.resident_user)
    client.get("/api/v1/booking-windows/")
    base = month_start(space) + dt.timedelta(days=10)

    def add_windows(n: int) -> None:
        for _ in range(n):
            offset = dt.timedelta(hours=3 * next(_serial))
            window = booking_window_open(
                space=space,
                title="Contested evenings",
                slots=[(base + offset, base + offset + dt.timedelta(hours=1))],
                closes_at=month_start(space) + dt.timedelta(days=5),
                created_by=side_a.manager,
            )
            for household in households:
                booking_request_submit(
                    window=window, household=household, slot_indexes=[0], requested_by=None
                )
            # A published result to render as well, as after a draw.
            BookingWindow.objects.filter(pk=window.pk).update(
                status="drawn",
                seed="0" * 32,
                result={
                    "seed": "0" * 32,
                    "algorithm": "efraimidis-spirakis",
                    "key": "u ** (1 / w)",
                    "usage_period": {"start": base.isoformat(), "end": base.isoformat()},
                    "weights": {
                        str(h.pk): {"unit": h.unit_label, "hours_12m": 0.0, "weight": 1.0}
                        for h in households
                    },
                    "order": [h.pk for h in households],
                    "allocation": {"0": households[0].pk},
                    "skipped": [],
                    "lapsed": [],
                },
            )

    add_windows(SMALL)
    with django_assert_max_num_queries(LIST_CEILING) as small:
        response = client.get("/api/v1/booking-windows/")
    assert response.status_code == 200
    assert response.json()["count"] == SMALL
    bound = len(small)

    add_windows(MANY // 10)
    with django_assert_max_num_queries(bound):
        response = client.get("/api/v1/booking-windows/?page_size=500")
    assert response.status_code == 200
    assert response.json()["count"] == SMALL + MANY // 10
    assert response.json()["results"][0]["result"]["allocation"] == {"0": "1A"}


def test_availability_over_a_month_runs_a_constant_number_of_queries(
    side_a, space, households, django_assert_max_num_queries
):
    space.quota_month_minutes = 100 * 60
    space.quota_week_minutes = 40 * 60
    space.save()
    client = api_client_for(side_a.resident_user)
    start = month_start(space)
    query = {"start": start.isoformat(), "end": (start + dt.timedelta(days=31)).isoformat()}
    url = f"/api/v1/spaces/{space.pk}/availability/"
    client.get(url, query)

    add_bookings(space, households, SMALL, units=2)
    with django_assert_max_num_queries(AVAILABILITY_CEILING) as small:
        response = client.get(url, query)
    assert response.status_code == 200
    bound = len(small)

    add_bookings(space, households, 1000 - SMALL, units=2)
    assert (
        Booking.objects.filter(space=space, start__lt=start + dt.timedelta(days=31)).count() == 1000
    )
    with django_assert_max_num_queries(bound):
        response = client.get(url, query)
    assert response.status_code == 200
    body = response.json()
    assert body["intervals"]
    assert {q["period"] for q in body["quota"]} == {"week", "month"}


def test_free_spaces_runs_a_constant_number_of_queries(
    side_a, households, django_assert_max_num_queries
):
    client = api_client_for(side_a.resident_user)

    def add_spaces(n: int) -> list[Space]:
        made = []
        for _ in range(n):
            space = SpaceFactory(
                project=side_a.project, name=f"Room {next(_serial)}", quota_week_minutes=600
            )
            open_daily(space)
            add_bookings(space, households, 30)
            made.append(space)
        return made

    first = add_spaces(SMALL)[0]
    start = month_start(first) + dt.timedelta(days=3, hours=10)
    query = {"start": start.isoformat(), "end": (start + dt.timedelta(hours=1)).isoformat()}
    client.get("/api/v1/spaces/free/", query)
    # The household, the spaces and their opening hours, closures, bookings and quota use, the
    # spaces again through the user's selector (with their opening hours), the savepoints.
    with django_assert_max_num_queries(10) as small:
        response = client.get("/api/v1/spaces/free/", query)
    assert response.status_code == 200
    assert len(response.json()) == SMALL
    bound = len(small)

    add_spaces(MANY // 10)
    with django_assert_max_num_queries(bound):
        response = client.get("/api/v1/spaces/free/", query)
    assert response.status_code == 200
    assert len(response.json()) == SMALL + MANY // 10
