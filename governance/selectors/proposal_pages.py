"""Reads that the proposal pages need beyond governance/selectors/proposals.py, each in a fixed
number of queries and within what the asking user may see (the visibility rules are those of
``proposal_list_for_user``: this module only narrows and annotates)."""

from __future__ import annotations

import datetime as dt
from zoneinfo import ZoneInfo

from django.db.models import Exists, OuterRef, Q, QuerySet
from django.db.models.functions import ExtractYear
from django.utils import timezone

from governance.models import (
    Electorate,
    Meeting,
    Objection,
    Participation,
    Proposal,
    ProposalStatus,
    ProposalVersion,
    RoundEntry,
    Voter,
)
from governance.rules import ADULT_AGE
from governance.selectors.proposals import proposal_list_for_user
from members.models import Household, HousingProject, Resident
from members.selectors import AnyUser, own_household_ids


def _own_voters(user: AnyUser) -> QuerySet[Voter]:
    """The voters of the outer proposal that are the user: their own vote, or their household's
    when they were an adult at the opening (a child does not cast the household's vote)."""
    return Voter.objects.filter(
        proposal=OuterRef("pk"), household_id__in=own_household_ids(user=user)
    ).filter(
        Q(resident__user=user)
        | Q(
            resident__isnull=True,
            household__residents__user=user,
            household__residents__birth_year__lte=ExtractYear(OuterRef("opened_at")) - ADULT_AGE,
        )
    )


def project_proposal_list(*, user: AnyUser, project: HousingProject) -> QuerySet[Proposal]:
    """The project's proposals the user may see, each with ``in_electorate`` and ``voted``:
    whether the user (or their household) may vote on it and whether that ballot is in."""
    if not user.is_authenticated:
        return Proposal.objects.none()
    mine = _own_voters(user)
    return (
        proposal_list_for_user(user=user)
        .filter(project=project)
        .annotate(
            in_electorate=Exists(mine),
            voted=Exists(mine.filter(participations__isnull=False)),
        )
    )


def meeting_proposal_list(*, user: AnyUser, meeting: Meeting) -> QuerySet[Proposal]:
    """A meeting's proposals the user may see, in agenda order, with their decisions."""
    return (
        proposal_list_for_user(user=user)
        .filter(meeting=meeting)
        .order_by("agenda_item__position", "opens_at", "pk")
    )


def proposal_version_list(*, proposal: Proposal) -> QuerySet[ProposalVersion]:
    return (
        ProposalVersion.objects.filter(proposal=proposal)
        .select_related("created_by")
        .order_by("-version")
    )


def round_entry_list(*, proposal: Proposal) -> QuerySet[RoundEntry]:
    """The consent round's questions and reactions, in the order they were given. No names: the
    page says which entries are the reader's own (``voter_id``), not whose the others are."""
    return RoundEntry.objects.filter(proposal=proposal).order_by("created_at", "pk")


def standing_objection_list(*, proposal: Proposal) -> QuerySet[Objection]:
    """Objections not yet resolved by an amendment the objector consented to."""
    return Objection.objects.filter(proposal=proposal, resolved_on_version__isnull=True).order_by(
        "raised_at", "pk"
    )


def paper_ballot_resident_list(*, proposal: Proposal) -> QuerySet[Resident]:
    """Whose paper ballot the chair may still record: the adults of the frozen electorate whose
    vote is not in yet."""
    voters = Voter.objects.filter(proposal=proposal)
    if proposal.status != ProposalStatus.OPEN or proposal.opened_at is None:
        return Resident.objects.none()
    not_voted = voters.exclude(Exists(Participation.objects.filter(voter=OuterRef("pk"))))
    if proposal.rules.get("electorate") == Electorate.HOUSEHOLD:
        residents = Resident.objects.filter(
            household_id__in=not_voted.values("household_id"),
            birth_year__lte=proposal.opened_at.year - ADULT_AGE,
        )
    else:
        residents = Resident.objects.filter(pk__in=not_voted.values("resident_id"))
    return residents.select_related("household").order_by(
        "household__unit_label", "first_name", "last_name", "pk"
    )


def proxy_holder_candidate_list(
    *, project: HousingProject, grantor: Resident | None, today: dt.date
) -> QuerySet[Resident]:
    """Who can hold the grantor's proxy: the adults living in the project today, but them."""
    living = Household.objects.filter(project=project, move_in__lte=today).filter(
        Q(move_out__isnull=True) | Q(move_out__gt=today)
    )
    return (
        Resident.objects.filter(household__in=living, birth_year__lte=today.year - ADULT_AGE)
        .exclude(pk=grantor.pk if grantor else None)
        .select_related("household")
        .order_by("first_name", "last_name", "household__unit_label", "pk")
    )


def proxy_meeting_list(*, project: HousingProject, now: dt.datetime) -> QuerySet[Meeting]:
    """Meetings a proxy can still be given for: not over (without an end, not started more than
    a day ago)."""
    return (
        Meeting.objects.filter(project=project)
        .filter(Q(end__gt=now) | Q(end__isnull=True, start__gt=now - dt.timedelta(days=1)))
        .order_by("start", "pk")
    )


def proxy_proposal_list(*, user: AnyUser, project: HousingProject) -> QuerySet[Proposal]:
    """The votes a proxy can still be given for: open ones, and drafts the user may see."""
    return (
        proposal_list_for_user(user=user)
        .filter(project=project, status__in=[ProposalStatus.DRAFT, ProposalStatus.OPEN])
        .order_by("opens_at", "pk")
    )


def today_in(project: HousingProject) -> dt.date:
    """Today where the project is."""
    return timezone.localtime(timezone.now(), ZoneInfo(project.city.time_zone)).date()


__all__ = [
    "meeting_proposal_list",
    "paper_ballot_resident_list",
    "project_proposal_list",
    "proposal_version_list",
    "proxy_holder_candidate_list",
    "proxy_meeting_list",
    "proxy_proposal_list",
    "round_entry_list",
    "standing_objection_list",
    "today_in",
]
