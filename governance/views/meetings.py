"""Meeting pages: a project's meetings, a meeting's page (agenda, place or link, calendar file,
attendance, minutes), the managers' forms (meeting, agenda, register, minutes) and the decision
classes of the bylaws.

Thin: selectors read, services write. Residents of the project see its meetings, published
minutes and decision classes; its managers and a meeting's chair keep the register and write the
minutes; anyone else finds nothing (404). Times are shown and typed on the project's clock.
"""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from common.access import done, require
from common.calendars import calendar_response
from common.forms import submit
from common.validation import Conflict
from governance.calendars import meeting_calendar
from governance.forms.meetings import (
    AgendaItemAddForm,
    AgendaItemForm,
    AttendanceForm,
    DecisionClassForm,
    MeetingCreateForm,
    MeetingForm,
    MinutesForm,
)
from governance.models import AgendaItem, AttendanceStatus, DecisionClass, Meeting
from governance.selectors.meetings import (
    decision_class_list_for_user,
    meeting_detail,
    meeting_list_for_user,
    meeting_minutes_visible,
    meeting_register,
    user_can_run_meeting,
)
from governance.services import meetings as services
from members.access import managed_project, member_project, project_time_zone
from members.selectors import user_can_manage_project

# --- Access ---------------------------------------------------------------------------------------


def _visible_meeting(request: HttpRequest, pk: int) -> Meeting:
    """A meeting of a project the user lives in or manages; any other does not exist for them."""
    meeting = meeting_detail(user=request.user, pk=pk)
    if meeting is None:
        raise Http404
    return meeting


def _managed_meeting(request: HttpRequest, pk: int) -> Meeting:
    meeting = _visible_meeting(request, pk)
    require(user_can_manage_project(user=request.user, project=meeting.project))
    return meeting


def _run_meeting(request: HttpRequest, pk: int) -> Meeting:
    """The managers and the chair keep the register and write the minutes."""
    meeting = _visible_meeting(request, pk)
    require(user_can_run_meeting(user=request.user, meeting=meeting))
    return meeting


def _managed_item(request: HttpRequest, pk: int) -> AgendaItem:
    item = get_object_or_404(
        AgendaItem.objects.select_related("meeting__project__city").filter(
            meeting__in=meeting_list_for_user(user=request.user).values("pk")
        ),
        pk=pk,
    )
    require(user_can_manage_project(user=request.user, project=item.meeting.project))
    return item


def _meeting_url(meeting: Meeting) -> str:
    return reverse("meeting_detail", args=[meeting.pk])


# --- Meetings of a project -----------------------------------------------------------------------


@login_required
def meeting_list(request: HttpRequest, pk: int) -> HttpResponse:
    """The project's meetings: the coming ones first in time order, then the past ones."""
    project, can_manage = member_project(request, pk)
    now = timezone.now()
    upcoming, past = [], []
    for meeting in meeting_list_for_user(user=request.user).filter(project=project):
        (upcoming if (meeting.end or meeting.start) >= now else past).append(meeting)
    upcoming.reverse()
    context = {"project": project, "can_manage": can_manage, "upcoming": upcoming, "past": past}
    with timezone.override(project_time_zone(project)):
        return render(request, "governance/meeting_list.html", context)


@login_required
def meeting_detail_view(request: HttpRequest, pk: int) -> HttpResponse:
    meeting = _visible_meeting(request, pk)
    project = meeting.project
    can_manage = user_can_manage_project(user=request.user, project=project)
    can_run = can_manage or user_can_run_meeting(user=request.user, meeting=meeting)
    now = timezone.now()
    context = {
        "meeting": meeting,
        "project": project,
        "agenda": list(meeting.agenda_items.all()),
        "can_manage": can_manage,
        "can_run": can_run,
        "started": meeting.start <= now,
        "show_minutes": meeting_minutes_visible(meeting=meeting, can_run=can_run),
        "register": meeting_register(meeting=meeting) if can_run else None,
        "statuses": AttendanceStatus,
    }
    with timezone.override(project_time_zone(project)):
        return render(request, "governance/meeting_detail.html", context)


@login_required
def meeting_ics(request: HttpRequest, pk: int) -> HttpResponse:
    """The meeting as an iCalendar file, to add to a calendar."""
    meeting = _visible_meeting(request, pk)
    content = meeting_calendar(
        meeting=meeting,
        agenda=meeting.agenda_items.all(),
        url=request.build_absolute_uri(_meeting_url(meeting)),
    )
    return calendar_response(content, filename=f"meeting-{meeting.pk}.ics")


def _meeting_arguments(form: MeetingForm) -> dict:
    return {name: form.cleaned_data[name] for name in services.MEETING_EDITABLE}


