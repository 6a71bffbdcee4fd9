"""A project's contributions overview, its monthly budget and its schemes: drafting,
editing, adopting and retiring them."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect
from django.urls import reverse
from django.utils import formats
from django.utils.translation import gettext as _
from django.utils.translation import ngettext
from django.views.decorators.http import require_POST

from common.access import done
from common.forms import submit
from common.months import add_months, first_of_month
from common.validation import Conflict
from community.money.contribution_parameters import METHOD_LABELS, Method
from community.money.forms import (
    PARAMETER_FORMS,
    BaseBudgetLineFormSet,
    BudgetForm,
    BudgetLineForm,
    BudgetLineFormSet,
    RetireForm,
    SchemeForm,
    SchemeForms,
    add_formset_errors,
    as_typed,
    budget_line_initial,
    month_value,
    parse_month,
    place_on,
    rows_as_typed,
)
from community.money.models import ContributionScheme, SchemeStatus
from community.money.selectors.ledger import (
    budget_for_month,
    charge_run_list_for_user,
    household_balances,
    scheme_in_force,
    scheme_list_for_user,
    scheme_retirement_facts,
)
from community.money.services.budgets import budget_set
from community.money.services.schemes import (
    check_scheme_retire,
    scheme_adopt,
    scheme_create,
    scheme_retire,
    scheme_update,
)
from community.money.views.shared import (
    managed_project,
    managed_scheme,
    method_of,
    month_links,
    project_today,
    render_page,
)
from members.access import member_project
from members.selectors import household_list_for_user

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
    today = project_today(project)
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
    return render_page(request, project, "home.html", context)


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
    project = managed_project(request, pk)
    month = parse_month(request.GET.get("month"), project_today(project))
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
                saved = submit(
                    form,
                    lambda: budget_set(
                        project=project, month=month, lines=new_lines, **form.cleaned_data
                    ),
                    place=_place_budget_error(form, formset, rows),
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
        **month_links("budget", project, month),
    }
    return render_page(request, project, "budget.html", context)


# --- Schemes ----------------------------------------------------------------------------------


@login_required
def scheme_list(request: HttpRequest, pk: int) -> HttpResponse:
    project = managed_project(request, pk)
    schemes = list(
        scheme_list_for_user(user=request.user)
        .filter(project=project)
        .order_by("status", "-valid_from", "-pk")
    )
    order = {SchemeStatus.ADOPTED: 0, SchemeStatus.DRAFT: 1, SchemeStatus.RETIRED: 2}
    schemes.sort(key=lambda scheme: order.get(scheme.status, 3))
    context = {
        "schemes": schemes,
        "in_force": scheme_in_force(project=project, on=project_today(project)),
        "methods": [(method.value, label) for method, label in METHOD_LABELS.items()],
    }
    return render_page(request, project, "scheme_list.html", context)


def _scheme_forms_from_post(request: HttpRequest, method: str) -> SchemeForms:
    if "add_band" in request.POST:
        return SchemeForms(method, typed=request.POST)
    return SchemeForms(method, request.POST)


@login_required
def scheme_create_view(request: HttpRequest, pk: int) -> HttpResponse:
    """A new draft: first its method, then its name, period and parameters (the method's
    defaults to start from: HUD's for greatest-of)."""
    project = managed_project(request, pk)
    method = method_of(request.POST.get("method") or request.GET.get("method"))
    if method is None:
        context = {"methods": [(m.value, label) for m, label in METHOD_LABELS.items()]}
        return render_page(request, project, "scheme_method.html", context)
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
        next_month = add_months(first_of_month(project_today(project)), 1)
        forms = SchemeForms(method, initial={"valid_from": next_month})
    context = {"forms": forms, "method_label": METHOD_LABELS[Method(method)], "scheme": None}
    return render_page(request, project, "scheme_form.html", context)


@login_required
def scheme_edit_view(request: HttpRequest, pk: int) -> HttpResponse:
    """Change a draft; ``?method=`` switches it to another method's default parameters."""
    scheme = managed_scheme(request, pk)
    project = scheme.project
    if scheme.status != SchemeStatus.DRAFT:
        messages.error(request, _("Only a draft scheme can be changed."))
        return redirect("scheme_detail", pk=scheme.pk)
    method = method_of(request.POST.get("method") or request.GET.get("method"), scheme.method)
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
    return render_page(request, project, "scheme_form.html", context)


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
    scheme = managed_scheme(request, pk)
    return render_page(
        request, scheme.project, "scheme_detail.html", _scheme_detail_context(scheme)
    )


@login_required
@require_POST
def scheme_adopt_view(request: HttpRequest, pk: int) -> HttpResponse:
    """Put a draft in force; an overlap with a scheme in force is shown on the page."""
    scheme = managed_scheme(request, pk)
    try:
        scheme_adopt(scheme=scheme, adopted_by=request.user)
    except ValidationError as exc:
        context = _scheme_detail_context(scheme, adopt_errors=exc.messages)
        return render_page(request, scheme.project, "scheme_detail.html", context)
    except Conflict as exc:
        messages.error(request, exc.message)
        return done(request, reverse("scheme_detail", args=[scheme.pk]))
    messages.success(request, _("“%(name)s” is adopted.") % {"name": scheme.name})
    return done(request, reverse("scheme_detail", args=[scheme.pk]))


@login_required
@require_POST
def scheme_retire_view(request: HttpRequest, pk: int) -> HttpResponse:
    """Retire a scheme in two steps: the period is checked and what retiring means is shown,
    then the confirmed form retires it."""
    scheme = managed_scheme(request, pk)
    form = RetireForm(request.POST)
    try:
        if form.is_valid() and not form.cleaned_data["confirmed"]:
            valid_to = form.cleaned_data["valid_to"]
            # In a tuple: the end the scheme would have, None when it would be withdrawn.
            checked = submit(form, lambda: (check_scheme_retire(scheme=scheme, valid_to=valid_to),))
            if checked is not None:
                consequences = _retirement_consequences(scheme, checked[0])
                context = _scheme_detail_context(
                    scheme, retire_form=form, consequences=consequences
                )
                return render_page(request, scheme.project, "scheme_detail.html", context)
        elif form.is_valid():
            valid_to = form.cleaned_data["valid_to"]
            retired = submit(form, lambda: scheme_retire(scheme=scheme, valid_to=valid_to))
            if retired is not None:
                messages.success(request, _("“%(name)s” is retired.") % {"name": scheme.name})
                return done(request, reverse("scheme_detail", args=[scheme.pk]))
    except Conflict as exc:
        messages.error(request, exc.message)
        return done(request, reverse("scheme_detail", args=[scheme.pk]))
    context = _scheme_detail_context(scheme, retire_form=form)
    return render_page(request, scheme.project, "scheme_detail.html", context)


def _retirement_consequences(scheme: ContributionScheme, end: dt.date | None) -> list[str]:
    """What retiring the scheme to end on ``end`` (None: withdrawn) means: from which month no
    charge is made under it, and whether another scheme charges the households instead."""
    facts = scheme_retirement_facts(scheme=scheme, valid_to=end)
    month = formats.date_format(facts.first_month_without, "YEAR_MONTH_FORMAT")
    if end is None:
        consequences = [_("It was never in force: no month will be charged under it.")]
    else:
        consequences = [
            _("No month from %(month)s on will be charged under it.") % {"month": month}
        ]
    values = {"month": month, "count": facts.households}
    if facts.replacement is not None:
        consequences.append(
            ngettext(
                "From %(month)s the %(count)s household living in the project is charged "
                "under %(name)s instead.",
                "From %(month)s the %(count)s households living in the project are charged "
                "under %(name)s instead.",
                facts.households,
            )
            % (values | {"name": facts.replacement.name})
        )
    else:
        consequences.append(
            ngettext(
                "No other scheme is adopted from %(month)s: the %(count)s household living "
                "in the project will not be charged until one is.",
                "No other scheme is adopted from %(month)s: the %(count)s households living "
                "in the project will not be charged until one is.",
                facts.households,
            )
            % values
        )
    return consequences
