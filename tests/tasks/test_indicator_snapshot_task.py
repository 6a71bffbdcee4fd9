"""The nightly city indicator snapshot on a real Celery worker (Redis broker): every city's
current and previous month written once, a second nightly the same day skipping every city, a
city held by another worker skipped (SKIP LOCKED); and its schedule."""

import datetime as dt
import threading
import time

import pytest
from celery.schedules import crontab
from django.conf import settings
from django.db import connection, transaction

from community.monitoring.models import IndicatorSnapshot
from community.monitoring.selectors.indicators import snapshot_months
from community.monitoring.services.snapshots import NIGHTLY_MONTHS, indicator_snapshot_run_if_due
from community.monitoring.tasks import (
    indicator_snapshot_city_task,
    indicator_snapshots_nightly_task,
)
from members.models import City
from tests.factories import CityFactory, HouseholdFactory, ProjectFactory
from tests.tasks.conftest import wait_for

pytestmark = pytest.mark.django_db(transaction=True)


def city_with_households(name: str, households: int = 12) -> City:
    city = CityFactory(name=name, slug=name.lower())
    project = ProjectFactory(city=city)
    for index in range(households):
        HouseholdFactory(project=project, unit_label=f"U{index}", move_in=dt.date(2020, 1, 1))
    return city


def computed(city: City) -> dict:
    return dict(
        IndicatorSnapshot.objects.filter(city=city).values_list("pk", "computed_at").order_by("pk")
    )


def households_months(city: City) -> set[dt.date]:
    return set(
        IndicatorSnapshot.objects.filter(
            city=city, project__isnull=True, indicator="households", filter=""
        ).values_list("month", flat=True)
    )


def test_the_worker_snapshots_every_city_once_a_night(celery_worker):
    first = city_with_households("Alpha")
    second = city_with_households("Beta")
    months = snapshot_months(city=first, count=NIGHTLY_MONTHS)

    indicator_snapshots_nightly_task.delay()

    assert wait_for(
        lambda: households_months(first) == set(months) and households_months(second) == set(months)
    )
    done = {city.pk: computed(city) for city in (first, second)}
    value = IndicatorSnapshot.objects.get(
        city=first, project__isnull=True, month=months[-1], indicator="households", filter=""
    ).value
    assert value == 12

    # A second nightly the same day (a retry, a second beat) finds both cities done. The solo
    # worker takes tasks in order: once a marker city queued after it is written, the second
    # nightly's tasks have all run.
    indicator_snapshots_nightly_task.delay()
    marker = city_with_households("Marker")
    indicator_snapshot_city_task.delay(marker.pk, [month.isoformat() for month in months])
    assert wait_for(lambda: households_months(marker) == set(months))

    assert {city.pk: computed(city) for city in (first, second)} == done


def test_a_city_another_worker_holds_is_skipped_not_waited_for():
    city = city_with_households("Held")
    months = snapshot_months(city=city, count=NIGHTLY_MONTHS)
    locked, release = threading.Event(), threading.Event()

    def hold_the_city() -> None:
        try:
            with transaction.atomic():
                City.objects.select_for_update().get(pk=city.pk)
                locked.set()
                release.wait(timeout=30)
        finally:
            connection.close()

    holder = threading.Thread(target=hold_the_city)
    holder.start()
    try:
        assert locked.wait(timeout=10)
        started = time.monotonic()
        assert indicator_snapshot_run_if_due(city_id=city.pk, months=months) is None
        assert time.monotonic() - started < 5  # skipped at once, not after the lock
        assert not IndicatorSnapshot.objects.filter(city=city).exists()
    finally:
        release.set()
        holder.join(timeout=30)

    result = indicator_snapshot_run_if_due(city_id=city.pk, months=months)
    assert result is not None and result.rows > 0


def test_the_city_task_runs_the_last_two_years_by_default_and_skips_a_gone_city():
    city = city_with_households("Whole")

    rows = indicator_snapshot_city_task.apply(args=(city.pk,)).get()

    assert rows == IndicatorSnapshot.objects.filter(city=city).count()
    assert len(households_months(city)) == 24
    assert indicator_snapshot_city_task.apply(args=(999_999,)).get() is None


def test_a_run_since_a_time_skips_a_city_computed_after_it():
    city = city_with_households("Fresh")
    months = snapshot_months(city=city, count=NIGHTLY_MONTHS)
    before = dt.datetime.now(dt.UTC)

    assert indicator_snapshot_run_if_due(city_id=city.pk, months=months, since=before)
    assert indicator_snapshot_run_if_due(city_id=city.pk, months=months, since=before) is None
    later = dt.datetime.now(dt.UTC)
    assert indicator_snapshot_run_if_due(city_id=city.pk, months=months, since=later)


def test_the_beat_runs_the_snapshot_nightly_at_half_past_two():
    nightly = settings.CELERY_BEAT_SCHEDULE["indicator-snapshots-nightly"]

    assert nightly["task"] == "community.monitoring.tasks.indicator_snapshots_nightly_task"
    assert nightly["schedule"] == crontab(hour=2, minute=30)
    assert indicator_snapshots_nightly_task.acks_late
    assert indicator_snapshot_city_task.acks_late
