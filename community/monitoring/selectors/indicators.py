"""Reads of the city indicator snapshots, for the dashboards, reports, exports and the API.

Every read returns published data only, as ``IndicatorSnapshot.public()`` has it: a value, or
``suppressed`` with no value (and "< k" for a small count). Never the household count a figure
was computed from, nor the reason for a suppression: they stay in the database for audits. The
selectors read by city or project; the callers check who may see them
(``members.selectors.observed_city_list`` for officers and network observers).

Rows are written by ``community.services.indicators``: per project (empty for the city total),
month, indicator and filter — "" for all households, one of ``HOUSEHOLD_SIZE_FILTERS``, or
``QUARTER_FILTER`` for a flow's quarter total, stored on the quarter's first month.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass
from decimal import Decimal
from typing import Any
from zoneinfo import ZoneInfo

from django.db.models import (
    Case,
    CharField,
    Count,
    F,
    Max,
    OuterRef,
    QuerySet,
    Subquery,
    Value,
    When,
)
from django.db.models.functions import Coalesce
from django.utils import timezone

from common.months import add_months, first_of_month, quarter_of
from community.monitoring.models import INDICATOR_SPECS, Indicator, IndicatorSnapshot, IndicatorUnit
from members.models import City, HousingProject, Resident

__all__ = [
    "DEFAULT_MONTHS",
    "HOUSEHOLD_SIZE_FILTERS",
    "QUARTER_FILTER",
    "Figure",
    "IndicatorRow",
    "IndicatorRows",
    "IndicatorTable",
    "SeriesPoint",
    "city_indicator_table",
    "current_month",
    "indicator_row_list",
    "indicator_rows",
    "indicator_series",
    "latest_indicator_month",
    "project_indicator_rows",
    "snapshot_months",
]

DEFAULT_MONTHS = 24
# The categories of the one published filter, by household size; each household is in exactly
# one, so they add up to the all-households figure.
HOUSEHOLD_SIZE_FILTERS = ("household_size:1", "household_size:2", "household_size:3+")
# The row of a quarter's total (the quarter to date while it runs), on its first month.
QUARTER_FILTER = "period:quarter"

# What may leave the table: no n_households, no suppression_reason.
_PUBLIC_FIELDS = (
    "city_id",
    "project_id",
    "month",
    "indicator",
    "filter",
    "value",
    "suppressed",
    "display",
)


# --- Months ------------------------------------------------------------------------------


def current_month(city: City) -> dt.date:
    """The first of the month it is now in the city."""
    return first_of_month(timezone.localdate(timezone=ZoneInfo(city.time_zone)))


def snapshot_months(*, city: City, count: int = DEFAULT_MONTHS) -> list[dt.date]:
    """The ``count`` months up to the city's current month, oldest first."""
    latest = current_month(city)
    return [add_months(latest, -back) for back in range(count - 1, -1, -1)]


# --- What a read returns -----------------------------------------------------------------


@dataclass(frozen=True)
class Figure:
    """A published cell: its value, or suppressed with none ("< k" for a small count)."""

    indicator: str
    value: Decimal | None
    suppressed: bool
    display: str

    @property
    def unit(self) -> IndicatorUnit:
        return INDICATOR_SPECS[self.indicator].unit

    @property
    def label(self) -> str:
        return str(Indicator(self.indicator).label)

    def public(self) -> dict[str, Any]:
        return {"value": self.value, "suppressed": self.suppressed, "display": self.display}


@dataclass(frozen=True)
class IndicatorRow:
    """One tidy row: where, when, which indicator and filter, and its published figure."""

    city_id: int
    city_name: str
    project_id: int | None  # None: the city total
    project_name: str
    month: dt.date
    indicator: str
    filter: str
    value: Decimal | None
    suppressed: bool
    display: str

    @property
    def figure(self) -> Figure:
        return Figure(self.indicator, self.value, self.suppressed, self.display)


@dataclass(frozen=True)
class SeriesPoint:
    month: dt.date
    figure: Figure | None  # None: nothing was measured that month (no row)


