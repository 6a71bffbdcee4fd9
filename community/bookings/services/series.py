"""Recurring bookings: the same local wall-clock time every week or month, a bounded number of
times, previewed date by date and booked all-or-nothing or only where free.

Each date keeps the local start time of the first one, so across a daylight-saving change the
UTC time shifts and the local time stays; every date lasts the true duration of the first one.
A monthly series started on the 31st falls on the last day of shorter months (and returns to
the 31st in longer ones). The dates are booked one by one through ``booking_create`` inside one
transaction that holds the space's row lock, so each is checked, quotas included, after the
earlier ones are written, and no single booking can slip in between.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, replace
from zoneinfo import ZoneInfo

from django.core.exceptions import NON_FIELD_ERRORS, ValidationError
from django.db import models, transaction
from django.utils import formats, timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from common.months import add_months
from common.validation import Conflict, save_validated
from community.bookings.models import Booking, BookingSeries, Recurrence, Space
from community.bookings.schedule import Interval, local_midnight, project_zone
from community.bookings.services.bookings import (
    SlotTaken,
    booking_create,
    bookings_cancel_locked,
    check_booking_rules,
    lock_space,
    space_free_unit,
    utc_period,
)
from members.models import Household, User

MAX_OCCURRENCES = {Recurrence.WEEKLY: 52, Recurrence.MONTHLY: 24}
# The shortest time between two dates of a series (February after a 28th…31st): a booking and
# its buffer must end by then, or the series would overlap itself.
SHORTEST_GAP = {Recurrence.WEEKLY: dt.timedelta(days=7), Recurrence.MONTHLY: dt.timedelta(days=28)}


class SeriesMode(models.TextChoices):
    ALL_OR_NOTHING = "all_or_nothing", gettext_lazy("All dates or none")
    FREE_ONLY = "free_only", gettext_lazy("Only the free dates")


class Refusal(models.TextChoices):
    SLOT_TAKEN = "slot_taken", gettext_lazy("Slot taken")
    RULE = "rule", gettext_lazy("Refused by the space's rules")


@dataclass(frozen=True)
class OccurrencePreview:
    """One date of a series: when it falls and whether it can be booked, and if not, why."""

    index: int  # 1 for the first date
    date: dt.date  # the local date
    start: dt.datetime  # UTC
    end: dt.datetime  # UTC
    free: bool
    reason: str = ""  # a Refusal, when not free
    field: str = ""  # the field the refusal is about
    message: str = ""

    def as_dict(self) -> dict[str, object]:
        return {
            "index": self.index,
            "date": self.date.isoformat(),
            "start": self.start.isoformat(),
            "end": self.end.isoformat(),
            "free": self.free,
            "reason": self.reason,
            "field": self.field,
            "message": self.message,
        }


class SeriesConflict(Conflict):
    """Some dates of the series cannot be booked; ``conflicts`` lists them with the reason."""

    def __init__(self, *, refused: list[OccurrencePreview]) -> None:
        super().__init__(
            _("These dates cannot be booked: %(dates)s.")
            % {
                "dates": ", ".join(
                    formats.date_format(p.date, "SHORT_DATE_FORMAT") for p in refused
                )
            },
            conflicts=[p.as_dict() for p in refused],
        )
        self.refused = refused


def _add_months(wall: dt.datetime, months: int) -> dt.datetime:
    """The same wall-clock time ``months`` later, on the same day or the month's last day."""
    day = add_months(wall.date(), months)
    return wall.replace(year=day.year, month=day.month, day=day.day)


def series_dates(
    *, start: dt.datetime, end: dt.datetime, recurrence: str, occurrences: int, zone: ZoneInfo
) -> list[tuple[dt.date, dt.datetime, dt.datetime]]:
    """(local date, start, end in UTC) of each date of the series.

    The wall clock repeats, not the UTC instant. A local time that a spring-forward change skips
    resolves forwards (zoneinfo, fold=0), as the opening hours do.
    """
    start, end = utc_period(start, end)
    duration = end - start  # UTC: the true duration
    wall = start.astimezone(zone).replace(tzinfo=None)
    dates = []
    for n in range(occurrences):
        if recurrence == Recurrence.WEEKLY:
            local_wall = wall + dt.timedelta(weeks=n)
        else:
            local_wall = _add_months(wall, n)
        begins = local_wall.replace(tzinfo=zone).astimezone(dt.UTC)
        dates.append((local_wall.date(), begins, begins + duration))
    return dates


