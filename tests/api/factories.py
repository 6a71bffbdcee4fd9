"""What several API tests share: a project charged for June under an income-share scheme, with
a neighbour whose income is a figure no other number in the responses has, so a leak of it is
found by searching the response text; a side's space with a booking of every kind
(``Bookable``); a pilot goal (``make_goal``)."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from decimal import Decimal

from django.utils import timezone

from community.bookings.models import Space, SpaceClosure
from community.bookings.services.lottery import booking_window_open
from community.money.models import (
    Budget,
    BudgetLine,
    Charge,
    ChargeRun,
    ContributionScheme,
    Payment,
)
from community.money.services.charges import charges_run
from community.money.services.payments import payment_record
from community.monitoring.models import GoalComparison, Indicator, PilotGoal
from members.models import IncomeDeclaration
from tests.community.factories import (
    JUNE,
    BookingFactory,
    SpaceFactory,
    WaitlistEntryFactory,
    adopted_scheme,
    set_budget,
    zone_of,
)
from tests.conftest import Side

INCOME_SHARE = {"rate_percent": "30", "floor_cents": 10_000, "cap_cents": 200_000}
# The neighbour's disposable income and what 30 % of it is: numbers found nowhere else.
NEIGHBOUR_INCOME = 187_654
NEIGHBOUR_CHARGE = 56_296  # 30 % of 187 654 = 56 296.2, half-even
OWN_CHARGE = 72_000  # 30 % of the household's 240 000


def money_rows() -> dict[str, int]:
    """Row counts of everything a contributions request may write: unchanged after a refusal."""
    models = (
        Budget,
        BudgetLine,
        ContributionScheme,
        ChargeRun,
        Charge,
        Payment,
        IncomeDeclaration,
    )
    return {model.__name__: model.objects.count() for model in models}


@dataclass
class Charged:
    side: Side
    scheme: ContributionScheme
    run: ChargeRun
    payment: Payment
    neighbour_payment: Payment


def charge_june(side: Side) -> Charged:
    """The side's project under an income-share scheme from January 2025, June budgeted and
    charged, and one payment by each household."""
    IncomeDeclaration.objects.filter(pk=side.neighbour_income.pk).update(
        disposable_monthly_cents=NEIGHBOUR_INCOME
    )
    scheme = adopted_scheme(side.project, "income_share", INCOME_SHARE, name="Income share")
    set_budget(side.project, JUNE, 150_000)
    run = charges_run(project=side.project, month=JUNE)
    payment = payment_record(
        household=side.household, amount_cents=50_000, paid_on=dt.date(2025, 6, 5)
    )
    neighbour_payment = payment_record(
        household=side.neighbour, amount_cents=NEIGHBOUR_CHARGE, paid_on=dt.date(2025, 6, 6)
    )
    return Charged(side, scheme, run, payment, neighbour_payment)


def day_at(space: Space, days: int, hour: int, minute: int = 0) -> dt.datetime:
    """``days`` after today, at this local wall-clock time of the space's city."""
    zone = zone_of(space)
    day = timezone.now().astimezone(zone).date() + dt.timedelta(days=days)
    return dt.datetime.combine(day, dt.time(hour, minute), tzinfo=zone)


class Bookable:
    """One side's space with a booking, a pending booking, a closure, a waitlist entry and a
    lottery window."""

    def __init__(self, side: Side) -> None:
        self.space = SpaceFactory(project=side.project, name=f"Room of {side.project.slug}")
        self.booking = BookingFactory(
            space=self.space, household=side.household, start=day_at(self.space, 2, 10)
        )
        self.pending = BookingFactory(
            space=self.space,
            household=side.household,
            start=day_at(self.space, 3, 10),
            status="pending",
        )
        self.closure = SpaceClosure.objects.create(
            space=self.space,
            start=day_at(self.space, 20, 0),
            end=day_at(self.space, 21, 0),
            reason="Works",
        )
        self.entry = WaitlistEntryFactory(
            space=self.space,
            household=side.neighbour,
            start=self.booking.start,
            end=self.booking.end,
        )
        self.window = booking_window_open(
            space=self.space,
            title="Contested",
            slots=[(day_at(self.space, 10, 10), day_at(self.space, 10, 11))],
            closes_at=day_at(self.space, 5, 10),
            created_by=side.manager,
        )

    def period(self) -> dict[str, str]:
        start = day_at(self.space, 4, 10)
        return {"start": start.isoformat(), "end": (start + dt.timedelta(hours=1)).isoformat()}


OVERBURDEN = Indicator.OVERBURDEN_RATE_EUROSTAT


def make_goal(side: Side, **fields) -> PilotGoal:
    defaults = {
        "city": side.city,
        "project": side.project,
        "indicator": OVERBURDEN,
        "comparison": GoalComparison.AT_MOST,
        "target": Decimal("0.2"),
        "starts_on": dt.date(2025, 1, 1),
        "ends_on": dt.date(2025, 12, 31),
    }
    return PilotGoal.objects.create(**(defaults | fields))
