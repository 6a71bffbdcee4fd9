"""Pages for proposals: a project's votes, a proposal with its ballot forms and its consent
round, the results, and the managers' drafting forms.

Thin: selectors read, services write; forms take the services' errors on their fields. A
proposal, project or proxy the user may not see answers 404 (city officers see none of this);
one they see but may not act on answers 403; a vote that moved on meanwhile (closed, already
cast) is a ``Conflict``, shown as a message on the proposal's page. Every page shows times in the
project's time zone (``timezone.override``).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core import signing
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils import formats, timezone
from django.utils.translation import gettext as _
from django.utils.translation import ngettext
from django.views.decorators.http import require_POST

from common.access import done, require
from common.forms import submit
from common.validation import Conflict
from governance.forms.proposals import (
    AmendmentForm,
    AnswerForm,
    BallotForm,
    ProposalForm,
    ReceiptSearchForm,
    RoundEntryForm,
    ballot_form_class,
    ballot_initial,
)
from governance.models import (
    ConsentPhase,
    Decision,
    Objection,
    Proposal,
    ProposalStatus,
    RoundEntry,
    VotingMethod,
)
from governance.proposal_display import (
    choice_text,
    quorum_summary,
    result_table,
    round_table,
    rules_facts,
    threshold_summary,
)
from governance.rules import rules_snapshot
from governance.selectors.proposal_pages import (
    paper_ballot_resident_list,
    project_proposal_list,
    proposal_version_list,
    round_entry_list,
    standing_objection_list,
)
from governance.selectors.proposals import (
    BallotState,
    proposal_ballot_state,
    proposal_list_for_user,
    proposal_open_ballots,
    proposal_receipts,
    proposal_results,
    proposal_turnout,
)
from governance.services.ballots import (
    ballot_cast,
    ballot_cast_paper,
    round_entry_add,
    round_entry_answer,
    user_can_record_paper_ballots,
)
from governance.services.proposals import (
    check_proposal_close,
    consent_phase_advance,
    proposal_amend,
    proposal_close,
    proposal_create,
    proposal_update,
    proposal_withdraw,
)
from members.access import member_project, project_time_zone
from members.models import Resident
from members.selectors import user_can_manage_project

# A secret ballot's receipt code goes from the cast to the page it leads back to in a signed
# cookie of the voter's browser, scoped to that page, never in the session: a session is a row in
# the database beside the user's id, and with the code published at the close it would name the
# voter's choice.
RECEIPTS_COOKIE = "ballot_receipts"
RECEIPTS_COOKIE_AGE = 600  # seconds: the redirect follows at once


# --- Access -----------------------------------------------------------------------------------


def _visible_proposal(request: HttpRequest, pk: int) -> Proposal:
    """A proposal of a project the user lives in or manages (drafts: managers and author)."""
    return get_object_or_404(proposal_list_for_user(user=request.user), pk=pk)


def _managed_proposal(request: HttpRequest, pk: int) -> Proposal:
    proposal = _visible_proposal(request, pk)
    require(user_can_manage_project(user=request.user, project=proposal.project))
    return proposal


def _detail_url(proposal: Proposal) -> str:
    return reverse("proposal_detail", args=[proposal.pk])


def _rules(proposal: Proposal) -> dict[str, Any]:
    """The rules frozen at the opening; before it, the class's as they stand now."""
    return proposal.rules or rules_snapshot(proposal.decision_class)


def _is_open(proposal: Proposal, now: Any) -> bool:
    return proposal.status == ProposalStatus.OPEN and proposal.opens_at <= now < proposal.closes_at


def _error_message(request: HttpRequest, exc: Conflict) -> None:
    messages.error(request, exc.message)


# --- A project's proposals ------------------------------------------------------------------


