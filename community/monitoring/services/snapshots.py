"""City indicator snapshots: every indicator of DESIGN.md §4 per project and month, and for the
city, protected by ``community.disclosure`` and stored as ``IndicatorSnapshot`` rows.

What is computed (``Indicator``; DESIGN.md §4 "City indicators"), per project, month and filter,
and for the city (project empty). "Living there in the month": moved in on or before its last
day and not moved out before its first. A household's size is the number of its residents on
record (none recorded counts as one, as the affordability figures count it). Event times
(bookings, meetings, votes) are read in the city's time zone.

- ``households`` — households living there in the month (a count; "< k" below k).
- ``residents`` — the residents of those households (a count). Not split by household size:
  residents of one- and two-person households are one and two times their households, so the
  split would give away the household counts the threshold hides.
- ``occupancy`` — households living there ÷ the project's units (``units_count``); the city's
  is Σ households ÷ Σ units, published only when every project living that month gives its
  units. The units are public, so occupancy is the household count in other words: it is
  published exactly where ``households`` is, and hidden where it is hidden.
- From each household's charged month (``community.selectors.affordability``, the formulas of
  ``community.affordability``; households without a charge or an income are left out):
  ``median_cost_ratio`` — the median housing cost ratio (Eurostat, ilc_lvho07a's median);
  ``overburden_rate_eurostat`` — the share of residents living in households whose ratio
  exceeds 40 % (Eurostat SI-S5 counts persons), among the residents of households with a ratio;
  ``cost_burden_rate_30`` / ``severe_cost_burden_rate_50`` — the share of households whose
  housing costs exceed 30 % / 50 % of gross income (the US rule counts households), among those
  with a gross income; ``equivalised_income_median_oecd_modified`` and
  ``equivalised_income_median_sqrt_scale`` — the median monthly equivalised disposable income,
  on the modified OECD scale (Eurostat) and on √size (OECD AHD HC1.2); and
  ``share_at_risk_of_poverty`` — the share of residents in households whose equivalised income
  is below 60 % of the national median (Eurostat counts persons), when the city sets one.
- ``turnout`` — ballots ÷ electorate over the votes closed in the month: participations over
  voters, each counted once (the decision's own turnout weighs split votes; this one counts
  people and households who could vote, so that months and projects add up).
- ``meetings_held`` — meetings that started in the month, up to now.
- ``bookings_per_household`` — bookings starting in the month ÷ households living there. A
  booking counts when it is confirmed or was checked into
  (``community.bookings.selectors.usage.USED``, as the fair-use report counts), and when its
  household lived there on its first day.
- ``space_use`` — hours booked ÷ hours open, over the project's bookable spaces: opening hours
  (around the clock where a space sets none) minus closures, times the space's identical units.
  A booking counts in the month it starts, for its whole length, so that months add up to the
  quarter exactly.
- ``share_under_30``, ``share_65_plus`` — among residents who consented to inclusion data;
  ``share_migrant_background`` — among consenting residents who answered; ``share_women_led``
  — households whose representative (the oldest, if several) or, without one, oldest adult
  consented and declared woman, among households whose lead consented and declared a gender
  ("prefers not to say" is no declaration). Each counts as n the households of the residents
  (or leads) it is computed from.

Filters (``HOUSEHOLD_SIZE_FILTERS``): the household-level indicators are published for one-,
two- and three-or-more-person households as well. Quarter totals (``QUARTER_FILTER``, on the
quarter's first month) are published for the indicators that add up over months
(``FLOW_INDICATORS``): Σ numerators ÷ Σ denominators of the quarter's months (so bookings per
household per month, over the quarter), the meetings of the quarter; the current quarter to date.

Disclosure control (DESIGN.md §4, ``community.disclosure``): every figure is a ``Cell`` with
the number of households it describes (the threshold rule; "< k" for a small count). Bookings
and booked hours are sums over households, so their shares are also held to the (2, 85)
dominance rule on the two largest households' parts. The groups protect projects against the
city total, size filters against the all-households figure, and months against their quarter's
total; medians belong to no group. Cells that share no group are protected apart (each
indicator and month, or indicator and quarter, is one table), which keeps the secondary-
suppression audit small. A figure with nothing to measure (no vote closed, no income declared,
no bookable space) gets no row, rather than a suppressed one.

A run replaces the rows of its months in one transaction under the city's row lock: delete,
then ``bulk_create`` (see ``community.models.indicators``). The quarter totals tie a quarter's
months together, so the flow indicators are recomputed for every month of each quarter a run
touches (the nightly run: the current and the previous month, and the rest of their quarters).
A run computes from the data as it is now: history the database does not keep (residents'
arrivals, inclusion data withdrawn, spaces no longer bookable) is read as it stands today.
"""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, replace
from enum import Enum
from fractions import Fraction
from zoneinfo import ZoneInfo

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.db.models import (
    Count,
    DateField,
    DurationField,
    Exists,
    ExpressionWrapper,
    F,
    OuterRef,
    Q,
    Sum,
    Window,
)
from django.db.models.functions import (
    RowNumber,
    TruncDate,
    TruncMonth,
    TruncQuarter,
)
from django.utils import timezone
from django.utils.translation import gettext as _

