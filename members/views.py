"""Household, resident, income and invitation pages. Thin: selectors read, services write."""

from __future__ import annotations

import contextlib

from django.contrib import messages
from django.contrib.auth import login
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.core.paginator import Paginator
from django.db.models import Count
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import timezone
from django.utils.cache import add_never_cache_headers
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.i18n import set_language

from common.access import require
from common.forms import submit
from members import selectors, services
from members.access import managed_project, project_time_zone
from members.filters import AuditEventFilter
from members.forms import (
    HouseholdForm,
    IncomeDeclarationForm,
    InvitationAcceptForm,
    InvitationForm,
    ProjectSettingsForm,
    ResidentForm,
)
from members.models import Household, RoleKind


def _visible_household(request: HttpRequest, pk: int) -> Household:
    return get_object_or_404(selectors.household_list_for_user(user=request.user), pk=pk)


def _next_or_home(request: HttpRequest) -> str:
    """The ``next`` address of the request if it stays on this site, else the home page."""
    target = request.GET.get("next", "")
    if url_has_allowed_host_and_scheme(
        target, allowed_hosts={request.get_host()}, require_https=request.is_secure()
    ):
        return target
    return "home"


def language_set(request: HttpRequest) -> HttpResponse:
    """Django's language switch, which also saves the choice on the signed-in user."""
    response = set_language(request)
    language = request.POST.get("language", "")
    if request.method == "POST" and request.user.is_authenticated:
        with contextlib.suppress(ValidationError):
            services.user_language_set(user=request.user, language=language)
    return response


@login_required
def mfa_required(request: HttpRequest) -> HttpResponse:
    """Why staff must set up two-factor sign-in, and the way to do it (MfaRequiredMiddleware
    sends them here; anyone else is sent on)."""
    if not selectors.user_must_set_up_mfa(user=request.user):
        return redirect(_next_or_home(request))
    return render(request, "members/mfa_required.html")


@login_required
def home(request: HttpRequest) -> HttpResponse:
    """Each role's home: what the person came to do, first."""
    user = request.user
    roles = list(selectors.role_list_for_user(user=user))
    kind = selectors.user_home_kind(user=user)
    context: dict = {"roles": roles}
    if kind == RoleKind.MANAGER:
        context["projects"] = (
            selectors.managed_project_list(user=user)
            .select_related("city")
            .annotate(
                households_count=Count("households", distinct=True),
                residents_count=Count("households__residents", distinct=True),
            )
            .order_by("name")
        )
        template = "members/home_manager.html"
    elif kind == RoleKind.OFFICER:
        context["cities"] = selectors.monitored_city_list(user=user).prefetch_related("projects")
        context["observer"] = selectors.user_is_network_observer(user=user)
        template = "members/home_officer.html"
    elif kind == RoleKind.RESIDENT:
        household = selectors.household_of_user(user=user)
        context["household"] = household
        context["residents"] = household.residents.all() if household else []
        template = "members/home_resident.html"
    elif selectors.user_is_network_observer(user=user):
        # Across cities: the pilots' protected indicators, never a household.
        context["cities"] = selectors.observed_city_list(user=user).order_by("name", "pk")
        template = "members/home_observer.html"
    else:
        template = "members/home_none.html"
    return render(request, template, context)


@login_required
def household_detail(request: HttpRequest, pk: int) -> HttpResponse:
    household = _visible_household(request, pk)
    can_manage = selectors.user_can_manage_project(user=request.user, project=household.project)
    # A manager looking at a household's incomes leaves a trace; the household itself does not.
    declarations = selectors.income_declarations_read(
        user=request.user,
        via="page",
        declarations=household.income_declarations.select_related("declared_by", "verified_by"),
    )
    context = {
        "household": household,
        "project": household.project,
        "residents": household.residents.select_related("user"),
        "declarations": declarations,
        "invitations": household.invitations.all() if can_manage else [],
        "can_manage": can_manage,
        "can_edit_members": selectors.user_can_edit_household_members(
            user=request.user, household=household
        ),
    }
    return render(request, "members/household_detail.html", context)


@login_required
def household_create(request: HttpRequest, project_pk: int) -> HttpResponse:
    project = get_object_or_404(selectors.project_list_for_user(user=request.user), pk=project_pk)
    require(selectors.user_can_manage_project(user=request.user, project=project))
    form = HouseholdForm(request.POST or None)
    if request.method == "POST":
        household = submit(
            form, lambda: services.household_create(project=project, **form.cleaned_data)
        )
        if household is not None:
            messages.success(
                request, _("Household %(unit)s added.") % {"unit": household.unit_label}
            )
            return redirect("household_detail", pk=household.pk)
    return render(
        request,
        "members/form.html",
        {"form": form, "project": project, "title": _("New household")},
    )


