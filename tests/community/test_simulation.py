"""Simulating a scheme before adopting it: the amounts the charge run would charge, what the
scheme in force charges beside them, the housing cost ratio each amount means, the total against
the budget, two schemes side by side; nothing written, a fixed number of queries."""

import datetime as dt
from fractions import Fraction
from zoneinfo import ZoneInfo

import pytest
from django.core.exceptions import ValidationError
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from common.months import add_months, first_of_month
from community.money.models import (
    Budget,
    BudgetLine,
    Charge,
    ChargeRun,
    ContributionScheme,
    Payment,
)
from community.money.selectors.simulation import scheme_simulate, schemes_compare
from community.money.services.charges import charges_run
from community.money.services.schemes import scheme_retire
from members.models import Household, IncomeAccessLog, IncomeDeclaration, Resident
from tests.community.factories import JULY, JUNE, adopted_scheme, set_budget
from tests.factories import (
    HouseholdFactory,
    IncomeDeclarationFactory,
    ProjectFactory,
    ResidentFactory,
)

pytestmark = pytest.mark.django_db

# Income share, 30 % of disposable income, at least 100.00, at most 1 200.00; a household that
# has not declared pays the cap (missing_income "cap", the default).
DRAFT = ("income_share", {"rate_percent": "30", "floor_cents": 10_000, "cap_cents": 120_000})
LOWER_CAP = ("income_share", {"rate_percent": "30", "floor_cents": 10_000, "cap_cents": 100_000})


def by_unit(rows) -> dict:
    return {row.household.unit_label: row for row in rows}


@pytest.fixture
def project():
    return ProjectFactory()


@pytest.fixture
def four(project):
    """Four households living there all of June 2025, a budget of 3 000.00 and a flat scheme in
    force, so 750.00 each today.

    - A: one adult, 2 000.00 disposable, pays 100.00 of utilities itself;
    - B: 1 000.00 disposable of which 100.00 is a housing allowance, 50.00 of utilities;
    - C: 5 000.00 disposable, no utilities of its own;
    - D: no income declaration.
    """
    households = {}
    for label, utilities in (("A", 10_000), ("B", 5_000), ("C", 0), ("D", 0)):
        households[label] = HouseholdFactory(
            project=project, unit_label=label, utilities_monthly_cents=utilities
        )
        ResidentFactory(household=households[label], birth_year=1980)
    IncomeDeclarationFactory(
        household=households["A"], disposable_monthly_cents=200_000, gross_monthly_cents=250_000
    )
    IncomeDeclarationFactory(
        household=households["B"],
        disposable_monthly_cents=100_000,
        gross_monthly_cents=110_000,
        housing_allowance_cents=10_000,
    )
    IncomeDeclarationFactory(
        household=households["C"], disposable_monthly_cents=500_000, gross_monthly_cents=650_000
    )
    adopted_scheme(project, "flat", {"basis": "equal"})
    set_budget(project, JUNE, 300_000)
    return households


# --- One scheme --------------------------------------------------------------------------