from common.disclosure import (
    BelowThreshold,
    Cell,
    CellKind,
    Group,
    PublishedCell,
    Reason,
    Screened,
    Table,
    effective_k,
    primary_suppression,
    secondary_suppression,
)
from common.months import add_months, last_of_month, quarter_of
from community.bookings.schedule import local_midnight, opening_intervals, subtract
from community.bookings.selectors.usage import USED
from community.models import (
    Booking,
    Indicator,
    IndicatorSnapshot,
    Space,
    SpaceClosure,
    SpaceOpeningHours,
)
from community.money.selectors.affordability import household_figures_for_city, median_ratio
from community.monitoring.selectors.indicators import (
    HOUSEHOLD_SIZE_FILTERS,
    QUARTER_FILTER,
    current_month,
    household_size_filter,
    snapshot_months,
)
from community.monitoring.sources import participation_facts
from members.models import City, Gender, Household, HousingProject, Resident
from members.selectors import monitored_city_list

__all__ = [
    "FILTERED_INDICATORS",
    "FLOW_INDICATORS",
    "MAX_MONTHS",
    "NIGHTLY_MONTHS",
    "STOCK_INDICATORS",
    "SnapshotResult",
    "indicator_snapshot_refresh",
    "indicator_snapshot_run",
    "indicator_snapshot_run_if_due",
]

NIGHTLY_MONTHS = 2  # the nightly run: the current and the previous month
MAX_MONTHS = 120

ADULT_AGE = 18
YOUNG_AGE = 30  # "under 30"
OLD_AGE = 65  # "65 and over"

# Indicators published per household size too. Not the residents (see the module docstring),
# nor the facilities' figures: occupancy, meetings and space use belong to the project.
FILTERED_INDICATORS = frozenset(
    {
        Indicator.HOUSEHOLDS,
        Indicator.MEDIAN_COST_RATIO,
        Indicator.OVERBURDEN_RATE_EUROSTAT,
        Indicator.COST_BURDEN_RATE_30,
        Indicator.SEVERE_COST_BURDEN_RATE_50,
        Indicator.EQUIVALISED_INCOME_MEDIAN_OECD_MODIFIED,
        Indicator.EQUIVALISED_INCOME_MEDIAN_SQRT_SCALE,
        Indicator.SHARE_AT_RISK_OF_POVERTY,
        Indicator.TURNOUT,
        Indicator.BOOKINGS_PER_HOUSEHOLD,
        Indicator.SHARE_UNDER_30,
        Indicator.SHARE_65_PLUS,
        Indicator.SHARE_WOMEN_LED,
        Indicator.SHARE_MIGRANT_BACKGROUND,
    }
)
# Flows add up over months: they get a quarter total, and a quarter is protected as one table.
FLOW_INDICATORS = frozenset(
    {
        Indicator.TURNOUT,
        Indicator.MEETINGS_HELD,
        Indicator.BOOKINGS_PER_HOUSEHOLD,
        Indicator.SPACE_USE,
    }
)
STOCK_INDICATORS = frozenset(Indicator.values) - FLOW_INDICATORS


class _Shape(Enum):
    COUNT = "count"  # households or residents: "< k" below k
    RATE = "rate"  # numerator ÷ denominator, counts of households or residents
    SHARE_OF_SUM = "share_of_sum"  # a sum over households (with its two largest parts) ÷ a base
    NUMBER = "number"  # a count of things (meetings), a statistic of the households living there
    MEDIAN = "median"  # of per-household values; in no additive group
    DERIVED = "derived"  # occupancy: the household count over the public number of units


_SHAPES: dict[str, _Shape] = {
    Indicator.HOUSEHOLDS: _Shape.COUNT,
    Indicator.RESIDENTS: _Shape.COUNT,
    Indicator.OCCUPANCY: _Shape.DERIVED,
    Indicator.MEDIAN_COST_RATIO: _Shape.MEDIAN,
    Indicator.OVERBURDEN_RATE_EUROSTAT: _Shape.RATE,
    Indicator.COST_BURDEN_RATE_30: _Shape.RATE,
    Indicator.SEVERE_COST_BURDEN_RATE_50: _Shape.RATE,
    Indicator.EQUIVALISED_INCOME_MEDIAN_OECD_MODIFIED: _Shape.MEDIAN,
    Indicator.EQUIVALISED_INCOME_MEDIAN_SQRT_SCALE: _Shape.MEDIAN,
    Indicator.SHARE_AT_RISK_OF_POVERTY: _Shape.RATE,
    Indicator.TURNOUT: _Shape.RATE,
    Indicator.MEETINGS_HELD: _Shape.NUMBER,
    Indicator.BOOKINGS_PER_HOUSEHOLD: _Shape.SHARE_OF_SUM,
    Indicator.SPACE_USE: _Shape.SHARE_OF_SUM,
    Indicator.SHARE_UNDER_30: _Shape.RATE,
    Indicator.SHARE_65_PLUS: _Shape.RATE,
    Indicator.SHARE_WOMEN_LED: _Shape.RATE,
    Indicator.SHARE_MIGRANT_BACKGROUND: _Shape.RATE,
}

# A cell: (project id, or None for the city total; month; indicator; filter).
Key = tuple[int | None, dt.date, str, str]


# --- Months ------------------------------------------------------------------------------


def _checked_months(city: City, months: Sequence[dt.date] | None) -> list[dt.date]:
    if months is None:
        return snapshot_months(city=city)
    if isinstance(months, str | dt.date) or not isinstance(months, Sequence | set | frozenset):
        raise ValidationError({"months": _("Give a list of months.")})
    latest = current_month(city)
    checked = set()
    for month in months:
        if not isinstance(month, dt.date) or isinstance(month, dt.datetime) or month.day != 1:
            raise ValidationError({"months": _("Give the first day of each month.")})
        if month > latest:
            raise ValidationError({"months": _("A month to come has no figures yet.")})
        checked.add(month)
    if not checked:
        raise ValidationError({"months": _("Give at least one month.")})
    if len(checked) > MAX_MONTHS:
        raise ValidationError(
            {"months": _("Give at most %(max)s months at once.") % {"max": MAX_MONTHS}}
        )
    return sorted(checked)


