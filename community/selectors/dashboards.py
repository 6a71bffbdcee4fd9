"""Reads of the published indicator cells for the dashboards, the quarterly report, the exports
and the API (DESIGN.md §4, "City indicators" and "Disclosure control").

Only ``IndicatorSnapshot`` rows are read: cells that ``community.disclosure.protect`` published.
A suppressed row has no value in the database, so nothing here can show one; what leaves this
module is a ``Figure`` (a value, or "suppressed" with at most its "< k" text) and never a
household count or a suppression reason (``IndicatorSnapshot.public``).

Who reads what:
- a city officer: the cities they monitor, with every project of them;
- a network observer (and a platform admin): every city;
- a housing manager: the published indicators of the projects they manage, not the city's
  totals nor any other project (a manager runs one project; the comparison is the city's);
- a resident: nothing (they see their own household's figures on the contributions pages).

Each dashboard reads all its cells in one query, whatever the number of projects or months.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from decimal import Decimal

from django.db.models import F, Q, QuerySet
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from community.models import (
    INDICATOR_SPECS,
    City,
    HousingProject,
    Indicator,
    IndicatorSnapshot,
    IndicatorUnit,
    PilotGoal,
)
from community.models.contributions import first_of_month, last_of_month
from community.selectors.household_facts import add_months
from members.selectors import AnyUser, managed_project_list, observed_city_list

# The columns of the dashboards' tables: one figure of each kind a pilot is judged on
# (size, affordability after Eurostat, poverty, participation, shared spaces).
KEY_INDICATORS: tuple[str, ...] = (
    Indicator.HOUSEHOLDS,
    Indicator.RESIDENTS,
    Indicator.OCCUPANCY,
    Indicator.OVERBURDEN_RATE_EUROSTAT,
    Indicator.MEDIAN_COST_RATIO,
    Indicator.SHARE_AT_RISK_OF_POVERTY,
    Indicator.TURNOUT,
    Indicator.BOOKINGS_PER_HOUSEHOLD,
    Indicator.SPACE_USE,
)
ALL_INDICATORS: tuple[str, ...] = tuple(Indicator.values)
# Column headings of the dashboards' tables, where the full names would not fit; the full name
# is the heading's title and the trend chart's heading.
SHORT_LABELS = {
    Indicator.HOUSEHOLDS: _("Households"),
    Indicator.RESIDENTS: _("Residents"),
    Indicator.OCCUPANCY: _("Occupancy"),
    Indicator.OVERBURDEN_RATE_EUROSTAT: _("Overburden rate"),
    Indicator.MEDIAN_COST_RATIO: _("Median cost ratio"),
    Indicator.SHARE_AT_RISK_OF_POVERTY: _("At risk of poverty"),
    Indicator.TURNOUT: _("Turnout"),
    Indicator.BOOKINGS_PER_HOUSEHOLD: _("Bookings per household"),
    Indicator.SPACE_USE: _("Space use"),
}
DEFAULT_COMPARED = Indicator.OVERBURDEN_RATE_EUROSTAT
WINDOWS = (6, 12, 24)  # months a trend chart may cover
DEFAULT_WINDOW = 12
COMPARED_MONTHS = 6  # columns of the comparison table
ALL_HOUSEHOLDS = ""  # the snapshot filter of the whole population


# --- Who may read ------------------------------------------------------------------------


def indicator_project_list_for_user(*, user: AnyUser) -> QuerySet[HousingProject]:
    """The projects whose published indicators the user may read: every project of the cities
    they observe, and the projects they manage."""
    return HousingProject.objects.filter(
        Q(city__in=observed_city_list(user=user).values("pk"))
        | Q(pk__in=managed_project_list(user=user).values("pk"))
    ).select_related("city")


def user_observes_city(*, user: AnyUser, city: City) -> bool:
    """May read the city's totals and every project of it (officers of the city, observers)."""
    return observed_city_list(user=user).filter(pk=city.pk).exists()