@login_required
def proposal_list(request: HttpRequest, pk: int) -> HttpResponse:
    """The project's votes: open now, coming (drafts, for those who see them), closed."""
    project, can_manage = member_project(request, pk)
    proposals = list(project_proposal_list(user=request.user, project=project))
    groups = {
        "open": sorted(
            (p for p in proposals if p.status == ProposalStatus.OPEN),
            key=lambda p: (p.closes_at, p.pk),
        ),
        "upcoming": sorted(
            (p for p in proposals if p.status == ProposalStatus.DRAFT),
            key=lambda p: (p.opens_at, p.pk),
        ),
        "closed": sorted(
            (p for p in proposals if p.status == ProposalStatus.CLOSED),
            key=lambda p: (p.closed_at or p.closes_at, p.pk),
            reverse=True,
        ),
        "withdrawn": [p for p in proposals if p.status == ProposalStatus.WITHDRAWN],
    }
    context = {"project": project, "can_manage": can_manage, **groups}
    with timezone.override(project_time_zone(project)):
        return render(request, "governance/proposals/proposal_list.html", context)


# --- A proposal -------------------------------------------------------------------------------


@dataclass
class BallotSlot:
    """One ballot the user may cast on the page: their own, or one for a voter they represent."""

    key: str  # the form's prefix: "own", "for-<resident pk>"
    heading: str
    on_behalf_of: Resident | None = None
    form: BallotForm | None = None
    status: str = ""
    reasked: list[Objection] = field(default_factory=list)


def _own_slot(
    *,
    proposal: Proposal,
    state: BallotState,
    method: str,
    secret: bool,
    request: HttpRequest,
    bound: dict[str, Any],
) -> BallotSlot | None:
    if not state.in_electorate:
        return None
    slot = BallotSlot(key="own", heading=_("Your vote"))
    form_class = ballot_form_class(method)
    participation = state.participation
    if method == VotingMethod.CONSENT and proposal.consent_phase != ConsentPhase.CONSENT:
        slot.status = _(
            "Positions are given in the consent round, after the questions and reactions."
        )
        return slot
    if participation is None:
        pass
    elif participation.via_proxy_id:
        slot.status = _("%(name)s voted for you with your proxy.") % {
            "name": participation.via_proxy.holder.full_name
        }
        return slot
    elif participation.on_paper:
        slot.status = _("Your ballot was recorded on paper at the meeting.")
        return slot
    elif method == VotingMethod.CONSENT:
        if not state.reasked:
            slot.status = _("Your position is recorded: %(choice)s.") % {
                "choice": choice_text(method, participation.choice)
            }
            return slot
        slot.reasked = state.reasked
        slot.status = _(
            "The proposal was amended to meet your objection. Consent, stand aside, or object "
            "again."
        )
    elif secret:
        by = participation.cast_by
        if by is not None and by.pk != request.user.pk:  # a household's vote, cast by another
            slot.status = _(
                "%(name)s has cast your household's ballot. A secret ballot cannot be changed."
            ) % {"name": by.get_full_name() or by.email}
        else:
            slot.status = _("You have voted. A secret ballot cannot be changed.")
        return slot
    else:
        by = participation.cast_by
        slot.status = _("Your vote is in: %(choice)s. You can change it until the vote closes.") % {
            "choice": choice_text(method, participation.choice)
        }
        if by is not None and by.pk != request.user.pk:
            slot.status += " " + _("Cast by %(name)s.") % {"name": by.get_full_name() or by.email}
    slot.form = bound.get(slot.key) or form_class(
        prefix=slot.key,
        proposal=proposal,
        initial=ballot_initial(method, proposal, participation and participation.choice)
        if not secret and method != VotingMethod.CONSENT
        else None,
    )
    return slot


