"""Demo budgets, contribution schemes, charges and payments for ``seed_demo``: a year of a
project's money, so that the balances, arrears, simulation and affordability pages show
something to look at.

Per project: a budget for each of the last twelve months and the coming one (loan, maintenance,
reserves and common utilities, sized to the project's units and the city's income level), a
cost-covering solidarity scheme adopted twelve months ago and a draft income-share scheme to
compare it with, the income declarations the charged months need, the twelve months charged by
the charge run, and payments imported from a bank statement: most households pay each month, a
few are a month or two behind, one has stopped paying.

Everything goes through the services (the same rules as the pages; bulk where they work in
bulk: the charge run and the bank-statement import) and sends no e-mail. The months follow the
current date; every row is planned from a generator seeded by the project, the household and
the month, and only what is missing is added, so a second run adds nothing and a run a month
later adds that month.
"""

from __future__ import annotations

import datetime as dt
import random
from dataclasses import dataclass
from zoneinfo import ZoneInfo

from django.db.models import Q
from django.utils import timezone, translation
from django.utils.functional import Promise
from django.utils.translation import gettext as _

from common.months import add_months, first_of_month, last_of_month
from community.money.models import Budget, BudgetCategory, Charge, ChargeRun, Payment, PaymentSource
from community.money.selectors.ledger import scheme_in_force
from community.money.services.budgets import budget_set
from community.money.services.charges import charges_run
from community.money.services.payments import payments_import_csv
from community.money.services.schemes import scheme_adopt, scheme_create
from demo.texts import local
from members.models import (
    EvidenceStatus,
    Household,
    HousingProject,
    IncomeDeclaration,
    ProjectKind,
    User,
)
from members.selectors import declarations_by_household

MONTHS_CHARGED = 12


@dataclass(frozen=True)
class LinePlan:
    category: str
    label: Promise
    # Per unit and month, as a share of the city's median equivalised disposable income per
    # month: the loan of a Barcelona flat comes to about 240 € a month.
    share: float


LINE_PLANS = (
    LinePlan(BudgetCategory.LOAN, local("Building loan"), 0.15),
    LinePlan(BudgetCategory.MAINTENANCE, local("Maintenance and repairs"), 0.035),
    LinePlan(BudgetCategory.RESERVES, local("Reserve fund"), 0.025),
    LinePlan(BudgetCategory.UTILITIES, local("Common areas: energy, water, lift"), 0.012),
)
# Public rental and land trusts carry less debt per unit: the land or the building is the
# city's or the trust's.
LOAN_FACTOR = {ProjectKind.CO_MANAGED_PUBLIC_RENTAL: 0.55, ProjectKind.COMMUNITY_LAND_TRUST: 0.75}
# Heating season and summer for the common areas' energy.
SEASON = {11: 1.15, 12: 1.4, 1: 1.5, 2: 1.3, 3: 1.1, 6: 0.85, 7: 0.8, 8: 0.8}
MAINTENANCE_INDEXATION = 0.03  # a year, from each January
# What a household pays itself for energy and water, per month, as shares of the median.
OWN_UTILITIES_BASE, OWN_UTILITIES_PER_PERSON = 0.03, 0.012
SOLIDARITY_PARAMETERS = {
    "income": "equivalised",
    "cap": "cost_share",
    "cost_share_percent": "150",
    "missing_income": "cap",
}
INCOME_SHARE_PARAMETERS = {
    "rate_percent": "28",
    "cap": "cost_share",
    "cost_share_percent": "130",
    "missing_income": "cap",
}
FLOOR_SHARE = 0.05  # of the monthly median: what the household with least income pays
# How households pay: most in the month, a few late, one in arrears (from the fifth month
# charged it stops, bar one half payment in the eighth).
LATE_SHARE = 0.08
ARREARS_FROM, ARREARS_PART_PAYMENT = 5, 8


def _whole(cents: float) -> int:
    """Whole units of the currency: people and banks round budgets and bills."""
    return round(cents / 100) * 100


def _monthly_median(project: HousingProject) -> float:
    return (project.city.median_equivalised_income_cents or 2_000_000) / 12


def _rng(*parts: object) -> random.Random:
    return random.Random("/".join(["netco-demo-contributions", *map(str, parts)]))  # noqa: S311


# --- Budgets, utilities, schemes -----------------------------------------------------------