def test_a_draft_scheme_is_simulated_against_the_households_and_the_budget(project, four):
    """30 % of income: A 600.00, B 300.00, C 1 500.00 capped at 1 200.00, D (undeclared) the cap
    1 200.00: 3 300.00 against a budget of 3 000.00, a surplus of 300.00.

    Against the flat 750.00 in force: A −150.00, B −450.00, C +450.00, D +450.00.

    Housing cost ratio = (amount + utilities − allowance) ÷ (disposable − allowance):
    A (600 + 100) / 2 000 = 35 %; B (300 + 50 − 100) / (1 000 − 100) = 250/900 = 27.8 %;
    C 1 200 / 5 000 = 24 %; D none. Median 27.8 %, nobody above 40 %.
    Under the flat scheme: A 850/2 000 = 42.5 %, B 700/900 = 77.8 % (both overburdened),
    C 750/5 000 = 15 %: median 42.5 %."""
    simulation = scheme_simulate(project=project, method=DRAFT[0], parameters=DRAFT[1], month=JUNE)

    rows = by_unit(simulation.rows)
    assert list(rows) == ["A", "B", "C", "D"]
    assert {label: row.amount_cents for label, row in rows.items()} == {
        "A": 60_000,
        "B": 30_000,
        "C": 120_000,
        "D": 120_000,
    }
    assert {label: row.current_cents for label, row in rows.items()} == dict.fromkeys(
        "ABCD", 75_000
    )
    assert {label: row.change_cents for label, row in rows.items()} == {
        "A": -15_000,
        "B": -45_000,
        "C": 45_000,
        "D": 45_000,
    }
    assert {label: row.ratio for label, row in rows.items()} == {
        "A": Fraction(35, 100),
        "B": Fraction(250, 900),
        "C": Fraction(24, 100),
        "D": None,
    }
    assert {label: row.overburdened for label, row in rows.items()} == {
        "A": False,
        "B": False,
        "C": False,
        "D": None,
    }
    assert rows["D"].disposable_cents is None and rows["D"].missing_income
    assert rows["B"].disposable_cents == 100_000
    assert rows["B"].housing_allowance_cents == 10_000
    assert rows["C"].line["rule"] == "cap"
    assert (simulation.total_cents, simulation.budget_cents) == (330_000, 300_000)
    assert (simulation.shortfall_cents, simulation.surplus_cents) == (0, 30_000)
    assert "surplus" in simulation.warnings and "missing_income" in simulation.warnings
    assert simulation.overburdened_count == 0
    assert simulation.median_ratio == Fraction(250, 900)
    assert simulation.missing_income_count == 1
    assert simulation.scheme_in_force.method == "flat"
    assert simulation.current_source == "computed"
    assert simulation.current_total_cents == 300_000
    assert simulation.current_overburdened_count == 2
    assert simulation.current_median_ratio == Fraction(425, 1000)
    assert rows["A"].current_ratio == Fraction(85, 200) and rows["A"].current_overburdened
    assert simulation.parameters["missing_income"] == "cap"  # normalised, defaults filled in


def test_a_shortfall_is_shown(project, four):
    """A cap of 1 000.00: 600 + 300 + 1 000 + 1 000 = 2 900.00, 100.00 short of 3 000.00."""
    simulation = scheme_simulate(
        project=project, method=LOWER_CAP[0], parameters=LOWER_CAP[1], month=JUNE
    )

    assert simulation.total_cents == 290_000
    assert (simulation.shortfall_cents, simulation.surplus_cents) == (10_000, 0)
    assert "shortfall" in simulation.warnings and "surplus" not in simulation.warnings


def test_the_solidarity_scheme_covers_the_budget_to_the_cent(project, four):
    simulation = scheme_simulate(
        project=project,
        method="solidarity",
        parameters={"income": "disposable", "cap": "cost_share", "cost_share_percent": "200"},
        month=JUNE,
    )

    assert simulation.total_cents == simulation.budget_cents == 300_000
    assert simulation.rate is not None
    assert (simulation.shortfall_cents, simulation.surplus_cents) == (0, 0)


def test_the_simulation_writes_nothing(project, four):
    models = (
        Budget,
        BudgetLine,
        Charge,
        ChargeRun,
        ContributionScheme,
        Payment,
        Household,
        IncomeDeclaration,
        IncomeAccessLog,
        Resident,
    )
    before = {model: list(model.objects.order_by("pk").values()) for model in models}

    with CaptureQueriesContext(connection) as queries:
        scheme_simulate(project=project, method=DRAFT[0], parameters=DRAFT[1], month=JUNE)
        schemes_compare(project=project, first=DRAFT, second=LOWER_CAP, month=JUNE)

    assert all(query["sql"].lstrip().upper().startswith("SELECT") for query in queries)
    assert {model: list(model.objects.order_by("pk").values()) for model in models} == before


def test_a_charged_month_compares_with_its_charges(project, four):
    """June is charged under the flat scheme (750.00 each); a household moving in on 1 June
    recorded afterwards has no charge: nothing to compare with, though the simulation places
    it. The recomputed flat amount would be 600.00 each (five households); the charges say
    750.00."""
    charges_run(project=project, month=JUNE)
    late = HouseholdFactory(project=project, unit_label="E", move_in=JUNE)

    simulation = scheme_simulate(project=project, method=DRAFT[0], parameters=DRAFT[1], month=JUNE)

    rows = by_unit(simulation.rows)
    assert simulation.current_source == "charges"
    assert {label: row.current_cents for label, row in rows.items()} == {
        **dict.fromkeys("ABCD", 75_000),
        "E": None,
    }
    assert rows["E"].change_cents is None
    assert rows["E"].household == late
    assert rows["E"].amount_cents == 120_000  # undeclared: the cap
    assert simulation.current_total_cents == 300_000


