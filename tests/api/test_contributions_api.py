"""The contributions API through HTTP, as a client sees it: budgets, schemes, charges and their
run, charge runs, payments and the bank-statement import, balances, arrears and statements.

Every refusal is checked for what it says (the field, as the services name it) and for what it
leaves behind (nothing); every role for what it may see (a resident: their own household's
money and the project's shared costs, never another household's income).
"""

from __future__ import annotations

import csv
import datetime as dt
import io
import json

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile

from community.money.models import (
    Budget,
    Charge,
    ChargeRun,
    ContributionScheme,
    Payment,
    PaymentSource,
    SchemeStatus,
)
from community.money.services.charges import charges_run
from community.money.services.schemes import scheme_create
from members.models import IncomeAccess, IncomeAccessLog, IncomeDeclaration
from tests.api.factories import (
    INCOME_SHARE,
    NEIGHBOUR_CHARGE,
    NEIGHBOUR_INCOME,
    OWN_CHARGE,
    charge_june,
    money_rows,
)
from tests.community.factories import JULY, JUNE, adopted_scheme, set_budget
from tests.conftest import api_client_for

pytestmark = pytest.mark.django_db

API = "/api/v1"


@pytest.fixture
def charged(side_a):
    return charge_june(side_a)


def budget_body(side, **changes) -> dict:
    body = {
        "project": side.project.pk,
        "month": "2025-07",
        "lines": [
            {"category": "loan", "label": "Mortgage", "amount_cents": 120_000},
            {"category": "maintenance", "label": "", "amount_cents": 30_000},
        ],
    }
    body.update(changes)
    return body


def scheme_body(side, **changes) -> dict:
    body = {
        "project": side.project.pk,
        "name": "Solidarity 2026",
        "method": "income_share",
        "parameters": dict(INCOME_SHARE),
        "valid_from": "2026-01-01",
    }
    body.update(changes)
    return body


def csv_upload(text: str) -> SimpleUploadedFile:
    return SimpleUploadedFile("statement.csv", text.encode(), content_type="text/csv")


# --- Budgets ------------------------------------------------------------------------------


def test_a_manager_sets_a_months_budget_and_sets_it_again(side_a):
    client = api_client_for(side_a.manager)

    created = client.post(f"{API}/budgets/", budget_body(side_a), format="json")
    assert created.status_code == 201, created.content
    body = created.json()
    assert (body["month"], body["status"], body["total_cents"]) == (
        "2025-07-01",
        "approved",
        150_000,
    )
    assert body["currency"] == "EUR"
    assert [line["category"] for line in body["lines"]] == ["loan", "maintenance"]

    replaced = client.post(
        f"{API}/budgets/",
        budget_body(side_a, lines=[{"category": "utilities", "amount_cents": 9_000}]),
        format="json",
    )
    assert replaced.status_code == 200
    assert replaced.json()["id"] == body["id"]
    assert replaced.json()["total_cents"] == 9_000
    assert Budget.objects.get().lines.count() == 1


def test_residents_read_their_projects_budgets_but_do_not_write_them(side_a, side_b):
    set_budget(side_a.project, JUNE, 100_000)
    set_budget(side_b.project, JUNE, 100_000)
    client = api_client_for(side_a.resident_user)

    listed = client.get(f"{API}/budgets/")
    assert listed.status_code == 200
    assert [row["project"] for row in listed.json()["results"]] == [side_a.project.pk]

    before = money_rows()
    refused = client.post(f"{API}/budgets/", budget_body(side_a), format="json")
    assert refused.status_code == 403
    assert money_rows() == before


@pytest.mark.parametrize(
    ("changes", "field"),
    [
        ({"lines": [{"category": "loan", "amount_cents": -1}]}, "lines.0.amount_cents"),
        (
            {
                "lines": [
                    {"category": "loan", "amount_cents": 5},
                    {"category": "x", "amount_cents": 5},
                ]
            },
            "lines.1.category",
        ),
        ({"lines": []}, "lines"),
        ({"lines": "loan"}, "lines"),
        ({"month": "2025-07-15"}, "month"),
        ({"month": "July"}, "month"),
        ({"status": "maybe"}, "status"),
    ],
)
def test_a_bad_budget_is_refused_on_its_field_and_nothing_is_written(side_a, changes, field):
    before = money_rows()

    response = api_client_for(side_a.manager).post(
        f"{API}/budgets/", budget_body(side_a, **changes), format="json"
    )

    assert response.status_code == 400
    assert field in response.json()
    assert money_rows() == before


def test_a_charged_months_budget_is_final(charged):
    side = charged.side
    response = api_client_for(side.manager).post(
        f"{API}/budgets/", budget_body(side, month="2025-06"), format="json"
    )
    assert response.status_code == 409
    assert Budget.objects.get(month=JUNE).lines.get().amount_cents == 150_000


# --- Schemes ------------------------------------------------------------------------------


def test_a_manager_drafts_edits_adopts_and_retires_a_scheme(side_a):
    client = api_client_for(side_a.manager)

    created = client.post(f"{API}/schemes/", scheme_body(side_a), format="json")
    assert created.status_code == 201, created.content
    scheme = created.json()
    assert scheme["status"] == "draft"
    assert scheme["parameters"]["rate_percent"] == "30"
    assert scheme["parameters"]["missing_income"] == "cap"  # the defaults filled in
    assert scheme["method_label"]

    edited = client.patch(
        f"{API}/schemes/{scheme['id']}/",
        {"parameters": {**INCOME_SHARE, "rate_percent": "28.5"}},
        format="json",
    )
    assert edited.status_code == 200
    assert edited.json()["parameters"]["rate_percent"] == "28.5"

    adopted = client.post(f"{API}/schemes/{scheme['id']}/adopt/")
    assert adopted.status_code == 200
    assert adopted.json()["status"] == "adopted"
    assert adopted.json()["adopted_at"]
    assert client.post(f"{API}/schemes/{scheme['id']}/adopt/").status_code == 409
    assert (
        client.patch(f"{API}/schemes/{scheme['id']}/", {"name": "x"}, format="json").status_code
        == 409
    )

    retired = client.post(
        f"{API}/schemes/{scheme['id']}/retire/", {"valid_to": "2026-12-31"}, format="json"
    )
    assert retired.status_code == 200
    assert (retired.json()["status"], retired.json()["valid_to"]) == ("retired", "2026-12-31")


