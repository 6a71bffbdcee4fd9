"""A vote opens and closes at its times through a real Celery worker on Redis, once each, and
tells the voters in their language."""

from __future__ import annotations

import datetime as dt
import time
from collections import Counter

import pytest
from django.core import mail
from django.utils import timezone

from governance.models import Decision, ProposalStatus, Voter
from governance.services.ballots import ballot_cast
from governance.services.notifications import proposals_closing_remind
from governance.services.proposals import proposal_close, proposal_create
from governance.tasks import (
    decisions_review_remind_task,
    proposals_close_due_task,
    proposals_closing_remind_task,
    proposals_open_due_task,
)
from tests.factories import make_manager, make_resident_user
from tests.governance.factories import DecisionClassFactory, open_proposal
from tests.tasks.conftest import wait_for, worker_drained

pytestmark = pytest.mark.django_db(transaction=True)


def test_the_worker_opens_and_closes_a_vote_once_each(celery_worker, side_a):
    amelie = make_resident_user(side_a.neighbour, email="amelie@example.org", language="fr")
    now = timezone.now()
    proposal = proposal_create(
        project=side_a.project,
        decision_class=DecisionClassFactory(project=side_a.project, review_months=6),
        title="Solar panels",
        text="Put panels on the roof.",
        opens_at=now + dt.timedelta(seconds=1),
        closes_at=now + dt.timedelta(seconds=4),
        now=now,
    )
    time.sleep(max(0, (proposal.opens_at - timezone.now()).total_seconds()))

    proposals_open_due_task.delay()
    proposals_open_due_task.delay()  # a second beat tick racing the first

    assert wait_for(lambda: len(mail.outbox) >= 2)
    proposal.refresh_from_db()
    assert proposal.status == ProposalStatus.OPEN
    assert Voter.objects.filter(proposal=proposal).count() == 2  # the two households
    opened = Counter(tuple(message.to) for message in mail.outbox)
    assert opened == Counter({(side_a.resident_user.email,): 1, (amelie.email,): 1})
    french = next(m for m in mail.outbox if m.to == [amelie.email])
    assert "Solar panels" in french.subject and "Vote" in french.subject

    ballot_cast(proposal=proposal, user=amelie, choice="yes")
    mail.outbox.clear()
    time.sleep(max(0, (proposal.closes_at - timezone.now()).total_seconds()))
    proposals_close_due_task.delay()
    proposals_close_due_task.delay()

    assert wait_for(lambda: Decision.objects.filter(proposal=proposal).exists())
    assert wait_for(lambda: len(mail.outbox) >= 2)
    assert worker_drained()  # a duplicate, if any, has arrived
    decision = Decision.objects.get(proposal=proposal)
    assert decision.passed and decision.result_notified_at is not None
    assert sorted(m.to[0] for m in mail.outbox) == sorted(
        [amelie.email, side_a.resident_user.email]
    )


def test_those_who_have_not_voted_are_reminded_a_day_before_the_close_once(side_a):
    neighbour_user = make_resident_user(side_a.neighbour)
    proposal = open_proposal(project=side_a.project, hours=20)
    ballot_cast(proposal=proposal, user=side_a.resident_user, choice="yes")
    mail.outbox.clear()

    assert proposals_closing_remind() == 1
    assert proposals_closing_remind() == 0
    assert [m.to for m in mail.outbox] == [[neighbour_user.email]]


def test_a_far_close_is_not_reminded_yet(side_a):
    make_resident_user(side_a.neighbour)
    open_proposal(project=side_a.project, hours=72)
    mail.outbox.clear()
    assert proposals_closing_remind() == 0


def test_the_worker_reminds_managers_of_a_decision_due_for_review(celery_worker, side_a):
    proposal = open_proposal(project=side_a.project, review_months=1)
    ballot_cast(proposal=proposal, user=side_a.resident_user, choice="yes")
    decision = proposal_close(proposal=proposal, now=proposal.closes_at)
    # The opening and result e-mails go through the worker too: let them pass first.
    assert wait_for(lambda: Decision.objects.get(pk=decision.pk).result_notified_at is not None)
    Decision.objects.filter(pk=decision.pk).update(review_due=timezone.localdate())
    other_manager = make_manager(side_a.project)
    mail.outbox.clear()

    decisions_review_remind_task.delay()
    decisions_review_remind_task.delay()
    proposals_closing_remind_task.delay()  # queued last: once it ran, both reminders have

    assert wait_for(lambda: Decision.objects.get(pk=decision.pk).review_reminded_at is not None)
    assert worker_drained()  # a duplicate, if any, has arrived
    assert sorted(m.to[0] for m in mail.outbox) == sorted(
        [side_a.manager.email, other_manager.email]
    )
