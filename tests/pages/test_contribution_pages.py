"""The contributions pages: budget, schemes, simulation and comparison, charge runs, payments and
the bank-statement import, balances and arrears, affordability, and a household's contributions,
statement and income declarations: who sees which, what the forms refuse (and that a refused form
writes nothing), and query counts that do not grow with the households."""

from __future__ import annotations

import csv
import datetime as dt
import io
from zoneinfo import ZoneInfo

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import formats, timezone

from community.money.models import (
    Budget,
    BudgetLine,
    Charge,
    ChargeRun,
    ContributionScheme,
    Payment,
    PaymentSource,
    SchemeStatus,
)
from community.money.selectors.ledger import households_charged_on_expired_income
from community.money.services.charges import charges_run
from community.money.services.payments import payment_record
from members.models import IncomeAccess, IncomeAccessLog, IncomeDeclaration
from tests.community.factories import adopted_scheme, set_budget
from tests.factories import HouseholdFactory, IncomeDeclarationFactory, ResidentFactory
from tests.pages.helpers import field_errors, html, shows

pytestmark = pytest.mark.django_db


def this_month(project) -> dt.date:
    return timezone.localdate(timezone=ZoneInfo(project.city.time_zone)).replace(day=1)


def month_text(day: dt.date) -> str:
    return f"{day.year:04d}-{day.month:02d}"


def previous(month: dt.date) -> dt.date:
    return (month - dt.timedelta(days=1)).replace(day=1)


class Books:
    """A project charged this month under an adopted flat scheme (3 000.00 among its
    households), with a payment of household 1A; a draft solidarity scheme beside it."""

    def __init__(self, side) -> None:
        self.side = side
        self.added = 0
        self.project = side.project
        self.month = this_month(self.project)
        self.scheme = adopted_scheme(
            self.project, "flat", {"basis": "equal"}, valid_from=dt.date(2025, 1, 1)
        )
        from community.money.services.schemes import scheme_create

        self.draft = scheme_create(
            project=self.project,
            name="Solidarity draft",
            method="solidarity",
            valid_from=dt.date(2030, 1, 1),
        )
        set_budget(self.project, self.month, 300_000)
        self.run = charges_run(project=self.project, month=self.month)
        self.payment = payment_record(
            household=side.household,
            amount_cents=50_000,
            paid_on=self.month,
            reference="Transfer May",
        )

    def add_households(self, count: int) -> None:
        """More households, each with an income, a charge of this month and a payment."""
        for _ in range(count):
            self.added += 1
            household = HouseholdFactory(project=self.project, unit_label=f"9{self.added:02d}")
            ResidentFactory(household=household)
            IncomeDeclarationFactory(household=household, disposable_monthly_cents=200_000)
            Charge.objects.create(
                household=household,
                month=self.month,
                amount_cents=40_000,
                scheme=self.scheme,
                run=self.run,
                breakdown={"rule": "flat", "basis": "equal", "amount_cents": 40_000},
            )
            payment_record(household=household, amount_cents=10_000, paid_on=self.month)


@pytest.fixture
def books(side_a) -> Books:
    return Books(side_a)


@pytest.fixture
def manager_client(client, side_a):
    client.force_login(side_a.manager)
    return client


@pytest.fixture
def resident_client(client, side_a):
    client.force_login(side_a.resident_user)
    return client


def manager_pages(books: Books) -> list[str]:
    project, month = books.project.pk, books.month
    return [
        f"/projects/{project}/budget/",
        f"/projects/{project}/budget/?month={month_text(month)}",
        f"/projects/{project}/schemes/",
        f"/projects/{project}/schemes/new/",
        f"/projects/{project}/schemes/new/?method=income_bands",
        f"/projects/{project}/schemes/new/?method=greatest_of",
        f"/schemes/{books.scheme.pk}/",
        f"/schemes/{books.draft.pk}/",
        f"/schemes/{books.draft.pk}/edit/",
        f"/projects/{project}/simulate/",
        f"/projects/{project}/simulate/?scheme={books.draft.pk}&month={month_text(month)}",
        f"/projects/{project}/schemes/compare/",
        f"/projects/{project}/schemes/compare/?first=scheme:{books.scheme.pk}"
        f"&second=scheme:{books.draft.pk}&month={month_text(month)}",
        f"/projects/{project}/charges/",
        f"/projects/{project}/charges/{month.year}/{month.month}/",
        f"/projects/{project}/payments/",
        f"/projects/{project}/payments/import/",
        f"/projects/{project}/balances/",
        f"/projects/{project}/arrears/",
        f"/projects/{project}/affordability/",
    ]


def household_pages(household) -> list[str]:
    return [
        f"/households/{household.pk}/contributions/",
        f"/households/{household.pk}/statement/",
        f"/households/{household.pk}/statement.csv",
        f"/households/{household.pk}/income/",
    ]


def statuses(client, pages: list[str]) -> dict[str, int]:
    return {page: client.get(page).status_code for page in pages}


def answering(code: int, answers: dict[str, int]) -> dict[str, int]:
    """The pages that answered something else (empty when all is well)."""
    return {page: status for page, status in answers.items() if status != code}


# --- Who sees what ---------------------------------------------------------------------------