def user_can_set_goals(*, user: AnyUser, city: City) -> bool:
    """Only the city's officers (and platform admins) set its pilot goals; network observers
    read them."""
    return user.is_authenticated and user.has_perm("community.monitor_city", city)


def pilot_goal_list_for_user(*, user: AnyUser) -> QuerySet[PilotGoal]:
    """Goals of the cities the user observes, and of the projects they manage."""
    return (
        PilotGoal.objects.filter(
            Q(city__in=observed_city_list(user=user).values("pk"))
            | Q(project__in=managed_project_list(user=user).values("pk"))
        )
        .select_related("city", "project")
        .order_by("city__name", "city_id", "project__name", "project_id", "indicator", "pk")
    )


# --- What a cell shows -------------------------------------------------------------------


@dataclass(frozen=True)
class Figure:
    """A published cell as a page shows it: a value, or suppressed (with "< k" for a small
    count), or missing (no row for that month). ``unit`` and ``currency`` say how to write it."""

    value: Decimal | None
    suppressed: bool = False
    display: str = ""
    unit: str = IndicatorUnit.NUMBER
    currency: str = "EUR"

    @property
    def missing(self) -> bool:
        return self.value is None and not self.suppressed

    @property
    def number(self) -> float | None:
        return None if self.value is None else float(self.value)


def unit_of(indicator: str) -> str:
    return INDICATOR_SPECS[indicator].unit


def indicator_label(indicator: str) -> str:
    return str(Indicator(indicator).label)


def indicator_short_label(indicator: str) -> str:
    return str(SHORT_LABELS.get(indicator) or Indicator(indicator).label)


def missing(indicator: str, currency: str) -> Figure:
    return Figure(None, unit=unit_of(indicator), currency=currency)


CellKey = tuple[int, int | None, dt.date, str]  # city, project (None: the city), month, indicator


def _figures(rows: QuerySet[IndicatorSnapshot]) -> dict[CellKey, Figure]:
    """The cells of a query of snapshots (the whole population's), by key, in one query."""
    cells = rows.filter(filter=ALL_HOUSEHOLDS).values_list(
        "city_id",
        "project_id",
        "month",
        "indicator",
        "value",
        "suppressed",
        "display",
        "city__currency",
    )
    return {
        (city_id, project_id, month, indicator): Figure(
            value, suppressed, display, unit_of(indicator), currency
        )
        for city_id, project_id, month, indicator, value, suppressed, display, currency in cells
    }


def month_list(*, cities: Iterable[City] | QuerySet, project: HousingProject | None = None):
    """The months with published cells, the latest first."""
    rows = IndicatorSnapshot.objects.filter(city__in=cities)
    if project is not None:
        rows = rows.filter(project=project)
    return list(rows.order_by("-month").values_list("month", flat=True).distinct())


def window_ending(month: dt.date, length: int) -> list[dt.date]:
    """``length`` months up to and including ``month``, the oldest first."""
    return [add_months(month, offset) for offset in range(1 - length, 1)]


