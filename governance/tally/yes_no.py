"""Yes / no / abstain."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from fractions import Fraction

from governance.tally.common import (
    ABSTAIN,
    HALF,
    NO,
    ONE,
    YES,
    YES_NO_CHOICES,
    ZERO,
    BallotError,
    InvalidBallot,
    Outcome,
    _check_quorum,
    _share,
    _weight,
)

# --- Yes / no / abstain ----------------------------------------------------------------------


def validate_yes_no(choice: object) -> str:
    """Return ``choice`` if it is ``"yes"``, ``"no"`` or ``"abstain"``, else raise
    ``InvalidBallot("unknown_choice")``."""
    if not isinstance(choice, str) or choice not in YES_NO_CHOICES:
        raise InvalidBallot(BallotError.UNKNOWN_CHOICE, {"choice": choice})
    return choice


@dataclass(frozen=True)
class YesNoBallot:
    """One voter's yes, no or abstain, with the weight of their vote."""

    choice: str
    weight: Fraction = ONE

    def __post_init__(self) -> None:
        validate_yes_no(self.choice)
        object.__setattr__(self, "weight", _weight(self.weight))


@dataclass(frozen=True)
class YesNoRule:
    """The rule a yes/no count applied, kept with the result so a decision says what it meant.

    ``code`` is ``"more_than"`` (yes / (yes + no) > threshold) or ``"at_least"`` (≥ threshold).
    """

    threshold: Fraction
    threshold_inclusive: bool
    quorum: Fraction
    abstentions_count_for_quorum: bool

    @property
    def code(self) -> str:
        return "at_least" if self.threshold_inclusive else "more_than"


@dataclass(frozen=True)
class YesNoResult:
    """The count of a yes/no vote.

    ``turnout`` is the weight of all ballots, abstentions included, over the electorate's weight;
    ``participation_weight`` is the weight that counted for the quorum (without abstentions when
    the rule says so). ``yes_share`` is yes / (yes + no), ``None`` when nobody voted yes or no.
    ``majority_reached`` is the threshold test alone; ``passed`` also needs the quorum.
    """

    yes: Fraction
    no: Fraction
    abstain: Fraction
    ballot_count: int
    electorate_weight: Fraction
    turnout: Fraction
    participation_weight: Fraction
    quorum_weight: Fraction
    quorum_met: bool
    yes_share: Fraction | None
    majority_reached: bool
    tie: bool
    passed: bool
    outcome: Outcome
    rule: YesNoRule

    @property
    def counts(self) -> dict[str, Fraction]:
        return {YES: self.yes, NO: self.no, ABSTAIN: self.abstain}

    @property
    def total_weight(self) -> Fraction:
        return self.yes + self.no + self.abstain


def tally_yes_no(
    ballots: Sequence[YesNoBallot],
    *,
    electorate_weight: Fraction,
    quorum: Fraction,
    threshold: Fraction,
    threshold_inclusive: bool | None = None,
    abstentions_count_for_quorum: bool = True,
) -> YesNoResult:
    """Count a yes/no/abstain vote.

    The rule (Robert's Rules of Order Newly Revised, 12th ed., §44 "Bases for determining a
    voting result"):

    - Abstentions are not votes for the threshold: yes_share = yes / (yes + no).
    - A simple majority is *more than half* (threshold 1/2, ``threshold_inclusive=False``); a
      qualified majority is *at least* its share, e.g. two thirds (``threshold_inclusive=True``).
      Left as ``None``, ``threshold_inclusive`` is False for a threshold of exactly 1/2 and True
      for any other threshold.
    - A tie (yes == no, with at least one of them) never passes and is reported as ``tie``, even
      under a threshold that the share 1/2 would reach.
    - No yes and no no at all: nothing passes (outcome ``no_votes``, ``tie`` False).
    - Quorum: the weight of all ballots, or of the yes and no ballots only when
      ``abstentions_count_for_quorum`` is False, must reach ``quorum * electorate_weight``.
      ``turnout`` always counts every ballot.
    """
    quorum = _share(quorum, "quorum")
    threshold = _share(threshold, "threshold")
    if threshold == 0:
        raise ValueError("threshold must be above 0")
    if threshold_inclusive is None:
        threshold_inclusive = threshold != HALF
    if threshold == ONE and not threshold_inclusive:
        raise ValueError("a threshold of more than 1 can never be reached")

    counts = dict.fromkeys(YES_NO_CHOICES, ZERO)
    for ballot in ballots:
        counts[validate_yes_no(ballot.choice)] += _weight(ballot.weight)
    yes, no, abstain = counts[YES], counts[NO], counts[ABSTAIN]
    total = yes + no + abstain
    decisive = yes + no

    quorum_check = _check_quorum(
        electorate_weight=electorate_weight,
        quorum=quorum,
        participation_weight=total if abstentions_count_for_quorum else decisive,
    )
    tie = decisive > 0 and yes == no
    yes_share = yes / decisive if decisive else None
    if yes_share is None or tie:
        majority_reached = False
    elif threshold_inclusive:
        majority_reached = yes_share >= threshold
    else:
        majority_reached = yes_share > threshold
    passed = quorum_check.met and majority_reached

    if not quorum_check.met:
        outcome = Outcome.NO_QUORUM
    elif yes_share is None:
        outcome = Outcome.NO_VOTES
    elif tie:
        outcome = Outcome.TIE
    else:
        outcome = Outcome.PASSED if passed else Outcome.REJECTED

    return YesNoResult(
        yes=yes,
        no=no,
        abstain=abstain,
        ballot_count=len(ballots),
        electorate_weight=quorum_check.electorate_weight,
        turnout=total / quorum_check.electorate_weight,
        participation_weight=quorum_check.participation_weight,
        quorum_weight=quorum_check.quorum_weight,
        quorum_met=quorum_check.met,
        yes_share=yes_share,
        majority_reached=majority_reached,
        tie=tie,
        passed=passed,
        outcome=outcome,
        rule=YesNoRule(
            threshold=threshold,
            threshold_inclusive=threshold_inclusive,
            quorum=quorum,
            abstentions_count_for_quorum=abstentions_count_for_quorum,
        ),
    )
