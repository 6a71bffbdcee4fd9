"""Counting the votes on a proposal (DESIGN.md §3: Proposal, Ballot, Decision).

Pure and deterministic: plain dataclasses in, plain dataclasses out; no database, no clock, no
randomness, and no wording. Results carry machine-readable codes (``Outcome``,
``InvalidBallot.code``, ``TieBreak``) and exact numbers; the pages and the API turn them into
text in the reader's language.

Weights are ``fractions.Fraction``: when a household's vote is split equally among its adults, a
weight is 1/3 and three of them sum to exactly 1. ``int`` and ``Decimal`` are accepted and
converted exactly; ``float`` is refused, because it cannot hold 1/3.

Quorum, for every method: ``quorum`` is a share of the electorate's weight (0 for none), and

    quorum_met = participation_weight >= quorum * electorate_weight

where the participation weight is the weight of everyone who took part (for yes/no, optionally
without the abstentions). A result that misses the quorum is still counted in full, so that the
decision register can show it, but it never passes and never has a ``winner``.

Invalid input has two kinds of error. A ballot that a voter could have filled in wrongly raises
``InvalidBallot(code, detail)`` (a ``ValueError``); the service calls the ``validate_*`` function
before storing a ballot so this never reaches a tally. Wrong rules (a quorum above 1, no options,
a ``float`` weight) are programming errors and raise a plain ``ValueError`` or ``TypeError``.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Collection, Hashable, Iterable, Mapping, Sequence
from dataclasses import dataclass
from decimal import Decimal
from enum import StrEnum
from fractions import Fraction

__all__ = [
    "ABSTAIN",
    "CONSENT",
    "NO",
    "STAND_ASIDE",
    "YES",
    "ApprovalBallot",
    "ApprovalResult",
    "BallotError",
    "ConsentResponse",
    "ConsentResult",
    "InvalidBallot",
    "Objection",
    "Outcome",
    "RankedBallot",
    "RunoffResult",
    "RunoffRound",
    "TieBreak",
    "YesNoBallot",
    "YesNoResult",
    "YesNoRule",
    "consent_outcome",
    "objectors_to_reask",
    "tally_approval",
    "tally_instant_runoff",
    "tally_yes_no",
    "validate_approval",
    "validate_ranking",
    "validate_yes_no",
]

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


# --- Ranked choice: instant run-off ------------------------------------------------------------


def validate_ranking(
    ranking: Sequence[str] | Mapping[str, int], options: Sequence[str]
) -> tuple[str, ...]:
    """Check one ranking and return it as a tuple of options, most preferred first.

    A ranking is an ordered list, so it has no gaps by construction; it may be partial (the voter
    ranks only the options they care about) and may be empty (a blank ballot: it counts for the
    quorum and for nobody). It must list distinct known options: ``InvalidBallot`` with code
    ``unknown_option`` or ``duplicate`` (detail: ``options``).

    A mapping option → rank (1 = first) is also accepted: its ranks must be whole numbers that
    are exactly 1..k, codes ``invalid_rank`` (detail: ``ranks``), ``duplicate_rank`` (detail:
    ``ranks``) and ``gap`` (detail: ``missing_ranks``); it is converted to the ordered list.
    """
    known = _options(options)
    if isinstance(ranking, Mapping):
        unknown = _sorted(option for option in ranking if option not in known)
        if unknown:
            raise InvalidBallot(BallotError.UNKNOWN_OPTION, {"options": unknown})
        ranks = list(ranking.values())
        invalid = [r for r in ranks if isinstance(r, bool) or not isinstance(r, int) or r < 1]
        invalid = _sorted(invalid)
        if invalid:
            raise InvalidBallot(BallotError.INVALID_RANK, {"ranks": invalid})
        repeated = _repeated(ranks)
        if repeated:
            raise InvalidBallot(BallotError.DUPLICATE_RANK, {"ranks": repeated})
        missing = sorted(set(range(1, len(ranks) + 1)) - set(ranks))
        if missing:
            raise InvalidBallot(BallotError.GAP, {"missing_ranks": missing})
        return tuple(sorted(ranking, key=ranking.__getitem__))

    ordered = _choices(ranking, "a ranking")
    unknown = _sorted(option for option in ordered if option not in known)
    if unknown:
        raise InvalidBallot(BallotError.UNKNOWN_OPTION, {"options": unknown})
    repeated = _repeated(ordered)
    if repeated:
        raise InvalidBallot(BallotError.DUPLICATE, {"options": repeated})
    return ordered


@dataclass(frozen=True)
class RankedBallot:
    """One voter's ranking (most preferred first, or a mapping option → rank), with the weight
    of their vote."""

    ranking: Sequence[str] | Mapping[str, int]
    weight: Fraction = ONE

    def __post_init__(self) -> None:
        object.__setattr__(self, "weight", _weight(self.weight))


@dataclass(frozen=True)
class RunoffRound:
    """One row of the run-off table.

    ``counts``: the options still in the race at the start of the round (in the proposal's
    order) and the weight of the ballots counted for each. ``exhausted``: the weight of ranked
    ballots none of whose options is still in the race, since round 1 (cumulative; blank ballots
    are not in it). ``continuing_weight`` = sum of ``counts``. ``eliminated``: the options that
    leave after this round (empty in the last round). ``tie_break`` says how a tie for last
    place was settled, and ``tie_break_round`` which round's counts settled it.
    """

    number: int
    counts: dict[str, Fraction]
    exhausted: Fraction
    continuing_weight: Fraction
    eliminated: tuple[str, ...] = ()
    tie_break: TieBreak | None = None
    tie_break_round: int | None = None


@dataclass(frozen=True)
class RunoffResult:
    """The count of an instant run-off, round by round.

    ``winners`` is the option with a majority of the continuing weight in the last round, or the
    options tied at the end; ``tie`` says there are several. ``winner`` is the option elected:
    ``None`` on a tie, with no votes, or when the quorum is missed. ``blank_weight`` is the weight
    of empty rankings (counted for the quorum only).
    """

    options: tuple[str, ...]
    rounds: tuple[RunoffRound, ...]
    ballot_count: int
    blank_weight: Fraction
    electorate_weight: Fraction
    participation_weight: Fraction
    turnout: Fraction
    quorum_weight: Fraction
    quorum_met: bool
    winners: tuple[str, ...]
    tie: bool
    winner: str | None
    outcome: Outcome

    @property
    def final_round(self) -> RunoffRound:
        return self.rounds[-1]


def _last_place(
    continuing: list[str], counts: Mapping[str, Fraction], earlier: Sequence[RunoffRound]
) -> tuple[tuple[str, ...], TieBreak | None, int | None]:
    """The options to eliminate after a round without a majority, and how a tie was broken.

    The fewest votes go. Among several tied for last, the fewest first preferences (round 1) go;
    if still tied, the earlier rounds are looked at in order, round 2, 3, … up to the previous
    one, each time keeping only those with the fewest votes in that round, until one is left.
    Options still tied after every earlier round go together (``ELIMINATED_TOGETHER``); the
    caller turns that into a tie when they are all that is left.
    """
    fewest = min(counts[option] for option in continuing)
    tied = [option for option in continuing if counts[option] == fewest]
    if len(tied) == 1:
        return tuple(tied), None, None
    for past in earlier:
        # Every option still in the race was in the race, and counted, in every earlier round.
        past_fewest = min(past.counts[option] for option in tied)
        tied = [option for option in tied if past.counts[option] == past_fewest]
        if len(tied) == 1:
            how = TieBreak.FIRST_PREFERENCES if past.number == 1 else TieBreak.EARLIER_ROUND
            return tuple(tied), how, past.number
    return tuple(tied), TieBreak.ELIMINATED_TOGETHER, None


def tally_instant_runoff(
    ballots: Sequence[RankedBallot],
    options: Sequence[str],
    *,
    electorate_weight: Fraction,
    quorum: Fraction,
) -> RunoffResult:
    """Count a ranked-choice vote by instant run-off (the alternative vote).

    Each round counts every ballot for its highest-ranked option still in the race; a ballot
    with none left is exhausted and no longer counts. An option with *more than half* of the
    continuing (non-exhausted) weight wins. Otherwise the option with the fewest votes is
    eliminated and the next round is counted. Ties for last place are broken by the fewest
    first preferences (round 1), then by the fewest votes in the earliest later round where the
    tied options differ (looking back over earlier rounds, not by lot). Options still tied go
    together, unless that would eliminate every option left: then the result is a tie among
    them (``tie=True``, ``winners`` = those options, ``TieBreak.UNBROKEN`` on the last round).

    Options with no vote at all in round 1 are tied for last with no earlier round to look at,
    so they go together in round 1 (unless nobody ranked anything: outcome ``no_votes``).

    Every ballot counts for the quorum, a blank one too. Raises ``InvalidBallot`` for a ranking
    that ``validate_ranking`` refuses.
    """
    known = _options(options)
    ranked: list[tuple[tuple[str, ...], Fraction]] = []
    total = blank = ZERO
    for ballot in ballots:
        ranking = validate_ranking(ballot.ranking, known)
        weight = _weight(ballot.weight)
        total += weight
        if ranking:
            ranked.append((ranking, weight))
        else:
            blank += weight

    rounds: list[RunoffRound] = []
    continuing = list(known)
    winners: tuple[str, ...]
    while True:
        in_race = set(continuing)
        counts = dict.fromkeys(continuing, ZERO)
        exhausted = ZERO
        for ranking, weight in ranked:
            top = next((option for option in ranking if option in in_race), None)
            if top is None:
                exhausted += weight
            else:
                counts[top] += weight
        continuing_weight = sum(counts.values(), ZERO)
        row = RunoffRound(
            number=len(rounds) + 1,
            counts=counts,
            exhausted=exhausted,
            continuing_weight=continuing_weight,
        )
        if continuing_weight == 0:  # only in round 1: the options left always hold some votes
            rounds.append(row)
            winners = ()
            break
        majority = tuple(option for option in continuing if 2 * counts[option] > continuing_weight)
        if majority:
            rounds.append(row)
            winners = majority
            break
        eliminated, how, how_round = _last_place(continuing, counts, rounds)
        if len(eliminated) == len(continuing):
            rounds.append(
                RunoffRound(
                    number=row.number,
                    counts=counts,
                    exhausted=exhausted,
                    continuing_weight=continuing_weight,
                    tie_break=TieBreak.UNBROKEN,
                )
            )
            winners = eliminated
            break
        rounds.append(
            RunoffRound(
                number=row.number,
                counts=counts,
                exhausted=exhausted,
                continuing_weight=continuing_weight,
                eliminated=eliminated,
                tie_break=how,
                tie_break_round=how_round,
            )
        )
        continuing = [option for option in continuing if option not in eliminated]

    quorum_check = _check_quorum(
        electorate_weight=electorate_weight, quorum=quorum, participation_weight=total
    )
    tie = len(winners) > 1
    if not quorum_check.met:
        outcome = Outcome.NO_QUORUM
    elif not winners:
        outcome = Outcome.NO_VOTES
    elif tie:
        outcome = Outcome.TIE
    else:
        outcome = Outcome.ELECTED

    return RunoffResult(
        options=known,
        rounds=tuple(rounds),
        ballot_count=len(ballots),
        blank_weight=blank,
        electorate_weight=quorum_check.electorate_weight,
        participation_weight=total,
        turnout=quorum_check.turnout,
        quorum_weight=quorum_check.quorum_weight,
        quorum_met=quorum_check.met,
        winners=winners,
        tie=tie,
        winner=winners[0] if outcome == Outcome.ELECTED else None,
        outcome=outcome,
    )


# --- Consent (sociocracy) ------------------------------------------------------------------------


@dataclass(frozen=True)
class Objection:
    """A reasoned objection to a proposal in a consent round.

    It *stands* until it is ``resolved``: the proposal was amended and the objector consented to
    the amended version. ``addressed`` marks an objection that an amendment was made to meet,
    whose objector has not answered yet: it still stands, and its objector is asked again.
    One voter may raise several objections; they then carry the same weight.
    """

    voter_id: VoterId
    reason: str
    resolved: bool = False
    addressed: bool = False
    weight: Fraction = ONE

    def __post_init__(self) -> None:
        if not self.reason or not self.reason.strip():
            raise InvalidBallot(BallotError.MISSING_REASON, {"voter_id": self.voter_id})
        object.__setattr__(self, "weight", _weight(self.weight))

    @property
    def stands(self) -> bool:
        return not self.resolved


@dataclass(frozen=True)
class ConsentResponse:
    """A participant's position on the current version: ``"consent"`` or ``"stand_aside"``
    (does not support it, does not block it). Objections are ``Objection`` records."""

    voter_id: VoterId
    position: str
    weight: Fraction = ONE

    def __post_init__(self) -> None:
        if self.position not in CONSENT_POSITIONS:
            raise InvalidBallot(BallotError.UNKNOWN_CHOICE, {"choice": self.position})
        object.__setattr__(self, "weight", _weight(self.weight))


@dataclass(frozen=True)
class ConsentResult:
    """Where a consent decision stands.

    Weights count each participant once: ``consent_weight`` includes the objectors whose every
    objection is resolved, ``objection_weight`` the objectors with an objection standing.
    ``objectors`` are the voters with a standing objection, ``to_reask`` those whose objection an
    amendment addressed (see ``objectors_to_reask``); both in the order of the objections.
    ``passed`` needs the quorum, at least one participant, and no standing objection.
    """

    consent_weight: Fraction
    stand_aside_weight: Fraction
    objection_weight: Fraction
    electorate_weight: Fraction
    participation_weight: Fraction
    turnout: Fraction
    quorum_weight: Fraction
    quorum_met: bool
    standing_objections: tuple[Objection, ...]
    objectors: tuple[VoterId, ...]
    to_reask: tuple[VoterId, ...]
    resolved_objections: tuple[Objection, ...]
    passed: bool
    outcome: Outcome


def _unique(voter_ids: Iterable[VoterId]) -> tuple[VoterId, ...]:
    return tuple(dict.fromkeys(voter_ids))


def objectors_to_reask(objections: Sequence[Objection]) -> list[VoterId]:
    """The voters to ask again after an amendment: those with an objection the amendment
    addressed and that is not yet resolved, each once, in the order of the objections.

    Nobody else is asked again: consenting and standing-aside participants keep their position,
    an objector whose objection was not addressed still objects, and an objector whose objection
    is resolved has already consented to the amended version.
    """
    return list(_unique(o.voter_id for o in objections if o.addressed and not o.resolved))


def consent_outcome(
    objections: Sequence[Objection],
    *,
    responses: Sequence[ConsentResponse] = (),
    electorate_weight: Fraction,
    quorum: Fraction,
) -> ConsentResult:
    """The state of a sociocratic consent decision.

    Consent is a process, not a count (Rau & Koch-Gonzalez, "Many Voices One Song: Shared Power
    with Sociocracy", 2018, on consent rounds and objections): the proposal passes when no
    reasoned objection stands, not when a share of votes is reached. An objection is met by
    amending the proposal and asking its objector again; it is resolved when they consent.

    Each participant's position: *objects* if any of their objections stands; otherwise their
    response (consent or stand aside); otherwise, with only resolved objections, *consents*.
    A voter with a standing objection who also answered, a voter who answered twice, or one
    voter's objections with different weights are contradictory input (``ValueError``).

    Passes when the quorum is met (every participant counts, stand-asides too), someone took part,
    and no objection stands.
    """
    objection_weights: dict[VoterId, Fraction] = {}
    for objection in objections:
        weight = _weight(objection.weight)
        if objection_weights.setdefault(objection.voter_id, weight) != weight:
            raise ValueError(f"voter {objection.voter_id!r}'s objections have different weights")
    standing = tuple(o for o in objections if o.stands)
    objectors = _unique(o.voter_id for o in standing)

    repeated = _repeated(r.voter_id for r in responses)
    if repeated:
        raise ValueError(f"voters answered more than once: {repeated}")
    contradicting = [r.voter_id for r in responses if r.voter_id in objectors]
    if contradicting:
        raise ValueError(f"voters answered while their objection stands: {contradicting}")

    # An objector whose every objection is resolved, and who gave no other answer, consents.
    answered = {r.voter_id for r in responses}
    still_objecting = set(objectors)
    consented_by_resolution = [
        weight
        for voter, weight in objection_weights.items()
        if voter not in still_objecting and voter not in answered
    ]
    consent = sum((r.weight for r in responses if r.position == CONSENT), ZERO)
    consent += sum(consented_by_resolution, ZERO)
    stand_aside = sum((r.weight for r in responses if r.position == STAND_ASIDE), ZERO)
    objecting = sum((objection_weights[voter] for voter in objectors), ZERO)
    participation = consent + stand_aside + objecting

    quorum_check = _check_quorum(
        electorate_weight=electorate_weight, quorum=quorum, participation_weight=participation
    )
    if not quorum_check.met:
        outcome = Outcome.NO_QUORUM
    elif participation == 0:
        outcome = Outcome.NO_VOTES
    elif standing:
        outcome = Outcome.OBJECTIONS_STAND
    else:
        outcome = Outcome.CONSENTED

    return ConsentResult(
        consent_weight=consent,
        stand_aside_weight=stand_aside,
        objection_weight=objecting,
        electorate_weight=quorum_check.electorate_weight,
        participation_weight=participation,
        turnout=quorum_check.turnout,
        quorum_weight=quorum_check.quorum_weight,
        quorum_met=quorum_check.met,
        standing_objections=standing,
        objectors=objectors,
        to_reask=tuple(objectors_to_reask(objections)),
        resolved_objections=tuple(o for o in objections if o.resolved),
        passed=outcome == Outcome.CONSENTED,
        outcome=outcome,
    )
