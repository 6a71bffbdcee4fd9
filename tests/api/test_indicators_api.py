"""The indicators API: a city's and a project's published cells, and the pilot goals; who may
read and write them, bad input answered on its field, and constant query counts."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest

from community.monitoring.models import GoalComparison, Indicator, PilotGoal
from members.models import RoleKind
from members.services import role_grant
from tests.api.factories import OVERBURDEN, make_goal
from tests.community.factories import months_back, publish, publish_grid
from tests.conftest import api_client_for
from tests.factories import ProjectFactory, make_observer

pytestmark = pytest.mark.django_db

JUNE = dt.date(2025, 6, 1)


@pytest.fixture
def cells(side_a, side_b):
    """Three months of side A: project A published, project B hidden, the city in between;
    a one-person-household row; one month of side B."""
    city, a, b = side_a.city, side_a.project, side_a.other_project
    for index, month in enumerate(months_back(JUNE, 3)):  # April to June
        publish(city=city, project=a, month=month, indicator=OVERBURDEN, value=f"0.2{index + 3}")
        publish(city=city, project=b, month=month, indicator=OVERBURDEN, suppressed=True)
        publish(city=city, month=month, indicator=OVERBURDEN, value="0.3125")
        publish(
            city=city,
            project=b,
            month=month,
            indicator=Indicator.HOUSEHOLDS,
            suppressed=True,
            display="< 10",
        )
        publish(city=city, project=a, month=month, indicator=Indicator.TURNOUT, value="0.6")
    publish(
        city=city,
        project=a,
        month=JUNE,
        indicator=OVERBURDEN,
        filter="household_size:1",
        value="0.5",
    )
    publish(city=side_b.city, project=side_b.project, month=JUNE, indicator=OVERBURDEN, value="0.1")
    return side_a


def observer():
    return make_observer()


def city_url(side) -> str:
    return f"/api/v1/cities/{side.city.pk}/indicators/"


def project_url(project) -> str:
    return f"/api/v1/projects/{project.pk}/indicators/"


# --- A city's cells --------------------------------------------------------------------------


def test_an_officer_reads_the_citys_published_cells(cells):
    response = api_client_for(cells.officer).get(city_url(cells), {"month": "2025-06"})

    assert response.status_code == 200
    body = response.json()
    assert body["count"] == 5
    rows = body["results"]
    assert [(row["project"], row["indicator"]) for row in rows] == [
        (cells.other_project.pk, "households"),
        (None, OVERBURDEN),
        (cells.project.pk, OVERBURDEN),
        (cells.other_project.pk, OVERBURDEN),
        (cells.project.pk, "turnout"),
    ]
    small, city, mine, hidden, _turnout = rows
    assert small == {
        "city": cells.city.pk,
        "project": cells.other_project.pk,
        "project_name": cells.other_project.name,
        "month": "2025-06",
        "indicator": "households",
        "filter": "",
        "unit": "count",
        "value": None,
        "suppressed": True,
        "display": "< 10",
    }
    assert (city["value"], city["project_name"], city["unit"]) == ("0.3125", None, "share")
    assert (mine["value"], mine["suppressed"]) == ("0.25", False)
    assert (hidden["value"], hidden["suppressed"], hidden["display"]) == (None, True, "")
    # Never the household count a figure describes, nor why one is hidden.
    assert "n_households" not in response.content.decode()
    assert "suppression_reason" not in response.content.decode()
    assert "threshold" not in response.content.decode()


def test_cells_by_period_indicator_and_filter(cells):
    client = api_client_for(cells.officer)

    def months(query):
        response = client.get(city_url(cells), query)
        assert response.status_code == 200, response.json()
        return [(row["month"], row["project"], row["value"]) for row in response.json()["results"]]

    assert months({"from": "2025-05", "to": "2025-05", "indicator": OVERBURDEN}) == [
        ("2025-05", None, "0.3125"),
        ("2025-05", cells.project.pk, "0.24"),
        ("2025-05", cells.other_project.pk, None),
    ]
    assert months({"from": "2025-06-15", "indicator": "turnout"}) == [
        ("2025-06", cells.project.pk, "0.6")
    ]
    assert months({"filter": "household_size:1"}) == [("2025-06", cells.project.pk, "0.5")]
    assert months({"to": "2025-03"}) == []


@pytest.mark.parametrize(
    ("query", "field"),
    [
        ({"month": "2025-13"}, "month"),
        ({"from": "June"}, "from"),
        ({"from": "2025-06", "to": "2025-04"}, "to"),
        ({"indicator": "rent"}, "indicator"),
        ({"filter": "household size"}, "filter"),
    ],
)
def test_a_wrong_query_answers_400_on_its_field(cells, query, field):
    response = api_client_for(cells.officer).get(city_url(cells), query)

    assert response.status_code == 400
    assert list(response.json()) == [field]


def test_only_the_citys_officers_and_observers_read_its_cells(cells, side_b):
    assert api_client_for(observer()).get(city_url(cells)).status_code == 200
    for user in (side_b.officer, cells.manager, cells.resident_user, side_b.manager):
        client = api_client_for(user)
        assert client.get(city_url(cells)).status_code == 404, user
        # The city is unknown to them before their query is wrong.
        assert client.get(city_url(cells), {"month": "2025-13"}).status_code == 404
    assert api_client_for(cells.officer).get("/api/v1/cities/999999/indicators/").status_code == 404
    assert api_client_for(cells.officer).get(city_url(side_b)).status_code == 404


def test_anonymous_callers_are_asked_to_sign_in(api_client, cells):
    assert api_client.get(city_url(cells)).status_code in (401, 403)
    assert api_client.get("/api/v1/pilot-goals/").status_code in (401, 403)


# --- A project's cells -----------------------------------------------------------------------


def test_a_project_s_cells_for_its_officers_observers_and_managers(cells, side_b):
    for user in (cells.officer, observer(), cells.manager):
        response = api_client_for(user).get(project_url(cells.project), {"indicator": OVERBURDEN})
        assert response.status_code == 200, user
        rows = response.json()["results"]
        assert {row["project"] for row in rows} == {cells.project.pk}  # no city total
        assert [row["value"] for row in rows] == ["0.23", "0.24", "0.25"]


def test_a_manager_reads_no_other_project_and_residents_none(cells, side_b):
    manager = api_client_for(cells.manager)
    assert manager.get(project_url(cells.other_project)).status_code == 404
    assert manager.get(project_url(side_b.project)).status_code == 404
    resident = api_client_for(cells.resident_user)
    assert resident.get(project_url(cells.project)).status_code == 404
    assert api_client_for(side_b.officer).get(project_url(cells.project)).status_code == 404


# --- Pilot goals -----------------------------------------------------------------------------


def goal_input(side, **changes):
    return {
        "project": side.project.pk,
        "indicator": OVERBURDEN,
        "comparison": GoalComparison.AT_MOST,
        "target": "0.2",
        "starts_on": "2025-01-01",
        "ends_on": "2025-12-31",
    } | changes


def test_an_officer_sets_a_goal_and_reads_its_progress(cells):
    client = api_client_for(cells.officer)

    response = client.post("/api/v1/pilot-goals/", goal_input(cells), format="json")

    assert response.status_code == 201, response.json()
    goal = PilotGoal.objects.get()
    assert (goal.city, goal.project, goal.created_by) == (cells.city, cells.project, cells.officer)
    body = response.json()
    assert body["city"] == cells.city.pk
    assert body["target"] == "0.200000"
    progress = client.get(f"/api/v1/pilot-goals/{goal.pk}/", {"month": "2025-06"}).json()
    assert progress["progress"] == {
        "status": "not_met",
        "month": "2025-06",
        "value": "0.25",
        "suppressed": False,
        "display": "",
    }
    before = client.get(f"/api/v1/pilot-goals/{goal.pk}/", {"month": "2024-12"}).json()
    assert before["progress"]["status"] == "not_started"


def test_a_goal_on_the_citys_figure_and_one_on_a_hidden_figure(cells):
    client = api_client_for(cells.officer)

    city_goal = client.post(
        "/api/v1/pilot-goals/",
        goal_input(cells, project=None, city=cells.city.pk, target="0.35"),
        format="json",
    )
    hidden_goal = client.post(
        "/api/v1/pilot-goals/",
        goal_input(cells, project=cells.other_project.pk),
        format="json",
    )

    assert city_goal.status_code == 201 and hidden_goal.status_code == 201
    listed = client.get("/api/v1/pilot-goals/", {"month": "2025-06"}).json()["results"]
    progress = {row["project"]: row["progress"] for row in listed}
    assert progress[None]["status"] == "met"  # 31.25 % ≤ 35 %
    assert progress[cells.other_project.pk] == {
        "status": "unknown",
        "month": "2025-06",
        "value": None,
        "suppressed": True,
        "display": "",
    }


@pytest.mark.parametrize(
    ("changes", "field"),
    [
        ({"ends_on": "2024-12-31"}, "ends_on"),
        ({"target": "1.5"}, "target"),
        ({"target": "-0.1"}, "target"),
        ({"target": "lots"}, "target"),
        ({"indicator": "rent"}, "indicator"),
        ({"comparison": "about"}, "comparison"),
        ({"starts_on": "soon"}, "starts_on"),
        ({"project": None}, "city"),  # neither a project nor a city
        ({"project": "abc"}, "project"),
    ],
)
def test_a_wrong_goal_answers_400_on_its_field_and_writes_nothing(cells, changes, field):
    response = api_client_for(cells.officer).post(
        "/api/v1/pilot-goals/", goal_input(cells, **changes), format="json"
    )

    assert response.status_code == 400
    assert field in response.json(), response.json()
    assert not PilotGoal.objects.exists()


def test_a_goal_on_a_project_of_another_city_is_refused_on_the_project(cells, side_b):
    officer_of_both = cells.officer
    role_grant(user=officer_of_both, kind=RoleKind.OFFICER, city=side_b.city)

    response = api_client_for(officer_of_both).post(
        "/api/v1/pilot-goals/",
        goal_input(cells, city=cells.city.pk, project=side_b.project.pk),
        format="json",
    )

    assert response.status_code == 400
    assert response.json() == {"project": ["The project must belong to the goal's city."]}
    assert not PilotGoal.objects.exists()


def test_only_the_citys_officers_set_its_goals(cells, side_b):
    for user, on_project, on_city in (
        (observer(), 403, 403),
        # A manager reads the goals of their project but sets none; the city's own figure
        # is not theirs to know.
        (cells.manager, 403, 404),
        (side_b.officer, 404, 404),
        (cells.resident_user, 404, 404),
    ):
        client = api_client_for(user)
        with_project = client.post("/api/v1/pilot-goals/", goal_input(cells), format="json")
        assert with_project.status_code == on_project, user
        city_only = client.post(
            "/api/v1/pilot-goals/",
            goal_input(cells, project=None, city=cells.city.pk),
            format="json",
        )
        assert city_only.status_code == on_city, user
    assert not PilotGoal.objects.exists()


def test_who_lists_which_goals(cells, side_b):
    mine = make_goal(cells)
    neighbours = make_goal(cells, project=cells.other_project)
    city_wide = make_goal(cells, project=None)
    elsewhere = make_goal(side_b)

    def listed(user, **query):
        response = api_client_for(user).get("/api/v1/pilot-goals/", query)
        assert response.status_code == 200
        return {row["id"] for row in response.json()["results"]}

    assert listed(cells.officer) == {mine.pk, neighbours.pk, city_wide.pk}
    assert listed(observer()) == {mine.pk, neighbours.pk, city_wide.pk, elsewhere.pk}
    assert listed(observer(), city=side_b.city.pk) == {elsewhere.pk}
    assert listed(cells.manager) == {mine.pk}
    assert listed(cells.resident_user) == set()
    assert (
        api_client_for(cells.resident_user).get(f"/api/v1/pilot-goals/{mine.pk}/").status_code
        == 404
    )
    assert api_client_for(side_b.officer).get(f"/api/v1/pilot-goals/{mine.pk}/").status_code == 404


def test_an_officer_changes_and_deletes_a_goal(cells):
    goal = make_goal(cells)
    client = api_client_for(cells.officer)

    response = client.patch(
        f"/api/v1/pilot-goals/{goal.pk}/",
        {"target": "0.3", "project": cells.other_project.pk},
        format="json",
    )

    assert response.status_code == 200, response.json()
    goal.refresh_from_db()
    assert (goal.target, goal.project, goal.indicator) == (
        Decimal("0.3"),
        cells.other_project,
        OVERBURDEN,
    )
    assert client.delete(f"/api/v1/pilot-goals/{goal.pk}/").status_code == 204
    assert not PilotGoal.objects.exists()


def test_a_wrong_change_answers_400_and_changes_nothing(cells, side_b):
    goal = make_goal(cells)
    client = api_client_for(cells.officer)

    for changes, field in (
        ({"ends_on": "2024-06-30"}, "ends_on"),
        ({"target": "2"}, "target"),
        ({"project": side_b.project.pk}, "project"),
        ({"city": side_b.city.pk, "target": "0.5"}, None),  # the city is not changed
    ):
        response = client.patch(f"/api/v1/pilot-goals/{goal.pk}/", changes, format="json")
        if field is None:
            assert response.status_code == 200
            assert response.json()["city"] == cells.city.pk
        else:
            assert response.status_code == 400
            assert field in response.json()
    goal.refresh_from_db()
    assert (goal.city, goal.project, goal.ends_on) == (
        cells.city,
        cells.project,
        dt.date(2025, 12, 31),
    )


def test_only_the_citys_officers_change_or_delete_its_goals(cells, side_b):
    goal = make_goal(cells)
    for user, status in (
        (observer(), 403),
        (cells.manager, 403),
        (side_b.officer, 404),
        (cells.resident_user, 404),
    ):
        client = api_client_for(user)
        url = f"/api/v1/pilot-goals/{goal.pk}/"
        assert client.patch(url, {"target": "0.9"}, format="json").status_code == status
        assert client.delete(url).status_code == status
    goal.refresh_from_db()
    assert goal.target == Decimal("0.2")


# --- Query counts ----------------------------------------------------------------------------


def _many(side, projects: int) -> None:
    pilots = [side.project, side.other_project]
    pilots += ProjectFactory.create_batch(projects - 2, city=side.city)
    publish_grid(
        city=side.city,
        projects=pilots,
        months=months_back(JUNE, 24),
        indicators=[OVERBURDEN, Indicator.HOUSEHOLDS],
        value=lambda project, month, indicator: 12 if indicator == "households" else "0.25",
    )
    for project in pilots:
        make_goal(side, project=project)


@pytest.mark.parametrize("projects", [3, 30])
def test_the_lists_read_in_constant_queries(side_a, projects, django_assert_max_num_queries):
    _many(side_a, projects)
    client = api_client_for(side_a.officer)

    # Two savepoints, the user's global permissions (observer?) and, the first time, guardian's
    # content type; then the city or project, the count and the page (and the goals' cells).
    with django_assert_max_num_queries(8):
        cells = client.get(city_url(side_a), {"page_size": 500})
    with django_assert_max_num_queries(8):
        goals = client.get("/api/v1/pilot-goals/", {"month": "2025-06"})
    with django_assert_max_num_queries(8):
        project_cells = client.get(project_url(side_a.project))

    assert cells.json()["count"] == (projects + 1) * 24 * 2
    assert len(goals.json()["results"]) == projects
    assert {row["progress"]["status"] for row in goals.json()["results"]} == {"not_met"}
    assert project_cells.json()["count"] == 48


def test_the_schema_describes_the_indicator_endpoints(api_client, side_a):
    api_client.force_authenticate(side_a.officer)
    schema = api_client.get("/api/v1/schema/", {"format": "json"}).json()

    paths = schema["paths"]
    assert "get" in paths["/api/v1/cities/{id}/indicators/"]
    assert "get" in paths["/api/v1/projects/{id}/indicators/"]
    assert {"get", "post"} <= set(paths["/api/v1/pilot-goals/"])
    assert {"get", "patch", "delete"} <= set(paths["/api/v1/pilot-goals/{id}/"])
    parameters = {p["name"] for p in paths["/api/v1/cities/{id}/indicators/"]["get"]["parameters"]}
    assert {"month", "from", "to", "indicator", "filter"} <= parameters