def _proxy_slots(
    *, proposal: Proposal, state: BallotState, method: str, bound: dict[str, Any]
) -> list[BallotSlot]:
    slots = []
    for represented in state.represented:
        grantor = represented.grantor
        slot = BallotSlot(
            key=f"for-{grantor.pk}",
            heading=_("On behalf of %(name)s") % {"name": grantor.full_name},
            on_behalf_of=grantor,
        )
        if represented.voted:
            slot.status = _("The ballot of %(name)s is in.") % {"name": grantor.full_name}
        elif method == VotingMethod.CONSENT and proposal.consent_phase != ConsentPhase.CONSENT:
            slot.status = _("Positions are given in the consent round.")
        else:
            slot.form = bound.get(slot.key) or ballot_form_class(method)(
                prefix=slot.key, proposal=proposal, label=slot.heading
            )
        slots.append(slot)
    return slots


def _paper_form(
    *, request: HttpRequest, proposal: Proposal, method: str, bound: dict[str, Any]
) -> BallotForm | None:
    if method == VotingMethod.CONSENT and proposal.consent_phase != ConsentPhase.CONSENT:
        return None
    if not user_can_record_paper_ballots(user=request.user, proposal=proposal):
        return None
    return bound.get("paper") or ballot_form_class(method)(
        prefix="paper",
        proposal=proposal,
        paper_residents=paper_ballot_resident_list(proposal=proposal),
        label=_("Paper ballot"),
    )


def _consent_context(
    *,
    proposal: Proposal,
    state: BallotState,
    can_manage: bool,
    is_open: bool,
    bound: dict[str, Any],
) -> dict[str, Any]:
    entries = list(round_entry_list(proposal=proposal))
    objections = list(standing_objection_list(proposal=proposal))
    my_voter = state.voter.pk if state.voter else None
    in_round = is_open and proposal.consent_phase in (
        ConsentPhase.QUESTIONS,
        ConsentPhase.REACTIONS,
    )
    answer_forms = {}
    if can_manage and is_open:
        for entry in entries:
            if entry.phase == ConsentPhase.QUESTIONS and not entry.answer:
                key = f"answer-{entry.pk}"
                answer_forms[entry.pk] = bound.get(key) or AnswerForm(prefix=key)
    amendment_form = None
    if can_manage and is_open and proposal.consent_phase == ConsentPhase.CONSENT and objections:
        amendment_form = bound.get("amend") or AmendmentForm(
            prefix="amend",
            objections=standing_objection_list(proposal=proposal),
            initial={"text": proposal.text},
        )
    entry_form = (
        (bound.get("entry") or RoundEntryForm(prefix="entry"))
        if in_round and state.in_electorate
        else None
    )
    return {
        # in the page's order, for the round's summary of errors
        "forms": [*answer_forms.values(), entry_form, amendment_form],
        "entries": [
            {"entry": e, "mine": e.voter_id == my_voter, "answer_form": answer_forms.get(e.pk)}
            for e in entries
        ],
        "objections": [{"objection": o, "mine": o.voter_id == my_voter} for o in objections],
        "entry_form": entry_form,
        "amendment_form": amendment_form,
        "can_advance": can_manage
        and is_open
        and proposal.consent_phase in (ConsentPhase.QUESTIONS, ConsentPhase.REACTIONS),
        "can_close_round": can_manage and is_open,
    }


