"""What the indicator dashboards, the quarterly report and the exports show (DESIGN.md §4, "City
indicators" and "Disclosure control"), put together from the published cells that
``community.selectors.indicators`` reads — the one read of the snapshots: a value, or
"suppressed" with at most its "< k" text, never a household count or a suppression reason.
This module arranges those cells into tables, trend lines and goal progress, and says who may
see which.

Who reads what:
- a city officer: the cities they monitor, with every project of them;
- a network observer (and a platform admin): every city;
- a housing manager: the published indicators of the projects they manage, not the city's
  totals nor any other project (a manager runs one project; the comparison is the city's);
- a resident: nothing (they see their own household's figures on the contributions pages).

A city's dashboard reads in a fixed number of queries, whatever its projects and months: the
month's cells, the compared indicator's months, one trend line per key indicator, and the goals'
cells one query per indicator they follow. Across cities, the default month and the trend lines
take one query per city (a network has a handful of cities, each with many projects).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from decimal import Decimal

from django.db.models import Q, QuerySet
from django.utils.translation import gettext_lazy as _

from common.months import add_months, first_of_month, last_of_month, months_ending, quarter_of
from community.monitoring.models import INDICATOR_SPECS, Indicator, IndicatorUnit, PilotGoal
from community.monitoring.selectors import indicators as published
from members.models import City, HousingProject
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
MONTH_CHOICES = 24  # months offered by the month selector, up to the current one
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
    return user.is_authenticated and user.has_perm("members.monitor_city", city)


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


def shown(figure: published.Figure | None, indicator: str, currency: str) -> Figure:
    """A published figure (None: no row) as a page writes it, in the city's currency."""
    if figure is None:
        return missing(indicator, currency)
    return Figure(figure.value, figure.suppressed, figure.display, unit_of(indicator), currency)


CellKey = tuple[int, int | None, dt.date, str]  # city, project (None: the city), month, indicator


def _cells(
    rows: Iterable[published.IndicatorRow],
    currencies: dict[int, str],
    filter: str = ALL_HOUSEHOLDS,
) -> dict[CellKey, Figure]:
    """The tidy rows of one filter (the whole population's by default), by key."""
    return {
        (row.city_id, row.project_id, row.month, row.indicator): shown(
            row.figure, row.indicator, currencies[row.city_id]
        )
        for row in rows
        if row.filter == filter
    }


def latest_month(*, cities: Sequence[City]) -> dt.date | None:
    """The latest month any of the cities has published cells for (one query a city)."""
    months = [published.latest_indicator_month(city=city) for city in cities]
    return max((month for month in months if month is not None), default=None)


def month_choices(*, cities: Sequence[City], month: dt.date | None) -> list[dt.date]:
    """The months a selector offers, the latest first: the last two years up to the current
    month (the snapshots cover them), and the month shown if it is older."""
    if not cities:
        return []
    now = max(published.current_month(city) for city in cities)
    months = months_ending(now, MONTH_CHOICES)
    if month is not None and month not in months:
        months.append(month)
    return sorted(months, reverse=True)


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
    def label(self) -> str:
        return self.project.name if self.project is not None else self.city.name

    @property
    def cells(self) -> list[tuple[str | dt.date, Figure]]:
        return list(zip(self.keys, self.figures, strict=True))


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


def _series_line(
    scope: City | HousingProject, indicator: str, months: list[dt.date], css: str
) -> Line:
    """A city's totals (or a project's figures) of one indicator over the months: one query."""
    city = scope if isinstance(scope, City) else scope.city
    points = published.indicator_series(scope=scope, indicator=indicator, months=months)
    figures = [shown(point.figure, indicator, city.currency) for point in points]
    return Line(scope.name, figures, css)


def _line_from(
    figures: dict[CellKey, Figure],
    city: City,
    project: HousingProject | None,
    indicator: str,
    months: list[dt.date],
    css: str,
) -> Line:
    project_id = project.pk if project is not None else None
    return Line(
        (project or city).name,
        [
            figures.get((city.pk, project_id, month, indicator))
            or missing(indicator, city.currency)
            for month in months
        ],
        css,
    )


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


GoalKey = tuple[int, int | None, str]  # city, project (None: the city), indicator


def _goal_progress(
    goal: PilotGoal,
    until: dt.date,
    figures: dict[CellKey, Figure],
    months: dict[GoalKey, list[dt.date]],
) -> GoalProgress:
    start = first_of_month(goal.starts_on)
    if until < start:
        return GoalProgress(goal, until, None, None, GoalStatus.NOT_STARTED)
    last = min(until, first_of_month(goal.ends_on))
    published_months = months.get((goal.city_id, goal.project_id, goal.indicator), [])
    month = max((each for each in published_months if start <= each <= last), default=None)
    if month is None:
        return GoalProgress(goal, until, None, None, GoalStatus.UNKNOWN)
    figure = figures[(goal.city_id, goal.project_id, month, goal.indicator)]
    met = goal.is_met(figure.value)  # None for a suppressed figure: it tells nothing
    status = {True: GoalStatus.MET, False: GoalStatus.NOT_MET, None: GoalStatus.UNKNOWN}[met]
    return GoalProgress(goal, until, month, figure, status)


