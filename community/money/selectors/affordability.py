"""Affordability of a project's housing, month by month, from what households were actually
charged (DESIGN.md §4; the formulas are ``community.affordability``).

For each household and charged month: the housing cost ratio (Eurostat SI-S5 / ilc_lvho07a:
charge + the household's own utilities, net of housing allowances, over disposable income net of
housing allowances), overburdened above 40 %, the US 30 % rule of gross income beside it (severe
above 50 %), equivalised income on the modified OECD scale and on √size (OECD AHD HC1.2), at risk
of poverty below 60 % of the city's national median equivalised income, and the residual income.

Per project and month: households charged, the overburden rate as a share of households and of
residents (the city indicators count residents, DESIGN.md §4), the median ratio (Eurostat's
companion indicator), the 30 %-rule rate and the at-risk-of-poverty rate; for the latest month a
histogram of the ratios. The income valid in a month is the latest declaration valid on the
first day the household lived there that month, as for the charge run. A household without a
declaration (or without any income net of allowances) has no ratio: it is counted apart, never
guessed, and left out of every rate and median.

A month lived in part is judged on the charge's full-month amount, so that a move-in does not
look affordable. Utilities are the household's current monthly figure (no history is kept).

Incomes and per-household figures are the household's and its project's managers' only; the
callers check the user and record each manager's look at other households' figures in the income
access log (``members.selectors.income_declarations_read``).
"""

from __future__ import annotations

import datetime as dt
from bisect import bisect_left
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from fractions import Fraction
from typing import NamedTuple
from zoneinfo import ZoneInfo

from django.core.exceptions import ValidationError
from django.db.models import BigIntegerField, QuerySet
from django.db.models.fields.json import KeyTextTransform
from django.db.models.functions import Cast
from django.utils import timezone
from django.utils.translation import gettext as _

from common.display import percent_text
from common.equivalence import ADULT_AGE as SCALE_ADULT_AGE
from common.equivalence import modified_oecd_scale
from common.months import add_months, first_of_month, last_of_month
from community.money.affordability import (
    OVERBURDEN_THRESHOLD,
    POVERTY_LINE_SHARE,
    SEVERE_BURDEN,
    THIRTY_PERCENT_RULE,
    housing_cost_ratio,
    median,
)
from community.money.affordability import household_affordability as household_month_affordability
from community.money.models import Charge, validate_first_of_month
from community.money.selectors.household_facts import first_day_lived
from members.models import City, Household, HousingProject
from members.selectors import ages_in, birth_years, declarations_by_household

__all__ = [
    "FULL_MONTH_CENTS",
    "HISTOGRAM_EDGES",
    "HistogramBin",
    "HouseholdAffordabilitySeries",
    "HouseholdFigures",
    "MonthFigures",
    "ProjectAffordability",
    "household_affordability",
    "household_figures_for_city",
    "median_ratio",
    "project_affordability",
]

MAX_MONTHS = 120
# A charge's amount for the whole month (the charge run keeps it in the breakdown), read as an
# integer by the database rather than decoded from JSON row by row.
DECLARATION_FIELDS = ("disposable_monthly_cents", "gross_monthly_cents", "housing_allowance_cents")
FULL_MONTH_CENTS = Cast(KeyTextTransform("full_month_cents", "breakdown"), BigIntegerField())
# Upper edges of the histogram bins: 0–10 %, 10–20 %, …, 50–60 %, then above 60 %. A bin holds
# the ratios above its lower edge up to and including its upper edge (0 % in the first), so the
# bins above 40 % count exactly the overburdened households (ratio > 40 %).
HISTOGRAM_EDGES = tuple(Fraction(tenth, 10) for tenth in range(1, 7))


class HistogramBin(NamedTuple):
    label: str
    lower: Fraction | None  # None for the bin of households without a ratio
    upper: Fraction | None  # None: open-ended, or no ratio
    count: int


