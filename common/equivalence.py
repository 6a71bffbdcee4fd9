"""Equivalence scales: how many "adult equivalents" a household is, so that incomes of
households of different sizes compare (DESIGN.md §4).

- the modified OECD scale (Eurostat): 1.0 for the first person aged 14 or over, 0.5 for each
  other person aged 14 and over, 0.3 for each child under 14;
- the square root of the household size: the convention of the OECD Affordable Housing Database
  (indicator HC1.2), offered beside it and labelled.
"""

from __future__ import annotations

from collections.abc import Sequence
from decimal import Decimal, localcontext
from fractions import Fraction

from common.money import cents_half_even

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