def test_every_manager_page_opens_for_the_projects_manager(manager_client, books):
    assert answering(200, statuses(manager_client, manager_pages(books))) == {}
    response = manager_client.get(f"/projects/{books.project.pk}/contributions/")
    assert response.status_code == 200


def test_a_resident_is_refused_every_manager_page(resident_client, books):
    """403 where the resident knows the thing exists (their project, its adopted scheme); a
    draft is a manager's until it is put to the vote: 404."""
    drafts = [f"/schemes/{books.draft.pk}/", f"/schemes/{books.draft.pk}/edit/"]
    pages = [page for page in manager_pages(books) if page not in drafts]
    assert answering(403, statuses(resident_client, pages)) == {}
    assert answering(404, statuses(resident_client, drafts)) == {}


def test_the_overview_takes_a_resident_to_their_own_household(resident_client, books, side_a):
    response = resident_client.get(f"/projects/{books.project.pk}/contributions/")
    assert response.status_code == 302
    assert response.url == f"/households/{side_a.household.pk}/contributions/"


def test_officers_and_other_projects_managers_find_nothing(client, books, side_a, side_b):
    pages = [
        *manager_pages(books),
        f"/projects/{books.project.pk}/contributions/",
        *household_pages(side_a.household),
        *household_pages(side_a.neighbour),
    ]
    for user in (side_a.officer, side_b.manager, side_b.resident_user):
        client.force_login(user)
        assert answering(404, statuses(client, pages)) == {}, user


def test_a_manager_of_the_projects_twin_finds_nothing(client, books, side_a):
    """A manager of the other project of the same city."""
    from tests.factories import make_manager

    client.force_login(make_manager(side_a.other_project))
    assert answering(404, statuses(client, manager_pages(books))) == {}


def test_a_resident_opens_their_own_household_pages_only(resident_client, books, side_a):
    assert answering(200, statuses(resident_client, household_pages(side_a.household))) == {}
    assert answering(404, statuses(resident_client, household_pages(side_a.neighbour))) == {}
    assert answering(404, statuses(resident_client, household_pages(side_a.other_household))) == {}


def test_the_manager_opens_every_household_page_of_the_project(manager_client, books, side_a):
    for household in (side_a.household, side_a.neighbour):
        assert answering(200, statuses(manager_client, household_pages(household))) == {}
    assert answering(404, statuses(manager_client, household_pages(side_a.other_household))) == {}


def test_writes_are_refused_to_residents(resident_client, books, side_a):
    project = books.project.pk
    posts = [
        (f"/projects/{project}/budget/", {}),
        (f"/projects/{project}/schemes/new/", {"method": "flat"}),
        (f"/schemes/{books.draft.pk}/edit/", {}),
        (f"/schemes/{books.draft.pk}/adopt/", {}),
        (f"/schemes/{books.scheme.pk}/retire/", {}),
        (f"/projects/{project}/charges/", {"month": month_text(books.month)}),
        (f"/projects/{project}/payments/", {}),
        (f"/projects/{project}/payments/import/", {}),
        (f"/income/{side_a.income.pk}/verify/", {"evidence_status": "verified"}),
    ]
    # The draft is not shown to residents at all; the rest answers 403.
    answers = {url: resident_client.post(url, data).status_code for url, data in posts}
    assert answers.pop(f"/schemes/{books.draft.pk}/edit/") == 404
    assert answers.pop(f"/schemes/{books.draft.pk}/adopt/") == 404
    assert answering(403, answers) == {}
    books.draft.refresh_from_db()
    assert books.draft.status == SchemeStatus.DRAFT
    assert ChargeRun.objects.count() == 1
    assert Payment.objects.count() == 1
    side_a.income.refresh_from_db()
    assert side_a.income.verified_by is None


# --- Budget ----------------------------------------------------------------------------------

FUTURE = "2030-01"


def budget_rows(*rows: tuple[str, str, str], total: int | None = None) -> dict[str, str]:
    data = {
        "lines-TOTAL_FORMS": str(total if total is not None else len(rows)),
        "lines-INITIAL_FORMS": "0",
        "lines-MIN_NUM_FORMS": "0",
        "lines-MAX_NUM_FORMS": "1000",
        "status": "approved",
        "note": "",
    }
    for index, (category, label, amount) in enumerate(rows):
        data |= {
            f"lines-{index}-category": category,
            f"lines-{index}-label": label,
            f"lines-{index}-amount_cents": amount,
        }
    return data


def test_the_manager_sets_a_months_budget_in_currency_units(manager_client, books):
    url = f"/projects/{books.project.pk}/budget/?month={FUTURE}"

    response = manager_client.post(
        url,
        budget_rows(("loan", "Mortgage", "1234.56"), ("maintenance", "Lift", "100")),
        follow=True,
    )

    budget = Budget.objects.get(project=books.project, month=dt.date(2030, 1, 1))
    assert sorted(budget.lines.values_list("label", "amount_cents")) == [
        ("Lift", 10_000),
        ("Mortgage", 123_456),
    ]
    page = html(response)
    assert "Budget of January 2030 saved." in page
    assert "€1,334.56" in page  # the total, in the project's currency
    assert 'name="lines-TOTAL_FORMS" value="2"' in page  # the lines come back to edit


