"""Decision classes, proposals and meetings for the tests: factories for plain rows, and helpers
that go through the real services where it matters."""

from __future__ import annotations

import datetime as dt

import factory
from django.utils import timezone
from factory.django import DjangoModelFactory

from governance.models import (
    DecisionClass,
    Electorate,
    Meeting,
    MeetingKind,
    Proposal,
    VotingMethod,
)
from governance.services.meetings import agenda_item_add
from governance.services.proposals import proposal_create, proposal_open
from tests.factories import ProjectFactory


class DecisionClassFactory(DjangoModelFactory):
    class Meta:
        model = DecisionClass

    project = factory.SubFactory(ProjectFactory)
    name = factory.Sequence(lambda n: f"Class {n}")
    method = VotingMethod.YES_NO
    electorate = Electorate.HOUSEHOLD


def open_proposal(
    *,
    project,
    options=(),
    hours: int = 48,
    author=None,
    meeting=None,
    show_live_count: bool = False,
    **class_rules,
) -> Proposal:
    """A proposal of a fresh decision class with ``class_rules``, open from a minute ago."""
    decision_class = DecisionClassFactory(project=project, **class_rules)
    now = timezone.now()
    proposal = proposal_create(
        project=project,
        decision_class=decision_class,
        title="Paint the common room",
        text="Green walls.",
        opens_at=now,
        closes_at=now + dt.timedelta(hours=hours),
        options=options,
        author=author,
        meeting=meeting,
        show_live_count=show_live_count,
        now=now,
    )
    assert proposal_open(proposal=proposal, now=now)
    proposal.refresh_from_db()
    return proposal


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
