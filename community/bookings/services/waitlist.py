"""The waitlist of a space: households waiting for a taken slot, promoted in order of arrival.

A household joins only for a slot that is taken, under the same rules as a booking. When a
slot frees up (a cancellation, a rejection), ``waitlist_promote`` walks the waiting entries that
overlap it, oldest first, and books each through ``booking_create`` (a refusal writes
nothing), all under the space's row lock: the first household that fits gets the slot, the
others keep waiting, and an entry that can no longer be booked under the rules (its time has
passed, its household is over quota) lapses. Promoted households are told by e-mail once the
transaction commits.
"""

from __future__ import annotations

import datetime as dt

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.mail import send_mail
from django.db import transaction
from django.template.loader import render_to_string
from django.utils import timezone, translation
from django.utils.translation import gettext as _

from common.outbox import queue_after_commit
from common.validation import Conflict, save_validated
from community.bookings.models import (
    BLOCKING_STATUSES,
    Booking,
    Space,
    WaitlistEntry,
    WaitlistStatus,
)
from community.bookings.schedule import project_zone
from community.bookings.services.bookings import (
    SlotTaken,
    booking_create,
    check_booking_rules,
    lock_space,
    space_free_unit,
    utc_period,
)
from members.models import Household, User


@transaction.atomic
def waitlist_join(
    *,
    space: Space,
    household: Household,
    start: dt.datetime,
    end: dt.datetime,
    requested_by: User | None,
    attendees: int = 1,
    now: dt.datetime | None = None,
) -> WaitlistEntry:
    """Put the household on the waitlist of a taken slot.

    The space's lock is taken so that the slot cannot free up (and be offered to the waitlist)
    between the check that it is taken and the new entry: an entry for a free slot would wait
    for nothing.
    """
    start, end = utc_period(start, end)
    space = lock_space(space)
    check_booking_rules(
        space=space, household=household, start=start, end=end, attendees=attendees, now=now
    )
    if Booking.objects.filter(
        space=space,
        household=household,
        status__in=BLOCKING_STATUSES,
        start__lt=end,
        end__gt=start,
    ).exists():
        raise ValidationError({"start": _("Your household has already booked this slot.")})
    blocked_until = end + dt.timedelta(minutes=space.buffer_minutes)
    if space_free_unit(space=space, start=start, blocked_until=blocked_until) is not None:
        raise ValidationError({"start": _("This slot is free: book it instead of waiting.")})
    # The partial unique constraint refuses a second waiting entry of the household for this
    # slot; save_validated reports it on "start" (and a concurrent duplicate as well).
    return save_validated(
        WaitlistEntry(
            space=space,
            household=household,
            requested_by=requested_by,
            start=start,
            end=end,
            attendees=attendees,
        )
    )


@transaction.atomic
def waitlist_leave(*, entry: WaitlistEntry) -> WaitlistEntry:
    """The household stops waiting. Under the space's lock, so it cannot race a promotion."""
    lock_space(entry.space)
    entry = WaitlistEntry.objects.get(pk=entry.pk)
    if entry.status != WaitlistStatus.WAITING:
        raise Conflict(
            _("This household is no longer waiting: the entry is %(status)s.")
            % {"status": entry.get_status_display()}
        )
    entry.status = WaitlistStatus.CANCELLED
    entry.save(update_fields=["status"])
    return entry


@transaction.atomic
def waitlist_promote(
    *, space: Space, start: dt.datetime, end: dt.datetime, now: dt.datetime | None = None
) -> list[Booking]:
    """Offer the freed period [start, end) of the space to its waitlist, oldest entry first.

    Meant to be called by the service that freed the period, with the space's lock held; the
    lock is taken again here (a no-op then) so that a call on its own is safe too. ``end`` is
    the freed booking's ``blocked_until``: its buffer is free as well.
    """
    now = now or timezone.now()
    start, end = utc_period(start, end)
    space = lock_space(space)
    buffer = dt.timedelta(minutes=space.buffer_minutes)
    # An entry, once booked, would block [entry.start, entry.end + buffer).
    entries = (
        WaitlistEntry.objects.filter(
            space=space,
            status=WaitlistStatus.WAITING,
            start__lt=end,
            end__gt=start - buffer,
        )
        .select_related("household", "requested_by")
        .order_by("created_at", "pk")
    )
    promoted: list[Booking] = []
    for entry in entries:
        try:
            booking = booking_create(  # a refusal writes nothing: the loop carries on
                space=space,
                household=entry.household,
                start=entry.start,
                end=entry.end,
                booked_by=entry.requested_by,
                attendees=entry.attendees,
                now=now,
            )
        except SlotTaken:
            continue  # still taken (by another unit's booking, or partly): keep waiting
        except ValidationError:
            # The rules refuse it now (its time has passed, the household is over its quota or
            # has moved out): waiting longer would not help.
            entry.status = WaitlistStatus.LAPSED
            entry.save(update_fields=["status"])
            continue
        entry.status = WaitlistStatus.PROMOTED
        entry.booking = booking
        entry.save(update_fields=["status", "booking"])
        promoted.append(booking)
        queue_after_commit("community.bookings.tasks.waitlist_promoted_notify_task", entry.pk)
    return promoted


def waitlist_lapse_past(*, now: dt.datetime | None = None) -> int:
    """Entries whose slot has begun without being freed will never be served: mark them
    lapsed, in one UPDATE. Returns how many lapsed; running it twice changes nothing more."""
    now = now or timezone.now()
    return WaitlistEntry.objects.filter(status=WaitlistStatus.WAITING, start__lte=now).update(
        status=WaitlistStatus.LAPSED
    )


def waitlist_promoted_recipients(*, household: Household) -> list[User]:
    """The household's residents who have an active account: the ones who can be told."""
    return list(User.objects.filter(resident__household=household, is_active=True).order_by("pk"))


def waitlist_promoted_notify(*, entry_id: int) -> int:
    """Tell the household's residents that their wait turned into a booking, each in their own
    language. Sent once: the entry is locked while sending and marked. Returns how many e-mails
    went out (0 when already notified, or when the booking is no longer standing)."""
    with transaction.atomic():
        entry = (
            WaitlistEntry.objects.select_for_update(of=("self",))
            .select_related("space__project__city", "booking", "household")
            .get(pk=entry_id)
        )
        if entry.notified_at is not None or entry.status != WaitlistStatus.PROMOTED:
            return 0
        booking = entry.booking
        if booking is None or not booking.is_blocking:
            return 0  # cancelled meanwhile: "the slot is yours" would be untrue
        space = entry.space
        sent = 0
        for user in waitlist_promoted_recipients(household=entry.household):
            with translation.override(user.language), timezone.override(project_zone(space)):
                context = {
                    "user": user,
                    "space": space,
                    "project": space.project,
                    "booking": booking,
                    "site_url": settings.SITE_URL,
                }
                subject = _("A slot freed up: %(space)s is booked for you") % {"space": space.name}
                body = render_to_string("community/email/waitlist_promoted.txt", context)
            send_mail(subject, body, None, [user.email])
            sent += 1
        entry.notified_at = timezone.now()
        entry.save(update_fields=["notified_at"])
        return sent


__all__ = [
    "waitlist_join",
    "waitlist_leave",
    "waitlist_promote",
    "waitlist_promoted_notify",
    "waitlist_promoted_recipients",
]
