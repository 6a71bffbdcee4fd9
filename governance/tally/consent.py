"""Consent (sociocracy)."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from fractions import Fraction

from governance.tally.common import (
    CONSENT,
    CONSENT_POSITIONS,
    ONE,
    STAND_ASIDE,
    ZERO,
    BallotError,
    InvalidBallot,
    Outcome,
    VoterId,
    _check_quorum,
    _repeated,
    _weight,
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