def test_a_draft_without_parameters_starts_from_the_methods_defaults(side_a):
    response = api_client_for(side_a.manager).post(
        f"{API}/schemes/", scheme_body(side_a, method="greatest_of", parameters=None), format="json"
    )
    assert response.status_code == 201
    assert response.json()["parameters"]["minimum_cents"] == 5000  # HUD's


BANDS_OVERLAP = [
    {"from_cents": 0, "to_cents": 100_000, "amount_cents": 20_000},
    {"from_cents": 90_000, "to_cents": None, "rate_percent": "25"},
]
BANDS_GAP = [
    {"from_cents": 0, "to_cents": 100_000, "amount_cents": 20_000},
    {"from_cents": 120_000, "to_cents": None, "rate_percent": "25"},
]


@pytest.mark.parametrize(
    ("changes", "field"),
    [
        ({"parameters": {**INCOME_SHARE, "floor_cents": 300_000}}, "parameters.floor_cents"),
        ({"parameters": {**INCOME_SHARE, "floor_cents": -5}}, "parameters.floor_cents"),
        ({"parameters": {**INCOME_SHARE, "rate_percent": "100.5"}}, "parameters.rate_percent"),
        ({"parameters": {**INCOME_SHARE, "colour": "blue"}}, "parameters.colour"),
        ({"parameters": ["30"]}, "parameters"),
        (
            {
                "method": "income_bands",
                "parameters": {"income": "disposable", "bands": BANDS_OVERLAP},
            },
            "parameters.bands",
        ),
        (
            {"method": "income_bands", "parameters": {"income": "disposable", "bands": BANDS_GAP}},
            "parameters.bands",
        ),
        ({"method": "lottery"}, "method"),
        ({"valid_from": "2026-01-15"}, "valid_from"),
        ({"valid_to": "2026-03-15"}, "valid_to"),
        ({"valid_to": "2025-06-30"}, "valid_to"),
    ],
)
def test_a_bad_scheme_is_refused_on_its_field_and_nothing_is_written(side_a, changes, field):
    before = money_rows()

    response = api_client_for(side_a.manager).post(
        f"{API}/schemes/", scheme_body(side_a, **changes), format="json"
    )

    assert response.status_code == 400
    assert field in response.json(), response.json()
    assert money_rows() == before


def test_the_overlapping_bands_error_says_which_bands(side_a):
    response = api_client_for(side_a.manager).post(
        f"{API}/schemes/",
        scheme_body(
            side_a,
            method="income_bands",
            parameters={"income": "disposable", "bands": BANDS_OVERLAP},
        ),
        format="json",
    )
    assert "1" in response.json()["parameters.bands"][0]
    assert "2" in response.json()["parameters.bands"][0]


def test_a_scheme_adopted_over_one_in_force_is_refused_on_valid_from(side_a):
    adopted_scheme(side_a.project, valid_from=dt.date(2025, 1, 1))  # open-ended
    draft = scheme_create(
        project=side_a.project,
        name="Later",
        method="flat",
        parameters={"basis": "equal"},
        valid_from=dt.date(2026, 1, 1),
    )

    response = api_client_for(side_a.manager).post(f"{API}/schemes/{draft.pk}/adopt/")

    assert response.status_code == 400
    assert "valid_from" in response.json()
    draft.refresh_from_db()
    assert draft.status == SchemeStatus.DRAFT
    assert draft.adopted_at is None


def test_residents_read_adopted_schemes_but_neither_drafts_nor_writes(side_a):
    adopted = adopted_scheme(side_a.project, name="In force")
    draft = scheme_create(
        project=side_a.project,
        name="Idea",
        method="flat",
        parameters={"basis": "equal"},
        valid_from=dt.date(2027, 1, 1),
    )
    client = api_client_for(side_a.resident_user)

    listed = client.get(f"{API}/schemes/")
    assert [row["id"] for row in listed.json()["results"]] == [adopted.pk]
    assert client.get(f"{API}/schemes/{adopted.pk}/").json()["parameters"] == {"basis": "equal"}
    assert client.get(f"{API}/schemes/{draft.pk}/").status_code == 404

    before = money_rows()
    assert client.post(f"{API}/schemes/", scheme_body(side_a), format="json").status_code == 403
    assert client.post(f"{API}/schemes/{adopted.pk}/retire/").status_code == 403
    assert (
        client.patch(f"{API}/schemes/{adopted.pk}/", {"name": "Mine"}, format="json").status_code
        == 403
    )
    assert money_rows() == before
    adopted.refresh_from_db()
    assert adopted.status == SchemeStatus.ADOPTED


@pytest.mark.parametrize("who", ["officer", "other_manager"])
def test_officers_and_other_projects_get_404_for_schemes(side_a, side_b, who):
    user = side_a.officer if who == "officer" else side_b.manager
    adopted = adopted_scheme(side_a.project)
    draft = scheme_create(
        project=side_a.project,
        name="Idea",
        method="flat",
        parameters={"basis": "equal"},
        valid_from=dt.date(2027, 1, 1),
    )
    client = api_client_for(user)
    before = money_rows()

    assert client.get(f"{API}/schemes/").json()["count"] == 0
    assert client.get(f"{API}/budgets/").json()["count"] == 0
    assert client.get(f"{API}/schemes/{adopted.pk}/").status_code == 404
    assert client.post(f"{API}/schemes/{draft.pk}/adopt/").status_code == 404
    assert client.post(f"{API}/schemes/", scheme_body(side_a), format="json").status_code == 404
    assert client.post(f"{API}/budgets/", budget_body(side_a), format="json").status_code == 404
    assert money_rows() == before


# --- Simulating and comparing schemes -----------------------------------------------------


def simulate(user, side, **body):
    return api_client_for(user).post(
        f"{API}/schemes/simulate/", {"project": side.project.pk, **body}, format="json"
    )


