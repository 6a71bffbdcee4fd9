"""The contribution methods of DESIGN.md §4: hand-worked examples for every method (the
arithmetic in the comments), HUD's Total Tenant Payment, parameter validation, shortfall and
surplus, and properties of the cost-covering solidarity run.

Pure functions, so no database and no cache: plain pytest.
"""

import json
import time
from decimal import Decimal
from fractions import Fraction as F

import pytest
from django.core.exceptions import ValidationError
from hypothesis import assume, given, settings
from hypothesis import strategies as st

from common.money import cents_half_even
from community.money.contribution_methods import (
    HouseholdFacts,
    compute_contributions,
    largest_remainder,
)
from community.money.contribution_parameters import (
    HUD_DEFAULTS,
    Method,
    default_parameters,
    scheme_parameter_errors,
    scheme_parameters_normalised,
    validate_parameters,
)
from tests.properties import examples

# Hypothesis writes no example database into the working tree.
PROPERTY = settings(database=None, max_examples=examples(200), deadline=None)


@pytest.fixture(autouse=True)
def _clean_cache():
    """Replaces the suite-wide fixture that clears Redis: these tests touch no cache."""
    yield


def facts(key, disposable=None, gross=None, *, scale=1, area=None, **extra) -> HouseholdFacts:
    return HouseholdFacts(
        key=key,
        disposable_cents=disposable,
        gross_cents=gross,
        equivalence_scale=F(scale),
        unit_area_m2=None if area is None else Decimal(area),
        **extra,
    )


def compute(method, parameters, households, budget=0):
    return compute_contributions(
        method=method, parameters=parameters, households=households, budget_cents=budget
    )


def refusal(method, parameters) -> dict[str, list[str]]:
    """The codes of a refused set of parameters, by parameter."""
    with pytest.raises(ValidationError) as exc_info:
        validate_parameters(method, parameters)
    return {
        field: [error.code for error in errors]
        for field, errors in exc_info.value.error_dict.items()
    }


# --- rounding ---------------------------------------------------------------------------------


def test_cents_round_half_to_even():
    assert cents_half_even(F(5, 2)) == 2  # 2.5 → 2 (even)
    assert cents_half_even(F(7, 2)) == 4  # 3.5 → 4 (even)
    assert cents_half_even(F(-5, 2)) == -2
    assert cents_half_even(F(1, 3)) == 0
    assert cents_half_even(F(2, 3)) == 1
    assert cents_half_even(Decimal("40687.5")) == 40688
    assert cents_half_even(7) == 7


def test_largest_remainder_gives_the_leftover_cent_to_the_smallest_key_on_a_tie():
    # 10 000 / 3 = 3 333.33… each: 3 333 × 3 = 9 999, the leftover cent goes to key 1.
    assert largest_remainder({3: 1, 1: 1, 2: 1}, 10000) == {3: 3333, 1: 3334, 2: 3333}


def test_largest_remainder_gives_the_leftover_to_the_largest_remainder():
    # 100 in proportion 1 : 2 → 33.33… and 66.66…: floors 33 + 66 = 99, 0.67 > 0.33 → b.
    assert largest_remainder({"a": F(1), "b": F(2)}, 100) == {"a": 33, "b": 67}


def test_largest_remainder_refuses_what_cannot_be_shared():
    assert largest_remainder({}, 0) == {}
    assert largest_remainder({"a": 0, "b": 0}, 0) == {"a": 0, "b": 0}
    with pytest.raises(ValueError):
        largest_remainder({"a": 0}, 1)
    with pytest.raises(ValueError):
        largest_remainder({}, 1)
    with pytest.raises(ValueError):
        largest_remainder({"a": -1, "b": 2}, 10)
    with pytest.raises(ValueError):
        largest_remainder({"a": 1}, -10)


@PROPERTY
@given(
    weights=st.lists(
        st.fractions(min_value=0, max_value=1000, max_denominator=1000), min_size=1, max_size=40
    ),
    total=st.integers(min_value=0, max_value=10**9),
)
def test_largest_remainder_sums_exactly_and_stays_within_a_cent(weights, total):
    assume(sum(weights) > 0)
    shares = dict(enumerate(weights))
    amounts = largest_remainder(shares, total)
    assert sum(amounts.values()) == total
    for key, weight in shares.items():
        exact = total * weight / sum(weights)
        assert exact - 1 < amounts[key] < exact + 1


# --- flat -------------------------------------------------------------------------------------


def test_flat_equal_split_covers_the_budget_to_the_cent():
    # 100.00 among 3: 33.33 each and one cent left, for the smallest key.
    households = [facts(2), facts(1), facts(3)]
    result = compute("flat", {"basis": "equal"}, households, budget=10000)
    assert result.amounts == {2: 3333, 1: 3334, 3: 3333}
    assert result.total_cents == 10000
    assert (result.shortfall_cents, result.surplus_cents) == (0, 0)
    assert result.lines[1] == {"rule": "flat", "basis": "equal", "amount_cents": 3334}


def test_flat_split_by_unit_area():
    # 1 000.00 over 50 + 75 + 100 = 225 m²: 222.222…, 333.333…, 444.444… →
    # 222.22 + 333.33 + 444.44 = 999.99, the leftover cent to the largest remainder (0.444…).
    households = [facts(1, area="50"), facts(2, area="75.0"), facts(3, area="100")]
    result = compute("flat", {"basis": "unit_area"}, households, budget=100000)
    assert result.amounts == {1: 22222, 2: 33333, 3: 44445}
    assert result.lines[2]["unit_area_m2"] == "75.0"
    # An area given in exponent notation still reads as a plain number.
    result = compute("flat", {"basis": "unit_area"}, [facts(1, area="1E+2")], budget=100)
    assert result.lines[1]["unit_area_m2"] == "100"


def test_flat_by_unit_area_needs_every_unit_size():
    households = [facts(1, area="50"), facts(2)]
    with pytest.raises(ValidationError) as exc_info:
        compute("flat", {"basis": "unit_area"}, households, budget=100000)
    assert exc_info.value.error_dict["basis"][0].code == "missing_unit_area"
    assert exc_info.value.message_dict == {
        "basis": ["Splitting by unit size needs the size of every unit; 1 households have none."]
    }
    # The cost share split by unit size names its own parameter.
    parameters = {"rate_percent": "30", "cap": "cost_share", "cost_share_basis": "unit_area"}
    with pytest.raises(ValidationError) as exc_info:
        compute("income_share", parameters, [facts(1, 100, area="50"), facts(2, 100)], 100000)
    assert [error.code for error in exc_info.value.error_dict["cost_share_basis"]] == [
        "missing_unit_area"
    ]