@dataclass(frozen=True)
class IndicatorTable:
    """A city's month: each project's figures and the city total's, for all households."""

    city: City
    month: dt.date | None  # None: the city has no snapshot yet
    projects: list[HousingProject]  # every project of the city, by name
    figures: dict[tuple[int | None, str], Figure]  # (project id or None, indicator)

    def figure(self, project: HousingProject | None, indicator: str) -> Figure | None:
        """The figure, or None when the snapshot has no row for it (nothing measured)."""
        return self.figures.get((project.pk if project is not None else None, indicator))

    def row(self, project: HousingProject | None) -> dict[str, Figure | None]:
        """Every indicator's figure of one project (None: the city), in ``Indicator`` order."""
        return {indicator: self.figure(project, indicator) for indicator in Indicator.values}

    @property
    def city_row(self) -> dict[str, Figure | None]:
        return self.row(None)


def _figure(indicator: str, value: Decimal | None, suppressed: bool, display: str) -> Figure:
    # The database refuses a suppressed row with a value; the read drops it all the same.
    return Figure(indicator, None if suppressed else value, suppressed, display)


def _published(rows: QuerySet[IndicatorSnapshot]) -> QuerySet:
    return rows.values_list(*_PUBLIC_FIELDS)


# --- The selectors -----------------------------------------------------------------------


def latest_indicator_month(*, city: City) -> dt.date | None:
    """The latest month the city has snapshot rows for; one query."""
    return IndicatorSnapshot.objects.filter(city=city).aggregate(latest=Max("month"))["latest"]


def city_indicator_table(
    *, city: City, month: dt.date | None = None, filter: str = ""
) -> IndicatorTable:
    """The city's projects and total for ``month`` (by default the latest month with rows), for
    all households or one size ``filter``. Three queries at most, whatever the projects."""
    if month is None:
        month = latest_indicator_month(city=city)
    projects = list(HousingProject.objects.filter(city=city).order_by("name", "pk"))
    figures: dict[tuple[int | None, str], Figure] = {}
    if month is not None:
        rows = IndicatorSnapshot.objects.filter(city=city, month=month, filter=filter)
        for _city, project_id, _month, indicator, _filter, value, suppressed, display in _published(
            rows.order_by()
        ):
            figures[project_id, indicator] = _figure(indicator, value, suppressed, display)
    return IndicatorTable(city=city, month=month, projects=projects, figures=figures)


def _months_for(
    scope: City | HousingProject, months: int | Sequence[dt.date], filter: str
) -> list[dt.date]:
    if not isinstance(months, int):
        return sorted(set(months))
    city = scope if isinstance(scope, City) else scope.city
    if filter == QUARTER_FILTER:
        latest = quarter_of(current_month(city))
        return [add_months(latest, -3 * back) for back in range(months - 1, -1, -1)]
    return snapshot_months(city=city, count=months)


def indicator_series(
    *,
    scope: City | HousingProject,
    indicator: str,
    months: int | Sequence[dt.date] = DEFAULT_MONTHS,
    filter: str = "",
) -> list[SeriesPoint]:
    """One indicator of a city (its totals) or a project, month by month: the last ``months``
    months up to the city's current month, or the months given (with ``QUARTER_FILTER``, the
    last ``months`` quarters). One point a month, oldest first; one query."""
    wanted = _months_for(scope, months, filter)
    rows = IndicatorSnapshot.objects.filter(indicator=indicator, filter=filter, month__in=wanted)
    if isinstance(scope, City):
        rows = rows.filter(city=scope, project__isnull=True)
    else:
        rows = rows.filter(project=scope)
    found = {
        month: _figure(indicator, value, suppressed, display)
        for _city, _project, month, indicator, _filter, value, suppressed, display in (
            _published(rows.order_by())
        )
    }
    return [SeriesPoint(month, found.get(month)) for month in wanted]


# What a tidy row is read from, in ``IndicatorRow``'s order.
_ROW_FIELDS = (
    "city_id",
    "city__name",
    "project_id",
    "project__name",
    "month",
    "indicator",
    "filter",
    "value",
    "suppressed",
    "display",
)


