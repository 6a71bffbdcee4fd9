"""Meetings and decision classes through their services and selectors: the bylaws' rules on
their fields, the agenda's order, the attendance register, minutes published once, and the
invitations sent once to every household in its own language."""

import datetime as dt

import pytest
from django.core import mail
from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.utils import timezone
from icalendar import Calendar

from common.validation import Conflict
from governance.models import (
    AgendaItem,
    Attendance,
    AttendanceStatus,
    DecisionClass,
    Electorate,
    Meeting,
    MeetingKind,
    Proposal,
    VotingMethod,
)
from governance.selectors.meetings import (
    decision_class_list_for_user,
    meeting_detail,
    meeting_list_for_user,
    meeting_recipients,
    meeting_register,
    user_can_run_meeting,
)
from governance.services.meetings import (
    agenda_item_add,
    agenda_item_remove,
    agenda_item_update,
    agenda_reorder,
    attendance_record,
    decision_class_create,
    decision_class_delete,
    decision_class_update,
    meeting_create,
    meeting_invitations_queue,
    meeting_invitations_send,
    meeting_minutes_notify,
    meeting_update,
    minutes_publish,
    minutes_save,
)
from members.services import role_revoke
from tests.factories import HouseholdFactory, ResidentFactory, make_resident_user
from tests.governance.factories import MeetingFactory, past_meeting, with_agenda

pytestmark = pytest.mark.django_db


def errors_of(exc_info) -> dict[str, list[str]]:
    return exc_info.value.message_dict


# --- Decision classes ----------------------------------------------------------------------------


def budget_class(project, **overrides) -> DecisionClass:
    rules = {
        "name": "Budget over threshold",
        "method": VotingMethod.YES_NO,
        "electorate": Electorate.HOUSEHOLD,
        "quorum_numerator": 1,
        "quorum_denominator": 2,
        "threshold_numerator": 2,
        "threshold_denominator": 3,
        "threshold_inclusive": True,
        "min_notice_days": 14,
        "review_months": 24,
        **overrides,
    }
    return decision_class_create(project=project, **rules)


def test_a_manager_defines_a_decision_class_with_exact_shares(side_a):
    decision_class = budget_class(side_a.project)

    decision_class.refresh_from_db()
    assert (decision_class.quorum_numerator, decision_class.quorum_denominator) == (1, 2)
    assert (decision_class.threshold_numerator, decision_class.threshold_denominator) == (2, 3)
    assert decision_class.threshold_inclusive is True
    assert decision_class.review_months == 24


@pytest.mark.parametrize(
    ("overrides", "field"),
    [
        ({"quorum_numerator": 3, "quorum_denominator": 2}, "quorum_numerator"),
        ({"quorum_denominator": 0}, "quorum_denominator"),
        ({"threshold_numerator": 0}, "threshold_numerator"),
        ({"threshold_numerator": 4, "threshold_denominator": 3}, "threshold_numerator"),
        ({"threshold_denominator": 0}, "threshold_denominator"),
        ({"method": VotingMethod.CONSENT, "secret": True}, "secret"),
        ({"review_months": 0}, "review_months"),
        ({"review_months": 121}, "review_months"),
        ({"method": "dice"}, "method"),
        ({"electorate": "everyone"}, "electorate"),
        ({"colour": "red"}, "colour"),
    ],
)
def test_decision_class_rules_are_refused_on_their_field(side_a, overrides, field):
    with pytest.raises(ValidationError) as exc_info:
        budget_class(side_a.project, **overrides)

    assert field in errors_of(exc_info)
    assert not DecisionClass.objects.exists()


def test_every_broken_rule_is_reported_at_once(side_a):
    with pytest.raises(ValidationError) as exc_info:
        budget_class(
            side_a.project,
            method=VotingMethod.CONSENT,
            secret=True,
            quorum_numerator=5,
            review_months=500,
        )

    assert set(errors_of(exc_info)) == {"secret", "quorum_numerator", "review_months"}


def test_a_name_is_used_once_per_project(side_a):
    budget_class(side_a.project)
    budget_class(side_a.other_project)  # another project may use it

    with pytest.raises(ValidationError) as exc_info:
        budget_class(side_a.project)

    assert "name" in errors_of(exc_info)