def compare(user, side, **body):
    return api_client_for(user).post(
        f"{API}/schemes/compare/", {"project": side.project.pk, **body}, format="json"
    )


FLAT = {"method": "flat", "parameters": {"basis": "equal"}}


def test_a_simulation_shows_each_households_amount_change_and_ratio(charged):
    """July, not charged yet, uses June's budget (150 000, the latest): flat is 75 000 each.
    The scheme in force (income share, 30 %) comes to 72 000 and 56 296. Ratios: 75 000 ÷
    240 000 = 0.3125 and 75 000 ÷ 187 654 = 0.39967 (no utilities, no allowance)."""
    side = charged.side
    response = simulate(side.manager, side, month="2025-07", **FLAT)

    assert response.status_code == 200, response.content
    body = response.json()
    assert (body["project"], body["month"], body["currency"]) == (
        side.project.pk,
        "2025-07-01",
        "EUR",
    )
    assert (body["method"], body["parameters"]) == ("flat", {"basis": "equal"})
    assert body["budget"]["month"] == "2025-06-01"
    assert (body["total_cents"], body["budget_cents"]) == (150_000, 150_000)
    assert (body["shortfall_cents"], body["surplus_cents"], body["rate"]) == (0, 0, None)
    assert body["scheme_in_force"]["id"] == charged.scheme.pk
    assert (body["current_source"], body["current_total_cents"]) == (
        "computed",
        OWN_CHARGE + NEIGHBOUR_CHARGE,
    )
    assert body["overburdened_count"] == 0
    assert body["median_ratio"] == "0.3561"  # (0.3125 + 0.39967) / 2
    rows = {row["household"]: row for row in body["rows"]}
    own, neighbour = rows[side.household.pk], rows[side.neighbour.pk]
    assert (own["amount_cents"], own["current_cents"], own["change_cents"]) == (
        75_000,
        OWN_CHARGE,
        3_000,
    )
    assert (own["ratio"], own["overburdened"], own["disposable_cents"]) == (
        "0.3125",
        False,
        240_000,
    )
    assert (neighbour["change_cents"], neighbour["ratio"]) == (75_000 - NEIGHBOUR_CHARGE, "0.3997")
    assert (own["days"], own["days_in_month"], own["full_month_cents"]) == (31, 31, 75_000)
    assert own["breakdown"]["rule"] == "flat"
    assert set(own) >= {"current_ratio", "current_overburdened", "utilities_cents", "unit_label"}


def test_a_simulation_of_a_charged_month_compares_with_its_charges(charged):
    side = charged.side
    body = simulate(side.manager, side, month="2025-06", scheme=charged.scheme.pk).json()
    assert body["current_source"] == "charges"
    assert {row["change_cents"] for row in body["rows"]} == {0}
    assert body["parameters"]["rate_percent"] == "30"


def test_a_solidarity_simulation_gives_its_rate(charged):
    side = charged.side
    body = simulate(
        side.manager,
        side,
        month="2025-07",
        method="solidarity",
        parameters={"income": "disposable"},
    ).json()
    assert body["total_cents"] == 150_000
    assert body["rate"] == "0.35075084"  # 150 000 ÷ (240 000 + 187 654), 8 places
    assert len(body["rate"].split(".")[1]) == 8


def test_a_comparison_puts_two_schemes_side_by_side(charged):
    side = charged.side
    response = compare(
        side.manager,
        side,
        month="2025-07",
        first={"scheme": charged.scheme.pk},
        second=FLAT,
    )

    assert response.status_code == 200, response.content
    body = response.json()
    assert set(body) == {
        "project",
        "month",
        "currency",
        "scheme_in_force",
        "first",
        "second",
        "difference_cents",
        "rows",
    }
    assert (body["first"]["method"], body["second"]["method"]) == ("income_share", "flat")
    assert "rows" not in body["first"]
    assert body["first"]["total_cents"] == OWN_CHARGE + NEIGHBOUR_CHARGE
    assert body["difference_cents"] == 150_000 - OWN_CHARGE - NEIGHBOUR_CHARGE
    rows = {row["household"]: row for row in body["rows"]}
    assert rows[side.household.pk] == {
        "household": side.household.pk,
        "unit_label": "1A",
        "current_cents": OWN_CHARGE,
        "first_cents": OWN_CHARGE,
        "second_cents": 75_000,
        "difference_cents": 3_000,
        "first_ratio": "0.3000",
        "second_ratio": "0.3125",
        "first_overburdened": False,
        "second_overburdened": False,
    }


@pytest.mark.parametrize(
    ("body", "field"),
    [
        (
            {"method": "income_share", "parameters": {**INCOME_SHARE, "floor_cents": 300_000}},
            "parameters.floor_cents",
        ),
        (
            {"method": "income_share", "parameters": {**INCOME_SHARE, "rate_percent": "120"}},
            "parameters.rate_percent",
        ),
        (
            {"method": "income_share", "parameters": {**INCOME_SHARE, "cap_cents": -1}},
            "parameters.cap_cents",
        ),
        (
            {
                "method": "income_bands",
                "parameters": {"income": "disposable", "bands": BANDS_OVERLAP},
            },
            "parameters.bands",
        ),
        (
            {"method": "income_bands", "parameters": {"income": "disposable", "bands": BANDS_GAP}},
            "parameters.bands",
        ),
        ({"method": "flat", "parameters": {"basis": "height"}}, "parameters.basis"),
        ({"method": "lottery"}, "method"),
        ({"parameters": {"basis": "equal"}}, "method"),
        ({"scheme": "SCHEME", "method": "flat"}, "scheme"),
        ({**FLAT, "month": "2025-07-15"}, "month"),
        ({**FLAT, "month": "2024-01"}, "month"),  # no budget then or before
    ],
)
def test_a_bad_simulation_is_refused_on_its_field_and_nothing_is_written(charged, body, field):
    side = charged.side
    if body.get("scheme") == "SCHEME":
        body = {**body, "scheme": charged.scheme.pk}
    before, logged = money_rows(), IncomeAccessLog.objects.count()

    response = simulate(side.manager, side, **{"month": "2025-07", **body})

    assert response.status_code == 400
    assert field in response.json(), response.json()
    assert money_rows() == before
    assert IncomeAccessLog.objects.count() == logged


