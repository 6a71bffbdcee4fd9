"""Approval voting."""

from __future__ import annotations

from collections.abc import Collection, Sequence
from dataclasses import dataclass
from fractions import Fraction

from governance.tally.common import (
    ONE,
    ZERO,
    BallotError,
    InvalidBallot,
    Outcome,
    _check_quorum,
    _choices,
    _options,
    _repeated,
    _sorted,
    _weight,
)

# --- Approval ----------------------------------------------------------------------------------


def _approval_limits(
    options: tuple[str, ...], min_approvals: int, max_approvals: int | None
) -> tuple[int, int]:
    upper = len(options) if max_approvals is None else max_approvals
    if not 0 <= min_approvals <= upper <= len(options):
        raise ValueError(
            f"need 0 <= min_approvals <= max_approvals <= {len(options)} options, "
            f"got {min_approvals} and {max_approvals}"
        )
    return min_approvals, upper


def validate_approval(
    choice: Collection[str],
    options: Sequence[str],
    min_approvals: int = 1,
    max_approvals: int | None = None,
) -> frozenset[str]:
    """Check one approval ballot and return the approved options as a frozenset.

    Raises ``InvalidBallot`` with code ``unknown_option`` (detail: ``options``), ``duplicate``
    (an option listed twice; detail: ``options``), ``too_few_approvals`` or
    ``too_many_approvals`` (detail: ``count`` and ``min`` or ``max``). ``max_approvals=None``
    allows every option.
    """
    known = _options(options)
    low, high = _approval_limits(known, min_approvals, max_approvals)
    approved = _choices(choice, "an approval")
    unknown = _sorted(option for option in approved if option not in known)
    if unknown:
        raise InvalidBallot(BallotError.UNKNOWN_OPTION, {"options": unknown})
    repeated = _repeated(approved)
    if repeated:
        raise InvalidBallot(BallotError.DUPLICATE, {"options": repeated})
    if len(approved) < low:
        raise InvalidBallot(BallotError.TOO_FEW_APPROVALS, {"count": len(approved), "min": low})
    if len(approved) > high:
        raise InvalidBallot(BallotError.TOO_MANY_APPROVALS, {"count": len(approved), "max": high})
    return frozenset(approved)


@dataclass(frozen=True)
class ApprovalBallot:
    """The options one voter approves of, with the weight of their vote."""

    approved: Collection[str]
    weight: Fraction = ONE

    def __post_init__(self) -> None:
        _choices(self.approved, "an approval")
        object.__setattr__(self, "weight", _weight(self.weight))


@dataclass(frozen=True)
class ApprovalResult:
    """The count of an approval vote.

    ``approvals`` maps every option (in the proposal's order) to the weight approving it.
    ``winners`` are the options with the top score (empty when nobody approved anything), and
    ``tie`` says there are several. ``winner`` is the one option elected: ``None`` on a tie, with
    no approvals, or when the quorum is missed.
    """

    approvals: dict[str, Fraction]
    ballot_count: int
    electorate_weight: Fraction
    participation_weight: Fraction
    turnout: Fraction
    quorum_weight: Fraction
    quorum_met: bool
    top_score: Fraction
    winners: tuple[str, ...]
    tie: bool
    winner: str | None
    outcome: Outcome


def tally_approval(
    ballots: Sequence[ApprovalBallot],
    options: Sequence[str],
    *,
    electorate_weight: Fraction,
    quorum: Fraction,
    min_approvals: int = 1,
    max_approvals: int | None = None,
) -> ApprovalResult:
    """Count an approval vote (Brams & Fishburn, "Approval Voting", American Political Science
    Review 72(3), 1978): each voter approves of any number of options, within
    ``min_approvals``..``max_approvals``; an option's score is the weight of the ballots that
    approve it; the option with the highest score wins. Several options sharing the highest score
    are a tie, reported with all of them in ``winners`` and no ``winner``; no tie-break is made.

    Every ballot counts for the quorum, an empty one (allowed when ``min_approvals`` is 0) too.
    Raises ``InvalidBallot`` for a ballot that ``validate_approval`` refuses.
    """
    known = _options(options)
    approvals = dict.fromkeys(known, ZERO)
    total = ZERO
    for ballot in ballots:
        weight = _weight(ballot.weight)
        for option in validate_approval(ballot.approved, known, min_approvals, max_approvals):
            approvals[option] += weight
        total += weight

    quorum_check = _check_quorum(
        electorate_weight=electorate_weight, quorum=quorum, participation_weight=total
    )
    top = max(approvals.values())
    winners = tuple(option for option in known if approvals[option] == top) if top else ()
    tie = len(winners) > 1

    if not quorum_check.met:
        outcome = Outcome.NO_QUORUM
    elif not winners:
        outcome = Outcome.NO_VOTES
    elif tie:
        outcome = Outcome.TIE
    else:
        outcome = Outcome.ELECTED

    return ApprovalResult(
        approvals=approvals,
        ballot_count=len(ballots),
        electorate_weight=quorum_check.electorate_weight,
        participation_weight=total,
        turnout=quorum_check.turnout,
        quorum_weight=quorum_check.quorum_weight,
        quorum_met=quorum_check.met,
        top_score=top,
        winners=winners,
        tie=tie,
        winner=winners[0] if outcome == Outcome.ELECTED else None,
        outcome=outcome,
    )
