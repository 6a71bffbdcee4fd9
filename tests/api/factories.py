"""What the contributions API tests share: a project charged for June under an income-share
scheme, with a neighbour whose income is a figure no other number in the responses has, so a
leak of it is found by searching the response text."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

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
from members.models import IncomeDeclaration
from tests.community.factories import JUNE, adopted_scheme, set_budget
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
