"""The monthly charge run: who is charged, how much (the scheme in force, the month's budget, the
income valid that month), prorated by the days lived in the month, once per household and month
however often it runs; and who sees the charges."""

import datetime as dt

import pytest
from django.core.exceptions import ValidationError

from community.money.models import Charge, ChargeRun
from community.money.selectors.ledger import charge_list_for_user, charge_run_list_for_user
from community.money.services.budgets import budget_set
from community.money.services.charges import charges_run
from tests.community.factories import JULY, JUNE, adopted_scheme, set_budget
from tests.factories import (
    HouseholdFactory,
    IncomeDeclarationFactory,
    ProjectFactory,
    ResidentFactory,
)

pytestmark = pytest.mark.django_db


def amounts(run: ChargeRun) -> dict[str, int]:
    return dict(run.charges.values_list("household__unit_label", "amount_cents"))


@pytest.fixture
def project():
    return ProjectFactory()


def household(project, label, move_in=dt.date(2024, 1, 1), move_out=None, **kwargs):
    return HouseholdFactory(
        project=project, unit_label=label, move_in=move_in, move_out=move_out, **kwargs
    )


# --- Proration ---------------------------------------------------------------------------


def test_households_pay_for_the_days_they_live_there(project):
    """Flat, equal: 5 000.00 among the five households living there in June (30 days) is
    1 000.00 each for the whole month. Moving in on the 15th is 16 days (15 to 30 June
    inclusive): 1 000.00 × 16/30 = 533.33; moving out on the 10th is 10 days: 333.33.
    The others do not make up the difference: the run reports it as shortfall."""
    for label in ("A", "B", "C"):
        household(project, label)
    household(project, "In on the 15th", move_in=dt.date(2025, 6, 15))
    household(project, "Out on the 10th", move_out=dt.date(2025, 6, 10))
    household(project, "Gone in May", move_out=dt.date(2025, 5, 31))
    household(project, "Comes in July", move_in=JULY)
    adopted_scheme(project, "flat", {"basis": "equal"})
    set_budget(project, JUNE, 500_000)

    run = charges_run(project=project, month=JUNE)

    assert amounts(run) == {
        "A": 100_000,
        "B": 100_000,
        "C": 100_000,
        "In on the 15th": 53_333,
        "Out on the 10th": 33_333,
    }
    late = Charge.objects.get(household__unit_label="In on the 15th")
    assert (late.breakdown["days"], late.breakdown["days_in_month"]) == (16, 30)
    assert late.breakdown["full_month_cents"] == 100_000
    assert run.household_count == 5
    assert run.total_cents == 386_666
    assert (run.budget_cents, run.shortfall_cents, run.surplus_cents) == (500_000, 113_334, 0)


def test_moving_in_and_out_on_the_same_day_is_one_day(project):
    household(project, "A")
    household(project, "Day", move_in=dt.date(2025, 6, 30), move_out=dt.date(2025, 6, 30))
    adopted_scheme(project, "flat", {"basis": "equal"})
    set_budget(project, JUNE, 60_000)

    run = charges_run(project=project, month=JUNE)

    assert amounts(run) == {"A": 30_000, "Day": 1_000}  # 30 000 × 1/30


def test_proration_rounds_half_to_even(project):
    """February 2025 has 28 days: 1.50 × 7/28 = 0.375 → 0.38; 0.50 × 7/28 = 0.125 → 0.12."""
    household(project, "A")
    household(project, "B", move_in=dt.date(2025, 2, 22))
    adopted_scheme(project, "flat", {"basis": "equal"})
    february = dt.date(2025, 2, 1)
    set_budget(project, february, 300)

    assert amounts(charges_run(project=project, month=february)) == {"A": 150, "B": 38}


# --- Idempotence -------------------------------------------------------------------------


def test_running_a_month_twice_changes_nothing(project):
    for label in ("A", "B", "C"):
        household(project, label)
    adopted_scheme(project, "flat", {"basis": "equal"})
    set_budget(project, JUNE, 100_000)

    first = charges_run(project=project, month=JUNE)
    before = list(Charge.objects.order_by("pk").values_list("pk", "household", "amount_cents"))
    household(project, "D")  # moves in meanwhile: the month is charged already
    second = charges_run(project=project, month=JUNE)

    assert second.pk == first.pk
    assert ChargeRun.objects.count() == 1
    assert list(Charge.objects.order_by("pk").values_list("pk", "household", "amount_cents")) == (
        before
    )
    assert amounts(first) == {"A": 33_334, "B": 33_333, "C": 33_333}


