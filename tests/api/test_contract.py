"""Answers keep the published contract: each body validates against the OpenAPI schema's
response for its operation and status (OpenAPI 3.0's ``nullable`` read as JSON Schema's null)."""

from __future__ import annotations

from typing import Any

import jsonschema
import pytest

from tests.conftest import api_client_for
from tests.governance.factories import open_proposal

pytestmark = pytest.mark.django_db


def as_json_schema(node: Any, components: dict) -> Any:
    """The OpenAPI 3.0 schema node as plain JSON Schema, its references resolved inline."""
    if isinstance(node, list):
        return [as_json_schema(item, components) for item in node]
    if not isinstance(node, dict):
        return node
    if "$ref" in node:
        return as_json_schema(components[node["$ref"].rsplit("/", 1)[-1]], components)
    result = {key: as_json_schema(value, components) for key, value in node.items()}
    if result.pop("nullable", False):
        if "enum" in result:
            result["enum"] = [*result["enum"], None]
        if "type" in result:
            result["type"] = [result["type"], "null"]
        else:
            result = {"anyOf": [result, {"type": "null"}]}
    return result


def assert_conforms(schema: dict, path: str, method: str, status: int, body: Any) -> None:
    operation = schema["paths"][path][method]
    content = operation["responses"][str(status)]["content"]["application/json"]["schema"]
    expected = as_json_schema(content, schema["components"]["schemas"])
    jsonschema.validate(body, expected)


def test_me_conforms_for_a_resident_whose_roles_have_no_city(openapi_schema, side_a):
    answer = api_client_for(side_a.resident_user).get("/api/v1/me/")
    assert answer.status_code == 200
    assert any(role["city_name"] is None for role in answer.json()["roles"])
    assert_conforms(openapi_schema, "/api/v1/me/", "get", 200, answer.json())


def test_a_verified_income_declaration_conforms(openapi_schema, side_a):
    manager = api_client_for(side_a.manager)
    verified = manager.post(f"/api/v1/income-declarations/{side_a.income.pk}/verify/", {})
    assert verified.status_code == 200, verified.content
    answer = manager.get(f"/api/v1/income-declarations/{side_a.income.pk}/")
    assert answer.json()["evidence_status"] == "verified"
    assert_conforms(openapi_schema, "/api/v1/income-declarations/{id}/", "get", 200, answer.json())
    refused = manager.post(
        "/api/v1/income-declarations/",
        {
            "household": side_a.household.pk,
            "valid_from": "2025-06-01",
            "gross_monthly_cents": 250_000,
            "disposable_monthly_cents": 200_000,
            "evidence_status": "verified",  # only a manager's verification may say so
        },
        format="json",
    )
    assert refused.status_code == 400
    assert "evidence_status" in refused.json()


def test_a_proposal_outside_a_consent_round_conforms(openapi_schema, side_a):
    proposal = open_proposal(project=side_a.project)
    assert proposal.consent_phase == ""
    answer = api_client_for(side_a.resident_user).get(f"/api/v1/proposals/{proposal.pk}/")
    assert answer.status_code == 200
    assert_conforms(openapi_schema, "/api/v1/proposals/{id}/", "get", 200, answer.json())
