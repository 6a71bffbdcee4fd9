"""Money's part of a person's data: the household's charges and payments in their export, and
the removed resident's name taken out of payments' payer, reference and note (registered in
``CommunityConfig.ready``, see ``members.personal_data``). Amounts and dates stay: accounting
law keeps them."""

from __future__ import annotations

from typing import Any

from django.db.models import Q

from community.money.models import Charge, Payment
from members.personal_data import Erased, Subject, export_row, names_scrub


def money_export(*, subject: Subject) -> dict[str, Any]:
    """Two queries."""
    if subject.household is None:
        return {"charges": [], "payments": []}
    charges = Charge.objects.filter(household=subject.household).select_related("scheme")
    payments = Payment.objects.filter(household=subject.household)
    return {
        "charges": [
            {
                "scheme": charge.scheme.name,
                **export_row(charge, ("month", "amount_cents", "breakdown", "created_at")),
            }
            for charge in charges.order_by("month", "pk")
        ],
        "payments": [
            export_row(
                payment, ("paid_on", "amount_cents", "reference", "payer_name", "source", "note")
            )
            for payment in payments.order_by("paid_on", "pk")
        ],
    }


def money_erase(*, erased: Erased) -> None:
    names_scrub(
        Payment,
        ("payer_name", "reference", "note"),
        erased=erased,
        rows=Q(household__project_id=erased.resident.household.project_id),
    )
