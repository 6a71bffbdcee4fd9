"""What every count shares: exact weights and shares, options, outcomes, the quorum."""

from __future__ import annotations

from collections import Counter
from collections.abc import Hashable, Iterable, Mapping, Sequence
from dataclasses import dataclass
from decimal import Decimal
from enum import StrEnum
from fractions import Fraction

VoterId = Hashable

ZERO = Fraction(0)
ONE = Fraction(1)
HALF = Fraction(1, 2)

YES = "yes"
NO = "no"
ABSTAIN = "abstain"
YES_NO_CHOICES = (YES, NO, ABSTAIN)

CONSENT = "consent"
STAND_ASIDE = "stand_aside"
CONSENT_POSITIONS = (CONSENT, STAND_ASIDE)


class BallotError(StrEnum):
    """Why a ballot is invalid: the ``code`` of an ``InvalidBallot``."""

    UNKNOWN_CHOICE = "unknown_choice"  # yes/no: not one of yes, no, abstain
    UNKNOWN_OPTION = "unknown_option"  # approval, ranking: not one of the proposal's options
    DUPLICATE = "duplicate"  # approval, ranking: an option listed twice
    TOO_FEW_APPROVALS = "too_few_approvals"
    TOO_MANY_APPROVALS = "too_many_approvals"
    INVALID_RANK = "invalid_rank"  # rank mapping: a rank that is not a whole number >= 1
    DUPLICATE_RANK = "duplicate_rank"  # rank mapping: two options with the same rank
    GAP = "gap"  # rank mapping: ranks are not exactly 1..k
    MISSING_REASON = "missing_reason"  # consent: an objection must give its reason


class InvalidBallot(ValueError):
    """A ballot the rules do not allow.

    ``code`` is a ``BallotError`` (compares equal to its string, e.g. ``"duplicate"``);
    ``detail`` holds machine-readable facts for the message (the offending options, the count
    and the limit, …). No text here is meant for the voter: the caller words it.
    """

    def __init__(self, code: str, detail: Mapping[str, object] | None = None) -> None:
        self.code = BallotError(code)
        self.detail: dict[str, object] = dict(detail or {})
        super().__init__(self.code.value, self.detail)


class Outcome(StrEnum):
    """What a count decided, for the decision register."""

    NO_QUORUM = "no_quorum"  # participation below the quorum: nothing is decided
    NO_VOTES = "no_votes"  # nobody voted yes or no / approved or ranked anything / took part
    TIE = "tie"  # the top is shared (yes == no, or several options)
    PASSED = "passed"  # yes/no: the threshold is reached
    REJECTED = "rejected"  # yes/no: the threshold is not reached
    ELECTED = "elected"  # approval, instant run-off: one option wins
    OBJECTIONS_STAND = "objections_stand"  # consent: at least one objection is unresolved
    CONSENTED = "consented"  # consent: no objection stands


class TieBreak(StrEnum):
    """How an instant run-off round chose whom to eliminate among those tied for last place."""

    FIRST_PREFERENCES = "first_preferences"  # fewest first preferences (round 1)
    EARLIER_ROUND = "earlier_round"  # fewest votes in the earliest later round where they differ
    ELIMINATED_TOGETHER = "eliminated_together"  # still tied: all of them go
    UNBROKEN = "unbroken"  # still tied and they are all that is left: the result is a tie


# --- Shared checks ---------------------------------------------------------------------------


def _exact(value: object, name: str) -> Fraction:
    """``value`` as an exact Fraction; floats are refused because they cannot hold 1/3."""
    if isinstance(value, bool) or not isinstance(value, int | Fraction | Decimal):
        raise TypeError(f"{name} must be an int, Fraction or Decimal, not {type(value).__name__}")
    return Fraction(value)


def _weight(value: object, name: str = "weight") -> Fraction:
    weight = _exact(value, name)
    if weight <= 0:
        raise ValueError(f"{name} must be positive, got {weight}")
    return weight


def _share(value: object, name: str) -> Fraction:
    share = _exact(value, name)
    if not ZERO <= share <= ONE:
        raise ValueError(f"{name} must be between 0 and 1, got {share}")
    return share


def _options(options: Sequence[str]) -> tuple[str, ...]:
    if isinstance(options, str):
        raise TypeError("options must be a sequence of option names, not a string")
    result = tuple(options)
    if not result:
        raise ValueError("a proposal needs at least one option")
    if not all(isinstance(option, str) for option in result):
        raise TypeError("option names must be strings")
    if len(set(result)) != len(result):
        raise ValueError(f"options must be distinct, got {list(result)}")
    return result


def _choices(choice: object, what: str) -> tuple[str, ...]:
    if isinstance(choice, str | bytes) or not isinstance(choice, Iterable):
        raise TypeError(f"{what} must be a collection of option names, not {type(choice).__name__}")
    return tuple(choice)


def _repeated(items: Iterable[Hashable]) -> list:
    """The items that occur more than once, sorted (so that the detail is deterministic)."""
    return _sorted(item for item, count in Counter(items).items() if count > 1)


def _sorted(items: Iterable[object]) -> list:
    """``items`` without repeats in a fixed order, whatever the order of a set they came from
    (by ``repr``, so that unhashable junk from a JSON body can be reported too)."""
    unique = {repr(item): item for item in items}
    return [unique[key] for key in sorted(unique)]


@dataclass(frozen=True)
class _Quorum:
    electorate_weight: Fraction
    participation_weight: Fraction
    quorum_weight: Fraction
    met: bool
    turnout: Fraction


def _check_quorum(
    *, electorate_weight: object, quorum: object, participation_weight: Fraction
) -> _Quorum:
    electorate = _weight(electorate_weight, "electorate_weight")
    quorum_weight = _share(quorum, "quorum") * electorate
    return _Quorum(
        electorate_weight=electorate,
        participation_weight=participation_weight,
        quorum_weight=quorum_weight,
        met=participation_weight >= quorum_weight,
        turnout=participation_weight / electorate,
    )