def _render_detail(
    request: HttpRequest,
    proposal: Proposal,
    *,
    bound: dict[str, Any] | None = None,
    close_consequences: list[str] | None = None,
) -> HttpResponse:
    """The proposal's page; ``bound`` holds a posted form that was refused, by its prefix, so
    that it shows again with its errors where it was; ``close_consequences`` what closing the
    consent round now means, for a manager to confirm it."""
    bound = bound or {}
    now = timezone.now()
    project = proposal.project
    can_manage = user_can_manage_project(user=request.user, project=project)
    rules = _rules(proposal)
    method = rules["method"]
    secret = bool(rules.get("secret")) and method != VotingMethod.CONSENT
    is_open = _is_open(proposal, now)
    state = proposal_ballot_state(proposal=proposal, user=request.user)
    slots: list[BallotSlot] = []
    paper_form = None
    if is_open:
        own = _own_slot(
            proposal=proposal,
            state=state,
            method=method,
            secret=secret,
            request=request,
            bound=bound,
        )
        slots = ([own] if own else []) + _proxy_slots(
            proposal=proposal, state=state, method=method, bound=bound
        )
        paper_form = _paper_form(request=request, proposal=proposal, method=method, bound=bound)
    # A receipt code is shown once, on the page the ballot leads back to.
    receipts = _kept_receipts(request) if request.method == "GET" else []
    context = {
        "proposal": proposal,
        "project": project,
        "can_manage": can_manage,
        "method": method,
        "secret": secret,
        "rules_facts": rules_facts(rules),
        "rules_frozen": bool(proposal.rules),
        "is_open": is_open,
        "state": state,
        "slots": slots,
        "paper_form": paper_form,
        "receipts": receipts,
        "versions": list(proposal_version_list(proposal=proposal)),
        "turnout": proposal_turnout(proposal=proposal)
        if proposal.status in (ProposalStatus.OPEN, ProposalStatus.CLOSED)
        else None,
        "decision": _decision_of(proposal),
        "results_link": proposal.status == ProposalStatus.CLOSED
        or (proposal.status == ProposalStatus.OPEN and proposal.show_live_count and not secret),
        "zone": project.city.time_zone,
        "most_approvals": proposal.max_approvals or len(proposal.options),
    }
    if method == VotingMethod.CONSENT and proposal.status != ProposalStatus.DRAFT:
        context["consent"] = _consent_context(
            proposal=proposal, state=state, can_manage=can_manage, is_open=is_open, bound=bound
        )
        context["consent"]["close_consequences"] = close_consequences or []
    with timezone.override(project_time_zone(project)):
        response = render(request, "governance/proposals/proposal_detail.html", context)
    if receipts:
        response.delete_cookie(RECEIPTS_COOKIE, path=_detail_url(proposal), samesite="Lax")
    return response


def _decision_of(proposal: Proposal) -> Decision | None:
    try:
        return proposal.decision
    except Decision.DoesNotExist:
        return None


@login_required
def proposal_detail(request: HttpRequest, pk: int) -> HttpResponse:
    return _render_detail(request, _visible_proposal(request, pk))


def _receipts_salt(request: HttpRequest) -> str:
    # Bound to the user: whoever signs in next on the same browser is not shown the code.
    return f"{RECEIPTS_COOKIE}:{request.user.pk}"


def _kept_receipts(request: HttpRequest) -> list[dict[str, str]]:
    value = request.COOKIES.get(RECEIPTS_COOKIE)
    if not value:
        return []
    try:
        return signing.loads(value, salt=_receipts_salt(request), max_age=RECEIPTS_COOKIE_AGE)
    except signing.BadSignature:
        return []


def _keep_receipt(
    request: HttpRequest, response: HttpResponse, proposal: Proposal, label: str, code: str
) -> HttpResponse:
    """The response, carrying the receipt code to the proposal's page (with any not shown yet)."""
    receipts = [*_kept_receipts(request), {"label": label, "code": code}]
    response.set_cookie(
        RECEIPTS_COOKIE,
        signing.dumps(receipts, salt=_receipts_salt(request), compress=True),
        max_age=RECEIPTS_COOKIE_AGE,
        path=_detail_url(proposal),
        secure=settings.SESSION_COOKIE_SECURE,
        httponly=True,
        samesite="Lax",
    )
    return response


def _method(proposal: Proposal) -> str:
    return _rules(proposal)["method"]