def test_a_negative_line_is_refused_on_its_field_and_nothing_is_saved(manager_client, books):
    url = f"/projects/{books.project.pk}/budget/?month={FUTURE}"

    response = manager_client.post(
        url, budget_rows(("loan", "Mortgage", "1000"), ("other", "Refund", "-5"))
    )

    assert response.status_code == 200
    assert field_errors(html(response), "lines-1-amount_cents") == [
        "Ensure this value is greater than or equal to 0."
    ]
    assert not Budget.objects.filter(month=dt.date(2030, 1, 1)).exists()


def test_adding_a_line_shows_the_lines_typed_and_one_more_and_saves_nothing(manager_client, books):
    url = f"/projects/{books.project.pk}/budget/?month={FUTURE}"

    response = manager_client.post(
        url, {**budget_rows(("loan", "Mortgage", "1000"), ("other", "", "")), "add_line": "1"}
    )

    page = html(response)
    assert 'name="lines-TOTAL_FORMS" value="3"' in page
    assert 'value="Mortgage"' in page
    assert "errorlist" not in page  # the rows are judged on "Save", not before
    assert not Budget.objects.filter(month=dt.date(2030, 1, 1)).exists()


def test_removing_a_line_drops_it(manager_client, books):
    url = f"/projects/{books.project.pk}/budget/?month={FUTURE}"
    data = budget_rows(("loan", "Mortgage", "1000"), ("other", "Old", "50"))

    manager_client.post(url, {**data, "lines-1-DELETE": "on"})

    budget = Budget.objects.get(month=dt.date(2030, 1, 1))
    assert list(budget.lines.values_list("label", flat=True)) == ["Mortgage"]


def test_a_charged_months_budget_is_shown_and_cannot_change(manager_client, books):
    url = f"/projects/{books.project.pk}/budget/?month={month_text(books.month)}"

    page = html(manager_client.get(url))
    response = manager_client.post(url, budget_rows(("loan", "More", "9999")))

    assert "This month has been charged: its budget is final." in page
    assert "lines-TOTAL_FORMS" not in page
    assert response.status_code == 200
    lines = BudgetLine.objects.filter(budget__project=books.project, budget__month=books.month)
    assert list(lines.values_list("amount_cents", flat=True)) == [300_000]


def test_a_new_month_starts_from_the_previous_months_lines(manager_client, books):
    next_month = (books.month + dt.timedelta(days=32)).replace(day=1)

    page = html(
        manager_client.get(f"/projects/{books.project.pk}/budget/?month={month_text(next_month)}")
    )

    assert "No budget for this month yet." in page
    assert 'value="3000.00"' in page  # this month's line, to check and save
    assert not Budget.objects.filter(month=next_month).exists()


# --- Schemes ---------------------------------------------------------------------------------


def scheme_data(method: str, **parameters: str) -> dict[str, str]:
    return {"method": method, "name": "New draft", "valid_from": FUTURE, "valid_to": ""} | (
        parameters
    )


INCOME_SHARE = {
    "rate_percent": "30",
    "floor_cents": "100",
    "cap": "fixed",
    "cap_cents": "900",
    "missing_income": "cap",
    "cost_share_basis": "equal",
    "cost_share_percent": "100",
}


def bands(*rows: tuple[str, str, str, str]) -> dict[str, str]:
    data = {
        "bands-TOTAL_FORMS": str(len(rows)),
        "bands-INITIAL_FORMS": "0",
        "bands-MIN_NUM_FORMS": "0",
        "bands-MAX_NUM_FORMS": "1000",
        "income": "disposable",
        "missing_income": "cap",
        "cost_share_basis": "equal",
        "cost_share_percent": "100",
    }
    for index, (start, end, amount, rate) in enumerate(rows):
        data |= {
            f"bands-{index}-from_cents": start,
            f"bands-{index}-to_cents": end,
            f"bands-{index}-amount_cents": amount,
            f"bands-{index}-rate_percent": rate,
        }
    return data


def test_the_method_comes_first_then_its_parameters_with_their_defaults(manager_client, books):
    url = f"/projects/{books.project.pk}/schemes/new/"

    choosing = html(manager_client.get(url))
    hud = html(manager_client.get(f"{url}?method=greatest_of"))

    assert 'name="method" value="solidarity"' in choosing
    # HUD's figures as the defaults: 30 % and 10 %, $50 minimum, $480 and $525 allowances.
    assert 'name="adjusted_rate_percent" value="30"' in hud
    assert 'name="gross_rate_percent" value="10"' in hud
    assert 'name="minimum_cents" value="50.00"' in hud
    assert 'name="dependant_allowance_cents" value="480.00"' in hud
    assert 'name="elderly_allowance_cents" value="525.00"' in hud


def test_a_draft_is_saved_with_amounts_in_cents_and_rates_in_percent(manager_client, books):
    response = manager_client.post(
        f"/projects/{books.project.pk}/schemes/new/",
        scheme_data("income_share", **(INCOME_SHARE | {"rate_percent": "27.5"})),
    )

    scheme = ContributionScheme.objects.get(name="New draft")
    assert response.status_code == 302
    assert response.url == f"/schemes/{scheme.pk}/"
    assert scheme.status == SchemeStatus.DRAFT
    assert scheme.valid_from == dt.date(2030, 1, 1)
    assert scheme.parameters["rate_percent"] == "27.5"
    assert (scheme.parameters["floor_cents"], scheme.parameters["cap_cents"]) == (10_000, 90_000)
    assert scheme.parameters["cap"] is None
    assert scheme.created_by is not None