def test_a_scheme_of_another_project_cannot_be_simulated_here(charged, side_b):
    other = adopted_scheme(side_b.project, name="Theirs")
    response = simulate(charged.side.manager, charged.side, scheme=other.pk, month="2025-07")
    assert response.status_code == 400
    assert "scheme" in response.json()


@pytest.mark.parametrize(
    ("body", "fields"),
    [
        (
            {
                "first": {
                    "method": "income_share",
                    "parameters": {**INCOME_SHARE, "floor_cents": 300_000},
                },
                "second": FLAT,
            },
            {"first.parameters.floor_cents"},
        ),
        ({"first": FLAT, "second": {"method": "lottery"}}, {"second.method"}),
        ({"first": {"scheme": 10**9}, "second": {}}, {"first.scheme", "second.method"}),
        ({"first": FLAT}, {"second"}),
        ({"first": "flat", "second": FLAT}, {"first"}),
        (
            {
                "first": FLAT,
                "second": {
                    "method": "income_bands",
                    "parameters": {"income": "disposable", "bands": BANDS_GAP},
                },
            },
            {"second.parameters.bands"},
        ),
        ({"first": FLAT, "second": FLAT, "month": "2025-07-02"}, {"month"}),
    ],
)
def test_a_bad_comparison_names_the_scheme_and_field(charged, body, fields):
    side = charged.side
    before, logged = money_rows(), IncomeAccessLog.objects.count()

    response = compare(side.manager, side, **{"month": "2025-07", **body})

    assert response.status_code == 400
    assert set(response.json()) == fields, response.json()
    assert money_rows() == before
    assert IncomeAccessLog.objects.count() == logged


def test_simulations_are_the_managers_and_are_logged(charged, side_b):
    side = charged.side
    assert simulate(side.resident_user, side, **FLAT).status_code == 403
    assert compare(side.resident_user, side, first=FLAT, second=FLAT).status_code == 403
    for user in (side.officer, side_b.manager):
        assert simulate(user, side, **FLAT).status_code == 404
        assert compare(user, side, first=FLAT, second=FLAT).status_code == 404
    assert not IncomeAccessLog.objects.filter(action=IncomeAccess.VIEWED).exists()

    simulate(side.manager, side, month="2025-07", **FLAT)
    compare(side.manager, side, month="2025-07", first=FLAT, second=FLAT)

    entries = IncomeAccessLog.objects.filter(actor=side.manager, action=IncomeAccess.VIEWED)
    assert sorted(entries.values_list("detail__view", "household_id")) == sorted(
        [
            ("simulation", side.household.pk),
            ("simulation", side.neighbour.pk),
            ("comparison", side.household.pk),
            ("comparison", side.neighbour.pk),
        ]
    )


# --- Charges and their run ----------------------------------------------------------------


def test_a_manager_runs_a_month_once_however_often_asked(side_a):
    adopted_scheme(side_a.project, "income_share", INCOME_SHARE)
    set_budget(side_a.project, JULY, 150_000)
    client = api_client_for(side_a.manager)

    first = client.post(
        f"{API}/charges/run/", {"project": side_a.project.pk, "month": "2025-07"}, format="json"
    )
    assert first.status_code == 201, first.content
    run = first.json()
    assert (run["month"], run["household_count"], run["budget_cents"]) == ("2025-07-01", 2, 150_000)
    assert run["total_cents"] == sum(Charge.objects.values_list("amount_cents", flat=True))
    assert run["scheme_name"] == "Scheme"

    again = client.post(
        f"{API}/charges/run/", {"project": side_a.project.pk, "month": "2025-07-01"}, format="json"
    )
    assert again.status_code == 200
    assert again.json()["id"] == run["id"]
    assert Charge.objects.count() == 2
    assert ChargeRun.objects.count() == 1


@pytest.mark.parametrize(
    ("month", "budget"),
    [("2025-07-15", True), ("2025-07", False), ("2999-01", True), ("someday", True)],
)
def test_a_month_that_cannot_be_run_is_refused_on_month(side_a, month, budget):
    adopted_scheme(side_a.project)
    if budget:
        set_budget(side_a.project, JULY, 150_000)
    before = money_rows()

    response = api_client_for(side_a.manager).post(
        f"{API}/charges/run/", {"project": side_a.project.pk, "month": month}, format="json"
    )

    assert response.status_code == 400
    assert "month" in response.json()
    assert money_rows() == before


def test_who_may_run_the_charges(side_a, side_b):
    adopted_scheme(side_a.project)
    set_budget(side_a.project, JULY, 150_000)
    body = {"project": side_a.project.pk, "month": "2025-07"}

    assert api_client_for(side_a.resident_user).post(f"{API}/charges/run/", body).status_code == 403
    assert api_client_for(side_a.officer).post(f"{API}/charges/run/", body).status_code == 404
    assert api_client_for(side_b.manager).post(f"{API}/charges/run/", body).status_code == 404
    missing = api_client_for(side_a.manager).post(
        f"{API}/charges/run/", {"project": 10**9, "month": "2025-07"}
    )
    assert missing.status_code == 404
    assert not ChargeRun.objects.exists()


def test_a_household_sees_its_own_charges_and_a_manager_all_of_the_projects(charged):
    side = charged.side
    mine = api_client_for(side.resident_user).get(f"{API}/charges/")
    assert mine.status_code == 200
    rows = mine.json()["results"]
    assert [(row["household"], row["amount_cents"]) for row in rows] == [
        (side.household.pk, OWN_CHARGE)
    ]
    assert rows[0]["breakdown"]["rule"] == "rate"
    assert rows[0]["breakdown"]["income_cents"] == 240_000  # its own income, shown to itself
    neighbour_charge = Charge.objects.get(household=side.neighbour)
    assert (
        api_client_for(side.resident_user).get(f"{API}/charges/{neighbour_charge.pk}/").status_code
        == 404
    )

    managed = api_client_for(side.manager).get(f"{API}/charges/?month_after=2025-06-01")
    assert {row["household"]: row["amount_cents"] for row in managed.json()["results"]} == {
        side.household.pk: OWN_CHARGE,
        side.neighbour.pk: NEIGHBOUR_CHARGE,
    }


