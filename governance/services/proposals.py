"""Proposals: drafting, opening (the electorate frozen), the consent round, closing into a decision.

Opening and closing happen exactly once. Each runs under the proposal's row lock (``FOR
UPDATE``) and does nothing unless the proposal is still in the state it expects, so two workers,
two beat ticks or a manager's button racing the schedule give one opening and one decision.
Ballots hold the same row with ``FOR SHARE`` (governance/services/ballots.py): a ballot either
commits before the close takes its lock, and is counted, or waits for it and is refused.

The close of a secret ballot opens its sealed ballots in the same transaction as the count: every
choice is decrypted, the list shuffled (``secrets.SystemRandom``), written as ``SecretChoice``
rows in that order and the sealed ballots deleted. So all published choices carry the close's
transaction id and lie on disk and in their keys in an order that has nothing to do with the
order of the votes.
"""

from __future__ import annotations

import datetime as dt
import secrets
from collections import Counter
from collections.abc import Iterable, Sequence
from fractions import Fraction

from dateutil.relativedelta import relativedelta
from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import Count, F, Q
from django.utils import formats, timezone
from django.utils.translation import gettext as _

from common.audit import audit_record
from common.models import AuditAction
from common.outbox import queue_after_commit
from common.validation import Conflict, save_validated
from community.money.services.schemes import scheme_adopt_by_decision
from governance import rules as rules_module
from governance import sealing, tally
from governance.models import (
    AgendaItem,
    ConsentPhase,
    Decision,
    DecisionClass,
    Electorate,
    Meeting,
    Objection,
    Participation,
    Proposal,
    ProposalStatus,
    ProposalVersion,
    SealedBallot,
    SecretChoice,
    Voter,
    VotingMethod,
)
from members.models import Household, HousingProject, Resident, User

OPTION_METHODS = (VotingMethod.APPROVAL, VotingMethod.RANKED)
MAX_OPTIONS = 30


def _clean_options(method: str, options: Sequence[object] | None) -> list[str]:
    if method not in OPTION_METHODS:
        if options:
            raise ValidationError(
                {"options": _("Only approval and ranked-choice votes have options.")},
                code="no_options",
            )
        return []
    cleaned = [str(option).strip() for option in options or ()]
    if any(not option for option in cleaned):
        raise ValidationError({"options": _("An option cannot be empty.")}, code="empty_option")
    repeated = sorted(option for option, seen in Counter(cleaned).items() if seen > 1)
    if repeated:
        raise ValidationError(
            {"options": _("Each option once: %(options)s.") % {"options": ", ".join(repeated)}},
            code="duplicate_option",
        )
    if not 2 <= len(cleaned) <= MAX_OPTIONS:
        raise ValidationError(
            {"options": _("Give between 2 and %(max)d options.") % {"max": MAX_OPTIONS}},
            code="option_count",
        )
    return cleaned


def _check_proposal(proposal: Proposal, *, now: dt.datetime) -> None:
    """Everything a draft must satisfy, whoever wrote it: the bylaws' notice period included."""
    decision_class = proposal.decision_class
    if decision_class.project_id != proposal.project_id:
        raise ValidationError(
            {"decision_class": _("This decision class belongs to another project.")}
        )
    if proposal.meeting_id and proposal.meeting.project_id != proposal.project_id:
        raise ValidationError({"meeting": _("This meeting belongs to another project.")})
    if proposal.agenda_item_id:
        meeting_id = proposal.agenda_item.meeting_id
        if proposal.meeting_id is None:
            proposal.meeting_id = meeting_id
        elif meeting_id != proposal.meeting_id:
            raise ValidationError({"agenda_item": _("This agenda item is not on that meeting.")})
        if proposal.agenda_item.meeting.project_id != proposal.project_id:
            raise ValidationError(
                {"agenda_item": _("This agenda item belongs to another project.")}
            )
    proposal.options = _clean_options(decision_class.method, proposal.options)
    if proposal.show_live_count and decision_class.secret:
        raise ValidationError(
            {"show_live_count": _("A secret ballot never shows a count before the close.")}
        )
    if decision_class.method == VotingMethod.APPROVAL:
        most = (
            proposal.max_approvals if proposal.max_approvals is not None else len(proposal.options)
        )
        if not 0 <= proposal.min_approvals <= most <= len(proposal.options):
            raise ValidationError(
                {
                    "max_approvals": _(
                        "Allow between the fewest approvals and the number of options."
                    )
                }
            )
    notice = dt.timedelta(days=decision_class.min_notice_days)
    if proposal.opens_at < now + notice - dt.timedelta(minutes=1):
        raise ValidationError(
            {
                "opens_at": _(
                    "The bylaws ask for %(days)d days' notice: the vote can open from %(date)s."
                )
                % {
                    "days": decision_class.min_notice_days,
                    "date": formats.date_format(
                        timezone.localtime(now + notice), "SHORT_DATETIME_FORMAT"
                    ),
                }
            },
            code="notice",
        )