def test_a_floor_above_the_cap_is_refused_on_the_floor(manager_client, books):
    response = manager_client.post(
        f"/projects/{books.project.pk}/schemes/new/",
        scheme_data("income_share", **INCOME_SHARE | {"floor_cents": "1000", "cap_cents": "900"}),
    )

    assert response.status_code == 200
    assert field_errors(html(response), "floor_cents") == ["The floor cannot be above the cap."]
    assert not ContributionScheme.objects.filter(name="New draft").exists()


def test_overlapping_bands_are_refused_above_the_bands_table(manager_client, books):
    data = scheme_data("income_bands") | bands(("0", "1000", "", "20"), ("900", "", "", "30"))

    response = manager_client.post(f"/projects/{books.project.pk}/schemes/new/", data)

    assert response.status_code == 200
    assert "Bands 1 and 2 overlap." in html(response)
    assert not ContributionScheme.objects.filter(name="New draft").exists()


def test_bands_are_saved_in_cents_and_a_band_can_be_added(manager_client, books):
    url = f"/projects/{books.project.pk}/schemes/new/"
    data = scheme_data("income_bands") | bands(("0", "1000", "", "20"), ("1000", "", "350", ""))

    adding = html(manager_client.post(url, {**data, "add_band": "1"}))
    manager_client.post(url, data)

    assert 'name="bands-TOTAL_FORMS" value="3"' in adding
    scheme = ContributionScheme.objects.get(name="New draft")
    assert scheme.parameters["bands"] == [
        {"from_cents": 0, "to_cents": 100_000, "rate_percent": "20"},
        {"from_cents": 100_000, "to_cents": None, "amount_cents": 35_000},
    ]


def test_a_draft_is_edited_and_can_switch_method(manager_client, books):
    url = f"/schemes/{books.draft.pk}/edit/"

    switching = html(manager_client.get(f"{url}?method=flat"))
    manager_client.post(url, scheme_data("flat", basis="unit_area") | {"name": "Renamed"})

    assert 'name="basis"' in switching
    books.draft.refresh_from_db()
    assert (books.draft.name, books.draft.method) == ("Renamed", "flat")
    assert books.draft.parameters == {"basis": "unit_area"}


def test_adopting_a_draft_that_overlaps_the_scheme_in_force_shows_why(manager_client, books):
    response = manager_client.post(f"/schemes/{books.draft.pk}/adopt/")

    assert response.status_code == 200
    assert "“Scheme” is in force from 2025-01-01 with no end." in html(response)
    books.draft.refresh_from_db()
    assert books.draft.status == SchemeStatus.DRAFT


def test_retiring_the_scheme_in_force_then_adopting_the_draft(manager_client, books):
    retired = manager_client.post(
        f"/schemes/{books.scheme.pk}/retire/", {"valid_to": "", "confirmed": "on"}
    )
    adopted = manager_client.post(f"/schemes/{books.draft.pk}/adopt/", follow=True)

    assert retired.status_code == 302
    books.scheme.refresh_from_db()
    books.draft.refresh_from_db()
    assert books.scheme.status == SchemeStatus.RETIRED
    assert books.scheme.valid_to.replace(day=1) == books.month  # the last month charged
    assert books.draft.status == SchemeStatus.ADOPTED
    assert books.draft.adopted_by_id is not None
    assert "“Solidarity draft” is adopted." in html(adopted)


def test_retiring_says_first_what_it_means_and_changes_nothing(manager_client, books, side_a):
    url = f"/schemes/{books.scheme.pk}/retire/"
    after = formats.date_format(books.month + dt.timedelta(days=31), "YEAR_MONTH_FORMAT")

    asked = html(manager_client.post(url, {"valid_to": ""}))

    books.scheme.refresh_from_db()
    assert books.scheme.status == SchemeStatus.ADOPTED and books.scheme.valid_to is None
    assert "Before you retire Scheme:" in asked
    assert f"No month from {after} on will be charged under it." in asked
    # Side A's two households, with no scheme adopted to follow it.
    assert f"No other scheme is adopted from {after}: the 2 households living in" in asked
    assert '<input type="hidden" name="confirmed" value="on">' in asked

    confirmed = manager_client.post(url, {"valid_to": "", "confirmed": "on"})

    assert confirmed.status_code == 302
    books.scheme.refresh_from_db()
    assert books.scheme.status == SchemeStatus.RETIRED


def test_retiring_names_the_scheme_adopted_to_follow(manager_client, books, side_a):
    books.scheme.valid_to = dt.date(2099, 12, 31)
    books.scheme.save()
    adopted_scheme(side_a.project, valid_from=dt.date(2100, 1, 1), name="Next one")

    asked = html(
        manager_client.post(f"/schemes/{books.scheme.pk}/retire/", {"valid_to": "2099-12"})
    )

    assert "From January 2100 the 2 households living in the project are charged under" in asked
    assert "Next one instead." in asked
    books.scheme.refresh_from_db()
    assert books.scheme.status == SchemeStatus.ADOPTED


