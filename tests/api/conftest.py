"""Fixtures for the API tests: signed-in clients per role, and row counts to prove no write."""

import pytest
from rest_framework.test import APIClient

from members.models import Household, IncomeDeclaration, Invitation, Resident, Role, User
from tests.conftest import api_client_for

COUNTED_MODELS = (Household, Resident, IncomeDeclaration, Invitation, Role, User)


def row_counts() -> dict[str, int]:
    return {model.__name__: model.objects.count() for model in COUNTED_MODELS}


@pytest.fixture
def manager_client(side_a) -> APIClient:
    return api_client_for(side_a.manager)


@pytest.fixture
def resident_client(side_a) -> APIClient:
    return api_client_for(side_a.resident_user)


@pytest.fixture
def officer_client(side_a) -> APIClient:
    return api_client_for(side_a.officer)
