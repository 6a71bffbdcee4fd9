"""The monthly charge run on a real Celery worker (Redis broker): every running project charged
once, a duplicate run (a retry, a second beat) changing nothing; and its schedule."""

import datetime as dt

import pytest
from celery.schedules import crontab
from django.conf import settings
from django.utils import timezone

from common.months import first_of_month
from community.money.models import Charge, ChargeRun
from community.money.tasks import charges_run_monthly_task, charges_run_project_task
from members.models import ProjectStatus
from tests.community.factories import JUNE, adopted_scheme, set_budget
from tests.factories import HouseholdFactory, ProjectFactory
from tests.tasks.conftest import wait_for

pytestmark = pytest.mark.django_db(transaction=True)


def charged_project(month: dt.date, households: int = 3, **project_fields):
    project = ProjectFactory(**project_fields)
    for _ in range(households):
        HouseholdFactory(project=project)
    adopted_scheme(project, valid_from=dt.date(2024, 1, 1))
    set_budget(project, month, 90_000)
    return project


def test_the_worker_charges_every_running_project_once(celery_worker):
    first = charged_project(JUNE, 3, status=ProjectStatus.ACTIVE)
    second = charged_project(JUNE, 2, status=ProjectStatus.PILOT)
    planned = charged_project(JUNE, 2, status=ProjectStatus.PLANNED)
    no_scheme = ProjectFactory(status=ProjectStatus.ACTIVE)
    HouseholdFactory(project=no_scheme)

    charges_run_monthly_task.delay(JUNE.isoformat())
    charges_run_monthly_task.delay(JUNE.isoformat())  # a second beat or a retry

    assert wait_for(lambda: ChargeRun.objects.count() == 2)
    # The solo worker takes tasks in order: once a run queued now is done, every project run
    # the two monthly tasks queued before it is done too.
    marker = charged_project(JUNE, 1, status=ProjectStatus.PLANNED)
    charges_run_project_task.delay(marker.pk, JUNE.isoformat())
    assert wait_for(lambda: ChargeRun.objects.filter(project=marker).exists())

    assert set(ChargeRun.objects.values_list("project", flat=True)) == {
        first.pk,
        second.pk,
        marker.pk,
    }
    assert Charge.objects.filter(household__project=first).count() == 3
    assert Charge.objects.filter(household__project=second).count() == 2
    assert set(
        Charge.objects.filter(household__project=first).values_list("amount_cents", flat=True)
    ) == {30_000}
    assert not Charge.objects.filter(household__project__in=[planned, no_scheme]).exists()


def test_the_monthly_task_charges_the_current_month_by_default():
    month = first_of_month(timezone.now().date())
    project = charged_project(month, 2, status=ProjectStatus.ACTIVE)

    assert charges_run_monthly_task.apply().get() == 1

    assert ChargeRun.objects.get(project=project).month == month
    assert charges_run_monthly_task.apply().get() == 0  # nothing left to queue


def test_a_project_that_cannot_be_charged_is_skipped_without_failing():
    project = ProjectFactory(status=ProjectStatus.ACTIVE)
    HouseholdFactory(project=project)

    assert charges_run_project_task.apply(args=(project.pk, JUNE.isoformat())).get() is None
    assert charges_run_project_task.apply(args=(999_999, JUNE.isoformat())).get() is None
    assert not ChargeRun.objects.exists()


def test_the_beat_runs_the_charges_on_the_first_and_the_reminders_daily():
    schedule = settings.CELERY_BEAT_SCHEDULE
    monthly = schedule["charges-run-monthly"]
    daily = schedule["income-declaration-reminders"]

    assert monthly["task"] == "community.money.tasks.charges_run_monthly_task"
    assert monthly["schedule"] == crontab(day_of_month=1, hour=2, minute=0)
    assert daily["task"] == "community.money.tasks.income_declaration_reminders_task"
    assert daily["schedule"] == crontab(hour=3, minute=30)
