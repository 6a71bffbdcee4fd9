"""Contribution methods: what each household pays, per month, towards its project's budget.

Pure arithmetic (DESIGN.md §4): no ORM, no clock, no I/O. Money is integer cents, exact
arithmetic is ``int`` and ``Fraction``, rates are decimal strings of percent kept exact; a float
never touches an amount. A single amount is rounded half-even to the cent; a run that must cover
the budget exactly (flat, solidarity) gives the leftover cents by largest remainder (the Hamilton
method), ties going to the smaller household key.

The methods, their parameters and their sources (the parameters are validated and given their
defaults in ``community.money.contribution_parameters``):

- ``flat`` — the budget divided equally, or by unit size (m² share). ``{"basis": "equal" |
  "unit_area"}``. Covers the budget to the cent.
- ``income_share`` — rate × monthly disposable income, clamped to a floor and a cap; the cap is
  usually the unit's cost-price share (``"cap": "cost_share"``). Does not aim at the budget: the
  result reports the shortfall or surplus against it.
- ``income_bands`` — a table of income bands (disposable or equivalised income), each with a fixed
  amount or a rate of the household's disposable income.
- ``greatest_of`` — US HUD Total Tenant Payment (24 CFR 5.628): the greatest of 30 % of monthly
  adjusted income, 10 % of monthly gross income and a minimum rent (up to $50, 24 CFR 5.630, with a
  hardship exemption). Adjusted income (24 CFR 5.611, as amended by HOTMA) = annual income − $480
  per dependant − $525 for an elderly or disabled family − medical and care costs above 10 % of
  annual income − child-care costs. Every figure is a parameter; the defaults are HUD's.
- ``solidarity`` — cost-covering: the rate r with Σ clamp(r·yᵢ, floorᵢ, capᵢ) = B, yᵢ the
  household's disposable or equivalised (modified OECD scale) income, solved exactly by sorting
  the breakpoints, O(n log n). If Σcap < B the run reports the shortfall (a solidarity fund or a
  subsidy covers it), if Σfloor > B the surplus.

Households without an income declaration cannot be placed by an income method. The parameter
``missing_income`` says how they are treated: ``"cap"`` (the default) — they pay their cap, or
their cost share where the scheme has no cap, the usual rule that whoever does not declare pays
the full cost; ``"floor"`` — they are treated as having no income (the floor, the minimum rent or
the first band). The result lists them under the warning ``missing_income`` and marks their line.
"""

from __future__ import annotations

import math
from bisect import bisect_right
from collections.abc import Hashable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from decimal import Decimal
from fractions import Fraction
from operator import itemgetter
from typing import Any

from django.core.exceptions import ValidationError
from django.utils.translation import gettext_lazy as _

from common.money import cents_half_even, div_half_even
from community.money.contribution_parameters import (
    Method,
    coded_error,
    is_int,
    validate_parameters,
)

__all__ = [
    "ContributionResult",
    "HouseholdFacts",
    "compute_contributions",
    "largest_remainder",
]


# --- exact rounding -------------------------------------------------------------------------


def _key_ranks(keys: Sequence[Hashable]) -> list[int]:
    """Each key's position in sorted order: ties in the largest remainder go to the smaller key.
    Keys that cannot be compared (mixed types) keep the order they were given in."""
    try:
        order = sorted(range(len(keys)), key=keys.__getitem__)
    except TypeError:
        order = list(range(len(keys)))
    ranks = [0] * len(keys)
    for rank, index in enumerate(order):
        ranks[index] = rank
    return ranks


