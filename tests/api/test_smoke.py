import pytest

from tests.conftest import api_client_for

pytestmark = pytest.mark.django_db


def test_manager_lists_own_households(side_a, side_b):
    response = api_client_for(side_a.manager).get("/api/v1/households/")
    assert response.status_code == 200
    labels = {row["unit_label"] for row in response.json()["results"]}
    assert labels == {"1A", "1B"}