@login_required
def meeting_create_view(request: HttpRequest, pk: int) -> HttpResponse:
    project = managed_project(request, pk)
    with timezone.override(project_time_zone(project)):
        form = MeetingCreateForm(request.POST or None, project=project)
        if request.method == "POST":
            meeting = submit(
                form,
                lambda: services.meeting_create(
                    project=project,
                    invite=form.cleaned_data["invite"],
                    **_meeting_arguments(form),
                ),
            )
            if meeting is not None:
                if form.cleaned_data["invite"] and meeting.start > timezone.now():
                    messages.success(request, _("Meeting called: every household is invited."))
                else:
                    messages.success(request, _("Meeting saved."))
                return done(request, reverse("meeting_agenda", args=[meeting.pk]))
        context = {"form": form, "project": project, "title": _("Call a meeting")}
        return render(request, "governance/meeting_form.html", context)


@login_required
def meeting_edit_view(request: HttpRequest, pk: int) -> HttpResponse:
    meeting = _managed_meeting(request, pk)
    project = meeting.project
    with timezone.override(project_time_zone(project)):
        form = MeetingForm(
            request.POST or None, project=project, initial=MeetingForm.initial_for(meeting)
        )
        if request.method == "POST":
            saved = submit(
                form,
                lambda: services.meeting_update(meeting=meeting, **_meeting_arguments(form)),
            )
            if saved is not None:
                messages.success(request, _("Meeting saved."))
                return done(request, _meeting_url(meeting))
        context = {
            "form": form,
            "project": project,
            "meeting": meeting,
            "title": _("Edit the meeting"),
        }
        return render(request, "governance/meeting_form.html", context)


@login_required
@require_POST
def meeting_invitations_view(request: HttpRequest, pk: int) -> HttpResponse:
    meeting = _managed_meeting(request, pk)
    try:
        services.meeting_invitations_queue(meeting=meeting)
    except Conflict as exc:
        messages.error(request, exc.message)
    else:
        messages.success(request, _("The invitations are on their way to every household."))
    return done(request, _meeting_url(meeting))


# --- Agenda ---------------------------------------------------------------------------------------


@login_required
def meeting_agenda(request: HttpRequest, pk: int) -> HttpResponse:
    """The managers' agenda editor: the items in order, and a form to add one."""
    meeting = _managed_meeting(request, pk)
    form = AgendaItemAddForm(request.POST or None)
    if request.method == "POST":
        item = submit(
            form,
            lambda: services.agenda_item_add(
                meeting=meeting,
                title=form.cleaned_data["title"],
                description=form.cleaned_data["description"],
                position=form.cleaned_data["position"],
            ),
        )
        if item is not None:
            messages.success(request, _("Added to the agenda."))
            return done(request, reverse("meeting_agenda", args=[meeting.pk]))
    context = {
        "meeting": meeting,
        "project": meeting.project,
        "agenda": list(meeting.agenda_items.all()),
        "form": form,
    }
    with timezone.override(project_time_zone(meeting.project)):
        return render(request, "governance/meeting_agenda.html", context)


@login_required
def agenda_item_edit(request: HttpRequest, pk: int) -> HttpResponse:
    item = _managed_item(request, pk)
    meeting = item.meeting
    form = AgendaItemForm(
        request.POST or None, initial={"title": item.title, "description": item.description}
    )
    if request.method == "POST":
        saved = submit(
            form,
            lambda: services.agenda_item_update(
                item=item,
                title=form.cleaned_data["title"],
                description=form.cleaned_data["description"],
            ),
        )
        if saved is not None:
            messages.success(request, _("Agenda item saved."))
            return done(request, reverse("meeting_agenda", args=[meeting.pk]))
    context = {
        "form": form,
        "project": meeting.project,
        "meeting": meeting,
        "item": item,
        "title": _("Edit the agenda item"),
    }
    return render(request, "governance/agenda_item_form.html", context)


@login_required
@require_POST
def agenda_item_remove(request: HttpRequest, pk: int) -> HttpResponse:
    item = _managed_item(request, pk)
    services.agenda_item_remove(item=item)
    messages.success(request, _("Taken off the agenda."))
    return done(request, reverse("meeting_agenda", args=[item.meeting_id]))


@login_required
@require_POST
def agenda_item_move(request: HttpRequest, pk: int) -> HttpResponse:
    """One step up or down; the whole order is written at once."""
    item = _managed_item(request, pk)
    order = list(
        AgendaItem.objects.filter(meeting_id=item.meeting_id)
        .order_by("position", "pk")
        .values_list("pk", flat=True)
    )
    index = order.index(item.pk)
    target = index - 1 if request.POST.get("direction") == "up" else index + 1
    if 0 <= target < len(order):
        order[index], order[target] = order[target], order[index]
        services.agenda_reorder(meeting=item.meeting, item_ids=order)
    return done(request, reverse("meeting_agenda", args=[item.meeting_id]))


