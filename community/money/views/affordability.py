"""What a scheme would mean before it is adopted (simulation, comparison of two) and the
project's affordability over time. Every look at households' incomes and ratios is written
to the income access log."""

from __future__ import annotations

from typing import Any

from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.http import HttpRequest, HttpResponse
from django.utils.translation import gettext as _

from common.charts import bar_chart, line_chart
from common.display import percent_text, short_month_text
from common.forms import run_service, submit
from community.money.affordability import OVERBURDEN_THRESHOLD
from community.money.contribution_parameters import METHOD_LABELS, Method, default_parameters
from community.money.forms import (
    CompareForm,
    SchemeForms,
    SimulationForm,
    parse_month,
)
from community.money.models import ContributionScheme, SchemeStatus
from community.money.selectors.affordability import project_affordability
from community.money.selectors.ledger import scheme_list_for_user
from community.money.selectors.simulation import scheme_simulate, schemes_compare
from community.money.views.shared import (
    _record_look,
    managed_project,
    method_of,
    next_month,
    project_today,
    render_page,
)
from community.templatetags.money import ratio
from community.templatetags.netco import money

# --- Simulation and comparison ------------------------------------------------------------


@login_required
def scheme_simulation(request: HttpRequest, pk: int) -> HttpResponse:
    """A draft (or any scheme, or a method's defaults) run on a month's households and budget,
    its parameters editable on the page: what each household would pay, the change from the
    scheme in force, the housing cost ratio it means, and the gap to the budget. Writes nothing
    but the income access log entries of the look."""
    project = managed_project(request, pk)
    data = request.GET
    schemes = list(
        scheme_list_for_user(user=request.user)
        .filter(project=project)
        .order_by("-valid_from", "-pk")
    )
    scheme = next((s for s in schemes if str(s.pk) == data.get("scheme")), None)
    method = method_of(data.get("method"), scheme.method if scheme else None)
    month_form = SimulationForm(
        data if "month" in data else None, initial={"month": next_month(project)}
    )
    context: dict[str, Any] = {
        "schemes": schemes,
        "scheme": scheme,
        "month_form": month_form,
        "methods": [(m.value, label) for m, label in METHOD_LABELS.items()],
        "simulation": None,
    }
    if method is None:
        return render_page(request, project, "simulation.html", context)
    month = next_month(project)
    if month_form.is_bound and month_form.is_valid():
        month = month_form.cleaned_data["month"]
    if "add_band" in data:
        forms = SchemeForms(method, typed=data, with_scheme=False)
        parameters = None
    elif "run" in data:
        forms = SchemeForms(method, data, with_scheme=False)
        parameters = forms.parameter_values() if forms.is_valid() else None
    else:
        stored = scheme.parameters if scheme is not None and scheme.method == method else None
        forms = SchemeForms(method, parameters=stored, with_scheme=False)
        parameters = stored if stored is not None else default_parameters(method)
    context.update(forms=forms, method=method, method_label=METHOD_LABELS[Method(method)])
    if parameters is not None and not (month_form.is_bound and month_form.errors):

        def place(key: str, errors: list[ValidationError]) -> bool:
            if key == "month":
                month_form.add_error("month", errors)
                return True
            return forms.place(key, errors)

        simulation = run_service(
            forms.parameters,
            lambda: scheme_simulate(
                project=project, method=method, parameters=parameters, month=month
            ),
            place=place,
        )
        if simulation is not None:
            _record_look(request, [row.household for row in simulation.rows], "simulation", month)
        context["simulation"] = simulation
    return render_page(request, project, "simulation.html", context)


def _compare_choices(schemes: list[ContributionScheme]) -> list[tuple[str, Any]]:
    choices: list[tuple[str, Any]] = []
    if schemes:
        choices.append(
            (
                _("Schemes of the project"),
                [(f"scheme:{s.pk}", f"{s.name} ({s.get_status_display()})") for s in schemes],
            )
        )
    choices.append(
        (
            _("A method with its default parameters"),
            [(f"method:{m.value}", str(label)) for m, label in METHOD_LABELS.items()],
        )
    )
    return choices


def _compared(choice: str, schemes: dict[str, ContributionScheme]) -> tuple[str, Any, str]:
    """(method, parameters, name) of a choice of the compare form."""
    kind, _sep, value = choice.partition(":")
    if kind == "scheme" and value in schemes:
        scheme = schemes[value]
        return scheme.method, scheme.parameters, scheme.name
    method = Method(value)
    return method.value, None, str(METHOD_LABELS[method])