def test_a_manager_reading_charges_that_tell_incomes_is_logged_per_household(charged):
    side = charged.side
    api_client_for(side.resident_user).get(f"{API}/charges/")
    assert not IncomeAccessLog.objects.exists()  # a household reading its own: no entry

    api_client_for(side.manager).get(f"{API}/charges/")
    entries = IncomeAccessLog.objects.filter(actor=side.manager, action=IncomeAccess.VIEWED)
    assert sorted(entries.values_list("household_id", flat=True)) == sorted(
        [side.household.pk, side.neighbour.pk]
    )
    assert all(entry.detail["view"] == "charges" for entry in entries)

    charge = Charge.objects.get(household=side.neighbour)
    api_client_for(side.manager).get(f"{API}/charges/{charge.pk}/")
    assert entries.filter(household=side.neighbour).count() == 2


def test_charges_under_a_flat_scheme_tell_no_income_and_log_nothing(side_a):
    adopted_scheme(side_a.project, "flat", {"basis": "equal"})
    set_budget(side_a.project, JUNE, 100_000)
    charges_run(project=side_a.project, month=JUNE)

    response = api_client_for(side_a.manager).get(f"{API}/charges/")

    assert [row["amount_cents"] for row in response.json()["results"]] == [50_000, 50_000]
    assert not IncomeAccessLog.objects.filter(actor=side_a.manager).exists()


def test_charge_runs_are_the_managers(charged):
    side = charged.side
    managed = api_client_for(side.manager).get(f"{API}/charge-runs/")
    assert [row["id"] for row in managed.json()["results"]] == [charged.run.pk]
    assert managed.json()["results"][0]["total_cents"] == OWN_CHARGE + NEIGHBOUR_CHARGE
    for user in (side.resident_user, side.officer):
        client = api_client_for(user)
        assert client.get(f"{API}/charge-runs/").json()["count"] == 0
        assert client.get(f"{API}/charge-runs/{charged.run.pk}/").status_code == 404


# --- Payments -----------------------------------------------------------------------------


def test_a_manager_records_a_payment(side_a):
    response = api_client_for(side_a.manager).post(
        f"{API}/payments/",
        {
            "household": side_a.household.pk,
            "amount_cents": 45_000,
            "paid_on": "2025-06-03",
            "reference": "cash",
        },
        format="json",
    )
    assert response.status_code == 201, response.content
    body = response.json()
    assert (body["amount_cents"], body["source"], body["recorded_by"]) == (
        45_000,
        PaymentSource.MANUAL,
        side_a.manager.pk,
    )
    assert body["household_unit"] == "1A"


@pytest.mark.parametrize(
    ("changes", "field"),
    [
        ({"amount_cents": -100}, "amount_cents"),
        ({"amount_cents": 0}, "amount_cents"),
        ({"amount_cents": "lots"}, "amount_cents"),
        ({"paid_on": "2999-01-01"}, "paid_on"),
        ({"household": "one"}, "household"),
    ],
)
def test_a_bad_payment_is_refused_on_its_field_and_nothing_is_written(side_a, changes, field):
    body = {"household": side_a.household.pk, "amount_cents": 1000, "paid_on": "2025-06-03"}
    before = money_rows()

    response = api_client_for(side_a.manager).post(
        f"{API}/payments/", {**body, **changes}, format="json"
    )

    assert response.status_code == 400
    assert field in response.json()
    assert money_rows() == before


@pytest.mark.parametrize("amount", [1000, -5])
def test_who_may_record_a_payment(side_a, side_b, amount):
    """Refused users learn nothing from the validation: a bad amount answers as a good one."""
    body = {"household": side_a.household.pk, "amount_cents": amount, "paid_on": "2025-06-03"}
    assert api_client_for(side_a.resident_user).post(f"{API}/payments/", body).status_code == 403
    assert api_client_for(side_a.officer).post(f"{API}/payments/", body).status_code == 404
    assert api_client_for(side_b.manager).post(f"{API}/payments/", body).status_code == 404
    assert not Payment.objects.exists()


def test_a_household_sees_its_own_payments(charged):
    side = charged.side
    client = api_client_for(side.resident_user)
    rows = client.get(f"{API}/payments/").json()["results"]
    assert [row["id"] for row in rows] == [charged.payment.pk]
    assert client.get(f"{API}/payments/{charged.neighbour_payment.pk}/").status_code == 404
    managed = api_client_for(side.manager).get(f"{API}/payments/?household={side.neighbour.pk}")
    assert [row["id"] for row in managed.json()["results"]] == [charged.neighbour_payment.pk]


def bank_statement(side, *rows: str) -> str:
    return "\n".join(["date;amount;reference;name", *rows]) + "\n"


def test_a_bank_statement_is_checked_in_a_dry_run_and_then_imported(side_a):
    client = api_client_for(side_a.manager)
    text = bank_statement(
        side_a,
        f"2025-06-02;450,00;Rent {side_a.household.payment_reference};Ana",
        f"03/06/2025;1.234,56;{side_a.neighbour.payment_reference.lower()};Ben",
    )

    dry = client.post(
        f"{API}/payments/import/",
        {"project": side_a.project.pk, "file": csv_upload(text), "dry_run": "true"},
        format="multipart",
    )
    assert dry.status_code == 200, dry.content
    body = dry.json()
    assert (body["dry_run"], body["count"], body["total_cents"]) == (True, 2, 45_000 + 123_456)
    assert [(row["line"], row["household"]) for row in body["rows"]] == [
        (2, side_a.household.pk),
        (3, side_a.neighbour.pk),
    ]
    assert body["payments"] == []
    assert not Payment.objects.exists()

    real = client.post(
        f"{API}/payments/import/",
        {"project": side_a.project.pk, "file": csv_upload(text)},
        format="multipart",
    )
    assert real.status_code == 201
    assert len(real.json()["payments"]) == 2
    assert set(Payment.objects.values_list("source", flat=True)) == {PaymentSource.BANK_IMPORT}

    again = client.post(
        f"{API}/payments/import/",
        {"project": side_a.project.pk, "file": csv_upload(text)},
        format="multipart",
    )
    assert again.status_code == 400
    assert Payment.objects.count() == 2


