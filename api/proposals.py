"""Proposals and their ballots, proxies, and the decision register (DESIGN.md §6).

The views only adapt HTTP: the governance services judge every rule and raise
``ValidationError`` (→ 400 on the field), ``Conflict`` (→ 409: the vote is not open yet or any
more, a ballot that may not change, a used proxy) or ``PermissionDenied`` (→ 403: not in the
electorate, no proxy, not a manager). What a user may see comes from the governance selectors:
a proposal, proxy or decision outside them answers 404, so a city officer or a resident of
another project learns nothing of it.

Secrecy: the results stay hidden until the close (409), except the live count an open ballot may
allow. After the close an open ballot shows who voted what; a secret ballot shows its receipt
codes with their choices and never a voter. Who took part in a vote is only ever a number here
(the turnout).

- ``/proposals/`` — list, detail (with the user's ballot state), create and edit drafts,
  ``withdraw``, ``vote``, ``paper-ballot``, ``results``; for consent: ``round-entries`` (and
  their ``answer``), ``advance-phase``, ``amend``, ``close-round``;
- ``/proxies/`` — the proxies a user gave or holds (managers: all of their projects'), grant,
  revoke (``DELETE`` or ``POST …/revoke/``);
- ``/decisions/`` — the decision register, searchable with ``?q=``, and its CSV ``export``.
"""

from __future__ import annotations

from typing import Any

import django_filters
from django.db.models import Prefetch, Q, QuerySet
from django.shortcuts import get_object_or_404
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import (
    OpenApiParameter,
    OpenApiResponse,
    extend_schema,
    extend_schema_field,
)
from rest_framework import mixins, serializers, status, viewsets
from rest_framework.decorators import action
from rest_framework.exceptions import PermissionDenied, ValidationError
from rest_framework.renderers import JSONRenderer
from rest_framework.response import Response

from api.base import AUTHENTICATED, ServiceMixin
from api.common import BAD_INPUT, DIGITS, REFUSED, AwareDateTimeField, CsvRenderer, restrict_related
from api.filters import IdFilter
from api.permissions import CanManageProject
from common.csv_export import csv_response
from common.validation import Conflict
from governance.models import (
    AgendaItem,
    ConsentPhase,
    Decision,
    DecisionClass,
    Meeting,
    Objection,
    Participation,
    Proposal,
    ProposalStatus,
    ProposalVersion,
    Proxy,
    RoundEntry,
    SecretChoice,
    Voter,
    VotingMethod,
)
from governance.outcomes import decision_outcome_text
from governance.selectors.proposal_pages import proxy_holder_candidate_list, today_in
from governance.selectors.proposals import (
    DECISION_CSV_HEADER,
    BallotState,
    decision_csv_rows,
    decision_list_for_user,
    member_project_ids,
    proposal_ballot_state,
    proposal_list_for_user,
    proposal_open_ballots,
    proposal_receipts,
    proposal_results,
    proposal_turnout,
    proxy_list_for_user,
)
from governance.services.ballots import (
    BallotReceipt,
    ballot_cast,
    ballot_cast_paper,
    resident_in_project,
    round_entry_add,
    round_entry_answer,
)
from governance.services.proposals import (
    consent_phase_advance,
    proposal_amend,
    proposal_close,
    proposal_create,
    proposal_update,
    proposal_withdraw,
)
from governance.services.proxies import proxy_grant, proxy_revoke
from members.models import HousingProject, Resident
from members.selectors import AnyUser, household_of_user, user_can_manage_project

CONFLICT = OpenApiResponse(description=_("The vote's state does not allow this now."))

CHOICE_HELP = _(
    'yes_no: "yes", "no" or "abstain". approval: a list of options. ranked: the options in '
    'order of preference, or {option: rank}. consent: "consent", "stand_aside" or "object" '
    "(with a reason)."
)


# --- What the project's members may name -------------------------------------------------------


def _member_projects(*, user: AnyUser) -> QuerySet[HousingProject]:
    return HousingProject.objects.filter(pk__in=member_project_ids(user=user))


def _member_decision_classes(*, user: AnyUser) -> QuerySet[DecisionClass]:
    return DecisionClass.objects.filter(project__in=member_project_ids(user=user))


def _member_meetings(*, user: AnyUser) -> QuerySet[Meeting]:
    return Meeting.objects.filter(project__in=member_project_ids(user=user))