def test_the_database_holds_the_shares_too(side_a):
    """Defence in depth: a write that skips the service still cannot store a share above 1."""
    decision_class = budget_class(side_a.project)
    for field, value in [("quorum_numerator", 3), ("threshold_numerator", 0)]:
        with pytest.raises(IntegrityError), transaction.atomic():
            DecisionClass.objects.filter(pk=decision_class.pk).update(**{field: value})
    with pytest.raises(IntegrityError), transaction.atomic():
        DecisionClass.objects.filter(pk=decision_class.pk).update(
            method=VotingMethod.CONSENT, secret=True
        )


def test_update_checks_the_same_rules_and_changes_nothing_when_refused(side_a):
    decision_class = budget_class(side_a.project)

    with pytest.raises(ValidationError) as exc_info:
        decision_class_update(decision_class=decision_class, threshold_numerator=0, name="New")

    assert "threshold_numerator" in errors_of(exc_info)
    decision_class.refresh_from_db()
    assert (decision_class.name, decision_class.threshold_numerator) == (
        "Budget over threshold",
        2,
    )
    updated = decision_class_update(decision_class=decision_class, threshold_numerator=3)
    assert (updated.threshold_numerator, updated.threshold_denominator) == (3, 3)


def test_a_class_used_by_a_proposal_cannot_be_removed(side_a):
    used = budget_class(side_a.project)
    unused = budget_class(side_a.project, name="Everyday")
    now = timezone.now()
    Proposal.objects.create(
        project=side_a.project,
        decision_class=used,
        title="New boiler",
        text="Replace it.",
        opens_at=now,
        closes_at=now + dt.timedelta(days=7),
    )

    with pytest.raises(Conflict):
        decision_class_delete(decision_class=used)
    decision_class_delete(decision_class=unused)

    assert list(DecisionClass.objects.values_list("name", flat=True)) == [used.name]


# --- Meetings ------------------------------------------------------------------------------------


def call(project, **overrides) -> Meeting:
    start = timezone.now() + dt.timedelta(days=10)
    fields = {
        "kind": MeetingKind.GENERAL_ASSEMBLY,
        "title": "Spring assembly",
        "start": start,
        "end": start + dt.timedelta(hours=2),
        "place": "Common room",
        **overrides,
    }
    return meeting_create(project=project, **fields)


@pytest.mark.parametrize(
    ("overrides", "field"),
    [
        ({"end": timezone.now()}, "end"),
        ({"place": "", "link": ""}, "place"),
        ({"link": "not a link"}, "link"),
        ({"kind": "party"}, "kind"),
        ({"title": ""}, "title"),
    ],
)
def test_meeting_input_is_refused_on_its_field(side_a, overrides, field):
    with pytest.raises(ValidationError) as exc_info:
        call(side_a.project, **overrides)

    assert field in errors_of(exc_info)
    assert not Meeting.objects.exists()


def test_an_online_meeting_needs_no_place(side_a):
    meeting = call(side_a.project, place="", link="https://meet.example.org/assembly")
    assert meeting.link == "https://meet.example.org/assembly"


def test_the_chair_must_belong_to_the_project(side_a, side_b):
    with pytest.raises(ValidationError) as exc_info:
        call(side_a.project, chair=side_b.resident_user)
    assert "chair" in errors_of(exc_info)

    meeting = call(side_a.project, chair=side_a.resident_user)
    assert meeting.chair == side_a.resident_user
    with pytest.raises(ValidationError) as exc_info:
        meeting_update(meeting=meeting, chair=side_a.officer)
    assert "chair" in errors_of(exc_info)


def test_update_refuses_an_end_before_the_start_and_keeps_the_meeting(side_a):
    meeting = call(side_a.project)

    with pytest.raises(ValidationError) as exc_info:
        meeting_update(meeting=meeting, end=meeting.start - dt.timedelta(hours=1), title="X")

    assert "end" in errors_of(exc_info)
    meeting.refresh_from_db()
    assert meeting.title == "Spring assembly"
    moved = meeting_update(meeting=meeting, place="Garden", title="Assembly in the garden")
    assert (moved.place, moved.title) == ("Garden", "Assembly in the garden")


def test_calling_a_meeting_invites_every_household_once_committed(
    side_a, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True) as callbacks:
        meeting = call(side_a.project)
    assert len(callbacks) == 1
    meeting.refresh_from_db()
    assert meeting.invitations_sent_at is not None
    assert [message.to for message in mail.outbox] == [[side_a.resident_user.email]]