@login_required
def project_settings(request: HttpRequest, pk: int) -> HttpResponse:
    project = managed_project(request, pk)
    form = ProjectSettingsForm(request.POST or None, instance=project)
    if request.method == "POST":
        updated = submit(
            form, lambda: services.project_settings_update(project=project, **form.cleaned_data)
        )
        if updated is not None:
            messages.success(request, _("Settings saved."))
            return redirect("project_detail", pk=project.pk)
    return render(
        request, "members/form.html", {"form": form, "project": project, "title": _("Settings")}
    )


@login_required
def household_edit(request: HttpRequest, pk: int) -> HttpResponse:
    household = _visible_household(request, pk)
    require(selectors.user_can_manage_project(user=request.user, project=household.project))
    form = HouseholdForm(request.POST or None, instance=household)
    if request.method == "POST":
        updated = submit(
            form, lambda: services.household_update(household=household, **form.cleaned_data)
        )
        if updated is not None:
            messages.success(request, _("Household saved."))
            return redirect("household_detail", pk=household.pk)
    return render(
        request,
        "members/form.html",
        {"form": form, "project": household.project, "title": _("Edit household")},
    )


@login_required
def resident_create(request: HttpRequest, household_pk: int) -> HttpResponse:
    household = _visible_household(request, household_pk)
    require(selectors.user_can_edit_household_members(user=request.user, household=household))
    form = ResidentForm(request.POST or None)
    if request.method == "POST":
        resident = submit(
            form, lambda: services.resident_create(household=household, **form.cleaned_data)
        )
        if resident is not None:
            messages.success(request, _("%(name)s added.") % {"name": resident.full_name})
            return redirect("household_detail", pk=household.pk)
    return render(
        request,
        "members/form.html",
        {"form": form, "project": household.project, "title": _("New resident")},
    )


@login_required
def resident_edit(request: HttpRequest, pk: int) -> HttpResponse:
    resident = get_object_or_404(selectors.resident_list_for_user(user=request.user), pk=pk)
    household = resident.household
    require(selectors.user_can_edit_household_members(user=request.user, household=household))
    form = ResidentForm(request.POST or None, instance=resident)
    if request.method == "POST":
        updated = submit(
            form,
            lambda: services.resident_update(resident=resident, **form.cleaned_data),
        )
        if updated is not None:
            messages.success(request, _("Resident saved."))
            return redirect("household_detail", pk=household.pk)
    return render(
        request,
        "members/form.html",
        {"form": form, "project": household.project, "title": _("Edit resident")},
    )


@login_required
def income_declaration_create(request: HttpRequest, household_pk: int) -> HttpResponse:
    household = _visible_household(request, household_pk)
    require(selectors.user_can_edit_household_members(user=request.user, household=household))
    form = IncomeDeclarationForm(request.POST or None)
    if request.method == "POST":
        declaration = submit(
            form,
            lambda: services.income_declaration_create(
                household=household, declared_by=request.user, **form.cleaned_data
            ),
        )
        if declaration is not None:
            messages.success(request, _("Income declared."))
            return redirect("household_detail", pk=household.pk)
    return render(
        request,
        "members/form.html",
        {
            "form": form,
            "project": household.project,
            "title": _("Declare income"),
            "intro": _(
                "Only your household and the managers of your project can see these figures."
            ),
        },
    )


@login_required
def invitation_create(request: HttpRequest, household_pk: int) -> HttpResponse:
    household = _visible_household(request, household_pk)
    require(selectors.user_can_manage_project(user=request.user, project=household.project))
    form = InvitationForm(
        request.POST or None,
        household=household,
        initial={"language": household.project.city.default_language},
    )
    if request.method == "POST":
        invitation = submit(
            form,
            lambda: services.invitation_create(
                household=household, invited_by=request.user, **form.cleaned_data
            ),
        )
        if invitation is not None:
            messages.success(
                request, _("Invitation sent to %(email)s.") % {"email": invitation.email}
            )
            return redirect("household_detail", pk=household.pk)
    return render(
        request,
        "members/form.html",
        {"form": form, "project": household.project, "title": _("Invite a resident")},
    )


