"""Contributions pages: a project's budget, schemes (drafting, simulating, comparing, adopting,
retiring), charge runs, payments (by hand and from a bank statement), balances and arrears,
affordability; a household's contributions, statement and income declarations.

Thin: selectors read, services write, forms take the services' errors on their fields. Who sees
what (DESIGN.md §1): the project's managers see every page of the project; a resident sees their
own household's pages only, and a manager page answers them 403; a city officer, or anybody
outside the project, gets 404, as for a project they do not know. Every manager's look at a
household's income (the income page, affordability figures) is written to the income access log.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.core.paginator import Paginator
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import path, reverse
from django.utils import formats, timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from common.access import done, require
from common.charts import bar_chart, line_chart
from common.csv_export import statement_csv_response
from common.months import add_months, first_of_month
from common.validation import Conflict
from community.models import ContributionScheme, SchemeStatus
from community.money.affordability import OVERBURDEN_THRESHOLD
from community.money.contribution_methods import METHOD_LABELS, Method, default_parameters
from community.money.forms import (
    PARAMETER_FORMS,
    ArrearsFilterForm,
    BaseBudgetLineFormSet,
    BudgetForm,
    BudgetLineForm,
    BudgetLineFormSet,
    ChargeRunForm,
    CompareForm,
    PaymentForm,
    PaymentImportForm,
    RetireForm,
    SchemeForm,
    SchemeForms,
    SimulationForm,
    StatementPeriodForm,
    VerifyForm,
    add_formset_errors,
    as_typed,
    budget_line_initial,
    month_in_range,
    month_value,
    parse_month,
    place_on,
    rows_as_typed,
    submit_service,
)
from community.money.selectors.affordability import household_affordability, project_affordability
from community.money.selectors.contributions import (
    arrears_list,
    budget_for_month,
    charge_list_for_user,
    charge_run_list_for_user,
    household_balances,
    household_statement,
    payment_list_for_user,
    scheme_in_force,
    scheme_list_for_user,
)
from community.money.selectors.simulation import scheme_simulate, schemes_compare
from community.money.services.contributions import (
    budget_set,
    charges_run,
    payment_record,
    payments_import_csv,
    scheme_adopt,
    scheme_create,
    scheme_retire,
    scheme_update,
)
from community.templatetags.contributions import ratio
from community.templatetags.netco import money
from members.access import member_project, project_time_zone
from members.models import Household, HousingProject
from members.selectors import (
    household_list_for_user,
    income_declaration_list_for_user,
    income_declarations_read,
    user_can_edit_household_members,
    user_can_manage_project,
)
from members.services import income_declaration_verify

PAYMENTS_PER_PAGE = 50
STATEMENT_MONTHS = 12


# --- Access -----------------------------------------------------------------------------------


def _managed(request: HttpRequest, pk: int) -> HousingProject:
    """A project the user manages. A resident of it gets 403; a city officer, or anyone who
    neither lives in it nor manages it, 404."""
    project, can_manage = member_project(request, pk)
    require(can_manage)
    return project


def _visible_household(request: HttpRequest, pk: int) -> tuple[Household, bool]:
    """The user's own household, or one of a project they manage (and whether they do)."""
    household = get_object_or_404(household_list_for_user(user=request.user), pk=pk)
    return household, user_can_manage_project(user=request.user, project=household.project)


def _managed_scheme(request: HttpRequest, pk: int) -> ContributionScheme:
    scheme = get_object_or_404(scheme_list_for_user(user=request.user), pk=pk)
    require(user_can_manage_project(user=request.user, project=scheme.project))
    return scheme


def _today(project: HousingProject) -> dt.date:
    return timezone.localdate(timezone=project_time_zone(project))


def _month_links(view: str, project: HousingProject, month: dt.date) -> dict[str, str]:
    url = reverse(view, args=[project.pk])
    return {
        "previous_url": f"{url}?month={month_value(add_months(month, -1))}",
        "next_url": f"{url}?month={month_value(add_months(month, 1))}",
    }


