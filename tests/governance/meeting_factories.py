"""Meetings for the tests: a factory for plain rows, and helpers that go through the services."""

from __future__ import annotations

import datetime as dt

import factory
from django.utils import timezone
from factory.django import DjangoModelFactory

from governance.models import Meeting, MeetingKind
from governance.services.meetings import agenda_item_add
from tests.factories import ProjectFactory


class MeetingFactory(DjangoModelFactory):
    """A general assembly three days from now, in the common room; no e-mail is sent."""

    class Meta:
        model = Meeting

    project = factory.SubFactory(ProjectFactory)
    kind = MeetingKind.GENERAL_ASSEMBLY
    title = factory.Sequence(lambda n: f"General assembly {n}")
    start = factory.LazyFunction(lambda: timezone.now() + dt.timedelta(days=3))
    end = factory.LazyAttribute(lambda meeting: meeting.start + dt.timedelta(hours=2))
    place = "Common room"


def past_meeting(**kwargs) -> Meeting:
    start = timezone.now() - dt.timedelta(days=7)
    kwargs.setdefault("start", start)
    return MeetingFactory(**kwargs)


def with_agenda(meeting: Meeting, *titles: str) -> Meeting:
    for title in titles:
        agenda_item_add(meeting=meeting, title=title)
    return meeting
