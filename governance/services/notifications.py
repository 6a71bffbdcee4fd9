"""E-mails about votes: it opens, it closes in 24 hours (to those who have not voted), its result,
an amendment that asks an objector again, and a decision due for review.

Each goes out once. The row it is about is locked (``SKIP LOCKED`` for the periodic ones) and its
``…_notified_at`` / ``…_sent_at`` mark is set in the same transaction, so a second worker or a
retry finds nothing left to send.
"""

from __future__ import annotations

import datetime as dt
import logging
from collections.abc import Iterable

from django.conf import settings
from django.core.mail import EmailMessage, get_connection
from django.db import transaction
from django.db.models import Exists, OuterRef, Q, QuerySet
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import formats, timezone, translation
from django.utils.functional import lazy
from django.utils.translation import gettext as _
from django.utils.translation import gettext_noop

from governance import rules as rules_module
from governance.models import (
    Decision,
    Objection,
    Participation,
    Proposal,
    ProposalStatus,
    ProposalVersion,
    Voter,
)
from members.models import Resident, RoleKind, User

logger = logging.getLogger(__name__)

CLOSING_REMINDER_LEAD = dt.timedelta(hours=24)


def _voter_accounts(voters: QuerySet[Voter], *, opened: dt.datetime) -> list[User]:
    """The accounts that may cast these voters' ballots: the voter's own, or, for a household's
    vote, its adults'. One query."""
    adult_born_by = opened.year - rules_module.ADULT_AGE
    residents = Resident.objects.filter(user__isnull=False, user__is_active=True).filter(
        Q(pk__in=voters.filter(resident__isnull=False).values("resident_id"))
        | Q(
            household_id__in=voters.filter(resident__isnull=True).values("household_id"),
            birth_year__lte=adult_born_by,
        )
    )
    return [resident.user for resident in residents.select_related("user").order_by("pk")]


def _send(users: Iterable[User], *, template: str, subject: str, context: dict) -> int:
    """One e-mail per user, each in the user's language; the subject is translated there too."""
    messages = []
    for user in users:
        with translation.override(user.language):
            body = render_to_string(template, {**context, "user": user})
            messages.append(EmailMessage(_(subject) % context, body, None, [user.email]))
    if not messages:
        return 0
    with get_connection() as connection:
        return connection.send_messages(messages)


def _proposal_context(proposal: Proposal) -> dict:
    closes = timezone.localtime(proposal.closes_at, rules_module.project_zone(proposal))
    return {
        "proposal": proposal,
        "title": proposal.title,
        "project": proposal.project.name,
        "url": settings.SITE_URL + reverse("proposal_detail", args=[proposal.pk]),
        # Written when each recipient's e-mail is, in that recipient's language.
        "closes": lazy(formats.date_format, str)(closes, "DATETIME_FORMAT"),
    }


def proposal_opened_notify(*, proposal_id: int) -> int:
    with transaction.atomic():
        proposal = (
            Proposal.objects.select_for_update(of=("self",))
            .select_related("project__city")
            .filter(pk=proposal_id, status=ProposalStatus.OPEN, opening_notified_at__isnull=True)
            .first()
        )
        if proposal is None:
            return 0
        users = _voter_accounts(proposal.voters.all(), opened=proposal.opened_at)
        sent = _send(
            users,
            template="governance/email/vote_opened.txt",
            subject=gettext_noop("Vote open: %(title)s"),
            context=_proposal_context(proposal),
        )
        proposal.opening_notified_at = timezone.now()
        proposal.save(update_fields=["opening_notified_at"])
    return sent


def proposals_closing_remind(*, now: dt.datetime | None = None) -> int:
    """Remind those who have not voted, once per proposal, when its close is a day away."""
    now = now or timezone.now()
    sent = 0
    while True:
        with transaction.atomic():
            proposal = (
                Proposal.objects.select_for_update(skip_locked=True, of=("self",))
                .select_related("project__city")
                .filter(
                    status=ProposalStatus.OPEN,
                    closing_reminder_sent_at__isnull=True,
                    closes_at__gt=now,
                    closes_at__lte=now + CLOSING_REMINDER_LEAD,
                )
                .order_by("closes_at", "pk")
                .first()
            )
            if proposal is None:
                return sent
            not_voted = proposal.voters.filter(
                ~Exists(Participation.objects.filter(voter=OuterRef("pk")))
            )
            sent += _send(
                _voter_accounts(not_voted, opened=proposal.opened_at),
                template="governance/email/vote_closing.txt",
                subject=gettext_noop("A day left to vote: %(title)s"),
                context=_proposal_context(proposal),
            )
            proposal.closing_reminder_sent_at = now
            proposal.save(update_fields=["closing_reminder_sent_at"])


def decision_published_notify(*, decision_id: int) -> int:
    with transaction.atomic():
        decision = (
            Decision.objects.select_for_update(of=("self",))
            .select_related("proposal__project__city")
            .filter(pk=decision_id, result_notified_at__isnull=True)
            .first()
        )
        if decision is None:
            return 0
        proposal = decision.proposal
        sent = _send(
            _voter_accounts(proposal.voters.all(), opened=proposal.opened_at),
            template="governance/email/vote_result.txt",
            subject=gettext_noop("Result: %(title)s"),
            context={**_proposal_context(proposal), "decision": decision},
        )
        decision.result_notified_at = timezone.now()
        decision.save(update_fields=["result_notified_at"])
    return sent


def proposal_amended_notify(*, version_id: int) -> int:
    """Ask again the objectors whose objections this amendment addressed."""
    version = ProposalVersion.objects.select_related("proposal__project__city").get(pk=version_id)
    proposal = version.proposal
    voters = Voter.objects.filter(
        pk__in=Objection.objects.filter(
            proposal=proposal,
            addressed_on_version=version.version,
            resolved_on_version__isnull=True,
        ).values("voter_id")
    )
    return _send(
        _voter_accounts(voters, opened=proposal.opened_at),
        template="governance/email/proposal_amended.txt",
        subject=gettext_noop("Amended to meet your objection: %(title)s"),
        context={**_proposal_context(proposal), "version": version},
    )


def decisions_review_remind(*, today: dt.date | None = None) -> int:
    """Tell a project's managers when one of its decisions is due for review, once."""
    today = today or timezone.localdate()
    sent = 0
    while True:
        with transaction.atomic():
            decision = (
                Decision.objects.select_for_update(skip_locked=True, of=("self",))
                .select_related("proposal__project__city")
                .filter(review_due__lte=today, review_reminded_at__isnull=True)
                .order_by("review_due", "pk")
                .first()
            )
            if decision is None:
                return sent
            managers = User.objects.filter(
                is_active=True,
                roles__project_id=decision.project_id,
                roles__kind=RoleKind.MANAGER,
                roles__revoked_at__isnull=True,
            ).distinct()
            sent += _send(
                managers,
                template="governance/email/decision_review.txt",
                subject=gettext_noop("Due for review: %(title)s"),
                context={**_proposal_context(decision.proposal), "decision": decision},
            )
            decision.review_reminded_at = timezone.now()
            decision.save(update_fields=["review_reminded_at"])


__all__ = [
    "CLOSING_REMINDER_LEAD",
    "decision_published_notify",
    "decisions_review_remind",
    "proposal_amended_notify",
    "proposal_opened_notify",
    "proposals_closing_remind",
]
