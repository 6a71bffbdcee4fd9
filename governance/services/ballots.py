"""Casting a ballot: once per voter, in person, by proxy or on paper, openly or secretly.

Every cast holds the proposal's row with ``FOR SHARE`` and its voter's row with ``FOR UPDATE``,
each taken by the statement that reads the row.
The first lets ballots go in side by side but never past the close (which takes ``FOR UPDATE``
on the proposal: it waits for ballots in flight and every later ballot finds the vote closed);
the second puts all casts for one voter — the voter, their proxy holder, a chair with a paper
ballot, a hundred taps on a button — in a line, so the unique ``one_vote_per_voter`` constraint
is never even reached by a second insert, and an open ballot's change is a plain update.

A secret ballot writes the ``Participation`` (who took part) and a ``SealedBallot``: the choice
and a receipt code, encrypted under the proposal's key, which is not in the database. The voter
is handed the receipt code once, from memory; nothing in clear in this transaction says what
they chose, and the close publishes the choices from a transaction of its own, shuffled.
"""

from __future__ import annotations

import datetime as dt
import secrets
from dataclasses import dataclass
from typing import Any

from django.conf import settings
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import connection, transaction
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext as _

from common.transactions import in_transaction
from common.validation import Conflict, field_error
from governance import rules as rules_module
from governance import sealing, tally
from governance.models import (
    ConsentPhase,
    Electorate,
    Objection,
    Participation,
    Proposal,
    ProposalStatus,
    Proxy,
    RoundEntry,
    SealedBallot,
    Voter,
    VotingMethod,
)
from members.models import Resident, User
from members.selectors import own_household_ids, user_can_manage_project

OBJECT = "object"
CONSENT_CHOICES = (*tally.CONSENT_POSITIONS, OBJECT)
RECEIPT_ALPHABET = "ABCDEFGHJKLMNPQRSTUVWXYZ23456789"  # no 0/O, 1/I: read aloud, typed back


def receipt_code() -> str:
    """Twelve characters in groups of four (60 bits): easy to copy, hopeless to guess."""
    raw = "".join(secrets.choice(RECEIPT_ALPHABET) for _ in range(12))
    return "-".join(raw[i : i + 4] for i in range(0, 12, 4))


@dataclass(frozen=True)
class BallotReceipt:
    """What the voter is told: their ballot is in, and, for a secret ballot, the receipt code."""

    proposal_id: int
    voter_id: int
    receipt: str | None
    changed: bool
    via_proxy: bool
    on_paper: bool


def _open_proposal(proposal: Proposal, now: dt.datetime) -> Proposal:
    """The proposal read afresh and held against the close until this transaction ends; 409
    outside its window. Its project and meeting are read when asked for (a paper ballot's
    check): a vote does not need them."""
    if connection.vendor == "postgresql":
        # FOR SHARE, which select_for_update cannot say, in the statement that reads the row.
        rows = Proposal.objects.raw(
            "SELECT * FROM governance_proposal WHERE id = %s FOR SHARE", [proposal.pk]
        )
        proposal = next(iter(rows), None)
        if proposal is None:
            raise Proposal.DoesNotExist
    else:
        proposal = Proposal.objects.get(pk=proposal.pk)
    if proposal.status == ProposalStatus.DRAFT or (
        proposal.status == ProposalStatus.OPEN and now < proposal.opens_at
    ):
        raise Conflict(_("This vote is not open yet."), opens_at=proposal.opens_at.isoformat())
    if proposal.status != ProposalStatus.OPEN or now >= proposal.closes_at:
        raise Conflict(_("This vote is closed."), closes_at=proposal.closes_at.isoformat())
    return proposal


def resident_in_project(*, user: User, project_id: int) -> Resident | None:
    """The user's resident record in the project, while their role there lasts."""
    if not user.is_authenticated:
        return None
    return (
        Resident.objects.filter(
            user=user,
            household__project_id=project_id,
            household_id__in=own_household_ids(user=user),
        )
        .select_related("household")
        .first()
    )