def test_a_statement_with_a_bad_row_is_refused_whole_with_the_rows_numbers(side_a):
    text = bank_statement(
        side_a,
        f"2025-06-02;450,00;{side_a.household.payment_reference};Ana",
        "2025-06-03;12,00;NOBODY;Zed",
        f"2025-06-04;-20,00;{side_a.neighbour.payment_reference};Ben",
    )
    before = money_rows()

    for dry_run in ("true", "false"):
        response = api_client_for(side_a.manager).post(
            f"{API}/payments/import/",
            {"project": side_a.project.pk, "file": csv_upload(text), "dry_run": dry_run},
            format="multipart",
        )
        assert response.status_code == 400
        problems = response.json()["file"]
        assert [problem.split(":")[0] for problem in problems] == ["Row 3", "Row 4"]
    assert money_rows() == before


@pytest.mark.parametrize(
    "text",
    ["", "when;how much\n2025-06-01;3\n", "date;amount;reference\n"],
)
def test_an_unreadable_statement_is_refused_on_file(side_a, text):
    response = api_client_for(side_a.manager).post(
        f"{API}/payments/import/",
        {"project": side_a.project.pk, "file": csv_upload(text)},
        format="multipart",
    )
    assert response.status_code == 400
    assert "file" in response.json()
    assert not Payment.objects.exists()


def test_who_may_import_a_bank_statement(side_a, side_b):
    text = bank_statement(side_a, f"2025-06-02;450,00;{side_a.household.payment_reference};A")

    def post(user):
        return api_client_for(user).post(
            f"{API}/payments/import/",
            {"project": side_a.project.pk, "file": csv_upload(text)},
            format="multipart",
        )

    assert post(side_a.resident_user).status_code == 403
    assert post(side_a.officer).status_code == 404
    assert post(side_b.manager).status_code == 404
    assert not Payment.objects.exists()


# --- Balances and arrears -----------------------------------------------------------------


def test_a_manager_sees_every_households_balance(charged):
    side = charged.side
    response = api_client_for(side.manager).get(f"{API}/projects/{side.project.pk}/balances/")
    assert response.status_code == 200
    body = response.json()
    assert {row["household"]: row["balance_cents"] for row in body["households"]} == {
        side.household.pk: OWN_CHARGE - 50_000,
        side.neighbour.pk: 0,
    }
    assert body["balance_cents"] == OWN_CHARGE - 50_000
    assert body["charged_cents"] == OWN_CHARGE + NEIGHBOUR_CHARGE


def test_arrears_list_who_owes_and_for_how_long(charged):
    side = charged.side
    client = api_client_for(side.manager)
    url = f"{API}/projects/{side.project.pk}/arrears/"

    rows = client.get(url).json()["households"]
    assert rows == [
        {
            "household": side.household.pk,
            "unit_label": "1A",
            "balance_cents": OWN_CHARGE - 50_000,
            "months_in_arrears": 1,
            "oldest_unpaid_month": "2025-06-01",
        }
    ]
    assert client.get(f"{url}?min_months=2").json()["households"] == []
    assert client.get(f"{url}?min_amount_cents=30000").json()["households"] == []
    bad = client.get(f"{url}?min_amount_cents=-5")
    assert bad.status_code == 400
    assert "min_amount_cents" in bad.json()


@pytest.mark.parametrize("endpoint", ["balances", "arrears"])
def test_balances_and_arrears_are_the_managers_only(charged, side_b, endpoint):
    side = charged.side
    for user in (side.resident_user, side.officer, side_b.manager):
        response = api_client_for(user).get(f"{API}/projects/{side.project.pk}/{endpoint}/")
        assert response.status_code == 404


# --- Statements ---------------------------------------------------------------------------


def test_a_household_reads_its_statement(charged):
    side = charged.side
    response = api_client_for(side.resident_user).get(
        f"{API}/households/{side.household.pk}/statement/?start=2025-06-01&end=2025-06-30"
    )
    assert response.status_code == 200
    body = response.json()
    assert (body["opening_balance_cents"], body["closing_balance_cents"]) == (
        0,
        OWN_CHARGE - 50_000,
    )
    assert [(line["kind"], line["balance_cents"]) for line in body["lines"]] == [
        ("charge", OWN_CHARGE),
        ("payment", OWN_CHARGE - 50_000),
    ]
    assert "Income share" in body["lines"][0]["description"]


def test_a_statement_brings_the_balance_forward(charged):
    side = charged.side
    response = api_client_for(side.manager).get(
        f"{API}/households/{side.household.pk}/statement/?start=2025-06-03"
    )
    body = response.json()
    assert body["opening_balance_cents"] == OWN_CHARGE  # June's charge, dated the 1st
    assert [line["kind"] for line in body["lines"]] == ["payment"]


def test_a_statement_as_csv(charged):
    side = charged.side
    charged.payment.reference = "=HYPERLINK(1)"
    charged.payment.save()

    response = api_client_for(side.resident_user).get(
        f"{API}/households/{side.household.pk}/statement/?start=2025-06-01&end=2025-06-30&format=csv"
    )

    assert response.status_code == 200
    assert response["Content-Type"].startswith("text/csv")
    assert "attachment" in response["Content-Disposition"]
    rows = list(csv.reader(io.StringIO(response.content.decode())))
    assert rows[0][0] == "Date"
    assert rows[1] == ["2025-06-01", "Balance brought forward", "", "", "0.00"]
    assert rows[2][0] == "2025-06-01"
    assert rows[2][2:] == ["720.00", "", "720.00"]
    assert rows[3] == ["2025-06-05", "'=HYPERLINK(1)", "", "500.00", "220.00"]
    assert rows[4][2:] == ["720.00", "500.00", "220.00"]


