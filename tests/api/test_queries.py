"""Every list endpoint reads a page in a fixed number of queries, however many rows it holds."""

import itertools

import pytest

from members.models import RoleKind
from members.services import invitation_create, role_grant
from tests.conftest import api_client_for
from tests.factories import (
    CityFactory,
    HouseholdFactory,
    IncomeDeclarationFactory,
    ProjectFactory,
    ResidentFactory,
    UserFactory,
)

pytestmark = pytest.mark.django_db

SMALL = 3
MORE = 30
# A ceiling for the small page too, so that a constant but bloated count is caught as well:
# today a page costs a count, a select, and the savepoint pair of ATOMIC_REQUESTS.
CEILING = 6

_serial = itertools.count()


def add_cities(side, n: int) -> None:
    for _ in range(n):
        project = ProjectFactory(city=CityFactory())
        role_grant(user=side.manager, kind=RoleKind.MANAGER, project=project)


def add_projects(side, n: int) -> None:
    for _ in range(n):
        project = ProjectFactory(city=side.city)
        role_grant(user=side.manager, kind=RoleKind.MANAGER, project=project)


def add_households(side, n: int) -> None:
    HouseholdFactory.create_batch(n, project=side.project)


def add_residents(side, n: int) -> None:
    for index in range(n):
        household = HouseholdFactory(project=side.project)
        ResidentFactory(household=household, user=UserFactory() if index % 2 else None)


def add_incomes(side, n: int) -> None:
    declarant, verifier = UserFactory(), side.manager
    for _ in range(n):
        IncomeDeclarationFactory(
            household=HouseholdFactory(project=side.project),
            declared_by=declarant,
            verified_by=verifier,
        )


def add_invitations(side, n: int) -> None:
    for index in range(n):
        household = HouseholdFactory(project=side.project)
        invitation_create(
            household=household,
            email=f"guest{next(_serial)}@example.org",
            invited_by=side.manager,
            resident=ResidentFactory(household=household) if index % 2 else None,
        )


# endpoint → (how to add rows the manager sees, how many the manager sees before any)
LISTS = {
    "cities": (add_cities, 1),
    "projects": (add_projects, 1),
    "households": (add_households, 2),
    "residents": (add_residents, 2),
    "income-declarations": (add_incomes, 2),
    "invitations": (add_invitations, 0),
}


@pytest.mark.parametrize("endpoint", list(LISTS))
def test_list_runs_a_constant_number_of_queries(
    side_a, side_b, endpoint, django_assert_max_num_queries
):
    add_rows, already = LISTS[endpoint]
    client = api_client_for(side_a.manager)
    client.get(f"/api/v1/{endpoint}/")  # warm per-process caches (content types)

    add_rows(side_a, SMALL)
    with django_assert_max_num_queries(CEILING) as small:
        response = client.get(f"/api/v1/{endpoint}/")
    assert response.status_code == 200
    assert response.json()["count"] == len(response.json()["results"]) == already + SMALL
    bound = len(small)

    add_rows(side_a, MORE)
    with django_assert_max_num_queries(bound):
        response = client.get(f"/api/v1/{endpoint}/")
    assert response.status_code == 200
    assert response.json()["count"] == len(response.json()["results"]) == already + SMALL + MORE


@pytest.mark.parametrize("endpoint", ["households", "residents", "income-declarations"])
def test_resident_list_runs_a_constant_number_of_queries(
    side_a, endpoint, django_assert_max_num_queries
):
    """A resident's lists go through the own-household subquery; it must not grow per row."""
    client = api_client_for(side_a.resident_user)
    with django_assert_max_num_queries(CEILING) as small:
        assert client.get(f"/api/v1/{endpoint}/").status_code == 200
    ResidentFactory.create_batch(MORE, household=side_a.household)
    IncomeDeclarationFactory.create_batch(MORE, household=side_a.household)
    with django_assert_max_num_queries(len(small)):
        response = client.get(f"/api/v1/{endpoint}/")
    assert response.status_code == 200
    assert response.json()["count"] >= 1