def resident_of(*, user: User, proposal: Proposal) -> Resident | None:
    return resident_in_project(user=user, project_id=proposal.project_id)


def voter_of(*, proposal: Proposal, resident: Resident, lock: bool = False) -> Voter | None:
    """The resident's place in the frozen electorate: their own, or their household's; with
    ``lock``, its row held until the transaction ends (every cast for one voter in a line)."""
    voters = Voter.objects.filter(proposal=proposal)
    if lock:
        voters = voters.select_for_update()
    if proposal.rules.get("electorate") == Electorate.HOUSEHOLD:
        if resident.birth_year > proposal.opened_at.year - rules_module.ADULT_AGE:
            return None  # a household's vote is cast by one of its adults
        return voters.filter(household_id=resident.household_id, resident__isnull=True).first()
    return voters.filter(resident=resident).first()


def active_proxy(*, proposal: Proposal, grantor: Resident, holder: Resident) -> Proxy | None:
    scope = Q(proposal=proposal)
    if proposal.meeting_id:
        scope |= Q(meeting_id=proposal.meeting_id)
    return (
        Proxy.objects.filter(scope, grantor=grantor, holder=holder, revoked_at__isnull=True)
        # Held until the ballot commits: a revocation racing it waits, then finds it used.
        .select_for_update()
        .order_by("pk")
        .first()
    )


def _ballot_error(exc: tally.InvalidBallot) -> ValidationError:
    detail = exc.detail
    messages = {
        tally.BallotError.UNKNOWN_CHOICE: _("Choose one of the offered answers."),
        tally.BallotError.UNKNOWN_OPTION: _("Not an option of this vote: %(options)s."),
        tally.BallotError.DUPLICATE: _("Each option at most once: %(options)s."),
        tally.BallotError.TOO_FEW_APPROVALS: _("Approve at least %(min)s option(s)."),
        tally.BallotError.TOO_MANY_APPROVALS: _("Approve at most %(max)s option(s)."),
        tally.BallotError.INVALID_RANK: _("Ranks are whole numbers from 1: %(ranks)s."),
        tally.BallotError.DUPLICATE_RANK: _("Two options share a rank: %(ranks)s."),
        tally.BallotError.GAP: _("Ranks must follow on from 1 without gaps; missing %(missing)s."),
        tally.BallotError.MISSING_REASON: _("An objection needs its reason."),
    }
    params = {
        "options": ", ".join(map(str, detail.get("options", []))),
        "ranks": ", ".join(map(str, detail.get("ranks", []))),
        "missing": ", ".join(map(str, detail.get("missing_ranks", []))),
        "min": detail.get("min", ""),
        "max": detail.get("max", ""),
    }
    return field_error("choice", messages[exc.code] % params, exc.code.value)


def validate_choice(*, proposal: Proposal, choice: Any) -> Any:
    """The ballot in its stored form, or a 400 saying what is wrong with it."""
    method = proposal.rules["method"]
    try:
        if method == VotingMethod.YES_NO:
            return tally.validate_yes_no(choice)
        if method == VotingMethod.APPROVAL:
            if not isinstance(choice, list | tuple):
                raise tally.InvalidBallot(tally.BallotError.UNKNOWN_OPTION, {"options": [choice]})
            approved = tally.validate_approval(
                choice, proposal.options, proposal.min_approvals, proposal.max_approvals
            )
            return [option for option in proposal.options if option in approved]
        if method == VotingMethod.RANKED:
            if not isinstance(choice, list | tuple | dict):
                raise tally.InvalidBallot(tally.BallotError.UNKNOWN_OPTION, {"options": [choice]})
            return list(tally.validate_ranking(choice, proposal.options))
    except TypeError as exc:
        raise ValidationError({"choice": _("This ballot cannot be read.")}) from exc
    except tally.InvalidBallot as exc:
        raise _ballot_error(exc) from exc
    if choice not in CONSENT_CHOICES:
        raise _ballot_error(tally.InvalidBallot(tally.BallotError.UNKNOWN_CHOICE))
    return choice


