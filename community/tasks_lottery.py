"""Celery tasks of the booking lottery: draw each window once its requests have closed.

Celery's autodiscovery imports ``community.tasks`` only: that module (or the Celery app) must
import this one for a worker to know these tasks, and beat should run
``booking_windows_draw_due_task`` every few minutes.
"""

from __future__ import annotations

from celery import shared_task
from django.db import OperationalError
from django.utils import timezone

from community.models import BookingWindow, WindowStatus
from community.services.lottery import booking_window_draw
from community.validation import Conflict


@shared_task(acks_late=True, autoretry_for=(OperationalError,), retry_backoff=True, max_retries=5)
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


@shared_task(acks_late=True)
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
