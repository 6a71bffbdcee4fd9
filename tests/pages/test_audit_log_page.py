"""The audit log page of a project: its managers and platform admins read it, filtered by what
and by days, a page at a time, in a fixed number of queries; nobody else finds it."""

from __future__ import annotations

import datetime as dt

import pytest
from django.utils import timezone

from common.models import AuditAction
from members.models import User
from tests.factories import (
    HouseholdFactory,
    give_totp,
    make_manager,
)
from tests.factories import (
    record_audit_events as record,
)
from tests.pages.helpers import field_errors, html, shows

pytestmark = pytest.mark.django_db


def url(project) -> str:
    return f"/projects/{project.pk}/audit/"


def test_a_manager_reads_the_projects_events_and_not_anothers(client, side_a, side_b):
    record(side_a.project, 2, actor=side_a.manager)
    record(side_b.project, 1, action=AuditAction.PROPOSAL_OPENED)
    client.force_login(side_a.manager)

    response = client.get(url(side_a.project))

    assert response.status_code == 200
    page = html(response)
    assert shows(page, "Charges run")
    assert shows(page, side_a.manager.email)
    shown = response.context["page"]
    assert shown.paginator.count == 2 + 2  # and the side's two role grants
    assert {event.action for event in shown} == {"charges.run", "role.granted"}


def test_the_project_page_links_to_the_log_for_its_managers(client, side_a):
    client.force_login(side_a.manager)

    page = html(client.get(f"/projects/{side_a.project.pk}/"))

    assert f'href="{url(side_a.project)}"' in page


@pytest.mark.parametrize(
    ("who", "status"),
    [("other_manager", 404), ("resident_user", 403), ("officer", 403), ("neighbour", 404)],
)
def test_nobody_else_reads_the_log(client, side_a, side_b, who, status):
    users = {
        "other_manager": side_b.manager,
        "resident_user": side_a.resident_user,
        "officer": side_a.officer,
        "neighbour": make_manager(HouseholdFactory().project),
    }
    record(side_a.project, 1, actor=side_a.manager)
    client.force_login(users[who])

    response = client.get(url(side_a.project))

    assert response.status_code == status
    assert side_a.manager.email not in response.content.decode()


def test_a_platform_admin_reads_any_projects_log(client, side_a):
    record(side_a.project, 1)
    admin = User.objects.create_superuser(email="root@example.org", password="x")
    give_totp(admin)
    client.force_login(admin)

    assert client.get(url(side_a.project)).status_code == 200


def test_the_log_filters_by_action_and_by_the_projects_days(client, side_a):
    zone = timezone.get_current_timezone()
    side_a.city.time_zone = "Pacific/Auckland"
    side_a.city.save()
    auckland_june_2 = dt.datetime(2025, 6, 1, 13, tzinfo=dt.UTC)  # 01:00 on 2 June there
    record(side_a.project, 1, at=auckland_june_2)
    record(side_a.project, 1, at=dt.datetime(2025, 6, 5, tzinfo=dt.UTC))
    record(side_a.project, 1, action=AuditAction.SCHEME_ADOPTED, at=auckland_june_2)
    client.force_login(side_a.manager)

    response = client.get(
        url(side_a.project), {"action": "charges.run", "since": "2025-06-02", "until": "2025-06-02"}
    )

    assert response.status_code == 200
    assert [event.at for event in response.context["page"]] == [auckland_june_2]
    assert timezone.get_current_timezone() == zone


def test_a_bad_filter_is_shown_on_its_field(client, side_a):
    client.force_login(side_a.manager)

    response = client.get(url(side_a.project), {"since": "2025-06-05", "until": "2025-06-01"})

    assert response.status_code == 200
    assert field_errors(html(response), "until") == ["The last day cannot be before the first."]
    response = client.get(url(side_a.project), {"since": "soon", "action": "coffee"})
    assert response.status_code == 200
    assert field_errors(html(response), "since")
    assert field_errors(html(response), "action")


def test_the_log_pages_in_constant_queries(client, side_a, django_assert_max_num_queries):
    client.force_login(side_a.manager)
    record(side_a.project, 3, actor=side_a.manager)
    client.get(url(side_a.project))
    with django_assert_max_num_queries(20) as few:
        client.get(url(side_a.project))
    record(side_a.project, 120, actor=side_a.manager)

    with django_assert_max_num_queries(len(few)):
        response = client.get(url(side_a.project), {"page": "2"})

    assert len(response.context["page"]) == 50
    assert "page=3" in html(response)