def _member_agenda_items(*, user: AnyUser) -> QuerySet[AgendaItem]:
    return AgendaItem.objects.filter(meeting__project__in=member_project_ids(user=user))


def _member_residents(*, user: AnyUser) -> QuerySet[Resident]:
    return Resident.objects.filter(household__project__in=member_project_ids(user=user))


class ProjectResidentField(serializers.PrimaryKeyRelatedField):
    """A resident of the proposal's project (the proposal comes in the context)."""

    def __init__(self, **kwargs) -> None:
        super().__init__(queryset=Resident.objects.none(), **kwargs)

    def get_queryset(self) -> QuerySet[Resident]:
        proposal = self.context.get("proposal")
        if proposal is None:
            return Resident.objects.none()
        return Resident.objects.filter(household__project_id=proposal.project_id)


@extend_schema_field(
    {"type": "string", "enum": ProposalStatus.values}, component_name="ProposalStatusEnum"
)
class ProposalStatusField(serializers.ChoiceField):
    """A proposal's status; one named enum wherever it appears (lists, details, results)."""

    def __init__(self, **kwargs) -> None:
        super().__init__(choices=ProposalStatus.choices, **kwargs)


@extend_schema_field({"type": "string", "enum": ConsentPhase.values})
class ConsentPhaseField(serializers.ChoiceField):
    """A round entry's phase, inline: the proposal's ``consent_phase`` names the enum already."""

    def __init__(self, **kwargs) -> None:
        super().__init__(choices=ConsentPhase.choices, **kwargs)


def voter_label(voter: Voter) -> str:
    """A voter as the project's members know them: the resident, or the household's unit."""
    return str(voter.resident) if voter.resident_id else voter.household.unit_label


def _decision_of(proposal: Proposal) -> Decision | None:
    try:
        return proposal.decision
    except Decision.DoesNotExist:
        return None


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
        decision = _decision_of(proposal)
        return decision.pk if decision else None

    def get_outcome_text(self, proposal: Proposal) -> str | None:
        decision = _decision_of(proposal)
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
            project=_member_projects,
            decision_class=_member_decision_classes,
            meeting=_member_meetings,
            agenda_item=_member_agenda_items,
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


# --- Proposals: the views ---------------------------------------------------------------------


class ProposalFilter(django_filters.FilterSet):
    project = IdFilter(field_name="project_id")
    meeting = IdFilter(field_name="meeting_id")
    method = django_filters.ChoiceFilter(choices=VotingMethod.choices, method="filter_method")

    class Meta:
        model = Proposal
        fields = ["project", "status", "meeting", "method"]

    def filter_method(self, queryset: QuerySet, name: str, value: str) -> QuerySet:
        # An opened vote follows its frozen rules; one never opened, its decision class.
        return queryset.filter(
            Q(rules__method=value) | Q(opened_at__isnull=True, decision_class__method=value)
        )


