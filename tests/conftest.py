import pytest
from django.core.cache import cache
from rest_framework.test import APIClient

from tests.factories import (
    CityFactory,
    HouseholdFactory,
    IncomeDeclarationFactory,
    ProjectFactory,
    ResidentFactory,
    make_manager,
    make_officer,
    make_resident_user,
)


@pytest.fixture(autouse=True)
def _clean_cache():
    """Rate-limit counters live in the cache (Redis): each test starts from none."""
    cache.clear()
    yield
    cache.clear()


@pytest.fixture
def api_client() -> APIClient:
    return APIClient()


def api_client_for(user) -> APIClient:
    client = APIClient()
    client.force_authenticate(user)
    return client


class Side:
    """One city with two projects, their households, and a user of every role."""

    def __init__(self, name: str) -> None:
        self.city = CityFactory(name=f"{name} city", slug=f"{name}-city")
        self.project = ProjectFactory(city=self.city, slug=f"{name}-a", name=f"{name} A")
        self.other_project = ProjectFactory(city=self.city, slug=f"{name}-b", name=f"{name} B")
        self.household = HouseholdFactory(project=self.project, unit_label="1A")
        self.neighbour = HouseholdFactory(project=self.project, unit_label="1B")
        self.neighbour_resident = ResidentFactory(household=self.neighbour, first_name="Neighbour")
        self.other_household = HouseholdFactory(project=self.other_project, unit_label="2A")
        self.resident_user = make_resident_user(self.household)
        self.resident = self.resident_user.resident
        self.manager = make_manager(self.project)
        self.officer = make_officer(self.city)
        self.income = IncomeDeclarationFactory(household=self.household)
        self.neighbour_income = IncomeDeclarationFactory(household=self.neighbour)


@pytest.fixture
def side_a(db) -> Side:
    return Side("alpha")


@pytest.fixture
def side_b(db) -> Side:
    return Side("beta")