@transaction.atomic
def proposal_create(
    *,
    project: HousingProject,
    decision_class: DecisionClass,
    title: str,
    text: str,
    opens_at: dt.datetime,
    closes_at: dt.datetime,
    author: User | None = None,
    options: Sequence[str] = (),
    meeting: Meeting | None = None,
    agenda_item: AgendaItem | None = None,
    show_live_count: bool = False,
    min_approvals: int = 1,
    max_approvals: int | None = None,
    now: dt.datetime | None = None,
) -> Proposal:
    proposal = Proposal(
        project=project,
        decision_class=decision_class,
        title=title,
        text=text,
        opens_at=opens_at,
        closes_at=closes_at,
        author=author,
        options=list(options),
        meeting=meeting,
        agenda_item=agenda_item,
        show_live_count=show_live_count,
        min_approvals=min_approvals,
        max_approvals=max_approvals,
    )
    _check_proposal(proposal, now=now or timezone.now())
    save_validated(proposal, exclude=["rules"])
    ProposalVersion.objects.create(proposal=proposal, version=1, text=text, created_by=author)
    return proposal


EDITABLE = (
    "title",
    "text",
    "opens_at",
    "closes_at",
    "options",
    "meeting",
    "agenda_item",
    "show_live_count",
    "min_approvals",
    "max_approvals",
    "decision_class",
)


def _locked(proposal: Proposal) -> Proposal:
    return (
        Proposal.objects.select_for_update(of=("self",))
        .select_related("decision_class", "project__city")
        .get(pk=proposal.pk)
    )


@transaction.atomic
def proposal_update(
    *, proposal: Proposal, now: dt.datetime | None = None, **changes: object
) -> Proposal:
    """Change a draft; once the vote is open only an amendment (consent) changes the text."""
    unknown = set(changes) - set(EDITABLE)
    if unknown:
        raise TypeError(f"not editable: {sorted(unknown)}")
    proposal = _locked(proposal)
    if proposal.status != ProposalStatus.DRAFT:
        raise Conflict(_("Only a draft can be edited."), status=proposal.status)
    for field, value in changes.items():
        setattr(proposal, field, value)
    _check_proposal(proposal, now=now or timezone.now())
    save_validated(proposal, exclude=["rules"])
    if "text" in changes:
        ProposalVersion.objects.filter(proposal=proposal, version=1).update(text=proposal.text)
    return proposal


@transaction.atomic
def proposal_withdraw(*, proposal: Proposal) -> Proposal:
    proposal = _locked(proposal)
    if proposal.status not in (ProposalStatus.DRAFT, ProposalStatus.OPEN):
        raise Conflict(_("A closed vote cannot be withdrawn."), status=proposal.status)
    proposal.status = ProposalStatus.WITHDRAWN
    proposal.closed_at = timezone.now()
    proposal.save(update_fields=["status", "closed_at"])
    # A withdrawn vote is never counted: its sealed ballots are never opened.
    SealedBallot.objects.filter(proposal=proposal).delete()
    return proposal


# --- Opening: the electorate is frozen ---------------------------------------------------------


