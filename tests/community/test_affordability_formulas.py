"""The affordability formulas of DESIGN.md §4, worked by hand: equivalence scales, the
Eurostat housing cost ratio and overburden, the US 30 % rule, poverty risk, residual income.

Pure functions, so no database and no cache: plain pytest.
"""

from decimal import Decimal
from fractions import Fraction as F

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from common.equivalence import equivalised_income_cents, modified_oecd_scale, square_root_scale
from community.money.affordability import (
    OVERBURDEN_THRESHOLD,
    POVERTY_LINE_SHARE,
    SEVERE_BURDEN,
    THIRTY_PERCENT_RULE,
    household_affordability,
    housing_cost_ratio,
    median,
)
from tests.properties import examples

PROPERTY = settings(database=None, max_examples=examples(200), deadline=None)


@pytest.fixture(autouse=True)
def _clean_cache():
    """Replaces the suite-wide fixture that clears Redis: these tests touch no cache."""
    yield


def test_thresholds():
    assert OVERBURDEN_THRESHOLD == F(2, 5)
    assert THIRTY_PERCENT_RULE == F(3, 10)
    assert SEVERE_BURDEN == F(1, 2)
    assert POVERTY_LINE_SHARE == F(3, 5)


@pytest.mark.parametrize(
    ("ages", "scale"),
    [
        ([40], F(1)),  # one adult
        ([40, 38], F(3, 2)),  # 1 + 0.5
        ([40, 38, 10, 6], F(21, 10)),  # 1 + 0.5 + 0.3 + 0.3
        ([40, 14], F(3, 2)),  # 14 counts as an adult
        ([40, 13], F(13, 10)),  # 13 is a child
        ([70, 68, 45], F(2)),  # 1 + 0.5 + 0.5
        ([16], F(1)),
        ([12, 5], F(13, 10)),  # minors only: the first child is the head
        ([], F(1)),
    ],
)
def test_modified_oecd_scale(ages, scale):
    assert modified_oecd_scale(ages=ages) == scale


def test_equivalised_income_divides_by_the_modified_oecd_scale_to_the_cent():
    # Two adults and two children (scale 2.1) with 3 000.00: 1 428.571… → 1 428.57; two adults
    # (1.5) with 1 000.01: 666.67333… → 666.67; one adult keeps the whole 1 234.56.
    assert equivalised_income_cents(disposable_cents=300000, ages=[40, 38, 10, 6]) == 142857
    assert equivalised_income_cents(disposable_cents=100001, ages=[40, 38]) == 66667
    assert equivalised_income_cents(disposable_cents=123456, ages=[40]) == 123456
    # Half to even: three adults (scale 2) with 5 cents have 2.5 cents each → 2.
    assert equivalised_income_cents(disposable_cents=5, ages=[40, 40, 40]) == 2


def test_square_root_scale_of_the_oecd_affordable_housing_database():
    assert square_root_scale(size=4) == 2
    assert square_root_scale(size=1) == 1
    root_two = square_root_scale(size=2)
    assert isinstance(root_two, Decimal)
    assert str(root_two).startswith("1.41421356237309504880")
    with pytest.raises(ValueError):
        square_root_scale(size=0)


def test_housing_cost_ratio_net_of_allowances():
    # 800.00 of 2 000.00 = 40 %.
    assert housing_cost_ratio(housing_cost_cents=80000, disposable_cents=200000) == F(2, 5)
    # With a 200.00 allowance: (800 − 200) / (2 000 − 200) = 600 / 1 800 = 1/3.
    ratio = housing_cost_ratio(
        housing_cost_cents=80000, disposable_cents=200000, housing_allowance_cents=20000
    )
    assert ratio == F(1, 3)


def test_housing_cost_ratio_without_income_or_with_an_allowance_above_the_cost():
    assert housing_cost_ratio(housing_cost_cents=50000, disposable_cents=0) is None
    assert (
        housing_cost_ratio(
            housing_cost_cents=50000, disposable_cents=30000, housing_allowance_cents=30000
        )
        is None
    )
    assert (
        housing_cost_ratio(
            housing_cost_cents=10000, disposable_cents=100000, housing_allowance_cents=20000
        )
        == 0
    )


def family(**overrides):
    arguments = {
        "charge_cents": 70000,
        "utilities_cents": 15000,
        "housing_allowance_cents": 5000,
        "disposable_cents": 200000,
        "gross_cents": 260000,
        "ages": [40, 38, 10, 6],
        "poverty_line_annual_cents": 2000000,
    }
    return household_affordability(**{**arguments, **overrides})


