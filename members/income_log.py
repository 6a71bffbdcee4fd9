"""Writing the income access log, below the selectors and the services: a look at a household's
income is recorded by ``members.selectors.income_declarations_read``, a change by the services
(``members.services.income_access_record``), both through this one writer. It appends the same
looks and changes to the general audit log (``common.audit``) in the same call, so that the two
never disagree: the income log answers "who saw this household's income", the audit log
"what did this manager do"."""

from __future__ import annotations

from collections.abc import Iterable

from django.db.models import QuerySet
from django.utils import timezone

from common.audit import audit_event, audit_record_many
from members.models import Household, IncomeAccessLog, IncomeDeclaration, User


def _project_ids(
    declarations: Iterable[IncomeDeclaration], households: Iterable[Household], wanted: set[int]
) -> dict[int, int]:
    """Each household's project, from the rows at hand (a declaration read with its household,
    as every caller does), and in one query for any that were not."""
    projects: dict[int, int] = {household.pk: household.project_id for household in households}
    for declaration in declarations:
        household = declaration._state.fields_cache.get("household")
        if household is not None:
            projects[declaration.household_id] = household.project_id
    missing = wanted - projects.keys()
    if missing:
        projects.update(Household.objects.filter(pk__in=missing).values_list("pk", "project_id"))
    return projects


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
    record. Each entry is also an audit event (``income.<action>``) of the household's project.
    Three queries at most, whatever the number of households."""
    declarations = list(declarations)
    households = list(households)
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
    if not entries:
        return []
    projects = _project_ids(declarations, households, set(by_household))
    audit_record_many(
        audit_event(
            actor=actor,
            action=f"income.{entry.action}",
            project_id=projects.get(entry.household_id),
            target=Household(pk=entry.household_id),
            detail=entry.detail,
            at=now,
        )
        for entry in entries
    )
    return IncomeAccessLog.objects.bulk_create(entries)