@pytest.mark.parametrize("who", ["resident", "other_manager"])
def test_a_scheme_is_retired_by_its_projects_managers_only(client, books, side_a, side_b, who):
    user = side_a.resident_user if who == "resident" else side_b.manager
    client.force_login(user)

    asked = client.post(f"/schemes/{books.scheme.pk}/retire/", {"valid_to": ""})
    confirmed = client.post(
        f"/schemes/{books.scheme.pk}/retire/", {"valid_to": "", "confirmed": "on"}
    )

    expected = 403 if who == "resident" else 404
    assert (asked.status_code, confirmed.status_code) == (expected, expected)
    books.scheme.refresh_from_db()
    assert books.scheme.status == SchemeStatus.ADOPTED


def test_a_scheme_cannot_end_before_a_month_charged_under_it(manager_client, books):
    response = manager_client.post(
        f"/schemes/{books.scheme.pk}/retire/", {"valid_to": month_text(previous(books.month))}
    )

    assert response.status_code == 200
    assert field_errors(html(response), "valid_to") == [
        f"{formats.date_format(books.month, 'YEAR_MONTH_FORMAT')} was charged under this scheme: "
        "end after it."
    ]
    books.scheme.refresh_from_db()
    assert books.scheme.status == SchemeStatus.ADOPTED


# --- Simulation and comparison ----------------------------------------------------------------


def test_simulating_a_draft_shows_each_household_and_the_gap_to_the_budget(
    manager_client, books, side_a
):
    url = (
        f"/projects/{books.project.pk}/simulate/?scheme={books.draft.pk}"
        f"&month={month_text(books.month)}"
    )

    response = manager_client.get(url)

    simulation = response.context["simulation"]
    assert [row.household.unit_label for row in simulation.rows] == ["1A", "1B"]
    page = html(response)
    assert "The contributions cover the budget exactly." in page
    assert "€3,000.00" in page  # the total, equal to the budget
    assert "€2,400.00" in page  # a household's disposable income
    assert "€1,500.00" in page  # what the scheme in force charges it now
    # Looking at the households' incomes is recorded, one entry per household.
    looked = IncomeAccessLog.objects.filter(actor=side_a.manager, action=IncomeAccess.VIEWED)
    assert sorted(looked.values_list("household__unit_label", flat=True)) == ["1A", "1B"]
    assert {entry.detail["via"] for entry in looked} == {"simulation"}


def test_parameters_edited_inline_are_simulated_and_bad_ones_shown(manager_client, books):
    base = (
        f"/projects/{books.project.pk}/simulate/?method=income_share&run=1"
        f"&month={month_text(books.month)}"
    )
    good = "&".join(f"{key}={value}" for key, value in INCOME_SHARE.items())

    shortfall = manager_client.get(f"{base}&{good}")
    refused = manager_client.get(f"{base}&{good.replace('rate_percent=30', 'rate_percent=130')}")

    # 30 % of 2 400.00 is 720.00, within 100.00–900.00: 1 440.00 of a 3 000.00 budget.
    assert shortfall.context["simulation"].total_cents == 144_000
    assert "fall €1,560.00 short of the budget" in html(shortfall)
    assert refused.context["simulation"] is None
    assert field_errors(html(refused), "rate_percent") == ["A rate must lie between 0 and 100%."]


def test_comparing_two_schemes_gives_a_table_and_a_chart(manager_client, books, side_a):
    url = (
        f"/projects/{books.project.pk}/schemes/compare/?first=scheme:{books.scheme.pk}"
        f"&second=method:income_share&month={month_text(books.month)}"
    )

    response = manager_client.get(url)

    comparison = response.context["comparison"]
    assert [(row.first_cents, row.second_cents) for row in comparison.rows] == [
        (150_000, 72_000),
        (150_000, 72_000),
    ]
    page = html(response)
    assert "<svg" in page and page.count('class="bar second"') == 2
    assert "−€780.00" in page  # the difference for each household
    assert (
        IncomeAccessLog.objects.filter(actor=side_a.manager, detail__via="comparison").count() == 2
    )


# --- Charge runs -----------------------------------------------------------------------------


def test_running_a_month_charges_it_once_and_shows_the_run(manager_client, books):
    next_month = (books.month + dt.timedelta(days=32)).replace(day=1)
    url = f"/projects/{books.project.pk}/charges/"

    refused = manager_client.post(url, {"month": month_text(next_month)})
    set_budget(books.project, next_month, 200_000)
    # A month that has not begun is charged only once the manager has read what that means.
    asked = manager_client.post(url, {"month": month_text(next_month)})
    assert "has not begun: every household will be charged for it in advance." in html(asked)
    assert not ChargeRun.objects.filter(month=next_month).exists()
    first = manager_client.post(
        url, {"month": month_text(next_month), "confirmed": "on"}, follow=True
    )
    again = manager_client.post(url, {"month": month_text(next_month)}, follow=True)

    assert field_errors(html(refused), "month") == ["This month has no approved budget."]
    assert ChargeRun.objects.filter(month=next_month).count() == 1
    assert first.redirect_chain[-1][0] == (
        f"/projects/{books.project.pk}/charges/{next_month.year}/{next_month.month}/"
    )
    assert "charged: 2 households." in html(first)
    assert "was charged already: here is its run." in html(again)
    assert Charge.objects.filter(month=next_month).count() == 2
    assert [c.amount_cents for c in again.context["charges"]] == [100_000, 100_000]