def budget_lines(project: HousingProject, month: dt.date, first: dt.date) -> list[dict]:
    median = _monthly_median(project)
    units = max(project.units_count, 1)
    lines = []
    for plan in LINE_PLANS:
        amount = plan.share * median * units
        if plan.category == BudgetCategory.LOAN:
            amount *= LOAN_FACTOR.get(project.kind, 1.0)
        elif plan.category == BudgetCategory.MAINTENANCE:
            amount *= (1 + MAINTENANCE_INDEXATION) ** (month.year - first.year)
        elif plan.category == BudgetCategory.UTILITIES:
            amount *= SEASON.get(month.month, 1.0)
        lines.append(
            {"category": plan.category, "label": str(plan.label), "amount_cents": _whole(amount)}
        )
    return lines


def _seed_budgets(project: HousingProject, months: list[dt.date], first: dt.date) -> int:
    have = set(
        Budget.objects.filter(project=project, month__in=months).values_list("month", flat=True)
    )
    missing = [month for month in months if month not in have]
    for month in missing:
        budget_set(
            project=project,
            month=month,
            lines=budget_lines(project, month, first),
            note=_("Approved by the general assembly with the yearly accounts."),
        )
    return len(missing)


def _seed_own_utilities(project: HousingProject) -> int:
    """What each household pays itself for energy and water, where the demo has not set it."""
    median = _monthly_median(project)
    households = list(
        Household.objects.filter(project=project, utilities_monthly_cents=0).prefetch_related(
            "residents"
        )
    )
    for household in households:
        people = max(len(household.residents.all()), 1)
        spread = _rng(project.slug, "utilities", household.unit_label).uniform(0.8, 1.25)
        household.utilities_monthly_cents = _whole(
            (OWN_UTILITIES_BASE + OWN_UTILITIES_PER_PERSON * people) * median * spread
        )
    Household.objects.bulk_update(households, ["utilities_monthly_cents"])
    return len(households)


def _seed_schemes(
    project: HousingProject, first: dt.date, coming: dt.date, manager: User | None
) -> int:
    if project.contribution_schemes.exists():
        return 0
    floor = _whole(FLOOR_SHARE * _monthly_median(project))
    solidarity = scheme_create(
        project=project,
        name=_("Solidarity contributions"),
        method="solidarity",
        parameters={**SOLIDARITY_PARAMETERS, "floor_cents": floor},
        valid_from=first,
        created_by=manager,
    )
    scheme_adopt(scheme=solidarity, adopted_by=manager)
    scheme_create(
        project=project,
        name=_("Income share, %(rate)s %%") % {"rate": INCOME_SHARE_PARAMETERS["rate_percent"]},
        method="income_share",
        parameters={**INCOME_SHARE_PARAMETERS, "floor_cents": floor},
        valid_from=coming,
        created_by=manager,
    )
    return 2


# --- Income declarations --------------------------------------------------------------------


def _seed_declarations(
    project: HousingProject, first: dt.date, last: dt.date, manager: User | None
) -> int:
    """A declaration for each household living there in the charged months that has declared,
    but not yet on the first day it lived there in them: the demo's declarations start in
    January, the charged year may start earlier. It is the household's earliest income, a
    little lower (incomes grow about 3 % a year), entered from the household's papers by the
    manager. Households that never declared are left so: the pages must show them apart."""
    living = list(
        Household.objects.filter(project=project, move_in__lte=last_of_month(last))
        .filter(Q(move_out__isnull=True) | Q(move_out__gte=first))
        .order_by("pk")
    )
    declarations = declarations_by_household(living, dt.date.max)
    zone = ZoneInfo(project.city.time_zone)
    missing = []
    for household in living:
        own = declarations.of(household.pk)
        day = max(household.move_in, first)
        if not own or declarations.on(household.pk, day) is not None:
            continue
        earliest = own[0]
        declared_at = dt.datetime.combine(day - dt.timedelta(days=12), dt.time(10, 0), tzinfo=zone)
        missing.append(
            IncomeDeclaration(
                household=household,
                valid_from=day,
                gross_monthly_cents=_whole(earliest.gross_monthly_cents / 1.03),
                disposable_monthly_cents=_whole(earliest.disposable_monthly_cents / 1.03),
                evidence_status=EvidenceStatus.VERIFIED,
                declared_by=manager,
                declared_at=declared_at,
                verified_by=manager,
                verified_at=declared_at + dt.timedelta(days=6),
            )
        )
    IncomeDeclaration.objects.bulk_create(missing)
    return len(missing)


# --- Charges and payments -------------------------------------------------------------------