# --- Attendance and minutes -----------------------------------------------------------------------


@login_required
def meeting_attendance(request: HttpRequest, pk: int) -> HttpResponse:
    """The register as one form: present, represented by a proxy, or absent, per resident."""
    meeting = _run_meeting(request, pk)
    form = AttendanceForm(request.POST or None, register=meeting_register(meeting=meeting))
    if request.method == "POST":
        rows = submit(
            form, lambda: services.attendance_record(meeting=meeting, entries=form.entries())
        )
        if rows is not None:
            messages.success(request, _("Attendance saved."))
            return done(request, _meeting_url(meeting))
    context = {"meeting": meeting, "project": meeting.project, "form": form}
    with timezone.override(project_time_zone(meeting.project)):
        return render(request, "governance/meeting_attendance.html", context)


@login_required
def meeting_minutes(request: HttpRequest, pk: int) -> HttpResponse:
    """The minutes editor: save a draft, or publish (once, for good)."""
    meeting = _run_meeting(request, pk)
    form = MinutesForm(request.POST or None, initial={"minutes": meeting.minutes})
    if request.method == "POST":
        publish = "publish" in request.POST

        def write():
            minutes = form.cleaned_data["minutes"]
            if publish:
                return services.minutes_publish(meeting=meeting, minutes=minutes)
            return services.minutes_save(meeting=meeting, minutes=minutes)

        try:
            saved = submit(form, write)
        except Conflict as exc:
            form.add_error(None, exc.message)
            saved = None
        if saved is not None:
            messages.success(
                request,
                _("Minutes published: every household is told.")
                if publish
                else _("Draft minutes saved."),
            )
            return done(request, _meeting_url(meeting))
    context = {
        "meeting": meeting,
        "project": meeting.project,
        "form": form,
        "started": meeting.start <= timezone.now(),
    }
    with timezone.override(project_time_zone(meeting.project)):
        return render(request, "governance/meeting_minutes.html", context)


# --- Decision classes -----------------------------------------------------------------------------


@login_required
def decision_class_list(request: HttpRequest, pk: int) -> HttpResponse:
    project, can_manage = member_project(request, pk)
    classes = decision_class_list_for_user(user=request.user).filter(project=project)
    context = {"project": project, "can_manage": can_manage, "classes": classes}
    return render(request, "governance/decision_class_list.html", context)


def _decision_class_fields(form: DecisionClassForm) -> dict:
    return {name: form.cleaned_data[name] for name in form.Meta.fields}


@login_required
def decision_class_create_view(request: HttpRequest, pk: int) -> HttpResponse:
    project = managed_project(request, pk)
    form = DecisionClassForm(request.POST or None)
    if request.method == "POST":
        created = submit(
            form,
            lambda: services.decision_class_create(project=project, **_decision_class_fields(form)),
        )
        if created is not None:
            messages.success(request, _("Decision class saved."))
            return done(request, reverse("decision_class_list", args=[project.pk]))
    context = {"form": form, "project": project, "title": _("New decision class")}
    return render(request, "governance/decision_class_form.html", context)


def _managed_decision_class(request: HttpRequest, pk: int) -> DecisionClass:
    decision_class = get_object_or_404(decision_class_list_for_user(user=request.user), pk=pk)
    require(user_can_manage_project(user=request.user, project=decision_class.project))
    return decision_class


@login_required
def decision_class_edit_view(request: HttpRequest, pk: int) -> HttpResponse:
    decision_class = _managed_decision_class(request, pk)
    project = decision_class.project
    form = DecisionClassForm(request.POST or None, instance=decision_class)
    if request.method == "POST":
        saved = submit(
            form,
            lambda: services.decision_class_update(
                decision_class=decision_class, **_decision_class_fields(form)
            ),
        )
        if saved is not None:
            messages.success(request, _("Decision class saved."))
            return done(request, reverse("decision_class_list", args=[project.pk]))
    context = {
        "form": form,
        "project": project,
        "decision_class": decision_class,
        "title": _("Edit the decision class"),
    }
    return render(request, "governance/decision_class_form.html", context)


@login_required
@require_POST
def decision_class_delete_view(request: HttpRequest, pk: int) -> HttpResponse:
    decision_class = _managed_decision_class(request, pk)
    try:
        services.decision_class_delete(decision_class=decision_class)
    except Conflict as exc:
        messages.error(request, exc.message)
    else:
        messages.success(request, _("Decision class removed."))
    return done(request, reverse("decision_class_list", args=[decision_class.project_id]))
