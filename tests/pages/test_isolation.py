"""Who may open which page: other cities' data does not exist for you; officers see no person."""

from __future__ import annotations

import pytest

from members.models import Household, IncomeDeclaration, Resident, RoleKind
from members.services import role_grant
from tests.factories import ResidentFactory, UserFactory
from tests.pages.helpers import html

pytestmark = pytest.mark.django_db

HOUSEHOLD_PAGES = (
    "/households/{}/",
    "/households/{}/edit/",
    "/households/{}/residents/new/",
    "/households/{}/income/new/",
    "/households/{}/invite/",
)


def household_pages(household: Household) -> list[str]:
    return [page.format(household.pk) for page in HOUSEHOLD_PAGES]


def resident_pages(resident: Resident) -> list[str]:
    return [f"/residents/{resident.pk}/edit/"]


def side_pages(side) -> list[str]:
    """Every page about the objects of one side (a city, its projects and households)."""
    pages = [
        f"/cities/{side.city.pk}/",
        f"/projects/{side.project.pk}/",
        f"/projects/{side.other_project.pk}/",
        f"/projects/{side.project.pk}/households/new/",
        f"/projects/{side.other_project.pk}/households/new/",
    ]
    for household in (side.household, side.neighbour, side.other_household):
        pages += household_pages(household)
    for resident in Resident.objects.filter(household__project__city=side.city):
        pages += resident_pages(resident)
    return pages


def statuses(client, method: str, pages: list[str]) -> dict[str, int]:
    """The status each page answers; a POST sends an empty form."""
    send = client.get if method == "get" else client.post
    return {page: send(page).status_code for page in pages}


def everything_answers(code: int, answers: dict[str, int]) -> dict[str, int]:
    """The pages that answered something else (empty when all is well)."""
    return {page: status for page, status in answers.items() if status != code}


# --- Across cities -----------------------------------------------------------------------


@pytest.mark.parametrize("method", ["get", "post"])
@pytest.mark.parametrize("role", ["resident_user", "manager", "officer"])
def test_side_b_pages_do_not_exist_for_side_a(client, side_a, side_b, role, method):
    client.force_login(getattr(side_a, role))
    households_before = Household.objects.count()
    residents_before = Resident.objects.count()

    answers = statuses(client, method, side_pages(side_b))

    assert everything_answers(404, answers) == {}
    assert Household.objects.count() == households_before
    assert Resident.objects.count() == residents_before


# --- City officers -----------------------------------------------------------------------


@pytest.mark.parametrize("method", ["get", "post"])
def test_officer_cannot_open_households_or_residents_of_own_city(client, side_a, method):
    client.force_login(side_a.officer)
    pages = []
    for household in (side_a.household, side_a.neighbour, side_a.other_household):
        pages += household_pages(household)
    for resident in Resident.objects.filter(household__project__city=side_a.city):
        pages += resident_pages(resident)

    assert everything_answers(404, statuses(client, method, pages)) == {}


def test_officer_cannot_add_households_to_city_projects(client, side_a):
    client.force_login(side_a.officer)
    pages = [
        f"/projects/{side_a.project.pk}/households/new/",
        f"/projects/{side_a.other_project.pk}/households/new/",
    ]

    assert everything_answers(403, statuses(client, "get", pages)) == {}
    assert everything_answers(403, statuses(client, "post", pages)) == {}


def test_officer_pages_show_no_name_unit_or_income(client, side_a):
    forbidden = ["€"]  # no amount of money at all
    # Names that no page of the site could contain by chance.
    city_residents = Resident.objects.filter(household__project__city=side_a.city)
    for number, resident in enumerate(city_residents):
        resident.first_name = f"Firstname{number}zq"
        resident.last_name = f"Lastname{number}zq"
        resident.save(update_fields=["first_name", "last_name"])
        forbidden += [resident.first_name, resident.last_name]
    forbidden += Household.objects.filter(project__city=side_a.city).values_list(
        "unit_label", flat=True
    )
    for declaration in IncomeDeclaration.objects.filter(household__project__city=side_a.city):
        for cents in (declaration.gross_monthly_cents, declaration.disposable_monthly_cents):
            forbidden += [str(cents), f"{cents / 100:,.0f}", f"{cents / 100:,.2f}"]
    assert {"1A", "1B", "2A", "2,400", "3,000.00"} <= set(forbidden)
    client.force_login(side_a.officer)

    for page in (
        "/",
        f"/cities/{side_a.city.pk}/",
        f"/projects/{side_a.project.pk}/",
        f"/projects/{side_a.other_project.pk}/",
    ):
        response = client.get(page)
        assert response.status_code == 200, page
        leaked = [value for value in forbidden if value in html(response)]
        assert leaked == [], f"{page} shows {leaked}"


# --- Residents ---------------------------------------------------------------------------


@pytest.mark.parametrize("method", ["get", "post"])
def test_resident_cannot_open_other_households(client, side_a, method):
    client.force_login(side_a.resident_user)
    pages = [
        *household_pages(side_a.neighbour),
        *resident_pages(side_a.neighbour_resident),
        *household_pages(side_a.other_household),
        f"/projects/{side_a.other_project.pk}/",
    ]

    assert everything_answers(404, statuses(client, method, pages)) == {}


def test_resident_opens_own_household_and_project(client, side_a):
    client.force_login(side_a.resident_user)

    pages = [f"/households/{side_a.household.pk}/", f"/projects/{side_a.project.pk}/"]

    assert everything_answers(200, statuses(client, "get", pages)) == {}


@pytest.mark.parametrize("method", ["get", "post"])
def test_resident_may_not_manage_own_project(client, side_a, method):
    client.force_login(side_a.resident_user)
    households_before = Household.objects.count()
    pages = [
        f"/projects/{side_a.project.pk}/households/new/",
        f"/households/{side_a.household.pk}/edit/",
        f"/households/{side_a.household.pk}/invite/",
    ]

    assert everything_answers(403, statuses(client, method, pages)) == {}
    assert Household.objects.count() == households_before
    assert not side_a.household.invitations.exists()


@pytest.fixture
def plain_resident(side_a):
    """A resident of unit 1A with an account who does not represent the household."""
    user = UserFactory()
    ResidentFactory(household=side_a.household, user=user, is_representative=False)
    role_grant(user=user, kind=RoleKind.RESIDENT, project=side_a.project)
    return user


@pytest.mark.parametrize("method", ["get", "post"])
def test_non_representative_may_not_declare_income(client, side_a, plain_resident, method):
    client.force_login(plain_resident)
    declarations_before = IncomeDeclaration.objects.count()

    page = f"/households/{side_a.household.pk}/income/new/"
    data = {
        "valid_from": "2025-06-01",
        "gross_monthly_cents": "2000",
        "disposable_monthly_cents": "1500",
    }
    response = client.get(page) if method == "get" else client.post(page, data)

    assert response.status_code == 403
    assert IncomeDeclaration.objects.count() == declarations_before
    # They still see their own household.
    assert client.get(f"/households/{side_a.household.pk}/").status_code == 200
