"""The city indicator snapshot's reads (DESIGN.md §4, "City indicators"): every project's figures
for the months of a run, before any total or protection, in a fixed number of queries.

"Living there in the month": moved in on or before its last day and not moved out before its
first. A household's size is the number of its residents on record (none recorded counts as
one, as the affordability figures count it). Event times (bookings, meetings, votes) are read in
the city's time zone. What each indicator counts is described in
``community.monitoring.services.snapshots``; the totals and their protection are
``community.monitoring.protection``'s.

``snapshot_data`` is the one entry: the stock indicators (households, residents, inclusion,
affordability) for the stock months, the flows (turnout, meetings, bookings, space use) for the
flow months, and per quarter the households a flow's quarter describes and the two largest
households' parts of its sums. A run computes from the data as it is now: history the database
does not keep (residents' arrivals, inclusion data withdrawn, spaces no longer bookable) is read
as it stands today.
"""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from collections.abc import Mapping, Sequence
from zoneinfo import ZoneInfo

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

from common.months import add_months, last_of_month, quarter_of
from community.bookings.models import Booking, Space, SpaceClosure, SpaceOpeningHours
from community.bookings.schedule import local_midnight, opening_intervals, subtract
from community.bookings.selectors.usage import USED
from community.money.selectors.affordability import household_figures_for_city
from community.monitoring.models import Indicator
from community.monitoring.protection import Key, RawFigure, SnapshotData, present
from community.monitoring.selectors.indicators import HOUSEHOLD_SIZE_FILTERS, household_size_filter
from community.monitoring.sources import participation_facts
from members.models import City, Gender, Household, HousingProject, Resident

__all__ = ["snapshot_data"]

ADULT_AGE = 18
YOUNG_AGE = 30  # "under 30"
OLD_AGE = 65  # "65 and over"


def _bounds(first: dt.date, after: dt.date, zone: ZoneInfo) -> tuple[dt.datetime, dt.datetime]:
    """[first's local midnight, after's local midnight), in UTC."""
    return (
        local_midnight(first, zone).astimezone(dt.UTC),
        local_midnight(after, zone).astimezone(dt.UTC),
    )


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
) -> dict[tuple[int, dt.date, str], dict[str, RawFigure]]:
    """The affordability indicators per project, size and month, from each charged
    household-month's figures (``community.money.selectors.affordability``): the medians need
    every household's value, so this is the one place that goes through households one by one."""
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
            Indicator.MEDIAN_COST_RATIO: RawFigure(
                n=len(measured), values=tuple(row.ratio for row in measured)
            ),
            Indicator.OVERBURDEN_RATE_EUROSTAT: RawFigure(
                numerator=sum(row.residents for row in measured if row.overburdened),
                denominator=sum(row.residents for row in measured),
                n=len(measured),
            ),
            Indicator.COST_BURDEN_RATE_30: RawFigure(
                numerator=sum(1 for row in gross if row.thirty_rule),
                denominator=len(gross),
                n=len(gross),
            ),
            Indicator.SEVERE_COST_BURDEN_RATE_50: RawFigure(
                numerator=sum(1 for row in gross if row.severely_burdened),
                denominator=len(gross),
                n=len(gross),
            ),
            Indicator.EQUIVALISED_INCOME_MEDIAN_OECD_MODIFIED: RawFigure(
                n=len(disposable), values=tuple(row.equivalised_cents for row in disposable)
            ),
            Indicator.EQUIVALISED_INCOME_MEDIAN_SQRT_SCALE: RawFigure(
                n=len(disposable), values=tuple(row.equivalised_sqrt_cents for row in disposable)
            ),
            Indicator.SHARE_AT_RISK_OF_POVERTY: RawFigure(
                numerator=sum(row.residents for row in poverty if row.at_risk_of_poverty),
                denominator=sum(row.residents for row in poverty),
                n=len(poverty),
            ),
        }
    return figures


