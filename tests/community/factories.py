"""Rows of the community app for the tests: spaces and bookings, budgets and schemes, published
indicator cells.

Spaces and bookings (factory_boy).

``SpaceFactory(project=…, **rules)`` makes a common room (capacity 10, 30–240 minutes on a
15-minute grid, bookable 60 days ahead) that is open around the clock until ``open_daily`` gives
it opening hours. Times are read in the time zone of the project's city (``local``).
``BookingFactory`` writes a booking straight to the database (no rule checks), with
``blocked_until`` = end + the space's buffer, so that tests can set up a taken slot quickly;
use ``booking_create`` when the rules are what is tested.

Budgets and schemes (``set_budget``, ``adopted_scheme``) are made through the services, with
governance rows for adoption by a decision (``proposal_and_decision``).

Published indicator cells (``cell``, ``publish``, ``publish_grid``): the snapshot computation
writes these rows in production; here they are written directly, each one as the protection step
leaves it (a suppressed row without its value or household count).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Iterable, Mapping, Sequence
from decimal import Decimal
from zoneinfo import ZoneInfo

import factory
from django.utils import timezone
from factory.django import DjangoModelFactory

from common.months import add_months
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
from community.money.models import Budget, ContributionScheme
from community.money.services.budgets import budget_set
from community.money.services.schemes import scheme_adopt, scheme_create
from community.monitoring.models import IndicatorSnapshot
from members.models import City, HousingProject
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


# --- Budgets and schemes ----------------------------------------------------------------------

JAN_2025 = dt.date(2025, 1, 1)
JUNE = dt.date(2025, 6, 1)  # 30 days
JULY = dt.date(2025, 7, 1)


def set_budget(project: HousingProject, month: dt.date = JUNE, *amounts: int) -> Budget:
    """A budget with one loan line per amount (300 000 cents by default)."""
    return budget_set(
        project=project,
        month=month,
        lines=[
            {"category": "loan", "label": f"Line {index}", "amount_cents": amount}
            for index, amount in enumerate(amounts or (300_000,))
        ],
    )


def adopted_scheme(
    project: HousingProject,
    method: str = "flat",
    parameters: Mapping | None = None,
    valid_from: dt.date = JAN_2025,
    valid_to: dt.date | None = None,
    name: str = "Scheme",
) -> ContributionScheme:
    scheme = scheme_create(
        project=project,
        name=name,
        method=method,
        parameters={"basis": "equal"} if parameters is None and method == "flat" else parameters,
        valid_from=valid_from,
        valid_to=valid_to,
    )
    return scheme_adopt(scheme=scheme)


def proposal_and_decision(project: HousingProject, *, passed: bool = True):
    """A closed proposal of the project and its decision (governance rows, made directly)."""
    from governance.models import Decision, DecisionClass, Proposal, ProposalStatus

    decision_class, _ = DecisionClass.objects.get_or_create(
        project=project,
        name="Contributions",
        defaults={"method": "yes_no", "electorate": "household"},
    )
    now = timezone.now()
    proposal = Proposal.objects.create(
        project=project,
        decision_class=decision_class,
        title="Adopt the solidarity scheme",
        text="…",
        opens_at=now - dt.timedelta(days=8),
        closes_at=now - dt.timedelta(days=1),
        status=ProposalStatus.OPEN,
    )

    def decide() -> Decision:
        proposal.status = ProposalStatus.CLOSED
        proposal.save(update_fields=["status"])
        return Decision.objects.create(
            proposal=proposal,
            project=project,
            tally={"yes": 5, "no": 1},
            rules={},
            electorate_size=8,
            turnout="0.7500",
            quorum_met=True,
            passed=passed,
        )

    return proposal, decide


# --- Published indicator cells ------------------------------------------------------------------


def cell(
    *,
    city: City,
    month: dt.date,
    indicator: str,
    value: Decimal | int | str | None = None,
    project: HousingProject | None = None,
    suppressed: bool = False,
    display: str = "",
    filter: str = "",
    n_households: int = 20,
) -> IndicatorSnapshot:
    """An unsaved published cell; ``suppressed`` keeps no value (and "< k" as ``display``)."""
    return IndicatorSnapshot(
        city=city,
        project=project,
        month=month,
        indicator=indicator,
        filter=filter,
        value=None if suppressed else Decimal(str(value)),
        suppressed=suppressed,
        suppression_reason="threshold" if suppressed else "",
        display=display if suppressed else "",
        n_households=None if suppressed else n_households,
    )


def publish(**kwargs) -> IndicatorSnapshot:
    row = cell(**kwargs)
    row.full_clean()
    row.save()
    return row


def months_back(last: dt.date, count: int) -> list[dt.date]:
    """``count`` months up to ``last``, the oldest first."""
    return [add_months(last, offset) for offset in range(1 - count, 1)]


def publish_grid(
    *,
    city: City,
    projects: Sequence[HousingProject],
    months: Iterable[dt.date],
    indicators: Iterable[str],
    value: Callable[[HousingProject | None, dt.date, str], Decimal | int | str],
    city_totals: bool = True,
) -> int:
    """Every (project and city total) × month × indicator cell, in one insert."""
    scopes: list[HousingProject | None] = [*projects, *([None] if city_totals else [])]
    indicators = list(indicators)
    rows = [
        cell(
            city=city,
            project=project,
            month=month,
            indicator=indicator,
            value=value(project, month, indicator),
        )
        for month in months
        for project in scopes
        for indicator in indicators
    ]
    IndicatorSnapshot.objects.bulk_create(rows, batch_size=2000)
    return len(rows)


__all__ = [
    "BookingFactory",
    "BookingSeriesFactory",
    "JAN_2025",
    "JULY",
    "JUNE",
    "SpaceFactory",
    "WaitlistEntryFactory",
    "adopted_scheme",
    "cell",
    "close_space",
    "friday_evening",
    "local",
    "months_back",
    "open_daily",
    "proposal_and_decision",
    "publish",
    "publish_grid",
    "set_budget",
    "zone_of",
]
