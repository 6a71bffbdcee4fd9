"""Proposals open with a frozen electorate, take each ballot once and close into a decision."""

from __future__ import annotations

import datetime as dt
from fractions import Fraction
from zoneinfo import ZoneInfo

import pytest
from dateutil.relativedelta import relativedelta
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import connection
from django.utils import timezone

from common.validation import Conflict
from community.money.models import SchemeStatus
from community.money.services.schemes import scheme_create
from governance.models import (
    Decision,
    Electorate,
    Participation,
    ProposalStatus,
    SealedBallot,
    SecretChoice,
    Voter,
    VotingMethod,
)
from governance.services.ballots import ballot_cast
from governance.services.proposals import (
    proposal_close,
    proposal_create,
    proposal_open,
    proposals_close_due,
    proposals_open_due,
)
from tests.factories import HouseholdFactory, ResidentFactory, make_resident_user
from tests.governance.factories import DecisionClassFactory, open_proposal

pytestmark = pytest.mark.django_db

LATER = dt.timedelta(days=3)


def voters_of(project, count):
    return [make_resident_user(HouseholdFactory(project=project)) for _ in range(count)]


def close_now(proposal):
    return proposal_close(proposal=proposal, now=proposal.closes_at)


def test_the_electorate_is_frozen_when_the_vote_opens(side_a):
    proposal = open_proposal(project=side_a.project)
    # Households living there (neighbour has an adult; the resident user's household too).
    frozen = set(Voter.objects.filter(proposal=proposal).values_list("household_id", flat=True))
    assert side_a.household.pk in frozen and side_a.neighbour.pk in frozen
    newcomer = make_resident_user(HouseholdFactory(project=side_a.project))
    side_a.neighbour.move_out = timezone.localdate()
    side_a.neighbour.save()

    with pytest.raises(PermissionDenied):
        ballot_cast(proposal=proposal, user=newcomer, choice="yes")
    assert Voter.objects.filter(proposal=proposal).count() == len(frozen)


def test_a_household_votes_once_and_an_open_ballot_can_change(side_a):
    proposal = open_proposal(project=side_a.project)
    partner = make_resident_user(side_a.household)

    ballot_cast(proposal=proposal, user=side_a.resident_user, choice="no")
    receipt = ballot_cast(proposal=proposal, user=partner, choice="yes")

    assert receipt.changed and receipt.receipt is None
    participation = Participation.objects.get(proposal=proposal)
    assert participation.choice == "yes" and participation.cast_by == partner


def test_a_child_does_not_cast_the_household_vote(side_a):
    proposal = open_proposal(project=side_a.project)
    child = make_resident_user(side_a.household)
    child.resident.birth_year = timezone.localdate().year - 12
    child.resident.save()
    with pytest.raises(PermissionDenied):
        ballot_cast(proposal=proposal, user=child, choice="yes")


def test_outsiders_are_not_in_the_electorate(side_a, side_b):
    proposal = open_proposal(project=side_a.project)
    for user in (side_b.resident_user, side_a.manager, side_a.officer):
        with pytest.raises(PermissionDenied):
            ballot_cast(proposal=proposal, user=user, choice="yes")
    assert not Participation.objects.exists()


def test_no_ballot_before_the_open_or_after_the_close(side_a):
    now = timezone.now()
    proposal = proposal_create(
        project=side_a.project,
        decision_class=DecisionClassFactory(project=side_a.project),
        title="Later",
        text="…",
        opens_at=now + dt.timedelta(hours=1),
        closes_at=now + dt.timedelta(hours=5),
    )
    with pytest.raises(Conflict, match="not open"):
        ballot_cast(proposal=proposal, user=side_a.resident_user, choice="yes")
    assert not proposal_open(proposal=proposal, now=now)  # not due: nothing happens

    proposal_open(proposal=proposal, now=proposal.opens_at)
    with pytest.raises(Conflict, match="not open"):
        ballot_cast(proposal=proposal, user=side_a.resident_user, choice="yes", now=now)
    with pytest.raises(Conflict, match="closed"):
        ballot_cast(
            proposal=proposal, user=side_a.resident_user, choice="yes", now=proposal.closes_at
        )
    close_now(proposal)
    with pytest.raises(Conflict, match="closed"):
        ballot_cast(proposal=proposal, user=side_a.resident_user, choice="yes")