def test_the_run_reads_a_constant_number_of_queries(project, django_assert_max_num_queries):
    adopted_scheme(project, "solidarity", {"income": "equivalised", "cap": "cost_share"})
    set_budget(project, JUNE, 100_000)
    set_budget(project, JULY, 100_000)
    for index in range(3):
        IncomeDeclarationFactory(household=household(project, f"S{index}"))
    with django_assert_max_num_queries(20) as few:
        charges_run(project=project, month=JUNE)
    for index in range(30):
        ResidentFactory(household=household(project, f"M{index}"))

    with django_assert_max_num_queries(len(few)):
        run = charges_run(project=project, month=JULY)

    assert run.household_count == 33


# --- What the run needs ------------------------------------------------------------------


def test_a_month_without_a_scheme_in_force_is_not_charged(project):
    household(project, "A")
    set_budget(project, JUNE)

    with pytest.raises(ValidationError) as error:
        charges_run(project=project, month=JUNE)

    assert set(error.value.message_dict) == {"month"}
    assert not ChargeRun.objects.exists()


def test_a_month_without_an_approved_budget_is_not_charged(project):
    household(project, "A")
    adopted_scheme(project)
    budget_set(
        project=project,
        month=JUNE,
        lines=[{"category": "loan", "amount_cents": 1}],
        status="draft",
    )

    with pytest.raises(ValidationError) as error:
        charges_run(project=project, month=JUNE)
    with pytest.raises(ValidationError):
        charges_run(project=project, month=JULY)  # no budget at all

    assert set(error.value.message_dict) == {"month"}
    assert not Charge.objects.exists()


@pytest.mark.parametrize("month", [dt.date(2025, 6, 2), dt.date(2999, 1, 1)])
def test_a_run_is_for_a_whole_month_not_far_ahead(project, month):
    adopted_scheme(project)

    with pytest.raises(ValidationError) as error:
        charges_run(project=project, month=month)

    assert set(error.value.message_dict) == {"month"}


def test_a_scheme_the_method_cannot_apply_leaves_nothing_written(project):
    household(project, "Unknown size", unit_area_m2=0)
    adopted_scheme(project, "flat", {"basis": "unit_area"})
    set_budget(project, JUNE)

    with pytest.raises(ValidationError):
        charges_run(project=project, month=JUNE)

    assert not ChargeRun.objects.exists()


# --- The income of the month -------------------------------------------------------------


INCOME_SHARE = {"rate_percent": "30", "floor_cents": 10_000, "cap_cents": 100_000}


def test_the_income_valid_on_the_first_of_the_month_counts(project):
    """30 % of 2 400.00 = 720.00. A declaration valid from 15 June counts from July:
    30 % of 1 000.00 = 300.00. Without any declaration the household pays the cap, 1 000.00."""
    declared = household(project, "Declared")
    IncomeDeclarationFactory(household=declared, disposable_monthly_cents=240_000)
    IncomeDeclarationFactory(
        household=declared,
        valid_from=dt.date(2025, 6, 15),
        gross_monthly_cents=100_000,
        disposable_monthly_cents=100_000,
    )
    household(project, "Silent")
    adopted_scheme(project, "income_share", INCOME_SHARE)
    set_budget(project, JUNE)
    set_budget(project, JULY)

    june = charges_run(project=project, month=JUNE)
    july = charges_run(project=project, month=JULY)

    assert amounts(june) == {"Declared": 72_000, "Silent": 100_000}
    assert amounts(july) == {"Declared": 30_000, "Silent": 100_000}
    assert "missing_income" in june.warnings
    assert Charge.objects.get(month=JUNE, household=declared).breakdown["rule"] == "rate"


def test_a_household_moving_in_is_placed_by_its_income_on_its_first_day(project):
    """Moved in on 15 June, declared from that day: 30 % of 500.00 = 150.00, floor 100.00, so
    150.00 for the month, × 16/30 = 80.00."""
    newcomer = household(project, "New", move_in=dt.date(2025, 6, 15))
    IncomeDeclarationFactory(
        household=newcomer,
        valid_from=dt.date(2025, 6, 15),
        gross_monthly_cents=50_000,
        disposable_monthly_cents=50_000,
    )
    adopted_scheme(project, "income_share", INCOME_SHARE)
    set_budget(project, JUNE)

    assert amounts(charges_run(project=project, month=JUNE)) == {"New": 8_000}


