"""How a vote's rules, ballots and count read on a page, in the reader's language.

The tally keeps exact fractions as strings ("2/3", governance/rules.py); pages show them as
numbers and percentages, rounded only here, for the eye. Every figure a chart draws is also in a
table beside it, so nothing is said by the bars alone.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from fractions import Fraction
from typing import Any

from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from common.display import as_fraction, number_text, percent_text
from governance.models import Electorate, VotingMethod
from governance.tally import TieBreak

CHOICE_LABELS = {
    "yes": gettext_lazy("Yes"),
    "no": gettext_lazy("No"),
    "abstain": gettext_lazy("Abstain"),
    "consent": gettext_lazy("Consent"),
    "stand_aside": gettext_lazy("Stand aside"),
    "object": gettext_lazy("Object"),
}
YES_NO_ORDER = ("yes", "no", "abstain")
CONSENT_ORDER = ("consent", "stand_aside", "object")


def share_text(value: object) -> str:
    """An exact share and its percentage: "2/3 (66.7%)", "2/3 (66,7 %)"."""
    share = as_fraction(value)
    exact = (
        str(share.numerator) if share.denominator == 1 else f"{share.numerator}/{share.denominator}"
    )
    return f"{exact} ({percent_text(share)})"


def choice_label(choice: str) -> str:
    return str(CHOICE_LABELS.get(choice, choice))


def choice_text(method: str, choice: Any) -> str:
    """One ballot's choice in words: "Yes", "Garden, Bikes", "1. A · 2. B", "Stand aside"."""
    if method == VotingMethod.APPROVAL:
        return ", ".join(map(str, choice or ())) or _("nothing approved")
    if method == VotingMethod.RANKED:
        if isinstance(choice, Mapping):
            choice = sorted(choice, key=choice.__getitem__)
        ranked = [f"{rank}. {option}" for rank, option in enumerate(choice or (), start=1)]
        return " · ".join(ranked) or _("blank (nothing ranked)")
    return choice_label(str(choice))


def rules_facts(rules: Mapping[str, Any]) -> list[tuple[str, str]]:
    """The rules of a vote in words, as (term, description) pairs."""
    method = rules["method"]
    quorum = as_fraction(rules.get("quorum"))
    facts = [
        (_("Decision class"), str(rules.get("decision_class", ""))),
        (_("Voting method"), str(VotingMethod(method).label)),
        (_("Who votes"), str(Electorate(rules["electorate"]).label)),
        (
            _("Quorum"),
            _("No quorum")
            if quorum == 0
            else _("%(share)s of the electorate must take part") % {"share": share_text(quorum)},
        ),
    ]
    if method == VotingMethod.YES_NO:
        wording = (
            _("At least %(share)s of the yes and no votes")
            if rules.get("threshold_inclusive")
            else _("More than %(share)s of the yes and no votes")
        )
        facts.append((_("To pass"), wording % {"share": share_text(rules.get("threshold"))}))
        facts.append(
            (
                _("Abstentions"),
                _("Count towards the quorum")
                if rules.get("abstentions_count_for_quorum")
                else _("Do not count towards the quorum"),
            )
        )
    elif method == VotingMethod.APPROVAL:
        facts.append((_("To win"), _("The option approved by the most voters")))
    elif method == VotingMethod.RANKED:
        facts.append(
            (
                _("To win"),
                _(
                    "More than half of the ballots still counting; the last option is eliminated "
                    "round by round and its ballots go to their next choice"
                ),
            )
        )
    else:
        facts.append(
            (
                _("To pass"),
                _("No objection stands: objections are met by amending the proposal"),
            )
        )
    facts.append(
        (
            _("Ballot"),
            _("Secret: nobody sees who voted what; each voter gets a receipt code")
            if rules.get("secret")
            else _("Open: who voted what is shown after the close"),
        )
    )
    if rules.get("review_months"):
        facts.append(
            (
                _("Review"),
                _("The decision is reviewed after %(months)s months")
                % {"months": rules["review_months"]},
            )
        )
    return facts


@dataclass(frozen=True)
class ResultRow:
    """One bar of the chart and one row of the table: the same numbers."""

    key: str
    label: str
    weight: str
    percent: str
    width: float  # 0..100, the bar's length
    leading: bool = False


def _rows(
    counts: Mapping[str, Any], order: Sequence[str], base: Fraction, leading: set[str]
) -> list[ResultRow]:
    rows = []
    for key in order:
        weight = as_fraction(counts.get(key, 0))
        share = weight / base if base else Fraction(0)
        rows.append(
            ResultRow(
                key=key,
                label=choice_label(key),
                weight=number_text(weight),
                percent=percent_text(share),
                width=min(float(share * 100), 100.0),
                leading=key in leading,
            )
        )
    return rows


@dataclass(frozen=True)
class ResultTable:
    """The rows with what their percentages are of, for the table's caption."""

    rows: list[ResultRow]
    base_label: str
    base: str