def _flow_months(months: Iterable[dt.date], latest: dt.date) -> list[dt.date]:
    """Every month, up to ``latest``, of the quarters the months fall in."""
    expanded = set()
    for quarter in {quarter_of(month) for month in months}:
        for step in range(3):
            month = add_months(quarter, step)
            if month <= latest:
                expanded.add(month)
    return sorted(expanded)


def _bounds(first: dt.date, after: dt.date, zone: ZoneInfo) -> tuple[dt.datetime, dt.datetime]:
    """[first's local midnight, after's local midnight), in UTC."""
    return (
        local_midnight(first, zone).astimezone(dt.UTC),
        local_midnight(after, zone).astimezone(dt.UTC),
    )


# --- Figures before protection ------------------------------------------------------------


@dataclass(frozen=True)
class _Figure:
    """One scope's indicator before protection: a numerator over a denominator (counts have
    none), the households it describes, the two largest household parts of a sum, and the
    per-household values of a median. Figures of disjoint sets of households add up."""

    numerator: int = 0
    denominator: int = 0
    n: int = 0
    top: tuple[int, ...] = ()
    values: tuple = ()


def _top_two(parts: Iterable[int]) -> tuple[int, ...]:
    return tuple(sorted(parts, reverse=True)[:2])


def _total(figures: Iterable[_Figure]) -> _Figure:
    """The figure of the union of disjoint sets of households."""
    numerator = denominator = n = 0
    tops: list[int] = []
    values: list = []
    for figure in figures:
        numerator += figure.numerator
        denominator += figure.denominator
        n += figure.n
        tops.extend(figure.top)
        values.extend(figure.values)
    return _Figure(numerator, denominator, n, _top_two(tops), tuple(values))


@dataclass
class _Data:
    """What the queries give, project by project (the totals are added up from it)."""

    # Households living there, per (project, month, size filter).
    living: dict[tuple[int, dt.date, str], int]
    # The projects' figures, per size filter where an indicator is split by size, "" otherwise.
    figures: dict[Key, _Figure]
    # Per (indicator, project, quarter): the households a flow's quarter describes (each
    # counted once), and the two largest households' parts of its sum over the quarter.
    quarter_n: dict[tuple[str, int, dt.date], int]
    quarter_top: dict[tuple[str, int, dt.date], tuple[int, ...]]
    units: dict[int, int]  # per project


def _living(first: dt.date, last: dt.date, prefix: str = "") -> Q:
    """Households (``prefix`` leads to one) living there on at least one day of [first, last]."""
    return Q(**{f"{prefix}move_in__lte": last}) & (
        Q(**{f"{prefix}move_out__isnull": True}) | Q(**{f"{prefix}move_out__gte": first})
    )


def _households(
    city: City, months: list[dt.date], quarters: list[tuple[dt.date, dt.date]]
) -> tuple[dict, dict, dict]:
    """Households and residents per project, size and month, and the households living there in
    each quarter: one query, a conditional aggregate a month (households with their residents
    joined, so households count distinct)."""
    aggregates = {}
    for i, month in enumerate(months):
        living = _living(month, last_of_month(month))
        aggregates[f"households_{i}"] = Count("pk", filter=living, distinct=True)
        aggregates[f"residents_{i}"] = Count("residents", filter=living)
    for j, (first, last) in enumerate(quarters):
        aggregates[f"quarter_{j}"] = Count("pk", filter=_living(first, last), distinct=True)
    living: dict[tuple[int, dt.date, str], int] = {}
    residents: dict[tuple[int, dt.date, str], int] = {}
    quarter_living: dict[tuple[int, dt.date], int] = defaultdict(int)
    rows = (
        Household.objects.filter(project__city=city)
        .order_by()
        .annotate(size_filter=household_size_filter("pk"))
        .values("project_id", "size_filter")
        .annotate(**aggregates)
    )
    for row in rows:
        project, size = row["project_id"], row["size_filter"]
        for i, month in enumerate(months):
            living[project, month, size] = row[f"households_{i}"]
            residents[project, month, size] = row[f"residents_{i}"]
        for j, (first, _last) in enumerate(quarters):
            quarter_living[project, first] += row[f"quarter_{j}"]
    return living, residents, quarter_living


def _women_led(
    city: City, months: list[dt.date]
) -> dict[tuple[int, dt.date, str], tuple[int, int]]:
    """Per project, size and month: the households whose lead is a woman, and those whose lead
    consented and declared a gender; one query over the leads. The lead is the representative
    (the oldest, if several), else the oldest resident, who must then be an adult that year."""
    if not months:
        return {}
    ahead = Resident.objects.filter(household=OuterRef("household_id")).filter(
        Q(is_representative__gt=OuterRef("is_representative"))
        | Q(is_representative=OuterRef("is_representative"), birth_year__lt=OuterRef("birth_year"))
        | Q(
            is_representative=OuterRef("is_representative"),
            birth_year=OuterRef("birth_year"),
            pk__lt=OuterRef("pk"),
        )
    )
    leads = (
        Resident.objects.filter(
            household__project__city=city,
            inclusion_consent_at__isnull=False,
            gender__in=[Gender.WOMAN, Gender.MAN, Gender.NON_BINARY],
        )
        .filter(~Exists(ahead))
        .order_by()
        .annotate(size_filter=household_size_filter("household_id"))
    )
    aggregates = {}
    for i, month in enumerate(months):
        lead = _living(month, last_of_month(month), "household__") & (
            Q(is_representative=True) | Q(birth_year__lte=month.year - ADULT_AGE)
        )
        aggregates[f"declared_{i}"] = Count("pk", filter=lead)
        aggregates[f"women_{i}"] = Count("pk", filter=lead & Q(gender=Gender.WOMAN))
    return {
        (row["household__project_id"], month, row["size_filter"]): (
            row[f"women_{i}"],
            row[f"declared_{i}"],
        )
        for row in leads.values("household__project_id", "size_filter").annotate(**aggregates)
        for i, month in enumerate(months)
    }


