"""The meeting pages as residents, managers and a meeting's chair see them: the list, the
meeting's page (agenda, place or link, calendar file, attendance, minutes), the managers' forms
with their errors, and the decision classes. Outsiders find nothing."""

from __future__ import annotations

import datetime as dt
from zoneinfo import ZoneInfo

import pytest
from django.core import mail
from django.utils import timezone
from icalendar import Calendar

from governance.models import AgendaItem, Attendance, DecisionClass, Meeting
from governance.services.meetings import attendance_record, decision_class_create, minutes_save
from tests.factories import ResidentFactory, make_resident_user
from tests.governance.factories import MeetingFactory, past_meeting, with_agenda
from tests.pages.helpers import field_errors, html, shows

pytestmark = pytest.mark.django_db

MADRID = ZoneInfo("Europe/Madrid")


@pytest.fixture
def resident_client(client, side_a):
    client.force_login(side_a.resident_user)
    return client


@pytest.fixture
def manager_client(client, side_a):
    client.force_login(side_a.manager)
    return client


def typed(moment: dt.datetime) -> str:
    """How a ``datetime-local`` input sends the moment: Madrid's wall clock (the project's)."""
    return moment.astimezone(MADRID).strftime("%Y-%m-%dT%H:%M")


# --- The list and the meeting's page --------------------------------------------------------------


def test_residents_see_coming_and_past_meetings(resident_client, side_a):
    coming = MeetingFactory(project=side_a.project, title="Spring assembly")
    past = past_meeting(project=side_a.project, title="Winter assembly")
    MeetingFactory(project=side_a.other_project, title="Their assembly")

    page = html(resident_client.get(f"/projects/{side_a.project.pk}/meetings/"))

    assert "Spring assembly" in page and "Winter assembly" in page
    assert page.index("Spring assembly") < page.index("Winter assembly")
    assert f"/meetings/{coming.pk}/" in page and f"/meetings/{past.pk}/" in page
    assert "Their assembly" not in page
    assert "Call a meeting" not in page


def test_the_meeting_page_shows_agenda_place_link_and_calendar(resident_client, side_a):
    start = dt.datetime(2031, 5, 7, 17, 30, tzinfo=dt.UTC)  # 19:30 in Madrid
    meeting = with_agenda(
        MeetingFactory(
            project=side_a.project,
            title="Spring assembly",
            start=start,
            link="https://meet.example.org/spring",
        ),
        "Budget 2032",
        "Garden rota",
    )
    AgendaItem.objects.filter(title="Garden rota").update(description="Who waters\nin August")

    response = resident_client.get(f"/meetings/{meeting.pk}/")

    page = html(response)
    assert response.status_code == 200
    assert "Budget 2032" in page and "Garden rota" in page
    assert "Who waters<br>in August" in page
    assert "Common room" in page and 'href="https://meet.example.org/spring"' in page
    assert "7:30 p.m." in page  # the project's clock, in the reader's language
    assert f"/meetings/{meeting.pk}.ics" in page
    assert "Attendance register" not in page and "Edit the agenda" not in page
    assert "The minutes will be published here after the meeting." in page


def test_the_calendar_download(resident_client, side_a):
    meeting = with_agenda(MeetingFactory(project=side_a.project, title="Spring assembly"), "A")

    response = resident_client.get(f"/meetings/{meeting.pk}.ics")

    assert response["Content-Type"] == "text/calendar; charset=utf-8"
    assert "attachment" in response["Content-Disposition"]
    event = Calendar.from_ical(response.content).walk("VEVENT")[0]
    assert event.decoded("dtstart") == meeting.start.replace(microsecond=0)
    assert f"/meetings/{meeting.pk}/" in str(event["url"])


def test_minutes_are_plain_text_and_safe(resident_client, side_a):
    meeting = past_meeting(project=side_a.project)
    minutes_save(meeting=meeting, minutes="1. Budget <script>alert(1)</script>\n2. Garden")
    Meeting.objects.filter(pk=meeting.pk).update(minutes_published_at=timezone.now())

    page = html(resident_client.get(f"/meetings/{meeting.pk}/"))

    assert "<script>alert(1)</script>" not in page
    assert "1. Budget &lt;script&gt;alert(1)&lt;/script&gt;<br>2. Garden" in page


def test_draft_minutes_are_for_managers_and_the_chair(client, side_a):
    chair = make_resident_user(side_a.neighbour)
    meeting = past_meeting(project=side_a.project, chair=chair)
    minutes_save(meeting=meeting, minutes="Draft notes")

    for user, sees in ((side_a.resident_user, False), (side_a.manager, True), (chair, True)):
        client.force_login(user)
        page = html(client.get(f"/meetings/{meeting.pk}/"))
        assert ("Draft notes" in page) is sees, user
        assert ("Attendance register" in page) is sees, user


