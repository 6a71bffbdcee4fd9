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

from community.money.contribution_methods import cents_half_even

__all__ = [
    "OVERBURDEN_THRESHOLD",
    "POVERTY_LINE_SHARE",
    "SEVERE_BURDEN",
    "SQUARE_ROOT_SCALE_LABEL",
    "THIRTY_PERCENT_RULE",
    "HouseholdAffordability",
    "household_affordability",
    "housing_cost_ratio",
    "median",
    "equivalised_income_cents",
    "modified_oecd_scale",
    "square_root_scale",
]

OVERBURDEN_THRESHOLD = Fraction(40, 100)  # Eurostat SI-S5 / ilc_lvho07a
THIRTY_PERCENT_RULE = Fraction(30, 100)  # US, of gross income
SEVERE_BURDEN = Fraction(50, 100)  # US, of gross income
POVERTY_LINE_SHARE = Fraction(60, 100)  # Eurostat at-risk-of-poverty threshold
ADULT_AGE = 14  # the modified OECD scale counts everyone aged 14 and over as an adult

SQUARE_ROOT_SCALE_LABEL = "OECD AHD HC1.2: square root of household size"


def modified_oecd_scale(*, ages: Sequence[int]) -> Fraction:
    """The modified OECD equivalence scale (Eurostat; DESIGN.md §4): 1 for the first person
    aged 14 or over, 1/2 for each other person aged 14 or over, 3/10 for each child under 14.

    A household of minors only still has a head: its first child counts as the first adult.
    No ages at all give 1, a household of one.

    >>> modified_oecd_scale(ages=[40, 38, 10, 6])
    Fraction(21, 10)
    """
    adults = sum(1 for age in ages if age >= ADULT_AGE)
    children = len(ages) - adults
    if adults == 0:
        return 1 + Fraction(3, 10) * max(children - 1, 0)
    return 1 + Fraction(1, 2) * (adults - 1) + Fraction(3, 10) * children


def equivalised_income_cents(*, disposable_cents: int, ages: Sequence[int]) -> int:
    """Disposable monthly income ÷ the modified OECD scale (Eurostat), half-even to the cent."""
    return cents_half_even(Fraction(disposable_cents) / modified_oecd_scale(ages=ages))


def square_root_scale(*, size: int) -> Decimal:
    """The square-root equivalence scale, √(household size): the convention of the OECD
    Affordable Housing Database (HC1.2), shown beside the modified OECD scale and labelled
    ``SQUARE_ROOT_SCALE_LABEL``. Irrational in general, so a Decimal to 28 significant digits."""
    if size < 1:
        raise ValueError("a household has at least one member")
    with localcontext() as context:
        context.prec = 28
        return Decimal(size).sqrt()


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
