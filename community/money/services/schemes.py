"""Writes of contribution schemes: drafting, changing, adopting (by a manager or by a decision
of the project's governance) and retiring them (DESIGN.md §3, §4). The checks of a method's
parameters are ``community.money.contribution_parameters`` (pure)."""

from __future__ import annotations

import datetime as dt
import logging
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.db.models import Q
from django.utils import formats, timezone
from django.utils.translation import gettext as _

from common.audit import audit_record
from common.models import AuditAction
from common.months import last_of_month
from common.validation import Conflict, save_validated, violated_constraint
from community.money.contribution_parameters import scheme_parameters_normalised
from community.money.models import IN_FORCE, Charge, ChargeRun, ContributionScheme, SchemeStatus
from community.money.services.shared import lock_project
from members.models import HousingProject, User

logger = logging.getLogger(__name__)


# The PostgreSQL exclusion constraint of migration community 0011.
NO_OVERLAP_CONSTRAINT = "scheme_adopted_no_overlap"


def _check_proposal(scheme: ContributionScheme) -> None:
    proposal = scheme.adopting_proposal
    if proposal is None:
        return
    if proposal.project_id != scheme.project_id:
        raise ValidationError({"adopting_proposal": _("This proposal is of another project.")})
    # Once closed or withdrawn a proposal's passing is behind it: it can adopt nothing more.
    if proposal.status in ("closed", "withdrawn"):
        raise ValidationError({"adopting_proposal": _("This proposal's vote is over.")})


def _check_period(valid_from: dt.date | None, valid_to: dt.date | None) -> None:
    if valid_from is not None and valid_from.day != 1:
        raise ValidationError({"valid_from": _("A scheme starts on the first day of a month.")})
    if valid_to is not None and valid_to != last_of_month(valid_to):
        raise ValidationError({"valid_to": _("A scheme ends on the last day of a month.")})


@transaction.atomic
def scheme_create(
    *,
    project: HousingProject,
    name: str,
    method: str,
    valid_from: dt.date,
    parameters: Mapping | None = None,
    valid_to: dt.date | None = None,
    adopting_proposal=None,
    created_by: User | None = None,
) -> ContributionScheme:
    """A draft scheme. Without ``parameters`` the method's defaults (HUD's for greatest_of)."""
    _check_period(valid_from, valid_to)
    scheme = ContributionScheme(
        project=project,
        name=name,
        method=method,
        parameters=scheme_parameters_normalised(method, parameters),
        valid_from=valid_from,
        valid_to=valid_to,
        adopting_proposal=adopting_proposal,
        created_by=created_by,
    )
    _check_proposal(scheme)
    return save_validated(scheme)


SCHEME_EDITABLE = ("name", "method", "parameters", "valid_from", "valid_to", "adopting_proposal")


@transaction.atomic
def scheme_update(*, scheme: ContributionScheme, **changes: Any) -> ContributionScheme:
    """Change a draft. Changing the method without new parameters starts from its defaults."""
    unknown = set(changes) - set(SCHEME_EDITABLE)
    if unknown:
        raise ValidationError({name: _("This field cannot be changed here.") for name in unknown})
    scheme = ContributionScheme.objects.select_for_update().get(pk=scheme.pk)
    if scheme.status != SchemeStatus.DRAFT:
        raise Conflict(_("Only a draft scheme can be changed."))
    method_changed = "method" in changes and changes["method"] != scheme.method
    for name, value in changes.items():
        setattr(scheme, name, value)
    if "parameters" in changes:
        scheme.parameters = scheme_parameters_normalised(scheme.method, changes["parameters"])
    elif method_changed:
        scheme.parameters = scheme_parameters_normalised(scheme.method, None)
    _check_period(scheme.valid_from, scheme.valid_to)
    _check_proposal(scheme)
    return save_validated(scheme)


def _overlapping(scheme: ContributionScheme):
    others = ContributionScheme.objects.filter(IN_FORCE, project_id=scheme.project_id).exclude(
        pk=scheme.pk
    )
    others = others.filter(Q(valid_to__isnull=True) | Q(valid_to__gte=scheme.valid_from))
    if scheme.valid_to is not None:
        others = others.filter(valid_from__lte=scheme.valid_to)
    return others.order_by("valid_from")


def _overlap_error(other: ContributionScheme) -> ValidationError:
    if other.valid_to is None:
        message = _("“%(name)s” is in force from %(start)s with no end.") % {
            "name": other.name,
            "start": other.valid_from.isoformat(),
        }
    else:
        message = _("“%(name)s” is in force from %(start)s to %(end)s.") % {
            "name": other.name,
            "start": other.valid_from.isoformat(),
            "end": other.valid_to.isoformat(),
        }
    return ValidationError({"valid_from": message}, code="overlap")