@login_required
def scheme_compare(request: HttpRequest, pk: int) -> HttpResponse:
    """Two schemes on the same month's households: a table and a bar chart side by side."""
    project = managed_project(request, pk)
    schemes = list(
        scheme_list_for_user(user=request.user)
        .filter(project=project)
        .order_by("-valid_from", "-pk")
    )
    by_pk = {str(s.pk): s for s in schemes}
    in_force = next((s for s in schemes if s.status == SchemeStatus.ADOPTED), None)
    draft = next((s for s in schemes if s.status == SchemeStatus.DRAFT), None)
    initial = {
        "first": f"scheme:{in_force.pk}" if in_force else "method:flat",
        "second": f"scheme:{draft.pk}" if draft else "method:solidarity",
        "month": next_month(project),
    }
    form = CompareForm(
        request.GET if "first" in request.GET else None,
        choices=_compare_choices(schemes),
        initial=initial,
    )
    context: dict[str, Any] = {"form": form, "comparison": None}
    if form.is_bound and form.is_valid():
        first = _compared(form.cleaned_data["first"], by_pk)
        second = _compared(form.cleaned_data["second"], by_pk)

        def place(key: str, errors: list[ValidationError]) -> bool:
            field = key.split(".", 1)[0]
            form.add_error(field if field in form.fields else None, errors)
            return True

        comparison = submit(
            form,
            lambda: schemes_compare(
                project=project,
                first=first[:2],
                second=second[:2],
                month=form.cleaned_data["month"],
            ),
            place=place,
        )
        if comparison is not None:
            currency = project.city.currency
            _record_look(
                request, [row.household for row in comparison.rows], "comparison", comparison.month
            )
            context.update(
                comparison=comparison,
                first_name=first[2],
                second_name=second[2],
                chart=bar_chart(
                    rows=[
                        bar
                        for row in comparison.rows
                        for bar in (
                            (
                                row.household.unit_label,
                                row.first_cents,
                                money(row.first_cents, currency),
                                "",
                            ),
                            ("", row.second_cents, money(row.second_cents, currency), "second"),
                        )
                    ]
                ),
                legend=[("", first[2]), ("second", second[2])],
            )
    return render_page(request, project, "compare.html", context)


# --- Affordability ----------------------------------------------------------------------------


AFFORDABILITY_WINDOWS = (6, 12, 24, 36)


@login_required
def affordability_view(request: HttpRequest, pk: int) -> HttpResponse:
    """The project's affordability: the latest charged month's histogram of housing cost
    ratios and its households, and the overburden rate, median ratio and 30 % rule month by
    month. Each look is written to the income access log, one entry per household shown."""
    project = managed_project(request, pk)
    try:
        months = int(request.GET.get("months", 12))
    except ValueError:
        months = 12
    if months not in AFFORDABILITY_WINDOWS:
        months = 12
    until = parse_month(request.GET.get("until"), project_today(project))
    figures = project_affordability(project=project, months=months, until=until)
    _record_look(
        request,
        [row.household for row in figures.latest_rows],
        "affordability",
        figures.latest_month,
    )
    histogram = bar_chart(
        rows=[
            (
                str(item.label),
                item.count,
                str(item.count),
                "over" if item.lower is not None and item.lower >= OVERBURDEN_THRESHOLD else "",
            )
            for item in figures.histogram
        ],
        value_room=24,
    )
    trend = line_chart(
        labels=[short_month_text(m.month) for m in figures.months],
        series=[
            (
                _("Overburden rate"),
                "",
                [m.overburden_rate for m in figures.months],
                [ratio(m.overburden_rate) for m in figures.months],
            ),
            (
                _("Median ratio"),
                "second",
                [m.median_ratio for m in figures.months],
                [ratio(m.median_ratio) for m in figures.months],
            ),
        ],
        y_text=lambda value: percent_text(value, places=0),
        target=OVERBURDEN_THRESHOLD,
    )
    context = {
        "figures": figures,
        "latest": figures.latest,
        "histogram": histogram,
        "trend": trend,
        "windows": AFFORDABILITY_WINDOWS,
        "months": months,
        "until": until,
        "threshold": OVERBURDEN_THRESHOLD,
    }
    return render_page(request, project, "affordability.html", context)
