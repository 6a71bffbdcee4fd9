"""Demo spaces and bookings for ``seed_demo``: believable use of the shared spaces of a project.

Deterministic for a given week: bookings are laid out around the Monday of the current week (in
the project's time zone) from a random generator seeded by the project and that Monday, and rows
are only added where missing, so running the seeder twice changes nothing.
"""

from __future__ import annotations

import datetime as dt
import random
from dataclasses import dataclass, field
from zoneinfo import ZoneInfo

from django.utils import timezone, translation
from django.utils.functional import Promise
from django.utils.translation import gettext_lazy as _

from community.bookings.models import Booking, BookingStatus, Space, SpaceKind, SpaceOpeningHours
from members.models import Household, HousingProject, User

WEEKS_BACK = 8
WEEKS_AHEAD = 4


@dataclass(frozen=True)
class SpacePlan:
    name: Promise  # in the city's language when seeded
    kind: str
    opens: int  # minutes after midnight
    closes: int
    rules: dict = field(default_factory=dict)
    per_week: int = 5  # bookings per unit and week
    lengths: tuple[int, ...] = (60, 120)  # minutes


SPACE_PLANS = (
    SpacePlan(
        _("Common room"),
        SpaceKind.COMMON_ROOM,
        8 * 60,
        23 * 60,
        {
            "capacity": 40,
            "min_duration_minutes": 60,
            "max_duration_minutes": 300,
            "slot_minutes": 30,
            "buffer_minutes": 30,
            "quota_week_minutes": 600,
            "cancel_cutoff_minutes": 24 * 60,
        },
        per_week=6,
        lengths=(120, 180, 240),
    ),
    SpacePlan(
        _("Guest room"),
        SpaceKind.GUEST_ROOM,
        0,
        24 * 60,
        {
            "capacity": 2,
            "min_duration_minutes": 24 * 60,
            "max_duration_minutes": 4 * 24 * 60,
            "slot_minutes": 60,
            "advance_days": 120,
            "requires_approval": True,
            "fee_per_hour_cents": 100,
            "quota_month_minutes": 7 * 24 * 60,
            "handover_checklist": [
                _("Bed linen in the laundry bag"),
                _("Windows closed"),
                _("Key back"),
            ],
        },
        per_week=1,
        lengths=(24 * 60, 48 * 60),
    ),
    SpacePlan(
        _("Laundry"),
        SpaceKind.LAUNDRY,
        7 * 60,
        22 * 60,
        {
            "capacity": 1,
            "units": 3,
            "min_duration_minutes": 60,
            "max_duration_minutes": 180,
            "slot_minutes": 30,
            "quota_week_minutes": 6 * 60,
            "checkin_required": True,
            "checkin_grace_minutes": 15,
            "reminder_minutes": 60,
        },
        per_week=12,
        lengths=(60, 90, 120),
    ),
    SpacePlan(
        _("Workshop"),
        SpaceKind.WORKSHOP,
        9 * 60,
        20 * 60,
        {
            "capacity": 6,
            "min_duration_minutes": 60,
            "max_duration_minutes": 240,
            "slot_minutes": 30,
            "buffer_minutes": 15,
            "handover_checklist": [
                _("Tools back on the wall"),
                _("Floor swept"),
                _("Machines unplugged"),
            ],
        },
        per_week=4,
        lengths=(60, 120, 180),
    ),
)


def _space(project: HousingProject, plan: SpacePlan) -> tuple[Space, bool]:
    with translation.override(project.city.default_language):
        name = str(plan.name)
        rules = {
            key: [str(item) for item in value] if key == "handover_checklist" else value
            for key, value in plan.rules.items()
        }
    space, created = Space.objects.get_or_create(
        project=project, name=name, defaults={"kind": plan.kind, **rules}
    )
    if created:
        SpaceOpeningHours.objects.bulk_create(
            SpaceOpeningHours(
                space=space, weekday=weekday, opens_minute=plan.opens, closes_minute=plan.closes
            )
            for weekday in range(7)
        )
    return space, created


