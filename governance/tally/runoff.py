"""Ranked choice: instant run-off."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, replace
from fractions import Fraction

from governance.tally.common import (
    ONE,
    ZERO,
    BallotError,
    InvalidBallot,
    Outcome,
    TieBreak,
    _check_quorum,
    _choices,
    _options,
    _repeated,
    _sorted,
    _weight,
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


def _runoff_round(
    ranked: Sequence[tuple[tuple[str, ...], Fraction]], continuing: Sequence[str], number: int
) -> RunoffRound:
    """Every ranking counted for its highest option still in the race, or as exhausted."""
    in_race = set(continuing)
    counts = dict.fromkeys(continuing, ZERO)
    exhausted = ZERO
    for ranking, weight in ranked:
        top = next((option for option in ranking if option in in_race), None)
        if top is None:
            exhausted += weight
        else:
            counts[top] += weight
    return RunoffRound(
        number=number,
        counts=counts,
        exhausted=exhausted,
        continuing_weight=sum(counts.values(), ZERO),
    )


def _runoff_rounds(
    ranked: Sequence[tuple[tuple[str, ...], Fraction]], options: tuple[str, ...]
) -> tuple[list[RunoffRound], tuple[str, ...]]:
    """The rounds up to a majority, a tie or no votes at all, and the winners (none, one, or
    the options tied when eliminating them all would leave nothing)."""
    rounds: list[RunoffRound] = []
    continuing = list(options)
    while True:
        row = _runoff_round(ranked, continuing, len(rounds) + 1)
        if row.continuing_weight == 0:  # only in round 1: the options left always hold votes
            return [*rounds, row], ()
        counts = row.counts
        majority = tuple(o for o in continuing if 2 * counts[o] > row.continuing_weight)
        if majority:
            return [*rounds, row], majority
        eliminated, how, how_round = _last_place(continuing, counts, rounds)
        if len(eliminated) == len(continuing):
            return [*rounds, replace(row, tie_break=TieBreak.UNBROKEN)], eliminated
        rounds.append(replace(row, eliminated=eliminated, tie_break=how, tie_break_round=how_round))
        continuing = [option for option in continuing if option not in eliminated]


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

    rounds, winners = _runoff_rounds(ranked, known)

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
