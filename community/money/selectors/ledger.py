"""Reads of budgets, contribution schemes, charges, payments and balances, each filtered to what
the asking user may see, in a fixed number of queries.

Visibility (the rule of DESIGN.md §1: money of a household is the household's and its managers'):
- budgets and schemes of a project: its managers and its residents (drafts that no proposal
  puts to a vote only its managers); city officers see none here;
- charge runs: the project's managers;
- charges and payments: the household itself and the managers of its project.

Balance = charges − payments: above zero the household owes, below zero it paid ahead.
"""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from dataclasses import dataclass

from django.db.models import (
    BigIntegerField,
    F,
    OuterRef,
    Q,
    QuerySet,
    Subquery,
    Sum,
    Value,
)
from django.db.models.functions import Coalesce
from django.utils import formats
from django.utils.translation import gettext

from common.months import add_months, last_of_month
from common.queries import column_in
from community.money.models import (
    IN_FORCE,
    Budget,
    Charge,
    ChargeRun,
    ContributionScheme,
    Payment,
    SchemeStatus,
)
from members.models import Household, HousingProject, IncomeDeclaration, ProjectStatus
from members.selectors import AnyUser, managed_project_list, member_project_list, own_household_ids

RUNNING_STATUSES = (ProjectStatus.PILOT, ProjectStatus.ACTIVE)


def _household_or_managers(user: AnyUser) -> Q:
    """Rows (with a ``household``) of the user's own household and of the projects they manage.

    One list of households, compared with the row's own ``household_id``, is read through its
    index; a join through the household's project ORed with the household made PostgreSQL read
    every row.
    """
    managed_households = Household.objects.filter(
        project__in=managed_project_list(user=user).values("pk")
    ).values("pk")
    return column_in(
        "household_id", managed_households.union(own_household_ids(user=user), all=True)
    )


def running_project_list() -> QuerySet[HousingProject]:
    """Projects whose households are charged every month: pilots and active ones."""
    return HousingProject.objects.filter(status__in=RUNNING_STATUSES).select_related("city")


# --- Budgets -----------------------------------------------------------------------------


def budget_for_month(*, project: HousingProject, month: dt.date) -> Budget | None:
    """The month's budget with its ``total_cents`` and its lines (two queries)."""
    return (
        Budget.objects.with_total()
        .filter(project=project, month=month)
        .prefetch_related("lines")
        .first()
    )


def budget_list_for_user(*, user: AnyUser) -> QuerySet[Budget]:
    budgets = Budget.objects.filter(project__in=member_project_list(user=user).values("pk"))
    return budgets.with_total().select_related("project__city").prefetch_related("lines")


# --- Schemes -----------------------------------------------------------------------------


def scheme_in_force(
    *, project: HousingProject, on: dt.date, excluding: ContributionScheme | None = None
) -> ContributionScheme | None:
    """The adopted scheme of the project in force on that day (at most one: the exclusion
    constraint), or None; other than ``excluding`` if given. A retired scheme counts for the
    days it was in force."""
    schemes = ContributionScheme.objects.filter(IN_FORCE, project=project, valid_from__lte=on)
    if excluding is not None:
        schemes = schemes.exclude(pk=excluding.pk)
    return (
        schemes.filter(Q(valid_to__isnull=True) | Q(valid_to__gte=on))
        .order_by("-valid_from", "-pk")
        .first()
    )


@dataclass(frozen=True)
class SchemeRetirement:
    """What retiring a scheme to end on a day means: the first month no longer under it, the
    households living in the project that month, and the scheme in force then instead."""

    first_month_without: dt.date
    households: int
    replacement: ContributionScheme | None


def scheme_retirement_facts(
    *, scheme: ContributionScheme, valid_to: dt.date | None
) -> SchemeRetirement:
    """What retiring ``scheme`` to end on ``valid_to`` (None: withdrawn, never in force) means,
    for a manager to confirm it. Two queries."""
    month = scheme.valid_from if valid_to is None else valid_to + dt.timedelta(days=1)
    month = month.replace(day=1)
    return SchemeRetirement(
        first_month_without=month,
        households=households_living_in_month(project=scheme.project, month=month).count(),
        replacement=scheme_in_force(project=scheme.project, on=month, excluding=scheme),
    )


