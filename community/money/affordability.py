"""Affordability of housing for one household and month (DESIGN.md §4).

Pure arithmetic: no ORM, no clock, no I/O; amounts in integer cents, ratios as exact Fractions.

Sources:
- housing cost ratio and overburden — Eurostat, housing cost overburden rate (SDG indicator
  SI-S5 / ilc_lvho07a): housing costs (rent, mortgage interest, utilities, maintenance, charges;
  not mortgage principal) net of housing allowances, over disposable income net of housing
  allowances; a household is overburdened above 40 %. The median ratio is the companion
  indicator (ilc_lvho07a's median).
- the 30 % rule — US practice (HUD): housing costs above 30 % of gross income are a burden,
  above 50 % a severe burden.
- equivalised income — disposable income ÷ the modified OECD equivalence scale (Eurostat: 1.0
  for the first adult, 0.5 for each other person aged 14 and over, 0.3 for each child under 14);
  the OECD Affordable Housing Database (indicator HC1.2) divides by the square root of the
  household size instead: offered as the second, labelled, convention.
- at risk of poverty — Eurostat: equivalised disposable income below 60 % of the national
  median equivalised disposable income.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from decimal import Decimal, localcontext
from fractions import Fraction

from common.equivalence import modified_oecd_scale, square_root_scale
from common.money import cents_half_even

__all__ = [
    "OVERBURDEN_THRESHOLD",
    "POVERTY_LINE_SHARE",
    "SEVERE_BURDEN",
    "THIRTY_PERCENT_RULE",
    "HouseholdAffordability",
    "household_affordability",
    "housing_cost_ratio",
    "median",
]

OVERBURDEN_THRESHOLD = Fraction(40, 100)  # Eurostat SI-S5 / ilc_lvho07a
THIRTY_PERCENT_RULE = Fraction(30, 100)  # US, of gross income
SEVERE_BURDEN = Fraction(50, 100)  # US, of gross income
POVERTY_LINE_SHARE = Fraction(60, 100)  # Eurostat at-risk-of-poverty threshold


def housing_cost_ratio(
    *, housing_cost_cents: int, disposable_cents: int, housing_allowance_cents: int = 0
) -> Fraction | None:
    """(housing costs − housing allowances) ÷ (disposable income − housing allowances), the
    Eurostat housing cost ratio (SI-S5 / ilc_lvho07a). None when the income net of allowances is
    zero or negative: the ratio means nothing there. An allowance larger than the housing costs
    leaves no burden (0), not a negative one."""
    income = disposable_cents - housing_allowance_cents
    if income <= 0:
        return None
    return Fraction(max(housing_cost_cents - housing_allowance_cents, 0), income)


@dataclass(frozen=True)
class HouseholdAffordability:
    """One household's month. A figure is None where its income is unknown or not positive."""

    housing_cost_cents: int  # charge + utilities, before allowances
    ratio: Fraction | None  # Eurostat housing cost ratio, net of allowances
    overburdened: bool | None  # ratio > 40 %
    gross_ratio: Fraction | None  # housing cost net of allowances ÷ gross income (US)
    thirty_percent_rule: bool | None  # gross_ratio > 30 %: cost burdened
    severely_burdened: bool | None  # gross_ratio > 50 %
    equivalised_cents: int | None  # disposable ÷ modified OECD scale, monthly
    equivalised_sqrt_cents: int | None  # disposable ÷ √size (OECD AHD HC1.2), monthly
    at_risk_of_poverty: bool | None  # None also when the city sets no national median
    residual_cents: int | None  # disposable income − housing costs


def household_affordability(
    *,
    charge_cents: int,
    utilities_cents: int,
    housing_allowance_cents: int,
    disposable_cents: int | None,
    gross_cents: int | None,
    ages: Sequence[int],
    poverty_line_annual_cents: int | None,
) -> HouseholdAffordability:
    """The affordability indicators of DESIGN.md §4 for one household and month.

    ``poverty_line_annual_cents`` is the national median equivalised disposable income per year
    (the city's reference): the household is at risk of poverty when 12 × its monthly
    equivalised disposable income is below 60 % of it (Eurostat). Disposable income includes
    housing allowances (Eurostat's definition), so the residual income — what is left after
    housing costs — is disposable − (charge + utilities), the same as net of allowances on both
    sides.
    """
    cost = charge_cents + utilities_cents
    net_cost = max(cost - housing_allowance_cents, 0)
    ratio = (
        housing_cost_ratio(
            housing_cost_cents=cost,
            disposable_cents=disposable_cents,
            housing_allowance_cents=housing_allowance_cents,
        )
        if disposable_cents is not None
        else None
    )
    gross_ratio = Fraction(net_cost, gross_cents) if gross_cents else None
    equivalised = sqrt_equivalised = at_risk = residual = None
    if disposable_cents is not None:
        size = max(len(ages), 1)
        exact = Fraction(disposable_cents) / modified_oecd_scale(ages=ages)
        equivalised = cents_half_even(exact)
        with localcontext() as context:
            context.prec = 28
            sqrt_equivalised = cents_half_even(
                Decimal(disposable_cents) / square_root_scale(size=size)
            )
        if poverty_line_annual_cents is not None:
            at_risk = 12 * exact < POVERTY_LINE_SHARE * poverty_line_annual_cents
        residual = disposable_cents - cost
    return HouseholdAffordability(
        housing_cost_cents=cost,
        ratio=ratio,
        overburdened=None if ratio is None else ratio > OVERBURDEN_THRESHOLD,
        gross_ratio=gross_ratio,
        thirty_percent_rule=None if gross_ratio is None else gross_ratio > THIRTY_PERCENT_RULE,
        severely_burdened=None if gross_ratio is None else gross_ratio > SEVERE_BURDEN,
        equivalised_cents=equivalised,
        equivalised_sqrt_cents=sqrt_equivalised,
        at_risk_of_poverty=at_risk,
        residual_cents=residual,
    )


def median(values: Sequence[Fraction | int]) -> Fraction | None:
    """The exact median (the mean of the two middle values for an even count); None when empty.
    Eurostat publishes the median housing cost ratio beside the overburden rate."""
    if not values:
        return None
    ordered = sorted(Fraction(value) for value in values)
    middle = len(ordered) // 2
    if len(ordered) % 2:
        return ordered[middle]
    return (ordered[middle - 1] + ordered[middle]) / 2
