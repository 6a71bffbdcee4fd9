"""The managers' approval queue: bookings of spaces that need approval, approved or rejected
with a reason."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.views.decorators.http import require_POST

from common.access import require
from common.validation import Conflict
from community.bookings.forms.bookings import RejectForm
from community.bookings.selectors.bookings import pending_booking_list_for_user
from community.bookings.services.bookings import booking_approve, booking_reject
from community.bookings.views.access import visible_booking
from community.bookings.views.shared import error_text
from members.access import managed_project, project_time_zone
from members.selectors import user_can_manage_project


@login_required
def pending_bookings(request: HttpRequest, pk: int) -> HttpResponse:
    project = managed_project(request, pk)
    bookings = pending_booking_list_for_user(user=request.user, project=project)
    with timezone.override(project_time_zone(project)):
        return render(
            request,
            "community/bookings/pending.html",
            {"project": project, "bookings": bookings},
        )


def _decision(request: HttpRequest, pk: int, decide) -> HttpResponse:
    booking = visible_booking(request, pk)
    project = booking.space.project
    require(user_can_manage_project(user=request.user, project=project))
    error = ""
    try:
        booking = decide(booking)
    except (ValidationError, Conflict) as exc:
        error = error_text(exc)
    if request.htmx:
        with timezone.override(project_time_zone(project)):
            return render(
                request,
                "community/bookings/_pending_row.html",
                {"booking": booking, "error": error},
            )
    if error:
        messages.error(request, error)
    return redirect("pending_bookings", pk=project.pk)


@login_required
@require_POST
def booking_approve_view(request: HttpRequest, pk: int) -> HttpResponse:
    return _decision(
        request, pk, lambda booking: booking_approve(booking=booking, decided_by=request.user)
    )


@login_required
@require_POST
def booking_reject_view(request: HttpRequest, pk: int) -> HttpResponse:
    form = RejectForm(request.POST)
    reason = form.cleaned_data["reason"] if form.is_valid() else request.POST.get("reason", "")
    return _decision(
        request,
        pk,
        lambda booking: booking_reject(booking=booking, decided_by=request.user, reason=reason),
    )