def scheme_list_for_user(*, user: AnyUser) -> QuerySet[ContributionScheme]:
    """Managers see every scheme of their projects; residents their project's adopted and
    retired schemes, and the drafts put to their vote by a proposal."""
    if user.is_superuser:
        schemes = ContributionScheme.objects.all()
    else:
        managed = managed_project_list(user=user).values("pk")
        lived_in = Household.objects.filter(pk__in=own_household_ids(user=user)).values(
            "project_id"
        )
        schemes = ContributionScheme.objects.filter(
            Q(project__in=managed)
            | (
                Q(project__in=lived_in)
                & (~Q(status=SchemeStatus.DRAFT) | Q(adopting_proposal__isnull=False))
            )
        )
    return schemes.select_related("project__city", "adopted_by", "created_by")


# --- Charges and payments ----------------------------------------------------------------


def households_living_in_month(*, project: HousingProject, month: dt.date) -> QuerySet[Household]:
    """Households living in the project on at least one day of the month (its first day)."""
    return (
        Household.objects.filter(project=project, move_in__lte=last_of_month(month))
        .filter(Q(move_out__isnull=True) | Q(move_out__gte=month))
        .order_by("pk")
    )


def households_charged_on_expired_income(*, project: HousingProject, month: dt.date) -> int:
    """How many households living in ``month`` would be charged from an income declaration
    older than the project's validity (the latest valid one counts, however old: DESIGN.md §3),
    so that a manager about to charge the month sees it. One query."""
    latest = (
        IncomeDeclaration.objects.filter(household=OuterRef("pk"), valid_from__lte=month)
        .order_by("-valid_from", "-declared_at", "-pk")
        .values("valid_from")[:1]
    )
    return (
        households_living_in_month(project=project, month=month)
        .annotate(latest_from=Subquery(latest))
        .filter(latest_from__lte=add_months(month, -project.income_validity_months))
        .count()
    )


def charge_run_list_for_user(*, user: AnyUser) -> QuerySet[ChargeRun]:
    if user.is_superuser:
        runs = ChargeRun.objects.all()
    else:
        runs = ChargeRun.objects.filter(project__in=managed_project_list(user=user).values("pk"))
    return runs.select_related("project__city", "scheme", "triggered_by")


def charge_list_for_user(*, user: AnyUser) -> QuerySet[Charge]:
    charges = (
        Charge.objects.all()
        if user.is_superuser
        else Charge.objects.filter(_household_or_managers(user))
    )
    return charges.select_related("household__project__city", "scheme")


def payment_list_for_user(*, user: AnyUser) -> QuerySet[Payment]:
    payments = (
        Payment.objects.all()
        if user.is_superuser
        else Payment.objects.filter(_household_or_managers(user))
    )
    return payments.select_related("household__project__city", "recorded_by")


# --- Balances ----------------------------------------------------------------------------


def _sum_per_household(queryset: QuerySet, amount: str = "amount_cents") -> Coalesce:
    """The sum of ``amount`` over ``queryset``'s rows of the outer household, 0 when none."""
    total = (
        queryset.filter(household=OuterRef("pk"))
        .order_by()
        .values("household")
        .annotate(total=Sum(amount))
        .values("total")
    )
    return Coalesce(Subquery(total, output_field=BigIntegerField()), Value(0))


def household_balances(*, project: HousingProject) -> QuerySet[Household]:
    """Every household of the project with ``charged_cents``, ``paid_cents`` and
    ``balance_cents``, computed by the database in one query."""
    return (
        Household.objects.filter(project=project)
        .annotate(
            charged_cents=_sum_per_household(Charge.objects.all()),
            paid_cents=_sum_per_household(Payment.objects.all()),
        )
        .annotate(balance_cents=F("charged_cents") - F("paid_cents"))
        .order_by("unit_label", "pk")
    )


@dataclass(frozen=True)
class ArrearsRow:
    household: Household
    balance_cents: int
    months_in_arrears: int  # charged months the payments do not cover
    oldest_unpaid_month: dt.date | None