def test_flat_without_households_reports_the_whole_budget_as_shortfall():
    result = compute("flat", {"basis": "equal"}, [], budget=5000)
    assert result.amounts == {}
    assert result.shortfall_cents == 5000
    assert result.warnings == ("no_households", "shortfall")


# --- income share -----------------------------------------------------------------------------

SHARE = {"rate_percent": "30", "floor_cents": 10000, "cap_cents": 60000}


def test_income_share_clamps_to_floor_and_cap_and_reports_the_shortfall():
    households = [
        facts(1, 0),  # 30 % of 0 = 0 → floor 100.00
        facts(2, 150000),  # 30 % of 1 500.00 = 450.00
        facts(3, 300000),  # 30 % of 3 000.00 = 900.00 → cap 600.00
        facts(4, None),  # no declaration → pays the cap, 600.00
    ]
    result = compute("income_share", SHARE, households, budget=200000)
    assert result.amounts == {1: 10000, 2: 45000, 3: 60000, 4: 60000}
    # 100 + 450 + 600 + 600 = 1 750.00 against a budget of 2 000.00.
    assert result.total_cents == 175000
    assert (result.shortfall_cents, result.surplus_cents) == (25000, 0)
    assert result.warnings == ("missing_income", "shortfall")
    assert [result.lines[key]["rule"] for key in (1, 2, 3, 4)] == [
        "floor",
        "rate",
        "cap",
        "missing_income",
    ]
    assert result.lines[3] == {
        "rule": "cap",
        "income_cents": 300000,
        "rate": "0.3",
        "base_cents": 90000,
        "floor_cents": 10000,
        "cap_cents": 60000,
        "amount_cents": 60000,
    }
    assert result.rate is None


def test_income_share_at_exactly_the_floor_or_the_cap_is_the_rate():
    # 30 % of 333.33 = 99.999 → 100.00, the floor itself; 30 % of 2 000.00 = 600.00, the cap.
    result = compute("income_share", SHARE, [facts(1, 33333), facts(2, 200000)])
    assert result.amounts == {1: 10000, 2: 60000}
    assert [result.lines[key]["rule"] for key in (1, 2)] == ["rate", "rate"]


def test_income_share_without_a_cap_charges_the_cost_share_without_a_declaration():
    households = [facts(1, 100000), facts(2, None)]
    result = compute("income_share", {"rate_percent": "30"}, households, budget=60000)
    # Cost share 600.00 / 2 = 300.00.
    assert result.amounts == {1: 30000, 2: 30000}
    assert result.lines[2] == {
        "rule": "missing_income",
        "treatment": "cap",
        "amount_cents": 30000,
        "cost_share_cents": 30000,
    }


def test_income_share_reports_a_surplus_above_the_budget():
    result = compute("income_share", SHARE, [facts(1, 150000), facts(2, 300000)], budget=90000)
    # 450 + 600 = 1 050.00 for a budget of 900.00.
    assert (result.total_cents, result.surplus_cents, result.shortfall_cents) == (105000, 15000, 0)
    assert result.warnings == ("surplus",)


def test_income_share_rounds_each_amount_half_even():
    parameters = {"rate_percent": "30"}
    result = compute("income_share", parameters, [facts(1, 12345), facts(2, 12335)])
    # 0.3 × 123.45 = 37.035 → 37.04 (…03.5 rounds to the even 04); 0.3 × 123.35 = 37.005 → 37.00.
    assert result.amounts == {1: 3704, 2: 3700}


def test_income_share_capped_at_the_cost_share():
    parameters = {"rate_percent": "30", "cap": "cost_share"}
    households = [facts(1, 50000), facts(2, 200000), facts(3, None)]
    result = compute("income_share", parameters, households, budget=90000)
    # Cost share 900.00 / 3 = 300.00: 150.00; 600.00 → 300.00; no declaration → 300.00.
    assert result.amounts == {1: 15000, 2: 30000, 3: 30000}
    assert result.shortfall_cents == 15000


def test_income_share_can_treat_a_missing_declaration_as_no_income():
    parameters = {**SHARE, "missing_income": "floor"}
    result = compute("income_share", parameters, [facts(1, None)], budget=0)
    assert result.amounts == {1: 10000}
    assert result.lines[1]["missing_income"] == "floor"
    assert (result.lines[1]["income_cents"], result.lines[1]["base_cents"]) == (0, 0)
    assert "missing_income" in result.warnings


# --- income bands -----------------------------------------------------------------------------

BANDS = [
    {"from_cents": 0, "to_cents": 100000, "amount_cents": 20000},
    {"from_cents": 100000, "to_cents": 250000, "rate_percent": "20"},
    {"from_cents": 250000, "to_cents": None, "rate_percent": "30"},
]


def test_income_bands_on_disposable_income():
    households = [
        facts(1, 80000),  # band 1: a fixed 200.00
        facts(2, 100000),  # the boundary belongs to band 2: 20 % of 1 000.00 = 200.00
        facts(3, 200000),  # band 2: 20 % of 2 000.00 = 400.00
        facts(4, 300000),  # band 3: 30 % of 3 000.00 = 900.00
    ]
    result = compute("income_bands", {"income": "disposable", "bands": BANDS}, households, 150000)
    assert result.amounts == {1: 20000, 2: 20000, 3: 40000, 4: 90000}
    assert [result.lines[key]["band"] for key in (1, 2, 3, 4)] == [1, 2, 2, 3]
    # 200 + 200 + 400 + 900 = 1 700.00 against 1 500.00.
    assert result.surplus_cents == 20000


def test_income_bands_on_equivalised_income_take_the_rate_of_disposable_income():
    # Two adults and two children (scale 2.1) with 3 000.00: 3 000 / 2.1 = 1 428.57
    # equivalised → band 2, whose 20 % applies to the 3 000.00 the household has: 600.00.
    # A single person with the same 3 000.00 is in band 3: 900.00.
    households = [facts(1, 300000, scale=F(21, 10)), facts(2, 300000)]
    result = compute("income_bands", {"income": "equivalised", "bands": BANDS}, households)
    assert result.amounts == {1: 60000, 2: 90000}
    assert result.lines[1]["income_cents"] == 142857
    assert result.lines[1]["disposable_cents"] == 300000


def test_income_bands_charge_the_cost_share_without_a_declaration():
    households = [facts(1, 80000), facts(2, None)]
    result = compute("income_bands", {"income": "disposable", "bands": BANDS}, households, 60000)
    # Cost share 600.00 / 2 = 300.00.
    assert result.amounts == {1: 20000, 2: 30000}
    assert result.lines[2]["cost_share_cents"] == 30000