@pytest.mark.parametrize(
    ("method", "options", "choice", "code"),
    [
        (VotingMethod.YES_NO, (), "maybe", "unknown_choice"),
        (VotingMethod.APPROVAL, ("A", "B"), ["C"], "unknown_option"),
        (VotingMethod.APPROVAL, ("A", "B"), [], "too_few_approvals"),
        (VotingMethod.RANKED, ("A", "B", "C"), ["A", "A"], "duplicate"),
        (VotingMethod.RANKED, ("A", "B", "C"), {"A": 1, "B": 3}, "gap"),
        (VotingMethod.RANKED, ("A", "B", "C"), "A", "unknown_option"),
    ],
)
def test_a_ballot_the_method_does_not_allow_is_refused_on_its_field(
    side_a, method, options, choice, code
):
    proposal = open_proposal(project=side_a.project, method=method, options=options)
    with pytest.raises(ValidationError) as error:
        ballot_cast(proposal=proposal, user=side_a.resident_user, choice=choice)
    assert error.value.error_dict["choice"][0].code == code
    assert not Participation.objects.exists()


def test_the_close_records_one_decision_with_the_rules_applied(side_a):
    users = voters_of(side_a.project, 3)
    proposal = open_proposal(
        project=side_a.project, review_months=12, quorum_numerator=1, quorum_denominator=2
    )
    for user, choice in zip(users, ["yes", "yes", "no"], strict=True):
        ballot_cast(proposal=proposal, user=user, choice=choice)

    decision = close_now(proposal)
    assert close_now(proposal) is None  # the second close finds it closed
    assert Decision.objects.count() == 1
    assert decision.passed and decision.outcome == "passed"
    assert decision.tally["counts"] == {"yes": "2", "no": "1", "abstain": "0"}
    assert decision.rules["threshold"] == "1/2" and decision.rules["quorum"] == "1/2"
    # The side's two households and the three new ones: 3 of 5 took part.
    assert decision.electorate_size == 5
    assert decision.quorum_met and str(decision.turnout) == "0.6000"
    decided_on = proposal.closes_at.astimezone(ZoneInfo(side_a.city.time_zone)).date()
    assert decision.review_due == decided_on + relativedelta(months=12)
    proposal.refresh_from_db()
    assert proposal.status == ProposalStatus.CLOSED


def test_a_missed_quorum_decides_nothing_even_if_all_said_yes(side_a):
    users = voters_of(side_a.project, 3)
    proposal = open_proposal(project=side_a.project, quorum_numerator=2, quorum_denominator=3)
    for user in users:
        ballot_cast(proposal=proposal, user=user, choice="yes")
    decision = close_now(proposal)  # 3 of 5 < 2/3
    assert not decision.quorum_met and not decision.passed
    assert decision.outcome == "no_quorum"
    assert decision.tally["counts"]["yes"] == "3"  # still counted in full for the register


def test_quorum_and_turnout_are_of_the_electorate_frozen_at_the_opening(side_a):
    """Households moving in after the opening neither vote nor weigh: 3 voters of the 5
    households there at the opening meet a quorum of a half, whatever moved in since."""
    users = voters_of(side_a.project, 3)
    proposal = open_proposal(project=side_a.project, quorum_numerator=1, quorum_denominator=2)
    for user in users:
        ballot_cast(proposal=proposal, user=user, choice="yes")
    voters_of(side_a.project, 6)  # 11 households at the close: 3 would miss half of them
    decision = close_now(proposal)
    assert decision.quorum_met and decision.passed
    assert decision.turnout == Fraction(3, 5)


def test_the_rules_are_those_of_the_opening_not_of_later_edits(side_a):
    proposal = open_proposal(project=side_a.project)
    decision_class = proposal.decision_class
    decision_class.threshold_numerator, decision_class.threshold_denominator = 9, 10
    decision_class.save()
    ballot_cast(proposal=proposal, user=side_a.resident_user, choice="yes")
    assert close_now(proposal).rules["threshold"] == "1/2"