def _check_series_request(
    *, space: Space, start: dt.datetime, end: dt.datetime, recurrence, occurrences
) -> None:
    if not recurrence:
        raise ValidationError({"recurrence": _("This field is required.")})
    if recurrence not in Recurrence.values:
        raise ValidationError({"recurrence": _("Choose weekly or monthly.")})
    if occurrences is None or occurrences == "":
        raise ValidationError({"occurrences": _("This field is required.")})
    if isinstance(occurrences, bool) or not isinstance(occurrences, int):
        raise ValidationError({"occurrences": _("Give a whole number.")})
    limit = MAX_OCCURRENCES[Recurrence(recurrence)]
    if not 1 <= occurrences <= limit:
        raise ValidationError(
            {
                "occurrences": _("A %(recurrence)s series has 1 to %(limit)s dates.")
                % {"recurrence": Recurrence(recurrence).label.lower(), "limit": limit}
            }
        )
    if end <= start:
        raise ValidationError({"end": _("The booking must end after it starts.")})
    if end + dt.timedelta(minutes=space.buffer_minutes) - start > SHORTEST_GAP[recurrence]:
        raise ValidationError(
            {"end": _("Each booking of the series must end before the next date begins.")}
        )


def _first_error(exc: ValidationError) -> tuple[str, str]:
    if hasattr(exc, "error_dict"):
        field, messages = next(iter(exc.message_dict.items()))
        return field, messages[0]
    return NON_FIELD_ERRORS, exc.messages[0]


def _preview(
    *,
    space: Space,
    household: Household,
    start: dt.datetime,
    end: dt.datetime,
    recurrence: str,
    occurrences: int,
    attendees: int,
    now: dt.datetime,
) -> list[OccurrencePreview]:
    """Check each date in order as if the earlier free ones were booked (they count towards the
    household's quotas); exactly what booking the free dates will find under the lock."""
    buffer = dt.timedelta(minutes=space.buffer_minutes)
    planned: list[Interval] = []
    previews = []
    dates = series_dates(
        start=start,
        end=end,
        recurrence=recurrence,
        occurrences=occurrences,
        zone=project_zone(space),
    )
    for index, (day, begins, ends) in enumerate(dates, start=1):
        try:
            check_booking_rules(
                space=space,
                household=household,
                start=begins,
                end=ends,
                attendees=attendees,
                now=now,
                also_counting=planned,
            )
        except ValidationError as exc:
            field, message = _first_error(exc)
            previews.append(
                OccurrencePreview(
                    index, day, begins, ends, False, Refusal.RULE.value, field, message
                )
            )
            continue
        # The dates of a series never overlap each other (SHORTEST_GAP), so only the bookings
        # already written can take a date's slot.
        if space_free_unit(space=space, start=begins, blocked_until=ends + buffer) is None:
            previews.append(
                OccurrencePreview(
                    index,
                    day,
                    begins,
                    ends,
                    False,
                    Refusal.SLOT_TAKEN.value,
                    "start",
                    _("This slot is already booked."),
                )
            )
            continue
        planned.append((begins, ends))
        previews.append(OccurrencePreview(index, day, begins, ends, True))
    return previews


def booking_series_preview(
    *,
    space: Space,
    household: Household,
    start: dt.datetime,
    end: dt.datetime,
    recurrence: str | None,
    occurrences: int | None,
    attendees: int = 1,
    now: dt.datetime | None = None,
) -> list[OccurrencePreview]:
    """Each date of the series with whether it is free and, if not, why. Reads only.

    Without the space's lock a booking can still take a date before the series is created;
    ``booking_series_create`` checks again under the lock.
    """
    now = now or timezone.now()
    start, end = utc_period(start, end)
    _check_series_request(
        space=space, start=start, end=end, recurrence=recurrence, occurrences=occurrences
    )
    return _preview(
        space=space,
        household=household,
        start=start,
        end=end,
        recurrence=recurrence,
        occurrences=occurrences,
        attendees=attendees,
        now=now,
    )


def _refusal_error(refused: list[OccurrencePreview], dates: int) -> Exception:
    """When every date is refused by the same rule, the request itself is wrong (off the grid,
    too long, an inactive space): a plain field error. Otherwise, the dates in conflict."""
    reasons = {(p.reason, p.field, p.message) for p in refused}
    if len(refused) == dates and len(reasons) == 1:
        reason, field, message = reasons.pop()
        if reason == Refusal.RULE:
            return ValidationError({field: message})
    return SeriesConflict(refused=refused)


