"""The meetings API: happy paths for managers, the chair and residents; 400 with the field, 403
for a resident writing, 404 for officers and other projects; minutes hidden until published;
the calendar file; lists in a fixed number of queries."""

from __future__ import annotations

import datetime as dt

import pytest
from django.core import mail
from django.utils import timezone
from icalendar import Calendar

from governance.models import AgendaItem, Attendance, DecisionClass, Meeting, Proposal
from governance.services.meetings import attendance_record, minutes_save
from tests.conftest import api_client_for
from tests.factories import ResidentFactory, make_resident_user
from tests.governance.factories import MeetingFactory, past_meeting, with_agenda

pytestmark = pytest.mark.django_db

MEETINGS = "/api/v1/meetings/"
CLASSES = "/api/v1/decision-classes/"


def iso(moment: dt.datetime) -> str:
    return moment.isoformat()


def meeting_body(project, **overrides) -> dict:
    start = timezone.now() + dt.timedelta(days=14)
    return {
        "project": project.pk,
        "kind": "general_assembly",
        "title": "Autumn assembly",
        "start": iso(start),
        "end": iso(start + dt.timedelta(hours=2)),
        "place": "Common room",
        **overrides,
    }


# --- Meetings: create, read, update ---------------------------------------------------------------


def test_a_manager_calls_a_meeting_and_every_household_is_invited(
    side_a, manager_client, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        response = manager_client.post(MEETINGS, meeting_body(side_a.project), format="json")

    assert response.status_code == 201, response.json()
    body = response.json()
    assert body["title"] == "Autumn assembly"
    assert body["agenda_items"] == []
    assert body["attendance"] == {"present": 0, "represented": 0, "absent": 0}
    assert body["minutes"] == ""  # the manager sees the (empty) draft
    assert "invite" not in body
    assert [message.to for message in mail.outbox] == [[side_a.resident_user.email]]
    assert Meeting.objects.get(pk=body["id"]).invitations_sent_at is not None


def test_a_meeting_can_be_created_without_invitations_and_invited_later(
    side_a, manager_client, django_capture_on_commit_callbacks
):
    response = manager_client.post(
        MEETINGS, meeting_body(side_a.project, invite=False), format="json"
    )
    assert response.status_code == 201
    assert mail.outbox == []
    url = f"{MEETINGS}{response.json()['id']}/invitations/"

    with django_capture_on_commit_callbacks(execute=True):
        sent = manager_client.post(url)
    again = manager_client.post(url)

    assert sent.status_code == 202
    assert len(mail.outbox) == 1
    assert again.status_code == 409


@pytest.mark.parametrize(
    ("overrides", "field"),
    [
        ({"place": "", "link": ""}, "place"),
        ({"end": "2020-01-01T10:00:00+00:00"}, "end"),
        ({"start": "2030-01-01T10:00:00"}, "start"),  # no offset
        ({"link": "javascript:alert(1)"}, "link"),
        ({"kind": "party"}, "kind"),
        ({"chair": 999_999}, "chair"),
    ],
)
def test_bad_meeting_input_is_a_400_on_its_field(side_a, manager_client, overrides, field):
    response = manager_client.post(
        MEETINGS, meeting_body(side_a.project, **overrides), format="json"
    )

    assert response.status_code == 400
    assert field in response.json()
    assert not Meeting.objects.exists()


def test_a_chair_from_another_project_is_refused(side_a, side_b, manager_client):
    response = manager_client.post(
        MEETINGS, meeting_body(side_a.project, chair=side_a.neighbour.pk), format="json"
    )
    assert response.status_code == 400
    # A member of another project that the manager does not see is simply unknown.
    response = manager_client.post(
        MEETINGS, meeting_body(side_a.project, chair=side_b.manager.pk), format="json"
    )
    assert response.status_code == 400 and "chair" in response.json()


def test_residents_may_not_call_meetings_and_outsiders_do_not_know_the_project(
    side_a, side_b, resident_client, officer_client
):
    assert (
        resident_client.post(MEETINGS, meeting_body(side_a.project), format="json").status_code
        == 403
    )
    for client, project in (
        (officer_client, side_a.project),
        (api_client_for(side_b.manager), side_a.project),
    ):
        response = client.post(MEETINGS, meeting_body(project), format="json")
        assert response.status_code == 400 and "project" in response.json()
    assert not Meeting.objects.exists()


def test_members_read_meetings_others_get_404(side_a, side_b, resident_client, officer_client):
    meeting = with_agenda(MeetingFactory(project=side_a.project), "Budget", "Garden")
    url = f"{MEETINGS}{meeting.pk}/"

    body = resident_client.get(url).json()
    assert [item["title"] for item in body["agenda_items"]] == ["Budget", "Garden"]
    assert [item["position"] for item in body["agenda_items"]] == [1, 2]
    for client in (officer_client, api_client_for(side_b.manager)):
        assert client.get(url).status_code == 404
        assert client.get(MEETINGS).json()["results"] == []
        assert client.patch(url, {"title": "Mine"}, format="json").status_code == 404


def test_a_manager_edits_a_meeting_a_resident_may_not(side_a, manager_client, resident_client):
    meeting = MeetingFactory(project=side_a.project)
    url = f"{MEETINGS}{meeting.pk}/"

    assert resident_client.patch(url, {"title": "Mine"}, format="json").status_code == 403
    response = manager_client.patch(
        url, {"title": "Moved online", "place": "", "link": "https://meet.example.org/x"}
    )
    assert response.status_code == 200, response.json()
    assert (response.json()["title"], response.json()["link"]) == (
        "Moved online",
        "https://meet.example.org/x",
    )
    bad = manager_client.patch(url, {"link": ""}, format="json")
    assert bad.status_code == 400 and "place" in bad.json()
    # The project is fixed once the meeting exists.
    manager_client.patch(url, {"project": side_a.other_project.pk}, format="json")
    meeting.refresh_from_db()
    assert meeting.project == side_a.project


def test_filters_by_project_kind_and_upcoming(side_a, manager_client):
    coming = MeetingFactory(project=side_a.project, kind="board")
    past = past_meeting(project=side_a.project)

    def ids(query: str) -> list[int]:
        return [row["id"] for row in manager_client.get(f"{MEETINGS}?{query}").json()["results"]]

    assert ids("upcoming=true") == [coming.pk]
    assert ids("upcoming=false") == [past.pk]
    assert ids("kind=board") == [coming.pk]
    assert ids(f"project={side_a.project.pk}") == [coming.pk, past.pk]
    assert manager_client.get(f"{MEETINGS}?project=abc").status_code == 400


# --- Agenda ---------------------------------------------------------------------------------------


def test_a_manager_builds_the_agenda(side_a, manager_client):
    meeting = with_agenda(MeetingFactory(project=side_a.project), "Minutes", "Budget")
    url = f"{MEETINGS}{meeting.pk}/agenda/"

    added = manager_client.post(url, {"title": "Welcome", "position": 1}, format="json")
    assert added.status_code == 201
    assert added.json()["position"] == 1
    bad = manager_client.post(url, {"title": "Late", "position": 9}, format="json")
    assert bad.status_code == 400 and "position" in bad.json()
    ids = list(meeting.agenda_items.order_by("position").values_list("pk", flat=True))

    ordered = manager_client.post(f"{url}order/", {"items": ids[::-1]}, format="json")
    assert ordered.status_code == 200
    assert [row["title"] for row in ordered.json()] == ["Budget", "Minutes", "Welcome"]
    wrong = manager_client.post(f"{url}order/", {"items": ids[:1]}, format="json")
    assert wrong.status_code == 400 and "items" in wrong.json()

    item_url = f"/api/v1/agenda-items/{ids[0]}/"
    renamed = manager_client.patch(item_url, {"title": "Opening words"}, format="json")
    assert renamed.status_code == 200 and renamed.json()["title"] == "Opening words"
    assert manager_client.delete(item_url).status_code == 204
    assert list(meeting.agenda_items.order_by("position").values_list("title", flat=True)) == [
        "Budget",
        "Minutes",
    ]


def test_residents_read_agenda_items_but_do_not_edit_them(side_a, side_b, resident_client):
    meeting = with_agenda(MeetingFactory(project=side_a.project), "Budget")
    item = meeting.agenda_items.get()
    url = f"/api/v1/agenda-items/{item.pk}/"

    assert resident_client.get(url).status_code == 200
    assert resident_client.patch(url, {"title": "X"}, format="json").status_code == 403
    assert resident_client.delete(url).status_code == 403
    assert (
        resident_client.post(f"{MEETINGS}{meeting.pk}/agenda/", {"title": "X"}).status_code == 403
    )
    assert api_client_for(side_b.manager).delete(url).status_code == 404
    assert AgendaItem.objects.get().title == "Budget"


# --- Attendance and minutes -----------------------------------------------------------------------


def test_the_chair_keeps_the_register_residents_may_not(side_a, side_b, resident_client):
    chair = make_resident_user(side_a.neighbour)
    meeting = past_meeting(project=side_a.project, chair=chair)
    url = f"{MEETINGS}{meeting.pk}/attendance/"
    chair_client = api_client_for(chair)
    stranger = ResidentFactory(household=side_b.household)

    entries = [
        {"resident": side_a.resident.pk, "status": "present"},
        {"resident": chair.resident.pk, "status": "represented"},
    ]
    response = chair_client.post(url, {"entries": entries}, format="json")
    assert response.status_code == 200, response.json()
    assert {row["resident"]: row["status"] for row in response.json()}[side_a.resident.pk] == (
        "present"
    )
    corrected = chair_client.post(
        url, {"entries": [{"resident": side_a.resident.pk, "status": "absent"}]}, format="json"
    )
    assert corrected.status_code == 200
    assert Attendance.objects.get(resident=side_a.resident).status == "absent"
    assert Attendance.objects.count() == 2

    foreign = chair_client.post(
        url, {"entries": [{"resident": stranger.pk, "status": "present"}]}, format="json"
    )
    assert foreign.status_code == 400 and "entries" in foreign.json()
    bad_status = chair_client.post(
        url, {"entries": [{"resident": side_a.resident.pk, "status": "asleep"}]}, format="json"
    )
    assert bad_status.status_code == 400
    assert resident_client.post(url, {"entries": entries}, format="json").status_code == 403
    assert resident_client.get(url).status_code == 403
    assert api_client_for(side_a.officer).get(url).status_code == 404
    detail = resident_client.get(f"{MEETINGS}{meeting.pk}/").json()
    assert detail["attendance"] == {"present": 0, "represented": 1, "absent": 1}


def test_minutes_are_hidden_until_published_then_frozen(
    side_a, manager_client, resident_client, django_capture_on_commit_callbacks
):
    meeting = past_meeting(project=side_a.project)
    url = f"{MEETINGS}{meeting.pk}/minutes/"

    saved = manager_client.post(url, {"minutes": "Draft: budget passed"}, format="json")
    assert saved.status_code == 200 and saved.json()["minutes"] == "Draft: budget passed"
    assert resident_client.get(f"{MEETINGS}{meeting.pk}/").json()["minutes"] is None
    assert resident_client.post(url, {"minutes": "Mine"}, format="json").status_code == 403

    with django_capture_on_commit_callbacks(execute=True):
        published = manager_client.post(url, {"publish": True}, format="json")
    assert published.status_code == 200
    assert published.json()["minutes_published_at"] is not None
    assert resident_client.get(f"{MEETINGS}{meeting.pk}/").json()["minutes"] == (
        "Draft: budget passed"
    )
    assert len(mail.outbox) == 1

    again = manager_client.post(url, {"minutes": "Rewritten", "publish": True}, format="json")
    assert again.status_code == 409
    meeting.refresh_from_db()
    assert meeting.minutes == "Draft: budget passed"


def test_minutes_before_the_meeting_are_a_400(side_a, manager_client):
    meeting = MeetingFactory(project=side_a.project)
    response = manager_client.post(
        f"{MEETINGS}{meeting.pk}/minutes/", {"minutes": "Too early"}, format="json"
    )
    assert response.status_code == 400 and "minutes" in response.json()
    assert manager_client.post(f"{MEETINGS}{meeting.pk}/minutes/", {}).status_code == 400


# --- Calendar -------------------------------------------------------------------------------------


def test_the_calendar_file_carries_the_meeting(side_a, resident_client):
    start = dt.datetime(2031, 3, 14, 17, 0, tzinfo=dt.UTC)
    meeting = with_agenda(
        MeetingFactory(
            project=side_a.project,
            title="Spring assembly",
            start=start,
            end=start + dt.timedelta(hours=2),
            link="https://meet.example.org/spring",
        ),
        "Budget",
    )

    response = resident_client.get(f"{MEETINGS}{meeting.pk}/ics/")

    assert response.status_code == 200
    assert response["Content-Type"].startswith("text/calendar")
    event = Calendar.from_ical(response.content).walk("VEVENT")[0]
    assert str(event["uid"]) == f"meeting-{meeting.pk}@netco-commons"
    assert event.decoded("dtstart") == start
    assert event.decoded("dtend") == start + dt.timedelta(hours=2)
    assert str(event["summary"]) == f"Spring assembly · {side_a.project.name}"
    assert "1. Budget" in str(event["description"])
    assert str(event["location"]) == "Common room · https://meet.example.org/spring"
    assert api_client_for(side_a.officer).get(f"{MEETINGS}{meeting.pk}/ics/").status_code == 404


# --- Decision classes -----------------------------------------------------------------------------


def class_body(project, **overrides) -> dict:
    return {
        "project": project.pk,
        "name": "Changing the bylaws",
        "method": "yes_no",
        "electorate": "adult",
        "quorum_numerator": 2,
        "quorum_denominator": 3,
        "threshold_numerator": 2,
        "threshold_denominator": 3,
        "threshold_inclusive": True,
        "secret": True,
        "review_months": 24,
        **overrides,
    }


def test_managers_define_decision_classes_residents_read_them(
    side_a, side_b, manager_client, resident_client, officer_client
):
    created = manager_client.post(CLASSES, class_body(side_a.project), format="json")
    assert created.status_code == 201, created.json()
    assert (created.json()["quorum"], created.json()["threshold"]) == ("2/3", "2/3")
    url = f"{CLASSES}{created.json()['id']}/"

    assert resident_client.get(url).status_code == 200
    assert [row["name"] for row in resident_client.get(CLASSES).json()["results"]] == [
        "Changing the bylaws"
    ]
    assert resident_client.patch(url, {"name": "Mine"}, format="json").status_code == 403
    assert resident_client.delete(url).status_code == 403
    assert (
        resident_client.post(CLASSES, class_body(side_a.project, name="X"), format="json")
    ).status_code == 403
    for client in (officer_client, api_client_for(side_b.manager)):
        assert client.get(url).status_code == 404
        assert client.get(CLASSES).json()["results"] == []

    updated = manager_client.patch(url, {"threshold_numerator": 3}, format="json")
    assert updated.status_code == 200 and updated.json()["threshold"] == "1"


@pytest.mark.parametrize(
    ("overrides", "field"),
    [
        ({"method": "consent", "secret": True}, "secret"),
        ({"quorum_numerator": 4}, "quorum_numerator"),
        ({"threshold_numerator": 0}, "threshold_numerator"),
        ({"threshold_denominator": 0}, "threshold_denominator"),
        ({"review_months": 200}, "review_months"),
        ({"quorum_numerator": -1}, "quorum_numerator"),
        ({"method": "dice"}, "method"),
    ],
)
def test_bad_decision_class_rules_are_a_400_on_their_field(
    side_a, manager_client, overrides, field
):
    response = manager_client.post(CLASSES, class_body(side_a.project, **overrides), format="json")

    assert response.status_code == 400
    assert field in response.json()
    assert not DecisionClass.objects.exists()


def test_a_duplicate_name_is_a_400_on_the_name(side_a, manager_client):
    assert (
        manager_client.post(CLASSES, class_body(side_a.project), format="json").status_code == 201
    )
    response = manager_client.post(CLASSES, class_body(side_a.project), format="json")
    assert response.status_code == 400 and "name" in response.json()


def test_a_used_decision_class_cannot_be_deleted(side_a, manager_client):
    used = manager_client.post(CLASSES, class_body(side_a.project), format="json").json()
    unused = manager_client.post(
        CLASSES, class_body(side_a.project, name="Everyday", secret=False), format="json"
    ).json()
    now = timezone.now()
    Proposal.objects.create(
        project=side_a.project,
        decision_class_id=used["id"],
        title="New rules",
        text="…",
        opens_at=now,
        closes_at=now + dt.timedelta(days=3),
    )

    assert manager_client.delete(f"{CLASSES}{used['id']}/").status_code == 409
    assert manager_client.delete(f"{CLASSES}{unused['id']}/").status_code == 204
    assert list(DecisionClass.objects.values_list("name", flat=True)) == ["Changing the bylaws"]


# --- Query counts ---------------------------------------------------------------------------------


def _busy_meetings(side, n: int, items: int) -> None:
    residents = [side.resident, side.neighbour_resident]
    for _index in range(n):
        meeting = with_agenda(
            past_meeting(project=side.project), *[f"Item {i}" for i in range(items)]
        )
        attendance_record(meeting=meeting, entries=[(r, "present") for r in residents])
        minutes_save(meeting=meeting, minutes="Held.")


# The user, the managed projects (for the minutes), the page count, the meetings with their
# counts, the agenda prefetch, and the savepoint pair of ATOMIC_REQUESTS.
LIST_CEILING = 8


@pytest.mark.parametrize("client_of", ["manager", "resident_user"])
def test_the_meeting_list_costs_the_same_for_many_meetings(
    side_a, django_assert_max_num_queries, client_of
):
    client = api_client_for(getattr(side_a, client_of))
    _busy_meetings(side_a, 2, 2)
    with django_assert_max_num_queries(LIST_CEILING) as few:
        assert len(client.get(MEETINGS).json()["results"]) == 2
    _busy_meetings(side_a, 30, 20)
    with django_assert_max_num_queries(len(few.captured_queries)):
        response = client.get(MEETINGS)
    results = response.json()["results"]
    assert len(results) == 32
    assert all(len(row["agenda_items"]) in (2, 20) for row in results)
    assert all(row["attendance"]["present"] == 2 for row in results)


def test_the_register_costs_the_same_for_many_residents(
    side_a, manager_client, django_assert_max_num_queries
):
    meeting = past_meeting(project=side_a.project)
    url = f"{MEETINGS}{meeting.pk}/attendance/"
    with django_assert_max_num_queries(12) as few:
        manager_client.get(url)
    for index in range(40):
        household = side_a.project.households.create(
            unit_label=f"R{index}", move_in=dt.date(2020, 1, 1)
        )
        ResidentFactory(household=household)
    with django_assert_max_num_queries(len(few.captured_queries)):
        assert len(manager_client.get(url).json()) == 42
