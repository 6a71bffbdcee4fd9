"""When spaces are free. Reads only; a fixed number of queries per space, whatever the bookings.

A pending or confirmed booking blocks its unit over [start, blocked_until) (blocked_until = end +
the space's buffer). A new booking [s, e) blocks [s, e + buffer) in turn, so it fits beside an
existing one [b, u) when e + buffer <= b or s >= u: every blocking period is widened by the buffer
at its start before it is taken off the open time.
"""

from __future__ import annotations

import datetime as dt
from bisect import bisect_right
from collections import defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field, replace
from typing import TYPE_CHECKING

from django.core.exceptions import ValidationError
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from common.display import duration_text
from community.bookings.models import (
    BLOCKING_STATUSES,
    Booking,
    BookingWindow,
    Space,
    SpaceClosure,
    SpaceOpeningHours,
    WindowStatus,
)
from community.bookings.schedule import (
    Interval,
    covers,
    merge,
    minutes_from_local_midnight,
    on_grid,
    opening_intervals,
    overlap_minutes,
    project_zone,
    quota_periods,
    subtract,
)
from members.models import HousingProject

if TYPE_CHECKING:
    from members.models import Household

OpeningRow = tuple[int, int, int]
BlockingPeriod = tuple[int, dt.datetime, dt.datetime]


def _utc(moment: dt.datetime) -> dt.datetime:
    """In UTC: Python subtracts two datetimes of one zone by their wall clocks, which is an
    hour off across a daylight-saving change; UTC has none."""
    return moment.astimezone(dt.UTC)


def space_opening_rows(*, space: Space) -> list[OpeningRow]:
    return list(space.opening_hours.values_list("weekday", "opens_minute", "closes_minute"))


def space_closures(*, space: Space, start: dt.datetime, end: dt.datetime) -> list[Interval]:
    return list(space.closures.filter(start__lt=end, end__gt=start).values_list("start", "end"))


def space_blocking_periods(
    *, space: Space, start: dt.datetime, end: dt.datetime, exclude_booking_id: int | None = None
) -> list[BlockingPeriod]:
    """(unit, start, blocked_until) of every pending or confirmed booking touching the period."""
    bookings = Booking.objects.filter(
        space=space, status__in=BLOCKING_STATUSES, start__lt=end, blocked_until__gt=start
    )
    if exclude_booking_id is not None:
        bookings = bookings.exclude(pk=exclude_booking_id)
    return list(bookings.values_list("unit", "start", "blocked_until"))


def unit_free_intervals(
    *,
    open_intervals: list[Interval],
    blocking: Iterable[BlockingPeriod],
    unit: int,
    buffer: dt.timedelta,
) -> list[Interval]:
    """Where a new booking of one unit may lie: open, and clear of every blocking booking.

    Each blocking period [b, u) is widened to [b - buffer, u): a new booking must end a buffer
    before the next one starts, even when that one starts just after a closing time or a closure
    (the earlier version trimmed the buffer only when the booking started exactly at the end of a
    free interval).
    """
    taken = [
        (start - buffer, until) for booked_unit, start, until in blocking if booked_unit == unit
    ]
    return [(start, end) for start, end in subtract(open_intervals, taken) if end > start]


def _units_free(
    space: Space, start: dt.datetime, end: dt.datetime
) -> tuple[list[Interval], list[Interval], list[list[Interval]]]:
    """The space's closures touching [start, end), its open time there (opening hours less
    the closures), and each unit's free intervals (open, clear of blocking bookings and their
    buffers). Three queries: opening hours, closures, blocking bookings."""
    buffer = dt.timedelta(minutes=space.buffer_minutes)
    rows = space_opening_rows(space=space)
    closures = space_closures(space=space, start=start, end=end)
    open_now = subtract(opening_intervals(rows, start, end, project_zone(space)), closures)
    # A booking starting within a buffer after ``end`` still shortens the last free interval.
    blocking = space_blocking_periods(space=space, start=start, end=end + buffer)
    per_unit = [
        unit_free_intervals(open_intervals=open_now, blocking=blocking, unit=unit, buffer=buffer)
        for unit in range(1, space.units + 1)
    ]
    return closures, open_now, per_unit


