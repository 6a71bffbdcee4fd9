"""Proposals: drafts, votes, paper ballots, consent rounds and the results."""

from __future__ import annotations

import django_filters
from django.db.models import Q, QuerySet
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _
from drf_spectacular.utils import OpenApiResponse, extend_schema
from rest_framework import mixins, status, viewsets
from rest_framework.decorators import action
from rest_framework.exceptions import NotFound
from rest_framework.response import Response

from api.base import AUTHENTICATED, ServiceMixin
from api.common import DIGITS
from api.filters import IdFilter
from api.governance.base import CONFLICT, decision_of
from api.governance.proposal_serializers import (
    DETAIL_PREFETCH,
    AmendInput,
    BallotReceiptSerializer,
    DecisionDetailSerializer,
    PaperBallotInput,
    ProposalChangeInput,
    ProposalDetailSerializer,
    ProposalInput,
    ProposalSerializer,
    ProposalVersionSerializer,
    ResultsSerializer,
    RoundEntryAnswerInput,
    RoundEntryInput,
    RoundEntrySerializer,
    VoteInput,
)
from api.permissions import CanManageProject
from api.schema import BAD_INPUT, REFUSED
from common.validation import Conflict
from governance.models import Proposal, ProposalStatus, VotingMethod
from governance.selectors.proposals import (
    decision_list_for_user,
    proposal_ballot_state,
    proposal_list_for_user,
    proposal_open_ballots,
    proposal_receipts,
    proposal_results,
    proposal_turnout,
)
from governance.services.ballots import (
    BallotReceipt,
    ballot_cast,
    ballot_cast_paper,
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
from members.models import HousingProject


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
            "decision": decision_of(proposal) if closed else None,
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
            raise NotFound
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
        decision = proposal_close(proposal=proposal, early=True, closed_by=request.user)
        if decision is None:
            raise Conflict(gettext("This vote is not open."), status=proposal.status)
        decision = decision_list_for_user(user=request.user).get(pk=decision.pk)
        return Response(DecisionDetailSerializer(decision).data)


def _receipt(receipt: BallotReceipt) -> dict:
    return BallotReceiptSerializer(receipt).data
