"""City indicator pages (DESIGN.md §4): a city's dashboard for its officers, the network
dashboard for observers, a project's indicators and its printable quarterly report, the tidy
CSV and JSON exports, the pilot goals, and the officers' refresh button.

Thin: ``community.selectors.dashboards`` reads the published cells, ``community.services``
writes; what is left here is choosing the month and drawing the charts.

Who sees what: a city's officers its dashboard, projects, reports and exports, and they set its
goals; a network observer every city's, read-only (setting a goal answers 403); a housing
manager the indicators, report and export of the projects they manage (never the city's totals
nor another project); everyone else, residents and the officers of other cities included, gets
404, as for a city or project they do not know. Only published cells are read: a suppressed
one shows "< k" or "—", never a value.
"""

from __future__ import annotations

import datetime as dt
import json
from collections.abc import Iterable, Sequence
from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import (
    Http404,
    HttpRequest,
    HttpResponse,
    HttpResponseNotAllowed,
    StreamingHttpResponse,
)
from django.shortcuts import get_object_or_404, render
from django.urls import reverse
from django.utils import timezone
from django.utils.text import slugify
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods

from common.access import done, require, safe_next
from common.charts import BarChart, LineChart, bar_chart, line_chart
from common.csv_export import csv_response
from common.display import short_month_text
from common.forms import submit
from common.months import add_months
from community.monitoring.forms import DashboardForm, ExportForm, PilotGoalForm, ReportForm
from community.monitoring.models import Indicator, IndicatorUnit, PilotGoal
from community.monitoring.selectors.dashboards import (
    EXPORT_HEADER,
    WINDOWS,
    Dashboard,
    GoalProgress,
    Trend,
    city_goal_list,
    city_project_list,
    dashboard,
    export_rows,
    goal_target,
    indicator_project_list_for_user,
    indicator_short_label,
    json_number,
    pilot_goal_list_for_user,
    plain_value,
    project_indicators,
    project_quarter_report,
    user_can_set_goals,
    user_observes_city,
)
from community.monitoring.services.pilot_goals import (
    pilot_goal_create,
    pilot_goal_delete,
    pilot_goal_update,
)
from community.monitoring.services.snapshots import indicator_snapshot_refresh
from community.templatetags.indicators import figure_text, value_text
from members.models import City, HousingProject
from members.selectors import observed_city_list

# --- Access ------------------------------------------------------------------------------


def observed_city(request: HttpRequest, pk: int) -> City:
    """A city whose indicators the user follows (its officers, network observers); 404 for
    any other, whether it exists or not."""
    return get_object_or_404(observed_city_list(user=request.user), pk=pk)


def goal_city(request: HttpRequest, pk: int) -> City:
    """A city whose goals the user sets: its officers; an observer sees it but gets 403."""
    city = observed_city(request, pk)
    require(user_can_set_goals(user=request.user, city=city))
    return city


def indicator_project(request: HttpRequest, pk: int) -> tuple[HousingProject, bool]:
    """A project whose indicators the user reads, and whether they read its city's too."""
    project = get_object_or_404(indicator_project_list_for_user(user=request.user), pk=pk)
    return project, user_observes_city(user=request.user, city=project.city)


def visible_goal(request: HttpRequest, pk: int) -> PilotGoal:
    goal = get_object_or_404(pilot_goal_list_for_user(user=request.user), pk=pk)
    require(user_can_set_goals(user=request.user, city=goal.city))
    return goal


# --- Drawing -----------------------------------------------------------------------------


# The charts' text is drawn at 13 viewBox units (static/css/indicators.css), 12 px or more on a
# phone: that leaves room for four month labels and for bar labels of 19 characters.
TREND_MONTH_TICKS = 4
BAR_LABEL_WIDTH, BAR_LABEL_CHARS = 150.0, 19


def _target_of(
    goals: Sequence[GoalProgress], indicator: str, project_id: int | None
) -> float | None:
    """The target of the first goal in force on the scope's indicator, drawn on its chart."""
    for progress in goals:
        goal = progress.goal
        if goal.indicator == indicator and goal.project_id == project_id:
            if goal.is_active(progress.until):
                return float(goal.target)
    return None