def test_a_meeting_recorded_after_the_fact_invites_nobody(
    side_a, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True) as callbacks:
        call(side_a.project, start=timezone.now() - dt.timedelta(days=3), end=None)
        call(side_a.project, invite=False)
    assert callbacks == []
    assert mail.outbox == []


# --- Invitations ---------------------------------------------------------------------------------


def test_invitations_go_to_current_households_in_their_language_with_the_calendar(side_a):
    french = make_resident_user(side_a.neighbour, language="fr")
    gone = HouseholdFactory(project=side_a.project, move_out=dt.date(2025, 1, 31))
    make_resident_user(gone)  # moved out before the meeting
    ResidentFactory(household=side_a.household)  # no account: cannot be e-mailed
    start = dt.datetime(2030, 11, 20, 18, 30, tzinfo=dt.UTC)  # 19:30 in Madrid
    meeting = MeetingFactory(project=side_a.project, start=start, title="Autumn assembly")
    with_agenda(meeting, "Budget 2031", "Laundry rules")

    sent = meeting_invitations_send(meeting=meeting, now=start - dt.timedelta(days=14))

    assert sent == 2
    by_address = {message.to[0]: message for message in mail.outbox}
    assert set(by_address) == {side_a.resident_user.email, french.email}
    in_french = by_address[french.email]
    assert "novembre" in in_french.body and "19:30" in in_french.body
    assert "Wednesday" in by_address[side_a.resident_user.email].body
    assert "1. Budget 2031" in in_french.body and "2. Laundry rules" in in_french.body
    assert f"/meetings/{meeting.pk}/" in in_french.body
    (name, content, mimetype) = in_french.attachments[0]
    assert (name, mimetype) == (f"meeting-{meeting.pk}.ics", "text/calendar")
    event = Calendar.from_ical(content).walk("VEVENT")[0]
    assert event.decoded("dtstart") == start
    assert event["location"] == "Common room"


def test_invitations_are_sent_once(side_a):
    meeting = MeetingFactory(project=side_a.project)
    assert meeting_invitations_send(meeting=meeting) == 1
    assert meeting_invitations_send(meeting=meeting) == 0
    assert len(mail.outbox) == 1
    with pytest.raises(Conflict):
        meeting_invitations_queue(meeting=meeting)


def test_nobody_is_invited_to_a_meeting_that_has_started(side_a):
    meeting = past_meeting(project=side_a.project)
    assert meeting_invitations_send(meeting=meeting) == 0
    with pytest.raises(Conflict):
        meeting_invitations_queue(meeting=meeting)
    meeting.refresh_from_db()
    assert meeting.invitations_sent_at is None


def test_recipients_leave_out_other_projects_and_revoked_roles(side_a, side_b):
    meeting = MeetingFactory(project=side_a.project)
    former = make_resident_user(side_a.neighbour)
    role_revoke(role=former.roles.get())

    assert meeting_recipients(meeting=meeting) == [side_a.resident_user]


# --- Agenda --------------------------------------------------------------------------------------


def titles(meeting: Meeting) -> list[tuple[int, str]]:
    return list(
        AgendaItem.objects.filter(meeting=meeting)
        .order_by("position")
        .values_list("position", "title")
    )


def test_items_are_added_at_the_end_or_where_asked(side_a):
    meeting = with_agenda(MeetingFactory(project=side_a.project), "Minutes", "Budget")

    item = agenda_item_add(meeting=meeting, title="Welcome", position=1)
    agenda_item_add(meeting=meeting, title="Any other business")

    assert item.position == 1
    assert titles(meeting) == [
        (1, "Welcome"),
        (2, "Minutes"),
        (3, "Budget"),
        (4, "Any other business"),
    ]


@pytest.mark.parametrize(
    ("fields", "field"), [({"position": 4}, "position"), ({"title": " "}, "title")]
)
def test_a_bad_item_is_refused_on_its_field(side_a, fields, field):
    meeting = with_agenda(MeetingFactory(project=side_a.project), "Minutes", "Budget")
    arguments = {"title": "Welcome", **fields}

    with pytest.raises(ValidationError) as exc_info:
        agenda_item_add(meeting=meeting, **arguments)

    assert field in errors_of(exc_info)
    assert titles(meeting) == [(1, "Minutes"), (2, "Budget")]


