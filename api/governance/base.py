"""What the governance API's modules share: what a project's members may name, and the
fields and helpers of proposals and decisions."""

from __future__ import annotations

from django.db.models import QuerySet
from django.utils.translation import gettext_lazy as _
from drf_spectacular.utils import OpenApiResponse, extend_schema_field
from rest_framework import serializers

from governance.models import (
    AgendaItem,
    ConsentPhase,
    Decision,
    DecisionClass,
    Meeting,
    Proposal,
    ProposalStatus,
    Voter,
)
from governance.selectors.proposals import member_project_ids
from members.models import HousingProject, Resident
from members.selectors import AnyUser

CONFLICT = OpenApiResponse(description=_("The vote's state does not allow this now."))

CHOICE_HELP = _(
    'yes_no: "yes", "no" or "abstain". approval: a list of options. ranked: the options in '
    'order of preference, or {option: rank}. consent: "consent", "stand_aside" or "object" '
    "(with a reason)."
)


def member_projects(*, user: AnyUser) -> QuerySet[HousingProject]:
    return HousingProject.objects.filter(pk__in=member_project_ids(user=user))


def member_decision_classes(*, user: AnyUser) -> QuerySet[DecisionClass]:
    return DecisionClass.objects.filter(project__in=member_project_ids(user=user))


def member_meetings(*, user: AnyUser) -> QuerySet[Meeting]:
    return Meeting.objects.filter(project__in=member_project_ids(user=user))


def member_agenda_items(*, user: AnyUser) -> QuerySet[AgendaItem]:
    return AgendaItem.objects.filter(meeting__project__in=member_project_ids(user=user))


def member_residents(*, user: AnyUser) -> QuerySet[Resident]:
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


def decision_of(proposal: Proposal) -> Decision | None:
    try:
        return proposal.decision
    except Decision.DoesNotExist:
        return None
