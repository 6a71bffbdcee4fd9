"""Booking pages: a project's spaces, a space's week and its booking form, my bookings, the
managers' approval queue, space settings, the fair-use report, and the calendar feeds.

Thin: selectors read, services write. Every page that shows or reads a time does it in the
project's time zone (``timezone.override``), so the ``datetime-local`` inputs and the times on
the page are the space's wall clock. Residents never see which household booked a slot: the week
view hands the template a label it has already chosen ("Booked", or the unit for managers).
"""

from __future__ import annotations

import datetime as dt
import math
from collections.abc import Iterable
from dataclasses import dataclass
from urllib.parse import urlencode
from zoneinfo import ZoneInfo

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils import formats, timezone
from django.utils.dates import WEEKDAYS_ABBR
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from common.access import done, require, safe_next
from common.forms import submit
from common.validation import Conflict
from community.bookings.calendars import booking_calendar, household_calendar, space_calendar
from community.bookings.forms.bookings import (
    BookingForm,
    ClosureForm,
    FreeSpaceSearchForm,
    RejectForm,
    SlotForm,
    SpaceForm,
    local_input_value,
)
from community.bookings.schedule import Interval, at_local_minute, local_midnight
from community.bookings.selectors.availability import (
    BlockedReason,
    SpaceAvailability,
    space_availability,
    spaces_free,
)
from community.bookings.selectors.bookings import (
    booking_list_for_user,
    bookings_for_household_feed,
    bookings_for_space_feed,
    household_by_feed_token,
    pending_booking_list_for_user,
    space_booking_list,
    space_closure_list_with_bookings,
)
from community.bookings.selectors.spaces import space_by_feed_token, space_list_for_user
from community.bookings.selectors.usage import space_usage
from community.bookings.services.bookings import (
    SlotTaken,
    booking_approve,
    booking_cancel,
    booking_create,
    booking_reject,
)
from community.bookings.services.checkin import CHECKIN_OPENS_BEFORE, booking_check_in
from community.bookings.services.series import (
    SeriesConflict,
    booking_series_create,
    booking_series_preview,
)
from community.bookings.services.spaces import (
    household_feed_token_rotate,
    space_closure_create,
    space_closure_delete,
    space_create,
    space_feed_token_rotate,
    space_update,
)
from community.bookings.services.waitlist import waitlist_join
from community.bookings.views.access import managed_space, visible_booking, visible_space
from community.models import Booking, BookingStatus, Space, SpaceClosure
from members.access import managed_project, member_project, project_time_zone
from members.models import Household
from members.selectors import household_of_user, user_can_manage_project

PAST_BOOKINGS_SHOWN = 20
USAGE_MONTHS = 3
MAX_WEEK_DISTANCE_DAYS = 10 * 366

CALENDAR_CONTENT_TYPE = "text/calendar; charset=utf-8"


# --- Access ---------------------------------------------------------------------------------


# --- Time on the page -----------------------------------------------------------------------


