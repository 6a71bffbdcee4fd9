"""Affordability from what households were charged: each household's month (housing cost ratio,
overburden, the 30 % rule, equivalised income, poverty risk, residual income), each month's rates
and median for the project, the histogram; households without income counted apart; a fixed
number of queries."""

import datetime as dt
from fractions import Fraction

import pytest
from django.core.exceptions import ValidationError

from community.money.affordability import household_affordability as formulas
from community.money.selectors.affordability import (
    household_affordability,
    median_ratio,
    project_affordability,
)
from community.money.services.charges import charges_run
from members.models import City
from tests.community.factories import adopted_scheme, set_budget
from tests.factories import (
    CityFactory,
    HouseholdFactory,
    IncomeDeclarationFactory,
    ProjectFactory,
    ResidentFactory,
)

pytestmark = pytest.mark.django_db

MARCH, APRIL, MAY, JUNE, JULY = (dt.date(2025, month, 1) for month in (3, 4, 5, 6, 7))


def by_unit(rows) -> dict:
    return {row.household.unit_label: row for row in rows}


@pytest.fixture
def project():
    # National median equivalised disposable income 20 000.00 a year: at risk of poverty below
    # 60 % of it, 12 000.00 a year, 1 000.00 a month equivalised.
    return ProjectFactory(city=CityFactory(median_equivalised_income_cents=2_000_000))


