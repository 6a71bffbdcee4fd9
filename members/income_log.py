"""Writing the income access log, below the selectors and the services: a look at a household's
income is recorded by ``members.selectors.income_declarations_read``, a change by the services
(``members.services.income_access_record``), both through this one writer."""

from __future__ import annotations

from collections.abc import Iterable

from django.db.models import QuerySet
from django.utils import timezone

from members.models import Household, IncomeAccessLog, IncomeDeclaration, User


def income_access_log_write(
    *,
    actor: User,
    action: str,
    declarations: Iterable[IncomeDeclaration] = (),
    households: Iterable[Household] = (),
    detail: dict | None = None,
    own_households: QuerySet | None = None,
) -> list[IncomeAccessLog]:
    """Append one entry per household: ``declarations`` are grouped by household (an entry
    names its declaration when there is one, and lists them in ``detail``); ``households`` adds
    households seen without a particular declaration. ``own_households`` (the actor's own, as
    ``household_id`` values) are left out, read in one query only when there is something to
    record. Two queries at most, whatever the number of households."""
    by_household: dict[int, list[int]] = {}
    for declaration in declarations:
        by_household.setdefault(declaration.household_id, []).append(declaration.pk)
    for household in households:
        by_household.setdefault(household.pk, [])
    if not by_household or not actor.is_authenticated:
        return []
    if own_households is not None:
        own = set(own_households.values_list("household_id", flat=True))
        by_household = {pk: ids for pk, ids in by_household.items() if pk not in own}
    now = timezone.now()
    entries = [
        IncomeAccessLog(
            actor=actor,
            actor_email=actor.email,
            household_id=household_id,
            declaration_id=ids[0] if len(ids) == 1 else None,
            action=action,
            at=now,
            detail={**(detail or {}), "declarations": ids} if ids else dict(detail or {}),
        )
        for household_id, ids in by_household.items()
    ]
    return IncomeAccessLog.objects.bulk_create(entries) if entries else []
