"""Fixtures for the API tests: signed-in clients per role, and row counts to prove no write."""

import pytest
import yaml
from django.core.management import call_command
from rest_framework.test import APIClient
from rest_framework.throttling import SimpleRateThrottle

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


@pytest.fixture(scope="session")
def openapi_schema(tmp_path_factory) -> dict:
    """The OpenAPI schema as ``manage.py spectacular`` writes it, generated once for the tests
    that read it: it fails on any warning, and on a schema that does not validate."""
    target = tmp_path_factory.mktemp("openapi") / "schema.yml"
    call_command("spectacular", "--validate", "--fail-on-warn", "--file", str(target))
    return yaml.safe_load(target.read_text())


@pytest.fixture
def rates(monkeypatch):
    """Other request rates for one test (each throttle reads its rate from this dict when it is
    made, once per request): small ones to reach in a few requests, or ones never reached."""

    def set_rates(**rates: str) -> None:
        for scope, rate in rates.items():
            monkeypatch.setitem(SimpleRateThrottle.THROTTLE_RATES, scope, rate)

    return set_rates