def _render(request: HttpRequest, project: HousingProject, template: str, context: dict):
    """Render in the project's time zone, with what every contributions page shows."""
    context.setdefault("project", project)
    context.setdefault("currency", project.city.currency)
    with timezone.override(project_time_zone(project)):
        return render(request, f"community/contributions/{template}", context)


# --- A project's contributions ----------------------------------------------------------------


@login_required
def contributions_home(request: HttpRequest, pk: int) -> HttpResponse:
    """The managers' overview; a resident is taken to their own household's figures."""
    project, can_manage = member_project(request, pk)
    if not can_manage:
        household = household_list_for_user(user=request.user).filter(project=project).first()
        if household is None:
            raise Http404
        return redirect("household_contributions", pk=household.pk)
    today = _today(project)
    month = first_of_month(today)
    balances = list(household_balances(project=project))
    context = {
        "month": month,
        "scheme": scheme_in_force(project=project, on=today),
        "budget": budget_for_month(project=project, month=month),
        "last_run": charge_run_list_for_user(user=request.user)
        .filter(project=project)
        .order_by("-month")
        .first(),
        "owed_cents": sum(max(h.balance_cents, 0) for h in balances),
        "owing_count": sum(1 for h in balances if h.balance_cents > 0),
        "households_count": len(balances),
    }
    return _render(request, project, "home.html", context)


# --- Budget -----------------------------------------------------------------------------------


def _place_budget_error(
    form: BudgetForm, formset: BaseBudgetLineFormSet, rows: list[int]
) -> Callable[[str, list[ValidationError]], bool]:
    """Where ``budget_set``'s errors go: ``lines.<i>.<field>`` on the row the line came from."""

    def place(key: str, errors: list[ValidationError]) -> bool:
        if key.startswith("lines."):
            parts = key.split(".")
            index = int(parts[1])
            if len(parts) == 3 and index < len(rows):
                row = formset.forms[rows[index]]
                name = parts[2]
                row.add_error(name if name in row.fields else None, errors)
                return True
        if key == "lines":
            add_formset_errors(formset, errors)
            return True
        return place_on(form, key, errors)

    return place


@login_required
def budget_view(request: HttpRequest, pk: int) -> HttpResponse:
    """A month's budget: its lines (add a row, remove a row), status, note and total."""
    project = _managed(request, pk)
    month = parse_month(request.GET.get("month"), _today(project))
    budget = budget_for_month(project=project, month=month)
    charged = charge_run_list_for_user(user=request.user).filter(project=project, month=month)
    charged = charged.first()
    copied_from = None
    if budget is not None:
        lines = budget_line_initial(budget.lines.all())
        initial = {"status": budget.status, "note": budget.note}
    else:
        previous = budget_for_month(project=project, month=add_months(month, -1))
        lines = budget_line_initial(previous.lines.all()) if previous else []
        copied_from = previous.month if previous else None
        initial = {}
    if not lines:
        lines = [{}]
    adding = request.method == "POST" and "add_line" in request.POST
    if adding:
        form = BudgetForm(initial=as_typed(request.POST, BudgetForm))
        typed = rows_as_typed(request.POST, "lines", BudgetLineForm.base_fields)
        formset = BudgetLineFormSet(initial=[*typed, {}], prefix="lines")
    elif request.method == "POST" and charged is None:
        form = BudgetForm(request.POST)
        formset = BudgetLineFormSet(request.POST, prefix="lines")
        if form.is_valid() and formset.is_valid():
            new_lines, rows = formset.lines()
            try:
                saved = submit_service(
                    lambda: budget_set(
                        project=project, month=month, lines=new_lines, **form.cleaned_data
                    ),
                    _place_budget_error(form, formset, rows),
                    form,
                )
            except Conflict as exc:
                form.add_error(None, exc.message)
                saved = None
            if saved is not None:
                messages.success(
                    request,
                    _("Budget of %(month)s saved.")
                    % {"month": formats.date_format(month, "YEAR_MONTH_FORMAT")},
                )
                url = reverse("budget", args=[project.pk])
                return done(request, f"{url}?month={month_value(month)}")
    else:
        form = BudgetForm(initial=initial)
        formset = BudgetLineFormSet(initial=lines, prefix="lines")
    context = {
        "month": month,
        "budget": budget,
        "charged": charged,
        "copied_from": copied_from,
        "form": form,
        "formset": formset,
        **_month_links("budget", project, month),
    }
    return _render(request, project, "budget.html", context)


