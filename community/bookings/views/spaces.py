"""A project's spaces (and a search for the free ones), a space's week, and its settings:
rules, opening hours, closures, the feed's address. Residents never see which household
booked a slot: the week view hands the template a label it has already chosen ("Booked",
or the unit for managers)."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from dataclasses import dataclass, replace
from zoneinfo import ZoneInfo

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils import formats, timezone
from django.utils.dates import WEEKDAYS_ABBR
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from common.forms import submit
from community.bookings.forms.bookings import ClosureForm, FreeSpaceSearchForm, SpaceForm
from community.bookings.models import Booking, BookingStatus, Space, SpaceClosure
from community.bookings.schedule import local_midnight
from community.bookings.selectors.availability import (
    BlockedReason,
    SpaceAvailability,
    SpaceSlots,
    space_availability,
    space_slot_runs,
    spaces_free,
)
from community.bookings.selectors.bookings import (
    space_booking_list,
    space_closure_list_with_bookings,
)
from community.bookings.selectors.spaces import space_list_for_user
from community.bookings.services.spaces import (
    space_closure_create,
    space_closure_delete,
    space_create,
    space_feed_token_rotate,
    space_update,
)
from community.bookings.views.access import managed_space, visible_space
from community.bookings.views.shared import booking_form_url, slot_proposal, week_url
from members.access import managed_project, member_project, project_time_zone
from members.models import Household
from members.selectors import household_of_user, user_can_manage_project

MAX_WEEK_DISTANCE_DAYS = 10 * 366


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
                    "book_url": booking_form_url(space, zone, data["start"], data["end"])
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
    # How far a booking from the item's start may run (a free item; its end when None).
    book_until: dt.datetime | None = None


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


def _free_label(free_units: int, units: int, blocked_reason: str) -> str:
    label = _("Free")
    if units > 1:
        label = _("%(free)s of %(units)s free") % {"free": free_units, "units": units}
    if blocked_reason:
        label = f"{label} · {BlockedReason(blocked_reason).label}"
    return label


def _interval_entries(
    availability: SpaceAvailability, *, household: Household | None
) -> list[WeekItem]:
    """The free intervals of a space of one unit, from now on."""
    entries = []
    for interval in availability.intervals:
        if interval.blocked_reason == BlockedReason.PAST:
            continue
        kind = "free" if interval.bookable and household is not None else "unavailable"
        label = _free_label(interval.free_units, availability.units, interval.blocked_reason)
        entries.append(WeekItem(kind, interval.start, interval.end, label))
    return entries


def _run_entries(slots: SpaceSlots, *, household: Household | None) -> list[WeekItem]:
    """A space of several units slot by slot: how many units are free, not each unit's day."""
    entries = []
    for run in slots.runs:
        label = _free_label(run.free_units, run.units, run.blocked_reason)
        if not run.free_units:
            kind = "booked"
        elif run.bookable and household is not None:
            kind = "free"
        else:
            kind = "unavailable"
        entries.append(WeekItem(kind, run.start, run.end, label, book_until=run.book_until))
    return entries


def _week_days(
    *,
    space: Space,
    zone: ZoneInfo,
    monday: dt.date,
    today: dt.date,
    bookings: Iterable[Booking],
    free: list[WeekItem],
    closures: Iterable[tuple[dt.datetime, dt.datetime]],
    household: Household | None,
    can_manage: bool,
) -> list[WeekDay]:
    """Each day's bookings, closures and free times, cut at local midnight. A free time the
    household may book becomes a link to the form, opened on the rest of it from that day on,
    as far as the longest booking allows; one too short for any booking is not shown."""
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
    entries += [WeekItem("closed", start, end, _("Closed")) for start, end in closures]
    entries += free
    shortest = dt.timedelta(minutes=space.min_duration_minutes)

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
            item = replace(entry, start=start, end=end)
            if entry.kind == "free":
                until = entry.book_until or entry.end
                proposal = slot_proposal(space, zone, start, until, until - start)
                if proposal is None:
                    continue  # a sliver: no booking fits in it
                item = replace(item, url=booking_form_url(space, zone, *proposal))
            elif entry.kind == "unavailable" and entry.end - entry.start < shortest:
                continue  # a sliver, though this household may not book it anyway
            items.append(item)
        items.sort(key=lambda item: (item.start, item.end))
        days.append(WeekDay(date=day, items=items, is_today=day == today))
    return days


@login_required
def space_week(request: HttpRequest, pk: int) -> HttpResponse:
    """A space's week: busy slots, closures, and free intervals to book. A space of several
    units (a laundry's machines) is summed up slot by slot: how many are free, and the asking
    household's own bookings."""
    space = visible_space(request, pk)
    project = space.project
    zone = project_time_zone(project)
    now = timezone.now()
    can_manage = user_can_manage_project(user=request.user, project=project)
    household = household_of_user(user=request.user, project=project)
    monday = _monday(request.GET.get("week"), now, zone)
    start = local_midnight(monday, zone)
    end = local_midnight(monday + dt.timedelta(days=7), zone)
    bookings = space_booking_list(space=space, start=start, end=end)
    availability: SpaceAvailability | SpaceSlots
    if space.units > 1:
        availability = space_slot_runs(
            space=space, start=start, end=end, household=household, now=now
        )
        free = _run_entries(availability, household=household)
        bookings = bookings.filter(household=household) if household else bookings.none()
    else:
        availability = space_availability(
            space=space, start=start, end=end, household=household, now=now
        )
        free = _interval_entries(availability, household=household)
    days = _week_days(
        space=space,
        zone=zone,
        monday=monday,
        today=now.astimezone(zone).date(),
        # Every household's bookings of a space of one unit, as the week shows every busy slot:
        # ``_week_days`` turns who booked each into a label before anything reaches the template.
        bookings=bookings,
        free=free,
        closures=availability.closures,
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
        "previous_url": week_url(space, monday - dt.timedelta(days=7)),
        "next_url": week_url(space, monday + dt.timedelta(days=7)),
        "this_week_url": reverse("space_week", args=[space.pk]),
        "household": household,
        "can_manage": can_manage,
        "opening": _opening_summary(space),
        "quota": quota,
        "feed_url": _space_feed_url(request, space),
    }
    with timezone.override(zone):
        return render(request, "community/bookings/space_week.html", context)


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
