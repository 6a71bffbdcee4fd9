"""Periodic booking work (Celery beat, every 5 minutes): reminders and no-show releases.

Both tasks are idempotent: the services lock what they work on with ``SKIP LOCKED`` and record
what they did in the same transaction, so a retry or a second worker finds nothing left to do.
"""

from celery import shared_task
from django.db import OperationalError

from community.services.checkin import bookings_release_no_shows
from community.services.reminders import booking_reminders_send


@shared_task(acks_late=True, autoretry_for=(OperationalError,), retry_backoff=True)
def booking_reminders_send_task() -> int:
    return booking_reminders_send()


@shared_task(acks_late=True, autoretry_for=(OperationalError,), retry_backoff=True)
def bookings_release_no_shows_task() -> int:
    return bookings_release_no_shows()