def test_removing_an_item_closes_the_gap(side_a):
    meeting = with_agenda(MeetingFactory(project=side_a.project), "A", "B", "C")

    agenda_item_remove(item=meeting.agenda_items.get(title="B"))

    assert titles(meeting) == [(1, "A"), (2, "C")]


def test_reordering_swaps_positions_despite_the_unique_constraint(side_a):
    meeting = with_agenda(MeetingFactory(project=side_a.project), "A", "B", "C")
    ids = {item.title: item.pk for item in meeting.agenda_items.all()}

    agenda_reorder(meeting=meeting, item_ids=[ids["C"], ids["A"], ids["B"]])

    assert titles(meeting) == [(1, "C"), (2, "A"), (3, "B")]


@pytest.mark.parametrize("order", ["missing", "twice", "foreign"])
def test_a_reorder_must_list_every_item_once(side_a, order):
    meeting = with_agenda(MeetingFactory(project=side_a.project), "A", "B")
    other = with_agenda(MeetingFactory(project=side_a.project), "X")
    a, b = meeting.agenda_items.order_by("position").values_list("pk", flat=True)
    item_ids = {
        "missing": [a],
        "twice": [a, a, b],
        "foreign": [a, b, other.agenda_items.get().pk],
    }[order]

    with pytest.raises(ValidationError) as exc_info:
        agenda_reorder(meeting=meeting, item_ids=item_ids)

    assert "items" in errors_of(exc_info)
    assert titles(meeting) == [(1, "A"), (2, "B")]


def test_an_item_is_renamed_or_moved(side_a):
    meeting = with_agenda(MeetingFactory(project=side_a.project), "A", "B", "C")
    item = meeting.agenda_items.get(title="C")

    agenda_item_update(item=item, title="C, amended", description="Why", position=1)

    assert titles(meeting) == [(1, "C, amended"), (2, "A"), (3, "B")]
    with pytest.raises(ValidationError) as exc_info:
        agenda_item_update(item=item, position=9)
    assert "position" in errors_of(exc_info)


# --- Attendance ----------------------------------------------------------------------------------


def test_attendance_is_recorded_and_corrected_in_place(side_a):
    meeting = past_meeting(project=side_a.project)
    resident, neighbour = side_a.resident, side_a.neighbour_resident

    attendance_record(
        meeting=meeting,
        entries=[(resident, AttendanceStatus.PRESENT), (neighbour.pk, AttendanceStatus.ABSENT)],
    )
    rows = attendance_record(meeting=meeting, entries=[(neighbour, AttendanceStatus.REPRESENTED)])

    assert [row.status for row in rows] == [AttendanceStatus.REPRESENTED]
    assert dict(Attendance.objects.values_list("resident_id", "status")) == {
        resident.pk: AttendanceStatus.PRESENT,
        neighbour.pk: AttendanceStatus.REPRESENTED,
    }


def test_a_resident_of_another_project_is_refused_and_nothing_is_written(side_a):
    meeting = past_meeting(project=side_a.project)
    stranger = ResidentFactory(household=side_a.other_household)

    with pytest.raises(ValidationError) as exc_info:
        attendance_record(
            meeting=meeting,
            entries=[(side_a.resident, AttendanceStatus.PRESENT), (stranger, "present")],
        )

    assert "entries" in errors_of(exc_info)
    assert str(stranger.pk) in errors_of(exc_info)["entries"][0]
    assert not Attendance.objects.exists()


@pytest.mark.parametrize("problem", ["twice", "status"])
def test_a_resident_twice_or_an_unknown_status_is_refused(side_a, problem):
    meeting = past_meeting(project=side_a.project)
    entries = {
        "twice": [(side_a.resident, "present"), (side_a.resident, "absent")],
        "status": [(side_a.resident, "asleep")],
    }[problem]

    with pytest.raises(ValidationError) as exc_info:
        attendance_record(meeting=meeting, entries=entries)

    assert "entries" in errors_of(exc_info)
    assert not Attendance.objects.exists()


def test_the_register_lists_the_adults_living_there_and_what_was_recorded(side_a):
    meeting = past_meeting(project=side_a.project)
    child = ResidentFactory(household=side_a.household, birth_year=timezone.now().year - 8)
    gone = HouseholdFactory(project=side_a.project, move_out=dt.date(2024, 6, 30))
    left = ResidentFactory(household=gone)
    attendance_record(meeting=meeting, entries=[(side_a.resident, "present")])

    register = {row.resident.pk: row.status for row in meeting_register(meeting=meeting)}

    assert register == {side_a.resident.pk: "present", side_a.neighbour_resident.pk: ""}
    assert child.pk not in register and left.pk not in register


