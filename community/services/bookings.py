"""Booking writes: every rule checked inside one transaction that holds the space's row lock.

The lock serialises all bookings of a space, so the rule, capacity and quota checks see every
earlier booking; on PostgreSQL the exclusion constraint ``booking_no_overlap`` is the last word.
"""

from __future__ import annotations

import datetime as dt
from decimal import ROUND_HALF_EVEN, Decimal

from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from community.models import Booking, BookingStatus, Space
from community.models.bookings import BLOCKING_STATUSES
from community.schedule import (
    Interval,
    covers,
    minutes_from_local_midnight,
    month_bounds,
    opening_intervals,
    overlap_minutes,
    project_zone,
    week_bounds,
)
from community.selectors.availability import (
    space_blocking_periods,
    space_free_intervals,
    space_opening_rows,
)
from community.validation import Conflict
from members.models import Household, User
from members.selectors import household_equivalised_income_cents

NEXT_FREE_HORIZON = dt.timedelta(days=7)
NEXT_FREE_COUNT = 5


class SlotTaken(Conflict):
    """The slot is booked already; ``next_free`` lists the nearest free intervals."""

    def __init__(self, *, next_free: list[Interval]) -> None:
        super().__init__(
            _("This slot is already booked."),
            next_free=[{"start": s.isoformat(), "end": e.isoformat()} for s, e in next_free],
        )
        self.next_free = next_free


def space_next_free(*, space: Space, after: dt.datetime) -> list[Interval]:
    free = space_free_intervals(space=space, start=after, end=after + NEXT_FREE_HORIZON)
    return free[:NEXT_FREE_COUNT]


def _quota_periods(space: Space, start: dt.datetime, end: dt.datetime):
    """(label, limit, [period, …]) for each quota the space sets, over the periods the booking
    touches (a booking over a week's or month's boundary counts in both)."""
    zone = project_zone(space)
    for limit, bounds, label in (
        (space.quota_week_minutes, week_bounds, _("week")),
        (space.quota_month_minutes, month_bounds, _("month")),
    ):
        if limit is None:
            continue
        periods = []
        moment = start
        while moment < end:
            period = bounds(moment, zone)
            periods.append(period)
            moment = period[1]
        yield label, limit, periods


def household_quota_used_minutes(
    *, space: Space, household: Household, period: Interval, exclude_booking_id: int | None = None
) -> int:
    bookings = Booking.objects.filter(
        space=space,
        household=household,
        status__in=BLOCKING_STATUSES,
        start__lt=period[1],
        end__gt=period[0],
    )
    if exclude_booking_id is not None:
        bookings = bookings.exclude(pk=exclude_booking_id)
    return sum(overlap_minutes(period, booked) for booked in bookings.values_list("start", "end"))


def check_booking_rules(
    *,
    space: Space,
    household: Household,
    start: dt.datetime,
    end: dt.datetime,
    attendees: int = 1,
    now: dt.datetime | None = None,
) -> None:
    """Every rule of the space, each refusal on its field with its reason (no slot check)."""
    now = now or timezone.now()
    if timezone.is_naive(start) or timezone.is_naive(end):
        raise ValidationError({"start": _("Give times with their time zone.")})
    if end <= start:
        raise ValidationError({"end": _("The booking must end after it starts.")})
    if not space.is_active:
        raise ValidationError({"space": _("This space cannot be booked at the moment.")})
    if household.project_id != space.project_id:
        raise ValidationError({"household": _("This household does not live in this project.")})
    today = start.astimezone(project_zone(space)).date()
    if household.move_out is not None and household.move_out < today:
        raise ValidationError({"household": _("This household has moved out.")})
    if start < now:
        raise ValidationError({"start": _("The booking cannot start in the past.")})
    if start > now + dt.timedelta(days=space.advance_days):
        raise ValidationError(
            {
                "start": _("Bookings open %(days)s days ahead at most.")
                % {"days": space.advance_days}
            }
        )
    minutes = (end - start).total_seconds() / 60
    if minutes < space.min_duration_minutes:
        raise ValidationError(
            {
                "end": _("The shortest booking is %(minutes)s minutes.")
                % {"minutes": space.min_duration_minutes}
            }
        )
    if minutes > space.max_duration_minutes:
        raise ValidationError(
            {
                "end": _("The longest booking is %(minutes)s minutes.")
                % {"minutes": space.max_duration_minutes}
            }
        )
    if attendees > space.capacity:
        raise ValidationError(
            {
                "attendees": _("This space holds %(capacity)s people at most.")
                % {"capacity": space.capacity}
            }
        )
    zone = project_zone(space)
    for field, moment in (("start", start), ("end", end)):
        if minutes_from_local_midnight(moment, zone) % space.slot_minutes or moment.second:
            raise ValidationError(
                {
                    field: _("Bookings start and end on a %(minutes)s-minute grid.")
                    % {"minutes": space.slot_minutes}
                }
            )
    if not covers(opening_intervals(space_opening_rows(space=space), start, end, zone), start, end):
        raise ValidationError({"start": _("The space is not open for all of this period.")})
    closures = space.closures.filter(start__lt=end, end__gt=start).values_list("reason", flat=True)
    for reason in closures[:1]:
        raise ValidationError(
            {"start": _("The space is closed then: %(reason)s") % {"reason": reason or "—"}}
        )
    for label, limit, periods in _quota_periods(space, start, end):
        for period in periods:
            used = household_quota_used_minutes(space=space, household=household, period=period)
            wanted = overlap_minutes(period, (start, end))
            if used + wanted > limit:
                raise ValidationError(
                    {
                        "end": _(
                            "Over your household's quota for this %(period)s: "
                            "%(left)s of %(limit)s minutes left."
                        )
                        % {"period": label, "left": max(limit - used, 0), "limit": limit}
                    }
                )