def test_dependants_and_the_elderly_flag_reach_the_hud_formula(project):
    """HUD defaults (24 CFR 5.628, 5.611). A family with two children (10 and 7 in 2025), gross
    3 000.00 a month: annual 36 000.00 − 2 × 480.00 = 35 040.00 adjusted, 2 920.00 a month;
    30 % = 876.00 beats 10 % of gross (300.00) and the minimum (50.00).
    An elderly household with 1 000.00 gross and 200.00 medical costs a month: annual
    12 000.00 − 525.00 − (2 400.00 − 10 % × 12 000.00 = 1 200.00) = 10 275.00, 856.25 a month,
    30 % = 256.875 → 256.88 (half-even) beats 10 % of gross, 100.00."""
    family = household(project, "Family")
    ResidentFactory(household=family, birth_year=1985)
    ResidentFactory(household=family, birth_year=2015)
    ResidentFactory(household=family, birth_year=2018)
    IncomeDeclarationFactory(
        household=family, gross_monthly_cents=300_000, disposable_monthly_cents=250_000
    )
    elderly = household(project, "Elderly")
    ResidentFactory(household=elderly, birth_year=1950)
    IncomeDeclarationFactory(
        household=elderly,
        gross_monthly_cents=100_000,
        disposable_monthly_cents=100_000,
        elderly_or_disabled=True,
        medical_costs_cents=20_000,
    )
    adopted_scheme(project, "greatest_of", None)
    set_budget(project, JUNE)

    run = charges_run(project=project, month=JUNE)

    assert amounts(run) == {"Family": 87_600, "Elderly": 25_688}
    family_line = Charge.objects.get(household=family).breakdown
    assert family_line["deductions"]["dependants_cents"] == 96_000
    assert family_line["rule"] == "adjusted"


def test_an_expired_declaration_still_counts_but_is_flagged(project):
    """The project keeps declarations for 12 months: one from May 2024 has expired by June 2025."""
    stale = household(project, "Stale")
    IncomeDeclarationFactory(household=stale, valid_from=dt.date(2024, 5, 1))
    fresh = household(project, "Fresh")
    IncomeDeclarationFactory(household=fresh, valid_from=dt.date(2024, 7, 1))
    adopted_scheme(project, "income_share", INCOME_SHARE)
    set_budget(project, JUNE)

    run = charges_run(project=project, month=JUNE)

    assert "stale_income" in run.warnings
    assert Charge.objects.get(household=stale).breakdown["income_stale"] is True
    assert "income_stale" not in Charge.objects.get(household=fresh).breakdown


# --- Isolation and who sees charges ------------------------------------------------------


def test_a_run_charges_only_its_own_project(side_a, side_b):
    adopted_scheme(side_a.project)
    set_budget(side_a.project, JUNE, 100_000)

    charges_run(project=side_a.project, month=JUNE)

    assert set(Charge.objects.values_list("household__project", flat=True)) == {side_a.project.pk}
    assert Charge.objects.count() == 2


def test_charges_are_seen_by_the_household_and_its_managers_only(side_a, side_b):
    for side in (side_a, side_b):
        adopted_scheme(side.project)
        set_budget(side.project, JUNE, 100_000)
        charges_run(project=side.project, month=JUNE)

    def seen(user) -> set[int]:
        return set(charge_list_for_user(user=user).values_list("household_id", flat=True))

    assert seen(side_a.manager) == {side_a.household.pk, side_a.neighbour.pk}
    assert seen(side_a.resident_user) == {side_a.household.pk}
    assert seen(side_a.officer) == set()
    assert seen(side_b.manager) == {side_b.household.pk, side_b.neighbour.pk}
    assert set(charge_run_list_for_user(user=side_a.manager).values_list("project", flat=True)) == {
        side_a.project.pk
    }
    assert not charge_run_list_for_user(user=side_a.resident_user).exists()


def test_listing_charges_takes_a_constant_number_of_queries(side_a, django_assert_max_num_queries):
    adopted_scheme(side_a.project)
    set_budget(side_a.project, JUNE, 100_000)
    charges_run(project=side_a.project, month=JUNE)

    def read() -> int:
        rows = list(charge_list_for_user(user=side_a.manager))
        return len({(c.household.project.city.currency, c.scheme.name) for c in rows}) + len(rows)

    with django_assert_max_num_queries(1):
        read()
    for index in range(20):
        HouseholdFactory(project=side_a.project, unit_label=f"X{index}")
    set_budget(side_a.project, JULY, 100_000)
    charges_run(project=side_a.project, month=JULY)
    with django_assert_max_num_queries(1):
        assert read() == 2 + 22 + 1