def arrears_list(
    *, project: HousingProject, min_amount_cents: int = 1, min_months: int = 0
) -> list[ArrearsRow]:
    """Households owing at least ``min_amount_cents`` for at least ``min_months`` charged
    months, the largest debt first, in two queries.

    Payments settle the oldest charges first: a household is in arrears for each month whose
    charge its payments, so counted, do not cover in full.
    """
    owing = list(
        household_balances(project=project).filter(balance_cents__gte=max(min_amount_cents, 1))
    )
    if not owing:
        return []
    charges: dict[int, list[tuple[dt.date, int]]] = defaultdict(list)
    for household_id, month, amount in (
        Charge.objects.filter(household__in=owing)
        .order_by("household_id", "month")
        .values_list("household_id", "month", "amount_cents")
    ):
        charges[household_id].append((month, amount))
    rows = []
    for household in owing:
        paid = household.paid_cents
        unpaid: list[dt.date] = []
        for month, amount in charges[household.pk]:
            if paid >= amount:
                paid -= amount
            else:
                paid = 0
                unpaid.append(month)
        if len(unpaid) >= min_months:
            rows.append(
                ArrearsRow(
                    household=household,
                    balance_cents=household.balance_cents,
                    months_in_arrears=len(unpaid),
                    oldest_unpaid_month=unpaid[0] if unpaid else None,
                )
            )
    rows.sort(key=lambda row: (-row.balance_cents, row.household.unit_label))
    return rows


# --- Statements --------------------------------------------------------------------------


@dataclass(frozen=True)
class StatementLine:
    day: dt.date
    kind: str  # "charge" or "payment"
    charge_cents: int
    payment_cents: int
    balance_cents: int  # after this line
    charge: Charge | None = None
    payment: Payment | None = None

    @property
    def description(self) -> str:
        """What the line is, in the reader's language."""
        if self.kind == "charge":
            return gettext("Contribution %(month)s (%(scheme)s)") % {
                "month": formats.date_format(self.day, "YEAR_MONTH_FORMAT"),
                "scheme": self.charge.scheme.name,
            }
        return self.payment.reference or gettext("Payment")


@dataclass(frozen=True)
class Statement:
    household: Household
    start: dt.date
    end: dt.date
    opening_balance_cents: int
    lines: list[StatementLine]
    charged_cents: int
    paid_cents: int

    @property
    def closing_balance_cents(self) -> int:
        return self.opening_balance_cents + self.charged_cents - self.paid_cents


def household_statement(*, household: Household, start: dt.date, end: dt.date) -> Statement:
    """The household's charges (dated the first of their month) and payments from ``start`` to
    ``end`` inclusive, in date order (a day's charge before its payments), each with the
    running balance, after the balance brought forward. Three queries."""
    opening = (
        Household.objects.filter(pk=household.pk)
        .annotate(
            charged=_sum_per_household(Charge.objects.filter(month__lt=start)),
            paid=_sum_per_household(Payment.objects.filter(paid_on__lt=start)),
        )
        .values_list("charged", "paid")
        .get()
    )
    charges = Charge.objects.filter(household=household, month__gte=start, month__lte=end)
    payments = Payment.objects.filter(household=household, paid_on__gte=start, paid_on__lte=end)
    events: list[tuple[dt.date, int, int, Charge | Payment]] = [
        (charge.month, 0, charge.pk, charge)
        for charge in charges.select_related("scheme").order_by("month", "pk")
    ] + [
        (payment.paid_on, 1, payment.pk, payment)
        for payment in payments.select_related("recorded_by").order_by("paid_on", "pk")
    ]
    events.sort(key=lambda event: event[:3])
    balance = opening[0] - opening[1]
    opening_balance = balance
    lines = []
    charged = paid = 0
    for day, order, _pk, row in events:
        if order == 0:
            balance += row.amount_cents
            charged += row.amount_cents
            lines.append(StatementLine(day, "charge", row.amount_cents, 0, balance, charge=row))
        else:
            balance -= row.amount_cents
            paid += row.amount_cents
            lines.append(StatementLine(day, "payment", 0, row.amount_cents, balance, payment=row))
    return Statement(
        household=household,
        start=start,
        end=end,
        opening_balance_cents=opening_balance,
        lines=lines,
        charged_cents=charged,
        paid_cents=paid,
    )
