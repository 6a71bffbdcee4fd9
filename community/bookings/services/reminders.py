"""Booking reminders: one e-mail per booking and resident with an account, exactly once.

A booking is due when it is confirmed, its space sets a lead time, and it starts within
(now, now + lead time]. Due bookings are locked with ``SKIP LOCKED``, so two workers running the
task at once share the work instead of both sending; ``reminder_sent_at`` is set in the same
transaction, so a second run finds nothing left to send.
"""

from __future__ import annotations

import datetime as dt
import logging

from django.core.mail import EmailMessage, get_connection
from django.db import transaction
from django.db.models import DateTimeField, ExpressionWrapper, F, QuerySet
from django.template.loader import render_to_string
from django.utils import formats, timezone, translation
from django.utils.translation import gettext as _

from community.bookings.schedule import project_zone
from community.models import Booking, BookingStatus
from members.models import User
from members.selectors import household_accounts

logger = logging.getLogger(__name__)

REMINDER_BATCH = 200


def _due(now: dt.datetime) -> QuerySet[Booking]:
    return (
        Booking.objects.filter(
            status=BookingStatus.CONFIRMED,
            reminder_sent_at__isnull=True,
            space__reminder_minutes__isnull=False,
            start__gt=now,
        )
        .annotate(
            remind_from=ExpressionWrapper(
                F("start") - F("space__reminder_minutes") * dt.timedelta(minutes=1),
                output_field=DateTimeField(),
            )
        )
        .filter(remind_from__lte=now)
    )


def booking_reminder_message(*, booking: Booking, user: User) -> EmailMessage:
    """The reminder in the recipient's language, its times in the project's time zone."""
    space = booking.space
    with translation.override(user.language), timezone.override(project_zone(space)):
        start = timezone.localtime(booking.start)
        end = timezone.localtime(booking.end)
        start_date = formats.date_format(start, "DATE_FORMAT")
        start_time = formats.time_format(start, "TIME_FORMAT")
        context = {
            "booking": booking,
            "space": space,
            "project": space.project,
            "user": user,
            "start_date": start_date,
            "start_time": start_time,
            "end_time": formats.time_format(end, "TIME_FORMAT"),
            # An overnight booking (a guest room) names the day it ends on.
            "end_date": formats.date_format(end, "DATE_FORMAT")
            if end.date() != start.date()
            else "",
        }
        subject = _("Reminder: %(space)s, %(date)s at %(time)s") % {
            "space": space.name,
            "date": start_date,
            "time": start_time,
        }
        body = render_to_string("community/email/booking_reminder.txt", context)
    return EmailMessage(subject, body, None, [user.email])


def _send_batch(now: dt.datetime, failed: set[int]) -> tuple[int, int]:
    """Remind one batch of due bookings; (bookings handled, e-mails sent)."""
    with transaction.atomic():
        bookings = list(
            _due(now)
            .exclude(pk__in=failed)
            .select_for_update(skip_locked=True, of=("self",))
            .select_related("space__project__city")
            .order_by("start", "pk")[:REMINDER_BATCH]
        )
        if not bookings:
            return 0, 0
        recipients = household_accounts(household_ids=(b.household_id for b in bookings))
        done: list[int] = []
        sent = 0
        with get_connection() as connection:
            for booking in bookings:
                messages = [
                    booking_reminder_message(booking=booking, user=user)
                    for user in recipients.get(booking.household_id, [])
                ]
                try:
                    sent += connection.send_messages(messages) if messages else 0
                except OSError:  # smtplib.SMTPException is an OSError
                    # Not marked: the next run tries this booking again; the others are done.
                    logger.exception("Booking reminder %s could not be sent", booking.pk)
                    failed.add(booking.pk)
                    continue
                done.append(booking.pk)
        Booking.objects.filter(pk__in=done).update(reminder_sent_at=now)
        return len(bookings), sent


def booking_reminders_send(*, now: dt.datetime | None = None) -> int:
    """Send every due reminder; returns how many e-mails went out. Safe to run twice at once."""
    now = now or timezone.now()
    failed: set[int] = set()
    total = 0
    while True:
        handled, sent = _send_batch(now, failed)
        total += sent
        if handled < REMINDER_BATCH:
            return total


__all__ = ["booking_reminder_message", "booking_reminders_send"]