def _inclusion(city: City, months: list[dt.date]) -> dict[tuple[int, dt.date, str], dict]:
    """The consenting residents' counts per project, size and month, in one query."""
    if not months:
        return {}
    residents = (
        Resident.objects.filter(household__project__city=city, inclusion_consent_at__isnull=False)
        .order_by()
        .annotate(size_filter=household_size_filter("household_id"))
    )
    aggregates = {}
    for i, month in enumerate(months):
        living = _living(month, last_of_month(month), "household__")
        answered = living & Q(migrant_background__isnull=False)
        aggregates |= {
            f"consenting_{i}": Count("pk", filter=living),
            f"consenting_households_{i}": Count("household", filter=living, distinct=True),
            # Ages by birth year, as the affordability figures reckon them.
            f"young_{i}": Count("pk", filter=living & Q(birth_year__gt=month.year - YOUNG_AGE)),
            f"old_{i}": Count("pk", filter=living & Q(birth_year__lte=month.year - OLD_AGE)),
            f"answered_{i}": Count("pk", filter=answered),
            f"answered_households_{i}": Count("household", filter=answered, distinct=True),
            f"migrant_{i}": Count("pk", filter=answered & Q(migrant_background=True)),
        }
    counts = {}
    for row in residents.values("household__project_id", "size_filter").annotate(**aggregates):
        for i, month in enumerate(months):
            counts[row["household__project_id"], month, row["size_filter"]] = {
                name: row[f"{name}_{i}"]
                for name in (
                    "consenting",
                    "consenting_households",
                    "young",
                    "old",
                    "answered",
                    "answered_households",
                    "migrant",
                )
            }
    return counts


def _affordability(
    city: City, months: list[dt.date]
) -> dict[tuple[int, dt.date, str], dict[str, _Figure]]:
    """The affordability indicators per project, size and month, from each charged
    household-month's figures (``community.selectors.affordability``): the medians need every
    household's value, so this is the one place that goes through households one by one."""
    if not months:
        return {}
    wanted = set(months)
    groups: dict[tuple[int, dt.date, str], list] = defaultdict(list)
    for row in household_figures_for_city(city=city, start=months[0], until=months[-1]):
        if row.month in wanted:
            size = HOUSEHOLD_SIZE_FILTERS[min(row.residents, 3) - 1]
            groups[row.household.project_id, row.month, size].append(row)
    figures = {}
    for key, rows in groups.items():
        measured = [row for row in rows if row.ratio is not None]
        gross = [row for row in rows if row.thirty_rule is not None]
        poverty = [row for row in rows if row.at_risk_of_poverty is not None]
        disposable = [row for row in rows if row.equivalised_cents is not None]
        figures[key] = {
            Indicator.MEDIAN_COST_RATIO: _Figure(
                n=len(measured), values=tuple(row.ratio for row in measured)
            ),
            Indicator.OVERBURDEN_RATE_EUROSTAT: _Figure(
                numerator=sum(row.residents for row in measured if row.overburdened),
                denominator=sum(row.residents for row in measured),
                n=len(measured),
            ),
            Indicator.COST_BURDEN_RATE_30: _Figure(
                numerator=sum(1 for row in gross if row.thirty_rule),
                denominator=len(gross),
                n=len(gross),
            ),
            Indicator.SEVERE_COST_BURDEN_RATE_50: _Figure(
                numerator=sum(1 for row in gross if row.severely_burdened),
                denominator=len(gross),
                n=len(gross),
            ),
            Indicator.EQUIVALISED_INCOME_MEDIAN_OECD_MODIFIED: _Figure(
                n=len(disposable), values=tuple(row.equivalised_cents for row in disposable)
            ),
            Indicator.EQUIVALISED_INCOME_MEDIAN_SQRT_SCALE: _Figure(
                n=len(disposable), values=tuple(row.equivalised_sqrt_cents for row in disposable)
            ),
            Indicator.SHARE_AT_RISK_OF_POVERTY: _Figure(
                numerator=sum(row.residents for row in poverty if row.at_risk_of_poverty),
                denominator=sum(row.residents for row in poverty),
                n=len(poverty),
            ),
        }
    return figures


def _participation(
    city: City, months: list[dt.date], zone: ZoneInfo
) -> tuple[dict[tuple[int, dt.date, str], _Figure], dict[tuple[int, dt.date], int], dict]:
    """Turnout per project, month and size, households in each quarter's electorates, and
    meetings per project and month: governance's facts, through the registered reader."""
    if not months:
        return {}, {}, {}
    start, end = _bounds(months[0], add_months(months[-1], 1), zone)
    facts = participation_facts(
        city_id=city.pk, start=start, end=end, zone=zone, size_filter=household_size_filter
    )
    turnout = {
        key: _Figure(numerator=row.ballots, denominator=row.voters, n=row.households)
        for key, row in facts.turnout.items()
    }
    return turnout, facts.electorate_households, facts.meetings