def test_income_bands_breakdown_and_a_missing_declaration_read_as_no_income():
    # On equivalised income, with a missing declaration read as no income ("floor"):
    # 3 000.00 / 2.1 = 1 428.57 → band 2, 20 % of the 3 000.00 disposable = 600.00;
    # 800.00 → band 1, 200.00; no declaration → income 0 → band 1, 200.00.
    households = [facts(1, 300000, scale=F(21, 10)), facts(2, 80000), facts(3, None)]
    parameters = {"income": "equivalised", "bands": BANDS, "missing_income": "floor"}
    result = compute("income_bands", parameters, households, 100000)
    assert result.amounts == {1: 60000, 2: 20000, 3: 20000}
    assert result.warnings == ("missing_income",)
    band_1 = {"rule": "band", "band": 1, "income": "equivalised", "from_cents": 0}
    band_1 |= {"to_cents": 100000, "amount_cents": 20000}
    assert result.lines == {
        1: {
            "rule": "band",
            "band": 2,
            "income": "equivalised",
            "income_cents": 142857,
            "from_cents": 100000,
            "to_cents": 250000,
            "rate": "0.2",
            "disposable_cents": 300000,
            "amount_cents": 60000,
        },
        2: {**band_1, "income_cents": 80000},
        3: {**band_1, "income_cents": 0, "missing_income": "floor"},
    }


def test_income_bands_rate_of_a_household_without_disposable_income():
    # Read on equivalised income, the rate band of a household whose disposable income is
    # unknown applies to 0.
    bands = [{"from_cents": 0, "to_cents": None, "rate_percent": "25"}]
    parameters = {"income": "disposable", "bands": bands, "missing_income": "floor"}
    result = compute("income_bands", parameters, [facts(1, None), facts(2, 10001)])
    assert result.amounts == {1: 0, 2: 2500}  # 25 % of 100.01 = 25.0025 → 25.00
    assert result.lines[1]["disposable_cents"] == 0


# --- greatest of: HUD Total Tenant Payment ----------------------------------------------------

HUD = default_parameters("greatest_of")


def hud(household, **overrides):
    result = compute("greatest_of", {**HUD, **overrides}, [household])
    return result.amounts[household.key], result.lines[household.key]


def test_hud_family_with_dependants_and_childcare():
    # Gross 2 000 $/month, three children, 100 $/month child care:
    # annual 24 000 − 3 × 480 − 12 × 100 = 21 360 $ adjusted → 1 780 $/month;
    # 30 % = 534 $, 10 % of gross = 200 $, minimum 50 $ → 534 $.
    amount, line = hud(facts(1, gross=200000, dependants=3, childcare_costs_cents=10000))
    assert amount == 53400
    assert line["rule"] == "adjusted"
    assert line["deductions"] == {
        "dependants_cents": 144000,
        "elderly_or_disabled_cents": 0,
        "medical_cents": 0,
        "childcare_cents": 120000,
    }
    assert line["adjusted_annual_cents"] == 2136000
    assert line["candidates"] == {"adjusted": 53400, "gross": 20000, "minimum": 5000}


def test_hud_elderly_family_with_medical_costs_above_the_threshold():
    # Gross 1 500 $/month (18 000 $ a year), elderly, 250 $/month medical costs (3 000 $):
    # medical deduction 3 000 − 10 % × 18 000 = 1 200 $; adjusted 18 000 − 525 − 1 200 =
    # 16 275 $ → 1 356.25 $/month; 30 % = 406.875 $ → 406.88 $ (40 687.5 cents, half to even).
    family = facts(1, gross=150000, elderly_or_disabled=True, medical_costs_cents=25000)
    amount, line = hud(family)
    assert amount == 40688
    assert line["deductions"]["medical_cents"] == 120000
    assert line["deductions"]["elderly_or_disabled_cents"] == 52500
    assert line["adjusted_monthly_cents"] == 135625
    # HUD deducts medical costs for elderly or disabled families only: the same costs of a
    # younger family change nothing (30 % of 1 500 $ = 450 $).
    younger = facts(2, gross=150000, medical_costs_cents=25000)
    assert hud(younger)[0] == 45000
    # Medical costs of every family: (18 000 − 1 200) / 12 × 30 % = 420 $.
    assert hud(younger, medical_deduction="all")[0] == 42000


def test_hud_ten_percent_of_gross_when_deductions_are_large():
    # Gross 1 000 $/month, elderly, 900 $/month medical costs: 10 800 − 1 200 = 9 600 $ deducted;
    # adjusted 12 000 − 525 − 9 600 = 1 875 $ → 156.25 $/month, 30 % = 46.88 $;
    # 10 % of gross = 100 $ wins.
    family = facts(1, gross=100000, elderly_or_disabled=True, medical_costs_cents=90000)
    amount, line = hud(family)
    assert (amount, line["rule"]) == (10000, "gross")


def test_hud_minimum_rent_and_its_hardship_exemption():
    # Gross 100 $/month, two children: 1 200 − 960 = 240 $ → 20 $/month; 30 % = 6 $,
    # 10 % of gross = 10 $, minimum rent 50 $ (24 CFR 5.630) → 50 $.
    family = facts(1, gross=10000, dependants=2)
    amount, line = hud(family)
    assert (amount, line["rule"]) == (5000, "minimum")
    assert line["candidates"] == {"adjusted": 600, "gross": 1000, "minimum": 5000}
    # Under the hardship exemption the minimum rent is waived: 10 % of gross, 10 $.
    amount, line = hud(family, hardship_exemption=True)
    assert (amount, line["rule"]) == (1000, "gross")
    assert line["candidates"]["minimum"] == 0


def test_hud_adjusted_income_never_goes_below_zero():
    amount, line = hud(facts(1, gross=30000, dependants=10), hardship_exemption=True)
    # 3 600 − 4 800 < 0 → 0 adjusted; 10 % of 300 $ = 30 $.
    assert line["adjusted_annual_cents"] == 0
    assert amount == 3000


def test_hud_payment_at_most_the_cap():
    amount, line = hud(
        facts(1, gross=200000, dependants=3, childcare_costs_cents=10000), cap_cents=40000
    )
    assert (amount, line["rule"]) == (40000, "cap")


def test_hud_without_a_declaration_pays_its_cost_share():
    households = [facts(1, gross=200000), facts(2)]
    result = compute("greatest_of", HUD, households, budget=100000)
    # 30 % of 2 000 $ = 600 $; no declaration and no cap → 1 000 $ / 2 = 500 $.
    assert result.amounts == {1: 60000, 2: 50000}
    assert result.warnings == ("missing_income", "surplus")


