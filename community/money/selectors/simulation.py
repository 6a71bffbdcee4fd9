"""Simulating a contribution scheme before adopting it, and comparing two (DESIGN.md §1: a
manager "can simulate a scheme before adopting it"; §4 for the formulas).

A simulation runs a method and its parameters against the households living in the project in a
month and that month's budget, exactly as the monthly charge run would (the same facts, the same
formulas, the same proration of a part month), and writes nothing. Beside each amount it shows
what the scheme in force charges (the month's charges, or, before the month is charged, the same
computation under the scheme in force) and the housing cost ratio the amount would mean.

Incomes and per-household figures are for the project's managers: the callers check that the
user manages the project and record the look in the income access log
(``members.selectors.income_declarations_read``), as for any manager view of incomes.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping
from dataclasses import dataclass, field
from fractions import Fraction
from typing import Any
from zoneinfo import ZoneInfo

from django.core.exceptions import ValidationError
from django.utils import timezone
from django.utils.translation import gettext as _

from common.months import add_months, first_of_month
from community.money.affordability import OVERBURDEN_THRESHOLD, housing_cost_ratio, median
from community.money.contribution_methods import (
    ContributionResult,
    HouseholdFacts,
    compute_contributions,
)

# The checks of a method and its parameters that the scheme services make, so that a simulation
# refuses exactly what adopting the scheme would, on the same field names.
from community.money.contribution_parameters import (
    scheme_parameter_errors,
    scheme_parameters_normalised,
)
from community.money.models import Budget, Charge, ContributionScheme, validate_first_of_month
from community.money.selectors.affordability import FULL_MONTH_CENTS
from community.money.selectors.household_facts import Presence, month_facts, presence, prorate
from community.money.selectors.ledger import households_living_in_month, scheme_in_force
from members.models import Household, HousingProject, IncomeDeclaration

__all__ = [
    "CompareRow",
    "Comparison",
    "Simulation",
    "SimulationRow",
    "scheme_simulate",
    "schemes_compare",
]

Scheme = tuple[str, Mapping[str, Any] | None]  # (method, parameters); None: the defaults


@dataclass(frozen=True)
class SimulationRow:
    household: Household
    amount_cents: int  # what the household would be charged this month (prorated)
    current_cents: int | None  # what the scheme in force charges it; None: no scheme in force
    change_cents: int | None  # amount − current
    disposable_cents: int | None  # None: no income declaration
    ratio: Fraction | None  # housing cost ratio with this amount (Eurostat, DESIGN.md §4)
    overburdened: bool | None  # ratio > 40 %
    full_month_cents: int = 0  # the amount for the whole month, before proration
    days: int = 0  # days lived in the month
    days_in_month: int = 0
    utilities_cents: int = 0
    housing_allowance_cents: int = 0
    current_ratio: Fraction | None = None
    current_overburdened: bool | None = None
    line: dict = field(default_factory=dict)  # the formula's breakdown

    @property
    def missing_income(self) -> bool:
        return self.disposable_cents is None


@dataclass(frozen=True)
class Simulation:
    project: HousingProject
    month: dt.date
    method: str
    parameters: dict  # normalised: every default filled in
    budget: Budget  # the month's budget, or the latest before it
    rows: list[SimulationRow]
    total_cents: int
    budget_cents: int
    shortfall_cents: int  # > 0: the amounts do not cover the budget
    surplus_cents: int  # > 0: they exceed it
    rate: Fraction | None  # solidarity: the rate applied to each household's income
    overburdened_count: int
    median_ratio: Fraction | None
    warnings: tuple[str, ...]
    scheme_in_force: ContributionScheme | None
    # What the scheme in force comes to: the month's charges ("charges"), the same computation
    # under it ("computed"), or nothing (None) when no scheme is in force.
    current_source: str | None = None
    current_total_cents: int | None = None
    current_overburdened_count: int | None = None
    current_median_ratio: Fraction | None = None

    @property
    def missing_income_count(self) -> int:
        return sum(1 for row in self.rows if row.disposable_cents is None)


@dataclass(frozen=True)
class CompareRow:
    household: Household
    first_cents: int
    second_cents: int
    difference_cents: int  # second − first
    first_ratio: Fraction | None
    second_ratio: Fraction | None
    current_cents: int | None = None
    first_overburdened: bool | None = None
    second_overburdened: bool | None = None


@dataclass(frozen=True)
class Comparison:
    month: dt.date
    first: Simulation
    second: Simulation
    rows: list[CompareRow]

    @property
    def difference_cents(self) -> int:
        return self.second.total_cents - self.first.total_cents


# --- What a month of the project looks like ----------------------------------------------


@dataclass(frozen=True)
class _Month:
    """The facts of one month, loaded once and shared by every scheme computed on them."""

    project: HousingProject
    month: dt.date
    budget: Budget
    households: list[Household]
    days: dict[int, Presence]
    facts: list[HouseholdFacts]
    declarations: dict[int, IncomeDeclaration]
    scheme_in_force: ContributionScheme | None
    charged: dict[int, tuple[int, int]]  # household → (amount, full-month amount) if charged


def _default_month(project: HousingProject) -> dt.date:
    today = timezone.localdate(timezone=ZoneInfo(project.city.time_zone))
    return add_months(first_of_month(today), 1)


def _check_month(month: object) -> None:
    if not isinstance(month, dt.date) or isinstance(month, dt.datetime):
        raise ValidationError({"month": _("Give the first day of a month.")})
    try:
        validate_first_of_month(month)
    except ValidationError as exc:
        raise ValidationError({"month": exc.messages}) from exc


def _load_month(project: HousingProject, month: dt.date | None) -> _Month:
    """Households, their facts, the budget, the scheme in force and the month's charges, in
    a fixed number of queries (seven at most)."""
    if month is None:
        month = _default_month(project)
    _check_month(month)
    budget = (
        Budget.objects.with_total()
        .filter(project=project, month__lte=month)
        .order_by("-month")
        .first()
    )
    if budget is None:
        raise ValidationError(
            {"month": _("The project has no budget for this month or any month before it.")}
        )
    households = list(households_living_in_month(project=project, month=month))
    days = {household.pk: presence(household, month) for household in households}
    facts, declarations = month_facts(households, month, days)
    charged = {
        household_id: (amount, amount if full is None else int(full))
        for household_id, amount, full in Charge.objects.filter(
            household__project=project, month=month
        ).values_list("household_id", "amount_cents", FULL_MONTH_CENTS)
    }
    return _Month(
        project=project,
        month=month,
        budget=budget,
        households=households,
        days=days,
        facts=facts,
        declarations=declarations,
        scheme_in_force=scheme_in_force(project=project, on=month),
        charged=charged,
    )


def _compute(data: _Month, method: str, parameters: Mapping | None) -> tuple[dict, Any]:
    """The normalised parameters and the formula's result; errors name ``method`` or
    ``parameters.<key>`` like the scheme services."""
    normalised = scheme_parameters_normalised(method, parameters)
    try:
        result = compute_contributions(
            method=method,
            parameters=normalised,
            households=data.facts,
            budget_cents=data.budget.total_cents,
        )
    except ValidationError as exc:
        raise scheme_parameter_errors(exc) from exc
    return normalised, result


def _ratio(
    data: _Month, household: Household, full_month_cents: int
) -> tuple[Fraction | None, bool | None]:
    """The housing cost ratio (DESIGN.md §4) of paying ``full_month_cents`` a month: (amount +
    utilities − housing allowance) ÷ (disposable − housing allowance). A part month is judged on
    the whole month's amount, so that moving in mid-month does not look affordable."""
    declaration = data.declarations.get(household.pk)
    if declaration is None:
        return None, None
    ratio = housing_cost_ratio(
        housing_cost_cents=full_month_cents + household.utilities_monthly_cents,
        disposable_cents=declaration.disposable_monthly_cents,
        housing_allowance_cents=declaration.housing_allowance_cents,
    )
    return ratio, None if ratio is None else ratio > OVERBURDEN_THRESHOLD