@pytest.mark.parametrize(("inclusive", "passed"), [(True, True), (False, False)])
def test_two_thirds_at_the_exact_boundary(side_a, inclusive, passed):
    project = side_a.project
    users = voters_of(project, 3)
    proposal = open_proposal(
        project=project,
        threshold_numerator=2,
        threshold_denominator=3,
        threshold_inclusive=inclusive,
    )
    for user, choice in zip(users, ["yes", "yes", "no"], strict=True):
        ballot_cast(proposal=proposal, user=user, choice=choice)
    ballot_cast(proposal=proposal, user=side_a.resident_user, choice="abstain")
    decision = close_now(proposal)
    assert decision.tally["yes_share"] == "2/3"
    assert decision.passed is passed


def test_abstentions_count_for_quorum_only_when_the_rules_say_so(side_a):
    # Two households (the side's): one abstains, quorum 1/2.
    for counts in (True, False):
        proposal = open_proposal(
            project=side_a.project,
            quorum_numerator=1,
            quorum_denominator=2,
            abstentions_count_for_quorum=counts,
        )
        ballot_cast(proposal=proposal, user=side_a.resident_user, choice="abstain")
        assert close_now(proposal).quorum_met is counts


def test_split_electorate_weighs_each_adult_by_their_household(side_a):
    partner = make_resident_user(side_a.household)
    proposal = open_proposal(project=side_a.project, electorate=Electorate.HOUSEHOLD_SPLIT)
    weights = {
        v.resident_id: Fraction(v.weight_numerator, v.weight_denominator)
        for v in Voter.objects.filter(proposal=proposal, household=side_a.household)
    }
    assert set(weights.values()) == {Fraction(1, 2)}
    ballot_cast(proposal=proposal, user=side_a.resident_user, choice="yes")
    ballot_cast(proposal=proposal, user=partner, choice="no")
    decision = close_now(proposal)
    assert decision.tally["counts"] == {"yes": "1/2", "no": "1/2", "abstain": "0"}
    assert decision.tie and not decision.passed


def test_a_secret_ballot_keeps_no_link_between_voter_and_choice(side_a):
    users = voters_of(side_a.project, 3)
    proposal = open_proposal(project=side_a.project, secret=True, electorate=Electorate.ADULT)
    receipts = [
        ballot_cast(proposal=proposal, user=user, choice=choice).receipt
        for user, choice in zip(users, ["yes", "no", "yes"], strict=True)
    ]
    assert all(receipts) and len(set(receipts)) == 3

    # The rows themselves: participations carry no choice, choices carry no voter and no time.
    assert list(Participation.objects.values_list("choice", flat=True)) == [None] * 3
    choice_columns = {f.column for f in SecretChoice._meta.concrete_fields}
    assert choice_columns == {
        "id",
        "proposal_id",
        "choice",
        "weight_numerator",
        "weight_denominator",
        "receipt",
    }
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT kcu.column_name FROM information_schema.table_constraints tc "
            "JOIN information_schema.key_column_usage kcu USING (constraint_name) "
            "WHERE tc.table_name = 'governance_secretchoice' AND tc.constraint_type = 'FOREIGN KEY'"
        )
        assert [row[0] for row in cursor.fetchall()] == ["proposal_id"]
    # During the vote the choices are sealed: nothing in clear, one length for every ballot.
    assert not SecretChoice.objects.exists()
    sealed = [bytes(s) for s in SealedBallot.objects.values_list("sealed", flat=True)]
    assert len(sealed) == 3 and len({len(s) for s in sealed}) == 1
    assert not any(receipt.encode() in s for receipt in receipts for s in sealed)

    with pytest.raises(Conflict, match="secret"):
        ballot_cast(proposal=proposal, user=users[0], choice="no")
    decision = close_now(proposal)
    assert decision.tally["counts"]["yes"] == "2"
    published = dict(SecretChoice.objects.values_list("receipt", "choice"))
    assert published[receipts[1]] == "no"
    # Keys are random (UUID4), so their order tells nothing about the order of the votes.
    assert {choice.pk.version for choice in SecretChoice.objects.all()} == {4}
    assert not SealedBallot.objects.exists()
    assert close_now(proposal) is None and SecretChoice.objects.count() == 3


