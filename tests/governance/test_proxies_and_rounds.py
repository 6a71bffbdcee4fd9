"""Proxies, paper ballots and the consent round, through the services."""

from __future__ import annotations

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.utils import timezone

from common.validation import Conflict
from governance.models import (
    ConsentPhase,
    Electorate,
    Meeting,
    MeetingKind,
    Objection,
    Participation,
    ProposalVersion,
    VotingMethod,
)
from governance.services.ballots import ballot_cast, ballot_cast_paper, round_entry_add
from governance.services.proposals import (
    consent_phase_advance,
    proposal_amend,
    proposal_close,
)
from governance.services.proxies import proxy_grant, proxy_revoke
from tests.factories import HouseholdFactory, ResidentFactory, make_resident_user
from tests.governance.factories import open_proposal

pytestmark = pytest.mark.django_db


def assembly(project, chair=None) -> Meeting:
    return Meeting.objects.create(
        project=project,
        kind=MeetingKind.GENERAL_ASSEMBLY,
        title="Assembly",
        start=timezone.now(),
        place="Common room",
        chair=chair,
    )


@pytest.fixture
def three(side_a):
    """Three voting residents of side A, each in their own household."""
    return [side_a.resident_user] + [
        make_resident_user(HouseholdFactory(project=side_a.project)) for _ in range(2)
    ]


def test_a_holder_votes_for_the_grantor_and_the_ballot_says_who_cast_it(side_a, three):
    anna, ben, _carl = three
    proposal = open_proposal(project=side_a.project, electorate=Electorate.ADULT)
    proxy = proxy_grant(grantor=anna.resident, holder=ben.resident, proposal=proposal)

    receipt = ballot_cast(proposal=proposal, user=ben, choice="no", on_behalf_of=anna.resident)
    ballot_cast(proposal=proposal, user=ben, choice="yes")

    assert receipt.via_proxy
    annas = Participation.objects.get(voter__resident=anna.resident)
    assert annas.cast_by == ben and annas.via_proxy == proxy and annas.choice == "no"
    assert Participation.objects.get(voter__resident=ben.resident).via_proxy is None
    # Used: locked, and the grantor cannot vote over it any more.
    with pytest.raises(Conflict, match="can no longer be revoked"):
        proxy_revoke(proxy=proxy)
    with pytest.raises(Conflict, match="proxy holder has already voted"):
        ballot_cast(proposal=proposal, user=anna, choice="yes")


def test_a_personal_vote_before_the_holder_overrides_the_proxy(side_a, three):
    anna, ben, _carl = three
    proposal = open_proposal(project=side_a.project, electorate=Electorate.ADULT)
    proxy = proxy_grant(grantor=anna.resident, holder=ben.resident, proposal=proposal)
    ballot_cast(proposal=proposal, user=anna, choice="yes")
    with pytest.raises(Conflict, match="voted in person"):
        ballot_cast(proposal=proposal, user=ben, choice="no", on_behalf_of=anna.resident)
    assert Participation.objects.get(voter__resident=anna.resident).choice == "yes"
    proxy_revoke(proxy=proxy)  # unused: still revocable
    proxy.refresh_from_db()
    assert proxy.revoked_at is not None


def test_a_revoked_or_missing_proxy_gives_no_vote(side_a, three):
    anna, ben, carl = three
    proposal = open_proposal(project=side_a.project, electorate=Electorate.ADULT)
    with pytest.raises(PermissionDenied):
        ballot_cast(proposal=proposal, user=ben, choice="no", on_behalf_of=carl.resident)
    proxy = proxy_grant(grantor=anna.resident, holder=ben.resident, proposal=proposal)
    proxy_revoke(proxy=proxy)
    with pytest.raises(PermissionDenied):
        ballot_cast(proposal=proposal, user=ben, choice="no", on_behalf_of=anna.resident)


def test_proxies_to_oneself_to_another_project_chains_and_beyond_the_limit_are_refused(
    side_a, side_b, three
):
    anna, ben, carl = three
    proposal = open_proposal(project=side_a.project, electorate=Electorate.ADULT)

    def refused(field, code, **kwargs):
        with pytest.raises(ValidationError) as error:
            proxy_grant(proposal=proposal, **kwargs)
        assert error.value.error_dict[field][0].code == code

    refused("holder", "self", grantor=anna.resident, holder=anna.resident)
    refused("holder", "project", grantor=anna.resident, holder=side_b.resident)
    proxy_grant(grantor=anna.resident, holder=ben.resident, proposal=proposal)
    refused("holder", "chain", grantor=carl.resident, holder=anna.resident)  # anna gave hers
    refused("grantor", "chain", grantor=ben.resident, holder=carl.resident)  # ben holds one
    refused("holder", "limit", grantor=carl.resident, holder=ben.resident)  # limit 1
    side_a.project.proxy_limit = 2
    side_a.project.save()
    proxy_grant(grantor=carl.resident, holder=ben.resident, proposal=proposal)