# --- Minutes -------------------------------------------------------------------------------------


def test_minutes_wait_for_the_meeting_to_start(side_a):
    meeting = MeetingFactory(project=side_a.project)

    with pytest.raises(ValidationError) as exc_info:
        minutes_save(meeting=meeting, minutes="We met.")

    assert "minutes" in errors_of(exc_info)
    meeting.refresh_from_db()
    assert meeting.minutes == ""


def test_minutes_are_published_once_and_every_household_told_once(
    side_a, django_capture_on_commit_callbacks
):
    meeting = past_meeting(project=side_a.project)
    minutes_save(meeting=meeting, minutes="Draft")

    with django_capture_on_commit_callbacks(execute=True):
        published = minutes_publish(meeting=meeting, minutes="1. The budget passed.")

    assert published.minutes_published_at is not None
    meeting.refresh_from_db()
    assert meeting.minutes == "1. The budget passed."
    assert meeting.minutes_notified_at is not None
    assert [message.to for message in mail.outbox] == [[side_a.resident_user.email]]
    assert f"/meetings/{meeting.pk}/" in mail.outbox[0].body

    with pytest.raises(Conflict):
        minutes_publish(meeting=meeting)
    with pytest.raises(Conflict):
        minutes_save(meeting=meeting, minutes="Rewritten history")
    assert meeting_minutes_notify(meeting_id=meeting.pk) == 0
    meeting.refresh_from_db()
    assert meeting.minutes == "1. The budget passed."
    assert len(mail.outbox) == 1


def test_empty_minutes_are_not_published(side_a):
    meeting = past_meeting(project=side_a.project)

    with pytest.raises(ValidationError) as exc_info:
        minutes_publish(meeting=meeting, minutes="  ")

    assert "minutes" in errors_of(exc_info)
    meeting.refresh_from_db()
    assert meeting.minutes_published_at is None


def test_publishing_without_notifying_tells_nobody_even_on_a_retry(side_a):
    meeting = past_meeting(project=side_a.project)
    minutes_publish(meeting=meeting, minutes="Held.", notify=False)
    assert meeting_minutes_notify(meeting_id=meeting.pk) == 0
    assert mail.outbox == []


# --- Who sees what -------------------------------------------------------------------------------


def test_members_see_their_projects_meetings_and_classes_officers_and_others_nothing(
    side_a, side_b
):
    mine = MeetingFactory(project=side_a.project)
    MeetingFactory(project=side_a.other_project)
    MeetingFactory(project=side_b.project)
    budget_class(side_a.project)
    budget_class(side_b.project)

    for user in (side_a.resident_user, side_a.manager):
        assert list(meeting_list_for_user(user=user)) == [mine]
        assert [dc.project for dc in decision_class_list_for_user(user=user)] == [side_a.project]
    for user in (side_a.officer, side_b.resident_user):
        assert meeting_detail(user=user, pk=mine.pk) is None
    assert not decision_class_list_for_user(user=side_a.officer).exists()


def test_the_detail_carries_the_agenda_and_the_counts(side_a):
    meeting = with_agenda(past_meeting(project=side_a.project), "A", "B")
    attendance_record(
        meeting=meeting,
        entries=[(side_a.resident, "present"), (side_a.neighbour_resident, "represented")],
    )

    detail = meeting_detail(user=side_a.resident_user, pk=meeting.pk)

    assert [item.title for item in detail.agenda_items.all()] == ["A", "B"]
    assert (
        detail.agenda_items_count,
        detail.present_count,
        detail.represented_count,
        detail.absent_count,
    ) == (2, 1, 1, 0)


def test_managers_and_the_chair_run_a_meeting_residents_do_not(side_a):
    chair = make_resident_user(side_a.neighbour)
    meeting = MeetingFactory(project=side_a.project, chair=chair)

    assert user_can_run_meeting(user=side_a.manager, meeting=meeting)
    assert user_can_run_meeting(user=chair, meeting=meeting)
    assert not user_can_run_meeting(user=side_a.resident_user, meeting=meeting)
    assert not user_can_run_meeting(user=side_a.officer, meeting=meeting)
