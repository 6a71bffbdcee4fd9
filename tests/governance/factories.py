"""Decision classes and proposals, created through the real services where it matters."""

from __future__ import annotations

import datetime as dt

import factory
from django.utils import timezone
from factory.django import DjangoModelFactory

from governance.models import DecisionClass, Electorate, Proposal, VotingMethod
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