def test_hud_without_a_declaration_read_as_no_income_pays_the_minimum():
    result = compute("greatest_of", {**HUD, "missing_income": "floor"}, [facts(1)], 100000)
    assert result.amounts == {1: 5000}
    assert result.warnings == ("missing_income", "shortfall")
    assert result.lines[1] == {
        "rule": "minimum",
        "income": "gross",
        "annual_income_cents": 0,
        "deductions": {
            "dependants_cents": 0,
            "elderly_or_disabled_cents": 0,
            "medical_cents": 0,
            "childcare_cents": 0,
        },
        "adjusted_annual_cents": 0,
        "adjusted_monthly_cents": 0,
        "candidates": {"adjusted": 0, "gross": 0, "minimum": 5000},
        "cap_cents": None,
        "amount_cents": 5000,
        "missing_income": "floor",
    }


def test_hud_on_disposable_income_needs_the_gross_only_for_a_gross_rate():
    household = facts(1, 150000)  # disposable 1 500 $, no gross declared
    on_disposable = {**HUD, "income": "disposable"}
    # HUD's 10 % of gross cannot be worked out: the household pays its cost share, capped.
    result = compute("greatest_of", {**on_disposable, "cap_cents": 70000}, [household], 100000)
    assert result.amounts == {1: 70000}
    assert result.lines[1] == {
        "rule": "missing_income",
        "treatment": "cap",
        "amount_cents": 70000,
        "cap_cents": 70000,
    }
    # Without a gross rate it is not needed: 30 % of 1 500 $ = 450 $.
    result = compute("greatest_of", {**on_disposable, "gross_rate_percent": "0"}, [household])
    assert result.amounts == {1: 45000}
    assert "missing_income" not in result.warnings


ONTARIO = {
    "income": "gross",
    "adjusted_rate_percent": "30",
    "gross_rate_percent": "0",
    "minimum_cents": 12900,
    "dependant_allowance_cents": 0,
    "elderly_allowance_cents": 0,
    "medical_deduction": "none",
    "deduct_childcare": False,
    "cap_cents": 145000,
}


def test_ontario_rent_geared_to_income_is_the_same_method():
    households = [
        facts(1, gross=300000, dependants=2, childcare_costs_cents=20000),  # 30 % → 900 $
        facts(2, gross=30000),  # 30 % = 90 $ → the minimum rent, 129 $
        facts(3, gross=600000),  # 30 % = 1 800 $ → the market rent, 1 450 $
    ]
    result = compute("greatest_of", ONTARIO, households)
    assert result.amounts == {1: 90000, 2: 12900, 3: 145000}
    assert [result.lines[key]["rule"] for key in (1, 2, 3)] == ["adjusted", "minimum", "cap"]


def test_hud_defaults_are_huds_figures():
    assert HUD["adjusted_rate_percent"] == "30"
    assert HUD["gross_rate_percent"] == "10"
    assert HUD["minimum_cents"] == 5000
    assert HUD["dependant_allowance_cents"] == 48000
    assert HUD["elderly_allowance_cents"] == 52500
    assert HUD["medical_threshold_percent"] == "10"
    assert {key: HUD[key] for key in HUD_DEFAULTS} == HUD_DEFAULTS


# --- solidarity -------------------------------------------------------------------------------


def test_solidarity_without_floor_or_cap_is_proportional():
    # r × (1 000 + 2 000 + 3 000) = 1 000 → r = 1/6: 166.666…, 333.333…, 500.00;
    # 166.66 + 333.33 + 500.00 = 999.99, the cent to the larger remainder (0.67): 166.67.
    households = [facts(1, 100000), facts(2, 200000), facts(3, 300000)]
    result = compute("solidarity", {"income": "disposable"}, households, budget=100000)
    assert result.amounts == {1: 16667, 2: 33333, 3: 50000}
    assert result.rate == F(1, 6)
    assert result.lines[1]["rate"] == "0.1666666667"


def test_solidarity_with_floor_and_cap_solves_the_rate_exactly():
    # Floor 150.00, cap 800.00, budget 1 500.00, incomes 500, 2 000 and 4 000:
    # with household 1 at its floor (r < 0.3) and 3 at its cap (r > 0.2),
    # 150 + 2 000 r + 800 = 1 500 → r = 0.275, and indeed 0.2 < 0.275 < 0.3:
    # 150.00 (floor), 550.00 (rate), 800.00 (cap).
    parameters = {"income": "disposable", "floor_cents": 15000, "cap_cents": 80000}
    households = [facts(1, 50000), facts(2, 200000), facts(3, 400000)]
    result = compute("solidarity", parameters, households, budget=150000)
    assert result.amounts == {1: 15000, 2: 55000, 3: 80000}
    assert result.rate == F(11, 40)
    assert [result.lines[key]["rule"] for key in (1, 2, 3)] == ["floor", "rate", "cap"]
    assert result.total_cents == 150000


def test_solidarity_on_equivalised_income_equalises_households_of_different_sizes():
    # 2 100.00 for a couple with two children (scale 2.1), 1 500.00 for a couple (1.5) and
    # 1 000.00 for a single person all equal 1 000.00 equivalised: each pays a third of 900.00.
    households = [
        facts(1, 210000, scale=F(21, 10)),
        facts(2, 150000, scale=F(3, 2)),
        facts(3, 100000),
    ]
    result = compute("solidarity", {"income": "equivalised"}, households, budget=90000)
    assert result.amounts == {1: 30000, 2: 30000, 3: 30000}
    assert result.rate == F(3, 10)
    assert result.lines[1]["income_cents"] == 100000


def test_solidarity_shortfall_when_the_caps_are_too_low():
    parameters = {"income": "disposable", "cap_cents": 30000}
    households = [facts(1, 100000), facts(2, 200000), facts(3, 900000)]
    result = compute("solidarity", parameters, households, budget=100000)
    # Σcap = 900.00 < 1 000.00: everyone pays the cap, 100.00 short.
    assert result.amounts == {1: 30000, 2: 30000, 3: 30000}
    assert (result.shortfall_cents, result.surplus_cents, result.rate) == (10000, 0, None)
    assert "shortfall" in result.warnings


def test_solidarity_surplus_when_the_floors_are_too_high():
    parameters = {"income": "disposable", "floor_cents": 40000}
    households = [facts(1, 100000), facts(2, 200000), facts(3, 900000)]
    result = compute("solidarity", parameters, households, budget=100000)
    # Σfloor = 1 200.00 > 1 000.00: everyone pays the floor, 200.00 over.
    assert result.amounts == {1: 40000, 2: 40000, 3: 40000}
    assert (result.shortfall_cents, result.surplus_cents, result.rate) == (0, 20000, None)