def _clock_label(minute: int) -> str:
    if minute >= 24 * 60:
        return _("midnight")
    return formats.time_format(dt.time(minute // 60, minute % 60), "TIME_FORMAT")


def _opening_summary(space: Space) -> list[tuple[str, str]]:
    """(days, hours) lines from the prefetched opening hours, runs of days with the same hours
    joined ("Mon–Fri", "Every day"); empty when the space is open around the clock."""
    rows = list(space.opening_hours.all())
    if not rows:
        return []
    by_day = [
        ", ".join(
            f"{_clock_label(row.opens_minute)}–{_clock_label(row.closes_minute)}"
            for row in rows
            if row.weekday == weekday
        )
        or _("closed")
        for weekday in range(7)
    ]
    if len(set(by_day)) == 1:
        return [(_("Every day"), by_day[0])]
    runs: list[tuple[int, int, str]] = []
    for weekday, hours in enumerate(by_day):
        if runs and runs[-1][2] == hours:
            runs[-1] = (runs[-1][0], weekday, hours)
        else:
            runs.append((weekday, weekday, hours))
    return [
        (
            str(WEEKDAYS_ABBR[first])
            if first == last
            else f"{WEEKDAYS_ABBR[first]}–{WEEKDAYS_ABBR[last]}",
            hours,
        )
        for first, last, hours in runs
    ]


def _on_grid(moment: dt.datetime, space: Space, zone: ZoneInfo) -> dt.datetime:
    """The first moment at or after ``moment`` on the space's grid (counted from local
    midnight, as the booking rules count it)."""
    local = moment.astimezone(zone)
    minute = local.hour * 60 + local.minute + (1 if local.second or local.microsecond else 0)
    minute = math.ceil(minute / space.slot_minutes) * space.slot_minutes
    return at_local_minute(local.date(), minute, zone)


def _proposal(
    space: Space, zone: ZoneInfo, start: dt.datetime, end: dt.datetime, length: dt.timedelta
) -> tuple[dt.datetime, dt.datetime] | None:
    """The booking a free interval's button proposes: from its first moment on the grid, for
    ``length`` within the space's shortest and longest booking and the interval's end."""
    begins = _on_grid(start, space, zone)
    length = max(length, dt.timedelta(minutes=space.min_duration_minutes))
    length = min(length, dt.timedelta(minutes=space.max_duration_minutes))
    ends = min(begins + length, end)
    if ends - begins < dt.timedelta(minutes=space.min_duration_minutes):
        return None
    return begins, ends


def _when(booking: Booking, zone: ZoneInfo) -> str:
    """ "Monday 17 November 2025, 19:00–21:00" in the active language, on the space's clock."""
    start, end = booking.start.astimezone(zone), booking.end.astimezone(zone)
    until = formats.time_format(end, "TIME_FORMAT")
    if end.date() != start.date():
        until = f"{formats.date_format(end, 'DATE_FORMAT')} {until}"
    return (
        f"{formats.date_format(start, 'l')} {formats.date_format(start, 'DATE_FORMAT')}, "
        f"{formats.time_format(start, 'TIME_FORMAT')}–{until}"
    )


def _booking_form_url(space: Space, zone: ZoneInfo, start: dt.datetime, end: dt.datetime) -> str:
    query = urlencode(
        {"start": local_input_value(start, zone), "end": local_input_value(end, zone)}
    )
    return f"{reverse('booking_create', args=[space.pk])}?{query}"


def _week_url(space: Space, day: dt.date) -> str:
    return f"{reverse('space_week', args=[space.pk])}?week={day.isoformat()}"


def _space_feed_url(request: HttpRequest, space: Space) -> str:
    return request.build_absolute_uri(reverse("space_feed", args=[space.feed_token]))


def _monday(raw: str | None, now: dt.datetime, zone: ZoneInfo) -> dt.date:
    """The Monday of the week asked for (``?week=`` any day of it), else of this week."""
    today = now.astimezone(zone).date()
    try:
        day = dt.date.fromisoformat(raw) if raw else today
    except ValueError:
        day = today
    if abs((day - today).days) > MAX_WEEK_DISTANCE_DAYS:
        day = today  # a typo of a year would otherwise reach date arithmetic's limits
    return day - dt.timedelta(days=day.weekday())


# --- Spaces of a project ----------------------------------------------------------------------


def _quota_hours(space: Space) -> dict[str, float | None]:
    return {
        "week": None if space.quota_week_minutes is None else space.quota_week_minutes / 60,
        "month": None if space.quota_month_minutes is None else space.quota_month_minutes / 60,
    }


@login_required
def space_list(request: HttpRequest, pk: int) -> HttpResponse:
    """The project's spaces and their rules, and a search for the ones free at a time."""
    project, can_manage = member_project(request, pk)
    zone = project_time_zone(project)
    spaces = space_list_for_user(user=request.user).filter(project=project).order_by("name", "pk")
    if not can_manage:
        spaces = spaces.filter(is_active=True)
    household = household_of_user(user=request.user, project=project)
    with timezone.override(zone):
        search = FreeSpaceSearchForm(request.GET if "start" in request.GET else None)
        results = None
        if search.is_bound and search.is_valid():
            data = search.cleaned_data
            free = spaces_free(
                project=project,
                start=data["start"],
                end=data["end"],
                kind=data["kind"] or None,
                household=household,
                attendees=data["attendees"] or 1,
            )
            results = [
                {
                    "space": space,
                    "book_url": _booking_form_url(space, zone, data["start"], data["end"])
                    if household is not None
                    else "",
                }
                for space in free
            ]
        context = {
            "project": project,
            "search": search,
            "results": results,
        }
        if request.htmx and search.is_bound:
            return render(request, "community/bookings/_free_search.html", context)
        context.update(
            can_manage=can_manage,
            spaces=[(space, _opening_summary(space), _quota_hours(space)) for space in spaces],
        )
        return render(request, "community/bookings/space_list.html", context)


# --- The week of a space ----------------------------------------------------------------------


@dataclass(frozen=True)
class WeekItem:
    """One line of a day: a booking, a closure or a free interval, as the asking user sees it."""

    kind: str  # "booked", "mine", "closed", "free", "unavailable"
    start: dt.datetime
    end: dt.datetime
    label: str
    pending: bool = False
    url: str = ""


@dataclass(frozen=True)
class WeekDay:
    date: dt.date
    items: list[WeekItem]
    is_today: bool


def _booking_label(booking: Booking, *, mine: bool, can_manage: bool, units: int) -> str:
    if can_manage:
        label = _("Household %(unit)s") % {"unit": booking.household.unit_label}
    elif mine:
        label = _("Your booking")
    else:
        label = _("Booked")
    if units > 1:
        label = _("%(label)s · unit %(unit)s of the space") % {"label": label, "unit": booking.unit}
    return label


def _week_days(
    *,
    space: Space,
    zone: ZoneInfo,
    monday: dt.date,
    today: dt.date,
    bookings: Iterable[Booking],
    availability: SpaceAvailability,
    household: Household | None,
    can_manage: bool,
) -> list[WeekDay]:
    """Each day's bookings, closures and free intervals, cut at local midnight. A free interval
    the household may book becomes a link to the form, opened on the rest of the interval from
    that day on, as far as the longest booking allows."""
    entries: list[WeekItem] = []
    for booking in bookings:
        mine = household is not None and booking.household_id == household.pk
        entries.append(
            WeekItem(
                kind="mine" if mine else "booked",
                start=booking.start,
                end=booking.end,
                label=_booking_label(booking, mine=mine, can_manage=can_manage, units=space.units),
                pending=booking.status == BookingStatus.PENDING,
            )
        )
    entries += [WeekItem("closed", start, end, _("Closed")) for start, end in availability.closures]
    for interval in availability.intervals:
        if interval.blocked_reason == BlockedReason.PAST:
            continue
        label = _("Free")
        if space.units > 1:
            label = _("%(free)s of %(units)s free") % {
                "free": interval.free_units,
                "units": space.units,
            }
        if interval.bookable and household is not None:
            kind = "free"
        elif interval.bookable:
            kind = "unavailable"
        else:
            kind = "unavailable"
            label = f"{label} · {BlockedReason(interval.blocked_reason).label}"
        entries.append(WeekItem(kind, interval.start, interval.end, label))

    days = []
    for offset in range(7):
        day = monday + dt.timedelta(days=offset)
        day_start = local_midnight(day, zone)
        day_end = local_midnight(day + dt.timedelta(days=1), zone)
        items = []
        for entry in entries:
            if entry.start >= day_end or entry.end <= day_start:
                continue
            start, end = max(entry.start, day_start), min(entry.end, day_end)
            item = WeekItem(entry.kind, start, end, entry.label, pending=entry.pending)
            if entry.kind == "free":
                proposal = _proposal(space, zone, start, entry.end, entry.end - start)
                if proposal is None:
                    item = WeekItem("unavailable", start, end, _("Too short to book"))
                else:
                    item = WeekItem(
                        "free",
                        start,
                        end,
                        entry.label,
                        url=_booking_form_url(space, zone, *proposal),
                    )
            items.append(item)
        items.sort(key=lambda item: (item.start, item.end))
        days.append(WeekDay(date=day, items=items, is_today=day == today))
    return days


@login_required
def space_week(request: HttpRequest, pk: int) -> HttpResponse:
    """A space's week: busy slots, closures, and free intervals to book."""
    space = visible_space(request, pk)
    project = space.project
    zone = project_time_zone(project)
    now = timezone.now()
    can_manage = user_can_manage_project(user=request.user, project=project)
    household = household_of_user(user=request.user, project=project)
    monday = _monday(request.GET.get("week"), now, zone)
    start = local_midnight(monday, zone)
    end = local_midnight(monday + dt.timedelta(days=7), zone)
    availability = space_availability(
        space=space, start=start, end=end, household=household, now=now
    )
    days = _week_days(
        space=space,
        zone=zone,
        monday=monday,
        today=now.astimezone(zone).date(),
        # Every household's bookings, as the week shows every busy slot: ``_week_days`` turns
        # who booked each into a label before anything reaches the template.
        bookings=space_booking_list(space=space, start=start, end=end),
        availability=availability,
        household=household,
        can_manage=can_manage,
    )
    quota = [q for q in availability.quota if q.start < end and q.end > start]
    context = {
        "space": space,
        "project": project,
        "days": days,
        "monday": monday,
        "sunday": monday + dt.timedelta(days=6),
        "previous_url": _week_url(space, monday - dt.timedelta(days=7)),
        "next_url": _week_url(space, monday + dt.timedelta(days=7)),
        "this_week_url": reverse("space_week", args=[space.pk]),
        "household": household,
        "can_manage": can_manage,
        "opening": _opening_summary(space),
        "quota": quota,
        "feed_url": _space_feed_url(request, space),
    }
    with timezone.override(zone):
        return render(request, "community/bookings/space_week.html", context)


# --- Booking a slot ---------------------------------------------------------------------------


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
        proposal = _proposal(space, zone, start, end, length)
        choices.append(
            {
                "start": start,
                "end": end,
                "url": _booking_form_url(space, zone, *proposal) if proposal else "",
            }
        )
    return choices


def _render_booking_form(request: HttpRequest, space: Space, context: dict) -> HttpResponse:
    context = {"space": space, "project": space.project, **context}
    if request.htmx:
        return render(request, "community/bookings/_booking_panel.html", context)
    return render(request, "community/bookings/booking_form.html", context)


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
            data = form.cleaned_data
            context["taken"] = {
                "message": exc.message,
                "next_free": _next_free_choices(
                    space, zone, exc.next_free, data["end"] - data["start"]
                ),
                "waitlist": SlotForm(
                    initial={
                        "start": local_input_value(data["start"], zone),
                        "end": local_input_value(data["end"], zone),
                        "attendees": data["attendees"],
                    }
                ),
            }
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

        if isinstance(result, Booking):
            bookings, skipped = [result], []
        else:
            _series, bookings, skipped = result
        first = bookings[0]
        details = {"space": space.name, "when": _when(first, zone), "count": len(bookings)}
        if first.status == BookingStatus.PENDING:
            text = _(
                "Requested: %(space)s, %(when)s. A manager will approve or reject your booking."
            )
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
        return done(request, _week_url(space, first.start.astimezone(zone).date()))


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
            return done(request, _week_url(space, entry.start.astimezone(zone).date()))
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
    error: str = ""


def _row(booking: Booking, now: dt.datetime, error: str = "") -> BookingRow:
    space = booking.space
    can_check_in = (
        space.checkin_required
        and booking.status == BookingStatus.CONFIRMED
        and booking.checked_in_at is None
        and booking.start - CHECKIN_OPENS_BEFORE <= now < booking.end
    )
    return BookingRow(
        booking=booking,
        can_cancel=booking.is_blocking and booking.start > now,
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
        "upcoming": [_row(b, now) for b in bookings.filter(end__gt=now).order_by("start", "pk")],
        "past": [
            _row(b, now)
            for b in bookings.filter(end__lte=now).order_by("-start", "-pk")[:PAST_BOOKINGS_SHOWN]
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


def _error_text(exc: Exception) -> str:
    if isinstance(exc, Conflict):
        return exc.message
    return " ".join(exc.messages)  # type: ignore[attr-defined]


@login_required
@require_POST
def booking_cancel_view(request: HttpRequest, pk: int) -> HttpResponse:
    booking = visible_booking(request, pk)
    by_manager = user_can_manage_project(user=request.user, project=booking.space.project)
    error = ""
    try:
        booking = booking_cancel(booking=booking, cancelled_by=request.user, by_manager=by_manager)
    except (ValidationError, Conflict) as exc:
        error = _error_text(exc)
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
        error = _error_text(exc)
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
    response = HttpResponse(booking_calendar(booking=booking), content_type=CALENDAR_CONTENT_TYPE)
    response["Content-Disposition"] = f'attachment; filename="booking-{booking.pk}.ics"'
    return response


# --- Approval queue ---------------------------------------------------------------------------


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
        error = _error_text(exc)
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


# --- Space settings ---------------------------------------------------------------------------


def _render_settings(
    request: HttpRequest, space: Space, *, form: SpaceForm, closure_form: ClosureForm
) -> HttpResponse:
    """The settings page: the space's rules, its closures with the bookings inside them (for
    the managers to decide on) and its calendar feed."""
    context = {
        "space": space,
        "project": space.project,
        "closures": space_closure_list_with_bookings(user=request.user, space=space),
        "feed_url": _space_feed_url(request, space),
        "form": form,
        "closure_form": closure_form,
    }
    return render(request, "community/bookings/space_settings.html", context)


@login_required
def space_settings(request: HttpRequest, pk: int) -> HttpResponse:
    space = managed_space(request, pk)
    with timezone.override(project_time_zone(space.project)):
        form = SpaceForm(request.POST or None, space=space)
        if request.method == "POST":
            updated = submit(
                form,
                lambda: space_update(
                    space=space, opening_hours=form.opening_hours(), **form.rules()
                ),
            )
            if updated is not None:
                messages.success(request, _("Space saved."))
                return redirect("space_settings", pk=space.pk)
        return _render_settings(request, space, form=form, closure_form=ClosureForm())


@login_required
def space_create_view(request: HttpRequest, pk: int) -> HttpResponse:
    project = managed_project(request, pk)
    form = SpaceForm(request.POST or None, space=Space())
    if request.method == "POST":
        space = submit(
            form,
            lambda: space_create(
                project=project, opening_hours=form.opening_hours(), **form.rules()
            ),
        )
        if space is not None:
            messages.success(request, _("Space %(name)s added.") % {"name": space.name})
            return redirect("space_settings", pk=space.pk)
    return render(
        request, "community/bookings/space_create.html", {"project": project, "form": form}
    )


@login_required
@require_POST
def closure_create_view(request: HttpRequest, pk: int) -> HttpResponse:
    space = managed_space(request, pk)
    with timezone.override(project_time_zone(space.project)):
        closure_form = ClosureForm(request.POST)
        closure = submit(
            closure_form, lambda: space_closure_create(space=space, **closure_form.cleaned_data)
        )
        if closure is not None:
            messages.success(request, _("Closure added."))
            return redirect("space_settings", pk=space.pk)
        return _render_settings(
            request, space, form=SpaceForm(space=space), closure_form=closure_form
        )


@login_required
@require_POST
def closure_delete_view(request: HttpRequest, pk: int) -> HttpResponse:
    closure = get_object_or_404(
        SpaceClosure.objects.filter(space__in=space_list_for_user(user=request.user)), pk=pk
    )
    space = managed_space(request, closure.space_id)
    space_closure_delete(closure=closure)
    messages.success(request, _("Closure removed."))
    return redirect("space_settings", pk=space.pk)


@login_required
@require_POST
def space_feed_rotate(request: HttpRequest, pk: int) -> HttpResponse:
    space = managed_space(request, pk)
    space_feed_token_rotate(space=space)
    messages.success(request, _("New calendar link made: the old one no longer works."))
    return redirect("space_settings", pk=space.pk)


# --- Fair use ---------------------------------------------------------------------------------


def _months_before(moment: dt.datetime, months: int, zone: ZoneInfo) -> dt.datetime:
    """Local midnight of the same day ``months`` earlier (or that month's last day)."""
    day = moment.astimezone(zone).date()
    index = day.month - 1 - months
    year, month = day.year + index // 12, index % 12 + 1
    following = dt.date(year + month // 12, month % 12 + 1, 1)
    last_day = (following - dt.timedelta(days=1)).day
    return local_midnight(dt.date(year, month, min(day.day, last_day)), zone)


@login_required
def space_usage_view(request: HttpRequest, pk: int) -> HttpResponse:
    """Hours each household used the space over the last three months, so the community sees
    how its spaces are shared (residents and managers of the project)."""
    space = visible_space(request, pk)
    zone = project_time_zone(space.project)
    end = timezone.now()
    start = _months_before(end, USAGE_MONTHS, zone)
    rows = space_usage(space=space, start=start, end=end)
    most = max((row.minutes for row in rows), default=0)
    context = {
        "space": space,
        "project": space.project,
        "start": start,
        "end": end,
        "rows": [(row, round(100 * row.minutes / most) if most else 0) for row in rows],
        "total_hours": sum(row.minutes for row in rows) / 60,
    }
    with timezone.override(zone):
        return render(request, "community/bookings/space_usage.html", context)


# --- Calendar feeds (no session: the token is the key) -----------------------------------------


def space_feed(request: HttpRequest, token: str) -> HttpResponse:
    space = space_by_feed_token(token=token)
    if space is None:
        raise Http404
    feed = space_calendar(space=space, bookings=bookings_for_space_feed(space))
    return HttpResponse(feed, content_type=CALENDAR_CONTENT_TYPE)


def household_feed(request: HttpRequest, token: str) -> HttpResponse:
    household = household_by_feed_token(token=token)
    if household is None:
        raise Http404
    feed = household_calendar(household=household, bookings=bookings_for_household_feed(household))
    return HttpResponse(feed, content_type=CALENDAR_CONTENT_TYPE)