def test_a_family_in_overburden():
    result = family()
    # Housing cost 700 + 150 = 850.00; net of the 50.00 allowance 800.00, over an income net of
    # it of 1 950.00: 800 / 1 950 = 16/39 = 41.0 % > 40 % → overburdened.
    assert result.housing_cost_cents == 85000
    assert result.ratio == F(16, 39)
    assert result.overburdened is True
    # US rule on gross income: 800 / 2 600 = 4/13 = 30.8 % > 30 %, not above 50 %.
    assert result.gross_ratio == F(4, 13)
    assert result.thirty_percent_rule is True
    assert result.severely_burdened is False
    # Equivalised: 2 000.00 / 2.1 = 952.380… → 952.38; √4 = 2 → 1 000.00 (HC1.2).
    assert result.equivalised_cents == 95238
    assert result.equivalised_sqrt_cents == 100000
    # 12 × 952.38… = 11 428.57 a year < 60 % × 20 000.00 = 12 000.00 → at risk of poverty.
    assert result.at_risk_of_poverty is True
    # 2 000.00 − 850.00 left after housing.
    assert result.residual_cents == 115000


def test_exactly_forty_percent_is_not_overburden():
    # (800 − 0) / 2 000 = 40 % exactly: Eurostat counts a ratio above 40 %.
    result = family(housing_allowance_cents=0, charge_cents=65000, gross_cents=400000)
    assert result.ratio == F(2, 5)
    assert result.overburdened is False
    assert result.thirty_percent_rule is False  # 800 / 4 000 = 20 %


def test_severe_burden_above_half_of_gross_income():
    result = family(charge_cents=150000, gross_cents=250000)
    # (1 500 + 150 − 50) / 2 500 = 64 %.
    assert result.gross_ratio == F(16, 25)
    assert result.severely_burdened is True


def test_poverty_risk_needs_the_citys_median():
    assert family(poverty_line_annual_cents=None).at_risk_of_poverty is None
    # 11 428.57 a year against 60 % of 15 000.00 = 9 000.00: not at risk.
    assert family(poverty_line_annual_cents=1500000).at_risk_of_poverty is False


def test_an_unknown_income_gives_no_figure_but_the_cost():
    result = family(disposable_cents=None, gross_cents=None)
    assert result.housing_cost_cents == 85000
    assert result.ratio is None
    assert result.overburdened is None
    assert result.thirty_percent_rule is None
    assert result.equivalised_cents is None
    assert result.equivalised_sqrt_cents is None
    assert result.at_risk_of_poverty is None
    assert result.residual_cents is None


def test_no_income_gives_no_ratio_but_a_negative_residual():
    result = family(disposable_cents=0, gross_cents=0, housing_allowance_cents=0)
    assert result.ratio is None
    assert result.gross_ratio is None
    assert result.equivalised_cents == 0
    assert result.at_risk_of_poverty is True
    assert result.residual_cents == -85000


def test_median():
    assert median([]) is None
    assert median([F(1, 3)]) == F(1, 3)
    assert median([3, 1]) == 2
    # Sorted: 1/3, 2/5, 1/2, 1 → the mean of 2/5 and 1/2 = 9/20.
    assert median([1, F(1, 2), F(1, 3), F(2, 5)]) == F(9, 20)
    assert median([F(1, 2), F(1, 3), F(2, 5)]) == F(2, 5)


@PROPERTY
@given(
    cost=st.integers(min_value=0, max_value=10**7),
    income=st.integers(min_value=1, max_value=10**7),
    allowance=st.integers(min_value=0, max_value=10**6),
)
def test_overburden_is_exactly_a_ratio_above_forty_percent(cost, income, allowance):
    result = household_affordability(
        charge_cents=cost,
        utilities_cents=0,
        housing_allowance_cents=allowance,
        disposable_cents=income,
        gross_cents=income,
        ages=[30],
        poverty_line_annual_cents=None,
    )
    if income <= allowance:
        assert result.ratio is None
    else:
        assert result.overburdened == (5 * max(cost - allowance, 0) > 2 * (income - allowance))


def test_the_us_rules_count_a_ratio_above_thirty_and_fifty_percent():
    # A ratio of exactly 30 % or 50 % of gross income is not above it.
    exactly_thirty = family(charge_cents=83000, gross_cents=310000)  # 930 / 3 100 = 30 %
    assert exactly_thirty.gross_ratio == F(3, 10)
    assert exactly_thirty.thirty_percent_rule is False
    exactly_half = family(gross_cents=160000)
    assert exactly_half.gross_ratio == F(1, 2)
    assert exactly_half.severely_burdened is False


def test_exactly_at_the_poverty_line_is_not_at_risk():
    # A single adult with 1 000.00 a month: 12 000.00 a year, exactly 60 % of 20 000.00.
    result = family(ages=[40], disposable_cents=100000)
    assert result.equivalised_cents == 100000
    assert result.at_risk_of_poverty is False


def test_an_allowance_above_the_cost_leaves_no_negative_cost():
    result = family(charge_cents=0, utilities_cents=0, housing_allowance_cents=5000)
    assert result.ratio == 0
    assert result.gross_ratio == 0


def test_a_household_without_residents_is_counted_as_one_person():
    result = family(ages=[], disposable_cents=100000)
    assert result.equivalised_cents == 100000
    assert result.equivalised_sqrt_cents == 100000
