import datetime as dt

import pytest
from django.core.exceptions import PermissionDenied, ValidationError

from common.validation import Conflict
from community.bookings.models import (
    BookingStatus,
    HandoverReport,
    HandoverVerdict,
    MaintenanceNote,
)
from community.bookings.services.handover import (
    handover_review,
    handover_submit,
    maintenance_note_resolve,
)
from tests.community.factories import BookingFactory, SpaceFactory, local
from tests.factories import HouseholdFactory, make_resident_user

pytestmark = pytest.mark.django_db

CHECKLIST = ["Dishes washed", "Floor swept", "Lights off"]
ALL_DONE = dict.fromkeys(CHECKLIST, True)
MINUTE = dt.timedelta(minutes=1)


@pytest.fixture
def space(side_a):
    return SpaceFactory(project=side_a.project, name="Sala comuna", handover_checklist=CHECKLIST)


@pytest.fixture
def leaving(space, side_a):
    """Household 1A's evening, 18:00–20:00."""
    return BookingFactory(
        space=space,
        household=side_a.household,
        start=local(space, 2025, 11, 14, 18, 0),
        end=local(space, 2025, 11, 14, 20, 0),
    )


@pytest.fixture
def next_user(side_a):
    return make_resident_user(side_a.neighbour, first_name="Núria")


@pytest.fixture
def following(space, side_a, next_user):
    """The neighbours' booking right after, 20:30–22:00."""
    return BookingFactory(
        space=space,
        household=side_a.neighbour,
        start=local(space, 2025, 11, 14, 20, 30),
        end=local(space, 2025, 11, 14, 22, 0),
    )


def resident_of_new_household(project):
    return make_resident_user(HouseholdFactory(project=project))


def submit(booking, user, checklist=None, comment="", now=None):
    return handover_submit(
        booking=booking,
        checklist=ALL_DONE if checklist is None else checklist,
        comment=comment,
        submitted_by=user,
        now=now or booking.end - 5 * MINUTE,
    )


# --- Submitting --------------------------------------------------------------------------


def test_the_leaving_household_hands_over_with_every_item(leaving, side_a):
    checklist = {"Lights off": True, "Dishes washed": True, "Floor swept": False}

    report = submit(leaving, side_a.resident_user, checklist, comment="  Broom is broken.  ")

    report.refresh_from_db()
    assert report.booking == leaving
    assert report.checklist == checklist
    assert report.comment == "Broom is broken."
    assert report.submitted_by == side_a.resident_user
    assert report.verdict == ""


@pytest.mark.parametrize(
    "checklist",
    [
        {"Dishes washed": True, "Floor swept": True},  # an item missing
        {**ALL_DONE, "Windows closed": True},  # an item the space does not list
        {**ALL_DONE, "Lights off": "yes"},  # not a yes/no answer
        ["Dishes washed", "Floor swept", "Lights off"],  # not a dict
    ],
)
def test_the_checklist_must_answer_exactly_the_spaces_items(leaving, side_a, checklist):
    with pytest.raises(ValidationError) as excinfo:
        submit(leaving, side_a.resident_user, checklist)

    assert "checklist" in excinfo.value.message_dict
    assert not HandoverReport.objects.exists()


def test_the_space_cannot_be_handed_over_before_the_booking_starts(leaving, side_a):
    with pytest.raises(ValidationError) as excinfo:
        submit(leaving, side_a.resident_user, now=leaving.start - MINUTE)

    assert "start" in excinfo.value.message_dict


def test_only_the_booking_household_hands_over(leaving, next_user):
    with pytest.raises(PermissionDenied):
        submit(leaving, next_user)


def test_a_booking_is_handed_over_once(leaving, side_a):
    submit(leaving, side_a.resident_user)

    with pytest.raises(Conflict):
        submit(leaving, side_a.resident_user)


def test_a_cancelled_booking_is_not_handed_over(leaving, side_a):
    leaving.status = BookingStatus.CANCELLED
    leaving.save()

    with pytest.raises(Conflict):
        submit(leaving, side_a.resident_user)


# --- Reviewing ---------------------------------------------------------------------------


def test_the_next_household_confirms_the_handover(leaving, following, side_a, next_user):
    report = submit(leaving, side_a.resident_user)

    handover_review(
        report=report,
        verdict=HandoverVerdict.CONFIRMED,
        reviewer=next_user,
        now=following.start,
    )

    report.refresh_from_db()
    assert report.verdict == HandoverVerdict.CONFIRMED
    assert report.verdict_booking == following
    assert report.verdict_at == following.start
    assert not MaintenanceNote.objects.exists()


def test_a_dispute_opens_a_maintenance_note(leaving, following, side_a, next_user):
    report = submit(
        leaving,
        side_a.resident_user,
        {"Dishes washed": True, "Floor swept": False, "Lights off": True},
        comment="No broom in the cupboard.",
    )

    handover_review(
        report=report,
        verdict=HandoverVerdict.DISPUTED,
        reviewer=next_user,
        comment="Sticky floor and dirty glasses.",
        now=following.start + 5 * MINUTE,
    )

    report.refresh_from_db()
    assert report.verdict == HandoverVerdict.DISPUTED
    note = MaintenanceNote.objects.get()
    assert note.space == leaving.space
    assert note.handover == report
    assert note.resolved_at is None
    assert "Floor swept" in note.text
    assert "Dishes washed" not in note.text
    assert "No broom in the cupboard." in note.text
    assert "Sticky floor and dirty glasses." in note.text
    assert side_a.household.unit_label in note.text


