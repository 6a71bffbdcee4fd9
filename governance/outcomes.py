"""How a decision's outcome reads, in the reader's language (the tally keeps only codes)."""

from __future__ import annotations

from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from governance.models import Decision
from governance.tally import Outcome

OUTCOME_LABELS = {
    Outcome.NO_QUORUM: gettext_lazy("Quorum not met"),
    Outcome.NO_VOTES: gettext_lazy("No votes"),
    Outcome.TIE: gettext_lazy("Tie"),
    Outcome.PASSED: gettext_lazy("Passed"),
    Outcome.REJECTED: gettext_lazy("Rejected"),
    Outcome.ELECTED: gettext_lazy("Chosen"),
    Outcome.OBJECTIONS_STAND: gettext_lazy("Objections stand"),
    Outcome.CONSENTED: gettext_lazy("Consented"),
}


def outcome_text(*, outcome: str, winner: str | None = None, winners: list | None = None) -> str:
    """ "Chosen: Garden", "Tie: A, B", "Passed" …"""
    if outcome == Outcome.ELECTED and winner:
        return _("Chosen: %(option)s") % {"option": winner}
    if outcome == Outcome.TIE and winners:
        return _("Tie: %(options)s") % {"options": ", ".join(winners)}
    label = OUTCOME_LABELS.get(outcome)
    return str(label) if label else outcome


def decision_outcome_text(decision: Decision) -> str:
    return outcome_text(
        outcome=decision.outcome,
        winner=decision.tally.get("winner"),
        winners=decision.tally.get("winners"),
    )