def trend_chart(trend: Trend, months: Sequence[dt.date], target: float | None = None) -> LineChart:
    labels = [short_month_text(month) for month in months]
    unit = trend.unit
    currency = trend.lines[0].figures[0].currency if trend.lines and months else "EUR"
    return line_chart(
        labels=labels,
        series=[
            (
                line.label,
                line.css,
                [None if figure.suppressed else figure.number for figure in line.figures],
                [figure_text(figure) for figure in line.figures],
            )
            for line in trend.lines
        ],
        y_text=lambda value: value_text(value, unit, currency),
        target=target,
        whole=unit == IndicatorUnit.COUNT,
        max_ticks=TREND_MONTH_TICKS,
    )


def trend_panels(
    trends: Iterable[Trend],
    months: Sequence[dt.date],
    goals: Sequence[GoalProgress] = (),
    project_id: int | None = None,
) -> list[dict[str, Any]]:
    """Each trend with its chart and the rows of the table beside it (month, a figure per
    line)."""
    panels = []
    for trend in trends:
        target = _target_of(goals, trend.indicator, project_id)
        panels.append(
            {
                "trend": trend,
                "chart": trend_chart(trend, months, target),
                "rows": [
                    (month, [line.figures[index] for line in trend.lines])
                    for index, month in enumerate(months)
                ],
                "labels": [line.label for line in trend.lines],
            }
        )
    return panels


def comparison_chart(board: Dashboard, rows: Sequence[Any]) -> BarChart:
    """The compared indicator in the dashboard's month, a bar per row of the comparison."""
    return bar_chart(
        rows=[
            (
                row.label,
                None if row.figures[-1].suppressed else row.figures[-1].number,
                figure_text(row.figures[-1]),
            )
            for row in rows
        ],
        label_width=BAR_LABEL_WIDTH,
        label_chars=BAR_LABEL_CHARS,
    )


def _dashboard_form(request: HttpRequest) -> tuple[DashboardForm, dict[str, Any]]:
    form = DashboardForm(request.GET or None)
    return form, form.values()


def _month_links(months: Sequence[dt.date], month: dt.date | None) -> dict[str, dt.date | None]:
    """The previous and next months with published cells (``months``: the latest first),
    for the arrows beside the month."""
    if month is None:
        return {"previous": None, "next": None}
    earlier = [each for each in months if each < month]
    later = [each for each in months if each > month]
    return {"previous": earlier[0] if earlier else None, "next": later[-1] if later else None}


def _labels(board: Dashboard) -> dict[str, list[str]]:
    """The column names each cell of the dashboard's tables carries for the phone layout."""
    return {
        "key_labels": [indicator_short_label(code) for code in board.indicators],
        "compared_labels": [short_month_text(month) for month in board.compared_months],
    }


def _status(form: DashboardForm) -> int:
    return 400 if form.is_bound and not form.is_valid() else 200


# --- Dashboards --------------------------------------------------------------------------


@login_required
def city_dashboard(request: HttpRequest, pk: int) -> HttpResponse:
    """A city's pilots with their key indicators, goals, trends and comparison."""
    city = observed_city(request, pk)
    form, choice = _dashboard_form(request)
    board = dashboard(
        cities=[city],
        projects=list(city_project_list(cities=[city])),
        goals=list(city_goal_list(cities=[city])),
        **choice,
    )
    compared_rows = board.comparison[:-1]  # the bars: the projects, not the city's total
    context = {
        "city": city,
        "board": board,
        "form": form,
        "windows": WINDOWS,
        "compare_choices": Indicator.choices,
        "choice": choice,
        "links": _month_links(board.months, board.month),
        "panels": trend_panels(board.trends, board.window, board.goals),
        "bars": comparison_chart(board, compared_rows),
        "can_set_goals": user_can_set_goals(user=request.user, city=city),
        "network": False,
        **_labels(board),
    }
    return render(request, "community/indicators/dashboard.html", context, status=_status(form))