def test_a_dispute_says_what_is_wrong(leaving, following, side_a, next_user):
    report = submit(leaving, side_a.resident_user)

    with pytest.raises(ValidationError) as excinfo:
        handover_review(
            report=report, verdict=HandoverVerdict.DISPUTED, reviewer=next_user, now=following.start
        )

    assert "comment" in excinfo.value.message_dict
    assert not MaintenanceNote.objects.exists()


def test_only_the_next_household_may_review(leaving, following, space, side_a, next_user):
    report = submit(leaving, side_a.resident_user)
    later_household = resident_of_new_household(side_a.project)
    BookingFactory(
        space=space,
        household=later_household.resident.household,
        start=local(space, 2025, 11, 15, 10, 0),
    )

    for outsider in (side_a.resident_user, later_household, side_a.manager):
        with pytest.raises(PermissionDenied):
            handover_review(
                report=report,
                verdict=HandoverVerdict.CONFIRMED,
                reviewer=outsider,
                now=following.start,
            )

    report.refresh_from_db()
    assert report.verdict == ""


def test_a_cancelled_or_pending_booking_in_between_does_not_count(
    leaving, following, space, side_a, next_user
):
    third = resident_of_new_household(side_a.project)
    for status in (BookingStatus.CANCELLED, BookingStatus.PENDING):
        BookingFactory(
            space=space,
            household=third.resident.household,
            start=leaving.end,
            end=following.start,
            status=status,
        )
    report = submit(leaving, side_a.resident_user)

    with pytest.raises(PermissionDenied):
        handover_review(
            report=report, verdict=HandoverVerdict.CONFIRMED, reviewer=third, now=following.start
        )
    handover_review(
        report=report, verdict=HandoverVerdict.CONFIRMED, reviewer=next_user, now=following.start
    )


def test_with_no_next_booking_nobody_may_review(leaving, side_a, next_user):
    report = submit(leaving, side_a.resident_user)

    with pytest.raises(PermissionDenied):
        handover_review(
            report=report, verdict=HandoverVerdict.CONFIRMED, reviewer=next_user, now=leaving.end
        )


def test_the_review_waits_for_the_next_booking_and_is_given_once(
    leaving, following, side_a, next_user
):
    report = submit(leaving, side_a.resident_user)

    with pytest.raises(ValidationError):
        handover_review(
            report=report,
            verdict=HandoverVerdict.CONFIRMED,
            reviewer=next_user,
            now=following.start - 16 * MINUTE,
        )
    with pytest.raises(ValidationError) as excinfo:
        handover_review(report=report, verdict="fine", reviewer=next_user, now=following.start)
    assert "verdict" in excinfo.value.message_dict

    handover_review(
        report=report, verdict=HandoverVerdict.CONFIRMED, reviewer=next_user, now=following.start
    )
    with pytest.raises(Conflict):
        handover_review(
            report=report,
            verdict=HandoverVerdict.DISPUTED,
            reviewer=next_user,
            comment="Changed my mind.",
            now=following.start,
        )


def test_in_a_space_of_several_units_the_next_booking_of_the_same_unit_reviews(side_a, next_user):
    laundry = SpaceFactory(project=side_a.project, units=2, handover_checklist=["Filter cleaned"])
    leaving = BookingFactory(
        space=laundry, household=side_a.household, unit=1, start=local(laundry, 2025, 11, 14, 9, 0)
    )
    other_unit_user = resident_of_new_household(side_a.project)
    BookingFactory(
        space=laundry,
        household=other_unit_user.resident.household,
        unit=2,
        start=leaving.end,
    )
    same_unit = BookingFactory(
        space=laundry,
        household=side_a.neighbour,
        unit=1,
        start=leaving.end + dt.timedelta(hours=1),
    )
    report = handover_submit(
        booking=leaving,
        checklist={"Filter cleaned": True},
        comment="",
        submitted_by=side_a.resident_user,
        now=leaving.end,
    )

    with pytest.raises(PermissionDenied):
        handover_review(
            report=report,
            verdict=HandoverVerdict.CONFIRMED,
            reviewer=other_unit_user,
            now=leaving.end,
        )
    handover_review(
        report=report, verdict=HandoverVerdict.CONFIRMED, reviewer=next_user, now=same_unit.start
    )
    report.refresh_from_db()
    assert report.verdict_booking == same_unit


# --- Maintenance notes -------------------------------------------------------------------


def test_a_manager_resolves_a_maintenance_note(space, side_a):
    note = MaintenanceNote.objects.create(space=space, text="Lamp broken")
    resolved_at = local(space, 2025, 11, 15, 9, 0)

    with pytest.raises(PermissionDenied):
        maintenance_note_resolve(note=note, resolved_by=side_a.resident_user)
    maintenance_note_resolve(note=note, resolved_by=side_a.manager, now=resolved_at)
    maintenance_note_resolve(note=note, resolved_by=side_a.manager)  # again: nothing changes

    note.refresh_from_db()
    assert note.resolved_at == resolved_at
    assert note.resolved_by == side_a.manager


def test_a_manager_of_another_project_cannot_resolve(space, side_b):
    note = MaintenanceNote.objects.create(space=space, text="Lamp broken")

    with pytest.raises(PermissionDenied):
        maintenance_note_resolve(note=note, resolved_by=side_b.manager)

    note.refresh_from_db()
    assert note.resolved_at is None
