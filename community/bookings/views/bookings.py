"""Booking a slot (one, or a weekly series, or a place on the waitlist) and a household's
own bookings: cancel, check in, its calendar feed's address, one booking as a calendar file."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Any
from zoneinfo import ZoneInfo

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import formats, timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from common.access import done, require, safe_next
from common.calendars import calendar_response
from common.forms import submit
from common.validation import Conflict
from community.bookings.calendars import booking_calendar
from community.bookings.forms.bookings import BookingForm, SlotForm, local_input_value
from community.bookings.models import BLOCKING_STATUSES, Booking, BookingStatus, Space
from community.bookings.schedule import Interval
from community.bookings.selectors.bookings import booking_list_for_user
from community.bookings.services.bookings import (
    SlotTaken,
    booking_cancel,
    booking_create,
    check_cancel_deadline,
)
from community.bookings.services.checkin import CHECKIN_OPENS_BEFORE, booking_check_in
from community.bookings.services.series import (
    SeriesConflict,
    booking_series_create,
    booking_series_preview,
)
from community.bookings.services.spaces import household_feed_token_rotate
from community.bookings.services.waitlist import waitlist_join
from community.bookings.views.access import visible_booking, visible_space
from community.bookings.views.shared import (
    booking_form_url,
    error_text,
    slot_proposal,
    week_url,
)
from members.access import project_time_zone
from members.models import Household
from members.selectors import household_of_user, user_can_manage_project

PAST_BOOKINGS_SHOWN = 20


# --- Booking a slot ---------------------------------------------------------------------------


def _day_and_time(moment: dt.datetime) -> str:
    return (
        f"{formats.date_format(moment, 'l')} {formats.date_format(moment, 'DATE_FORMAT')}, "
        f"{formats.time_format(moment, 'TIME_FORMAT')}"
    )


def _when(booking: Booking, zone: ZoneInfo) -> str:
    return _period_text(booking.start, booking.end, zone)


def _period_text(start: dt.datetime, end: dt.datetime, zone: ZoneInfo) -> str:
    """ "Monday 17 November 2025, 19:00–21:00" in the active language, on the space's clock,
    as ``common/_period.html`` writes it on the pages."""
    start, end = start.astimezone(zone), end.astimezone(zone)
    until = formats.time_format(end, "TIME_FORMAT")
    if end.date() != start.date():
        until = _day_and_time(end)
    return f"{_day_and_time(start)}–{until}"


def _booking_household(request: HttpRequest, space: Space) -> Household:
    """Only a household of the space's project books it (managers book through their own)."""
    household = household_of_user(user=request.user, project=space.project)
    require(household is not None)
    return household


def _next_free_choices(
    space: Space, zone: ZoneInfo, intervals: list[Interval], length: dt.timedelta
) -> list[dict]:
    choices = []
    for start, end in intervals:
        proposal = slot_proposal(space, zone, start, end, length)
        choices.append(
            {
                "start": start,
                "end": end,
                "url": booking_form_url(space, zone, *proposal) if proposal else "",
            }
        )
    return choices


def _render_booking_form(request: HttpRequest, space: Space, context: dict) -> HttpResponse:
    """The booking panel, alone for htmx or in its page. A chosen slot is shown as a sentence,
    its times behind "Change time", so that the person reaches "Book" in a few keystrokes."""
    context = {"space": space, "project": space.project, **context}
    slot = context["form"].chosen_slot()
    if slot is not None:
        context["chosen"] = _period_text(*slot, project_time_zone(space.project))
    if request.htmx:
        return render(request, "community/bookings/_booking_panel.html", context)
    return render(request, "community/bookings/booking_form.html", context)


def _taken(exc: SlotTaken, form: BookingForm, space: Space, zone: ZoneInfo) -> dict:
    """What the form shows when the slot was taken: the next free times, and the waitlist."""
    data = form.cleaned_data
    return {
        "message": exc.message,
        "next_free": _next_free_choices(space, zone, exc.next_free, data["end"] - data["start"]),
        "waitlist": SlotForm(
            initial={
                "start": local_input_value(data["start"], zone),
                "end": local_input_value(data["end"], zone),
                "attendees": data["attendees"],
            }
        ),
    }


