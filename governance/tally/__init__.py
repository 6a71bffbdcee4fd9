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

from governance.tally.approval import (
    ApprovalBallot,
    ApprovalResult,
    tally_approval,
    validate_approval,
)
from governance.tally.common import (
    ABSTAIN,
    CONSENT,
    CONSENT_POSITIONS,
    NO,
    STAND_ASIDE,
    YES,
    BallotError,
    InvalidBallot,
    Outcome,
    TieBreak,
)
from governance.tally.consent import (
    ConsentResponse,
    ConsentResult,
    Objection,
    consent_outcome,
    objectors_to_reask,
)
from governance.tally.runoff import (
    RankedBallot,
    RunoffResult,
    RunoffRound,
    tally_instant_runoff,
    validate_ranking,
)
from governance.tally.yes_no import (
    YesNoBallot,
    YesNoResult,
    YesNoRule,
    tally_yes_no,
    validate_yes_no,
)

__all__ = [
    "ABSTAIN",
    "CONSENT",
    "CONSENT_POSITIONS",
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
