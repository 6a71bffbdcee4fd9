"""Pages of the handover at check-out, the managers' maintenance notes, and the bulk
cancellations (going away, the rest of a series).

Thin: the services of community.services.handover, bookings and series judge every rule; these
views find what the user may see (anything else answers 404), say who may act (403), and show
every time in the project's time zone (``timezone.override``).

The reads below (``handover_report_list_for_user`` …) are shared with api/bookings/handover.py; they
belong in community/selectors/ once that package's refactoring has landed.
"""

from __future__ import annotations

import datetime as dt

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import ngettext
from django.views.decorators.http import require_POST

from common.access import require, safe_next
from common.forms import submit
from common.validation import Conflict
from community.bookings.forms.handover import (
    AwayForm,
    HandoverForm,
    HandoverReviewForm,
    away_period,
)
from community.bookings.models import (
    BLOCKING_STATUSES,
    Booking,
    HandoverReport,
    HandoverVerdict,
    MaintenanceNote,
)
from community.bookings.schedule import local_midnight
from community.bookings.selectors.handover import (
    handover_before,
    handover_next_booking,
    handover_report_list_for_user,
    maintenance_note_list_for_user,
)
from community.bookings.selectors.spaces import space_list_for_user
from community.bookings.services.bookings import bookings_cancel_for_household
from community.bookings.services.checkin import CHECKIN_OPENS_BEFORE, user_is_household_member
from community.bookings.services.handover import (
    handover_review,
    handover_submit,
    maintenance_note_resolve,
)
from community.bookings.services.series import booking_cancel_series_from
from community.bookings.views.access import visible_booking
from members.access import managed_project, project_time_zone
from members.selectors import household_of_user, user_can_manage_project

# --- Reads ------------------------------------------------------------------------------------


def checklist_rows(*, report: HandoverReport, items: list[str]) -> list[tuple[str, bool]]:
    """(item, done) in the order of the space's checklist (the JSON column keeps no order);
    items since removed from the checklist come last."""
    listed = [(item, report.checklist[item]) for item in items if item in report.checklist]
    return listed + [
        (item, done) for item, done in report.checklist.items() if item not in set(items)
    ]


# --- Access -----------------------------------------------------------------------------------


# --- Handing a space over ---------------------------------------------------------------------


@login_required
def handover_submit_view(request: HttpRequest, pk: int) -> HttpResponse:
    """The leaving household ticks the space's checklist, once its booking has started."""
    booking = visible_booking(request, pk)
    space = booking.space
    if not space.handover_checklist:
        raise Http404
    # A manager sees the booking, but only the household hands its space over.
    require(user_is_household_member(user=request.user, household_id=booking.household_id))
    report = HandoverReport.objects.filter(booking=booking).first()
    with timezone.override(project_time_zone(space.project)):
        form = HandoverForm(
            request.POST if request.method == "POST" else None, items=space.handover_checklist
        )
        if request.method == "POST":
            try:
                report = submit(
                    form,
                    lambda: handover_submit(
                        booking=booking,
                        checklist=form.checklist(),
                        comment=form.cleaned_data["comment"],
                        submitted_by=request.user,
                    ),
                )
            except Conflict as exc:
                form.add_error(None, exc.message)
                report = HandoverReport.objects.filter(booking=booking).first()
            else:
                if report is not None:
                    messages.success(request, _("Thank you: the space is handed over."))
                    return redirect("my_bookings")
        context = {
            "booking": booking,
            "space": space,
            "project": space.project,
            "report": report,
            "checklist": checklist_rows(report=report, items=space.handover_checklist)
            if report
            else [],
            "form": form,
            "started": timezone.now() >= booking.start,
        }
        return render(request, "community/handover/handover_form.html", context)


@login_required
def handover_check_view(request: HttpRequest, pk: int) -> HttpResponse:
    """From a booking of the next household to the report it is to check, if there is one."""
    booking = visible_booking(request, pk)
    space = booking.space
    if not space.handover_checklist:
        raise Http404
    require(user_is_household_member(user=request.user, household_id=booking.household_id))
    report = handover_before(booking=booking)
    if report is not None:
        return redirect("handover_review", pk=report.pk)
    with timezone.override(project_time_zone(space.project)):
        return render(
            request,
            "community/handover/nothing_to_check.html",
            {"booking": booking, "space": space, "project": space.project},
        )


@login_required
def handover_review_view(request: HttpRequest, pk: int) -> HttpResponse:
    """The household of the next booking confirms the handover or disputes it; the project's
    managers may read it (a dispute's maintenance note links here)."""
    report = get_object_or_404(handover_report_list_for_user(user=request.user), pk=pk)
    booking = report.booking
    project = booking.space.project
    next_booking = handover_next_booking(booking=booking)
    can_review = next_booking is not None and user_is_household_member(
        user=request.user, household_id=next_booking.household_id
    )
    can_manage = user_can_manage_project(user=request.user, project=project)
    require(can_review or can_manage)
    with timezone.override(project_time_zone(project)):
        form = HandoverReviewForm(request.POST if request.method == "POST" else None)
        if request.method == "POST":
            require(can_review)
            try:
                reviewed = submit(
                    form,
                    lambda: handover_review(
                        report=report,
                        reviewer=request.user,
                        verdict=form.cleaned_data["verdict"],
                        comment=form.cleaned_data["comment"],
                    ),
                )
            except Conflict as exc:
                form.add_error(None, exc.message)
                report.refresh_from_db()
            else:
                if reviewed is not None:
                    if reviewed.verdict == HandoverVerdict.DISPUTED:
                        text = _("Thank you: the managers have been told what was not as listed.")
                    else:
                        text = _("Thank you for checking the handover.")
                    messages.success(request, text)
                    return redirect("my_bookings")
        context = {
            "report": report,
            "checklist": checklist_rows(report=report, items=booking.space.handover_checklist),
            "booking": booking,
            "space": booking.space,
            "project": project,
            "next_booking": next_booking,
            "is_next_household": can_review,
            "can_review": can_review and not report.verdict,
            "can_manage": can_manage,
            "opens_at": next_booking.start - CHECKIN_OPENS_BEFORE if next_booking else None,
            "not_yet": next_booking is not None
            and timezone.now() < next_booking.start - CHECKIN_OPENS_BEFORE,
            "form": form,
        }
        return render(request, "community/handover/review.html", context)


