"""The demo's year of money: budgets for the last twelve months and the coming one, an adopted
solidarity scheme and a draft to compare, twelve months charged, most of them paid, a few
households behind and one in real arrears; a second run adds nothing."""

import datetime as dt
from zoneinfo import ZoneInfo

import pytest
from django.core import mail
from django.utils import timezone

from common.months import add_months, first_of_month
from community.money.models import (
    Budget,
    BudgetLine,
    Charge,
    ChargeRun,
    ContributionScheme,
    Payment,
    SchemeStatus,
)
from community.money.selectors.affordability import project_affordability
from community.money.selectors.ledger import arrears_list
from community.money.selectors.simulation import scheme_simulate
from demo.money import MONTHS_CHARGED, seed_project_contributions
from members.models import Household, IncomeDeclaration
from tests.factories import (
    HouseholdFactory,
    IncomeDeclarationFactory,
    ProjectFactory,
    ResidentFactory,
    make_manager,
    make_resident_user,
)

pytestmark = pytest.mark.django_db

MODELS = (Budget, BudgetLine, ContributionScheme, ChargeRun, Charge, Payment, IncomeDeclaration)


def snapshot() -> dict:
    return {model: list(model.objects.order_by("pk").values()) for model in MODELS} | {
        Household: list(Household.objects.order_by("pk").values())
    }


@pytest.fixture
def months():
    today = timezone.localdate(timezone=ZoneInfo("Europe/Madrid"))
    current = first_of_month(today)
    first = add_months(current, -(MONTHS_CHARGED - 1))
    return [add_months(first, index) for index in range(MONTHS_CHARGED)]


@pytest.fixture
def project(months):
    """Sixteen households living there for years, declared from three months ago only (the
    first charged months need earlier declarations), one that never declared, one whose demo
    login must never be shown in arrears."""
    project = ProjectFactory(units_count=18)
    manager = make_manager(project)
    recent = months[-3]
    for index in range(16):
        household = HouseholdFactory(project=project, unit_label=f"A-{index:02d}")
        ResidentFactory(household=household, birth_year=1970 + index)
        if index % 3 == 0:
            ResidentFactory(household=household, birth_year=2016)
        if index != 5:
            IncomeDeclarationFactory(
                household=household,
                valid_from=recent,
                disposable_monthly_cents=120_000 + 15_000 * index,
                gross_monthly_cents=150_000 + 18_000 * index,
            )
    make_resident_user(Household.objects.get(unit_label="A-00"))
    project.manager = manager
    return project


def test_the_demo_builds_a_year_of_money_and_a_second_run_adds_nothing(project, months):
    first = seed_project_contributions(project=project, manager=project.manager)
    before = snapshot()
    second = seed_project_contributions(project=project, manager=project.manager)

    assert first["budgets"] == MONTHS_CHARGED + 1
    assert first["schemes"] == 2
    assert first["charge runs"] == MONTHS_CHARGED
    assert first["payments"] > 0
    assert set(second.values()) == {0}
    assert snapshot() == before
    assert mail.outbox == []


def test_budgets_schemes_and_charges(project, months):
    seed_project_contributions(project=project, manager=project.manager)

    budgets = Budget.objects.with_total().filter(project=project).order_by("month")
    assert [budget.month for budget in budgets] == [*months, add_months(months[-1], 1)]
    for budget in budgets:
        assert {line.category for line in budget.lines.all()} == {
            "loan",
            "maintenance",
            "reserves",
            "utilities",
        }
        assert budget.total_cents > 0
    adopted = ContributionScheme.objects.get(project=project, status=SchemeStatus.ADOPTED)
    draft = ContributionScheme.objects.get(project=project, status=SchemeStatus.DRAFT)
    assert (adopted.method, adopted.valid_from) == ("solidarity", months[0])
    assert draft.method == "income_share"
    runs = ChargeRun.objects.filter(project=project).order_by("month")
    assert [run.month for run in runs] == months
    # The solidarity scheme covers each month's budget to the cent.
    assert {run.shortfall_cents for run in runs} == {0}
    assert all(run.total_cents == run.budget_cents for run in runs)
    assert Charge.objects.filter(household__project=project).count() == 16 * MONTHS_CHARGED


