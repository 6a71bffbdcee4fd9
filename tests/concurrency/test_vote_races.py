"""Votes under real concurrency, against PostgreSQL: each call in its own thread and connection,
all released together."""

from __future__ import annotations

import datetime as dt
from collections import Counter

import pytest
from django.core.exceptions import ValidationError
from django.utils import timezone

from common.validation import Conflict
from governance.models import (
    Decision,
    Electorate,
    Participation,
    SealedBallot,
    SecretChoice,
    Voter,
)
from governance.services.ballots import BallotReceipt, ballot_cast
from governance.services.proposals import proposal_close, proposal_create, proposal_open
from governance.services.proxies import proxy_grant
from tests.concurrency.helpers import kinds, post_together, run_together
from tests.factories import HouseholdFactory, ProjectFactory, make_resident_user
from tests.governance.factories import DecisionClassFactory, open_proposal

pytestmark = [
    pytest.mark.django_db(transaction=True),
    # Up to a hundred connections each: the concurrency tests take turns on one xdist worker.
    pytest.mark.xdist_group("concurrency"),
]


@pytest.mark.parametrize("secret", [True, False])
def test_a_hundred_parallel_votes_of_one_voter_give_one_ballot(secret):
    project = ProjectFactory()
    user = make_resident_user(HouseholdFactory(project=project))
    proposal = open_proposal(project=project, secret=secret, electorate=Electorate.ADULT)

    outcomes = run_together(
        [
            lambda choice=choice: ballot_cast(proposal=proposal, user=user, choice=choice)
            for choice in ["yes", "no"] * 50
        ]
    )

    assert Participation.objects.filter(proposal=proposal).count() == 1
    if secret:
        assert kinds(outcomes) == Counter({"BallotReceipt": 1, "Conflict": 99})
        assert SealedBallot.objects.filter(proposal=proposal).count() == 1
    else:  # an open ballot may change: every request is taken in turn, the last one counts
        assert kinds(outcomes) == Counter({"BallotReceipt": 100})
        assert sum(not o.changed for o in outcomes) == 1


def test_a_vote_racing_the_close_is_counted_before_it_or_refused():
    project = ProjectFactory()
    users = [make_resident_user(HouseholdFactory(project=project)) for _ in range(30)]
    proposal = open_proposal(project=project, secret=True)
    just_before = proposal.closes_at - dt.timedelta(seconds=1)

    calls = [
        lambda user=user: ballot_cast(proposal=proposal, user=user, choice="yes", now=just_before)
        for user in users
    ]
    calls.insert(15, lambda: proposal_close(proposal=proposal, now=proposal.closes_at))
    outcomes = run_together(calls)

    decision = Decision.objects.get(proposal=proposal)
    counted = [o for o in outcomes if isinstance(o, BallotReceipt)]
    refused = [o for o in outcomes if isinstance(o, Conflict)]
    assert len(counted) + len(refused) == 30
    assert all("closed" in str(o) for o in refused)
    # Exactly the ballots that were accepted are in the decision; none came in after it.
    assert decision.tally["ballot_count"] == len(counted)
    assert SecretChoice.objects.filter(proposal=proposal).count() == len(counted)
    assert {c.receipt for c in SecretChoice.objects.all()} == {o.receipt for o in counted}
    assert not SealedBallot.objects.exists()


def test_opening_and_closing_race_with_themselves_and_happen_once():
    project = ProjectFactory()
    for _ in range(5):
        make_resident_user(HouseholdFactory(project=project))
    now = timezone.now()
    proposal = proposal_create(
        project=project,
        decision_class=DecisionClassFactory(project=project),
        title="Race",
        text="…",
        opens_at=now,
        closes_at=now + dt.timedelta(hours=1),
        now=now,
    )
    opened = run_together([lambda: proposal_open(proposal=proposal, now=now) for _ in range(8)])
    assert opened.count(True) == 1 and opened.count(False) == 7
    assert Voter.objects.filter(proposal=proposal).count() == 5

    closed = run_together(
        [lambda: proposal_close(proposal=proposal, now=proposal.closes_at) for _ in range(8)]
    )
    assert sum(isinstance(o, Decision) for o in closed) == 1
    assert closed.count(None) == 7
    assert Decision.objects.filter(proposal=proposal).count() == 1


def test_two_grantors_racing_for_a_holders_last_place_do_not_both_get_it():
    project = ProjectFactory()  # proxy limit 1
    holder, *grantors = [make_resident_user(HouseholdFactory(project=project)) for _ in range(6)]
    proposal = open_proposal(project=project)

    outcomes = run_together(
        [
            lambda grantor=grantor: proxy_grant(
                grantor=grantor.resident, holder=holder.resident, proposal=proposal
            )
            for grantor in grantors
        ]
    )

    assert kinds(outcomes) == Counter({"Proxy": 1, "ValidationError": 4})
    assert all(
        o.error_dict["holder"][0].code == "limit"
        for o in outcomes
        if isinstance(o, ValidationError)
    )


def test_a_hundred_vote_requests_of_one_voter_over_http_give_one_ballot():
    project = ProjectFactory()
    user = make_resident_user(HouseholdFactory(project=project))
    proposal = open_proposal(project=project, secret=True)

    outcomes = post_together(
        [user] * 100, f"/api/v1/proposals/{proposal.pk}/vote/", {"choice": "yes"}
    )

    assert Counter(status for status, _body in outcomes) == Counter({201: 1, 409: 99})
    assert Participation.objects.filter(proposal=proposal).count() == 1
    assert SealedBallot.objects.filter(proposal=proposal).count() == 1