def _seed_charges(project: HousingProject, months: list[dt.date]) -> int:
    charged = set(ChargeRun.objects.filter(project=project).values_list("month", flat=True))
    created = 0
    for month in months:
        if month in charged or scheme_in_force(project=project, on=month) is None:
            continue
        charges_run(project=project, month=month)  # as the monthly schedule does
        created += 1
    return created


def _payers(project: HousingProject, anchor: dt.date) -> tuple[set[int], dict[int, int]]:
    """The household in arrears and the late ones (household → months late), drawn among those
    living there since the first charged month, never the household of a demo login."""
    candidates = list(
        Household.objects.filter(project=project, move_in__lte=anchor, move_out__isnull=True)
        .exclude(residents__user__isnull=False)
        .order_by("unit_label")
    )
    rng = _rng(project.slug, "payers")
    rng.shuffle(candidates)
    arrears = {household.pk for household in candidates[:1]}
    late_count = max(2, round(LATE_SHARE * len(candidates)))
    late = {household.pk: rng.choice((1, 1, 2)) for household in candidates[1 : 1 + late_count]}
    return arrears, late


def _planned_payments(
    project: HousingProject, anchor: dt.date, today: dt.date
) -> list[tuple[Household, dt.date, int, str]]:
    """(household, day, amount, reference) of each payment made by today."""
    arrears, late = _payers(project, anchor)
    households = {
        household.pk: household for household in Household.objects.filter(project=project)
    }
    planned = []
    for household_id, month, amount in (
        Charge.objects.filter(household__project=project)
        .order_by("household_id", "month")
        .values_list("household_id", "month", "amount_cents")
    ):
        if amount <= 0:
            continue
        household = households[household_id]
        rng = _rng(project.slug, "payment", household.unit_label, month.isoformat())
        months_in = (month.year - anchor.year) * 12 + month.month - anchor.month
        if household_id in arrears and months_in >= ARREARS_FROM:
            if months_in != ARREARS_PART_PAYMENT:
                continue
            amount //= 2
        paid_in = add_months(month, late.get(household_id, 0))
        day = rng.randint(20, 28) if rng.random() < 0.1 else rng.randint(1, 12)
        paid_on = paid_in.replace(day=min(day, last_of_month(paid_in).day))
        if paid_on > today:
            continue  # not paid yet
        reference = f"{household.payment_reference} {month:%Y-%m}"
        planned.append((household, paid_on, amount, reference))
    return planned


def _seed_payments(project: HousingProject, today: dt.date, manager: User | None) -> int:
    anchor = (
        ChargeRun.objects.filter(project=project)
        .order_by("month")
        .values_list("month", flat=True)
        .first()
    )
    if anchor is None:
        return 0
    imported = set(
        Payment.objects.filter(
            household__project=project, source=PaymentSource.BANK_IMPORT
        ).values_list("household_id", "paid_on", "amount_cents", "reference")
    )
    rows = [
        (household, paid_on, amount, reference)
        for household, paid_on, amount, reference in _planned_payments(project, anchor, today)
        if (household.pk, paid_on, amount, reference) not in imported
    ]
    if not rows:
        return 0
    statement = "date,amount,reference\n" + "".join(
        f"{paid_on.isoformat()},{amount // 100}.{amount % 100:02d},{reference}\n"
        for _household, paid_on, amount, reference in sorted(rows, key=lambda row: row[1])
    )
    result = payments_import_csv(project=project, file=statement, recorded_by=manager)
    return len(result.payments)


def seed_project_contributions(
    *, project: HousingProject, manager: User | None = None, now: dt.datetime | None = None
) -> dict[str, int]:
    """The project's year of budgets, schemes, charges and payments (see the module's
    docstring); returns how many of each were created."""
    now = now or timezone.now()
    today = timezone.localdate(now, timezone=ZoneInfo(project.city.time_zone))
    current = first_of_month(today)
    first = add_months(current, -(MONTHS_CHARGED - 1))
    months = [add_months(first, index) for index in range(MONTHS_CHARGED)]
    coming = add_months(current, 1)
    with translation.override(project.city.default_language):
        budgets = _seed_budgets(project, [*months, coming], first)
        _seed_own_utilities(project)
        schemes = _seed_schemes(project, first, coming, manager)
        declarations = _seed_declarations(project, first, current, manager)
        runs = _seed_charges(project, months)
        payments = _seed_payments(project, today, manager)
    return {
        "budgets": budgets,
        "schemes": schemes,
        "income declarations": declarations,
        "charge runs": runs,
        "payments": payments,
    }


__all__ = ["seed_project_contributions"]