@login_required
@require_POST
def ballot_cast_view(request: HttpRequest, pk: int) -> HttpResponse:
    """Cast (or change) one ballot: the user's own, or, with ``on_behalf_of``, the ballot of a
    voter whose proxy the user holds."""
    proposal = _visible_proposal(request, pk)
    on_behalf_of = None
    key, label = "own", None
    if request.POST.get("on_behalf_of"):
        state = proposal_ballot_state(proposal=proposal, user=request.user)
        held = {str(r.grantor.pk): r.grantor for r in state.represented}
        on_behalf_of = held.get(request.POST["on_behalf_of"])
        require(on_behalf_of is not None)
        key = f"for-{on_behalf_of.pk}"
        label = _("On behalf of %(name)s") % {"name": on_behalf_of.full_name}
    form = ballot_form_class(_method(proposal))(
        request.POST, prefix=key, proposal=proposal, label=label
    )
    try:
        receipt = submit(
            form,
            lambda: ballot_cast(
                proposal=proposal,
                user=request.user,
                choice=form.ballot(),
                on_behalf_of=on_behalf_of,
                reason=form.reason_text(),
            ),
        )
    except Conflict as exc:
        _error_message(request, exc)
        return done(request, _detail_url(proposal))
    if receipt is None:
        return _render_detail(request, proposal, bound={key: form})
    if on_behalf_of is not None:
        text = _("Your ballot on behalf of %(name)s is in.") % {"name": on_behalf_of.full_name}
    elif receipt.changed:
        text = _("Your vote is changed.")
    else:
        text = _("Your vote is in.")
    messages.success(request, text)
    response = done(request, _detail_url(proposal))
    if receipt.receipt:
        label = (
            _("On behalf of %(name)s") % {"name": on_behalf_of.full_name}
            if on_behalf_of
            else _("Your ballot")
        )
        _keep_receipt(request, response, proposal, label, receipt.receipt)
    return response


@login_required
@require_POST
def paper_ballot_view(request: HttpRequest, pk: int) -> HttpResponse:
    """The chair (or a manager) records the paper ballot of a voter present at the meeting."""
    proposal = _visible_proposal(request, pk)
    require(user_can_record_paper_ballots(user=request.user, proposal=proposal))
    form = ballot_form_class(_method(proposal))(
        request.POST,
        prefix="paper",
        proposal=proposal,
        paper_residents=paper_ballot_resident_list(proposal=proposal),
        label=_("Paper ballot"),
    )
    try:
        receipt = submit(
            form,
            lambda: ballot_cast_paper(
                proposal=proposal,
                recorded_by=request.user,
                resident=form.cleaned_data["resident"],
                choice=form.ballot(),
                reason=form.reason_text(),
            ),
        )
    except Conflict as exc:
        _error_message(request, exc)
        return done(request, _detail_url(proposal))
    if receipt is None:
        return _render_detail(request, proposal, bound={"paper": form})
    name = form.cleaned_data["resident"].full_name
    messages.success(request, _("The paper ballot of %(name)s is recorded.") % {"name": name})
    response = done(request, _detail_url(proposal))
    if receipt.receipt:
        _keep_receipt(
            request,
            response,
            proposal,
            _("Paper ballot of %(name)s: hand them this code") % {"name": name},
            receipt.receipt,
        )
    return response


@login_required
@require_POST
def round_entry_add_view(request: HttpRequest, pk: int) -> HttpResponse:
    proposal = _visible_proposal(request, pk)
    form = RoundEntryForm(request.POST, prefix="entry")
    try:
        entry = submit(
            form,
            lambda: round_entry_add(
                proposal=proposal, user=request.user, text=form.cleaned_data["text"]
            ),
        )
    except Conflict as exc:
        _error_message(request, exc)
        return done(request, _detail_url(proposal))
    if entry is None:
        return _render_detail(request, proposal, bound={"entry": form})
    messages.success(request, _("Added to the round."))
    return done(request, _detail_url(proposal) + "#round")


@login_required
@require_POST
def round_entry_answer_view(request: HttpRequest, pk: int) -> HttpResponse:
    entry = get_object_or_404(
        RoundEntry.objects.filter(proposal__in=proposal_list_for_user(user=request.user)), pk=pk
    )
    proposal = _managed_proposal(request, entry.proposal_id)
    key = f"answer-{entry.pk}"
    form = AnswerForm(request.POST, prefix=key)
    answered = submit(
        form, lambda: round_entry_answer(entry=entry, answer=form.cleaned_data["answer"])
    )
    if answered is None:
        return _render_detail(request, proposal, bound={key: form})
    messages.success(request, _("Answer saved."))
    return done(request, _detail_url(proposal) + "#round")


