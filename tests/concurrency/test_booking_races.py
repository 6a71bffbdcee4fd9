"""Bookings under real concurrency: threads started together, each on its own database
connection, against PostgreSQL. The space's row lock must serialise them so that a slot is
booked once and a quota holds, and a series racing single bookings never double-books."""

from __future__ import annotations

import datetime as dt
import threading
from collections import Counter

import pytest
from django.core.exceptions import ValidationError
from django.db import transaction

from community.bookings.models import BLOCKING_STATUSES, Booking, BookingStatus, Recurrence
from community.bookings.services.bookings import (
    SlotTaken,
    booking_cancel,
    booking_create,
    lock_space,
)
from community.bookings.services.series import SeriesConflict, SeriesMode, booking_series_create
from community.bookings.services.waitlist import waitlist_join
from members.models import HousingProject
from tests.community.factories import SpaceFactory, local, open_daily
from tests.concurrency.helpers import kinds, run_together
from tests.factories import HouseholdFactory

pytestmark = [
    pytest.mark.django_db(transaction=True),
    # Up to a hundred connections each: the concurrency tests take turns on one xdist worker.
    pytest.mark.xdist_group("concurrency"),
]

NOW = dt.datetime(2025, 6, 2, 6, 0, tzinfo=dt.UTC)  # Monday 2 June 2025, 08:00 in Madrid


def blocking_overlaps(space) -> list[tuple[int, int]]:
    """Pairs of blocking bookings of one unit of the space that overlap (there must be none)."""
    rows = list(
        Booking.objects.filter(space=space, status__in=BLOCKING_STATUSES).values_list(
            "pk", "unit", "start", "blocked_until"
        )
    )
    return [
        (a[0], b[0])
        for i, a in enumerate(rows)
        for b in rows[i + 1 :]
        if a[1] == b[1] and a[2] < b[3] and b[2] < a[3]
    ]


@pytest.fixture
def space():
    space = SpaceFactory()
    open_daily(space)
    return space


def june(space, day: int, hour: int, minute: int = 0) -> dt.datetime:
    return local(space, 2025, 6, day, hour, minute)


def test_fifty_households_race_for_one_slot_and_one_gets_it(space):
    households = HouseholdFactory.create_batch(50, project=space.project)
    start, end = june(space, 5, 18), june(space, 5, 20)

    def attempt(household):
        return lambda: booking_create(
            space=space, household=household, start=start, end=end, booked_by=None, now=NOW
        )

    outcomes = run_together([attempt(household) for household in households])

    assert kinds(outcomes) == Counter({"Booking": 1, "SlotTaken": 49}), [
        repr(o) for o in outcomes if not isinstance(o, Booking | SlotTaken)
    ]
    assert Booking.objects.filter(space=space).count() == 1
    winner = next(o for o in outcomes if isinstance(o, Booking))
    assert Booking.objects.get().household_id == winner.household_id
    # Every loser learns where the next free time is.
    assert all(o.next_free[0][0] == end for o in outcomes if isinstance(o, SlotTaken))


def test_three_machines_go_to_exactly_three_of_twenty_households():
    laundry = SpaceFactory(units=3, capacity=1)
    open_daily(laundry)
    households = HouseholdFactory.create_batch(20, project=laundry.project)
    start, end = june(laundry, 5, 18), june(laundry, 5, 19)

    outcomes = run_together(
        [
            lambda household=household: booking_create(
                space=laundry, household=household, start=start, end=end, booked_by=None, now=NOW
            )
            for household in households
        ]
    )

    assert kinds(outcomes) == Counter({"Booking": 3, "SlotTaken": 17})
    assert sorted(o.unit for o in outcomes if isinstance(o, Booking)) == [1, 2, 3]
    assert blocking_overlaps(laundry) == []


def test_one_household_cannot_exceed_its_weekly_quota_by_asking_in_parallel(space):
    space.quota_week_minutes = 120
    space.save()
    household = HouseholdFactory(project=space.project)
    # Ten different one-hour slots of the same week: only two fit the quota.
    slots = [
        (june(space, day, hour), june(space, day, hour + 1))
        for day in (3, 4)
        for hour in (9, 11, 13, 15, 17)
    ]

    outcomes = run_together(
        [
            lambda slot=slot: booking_create(
                space=space,
                household=household,
                start=slot[0],
                end=slot[1],
                booked_by=None,
                now=NOW,
            )
            for slot in slots
        ]
    )

    assert kinds(outcomes) == Counter({"Booking": 2, "ValidationError": 8})
    assert all(list(o.message_dict) == ["end"] for o in outcomes if isinstance(o, ValidationError))
    booked = Booking.objects.filter(household=household, status__in=BLOCKING_STATUSES)
    assert sum(b.duration_minutes for b in booked) == 120


