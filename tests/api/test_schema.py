"""The OpenAPI schema: generated without a warning, valid, and served with its docs."""

import pytest
import yaml

pytestmark = pytest.mark.django_db

COLLECTIONS = [
    "cities",
    "projects",
    "households",
    "residents",
    "income-declarations",
    "invitations",
]


def test_schema_generates_and_validates_without_warnings(openapi_schema):
    schema = openapi_schema
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


GOVERNANCE_PATHS = {
    "/api/v1/proposals/": {"get", "post"},
    "/api/v1/proposals/{id}/": {"get", "patch"},
    "/api/v1/proposals/{id}/vote/": {"post"},
    "/api/v1/proposals/{id}/paper-ballot/": {"post"},
    "/api/v1/proposals/{id}/results/": {"get"},
    "/api/v1/proposals/{id}/withdraw/": {"post"},
    "/api/v1/proposals/{id}/round-entries/": {"post"},
    "/api/v1/proposals/{id}/advance-phase/": {"post"},
    "/api/v1/proposals/{id}/amend/": {"post"},
    "/api/v1/proposals/{id}/close-round/": {"post"},
    "/api/v1/proxies/": {"get", "post"},
    "/api/v1/proxies/{id}/": {"get", "delete"},
    "/api/v1/proxies/{id}/revoke/": {"post"},
    "/api/v1/decisions/": {"get"},
    "/api/v1/decisions/{id}/": {"get"},
    "/api/v1/decisions/export/": {"get"},
}


def test_schema_describes_proposals_proxies_and_decisions(api_client):
    paths = api_client.get("/api/v1/schema/?format=json").json()["paths"]
    for path, methods in GOVERNANCE_PATHS.items():
        assert methods <= set(paths[path]), path
    vote = paths["/api/v1/proposals/{id}/vote/"]["post"]["responses"]
    assert {"201", "400", "403", "409"} <= set(vote)
    assert "409" in paths["/api/v1/proposals/{id}/results/"]["get"]["responses"]
    export = paths["/api/v1/decisions/export/"]["get"]
    assert "text/csv" in export["responses"]["200"]["content"]
    assert {"q", "project", "passed"} <= {parameter["name"] for parameter in export["parameters"]}