def test_charging_households_on_expired_incomes_says_how_many_first(manager_client, books, side_a):
    month = books.month
    books.project.income_validity_months = 1
    books.project.save()
    Charge.objects.filter(household__project=books.project, month=month).delete()
    ChargeRun.objects.filter(project=books.project, month=month).delete()
    expired = households_charged_on_expired_income(project=books.project, month=month)
    assert expired >= 1
    url = f"/projects/{books.project.pk}/charges/"

    asked = html(manager_client.post(url, {"month": month_text(month)}))

    assert f"Before you charge {formats.date_format(month, 'YEAR_MONTH_FORMAT')}:" in asked
    assert f"{expired} household" in asked and "income declaration" in asked
    assert "has not begun" not in asked  # this month has
    assert not ChargeRun.objects.filter(project=books.project, month=month).exists()
    confirmed = manager_client.post(url, {"month": month_text(month), "confirmed": "on"})
    assert confirmed.status_code == 302
    assert ChargeRun.objects.filter(project=books.project, month=month).count() == 1


# --- Payments --------------------------------------------------------------------------------


def test_a_payment_is_recorded_by_hand(manager_client, books, side_a):
    response = manager_client.post(
        f"/projects/{books.project.pk}/payments/",
        {
            "household": side_a.neighbour.pk,
            "amount_cents": "120.50",
            "paid_on": books.month.isoformat(),
            "reference": "Cash",
        },
        follow=True,
    )

    payment = Payment.objects.get(household=side_a.neighbour)
    assert payment.amount_cents == 12_050
    assert payment.recorded_by == side_a.manager
    assert "Payment of household 1B recorded." in html(response)


@pytest.mark.parametrize(
    ("amount", "message"),
    [
        ("-5", "Ensure this value is greater than or equal to 0."),
        ("0", "A payment must be more than zero."),
    ],
)
def test_a_payment_of_nothing_or_less_is_refused(manager_client, books, side_a, amount, message):
    response = manager_client.post(
        f"/projects/{books.project.pk}/payments/",
        {"household": side_a.neighbour.pk, "amount_cents": amount, "paid_on": books.month},
    )

    assert field_errors(html(response), "amount_cents") == [message]
    assert not Payment.objects.filter(household=side_a.neighbour).exists()


def test_a_household_of_another_project_cannot_be_paid_for(manager_client, books, side_a):
    response = manager_client.post(
        f"/projects/{books.project.pk}/payments/",
        {"household": side_a.other_household.pk, "amount_cents": "10", "paid_on": books.month},
    )

    assert "household" in response.context["form"].errors
    assert not Payment.objects.filter(household=side_a.other_household).exists()


def statement_file(books: Books, side, *rows: str) -> SimpleUploadedFile:
    text = "date,amount,reference,name\n" + "\n".join(rows) + "\n"
    return SimpleUploadedFile("bank.csv", text.encode(), content_type="text/csv")


def test_a_bank_statement_is_checked_first_then_imported_on_confirmation(
    manager_client, books, side_a
):
    day = books.month.isoformat()
    upload = statement_file(
        books,
        side_a,
        f"{day},300.00,Rent {side_a.household.payment_reference},Alice",
        f'{day},"1,150.00",{side_a.neighbour.payment_reference},Bob',
    )
    url = f"/projects/{books.project.pk}/payments/import/"

    preview = manager_client.post(url, {"file": upload, "preview": "1"})

    assert Payment.objects.count() == 1  # only the fixture's: a dry run writes nothing
    page = html(preview)
    assert "2 payments of €1,450.00 in all will be recorded." in page
    assert "Confirm the import" in page
    text = preview.context["form"].initial["text"]

    confirmed = manager_client.post(url, {"text": text, "confirm": "1"}, follow=True)

    assert "2 payments imported." in html(confirmed)
    imported = Payment.objects.filter(source=PaymentSource.BANK_IMPORT)
    assert sorted(imported.values_list("household__unit_label", "amount_cents")) == [
        ("1A", 30_000),
        ("1B", 115_000),
    ]
    again = manager_client.post(url, {"text": text, "confirm": "1"})
    assert "this payment has been imported already." in html(again)
    assert imported.count() == 2


def test_a_bad_row_refuses_the_whole_statement_and_says_which(manager_client, books, side_a):
    day = books.month.isoformat()
    upload = statement_file(
        books,
        side_a,
        f"{day},300.00,{side_a.household.payment_reference},Alice",
        f"{day},12.00,NOBODY,Eve",
    )

    response = manager_client.post(
        f"/projects/{books.project.pk}/payments/import/", {"file": upload, "preview": "1"}
    )

    errors = field_errors(html(response), "file")
    assert len(errors) == 1
    assert errors[0].startswith("Row 3: no household of this project has the reference")
    assert "Confirm the import" not in html(response)
    assert Payment.objects.count() == 1


# --- Balances, arrears, statements ------------------------------------------------------------


def test_balances_and_arrears_list_what_each_household_owes(manager_client, books):
    balances = html(manager_client.get(f"/projects/{books.project.pk}/balances/"))
    arrears = manager_client.get(f"/projects/{books.project.pk}/arrears/?min_amount_cents=1100")

    assert "€1,000.00" in balances and "€1,500.00" in balances  # 1A owes 1 000, 1B 1 500
    assert "€2,500.00" in balances  # the total owed
    assert [row.household.unit_label for row in arrears.context["rows"]] == ["1B"]


