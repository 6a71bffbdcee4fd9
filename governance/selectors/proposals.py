"""Reads of proposals, ballots, proxies and decisions, in a fixed number of queries.

Who sees what: the residents and the managers of a project see its proposals (drafts too: they
are announced during the notice period) and its decisions; city officers see none of this (they see
aggregates). Results stay hidden until the close, except a live count that a proposal with open
ballots may allow. Who voted what is shown after the close for open ballots only; a secret
ballot shows its receipt codes with their choices, never a voter.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from django.db.models import Count, Exists, OuterRef, Q, QuerySet
from django.utils.translation import gettext_lazy

from governance.models import (
    Decision,
    Objection,
    Participation,
    Proposal,
    ProposalStatus,
    Proxy,
    SecretChoice,
    Voter,
)
from governance.outcomes import decision_outcome_text
from governance.services.ballots import resident_of, voter_of
from governance.services.proposals import proposal_count
from members.models import Household, HousingProject, Resident
from members.selectors import AnyUser, managed_project_list, own_household_ids


def member_project_ids(*, user: AnyUser) -> QuerySet:
    """The projects whose governance the user takes part in: where they live or manage."""
    if user.is_superuser:
        return HousingProject.objects.values("pk")
    # The project of the user's household through a subquery, not a join to every household:
    # ORed with the managed projects, a join made PostgreSQL read the whole household table.
    lived_in = Household.objects.filter(pk__in=own_household_ids(user=user)).values("project_id")
    return HousingProject.objects.filter(
        Q(pk__in=lived_in) | Q(pk__in=managed_project_list(user=user).values("pk"))
    ).values("pk")


def proposal_list_for_user(*, user: AnyUser) -> QuerySet[Proposal]:
    if not user.is_authenticated:
        return Proposal.objects.none()
    # A scheduled draft is shown too: the bylaws' notice period is there for the residents to
    # read what they will vote on.
    visible = Proposal.objects.all()
    if not user.is_superuser:
        visible = visible.filter(project__in=member_project_ids(user=user))
    return visible.select_related(
        "project__city", "decision_class", "meeting", "agenda_item", "decision"
    ).order_by("-opens_at", "pk")


def decision_list_for_user(*, user: AnyUser, search: str = "") -> QuerySet[Decision]:
    if not user.is_authenticated:
        return Decision.objects.none()
    decisions = Decision.objects.filter(project__in=member_project_ids(user=user))
    if search:
        decisions = decisions.filter(
            Q(proposal__title__icontains=search)
            | Q(proposal__text__icontains=search)
            | Q(rules__decision_class__icontains=search)
            | Q(outcome__icontains=search)
        )
    return decisions.select_related("proposal__decision_class", "proposal__meeting", "project")


def proxy_list_for_user(*, user: AnyUser) -> QuerySet[Proxy]:
    """The proxies the user gave or holds, and every proxy of the projects they manage."""
    if not user.is_authenticated:
        return Proxy.objects.none()
    own = Resident.objects.filter(user=user, household_id__in=own_household_ids(user=user))
    return (
        Proxy.objects.filter(
            Q(grantor__in=own)
            | Q(holder__in=own)
            | Q(project__in=managed_project_list(user=user).values("pk"))
        )
        .select_related("grantor", "holder", "meeting", "proposal", "project")
        .annotate(used=Exists(Participation.objects.filter(via_proxy=OuterRef("pk"))))
    )


@dataclass
class RepresentedVoter:
    """A voter whose proxy the user holds, and whether that ballot is in."""

    grantor: Resident
    proxy: Proxy
    voted: bool


@dataclass
class BallotState:
    """Where the user stands on a proposal: may they vote, have they, for whom else."""

    resident: Resident | None
    voter: Voter | None
    participation: Participation | None
    represented: list[RepresentedVoter] = field(default_factory=list)
    reasked: list[Objection] = field(default_factory=list)

    @property
    def in_electorate(self) -> bool:
        return self.voter is not None

    @property
    def voted(self) -> bool:
        return self.participation is not None


def proposal_ballot_state(*, proposal: Proposal, user: AnyUser) -> BallotState:
    resident = resident_of(user=user, proposal=proposal) if user.is_authenticated else None
    if resident is None or proposal.status == ProposalStatus.DRAFT:
        return BallotState(resident=resident, voter=None, participation=None)
    voter = voter_of(proposal=proposal, resident=resident)
    participation = (
        Participation.objects.filter(proposal=proposal, voter=voter)
        .select_related("cast_by", "via_proxy__holder")
        .first()
        if voter
        else None
    )
    scope = Q(proposal=proposal)
    if proposal.meeting_id:
        scope |= Q(meeting_id=proposal.meeting_id)
    proxies = list(
        Proxy.objects.filter(scope, holder=resident, revoked_at__isnull=True)
        .select_related("grantor__household")
        .order_by("grantor__first_name", "pk")
    )
    represented = []
    for proxy in proxies:
        grantor_voter = voter_of(proposal=proposal, resident=proxy.grantor)
        if grantor_voter is None:
            continue
        voted = Participation.objects.filter(proposal=proposal, voter=grantor_voter).exists()
        represented.append(RepresentedVoter(grantor=proxy.grantor, proxy=proxy, voted=voted))
    reasked = (
        list(
            Objection.objects.filter(
                proposal=proposal,
                voter=voter,
                addressed_on_version__isnull=False,
                resolved_on_version__isnull=True,
            )
        )
        if voter
        else []
    )
    return BallotState(
        resident=resident,
        voter=voter,
        participation=participation,
        represented=represented,
        reasked=reasked,
    )


def proposal_results(*, proposal: Proposal) -> dict[str, Any] | None:
    """The count a reader may see now: the decision's after the close, a live count while an
    open ballot allows it, otherwise nothing."""
    if proposal.status == ProposalStatus.CLOSED:
        # The visible proposals come with their decision (``proposal_list_for_user``).
        try:
            return proposal.decision.tally
        except Decision.DoesNotExist:
            return None
    if (
        proposal.status == ProposalStatus.OPEN
        and proposal.show_live_count
        and not proposal.rules.get("secret")
    ):
        return proposal_count(proposal=proposal).tally
    return None


def proposal_open_ballots(*, proposal: Proposal) -> QuerySet[Participation]:
    """Who voted what, after the close of an open ballot (empty otherwise)."""
    if proposal.status != ProposalStatus.CLOSED or proposal.rules.get("secret"):
        return Participation.objects.none()
    return (
        Participation.objects.filter(proposal=proposal)
        .select_related("voter__household", "voter__resident", "cast_by", "via_proxy__holder")
        .order_by("voter__household__unit_label", "voter__resident__first_name", "pk")
    )


def proposal_receipts(*, proposal: Proposal) -> QuerySet[SecretChoice]:
    """The receipt codes with their choices, after the close of a secret ballot, in code order
    (the order tells nothing about when or by whom)."""
    if proposal.status != ProposalStatus.CLOSED or not proposal.rules.get("secret"):
        return SecretChoice.objects.none()
    return SecretChoice.objects.filter(proposal=proposal).order_by("receipt")


def proposal_turnout(*, proposal: Proposal) -> dict[str, int]:
    """How many of the electorate have voted so far (a number, never who)."""
    counts = Voter.objects.filter(proposal=proposal).aggregate(
        electorate=Count("pk"), voted=Count("participations")
    )
    return {"electorate": counts["electorate"], "voted": counts["voted"]}


# The register's columns, in the order of decision_csv_rows.
DECISION_CSV_HEADER = (
    gettext_lazy("decided at"),
    gettext_lazy("proposal"),
    gettext_lazy("decision class"),
    gettext_lazy("voting method"),
    gettext_lazy("electorate"),
    gettext_lazy("quorum"),
    gettext_lazy("pass threshold"),
    gettext_lazy("ballot"),
    gettext_lazy("voters"),
    gettext_lazy("turnout"),
    gettext_lazy("quorum met"),
    gettext_lazy("passed"),
    gettext_lazy("outcome"),
    gettext_lazy("review due"),
)


def decision_csv_rows(*, decisions: QuerySet[Decision]) -> list[list[str]]:
    """The decision register as rows: one per decision, the rules applied spelled out."""
    rows = []
    for decision in decisions.order_by("-decided_at", "pk"):
        rules = decision.rules
        rows.append(
            [
                decision.decided_at.date().isoformat(),
                decision.proposal.title,
                rules.get("decision_class", ""),
                rules.get("method", ""),
                rules.get("electorate", ""),
                rules.get("quorum", ""),
                rules.get("threshold", ""),
                "secret" if rules.get("secret") else "open",
                str(decision.electorate_size),
                str(decision.turnout),
                "yes" if decision.quorum_met else "no",
                "yes" if decision.passed else "no",
                decision_outcome_text(decision),
                decision.review_due.isoformat() if decision.review_due else "",
            ]
        )
    return rows


__all__ = [
    "DECISION_CSV_HEADER",
    "BallotState",
    "decision_csv_rows",
    "decision_list_for_user",
    "member_project_ids",
    "proposal_ballot_state",
    "proposal_list_for_user",
    "proposal_open_ballots",
    "proposal_receipts",
    "proposal_results",
    "proposal_turnout",
    "proxy_list_for_user",
]
