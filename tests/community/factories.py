"""factory_boy factories for spaces and bookings, shared by the bookings tests.

``SpaceFactory(project=…, **rules)`` makes a common room (capacity 10, 30–240 minutes on a
15-minute grid, bookable 60 days ahead) that is open around the clock until ``open_daily`` gives
it opening hours. Times are read in the time zone of the project's city (``local``).
``BookingFactory`` writes a booking straight to the database (no rule checks), with
``blocked_until`` = end + the space's buffer, so that tests can set up a taken slot quickly;
use ``booking_create`` when the rules are what is tested.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from zoneinfo import ZoneInfo

import factory
from factory.django import DjangoModelFactory

from community.bookings.models import (
    Booking,
    BookingSeries,
    BookingStatus,
    Recurrence,
    Space,
    SpaceClosure,
    SpaceKind,
    SpaceOpeningHours,
    WaitlistEntry,
    WaitlistStatus,
)
from tests.factories import HouseholdFactory, ProjectFactory


def _minutes(clock: str | int) -> int:
    """'08:00' → 480; '24:00' → 1440; an int is taken as minutes already."""
    if isinstance(clock, int):
        return clock
    hours, minutes = clock.split(":")
    return int(hours) * 60 + int(minutes)


def zone_of(space: Space) -> ZoneInfo:
    return ZoneInfo(space.project.city.time_zone)


def local(space: Space, *args: int) -> dt.datetime:
    """An aware datetime at this local wall-clock time of the space's city:
    ``local(space, 2025, 10, 26, 19, 0)``."""
    return dt.datetime(*args, tzinfo=zone_of(space))


def open_daily(
    space: Space,
    opens: str | int = "08:00",
    closes: str | int = "22:00",
    weekdays: Iterable[int] = range(7),
) -> list[SpaceOpeningHours]:
    """Open the space [opens, closes) on each given weekday (0 is Monday)."""
    return [
        SpaceOpeningHours.objects.create(
            space=space,
            weekday=weekday,
            opens_minute=_minutes(opens),
            closes_minute=_minutes(closes),
        )
        for weekday in weekdays
    ]


def close_space(
    space: Space, start: dt.datetime, end: dt.datetime, reason: str = "Maintenance"
) -> SpaceClosure:
    return SpaceClosure.objects.create(space=space, start=start, end=end, reason=reason)


class SpaceFactory(DjangoModelFactory):
    class Meta:
        model = Space

    project = factory.SubFactory(ProjectFactory)
    name = factory.Sequence(lambda n: f"Space {n}")
    kind = SpaceKind.COMMON_ROOM
    capacity = 10
    units = 1
    min_duration_minutes = 30
    max_duration_minutes = 240
    slot_minutes = 15
    buffer_minutes = 0
    advance_days = 60


class BookingSeriesFactory(DjangoModelFactory):
    class Meta:
        model = BookingSeries

    space = factory.SubFactory(SpaceFactory)
    household = factory.LazyAttribute(lambda o: HouseholdFactory(project=o.space.project))
    recurrence = Recurrence.WEEKLY
    occurrences = 4


class BookingFactory(DjangoModelFactory):
    """A booking written without the service. Give ``start`` (aware); ``end`` defaults to one
    hour later and ``blocked_until`` to end + the space's buffer."""

    class Meta:
        model = Booking

    space = factory.SubFactory(SpaceFactory)
    household = factory.LazyAttribute(lambda o: HouseholdFactory(project=o.space.project))
    unit = 1
    start = factory.LazyFunction(
        lambda: (dt.datetime.now(dt.UTC) + dt.timedelta(days=1)).replace(
            minute=0, second=0, microsecond=0
        )
    )
    end = factory.LazyAttribute(lambda o: o.start + dt.timedelta(hours=1))
    blocked_until = factory.LazyAttribute(
        lambda o: o.end + dt.timedelta(minutes=o.space.buffer_minutes)
    )
    status = BookingStatus.CONFIRMED
    attendees = 1


class WaitlistEntryFactory(DjangoModelFactory):
    class Meta:
        model = WaitlistEntry

    space = factory.SubFactory(SpaceFactory)
    household = factory.LazyAttribute(lambda o: HouseholdFactory(project=o.space.project))
    start = factory.LazyFunction(
        lambda: (dt.datetime.now(dt.UTC) + dt.timedelta(days=1)).replace(
            minute=0, second=0, microsecond=0
        )
    )
    end = factory.LazyAttribute(lambda o: o.start + dt.timedelta(hours=1))
    attendees = 1
    status = WaitlistStatus.WAITING


def friday_evening(
    space: Space, household, *, until: tuple[int, int] = (21, 0), **fields
) -> Booking:
    """The household's confirmed evening in the space on Friday 14 November 2025, from 19:00 to
    ``until`` (hour, minute), local time of the space's city."""
    return BookingFactory(
        space=space,
        household=household,
        start=local(space, 2025, 11, 14, 19, 0),
        end=local(space, 2025, 11, 14, *until),
        **fields,
    )


__all__ = [
    "BookingFactory",
    "BookingSeriesFactory",
    "SpaceFactory",
    "WaitlistEntryFactory",
    "close_space",
    "friday_evening",
    "local",
    "open_daily",
    "zone_of",
]