@dataclass(frozen=True)
class HouseholdFigures:
    household: Household
    month: dt.date
    housing_cost_cents: int  # charge (whole month) + utilities, before allowances
    disposable_cents: int | None  # None: no declaration valid that month
    ratio: Fraction | None  # Eurostat housing cost ratio, net of allowances
    overburdened: bool | None  # ratio > 40 %
    thirty_rule: bool | None  # housing costs > 30 % of gross income (US)
    severely_burdened: bool | None  # > 50 % of gross income
    equivalised_cents: int | None  # disposable ÷ modified OECD scale, monthly
    equivalised_sqrt_cents: int | None  # disposable ÷ √size (OECD AHD HC1.2), monthly
    at_risk_of_poverty: bool | None  # None also when the city sets no national median
    residual_cents: int | None  # disposable − housing costs
    charge_cents: int = 0  # the month's charge for the whole month
    charged_cents: int = 0  # what was charged (a part month prorated)
    utilities_cents: int = 0
    housing_allowance_cents: int = 0
    gross_cents: int | None = None
    gross_ratio: Fraction | None = None
    residents: int = 1

    @property
    def declared(self) -> bool:
        return self.disposable_cents is not None


@dataclass(frozen=True)
class MonthFigures:
    month: dt.date
    households: int  # charged this month
    overburden_rate: Fraction | None  # share of the households with a ratio
    median_ratio: Fraction | None
    thirty_rule_rate: Fraction | None  # share of the households with a gross income
    at_risk_rate: Fraction | None  # None too when the city sets no national median
    overburden_rate_residents: Fraction | None = None  # share of their residents
    measured: int = 0  # households with a ratio
    no_income: int = 0  # households without one: no declaration or no income
    overburdened: int = 0
    residents: int = 0  # residents of the measured households
    overburdened_residents: int = 0
    severe_rate: Fraction | None = None  # > 50 % of gross income


@dataclass(frozen=True)
class ProjectAffordability:
    project: HousingProject
    start: dt.date
    until: dt.date
    months: list[MonthFigures]  # every month of the window, oldest first; empty months too
    latest_month: dt.date | None  # the latest month of the window with charges
    latest_rows: list[HouseholdFigures]  # that month, by unit
    histogram: list[HistogramBin]  # that month
    poverty_line_annual_cents: int | None

    @property
    def latest(self) -> MonthFigures | None:
        return next((m for m in reversed(self.months) if m.month == self.latest_month), None)


@dataclass(frozen=True)
class HouseholdAffordabilitySeries:
    """One household's figures for each month it was charged in the window, oldest first;
    iterating over it gives those rows."""

    household: Household
    start: dt.date
    until: dt.date
    rows: list[HouseholdFigures]

    @property
    def latest(self) -> HouseholdFigures | None:
        return self.rows[-1] if self.rows else None

    def __iter__(self) -> Iterator[HouseholdFigures]:
        return iter(self.rows)

    def __len__(self) -> int:
        return len(self.rows)


# --- Reading the months ------------------------------------------------------------------


@dataclass(slots=True)
class _Cell:
    """One household's charged month and the facts its figures are worked out from."""

    household_id: int
    month: dt.date
    charged_cents: int
    charge_cents: int  # whole month
    utilities_cents: int
    allowance_cents: int
    disposable_cents: int | None
    gross_cents: int | None
    ages: tuple[int, ...]


def _window(project: HousingProject, months: int, until: dt.date | None) -> tuple[dt.date, dt.date]:
    if isinstance(months, bool) or not isinstance(months, int) or not 1 <= months <= MAX_MONTHS:
        raise ValidationError(
            {"months": _("Give a number of months from 1 to %(max)s.") % {"max": MAX_MONTHS}}
        )
    if until is None:
        until = first_of_month(timezone.localdate(timezone=ZoneInfo(project.city.time_zone)))
    elif not isinstance(until, dt.date) or isinstance(until, dt.datetime):
        raise ValidationError({"until": _("Give the first day of a month.")})
    else:
        try:
            validate_first_of_month(until)
        except ValidationError as exc:
            raise ValidationError({"until": exc.messages}) from exc
    return add_months(until, -(months - 1)), until


