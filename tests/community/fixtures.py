"""Fixtures that test modules of several folders share; tests/conftest.py registers this module
(``pytest_plugins``), and a module's own fixture of the same name takes precedence.

The handover scene of the API and page tests: the endpoints and pages call the services with the
real clock, so the bookings are placed around ``timezone.now()``. Household 1A of ``side_a`` is
leaving the common room, the neighbours' booking follows right after.
"""

from __future__ import annotations

import datetime as dt

import pytest
from django.utils import timezone

from community.bookings.models import Booking, HandoverReport, Space
from community.bookings.services.handover import handover_submit
from tests.community.factories import BookingFactory, BookingSeriesFactory, SpaceFactory
from tests.factories import make_resident_user

CHECKLIST = ["Dishes washed", "Floor swept", "Lights off"]
MINUTE = dt.timedelta(minutes=1)


@pytest.fixture
def space(side_a) -> Space:
    return SpaceFactory(project=side_a.project, name="Sala comuna", handover_checklist=CHECKLIST)


@pytest.fixture
def now() -> dt.datetime:
    return timezone.now().replace(microsecond=0)


@pytest.fixture
def leaving(space, side_a, now) -> Booking:
    """Household 1A's booking: started two hours ago, ends in five minutes."""
    return BookingFactory(
        space=space,
        household=side_a.household,
        start=now - 120 * MINUTE,
        end=now + 5 * MINUTE,
    )


@pytest.fixture
def neighbour_user(side_a):
    return make_resident_user(side_a.neighbour, first_name="Núria")


@pytest.fixture
def following(space, side_a, leaving) -> Booking:
    """The neighbours' booking right after: their review of the handover is open."""
    return BookingFactory(
        space=space,
        household=side_a.neighbour,
        start=leaving.end,
        end=leaving.end + 60 * MINUTE,
    )


@pytest.fixture
def report(leaving, side_a) -> HandoverReport:
    """The leaving household's handover: the floor not swept, the broom broken."""
    return handover_submit(
        booking=leaving,
        checklist={"Dishes washed": True, "Floor swept": False, "Lights off": True},
        comment="The broom is broken.",
        submitted_by=side_a.resident_user,
    )


@pytest.fixture
def weekly(space, side_a, now) -> list[Booking]:
    """Four weekly bookings of household 1A's series, the first in two days."""
    series = BookingSeriesFactory(space=space, household=side_a.household, occurrences=4)
    first = now + dt.timedelta(days=2)
    return [
        BookingFactory(
            space=space,
            household=side_a.household,
            start=first + dt.timedelta(weeks=n),
            series=series,
        )
        for n in range(4)
    ]