def test_solidarity_households_without_income_pay_the_floor():
    # The household without income pays the 50.00 floor; the others cover 400.00 at
    # r = 400 / (1 000 + 3 000) = 0.1: 100.00 and 300.00.
    parameters = {"income": "disposable", "floor_cents": 5000}
    households = [facts(1, 0), facts(2, 100000), facts(3, 300000)]
    result = compute("solidarity", parameters, households, budget=45000)
    assert result.amounts == {1: 5000, 2: 10000, 3: 30000}
    assert result.lines[1]["rule"] == "zero_income"
    assert "zero_income" in result.warnings


def test_solidarity_households_without_declaration_pay_the_cap_and_the_others_the_rest():
    # Cap at 150 % of the equal cost share: 900.00 / 3 × 1.5 = 450.00, which the household
    # without a declaration pays; the other two cover 450.00 at r = 450 / 3 000 = 0.15.
    parameters = {"income": "disposable", "cap": "cost_share", "cost_share_percent": "150"}
    households = [facts(1, 100000), facts(2, 200000), facts(3, None)]
    result = compute("solidarity", parameters, households, budget=90000)
    assert result.amounts == {1: 15000, 2: 30000, 3: 45000}
    assert result.lines[3] == {
        "rule": "missing_income",
        "treatment": "cap",
        "amount_cents": 45000,
        "cap_cents": 45000,
    }


def test_solidarity_cost_share_cap_by_unit_area():
    # Cost shares by area: 1 000.00 × 40/100 and × 60/100 = 400.00 and 600.00; at 120 %,
    # caps of 480.00 and 720.00. r × (4 000 + 1 000) = 1 000 → r = 0.2: 800.00 over the
    # first cap, so it pays 480.00 and the second 520.00 (r = 0.52, below its cap).
    parameters = {
        "income": "disposable",
        "cap": "cost_share",
        "cost_share_basis": "unit_area",
        "cost_share_percent": "120",
    }
    households = [facts(1, 400000, area="40"), facts(2, 100000, area="60")]
    result = compute("solidarity", parameters, households, budget=100000)
    assert result.amounts == {1: 48000, 2: 52000}
    assert result.lines[1]["cap_cents"] == 48000


def test_solidarity_leftover_cents_go_to_the_smallest_key_among_equals():
    households = [facts(3, 100000), facts(1, 100000), facts(2, 100000)]
    result = compute("solidarity", {"income": "disposable"}, households, budget=100)
    assert result.amounts == {3: 33, 1: 34, 2: 33}


def test_solidarity_floor_above_a_cost_share_cap_is_lowered_to_it():
    parameters = {"income": "disposable", "floor_cents": 40000, "cap": "cost_share"}
    households = [facts(1, 100000), facts(2, 100000)]
    result = compute("solidarity", parameters, households, budget=60000)
    # Cost share 300.00 is below the 400.00 floor: the cap wins, each pays 300.00.
    assert result.amounts == {1: 30000, 2: 30000}
    assert "floor_above_cap" in result.warnings


def test_every_breakdown_is_json():
    households = [
        facts(1, 100000, 130000, area="50", dependants=1),
        facts(2, None, None, area="70", elderly_or_disabled=True),
        facts(3, 300000, 400000, scale=F(21, 10), area="90"),
    ]
    for method in Method:
        result = compute(method, default_parameters(method), households, budget=150000)
        assert set(result.amounts) == {1, 2, 3}
        json.dumps(result.lines)


# --- properties of the solidarity run ---------------------------------------------------------

scales = st.sampled_from([F(1), F(3, 2), F(13, 10), F(2), F(21, 10), F(5, 2), F(9, 5)])


@st.composite
def solidarity_cases(draw, *, feasible: bool):
    n = draw(st.integers(min_value=1, max_value=25))
    incomes = draw(
        st.lists(
            st.one_of(st.just(0), st.integers(min_value=1, max_value=1_000_000)),
            min_size=n,
            max_size=n,
        )
    )
    household_scales = draw(st.lists(scales, min_size=n, max_size=n))
    floor = draw(st.integers(min_value=0, max_value=20_000))
    cap = floor + draw(st.integers(min_value=0, max_value=200_000))
    kind = draw(st.sampled_from(["disposable", "equivalised"]))
    households = [
        facts(key, income, scale=scale)
        for key, (income, scale) in enumerate(zip(incomes, household_scales, strict=True))
    ]
    lowest = n * floor
    # Households without income pay the floor, whatever the budget.
    highest = sum(cap if income else floor for income in incomes)
    if feasible:
        budget = draw(st.integers(min_value=lowest, max_value=highest))
    else:
        budget = draw(st.integers(min_value=0, max_value=highest * 2 + 1))
    parameters = {"income": kind, "floor_cents": floor, "cap_cents": cap}
    return households, parameters, budget


def income_of(household, kind):
    if kind == "equivalised":
        return F(household.disposable_cents) / household.equivalence_scale
    return F(household.disposable_cents)


@PROPERTY
@given(solidarity_cases(feasible=True))
def test_solidarity_covers_the_budget_to_the_cent_when_it_can(case):
    households, parameters, budget = case
    result = compute("solidarity", parameters, households, budget)
    assert result.total_cents == budget
    assert sum(result.amounts.values()) == budget
    assert (result.shortfall_cents, result.surplus_cents) == (0, 0)


@PROPERTY
@given(solidarity_cases(feasible=False))
def test_solidarity_never_leaves_floor_or_cap_and_reports_the_gap(case):
    households, parameters, budget = case
    result = compute("solidarity", parameters, households, budget)
    for amount in result.amounts.values():
        assert parameters["floor_cents"] <= amount <= parameters["cap_cents"]
    assert result.total_cents - result.surplus_cents + result.shortfall_cents == budget


@PROPERTY
@given(solidarity_cases(feasible=False))
def test_solidarity_never_asks_more_of_a_household_with_less_income(case):
    households, parameters, budget = case
    result = compute("solidarity", parameters, households, budget)
    kind = parameters["income"]
    ordered = sorted(households, key=lambda household: income_of(household, kind))
    for poorer, richer in zip(ordered, ordered[1:], strict=False):
        if income_of(poorer, kind) < income_of(richer, kind):
            assert result.amounts[poorer.key] <= result.amounts[richer.key]