@login_required
def network_dashboard(request: HttpRequest) -> HttpResponse:
    """Every observed city side by side (every city for a network observer): the city totals,
    every project, a line per city in each trend, and every city's goals."""
    cities = list(observed_city_list(user=request.user).order_by("name", "pk"))
    if not cities:
        raise Http404
    form, choice = _dashboard_form(request)
    board = dashboard(
        cities=cities,
        projects=list(city_project_list(cities=cities)),
        goals=list(city_goal_list(cities=cities)),
        **choice,
    )
    compared_rows = [row for row in board.comparison if row.project is None]
    context = {
        "board": board,
        "form": form,
        "windows": WINDOWS,
        "compare_choices": Indicator.choices,
        "choice": choice,
        "links": _month_links(board.months, board.month),
        "panels": trend_panels(board.trends, board.window),
        "bars": comparison_chart(board, compared_rows),
        "network": True,
        **_labels(board),
    }
    return render(request, "community/indicators/dashboard.html", context, status=_status(form))


@login_required
def project_page(request: HttpRequest, pk: int) -> HttpResponse:
    """Every indicator of a project for a month (the city's beside it for readers of the
    city), a trend per indicator, and the project's goals."""
    project, with_city = indicator_project(request, pk)
    form, choice = _dashboard_form(request)
    page = project_indicators(
        project=project, with_city=with_city, month=choice["month"], window=choice["window"]
    )
    context = {
        "project": project,
        "page": page,
        "form": form,
        "windows": WINDOWS,
        "choice": choice,
        "links": _month_links(page.months, page.month),
        "panels": trend_panels(page.trends, page.window, page.goals, project.pk),
        "can_set_goals": with_city and user_can_set_goals(user=request.user, city=project.city),
    }
    return render(request, "community/indicators/project.html", context, status=_status(form))


@login_required
def project_report(request: HttpRequest, pk: int) -> HttpResponse:
    """The printable quarterly pilot report of a project."""
    project, with_city = indicator_project(request, pk)
    form = ReportForm(request.GET or None)
    quarter = form.cleaned_data.get("quarter") if form.is_valid() else None
    report = project_quarter_report(project=project, with_city=with_city, quarter=quarter)
    context = {
        "project": project,
        "report": report,
        "form": form,
        "previous_quarter": add_months(report.quarter, -3),
        "next_quarter": add_months(report.quarter, 3),
        "generated_on": timezone.localdate(),
    }
    status = 400 if form.is_bound and not form.is_valid() else 200
    return render(request, "community/indicators/report.html", context, status=status)


# --- Exports -----------------------------------------------------------------------------


def _export(
    request: HttpRequest,
    *,
    fmt: str,
    name: str,
    cities: Iterable[City],
    project: HousingProject | None = None,
) -> HttpResponse:
    form = ExportForm(request.GET)
    if not form.is_valid():
        return HttpResponse(
            json.dumps(form.errors.get_json_data()), status=400, content_type="application/json"
        )
    rows = export_rows(
        cities=cities,
        project=project,
        start=form.cleaned_data.get("from"),
        end=form.cleaned_data.get("to"),
        indicator=form.cleaned_data.get("indicator") or None,
    )
    filename = f"indicators-{slugify(name) or 'export'}"
    if fmt == "csv":
        return csv_response(
            filename=f"{filename}.csv",
            header=EXPORT_HEADER,
            rows=(
                [
                    row["city"],
                    row["project"] or "",
                    row["month"],
                    row["indicator"],
                    plain_value(row["value"]),
                    "true" if row["suppressed"] else "false",
                ]
                for row in rows
            ),
        )
    response = StreamingHttpResponse(_json_array(rows), content_type="application/json")
    response["Content-Disposition"] = f'attachment; filename="{filename}.json"'
    return response


def _json_array(rows: Iterable[dict[str, Any]]) -> Iterable[str]:
    """A JSON array written row by row (an observer's export of every city can be long); a
    value is a JSON number, or null when suppressed."""
    yield "["
    for index, row in enumerate(rows):
        row["value"] = json_number(row["value"])
        yield ("," if index else "") + json.dumps(row)
    yield "]"