def _consent(
    *, proposal: Proposal, voter: Voter, existing: Participation | None, choice: str, reason: str
) -> None:
    """A position in the consent round; an objection needs its reason, and after an amendment
    only the objectors it addressed answer again."""
    if proposal.consent_phase != ConsentPhase.CONSENT:
        raise Conflict(
            _("Positions are given in the consent round; this proposal is at: %(phase)s.")
            % {"phase": ConsentPhase(proposal.consent_phase).label},
            phase=proposal.consent_phase,
        )
    if choice == OBJECT and not reason.strip():
        raise ValidationError({"reason": _("An objection needs its reason.")})
    reasked = Objection.objects.filter(
        proposal=proposal,
        voter=voter,
        addressed_on_version__isnull=False,
        resolved_on_version__isnull=True,
    )
    if existing is not None:
        if not reasked.exists():
            raise Conflict(
                _("Your position is recorded; only objectors are asked again after an amendment.")
            )
        if choice == OBJECT:
            reasked.update(addressed_on_version=None)  # it still stands
        else:
            reasked.update(resolved_on_version=proposal.version, resolved_at=timezone.now())
    if choice == OBJECT:
        Objection.objects.create(
            proposal=proposal,
            voter=voter,
            reason=reason.strip(),
            raised_on_version=proposal.version,
        )


def _cast(
    *,
    proposal: Proposal,
    voter: Voter,
    choice: Any,
    cast_by: User,
    via_proxy: Proxy | None = None,
    on_paper: bool = False,
    reason: str = "",
    now: dt.datetime,
) -> BallotReceipt:
    """Cast for ``voter``, whose row the caller holds (``voter_of(lock=True)``). Every refusal
    comes before the first write."""
    choice = validate_choice(proposal=proposal, choice=choice)
    existing = Participation.objects.filter(proposal=proposal, voter=voter).first()
    method = proposal.rules["method"]
    secret = proposal.rules.get("secret") and method != VotingMethod.CONSENT
    if method == VotingMethod.CONSENT:
        _consent(proposal=proposal, voter=voter, existing=existing, choice=choice, reason=reason)
    elif existing is not None:
        if secret:
            raise Conflict(_("This ballot is already cast; a secret ballot cannot be changed."))
        if existing.on_paper and not on_paper:
            raise Conflict(_("This ballot was recorded on paper at the meeting."))
        if existing.via_proxy_id and via_proxy is None:
            raise Conflict(_("Your proxy holder has already voted for you."))
        if existing.via_proxy_id is None and via_proxy is not None:
            raise Conflict(_("This voter has voted in person; the proxy no longer applies."))
    receipt = sealed = None
    if secret:  # sealed before the first write: a sealing failure leaves nothing half-cast
        receipt = receipt_code()
        ballot = sealing.Ballot(choice, receipt, voter.weight_numerator, voter.weight_denominator)
        sealed = sealing.seal(
            secret=settings.BALLOT_SEALING_KEY,
            proposal_id=proposal.pk,
            options=proposal.options,
            ballot=ballot,
        )
    fields = {"cast_by": cast_by, "via_proxy": via_proxy, "on_paper": on_paper, "cast_at": now}
    if existing is None:
        Participation.objects.create(
            proposal=proposal, voter=voter, choice=None if secret else choice, **fields
        )
    else:
        for field, value in fields.items():
            setattr(existing, field, value)
        existing.choice = choice
        existing.save(update_fields=[*fields, "choice"])
    if sealed is not None:
        SealedBallot.objects.create(proposal=proposal, sealed=sealed)
    return BallotReceipt(
        proposal_id=proposal.pk,
        voter_id=voter.pk,
        receipt=receipt,
        changed=existing is not None,
        via_proxy=via_proxy is not None,
        on_paper=on_paper,
    )