@login_required
@require_POST
def consent_phase_advance_view(request: HttpRequest, pk: int) -> HttpResponse:
    proposal = _managed_proposal(request, pk)
    try:
        proposal = consent_phase_advance(proposal=proposal)
    except Conflict as exc:
        _error_message(request, exc)
    else:
        messages.success(
            request,
            _("The round moves on to: %(phase)s.")
            % {"phase": ConsentPhase(proposal.consent_phase).label},
        )
    return done(request, _detail_url(proposal))


@login_required
@require_POST
def proposal_close_view(request: HttpRequest, pk: int) -> HttpResponse:
    """Close a consent round now (a count of votes closes only at its time), in two steps: the
    page says first what closing means, then the confirmed form closes it."""
    proposal = _managed_proposal(request, pk)
    try:
        if request.POST.get("confirmed") == "on":
            decision = proposal_close(proposal=proposal, early=True, closed_by=request.user)
        elif check_proposal_close(proposal=proposal):
            consequences = _close_round_consequences(proposal)
            return _render_detail(request, proposal, close_consequences=consequences)
        else:
            decision = None
    except Conflict as exc:
        _error_message(request, exc)
        return done(request, _detail_url(proposal))
    if decision is None:
        messages.error(request, _("This vote is not open."))
        return done(request, _detail_url(proposal))
    messages.success(request, _("The round is closed and its decision recorded."))
    return done(request, reverse("proposal_results", args=[proposal.pk]))


def _close_round_consequences(proposal: Proposal) -> list[str]:
    """What closing a consent round now means: the voters who have not given their position
    lose the chance to, before the time the round was to end."""
    turnout = proposal_turnout(proposal=proposal)
    missing = turnout["electorate"] - turnout["voted"]
    consequences = []
    if missing:
        consequences.append(
            ngettext(
                "%(count)s of the %(electorate)s voters has not given a position yet and will "
                "no longer be able to.",
                "%(count)s of the %(electorate)s voters have not given a position yet and will "
                "no longer be able to.",
                missing,
            )
            % {"count": missing, "electorate": turnout["electorate"]}
        )
    if proposal.closes_at > timezone.now():
        closes_at = timezone.localtime(proposal.closes_at, project_time_zone(proposal.project))
        consequences.append(
            _("The round was to close on %(date)s.")
            % {"date": formats.date_format(closes_at, "DATETIME_FORMAT")}
        )
    consequences.append(
        _(
            "The decision is taken on the positions given so far: it passes if no objection "
            "stands and the quorum is met."
        )
    )
    return consequences


@login_required
@require_POST
def proposal_amend_view(request: HttpRequest, pk: int) -> HttpResponse:
    proposal = _managed_proposal(request, pk)
    form = AmendmentForm(
        request.POST, prefix="amend", objections=standing_objection_list(proposal=proposal)
    )
    try:
        version = submit(
            form,
            lambda: proposal_amend(proposal=proposal, amended_by=request.user, **form.arguments()),
        )
    except Conflict as exc:
        _error_message(request, exc)
        return done(request, _detail_url(proposal))
    if version is None:
        return _render_detail(request, proposal, bound={"amend": form})
    messages.success(
        request,
        _("Version %(version)s published; the objectors it addresses are asked again.")
        % {"version": version.version},
    )
    return done(request, _detail_url(proposal))


@login_required
@require_POST
def proposal_withdraw_view(request: HttpRequest, pk: int) -> HttpResponse:
    proposal = _managed_proposal(request, pk)
    try:
        proposal_withdraw(proposal=proposal)
    except Conflict as exc:
        _error_message(request, exc)
        return done(request, _detail_url(proposal))
    messages.success(request, _("The proposal is withdrawn."))
    return done(request, reverse("proposal_list", args=[proposal.project_id]))