def test_the_charged_months_have_the_incomes_they_need(project, months):
    seed_project_contributions(project=project, manager=project.manager)

    first_run = ChargeRun.objects.get(project=project, month=months[0])
    undeclared = {
        charge.household.unit_label
        for charge in first_run.charges.select_related("household")
        if charge.breakdown["income_declaration"] is None
    }
    assert undeclared == {"A-05"}  # never declared: left so, and paying its cap
    back_dated = IncomeDeclaration.objects.filter(household__project=project, valid_from=months[0])
    assert back_dated.count() == 15
    assert all(
        declaration.gross_monthly_cents >= declaration.disposable_monthly_cents > 0
        for declaration in back_dated
    )


def test_most_pay_a_few_are_behind_and_one_is_in_real_arrears(project, months):
    """One household stopped paying in the sixth month; two (8 % of fifteen, at least two) pay
    a month or two late, so they always owe the current month at least; everyone else pays
    each month in that month, so owes nothing of an earlier month whatever the day."""
    seed_project_contributions(project=project, manager=project.manager)

    arrears = arrears_list(project=project)
    deep = [row for row in arrears if row.months_in_arrears >= 4]
    assert len(deep) == 1
    assert deep[0].household.unit_label != "A-00"  # the demo login's household pays
    assert deep[0].oldest_unpaid_month == months[5]
    behind = [row for row in arrears if row not in deep]
    assert len(behind) >= 2
    assert all(row.months_in_arrears <= 3 for row in behind)
    owing_earlier = [row for row in behind if row.oldest_unpaid_month < months[-1]]
    assert len(owing_earlier) <= 2
    today = timezone.localdate(timezone=ZoneInfo(project.city.time_zone))
    payments = Payment.objects.filter(household__project=project)
    assert payments.count() >= 16 * (MONTHS_CHARGED - 1) * 3 // 4
    assert all(payment.paid_on <= today and payment.amount_cents > 0 for payment in payments)


def test_the_pages_have_something_to_show(project, months):
    seed_project_contributions(project=project, manager=project.manager)
    draft = ContributionScheme.objects.get(project=project, status=SchemeStatus.DRAFT)

    affordability = project_affordability(project=project, months=MONTHS_CHARGED)
    simulation = scheme_simulate(
        project=project, method=draft.method, parameters=draft.parameters, month=draft.valid_from
    )

    assert [figures.households for figures in affordability.months] == [16] * MONTHS_CHARGED
    assert affordability.latest.no_income == 1
    assert affordability.latest.median_ratio > 0
    assert sum(count for *_rest, count in affordability.histogram) == 16
    assert all(row.utilities_cents > 0 for row in affordability.latest_rows)
    assert simulation.scheme_in_force.method == "solidarity"
    assert simulation.current_source == "computed"
    assert any(row.change_cents for row in simulation.rows)


def test_a_run_a_month_later_adds_that_month(project, months):
    """Seeded a month ago, then today: the new month's budget, charges and payments are added,
    nothing else changes."""
    a_month_ago = timezone.now() - dt.timedelta(days=31)
    seed_project_contributions(project=project, manager=project.manager, now=a_month_ago)
    charged = set(ChargeRun.objects.values_list("month", flat=True))
    payments = set(Payment.objects.values_list("pk", flat=True))

    created = seed_project_contributions(project=project, manager=project.manager)

    assert created["budgets"] == 1  # the new coming month
    assert created["schemes"] == created["income declarations"] == 0
    assert created["charge runs"] == 1
    assert set(ChargeRun.objects.values_list("month", flat=True)) == charged | {months[-1]}
    assert payments <= set(Payment.objects.values_list("pk", flat=True))