def test_a_negative_balance_stays_a_number_in_the_csv(charged):
    side = charged.side
    response = api_client_for(side.resident_user).get(
        f"{API}/households/{side.household.pk}/statement/?start=2025-06-02&end=2025-06-30&format=csv"
    )
    rows = list(csv.reader(io.StringIO(response.content.decode())))
    assert rows[1][4] == "720.00"
    Payment.objects.filter(pk=charged.payment.pk).update(amount_cents=100_000)
    response = api_client_for(side.resident_user).get(
        f"{API}/households/{side.household.pk}/statement/?start=2025-06-02&format=csv"
    )
    rows = list(csv.reader(io.StringIO(response.content.decode())))
    assert rows[2][4] == "-280.00"


def test_a_statement_period_must_run_forwards(charged):
    side = charged.side
    response = api_client_for(side.resident_user).get(
        f"{API}/households/{side.household.pk}/statement/?start=2025-06-30&end=2025-06-01"
    )
    assert response.status_code == 400
    assert "end" in response.json()
    bad_date = api_client_for(side.resident_user).get(
        f"{API}/households/{side.household.pk}/statement/?start=soon"
    )
    assert bad_date.status_code == 400
    assert "start" in bad_date.json()


def test_another_households_statement_answers_404(charged, side_b):
    side = charged.side
    url = f"{API}/households/{side.neighbour.pk}/statement/"
    for user in (side.resident_user, side.officer, side_b.manager):
        assert api_client_for(user).get(url).status_code == 404
        assert api_client_for(user).get(f"{url}?format=csv").status_code == 404
    assert api_client_for(side.manager).get(url).status_code == 200


# --- Affordability ------------------------------------------------------------------------


def affordability(user, url: str, query: str = "?until=2025-06"):
    return api_client_for(user).get(f"{API}{url}{query}")


def test_a_manager_sees_the_projects_affordability_and_each_household(charged):
    """June: the household pays 72 000 + 30 000 utilities out of 240 000 disposable, a ratio
    of 0.425 (overburdened, Eurostat's 40 %), 0.34 of its 300 000 gross (over the 30 % rule);
    the neighbour 56 296 out of 187 654, 0.3000 (56 296 ÷ 187 654 = 0.29999…)."""
    side = charged.side
    side.household.utilities_monthly_cents = 30_000
    side.household.save()

    response = affordability(side.manager, f"/projects/{side.project.pk}/affordability/")

    assert response.status_code == 200, response.content
    body = response.json()
    assert (body["start"], body["until"], body["latest_month"]) == (
        "2024-07-01",
        "2025-06-01",
        "2025-06-01",
    )
    assert body["currency"] == "EUR"
    assert len(body["months"]) == 12
    june = body["months"][-1]
    assert (june["households"], june["measured"], june["overburdened"]) == (2, 2, 1)
    assert (june["overburden_rate"], june["median_ratio"]) == ("0.5000", "0.3625")
    assert body["months"][0]["households"] == 0
    assert body["months"][0]["overburden_rate"] is None
    rows = {row["household"]: row for row in body["households"]}
    own = rows[side.household.pk]
    assert (own["ratio"], own["overburdened"], own["thirty_rule"], own["severely_burdened"]) == (
        "0.4250",
        True,
        True,
        False,
    )
    assert (own["housing_cost_cents"], own["residual_cents"]) == (102_000, 138_000)
    assert (own["equivalised_cents"], own["at_risk_of_poverty"]) == (240_000, False)
    assert (rows[side.neighbour.pk]["ratio"], rows[side.neighbour.pk]["overburdened"]) == (
        "0.3000",
        False,
    )
    bins = {item["label"]: item["count"] for item in body["histogram"]}
    assert sum(bins.values()) == 2
    assert [item["count"] for item in body["histogram"] if item["lower"] == "0.2000"] == [1]
    assert [item["count"] for item in body["histogram"] if item["lower"] == "0.4000"] == [1]


def test_a_managers_look_at_affordability_is_logged_per_household(charged):
    side = charged.side
    affordability(side.manager, f"/projects/{side.project.pk}/affordability/")
    affordability(side.manager, f"/households/{side.neighbour.pk}/affordability/")

    entries = IncomeAccessLog.objects.filter(actor=side.manager, detail__view="affordability")
    assert sorted(entries.values_list("household_id", flat=True)) == sorted(
        [side.household.pk, side.neighbour.pk, side.neighbour.pk]
    )


def test_a_household_sees_its_own_affordability_only(charged, side_b):
    side = charged.side
    own = affordability(side.resident_user, f"/households/{side.household.pk}/affordability/")
    assert own.status_code == 200
    body = own.json()
    assert body["household"] == side.household.pk
    assert [(row["month"], row["ratio"]) for row in body["months"]] == [("2025-06-01", "0.3000")]
    assert not IncomeAccessLog.objects.filter(actor=side.resident_user).exists()

    for user in (side.resident_user, side.officer, side_b.manager):
        assert (
            affordability(user, f"/households/{side.neighbour.pk}/affordability/").status_code
            == 404
        )
        assert affordability(user, f"/projects/{side.project.pk}/affordability/").status_code == 404


@pytest.mark.parametrize(
    ("query", "field"),
    [
        ("?months=0", "months"),
        ("?months=121", "months"),
        ("?months=many", "months"),
        ("?until=2025-06-15", "until"),
        ("?until=June", "until"),
    ],
)
@pytest.mark.parametrize("scope", ["project", "household"])
def test_a_bad_affordability_question_is_refused_on_its_field(charged, query, field, scope):
    side = charged.side
    url = (
        f"/projects/{side.project.pk}/affordability/"
        if scope == "project"
        else f"/households/{side.household.pk}/affordability/"
    )
    response = affordability(side.manager, url, query)
    assert response.status_code == 400
    assert field in response.json()
    assert not IncomeAccessLog.objects.filter(detail__view="affordability").exists()


# --- Income declarations (members API): the fields the schemes need --------------------------


