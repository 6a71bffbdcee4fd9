"""Pages for a project's proxies and its decision register.

Thin: selectors read, services write. A project or proxy the user may not see answers 404;
one they see but may not act on answers 403.
"""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils import formats, timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from common.access import done, require
from common.csv_export import csv_response
from common.forms import submit
from common.validation import Conflict
from governance.forms.proposals import (
    ProxyGrantForm,
    RegisterSearchForm,
)
from governance.models import (
    Meeting,
)
from governance.selectors.proposal_pages import (
    proxy_holder_candidate_list,
    proxy_meeting_list,
    proxy_proposal_list,
    today_in,
)
from governance.selectors.proposals import (
    DECISION_CSV_HEADER,
    decision_csv_rows,
    decision_list_for_user,
    proxy_list_for_user,
)
from governance.services.ballots import (
    resident_in_project,
)
from governance.services.proxies import proxy_grant, proxy_revoke
from members.access import member_project, project_time_zone
from members.selectors import user_can_manage_project

# --- Proxies ----------------------------------------------------------------------------------


def _meeting_label(meeting: Meeting) -> str:
    start = formats.date_format(timezone.localtime(meeting.start), "DATETIME_FORMAT")
    return f"{meeting.title} — {start}"


@login_required
def proxy_page(request: HttpRequest, pk: int) -> HttpResponse:
    """My proxies given and held in the project (managers: all of them), and the grant form."""
    project, can_manage = member_project(request, pk)
    resident = resident_in_project(user=request.user, project_id=project.pk)
    with timezone.override(project_time_zone(project)):
        form = None
        if resident is not None:
            form = ProxyGrantForm(
                request.POST or None,
                holders=proxy_holder_candidate_list(
                    project=project, grantor=resident, today=today_in(project)
                ),
                meetings=list(proxy_meeting_list(project=project, now=timezone.now())),
                proposals=list(proxy_proposal_list(user=request.user, project=project)),
                meeting_label=_meeting_label,
            )
        if request.method == "POST":
            require(form is not None)

            def grant() -> Any:
                try:
                    return proxy_grant(grantor=resident, **form.arguments())
                except ValidationError as exc:
                    raise ProxyGrantForm.on_fields(exc) from exc

            try:
                proxy = submit(form, grant)
            except Conflict as exc:
                form.add_error(None, exc.message)
                proxy = None
            if proxy is not None:
                messages.success(
                    request,
                    _("%(name)s now holds your proxy.") % {"name": proxy.holder.full_name},
                )
                return redirect("proxy_list", pk=project.pk)
        proxies = list(
            proxy_list_for_user(user=request.user)
            .filter(project=project)
            .order_by("-created_at", "-pk")
        )
        mine = resident.pk if resident else None
        context = {
            "project": project,
            "can_manage": can_manage,
            "resident": resident,
            "form": form,
            "given": [p for p in proxies if p.grantor_id == mine],
            "held": [p for p in proxies if p.holder_id == mine],
            "others": [p for p in proxies if mine not in (p.grantor_id, p.holder_id)]
            if can_manage
            else [],
        }
        return render(request, "governance/proposals/proxies.html", context)


@login_required
@require_POST
def proxy_revoke_view(request: HttpRequest, pk: int) -> HttpResponse:
    """The grantor takes their vote back (or a manager revokes it), until it is used."""
    proxy = get_object_or_404(
        proxy_list_for_user(user=request.user).select_related("project__city"), pk=pk
    )
    resident = resident_in_project(user=request.user, project_id=proxy.project_id)
    require(
        (resident is not None and proxy.grantor_id == resident.pk)
        or user_can_manage_project(user=request.user, project=proxy.project)
    )
    try:
        proxy_revoke(proxy=proxy)
    except Conflict as exc:
        messages.error(request, exc.message)
    else:
        messages.success(request, _("Proxy revoked."))
    return done(request, reverse("proxy_list", args=[proxy.project_id]))


# --- The decision register ----------------------------------------------------------------------


def _register(request: HttpRequest, pk: int) -> tuple[Any, bool, RegisterSearchForm, Any]:
    project, can_manage = member_project(request, pk)
    search = RegisterSearchForm(request.GET)
    q = search.cleaned_data["q"].strip() if search.is_valid() else ""
    decisions = (
        decision_list_for_user(user=request.user, search=q)
        .filter(project=project)
        .order_by("-decided_at", "pk")
    )
    return project, can_manage, search, decisions


@login_required
def decision_register(request: HttpRequest, pk: int) -> HttpResponse:
    project, can_manage, search, decisions = _register(request, pk)
    context = {
        "project": project,
        "can_manage": can_manage,
        "search": search,
        "q": search.cleaned_data.get("q", "") if search.is_valid() else "",
        "decisions": list(decisions),
    }
    with timezone.override(project_time_zone(project)):
        return render(request, "governance/proposals/decision_register.html", context)


@login_required
def decision_register_csv(request: HttpRequest, pk: int) -> HttpResponse:
    """The register as the API gives it (``decision_csv_rows``), with the same search."""
    project, _can_manage, _search, decisions = _register(request, pk)
    return csv_response(
        filename=f"decisions-{project.slug}.csv",
        header=DECISION_CSV_HEADER,
        rows=decision_csv_rows(decisions=decisions),
    )