@PROPERTY
@given(solidarity_cases(feasible=True))
def test_solidarity_amounts_are_within_a_cent_of_the_exact_rate(case):
    households, parameters, budget = case
    result = compute("solidarity", parameters, households, budget)
    kind = parameters["income"]
    floor, cap = parameters["floor_cents"], parameters["cap_cents"]
    if result.rate is not None:
        # The rate solves Σ clamp(r·yᵢ, floor, cap) = B exactly (no income: the floor).
        exact_total = sum(
            min(max(result.rate * income_of(household, kind), floor), cap)
            if household.disposable_cents
            else floor
            for household in households
        )
        assert exact_total == budget
    for household in households:
        line = result.lines[household.key]
        if line["rule"] == "rate":
            exact = result.rate * income_of(household, kind)
            assert abs(result.amounts[household.key] - exact) < 1


# --- parameter validation ---------------------------------------------------------------------


def test_parameters_are_normalised_with_their_defaults():
    assert validate_parameters("income_share", {"rate_percent": 12.5}) == {
        "rate_percent": "12.5",
        "floor_cents": 0,
        "cap_cents": None,
        "cap": None,
        "missing_income": "cap",
        "cost_share_basis": "equal",
        "cost_share_percent": "100",
    }
    assert validate_parameters("income_share", {"rate_percent": "30.00"})["rate_percent"] == "30"
    assert validate_parameters("income_share", {"rate_percent": "100"})["rate_percent"] == "100"
    # Minus zero is zero.
    assert validate_parameters("income_share", {"rate_percent": "-0"})["rate_percent"] == "0"
    assert validate_parameters("income_share", {"rate_percent": "-0.00"})["rate_percent"] == "0"


def test_a_cost_share_percentage_may_be_anything_above_0_up_to_1000():
    def cost_share(percent):
        parameters = {"rate_percent": "30", "cost_share_percent": percent}
        return validate_parameters("income_share", parameters)["cost_share_percent"]

    assert cost_share("0.5") == "0.5"
    assert cost_share("1000") == "1000"
    assert refusal("income_share", {"rate_percent": "30", "cost_share_percent": "1000.5"}) == {
        "cost_share_percent": ["percent_range"]
    }


def test_every_default_is_valid():
    for method in Method:
        assert validate_parameters(method, default_parameters(method)) == default_parameters(method)


def test_a_negative_amount_is_refused():
    assert refusal("income_share", {"rate_percent": "30", "floor_cents": -1}) == {
        "floor_cents": ["negative"]
    }
    assert refusal("greatest_of", {**HUD, "minimum_cents": -5000}) == {
        "minimum_cents": ["negative"]
    }


def test_a_floor_above_the_cap_is_refused():
    parameters = {"rate_percent": "30", "floor_cents": 50000, "cap_cents": 40000}
    assert refusal("income_share", parameters) == {"floor_cents": ["floor_above_cap"]}
    assert refusal("greatest_of", {**HUD, "cap_cents": 4000}) == {
        "minimum_cents": ["floor_above_cap"]
    }


def test_a_rate_over_a_hundred_percent_is_refused():
    assert refusal("income_share", {"rate_percent": "100.5"}) == {"rate_percent": ["rate_range"]}
    assert refusal("income_share", {"rate_percent": "-1"}) == {"rate_percent": ["rate_range"]}
    assert refusal("income_share", {"rate_percent": "thirty"}) == {"rate_percent": ["invalid"]}
    assert refusal("income_share", {"rate_percent": "NaN"}) == {"rate_percent": ["invalid"]}


def test_unknown_and_missing_keys_are_refused():
    assert refusal("flat", {"basis": "equal", "rate_percent": "30"}) == {
        "rate_percent": ["unknown"]
    }
    assert refusal("income_share", {}) == {"rate_percent": ["required"]}
    assert refusal("flat", {"basis": "per_person"}) == {"basis": ["invalid_choice"]}
    assert refusal("barter", {}) == {"method": ["invalid_choice"]}
    assert refusal("flat", ["equal"]) == {"parameters": ["invalid"]}


def test_amounts_must_be_whole_cents():
    assert refusal("income_share", {"rate_percent": "30", "floor_cents": 12.5}) == {
        "floor_cents": ["invalid"]
    }
    assert refusal("income_share", {"rate_percent": "30", "floor_cents": True}) == {
        "floor_cents": ["invalid"]
    }
    assert (
        validate_parameters("income_share", {"rate_percent": "30", "floor_cents": "500"})[
            "floor_cents"
        ]
        == 500
    )


def test_a_cap_in_cents_and_the_cost_share_cap_exclude_each_other():
    parameters = {"rate_percent": "30", "cap_cents": 50000, "cap": "cost_share"}
    assert refusal("income_share", parameters) == {"cap": ["cap_conflict"]}


def bands_refusal(bands) -> list[str]:
    return refusal("income_bands", {"income": "disposable", "bands": bands})["bands"]


def test_overlapping_bands_are_refused():
    bands = [
        {"from_cents": 0, "to_cents": 100000, "amount_cents": 20000},
        {"from_cents": 90000, "to_cents": None, "rate_percent": "30"},
    ]
    assert bands_refusal(bands) == ["bands_overlap"]
    # An open-ended band that is not the last overlaps every band after it.
    bands = [
        {"from_cents": 0, "to_cents": None, "amount_cents": 20000},
        {"from_cents": 90000, "to_cents": None, "rate_percent": "30"},
    ]
    assert bands_refusal(bands) == ["bands_overlap"]


def test_bands_with_a_gap_are_refused():
    bands = [
        {"from_cents": 0, "to_cents": 100000, "amount_cents": 20000},
        {"from_cents": 110000, "to_cents": None, "rate_percent": "30"},
    ]
    assert bands_refusal(bands) == ["bands_gap"]


def test_bands_must_start_at_zero_and_end_open():
    bands = [
        {"from_cents": 10000, "to_cents": 100000, "amount_cents": 20000},
        {"from_cents": 100000, "to_cents": 200000, "rate_percent": "30"},
    ]
    assert bands_refusal(bands) == ["bands_start", "bands_open_end"]


def test_each_band_needs_an_amount_or_a_rate_and_nothing_else():
    assert bands_refusal([{"from_cents": 0, "to_cents": None}]) == ["band_amount_or_rate"]
    both = {"from_cents": 0, "to_cents": None, "amount_cents": 1, "rate_percent": "1"}
    assert bands_refusal([both]) == ["band_amount_or_rate"]
    assert bands_refusal([{"from_cents": 0, "to_cents": None, "amount": 1}]) == ["unknown"]
    assert bands_refusal([{"from_cents": 0, "to_cents": None, "rate_percent": "120"}]) == [
        "rate_range"
    ]
    assert bands_refusal([{"from_cents": 0, "to_cents": None, "amount_cents": -1}]) == ["negative"]
    assert bands_refusal([{"from_cents": 500, "to_cents": 500, "amount_cents": 1}]) == [
        "band_empty"
    ]
    assert bands_refusal([]) == ["required"]