def _week_bookings(
    *,
    rng: random.Random,
    space: Space,
    plan: SpacePlan,
    monday: dt.date,
    zone: ZoneInfo,
    households: list[Household],
    booker: dict[int, User | None],
    now: dt.datetime,
    taken_until: dict[int, dt.datetime],
) -> list[Booking]:
    """Non-overlapping bookings of each unit over one week, buffers included.

    The generator is consumed the same way whatever ``now`` is, so the same week always gets
    the same periods; only statuses depend on whether a booking is past.
    """
    bookings = []
    buffer = dt.timedelta(minutes=space.buffer_minutes)
    for unit in range(1, space.units + 1):
        for day_offset in sorted(rng.randrange(7) for _draw in range(plan.per_week)):
            day = monday + dt.timedelta(days=day_offset)
            length = rng.choice(plan.lengths)
            pending_draw, cancelled_draw = rng.random(), rng.random()
            household = rng.choice(households)
            attendees = rng.randint(1, max(1, space.capacity // 3))
            latest_start = plan.closes - min(length, plan.closes - plan.opens)
            start_minute = rng.randrange(plan.opens, latest_start + 1, space.slot_minutes)
            start = dt.datetime.combine(day, dt.time(0), tzinfo=zone) + dt.timedelta(
                minutes=start_minute
            )
            start = max(start, taken_until.get(unit, start))
            end = start + dt.timedelta(minutes=length)
            if end.astimezone(zone).date() > monday + dt.timedelta(days=6) and length < 1440:
                continue
            if plan.closes < 24 * 60 and (
                end.astimezone(zone).date() != start.astimezone(zone).date()
                or end.astimezone(zone).hour * 60 + end.astimezone(zone).minute > plan.closes
            ):
                continue
            past = end <= now
            status = BookingStatus.CONFIRMED
            if space.requires_approval and not past and pending_draw < 0.5:
                status = BookingStatus.PENDING
            elif cancelled_draw < 0.08:
                status = BookingStatus.CANCELLED
            bookings.append(
                Booking(
                    space=space,
                    unit=unit,
                    household=household,
                    booked_by=booker.get(household.pk),
                    start=start.astimezone(dt.UTC),
                    end=end.astimezone(dt.UTC),
                    blocked_until=(end + buffer).astimezone(dt.UTC),
                    status=status,
                    attendees=min(space.capacity, attendees),
                    checked_in_at=start.astimezone(dt.UTC)
                    if past and space.checkin_required and status == BookingStatus.CONFIRMED
                    else None,
                    cancelled_at=start.astimezone(dt.UTC) - dt.timedelta(days=1)
                    if status == BookingStatus.CANCELLED
                    else None,
                )
            )
            taken_until[unit] = end + buffer
    return bookings


def _overlaps_existing(booking: Booking, existing: list[tuple[int, dt.datetime, dt.datetime]]):
    return any(
        unit == booking.unit and start < booking.blocked_until and booking.start < until
        for unit, start, until in existing
    )


def seed_project_spaces(
    *, project: HousingProject, households: list[Household], booker: dict[int, User | None]
) -> dict[str, int]:
    """Spaces with opening hours in the project, and bookings from 8 weeks back to 4 ahead.

    Returns how many spaces and bookings were created."""
    zone = ZoneInfo(project.city.time_zone)
    now = timezone.now()
    this_monday = now.astimezone(zone).date() - dt.timedelta(days=now.astimezone(zone).weekday())
    current = [h for h in households if h.move_out is None]
    created = {"spaces": 0, "bookings": 0}
    for plan in SPACE_PLANS:
        space, space_created = _space(project, plan)
        created["spaces"] += int(space_created)
        # A later run (another week) lays out overlapping weeks again: keep what is there.
        existing = list(
            space.bookings.filter(
                status__in=(BookingStatus.PENDING, BookingStatus.CONFIRMED)
            ).values_list("unit", "start", "blocked_until")
        )
        known_starts = set(space.bookings.values_list("unit", "start"))
        taken_until: dict[int, dt.datetime] = {}
        new = []
        for week in range(-WEEKS_BACK, WEEKS_AHEAD + 1):
            monday = this_monday + dt.timedelta(weeks=week)
            rng = random.Random(f"{project.slug}/{plan.kind}/{monday.isoformat()}")  # noqa: S311
            new.extend(
                booking
                for booking in _week_bookings(
                    rng=rng,
                    space=space,
                    plan=plan,
                    monday=monday,
                    zone=zone,
                    households=current,
                    booker=booker,
                    now=now,
                    taken_until=taken_until,
                )
                if (booking.unit, booking.start) not in known_starts
                and not (booking.is_blocking and _overlaps_existing(booking, existing))
            )
        Booking.objects.bulk_create(new)
        created["bookings"] += len(new)
    return created