@in_transaction
def ballot_cast(
    *,
    proposal: Proposal,
    user: User,
    choice: Any,
    on_behalf_of: Resident | None = None,
    reason: str = "",
    now: dt.datetime | None = None,
) -> BallotReceipt:
    """The user votes, for themselves (or their household), or for a voter whose proxy they hold.

    403 if they are not in the frozen electorate or hold no such proxy; 409 outside the vote's
    window or when the ballot may not change; 400 for a ballot the method does not allow.
    """
    now = now or timezone.now()
    proposal = _open_proposal(proposal, now)
    resident = resident_of(user=user, proposal=proposal)
    if resident is None:
        raise PermissionDenied(_("You are not in this vote's electorate."))
    via_proxy = None
    if on_behalf_of is not None and on_behalf_of.pk != resident.pk:
        via_proxy = active_proxy(proposal=proposal, grantor=on_behalf_of, holder=resident)
        if via_proxy is None:
            raise PermissionDenied(_("You hold no proxy from this person for this vote."))
        voter = voter_of(proposal=proposal, resident=on_behalf_of, lock=True)
    else:
        voter = voter_of(proposal=proposal, resident=resident, lock=True)
    if voter is None:
        raise PermissionDenied(_("You are not in this vote's electorate."))
    return _cast(
        proposal=proposal,
        voter=voter,
        choice=choice,
        cast_by=user,
        via_proxy=via_proxy,
        reason=reason,
        now=now,
    )


def user_can_record_paper_ballots(*, user: User, proposal: Proposal) -> bool:
    meeting = proposal.meeting
    if meeting is None:
        return False
    return meeting.chair_id == user.pk or user_can_manage_project(
        user=user, project=proposal.project
    )


@transaction.atomic
def ballot_cast_paper(
    *,
    proposal: Proposal,
    recorded_by: User,
    resident: Resident,
    choice: Any,
    reason: str = "",
    now: dt.datetime | None = None,
) -> BallotReceipt:
    """The meeting's chair records the ballot of a voter present without a device. It counts
    once, like any other: a voter who already voted online is refused (409)."""
    now = now or timezone.now()
    proposal = _open_proposal(proposal, now)
    if not user_can_record_paper_ballots(user=recorded_by, proposal=proposal):
        raise PermissionDenied(_("Only the meeting's chair records paper ballots."))
    voter = voter_of(proposal=proposal, resident=resident, lock=True)
    if voter is None:
        raise ValidationError({"resident": _("This person is not in this vote's electorate.")})
    if Participation.objects.filter(proposal=proposal, voter=voter).exists():
        raise Conflict(_("This voter has already voted."))
    return _cast(
        proposal=proposal,
        voter=voter,
        choice=choice,
        cast_by=recorded_by,
        on_paper=True,
        reason=reason,
        now=now,
    )


@transaction.atomic
def round_entry_add(*, proposal: Proposal, user: User, text: str) -> RoundEntry:
    """A clarifying question or a reaction, in the round the proposal is in."""
    proposal = _open_proposal(proposal, timezone.now())
    if proposal.consent_phase not in (ConsentPhase.QUESTIONS, ConsentPhase.REACTIONS):
        raise Conflict(_("Questions and reactions come before the consent round."))
    resident = resident_of(user=user, proposal=proposal)
    voter = voter_of(proposal=proposal, resident=resident) if resident else None
    if voter is None:
        raise PermissionDenied(_("You are not in this vote's electorate."))
    if not text.strip():
        raise ValidationError({"text": _("Write your question or reaction.")})
    return RoundEntry.objects.create(
        proposal=proposal,
        voter=voter,
        phase=proposal.consent_phase,
        version=proposal.version,
        text=text.strip(),
    )


def round_entry_answer(*, entry: RoundEntry, answer: str) -> RoundEntry:
    if entry.phase != ConsentPhase.QUESTIONS:
        raise ValidationError({"answer": _("Only clarifying questions are answered.")})
    entry.answer = answer.strip()
    entry.save(update_fields=["answer"])
    return entry


__all__ = [
    "BallotReceipt",
    "active_proxy",
    "ballot_cast",
    "ballot_cast_paper",
    "receipt_code",
    "resident_in_project",
    "resident_of",
    "round_entry_add",
    "round_entry_answer",
    "user_can_record_paper_ballots",
    "validate_choice",
    "voter_of",
]
