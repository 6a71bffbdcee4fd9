"""Celery tasks of the community app: thin, calling a service; safe to retry or run twice.

The periodic ones (beat, see CELERY_BEAT_SCHEDULE) lock what they work on with SKIP LOCKED and
record what they did in the same transaction, so a retry or a second worker finds nothing left.
"""

from __future__ import annotations

import datetime as dt
import logging

from celery import shared_task
from django.core.exceptions import ValidationError
from django.utils import timezone

from common.months import first_of_month
from common.validation import Conflict
from community.bookings.services.checkin import bookings_release_no_shows
from community.bookings.services.lottery import booking_window_draw
from community.bookings.services.reminders import booking_reminders_send
from community.bookings.services.waitlist import waitlist_lapse_past, waitlist_promoted_notify
from community.models import BookingWindow, WindowStatus
from community.money.selectors.ledger import running_project_list
from community.money.services.charges import charges_run
from community.money.services.income_reminders import income_renewal_reminders_send
from community.monitoring.selectors.indicators import snapshot_months
from community.monitoring.services.snapshots import NIGHTLY_MONTHS, indicator_snapshot_run_if_due
from members.models import City, HousingProject

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


@shared_task
def charges_run_monthly_task(month: str | None = None) -> int:
    """Queue the charge run of every running project not yet charged for the month (ISO date
    of its first day; by default the month of today in UTC, which at 02:00 UTC on the 1st is
    the new month everywhere east of UTC−2 and the coming one in the Americas). Each project
    runs on its own, so one failing project does not hold back the others; a run repeated by a
    retry or a second beat finds the month charged and changes nothing."""
    day = dt.date.fromisoformat(month) if month else timezone.now().date()
    month_start = first_of_month(day)
    due = list(
        running_project_list()
        .exclude(charge_runs__month=month_start)
        .order_by("pk")
        .values_list("pk", flat=True)
    )
    for project_id in due:
        charges_run_project_task.delay(project_id, month_start.isoformat())
    return len(due)


@shared_task
def charges_run_project_task(project_id: int, month: str) -> int | None:
    """Charge one project's month; returns the run's id, or None when the month cannot be
    charged (no scheme in force or no approved budget: a manager runs it once they are set)."""
    project = HousingProject.objects.filter(pk=project_id).first()
    if project is None:
        return None
    try:
        run = charges_run(project=project, month=dt.date.fromisoformat(month))
    except ValidationError as exc:
        logger.warning("Project %s not charged for %s: %s", project_id, month, exc.messages)
        return None
    return run.pk


@shared_task
def income_declaration_reminders_task() -> int:
    return income_renewal_reminders_send()


@shared_task
def indicator_snapshots_nightly_task() -> int:
    """Queue the snapshot of every city for its current and previous month (in the city's time
    zone), one task a city so that the workers share them. A second nightly run the same UTC
    day finds each city done and skips it; two workers never run one city at once."""
    today = timezone.now().replace(hour=0, minute=0, second=0, microsecond=0)
    cities = list(City.objects.order_by("pk"))
    for city in cities:
        months = [month.isoformat() for month in snapshot_months(city=city, count=NIGHTLY_MONTHS)]
        indicator_snapshot_city_task.delay(city.pk, months, today.isoformat())
    return len(cities)


@shared_task
def indicator_snapshot_city_task(
    city_id: int, months: list[str] | None = None, since: str | None = None
) -> int | None:
    """Snapshot one city's months (ISO dates of their first days; by default the last two
    years): returns the rows written, or None when skipped (another worker holds the city, or
    its rows of these months were computed at ``since`` or later, or the city is gone)."""
    result = indicator_snapshot_run_if_due(
        city_id=city_id,
        months=None if months is None else [dt.date.fromisoformat(month) for month in months],
        since=None if since is None else dt.datetime.fromisoformat(since),
    )
    return None if result is None else result.rows