@pytest.mark.parametrize("mode", SeriesMode.values)
def test_a_series_racing_single_bookings_never_double_books(space, mode):
    series_household = HouseholdFactory(project=space.project)
    singles = HouseholdFactory.create_batch(5, project=space.project)
    mondays = [2, 9, 16, 23, 30]
    start, end = june(space, 2, 19), june(space, 2, 21)

    def series():
        return booking_series_create(
            space=space,
            household=series_household,
            start=start,
            end=end,
            recurrence=Recurrence.WEEKLY,
            occurrences=5,
            booked_by=None,
            mode=mode,
            now=NOW,
        )

    def single(household, day):
        # Each overlaps one date of the series by an hour.
        return lambda: booking_create(
            space=space,
            household=household,
            start=june(space, day, 20),
            end=june(space, day, 22),
            booked_by=None,
            now=NOW,
        )

    outcomes = run_together(
        [series] + [single(h, day) for h, day in zip(singles, mondays, strict=True)]
    )

    assert blocking_overlaps(space) == []
    series_outcome, single_outcomes = outcomes[0], outcomes[1:]
    assert all(isinstance(o, Booking | SlotTaken) for o in single_outcomes), single_outcomes
    singles_won = sum(isinstance(o, Booking) for o in single_outcomes)
    if isinstance(series_outcome, tuple):
        _series, created, skipped = series_outcome
        assert len(created) + singles_won == 5  # each Monday went to exactly one of them
        assert len(skipped) == singles_won
        if mode == SeriesMode.ALL_OR_NOTHING:
            assert (len(created), singles_won) == (5, 0)
    else:
        # The series lost every date (free_only) or one date (all_or_nothing): it wrote nothing.
        assert isinstance(series_outcome, SeriesConflict), series_outcome
        assert not Booking.objects.filter(household=series_household).exists()
        assert singles_won == 5
    assert Booking.objects.filter(space=space).count() == 5


def test_parallel_cancellations_promote_each_waiting_household_once(space):
    """Two booked units freed at once, three households waiting: two are promoted, in order."""
    space.units = 2
    space.save()
    start, end = june(space, 5, 18), june(space, 5, 20)
    booked = [
        booking_create(
            space=space,
            household=HouseholdFactory(project=space.project),
            start=start,
            end=end,
            booked_by=None,
            now=NOW,
        )
        for _ in range(2)
    ]
    waiting = HouseholdFactory.create_batch(3, project=space.project)
    entries = [
        waitlist_join(space=space, household=h, start=start, end=end, requested_by=None, now=NOW)
        for h in waiting
    ]

    outcomes = run_together(
        [
            lambda booking=booking: booking_cancel(
                booking=booking, cancelled_by=None, now=NOW, by_manager=True
            )
            for booking in booked
        ]
    )

    assert kinds(outcomes) == Counter({"Booking": 2})
    for entry in entries:
        entry.refresh_from_db()
    assert [e.status for e in entries] == ["promoted", "promoted", "waiting"]
    assert blocking_overlaps(space) == []
    assert set(
        Booking.objects.filter(space=space, status=BookingStatus.CONFIRMED).values_list(
            "household_id", flat=True
        )
    ) == {waiting[0].pk, waiting[1].pk}


def test_a_booking_in_progress_holds_only_its_own_space(space):
    """While one space's lock is held, another space of the same project and city can be
    booked and the project itself edited: the lock covers the space's row alone."""
    other = SpaceFactory(project=space.project)
    open_daily(other)
    household = HouseholdFactory(project=space.project)
    locked, done = threading.Event(), threading.Event()

    def hold_the_lock():
        with transaction.atomic():
            lock_space(space)
            locked.set()
            # Hold it until the other work is done, or give up after a while.
            return done.wait(timeout=10)

    def book_elsewhere_and_edit_the_project():
        assert locked.wait(timeout=10)
        booking = booking_create(
            space=other,
            household=household,
            start=june(other, 5, 18),
            end=june(other, 5, 20),
            booked_by=None,
            now=NOW,
        )
        HousingProject.objects.filter(pk=space.project_id).update(address="Carrer Nou 1")
        done.set()
        return booking

    held, booked = run_together([hold_the_lock, book_elsewhere_and_edit_the_project])

    assert isinstance(booked, Booking), booked
    assert held is True, "the other space waited for this space's lock"