def _apportion(numerators: Sequence[int], denominator: int, total: int, ranks: Sequence[int]):
    """Round the exact amounts numeratorᵢ / denominator, which add up to ``total``, to integers
    that add up to ``total``: everyone gets the integer part, the leftover units go one each to the
    largest fractional parts (Hamilton's largest remainder method). Only an amount with a
    fractional part is raised, so an integer floor or cap that the exact amount respects is
    respected by the rounded one, and a larger exact amount never rounds below a smaller one."""
    floors: list[int] = []
    remainders: list[int] = []
    for numerator in numerators:
        quotient, remainder = divmod(numerator, denominator)
        floors.append(quotient)
        remainders.append(remainder)
    leftover = total - sum(floors)
    if leftover:
        candidates = [i for i, remainder in enumerate(remainders) if remainder]
        if not 0 < leftover <= len(candidates):
            raise ValueError("the exact amounts do not add up to the total")
        candidates.sort(key=lambda i: (-remainders[i], ranks[i]))
        for i in candidates[:leftover]:
            floors[i] += 1
    return floors


def largest_remainder(
    shares: Mapping[Hashable, Fraction | Decimal | int], total_cents: int
) -> dict[Hashable, int]:
    """Split ``total_cents`` in proportion to ``shares`` (non-negative weights: exact amounts,
    m², or anything proportional to them) so that the parts add up to the total exactly: the
    integer parts first, then one cent each to the largest remainders, ties to the smaller key
    (Hamilton's method, the rule DESIGN.md §4 sets for the leftover cents).

    >>> largest_remainder({"a": 1, "b": 1, "c": 1}, 10000)
    {'a': 3334, 'b': 3333, 'c': 3333}
    """
    if total_cents < 0:
        raise ValueError("the total cannot be negative")
    keys = list(shares)
    values = [Fraction(value) for value in shares.values()]
    if any(value < 0 for value in values):
        raise ValueError("a share cannot be negative")
    if not keys:
        if total_cents:
            raise ValueError("nobody to share the total between")
        return {}
    common = math.lcm(*(value.denominator for value in values))
    weights = [value.numerator * (common // value.denominator) for value in values]
    weight_total = sum(weights)
    if weight_total == 0:
        if total_cents:
            raise ValueError("every share is zero")
        return dict.fromkeys(keys, 0)
    amounts = _apportion(
        [total_cents * weight for weight in weights], weight_total, total_cents, _key_ranks(keys)
    )
    return dict(zip(keys, amounts, strict=True))


def _decimal_str(x: Fraction, places: int = 10) -> str:
    """A rate for a JSON breakdown: exact when it has at most ``places`` decimals, else rounded."""
    scaled = cents_half_even(x * 10**places)
    return format(Decimal(scaled).scaleb(-places).normalize(), "f")


# --- the facts and the result ---------------------------------------------------------------


@dataclass(frozen=True)
class HouseholdFacts:
    """What a method may know about one household, for one month."""

    key: Hashable  # the household id
    disposable_cents: int | None  # monthly disposable income; None: no declaration
    gross_cents: int | None  # monthly gross income
    equivalence_scale: Fraction  # modified OECD scale of the household (>= 1)
    unit_area_m2: Decimal | None
    # Members other than head and spouse who are under 18, disabled or full-time students
    # (HUD's "dependent", 24 CFR 5.603).
    dependants: int = 0
    elderly_or_disabled: bool = False
    medical_costs_cents: int = 0  # monthly unreimbursed medical and care costs
    childcare_costs_cents: int = 0  # monthly

    def __post_init__(self) -> None:
        # The database holds these invariants; a breach here is a programming error.
        for name in ("disposable_cents", "gross_cents"):
            value = getattr(self, name)
            if value is not None and (not is_int(value) or value < 0):
                raise ValueError(f"{name} must be a non-negative integer or None")
        for name in ("dependants", "medical_costs_cents", "childcare_costs_cents"):
            value = getattr(self, name)
            if not is_int(value) or value < 0:
                raise ValueError(f"{name} must be a non-negative integer")
        scale = Fraction(self.equivalence_scale)
        if scale < 1:
            raise ValueError("equivalence_scale must be at least 1")
        object.__setattr__(self, "equivalence_scale", scale)
        if self.unit_area_m2 is not None:
            area = Decimal(self.unit_area_m2)
            if not area.is_finite() or area < 0:
                raise ValueError("unit_area_m2 must be a non-negative number or None")
            object.__setattr__(self, "unit_area_m2", area)


@dataclass(frozen=True)
class ContributionResult:
    """Amounts per household key, with a JSON-serialisable breakdown line per household.

    ``warnings`` holds codes, each at most once, in the order met: ``missing_income``
    (households without a declaration, treated as ``missing_income`` says; their lines say
    how), ``zero_income`` (solidarity: households without income pay the floor),
    ``floor_above_cap`` (a cost-share cap below the floor; the floor is lowered to it),
    ``no_households``, ``shortfall`` and ``surplus``.
    """

    amounts: dict[Hashable, int]
    lines: dict[Hashable, dict[str, Any]]
    total_cents: int
    budget_cents: int
    shortfall_cents: int  # > 0 when the method does not reach the budget (caps too low …)
    surplus_cents: int  # > 0 when the total exceeds it (floors too high …)
    rate: Fraction | None = None  # solidarity: the rate r applied to each household's income
    warnings: tuple[str, ...] = field(default=())


# --- computing ------------------------------------------------------------------------------


def _percent(text: str) -> Fraction:
    return Fraction(Decimal(text)) / 100


class _Run:
    """One computation: the households, their tie-break ranks and their cost shares."""

    def __init__(self, households: Sequence[HouseholdFacts], params: dict, budget: int) -> None:
        self.households = list(households)
        self.keys = [household.key for household in self.households]
        self.params = params
        self.budget = budget
        self.ranks = _key_ranks(self.keys)
        self.warnings: list[str] = []
        self._cost_shares: list[int] | None = None

    def warn(self, code: str) -> None:
        if code not in self.warnings:
            self.warnings.append(code)

    def split(self, basis: str, field_name: str) -> list[int]:
        """The budget split equally or by m², to the cent (flat, and the cost share)."""
        if not self.households:
            return []
        if basis == "equal":
            return _apportion(
                [self.budget] * len(self.keys), len(self.keys), self.budget, self.ranks
            )
        areas = [household.unit_area_m2 for household in self.households]
        missing = [key for key, area in zip(self.keys, areas, strict=True) if not area]
        if missing:
            raise ValidationError(
                {
                    field_name: [
                        coded_error(
                            _(
                                "Splitting by unit size needs the size of every unit; "
                                "%(count)s households have none."
                            ),
                            "missing_unit_area",
                            count=len(missing),
                        )
                    ]
                }
            )
        fractions = [Fraction(area) for area in areas]
        common = math.lcm(*(f.denominator for f in fractions))
        weights = [f.numerator * (common // f.denominator) for f in fractions]
        return _apportion(
            [self.budget * weight for weight in weights], sum(weights), self.budget, self.ranks
        )

    def cost_shares(self) -> list[int]:
        if self._cost_shares is None:
            shares = self.split(self.params["cost_share_basis"], "cost_share_basis")
            percent = _percent(self.params["cost_share_percent"])
            if percent != 1:
                shares = [
                    div_half_even(share * percent.numerator, percent.denominator)
                    for share in shares
                ]
            self._cost_shares = shares
        return self._cost_shares

    def caps(self) -> list[int | None]:
        if self.params.get("cap") == "cost_share":
            return list(self.cost_shares())
        return [self.params.get("cap_cents")] * len(self.households)

    def floors(self, floor: int, caps: Sequence[int | None]) -> list[int]:
        """The floor, lowered to the cap where a household's cap (its cost share) is below it."""
        floors = []
        for cap in caps:
            if cap is not None and cap < floor:
                self.warn("floor_above_cap")
                floors.append(cap)
            else:
                floors.append(floor)
        return floors

    def missing_amount(self, index: int, cap: int | None) -> int:
        """What a household without an income declaration pays under ``missing_income="cap"``."""
        return cap if cap is not None else self.cost_shares()[index]

    def income(self, household: HouseholdFacts, kind: str) -> tuple[int, int] | None:
        """The household's monthly disposable or equivalised income as an exact fraction
        (numerator, denominator) of cents; integers keep 20 000 households fast."""
        disposable = household.disposable_cents
        if disposable is None:
            return None
        if kind != "equivalised":
            return disposable, 1
        scale = household.equivalence_scale
        numerator, denominator = disposable * scale.denominator, scale.numerator
        divisor = math.gcd(numerator, denominator)
        return numerator // divisor, denominator // divisor

    def result(self, amounts: list[int], lines: list[dict], rate: Fraction | None = None):
        total = sum(amounts)
        shortfall = max(self.budget - total, 0)
        surplus = max(total - self.budget, 0)
        if not self.households:
            self.warn("no_households")
        if shortfall:
            self.warn("shortfall")
        if surplus:
            self.warn("surplus")
        return ContributionResult(
            amounts=dict(zip(self.keys, amounts, strict=True)),
            lines=dict(zip(self.keys, lines, strict=True)),
            total_cents=total,
            budget_cents=self.budget,
            shortfall_cents=shortfall,
            surplus_cents=surplus,
            rate=rate,
            warnings=tuple(self.warnings),
        )


def _flat(run: _Run) -> ContributionResult:
    """Budget ÷ households, or by m² share (DESIGN.md §4, flat); exact to the cent."""
    basis = run.params["basis"]
    amounts = run.split(basis, "basis")
    lines = []
    for household, amount in zip(run.households, amounts, strict=True):
        line: dict[str, Any] = {"rule": "flat", "basis": basis, "amount_cents": amount}
        if basis == "unit_area":
            line["unit_area_m2"] = format(household.unit_area_m2, "f")
        lines.append(line)
    return run.result(amounts, lines)


def _clamp_line(base: int, floor: int, cap: int | None) -> tuple[int, str]:
    if base < floor:
        return floor, "floor"
    if cap is not None and base > cap:
        return cap, "cap"
    return base, "rate"


def _missing_line(run: _Run, index: int, cap: int | None) -> tuple[int, dict]:
    run.warn("missing_income")
    amount = run.missing_amount(index, cap)
    line: dict[str, Any] = {"rule": "missing_income", "treatment": "cap", "amount_cents": amount}
    if cap is None:
        line["cost_share_cents"] = amount
    else:
        line["cap_cents"] = cap
    return amount, line


def _income_share(run: _Run) -> ContributionResult:
    """clamp(rate × monthly disposable income, floor, cap) (DESIGN.md §4, income share), each
    rounded half-even; not budget-covering, the result reports the gap to the budget."""
    params = run.params
    rate = _percent(params["rate_percent"])
    rate_text = _decimal_str(rate)
    caps = run.caps()
    floors = run.floors(params["floor_cents"], caps)
    treat_as_zero = params["missing_income"] == "floor"
    amounts, lines = [], []
    for index, household in enumerate(run.households):
        cap, floor = caps[index], floors[index]
        income = household.disposable_cents
        if income is None and not treat_as_zero:
            amount, line = _missing_line(run, index, cap)
        else:
            missing = income is None
            if missing:
                run.warn("missing_income")
                income = 0
            base = div_half_even(rate.numerator * income, rate.denominator)
            amount, rule = _clamp_line(base, floor, cap)
            line = {
                "rule": rule,
                "income_cents": income,
                "rate": rate_text,
                "base_cents": base,
                "floor_cents": floor,
                "cap_cents": cap,
                "amount_cents": amount,
            }
            if missing:
                line["missing_income"] = "floor"
        amounts.append(amount)
        lines.append(line)
    return run.result(amounts, lines)


def _income_bands(run: _Run) -> ContributionResult:
    """The band of the household's (disposable or equivalised) income sets a fixed amount or a
    rate of its disposable income (DESIGN.md §4, income bands). The rate applies to disposable
    income even when bands are read on equivalised income: equivalised income places households
    of different sizes fairly, but the money they pay comes out of what they actually have."""
    params = run.params
    kind = params["income"]
    bands = params["bands"]
    starts = [band["from_cents"] for band in bands]
    rates = [_percent(band["rate_percent"]) if "rate_percent" in band else None for band in bands]
    rate_texts = [None if rate is None else _decimal_str(rate) for rate in rates]
    treat_as_zero = params["missing_income"] == "floor"
    amounts, lines = [], []
    for index, household in enumerate(run.households):
        income = run.income(household, kind)
        if income is None and not treat_as_zero:
            amount, line = _missing_line(run, index, None)
        else:
            missing = income is None
            if missing:
                run.warn("missing_income")
                income = (0, 1)
            # Band limits are whole cents, so the integer part of the income finds the band.
            number = bisect_right(starts, income[0] // income[1]) - 1
            band = bands[number]
            line = {
                "rule": "band",
                "band": number + 1,
                "income": kind,
                "income_cents": div_half_even(*income),
                "from_cents": band["from_cents"],
                "to_cents": band["to_cents"],
            }
            if "amount_cents" in band:
                amount = band["amount_cents"]
            else:
                rate = rates[number]
                disposable = household.disposable_cents or 0
                amount = div_half_even(rate.numerator * disposable, rate.denominator)
                line["rate"] = rate_texts[number]
                line["disposable_cents"] = disposable
            line["amount_cents"] = amount
            if missing:
                line["missing_income"] = "floor"
        amounts.append(amount)
        lines.append(line)
    return run.result(amounts, lines)


def _greatest_of(run: _Run) -> ContributionResult:
    """US HUD Total Tenant Payment (24 CFR 5.628): the greatest of ``adjusted_rate_percent`` of
    monthly adjusted income, ``gross_rate_percent`` of monthly gross income and
    ``minimum_cents`` (24 CFR 5.630; none under ``hardship_exemption``), then at most the cap.

    Annual adjusted income (24 CFR 5.611) = 12 × monthly income − ``dependant_allowance_cents``
    per dependant − ``elderly_allowance_cents`` for an elderly or disabled family − the medical
    and care costs above ``medical_threshold_percent`` of annual income (HUD: for elderly or
    disabled families only, ``medical_deduction``) − child-care costs (``deduct_childcare``),
    never below 0; monthly adjusted income = annual ÷ 12.

    Ontario's rent-geared-to-income (O. Reg. 316/19, s. 2: 30 % of the adjusted family net
    income ÷ 12, with a minimum rent of $129 a month from July 2020, indexed every July; at most
    the unit's market rent) is the same method with other parameters; the household's net
    income (tax return line 23600) goes in the gross field::

        {"income": "gross", "adjusted_rate_percent": "30", "gross_rate_percent": "0",
         "minimum_cents": 12900, "dependant_allowance_cents": 0, "elderly_allowance_cents": 0,
         "medical_deduction": "none", "deduct_childcare": False, "cap_cents": 145000}

    A family earning 3 000 $ net a month then pays max(0.30 × 36 000 / 12, 129) = 900 $.
    """
    params = run.params
    rates = (
        _percent(params["adjusted_rate_percent"]),
        _percent(params["gross_rate_percent"]),
        _percent(params["medical_threshold_percent"]),
    )
    minimum = 0 if params["hardship_exemption"] else params["minimum_cents"]
    caps = run.caps()
    treat_as_zero = params["missing_income"] == "floor"
    amounts, lines = [], []
    for index, household in enumerate(run.households):
        cap = caps[index]
        income = (
            household.gross_cents if params["income"] == "gross" else household.disposable_cents
        )
        gross = household.gross_cents
        missing = income is None or (gross is None and rates[1] != 0)
        if missing and not treat_as_zero:
            amount, line = _missing_line(run, index, cap)
        else:
            if missing:
                run.warn("missing_income")
                income = gross = 0
            amount, line = _tenant_payment(params, household, income, gross, cap, rates, minimum)
            if missing:
                line["missing_income"] = "floor"
        amounts.append(amount)
        lines.append(line)
    return run.result(amounts, lines)


def _tenant_payment(
    params: dict[str, Any],
    household: HouseholdFacts,
    income: int,
    gross: int | None,
    cap: int | None,
    rates: tuple[Fraction, Fraction, Fraction],
    minimum: int,
) -> tuple[int, dict[str, Any]]:
    """One household's Total Tenant Payment and its breakdown line (``_greatest_of``);
    ``rates`` are the adjusted, gross and medical-threshold rates as fractions."""
    adjusted_rate, gross_rate, threshold = rates
    medical_for = params["medical_deduction"]
    # Exact arithmetic in integers: the annual figures are kept as numerators over the
    # threshold's denominator, each candidate as a (numerator, denominator) pair.
    t_num, t_den = threshold.numerator, threshold.denominator
    annual = 12 * income
    dependant_deduction = household.dependants * params["dependant_allowance_cents"]
    elderly_deduction = params["elderly_allowance_cents"] if household.elderly_or_disabled else 0
    medical_num = 0  # over t_den
    if medical_for == "all" or (
        medical_for == "elderly_or_disabled" and household.elderly_or_disabled
    ):
        medical_num = max(12 * household.medical_costs_cents * t_den - t_num * annual, 0)
    childcare_deduction = 12 * household.childcare_costs_cents if params["deduct_childcare"] else 0
    adjusted_num = max(  # annual adjusted income, over t_den
        (annual - dependant_deduction - elderly_deduction - childcare_deduction) * t_den
        - medical_num,
        0,
    )
    candidates = {
        "adjusted": (
            adjusted_rate.numerator * adjusted_num,
            adjusted_rate.denominator * t_den * 12,
        ),
        "gross": (gross_rate.numerator * (gross or 0), gross_rate.denominator),
        "minimum": (minimum, 1),
    }
    # The first of equal candidates names the rule: HUD lists them in this order.
    rule = "adjusted"
    for name in ("gross", "minimum"):
        num, den = candidates[name]
        best_num, best_den = candidates[rule]
        if num * best_den > best_num * den:
            rule = name
    amount = div_half_even(*candidates[rule])
    if cap is not None and amount > cap:
        amount, rule = cap, "cap"
    line = {
        "rule": rule,
        "income": params["income"],
        "annual_income_cents": annual,
        "deductions": {
            "dependants_cents": dependant_deduction,
            "elderly_or_disabled_cents": elderly_deduction,
            "medical_cents": div_half_even(medical_num, t_den),
            "childcare_cents": childcare_deduction,
        },
        "adjusted_annual_cents": div_half_even(adjusted_num, t_den),
        "adjusted_monthly_cents": div_half_even(adjusted_num, 12 * t_den),
        "candidates": {name: div_half_even(*pair) for name, pair in candidates.items()},
        "cap_cents": cap,
        "amount_cents": amount,
    }
    return amount, line


def _solidarity(run: _Run) -> ContributionResult:
    """Cost-covering solidarity (DESIGN.md §4): the rate r with Σ clamp(r·yᵢ, floorᵢ, capᵢ) = B.

    S(r) = Σ clamp(r·yᵢ, floorᵢ, capᵢ) is continuous, non-decreasing and piecewise linear, its
    breakpoints the rates floorᵢ/yᵢ (below it household i pays its floor) and capᵢ/yᵢ (above it,
    its cap). Sweeping the sorted breakpoints while keeping S's constant part and slope gives the
    segment where S reaches B, and r on it exactly: O(n log n) in Fractions and integers, no
    trial and error. The exact amounts r·yᵢ add up to B; rounding them by largest remainder keeps
    the total at B to the cent, never crosses an (integer) floor or cap, and never makes a
    household with less income pay more than one with more under the same floor and cap.

    Households with no income pay their floor; households without a declaration are set aside
    by ``missing_income`` first, and the others cover what remains of the budget.
    """
    params = run.params
    kind = params["income"]
    caps = run.caps()
    floors = run.floors(params["floor_cents"], caps)
    n = len(run.households)
    fixed, participants, incomes = _solidarity_set_aside(run, kind, floors, caps)

    # Scale the incomes to integers (equivalised incomes are fractions of a cent) so the sweep
    # and the rounding run on integers: rate ρ on the integer Yᵢ = L·yᵢ is the rate ρ·L on yᵢ.
    common = math.lcm(*(den for _num, den in incomes)) if incomes else 1
    scaled = [num * (common // den) for num, den in incomes]
    p_floors = [floors[i] for i in participants]
    p_caps = [caps[i] for i in participants]
    target = run.budget - sum(amount for amount, _line in fixed.values())
    lowest = sum(p_floors)
    highest = None if None in p_caps else sum(p_caps)

    rate: Fraction | None = None
    numerators: list[int]
    if target < lowest or not participants:
        denominator = 1
        numerators = list(p_floors)
        rules = ["floor"] * len(participants)
    elif highest is not None and target > highest:
        denominator = 1
        numerators = list(p_caps)
        rules = ["cap"] * len(participants)
    else:
        scaled_rate = _solve(scaled, p_floors, p_caps, target)
        rate = scaled_rate * common
        p, denominator = scaled_rate.numerator, scaled_rate.denominator
        numerators, rules = [], []
        for y, floor, cap in zip(scaled, p_floors, p_caps, strict=True):
            value = p * y
            if value <= floor * denominator:
                numerators.append(floor * denominator)
                rules.append("floor")
            elif cap is not None and value >= cap * denominator:
                numerators.append(cap * denominator)
                rules.append("cap")
            else:
                numerators.append(value)
                rules.append("rate")

    rounded = (
        _apportion(numerators, denominator, target, [run.ranks[i] for i in participants])
        if rate is not None
        else numerators
    )
    amounts = [0] * n
    lines: list[dict] = [{} for _ in range(n)]
    for index, (amount, line) in fixed.items():
        amounts[index], lines[index] = amount, line
    rate_text = _decimal_str(rate) if rate is not None else None
    for position, index in enumerate(participants):
        amounts[index] = rounded[position]
        lines[index] = {
            "rule": rules[position],
            "income": kind,
            "income_cents": div_half_even(*incomes[position]),
            "rate": rate_text,
            "floor_cents": p_floors[position],
            "cap_cents": p_caps[position],
            "amount_cents": rounded[position],
        }
    return run.result(amounts, lines, rate)


def _solidarity_set_aside(
    run: _Run, kind: str, floors: list[int], caps: list[int | None]
) -> tuple[dict[int, tuple[int, dict]], list[int], list[tuple[int, int]]]:
    """The households that ``_solidarity`` sets aside, by index with their amount and line
    (without a declaration: their cap or floor, as ``missing_income`` says; without income:
    their floor), and the indexes and incomes of the others, who share the rest."""
    fixed: dict[int, tuple[int, dict]] = {}
    participants: list[int] = []
    incomes: list[tuple[int, int]] = []
    for index, household in enumerate(run.households):
        income = run.income(household, kind)
        if income is None and run.params["missing_income"] == "cap":
            fixed[index] = _missing_line(run, index, caps[index])
        elif income is None or income[0] == 0:
            if income is None:
                run.warn("missing_income")
            else:
                run.warn("zero_income")
            line = {
                "rule": "missing_income" if income is None else "zero_income",
                "treatment": "floor",
                "floor_cents": floors[index],
                "amount_cents": floors[index],
            }
            fixed[index] = (floors[index], line)
        else:
            participants.append(index)
            incomes.append(income)
    return fixed, participants, incomes


def _solve(incomes: list[int], floors: list[int], caps: list[int | None], target: int) -> Fraction:
    """The smallest rate ρ ≥ 0 with Σ clamp(ρ·Yᵢ, floorᵢ, capᵢ) = target, for integer incomes
    Yᵢ > 0, given Σfloor ≤ target ≤ Σcap."""
    # A breakpoint is (approximate value, kind, household, numerator, denominator). Sorting
    # by the float is a cheap C-level sort; the float of an integer quotient is correctly
    # rounded, hence monotone in the exact value, so only breakpoints whose floats tie may be
    # out of exact order, and those runs are put in exact order afterwards.
    events: list[tuple[float, int, int, int, int]] = []
    for i, (y, floor, cap) in enumerate(zip(incomes, floors, caps, strict=True)):
        events.append((floor / y, 0, i, floor, y))
        if cap is not None:
            events.append((cap / y, 1, i, cap, y))
    events.sort(key=itemgetter(0))
    _order_float_ties(events)
    constant = sum(floors)  # S(ρ) = constant + slope·ρ on the current segment
    slope = 0
    for _approx, kind, i, num, den in events:
        if constant * den + slope * num >= target * den:  # S(breakpoint) >= target
            if slope == 0:  # only at the first breakpoint, when target = Σfloor
                return Fraction(num, den)
            return Fraction(target - constant, slope)
        # Events at the same exact rate may come in any order: S is continuous, so each of
        # them leaves constant + slope·rate unchanged at that rate.
        if kind == 0:  # past floorᵢ/Yᵢ household i pays ρ·Yᵢ
            constant -= floors[i]
            slope += incomes[i]
        else:  # past capᵢ/Yᵢ it pays its cap
            constant += caps[i]
            slope -= incomes[i]
    return Fraction(target - constant, slope)


def _order_float_ties(events: list[tuple[float, int, int, int, int]]) -> None:
    """Put runs of breakpoints with equal floats in exact order (in place)."""
    start, count = 0, len(events)
    while start < count:
        value = events[start][0]
        end = start + 1
        while end < count and events[end][0] == value:
            end += 1
        if end - start > 1:
            first_num, first_den = events[start][3], events[start][4]
            if any(e[3] * first_den != first_num * e[4] for e in events[start + 1 : end]):
                events[start:end] = sorted(events[start:end], key=lambda e: Fraction(e[3], e[4]))
        start = end


_COMPUTE = {
    Method.FLAT: _flat,
    Method.INCOME_SHARE: _income_share,
    Method.INCOME_BANDS: _income_bands,
    Method.GREATEST_OF: _greatest_of,
    Method.SOLIDARITY: _solidarity,
}


def compute_contributions(
    *,
    method: str,
    parameters: Mapping,
    households: Sequence[HouseholdFacts],
    budget_cents: int,
) -> ContributionResult:
    """Each household's monthly contribution under ``method`` (DESIGN.md §4), with its
    breakdown, the total and the gap to ``budget_cents``. Invalid parameters, a negative
    budget, a household given twice or a split by unit size without every unit's size raise a
    ``ValidationError`` on the field at fault."""
    params = validate_parameters(method, parameters)
    if not is_int(budget_cents) or budget_cents < 0:
        raise ValidationError(
            {"budget_cents": [coded_error(_("An amount cannot be negative."), "negative")]}
        )
    _check_unique(household.key for household in households)
    run = _Run(households, params, budget_cents)
    return _COMPUTE[Method(method)](run)


def _check_unique(keys: Iterable[Hashable]) -> None:
    seen: set[Hashable] = set()
    for key in keys:
        if key in seen:
            raise ValidationError(
                {
                    "households": [
                        coded_error(_("A household is listed twice."), "duplicate", key=str(key))
                    ]
                }
            )
        seen.add(key)
