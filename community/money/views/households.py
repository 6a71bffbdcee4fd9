"""A household's contributions, its statement (on the page and as a spreadsheet) and its
income declarations, which the project's managers verify."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from common.access import done, require
from common.csv_export import statement_csv_response
from common.months import add_months, first_of_month
from community.money.forms import StatementPeriodForm, VerifyForm
from community.money.selectors.affordability import household_affordability
from community.money.selectors.ledger import (
    charge_list_for_user,
    household_balances,
    household_statement,
    payment_list_for_user,
    scheme_in_force,
)
from community.money.services.statements import statement_export_record
from community.money.views.shared import _record_look, project_today, render_page, visible_household
from members.models import HousingProject
from members.selectors import (
    income_declaration_list_for_user,
    income_declarations_read,
    user_can_edit_household_members,
    user_can_manage_project,
)
from members.services import income_declaration_verify

STATEMENT_MONTHS = 12


# --- A household's contributions ----------------------------------------------------------------


@login_required
def household_contributions(request: HttpRequest, pk: int) -> HttpResponse:
    """What the household pays: the scheme in force, its latest charges and payments and its
    balance. Its own members and its project's managers see it."""
    household, can_manage = visible_household(request, pk)
    project = household.project
    today = project_today(project)
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
    return render_page(request, project, "household.html", context)


def _statement_period(request: HttpRequest, project: HousingProject):
    today = project_today(project)
    default = {"start": add_months(first_of_month(today), -(STATEMENT_MONTHS - 1)), "end": today}
    form = StatementPeriodForm(request.GET if "start" in request.GET else None, initial=default)
    if form.is_bound and form.is_valid():
        return form, form.cleaned_data["start"], form.cleaned_data["end"]
    return form, default["start"], default["end"]


@login_required
def statement_view(request: HttpRequest, pk: int) -> HttpResponse:
    """The household's account over a period: balance brought forward, each charge and
    payment with the running balance, the closing balance. Prints on paper as it reads."""
    household, can_manage = visible_household(request, pk)
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
    return render_page(request, project, "statement.html", context)


@login_required
def statement_csv(request: HttpRequest, pk: int) -> HttpResponse:
    """The statement as a spreadsheet: the API's CSV (one writer for both), same period; a
    manager's download is recorded in the audit log."""
    household, _can_manage = visible_household(request, pk)
    _form, start, end = _statement_period(request, household.project)
    statement = household_statement(household=household, start=start, end=end)
    statement_export_record(
        user=request.user, household=household, start=start, end=end, via="page"
    )
    return statement_csv_response(statement)


# --- Income declarations ----------------------------------------------------------------------


@login_required
def household_income(request: HttpRequest, pk: int) -> HttpResponse:
    """The household's income declarations, every figure of each; managers verify the
    evidence here. A manager's look is written to the income access log."""
    household, can_manage = visible_household(request, pk)
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
    return render_page(request, household.project, "income.html", context)


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