def _used_bookings(city: City, months: list[dt.date], zone: ZoneInfo):
    """The bookings that count, starting in the months' span: used, and made while their
    household lived there (on the booking's first day)."""
    start, end = _bounds(months[0], add_months(months[-1], 1), zone)
    return (
        Booking.objects.filter(USED, household__project__city=city, start__gte=start, start__lt=end)
        .order_by()
        .annotate(day=TruncDate("start", tzinfo=zone))
        .filter(household__move_in__lte=F("day"))
        .filter(Q(household__move_out__isnull=True) | Q(household__move_out__gte=F("day")))
        .annotate(
            month=TruncMonth("start", tzinfo=zone, output_field=DateField()),
            quarter=TruncQuarter("start", tzinfo=zone, output_field=DateField()),
        )
    )


def _top_parts(rows, scope: Sequence[str], measure: str, to_int) -> dict[tuple, list[int]]:
    """The two largest households' parts per scope, ranked in the database: ``rows`` are per
    household and scope, with the measure annotated."""
    ranked = rows.annotate(
        rank=Window(
            RowNumber(),
            partition_by=[F(name) for name in scope],
            order_by=[F(measure).desc(), F("household_id").asc()],
        )
    ).filter(rank__lte=2)
    parts: dict[tuple, list[int]] = defaultdict(list)
    for row in ranked:
        parts[tuple(row[name] for name in scope)].append(to_int(row[measure]))
    return parts


def _bookings(city: City, months: list[dt.date], zone: ZoneInfo) -> tuple[dict, dict]:
    """Bookings per project, size and month with the two largest households' counts, and the
    two largest households' counts of each quarter: three queries."""
    if not months:
        return {}, {}
    bookings = _used_bookings(city, months, zone).annotate(
        size_filter=household_size_filter("household_id")
    )
    scope = ("household__project_id", "month", "size_filter")
    totals = {
        tuple(row[name] for name in scope): row["bookings"]
        for row in bookings.values(*scope).annotate(bookings=Count("pk"))
    }
    per_household = bookings.values("household_id", *scope).annotate(bookings=Count("pk"))
    tops = _top_parts(per_household, scope, "bookings", int)
    monthly = {key: (count, tuple(tops.get(key, ()))) for key, count in totals.items()}
    quarter_scope = ("household__project_id", "quarter")
    quarterly = _top_parts(
        bookings.values("household_id", *quarter_scope).annotate(bookings=Count("pk")),
        quarter_scope,
        "bookings",
        int,
    )
    return monthly, quarterly


def _seconds(duration: dt.timedelta | None) -> int:
    return int(duration.total_seconds()) if duration else 0


def _space_use(city: City, months: list[dt.date], zone: ZoneInfo) -> tuple[dict, dict, dict]:
    """Seconds booked per project and month with the two largest households' parts, those of
    each quarter, and the seconds open per project and month (spaces, opening hours and
    closures one query each)."""
    if not months:
        return {}, {}, {}
    spaces = list(
        Space.objects.filter(project__city=city, is_active=True).values_list(
            "pk", "project_id", "units"
        )
    )
    hours: dict[int, list[tuple[int, int, int]]] = defaultdict(list)
    for space_id, weekday, opens, closes in SpaceOpeningHours.objects.filter(
        space__project__city=city, space__is_active=True
    ).values_list("space_id", "weekday", "opens_minute", "closes_minute"):
        hours[space_id].append((weekday, opens, closes))
    start, end = _bounds(months[0], add_months(months[-1], 1), zone)
    closures: dict[int, list[tuple[dt.datetime, dt.datetime]]] = defaultdict(list)
    for space_id, closed_from, closed_until in SpaceClosure.objects.filter(
        space__project__city=city, space__is_active=True, start__lt=end, end__gt=start
    ).values_list("space_id", "start", "end"):
        closures[space_id].append((closed_from, closed_until))
    open_seconds: dict[tuple[int, dt.date], int] = defaultdict(int)
    for month in months:
        month_start, month_end = _bounds(month, add_months(month, 1), zone)
        for space_id, project_id, units in spaces:
            open_intervals = subtract(
                opening_intervals(hours[space_id], month_start, month_end, zone),
                closures[space_id],
            )
            open_seconds[project_id, month] += units * sum(
                _seconds(until - since) for since, until in open_intervals
            )
    length = ExpressionWrapper(F("end") - F("start"), output_field=DurationField())
    booked = _used_bookings(city, months, zone).filter(
        space__is_active=True, space__project=F("household__project")
    )
    scope = ("space__project_id", "month")
    totals = {
        tuple(row[name] for name in scope): _seconds(row["booked"])
        for row in booked.values(*scope).annotate(booked=Sum(length))
    }
    tops = _top_parts(
        booked.values("household_id", *scope).annotate(booked=Sum(length)),
        scope,
        "booked",
        _seconds,
    )
    monthly = {key: (seconds, tuple(tops.get(key, ()))) for key, seconds in totals.items()}
    quarter_scope = ("space__project_id", "quarter")
    quarterly = _top_parts(
        booked.values("household_id", *quarter_scope).annotate(booked=Sum(length)),
        quarter_scope,
        "booked",
        _seconds,
    )
    return monthly, quarterly, dict(open_seconds)


# --- Assembling the table -----------------------------------------------------------------