# --- Maintenance notes ------------------------------------------------------------------------


@login_required
def maintenance_notes(request: HttpRequest, pk: int) -> HttpResponse:
    """The project's open maintenance notes (or, with ``?show=resolved``, the resolved ones)."""
    project = managed_project(request, pk)
    show_resolved = request.GET.get("show") == "resolved"
    notes = (
        maintenance_note_list_for_user(user=request.user)
        .filter(space__project=project, resolved_at__isnull=not show_resolved)
        .order_by("-resolved_at" if show_resolved else "-created_at", "-pk")
    )
    with timezone.override(project_time_zone(project)):
        return render(
            request,
            "community/handover/maintenance_notes.html",
            {"project": project, "notes": notes, "show_resolved": show_resolved},
        )


@login_required
@require_POST
def maintenance_note_resolve_view(request: HttpRequest, pk: int) -> HttpResponse:
    # Notes of the spaces the user sees: a resident of the project is refused (403), anyone
    # else learns nothing (404).
    note = get_object_or_404(
        MaintenanceNote.objects.filter(
            space__in=space_list_for_user(user=request.user).values("pk")
        ),
        pk=pk,
    )
    maintenance_note_resolve(note=note, resolved_by=request.user)
    note = maintenance_note_list_for_user(user=request.user).get(pk=note.pk)
    project = note.space.project
    if request.htmx:
        with timezone.override(project_time_zone(project)):
            return render(request, "community/handover/_note_row.html", {"note": note})
    messages.success(request, _("Maintenance note resolved."))
    return redirect("maintenance_notes", pk=project.pk)


# --- Going away -------------------------------------------------------------------------------


@login_required
def going_away(request: HttpRequest) -> HttpResponse:
    """Cancel the household's bookings over the days it is away, in every space at once."""
    household = household_of_user(user=request.user)
    if household is None:
        return render(request, "community/handover/going_away.html", {"household": None})
    project = household.project
    zone = project_time_zone(project)
    with timezone.override(zone):
        form = AwayForm(request.POST if request.method == "POST" else None)
        if request.method == "POST":

            def cancel() -> int:
                start, end = away_period(
                    start=form.cleaned_data["start"],
                    end=form.cleaned_data["end"],
                    zone=zone,
                    today=timezone.localdate(),
                )
                return bookings_cancel_for_household(
                    household=household, start=start, end=end, cancelled_by=request.user
                )

            count = submit(form, cancel)
            if count is not None:
                if count:
                    text = ngettext(
                        "%(count)s booking cancelled.", "%(count)s bookings cancelled.", count
                    ) % {"count": count}
                else:
                    text = _("You had no booking to cancel on those days.")
                messages.success(request, text)
                return redirect("my_bookings")
        return render(
            request,
            "community/handover/going_away.html",
            {"household": household, "project": project, "form": form},
        )


# --- The rest of a series ---------------------------------------------------------------------


@login_required
def series_cancel_view(request: HttpRequest, pk: int) -> HttpResponse:
    """Cancel a series from this booking's date on: the dates first, then a confirmation."""
    booking = visible_booking(request, pk)
    if booking.series_id is None:
        raise Http404
    space = booking.space
    by_manager = user_can_manage_project(user=request.user, project=space.project)
    require(
        by_manager or user_is_household_member(user=request.user, household_id=booking.household_id)
    )
    zone = project_time_zone(space.project)
    from_date = booking.start.astimezone(zone).date()
    if request.method == "POST":
        count = booking_cancel_series_from(
            series=booking.series,
            from_date=from_date,
            cancelled_by=request.user,
            by_manager=by_manager,
        )
        if count:
            text = ngettext(
                "%(count)s booking of the series cancelled.",
                "%(count)s bookings of the series cancelled.",
                count,
            ) % {"count": count}
        else:
            text = _("No booking of the series could be cancelled any more.")
        messages.success(request, text)
        return redirect(safe_next(request, reverse("my_bookings")))
    # What the service will do, shown before it is done: the dates from this one on, except
    # those that started or, for a household, that are within the space's cut-off.
    now = timezone.now()
    earliest = now if by_manager else now + dt.timedelta(minutes=space.cancel_cutoff_minutes)
    dates = [
        (date, date.start >= earliest)
        for date in Booking.objects.filter(
            series_id=booking.series_id,
            status__in=BLOCKING_STATUSES,
            start__gte=local_midnight(from_date, zone),
        ).order_by("start", "pk")
    ]
    with timezone.override(zone):
        return render(
            request,
            "community/handover/series_cancel.html",
            {
                "booking": booking,
                "space": space,
                "project": space.project,
                "dates": dates,
                "cancellable": sum(1 for _date, cancellable in dates if cancellable),
                "next": safe_next(request, reverse("my_bookings")),
            },
        )
