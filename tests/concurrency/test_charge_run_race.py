"""Contributions under real concurrency: threads started together, each on its own database
connection, against PostgreSQL. The project's row lock serialises charge runs, adoptions and
imports; the unique and exclusion constraints stand behind it."""

from __future__ import annotations

from collections import Counter

import pytest

from community.money.models import Charge, ChargeRun, ContributionScheme, Payment, SchemeStatus
from community.money.services.charges import charges_run
from community.money.services.payments import payments_import_csv
from community.money.services.schemes import scheme_adopt, scheme_create
from community.money.tasks import charges_run_monthly_task, charges_run_project_task
from tests.community.factories import JAN_2025, JUNE, adopted_scheme, set_budget
from tests.concurrency.test_booking_races import kinds, run_together
from tests.factories import HouseholdFactory, ProjectFactory

pytestmark = [
    pytest.mark.django_db(transaction=True),
    # Up to a hundred connections each: the concurrency tests take turns on one xdist worker.
    pytest.mark.xdist_group("concurrency"),
]


@pytest.fixture
def project():
    project = ProjectFactory(status="active")
    HouseholdFactory.create_batch(7, project=project)
    adopted_scheme(project)
    set_budget(project, JUNE, 700_000)
    return project


def test_parallel_runs_of_one_month_charge_each_household_once(project):
    outcomes = run_together([lambda: charges_run(project=project, month=JUNE)] * 8)

    assert kinds(outcomes) == Counter({"ChargeRun": 8})
    assert len({run.pk for run in outcomes}) == 1
    assert ChargeRun.objects.count() == 1
    assert Charge.objects.count() == 7
    assert set(Charge.objects.values_list("amount_cents", flat=True)) == {100_000}
    run = ChargeRun.objects.get()
    assert (run.household_count, run.total_cents) == (7, 700_000)


def test_parallel_monthly_and_project_tasks_charge_each_household_once(project):
    """The beat's task and a manager's button at the same moment (the tasks run in place)."""
    calls = [lambda: charges_run_monthly_task.apply(args=(JUNE.isoformat(),))] * 3 + [
        lambda: charges_run_project_task.apply(args=(project.pk, JUNE.isoformat()))
    ] * 3

    outcomes = run_together(calls)

    assert all(outcome.successful() for outcome in outcomes), outcomes
    assert ChargeRun.objects.count() == 1
    assert Charge.objects.count() == 7


def test_two_overlapping_schemes_adopted_at_once_leave_one_in_force():
    project = ProjectFactory()
    drafts = [
        scheme_create(
            project=project,
            name=f"Draft {index}",
            method="flat",
            parameters={"basis": "equal"},
            valid_from=JAN_2025,
        )
        for index in range(4)
    ]

    outcomes = run_together(
        [lambda scheme=scheme: scheme_adopt(scheme=scheme) for scheme in drafts]
    )

    assert kinds(outcomes) == Counter({"ContributionScheme": 1, "ValidationError": 3})
    assert all(
        list(o.message_dict) == ["valid_from"]
        for o in outcomes
        if not isinstance(o, ContributionScheme)
    )
    assert ContributionScheme.objects.filter(status=SchemeStatus.ADOPTED).count() == 1


def test_one_statement_imported_twice_at_once_pays_once(project):
    households = list(project.households.order_by("pk"))
    text = "date,amount,reference\n" + "".join(
        f"2025-06-0{index + 1},100.00,{household.payment_reference}\n"
        for index, household in enumerate(households[:3])
    )

    outcomes = run_together([lambda: payments_import_csv(project=project, file=text)] * 4)

    assert kinds(outcomes) == Counter({"ImportResult": 1, "ValidationError": 3})
    assert Payment.objects.count() == 3
