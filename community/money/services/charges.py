"""The monthly charge run: each household's charge of a month, worked out by the scheme in
force from the month's budget and the households' facts (DESIGN.md §4), kept once per household
and month. The formulas are ``community.money.contribution_methods`` (pure); this module gathers
their inputs from the database and keeps what they return."""

from __future__ import annotations

import datetime as dt

from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import Sum
from django.utils import timezone
from django.utils.translation import gettext as _

from common.audit import audit_record
from common.models import AuditAction
from common.months import add_months, first_of_month
from community.money.contribution_methods import ContributionResult, compute_contributions
from community.money.models import Budget, BudgetStatus, Charge, ChargeRun, ContributionScheme
from community.money.selectors.household_facts import Presence, month_facts, presence, prorate
from community.money.selectors.ledger import (
    budget_for_month,
    households_living_in_month,
    scheme_in_force,
)
from community.money.services.shared import check_month, lock_project, project_today
from members.models import Household, HousingProject, IncomeDeclaration, User


def _latest_month_to_charge(project: HousingProject) -> dt.date:
    # The month after the current one may be charged too: at 02:00 UTC on the 1st, the
    # monthly run finds cities west of Greenwich still on the last day of the month before.
    return first_of_month(add_months(first_of_month(project_today(project)), 1))


def month_charges(
    *,
    run: ChargeRun,
    households: list[Household],
    result: ContributionResult,
    days_lived: dict[int, Presence],
    declarations: dict[int, IncomeDeclaration],
    stale_before: dt.date,
) -> list[Charge]:
    """Each household's charge of the run's month: its full-month amount prorated to the days
    it lived there, with the method's breakdown line; the line says ``income_stale`` when the
    declaration it rests on started on or before ``stale_before``."""
    charges = []
    for household in households:
        full = result.amounts[household.pk]
        days = days_lived[household.pk]
        amount = prorate(full, days)
        declaration = declarations.get(household.pk)
        breakdown = {
            **result.lines[household.pk],
            "method": run.scheme.method,
            "full_month_cents": full,
            "days": days.days,
            "days_in_month": days.days_in_month,
            "amount_cents": amount,
            "income_declaration": declaration.pk if declaration else None,
        }
        if declaration is not None and declaration.valid_from <= stale_before:
            breakdown["income_stale"] = True
        charges.append(
            Charge(
                household=household,
                month=run.month,
                amount_cents=amount,
                scheme=run.scheme,
                run=run,
                breakdown=breakdown,
            )
        )
    return charges


def check_charges_run(
    *, project: HousingProject, month: dt.date
) -> tuple[ContributionScheme, Budget]:
    """The scheme and the approved budget charging ``month`` needs, or a ``ValidationError`` on
    the month saying what is missing. The run checks it again under the project's lock; a page
    checks it first, before asking a manager to confirm the run's consequences."""
    check_month(month)
    if month > _latest_month_to_charge(project):
        raise ValidationError({"month": _("This month cannot be charged yet.")})
    scheme = scheme_in_force(project=project, on=month)
    if scheme is None:
        raise ValidationError({"month": _("No contribution scheme is in force in this month.")})
    budget = budget_for_month(project=project, month=month)
    if budget is None or budget.status != BudgetStatus.APPROVED:
        raise ValidationError({"month": _("This month has no approved budget.")})
    return scheme, budget


@transaction.atomic
def charges_run(
    *, project: HousingProject, month: dt.date, triggered_by: User | None = None
) -> ChargeRun:
    """Charge every household living in the project during ``month`` (its first day) under the
    scheme in force that month, against the month's approved budget (DESIGN.md §4).

    - Income facts come from each household's latest declaration valid on the first day it
      lives there in the month.
    - A household living there only part of the month pays its full-month amount × days lived
      ÷ days in the month, rounded half-even (move-in and move-out days count as lived). The
      other households do not make up the difference: the run reports it as shortfall.
    - Idempotent and safe in parallel: the project's row lock serialises runs; a month run
      already returns its run unchanged; the unique constraints on the run and on each
      household's month are the last word.
    """
    check_month(month)
    project = lock_project(project)
    done = ChargeRun.objects.filter(project=project, month=month).first()
    if done is not None:
        return done
    scheme, budget = check_charges_run(project=project, month=month)

    households = list(households_living_in_month(project=project, month=month))
    days_lived = {household.pk: presence(household, month) for household in households}
    facts, declarations = month_facts(households, month, days_lived)
    result = compute_contributions(
        method=scheme.method,
        parameters=scheme.parameters,
        households=facts,
        budget_cents=budget.total_cents,
    )
    stale_before = add_months(month, -project.income_validity_months)
    run = ChargeRun.objects.create(
        project=project, month=month, scheme=scheme, triggered_by=triggered_by
    )
    charges = month_charges(
        run=run,
        households=households,
        result=result,
        days_lived=days_lived,
        declarations=declarations,
        stale_before=stale_before,
    )
    warnings = list(result.warnings)
    stale = any(charge.breakdown.get("income_stale") for charge in charges)
    if stale and "stale_income" not in warnings:
        warnings.append("stale_income")
    Charge.objects.bulk_create(charges, ignore_conflicts=True)
    totals = Charge.objects.filter(run=run).aggregate(total=Sum("amount_cents"))
    run.household_count = Charge.objects.filter(run=run).count()
    run.total_cents = totals["total"] or 0
    run.budget_cents = budget.total_cents
    run.shortfall_cents = max(budget.total_cents - run.total_cents, 0)
    run.surplus_cents = max(run.total_cents - budget.total_cents, 0)
    run.warnings = warnings
    run.finished_at = timezone.now()
    run.save()
    audit_record(
        actor=triggered_by,
        action=AuditAction.CHARGES_RUN,
        project_id=project.pk,
        target=run,
        detail={
            "month": month.isoformat(),
            "scheme": scheme.pk,
            "households": run.household_count,
        },
    )
    return run