@pytest.fixture
def charged(project):
    """Four households charged a flat 750.00 each (budget 3 000.00) in April, May and June 2025.

    - A: one adult; 1 500.00 disposable (1 800.00 gross) until May, 2 500.00 (3 000.00 gross)
      from June; pays 100.00 of utilities itself.
    - B: a parent and a child of 10 (modified OECD scale 1 + 0.3 = 1.3); 1 000.00 disposable
      of which 100.00 is a housing allowance, 1 100.00 gross; 50.00 of utilities.
    - C: a couple (scale 1.5); 5 000.00 disposable, 6 500.00 gross.
    - D: one adult, no income declaration.
    """
    households = {}
    for label, utilities, born in (
        ("A", 10_000, (1985,)),
        ("B", 5_000, (1985, 2015)),
        ("C", 0, (1960, 1962)),
        ("D", 0, (1990,)),
    ):
        households[label] = HouseholdFactory(
            project=project, unit_label=label, utilities_monthly_cents=utilities
        )
        for year in born:
            ResidentFactory(household=households[label], birth_year=year)
    IncomeDeclarationFactory(
        household=households["A"], disposable_monthly_cents=150_000, gross_monthly_cents=180_000
    )
    IncomeDeclarationFactory(
        household=households["A"],
        valid_from=JUNE,
        disposable_monthly_cents=250_000,
        gross_monthly_cents=300_000,
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
    for month in (APRIL, MAY, JUNE):
        set_budget(project, month, 300_000)
        charges_run(project=project, month=month)
    return households


# --- One household's month -----------------------------------------------------------------


def test_each_household_s_figures_in_the_latest_month(project, charged):
    """June, each charged 750.00:
    - A: costs 750 + 100 = 850.00; ratio 850/2 500 = 34 % (not above 40 %); 850/3 000 = 28.3 %
      of gross (under 30 %); equivalised 2 500.00 (÷ 1), √1; residual 1 650.00.
    - B: costs 800.00, net of the allowance 700.00; ratio 700/900 = 77.8 %, overburdened;
      700/1 100 = 63.6 % of gross: cost burdened and severely; equivalised 1 000/1.3 =
      769.23 a month, 9 230.77 a year, under the 12 000.00 line: at risk of poverty;
      ÷ √2 = 707.11; residual 1 000 − 800 = 200.00.
    - C: 750/5 000 = 15 %; 750/6 500 = 11.5 %; equivalised 5 000/1.5 = 3 333.33.
    - D: no declaration: no ratio, no income figure, nothing guessed."""
    affordability = project_affordability(project=project, months=3, until=JUNE)

    assert affordability.latest_month == JUNE
    rows = by_unit(affordability.latest_rows)
    assert list(rows) == ["A", "B", "C", "D"]
    a, b, c, d = rows["A"], rows["B"], rows["C"], rows["D"]
    assert (a.housing_cost_cents, a.ratio, a.overburdened) == (85_000, Fraction(34, 100), False)
    assert (a.thirty_rule, a.severely_burdened) == (False, False)
    assert (a.equivalised_cents, a.equivalised_sqrt_cents) == (250_000, 250_000)
    assert (a.at_risk_of_poverty, a.residual_cents) == (False, 165_000)
    assert (b.housing_cost_cents, b.ratio, b.overburdened) == (80_000, Fraction(7, 9), True)
    assert (b.thirty_rule, b.severely_burdened) == (True, True)
    assert b.gross_ratio == Fraction(70_000, 110_000)
    assert (b.equivalised_cents, b.equivalised_sqrt_cents) == (76_923, 70_711)
    assert (b.at_risk_of_poverty, b.residual_cents) == (True, 20_000)
    assert (b.housing_allowance_cents, b.utilities_cents, b.residents) == (10_000, 5_000, 2)
    assert (c.ratio, c.thirty_rule, c.equivalised_cents) == (Fraction(15, 100), False, 333_333)
    assert c.at_risk_of_poverty is False
    assert not d.declared
    assert (d.disposable_cents, d.ratio, d.overburdened) == (None, None, None)
    assert (d.thirty_rule, d.equivalised_cents, d.at_risk_of_poverty) == (None, None, None)
    assert d.housing_cost_cents == d.charge_cents == 75_000


def test_each_month_s_rates_median_and_trend(project, charged):
    """A is overburdened in April and May (850/1 500 = 56.7 %, 850/1 800 = 47.2 % of gross)
    and not in June; B always; C never; D is never measured.

    April and May: 2 of 3 measured households overburdened; their residents 1 + 2 of 5; median
    of 15 %, 56.7 %, 77.8 % is 56.7 %; the 30 % rule A and B: 2/3; severely B: 1/3; at risk
    B: 1/3 (A's 1 500.00 a year is 18 000.00, above the line).
    June: B only: 1/3 of households, 2 of 5 residents; median of 15 %, 34 %, 77.8 % is 34 %.
    March has no charges: nothing to measure, no rate."""
    affordability = project_affordability(project=project, months=4, until=JUNE)

    assert [figures.month for figures in affordability.months] == [MARCH, APRIL, MAY, JUNE]
    assert (affordability.start, affordability.until) == (MARCH, JUNE)
    march, april, may, june = affordability.months
    assert (march.households, march.measured, march.overburden_rate) == (0, 0, None)
    assert march.median_ratio is None and march.at_risk_rate is None
    for spring in (april, may):
        assert (spring.households, spring.measured, spring.no_income) == (4, 3, 1)
        assert spring.overburden_rate == Fraction(2, 3)
        assert spring.overburden_rate_residents == Fraction(3, 5)
        assert spring.median_ratio == Fraction(85_000, 150_000)
        assert spring.thirty_rule_rate == Fraction(2, 3)
        assert spring.severe_rate == Fraction(1, 3)
        assert spring.at_risk_rate == Fraction(1, 3)
    assert (june.households, june.measured, june.no_income, june.overburdened) == (4, 3, 1, 1)
    assert june.overburden_rate == Fraction(1, 3)
    assert (june.residents, june.overburdened_residents) == (5, 2)
    assert june.overburden_rate_residents == Fraction(2, 5)
    assert june.median_ratio == Fraction(34, 100)
    assert june.thirty_rule_rate == Fraction(1, 3)
    assert june.at_risk_rate == Fraction(1, 3)
    assert affordability.latest == june


def test_the_histogram_of_the_latest_month(project, charged):
    """June: C 15 % in 10–20 %, A 34 % in 30–40 %, B 77.8 % above 60 %, D apart."""
    histogram = project_affordability(project=project, months=3, until=JUNE).histogram

    assert [(lower, upper, count) for _label, lower, upper, count in histogram] == [
        (Fraction(0), Fraction(1, 10), 0),
        (Fraction(1, 10), Fraction(2, 10), 1),
        (Fraction(2, 10), Fraction(3, 10), 0),
        (Fraction(3, 10), Fraction(4, 10), 1),
        (Fraction(4, 10), Fraction(5, 10), 0),
        (Fraction(5, 10), Fraction(6, 10), 0),
        (Fraction(6, 10), None, 1),
        (None, None, 1),
    ]
    assert [label for label, *_rest in histogram] == [
        "0–10%",
        "10–20%",
        "20–30%",
        "30–40%",
        "40–50%",
        "50–60%",
        "> 60%",
        "No income declared",
    ]


def test_a_ratio_of_exactly_40_percent_is_not_overburdened(project):
    """800.00 of 2 000.00 is 40 %, not above it: in the 30–40 % bin, and the bins above 40 %
    count exactly the overburdened households."""
    household = HouseholdFactory(project=project, unit_label="A")
    IncomeDeclarationFactory(household=household, disposable_monthly_cents=200_000)
    adopted_scheme(project, "flat", {"basis": "equal"})
    set_budget(project, JUNE, 80_000)
    charges_run(project=project, month=JUNE)

    affordability = project_affordability(project=project, months=1, until=JUNE)

    (row,) = affordability.latest_rows
    assert (row.ratio, row.overburdened) == (Fraction(2, 5), False)
    assert affordability.months[-1].overburden_rate == 0
    assert [count for *_rest, count in affordability.histogram] == [0, 0, 0, 1, 0, 0, 0, 0]


def test_a_part_month_is_judged_on_the_whole_month_s_charge(project):
    """Moving in on 16 June (15 of 30 days) the household is charged 300.00 of 600.00; its
    ratio is 600/2 000 = 30 %, not 15 %."""
    household = HouseholdFactory(project=project, unit_label="A", move_in=dt.date(2025, 6, 16))
    IncomeDeclarationFactory(
        household=household, valid_from=dt.date(2025, 6, 16), disposable_monthly_cents=200_000
    )
    adopted_scheme(project, "flat", {"basis": "equal"})
    set_budget(project, JUNE, 60_000)
    charges_run(project=project, month=JUNE)

    (row,) = project_affordability(project=project, months=1, until=JUNE).latest_rows

    assert (row.charged_cents, row.charge_cents) == (30_000, 60_000)
    assert row.ratio == Fraction(3, 10)


def test_without_a_national_median_nobody_is_said_to_be_at_risk(project, charged):
    City.objects.filter(pk=project.city_id).update(median_equivalised_income_cents=None)
    project.city.refresh_from_db()

    affordability = project_affordability(project=project, months=1, until=JUNE)

    assert {row.at_risk_of_poverty for row in affordability.latest_rows} == {None}
    assert affordability.months[-1].at_risk_rate is None
    assert affordability.months[-1].overburden_rate == Fraction(1, 3)


def test_the_monthly_rates_agree_with_every_household_s_figures(project, charged):
    """The trend skips the incomes it does not need; its rates must still be those of the full
    figures of every household-month."""
    affordability = project_affordability(project=project, months=3, until=JUNE)
    series = {
        label: household_affordability(household=household, months=3, until=JUNE)
        for label, household in charged.items()
    }

    for figures in affordability.months:
        rows = [row for one in series.values() for row in one if row.month == figures.month]
        measured = [row for row in rows if row.ratio is not None]
        gross = [row for row in rows if row.thirty_rule is not None]
        risk = [row for row in rows if row.at_risk_of_poverty is not None]
        assert figures.households == len(rows)
        assert figures.overburden_rate == Fraction(
            sum(1 for row in measured if row.overburdened), len(measured)
        )
        assert figures.median_ratio == median_ratio([row.ratio for row in measured])
        assert figures.thirty_rule_rate == Fraction(
            sum(1 for row in gross if row.thirty_rule), len(gross)
        )
        assert figures.severe_rate == Fraction(
            sum(1 for row in gross if row.severely_burdened), len(gross)
        )
        assert figures.at_risk_rate == Fraction(
            sum(1 for row in risk if row.at_risk_of_poverty), len(risk)
        )


# --- A household's own figures ---------------------------------------------------------------


def test_a_household_sees_its_own_months(project, charged):
    """A over April–June: 56.7 % twice, then 34 % once its June declaration counts."""
    series = household_affordability(household=charged["A"], months=3, until=JUNE)

    assert [row.month for row in series] == [APRIL, MAY, JUNE]
    assert [row.ratio for row in series] == [
        Fraction(85, 150),
        Fraction(85, 150),
        Fraction(34, 100),
    ]
    assert [row.overburdened for row in series] == [True, True, False]
    assert series.latest.month == JUNE and len(series) == 3
    assert {row.household for row in series} == {charged["A"]}
    assert (
        series.latest
        == by_unit(project_affordability(project=project, months=1, until=JUNE).latest_rows)["A"]
    )


def test_the_figures_are_those_of_the_formulas(project, charged):
    row = household_affordability(household=charged["B"], months=1, until=JUNE).latest
    expected = formulas(
        charge_cents=75_000,
        utilities_cents=5_000,
        housing_allowance_cents=10_000,
        disposable_cents=100_000,
        gross_cents=110_000,
        ages=[40, 10],
        poverty_line_annual_cents=2_000_000,
    )

    assert row.ratio == expected.ratio
    assert row.equivalised_cents == expected.equivalised_cents
    assert row.equivalised_sqrt_cents == expected.equivalised_sqrt_cents
    assert row.residual_cents == expected.residual_cents


# --- Input and queries -----------------------------------------------------------------------


@pytest.mark.parametrize(
    ("arguments", "field"),
    [
        ({"months": 0}, "months"),
        ({"months": 121}, "months"),
        ({"months": "12"}, "months"),
        ({"until": dt.date(2025, 6, 15)}, "until"),
        ({"until": "2025-06-01"}, "until"),
    ],
)
def test_a_bad_window_is_refused_on_its_field(project, arguments, field):
    with pytest.raises(ValidationError) as error:
        project_affordability(project=project, **arguments)

    assert set(error.value.message_dict) == {field}


def test_the_current_month_is_the_default_end(project):
    affordability = project_affordability(project=project)

    assert len(affordability.months) == 12
    assert affordability.latest_month is None and affordability.latest_rows == []
    assert affordability.histogram[-1].count == 0


def test_the_figures_read_a_constant_number_of_queries(project, django_assert_max_num_queries):
    adopted_scheme(project, "solidarity", {"income": "equivalised", "cap": "cost_share"})
    for month in (APRIL, MAY, JUNE, JULY):
        set_budget(project, month, 500_000)

    def add(count: int) -> list:
        households = []
        for _ in range(count):
            household = HouseholdFactory(project=project, utilities_monthly_cents=8_000)
            ResidentFactory(household=household, birth_year=1980)
            ResidentFactory(household=household, birth_year=2016)
            IncomeDeclarationFactory(household=household)
            IncomeDeclarationFactory(household=household, valid_from=MAY)
            households.append(household)
        return households

    first = add(3)
    for month in (APRIL, MAY):
        charges_run(project=project, month=month)
    with django_assert_max_num_queries(6) as few:
        project_affordability(project=project, months=2, until=MAY)
    with django_assert_max_num_queries(5):
        household_affordability(household=first[0], months=2, until=MAY)

    add(27)
    for month in (JUNE, JULY):
        charges_run(project=project, month=month)
    with django_assert_max_num_queries(len(few)):
        large = project_affordability(project=project, months=4, until=JULY)

    assert [figures.households for figures in large.months] == [3, 3, 30, 30]
    assert len(large.latest_rows) == 30