@login_required
def city_export(request: HttpRequest, pk: int, fmt: str) -> HttpResponse:
    city = observed_city(request, pk)
    return _export(request, fmt=fmt, name=city.slug, cities=[city])


@login_required
def network_export(request: HttpRequest, fmt: str) -> HttpResponse:
    cities = observed_city_list(user=request.user)
    if not cities.exists():
        raise Http404
    return _export(request, fmt=fmt, name="network", cities=cities)


@login_required
def project_export(request: HttpRequest, pk: int, fmt: str) -> HttpResponse:
    project, _with_city = indicator_project(request, pk)
    return _export(
        request,
        fmt=fmt,
        name=f"{project.city.slug}-{project.slug}",
        cities=[project.city],
        project=project,
    )


# --- Refresh -----------------------------------------------------------------------------


@login_required
def refresh(request: HttpRequest, pk: int) -> HttpResponse:
    """Queue a new snapshot of the city's indicators (officers): the page shows the new
    figures once the worker has computed and protected them. The city comes first: for
    anybody who does not follow it, the URL does not exist, whatever the method."""
    city = goal_city(request, pk)
    if request.method != "POST":
        return HttpResponseNotAllowed(["POST"])
    indicator_snapshot_refresh(city=city, user=request.user)
    messages.success(
        request,
        _("The indicators of %(city)s are being recomputed; reload this page in a few minutes.")
        % {"city": city.name},
    )
    return done(request, safe_next(request, reverse("city_indicators", args=[city.pk])))


# --- Pilot goals -------------------------------------------------------------------------


def _goal_form_page(
    request: HttpRequest, form: PilotGoalForm, city: City, title: str, status: int = 200
) -> HttpResponse:
    return render(
        request,
        "community/indicators/goal_form.html",
        {"form": form, "city": city, "title": title, "next": safe_next(request, "")},
        status=status,
    )


@login_required
@require_http_methods(["GET", "POST"])
def goal_create(request: HttpRequest, pk: int) -> HttpResponse:
    city = goal_city(request, pk)
    initial = {}
    if project_pk := request.GET.get("project", "").strip():
        initial["project"] = project_pk if project_pk.isdigit() else None
    form = PilotGoalForm(request.POST or None, city=city, initial=initial)
    if request.method == "POST":
        goal = submit(
            form,
            lambda: pilot_goal_create(
                city=city, created_by=request.user, **form.service_arguments()
            ),
        )
        if goal is not None:
            messages.success(request, _("Goal saved."))
            return done(request, safe_next(request, reverse("city_indicators", args=[city.pk])))
        return _goal_form_page(request, form, city, _("New pilot goal"), status=400)
    return _goal_form_page(request, form, city, _("New pilot goal"))


@login_required
@require_http_methods(["GET", "POST"])
def goal_edit(request: HttpRequest, pk: int) -> HttpResponse:
    goal = visible_goal(request, pk)
    form = PilotGoalForm(request.POST or None, city=goal.city, goal=goal)
    if request.method == "POST":
        updated = submit(form, lambda: pilot_goal_update(goal=goal, **form.service_arguments()))
        if updated is not None:
            messages.success(request, _("Goal saved."))
            return done(
                request, safe_next(request, reverse("city_indicators", args=[goal.city_id]))
            )
        return _goal_form_page(request, form, goal.city, _("Edit pilot goal"), status=400)
    return _goal_form_page(request, form, goal.city, _("Edit pilot goal"))


@login_required
@require_http_methods(["GET", "POST"])
def goal_delete(request: HttpRequest, pk: int) -> HttpResponse:
    goal = visible_goal(request, pk)
    if request.method == "POST":
        pilot_goal_delete(goal=goal)
        messages.success(request, _("Goal deleted."))
        return done(request, safe_next(request, reverse("city_indicators", args=[goal.city_id])))
    return render(
        request,
        "community/indicators/goal_delete.html",
        {"goal": goal, "target": goal_target(goal), "next": safe_next(request, "")},
    )


# --- URLs (mounted by community/urls.py) -------------------------------------------------
