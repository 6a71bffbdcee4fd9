"""A manager's pages: households and residents through the forms; a representative's income."""

import datetime

import pytest
from django.utils import timezone

from members.models import Household, IncomeDeclaration, Resident
from tests.factories import ResidentFactory
from tests.pages.helpers import field_errors, html

pytestmark = pytest.mark.django_db

NEW_HOUSEHOLD = {
    "unit_label": "3C",
    "unit_area_m2": "72.5",
    "rooms": "3",
    "move_in": "2025-02-01",
    "move_out": "",
}


@pytest.fixture
def manager_client(client, side_a):
    client.force_login(side_a.manager)
    return client


# --- Households --------------------------------------------------------------------------


def test_manager_creates_a_household(manager_client, side_a):
    response = manager_client.post(
        f"/projects/{side_a.project.pk}/households/new/", NEW_HOUSEHOLD, follow=True
    )

    household = Household.objects.get(project=side_a.project, unit_label="3C")
    assert response.redirect_chain == [(f"/households/{household.pk}/", 302)]
    assert household.unit_area_m2 == 72.5
    assert household.rooms == 3
    assert household.move_in == datetime.date(2025, 2, 1)
    assert household.move_out is None
    assert "Household 3C added." in html(response)


@pytest.mark.parametrize(
    ("changes", "field", "message"),
    [
        ({"unit_label": "1A"}, "unit_label", "This project already has a unit with this label."),
        (
            {"move_in": "2025-02-01", "move_out": "2025-01-31"},
            "move_out",
            "The move-out date cannot be before the move-in date.",
        ),
        (
            {"unit_area_m2": "-1"},
            "unit_area_m2",
            "Ensure this value is greater than or equal to 0.",
        ),
    ],
    ids=["duplicate-unit", "move-out-before-move-in", "negative-size"],
)
def test_bad_household_gets_the_form_back_with_the_error_on_the_field(
    manager_client, side_a, changes, field, message
):
    households_before = Household.objects.count()

    response = manager_client.post(
        f"/projects/{side_a.project.pk}/households/new/", {**NEW_HOUSEHOLD, **changes}
    )

    assert response.status_code == 200
    assert list(response.context["form"].errors) == [field]
    assert field_errors(html(response), field) == [message]
    assert Household.objects.count() == households_before


def test_manager_edits_a_household(manager_client, side_a):
    response = manager_client.post(
        f"/households/{side_a.household.pk}/edit/",
        {
            "unit_label": "1A",
            "unit_area_m2": "80",
            "rooms": "4",
            "move_in": "2024-01-01",
            "move_out": "2026-06-30",
        },
    )

    assert response.status_code == 302
    assert response.url == f"/households/{side_a.household.pk}/"
    side_a.household.refresh_from_db()
    assert side_a.household.unit_area_m2 == 80
    assert side_a.household.rooms == 4
    assert side_a.household.move_out == datetime.date(2026, 6, 30)


def test_household_cannot_take_a_neighbours_unit_label(manager_client, side_a):
    response = manager_client.post(
        f"/households/{side_a.household.pk}/edit/",
        {"unit_label": "1B", "unit_area_m2": "65", "rooms": "3", "move_in": "2024-01-01"},
    )

    assert response.status_code == 200
    assert field_errors(html(response), "unit_label") == [
        "This project already has a unit with this label."
    ]
    side_a.household.refresh_from_db()
    assert side_a.household.unit_label == "1A"


# --- Residents ---------------------------------------------------------------------------

NEW_RESIDENT = {
    "first_name": "Ada",
    "last_name": "Lovelace",
    "birth_year": "1990",
    "gender": "",
    "migrant_background": "unknown",
}


def test_manager_adds_a_resident(manager_client, side_a):
    response = manager_client.post(
        f"/households/{side_a.household.pk}/residents/new/", NEW_RESIDENT, follow=True
    )

    assert response.redirect_chain == [(f"/households/{side_a.household.pk}/", 302)]
    resident = Resident.objects.get(household=side_a.household, first_name="Ada")
    assert resident.last_name == "Lovelace"
    assert resident.birth_year == 1990
    assert resident.user is None
    assert not resident.is_representative
    assert "Ada Lovelace" in html(response)


