"""The OpenAPI schema: generated without a warning, valid, and served with its docs."""

import pytest
import yaml
from django.core.management import call_command

pytestmark = pytest.mark.django_db

COLLECTIONS = [
    "cities",
    "projects",
    "households",
    "residents",
    "income-declarations",
    "invitations",
]


def test_schema_generates_and_validates_without_warnings(tmp_path):
    target = tmp_path / "schema.yml"

    call_command("spectacular", "--validate", "--fail-on-warn", "--file", str(target))

    schema = yaml.safe_load(target.read_text())
    assert schema["openapi"].startswith("3.")
    for collection in COLLECTIONS:
        assert f"/api/v1/{collection}/" in schema["paths"]
        assert f"/api/v1/{collection}/{{id}}/" in schema["paths"]
    assert "post" in schema["paths"]["/api/v1/income-declarations/{id}/verify/"]
    assert "/api/v1/auth/token/" in schema["paths"]
    assert "/api/v1/me/" in schema["paths"]


def test_schema_is_served(api_client):
    response = api_client.get("/api/v1/schema/")
    assert response.status_code == 200
    schema = yaml.safe_load(response.content)
    assert "/api/v1/households/" in schema["paths"]
    assert "tokenAuth" in schema["components"]["securitySchemes"]


def test_schema_is_served_as_json(api_client):
    response = api_client.get("/api/v1/schema/?format=json")
    assert response.status_code == 200
    assert "/api/v1/invitations/" in response.json()["paths"]


def test_docs_are_served(api_client):
    response = api_client.get("/api/v1/docs/")
    assert response.status_code == 200
    assert b"swagger" in response.content.lower()
    assert b"/api/v1/schema/" in response.content
