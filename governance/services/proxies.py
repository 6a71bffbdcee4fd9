"""Proxies: a voter gives its vote on one proposal, or on a meeting's proposals, to another voter.

The holder carries at most the project's proxy limit for any one vote, and nobody passes on a
vote they hold (no chains): a holder cannot give their own vote away for that vote, and a voter
who holds votes cannot give theirs. Grants for one holder are serialised on the holder's row, so
two grantors racing for the last place cannot both get it. A proxy is revocable until the vote
closes, and locked once its holder has used it.
"""

from __future__ import annotations

from django.db import transaction
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext as _

from common.validation import Conflict, field_error, save_validated
from governance.models import Meeting, Participation, Proposal, ProposalStatus, Proxy
from members.models import Resident


def _scope_filter(*, meeting: Meeting | None, proposal: Proposal | None) -> Q:
    """Proxies that cover the same vote: a proposal's own and its meeting's, or a meeting's and
    those of its proposals."""
    if proposal is not None:
        scope = Q(proposal=proposal)
        if proposal.meeting_id:
            scope |= Q(meeting_id=proposal.meeting_id)
        return scope
    return Q(meeting=meeting) | Q(proposal__meeting=meeting)


def _check_scope_open(*, meeting: Meeting | None, proposal: Proposal | None) -> None:
    if proposal is not None and proposal.status in (
        ProposalStatus.CLOSED,
        ProposalStatus.WITHDRAWN,
    ):
        raise Conflict(_("This vote is over."))
    if meeting is not None and meeting.end and meeting.end <= timezone.now():
        raise Conflict(_("This meeting is over."))


@transaction.atomic
def proxy_grant(
    *,
    grantor: Resident,
    holder: Resident,
    meeting: Meeting | None = None,
    proposal: Proposal | None = None,
) -> Proxy:
    if (meeting is None) == (proposal is None):
        raise field_error("proposal", _("A proxy is for one meeting or one proposal."), "scope")
    project_id = (proposal or meeting).project_id
    if grantor.pk == holder.pk:
        raise field_error("holder", _("A proxy cannot be given to oneself."), "self")
    # Lock the holder first: every grant to them waits here, so the limit holds under races.
    holder = (
        Resident.objects.select_for_update().select_related("household__project").get(pk=holder.pk)
    )
    if grantor.household.project_id != project_id:
        raise field_error(
            "grantor", _("Only a voter of this project gives a proxy here."), "project"
        )
    if holder.household.project_id != project_id:
        raise field_error(
            "holder", _("The proxy holder must be a voter of the same project."), "project"
        )
    _check_scope_open(meeting=meeting, proposal=proposal)
    scope = _scope_filter(meeting=meeting, proposal=proposal)
    active = Proxy.objects.filter(scope, revoked_at__isnull=True)
    if active.filter(grantor=grantor).exists():
        raise field_error(
            "holder",
            _("You have already given your vote for this; revoke that proxy first."),
            "already_given",
        )
    if active.filter(grantor=holder).exists():
        raise field_error(
            "holder",
            _("This person has given their own vote away; a proxy cannot be passed on."),
            "chain",
        )
    if active.filter(holder=grantor).exists():
        raise field_error(
            "grantor", _("You hold someone's proxy for this; a proxy cannot be passed on."), "chain"
        )
    limit = holder.household.project.proxy_limit
    if active.filter(holder=holder).count() >= limit:
        raise field_error(
            "holder",
            _("This person already carries %(limit)d proxy/proxies, the limit.") % {"limit": limit},
            "limit",
        )
    proxy = Proxy(
        project_id=project_id, grantor=grantor, holder=holder, meeting=meeting, proposal=proposal
    )
    return save_validated(proxy)


@transaction.atomic
def proxy_revoke(*, proxy: Proxy) -> Proxy:
    proxy = (
        Proxy.objects.select_for_update(of=("self",))
        .select_related("proposal", "meeting")
        .get(pk=proxy.pk)
    )
    if proxy.revoked_at is not None:
        return proxy
    _check_scope_open(meeting=proxy.meeting, proposal=proxy.proposal)
    if Participation.objects.filter(via_proxy=proxy).exists():
        raise Conflict(_("The holder has voted with this proxy; it can no longer be revoked."))
    proxy.revoked_at = timezone.now()
    proxy.save(update_fields=["revoked_at"])
    return proxy


__all__ = ["proxy_grant", "proxy_revoke"]
