"""Booking reminders: one e-mail per booking and resident with an account, exactly once.

A booking is due when it is confirmed, its space sets a lead time, and it starts within
(now, now + lead time]. The batch mailer (``common.mail``) locks due bookings and sets
``reminder_sent_at`` in the same transaction, so two workers share the work and a second run
finds nothing left to send.
"""

from __future__ import annotations

import datetime as dt
import logging

from django.core.mail import EmailMessage
from django.db.models import DateTimeField, ExpressionWrapper, F, QuerySet
from django.template.loader import render_to_string
from django.utils import formats, timezone, translation
from django.utils.translation import gettext as _

from common.mail import mail_due_rows
from community.bookings.models import Booking, BookingStatus
from community.bookings.schedule import project_zone
from members.models import User
from members.selectors import household_accounts

logger = logging.getLogger(__name__)


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


def booking_reminders_send(*, now: dt.datetime | None = None) -> int:
    """Send every due reminder; returns how many e-mails went out. Safe to run twice at once."""
    now = now or timezone.now()

    def messages_of(bookings: list[Booking]) -> dict[int, list[EmailMessage]]:
        recipients = household_accounts(household_ids=(b.household_id for b in bookings))
        return {
            booking.pk: [
                booking_reminder_message(booking=booking, user=user)
                for user in recipients.get(booking.household_id, [])
            ]
            for booking in bookings
        }

    return mail_due_rows(
        due=lambda: _due(now),
        order_by=("start", "pk"),
        select_related=("space__project__city",),
        messages_of=messages_of,
        mark_sent=lambda pks: Booking.objects.filter(pk__in=pks).update(reminder_sent_at=now),
        label="Booking reminder",
    )


__all__ = ["booking_reminder_message", "booking_reminders_send"]