def test_residents_see_counts_the_register_names_only_managers(client, side_a):
    meeting = past_meeting(project=side_a.project)
    attendance_record(
        meeting=meeting,
        entries=[(side_a.resident, "present"), (side_a.neighbour_resident, "represented")],
    )

    client.force_login(side_a.resident_user)
    page = html(client.get(f"/meetings/{meeting.pk}/"))
    assert "Represented by a proxy" in page
    assert side_a.neighbour_resident.full_name not in page

    client.force_login(side_a.manager)
    page = html(client.get(f"/meetings/{meeting.pk}/"))
    assert side_a.neighbour_resident.full_name in page


@pytest.mark.parametrize("who", ["officer", "stranger"])
def test_outsiders_find_nothing(client, side_a, side_b, who):
    meeting = past_meeting(project=side_a.project)
    agenda = with_agenda(meeting, "A").agenda_items.get()
    dc = decision_class_create(
        project=side_a.project, name="Everyday", method="yes_no", electorate="household"
    )
    client.force_login(side_a.officer if who == "officer" else side_b.manager)

    for url in (
        f"/projects/{side_a.project.pk}/meetings/",
        f"/meetings/{meeting.pk}/",
        f"/meetings/{meeting.pk}.ics",
        f"/meetings/{meeting.pk}/edit/",
        f"/meetings/{meeting.pk}/attendance/",
        f"/meetings/{meeting.pk}/minutes/",
        f"/meetings/{meeting.pk}/agenda/",
        f"/agenda-items/{agenda.pk}/edit/",
        f"/projects/{side_a.project.pk}/decision-classes/",
        f"/decision-classes/{dc.pk}/edit/",
    ):
        assert client.get(url).status_code == 404, url


def test_residents_may_not_open_the_managers_forms(resident_client, side_a):
    meeting = with_agenda(past_meeting(project=side_a.project), "A")
    item = meeting.agenda_items.get()
    for url in (
        f"/projects/{side_a.project.pk}/meetings/new/",
        f"/meetings/{meeting.pk}/edit/",
        f"/meetings/{meeting.pk}/agenda/",
        f"/meetings/{meeting.pk}/attendance/",
        f"/meetings/{meeting.pk}/minutes/",
        f"/agenda-items/{item.pk}/edit/",
        f"/projects/{side_a.project.pk}/decision-classes/new/",
    ):
        assert resident_client.get(url).status_code == 403, url
    assert resident_client.post(f"/agenda-items/{item.pk}/remove/").status_code == 403
    assert AgendaItem.objects.count() == 1


# --- The managers' forms --------------------------------------------------------------------------


def test_a_manager_calls_a_meeting_on_the_projects_clock(
    manager_client, side_a, django_capture_on_commit_callbacks
):
    start = (
        (timezone.now() + dt.timedelta(days=20))
        .astimezone(MADRID)
        .replace(hour=19, minute=0, second=0, microsecond=0)
    )
    with django_capture_on_commit_callbacks(execute=True):
        response = manager_client.post(
            f"/projects/{side_a.project.pk}/meetings/new/",
            {
                "kind": "general_assembly",
                "title": "Spring assembly",
                "start": typed(start),
                "end": typed(start + dt.timedelta(hours=2)),
                "place": "Common room",
                "chair": side_a.resident_user.pk,
                "invite": "on",
            },
        )

    meeting = Meeting.objects.get()
    assert response.status_code == 302
    assert response["Location"] == f"/meetings/{meeting.pk}/agenda/"
    assert meeting.start == start
    assert meeting.chair == side_a.resident_user
    assert [message.to for message in mail.outbox] == [[side_a.resident_user.email]]


def test_the_meeting_form_shows_errors_on_their_fields(manager_client, side_a):
    start = timezone.now() + dt.timedelta(days=20)
    response = manager_client.post(
        f"/projects/{side_a.project.pk}/meetings/new/",
        {
            "kind": "general_assembly",
            "title": "Spring assembly",
            "start": typed(start),
            "end": typed(start - dt.timedelta(hours=1)),
        },
    )

    page = html(response)
    assert response.status_code == 200
    assert field_errors(page, "end") == ["A meeting must end after it starts."]
    assert not Meeting.objects.exists()

    response = manager_client.post(
        f"/projects/{side_a.project.pk}/meetings/new/",
        {"kind": "general_assembly", "title": "X", "start": typed(start), "place": ""},
    )
    assert field_errors(html(response), "place") == ["Give a place, an online link, or both."]