def _goal_figures(goals: Sequence[PilotGoal], until: dt.date) -> dict[CellKey, Figure]:
    """The cells the goals are judged on: one query per indicator the goals follow."""
    currencies = {goal.city_id: goal.city.currency for goal in goals}
    figures: dict[CellKey, Figure] = {}
    for indicator in sorted({goal.indicator for goal in goals}):
        following = [goal for goal in goals if goal.indicator == indicator]
        start = min(first_of_month(goal.starts_on) for goal in following)
        if start > until:
            continue
        rows = published.indicator_row_list(
            cities=sorted({goal.city_id for goal in following}),
            start=start,
            until=until,
            indicator=indicator,
            filters=[ALL_HOUSEHOLDS],
        )
        figures |= _cells(rows, currencies)
    return figures


def _months_by_scope(figures: dict[CellKey, Figure]) -> dict[GoalKey, list[dt.date]]:
    months: dict[GoalKey, list[dt.date]] = {}
    for city_id, project_id, month, indicator in figures:
        months.setdefault((city_id, project_id, indicator), []).append(month)
    return months


def goal_progress_list(
    *, goals: Sequence[PilotGoal], until: dt.date, figures: dict[CellKey, Figure] | None = None
) -> list[GoalProgress]:
    """Each goal against the latest month of its period (up to ``until``) with a published
    cell: met, not met, unknown when that cell is suppressed or missing, not started before
    its period. One query per indicator the goals follow (``figures``, when the caller read
    them already)."""
    goals = list(goals)
    if not goals:
        return []
    figures = _goal_figures(goals, until) if figures is None else figures
    months = _months_by_scope(figures)
    return [_goal_progress(goal, until, figures, months) for goal in goals]


# --- A city's dashboard, or several cities' ----------------------------------------------


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


