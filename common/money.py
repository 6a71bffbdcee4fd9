"""Money is integer cents; exact amounts are rounded to a cent half to even (banker's rounding),
so that rounding many amounts does not drift in one direction."""

from __future__ import annotations

from decimal import Decimal
from fractions import Fraction


def div_half_even(numerator: int, denominator: int) -> int:
    """numerator / denominator rounded half to even, in integers (denominator > 0)."""
    quotient, remainder = divmod(numerator, denominator)
    twice = 2 * remainder
    if twice > denominator or (twice == denominator and quotient % 2):
        quotient += 1
    return quotient


def cents_half_even(x: Fraction | Decimal | int) -> int:
    """An exact amount of cents rounded half to even (banker's rounding): 2.5 → 2, 3.5 → 4."""
    x = Fraction(x)
    return div_half_even(x.numerator, x.denominator)
