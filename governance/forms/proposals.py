"""Forms of the voting pages. They validate the input's shape; the services judge the ballot.

Every ballot form hands the service its ``choice`` in the service's own terms (governance/
services/ballots.py) and takes the service's ``choice`` and ``reason`` errors on its fields, so
"two options share a rank" or "approve at least one option" shows where the voter answered.
Plain form controls only: radios, checkboxes and one labelled select per option for a ranking,
grouped in a fieldset with a legend, so that a keyboard and a screen reader do everything.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from django import forms
from django.core.exceptions import ValidationError
from django.utils.translation import gettext_lazy as _

from community.bookings.forms.bookings import LocalDateTimeField
from governance.models import (
    AgendaItem,
    DecisionClass,
    Meeting,
    Objection,
    Proposal,
    VotingMethod,
)
from governance.proposal_display import CHOICE_LABELS, CONSENT_ORDER, YES_NO_ORDER
from members.models import Resident

# --- Ballots ----------------------------------------------------------------------------------


def _resident_label(resident: Resident) -> str:
    return _("%(name)s (unit %(unit)s)") % {
        "name": resident.full_name,
        "unit": resident.household.unit_label,
    }


class BallotForm(forms.Form):
    """What every ballot form shares: the proposal, and, on a paper ballot, whose it is."""

    legend = _("Your vote")

    def __init__(
        self,
        *args: Any,
        proposal: Proposal,
        paper_residents: Any = None,
        label: str | None = None,
        **kwargs: Any,
    ) -> None:
        super().__init__(*args, **kwargs)
        self.proposal = proposal
        if label:  # "On behalf of …", "Paper ballot": the legend says whose ballot it is
            self.legend = label
            if "choice" in self.fields:
                self.fields["choice"].label = label
        if paper_residents is not None:
            resident = forms.ModelChoiceField(
                label=_("Resident"), queryset=paper_residents, empty_label=_("Choose…")
            )
            resident.label_from_instance = _resident_label
            self.fields = {"resident": resident, **self.fields}

    @property
    def choice_errors(self) -> Any:
        """The errors about the ballot as a whole (the service's ``choice`` errors)."""
        return self.errors.get("choice", self.error_class())

    def ballot(self) -> Any:
        return self.cleaned_data["choice"]

    def reason_text(self) -> str:
        return ""


class YesNoBallotForm(BallotForm):
    choice = forms.ChoiceField(
        label=_("Your vote"),
        choices=[(key, CHOICE_LABELS[key]) for key in YES_NO_ORDER],
        widget=forms.RadioSelect,
        # The ballot's section heading says "Your vote" already: one heading per section.
        template_name="governance/forms/ballot_choices.html",
    )


class ApprovalBallotForm(BallotForm):
    choice = forms.MultipleChoiceField(
        label=_("The options you approve"),
        required=False,  # none at all is the service's to refuse, with the limits in its words
        widget=forms.CheckboxSelectMultiple,
    )

    def __init__(self, *args: Any, proposal: Proposal, **kwargs: Any) -> None:
        super().__init__(*args, proposal=proposal, **kwargs)
        field = self.fields["choice"]
        field.choices = [(option, option) for option in proposal.options]
        most = proposal.max_approvals or len(proposal.options)
        if proposal.min_approvals == most:
            field.help_text = _("Tick exactly %(count)s.") % {"count": most}
        else:
            field.help_text = _("Tick at least %(min)s and at most %(max)s.") % {
                "min": proposal.min_approvals,
                "max": most,
            }


NOT_RANKED = ""


class RankedBallotForm(BallotForm):
    """One select per option, 1 to n or "not ranked": no dragging, every option labelled."""

    legend = _("Rank the options")
    help_text = _(
        "Give 1 to your first choice, 2 to your next, and so on. Leave an option “not ranked” if "
        "you would not choose it: your ballot then stops counting once the options you ranked "
        "are out."
    )

    def __init__(self, *args: Any, proposal: Proposal, **kwargs: Any) -> None:
        super().__init__(*args, proposal=proposal, **kwargs)
        if kwargs.get("label"):
            self.legend = _("%(whose)s: rank the options") % {"whose": kwargs["label"]}
        ranks = [(NOT_RANKED, _("Not ranked"))] + [
            (str(rank), str(rank)) for rank in range(1, len(proposal.options) + 1)
        ]
        for index, option in enumerate(proposal.options):
            self.fields[self.rank_name(index)] = forms.TypedChoiceField(
                label=option, choices=ranks, coerce=int, empty_value=None, required=False
            )

    @staticmethod
    def rank_name(index: int) -> str:
        return f"rank_{index}"

    def rank_fields(self) -> list[forms.BoundField]:
        return [self[self.rank_name(i)] for i in range(len(self.proposal.options))]

    def ranks(self) -> dict[str, int]:
        return {
            option: self.cleaned_data[self.rank_name(index)]
            for index, option in enumerate(self.proposal.options)
            if self.cleaned_data.get(self.rank_name(index)) is not None
        }

    def ballot(self) -> dict[str, int]:
        return self.ranks()

    def add_error(self, field: str | None, error: Any) -> None:
        super().add_error(field, error)
        # Two options with the same rank: both selects are marked invalid for screen readers.
        codes = {
            e.code for e in getattr(error, "error_list", error if isinstance(error, list) else [])
        }
        if "duplicate_rank" in codes:
            for name in self.shared_ranks():
                self.fields[name].widget.attrs["aria-invalid"] = "true"

    @property
    def choice_errors(self) -> Any:
        # The ranking has no field of its own: the service's ``choice`` errors land among the
        # form's errors, and the page shows them at the top of the ranking's fieldset.
        return self.non_field_errors()

    def shared_ranks(self) -> set[str]:
        """The selects whose rank another option also has: marked invalid on the page."""
        if not self.is_bound or not hasattr(self, "cleaned_data"):
            return set()
        seen: dict[int, list[str]] = {}
        for index in range(len(self.proposal.options)):
            rank = self.cleaned_data.get(self.rank_name(index))
            if rank is not None:
                seen.setdefault(rank, []).append(self.rank_name(index))
        return {name for names in seen.values() if len(names) > 1 for name in names}


class ConsentBallotForm(BallotForm):
    legend = _("Your position")
    choice = forms.ChoiceField(
        label=_("Your position"),
        choices=[(key, CHOICE_LABELS[key]) for key in CONSENT_ORDER],
        widget=forms.RadioSelect,
    )
    reason = forms.CharField(
        label=_("Reason for your objection"),
        required=False,
        max_length=4000,
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text=_(
            "Needed if you object: what harm would the proposal do, and what would meet it?"
        ),
    )

    def reason_text(self) -> str:
        return self.cleaned_data.get("reason", "")


BALLOT_FORMS: dict[str, type[BallotForm]] = {
    VotingMethod.YES_NO: YesNoBallotForm,
    VotingMethod.APPROVAL: ApprovalBallotForm,
    VotingMethod.RANKED: RankedBallotForm,
    VotingMethod.CONSENT: ConsentBallotForm,
}


def ballot_form_class(method: str) -> type[BallotForm]:
    return BALLOT_FORMS[method]


def ballot_initial(method: str, proposal: Proposal, choice: Any) -> dict[str, Any]:
    """A recorded open ballot as the form's starting values, so a change starts from it."""
    if choice is None:
        return {}
    if method == VotingMethod.RANKED:
        order = list(choice)
        return {
            RankedBallotForm.rank_name(index): str(order.index(option) + 1)
            for index, option in enumerate(proposal.options)
            if option in order
        }
    return {"choice": choice}


# --- Consent round ------------------------------------------------------------------------------


class RoundEntryForm(forms.Form):
    text = forms.CharField(
        label=_("Your question or reaction"),
        max_length=4000,
        widget=forms.Textarea(attrs={"rows": 3}),
    )


class AnswerForm(forms.Form):
    answer = forms.CharField(
        label=_("Answer"), max_length=4000, widget=forms.Textarea(attrs={"rows": 2})
    )


class AmendmentForm(forms.Form):
    text = forms.CharField(label=_("Amended text"), widget=forms.Textarea(attrs={"rows": 8}))
    note = forms.CharField(
        label=_("What changed"),
        required=False,
        max_length=4000,
        widget=forms.Textarea(attrs={"rows": 2}),
    )
    addresses = forms.ModelMultipleChoiceField(
        label=_("Objections this amendment addresses"),
        queryset=Objection.objects.none(),
        widget=forms.CheckboxSelectMultiple,
        help_text=_("Their objectors are asked again; everyone else keeps their position."),
    )

    def __init__(self, *args: Any, objections: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        field = self.fields["addresses"]
        field.queryset = objections
        field.label_from_instance = lambda objection: objection.reason

    def arguments(self) -> dict[str, Any]:
        data = self.cleaned_data
        return {
            "text": data["text"],
            "note": data["note"],
            "addresses": [objection.pk for objection in data["addresses"]],
        }


# --- Drafting a proposal -----------------------------------------------------------------------


def _agenda_item_label(item: AgendaItem) -> str:
    return f"{item.meeting.title} — {item.position}. {item.title}"


class ProposalForm(forms.Form):
    """A draft proposal. Field names are the service's, so that its errors land on them; dates
    are the project's wall clock (the view sets its time zone)."""

    decision_class = forms.ModelChoiceField(
        label=_("Decision class"),
        queryset=DecisionClass.objects.none(),
        help_text=_("It sets the voting method, who votes, the quorum and the threshold."),
    )
    title = forms.CharField(label=_("Title"), max_length=200)
    text = forms.CharField(label=_("Text"), widget=forms.Textarea(attrs={"rows": 8}))
    meeting = forms.ModelChoiceField(
        label=_("Meeting"), queryset=Meeting.objects.none(), required=False
    )
    agenda_item = forms.ModelChoiceField(
        label=_("Agenda item"), queryset=AgendaItem.objects.none(), required=False
    )
    opens_at = LocalDateTimeField(label=_("Voting opens"))
    closes_at = LocalDateTimeField(label=_("Voting closes"))
    options = forms.CharField(
        label=_("Options"),
        required=False,
        widget=forms.Textarea(attrs={"rows": 5}),
        help_text=_("Approval and ranked-choice votes only: one option per line."),
    )
    min_approvals = forms.IntegerField(
        label=_("Fewest options to approve"), min_value=0, initial=1, required=False
    )
    max_approvals = forms.IntegerField(
        label=_("Most options to approve"),
        min_value=0,
        required=False,
        help_text=_("Approval votes only; empty: as many as there are options."),
    )
    show_live_count = forms.BooleanField(
        label=_("Show the count while the vote is open (open ballots only)"), required=False
    )

    def __init__(self, *args: Any, project: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["decision_class"].queryset = DecisionClass.objects.filter(project=project)
        self.fields["meeting"].queryset = Meeting.objects.filter(project=project).order_by(
            "-start", "pk"
        )
        agenda = self.fields["agenda_item"]
        agenda.queryset = (
            AgendaItem.objects.filter(meeting__project=project)
            .select_related("meeting")
            .order_by("-meeting__start", "position", "pk")
        )
        agenda.label_from_instance = _agenda_item_label

    @staticmethod
    def option_lines(text: str) -> list[str]:
        return [line.strip() for line in text.splitlines() if line.strip()]

    def arguments(self) -> dict[str, Any]:
        data = self.cleaned_data
        min_approvals = data.get("min_approvals")
        return {
            "decision_class": data["decision_class"],
            "title": data["title"],
            "text": data["text"],
            "meeting": data["meeting"],
            "agenda_item": data["agenda_item"],
            "opens_at": data["opens_at"],
            "closes_at": data["closes_at"],
            "options": self.option_lines(data.get("options") or ""),
            "min_approvals": 1 if min_approvals is None else min_approvals,
            "max_approvals": data.get("max_approvals"),
            "show_live_count": data["show_live_count"],
        }

    @classmethod
    def initial_from(cls, proposal: Proposal) -> dict[str, Any]:
        return {
            "decision_class": proposal.decision_class_id,
            "title": proposal.title,
            "text": proposal.text,
            "meeting": proposal.meeting_id,
            "agenda_item": proposal.agenda_item_id,
            "opens_at": proposal.opens_at,
            "closes_at": proposal.closes_at,
            "options": "\n".join(proposal.options),
            "min_approvals": proposal.min_approvals,
            "max_approvals": proposal.max_approvals,
            "show_live_count": proposal.show_live_count,
        }


# --- Proxies --------------------------------------------------------------------------------


class ProxyGrantForm(forms.Form):
    """Give one's vote to another resident, for a meeting or for one proposal. The scope is one
    select of both ("meeting-3", "proposal-7"); the service's ``meeting``/``proposal`` errors
    are shown on it."""

    holder = forms.ModelChoiceField(
        label=_("Who votes for you"), queryset=Resident.objects.none(), empty_label=_("Choose…")
    )
    scope = forms.ChoiceField(label=_("For"), choices=())

    def __init__(
        self,
        *args: Any,
        holders: Any,
        meetings: Sequence[Meeting],
        proposals: Sequence[Proposal],
        meeting_label: Any,
        **kwargs: Any,
    ) -> None:
        super().__init__(*args, **kwargs)
        holder = self.fields["holder"]
        holder.queryset = holders
        holder.label_from_instance = _resident_label
        self._meetings = {f"meeting-{m.pk}": m for m in meetings}
        self._proposals = {f"proposal-{p.pk}": p for p in proposals}
        choices: list[Any] = [("", _("Choose…"))]
        if self._meetings:
            choices.append(
                (
                    _("All the votes of a meeting"),
                    [(key, meeting_label(m)) for key, m in self._meetings.items()],
                )
            )
        if self._proposals:
            choices.append(
                (_("One proposal"), [(key, p.title) for key, p in self._proposals.items()])
            )
        self.fields["scope"].choices = choices

    def arguments(self) -> dict[str, Any]:
        scope = self.cleaned_data["scope"]
        return {
            "holder": self.cleaned_data["holder"],
            "meeting": self._meetings.get(scope),
            "proposal": self._proposals.get(scope),
        }

    @staticmethod
    def on_fields(exc: ValidationError) -> ValidationError:
        """The service names the scope ``meeting`` or ``proposal``: here both are ``scope``."""
        if not hasattr(exc, "error_dict"):
            return exc
        renamed: dict[str, list] = {}
        for name, errors in exc.error_dict.items():
            target = "scope" if name in ("meeting", "proposal") else name
            renamed.setdefault(target, []).extend(errors)
        return ValidationError(renamed)


# --- The decision register --------------------------------------------------------------------


class RegisterSearchForm(forms.Form):
    q = forms.CharField(label=_("Search the decisions"), required=False, max_length=200)


class ReceiptSearchForm(forms.Form):
    code = forms.CharField(label=_("Your receipt code"), required=False, max_length=32)

    def cleaned_code(self) -> str:
        if not self.is_valid():
            return ""
        code = "".join(self.cleaned_data["code"].upper().split())
        if len(code) == 12 and "-" not in code:  # typed without its dashes
            code = "-".join(code[i : i + 4] for i in range(0, 12, 4))
        return code
