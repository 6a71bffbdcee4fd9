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


def test_every_operation_documents_the_errors_it_can_answer(openapi_schema):
    """A client learns from the schema what it may get back: bad input, no valid token,
    refused, unknown, too many requests; each error a JSON body it can read."""
    paths = openapi_schema["paths"]
    bookings = paths["/api/v1/bookings/"]["get"]["responses"]
    assert {"200", "400", "401", "403", "404", "429"} <= set(bookings)  # 404: a page too far
    booking = paths["/api/v1/bookings/{id}/"]["get"]["responses"]
    assert {"401", "403", "404", "429"} <= set(booking) and "400" not in booking
    check_in = paths["/api/v1/bookings/{id}/check-in/"]["post"]["responses"]
    assert {"400", "404", "409"} <= set(check_in)  # refused by the service, or not confirmed
    sign_in = paths["/api/v1/auth/token/"]["post"]["responses"]
    assert {"400", "429"} <= set(sign_in) and not {"401", "403"} & set(sign_in)
    error = {"$ref": "#/components/schemas/Error"}
    assert booking["404"]["content"]["application/json"]["schema"] == error
    # A declared answer without a body gets one too.
    vote = paths["/api/v1/proposals/{id}/vote/"]["post"]["responses"]
    assert vote["409"]["content"]["application/json"]["schema"] == error
    assert bookings["400"]["content"]["application/json"]["schema"]["type"] == "object"
    # An export says its errors in what the client asked for.
    assert "text/csv" in paths["/api/v1/decisions/export/"]["get"]["responses"]["400"]["content"]


def test_filters_on_a_related_object_take_its_whole_number_id(openapi_schema):
    parameters = openapi_schema["paths"]["/api/v1/bookings/"]["get"]["parameters"]
    types = {parameter["name"]: parameter["schema"]["type"] for parameter in parameters}
    assert types["space"] == types["household"] == "integer"