def test_band_errors_name_the_band():
    bands = [
        {"from_cents": 0, "to_cents": 100000, "amount_cents": 20000},
        {"from_cents": 100000, "to_cents": None, "rate_percent": "130"},
    ]
    with pytest.raises(ValidationError) as exc_info:
        validate_parameters("income_bands", {"income": "disposable", "bands": bands})
    assert exc_info.value.message_dict["bands"] == ["Band 2: A rate must lie between 0 and 100%."]


# What a manager reads: each refusal's code and its message, by parameter.
REFUSALS_IN_WORDS = [
    (
        "income_share",
        {"rate_percent": "30", "floor_cents": 12.5},
        {"floor_cents": [("invalid", "Enter a whole number of cents.")]},
    ),
    (
        "income_share",
        {"rate_percent": "30", "floor_cents": -1},
        {"floor_cents": [("negative", "An amount cannot be negative.")]},
    ),
    (
        "income_share",
        {"rate_percent": "30", "floor_cents": "-5"},
        {"floor_cents": [("negative", "An amount cannot be negative.")]},
    ),
    (
        "income_share",
        {"rate_percent": "30", "floor_cents": "X5"},
        {"floor_cents": [("invalid", "Enter a whole number of cents.")]},
    ),
    (
        "income_share",
        {"rate_percent": "thirty"},
        {"rate_percent": [("invalid", "Enter a number, for example 30 or 12.5.")]},
    ),
    (
        "income_share",
        {"rate_percent": [30]},
        {"rate_percent": [("invalid", "Enter a number, for example 30 or 12.5.")]},
    ),
    (
        "income_share",
        {"rate_percent": "Infinity"},
        {"rate_percent": [("invalid", "Enter a number, for example 30 or 12.5.")]},
    ),
    (
        "income_share",
        {"rate_percent": "100.5"},
        {"rate_percent": [("rate_range", "A rate must lie between 0 and 100%.")]},
    ),
    (
        "income_share",
        {"rate_percent": "30", "cost_share_percent": "0"},
        {"cost_share_percent": [("percent_range", "Give a percentage above 0 and at most 1000%.")]},
    ),
    (
        "greatest_of",
        {**HUD, "hardship_exemption": "yes"},
        {"hardship_exemption": [("invalid", "Enter true or false.")]},
    ),
    (
        "flat",
        {"basis": "per_person"},
        {"basis": [("invalid_choice", "Choose one of: equal, unit_area.")]},
    ),
    (
        "income_share",
        {"rate_percent": "30", "cap": "budget"},
        {"cap": [("invalid_choice", "Choose one of: cost_share, null.")]},
    ),
    (
        "barter",
        {},
        {
            "method": [
                (
                    "invalid_choice",
                    "Choose one of: flat, income_share, income_bands, greatest_of, solidarity.",
                )
            ]
        },
    ),
    ("flat", ["equal"], {"parameters": [("invalid", "The parameters must be an object.")]}),
    ("flat", {"basis": "equal", "rate": 1}, {"rate": [("unknown", "Unknown parameter.")]}),
    ("income_share", {}, {"rate_percent": [("required", "This parameter is required.")]}),
    (
        "income_share",
        {"rate_percent": "30", "cap_cents": 50000, "cap": "cost_share"},
        {
            "cap": [
                (
                    "cap_conflict",
                    "Give either a cap in cents or the cost share as the cap, not both.",
                )
            ]
        },
    ),
    (
        "income_share",
        {"rate_percent": "30", "floor_cents": 50000, "cap_cents": 40000},
        {"floor_cents": [("floor_above_cap", "The floor cannot be above the cap.")]},
    ),
]


@pytest.mark.parametrize("method, parameters, expected", REFUSALS_IN_WORDS)
def test_each_refusal_says_what_is_wrong(method, parameters, expected):
    with pytest.raises(ValidationError) as exc_info:
        validate_parameters(method, parameters)
    assert {
        field: [(error.code, error.messages[0]) for error in errors]
        for field, errors in exc_info.value.error_dict.items()
    } == expected


FIRST_BAND = {"from_cents": 0, "to_cents": 100, "amount_cents": 1}


@pytest.mark.parametrize(
    "bands, expected",
    [
        ([], [("required", "Give at least one income band.")]),
        (["band"], [("invalid", "Band 1 is not a band.")]),
        ([FIRST_BAND, "band"], [("invalid", "Band 2 is not a band.")]),
        (
            [{"from_cents": 0, "to_cents": None, "amount": 1, "rate": 2}],
            [("unknown", "Band 1: unknown key amount, rate.")],
        ),
        (
            [FIRST_BAND, {"from_cents": 100, "to_cents": None, "amount_cents": 1, "x": 1}],
            [("unknown", "Band 2: unknown key x.")],
        ),
        (
            [FIRST_BAND, {"to_cents": None, "amount_cents": 1}],
            [("required", "Band 2 needs a start (from_cents).")],
        ),
        (
            [FIRST_BAND, {"from_cents": "x", "to_cents": None, "amount_cents": 1}],
            [("invalid", "Band 2: Enter a whole number of cents.")],
        ),
        (
            [FIRST_BAND, {"from_cents": 100, "to_cents": "x", "amount_cents": 1}],
            [("invalid", "Band 2: Enter a whole number of cents.")],
        ),
        (
            [FIRST_BAND, {"from_cents": 100, "to_cents": None, "amount_cents": -1}],
            [("negative", "Band 2: An amount cannot be negative.")],
        ),
        (
            [FIRST_BAND, {"from_cents": 100, "to_cents": None}],
            [("band_amount_or_rate", "Give band 2 either an amount or a rate.")],
        ),
        (
            [FIRST_BAND, {"from_cents": 100, "to_cents": 50, "amount_cents": 1}],
            [("band_empty", "Band 2 must end above where it starts.")],
        ),
        (
            [
                {"from_cents": 10, "to_cents": 100, "amount_cents": 1},
                {"from_cents": 90, "to_cents": 200, "amount_cents": 1},
                {"from_cents": 300, "to_cents": 400, "amount_cents": 1},
            ],
            [
                ("bands_start", "The first band must start at 0."),
                ("bands_overlap", "Bands 1 and 2 overlap."),
                ("bands_gap", "Bands 2 and 3 leave a gap: no band covers it."),
                ("bands_open_end", "The last band must be open-ended (no upper limit)."),
            ],
        ),
    ],
)
def test_each_band_refusal_names_the_band_and_says_what_is_wrong(bands, expected):
    with pytest.raises(ValidationError) as exc_info:
        validate_parameters("income_bands", {"income": "disposable", "bands": bands})
    assert [
        (error.code, error.messages[0]) for error in exc_info.value.error_dict["bands"]
    ] == expected


