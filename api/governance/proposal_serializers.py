"""The proposals' serializers: what a proposal, a ballot and the results show, and what a
proposal, a vote or an amendment takes."""

from __future__ import annotations

from typing import Any

from django.db.models import Prefetch
from django.utils.translation import gettext_lazy as _
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers

from api.common import AwareDateTimeField, restrict_related
from api.governance.base import (
    CHOICE_HELP,
    ConsentPhaseField,
    ProjectResidentField,
    ProposalStatusField,
    decision_of,
    member_agenda_items,
    member_decision_classes,
    member_meetings,
    member_projects,
    voter_label,
)
from governance.models import (
    AgendaItem,
    ConsentPhase,
    Decision,
    DecisionClass,
    Meeting,
    Objection,
    Participation,
    Proposal,
    ProposalVersion,
    RoundEntry,
    SecretChoice,
    VotingMethod,
)
from governance.outcomes import decision_outcome_text
from governance.selectors.proposals import BallotState
from members.models import HousingProject

# --- Proposals: output --------------------------------------------------------------------------


class ProposalSerializer(serializers.ModelSerializer):
    """A proposal in a list: what it is, when, and where it stands."""

    decision_class_name = serializers.CharField(source="decision_class.name", read_only=True)
    method = serializers.SerializerMethodField()
    secret = serializers.SerializerMethodField()
    status = ProposalStatusField(read_only=True)
    meeting_title = serializers.CharField(
        source="meeting.title", read_only=True, default=None, allow_null=True
    )
    decision = serializers.SerializerMethodField()
    outcome_text = serializers.SerializerMethodField()
    # Blank outside a consent round: said so in the schema (its BlankEnum) too.
    consent_phase = serializers.ChoiceField(
        choices=ConsentPhase.choices, allow_blank=True, read_only=True
    )

    class Meta:
        model = Proposal
        fields = [
            "id",
            "project",
            "decision_class",
            "decision_class_name",
            "method",
            "secret",
            "title",
            "status",
            "meeting",
            "meeting_title",
            "agenda_item",
            "opens_at",
            "closes_at",
            "opened_at",
            "closed_at",
            "version",
            "consent_phase",
            "show_live_count",
            "decision",
            "outcome_text",
        ]
        read_only_fields = fields

    @extend_schema_field(serializers.ChoiceField(choices=VotingMethod.choices))
    def get_method(self, proposal: Proposal) -> str:
        # An opened vote follows the rules frozen at its opening; a draft its class's, for now.
        return proposal.rules.get("method") or proposal.decision_class.method

    def get_secret(self, proposal: Proposal) -> bool:
        if "secret" in proposal.rules:
            return bool(proposal.rules["secret"])
        return proposal.decision_class.secret

    def get_decision(self, proposal: Proposal) -> int | None:
        decision = decision_of(proposal)
        return decision.pk if decision else None

    def get_outcome_text(self, proposal: Proposal) -> str | None:
        decision = decision_of(proposal)
        return decision_outcome_text(decision) if decision else None


class ProposalVersionSerializer(serializers.ModelSerializer):
    class Meta:
        model = ProposalVersion
        fields = ["version", "text", "note", "created_at"]
        read_only_fields = fields


class RoundEntrySerializer(serializers.ModelSerializer):
    phase = ConsentPhaseField(read_only=True)
    by = serializers.SerializerMethodField(help_text=_("The resident, or the household's unit."))

    class Meta:
        model = RoundEntry
        fields = ["id", "phase", "version", "text", "answer", "by", "created_at"]
        read_only_fields = fields

    def get_by(self, entry: RoundEntry) -> str:
        return voter_label(entry.voter)


class ObjectionSerializer(serializers.ModelSerializer):
    """A consent round's objection: open by nature (consent is never a secret ballot)."""

    by = serializers.SerializerMethodField(help_text=_("The resident, or the household's unit."))
    stands = serializers.SerializerMethodField()

    class Meta:
        model = Objection
        fields = [
            "id",
            "reason",
            "by",
            "raised_on_version",
            "addressed_on_version",
            "resolved_on_version",
            "stands",
            "raised_at",
            "resolved_at",
        ]
        read_only_fields = fields

    def get_by(self, objection: Objection) -> str:
        return voter_label(objection.voter)

    def get_stands(self, objection: Objection) -> bool:
        return objection.resolved_on_version is None


class RepresentedVoterSerializer(serializers.Serializer):
    resident = serializers.IntegerField(source="grantor.pk")
    name = serializers.CharField(source="grantor.full_name")
    proxy = serializers.IntegerField(source="proxy.pk")
    voted = serializers.BooleanField()


class ReaskedObjectionSerializer(serializers.ModelSerializer):
    class Meta:
        model = Objection
        fields = ["id", "reason", "raised_on_version", "addressed_on_version"]
        read_only_fields = fields