# --- Schemes ----------------------------------------------------------------------------------


@login_required
def scheme_list(request: HttpRequest, pk: int) -> HttpResponse:
    project = _managed(request, pk)
    schemes = list(
        scheme_list_for_user(user=request.user)
        .filter(project=project)
        .order_by("status", "-valid_from", "-pk")
    )
    order = {SchemeStatus.ADOPTED: 0, SchemeStatus.DRAFT: 1, SchemeStatus.RETIRED: 2}
    schemes.sort(key=lambda scheme: order.get(scheme.status, 3))
    context = {
        "schemes": schemes,
        "in_force": scheme_in_force(project=project, on=_today(project)),
        "methods": [(method.value, label) for method, label in METHOD_LABELS.items()],
    }
    return _render(request, project, "scheme_list.html", context)


def _method_of(raw: str | None, default: str | None = None) -> str | None:
    return raw if raw in PARAMETER_FORMS else default


def _scheme_forms_from_post(request: HttpRequest, method: str) -> SchemeForms:
    if "add_band" in request.POST:
        return SchemeForms(method, typed=request.POST)
    return SchemeForms(method, request.POST)


@login_required
def scheme_create_view(request: HttpRequest, pk: int) -> HttpResponse:
    """A new draft: first its method, then its name, period and parameters (the method's
    defaults to start from: HUD's for greatest-of)."""
    project = _managed(request, pk)
    method = _method_of(request.POST.get("method") or request.GET.get("method"))
    if method is None:
        context = {"methods": [(m.value, label) for m, label in METHOD_LABELS.items()]}
        return _render(request, project, "scheme_method.html", context)
    if request.method == "POST":
        forms = _scheme_forms_from_post(request, method)
        if "add_band" not in request.POST and forms.is_valid():
            scheme = forms.submit(
                lambda: scheme_create(
                    project=project,
                    method=method,
                    parameters=forms.parameter_values(),
                    created_by=request.user,
                    **forms.scheme.cleaned_data,
                )
            )
            if scheme is not None:
                messages.success(request, _("Draft “%(name)s” saved.") % {"name": scheme.name})
                return done(request, reverse("scheme_detail", args=[scheme.pk]))
    else:
        next_month = add_months(first_of_month(_today(project)), 1)
        forms = SchemeForms(method, initial={"valid_from": next_month})
    context = {"forms": forms, "method_label": METHOD_LABELS[Method(method)], "scheme": None}
    return _render(request, project, "scheme_form.html", context)