class ProposalViewSet(
    ServiceMixin, mixins.ListModelMixin, mixins.RetrieveModelMixin, viewsets.GenericViewSet
):
    """The proposals of the projects the user lives in or manages (drafts: managers and author).

    Managers draft, edit, withdraw and run consent rounds; the frozen electorate votes.
    """

    serializer_class = ProposalSerializer
    filterset_class = ProposalFilter
    permission_classes = AUTHENTICATED
    http_method_names = ["get", "post", "patch", "head", "options"]
    lookup_value_regex = DIGITS
    selector = proposal_list_for_user

    def scope_of(self, instance: Proposal) -> HousingProject:
        return instance.project

    def get_queryset(self) -> QuerySet[Proposal]:
        queryset = super().get_queryset()
        if self.action == "retrieve":
            queryset = queryset.prefetch_related(*DETAIL_PREFETCH)
        return queryset

    def _manager_only(self, proposal: Proposal) -> None:
        self.check_permission(CanManageProject, proposal.project)

    def _detail(self, proposal: Proposal, *, reload: bool = False) -> dict:
        if reload:  # a service's copy lacks the joins and prefetches of the user's read
            proposal = self.get_queryset().prefetch_related(*DETAIL_PREFETCH).get(pk=proposal.pk)
        context = {
            **self.get_serializer_context(),
            "ballot_state": proposal_ballot_state(proposal=proposal, user=self.request.user),
            "turnout": proposal_turnout(proposal=proposal),
        }
        return ProposalDetailSerializer(proposal, context=context).data

    @extend_schema(responses=ProposalDetailSerializer)
    def retrieve(self, request, *args, **kwargs):
        """The proposal in full, with where the user stands in its vote and the turnout."""
        return Response(self._detail(self.get_object()))

    @extend_schema(
        request=ProposalInput,
        responses={201: ProposalDetailSerializer, 400: BAD_INPUT, 403: REFUSED},
    )
    def create(self, request, *args, **kwargs):
        """A manager drafts a proposal; it opens for votes at ``opens_at``."""
        data = ProposalInput(data=request.data, context={"request": request})
        data.is_valid(raise_exception=True)
        self.check_permission(CanManageProject, data.validated_data["project"])
        proposal = proposal_create(author=request.user, **data.validated_data)
        return Response(self._detail(proposal, reload=True), status=status.HTTP_201_CREATED)

    @extend_schema(
        request=ProposalChangeInput,
        responses={200: ProposalDetailSerializer, 400: BAD_INPUT, 403: REFUSED, 409: CONFLICT},
    )
    def partial_update(self, request, *args, **kwargs):
        """A manager edits a draft (409 once the vote has opened)."""
        proposal = self.get_object()
        self._manager_only(proposal)
        data = ProposalChangeInput(data=request.data, partial=True, context={"request": request})
        data.is_valid(raise_exception=True)
        proposal = proposal_update(proposal=proposal, **data.validated_data)
        return Response(self._detail(proposal, reload=True))

    @extend_schema(request=None, responses={200: ProposalDetailSerializer, 409: CONFLICT})
    @action(detail=True, methods=["post"])
    def withdraw(self, request, pk=None):
        """A manager withdraws a draft or an open vote; nothing is decided."""
        proposal = self.get_object()
        self._manager_only(proposal)
        return Response(self._detail(proposal_withdraw(proposal=proposal), reload=True))

    @extend_schema(
        request=VoteInput,
        responses={201: BallotReceiptSerializer, 400: BAD_INPUT, 403: REFUSED, 409: CONFLICT},
    )
    @action(detail=True, methods=["post"])
    def vote(self, request, pk=None):
        """Vote for oneself (or one's household), or with ``on_behalf_of`` as a proxy holder.

        An open ballot can be changed until the close; a secret one is cast once and answers
        with its receipt code.
        """
        proposal = self.get_object()
        data = VoteInput(data=request.data, context={"request": request, "proposal": proposal})
        data.is_valid(raise_exception=True)
        receipt = ballot_cast(proposal=proposal, user=request.user, **data.validated_data)
        return Response(_receipt(receipt), status=status.HTTP_201_CREATED)

    @extend_schema(
        request=PaperBallotInput,
        responses={201: BallotReceiptSerializer, 400: BAD_INPUT, 403: REFUSED, 409: CONFLICT},
    )
    @action(detail=True, methods=["post"], url_path="paper-ballot")
    def paper_ballot(self, request, pk=None):
        """The meeting's chair (or a manager) records the ballot of a voter present there."""
        proposal = self.get_object()
        data = PaperBallotInput(
            data=request.data, context={"request": request, "proposal": proposal}
        )
        data.is_valid(raise_exception=True)
        receipt = ballot_cast_paper(
            proposal=proposal, recorded_by=request.user, **data.validated_data
        )
        return Response(_receipt(receipt), status=status.HTTP_201_CREATED)

    @extend_schema(
        responses={
            200: ResultsSerializer,
            409: OpenApiResponse(description=_("The results are hidden until the close.")),
        },
        filters=False,
    )
    @action(detail=True, methods=["get"], filter_backends=[])
    def results(self, request, pk=None):
        """The decision and its count after the close, or the live count an open ballot allows.

        After the close an open ballot lists who voted what; a secret ballot lists its receipt
        codes and their choices, never a voter.
        """
        proposal = self.get_object()
        tally = proposal_results(proposal=proposal)
        if tally is None:
            if proposal.status == ProposalStatus.WITHDRAWN:
                raise Conflict(gettext("This vote was withdrawn: it has no results."))
            raise Conflict(
                gettext("The results are hidden until the vote closes."),
                closes_at=proposal.closes_at.isoformat(),
            )
        closed = proposal.status == ProposalStatus.CLOSED
        body = {
            "proposal": proposal.pk,
            "status": proposal.status,
            "final": closed,
            "tally": tally,
            "decision": _decision_of(proposal) if closed else None,
            "ballots": proposal_open_ballots(proposal=proposal),
            "receipts": proposal_receipts(proposal=proposal),
        }
        return Response(ResultsSerializer(body).data)

    # --- The consent round ---

    @extend_schema(
        request=RoundEntryInput,
        responses={201: RoundEntrySerializer, 400: BAD_INPUT, 403: REFUSED, 409: CONFLICT},
    )
    @action(detail=True, methods=["post"], url_path="round-entries")
    def round_entries(self, request, pk=None):
        """A voter asks a clarifying question or gives a reaction, in the round it is in."""
        proposal = self.get_object()
        data = RoundEntryInput(data=request.data)
        data.is_valid(raise_exception=True)
        entry = round_entry_add(proposal=proposal, user=request.user, **data.validated_data)
        return Response(RoundEntrySerializer(entry).data, status=status.HTTP_201_CREATED)

    @extend_schema(
        request=RoundEntryAnswerInput,
        responses={200: RoundEntrySerializer, 400: BAD_INPUT, 403: REFUSED},
    )
    @action(
        detail=True,
        methods=["post"],
        url_path=rf"round-entries/(?P<entry_id>{DIGITS})/answer",
        url_name="round-entry-answer",
    )
    def round_entry_answer(self, request, pk=None, entry_id=None):
        """A manager answers a clarifying question."""
        proposal = self.get_object()
        self._manager_only(proposal)
        entry = (
            proposal.round_entries.filter(pk=entry_id)
            .select_related("voter__resident", "voter__household")
            .first()
        )
        if entry is None:
            return Response(status=status.HTTP_404_NOT_FOUND)
        data = RoundEntryAnswerInput(data=request.data)
        data.is_valid(raise_exception=True)
        entry = round_entry_answer(entry=entry, **data.validated_data)
        return Response(RoundEntrySerializer(entry).data)

    @extend_schema(request=None, responses={200: ProposalDetailSerializer, 409: CONFLICT})
    @action(detail=True, methods=["post"], url_path="advance-phase")
    def advance_phase(self, request, pk=None):
        """A manager moves the consent round on: questions → reactions → consent."""
        proposal = self.get_object()
        self._manager_only(proposal)
        return Response(self._detail(consent_phase_advance(proposal=proposal), reload=True))

    @extend_schema(
        request=AmendInput,
        responses={201: ProposalVersionSerializer, 400: BAD_INPUT, 409: CONFLICT},
    )
    @action(detail=True, methods=["post"])
    def amend(self, request, pk=None):
        """A manager amends the proposal to meet objections; their objectors are asked again."""
        proposal = self.get_object()
        self._manager_only(proposal)
        data = AmendInput(data=request.data)
        data.is_valid(raise_exception=True)
        version = proposal_amend(proposal=proposal, amended_by=request.user, **data.validated_data)
        return Response(ProposalVersionSerializer(version).data, status=status.HTTP_201_CREATED)

    @extend_schema(request=None, responses={200: DecisionDetailSerializer, 409: CONFLICT})
    @action(detail=True, methods=["post"], url_path="close-round")
    def close_round(self, request, pk=None):
        """A manager closes a consent round before its time; the decision is recorded."""
        proposal = self.get_object()
        self._manager_only(proposal)
        decision = proposal_close(proposal=proposal, early=True)
        if decision is None:
            raise Conflict(gettext("This vote is not open."), status=proposal.status)
        decision = decision_list_for_user(user=request.user).get(pk=decision.pk)
        return Response(DecisionDetailSerializer(decision).data)


