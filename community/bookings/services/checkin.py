"""Check-in at a booked space, and the release of bookings nobody checked into.

A space with ``checkin_required`` wants proof that a booking is used: a member of the household
checks in from 15 minutes before the start. A confirmed booking nobody checked into by the end of
the grace period is released, and the rest of its period goes to the waitlist.

Locks are always taken space first, then bookings (as ``booking_create`` does), so a release
never deadlocks with a booking write; a check-in locks only its booking row, and the release
skips rows a check-in holds (it sees them again on its next run, checked in or not).
"""

from __future__ import annotations

import datetime as dt

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.db.models import DateTimeField, ExpressionWrapper, F, QuerySet
from django.utils import timezone
from django.utils.translation import gettext as _

from common.display import duration_text
from common.validation import Conflict
from community.bookings.models import Booking, BookingStatus, Space
from community.bookings.services.bookings import lock_space
from community.bookings.services.waitlist import waitlist_promote
from members.models import User
from members.selectors import own_household_ids

CHECKIN_OPENS_BEFORE = dt.timedelta(minutes=15)
RELEASE_BATCH = 500


def user_is_household_member(*, user: User, household_id: int) -> bool:
    """The user lives in the household and holds a role in its project (not revoked)."""
    return (
        user.is_authenticated
        and own_household_ids(user=user).filter(household_id=household_id).exists()
    )


@transaction.atomic
def booking_check_in(*, booking: Booking, user: User, now: dt.datetime | None = None) -> Booking:
    """Record that the household is at the space. Checking in twice keeps the first time."""
    now = now or timezone.now()
    if not user_is_household_member(user=user, household_id=booking.household_id):
        raise PermissionDenied(_("Only a member of the household that booked can check in."))
    # The row lock orders this check-in against a concurrent release of the same booking.
    booking = Booking.objects.select_for_update().get(pk=booking.pk)
    if booking.status != BookingStatus.CONFIRMED:
        raise Conflict(_("Only a confirmed booking can be checked into."))
    if booking.checked_in_at is not None:
        return booking
    if now < booking.start - CHECKIN_OPENS_BEFORE:
        raise ValidationError(
            {
                "start": _("Check-in opens %(duration)s before the start.")
                % {"duration": duration_text(int(CHECKIN_OPENS_BEFORE.total_seconds() // 60))}
            }
        )
    if now >= booking.end:
        raise ValidationError({"start": _("This booking is over; it is too late to check in.")})
    booking.checked_in_at = now
    booking.save(update_fields=["checked_in_at"])
    return booking


def _no_shows(now: dt.datetime) -> QuerySet[Booking]:
    """Confirmed bookings of check-in spaces, past their grace period with nobody checked in.

    Only bookings still running count: a booking that is already over frees nothing, and
    releasing it would rewrite history (for example when a manager turns check-in on).
    """
    return (
        Booking.objects.filter(
            space__checkin_required=True,
            status=BookingStatus.CONFIRMED,
            checked_in_at__isnull=True,
            start__lt=now,
            end__gt=now,
        )
        .annotate(
            release_at=ExpressionWrapper(
                F("start") + F("space__checkin_grace_minutes") * dt.timedelta(minutes=1),
                output_field=DateTimeField(),
            )
        )
        .filter(release_at__lt=now)
    )


def _release_space_no_shows(*, space_id: int, now: dt.datetime) -> int:
    with transaction.atomic():
        space = lock_space(Space(pk=space_id))
        rows = list(
            _no_shows(now)
            .filter(space_id=space_id)
            .select_for_update(skip_locked=True, of=("self",))
            .order_by("pk")
            .values_list("pk", "start", "blocked_until")[:RELEASE_BATCH]
        )
        if not rows:
            return 0
        Booking.objects.filter(pk__in=[pk for pk, _start, _until in rows]).update(
            status=BookingStatus.RELEASED
        )
        # What is left of each released period (its buffer included, as a cancellation frees
        # it) is free again: offer it to the waitlist while the space's lock is still held, so
        # no new booking slips in between.
        for _pk, start, until in rows:
            waitlist_promote(space=space, start=max(now, start), end=until, now=now)
        return len(rows)


def bookings_release_no_shows(*, now: dt.datetime | None = None) -> int:
    """Release every no-show booking; returns how many. Safe to run twice or in two workers."""
    now = now or timezone.now()
    space_ids = list(
        _no_shows(now).order_by("space_id").values_list("space_id", flat=True).distinct()
    )
    released = 0
    for space_id in space_ids:
        # One transaction per space and batch: a busy space never holds every other one up.
        while batch := _release_space_no_shows(space_id=space_id, now=now):
            released += batch
            if batch < RELEASE_BATCH:
                break
    return released


__all__ = [
    "CHECKIN_OPENS_BEFORE",
    "booking_check_in",
    "bookings_release_no_shows",
    "user_is_household_member",
]