def test_a_resident_reads_and_downloads_their_statement(resident_client, books, side_a):
    url = f"/households/{side_a.household.pk}/statement/"

    page = html(resident_client.get(url))
    download = resident_client.get(f"/households/{side_a.household.pk}/statement.csv")

    assert "Balance brought forward" in page
    assert "Transfer May" in page
    assert "data-print" in page and "no-print" in page
    assert download["Content-Type"] == "text/csv; charset=utf-8"
    rows = list(csv.reader(io.StringIO(download.content.decode())))
    assert rows[1][1] == "Balance brought forward"
    assert [row[2:] for row in rows[2:4]] == [["1500.00", "", "1500.00"], ["", "500.00", "1000.00"]]
    assert rows[-1][2:] == ["1500.00", "500.00", "1000.00"]


def test_the_statements_period_can_be_chosen(resident_client, books, side_a):
    earlier = previous(books.month)
    url = (
        f"/households/{side_a.household.pk}/statement/"
        f"?start={earlier.isoformat()}&end={(books.month - dt.timedelta(days=1)).isoformat()}"
    )

    response = resident_client.get(url)

    assert response.context["statement"].lines == []
    assert "No charge or payment in this period." in html(response)


# --- Affordability and the household's own page ------------------------------------------------


def test_the_affordability_page_records_each_household_looked_at(manager_client, books, side_a):
    response = manager_client.get(f"/projects/{books.project.pk}/affordability/")

    page = html(response)
    assert page.count("<svg") == 2  # the histogram and the trend, each beside its table
    assert "Overburden rate" in page and "Median housing cost ratio" in page
    # 1 500.00 of 2 400.00: 62.5 %, overburdened, for both households.
    assert "62.5" in page
    looked = IncomeAccessLog.objects.filter(actor=side_a.manager, detail__via="affordability")
    assert sorted(looked.values_list("household__unit_label", flat=True)) == ["1A", "1B"]


def test_a_resident_sees_their_own_figures_and_nobody_elses(resident_client, books, side_a):
    response = resident_client.get(f"/households/{side_a.household.pk}/contributions/")

    page = html(response)
    assert shows(page, "My household's contributions")
    assert "€1,000.00" in page  # balance: 1 500.00 charged − 500.00 paid
    assert "62.5" in page  # their own housing cost ratio
    assert side_a.household.payment_reference in page
    assert "1B" not in page and side_a.neighbour.payment_reference not in page
    # The household looking at its own figures is nobody else's look: nothing is logged.
    assert not IncomeAccessLog.objects.filter(actor=side_a.resident_user).exists()


def test_a_manager_looking_at_a_households_figures_is_logged(manager_client, books, side_a):
    manager_client.get(f"/households/{side_a.neighbour.pk}/contributions/")

    looked = IncomeAccessLog.objects.get(actor=side_a.manager)
    assert looked.household == side_a.neighbour


# --- Income declarations -----------------------------------------------------------------------


def test_a_resident_declares_with_the_new_fields_and_sees_the_history(
    resident_client, books, side_a
):
    resident_client.post(
        f"/households/{side_a.household.pk}/income/new/",
        {
            "valid_from": books.month.isoformat(),
            "gross_monthly_cents": "3000",
            "disposable_monthly_cents": "2500",
            "housing_allowance_cents": "150",
            "medical_costs_cents": "80",
            "childcare_costs_cents": "200",
            "elderly_or_disabled": "on",
        },
    )

    declaration = IncomeDeclaration.objects.filter(household=side_a.household).first()
    assert declaration.valid_from == books.month
    assert (declaration.housing_allowance_cents, declaration.childcare_costs_cents) == (
        15_000,
        20_000,
    )
    page = html(resident_client.get(f"/households/{side_a.household.pk}/income/"))
    for text in ("€150.00", "€80.00", "€200.00", "€2,500.00", "€2,400.00"):
        assert text in page  # the new declaration and the one before it
    assert 'name="evidence_status"' not in page  # checking evidence is the managers'


def test_the_manager_checks_the_evidence_and_both_looks_are_logged(manager_client, side_a):
    page = html(manager_client.get(f"/households/{side_a.household.pk}/income/"))
    response = manager_client.post(
        f"/income/{side_a.income.pk}/verify/", {"evidence_status": "verified"}, follow=True
    )

    assert 'name="evidence_status"' in page
    side_a.income.refresh_from_db()
    assert side_a.income.evidence_status == "verified"
    assert side_a.income.verified_by == side_a.manager
    assert "Evidence status saved." in html(response)
    actions = IncomeAccessLog.objects.filter(actor=side_a.manager, household=side_a.household)
    assert sorted(actions.values_list("action", flat=True)) == [
        IncomeAccess.VERIFIED,
        IncomeAccess.VIEWED,
        IncomeAccess.VIEWED,
    ]


# --- Query counts ------------------------------------------------------------------------------


def queries(client, url: str) -> int:
    with CaptureQueriesContext(connection) as context:
        response = client.get(url)
    assert response.status_code == 200, url
    return len(context.captured_queries)