def _cells(
    charges: QuerySet[Charge], households: dict[int, Household], start: dt.date, until: dt.date
) -> list[_Cell]:
    """The charged household-months with their facts: charges, declarations and residents one
    query each."""
    rows = list(
        charges.filter(month__gte=start, month__lte=until)
        .order_by("month", "household_id")
        .values_list("household_id", "month", "amount_cents", FULL_MONTH_CENTS)
    )
    ids = sorted({row[0] for row in rows})
    declarations = declarations_by_household(ids, last_of_month(until), fields=DECLARATION_FIELDS)
    years = birth_years(ids)
    ages: dict[tuple[int, int], tuple[int, ...]] = {}
    cells = []
    for household_id, month, charged, full in rows:
        household = households[household_id]
        declaration = declarations.on(household_id, first_day_lived(household, month))
        key = (household_id, month.year)
        if key not in ages:
            ages[key] = tuple(ages_in(years.get(household_id), month.year))
        cells.append(
            _Cell(
                household_id=household_id,
                month=month,
                charged_cents=charged,
                charge_cents=charged if full is None else int(full),
                utilities_cents=household.utilities_monthly_cents,
                allowance_cents=declaration.housing_allowance_cents if declaration else 0,
                disposable_cents=declaration.disposable_monthly_cents if declaration else None,
                gross_cents=declaration.gross_monthly_cents if declaration else None,
                ages=ages[key],
            )
        )
    return cells


def _figures(cell: _Cell, household: Household, poverty_line: int | None) -> HouseholdFigures:
    """Every figure of one household-month, by the formulas of ``community.affordability``."""
    result = household_month_affordability(
        charge_cents=cell.charge_cents,
        utilities_cents=cell.utilities_cents,
        housing_allowance_cents=cell.allowance_cents,
        disposable_cents=cell.disposable_cents,
        gross_cents=cell.gross_cents,
        ages=cell.ages,
        poverty_line_annual_cents=poverty_line,
    )
    return HouseholdFigures(
        household=household,
        month=cell.month,
        housing_cost_cents=result.housing_cost_cents,
        disposable_cents=cell.disposable_cents,
        ratio=result.ratio,
        overburdened=result.overburdened,
        thirty_rule=result.thirty_percent_rule,
        severely_burdened=result.severely_burdened,
        equivalised_cents=result.equivalised_cents,
        equivalised_sqrt_cents=result.equivalised_sqrt_cents,
        at_risk_of_poverty=result.at_risk_of_poverty,
        residual_cents=result.residual_cents,
        charge_cents=cell.charge_cents,
        charged_cents=cell.charged_cents,
        utilities_cents=cell.utilities_cents,
        housing_allowance_cents=cell.allowance_cents,
        gross_cents=cell.gross_cents,
        gross_ratio=result.gross_ratio,
        residents=len(cell.ages),
    )


# --- The monthly rates -------------------------------------------------------------------


def _pair(share: Fraction) -> tuple[int, int]:
    return share.numerator, share.denominator


# The thresholds as (numerator, denominator), for comparisons cross-multiplied in integers.
_OVERBURDEN = _pair(OVERBURDEN_THRESHOLD)
_THIRTY = _pair(THIRTY_PERCENT_RULE)
_SEVERE = _pair(SEVERE_BURDEN)
_POVERTY = _pair(POVERTY_LINE_SHARE)


class _Scales:
    """The modified OECD scale of each household make-up as (numerator, denominator), worked
    out once per make-up: the scale depends only on how many members are aged 14 and over
    (``common.equivalence.ADULT_AGE``) and how many are younger, and a project has few
    such make-ups."""

    def __init__(self) -> None:
        self._scales: dict[tuple[int, int], tuple[int, int]] = {}

    def __call__(self, ages: tuple[int, ...]) -> tuple[int, int]:
        key = (sum(1 for age in ages if age >= SCALE_ADULT_AGE), len(ages))
        scale = self._scales.get(key)
        if scale is None:
            scale = self._scales[key] = _pair(modified_oecd_scale(ages=ages))
        return scale