def test_resident_born_in_the_future_is_refused(manager_client, side_a):
    next_year = timezone.localdate().year + 1
    residents_before = Resident.objects.count()

    response = manager_client.post(
        f"/households/{side_a.household.pk}/residents/new/",
        {**NEW_RESIDENT, "birth_year": str(next_year)},
    )

    assert response.status_code == 200
    assert field_errors(html(response), "birth_year") == ["The birth year cannot be in the future."]
    assert Resident.objects.count() == residents_before


# --- The project page and its search -----------------------------------------------------


def test_project_page_lists_the_households(manager_client, side_a):
    response = manager_client.get(f"/projects/{side_a.project.pk}/")

    assert response.status_code == 200
    page = html(response)
    assert f'<a href="/households/{side_a.household.pk}/">1A</a>' in page
    assert f'<a href="/households/{side_a.neighbour.pk}/">1B</a>' in page
    assert "2A" not in page  # the other project's household


@pytest.mark.parametrize(
    ("search", "unit", "other_unit"), [("1A", "1A", "1B"), ("neighbour", "1B", "1A")]
)
def test_htmx_search_returns_only_the_matching_rows(
    manager_client, side_a, search, unit, other_unit
):
    response = manager_client.get(
        f"/projects/{side_a.project.pk}/", {"q": search}, HTTP_HX_REQUEST="true"
    )

    assert response.status_code == 200
    page = html(response)
    assert "<html" not in page
    assert page.count("<tr>") == 1
    assert f">{unit}</a>" in page
    assert other_unit not in page


def test_htmx_search_counts_each_resident_once(manager_client, side_a):
    ResidentFactory(household=side_a.household)  # unit 1A now has two residents

    response = manager_client.get(
        f"/projects/{side_a.project.pk}/", {"q": "1A"}, HTTP_HX_REQUEST="true"
    )

    assert '<td data-label="Residents" class="num">2</td>' in html(response)


def test_htmx_search_without_match_says_so(manager_client, side_a):
    response = manager_client.get(
        f"/projects/{side_a.project.pk}/", {"q": "nobody"}, HTTP_HX_REQUEST="true"
    )

    assert "No households match." in html(response)
    assert "<html" not in html(response)


# --- Incomes -----------------------------------------------------------------------------


def test_manager_sees_incomes_as_money(manager_client, side_a):
    response = manager_client.get(f"/households/{side_a.household.pk}/")

    assert response.status_code == 200
    page = html(response)
    assert "€2,400.00" in page
    assert "€3,000.00" in page
    assert "240000" not in page


def test_representative_declares_income_in_euros(client, side_a):
    client.force_login(side_a.resident_user)

    response = client.post(
        f"/households/{side_a.household.pk}/income/new/",
        {
            "valid_from": "2025-06-01",
            "gross_monthly_cents": "2000",
            "disposable_monthly_cents": "1234.50",
        },
        follow=True,
    )

    assert response.redirect_chain == [(f"/households/{side_a.household.pk}/", 302)]
    declaration = IncomeDeclaration.objects.get(
        household=side_a.household, valid_from=datetime.date(2025, 6, 1)
    )
    assert declaration.disposable_monthly_cents == 123450
    assert declaration.gross_monthly_cents == 200000
    assert declaration.declared_by == side_a.resident_user
    assert "€1,234.50" in html(response)


def test_representative_declares_income_with_a_french_decimal_comma(french_client, side_a):
    french_client.force_login(side_a.resident_user)

    response = french_client.post(
        f"/households/{side_a.household.pk}/income/new/",
        {
            "valid_from": "2025-06-01",
            "gross_monthly_cents": "2000",
            "disposable_monthly_cents": "1234,50",
        },
    )

    assert response.status_code == 302
    declaration = IncomeDeclaration.objects.get(
        household=side_a.household, valid_from=datetime.date(2025, 6, 1)
    )
    assert declaration.disposable_monthly_cents == 123450


def test_disposable_income_above_gross_is_refused(client, side_a):
    client.force_login(side_a.resident_user)
    declarations_before = IncomeDeclaration.objects.count()

    response = client.post(
        f"/households/{side_a.household.pk}/income/new/",
        {
            "valid_from": "2025-06-01",
            "gross_monthly_cents": "1000",
            "disposable_monthly_cents": "1234.50",
        },
    )

    assert response.status_code == 200
    assert field_errors(html(response), "disposable_monthly_cents") == [
        "The disposable income cannot exceed the gross income."
    ]
    assert IncomeDeclaration.objects.count() == declarations_before