def invitation_accept(request: HttpRequest, token: str) -> HttpResponse:
    """Open to anyone holding the token: it creates the account, or joins the signed-in one."""
    invitation = selectors.invitation_get_pending(token=token)
    if invitation is None:
        return render(request, "members/invitation_invalid.html", status=404)
    signed_in = request.user.is_authenticated
    if signed_in and request.user.email.lower() != invitation.email.lower():
        return render(
            request, "members/invitation_other_account.html", {"invitation": invitation}, status=403
        )
    resident = invitation.resident
    form = InvitationAcceptForm(
        request.POST or None,
        needs_account=not signed_in,
        needs_birth_year=resident is None,
        initial={"first_name": resident.first_name, "last_name": resident.last_name}
        if resident
        else None,
    )
    if request.method == "POST":
        accepted = submit(
            form,
            lambda: services.invitation_accept(
                invitation=invitation,
                user=request.user if signed_in else None,
                **form.service_arguments(),
            ),
        )
        if accepted is not None:
            if not signed_in:
                login(request, accepted.user, backend="members.backends.ModelBackend")
            messages.success(
                request,
                _("Welcome to %(project)s!") % {"project": invitation.household.project.name},
            )
            return redirect("home")
    return render(
        request, "members/invitation_accept.html", {"invitation": invitation, "form": form}
    )


# --- A person's data: their export, and a manager's erasure of a resident who moved out ----


SECTION_TITLES = {
    "household": gettext_lazy("Household"),
    "residents": gettext_lazy("Residents"),
    "income_declarations": gettext_lazy("Income declarations"),
    "invitations": gettext_lazy("Invitations"),
    "bookings": gettext_lazy("Bookings"),
    "waitlist_entries": gettext_lazy("Waiting list"),
    "charges": gettext_lazy("Charges"),
    "payments": gettext_lazy("Payments"),
    "participations": gettext_lazy("Votes"),
    "proxies": gettext_lazy("Proxies"),
    "meeting_attendance": gettext_lazy("Attendance"),
}


def _as_tables(data: dict) -> list[dict]:
    """The export as tables: one per section, its columns the keys of its rows."""
    tables = []
    for name, rows in data.items():
        rows = [rows] if isinstance(rows, dict) else (rows or [])
        columns = list(dict.fromkeys(key for row in rows for key in row))
        tables.append(
            {
                "name": name,
                "title": SECTION_TITLES.get(name, name),
                "columns": columns,
                "rows": [[row.get(column) for column in columns] for row in rows],
            }
        )
    return tables


@login_required
def personal_data_page(request: HttpRequest) -> HttpResponse:
    """Everything held about the user and their household, readable, with the JSON download."""
    data = selectors.personal_data_export(user=request.user)
    account = data.pop("account")
    roles = account.pop("roles")
    context = {"account": account, "roles": roles, "tables": _as_tables(data)}
    response = render(request, "members/personal_data.html", context)
    add_never_cache_headers(response)
    return response


@login_required
def personal_data_download(request: HttpRequest) -> HttpResponse:
    response = JsonResponse(
        services.personal_data_export_deliver(user=request.user, via="page"),
        json_dumps_params={"ensure_ascii": False, "indent": 2},
    )
    response["Content-Disposition"] = 'attachment; filename="netco-my-data.json"'
    add_never_cache_headers(response)
    return response


@login_required
def resident_erase(request: HttpRequest, pk: int) -> HttpResponse:
    """A manager removes a resident who moved out: a confirmation saying what happens, then
    the erasure."""
    resident = get_object_or_404(selectors.resident_list_for_user(user=request.user), pk=pk)
    household = resident.household
    require(selectors.user_can_manage_project(user=request.user, project=household.project))
    if request.method == "POST":
        services.resident_erase(resident=resident, erased_by=request.user)
        messages.success(request, _("Resident removed."))
        return redirect("household_detail", pk=household.pk)
    return render(
        request,
        "members/resident_erase.html",
        {"resident": resident, "household": household, "project": household.project},
    )


# --- The audit log of a project, for its managers and platform admins ----------------------

AUDIT_EVENTS_PER_PAGE = 50


@login_required
def project_audit_log(request: HttpRequest, pk: int) -> HttpResponse:
    """Who did what, when, in the project: role changes, looks at and changes of incomes,
    schemes adopted, charge runs, votes opened and closed, erasures and exports; filtered by
    what and by days, in the project's time zone, a page at a time."""
    project = managed_project(request, pk)
    zone = project_time_zone(project)
    events = selectors.audit_events_for_user(user=request.user, project=project)
    filters = AuditEventFilter(request.GET, queryset=events, time_zone=zone)
    shown = filters.qs if filters.is_valid() else events.none()
    page = Paginator(shown, AUDIT_EVENTS_PER_PAGE).get_page(request.GET.get("page"))
    query = request.GET.copy()
    query.pop("page", None)
    context = {
        "project": project,
        "filters": filters,
        "page": page,
        "filter_query": query.urlencode(),
    }
    with timezone.override(zone):
        response = render(request, "members/audit_log.html", context)
    add_never_cache_headers(response)
    return response
