"""Reminders to renew an income declaration: sent once, when the household's latest declaration
is older than its project's validity, to every resident with an account; again only when a newer
declaration expires in its turn."""

import datetime as dt
import time

import pytest
from django.core import mail

from community.money.models import ChargeRun
from community.money.services.income_reminders import income_renewal_reminders_send
from community.money.tasks import charges_run_project_task, income_declaration_reminders_task
from members.models import IncomeDeclaration, ProjectStatus
from tests.community.factories import JUNE, adopted_scheme, set_budget
from tests.factories import (
    HouseholdFactory,
    IncomeDeclarationFactory,
    ProjectFactory,
    make_resident_user,
)

pytestmark = pytest.mark.django_db

# side_a's declarations are valid from 1 January 2025; its project keeps them 12 months.
EXPIRED = dt.date(2026, 1, 1)


def recipients() -> list[str]:
    return sorted(address for message in mail.outbox for address in message.to)


def test_a_household_is_reminded_once_when_its_declaration_expires(side_a):
    second = make_resident_user(side_a.household, email="second@example.org", language="fr")

    assert income_renewal_reminders_send(today=EXPIRED - dt.timedelta(days=1)) == 0
    assert income_renewal_reminders_send(today=EXPIRED) == 2
    assert income_renewal_reminders_send(today=EXPIRED + dt.timedelta(days=1)) == 0

    assert recipients() == sorted([side_a.resident_user.email, second.email])
    english = next(m for m in mail.outbox if m.to == [side_a.resident_user.email])
    assert side_a.project.name in english.subject
    assert f"/households/{side_a.household.pk}/income/new/" in english.body
    assert "12 months" in english.body
    side_a.income.refresh_from_db()
    assert side_a.income.renewal_reminder_sent_at is not None
    # The neighbour has no account: marked all the same, so it is not looked at every day.
    side_a.neighbour_income.refresh_from_db()
    assert side_a.neighbour_income.renewal_reminder_sent_at is not None


def test_a_newer_declaration_is_reminded_of_when_it_expires_in_turn(side_a):
    income_renewal_reminders_send(today=EXPIRED)
    mail.outbox.clear()
    IncomeDeclarationFactory(household=side_a.household, valid_from=dt.date(2026, 2, 1))

    assert income_renewal_reminders_send(today=dt.date(2026, 6, 1)) == 0
    assert income_renewal_reminders_send(today=dt.date(2027, 2, 1)) == 1
    assert recipients() == [side_a.resident_user.email]


def test_a_declaration_dated_ahead_does_not_hide_an_expired_one(side_a):
    """The latest declaration is the latest valid today; one from next month is not yet it."""
    IncomeDeclarationFactory(household=side_a.household, valid_from=EXPIRED + dt.timedelta(days=40))

    assert income_renewal_reminders_send(today=EXPIRED) == 1


def test_the_projects_own_validity_counts(side_a):
    side_a.project.income_validity_months = 6
    side_a.project.save(update_fields=["income_validity_months"])

    assert income_renewal_reminders_send(today=dt.date(2025, 6, 30)) == 0
    assert income_renewal_reminders_send(today=dt.date(2025, 7, 1)) == 1


def test_households_that_left_and_projects_not_running_are_not_reminded(side_a):
    moved_out = HouseholdFactory(project=side_a.project, move_out=dt.date(2025, 10, 31))
    make_resident_user(moved_out, email="gone@example.org")
    IncomeDeclarationFactory(household=moved_out)
    ended = ProjectFactory(status=ProjectStatus.ENDED)
    ended_household = HouseholdFactory(project=ended)
    make_resident_user(ended_household, email="ended@example.org")
    IncomeDeclarationFactory(household=ended_household)

    income_renewal_reminders_send(today=EXPIRED)

    assert recipients() == [side_a.resident_user.email]
    assert not IncomeDeclaration.objects.filter(
        household__in=[moved_out, ended_household], renewal_reminder_sent_at__isnull=False
    ).exists()


@pytest.mark.django_db(transaction=True)
def test_the_worker_reminds_once_however_often_the_task_runs(celery_worker, side_a):
    """Today (the real clock) is well past side_a's 2025 declarations' expiry."""
    marker = ProjectFactory(status=ProjectStatus.PLANNED)
    adopted_scheme(marker)
    set_budget(marker, JUNE)

    income_declaration_reminders_task.delay()
    income_declaration_reminders_task.delay()  # a second beat or a retry
    # The solo worker takes tasks in order: once the marker's month is charged, both reminder
    # tasks have run.
    charges_run_project_task.delay(marker.pk, JUNE.isoformat())

    deadline = time.monotonic() + 30
    while time.monotonic() < deadline and not ChargeRun.objects.filter(project=marker).exists():
        time.sleep(0.1)
    assert ChargeRun.objects.filter(project=marker).exists()
    assert recipients() == [side_a.resident_user.email]
    side_a.income.refresh_from_db()
    assert side_a.income.renewal_reminder_sent_at is not None