def _collect(
    city: City, stock: list[dt.date], flow: list[dt.date], zone: ZoneInfo
) -> tuple[_Data, dict[int, HousingProject]]:
    """Every figure of every project, month and size filter, in a fixed number of queries."""
    months = sorted(set(stock) | set(flow))
    quarter_starts = sorted({quarter_of(month) for month in flow})
    quarters = [
        (first, last_of_month(max(m for m in flow if quarter_of(m) == first)))
        for first in quarter_starts
    ]
    projects = {project.pk: project for project in HousingProject.objects.filter(city=city)}
    living, residents, quarter_living = _households(city, months, quarters)
    women_led = _women_led(city, stock)
    inclusion = _inclusion(city, stock)
    affordability = _affordability(city, stock)
    turnout, turnout_quarters, meetings = _participation(city, flow, zone)
    bookings, booking_quarters = _bookings(city, flow, zone)
    booked, booked_quarters, open_seconds = _space_use(city, flow, zone)

    figures: dict[Key, _Figure] = {}
    stock_months, flow_months = set(stock), set(flow)
    for (project, month), everyone in _present(living).items():
        for size in HOUSEHOLD_SIZE_FILTERS:
            households = living.get((project, month, size), 0)
            if month in stock_months:
                figures[project, month, Indicator.HOUSEHOLDS, size] = _Figure(
                    numerator=households, n=households
                )
                figures[project, month, Indicator.RESIDENTS, size] = _Figure(
                    numerator=residents.get((project, month, size), 0), n=households
                )
                women, declared = women_led.get((project, month, size), (0, 0))
                figures[project, month, Indicator.SHARE_WOMEN_LED, size] = _Figure(
                    numerator=women, denominator=declared, n=declared
                )
                consenting = inclusion.get((project, month, size))
                if consenting:
                    figures[project, month, Indicator.SHARE_UNDER_30, size] = _Figure(
                        numerator=consenting["young"],
                        denominator=consenting["consenting"],
                        n=consenting["consenting_households"],
                    )
                    figures[project, month, Indicator.SHARE_65_PLUS, size] = _Figure(
                        numerator=consenting["old"],
                        denominator=consenting["consenting"],
                        n=consenting["consenting_households"],
                    )
                    figures[project, month, Indicator.SHARE_MIGRANT_BACKGROUND, size] = _Figure(
                        numerator=consenting["migrant"],
                        denominator=consenting["answered"],
                        n=consenting["answered_households"],
                    )
                for indicator, figure in affordability.get((project, month, size), {}).items():
                    figures[project, month, indicator, size] = figure
            if month in flow_months:
                if (project, month, size) in turnout:
                    figures[project, month, Indicator.TURNOUT, size] = turnout[project, month, size]
                count, top = bookings.get((project, month, size), (0, ()))
                figures[project, month, Indicator.BOOKINGS_PER_HOUSEHOLD, size] = _Figure(
                    numerator=count, denominator=households, n=households, top=top
                )
        if month in flow_months:
            figures[project, month, Indicator.MEETINGS_HELD, ""] = _Figure(
                numerator=meetings.get((project, month), 0), n=everyone
            )
            seconds, top = booked.get((project, month), (0, ()))
            figures[project, month, Indicator.SPACE_USE, ""] = _Figure(
                numerator=seconds,
                denominator=open_seconds.get((project, month), 0),
                n=everyone,
                top=top,
            )
    quarter_n: dict[tuple[str, int, dt.date], int] = {}
    quarter_top: dict[tuple[str, int, dt.date], tuple[int, ...]] = {}
    for (project, quarter), households in quarter_living.items():
        for indicator in (
            Indicator.MEETINGS_HELD,
            Indicator.BOOKINGS_PER_HOUSEHOLD,
            Indicator.SPACE_USE,
        ):
            quarter_n[indicator, project, quarter] = households
        quarter_top[Indicator.BOOKINGS_PER_HOUSEHOLD, project, quarter] = tuple(
            booking_quarters.get((project, quarter), ())
        )
        quarter_top[Indicator.SPACE_USE, project, quarter] = tuple(
            booked_quarters.get((project, quarter), ())
        )
    for (project, quarter), households in turnout_quarters.items():
        quarter_n[Indicator.TURNOUT, project, quarter] = households
    data = _Data(
        living=living,
        figures=figures,
        quarter_n=quarter_n,
        quarter_top=quarter_top,
        units={pk: project.units_count for pk, project in projects.items()},
    )
    return data, projects


def _present(living: dict[tuple[int, dt.date, str], int]) -> dict[tuple[int, dt.date], int]:
    """The projects with households living there, per month, and how many."""
    totals: dict[tuple[int, dt.date], int] = defaultdict(int)
    for (project, month, _size), households in living.items():
        totals[project, month] += households
    return {key: households for key, households in totals.items() if households}


def _with_totals(data: _Data, flow: list[dt.date]) -> dict[Key, _Figure]:
    """The projects' figures with the all-households figure of each size-filtered indicator,
    each flow's quarter totals, and the city's figure of everything: Σ of the parts."""
    figures: dict[Key, _Figure] = {}
    by_size: dict[tuple[int | None, dt.date, str], list[_Figure]] = defaultdict(list)
    for (project, month, indicator, size), figure in data.figures.items():
        if size in HOUSEHOLD_SIZE_FILTERS:
            by_size[project, month, indicator].append(figure)
            if indicator in FILTERED_INDICATORS:
                figures[project, month, indicator, size] = figure
        else:
            figures[project, month, indicator, size] = figure
    for (project, month, indicator), parts in by_size.items():
        figures[project, month, indicator, ""] = _total(parts)
    by_quarter: dict[tuple[int | None, dt.date, str], list[_Figure]] = defaultdict(list)
    flow_months = set(flow)
    for (project, month, indicator, size), figure in list(figures.items()):
        if indicator in FLOW_INDICATORS and size == "" and month in flow_months:
            by_quarter[project, quarter_of(month), indicator].append(figure)
    for (project, quarter, indicator), months in by_quarter.items():
        summed = _total(months)
        # Households are counted once a quarter however many months they lived there, and a
        # sum's largest parts are each household's quarter, not its best month.
        households = data.quarter_n.get((indicator, project, quarter))
        top = data.quarter_top.get((indicator, project, quarter), summed.top)
        figures[project, quarter, indicator, QUARTER_FILTER] = replace(
            summed,
            n=max(households, max(m.n for m in months)) if households else summed.n,
            top=top if _SHAPES[indicator] is _Shape.SHARE_OF_SUM else (),
        )
    by_project: dict[tuple[dt.date, str, str], list[_Figure]] = defaultdict(list)
    for (_project, month, indicator, size), figure in figures.items():
        by_project[month, indicator, size].append(figure)
    for (month, indicator, size), parts in by_project.items():
        figures[None, month, indicator, size] = _total(parts)
    return figures