def test_a_manager_edits_a_meeting(manager_client, side_a):
    meeting = MeetingFactory(project=side_a.project)
    form = html(manager_client.get(f"/meetings/{meeting.pk}/edit/"))
    assert f'value="{typed(meeting.start)}"' in form

    response = manager_client.post(
        f"/meetings/{meeting.pk}/edit/",
        {
            "kind": "board",
            "title": "Board meeting",
            "start": typed(meeting.start),
            "place": "",
            "link": "https://meet.example.org/board",
        },
    )

    assert response.status_code == 302
    meeting.refresh_from_db()
    assert (meeting.kind, meeting.title, meeting.end) == ("board", "Board meeting", None)


def test_a_manager_builds_and_orders_the_agenda(manager_client, side_a):
    meeting = MeetingFactory(project=side_a.project)
    url = f"/meetings/{meeting.pk}/agenda/"

    manager_client.post(url, {"title": "Budget"})
    manager_client.post(url, {"title": "Garden"})
    manager_client.post(url, {"title": "Welcome", "position": "1"})
    bad = manager_client.post(url, {"title": "Late", "position": "9"})
    assert field_errors(html(bad), "position") == ["Choose a position from 1 to 4."]
    garden = AgendaItem.objects.get(title="Garden")
    manager_client.post(f"/agenda-items/{garden.pk}/move/", {"direction": "up"})
    manager_client.post(
        f"/agenda-items/{garden.pk}/edit/", {"title": "Garden rota", "description": "Summer"}
    )
    manager_client.post(f"/agenda-items/{AgendaItem.objects.get(title='Welcome').pk}/remove/")

    assert list(meeting.agenda_items.order_by("position").values_list("position", "title")) == [
        (1, "Garden rota"),
        (2, "Budget"),
    ]
    page = html(manager_client.get(url))
    assert page.index("Garden rota") < page.index("Budget")


def test_the_chair_records_attendance_in_one_form(client, side_a, side_b):
    chair = make_resident_user(side_a.neighbour)
    meeting = past_meeting(project=side_a.project, chair=chair)
    client.force_login(chair)
    url = f"/meetings/{meeting.pk}/attendance/"

    form = html(client.get(url))
    assert form.count('type="radio"') == 3 * 3  # three adults, three statuses each
    response = client.post(
        url,
        {
            f"resident_{side_a.resident.pk}": "present",
            f"resident_{chair.resident.pk}": "represented",
        },
    )

    assert response.status_code == 302
    assert dict(Attendance.objects.values_list("resident_id", "status")) == {
        side_a.resident.pk: "present",
        chair.resident.pk: "represented",
    }
    # Corrected later: the same rows, a new status.
    client.post(url, {f"resident_{side_a.resident.pk}": "absent"})
    assert Attendance.objects.get(resident=side_a.resident).status == "absent"
    assert Attendance.objects.count() == 2
    # A field for a resident outside the register is ignored, an unknown status refused.
    stranger = ResidentFactory(household=side_b.household)
    refused = client.post(
        url, {f"resident_{stranger.pk}": "present", f"resident_{side_a.resident.pk}": "x"}
    )
    assert refused.status_code == 200
    assert field_errors(html(refused), f"resident_{side_a.resident.pk}")
    assert not Attendance.objects.filter(resident=stranger).exists()


def test_minutes_are_drafted_then_published_once(
    manager_client, side_a, django_capture_on_commit_callbacks
):
    meeting = past_meeting(project=side_a.project)
    url = f"/meetings/{meeting.pk}/minutes/"

    manager_client.post(url, {"minutes": "Draft", "save": ""})
    meeting.refresh_from_db()
    assert (meeting.minutes, meeting.minutes_published_at) == ("Draft", None)

    with django_capture_on_commit_callbacks(execute=True):
        response = manager_client.post(url, {"minutes": "Final text", "publish": ""})
    assert response.status_code == 302
    meeting.refresh_from_db()
    assert meeting.minutes == "Final text" and meeting.minutes_published_at is not None
    assert len(mail.outbox) == 1

    again = manager_client.post(url, {"minutes": "Changed", "publish": ""})
    assert shows(html(again), "The minutes are published: they can no longer be changed.")
    meeting.refresh_from_db()
    assert meeting.minutes == "Final text"


def test_minutes_before_the_meeting_show_the_error(manager_client, side_a):
    meeting = MeetingFactory(project=side_a.project)
    response = manager_client.post(f"/meetings/{meeting.pk}/minutes/", {"minutes": "Early"})
    assert field_errors(html(response), "minutes") == [
        "The minutes can be written once the meeting has started."
    ]


