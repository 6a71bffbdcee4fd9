"""Celery tasks of monitoring: the nightly indicator snapshots.

Thin, calling a service; safe to retry or run twice (the retry policy is the app's,
config/celery.py)."""

from __future__ import annotations

import datetime as dt
import logging

from celery import shared_task
from django.utils import timezone

from community.monitoring.selectors.indicators import snapshot_months
from community.monitoring.services.snapshots import NIGHTLY_MONTHS, indicator_snapshot_run_if_due
from members.models import City

logger = logging.getLogger(__name__)


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