@dataclass(frozen=True)
class _Current:
    """What the scheme in force charges each household: (amount, full-month amount)."""

    source: str | None
    amounts: dict[int, tuple[int, int]]


def _current(data: _Month) -> _Current:
    if data.charged:
        return _Current("charges", data.charged)
    if data.scheme_in_force is None:
        return _Current(None, {})
    scheme = data.scheme_in_force
    try:
        _params, result = _compute(data, scheme.method, scheme.parameters)
    except ValidationError:
        # The scheme in force cannot place these households (a unit without its size under a
        # split by m²): the charge run would refuse the month too, so there is nothing to show.
        return _Current(None, {})
    return _Current(
        "computed",
        {
            pk: (prorate(full, data.days[pk]), full)
            for pk, full in result.amounts.items()  # type: ignore[misc]
        },
    )


def _simulation(
    data: _Month, method: str, normalised: dict, result: ContributionResult, current: _Current
) -> Simulation:
    rows: list[SimulationRow] = []
    current_ratios: list[Fraction] = []
    current_overburdened = 0
    for household in data.households:
        full = result.amounts[household.pk]
        days = data.days[household.pk]
        amount = prorate(full, days)
        ratio, overburdened = _ratio(data, household, full)
        now = current.amounts.get(household.pk)
        current_ratio = current_burden = None
        if now is not None:
            current_ratio, current_burden = _ratio(data, household, now[1])
            if current_ratio is not None:
                current_ratios.append(current_ratio)
                current_overburdened += bool(current_burden)
        declaration = data.declarations.get(household.pk)
        rows.append(
            SimulationRow(
                household=household,
                amount_cents=amount,
                current_cents=None if now is None else now[0],
                change_cents=None if now is None else amount - now[0],
                disposable_cents=declaration.disposable_monthly_cents if declaration else None,
                ratio=ratio,
                overburdened=overburdened,
                full_month_cents=full,
                days=days.days,
                days_in_month=days.days_in_month,
                utilities_cents=household.utilities_monthly_cents,
                housing_allowance_cents=declaration.housing_allowance_cents if declaration else 0,
                current_ratio=current_ratio,
                current_overburdened=current_burden,
                line=result.lines[household.pk],
            )
        )
    rows.sort(key=lambda row: (row.household.unit_label, row.household.pk))
    # Like the charge run: the total is what would be charged, part months prorated, and the
    # gap to the budget is measured on it.
    total = sum(row.amount_cents for row in rows)
    budget = data.budget.total_cents
    warnings = [code for code in result.warnings if code not in ("shortfall", "surplus")]
    if total < budget:
        warnings.append("shortfall")
    elif total > budget:
        warnings.append("surplus")
    ratios = [row.ratio for row in rows if row.ratio is not None]
    return Simulation(
        project=data.project,
        month=data.month,
        method=method,
        parameters=normalised,
        budget=data.budget,
        rows=rows,
        total_cents=total,
        budget_cents=budget,
        shortfall_cents=max(budget - total, 0),
        surplus_cents=max(total - budget, 0),
        rate=result.rate,
        overburdened_count=sum(1 for row in rows if row.overburdened),
        median_ratio=median(ratios),
        warnings=tuple(warnings),
        scheme_in_force=data.scheme_in_force,
        current_source=current.source,
        current_total_cents=(
            sum(amount for amount, _full in current.amounts.values())
            if current.source is not None
            else None
        ),
        current_overburdened_count=current_overburdened if current.source is not None else None,
        current_median_ratio=median(current_ratios) if current.source is not None else None,
    )


