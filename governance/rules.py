"""The rules a vote applies, frozen when it opens, and the counting of a proposal's ballots.

A proposal copies its decision class's rules into ``Proposal.rules`` when it opens; the count and
the decision read them from there, never from the class, so editing the bylaws later does not
change what a past vote meant. Shares are written as exact fractions ("2/3"), never as floats.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import asdict, dataclass, is_dataclass
from decimal import ROUND_HALF_EVEN, Decimal
from enum import Enum
from fractions import Fraction
from typing import Any
from zoneinfo import ZoneInfo

from governance import tally
from governance.models import DecisionClass, VotingMethod

ADULT_AGE = 18


def project_zone(proposal) -> ZoneInfo:
    """The time zone of the proposal's city: dates of a vote are the residents' dates."""
    return ZoneInfo(proposal.project.city.time_zone)


def fraction_text(value: Fraction) -> str:
    """ "2/3", or "1" for a whole number: exact, and readable in the JSON of a decision."""
    value = Fraction(value)
    return (
        str(value.numerator) if value.denominator == 1 else f"{value.numerator}/{value.denominator}"
    )


def fraction_decimal(value: Fraction, places: int = 4) -> Decimal:
    exponent = Decimal(1).scaleb(-places)
    return (Decimal(value.numerator) / Decimal(value.denominator)).quantize(
        exponent, rounding=ROUND_HALF_EVEN
    )


def rules_snapshot(decision_class: DecisionClass) -> dict[str, Any]:
    """What the decision class says, as it is at this moment."""
    return {
        "decision_class_id": decision_class.pk,
        "decision_class": decision_class.name,
        "method": decision_class.method,
        "electorate": decision_class.electorate,
        "quorum": fraction_text(
            Fraction(decision_class.quorum_numerator, decision_class.quorum_denominator)
        ),
        "threshold": fraction_text(
            Fraction(decision_class.threshold_numerator, decision_class.threshold_denominator)
        ),
        "threshold_inclusive": decision_class.threshold_inclusive,
        "abstentions_count_for_quorum": decision_class.abstentions_count_for_quorum,
        "min_notice_days": decision_class.min_notice_days,
        "review_months": decision_class.review_months,
        "secret": decision_class.secret,
    }


@dataclass(frozen=True)
class CountedBallot:
    """Ballots as the count sees them: a choice and a weight, nothing else. ``count`` identical
    ballots may come as one, their weights summed (a count is additive in the weights)."""

    choice: Any
    weight: Fraction
    voter_id: int | None = None  # consent only: objections are answered by their voter
    count: int = 1


def _jsonable(value: Any) -> Any:
    if isinstance(value, Fraction):
        return fraction_text(value)
    if isinstance(value, Enum):
        return value.value
    if is_dataclass(value) and not isinstance(value, type):
        return _jsonable(asdict(value))
    if isinstance(value, Mapping):
        return {str(key): _jsonable(item) for key, item in value.items()}
    if isinstance(value, list | tuple | set | frozenset):
        return [_jsonable(item) for item in value]
    return value


@dataclass(frozen=True)
class Count:
    """A count ready for the decision register: exact numbers as JSON, and the verdict."""

    tally: dict[str, Any]
    turnout: Fraction
    quorum_met: bool
    passed: bool
    tie: bool
    outcome: str
    winner: str | None


@dataclass(frozen=True)
class _MethodCount:
    """One method's tally result, the method's own part of the stored tally, and its verdict."""

    result: Any
    body: dict[str, Any]
    passed: bool
    winner: str | None = None


def _count_yes_no(
    rules: Mapping[str, Any], ballots: list[CountedBallot], **common: Any
) -> _MethodCount:
    result = tally.tally_yes_no(
        [tally.YesNoBallot(b.choice, b.weight) for b in ballots],
        threshold=Fraction(rules["threshold"]),
        threshold_inclusive=rules["threshold_inclusive"],
        abstentions_count_for_quorum=rules["abstentions_count_for_quorum"],
        **common,
    )
    body = {
        "counts": result.counts,
        "yes_share": result.yes_share,
        "majority_reached": result.majority_reached,
    }
    return _MethodCount(result, body, passed=result.passed)


def _count_approval(
    ballots: list[CountedBallot],
    options: list[str],
    min_approvals: int,
    max_approvals: int | None,
    **common: Any,
) -> _MethodCount:
    result = tally.tally_approval(
        [tally.ApprovalBallot(b.choice, b.weight) for b in ballots],
        options,
        min_approvals=min_approvals,
        max_approvals=max_approvals,
        **common,
    )
    body = {"counts": result.approvals, "winners": result.winners}
    return _MethodCount(result, body, passed=result.winner is not None, winner=result.winner)


def _count_ranked(ballots: list[CountedBallot], options: list[str], **common: Any) -> _MethodCount:
    result = tally.tally_instant_runoff(
        [tally.RankedBallot(b.choice, b.weight) for b in ballots], options, **common
    )
    body = {
        "counts": result.final_round.counts,
        "rounds": result.rounds,
        "blank_weight": result.blank_weight,
        "winners": result.winners,
    }
    return _MethodCount(result, body, passed=result.winner is not None, winner=result.winner)


def _count_consent(
    ballots: list[CountedBallot], objections: Iterable[tally.Objection], **common: Any
) -> _MethodCount:
    """Objectors whose objection stands are counted as objecting, whatever else they sent."""
    objections = list(objections)
    objectors = {objection.voter_id for objection in objections if objection.stands}
    responses = [
        tally.ConsentResponse(b.voter_id, b.choice, b.weight)
        for b in ballots
        if b.voter_id not in objectors and b.choice in tally.CONSENT_POSITIONS
    ]
    result = tally.consent_outcome(objections, responses=responses, **common)
    body = {
        "counts": {
            tally.CONSENT: result.consent_weight,
            tally.STAND_ASIDE: result.stand_aside_weight,
            "object": result.objection_weight,
        },
        "standing_objections": [o.reason for o in result.standing_objections],
        "resolved_objections": [o.reason for o in result.resolved_objections],
    }
    return _MethodCount(result, body, passed=result.passed)


def count(
    *,
    rules: Mapping[str, Any],
    options: list[str],
    ballots: Iterable[CountedBallot],
    electorate_weight: Fraction,
    objections: Iterable[tally.Objection] = (),
    min_approvals: int = 1,
    max_approvals: int | None = None,
) -> Count:
    """Count the ballots of a proposal under its frozen rules (governance/tally/ does the
    arithmetic; this only feeds it and shapes the result)."""
    method = rules["method"]
    ballots = list(ballots)
    common = {
        # nobody could vote: nothing is decided, and no share divides by zero
        "electorate_weight": electorate_weight or Fraction(1),
        "quorum": Fraction(rules["quorum"]),
    }
    if method == VotingMethod.YES_NO:
        counted = _count_yes_no(rules, ballots, **common)
    elif method == VotingMethod.APPROVAL:
        counted = _count_approval(ballots, options, min_approvals, max_approvals, **common)
    elif method == VotingMethod.RANKED:
        counted = _count_ranked(ballots, options, **common)
    else:
        counted = _count_consent(ballots, objections, **common)
    result = counted.result
    body = {
        **counted.body,
        "ballot_count": sum(ballot.count for ballot in ballots),
        "method": method,
        "electorate_weight": result.electorate_weight,
        "participation_weight": result.participation_weight,
        "quorum_weight": result.quorum_weight,
        "quorum_met": result.quorum_met,
        "turnout": result.turnout,
        "outcome": result.outcome,
        "winner": counted.winner,
    }
    return Count(
        tally=_jsonable(body),
        turnout=result.turnout,
        quorum_met=result.quorum_met,
        passed=counted.passed,
        tie=getattr(result, "tie", False),
        outcome=result.outcome.value,
        winner=counted.winner,
    )