def test_without_a_scheme_in_force_there_is_nothing_to_compare(project):
    household = HouseholdFactory(project=project, unit_label="A")
    IncomeDeclarationFactory(household=household, disposable_monthly_cents=200_000)
    set_budget(project, JUNE, 100_000)

    simulation = scheme_simulate(project=project, method=DRAFT[0], parameters=DRAFT[1], month=JUNE)

    (row,) = simulation.rows
    assert (row.current_cents, row.change_cents) == (None, None)
    assert simulation.scheme_in_force is None
    assert simulation.current_source is None and simulation.current_total_cents is None


def test_the_simulation_charges_what_the_charge_run_would(project, four):
    """A solidarity scheme in force and a household moving in on 15 June (16 of 30 days): the
    simulated amounts of the scheme in force are the charges the run then writes, part month
    prorated, and the gap to the budget is measured on the prorated total."""
    scheme_retire(scheme=project.contribution_schemes.get(), valid_to=dt.date(2025, 5, 31))
    parameters = {"income": "equivalised", "cap": "cost_share", "cost_share_percent": "150"}
    adopted_scheme(project, "solidarity", parameters, valid_from=JUNE, name="Solidarity")
    newcomer = HouseholdFactory(project=project, unit_label="N", move_in=dt.date(2025, 6, 15))
    IncomeDeclarationFactory(
        household=newcomer, valid_from=dt.date(2025, 6, 15), disposable_monthly_cents=300_000
    )

    simulation = scheme_simulate(
        project=project, method="solidarity", parameters=parameters, month=JUNE
    )
    run = charges_run(project=project, month=JUNE)

    charged = dict(run.charges.values_list("household__unit_label", "amount_cents"))
    assert {row.household.unit_label: row.amount_cents for row in simulation.rows} == charged
    rows = by_unit(simulation.rows)
    assert (rows["N"].days, rows["N"].days_in_month) == (16, 30)
    assert rows["N"].amount_cents < rows["N"].full_month_cents
    assert simulation.total_cents == run.total_cents
    assert simulation.shortfall_cents == run.shortfall_cents > 0
    assert {row.change_cents for row in simulation.rows} == {0}  # the same scheme as in force


def test_a_month_without_its_own_budget_uses_the_latest_before_it(project, four):
    simulation = scheme_simulate(project=project, method=DRAFT[0], parameters=DRAFT[1], month=JULY)

    assert simulation.budget.month == JUNE
    assert simulation.budget_cents == 300_000
    assert simulation.month == JULY


def test_next_month_is_simulated_by_default(project, four):
    today = timezone.localdate(timezone=ZoneInfo(project.city.time_zone))
    next_month = add_months(first_of_month(today), 1)

    simulation = scheme_simulate(project=project, method=DRAFT[0], parameters=DRAFT[1])

    assert simulation.month == next_month
    assert len(simulation.rows) == 4


@pytest.mark.parametrize(
    ("month", "reason"),
    [
        (dt.date(2025, 6, 2), "not the first of a month"),
        (dt.date(2024, 12, 1), "no budget at or before it"),
        ("2025-06-01", "not a date"),
    ],
)
def test_a_month_that_cannot_be_simulated_is_refused_on_month(project, four, month, reason):
    with pytest.raises(ValidationError) as error:
        scheme_simulate(project=project, method=DRAFT[0], parameters=DRAFT[1], month=month)

    assert set(error.value.message_dict) == {"month"}, reason


@pytest.mark.parametrize(
    ("method", "parameters", "field"),
    [
        ("income_share", {"rate_percent": "130"}, "parameters.rate_percent"),
        ("income_share", {"rate_percent": "30", "bogus": 1}, "parameters.bogus"),
        ("income_share", {"floor_cents": 10}, "parameters.rate_percent"),
        ("lottery", {}, "method"),
        ("flat", "equal", "parameters"),
    ],
)
def test_a_bad_scheme_is_refused_on_its_field(project, four, method, parameters, field):
    with pytest.raises(ValidationError) as error:
        scheme_simulate(project=project, method=method, parameters=parameters, month=JUNE)

    assert field in error.value.message_dict