def result_table(tally: Mapping[str, Any], options: Sequence[str]) -> ResultTable:
    """The count as rows. Percentages are of: all ballots (yes/no, consent), the voters
    (approval: each may approve several options), the ballots still counting in the last round
    (ranked choice)."""
    method = tally["method"]
    counts = tally.get("counts") or {}
    winners = set(tally.get("winners") or ([tally["winner"]] if tally.get("winner") else []))
    if method == VotingMethod.YES_NO:
        base = sum((as_fraction(v) for v in counts.values()), Fraction(0))
        return ResultTable(
            _rows(counts, YES_NO_ORDER, base, set()), _("of the ballots cast"), number_text(base)
        )
    if method == VotingMethod.CONSENT:
        base = sum((as_fraction(v) for v in counts.values()), Fraction(0))
        return ResultTable(
            _rows(counts, CONSENT_ORDER, base, set()),
            _("of the positions given"),
            number_text(base),
        )
    if method == VotingMethod.APPROVAL:
        base = as_fraction(tally.get("participation_weight"))
        order = [o for o in options if o in counts] or list(counts)
        return ResultTable(
            _rows(counts, order, base, winners), _("of the voters"), number_text(base)
        )
    rounds = tally.get("rounds") or []
    base = as_fraction(rounds[-1]["continuing_weight"]) if rounds else Fraction(0)
    order = [o for o in options if o in counts] or list(counts)
    return ResultTable(
        _rows(counts, order, base, winners),
        _("of the ballots still counting in the last round"),
        number_text(base),
    )


@dataclass
class RoundRow:
    label: str
    cells: list[str] = field(default_factory=list)  # "" once the option is out
    eliminated_in: int | None = None


@dataclass
class RoundTable:
    numbers: list[int]
    rows: list[RoundRow]
    exhausted: list[str]
    continuing: list[str]
    notes: list[str]


TIE_BREAK_TEXT = {
    TieBreak.FIRST_PREFERENCES: gettext_lazy(
        "Round %(number)s: a tie for last place, settled by the fewest first preferences."
    ),
    TieBreak.EARLIER_ROUND: gettext_lazy(
        "Round %(number)s: a tie for last place, settled by the counts of round %(round)s."
    ),
    TieBreak.ELIMINATED_TOGETHER: gettext_lazy(
        "Round %(number)s: a tie for last place that nothing settles; the tied options leave "
        "together."
    ),
    TieBreak.UNBROKEN: gettext_lazy(
        "Round %(number)s: the options left are tied and nothing settles it: the result is a tie."
    ),
}


def round_table(tally: Mapping[str, Any], options: Sequence[str]) -> RoundTable | None:
    """An instant run-off, round by round: each option's count until it leaves, the ballots
    exhausted, and how ties for last place were settled."""
    rounds = tally.get("rounds")
    if not rounds:
        return None
    rows = []
    for option in options:
        row = RoundRow(label=option)
        for data in rounds:
            counts = data.get("counts") or {}
            row.cells.append(number_text(counts[option]) if option in counts else "")
            if option in (data.get("eliminated") or ()) and row.eliminated_in is None:
                row.eliminated_in = data["number"]
        rows.append(row)
    notes = []
    for data in rounds:
        how = data.get("tie_break")
        if how in TIE_BREAK_TEXT:
            notes.append(
                str(TIE_BREAK_TEXT[how])
                % {"number": data["number"], "round": data.get("tie_break_round") or ""}
            )
    return RoundTable(
        numbers=[data["number"] for data in rounds],
        rows=rows,
        exhausted=[number_text(data.get("exhausted", 0)) for data in rounds],
        continuing=[number_text(data.get("continuing_weight", 0)) for data in rounds],
        notes=notes,
    )


@dataclass(frozen=True)
class QuorumSummary:
    quorum: str
    needed: str
    took_part: str
    electorate: str
    turnout: str
    met: bool


def quorum_summary(tally: Mapping[str, Any], rules: Mapping[str, Any]) -> QuorumSummary:
    quorum = as_fraction(rules.get("quorum"))
    return QuorumSummary(
        quorum=share_text(quorum) if quorum else _("none"),
        needed=number_text(tally.get("quorum_weight")),
        took_part=number_text(tally.get("participation_weight")),
        electorate=number_text(tally.get("electorate_weight")),
        turnout=percent_text(tally.get("turnout")),
        met=bool(tally.get("quorum_met")),
    )


@dataclass(frozen=True)
class ThresholdSummary:
    threshold: str
    share: str
    reached: bool
    inclusive: bool


def threshold_summary(
    tally: Mapping[str, Any], rules: Mapping[str, Any]
) -> ThresholdSummary | None:
    """Yes/no only: the yes share of the yes and no votes against the pass threshold."""
    if tally.get("method") != VotingMethod.YES_NO:
        return None
    return ThresholdSummary(
        threshold=share_text(rules.get("threshold")),
        share="—" if tally.get("yes_share") is None else percent_text(tally["yes_share"]),
        reached=bool(tally.get("majority_reached")),
        inclusive=bool(rules.get("threshold_inclusive")),
    )


__all__ = [
    "CHOICE_LABELS",
    "QuorumSummary",
    "ResultRow",
    "ResultTable",
    "RoundTable",
    "choice_label",
    "choice_text",
    "number_text",
    "percent_text",
    "quorum_summary",
    "result_table",
    "round_table",
    "rules_facts",
    "share_text",
    "threshold_summary",
]