@transaction.atomic
def scheme_adopt(
    *,
    scheme: ContributionScheme,
    adopted_by: User | None = None,
    decision=None,
) -> ContributionScheme:
    """Put a draft scheme in force over its period: by a manager (``adopted_by``; the caller
    checks that they manage the project) or by a decision of the project's governance.

    Refused with an error on ``valid_from`` when another adopted scheme of the project is in
    force on any day of the period, or when a month of the period has been charged already.
    Recorded in the audit log (by the manager, or by "system" for a decision).
    """
    project = lock_project(scheme.project)  # serialises adoptions and charge runs
    scheme = ContributionScheme.objects.select_for_update().get(pk=scheme.pk)
    if scheme.status != SchemeStatus.DRAFT:
        raise Conflict(_("Only a draft scheme can be adopted."))
    if decision is not None and decision.project_id != project.pk:
        raise ValidationError({"adopted_by_decision": _("This decision is of another project.")})
    scheme.parameters = scheme_parameters_normalised(scheme.method, scheme.parameters)
    other = _overlapping(scheme).first()
    if other is not None:
        raise _overlap_error(other)
    charged = ChargeRun.objects.filter(project=project, month__gte=scheme.valid_from)
    if scheme.valid_to is not None:
        charged = charged.filter(month__lte=scheme.valid_to)
    first_charged = charged.order_by("month").values_list("month", flat=True).first()
    if first_charged is not None:
        raise ValidationError(
            {
                "valid_from": _("%(month)s has been charged already: start after it.")
                % {"month": formats.date_format(first_charged, "YEAR_MONTH_FORMAT")}
            }
        )
    scheme.status = SchemeStatus.ADOPTED
    scheme.adopted_at = timezone.now()
    scheme.adopted_by = adopted_by
    scheme.adopted_by_decision = decision
    scheme.full_clean()
    try:
        with transaction.atomic():
            scheme.save()
    except IntegrityError as exc:
        # Only reachable past the project lock by a write that skipped this service.
        if violated_constraint(exc) == NO_OVERLAP_CONSTRAINT:
            raise ValidationError(
                {"valid_from": _("Another scheme is in force in this period.")}
            ) from exc
        raise
    audit_record(
        actor=adopted_by,
        action=AuditAction.SCHEME_ADOPTED,
        project_id=project.pk,
        target=scheme,
        detail={
            "method": scheme.method,
            "valid_from": scheme.valid_from.isoformat(),
            "valid_to": scheme.valid_to.isoformat() if scheme.valid_to else None,
            "decision": decision.pk if decision is not None else None,
        },
    )
    return scheme


@dataclass(frozen=True)
class DecisionAdoption:
    adopted: list[ContributionScheme]
    refused: dict[int, list[str]]  # scheme id → why it could not be adopted


def scheme_adopt_by_decision(*, decision) -> DecisionAdoption:
    """Adopt the draft schemes whose adopting proposal this decision closed, if it passed.

    For the governance app, when it records a decision. Safe to call again: a scheme adopted
    already is left alone. A scheme that cannot be adopted (its period overlaps one in force)
    stays a draft and is reported in ``refused``, without undoing the decision.
    """
    if not decision.passed:
        return DecisionAdoption(adopted=[], refused={})
    adopted: list[ContributionScheme] = []
    refused: dict[int, list[str]] = {}
    drafts = ContributionScheme.objects.filter(
        adopting_proposal_id=decision.proposal_id,
        project_id=decision.project_id,
        status=SchemeStatus.DRAFT,
    ).order_by("valid_from", "pk")
    for scheme in drafts:
        try:
            with transaction.atomic():
                adopted.append(scheme_adopt(scheme=scheme, decision=decision))
        except (ValidationError, Conflict) as exc:
            messages = exc.messages if isinstance(exc, ValidationError) else [exc.message]
            refused[scheme.pk] = list(messages)
            logger.warning(
                "Decision %s could not adopt scheme %s: %s", decision.pk, scheme.pk, messages
            )
    return DecisionAdoption(adopted=adopted, refused=refused)


def check_scheme_retire(
    *, scheme: ContributionScheme, valid_to: dt.date | None = None
) -> dt.date | None:
    """The last day the scheme would be in force if retired with ``valid_to`` (by default the
    end of the last month charged under it; None when it never applied and is withdrawn), or
    a ``ValidationError`` on ``valid_to``. Retiring checks it again under the project's lock; a
    page checks it first, before asking a manager to confirm what retiring means."""
    if scheme.status != SchemeStatus.ADOPTED:
        raise Conflict(_("Only an adopted scheme can be retired."))
    last_charged = (
        Charge.objects.filter(scheme=scheme).order_by("-month").values_list("month", flat=True)
    ).first()
    if valid_to is None:
        return last_of_month(last_charged) if last_charged else None
    _check_period(None, valid_to)
    if valid_to < scheme.valid_from:
        raise ValidationError({"valid_to": _("A scheme cannot end before it starts.")})
    if scheme.valid_to is not None and valid_to > scheme.valid_to:
        raise ValidationError({"valid_to": _("Retiring cannot extend a scheme.")})
    if last_charged is not None and valid_to < last_of_month(last_charged):
        raise ValidationError(
            {
                "valid_to": _("%(month)s was charged under this scheme: end after it.")
                % {"month": formats.date_format(last_charged, "YEAR_MONTH_FORMAT")}
            }
        )
    return valid_to


@transaction.atomic
def scheme_retire(
    *, scheme: ContributionScheme, valid_to: dt.date | None = None
) -> ContributionScheme:
    """End an adopted scheme. It stays on record as in force up to ``valid_to`` (the last day
    of a month; by default the end of the last month charged under it), so that the months it
    applied to keep it; a scheme retired before it ever applied is withdrawn and holds no period.
    A month charged under the scheme cannot be taken from it.
    """
    lock_project(scheme.project)
    scheme = ContributionScheme.objects.select_for_update().get(pk=scheme.pk)
    valid_to = check_scheme_retire(scheme=scheme, valid_to=valid_to)
    scheme.status = SchemeStatus.RETIRED
    scheme.valid_to = valid_to
    scheme.retired_at = timezone.now()
    return save_validated(scheme)