def _report_booked(request: HttpRequest, space: Space, zone: ZoneInfo, result: Any) -> Booking:
    """Say what was booked (or requested) and which dates of a series were not; returns the
    first booking."""
    if isinstance(result, Booking):
        bookings, skipped = [result], []
    else:
        _series, bookings, skipped = result
    first = bookings[0]
    details = {"space": space.name, "when": _when(first, zone), "count": len(bookings)}
    if first.status == BookingStatus.PENDING:
        text = _("Requested: %(space)s, %(when)s. A manager will approve or reject your booking.")
    elif len(bookings) > 1:
        text = _("Booked: %(count)s dates of %(space)s, the first on %(when)s.")
    else:
        text = _("Booked: %(space)s, %(when)s.")
    text = text % details
    messages.success(request, text)
    if skipped:
        messages.warning(
            request,
            _("Not booked, as taken or refused: %(dates)s.")
            % {
                "dates": ", ".join(
                    formats.date_format(p.date, "SHORT_DATE_FORMAT") for p in skipped
                )
            },
        )
    return first


@login_required
def booking_create_view(request: HttpRequest, pk: int) -> HttpResponse:
    """The booking form, prefilled from a free slot; posting it books one date or a series."""
    space = visible_space(request, pk)
    household = _booking_household(request, space)
    zone = project_time_zone(space.project)
    with timezone.override(zone):
        if request.method != "POST":
            initial = {name: request.GET[name] for name in ("start", "end") if name in request.GET}
            form = BookingForm(initial=initial, space=space)
            return _render_booking_form(request, space, {"form": form})

        form = BookingForm(request.POST, space=space)
        context: dict = {"form": form}
        if "preview" in request.POST:  # without JavaScript: the dates, in the page
            context["preview"] = _series_preview(form, space, household)
            return _render_booking_form(request, space, context)

        def book():
            if form.is_series:
                return booking_series_create(
                    space=space,
                    household=household,
                    booked_by=request.user,
                    **form.series_arguments(),
                )
            return booking_create(
                space=space, household=household, booked_by=request.user, **form.booking_arguments()
            )

        try:
            result = submit(form, book)
        except SlotTaken as exc:
            context["taken"] = _taken(exc, form, space, zone)
            return _render_booking_form(request, space, context)
        except SeriesConflict as exc:
            form.add_error(None, _("Some dates cannot be booked; nothing was booked."))
            context["conflicts"] = exc.refused
            return _render_booking_form(request, space, context)
        except Conflict as exc:
            form.add_error(None, exc.message)
            return _render_booking_form(request, space, context)
        if result is None:
            return _render_booking_form(request, space, context)

        first = _report_booked(request, space, zone, result)
        return done(request, week_url(space, first.start.astimezone(zone).date()))


def _series_preview(form: BookingForm, space: Space, household: Household) -> dict | None:
    """Which dates of the series are free, or why none can be listed; None without a series."""
    if not form.is_valid() or not form.is_series:
        return None
    data = form.cleaned_data
    try:
        dates = booking_series_preview(
            space=space,
            household=household,
            start=data["start"],
            end=data["end"],
            recurrence=data["recurrence"],
            occurrences=data["occurrences"],
            attendees=data["attendees"],
        )
    except ValidationError as exc:
        return {"dates": [], "errors": exc.messages}
    return {"dates": dates, "errors": [], "free": sum(1 for p in dates if p.free)}


@login_required
def booking_series_preview_view(request: HttpRequest, pk: int) -> HttpResponse:
    """The dates a series would take, each free or not and why (htmx, while the form is
    filled in)."""
    space = visible_space(request, pk)
    household = _booking_household(request, space)
    with timezone.override(project_time_zone(space.project)):
        form = BookingForm(request.GET, space=space)
        return render(
            request,
            "community/bookings/_series_preview.html",
            {"preview": _series_preview(form, space, household)},
        )


@login_required
@require_POST
def waitlist_join_view(request: HttpRequest, pk: int) -> HttpResponse:
    space = visible_space(request, pk)
    household = _booking_household(request, space)
    zone = project_time_zone(space.project)
    with timezone.override(zone):
        form = SlotForm(request.POST)
        entry = None
        error = ""
        try:
            entry = submit(
                form,
                lambda: waitlist_join(
                    space=space,
                    household=household,
                    requested_by=request.user,
                    **form.cleaned_data,
                ),
            )
        except Conflict as exc:
            error = exc.message
        if entry is not None:
            messages.success(
                request, _("You are on the waitlist: if the slot frees up, it is booked for you.")
            )
            return done(request, week_url(space, entry.start.astimezone(zone).date()))
        errors = [error] if error else [m for ms in form.errors.values() for m in ms]
        return _render_booking_form(
            request,
            space,
            {"form": BookingForm(request.POST, space=space), "waitlist_errors": errors},
        )


