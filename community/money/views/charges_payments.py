"""Charge runs and a month's charges, payments (by hand and from a bank statement),
balances and arrears."""

from __future__ import annotations

import datetime as dt

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect
from django.urls import reverse
from django.utils import formats
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from common.access import done
from common.forms import submit
from common.months import add_months, first_of_month
from community.money.forms import (
    ArrearsFilterForm,
    ChargeRunForm,
    PaymentForm,
    PaymentImportForm,
    month_in_range,
    parse_month,
)
from community.money.selectors.ledger import (
    arrears_list,
    charge_list_for_user,
    charge_run_list_for_user,
    household_balances,
    households_charged_on_expired_income,
    payment_list_for_user,
)
from community.money.services.charges import charges_run, check_charges_run
from community.money.services.payments import payment_record, payments_import_csv
from community.money.views.shared import managed_project, project_today, render_page
from members.models import HousingProject
from members.selectors import household_list_for_user

PAYMENTS_PER_PAGE = 50


# --- Charge runs ------------------------------------------------------------------------------


def _month_charges_url(project: HousingProject, month: dt.date) -> str:
    return reverse("charge_month", args=[project.pk, month.year, month.month])


@login_required
def charge_run_list(request: HttpRequest, pk: int) -> HttpResponse:
    """The project's charge runs, and "run now" for a month: running a month again shows the
    run it already has."""
    project = managed_project(request, pk)
    runs = charge_run_list_for_user(user=request.user).filter(project=project)
    consequences: list[str] = []
    if request.method == "POST":
        form = ChargeRunForm(request.POST)
        if form.is_valid():
            month = form.cleaned_data["month"]
            existed = runs.filter(month=month).exists()
            checked = existed or submit(
                form, lambda: check_charges_run(project=project, month=month)
            )
            if checked and not existed and not form.cleaned_data["confirmed"]:
                consequences = _charge_run_consequences(project, month)
        if form.is_valid() and not consequences:
            run = submit(
                form,
                lambda: charges_run(project=project, month=month, triggered_by=request.user),
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
        form = ChargeRunForm(initial={"month": first_of_month(project_today(project))})
    context = {
        "form": form,
        "runs": list(runs.order_by("-month", "-pk")),
        "consequences": consequences,
        "confirm_month": form.cleaned_data["month"] if consequences else None,
    }
    return render_page(request, project, "charge_runs.html", context)


def _charge_run_consequences(project: HousingProject, month: dt.date) -> list[str]:
    """What charging the month would do that a manager should agree to first: charging a
    month that has not begun, and charging households from expired income declarations."""
    label = formats.date_format(month, "YEAR_MONTH_FORMAT")
    consequences = []
    if month > first_of_month(project_today(project)):
        consequences.append(
            _("%(month)s has not begun: every household will be charged for it in advance.")
            % {"month": label}
        )
    expired = households_charged_on_expired_income(project=project, month=month)
    if expired:
        consequences.append(
            ngettext(
                "%(count)s household's income declaration has expired: it will be charged "
                "from that old declaration.",
                "%(count)s households' income declarations have expired: they will be "
                "charged from those old declarations.",
                expired,
            )
            % {"count": expired}
        )
    return consequences


@login_required
def charge_month(request: HttpRequest, pk: int, year: int, month: int) -> HttpResponse:
    """A month's run and its charges, household by household."""
    project = managed_project(request, pk)
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
    return render_page(request, project, "charge_month.html", context)


# --- Payments ---------------------------------------------------------------------------------


def _project_households(request: HttpRequest, project: HousingProject):
    return household_list_for_user(user=request.user).filter(project=project).order_by("unit_label")


@login_required
def payment_list(request: HttpRequest, pk: int) -> HttpResponse:
    """The project's payments, newest first, and the form to record one by hand."""
    project = managed_project(request, pk)
    households = _project_households(request, project)
    if request.method == "POST":
        form = PaymentForm(request.POST, households=households)
        if form.is_valid():
            payment = submit(
                form,
                lambda: payment_record(recorded_by=request.user, **form.cleaned_data),
            )
            if payment is not None:
                messages.success(
                    request,
                    _("Payment of household %(unit)s recorded.")
                    % {"unit": payment.household.unit_label},
                )
                return done(request, reverse("payment_list", args=[project.pk]))
    else:
        form = PaymentForm(households=households, initial={"paid_on": project_today(project)})
    payments = (
        payment_list_for_user(user=request.user)
        .filter(household__project=project)
        .order_by("-paid_on", "-pk")
    )
    page = Paginator(payments, PAYMENTS_PER_PAGE).get_page(request.GET.get("page"))
    return render_page(request, project, "payments.html", {"form": form, "page": page})


@login_required
def payment_import(request: HttpRequest, pk: int) -> HttpResponse:
    """A bank statement in two steps: a dry run shows what each row would pay and whose it is;
    the confirmation imports the same text. The service checks everything again at each step."""
    project = managed_project(request, pk)
    preview = None
    if request.method == "POST":
        form = PaymentImportForm(request.POST, request.FILES)
        confirm = "confirm" in request.POST
        if form.is_valid():
            text = form.cleaned_data["text"]
            result = submit(
                form,
                lambda: payments_import_csv(
                    project=project, file=text, dry_run=not confirm, recorded_by=request.user
                ),
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
    return render_page(request, project, "payment_import.html", {"form": form, "preview": preview})


# --- Balances and arrears ---------------------------------------------------------------------


@login_required
def balance_list(request: HttpRequest, pk: int) -> HttpResponse:
    project = managed_project(request, pk)
    balances = list(household_balances(project=project))
    context = {
        "balances": balances,
        "charged_cents": sum(h.charged_cents for h in balances),
        "paid_cents": sum(h.paid_cents for h in balances),
        "balance_cents": sum(h.balance_cents for h in balances),
    }
    return render_page(request, project, "balances.html", context)


@login_required
def arrears_view(request: HttpRequest, pk: int) -> HttpResponse:
    project = managed_project(request, pk)
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
    return render_page(request, project, "arrears.html", context)