class BallotStateSerializer(serializers.Serializer):
    """Where the asking user stands: may they vote, have they, and for whom else."""

    in_electorate = serializers.BooleanField()
    voted = serializers.BooleanField()
    choice = serializers.SerializerMethodField(
        help_text=_("Your recorded choice, on an open ballot (a secret one keeps none).")
    )
    cast_via_proxy = serializers.SerializerMethodField()
    on_paper = serializers.SerializerMethodField()
    represented = RepresentedVoterSerializer(
        many=True, help_text=_("The voters whose proxy you hold for this vote.")
    )
    reasked = ReaskedObjectionSerializer(
        many=True, help_text=_("Your objections an amendment addressed: give your position again.")
    )

    @extend_schema_field(OpenApiTypes.ANY)
    def get_choice(self, state: BallotState) -> Any:
        return state.participation.choice if state.participation else None

    def get_cast_via_proxy(self, state: BallotState) -> bool:
        return bool(state.participation and state.participation.via_proxy_id)

    def get_on_paper(self, state: BallotState) -> bool:
        return bool(state.participation and state.participation.on_paper)


class TurnoutSerializer(serializers.Serializer):
    electorate = serializers.IntegerField()
    voted = serializers.IntegerField()


class ProposalDetailSerializer(ProposalSerializer):
    """A proposal in full; the view puts the user's ballot state and the turnout in the context."""

    versions = ProposalVersionSerializer(many=True, read_only=True)
    round_entries = RoundEntrySerializer(many=True, read_only=True)
    objections = ObjectionSerializer(many=True, read_only=True)
    ballot = serializers.SerializerMethodField()
    turnout = serializers.SerializerMethodField(help_text=_("Numbers only, never who."))

    class Meta(ProposalSerializer.Meta):
        fields = [
            *ProposalSerializer.Meta.fields,
            "text",
            "options",
            "min_approvals",
            "max_approvals",
            "rules",
            "versions",
            "round_entries",
            "objections",
            "ballot",
            "turnout",
        ]
        read_only_fields = fields

    @extend_schema_field(BallotStateSerializer)
    def get_ballot(self, proposal: Proposal) -> dict:
        return BallotStateSerializer(self.context["ballot_state"]).data

    @extend_schema_field(TurnoutSerializer)
    def get_turnout(self, proposal: Proposal) -> dict:
        return TurnoutSerializer(self.context["turnout"]).data


# The detail's lists, each in one query whatever its length.
DETAIL_PREFETCH = (
    Prefetch("versions", queryset=ProposalVersion.objects.order_by("version")),
    Prefetch(
        "round_entries",
        queryset=RoundEntry.objects.select_related("voter__resident", "voter__household"),
    ),
    Prefetch(
        "objections",
        queryset=Objection.objects.select_related("voter__resident", "voter__household"),
    ),
)


# --- Proposals: input ---------------------------------------------------------------------------