def scheme_simulate(
    *,
    project: HousingProject,
    method: str,
    parameters: Mapping[str, Any] | None,
    month: dt.date | None = None,
) -> Simulation:
    """What ``method`` with ``parameters`` (None: the method's defaults) would charge each
    household living in the project in ``month`` (its first day; by default next month),
    against the month's budget or, where the month has none yet, the latest budget before it,
    whatever its status. Writes nothing.

    Each row holds the amount (prorated like the charge run for a part month), what the scheme
    in force charges (the month's charges, or the same computation under it before the month is
    charged), the change, and the Eurostat housing cost ratio (SI-S5 / ilc_lvho07a; DESIGN.md
    §4) the amount would mean, with the 40 % overburden flag. Households without an income
    declaration have no ratio: they are never guessed.

    A ``ValidationError`` on ``month`` when it is not the first of a month or no budget exists
    for it or before it; on ``method`` or ``parameters.<key>`` when the scheme is invalid or
    cannot place these households. A fixed number of queries, whatever the households.
    """
    data = _load_month(project, month)
    normalised, result = _compute(data, method, parameters)
    return _simulation(data, method, normalised, result, _current(data))


def _prefixed(exc: ValidationError, prefix: str) -> ValidationError:
    if not hasattr(exc, "error_dict"):
        return ValidationError({prefix.rstrip("."): exc.error_list})
    return ValidationError({f"{prefix}{key}": errors for key, errors in exc.error_dict.items()})


def schemes_compare(
    *,
    project: HousingProject,
    first: Scheme,
    second: Scheme,
    month: dt.date | None = None,
) -> Comparison:
    """Two schemes, each a ``(method, parameters)`` pair, simulated side by side on the same
    month's households and budget (see ``scheme_simulate``). Errors in a scheme are keyed
    ``first.method``, ``second.parameters.<key>`` …; ``month`` as for one simulation. The
    month is read once: the query count is that of one simulation."""
    data = _load_month(project, month)
    current = _current(data)
    simulations: list[Simulation] = []
    errors: dict[str, list] = {}
    for prefix, (method, parameters) in (("first.", first), ("second.", second)):
        try:
            normalised, result = _compute(data, method, parameters)
        except ValidationError as exc:
            errors.update(_prefixed(exc, prefix).error_dict)
            continue
        simulations.append(_simulation(data, method, normalised, result, current))
    if errors:
        raise ValidationError(errors)
    one, two = simulations
    rows = [
        CompareRow(
            household=a.household,
            first_cents=a.amount_cents,
            second_cents=b.amount_cents,
            difference_cents=b.amount_cents - a.amount_cents,
            first_ratio=a.ratio,
            second_ratio=b.ratio,
            current_cents=a.current_cents,
            first_overburdened=a.overburdened,
            second_overburdened=b.overburdened,
        )
        for a, b in zip(one.rows, two.rows, strict=True)
    ]
    return Comparison(month=data.month, first=one, second=two, rows=rows)