# Each page, its ceiling of queries, and whether it lists the households one by one. The pages
# that show incomes count the income log's insert and the audit log's.
CONSTANT_PAGES = {
    "charges of the month": ("/projects/{p}/charges/{y}/{m}/", 12, True),
    "charge runs": ("/projects/{p}/charges/", 8, False),
    "payments": ("/projects/{p}/payments/", 10, True),
    "balances": ("/projects/{p}/balances/", 8, True),
    "arrears": ("/projects/{p}/arrears/", 9, True),
    "simulation": ("/projects/{p}/simulate/?scheme={draft}&month={month}", 17, True),
    "comparison": (
        "/projects/{p}/schemes/compare/?first=scheme:{scheme}&second=scheme:{draft}&month={month}",
        17,
        True,
    ),
    "affordability": ("/projects/{p}/affordability/", 14, True),
    "overview": ("/projects/{p}/contributions/", 12, False),
}


@pytest.mark.parametrize("page", CONSTANT_PAGES)
def test_manager_pages_take_as_many_queries_for_20_households_as_for_3(
    manager_client, books, page, django_assert_max_num_queries
):
    url, ceiling, lists_households = CONSTANT_PAGES[page]
    url = url.format(
        p=books.project.pk,
        y=books.month.year,
        m=books.month.month,
        month=month_text(books.month),
        draft=books.draft.pk,
        scheme=books.scheme.pk,
    )
    books.add_households(1)  # three households
    small = queries(manager_client, url)
    books.add_households(17)  # twenty

    with django_assert_max_num_queries(small):
        response = manager_client.get(url)

    assert small <= ceiling, f"{page}: {small} queries"
    assert response.status_code == 200
    if lists_households:
        assert "918" in html(response)  # the twentieth household


def test_the_statement_takes_as_many_queries_for_20_lines_as_for_3(
    resident_client, books, side_a, django_assert_max_num_queries
):
    url = f"/households/{side_a.household.pk}/statement/"
    small = queries(resident_client, url)
    for _ in range(18):  # and the month's charge and first payment: twenty lines
        payment_record(household=side_a.household, amount_cents=1_000, paid_on=books.month)

    with django_assert_max_num_queries(small):
        response = resident_client.get(url)

    assert len(response.context["statement"].lines) == 20


def test_the_households_page_takes_constant_queries(
    resident_client, books, side_a, django_assert_max_num_queries
):
    url = f"/households/{side_a.household.pk}/contributions/"
    small = queries(resident_client, url)
    for _ in range(15):
        payment_record(household=side_a.household, amount_cents=1_000, paid_on=books.month)

    with django_assert_max_num_queries(small):
        resident_client.get(url)


# --- Links to the pages ------------------------------------------------------------------------


def test_home_and_project_pages_lead_to_the_contributions(client, side_a):
    project = side_a.project.pk
    client.force_login(side_a.manager)
    manager_home = html(client.get("/"))
    manager_project = html(client.get(f"/projects/{project}/"))
    client.force_login(side_a.resident_user)
    resident_home = html(client.get("/"))
    resident_project = html(client.get(f"/projects/{project}/"))
    client.force_login(side_a.officer)
    officer_project = html(client.get(f"/projects/{project}/"))

    hub = f'href="/projects/{project}/contributions/"'
    assert hub in manager_home and hub in manager_project and hub in resident_project
    assert f'href="/households/{side_a.household.pk}/contributions/"' in resident_home
    assert f'href="/households/{side_a.household.pk}/income/"' in resident_home
    assert hub not in officer_project


def test_amounts_are_shown_and_typed_the_french_way(french_client, books, side_a):
    french_client.force_login(side_a.manager)
    url = f"/projects/{books.project.pk}/budget/?month={FUTURE}"

    page = html(french_client.get(url))  # prefilled from no month: one empty line
    french_client.post(url, budget_rows(("loan", "Prêt", "1234,56")))
    charged = html(
        french_client.get(f"/projects/{books.project.pk}/budget/?month={month_text(books.month)}")
    )

    assert 'lang="fr"' in page
    assert "3\u202f000,00\u00a0€" in charged  # Babel's French money
    budget = Budget.objects.get(month=dt.date(2030, 1, 1))
    assert list(budget.lines.values_list("amount_cents", flat=True)) == [123_456]


def test_months_out_of_reach_are_refused_not_crashed_on(manager_client, books, side_a):
    """Year 1 has no month before it, year 9999 none after: nothing answers 500."""
    project = books.project.pk
    gets = [
        f"/projects/{project}/budget/?month=0001-01",
        f"/projects/{project}/budget/?month=9999-12",
        f"/projects/{project}/affordability/?until=0001-01&months=abc",
        f"/projects/{project}/simulate/?scheme={books.draft.pk}&month=0001-01",
        f"/projects/{project}/schemes/compare/?first=method:flat&second=method:flat&month=0001-01",
        f"/households/{side_a.household.pk}/statement/?start=0001-01-01&end=9999-12-31",
    ]
    answers = {url: manager_client.get(url).status_code for url in gets}
    answers[f"/projects/{project}/charges/1/1/"] = manager_client.get(
        f"/projects/{project}/charges/1/1/"
    ).status_code
    refused = manager_client.post(f"/projects/{project}/charges/", {"month": "0001-01"})

    assert answering(200, answers) == {f"/projects/{project}/charges/1/1/": 404}
    assert field_errors(html(refused), "month") == ["Give a month between 1900 and 2999."]
    assert ChargeRun.objects.count() == 1