# --- Decision classes -----------------------------------------------------------------------------


def test_residents_read_the_decision_rules(resident_client, side_a):
    decision_class_create(
        project=side_a.project,
        name="Budget over threshold",
        method="yes_no",
        electorate="household",
        quorum_numerator=1,
        quorum_denominator=2,
        threshold_numerator=2,
        threshold_denominator=3,
        threshold_inclusive=True,
    )

    page = html(resident_client.get(f"/projects/{side_a.project.pk}/decision-classes/"))

    assert "Budget over threshold" in page
    assert "at least 2/3 (66.7%)" in page and "1/2 (50.0%)" in page
    assert "Add a decision class" not in page


def test_the_decision_class_form_shows_errors_and_saves(manager_client, side_a):
    url = f"/projects/{side_a.project.pk}/decision-classes/new/"
    data = {
        "name": "Admitting a household",
        "method": "consent",
        "electorate": "household",
        "quorum_numerator": "0",
        "quorum_denominator": "1",
        "threshold_numerator": "1",
        "threshold_denominator": "2",
        "min_notice_days": "14",
        "secret": "on",
    }

    refused = manager_client.post(url, data)
    assert field_errors(html(refused), "secret") == [
        "A consent decision cannot be taken by secret ballot."
    ]
    assert not DecisionClass.objects.exists()

    del data["secret"]
    assert manager_client.post(url, data).status_code == 302
    decision_class = DecisionClass.objects.get()
    edit = manager_client.post(
        f"/decision-classes/{decision_class.pk}/edit/", {**data, "review_months": "500"}
    )
    assert field_errors(html(edit), "review_months")
    manager_client.post(f"/decision-classes/{decision_class.pk}/edit/", {**data, "name": "Entry"})
    decision_class.refresh_from_db()
    assert decision_class.name == "Entry"


# --- Links and query counts -----------------------------------------------------------------------


def test_the_project_and_home_pages_link_to_the_meetings(client, side_a):
    meetings_url = f"/projects/{side_a.project.pk}/meetings/"
    for user, links in (
        (side_a.resident_user, True),
        (side_a.manager, True),
        (side_a.officer, False),
    ):
        client.force_login(user)
        assert (meetings_url in html(client.get(f"/projects/{side_a.project.pk}/"))) is links
        if user != side_a.officer:
            assert meetings_url in html(client.get("/"))


def _busy(side_a, meeting: Meeting, items: int, residents: int) -> None:
    for index in range(items):
        AgendaItem.objects.create(meeting=meeting, position=index + 1, title=f"Item {index}")
    people = []
    for index in range(residents):
        household = side_a.project.households.create(
            unit_label=f"H{meeting.pk}-{index}", move_in=dt.date(2020, 1, 1)
        )
        people.append(ResidentFactory(household=household))
    attendance_record(meeting=meeting, entries=[(person, "present") for person in people])


@pytest.mark.parametrize("role", ["resident_user", "manager"])
def test_the_meeting_page_costs_the_same_with_a_long_agenda_and_many_attendees(
    client, side_a, role, django_assert_max_num_queries
):
    client.force_login(getattr(side_a, role))
    small = past_meeting(project=side_a.project)
    _busy(side_a, small, 2, 2)
    # Session, user, the meeting with its counts, the agenda, the manager check, the register
    # (managers), the meeting's proposals, and the savepoint pair of ATOMIC_REQUESTS.
    with django_assert_max_num_queries(16) as few:
        assert client.get(f"/meetings/{small.pk}/").status_code == 200
    large = past_meeting(project=side_a.project)
    _busy(side_a, large, 60, 80)

    with django_assert_max_num_queries(len(few.captured_queries)):
        response = client.get(f"/meetings/{large.pk}/")

    page = html(response)
    assert page.count('id="agenda-item-') == 60
    if role == "manager":
        assert page.count("<tr>") >= 80


def test_the_meeting_list_costs_the_same_for_many_meetings(
    resident_client, side_a, django_assert_max_num_queries
):
    for _index in range(2):
        with_agenda(past_meeting(project=side_a.project), "A")
    url = f"/projects/{side_a.project.pk}/meetings/"
    with django_assert_max_num_queries(12) as few:
        resident_client.get(url)
    for _index in range(40):
        with_agenda(MeetingFactory(project=side_a.project), "A", "B")

    with django_assert_max_num_queries(len(few.captured_queries)):
        page = html(resident_client.get(url))
    assert page.count('class="card meeting"') == 42
