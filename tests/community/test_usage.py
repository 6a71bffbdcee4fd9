"""The fair-use report: hours booked per household, their shares, aggregated in one query."""

from __future__ import annotations

import datetime as dt

import pytest

from community.bookings.models import BookingStatus
from community.bookings.selectors.usage import household_used_minutes, space_usage
from tests.community.factories import BookingFactory, SpaceFactory, local
from tests.factories import HouseholdFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def space():
    return SpaceFactory(name="Workshop", max_duration_minutes=600)


def book(space, household, day: int, hour: int, hours: float, **fields):
    start = local(space, 2026, 11, day, hour, 0)
    return BookingFactory(
        space=space,
        household=household,
        start=start,
        end=start + dt.timedelta(hours=hours),
        **fields,
    )


def november(space):
    return local(space, 2026, 11, 1, 0, 0), local(space, 2026, 12, 1, 0, 0)


def test_usage_lists_hours_per_household_with_their_share(space, django_assert_num_queries):
    ada = HouseholdFactory(project=space.project, unit_label="1A")
    bo = HouseholdFactory(project=space.project, unit_label="2B")
    cy = HouseholdFactory(project=space.project, unit_label="3C")
    book(space, ada, 2, 10, 2)
    book(space, ada, 9, 10, 3.5)
    book(space, ada, 16, 18, 0.5, checked_in_at=local(space, 2026, 11, 16, 18, 5))
    book(space, bo, 3, 9, 3)
    book(space, cy, 4, 9, 1)

    start, end = november(space)
    with django_assert_num_queries(1):
        usage = space_usage(space=space, start=start, end=end)

    assert [(row.unit_label, row.hours) for row in usage] == [("1A", 6.0), ("2B", 3.0), ("3C", 1.0)]
    assert [row.household_id for row in usage] == [ada.pk, bo.pk, cy.pk]
    assert [row.minutes for row in usage] == [360, 180, 60]
    assert [round(row.share, 4) for row in usage] == [0.6, 0.3, 0.1]
    assert sum(row.share for row in usage) == pytest.approx(1.0)


def test_usage_counts_only_time_used(space):
    household = HouseholdFactory(project=space.project, unit_label="1A")
    book(space, household, 2, 10, 1)  # confirmed: counts
    book(space, household, 3, 10, 2, status=BookingStatus.CANCELLED)
    book(space, household, 4, 10, 4, status=BookingStatus.REJECTED)
    book(space, household, 5, 10, 8, status=BookingStatus.RELEASED)  # nobody came
    book(space, household, 6, 10, 16, status=BookingStatus.PENDING)
    # Someone checked in, whatever the status says now: it was used.
    book(
        space,
        household,
        7,
        10,
        0.5,
        status=BookingStatus.RELEASED,
        checked_in_at=local(space, 2026, 11, 7, 10, 3),
    )
    start, end = november(space)
    [row] = space_usage(space=space, start=start, end=end)
    assert row.minutes == 90
    assert row.share == 1.0


def test_usage_clips_bookings_to_the_period_and_ignores_other_spaces(space):
    household = HouseholdFactory(project=space.project, unit_label="1A")
    # 22:00 on 30 November to 02:00 on 1 December: two hours in each month.
    book(space, household, 30, 22, 4)
    # 23:00 on 31 October to 03:00 on 1 November: three hours in November.
    BookingFactory(
        space=space,
        household=household,
        start=local(space, 2026, 10, 31, 23, 0),
        end=local(space, 2026, 11, 1, 3, 0),
    )
    BookingFactory(
        space=SpaceFactory(project=space.project),
        household=household,
        start=local(space, 2026, 11, 10, 10, 0),
        end=local(space, 2026, 11, 10, 12, 0),
    )
    start, end = november(space)
    assert [
        (row.unit_label, row.minutes) for row in space_usage(space=space, start=start, end=end)
    ] == [("1A", 300)]
    assert household_used_minutes(space=space, start=start, end=end) == {household.pk: 300}


def test_usage_of_an_unused_space_is_empty(space):
    start, end = november(space)
    assert space_usage(space=space, start=start, end=end) == []


def test_used_minutes_for_chosen_households(space, django_assert_num_queries):
    ada = HouseholdFactory(project=space.project)
    bo = HouseholdFactory(project=space.project)
    book(space, ada, 2, 10, 9)
    book(space, bo, 3, 10, 1)
    start, end = november(space)
    with django_assert_num_queries(1):
        used = household_used_minutes(space=space, start=start, end=end, household_ids=[ada.pk])
    assert used == {ada.pk: 540}


def test_usage_over_the_autumn_clock_change_counts_real_hours(space):
    household = HouseholdFactory(project=space.project)
    # 01:00 to 04:00 local on 25 October 2026: four real hours.
    BookingFactory(
        space=space,
        household=household,
        start=local(space, 2026, 10, 25, 1, 0),
        end=local(space, 2026, 10, 25, 4, 0),
    )
    start, end = local(space, 2026, 10, 1, 0, 0), local(space, 2026, 11, 1, 0, 0)
    assert household_used_minutes(space=space, start=start, end=end) == {household.pk: 240}