def space_free_intervals(*, space: Space, start: dt.datetime, end: dt.datetime) -> list[Interval]:
    """Periods in [start, end) where at least one unit of the space is free to book.

    Opening hours, closures, other bookings and buffers are respected; rules that depend on the
    household (quota, advance window) are the caller's, or ``space_availability``'s.
    """
    _closures, _open, per_unit = _units_free(space, _utc(start), _utc(end))
    return merge(interval for intervals in per_unit for interval in intervals)


def check_space_timing(
    *,
    space: Space,
    start: dt.datetime,
    end: dt.datetime,
    now: dt.datetime,
    opening_rows: Sequence[OpeningRow],
    closures: Iterable[tuple[dt.datetime, dt.datetime, str]],
    attendees: int = 1,
) -> None:
    """The space's rules on a period, without a household and without a query.

    The same rules and messages as ``check_booking_rules`` (minus the household, quota and slot
    checks); the caller passes the space's opening rows and the (start, end, reason) of its
    closures, so that many spaces or many periods are checked against one fetch.
    """
    if timezone.is_naive(start) or timezone.is_naive(end):
        raise ValidationError({"start": _("Give times with their time zone.")})
    start, end, now = _utc(start), _utc(end), _utc(now)
    if end <= start:
        raise ValidationError({"end": _("The booking must end after it starts.")})
    if not space.is_active:
        raise ValidationError({"space": _("This space cannot be booked at the moment.")})
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
                "end": _("The shortest booking is %(duration)s.")
                % {"duration": duration_text(space.min_duration_minutes)}
            }
        )
    if minutes > space.max_duration_minutes:
        raise ValidationError(
            {
                "end": _("The longest booking is %(duration)s.")
                % {"duration": duration_text(space.max_duration_minutes)}
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
    for field_name, moment in (("start", start), ("end", end)):
        if minutes_from_local_midnight(moment, zone) % space.slot_minutes or moment.second:
            raise ValidationError(
                {
                    field_name: _("Bookings start and end on a %(minutes)s-minute grid.")
                    % {"minutes": space.slot_minutes}
                }
            )
    if not covers(opening_intervals(opening_rows, start, end, zone), start, end):
        raise ValidationError({"start": _("The space is not open for all of this period.")})
    for closure_start, closure_end, reason in closures:
        if closure_start < end and closure_end > start:
            raise ValidationError(
                {"start": _("The space is closed then: %(reason)s") % {"reason": reason or "—"}}
            )


# --- What one household may book --------------------------------------------------------------


class BlockedReason(models.TextChoices):
    """Why a free interval cannot be booked by the asking household."""

    INACTIVE = "inactive", gettext_lazy("The space cannot be booked at the moment.")
    PAST = "past", gettext_lazy("In the past.")
    TOO_FAR_AHEAD = "too_far_ahead", gettext_lazy("Too far ahead: bookings are not open yet.")
    QUOTA_WEEK = "quota_week", gettext_lazy("Your household's quota for this week is used up.")
    QUOTA_MONTH = "quota_month", gettext_lazy("Your household's quota for this month is used up.")
    LOTTERY = (
        "lottery",
        gettext_lazy("Allocated by lottery: request it in the open booking window."),
    )


@dataclass(frozen=True)
class QuotaPeriod:
    """A household's quota over one local calendar week or month."""

    period: str  # "week" or "month"
    start: dt.datetime
    end: dt.datetime
    limit_minutes: int
    used_minutes: int

    @property
    def quota_left_minutes(self) -> int:
        return max(self.limit_minutes - self.used_minutes, 0)


@dataclass(frozen=True)
class FreeInterval:
    """[start, end) with ``free_units`` of the space's ``units`` free throughout.

    ``blocked_reason`` is empty when the asking household may start a booking in it; otherwise
    it says why not. ``quota_left_minutes`` is the least of the household's week and month quota
    left for this interval (None without a household or a quota).
    """

    start: dt.datetime
    end: dt.datetime
    free_units: int
    blocked_reason: str = ""
    quota_left_minutes: int | None = None

    @property
    def bookable(self) -> bool:
        return not self.blocked_reason


@dataclass(frozen=True)
class SpaceAvailability:
    space: Space
    start: dt.datetime
    end: dt.datetime
    now: dt.datetime
    units: int
    intervals: list[FreeInterval] = field(default_factory=list)
    quota: list[QuotaPeriod] = field(default_factory=list)
    # The space's closures touching [start, end), as fetched to compute the intervals.
    closures: list[Interval] = field(default_factory=list)

    @property
    def free(self) -> list[Interval]:
        """Where at least one unit is free, whoever asks (as ``space_free_intervals``)."""
        return merge((i.start, i.end) for i in self.intervals)

    @property
    def bookable(self) -> list[Interval]:
        """Where the asking household may start a booking."""
        return merge((i.start, i.end) for i in self.intervals if i.bookable)

    @property
    def over_quota(self) -> list[Interval]:
        """Free, but the household's quota for the week or month is used up."""
        quota_reasons = (BlockedReason.QUOTA_WEEK, BlockedReason.QUOTA_MONTH)
        return merge((i.start, i.end) for i in self.intervals if i.blocked_reason in quota_reasons)

    def quota_left_minutes(self, period: str, moment: dt.datetime) -> int | None:
        """The quota left in the week or month holding the moment (None: no such quota)."""
        for quota in self.quota:
            if quota.period == period and quota.start <= moment < quota.end:
                return quota.quota_left_minutes
        return None


def _free_unit_counts(
    per_unit: Iterable[list[Interval]],
) -> list[tuple[dt.datetime, dt.datetime, int]]:
    """Sweep the units' free intervals: (start, end, how many units are free) where ≥ 1 is."""
    events: dict[dt.datetime, int] = defaultdict(int)
    for intervals in per_unit:
        for start, end in intervals:
            events[start] += 1
            events[end] -= 1
    counts = []
    free = 0
    moments = sorted(events)
    for moment, following in zip(moments, moments[1:], strict=False):
        free += events[moment]
        if free > 0:
            counts.append((moment, following, free))
    return counts


def household_quota_periods(
    *, space: Space, household: Household, start: dt.datetime, end: dt.datetime
) -> list[QuotaPeriod]:
    """The household's use of each quota period (week, month) that [start, end) touches.

    One query: the household's pending and confirmed bookings of the space over all those
    periods, counted as ``household_quota_used_minutes`` does (so the numbers agree with what
    ``booking_create`` will check).
    """
    wanted = quota_periods(space, start, end)
    if not wanted or end <= start:
        return []
    first = min(periods[0][0] for _label, _limit, periods in wanted)
    last = max(periods[-1][1] for _label, _limit, periods in wanted)
    booked = list(
        Booking.objects.filter(
            space=space,
            household=household,
            status__in=BLOCKING_STATUSES,
            start__lt=last,
            end__gt=first,
        ).values_list("start", "end")
    )
    return [
        QuotaPeriod(
            period=label,
            start=period[0],
            end=period[1],
            limit_minutes=limit,
            used_minutes=sum(overlap_minutes(period, b) for b in booked),
        )
        for label, limit, periods in wanted
        for period in periods
    ]


def _cut(intervals: list[tuple[dt.datetime, dt.datetime, int]], cuts: Iterable[dt.datetime]):
    """Split the intervals at every cut moment inside them."""
    moments = sorted(set(cuts))
    pieces = []
    for start, end, count in intervals:
        inner = [m for m in moments if start < m < end]
        edges = [start, *inner, end]
        pieces.extend((a, b, count) for a, b in zip(edges, edges[1:], strict=False))
    return pieces


def lottery_held_periods(
    *, space: Space, start: dt.datetime, end: dt.datetime
) -> list[tuple[dt.datetime, dt.datetime]]:
    """The slots of the space's open request windows within [start, end): they go by lottery."""
    windows = BookingWindow.objects.filter(space=space, status=WindowStatus.OPEN)
    return [
        period
        for window in windows
        for period in window.slot_periods()
        if period[0] < end and start < period[1]
    ]


def _blocked_reason(
    space: Space,
    piece_start: dt.datetime,
    now: dt.datetime,
    advance_limit: dt.datetime,
    held: Sequence[tuple[dt.datetime, dt.datetime]],
    holding: Sequence[QuotaPeriod],
) -> str:
    """Why a booking may not start at ``piece_start`` ("" when it may); ``holding`` are the
    household's quota periods around it."""
    reason = ""
    if not space.is_active:
        reason = BlockedReason.INACTIVE
    elif piece_start < now:
        reason = BlockedReason.PAST
    elif piece_start >= advance_limit:
        # No booking may start here; one that starts before the limit may still run into it.
        reason = BlockedReason.TOO_FAR_AHEAD
    elif any(held_start <= piece_start < held_end for held_start, held_end in held):
        reason = BlockedReason.LOTTERY
    if not reason:
        for q in sorted(holding, key=lambda q: q.period != "week"):
            if q.quota_left_minutes < space.min_duration_minutes:
                reason = (
                    BlockedReason.QUOTA_WEEK if q.period == "week" else BlockedReason.QUOTA_MONTH
                )
                break
    return reason


def _append_merged(intervals: list[FreeInterval], interval: FreeInterval) -> None:
    """Append ``interval``, joined to the last one when it goes on from it unchanged."""
    previous = intervals[-1] if intervals else None
    if (
        previous is not None
        and previous.end == interval.start
        and (previous.free_units, previous.blocked_reason, previous.quota_left_minutes)
        == (interval.free_units, interval.blocked_reason, interval.quota_left_minutes)
    ):
        intervals[-1] = FreeInterval(
            start=previous.start,
            end=interval.end,
            free_units=previous.free_units,
            blocked_reason=previous.blocked_reason,
            quota_left_minutes=previous.quota_left_minutes,
        )
    else:
        intervals.append(interval)


def space_availability(
    *,
    space: Space,
    start: dt.datetime,
    end: dt.datetime,
    household: Household | None = None,
    now: dt.datetime | None = None,
) -> SpaceAvailability:
    """The free intervals of a space over [start, end), cut to what ``household`` may book.

    Each interval says how many units are free in it and whether the asking household may start
    a booking there (``bookable``; a booking started in time may run on past its end): not in
    the past, within the advance window, and within the quota left for the local week and month
    (an interval is marked over quota when what is left there is shorter than the space's
    shortest booking). Without a household only the past and the advance window are marked.

    Queries: opening hours, closures, blocking bookings, and one for the household's quota use
    when the space sets a quota — whatever the number of bookings. Pass a space fetched with
    ``select_related("project__city")`` or its time zone costs two more.
    """
    start, end, now = _utc(start), _utc(end), _utc(now or timezone.now())
    closures, _open, per_unit = _units_free(space, start, end)
    counts = _free_unit_counts(per_unit)

    advance_limit = now + dt.timedelta(days=space.advance_days)
    quota = (
        household_quota_periods(space=space, household=household, start=start, end=end)
        if household is not None
        else []
    )
    held = lottery_held_periods(space=space, start=start, end=end)
    cuts = [
        now,
        advance_limit,
        *(q.start for q in quota),
        *(q.end for q in quota),
        *(moment for period in held for moment in period),
    ]

    intervals: list[FreeInterval] = []
    for piece_start, piece_end, free_units in _cut(counts, cuts):
        holding = [q for q in quota if q.start <= piece_start < q.end]
        left = min((q.quota_left_minutes for q in holding), default=None)
        reason = _blocked_reason(space, piece_start, now, advance_limit, held, holding)
        interval = FreeInterval(
            start=piece_start,
            end=piece_end,
            free_units=free_units,
            blocked_reason=str(reason),
            quota_left_minutes=left,
        )
        _append_merged(intervals, interval)
    return SpaceAvailability(
        space=space,
        start=start,
        end=end,
        now=now,
        units=space.units,
        intervals=intervals,
        quota=quota,
        closures=closures,
    )


# --- A space of several units, slot by slot ----------------------------------------------------


@dataclass(frozen=True)
class SlotRun:
    """Consecutive booking slots of a space (each as long as its shortest booking, on its
    grid) with the same number of its ``units`` free for the whole of each slot.

    ``blocked_reason`` is as a ``FreeInterval``'s; ``book_until`` is how long a booking from
    ``start`` may run on one unit free there (None when no unit is free).
    """

    start: dt.datetime
    end: dt.datetime
    free_units: int
    units: int
    blocked_reason: str = ""
    book_until: dt.datetime | None = None

    @property
    def bookable(self) -> bool:
        return self.free_units > 0 and not self.blocked_reason


def _slots(
    open_time: Iterable[Interval], length: dt.timedelta, first: dt.datetime, space: Space
) -> list[Interval]:
    """The booking slots of ``length`` laid on the open time from each open interval's first
    moment on the grid (and not before ``first``); a remainder too short for a booking is none."""
    zone = project_zone(space)
    slots = []
    for start, end in open_time:
        moment = on_grid(max(start, first), space, zone)
        while moment + length <= end:
            slots.append((moment, moment + length))
            moment += length
    return slots


@dataclass(frozen=True)
class SpaceSlots:
    """A space's slot runs over a period, with its closures there and the asking household's
    quota periods (as in ``SpaceAvailability``)."""

    runs: list[SlotRun]
    quota: list[QuotaPeriod]
    closures: list[Interval]


def space_slot_runs(
    *,
    space: Space,
    start: dt.datetime,
    end: dt.datetime,
    household: Household | None = None,
    now: dt.datetime | None = None,
) -> SpaceSlots:
    """A space of several units (machines of a laundry) summed up slot by slot: how many units
    are free for each whole slot from now on, consecutive slots alike joined into one run.

    A free gap of a unit shorter than a slot is never counted: it cannot hold a booking. The
    rules of the asking household are marked as in ``space_availability``. Queries: opening
    hours, closures, blocking bookings, the household's quota use when the space sets a quota,
    and the open lottery windows — whatever the number of bookings or units.
    """
    start, end, now = _utc(start), _utc(end), _utc(now or timezone.now())
    closures, open_time, per_unit = _units_free(space, start, end)
    length = dt.timedelta(
        minutes=-(-space.min_duration_minutes // space.slot_minutes) * space.slot_minutes
    )
    advance_limit = now + dt.timedelta(days=space.advance_days)
    quota = (
        household_quota_periods(space=space, household=household, start=start, end=end)
        if household is not None
        else []
    )
    held = lottery_held_periods(space=space, start=start, end=end)
    starts = [[interval[0] for interval in intervals] for intervals in per_unit]
    zone = project_zone(space)

    runs: list[SlotRun] = []
    for slot_start, slot_end in _slots(open_time, length, now, space):
        # The free interval of each unit holding the whole slot, if any.
        holding_ends = []
        for unit_starts, intervals in zip(starts, per_unit, strict=True):
            index = bisect_right(unit_starts, slot_start) - 1
            if index >= 0 and intervals[index][1] >= slot_end:
                holding_ends.append(intervals[index][1])
        free = len(holding_ends)
        reason = ""
        if free:
            in_quota = [q for q in quota if q.start <= slot_start < q.end]
            reason = str(_blocked_reason(space, slot_start, now, advance_limit, held, in_quota))
        previous = runs[-1] if runs else None
        if (
            previous is not None
            and previous.end == slot_start
            and (previous.free_units, previous.blocked_reason) == (free, reason)
            # a day of the week view starts a run of its own
            and previous.start.astimezone(zone).date() == slot_start.astimezone(zone).date()
        ):
            runs[-1] = replace(previous, end=slot_end)
            continue
        runs.append(
            SlotRun(
                start=slot_start,
                end=slot_end,
                free_units=free,
                units=space.units,
                blocked_reason=reason,
                book_until=max(holding_ends, default=None),
            )
        )
    return SpaceSlots(runs=runs, quota=quota, closures=closures)


# --- Which spaces are free ----------------------------------------------------------------------


def spaces_free(
    *,
    project: HousingProject,
    start: dt.datetime,
    end: dt.datetime,
    kind: str | None = None,
    household: Household | None = None,
    attendees: int = 1,
    now: dt.datetime | None = None,
) -> list[Space]:
    """The project's active spaces with a unit free for all of [start, end) that may be booked
    for that period ("any free guest room on those nights").

    The period must pass each space's rules (not in the past, within the advance window, the
    grid, minimum and maximum duration, capacity for ``attendees``, opening hours, closures) and,
    with a household, its quota. Queries: the spaces, their opening hours, closures and blocking
    bookings (one each, for all the spaces together) and the household's quota use (one) —
    whatever the number of spaces or bookings.
    """
    start, end, now = _utc(start), _utc(end), _utc(now or timezone.now())
    spaces_qs = project.spaces.filter(is_active=True, capacity__gte=attendees).select_related(
        "project__city"
    )
    if kind is not None:
        spaces_qs = spaces_qs.filter(kind=kind)
    spaces = list(spaces_qs)
    if not spaces or end <= start:
        return []
    rows, closures, taken = _rules_and_bookings(spaces, start, end)

    quota_use = (
        _household_quota_use(spaces=spaces, household=household, start=start, end=end)
        if household is not None
        else {}
    )

    free = []
    for space in spaces:
        try:
            check_space_timing(
                space=space,
                start=start,
                end=end,
                now=now,
                opening_rows=rows[space.pk],
                closures=closures[space.pk],
                attendees=attendees,
            )
        except ValidationError:
            continue
        # The new booking would block [start, end + buffer) of its unit.
        blocked_until = end + dt.timedelta(minutes=space.buffer_minutes)
        busy_units = {
            unit
            for unit, b_start, b_until in taken[space.pk]
            if b_start < blocked_until and b_until > start
        }
        if len(busy_units & set(range(1, space.units + 1))) >= space.units:
            continue
        if any(
            used + overlap_minutes(period, (start, end)) > limit
            for period, limit, used in quota_use.get(space.pk, ())
        ):
            continue
        free.append(space)
    return free


def _rules_and_bookings(
    spaces: Sequence[Space], start: dt.datetime, end: dt.datetime
) -> tuple[
    dict[int, list[OpeningRow]],
    dict[int, list[tuple[dt.datetime, dt.datetime, str]]],
    dict[int, list[BlockingPeriod]],
]:
    """By space id: the opening hours, the closures that touch [start, end) and the bookings
    that block it (buffers included). Three queries for all the spaces together."""
    ids = [space.pk for space in spaces]
    rows: dict[int, list[OpeningRow]] = defaultdict(list)
    for space_id, weekday, opens, closes in SpaceOpeningHours.objects.filter(
        space_id__in=ids
    ).values_list("space_id", "weekday", "opens_minute", "closes_minute"):
        rows[space_id].append((weekday, opens, closes))
    closures: dict[int, list[tuple[dt.datetime, dt.datetime, str]]] = defaultdict(list)
    for space_id, closure_start, closure_end, reason in SpaceClosure.objects.filter(
        space_id__in=ids, start__lt=end, end__gt=start
    ).values_list("space_id", "start", "end", "reason"):
        closures[space_id].append((closure_start, closure_end, reason))

    longest_buffer = dt.timedelta(minutes=max(space.buffer_minutes for space in spaces))
    taken: dict[int, list[BlockingPeriod]] = defaultdict(list)
    for space_id, unit, booked_start, until in Booking.objects.filter(
        space_id__in=ids,
        status__in=BLOCKING_STATUSES,
        start__lt=end + longest_buffer,
        blocked_until__gt=start,
    ).values_list("space_id", "unit", "start", "blocked_until"):
        taken[space_id].append((unit, booked_start, until))
    return rows, closures, taken


def _household_quota_use(
    *, spaces: Sequence[Space], household: Household, start: dt.datetime, end: dt.datetime
) -> dict[int, list[tuple[Interval, int, int]]]:
    """Per space with a quota: (period, limit, minutes used) of each week and month that
    [start, end) touches, from one query over all those spaces."""
    wanted: dict[int, list[tuple[Interval, int]]] = {
        space.pk: [
            (period, limit)
            for _name, limit, periods in quota_periods(space, start, end)
            for period in periods
        ]
        for space in spaces
    }
    wanted = {space_id: periods for space_id, periods in wanted.items() if periods}
    if not wanted:
        return {}
    first = min(period[0] for periods in wanted.values() for period, _limit in periods)
    last = max(period[1] for periods in wanted.values() for period, _limit in periods)
    booked: dict[int, list[Interval]] = defaultdict(list)
    for space_id, booked_start, booked_end in Booking.objects.filter(
        space_id__in=list(wanted),
        household=household,
        status__in=BLOCKING_STATUSES,
        start__lt=last,
        end__gt=first,
    ).values_list("space_id", "start", "end"):
        booked[space_id].append((booked_start, booked_end))
    return {
        space_id: [
            (period, limit, sum(overlap_minutes(period, b) for b in booked[space_id]))
            for period, limit in periods
        ]
        for space_id, periods in wanted.items()
    }