def _cell(key: Key, figure: _Figure) -> Cell | None:
    """The figure as a cell to protect, or None when there is nothing to measure (no
    denominator, no value for a median): no row then, rather than a hidden one."""
    shape = _SHAPES[key[2]]
    if shape is _Shape.COUNT:
        return Cell(key, CellKind.COUNT, figure.numerator, figure.n)
    if shape is _Shape.NUMBER:
        return Cell(key, CellKind.STATISTIC, figure.numerator, figure.n)
    if shape is _Shape.MEDIAN:
        if not figure.values:
            return None
        # Exact (the mean of the middle two for an even count), sorted by floats first.
        middle = median_ratio(list(figure.values))
        return Cell(key, CellKind.STATISTIC, middle, len(figure.values))
    if not figure.denominator:
        return None
    return Cell(key, CellKind.STATISTIC, Fraction(figure.numerator, figure.denominator), figure.n)


def _dominated(key: Key, figure: _Figure, k: int) -> bool:
    """Whether the sum a share divides fails the dominance rule: bookings and booked hours are
    magnitudes added up over households, so the (2, 85) rule of ``community.disclosure``
    applies to them, on the two largest households' parts (a household with none counts 0)."""
    parts = figure.top + (0,) * max(0, min(2, figure.n) - len(figure.top))
    as_sum = Cell(key, CellKind.SUM, figure.numerator, figure.n, parts)
    return primary_suppression([as_sum], k)[key].reason is Reason.DOMINANCE


def _groups(cells: dict[Key, Cell]) -> list[Group]:
    """The additive relations among the cells: projects → city, sizes → all households,
    months → quarter. Medians and occupancy take part in none."""
    projects_of: dict[tuple[dt.date, str, str], list[Key]] = defaultdict(list)
    sizes_of: dict[tuple[int | None, dt.date, str], list[Key]] = defaultdict(list)
    months_of: dict[tuple[int | None, dt.date, str], list[Key]] = defaultdict(list)
    for key in cells:
        project, month, indicator, filter_ = key
        if _SHAPES[indicator] in (_Shape.MEDIAN, _Shape.DERIVED):
            continue
        if project is not None:
            projects_of[month, indicator, filter_].append(key)
        if filter_ in HOUSEHOLD_SIZE_FILTERS:
            sizes_of[project, month, indicator].append(key)
        if filter_ == "" and indicator in FLOW_INDICATORS:
            months_of[project, quarter_of(month), indicator].append(key)
    groups = []
    for (month, indicator, filter_), parts in projects_of.items():
        if (None, month, indicator, filter_) in cells:
            groups.append(Group((None, month, indicator, filter_), tuple(sorted(parts, key=repr))))
    for (project, month, indicator), parts in sizes_of.items():
        if (project, month, indicator, "") in cells:
            groups.append(Group((project, month, indicator, ""), tuple(sorted(parts, key=repr))))
    for (project, quarter, indicator), parts in months_of.items():
        if (project, quarter, indicator, QUARTER_FILTER) in cells:
            total = (project, quarter, indicator, QUARTER_FILTER)
            groups.append(Group(total, tuple(sorted(parts, key=repr))))
    return groups


def _table(key: Key) -> tuple[str, dt.date]:
    """The table a cell is protected in: groups never cross indicators, and only a flow's
    quarter ties months together."""
    indicator, month = key[2], key[1]
    return (indicator, quarter_of(month) if indicator in FLOW_INDICATORS else month)


def _protected(figures: dict[Key, _Figure], k: int) -> tuple[dict[Key, PublishedCell], dict]:
    """Protect every table: the threshold and small-count rules, the dominance rule on the
    shares of a sum, then secondary suppression over the table's groups
    (``community.disclosure``, step by step as ``protect`` takes it, with the dominance rule
    added to the primary step). The shares of a sum stay statistics in their groups, as their
    ``IndicatorSpec`` says: a rate's groups are equations between numerators and denominators,
    which the linear audit covers."""
    cells = {}
    for key, figure in figures.items():
        cell = _cell(key, figure)
        if cell is not None:
            cells[key] = cell
    tables: dict[tuple[str, dt.date], list[Key]] = defaultdict(list)
    for key in sorted(cells, key=repr):
        tables[_table(key)].append(key)
    groups_of: dict[tuple[str, dt.date], list[Group]] = defaultdict(list)
    for group in _groups(cells):
        groups_of[_table(group.total)].append(group)
    published: dict[Key, PublishedCell] = {}
    for table, keys in tables.items():
        screened = primary_suppression([cells[key] for key in keys], k)
        for key in keys:
            if (
                _SHAPES[key[2]] is _Shape.SHARE_OF_SUM
                and not screened[key].suppressed
                and _dominated(key, figures[key], k)
            ):
                screened[key] = Screened(cells[key], None, Reason.DOMINANCE)
        final = secondary_suppression(Table(screened, tuple(groups_of[table]), k))
        for key in keys:
            result = final[key]
            below = isinstance(result.value, BelowThreshold)
            published[key] = PublishedCell(
                key=key,
                kind=cells[key].kind,
                value=None if result.suppressed else result.value,
                suppressed=result.suppressed,
                reason=result.reason,
                display=str(result.value) if below else "",
            )
    return published, {key: cell.n_households for key, cell in cells.items()}