def test_an_income_declaration_takes_the_schemes_facts_and_the_manager_verifies_it(side_a):
    client = api_client_for(side_a.resident_user)
    response = client.post(
        f"{API}/income-declarations/",
        {
            "household": side_a.household.pk,
            "valid_from": "2025-07-01",
            "gross_monthly_cents": 300_000,
            "disposable_monthly_cents": 250_000,
            "housing_allowance_cents": 10_000,
            "medical_costs_cents": 2_000,
            "childcare_costs_cents": 15_000,
            "elderly_or_disabled": True,
            "evidence_status": "submitted",
        },
        format="json",
    )
    assert response.status_code == 201, response.content
    declaration = response.json()
    assert (declaration["childcare_costs_cents"], declaration["elderly_or_disabled"]) == (
        15_000,
        True,
    )

    history = client.get(f"{API}/income-declarations/?household={side_a.household.pk}")
    assert {row["valid_from"] for row in history.json()["results"]} == {
        "2025-07-01",
        "2025-01-01",
    }

    assert client.post(f"{API}/income-declarations/{declaration['id']}/verify/").status_code == 403
    verified = api_client_for(side_a.manager).post(
        f"{API}/income-declarations/{declaration['id']}/verify/"
    )
    assert verified.status_code == 200
    assert verified.json()["evidence_status"] == "verified"
    assert IncomeAccessLog.objects.filter(
        actor=side_a.manager, action=IncomeAccess.VERIFIED, household=side_a.household
    ).exists()


def test_a_negative_income_is_refused_on_its_field_and_nothing_is_written(side_a):
    before = money_rows()
    response = api_client_for(side_a.resident_user).post(
        f"{API}/income-declarations/",
        {
            "household": side_a.household.pk,
            "valid_from": "2025-07-01",
            "gross_monthly_cents": 300_000,
            "disposable_monthly_cents": -1,
        },
        format="json",
    )
    assert response.status_code == 400
    assert "disposable_monthly_cents" in response.json()
    assert money_rows() == before
    assert IncomeDeclaration.objects.count() == 2


# --- Privacy: what a resident can get never tells another household's income ----------------


def resident_readable_urls(charged) -> list[str]:
    side = charged.side
    return [
        f"{API}/budgets/",
        f"{API}/schemes/",
        f"{API}/schemes/{charged.scheme.pk}/",
        f"{API}/charges/",
        f"{API}/charge-runs/",
        f"{API}/payments/",
        f"{API}/income-declarations/",
        f"{API}/households/{side.household.pk}/statement/?start=2025-01-01",
        f"{API}/households/{side.household.pk}/statement/?start=2025-01-01&format=csv",
        f"{API}/households/{side.neighbour.pk}/statement/",
        f"{API}/households/{side.household.pk}/affordability/?until=2025-06",
        f"{API}/households/{side.neighbour.pk}/affordability/?until=2025-06",
        f"{API}/projects/{side.project.pk}/affordability/?until=2025-06",
        f"{API}/projects/{side.project.pk}/balances/",
        f"{API}/projects/{side.project.pk}/arrears/",
        f"{API}/charges/{Charge.objects.get(household=side.neighbour).pk}/",
        f"{API}/payments/{charged.neighbour_payment.pk}/",
    ]


def test_no_response_a_resident_can_get_tells_another_households_income(charged):
    side = charged.side
    client = api_client_for(side.resident_user)
    for url in resident_readable_urls(charged):
        response = client.get(url)
        assert response.status_code in (200, 404), url
        text = response.content.decode()
        assert str(NEIGHBOUR_INCOME) not in text, url
        assert str(NEIGHBOUR_CHARGE) not in text, url
        assert "562.96" not in text, url  # the neighbour's charge in currency units
        if response.status_code == 200 and "json" in response["Content-Type"]:
            body = json.loads(text)
            rows = (
                body.get("results", body.get("households", [])) if isinstance(body, dict) else body
            )
            assert all(row.get("household") != side.neighbour.pk for row in rows), url
    assert not IncomeAccessLog.objects.filter(actor=side.resident_user).exists()


def test_a_resident_sees_no_scheme_of_a_draft_kept_from_them(charged):
    """Drafts not put to a vote stay with the managers."""
    scheme_create(
        project=charged.side.project,
        name="Secret idea",
        method="flat",
        parameters={"basis": "equal"},
        valid_from=dt.date(2027, 1, 1),
    )
    listed = api_client_for(charged.side.resident_user).get(f"{API}/schemes/")
    assert "Secret idea" not in listed.content.decode()
    assert ContributionScheme.objects.count() == 2


# --- The schema -----------------------------------------------------------------------------

CONTRIBUTION_PATHS = {
    "/api/v1/budgets/": {"get", "post"},
    "/api/v1/schemes/": {"get", "post"},
    "/api/v1/schemes/{id}/": {"get", "patch"},
    "/api/v1/schemes/{id}/adopt/": {"post"},
    "/api/v1/schemes/{id}/retire/": {"post"},
    "/api/v1/schemes/simulate/": {"post"},
    "/api/v1/schemes/compare/": {"post"},
    "/api/v1/charges/": {"get"},
    "/api/v1/charges/run/": {"post"},
    "/api/v1/charge-runs/": {"get"},
    "/api/v1/payments/": {"get", "post"},
    "/api/v1/payments/import/": {"post"},
    "/api/v1/projects/{id}/balances/": {"get"},
    "/api/v1/projects/{id}/arrears/": {"get"},
    "/api/v1/projects/{id}/affordability/": {"get"},
    "/api/v1/households/{id}/affordability/": {"get"},
    "/api/v1/households/{id}/statement/": {"get"},
}


def test_the_schema_describes_the_contributions_endpoints(api_client):
    paths = api_client.get("/api/v1/schema/?format=json").json()["paths"]
    for path, methods in CONTRIBUTION_PATHS.items():
        assert methods <= set(paths[path]), path
    simulate_answers = paths["/api/v1/schemes/simulate/"]["post"]["responses"]
    assert {"200", "400", "403", "404"} <= set(simulate_answers)
    upload = paths["/api/v1/payments/import/"]["post"]["requestBody"]["content"]
    assert "multipart/form-data" in upload
    statement = paths["/api/v1/households/{id}/statement/"]["get"]["responses"]["200"]["content"]
    assert {"application/json", "text/csv"} <= set(statement)