@dataclass(slots=True)
class _Burden:
    """The figures the monthly rates need, and only those: the per-month trend covers every
    household-month of the window, so it skips the incomes and residuals of the full figures.
    Each flag is the same test as in ``community.money.affordability.household_affordability`` (the
    tests hold the two together), cross-multiplied in integers where a Fraction would cost more
    than it says."""

    ratio: Fraction | None
    overburdened: bool | None
    thirty_rule: bool | None
    severely_burdened: bool | None
    at_risk: bool | None


def _burden(cell: _Cell, poverty_line: int | None, scales: _Scales) -> _Burden:
    cost = cell.charge_cents + cell.utilities_cents
    disposable, gross = cell.disposable_cents, cell.gross_cents
    ratio = overburdened = thirty = severe = at_risk = None
    if disposable is not None:
        ratio = housing_cost_ratio(
            housing_cost_cents=cost,
            disposable_cents=disposable,
            housing_allowance_cents=cell.allowance_cents,
        )
        if ratio is not None:
            overburdened = ratio.numerator * _OVERBURDEN[1] > _OVERBURDEN[0] * ratio.denominator
        if poverty_line is not None:
            # 12 × disposable ÷ scale < 60 % × the national median.
            scale_num, scale_den = scales(cell.ages)
            at_risk = (
                12 * disposable * scale_den * _POVERTY[1] < _POVERTY[0] * poverty_line * scale_num
            )
    if gross:
        net = max(cost - cell.allowance_cents, 0)  # housing costs net of allowances
        thirty = net * _THIRTY[1] > _THIRTY[0] * gross
        severe = net * _SEVERE[1] > _SEVERE[0] * gross
    return _Burden(ratio, overburdened, thirty, severe, at_risk)