def test_approval_and_ranked_choice_decide_among_options(side_a):
    users = voters_of(side_a.project, 3)
    approval = open_proposal(
        project=side_a.project, method=VotingMethod.APPROVAL, options=("Garden", "Sauna", "Bikes")
    )
    for user, choice in zip(users, [["Garden"], ["Garden", "Bikes"], ["Sauna"]], strict=True):
        ballot_cast(proposal=approval, user=user, choice=choice)
    decision = close_now(approval)
    assert decision.tally["winner"] == "Garden" and decision.passed

    ranked = open_proposal(
        project=side_a.project, method=VotingMethod.RANKED, options=("A", "B", "C")
    )
    # A 1, B 1, C 1 first preferences: tie for last place broken by nothing → all eliminated… a
    # tie is reported as a tie, never passed.
    for user, choice in zip(users, [["A", "B"], ["B", "A"], ["C"]], strict=True):
        ballot_cast(proposal=ranked, user=user, choice=choice)
    decision = close_now(ranked)
    assert decision.tie and not decision.passed
    assert set(decision.tally["winners"]) == {"A", "B", "C"}


def test_the_scheduled_open_and_close_happen_once(side_a):
    now = timezone.now()
    proposal = proposal_create(
        project=side_a.project,
        decision_class=DecisionClassFactory(project=side_a.project),
        title="Scheduled",
        text="…",
        opens_at=now + dt.timedelta(minutes=5),
        closes_at=now + dt.timedelta(hours=2),
    )
    assert proposals_open_due(now=now) == 0
    assert proposals_open_due(now=now + dt.timedelta(minutes=6)) == 1
    assert proposals_open_due(now=now + dt.timedelta(minutes=7)) == 0
    assert proposals_close_due(now=now + dt.timedelta(hours=1)) == 0
    assert proposals_close_due(now=now + dt.timedelta(hours=3)) == 1
    assert proposals_close_due(now=now + dt.timedelta(hours=4)) == 0
    assert Decision.objects.filter(proposal=proposal).count() == 1


def test_the_bylaws_notice_period_is_enforced(side_a):
    decision_class = DecisionClassFactory(project=side_a.project, min_notice_days=14)
    now = timezone.now()
    with pytest.raises(ValidationError) as error:
        proposal_create(
            project=side_a.project,
            decision_class=decision_class,
            title="Too soon",
            text="…",
            opens_at=now + dt.timedelta(days=3),
            closes_at=now + dt.timedelta(days=10),
        )
    assert "opens_at" in error.value.error_dict


def test_options_belong_to_option_methods_only(side_a, side_b):
    now = timezone.now()
    base = {"title": "x", "text": "y", "opens_at": now + LATER, "closes_at": now + 2 * LATER}
    with pytest.raises(ValidationError) as error:
        proposal_create(
            project=side_a.project,
            decision_class=DecisionClassFactory(project=side_a.project),
            options=["A", "B"],
            **base,
        )
    assert "options" in error.value.error_dict
    with pytest.raises(ValidationError) as error:
        proposal_create(
            project=side_a.project,
            decision_class=DecisionClassFactory(project=side_a.project, method=VotingMethod.RANKED),
            options=["A", "A"],
            **base,
        )
    assert "options" in error.value.error_dict
    with pytest.raises(ValidationError) as error:
        proposal_create(
            project=side_a.project,
            decision_class=DecisionClassFactory(project=side_b.project),
            **base,
        )
    assert "decision_class" in error.value.error_dict


def test_a_resident_without_a_household_adult_vote_has_no_voter(side_a):
    # A household of minors only is not in a per-household electorate.
    household = HouseholdFactory(project=side_a.project)
    ResidentFactory(household=household, birth_year=timezone.localdate().year - 10)
    proposal = open_proposal(project=side_a.project)
    assert not Voter.objects.filter(proposal=proposal, household=household).exists()


def test_a_scheme_put_to_the_vote_is_adopted_when_the_vote_passes(side_a):
    proposal = open_proposal(project=side_a.project)
    scheme = scheme_create(
        project=side_a.project,
        name="Solidarity 2027",
        method="flat",
        parameters={"basis": "equal"},
        valid_from=dt.date(2027, 1, 1),
        adopting_proposal=proposal,
    )
    ballot_cast(proposal=proposal, user=side_a.resident_user, choice="yes")

    decision = close_now(proposal)

    scheme.refresh_from_db()
    assert decision.passed
    assert scheme.status == SchemeStatus.ADOPTED and scheme.adopted_by_decision == decision