def quarter_of(month: dt.date) -> dt.date:
    """The first month of the calendar quarter holding ``month``."""
    return month.replace(month=(month.month - 1) // 3 * 3 + 1, day=1)


# --- Tables and series -------------------------------------------------------------------


@dataclass
class ScopeRow:
    """A row of a table: a project, or a city's total (``project`` None). ``keys`` name the
    columns (an indicator's code, or a month), one per figure."""

    city: City
    project: HousingProject | None
    figures: list[Figure]
    keys: list[str | dt.date] = field(default_factory=list)

    @property
    def cells(self) -> list[tuple[str | dt.date, Figure]]:
        return list(zip(self.keys, self.figures, strict=True))

    @property
    def label(self) -> str:
        return self.project.name if self.project is not None else self.city.name


@dataclass
class Line:
    label: str
    figures: list[Figure]
    css: str = "line-1"


@dataclass
class Trend:
    """One indicator over the window's months, one line per scope."""

    indicator: str
    lines: list[Line]

    @property
    def label(self) -> str:
        return indicator_label(self.indicator)

    @property
    def unit(self) -> str:
        return unit_of(self.indicator)

    @property
    def has_data(self) -> bool:
        return any(not figure.missing for line in self.lines for figure in line.figures)


class GoalStatus:
    MET = "met"
    NOT_MET = "not_met"
    UNKNOWN = "unknown"  # suppressed, or not published for the month
    NOT_STARTED = "not_started"

    LABELS = {
        MET: _("met"),
        NOT_MET: _("not met"),
        UNKNOWN: _("unknown"),
        NOT_STARTED: _("not started"),
    }


@dataclass
class GoalProgress:
    """A goal judged on the latest published month of its period up to ``until``."""

    goal: PilotGoal
    until: dt.date
    month: dt.date | None
    figure: Figure | None
    status: str

    @property
    def status_label(self) -> str:
        return str(GoalStatus.LABELS[self.status])

    @property
    def ended(self) -> bool:
        return first_of_month(self.goal.ends_on) < self.until

    @property
    def target(self) -> Figure:
        return goal_target(self.goal)


def goal_target(goal: PilotGoal) -> Figure:
    """A goal's target, written as its indicator's figures are."""
    return Figure(goal.target, unit=unit_of(goal.indicator), currency=goal.city.currency)


def _goal_progress(goal: PilotGoal, until: dt.date, figures: dict[CellKey, Figure]) -> GoalProgress:
    start = first_of_month(goal.starts_on)
    if until < start:
        return GoalProgress(goal, until, None, None, GoalStatus.NOT_STARTED)
    last = min(until, first_of_month(goal.ends_on))
    months = sorted(
        (
            month
            for (city_id, project_id, month, indicator) in figures
            if city_id == goal.city_id
            and project_id == goal.project_id
            and indicator == goal.indicator
            and start <= month <= last
        ),
        reverse=True,
    )
    if not months:
        return GoalProgress(goal, until, None, None, GoalStatus.UNKNOWN)
    month = months[0]
    figure = figures[(goal.city_id, goal.project_id, month, goal.indicator)]
    met = goal.is_met(figure.value)  # None for a suppressed figure: it tells nothing
    status = {True: GoalStatus.MET, False: GoalStatus.NOT_MET, None: GoalStatus.UNKNOWN}[met]
    return GoalProgress(goal, until, month, figure, status)


def goal_progress_list(*, goals: Sequence[PilotGoal], until: dt.date) -> list[GoalProgress]:
    """Each goal against the latest month of its period (up to ``until``) with a published
    cell: met, not met, unknown when that cell is suppressed or missing, not started before
    its period. One query for any number of goals."""
    goals = list(goals)
    if not goals:
        return []
    earliest = min(first_of_month(goal.starts_on) for goal in goals)
    scopes = Q()
    for city_id in {goal.city_id for goal in goals}:
        project_ids = {goal.project_id for goal in goals if goal.city_id == city_id}
        in_city = Q(project_id__in={pk for pk in project_ids if pk is not None})
        if None in project_ids:
            in_city |= Q(project__isnull=True)
        scopes |= Q(city_id=city_id) & in_city
    figures = _figures(
        IndicatorSnapshot.objects.filter(
            scopes,
            indicator__in={goal.indicator for goal in goals},
            month__gte=earliest,
            month__lte=until,
        )
    )
    return [_goal_progress(goal, until, figures) for goal in goals]


# --- A city's dashboard ------------------------------------------------------------------


@dataclass
class Dashboard:
    """What a dashboard page shows for one month: the table of key indicators, the trends,
    the comparison of one indicator over the last months, and the goals."""

    cities: list[City]
    month: dt.date | None
    months: list[dt.date]
    window: list[dt.date]
    indicators: tuple[str, ...]
    table: list[ScopeRow]
    totals: list[ScopeRow]
    trends: list[Trend]
    compared: str
    compared_months: list[dt.date]
    comparison: list[ScopeRow]
    goals: list[GoalProgress] = field(default_factory=list)

    @property
    def compared_label(self) -> str:
        return indicator_label(self.compared)


def _pick_month(months: list[dt.date], month: dt.date | None) -> dt.date | None:
    if month is not None:
        return first_of_month(month)
    return months[0] if months else None


def _row(
    city: City,
    project: HousingProject | None,
    columns: Sequence[tuple[dt.date, str]],
    figures: dict[CellKey, Figure],
    by_month: bool = False,
) -> ScopeRow:
    """A scope's figures in the given (month, indicator) columns; ``by_month``: the columns
    are named by their month rather than their indicator."""
    project_id = project.pk if project is not None else None
    return ScopeRow(
        city,
        project,
        [
            figures.get((city.pk, project_id, month, indicator))
            or missing(indicator, city.currency)
            for month, indicator in columns
        ],
        [month if by_month else indicator for month, indicator in columns],
    )


def _line(
    label: str,
    city: City,
    project_id: int | None,
    indicator: str,
    window: list[dt.date],
    figures: dict[CellKey, Figure],
    css: str,
) -> Line:
    return Line(
        label,
        [
            figures.get((city.pk, project_id, month, indicator))
            or missing(indicator, city.currency)
            for month in window
        ],
        css,
    )


def dashboard(
    *,
    cities: Sequence[City],
    projects: Sequence[HousingProject],
    month: dt.date | None = None,
    window: int = DEFAULT_WINDOW,
    compared: str = DEFAULT_COMPARED,
    goals: Sequence[PilotGoal] = (),
    months: list[dt.date] | None = None,
) -> Dashboard:
    """The dashboard of one city (its officers') or of several (a network observer's): its
    projects × the key indicators for the month, the city totals, a trend chart per key
    indicator (one line per city total), the compared indicator of every project (and, across
    cities, every city) over the last months, and the goals' progress.

    ``month`` defaults to the latest with published cells. All cells in one query.
    """
    cities = list(cities)
    if months is None:
        months = month_list(cities=cities)
    month = _pick_month(months, month)
    if month is None:
        return Dashboard(cities, None, months, [], KEY_INDICATORS, [], [], [], compared, [], [])
    window_months = window_ending(month, window)
    compared_months = window_ending(month, COMPARED_MONTHS)
    figures = _figures(
        IndicatorSnapshot.objects.filter(
            Q(month=month, indicator__in=KEY_INDICATORS)
            | Q(project__isnull=True, month__in=window_months, indicator__in=KEY_INDICATORS)
            | Q(indicator=compared, month__in=compared_months),
            city__in=cities,
        )
    )
    columns = [(month, indicator) for indicator in KEY_INDICATORS]
    compared_columns = [(each, compared) for each in compared_months]
    table = [_row(project.city, project, columns, figures) for project in projects]
    totals = [_row(city, None, columns, figures) for city in cities]
    trends = [
        Trend(
            indicator,
            [
                _line(city.name, city, None, indicator, window_months, figures, f"line-{i % 6 + 1}")
                for i, city in enumerate(cities)
            ],
        )
        for indicator in KEY_INDICATORS
    ]
    comparison = [
        _row(project.city, project, compared_columns, figures, by_month=True)
        for project in projects
    ]
    comparison += [_row(city, None, compared_columns, figures, by_month=True) for city in cities]
    return Dashboard(
        cities=cities,
        month=month,
        months=months,
        window=window_months,
        indicators=KEY_INDICATORS,
        table=table,
        totals=totals,
        trends=trends,
        compared=compared,
        compared_months=compared_months,
        comparison=comparison,
        goals=goal_progress_list(goals=goals, until=month),
    )


def city_project_list(*, cities: Iterable[City] | QuerySet) -> QuerySet[HousingProject]:
    return (
        HousingProject.objects.filter(city__in=cities)
        .select_related("city")
        .order_by("city__name", "city_id", "name", "pk")
    )


def city_goal_list(*, cities: Iterable[City] | QuerySet) -> QuerySet[PilotGoal]:
    return (
        PilotGoal.objects.filter(city__in=cities)
        .select_related("city", "project")
        .order_by("city__name", "city_id", "project__name", "project_id", "indicator", "pk")
    )


# --- A project's indicators and its quarterly report -------------------------------------


@dataclass
class ProjectIndicators:
    """Every indicator of one project for a month (and the city's figure beside it, for
    readers of the city), their trends and the project's goals."""

    project: HousingProject
    with_city: bool
    month: dt.date | None
    months: list[dt.date]
    window: list[dt.date]
    rows: list[tuple[str, Figure, Figure | None]]  # indicator, the project's, the city's
    trends: list[Trend]
    goals: list[GoalProgress]


def project_indicators(
    *,
    project: HousingProject,
    with_city: bool,
    month: dt.date | None = None,
    window: int = DEFAULT_WINDOW,
) -> ProjectIndicators:
    """A project's page: all indicators for the month, a trend per indicator with data (the
    project's line and, with ``with_city``, the city's), and the goals set for the project
    (and for the city's figure, with ``with_city``)."""
    city = project.city
    months = month_list(cities=[city], project=project)
    month = _pick_month(months, month)
    goals = PilotGoal.objects.filter(project=project) | (
        PilotGoal.objects.filter(city=city, project__isnull=True)
        if with_city
        else PilotGoal.objects.none()
    )
    goals = goals.select_related("city", "project").order_by("project_id", "indicator", "pk")
    if month is None:
        return ProjectIndicators(project, with_city, None, months, [], [], [], [])
    window_months = window_ending(month, window)
    scope = Q(project=project) | (Q(project__isnull=True) if with_city else Q(pk__in=[]))
    figures = _figures(IndicatorSnapshot.objects.filter(scope, city=city, month__in=window_months))
    rows = [
        (
            indicator,
            figures.get((city.pk, project.pk, month, indicator))
            or missing(indicator, city.currency),
            (figures.get((city.pk, None, month, indicator)) or missing(indicator, city.currency))
            if with_city
            else None,
        )
        for indicator in ALL_INDICATORS
    ]
    trends = []
    for indicator in ALL_INDICATORS:
        lines = [_line(project.name, city, project.pk, indicator, window_months, figures, "line-1")]
        if with_city:
            lines.append(_line(city.name, city, None, indicator, window_months, figures, "line-2"))
        trend = Trend(indicator, lines)
        if trend.has_data:
            trends.append(trend)
    return ProjectIndicators(
        project=project,
        with_city=with_city,
        month=month,
        months=months,
        window=window_months,
        rows=rows,
        trends=trends,
        goals=goal_progress_list(goals=list(goals), until=month),
    )


@dataclass
class QuarterReport:
    project: HousingProject
    with_city: bool
    quarter: dt.date  # its first month
    months: list[dt.date]
    quarters: list[dt.date]  # quarters with published cells, the latest first
    rows: list[tuple[str, list[Figure], Figure | None]]  # indicator, its months, the city's
    goals: list[tuple[PilotGoal, list[GoalProgress]]]  # each goal at the end of each month

    @property
    def has_data(self) -> bool:
        return any(not figure.missing for _i, figures, _c in self.rows for figure in figures)


def project_quarter_report(
    *, project: HousingProject, with_city: bool, quarter: dt.date | None = None
) -> QuarterReport:
    """The quarterly pilot report: every indicator in each month of the quarter (and the city's
    figure for its last month, for readers of the city), and each goal's progress month by
    month. ``quarter`` (any day of it) defaults to the latest quarter with published cells."""
    city = project.city
    months_with_data = month_list(cities=[city], project=project)
    quarters = sorted({quarter_of(month) for month in months_with_data}, reverse=True)
    if quarter is not None:
        start = quarter_of(quarter)
    else:
        start = quarters[0] if quarters else quarter_of(timezone.localdate())
    months = [add_months(start, offset) for offset in range(3)]
    scope = Q(project=project) | (Q(project__isnull=True) if with_city else Q(pk__in=[]))
    figures = _figures(IndicatorSnapshot.objects.filter(scope, city=city, month__in=months))
    rows = [
        (
            indicator,
            [
                figures.get((city.pk, project.pk, month, indicator))
                or missing(indicator, city.currency)
                for month in months
            ],
            (
                figures.get((city.pk, None, months[-1], indicator))
                or missing(indicator, city.currency)
            )
            if with_city
            else None,
        )
        for indicator in ALL_INDICATORS
    ]
    goals = PilotGoal.objects.filter(project=project)
    if with_city:
        goals = goals | PilotGoal.objects.filter(city=city, project__isnull=True)
    goals = list(
        goals.select_related("city", "project")
        .filter(starts_on__lte=last_of_month(months[-1]), ends_on__gte=start)
        .order_by("project_id", "indicator", "pk")
    )
    if goals:
        earliest = min(first_of_month(goal.starts_on) for goal in goals)
        goal_figures = _figures(
            IndicatorSnapshot.objects.filter(
                Q(project=project) | Q(project__isnull=True),
                city=city,
                indicator__in={goal.indicator for goal in goals},
                month__gte=earliest,
                month__lte=months[-1],
            )
        )
    else:
        goal_figures = {}
    progress = [
        (goal, [_goal_progress(goal, month, goal_figures) for month in months]) for goal in goals
    ]
    return QuarterReport(project, with_city, start, months, quarters, rows, progress)


# --- Tidy rows for the exports -----------------------------------------------------------

EXPORT_COLUMNS = ("city", "project", "month", "indicator", "value", "suppressed")


def plain_value(value: Decimal | None) -> str:
    """A stored value for a machine: a point, no grouping, no trailing zeros (0.25, 12);
    empty for none."""
    if value is None:
        return ""
    text = format(value, "f")
    return text.rstrip("0").rstrip(".") if "." in text else text


def json_number(value: Decimal | None) -> int | float | None:
    """A stored value as a JSON number (12, 0.25), null for none. Six decimals at most, which
    a double holds exactly enough to print back the same digits."""
    if value is None:
        return None
    return int(value) if value == value.to_integral_value() else float(value)


def export_rows(
    *,
    cities: Iterable[City] | QuerySet,
    project: HousingProject | None = None,
    start: dt.date | None = None,
    end: dt.date | None = None,
    indicator: str | None = None,
    city_totals: bool = True,
) -> Iterable[dict[str, object]]:
    """Tidy rows (city, project, month, indicator, value, suppressed) of the whole population's
    published cells: one row per cell, the project None for a city total, the value None
    when suppressed. Shares and ratios are fractions (0.25 is 25 %), amounts are in cents of
    the city's currency. Streamed from one query."""
    rows = IndicatorSnapshot.objects.filter(city__in=cities, filter=ALL_HOUSEHOLDS)
    if project is not None:
        rows = rows.filter(project=project)
    elif not city_totals:
        rows = rows.filter(project__isnull=False)
    if start is not None:
        rows = rows.filter(month__gte=first_of_month(start))
    if end is not None:
        rows = rows.filter(month__lte=end)
    if indicator:
        rows = rows.filter(indicator=indicator)
    cells = rows.order_by(
        "city__name",
        "city_id",
        "month",
        "indicator",
        F("project__name").asc(nulls_first=True),
        "project_id",
        "pk",
    ).values_list("city__name", "project__name", "month", "indicator", "value", "suppressed")
    for city_name, project_name, month, code, value, suppressed in cells.iterator(chunk_size=2000):
        yield {
            "city": city_name,
            "project": project_name,
            "month": f"{month:%Y-%m}",
            "indicator": code,
            "value": value,
            "suppressed": suppressed,
        }