def test_a_meeting_proxy_covers_the_meetings_proposals(side_a, three):
    anna, ben, _carl = three
    meeting = assembly(side_a.project)
    proposal = open_proposal(project=side_a.project, meeting=meeting, electorate=Electorate.ADULT)
    proxy_grant(grantor=anna.resident, holder=ben.resident, meeting=meeting)
    ballot_cast(proposal=proposal, user=ben, choice="yes", on_behalf_of=anna.resident)
    assert Participation.objects.get(voter__resident=anna.resident).cast_by == ben


def test_the_chair_records_a_paper_ballot_that_counts_once(side_a, three):
    anna, ben, _carl = three
    paper_voter = ResidentFactory(household=anna.resident.household, first_name="Paper")
    meeting = assembly(side_a.project, chair=ben)
    proposal = open_proposal(project=side_a.project, meeting=meeting, electorate=Electorate.ADULT)
    receipt = ballot_cast_paper(
        proposal=proposal, recorded_by=ben, resident=paper_voter, choice="yes"
    )
    assert receipt.on_paper
    with pytest.raises(Conflict):
        ballot_cast_paper(proposal=proposal, recorded_by=ben, resident=paper_voter, choice="no")
    with pytest.raises(PermissionDenied):
        ballot_cast_paper(proposal=proposal, recorded_by=anna, resident=anna.resident, choice="no")
    ballot_cast(proposal=proposal, user=anna, choice="no")
    with pytest.raises(Conflict):
        ballot_cast_paper(proposal=proposal, recorded_by=ben, resident=anna.resident, choice="yes")
    decision = proposal_close(proposal=proposal, now=proposal.closes_at)
    assert decision.tally["counts"]["yes"] == "1" and decision.tally["counts"]["no"] == "1"


def test_the_consent_round_asks_only_the_objectors_again(side_a, three):
    anna, ben, carl = three
    proposal = open_proposal(project=side_a.project, method=VotingMethod.CONSENT)
    assert proposal.consent_phase == ConsentPhase.QUESTIONS
    with pytest.raises(Conflict):
        ballot_cast(proposal=proposal, user=anna, choice="consent")
    round_entry_add(proposal=proposal, user=ben, text="Which colour exactly?")
    consent_phase_advance(proposal=proposal)
    round_entry_add(proposal=proposal, user=carl, text="I like it.")
    consent_phase_advance(proposal=proposal)
    with pytest.raises(Conflict):
        round_entry_add(proposal=proposal, user=carl, text="Too late for questions.")

    ballot_cast(proposal=proposal, user=anna, choice="consent")
    ballot_cast(proposal=proposal, user=ben, choice="stand_aside")
    with pytest.raises(ValidationError) as error:
        ballot_cast(proposal=proposal, user=carl, choice="object", reason="  ")
    assert "reason" in error.value.error_dict
    ballot_cast(proposal=proposal, user=carl, choice="object", reason="Green makes it dark.")
    objection = Objection.objects.get(proposal=proposal)

    proposal.refresh_from_db()
    version = proposal_amend(
        proposal=proposal, text="Light green walls.", note="Lighter.", addresses=[objection.pk]
    )
    assert version.version == 2
    assert ProposalVersion.objects.filter(proposal=proposal).count() == 2
    with pytest.raises(Conflict, match="only objectors"):
        ballot_cast(proposal=proposal, user=anna, choice="object", reason="Changed my mind")
    ballot_cast(proposal=proposal, user=carl, choice="consent")
    objection.refresh_from_db()
    assert objection.resolved_on_version == 2

    decision = proposal_close(proposal=proposal, early=True)
    assert decision.passed and decision.outcome == "consented"
    assert decision.tally["resolved_objections"] == ["Green makes it dark."]


def test_a_standing_objection_blocks_consent(side_a, three):
    anna, ben, _carl = three
    proposal = open_proposal(project=side_a.project, method=VotingMethod.CONSENT)
    consent_phase_advance(proposal=proposal)
    consent_phase_advance(proposal=proposal)
    ballot_cast(proposal=proposal, user=anna, choice="consent")
    ballot_cast(proposal=proposal, user=ben, choice="object", reason="Too expensive.")
    proposal.refresh_from_db()
    objection = Objection.objects.get()
    proposal_amend(proposal=proposal, text="Cheaper paint.", note="", addresses=[objection.pk])
    # Objecting again keeps the objection standing, with its new reason beside it.
    ballot_cast(proposal=proposal, user=ben, choice="object", reason="Still too expensive.")
    decision = proposal_close(proposal=proposal, now=proposal.closes_at)
    assert not decision.passed and decision.outcome == "objections_stand"
    assert set(decision.tally["standing_objections"]) == {
        "Too expensive.",
        "Still too expensive.",
    }


def test_only_a_consent_round_closes_early(side_a):
    proposal = open_proposal(project=side_a.project)
    with pytest.raises(Conflict):
        proposal_close(proposal=proposal, early=True)
    assert proposal_close(proposal=proposal) is None  # not due, not early: nothing
