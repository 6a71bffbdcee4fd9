"""What the contribution formulas and the affordability figures know of a household in a month
(DESIGN.md §4): who lives there and for how many days, the income declaration valid then, the
residents' ages. One piece read by the monthly charge run, the scheme simulation and the
affordability pages, so that a simulated amount, a charge and an affordability figure are worked
out from the same facts.

Each reader loads the facts of many households in a fixed number of queries (declarations and
residents one query each, whatever the number of households and months).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from fractions import Fraction

from common.equivalence import modified_oecd_scale
from common.money import cents_half_even
from common.months import last_of_month
from community.money.contribution_methods import HouseholdFacts
from members.models import Household, IncomeDeclaration
from members.selectors import Declarations, ages_in, birth_years, declarations_by_household

__all__ = [
    "ADULT_AGE",
    "Presence",
    "first_day_lived",
    "household_facts",
    "month_facts",
    "month_facts_from",
    "presence",
    "prorate",
]

ADULT_AGE = 18  # HUD counts dependants under 18 (24 CFR 5.603)


# --- Presence ----------------------------------------------------------------------------


@dataclass(frozen=True)
class Presence:
    reference_day: dt.date  # the first day the household lives there in the month
    days: int
    days_in_month: int

    @property
    def whole_month(self) -> bool:
        return self.days == self.days_in_month


def first_day_lived(household: Household, month: dt.date) -> dt.date:
    """The first day of ``month`` (its first day) the household lives there: the day whose
    income declaration places it for the month."""
    return max(household.move_in, month)


def presence(household: Household, month: dt.date) -> Presence:
    """Days lived in the month, the move-in and move-out days included: moving in on the
    15th of a 30-day month is 16 days."""
    last = last_of_month(month)
    start = first_day_lived(household, month)
    end = min(household.move_out or last, last)
    return Presence(start, (end - start).days + 1, last.day)


def prorate(full_month_cents: int, days: Presence) -> int:
    """What a household living there part of the month pays: its full-month amount × days
    lived ÷ days in the month, rounded half-even (the charge run's rule)."""
    if days.whole_month:
        return full_month_cents
    return cents_half_even(Fraction(full_month_cents * days.days, days.days_in_month))


# --- The formulas' facts -----------------------------------------------------------------


def household_facts(
    household: Household, declaration: IncomeDeclaration | None, ages: Sequence[int]
) -> HouseholdFacts:
    """The facts a contribution method may know of one household in one month."""
    dependants = sum(1 for age in ages if age < ADULT_AGE)
    if dependants == len(ages):
        dependants -= 1  # the head of a household of minors is no dependant
    return HouseholdFacts(
        key=household.pk,
        disposable_cents=declaration.disposable_monthly_cents if declaration else None,
        gross_cents=declaration.gross_monthly_cents if declaration else None,
        equivalence_scale=modified_oecd_scale(ages=ages),
        # A size of 0 is the default "unknown": the formula then asks for it.
        unit_area_m2=household.unit_area_m2 or None,
        dependants=dependants,
        elderly_or_disabled=declaration.elderly_or_disabled if declaration else False,
        medical_costs_cents=declaration.medical_costs_cents if declaration else 0,
        childcare_costs_cents=declaration.childcare_costs_cents if declaration else 0,
    )


def month_facts(
    households: Sequence[Household], month: dt.date, days: Mapping[int, Presence]
) -> tuple[list[HouseholdFacts], dict[int, IncomeDeclaration]]:
    """The facts of the households for ``month`` and the declaration each was placed by: the
    latest valid on the first day it lives there in the month. Two queries."""
    return month_facts_from(
        households,
        month,
        days,
        declarations_by_household(households, last_of_month(month)),
        birth_years(households),
    )


def month_facts_from(
    households: Sequence[Household],
    month: dt.date,
    days: Mapping[int, Presence],
    declarations: Declarations,
    years: Mapping[int, list[int]],
) -> tuple[list[HouseholdFacts], dict[int, IncomeDeclaration]]:
    """``month_facts`` from declarations and birth years already read (for many months at
    once): no query."""
    facts: list[HouseholdFacts] = []
    placed_by: dict[int, IncomeDeclaration] = {}
    for household in households:
        declaration = declarations.on(household.pk, days[household.pk].reference_day)
        if declaration is not None:
            placed_by[household.pk] = declaration
        facts.append(
            household_facts(household, declaration, ages_in(years.get(household.pk), month.year))
        )
    return facts, placed_by