def median_ratio(ratios: Sequence[Fraction]) -> Fraction | None:
    """The exact median of ``ratios`` (``community.money.affordability.median``), sorted by their
    floats first: a float of a quotient of integers is correctly rounded, so the floats keep
    the exact order but for ties, and the ties around the middle are put in exact order."""
    if not ratios:
        return None
    ordered = sorted(ratios, key=float)
    count = len(ordered)
    for middle in {(count - 1) // 2, count // 2}:
        value = float(ordered[middle])
        low = high = middle
        while low > 0 and float(ordered[low - 1]) == value:
            low -= 1
        while high + 1 < count and float(ordered[high + 1]) == value:
            high += 1
        if high > low:
            ordered[low : high + 1] = sorted(ordered[low : high + 1])
    return median([ordered[(count - 1) // 2], ordered[count // 2]])


def _rate(count: int, out_of: int) -> Fraction | None:
    return Fraction(count, out_of) if out_of else None


def _month_figures(month: dt.date, cells: list[_Cell], burdens: list[_Burden]) -> MonthFigures:
    measured = [(c, b) for c, b in zip(cells, burdens, strict=True) if b.ratio is not None]
    overburdened = [(c, b) for c, b in measured if b.overburdened]
    gross = [b for b in burdens if b.thirty_rule is not None]
    at_risk = [b for b in burdens if b.at_risk is not None]
    residents = sum(len(c.ages) for c, _b in measured)
    burdened_residents = sum(len(c.ages) for c, _b in overburdened)
    return MonthFigures(
        month=month,
        households=len(cells),
        overburden_rate=_rate(len(overburdened), len(measured)),
        median_ratio=median_ratio([b.ratio for _c, b in measured]),  # type: ignore[misc]
        thirty_rule_rate=_rate(sum(1 for b in gross if b.thirty_rule), len(gross)),
        at_risk_rate=_rate(sum(1 for b in at_risk if b.at_risk), len(at_risk)),
        overburden_rate_residents=_rate(burdened_residents, residents),
        measured=len(measured),
        no_income=len(cells) - len(measured),
        overburdened=len(overburdened),
        residents=residents,
        overburdened_residents=burdened_residents,
        severe_rate=_rate(sum(1 for b in gross if b.severely_burdened), len(gross)),
    )


def _histogram(rows: Sequence[HouseholdFigures]) -> list[HistogramBin]:
    counts = [0] * (len(HISTOGRAM_EDGES) + 1)
    no_income = 0
    for row in rows:
        if row.ratio is None:
            no_income += 1
        else:
            # bisect_left: a ratio on an edge belongs to the bin below it.
            counts[bisect_left(HISTOGRAM_EDGES, row.ratio)] += 1
    bins = []
    lower = Fraction(0)
    for upper, count in zip(HISTOGRAM_EDGES, counts, strict=False):
        label = f"{int(lower * 100)}–{percent_text(upper, places=0)}"
        bins.append(HistogramBin(label, lower, upper, count))
        lower = upper
    bins.append(HistogramBin(f"> {percent_text(lower, places=0)}", lower, None, counts[-1]))
    bins.append(HistogramBin(_("No income declared"), None, None, no_income))
    return bins


# --- The selectors -----------------------------------------------------------------------


def project_affordability(
    *, project: HousingProject, months: int = 12, until: dt.date | None = None
) -> ProjectAffordability:
    """The project's affordability over the ``months`` months up to ``until`` (the first of a
    month; by default the current month where the project is): the rates of each month, and
    each household's figures and the histogram of the latest month with charges.

    Five queries at most, whatever the households and months. A ``ValidationError`` on
    ``months`` (1 to 120) or ``until`` (the first of a month).
    """
    start, until = _window(project, months, until)
    poverty_line = project.city.median_equivalised_income_cents
    households = {
        household.pk: household for household in Household.objects.filter(project=project)
    }
    cells = _cells(Charge.objects.filter(household__project=project), households, start, until)
    scales = _Scales()
    by_month: dict[dt.date, list[_Cell]] = {}
    for cell in cells:
        by_month.setdefault(cell.month, []).append(cell)
    figures = []
    month = start
    while month <= until:
        month_cells = by_month.get(month, [])
        burdens = [_burden(cell, poverty_line, scales) for cell in month_cells]
        figures.append(_month_figures(month, month_cells, burdens))
        month = add_months(month, 1)
    latest_month = max(by_month, default=None)
    latest_rows = sorted(
        (
            _figures(cell, households[cell.household_id], poverty_line)
            for cell in by_month.get(latest_month, [])  # type: ignore[arg-type]
        ),
        key=lambda row: (row.household.unit_label, row.household.pk),
    )
    return ProjectAffordability(
        project=project,
        start=start,
        until=until,
        months=figures,
        latest_month=latest_month,
        latest_rows=latest_rows,
        histogram=_histogram(latest_rows),
        poverty_line_annual_cents=poverty_line,
    )


def household_affordability(
    *, household: Household, months: int = 12, until: dt.date | None = None
) -> HouseholdAffordabilitySeries:
    """One household's figures (``HouseholdFigures``) for each month it was charged among the
    ``months`` months up to ``until`` (by default the current month), oldest first: what a
    resident sees of their own household. Four queries at most."""
    project = household.project
    start, until = _window(project, months, until)
    poverty_line = project.city.median_equivalised_income_cents
    cells = _cells(
        Charge.objects.filter(household=household), {household.pk: household}, start, until
    )
    return HouseholdAffordabilitySeries(
        household=household,
        start=start,
        until=until,
        rows=[_figures(cell, household, poverty_line) for cell in cells],
    )


def household_figures_for_city(
    *, city: City, start: dt.date, until: dt.date
) -> list[HouseholdFigures]:
    """Every charged household-month of the city's projects from ``start`` to ``until`` (firsts
    of months), by month then household: the per-household figures the city indicator snapshots
    aggregate (``community.services.indicators``), worked out exactly as for the project pages.
    Four queries, whatever the households and months; the callers publish only protected
    aggregates of them."""
    poverty_line = city.median_equivalised_income_cents
    households = {
        household.pk: household for household in Household.objects.filter(project__city=city)
    }
    cells = _cells(Charge.objects.filter(household__project__city=city), households, start, until)
    return [_figures(cell, households[cell.household_id], poverty_line) for cell in cells]
