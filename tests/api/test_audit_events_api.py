"""GET /api/v1/projects/{id}/audit-events/: the project's managers and platform admins read its
audit log, paged and filtered; anyone else is told it does not exist."""

from __future__ import annotations

import datetime as dt

import pytest

from common.models import AuditAction
from members.models import User
from tests.conftest import api_client_for
from tests.factories import (
    give_totp,
)
from tests.factories import (
    record_audit_events as record,
)

pytestmark = pytest.mark.django_db


def url(project) -> str:
    return f"/api/v1/projects/{project.pk}/audit-events/"


def test_a_manager_reads_the_projects_events_newest_first(side_a, side_b):
    record(side_a.project, 1, actor=side_a.manager, at=dt.datetime(2025, 6, 1, tzinfo=dt.UTC))
    record(side_b.project, 1, action=AuditAction.PROPOSAL_OPENED)

    response = api_client_for(side_a.manager).get(url(side_a.project), {"action": "charges.run"})

    assert response.status_code == 200
    body = response.json()
    assert body["count"] == 1
    [event] = body["results"]
    assert event == {
        "id": event["id"],
        "at": "2025-06-01T00:00:00Z",
        "actor": side_a.manager.pk,
        "actor_label": side_a.manager.email,
        "action": "charges.run",
        "project_id": side_a.project.pk,
        "city_id": None,
        "target_type": "",
        "target_id": None,
        "detail": {"month": "2025-06-01"},
    }


@pytest.mark.parametrize("who", ["other_manager", "resident_user", "officer"])
def test_anyone_else_is_answered_404(side_a, side_b, who):
    user = {
        "other_manager": side_b.manager,
        "resident_user": side_a.resident_user,
        "officer": side_a.officer,
    }[who]
    record(side_a.project, 1, actor=side_a.manager)

    response = api_client_for(user).get(url(side_a.project))

    assert response.status_code == 404
    assert side_a.manager.email not in response.content.decode()


def test_a_platform_admin_reads_any_project(side_a):
    admin = User.objects.create_superuser(email="root@example.org", password="x")
    give_totp(admin)

    assert api_client_for(admin).get(url(side_a.project)).status_code == 200


def test_signed_out_is_401(api_client, side_a):
    assert api_client.get(url(side_a.project)).status_code in {401, 403}


@pytest.mark.parametrize(
    ("query", "field"),
    [
        ({"action": "coffee.made"}, "action"),
        ({"since": "yesterday"}, "since"),
        ({"until": "0001-01-01"}, "until"),
        ({"since": "2025-06-05", "until": "2025-06-01"}, "until"),
    ],
)
def test_a_bad_filter_is_400_on_its_field(side_a, query, field):
    response = api_client_for(side_a.manager).get(url(side_a.project), query)

    assert response.status_code == 400
    assert field in response.json()


def test_days_are_the_projects_days(side_a):
    side_a.city.time_zone = "America/Los_Angeles"
    side_a.city.save()
    late_on_june_1_there = dt.datetime(2025, 6, 2, 5, tzinfo=dt.UTC)
    record(side_a.project, 1, at=late_on_june_1_there)

    client = api_client_for(side_a.manager)
    june_1 = client.get(url(side_a.project), {"since": "2025-06-01", "until": "2025-06-01"})
    june_2 = client.get(url(side_a.project), {"since": "2025-06-02", "until": "2025-06-02"})

    assert june_1.json()["count"] == 1
    assert june_2.json()["count"] == 0


def test_the_list_reads_in_constant_queries(side_a, django_assert_max_num_queries):
    client = api_client_for(side_a.manager)
    record(side_a.project, 3)
    with django_assert_max_num_queries(8) as few:
        client.get(url(side_a.project))
    record(side_a.project, 80)

    with django_assert_max_num_queries(len(few)):
        response = client.get(url(side_a.project), {"page_size": "100"})

    assert len(response.json()["results"]) == 85  # and the side's two role grants


def test_the_schema_documents_the_endpoint(api_client):
    schema = api_client.get("/api/v1/schema/", {"format": "json"}).json()

    operation = schema["paths"]["/api/v1/projects/{id}/audit-events/"]["get"]
    assert operation["operationId"] == "projects_audit_events_list"
    assert {p["name"] for p in operation["parameters"]} >= {"action", "since", "until", "page"}
    assert "404" in operation["responses"]