def _electorate(proposal: Proposal, on: dt.date) -> list[Voter]:
    """Who may vote, as of the opening day: the adults of the households living there."""
    adult_born_by = on.year - rules_module.ADULT_AGE
    living = Household.objects.filter(project_id=proposal.project_id, move_in__lte=on).filter(
        Q(move_out__isnull=True) | Q(move_out__gt=on)
    )
    adults = list(
        Resident.objects.filter(household__in=living, birth_year__lte=adult_born_by)
        .order_by("household_id", "pk")
        .values_list("pk", "household_id")
    )
    electorate = proposal.rules["electorate"]
    if electorate == Electorate.HOUSEHOLD:
        households = dict.fromkeys(household for _resident, household in adults)
        return [Voter(proposal=proposal, household_id=household) for household in households]
    per_household = Counter(household for _resident, household in adults)
    split = electorate == Electorate.HOUSEHOLD_SPLIT
    return [
        Voter(
            proposal=proposal,
            household_id=household,
            resident_id=resident,
            weight_numerator=1,
            weight_denominator=per_household[household] if split else 1,
        )
        for resident, household in adults
    ]


def proposal_open(
    *, proposal: Proposal, now: dt.datetime | None = None, notify: bool = True
) -> bool:
    """Open a draft whose time has come; False (and nothing done) if it is not a draft any more
    or not yet due. ``now`` before ``opens_at`` never opens it: opening early would cut the
    notice the bylaws promise. Only the schedule opens a vote: the audit log records "system"."""
    now = now or timezone.now()
    with transaction.atomic():
        proposal = _locked(proposal)
        if proposal.status != ProposalStatus.DRAFT or proposal.opens_at > now:
            return False
        if proposal.closes_at <= now:
            # Missed its whole window (the workers were down): nobody could vote.
            raise Conflict(_("This vote's time has passed; move its dates first."))
        proposal.rules = rules_module.rules_snapshot(proposal.decision_class)
        proposal.status = ProposalStatus.OPEN
        proposal.opened_at = now
        if proposal.rules["method"] == VotingMethod.CONSENT:
            proposal.consent_phase = ConsentPhase.QUESTIONS
        proposal.save(update_fields=["rules", "status", "opened_at", "consent_phase"])
        on = timezone.localtime(now, rules_module.project_zone(proposal)).date()
        voters = Voter.objects.bulk_create(_electorate(proposal, on))
        audit_record(
            actor=None,
            action=AuditAction.PROPOSAL_OPENED,
            project_id=proposal.project_id,
            target=proposal,
            detail={"method": proposal.rules["method"], "electorate": len(voters)},
        )
        if notify:
            queue_after_commit("governance.tasks.proposal_opened_notify_task", proposal.pk)
    return True


def proposals_open_due(*, now: dt.datetime | None = None) -> int:
    """Open every draft whose time has come (beat); safe with several workers at once."""
    now = now or timezone.now()
    due = Proposal.objects.filter(
        status=ProposalStatus.DRAFT, opens_at__lte=now, closes_at__gt=now
    ).values_list("pk", flat=True)
    return sum(proposal_open(proposal=Proposal(pk=pk), now=now) for pk in due)


# --- The consent round -------------------------------------------------------------------------

NEXT_PHASE = {
    ConsentPhase.QUESTIONS: ConsentPhase.REACTIONS,
    ConsentPhase.REACTIONS: ConsentPhase.CONSENT,
}


@transaction.atomic
def consent_phase_advance(*, proposal: Proposal) -> Proposal:
    """Clarifying questions, then reactions, then the consent round itself."""
    proposal = _locked(proposal)
    if proposal.status != ProposalStatus.OPEN or proposal.consent_phase not in NEXT_PHASE:
        raise Conflict(_("This round cannot move on."), phase=proposal.consent_phase)
    proposal.consent_phase = NEXT_PHASE[ConsentPhase(proposal.consent_phase)]
    proposal.save(update_fields=["consent_phase"])
    return proposal