def _receipt(receipt: BallotReceipt) -> dict:
    return BallotReceiptSerializer(receipt).data


# --- Proxies -------------------------------------------------------------------------------------


class ProxySerializer(serializers.ModelSerializer):
    grantor_name = serializers.CharField(source="grantor.full_name", read_only=True)
    holder_name = serializers.CharField(source="holder.full_name", read_only=True)
    scope_title = serializers.SerializerMethodField(help_text=_("The meeting or the proposal."))
    active = serializers.SerializerMethodField()
    used = serializers.SerializerMethodField(help_text=_("The holder has voted with it."))

    class Meta:
        model = Proxy
        fields = [
            "id",
            "project",
            "grantor",
            "grantor_name",
            "holder",
            "holder_name",
            "meeting",
            "proposal",
            "scope_title",
            "created_at",
            "revoked_at",
            "active",
            "used",
        ]
        read_only_fields = fields

    def get_scope_title(self, proxy: Proxy) -> str:
        return (proxy.meeting or proxy.proposal).title

    def get_active(self, proxy: Proxy) -> bool:
        return proxy.revoked_at is None

    def get_used(self, proxy: Proxy) -> bool:
        return bool(getattr(proxy, "used", False))


class ProxyInput(serializers.Serializer):
    grantor = serializers.PrimaryKeyRelatedField(
        queryset=Resident.objects.none(),
        required=False,
        allow_null=True,
        help_text=_("Whose vote is given: yourself by default; a manager may name a resident."),
    )
    holder = serializers.PrimaryKeyRelatedField(
        queryset=Resident.objects.none(), help_text=_("Who votes for them.")
    )
    meeting = serializers.PrimaryKeyRelatedField(
        queryset=Meeting.objects.none(),
        required=False,
        allow_null=True,
        help_text=_("Every proposal of this meeting; or give a proposal instead."),
    )
    proposal = serializers.PrimaryKeyRelatedField(
        queryset=Proposal.objects.none(), required=False, allow_null=True
    )

    def __init__(self, *args, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        restrict_related(
            self,
            grantor=_member_residents,
            holder=_member_residents,
            meeting=_member_meetings,
            proposal=proposal_list_for_user,
        )

    def validate(self, attrs: dict) -> dict:
        if (attrs.get("meeting") is None) == (attrs.get("proposal") is None):
            raise ValidationError({"proposal": [_("A proxy is for one meeting or one proposal.")]})
        return attrs


class ProxyFilter(django_filters.FilterSet):
    project = IdFilter(field_name="project_id")
    proposal = IdFilter(field_name="proposal_id")
    meeting = IdFilter(field_name="meeting_id")
    active = django_filters.BooleanFilter(
        field_name="revoked_at", lookup_expr="isnull", label=_("not revoked")
    )

    class Meta:
        model = Proxy
        fields = ["project", "proposal", "meeting", "active"]


class ProxyHolderSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    name = serializers.CharField(source="__str__")
    unit = serializers.CharField(source="household.unit_label")


class ProxyViewSet(
    ServiceMixin, mixins.ListModelMixin, mixins.RetrieveModelMixin, viewsets.GenericViewSet
):
    """The proxies the user gave or holds, and every proxy of the projects they manage."""

    serializer_class = ProxySerializer
    filterset_class = ProxyFilter
    permission_classes = AUTHENTICATED
    http_method_names = ["get", "post", "delete", "head", "options"]
    lookup_value_regex = DIGITS
    selector = proxy_list_for_user

    def scope_of(self, instance: Proxy) -> HousingProject:
        return instance.project

    def _grantor(self, given: Resident | None, project: HousingProject) -> Resident:
        """A resident gives their own vote; a manager records a resident's proxy for them."""
        user = self.request.user
        if given is None:
            household = household_of_user(user=user, project=project)
            own = household.residents.filter(user=user).first() if household else None
            if own is None:
                raise ValidationError(
                    {"grantor": [_("You do not live in this project: say whose proxy this is.")]}
                )
            return own
        if given.user_id != user.pk and not user_can_manage_project(user=user, project=project):
            raise PermissionDenied(
                _("You give only your own proxy; a manager may record one for a resident.")
            )
        return given

    def _revoke(self) -> Proxy:
        proxy = self.get_object()
        user = self.request.user
        if proxy.grantor.user_id != user.pk and not user_can_manage_project(
            user=user, project=proxy.project
        ):
            raise PermissionDenied(_("Only the one who gave the proxy, or a manager, revokes it."))
        return proxy_revoke(proxy=proxy)

    @extend_schema(
        request=ProxyInput,
        responses={201: ProxySerializer, 400: BAD_INPUT, 403: REFUSED, 409: CONFLICT},
    )
    def create(self, request, *args, **kwargs):
        """Give one's vote on a proposal, or on a meeting's proposals, to another resident."""
        data = ProxyInput(data=request.data, context={"request": request})
        data.is_valid(raise_exception=True)
        fields = data.validated_data
        meeting, proposal = fields.get("meeting"), fields.get("proposal")
        grantor = self._grantor(fields.get("grantor"), (meeting or proposal).project)
        proxy = proxy_grant(
            grantor=grantor, holder=fields["holder"], meeting=meeting, proposal=proposal
        )
        proxy = self.get_queryset().get(pk=proxy.pk)
        return Response(self.get_serializer(proxy).data, status=status.HTTP_201_CREATED)

    @extend_schema(request=None, responses={204: None, 403: REFUSED, 409: CONFLICT})
    def destroy(self, request, *args, **kwargs):
        """Revoke the proxy (409 once its holder has voted with it, or the vote is over)."""
        self._revoke()
        return Response(status=status.HTTP_204_NO_CONTENT)

    @extend_schema(request=None, responses={200: ProxySerializer, 403: REFUSED, 409: CONFLICT})
    @action(detail=True, methods=["post"])
    def revoke(self, request, pk=None):
        """Revoke the proxy, as ``DELETE`` does, and show it."""
        proxy = self._revoke()
        return Response(self.get_serializer(self.get_queryset().get(pk=proxy.pk)).data)

    @extend_schema(
        parameters=[OpenApiParameter("project", int, required=True)],
        responses={200: ProxyHolderSerializer(many=True), 400: BAD_INPUT},
    )
    @action(detail=False, methods=["get"], pagination_class=None, filter_backends=[])
    def holders(self, request):
        """Who may hold the user's proxy in a project: its adults living there today, by name."""
        try:
            project_id = int(request.query_params.get("project", ""))
        except ValueError:
            raise ValidationError({"project": [_("Give the project's id.")]}) from None
        project = get_object_or_404(_member_projects(user=request.user), pk=project_id)
        grantor = resident_in_project(user=request.user, project_id=project.pk)
        holders = proxy_holder_candidate_list(
            project=project, grantor=grantor, today=today_in(project)
        )
        return Response(ProxyHolderSerializer(holders, many=True).data)


# --- The decision register ---------------------------------------------------------------------


class DecisionFilter(django_filters.FilterSet):
    project = IdFilter(field_name="project_id")
    proposal = IdFilter(field_name="proposal_id")

    class Meta:
        model = Decision
        fields = ["project", "proposal", "passed"]


SEARCH = OpenApiParameter(
    "q", str, description=_("Words in the title, the text, the decision class or the outcome.")
)


class DecisionViewSet(mixins.ListModelMixin, mixins.RetrieveModelMixin, viewsets.GenericViewSet):
    """The decision register of the projects the user lives in or manages."""

    serializer_class = DecisionSerializer
    filterset_class = DecisionFilter
    permission_classes = AUTHENTICATED
    lookup_value_regex = DIGITS

    def get_queryset(self) -> QuerySet[Decision]:
        if getattr(self, "swagger_fake_view", False):  # the OpenAPI generator has no user
            return Decision.objects.none()
        search = self.request.query_params.get("q", "").strip()
        return decision_list_for_user(user=self.request.user, search=search)

    def get_serializer_class(self):
        return DecisionDetailSerializer if self.action == "retrieve" else DecisionSerializer

    @extend_schema(parameters=[SEARCH])
    def list(self, request, *args, **kwargs):
        """The decisions, newest first; ``?q=`` searches them."""
        return super().list(request, *args, **kwargs)

    @extend_schema(
        parameters=[SEARCH], filters=True, responses={(200, "text/csv"): OpenApiTypes.STR}
    )
    @action(
        detail=False,
        methods=["get"],
        renderer_classes=[JSONRenderer, CsvRenderer],
        pagination_class=None,
    )
    def export(self, request):
        """The register as CSV, one row per decision with the rules applied, for a spreadsheet."""
        decisions = self.filter_queryset(self.get_queryset())
        slugs = list(decisions.order_by().values_list("project__slug", flat=True).distinct()[:2])
        return csv_response(
            filename=f"decisions-{slugs[0]}.csv" if len(slugs) == 1 else "decisions.csv",
            header=DECISION_CSV_HEADER,
            rows=decision_csv_rows(decisions=decisions),
        )


# (prefix, viewset, basename) for the router, and extra paths before it.
routes: list[tuple[str, type, str]] = [
    ("proposals", ProposalViewSet, "proposal"),
    ("proxies", ProxyViewSet, "proxy"),
    ("decisions", DecisionViewSet, "decision"),
]
urlpatterns: list = []