def dashboard(
    *,
    cities: Sequence[City],
    projects: Sequence[HousingProject],
    month: dt.date | None = None,
    window: int = DEFAULT_WINDOW,
    compared: str = DEFAULT_COMPARED,
    goals: Sequence[PilotGoal] = (),
) -> Dashboard:
    """The dashboard of one city (its officers') or of several (a network observer's): its
    projects × the key indicators for the month, the city totals, a trend chart per key
    indicator (one line per city total), the compared indicator of every project (and, across
    cities, every city) over the last months, and the goals' progress.

    ``month`` defaults to the latest with published cells.
    """
    cities = list(cities)
    currencies = {city.pk: city.currency for city in cities}
    month = first_of_month(month) if month is not None else latest_month(cities=cities)
    months = month_choices(cities=cities, month=month)
    if month is None:
        return Dashboard(cities, None, months, [], KEY_INDICATORS, [], [], [], compared, [], [])
    window_months = months_ending(month, window)
    compared_months = months_ending(month, COMPARED_MONTHS)
    figures = _cells(
        published.indicator_row_list(
            cities=cities, start=month, until=month, filters=[ALL_HOUSEHOLDS]
        ),
        currencies,
    )
    figures |= _cells(
        published.indicator_row_list(
            cities=cities,
            start=compared_months[0],
            until=month,
            indicator=compared,
            filters=[ALL_HOUSEHOLDS],
        ),
        currencies,
    )
    columns = [(month, indicator) for indicator in KEY_INDICATORS]
    compared_columns = [(each, compared) for each in compared_months]
    table = [_row(project.city, project, columns, figures) for project in projects]
    totals = [_row(city, None, columns, figures) for city in cities]
    trends = [
        Trend(
            indicator,
            [
                _series_line(city, indicator, window_months, f"line-{index % 6 + 1}")
                for index, city in enumerate(cities)
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


def _project_goals(project: HousingProject, with_city: bool) -> QuerySet[PilotGoal]:
    """The goals of a project, and with ``with_city`` those on its city's figure."""
    scope = Q(project=project)
    if with_city:
        scope |= Q(city=project.city, project__isnull=True)
    return (
        PilotGoal.objects.filter(scope)
        .select_related("city", "project")
        .order_by("project_id", "indicator", "pk")
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
    (and for the city's figure, with ``with_city``). The project's cells in one query, the
    city's (for readers of the city) one query per indicator."""
    city = project.city
    month = first_of_month(month) if month is not None else latest_month(cities=[city])
    months = month_choices(cities=[city], month=month)
    goals = list(_project_goals(project, with_city))
    if month is None:
        return ProjectIndicators(project, with_city, None, months, [], [], [], [])
    window_months = months_ending(month, window)
    figures = _cells(
        published.project_indicator_rows(project=project, start=window_months[0], until=month),
        {city.pk: city.currency},
    )
    trends, rows = [], []
    for indicator in ALL_INDICATORS:
        lines = [_line_from(figures, city, project, indicator, window_months, "line-1")]
        if with_city:
            lines.append(_series_line(city, indicator, window_months, "line-2"))
        trend = Trend(indicator, lines)
        rows.append(
            (
                indicator,
                lines[0].figures[-1],
                lines[1].figures[-1] if with_city else None,
            )
        )
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
        goals=goal_progress_list(goals=goals, until=month),
    )


@dataclass
class QuarterReport:
    project: HousingProject
    with_city: bool
    quarter: dt.date  # its first month
    months: list[dt.date]
    quarters: list[dt.date]  # the quarters a reader may choose, the latest first
    # indicator, its months, its quarter total (None where the indicator has none: a stock),
    # the city's figure for the quarter's last month (None for a reader of the project only)
    rows: list[tuple[str, list[Figure], Figure | None, Figure | None]]
    goals: list[tuple[PilotGoal, list[GoalProgress]]]  # each goal at the end of each month

    @property
    def has_data(self) -> bool:
        return any(not figure.missing for _i, figures, _q, _c in self.rows for figure in figures)


def project_quarter_report(
    *, project: HousingProject, with_city: bool, quarter: dt.date | None = None
) -> QuarterReport:
    """The quarterly pilot report: every indicator in each month of the quarter with the
    quarter's total where the indicator adds up over months (bookings, meetings, turnout,
    space use), the city's figure for its last month (for readers of the city), and each
    goal's progress month by month. ``quarter`` (any day of it) defaults to the latest quarter
    with published cells."""
    city = project.city
    currencies = {city.pk: city.currency}
    if quarter is None:
        quarter = latest_month(cities=[city]) or published.current_month(city)
    start = quarter_of(quarter)
    months = [add_months(start, offset) for offset in range(3)]
    quarters = sorted(
        {quarter_of(month) for month in month_choices(cities=[city], month=start)},
        reverse=True,
    )
    rows = published.project_indicator_rows(project=project, start=start, until=months[-1])
    figures = _cells(rows, currencies)
    totals = _cells(rows, currencies, filter=published.QUARTER_FILTER)
    city_figures: dict[CellKey, Figure] = {}
    if with_city:
        city_figures = _cells(
            published.indicator_row_list(
                city=city, start=months[-1], until=months[-1], filters=[ALL_HOUSEHOLDS]
            ),
            currencies,
        )
    table = [
        (
            indicator,
            [
                figures.get((city.pk, project.pk, month, indicator))
                or missing(indicator, city.currency)
                for month in months
            ],
            totals.get((city.pk, project.pk, start, indicator)),
            (
                city_figures.get((city.pk, None, months[-1], indicator))
                or missing(indicator, city.currency)
            )
            if with_city
            else None,
        )
        for indicator in ALL_INDICATORS
    ]
    goals = list(
        _project_goals(project, with_city).filter(
            starts_on__lte=last_of_month(months[-1]), ends_on__gte=start
        )
    )
    goal_figures = _goal_figures(goals, months[-1]) if goals else {}
    months_by_scope = _months_by_scope(goal_figures)
    progress = [
        (goal, [_goal_progress(goal, month, goal_figures, months_by_scope) for month in months])
        for goal in goals
    ]
    return QuarterReport(project, with_city, start, months, quarters, table, progress)


# --- Tidy rows for the exports -----------------------------------------------------------

EXPORT_COLUMNS = ("city", "project", "month", "indicator", "value", "suppressed")
# The CSV's header in the reader's language; the rows and the JSON keys stay as above.
EXPORT_HEADER = (_("city"), _("Project"), _("month"), _("indicator"), _("value"), _("suppressed"))


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
    cities: Sequence[City] | QuerySet,
    project: HousingProject | None = None,
    start: dt.date | None = None,
    end: dt.date | None = None,
    indicator: str | None = None,
) -> list[dict[str, object]]:
    """Tidy rows (city, project, month, indicator, value, suppressed) of the whole population's
    published cells: one row per cell, the project None for a city total, the value None when
    suppressed. Shares and ratios are fractions (0.25 is 25 %), amounts are in cents of the
    city's currency. One query."""
    rows = published.indicator_row_list(
        cities=cities,
        project=project,
        start=first_of_month(start) if start is not None else None,
        until=end,
        indicator=indicator,
        filters=[ALL_HOUSEHOLDS],
    )
    return [
        {
            "city": row.city_name,
            "project": row.project_name if row.project_id is not None else None,
            "month": f"{row.month:%Y-%m}",
            "indicator": row.indicator,
            "value": row.value,
            "suppressed": row.suppressed,
        }
        for row in rows
    ]