# --- My bookings ------------------------------------------------------------------------------


@dataclass(frozen=True)
class BookingRow:
    booking: Booking
    can_cancel: bool
    can_check_in: bool
    cancel_refusal: str = ""  # why the household may no longer cancel it, and whom to ask
    error: str = ""


def _row(booking: Booking, now: dt.datetime, error: str = "") -> BookingRow:
    space = booking.space
    can_check_in = (
        space.checkin_required
        and booking.status == BookingStatus.CONFIRMED
        and booking.checked_in_at is None
        and booking.start - CHECKIN_OPENS_BEFORE <= now < booking.end
    )
    upcoming = booking.is_blocking and booking.end > now
    refusal = check_cancel_deadline(booking=booking, space=space, now=now) if upcoming else None
    return BookingRow(
        booking=booking,
        can_cancel=upcoming and refusal is None,
        cancel_refusal=refusal or "",
        can_check_in=can_check_in,
        error=error,
    )


def _feed_context(request: HttpRequest, household: Household) -> dict:
    return {
        "household": household,
        "feed_url": request.build_absolute_uri(
            reverse("household_feed", args=[household.feed_token])
        ),
    }


@login_required
def my_bookings(request: HttpRequest) -> HttpResponse:
    household = household_of_user(user=request.user)
    if household is None:
        return render(request, "community/bookings/my_bookings.html", {"household": None})
    now = timezone.now()
    bookings = booking_list_for_user(user=request.user).filter(household=household)
    context = {
        **_feed_context(request, household),
        "project": household.project,
        # A cancelled or rejected booking is no longer upcoming: it is listed with the past.
        "upcoming": [
            _row(b, now)
            for b in bookings.filter(end__gt=now, status__in=BLOCKING_STATUSES).order_by(
                "start", "pk"
            )
        ],
        "past": [
            _row(b, now)
            for b in bookings.exclude(end__gt=now, status__in=BLOCKING_STATUSES).order_by(
                "-start", "-pk"
            )[:PAST_BOOKINGS_SHOWN]
        ],
        "past_shown": PAST_BOOKINGS_SHOWN,
    }
    with timezone.override(project_time_zone(household.project)):
        return render(request, "community/bookings/my_bookings.html", context)


def _row_response(request: HttpRequest, booking: Booking, error: str = "") -> HttpResponse:
    with timezone.override(project_time_zone(booking.space.project)):
        return render(
            request,
            "community/bookings/_booking_row.html",
            {"row": _row(booking, timezone.now(), error)},
        )


@login_required
@require_POST
def booking_cancel_view(request: HttpRequest, pk: int) -> HttpResponse:
    booking = visible_booking(request, pk)
    by_manager = user_can_manage_project(user=request.user, project=booking.space.project)
    error = ""
    try:
        booking = booking_cancel(booking=booking, cancelled_by=request.user, by_manager=by_manager)
    except (ValidationError, Conflict) as exc:
        error = error_text(exc)
    if request.htmx:
        return _row_response(request, booking, error)
    if error:
        messages.error(request, error)
    else:
        messages.success(request, _("Booking cancelled."))
    return redirect(safe_next(request, reverse("my_bookings")))


@login_required
@require_POST
def booking_check_in_view(request: HttpRequest, pk: int) -> HttpResponse:
    booking = visible_booking(request, pk)
    error = ""
    try:
        booking = booking_check_in(booking=booking, user=request.user)
    except (ValidationError, Conflict) as exc:
        error = error_text(exc)
    booking = visible_booking(request, pk)  # with its space and project again
    if request.htmx:
        return _row_response(request, booking, error)
    if error:
        messages.error(request, error)
    else:
        messages.success(request, _("Checked in."))
    return redirect("my_bookings")


@login_required
@require_POST
def household_feed_rotate(request: HttpRequest) -> HttpResponse:
    household = household_of_user(user=request.user)
    if household is None:
        raise Http404
    household = household_feed_token_rotate(household=household)
    if request.htmx:
        return render(
            request,
            "community/bookings/_feed_link.html",
            {**_feed_context(request, household), "rotated": True},
        )
    messages.success(request, _("New calendar link made: the old one no longer works."))
    return redirect("my_bookings")


@login_required
def booking_ics(request: HttpRequest, pk: int) -> HttpResponse:
    booking = visible_booking(request, pk)
    return calendar_response(
        booking_calendar(booking=booking), filename=f"booking-{booking.pk}.ics"
    )