def test_a_schemes_parameters_are_named_inside_parameters():
    assert scheme_parameters_normalised("flat", None) == {"basis": "equal"}
    assert scheme_parameters_normalised("flat", {"basis": "unit_area"}) == {"basis": "unit_area"}
    with pytest.raises(ValidationError) as exc_info:
        scheme_parameters_normalised("income_share", {"rate_percent": "x", "rate": 1})
    assert {
        field: [error.code for error in errors]
        for field, errors in exc_info.value.error_dict.items()
    } == {"parameters.rate": ["unknown"], "parameters.rate_percent": ["invalid"]}
    with pytest.raises(ValidationError) as exc_info:
        scheme_parameters_normalised("barter", None)
    assert list(exc_info.value.error_dict) == ["method"]
    with pytest.raises(ValidationError) as exc_info:
        scheme_parameters_normalised("flat", ["equal"])
    assert list(exc_info.value.error_dict) == ["parameters"]
    # An error that names no parameter is the parameters' as a whole.
    plain = scheme_parameter_errors(ValidationError("Not shareable.", code="invalid"))
    assert [error.code for error in plain.error_dict["parameters"]] == ["invalid"]


def test_bands_given_out_of_order_are_sorted():
    bands = [
        {"from_cents": 100000, "to_cents": None, "rate_percent": "30"},
        {"from_cents": 0, "to_cents": 100000, "amount_cents": 20000},
    ]
    normalised = validate_parameters("income_bands", {"income": "disposable", "bands": bands})
    assert [band["from_cents"] for band in normalised["bands"]] == [0, 100000]


def test_compute_refuses_a_negative_budget_and_a_household_given_twice():
    with pytest.raises(ValidationError) as exc_info:
        compute("flat", {"basis": "equal"}, [facts(1)], budget=-1)
    assert exc_info.value.error_dict["budget_cents"][0].code == "negative"
    with pytest.raises(ValidationError) as exc_info:
        compute("flat", {"basis": "equal"}, [facts(1), facts(1)], budget=100)
    assert exc_info.value.error_dict["households"][0].code == "duplicate"


def test_household_facts_refuse_impossible_values():
    with pytest.raises(ValueError):
        facts(1, -1)
    with pytest.raises(ValueError):
        facts(1, 100, scale=F(1, 2))
    with pytest.raises(ValueError):
        facts(1, 100, dependants=-1)


# --- speed ------------------------------------------------------------------------------------


@pytest.mark.alone  # timed: no other test running beside it
def test_twenty_thousand_households_take_well_under_a_second():
    households = [
        facts(
            key,
            None if key % 97 == 0 else (key * 7919) % 800_000,
            (key * 104729) % 1_000_000,
            scale=F(10 + 5 * (key % 3) + 3 * (key % 4), 10),
            area=str(30 + key % 90),
            dependants=key % 3,
            elderly_or_disabled=key % 5 == 0,
            medical_costs_cents=key % 40000,
            childcare_costs_cents=key % 20000,
        )
        for key in range(20000)
    ]
    budget = 20000 * 90000
    for method in Method:
        parameters = default_parameters(method)
        if method == Method.SOLIDARITY:
            parameters = {"income": "equivalised", "floor_cents": 5000, "cap_cents": 300000}
        # CPU time, not wall time: other processes on a busy machine do not slow the formula.
        started = time.process_time()
        result = compute(method, parameters, households, budget)
        elapsed = time.process_time() - started
        assert elapsed < 1.0, (method, elapsed)
        assert len(result.amounts) == 20000
    assert result.total_cents == budget  # the solidarity run covers it


def test_hud_names_the_first_of_equal_candidates_and_the_cap_only_when_exceeded():
    # Gross 3 000 $/month, 2 000 $/month child care: 36 000 − 24 000 = 12 000 $ adjusted →
    # 1 000 $/month; 30 % = 300 $ = 10 % of 3 000 $. HUD lists the adjusted rule first.
    family = facts(1, gross=300000, childcare_costs_cents=200000)
    amount, line = hud(family)
    assert (amount, line["rule"]) == (30000, "adjusted")
    assert line["candidates"] == {"adjusted": 30000, "gross": 30000, "minimum": 5000}
    # A minimum rent of 300 $ ties too, and still comes after.
    assert hud(family, minimum_cents=30000)[1]["rule"] == "adjusted"
    # A cap of exactly the payment does not replace the rule that set it.
    assert hud(family, cap_cents=30000)[1]["rule"] == "adjusted"
    amount, line = hud(family, cap_cents=29999)
    assert (amount, line["rule"]) == (29999, "cap")


def test_hud_without_deductions_keeps_the_exact_half_cent():
    # Gross 1 000.05 $/month and nothing deducted: 30 % = 300.015 $ = 30 001.5 cents, half to
    # even 30 002. A deduction of even a tenth of a cent a year (1/400 cent a month at 30 %)
    # would round it down to 30 001: no child care is deducted when HUD's rule is off, and no
    # medical costs below the threshold.
    family = facts(1, gross=100005, childcare_costs_cents=10000, medical_costs_cents=1000)
    amount, line = hud(family, deduct_childcare=False)
    assert (amount, line["rule"]) == (30002, "adjusted")
    assert line["deductions"]["childcare_cents"] == 0
    # Medical costs for every family, but 120 $ a year is below 10 % of 12 000.60 $.
    amount, line = hud(family, deduct_childcare=False, medical_deduction="all")
    assert (amount, line["deductions"]["medical_cents"]) == (30002, 0)
    # Nor for a family HUD does not deduct them for.
    assert hud(facts(2, gross=100005, medical_costs_cents=1000))[0] == 30002


def test_hud_with_no_income_at_all_owes_nothing_under_the_hardship_exemption():
    # Declared gross 0 $: every candidate is 0, the adjusted rule named first.
    amount, line = hud(facts(1, gross=0), hardship_exemption=True)
    assert (amount, line["rule"]) == (0, "adjusted")
    assert line["candidates"] == {"adjusted": 0, "gross": 0, "minimum": 0}
    # Deductions above the income leave exactly 0 adjusted income, in whole cents even without
    # a medical threshold (no fraction of a cent to round away).
    amount, line = hud(
        facts(2, gross=30000, dependants=10), hardship_exemption=True, medical_threshold_percent="0"
    )
    assert (line["adjusted_annual_cents"], line["adjusted_monthly_cents"]) == (0, 0)
