"""Booking writes: every rule checked inside one transaction that holds the space's row lock.

The lock serialises all bookings of a space, so the rule, capacity and quota checks see every
earlier booking; on PostgreSQL the exclusion constraint ``booking_no_overlap`` is the last word.
Every write that frees a slot (cancelling, rejecting) offers it to the space's waitlist in the
same transaction, still under the lock, so a freed slot never goes to a later arrival first.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from decimal import ROUND_HALF_EVEN, Decimal

from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.db.models import Exists, OuterRef, QuerySet
from django.utils import timezone
from django.utils.translation import gettext as _

from common.display import duration_text
from common.transactions import in_transaction
from common.validation import Conflict, constraint_error, violated_constraint
from community.bookings.models import (
    BLOCKING_STATUSES,
    Booking,
    BookingStatus,
    BookingWindow,
    Space,
    WindowStatus,
)
from community.bookings.schedule import (
    Interval,
    merge,
    overlap_minutes,
    project_zone,
    quota_periods,
)
from community.bookings.selectors.availability import (
    check_space_timing,
    space_blocking_periods,
    space_free_intervals,
    space_opening_rows,
)
from members.models import Household, User
from members.selectors import household_equivalised_income_cents

NEXT_FREE_HORIZON = dt.timedelta(days=7)
NEXT_FREE_COUNT = 5
# The PostgreSQL exclusion constraint of migration community 0005.
NO_OVERLAP_CONSTRAINT = "booking_no_overlap"


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


def utc_period(start: dt.datetime, end: dt.datetime) -> Interval:
    """The period in UTC. Python subtracts and compares two datetimes of the same zone by their
    wall clocks, which is wrong across a daylight-saving change (a 01:00–02:00 booking on the
    night the clocks go back lasts two hours, not one); in UTC the arithmetic is true."""
    if timezone.is_naive(start) or timezone.is_naive(end):
        raise ValidationError({"start": _("Give times with their time zone.")})
    return start.astimezone(dt.UTC), end.astimezone(dt.UTC)


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
    also_counting: Sequence[Interval] = (),
) -> None:
    """Every rule of the space, each refusal on its field with its reason (no slot check).

    ``also_counting`` holds periods the household is about to book but has not written yet (the
    earlier dates of a series being previewed); they count towards its quotas.
    """
    now = now or timezone.now()
    start, end = utc_period(start, end)
    if household.project_id != space.project_id:
        raise ValidationError({"household": _("This household does not live in this project.")})
    today = start.astimezone(project_zone(space)).date()
    if household.move_out is not None and household.move_out < today:
        raise ValidationError({"household": _("This household has moved out.")})
    check_space_timing(
        space=space,
        start=start,
        end=end,
        now=now,
        attendees=attendees,
        opening_rows=space_opening_rows(space=space),
        closures=space.closures.filter(start__lt=end, end__gt=start).values_list(
            "start", "end", "reason"
        ),
    )
    for name, limit, periods in quota_periods(space, start, end):
        for period in periods:
            used = household_quota_used_minutes(space=space, household=household, period=period)
            used += sum(overlap_minutes(period, planned) for planned in also_counting)
            wanted = overlap_minutes(period, (start, end))
            if used + wanted > limit:
                raise ValidationError(
                    {
                        "end": _(
                            "Over your household's quota for this %(period)s: "
                            "%(left)s of %(limit)s minutes left."
                        )
                        % {
                            "period": _("week") if name == "week" else _("month"),
                            "left": max(limit - used, 0),
                            "limit": limit,
                        }
                    }
                )


def check_not_held_by_lottery(
    *,
    space: Space,
    start: dt.datetime,
    end: dt.datetime,
    drawing: BookingWindow | None = None,
) -> None:
    """A slot of an open request window goes by lottery, not to whoever books first; only the
    window's own draw (``drawing``) books it. ``space`` as ``lock_space`` reads it."""
    if not space.has_open_windows:
        return
    windows = space.windows.filter(status=WindowStatus.OPEN)
    if drawing is not None:
        windows = windows.exclude(pk=drawing.pk)
    for window in windows:
        if any(s < end and start < e for s, e in window.slot_periods()):
            raise ValidationError(
                {
                    "start": _("This period is allocated by lottery: request it in “%(window)s”.")
                    % {"window": window.title}
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


def space_free_unit(*, space: Space, start: dt.datetime, blocked_until: dt.datetime) -> int | None:
    """The lowest unit of the space free over [start, blocked_until), or None if all are taken."""
    return _free_unit(space, start, blocked_until)


def _free_unit(space: Space, start: dt.datetime, blocked_until: dt.datetime) -> int | None:
    taken = {
        unit
        for unit, _start, _until in space_blocking_periods(
            space=space, start=start, end=blocked_until
        )
    }
    return next((unit for unit in range(1, space.units + 1) if unit not in taken), None)


def lock_space(space: Space) -> Space:
    """Take the space's row lock: every booking write of this space waits for the holder.

    Only the space's row (``of=("self",)``): a plain FOR UPDATE would lock the joined project
    and city rows too, and serialise every booking of every space of the city.
    """
    open_windows = BookingWindow.objects.filter(space=OuterRef("pk"), status=WindowStatus.OPEN)
    return (
        Space.objects.select_for_update(of=("self",))
        .select_related("project__city")
        # Few spaces ever hold a lottery: the check of its slots costs a query only where one is
        # open (check_not_held_by_lottery).
        .annotate(has_open_windows=Exists(open_windows))
        .get(pk=space.pk)
    )


@in_transaction
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
    lottery_window: BookingWindow | None = None,
) -> Booking:
    """Book a unit of the space. ``lottery_window`` is the window whose draw makes this booking:
    its own slots are then bookable, while they are held for every other booking.

    Every refusal comes before the insert, and the insert has its own savepoint: a refusal
    writes nothing, and the caller's transaction (a request's, a draw's) carries on.
    """
    start, end = utc_period(start, end)
    space = lock_space(space)
    check_booking_rules(
        space=space, household=household, start=start, end=end, attendees=attendees, now=now
    )
    check_not_held_by_lottery(space=space, start=start, end=end, drawing=lottery_window)
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
    # The fields' own checks (a note's length) cost no query. The rows it points at were just
    # read, and the check constraints are the database's to enforce on the insert: checking
    # them here too would cost a query (and a savepoint) each.
    booking.clean_fields(exclude=["space", "household", "booked_by", "series"])
    try:
        with transaction.atomic():
            booking.save()
    except IntegrityError as exc:
        # The exclusion constraint: someone got there first (a write that bypassed the lock).
        if violated_constraint(exc) == NO_OVERLAP_CONSTRAINT:
            raise SlotTaken(next_free=space_next_free(space=space, after=start)) from exc
        refused = constraint_error(Booking, exc)
        if refused is None:  # a bug or a vanished row, not a refusal: let it show
            raise
        raise refused from exc
    return booking


def _reload_for_change(booking: Booking) -> tuple[Space, Booking]:
    """Lock the booking's space, then read the booking afresh: its status may have changed
    while this request waited for the lock."""
    space = lock_space(booking.space)
    fresh = Booking.objects.select_related("household").get(pk=booking.pk)
    fresh.space = space
    return space, fresh


def _offer_to_waitlist(*, space: Space, start: dt.datetime, end: dt.datetime, now) -> list:
    # Imported here: the waitlist books through booking_create, so it imports this module.
    from community.bookings.services.waitlist import waitlist_promote

    return waitlist_promote(space=space, start=start, end=end, now=now)


def check_cancel_deadline(
    *, booking: Booking, space: Space, now: dt.datetime, by_manager: bool = False
) -> str | None:
    """Why the household may no longer cancel this booking itself, and whom to ask, or None
    while it may: up to the space's cut-off before the start. A manager always may."""
    if by_manager or now <= booking.start - dt.timedelta(minutes=space.cancel_cutoff_minutes):
        return None
    if space.cancel_cutoff_minutes:
        return _(
            "Bookings of this space can be cancelled up to %(duration)s before they start; "
            "please ask a manager."
        ) % {"duration": duration_text(space.cancel_cutoff_minutes)}
    return _("This booking has started; it can no longer be cancelled.")


@transaction.atomic
def booking_cancel(
    *,
    booking: Booking,
    cancelled_by: User | None,
    now: dt.datetime | None = None,
    by_manager: bool = False,
) -> Booking:
    """Cancel a pending or confirmed booking and offer the freed slot to the waitlist.

    A member of the household may cancel until the space's cut-off before the start; a manager
    (``by_manager``, checked by the caller) may always cancel. Who may call this for which
    booking is the caller's permission check, as for ``booking_create``.
    """
    now = now or timezone.now()
    space, booking = _reload_for_change(booking)
    if not booking.is_blocking:
        raise Conflict(
            _("This booking cannot be cancelled any more: it is %(status)s.")
            % {"status": booking.get_status_display()}
        )
    refusal = check_cancel_deadline(booking=booking, space=space, now=now, by_manager=by_manager)
    if refusal:
        raise ValidationError({"start": refusal})
    booking.status = BookingStatus.CANCELLED
    booking.cancelled_at = now
    booking.cancelled_by = cancelled_by
    booking.save(update_fields=["status", "cancelled_at", "cancelled_by"])
    _offer_to_waitlist(space=space, start=booking.start, end=booking.blocked_until, now=now)
    return booking


def _decide(booking: Booking, decided_by: User | None, now: dt.datetime | None):
    space, booking = _reload_for_change(booking)
    if booking.status != BookingStatus.PENDING:
        raise Conflict(
            _("Only a pending booking can be approved or rejected; this one is %(status)s.")
            % {"status": booking.get_status_display()}
        )
    booking.decided_by = decided_by
    booking.decided_at = now or timezone.now()
    return space, booking


@transaction.atomic
def booking_approve(
    *, booking: Booking, decided_by: User | None, now: dt.datetime | None = None
) -> Booking:
    """A manager confirms a pending booking (the slot was held since the request)."""
    _space, booking = _decide(booking, decided_by, now)
    booking.status = BookingStatus.CONFIRMED
    booking.save(update_fields=["status", "decided_by", "decided_at"])
    return booking


@transaction.atomic
def booking_reject(
    *,
    booking: Booking,
    decided_by: User | None,
    reason: str = "",
    now: dt.datetime | None = None,
) -> Booking:
    """A manager rejects a pending booking, with a reason the household sees; the freed slot
    goes to the waitlist."""
    if len(reason) > 500:
        raise ValidationError({"reason": _("Keep the reason under 500 characters.")})
    space, booking = _decide(booking, decided_by, now)
    booking.status = BookingStatus.REJECTED
    booking.decision_note = reason
    booking.save(update_fields=["status", "decided_by", "decided_at", "decision_note"])
    _offer_to_waitlist(
        space=space, start=booking.start, end=booking.blocked_until, now=booking.decided_at
    )
    return booking


def lock_spaces(space_ids) -> dict[int, Space]:
    """Take the row locks of several spaces, in the order of their keys so that two bulk
    cancellations never wait for each other in a circle (a deadlock)."""
    spaces = (
        Space.objects.select_for_update(of=("self",))
        .select_related("project__city")
        .filter(pk__in=set(space_ids))
        .order_by("pk")
    )
    return {space.pk: space for space in spaces}


def bookings_cancel_locked(
    *, bookings: QuerySet[Booking], now: dt.datetime, cancelled_by: User | None = None
) -> int:
    """Cancel the blocking bookings among ``bookings`` in one UPDATE, then offer each freed
    period to the waitlist of its space. The caller holds the row lock of every space concerned.
    Returns how many bookings were cancelled."""
    freed = list(
        bookings.filter(status__in=BLOCKING_STATUSES).values_list(
            "pk", "space_id", "start", "blocked_until"
        )
    )
    if not freed:
        return 0
    cancelled = Booking.objects.filter(pk__in=[row[0] for row in freed]).update(
        status=BookingStatus.CANCELLED, cancelled_at=now, cancelled_by=cancelled_by
    )
    periods: dict[int, list[Interval]] = {}
    for _pk, space_id, start, until in freed:
        periods.setdefault(space_id, []).append((start, until))
    spaces = Space.objects.select_related("project__city").in_bulk(list(periods))
    for space_id, intervals in sorted(periods.items()):
        # Touching periods are offered as one: a waiting household may want both.
        for start, end in merge(intervals):
            _offer_to_waitlist(space=spaces[space_id], start=start, end=end, now=now)
    return cancelled


@transaction.atomic
def bookings_cancel_for_household(
    *,
    household: Household,
    start: dt.datetime,
    end: dt.datetime,
    cancelled_by: User | None,
    now: dt.datetime | None = None,
    by_manager: bool = False,
) -> int:
    """The household goes away over [start, end): cancel its bookings there, in every space.

    Bookings that have started stay, and so, unless a manager does it, do those already within
    their space's cancellation cut-off. Returns how many were cancelled.
    """
    now = now or timezone.now()
    start, end = utc_period(start, end)
    if end <= start:
        raise ValidationError({"end": _("The end must come after the start.")})
    affected = Booking.objects.filter(
        household=household, status__in=BLOCKING_STATUSES, start__lt=end, end__gt=start
    )
    spaces = lock_spaces(affected.values_list("space_id", flat=True))
    # The earliest start a booking of each space may have to be cancelled now.
    earliest = {
        pk: now if by_manager else now + dt.timedelta(minutes=space.cancel_cutoff_minutes)
        for pk, space in spaces.items()
    }
    # Read again under the locks; a booking made meanwhile in another space is left alone.
    chosen = [
        pk
        for pk, space_id, booking_start in affected.values_list("pk", "space_id", "start")
        if space_id in earliest and booking_start >= earliest[space_id]
    ]
    return bookings_cancel_locked(
        bookings=Booking.objects.filter(pk__in=chosen), now=now, cancelled_by=cancelled_by
    )


__all__ = [
    "SlotTaken",
    "booking_approve",
    "booking_cancel",
    "booking_create",
    "booking_reject",
    "bookings_cancel_for_household",
    "bookings_cancel_locked",
    "booking_fee",
    "check_booking_rules",
    "household_quota_used_minutes",
    "lock_space",
    "lock_spaces",
    "space_free_unit",
    "space_next_free",
    "utc_period",
]