@transaction.atomic
def proposal_amend(
    *,
    proposal: Proposal,
    text: str,
    note: str,
    addresses: Iterable[int],
    amended_by: User | None = None,
) -> ProposalVersion:
    """Amend a proposal to meet objections: a new version, and its objectors are asked again
    (only them: the others keep their consent or stand-aside)."""
    proposal = _locked(proposal)
    if proposal.status != ProposalStatus.OPEN or proposal.consent_phase != ConsentPhase.CONSENT:
        raise Conflict(_("Only a proposal in its consent round is amended this way."))
    if not text.strip():
        raise ValidationError({"text": _("Write the amended text.")})
    addresses = set(addresses)
    standing = set(
        Objection.objects.filter(
            proposal=proposal, resolved_on_version__isnull=True, pk__in=addresses
        ).values_list("pk", flat=True)
    )
    if not addresses or addresses - standing:
        raise ValidationError({"addresses": _("Choose objections of this proposal that stand.")})
    proposal.version += 1
    proposal.text = text
    proposal.save(update_fields=["version", "text"])
    Objection.objects.filter(pk__in=standing).update(addressed_on_version=proposal.version)
    version = ProposalVersion.objects.create(
        proposal=proposal, version=proposal.version, text=text, note=note, created_by=amended_by
    )
    queue_after_commit("governance.tasks.proposal_amended_notify_task", version.pk)
    return version


# --- Closing: the decision ---------------------------------------------------------------------


def _counted_ballots(proposal: Proposal) -> list[rules_module.CountedBallot]:
    """The ballots for the count, identical ones grouped in SQL with their weights summed: a
    count of ten thousand ballots reads a few dozen rows. Consent keeps each voter apart, since
    objections are answered by their voter."""
    if proposal.rules["method"] == VotingMethod.CONSENT:
        rows = Participation.objects.filter(proposal=proposal).values_list(
            "choice", "voter__weight_numerator", "voter__weight_denominator", "voter_id"
        )
        return [rules_module.CountedBallot(c, Fraction(n, d), v) for c, n, d, v in rows]
    if proposal.rules.get("secret"):
        ballots = SecretChoice.objects.filter(proposal=proposal).values(
            "choice", numerator=F("weight_numerator"), denominator=F("weight_denominator")
        )
    else:
        ballots = Participation.objects.filter(proposal=proposal).values(
            "choice",
            numerator=F("voter__weight_numerator"),
            denominator=F("voter__weight_denominator"),
        )
    grouped = (
        ballots.annotate(ballots=Count("pk"))
        .order_by()
        .values_list("choice", "numerator", "denominator", "ballots")
    )
    return [
        rules_module.CountedBallot(choice, Fraction(ballots * n, d), count=ballots)
        for choice, n, d, ballots in grouped
    ]


def _objections(proposal: Proposal) -> list[tally.Objection]:
    rows = Objection.objects.filter(proposal=proposal).values_list(
        "voter_id",
        "reason",
        "resolved_on_version",
        "addressed_on_version",
        "voter__weight_numerator",
        "voter__weight_denominator",
    )
    return [
        tally.Objection(
            voter_id=voter,
            reason=reason,
            resolved=resolved is not None,
            addressed=addressed is not None,
            weight=Fraction(n, d),
        )
        for voter, reason, resolved, addressed, n, d in rows
    ]


def electorate_weight(proposal: Proposal) -> Fraction:
    weights = (
        Voter.objects.filter(proposal=proposal)
        .values("weight_numerator", "weight_denominator")
        .annotate(voters=Count("pk"))
        .order_by()
        .values_list("weight_numerator", "weight_denominator", "voters")
    )
    return sum((Fraction(n * voters, d) for n, d, voters in weights), Fraction(0))


def proposal_count(*, proposal: Proposal) -> rules_module.Count:
    """Count the ballots now (the close does this once; a live count reads it too)."""
    return rules_module.count(
        rules=proposal.rules,
        options=proposal.options,
        ballots=_counted_ballots(proposal),
        electorate_weight=electorate_weight(proposal),
        objections=_objections(proposal)
        if proposal.rules["method"] == VotingMethod.CONSENT
        else (),
        min_approvals=proposal.min_approvals,
        max_approvals=proposal.max_approvals,
    )


def _secret_ballots_unseal(proposal: Proposal) -> None:
    """Publish a secret vote's choices: open every sealed ballot, shuffle, write, delete.

    Runs inside the close's transaction, under its lock on the proposal, so no ballot comes in
    meanwhile and a second close finds the proposal closed and nothing left to open. A ballot
    that does not open (the sealing secret changed while the vote was open) stops the close:
    counting without it would be a wrong decision.
    """
    sealed = SealedBallot.objects.filter(proposal=proposal)
    ballots = [
        sealing.unseal(
            secret=settings.BALLOT_SEALING_KEY, proposal_id=proposal.pk, sealed=bytes(content)
        )
        for content in sealed.values_list("sealed", flat=True)
    ]
    secrets.SystemRandom().shuffle(ballots)
    SecretChoice.objects.bulk_create(
        (
            SecretChoice(
                proposal=proposal,
                choice=ballot.choice,
                weight_numerator=ballot.weight_numerator,
                weight_denominator=ballot.weight_denominator,
                receipt=ballot.receipt,
            )
            for ballot in ballots
        ),
        batch_size=1000,
    )
    sealed.delete()


