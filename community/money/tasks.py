"""Celery tasks of money: the monthly charge run and income renewal reminders.

Thin, calling a service; safe to retry or run twice (the retry policy is the app's,
config/celery.py)."""

from __future__ import annotations

import datetime as dt
import logging

from celery import shared_task
from django.core.exceptions import ValidationError
from django.utils import timezone

from common.months import first_of_month
from community.money.selectors.ledger import running_project_list
from community.money.services.charges import charges_run
from community.money.services.income_reminders import income_renewal_reminders_send
from community.money.services.income_retention import income_declarations_expire
from members.models import HousingProject

logger = logging.getLogger(__name__)


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
def income_declarations_expire_task(today: str | None = None) -> int:
    """Delete the income declarations kept past their project's retention (ISO date; by
    default today in UTC). A rerun finds nothing left."""
    day = dt.date.fromisoformat(today) if today else timezone.now().date()
    return income_declarations_expire(today=day)
