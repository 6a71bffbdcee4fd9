"""Fifty residents press "book" on the same slot at once, through the API.

Each request runs in its own thread on its own database connection, through the whole HTTP
stack (authentication, ATOMIC_REQUESTS, the exception handler), against PostgreSQL: exactly one
gets 201, every other one 409 with the next free times, and none a server error.
"""

from __future__ import annotations

import datetime as dt
from collections import Counter

import pytest
from django.utils import timezone

from community.bookings.models import BLOCKING_STATUSES, Booking
from tests.community.factories import SpaceFactory, open_daily, zone_of
from tests.concurrency.helpers import post_together
from tests.factories import HouseholdFactory, ProjectFactory, make_resident_user

pytestmark = [
    pytest.mark.django_db(transaction=True),
    # Up to a hundred connections each: the concurrency tests take turns on one xdist worker.
    pytest.mark.xdist_group("concurrency"),
]

RESIDENTS = 50


def day_at(space, days: int, hour: int) -> dt.datetime:
    zone = zone_of(space)
    day = timezone.now().astimezone(zone).date() + dt.timedelta(days=days)
    return dt.datetime.combine(day, dt.time(hour), tzinfo=zone)


@pytest.fixture
def project():
    return ProjectFactory()


def residents(project, n: int) -> list:
    return [make_resident_user(HouseholdFactory(project=project)) for _ in range(n)]


def test_fifty_residents_race_for_one_slot_over_http_and_one_gets_it(project):
    space = SpaceFactory(project=project, name="Common room")
    open_daily(space)
    users = residents(project, RESIDENTS)
    start, end = day_at(space, 3, 18), day_at(space, 3, 20)
    payload = {"space": space.pk, "start": start.isoformat(), "end": end.isoformat()}

    outcomes = post_together(users, "/api/v1/bookings/", payload)

    statuses = Counter(status for status, _body in outcomes)
    assert statuses == Counter({201: 1, 409: RESIDENTS - 1}), outcomes
    booking = Booking.objects.get(space=space)
    winner = next(body for status, body in outcomes if status == 201)
    assert (winner["id"], winner["household"]) == (booking.pk, booking.household_id)
    assert booking.booked_by.resident.household_id == booking.household_id
    for status, body in outcomes:
        if status == 409:
            # Every loser learns where the next free time is: right after the winner.
            assert dt.datetime.fromisoformat(body["next_free"][0]["start"]) == end
            assert body["detail"]


def test_three_machines_over_http_go_to_exactly_three_residents(project):
    laundry = SpaceFactory(project=project, name="Laundry", kind="laundry", units=3, capacity=1)
    open_daily(laundry)
    users = residents(project, 20)
    start, end = day_at(laundry, 3, 9), day_at(laundry, 3, 10)
    payload = {"space": laundry.pk, "start": start.isoformat(), "end": end.isoformat()}

    outcomes = post_together(users, "/api/v1/bookings/", payload)

    assert Counter(status for status, _body in outcomes) == Counter({201: 3, 409: 17}), outcomes
    booked = Booking.objects.filter(space=laundry, status__in=BLOCKING_STATUSES)
    assert sorted(booked.values_list("unit", flat=True)) == [1, 2, 3]
    assert sorted(body["unit"] for status, body in outcomes if status == 201) == [1, 2, 3]