class ProposalChangeInput(serializers.Serializer):
    """The fields of a draft; on an edit, only those given change."""

    decision_class = serializers.PrimaryKeyRelatedField(queryset=DecisionClass.objects.none())
    title = serializers.CharField(max_length=200)
    text = serializers.CharField()
    opens_at = AwareDateTimeField()
    closes_at = AwareDateTimeField()
    options = serializers.ListField(
        child=serializers.CharField(max_length=200, allow_blank=True),
        required=False,
        help_text=_("Approval and ranked choice only: the options, in their order."),
    )
    meeting = serializers.PrimaryKeyRelatedField(
        queryset=Meeting.objects.none(), required=False, allow_null=True
    )
    agenda_item = serializers.PrimaryKeyRelatedField(
        queryset=AgendaItem.objects.none(), required=False, allow_null=True
    )
    show_live_count = serializers.BooleanField(
        required=False, help_text=_("Open ballots only: show the count while the vote runs.")
    )
    min_approvals = serializers.IntegerField(min_value=0, max_value=30, required=False)
    max_approvals = serializers.IntegerField(
        min_value=0, max_value=30, required=False, allow_null=True
    )

    def __init__(self, *args, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        restrict_related(
            self,
            project=member_projects,
            decision_class=member_decision_classes,
            meeting=member_meetings,
            agenda_item=member_agenda_items,
        )


class ProposalInput(ProposalChangeInput):
    project = serializers.PrimaryKeyRelatedField(queryset=HousingProject.objects.none())


class VoteInput(serializers.Serializer):
    choice = serializers.JSONField(help_text=CHOICE_HELP)
    on_behalf_of = ProjectResidentField(
        required=False,
        allow_null=True,
        help_text=_("The resident whose proxy you hold; leave it out to vote for yourself."),
    )
    reason = serializers.CharField(
        max_length=4000,
        required=False,
        allow_blank=True,
        default="",
        help_text=_("Consent: the reason of an objection."),
    )


class PaperBallotInput(serializers.Serializer):
    resident = ProjectResidentField(help_text=_("The voter present at the meeting."))
    choice = serializers.JSONField(help_text=CHOICE_HELP)
    reason = serializers.CharField(max_length=4000, required=False, allow_blank=True, default="")


class BallotReceiptSerializer(serializers.Serializer):
    """What a voter is told: the ballot is in (and a secret ballot's receipt code, once)."""

    proposal = serializers.IntegerField(source="proposal_id")
    receipt = serializers.CharField(
        allow_null=True, help_text=_("Secret ballots: keep it to find your choice in the results.")
    )
    changed = serializers.BooleanField(help_text=_("An earlier open ballot was replaced."))
    via_proxy = serializers.BooleanField()
    on_paper = serializers.BooleanField()


class RoundEntryInput(serializers.Serializer):
    text = serializers.CharField(max_length=4000)


class RoundEntryAnswerInput(serializers.Serializer):
    answer = serializers.CharField(max_length=4000)


class AmendInput(serializers.Serializer):
    text = serializers.CharField(help_text=_("The amended text of the proposal."))
    note = serializers.CharField(required=False, allow_blank=True, default="")
    addresses = serializers.ListField(
        child=serializers.IntegerField(),
        help_text=_("The ids of the standing objections it meets."),
    )


# --- Results -------------------------------------------------------------------------------


class DecisionSerializer(serializers.ModelSerializer):
    """A decision in the register."""

    proposal_title = serializers.CharField(source="proposal.title", read_only=True)
    decision_class = serializers.SerializerMethodField()
    method = serializers.SerializerMethodField()
    outcome_text = serializers.SerializerMethodField(help_text=_("In the reader's language."))

    class Meta:
        model = Decision
        fields = [
            "id",
            "project",
            "proposal",
            "proposal_title",
            "decision_class",
            "method",
            "decided_at",
            "passed",
            "quorum_met",
            "tie",
            "outcome",
            "outcome_text",
            "electorate_size",
            "turnout",
            "review_due",
        ]
        read_only_fields = fields

    def get_decision_class(self, decision: Decision) -> str:
        return decision.rules.get("decision_class", "")

    @extend_schema_field(serializers.ChoiceField(choices=VotingMethod.choices))
    def get_method(self, decision: Decision) -> str:
        return decision.rules.get("method", "")

    def get_outcome_text(self, decision: Decision) -> str:
        return decision_outcome_text(decision)


class DecisionDetailSerializer(DecisionSerializer):
    quorum = serializers.SerializerMethodField(help_text=_("A share of the electorate, e.g. 1/2."))
    threshold = serializers.SerializerMethodField(help_text=_("The pass threshold, e.g. 2/3."))
    meeting = serializers.IntegerField(
        source="proposal.meeting_id", read_only=True, allow_null=True
    )
    meeting_title = serializers.CharField(
        source="proposal.meeting.title", read_only=True, default=None, allow_null=True
    )

    class Meta(DecisionSerializer.Meta):
        fields = [
            *DecisionSerializer.Meta.fields,
            "quorum",
            "threshold",
            "meeting",
            "meeting_title",
            "tally",
            "rules",
        ]
        read_only_fields = fields

    def get_quorum(self, decision: Decision) -> str:
        return decision.rules.get("quorum", "")

    def get_threshold(self, decision: Decision) -> str:
        return decision.rules.get("threshold", "")


class OpenBallotSerializer(serializers.ModelSerializer):
    """Who voted what, after the close of an open ballot."""

    unit = serializers.CharField(source="voter.household.unit_label")
    name = serializers.SerializerMethodField(help_text=_("Empty when the household votes."))
    via_proxy = serializers.SerializerMethodField(help_text=_("The proxy holder who cast it."))

    class Meta:
        model = Participation
        fields = ["unit", "name", "choice", "via_proxy", "on_paper"]
        read_only_fields = fields

    def get_name(self, participation: Participation) -> str:
        resident = participation.voter.resident
        return str(resident) if resident else ""

    def get_via_proxy(self, participation: Participation) -> str | None:
        proxy = participation.via_proxy
        return str(proxy.holder) if proxy else None


class SecretReceiptSerializer(serializers.ModelSerializer):
    """A secret ballot's receipt code and its choice: nothing leads back to a voter."""

    class Meta:
        model = SecretChoice
        fields = ["receipt", "choice"]
        read_only_fields = fields


class ResultsSerializer(serializers.Serializer):
    proposal = serializers.IntegerField()
    status = ProposalStatusField()
    final = serializers.BooleanField(help_text=_("False for a live count while the vote runs."))
    tally = serializers.JSONField(
        help_text=_(
            "The count (governance/rules.py): method, counts, ballot_count, quorum_met, turnout, "
            "outcome, winner …; exact shares as fractions such as 2/3."
        )
    )
    decision = DecisionDetailSerializer(allow_null=True)
    ballots = OpenBallotSerializer(
        many=True, help_text=_("After the close of an open ballot: who voted what.")
    )
    receipts = SecretReceiptSerializer(
        many=True, help_text=_("After the close of a secret ballot: every receipt and its choice.")
    )
