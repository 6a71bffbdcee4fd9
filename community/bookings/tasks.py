"""Celery tasks of bookings: reminders, waitlists, no-shows and lottery draws.

Thin, calling a service; safe to retry or run twice (the retry policy is the app's,
config/celery.py)."""

from __future__ import annotations

import logging

from celery import shared_task
from django.utils import timezone

from common.validation import Conflict
from community.bookings.models import BookingWindow, WindowStatus
from community.bookings.services.checkin import bookings_release_no_shows
from community.bookings.services.lottery import booking_window_draw
from community.bookings.services.reminders import booking_reminders_send
from community.bookings.services.waitlist import waitlist_lapse_past, waitlist_promoted_notify

logger = logging.getLogger(__name__)


@shared_task
def waitlist_promoted_notify_task(entry_id: int) -> int:
    return waitlist_promoted_notify(entry_id=entry_id)


@shared_task
def waitlist_lapse_past_task() -> int:
    return waitlist_lapse_past()


@shared_task
def booking_reminders_send_task() -> int:
    return booking_reminders_send()


@shared_task
def bookings_release_no_shows_task() -> int:
    return bookings_release_no_shows()


@shared_task
def booking_window_draw_task(window_id: int) -> bool:
    """Draw one window; a retry or a duplicate finds it drawn and does nothing more."""
    window = BookingWindow.objects.filter(pk=window_id, status=WindowStatus.OPEN).first()
    if window is None:  # drawn already, cancelled, or deleted
        return False
    try:
        booking_window_draw(window=window)
    except Conflict:  # cancelled meanwhile: nothing to draw
        return False
    return True


@shared_task
def booking_windows_draw_due_task() -> int:
    """Queue a draw for every open window whose requests have closed; each draws on its own,
    so one failing window does not hold back the others."""
    due = list(
        BookingWindow.objects.filter(
            status=WindowStatus.OPEN, closes_at__lte=timezone.now()
        ).values_list("pk", flat=True)
    )
    for window_id in due:
        booking_window_draw_task.delay(window_id)
    return len(due)