def _participation(
    city: City, months: list[dt.date], zone: ZoneInfo
) -> tuple[dict[tuple[int, dt.date, str], RawFigure], dict[tuple[int, dt.date], int], dict]:
    """Turnout per project, month and size, households in each quarter's electorates, and
    meetings per project and month: governance's facts, through the registered reader."""
    if not months:
        return {}, {}, {}
    start, end = _bounds(months[0], add_months(months[-1], 1), zone)
    facts = participation_facts(
        city_id=city.pk, start=start, end=end, zone=zone, size_filter=household_size_filter
    )
    turnout = {
        key: RawFigure(numerator=row.ballots, denominator=row.voters, n=row.households)
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


# --- Assembling the projects' figures -----------------------------------------------------


def _inclusion_figures(consenting: Mapping[str, int] | None) -> dict[str, RawFigure]:
    """The consented inclusion shares of one project, month and size, from their counts."""
    if not consenting:
        return {}
    return {
        Indicator.SHARE_UNDER_30: RawFigure(
            numerator=consenting["young"],
            denominator=consenting["consenting"],
            n=consenting["consenting_households"],
        ),
        Indicator.SHARE_65_PLUS: RawFigure(
            numerator=consenting["old"],
            denominator=consenting["consenting"],
            n=consenting["consenting_households"],
        ),
        Indicator.SHARE_MIGRANT_BACKGROUND: RawFigure(
            numerator=consenting["migrant"],
            denominator=consenting["answered"],
            n=consenting["answered_households"],
        ),
    }


def _stock_figures(
    city: City,
    stock: list[dt.date],
    living: dict[tuple[int, dt.date, str], int],
    residents: dict[tuple[int, dt.date, str], int],
) -> dict[Key, RawFigure]:
    """The stock indicators per project, month of ``stock`` and size: households, residents,
    the inclusion shares and the affordability figures (three queries)."""
    women_led = _women_led(city, stock)
    inclusion = _inclusion(city, stock)
    affordability = _affordability(city, stock)
    figures: dict[Key, RawFigure] = {}
    stock_months = set(stock)
    for project, month in present(living):
        if month not in stock_months:
            continue
        for size in HOUSEHOLD_SIZE_FILTERS:
            scope = (project, month, size)
            households = living.get(scope, 0)
            figures[project, month, Indicator.HOUSEHOLDS, size] = RawFigure(
                numerator=households, n=households
            )
            figures[project, month, Indicator.RESIDENTS, size] = RawFigure(
                numerator=residents.get(scope, 0), n=households
            )
            women, declared = women_led.get(scope, (0, 0))
            figures[project, month, Indicator.SHARE_WOMEN_LED, size] = RawFigure(
                numerator=women, denominator=declared, n=declared
            )
            for indicator, figure in _inclusion_figures(inclusion.get(scope)).items():
                figures[project, month, indicator, size] = figure
            for indicator, figure in affordability.get(scope, {}).items():
                figures[project, month, indicator, size] = figure
    return figures


def _quarter_parts(
    quarter_living: dict[tuple[int, dt.date], int],
    turnout_quarters: dict[tuple[int, dt.date], int],
    booking_quarters: dict[tuple, list[int]],
    booked_quarters: dict[tuple, list[int]],
) -> tuple[dict[tuple[str, int, dt.date], int], dict[tuple[str, int, dt.date], tuple[int, ...]]]:
    """Per flow, project and quarter: the households the quarter describes (those living there,
    or for turnout those in its electorates), and the two largest households' parts of a sum."""
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
    return quarter_n, quarter_top


def _flow_figures(
    city: City,
    flow: list[dt.date],
    zone: ZoneInfo,
    living: dict[tuple[int, dt.date, str], int],
    quarter_living: dict[tuple[int, dt.date], int],
) -> tuple[dict[Key, RawFigure], dict, dict]:
    """The flows per project, month of ``flow`` and size (turnout, bookings per household) or
    per project and month (meetings, space use), with their quarters' households and largest
    parts (``_quarter_parts``)."""
    turnout, turnout_quarters, meetings = _participation(city, flow, zone)
    bookings, booking_quarters = _bookings(city, flow, zone)
    booked, booked_quarters, open_seconds = _space_use(city, flow, zone)
    figures: dict[Key, RawFigure] = {}
    flow_set = set(flow)
    for (project, month), everyone in present(living).items():
        if month not in flow_set:
            continue
        for size in HOUSEHOLD_SIZE_FILTERS:
            households = living.get((project, month, size), 0)
            if (project, month, size) in turnout:
                figures[project, month, Indicator.TURNOUT, size] = turnout[project, month, size]
            count, top = bookings.get((project, month, size), (0, ()))
            figures[project, month, Indicator.BOOKINGS_PER_HOUSEHOLD, size] = RawFigure(
                numerator=count, denominator=households, n=households, top=top
            )
        figures[project, month, Indicator.MEETINGS_HELD, ""] = RawFigure(
            numerator=meetings.get((project, month), 0), n=everyone
        )
        seconds, top = booked.get((project, month), (0, ()))
        figures[project, month, Indicator.SPACE_USE, ""] = RawFigure(
            numerator=seconds,
            denominator=open_seconds.get((project, month), 0),
            n=everyone,
            top=top,
        )
    quarter_n, quarter_top = _quarter_parts(
        quarter_living, turnout_quarters, booking_quarters, booked_quarters
    )
    return figures, quarter_n, quarter_top


def snapshot_data(
    *, city: City, stock: list[dt.date], flow: list[dt.date], zone: ZoneInfo
) -> tuple[SnapshotData, dict[int, HousingProject]]:
    """Every figure of every project of the city, month and size filter — the stock indicators
    for the months of ``stock``, the flows for those of ``flow`` — and the city's projects by
    id, in a fixed number of queries."""
    months = sorted(set(stock) | set(flow))
    quarter_starts = sorted({quarter_of(month) for month in flow})
    quarters = [
        (first, last_of_month(max(m for m in flow if quarter_of(m) == first)))
        for first in quarter_starts
    ]
    projects = {project.pk: project for project in HousingProject.objects.filter(city=city)}
    living, residents, quarter_living = _households(city, months, quarters)
    figures = _stock_figures(city, stock, living, residents)
    flows, quarter_n, quarter_top = _flow_figures(city, flow, zone, living, quarter_living)
    data = SnapshotData(
        living=living,
        figures=figures | flows,
        quarter_n=quarter_n,
        quarter_top=quarter_top,
        units={pk: project.units_count for pk, project in projects.items()},
    )
    return data, projects