def _occupancy(
    published: dict[Key, PublishedCell], data: _Data, stock: list[dt.date]
) -> tuple[dict[Key, PublishedCell], dict[Key, int]]:
    """Occupancy, published exactly where the household count is: with the units public, it
    is that count in other words, and a different pattern would give one away."""
    occupancy: dict[Key, PublishedCell] = {}
    counted: dict[Key, int] = {}
    present = _present(data.living)
    for month in stock:
        projects = [(p, households) for (p, m), households in present.items() if m == month]
        scopes = [(p, households, data.units[p]) for p, households in projects if data.units[p]]
        if scopes and len(scopes) == len(projects):
            scopes.append((None, sum(h for _p, h, _u in scopes), sum(u for _p, _h, u in scopes)))
        for project, households, units in scopes:
            count = published[project, month, Indicator.HOUSEHOLDS, ""]
            key = (project, month, Indicator.OCCUPANCY, "")
            occupancy[key] = PublishedCell(
                key=key,
                kind=CellKind.STATISTIC,
                value=None if count.suppressed else Fraction(households, units),
                suppressed=count.suppressed,
                reason=count.reason,
                display="",
            )
            counted[key] = households
    return occupancy, counted


# --- Running -----------------------------------------------------------------------------


@dataclass(frozen=True)
class SnapshotResult:
    """What a run wrote: the months of every indicator, the further months of the quarters the
    flow indicators were recomputed for, the rows and how many of them are suppressed."""

    city_id: int
    months: tuple[dt.date, ...]
    flow_months: tuple[dt.date, ...]
    rows: int
    suppressed: int


def _run(city: City, months: list[dt.date]) -> SnapshotResult:
    """Compute, protect and replace the city's rows of the months; the caller holds the lock."""
    zone = ZoneInfo(city.time_zone)
    flow = _flow_months(months, current_month(city))
    data, projects = _collect(city, months, flow, zone)
    figures = _with_totals(data, flow)
    published, counted = _protected(figures, effective_k(city.disclosure_k))
    occupancy, occupied = _occupancy(published, data, months)
    published |= occupancy
    counted |= occupied
    computed_at = timezone.now()
    rows = [
        IndicatorSnapshot.from_published(
            cell=cell,
            city=city,
            project=projects[key[0]] if key[0] is not None else None,
            month=key[1],
            indicator=key[2],
            filter=key[3],
            n_households=counted[key],
            computed_at=computed_at,
        )
        for key, cell in sorted(published.items(), key=lambda item: repr(item[0]))
    ]
    IndicatorSnapshot.objects.filter(city=city).filter(
        Q(indicator__in=STOCK_INDICATORS, month__in=months)
        | Q(indicator__in=FLOW_INDICATORS, month__in=flow)
    ).delete()
    IndicatorSnapshot.objects.bulk_create(rows, batch_size=2000)
    return SnapshotResult(
        city_id=city.pk,
        months=tuple(months),
        flow_months=tuple(flow),
        rows=len(rows),
        suppressed=sum(1 for row in rows if row.suppressed),
    )


def indicator_snapshot_run(
    *, city: City, months: Sequence[dt.date] | None = None
) -> SnapshotResult:
    """Compute every indicator of the city's projects and the city for ``months`` (firsts of
    months, none after the city's current month; by default the last ``DEFAULT_MONTHS``),
    protect them and replace their rows, in one transaction under the city's row lock (a run
    of the same city waits for it). Idempotent: a second run writes the same rows.

    A ``ValidationError`` on ``months`` when one is not the first of a month or is to come.
    """
    months = _checked_months(city, months)
    with transaction.atomic():
        locked = City.objects.select_for_update().get(pk=city.pk)
        return _run(locked, months)


def indicator_snapshot_run_if_due(
    *, city_id: int, months: Sequence[dt.date] | None = None, since: dt.datetime | None = None
) -> SnapshotResult | None:
    """The same run, unless another worker holds the city (``SKIP LOCKED``: it is doing this
    very work) or the city's rows of these months were computed at ``since`` or later (a
    duplicate of a run already done). None when skipped, or when the city no longer exists."""
    with transaction.atomic():
        city = City.objects.select_for_update(skip_locked=True).filter(pk=city_id).first()
        if city is None:
            return None
        months = _checked_months(city, months)
        if (
            since is not None
            and IndicatorSnapshot.objects.filter(
                city=city, month__in=months, computed_at__gte=since
            ).exists()
        ):
            return None
        return _run(city, months)


def indicator_snapshot_refresh(
    *, city: City, user, months: Sequence[dt.date] | None = None
) -> list[dt.date]:
    """An officer's (or a platform admin's) refresh of the city's indicators: checks the user
    and the months (by default the last ``DEFAULT_MONTHS``), then queues the run once the
    current transaction commits. Returns the months queued.

    ``PermissionDenied`` for anyone who does not monitor the city; ``ValidationError`` on
    ``months``.
    """
    if not user.is_authenticated or not monitored_city_list(user=user).filter(pk=city.pk).exists():
        raise PermissionDenied(_("Only the city's officers can refresh its indicators."))
    months = _checked_months(city, months)
    city_id = city.pk
    chosen = [month.isoformat() for month in months]

    def queue() -> None:
        from community.tasks import indicator_snapshot_city_task  # the tasks import this module

        indicator_snapshot_city_task.delay(city_id, chosen)

    transaction.on_commit(queue)
    return months