def booking_fee(*, space: Space, household: Household, start: dt.datetime, end: dt.datetime):
    """(fee in cents, reduced?) — the hourly fee, reduced for households whose equivalised income
    is below the project's threshold. Only the yes/no of the comparison leaves this function."""
    if not space.fee_per_hour_cents:
        return 0, False
    hours = Decimal((end - start).total_seconds()) / Decimal(3600)
    fee = Decimal(space.fee_per_hour_cents) * hours
    project = space.project
    reduced = False
    if project.booking_fee_reduction_threshold_cents is not None:
        income = household_equivalised_income_cents(
            household=household, on=start.astimezone(project_zone(space)).date()
        )
        reduced = income is not None and income < project.booking_fee_reduction_threshold_cents
    if reduced:
        fee = fee * (100 - project.booking_fee_reduction_percent) / 100
    return int(fee.quantize(Decimal(1), rounding=ROUND_HALF_EVEN)), reduced


def _free_unit(space: Space, start: dt.datetime, blocked_until: dt.datetime) -> int | None:
    taken = {
        unit
        for unit, _start, _until in space_blocking_periods(
            space=space, start=start, end=blocked_until
        )
    }
    return next((unit for unit in range(1, space.units + 1) if unit not in taken), None)


def lock_space(space: Space) -> Space:
    """Take the space's row lock: every booking write of this space waits for the holder."""
    return Space.objects.select_for_update().select_related("project__city").get(pk=space.pk)


@transaction.atomic
def booking_create(
    *,
    space: Space,
    household: Household,
    start: dt.datetime,
    end: dt.datetime,
    booked_by: User | None,
    attendees: int = 1,
    note: str = "",
    series=None,
    now: dt.datetime | None = None,
) -> Booking:
    space = lock_space(space)
    check_booking_rules(
        space=space, household=household, start=start, end=end, attendees=attendees, now=now
    )
    blocked_until = end + dt.timedelta(minutes=space.buffer_minutes)
    unit = _free_unit(space, start, blocked_until)
    if unit is None:
        raise SlotTaken(next_free=space_next_free(space=space, after=start))
    fee_cents, fee_reduced = booking_fee(space=space, household=household, start=start, end=end)
    booking = Booking(
        space=space,
        unit=unit,
        household=household,
        booked_by=booked_by,
        start=start,
        end=end,
        blocked_until=blocked_until,
        status=BookingStatus.PENDING if space.requires_approval else BookingStatus.CONFIRMED,
        attendees=attendees,
        note=note,
        series=series,
        fee_cents=fee_cents,
        fee_reduced=fee_reduced,
    )
    booking.full_clean(exclude=["series", "booked_by"])
    try:
        with transaction.atomic():
            booking.save()
    except IntegrityError as exc:  # the exclusion constraint: someone got there first
        raise SlotTaken(next_free=space_next_free(space=space, after=start)) from exc
    return booking


__all__ = [
    "SlotTaken",
    "booking_create",
    "booking_fee",
    "check_booking_rules",
    "household_quota_used_minutes",
    "lock_space",
    "space_next_free",
]
