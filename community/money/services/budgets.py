"""Writes of a project's monthly budget (DESIGN.md §3)."""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping, Sequence
from typing import Any

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from common.validation import Conflict, save_validated, validate_amount_cents
from community.money.models import Budget, BudgetCategory, BudgetLine, BudgetStatus, ChargeRun
from community.money.selectors.ledger import budget_for_month
from community.money.services.shared import check_month, lock_project
from members.models import HousingProject


@transaction.atomic
def budget_set(
    *,
    project: HousingProject,
    month: dt.date,
    lines: Sequence[Mapping[str, Any]],
    status: str = BudgetStatus.APPROVED,
    note: str = "",
) -> Budget:
    """Create or replace the budget of a month: its lines are replaced as a whole.

    Each line is ``{"category", "label", "amount_cents"}``. Errors name the line: the key
    ``lines.<index>.<field>`` (from 0). A month already charged keeps its budget (409): the
    charges were worked out from it.
    """
    check_month(month)
    errors: dict[str, list[str]] = {}
    if status not in BudgetStatus.values:
        errors["status"] = [_("Choose draft or approved.")]
    if not lines:
        errors["lines"] = [_("A budget needs at least one line.")]
    for index, raw in enumerate(lines or ()):
        prefix = f"lines.{index}."
        if not isinstance(raw, Mapping):
            errors[f"lines.{index}"] = [_("Each line is an object.")]
            continue
        for key in sorted(set(raw) - {"category", "label", "amount_cents"}):
            errors[prefix + str(key)] = [_("Unknown field.")]
        if raw.get("category") not in BudgetCategory.values:
            errors[prefix + "category"] = [
                _("Choose one of: %(choices)s.") % {"choices": ", ".join(BudgetCategory.values)}
            ]
        label = raw.get("label") or ""
        if not isinstance(label, str) or len(label) > 120:
            errors[prefix + "label"] = [_("A label is text of at most 120 characters.")]
        amount = raw.get("amount_cents")
        if isinstance(amount, bool) or not isinstance(amount, int):
            errors[prefix + "amount_cents"] = [_("Give a whole number of cents.")]
        elif amount < 0:
            errors[prefix + "amount_cents"] = [_("An amount cannot be negative.")]
        else:
            try:
                validate_amount_cents(amount)
            except ValidationError as exc:
                errors[prefix + "amount_cents"] = exc.messages
    if errors:
        raise ValidationError(errors)
    new_lines = [
        BudgetLine(
            category=raw["category"],
            label=(raw.get("label") or "").strip(),
            amount_cents=raw["amount_cents"],
        )
        for raw in lines
    ]

    project = lock_project(project)
    if ChargeRun.objects.filter(project=project, month=month).exists():
        raise Conflict(_("This month has been charged: its budget is final."))
    budget = Budget.objects.filter(project=project, month=month).first()
    if budget is None:
        budget = Budget(project=project, month=month)
    budget.status = status
    budget.note = note
    budget.updated_at = timezone.now()
    budget = save_validated(budget)
    budget.lines.all().delete()
    for line in new_lines:
        line.budget = budget
    BudgetLine.objects.bulk_create(new_lines)
    return budget_for_month(project=project, month=month)  # type: ignore[return-value]