@login_required
def scheme_edit_view(request: HttpRequest, pk: int) -> HttpResponse:
    """Change a draft; ``?method=`` switches it to another method's default parameters."""
    scheme = _managed_scheme(request, pk)
    project = scheme.project
    if scheme.status != SchemeStatus.DRAFT:
        messages.error(request, _("Only a draft scheme can be changed."))
        return redirect("scheme_detail", pk=scheme.pk)
    method = _method_of(request.POST.get("method") or request.GET.get("method"), scheme.method)
    if request.method == "POST":
        forms = _scheme_forms_from_post(request, method)
        if "add_band" not in request.POST and forms.is_valid():
            updated = forms.submit(
                lambda: scheme_update(
                    scheme=scheme,
                    method=method,
                    parameters=forms.parameter_values(),
                    **forms.scheme.cleaned_data,
                )
            )
            if updated is not None:
                messages.success(request, _("Draft “%(name)s” saved.") % {"name": updated.name})
                return done(request, reverse("scheme_detail", args=[scheme.pk]))
    else:
        forms = SchemeForms(
            method,
            initial=SchemeForm.initial_for(scheme),
            parameters=scheme.parameters if method == scheme.method else None,
        )
    context = {
        "forms": forms,
        "method_label": METHOD_LABELS[Method(method)],
        "scheme": scheme,
        "methods": [(m.value, label) for m, label in METHOD_LABELS.items()],
    }
    return _render(request, project, "scheme_form.html", context)


def _parameter_rows(scheme: ContributionScheme) -> list[tuple[str, Any, str]]:
    """(label, value, kind) of each parameter, as its form labels it; kind says how to show
    the value ("money", "percent", "choice" or "text")."""
    form_class = PARAMETER_FORMS.get(scheme.method)
    if form_class is None:
        return []
    rows = []
    for name, field in form_class().fields.items():  # in the form's field order
        if name == "cap":
            continue
        value = scheme.parameters.get(name)
        if name in form_class.money:
            kind = "money"
        elif name in form_class.percents:
            kind = "percent"
        elif hasattr(field, "choices"):
            kind = "text"
            value = dict(field.choices).get(value, value)
        elif isinstance(value, bool):
            kind = "text"
            value = _("yes") if value else _("no")
        else:
            kind = "text"
        if name == "cap_cents" and scheme.parameters.get("cap") == "cost_share":
            kind, value = "text", _("the unit's cost share")
        elif name == "cap_cents" and value is None:
            kind, value = "text", _("none")
        rows.append((str(field.label), value, kind))
    return rows


def _scheme_detail_context(scheme: ContributionScheme, **extra: Any) -> dict[str, Any]:
    return {
        "scheme": scheme,
        "parameter_rows": _parameter_rows(scheme),
        "bands": scheme.parameters.get("bands", []) if scheme.method == Method.INCOME_BANDS else [],
        "retire_form": extra.pop("retire_form", None) or RetireForm(),
        **extra,
    }


@login_required
def scheme_detail(request: HttpRequest, pk: int) -> HttpResponse:
    scheme = _managed_scheme(request, pk)
    return _render(request, scheme.project, "scheme_detail.html", _scheme_detail_context(scheme))


@login_required
@require_POST
def scheme_adopt_view(request: HttpRequest, pk: int) -> HttpResponse:
    """Put a draft in force; an overlap with a scheme in force is shown on the page."""
    scheme = _managed_scheme(request, pk)
    try:
        scheme_adopt(scheme=scheme, adopted_by=request.user)
    except ValidationError as exc:
        context = _scheme_detail_context(scheme, adopt_errors=exc.messages)
        return _render(request, scheme.project, "scheme_detail.html", context)
    except Conflict as exc:
        messages.error(request, exc.message)
        return done(request, reverse("scheme_detail", args=[scheme.pk]))
    messages.success(request, _("“%(name)s” is adopted.") % {"name": scheme.name})
    return done(request, reverse("scheme_detail", args=[scheme.pk]))


@login_required
@require_POST
def scheme_retire_view(request: HttpRequest, pk: int) -> HttpResponse:
    scheme = _managed_scheme(request, pk)
    form = RetireForm(request.POST)
    if form.is_valid():
        try:
            retired = submit_service(
                lambda: scheme_retire(scheme=scheme, **form.cleaned_data),
                lambda key, errors: place_on(form, key, errors),
                form,
            )
        except Conflict as exc:
            messages.error(request, exc.message)
            return done(request, reverse("scheme_detail", args=[scheme.pk]))
        if retired is not None:
            messages.success(request, _("“%(name)s” is retired.") % {"name": scheme.name})
            return done(request, reverse("scheme_detail", args=[scheme.pk]))
    context = _scheme_detail_context(scheme, retire_form=form)
    return _render(request, scheme.project, "scheme_detail.html", context)