# --- Drafting ---------------------------------------------------------------------------------


def _render_proposal_form(
    request: HttpRequest, project: Any, form: ProposalForm, proposal: Proposal | None
) -> HttpResponse:
    context = {"project": project, "form": form, "proposal": proposal}
    return render(request, "governance/proposals/proposal_form.html", context)


@login_required
def proposal_create_view(request: HttpRequest, pk: int) -> HttpResponse:
    project, can_manage = member_project(request, pk)
    require(can_manage)
    with timezone.override(project_time_zone(project)):
        form = ProposalForm(request.POST or None, project=project)
        if request.method == "POST":
            proposal = submit(
                form,
                lambda: proposal_create(project=project, author=request.user, **form.arguments()),
            )
            if proposal is not None:
                messages.success(
                    request,
                    _("Draft saved; the vote opens on %(date)s")
                    % {
                        "date": formats.date_format(
                            timezone.localtime(proposal.opens_at), "DATETIME_FORMAT"
                        )
                    },
                )
                return redirect("proposal_detail", pk=proposal.pk)
        return _render_proposal_form(request, project, form, None)


@login_required
def proposal_edit_view(request: HttpRequest, pk: int) -> HttpResponse:
    proposal = _managed_proposal(request, pk)
    project = proposal.project
    if proposal.status != ProposalStatus.DRAFT:
        messages.error(request, _("Only a draft can be edited."))
        return redirect("proposal_detail", pk=proposal.pk)
    with timezone.override(project_time_zone(project)):
        form = ProposalForm(
            request.POST or None, project=project, initial=ProposalForm.initial_from(proposal)
        )
        if request.method == "POST":
            try:
                updated = submit(
                    form, lambda: proposal_update(proposal=proposal, **form.arguments())
                )
            except Conflict as exc:
                _error_message(request, exc)
                return redirect("proposal_detail", pk=proposal.pk)
            if updated is not None:
                messages.success(request, _("Draft saved."))
                return redirect("proposal_detail", pk=proposal.pk)
        return _render_proposal_form(request, project, form, proposal)


# --- Results ----------------------------------------------------------------------------------


@login_required
def proposal_results_view(request: HttpRequest, pk: int) -> HttpResponse:
    """The count with a chart and a table of the same numbers; after the close of an open
    ballot, who voted what; of a secret ballot, the receipt codes and their choices."""
    proposal = _visible_proposal(request, pk)
    project = proposal.project
    rules = _rules(proposal)
    method = rules["method"]
    tally = proposal_results(proposal=proposal)
    context: dict[str, Any] = {
        "proposal": proposal,
        "project": project,
        "method": method,
        "tally": tally,
        "decision": _decision_of(proposal) if proposal.status == ProposalStatus.CLOSED else None,
        "live": tally is not None and proposal.status == ProposalStatus.OPEN,
    }
    if tally is not None:
        context.update(
            table=result_table(tally, proposal.options),
            rounds=round_table(tally, proposal.options) if method == VotingMethod.RANKED else None,
            quorum=quorum_summary(tally, rules),
            threshold=threshold_summary(tally, rules),
            standing_objections=tally.get("standing_objections") or [],
            resolved_objections=tally.get("resolved_objections") or [],
        )
        context["open_ballots"] = [
            {"participation": p, "choice": choice_text(method, p.choice)}
            for p in proposal_open_ballots(proposal=proposal)
        ]
        search = ReceiptSearchForm(request.GET or None)
        receipts = [
            {"code": r.receipt, "choice": choice_text(method, r.choice)}
            for r in proposal_receipts(proposal=proposal)
        ]
        code = search.cleaned_code() if search.is_bound else ""
        context.update(
            receipts=receipts,
            receipt_search=search,
            searched_code=code,
            found=next((r for r in receipts if r["code"] == code), None) if code else None,
        )
    with timezone.override(project_time_zone(project)):
        return render(request, "governance/proposals/proposal_results.html", context)