def _review_due(proposal: Proposal, decided: dt.datetime) -> dt.date | None:
    months = proposal.rules.get("review_months")
    if not months:
        return None
    return timezone.localtime(decided, rules_module.project_zone(proposal)).date() + relativedelta(
        months=months
    )


def check_proposal_close(*, proposal: Proposal, now: dt.datetime | None = None) -> bool:
    """Whether a manager may close the proposal now: False when it is not open; a ``Conflict``
    when it is a count of votes whose time is not up. Closing checks it again under the
    proposal's lock; a page checks it first, before asking a manager to confirm."""
    now = now or timezone.now()
    if proposal.status != ProposalStatus.OPEN:
        return False
    # A count of votes must not end while people are still entitled to vote.
    if proposal.closes_at > now and proposal.rules["method"] != VotingMethod.CONSENT:
        raise Conflict(_("Only a consent round can be closed before its time."))
    return True


def proposal_close(
    *,
    proposal: Proposal,
    now: dt.datetime | None = None,
    early: bool = False,
    notify: bool = True,
    closed_by: User | None = None,
) -> Decision | None:
    """Close an open proposal whose time is up and record its decision; None if it is not open
    any more or not yet due. ``early`` ends a consent round before its time, which only makes
    sense there: a count of votes must not end while people are still entitled to vote.
    Recorded in the audit log with ``closed_by`` (None: the schedule closed it, "system"); the
    record says whether it passed, never how anyone voted."""
    now = now or timezone.now()
    with transaction.atomic():
        proposal = _locked(proposal)
        if proposal.closes_at > now and not early:
            return None
        if not check_proposal_close(proposal=proposal, now=now):
            return None
        if proposal.rules.get("secret"):
            _secret_ballots_unseal(proposal)
        counted = proposal_count(proposal=proposal)
        proposal.status = ProposalStatus.CLOSED
        proposal.closed_at = now
        proposal.save(update_fields=["status", "closed_at"])
        decision = Decision.objects.create(
            proposal=proposal,
            project_id=proposal.project_id,
            tally=counted.tally,
            rules=proposal.rules,
            electorate_size=Voter.objects.filter(proposal=proposal).count(),
            turnout=rules_module.fraction_decimal(min(counted.turnout, Fraction(1))),
            quorum_met=counted.quorum_met,
            passed=counted.passed,
            tie=counted.tie,
            outcome=counted.outcome,
            decided_at=now,
            review_due=_review_due(proposal, now),
        )
        audit_record(
            actor=closed_by,
            action=AuditAction.PROPOSAL_CLOSED,
            project_id=proposal.project_id,
            target=proposal,
            detail={"decision": decision.pk, "early": early, "passed": decision.passed},
        )
        # A contribution scheme put to this vote is adopted with the decision, or not at all.
        scheme_adopt_by_decision(decision=decision)
        if notify:
            queue_after_commit("governance.tasks.decision_published_task", decision.pk)
    return decision


def proposals_close_due(*, now: dt.datetime | None = None) -> int:
    """Close every open proposal whose time is up (beat); safe with several workers at once."""
    now = now or timezone.now()
    due = Proposal.objects.filter(status=ProposalStatus.OPEN, closes_at__lte=now).values_list(
        "pk", flat=True
    )
    return sum(proposal_close(proposal=Proposal(pk=pk), now=now) is not None for pk in due)


__all__ = [
    "check_proposal_close",
    "consent_phase_advance",
    "electorate_weight",
    "proposal_amend",
    "proposal_close",
    "proposal_count",
    "proposal_create",
    "proposal_open",
    "proposal_update",
    "proposal_withdraw",
    "proposals_close_due",
    "proposals_open_due",
]
