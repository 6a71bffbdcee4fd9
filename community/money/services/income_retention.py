"""Deleting income declarations once their retention period is over (GDPR art. 5(1)(e)).

A declaration is kept for the project's ``income_retention_years`` after the month of the
last charge worked out from it (each charge names its declaration in
``breakdown["income_declaration"]``, ``charges.charge_breakdown``), since accounting law keeps
what a charge rests on; a declaration no charge used is kept as long after its validity ended:
the next declaration's ``valid_from``, or, for the household's latest, ``valid_from`` plus the
project's ``income_validity_months``.
"""

from __future__ import annotations

import datetime as dt

from django.db import models, transaction
from django.db.models import OuterRef, Subquery
from django.db.models.fields.json import KT
from django.db.models.functions import Cast

from common.months import add_months
from community.money.models import Charge
from members.models import IncomeDeclaration


def income_declaration_kept_until(
    *,
    last_charged: dt.date | None,
    next_valid_from: dt.date | None,
    valid_from: dt.date,
    validity_months: int,
    retention_years: int,
) -> dt.date:
    """The first day a declaration may be deleted."""
    if last_charged is not None:
        since = add_months(last_charged, 1)  # the end of the charged month
    elif next_valid_from is not None:
        since = next_valid_from
    else:
        since = add_months(valid_from, validity_months)
    return add_months(since, 12 * retention_years)


@transaction.atomic
def income_declarations_expire(*, today: dt.date) -> int:
    """Delete every declaration whose retention is over on ``today``; returns how many. Two
    queries whatever the number of declarations, and a rerun finds nothing left."""
    last_charged = (
        Charge.objects.annotate(
            declaration_id=Cast(KT("breakdown__income_declaration"), models.BigIntegerField())
        )
        .filter(household_id=OuterRef("household_id"), declaration_id=OuterRef("pk"))
        .order_by("-month")
        .values("month")[:1]
    )
    next_valid_from = (
        IncomeDeclaration.objects.filter(
            household_id=OuterRef("household_id"), valid_from__gt=OuterRef("valid_from")
        )
        .order_by("valid_from")
        .values("valid_from")[:1]
    )
    rows = IncomeDeclaration.objects.annotate(
        last_charged=Subquery(last_charged),
        next_valid_from=Subquery(next_valid_from),
    ).values_list(
        "pk",
        "last_charged",
        "next_valid_from",
        "valid_from",
        "household__project__income_validity_months",
        "household__project__income_retention_years",
    )
    expired = [
        pk
        for pk, last, following, valid_from, validity, retention in rows
        if income_declaration_kept_until(
            last_charged=last,
            next_valid_from=following,
            valid_from=valid_from,
            validity_months=validity,
            retention_years=retention,
        )
        <= today
    ]
    if not expired:
        return 0
    IncomeDeclaration.objects.filter(pk__in=expired).delete()
    return len(expired)
