"""Meeting invitations and minutes notices through a real Celery worker and Redis: queued when
the meeting is committed, sent once to every household however often the task runs, and once
when two senders race."""

from __future__ import annotations

import datetime as dt

import pytest
from django.core import mail
from django.utils import timezone

from governance.models import Meeting, MeetingKind
from governance.services.meetings import (
    meeting_create,
    meeting_invitations_send,
    minutes_publish,
)
from governance.tasks import meeting_invitations_send_task, meeting_minutes_notify_task
from tests.concurrency.helpers import at_once
from tests.factories import HouseholdFactory, make_manager, make_resident_user
from tests.tasks.conftest import wait_for

pytestmark = pytest.mark.django_db(transaction=True)


def _call(project, title: str, *, days: int = 10) -> Meeting:
    start = timezone.now() + dt.timedelta(days=days)
    return meeting_create(
        project=project,
        kind=MeetingKind.GENERAL_ASSEMBLY,
        title=title,
        start=start,
        end=start + dt.timedelta(hours=2),
        place="Common room",
    )


def _sent(meeting: Meeting) -> bool:
    return Meeting.objects.get(pk=meeting.pk).invitations_sent_at is not None


def test_the_worker_invites_every_household_once(celery_worker):
    household = HouseholdFactory(project__name="Can Batlló")
    neighbour = HouseholdFactory(project=household.project)
    first = make_resident_user(household, language="fr")
    second = make_resident_user(neighbour)
    make_manager(household.project)

    # meeting_create queued the task on commit; the worker picks it up from Redis.
    meeting = _call(household.project, "Assemblée de printemps")
    assert wait_for(lambda: _sent(meeting))
    assert sorted(message.to[0] for message in mail.outbox) == sorted([first.email, second.email])
    assert all("Assemblée de printemps" in message.subject for message in mail.outbox)

    # A retried or duplicated task sends nothing more. The solo worker runs tasks in order, so
    # once a later meeting's invitations are out, the duplicates have been handled.
    meeting_invitations_send_task.delay(meeting.pk)
    meeting_invitations_send_task.delay(meeting.pk)
    later = _call(household.project, "Board", days=20)
    assert wait_for(lambda: _sent(later))
    subjects = [message.subject for message in mail.outbox]
    assert sum("Assemblée de printemps" in subject for subject in subjects) == 2
    assert sum("Board" in subject for subject in subjects) == 2


def test_the_worker_tells_every_household_of_the_minutes_once(celery_worker):
    household = HouseholdFactory()
    resident = make_resident_user(household)
    start = timezone.now() - dt.timedelta(days=2)
    meeting = meeting_create(
        project=household.project,
        kind=MeetingKind.BOARD,
        title="Board",
        start=start,
        place="Office",
    )

    minutes_publish(meeting=meeting, minutes="We met.")
    assert wait_for(lambda: Meeting.objects.get(pk=meeting.pk).minutes_notified_at is not None)
    meeting_minutes_notify_task.delay(meeting.pk)
    later = _call(household.project, "Next one")
    assert wait_for(lambda: _sent(later))
    minutes_notices = [message for message in mail.outbox if "Minutes" in message.subject]
    assert [message.to for message in minutes_notices] == [[resident.email]]


def test_two_senders_at_once_send_one_set_of_invitations(db):
    household = HouseholdFactory()
    make_resident_user(household)
    make_resident_user(HouseholdFactory(project=household.project))
    start = timezone.now() + dt.timedelta(days=5)
    meeting = Meeting.objects.create(
        project=household.project,
        kind=MeetingKind.GENERAL_ASSEMBLY,
        title="Raced",
        start=start,
        place="Hall",
    )

    results = at_once(lambda: meeting_invitations_send(meeting=meeting))

    assert sorted(results) == [0, 2]
    assert len(mail.outbox) == 2