# --- Simulation and comparison ------------------------------------------------------------


def _next_month(project: HousingProject) -> dt.date:
    return add_months(first_of_month(_today(project)), 1)


def _record_look(request: HttpRequest, households: list[Household], via: str, month: Any) -> None:
    """A manager's look at households' incomes and ratios goes to the income access log."""
    income_declarations_read(
        user=request.user,
        via=via,
        households=households,
        detail={"month": month.isoformat() if month else None},
    )


@login_required
def scheme_simulation(request: HttpRequest, pk: int) -> HttpResponse:
    """A draft (or any scheme, or a method's defaults) run on a month's households and budget,
    its parameters editable on the page: what each household would pay, the change from the
    scheme in force, the housing cost ratio it means, and the gap to the budget. Writes nothing
    but the income access log entries of the look."""
    project = _managed(request, pk)
    data = request.GET
    schemes = list(
        scheme_list_for_user(user=request.user)
        .filter(project=project)
        .order_by("-valid_from", "-pk")
    )
    scheme = next((s for s in schemes if str(s.pk) == data.get("scheme")), None)
    method = _method_of(data.get("method"), scheme.method if scheme else None)
    month_form = SimulationForm(
        data if "month" in data else None, initial={"month": _next_month(project)}
    )
    context: dict[str, Any] = {
        "schemes": schemes,
        "scheme": scheme,
        "month_form": month_form,
        "methods": [(m.value, label) for m, label in METHOD_LABELS.items()],
        "simulation": None,
    }
    if method is None:
        return _render(request, project, "simulation.html", context)
    month = _next_month(project)
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

        simulation = submit_service(
            lambda: scheme_simulate(
                project=project, method=method, parameters=parameters, month=month
            ),
            place,
            forms.parameters,
        )
        if simulation is not None:
            _record_look(request, [row.household for row in simulation.rows], "simulation", month)
        context["simulation"] = simulation
    return _render(request, project, "simulation.html", context)


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
    project = _managed(request, pk)
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
        "month": _next_month(project),
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

        comparison = submit_service(
            lambda: schemes_compare(
                project=project,
                first=first[:2],
                second=second[:2],
                month=form.cleaned_data["month"],
            ),
            place,
            form,
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
    return _render(request, project, "compare.html", context)


# --- Affordability ----------------------------------------------------------------------------

AFFORDABILITY_WINDOWS = (6, 12, 24, 36)


@login_required
def affordability_view(request: HttpRequest, pk: int) -> HttpResponse:
    """The project's affordability: the latest charged month's histogram of housing cost
    ratios and its households, and the overburden rate, median ratio and 30 % rule month by
    month. Each look is written to the income access log, one entry per household shown."""
    project = _managed(request, pk)
    try:
        months = int(request.GET.get("months", 12))
    except ValueError:
        months = 12
    if months not in AFFORDABILITY_WINDOWS:
        months = 12
    until = parse_month(request.GET.get("until"), _today(project))
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
        labels=[formats.date_format(m.month, "M") for m in figures.months],
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
        y_text=lambda value: f"{round(value * 100)} %",
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
    return _render(request, project, "affordability.html", context)


# --- Charge runs ------------------------------------------------------------------------------


def _month_charges_url(project: HousingProject, month: dt.date) -> str:
    return reverse("charge_month", args=[project.pk, month.year, month.month])


@login_required
def charge_run_list(request: HttpRequest, pk: int) -> HttpResponse:
    """The project's charge runs, and "run now" for a month: running a month again shows the
    run it already has."""
    project = _managed(request, pk)
    runs = charge_run_list_for_user(user=request.user).filter(project=project)
    if request.method == "POST":
        form = ChargeRunForm(request.POST)
        if form.is_valid():
            month = form.cleaned_data["month"]
            existed = runs.filter(month=month).exists()
            run = submit_service(
                lambda: charges_run(project=project, month=month, triggered_by=request.user),
                lambda key, errors: place_on(form, key, errors),
                form,
            )
            if run is not None:
                label = formats.date_format(month, "YEAR_MONTH_FORMAT")
                if existed:
                    messages.info(
                        request,
                        _("%(month)s was charged already: here is its run.") % {"month": label},
                    )
                else:
                    messages.success(
                        request,
                        _("%(month)s charged: %(count)s households.")
                        % {"month": label, "count": run.household_count},
                    )
                return done(request, _month_charges_url(project, month))
    else:
        form = ChargeRunForm(initial={"month": first_of_month(_today(project))})
    context = {"form": form, "runs": list(runs.order_by("-month", "-pk"))}
    return _render(request, project, "charge_runs.html", context)


@login_required
def charge_month(request: HttpRequest, pk: int, year: int, month: int) -> HttpResponse:
    """A month's run and its charges, household by household."""
    project = _managed(request, pk)
    try:
        first = dt.date(year, month, 1)
    except ValueError as exc:
        raise Http404 from exc
    if not month_in_range(first):
        raise Http404
    if "month" in request.GET:  # the month picker
        return redirect(_month_charges_url(project, parse_month(request.GET["month"], first)))
    run = charge_run_list_for_user(user=request.user).filter(project=project, month=first).first()
    charges = list(
        charge_list_for_user(user=request.user)
        .filter(household__project=project, month=first)
        .order_by("household__unit_label", "pk")
    )
    context = {
        "month": first,
        "run": run,
        "charges": charges,
        "total_cents": sum(charge.amount_cents for charge in charges),
        "previous_url": _month_charges_url(project, add_months(first, -1)),
        "next_url": _month_charges_url(project, add_months(first, 1)),
    }
    return _render(request, project, "charge_month.html", context)


# --- Payments ---------------------------------------------------------------------------------


def _project_households(request: HttpRequest, project: HousingProject):
    return household_list_for_user(user=request.user).filter(project=project).order_by("unit_label")


@login_required
def payment_list(request: HttpRequest, pk: int) -> HttpResponse:
    """The project's payments, newest first, and the form to record one by hand."""
    project = _managed(request, pk)
    households = _project_households(request, project)
    if request.method == "POST":
        form = PaymentForm(request.POST, households=households)
        if form.is_valid():
            payment = submit_service(
                lambda: payment_record(recorded_by=request.user, **form.cleaned_data),
                lambda key, errors: place_on(form, key, errors),
                form,
            )
            if payment is not None:
                messages.success(
                    request,
                    _("Payment of household %(unit)s recorded.")
                    % {"unit": payment.household.unit_label},
                )
                return done(request, reverse("payment_list", args=[project.pk]))
    else:
        form = PaymentForm(households=households, initial={"paid_on": _today(project)})
    payments = (
        payment_list_for_user(user=request.user)
        .filter(household__project=project)
        .order_by("-paid_on", "-pk")
    )
    page = Paginator(payments, PAYMENTS_PER_PAGE).get_page(request.GET.get("page"))
    return _render(request, project, "payments.html", {"form": form, "page": page})


@login_required
def payment_import(request: HttpRequest, pk: int) -> HttpResponse:
    """A bank statement in two steps: a dry run shows what each row would pay and whose it is;
    the confirmation imports the same text. The service checks everything again at each step."""
    project = _managed(request, pk)
    preview = None
    if request.method == "POST":
        form = PaymentImportForm(request.POST, request.FILES)
        confirm = "confirm" in request.POST
        if form.is_valid():
            text = form.cleaned_data["text"]
            result = submit_service(
                lambda: payments_import_csv(
                    project=project, file=text, dry_run=not confirm, recorded_by=request.user
                ),
                lambda key, errors: place_on(form, key, errors),
                form,
            )
            if result is not None and confirm:
                messages.success(
                    request,
                    _("%(count)s payments imported.") % {"count": len(result.payments)},
                )
                return done(request, reverse("payment_list", args=[project.pk]))
            if result is not None:
                preview = result
                form = PaymentImportForm(initial={"text": text})
    else:
        form = PaymentImportForm()
    return _render(request, project, "payment_import.html", {"form": form, "preview": preview})


# --- Balances and arrears ---------------------------------------------------------------------


@login_required
def balance_list(request: HttpRequest, pk: int) -> HttpResponse:
    project = _managed(request, pk)
    balances = list(household_balances(project=project))
    context = {
        "balances": balances,
        "charged_cents": sum(h.charged_cents for h in balances),
        "paid_cents": sum(h.paid_cents for h in balances),
        "balance_cents": sum(h.balance_cents for h in balances),
    }
    return _render(request, project, "balances.html", context)


@login_required
def arrears_view(request: HttpRequest, pk: int) -> HttpResponse:
    project = _managed(request, pk)
    form = ArrearsFilterForm(request.GET or None)
    minimum, months = 1, 0
    if form.is_bound and form.is_valid():
        minimum = form.cleaned_data["min_amount_cents"] or 1
        months = form.cleaned_data["min_months"] or 0
    rows = arrears_list(project=project, min_amount_cents=minimum, min_months=months)
    context = {
        "form": form,
        "rows": rows,
        "owed_cents": sum(row.balance_cents for row in rows),
    }
    return _render(request, project, "arrears.html", context)


# --- A household's contributions ----------------------------------------------------------------


@login_required
def household_contributions(request: HttpRequest, pk: int) -> HttpResponse:
    """What the household pays: the scheme in force, its latest charges and payments and its
    balance. Its own members and its project's managers see it."""
    household, can_manage = _visible_household(request, pk)
    project = household.project
    today = _today(project)
    balance = household_balances(project=project).filter(pk=household.pk).first()
    charges = list(
        charge_list_for_user(user=request.user)
        .filter(household=household)
        .order_by("-month", "-pk")[:STATEMENT_MONTHS]
    )
    payments = list(
        payment_list_for_user(user=request.user)
        .filter(household=household)
        .order_by("-paid_on", "-pk")[:STATEMENT_MONTHS]
    )
    series = household_affordability(household=household)
    if series.rows:
        # The household itself is left out of the log (skip_own): only others' looks count.
        _record_look(request, [household], "household contributions", series.latest.month)
    context = {
        "household": household,
        "can_manage": can_manage,
        "affordability": series.latest,
        "trend": list(reversed(series.rows)),
        "scheme": scheme_in_force(project=project, on=today),
        "balance": balance,
        "charges": charges,
        "payments": payments,
    }
    return _render(request, project, "household.html", context)


def _statement_period(request: HttpRequest, project: HousingProject):
    today = _today(project)
    default = {"start": add_months(first_of_month(today), -(STATEMENT_MONTHS - 1)), "end": today}
    form = StatementPeriodForm(request.GET if "start" in request.GET else None, initial=default)
    if form.is_bound and form.is_valid():
        return form, form.cleaned_data["start"], form.cleaned_data["end"]
    return form, default["start"], default["end"]


@login_required
def statement_view(request: HttpRequest, pk: int) -> HttpResponse:
    """The household's account over a period: balance brought forward, each charge and
    payment with the running balance, the closing balance. Prints on paper as it reads."""
    household, can_manage = _visible_household(request, pk)
    project = household.project
    form, start, end = _statement_period(request, project)
    statement = household_statement(household=household, start=start, end=end)
    context = {
        "household": household,
        "can_manage": can_manage,
        "form": form,
        "statement": statement,
        "csv_query": f"start={start.isoformat()}&end={end.isoformat()}",
    }
    return _render(request, project, "statement.html", context)


@login_required
def statement_csv(request: HttpRequest, pk: int) -> HttpResponse:
    """The statement as a spreadsheet: the API's CSV (one writer for both), same period."""
    household, _can_manage = _visible_household(request, pk)
    _form, start, end = _statement_period(request, household.project)
    return statement_csv_response(household_statement(household=household, start=start, end=end))


# --- Income declarations ----------------------------------------------------------------------


@login_required
def household_income(request: HttpRequest, pk: int) -> HttpResponse:
    """The household's income declarations, every figure of each; managers verify the
    evidence here. A manager's look is written to the income access log."""
    household, can_manage = _visible_household(request, pk)
    declarations = income_declarations_read(
        user=request.user,
        via="income page",
        declarations=income_declaration_list_for_user(user=request.user).filter(
            household=household
        ),
        households=[household],
    )
    context = {
        "household": household,
        "can_manage": can_manage,
        "declarations": declarations,
        "verify_form": VerifyForm() if can_manage else None,
        "can_declare": user_can_edit_household_members(user=request.user, household=household),
    }
    return _render(request, household.project, "income.html", context)


@login_required
@require_POST
def income_verify_view(request: HttpRequest, pk: int) -> HttpResponse:
    declaration = get_object_or_404(income_declaration_list_for_user(user=request.user), pk=pk)
    household = declaration.household
    require(user_can_manage_project(user=request.user, project=household.project))
    form = VerifyForm(request.POST)
    if form.is_valid():
        income_declaration_verify(
            declaration=declaration,
            verified_by=request.user,
            evidence_status=form.cleaned_data["evidence_status"],
        )
        messages.success(request, _("Evidence status saved."))
    else:
        messages.error(request, _("Choose an evidence status."))
    return done(request, reverse("household_income", args=[household.pk]))


urlpatterns = [
    path("projects/<int:pk>/contributions/", contributions_home, name="contributions"),
    path("projects/<int:pk>/budget/", budget_view, name="budget"),
    path("projects/<int:pk>/schemes/", scheme_list, name="scheme_list"),
    path("projects/<int:pk>/schemes/new/", scheme_create_view, name="scheme_create"),
    path("schemes/<int:pk>/", scheme_detail, name="scheme_detail"),
    path("schemes/<int:pk>/edit/", scheme_edit_view, name="scheme_edit"),
    path("schemes/<int:pk>/adopt/", scheme_adopt_view, name="scheme_adopt"),
    path("schemes/<int:pk>/retire/", scheme_retire_view, name="scheme_retire"),
    path("projects/<int:pk>/simulate/", scheme_simulation, name="scheme_simulation"),
    path("projects/<int:pk>/schemes/compare/", scheme_compare, name="scheme_compare"),
    path("projects/<int:pk>/affordability/", affordability_view, name="affordability"),
    path("projects/<int:pk>/charges/", charge_run_list, name="charge_runs"),
    path("projects/<int:pk>/charges/<int:year>/<int:month>/", charge_month, name="charge_month"),
    path("projects/<int:pk>/payments/", payment_list, name="payment_list"),
    path("projects/<int:pk>/payments/import/", payment_import, name="payment_import"),
    path("projects/<int:pk>/balances/", balance_list, name="balance_list"),
    path("projects/<int:pk>/arrears/", arrears_view, name="arrears"),
    path(
        "households/<int:pk>/contributions/",
        household_contributions,
        name="household_contributions",
    ),
    path("households/<int:pk>/statement/", statement_view, name="household_statement"),
    path("households/<int:pk>/statement.csv", statement_csv, name="household_statement_csv"),
    path("households/<int:pk>/income/", household_income, name="household_income"),
    path("income/<int:pk>/verify/", income_verify_view, name="income_verify"),
]