def test_a_split_by_size_without_every_size_is_refused_on_its_parameter(project, four):
    Household.objects.filter(unit_label="D").update(unit_area_m2=0)

    with pytest.raises(ValidationError) as error:
        scheme_simulate(
            project=project, method="flat", parameters={"basis": "unit_area"}, month=JUNE
        )

    assert set(error.value.message_dict) == {"parameters.basis"}


def test_without_parameters_the_method_s_defaults_are_simulated(project, four):
    simulation = scheme_simulate(project=project, method="greatest_of", parameters=None, month=JUNE)

    assert simulation.parameters["minimum_cents"] == 5000  # HUD's minimum rent
    assert len(simulation.rows) == 4


# --- Two schemes side by side ------------------------------------------------------------


def test_two_schemes_are_compared_household_by_household(project, four):
    """Caps of 1 200.00 and 1 000.00: A and B pay the same (600.00, 300.00), C and D 200.00
    less under the second; totals 3 300.00 and 2 900.00."""
    comparison = schemes_compare(project=project, first=DRAFT, second=LOWER_CAP, month=JUNE)

    rows = by_unit(comparison.rows)
    assert {label: (r.first_cents, r.second_cents) for label, r in rows.items()} == {
        "A": (60_000, 60_000),
        "B": (30_000, 30_000),
        "C": (120_000, 100_000),
        "D": (120_000, 100_000),
    }
    assert {label: r.difference_cents for label, r in rows.items()} == {
        "A": 0,
        "B": 0,
        "C": -20_000,
        "D": -20_000,
    }
    assert rows["C"].first_ratio == Fraction(120_000, 500_000)
    assert rows["C"].second_ratio == Fraction(100_000, 500_000)
    assert rows["D"].first_ratio is rows["D"].second_ratio is None
    assert rows["A"].current_cents == 75_000
    assert (comparison.first.total_cents, comparison.second.total_cents) == (330_000, 290_000)
    assert comparison.first.surplus_cents == 30_000
    assert comparison.second.shortfall_cents == 10_000
    assert comparison.difference_cents == -40_000
    assert comparison.month == JUNE


def test_a_comparison_names_the_scheme_at_fault(project, four):
    with pytest.raises(ValidationError) as error:
        schemes_compare(
            project=project,
            first=("flat", {"basis": "equal"}),
            second=("income_share", {"rate_percent": "-3"}),
            month=JUNE,
        )

    assert set(error.value.message_dict) == {"second.parameters.rate_percent"}


# --- Queries -----------------------------------------------------------------------------


def test_a_simulation_and_a_comparison_read_a_constant_number_of_queries(
    project, django_assert_max_num_queries
):
    adopted_scheme(project, "flat", {"basis": "equal"})
    set_budget(project, JUNE, 300_000)

    def add(count: int) -> None:
        for _ in range(count):
            household = HouseholdFactory(project=project)
            ResidentFactory(household=household, birth_year=1980)
            ResidentFactory(household=household, birth_year=2015)
            IncomeDeclarationFactory(household=household)
            IncomeDeclarationFactory(household=household, valid_from=dt.date(2025, 5, 1))

    add(3)
    with django_assert_max_num_queries(8) as few:
        scheme_simulate(project=project, method=DRAFT[0], parameters=DRAFT[1], month=JUNE)
    with django_assert_max_num_queries(len(few)):
        schemes_compare(project=project, first=DRAFT, second=LOWER_CAP, month=JUNE)
    add(27)

    with django_assert_max_num_queries(len(few)):
        simulation = scheme_simulate(
            project=project, method=DRAFT[0], parameters=DRAFT[1], month=JUNE
        )
    with django_assert_max_num_queries(len(few)):
        comparison = schemes_compare(project=project, first=DRAFT, second=LOWER_CAP, month=JUNE)

    assert len(simulation.rows) == len(comparison.rows) == 30
    charges_run(project=project, month=JUNE)
    with django_assert_max_num_queries(len(few)):
        assert (
            scheme_simulate(
                project=project, method=DRAFT[0], parameters=DRAFT[1], month=JUNE
            ).current_source
            == "charges"
        )