def _tidy_row(values: tuple) -> IndicatorRow:
    city_id, city_name, project_id, project_name, month, indicator, filter_, value, suppressed = (
        values[:-1]
    )
    return IndicatorRow(
        city_id=city_id,
        city_name=city_name,
        project_id=project_id,
        project_name=project_name or "",
        month=month,
        indicator=indicator,
        filter=filter_,
        value=None if suppressed else value,
        suppressed=suppressed,
        display=values[-1],
    )


class IndicatorRows:
    """Tidy rows read as they are asked for, in the order of ``indicator_rows``: ``count()`` is
    one query, a slice one query that reads only its rows (with LIMIT), as a paginator asks."""

    ordered = True  # what Django's paginator checks before paging

    def __init__(self, rows: QuerySet) -> None:
        self._rows = rows

    def count(self) -> int:
        return self._rows.count()

    def __getitem__(self, index: slice) -> list[IndicatorRow]:
        if not isinstance(index, slice):
            raise TypeError("Indicator rows are read a page at a time.")
        return [_tidy_row(values) for values in self._rows[index]]

    def __iter__(self) -> Iterator[IndicatorRow]:
        return (_tidy_row(values) for values in self._rows)


def indicator_rows(
    *,
    cities: Iterable[City] | QuerySet[City] | None = None,
    city: City | None = None,
    project: HousingProject | None = None,
    start: dt.date | None = None,
    until: dt.date | None = None,
    indicator: str | None = None,
    filters: Iterable[str] | None = None,
) -> IndicatorRows:
    """Tidy rows (city, project, month, indicator, filter, value, suppressed) for exports and
    the API: of ``cities``, one ``city`` or one ``project``, between ``start`` and ``until``
    (firsts of months, both included), one ``indicator`` or all, the ``filters`` given or all.
    Ordered by city, month, indicator, project (the city total first) and filter.

    Nothing is read until the rows are: a page of them reads that page only."""
    rows = IndicatorSnapshot.objects.all()
    if cities is not None:
        rows = rows.filter(city__in=cities)
    if city is not None:
        rows = rows.filter(city=city)
    if project is not None:
        rows = rows.filter(project=project)
    if start is not None:
        rows = rows.filter(month__gte=start)
    if until is not None:
        rows = rows.filter(month__lte=until)
    if indicator is not None:
        rows = rows.filter(indicator=indicator)
    if filters is not None:
        filters = list(filters)
        # One filter as an equality: the city page index then yields the rows in month order.
        rows = (
            rows.filter(filter=filters[0]) if len(filters) == 1 else rows.filter(filter__in=filters)
        )
    ordering: list[Any] = [
        "month",
        "indicator",
        F("project__name").asc(nulls_first=True),
        "project_id",
        "filter",
    ]
    if city is None and project is None:
        # Rows of one city need no city order; leaving it out lets an index give the month
        # order, so that a page is read without sorting the city's every row.
        ordering = ["city__name", "city_id", *ordering]
    return IndicatorRows(rows.order_by(*ordering).values_list(*_ROW_FIELDS))


def indicator_row_list(**criteria: Any) -> list[IndicatorRow]:
    """Every row ``indicator_rows`` gives for ``criteria``, read at once; one query."""
    return list(indicator_rows(**criteria))


def project_indicator_rows(
    *, project: HousingProject, start: dt.date | None = None, until: dt.date | None = None
) -> list[IndicatorRow]:
    """Every published row of one project (all indicators, filters and quarter totals),
    between ``start`` and ``until`` if given, by month, indicator and filter. One query."""
    return indicator_row_list(project=project, start=start, until=until)


def household_size_filter(household: str) -> Coalesce:
    """The ``HOUSEHOLD_SIZE_FILTERS`` category of the household ``household`` refers to, by its
    residents on record (nobody recorded: one person). One subquery, so that the database
    counts each household's residents once per row however often the category is used."""
    one, two, more = HOUSEHOLD_SIZE_FILTERS
    category = (
        Resident.objects.filter(household=OuterRef(household))
        .order_by()
        .values("household")
        .annotate(residents=Count("pk"))
        .annotate(
            category=Case(
                When(residents__lte=1, then=Value(one)),
                When(residents=2, then=Value(two)),
                default=Value(more),
            )
        )
        .values("category")
    )
    return Coalesce(Subquery(category, output_field=CharField()), Value(one))