def _book_free_dates(
    *,
    series: BookingSeries,
    previews: list[OccurrencePreview],
    mode: str,
    booked_by: User | None,
    attendees: int,
    note: str,
    now: dt.datetime,
) -> tuple[list[Booking], list[OccurrencePreview]]:
    """Book each date of the series that its preview found free; returns the bookings made
    and the dates refused after all (``all_or_nothing`` lets the refusal through instead)."""
    created: list[Booking] = []
    skipped: list[OccurrencePreview] = []
    for preview in previews:
        if not preview.free:
            continue
        # booking_create checks this date again, after the earlier ones are written: the
        # preview and the writes agree under the lock, and if they ever did not, the rules win.
        try:
            created.append(
                booking_create(
                    space=series.space,
                    household=series.household,
                    start=preview.start,
                    end=preview.end,
                    booked_by=booked_by,
                    attendees=attendees,
                    note=note,
                    series=series,
                    now=now,
                )
            )
        except SlotTaken:
            if mode == SeriesMode.ALL_OR_NOTHING:
                raise
            skipped.append(
                replace(
                    preview,
                    free=False,
                    reason=Refusal.SLOT_TAKEN.value,
                    field="start",
                    message=_("This slot is already booked."),
                )
            )
        except ValidationError as exc:
            if mode == SeriesMode.ALL_OR_NOTHING:
                raise
            field, message = _first_error(exc)
            skipped.append(
                replace(
                    preview, free=False, reason=Refusal.RULE.value, field=field, message=message
                )
            )
    return created, skipped


@transaction.atomic
def booking_series_create(
    *,
    space: Space,
    household: Household,
    start: dt.datetime,
    end: dt.datetime,
    recurrence: str | None,
    occurrences: int | None,
    booked_by: User | None,
    mode: str,
    attendees: int = 1,
    note: str = "",
    now: dt.datetime | None = None,
) -> tuple[BookingSeries, list[Booking], list[OccurrencePreview]]:
    """Book a series: every date or none (``all_or_nothing``: any refused date → SeriesConflict
    listing them, nothing written), or only the free dates (``free_only``: the others are
    returned as skipped). Returns (series, bookings made, dates skipped)."""
    now = now or timezone.now()
    start, end = utc_period(start, end)
    if mode not in SeriesMode.values:
        raise ValidationError({"mode": _("Choose all dates or none, or only the free dates.")})
    _check_series_request(
        space=space, start=start, end=end, recurrence=recurrence, occurrences=occurrences
    )
    space = lock_space(space)
    previews = _preview(
        space=space,
        household=household,
        start=start,
        end=end,
        recurrence=recurrence,
        occurrences=occurrences,
        attendees=attendees,
        now=now,
    )
    refused = [p for p in previews if not p.free]
    if len(refused) == len(previews) or (refused and mode == SeriesMode.ALL_OR_NOTHING):
        raise _refusal_error(refused, len(previews))
    series = save_validated(
        BookingSeries(
            space=space,
            household=household,
            booked_by=booked_by,
            recurrence=recurrence,
            occurrences=occurrences,
        )
    )
    created, skipped = _book_free_dates(
        series=series,
        previews=previews,
        mode=mode,
        booked_by=booked_by,
        attendees=attendees,
        note=note,
        now=now,
    )
    skipped = [*refused, *skipped]
    if not created:
        raise _refusal_error(sorted(skipped, key=lambda p: p.index), len(previews))
    return series, created, sorted(skipped, key=lambda p: p.index)


@transaction.atomic
def booking_cancel_series_from(
    *,
    series: BookingSeries,
    from_date: dt.date,
    cancelled_by: User | None,
    now: dt.datetime | None = None,
    by_manager: bool = False,
) -> int:
    """Cancel the series' bookings from a local date on, in one UPDATE, and offer each freed
    slot to the waitlist. Bookings that have started stay, and so, unless a manager does it, do
    those already within the space's cancellation cut-off. Returns how many were cancelled."""
    now = now or timezone.now()
    space = lock_space(series.space)
    if isinstance(from_date, dt.datetime):
        from_date = from_date.astimezone(project_zone(space)).date()
    earliest = now
    if not by_manager:
        earliest += dt.timedelta(minutes=space.cancel_cutoff_minutes)
    from_moment = max(local_midnight(from_date, project_zone(space)).astimezone(dt.UTC), earliest)
    return bookings_cancel_locked(
        bookings=Booking.objects.filter(series=series, space=space, start__gte=from_moment),
        now=now,
        cancelled_by=cancelled_by,
    )


__all__ = [
    "MAX_OCCURRENCES",
    "OccurrencePreview",
    "Refusal",
    "SeriesConflict",
    "SeriesMode",
    "booking_cancel_series_from",
    "booking_series_create",
    "booking_series_preview",
    "series_dates",
]
